"""--drift in every output: the table's marks on worse periods and its lines below the
rows (collapsed where many groups have no drift), markdown, JSON's "drift" list,
--table drift in CSV, TSV, Parquet and JSON, and --fail-on-drift's exit status in a
process of its own."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from conftest import losscli_process, read_back, rendered, write_table
from test_drift import weekly

from losscli import evaluate
from losscli.render import drift as drift_render

DRIFTED = "p · g=g000: mae drifted from 2026-W08 ("


@pytest.fixture
def drifted(tmp_path: Path) -> Path:
    """g000's forecast is worse by 1.5 from 2026-W08; g001 and g002 stay as they were."""
    df = weekly(groups=3, weeks=10, rows=40, shift=1.5, start=6, seed=4)
    return write_table(df, tmp_path / "weekly.csv")


def result_of(path: Path, **options: Any) -> Any:
    return evaluate(
        str(path), label="y", pred="p", losses="mae,bias", group_by="g", period="date:W",
        drift=True, **options,
    )  # fmt: skip


def test_the_table_marks_worse_periods_and_says_where_a_loss_drifted(drifted: Path) -> None:
    text = rendered("table", result_of(drifted))
    lines = text.splitlines()
    g000 = [line for line in lines if line.strip().startswith("g000")]
    assert sum("▼" in line for line in g000) >= 3  # W08 … W11 are worse
    assert not any("▼" in line for line in lines if line.strip().startswith("g001"))
    assert (
        "▼ worse than the drift reference, each group's first 4 periods (Holm-adjusted, 95%" in text
    )
    assert DRIFTED in text and "vs reference 2026-W02..2026-W05)" in text
    assert "p · g=g001: mae no drift" in text
    assert text.index(DRIFTED) > text.index("overall")  # below the rows


def test_ascii_output_marks_with_a_minus(drifted: Path) -> None:
    text = rendered("table", result_of(drifted), charset="ascii")
    assert " -" in text and "▼" not in text


def test_many_groups_without_drift_are_counted_in_one_line(
    drifted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drift_render, "LISTED", 1)
    text = rendered("table", result_of(drifted))
    assert "p: no drift: mae in 2 groups" in text
    assert "g=g001: mae no drift" not in text


def test_markdown_has_the_marks_and_the_lines(drifted: Path) -> None:
    text = rendered("markdown", result_of(drifted))
    assert "▼" in text and DRIFTED in text


def test_json_has_a_drift_list(drifted: Path) -> None:
    document = json.loads(rendered("json", result_of(drifted)))
    entries = document["drift"]
    assert [(e["group"], e["loss"]) for e in entries] == [
        ({"g": "g000"}, "mae"),
        ({"g": "g001"}, "mae"),
        ({"g": "g002"}, "mae"),
        (None, "mae"),
    ]
    first = entries[0]
    assert set(first) == {
        "file", "pred", "group", "loss", "onset", "reference", "delta", "low", "high",
    }  # fmt: skip
    assert first["onset"] == "2026-02-16"
    assert first["reference"] == {"start": "2026-01-05", "end": "2026-02-02"}
    assert first["low"] < first["delta"] < first["high"]
    assert entries[1]["onset"] is None and entries[1]["delta"] is None
    assert any("bias has no better direction" in w for w in document["warnings"])


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_the_drift_table_in_csv_and_tsv(drifted: Path, fmt: str) -> None:
    text = rendered(fmt, result_of(drifted), table="drift")
    rows = read_back(text, "," if fmt == "csv" else "\t")
    assert list(rows[0]) == [
        "file", "pred", "scope", "g", "loss", "onset", "reference_start", "reference_end",
        "delta", "low", "high",
    ]  # fmt: skip
    assert [(r["g"], r["onset"]) for r in rows] == [
        ("g000", "2026-02-16"), ("g001", ""), ("g002", ""), ("", rows[3]["onset"]),
    ]  # fmt: skip
    assert rows[3]["scope"] == "overall"


def test_the_drift_table_in_parquet_and_json(drifted: Path, tmp_path: Path) -> None:
    result = result_of(drifted)
    from losscli.render.formats import FORMATS, Display

    data = FORMATS["parquet"].render(result, Display(table="drift"))
    assert isinstance(data, bytes)
    table = pq.read_table(io.BytesIO(data))
    assert table.column("onset").to_pylist()[:2] == ["2026-02-16", None]
    assert table.column("delta").to_pylist()[1] is None
    document = json.loads(rendered("json", result, table="drift"))
    assert document["drift"][0]["onset"] == "2026-02-16"


def test_the_drift_table_as_a_table(drifted: Path) -> None:
    text = rendered("table", result_of(drifted), table="drift")
    assert "2026-W08" in text and "no drift" in text and "2026-W02..2026-W05" in text


def test_fail_on_drift_exits_1_naming_the_onset_and_0_without_drift(
    drifted: Path, tmp_path: Path
) -> None:
    common = ["-l", "y", "-p", "p", "-g", "g", "-m", "mae", "--period", "date:W", "-f", "csv"]
    done = losscli_process("evaluate", str(drifted), *common, "--fail-on-drift")
    assert done.returncode == 1, done.stderr
    assert "--fail-on-drift" in done.stderr and "g=g000" in done.stderr
    assert "mae drifted from 2026-W08" in done.stderr
    calm = write_table(weekly(groups=3, weeks=10, rows=40, seed=4), tmp_path / "calm.csv")
    done = losscli_process("evaluate", str(calm), *common, "--fail-on-drift")
    assert done.returncode == 0, done.stderr
    assert "check failed" not in done.stderr


def test_fail_on_drift_fails_where_nothing_could_be_judged(drifted: Path) -> None:
    """A reference window outside the data (or more reference periods than there are) leaves
    every period unjudged: --fail-on-drift fails (exit 1) saying so, since a gate that judges
    nothing would pass forever."""
    common = ["-l", "y", "-p", "p", "-g", "g", "-m", "mae", "--period", "date:W", "-f", "csv"]
    for window in (["--drift-reference", "2020-01-01..2020-02-01"],
                   ["--drift-reference-periods", "40"]):  # fmt: skip
        done = losscli_process("evaluate", str(drifted), *common, *window, "--fail-on-drift")
        assert done.returncode == 1, done.stderr
        assert "no period was judged against a reference window" in done.stderr


def test_drift_without_period_and_the_drift_table_without_drift_are_usage_errors(
    drifted: Path,
) -> None:
    common = ["-l", "y", "-p", "p", "-m", "mae"]
    done = losscli_process("evaluate", str(drifted), *common, "--drift")
    assert done.returncode == 2 and "add --period COL:FREQ" in done.stderr
    done = losscli_process(
        "evaluate", str(drifted), *common, "--period", "date:W", "--table", "drift", "-f", "csv"
    )
    assert done.returncode == 2 and "--table drift needs --drift" in done.stderr


def test_formats_without_a_place_for_the_verdicts_say_where_they_are(drifted: Path) -> None:
    common = ["-l", "y", "-p", "p", "-m", "mae", "--period", "date:W", "--drift"]
    done = losscli_process("evaluate", str(drifted), *common, "-f", "csv")
    assert done.returncode == 0
    assert "CSV has no place for --drift's verdicts: --table drift writes them" in done.stderr
    done = losscli_process("evaluate", str(drifted), *common, "-f", "json")
    assert "no place for --drift" not in done.stderr


def test_config_keys_set_drift_and_fail_on_drift(drifted: Path, tmp_path: Path) -> None:
    """drift, drift-reference-periods and fail-on-drift in a config file do what the
    options do, and a failed drift check names the config key that asked for it."""
    args = ("evaluate", str(drifted), "-l", "y", "-p", "p", "-g", "g", "-m", "mae", "-f", "json")
    config = tmp_path / "losscli.toml"
    config.write_text('period = "date:W"\ndrift = true\ndrift-reference-periods = 3\n')
    done = losscli_process(*args, "--config", str(config))
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)["drift"]
    assert entries[0]["reference"] == {"start": "2026-01-05", "end": "2026-01-26"}
    config.write_text('period = "date:W"\nfail-on-drift = true\n')
    done = losscli_process(*args, "--config", str(config))
    assert done.returncode == 1 and "--fail-on-drift" in done.stderr
    assert f"the failed checks come from {config} (key 'fail-on-drift')" in done.stderr
