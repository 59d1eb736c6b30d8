"""Observed activity from the visits table: the "A" of DCAQ.

:func:`capacity_from_visits`: attended visits and clinician hours per period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.capacity._helpers import _frame, _group_parameters
from toolkit.capacity.defaults import _MIN_PER_H, STAFF_CATEGORIES, default
from toolkit.i18n import check_language, t

#: Columns of :func:`capacity_from_visits`.
_ACTIVITY_COLUMNS: tuple[str, ...] = (
    "period_start",
    "staff_category",
    "booked",
    "attended",
    "did_not_attend",
    "cancelled",
    "attended_hours",
    "lost_to_dna_hours",
    "dna_rate",
)


def capacity_from_visits(
    visits: pd.DataFrame,
    freq: str = "W",
    *,
    group_size: float | None = None,
    group_clinicians: float | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Observed activity per period and staff category: the "A" of DCAQ.

    Parameters
    ----------
    visits : pandas.DataFrame
        The ``visits`` table: ``date``, ``staff_category``, ``status`` and
        optionally ``duration_min`` (missing lengths take the default length of
        the ``visit_type``) and ``mode``.
    freq : {"W", "M"}, default "W"
        Weeks (starting Monday) or calendar months.
    group_size, group_clinicians : float, default 6 and 2
        A group visit row is one patient; its clinician time is its length ×
        ``group_clinicians / group_size``.
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per period and staff category with visits. Columns:
        period_start, staff_category, booked (attended + did not attend),
        attended, did_not_attend, cancelled, attended_hours (clinician hours
        in attended visits), lost_to_dna_hours (clinician hours booked for
        patients who did not come), dna_rate (did not attend / booked).

    Notes
    -----
    Activity = patients seen × the time it took to see them; DNAs are lost
    activity (the slot was used but nobody was seen). Cancelled visits are
    counted but not charged: their slot may have been re-booked.

    References
    ----------
    Scottish Government, *Understanding Capacity and Demand: A resource pack
    for healthcare professionals*, "An A-Z of Demand and Capacity
    terminology", entry "Activity".

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-09"]),
    ...                   "visit_type": ["treatment"] * 3, "staff_category": ["nurse"] * 3,
    ...                   "status": ["attended", "did_not_attend", "attended"],
    ...                   "duration_min": [60.0, 30.0, 45.0]})
    >>> capacity_from_visits(v)[["period_start", "attended", "attended_hours", "dna_rate"]].to_string(index=False)
    'period_start  attended  attended_hours  dna_rate\\n  2024-01-01         1            1.00       0.5\\n  2024-01-08         1            0.75       0.0'
    """
    lang = check_language(lang)
    visits = checks.columns("visits", visits, ["date", "staff_category", "status"], lang)
    checks.one_of("freq", freq, ("W", "M"), lang)
    size, leaders = _group_parameters(group_size, group_clinicians, lang)
    cat = checks.categories(
        "visits.staff_category", visits["staff_category"], STAFF_CATEGORIES, lang
    )
    date = pd.to_datetime(visits["date"])
    keep = date.notna() & cat.notna()
    if not bool(keep.any()):
        out = _frame({}, _ACTIVITY_COLUMNS)
        out.attrs["notes"] = [t("capacity.note.no_visits", lang)]
        return out
    status = visits["status"].astype("string")
    notes: list[str] = []
    hours = _clinician_hours(visits, keep, size, leaders, notes, lang)
    if freq == "W":
        period = (date - pd.to_timedelta(date.dt.day_of_week, unit="D")).dt.normalize()
    else:
        period = date.dt.to_period("M").dt.start_time
    attended = (status == "attended").fillna(False)
    dna = (status == "did_not_attend").fillna(False)
    frame = pd.DataFrame(
        {
            "period_start": period,
            "staff_category": cat,
            "attended": attended.astype(np.int64),
            "did_not_attend": dna.astype(np.int64),
            "cancelled": (status == "cancelled").fillna(False).astype(np.int64),
            "attended_hours": hours.where(attended, 0.0),
            "lost_to_dna_hours": hours.where(dna, 0.0),
        }
    )[keep]
    out = frame.groupby(["period_start", "staff_category"], as_index=False).sum()
    out["booked"] = out["attended"] + out["did_not_attend"]
    out["dna_rate"] = np.divide(
        out["did_not_attend"].to_numpy(dtype=float),
        out["booked"].to_numpy(dtype=float),
        out=np.zeros(len(out)),
        where=out["booked"].to_numpy() > 0,
    )
    order = {c: i for i, c in enumerate(STAFF_CATEGORIES)}
    out["_o"] = out["staff_category"].map(order)
    out = out.sort_values(["period_start", "_o"], kind="stable").drop(columns="_o")
    out = out[list(_ACTIVITY_COLUMNS)].reset_index(drop=True)
    out["staff_category"] = out["staff_category"].astype(str)
    out.attrs["notes"] = notes
    return out


def _clinician_hours(
    visits: pd.DataFrame, keep: pd.Series, size: float, leaders: float, notes: list[str], lang: str
) -> pd.Series:
    """Clinician hours of each visit row: its length (the type's default where missing).

    A group visit counts its length × ``leaders / size``. Appends a note to
    ``notes`` on the kept rows whose length is unknown (counted as 0).
    """
    duration = (
        pd.to_numeric(visits["duration_min"], errors="coerce").astype(float)
        if "duration_min" in visits.columns
        else pd.Series(np.nan, index=visits.index, dtype=float)
    )
    if "visit_type" in visits.columns:
        duration = duration.fillna(
            visits["visit_type"].astype("string").map(default("mean_duration_min")).astype(float)
        )
    n_missing = int((duration.isna() & keep).sum())
    if n_missing:
        notes.append(t("capacity.note.duration_missing", lang, count=n_missing))
    duration = duration.fillna(0.0)
    is_group = (
        (visits["mode"].astype("string") == "group").fillna(False)
        if "mode" in visits.columns
        else pd.Series(False, index=visits.index)
    )
    hours = pd.Series(
        duration.to_numpy() * np.where(is_group, leaders / size, 1.0) / _MIN_PER_H,
        index=visits.index,
    )
    return hours
