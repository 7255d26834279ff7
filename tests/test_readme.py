"""The README's gate, config and CI examples run as written (extracted from README.md)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_table

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def block(language: str, first_line: str) -> str:
    """The fenced block of ``language`` whose first line is ``first_line``."""
    for found in re.finditer(rf"```{language}\n(.*?)```", README, re.S):
        if found.group(1).startswith(first_line):
            return found.group(1)
    raise AssertionError(f"README.md has no {language} block starting {first_line!r}")


def predictions(seed: int) -> pd.DataFrame:
    """Forecasts within about 2% of labels near 100, in four regions."""
    rng = np.random.default_rng(seed)
    labels = rng.uniform(90, 110, 400)
    return pd.DataFrame(
        {
            "region": np.repeat(["east", "north", "south", "west"], 100),
            "y_true": labels,
            "y_pred": labels + rng.normal(0, 0.3, 400),
        }
    )


def shell(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the repository root: the config search stops here
    return tmp_path


def test_gate_commands(project: Path) -> None:
    preds = predictions(1)
    write_table(preds, project / "preds.csv")
    better = preds.assign(y_pred=preds.y_true + 0.9 * (preds.y_pred - preds.y_true))
    write_table(better, project / "new_preds.csv")
    done = shell(block("sh", "# Thresholds"), project)
    assert done.returncode == 0, done.stderr
    assert (project / "baseline.json").exists()


def test_config_example_keeps_plain_runs_working(project: Path) -> None:
    config = block("toml", "# pyproject.toml")
    (project / "pyproject.toml").write_text(config)
    write_table(predictions(1), project / "preds.csv")
    plain = shell("losscli evaluate preds.csv", project)
    assert plain.returncode == 0, plain.stderr
    assert plain.stderr == (
        "losscli: warning: pyproject.toml: max-regression is skipped: there is no baseline "
        "to compare with (give --baseline FILE, or set baseline in pyproject.toml)\n"
    )
    assert plain.stdout.splitlines()[0] == "file,pred,scope,region,n,mse,mape"
    shell("losscli evaluate preds.csv --no-config -f json -o baseline.json", project)
    gated = shell("losscli evaluate preds.csv --baseline baseline.json -f json", project)
    assert gated.returncode == 0, gated.stderr
    assert '"check": "max-regression mse=5%"' in gated.stdout


def test_github_actions_step(project: Path) -> None:
    workflow = block("yaml", "name: model-metrics")
    step = workflow.split("run: |\n", 1)[1]
    script = "\n".join(line.strip() for line in step.splitlines())
    write_table(predictions(1), project / "predictions.parquet")
    (project / "metrics").mkdir()
    made = shell(
        "losscli evaluate predictions.parquet -g region -f json -o metrics/baseline.json", project
    )
    assert made.returncode == 0, made.stderr
    summary = project / "summary.md"
    done = shell(script, project, GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 0, done.stderr
    report = summary.read_text()
    assert "| region | n | mse ↓ | mse base | mse Δ |" in report
    assert "**✓ all 6 checks passed**" in report


def test_every_promise_names_a_test_that_exists() -> None:
    """The README's table of promises names tests by file and name: each one is defined."""
    section = README.split("## Promises, and the tests that keep them", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", section)
    assert len(named) >= 30
    root = Path(__file__).parent.parent
    for path, test in named:
        source = (root / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {test}\(", source, re.M), f"{path} has no test {test}"


def test_usage_error_example_is_the_real_output(project: Path) -> None:
    example = block("console", "$ losscli evaluate preds.csv --bogus").splitlines()
    write_table(predictions(1), project / "preds.csv")
    done = shell(example[0].removeprefix("$ ") + " || true", project)
    assert done.stderr.splitlines() == example[1:]


def test_plugin_decorator_needs_formula_as_the_readme_says(project: Path) -> None:
    assert "It needs\n  `name=` and `formula=`" in README
    (project / "under.py").write_text(
        "import losscli\n\n@losscli.loss(name='under')\ndef under(y, p):\n    return y - p\n"
    )
    write_table(predictions(1), project / "preds.csv")
    done = shell("losscli evaluate preds.csv --plugin under.py -m under || echo exit=$?", project)
    assert "missing 1 required keyword-only argument: 'formula'" in done.stderr
    assert done.stdout == "exit=4\n"


def test_notes_are_footnotes_in_the_table_and_warnings_elsewhere(project: Path) -> None:
    assert "With CSV, TSV, JSON or Parquet the same notes are warnings on standard error" in README
    write_table(predictions(1).assign(y_true=0.0), project / "zeros.csv")
    note = "zeros.csv, y_pred: mape: 400 rows with label 0 left out"
    for fmt in ("csv", "tsv", "json", "parquet"):
        done = shell(f"losscli evaluate zeros.csv -m mape -f {fmt} -o out.{fmt}", project)
        assert done.stderr == f"losscli: warning: {note}\n"
    assert note in (project / "out.json").read_text()
    table = shell("losscli evaluate zeros.csv -m mape -f table", project)
    assert table.stderr == ""
    assert "mape: 400 rows with label 0 left out" in table.stdout
    quiet = shell("losscli evaluate zeros.csv -m mape -f csv --quiet", project)
    assert quiet.stderr == ""
