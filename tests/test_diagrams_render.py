"""The diagrams as a person reads them: after the table, at a fixed width, Unicode blocks on
UTF-8 and ASCII elsewhere; in JSON only when asked for."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from click.testing import Result
from conftest import rendered, write_table

from losscli import evaluate
from losscli.render.diagrams import diagram_text

RESIDUALS = pd.DataFrame(
    {
        "y": [3, 1, 0, 0, -0.5, -2, -2, -10, 4e-7],
        "p": [0.0] * 9,
        "g": list("aabbbaabb"),
    }
)
CALIBRATION = pd.DataFrame(
    {"y": [0, 1, 1, 0, 1, 1, 0, 1], "p": [0.1, 0.3, 0.35, 0.5, 0.7, 0.9, 0.95, 0.85]}
)

RESIDUALS_TEXT = """\
Residuals e = y – ŷ, DataFrame[0] · p · g=a
  rows 4; mean 0; min -2.000; max 3.000
  bars: rows per range of e; the ranges are log-spaced, so of unequal width
         -2 – -1.995           2 █████████████████████████
          1 – 1.122            1 ████████████▌
      2.818 – 3                1 ████████████▌
  quantiles (each lies in the range shown; its bound is that range's width):
     5%       -2.000 in [-2.000, -1.995]
    25%       -1.998 in [-2.000, -1.995]
    50%       -1.995 in [-2.000, -1.995]
    75%        1.122 in [1.000, 1.122]
    95%        2.964 in [2.818, 3.000]

Residuals e = y – ŷ, DataFrame[0] · p · overall
  rows 9; mean -1.167; min -10.00; max 3.000
  bars: rows per range of e; the ranges are log-spaced, so of unequal width
        -10 – -8.913           1 ████████████▌
     -2.239 – -1.995           2 █████████████████████████
    -0.5012 – -0.4467          1 ████████████▌
          0                    2 █████████████████████████
          0 – 1e-06            1 ████████████▌
          1 – 1.122            1 ████████████▌
      2.818 – 3                1 ████████████▌
  quantiles (each lies in the range shown; its bound is that range's width):
     5%       -9.511 in [-10.00, -8.913]
    25%       -2.087 in [-2.239, -1.995]
    50%            0 in [0, 0]
    75%    7.500e-07 in [0, 1.000e-06]
    95%        2.918 in [2.818, 3.000]
"""

RELIABILITY_ASCII = """\
Reliability diagram, DataFrame[0] / p / overall
  ECE 0.3688; 5 bins of the predicted probability
  bin            rows predicted  observed
  0.00-0.20         1     0.100     0.000  |
  0.20-0.40         2     0.325     1.000 #####|############
  0.40-0.60         1     0.500     0.000          |
  0.60-0.80         1     0.700     1.000 ############|#####
  0.80-1.00         3     0.900     0.667 ############    |
  bar: observed frequency; | mean predicted (calibrated: at the bar's end)
"""


def test_residual_histogram_text_at_a_fixed_width_with_max_rows_groups() -> None:
    result = evaluate(RESIDUALS, label="y", pred="p", group_by="g", residuals=True, losses="mae")
    text = diagram_text(result, digits=4, max_rows=1, charset="utf-8", width=60)
    assert text == RESIDUALS_TEXT  # group b is beyond --max-rows 1; the overall row is drawn


def test_reliability_diagram_in_ascii_where_the_charset_has_no_blocks() -> None:
    result = evaluate(CALIBRATION, label="y", pred="p", losses="ece:bins=5", calibration=True)
    text = diagram_text(result, digits=4, max_rows=None, charset="ascii", width=60)
    assert text == RELIABILITY_ASCII
    unicode = diagram_text(result, digits=4, max_rows=None, charset="utf-8", width=60)
    assert unicode.replace("│", "|").replace("█", "#").replace("–", "-").replace(" · ", " / ") == (
        RELIABILITY_ASCII
    )


def test_calibration_follows_the_tables_order_and_max_rows_per_group(
    tmp_path: Path, run: Callable[..., Result]
) -> None:
    frame = pd.concat([CALIBRATION.assign(g=g) for g in "xyz"], ignore_index=True)
    path = write_table(frame, tmp_path / "scores.csv")
    out = tmp_path / "report.txt"
    args = ["evaluate", str(path), "-l", "y", "-p", "p", "-g", "g", "-m", "ece:bins=5"]
    done = run(*args, "--calibration", "--max-rows", "2", "-o", str(out))
    assert done.exit_code == 0, done.output
    text = out.read_text()
    table = text.partition("Reliability diagram")[0]
    assert "ece:bins=5" in table and "0.36875" in table  # the table comes first
    titles = [line for line in text.splitlines() if line.startswith("Reliability diagram")]
    assert titles == [
        f"Reliability diagram, {path} · p · {where}" for where in ["g=x", "g=y", "overall"]
    ]
    assert text.count("ECE 0.36875;") == 3  # --precision 5


def test_markdown_carries_the_diagrams_in_a_code_block(tmp_path: Path, run) -> None:
    path = write_table(RESIDUALS, tmp_path / "errors.csv")
    done = run(
        "evaluate", str(path), "-l", "y", "-p", "p", "-m", "mae", "--residuals", "-f", "markdown"
    )
    assert done.exit_code == 0
    body = done.stdout.split("```text\n", 1)[1]
    assert body.startswith(f"Residuals e = y – ŷ, {path} · p · overall\n")
    assert body.endswith("```\n")


def test_csv_has_no_place_for_diagrams_and_says_so(tmp_path: Path, run) -> None:
    path = write_table(RESIDUALS, tmp_path / "errors.csv")
    done = run("evaluate", str(path), "-l", "y", "-p", "p", "-m", "mae", "--residuals", "-f", "csv")
    assert done.exit_code == 0
    assert "Residuals" not in done.stdout
    assert "CSV has no place for --residuals' diagrams" in done.stderr


def test_the_diagrams_warning_names_only_the_options_given(tmp_path: Path, run) -> None:
    path = write_table(RESIDUALS, tmp_path / "errors.csv")
    done = run("evaluate", str(path), "-l", "y", "-p", "p", "-m", "mae", "--residuals", "-f", "csv")
    assert "--calibration" not in done.stderr


def test_json_gains_the_diagrams_only_when_asked() -> None:
    plain = evaluate(RESIDUALS, label="y", pred="p", losses="mae")
    assert "diagrams" not in json.loads(rendered("json", plain))
    result = evaluate(RESIDUALS, label="y", pred="p", losses="mae", residuals=True)
    document = json.loads(rendered("json", result))
    assert document["schema_version"] == 1
    assert [row["metrics"] for row in document["rows"]] == [
        row["metrics"] for row in json.loads(rendered("json", plain))["rows"]
    ]
    (record,) = document["diagrams"]
    assert (record["file"], record["pred"], record["group"]) == ("DataFrame[0]", "p", None)
    residuals = record["residuals"]
    assert residuals["mean"] == RESIDUALS.y.mean()
    assert sum(b["count"] for b in residuals["bins"]) == 9
    median = residuals["quantiles"]["50"]
    assert median == {"value": 0.0, "low": 0.0, "high": 0.0, "bound": 0.0}
    assert (
        residuals["quantiles"]["5"]["bound"]
        == residuals["quantiles"]["5"]["high"] - residuals["quantiles"]["5"]["low"]
    )


def test_json_calibration_record_has_every_bin() -> None:
    result = evaluate(CALIBRATION, label="y", pred="p", losses="ece:bins=5", calibration=True)
    (record,) = result.to_dict()["diagrams"]
    calibration = record["calibration"]
    assert calibration["ece"] == result.frame.losses["ece:bins=5"].values[0]
    assert [b["count"] for b in calibration["bins"]] == [1, 2, 1, 1, 3]
    assert calibration["bins"][0] == {
        "low": 0.0,
        "high": 0.2,
        "count": 1,
        "weight": 1.0,
        "mean_predicted": 0.1,
        "observed": 0.0,
    }


def test_a_model_without_the_diagram_asked_for_says_so() -> None:
    result = evaluate(RESIDUALS, label="y", pred="p", losses="mae", calibration=True)
    text = diagram_text(result, digits=4, max_rows=None, charset="utf-8", width=60)
    assert text == "No reliability diagram for DataFrame[0] · p: --calibration is for classifiers\n"
