"""The format of -o follows its name, and a file never holds what its name contradicts:
Parquet for .parquet/.pq (CSV's columns, typed), an unknown suffix refused under -f auto,
a known suffix naming another format refused under an explicit -f."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ARTICLE, on_a_terminal, write_table

# Group c's labels are all 0: its MAPE is missing (an empty CSV cell, a Parquet null).
DATA = pd.concat([ARTICLE, pd.DataFrame({"y_true": [0.0, 0.0], "y_pred": [0.5, 1.5]})])
DATA = DATA.assign(g=["a", "a", "b", "b", "b", "c", "c"], w=[1.0, 2, 1, 1, 3, 1, 1])


@pytest.mark.parametrize("suffix", [".parquet", ".pq"])
def test_parquet_output_has_the_csv_columns_typed(run, tmp_path: Path, suffix: str) -> None:
    data = write_table(DATA, tmp_path / "data.csv")
    args = ["evaluate", str(data), "-g", "g", "-w", "w", "-m", "mse,mape", "--ci"]
    assert run(*args, "-o", str(tmp_path / "out.csv")).exit_code == 0
    result = run(*args, "-o", str(tmp_path / f"out{suffix}"))
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(tmp_path / f"out{suffix}")
    columns = pd.read_csv(tmp_path / "out.csv", nrows=0).columns.tolist()
    assert table.column_names == columns
    types = {name: str(table.schema.field(name).type) for name in columns}
    assert {types[n] for n in ("file", "pred", "scope", "g")} == {"string"}
    assert types["n"] == "int64"
    assert {types[n] for n in columns[5:]} == {"double"}
    assert table.column("mape").null_count == 1  # group c, not NaN
    assert table.column("g").null_count == 1  # the overall row
    from_csv = pd.read_csv(tmp_path / "out.csv", keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(table.to_pandas().fillna(pd.NA), from_csv.fillna(pd.NA))


def test_parquet_group_columns_keep_their_type(run, tmp_path: Path) -> None:
    data = write_table(DATA.assign(g=[1, 1, 2, 2, 2, 3, 3]), tmp_path / "data.parquet")
    assert run("evaluate", str(data), "-g", "g", "-o", str(tmp_path / "out.pq")).exit_code == 0
    column = pq.read_table(tmp_path / "out.pq").column("g")
    assert (column.type, column.to_pylist()) == (pa.int64(), [1, 2, 3, None])


@pytest.mark.parametrize("name", ["out.xlsx", "out.csv.gz", "out.xml"])
def test_an_unknown_suffix_is_refused_under_auto(run, tmp_path: Path, name: str) -> None:
    data = write_table(ARTICLE, tmp_path / "data.csv")
    result = run("evaluate", str(data), "-o", str(tmp_path / name))
    assert result.exit_code == 2
    assert f"-o {tmp_path / name}: " in result.stderr
    assert (".parquet" in result.stderr) or ("does not compress" in result.stderr)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("json", "x.csv"), ("csv", "x.parquet"), ("parquet", "x.md"), ("table", "x.json")],
)
def test_an_explicit_format_contradicting_a_known_suffix_is_refused(
    run, tmp_path: Path, fmt: str, name: str
) -> None:
    data = write_table(ARTICLE, tmp_path / "data.csv")
    result = run("evaluate", str(data), "-f", fmt, "-o", str(tmp_path / name))
    assert result.exit_code == 2
    assert f"not {fmt} as -f says" in result.stderr
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("fmt", "name"), [("csv", "results.out"), ("csv", "x.txt"), ("json", "x"), ("auto", "x")]
)
def test_an_explicit_format_writes_a_file_of_another_name(
    run, tmp_path: Path, fmt: str, name: str
) -> None:
    data = write_table(ARTICLE, tmp_path / "data.csv")
    assert (
        run("evaluate", str(data), "-m", "mse", "-f", fmt, "-o", str(tmp_path / name)).exit_code
        == 0
    )
    first = (tmp_path / name).read_text().splitlines()[0]
    assert first == ("{" if fmt == "json" else "file,pred,scope,n,mse")


def test_parquet_on_standard_output_when_it_is_a_pipe(tmp_path: Path) -> None:
    data = write_table(ARTICLE, tmp_path / "data.csv")
    done = subprocess.run(
        [sys.executable, "-m", "losscli", "evaluate", str(data), "-f", "parquet"],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    table = pq.read_table(pa.BufferReader(done.stdout))
    assert table.column("mse").to_pylist() == [pytest.approx(0.21606)]


def test_parquet_is_refused_on_a_terminal(tmp_path: Path) -> None:
    data = write_table(ARTICLE, tmp_path / "data.csv")
    code, shown = on_a_terminal("evaluate", str(data), "-f", "parquet")
    assert code == 2
    assert "is binary and standard output is a terminal" in shown


# Standard output replaced by a text stream without a binary ``.buffer``: one that has a
# descriptor (it writes through to it), and an in-memory one.
TEXT_ONLY_STDOUT = """
import io, sys
from losscli.cli import run

class TextOnly(io.TextIOBase):
    def __init__(self, raw): self.raw = raw
    def write(self, text): return self.raw.write(text)
    def flush(self): self.raw.flush()
    def fileno(self): return self.raw.fileno()

sys.stdout = TextOnly(sys.stdout) if sys.argv[1] == "descriptor" else io.StringIO()
sys.argv = ["losscli", "evaluate", sys.argv[2], "-f", "parquet"]
run()
"""


@pytest.mark.parametrize("stream", ["descriptor", "memory"])
def test_parquet_is_never_decoded_as_text_for_a_standard_output_without_a_buffer(
    tmp_path: Path, stream: str
) -> None:
    data = write_table(ARTICLE, tmp_path / "data.csv")
    done = subprocess.run(
        [sys.executable, "-c", TEXT_ONLY_STDOUT, stream, str(data)],
        capture_output=True,
        timeout=120,
    )
    if stream == "descriptor":  # the bytes go to its descriptor as they are
        assert done.returncode == 0, done.stderr
        assert pq.read_table(pa.BufferReader(done.stdout)).num_rows == 1
    else:
        assert done.returncode == 4, done.stderr
        assert done.stderr.decode() == (
            "losscli: error: standard output takes only text here, and Parquet is binary; "
            "write it to a file with -o result.parquet\n"
        )


@pytest.mark.parametrize("table", ["rows", "comparisons"])
def test_parquet_group_column_named_like_a_count_column_keeps_its_values(
    run, tmp_path: Path, table: str
) -> None:
    # a group column may be named n_series (mase and rmsse's count, absent here): its
    # values are the group's, written as text, not read as that count
    frame = DATA.assign(n_series=["x:1", "x:1", "b", "b", "b", "c", "c"], other=DATA.y_pred + 1)
    data = write_table(frame, tmp_path / "data.parquet")
    args = ["evaluate", str(data), "-l", "y_true", "-p", "y_pred", "-p", "other"]
    args += ["-g", "n_series", "--compare", "--table", table, "-o", str(tmp_path / "out.pq")]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    column = pq.read_table(tmp_path / "out.pq").column("n_series")
    assert column.type == pa.string()
    assert set(column.to_pylist()) == {"x:1", "b", "c", None}
