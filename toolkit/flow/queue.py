"""The number waiting at the end of each day (:func:`queue_size`).

The meaning of ``wl_queue_size`` in the NHS-R package NHSRwaitinglist.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit.flow._days import DateLike, Method, _check_method, _date, _Days, _period, _read_days
from toolkit.i18n import check_language, t


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
