"""An interval's settings, the one record of a result every run builds (the comparisons'
level and method, :class:`~losscli.engine.settings.Uncertainty`): apart from the typed rows
(:mod:`.rows`), which a plain run never builds (start-up, #18)."""

from __future__ import annotations

from typing import Any

from ..records import datarecord


@datarecord(frozen=True)
class CiSettings:
    """An interval's level and method (the bootstrap's: with its resamples, seed and rows
    per resampling unit); ``adjust`` is how the comparisons made at these settings adjust
    their p-values across groups. A run's are resolved once, in
    :class:`~losscli.engine.settings.Uncertainty`."""

    level: float
    method: str  # "normal" or "bootstrap"
    resamples: int | None = None
    seed: int | None = None
    unit_rows: int | None = None  # rows per resampling unit (``--block-rows``)
    adjust: str = "holm"

    def record(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "method": self.method,
            "resamples": self.resamples,
            "seed": self.seed,
            "block_rows": self.unit_rows,  # the option's name, as users know it
        }
