"""The statistics of ``--drift`` over many families at once (a family: one file, model,
group and loss): the one-sided p-value of a difference being worse, p-values adjusted
within each family, and each family's onset, all vectorised over families (a result may
have a million groups, so nothing here loops over them)."""

from __future__ import annotations

import numpy as np


def worse_p(delta: np.ndarray, se: np.ndarray, sign: float) -> np.ndarray:
    """P(a difference this far in the bad direction | no change): the normal tail of
    sign·Δ/se (``sign`` +1 where higher is worse). Without spread a difference either is
    worse (0) or is not (1); NaN where Δ or se is missing."""
    from scipy import special

    bad = sign * delta
    with np.errstate(all="ignore"):
        p = special.ndtr(-bad / se)
    p = np.where(se == 0, np.where(bad > 0, 0.0, 1.0), p)
    return np.where(np.isfinite(delta) & np.isfinite(se), p, np.nan)


def adjusted_within(p: np.ndarray, family: np.ndarray, method: str) -> np.ndarray:
    """Holm's or Benjamini–Hochberg's adjustment of ``p`` within each ``family`` (NaN:
    not in any; it stays NaN), equal to :func:`losscli.result.adjust.adjusted` per family:
    each family's p-values sorted into a row of a (families × most) table, padded, and
    stepped along the rows."""
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if not len(ok):
        return out
    order = ok[np.lexsort((p[ok], family[ok]))]
    fam = family[order]
    starts = np.flatnonzero(np.r_[True, fam[1:] != fam[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    row = np.repeat(np.arange(len(starts)), sizes)
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    m = np.repeat(sizes, sizes).astype(float)
    values = p[order]
    table = np.full((len(starts), int(sizes.max())), np.nan)
    if method == "holm":
        table[row, rank] = values * (m - rank)
        stepped = np.fmax.accumulate(table, axis=1)[row, rank]
    else:  # "bh"
        table[row, rank] = values * m / (rank + 1)
        stepped = np.fmin.accumulate(table[:, ::-1], axis=1)[:, ::-1][row, rank]
    out[order] = np.minimum(np.maximum(stepped, values), 1.0)
    return out


def onsets(worse: np.ndarray, family: np.ndarray, judged: np.ndarray, k: int) -> np.ndarray:
    """The onset of each family (True on one row at most): its first judged row from which
    ``k`` consecutive judged rows (in the given order, which is time order within each
    family) are worse. A judged row that is not worse breaks a run."""
    at = np.flatnonzero(judged)
    out = np.zeros(len(worse), dtype=bool)
    if len(at) < k:
        return out
    fam, bad = family[at], worse[at]
    run = bad.copy()
    for step in range(1, k):  # run[i]: rows i … i + k − 1 are worse, in one family
        same = np.zeros(len(at), dtype=bool)
        same[: len(at) - step] = fam[step:] == fam[:-step]
        ahead = np.zeros(len(at), dtype=bool)
        ahead[: len(at) - step] = bad[step:]
        run &= same & ahead
    hits = np.flatnonzero(run)
    if not len(hits):
        return out
    first = np.r_[True, fam[hits][1:] != fam[hits][:-1]]
    out[at[hits[first]]] = True
    return out
