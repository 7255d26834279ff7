"""A run's interval and comparison settings, resolved once from the options (``--ci``,
``--ci-method``, ``--resamples``, ``--seed``, ``--block-rows``, ``--compare``/``--reference``,
``--adjust``): the API builds one :class:`Uncertainty`, and the kernel's spec, finalizing
and the comparisons read their decisions from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..losses import Loss
from ..records import datarecord
from ..result import CiSettings
from ..result.adjust import ADJUSTMENTS

if TYPE_CHECKING:
    from .bootstrap import Resampling
    from .drift_spec import DriftSpec

CI_METHODS = ("normal", "bootstrap")
# The comparisons' level and method in a run without --ci
COMPARE_WITHOUT_CI = CiSettings(0.95, "normal")


@datarecord(frozen=True)
class Uncertainty:
    """What a run puts beside its values: each row's interval, and the paired comparisons."""

    ci: CiSettings | None = None  # every row's interval; None: none asked for
    compare: str | bool = False  # the reference model (True: the first); False: no comparison
    compare_ci: CiSettings = COMPARE_WITHOUT_CI  # the comparisons' level, method and adjustment
    resampling: Resampling | None = None  # the kernel's bootstrap, if any (see :meth:`of`)
    drift: DriftSpec | None = None  # --drift: periods against a reference (engine/drift.py)

    @classmethod
    def of(
        cls,
        ci: CiSettings | None,
        *,
        compare: str | bool = False,
        adjust: str = "holm",
        losses: Sequence[Loss] = (),
    ) -> Uncertainty:
        """The settings of a run of ``losses``. The comparisons have the rows' level and
        method (95% and normal without ``ci``), their verdicts adjusted across groups by
        ``adjust``. The kernel resamples for ``--ci-method bootstrap``, and, under the normal
        method, for the custom-shaped losses (R², F1, …: no sound streamed normal interval)."""
        if ci is not None:
            ci = replace(ci, adjust=adjust)
        return cls(
            ci=ci,
            compare=compare,
            compare_ci=ci or replace(COMPARE_WITHOUT_CI, adjust=adjust),
            resampling=_resampling(ci, losses),
        )

    @property
    def adjust(self) -> str:
        """How the comparisons' p-values are adjusted across groups ("holm" or "bh")."""
        return self.compare_ci.adjust

    @property
    def bootstrap(self) -> bool:
        """The rows' intervals (and the comparisons) are the bootstrap's: ratios get
        replicate sums too."""
        return self.ci is not None and self.ci.method == "bootstrap"

    @property
    def delong(self) -> bool:
        """ROC-AUC keeps DeLong's placement tables: for intervals (either method; the
        bootstrap has no rank tables of its own) and comparisons."""
        return self.ci is not None or bool(self.compare) or self.drift is not None

    @property
    def moments(self) -> bool:
        """The kernel streams the co-moments of normal intervals and comparisons."""
        asked = self.ci is not None or bool(self.compare) or self.drift is not None
        return asked and not self.bootstrap


def _resampling(ci: CiSettings | None, losses: Sequence[Loss]) -> Resampling | None:
    """What the kernel resamples (:meth:`Uncertainty.of`); None: nothing, and a run without
    intervals loads nothing of the bootstrap (start-up, #18)."""
    if ci is None:
        return None
    from .bootstrap import FALLBACK_BOOTSTRAP, Resampling

    if ci.method == "bootstrap":
        if not ci.resamples or ci.seed is None:
            raise UsageError(
                f"the bootstrap needs its resamples and seed (got {ci.resamples} and "
                f"{ci.seed}): set both, as --resamples and --seed do"
            )
        return Resampling(ci.resamples, ci.seed, ci.unit_rows or 1)
    if any(loss.shape.hidden_bootstrap for loss in losses):
        return FALLBACK_BOOTSTRAP
    return None


def uncertainty_settings(
    level: float | None,
    *,
    method: str,
    resamples: int,
    seed: int,
    block_rows: int,
    compare: bool | str,
    adjust: str,
    losses: Sequence[Loss],
) -> Uncertainty:
    """The run's interval and comparison settings, checked and resolved once."""
    if adjust not in ADJUSTMENTS:
        raise UsageError(f"adjust must be one of {ADJUSTMENTS}, not {adjust!r}")
    interval = _interval(
        level, method=method, resamples=resamples, seed=seed, block_rows=block_rows
    )
    return Uncertainty.of(interval, compare=compare, adjust=adjust, losses=losses)


def _interval(
    level: float | None, *, method: str, resamples: int, seed: int, block_rows: int
) -> CiSettings | None:
    """The interval settings, checked (a level above 1 is a percentage); None without one."""
    if level is None:
        return None
    if level > 1:
        level = level / 100
    if not 0 < level < 1:
        raise UsageError(f"the interval level must lie between 0 and 1 (or 0 and 100), not {level}")
    if method not in CI_METHODS:
        raise UsageError(f"ci_method must be one of {CI_METHODS}, not {method!r}")
    if method == "normal":
        return CiSettings(level, method)
    if resamples < 2 or block_rows < 1:
        raise UsageError("the bootstrap needs at least 2 resamples and blocks of 1 row or more")
    if not 0 <= seed < 2**64:
        raise UsageError(f"the bootstrap's seed lies between 0 and 2**64 - 1, not {seed}")
    return CiSettings(level, method, resamples, seed, unit_rows=block_rows)
