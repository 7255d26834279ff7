"""CI gates through the CLI: checks, baselines, tolerated regression, config files, markdown."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ARTICLE, on_a_terminal, write_table

from losscli.reading import csv_source, parquet_source
from losscli.render.literal import markdown

# Group a: mse 0.12205, mape 34.5; group b: mse 0.27873, mape 16.667; overall 0.21606, 23.8.
GROUPED = ARTICLE.assign(g=["a", "a", "b", "b", "b"])


@pytest.fixture
def grouped(tmp_path: Path) -> Path:
    return write_table(GROUPED, tmp_path / "g.csv")


def checks_of(result) -> list[dict]:
    return json.loads(result.stdout)["checks"]


def test_passing_checks_exit_0(run, grouped: Path) -> None:
    result = run(
        "evaluate",
        str(grouped),
        "-g",
        "g",
        "--check",
        "mse<=0.3",
        "--check",
        "mape < 40",
        "-f",
        "json",
    )
    assert result.exit_code == 0
    assert [c["passed"] for c in checks_of(result)] == [True] * 6
    assert result.stderr == ""


def test_failing_check_exits_1_and_lists_every_failure(run, grouped: Path) -> None:
    result = run(
        "evaluate",
        str(grouped),
        "-g",
        "g",
        "--check",
        "mse<=0.2",
        "--check",
        "mape<20",
        "-f",
        "csv",
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"losscli: check failed: mse<=0.2 — {grouped}, y_pred, g=b: mse = 0.278733 is not <= 0.2",
        f"losscli: check failed: mse<=0.2 — {grouped}, y_pred, overall: mse = 0.21606 is not "
        "<= 0.2",
        f"losscli: check failed: mape<20 — {grouped}, y_pred, g=a: mape = 34.5 is not < 20",
        f"losscli: check failed: mape<20 — {grouped}, y_pred, overall: mape = 23.8 is not < 20",
        "losscli: ✗ 4 of 6 checks failed",
    ]
    assert result.stdout.startswith("file,pred,scope,g,n,mse,mape\n")


def test_json_check_records(run, grouped: Path) -> None:
    result = run("evaluate", str(grouped), "-g", "g", "--check", "overall:mse<0.2", "-f", "json")
    assert checks_of(result) == [
        {
            "check": "overall:mse<0.2",
            "file": str(grouped),
            "pred": "y_pred",
            "group": None,
            "loss": "mse",
            "value": 0.21606,
            "limit": 0.2,
            "passed": False,
            "reason": "mse = 0.21606 is not < 0.2",
        }
    ]


def test_overall_scope_ignores_groups(run, grouped: Path) -> None:
    result = run("evaluate", str(grouped), "-g", "g", "--check", "overall:mape<25", "-f", "json")
    assert result.exit_code == 0
    assert [c["group"] for c in checks_of(result)] == [None]


def test_check_on_a_loss_not_listed_is_computed(run, grouped: Path) -> None:
    result = run("evaluate", str(grouped), "-m", "mse", "--check", "r2>0.5", "-f", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "file,pred,scope,n,mse,r2"


def test_check_on_a_not_applicable_loss_fails_with_reason(run, tmp_path: Path) -> None:
    path = write_table(ARTICLE.assign(y_pred=[-2.0, 1, 2, 2, 4]), tmp_path / "n.csv")
    result = run("evaluate", str(path), "--check", "msle<1", "-f", "json")
    assert result.exit_code == 1
    (check,) = checks_of(result)
    assert check["value"] is None and check["passed"] is False
    assert check["reason"] == "msle has no value: not applicable: labels or predictions ≤ −1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--check", "mse<<0.2"], "cannot read the check 'mse<<0.2'"),
        (["--check", "mse=0.2"], "cannot read the check"),
        (["--check", "nope<1"], "unknown loss 'nope'"),
        (["--check", "group:mse<1"], "cannot read the check"),
        (["--max-regression", "mse=5%"], "--max-regression needs --baseline"),
        (["--baseline", "b.json", "--max-regression", "mse=-1"], "cannot read the tolerance"),
        (["--baseline", "b.json", "--max-regression", "mse"], "cannot read the tolerance"),
        (["--check", "mse<=1e999"], "its limit 1e999 is beyond the largest finite number"),
        (["--check", "overall:mse>-1e400"], "its limit -1e400 is beyond the largest finite"),
        (["--check", "delta:mse<=1e999%"], "its limit 1e999 is beyond the largest finite"),
        (
            ["--baseline", "b.json", "--max-regression", "mse=1e999"],
            "its amount 1e999 is beyond the largest finite number",
        ),
        (["--check", "mse=0.2"], "'delta:mse<=0' or 'delta:mae<=1%' for the difference"),
    ],
)
def test_malformed_gates_are_usage_errors(run, grouped: Path, args, message: str) -> None:
    result = run("evaluate", str(grouped), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_non_finite_limits_are_refused_before_reading(run, tmp_path: Path) -> None:
    """A limit no value can cross is a gate that never fails: refused at parse time."""
    missing = str(tmp_path / "not-yet.csv")
    for args in (["--check", "mse<=1e999"], ["--max-regression", "mse=1e999%"]):
        result = run("evaluate", missing, "--baseline", missing, *args)
        assert result.exit_code == 2 and "beyond the largest finite number" in result.stderr


def test_check_help_names_the_delta_scope(run) -> None:
    text = " ".join(run("evaluate", "--help").stdout.split())
    assert "'delta:' for the difference from the reference model with --compare" in text
    assert "'delta:mae<=1%'" in text


def write_baseline(run, data: pd.DataFrame, path: Path, *args: str) -> Path:
    source = write_table(data, path.with_suffix(".csv"))
    result = run("evaluate", str(source), *args, "-f", "json", "-o", str(path))
    assert result.exit_code == 0
    return path


def worse(frame: pd.DataFrame, factor: float) -> pd.DataFrame:
    return frame.assign(y_pred=frame.y_true + factor * (frame.y_pred - frame.y_true))


def test_baseline_round_trip_better_and_worse(run, tmp_path: Path) -> None:
    base = write_baseline(run, GROUPED, tmp_path / "base.json", "-g", "g")
    better = write_table(worse(GROUPED, 0.9), tmp_path / "better.csv")
    worse_file = write_table(worse(GROUPED, 1.1), tmp_path / "worse.csv")
    ok = run(
        "evaluate",
        str(better),
        "-g",
        "g",
        "--baseline",
        str(base),
        "--max-regression",
        "mse=0.001",
        "-f",
        "json",
    )
    assert ok.exit_code == 0
    row = json.loads(ok.stdout)["rows"][-1]
    assert row["baseline"]["mse"] == pytest.approx(0.21606)
    assert row["change"]["mse"]["absolute"] == pytest.approx(0.21606 * (0.81 - 1))
    assert row["change"]["mse"]["percent"] == pytest.approx(-19.0)
    bad = run(
        "evaluate",
        str(worse_file),
        "-g",
        "g",
        "--baseline",
        str(base),
        "--max-regression",
        "mse=0.03",
        "-f",
        "json",
    )
    assert bad.exit_code == 1
    failed = [c for c in checks_of(bad) if not c["passed"]]
    assert [c["group"] for c in failed] == [{"g": "b"}, None]  # a got worse by only 0.0256
    assert failed[1]["limit"] == pytest.approx(0.21606 + 0.03)
    assert failed[1]["reason"] == (
        "mse changed by +0.0453726 from the baseline 0.21606 (+21%); tolerated: 0.03 higher"
    )


def test_relative_tolerance(run, tmp_path: Path) -> None:
    base = write_baseline(run, ARTICLE, tmp_path / "base.json")
    slightly = write_table(worse(ARTICLE, 1.02), tmp_path / "slightly.csv")  # mse +4.04%
    args = ["evaluate", str(slightly), "--baseline", str(base), "-f", "json"]
    assert run(*args, "--max-regression", "mse=5%").exit_code == 0
    assert run(*args, "--max-regression", "mse=4%").exit_code == 1


def test_direction_aware_for_r2_and_accuracy(run, tmp_path: Path) -> None:
    base = write_baseline(run, ARTICLE, tmp_path / "base.json", "-m", "r2")
    better = write_table(worse(ARTICLE, 0.5), tmp_path / "better.csv")
    worse_file = write_table(worse(ARTICLE, 1.5), tmp_path / "worse.csv")
    assert (
        run(
            "evaluate", str(better), "-m", "r2", "--baseline", str(base), "--max-regression", "r2=0"
        ).exit_code
        == 0
    )
    assert (
        run(
            "evaluate",
            str(worse_file),
            "-m",
            "r2",
            "--baseline",
            str(base),
            "--max-regression",
            "r2=0",
        ).exit_code
        == 1
    )
    binary = pd.DataFrame({"y_true": [1.0, 0, 1, 0], "y_pred": [0.9, 0.2, 0.7, 0.4]})
    base = write_baseline(run, binary, tmp_path / "acc.json", "-m", "acc")
    flipped = write_table(binary.assign(y_pred=[0.4, 0.2, 0.7, 0.4]), tmp_path / "flip.csv")
    result = run(
        "evaluate",
        str(flipped),
        "-m",
        "acc",
        "--baseline",
        str(base),
        "--max-regression",
        "acc=10%",
        "-f",
        "json",
    )
    assert result.exit_code == 1
    assert checks_of(result)[0]["limit"] == pytest.approx(0.9)


def test_zero_baseline_with_relative_tolerance(run, tmp_path: Path) -> None:
    perfect = ARTICLE.assign(y_pred=ARTICLE.y_true)
    base = write_baseline(run, perfect, tmp_path / "base.json", "-m", "mse")
    same = write_table(perfect, tmp_path / "same.csv")
    off = write_table(perfect.assign(y_pred=perfect.y_true + 1e-6), tmp_path / "off.csv")
    assert (
        run(
            "evaluate",
            str(same),
            "-m",
            "mse",
            "--baseline",
            str(base),
            "--max-regression",
            "mse=50%",
        ).exit_code
        == 0
    )
    result = run(
        "evaluate",
        str(off),
        "-m",
        "mse",
        "--baseline",
        str(base),
        "--max-regression",
        "mse=50%",
        "-f",
        "json",
    )
    assert result.exit_code == 1
    assert (
        "the baseline is 0, so a relative tolerance allows no worsening"
        in checks_of(result)[0]["reason"]
    )


def test_a_new_text_key_does_not_retype_the_others(run, tmp_path: Path) -> None:
    base_data = pd.DataFrame({"store": [1, 2, 10], "y_true": [10.0] * 3, "y_pred": [11.0, 12, 10]})
    base = write_baseline(run, base_data, tmp_path / "base.json", "-g", "store", "-m", "mse")
    new = pd.DataFrame(
        {"store": ["1", "2", "10", "A"], "y_true": [10.0] * 4, "y_pred": [11.0, 13, 10, 10]}
    )
    path = write_table(new, tmp_path / "new.csv")
    result = run(
        "evaluate",
        str(path),
        "-g",
        "store",
        "-m",
        "mse",
        "--baseline",
        str(base),
        "--max-regression",
        "mse=0",
        "-f",
        "json",
    )
    assert result.exit_code == 1  # store 2 went from 4 to 9
    failed = [c["group"] for c in checks_of(result) if not c["passed"]]
    assert {"store": "2"} in failed


def test_rows_and_losses_missing_on_either_side_are_reported(run, tmp_path: Path) -> None:
    base = write_baseline(run, GROUPED, tmp_path / "base.json", "-g", "g", "-m", "mse,wape")
    changed = write_table(GROUPED.assign(g=["a", "a", "c", "c", "c"]), tmp_path / "new.csv")
    result = run("evaluate", str(changed), "-g", "g", "--baseline", str(base), "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    base_csv = tmp_path / "base.csv"
    assert doc["warnings"] == [
        f"baseline {base}: file names differ, compared by position: {changed} with {base_csv}",
        f"baseline {base} has no row for {changed}, y_pred, g=c (new in this run)",
        f"baseline {base} has a row for {base_csv}, y_pred, g=b, missing from this run",
        f"baseline {base} has no values of mape",
        f"baseline {base} has wape, which this run did not compute",
    ]
    assert doc["rows"][1]["baseline"] is None
    assert doc["rows"][0]["change"]["mape"] is None


def test_a_bad_baseline_is_an_input_error(run, grouped: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run("evaluate", str(grouped), "--baseline", str(broken))
    assert result.exit_code == 3
    assert "the baseline is not JSON" in result.stderr
    result = run("evaluate", str(grouped), "--baseline", str(tmp_path / "none.json"))
    assert result.exit_code == 3


def test_table_marks_failing_cells_and_gives_a_verdict(run, grouped: Path) -> None:
    out = run("evaluate", str(grouped), "-g", "g", "--check", "mse<=0.25", "-f", "table").stdout
    assert "0.27873 ✗" in out
    assert "✗ 1 of 3 checks failed" in out


def test_markdown_report_with_baseline_and_verdict(run, tmp_path: Path) -> None:
    base = write_baseline(run, GROUPED, tmp_path / "base.json", "-g", "g", "-m", "mse")
    worse_file = write_table(worse(GROUPED, 1.1), tmp_path / "w.csv")
    result = run(
        "evaluate",
        str(worse_file),
        "-g",
        "g",
        "-m",
        "mse",
        "--baseline",
        str(base),
        "--max-regression",
        "mse=5%",
        "-f",
        "markdown",
        "--no-chart",  # the table's lines alone
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[2:7] == [
        "| g | n | mse ↓ | mse base | mse Δ |",
        "|---|---:|---:|---:|---:|",
        "| a | 2 | 0.14768 ✗ | 0.12205 | +0.02563 (+21.0%) |",
        "| b | 3 | 0.33727 ✗ | 0.27873 | +0.05853 (+21.0%) |",
        "| **overall** | **5** | **0.26143 ✗** | **0.21606** | **+0.04537 (+21.0%)** |",
    ]
    assert "**✗ 3 of 3 checks failed**" in lines
    assert any(line.startswith("- max-regression mse=5% — ") for line in lines)


def test_quiet(run, grouped: Path) -> None:
    ok = run("evaluate", str(grouped), "-q", "--check", "mse<1")
    assert (ok.exit_code, ok.stdout, ok.stderr) == (0, "", "")
    bad = run("evaluate", str(grouped), "-q", "--check", "mse<0.1")
    assert bad.exit_code == 1 and bad.stdout == ""
    assert bad.stderr.endswith("losscli: ✗ 1 of 1 check failed\n")


def test_config_defaults_and_command_line_override(
    run, grouped: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.losscli]\ngroup_by = ["g"]\n'
        'check = ["mse<=0.25", "overall:mape<30"]\nformat = "csv"\n'
    )
    result = run("evaluate", grouped.name)
    assert result.exit_code == 1  # group b's mse is 0.2787
    assert result.stdout.startswith("file,pred,scope,g,n,mse,mape\n")
    result = run("evaluate", grouped.name, "--check", "mse<=0.3")  # replaces both config checks
    assert result.exit_code == 0
    (tmp_path / "losscli.toml").write_text('check = "mse<=0.3"\n"group-by" = "g"\n')
    assert run("evaluate", grouped.name, "-f", "json").exit_code == 0  # losscli.toml wins
    other = tmp_path / "gate.toml"
    other.write_text('check = ["mse<0.1"]\n')
    assert run("evaluate", grouped.name, "--config", str(other)).exit_code == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('groupby = "g"\n', "unknown key 'groupby'"),
        ('format = "xml"\n', "bad value for key 'format'"),
        ('check = ["mse<"]\n', "bad value for key 'check'"),
        ('label = ["a", "b"]\n', "key 'label' takes a single value, not a list"),
        ("check = [\n", "is not valid TOML"),
    ],
)
def test_bad_config_is_a_usage_error(
    run, grouped: Path, tmp_path: Path, text: str, message: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    result = run("evaluate", str(grouped), "--config", str(config))
    assert result.exit_code == 2
    assert message in result.stderr


def test_float_noise_is_no_regression(run, tmp_path: Path) -> None:
    """A baseline value 1e-14 (relative) better is noise; 1e-9 better is a real change."""
    base = write_baseline(run, ARTICLE, tmp_path / "base.json", "-m", "mse")
    document = json.loads(base.read_text())
    data = tmp_path / "base.csv"
    for factor, code in [(1 - 1e-14, 0), (1 - 1e-9, 1)]:
        document["rows"][0]["metrics"]["mse"] = 0.21606 * factor
        base.write_text(json.dumps(document))
        args = ["--baseline", str(base), "--max-regression", "mse=0%", "-m", "mse", "-f", "json"]
        result = run("evaluate", str(data), *args)
        assert result.exit_code == code, result.stderr
    assert checks_of(result)[0]["reason"].startswith("mse changed by +2.1606e-10")


@pytest.mark.parametrize(
    ("base_suffix", "run_suffix"), [(".csv", ".parquet"), (".parquet", ".csv")]
)
def test_same_rows_in_another_format_and_chunking_pass_a_zero_tolerance(
    run, tmp_path: Path, monkeypatch, base_suffix: str, run_suffix: str
) -> None:
    rng = np.random.default_rng(3)
    labels = rng.normal(1000, 300, 2000)
    frame = pd.DataFrame({"y_true": labels, "y_pred": labels + rng.normal(0, 50, 2000)})
    frame["g"] = np.where(np.arange(2000) % 3 == 0, "a", "b")
    losses = ["-m", "mse,mape,r2,mae", "-g", "g"]
    base = write_baseline(run, frame, tmp_path / f"base{base_suffix}.json", *losses)
    data = write_table(frame, (tmp_path / "new").with_suffix(run_suffix))
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", 7)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 333)
    tolerances = [f"--max-regression={name}=0%" for name in ("mse", "mape", "r2", "mae")]
    result = run("evaluate", str(data), *losses, "--baseline", str(base), *tolerances)
    assert result.exit_code == 0, result.stderr


def test_files_pair_by_name_in_any_order(run, tmp_path: Path) -> None:
    """feb.csv jan.csv against a baseline of jan.csv feb.csv: each with its own numbers."""
    jan, feb = tmp_path / "jan.csv", tmp_path / "feb.csv"
    write_table(ARTICLE, jan)
    write_table(worse(ARTICLE, 2), feb)  # mse 4 × 0.21606
    base = tmp_path / "base.json"
    made = run("evaluate", str(jan), str(feb), "-m", "mse", "-f", "json", "-o", str(base))
    assert made.exit_code == 0
    write_table(worse(ARTICLE, 2.2), feb)  # 21% worse than its baseline
    args = ["--baseline", str(base), "--max-regression", "mse=5%", "-m", "mse", "-f", "json"]
    result = run("evaluate", str(feb), str(jan), *args)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["warnings"] == []
    assert [(r["file"], r["baseline"]["mse"]) for r in doc["rows"]] == [
        (str(feb), pytest.approx(4 * 0.21606)),
        (str(jan), pytest.approx(0.21606)),
    ]
    assert [(c["file"], c["passed"]) for c in doc["checks"]] == [
        (str(feb), False),
        (str(jan), True),
    ]
    assert "from the baseline 0.86424 (+21%)" in doc["checks"][0]["reason"]


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"g": ["a", "a", "c", "c", "c"]}, "g=c"),  # a new group
        ({"y_pred": ARTICLE.y_pred, "other": ARTICLE.y_true}, "other, overall"),  # a new model
    ],
    ids=["new group", "new model"],
)
def test_one_sided_rows_warn_unless_required(run, tmp_path: Path, change, what: str) -> None:
    base = write_baseline(run, GROUPED, tmp_path / "base.json", "-g", "g", "-m", "mse")
    data = write_table(GROUPED.assign(**change), tmp_path / "base.csv")
    preds = ["-p", "y_pred", "-p", "other"] if "other" in change else []
    args = ["-g", "g", "-m", "mse", "--baseline", str(base), "--max-regression", "mse=5%"]
    result = run("evaluate", str(data), *preds, *args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert f"baseline {base} has no row for {data}, {'y_pred, ' * ('g=' in what)}{what}" in (
        result.stderr
    )
    required = run("evaluate", str(data), *preds, *args, "--require-baseline", "-f", "json")
    assert required.exit_code == 1
    failed = [c for c in checks_of(required) if not c["passed"]]
    assert {c["check"] for c in failed} == {"require-baseline"}
    assert f"the baseline {base} has no row for it" in required.stderr


def test_required_baseline_row_missing_from_this_run_fails(run, tmp_path: Path) -> None:
    base = write_baseline(run, GROUPED, tmp_path / "base.json", "-g", "g", "-m", "mse")
    only_a = write_table(GROUPED[GROUPED.g == "a"], tmp_path / "base.csv")
    args = ["-g", "g", "-m", "mse", "--baseline", str(base)]
    assert run("evaluate", str(only_a), *args).exit_code == 0
    result = run("evaluate", str(only_a), *args, "--require-baseline", "-f", "json")
    assert result.exit_code == 1
    (failure,) = [c for c in checks_of(result) if not c["passed"]]
    assert failure["reason"] == f"a row of the baseline {base}, missing from this run"
    assert (failure["file"], failure["group"]) == (str(only_a), {"g": "b"})  # the baseline's row


def test_files_without_a_counterpart_are_warnings_naming_both_sides(run, tmp_path: Path):
    a, b = write_table(ARTICLE, tmp_path / "a.csv"), write_table(ARTICLE, tmp_path / "b.csv")
    base = tmp_path / "base.json"
    assert run("evaluate", str(a), str(b), "-f", "json", "-o", str(base)).exit_code == 0
    c, d = write_table(ARTICLE, tmp_path / "c.csv"), write_table(ARTICLE, tmp_path / "d.csv")
    result = run("evaluate", str(a), str(c), str(d), "--baseline", str(base), "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["warnings"] == [
        f"baseline {base} has no file {c} (it has {a}, {b}): its rows are not compared",
        f"baseline {base} has no file {d} (it has {a}, {b}): its rows are not compared",
        f"baseline {base} has rows of {b}, which this run did not evaluate "
        f"(it evaluated {a}, {c}, {d})",
    ]


def test_a_missing_baseline_says_how_to_create_it(run, grouped: Path, tmp_path: Path) -> None:
    base = tmp_path / "metrics" / "base.json"
    gate = ["--baseline", str(base), "--max-regression", "mse=5%", "-q"]
    result = run("evaluate", str(grouped), "-g", "g", "-m", "mse,mape", *gate)
    assert result.exit_code == 3
    assert result.stderr == (
        f"losscli: error: {base}: the baseline file does not exist; create it with: "
        f"losscli evaluate {grouped} --group-by g --loss mse,mape -f json -o {base}, "
        "or pass --allow-missing-baseline\n"
    )
    allowed = run("evaluate", str(grouped), "-g", "g", *gate[:-1], "--allow-missing-baseline")
    assert allowed.exit_code == 0
    assert allowed.stderr.startswith(
        f"losscli: warning: {base}: the baseline file does not exist; create it with: "
        f"losscli evaluate {grouped} --group-by g -f json -o {base} "
        "(nothing was compared: --allow-missing-baseline)\n"
    )


def test_json_carries_its_schema_version(run, grouped: Path) -> None:
    doc = json.loads(run("evaluate", str(grouped), "-f", "json").stdout)
    assert list(doc)[:2] == ["schema_version", "rows"]
    assert doc["schema_version"] == 1


@pytest.mark.parametrize(
    ("version", "why"),
    [(2, "written by a newer losscli"), ("1", "which no losscli writes")],
)
def test_a_baseline_of_another_schema_is_refused(run, tmp_path: Path, version, why: str):
    base = write_baseline(run, ARTICLE, tmp_path / "base.json")
    document = json.loads(base.read_text())
    document["schema_version"] = version
    base.write_text(json.dumps(document))
    data = tmp_path / "base.csv"
    result = run("evaluate", str(data), "--baseline", str(base))
    assert result.exit_code == 3
    assert result.stderr == (
        f"losscli: error: {base}: the baseline has schema_version {json.dumps(version)}, {why}; "
        f"this one reads schema_version 1; regenerate it with this losscli: "
        f"losscli evaluate {data} -f json -o {base}\n"
    )


def test_a_baseline_without_schema_version_is_still_read(run, tmp_path: Path) -> None:
    base = write_baseline(run, ARTICLE, tmp_path / "base.json")
    document = json.loads(base.read_text())
    del document["schema_version"]
    base.write_text(json.dumps(document))
    args = ["--baseline", str(base), "--max-regression", "mse=0", "-f", "json"]
    result = run("evaluate", str(tmp_path / "base.csv"), *args)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rows"][0]["baseline"]["mse"] == pytest.approx(0.21606)


def test_csv_keeps_base_and_change_columns(run, tmp_path: Path) -> None:
    base = write_baseline(run, GROUPED, tmp_path / "base.json", "-g", "g", "-m", "mse")
    worse_file = write_table(worse(GROUPED, 2), tmp_path / "w.csv")
    args = ["-g", "g", "-m", "mse,mae", "--baseline", str(base), "-f", "csv"]
    result = run("evaluate", str(worse_file), *args)
    lines = result.stdout.splitlines()
    assert lines[0] == "file,pred,scope,g,n,mse,mse_base,mse_change,mae,mae_base,mae_change"
    assert lines[-1] == (f"{worse_file},y_pred,overall,,5,0.86424,0.21606,0.64818,0.796,,")


@pytest.mark.parametrize(
    ("check", "code"),
    [
        (f"mse<={0.21606 * (1 - 1e-14)!r}", 0),  # equal within noise: meets <=
        (f"mse<{0.21606 * (1 + 1e-14)!r}", 1),  # equal within noise: not below
        (f"mse<{0.21606 * (1 + 1e-9)!r}", 0),  # really below
    ],
)
def test_a_check_limit_within_noise_counts_as_equal(
    run, article_csv: Path, check: str, code: int
) -> None:
    assert run("evaluate", str(article_csv), "--check", check).exit_code == code


# 400 rows whose errors are a fixed pattern; a run 1.025 times the errors is 5.06% worse in MSE
NOISY = pd.DataFrame({"y_true": np.arange(400.0) % 7})
NOISY = NOISY.assign(y_pred=NOISY.y_true + (np.arange(400) * 37 % 101 - 50) / 100)
WITHIN_NOISE = (
    "max-regression mse=2% — {file}, y_pred, overall: beyond the tolerance but within noise: "
    "mse changed by +0.0043155 from the baseline 0.0852445 (+5.06%); tolerated: 2% higher; "
    "the change's 95% interval is [-0.00654507, +0.0151761]: not significantly beyond the "
    "tolerance",
    "such a change passes while its interval reaches within the tolerance (the runs are "
    "compared as independent samples); where both runs' predictions are on the same rows, "
    "put them in one file and use --compare: its paired test is far more sensitive",
)


@pytest.mark.parametrize("fmt", ["json", "csv", "table", "markdown"])
def test_a_pass_beyond_the_tolerance_within_noise_says_so(run, tmp_path: Path, fmt: str) -> None:
    base = write_baseline(run, NOISY, tmp_path / "base.json", "-m", "mse", "--ci")
    new = write_table(worse(NOISY, 1.025), tmp_path / "new.csv")
    args = ["--baseline", str(base), "--max-regression", "mse=2%", "-f", fmt]
    result = run("evaluate", str(new), "-m", "mse", "--ci", *args)
    assert result.exit_code == 0
    lines = [line.format(file=new) for line in WITHIN_NOISE]
    said = result.stderr.splitlines()
    assert said[-2:] == [f"losscli: warning: {line}" for line in lines]
    if fmt in ("table", "markdown"):  # and as footnotes: a report written to a file has them
        shown = [line.rstrip() for line in result.stdout.splitlines()]
        notes = [markdown(line) for line in lines] if fmt == "markdown" else lines
        at = shown.index(notes[0])
        assert shown[at : at + 3] == [*notes, "" if fmt == "markdown" else "✓ the check passed"]
    quiet = run("evaluate", str(new), "-m", "mse", "--ci", "-q", *args)
    assert (quiet.exit_code, quiet.stderr) == (0, "")


def test_on_a_terminal_a_pass_within_noise_is_a_footnote_shown_once(run, tmp_path: Path) -> None:
    base = write_baseline(run, NOISY, tmp_path / "base.json", "-m", "mse", "--ci")
    new = write_table(worse(NOISY, 1.025), tmp_path / "base.csv")  # named as the baseline's
    args = ["--baseline", str(base), "--max-regression", "mse=2%"]
    code, shown = on_a_terminal("evaluate", str(new), "-m", "mse", "--ci", *args)
    assert code == 0
    lines = [line.format(file=new) for line in WITHIN_NOISE]
    assert shown.rstrip().splitlines()[-3:] == [*lines, "✓ the check passed"]
