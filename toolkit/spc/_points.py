"""Order, values and parts: the points of one call as sorted arrays (:class:`Points`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.spc._options import MIN_POINTS, SpcOptions


@dataclass(eq=False)
class Points:
    """The arrays every step shares, sorted by series and period: one entry per point.

    A *segment* is one part (rebase part) of one series; segments are
    contiguous after sorting and numbered 0, 1, … in order.

    Attributes
    ----------
    y : ndarray of float
        The plotted value: the measure, count, ``value / denominator``.
    num, den : ndarray of float
        Numerator (the ``value`` column) and denominator (ones without one).
    g, p : ndarray of int64
        Codes of the series (into ``guniques``) and of the period (into ``puniques``).
    part : ndarray of int64
        Rebase part, 1, 2, … within each series.
    seg : ndarray of int64
        Segment of each point; ``nseg`` segments.
    start : ndarray of bool
        True at the first point of a segment.
    seg_first, seg_len : ndarray of int64
        Position of each segment's first point and its number of points.
    base : ndarray of bool
        The point belongs to its segment's baseline (its first
        ``fix_after_n_points`` points, or all).
    base_n : ndarray of float
        Number of baseline points per segment.
    guniques, puniques : Index
        The series names and the periods, sorted.
    rebase_values : tuple
        The rebase dates, sorted, as the period column's type.
    """

    y: np.ndarray
    num: np.ndarray
    den: np.ndarray
    g: np.ndarray
    p: np.ndarray
    part: np.ndarray
    seg: np.ndarray
    start: np.ndarray
    seg_first: np.ndarray
    seg_len: np.ndarray
    base: np.ndarray
    base_n: np.ndarray
    nseg: int
    guniques: pd.Index
    puniques: pd.Index
    rebase_values: tuple[Any, ...]

    @property
    def n(self) -> int:
        """Number of points."""
        return len(self.y)


#: Largest size of a value the chart accepts. Squares of moving ranges and the
#: limits of far larger values overflow a float to infinity; no count or
#: measure of a care unit comes near it.
MAX_ABS_VALUE = 1e150


def _numeric(data: pd.DataFrame, column: str, argument: str) -> np.ndarray:
    series = data[column]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        raise checks.type_error(
            argument,
            {"sv": "en kolumn med tal", "en": "a numeric column"},
            str(series.dtype),
        )
    values = series.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise ParameterError(
            "spc.missing_values", argument=argument, column=column, count=int(bad.sum())
        )
    huge = np.abs(values) > MAX_ABS_VALUE
    if huge.any():  # limits and moving ranges would overflow to infinity
        raise ParameterError(
            "spc.value_too_large",
            argument=argument,
            column=column,
            count=int(huge.sum()),
            limit=f"{MAX_ABS_VALUE:.0e}",
        )
    return values


def order(
    data: pd.DataFrame, opts: SpcOptions
) -> tuple[np.ndarray, pd.Index, np.ndarray, pd.Index, np.ndarray | None]:
    """Series and period codes, and the permutation that sorts the rows by both.

    Returns ``(gcodes, guniques, pcodes, puniques, order)`` with the codes in
    the rows' order and ``order`` None when the rows are sorted already.

    Raises
    ------
    ParameterError
        No rows; a missing series name or period; a period twice in a series.

    Examples
    --------
    >>> df = pd.DataFrame({"d": [3, 1, 2], "n": [0, 0, 0]})
    >>> order(df, SpcOptions(value="n", date="d"))[4]
    array([1, 2, 0])
    """
    if data.empty:
        raise ParameterError("spc.too_few_points", argument="data", minimum=MIN_POINTS, count=0)
    group = opts.group
    if group is not None:
        if data[group].isna().any():
            raise ParameterError(
                "spc.missing_values",
                argument="group",
                column=group,
                count=int(data[group].isna().sum()),
            )
        gcodes, guniques = pd.factorize(data[group], sort=True)
    else:
        gcodes, guniques = np.zeros(len(data), dtype=np.int64), pd.Index([0])
    periods = data[opts.date]
    if periods.isna().any():
        raise ParameterError(
            "spc.missing_values",
            argument="date",
            column=opts.date,
            count=int(periods.isna().sum()),
        )
    pcodes, puniques = pd.factorize(periods, sort=True)
    gcodes = np.asarray(gcodes, dtype=np.int64)
    pcodes = np.asarray(pcodes, dtype=np.int64)
    key = gcodes * (len(puniques) + 1) + pcodes
    if np.all(key[1:] > key[:-1]):
        return gcodes, guniques, pcodes, puniques, None
    perm = np.argsort(key)  # keys are unique unless dates repeat (checked next)
    key = key[perm]
    if np.any(key[1:] == key[:-1]):
        dup = int(np.sum(key[1:] == key[:-1]))
        raise ParameterError("spc.duplicate_dates", argument="date", column=opts.date, count=dup)
    return gcodes, guniques, pcodes, puniques, perm


def values(data: pd.DataFrame, opts: SpcOptions) -> tuple[np.ndarray, np.ndarray]:
    """Numerators and denominators in the rows' order, checked for the chart.

    Raises
    ------
    ParameterError
        A value or denominator that is not a number or is missing; a
        denominator of zero or less; a negative count (p, c, u); a fractional
        count (c); a numerator above its denominator (p).

    Examples
    --------
    >>> df = pd.DataFrame({"d": [1, 2], "n": [1.0, 2.5]})
    >>> try:
    ...     values(df, SpcOptions(value="n", date="d", chart="c"))
    ... except ParameterError as err:
    ...     print(err.message("en"))
    value: the column n has 1 value that is not a whole number; a c chart counts events (0, 1, 2, …). Use an XmR chart for measures with decimals, or a u chart for counts per exposure.
    """
    chart, value, denominator = opts.chart, opts.value, opts.denominator
    raw = _numeric(data, value, "value")
    if denominator is not None:
        den = _numeric(data, denominator, "denominator")
        if np.any(den <= 0):
            raise ParameterError(
                "spc.bad_denominator",
                argument="denominator",
                column=denominator,
                count=int(np.sum(den <= 0)),
            )
    else:
        den = np.ones(len(data))
    if chart in ("p", "c", "u") and np.any(raw < 0):
        raise ParameterError(
            "spc.negative_count",
            argument="value",
            column=value,
            count=int(np.sum(raw < 0)),
        )
    if chart == "c" and np.any(raw != np.round(raw)):
        raise ParameterError(
            "spc.fractional_count",
            argument="value",
            column=value,
            count=int(np.sum(raw != np.round(raw))),
        )
    if chart == "p" and np.any(raw > den):
        raise ParameterError(
            "spc.proportion_above_one",
            argument="value",
            column=value,
            denominator=denominator,
            count=int(np.sum(raw > den)),
        )
    return raw, den


def parts(
    opts: SpcOptions, pcodes: np.ndarray, puniques: pd.Index, dtype: Any
) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Rebase part (1, 2, …) of each sorted point, and the rebase dates used.

    A part starts at the first period on or after each rebase date.

    Raises
    ------
    ParameterError
        A rebase date not of the periods' type, or not after the first
        period and up to the last.

    Examples
    --------
    >>> opts = SpcOptions(value="n", date="d", rebase=[3])
    >>> parts(opts, np.arange(5), pd.Index([1, 2, 3, 4, 5]), np.dtype("int64"))[0]
    array([1, 1, 2, 2, 2])
    """
    part = np.ones(len(pcodes), dtype=np.int64)
    rebase = opts.rebase
    if rebase is None:
        return part, ()
    if isinstance(rebase, str) or not isinstance(rebase, Sequence | pd.Index | np.ndarray):
        rebase = [rebase]
    try:
        marks = pd.Index(pd.Series(list(rebase)).astype(dtype)).sort_values()
    except (TypeError, ValueError) as exc:
        like = {
            "sv": f"datum som i kolumnen {opts.date}",
            "en": f"dates like the column {opts.date}",
        }
        raise checks.type_error("rebase", like, list(rebase)) from exc
    first, last = puniques[0], puniques[-1]
    out_of_range = [str(m) for m in marks if m <= first or m > last]
    if out_of_range:
        raise ParameterError(
            "spc.rebase_outside",
            argument="rebase",
            dates=", ".join(out_of_range),
            first=str(first),
            last=str(last),
        )
    mark_codes = np.searchsorted(np.asarray(puniques), np.asarray(marks), side="left")
    part = np.searchsorted(mark_codes, pcodes, side="right").astype(np.int64) + 1
    return part, tuple(marks)


def prepare(data: pd.DataFrame, opts: SpcOptions) -> Points:
    """The points of ``data`` sorted by series and period, with parts, segments and baseline.

    Raises
    ------
    ParameterError
        As :func:`order`, :func:`values` and :func:`parts`; and a part of
        fewer than 2 points.

    Examples
    --------
    >>> df = pd.DataFrame({"d": [1, 2, 3, 4], "n": [5.0, 6, 7, 8]})
    >>> pts = prepare(df, SpcOptions(value="n", date="d", rebase=[3], fix_after_n_points=None))
    >>> pts.seg.tolist(), pts.seg_len.tolist(), pts.start.tolist()
    ([0, 0, 1, 1], [2, 2], [True, False, True, False])
    """
    gcodes, guniques, pcodes, puniques, perm = order(data, opts)
    num, den = values(data, opts)
    if perm is not None:
        gcodes, pcodes, num, den = gcodes[perm], pcodes[perm], num[perm], den[perm]
    y = num / den if opts.denominator is not None else num
    part, rebase_values = parts(opts, pcodes, puniques, data[opts.date].dtype)

    n = len(y)
    start = np.ones(n, dtype=bool)
    start[1:] = (gcodes[1:] != gcodes[:-1]) | (part[1:] != part[:-1])
    seg = np.cumsum(start) - 1
    nseg = int(seg[-1]) + 1
    seg_first = np.flatnonzero(start)
    seg_len = np.bincount(seg, minlength=nseg)
    if seg_len.min() < MIN_POINTS:
        argument = "rebase" if rebase_values and np.any(part[seg_first] > 1) else "data"
        raise ParameterError(
            "spc.too_few_points",
            argument=argument,
            minimum=MIN_POINTS,
            count=int(seg_len.min()),
        )
    pos = np.arange(n) - seg_first[seg]
    fix = opts.fix_after_n_points
    base = pos < fix if fix is not None else np.ones(n, bool)
    base_n = np.bincount(seg, weights=base, minlength=nseg)
    return Points(
        y=y,
        num=num,
        den=den,
        g=gcodes,
        p=pcodes,
        part=part,
        seg=seg,
        start=start,
        seg_first=seg_first,
        seg_len=seg_len,
        base=base,
        base_n=base_n,
        nseg=nseg,
        guniques=guniques,
        puniques=puniques,
        rebase_values=rebase_values,
    )
