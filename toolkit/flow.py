"""Flow of patients through the pathway, from the clean ``referrals`` table.

This module holds, in separate sections:

* the daily queue size (:func:`queue_size`) and the waiting-list summary a
  coach starts from (:func:`waiting_list_stats`), with the meaning of
  ``wl_queue_size`` and ``wl_stats`` in the NHS-R package NHSRwaitinglist;
* (added later) weekly flow per stage.

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

__all__ = ["WaitingListStats", "queue_size", "waiting_list_stats"]

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
        "share_within_first": float((waits <= target.target_days).mean()) if len(waits) else float("nan"),
        "target_first_days": target.target_days,
    }
