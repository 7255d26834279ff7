"""Which model wins each row of the wide layout, and the lines that say so.

Without ``--compare`` the best value of a loss in a row is marked (all models tied: none).
With it, a win is marked only where the paired tests back it, since a difference the data
cannot tell from noise is no win. The paired tests compare each model with the reference
only, so a win is marked where they separate the model from every other one: the
reference where every other model is significantly worse than it; another model where it
is significantly better than the reference and every other model significantly worse
than the reference (so worse than it too). Two models that are each better than the
reference are never told apart: neither is marked. A loss without a paired comparison
(R², ROC-AUC) marks none, nor does a loss without a better side (bias).
"""

from __future__ import annotations

from dataclasses import field

import numpy as np

from ..losses import Direction, find_loss
from ..records import datarecord
from ..result import Comparison, EvaluationResult
from ..result.adjust import ADJUSTMENT_NAMES
from ..result.comparing import Aligned, Key
from .marks import Glyphs

CODES = {"better": 1, "worse": -1, "indistinguishable": 0}
NONE = 9  # no comparison
COMPARE_LEVEL = 0.95  # the comparisons' level without --ci (engine.settings.COMPARE_WITHOUT_CI)


@datarecord
class Wins:
    """One file's wins: per loss, keys × models (``best``, and the verdict codes against the
    reference, ``NONE`` where there is no comparison)."""

    side: Aligned
    reference: str | None
    best: dict[str, np.ndarray] = field(default_factory=dict)
    verdicts: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def any_best(self) -> bool:
        return any(b.any() for b in self.best.values())

    def marks(self, at: int, loss: str, model: str) -> list[str]:
        """The marks (of ``marks.CELL_MARKS``) of ``model``'s value of ``loss`` at key ``at``."""
        j = self.side.models.index(model)
        out = ["best"] if self.best[loss][at, j] else []
        code = self.verdicts[loss][at, j]
        if code == CODES["better"]:
            out.append("better")
        elif code == CODES["worse"]:
            out.append("worse")
        return out


def wins(
    result: EvaluationResult,
    side: Aligned,
    found: dict[tuple[str, str, str, Key], Comparison],
    reference: str | None,
) -> Wins:
    """Per loss, which model is best in each of the file's rows, and each model's verdicts."""
    out = Wins(side, reference)
    compared = {(pred, loss) for (file, pred, loss, _) in found if file == side.file}
    for loss in result.losses:
        codes = np.full((len(side.keys), len(side.models)), NONE)
        for j, model in enumerate(side.models):
            if (model, loss) not in compared:
                continue
            for at, key in enumerate(side.keys):
                c = found.get((side.file, model, loss, key))
                if c is not None:
                    codes[at, j] = CODES[c.verdict]
        out.verdicts[loss] = codes
        values = side.values(result, loss)
        direction = getattr(find_loss(loss), "direction", None)
        higher = direction is Direction.HIGHER
        out.best[loss] = _best(-values if higher else values, codes, side, reference)
        if direction is Direction.NONE:  # bias: no side is better, so no value is best
            out.best[loss][:] = False
    return out


def _best(score: np.ndarray, codes: np.ndarray, side: Aligned, reference: str | None) -> np.ndarray:
    """keys × models: the lowest ``score`` of each row, as the module's docstring says."""
    finite = np.isfinite(score)
    lowest = np.min(np.where(finite, score, np.inf), axis=1, keepdims=True)
    best = finite & (score == lowest)
    ties = best.sum(axis=1)
    if reference is None:
        return best & (ties < len(side.models))[:, None]
    if (codes == NONE).all():  # a loss without a paired comparison: nothing tells wins
        return np.zeros_like(best)
    best &= (ties == 1)[:, None]
    ref = side.models.index(reference)
    others = np.ones(len(side.models), dtype=bool)
    others[ref] = False
    better = codes == CODES["better"]
    by_reference = best[:, ref] & (codes[:, others] == CODES["worse"]).all(axis=1)
    worse = codes == CODES["worse"]
    others_worse = worse.sum(axis=1) == len(side.models) - 2  # all but the model and the reference
    by_other = best & better & (others_worse & (better.sum(axis=1) == 1))[:, None]
    by_other[:, ref] = by_reference
    return by_other


def legend(
    result: EvaluationResult, refs: dict[str, str], glyphs: Glyphs, *, marked: bool
) -> list[str]:
    """What the wide layout's marks and Δ columns mean."""
    lines = []
    if marked:  # the marks last: a line starting with "#", "+" or "-" is markdown syntax
        line = "best of its loss in the row"
        if refs:
            line += ", where the paired tests tell it from every other model"
        if refs and len(result.preds) > 2:  # the tests are against the reference only
            reference = " or ".join(dict.fromkeys(refs.values()))
            line += (
                f": {reference} when every other model is significantly worse than it; "
                f"another model when it is significantly better than {reference} and every "
                f"other model significantly worse than {reference}"
            )
        lines.append(f"{line} ({glyphs.best.strip()})")
    if refs:
        reference = " or ".join(dict.fromkeys(refs.values()))
        ci = result.ci.level if result.ci is not None else COMPARE_LEVEL
        level = f"{100 * ci:g}%"
        adjust = ADJUSTMENT_NAMES[result.adjust]
        lines.append(
            f"significantly better ({glyphs.better.strip()}) or worse ({glyphs.worse.strip()}) "
            f"than {reference} at {level}, {adjust}-adjusted across groups (an overall row by "
            "its own test)"
        )
        lines.append(
            f"{glyphs.delta}: the model's value minus {reference}'s on the same rows, "
            f"with its {level} interval"
        )
    return lines


def closing_lines(
    result: EvaluationResult, sides: list[Aligned], won: dict[str, Wins], *, several: bool
) -> list[str]:
    """Per model (and file): in how many groups it is best, and against the reference."""
    lines = []
    for side in sides:
        w = won[side.file]
        groups = len(side.keys) - 1
        for j, model in enumerate(side.models):
            best = _best_counts(result, w, j, groups)
            against = _against(result, w, j, groups)
            said = [best] if best else []
            said += [f"against {w.reference}: {against}"] if against else []
            if said:
                lines.append(
                    (f"{side.file} · " if several else "") + f"{model}: " + "; ".join(said)
                )
    return lines


def _best_counts(result: EvaluationResult, w: Wins, j: int, groups: int) -> str:
    """Where the model is best, by each loss with a better side ("" where none has one,
    e.g. ``bias`` alone)."""
    from ..losses import Direction, get_loss

    ranked = [loss for loss in result.losses if get_loss(loss).direction is not Direction.NONE]
    if not ranked:
        return ""
    if not groups:
        named = [loss for loss in ranked if w.best[loss][-1, j]]
        return f"best by {', '.join(named)}" if named else "best by no loss"
    counts = [int(w.best[loss][:-1, j].sum()) for loss in ranked]
    parts = [
        f"{count:,} of {groups:,} by {loss}" for count, loss in zip(counts, ranked, strict=True)
    ]
    return "best in " + ", ".join(parts).replace(" by ", " groups by ", 1)


def _against(result: EvaluationResult, w: Wins, j: int, groups: int) -> str:
    parts = []
    for loss in result.losses:
        codes = w.verdicts[loss][:, j]
        if (codes == NONE).all():
            continue
        if not groups:
            word = {1: "better", -1: "worse", 0: "indistinguishable"}[int(codes[-1])]
            parts.append(f"{loss} {word}")
            continue
        count = {name: int((codes[:-1] == code).sum()) for name, code in CODES.items()}
        parts.append(
            f"{loss} better in {count['better']:,}, worse in {count['worse']:,}, "
            f"indistinguishable in {count['indistinguishable']:,}"
        )
    if not parts:
        return ""
    return "; ".join(parts) + (f" ({ADJUSTMENT_NAMES[result.adjust]}-adjusted)" if groups else "")
