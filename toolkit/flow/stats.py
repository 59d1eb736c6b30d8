"""The waiting-list summary a coach starts from (:func:`waiting_list_stats`).

The meaning of ``wl_stats`` in the NHS-R package NHSRwaitinglist, with the
toolkit's own method beside it (see ``docs/waitlist_differences.md``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import waitlist
from toolkit.errors import ParameterError
from toolkit.flow._days import DateLike, Method, _check_method, _date, _Days, _period, _read_days
from toolkit.flow.queue import _daily_counts, _row_notes
from toolkit.i18n import check_language, t

_COLUMNS: tuple[str, ...] = (
    "start",
    "end",
    "days_in_period",
    "demand_per_week",
    "capacity_per_week",
    "load",
    "load_too_big",
    "count_demand",
    "count_removals",
    "queue_size",
    "target_queue_size",
    "queue_too_big",
    "mean_wait_days",
    "mean_wait_weeks",
    "cv_arrival",
    "cv_removal",
    "target_wait_weeks",
    "target_capacity_per_week",
    "relief_capacity_per_week",
    "pressure",
    "method",
)


@dataclass(frozen=True)
class WaitingListStats:
    """The summary of a waiting list over a period (see :func:`waiting_list_stats`).

    Rates are per week, waits in days and weeks as named; ``notes`` explains
    zeros, assumed values and empty fields, in the language asked for.
    """

    start: pd.Timestamp | None
    end: pd.Timestamp | None
    days_in_period: int
    demand_per_week: float
    capacity_per_week: float
    load: float
    load_too_big: bool
    count_demand: int
    count_removals: int
    queue_size: int
    target_queue_size: float
    queue_too_big: bool
    mean_wait_days: float
    mean_wait_weeks: float
    cv_arrival: float
    cv_removal: float
    target_wait_weeks: float
    target_capacity_per_week: float
    relief_capacity_per_week: float
    pressure: float
    method: str
    notes: tuple[str, ...] = field(default=())

    def to_frame(self, *, labels: bool = False, lang: str | None = None) -> pd.DataFrame:
        """One row with a column per figure (``notes`` go to ``attrs["notes"]``).

        ``labels=True`` names the columns in words, in ``lang``.

        >>> s = waiting_list_stats(pd.DataFrame({"received": pd.to_datetime(
        ...     ["2024-01-01", "2024-01-08"]), "first_assessment": pd.NaT}), target_wait_weeks=4)
        >>> s.to_frame(labels=True, lang="en")["waiting at end of period"].item()
        2
        """
        values = asdict(self)
        frame = pd.DataFrame([{name: values[name] for name in _COLUMNS}])
        if labels:
            lang = check_language(lang)
            frame.columns = pd.Index([t(f"waitlist.col.{c}", lang) for c in _COLUMNS])
        frame.attrs["notes"] = list(self.notes)
        return frame


def _cv(gaps: npt.NDArray[np.float64]) -> float:
    """Sample coefficient of variation (sd with n - 1), as R's ``sd / mean``."""
    mean = gaps.mean()
    return float(gaps.std(ddof=1) / mean)


def waiting_list_stats(
    referrals: pd.DataFrame,
    target_wait_weeks: float | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    arrival: str = "received",
    removal: str = "first_assessment",
    *,
    target_wait_days: float | None = None,
    factor: float = waitlist.DEFAULT_FACTOR,
    time_to_target_weeks: float = waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
    method: Method = "toolkit",
    lang: str | None = None,
) -> WaitingListStats:
    """Demand, capacity, load, queue, waits and the capacity needed, for one queue.

    The same figures as NHSRwaitinglist ``wl_stats``, with units in the
    names. Use ``.to_frame()`` for a one-row table.

    Parameters
    ----------
    referrals : pandas.DataFrame
        One row per patient with an arrival and a removal date column
        (datetime64, NaT when absent); any row order.
    target_wait_weeks : float, optional
        The waiting-time target in weeks (> 0). Give this or
        ``target_wait_days``; with neither, 4 weeks (the ``wl_stats``
        default).
    start, end : date-like, optional
        First and last day of the period, inclusive. Default: first and last
        arrival date, as in ``wl_stats``.
    arrival, removal : str
        The two date columns (default ``received`` and ``first_assessment``).
    target_wait_days : float, optional
        The target in days (> 0), instead of ``target_wait_weeks``.
    factor : float, default 4
        Target wait divided by target mean wait; see
        :func:`toolkit.waitlist.factor_for_share_within`.
    time_to_target_weeks : float, default 26
        Weeks in which relief capacity should bring the queue to target.
    method : {"toolkit", "nhsr"}, default "toolkit"
        ``"nhsr"`` reproduces ``wl_stats`` (on date-sorted rows) including its
        quirks; the differences are listed in docs/waitlist_differences.md.
    lang : {"sv", "en"}, optional
        Language of the notes and errors.

    Returns
    -------
    WaitingListStats
        Frozen dataclass; ``.to_frame()`` gives one row with the columns
        ``start``, ``end`` (first and last day), ``days_in_period``,
        ``demand_per_week`` (arrivals per week), ``capacity_per_week``
        (removals per week while someone waits), ``load`` (demand /
        capacity), ``load_too_big`` (load ≥ 1), ``count_demand`` (arrivals in
        the period), ``count_removals``, ``queue_size`` (waiting at the end of
        ``end``), ``target_queue_size``, ``queue_too_big`` (queue > 2 ×
        target queue), ``mean_wait_days`` and ``mean_wait_weeks`` (mean time
        waited so far by those waiting at the end), ``cv_arrival`` and
        ``cv_removal`` (coefficients of variation of the days between
        arrivals and between removals), ``target_wait_weeks``,
        ``target_capacity_per_week`` (NaN when the queue is too big),
        ``relief_capacity_per_week`` (NaN when it is not), ``pressure``
        (2 × mean wait / target wait), ``method``; and ``attrs["notes"]``.

    Notes
    -----
    With :math:`n` arrivals in a period of :math:`D` days (``toolkit``):

    * demand :math:`\\lambda = 7 n / D` per week;
    * capacity :math:`\\mu = 7 / \\bar g` per week, :math:`\\bar g` the mean
      number of days from the previous removal, or from the last day the
      queue was empty, to each removal (time with an empty queue is not
      lost capacity);
    * :math:`c_a`, :math:`c_s`: sd / mean of the days between consecutive
      arrivals and of those removal gaps; 1 (random) when there are fewer
      than two gaps;
    * load :math:`\\rho = \\lambda / \\mu`; target queue
      :math:`L^* = \\lambda T / f`; queue too big when :math:`L > 2 L^*`;
    * mean wait :math:`\\bar W`: mean of (end − arrival) over those still
      waiting at the end, in days and weeks;
    * target capacity :math:`\\lambda + (c_a^2 + c_s^2) f / (2 T)` (queue not
      too big), relief capacity :math:`\\lambda + (L - L^*)/\\tau` (queue too
      big), pressure :math:`2 \\bar W / T`.

    :math:`T` is the target wait (weeks), :math:`f` the factor, :math:`\\tau`
    the time to target (weeks). No arrivals, no removals or nobody waiting
    give zeros (load: 0 with no demand, ``inf`` with demand and no removals)
    and a note, not an error. Checked against NHSRwaitinglist ``wl_stats``
    (its tests/testthat/test_wl_stats.R and a hand trace of its source,
    tests/nhsr_reference/).

    References
    ----------
    .. [1] NHSRwaitinglist, R/wl_stats.R, R/wl_referral_stats.R,
       R/wl_removal_stats.R.
    .. [2] Fong K. et al. (2022), "Waiting list management", NHS-R community.

    Examples
    --------
    >>> import pandas as pd
    >>> referrals = pd.DataFrame({
    ...     "received": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-10", "2024-01-16"]),
    ...     "first_assessment": pd.to_datetime(["2024-01-08", None, None, None]),
    ... })
    >>> s = waiting_list_stats(referrals, target_wait_weeks=4, lang="en")
    >>> s.demand_per_week, s.capacity_per_week, s.queue_size, s.mean_wait_days
    (1.75, 1.0, 3, 6.0)
    >>> round(s.pressure, 4)
    0.4286
    >>> s.notes[0]
    'Too few removals (1) to estimate the variation between removals; 1 is used.'
    """
    lang = check_language(lang)
    _check_method(method, lang)
    target_w = _target_weeks(target_wait_weeks, target_wait_days, lang)
    factor = float(waitlist._positive("factor", factor))
    time_to_target_weeks = float(waitlist._positive("time_to_target_weeks", time_to_target_weeks))

    days = _read_days(referrals, arrival, removal, lang)
    notes = _row_notes(days, arrival, lang)
    period = _period(days, start, end, lang)
    if method == "nhsr":
        core = _nhsr_core(days, period)
        notes.insert(0, t("waitlist.note.nhsr_method", lang))
    else:
        core = _toolkit_core(days, period, notes, lang)

    demand = core["demand_per_week"]
    capacity = core["capacity_per_week"]
    load = _load(demand, capacity, method, notes, lang)
    q_target = demand * target_w / factor
    q_size = core["queue_size"]
    too_big = bool(q_size > 2 * q_target)
    cv_a, cv_r = core["cv_arrival"], core["cv_removal"]
    if too_big:
        target_cap = float("nan")
        relief = demand + (q_size - q_target) / time_to_target_weeks
        notes.append(t("waitlist.note.queue_too_big", lang))
    else:
        target_cap = demand + (cv_a**2 + cv_r**2) / 2.0 * factor / target_w
        relief = float("nan")
        if method == "toolkit":
            notes.append(t("waitlist.note.queue_not_too_big", lang))
    mean_wait_days = core["mean_wait_days"]
    if method == "nhsr":
        # wl_stats divides a mean wait in days by a target in weeks.
        pressure = 2.0 * mean_wait_days / target_w
    else:
        pressure = 2.0 * (mean_wait_days / 7.0) / target_w
    first, last = period if period is not None else (None, None)
    return WaitingListStats(
        start=pd.Timestamp(_date(first)) if first is not None else None,
        end=pd.Timestamp(_date(last)) if last is not None else None,
        days_in_period=(last - first + 1) if first is not None and last is not None else 0,
        demand_per_week=float(demand),
        capacity_per_week=float(capacity),
        load=float(load),
        load_too_big=bool(load >= 1.0),
        count_demand=int(core["count_demand"]),
        count_removals=int(core["count_removals"]),
        queue_size=int(q_size),
        target_queue_size=float(q_target),
        queue_too_big=too_big,
        mean_wait_days=float(mean_wait_days),
        mean_wait_weeks=float(mean_wait_days) / 7.0,
        cv_arrival=float(cv_a),
        cv_removal=float(cv_r),
        target_wait_weeks=target_w,
        target_capacity_per_week=float(target_cap),
        relief_capacity_per_week=float(relief),
        pressure=float(pressure),
        method=method,
        notes=tuple(notes),
    )


def _target_weeks(
    target_wait_weeks: float | None, target_wait_days: float | None, lang: str
) -> float:
    """The target wait in weeks, given in weeks or in days (one of them; default 4 weeks)."""
    if target_wait_weeks is not None and target_wait_days is not None:
        raise ParameterError("waitlist.both_target_units", lang=lang)
    if target_wait_days is not None:
        return float(waitlist._positive("target_wait_days", target_wait_days)) / 7.0
    elif target_wait_weeks is not None:
        return float(waitlist._positive("target_wait_weeks", target_wait_weeks))
    return 4.0


def _load(demand: float, capacity: float, method: str, notes: list[str], lang: str) -> float:
    """Demand / capacity; infinite (with a note) for the toolkit where capacity is 0."""
    if method == "nhsr":
        return demand / capacity if capacity != 0 else _nhsr_div(demand, capacity)
    elif capacity > 0:
        return demand / capacity
    elif demand > 0:
        notes.append(t("waitlist.note.load_infinite", lang))
        return float("inf")
    return 0.0


def _nhsr_div(numerator: float, denominator: float) -> float:
    """R's division: x / 0 is ±Inf, 0 / 0 and NaN are NaN, without warnings."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / np.float64(denominator))


def _removal_gaps(
    removal_days: npt.NDArray[np.int64],
    zero_days: npt.NDArray[np.int64],
    first: int,
    zero_first: bool,
) -> npt.NDArray[np.float64]:
    """Days from the previous event (removal or empty-queue day) to each removal.

    Events on the same day: ``zero_first`` puts the empty-queue day before
    the removals (as ``wl_removal_stats`` does); otherwise removals come
    first, because an end-of-day empty queue happens after that day's
    removals.
    """
    event_day = np.concatenate([removal_days, zero_days])
    is_removal = np.concatenate(
        [np.ones(removal_days.size, dtype=bool), np.zeros(zero_days.size, dtype=bool)]
    )
    kind = is_removal.astype(np.int8) if zero_first else (~is_removal).astype(np.int8)
    order = np.lexsort((kind, event_day))
    event_day, is_removal = event_day[order], is_removal[order]
    previous = np.concatenate([[first], event_day[:-1]])
    return (event_day - previous)[is_removal].astype(np.float64)


def _toolkit_core(
    days: _Days, period: tuple[int, int] | None, notes: list[str], lang: str
) -> dict[str, float]:
    if period is None:
        notes.append(t("waitlist.note.no_rows", lang))
        notes.append(t("waitlist.note.cv_arrival_assumed", lang, count=0))
        notes.append(t("waitlist.note.cv_removal_assumed", lang, count=0))
        return dict(
            demand_per_week=0.0,
            capacity_per_week=0.0,
            count_demand=0,
            count_removals=0,
            queue_size=0,
            mean_wait_days=0.0,
            cv_arrival=1.0,
            cv_removal=1.0,
        )
    first, last = period
    n_days = last - first + 1
    arr = np.sort(days.arrival[(days.arrival >= first) & (days.arrival <= last)])
    n = arr.size
    demand = 7.0 * n / n_days
    if n == 0:
        notes.append(t("waitlist.note.no_arrivals", lang))
    gaps_a = np.diff(arr).astype(np.float64)
    if gaps_a.size >= 2 and gaps_a.mean() > 0:
        cv_a = _cv(gaps_a)
    else:
        cv_a = 1.0
        notes.append(t("waitlist.note.cv_arrival_assumed", lang, count=n))

    _, _, waiting = _daily_counts(days, first, last, "toolkit")
    r = days.removal[days.has_removal]
    r = np.sort(r[(r >= first) & (r <= last)])
    zero_days = np.flatnonzero(waiting == 0).astype(np.int64) + first
    gaps_r = _removal_gaps(r, zero_days, first, zero_first=False)
    if r.size == 0:
        capacity = 0.0
        notes.append(t("waitlist.note.no_removals", lang))
    elif gaps_r.mean() > 0:
        capacity = 7.0 / float(gaps_r.mean())
    else:
        capacity = 7.0 * r.size / n_days
        notes.append(t("waitlist.note.capacity_same_day", lang))
    if gaps_r.size >= 2 and gaps_r.mean() > 0:
        cv_r = _cv(gaps_r)
    else:
        cv_r = 1.0
        notes.append(t("waitlist.note.cv_removal_assumed", lang, count=int(r.size)))

    still = (days.arrival <= last) & (~days.has_removal | (days.removal > last))
    if still.any():
        mean_wait = float((last - days.arrival[still]).mean())
    else:
        mean_wait = 0.0
        notes.append(t("waitlist.note.nobody_waiting", lang))
    return dict(
        demand_per_week=demand,
        capacity_per_week=capacity,
        count_demand=n,
        count_removals=int(r.size),
        queue_size=int(waiting[-1]),
        mean_wait_days=mean_wait,
        cv_arrival=cv_a,
        cv_removal=cv_r,
    )


def _nhsr_core(days: _Days, period: tuple[int, int] | None) -> dict[str, float]:
    """``wl_referral_stats``, ``wl_queue_size``, ``wl_removal_stats`` and the mean
    wait of ``wl_stats``, step by step as the R source does them (on sorted rows).
    """
    if period is None:
        nan = float("nan")
        return dict(
            demand_per_week=nan,
            capacity_per_week=nan,
            count_demand=0,
            count_removals=0,
            queue_size=0,
            mean_wait_days=nan,
            cv_arrival=nan,
            cv_removal=nan,
        )
    first, last = period
    inside = np.sort(days.arrival[(days.arrival >= first) & (days.arrival <= last)])
    gaps_a = np.diff(np.concatenate([[first], inside, [last]])).astype(np.float64)
    mean_a = float(gaps_a.mean())
    sd_a = float(gaps_a.std(ddof=1)) if gaps_a.size > 1 else float("nan")
    cv_a = _nhsr_div(sd_a, mean_a)
    demand = _nhsr_div(7.0, mean_a)

    _, _, waiting = _daily_counts(days, first, last, "nhsr")
    # wl_removal_stats: every removal date, and empty-queue days of the queue
    # over the default range (first to last arrival), whatever the period.
    r = np.sort(days.removal[days.has_removal])
    default_first, default_last = int(days.arrival.min()), int(days.arrival.max())
    _, _, default_waiting = _daily_counts(days, default_first, default_last, "nhsr")
    zero_days = np.flatnonzero(default_waiting == 0).astype(np.int64) + default_first
    gaps_r = _removal_gaps(r, zero_days, first, zero_first=True)
    mean_r = float(gaps_r.mean()) if gaps_r.size else float("nan")
    sd_r = float(gaps_r.std(ddof=1)) if gaps_r.size > 1 else 0.0
    cv_r = _nhsr_div(sd_r, mean_r)
    capacity = _nhsr_div(7.0, mean_r)

    # R: removal > end | is.na(removal) & referral <= end  (& binds first)
    still = (days.has_removal & (days.removal > last)) | (
        ~days.has_removal & (days.arrival <= last)
    )
    waits = (last - days.arrival[still]).astype(np.float64)
    mean_wait = float(waits.mean()) if waits.size else float("nan")
    return dict(
        demand_per_week=demand,
        capacity_per_week=capacity,
        count_demand=gaps_a.size,
        count_removals=gaps_r.size,
        queue_size=int(waiting[-1]),
        mean_wait_days=mean_wait,
        cv_arrival=cv_a,
        cv_removal=cv_r,
    )
