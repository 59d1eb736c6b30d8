"""The unit report's follow-up section (PKS element 5): the production plan against what was booked.

:func:`followup_tables` makes the plan a unit would have made
:data:`FOLLOW_UP_WEEKS` weeks before its extract date
(:func:`toolkit.plan_followup.plan_weeks_before`: the forecast, pathway shares
and staff of that date) and sets it against the visits booked since, per
week and stage, per visit kind and per staff category, with the gap in
slots and in waits; :func:`add_followup_section` writes it into a
:class:`toolkit.report.Report` with the XmR chart of the weekly gap and the
PDSA log's changes on it. Where no plan can be made the section says why
and how to make one.

**What "the plan" is in a report run.** A report has no plan the unit
decided on; it follows up the production plan the toolkit makes from the
unit's own data at the start of the follow-up window (the same plan the
*Produktionsplan* workbook shows for that date with its settings as they
start: Kingman's buffer, the profile's targets, the staff in post). The
section says so.

**Share mode.** Every count shown is a booked-visit count rounded to a
multiple of 5 (:mod:`toolkit.disclosure`): per visit kind, the weekly
counts are differences of the rounded cumulative counts (so the weeks add
up to the rounded total of the kind), a stage's week is the sum of its kinds'
rounded counts, a staff category's total the sum of its stages' rounded
counts; slots booked and gaps are computed from the rounded counts, and a
count below the threshold reads ``<threshold`` with the slots and gap that
rest on it. The change in wait is given for the whole window only, never
per week. The control chart of the gap is not drawn (every number a
share-mode chart is drawn from is a rounded count; the gap is not one): its
special causes are given in words, from the rounded counts, with the weeks
whose count is hidden left out.

The tables are pure calculation (:func:`followup_tables`); the section
builder only formats and escapes them (:func:`toolkit.report.html_table`,
:func:`toolkit.report.text_html`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit import disclosure
from toolkit.capacity import STAFF_CATEGORIES
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import t
from toolkit.plan_followup import (
    STAGE_OF_VISIT_TYPE,
    FollowUp,
    follow_up,
    plan_weeks_before,
    stage_summaries,
)
from toolkit.production_plan import PLAN_STAGES, Plan, iso_week

__all__ = [
    "FOLLOW_UP_WEEKS",
    "KINDS",
    "FollowUpTables",
    "add_followup_section",
    "booked_by_kind",
    "followup_tables",
]

#: Whole weeks followed up: the plan is made this many weeks before the extract
#: date (a quarter, as in the Produktionsplan workbook).
FOLLOW_UP_WEEKS = 13
#: Kinds of visit as the plan books them (:func:`toolkit.production_plan.schedule_template`),
#: with the visit type they are counted as in :func:`toolkit.plan_followup.follow_up`.
KINDS: dict[str, str] = {
    "first_assessment": "first_assessment",
    "in_depth_assessment": "assessment",
    "treatment_start": "treatment",
    "follow_up": "follow_up",
}


def booked_by_kind(visits: pd.DataFrame, weeks: pd.DatetimeIndex) -> pd.DataFrame:
    """Visits booked a week per kind as the plan counts them, and staff category.

    A referral's first stage 2 visit (in-depth assessment or treatment,
    among all its booked visits, before the window too) starts its course:
    ``in_depth_assessment`` or ``treatment_start``; every later stage 2
    visit, and any ``follow_up`` visit, is a visit of the course
    (``follow_up``), as the plan's :math:`v` follow-up visits per course.
    Attended and not-attended visits count; cancelled ones do not.

    Returns week_start, kind, staff_category, booked (every combination of
    ``weeks``, kinds and staff categories, 0 where none).
    """
    v = visits[visits["status"].astype(str).isin(["attended", "did_not_attend"])].copy()
    v["visit_type"] = v["visit_type"].astype(str)
    v = v[v["visit_type"].isin(list(STAGE_OF_VISIT_TYPE))]
    v["date"] = pd.to_datetime(v["date"]).dt.normalize()
    starts = v["visit_type"].isin(["assessment", "treatment"])
    if "referral_id" in v.columns:
        first = v[starts].sort_values(["date"], kind="stable").drop_duplicates("referral_id").index
        is_start = v.index.isin(first)
    else:
        is_start = np.zeros(len(v), dtype=bool)
    kind = np.where(v["visit_type"] == "first_assessment", "first_assessment", "follow_up")
    kind = np.where(is_start & (v["visit_type"] == "assessment"), "in_depth_assessment", kind)
    kind = np.where(is_start & (v["visit_type"] == "treatment"), "treatment_start", kind)
    week = v["date"] - pd.to_timedelta(v["date"].dt.day_of_week, unit="D")
    index = pd.MultiIndex.from_product(
        [pd.DatetimeIndex(weeks), list(KINDS), list(STAFF_CATEGORIES)],
        names=["week_start", "kind", "staff_category"],
    )
    return (
        pd.DataFrame(
            {
                "week_start": week.to_numpy(),
                "kind": kind,
                "staff_category": v["staff_category"].astype(str).to_numpy(),
            }
        )
        .value_counts()
        .reindex(index, fill_value=0)
        .rename("booked")
        .astype(float)
        .reset_index()
    )


@dataclass(frozen=True)
class FollowUpTables:
    """Planned against booked for the report (see :func:`followup_tables`).

    ``weekly``: week_start, stage, planned_slots, booked (visits),
    delivered_slots, gap_slots, gap_patients, wait_change_weeks, changes.
    ``by_kind``: kind, stage, planned_slots, booked, delivered_slots,
    gap_slots (summed over the weeks). ``by_category``: staff_category,
    planned_slots, booked, delivered_slots, gap_slots (both stages, summed
    over the weeks). ``result``: the :class:`toolkit.plan_followup.FollowUp`
    the weekly table comes from (its ``spc`` the XmR table of the weekly
    gap). ``origin``: the day the plan was made (the Sunday before its first
    week).
    """

    plan: Plan
    result: FollowUp
    weekly: pd.DataFrame
    by_kind: pd.DataFrame
    by_category: pd.DataFrame
    origin: pd.Timestamp


def _round_cumulative(booked: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``booked`` per week with each key's weekly counts the differences of its rounded cumulative counts."""
    out = booked.sort_values(["week_start", *keys]).copy()
    cumulative = out.groupby(keys, sort=False)["booked"].cumsum()
    rounded = pd.Series(disclosure.round_to_base(cumulative.to_numpy()), index=out.index)
    out["booked"] = rounded.groupby([out[k] for k in keys], sort=False).diff().fillna(rounded)
    return out


def followup_tables(
    unit: Any,
    *,
    profile: Any = "bup_30_30",
    history_start: Any = None,
    changes: pd.DataFrame | None = None,
    weeks: int = FOLLOW_UP_WEEKS,
    share: bool = False,
    lang: str = "sv",
) -> FollowUpTables:
    """The plan made ``weeks`` weeks before the extract date against the visits booked since.

    Raises :class:`toolkit.errors.ParameterError` when no plan can be made
    (no referrals per patient, no staff or no visits). ``share`` rounds the
    counts as the module notes say.

    Notes
    -----
    Planned slots per kind (:func:`booked_by_kind` counts the visits the
    same way): first assessments :math:`N_{1w}`; of the stage
    2 slots :math:`N_{2w}`, in-depth assessment starts :math:`N_{2w} q / (1 + v)`,
    treatment starts :math:`N_{2w} (1 - q) / (1 + v)` and follow-up visits
    :math:`N_{2w} v / (1 + v)` (:func:`toolkit.production_plan.production_plan`'s
    split: :math:`q` the share starting with an in-depth assessment,
    :math:`v` follow-up visits per course). Slots booked: first assessments
    booked, and stage 2 visits booked times the slots a visit takes
    :math:`c` (:func:`toolkit.plan_followup.follow_up`).
    """
    if getattr(unit, "kind", None) != "events" or not unit.has("visits"):
        raise ParameterError("report.followup.needs_visits", argument="unit", lang=lang)
    plan = plan_weeks_before(
        unit, weeks=weeks, history_start=history_start, profile=profile, lang=lang
    )
    origin = pd.Timestamp(plan.weeks["week_start"].min()) - pd.Timedelta(days=1)
    if plan.weeks.empty:
        return FollowUpTables(
            plan, FollowUp(*(pd.DataFrame(),) * 4), *(pd.DataFrame(),) * 3, origin
        )
    week_index = pd.DatetimeIndex(plan.weeks["week_start"])
    booked = booked_by_kind(unit.visits, week_index)
    booked["stage"] = booked["kind"].map(KINDS).map(STAGE_OF_VISIT_TYPE)
    by_type = pd.DataFrame(booked.groupby(["week_start", "kind"], as_index=False)["booked"].sum())
    by_cat = pd.DataFrame(
        booked.groupby(["staff_category", "stage"], as_index=False)["booked"].sum()
    )
    if share:
        by_type = _round_cumulative(by_type, ["kind"])
        by_cat["booked"] = disclosure.round_to_base(by_cat["booked"].to_numpy()).astype(float)
    by_type["visit_type"] = by_type["kind"].map(KINDS)
    result = follow_up(
        plan, None, changes=changes, booked=by_type.assign(staff_category="all"), lang=lang
    )
    inp = plan.inputs
    cost = {"first_assessment": 1.0, "deep_start": inp.visit_cost}
    weekly = result.weekly.copy()
    per_stage = (
        by_type.assign(stage=by_type["kind"].map(KINDS).map(STAGE_OF_VISIT_TYPE))
        .groupby(["week_start", "stage"])["booked"]
        .sum()
    )
    weekly.insert(
        3,
        "booked",
        [
            per_stage.get((w, s), 0.0)
            for w, s in zip(weekly["week_start"], weekly["stage"], strict=True)
        ],
    )
    # planned slots per kind (the plan's split of stage 2)
    v, q = inp.follow_up_visits_per_course, inp.in_depth_share
    deep = float(plan.weeks["deep_slots_needed"].sum())
    planned_kind = {
        "first_assessment": float(plan.weeks["first_slots_needed"].sum()),
        "in_depth_assessment": deep * q / (1 + v),
        "treatment_start": deep * (1 - q) / (1 + v),
        "follow_up": deep * v / (1 + v),
    }
    totals = by_type.groupby("kind")["booked"].sum()
    by_kind = pd.DataFrame({"kind": list(KINDS)})
    by_kind["stage"] = by_kind["kind"].map(KINDS).map(STAGE_OF_VISIT_TYPE)
    by_kind["planned_slots"] = by_kind["kind"].map(planned_kind)
    by_kind["booked"] = by_kind["kind"].map(totals).fillna(0.0)
    by_kind["delivered_slots"] = by_kind["booked"] * by_kind["stage"].map(cost)
    by_kind["gap_slots"] = by_kind["delivered_slots"] - by_kind["planned_slots"]
    need = plan.by_category.groupby("staff_category")["slots_needed"].sum()
    got = by_cat.assign(slots=by_cat["booked"] * by_cat["stage"].map(cost))
    got = got.groupby("staff_category")[["booked", "slots"]].sum()
    by_category = pd.DataFrame({"staff_category": list(STAFF_CATEGORIES)})
    by_category["planned_slots"] = by_category["staff_category"].map(need).fillna(0.0)
    by_category["booked"] = by_category["staff_category"].map(got["booked"]).fillna(0.0)
    by_category["delivered_slots"] = by_category["staff_category"].map(got["slots"]).fillna(0.0)
    by_category["gap_slots"] = by_category["delivered_slots"] - by_category["planned_slots"]
    keep = (by_category["planned_slots"] > 0) | (by_category["booked"] > 0)
    by_category = by_category[keep].reset_index(drop=True)
    return FollowUpTables(plan, result, weekly, by_kind, by_category, origin)


def _week_labels(weeks: pd.Series, lang: str) -> list[str]:
    years, numbers = iso_week(pd.DatetimeIndex(weeks))
    mark = "v" if lang == "sv" else "W"
    return [f"{y}-{mark}{n:02d}" for y, n in zip(years, numbers, strict=True)]


def _summary(tables: FollowUpTables, lang: str) -> list[str]:
    """One sentence per stage over the whole window (from the counts shown)."""
    return stage_summaries(tables.weekly, lang)


def add_followup_section(
    report: Any,
    unit: Any,
    *,
    profile: Any,
    history_start: Any,
    log: pd.DataFrame | None,
    share: bool,
    threshold: int,
    charts: bool,
    lang: str,
) -> None:
    """Append the section *Follow-up: the production plan against what was booked* to ``report``.

    ``log`` is the unit's PDSA log (:func:`toolkit.pdsa.read_log`) or None:
    its changes in the window are listed in the weekly table and drawn on
    the chart. Puts ``report.numbers["followup"]`` (planned and booked slots
    per stage, or None without a plan).
    """
    from toolkit.report import Section, svg

    section = Section("followup", t("report.h.followup", lang))
    report.sections.append(section)
    report.numbers["followup"] = None
    tables = _tables_or_why_not(
        section, unit, profile=profile, history_start=history_start, log=log, share=share,
        lang=lang,
    )  # fmt: skip
    if tables is None:
        return
    _introduction(section, tables, share=share, threshold=threshold, lang=lang)
    report.numbers["followup"] = _numbers(tables)
    opts: dict[str, Any] = {"share": share, "threshold": threshold, "lang": lang}
    _weekly_table(section, tables, **opts)
    _kind_and_category_tables(section, tables, **opts)
    _spc_part(section, tables, share=share, threshold=threshold, charts=charts, lang=lang, svg=svg)


def _tables_or_why_not(
    section: Any,
    unit: Any,
    *,
    profile: Any,
    history_start: Any,
    log: pd.DataFrame | None,
    share: bool,
    lang: str,
) -> FollowUpTables | None:
    """The follow-up tables, or None after writing why no plan could be made and how to make one."""
    from toolkit import pdsa

    how = t("report.followup.how_to_plan", lang)
    end = pd.Timestamp(unit.extract_date).normalize()
    changes = None
    if log is not None and len(log):
        changes = pdsa.annotations(log, end=end)
    try:
        tables = followup_tables(
            unit, profile=profile, history_start=history_start, changes=changes,
            share=share, lang=lang,
        )  # fmt: skip
    except (ParameterError, DataError) as err:
        section.text(t("report.followup.no_plan", lang, reason=err.message(lang)))
        section.text(how)
        return None
    if tables.plan.weeks.empty:
        section.text(t("report.followup.no_plan", lang, reason=" ".join(tables.plan.messages)))
        section.text(how)
        return None
    return tables


def _introduction(
    section: Any, tables: FollowUpTables, *, share: bool, threshold: int, lang: str
) -> None:
    """Which plan is followed up and over which weeks, how to make one, one sentence per stage."""
    plan = tables.plan
    first = pd.Timestamp(plan.weeks["week_start"].min())
    last = pd.Timestamp(plan.weeks["week_start"].max()) + pd.Timedelta(days=6)
    section.text(
        t(
            "report.followup.what_plan",
            lang,
            origin=tables.origin.date().isoformat(),
            weeks=len(plan.weeks),
            start=first.date().isoformat(),
            end=last.date().isoformat(),
        )
    )
    section.text(t("report.followup.how_to_plan", lang))
    for sentence in _summary(tables, lang):
        section.text(f"- {sentence}")
    if share:
        section.text(t("report.followup.share_note", lang, threshold=threshold))


def _numbers(tables: FollowUpTables) -> dict[str, Any]:
    """``report.numbers["followup"]``: the plan's origin, its weeks, slots per kind and stage."""
    return {
        "origin": tables.origin.date().isoformat(),
        "weeks": len(tables.plan.weeks),
        **{
            f"{kind}_{stage}": float(
                tables.weekly.loc[tables.weekly["stage"] == stage, f"{kind}_slots"].sum()
            )
            for stage in PLAN_STAGES
            for kind in ("planned", "delivered")
        },
    }


#: Columns whose value rests on the booked count (hidden with it in share mode).
_DEPENDS_ON_BOOKED = {"delivered_slots": "booked", "gap_slots": "booked"}


def _slot_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """Planned slots, booked visits (whole numbers), slots booked and the gap of a table."""
    return {
        "planned_slots": frame["planned_slots"],
        "booked": frame["booked"].round().astype("Int64"),
        "delivered_slots": frame["delivered_slots"],
        "gap_slots": frame["gap_slots"],
    }


def _labels_and_formats(columns: Any, lang: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Column headings of the follow-up tables, and the number format of the slot columns."""

    def one(v: Any) -> str:
        return _fmt(v, lang, 1)

    labels = {c: t(f"followup.col.{c}", lang) for c in columns}
    formats: dict[str, Any] = {c: one for c in ("planned_slots", "delivered_slots", "gap_slots")}
    formats["wait_change_weeks"] = lambda v: _fmt(v, lang, 2)
    return labels, formats


def _weekly_table(
    section: Any, tables: FollowUpTables, *, share: bool, threshold: int, lang: str
) -> None:
    """Per week and stage: planned, booked, the gap, the change in wait, the PDSA changes."""
    from toolkit.report import html_table

    weekly = tables.weekly
    shown = pd.DataFrame(
        {
            "week": _week_labels(weekly["week_start"], lang),
            "stage": [t(f"plan.stage.{s}", lang) for s in weekly["stage"]],
            **_slot_columns(weekly),
        }
    )
    if not share:
        shown["wait_change_weeks"] = weekly["wait_change_weeks"]
    shown["changes"] = weekly["changes"]
    labels, formats = _labels_and_formats(shown.columns, lang)
    section.text(t("report.followup.weekly_text", lang))
    section.html(
        "table",
        html_table(
            shown, labels=labels, formats=formats, counts=["booked"], depends=_DEPENDS_ON_BOOKED,
            share=share, threshold=threshold, lang=lang, wide=True,
        ),
    )  # fmt: skip


def _kind_and_category_tables(
    section: Any, tables: FollowUpTables, *, share: bool, threshold: int, lang: str
) -> None:
    """The whole window per visit kind and per staff category."""
    from toolkit.report import html_table

    weeks = len(tables.plan.weeks)
    kinds, cats = tables.by_kind, tables.by_category
    parts = [
        (
            "kind",
            [t(f"report.followup.kind.{k}", lang) for k in kinds["kind"]],
            kinds,
            t("followup.col.kind", lang),
            t("report.followup.kind_text", lang, weeks=weeks),
        ),
        (
            "staff_category",
            [t(f"widgets.plan.category.{c}", lang) for c in cats["staff_category"]],
            cats,
            t("plan.col.staff_category", lang),
            t("report.followup.category_text", lang, weeks=weeks),
        ),
    ]
    for key, names, frame, heading, text in parts:
        slots = _slot_columns(frame)
        shown = pd.DataFrame({key: names, **slots})
        labels, formats = _labels_and_formats(slots, lang)
        section.text(text)
        section.html(
            "table",
            html_table(
                shown,
                labels={**labels, key: heading},
                formats=formats,
                counts=["booked"],
                depends=_DEPENDS_ON_BOOKED,
                share=share,
                threshold=threshold,
                lang=lang,
            ),
        )


def _spc_part(
    section: Any,
    tables: FollowUpTables,
    *,
    share: bool,
    threshold: int,
    charts: bool,
    lang: str,
    svg: Any,
) -> None:
    """The XmR chart of each stage's weekly gap, the PDSA changes on it, and its special causes."""
    from toolkit.spc import spc

    weekly = tables.weekly
    if share:
        weekly = weekly[weekly["booked"] >= threshold]
    section.text(t("report.followup.spc_text", lang))
    if share and charts:
        section.text(t("report.followup.spc_share", lang))
    for stage in PLAN_STAGES:
        part = weekly[weekly["stage"] == stage]
        name = t("report.followup.spc_title", lang, stage=t(f"plan.stage.{stage}", lang))
        if len(part) < 2:
            section.text(t("report.spc_too_few", lang, measure=name))
            continue
        table = spc(part, value="gap_slots", date="week_start", chart="xmr")
        special = int(np.asarray(table["special_cause"].fillna(False), dtype=bool).sum())
        section.text(
            t("widgets.plan.followup.spc", lang, stage=t(f"plan.stage.{stage}", lang), n=special)
        )
        if charts and not share:
            from toolkit.charts import spc_chart

            notes = tables.result.annotations
            section.html(
                "svg",
                svg(
                    spc_chart(
                        table,
                        lang,
                        pdsa=notes if notes is not None and len(notes) else None,
                        title=name,
                        height=220,
                    )
                ),
            )


def _fmt(value: Any, lang: str, digits: int) -> str:
    """A number with ``digits`` decimals as :func:`toolkit.report.html_table` writes them (no "-0,0")."""
    from toolkit.report import _num

    if isinstance(value, float | np.floating) and math.isfinite(value):
        value = round(float(value), digits) + 0.0
    return _num(value, lang, digits)
