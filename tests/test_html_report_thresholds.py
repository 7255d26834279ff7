"""The report's thresholds (``--thresholds``) as a person sees them: opened in headless
Chromium (skipped, with the reason, where Chromium is not installed), at a phone's and a
desktop's width: a table per binary model's row, each threshold's measures the JSON's of
the same run, the objective's best marked and in bold; and no text after the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chromium import Browser
from conftest import html_reports, losscli_process
from test_html_report_browser import (  # the browser: a fixture of that module's, shared
    DESKTOP,
    PHONE,
    browser,  # noqa: F401
    opened,
    pytestmark,  # noqa: F401 (skipped where Chromium is not installed)
)

CHURN = str(Path(__file__).resolve().parent.parent / "sample_data" / "churn.csv")
ARGS = (CHURN, "-l", "churned", "-p", "p_churn", "-g", "plan", "--thresholds", "0.2,0.5,0.7")
RUNS = {"f1": ARGS, "cost": (*ARGS, "--thresholds-objective", "cost:fp=1,fn=5")}
FIND = """({
    intro: document.querySelector('#thresholds p.muted').textContent,
    titles: [...document.querySelectorAll('#thresholds h3')].map(h => h.textContent),
    heads: [...document.querySelectorAll('#thresholds table')].map(t =>
        [...t.tHead.rows[0].cells].map(c => c.textContent)),
    values: [...document.querySelectorAll('#thresholds table')].map(t =>
        [...t.tBodies[0].rows].map(r => [...r.cells].slice(0, -1).map(
            c => c.dataset.v === '' ? null : parseFloat(c.dataset.v)))),
    best: [...document.querySelectorAll('#thresholds table')].map(t =>
        [...t.tBodies[0].rows].map(r => r.cells[r.cells.length - 1].textContent)),
    bold: [...document.querySelectorAll('#thresholds tr.chosen td')].map(
        c => getComputedStyle(c).fontWeight),
    scroll: [document.documentElement.scrollWidth, window.innerWidth],
})"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return html_reports(tmp_path_factory.mktemp("thresholds"), RUNS)


def json_thresholds(args: tuple[str, ...]) -> list[list[dict[str, object]]]:
    done = losscli_process("evaluate", *args, "-f", "json")
    assert done.returncode == 0, done.stderr
    return [row["thresholds"] for row in json.loads(done.stdout)["rows"]]


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_thresholds_section_shows_each_rows_table_with_the_objectives_best_marked(
    browser: Browser,  # noqa: F811 (the fixture)
    reports: dict[str, Path],
    width: int,
) -> None:
    for name, path in reports.items():
        page = opened(browser, path, width)
        assert page.console_errors() == []
        found = page.evaluate(FIND)
        assert found["scroll"][0] <= found["scroll"][1] == width  # never sideways
        groups = ["plan=basic", "plan=plus", "plan=premium", "overall"]
        assert [t.rsplit(" · ", 1)[1] for t in found["titles"]] == groups
        measures = ["precision", "recall", "F1", "FPR", "predicted +"]
        extra = ["cost"] if name == "cost" else []
        assert found["heads"] == [["threshold", *measures, *extra, "best"]] * 4
        side = "lowest cost (cost:fp=1,fn=5)" if name == "cost" else "highest F1"
        assert found["intro"].endswith(f"marked best: the threshold with the {side}.")
        fields = ["threshold", "precision", "recall", "f1", "fpr", "predicted_positive", *extra]
        for table, best, row in zip(
            found["values"], found["best"], json_thresholds(RUNS[name]), strict=True
        ):
            assert table == [[t[f] for f in fields] for t in row]  # every value whole
            assert best == ["best" if t["chosen"] else "" for t in row]
        assert found["bold"] == ["700"] * (len(fields) + 1) * 4  # one chosen row each


def test_the_report_ends_with_the_page_and_a_regression_has_no_thresholds_section(
    tmp_path: Path,
) -> None:
    made = html_reports(tmp_path, {"f1": ARGS, "two": (*ARGS, "--max-rows", "2")})
    page = made["f1"].read_text(encoding="utf-8")
    assert page.endswith("</html>\n")  # the text's thresholds lines once followed it
    assert page.count('<table class="sortable thresholds">') == 4
    assert made["two"].read_text(encoding="utf-8").count("sortable thresholds") == 3
    plain = losscli_process("evaluate", CHURN, "-l", "churned", "-p", "p_churn", "-f", "html")
    assert plain.returncode == 0 and 'id="thresholds"' not in plain.stdout
