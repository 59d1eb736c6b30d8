"""Flow of patients through the pathway, from the clean ``referrals`` table.

This module holds, in separate sections:

* the daily queue size (:func:`queue_size`) and the waiting-list summary a
  coach starts from (:func:`waiting_list_stats`), with the meaning of
  ``wl_queue_size`` and ``wl_stats`` in the NHS-R package NHSRwaitinglist;
* a unit's situation in a few numbers (:func:`snapshot`, :func:`stage_waits_days`);
* flow per period and stage, the DCAQ table (:func:`weekly_flow`: arrivals,
  completions, removals, queue, waits and share within target, by need
  class, question, sex or age band; from counts alone with Little's law) and
  continuity of care (:func:`continuity`, the usual-provider-of-care index).

A row's arrival and removal are any two date columns (default ``received``
and ``first_assessment``, the first stage). A missing removal date (NaT)
means the patient is still waiting. Days are calendar days; the number
waiting on a day is counted at the end of that day, so a patient removed on
day *d* is no longer waiting on day *d*.

Examples
--------
>>> import pandas as pd
>>> referrals = pd.DataFrame({
...     "received": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-10", "2024-01-16"]),
...     "first_assessment": pd.to_datetime(["2024-01-08", None, None, None]),
... })
>>> queue_size(referrals).queue_size.tolist()
[1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 2, 2, 2, 2, 3]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import waitlist
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import check_language, t

__all__ = [
    "AGE_BANDS",
    "BREAKDOWNS",
    "FREQS",
    "WaitingListStats",
    "continuity",
    "queue_size",
    "snapshot",
    "stage_waits_days",
    "waiting_list_stats",
    "weekly_flow",
]

Method = Literal["toolkit", "nhsr"]
DateLike = str | dt.date | pd.Timestamp | np.datetime64

_METHODS: tuple[str, ...] = ("toolkit", "nhsr")
_NAT = np.iinfo(np.int64).min


# ============================================================================
# Section: daily queue size and waiting-list statistics
# (queue_size, waiting_list_stats; NHSRwaitinglist wl_queue_size, wl_stats)
# ============================================================================


@dataclass(frozen=True)
class _Days:
    """Arrival and removal dates of the usable rows, as whole days since 1970-01-01."""

    arrival: npt.NDArray[np.int64]
    removal: npt.NDArray[np.int64]  # _NAT where still waiting
    has_removal: npt.NDArray[np.bool_]
    missing_arrival: int


def _check_method(method: str, lang: str) -> None:
    if method not in _METHODS:
        raise ParameterError(
            "common.param_choice",
            argument="method",
            value=method,
            allowed=", ".join(_METHODS),
            lang=lang,
        )


def _day_numbers(values: pd.Series, argument: str, column: str, lang: str) -> npt.NDArray[Any]:
    """A date column as ``datetime64[D]`` (NaT kept)."""
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        if len(values) == 0 or values.isna().all():
            return np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
        try:
            values = pd.to_datetime(values)
        except (TypeError, ValueError):
            raise ParameterError(
                "common.param_type",
                argument=argument,
                expected="datetime64",
                got=str(values.dtype),
                lang=lang,
            ) from None
    if getattr(values.dtype, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def _read_days(referrals: pd.DataFrame, arrival: str, removal: str, lang: str) -> _Days:
    if not isinstance(referrals, pd.DataFrame):
        raise ParameterError(
            "common.param_type",
            argument="referrals",
            expected="pandas.DataFrame",
            got=type(referrals).__name__,
            lang=lang,
        )
    for argument, column in (("arrival", arrival), ("removal", removal)):
        if column not in referrals.columns:
            raise ParameterError(
                "waitlist.missing_column",
                argument=argument,
                value=column,
                present=", ".join(map(str, referrals.columns)),
                lang=lang,
            )
    a = _day_numbers(referrals[arrival], "arrival", arrival, lang)
    r = _day_numbers(referrals[removal], "removal", removal, lang)
    keep = ~np.isnat(a)
    a, r = a[keep], r[keep]
    has_r = ~np.isnat(r)
    a_int = a.astype(np.int64)
    r_int = np.where(has_r, r.astype(np.int64), _NAT)
    bad = has_r & (r_int < a_int)
    if bad.any():
        raise DataError(
            "waitlist.removal_before_arrival",
            column=removal,
            count=int(bad.sum()),
            removal=removal,
            arrival=arrival,
            lang=lang,
        )
    return _Days(a_int, r_int, has_r, int((~keep).sum()))


def _to_day(value: DateLike, argument: str, lang: str) -> int:
    try:
        stamp: pd.Timestamp | None = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = None
    if stamp is None or pd.isna(stamp):
        raise ParameterError("waitlist.not_a_date", argument=argument, value=value, lang=lang)
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def _period(
    days: _Days, start: DateLike | None, end: DateLike | None, lang: str
) -> tuple[int, int] | None:
    """First and last day (inclusive); defaults are the first and last arrival."""
    s = _to_day(start, "start", lang) if start is not None else None
    e = _to_day(end, "end", lang) if end is not None else None
    if days.arrival.size == 0 and (s is None or e is None):
        return None
    if s is None:
        s = int(days.arrival.min())
    if e is None:
        e = int(days.arrival.max())
    if e < s:
        raise ParameterError(
            "waitlist.end_before_start",
            argument="end",
            start=_date(s).isoformat(),
            end=_date(e).isoformat(),
            lang=lang,
        )
    return s, e


def _date(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


def _daily_counts(
    days: _Days, first: int, last: int, method: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Arrivals, removals and number waiting at the end of each day first..last.

    Patients who arrived before ``first`` are counted as arriving on
    ``first``. ``toolkit``: a removal before ``first`` is counted on
    ``first`` too, so a patient who arrived and left before the period is
    never waiting in it. ``nhsr``: removals before ``first`` are dropped, as
    ``wl_queue_size`` does.
    """
    n = last - first + 1
    a_idx = days.arrival - first
    in_range = a_idx <= n - 1
    arrivals = np.bincount(np.clip(a_idx[in_range], 0, None), minlength=n)[:n]
    r_idx = days.removal[days.has_removal] - first
    if method == "nhsr":
        r_idx = r_idx[(r_idx >= 0) & (r_idx <= n - 1)]
    else:
        r_idx = np.clip(r_idx[r_idx <= n - 1], 0, None)
    removals = np.bincount(r_idx, minlength=n)[:n]
    waiting = np.cumsum(arrivals) - np.cumsum(removals)
    return arrivals.astype(np.int64), removals.astype(np.int64), waiting.astype(np.int64)


def queue_size(
    referrals: pd.DataFrame,
    start: DateLike | None = None,
    end: DateLike | None = None,
    arrival: str = "received",
    removal: str = "first_assessment",
    *,
    method: Method = "toolkit",
    lang: str | None = None,
) -> pd.DataFrame:
    """The number waiting at the end of each day from ``start`` to ``end``.

    Parameters
    ----------
    referrals : pandas.DataFrame
        One row per patient, with the two date columns below (datetime64;
        NaT when absent). Rows may come in any order.
    start, end : date-like, optional
        First and last day, inclusive. Default: first and last arrival date,
        as in ``wl_queue_size``.
    arrival : str, default "received"
        Column with the date the patient joined the queue. Rows without it
        are left out (see the notes).
    removal : str, default "first_assessment"
        Column with the date the patient left the queue; NaT means still
        waiting.
    method : {"toolkit", "nhsr"}, default "toolkit"
        ``"nhsr"`` reproduces ``wl_queue_size`` exactly, including its
        counting of patients who arrived *and* left before ``start`` as
        waiting throughout (see docs/waitlist_differences.md).
    lang : {"sv", "en"}, optional
        Language of the notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per day, columns:

        ``date``
            the day (datetime64).
        ``queue_size``
            number waiting at the end of the day (int).

        ``attrs`` holds ``arrival``, ``removal``, ``method`` and ``notes``
        (a list of texts in ``lang``, e.g. rows without an arrival date).

    Raises
    ------
    toolkit.errors.ParameterError
        A column missing, a date that is not a date, ``end`` before ``start``.
    toolkit.errors.DataError
        Rows whose removal is before their arrival.

    Notes
    -----
    .. math:: Q(d) = \\#\\{i : a_i \\le d \\text{ and } (r_i > d
              \\text{ or } r_i \\text{ missing})\\}

    with :math:`a_i`, :math:`r_i` the arrival and removal days of patient
    :math:`i` and :math:`d` a day. Computed as the cumulative sum of daily
    arrivals minus daily removals (counts by ``numpy.bincount``), so the time
    grows with rows plus days, not rows times days. The counts balance:
    :math:`Q(d) - Q(d-1)` = arrivals on :math:`d` − removals on :math:`d`.
    Checked against NHSRwaitinglist ``wl_queue_size`` (its documented
    example and tests/testthat/test-wl_queue_size.R).

    References
    ----------
    .. [1] NHSRwaitinglist, R/wl_queue_size.R.

    Examples
    --------
    >>> import pandas as pd
    >>> referrals = pd.DataFrame({
    ...     "received": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-10"]),
    ...     "first_assessment": pd.to_datetime(["2024-01-08", "2024-01-09", None]),
    ... })
    >>> q = queue_size(referrals, end="2024-01-11")
    >>> q.queue_size.tolist()
    [1, 1, 1, 2, 2, 2, 2, 1, 0, 1, 1]
    >>> q.date.iloc[-1]
    Timestamp('2024-01-11 00:00:00')
    """
    lang = check_language(lang)
    _check_method(method, lang)
    days = _read_days(referrals, arrival, removal, lang)
    period = _period(days, start, end, lang)
    notes = _row_notes(days, arrival, lang)
    if period is None:
        dates: pd.Index = pd.DatetimeIndex([], dtype="datetime64[ns]")
        counts = np.zeros(0, dtype=np.int64)
        notes.append(t("waitlist.note.no_rows", lang))
    else:
        first, last = period
        counts = _daily_counts(days, first, last, method)[2]
        dates = pd.date_range(pd.Timestamp(_date(first)), periods=last - first + 1, freq="D")
        dates = dates.astype("datetime64[ns]")
    out = pd.DataFrame({"date": dates, "queue_size": counts})
    out.attrs.update({"arrival": arrival, "removal": removal, "method": method, "notes": notes})
    return out


def _row_notes(days: _Days, arrival: str, lang: str) -> list[str]:
    if days.missing_arrival:
        return [
            t("waitlist.note.arrival_missing", lang, count=days.missing_arrival, arrival=arrival)
        ]
    return []


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
    if target_wait_weeks is not None and target_wait_days is not None:
        raise ParameterError("waitlist.both_target_units", lang=lang)
    if target_wait_days is not None:
        target_w = float(waitlist._positive("target_wait_days", target_wait_days)) / 7.0
    elif target_wait_weeks is not None:
        target_w = float(waitlist._positive("target_wait_weeks", target_wait_weeks))
    else:
        target_w = 4.0
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
    if method == "nhsr":
        load = demand / capacity if capacity != 0 else _nhsr_div(demand, capacity)
    elif capacity > 0:
        load = demand / capacity
    elif demand > 0:
        load = float("inf")
        notes.append(t("waitlist.note.load_infinite", lang))
    else:
        load = 0.0
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


# ============================================================================
# Section: a unit's situation in a few numbers (the main job's summary line)
# ============================================================================


def stage_waits_days(referrals: pd.DataFrame, start_column: str, end_column: str) -> pd.Series:
    """Completed waits in days between two stage dates, less patient-chosen wait (PVV).

    Rows where either date is missing are left out. The national waiting-time
    follow-up excludes patient-chosen waiting time, so ``pvv_days`` is
    subtracted; a wait is never below zero.

    Notes
    -----
    .. math:: w_i = \\max(0, (t^{end}_i - t^{start}_i) - \\mathrm{pvv}_i)

    with dates in days and :math:`\\mathrm{pvv}_i` in days (0 when missing).

    Examples
    --------
    >>> refs = pd.DataFrame({
    ...     "received": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05"]),
    ...     "first_assessment": pd.to_datetime(["2024-01-31", None, "2024-01-10"]),
    ...     "pvv_days": pd.array([10, None, None], dtype="Int64"),
    ... })
    >>> stage_waits_days(refs, "received", "first_assessment").tolist()
    [20, 5]
    """
    done = referrals[start_column].notna() & referrals[end_column].notna()
    days = (referrals.loc[done, end_column] - referrals.loc[done, start_column]).dt.days
    if "pvv_days" in referrals:
        days = days - referrals.loc[done, "pvv_days"].fillna(0).astype("int64")
    return days.clip(lower=0).astype("int64").reset_index(drop=True)


def snapshot(unit: Any, profile: Any = None) -> dict[str, Any]:
    """A unit's situation at its extract date in a few numbers.

    Parameters
    ----------
    unit : toolkit.io.UnitData
        A loaded unit, with event data (referrals) or period counts only.
    profile : toolkit.targets.TargetProfile, optional
        Waiting-time targets; default ``bup_30_30``.

    Returns
    -------
    dict
        ``kind`` ("events" or "counts"), ``first_date``, ``last_date``,
        ``arrived`` (referrals received, or arrivals at the first stage),
        ``completed_first`` (first assessments done), ``waiting_first`` and
        ``waiting_deep`` (number waiting at the end), and for event data
        ``median_wait_first_days`` and ``share_within_first`` (completed first
        assessments within the profile's target, PVV excluded; NaN when none
        is completed), ``target_first_days``.
    """
    from toolkit.targets import load_profile

    profile = profile or load_profile()
    target = profile.stages["first_assessment"]
    deep = profile.stages["deep_start"]
    if unit.kind == "counts":
        counts = unit.period_counts.sort_values("period")
        last = counts["period"].max()
        at_end = counts[counts["period"] == last].set_index("stage")["waiting_end"]
        first_stage = counts[counts["stage"] == "first_assessment"]
        return {
            "kind": "counts",
            "first_date": counts["period"].min(),
            "last_date": last,
            "arrived": int(first_stage["arrived"].sum()),
            "completed_first": int(first_stage["completed"].sum()),
            "waiting_first": int(at_end.get("first_assessment", 0)),
            "waiting_deep": int(at_end.get("deep_start", 0)),
            "target_first_days": target.target_days,
        }
    refs = unit.referrals
    open_ = refs["closed"].isna()
    removed = refs["decision"].isin(["rejected", "redirected", "closed_no_visit"])
    waits = stage_waits_days(refs, target.start_column, target.end_column)
    waiting_first = refs[target.end_column].isna() & ~removed & open_
    waiting_deep = refs[deep.start_column].notna() & refs[deep.end_column].isna() & open_
    return {
        "kind": "events",
        "first_date": refs["received"].min(),
        "last_date": unit.extract_date,
        "arrived": len(refs),
        "completed_first": int(refs[target.end_column].notna().sum()),
        "waiting_first": int(waiting_first.sum()),
        "waiting_deep": int(waiting_deep.sum()),
        "median_wait_first_days": float(waits.median()) if len(waits) else float("nan"),
        "share_within_first": float((waits <= target.target_days).mean())
        if len(waits)
        else float("nan"),
        "target_first_days": target.target_days,
    }


# ============================================================================
# Section: flow per stage and period (DCAQ: demand, activity, queue, waits),
# breakdowns, counts-only flow, and continuity of care
# (weekly_flow, continuity)
# ============================================================================

#: Period lengths accepted by :func:`weekly_flow` and :func:`continuity`.
FREQS: tuple[str, ...] = ("D", "W", "MS")
#: Breakdowns accepted by :func:`weekly_flow` (``by``).
BREAKDOWNS: tuple[str, ...] = ("priority", "question", "sex", "age_band")
#: Age bands (inclusive years) of the ``age_band`` breakdown.
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 5, "0-5"),
    (6, 12, "6-12"),
    (13, 17, "13-17"),
    (18, None, "18+"),
)
#: Decisions that take a referral off the first stage's queue without a visit.
REMOVAL_DECISIONS: tuple[str, ...] = ("rejected", "redirected", "closed_no_visit")
#: The stages of the pathway, in order.
FLOW_STAGES: tuple[str, ...] = ("first_assessment", "deep_start")
#: Columns of :func:`weekly_flow` after ``stage`` (and the group column).
FLOW_COLUMNS: tuple[str, ...] = (
    "arrivals",
    "completions",
    "removals",
    "waiting_start",
    "waiting_end",
    "mean_wait_days",
    "median_wait_days",
    "p90_wait_days",
    "oldest_waiting_days",
    "share_within_target",
    "target_days",
)
#: Columns of :func:`continuity`.
CONTINUITY_COLUMNS: tuple[str, ...] = (
    "period",
    "staff_category",
    "patients",
    "visits",
    "patients_upc",
    "upc",
)
_UNKNOWN = "unknown"
_ALL = "all"
_NEVER = np.int64(1) << 40  # "has not left by the end": later than any real day
_OFFSET = np.int64(1) << 41  # separates groups in combined sort keys (> _NEVER)
_P90 = 0.9  # the 90th percentile


@dataclass(frozen=True)
class _Calendar:
    """Periods from ``first_day`` to ``end_day`` (day numbers since 1970-01-01)."""

    freq: str
    first_day: int
    end_day: int
    starts: npt.NDArray[np.int64]  # first day of each period
    ends: npt.NDArray[np.int64]  # last day counted: period end, or end_day for the last

    @property
    def size(self) -> int:
        return int(self.starts.size)

    def index(self, days: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Period index of each day (days from ``first_day`` on)."""
        if self.freq == "D":
            return days - self.first_day
        if self.freq == "W":
            return (days - self.first_day) // 7
        months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        first = np.datetime64(int(self.first_day), "D").astype("datetime64[M]").astype(np.int64)
        return months - first

    def dates(self, days: npt.NDArray[np.int64]) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"))


def _period_floor(day: int, freq: str) -> int:
    """The first day of the period holding ``day`` (weeks start on Monday)."""
    if freq == "W":
        return day - (day + 3) % 7  # 1970-01-01 was a Thursday: (d + 3) % 7 is 0 on Mondays
    if freq == "MS":
        month = np.datetime64(int(day), "D").astype("datetime64[M]")
        return int(month.astype("datetime64[D]").astype(np.int64))
    return day


def _period_last_day(first: int, freq: str) -> int:
    """The last day of the period starting on ``first``."""
    if freq == "W":
        return first + 6
    if freq == "MS":
        month = np.datetime64(int(first), "D").astype("datetime64[M]") + 1
        return int(month.astype("datetime64[D]").astype(np.int64)) - 1
    return first


def _calendar(freq: str, first: int, last: int) -> _Calendar:
    first = _period_floor(first, freq)
    if freq == "D":
        starts = np.arange(first, last + 1, dtype=np.int64)
        ends = starts.copy()
    elif freq == "W":
        starts = np.arange(first, last + 1, 7, dtype=np.int64)
        ends = starts + 6
    else:
        m0 = np.datetime64(int(first), "D").astype("datetime64[M]")
        m1 = np.datetime64(int(last), "D").astype("datetime64[M]")
        months = np.arange(m0, m1 + 1)
        starts = months.astype("datetime64[D]").astype(np.int64)
        ends = (months + 1).astype("datetime64[D]").astype(np.int64) - 1
    ends = np.minimum(ends, last)
    return _Calendar(freq, first, last, starts, ends)


def _check_choice(value: Any, allowed: tuple[str, ...], argument: str, lang: str) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError(
            "common.param_choice",
            argument=argument,
            value=value,
            allowed=", ".join(allowed),
            lang=lang,
        )


def _resolve_profile(profile: Any, lang: str) -> Any:
    from toolkit.targets import TargetProfile, load_profile

    if profile is None:
        return load_profile()
    if isinstance(profile, TargetProfile):
        return profile
    if isinstance(profile, str):
        return load_profile(profile)
    raise ParameterError(
        "common.param_type",
        argument="profile",
        expected="TargetProfile | str",
        got=type(profile).__name__,
        lang=lang,
    )


def _int_days(values: pd.Series, argument: str, lang: str) -> npt.NDArray[np.int64]:
    """A date column as day numbers; missing dates become ``_NEVER``."""
    d = _day_numbers(values, argument, argument, lang)
    missing = np.isnat(d)
    out = d.astype(np.int64)
    out[missing] = _NEVER
    return out


def _unit_tables(unit: Any, lang: str) -> tuple[str, pd.DataFrame, pd.Timestamp | None]:
    """``("events", referrals, extract date)`` or ``("counts", period_counts, extract date)``."""
    if isinstance(unit, pd.DataFrame):
        if "received" in unit.columns:
            return "events", unit, None
        if {"period", "stage", "arrived", "completed", "waiting_end"} <= set(unit.columns):
            return "counts", unit, None
        raise ParameterError(
            "flow.not_a_unit",
            argument="unit",
            got="DataFrame: " + ", ".join(map(str, unit.columns)),
            lang=lang,
        )
    refs = getattr(unit, "referrals", None)
    counts = getattr(unit, "period_counts", None)
    extract = getattr(unit, "extract_date", None)
    extract = pd.Timestamp(extract) if extract is not None else None
    if isinstance(refs, pd.DataFrame) and len(refs) > 0:
        return "events", refs, extract
    if isinstance(counts, pd.DataFrame) and len(counts) > 0:
        return "counts", counts, extract
    if isinstance(refs, pd.DataFrame):
        return "events", refs, extract
    raise ParameterError("flow.not_a_unit", argument="unit", got=type(unit).__name__, lang=lang)


@dataclass(frozen=True)
class _Stage:
    """The rows of one stage: when each joined and left its queue, and how."""

    join: npt.NDArray[np.int64]
    leave: npt.NDArray[np.int64]  # _NEVER: still waiting at the end
    completed: npt.NDArray[np.bool_]  # left by completing the stage (else removed)
    pvv: npt.NDArray[np.int64]  # patient-chosen wait charged to this stage (days)
    group: npt.NDArray[np.int64]


def _groups(
    refs: pd.DataFrame, by: str | None, lang: str
) -> tuple[npt.NDArray[np.int64], list[str]]:
    """A group code per row and the group labels (``unknown`` last, when needed)."""
    n = len(refs)
    if by is None:
        return np.zeros(n, dtype=np.int64), []
    if by == "age_band":
        column = "age"
        if column not in refs.columns:
            raise ParameterError(
                "flow.by_missing_column", argument="by", value=by, column=column, lang=lang
            )
        age = pd.to_numeric(refs[column], errors="coerce").astype("float64").to_numpy()
        labels = [label for _, _, label in AGE_BANDS]
        edges = np.array([lo for lo, _, _ in AGE_BANDS[1:]], dtype=np.float64)
        codes = np.searchsorted(edges, age, side="right").astype(np.int64)
        missing = np.isnan(age) | (age < 0)
    else:
        if by not in refs.columns:
            raise ParameterError(
                "flow.by_missing_column", argument="by", value=by, column=by, lang=lang
            )
        values = refs[by]
        if isinstance(values.dtype, pd.CategoricalDtype):
            labels = [str(c) for c in values.cat.categories]
            codes = values.cat.codes.to_numpy().astype(np.int64)
        else:
            raw_codes, uniques = pd.factorize(values, sort=True)
            labels = [str(u) for u in uniques]
            codes = raw_codes.astype(np.int64)
        missing = codes < 0
    if missing.any():
        codes = np.where(missing, len(labels), codes)
        labels = [*labels, _UNKNOWN]
    return codes, labels


def _stages(
    refs: pd.DataFrame,
    profile: Any,
    end_day: int,
    group: npt.NDArray[np.int64],
    lang: str,
    notes: list[str],
) -> dict[str, _Stage]:
    """Join and leave days per stage (see :func:`weekly_flow`, Notes)."""
    first_t, deep_t = profile.stages["first_assessment"], profile.stages["deep_start"]
    n = len(refs)
    never = np.full(n, _NEVER, dtype=np.int64)

    def col(name: str) -> npt.NDArray[np.int64]:
        return _int_days(refs[name], name, lang) if name in refs.columns else never.copy()

    pvv = (
        pd.to_numeric(refs["pvv_days"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
        if "pvv_days" in refs.columns
        else np.zeros(n, dtype=np.int64)
    )
    pvv = np.maximum(pvv, 0)
    closed, decided = col("closed"), col("decided")
    if "decision" in refs.columns:
        removal_decision = refs["decision"].isin(list(REMOVAL_DECISIONS)).to_numpy(dtype=bool)
    else:
        removal_decision = np.zeros(n, dtype=bool)

    # stage 1: received -> first assessment; removal by decision or closing without a visit
    join1, done1 = col(first_t.start_column), col(first_t.end_column)
    has_done1 = done1 < _NEVER
    removal_day = np.where(removal_decision & (decided < _NEVER), decided, closed)
    undated = removal_decision & ~has_done1 & (removal_day == _NEVER)
    if undated.any():
        notes.append(t("flow.note.removal_undated", lang, count=int(undated.sum())))
    removal_day = np.where(undated, join1, removal_day)
    leave1 = np.where(has_done1, done1, np.maximum(removal_day, join1))
    # stage 2: deep decision -> deep start; removal when closed without a start
    join2, done2 = col(deep_t.start_column), col(deep_t.end_column)
    has_done2 = done2 < _NEVER
    leave2 = np.where(has_done2, done2, np.maximum(closed, join2))
    # PVV is one number per referral: charged to stage 1 up to its length, the rest to stage 2
    raw1 = np.where(has_done1 & (join1 < _NEVER), done1 - join1, 0)
    pvv2 = np.maximum(pvv - np.maximum(raw1, 0), 0)

    out: dict[str, _Stage] = {}
    for name, join, done, leave, has_done, p in (
        ("first_assessment", join1, done1, leave1, has_done1, pvv),
        ("deep_start", join2, done2, leave2, has_done2, pvv2),
    ):
        bad = has_done & (join < _NEVER) & (done < join)
        if bad.any():
            t_ = first_t if name == "first_assessment" else deep_t
            raise DataError(
                "flow.end_before_start",
                column=t_.end_column,
                count=int(bad.sum()),
                end=t_.end_column,
                start=t_.start_column,
                lang=lang,
            )
        keep = join <= end_day
        leave = np.where(leave > end_day, _NEVER, leave)
        out[name] = _Stage(
            join=join[keep],
            leave=leave[keep],
            completed=(has_done & (leave < _NEVER))[keep],
            pvv=p[keep],
            group=group[keep],
        )
    return out


def _quantile_sorted(
    values: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], q: float
) -> npt.NDArray[np.float64]:
    """Quantile ``q`` of each run of ``values`` (sorted within runs of ``counts``).

    Linear interpolation between order statistics (numpy's default, Hyndman
    and Fan type 7).
    """
    out = np.full(counts.size, np.nan)
    has = counts > 0
    offsets = (np.cumsum(counts) - counts)[has]
    h = (counts[has] - 1) * q
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, counts[has] - 1)
    x_lo = values[offsets + lo].astype(np.float64)
    x_hi = values[offsets + hi].astype(np.float64)
    out[has] = x_lo + (h - lo) * (x_hi - x_lo)
    return out


def _stage_table(
    stage: _Stage, cal: _Calendar, n_groups: int, target_days: int
) -> dict[str, npt.NDArray[Any]]:
    """The flow columns of one stage as arrays of shape (groups, periods)."""
    k = cal.size
    size = n_groups * k
    g, join, leave = stage.group, stage.join, stage.leave

    def per_period(
        mask: npt.NDArray[np.bool_],
        day: npt.NDArray[np.int64],
        weights: npt.NDArray[Any] | None = None,
    ) -> npt.NDArray[Any]:
        keys = g[mask] * k + cal.index(day[mask])
        w = None if weights is None else weights[mask]
        return np.bincount(keys, weights=w, minlength=size)[:size].reshape(n_groups, k)

    joined = join >= cal.first_day
    arrivals = per_period(joined, join)
    left = (leave < _NEVER) & (leave >= cal.first_day)
    done = left & stage.completed
    completions = per_period(done, leave)
    removals = per_period(left & ~stage.completed, leave)
    initial = np.bincount(g[~joined & (leave >= cal.first_day)], minlength=n_groups)[:n_groups]
    change = arrivals - completions - removals
    waiting_end = initial[:, None] + np.cumsum(change, axis=1)
    waiting_start = waiting_end - change

    # waits of those completed in each period, PVV excluded, never below zero
    wait = np.maximum(leave - join - stage.pvv, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = per_period(done, leave, wait.astype(np.float64)) / completions
        share = per_period(done, leave, (wait <= target_days).astype(np.float64)) / completions
    keys = g[done] * k + cal.index(leave[done])
    combined = np.sort(keys * _OFFSET + wait[done])  # sorted by period, then wait
    sorted_wait = combined % _OFFSET
    flat_n = completions.ravel()
    median = _quantile_sorted(sorted_wait, flat_n, 0.5).reshape(n_groups, k)
    p90 = _quantile_sorted(sorted_wait, flat_n, _P90).reshape(n_groups, k)

    # oldest still waiting at each period end. Order the rows by (group, join + PVV):
    # the first row whose running maximum of leave days passes the period end is the
    # one waiting longest (every row before it has left by then). Rows with the same
    # join + PVV are interchangeable, so a grid of the latest leave per (group, day)
    # replaces the sort.
    eff = join + stage.pvv
    oldest = np.full((n_groups, k), np.nan)
    if eff.size:
        lo = int(eff.min())
        span = int(eff.max()) - lo + 1
        grid = np.full((n_groups, span), -1, dtype=np.int64)
        np.maximum.at(grid, (g, eff - lo), leave)
        offsets = np.arange(n_groups, dtype=np.int64)[:, None] * _OFFSET
        running = (np.maximum.accumulate(grid, axis=1) + offsets).ravel()
        pos = np.searchsorted(running, (offsets + cal.ends[None, :]).ravel(), side="right")
        pos = pos.reshape(n_groups, k) - np.arange(n_groups)[:, None] * span
        found = (pos < span) & (waiting_end > 0)
        oldest[found] = np.maximum(
            np.broadcast_to(cal.ends, (n_groups, k))[found] - (lo + pos[found]), 0
        )
    return {
        "arrivals": arrivals.astype(np.int64),
        "completions": completions.astype(np.int64),
        "removals": removals.astype(np.int64),
        "waiting_start": waiting_start.astype(np.int64),
        "waiting_end": waiting_end.astype(np.int64),
        "mean_wait_days": mean,
        "median_wait_days": median,
        "p90_wait_days": p90,
        "oldest_waiting_days": oldest,
        "share_within_target": share,
        "target_days": np.full((n_groups, k), target_days, dtype=np.int64),
    }


def _assemble(
    cal: _Calendar,
    tables: dict[str, dict[str, npt.NDArray[Any]]],
    by: str | None,
    labels: list[str],
) -> pd.DataFrame:
    """Long table ordered by period, stage and group."""
    stages = list(tables)
    n_groups = max(len(labels), 1)
    k = cal.size
    shape = (len(stages), n_groups, k)
    order = (2, 0, 1)  # -> (period, stage, group)
    columns: dict[str, Any] = {
        "period": cal.dates(np.repeat(cal.starts, len(stages) * n_groups)),
        "period_end": cal.dates(np.repeat(cal.ends, len(stages) * n_groups)),
        "stage": pd.Categorical.from_codes(
            np.tile(np.repeat(np.arange(len(stages)), n_groups), k),
            categories=pd.Index(list(FLOW_STAGES)),
        ),
    }
    if by is not None:
        columns[by] = pd.Categorical.from_codes(
            np.tile(np.arange(n_groups), k * len(stages)), categories=pd.Index(labels)
        )
    for name in FLOW_COLUMNS:
        stacked = np.stack([tables[s][name] for s in stages]).reshape(shape)
        columns[name] = stacked.transpose(order).ravel()
    return pd.DataFrame(columns)


def weekly_flow(
    unit: Any,
    freq: str = "W",
    *,
    profile: Any = None,
    by: str | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Demand, activity, removals, queue and waits per period and stage.

    The weekly table of Scotland's DCAQ (demand, capacity, activity, queue),
    per stage of the pathway, with the waits the national follow-up reports:
    those completed in the period (mean, median, 90th percentile, share within
    the target) and the oldest still waiting at the period's end.

    Parameters
    ----------
    unit : toolkit.io.UnitData or pandas.DataFrame
        A loaded unit. With referrals, the flow is counted from the event
        dates; with ``period_counts`` only, from the counts (see Notes). A
        DataFrame is taken as a referrals table (it has ``received``) or a
        period-counts table (it has ``period``, ``stage``, ``arrived``,
        ``completed``, ``waiting_end``). Rows may come in any order.
    freq : {"W", "D", "MS"}, default "W"
        Period: weeks starting on Monday, days, or calendar months. Each
        period is labelled by its first day.
    profile : toolkit.targets.TargetProfile or str, optional
        Waiting-time targets and the dates each stage's wait runs between;
        a profile name (``"bup_30_30"``, the default, or
        ``"general_0_3_90_90"``), or a profile with a unit's own overrides
        (``load_profile().with_overrides(...)``).
    by : {"priority", "question", "sex", "age_band"}, optional
        Break every row down by this referral attribute (the same columns per
        group). ``age_band`` groups ``age`` into 0-5, 6-12, 13-17 and 18+
        years. Referrals without a value form the group ``unknown``.
        Event data only.
    start, end : date-like, optional
        First and last day counted. Default: the first referral received (for
        counts, the first period) and the unit's extract date (for a bare
        table, the last date in it). ``start`` is moved back to the first day
        of its period; the last period is cut at ``end``.
    lang : {"sv", "en"}, optional
        Language of the notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per period and stage (and group), ordered by period, stage
        and group, with columns:

        ``period``, ``period_end``
            first and last day counted in the period (datetime64).
        ``stage``
            ``first_assessment`` or ``deep_start`` (categorical).
        the ``by`` column (when given)
            the group (categorical).
        ``arrivals``, ``completions``, ``removals``
            joined the stage's queue, completed the stage, and left it
            otherwise, in the period (int).
        ``waiting_start``, ``waiting_end``
            number waiting at the end of the day before the period and at
            the end of its last day (int).
        ``mean_wait_days``, ``median_wait_days``, ``p90_wait_days``
            waits of those completed in the period, PVV excluded (days; NaN
            when none completed).
        ``oldest_waiting_days``
            wait so far of the one waiting longest at the period's end, PVV
            excluded (days; NaN when nobody waits).
        ``share_within_target``
            share of those completed whose wait is at most ``target_days``
            (NaN when none completed).
        ``target_days``
            the stage's target in the profile (int).

        ``attrs`` holds ``freq``, ``by``, ``profile`` (id), ``kind``
        (``"events"`` or ``"counts"``), ``start``, ``end``, ``wait_method``
        (``"events"`` or ``"littles_law"``) and ``notes`` (texts in ``lang``
        on empty periods, estimates and the rows treated specially).

    Raises
    ------
    toolkit.errors.ParameterError
        ``freq``, ``by`` or ``profile`` not one of the choices, a date that is
        not a date, ``end`` before ``start``, ``by`` with counts-only data, a
        period finer than the counts given.
    toolkit.errors.DataError
        Referrals that complete a stage before joining it.

    Notes
    -----
    **Stages (event data).** A referral joins a stage's queue on the stage's
    start date in the profile and completes it on the end date:

    * ``first_assessment``: joins at ``received``, completes at
      ``first_assessment``; it is removed (without a visit) when its
      ``decision`` is rejected, redirected or closed_no_visit, on ``decided``
      (or ``closed`` when that is missing), or when it is ``closed`` without
      a first assessment. A removal decision with neither date counts as
      removed on the day it arrived (it never waits; a note says how many).
    * ``deep_start``: joins at ``deep_decision``, completes at
      ``deep_start``; removed when ``closed`` without a start.

    A patient leaving on day :math:`d` is no longer waiting at the end of
    :math:`d` (as in :func:`queue_size`). Events after ``end`` have not
    happened yet. For stage :math:`s` and period :math:`k` with last day
    :math:`e_k`:

    .. math::

        Q_k = Q_{k-1} + A_k - C_k - R_k

    with :math:`A_k` arrivals, :math:`C_k` completions, :math:`R_k` removals
    (patients) and :math:`Q_k` the number waiting at the end of :math:`e_k`;
    :math:`Q` before the first period counts those who joined earlier (zero
    by default). The wait of a completion is

    .. math:: w_i = \\max(0,\\; c_i - j_i - p_i)

    with :math:`j_i`, :math:`c_i` the join and completion days and
    :math:`p_i` the patient-chosen wait (PVV, days) charged to the stage:
    ``pvv_days`` is one number per referral, so it is charged to the first
    stage up to that stage's length and the rest to the second, and no day
    is subtracted twice. The oldest waiting is
    :math:`\\max_i (e_k - j_i - p_i)` over those waiting at the end of
    :math:`e_k`. Percentiles interpolate linearly between order statistics
    (numpy's default). The share within target is
    :math:`\\#\\{w_i \\le T\\} / C_k` with :math:`T` the stage's
    ``target_days``.

    **Counts only.** Arrivals, completions, removals and the number waiting
    are the unit's counts (missing removals are inferred from the balance).
    The mean wait is estimated with Little's law, :math:`L = \\lambda W`:

    .. math:: \\hat W_k = \\frac{\\bar Q_k \\, D_k}{C_k + R_k}

    with :math:`\\bar Q_k = (Q_{k-1} + Q_k)/2` the mean number waiting
    (patients), :math:`D_k` the days in the period and :math:`C_k + R_k` the
    patients leaving the queue. It is the mean time in the queue of all who
    leave it and holds in a steady state; a note says so. Median, 90th
    percentile and oldest need event data and are NaN; the share within
    target is :math:`\\sum x_k / \\sum C_k` when the counts give
    ``completed_within_target`` (:math:`x_k`, as the national waiting-time
    statistics report it; see :mod:`toolkit.national`), else NaN.
    Weekly counts are summed to months by the month of each week's Monday.

    Computed with ``numpy.bincount`` and cumulative sums over periods, and
    the oldest waiting with one sort and a running maximum, so the time grows
    with rows plus periods, not rows times periods. Checked against
    :func:`queue_size` (the number waiting at each period's end),
    Little's law on generated events, and a hand-worked unit
    (tests/test_flow_handworked.py).

    References
    ----------
    .. [1] Little J.D.C. (1961), "A proof for the queuing formula L = λW",
       Operations Research 9(3): 383–387.
    .. [2] Kim S.-H., Whitt W. (2013), "Statistical analysis with Little's
       law", Operations Research 61(4): 1030–1045 (the finite-window form
       used in the tests).
    .. [3] NHS Scotland, "Demand, capacity, activity and queue (DCAQ)"
       improvement guidance (the weekly four-quantity table).
    .. [4] SKR, Väntetider i vården (vantetider.se): the national waiting-time
       follow-up per stage, which leaves out patient-chosen waits (PVV).

    Examples
    --------
    >>> import pandas as pd
    >>> refs = pd.DataFrame({
    ...     "received": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-09"]),
    ...     "first_assessment": pd.to_datetime(["2024-01-10", None, None]),
    ... })
    >>> f = weekly_flow(refs, end="2024-01-14", lang="en")
    >>> f[f.stage == "first_assessment"][["period", "arrivals", "completions",
    ...     "waiting_end", "mean_wait_days", "oldest_waiting_days"]].to_string(index=False)
    '    period  arrivals  completions  waiting_end  mean_wait_days  oldest_waiting_days\\n2024-01-01         2            0            2             NaN                  6.0\\n2024-01-08         1            1            2             9.0                 11.0'
    """
    lang = check_language(lang)
    _check_choice(freq, FREQS, "freq", lang)
    if by is not None:
        _check_choice(by, BREAKDOWNS, "by", lang)
    prof = _resolve_profile(profile, lang)
    kind, table, extract = _unit_tables(unit, lang)
    if kind == "counts":
        if by is not None:
            raise ParameterError("flow.by_needs_events", argument="by", value=by, lang=lang)
        return _counts_flow(table, freq, prof, start, end, extract, lang)

    notes: list[str] = []
    group, labels = _groups(table, by, lang)
    n_groups = max(len(labels), 1)
    received = _int_days(table["received"], "received", lang)
    known = received[received < _NEVER]
    if known.size < received.size:
        notes.append(
            t(
                "waitlist.note.arrival_missing",
                lang,
                count=received.size - known.size,
                arrival="received",
            )
        )
    first_day = _to_day(start, "start", lang) if start is not None else None
    if end is not None:
        last_day: int | None = _to_day(end, "end", lang)
    elif extract is not None:
        last_day = _to_day(extract, "end", lang)
    else:
        last_day = _last_date(table, lang)
    if first_day is None:
        first_day = int(known.min()) if known.size else last_day
    if first_day is None or last_day is None:
        notes.append(t("flow.note.no_rows", lang))
        return _empty_flow(by, labels, prof, freq, notes)
    if last_day < first_day:
        raise ParameterError(
            "waitlist.end_before_start",
            argument="end",
            start=_date(first_day).isoformat(),
            end=_date(last_day).isoformat(),
            lang=lang,
        )
    cal = _calendar(freq, first_day, last_day)
    stages = _stages(table, prof, last_day, group, lang, notes)
    tables = {
        name: _stage_table(stages[name], cal, n_groups, prof.stages[name].target_days)
        for name in FLOW_STAGES
    }
    out = _assemble(cal, tables, by, labels)
    for name in FLOW_STAGES:
        done = int(tables[name]["completions"].sum())
        if done == 0:
            notes.append(t("flow.note.no_completions", lang, stage=t(f"flow.stage.{name}", lang)))
        else:
            empty = int((tables[name]["completions"] == 0).sum())
            if empty:
                notes.append(
                    t(
                        "flow.note.periods_without_completions",
                        lang,
                        count=empty,
                        stage=t(f"flow.stage.{name}", lang),
                    )
                )
    if cal.ends[-1] < _period_last_day(int(cal.starts[-1]), freq):
        notes.append(t("flow.note.last_period_cut", lang, end=_date(last_day).isoformat()))
    if int(np.sum(stages["first_assessment"].pvv > 0)):
        notes.append(t("flow.note.pvv", lang))
    out.attrs.update(
        {
            "freq": freq,
            "by": by,
            "profile": prof.id,
            "kind": "events",
            "start": pd.Timestamp(_date(cal.first_day)),
            "end": pd.Timestamp(_date(last_day)),
            "wait_method": "events",
            "notes": notes,
        }
    )
    return out


def _last_date(refs: pd.DataFrame, lang: str) -> int | None:
    """The last date in any of the referral date columns (for a bare table)."""
    last: int | None = None
    for name in (
        "received",
        "decided",
        "first_assessment",
        "deep_decision",
        "deep_start",
        "closed",
    ):
        if name in refs.columns:
            d = _int_days(refs[name], name, lang)
            d = d[d < _NEVER]
            if d.size:
                last = max(last if last is not None else int(d.max()), int(d.max()))
    return last


def _empty_flow(
    by: str | None, labels: list[str], prof: Any, freq: str, notes: list[str]
) -> pd.DataFrame:
    columns: dict[str, Any] = {
        "period": pd.DatetimeIndex([], dtype="datetime64[ns]"),
        "period_end": pd.DatetimeIndex([], dtype="datetime64[ns]"),
        "stage": pd.Categorical([], categories=list(FLOW_STAGES)),
    }
    if by is not None:
        columns[by] = pd.Categorical([], categories=labels)
    for name in FLOW_COLUMNS:
        floats = (name.endswith("_days") and name != "target_days") or name == "share_within_target"
        columns[name] = np.zeros(0, dtype=np.float64 if floats else np.int64)
    out = pd.DataFrame(columns)
    out.attrs.update(
        {
            "freq": freq,
            "by": by,
            "profile": prof.id,
            "kind": "events",
            "start": None,
            "end": None,
            "wait_method": "events",
            "notes": notes,
        }
    )
    return out


def _counts_freq(days: npt.NDArray[np.int64]) -> str:
    """The period length of a counts table: "D", "W" or "MS"."""
    unique = np.unique(days)
    gaps = np.diff(unique)
    if (
        unique.size
        and np.all(_period_floor_many(unique, "MS") == unique)
        and (gaps.size == 0 or gaps.min() >= 28)
    ):
        return "MS"
    if np.all((unique + 3) % 7 == 0) and (gaps.size == 0 or np.all(gaps % 7 == 0)):
        return "W"
    return "D"


def _period_floor_many(days: npt.NDArray[np.int64], freq: str) -> npt.NDArray[np.int64]:
    if freq == "W":
        return days - (days + 3) % 7
    if freq == "MS":
        return (
            days.astype("datetime64[D]")
            .astype("datetime64[M]")
            .astype("datetime64[D]")
            .astype(np.int64)
        )
    return days


_RANK = {"D": 0, "W": 1, "MS": 2}


def _counts_flow(
    counts: pd.DataFrame,
    freq: str,
    prof: Any,
    start: DateLike | None,
    end: DateLike | None,
    extract: pd.Timestamp | None,
    lang: str,
) -> pd.DataFrame:
    """:func:`weekly_flow` from ``period_counts`` (waits by Little's law)."""
    notes = [t("flow.note.littles_law", lang)]
    day = _int_days(counts["period"], "period", lang)
    ok = day < _NEVER
    counts, day = counts.loc[ok], day[ok]
    if day.size == 0:
        notes.append(t("flow.note.no_rows", lang))
        return _empty_flow(None, [], prof, freq, notes)
    native = _counts_freq(day)
    if _RANK[freq] < _RANK[native]:
        raise ParameterError(
            "flow.counts_too_coarse", argument="freq", value=freq, native=native, lang=lang
        )
    first = _to_day(start, "start", lang) if start is not None else int(day.min())
    last = (
        _to_day(end, "end", lang) if end is not None else _period_last_day(int(day.max()), native)
    )
    if end is None and extract is not None:  # a last period running past the extract is cut there
        last = min(last, max(_to_day(extract, "end", lang), int(day.max())))
    if last < first:
        raise ParameterError(
            "waitlist.end_before_start",
            argument="end",
            start=_date(first).isoformat(),
            end=_date(last).isoformat(),
            lang=lang,
        )
    ncal = _calendar(native, first, last)
    k = ncal.size
    stage_codes = pd.Index(list(FLOW_STAGES)).get_indexer(pd.Index(counts["stage"].astype(object)))
    if bool(((stage_codes < 0) & counts["stage"].notna().to_numpy()).any()):
        notes.append(t("national.note.third_stage", lang))  # e.g. treatment, national statistics
    use = (stage_codes >= 0) & (day >= ncal.first_day) & (day <= last)
    idx = ncal.index(day[use])
    s = stage_codes[use].astype(np.int64)
    key = s * k + idx
    size = len(FLOW_STAGES) * k

    def column(name: str) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
        if name in counts.columns:
            v = pd.to_numeric(counts[name], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )[use]
        else:
            v = np.full(int(use.sum()), np.nan)
        given = np.bincount(key[~np.isnan(v)], minlength=size)[:size] > 0
        total = np.bincount(key, weights=np.nan_to_num(v), minlength=size)[:size]
        return total.reshape(-1, k), given.reshape(-1, k)

    arrived, _ = column("arrived")
    completed, _ = column("completed")
    removed, removed_given = column("removed")
    waiting, waiting_given = column("waiting_end")
    within, within_given = column("completed_within_target")
    present = np.bincount(key, minlength=size)[:size].reshape(-1, k) > 0
    # periods without a row: nobody came or left, the queue stays as it was
    filled = int((~present).sum())
    if filled:
        notes.append(t("flow.note.counts_filled", lang, count=filled))
    waiting = (
        pd.DataFrame(np.where(waiting_given, waiting, np.nan).T).ffill().fillna(0).to_numpy().T
    )
    previous = np.concatenate(
        [(waiting[:, :1] - arrived[:, :1] + completed[:, :1] + removed[:, :1]), waiting[:, :-1]],
        axis=1,
    )
    inferred = ~removed_given & present
    if inferred.any():
        balance = previous + arrived - completed - waiting
        balance[:, 0] = 0.0
        removed = np.where(inferred, np.maximum(balance, 0.0), removed)
        notes.append(t("flow.note.removals_inferred", lang, count=int(inferred.sum())))
    waiting_start = previous
    days_in = (ncal.ends - ncal.starts + 1).astype(np.float64)
    mean_queue_days = (waiting_start + waiting) / 2.0 * days_in[None, :]
    leaving = completed + removed

    cal = _calendar(freq, ncal.first_day, last)
    if freq != native:
        to = cal.index(ncal.starts)  # each native period -> the coarse period of its first day

        def coarse(x: npt.NDArray[np.float64], how: str) -> npt.NDArray[np.float64]:
            out = np.zeros((x.shape[0], cal.size))
            for st in range(x.shape[0]):
                if how == "sum":
                    out[st] = np.bincount(to, weights=x[st], minlength=cal.size)[: cal.size]
                else:  # the value of the last native period in each coarse one
                    last_of = np.full(cal.size, -1)
                    np.maximum.at(last_of, to, np.arange(to.size))
                    first_of = np.full(cal.size, to.size)
                    np.minimum.at(first_of, to, np.arange(to.size))
                    out[st] = x[st][last_of] if how == "last" else x[st][first_of]
            return out

        arrived, completed, removed = (coarse(x, "sum") for x in (arrived, completed, removed))
        within, within_given = coarse(within, "sum"), coarse(within_given.astype(float), "sum") > 0
        mean_queue_days, leaving = coarse(mean_queue_days, "sum"), coarse(leaving, "sum")
        waiting_start, waiting = coarse(waiting_start, "first"), coarse(waiting, "last")
        if freq == "MS" and native == "W":
            notes.append(t("flow.note.weeks_to_months", lang))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_wait = np.where(leaving > 0, mean_queue_days / leaving, np.nan)
        # the counts' own share within target, where given (national statistics)
        share_within = np.where(within_given & (completed > 0), within / completed, np.nan)
    nan = np.full(arrived.shape, np.nan)
    tables = {}
    for i, name in enumerate(FLOW_STAGES):
        tables[name] = {
            "arrivals": arrived[i].astype(np.int64),
            "completions": completed[i].astype(np.int64),
            "removals": np.rint(removed[i]).astype(np.int64),
            "waiting_start": np.rint(waiting_start[i]).astype(np.int64),
            "waiting_end": np.rint(waiting[i]).astype(np.int64),
            "mean_wait_days": mean_wait[i],
            "median_wait_days": nan[i],
            "p90_wait_days": nan[i],
            "oldest_waiting_days": nan[i],
            "share_within_target": share_within[i],
            "target_days": np.full(cal.size, prof.stages[name].target_days, dtype=np.int64),
        }
        tables[name] = {c: v[None, :] for c, v in tables[name].items()}
    out = _assemble(cal, tables, None, [])
    out.attrs.update(
        {
            "freq": freq,
            "by": None,
            "profile": prof.id,
            "kind": "counts",
            "start": pd.Timestamp(_date(cal.first_day)),
            "end": pd.Timestamp(_date(last)),
            "wait_method": "littles_law",
            "notes": notes,
        }
    )
    return out


def continuity(
    unit: Any,
    freq: str = "MS",
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Continuity of care: the usual-provider-of-care index per period and staff category.

    For each patient (referral) with at least two attended visits in a period,
    the share of those visits held by the clinician the patient saw most. The
    table gives the mean over patients per staff category and for all
    categories together (``staff_category`` = ``all``), so the effect of
    staff turnover shows where it happens.

    Parameters
    ----------
    unit : toolkit.io.UnitData or pandas.DataFrame
        A loaded unit, or a visits table, with ``referral_id``, ``date``,
        ``staff_category``, ``clinician_id`` (pseudonymous) and ``status``
        (visits with another status than ``attended`` are left out; without
        the column every visit counts). Rows may come in any order.
    freq : {"MS", "W", "D"}, default "MS"
        Period: calendar months (default), weeks starting Monday, or days.
    start, end : date-like, optional
        First and last day counted; default the first and last visit (for a
        unit, the last is its extract date).
    lang : {"sv", "en"}, optional
        Language of the notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per period and staff category (the schema's categories, then
        ``all``), columns:

        ``period``
            first day of the period (datetime64).
        ``staff_category``
            the category of the visits, or ``all`` (categorical).
        ``patients``
            patients with at least one attended visit with a known clinician
            (int).
        ``visits``
            those visits (int).
        ``patients_upc``
            patients with at least two such visits, on whom ``upc`` rests
            (int).
        ``upc``
            mean usual-provider-of-care index of those patients (0–1; NaN
            when there are none).

        ``attrs`` holds ``freq`` and ``notes`` (visits left out, and why).

    Notes
    -----
    .. math:: \\mathrm{UPC}_i = \\frac{\\max_c n_{ic}}{n_i}, \\qquad
              \\overline{\\mathrm{UPC}} = \\frac{1}{|P|} \\sum_{i \\in P} \\mathrm{UPC}_i

    with :math:`n_{ic}` the attended visits (count) of patient :math:`i`
    with clinician :math:`c` in the period (and category), :math:`n_i =
    \\sum_c n_{ic}` and :math:`P` the patients with :math:`n_i \\ge 2`. The
    index is 1 when every visit was with the same clinician and
    :math:`1/n_i` at the lowest. A patient is a referral (episode). Visits
    without a clinician are left out (a note says how many). Computed by
    sorting integer keys (no loop over patients).

    References
    ----------
    .. [1] Breslau N., Reeb K.G. (1975), "Continuity of care in a
       university-based practice", Journal of Medical Education 50(10):
       965–969.
    .. [2] Pollack C.E. et al. (2016), "Measuring care continuity: a
       comparison of claims-based methods", Medical Care 54(5): e30–e34.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({
    ...     "referral_id": ["R1", "R1", "R1", "R2", "R2"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-01-09", "2024-01-16",
    ...                             "2024-01-03", "2024-01-04"]),
    ...     "staff_category": "psychologist",
    ...     "clinician_id": ["K1", "K1", "K2", "K3", "K4"],
    ...     "status": "attended",
    ... })
    >>> c = continuity(visits, lang="en")
    >>> psy = c[c.staff_category == "psychologist"]
    >>> psy[["patients", "visits", "patients_upc"]].to_numpy().tolist()
    [[2, 5, 2]]
    >>> round(psy.upc.item(), 4)  # R1: 2 of 3 with K1; R2: 1 of 2; (2/3 + 1/2) / 2
    0.5833
    """
    lang = check_language(lang)
    _check_choice(freq, FREQS, "freq", lang)
    notes: list[str] = []
    visits: Any
    if isinstance(unit, pd.DataFrame):
        visits, extract = unit, None
    else:
        visits = getattr(unit, "visits", None)
        extract = getattr(unit, "extract_date", None)
        if not isinstance(visits, pd.DataFrame):
            raise ParameterError(
                "flow.not_a_unit", argument="unit", got=type(unit).__name__, lang=lang
            )
    for column in ("referral_id", "date"):
        if column not in visits.columns:
            raise ParameterError(
                "flow.by_missing_column", argument="unit", value="visits", column=column, lang=lang
            )
    categories = [str(c) for c in _staff_categories(visits)]
    labels = [*categories, _UNKNOWN, _ALL]
    has_clinician = "clinician_id" in visits.columns and visits["clinician_id"].notna().any()
    day = _int_days(visits["date"], "date", lang)
    attended = (
        (visits["status"] == "attended").fillna(False).to_numpy(dtype=bool)
        if "status" in visits.columns
        else np.ones(len(visits), dtype=bool)
    )
    if not has_clinician:
        notes.append(t("flow.note.no_clinician", lang))
        use = np.zeros(len(visits), dtype=bool)
    else:
        known = visits["clinician_id"].notna().to_numpy(dtype=bool)
        missing = int((attended & ~known).sum())
        if missing:
            notes.append(t("flow.note.visits_without_clinician", lang, count=missing))
        use = attended & known & (day < _NEVER)
    first = _to_day(start, "start", lang) if start is not None else None
    if end is not None:
        last: int | None = _to_day(end, "end", lang)
    elif extract is not None:
        last = _to_day(extract, "end", lang)
    else:
        last = int(day[use].max()) if use.any() else None
    if first is None:
        first = int(day[use].min()) if use.any() else last
    if first is None or last is None:
        out = pd.DataFrame({c: [] for c in CONTINUITY_COLUMNS})
        out["period"] = pd.DatetimeIndex([], dtype="datetime64[ns]")
        out["staff_category"] = pd.Categorical([], categories=labels)
        for c in ("patients", "visits", "patients_upc"):
            out[c] = np.zeros(0, dtype=np.int64)
        out["upc"] = np.zeros(0, dtype=np.float64)
        out.attrs.update({"freq": freq, "notes": notes})
        return out
    if last < first:
        raise ParameterError(
            "waitlist.end_before_start",
            argument="end",
            start=_date(first).isoformat(),
            end=_date(last).isoformat(),
            lang=lang,
        )
    cal = _calendar(freq, first, last)
    use &= (day >= cal.first_day) & (day <= last)
    k = cal.size
    n_cat = len(labels)
    if "staff_category" in visits.columns:
        cat = pd.Categorical(visits["staff_category"], categories=categories).codes.astype(np.int64)
        cat = np.where(cat < 0, len(categories), cat)
    else:
        cat = np.full(len(visits), len(categories), dtype=np.int64)
    # codes over all rows (fast on Arrow-backed strings), then the rows used;
    # the codes need not be dense, only distinct per value
    patient_all = pd.factorize(visits["referral_id"])[0].astype(np.int64)
    use &= patient_all >= 0
    period = cal.index(day[use])
    patient = patient_all[use]
    clinician = (
        pd.factorize(visits["clinician_id"])[0].astype(np.int64)[use]
        if has_clinician
        else np.zeros(0, dtype=np.int64)
    )
    cat = cat[use]
    tables = [
        _upc(period * n_cat + cat, patient, clinician, k * n_cat),
        _upc(period * n_cat + n_cat - 1, patient, clinician, k * n_cat),
    ]
    patients, n_visits, n_upc, upc_sum = (a + b for a, b in zip(*tables, strict=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        upc = np.where(n_upc > 0, upc_sum / n_upc, np.nan)
    out = pd.DataFrame(
        {
            "period": cal.dates(np.repeat(cal.starts, n_cat)),
            "staff_category": pd.Categorical.from_codes(
                np.tile(np.arange(n_cat), k), categories=pd.Index(labels)
            ),
            "patients": patients.astype(np.int64),
            "visits": n_visits.astype(np.int64),
            "patients_upc": n_upc.astype(np.int64),
            "upc": upc,
        }
    )
    if not (cat == len(categories)).any():
        out = out[out["staff_category"] != _UNKNOWN].reset_index(drop=True)
        out["staff_category"] = out["staff_category"].cat.remove_categories([_UNKNOWN])
    out.attrs.update({"freq": freq, "notes": notes})
    return out


def _staff_categories(visits: pd.DataFrame) -> list[Any]:
    if "staff_category" not in visits.columns:
        return []
    values = visits["staff_category"]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(values.dropna().unique().tolist())


def _upc(
    cell: npt.NDArray[np.int64],
    patient: npt.NDArray[np.int64],
    clinician: npt.NDArray[np.int64],
    size: int,
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    """Per cell: patients, visits, patients with >= 2 visits, and the sum of their UPC."""
    if cell.size == 0:
        z = np.zeros(size, dtype=np.int64)
        return z, z.copy(), z.copy(), np.zeros(size)
    n_pat = int(patient.max()) + 1
    n_cli = int(clinician.max()) + 1
    # (cell, patient, clinician) as one sortable key: unique triples and their counts
    if size * n_pat * n_cli < 2**62:
        key = (cell * n_pat + patient) * n_cli + clinician
        triples, n_ic = np.unique(key, return_counts=True)
        pair = triples // n_cli
    else:  # too many combinations for one int64: sort the columns instead
        order = np.lexsort((clinician, patient, cell))
        c, p, d = cell[order], patient[order], clinician[order]
        new = np.ones(c.size, dtype=bool)
        new[1:] = (c[1:] != c[:-1]) | (p[1:] != p[:-1]) | (d[1:] != d[:-1])
        starts = np.flatnonzero(new)
        n_ic = np.diff(np.append(starts, c.size))
        pair = c[starts] * n_pat + p[starts]
    # per (cell, patient): visits and visits with the most-seen clinician
    pair_start = np.flatnonzero(np.concatenate([[True], pair[1:] != pair[:-1]]))
    n_i = np.add.reduceat(n_ic, pair_start)
    top_i = np.maximum.reduceat(n_ic, pair_start)
    cell_i = pair[pair_start] // n_pat
    patients = np.bincount(cell_i, minlength=size)[:size]
    visits = np.bincount(cell_i, weights=n_i, minlength=size)[:size]
    many = n_i >= 2
    n_upc = np.bincount(cell_i[many], minlength=size)[:size]
    upc_sum = np.bincount(cell_i[many], weights=top_i[many] / n_i[many], minlength=size)[:size]
    return patients, visits.astype(np.int64), n_upc, upc_sum
