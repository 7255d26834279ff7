"""Which columns to read: the label, the models' prediction columns, the weight, the group keys.

A model is one prediction column (regression, or binary probabilities) or a set of
class columns (multi-class, from ``--probs``). The label is one column of values,
one column of class names or positions, or one-hot (soft) label columns.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError, UsageError

LABEL_NAMES = ("y_true", "label", "target", "actual", "y")
PRED_NAMES = ("y_pred", "pred", "prediction", "forecast", "yhat")
VALUE, CLASS, ONEHOT = "value", "class", "onehot"


@dataclass(frozen=True)
class Model:
    """Predictions of one model: ``name`` is what result rows call it."""

    name: str
    columns: tuple[str, ...]
    multiclass: bool = False


@dataclass(frozen=True)
class ColumnPlan:
    labels: tuple[str, ...]
    label_kind: str  # VALUE, CLASS or ONEHOT
    models: tuple[Model, ...]
    weight: str | None
    group_by: tuple[str, ...]
    extra: tuple[str, ...] = ()  # numeric columns that losses declare (a plugin's own inputs)

    @property
    def label(self) -> str:
        return self.labels[0]

    @property
    def numeric(self) -> tuple[str, ...]:
        labels = self.labels if self.label_kind != CLASS else ()
        model_columns = (c for m in self.models for c in m.columns)
        return tuple(
            dict.fromkeys((*labels, *model_columns, *filter(None, [self.weight]), *self.extra))
        )

    @property
    def needed(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.labels, *self.numeric, *self.group_by)))


def plan_columns(
    source: str,
    available: Sequence[str],
    label: str | None,
    preds: Sequence[str],
    weight: str | None,
    group_by: Sequence[str],
    probs: Sequence[str] = (),
) -> ColumnPlan:
    """Check the named columns exist; find an unnamed label or prediction by its usual names."""
    if preds and probs:
        raise UsageError(
            "give prediction columns with --pred or class columns with --probs, not both"
        )
    if probs:
        models = tuple(_class_model(source, available, spec) for spec in probs)
    else:
        names = [_require(source, available, p, "prediction") for p in preds] or [
            _guess(source, available, PRED_NAMES, "prediction", "--pred")
        ]
        models = tuple(Model(name, (name,)) for name in names)
    labels = (
        _select(source, available, label, "label")
        if label
        else (_guess(source, available, LABEL_NAMES, "label", "--label"),)
    )
    kind = VALUE
    if probs:
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
    plan = ColumnPlan(labels, kind, models, weight, groups)
    for name in plan.needed:
        if available.count(name) > 1:
            raise InputError(
                f"{source}: the header names column {name!r} "
                f"{available.count(name)} times, so which one is meant is unclear; "
                "rename the copies"
            )
    return plan


def _class_model(source: str, available: Sequence[str], spec: str) -> Model:
    columns = _select(source, available, spec, "class")
    if len(columns) < 2:
        raise InputError(
            f"{source}: --probs {spec!r} names {len(columns)} column; multi-class "
            "predictions need one column per class (for one probability column "
            "use --pred)"
        )
    return Model(spec, columns, multiclass=True)


def _select(source: str, available: Sequence[str], spec: str, role: str) -> tuple[str, ...]:
    """Columns named by a comma list or a glob, in the list's order or the file's order."""
    if is_pattern(spec):
        found = tuple(c for c in available if fnmatch.fnmatchcase(c, spec))
        if not found:
            raise InputError(
                f"{source}: no column matches {spec!r}. "
                f"The file's columns are: {_listing(available)}"
            )
        return found
    if spec in available:
        return (spec,)
    return tuple(_require(source, available, part.strip(), role) for part in spec.split(","))


def is_pattern(spec: str) -> bool:
    """Whether a column spec or path is a glob."""
    return any(ch in spec for ch in "*?[")


def _require(source: str, available: Sequence[str], name: str, role: str) -> str:
    if name in available:
        return name
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
    return shown + (f", … ({len(names)} in all)" if len(names) > most else "")
