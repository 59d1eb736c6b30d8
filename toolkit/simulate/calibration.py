"""Calibration: a scenario from a loaded unit's own data, and capacity from staff hours.

* :func:`calibrate` -- arrivals, capacity, no-shows, formats, routing,
  follow-ups and the queues at the extract date, measured from a unit's
  referrals and visits (or its period counts).
* :func:`capacity_from_staff` -- stage 1 and stage 2 slots a week from the
  staff in post, by :mod:`toolkit.capacity`'s chain (:class:`StaffCapacity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.i18n import check_language
from toolkit.simulate.calendar import school_year_pattern
from toolkit.simulate.scenario import Scenario, share_to_deep

_REMOVED = ("rejected", "redirected", "closed_no_visit")
_STAGE2_VISITS = ("assessment", "treatment", "follow_up")


def _weeks_between(later: pd.Series | pd.Timestamp, earlier: pd.Series) -> Any:
    return ((later - earlier).dt.days // 7).astype("int64")


def _age_histogram(ages_weeks: pd.Series) -> list[int]:
    if len(ages_weeks) == 0:
        return [0]
    ages = np.clip(ages_weeks.to_numpy(dtype=np.int64), 0, None)
    return [int(x) for x in np.bincount(ages)]


def calibrate(
    unit: Any,
    *,
    window_weeks: int = 26,
    profile: Any = None,
    base: Scenario | None = None,
    capacity: str = "observed",
) -> Scenario:
    """A scenario that starts from a loaded unit's own situation.

    Parameters
    ----------
    unit : toolkit.io.UnitData
        A loaded unit, with referrals (and visits) or with period counts only.
    window_weeks : int, default 26
        Weeks before the unit's extract date over which rates are averaged.
    profile : toolkit.targets.TargetProfile or str, optional
        Targets for ``target_days_first``/``target_days_deep``; default
        ``bup_30_30``.
    base : Scenario, optional
        Fields not measured from the data (seasonality, holidays, rule, ...)
        come from here; default ``Scenario()``.
    capacity : {"observed", "staff"}, default "observed"
        Where ``capacity_first_per_week`` and ``capacity_deep_per_week`` come
        from: ``observed`` measures them from what the unit did in the window
        (below); ``staff`` takes them from the staff table in post at the
        extract date with :func:`capacity_from_staff` (clinical hours turned
        into appointments by :mod:`toolkit.capacity`). Everything else
        (arrivals, DNA rate, formats, follow-up visits per course, queues) is
        measured as with ``observed``, so the follow-up visits of courses
        under way take their share of the staff's stage 2 slots exactly as
        in the model.

    Returns
    -------
    Scenario
        With, from event data, per need class (the referral's ``priority``;
        missing = ``routine``):

        ``arrivals_per_week``
            referrals received in the window, less those rejected,
            redirected or closed without a visit, per week.
        ``capacity_first_per_week``
            first assessments done in the window per week, divided by
            ``1 - dna_rate`` (booked slots; no-shows waste slots).
        ``capacity_deep_per_week``
            stage 2 visits booked (assessment, treatment and follow-up,
            attended or not attended) per week, times the slot cost of the
            unit's mix of formats (:meth:`Scenario.visit_cost`). Without
            visits: stage 2 starts per week times (1 + follow-up visits) /
            (1 - dna_rate).
        ``dna_rate``, ``share_group``, ``share_digital``
            from the visits in the window (booked = attended + not attended).
        ``follow_up_visits_per_course``
            stage 2 visits per start in the window, less the start.
        ``follow_up_weeks``
            median weeks from a stage 2 start to the episode's close (1-104;
            the base value without closed episodes).
        ``share_to_deep``
            share of first assessments done before the last 8 weeks that
            have a decision on in-depth assessment or treatment.
        ``start_queue_first``, ``start_queue_deep``
            those waiting at the extract date, by whole weeks waited.
        ``start_week_of_year``
            ISO week after the extract date.

        From period counts only: one class ``routine``; arrivals and
        capacity from the ``arrived`` and ``completed`` counts per week;
        ``share_to_deep`` = stage 2 arrivals / stage 1 completions; start
        queues from the last ``waiting_end``.

    Notes
    -----
    Capacity is measured from what the unit did: when the queue ran dry in
    the window, the true capacity was higher than measured. The rates are the
    window's means; trend and seasonality stay as in ``base``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from toolkit.io import load_unit
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "referrals.csv").write_text(
    ...     "referral_id,received,priority,first_assessment\\n"
    ...     "R1,2024-10-07,routine,2024-10-21\\n"
    ...     "R2,2024-11-04,urgent,2024-11-06\\n"
    ...     "R3,2024-12-02,routine,\\n", encoding="utf-8")
    >>> sc = calibrate(load_unit(folder, extract_date="2024-12-29"), window_weeks=13)
    >>> sc.start_queue_first["routine"]  # R3 has waited 27 days: 3 whole weeks
    [0, 0, 0, 1]
    >>> sc.start_week_of_year
    1
    """
    from toolkit.targets import load_profile

    checks.whole("window_weeks", window_weeks, low=1, high=520)
    checks.one_of("capacity", capacity, ("observed", "staff"))
    if capacity == "staff":
        observed = calibrate(unit, window_weeks=window_weeks, profile=profile, base=base)
        staff = capacity_from_staff(unit)
        if staff.first_per_week <= 0 or staff.deep_per_week <= 0:
            raise ParameterError("simulate.no_staff_capacity", argument="capacity")
        return observed.replace(
            capacity_first_per_week=staff.first_per_week,
            capacity_deep_per_week=staff.deep_per_week,
        )
    if profile is None or isinstance(profile, str):
        profile = load_profile(profile or "bup_30_30")
    base = base or Scenario()
    if not isinstance(base, Scenario):
        raise ParameterError("simulate.not_a_scenario", argument="base", got=type(base).__name__)
    end = pd.Timestamp(unit.extract_date).normalize()
    start = end - pd.Timedelta(weeks=window_weeks)
    targets = {
        "target_days_first": float(profile.stages["first_assessment"].target_days),
        "target_days_deep": float(profile.stages["deep_start"].target_days),
    }
    week_next = int((end + pd.Timedelta(days=1)).isocalendar().week)
    if unit.kind == "counts":
        return _calibrate_counts(unit, base, start, end, window_weeks, targets, week_next)
    return _calibrate_events(
        unit, base, _Window.of(base, start, end, window_weeks), targets, week_next
    )


@dataclass(frozen=True)
class _Window:
    """The calibration window's weeks: which are working (not holiday) weeks, and the season."""

    start: pd.Timestamp
    end: pd.Timestamp
    weeks: int
    working: np.ndarray
    n_working: int
    season: np.ndarray

    @classmethod
    def of(cls, base: Scenario, start: pd.Timestamp, end: pd.Timestamp, weeks: int) -> _Window:
        # holiday weeks and the seasonal level, to turn means into levels
        week_starts = start + pd.to_timedelta(7 * np.arange(weeks), unit="D")
        iso = np.array([int(d.isocalendar().week) for d in week_starts + pd.Timedelta(days=1)])
        holidays = {w if w < 53 else 52 for w in base.holiday_weeks}
        working = ~np.isin(np.minimum(iso, 52), list(holidays))
        n_working = int(working.sum()) if working.any() else weeks
        season = (
            1 + base.seasonal_amplitude * school_year_pattern()[np.minimum(iso, 52) - 1]
            if base.seasonality == "school_year"
            else np.ones(weeks)
        )
        return cls(start, end, weeks, working, n_working, season)

    def per_working_week(self, dates: pd.Series) -> float:
        """Events per non-holiday week of the window."""
        d = dates[(dates > self.start) & (dates <= self.end)]
        week = ((d - self.start).dt.days - 1) // 7
        keep = (
            self.working[np.clip(week.to_numpy(dtype=np.int64), 0, self.weeks - 1)]
            if self.working.any()
            else np.ones(len(d), bool)
        )
        return float(keep.sum()) / self.n_working


#: The need classes of a calibrated scenario (a referral's ``priority``; missing: ``routine``).
_CLASSES = ("urgent", "high", "routine")


def _calibrate_events(
    unit: Any, base: Scenario, window: _Window, targets: dict[str, float], week_next: int
) -> Scenario:
    """:func:`calibrate` from referrals and visits."""
    start, end, classes = window.start, window.end, _CLASSES
    refs = unit.referrals.copy()
    prio = refs["priority"].astype("object").where(refs["priority"].notna(), "routine")
    refs["_class"] = prio.where(prio.isin(classes), "routine")
    removed = refs["decision"].isin(_REMOVED)
    in_window = (refs["received"] > start) & (refs["received"] <= end)
    arrivals = refs[in_window & ~removed].groupby("_class").size().reindex(classes, fill_value=0)
    arrivals = arrivals / window.weeks / float(window.season.mean())
    dna, share_group, share_digital, stage2_booked = _visit_mix(unit.visits, base, window)
    done_first = window.per_working_week(refs["first_assessment"])
    starts = window.per_working_week(refs["deep_start"])
    follow_weeks = _follow_up_weeks(refs, base)
    draft = base.replace(share_group=share_group, share_digital=share_digital)
    if stage2_booked is not None and starts > 0:
        follow = max(stage2_booked * (1 - dna) / starts - 1, 0.0)
        cap_deep = stage2_booked * draft.visit_cost()
    else:
        follow = base.follow_up_visits_per_course
        cap_deep = starts * (1 + follow) / (1 - dna) * draft.visit_cost()
    start1, start2 = _start_queues(refs, removed, end)
    return base.replace(
        name=str(getattr(unit, "source", "unit")).rstrip("/").split("/")[-1] or "unit",
        classes=classes,
        arrivals_per_week={k: float(arrivals[k]) for k in classes},
        capacity_first_per_week=float(done_first / (1 - dna)),
        capacity_deep_per_week=float(cap_deep),
        dna_rate=dna,
        share_group=share_group,
        share_digital=share_digital,
        follow_up_visits_per_course=float(follow),
        follow_up_weeks=follow_weeks,
        share_to_deep=_shares_to_deep(refs, base, end),
        start_queue_first=start1,
        start_queue_deep=start2,
        start_courses_deep=_courses_under_way(refs, end, follow_weeks, starts),
        start_week_of_year=week_next,
        reserved_shares={k: v for k, v in base.reserved_shares.items() if k in classes},
        class_target_days={k: v for k, v in base.class_target_days.items() if k in classes},
        **targets,
    )


def _visit_mix(
    visits: pd.DataFrame, base: Scenario, window: _Window
) -> tuple[float, float, float, float | None]:
    """DNA rate (at most 0.9), group and digital shares, and stage 2 visits booked a week.

    From the visits booked in the window (attended or not attended); the
    base's values where there are none, and no stage 2 figure (None).
    """
    dna = base.dna_rate
    share_group, share_digital = base.share_group, base.share_digital
    stage2_booked = None
    if len(visits):
        v = visits[(visits["date"] > window.start) & (visits["date"] <= window.end)]
        booked = v[v["status"].isin(["attended", "did_not_attend"])]
        if len(booked):
            dna = float((booked["status"] == "did_not_attend").mean())
            s2 = booked[booked["visit_type"].isin(_STAGE2_VISITS)]
            if len(s2):
                share_group = float((s2["mode"] == "group").mean())
                share_digital = float((s2["mode"] == "digital").mean())
                stage2_booked = window.per_working_week(s2["date"])
    return min(dna, 0.9), share_group, share_digital, stage2_booked


def _follow_up_weeks(refs: pd.DataFrame, base: Scenario) -> int:
    """Median weeks from a stage 2 start to the episode's close (1-104; else the base's)."""
    closed = (
        refs["deep_start"].notna() & refs["closed"].notna() & (refs["closed"] >= refs["deep_start"])
    )
    if not closed.any():
        return base.follow_up_weeks
    weeks = _weeks_between(refs.loc[closed, "closed"], refs.loc[closed, "deep_start"])
    return int(np.clip(weeks.median(), 1, 104))


def _shares_to_deep(refs: pd.DataFrame, base: Scenario, end: pd.Timestamp) -> dict[str, float]:
    """Share of first assessments done before the last 8 weeks with a stage 2 decision."""
    mature = refs["first_assessment"].notna() & (
        refs["first_assessment"] <= end - pd.Timedelta(weeks=8)
    )
    share_deep = {}
    overall = float(refs.loc[mature, "deep_decision"].notna().mean()) if mature.any() else None
    for k in _CLASSES:
        rows = refs[mature & (refs["_class"] == k)]
        if len(rows):
            share_deep[k] = float(rows["deep_decision"].notna().mean())
        else:
            share_deep[k] = overall if overall is not None else share_to_deep(base, k)
    return share_deep


def _start_queues(
    refs: pd.DataFrame, removed: pd.Series, end: pd.Timestamp
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Those waiting at the extract date per class and stage, by whole weeks waited."""
    open_ = refs["closed"].isna() | (refs["closed"] > end)
    wait1 = (
        (refs["received"] <= end)
        & (refs["first_assessment"].isna() | (refs["first_assessment"] > end))
        & ~removed
        & open_
    )
    wait2 = (
        (refs["deep_decision"] <= end)
        & (refs["deep_start"].isna() | (refs["deep_start"] > end))
        & open_
    )
    start1 = {
        k: _age_histogram(_weeks_between(end, refs.loc[wait1 & (refs["_class"] == k), "received"]))
        for k in _CLASSES
    }
    start2 = {
        k: _age_histogram(
            _weeks_between(end, refs.loc[wait2 & (refs["_class"] == k), "deep_decision"])
        )
        for k in _CLASSES
    }
    return start1, start2


def _courses_under_way(
    refs: pd.DataFrame, end: pd.Timestamp, follow_weeks: int, starts: float
) -> list[int]:
    """Stage 2 starts of the last ``follow_weeks`` weeks, per week back.

    Their follow-up visits hold stage 2 slots from the first projected week.
    Scaled to the footing of the capacity and follow-ups (per working week:
    holiday weeks count less), so that a unit in steady state starts in it.
    """
    started = refs.loc[refs["deep_start"].notna() & (refs["deep_start"] <= end), "deep_start"]
    back = _weeks_between(end, started)
    courses = [int((back == j).sum()) for j in range(follow_weeks)]
    if sum(courses) > 0 and starts > 0:
        scale = starts * follow_weeks / sum(courses)
        courses = [round(c * scale) for c in courses]
    return courses


def _calibrate_counts(
    unit: Any,
    base: Scenario,
    start: pd.Timestamp,
    end: pd.Timestamp,
    window_weeks: int,
    targets: dict[str, float],
    week_next: int,
) -> Scenario:
    counts = unit.period_counts.sort_values("period")
    periods = np.sort(counts["period"].unique())
    days = (
        float(np.median(np.diff(periods)).astype("timedelta64[D]").astype(float))
        if len(periods) > 1
        else 7.0
    )
    window = counts[
        (counts["period"] > start - pd.Timedelta(days=days)) & (counts["period"] <= end)
    ]
    n_periods = max(window["period"].nunique(), 1)
    per_week = 7.0 / days / n_periods

    def total(stage: str, column: str) -> float:
        return float(window.loc[window["stage"] == stage, column].astype(float).sum())

    dna = base.dna_rate
    arrived1 = (
        total("first_assessment", "arrived") - total("first_assessment", "removed")
        if "removed" in window
        else total("first_assessment", "arrived")
    )
    done1, arrived2, done2 = (
        total("first_assessment", "completed"),
        total("deep_start", "arrived"),
        total("deep_start", "completed"),
    )
    last = counts[counts["period"] == counts["period"].max()].set_index("stage")["waiting_end"]
    follow = base.follow_up_visits_per_course
    k = "routine"
    return base.replace(
        name=str(getattr(unit, "source", "unit")).rstrip("/").split("/")[-1] or "unit",
        classes=(k,),
        arrivals_per_week={k: max(arrived1, 0.0) * per_week},
        capacity_first_per_week=done1 * per_week / (1 - dna),
        capacity_deep_per_week=done2 * per_week * (1 + follow) / (1 - dna) * base.visit_cost(),
        share_to_deep={k: min(arrived2 / done1, 1.0) if done1 > 0 else share_to_deep(base, k)},
        start_queue_first={k: int(last.get("first_assessment", 0) or 0)},
        start_queue_deep={k: int(last.get("deep_start", 0) or 0)},
        start_week_of_year=week_next,
        reserved_shares={},
        class_target_days={},
        **targets,
    )


#: Visit types whose appointments are stage 1 slots and stage 2 slots in the model.
STAFF_STAGE_VISITS: dict[str, tuple[str, ...]] = {
    "first_assessment": ("first_assessment",),
    "deep_start": _STAGE2_VISITS,
}


@dataclass(frozen=True)
class StaffCapacity:
    """Weekly slots per stage that a unit's staff hours allow (see :func:`capacity_from_staff`).

    Attributes
    ----------
    first_per_week : float
        Booked first-assessment appointments a week: the model's
        ``capacity_first_per_week`` (no-shows are taken off by the model).
    deep_per_week : float
        Stage 2 clinician slots a week (in-depth assessment, treatment and
        follow-up appointments, in one-to-one equivalents): the model's
        ``capacity_deep_per_week``.
    deep_booked_per_week : float
        Booked stage 2 appointments a week (patient visits) at the formats
        used in ``appointments``; equals ``deep_per_week`` with no group or
        digital visits.
    clinical_hours_per_week : float
        Clinical hours a week of all staff categories.
    appointments : pandas.DataFrame
        The table of :func:`toolkit.capacity.appointments_per_week` it was
        computed from (left out of comparisons).
    """

    first_per_week: float
    deep_per_week: float
    deep_booked_per_week: float
    clinical_hours_per_week: float
    appointments: pd.DataFrame = field(compare=False, repr=False)

    def as_dict(self) -> dict[str, float]:
        """The four numbers as a dict (for reports and ``DataFrame.attrs``)."""
        return {
            "first_per_week": self.first_per_week,
            "deep_per_week": self.deep_per_week,
            "deep_booked_per_week": self.deep_booked_per_week,
            "clinical_hours_per_week": self.clinical_hours_per_week,
        }


def _with_added_fte(hours: pd.DataFrame, added_fte: Mapping[str, float] | None) -> pd.DataFrame:
    """A staff-hours table with FTE added per category, at the category's hours per FTE.

    The same rule as :func:`toolkit.capacity.change_effect`: added FTE work
    the category's mean contracted hours per FTE (the full-time default when
    the unit has none of that category).
    """
    from toolkit import capacity as cap

    if not added_fte:
        return hours
    out = hours.copy()
    fte = out["fte"].astype(float).to_numpy()
    contracted = out["contracted_hours_per_week"].astype(float).to_numpy()
    full = float(out.attrs.get("full_time_hours_per_week", cap.default("full_time_hours_per_week")))
    per_fte = np.divide(contracted, fte, out=np.full(len(fte), full), where=fte > 0)
    delta = np.zeros(len(fte))
    categories = out["staff_category"].astype(str).tolist()
    for key, value in added_fte.items():
        if key not in categories:
            raise checks.choice_error("added_fte", key, cap.STAFF_CATEGORIES)
        i = categories.index(key)
        x = checks.in_range(
            f"added_fte[{key!r}]",
            value,
            low=-fte[i],
            high=1e4,
            allowed=checks.range_text(low=-fte[i]),
            expected="number",
        )
        delta[i] = x
    out["fte"] = fte + delta
    out["contracted_hours_per_week"] = np.clip(contracted + delta * per_fte, 0.0, None)
    return out


def capacity_from_staff(
    unit_or_staff: Any,
    *,
    visits: pd.DataFrame | None = None,
    absence_share: float | Mapping[str, float] | None = None,
    non_clinical_share: float | Mapping[str, float] | None = None,
    time_use: pd.DataFrame | None = None,
    on: str | pd.Timestamp | None = None,
    added_fte: Mapping[str, float] | None = None,
    freed_non_clinical_share: float = 0.0,
    appointment_options: Mapping[str, Any] | None = None,
    lang: str | None = None,
) -> StaffCapacity:
    """Stage 1 and stage 2 slots a week from staff hours, by :mod:`toolkit.capacity`'s chain.

    The chain is :func:`toolkit.capacity.staff_hours` (who is in post on
    ``on``) → :func:`toolkit.capacity.clinical_hours` (minus absence and
    non-clinical time) → :func:`toolkit.capacity.appointments_per_week`
    (clinical hours split over visit types and divided by the clinician time
    an appointment takes). The first-assessment appointments are the stage 1
    slots; the in-depth assessment, treatment and follow-up appointments are
    the stage 2 slots, because in the model the follow-up visits of courses
    under way take stage 2 slots before new starts do.

    Parameters
    ----------
    unit_or_staff : toolkit.io.UnitData or pandas.DataFrame
        A loaded unit (its ``staff``, ``visits`` and ``time_use`` tables are
        used, and ``on`` defaults to its extract date) or a ``staff`` table.
    visits : pandas.DataFrame, optional
        Visits to measure the visit mix, lengths and formats from (default
        the unit's; none for a staff table: ``toolkit.capacity``'s defaults).
    absence_share, non_clinical_share : float or mapping per staff category, optional
        As in :func:`toolkit.capacity.clinical_hours`. Without
        ``non_clinical_share`` the time-use study is used when there is one,
        else the default.
    time_use : pandas.DataFrame, optional
        A ``time_use`` table (default the unit's).
    on : date, optional
        Count the staff in post on this day (default: a unit's extract date;
        for a staff table the rows with no end date).
    added_fte : mapping staff category -> float, optional
        FTE added (or, negative, removed) per category, at the category's
        hours per FTE (as :func:`toolkit.capacity.change_effect`).
    freed_non_clinical_share : float, default 0
        Share of the non-clinical hours turned into clinical hours (0–1).
    appointment_options : mapping, optional
        Further keyword arguments for
        :func:`toolkit.capacity.appointments_per_week` (``visit_mix``,
        ``mean_duration_min``, ``dna_rate``, ``share_group``, ...).
    lang : {"sv", "en"}, optional
        Language of the errors and of the notes in ``appointments.attrs``.

    Returns
    -------
    StaffCapacity
        ``first_per_week`` and ``deep_per_week`` are the values for
        :class:`Scenario`'s ``capacity_first_per_week`` and
        ``capacity_deep_per_week``.

    Notes
    -----
    With :math:`B_{kv}` the booked appointments a week of staff category
    :math:`k` and visit type :math:`v`, :math:`m_{kv}` the clinician minutes
    one takes and :math:`d_v` the one-to-one length (min), all from
    :func:`toolkit.capacity.appointments_per_week`:

    .. math::

        C_1 = \\sum_k B_{k,\\text{first}}, \\qquad
        C_2 = \\sum_k \\sum_{v \\in \\{\\text{assessment, treatment, follow-up}\\}}
              B_{kv}\\, \\frac{m_{kv}}{d_v}

    :math:`C_1` is booked slots a week (the model takes off no-shows with its
    ``dna_rate``). :math:`C_2` counts clinician slots in one-to-one
    equivalents (:math:`B\\,m/d = 60\\,H_{kv}/d_v`, :math:`H_{kv}` the
    clinical hours a week for that visit type), because the model divides
    ``capacity_deep_per_week`` by the slots one visit takes under its own
    group and digital shares (:meth:`Scenario.visit_cost`). Each appointment
    counts as one slot whatever its length; the visit mix (the unit's own
    when visits are given) decides how clinical hours are split.

    References
    ----------
    CAPA: capacity = FTE × sessions × share of time in that work ×
    appointments per session × share actually worked (camhsnetwork.co.uk,
    "CAPA Demand and Capacity Modelling"); see :mod:`toolkit.capacity`.

    Examples
    --------
    Two full-time psychologists (40 h), 10 % absence, half the time at work
    non-clinical: 2 × 40 × 0.9 × 0.5 = 36 clinical hours a week. With a
    fifth of them on 60-minute first assessments: 36 × 0.2 × 60 / 60 = 7.2
    first-assessment slots, and 36 × 0.8 = 28.8 stage 2 slots.

    >>> import pandas as pd
    >>> staff = pd.DataFrame({"staff_id": ["A", "B"], "category": ["psychologist"] * 2,
    ...                       "fte": [1.0, 1.0], "hours_per_week": [40.0, 40.0]})
    >>> c = capacity_from_staff(staff, absence_share=0.1, non_clinical_share=0.5,
    ...     appointment_options={"visit_mix": {"first_assessment": 0.2, "treatment": 0.8},
    ...                          "mean_duration_min": 60})
    >>> round(c.first_per_week, 6), round(c.deep_per_week, 6)
    (7.2, 28.8)
    """
    from toolkit import capacity as cap

    lang = check_language(lang)
    if isinstance(unit_or_staff, pd.DataFrame):
        staff = unit_or_staff
    elif isinstance(getattr(unit_or_staff, "staff", None), pd.DataFrame):
        staff = unit_or_staff.staff
        if visits is None and len(unit_or_staff.visits):
            visits = unit_or_staff.visits
        if time_use is None and len(unit_or_staff.time_use):
            time_use = unit_or_staff.time_use
        if on is None:
            on = unit_or_staff.extract_date
    else:
        raise checks.type_error(
            "unit_or_staff",
            "toolkit.io.UnitData or pandas.DataFrame",
            type(unit_or_staff).__name__,
            lang,
        )
    phi = checks.in_range(
        "freed_non_clinical_share", freed_non_clinical_share, lang, low=0, high=1, expected="number"
    )
    non_clinical: Any = non_clinical_share
    if non_clinical is None and time_use is not None and len(time_use):
        non_clinical = cap.time_use_shares(time_use, lang=lang)
    before = cap.staff_hours(staff, on=on, lang=lang)
    hours = _with_added_fte(before, added_fte)
    clinical = cap.clinical_hours(
        hours, absence_share=absence_share, non_clinical_share=non_clinical, lang=lang
    )
    if phi > 0:
        freed = {
            str(k): float(n) * (1.0 - phi)
            for k, n in zip(clinical["staff_category"], clinical["non_clinical_share"], strict=True)
        }
        clinical = cap.clinical_hours(
            hours, absence_share=absence_share, non_clinical_share=freed, lang=lang
        )
    table_ = cap.appointments_per_week(
        clinical, visits, lang=lang, **dict(appointment_options or {})
    )
    booked = table_["booked_appointments_per_week"].astype(float)
    slots = (
        booked
        * table_["clinician_minutes_per_appointment"].astype(float)
        / table_["mean_duration_min"].astype(float)
    )
    first = table_["visit_type"].astype(str).isin(STAFF_STAGE_VISITS["first_assessment"])
    deep = table_["visit_type"].astype(str).isin(STAFF_STAGE_VISITS["deep_start"])
    return StaffCapacity(
        first_per_week=float(booked[first].sum()),
        deep_per_week=float(slots[deep].sum()),
        deep_booked_per_week=float(booked[deep].sum()),
        clinical_hours_per_week=float(clinical["clinical_hours_per_week"].sum()),
        appointments=table_,
    )
