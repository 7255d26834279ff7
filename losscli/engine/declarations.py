"""Checking what a custom loss declares (:mod:`.statistics`): each per-row column by its
kind, one kind per statistic, and no two statistics read under one name. A problem is a
plugin's failure (exit 4), never a wrong number."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import PluginFailure

if TYPE_CHECKING:
    from .statistics import Statistic

Problem = tuple[str, "int | None"]  # what a per-row column has wrong ("": nothing), and where


def same_kind(loss: str, known: Statistic, stat: Statistic) -> None:
    """Refuse a statistic a loss declared before with another kind (its states would not
    combine): a plugin's failure, naming both."""
    if known.kind is not stat.kind and known.kind != stat.kind:
        raise PluginFailure(
            f"loss {loss!r} declares its statistic {stat.name!r} as {known.kind!r} in one "
            f"batch and as {stat.kind!r} in another: a statistic keeps one kind (kinds are "
            "compared by type and fields)"
        )


def clashes(statistics: Iterable[Statistic]) -> str:
    """What two of a loss's value statistics would both be read as by ``compute`` ("": none): the
    names a kind shows (``y.w`` of a spread ``y``; a rank table's ``pos``) are each one
    statistic's."""
    seen: dict[str, str] = {}
    for stat in statistics:
        for shown in stat.kind.names(stat.name):
            other = seen.setdefault(shown, stat.name)
            if other != stat.name:
                return (
                    f"declares statistics {other!r} and {stat.name!r} that would both be "
                    f"read as {shown!r}; rename one"
                )
    return ""


def per_row_problem(
    array: np.ndarray, rows: int, label: str, *, ndims: Collection[int] = (1,)
) -> Problem:
    """A real, finite value per row (or a row of values per row, where ``ndims`` allows);
    else what is wrong and, if one row is, which."""
    if array.ndim not in ndims or not array.shape or array.shape[0] != rows:
        per_row = "one value per row" if tuple(ndims) == (1,) else "a first axis of a row each"
        return f"returned a {label} of shape {array.shape} for {rows} rows; {per_row}", None
    if array.dtype.kind not in "biuf":
        return (
            f"returned a {label} of type {array.dtype}; a loss's values are real numbers "
            "(take the real part, np.real(z), or the modulus, np.abs(z), if that is meant)",
            None,
        )
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        first = int(np.argmax(~np.isfinite(array.reshape(rows, -1)).any(axis=1)))
        value = array[first] if array.ndim == 1 else array[first][~np.isfinite(array[first])][0]
        return f"returned a non-finite {label} ({float(value)})", first
    return "", None


def same_fields(mine: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Two kinds' fields equal (arrays by value): kinds are values."""
    return mine.keys() == theirs.keys() and all(_same(mine[k], theirs[k]) for k in mine)


def _same(mine: Any, theirs: Any) -> bool:
    if isinstance(mine, np.ndarray) or isinstance(theirs, np.ndarray):
        return bool(np.array_equal(mine, theirs))
    return bool(mine == theirs)
