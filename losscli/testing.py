"""Checks every loss must pass, for the test suite and for plugin authors' own tests.

    from losscli.testing import check_loss
    check_loss("overstock")          # or a Loss; raises AssertionError with what broke

:func:`check_loss` runs the engine's invariances on data of each task the loss scores
(regression, binary, multi-class): chunked equals whole, merging in any order equals
the whole, a weight of 2 equals the row twice, a weight of 0 drops the row, and the
loss and its partials pickle. :class:`KernelHarness` runs the kernel on NumPy data.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa

from .engine.batches import BatchBuilder
from .engine.finalize import Finishing, result_frame
from .engine.kernel import evaluate_chunk
from .engine.kernel_spec import KernelSpec, placement_losses
from .engine.keys import KeySet
from .engine.partial import Partial
from .engine.settings import Uncertainty
from .losses import Loss, Params, Task, get_loss, resolve_losses
from .reading import plan_columns
from .reading.quantiles import parse_quantiles
from .records import datarecord
from .result import CiSettings, ResultRow

CLASSES = 3
LEVELS = (0.1, 0.5, 0.9)  # a quantile forecast's (task="quantile"): columns q_0, q_1, q_2


class KernelHarness:
    """The kernel on NumPy data: ``partial`` makes one chunk's partial, ``rows`` finalizes.

    Columns: y (labels; class positions for ``task="multiclass"``), p (predictions;
    rows × classes for multi-class, rows × :data:`LEVELS` for ``task="quantile"``), w
    (weights, if ``weighted``), g (group, if ``grouped``), and any ``extra`` columns the
    losses declare.
    """

    def __init__(
        self,
        losses: Sequence[str | Loss] = ("all",),
        *,
        weighted: bool = True,
        grouped: bool = False,
        task: str = "regression",
        params: Params | None = None,
        ci: CiSettings | None = None,
        **spec: Any,
    ) -> None:
        self.losses = tuple(
            loss
            for item in losses
            for loss in ([item] if isinstance(item, Loss) else resolve_losses([item]))
        )
        self.multiclass, self.quantile = task == "multiclass", task == "quantile"
        self.extra = tuple(dict.fromkeys(c for loss in self.losses for c in loss.columns))
        probs = [",".join(f"p_{k}" for k in range(CLASSES))] if self.multiclass else []
        columns = ["y", *(f"p_{k}" for k in range(CLASSES))] if self.multiclass else ["y", "p"]
        levels = ",".join(f"q_{k}={level!r}" for k, level in enumerate(LEVELS))
        quantiles = parse_quantiles([levels]) if self.quantile else ()
        if self.quantile:
            columns = ["y", *(f"q_{k}" for k in range(len(LEVELS)))]
        columns += [*(["w"] if weighted else []), *(["g"] if grouped else []), *self.extra]
        plan = plan_columns(
            "t",
            columns,
            "y",
            [] if probs or quantiles else ["p"],
            "w" if weighted else None,
            ["g"] if grouped else [],
            probs,
            from_logits=params is not None and params.from_logits,
            quantiles=quantiles,
        )
        self.plan = replace(plan, extra=self.extra)
        if ci is not None and ci.method == "bootstrap":  # 100 resamples, seed 0 unless set
            ci = replace(ci, resamples=ci.resamples or 100, seed=ci.seed or 0)
        self.uncertainty = Uncertainty.of(ci, losses=self.losses)
        spec.setdefault("moments", self.uncertainty.moments)
        spec.setdefault("resampling", self.uncertainty.resampling)
        spec.setdefault("replicate_ratios", self.uncertainty.bootstrap)
        delong = self.uncertainty.delong or bool(spec.get("reference"))
        spec.setdefault("placements", placement_losses(self.losses, intervals=delong))
        spec.setdefault("pair_tables", bool(spec["placements"]) and bool(spec.get("reference")))
        self.spec = KernelSpec(self.plan, self.losses, **spec)
        self.builder = BatchBuilder("t", self.plan, params or Params(), False)

    def partial(
        self,
        y: Any,
        p: Any,
        w: Any = None,
        g: Any = None,
        first_row: int = 0,
        extra: dict[str, Any] | None = None,
    ) -> Partial:
        data: dict[str, Any] = {"y": np.asarray(y, dtype=float)}
        if self.multiclass:
            data["y"] = pa.array([str(int(v)) for v in np.asarray(y)])
            data.update({f"p_{k}": np.asarray(p, dtype=float)[:, k] for k in range(CLASSES)})
        elif self.quantile:
            data.update({f"q_{k}": np.asarray(p, dtype=float)[:, k] for k in range(len(LEVELS))})
        else:
            data["p"] = np.asarray(p, dtype=float)
        if "w" in self.plan.numeric:
            data["w"] = np.asarray(w, dtype=float)
        if self.plan.group_by:
            data["g"] = pa.array(list(g), type=pa.string())
        data.update({c: np.asarray(v, dtype=float) for c, v in (extra or {}).items()})
        return evaluate_chunk(
            pa.record_batch(data),
            spec=self.spec,
            builder=self.builder,
            part="t",
            first_row=first_row,
            position=first_row,
        )

    def empty(self) -> Partial:
        return Partial.empty(KeySet(self.plan.group_by))

    def rows(self, partial: Partial) -> list[ResultRow]:
        finishing = Finishing(self.losses, self.uncertainty, self.spec.reference)
        frame = result_frame("t", partial, self.plan.models, finishing)[0]
        return [frame.row(i) for i in range(len(frame))]

    def metrics(self, partial: Partial) -> list[dict[str, float | None]]:
        return [row.metrics for row in self.rows(partial)]


@datarecord(frozen=True)
class Sample:
    """Rows of one task: labels, predictions, weights and the loss's own columns."""

    y: np.ndarray
    p: np.ndarray
    w: np.ndarray
    extra: dict[str, np.ndarray]

    def rows(self, index: Any) -> dict[str, Any]:
        return {
            "y": self.y[index],
            "p": self.p[index],
            "w": self.w[index],
            "extra": {c: v[index] for c, v in self.extra.items()},
        }


def sample(
    task: Task, columns: Sequence[str], n: int = 60, seed: int = 0, logits: bool = False
) -> Sample:
    """Well-behaved data of ``task``: positive labels, probabilities inside (0, 1) (or, with
    ``logits``, the raw scores they come from)."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2.0, n)
    extra = {c: rng.uniform(0.0, 1.0, n) for c in columns}
    if task is Task.MULTICLASS:
        scores = rng.normal(size=(n, CLASSES))
        p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        return Sample(rng.integers(0, CLASSES, n).astype(float), scores if logits else p, w, extra)
    if task is Task.BINARY:
        p = rng.uniform(0.05, 0.95, n)
        label = (rng.uniform(size=n) < p).astype(float)
        return Sample(label, np.log(p / (1 - p)) if logits else p, w, extra)
    y = rng.uniform(1.0, 3.0, n)
    if task is Task.QUANTILE:  # the quantiles at LEVELS, in order, around a noisy centre
        centre = y + rng.normal(0.0, 0.4, n)
        return Sample(y, centre[:, None] + np.array([-0.5, 0.0, 0.5]), w, extra)
    return Sample(y, y + rng.normal(0.0, 0.4, n), w, extra)


def check_loss(loss: str | Loss, *, rel: float = 1e-9) -> None:
    """Assert the engine's invariances for ``loss`` on data of each of its tasks."""
    chosen = get_loss(loss) if isinstance(loss, str) else loss
    for task in chosen.tasks:
        _check_task(chosen, task, rel)
    try:
        restored = pickle.loads(pickle.dumps(chosen))
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise AssertionError(
            f"{chosen.name}: does not pickle ({exc}); define its functions "
            "at a module's top level, not inside a function"
        ) from exc
    assert restored.name == chosen.name, f"{chosen.name}: does not survive pickling"


def _check_task(loss: Loss, task: Task, rel: float) -> None:
    """The invariances on probabilities, or on logits for a loss that needs scores (hinge);
    a quantile loss whose levels are not named reads the outermost of :data:`LEVELS`."""
    if task is Task.QUANTILE and None in loss.levels:
        ends = [(name, repr(q)) for name, q in zip(loss.level_params, LEVELS[::2], strict=False)]
        loss = loss.bind(ends)
    for logits in (False, True) if task is not Task.REGRESSION else (False,):
        params = Params(from_logits=logits)
        harness = KernelHarness([loss], task=task.value, params=params)
        data = sample(task, loss.columns, logits=logits)
        whole = harness.partial(**data.rows(slice(None)))
        if _value(harness, whole, loss) is not None:
            _check_data(harness, loss, data, whole, f"{loss.name} ({task.value})", rel)
            return
    raise AssertionError(f"{loss.name} ({task.value}): no value on well-behaved data")


def _check_data(
    harness: KernelHarness, loss: Loss, data: Sample, whole: Partial, where: str, rel: float
) -> None:
    n = len(data.y)
    want = _value(harness, whole, loss)
    chunks = [
        harness.partial(**data.rows(slice(a, b)), first_row=a)
        for a, b in ((0, 7), (7, 8), (8, 41), (41, n))
    ]
    folded = harness.empty()
    for chunk in chunks:
        folded.absorb(chunk)
    _close(_value(harness, folded, loss), want, rel, f"{where}: chunked differs from whole")
    a, b, c, d = chunks
    for merged, how in (
        (d.merge(c).merge(b.merge(a)), "merged in reverse"),
        (a.merge(b.merge(c.merge(d))), "merged from the right"),
    ):
        _close(_value(harness, merged, loss), want, rel, f"{where}: {how} differs from whole")
    pickled = pickle.loads(pickle.dumps(whole))
    _close(_value(harness, pickled, loss), want, rel, f"{where}: a pickled partial differs")
    _check_weights(harness, loss, data, rel, where)


def _check_weights(
    harness: KernelHarness, loss: Loss, data: Sample, rel: float, where: str
) -> None:
    doubled = data.rows(slice(None))
    doubled["w"] = np.where(np.arange(len(data.y)) == 3, 2.0, data.w)
    repeated = data.rows(np.r_[np.arange(len(data.y)), 3])
    repeated["w"] = np.r_[np.where(np.arange(len(data.y)) == 3, 1.0, data.w), 1.0]
    _close(
        _value(harness, harness.partial(**doubled), loss),
        _value(harness, harness.partial(**repeated), loss),
        rel,
        f"{where}: a weight of 2 differs from the row twice",
    )
    zeroed = data.rows(slice(None))
    zeroed["w"] = np.where(np.arange(len(data.y)) == 5, 0.0, data.w)
    dropped = data.rows(np.arange(len(data.y)) != 5)
    _close(
        _value(harness, harness.partial(**zeroed), loss),
        _value(harness, harness.partial(**dropped), loss),
        rel,
        f"{where}: a weight of 0 differs from dropping the row",
    )


def _value(harness: KernelHarness, partial: Partial, loss: Loss) -> float | None:
    return harness.rows(partial)[-1].metrics.get(loss.name)


def _close(got: float | None, want: float | None, rel: float, message: str) -> None:
    if got is None or want is None:
        assert got is None and want is None, f"{message}: {got} vs {want}"
        return
    assert abs(got - want) <= rel * max(abs(want), 1e-300) + 1e-15, f"{message}: {got} vs {want}"
