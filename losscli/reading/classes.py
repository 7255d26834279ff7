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


def shared_prefix(columns: Sequence[str]) -> str:
    """The columns' common prefix, cut back to a separator (``p_1`` of p_10, p_11 → ``p_``)."""
    prefix = os.path.commonprefix(list(columns))  # noqa: RUF071  (names, not paths)
    cut = max(prefix.rfind(ch) for ch in SEPARATORS)
    return prefix[: cut + 1] if cut >= 0 else prefix.rstrip("0123456789")


class ClassMatcher:
    def __init__(self, columns: Sequence[str], source: str, label: str) -> None:
        self.columns, self.source, self.label = list(columns), source, label
        self.prefix = shared_prefix(columns)
        self._names = {c: k for k, c in enumerate(columns)}
        self._suffixes = {c[len(self.prefix):]: k for k, c in enumerate(columns)}
        self._positions = {str(k): k for k in range(len(columns))}
        self.lookup: dict[str, int] | None = None

    def positions(self, column: pa.Array | pa.ChunkedArray, offset: int) -> np.ndarray:
        """The class position of every row (−1 where it has no label); a label matching no
        class is an input error."""
        encoded = _arrow.dictionary_encoded(column)
        texts = [_text(v) for v in encoded.dictionary.to_pylist()]
        if self.lookup is None:
            self.lookup = self._choose(texts)
        mapping = np.array([self.lookup.get(t, -1) for t in texts], dtype=np.int64)
        unmatched = [i for i, t in enumerate(texts) if t != "" and mapping[i] < 0]
        indices = _arrow.values(encoded.indices)
        if unmatched:
            first = int(np.argmax(np.isin(indices, unmatched)))
            raise self._unmatched(texts[int(indices[first])], offset + first)
        return mapping[indices]  # −1 where the label is missing

    def _choose(self, texts: list[str]) -> dict[str, int]:
        """Full names, else suffixes, else positions: the first scheme that matches every label
        of the first chunk (a later label that does not fit it is an error, never a guess)."""
        texts = [t for t in texts if t != ""]
        schemes = (self._names, self._suffixes, self._positions)
        for scheme in schemes:
            if all(t in scheme for t in texts):
                return scheme
        return max(schemes, key=lambda s: sum(t in s for t in texts))

    def _unmatched(self, text: str, row: int) -> InputError:
        shown = ", ".join(repr(c) for c in self.columns[:12])
        what = f"label {text!r} matches no class column"
        if self.lookup is not None and any(text in s for s in (self._names, self._suffixes,
                                                               self._positions)):
            what += " in the way earlier labels did (names, suffixes or positions)"
        return InputError(
            f"{self.source}: column {self.label!r}, row {row + 1}: {what}. The class columns are "
            f"{shown}; a label must be a column name, the part after {self.prefix!r}, or a "
            f"0-based class position (0 to {len(self.columns) - 1})."
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def one_hot(positions: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((len(positions), n_classes))
    out[np.arange(len(positions)), positions] = 1.0
    return out
