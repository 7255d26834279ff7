"""From a folded partial to result rows: every loss finalized per key, with its rules
applied, its interval, and the paired comparison with a reference model (those two in
:mod:`.uncertainty`).

The group rows and the overall row are finalized together: the overall row's sums
are pooled from the group sums (never averaged from group values) and appended as
one more key, so every step below is vectorised over keys.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _arrow
from ..errors import InputError
from ..losses import Loss, Task
from ..losses.quantiles import not_applicable
from ..losses.registry import Rule
from ..reading import Model
from ..records import datarecord
from ..result import Frame, LossColumn
from ..result.frame import repeated
from ..result.key_column import KeyColumn
from . import frame_parts as parts
from .order import key_column, key_order
from .partial import Partial
from .settings import Uncertainty
from .statistics import Key, Largest, Role, Sum
from .uncertainty import LossRows, compare, with_intervals

if TYPE_CHECKING:  # the features' types: imported where a run has them (start-up, #18)
    from ..result import CiSettings, Comparison
    from ..result.thresholds import ThresholdRun
    from .period_spec import PeriodSpec
    from .series_plan import SeriesRun

NOT_APPLICABLE = "not applicable"
NOT_APPLICABLE_MULTICLASS = f"{NOT_APPLICABLE} to multi-class predictions"
NOT_APPLICABLE_ONE_COLUMN = f"{NOT_APPLICABLE} to one prediction column (it needs class columns)"


@datarecord(frozen=True)
class Finishing:
    """What finalizing needs besides the sums."""

    losses: tuple[Loss, ...]
    # the rows' intervals (none by default) and the comparisons' settings
    uncertainty: Uncertainty = field(default_factory=Uncertainty)
    reference: str | None = None  # compare every other model with this one
    no_bootstrap: str = ""  # why the hidden bootstrap (R², F1, …) was left out
    diagrams: tuple[Loss, ...] = ()  # the diagrams' internal losses (engine/bins.py)
    curves: str = ""  # --curves: the loss whose rank tables they are read from (engine/curves.py)
    per_class: tuple[Loss, ...] | None = None  # --per-class: internal losses (per_class.py)
    thresholds: ThresholdRun | None = None  # --thresholds (engine/thresholds.py)
    period: PeriodSpec | None = None  # --period: rows per period too (engine/period_rows.py)
    series: SeriesRun | None = None  # mase, rmsse: the series level (engine/series_rows.py)

    @property
    def ci(self) -> CiSettings | None:
        """The rows' interval settings (None: no interval)."""
        return self.uncertainty.ci

    @property
    def compare_ci(self) -> CiSettings:
        """The comparisons' level, method and adjustment across groups."""
        return self.uncertainty.compare_ci


def result_frame(
    file: str, partial: Partial, models: Sequence[Model], spec: Finishing
) -> tuple[Frame, list[Comparison]]:
    """Per model: group rows sorted by key, then the overall row pooled from the same sums
    (with --period, the rows per period and their rollups: :mod:`.period_rows`).
    Bootstrap cells still waiting in ``partial`` are multiplied out first, in place."""
    if spec.series is not None:
        from .series_rows import series_frame

        return series_frame(file, partial, models, spec, result_frame)
    if spec.period is not None:
        from .period_rows import period_frame

        return period_frame(file, partial, models, spec, keyed_frame)
    return keyed_frame(file, partial, models, spec)


def keyed_frame(
    file: str, partial: Partial, models: Sequence[Model], spec: Finishing
) -> tuple[Frame, list[Comparison]]:
    """Per model: a row per key (sorted), then the overall row pooled from the same sums."""
    partial = settled(file, partial)
    order = _sorted_keys(partial)
    keys = _key_columns(partial, order)
    n = np.append(partial.n[order], np.sum(partial.n)).astype(np.int64)
    overall = np.zeros(len(n), dtype=bool)
    overall[-1] = True
    kept = (*spec.losses, *spec.diagrams, *(spec.per_class or ()))
    sums: dict[str, dict[str, LossRows]] = {
        m.name: _model_sums(partial, m.name, kept, order) for m in models
    }
    frames = []
    for model in models:
        columns = finalize(sums[model.name], spec.losses, model.multiclass, model.levels)
        if spec.ci is not None:
            columns = with_intervals(
                columns,
                sums[model.name],
                spec.losses,
                ci=spec.ci,
                multiclass=model.multiclass,
                levels=model.levels,
                no_bootstrap=spec.no_bootstrap,
            )
        frames.append(
            Frame(
                file=repeated(file, len(n)),
                pred=repeated(model.name, len(n)),
                keys=keys,
                overall=overall,
                n=n,
                losses=columns,
                diagrams=parts.diagrams(sums[model.name], spec.diagrams, partial, model),
                curves=parts.curves(partial, model, spec.curves, order),
                confusion=parts.confusion(sums[model.name], spec.diagrams, partial, model),
                thresholds=parts.thresholds(partial, model, spec.thresholds, order),
            )
        )
    frame = Frame.concat(
        [
            parts.class_rows(f, sums[m.name], spec, m, partial)
            for f, m in zip(frames, models, strict=True)
        ]
    )
    if not spec.reference:
        return frame, []
    labels = [frames[0].group(k) for k in range(len(n))]
    ci = spec.compare_ci
    return frame, compare(
        file, sums, models, losses=spec.losses, reference=spec.reference, ci=ci, labels=labels
    )


def settled(file: str, partial: Partial) -> Partial:
    """``partial`` settled (:meth:`~.partial.Partial.settle`) and cut to its keys; an input
    without a data row (``file``) is an error."""
    partial = partial.settle().trimmed()
    if not np.sum(partial.n):
        raise InputError(f"{file}: no data rows to evaluate")
    return partial


def overall_sums(
    partial: Partial, models: Sequence[Model], losses: Sequence[Loss]
) -> dict[str, dict[str, LossRows]]:
    """Per model, each loss's sums of the one row of a settled input without group columns
    (its overall row), as :func:`keyed_frame` finalizes them."""
    assert not partial.keys.columns
    order = np.zeros(0, dtype=int)
    return {m.name: _model_sums(partial, m.name, losses, order) for m in models}


def own_rows(partial: Partial) -> dict[Key, np.ndarray] | None:
    """The states of a settled partial of one key where each is its own overall row as its
    kind shows it (sums, and maxima of one column: pooling one key changes no bit), and no
    replicates; None where one is not. Several such inputs' states, stacked, are their rows
    (:func:`stacked_sums`)."""
    boot = partial.bootstrap
    replicated = boot is not None and (boot.sums or boot.ranks or boot.span is not None)
    if partial.size != 1 or replicated:
        return None
    if not all(own_row(stat.kind, state) for (_, _, stat), state in partial.states.items()):
        return None
    return partial.states


OWN_ROW_KINDS = (Sum, Largest)  # the kinds whose state of one key can be its own row


def own_row(kind: object, state: object) -> bool:
    """Whether a state of one key is its own overall row as its kind shows it: a sum, or
    the maximum of one column (pooling one key changes no bit)."""
    if not isinstance(state, np.ndarray) or type(kind) not in OWN_ROW_KINDS:
        return False
    return type(kind) is Sum or state.ndim == 1


def stacked_sums(
    states: dict[Key, np.ndarray], n: np.ndarray, model: str, losses: Sequence[Loss]
) -> dict[str, LossRows]:
    """Each loss's rows of several inputs, a key each: their :func:`own_rows` stacked
    (``states``) and their row counts ``n``."""
    shown = ((key, {key[2].name: state}) for key, state in states.items() if key[0] == model)
    return _loss_rows(losses, n, shown, lambda loss: None, None)


def _sorted_keys(partial: Partial) -> np.ndarray:
    """Group ids in key order; none without group columns (the overall row is all)."""
    if not partial.keys.columns:
        return np.zeros(0, dtype=int)
    seen = np.flatnonzero(partial.n > 0)  # a category no row has (pandas categoricals) is no group
    return key_order(partial.keys.arrays(), seen, partial.keys.empty_is_missing)


def _key_columns(partial: Partial, order: np.ndarray) -> dict[str, KeyColumn]:
    """Each group column's keys in ``order``, then no key (the overall row)."""
    out = {}
    for name, values in zip(partial.keys.columns, partial.keys.arrays(), strict=True):
        ordered = values.take(_arrow.from_numpy(order.astype(np.int64)))
        shown = key_column(ordered, partial.keys.empty_is_missing)
        out[name] = KeyColumn.concat([shown, KeyColumn.none(1)])
    return out


def _model_sums(
    partial: Partial, model: str, losses: Sequence[Loss], order: np.ndarray
) -> dict[str, LossRows]:
    """Each loss's own statistics for the ordered group keys plus the pooled overall key,
    each shown as its kind shows it; its flags apart; its replicates, if resampled."""
    n = np.append(partial.n[order], np.sum(partial.n))
    boot = partial.bootstrap
    span = None if boot is None or boot.span is None else boot.span.one_unit(order)
    shown = (
        (key, key[2].kind.rows(key[2].name, state, order, size=partial.size))
        for key, state in partial.states.items()
        if key[0] == model
    )
    if boot is None:
        return _loss_rows(losses, n, shown, lambda loss: None, span)
    return _loss_rows(losses, n, shown, lambda loss: boot.rows(model, loss, order), span)


def _loss_rows(
    losses: Sequence[Loss],
    n: np.ndarray,
    shown: Iterable[tuple[Key, dict[str, Any]]],
    replicates: Callable[[str], dict[str, Any] | None],
    span: np.ndarray | None,
) -> dict[str, LossRows]:
    """Each loss's rows from its statistics' rows (``shown``), its flags apart."""
    out = {loss.name: LossRows({}, {}, replicates(loss.name), span, n=n) for loss in losses}
    for (_, loss, stat), shown_rows in shown:
        if loss in out:
            (out[loss].flags if stat.role is Role.FLAG else out[loss].sums).update(shown_rows)
            if not stat.kind.resampled and stat.role is Role.VALUE:
                out[loss].unresampled = f"statistic {stat.name!r} ({type(stat.kind).__name__})"
    for rows in out.values():
        rows.sums.setdefault("n", n)  # the row count, unless the loss declares its own n
        if rows.replicates is not None:
            rows.replicates.setdefault("n", n)
    return out


def finalize(
    tables: dict[str, LossRows],
    losses: Sequence[Loss],
    multiclass: bool = False,
    levels: tuple[float, ...] = (),
) -> dict[str, LossColumn]:
    """Each loss's value per key (NaN where it does not apply) and a note saying why."""
    n_keys = len(next(iter(tables.values())).n) if tables else 0
    columns = {}
    for loss in losses:
        if not loss.applies_to(multiclass, levels):
            why = NOT_APPLICABLE_MULTICLASS if multiclass else NOT_APPLICABLE_ONE_COLUMN
            why = not_applicable(loss, levels) or why
            columns[loss.name] = LossColumn.of(np.full(n_keys, np.nan), repeated(why, n_keys))
            continue
        columns[loss.name] = _finalized(loss, tables[loss.name], n_keys)
    return columns


def _finalized(loss: Loss, rows: LossRows, n_keys: int) -> LossColumn:
    """One loss's values with its rules applied: a key a rule blocks, or whose value is not
    finite, has none, and a note says why; a rule that skips rows notes how many."""
    table = rows.sums
    with np.errstate(all="ignore"):
        values = np.asarray(loss.finalize(table), dtype=np.float64)
    notes = np.full(n_keys, None, dtype=object)
    noted = np.zeros(n_keys, dtype=bool)  # where ``notes`` holds one (no compare of objects)
    blocked = np.zeros(n_keys, dtype=bool)
    for rule in loss.rules:
        counts = rows.flags.get(rule.stat)
        if counts is None:
            continue  # the loss flagged no such rows (multi-class data is checked on reading)
        _add_notes(notes, noted, rule, counts)
        if not rule.skip:
            blocked |= counts > 0
    ok = np.isfinite(values) & ~blocked
    quiet = ~noted
    for missing in np.flatnonzero(~ok & quiet):
        notes[missing] = _why_missing(loss, values[missing]) or None
    for k, caveat in loss.shape.caveats(table).items():
        if ok[k] and quiet[k]:
            notes[k] = caveat
    return LossColumn.of(np.where(ok, values, np.nan), notes)


def _add_notes(notes: np.ndarray, noted: np.ndarray, rule: Rule, counts: np.ndarray) -> None:
    """What ``rule`` did to each key's rows, after what is noted already (``noted``: the
    keys with a note, updated)."""
    hits = counts > 0
    fresh = hits & ~noted
    noted |= hits
    if rule.skip:
        notes[fresh] = [rule.note(int(count)) for count in counts[fresh]]
    else:
        notes[fresh] = rule.note(0)  # the same for every key
    for hit in np.flatnonzero(hits & ~fresh):
        notes[hit] = f"{notes[hit]}; {rule.note(int(counts[hit]))}"


def _why_missing(loss: Loss, value: float) -> str:
    if np.isinf(value):
        return "overflows float64 (infinite): check for values near 0 or very large"
    return loss.undefined


def drop_inapplicable(
    frame: Frame, losses: list[Loss], tasks: set[Task], always: Collection[str] = ()
) -> tuple[Frame, list[Loss]]:
    """Leave out losses made for none of the data's tasks, or applicable to no row.

    For the losses the user did not name (the defaults, or 'all'): MAPE has no place
    beside binary labels, nor cross-entropy beside regression values.
    """

    def nowhere(loss: Loss) -> bool:
        if loss.name in always:
            return False
        if not tasks & set(loss.tasks):
            return True
        column = frame.losses[loss.name]
        if not np.isnan(column.values).all():
            return False
        notes = set(column.notes.tolist())
        return all(isinstance(n, str) and n.startswith(NOT_APPLICABLE) for n in notes)

    kept = [loss for loss in losses if not nowhere(loss)]
    return frame.with_losses([loss.name for loss in kept]), kept
