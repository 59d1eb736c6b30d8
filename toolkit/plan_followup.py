"""Follow-up and feedback (PKS element 5): the production plan against what was delivered.

:func:`follow_up` sets a plan's slots to book, week by week, against the
visits the unit booked in those weeks (attended and not attended; cancelled
visits left out), per stage, staff category and visit kind; gives the gap in
slots, the patients it means, and what it does to the wait; and puts the
weekly gap on an XmR chart (:func:`toolkit.spc.spc`), so a coach can tell a
week's miss from a shift. :func:`unit_follow_up` makes the plan a unit would
have made ``weeks`` weeks before its extract date and follows it up to the
extract date.

Pure: tables in, tables out.

Examples
--------
>>> import pandas as pd
>>> from toolkit.production_plan import PlanInputs, production_plan
>>> weeks = pd.DataFrame({"week_start": pd.date_range("2025-09-01", periods=2, freq="W-MON"),
...                       "forecast": [10.0, 10.0]})
>>> inputs = PlanInputs(first_share=1.0, deep_share=0.0, in_depth_share=0.0,
...     follow_up_visits_per_course=0.0, visit_cost=1.0, dna_rate=0.0, share_group=0.0,
...     group_size=6.0, target_wait_weeks={"first_assessment": 4.0, "deep_start": 4.0},
...     share_within={"first_assessment": 0.9, "deep_start": 0.8})
>>> slots = pd.DataFrame({"staff_category": ["nurse"], "fte": [1.0],
...     "first_slots_per_week": [12.0], "deep_slots_per_week": [0.0],
...     "first_hours_per_week": [12.0], "deep_hours_per_week": [0.0]})
>>> plan = production_plan(weeks, slots, inputs, buffer_rule="none", summer_leave_weeks=0)
>>> visits = pd.DataFrame({"date": pd.to_datetime(["2025-09-02"] * 8 + ["2025-09-09"] * 10),
...     "visit_type": "first_assessment", "staff_category": "nurse", "status": "attended"})
>>> f = follow_up(plan, visits)
>>> f.weekly[f.weekly["stage"] == "first_assessment"]["gap_slots"].tolist()
[-2.0, 0.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.capacity import STAFF_CATEGORIES
from toolkit.i18n import check_language, t
from toolkit.production_plan import PLAN_STAGES, Plan, number_text, plan_basis, plan_from_basis

__all__ = [
    "FollowUp",
    "delivered_slots",
    "follow_up",
    "plan_weeks_before",
    "readable_weekly",
    "stage_summaries",
    "unit_follow_up",
]

#: Visit types of each planned stage (stage 2 holds assessment, treatment and follow-up visits).
STAGE_OF_VISIT_TYPE: dict[str, str] = {
    "first_assessment": "first_assessment",
    "assessment": "deep_start",
    "treatment": "deep_start",
    "follow_up": "deep_start",
}


@dataclass(frozen=True)
class FollowUp:
    """Planned against delivered (see :func:`follow_up`).

    ``weekly``: one row per week and stage with planned_slots,
    delivered_slots, gap_slots (delivered − planned; negative = fewer than
    planned), gap_patients, cumulative_gap_patients, wait_change_weeks
    (estimated change in the stage's wait from the cumulative gap;
    positive = longer). ``by_category``: week, stage, staff_category,
    planned_slots, delivered_slots, gap_slots. ``by_kind``: week,
    visit_type, delivered (booked visits). ``spc``: :func:`toolkit.spc.spc`
    on gap_slots per stage. ``messages``: one sentence per stage.
    ``weekly["changes"]``: the PDSA changes started that week;
    ``annotations``: those changes for the SPC chart.
    """

    weekly: pd.DataFrame
    by_category: pd.DataFrame
    by_kind: pd.DataFrame
    spc: pd.DataFrame
    messages: tuple[str, ...] = field(default=())
    annotations: pd.DataFrame = field(default_factory=pd.DataFrame)


def delivered_slots(visits: pd.DataFrame, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Booked visits (attended and not attended) a week per visit type and staff category.

    Returns one row per week (Mondays of ``weeks``), visit_type and
    staff_category with ``booked``; weeks with none hold 0.
    """
    v = visits[visits["status"].astype(str).isin(["attended", "did_not_attend"])]
    date = pd.to_datetime(v["date"]).dt.normalize()
    week = date - pd.to_timedelta(date.dt.day_of_week, unit="D")
    index = pd.MultiIndex.from_product(
        [pd.DatetimeIndex(weeks), list(STAGE_OF_VISIT_TYPE), list(STAFF_CATEGORIES)],
        names=["week_start", "visit_type", "staff_category"],
    )
    counts = (
        pd.DataFrame(
            {
                "week_start": week.to_numpy(),
                "visit_type": v["visit_type"].astype(str).to_numpy(),
                "staff_category": v["staff_category"].astype(str).to_numpy(),
            }
        )
        .value_counts()
        .reindex(index, fill_value=0)
        .rename("booked")
        .astype(float)
        .reset_index()
    )
    return counts


def follow_up(
    plan: Plan,
    visits: pd.DataFrame | None,
    *,
    changes: pd.DataFrame | None = None,
    booked: pd.DataFrame | None = None,
    lang: str | None = None,
) -> FollowUp:
    """The plan's weeks against the visits booked in them.

    Parameters
    ----------
    plan : toolkit.production_plan.Plan
        The plan (its weeks are the weeks followed up).
    visits : pandas.DataFrame
        The ``visits`` table (``date``, ``visit_type``, ``staff_category``,
        ``status``); None when ``booked`` is given.
    changes : pandas.DataFrame, optional
        The PDSA log's changes, :func:`toolkit.pdsa.annotations` (``date``,
        ``label``): each week's row in ``weekly`` gets the labels of the
        changes started in it (column ``changes``), and ``annotations``
        keeps those inside the plan's weeks, for
        :func:`toolkit.charts.spc_chart`'s ``pdsa=``.
    booked : pandas.DataFrame, optional
        The visits booked a week already counted, as :func:`delivered_slots`
        gives them (week_start, visit_type, staff_category, booked), e.g.
        rounded for share mode; used instead of ``visits``.
    lang : {"sv", "en"}, optional

    Notes
    -----
    Slots delivered per stage: first assessments booked :math:`B_1`; stage
    2 visits booked times the slots a visit takes, :math:`c B_2` (one-to-one
    equivalents, as the plan counts them). Gap :math:`g_w = D_w - N_w`.
    In patients: :math:`g_w (1 - p)` at stage 1 and :math:`g_w (1 - p) /
    (c (1 + v))` at stage 2 (the plan's conversion inverted). Patients
    short pile up in the queue; by Little's law (:math:`W = L/\\lambda`) the
    wait changes by :math:`-\\sum_{u \\le w} g^{pat}_u / \\lambda` weeks,
    with :math:`\\lambda` the plan's mean patients a week at the stage.

    References
    ----------
    Little, J.D.C. (1961), "A proof for the queuing formula L = λW",
    Operations Research 9(3): 383–387.
    """
    from toolkit.spc import spc

    lang = check_language(lang)
    inp = plan.inputs
    weeks = pd.DatetimeIndex(plan.weeks["week_start"])
    booked = _booked_slots(plan, visits, booked, weeks, lang)
    kept = 1.0 - inp.dna_rate
    per_patient = {
        "first_assessment": 1.0 / kept,
        "deep_start": inp.visit_cost * (1.0 + inp.follow_up_visits_per_course) / kept,
    }
    weekly = pd.concat(
        [
            _stage_weeks(plan, booked, weeks, stage, prefix, per_patient[stage])
            for stage, prefix in zip(PLAN_STAGES, ("first", "deep"), strict=True)
        ],
        ignore_index=True,
    )
    notes = _changes_by_week(changes, weeks)
    weekly["changes"] = [str(notes.get(d, "")) for d in weekly["week_start"]]
    by_category = _by_category(plan, booked)
    by_kind = pd.DataFrame(
        booked.groupby(["week_start", "visit_type"], as_index=False)["booked"].sum()
    )
    chart = (
        spc(weekly, value="gap_slots", date="week_start", group="stage", chart="xmr")
        if len(weeks) >= 2
        else pd.DataFrame()
    )
    messages = stage_summaries(weekly, lang)
    inside = _changes_inside(changes, weeks)
    return FollowUp(weekly, by_category, by_kind, chart, tuple(messages), inside)


def _booked_slots(
    plan: Plan,
    visits: pd.DataFrame | None,
    booked: pd.DataFrame | None,
    weeks: pd.DatetimeIndex,
    lang: str,
) -> pd.DataFrame:
    """Visits booked per week, kind and category, with their stage and the slots they fill.

    From ``booked`` when given (a copy), else counted from ``visits``.
    """
    if booked is None:
        if visits is None:
            expected = {x: t("plan.followup.visits_or_booked", x) for x in ("sv", "en")}
            raise checks.type_error("visits", expected, "None", lang)
        booked = delivered_slots(visits, weeks)
    else:
        booked = booked.copy()
        booked["week_start"] = pd.to_datetime(booked["week_start"])
    booked["stage"] = booked["visit_type"].map(STAGE_OF_VISIT_TYPE)
    cost = {"first_assessment": 1.0, "deep_start": plan.inputs.visit_cost}
    booked["slots"] = booked["booked"] * booked["stage"].map(cost)
    return booked


def _stage_weeks(
    plan: Plan,
    booked: pd.DataFrame,
    weeks: pd.DatetimeIndex,
    stage: str,
    prefix: str,
    per_patient: float,
) -> pd.DataFrame:
    """One stage's weeks: planned and delivered slots, the gap, and the wait it makes.

    ``per_patient`` is the slots one patient takes at the stage.
    """
    delivered = (
        booked[booked["stage"] == stage]
        .groupby("week_start")["slots"]
        .sum()
        .reindex(weeks, fill_value=0.0)
    )
    planned = plan.weeks[f"{prefix}_slots_needed"].to_numpy()
    gap = delivered.to_numpy() - planned
    gap_patients = gap / per_patient
    lam = float(np.mean(planned)) / per_patient if len(planned) else math.nan
    cumulative = np.cumsum(gap_patients)
    return pd.DataFrame(
        {
            "week_start": weeks,
            "stage": stage,
            "planned_slots": planned,
            "delivered_slots": delivered.to_numpy(),
            "gap_slots": gap,
            "gap_patients": gap_patients,
            "cumulative_gap_patients": cumulative,
            "wait_change_weeks": -cumulative / lam if lam > 0 else np.nan,
        }
    )


def _by_category(plan: Plan, booked: pd.DataFrame) -> pd.DataFrame:
    """Planned and delivered slots and the gap per week, stage and staff category."""
    need = plan.by_category[["week_start", "stage", "staff_category", "slots_needed"]]
    got = booked.groupby(["week_start", "stage", "staff_category"], as_index=False)["slots"].sum()
    by_category = need.merge(got, on=["week_start", "stage", "staff_category"], how="left")
    by_category = by_category.rename(
        columns={"slots_needed": "planned_slots", "slots": "delivered_slots"}
    ).fillna({"delivered_slots": 0.0})
    by_category["gap_slots"] = by_category["delivered_slots"] - by_category["planned_slots"]
    return by_category


def _changes_inside(changes: pd.DataFrame | None, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """The PDSA changes started within the plan's weeks (for the chart)."""
    inside = pd.DataFrame(columns=["date", "label"])
    if changes is not None and len(changes) and len(weeks):
        dates = pd.to_datetime(changes["date"])
        last = weeks.max() + pd.Timedelta(days=6)
        inside = changes[(dates >= weeks.min()) & (dates <= last)].reset_index(drop=True)
    return inside


def _changes_by_week(changes: pd.DataFrame | None, weeks: pd.DatetimeIndex) -> pd.Series:
    """The labels of the changes started in each week, joined by "; "."""
    if changes is None or changes.empty:
        return pd.Series(dtype=object)
    dates = pd.to_datetime(changes["date"]).dt.normalize()
    monday = dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    labels = changes["label"].astype(str)
    joined = labels.groupby(pd.DatetimeIndex(monday)).agg("; ".join)
    return joined[pd.DatetimeIndex(joined.index).isin(weeks)]


def plan_weeks_before(
    unit: Any,
    *,
    weeks: int = 26,
    history_start: Any = None,
    profile: Any = "bup_30_30",
    lang: str | None = None,
) -> Plan:
    """The plan the unit would have made ``weeks`` whole weeks before its extract date.

    Made from the data up to the Sunday ``weeks`` weeks before the last
    Sunday on or before the extract date
    (:func:`toolkit.production_plan.plan_basis` with the extract date moved
    back: the window, the forecast and the staff in post are those of that
    date), for the ``weeks`` weeks that followed.
    """
    from dataclasses import replace

    end = pd.Timestamp(unit.extract_date).normalize()
    last_sunday = end - pd.Timedelta(days=(end.weekday() + 1) % 7)
    origin = last_sunday - pd.Timedelta(days=7 * weeks)
    past = replace(unit, extract_date=origin)
    basis = plan_basis(
        past, horizon_weeks=weeks, profile=profile, history_start=history_start, lang=lang
    )
    return plan_from_basis(basis, lang=lang)


def unit_follow_up(
    unit: Any,
    *,
    weeks: int = 26,
    history_start: Any = None,
    profile: Any = "bup_30_30",
    changes: pd.DataFrame | None = None,
    lang: str | None = None,
) -> tuple[Plan, FollowUp]:
    """The plan the unit would have made ``weeks`` weeks before its extract date, followed up to it.

    The plan is :func:`plan_weeks_before`'s, compared with the visits
    booked in the ``weeks`` whole weeks that followed.
    """
    plan = plan_weeks_before(
        unit, weeks=weeks, history_start=history_start, profile=profile, lang=lang
    )
    return plan, follow_up(plan, unit.visits, changes=changes, lang=lang)


def readable_weekly(result: FollowUp, lang: str | None = None) -> pd.DataFrame:
    """The weekly follow-up as a person reads it: ISO week, stage name, rounded figures, sv/en headers.

    For a report table: week, stage, slots planned, slots booked, difference,
    change in wait (weeks), PDSA changes started that week.
    """
    from toolkit.production_plan import iso_week

    lang = check_language(lang)
    w = result.weekly
    years, numbers = iso_week(pd.DatetimeIndex(w["week_start"]))
    mark = "v" if lang == "sv" else "W"
    columns = {
        "week": [f"{y}-{mark}{n:02d}" for y, n in zip(years, numbers, strict=True)],
        "stage": [t(f"plan.stage.{s}", lang) for s in w["stage"]],
        "planned_slots": w["planned_slots"].round(1),
        "delivered_slots": w["delivered_slots"].round(1),
        "gap_slots": w["gap_slots"].round(1),
        "wait_change_weeks": w["wait_change_weeks"].round(2),
        "changes": w["changes"],
    }
    out = pd.DataFrame(columns)
    out.columns = [t(f"followup.col.{c}", lang) for c in out.columns]
    return out


def stage_summaries(weekly: pd.DataFrame, lang: str) -> list[str]:
    """One sentence per stage over the weeks of ``weekly``: planned, delivered, gap and wait change."""
    messages = []
    for stage in PLAN_STAGES:
        part = weekly[weekly["stage"] == stage]
        if part.empty:
            continue
        planned_sum = float(part["planned_slots"].sum())
        delivered_sum = float(part["delivered_slots"].sum())
        share = (delivered_sum - planned_sum) / planned_sum if planned_sum > 0 else math.nan
        messages.append(
            t(
                "followup.summary",
                lang,
                stage=t(f"plan.stage.{stage}", lang),
                weeks=len(part),
                planned=number_text(planned_sum, 0, lang),
                delivered=number_text(delivered_sum, 0, lang),
                gap=number_text(delivered_sum - planned_sum, 0, lang, sign=True),
                share=number_text(100 * share, 0, lang, sign=True),
                wait=number_text(float(part["wait_change_weeks"].iloc[-1]), 1, lang, sign=True),
            )
        )
    return messages
