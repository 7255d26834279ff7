"""The cells of a row key's period and class parts in the long grid (table and markdown),
and where the grid draws its section lines (:mod:`..result.keys`).

The period is a column of its label (``2026-W14``; ``all`` on rows over all periods), the
class a column after it (the class's or average's name). A class row shows its class only:
the keys it shares with its parent, the row right above it, are left blank. Lines set
apart each file and model's block (after its grand row and that row's classes) and, with
groups, the rows over all groups from the groups above them.
"""

from __future__ import annotations

from dataclasses import field

import numpy as np

from ..records import datarecord
from ..result import Frame
from ..result.keys import AFTER_N
from .marks import Glyphs
from .numbers import format_number

ALL_PERIODS = "all"  # the period cell of a row over all periods


@datarecord
class PartCells:
    """A frame's period and class cells; ``before``: their headers (after the groups),
    ``after``: the headers after n (the support)."""

    frame: Frame
    before: list[str] = field(init=False)
    after: list[str] = field(init=False)

    def __post_init__(self) -> None:
        frame = self.frame
        self.before = ["period"] if frame.period is not None else []
        self.before += ["class"] if frame.classes is not None else []
        self.after = [name for name in AFTER_N if getattr(frame, name) is not None]
        self._block = frame.block_of()

    def keys(self, i: int, groups: list[str], *, under_parent: bool = True) -> list[str]:
        """Row ``i``'s group cells (as given), then its period and class cells; a class
        row's shared keys blank ``under_parent`` (not in a table sorted by any column)."""
        frame = self.frame
        classed = frame.classes is not None and bool(frame.classes.present[i])
        blank = classed and under_parent
        cells = [""] * len(groups) if blank else list(groups)
        if frame.period is not None:
            label = frame.period.label[i]
            cells.append("" if blank else ALL_PERIODS if label is None else str(label))
        if frame.classes is not None:
            cells.append("" if not classed else str(frame.classes.name[i]))
        return cells

    def counts(self, i: int, glyphs: Glyphs) -> list[str]:
        """Row ``i``'s cells after n: its support (weights summed; integers as counts), the
        series it averages over (mase, rmsse)."""
        series = [] if self.frame.n_series is None else [f"{int(self.frame.n_series[i]):,}"]
        if self.frame.support is None:
            return series
        value = float(self.frame.support[i])
        if not np.isfinite(value):
            return [glyphs.missing, *series]
        return [f"{int(value):,}" if value.is_integer() else format_number(value, 5), *series]

    def section_ends(self, i: int, following: object, grouped: bool) -> bool:
        """Whether a line goes below row ``i``, ``following`` (a row, or None, or an elided
        count) coming next: at the end of its block, and above the rows over all groups."""
        if not isinstance(following, int):
            return False
        if self._block[i] != self._block[following]:
            return grouped or bool(self.before)
        overall = self.frame.overall
        return grouped and bool(overall[following]) and not bool(overall[i])
