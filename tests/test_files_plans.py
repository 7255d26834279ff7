"""Inputs of one schema are planned once per run (engine/run.py ``Plans``), and every message
still names its own file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_table

import losscli
from losscli.engine.run import Options, Plans
from losscli.errors import InputError
from losscli.reading.open import open_source


def _regression(path: Path, rows: int = 50, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"y_true": rng.normal(size=rows) + 3, "y_pred": rng.normal(size=rows)})
    return write_table(frame, path)


def _options(tmp_path: Path) -> Options:
    """The options a plain regression run plans with (taken from a real run)."""
    import losscli.inputs as inputs

    found: list[Options] = []
    real = inputs.evaluate_sources

    def keep(sources: object, options: Options) -> object:
        found.append(options)
        return real(sources, options)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inputs, "evaluate_sources", keep)
        losscli.evaluate(_regression(tmp_path / "o.parquet"), label="y_true", pred="y_pred")
    return found[0]


def test_inputs_of_one_schema_share_one_plan_under_their_own_names(tmp_path: Path) -> None:
    options = _options(tmp_path)
    plans = Plans(options)
    a, b = (_regression(tmp_path / f"{n}.parquet", seed=i) for i, n in enumerate("ab"))
    first, second = plans.work(open_source(str(a))), plans.work(open_source(str(b)))
    assert (first.name, second.name) == (str(a), str(b))
    assert second.spec is first.spec and second.plan is first.plan
    other = tmp_path / "c.parquet"
    write_table(pd.DataFrame({"y_pred": [1.0, 2.0], "y_true": [1.0, 3.0]}), other)
    third = plans.work(open_source(str(other)))  # other columns' order: planned anew
    assert third.spec is not first.spec and third.name == str(other)


def test_a_shared_plan_still_names_the_file_with_the_bad_value(tmp_path: Path) -> None:
    a = _regression(tmp_path / "a.parquet")
    frame = pd.DataFrame({"y_true": [1.0, 2.0, 3.0], "y_pred": [1.0, np.nan, 2.0]})
    b = write_table(frame, tmp_path / "b.parquet")
    with pytest.raises(InputError) as raised:
        losscli.evaluate([a, b], label="y_true", pred="y_pred", threads=1)
    assert str(raised.value).startswith(
        f"{b}: column 'y_pred' has 1 missing or non-finite value (first at data row 2:"
    )


def test_class_labels_name_their_own_file_beside_a_shared_plan(tmp_path: Path) -> None:
    def classes(path: Path, labels: list[str]) -> Path:
        rows = len(labels)
        frame = pd.DataFrame({"y": labels, "cat": [0.2] * rows, "dog": [0.8] * rows})
        return write_table(frame, path)

    a = classes(tmp_path / "a.parquet", ["cat", "dog", "dog"])
    b = classes(tmp_path / "b.parquet", ["dog", "cow", "cat"])
    with pytest.raises(InputError, match=f"^{b}: .*'cow'"):
        losscli.evaluate([a, b], label="y", probs="cat,dog", threads=1)
