"""Produktionsplan / Production plan: does the plan balance with these staff, shares and targets?"""

from __future__ import annotations

import base64
import re
from typing import Any

import ipywidgets as w
import numpy as np

from toolkit import charts
from toolkit.capacity import STAFF_CATEGORIES
from toolkit.errors import ParameterError
from toolkit.production_plan import (
    BUFFER_RULES,
    PLAN_STAGES,
    Plan,
    PlanBasis,
    decision_effects,
    plan_basis,
    plan_from_basis,
    queue_projection,
    schedule_template,
)
from toolkit.simulate import RULES
from toolkit.widgets.base import LiveChart, UnitSource, _App, _esc, format_number

_CSS = """<style>
.tk-plan-figures table.tk-table td, .tk-plan-figures table.tk-table th { padding: 4px 14px; }
.tk-plan-verdict .tk-sentence { font-size: 20px; margin: 6px 0; }
.tk-plan-ok { color: #1a7f37; font-weight: bold; }
.tk-plan-short { color: #c81e1e; font-weight: bold; }
.tk-schedule, .tk-schedule .widget-html-content { max-width: 100%; min-width: 0; overflow-x: auto; }
.tk-schedule table.tk-table { table-layout: fixed; width: 100%; }
.tk-schedule table.tk-table th, .tk-schedule table.tk-table td {
  padding: 3px 6px; white-space: normal; overflow-wrap: anywhere; }
.tk-decisions, .tk-decisions .widget-html-content { max-width: 100%; min-width: 0; overflow-x: auto; }
.tk-decisions table.tk-table { table-layout: fixed; width: 100%; }
.tk-decisions table.tk-table th, .tk-decisions table.tk-table td {
  padding: 3px 6px; white-space: normal; overflow-wrap: anywhere; }
</style>"""
#: Columns of the decisions table (toolkit.production_plan.decision_effects), with their decimals.
_DECISION_COLUMNS = (
    ("first_slots_available", 1),
    ("deep_slots_available", 1),
    ("weeks_short", 0),
    ("shortfall_slots", 0),
    ("queue_end_first", 0),
    ("queue_end_deep", 0),
    ("cost_change_per_year_sek", 0),
)

#: Weeks followed up: the plan made this many weeks before the extract date.
FOLLOW_UP_WEEKS = 13
#: Kinds of the schedule template, in column order.
_KINDS = (
    "first_assessment",
    "in_depth_assessment",
    "treatment_start",
    "follow_up",
    "group_session",
)


class PlanApp(_App):
    """Produktionsplan / Production plan (PKS element 4).

    A unit (sample or uploaded) gives the forecast, the pathway and the
    staff (:func:`toolkit.production_plan.plan_basis`, computed once per
    unit); the coach changes FTE per staff category, the share of group
    visits, the target waits, the buffer rule and the summer leave, and the
    plan is made again (:func:`toolkit.production_plan.plan_from_basis`).
    The page shows per stage the mean slots to book and available a week,
    the weeks that do not balance and the shortfall, the plan's own
    sentences (which rule, which weeks), the schedule template per clinician
    type, a table of the decisions for balance (each change the coach made:
    staff, freed administration, group and digital care, a priority rule;
    alone and together, with its effect on the plan's balance, the queue
    projection and the cost: :func:`toolkit.production_plan.decision_effects`),
    and an Excel file of the plan on request
    (:func:`toolkit.plan_export.plan_workbook_bytes`). With too little
    history the forecast's message is shown and the coach may tick the
    fallback (the mean of the last 8 weeks).
    """

    title_key = "widgets.plan.title"
    intro_key = "widgets.plan.intro"
    uses_tables = ("referrals", "visits", "staff", "time_use")

    def __init__(self, lang: str = "sv") -> None:
        super().__init__(lang)
        self._bases: dict[Any, PlanBasis] = {}
        self.plan: Plan | None = None
        self._start_cost: float | None = None
        self._start_key: Any = None
        self._now_plan: tuple[Any, Plan] | None = None
        self.basis: PlanBasis | None = None
        self.source = UnitSource(self, self.update)
        self._build_levers()
        self._build_rules()
        self._build_outputs()
        self._guarded(self.unit_changed)()
        self._watch(
            self.fallback,
            self.freed,
            self.group,
            self.digital,
            self.priority,
            self.target_first,
            self.target_deep,
            self.buffer,
            self.leave,
        )
        self.container = self._layout()

    def _build_levers(self) -> None:
        """Capacity levers: the fallback for missing data, freed time, groups, digital visits."""
        style = {"description_width": "300px"}
        wide = w.Layout(width="600px")
        self.fallback = w.Checkbox(value=False, style=style, layout=wide)
        self.fallback.add_class("tk-fallback")
        self._label(self.fallback, "widgets.plan.fallback")
        self.freed = w.FloatSlider(
            value=0.0, min=0.0, max=0.5, step=0.05, readout_format=".2f",
            continuous_update=False, style=style, layout=wide,
        )  # fmt: skip
        self.freed.add_class("tk-freed")
        self._label(self.freed, "widgets.plan.freed")
        self.group = w.FloatSlider(
            value=0.0, min=0.0, max=0.6, step=0.01, readout_format=".2f",
            continuous_update=False, style=style, layout=wide,
        )  # fmt: skip
        self.group.add_class("tk-group")
        self._label(self.group, "widgets.plan.group")
        self.digital = w.FloatSlider(
            value=0.0, min=0.0, max=0.6, step=0.01, readout_format=".2f",
            continuous_update=False, style=style, layout=wide,
        )  # fmt: skip
        self.digital.add_class("tk-digital")
        self._label(self.digital, "widgets.plan.digital")

    def _build_rules(self) -> None:
        """The plan's rules: priority, targets, the buffer and leave; the FTE box (per unit)."""
        style = {"description_width": "300px"}
        wide = w.Layout(width="600px")
        self.priority = w.Dropdown(style=style, layout=wide)
        self.priority.add_class("tk-priority")
        self._label(
            self.priority,
            lambda: [(self._t(f"report.plan.rule.{r}"), r) for r in RULES],
            "options",
        )  # fmt: skip
        self._label(self.priority, "widgets.plan.priority")
        self.priority.value = "fcfs"
        self.target_first = w.IntSlider(
            value=30, min=7, max=120, step=1, continuous_update=False, style=style, layout=wide
        )
        self.target_first.add_class("tk-target-first")
        self._label(self.target_first, "widgets.plan.target_first")
        self.target_deep = w.IntSlider(
            value=30, min=7, max=180, step=1, continuous_update=False, style=style, layout=wide
        )
        self.target_deep.add_class("tk-target-deep")
        self._label(self.target_deep, "widgets.plan.target_deep")
        self.buffer = w.ToggleButtons(style={"button_width": "150px", **style}, layout=wide)
        self.buffer.add_class("tk-buffer")
        self._label(
            self.buffer, lambda: [(self._t(f"widgets.plan.buffer.{r}"), r) for r in BUFFER_RULES],
            "options",
        )  # fmt: skip
        self._label(self.buffer, "widgets.plan.buffer")
        self.buffer.value = "kingman"
        self.leave = w.FloatSlider(
            value=4.0, min=0.0, max=6.0, step=0.5, readout_format=".1f",
            continuous_update=False, style=style, layout=wide,
        )  # fmt: skip
        self.leave.add_class("tk-leave")
        self._label(self.leave, "widgets.plan.leave")
        self.fte: dict[str, w.FloatSlider] = {}
        self.fte_box = w.VBox()
        self.fte_title = w.HTML()
        self._label(self.fte_title, lambda: f"<b>{_esc(self._t('widgets.plan.fte'))}</b>", "value")

    def _build_outputs(self) -> None:
        """Figures, verdict, schedule, decisions, the chart, the Excel file and the follow-up."""
        self.figures = w.HTML()
        self.figures.add_class("tk-plan-figures")
        self.verdict = w.HTML()
        self.verdict.add_class("tk-plan-verdict")
        self.schedule = w.HTML()
        self.schedule.add_class("tk-schedule")
        self.decisions = w.HTML()
        self.decisions.add_class("tk-decisions")
        self.chart = LiveChart()
        self.chart.add_class("tk-main-chart")
        self.excel_button = w.Button(layout=w.Layout(width="auto"))
        self.excel_button.add_class("tk-excel")
        self._label(self.excel_button, "widgets.plan.excel")
        self.excel_link = w.HTML()
        self.excel_link.add_class("tk-excel-link")
        self.excel_button.on_click(lambda _b: self._guarded(self._excel)())
        self.followup_button = w.Button(layout=w.Layout(width="auto"))
        self.followup_button.add_class("tk-followup-button")
        self._label(
            self.followup_button,
            "widgets.plan.followup.button",
        )
        self.followup = w.HTML()
        self.followup.add_class("tk-followup")
        self.followup_button.on_click(lambda _b: self._guarded(self._follow_up)())

    def _layout(self) -> w.VBox:
        """The page: the unit and the controls, then the plan."""
        controls = w.VBox(
            [w.HTML(_CSS), self.fallback, self.fte_title, self.fte_box, self.freed, self.group,
             self.digital, self.priority, self.target_first, self.target_deep, self.buffer,
             self.leave]
        )  # fmt: skip
        return self._frame(
            self.source.box, controls, self.verdict, self.figures, self.chart, self.decisions,
            self.schedule,
            w.HBox([self.excel_button, self.excel_link]),
            self.followup_button, self.followup,
        )  # fmt: skip

    # ---- data
    def _unit_key(self) -> Any:
        name, entry, unit = self.source.current()
        return entry.id if entry is not None else f"upload:{name}:{id(unit)}"

    def _basis(self) -> PlanBasis:
        name, entry, unit = self.source.current()
        unit_key = entry.id if entry is not None else f"upload:{name}:{id(unit)}"
        key = (unit_key, bool(self.fallback.value), self.lang)  # messages in the page's language
        if key not in self._bases:
            if unit.kind != "events" or not unit.has("staff"):
                # said in the page's words; what is missing is listed under the unit's name
                raise ParameterError("widgets.plan.needs_staff", argument="unit", lang=self.lang)
            start = entry.extra.get("period_start") if entry is not None else None
            self._bases[key] = plan_basis(
                unit,
                history_start=start,
                profile=entry.target_profile if entry is not None else "bup_30_30",
                forecast_method="recent_mean" if self.fallback.value else "auto",
                lang=self.lang,
            )
        return self._bases[key]

    def unit_changed(self) -> None:
        """A new unit: FTE sliders for its staff categories, targets from its profile."""
        self.followup.value = ""
        self._busy = True
        try:
            self.fallback.value = False
            basis = self._basis()
            fte = basis.slots.set_index("staff_category")["fte"]
            sliders = {}
            for category in STAFF_CATEGORIES:
                value = float(fte.get(category, 0.0))
                if value <= 0:
                    continue
                s = w.FloatSlider(
                    value=round(value, 2), min=0.0, max=float(np.ceil(max(2 * value, value + 2))),
                    step=0.05, readout_format=".2f", continuous_update=False,
                    style={"description_width": "150px"}, layout=w.Layout(width="470px"),
                )  # fmt: skip
                s.add_class("tk-fte")
                s.add_class(f"tk-fte-{category}")
                self._label(s, f"widgets.plan.category.{category}")
                sliders[category] = s
            old = list(self.fte.values())
            self._labels = [item for item in self._labels if item[0] not in old]
            self.fte = sliders
            self._watch(*sliders.values())
            self.fte_box.children = tuple(sliders.values())
            weeks = basis.inputs.target_wait_weeks
            self.target_first.value = round(weeks["first_assessment"] * 7)
            self.target_deep.value = round(weeks["deep_start"] * 7)
            self.group.value = round(basis.inputs.share_group, 2)
            self.digital.value = round(basis.share_digital, 2)
            self.priority.value = "fcfs"
            self.freed.value = 0.0
            self.buffer.value = "kingman"
            self.leave.value = 4.0
        finally:
            self._busy = False
        self.update()

    def settings(self) -> dict[str, Any]:
        """Every control's value as :func:`toolkit.production_plan.plan_from_basis` takes them.

        The page plans with :meth:`decision_settings` (what differs from the
        unit as it is) and the targets, buffer and leave of these.
        """
        return {
            "fte": {k: float(s.value) for k, s in self.fte.items()},
            "freed_non_clinical_share": float(self.freed.value),
            "share_group": float(self.group.value),
            "target_days": {
                "first_assessment": int(self.target_first.value),
                "deep_start": int(self.target_deep.value),
            },
            "buffer_rule": str(self.buffer.value),
            "summer_leave_weeks": float(self.leave.value),
            "share_digital": self._digital_setting(),
            "priority_rule": str(self.priority.value),
        }

    def _common(self) -> dict[str, Any]:
        """The settings every row of the decisions table shares: targets, buffer, leave, language."""
        return {
            "target_days": self.settings()["target_days"],
            "buffer_rule": str(self.buffer.value),
            "summer_leave_weeks": float(self.leave.value),
            "lang": self.lang,
        }

    def _now(self, common: dict[str, Any]) -> Plan:
        """The plan of the unit as it is with ``common`` (kept until they or the unit change)."""
        assert self.basis is not None
        key = (id(self.basis), repr(sorted(common.items())))
        if self._now_plan is None or self._now_plan[0] != key:
            self._now_plan = (key, plan_from_basis(self.basis, **common))
        return self._now_plan[1]

    def _digital_setting(self) -> float | None:
        """The digital share, or None while the slider shows the unit's own (rounded) share."""
        own = self.basis.share_digital if self.basis is not None else None
        value = float(self.digital.value)
        return None if own is not None and value == round(own, 2) else value

    def decision_settings(self) -> dict[str, Any]:
        """The decisions the coach made, as :func:`toolkit.production_plan.decision_effects` takes them.

        Only what differs from the unit as it is: FTE sliders moved from the
        unit's (rounded) FTE, freed administration, a group or digital share
        moved from the unit's, a priority rule other than first come, first
        served.
        """
        basis = self.basis if self.basis is not None else self._basis()
        own = basis.slots.set_index("staff_category")["fte"]
        fte = {
            k: float(s.value)
            for k, s in self.fte.items()
            if float(s.value) != round(float(own.get(k, 0.0)), 2)
        }
        group = float(self.group.value)
        group_changed = group != round(basis.inputs.share_group, 2)
        digital = self._digital_setting()
        formats = group_changed or digital is not None
        return {
            "fte": fte or None,
            "freed_non_clinical_share": float(self.freed.value),
            "share_group": group if formats else None,
            "share_digital": (digital if digital is not None else basis.share_digital)
            if formats
            else None,
            "priority_rule": str(self.priority.value),
        }

    def update(self) -> None:
        """Plan again from the unit's basis with the current settings; refresh the page."""
        self.basis = self._basis()
        if self.basis.share_digital + float(self.group.value) > 1.0:
            self.digital.value = max(0.0, round(1.0 - float(self.group.value), 2))
        common = self._common()
        plan = plan_from_basis(self.basis, **self.decision_settings(), **common)
        self.plan = plan
        if self._start_cost is None or self._start_key != self._unit_key():
            start = self._now(common)  # the unit as it is
            self._start_cost, self._start_key = start.cost_per_year_sek, self._unit_key()
        self.excel_link.value = ""
        self._show(plan)
        self._show_decisions()

    def _show_decisions(self) -> None:
        """Each decision made, alone and together: slots, weeks short, queues at the end, cost."""
        if self.basis is None or self.plan is None or self.plan.weeks.empty:
            self.decisions.value = ""
            return
        common = self._common()
        effects = decision_effects(
            self.basis, **self.decision_settings(), **common, now=self._now(common),
            current=self.plan,
        )  # fmt: skip
        heads = "".join(
            f"<th>{_esc(self._t(f'plan.decision.col.{c}'))}</th>"
            for c in ("option", *(c for c, _d in _DECISION_COLUMNS))
        )
        body = []
        for row in effects.to_dict("records"):
            cells = "".join(
                f"<td class='tk-dec-{c}'>{_esc(self._signed(float(row[c]), d) if c.startswith('cost') else self._num(float(row[c]), d))}</td>"
                for c, d in _DECISION_COLUMNS
            )
            body.append(
                f"<tr class='tk-decision-{row['option']}'><td>{_esc(str(row['label']))}</td>{cells}</tr>"
            )
        note = self._t("widgets.plan.decisions.note", weeks=len(self.plan.weeks))
        self.decisions.value = (
            f"<b>{_esc(self._t('widgets.plan.decisions'))}</b>"
            f"<table class='tk-table'><tr>{heads}</tr>{''.join(body)}</table>"
            f"<div class='tk-small'>{_esc(note)}</div>"
        )

    def _signed(self, value: float, digits: int) -> str:
        text = self._num(abs(value), digits)
        return text if abs(value) < 0.5 * 10**-digits else ("+" if value > 0 else "−") + text

    # ---- page
    def _num(self, value: float, digits: int = 1) -> str:
        return format_number(value, self.lang, digits)

    def _show(self, plan: Plan) -> None:
        sentences = "".join(f"<div class='tk-sentence'>{_esc(m)}</div>" for m in plan.messages)
        if plan.weeks.empty:
            self.figures.value = ""
            self.schedule.value = ""
            self.verdict.value = f"<div class='tk-note'>{sentences}</div>"
            return
        state = "ok" if plan.balanced else "short"
        head = self._t(f"widgets.plan.verdict.{state}")
        self.verdict.value = (
            f"<div class='tk-sentence tk-plan-{state}'>{_esc(head)}</div>{sentences}"
        )
        rows = []
        for stage, prefix in zip(PLAN_STAGES, ("first", "deep"), strict=True):
            short = plan.short_weeks[plan.short_weeks["stage"] == stage]
            cells = [
                self._num(float(plan.weeks[f"{prefix}_slots_needed"].mean())),
                self._num(float(plan.weeks[f"{prefix}_slots_available"].mean())),
                self._num(float(len(short)), 0),
                self._num(float(short["shortfall_slots"].sum()), 0),
            ]
            names = ("needed", "available", "short_weeks", "shortfall")
            tds = "".join(
                f"<td class='tk-{stage}-{n}'>{_esc(c)}</td>"
                for n, c in zip(names, cells, strict=True)
            )
            rows.append(f"<tr><td>{_esc(self._t(f'plan.stage.{stage}'))}</td>{tds}</tr>")
        heads = "".join(
            f"<th>{_esc(self._t(f'widgets.plan.col.{c}'))}</th>"
            for c in ("stage", "needed", "available", "short_weeks", "shortfall")
        )
        weeks_text = self._t("widgets.plan.weeks_from", weeks=len(plan.weeks),
                             start=plan.weeks["week_start"].min().date().isoformat())  # fmt: skip
        self._draw(plan)
        cost = plan.cost_per_year_sek
        change = cost - (self._start_cost if self._start_cost is not None else cost)
        cost_text = self._t(
            "widgets.plan.cost",
            cost=self._num(cost / 1e6, 2),
            change=("+" if change >= 0 else "−") + self._num(abs(change) / 1e6, 2),
        )
        queue_text = ""
        if self.basis is not None and self.basis.start_queue:
            q = queue_projection(plan, self.basis.start_queue)
            last = q.groupby("stage")["queue_end"].last()
            queue_text = self._t(
                "widgets.plan.queue",
                weeks=len(plan.weeks),
                first=self._num(float(last["first_assessment"]), 0),
                first_now=self._num(self.basis.start_queue["first_assessment"], 0),
                deep=self._num(float(last["deep_start"]), 0),
                deep_now=self._num(self.basis.start_queue["deep_start"], 0),
            )
        self.figures.value = (
            f"<div class='tk-intro'>{_esc(weeks_text)}</div>"
            f"<table class='tk-table'><tr>{heads}</tr>{''.join(rows)}</table>"
            f"<div class='tk-plan-queue'>{_esc(queue_text)}</div>"
            f"<div class='tk-plan-cost'>{_esc(cost_text)}</div>"
        )
        sched = schedule_template(plan)
        sched = sched[sched["fte"] > 0]
        heads = "".join(
            f"<th>{_esc(self._t(f'widgets.plan.col.{c}'))}</th>"
            for c in ("staff_category", "fte", *_KINDS, "total", "per_fte_total")
        )
        body = []
        for row in sched.to_dict("records"):
            cat = str(row["staff_category"])
            cells = [self._num(float(row["fte"]), 2)] + [
                self._num(float(row[k])) for k in (*_KINDS, "total", "per_fte_total")
            ]
            tds = "".join(f"<td>{_esc(c)}</td>" for c in cells)
            body.append(
                f"<tr class='tk-schedule-{cat}'>"
                f"<td>{_esc(self._t(f'widgets.plan.category.{cat}'))}</td>{tds}</tr>"
            )
        self.schedule.value = (
            f"<b>{_esc(self._t('widgets.plan.schedule'))}</b>"
            f"<table class='tk-table'><tr>{heads}</tr>{''.join(body)}</table>"
        )

    def _draw(self, plan: Plan) -> None:
        """Slots to book and slots the staff have, week by week, per stage."""
        rows = []
        week = plan.weeks["week_start"].dt.strftime("%Y-%m-%d").tolist()
        for stage, prefix in zip(PLAN_STAGES, ("first", "deep"), strict=True):
            label = self._t(f"plan.stage.{stage}")
            for kind in ("needed", "available"):
                series = self._t(f"widgets.plan.col.{kind}")
                values = plan.weeks[f"{prefix}_slots_{kind}"].round(2).tolist()
                rows += [
                    {"week": d, "slots": v, "series": series, "stage": label}
                    for d, v in zip(week, values, strict=True)
                ]
        spec = charts.plan_spec(self.lang)
        spec["datasets"] = {"plan": rows}
        self.chart.spec = spec

    def _follow_up(self) -> None:
        """The plan the unit would have made 13 weeks ago against what it booked since."""
        from toolkit.plan_followup import unit_follow_up

        _name, entry, unit = self.source.current()
        _plan, result = unit_follow_up(
            unit,
            weeks=FOLLOW_UP_WEEKS,
            history_start=entry.extra.get("period_start") if entry is not None else None,
            profile=entry.target_profile if entry is not None else "bup_30_30",
            lang=self.lang,
        )
        lines = [f"<div class='tk-sentence'>{_esc(m)}</div>" for m in result.messages]
        if not result.spc.empty:
            for stage in PLAN_STAGES:
                part = result.spc[result.spc["group"] == stage]
                n = int(part["special_cause"].fillna(False).astype(bool).sum())
                text = self._t(
                    "widgets.plan.followup.spc", stage=self._t(f"plan.stage.{stage}"), n=n
                )
                lines.append(f"<div class='tk-small'>{_esc(text)}</div>")
        title = self._t("widgets.plan.followup.title", weeks=FOLLOW_UP_WEEKS)
        self.followup.value = f"<b>{_esc(title)}</b>{''.join(lines)}"

    def _excel(self) -> None:
        from toolkit.plan_export import plan_workbook_bytes

        if self.plan is None or self.plan.weeks.empty:
            return
        name, _entry, _unit = self.source.current()
        data = plan_workbook_bytes(self.plan, unit_name=name, lang=self.lang)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        safe = re.sub(r"[^\w.-]+", "_", name)[:60] or "enhet"
        file = f"{self._t('widgets.plan.file')}_{safe}.xlsx"
        text = self._t("widgets.plan.download", file=file)
        self.excel_link.value = f"<a download='{_esc(file)}' href='{href}'>{_esc(text)}</a>"
