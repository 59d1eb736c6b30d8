"""A unit's situation in a few numbers (:func:`snapshot`, :func:`stage_waits_days`)."""

from __future__ import annotations

from typing import Any

import pandas as pd


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
