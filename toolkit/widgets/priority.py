"""Priority rules (Prioriteringsregler): compare rules for who is booked first, side by side."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import pandas as pd

from toolkit import charts
from toolkit.priority import (
    MEAN_WAIT,
    PATHWAY,
    compare_rules,
    longest_waits,
    rule_scenarios,
    side_by_side,
    trade_off,
)
from toolkit.simulate import ALL_CLASSES, RULES, STAGES, Scenario, calibrate
from toolkit.widgets.base import LiveChart, UnitSource, _App, _esc, format_number

#: Seed of the random numbers: every rule and every control change sees the same referrals.
SEED = 1
#: Replications computed together for each rule (the mean over them is shown).
REPLICATIONS = 100
#: Horizons offered, in weeks; the waits are those of the second half.
HORIZONS: tuple[int, ...] = (26, 52)
#: Own targets offered for the urgent class, in days (0 = the stage's target).
URGENT_TARGETS: tuple[int, ...] = (0, 7, 14, 21)
#: Colours of the rule columns (colour-blind safe, Okabe-Ito), in the order chosen.
RULE_COLOURS = charts.PRIORITY_RULE_COLOURS
#: The chart's names for rule A, B and C (its colours, in order).
SLOTS = charts.PRIORITY_SLOTS
#: Weeks of the unit's own data the scenario is calibrated on.
WINDOW_WEEKS = 26

_CSS = """
<style>
.tk-app .tk-priority-note { font-size: 22px; font-weight: bold; }
.tk-app .tk-tradeoff li { font-size: 21px; margin: 6px 0; }
.tk-app .tk-tradeoff { font-size: 21px; }
.tk-app table.tk-table.tk-priority-table td, .tk-app table.tk-table.tk-priority-table th,
.tk-app table.tk-table.tk-longest-table td, .tk-app table.tk-table.tk-longest-table th {
  font-size: 20px; padding: 4px 10px; }
.tk-app .tk-platform { background: #eef5fb; border-left: 6px solid #0072B2; padding: 8px 14px;
  font-size: 19px; }
.tk-app .tk-platform li { margin: 4px 0; }
.tk-app .tk-rule-text { font-size: 18px; color: #333; list-style: none; padding-left: 0; }
.tk-app .tk-swatch { display: inline-block; width: 18px; height: 18px; margin-right: 8px;
  vertical-align: -3px; border-radius: 3px; }
.tk-app .tk-method { font-size: 16px; color: #444; }
.tk-app h2 { font-size: 24px; margin: 14px 0 6px 0; }
</style>
"""


class PriorityApp(_App):
    """Priority rules (Prioriteringsregler).

    Pick a unit (a sample unit or an upload): its own arrivals, capacity and
    queues give a calibrated scenario (:func:`toolkit.simulate.calibrate`).
    Choose two or three priority rules and the parameters that matter
    (slots reserved for urgent and high need, an own target for urgent,
    capacity and demand changes, the horizon). Every rule is simulated with
    the same seed, so with the same referrals
    (:func:`toolkit.priority.compare_rules`, equal to
    :func:`toolkit.simulate.compare`), and the page shows, per rule, the mean
    and 90th-percentile wait per need class and stage and the share within
    target (a chart and a table), who waits longest, a plain-language
    sentence on the trade-off, the ethical platform and the reminder that no
    rule replaces the individual clinical assessment.
    """

    title_key = "widgets.priority.title"
    intro_key = "widgets.priority.intro"
    uses_tables = ("referrals", "visits")

    def __init__(self, lang: str = "sv") -> None:
        super().__init__(lang)
        self.source = UnitSource(self, self.update)
        self._build_controls()
        self._build_outputs()
        self.result: pd.DataFrame | None = None
        self._cache: dict[Any, pd.DataFrame] = {}
        self._specs: dict[Any, Any] = {}
        self._calibrated: tuple[Any, Scenario, pd.Timestamp, Any] | None = None
        self._guarded(self.update)()
        self._watch(
            self.rule_a,
            self.rule_b,
            self.rule_c,
            self.reserved_urgent,
            self.reserved_high,
            self.urgent_target,
            self.capacity_first,
            self.capacity_deep,
            self.demand,
            self.horizon,
        )
        self.container = self._layout()

    def _build_controls(self) -> None:
        """The rules compared and the parameters that matter, each with its label."""
        style = {"description_width": "initial"}
        self.rule_a = w.Dropdown(style=style, layout=w.Layout(width="460px"))
        self.rule_b = w.Dropdown(style=style, layout=w.Layout(width="460px"))
        self.rule_c = w.Dropdown(style=style, layout=w.Layout(width="460px"))
        self._options(self.rule_a, list(RULES), "widgets.priority.rule")
        self._options(self.rule_b, list(RULES), "widgets.priority.rule")
        self._options(self.rule_c, ["none", *RULES], "widgets.priority.rule")
        self.rule_a.value, self.rule_b.value, self.rule_c.value = "fcfs", "need", "none"

        def share_slider(value: float, low: float, high: float, fmt: str) -> w.FloatSlider:
            return w.FloatSlider(
                value=value,
                min=low,
                max=high,
                step=0.05,
                readout_format=fmt,
                continuous_update=False,
                style=style,
                layout=w.Layout(width="620px"),
            )

        self.reserved_urgent = share_slider(0.10, 0.0, 0.5, ".0%")
        self.reserved_high = share_slider(0.20, 0.0, 0.5, ".0%")
        self.capacity_first = share_slider(0.0, -0.3, 0.3, "+.0%")
        self.capacity_deep = share_slider(0.0, -0.3, 0.3, "+.0%")
        self.demand = share_slider(0.0, -0.3, 0.3, "+.0%")
        self.urgent_target = w.Dropdown(style=style, layout=w.Layout(width="460px"))
        self._label(
            self.urgent_target,
            lambda: [
                (
                    self._t("widgets.priority.urgent_target.stage")
                    if d == 0
                    else self._t("widgets.priority.urgent_target.days", days=d),
                    d,
                )
                for d in URGENT_TARGETS
            ],
            "options",
        )
        self.horizon = w.ToggleButtons(style={"button_width": "150px", **style})
        self._label(
            self.horizon,
            lambda: [(self._t("widgets.priority.weeks", weeks=h), h) for h in HORIZONS],
            "options",
        )
        self.horizon.value = 52
        for widget, css, key in (
            (self.rule_a, "tk-rule-a", "widgets.priority.rule_a"),
            (self.rule_b, "tk-rule-b", "widgets.priority.rule_b"),
            (self.rule_c, "tk-rule-c", "widgets.priority.rule_c"),
            (self.reserved_urgent, "tk-reserved-urgent", "widgets.priority.reserved_urgent"),
            (self.reserved_high, "tk-reserved-high", "widgets.priority.reserved_high"),
            (self.urgent_target, "tk-urgent-target", "widgets.priority.urgent_target_label"),
            (self.capacity_first, "tk-capacity-first", "widgets.priority.capacity_first"),
            (self.capacity_deep, "tk-capacity-deep", "widgets.priority.capacity_deep"),
            (self.demand, "tk-demand", "widgets.priority.demand"),
            (self.horizon, "tk-horizon", "widgets.priority.horizon"),
        ):
            widget.add_class(css)
            self._label(widget, key)

    def _build_outputs(self) -> None:
        """The rules' texts, the clinical note, the trade-off, the chart, the tables and the platform."""
        self.rule_text = w.HTML()
        self.rule_text.add_class("tk-rule-texts")
        self.params_heading = w.HTML()
        self._label(
            self.params_heading,
            lambda: f"<h2>{_esc(self._t('widgets.priority.params_heading'))}</h2>",
            "value",
        )
        self.note = w.HTML()
        self.rule_warning = w.HTML()
        self.rule_warning.add_class("tk-rule-warning")
        self.note.add_class("tk-clinical")
        self._label(
            self.note,
            lambda: (
                "<div class='tk-note tk-priority-note tk-clinical-note' role='note'>"
                f"{_esc(self._t('widgets.priority.clinical_note'))}</div>"
            ),
            "value",
        )
        self.tradeoff = w.HTML()
        self.tradeoff.add_class("tk-tradeoff-box")
        self.chart = LiveChart()
        self.chart.add_class("tk-main-chart")
        self.longest = w.HTML()
        self.longest.add_class("tk-longest")
        self.table_html = w.HTML()
        self.table_html.add_class("tk-priority-tables")
        self.platform = w.HTML()
        self.platform.add_class("tk-platform-box")
        self._label(self.platform, self._platform_html, "value")
        self.method = w.HTML()
        self.method.add_class("tk-method-box")

    def _layout(self) -> w.VBox:
        """The page: the unit and the controls, then the results."""
        controls = w.VBox(
            [
                self.source.box,
                w.HBox([self.rule_a, self.rule_b]),
                self.rule_c,
                self.rule_text,
                self.params_heading,
                self.reserved_urgent,
                self.reserved_high,
                self.urgent_target,
                self.capacity_first,
                self.capacity_deep,
                self.demand,
                self.horizon,
            ]
        )
        self._results(
            self.note, self.tradeoff, self.chart, self.longest, self.table_html, self.method
        )
        return self._frame(
            w.HTML(_CSS),
            controls,
            self.rule_warning,
            self.note,
            self.tradeoff,
            self.chart,
            self.longest,
            self.table_html,
            self.platform,
            self.method,
        )

    # ---- the calibrated scenario of the chosen unit
    def _scenario(self) -> tuple[Scenario, pd.Timestamp, Any]:
        from toolkit.targets import load_profile

        name, entry, unit = self.source.current()
        key = (name, id(unit))
        if self._calibrated is not None and self._calibrated[0] == key:
            return self._calibrated[1], self._calibrated[2], self._calibrated[3]
        profile = load_profile(entry.target_profile if entry is not None else "bup_30_30")
        sc = calibrate(unit, window_weeks=WINDOW_WEEKS, profile=profile)
        end = pd.Timestamp(unit.extract_date).normalize()
        self._calibrated = (key, sc, end, profile)
        self._cache.clear()
        return sc, end, profile

    def _rules(self) -> list[str]:
        rules = [str(self.rule_a.value), str(self.rule_b.value)]
        if self.rule_c.value != "none":
            rules.append(str(self.rule_c.value))
        twice = [r for i, r in enumerate(rules) if r in rules[:i]]
        # a rule chosen twice is compared once and the page says so: refusing
        # the whole comparison left the page deaf to unit changes and uploads
        self.rule_warning.value = (
            "<div class='tk-note' role='status'>"
            + _esc(self._t("widgets.priority.same_rule", rule=self._rule(twice[0])))
            + "</div>"
            if twice
            else ""
        )
        return list(dict.fromkeys(rules))

    def scenarios(self) -> list[Scenario]:
        """The scenarios of the current settings, one per chosen rule."""
        base, _end, _profile = self._scenario()
        reserved = {
            k: round(float(v), 6)
            for k, v in (("urgent", self.reserved_urgent.value), ("high", self.reserved_high.value))
            if k in base.classes
        }
        targets = {}
        if int(self.urgent_target.value) > 0 and "urgent" in base.classes:
            targets["urgent"] = float(self.urgent_target.value)
        return rule_scenarios(
            base,
            self._rules(),
            capacity_first_change=round(float(self.capacity_first.value), 6),
            capacity_deep_change=round(float(self.capacity_deep.value), 6),
            demand_change=round(float(self.demand.value), 6),
            reserved_shares=reserved,
            class_target_days=targets,
        )

    def settings(self) -> dict[str, int]:
        """Weeks, replications, seed and summarised last weeks of the current comparison."""
        weeks = int(self.horizon.value)
        return {
            "weeks": weeks,
            "replications": REPLICATIONS,
            "seed": SEED,
            "last_weeks": weeks // 2,
        }

    def update(self) -> None:
        """Simulate the chosen rules (cached per rule) and refresh every output."""
        scenarios = self.scenarios()
        s = self.settings()
        result = compare_rules(
            scenarios,
            s["weeks"],
            s["replications"],
            s["seed"],
            last_weeks=s["last_weeks"],
            cache=self._cache,
            lang=self.lang,
        )
        self.result = result
        _base, end, profile = self._scenario()
        rules = self._rules()
        # the chart first: it is sent to the page while the texts are written
        self._draw(result, rules, profile)
        self.rule_text.value = self._rule_text_html(rules)
        self.tradeoff.value = self._tradeoff_html(result, rules, scenarios[0])
        self.longest.value = self._longest_html(result, rules)
        self.table_html.value = self._tables_html(result, rules)
        self.method.value = self._method_html(result, scenarios[0], end)

    # ---- texts
    def _rule(self, code: str) -> str:
        return self._t(f"widgets.priority.rule.{code}")

    def _class(self, code: str, form: str = "class") -> str:
        key = f"widgets.priority.{form}.{code}"
        from toolkit.i18n import catalogue

        return self._t(key) if key in catalogue() else code

    def _stage(self, code: str) -> str:
        return self._t(f"widgets.priority.stage.{code}")

    def _weeks(self, value: float) -> str:
        return format_number(value, self.lang, 1)

    def _share(self, value: float) -> str:
        text = format_number(100 * value, self.lang, 0)
        return text if text == "–" else text + " %"

    def _rule_text_html(self, rules: list[str]) -> str:
        """Each compared rule with its colour in the chart (the chart's legend) and what it does."""
        items = "".join(
            f"<li data-rule='{r}'><span class='tk-swatch' style='background:{colour}'></span>"
            f"<b>{_esc(self._rule(r))}</b>: {_esc(self._t('widgets.priority.rule_help.' + r))}</li>"
            for r, colour in zip(rules, RULE_COLOURS, strict=False)
        )
        return f"<ul class='tk-rule-text'>{items}</ul>"

    def _platform_html(self) -> str:
        items = "".join(
            f"<li><b>{_esc(self._t('widgets.priority.platform.' + p + '.name'))}</b>: "
            f"{_esc(self._t('widgets.priority.platform.' + p + '.text'))}</li>"
            for p in ("dignity", "need", "cost")
        )
        return (
            "<div class='tk-platform'>"
            f"<h2>{_esc(self._t('widgets.priority.platform.heading'))}</h2>"
            f"<ol>{items}</ol>"
            f"<p>{_esc(self._t('widgets.priority.platform.order'))}</p>"
            f"<p><i>{_esc(self._t('widgets.priority.platform.source'))}</i></p></div>"
        )

    def _join(self, items: list[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + " " + self._t("widgets.priority.and") + " " + items[-1]

    def _tradeoff_html(self, result: pd.DataFrame, rules: list[str], base: Scenario) -> str:
        lines = []
        reference = rules[0]
        for other in rules[1:]:
            table = trade_off(result, reference, other)
            for stage in STAGES:
                rows = table[table["stage"].astype(str) == stage]
                classes = rows[rows["need_class"].astype(str) != ALL_CLASSES]
                pooled = rows[rows["need_class"].astype(str) == ALL_CLASSES].iloc[0]
                gains = [
                    self._class(k, "plural")
                    for k in classes.loc[classes["effect"] == "shorter", "need_class"].astype(str)
                ]
                costs = [
                    self._class(k, "plural")
                    for k in classes.loc[classes["effect"] == "longer", "need_class"].astype(str)
                ]
                kind = (
                    "both"
                    if gains and costs
                    else "gains"
                    if gains
                    else "costs"
                    if costs
                    else "same"
                )
                text = self._t(
                    f"widgets.priority.tradeoff.{kind}",
                    stage=self._stage(stage),
                    other=self._rule(other),
                    reference=self._rule(reference),
                    gains=self._join(gains),
                    costs=self._join(costs),
                    wait_ref=self._weeks(float(pooled["wait_reference"])),
                    wait_other=self._weeks(float(pooled["wait_other"])),
                    share_ref=self._share(float(pooled["share_reference"])),
                    share_other=self._share(float(pooled["share_other"])),
                )
                lines.append(
                    f"<li class='tk-tradeoff' data-other='{other}' data-stage='{stage}' "
                    f"data-kind='{kind}'>{_esc(text)}</li>"
                )
        closing = self._t("widgets.priority.no_capacity")
        one_class = ""
        if len(base.classes) == 1:
            one_class = f"<div class='tk-note tk-one-class'>{_esc(self._t('widgets.priority.one_class'))}</div>"
        heading = _esc(self._t("widgets.priority.tradeoff_heading"))
        return (
            f"<div class='tk-tradeoff'><h2>{heading}</h2><ul>{''.join(lines)}</ul>"
            f"<p><b>{_esc(closing)}</b></p>{one_class}</div>"
        )

    def _longest_html(self, result: pd.DataFrame, rules: list[str]) -> str:
        table = longest_waits(result)
        head = "".join(
            f"<th>{_esc(self._t('widgets.priority.longest.' + s))}</th>" for s in (*STAGES, PATHWAY)
        )
        body = []
        for rule in rules:
            rows = {str(r["stage"]): r for r in table[table["scenario"] == rule].to_dict("records")}
            cells = []
            for stage in (*STAGES, PATHWAY):
                if stage not in rows:
                    cells.append("<td>–</td>")
                    continue
                row = rows[stage]
                cls = str(row["need_class"])
                if not bool(row["served"]):
                    text = self._t("widgets.priority.longest.not_served", need=self._class(cls))
                elif stage == PATHWAY:
                    text = self._t(
                        "widgets.priority.longest.cell_pathway",
                        need=self._class(cls),
                        mean=self._weeks(float(row["wait_mean_weeks"])),
                    )
                else:
                    text = self._t(
                        "widgets.priority.longest.cell",
                        need=self._class(cls),
                        mean=self._weeks(float(row["wait_mean_weeks"])),
                        p90=self._weeks(float(row["wait_p90_weeks"])),
                    )
                cells.append(
                    f"<td class='tk-longest-cell' data-rule='{rule}' data-stage='{stage}' "
                    f"data-class='{_esc(cls)}'>{_esc(text)}</td>"
                )
            body.append(f"<tr><td>{_esc(self._rule(rule))}</td>{''.join(cells)}</tr>")
        heading = _esc(self._t("widgets.priority.longest_heading"))
        help_ = _esc(self._t("widgets.priority.longest_help"))
        return (
            f"<h2>{heading}</h2><table class='tk-table tk-longest-table'>"
            f"<tr><th>{_esc(self._t('widgets.priority.rule'))}</th>{head}</tr>"
            f"{''.join(body)}</table><p class='tk-method'>{help_}</p>"
        )

    def _tables_html(self, result: pd.DataFrame, rules: list[str]) -> str:
        measures = (MEAN_WAIT, "wait_p90_weeks", "share_within_target")
        wide = side_by_side(result, measures)
        parts = [f"<h2>{_esc(self._t('widgets.priority.table_heading'))}</h2>"]
        for stage in STAGES:
            rows = wide.loc[stage] if stage in wide.index.get_level_values(0) else None
            if rows is None:
                continue
            top = "".join(
                f"<th colspan='3' style='text-align:center'>{_esc(self._rule(r))}</th>"
                for r in rules
            )
            sub = "".join(
                f"<th>{_esc(self._t('widgets.priority.col.' + m))}</th>"
                for _ in rules
                for m in measures
            )
            body = []
            for cls, row in rows.iterrows():
                cells = []
                for r in rules:
                    for m in measures:
                        value = float(row[(r, m)])
                        text = (
                            self._share(value) if m == "share_within_target" else self._weeks(value)
                        )
                        cells.append(
                            f"<td class='tk-cell' data-rule='{r}' data-stage='{stage}' "
                            f"data-class='{_esc(cls)}' data-measure='{m}'>{text}</td>"
                        )
                label = self._class(str(cls))
                body.append(f"<tr><td>{_esc(label)}</td>{''.join(cells)}</tr>")
            parts.append(
                f"<h3 style='font-size:21px'>{_esc(self._stage(stage).capitalize())}</h3>"
                f"<table class='tk-table tk-priority-table' data-stage='{stage}'>"
                f"<tr><th></th>{top}</tr>"
                f"<tr><th>{_esc(self._t('widgets.priority.col.need_class'))}</th>{sub}</tr>"
                f"{''.join(body)}</table>"
            )
        return "".join(parts)

    def _method_html(self, result: pd.DataFrame, base: Scenario, end: pd.Timestamp) -> str:
        s = self.settings()
        load = base.load()
        text = self._t(
            "widgets.priority.method",
            replications=s["replications"],
            weeks=s["weeks"],
            seed=s["seed"],
            last=s["last_weeks"],
            window=WINDOW_WEEKS,
            end=end.strftime("%Y-%m-%d"),
            load_first=format_number(load["first_assessment"], self.lang, 2),
            load_deep=format_number(load["deep_start"], self.lang, 2),
        )
        notes: list[str] = []
        for note in result.attrs.get("notes", []):
            plain = note.split(": ", 1)[1] if ": " in note else note
            if plain not in notes:
                notes.append(plain)
        items = "".join(f"<li>{_esc(n)}</li>" for n in notes)
        extra = f"<ul class='tk-sim-notes'>{items}</ul>" if items else ""
        return f"<div class='tk-method'>{_esc(text)}{extra}</div>"

    # ---- the chart
    def _chart_data(self, result: pd.DataFrame, rules: list[str]) -> list[dict[Any, Any]]:
        """The chart's rows: one per rule, stage and need class (calculated values only)."""
        frame = result[result["scenario"].isin(rules)]
        data = pd.DataFrame(
            {
                "rule": [self._rule(r) for r in frame["scenario"]],
                "slot": [SLOTS[rules.index(r)] for r in frame["scenario"]],
                "stage": frame["stage"].astype(str).to_numpy(),
                "need": [self._class(str(k)) for k in frame["need_class"]],
                "mean": frame[MEAN_WAIT].to_numpy(dtype=float),
                "p90": frame["wait_p90_weeks"].to_numpy(dtype=float),
                "share": frame["share_within_target"].to_numpy(dtype=float),
            }
        )
        records = data.to_dict("records")
        for row in records:  # JSON has no NaN: a missing value is null
            for key in ("mean", "p90", "share"):
                if pd.isna(row[key]):
                    row[key] = None
        return records

    def _chart_spec(self, classes: list[str], aims: dict[str, float]) -> Any:
        """The Vega-Lite spec of the chart without its data (cached per language, classes, aims).

        The rows come from the named dataset ``priority_waits``, filled in
        by :meth:`_draw` at every update, so a control change sends new
        numbers without building and validating the chart again. The rules'
        names and colours are the legend above the chart
        (:meth:`_rule_text_html`) and in the tooltips.
        """
        key = (self.lang, tuple(classes), tuple(sorted(aims.items())))
        if key not in self._specs:
            labels = [self._class(k) for k in classes]
            self._specs[key] = charts.priority_spec(labels, aims, self.lang)
        return self._specs[key]

    def _draw(self, result: pd.DataFrame, rules: list[str], profile: Any) -> None:
        """Put the current numbers into the chart (a new spec for the offline JupyterChart)."""
        classes = [str(k) for k in result["need_class"].cat.categories]
        aims = {s: float(profile.stages[s].share_within) for s in STAGES if s in profile.stages}
        spec = dict(self._chart_spec(classes, aims))
        spec["datasets"] = {
            **spec.get("datasets", {}),
            "priority_waits": self._chart_data(result, rules),
        }
        self.chart.spec = spec
