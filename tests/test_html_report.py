"""The HTML report (-f html, -o report.html) as a file: self-contained, escaped, its
numbers those of the JSON of the same run, its sections in order (headless Chromium opens
it in test_html_report_browser.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import Result
from conftest import bench_module, losscli_process

from losscli.render.formats import FORMATS, Display
from losscli.render.html import sections
from losscli.render.html.svg import nice_ticks

HOSTILE = "<script>alert(1)</script>"
GROUPS = ["north", HOSTILE, 'a "quoted" & <b>bold</b>', "<img src=x onerror=alert(2)>"]


def hostile_csv(tmp_path: Path, rows_per_group: int = 30) -> Path:
    """Two models on four groups, three named to break out of HTML if shown as markup."""
    rows = []
    for k, group in enumerate(GROUPS):
        for i in range(rows_per_group):
            y = 10.0 + k + i % 7
            rows.append({"g": group, "y_true": y, "good": y + 0.1 * (i % 3), "bad": y + 1 + i % 5})
    path = tmp_path / "preds.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


ARGS = ("--pred", "good", "--pred", "bad", "-g", "g", "--compare", "--ci", "-m", "mse,mae")


def report_of(run: Callable[..., Result], tmp_path: Path, *args: str) -> str:
    csv = hostile_csv(tmp_path)
    out = tmp_path / "report.html"
    result = run("evaluate", str(csv), *ARGS, *args, "-o", str(out))
    assert result.exit_code in (0, 1), result.output
    return out.read_text(encoding="utf-8")


class Cells(HTMLParser):
    """Each table's header texts and rows of (text, data-v) cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self.cell: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"class": dict(attrs).get("class", ""), "head": [], "rows": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self.cell = [tag, "", dict(attrs).get("data-v")]

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            kind, text, value = self.cell
            table = self.tables[-1]
            if kind == "th":
                table["head"].append(text)
                table["rows"].pop() if table["rows"] == [[]] else None
            else:
                table["rows"][-1].append((text, value))
            self.cell = None


def tables(page: str) -> dict[str, dict[str, Any]]:
    parser = Cells()
    parser.feed(page)
    return {t["class"].split()[-1]: t for t in parser.tables}


def test_a_group_named_script_shows_as_text_in_the_report(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    page = report_of(run, tmp_path)
    assert page.count("<script>") == 1  # the page's own, at its end
    assert "alert(1)</script>" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    shown = {row[1][0] for row in tables(page)["results"]["rows"]}
    assert set(GROUPS) <= shown  # the parser reads back the very names


def test_the_report_is_self_contained(run: Callable[..., Result], tmp_path: Path) -> None:
    page = report_of(run, tmp_path)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    links = re.findall(r'\b(?:src|href)\s*=\s*"([^"]*)"', page)
    assert all(link.startswith("#") for link in links), links
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_the_report_numbers_equal_the_json_result_of_the_same_run(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    page = report_of(run, tmp_path)
    document = json.loads(run("evaluate", str(tmp_path / "preds.csv"), *ARGS, "-f", "json").stdout)
    results = tables(page)["results"]
    head = results["head"]
    assert len(results["rows"]) == len(document["rows"])
    for cells, row in zip(results["rows"], document["rows"], strict=True):
        shown = dict(zip(head, cells, strict=True))
        assert shown["model"][0] == row["pred"]
        assert shown["g"][0] == ("overall" if row["group"] is None else row["group"]["g"])
        assert int(shown["n"][1]) == row["n"]
        for loss, value in row["metrics"].items():
            text, full = next(cell for name, cell in shown.items() if name.startswith(loss + " "))
            assert float(full) == value
            assert float(text.replace(",", "")) == pytest.approx(value, rel=1e-4)
            interval = row["intervals"][loss]
            assert float(shown[f"{loss} low"][1]) == interval["low"]
            assert float(shown[f"{loss} high"][1]) == interval["high"]
    compared = tables(page)["comparisons"]
    assert len(compared["rows"]) == len(document["comparisons"])
    for cells, c in zip(compared["rows"], document["comparisons"], strict=True):
        shown = dict(zip(compared["head"], cells, strict=True))
        assert (shown["model"][0], shown["loss"][0]) == (c["pred"], c["loss"])
        assert [float(shown[k][1]) for k in ("Δ", "Δ low", "Δ high")] == [
            c["delta"],
            c["low"],
            c["high"],
        ]


def test_the_verdict_comes_before_the_table_when_there_are_checks(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    page = report_of(run, tmp_path, "--check", "mse<1")
    assert page.index('id="verdict"') < page.index('id="table"') < page.index('id="charts"')
    assert "checks failed" in page and 'class="verdict fail"' in page
    assert page.index('id="charts"') < page.index('id="comparisons"')


def test_every_chart_is_an_image_with_a_title_and_a_description(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    page = report_of(run, tmp_path)
    charts = re.findall(r"<svg\b[^>]*>.*?</svg>", page, flags=re.S)
    assert len(charts) == 4  # a bar chart and a forest plot per loss
    for chart in charts:
        assert 'role="img"' in chart and "<title>" in chart and "<desc>" in chart
    assert page.count('class="chart forest"') == 2


def test_charts_draw_at_most_max_rows_groups(run: Callable[..., Result], tmp_path: Path) -> None:
    page = report_of(run, tmp_path, "--max-rows", "2")
    assert page.count("2 more groups not drawn") == 4
    assert len(tables(page)["results"]["rows"]) == 10  # the table keeps every row


def test_every_note_and_warning_is_in_the_report(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    frame = pd.DataFrame({"y_true": [0.0, 1.0, 2.0, 4.0], "y_pred": [0.5, 1.5, 2.0, 3.0]})
    frame.to_csv(tmp_path / "zeros.csv", index=False)
    out = tmp_path / "r.html"
    run("evaluate", str(tmp_path / "zeros.csv"), "-m", "mape,max_error", "--ci", "-o", str(out))
    page = out.read_text(encoding="utf-8")
    warnings = json.loads(
        run(
            "evaluate", str(tmp_path / "zeros.csv"), "-m", "mape,max_error", "--ci", "-f", "json"
        ).stdout
    )["warnings"]
    assert warnings
    notes = page[page.index('id="notes"') :]
    for warning in warnings:
        assert json.dumps(warning)[1:-1].replace("&", "&amp;").replace("<", "&lt;") in notes
    assert '<a href="#note-1">1</a>' in page and 'id="note-1"' in page


def test_a_section_plugs_in_as_one_function(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def diagram(result: Any, display: Any, notes: Any) -> str:
        return sections.section("residuals", "Residuals", f"{len(result.preds)} models")

    monkeypatch.setattr(sections, "SECTIONS", [*sections.SECTIONS, diagram])
    page = report_of(run, tmp_path)
    assert '<section id="residuals"><h2>Residuals</h2>2 models</section>' in page


def test_axis_ticks_are_round_and_span_the_range() -> None:
    assert nice_ticks(0.0, 190000.0) == [0.0, 50000.0, 100000.0, 150000.0]
    assert nice_ticks(-3.2, 7.9) == [0.0, 5.0]
    assert nice_ticks(-0.12, 0.5) == [0.0, 0.2, 0.4]


def test_a_report_of_1000_groups_by_4_models_stays_under_5_mb(tmp_path: Path) -> None:
    import losscli

    case = bench_module("html_report")
    data = case.report_data(tmp_path / "groups.parquet")
    preds = [f"model_{k}" for k in range(case.MODELS)]
    result = losscli.evaluate(
        str(data), pred=preds, group_by="g", losses="mse,mae", ci=0.95, compare=True
    )
    page = FORMATS["html"].render(result, Display(max_rows=case.MAX_ROWS))
    assert isinstance(page, str)
    assert len(page.encode()) < case.LIMIT_MB * 1e6
    assert page.count("<tr") == 1 + case.GROUPS * case.MODELS + case.MODELS + 1 + 2 * 3 * 1001


def test_the_report_shows_baseline_values_and_changes_as_json_does(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    csv = hostile_csv(tmp_path)
    earlier = pd.read_csv(csv).assign(good=lambda f: f["good"] + 0.5)
    earlier.to_csv(tmp_path / "earlier.csv", index=False)
    before = tmp_path / "before.json"
    options = ("--pred", "good", "-g", "g", "-m", "mse")
    run("evaluate", str(tmp_path / "earlier.csv"), *options, "-o", str(before))
    args = ("evaluate", str(csv), *options, "--baseline", str(before))
    out = tmp_path / "report.html"
    run(*args, "-o", str(out))
    document = json.loads(run(*args, "-f", "json").stdout)
    results = tables(out.read_text(encoding="utf-8"))["results"]
    assert results["head"][-2:] == ["mse base", "mse change"]
    for cells, row in zip(results["rows"], document["rows"], strict=True):
        base, change = cells[-2:]
        assert float(base[1]) == row["baseline"]["mse"]
        assert float(change[1]) == pytest.approx(row["change"]["mse"]["absolute"], rel=1e-12)
        assert f"({row['change']['mse']['percent']:+.1f}%)" in change[0]
    assert "baseline" in out.read_text(encoding="utf-8").split('id="inputs"')[1].split("</dl>")[0]


def test_the_reports_command_line_shows_no_secret_option_or_signed_url(tmp_path: Path) -> None:
    from servers import range_server

    csv = hostile_csv(tmp_path)
    signed = "X-Amz-Signature=SIGNED0987654321&X-Amz-Credential=CRED1234"
    with range_server(tmp_path) as base:
        url = f"{base}/{csv.name}?{signed}"
        runs = {
            "url": ("evaluate", url, *ARGS),
            "option": ("evaluate", str(csv), *ARGS, "--storage-option", "secret=SUPERSECRET123",
                       "--storage-option=token=TOKEN4567"),
        }  # fmt: skip
        shown = {}
        for name, args in runs.items():
            out = tmp_path / f"{name}.html"
            done = losscli_process(*args, "-o", str(out))
            assert done.returncode == 0, done.stderr
            page = out.read_text(encoding="utf-8")
            for secret in ("SUPERSECRET123", "TOKEN4567", "SIGNED0987654321", "CRED1234"):
                assert secret not in page
            shown[name] = page[page.index('<section id="inputs">') : page.index("</code>")]
    assert f"losscli evaluate {base}/{csv.name} --pred good" in shown["url"]
    hidden = "--storage-option &#x27;secret=***&#x27; &#x27;--storage-option=token=***&#x27;"
    assert f"-m mse,mae {hidden} -o" in shown["option"]


def test_the_best_model_of_each_group_is_marked_and_counted(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    page = report_of(run, tmp_path)
    results = tables(page)["results"]
    model, mse = results["head"].index("model"), results["head"].index("mse ↓")
    marked = page.count('<td class="best" data-v=')
    assert marked == 2 * (len(GROUPS) + 1)  # mse and mae, every group and overall: "good"
    assert all(cells[model][0] == "good" for cells in results["rows"][: len(GROUPS) + 1])
    assert float(results["rows"][0][mse][1]) < float(results["rows"][len(GROUPS) + 1][mse][1])
    assert "good: best in 4 of 4 groups on mse, in 4 of 4 on mae" in page
    assert "bad: best in 0 of 4 groups on mse, in 0 of 4 on mae" in page


def test_the_report_names_the_command_line_and_inputs(tmp_path: Path) -> None:
    csv = hostile_csv(tmp_path)
    out = tmp_path / "report.html"
    done = losscli_process("evaluate", str(csv), *ARGS, "-o", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    inputs = page[page.index('<section id="inputs">') : page.index('<section id="verdict">')]
    assert f"losscli evaluate {csv} --pred good --pred bad -g g --compare --ci" in inputs
    size = csv.stat().st_size / 1024
    assert f"<code>{csv}</code> {size:,.1f} KB, 120 rows" in inputs
    assert "good (reference), bad" in inputs and "mse, mae" in inputs
    assert "g: 4 groups" in inputs and "95% (normal)" in inputs
