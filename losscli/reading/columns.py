"""Which columns to read: the label, the prediction columns, the weight and the group keys."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError

LABEL_NAMES = ("y_true", "label", "target", "actual", "y")
PRED_NAMES = ("y_pred", "pred", "prediction", "forecast", "yhat")


@dataclass(frozen=True)
class ColumnPlan:
    label: str
    preds: tuple[str, ...]
    weight: str | None
    group_by: tuple[str, ...]

    @property
    def numeric(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.label, *self.preds, *filter(None, [self.weight]))))

    @property
    def needed(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.numeric, *self.group_by)))


def plan_columns(
    source: str,
    available: Sequence[str],
    label: str | None,
    preds: Sequence[str],
    weight: str | None,
    group_by: Sequence[str],
) -> ColumnPlan:
    """Check the named columns exist; find an unnamed label or prediction by its usual names."""
    label = _require(source, available, label, "label") if label else _guess(
        source, available, LABEL_NAMES, "label", "--label")
    preds = tuple(_require(source, available, p, "prediction") for p in preds) or (
        _guess(source, available, PRED_NAMES, "prediction", "--pred"),)
    weight = _require(source, available, weight, "weight") if weight else None
    groups = tuple(_require(source, available, g, "group") for g in group_by)
    if label in preds:
        raise InputError(f"{source}: column {label!r} is both the label and a prediction")
    return ColumnPlan(label, preds, weight, groups)


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
    why = (f"several columns could be the {role} ({_listing(found)})" if found
           else f"no column has a usual {role} name ({', '.join(usual)})")
    raise InputError(
        f"{source}: {why}; name it with {option}. The file's columns are: {_listing(available)}"
    )


def _listing(names: Sequence[str], most: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f", … ({len(names)} in all)" if len(names) > most else "")
