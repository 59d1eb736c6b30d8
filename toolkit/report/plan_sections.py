"""The capacity plan's sections: summary, about, analytic answer, options and cost, simulated answer.

Each section is built from :class:`toolkit.report._plan_figures.PlanFigures`
by one function; :func:`toolkit.report.plan.capacity_plan` lists them in order.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from toolkit import __version__, unit_now
from toolkit.i18n import t
from toolkit.report import _html
from toolkit.report._figures import _STAGES, _balance_texts
from toolkit.report._format import _DASH, _num, _pct
from toolkit.report._html import Section, html_table
from toolkit.report._plan_figures import PLAN_LAST_WEEKS, PlanFigures
from toolkit.report.about import _now_meta

__all__ = [
    "analytic_section",
    "options_section",
    "plan_about_section",
    "plan_summary_section",
    "simulated_section",
]


def plan_summary_section(p: PlanFigures) -> Section:
    """Per stage: demand, capacity, capacity needed and after, the queue now and simulated."""
    lang, q, sim = p.lang, p.q, p.sim
    baseline, changed = p.baseline, p.changed
    summary = Section("summary", t("report.h.summary", lang))
    for stage in _STAGES:
        row = q[stage]
        target_share = p.profile.stages[stage].share_within
        summary.text(
            t(
                "report.plan.summary_stage",
                lang,
                stage=p.stage_labels[stage],
                demand=_num(row["demand_per_week"], lang, 1),
                capacity=_num(row["capacity_per_week"], lang, 1),
                needed=_num(row["target_capacity_per_week"], lang, 1),
                after=_num(row["capacity_after_per_week"], lang, 1),
                months=p.months,
                queue_now=_num(row["queue_size"], lang),
                queue_base=_num(sim(baseline.name, stage, "queue_end"), lang),
                queue_after=_num(sim(changed.name, stage, "queue_end"), lang),
                within_base=_pct(sim(baseline.name, stage, "share_within_target"), lang),
                within_after=_pct(sim(changed.name, stage, "share_within_target"), lang),
                target_share=_pct(target_share, lang),
            )
        )
    summary.text(t("report.plan.summary_caveat", lang))
    return summary


def plan_about_section(p: PlanFigures) -> Section:
    """The plan's period, window, profile, changes and simulation settings, as a table."""
    lang, now, unit, profile, added_fte = p.lang, p.now, p.unit, p.profile, p.added_fte
    about = Section("about", t("report.h.about", lang))
    fte_text = (
        ", ".join(f"{k}: {_num(v, lang, 1)}" for k, v in added_fte.items()) if added_fte else _DASH
    )
    meta = pd.DataFrame(
        {
            "item": [
                t("report.meta.period", lang),
                *_now_meta(now, lang)[0],
                t("report.meta.extract_date", lang),
                t("report.meta.profile", lang),
                t("report.plan.meta.added_fte", lang),
                t("report.plan.meta.freed_admin", lang),
                t("report.plan.meta.formats", lang),
                t("report.plan.meta.rule", lang),
                t("report.plan.meta.simulation", lang),
                t("report.meta.version", lang),
            ],
            "value": [
                f"{p.first.date().isoformat()} – {p.end.date().isoformat()}",
                *_now_meta(now, lang)[1],
                unit.extract_date.date().isoformat(),
                f"{profile.name(lang)} ({profile.id})",
                fte_text,
                _pct(p.freed_admin_share, lang),
                f"{_pct(p.changed.share_group, lang)} / {_pct(p.changed.share_digital, lang)}",
                t(f"report.plan.rule.{p.priority_rule}", lang),
                t(
                    "report.plan.meta.simulation_value",
                    lang,
                    months=p.months,
                    weeks=p.weeks,
                    replications=p.replications,
                    seed=p.seed,
                    source=t(f"report.plan.source.{p.capacity_source}", lang),
                ),
                __version__,
            ],
        }
    )
    labels_meta = {"item": t("report.col.item", lang), "value": t("report.col.value", lang)}
    about.html("table", html_table(meta, labels=labels_meta, lang=lang))
    return about


def analytic_section(p: PlanFigures) -> Section:
    """The queue formulas per stage now and with the changes, and the balance verdict."""
    lang, now = p.lang, p.now
    analytic = Section("analytic", t("report.plan.h.analytic", lang))
    analytic.text(t("report.plan.analytic_text", lang, weeks=_num(p.time_to_target_weeks, lang)))
    analytic.text(
        t(
            "report.now_text",
            lang,
            window=unit_now.window_text(now.window, lang),
            variation=unit_now.variation_text(now, lang),
        )
    )
    if not now.ok:
        analytic.text(now.problems["unit"][0])
    shown = p.queue[
        [
            "stage",
            "demand_per_week",
            "capacity_per_week",
            "activity_per_week",
            "load",
            "queue_size",
            "target_queue_size",
            "target_capacity_per_week",
            "relief_capacity_per_week",
            "capacity_after_per_week",
            "load_after",
        ]
    ].copy()
    shown["stage"] = shown["stage"].map(p.stage_labels)
    analytic.html(
        "table",
        html_table(
            shown,
            labels={c: t(f"report.plan.col.{c}", lang) for c in shown.columns},
            formats={
                "load": lambda x: _num(x, lang, 2),
                "load_after": lambda x: _num(x, lang, 2),
                "queue_size": lambda x: _num(x, lang),
                "target_queue_size": lambda x: _num(x, lang),
                **{
                    c: (lambda x: _num(x, lang, 1)) for c in shown.columns if c.endswith("per_week")
                },
            },
            lang=lang,
        ),
    )
    if any(math.isnan(c) for c in now.table["capacity_per_week"]):
        analytic.text(t("now.no_staff", lang))
    if now.ok:
        for line in _balance_texts(now, lang):
            analytic.text(f"- {line}")
    return analytic


def options_section(p: PlanFigures) -> Section:
    """What each option gives and costs (or why there is nothing to show), and the priority rule."""
    lang, options, priority_rule = p.lang, p.options, p.priority_rule
    costs = Section("options", t("report.plan.h.options", lang))
    if options is None:
        costs.text(t("report.plan.no_staff_table", lang))
    elif options.empty:
        costs.text(t("report.plan.no_options", lang))
    else:
        costs.text(t("report.plan.options_text", lang))
        shown_o = options.copy()
        costs.html(
            "table",
            html_table(
                shown_o,
                labels={c: t(f"report.plan.col.{c}", lang) for c in shown_o.columns},
                formats={
                    "fte_change": lambda x: _num(x, lang, 1),
                    "appointments_change_per_week": lambda x: _num(x, lang, 1),
                },
                lang=lang,
            ),
        )
    if priority_rule != "fcfs":
        costs.text(
            t("report.plan.rule_text", lang, rule=t(f"report.plan.rule.{priority_rule}", lang))
        )
    return costs


def simulated_section(p: PlanFigures) -> Section:
    """Per stage the analytic and simulated figures side by side, the formula check, and a chart."""
    lang = p.lang
    simulated_section = Section("simulated", t("report.plan.h.simulated", lang))
    simulated_section.text(
        t("report.plan.simulated_text", lang, months=p.months, last=PLAN_LAST_WEEKS)
    )
    names = (p.baseline.name, p.changed.name)
    for stage in _STAGES:
        row = p.q[stage]
        simulated_section.text(f"**{p.stage_labels[stage]}**")
        simulated_section.html(
            "table",
            html_table(
                _side_by_side(p, stage),
                labels={
                    "measure": t("report.plan.col.measure", lang),
                    "kind": t("report.plan.col.kind", lang),
                    "baseline": names[0],
                    "with_changes": names[1],
                },
                lang=lang,
            ),
        )
        for name, scenario, cap_col in (
            (names[0], p.baseline, "capacity_per_week"),
            (names[1], p.changed, "capacity_after_per_week"),
        ):
            check = _formula_beside_simulation(
                float(row["demand_per_week"]),
                float(row[cap_col]),
                p.sim(name, stage, "wait_mean_weeks"),
                p.sim(name, stage, "wait_mean_weeks_se"),
                warm_up_weeks=p.weeks - PLAN_LAST_WEEKS,
                start_queue=float(row["queue_size"]),
                scenario=scenario,
            )
            if check is not None:
                simulated_section.text(f"{name}: {check.message(lang)}")
    for note in p.simulated.attrs["notes"]:
        simulated_section.text(note)
    if p.charts:
        from toolkit.charts import plan_queue_chart

        simulated_section.html(
            "svg", _html.svg(plan_queue_chart(p.runs, p.unit.extract_date, lang))
        )
    return simulated_section


def _side_by_side(p: PlanFigures, stage: str) -> pd.DataFrame:
    """One stage's analytic and simulated figures, baseline beside the scenario with the changes."""
    lang, sim, row = p.lang, p.sim, p.q[stage]
    names = (p.baseline.name, p.changed.name)

    def spread(name: str) -> str:
        return (
            f"{_num(sim(name, stage, 'queue_end'), lang)} "
            f"({_num(sim(name, stage, 'queue_end_lo'), lang)}–"
            f"{_num(sim(name, stage, 'queue_end_hi'), lang)})"
        )

    return pd.DataFrame(
        {
            "measure": [
                t("report.plan.row.capacity", lang),
                t("report.plan.row.load", lang),
                t("report.plan.row.target_capacity", lang),
                t("report.plan.row.queue", lang),
                t("report.plan.row.wait_mean", lang),
                t("report.plan.row.wait_p90", lang),
                t("report.plan.row.within", lang),
            ],
            "kind": [t("report.plan.kind.analytic", lang)] * 3
            + [t("report.plan.kind.simulated", lang)] * 4,
            "baseline": [
                _num(row["capacity_per_week"], lang, 1),
                _num(row["load"], lang, 2),
                _num(row["target_capacity_per_week"], lang, 1),
                spread(names[0]),
                _num(sim(names[0], stage, "wait_mean_weeks"), lang, 1),
                _num(sim(names[0], stage, "wait_p90_weeks"), lang, 1),
                _pct(sim(names[0], stage, "share_within_target"), lang),
            ],
            "with_changes": [
                _num(row["capacity_after_per_week"], lang, 1),
                _num(row["load_after"], lang, 2),
                _num(row["target_capacity_per_week"], lang, 1),
                spread(names[1]),
                _num(sim(names[1], stage, "wait_mean_weeks"), lang, 1),
                _num(sim(names[1], stage, "wait_p90_weeks"), lang, 1),
                _pct(sim(names[1], stage, "share_within_target"), lang),
            ],
        }
    )


def _formula_beside_simulation(
    demand_per_week: float,
    capacity_per_week: float,
    simulated_wait_weeks: float,
    simulated_se_weeks: float,
    *,
    warm_up_weeks: float,
    start_queue: float,
    scenario: Any,
) -> Any:
    """The long-run formula's mean wait beside the simulated one, and why they may differ.

    The formula is the weekly-slot queue's exact long-run mean
    (:func:`toolkit.queueing.weekly_mean_wait`); the verdict and its sentence
    come from :func:`toolkit.queueing.formula_check`, which names the
    assumption that breaks (a start queue, a short horizon, seasons and
    holiday weeks, or load at or above 1): a
    :class:`toolkit.queueing.FormulaCheck`, or None without capacity.
    ``scenario`` is the simulated :class:`toolkit.simulate.Scenario`.
    """
    from toolkit import queueing  # with the simulation, only when a plan is made

    if not (math.isfinite(capacity_per_week) and capacity_per_week > 0):
        return None
    calendar = (
        scenario.seasonality != "none"
        or scenario.trend_per_year != 0
        or bool(scenario.holiday_weeks)
    )
    return queueing.formula_check(
        queueing.weekly_mean_wait(demand_per_week, capacity_per_week),
        simulated_wait_weeks,
        simulated_se_weeks,
        demand_per_week=demand_per_week,
        capacity_per_week=capacity_per_week,
        warm_up_weeks=warm_up_weeks,
        start_queue=start_queue,
        calendar_effects=calendar,
    )
