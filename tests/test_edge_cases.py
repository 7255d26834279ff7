"""Edge cases found in review: each once crashed or misled, and must not again."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ARTICLE, write_table

from losscli import evaluate
from losscli.cli import evaluate as evaluate_command
from losscli.cli.config import default_map


def test_unknown_encoding_is_a_usage_error(run, article_csv: Path) -> None:
    result = run("evaluate", str(article_csv), "--encoding", "bogus")
    assert result.exit_code == 2
    assert "unknown encoding 'bogus'" in result.stderr


def test_malformed_baselines_are_input_errors(run, article_csv: Path, tmp_path: Path) -> None:
    listed = tmp_path / "list.json"
    listed.write_text(
        json.dumps({"rows": [{"file": "a", "pred": "p", "group": None, "metrics": [1, 2]}]})
    )
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"rows": [], "note": "Zürich"}'.encode("latin-1"))
    for path, message in ((listed, "is not a losscli result row"), (latin, "not UTF-8 JSON")):
        result = run("evaluate", str(article_csv), "--baseline", str(path))
        assert result.exit_code == 3
        assert message in result.stderr


def test_a_tolerance_the_baseline_cannot_check_fails(
    run, article_csv: Path, tmp_path: Path
) -> None:
    base = tmp_path / "base.json"
    run("evaluate", str(article_csv), "-m", "mse", "-f", "json", "-o", str(base))
    result = run(
        "evaluate",
        str(article_csv),
        "-m",
        "mse,mae",
        "--baseline",
        str(base),
        "--max-regression",
        "mae=0",
    )
    assert result.exit_code == 1
    assert f"the baseline {base} has no value of mae, so its regression cannot" in result.stderr


def test_negated_flags_in_a_config_file() -> None:
    ctx = click.Context(evaluate_command)
    assert default_map(ctx, "losscli.toml", {"no-progress": True}) == {"progress": False}
    assert default_map(ctx, "losscli.toml", {"progress": False}) == {"progress": False}


def test_all_inside_a_comma_list(run, article_csv: Path) -> None:
    one = run("evaluate", str(article_csv), "-m", "mse,all", "-f", "csv").stdout.splitlines()[0]
    assert one == run("evaluate", str(article_csv), "-m", "all", "-f", "csv").stdout.splitlines()[0]


def test_wape_with_only_zero_labels_says_why(run, tmp_path: Path) -> None:
    path = write_table(ARTICLE.assign(y_true=0.0), tmp_path / "z.csv")
    doc = json.loads(run("evaluate", str(path), "-m", "wape", "-f", "json").stdout)
    assert doc["warnings"] == [
        f"{path}, y_pred: wape: not defined: every label is 0 (or has no weight)"
    ]


def test_true_false_labels_that_turn_numeric_later(run, tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("y_true,y_pred\n" + "true,0.5\n" * 20000 + "0.7,0.5\n")
    result = run("evaluate", str(path))
    assert result.exit_code == 3
    assert (
        "column 'y_true' begins with true/false labels, but data row 20001 holds '0.7'"
        in result.stderr
    )


def test_wrong_delimiter_given_on_the_command_line(run, article_csv: Path) -> None:
    result = run("evaluate", str(article_csv), "--delimiter", ";")
    assert result.exit_code == 3
    assert "looks separated by ','; pass --delimiter ','" in result.stderr


def test_parquet_on_stdin_is_recognised_without_input_format(run, tmp_path: Path) -> None:
    data = write_table(ARTICLE, tmp_path / "a.parquet").read_bytes()
    result = run("evaluate", "-", "-f", "csv", input=data)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == "-,y_pred,overall,5,0.21606,23.799999999999997"


def test_grouping_by_a_list_column_is_an_input_error(run, tmp_path: Path) -> None:
    path = tmp_path / "l.parquet"
    pq.write_table(
        pa.table({"y_true": [1.0, 2.0], "y_pred": [1.0, 2.0], "tags": [[1, 2], [3]]}), path
    )
    result = run("evaluate", str(path), "-g", "tags")
    assert result.exit_code == 3
    assert "cannot group by 'tags'" in result.stderr


def test_weights_whose_sum_overflows_are_an_input_error_naming_the_column(tmp_path: Path) -> None:
    """Weights near 1e308 would overflow Σw: not "no rows with positive weight" or "every
    label is 0", nor a raw RuntimeWarning, but exit 3 naming the column and the cure."""
    from test_cli_process import losscli

    frame = pd.DataFrame(
        {"g": ["a", "b"] * 5, "y": np.arange(1.0, 11), "p": np.arange(1.5, 11), "w": 1e308}
    )
    path = write_table(frame, tmp_path / "heavy.csv")
    for extra in ((), ("--ci",), ("--ci", "--ci-method", "bootstrap", "--resamples", "20")):
        done = losscli("evaluate", str(path), "-l", "y", "-p", "p", "-w", "w", "-g", "g", *extra)
        stderr = done.stderr.decode()
        assert done.returncode == 3, stderr
        assert "column 'w'" in stderr and "data row 1" in stderr and "Divide every weight" in stderr
        assert "Warning" not in stderr and "positive weight" not in stderr


def test_weights_summing_past_the_limit_over_several_chunks_are_refused() -> None:
    """Each chunk's weights sum below the limit, all of them above it: refused all the same."""
    from losscli.engine.checks import WEIGHT_SUM_LIMIT
    from losscli.errors import InputError
    from losscli.reading import source

    frame = pd.DataFrame({"y": np.ones(30), "p": np.full(30, 2.0), "w": WEIGHT_SUM_LIMIT / 20})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(source, "TABLE_BATCH_ROWS", 7)
        with pytest.raises(InputError, match=r"column 'w' add up to more than 1e\+300 by data row"):
            evaluate(frame, label="y", pred="p", weight="w", losses="mse,r2")
    fine = evaluate(frame.head(15), label="y", pred="p", weight="w", losses="mse,r2")
    assert fine.rows[-1].metrics["mse"] == 1.0


@pytest.mark.parametrize("method", ["normal", "bootstrap"])
def test_overflowing_terms_leak_no_runtime_warning(tmp_path: Path, method: str) -> None:
    """A label of 1e200 squares past float64: the values say "overflows", and no NumPy
    RuntimeWarning reaches standard error, with intervals and comparisons of either method."""
    from test_cli_process import losscli

    frame = pd.DataFrame({"g": [0, 1] * 25, "y": 1.0, "a": 2.0, "b": 1.5})
    frame.loc[3, "y"] = 1e200
    path = write_table(frame, tmp_path / "huge.csv")
    args = ("-l", "y", "-p", "a", "-p", "b", "-g", "g", "-m", "mse,wape,r2,mape", "--compare")
    done = losscli("evaluate", str(path), *args, "--ci", "--ci-method", method, "-f", "json")
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert "Warning:" not in stderr and "overflows float64" in stderr
