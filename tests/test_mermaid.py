"""Markdown's Mermaid charts, read back by Mermaid's own parser (node and jsdom; skipped,
saying why, where they are missing) and by the text's own rules."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from chart_support import AWKWARD, awkward_result, mermaid_blocks, mermaid_text
from conftest import losscli_process, rendered, write_table

from losscli.render.charts.mermaid import quoted
from losscli.render.literal import visible

Parse = Callable[[Sequence[str]], list[dict[str, Any]]]
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "model_comparison.csv"


def sample_markdown(*args: str) -> str:
    run = losscli_process(
        "evaluate", str(SAMPLE), "-p", "gbm", "-p", "baseline", "-g", "segment", *args
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_markdown_charts_are_read_by_mermaids_own_parser(mermaid_parse: Parse) -> None:
    markdown = sample_markdown("-f", "markdown")
    document = json.loads(sample_markdown("-f", "json"))
    blocks = mermaid_blocks(markdown)
    assert len(blocks) == 4  # mse and mape, each per model
    parsed = mermaid_parse(blocks)
    for record in parsed:
        assert record["ok"], record
        assert record["type"] == "xychart" and record["data"]["orientation"] == "horizontal"
    titles = [mermaid_text(r["data"]["title"]) for r in parsed]
    assert titles == [
        "mse: gbm (reference)",
        "mse: baseline",
        "mape: gbm (reference)",
        "mape: baseline",
    ]
    for record, title in zip(parsed, titles, strict=True):
        loss, model = title.removesuffix(" (reference)").split(": ")
        values = {
            (row["group"] or {"segment": "overall"})["segment"]: row["metrics"][loss]
            for row in document["rows"]
            if row["pred"] == model
        }
        (plot,) = record["data"]["plots"]
        assert [(mermaid_text(g), v) for g, v in plot["data"]] == [
            (mermaid_text(g), values[mermaid_text(g)])
            for g in record["data"]["xAxis"]["categories"]
        ]
        assert record["data"]["yAxis"]["min"] == 0
        assert record["data"]["yAxis"]["max"] >= max(values.values())


def test_labels_with_quotes_brackets_hash_semicolons_newlines_and_unicode_survive_mermaid(
    mermaid_parse: Parse,
) -> None:
    markdown = rendered("markdown", awkward_result())
    (block,) = mermaid_blocks(markdown)
    (record,) = mermaid_parse([block])
    assert record["ok"], record
    categories = [mermaid_text(c) for c in record["data"]["xAxis"]["categories"]]
    shown = [visible(label) or '""' for label in reversed(AWKWARD)]  # empty: shown as ""
    assert categories == [*shown, "overall"]
    assert [v for _, v in record["data"]["plots"][0]["data"]] == [10.0 - k for k in range(10)] + [
        5.5
    ]


def test_mermaid_strings_hold_nothing_mermaid_reads_as_syntax() -> None:
    for label in AWKWARD:
        text = quoted(label)
        inner = text[1:-1]
        assert text[0] == text[-1] == '"' and '"' not in inner
        assert "%" not in inner and ":" not in inner and "\n" not in inner
        assert re.fullmatch(r"([\w \-.,/+=()]|#\d+;)*", inner), inner
        assert mermaid_text(inner) == (visible(label) or '""')


def test_no_chart_leaves_markdown_without_its_mermaid_charts() -> None:
    with_charts = sample_markdown("-f", "markdown")
    without = sample_markdown("-f", "markdown", "--no-chart")
    assert "```mermaid" not in without and "```mermaid" in with_charts
    title, _, rest = with_charts.partition("\n\n")
    assert title == without.partition("\n\n")[0] == f"**{SAMPLE}**"  # the title first
    charts = rest[: rest.index("| segment")]  # then the charts, then the (wide) table
    assert "```mermaid" in charts and with_charts.replace(charts, "") == without


def test_markdown_chart_of_one_loss_with_chart_loss() -> None:
    markdown = sample_markdown("-f", "markdown", "--chart=mape")
    assert len(mermaid_blocks(markdown)) == 2
    assert all('y-axis "mape"' in block for block in mermaid_blocks(markdown))


def test_markdown_charts_stay_readable_at_ten_thousand_groups(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = rng.uniform(0, 1, 20_000)
    frame = pd.DataFrame({"g": np.arange(20_000) % 10_000, "y_true": y, "y_pred": y + 0.1})
    path = write_table(frame, tmp_path / "wide.csv")
    run = losscli_process("evaluate", str(path), "-g", "g", "-m", "mse", "-f", "markdown")
    assert run.returncode == 0, run.stderr
    (block,) = mermaid_blocks(run.stdout)
    categories = re.search(r"x-axis \S+ \[(.*)\]", block)
    assert categories is not None and categories[1].count('", "') + 1 == 51  # 50 and overall
    assert "_9,950 more groups not drawn: --max-rows 0 draws them all, --top N the N worst_" in (
        run.stdout
    )
    top = losscli_process(
        "evaluate", str(path), "-g", "g", "-m", "mse", "-f", "markdown", "--top", "5"
    )
    (block,) = mermaid_blocks(top.stdout)
    assert block.count('", "') + 1 == 6


README = Path(__file__).resolve().parent.parent / "README.md"


def readme_mermaid() -> str:
    (block,) = mermaid_blocks(README.read_text(encoding="utf-8"))
    return block


def test_readme_mermaid_chart_is_what_losscli_writes() -> None:
    markdown = sample_markdown("-m", "mape", "--ci", "--compare", "-f", "markdown")
    assert readme_mermaid() in mermaid_blocks(markdown)


def test_readme_mermaid_chart_is_read_by_mermaid(mermaid_parse: Parse) -> None:
    (record,) = mermaid_parse([readme_mermaid()])
    assert record["ok"], record
    assert mermaid_text(record["data"]["title"]) == "mape: baseline"


def test_markdown_without_groups_draws_a_bar_per_model_and_no_chart_of_one_bar() -> None:
    two = losscli_process("evaluate", str(SAMPLE), "-p", "gbm", "-p", "baseline", "-f", "markdown")
    blocks = mermaid_blocks(two.stdout)
    assert len(blocks) == 2 and all('x-axis "model" ["gbm", "baseline"]' in b for b in blocks)
    assert "_mse per model_" in two.stdout
    one = losscli_process("evaluate", str(SAMPLE), "-p", "gbm", "-f", "markdown")
    assert one.returncode == 0 and "```mermaid" not in one.stdout
