"""One registry of output formats (``losscli.render.formats``): what a format declares is
what the command line does with it, and a format added to it is written with no other edit.

The tests run over whatever the registry holds, so a new format is checked by them all.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLE, on_a_terminal, records, write_table

from losscli import evaluate
from losscli.render.formats import (
    BINARY,
    FORMATS,
    UTF8,
    Display,
    OutputFormat,
    Rendered,
    by_suffix,
    register,
    unregister,
)
from losscli.result import EvaluationResult

# Two models and a group; a zero label gives MAPE a note (a footnote, or a warning).
DATA = ARTICLE.assign(y_true=[1.0, 0, 2, 2, 4], y_b=[0.7, 1.2, 2.1, 2.5, 3.9], g=[*"aabb", "東京"])
NAMES = list(FORMATS)
SUFFIXES = [(fmt.name, suffix) for fmt in FORMATS.values() for suffix in fmt.suffixes]
TEXT = [name for name in NAMES if FORMATS[name].encoding != BINARY]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_table(DATA, tmp_path / "data.csv")


def as_bytes(text: Rendered) -> bytes:
    """A rendered output's bytes as a file holds them (text in UTF-8)."""
    pieces = [text] if isinstance(text, (str, bytes)) else text
    return b"".join(p if isinstance(p, bytes) else p.encode() for p in pieces)


# -- a format added to the registry: one entry and one renderer --------------------------


def render_lines(result: EvaluationResult, display: Display) -> Iterator[str]:
    """A throwaway format: ``file pred scope mse`` for each row, a line at a time."""
    for record in records(result):
        yield f"{record['file']} {record['pred']} {record['scope']} {record['mse']!r}\n"


@pytest.fixture
def lines_format() -> Iterator[OutputFormat]:
    """The throwaway format ``lines`` (files ``*.lines``), registered for the test only."""
    fmt = OutputFormat("lines", render_lines, suffixes=(".lines",), title="lines", streams=True)
    register(fmt)
    try:
        yield fmt
    finally:
        unregister("lines")


def test_a_registered_format_is_written_by_the_cli_with_no_other_edit(
    run: Any, data: Path, tmp_path: Path, lines_format: OutputFormat
) -> None:
    args = ["evaluate", str(data), "-m", "mse"]
    expected = "".join(render_lines(evaluate(str(data), losses="mse"), Display()))
    assert expected.startswith(f"{data} y_pred overall 0.")
    by_name = run(*args, "-f", "lines")
    assert (by_name.exit_code, by_name.stdout) == (0, expected), by_name.stderr
    assert run(*args, "-o", str(tmp_path / "out.lines")).exit_code == 0  # -f auto
    assert (tmp_path / "out.lines").read_text() == expected
    assert run(*args, "-f", "lines", "-o", str(tmp_path / "out.txt")).exit_code == 0
    assert (tmp_path / "out.txt").read_text() == expected  # .txt takes any text format
    for fmt, name in (("lines", "x.csv"), ("csv", "x.lines")):
        refused = run(*args, "-f", fmt, "-o", str(tmp_path / name))
        assert refused.exit_code == 2
        assert f"not {fmt} as -f says" in refused.stderr


def test_a_format_leaves_the_registry_with_its_fixture(run: Any, data: Path) -> None:
    assert "lines" not in FORMATS and ".lines" not in by_suffix()
    refused = run("evaluate", str(data), "-f", "lines")
    assert refused.exit_code == 2
    assert "'lines' is not one of" in refused.stderr


def test_a_format_needs_a_new_name_and_new_suffixes(lines_format: OutputFormat) -> None:
    for taken in (
        lines_format._replace(suffixes=(".other",)),
        lines_format._replace(name="auto", suffixes=(".other",)),
        lines_format._replace(name="other", suffixes=(".csv",)),
        lines_format._replace(name="other", suffixes=()),
        lines_format._replace(name="other", suffixes=(".Other",)),
        lines_format._replace(name="other", suffixes=("other",)),
    ):
        with pytest.raises(ValueError):
            register(taken)
    assert FORMATS["lines"] is lines_format and "other" not in FORMATS


# -- what every format declares holds ----------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_format_renders_a_sample_result(data: Path, name: str) -> None:
    fmt = FORMATS[name]
    result = evaluate(str(data), pred=["y_pred", "y_b"], group_by="g", losses="mse,mape", ci=True)
    text = fmt.render(result, Display(max_rows=0))
    assert isinstance(text, bytes) == (fmt.encoding == BINARY)
    assert isinstance(text, (str, bytes)) != fmt.streams  # a streaming format gives pieces
    written = as_bytes(text)
    for shown in ("y_pred", "y_b", "mse", "mape"):
        assert shown.encode() in written, shown


@pytest.mark.parametrize(("name", "suffix"), SUFFIXES)
def test_every_suffix_names_its_format(
    run: Any, data: Path, tmp_path: Path, name: str, suffix: str
) -> None:
    args = ["evaluate", str(data), "-g", "g"]
    assert by_suffix()[suffix] is FORMATS[name]
    written = run(*args, "-o", str(tmp_path / f"out{suffix.upper()}"))  # -f auto
    assert written.exit_code == 0, written.stderr
    shown = run(*args, "-f", name)  # standard output, a pipe here
    assert shown.exit_code == 0, shown.stderr
    assert (tmp_path / f"out{suffix.upper()}").read_bytes() == shown.stdout_bytes


@pytest.mark.parametrize("name", [n for n in NAMES if FORMATS[n].encoding == BINARY])
def test_a_binary_format_is_refused_on_a_terminal(data: Path, name: str) -> None:
    code, shown = on_a_terminal("evaluate", str(data), "-f", name)
    assert code == 2
    assert "is binary and standard output is a terminal" in shown
    assert f"(-o result{FORMATS[name].suffixes[0]})" in shown


@pytest.mark.parametrize("name", TEXT)
def test_a_format_is_encoded_on_standard_output_as_it_declares(data: Path, name: str) -> None:
    """UTF-8 formats are UTF-8 on an ASCII standard output too; the others are in its
    character set (what it cannot hold escaped)."""
    done = subprocess.run(
        [sys.executable, "-m", "losscli", "evaluate", str(data), "-g", "g", "-f", name],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert done.returncode == 0, done.stderr
    if FORMATS[name].encoding == UTF8:
        assert "東京" in done.stdout.decode("utf-8")
    else:
        assert "u6771" in done.stdout.decode("ascii")  # escaped: \u6771 (markdown: \\u6771)


def written(run: Any, data: Path, out: Path, *args: str) -> str:
    """Standard error of ``evaluate DATA ARGS -o OUT`` (which must succeed)."""
    done = run("evaluate", str(data), *args, "-o", str(out))
    assert done.exit_code == 0, done.stderr
    return str(done.stderr)


@pytest.mark.parametrize("name", NAMES)
def test_notes_are_footnotes_or_warnings_as_the_format_declares(
    run: Any, data: Path, tmp_path: Path, name: str
) -> None:
    fmt, out = FORMATS[name], tmp_path / f"out{FORMATS[name].suffixes[0]}"
    note = "mape: 1 row with label 0 left out"
    assert (note in written(run, data, out, "-m", "mse,mape")) != fmt.footnotes
    if fmt.footnotes:
        assert note in out.read_text()


@pytest.mark.parametrize("name", NAMES)
def test_a_format_without_a_place_for_comparisons_says_so(
    run: Any, data: Path, tmp_path: Path, name: str
) -> None:
    fmt, out = FORMATS[name], tmp_path / f"out{FORMATS[name].suffixes[0]}"
    stderr = written(run, data, out, "-p", "y_pred", "-p", "y_b", "--compare")
    warned = f"{fmt.title} has no place for --compare's differences" in stderr
    assert warned != fmt.comparisons


def test_help_names_every_format_and_suffix(run: Any) -> None:
    shown = " ".join(run("evaluate", "--help").stdout.split())
    for name, suffix in SUFFIXES:
        assert re.search(rf"\b{name}\b", shown) and suffix in shown, (name, suffix)


def test_readme_names_every_format_and_suffix() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    options = next(line for line in readme.splitlines() if line.startswith("| `-f/--format`"))
    output = readme[readme.index("## Output") :]
    for name, suffix in SUFFIXES:
        assert f"`{name}`" in options and f"`{suffix}`" in output, (name, suffix)


def test_the_registry_imports_no_renderer() -> None:
    """--help reads the registry: it imports the standard library only, and a renderer's
    module (rich's table, pyarrow's Parquet writer) when its format is first used."""
    script = (
        "import sys, losscli.render.formats\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('losscli', 'rich', 'pyarrow', 'numpy'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    loaded = ["losscli", "losscli._version", "losscli.render", "losscli.render.formats"]
    assert done.stdout.split() == loaded


def test_a_csv_run_imports_neither_rich_nor_the_parquet_writer(data: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "losscli", "evaluate", str(data), "-f", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "pyarrow" in modules
    assert not {"rich", "pyarrow.parquet"} & modules
