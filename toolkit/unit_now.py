"""A unit's "now" figures: one definition of every figure, for one stated window.

Every page and report that shows a unit's demand, capacity, activity, queue,
load, target queue, capacity needed, relief capacity, time to clear, waits
and share within target calls :func:`now_figures`, with the same defaults,
and shows the window (:func:`window_text`) and where the variation comes
from. The words are fixed:

* **demand** (efterfrågan): patients who join the stage's queue and need a
  slot, per week: arrivals less removals (rejected, redirected, closed
  without a visit). With this definition the queue changes each week by
  exactly demand − activity (:func:`toolkit.flow.weekly_flow`'s balance).
* **capacity** (kapacitet): what the staff in post can deliver, patients a
  week, from the staff table by :mod:`toolkit.capacity`'s chain
  (:func:`toolkit.simulate.capacity_from_staff`). Without a staff table it
  is unknown; it is never the observed activity.
* **activity** (aktivitet, genomförda): what was done: completions a week.

The balance verdict (:func:`stage_balance`, documented in docs/balance.md)
has three criteria: capacity covers demand (the load below 1 within the
noise of the weekly counts: only a load whose whole 95 % interval lies above
1 fails), the queue is not growing, and the queue is at or below the target
queue.

The module is pure: a loaded unit in, numbers and a frozen dataclass out.

Examples
--------
>>> import numpy as np
>>> b = stage_balance(demand=np.full(26, 10.0), activity=np.full(26, 10.0),
...                   capacity_per_week=12.5, queue_size=20, target_queue_size=30)
>>> b.covers, round(b.load, 2), b.growing, b.in_balance
('yes', 0.8, False, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import _checks as checks
from toolkit import flow, waitlist
from toolkit.i18n import check_language, t

__all__ = [
    "DEFAULT_VARIATION",
    "DEFAULT_WINDOW_WEEKS",
    "MIN_WINDOW_WEEKS",
    "NOW_COLUMNS",
    "VARIATIONS",
    "NowFigures",
    "StageBalance",
    "Window",
    "now_figures",
    "patients_per_week",
    "stage_balance",
    "stage_figures",
    "t_quantile_975",
    "unit_window",
    "variation_text",
    "window_text",
]

#: Weeks over which the now figures are measured unless asked otherwise (see docs/capacity.md).
DEFAULT_WINDOW_WEEKS = 26
#: Fewest whole weeks a window may have: fewer give a message instead of figures.
MIN_WINDOW_WEEKS = 4
#: Where the coefficients of variation of the capacity-needed formula come from.
VARIATIONS: tuple[str, ...] = ("assumed", "measured")
#: Random arrivals and removals (cv = 1), the assumption of the toolkit's simulation.
DEFAULT_VARIATION = "assumed"
#: Days in a week, named where used.
DAYS_PER_WEEK = 7.0
#: Two-sided 95 % intervals.
_T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z_975 = 1.959964

#: Columns of :attr:`NowFigures.table`, one row per stage.
NOW_COLUMNS: tuple[str, ...] = (
    "stage",
    "demand_per_week",
    "capacity_per_week",
    "activity_per_week",
    "queue_size",
    "load",
    "target_queue_size",
    "target_capacity_per_week",
    "relief_capacity_per_week",
    "time_to_clear_weeks",
    "cv_demand",
    "cv_capacity",
    "completed",
    "mean_wait_days",
    "median_wait_days",
    "p90_wait_days",
    "share_within_target",
    "target_days",
    "target_share",
)


def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (two-sided 95 %).

    Notes
    -----
    For 1–30 degrees of freedom the tabled values of the NIST/SEMATECH
    e-Handbook of Statistical Methods, §1.3.6.7.2 (three decimals); beyond,
    the first term of the Cornish–Fisher expansion
    :math:`t \\approx z + (z^3 + z)/(4\\nu)` (Abramowitz & Stegun 1964,
    26.7.5), within 0.003 of the exact value for :math:`\\nu > 30`.

    >>> t_quantile_975(25), round(t_quantile_975(120), 2)
    (2.06, 1.98)
    """
    if df < 1:
        return math.inf
    if df <= len(_T_975):
        return _T_975[df - 1]
    return _Z_975 + (_Z_975**3 + _Z_975) / (4.0 * df)


# --------------------------------------------------------------------------- window


@dataclass(frozen=True)
class Window:
    """The whole weeks the now figures are measured over.

    ``start`` is a Monday, ``end`` a Sunday (both included); ``weeks`` is
    the number of whole weeks, ``asked_weeks`` the window asked for (fewer
    weeks when the data or the report period start later).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    weeks: int
    asked_weeks: int


def unit_window(
    unit: Any,
    *,
    window_weeks: int = DEFAULT_WINDOW_WEEKS,
    period_start: Any = None,
) -> Window:
    """The last ``window_weeks`` whole weeks (Monday–Sunday) up to the unit's extract date.

    The window ends on the last Sunday on or before the extract date (for
    period counts: the later of the extract date and the last period) and
    starts no earlier than the week of ``period_start`` nor of the first
    referral (or period).

    >>> from types import SimpleNamespace
    >>> u = SimpleNamespace(kind="events", extract_date=pd.Timestamp("2024-12-31"),
    ...     referrals=pd.DataFrame({"received": pd.to_datetime(["2023-01-05"])}))
    >>> w = unit_window(u)
    >>> w.start.date(), w.end.date(), w.weeks
    (datetime.date(2024, 7, 1), datetime.date(2024, 12, 29), 26)
    """
    window_weeks = checks.whole("window_weeks", window_weeks, low=1)
    if unit.kind == "events":
        dates = unit.referrals["received"].dropna()
        last = pd.Timestamp(unit.extract_date)
    else:
        dates = unit.period_counts["period"].dropna()
        last = pd.Timestamp(unit.extract_date)
        if len(dates):
            last = max(last, pd.Timestamp(dates.max()) + pd.Timedelta(days=6))
    last = last.normalize()
    end = last - pd.Timedelta(days=(last.weekday() + 1) % 7)
    start = end - pd.Timedelta(days=7 * window_weeks - 1)
    floors = [pd.Timestamp(dates.min())] if len(dates) else []
    if period_start is not None:
        floors.append(pd.Timestamp(period_start))
    for floor in floors:
        monday = floor.normalize() - pd.Timedelta(days=floor.weekday())
        start = max(start, monday)
    weeks = max(int(((end - start).days + 1) // 7), 0)
    return Window(start=start, end=end, weeks=weeks, asked_weeks=window_weeks)


def window_text(window: Window, lang: str | None = None) -> str:
    """The window in words: "last 26 weeks, 2024-07-01–2024-12-29".

    >>> w = Window(pd.Timestamp("2024-07-01"), pd.Timestamp("2024-12-29"), 26, 26)
    >>> window_text(w, "sv")
    'senaste 26 veckorna, 2024-07-01–2024-12-29'
    """
    lang = check_language(lang)
    return t(
        "now.window",
        lang,
        weeks=window.weeks,
        start=window.start.date().isoformat(),
        end=window.end.date().isoformat(),
    )


# --------------------------------------------------------------------------- balance


@dataclass(frozen=True)
class StageBalance:
    """The balance verdict of one stage (see :func:`stage_balance`).

    ``covers`` is ``"yes"`` (the load's 95 % interval lies below 1: covers),
    ``"noise"`` (the interval includes 1: covers within the noise, counted
    as met), ``"no"`` (the whole interval lies above 1: does not cover) or
    ``"unknown"`` (no weeks to judge, not met); ``load_basis`` is
    ``"staff"`` (capacity from staff) or ``"activity"`` (no capacity from
    staff: the in/out ratio demand / activity). ``growing``
    is True when the queue's mean weekly change is above 0 beyond its 95 %
    interval; ``above_target`` when the queue exceeds the target queue.
    ``failing`` names the criteria not met, in the order
    ``covers``, ``growing``, ``above_target``.
    """

    covers: str
    load: float
    load_low: float
    load_high: float
    load_basis: str
    growing: bool
    growth_per_week: float
    growth_low: float
    growth_high: float
    above_target: bool
    queue_size: float
    target_queue_size: float
    weeks: int
    failing: tuple[str, ...] = field(default=())

    @property
    def in_balance(self) -> bool:
        """All three criteria met."""
        return not self.failing


def _mean_interval(values: npt.NDArray[np.float64]) -> tuple[float, float, float]:
    """Mean and its 95 % t interval (sd with n − 1 over √n)."""
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n < 2:
        return mean, -math.inf, math.inf
    half = t_quantile_975(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def stage_balance(
    *,
    demand: Any,
    activity: Any,
    capacity_per_week: float | None,
    queue_size: float,
    target_queue_size: float,
) -> StageBalance:
    """Is one stage in balance? Three criteria on the weekly counts of the window.

    Parameters
    ----------
    demand, activity : array of float
        Demand (arrivals less removals) and activity (completions) of each
        whole week of the window, patients.
    capacity_per_week : float or None
        Capacity from staff, patients a week; None or NaN when unknown (then
        the in/out ratio demand / activity is judged instead).
    queue_size, target_queue_size : float
        Number waiting at the end of the window, and the target queue.

    Returns
    -------
    StageBalance

    Notes
    -----
    With :math:`d_i`, :math:`a_i` the demand and activity of week
    :math:`i = 1 \\dots n` and :math:`c_i` the capacity (the constant
    capacity from staff :math:`C`, or :math:`a_i` when it is unknown):

    1. **Capacity covers demand.** The load :math:`\\hat\\rho = \\bar d /
       \\bar c` with the ratio estimator's standard error
       :math:`s_\\rho = \\operatorname{sd}(d_i - \\hat\\rho c_i) /
       (\\sqrt{n}\\, \\bar c)` (Cochran 1977, §6.4); with a constant
       :math:`C` this is :math:`\\operatorname{sd}(d_i)/(\\sqrt{n}\\,C)`.
       Covers when :math:`\\hat\\rho + t_{0.975,n-1} s_\\rho < 1`;
       does not cover when :math:`\\hat\\rho - t_{0.975,n-1} s_\\rho > 1`
       (the whole interval above 1); otherwise the interval includes 1 and
       capacity covers demand *within the noise*, which counts as met: the
       data cannot show that capacity falls short. A load truly above 1 that
       the interval cannot yet separate from 1 shows in the other two
       criteria: its queue grows, and sooner or later passes the target.
    2. **The queue is not growing.** The queue changes by
       :math:`\\Delta_i = d_i - a_i` each week (the flow balance), so its
       trend over the window is the mean weekly change :math:`\\bar\\Delta`.
       Growing when :math:`\\bar\\Delta - t_{0.975,n-1}
       \\operatorname{sd}(\\Delta_i)/\\sqrt{n} > 0`. The test is on the
       weekly changes, not a regression line through the queue: a queue is a
       running sum, and a least-squares slope through a running sum finds
       "trends" in pure noise (Granger & Newbold 1974).
    3. **The queue is at or below the target queue**
       (:func:`toolkit.waitlist.target_queue_size`).

    Weeks are treated as independent; positive autocorrelation would make
    the intervals too narrow.

    References
    ----------
    .. [1] Cochran W.G. (1977), Sampling Techniques, 3rd ed., Wiley, §6.4.
    .. [2] Granger C.W.J., Newbold P. (1974), "Spurious regressions in
       econometrics", Journal of Econometrics 2(2): 111–120.
    .. [3] Fong K. et al. (2022), NHS-R ``NHSRwaitinglist`` (target queue).

    Examples
    --------
    Demand 10 a week with a sd of 3, capacity 8: not covered (load 1.25,
    95 % interval about 1.10–1.40); the queue grows by 2 a week.

    >>> d = np.tile([7.0, 13.0], 13)
    >>> b = stage_balance(demand=d, activity=d - 2.0, capacity_per_week=8.0,
    ...                   queue_size=100, target_queue_size=50)
    >>> b.covers, b.growing, b.failing
    ('no', True, ('covers', 'growing', 'above_target'))
    """
    d = np.asarray(demand, dtype=float)
    a = np.asarray(activity, dtype=float)
    n = len(d)
    staff = capacity_per_week is not None and not math.isnan(float(capacity_per_week))
    c = np.full(n, float(capacity_per_week)) if staff else a  # type: ignore[arg-type]
    c_mean = float(c.mean()) if n else math.nan
    if n and float(d.mean()) == 0.0:
        load = low = high = 0.0  # no demand: nothing to cover
    elif n and c_mean > 0:
        load = float(d.mean()) / c_mean
        if n >= 2:
            half = (
                t_quantile_975(n - 1) * float((d - load * c).std(ddof=1)) / (math.sqrt(n) * c_mean)
            )
        else:
            half = math.inf
        low, high = load - half, load + half
    else:
        load = low = high = math.inf if n and float(d.mean()) > 0 else math.nan
    if math.isnan(load):
        covers = "unknown"
    elif high < 1.0:
        covers = "yes"
    elif low > 1.0:
        covers = "no"
    else:
        covers = "noise"
    growth, g_low, g_high = _mean_interval(d - a)
    growing = bool(g_low > 0)
    above = bool(float(queue_size) > float(target_queue_size))
    failing = tuple(
        name
        for name, fails in (
            ("covers", covers in ("no", "unknown")),
            ("growing", growing),
            ("above_target", above),
        )
        if fails
    )
    return StageBalance(
        covers=covers,
        load=load,
        load_low=low,
        load_high=high,
        load_basis="staff" if staff else "activity",
        growing=growing,
        growth_per_week=growth,
        growth_low=g_low,
        growth_high=g_high,
        above_target=above,
        queue_size=float(queue_size),
        target_queue_size=float(target_queue_size),
        weeks=n,
        failing=failing,
    )


# --------------------------------------------------------------------------- the figures


@dataclass(frozen=True)
class NowFigures:
    """A unit's now figures for a window, variation assumption and target profile.

    ``table`` has one row per stage with the columns :data:`NOW_COLUMNS`
    (rates in patients a week, waits in days, shares 0–1; NaN where a figure
    cannot be given). ``problems`` holds, per stage (``"unit"`` for the
    whole unit), the messages that stand instead of figures: a window shorter
    than :data:`MIN_WINDOW_WEEKS` (then every figure is NaN), no completions
    in the window (no waits), a load ≥ 1 (no time to clear). ``staff_slots``
    are the staff's slots a week per stage
    (:class:`toolkit.simulate.StaffCapacity`'s ``first_per_week`` and
    ``deep_per_week``), ``capacity_terms`` the no-show share, the slots one
    stage 2 visit takes and the follow-up visits per course used to turn
    them into patients a week.
    """

    window: Window
    variation: str
    profile_id: str
    time_to_target_weeks: float
    table: pd.DataFrame
    balance: dict[str, StageBalance]
    weekly: pd.DataFrame = field(repr=False)
    problems: dict[str, tuple[str, ...]] = field(default_factory=dict)
    staff_slots: dict[str, float] | None = None
    capacity_terms: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """False when the window is too short to give figures."""
        return "unit" not in self.problems

    @property
    def in_balance(self) -> bool:
        """Both stages in balance (False when the window is too short)."""
        return self.ok and all(b.in_balance for b in self.balance.values())

    def by_stage(self) -> dict[str, dict[str, Any]]:
        """The table as ``{stage: {column: value}}``."""
        return {
            str(r["stage"]): {str(k): v for k, v in r.items()}
            for r in self.table.to_dict("records")
        }


def _capacity(
    unit: Any, window_weeks: int, profile: Any, lang: str
) -> tuple[dict[str, float] | None, dict[str, float], dict[str, float]]:
    """Capacity from staff in patients a week per stage, the slots, and the terms used.

    Stage 1: :math:`C_1 = (1 - p) S_1`; stage 2: :math:`C_2 = (1 - p) S_2 /
    (c (1 + v))`, with :math:`S_1`, :math:`S_2` the staff's slots a week
    (:func:`toolkit.simulate.capacity_from_staff`), :math:`p` the no-show
    share, :math:`c` the slots a stage 2 visit takes with the unit's group
    and digital shares and :math:`v` the follow-up visits per course, all
    measured by :func:`toolkit.simulate.calibrate` over the window's weeks.
    """
    from toolkit import simulate

    nan = {s: math.nan for s in flow.FLOW_STAGES}
    if unit.kind != "events" or not unit.has("staff"):
        return None, nan, {}
    slots = simulate.capacity_from_staff(unit, lang=lang)
    scenario = simulate.calibrate(unit, window_weeks=window_weeks, profile=profile)
    terms = {
        "dna_rate": float(scenario.dna_rate),
        "visit_cost": float(scenario.visit_cost()),
        "follow_up_visits_per_course": float(scenario.follow_up_visits_per_course),
        "share_group": float(scenario.share_group),
        "share_digital": float(scenario.share_digital),
    }
    staff = {"first_assessment": slots.first_per_week, "deep_start": slots.deep_per_week}
    return staff, patients_per_week(staff, terms), terms


def patients_per_week(slots: dict[str, float], terms: dict[str, float]) -> dict[str, float]:
    """Staff slots a week per stage → patients a week (see :func:`_capacity`).

    >>> patients_per_week({"first_assessment": 10.0, "deep_start": 40.0},
    ...     {"dna_rate": 0.1, "visit_cost": 1.0, "follow_up_visits_per_course": 3.0})
    {'first_assessment': 9.0, 'deep_start': 9.0}
    """
    kept = 1.0 - terms["dna_rate"]
    per_course = terms["visit_cost"] * (1.0 + terms["follow_up_visits_per_course"])
    return {
        "first_assessment": kept * slots["first_assessment"],
        "deep_start": kept * slots["deep_start"] / per_course if per_course > 0 else math.nan,
    }


def stage_events(refs: pd.DataFrame, stage: str) -> pd.DataFrame:
    """Arrival and leaving date of each referral at one stage, as :func:`toolkit.flow.weekly_flow` counts them.

    Columns: ``joined``, ``left`` (NaT while waiting). The first stage is
    left at the first assessment, or on a removal decision (``decided``,
    else ``closed``, else the day it arrived), or on closing without a visit;
    the second stage at its start or on closing.
    """
    if stage == "first_assessment":
        removed = refs["decision"].isin(flow.REMOVAL_DECISIONS)
        removal_day = refs["decided"].fillna(refs["closed"]).fillna(refs["received"])
        left = refs["first_assessment"].where(
            refs["first_assessment"].notna(), removal_day.where(removed)
        )
        left = left.fillna(refs["closed"])
        return pd.DataFrame({"joined": refs["received"], "left": left})
    joined = refs["deep_decision"]
    left = refs["deep_start"].fillna(refs["closed"])
    keep = joined.notna()
    return pd.DataFrame({"joined": joined[keep], "left": left[keep]})


def _variation(
    unit: Any, stage: str, window: Window, variation: str, target: Any, lang: str
) -> tuple[float, float]:
    """cv of demand and of capacity: 1 and 1 (assumed), or measured over the window."""
    if variation == "assumed" or unit.kind != "events":
        return 1.0, 1.0
    stats = flow.waiting_list_stats(
        stage_events(unit.referrals, stage),
        target_wait_days=target.target_days,
        start=window.start,
        end=window.end,
        arrival="joined",
        removal="left",
        lang=lang,
    )
    return float(stats.cv_arrival), float(stats.cv_removal)


def _waits(
    unit: Any, stage_weeks: pd.DataFrame, window: Window, target: Any
) -> tuple[int, float, float, float, float]:
    """Completed, mean, median and 90th percentile wait (days), share within target."""
    if unit.kind == "events":
        refs = unit.referrals
        end_day = refs[target.end_column]
        done = refs[(end_day >= window.start) & (end_day <= window.end)]
        waits = flow.stage_waits_days(done, target.start_column, target.end_column)
        n = len(waits)
        if not n:
            return 0, math.nan, math.nan, math.nan, math.nan
        return (
            n,
            float(waits.mean()),
            float(waits.median()),
            float(waits.quantile(0.9)),
            float((waits <= target.target_days).mean()),
        )
    # counts only: Little's law per week (weekly_flow), weighted by those leaving
    leaving = (stage_weeks["completions"] + stage_weeks["removals"]).to_numpy(dtype=float)
    mean_wait = stage_weeks["mean_wait_days"].to_numpy(dtype=float)
    ok = np.isfinite(mean_wait) & (leaving > 0)
    n = int(stage_weeks["completions"].sum())
    mean = float((mean_wait[ok] * leaving[ok]).sum() / leaving[ok].sum()) if ok.any() else math.nan
    # share within target from the counts' within-target column, where given
    share_k = stage_weeks["share_within_target"].to_numpy(dtype=float)
    done_k = stage_weeks["completions"].to_numpy(dtype=float)
    given = np.isfinite(share_k) & (done_k > 0)
    share = (
        float((share_k[given] * done_k[given]).sum() / done_k[given].sum())
        if given.any()
        else math.nan
    )
    return n, mean, math.nan, math.nan, share


def stage_figures(
    *,
    demand_per_week: float,
    capacity_per_week: float,
    queue_size: float,
    target_days: float,
    share_within: float,
    cv_demand: float = 1.0,
    cv_capacity: float = 1.0,
    time_to_target_weeks: float = waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
) -> dict[str, float]:
    """The queue formulas of one stage from its demand, capacity, queue and target.

    Returns ``load``, ``target_queue_size``, ``target_capacity_per_week``
    (capacity needed), ``relief_capacity_per_week`` (NaN when the queue is
    at or below the target queue: no relief is needed) and
    ``time_to_clear_weeks`` (``inf`` when capacity does not exceed demand;
    NaN when the capacity is unknown), each by its function in
    :mod:`toolkit.waitlist`, with the factor
    :func:`~toolkit.waitlist.factor_for_share_within` of ``share_within``.

    >>> f = stage_figures(demand_per_week=20, capacity_per_week=25, queue_size=100,
    ...                   target_days=28, share_within=0.9)
    >>> round(f["target_queue_size"], 2), round(f["time_to_clear_weeks"], 2)
    (34.74, 13.05)
    """
    weeks = float(target_days) / DAYS_PER_WEEK
    factor = float(waitlist.factor_for_share_within(share_within))
    demand = float(demand_per_week)
    cap = float(capacity_per_week)
    known = not math.isnan(cap)
    target_q = float(waitlist.target_queue_size(demand, weeks, factor))
    if known and cap > 0:
        load = float(waitlist.queue_load(demand, cap))
    else:
        load = math.inf if known and demand > 0 else math.nan
    return {
        "load": load,
        "target_queue_size": target_q,
        "target_capacity_per_week": float(
            waitlist.target_capacity(demand, weeks, factor, cv_demand, cv_capacity)
        ),
        "relief_capacity_per_week": float(
            waitlist.relief_capacity(demand, queue_size, target_q, time_to_target_weeks)
        )
        if queue_size > target_q
        else math.nan,
        "time_to_clear_weeks": float(waitlist.time_to_clear(queue_size, target_q, demand, cap))
        if known
        else math.nan,
    }


def now_figures(
    unit: Any,
    *,
    profile: Any = "bup_30_30",
    window_weeks: int = DEFAULT_WINDOW_WEEKS,
    period_start: Any = None,
    variation: str = DEFAULT_VARIATION,
    time_to_target_weeks: float = waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
    lang: str | None = None,
) -> NowFigures:
    """Every now figure of a unit, per stage, for one window.

    Parameters
    ----------
    unit : toolkit.io.UnitData
        A loaded unit (referrals or period counts; staff for capacity).
    profile : str or toolkit.targets.TargetProfile, default "bup_30_30"
        Target wait and share within target per stage.
    window_weeks : int, default 26
        Whole weeks up to the extract date (see :func:`unit_window`).
    period_start : date-like, optional
        The window starts no earlier than this day's week.
    variation : {"assumed", "measured"}, default "assumed"
        ``assumed``: random arrivals and removals, cv 1 (Poisson), as the
        simulation assumes. ``measured``: the cv of the days between
        arrivals and between removals in the window
        (:func:`toolkit.flow.waiting_list_stats`; event data only, else 1).
    time_to_target_weeks : float, default 26
        Weeks in which the relief capacity brings the queue to its target.
    lang : {"sv", "en"}, optional
        Language of the messages and errors.

    Returns
    -------
    NowFigures

    Notes
    -----
    Over the window's :math:`n` whole weeks, per stage: demand
    :math:`\\lambda = \\overline{A - R}`, activity :math:`\\overline{C}`
    (:func:`toolkit.flow.weekly_flow`), the queue :math:`L` at the window's
    end, capacity :math:`\\mu` from staff (see :func:`patients_per_week`),
    load :math:`\\lambda/\\mu` (:func:`toolkit.waitlist.queue_load`), target
    queue :math:`\\lambda T / f` with :math:`f = -\\ln(1 - p)`
    (:func:`~toolkit.waitlist.target_queue_size`,
    :func:`~toolkit.waitlist.factor_for_share_within`), capacity needed
    :math:`\\lambda + (c_a^2 + c_s^2) f / (2T)`
    (:func:`~toolkit.waitlist.target_capacity`), relief capacity when
    :math:`L > L^*` (:func:`~toolkit.waitlist.relief_capacity`), time to
    clear at capacity :math:`\\mu` (:func:`~toolkit.waitlist.time_to_clear`),
    and the waits of those completed in the window
    (:func:`toolkit.flow.stage_waits_days`; with counts only the mean wait
    by Little's law). The balance per stage: :func:`stage_balance`.

    Why 26 weeks: long enough that a weekly mean rests on 26 counts (its
    standard error a fifth of a week's spread) and a seasonal dip does not
    dominate, short enough to describe today's staffing, which the capacity
    is computed from; the simulation is calibrated over the same weeks.
    """
    from toolkit.targets import load_profile

    lang = check_language(lang)
    _check_variation(variation, lang)
    prof = load_profile(profile) if isinstance(profile, str) else profile
    window = unit_window(unit, window_weeks=window_weeks, period_start=period_start)
    if window.weeks < MIN_WINDOW_WEEKS:
        return _too_short(window, prof, variation, time_to_target_weeks, lang)
    weekly = flow.weekly_flow(
        unit, "W", profile=prof, start=window.start, end=window.end, lang=lang
    )
    slots, capacity, terms = _capacity(unit, window.weeks, prof, lang)
    problems: dict[str, list[str]] = {}
    rows = []
    balance: dict[str, StageBalance] = {}
    for stage in flow.FLOW_STAGES:
        part = weekly[weekly["stage"].astype(str) == stage]
        row, balance[stage], notes = _stage_now(
            unit, stage, part, window, prof.stages[stage], capacity[stage],
            variation=variation, time_to_target_weeks=time_to_target_weeks, lang=lang,
        )  # fmt: skip
        rows.append(row)
        if notes:
            problems[stage] = notes
    weekly.attrs = {}
    return NowFigures(
        window=window,
        variation=variation,
        profile_id=prof.id,
        time_to_target_weeks=float(time_to_target_weeks),
        table=pd.DataFrame(rows, columns=list(NOW_COLUMNS)),
        balance=balance,
        weekly=weekly,
        problems={k: tuple(v) for k, v in problems.items()},
        staff_slots=slots,
        capacity_terms=terms,
    )


def _check_variation(variation: str, lang: str) -> None:
    """Refuse a variation assumption that is not one of :data:`VARIATIONS`."""
    checks.one_of("variation", variation, VARIATIONS, lang)


def _too_short(
    window: Window, prof: Any, variation: str, time_to_target_weeks: float, lang: str
) -> NowFigures:
    """The figures of a window too short to give any: NaN per stage, and a message why."""
    problem = t(
        "now.too_short",
        lang,
        weeks=window.weeks,
        least=MIN_WINDOW_WEEKS,
        start=window.start.date().isoformat(),
        end=window.end.date().isoformat(),
    )
    rows = []
    for stage in flow.FLOW_STAGES:
        target = prof.stages[stage]
        row: dict[str, Any] = {c: math.nan for c in NOW_COLUMNS}
        row.update(stage=stage, target_days=target.target_days, target_share=target.share_within)
        rows.append(row)
    return NowFigures(
        window=window,
        variation=variation,
        profile_id=prof.id,
        time_to_target_weeks=float(time_to_target_weeks),
        table=pd.DataFrame(rows, columns=list(NOW_COLUMNS)),
        balance={},
        weekly=pd.DataFrame(),
        problems={"unit": (problem,)},
    )


def _stage_now(
    unit: Any,
    stage: str,
    part: pd.DataFrame,
    window: Window,
    target: Any,
    cap: float,
    *,
    variation: str,
    time_to_target_weeks: float,
    lang: str,
) -> tuple[dict[str, Any], StageBalance, list[str]]:
    """One stage's row of :data:`NOW_COLUMNS`, its balance, and the notes that stand for figures.

    ``part`` is the stage's weekly flow in the window, ``cap`` its capacity
    (patients a week, NaN when unknown).
    """
    d = (part["arrivals"] - part["removals"]).to_numpy(dtype=float)
    a = part["completions"].to_numpy(dtype=float)
    demand = max(float(d.mean()), 0.0) if len(d) else 0.0
    activity = float(a.mean()) if len(a) else 0.0
    queue = float(part["waiting_end"].iloc[-1]) if len(part) else 0.0
    cv_a, cv_s = _variation(unit, stage, window, variation, target, lang)
    known = not math.isnan(cap)
    derived = stage_figures(
        demand_per_week=demand,
        capacity_per_week=cap,
        queue_size=queue,
        target_days=target.target_days,
        share_within=target.share_within,
        cv_demand=cv_a,
        cv_capacity=cv_s,
        time_to_target_weeks=time_to_target_weeks,
    )
    notes: list[str] = []
    if known and math.isinf(derived["time_to_clear_weeks"]):
        notes.append(t("now.never_clears", lang, load=_fmt(derived["load"], 2, lang)))
    n, mean_w, median_w, p90_w, share = _waits(unit, part, window, target)
    if activity == 0:
        notes.append(t("now.no_completions", lang))
    row = {
        "stage": stage,
        "demand_per_week": demand,
        "capacity_per_week": cap,
        "activity_per_week": activity,
        "queue_size": queue,
        **derived,
        "cv_demand": cv_a,
        "cv_capacity": cv_s,
        "completed": n,
        "mean_wait_days": mean_w,
        "median_wait_days": median_w,
        "p90_wait_days": p90_w,
        "share_within_target": share,
        "target_days": target.target_days,
        "target_share": target.share_within,
    }
    balance = stage_balance(
        demand=d,
        activity=a,
        capacity_per_week=cap if known else None,
        queue_size=queue,
        target_queue_size=derived["target_queue_size"],
    )
    return row, balance, notes


def _fmt(value: float, digits: int, lang: str) -> str:
    """A number in a sentence: decimal comma in Swedish, ∞ for infinity, – when unknown."""
    if math.isnan(value):
        return "–"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "sv" else text


def variation_text(figures: NowFigures, lang: str | None = None) -> str:
    """Where the variation of the capacity-needed formula comes from, in one sentence."""
    lang = check_language(lang)
    if figures.variation == "measured" and figures.table["cv_demand"].notna().any():
        cvs = ", ".join(
            t("flow.stage." + str(r["stage"]), lang)
            + f": {_fmt(r['cv_demand'], 2, lang)}/{_fmt(r['cv_capacity'], 2, lang)}"
            for r in figures.table.to_dict("records")
        )
        return t("now.variation_measured", lang, window=window_text(figures.window, lang), cvs=cvs)
    return t("now.variation_assumed", lang)


def balance_text(
    stage_label: str,
    balance: StageBalance,
    lang: str | None = None,
    *,
    hide_below: int | None = None,
) -> str:
    """One sentence: in balance, or which of the three criteria fail and by how much.

    The capacity criterion has three outcomes in words: covers ("täcker"),
    covers within the noise ("täcker inom bruset": the load's interval
    includes 1) and does not cover ("täcker inte").

    ``hide_below``: a queue of 1 to ``hide_below`` − 1 patients is written
    ``<hide_below`` (share mode, as :func:`toolkit.privacy.suppress_small_counts`).
    """
    lang = check_language(lang)
    stage_label = stage_label[:1].upper() + stage_label[1:]
    fmt = {
        "stage": stage_label,
        "load": _fmt(balance.load, 2, lang),
        "low": _fmt(balance.load_low, 2, lang),
        "high": _fmt(balance.load_high, 2, lang),
        "growth": _fmt(balance.growth_per_week, 1, lang),
        "queue": f"<{hide_below}"
        if hide_below is not None and 0 < balance.queue_size < hide_below
        else _fmt(balance.queue_size, 0, lang),
        "target": _fmt(balance.target_queue_size, 0, lang),
    }
    if balance.in_balance:
        covers = t(f"now.balance.covers_{balance.covers}_{balance.load_basis}", lang, **fmt)
        return t("now.balance.yes", lang, covers=covers, **fmt)
    reasons = []
    if "covers" in balance.failing:
        key = f"now.balance.covers_{balance.covers}_{balance.load_basis}"
        reasons.append(t(key, lang, **fmt))
    if balance.growing:
        reasons.append(t("now.balance.growing", lang, **fmt))
    if balance.above_target:
        reasons.append(t("now.balance.above_target", lang, **fmt))
    return t("now.balance.no", lang, stage=stage_label, reasons="; ".join(reasons))
