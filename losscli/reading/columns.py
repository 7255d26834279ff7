"""Which columns to read: the label, the models' prediction columns, the weight, the group keys.

A model is one prediction column (regression, or binary probabilities or logits), a
set of class columns (multi-class, from ``--probs``, or ``--logits`` naming several), or a
quantile forecast's columns, each at its level (``--quantiles``, :mod:`.quantiles`).
A model named twice (the same columns) is evaluated once. The label is one column of values,
one column of class names or positions, or one-hot (soft) label columns.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from ..errors import InputError, UsageError
from ..records import datarecord

if TYPE_CHECKING:  # --quantiles' type: imported where a run has them (start-up, #18)
    from .quantiles import QuantileSpec

LABEL_NAMES = ("y_true", "label", "target", "actual", "y")
PRED_NAMES = ("y_pred", "pred", "prediction", "forecast", "yhat")
VALUE, CLASS, ONEHOT = "value", "class", "onehot"
PERIOD_KEY = "\0period"  # the group key the engine derives from ``ColumnPlan.time`` (--period)


@datarecord(frozen=True)
class Model:
    """Predictions of one model: ``name`` is what result rows call it.

    ``from_logits``: the columns hold logits (scores), turned into probabilities by a
    sigmoid (one column) or a softmax (class columns).
    """

    name: str
    columns: tuple[str, ...]
    multiclass: bool = False
    from_logits: bool = False
    levels: tuple[float, ...] = ()  # a quantile forecast's: each column's level


@datarecord(frozen=True)
class ColumnPlan:
    labels: tuple[str, ...]
    label_kind: str  # VALUE, CLASS or ONEHOT
    models: tuple[Model, ...]
    weight: str | None
    group_by: tuple[str, ...]
    extra: tuple[str, ...] = ()  # numeric columns that losses declare (a plugin's own inputs)
    notices: tuple[str, ...] = ()  # e.g. a model named twice, evaluated once
    time: str | None = None  # --period's time column, read for the PERIOD_KEY in group_by

    @property
    def label(self) -> str:
        return self.labels[0]

    @cached_property  # read per part and per chunk: found once (a frozen plan's are fixed)
    def numeric(self) -> tuple[str, ...]:
        labels = self.labels if self.label_kind != CLASS else ()
        model_columns = (c for m in self.models for c in m.columns)
        return tuple(
            dict.fromkeys((*labels, *model_columns, *filter(None, [self.weight]), *self.extra))
        )

    @cached_property
    def needed(self) -> tuple[str, ...]:
        groups = ((self.time or g) if g == PERIOD_KEY else g for g in self.group_by)
        return tuple(dict.fromkeys((*self.labels, *self.numeric, *groups)))


def plan_columns(
    source: str,
    available: Sequence[str],
    label: str | None,
    preds: Sequence[str],
    weight: str | None,
    group_by: Sequence[str],
    probs: Sequence[str] = (),
    logits: Sequence[str] = (),
    from_logits: bool = False,
    quantiles: Sequence[QuantileSpec] = (),
) -> ColumnPlan:
    """Check the named columns exist; find an unnamed label or prediction by its usual names.

    ``preds``, ``probs`` and ``logits`` are column specs (a name, a comma list or a
    glob); ``from_logits`` makes every model's columns logits; ``quantiles`` are quantile
    forecasts' columns and levels.
    """
    several_labels = bool(label) and (is_pattern(label or "") or "," in (label or ""))
    named = _named_models(source, available, preds, probs, logits, from_logits, label)
    named += [_quantile_model(source, available, spec) for spec in quantiles]
    if not named:
        option = "--probs" if several_labels else "--pred (or, multi-class, --probs)"
        guessed = _guess(source, available, PRED_NAMES, "prediction", option)
        named = [Model(guessed, (guessed,), from_logits=from_logits)]
    models, notices = _once_each(source, named)
    if quantiles:
        _named_once(models)
    multiclass = {m.multiclass for m in models}
    if len(multiclass) > 1:
        raise UsageError(
            "give one-column models (--pred, or --logits with one column) or class-column "
            "models (--probs, or --logits with several columns), not both: their labels differ"
        )
    labels = _labels(source, available, label)
    kind = VALUE
    if True in multiclass:
        kind = ONEHOT if len(labels) > 1 or is_pattern(label or "") else CLASS
        for model in models:
            if kind == ONEHOT and len(labels) != len(model.columns):
                raise InputError(
                    f"{source}: {len(labels)} label columns but {len(model.columns)} "
                    f"class columns in {model.name!r}; give one label column per "
                    "class, in the same order"
                )
    elif len(labels) > 1:
        raise UsageError("several label columns (one-hot labels) need class columns: --probs")
    weight = _require(source, available, weight, "weight") if weight else None
    groups = tuple(_require(source, available, g, "group") for g in group_by)
    used = {c for m in models for c in m.columns}
    for name in labels:
        if name in used:
            raise InputError(f"{source}: column {name!r} is both the label and a prediction")
    plan = ColumnPlan(labels, kind, models, weight, groups, notices=notices)
    for name in plan.needed:
        if available.count(name) > 1:
            raise InputError(
                f"{source}: the header names column {name!r} "
                f"{available.count(name)} times, so which one is meant is unclear; "
                "rename the copies"
            )
    return plan


def _labels(source: str, available: Sequence[str], label: str | None) -> tuple[str, ...]:
    if label:
        return _select(source, available, label, "label")
    return (_guess(source, available, LABEL_NAMES, "label", "--label"),)


def _named_models(
    source: str,
    available: Sequence[str],
    preds: Sequence[str],
    probs: Sequence[str],
    logits: Sequence[str],
    from_logits: bool,
    label: str | None,
) -> list[Model]:
    """Every model the options name: one per column matched by ``--pred``, one per
    ``--probs`` spec, and per ``--logits`` spec one binary (one column) or class model.

    A glob never matches a label column (``-p 'y_*'`` beside the label ``y_true``).
    """
    labels = _label_columns(source, available, label, (*preds, *probs, *logits))
    models = [
        Model(column, (column,), from_logits=from_logits)
        for spec in preds
        for column in _select(source, available, spec, "prediction", labels)
    ]
    models += [_class_model(source, available, spec, from_logits, labels) for spec in probs]
    for spec in logits:
        columns = _select(source, available, spec, "logit", labels)
        if len(columns) == 1:
            models.append(Model(columns[0], columns, from_logits=True))
        else:
            models.append(Model(spec, columns, multiclass=True, from_logits=True))
    return models


def _label_columns(
    source: str, available: Sequence[str], label: str | None, specs: Sequence[str]
) -> frozenset[str]:
    """The label columns, for globs to leave out; none when no spec is a glob, or when the
    label cannot be found yet (that error comes later, in its turn)."""
    if not any(map(is_pattern, specs)):
        return frozenset()
    try:
        return frozenset(_labels(source, available, label))
    except InputError:
        return frozenset()


def _once_each(source: str, models: Sequence[Model]) -> tuple[tuple[Model, ...], tuple[str, ...]]:
    """The models without repeats (the same columns named twice, literally or by overlapping
    globs), the first naming kept, and a notice naming the repeated ones."""
    kept: dict[tuple[str, ...], Model] = {}
    repeated: list[str] = []
    for model in models:
        first = kept.setdefault(model.columns, model)
        if first is model:
            continue
        if first.from_logits != model.from_logits:
            raise UsageError(
                f"columns {', '.join(map(repr, model.columns))} are named both as "
                "probabilities and as logits; name them once, with --probs/--pred or --logits"
            )
        if first.name not in repeated:
            repeated.append(first.name)
    if not repeated:
        return tuple(kept.values()), ()
    names = ", ".join(map(repr, repeated))
    notice = (
        f"{source}: model {names} is named more than once; it is evaluated once"
        if len(repeated) == 1
        else f"{source}: models {names} are named more than once; each is evaluated once"
    )
    return tuple(kept.values()), (notice,)


def _named_once(models: Sequence[Model]) -> None:
    """Two models of one name (a quantile model named as a prediction column) are refused."""
    names = [m.name for m in models]
    twice = next((name for i, name in enumerate(names) if name in names[:i]), None)
    if twice is not None:
        raise UsageError(
            f"two models are named {twice!r}; name the quantile model: "
            "--quantiles 'NAME:COL=LEVEL,…'"
        )


def _quantile_model(source: str, available: Sequence[str], spec: QuantileSpec) -> Model:
    columns = tuple(_require(source, available, c, "quantile") for c in spec.columns)
    return Model(spec.model_name, columns, levels=spec.levels)


def _class_model(
    source: str, available: Sequence[str], spec: str, from_logits: bool, labels: frozenset[str]
) -> Model:
    columns = _select(source, available, spec, "class", labels)
    if len(columns) < 2:
        raise InputError(
            f"{source}: --probs {spec!r} names {len(columns)} column; multi-class "
            "predictions need one column per class (for one probability column "
            "use --pred)"
        )
    return Model(spec, columns, multiclass=True, from_logits=from_logits)


def _select(
    source: str,
    available: Sequence[str],
    spec: str,
    role: str,
    unmatched: Collection[str] = (),
) -> tuple[str, ...]:
    """Columns named by a comma list or a glob, in the list's order or the file's order; a
    column whose name is the spec itself (glob characters or commas included) comes first.
    A glob never matches the ``unmatched`` columns (the label, for predictions)."""
    if spec in available:
        return (spec,)
    if is_pattern(spec):
        found = tuple(c for c in available if fnmatch.fnmatchcase(c, spec) and c not in unmatched)
        if not found:
            raise InputError(
                f"{source}: no column matches {spec!r}. "
                f"The file's columns are: {_listing(available)}"
            )
        return found
    return tuple(_require(source, available, part.strip(), role) for part in spec.split(","))


def is_pattern(spec: str) -> bool:
    """Whether a column spec or path is a glob."""
    return any(ch in spec for ch in "*?[")


def _require(source: str, available: Sequence[str], name: str, role: str) -> str:
    if name in available:
        return name
    import difflib  # only for this message

    close = difflib.get_close_matches(name, available, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise InputError(
        f"{source}: no {role} column {name!r}.{hint} The file's columns are: {_listing(available)}"
    )


def _guess(
    source: str, available: Sequence[str], usual: Sequence[str], role: str, option: str
) -> str:
    lowered = {c.strip().lower(): c for c in available}
    found = [lowered[name] for name in usual if name in lowered]
    if len(found) == 1:
        return found[0]
    why = (
        f"several columns could be the {role} ({_listing(found)})"
        if found
        else f"no column has a usual {role} name ({', '.join(usual)})"
    )
    raise InputError(
        f"{source}: {why}; name it with {option}. The file's columns are: {_listing(available)}"
    )


def _listing(names: Sequence[str], most: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f", … ({len(names):,} in all)" if len(names) > most else "")
