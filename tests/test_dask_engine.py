"""The Dask engine gives the local engine's numbers, notices and errors: every registered
loss, groups, weights, several files and models, the classification label forms,
--drop-na, ROC-AUC, normal and bootstrap intervals (with --block-rows), --compare, gates
and every output format, on a 2-worker LocalCluster (``dask_client`` in conftest.py)."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table

from losscli import evaluate
from losscli.losses import REGISTRY, get_loss
from losscli.render.formats import FORMATS

pytest.importorskip("distributed")

REL = 1e-12


@pytest.fixture(autouse=True)
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Partitions of a few row groups, so that every file is cut into several."""
    from losscli.engine.distributed import partitions

    monkeypatch.setattr(partitions, "PARTITION_ROWS", 250)


def same(local: Any, dask: Any, where: str = "") -> None:
    """Two values equal to 1e-12 (relative), recursively; NaN equals NaN."""
    if isinstance(local, dict):
        assert isinstance(dask, dict) and list(local) == list(dask), where
        for key in local:
            same(local[key], dask[key], f"{where}.{key}")
    elif isinstance(local, (list, tuple)):
        assert isinstance(dask, (list, tuple)) and len(local) == len(dask), where
        for i, (a, b) in enumerate(zip(local, dask, strict=True)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(local, float) and isinstance(dask, float):
        if math.isnan(local):
            assert math.isnan(dask), where
        else:
            assert dask == pytest.approx(local, rel=REL, abs=1e-300), where
    else:
        assert local == dask, where


def both(inputs: Any, client: Any, **options: Any) -> Any:
    """The result of the local engine, checked equal to the Dask engine's."""
    local = evaluate(inputs, threads=1, **options)
    dask = evaluate(inputs, engine="dask", scheduler=client, threads=1, **options)
    same(local.to_dict(), dask.to_dict())
    assert local.notices == dask.notices
    assert [(f.check, f.row, f.passed) for f in local.failures] == [
        (f.check, f.row, f.passed) for f in dask.failures
    ]
    return local


def rows_of(result: Any) -> list[dict[str, Any]]:
    """The result's rows without the input's name (a DataFrame's, a table's)."""
    return [{k: v for k, v in row.items() if k != "file"} for row in result.to_dict()["rows"]]


def regression(seed: int = 0, rows: int = 1200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.lognormal(2, 1, rows)
    frame = pd.DataFrame(
        {
            "y_true": y,
            "a": y * rng.normal(1, 0.2, rows),
            "b": y + rng.normal(0, 2, rows),
            "w": rng.uniform(0, 2, rows),
            "g": rng.choice(["x", "y", "z"], rows),
        }
    )
    frame.loc[frame.index[::97], "y_true"] = 0.0  # MAPE leaves these out, with a notice
    return frame


def classification(seed: int = 0, rows: int = 1200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (rows, 3))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    label = rng.integers(0, 3, rows)
    frame = pd.DataFrame({"label": np.array(["u", "v", "t"])[label], "position": label})
    for k, name in enumerate("uvt"):
        frame[f"p_{name}"] = probs[:, k]
        frame[f"y_{name}"] = (label == k).astype(float)
    frame["bin"] = (label == 0).astype(float)
    frame["w"] = rng.uniform(0, 2, rows)
    frame["g"] = rng.choice(["x", "y"], rows)
    return frame


def shards(frame: pd.DataFrame, directory: Path, suffix: str, count: int = 3) -> Path:
    """``frame`` split into ``count`` files of ``suffix`` (Parquet in row groups of 100)."""
    directory.mkdir()
    bounds = np.linspace(0, len(frame), count + 1).astype(int)
    for i in range(count):
        part = frame.iloc[bounds[i] : bounds[i + 1]]
        path = directory / f"part-{i}{suffix}"
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pandas(part, preserve_index=False), path, 100)
        else:
            write_table(part, path)
    return directory


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("dask-data")
    return {
        "regression-parquet": shards(regression(), root / "rp", ".parquet"),
        "regression-csv": shards(regression(), root / "rc", ".csv"),
        "positive-parquet": shards(regression().query("y_true > 0"), root / "pp", ".parquet"),
        "positive-csv": shards(regression().query("y_true > 0"), root / "pc", ".csv"),
        "classification-parquet": shards(classification(), root / "cp", ".parquet"),
        "classification-csv": shards(classification(), root / "cc", ".csv.gz"),
    }


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_every_registered_loss_is_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any, suffix: str
) -> None:
    shown: set[str] = set()
    options = {"losses": "all", "group_by": "g", "weight": "w"}
    found = both(str(data[f"regression-{suffix}"]), dask_client, pred=["a", "b"], **options)
    shown |= set(found.losses)
    for labels in ({"label": "label"}, {"label": "position"}, {"label": "y_*"}):
        found = both(
            str(data[f"classification-{suffix}"]), dask_client, probs="p_*", **labels, **options
        )
        shown |= set(found.losses)
    found = both(
        str(data[f"classification-{suffix}"]), dask_client, label="bin", pred="p_u", **options
    )
    shown |= set(found.losses)
    logits = {"label": "label", "logits": "p_*", "group_by": "g", "weight": "w"}  # hinge
    shown |= set(
        both(str(data[f"classification-{suffix}"]), dask_client, losses="all", **logits).losses
    )
    positive = {"pred": "a", "mape_zero": "skip", "drop_na": True}
    found = both(str(data[f"positive-{suffix}"]), dask_client, losses="gamma_deviance", **positive)
    shown |= set(found.losses)
    quantiles = {"quantiles": "a=0.2,b=0.8", "pred": "b"}  # mqloss, coverage, interval_score
    shown |= set(
        both(str(data[f"regression-{suffix}"]), dask_client, **options, **quantiles).losses
    )
    registered = {get_loss(name).base for name in shown}  # coverage:lower=0.2:upper=0.8 …
    history = {name for name in REGISTRY if REGISTRY[name].history}  # the test below
    assert registered == {name for name in REGISTRY if not REGISTRY[name].columns} - history


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_mase_and_rmsse_with_a_history_are_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any, suffix: str
) -> None:
    """The series level's hidden keys and the history's scales, shipped to the workers."""
    rng = np.random.default_rng(1)
    days = pd.date_range("2025-01-01", periods=40, freq="D")
    history = pd.DataFrame(
        {
            "y_true": rng.lognormal(2, 1, 120),
            "g": np.repeat(["x", "y", "z"], 40),
            "t": np.tile(days, 3),
        }
    )
    both(
        str(data[f"regression-{suffix}"]), dask_client, pred=["a", "b"], weight="w",
        series="g", losses="mae,mase:season=7,rmsse", history=history, time_col="t", ci=0.9,
    )  # fmt: skip


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
@pytest.mark.parametrize("block_rows", [1, 7])
def test_the_bootstrap_is_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any, suffix: str, block_rows: int
) -> None:
    both(
        str(data[f"regression-{suffix}"]),
        dask_client,
        pred=["a", "b"],
        group_by="g",
        weight="w",
        losses="mse,mae,r2,wape,bias,abs_bias",
        ci=0.9,
        ci_method="bootstrap",
        resamples=40,
        seed=5,
        block_rows=block_rows,
        compare=True,
    )


def test_normal_intervals_comparisons_roc_auc_and_gates_are_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any
) -> None:
    before = evaluate(
        str(data["classification-parquet"]), label="bin", pred="p_u", losses="roc_auc,log_loss"
    )
    both(
        [str(data["classification-parquet"]), str(data["classification-csv"])],
        dask_client,
        label="bin",
        pred=["p_u", "p_v"],
        group_by="g",
        losses="roc_auc,log_loss,brier",
        ci=0.95,
        compare="p_u",
        checks=["log_loss<=0.5", "roc_auc>=0.5"],
        baseline=before,
        max_regression=["log_loss=1%"],
    )


def test_drop_na_counts_are_the_local_engines_on_dask(tmp_path: Path, dask_client: Any) -> None:
    frame = regression()
    frame.loc[frame.index[5::50], "a"] = np.nan
    frame.loc[frame.index[7::80], "w"] = np.nan
    directory = shards(frame, tmp_path / "na", ".parquet")
    found = both(
        str(directory), dask_client, pred=["a", "b"], weight="w", drop_na=True, group_by="g"
    )
    assert any("dropped" in notice for notice in found.notices)


def test_in_memory_inputs_are_the_local_engines_on_dask(dask_client: Any) -> None:
    import pyarrow as pa

    frame = regression(rows=700)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    options = {"pred": ["a", "b"], "group_by": "g", "weight": "w", "losses": "mse,r2"}
    want = both(frame, dask_client, ci=0.9, ci_method="bootstrap", resamples=30, **options)
    for item in (table, pa.RecordBatchReader.from_batches(table.schema, table.to_batches(200))):
        got = evaluate(item, engine="dask", scheduler=dask_client, threads=1, ci=0.9,
                       ci_method="bootstrap", resamples=30, **options)  # fmt: skip
        same(rows_of(want), rows_of(got))


def test_a_dask_dataframe_is_folded_partition_by_partition_on_both_engines(
    dask_client: Any,
) -> None:
    import dask.dataframe as dd

    frame = regression(rows=900)
    options = {"pred": ["a", "b"], "group_by": "g", "losses": "mse,mae", "ci": 0.9,
               "ci_method": "bootstrap", "resamples": 30}  # fmt: skip
    want = rows_of(evaluate(frame, threads=1, **options))
    lazy = dd.from_pandas(frame, npartitions=4)
    local = rows_of(evaluate(lazy, threads=1, **options))  # Dask's own scheduler computes
    on_dask = evaluate(lazy, engine="dask", scheduler=dask_client, threads=1, **options)
    same(want, local)
    same(want, rows_of(on_dask))


def test_a_polars_frame_is_an_input_on_both_engines(dask_client: Any) -> None:
    polars = pytest.importorskip("polars")
    frame = regression(rows=300)
    want = rows_of(evaluate(frame, pred="a", losses="mse"))
    for item in (polars.from_pandas(frame), polars.from_pandas(frame).lazy()):
        same(want, rows_of(evaluate(item, pred="a", losses="mse")))
        got = evaluate(item, pred="a", losses="mse", engine="dask", scheduler=dask_client)
        same(want, rows_of(got))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_output_format_is_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any, run: Any, tmp_path: Path, fmt: str
) -> None:
    address = dask_client.scheduler.address
    written: list[bytes] = []
    for engine in (["--engine", "local"], ["--engine", "dask", "--scheduler", address]):
        out = tmp_path / f"{len(written)}"
        args = [str(data["regression-parquet"]), "-p", "a", "-g", "g", "--ci", "-f", fmt]
        done = run("evaluate", *args, "-o", str(out), *engine)
        assert done.exit_code == 0, done.stderr
        written.append(out.read_bytes())
    if FORMATS[fmt].encoding == "binary":  # Parquet: its table
        import pyarrow.parquet as pq

        tables = [pq.read_table(io.BytesIO(b)).to_pylist() for b in written]
        same(tables[0], tables[1])
    else:  # the same text, each number the same to 1e-12
        texts = [NUMBER.split(b.decode()) for b in written]
        same([_number(x) for x in texts[0]], [_number(x) for x in texts[1]])


NUMBER = re.compile(r"(-?\d+\.\d+(?:e[-+]?\d+)?)")


def _number(text: str) -> float | str:
    return float(text) if NUMBER.fullmatch(text) else text


def test_many_small_files_are_folded_several_to_a_task_with_the_local_values(
    tmp_path: Path, dask_client: Any
) -> None:
    from losscli.engine.distributed.partitions import tasks
    from losscli.engine.distributed.tasks import Partition

    directory = shards(regression(rows=1200), tmp_path / "small", ".parquet", count=40)
    options = {"pred": "a", "group_by": "g", "ci": 0.9, "ci_method": "bootstrap",
               "resamples": 20, "block_rows": 3}  # fmt: skip
    want = both(str(directory), dask_client, **options)
    ahead = evaluate(str(directory), engine="dask", scheduler=dask_client, threads=3, **options)
    same(want.to_dict(), ahead.to_dict())  # a task reads its next files ahead
    found = [Partition(i, f"f{i}", i, rows=30) for i in range(40)]
    assert [len(chosen) for chosen in tasks(found, limit=250)] == [8, 8, 8, 8, 8]


def test_many_groups_are_the_local_engines_on_dask(
    tmp_path: Path, dask_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from losscli.engine.distributed import partitions

    monkeypatch.setattr(partitions, "PARTITION_ROWS", 10_000)
    frame = regression(rows=40_000)
    frame["item"] = np.random.default_rng(3).integers(0, 20_000, len(frame))
    directory = shards(frame, tmp_path / "items", ".parquet", count=2)
    found = both(str(directory), dask_client, pred=["a", "b"], group_by="item", losses="mse,r2")
    assert len(found.rows) > 2 * 15_000


@pytest.mark.parametrize(
    "case",
    [
        ("regression", {"pred": ["a", "b"], "weight": "w", "residuals": True}),
        ("classification", {"label": "bin", "pred": ["p_u", "p_v"], "calibration": True,
                            "residuals": True, "curves": True, "losses": "ece:bins=7,brier"}),
        ("classification", {"label": "label", "probs": "p_*", "weight": "w", "calibration": True,
                            "curves": True, "losses": "log_loss,roc_auc"}),
        ("classification", {"label": "label", "probs": "p_*", "weight": "w", "confusion": True,
                            "calibration": True}),
        ("classification", {"label": "bin", "pred": ["p_u", "p_v"], "confusion": True,
                            "threshold": 0.3, "calibration": True, "losses": "f1,recall"}),
    ],
)  # fmt: skip
def test_calibration_residuals_and_curves_are_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any, case: tuple[str, dict[str, Any]]
) -> None:
    """The diagrams' bins, the curves' rank tables and the confusion matrices, per group, over
    several files of Parquet and CSV: the JSON document's ``diagrams``, ``curves`` and rows'
    ``confusion`` equal to 1e-12."""
    kind, options = case
    inputs = [str(data[f"{kind}-parquet"]), str(data[f"{kind}-csv"])]
    found = both(inputs, dask_client, group_by="g", **options).to_dict()
    assert found["diagrams"] and ("curves" in found) == bool(options.get("curves"))
    if options.get("curves"):
        assert found["curves"]
    if options.get("confusion"):
        assert all("confusion" in row for row in found["rows"])


@pytest.mark.parametrize(
    "options",
    [
        {"label": "bin", "pred": ["p_u", "p_v"], "weight": "w"},
        {"label": "label", "probs": "p_*", "weight": "w"},
    ],
    ids=["binary", "multiclass"],
)
def test_class_rows_are_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any, options: dict[str, Any]
) -> None:
    """--per-class's sums (the counts, Brier's and ECE's per class, the rank tables) over
    several files of Parquet and CSV, per group: every class and average row to 1e-12."""
    inputs = [str(data["classification-parquet"]), str(data["classification-csv"])]
    losses = "roc_auc,brier,ece,accuracy,precision:average=none"
    local = both(inputs, dask_client, group_by="g", losses=losses, per_class=True, **options)
    dask = evaluate(
        inputs, engine="dask", scheduler=dask_client, group_by="g", losses=losses,
        per_class=True, **options,
    )  # fmt: skip
    assert not local.per_class.empty
    pd.testing.assert_frame_equal(local.per_class, dask.per_class, rtol=REL)


def test_quantile_forecasts_with_intervals_and_comparisons_are_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any
) -> None:
    both(
        str(data["regression-csv"]),
        dask_client,
        pred="a",
        quantiles=["lower:a=0.2,b=0.8", "upper:b=0.2,a=0.8"],
        group_by="g",
        weight="w",
        ci=0.95,
        compare="lower",
        checks=["coverage:lower=0.2:upper=0.8>0.5", "bias<1"],
    )


@pytest.mark.parametrize("thresholds", ["0.1,0.25,0.5", "auto"])
def test_thresholds_and_average_precision_are_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any, thresholds: str
) -> None:
    """--thresholds' tables per group, read from the merged rank tables, and
    average_precision, over several files of Parquet and CSV: equal to 1e-12."""
    inputs = [str(data["classification-parquet"]), str(data["classification-csv"])]
    options = {"label": "bin", "pred": ["p_u", "p_v"], "weight": "w", "losses": "ap,log_loss"}
    found = both(inputs, dask_client, group_by="g", thresholds=thresholds, **options).to_dict()
    assert all(row["thresholds"] for row in found["rows"])


def test_drift_is_the_local_engines_on_dask(tmp_path: Path, dask_client: Any) -> None:
    """--drift's verdicts, Δs and intervals (normal, and the bootstrap's replicates of the
    pooled reference) and --fail-on-drift's failed checks: equal to 1e-12."""
    from test_drift import weekly

    path = write_table(weekly(groups=3, weeks=8, rows=30, shift=2.0, start=5), tmp_path / "w.csv")
    common = {"label": "y", "pred": "p", "weight": "w", "group_by": "g", "period": "date:W"}
    found = both(str(path), dask_client, losses="mae,mse", fail_on_drift=True, **common)
    assert any(entry["onset"] for entry in found.to_dict()["drift"])
    both(
        str(path), dask_client, losses="mae", drift=True, ci=0.9, ci_method="bootstrap",
        resamples=50, block_rows=4, **common,
    )  # fmt: skip


def test_the_bootstrap_of_roc_auc_and_average_precision_is_the_local_engines_on_dask(
    data: dict[str, Path], dask_client: Any
) -> None:
    """Replicate rank tables merged by value across partitions and files: the intervals
    and paired deltas of roc_auc and average_precision equal the local engine's."""
    inputs = [str(data["classification-parquet"]), str(data["classification-csv"])]
    found = both(
        inputs, dask_client, label="bin", pred=["p_u", "p_v"], weight="w", group_by="g",
        losses="roc_auc,ap", ci=0.9, ci_method="bootstrap", resamples=30, seed=4,
        block_rows=3, compare=True,
    ).to_dict()  # fmt: skip
    assert all(r["intervals"]["average_precision"]["low"] is not None for r in found["rows"])
    assert {c["loss"] for c in found["comparisons"]} == {"roc_auc", "average_precision"}
