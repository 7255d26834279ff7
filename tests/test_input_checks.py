"""Input checks, model naming and logits per model (issue 9): what a user sees, exactly."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import ARTICLE, write_table
from sklearn.metrics import log_loss

from losscli import evaluate
from losscli.errors import UsageError

BINARY = b"y_true,p,z,y_pred\n1,0.9,2.0,0.8\n0,0.2,-1.5,0.3\n1,0.6,0.5,0.7\n"
LABELS = [1, 0, 1]


def sigmoid(z: list[float]) -> np.ndarray:
    return 1 / (1 + np.exp(-np.asarray(z)))


def csv_file(tmp_path: Path, data: bytes, name: str = "m.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- once per model -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["-p", "y_pred", "-p", "y_pred"],
        ["-p", "y_pred,y_pred"],
        ["-p", "y_*", "-p", "y_pred"],
    ],
)
def test_a_model_named_twice_is_evaluated_once(run, tmp_path: Path, args: list[str]) -> None:
    path = csv_file(tmp_path, b"y_true,y_pred\n1,2\n0,0\n")
    result = run("evaluate", str(path), "-l", "y_true", *args, "-m", "mse", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["file,pred,scope,n,mse", f"{path},y_pred,overall,2,0.5"]
    assert result.stderr == (
        f"losscli: warning: {path}: model 'y_pred' is named more than once; it is evaluated once\n"
    )


def test_class_columns_named_twice_are_one_model(run, tmp_path: Path) -> None:
    path = csv_file(tmp_path, b"y,p_a,p_b\na,0.8,0.2\nb,0.4,0.6\n")
    result = run(
        "evaluate", str(path), "-l", "y", "--probs", "p_*", "--probs", "p_a,p_b", "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [(row["pred"], row["n"]) for row in doc["rows"]] == [("p_*", 2)]
    assert doc["warnings"] == [f"{path}: model 'p_*' is named more than once; it is evaluated once"]


def test_several_repeated_models_are_named_in_one_notice(tmp_path: Path) -> None:
    path = csv_file(tmp_path, b"y_true,a,b\n1,1,2\n2,2,2\n")
    result = evaluate(str(path), pred=["a", "b", "a,b"], losses="mse")
    assert [row.pred for row in result.rows] == ["a", "b"]
    assert result.notices == [
        f"{path}: models 'a', 'b' are named more than once; each is evaluated once"
    ]


# --- -p takes comma lists and globs --------------------------------------------------------


def test_pred_takes_a_comma_list_and_a_glob_one_model_per_column(run, tmp_path: Path) -> None:
    path = csv_file(tmp_path, b"y_true,m_a,m_b,other\n1,1,3,2\n2,2,2,2\n")
    for spec in ("m_a,m_b", "m_*"):
        result = run("evaluate", str(path), "-p", spec, "-m", "mse", "-f", "csv")
        assert result.stdout.splitlines() == [
            "file,pred,scope,n,mse",
            f"{path},m_a,overall,2,0.0",
            f"{path},m_b,overall,2,2.0",
        ]


def test_a_column_named_like_a_glob_matches_itself_first(tmp_path: Path) -> None:
    path = csv_file(tmp_path, b'y_true,m[1],m1,"a,b"\n1,1,3,5\n2,2,2,6\n')
    assert [r.pred for r in evaluate(str(path), pred="m[1]", losses="mse").rows] == ["m[1]"]
    (row,) = evaluate(str(path), pred="a,b", losses="mse").rows
    assert (row.pred, row.metrics["mse"]) == ("a,b", 16.0)


def test_a_pred_glob_matching_nothing_names_the_columns(run, tmp_path: Path) -> None:
    path = csv_file(tmp_path, b"y_true,y_pred\n1,2\n")
    result = run("evaluate", str(path), "-p", "q_*")
    assert result.exit_code == 3
    assert result.stderr == (
        f"losscli: error: {path}: no column matches 'q_*'. "
        "The file's columns are: 'y_true', 'y_pred'\n"
    )


def test_one_hot_labels_without_class_columns_point_to_probs(run, tmp_path: Path) -> None:
    path = csv_file(tmp_path, b"y_0,y_1,p_0,p_1\n1,0,0.6,0.4\n")
    result = run("evaluate", str(path), "-l", "y_*")
    assert result.exit_code == 3
    assert "; name it with --probs. The file's columns are:" in result.stderr


# --- logits per model ----------------------------------------------------------------------


def test_a_probability_model_and_a_logit_model_in_one_run(run, tmp_path: Path) -> None:
    path = csv_file(tmp_path, BINARY)
    result = run("evaluate", str(path), "-p", "p", "--logits", "z", "-m", "ce", "-f", "json")
    assert result.exit_code == 0, result.stderr
    rows = {
        row["pred"]: row["metrics"]["cross_entropy"] for row in json.loads(result.stdout)["rows"]
    }
    assert rows["p"] == pytest.approx(log_loss(LABELS, [0.9, 0.2, 0.6]), rel=1e-12)
    assert rows["z"] == pytest.approx(log_loss(LABELS, sigmoid([2.0, -1.5, 0.5])), rel=1e-12)


def test_multiclass_probabilities_beside_multiclass_logits(tmp_path: Path) -> None:
    scores = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    frame = pd.DataFrame({"y": ["a", "c"]})
    for k, name in enumerate("abc"):
        frame[f"p_{name}"] = probs[:, k]
        frame[f"z_{name}"] = scores[:, k]
    path = write_table(frame, tmp_path / "mc.csv")
    result = evaluate(str(path), label="y", probs="p_*", logits="z_*", losses="ce")
    expected = log_loss([0, 2], probs, labels=[0, 1, 2])
    assert [r.pred for r in result.rows] == ["p_*", "z_*"]
    for row in result.rows:
        assert row.metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_eps_beside_a_logit_model_is_refused(run, tmp_path: Path) -> None:
    path = csv_file(tmp_path, BINARY)
    result = run("evaluate", str(path), "-p", "p", "--logits", "z", "--eps", "1e-3")
    assert result.exit_code == 2
    assert result.stderr == (
        "losscli: error: --eps clips probabilities, but 'z' is a logit model, whose "
        "cross-entropy is computed from the logits without clipping; leave out --eps, or "
        "evaluate the logit models in a run of their own\n"
        "losscli: error: Try 'losscli evaluate -h' for help.\n"
    )
    assert run("evaluate", str(path), "-p", "p", "--eps", "1e-3").exit_code == 0


def test_from_logits_still_makes_every_model_logits(tmp_path: Path) -> None:
    path = csv_file(tmp_path, BINARY)
    result = evaluate(str(path), pred="z", from_logits=True, losses="ce")
    expected = log_loss(LABELS, sigmoid([2.0, -1.5, 0.5]))
    assert result.rows[0].metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pred": "p", "logits": "p"}, "columns 'p' are named both as probabilities and as logits"),
        ({"pred": "p", "probs": "p,z"}, "give one-column models (--pred, or --logits with one"),
    ],
)
def test_contradicting_model_options_are_usage_errors(tmp_path: Path, kwargs, message) -> None:
    path = csv_file(tmp_path, BINARY)
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        evaluate(str(path), **kwargs)


# --- --task --------------------------------------------------------------------------------


def test_task_pins_the_implied_losses(run, tmp_path: Path) -> None:
    path = csv_file(tmp_path, BINARY)
    detected = run("evaluate", str(path), "-p", "p", "-f", "csv").stdout
    assert detected.splitlines()[0] == "file,pred,scope,n,mse,cross_entropy"
    pinned = run("evaluate", str(path), "-p", "p", "--task", "regression", "-f", "csv").stdout
    assert pinned.splitlines() == ["file,pred,scope,n,mse,mape", f"{path},p,overall,3,0.07,25.0"]


def test_a_pinned_task_shows_its_losses_where_they_do_not_apply(tmp_path: Path) -> None:
    path = write_table(ARTICLE, tmp_path / "a.csv")
    result = evaluate(str(path), task="binary")
    assert result.losses == ["mse", "cross_entropy"]
    assert result.rows[0].metrics["cross_entropy"] is None
    assert result.rows[0].notes["cross_entropy"] == (
        "not applicable: labels or probabilities outside [0, 1]"
    )


def test_an_unknown_task_is_a_usage_error(tmp_path: Path) -> None:
    path = write_table(ARTICLE, tmp_path / "a.csv")
    with pytest.raises(UsageError, match="task must be one of"):
        evaluate(str(path), task="ranking")


# --- input checks ----------------------------------------------------------------------------


def test_an_overflowing_r2_says_overflow(run, tmp_path: Path) -> None:
    path = csv_file(tmp_path, b"y_true,y_pred\n1e170,1\n-1e170,2\n3e170,5\n")
    result = run("evaluate", str(path), "-m", "r2", "-f", "csv")
    assert result.stdout.splitlines()[1] == f"{path},y_pred,overall,3,"
    assert result.stderr == (
        f"losscli: warning: {path}, y_pred: r2: overflows float64 (infinite): "
        "check for values near 0 or very large\n"
    )


@pytest.mark.parametrize(
    "compress",
    [gzip.compress, bz2.compress, lzma.compress, lambda d: _zstd(d)],
    ids=["gzip", "bz2", "xz", "zstd"],
)
def test_compressed_standard_input_is_recognised(run, compress) -> None:
    data = compress(ARTICLE.to_csv(index=False).encode())
    result = run("evaluate", "-", "-f", "csv", input=data)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == "-,y_pred,overall,5,0.21606,23.799999999999997"


def _zstd(data: bytes) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, "zstd") as out:
        out.write(data)
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-be-bom"])
def test_utf16_and_utf32_are_read_by_their_byte_order_mark(run, tmp_path, encoding) -> None:
    text = ARTICLE.to_csv(index=False)
    data = (
        b"\xfe\xff" + text.encode("utf-16-be")
        if encoding.endswith("bom")
        else text.encode(encoding)
    )
    path = csv_file(tmp_path, data)
    result = run("evaluate", str(path), "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == f"{path},y_pred,overall,5,0.21606,23.799999999999997"


def test_a_directory_of_csv_files_is_one_dataset(run, tmp_path: Path) -> None:
    shards = tmp_path / "shards"
    (shards / "b").mkdir(parents=True)
    write_table(ARTICLE.iloc[:2], shards / "a.csv")
    write_table(ARTICLE.iloc[2:], shards / "b" / "c.csv.gz")
    (shards / "README.txt").write_text("notes, not data\n")
    result = run("evaluate", str(shards), "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == f"{shards},y_pred,overall,5,0.21606,23.799999999999997"


def test_a_directory_mixing_parquet_and_csv_is_refused(run, tmp_path: Path) -> None:
    write_table(ARTICLE, tmp_path / "a.csv")
    write_table(ARTICLE, tmp_path / "b.parquet")
    result = run("evaluate", str(tmp_path))
    assert result.exit_code == 3
    assert result.stderr == (
        f"losscli: error: {tmp_path}: holds both Parquet files ({tmp_path / 'b.parquet'}, …) "
        f"and CSV files ({tmp_path / 'a.csv'}, …); a directory is one dataset of one format: "
        f"move one kind elsewhere, or give a glob such as '{tmp_path}/**/*.parquet'\n"
    )


def test_big_integers_are_found_past_the_first_chunk(monkeypatch, tmp_path: Path) -> None:
    from losscli.errors import InputError
    from losscli.reading import csv_source

    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 64)
    rows = b"".join(b"%d,1\n" % i for i in range(40))
    path = csv_file(tmp_path, b"y_true,y_pred\n" + rows + b"1e300,1\n-9007199254740993,2\n")
    with pytest.raises(
        InputError, match=r"column 'y_true', data row 42: the integer -9007199254740993"
    ):
        evaluate(str(path))


def test_progress_survives_the_reader_closing_the_file_meanwhile(tmp_path: Path) -> None:
    """The reader thread may close the file between progress()'s check and its tell()."""
    from losscli.reading.csv_source import CsvSource
    from losscli.reading.formats import detect

    path = write_table(ARTICLE, tmp_path / "a.csv")
    source = CsvSource(str(path), detect(str(path)))
    list(source.batches(["y_true", "y_pred"], {"y_true", "y_pred"}))

    class ClosingUnderfoot:
        closed = False

        def tell(self) -> int:
            raise ValueError("I/O operation on closed file")

    source._raw = ClosingUnderfoot()
    assert source.progress() == (0, path.stat().st_size, "bytes")


@pytest.mark.parametrize("kind", [pa.int64(), pa.uint64()])
def test_parquet_integers_beyond_2_53_name_their_row(monkeypatch, tmp_path: Path, kind) -> None:
    import pyarrow.parquet as pq

    from losscli.errors import InputError
    from losscli.reading import parquet_source

    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 4)
    monkeypatch.setattr(parquet_source, "BATCH_VALUES", 8)
    labels = pa.array([*range(9), 2**53 + 1], type=kind)
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"y_true": labels, "y_pred": [1.0] * 10}), path)
    with pytest.raises(InputError) as raised:
        evaluate(str(path))
    assert str(raised.value) == (
        f"{path}: column 'y_true', data row 10: the integer 9007199254740993 is beyond 2**53 "
        "(9007199254740992), which float64, the type losscli computes in, cannot hold "
        "exactly; scale the values or write them as floating point"
    )


def test_csv_output_quotes_a_row_holding_nul_or_a_bare_carriage_return() -> None:
    """Python 3.10's csv writer cannot write NUL: such rows are quoted whole, on every Python."""
    from losscli.render.text import csv_text

    text = csv_text(["file", "pred", "n"], [["a.csv", 'x\x00"y', 1], ["b\rc", "p", 2]])
    assert text == 'file,pred,n\n"a.csv","x\x00""y","1"\n"b\rc","p","2"\n'
