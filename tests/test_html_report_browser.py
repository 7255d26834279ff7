"""The HTML report as a person sees it: opened in headless Chromium (skipped, with the
reason, where Chromium is not installed), at a phone's and a desktop's width."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import Browser, Page, find_chromium
from conftest import html_reports, losscli_process
from test_html_report import ARGS, GROUPS, hostile_csv

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "model_comparison.csv"
# The case: two models of the sample data, by segment, compared, with intervals.
DONE_WHEN = ("--pred", "gbm", "--pred", "baseline", "-g", "segment", "--compare", "--ci")
PHONE, DESKTOP = 390, 1280


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    with Browser(CHROMIUM) as opened:
        yield opened


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    done = losscli_process("evaluate", str(SAMPLE), *DONE_WHEN, "-o", str(out))
    assert done.returncode == 0, done.stderr
    return out


def opened(browser: Browser, path: Path, width: int) -> Page:
    page = browser.new_page()
    page.open(path.as_uri(), width=width, mobile=width == PHONE)
    return page


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_report_opens_in_chromium_without_console_errors_or_network_requests(
    browser: Browser, sample_report: Path, width: int
) -> None:
    page = opened(browser, sample_report, width)
    assert page.console_errors() == []
    assert page.requests() == [sample_report.as_uri()]


def test_the_report_shows_its_table_charts_comparisons_and_verdict_in_chromium(
    browser: Browser, sample_report: Path
) -> None:
    page = opened(browser, sample_report, DESKTOP)
    found = page.evaluate(
        """({
        title: document.title,
        verdict: document.querySelector('#verdict').innerText,
        rows: document.querySelectorAll('#table table.results tbody tr').length,
        headers: [...document.querySelectorAll('#table th')].map(th => th.innerText),
        bars: document.querySelectorAll('#charts svg[role=img] rect').length,
        forests: document.querySelectorAll('#comparisons svg.forest[role=img]').length,
        descriptions: [...document.querySelectorAll('svg[role=img] desc')].map(d => d.textContent),
        compared: document.querySelectorAll('#comparisons table tbody tr').length,
        })"""
    )
    assert found["title"].startswith("losscli report")
    assert "baseline vs gbm, mse" in found["verdict"] and "worse" in found["verdict"]
    assert found["rows"] == 8  # 2 models × (3 segments + overall)
    assert "mse ↓" in found["headers"][3]
    assert found["bars"] == 2 * 2 * 4  # per loss: 2 models × (3 segments + overall)
    assert found["forests"] == 2 and found["compared"] == 8
    assert len(found["descriptions"]) == 4 and all(found["descriptions"])


def test_the_report_never_scrolls_sideways_on_a_phone(
    browser: Browser, sample_report: Path, tmp_path: Path
) -> None:
    page = opened(browser, sample_report, PHONE)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == PHONE
    for name, width in (("phone", PHONE), ("desktop", DESKTOP)):
        page.open(sample_report.as_uri(), width=width, mobile=width == PHONE)
        shot = tmp_path / f"{name}.png"
        page.screenshot(shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(shot.read_bytes()[16:20], "big") == width  # the PNG's width


def test_the_report_follows_dark_mode_and_prints_dark_on_white(
    browser: Browser, sample_report: Path
) -> None:
    page = browser.new_page()
    body = "getComputedStyle(document.body)"
    colours = f"[{body}.backgroundColor, {body}.color]"
    dark = [{"name": "prefers-color-scheme", "value": "dark"}]
    page.call("Emulation.setEmulatedMedia", features=dark)
    page.open(sample_report.as_uri(), width=DESKTOP)
    assert page.evaluate(colours) == ["rgb(13, 17, 23)", "rgb(230, 237, 243)"]
    page.call("Emulation.setEmulatedMedia", media="print", features=dark)
    assert page.evaluate(colours) == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]
    boxes = "getComputedStyle(document.querySelector('#table .scroll')).overflowX"
    assert page.evaluate(boxes) == "visible"  # a printed table is whole, not scrolled
    page.call("Emulation.setEmulatedMedia", media="", features=[])
    page.open(sample_report.as_uri(), width=DESKTOP)
    assert page.evaluate(colours) == ["rgb(255, 255, 255)", "rgb(27, 31, 36)"]


def test_the_table_sorts_by_any_column_in_chromium(browser: Browser, sample_report: Path) -> None:
    page = opened(browser, sample_report, DESKTOP)
    read = "[...document.querySelectorAll('table.results tbody tr')].map(r => r.cells[3].dataset.v)"
    page.evaluate("document.querySelectorAll('table.results th button')[3].click()")
    ascending = [float(v) for v in page.evaluate(read)]
    assert ascending == sorted(ascending)
    page.evaluate("document.querySelectorAll('table.results th button')[3].click()")
    assert [float(v) for v in page.evaluate(read)] == sorted(ascending, reverse=True)


def test_the_numbers_chromium_shows_equal_the_json_result_of_the_same_run(
    browser: Browser, sample_report: Path
) -> None:
    page = opened(browser, sample_report, DESKTOP)
    shown: list[dict[str, Any]] = page.evaluate(
        """[...document.querySelectorAll('table.results tbody tr')].map(r => {
            const heads = [...document.querySelectorAll('table.results th')];
            return Object.fromEntries([...r.cells].map((c, i) =>
                [heads[i].innerText, c.dataset.v === undefined ? c.innerText : c.dataset.v]));
        })"""
    )
    done = losscli_process("evaluate", str(SAMPLE), *DONE_WHEN, "-f", "json")
    rows = json.loads(done.stdout)["rows"]
    assert len(shown) == len(rows)
    for cells, row in zip(shown, rows, strict=True):
        assert cells["model"] == row["pred"] and int(cells["n"]) == row["n"]
        for loss, value in row["metrics"].items():
            assert float(cells[f"{loss} ↓"]) == value
            assert float(cells[f"{loss} low"]) == row["intervals"][loss]["low"]
            assert float(cells[f"{loss} high"]) == row["intervals"][loss]["high"]


def test_a_script_in_a_group_name_shows_as_text_in_chromium(
    browser: Browser, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    done = losscli_process("evaluate", str(hostile_csv(tmp_path)), *ARGS, "-o", str(out))
    assert done.returncode == 0, done.stderr
    page = opened(browser, out, DESKTOP)
    texts = page.evaluate(
        "[...document.querySelectorAll('table.results tbody tr')].map(r => r.cells[1].innerText)"
    )
    assert set(GROUPS) <= set(texts)
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("document.querySelectorAll('img, b').length") == 0
    dialogs = [e for e in browser.events if e["method"] == "Page.javascriptDialogOpening"]
    assert dialogs == [] and page.console_errors() == []


DATA = SAMPLE.parent
# The diagrams: a binary classifier by plan (calibration; curves with roc_auc), a
# multi-class one (one curve per class), and the sample's regression (residuals).
DIAGRAM_RUNS = {
    "churn": (str(DATA / "churn.csv"), "-l", "churned", "-p", "p_churn", "-g", "plan",
              "-m", "roc_auc,ece", "--calibration"),
    "animals": (str(DATA / "animals.csv"), "-l", "species", "--probs", "p_*", "-m", "roc_auc",
                "--calibration"),
    "residuals": (str(SAMPLE), *DONE_WHEN, "--residuals"),
}  # fmt: skip


@pytest.fixture(scope="module")
def diagram_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return html_reports(tmp_path_factory.mktemp("diagrams"), DIAGRAM_RUNS)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_diagrams_open_in_chromium_without_console_errors_network_or_sideways_scrolling(
    browser: Browser, diagram_reports: dict[str, Path], width: int
) -> None:
    for path in diagram_reports.values():
        page = opened(browser, path, width)
        assert page.console_errors() == []
        assert page.requests() == [path.as_uri()]
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1] == width


def test_chromium_finds_the_reliability_diagrams_curves_and_residual_histograms(
    browser: Browser, diagram_reports: dict[str, Path], tmp_path: Path
) -> None:
    find = """({
        reliability: document.querySelectorAll('#calibration svg.reliability[role=img]').length,
        points: document.querySelectorAll('#calibration svg.reliability circle').length,
        roc: [...document.querySelectorAll('#curves svg.roc[role=img]')].map(
            s => s.querySelectorAll('path.curve').length),
        pr: document.querySelectorAll('#curves svg.precision-recall[role=img]').length,
        legend: [...document.querySelectorAll('#curves .legend')].map(l => l.innerText),
        histograms: document.querySelectorAll('#residuals svg.residuals[role=img]').length,
        bars: document.querySelectorAll('#residuals svg.residuals rect.bin').length,
        quantiles: document.querySelectorAll('#residuals svg.residuals path.quantile').length,
        drawn: [...document.querySelectorAll('#curves svg, #calibration svg, #residuals svg')]
            .every(s => s.getBoundingClientRect().width > 200),
        })"""
    churn = opened(browser, diagram_reports["churn"], DESKTOP).evaluate(find)
    assert churn["reliability"] == 4 and churn["points"] > 20  # 3 plans + overall
    assert churn["roc"] == [1, 1, 1, 1] and churn["pr"] == 4
    assert all(text.startswith(("AUC ", "AP ")) for text in churn["legend"]) and churn["drawn"]
    animals = opened(browser, diagram_reports["animals"], DESKTOP).evaluate(find)
    assert animals["roc"] == [3] and animals["reliability"] == 1  # one line per class
    assert [t.count("AUC") for t in animals["legend"][::2]] == [3]
    regression = opened(browser, diagram_reports["residuals"], PHONE)
    found = regression.evaluate(find)
    assert found["histograms"] == 8 and found["bars"] > 8 * 10  # 2 models × (3 + overall)
    assert found["quantiles"] == 8 * 5 and found["roc"] == [] and found["drawn"]
    shot = tmp_path / "phone.png"
    regression.screenshot(shot)
    assert int.from_bytes(shot.read_bytes()[16:20], "big") == PHONE
