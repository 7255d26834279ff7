"""The HTML report's diagrams: reliability diagrams (--calibration), residual histograms
(--residuals) and ROC and precision-recall curves (--curves; on for -f html where roc_auc
is a loss), each an image with a description, drawn for the rows the text draws, their
numbers those of the JSON of the same run."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import Result
from test_html_report import HOSTILE

from losscli.render.html.residuals import BARS


def predictions(tmp_path: Path, n: int = 600) -> Path:
    """Two classifiers and a regression on three groups, one named as markup."""
    rng = np.random.default_rng(0)
    p = rng.beta(2, 3, n)
    y = rng.lognormal(2, 0.5, n)
    frame = pd.DataFrame(
        {
            "g": rng.choice(["north", "south", HOSTILE], n),
            "label": (rng.uniform(size=n) < p).astype(int),
            "good": p,
            "poor": np.round(np.clip(p + rng.normal(0, 0.25, n), 0, 1), 2),
            "y": y,
            "pred": y + rng.standard_t(3, n),
            "w": rng.uniform(0.5, 2, n),
        }
    )
    frame.loc[frame.index[:5], "pred"] = frame.y[:5]  # e = 0 exactly: a bin of its own
    path = tmp_path / "preds.csv"
    frame.to_csv(path, index=False)
    return path


CLASSIFIERS = ("-l", "label", "-p", "good", "-p", "poor", "-g", "g", "-w", "w")
REGRESSION = ("-l", "y", "-p", "pred", "-g", "g", "-w", "w")


class Marks(HTMLParser):
    """Per ``<svg>`` (in order): its class, its ``data-`` attributes and those of the marks
    inside it, each with its tag and class."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[dict[str, Any]] = []
        self.section = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self.section = found.get("id") or ""
        elif tag == "svg":
            self.charts.append({"section": self.section, **found, "marks": []})
        elif self.charts and any(k.startswith("data-") for k in found):
            self.charts[-1]["marks"].append({"tag": tag, **found})


def charts(page: str, section: str) -> list[dict[str, Any]]:
    parser = Marks()
    parser.feed(page)
    return [c for c in parser.charts if c["section"] == section]


def both(run: Callable[..., Result], path: Path, *args: str) -> tuple[str, dict[str, Any]]:
    """The report and the JSON document of one run."""
    out = path.parent / "report.html"
    done = run("evaluate", str(path), *args, "-o", str(out))
    assert done.exit_code == 0, done.output
    document = json.loads(run("evaluate", str(path), *args, "-f", "json").stdout)
    return out.read_text(encoding="utf-8"), document


def test_reliability_diagrams_show_the_json_bins_and_ece(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    page, document = both(run, predictions(tmp_path), *CLASSIFIERS, "--calibration")
    drawn = charts(page, "calibration")
    records = [r["calibration"] for r in document["diagrams"]]
    assert len(drawn) == len(records) == 2 * 4  # 2 models × (3 groups + overall)
    for chart, record in zip(drawn, records, strict=True):
        assert chart["role"] == "img" and "reliability" in chart["class"]
        assert float(chart["data-ece"]) == record["ece"]
        bins = [b for b in record["bins"] if b["count"]]
        assert len(chart["marks"]) == len(bins)
        for mark, b in zip(chart["marks"], bins, strict=True):
            assert (float(mark["data-low"]), float(mark["data-high"])) == (b["low"], b["high"])
            assert int(mark["data-count"]) == b["count"]
            assert float(mark["data-weight"]) == b["weight"]
            assert float(mark["data-predicted"]) == b["mean_predicted"]
            assert float(mark["data-observed"]) == b["observed"]
    assert page.index('id="charts"') < page.index('id="calibration"')


def test_residual_histograms_merge_the_json_bins_exactly_and_mark_the_quantiles(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    page, document = both(run, predictions(tmp_path), *REGRESSION, "--residuals")
    drawn = charts(page, "residuals")
    records = [r["residuals"] for r in document["diagrams"]]
    assert len(drawn) == len(records) == 4
    for chart, record in zip(drawn, records, strict=True):
        assert chart["role"] == "img" and float(chart["data-mean"]) == record["mean"]
        bars = [m for m in chart["marks"] if "data-count" in m]
        inner = [m for m in bars if m["tag"] == "rect"]
        assert 1 < len(inner) <= BARS + 1
        bins = record["bins"]
        assert sum(int(m["data-count"]) for m in bars) == sum(b["count"] for b in bins)
        for bar in bars:  # each bar: the bins within its range, no more, no less
            low, high = float(bar["data-low"]), float(bar["data-high"])
            inside = [b for b in bins if low <= b["low"] and b["high"] <= high]
            assert int(bar["data-count"]) == sum(b["count"] for b in inside)
            assert float(bar["data-weight"]) == pytest.approx(sum(b["weight"] for b in inside))
        quantiles = {m["data-q"]: m for m in chart["marks"] if "data-q" in m}
        for name, q in record["quantiles"].items():
            if name + "%" in quantiles:
                mark = quantiles[name + "%"]
                assert float(mark["data-value"]) == q["value"]
                assert float(mark["data-bound"]) == q["bound"]
        assert "50%" in quantiles


def test_a_few_rows_far_out_are_counted_off_the_axis(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    y = np.linspace(0, 10, 1000)
    frame = pd.DataFrame({"y": y, "pred": y + np.random.default_rng(1).normal(0, 1, 1000)})
    frame.loc[0, "pred"] = -1e6  # e = 1e6: one row far out
    frame.to_csv(tmp_path / "far.csv", index=False)
    page, _ = both(run, tmp_path / "far.csv", "--residuals")
    (chart,) = charts(page, "residuals")
    (tail,) = [m for m in chart["marks"] if "tail" in m.get("class", "")]
    assert int(tail["data-count"]) == 1 and float(tail["data-high"]) == 1e6
    assert "1 row above the axis" in page


def test_curves_show_the_json_auc_and_average_precision_by_default_with_roc_auc(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    page, document = both(run, predictions(tmp_path), *CLASSIFIERS, "-m", "mse,roc_auc")
    assert "curves" not in document  # JSON carries them only when asked
    asked = (*CLASSIFIERS, "-m", "roc_auc", "-f", "json", "--curves")
    document = json.loads(run("evaluate", str(tmp_path / "preds.csv"), *asked).stdout)
    roc, pr = charts(page, "curves")[::2], charts(page, "curves")[1::2]
    records = document["curves"]
    assert len(roc) == len(pr) == len(records) == 8
    aucs = [r["metrics"]["roc_auc"] for r in document["rows"]]
    for a, b, record, auc in zip(roc, pr, records, aucs, strict=True):
        assert "roc" in a["class"] and "precision-recall" in b["class"]
        (curve,) = record["curves"]
        assert float(a["marks"][0]["data-auc"]) == curve["roc_auc"] == pytest.approx(auc)
        assert float(b["marks"][0]["data-ap"]) == curve["average_precision"]
        assert int(a["marks"][0]["data-drawn"]) == len(curve["roc"]["fpr"])
    section = page[page.index('id="curves"') :]
    assert "AUC" in section and "AP" in section and "&lt;script&gt;" in section


def test_curves_are_drawn_only_when_asked_or_implied(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    path = predictions(tmp_path)
    page, _ = both(run, path, *CLASSIFIERS, "-m", "mse")
    assert 'id="curves"' not in page
    page, _ = both(run, path, *CLASSIFIERS, "-m", "mse", "--curves")
    assert len(charts(page, "curves")) == 16
    page, _ = both(run, path, *CLASSIFIERS, "-m", "roc_auc", "--no-curves")
    assert 'id="curves"' not in page
    done = run("evaluate", str(path), *CLASSIFIERS, "--curves", "-f", "csv")
    assert "CSV has no place for --curves" in done.stderr


def test_diagrams_follow_max_rows_as_the_text_does(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    path = predictions(tmp_path)
    args = (*CLASSIFIERS, "-m", "roc_auc", "--calibration", "--max-rows", "1")
    page, _ = both(run, path, *args)
    text = run("evaluate", str(path), *args, "-f", "table").stdout
    titles = re.findall(r"Reliability diagram, (.*)", text)
    assert len(titles) == 4  # per model: one group and the overall row
    assert len(charts(page, "calibration")) == 4 and len(charts(page, "curves")) == 8
    captions = re.findall(r'<section id="calibration">.*?</section>', page, flags=re.S)[0]
    for title in titles:
        assert title.replace("<", "&lt;").replace(">", "&gt;") in captions


def test_every_diagram_is_an_image_with_a_title_and_a_description(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    path = predictions(tmp_path)
    page, _ = both(run, path, *CLASSIFIERS, "-m", "roc_auc", "--calibration")
    regression, _ = both(run, path, *REGRESSION, "--residuals")
    for html in (page, regression):
        for name in ("calibration", "residuals", "curves"):
            section = re.findall(rf'<section id="{name}">.*?</section>', html, flags=re.S)
            for chart in re.findall(r"<svg\b.*?</svg>", "".join(section), flags=re.S):
                assert 'role="img"' in chart
                desc = re.search(r"<desc>(.+?)</desc>", chart)
                assert re.search(r"<title>.+?</title>", chart) and desc
                assert len(desc.group(1)) > 80  # says what the chart shows, with its numbers
