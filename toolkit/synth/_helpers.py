"""Small random and calendar helpers of the unit generator."""

from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------- helpers


def _weekday_shift(days: np.ndarray) -> np.ndarray:
    """Move Saturday/Sunday (sim day 0 is a Monday) to the next Monday."""
    dow = days % 7
    return days + np.where(dow == 5, 2, np.where(dow == 6, 1, 0))


def _school_year_factor(iso_week: np.ndarray) -> np.ndarray:
    """Referral factor by ISO week for a school-year pattern (mean over a year ≈ 1)."""
    f = np.ones(54)
    f[1] = 0.7
    f[8] = 0.75  # sportlov
    f[15] = 0.85  # påsk (approx.)
    f[24] = 0.85
    f[25] = 0.6
    f[26] = 0.45
    f[27:32] = 0.3
    f[32] = 0.55
    f[33] = 0.9
    f[34:48] = 1.35
    f[44] = 1.05  # höstlov
    f[48:51] = 1.15
    f[51] = 0.8
    f[52:54] = 0.45
    f = f / f[1:53].mean()
    return f[iso_week]


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One index per row of ``probs`` (rows sum to 1), vectorised."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _course(
    rng: np.random.Generator, start: np.ndarray, n: np.ndarray, gap_low: int, gap_high: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Visit dates of courses: course i has n[i] visits from start[i], gaps in days.

    Returns (owner index into start, position in course, day).
    """
    owner = np.repeat(np.arange(len(start)), n)
    first = np.cumsum(n) - n
    pos = np.arange(len(owner)) - np.repeat(first, n)
    gaps = rng.integers(gap_low, gap_high + 1, size=len(owner))
    gaps[pos == 0] = 0
    csum = np.cumsum(gaps)
    offset = csum - np.repeat(csum[first[n > 0]], n[n > 0]) if len(owner) else csum
    day = _weekday_shift(start[owner] + offset)
    return owner, pos, day
