"""--confusion in every output: JSON per row (every class), --table confusion a row per cell
in CSV, TSV, Parquet and JSON, the table and markdown the matrices (at most 50 classes,
class names literal), the HTML report a heat map per row; and the command line's usage."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import read_back, rendered, write_table
from scipy.special import softmax

from losscli import evaluate
from losscli.render import text as text_module
from losscli.render.json_rows import json_pieces
from losscli.render.literal import markdown, visible
from losscli.render.tables import table_columns
from losscli.render.text import json_text

HOSTILE = ("<script>alert(1)</script>", "a|b*c_", "\x1b[31mred")


def classified(tmp_path: Path, classes: tuple[str, ...], n: int = 600, seed: int = 0) -> Path:
    """Multi-class probabilities of ``classes``, weighted, by site, as Parquet."""
    rng = np.random.default_rng(seed)
    k = len(classes)
    label = rng.integers(0, k, n)
    p = softmax(rng.normal(0, 1, (n, k)) + 2 * np.eye(k)[label], axis=1)
    frame = pd.DataFrame(p, columns=[f"p_{c}" for c in classes])
    frame["label"] = np.array(classes, dtype=object)[label]
    frame["w"] = rng.uniform(0.5, 2, n)
    frame["site"] = rng.choice(["forest", "village"], n)
    return write_table(frame, tmp_path / "animals.parquet")


OPTIONS = {"label": "label", "probs": "p_*", "weight": "w", "group_by": "site"}


@pytest.mark.parametrize(
    ("normalize", "classes"), [(None, ("cat", "dog", "fox")), ("pred", HOSTILE)]
)
def test_json_has_each_rows_matrix_as_the_document_and_the_stream_write_it(
    tmp_path: Path, normalize: str | None, classes: tuple[str, ...]
) -> None:
    path = classified(tmp_path, classes)
    result = evaluate(str(path), confusion=True, confusion_normalize=normalize, **OPTIONS)
    document = result.to_dict()
    for row, matrix in zip(document["rows"], result.confusion, strict=True):
        assert row["confusion"] == {
            "classes": list(classes),
            "matrix": matrix.matrix.tolist(),
            "normalize": normalize,
        }
    for shown in (result, result.ranked("mse", 1)):
        assert rendered("json", shown) == json_text(shown.to_dict())
        assert "".join(json_pieces(shown, text_module.SLICE_ROWS)) == json_text(shown.to_dict())


def test_json_keeps_every_class_where_the_table_shows_fifty(tmp_path: Path) -> None:
    classes = tuple(f"c{k:02d}" for k in range(60))
    path = classified(tmp_path, classes, n=1200)
    result = evaluate(str(path), confusion=True, losses="accuracy", **OPTIONS)
    row = result.to_dict()["rows"][-1]
    assert len(row["confusion"]["classes"]) == 60 and len(row["confusion"]["matrix"][59]) == 60
    table = rendered("table", result)
    assert table.count("the first 50 of 60 classes are shown") == 3
    header = next(line for line in table.splitlines() if line.strip().startswith("true \\ pred"))
    assert "c49" in header and "c50" not in header
    md = rendered("markdown", result)
    assert md.count("The first 50 of 60 classes are shown") == 3
    assert md.count("| **c49** |") == 3 and "**c50**" not in md
    report = rendered("html", result)
    assert report.count("the first 50 of 60 classes are drawn (10 left out)") == 3
    assert report.count('data-true="c49" data-pred="c49"') == 3 and 'data-true="c50"' not in report


def table_of(result: Any, fmt: str) -> list[dict[str, Any]]:
    """``--table confusion`` written by ``fmt``, read back as records of text."""
    if fmt == "parquet":
        from losscli.render.parquet import to_arrow

        table = to_arrow(result, "confusion")
        return [{k: str(v) for k, v in row.items()} for row in table.to_pylist()]
    text = rendered(fmt, result, table="confusion")
    if fmt == "json":
        return [
            {
                **{k: str(v) for k, v in r.items() if k != "group"},
                "scope": "overall" if r["group"] is None else "group",
            }
            for r in json.loads(text)["confusion"]
        ]
    return read_back(text, "," if fmt == "csv" else "\t")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "json"])
@pytest.mark.parametrize("normalize", [None, "true"])
def test_the_confusion_table_has_a_row_per_cell_in_every_format(
    tmp_path: Path, fmt: str, normalize: str | None
) -> None:
    path = classified(tmp_path, ("cat", "dog", "fox"))
    result = evaluate(str(path), confusion=True, confusion_normalize=normalize, **OPTIONS)
    rows = table_of(result, fmt)
    assert len(rows) == 3 * 9  # two sites and the overall row, 3 × 3 cells each
    fields = ["true_class", "pred_class", "count", *(["share"] if normalize else [])]
    if fmt in ("csv", "tsv"):
        assert list(rows[0]) == ["file", "pred", "scope", "site", *fields]
    for m, matrix in enumerate(result.confusion):
        cells = rows[9 * m : 9 * (m + 1)]
        assert {r["scope"] for r in cells} == {"group" if matrix.group else "overall"}
        assert [(r["true_class"], r["pred_class"]) for r in cells] == [
            (t, p) for t in ("cat", "dog", "fox") for p in ("cat", "dog", "fox")
        ]
        counts = [float(r["count"]) for r in cells]
        assert counts == matrix.counts.reshape(-1).tolist()  # written whole, read back exactly
        if normalize:
            assert [float(r["share"]) for r in cells] == matrix.matrix.reshape(-1).tolist()


def test_the_table_and_markdown_show_the_matrices_with_their_classes_literally(
    tmp_path: Path,
) -> None:
    path = classified(tmp_path, HOSTILE)
    options = {**OPTIONS, "weight": None}  # counts: whole numbers
    result = evaluate(str(path), confusion=True, losses="accuracy", **options)
    counts = result.confusion[-1].counts.astype(int)
    for charset in ("utf-8", "ascii"):
        table = rendered("table", result, charset)
        md = rendered("markdown", result, charset)
        for name in HOSTILE:
            assert visible(name, charset) in table
            assert f"| **{markdown(name, charset)}** |" in md
        assert "\x1b" not in table + md and "<script>" not in md
        overall = table[table.index("Confusion matrix, ") :].split("Confusion matrix, ")[-1]
        lines = overall.splitlines()[3:6]
        assert [[int(v) for v in line.split()[-3:]] for line in lines] == counts.tolist()
    assert "rows: true class, columns: predicted (the most probable); counts\n" in table


def test_a_binary_matrix_says_its_threshold_and_shares(tmp_path: Path) -> None:
    frame = pd.DataFrame({"y": [0, 0, 1, 1, 1], "p": [0.1, 0.35, 0.3, 0.8, 0.5]})
    result = evaluate(frame, label="y", pred="p", confusion_normalize="true", threshold=0.3)
    table = rendered("table", result)
    assert "columns: predicted (1 where p > 0.3); shares of each true class" in table
    assert result.to_dict()["rows"][0]["confusion"]["threshold"] == 0.3
    # true 0: 0.1 → 0, 0.35 → 1; true 1: 0.3 → 0 (not above 0.3), 0.8 and 0.5 → 1
    assert result.confusion[0].matrix.tolist() == [[0.5, 0.5], [1 / 3, 2 / 3]]


def test_the_command_line_prints_the_matrices_after_the_table(run: Any, tmp_path: Path) -> None:
    path = classified(tmp_path, ("cat", "dog", "fox"))
    args = ("evaluate", str(path), "-l", "label", "--probs", "p_*", "-g", "site")
    shown = run(*args, "--confusion-normalize", "all", "-f", "table")
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.index("overall") < shown.stdout.index("Confusion matrix, ")
    assert shown.stdout.count("Confusion matrix, ") == 3
    assert "shares of the whole (all cells sum to 1)" in shown.stdout
    few = run(*args, "--confusion", "-f", "markdown", "--max-rows", "1")
    assert few.stdout.count("**Confusion matrix, ") == 2  # one site, and the overall row
    csv = run(*args, "--confusion", "-f", "csv")
    assert csv.exit_code == 0 and "Confusion" not in csv.stdout
    assert "CSV has no place for --confusion's matrices: --table confusion" in csv.stderr
    cells = run(*args, "--confusion", "--table", "confusion", "-f", "tsv")
    assert cells.exit_code == 0 and cells.stderr == ""
    assert cells.stdout.splitlines()[0].split("\t") == [
        "file", "pred", "scope", "site", "true_class", "pred_class", "count"
    ]  # fmt: skip
    alone = run(*args, "--confusion", "--table", "confusion", "-f", "table")
    assert alone.stdout.startswith("Confusion matrix, ") and "mse" not in alone.stdout


def test_the_confusion_table_needs_confusion(run: Any, tmp_path: Path) -> None:
    path = classified(tmp_path, ("cat", "dog"))
    refused = run("evaluate", str(path), "-l", "label", "--probs", "p_*", "--table", "confusion")
    assert refused.exit_code == 2
    assert "--table confusion needs --confusion (or --confusion-normalize)" in refused.stderr
    bad = run("evaluate", str(path), "--threshold", "2")
    assert bad.exit_code == 2 and "'--threshold': 2.0 is not in the range" in bad.stderr


def test_sort_by_and_checks_name_the_loss_at_the_threshold(run: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    p = rng.uniform(size=400)
    frame = pd.DataFrame(
        {"y": (rng.uniform(size=400) < p) * 1, "p": p, "g": rng.choice(list("abcd"), 400)}
    )
    path = write_table(frame, tmp_path / "churn.csv")
    args = ("evaluate", str(path), "-l", "y", "-p", "p", "-g", "g", "--threshold", "0.2")
    done = run(*args, "-m", "precision", "--sort-by", "precision", "--check", "recall>=0.5")
    assert done.exit_code == 0, done.stderr
    header = done.stdout.splitlines()[0].split(",")
    assert header[-2:] == ["precision:threshold=0.2", "recall:threshold=0.2"]
    shown = pd.read_csv(io.StringIO(done.stdout))
    groups = shown[shown.scope == "group"]["precision:threshold=0.2"].tolist()
    assert groups == sorted(groups)  # worst (lowest precision) first


def test_the_html_report_draws_a_heat_map_per_row_with_the_jsons_numbers(tmp_path: Path) -> None:
    from losscli.render.formats import Display
    from losscli.render.html import render_html

    path = classified(tmp_path, HOSTILE)
    result = evaluate(str(path), confusion=True, confusion_normalize="true", **OPTIONS)
    page = render_html(result, Display())
    section = page[page.index('<section id="confusion">') :].split("</section>")[0]
    maps = re.findall(r"<svg class=\"chart confusion\".*?</svg>", section)
    assert len(maps) == 3
    for svg, row in zip(maps, result.to_dict()["rows"], strict=True):
        shares = [float(s) for s in re.findall(r'data-share="([^"]*)"', svg)]
        assert shares == [v for line in row["confusion"]["matrix"] for v in line]
        assert 'role="img"' in svg and "<desc>" in svg
    assert "<script>alert" not in section and "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "\x1b" not in section


def test_no_heat_maps_in_a_report_without_confusion(tmp_path: Path) -> None:
    from losscli.render.formats import Display
    from losscli.render.html import render_html

    result = evaluate(str(classified(tmp_path, ("a", "b"))), **OPTIONS)
    assert 'id="confusion"' not in render_html(result, Display())


def test_parquet_cells_are_typed(tmp_path: Path) -> None:
    path = classified(tmp_path, ("cat", "dog"))
    result = evaluate(str(path), confusion=True, **OPTIONS)
    out = tmp_path / "cells.parquet"
    out.write_bytes(rendered_bytes(result))
    schema = pq.read_schema(out)
    assert str(schema.field("count").type) == "double"
    assert str(schema.field("true_class").type) == "string"


def rendered_bytes(result: Any) -> bytes:
    from losscli.render.formats import FORMATS, Display

    data = FORMATS["parquet"].render(result, Display(table="confusion"))
    assert isinstance(data, bytes)
    return data


def test_the_readmes_confusion_examples_are_the_real_output() -> None:
    """Each command of the README's "Confusion matrix" section prints, after its table, the
    matrix the README shows."""
    import shlex

    from conftest import losscli_process

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Confusion matrix\n", 1)[1].split("\n### ", 1)[0]
    examples = re.findall(r"```console\n\$ (.*?)\n```\n\n```text\n(.*?)```", section, re.S)
    assert len(examples) == 2
    for command, shown in examples:
        args = shlex.split(command)[1:]
        done = losscli_process(*args, "-f", "table", cwd=root)
        assert done.returncode == 0, done.stderr
        assert done.stdout.endswith(shown), done.stdout


def test_a_class_nobody_is_or_predicts_is_a_row_and_column_of_zeros() -> None:
    """As scikit-learn's normalize: a share over nothing is 0, never NaN."""
    frame = pd.DataFrame(
        {
            "label": ["a", "a", "b"],
            "p_a": [0.9, 0.2, 0.4],
            "p_b": [0.1, 0.7, 0.5],
            "p_c": [0.0, 0.1, 0.1],
        }
    )
    for normalize, want in (
        ("true", [[0.5, 0.5, 0], [0, 1, 0], [0, 0, 0]]),
        ("pred", [[1, 0.5, 0], [0, 0.5, 0], [0, 0, 0]]),
    ):
        result = evaluate(frame, label="label", probs="p_*", confusion_normalize=normalize)
        np.testing.assert_allclose(result.confusion[0].matrix, np.array(want, float), rtol=1e-15)
        assert result.to_dict()["rows"][0]["confusion"]["matrix"][2] == [0.0, 0.0, 0.0]


def test_the_table_says_a_regression_has_no_matrix() -> None:
    frame = pd.DataFrame({"y": [1.0, 2.5, 3.0], "p_*": [1.1, 2.0, 3.3], "c": [0.2, 0.9, 0.4]})
    result = evaluate(frame, label="y", pred=["p_*", "c"], confusion=True)
    for fmt, shown in (("table", visible), ("markdown", markdown)):
        text = rendered(fmt, result)
        model = shown("DataFrame[0] · p_*")
        assert f"No confusion matrix for {model}: --confusion is for classifiers" in text
        assert text.count("No confusion matrix for") == 2


def test_the_confusion_table_follows_the_shown_rows_of_every_model(tmp_path: Path) -> None:
    """Two models, their groups ordered and cut by --sort-by/--top: the cells come a shown
    row at a time, in the shown order, each its model's."""
    frame = pd.read_parquet(classified(tmp_path, ("cat", "dog", "fox"), n=900))
    for name in ("cat", "dog", "fox"):
        frame[f"q_{name}"] = frame[f"p_{name}"][::-1].to_numpy()
    frame["site"] = np.random.default_rng(5).choice(list("abcdef"), len(frame))
    options = {**OPTIONS, "probs": ["p_*", "q_*"], "losses": "accuracy"}
    result = evaluate(frame, confusion=True, **options).ranked("accuracy", 2)
    _, columns = table_columns(result, "confusion")
    matrices = result.confusion
    assert len(matrices) == 2 * 3 and len(columns["count"]) == 9 * len(matrices)
    for m, matrix in enumerate(matrices):
        cells = slice(9 * m, 9 * (m + 1))
        assert set(columns["pred"][cells]) == {matrix.pred}
        assert set(columns["site"][cells]) == {
            None if matrix.group is None else matrix.group["site"]
        }
        assert columns["count"][cells].tolist() == matrix.counts.reshape(-1).tolist()


def test_the_streamed_json_writes_binary_matrices_and_rows_without_one_as_the_document() -> None:
    rng = np.random.default_rng(8)
    n = 300
    p = rng.uniform(size=n)
    frame = pd.DataFrame(
        {
            "y": (rng.uniform(size=n) < p) * 1,
            "p": p,
            "q": np.clip(p + rng.normal(0, 0.3, n), 0, 1),
            "r": p * 7 - 1,  # not a probability: a regression, without a matrix
            "w": rng.uniform(0, 1, n),
            "g": rng.choice(["a", "b", "c"], n),
        }
    )
    result = evaluate(
        frame, label="y", pred=["p", "q", "r"], weight="w", group_by="g", losses="mse",
        confusion_normalize="all", threshold=0.25,
    )  # fmt: skip
    rows = result.to_dict()["rows"]
    assert [("confusion" in row) for row in rows] == [True] * 8 + [False] * 4
    assert rows[0]["confusion"]["threshold"] == 0.25
    for shown in (result, result.ranked("mse", -1)):
        assert "".join(json_pieces(shown, 5)) == json_text(shown.to_dict())
