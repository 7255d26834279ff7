"""Class labels of multi-class data: each row's label turned into a class position.

A label names its class by the full column name (``p_cat``), by the part after
the class columns' shared prefix (``cat``), or by its 0-based position. Which of
these a file uses is decided on its first chunk and then holds for every chunk.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from .. import _arrow
from ..errors import InputError

SEPARATORS = "_-.:/ "
# evidence a partial keeps (merged by AND, as a model's ``binary``): the label column held
# true/false, so a binary model's classes are named ``false`` and ``true``
BOOLEAN_LABELS = "\0labels: the label column held true/false"


def shared_prefix(columns: Sequence[str]) -> str:
    """The columns' common prefix, cut back to a separator (``p_1`` of p_10, p_11 → ``p_``)."""
    prefix = os.path.commonprefix(list(columns))  # noqa: RUF071  (names, not paths)
    cut = max(prefix.rfind(ch) for ch in SEPARATORS)
    return prefix[: cut + 1] if cut >= 0 else prefix.rstrip("0123456789")


def class_names(
    columns: Sequence[str], *, multiclass: bool, boolean: bool = False
) -> tuple[str, ...]:
    """A model's classes as its rows and its confusion matrix name them. Class columns:
    the part of each name after the columns' shared prefix (``cat`` of ``p_cat``; the
    whole name where that leaves nothing). One column (binary): the label's values,
    negative first: ``false`` and ``true`` where the label column holds true/false
    (``boolean``: every chunk of the input read it so, :data:`BOOLEAN_LABELS`), else ``0``
    and ``1`` (numbers, 0.0 and 1.0 alike)."""
    if not multiclass:
        return ("false", "true") if boolean else ("0", "1")
    prefix = shared_prefix(columns)
    return tuple(column[len(prefix) :] or column for column in columns)


class ClassMatcher:
    """Turns each label text into a class position, the same way in every chunk.

    A text names its class by full column name, else by the part after the shared
    prefix, else by 0-based position. Two different texts that land on one class
    (``1`` by suffix and ``0`` by position, both ``c_1``) make the labels ambiguous:
    an input error wherever in the file they appear, never a guess.
    """

    def __init__(self, columns: Sequence[str], source: str, label: str) -> None:
        self.columns, self.source, self.label = list(columns), source, label
        self.prefix = shared_prefix(columns)
        self._schemes = (
            {c: k for k, c in enumerate(columns)},
            {c[len(self.prefix) :]: k for k, c in enumerate(columns)},
            {str(k): k for k in range(len(columns))},
        )
        self._claimed: dict[int, str] = {}  # class position → the label text that names it

    def positions(self, column: pa.Array | pa.ChunkedArray, offset: int) -> np.ndarray:
        """The class position of every row (−1 where it has no label); a label matching no
        class, or two labels naming one class, is an input error."""
        texts, indices = _encoded(column)
        mapping = np.array([self._class_of(t) for t in texts], dtype=np.int64)
        unmatched = [i for i, t in enumerate(texts) if t != "" and mapping[i] < 0]
        if unmatched:
            first = int(np.argmax(np.isin(indices, unmatched)))
            raise self._unmatched(texts[int(indices[first])], offset + first)
        self._claim(texts, mapping, indices)
        return mapping[indices]  # −1 where the label is missing

    def _claim(self, texts: list[str], mapping: np.ndarray, indices: np.ndarray) -> None:
        """Each text claims its class; a class claimed by two texts is an input error, named
        as the chunk's rows meet them (their first appearance), in whatever order the texts
        were coded."""
        found = [(text, int(k)) for text, k in zip(texts, mapping, strict=True) if text]
        claimed = {**self._claimed}
        if any(claimed.setdefault(k, text) != text for text, k in found):
            firsts = [int(np.argmax(indices == i)) for i in range(len(texts))]
            found = [(texts[i], int(mapping[i])) for i in np.argsort(firsts, kind="stable")]
            for text, k in found:
                if text and self._claimed.setdefault(k, text) != text:
                    raise self._ambiguous(text, k)
        self._claimed = claimed

    def _class_of(self, text: str) -> int:
        if text == "":
            return -1
        return next((scheme[text] for scheme in self._schemes if text in scheme), -1)

    def _unmatched(self, text: str, row: int) -> InputError:
        return InputError(
            f"{self.source}: column {self.label!r}, data row {row + 1}: label {text!r} matches no "
            f"class column. The class columns are {self._shown()}; a label must be a column "
            f"name, the part after {self.prefix!r}, or a 0-based class position "
            f"(0 to {len(self.columns) - 1})."
        )

    def _ambiguous(self, text: str, position: int) -> InputError:
        other = self._claimed[position]
        return InputError(
            f"{self.source}: column {self.label!r}: labels {other!r} and {text!r} both name the "
            f"class column {self.columns[position]!r} (one by name, the other by position); "
            "make the labels all column names, or all 0-based positions."
        )

    def _shown(self) -> str:
        return ", ".join(repr(c) for c in self.columns[:12])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _encoded(column: pa.Array | pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """The column's distinct label texts and each row's index among them: integers without
    nulls by their values (:func:`_integer_codes`), else by Arrow's dictionary encoding
    (which imports ``pyarrow.compute``, ~35 ms of start-up)."""
    if isinstance(column, pa.Array) and pa.types.is_integer(column.type):
        coded = _integer_codes(column)
        if coded is not None:
            return coded
    encoded = _arrow.dictionary_encoded(column)
    return [_text(v) for v in encoded.dictionary.to_pylist()], _arrow.values(encoded.indices)


def _integer_codes(column: pa.Array) -> tuple[list[str], np.ndarray] | None:
    """An integer column's distinct values as texts, in increasing order, and each row's
    index among them; None where it has nulls or values spread wider than its rows."""
    if column.null_count or not len(column):
        return None
    values = _arrow.values(column)
    low, high = int(values.min()), int(values.max())
    if high - low > max(len(values), 1 << 16):
        return None
    shifted = (values - values.dtype.type(low)).astype(np.intp, copy=False)
    present = np.flatnonzero(np.bincount(shifted, minlength=high - low + 1))
    index = np.zeros(high - low + 1, dtype=np.intp)
    index[present] = np.arange(len(present))
    return [str(low + int(v)) for v in present], index[shifted]


def one_hot(positions: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((len(positions), n_classes))
    out[np.arange(len(positions)), positions] = 1.0
    return out
