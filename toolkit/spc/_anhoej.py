"""Anhøj's runs analysis (longest run, crossings) per segment, and its two rules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from toolkit.spc._points import Points

CROSSINGS_ALPHA = 0.05  # Anhøj: 5 % lower binomial limit for crossings


def run_lengths(key: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Length of the run of equal ``key`` each element belongs to (runs cut at ``start``).

    >>> run_lengths(np.array([1, 1, -1, -1, -1, 1]), np.array([True] + [False] * 5))
    array([2, 2, 3, 3, 3, 1])
    """
    if key.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = start.copy()
    change[1:] |= key[1:] != key[:-1]
    run_id = np.cumsum(change) - 1
    return np.bincount(run_id)[run_id]


@cache
def crossings_min(n_trials: int) -> int:
    """``qbinom(0.05, n_trials, 0.5)``: smallest x with P(X <= x) >= 0.05, X ~ Bin(n, 1/2).

    >>> crossings_min(23)  # 24 useful points (qicharts2 vignette: limit 8)
    8
    """
    if n_trials <= 0:
        return 0
    k = np.arange(1, n_trials + 1, dtype=float)
    log_comb = np.concatenate(([0.0], np.cumsum(np.log((n_trials - k + 1) / k))))
    cdf = np.cumsum(np.exp(log_comb - n_trials * np.log(2.0)))
    # R's qbinom allows a relative fuzz of 64 machine epsilons on the probability.
    return int(np.searchsorted(cdf, CROSSINGS_ALPHA * (1 - 64 * np.finfo(float).eps)))


@dataclass(eq=False)
class Runs:
    """The runs analysis: per segment, and the run length of each useful point.

    Points on the centre line (``side == 0``) are not useful: they neither
    break nor extend a run (qicharts2 ``runs.analysis``).
    """

    useful: np.ndarray  # per point: not on the centre line
    useful_run: np.ndarray  # per useful point: length of its run
    n_useful: np.ndarray  # per segment
    longest: np.ndarray
    longest_max: np.ndarray
    crossings: np.ndarray
    crossings_min: np.ndarray
    long_seg: np.ndarray
    few_seg: np.ndarray


def runs_analysis(pts: Points, side: np.ndarray) -> Runs:
    """Longest run and crossings of every segment with their Anhøj limits.

    Longest-run limit :math:`\\operatorname{round}(\\log_2 n) + 3`, crossings
    limit the 5 % quantile of Binomial(n − 1, 1/2), n the useful points.

    >>> from toolkit.spc._options import SpcOptions
    >>> from toolkit.spc._points import prepare
    >>> df = pd.DataFrame({"d": range(24), "n": [1.0] * 12 + [2.0] * 12})
    >>> r = runs_analysis(prepare(df, SpcOptions(value="n", date="d")), np.repeat([-1, 1], 12))
    >>> int(r.longest[0]), int(r.longest_max[0]), int(r.crossings[0]), int(r.crossings_min[0])
    (12, 8, 1, 8)
    """
    nseg = pts.nseg
    useful = side != 0
    u_side, u_seg = side[useful], pts.seg[useful]
    u_start = np.ones(u_side.size, dtype=bool)
    u_start[1:] = u_seg[1:] != u_seg[:-1]
    u_len = run_lengths(u_side, u_start)
    n_useful = np.bincount(u_seg, minlength=nseg)
    run_change = u_start.copy()
    run_change[1:] |= u_side[1:] != u_side[:-1]
    n_runs = np.bincount(u_seg[run_change], minlength=nseg)
    longest = np.zeros(nseg, dtype=np.int64)
    if u_len.size:
        lmax = pd.Series(u_len).groupby(u_seg).max()
        longest[lmax.index.to_numpy()] = lmax.to_numpy()
    with np.errstate(divide="ignore"):
        longest_max = np.where(n_useful > 0, np.round(np.log2(np.maximum(n_useful, 1))) + 3, 0)
    longest_max = longest_max.astype(np.int64)
    crossings = np.maximum(n_runs - 1, 0)
    trials = np.maximum(n_useful - 1, 0)
    uniq = np.unique(trials)
    lookup = np.array([crossings_min(int(m)) for m in uniq], dtype=np.int64)
    cmin = lookup[np.searchsorted(uniq, trials)]
    return Runs(
        useful=useful,
        useful_run=u_len,
        n_useful=n_useful,
        longest=longest,
        longest_max=longest_max,
        crossings=crossings,
        crossings_min=cmin,
        long_seg=(longest > longest_max) & (n_useful > 0),
        few_seg=(crossings < cmin) & (n_useful > 0),
    )


def anhoej_rules(pts: Points, runs: Runs) -> tuple[np.ndarray, np.ndarray]:
    """Per point: in a run longer than its limit; in a segment with too few crossings."""
    long_run = np.zeros(pts.n, dtype=bool)
    long_run[runs.useful] = runs.useful_run > runs.longest_max[pts.seg[runs.useful]]
    return long_run, runs.few_seg[pts.seg]
