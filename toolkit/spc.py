"""Statistical process control: XmR, run, p, c and u charts with two rule sets.

``spc`` returns one tidy table per call (one row per period, and per series
when ``group`` is given) with the centre line, process limits, near limits,
one column per rule and the point type; the options travel in
``DataFrame.attrs``. ``spc_summary`` gives the Making Data Count variation
and assurance icons. Drawing lives in :func:`toolkit.charts.spc_chart`.

Everything is vectorised over all series and all parts at once: a call with
100 000 series of 60 points makes no Python loop over series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import ParameterError

__all__ = ["POINT_TYPES", "RULE_COLUMNS", "RunsAnalysis", "spc", "spc_summary"]

# Method constants, named where they are used (Making Data Count; Nelson 1982).
XMR_LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two points
MR_SCREEN_FACTOR = 3.267  # D4 for n = 2: upper limit of a moving range
NEAR_SHARE = 2.0 / 3.0  # near limits lie two-thirds of the way from centre to limit
SIGMA_LIMIT = 3.0  # attribute charts: limits at 3 sigma, near limits at 2 sigma
SHORT_PART_POINTS = 12  # NHSRplotthedots warns below 12 points per part
MIN_POINTS = 2  # fewest points a part may have
CROSSINGS_ALPHA = 0.05  # Anhøj: 5 % lower binomial limit for crossings

CHARTS = ("xmr", "run", "p", "c", "u")
RULE_SETS = ("mdc", "anhoej")
IMPROVEMENTS = ("increase", "decrease")
RULE_COLUMNS = (
    "rule_outside_limits",
    "rule_run",
    "rule_trend",
    "rule_two_of_three",
    "rule_long_run",
    "rule_few_crossings",
)
#: Point type codes, in the order of their integer codes. ``neutral_high`` and
#: ``neutral_low`` are the special causes of a measure without an improvement
#: direction (NHSRplotthedots' ``special_cause_neutral_high``/``_low``);
#: ``neither`` a special cause without a direction (Anhøj's too few crossings).
POINT_TYPES = ("common_cause", "improvement", "concern", "neither", "neutral_high", "neutral_low")
_COMMON, _IMPROVEMENT, _CONCERN, _NEITHER, _NEUTRAL_HIGH, _NEUTRAL_LOW = range(6)
#: Charts whose plotted value is ``value / denominator`` (a run chart optionally).
RATIO_CHARTS = ("p", "u")


@dataclass(frozen=True, eq=False)
class RunsAnalysis:
    """The runs analysis per series and part, kept in ``table.attrs["runs_analysis"]``.

    Immutable: ``pandas`` copies ``attrs`` on every operation, so this object
    returns itself when copied and compares by value; call :meth:`to_frame`
    for a table with the columns ``group`` (when grouped), ``part``,
    ``n_useful``, ``longest_run``, ``longest_run_max``, ``crossings``,
    ``crossings_min``, ``signal``.
    """

    columns: tuple[tuple[str, np.ndarray], ...]

    def to_frame(self) -> pd.DataFrame:
        """The runs analysis as a DataFrame, one row per series and part."""
        return pd.DataFrame({name: values.copy() for name, values in self.columns})

    def __deepcopy__(self, memo: dict[int, Any]) -> RunsAnalysis:
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunsAnalysis):
            return NotImplemented
        return len(self.columns) == len(other.columns) and all(
            a == b and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
            for (a, x), (b, y) in zip(self.columns, other.columns, strict=True)
        )

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.columns[0][1]) if self.columns else 0


# --------------------------------------------------------------------------- helpers


def _run_lengths(key: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Length of the run of equal ``key`` each element belongs to (runs cut at ``start``)."""
    if key.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = start.copy()
    change[1:] |= key[1:] != key[:-1]
    run_id = np.cumsum(change) - 1
    return np.bincount(run_id)[run_id]


@cache
def _crossings_min(n_trials: int) -> int:
    """``qbinom(0.05, n_trials, 0.5)``: smallest x with P(X <= x) >= 0.05, X ~ Bin(n, 1/2)."""
    if n_trials <= 0:
        return 0
    k = np.arange(1, n_trials + 1, dtype=float)
    log_comb = np.concatenate(([0.0], np.cumsum(np.log((n_trials - k + 1) / k))))
    cdf = np.cumsum(np.exp(log_comb - n_trials * np.log(2.0)))
    # R's qbinom allows a relative fuzz of 64 machine epsilons on the probability.
    return int(np.searchsorted(cdf, CROSSINGS_ALPHA * (1 - 64 * np.finfo(float).eps)))


def _fail(key: str, lang: str | None, **fields: Any) -> ParameterError:
    return ParameterError(key, lang=lang, **fields)


def _check_choice(name: str, value: Any, allowed: Sequence[Any], lang: str | None) -> None:
    if value not in allowed:
        raise _fail(
            "common.param_choice",
            lang,
            argument=name,
            value=value,
            allowed=", ".join(str(a) for a in allowed),
        )


def _check_column(data: pd.DataFrame, name: str, column: Any, lang: str | None) -> None:
    if not isinstance(column, str) or column not in data.columns:
        raise _fail(
            "spc.missing_column",
            lang,
            argument=name,
            column=column,
            columns=", ".join(map(str, data.columns)),
        )


def _validate(
    data: Any,
    value: Any,
    date: Any,
    chart: Any,
    rules: Any,
    improvement: Any,
    target: Any,
    fix_after_n_points: Any,
    denominator: Any,
    group: Any,
    run_length: Any,
    trend_length: Any,
    lang: str | None,
) -> None:
    if not isinstance(data, pd.DataFrame):
        raise _fail(
            "common.param_type",
            lang,
            argument="data",
            expected="pandas.DataFrame",
            got=type(data).__name__,
        )
    _check_choice("chart", chart, CHARTS, lang)
    _check_choice("rules", rules, RULE_SETS, lang)
    _check_choice("improvement", improvement, (None, *IMPROVEMENTS), lang)
    _check_choice("run_length", run_length, (6, 7), lang)
    _check_choice("trend_length", trend_length, (6, 7), lang)
    _check_column(data, "value", value, lang)
    _check_column(data, "date", date, lang)
    if group is not None:
        _check_column(data, "group", group, lang)
    if chart in RATIO_CHARTS and denominator is None:
        raise _fail("spc.denominator_required", lang, argument="denominator", chart=chart)
    if chart in (*RATIO_CHARTS, "run"):
        if denominator is not None:
            _check_column(data, "denominator", denominator, lang)
    elif denominator is not None:
        raise _fail("spc.denominator_unused", lang, argument="denominator", chart=chart)
    if target is not None and (
        isinstance(target, bool)
        or not isinstance(target, int | float | np.number)
        or not np.isfinite(target)
    ):
        raise _fail(
            "common.param_type", lang, argument="target", expected="a finite number", got=target
        )
    if fix_after_n_points is not None and (
        isinstance(fix_after_n_points, bool)
        or not isinstance(fix_after_n_points, int | np.integer)
        or fix_after_n_points < MIN_POINTS
    ):
        raise _fail(
            "common.param_range",
            lang,
            argument="fix_after_n_points",
            value=fix_after_n_points,
            allowed=f"an integer >= {MIN_POINTS}",
        )


def _numeric(data: pd.DataFrame, column: str, argument: str, lang: str | None) -> np.ndarray:
    series = data[column]
    if not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)):
        raise _fail(
            "common.param_type",
            lang,
            argument=argument,
            expected="a numeric column",
            got=str(series.dtype),
        )
    values = series.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise _fail(
            "spc.missing_values", lang, argument=argument, column=column, count=int(bad.sum())
        )
    return values


# --------------------------------------------------------------------------- main


def spc(
    data: pd.DataFrame,
    *,
    value: str,
    date: str,
    chart: str = "xmr",
    rules: str = "mdc",
    improvement: str | None = None,
    target: float | None = None,
    rebase: Sequence[Any] | None = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    denominator: str | None = None,
    group: str | None = None,
    run_length: int = 7,
    trend_length: int = 7,
    lang: str | None = None,
) -> pd.DataFrame:
    """Control-chart limits, special-cause rules and point types for one or many series.

    Parameters
    ----------
    data : DataFrame
        One row per period (and per series when ``group`` is given): aggregated
        counts or measures, never person-level rows.
    value : str
        Column with the measure (xmr, run), the count of events (c, u) or the
        number of cases with the event (p, the numerator).
    date : str
        Column with the period (dates or any sortable values); unique per series.
    chart : {"xmr", "run", "p", "c", "u"}
        XmR (individuals) chart, run chart (median; of ``value / denominator``
        when a denominator is given, as qicharts2's ``qic(x, y, n)``), p chart
        (proportion, ``value / denominator``), c chart (counts: whole numbers),
        u chart (rate, ``value / denominator``).
    rules : {"mdc", "anhoej"}
        ``"mdc"``: Making Data Count (outside limits; a run of ``run_length`` on
        one side of the centre; a trend of ``trend_length`` rising or falling;
        2 of 3 beyond the near limits). ``"anhoej"``: outside limits (control
        charts only), unusually long runs and too few crossings.
    improvement : {None, "increase", "decrease"}
        Which direction is better; decides improvement or concern. ``None``
        (no direction is better) marks a special cause ``"neutral_high"`` or
        ``"neutral_low"`` by its direction, as Making Data Count's purple.
    target : float, optional
        Target value, kept in ``attrs`` for :func:`spc_summary` and the chart.
    rebase : sequence of dates, optional
        Start a new part at the first period on or after each date; limits are
        recomputed per part. Each date must lie after the first period and
        not after the last one.
    fix_after_n_points : int, optional
        Compute the centre and limits from the first n points of each part
        only (a frozen baseline) and extend them to later points.
    screen_outliers : bool
        XmR only: leave out moving ranges above 3.267 × their mean before the
        limits are computed (Nelson 1982; NHSRplotthedots' default).
    denominator : str, optional
        Column with the denominators (cases for p, exposure for u; any
        denominator of a ratio for a run chart). Required for p and u charts,
        optional for run charts, refused for xmr and c.
    group : str, optional
        Column naming the series: one call computes them all, each separately.
    run_length, trend_length : {7, 6}
        Points needed for the run and trend rules of ``"mdc"`` (6 is the
        option the Making Data Count Excel tool offers).
    lang : {"sv", "en"}, optional
        Language of error messages.

    Returns
    -------
    DataFrame
        Sorted by group and period, with the columns ``group`` (when given),
        ``period``, ``part`` (1, 2, … per rebase part), ``value`` (the
        plotted value: the measure, count, proportion or rate), ``centre``,
        ``lower``, ``upper``, ``near_lower``, ``near_upper`` (NaN on run
        charts), ``rule_outside_limits``, ``rule_run``, ``rule_trend``,
        ``rule_two_of_three``, ``rule_long_run``, ``rule_few_crossings``
        (nullable booleans: ``<NA>`` where the rule set or chart does not
        use the rule), ``special_cause`` (any rule fired), ``point_type``
        (categorical: ``common_cause``, ``improvement``, ``concern``,
        ``neither``, ``neutral_high``, ``neutral_low``) and ``short_part`` (True in parts of fewer than 12
        points, whose limits are trial limits). ``attrs["spc"]`` holds the
        options; ``attrs["runs_analysis"]`` a :class:`RunsAnalysis`.

    Raises
    ------
    ParameterError
        Naming the argument: unknown chart, rule set or improvement; missing
        columns; missing values; duplicate periods; zero, missing or negative
        denominators; negative counts; fractional counts on a c chart;
        proportions above 1; a rebase date
        outside the series; a part of fewer than 2 points.

    Notes
    -----
    With :math:`x_i` the plotted value of point i of a part (unit of the
    measure), the baseline B its first ``fix_after_n_points`` points (all by
    default) and :math:`m` the size of B:

    - xmr: centre :math:`\\bar x = \\sum_B x_i / m`; moving ranges
      :math:`MR_i = |x_i - x_{i-1}|` within B; :math:`\\overline{MR}` their mean,
      after screening out :math:`MR_i \\ge 3.267\\,\\overline{MR}`; limits
      :math:`\\bar x \\pm 2.66\\,\\overline{MR}`; near limits
      :math:`\\bar x \\pm \\tfrac23 \\cdot 2.66\\,\\overline{MR}`.
    - run: centre = median of B; no limits. With a denominator,
      :math:`x_i = e_i / n_i` and the centre is the median of these ratios
      (qicharts2 ``qic.agg`` and ``qic.run``), not :math:`\\sum e / \\sum n`.
    - p: :math:`\\bar p = \\sum_B e_i / \\sum_B n_i` (events e, cases n),
      :math:`\\sigma_i = \\sqrt{\\bar p (1-\\bar p) / n_i}`; limits
      :math:`\\bar p \\pm 3\\sigma_i` cut to [0, 1]; near limits :math:`\\pm 2\\sigma_i`.
    - u: :math:`\\bar u = \\sum_B e_i / \\sum_B n_i`, :math:`\\sigma_i = \\sqrt{\\bar u / n_i}`
      (events per unit of exposure); c: :math:`\\bar c` the mean count,
      :math:`\\sigma = \\sqrt{\\bar c}`; lower limits cut at 0.
    - Anhøj (points on the centre line are left out, leaving n useful
      points): longest run signals above :math:`\\operatorname{round}(\\log_2 n) + 3`;
      crossings signal below the 5 % quantile of Binomial(n − 1, 1/2).
    - Point type: the direction of the first rule that fires in the order
      outside limits, trend (its direction), 2 of 3, run (the side of the
      centre), as NHSRplotthedots orders them; too few crossings has no
      direction and gives ``neither``. Without an improvement direction a
      rising direction gives ``neutral_high``, a falling one ``neutral_low``
      (NHSRplotthedots ``ptd_point_type`` with ``improvement_direction =
      "neutral"``).

    References
    ----------
    NHS England, *Making Data Count* (2019) and its SPC Excel tool;
    NHSRplotthedots (NHS-R Community), ``ptd_spc``; Anhøj J, Olesen AV (2014)
    Run charts revisited, PLoS ONE 9(11): e113825; qicharts2 (Anhøj),
    ``qic``; Nelson LS (1982) Control charts for individual measurements,
    J Qual Technol 14(3):172–173; Montgomery DC, *Introduction to Statistical
    Quality Control*, ch. 6–7.

    Checked against NHSRplotthedots (vignette "Deviations from Excel
    defaults", test snapshots) and qicharts2 (summary example, runs limits);
    see ``tests/test_spc.py`` and ``docs/spc_differences.md``.

    Examples
    --------
    >>> import pandas as pd
    >>> values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    >>> df = pd.DataFrame({"day": pd.date_range("2021-03-22", periods=18), "n": values})
    >>> t = spc(df, value="n", date="day", improvement="increase")
    >>> [round(float(t[c][0]), 2) for c in ("centre", "lower", "upper")]
    [1.94, -0.72, 4.6]
    >>> t.point_type[4], t.point_type[0]
    ('improvement', 'common_cause')
    """
    _validate(
        data,
        value,
        date,
        chart,
        rules,
        improvement,
        target,
        fix_after_n_points,
        denominator,
        group,
        run_length,
        trend_length,
        lang,
    )
    if data.empty:
        raise _fail("spc.too_few_points", lang, argument="data", minimum=MIN_POINTS, count=0)

    # ---- order, group codes, periods
    if group is not None:
        if data[group].isna().any():
            raise _fail(
                "spc.missing_values",
                lang,
                argument="group",
                column=group,
                count=int(data[group].isna().sum()),
            )
        gcodes, guniques = pd.factorize(data[group], sort=True)
    else:
        gcodes, guniques = np.zeros(len(data), dtype=np.int64), pd.Index([0])
    periods = data[date]
    if periods.isna().any():
        raise _fail(
            "spc.missing_values",
            lang,
            argument="date",
            column=date,
            count=int(periods.isna().sum()),
        )
    pcodes, puniques = pd.factorize(periods, sort=True)
    gcodes = np.asarray(gcodes, dtype=np.int64)
    pcodes = np.asarray(pcodes, dtype=np.int64)
    key = gcodes * (len(puniques) + 1) + pcodes
    if np.all(key[1:] > key[:-1]):
        order = None
    else:
        order = np.argsort(key)  # keys are unique unless dates repeat (checked next)
        key = key[order]
        if np.any(key[1:] == key[:-1]):
            dup = int(np.sum(key[1:] == key[:-1]))
            raise _fail("spc.duplicate_dates", lang, argument="date", column=date, count=dup)

    def take(arr: np.ndarray) -> np.ndarray:
        return arr if order is None else arr[order]

    g = take(gcodes)
    p = take(pcodes)

    # ---- values
    raw = _numeric(data, value, "value", lang)
    if denominator is not None:
        den = _numeric(data, denominator, "denominator", lang)
        if np.any(den <= 0):
            raise _fail(
                "spc.bad_denominator",
                lang,
                argument="denominator",
                column=denominator,
                count=int(np.sum(den <= 0)),
            )
    else:
        den = np.ones(len(data))
    if chart in ("p", "c", "u") and np.any(raw < 0):
        raise _fail(
            "spc.negative_count", lang, argument="value", column=value, count=int(np.sum(raw < 0))
        )
    if chart == "c" and np.any(raw != np.round(raw)):
        raise _fail(
            "spc.fractional_count",
            lang,
            argument="value",
            column=value,
            count=int(np.sum(raw != np.round(raw))),
        )
    if chart == "p" and np.any(raw > den):
        raise _fail(
            "spc.proportion_above_one",
            lang,
            argument="value",
            column=value,
            denominator=denominator,
            count=int(np.sum(raw > den)),
        )
    num = take(raw)
    den = take(den)
    y = num / den if denominator is not None else num

    # ---- parts
    part = np.ones(len(y), dtype=np.int64)
    rebase_values: tuple[Any, ...] = ()
    if rebase is not None:
        if isinstance(rebase, str) or not isinstance(rebase, Sequence | pd.Index | np.ndarray):
            rebase = [rebase]
        try:
            marks = pd.Index(pd.Series(list(rebase)).astype(periods.dtype)).sort_values()
        except (TypeError, ValueError) as exc:
            raise _fail(
                "common.param_type",
                lang,
                argument="rebase",
                expected=f"dates like the column {date}",
                got=list(rebase),
            ) from exc
        first, last = puniques[0], puniques[-1]
        out_of_range = [str(m) for m in marks if m <= first or m > last]
        if out_of_range:
            raise _fail(
                "spc.rebase_outside",
                lang,
                argument="rebase",
                dates=", ".join(out_of_range),
                first=str(first),
                last=str(last),
            )
        mark_codes = np.searchsorted(np.asarray(puniques), np.asarray(marks), side="left")
        part = np.searchsorted(mark_codes, p, side="right").astype(np.int64) + 1
        rebase_values = tuple(marks)

    # ---- segments (series × part), contiguous after sorting
    n = len(y)
    start = np.ones(n, dtype=bool)
    start[1:] = (g[1:] != g[:-1]) | (part[1:] != part[:-1])
    seg = np.cumsum(start) - 1
    nseg = int(seg[-1]) + 1
    seg_first = np.flatnonzero(start)
    seg_len = np.bincount(seg, minlength=nseg)
    if seg_len.min() < MIN_POINTS:
        argument = "rebase" if rebase_values and np.any(part[seg_first] > 1) else "data"
        raise _fail(
            "spc.too_few_points",
            lang,
            argument=argument,
            minimum=MIN_POINTS,
            count=int(seg_len.min()),
        )
    pos = np.arange(n) - seg_first[seg]
    base = pos < fix_after_n_points if fix_after_n_points is not None else np.ones(n, bool)
    base_n = np.bincount(seg, weights=base, minlength=nseg)

    # ---- centre and limits
    nan = np.full(n, np.nan)
    lower, upper, near_lower, near_upper = nan, nan.copy(), nan.copy(), nan.copy()
    if chart == "run":
        centre_seg = pd.Series(y[base]).groupby(seg[base]).median().to_numpy()
        centre = centre_seg[seg]
    elif chart == "xmr":
        centre = (np.bincount(seg, weights=y * base, minlength=nseg) / base_n)[seg]
        mr = np.zeros(n)
        mr[1:] = np.abs(np.diff(y))
        valid = base & ~start
        count = np.bincount(seg, weights=valid, minlength=nseg)
        amr = np.bincount(seg, weights=mr * valid, minlength=nseg) / count
        if screen_outliers:
            keep = valid & ((mr < MR_SCREEN_FACTOR * amr[seg]) | (amr[seg] == 0))
            amr = np.bincount(seg, weights=mr * keep, minlength=nseg) / np.bincount(
                seg, weights=keep, minlength=nseg
            )
        half = XMR_LIMIT_FACTOR * amr[seg]
        lower, upper = centre - half, centre + half
        near_lower, near_upper = centre - NEAR_SHARE * half, centre + NEAR_SHARE * half
    else:
        if chart == "c":
            centre = (np.bincount(seg, weights=y * base, minlength=nseg) / base_n)[seg]
            sigma = np.sqrt(centre)
        else:
            cl = np.bincount(seg, weights=num * base, minlength=nseg) / np.bincount(
                seg, weights=den * base, minlength=nseg
            )
            centre = cl[seg]
            var = centre * (1 - centre) if chart == "p" else centre
            sigma = np.sqrt(var / den)
        hi = 1.0 if chart == "p" else np.inf
        lower = np.clip(centre - SIGMA_LIMIT * sigma, 0.0, hi)
        upper = np.clip(centre + SIGMA_LIMIT * sigma, 0.0, hi)
        near = NEAR_SHARE * SIGMA_LIMIT * sigma
        near_lower = np.clip(centre - near, 0.0, hi)
        near_upper = np.clip(centre + near, 0.0, hi)

    # ---- rules
    side = np.sign(y - centre).astype(np.int64)
    has_limits = chart != "run"
    outside = (y > upper) | (y < lower)
    rule: dict[str, np.ndarray | None] = dict.fromkeys(RULE_COLUMNS)
    direction = np.zeros(n, dtype=np.int64)
    special = np.zeros(n, dtype=bool)
    decided = np.zeros(n, dtype=bool)

    def settle(mask: np.ndarray, sign: np.ndarray) -> None:
        new = mask & ~decided
        direction[new] = sign[new]
        decided[new] = True

    if has_limits:
        rule["rule_outside_limits"] = outside
        settle(outside, side)

    if rules == "mdc":
        # trend: trend_length points each strictly above (below) the one before
        d = np.zeros(n, dtype=np.int64)
        d[1:] = np.sign(np.diff(y)).astype(np.int64)
        d[start] = 0
        in_trend_d = (d != 0) & (_run_lengths(d, start) >= trend_length - 1)
        next_in = np.zeros(n, dtype=bool)
        next_in[:-1] = in_trend_d[1:]
        trend = in_trend_d | next_in
        d_next = np.zeros(n, dtype=np.int64)
        d_next[:-1] = d[1:]
        trend_dir = np.where(next_in, d_next, d)
        rule["rule_trend"] = trend
        settle(trend, trend_dir)
        if has_limits:
            close = ~outside & ((y > near_upper) | (y < near_lower))
            win = np.zeros(n, dtype=bool)  # window of points i, i+1, i+2
            if n >= 3:
                same_seg = seg[:-2] == seg[2:]
                same_side = (side[:-2] == side[1:-1]) & (side[1:-1] == side[2:]) & (side[:-2] != 0)
                n_close = close[:-2].astype(int) + close[1:-1] + close[2:]
                win[:-2] = same_seg & same_side & (n_close >= 2)
            in_win = win.copy()
            in_win[1:] |= win[:-1]
            in_win[2:] |= win[:-2]
            two3 = close & in_win
            rule["rule_two_of_three"] = two3
            settle(two3, side)
        run = (side != 0) & (_run_lengths(side, start) >= run_length)
        rule["rule_run"] = run
        settle(run, side)

    # runs analysis (Anhøj) is always reported; rules apply only with "anhoej"
    useful = side != 0
    u_side, u_seg = side[useful], seg[useful]
    u_start = np.ones(u_side.size, dtype=bool)
    u_start[1:] = u_seg[1:] != u_seg[:-1]
    u_len = _run_lengths(u_side, u_start)
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
    lookup = np.array([_crossings_min(int(m)) for m in uniq], dtype=np.int64)
    crossings_min = lookup[np.searchsorted(uniq, trials)]
    long_seg = (longest > longest_max) & (n_useful > 0)
    few_seg = (crossings < crossings_min) & (n_useful > 0)
    if rules == "anhoej":
        long_run = np.zeros(n, dtype=bool)
        long_run[useful] = u_len > longest_max[u_seg]
        few = few_seg[seg]
        rule["rule_long_run"] = long_run
        rule["rule_few_crossings"] = few
        settle(long_run, side)
        settle(few, np.zeros(n, dtype=np.int64))

    for mask in rule.values():
        if mask is not None:
            special |= mask

    # ---- point type
    ptype = np.full(n, _COMMON, dtype=np.int8)
    if improvement is None:
        ptype[special & (direction > 0)] = _NEUTRAL_HIGH
        ptype[special & (direction < 0)] = _NEUTRAL_LOW
        ptype[special & (direction == 0)] = _NEITHER
    else:
        signed = direction * (1 if improvement == "increase" else -1)
        ptype[special & (signed > 0)] = _IMPROVEMENT
        ptype[special & (signed < 0)] = _CONCERN
        ptype[special & (signed == 0)] = _NEITHER

    # ---- output (float columns share one block, built without a consolidating copy)
    float_names = ("value", "centre", "lower", "upper", "near_lower", "near_upper")
    floats = np.empty((len(float_names), n))
    for row, arr in enumerate((y, centre, lower, upper, near_lower, near_upper)):
        floats[row] = arr
    table = pd.DataFrame(floats.T, columns=list(float_names), copy=False)
    front: list[tuple[str, Any]] = []
    if group is not None:
        front.append(("group", guniques.take(g)))
    front += [("period", puniques.take(p)), ("part", part)]
    for loc, (name, col) in enumerate(front):
        table.insert(loc, name, col)
    no_mask = np.zeros(n, dtype=bool)
    for name in RULE_COLUMNS:
        mask = rule[name]
        table[name] = (
            pd.arrays.BooleanArray(mask, no_mask)
            if mask is not None
            else pd.arrays.BooleanArray(no_mask, np.ones(n, dtype=bool))
        )
    table["special_cause"] = special
    table["point_type"] = pd.Categorical.from_codes(ptype, categories=pd.Index(POINT_TYPES))
    table["short_part"] = seg_len[seg] < SHORT_PART_POINTS

    runs_cols: list[tuple[str, np.ndarray]] = []
    if group is not None:
        runs_cols.append(("group", np.asarray(guniques.take(g[seg_first]))))
    runs_cols += [
        ("part", part[seg_first]),
        ("n_useful", n_useful),
        ("longest_run", longest),
        ("longest_run_max", longest_max),
        ("crossings", crossings),
        ("crossings_min", crossings_min),
        ("signal", long_seg | few_seg),
    ]
    for _, arr in runs_cols:
        arr.flags.writeable = False
    table.attrs["spc"] = {
        "value": value,
        "date": date,
        "group": group,
        "denominator": denominator,
        "chart": chart,
        "rules": rules,
        "rules_applied": tuple(k for k, v in rule.items() if v is not None),
        "improvement": improvement,
        "target": None if target is None else float(target),
        "rebase": rebase_values,
        "fix_after_n_points": fix_after_n_points,
        "screen_outliers": bool(screen_outliers) and chart == "xmr",
        "run_length": run_length,
        "trend_length": trend_length,
    }
    table.attrs["runs_analysis"] = RunsAnalysis(tuple(runs_cols))
    return table


def spc_summary(table: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """Variation and assurance icons as Making Data Count defines them.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`spc` (its ``attrs`` are read).
    lang : {"sv", "en"}, optional
        Language of error messages.

    Returns
    -------
    DataFrame
        One row per series with the columns ``group`` (when the table has
        one), ``period`` (the last period), ``value``, ``centre``, ``lower``,
        ``upper`` (at the last point), ``variation`` (``common_cause``,
        ``improvement``, ``concern``, ``neither``, ``neutral_high``,
        ``neutral_low``: the point type of the last point, as Making Data
        Count's variation icon), ``variation_side`` (``high``/``low`` above or below the
        centre line for a special cause, else ``<NA>``), ``target`` and
        ``assurance`` (``consistent_pass``, ``consistent_fail``,
        ``inconsistent``; ``<NA>`` without a target, without an improvement
        direction, or on a run chart).

    Notes
    -----
    With improvement "increase", target T and the last point's limits L, U:
    T < L gives consistent pass (the process will meet the target), T > U
    consistent fail, else hit and miss (``inconsistent``); mirrored for
    "decrease". As NHSRplotthedots' ``ptd_calculate_assurance_type``.

    References
    ----------
    NHS England, *Making Data Count: strengthening your decisions* (2019),
    variation and assurance icons; NHSRplotthedots ``ptd_calculate_assurance_type``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"day": range(12), "n": [5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6]})
    >>> s = spc_summary(spc(df, value="n", date="day", improvement="increase", target=2))
    >>> s.loc[0, "variation"], s.loc[0, "assurance"]
    ('common_cause', 'consistent_pass')
    """
    opts = table.attrs.get("spc")
    if not isinstance(opts, dict):
        raise _fail("spc.not_spc_table", lang, argument="table")
    keys = ["group"] if "group" in table.columns else []
    last = table.groupby(keys, sort=False).tail(1) if keys else table.tail(1)
    last = last.reset_index(drop=True)
    out = last[[*keys, "period", "value", "centre", "lower", "upper"]].copy()
    out["variation"] = last["point_type"].astype(str).to_numpy()
    special = last["special_cause"].to_numpy(dtype=bool)
    side = np.where(last["value"] > last["centre"], "high", "low")
    out["variation_side"] = pd.Series(side, dtype="string").where(special, pd.NA).array
    target, improvement = opts.get("target"), opts.get("improvement")
    out["target"] = np.nan if target is None else target
    assurance = pd.array([pd.NA] * len(out), dtype="string")
    if target is not None and improvement is not None and opts.get("chart") != "run":
        up = improvement == "increase"
        above = (target > last["upper"]).to_numpy()
        below = (target < last["lower"]).to_numpy()
        codes = np.where(
            above,
            "consistent_fail" if up else "consistent_pass",
            np.where(below, "consistent_pass" if up else "consistent_fail", "inconsistent"),
        )
        assurance = pd.array(codes, dtype="string")
    out["assurance"] = assurance
    out.attrs = {"spc": dict(opts)}
    return out
