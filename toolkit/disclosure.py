"""Disclosure control for share mode: counts rounded to base 5 so that no identity undoes it.

Share mode (``--share``) must hide small counts in a way that survives
arithmetic: a reader who knows the rules and the identities between the
numbers (waiting now = waiting before + arrived − completed − removed, rows
read = rows used + rows excluded, a total = the sum of its parts, a mean
times the number of points = their sum) must not be able to work a hidden
count out again. Hiding 1–4 alone does not survive: with every other term of
an identity shown, the hidden one is a subtraction away.

The method (see ``docs/disclosure.md``):

1. **Every count is rounded to a multiple of 5** (:data:`ROUNDING_BASE`) by
   :func:`round_to_base` (nearest, halves up), the rounding that the
   NHS Digital HES and ONS publication rules use together with small-number
   suppression so that suppressed numbers cannot be recovered by
   differencing.
2. **Controlled rounding where the report shows an identity**: numbers that
   add up in the data add up in the report, because the report derives them
   from rounded parts instead of rounding each on its own.
   :func:`round_flow` rounds each stage's *cumulative* arrivals, completions
   and removals and the queue at the start of the period, and takes the
   weekly counts as differences of the rounded cumulative counts and the
   queue as the rounded start plus rounded arrivals less rounded leavers.
   :func:`round_parts` does the same for a total and its parts. Every
   number shown is then a function of independently rounded quantities
   only; the identities hold among the shown numbers themselves and tell a
   reader nothing more than each rounding does (each true value stays
   anywhere in a range of 5).
3. **Small published values are shown as "<threshold"** (:func:`display`):
   a rounded value below the threshold (0 included, which may be 1 or 2) is
   never printed as a number.
4. **Rates, medians and other figures resting on patients** (median wait,
   90th percentile, share within target, oldest wait) are shown only where
   they rest on at least ``threshold`` patients, and only over the whole
   report period, never per week (a weekly share with its weekly base can
   give the base away).

Examples
--------
>>> round_to_base([0, 1, 2, 3, 7, 8, 12, 13])
array([ 0,  0,  0,  5,  5, 10, 10, 15])
>>> display(5, 5, lang="en"), display(0, 5, lang="en"), display(15, 5, lang="en")
('5', '<5', '15')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FLOW_COUNTS",
    "FLOW_RATES",
    "ROUNDING_BASE",
    "display",
    "round_flow",
    "round_numbers_in_text",
    "round_parts",
    "round_to_base",
]

#: Every count in a share-mode output is a multiple of this.
ROUNDING_BASE = 5
#: The count columns of :func:`toolkit.flow.weekly_flow` rounded by :func:`round_flow`.
FLOW_COUNTS: tuple[str, ...] = ("arrivals", "completions", "removals")
#: Columns of :func:`toolkit.flow.weekly_flow` that rest on a week's patients: emptied.
FLOW_RATES: tuple[str, ...] = (
    "mean_wait_days",
    "median_wait_days",
    "p90_wait_days",
    "oldest_waiting_days",
    "share_within_target",
)


def round_to_base(values: ArrayLike, base: int = ROUNDING_BASE) -> NDArray[np.int64]:
    """Round whole numbers to the nearest multiple of ``base``, halves up.

    .. math:: r(x) = b \\left\\lfloor \\frac{x}{b} + \\frac{1}{2} \\right\\rfloor

    so :math:`|r(x) - x| \\le \\lfloor b/2 \\rfloor` (2 with base 5).
    """
    x = np.asarray(values, dtype=float)
    return (base * np.floor(x / base + 0.5)).astype(np.int64)


def round_parts(parts: Sequence[float], base: int = ROUNDING_BASE) -> tuple[list[int], int]:
    """Rounded parts and their total as the sum of the rounded parts (controlled rounding).

    >>> round_parts([3, 4, 11])
    ([5, 5, 10], 20)
    """
    rounded = [int(v) for v in round_to_base(list(parts), base)] if len(parts) else []
    return rounded, int(sum(rounded))


def round_flow(weekly: pd.DataFrame, base: int = ROUNDING_BASE) -> pd.DataFrame:
    """A weekly flow table with its counts rounded consistently, for share mode.

    Parameters
    ----------
    weekly : pandas.DataFrame
        :func:`toolkit.flow.weekly_flow` output: ``period``, ``stage``,
        ``arrivals``, ``completions``, ``removals``, ``waiting_start``,
        ``waiting_end`` and rate columns.
    base : int
        Rounding base (5).

    Returns
    -------
    pandas.DataFrame
        The same columns and rows. Per stage, in period order, with
        cumulative counts :math:`A_t, C_t, R_t` and the queue :math:`W_0`
        before the first period:

        .. math:: a'_t = r(A_t) - r(A_{t-1}), \\quad
                  W'_t = r(W_0) + r(A_t) - r(C_t) - r(R_t)

        (likewise :math:`c'_t, r'_t`), with :math:`r` :func:`round_to_base`
        and :math:`W'` cut at 0. So :math:`W'_t = W'_{t-1} + a'_t - c'_t -
        r'_t` holds among the shown numbers (except where the cut at 0
        bites) and each shown number is a function of the rounded
        cumulative counts alone. The columns :data:`FLOW_RATES` are emptied
        (NaN). ``attrs`` are kept, with ``attrs["rounded"] = base``.

    Examples
    --------
    >>> w = pd.DataFrame({"period": [1, 2, 3], "stage": "s", "arrivals": [3, 4, 1],
    ...                   "completions": [2, 2, 2], "removals": [0, 0, 0],
    ...                   "waiting_start": [6, 7, 9], "waiting_end": [7, 9, 8]})
    >>> round_flow(w)[["arrivals", "completions", "waiting_start", "waiting_end"]].to_numpy().tolist()
    [[5, 0, 5, 10], [0, 5, 10, 5], [5, 0, 5, 10]]
    """
    out = weekly.copy()
    for _, rows in weekly.groupby("stage", sort=False, observed=True):
        index = rows.sort_values("period").index
        cumulative = {
            c: round_to_base(weekly.loc[index, c].astype(float).fillna(0).cumsum(), base)
            for c in FLOW_COUNTS
        }
        start = int(round_to_base([float(weekly.loc[index[0], "waiting_start"])], base)[0])
        for c in FLOW_COUNTS:
            out.loc[index, c] = np.diff(cumulative[c], prepend=0)
        end = start + cumulative["arrivals"] - cumulative["completions"] - cumulative["removals"]
        before = np.concatenate([[start], end[:-1]])
        out.loc[index, "waiting_end"] = np.maximum(end, 0)
        out.loc[index, "waiting_start"] = np.maximum(before, 0)
    for c in FLOW_RATES:
        if c in out.columns:
            out[c] = np.nan
    for c in (*FLOW_COUNTS, "waiting_start", "waiting_end"):
        out[c] = out[c].astype(np.int64)
    out.attrs = dict(weekly.attrs)
    out.attrs["rounded"] = base
    return out


def display(value: Any, threshold: int, *, lang: str = "sv") -> str:
    """A published (rounded) count as text: ``<threshold`` below the threshold, else the number."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "–"
    v = int(value)
    if v < threshold:
        return f"<{threshold}"
    text = f"{v:,d}"
    return text.replace(",", "\u00a0") if lang == "sv" else text


_NUMBER = re.compile(r"(?<![\w\-./:,])\d+(?![\w\-./:]|,\d)")


def round_numbers_in_text(text: str, threshold: int, *, lang: str = "sv") -> str:
    """A note with every free-standing whole number rounded and shown as :func:`display` does.

    Numbers that are part of a date, a code or a decimal (next to a letter,
    ``-``, ``.``, ``/``, ``:`` or a decimal comma) are left as they are.

    >>> round_numbers_in_text("2 referrals from 2024-01-03 in p90; 12 rows, 1,5 h", 5, lang="en")
    '<5 referrals from 2024-01-03 in p90; 10 rows, 1,5 h'
    """
    return _NUMBER.sub(
        lambda m: display(int(round_to_base([int(m.group())])[0]), threshold, lang=lang), text
    )
