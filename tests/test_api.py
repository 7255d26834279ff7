"""The Python API: DataFrames in, a tidy result out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLES, sales

import losscli
from losscli.errors import InputError, PluginFailure, UsageError


def test_dataframe_in_tidy_frame_out() -> None:
    df = pd.DataFrame(
        {
            "y_true": [1.0, 1, 2, 2, 4],
            "y_pred": [0.6, 1.29, 1.99, 2.69, 3.4],
            "g": pd.Categorical(["a", "a", "b", "b", "b"], categories=["a", "b", "z"]),
        }
    )
    result = losscli.evaluate(df, group_by="g")
    assert [row.group for row in result.rows] == [{"g": "a"}, {"g": "b"}, None]  # no empty "z"
    frame = result.to_pandas()
    assert list(frame.columns) == ["file", "pred", "scope", "g", "n", "mse", "mape"]
    assert frame["mse"].iloc[-1] == pytest.approx(0.21606)
    assert frame["file"].iloc[0] == "DataFrame[0]"


def test_several_dataframes_and_models() -> None:
    a = pd.DataFrame({"y_true": [1.0, 2], "m1": [1.0, 2], "m2": [2.0, 2]})
    result = losscli.evaluate([a, a], pred=["m1", "m2"], losses="mse")
    assert [(r.file, r.pred, r.metrics["mse"]) for r in result.rows] == [
        ("DataFrame[0]", "m1", 0.0),
        ("DataFrame[0]", "m2", 0.5),
        ("DataFrame[1]", "m1", 0.0),
        ("DataFrame[1]", "m2", 0.5),
    ]


def test_errors_are_typed() -> None:
    df = pd.DataFrame({"y_true": [1.0], "y_pred": [None]})
    with pytest.raises(InputError, match="missing or non-finite"):
        losscli.evaluate(df)
    with pytest.raises(UsageError, match="unknown loss"):
        losscli.evaluate(df, losses="nope")
    with pytest.raises(UsageError, match="cannot evaluate a int"):
        losscli.evaluate([3])


def define_under(factor: float) -> None:
    """A notebook cell: the same function, defined again each time it runs."""

    @losscli.loss(name="under", formula="mean of factor·max(y − ŷ, 0)")
    def under(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return factor * np.maximum(y - p, 0)


@pytest.mark.usefixtures("clean_registry")
def test_running_a_cell_again_replaces_its_loss(tmp_path: Path) -> None:
    frame, _ = sales(tmp_path)
    define_under(1.0)
    define_under(2.0)
    under = 2 * np.maximum(frame.y_true - frame.y_pred, 0).mean()
    assert losscli.evaluate(frame, losses="under").rows[-1].metrics["under"] == pytest.approx(under)


@pytest.mark.usefixtures("clean_registry")
def test_another_definition_of_a_taken_name_fails_until_unregistered(tmp_path: Path) -> None:
    define_under(1.0)

    def other_under(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.abs(y - p)

    with pytest.raises(PluginFailure, match="'under' of the Python API already taken"):
        losscli.loss(name="under", formula="x")(other_under)
    assert losscli.unregister("under").name == "under"
    losscli.loss(name="under", formula="|e|")(other_under)
    frame, _ = sales(tmp_path)
    got = losscli.evaluate(frame, losses="under").rows[-1].metrics["under"]
    assert got == pytest.approx(np.abs(frame.y_true - frame.y_pred).mean())
    with pytest.raises(ValueError, match="'mse' is a built-in loss"):
        losscli.unregister("l2")
    with pytest.raises(ValueError, match="no loss 'nope' is registered"):
        losscli.unregister("nope")


def test_evaluate_returns_the_verdict_of_checks_and_a_baseline(tmp_path: Path) -> None:
    frame, _ = sales(tmp_path)
    mse = losscli.evaluate(frame, losses="mse").rows[-1].metrics["mse"]
    passed = losscli.evaluate(frame, losses="mae", checks=[f"mse<={mse * 1.01}"])
    assert passed.failures == [] and "mse" in passed.losses
    failed = losscli.evaluate(frame, checks="mse<=0.1")
    assert [f.check for f in failed.failures] == ["mse<=0.1"]
    before = losscli.evaluate(frame, losses="mse")
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(before.to_dict()))
    worse = frame.assign(y_pred=frame.y_pred + 1.0)
    for baseline in (str(path), path, before):
        judged = losscli.evaluate(worse, losses="mse", baseline=baseline, max_regression="mse=5%")
        assert [f.check for f in judged.failures] == ["max-regression mse=5%"], baseline
        kept = losscli.evaluate(frame, losses="mse", baseline=baseline, max_regression="mse=5%")
        assert kept.failures == []


def test_evaluate_loads_plugins(tmp_path: Path, clean_registry: None) -> None:
    frame, _ = sales(tmp_path)
    result = losscli.evaluate(frame, losses="overstock", plugins=[EXAMPLES / "overstock.py"])
    e = frame.y_pred - frame.y_true
    want = np.where(e > 0, 2 * e, -e).mean()
    assert result.rows[-1].metrics["overstock"] == pytest.approx(want)


def test_gates_are_checked_as_on_the_command_line(tmp_path: Path) -> None:
    frame, _ = sales(tmp_path)
    with pytest.raises(UsageError, match="cannot read the check"):
        losscli.evaluate(frame, checks="mse<=>1")
    with pytest.raises(UsageError, match="add --compare"):
        losscli.evaluate(frame, checks="delta:mse<=0")
    with pytest.raises(UsageError, match="needs --baseline"):
        losscli.evaluate(frame, max_regression="mse=1%")


def test_ci_true_is_95_and_a_text_level_is_a_clear_error(tmp_path: Path) -> None:
    frame, _ = sales(tmp_path)
    result = losscli.evaluate(frame, losses="mse", ci=True)
    assert result.ci is not None and result.ci.level == 0.95
    assert losscli.evaluate(frame, losses="mse", ci=False).ci is None
    with pytest.raises(ValueError, match=r"ci is a level, a number such as 0.95 or 95 .* not '95'"):
        losscli.evaluate(frame, losses="mse", ci="95")


def test_dir_lists_the_public_api_only() -> None:
    names = dir(losscli)
    assert names == sorted(losscli.__all__)
    assert {"evaluate", "loss", "register", "unregister", "EvaluationResult"} <= set(names)
    assert not {"Any", "annotations"} & set(names)
    for name in names:
        getattr(losscli, name)
