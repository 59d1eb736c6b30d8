"""Centre line, process limits and near limits, one function per chart type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit.spc._options import SpcOptions
from toolkit.spc._points import Points

# Method constants, named where they are used (Making Data Count; Nelson 1982).
XMR_LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two points
MR_SCREEN_FACTOR = 3.267  # D4 for n = 2: upper limit of a moving range
NEAR_SHARE = 2.0 / 3.0  # near limits lie two-thirds of the way from centre to limit
SIGMA_LIMIT = 3.0  # attribute charts: limits at 3 sigma, near limits at 2 sigma


@dataclass(eq=False)
class Limits:
    """Centre, process limits and near limits per point (NaN limits on run charts)."""

    centre: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    near_lower: np.ndarray
    near_upper: np.ndarray


def _segment_mean(pts: Points, x: np.ndarray) -> np.ndarray:
    """Mean of ``x`` over each segment's baseline, per point."""
    return (np.bincount(pts.seg, weights=x * pts.base, minlength=pts.nseg) / pts.base_n)[pts.seg]


def run_limits(pts: Points, opts: SpcOptions) -> Limits:
    """Run chart: centre = median of the baseline (of the ratios with a denominator).

    >>> from toolkit.spc._points import prepare
    >>> df = pd.DataFrame({"d": [1, 2, 3, 4, 5], "e": [1, 1, 3, 2, 9], "n": [2, 4, 4, 8, 10]})
    >>> opts = SpcOptions(value="e", date="d", chart="run", denominator="n")
    >>> run_limits(prepare(df, opts), opts).centre.tolist()  # median of .5 .25 .75 .25 .9
    [0.5, 0.5, 0.5, 0.5, 0.5]
    """
    nan = np.full(pts.n, np.nan)
    base = pts.base
    centre_seg = pd.Series(pts.y[base]).groupby(pts.seg[base]).median().to_numpy()
    return Limits(centre_seg[pts.seg], nan, nan.copy(), nan.copy(), nan.copy())


def xmr_limits(pts: Points, opts: SpcOptions) -> Limits:
    """XmR chart: mean ± 2.66 × mean moving range (screened), near limits at two-thirds.

    >>> from toolkit.spc._points import prepare
    >>> values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    >>> df = pd.DataFrame({"d": range(18), "n": values})
    >>> opts = SpcOptions(value="n", date="d")
    >>> lim = xmr_limits(prepare(df, opts), opts)
    >>> [round(float(v[0]), 2) for v in (lim.lower, lim.centre, lim.upper)]
    [-0.72, 1.94, 4.6]
    """
    y, seg, nseg = pts.y, pts.seg, pts.nseg
    centre = _segment_mean(pts, y)
    mr = np.zeros(pts.n)
    mr[1:] = np.abs(np.diff(y))
    valid = pts.base & ~pts.start
    count = np.bincount(seg, weights=valid, minlength=nseg)
    amr = np.bincount(seg, weights=mr * valid, minlength=nseg) / count
    if opts.screen_outliers:
        keep = valid & ((mr < MR_SCREEN_FACTOR * amr[seg]) | (amr[seg] == 0))
        amr = np.bincount(seg, weights=mr * keep, minlength=nseg) / np.bincount(
            seg, weights=keep, minlength=nseg
        )
    half = XMR_LIMIT_FACTOR * amr[seg]
    return Limits(
        centre,
        centre - half,
        centre + half,
        centre - NEAR_SHARE * half,
        centre + NEAR_SHARE * half,
    )


def attribute_limits(pts: Points, opts: SpcOptions) -> Limits:
    """p, c and u charts: centre ± 3σ (near limits ± 2σ), cut at 0 (and at 1 for p).

    >>> from toolkit.spc._points import prepare
    >>> df = pd.DataFrame({"d": [1, 2, 3, 4], "n": [4, 6, 4, 6]})
    >>> opts = SpcOptions(value="n", date="d", chart="c")
    >>> lim = attribute_limits(prepare(df, opts), opts)
    >>> float(lim.centre[0]), round(float(lim.upper[0]), 3)  # 5 + 3 * sqrt(5)
    (5.0, 11.708)
    """
    chart, seg, nseg, base = opts.chart, pts.seg, pts.nseg, pts.base
    if chart == "c":
        centre = _segment_mean(pts, pts.y)
        sigma = np.sqrt(centre)
    else:
        cl = np.bincount(seg, weights=pts.num * base, minlength=nseg) / np.bincount(
            seg, weights=pts.den * base, minlength=nseg
        )
        centre = cl[seg]
        var = centre * (1 - centre) if chart == "p" else centre
        sigma = np.sqrt(var / pts.den)
    hi = 1.0 if chart == "p" else np.inf
    near = NEAR_SHARE * SIGMA_LIMIT * sigma
    return Limits(
        centre,
        np.clip(centre - SIGMA_LIMIT * sigma, 0.0, hi),
        np.clip(centre + SIGMA_LIMIT * sigma, 0.0, hi),
        np.clip(centre - near, 0.0, hi),
        np.clip(centre + near, 0.0, hi),
    )


#: The limits step of each chart type.
LIMITS: dict[str, Callable[[Points, SpcOptions], Limits]] = {
    "run": run_limits,
    "xmr": xmr_limits,
    "p": attribute_limits,
    "c": attribute_limits,
    "u": attribute_limits,
}


def limits(pts: Points, opts: SpcOptions) -> Limits:
    """Centre and limits of every point for the chart in ``opts`` (see :data:`LIMITS`)."""
    return LIMITS[opts.chart](pts, opts)
