"""The report's confusion heat maps as a person sees them: opened in headless Chromium
(skipped, with the reason, where Chromium is not installed), at a phone's and a desktop's
width, each cell's colour as strong as its share of the matrix's largest value."""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium import Browser
from conftest import html_reports
from test_html_report_browser import (  # the browser: a fixture of that module's, shared
    DESKTOP,
    PHONE,
    browser,  # noqa: F401
    opened,
    pytestmark,  # noqa: F401 (skipped where Chromium is not installed)
)

DATA = Path(__file__).resolve().parent.parent / "sample_data"
RUNS = {
    "animals": (str(DATA / "animals.csv"), "-l", "species", "--probs", "p_*", "-g", "site",
                "--confusion-normalize", "true"),
    "churn": (str(DATA / "churn.csv"), "-l", "churned", "-p", "p_churn", "--confusion",
              "--threshold", "0.3"),
}  # fmt: skip
FIND = """({
    maps: document.querySelectorAll('#confusion svg.confusion[role=img]').length,
    cells: [...document.querySelectorAll('#confusion svg.confusion')].map(
        s => s.querySelectorAll('rect.cell').length),
    opacity: [...[...document.querySelectorAll('#confusion svg.confusion')].pop()
        .querySelectorAll('rect.cell')].map(r => [parseFloat(getComputedStyle(r).fillOpacity),
                                                  parseFloat(r.dataset.share || r.dataset.count)]),
    width: [...document.querySelectorAll('#confusion svg.confusion')].map(
        s => s.getBoundingClientRect().width),
    scroll: [document.documentElement.scrollWidth, window.innerWidth],
})"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return html_reports(tmp_path_factory.mktemp("confusion"), RUNS)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_heat_maps_open_in_chromium_each_cell_as_strong_as_its_value(
    browser: Browser,  # noqa: F811 (the fixture)
    reports: dict[str, Path],
    width: int,
    tmp_path: Path,
) -> None:
    for name, path in reports.items():
        page = opened(browser, path, width)
        assert page.console_errors() == []
        assert page.requests() == [path.as_uri()]
        found = page.evaluate(FIND)
        assert found["scroll"][0] <= found["scroll"][1] == width  # never sideways
        if name == "animals":
            assert found["maps"] == 4 and found["cells"] == [9] * 4  # 3 sites and overall
        else:
            assert found["maps"] == 1 and found["cells"] == [4]
        assert all(w > 120 for w in found["width"])  # the natural size, or the page's
        values = [value for _, value in found["opacity"]]
        strongest = max(values)
        for opacity, value in found["opacity"]:
            assert opacity == pytest.approx(0.08 + 0.92 * value / strongest, abs=1e-3)
        shot = tmp_path / f"{name}-{width}.png"  # (kept by pytest's tmp_path for a look)
        page.screenshot(shot)
        assert int.from_bytes(shot.read_bytes()[16:20], "big") == width
