"""A run's interval and comparison settings, resolved once from the options (``--ci``,
``--ci-method``, ``--resamples``, ``--seed``, ``--block-rows``, ``--compare``/``--reference``,
``--adjust``): the API builds one :class:`Uncertainty`, and the kernel's spec, finalizing
and the comparisons read their decisions from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..errors import UsageError
from ..losses import Loss
from ..result import CiSettings
from .bootstrap import FALLBACK_BOOTSTRAP, Resampling

# The comparisons' level and method in a run without --ci
COMPARE_WITHOUT_CI = CiSettings(0.95, "normal")


@dataclass(frozen=True)
class Uncertainty:
    """What a run puts beside its values: each row's interval, and the paired comparisons."""

    ci: CiSettings | None = None  # every row's interval; None: none asked for
    compare: str | bool = False  # the reference model (True: the first); False: no comparison
    compare_ci: CiSettings = COMPARE_WITHOUT_CI  # the comparisons' level, method and adjustment
    resampling: Resampling | None = None  # the kernel's bootstrap, if any (see :meth:`of`)

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
        resampling = None
        if ci is not None and ci.method == "bootstrap":
            if not ci.resamples or ci.seed is None:
                raise UsageError(
                    f"the bootstrap needs its resamples and seed (got {ci.resamples} and "
                    f"{ci.seed}): set both, as --resamples and --seed do"
                )
            resampling = Resampling(ci.resamples, ci.seed, ci.unit_rows or 1)
        elif ci is not None and any(loss.shape.hidden_bootstrap for loss in losses):
            resampling = FALLBACK_BOOTSTRAP
        return cls(
            ci=ci,
            compare=compare,
            compare_ci=ci or replace(COMPARE_WITHOUT_CI, adjust=adjust),
            resampling=resampling,
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
    def moments(self) -> bool:
        """The kernel streams the co-moments of normal intervals and comparisons."""
        return (self.ci is not None or bool(self.compare)) and not self.bootstrap
