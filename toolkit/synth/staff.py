"""Staff sized from the visits, clinicians assigned, time use; patients in care."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from toolkit.synth._helpers import _pick
from toolkit.synth._schema import _categorical, _column_order, _values
from toolkit.synth.profiles import (
    _FTE_CHOICES,
    _FTE_PROBS,
    _STAFF_WEEKS,
    TIME_USE_LEVELS,
    TIME_USE_SHARES,
    UnitProfile,
)


def patients_in_care(visits: pd.DataFrame, extract_date: Any) -> int:
    """Patients in care: referrals with an attended visit in the 365 days up to the extract date.

    This is the denominator of "FTE per 1 000 patients" used by the
    generator (the national figure counts patients with at least one visit in
    the year).

    Parameters
    ----------
    visits : pandas.DataFrame
        Canonical visits table (``referral_id``, ``date``, ``status``).
    extract_date : date-like
        Last day of the year counted.

    Returns
    -------
    int
        Number of distinct ``referral_id`` with an attended visit in
        (extract_date − 365 days, extract_date].

    Examples
    --------
    >>> v = pd.DataFrame({"referral_id": ["R1", "R1", "R2", "R3"],
    ...                   "date": pd.to_datetime(["2024-05-01", "2024-06-01", "2023-01-01",
    ...                                           "2024-06-01"]),
    ...                   "status": ["attended", "attended", "attended", "cancelled"]})
    >>> patients_in_care(v, "2024-12-31")
    1
    """
    end = pd.Timestamp(extract_date)
    recent = (visits["date"] > end - pd.Timedelta(days=365)) & (visits["date"] <= end)
    attended = visits["status"].astype("string") == "attended"
    return int(visits.loc[recent & attended, "referral_id"].nunique())


def staff_fte_needed(visits: pd.DataFrame, profile: UnitProfile) -> pd.Series:
    """FTE per staff category whose clinical time covers the unit's booked visits of the last year.

    The generator sizes each unit's staff with this, so that the capacity
    estimated from the staff table (``toolkit.capacity``: staff hours →
    clinical hours → appointments a week) agrees with the activity the
    visits show (``toolkit.capacity.capacity_from_visits``).

    Parameters
    ----------
    visits : pandas.DataFrame
        Canonical visits (``date``, ``staff_category``, ``mode``,
        ``duration_min``, ``status``).
    profile : UnitProfile
        The unit (its extract date, time-use study and ``staff_time_factor``).

    Returns
    -------
    pandas.Series
        FTE per staff category (all six, schema order), unrounded.

    Notes
    -----
    .. math::

        B_k = \\frac{1}{52} \\sum_{v \\in k} \\frac{d_v w_v}{60}, \\qquad
        F_k = \\frac{\\phi\\, B_k}{h_k (1 - a)\\, s_k}

    with :math:`B_k` the clinician hours a week that the booked (attended or
    not attended) visits of staff category :math:`k` took in the 52 weeks up
    to the extract date, :math:`d_v` a visit's length (min), :math:`w_v` its
    clinician time per minute (group: clinicians / group size, 2 / 6;
    digital: 0.9; otherwise 1, the defaults of ``toolkit.capacity``),
    :math:`h_k` the full-time hours a week (38.25 for therapists, else 40),
    :math:`a` the absence share (``toolkit.capacity`` default, 0.20),
    :math:`s_k` the share of time at work spent with patients (the
    category's ``patient_direct`` share in :data:`TIME_USE_SHARES` when the
    unit runs a time-use study, else the toolkit's default 1 − 0.75 = 0.25,
    so the default is right for those units), :math:`\\phi` the profile's
    ``staff_time_factor`` and
    :math:`F_k` the FTE. Cancelled visits take no clinician time.

    Examples
    --------
    One nurse visit of 60 min a week for a year, no time-use study:
    1 / (40 × 0.80 × 0.25) = 0.125 FTE.

    >>> profile = UnitProfile(time_use_study=False)
    >>> days = profile.extract_date - pd.to_timedelta(7 * np.arange(52), unit="D")
    >>> v = pd.DataFrame({"date": days, "staff_category": "nurse", "mode": "physical",
    ...                   "duration_min": 60.0, "status": "attended"})
    >>> round(float(staff_fte_needed(v, profile)["nurse"]), 4)
    0.125
    """
    from toolkit import capacity

    end = profile.extract_date
    cats = _values("staff", "category")
    last_year = (visits["date"] > end - pd.Timedelta(days=7 * _STAFF_WEEKS)) & (
        visits["date"] <= end
    )
    booked = visits["status"].astype("string").isin(["attended", "did_not_attend"])
    mode = visits["mode"].astype("string")
    per_minute = np.where(
        mode == "group",
        float(capacity.default("group_clinicians")) / float(capacity.default("group_size")),
        np.where(mode == "digital", float(capacity.default("digital_time_factor")), 1.0),
    )
    hours = visits["duration_min"].to_numpy(dtype=float) * per_minute / 60.0
    keep = (last_year & booked).to_numpy()
    per_week = (
        pd.Series(hours[keep])
        .groupby(visits["staff_category"].astype("string").to_numpy()[keep])
        .sum()
        .reindex(cats, fill_value=0.0)
        / _STAFF_WEEKS
    )
    default_direct = 1.0 - float(capacity.default("non_clinical_share"))
    direct = pd.Series(
        [TIME_USE_SHARES[c][0] if profile.time_use_study else default_direct for c in cats],
        index=cats,
    )
    full_time = pd.Series([_full_time_hours(c) for c in cats], index=cats)
    at_work = 1.0 - float(capacity.default("absence_share"))
    return profile.staff_time_factor * per_week / (full_time * at_work * direct)


def _full_time_hours(category: str) -> float:
    return 38.25 if category == "therapist" else 40.0


def _staff(rng: np.random.Generator, p: UnitProfile, needed: pd.Series) -> pd.DataFrame:
    """Staff posts: per category, posts of drawn FTE adding up to ``needed`` (rounded to 0.05)."""
    start = pd.Timestamp(p.period_start)
    end = p.extract_date
    span_days = 7 * p.weeks
    rows: list[dict[str, Any]] = []
    for cat, fte_needed in needed.items():  # six categories, not patients
        target = round(float(fte_needed) / 0.05) * 0.05
        if target < 0.05:
            continue
        draws = rng.choice(_FTE_CHOICES, size=60, p=_FTE_PROBS)
        csum = np.cumsum(draws)
        n_posts = int(np.searchsorted(csum, target - 1e-9) + 1)
        ftes = draws[:n_posts].copy()
        ftes[-1] = round(
            max(0.1, min(1.0, target - (csum[n_posts - 2] if n_posts > 1 else 0.0))), 2
        )
        hours = _full_time_hours(str(cat))
        for fte in ftes.tolist():
            changes = rng.random() < p.staff_turnover_per_year * p.weeks / 52.0
            if changes:
                left = int(rng.integers(30, span_days - 90))
                # a vacancy of up to two months, unless the post is the category's only one
                gap = int(rng.integers(0, 60)) if n_posts > 1 else 0
                rows.append(
                    dict(
                        category=cat,
                        fte=fte,
                        hours_per_week=hours,
                        start=pd.NaT,
                        end=start + pd.Timedelta(days=left),
                    )
                )
                rows.append(
                    dict(
                        category=cat,
                        fte=round(float(rng.choice(_FTE_CHOICES, p=_FTE_PROBS)), 2),
                        hours_per_week=hours,
                        start=start + pd.Timedelta(days=left + gap + 1),
                        end=pd.NaT,
                    )
                )
                rows[-1]["fte"] = fte
            else:
                rows.append(
                    dict(category=cat, fte=fte, hours_per_week=hours, start=pd.NaT, end=pd.NaT)
                )
    if p.staff_turnover_per_year > 0 and rows and all(pd.isna(r["end"]) for r in rows):
        # a unit with few posts may draw no change at all: the largest post changes holder
        i = max(range(len(rows)), key=lambda j: float(rows[j]["fte"]))
        left = int(rng.integers(30, span_days - 90))
        rows.insert(i + 1, {**rows[i], "start": start + pd.Timedelta(days=left + 1)})
        rows[i] = {**rows[i], "end": start + pd.Timedelta(days=left)}
    staff = pd.DataFrame(rows)
    staff["start"] = pd.to_datetime(staff["start"]).astype("datetime64[ns]")
    staff["end"] = pd.to_datetime(staff["end"]).astype("datetime64[ns]")
    staff.loc[staff["start"] > end, "start"] = end
    staff.insert(
        0, "staff_id", pd.Series([f"K{i:03d}" for i in range(1, len(staff) + 1)], dtype="string")
    )
    staff["category"] = _categorical("staff", "category", staff["category"])
    staff["fte"] = staff["fte"].astype("float64")
    staff["hours_per_week"] = staff["hours_per_week"].astype("float64")
    return staff[_column_order("staff", staff.columns)]


def _assign_clinicians(
    rng: np.random.Generator, vis: pd.DataFrame, staff: pd.DataFrame
) -> pd.Series:
    """A clinician of the visit's category in post on the visit date, weighted by FTE."""
    out = np.full(len(vis), "", dtype=object)
    dates = vis["date"].to_numpy()
    vcat = vis["staff_category"].astype("string").to_numpy()
    for cat in _values("staff", "category"):  # six categories
        s = staff[staff["category"].astype("string") == cat]
        where = np.flatnonzero(vcat == cat)
        if len(where) == 0:
            continue
        if len(s) == 0:  # no such post: the visit is held by someone in another category
            s = staff
        start = s["start"].fillna(pd.Timestamp.min).to_numpy()
        end = s["end"].fillna(pd.Timestamp.max).to_numpy()
        d = dates[where][:, None]
        in_post = (d >= start[None, :]) & (d <= end[None, :])
        w = in_post * s["fte"].to_numpy()[None, :]
        none = w.sum(axis=1) == 0
        w[none] = s["fte"].to_numpy()
        probs = w / w.sum(axis=1, keepdims=True)
        out[where] = s["staff_id"].to_numpy()[_pick(rng, probs)]
    return pd.Series(out, dtype="string")


def _time_use(rng: np.random.Generator, p: UnitProfile, staff: pd.DataFrame) -> pd.DataFrame:
    """A two-week time-use study about 12 weeks before the extract date (ten weekdays)."""
    monday = p.extract_date - pd.Timedelta(days=6 + 7 * 12)
    days = pd.DatetimeIndex([monday + pd.Timedelta(days=int(d)) for d in np.r_[0:5, 7:12]])
    activities = _values("time_use", "activity")
    levels = _values("time_use", "level")
    start = staff["start"].fillna(pd.Timestamp.min)
    end = staff["end"].fillna(pd.Timestamp.max)
    in_post = staff[(start <= days[0]) & (end >= days[-1])]
    n_staff, n_days = len(in_post), len(days)
    person = np.repeat(np.arange(n_staff), n_days)
    day = np.tile(np.arange(n_days), n_staff)
    present = rng.random(len(person)) > 0.1  # absent days (leave, illness) log nothing
    person, day = person[present], day[present]
    cat = in_post["category"].astype("string").to_numpy()[person]
    alpha = np.array([TIME_USE_SHARES[c] for c in cat]) * 40.0 + 1e-3
    split = rng.gamma(alpha)
    split /= split.sum(axis=1, keepdims=True)
    minutes_day = 480.0 * in_post["fte"].to_numpy()[person] * rng.uniform(0.9, 1.1, len(person))
    lv = np.array([TIME_USE_LEVELS[a] for a in activities])  # activities × levels
    cube = minutes_day[:, None, None] * split[:, :, None] * lv[None, :, :]
    minutes = 5.0 * np.rint(cube / 5.0)
    e, a, lvl = np.nonzero(minutes > 0)
    out = pd.DataFrame(
        {
            "date": pd.Series(days[day[e]].to_numpy().astype("datetime64[ns]")),
            "staff_category": _categorical("time_use", "staff_category", cat[e]),
            "activity": _categorical("time_use", "activity", np.array(activities)[a]),
            "level": _categorical("time_use", "level", np.array(levels)[lvl]),
            "minutes": minutes[e, a, lvl],
        }
    )
    return out
