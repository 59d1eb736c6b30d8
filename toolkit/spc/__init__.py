"""Statistical process control: XmR, run, p, c and u charts with two rule sets.

``spc`` returns one tidy table per call (one row per period, and per series
when ``group`` is given) with the centre line, process limits, near limits,
one column per rule and the point type; the options travel in
``DataFrame.attrs``. ``spc_summary`` gives the Making Data Count variation
and assurance icons. Drawing lives in :func:`toolkit.charts.spc_chart`.

Everything is vectorised over all series and all parts at once: a call with
100 000 series of 60 points makes no Python loop over series.

``spc`` is a pipeline of small steps, as NHSRplotthedots' ``ptd_spc`` →
``ptd_spc_standard`` → ``ptd_calculate_point_type``: the options are
validated once (:class:`~toolkit.spc._options.SpcOptions`); the points are
ordered, read and cut into parts (:mod:`toolkit.spc._points`, sharing one
:class:`~toolkit.spc._points.Points` of arrays); the centre and limits are
computed per chart type (:mod:`toolkit.spc._limits`); the runs analysis
(:mod:`toolkit.spc._anhoej`) and the rules and point types
(:mod:`toolkit.spc._rules`) follow; :mod:`toolkit.spc._output` builds the
table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import ParameterError
from toolkit.spc import _output
from toolkit.spc._anhoej import CROSSINGS_ALPHA as CROSSINGS_ALPHA
from toolkit.spc._anhoej import crossings_min as _crossings_min  # noqa: F401 (tests)
from toolkit.spc._anhoej import runs_analysis
from toolkit.spc._limits import MR_SCREEN_FACTOR as MR_SCREEN_FACTOR
from toolkit.spc._limits import NEAR_SHARE as NEAR_SHARE
from toolkit.spc._limits import SIGMA_LIMIT as SIGMA_LIMIT
from toolkit.spc._limits import XMR_LIMIT_FACTOR as XMR_LIMIT_FACTOR
from toolkit.spc._limits import limits
from toolkit.spc._options import CHARTS as CHARTS
from toolkit.spc._options import IMPROVEMENTS as IMPROVEMENTS
from toolkit.spc._options import MIN_POINTS as MIN_POINTS
from toolkit.spc._options import RATIO_CHARTS as RATIO_CHARTS
from toolkit.spc._options import RULE_SETS as RULE_SETS
from toolkit.spc._options import SpcOptions
from toolkit.spc._output import SHORT_PART_POINTS as SHORT_PART_POINTS
from toolkit.spc._output import RunsAnalysis
from toolkit.spc._points import prepare
from toolkit.spc._rules import POINT_TYPES, RULE_COLUMNS, point_type, signals

__all__ = ["POINT_TYPES", "RULE_COLUMNS", "RunsAnalysis", "spc", "spc_summary"]


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
    opts = SpcOptions.validated(
        data,
        value=value,
        date=date,
        chart=chart,
        rules=rules,
        improvement=improvement,
        target=target,
        rebase=rebase,
        fix_after_n_points=fix_after_n_points,
        screen_outliers=screen_outliers,
        denominator=denominator,
        group=group,
        run_length=run_length,
        trend_length=trend_length,
    )
    pts = prepare(data, opts)
    lim = limits(pts, opts)
    side = np.sign(pts.y - lim.centre).astype(np.int64)
    runs = runs_analysis(pts, side)
    sig = signals(pts, lim, side, runs, opts)
    special = sig.special
    ptype = point_type(special, sig.direction, opts.improvement)
    return _output.table(pts, lim, sig, special, ptype, runs, opts)


def spc_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Variation and assurance icons as Making Data Count defines them.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`spc` (its ``attrs`` are read).

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
        raise ParameterError("spc.not_spc_table", argument="table")
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
