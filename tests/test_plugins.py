"""Custom losses: the definition API, plugin files and packages, check_loss on every loss."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import (
    EXAMPLES,
    install_entry_point,
    losscli_process,
    sales,
    sales_file,
    write_plugin,
    write_table,
)

import losscli
from losscli import plugins
from losscli.errors import PluginFailure
from losscli.losses import REGISTRY, get_loss
from losscli.testing import check_loss

pytestmark = pytest.mark.usefixtures("clean_registry")  # each test: the built-ins only


def load_examples() -> None:
    for name in ("overstock", "linex", "detection"):
        plugins.load_file(str(EXAMPLES / f"{name}.py"))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_builtin_passes_check_loss(name: str) -> None:
    check_loss(name)


@pytest.mark.parametrize("name", ["overstock", "linex", "linex:a=-0.5", "iou_loss", "giou_loss"])
def test_every_example_plugin_passes_check_loss(name: str) -> None:
    load_examples()
    check_loss(name)


def test_overstock_gives_the_numbers_with_groups_and_weights(run: Any, tmp_path: Path) -> None:
    frame, path = sales(tmp_path)
    result = run(
        "evaluate",
        str(path),
        "--plugin",
        str(EXAMPLES / "overstock.py"),
        "-m",
        "overstock",
        "-g",
        "g",
        "-w",
        "w",
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    e = frame.y_pred - frame.y_true
    term = np.where(e > 0, 2 * e, -e)
    rows = json.loads(result.stdout)["rows"]
    for row in rows:
        mask = np.ones(len(frame), bool) if row["group"] is None else frame.g == row["group"]["g"]
        want = np.average(term[mask], weights=frame.w[mask])
        assert row["metrics"]["overstock"] == pytest.approx(want, rel=1e-12)


def test_linex_parameter_and_its_column(run: Any, tmp_path: Path) -> None:
    frame, path = sales(tmp_path)
    result = run(
        "evaluate",
        str(path),
        "--plugin",
        str(EXAMPLES / "linex.py"),
        "-m",
        "linex,linex:a=-0.5",
        "-f",
        "json",
    )
    (row,) = json.loads(result.stdout)["rows"]
    e = (frame.y_pred - frame.y_true).to_numpy()
    for column, a in (("linex", 1.0), ("linex:a=-0.5", -0.5)):
        want = np.mean((np.exp(a * e) - a * e - 1) / a**2)
        assert row["metrics"][column] == pytest.approx(want, rel=1e-9)


def test_a_loss_reads_its_own_columns(run: Any, tmp_path: Path) -> None:
    boxes = pd.DataFrame(
        {
            "y_true": [1.0, 1.0],
            "y_pred": [0.9, 0.8],
            "true_x1": [0, 0],
            "true_y1": [0, 0],
            "true_x2": [2, 1],
            "true_y2": [2, 1],
            "pred_x1": [1, 2],
            "pred_y1": [1, 2],
            "pred_x2": [3, 3],
            "pred_y2": [3, 3],
        }
    )
    path = write_table(boxes, tmp_path / "boxes.csv")
    result = run(
        "evaluate",
        str(path),
        "--plugin",
        str(EXAMPLES / "detection.py"),
        "-m",
        "iou_loss,giou_loss",
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    # box 1: overlap 1, union 7, hull 9 → IoU 1/7, GIoU penalty 2/9; box 2: disjoint, hull 9
    assert row["metrics"]["iou_loss"] == pytest.approx(((1 - 1 / 7) + 1) / 2, rel=1e-12)
    want = ((1 - 1 / 7 + 2 / 9) + (1 + (9 - 2) / 9)) / 2
    assert row["metrics"]["giou_loss"] == pytest.approx(want, rel=1e-12)


def test_a_missing_declared_column_is_an_input_error(run: Any, tmp_path: Path) -> None:
    _, path = sales(tmp_path)
    result = run(
        "evaluate", str(path), "--plugin", str(EXAMPLES / "detection.py"), "-m", "iou_loss"
    )
    assert result.exit_code == 3
    assert "the loss 'iou_loss' (plugin " in result.stderr
    assert "reads the columns 'true_x1', " in result.stderr


def test_plugins_from_the_config_resolve_from_its_directory(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, path = sales(tmp_path)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "mine.py").write_text((EXAMPLES / "overstock.py").read_text())
    (tmp_path / "losscli.toml").write_text('plugins = ["plugins/mine.py"]\nloss = ["overstock"]\n')
    (tmp_path / ".git").mkdir()  # the repository's root: discovery stops there
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result = run("evaluate", str(path), "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].endswith(",n,overstock")


BROKEN = [
    ("raise ImportError('no module named torch')\n", "cannot load: ImportError: no module"),
    (
        """
     @losscli.loss(name="mse", formula="x")
     def mine(y, p):
         return y
     """,
        "loss name(s) 'mse' of plugin ",
    ),
    (
        """
     @losscli.loss(name="bad_shape", formula="x")
     def bad(y, p):
         return np.zeros((len(y), 2))
     """,
        "loss 'bad_shape' returned a term of shape",
    ),
    (
        """
     @losscli.loss(name="not_finite", formula="x")
     def bad(y, p):
         return np.log(y - y)
     """,
        "loss 'not_finite' returned a non-finite term (-inf) at data row 1 of ",
    ),
    (
        """
     @losscli.loss(name="raises", formula="x")
     def bad(y, p):
         raise RuntimeError("boom")
     """,
        "loss 'raises' raised RuntimeError: boom",
    ),
]


@pytest.mark.parametrize(("body", "message"), BROKEN)
def test_a_broken_plugin_is_an_environment_error_naming_it(
    run: Any, tmp_path: Path, body: str, message: str
) -> None:
    _, path = sales(tmp_path)
    plugin = write_plugin(tmp_path, body)
    name = next((n for n in ("bad_shape", "not_finite", "raises") if n in body), "mse")
    result = run("evaluate", str(path), "--plugin", str(plugin), "-m", name)
    assert result.exit_code == 4, result.stderr
    assert result.stderr.startswith(f"losscli: error: plugin {plugin}")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_plugin_cannot_change_a_builtin_value(tmp_path: Path) -> None:
    frame, _ = sales(tmp_path)
    before = losscli.evaluate(frame, losses="mse").rows[-1].metrics["mse"]
    plugins.load_file(
        str(
            write_plugin(
                tmp_path,
                """
        from losscli import Loss, Mean, Terms, Direction, Task

        def same_names(b):
            return Terms(np.full(len(b.y), 1e9))

        losscli.register(Loss("clash", (), "statistics named like MSE's", "x",
                              (Task.REGRESSION,), Direction.LOWER, Mean(same_names)))
        """,
            )
        )
    )
    after = losscli.evaluate(frame, losses="mse,clash").rows[-1].metrics
    assert after["mse"] == before
    assert after["clash"] == pytest.approx(1e9)


def capped_terms(b: Any, *, cap: float) -> losscli.Terms:
    """Σw·min(|e|, cap) over Σw·|y|: a ratio of two sums with a parameter."""
    return losscli.Terms(np.minimum(np.abs(b.p - b.y), cap), np.abs(b.y))


def test_general_shapes_through_the_api(tmp_path: Path) -> None:
    frame, _ = sales(tmp_path)
    losscli.register(
        losscli.Loss(
            "capped_wape",
            (),
            "capped WAPE",
            "Σw·min(|e|, cap) / Σw·|y|",
            (losscli.Task.REGRESSION,),
            losscli.Direction.LOWER,
            losscli.Ratio(capped_terms),
            params=(losscli.Param("cap", 1.0, minimum=0),),
        )
    )
    metrics = losscli.evaluate(frame, losses="capped_wape:cap=2,capped_wape").rows[-1].metrics
    e = np.abs(frame.y_pred - frame.y_true)
    assert metrics["capped_wape:cap=2"] == pytest.approx(
        np.minimum(e, 2).sum() / frame.y_true.sum()
    )
    assert metrics["capped_wape"] == pytest.approx(np.minimum(e, 1).sum() / frame.y_true.sum())
    check_loss("capped_wape:cap=2")


def test_check_loss_says_when_a_loss_does_not_pickle() -> None:
    def local(b: Any) -> losscli.Terms:
        return losscli.Terms(np.abs(b.p - b.y))

    loss = losscli.Loss(
        "local",
        (),
        "",
        "x",
        (losscli.Task.REGRESSION,),
        losscli.Direction.LOWER,
        losscli.Mean(local),
    )
    with pytest.raises(AssertionError, match="does not pickle"):
        check_loss(loss)


def test_an_installed_package_is_found_by_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test distribution on sys.path: importlib.metadata finds its entry point."""
    install_entry_point(tmp_path / "site", (EXAMPLES / "overstock.py").read_text(), monkeypatch)
    assert get_loss("overstock").origin == "plugin package acme_losses"
    frame, _ = sales(tmp_path)
    assert losscli.evaluate(frame, losses="overstock").rows[-1].metrics["overstock"] > 0


# What a plain run leaves unloaded: the plugin machinery, and what costs start-up time and
# a plain run does not use (the gates without a check, the config parser and its trust
# checks without a config file, the temporary-file names of -o, the pandas API, scipy's
# quantiles for --ci, rich's table, the dataset API, which loads pandas).
NOT_LOADED = (
    "losscli.plugins",
    "losscli.define",
    "importlib.metadata",
    "losscli.gating.gates",
    "tomllib",
    "losscli.cli.trust",
    "secrets",
    "pandas",
    "scipy",
    "rich",
    "pyarrow.dataset",
    # object stores (#19): only a URL loads them
    "losscli.reading.stores",
    "losscli.reading.remote",
    "fsspec",
    "s3fs",
    "gcsfs",
    "adlfs",
    "aiohttp",
    "botocore",
)
NOT_LOADED_FOR_VERSION = ("numpy", "pyarrow", "dataclasses", "losscli.api")

# The features a plain run does not use, by option: each is imported where a run asks for it
# (start-up, #18). A feature's module that creeps into every run's imports fails here; a new
# feature adds its modules.
FEATURES = {
    "--calibration, --residuals": (
        "losscli.engine.bins",
        "losscli.result.diagrams",
        "losscli.render.diagrams",
    ),
    "--curves": ("losscli.engine.curves", "losscli.result.curves"),
    "--thresholds": (
        "losscli.result.thresholds",
        "losscli.result.threshold_table",
        "losscli.render.thresholds",
    ),
    "--per-class": ("losscli.result.per_class",),
    "--quantiles": ("losscli.reading.quantiles",),
    "--confusion": ("losscli.result.confusion", "losscli.render.confusion"),
    "--drift": (
        "losscli.engine.drift_spec",
        "losscli.engine.drift",
        "losscli.engine.drift_stats",
        "losscli.result.drift",
        "losscli.render.drift",
    ),
    "--period": (
        "losscli.engine.period_spec",
        "losscli.engine.periods",
        "losscli.engine.period_rows",
        "losscli.engine.period_labels",
        "losscli.engine.period_merge",
        "zoneinfo",
    ),
    "--history (mase, rmsse)": (
        "losscli.engine.series_plan",
        "losscli.reading.history",
        "losscli.engine.history_fold",
        "losscli.engine.history_scale",
        "losscli.engine.series_rows",
        "losscli.engine.series_compare",
    ),
    "--ci, --compare": ("losscli.engine.intervals", "losscli.engine.student"),
    "rank losses (ROC-AUC, average precision)": (
        "losscli.engine.ranks",
        "losscli.engine.rank_precision",
        "losscli.engine.delong",
    ),
    "--compare of rank losses (DeLong's pair tables)": ("losscli.engine.delong_pairs",),
    "r2 (its moments)": ("losscli.engine.moments",),
    "--ci-method bootstrap, and --ci's hidden one (R², F1, …)": (
        "losscli.engine.bootstrap.blas",
        "losscli.engine.bootstrap.cells",
        "losscli.engine.bootstrap.chunk",
        "losscli.engine.bootstrap.replicates",
        "losscli.engine.bootstrap.settle",
        "losscli.engine.bootstrap.weights",
        "losscli.engine.bootstrap.resample",
        "losscli.engine.bootstrap.rank_tables",
        "losscli.engine.rank_intervals",
    ),
    "--compare, --check, --baseline; typed rows": (
        "losscli.result.rows",
        "losscli.result.comparing",
        "losscli.gating.significance",
        "losscli.gating.baseline",
        "shlex",
    ),
    "-f table, markdown, html, parquet; charts": (
        "losscli.render.tables",
        "losscli.render.html",
        "losscli.render.charts",
        "losscli.render.parquet",
    ),
    "-f json": ("losscli.render.json_rows",),
    "2^14 groups or more (sums kept together)": ("losscli.engine.shared_sums",),
}
FEATURE_MODULES = tuple(module for modules in FEATURES.values() for module in modules)


def modules_left_loaded(args: list[str], unwanted: tuple[str, ...], cwd: Path) -> list[str]:
    """The ``unwanted`` modules a run loads, but those that NumPy and pyarrow load by
    themselves where the run needs them anyway (NumPy 1.26 imports ``secrets``)."""
    code = (
        f"import sys; from losscli.cli import run; sys.argv = ['losscli', *{args!r}]\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        f"print(([m for m in {unwanted!r} if m in sys.modules], 'numpy' in sys.modules),"
        " file=sys.stderr)"
    )
    loaded, with_numpy = ast.literal_eval(_last_line(code, cwd))
    if with_numpy and "numpy" not in unwanted:  # then pyarrow too: discount what they load
        bare = "import sys, numpy, pyarrow\nprint(list(sys.modules), file=sys.stderr)"
        theirs = set(ast.literal_eval(_last_line(bare, cwd)))
        loaded = [m for m in loaded if m not in theirs]
    return list(loaded)


def _last_line(code: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd
    )
    return done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("options", [None, ("-f", "csv"), ("-g", "g", "-w", "w", "-f", "csv")])
def test_a_plain_run_imports_no_plugin_machinery_nor_what_it_does_not_use(
    tmp_path: Path, options: tuple[str, ...] | None, fmt: str
) -> None:
    """A plain run (None: ``evaluate --help``), grouped and weighted or not."""
    path = sales_file(tmp_path, fmt)
    args = ["evaluate", "--help"] if options is None else ["evaluate", str(path), *options]
    assert modules_left_loaded(args, NOT_LOADED + FEATURE_MODULES, tmp_path) == []


def test_every_module_the_import_guard_names_exists() -> None:
    """A misspelt or renamed module would pass the guard above for ever."""
    from importlib.util import find_spec

    assert [m for m in FEATURE_MODULES if find_spec(m) is None] == []


# What a small plain run leaves to the runs that need it (start-up, #18): Arrow's compute
# kernels, which format a CSV result only past render.text.PYTHON_CELLS cells, the layout
# of tables and of failed checks, and the reader of the format it does not read.
SMALL_RUN_DEFERS = ("pyarrow.compute", "losscli.render.grid")
OTHER_READER = {
    "csv": ("pyarrow.parquet", "losscli.reading.parquet_source"),
    "parquet": ("pyarrow.csv", "losscli.reading.csv_source"),
}


@pytest.mark.parametrize("output", ["csv", "json"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_small_plain_run_imports_neither_arrow_compute_nor_the_other_formats_reader(
    tmp_path: Path, fmt: str, output: str
) -> None:
    args = ["evaluate", str(sales_file(tmp_path, fmt)), "--threads", "1", "-f", output]
    assert modules_left_loaded(args, SMALL_RUN_DEFERS + OTHER_READER[fmt], tmp_path) == []


def test_version_imports_neither_numpy_nor_pyarrow(tmp_path: Path) -> None:
    assert modules_left_loaded(["--version"], NOT_LOADED_FOR_VERSION, tmp_path) == []


def test_a_plugin_file_that_is_missing(tmp_path: Path) -> None:
    with pytest.raises(PluginFailure, match="no such plugin file"):
        plugins.load_file(str(tmp_path / "nope.py"))


def test_a_plugin_loss_gets_intervals_comparisons_and_gates(run: Any, tmp_path: Path) -> None:
    frame, _ = sales(tmp_path)
    frame["other"] = frame.y_true + 3.0
    path = write_table(frame, tmp_path / "two.csv")
    result = run(
        "evaluate",
        str(path),
        "--plugin",
        str(EXAMPLES / "overstock.py"),
        "-p",
        "y_pred",
        "-p",
        "other",
        "-m",
        "overstock",
        "--ci",
        "--compare",
        "--check",
        "delta:overstock<=0",
        "-f",
        "json",
    )
    assert result.exit_code == 1  # 'other' over-forecasts by 3 everywhere: twice the cost
    document = json.loads(result.stdout)
    interval = document["rows"][0]["intervals"]["overstock"]
    assert interval["low"] < document["rows"][0]["metrics"]["overstock"] < interval["high"]
    (comparison,) = document["comparisons"]
    assert comparison["pred"] == "other" and comparison["low"] > 0
    assert "significantly beyond <= 0" in document["checks"][0]["reason"]


def linex_example(text: str) -> list[str]:
    """The words of the ``losscli evaluate … linex.py …`` command in ``text``."""
    found = re.search(r"losscli evaluate\s[^`]*?linex\.py.*?(?=`|\n\n)", text, re.S)
    assert found is not None
    return found.group(0).replace("\\", " ").split()


def test_the_linex_example_gives_meaningful_values(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's and the docstring's LINEX run on the sample data: finite values of the
    order of ½·MSE (a = 0.5 gave 3e32), over-forecasts costing more with a > 0."""
    root = EXAMPLES.parent.parent
    words = linex_example((root / "README.md").read_text(encoding="utf-8"))
    assert linex_example((EXAMPLES / "linex.py").read_text(encoding="utf-8")) == words
    monkeypatch.chdir(root)
    result = run(*words[1:], "-f", "json")
    assert result.exit_code == 0, result.stderr
    for row in json.loads(result.stdout)["rows"]:
        metrics = row["metrics"]
        for column in ("linex:a=0.02", "linex:a=-0.02"):
            assert 0.25 < metrics[column] / (metrics["mse"] / 2) < 4, (row["group"], column)
    north = json.loads(result.stdout)["rows"][1]
    assert north["group"] == {"region": "north"}
    assert north["metrics"]["linex:a=0.02"] > 3 * north["metrics"]["linex:a=-0.02"]


def test_a_run_of_builtin_losses_imports_no_plugin_machinery_though_its_config_lists_a_plugin(
    tmp_path: Path,
) -> None:
    """The config's plugin waits, unimported, and so does the machinery that would load it
    (ctypes too, beyond what NumPy and pyarrow load by themselves)."""
    _, path = sales(tmp_path)
    (tmp_path / ".git").mkdir()
    write_plugin(tmp_path, "raise SystemExit('never run')\n", name="mine.py")
    (tmp_path / "losscli.toml").write_text('plugins = ["mine.py"]\ncheck = ["mse<0"]\n')
    args = ["evaluate", str(path), "-f", "csv", "-m", "mse,mae"]
    done = losscli_process(*args, cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # the config is in force: its gate fails
    unwanted = ("losscli.plugins", "losscli.define", "importlib.metadata", "ctypes")
    assert modules_left_loaded(args, unwanted, tmp_path) == []
