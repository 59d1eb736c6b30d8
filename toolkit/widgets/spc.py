"""Read your SPC chart (Läs ditt styrdiagram)."""

from __future__ import annotations

from typing import Any

import altair as alt
import ipywidgets as w
import numpy as np
import pandas as pd

from toolkit import charts
from toolkit.errors import DataError, ParameterError
from toolkit.widgets.base import (
    UnitSource,
    _App,
    _esc,
    format_number,
    last_date,
    step_buttons,
)

# --------------------------------------------------------------------------- SPC


#: Measures offered by the SPC workbook: code -> (stage, column, improvement, charts).
SPC_MEASURES: dict[str, tuple[str, str, str | None, tuple[str, ...]]] = {
    "waiting_first": ("first_assessment", "waiting_end", "decrease", ("xmr", "run", "c")),
    "waiting_deep": ("deep_start", "waiting_end", "decrease", ("xmr", "run", "c")),
    "arrivals_first": ("first_assessment", "arrivals", None, ("xmr", "run", "c")),
    "completions_first": ("first_assessment", "completions", "increase", ("xmr", "run", "c")),
    "median_wait_first": ("first_assessment", "median_wait_days", "decrease", ("xmr", "run")),
    "within_first": ("first_assessment", "share_within_target", "increase", ("p", "xmr", "run")),
    "within_deep": ("deep_start", "share_within_target", "increase", ("p", "xmr", "run")),
}

_RULES = (
    "rule_outside_limits",
    "rule_run",
    "rule_trend",
    "rule_two_of_three",
    "rule_long_run",
    "rule_few_crossings",
)

_ICON_COLOURS = {
    "common_cause": charts.SPC_COLOURS["common_cause"],
    "improvement": charts.SPC_COLOURS["improvement"],
    "concern": charts.SPC_COLOURS["concern"],
    "neither": charts.SPC_COLOURS["neither"],
    "neutral_high": charts.SPC_COLOURS["neutral_high"],
    "neutral_low": charts.SPC_COLOURS["neutral_low"],
    "consistent_pass": charts.SPC_COLOURS["improvement"],
    "consistent_fail": charts.SPC_COLOURS["concern"],
    "inconsistent": "#7f7f7f",
}


def spc_series(flow: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The weekly series of one SPC workbook measure from :func:`toolkit.flow.weekly_flow`.

    Returns a table with ``period``, ``value`` and, for shares, ``events``
    (completed within target, rounded) and ``cases`` (completed); periods
    where the measure is undefined (no completions) are left out.

    >>> flow = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2024-01-08"]),
    ...     "stage": ["first_assessment"] * 2, "completions": [4, 0],
    ...     "share_within_target": [0.75, float("nan")]})
    >>> spc_series(flow, "within_first")[["value", "events", "cases"]].to_dict("list")
    {'value': [0.75], 'events': [3], 'cases': [4]}
    """
    stage, column, _improvement, _charts = SPC_MEASURES[measure]
    rows = flow[flow["stage"].astype(str) == stage]
    out = pd.DataFrame(
        {"period": rows["period"].to_numpy(), "value": rows[column].to_numpy(dtype=float)}
    )
    if column == "share_within_target":
        out["cases"] = rows["completions"].to_numpy(dtype="int64")
        out = out[(out["cases"] > 0) & out["value"].notna()].copy()
        out["events"] = np.rint(out["value"].to_numpy() * out["cases"].to_numpy()).astype("int64")
        out = out[["period", "value", "events", "cases"]]
    return out[np.isfinite(out["value"].to_numpy())].reset_index(drop=True)


class SpcApp(_App):
    """Read your SPC chart (Läs ditt styrdiagram).

    Pick a unit (a sample unit or an upload), a measure, a chart type and a
    rule set; rebase at a change date; set a target. Shows the chart, the
    variation and assurance icons and one plain-language sentence per rule
    that fired.
    """

    title_key = "widgets.spc.title"
    intro_key = "widgets.spc.intro"
    uses_tables = ("referrals",)

    def __init__(self, lang: str = "sv") -> None:
        super().__init__(lang)
        style = {"description_width": "initial"}
        self.source = UnitSource(self, self.update)
        self.measure = w.Dropdown(style=style, layout=w.Layout(width="620px"))
        self._options(self.measure, list(SPC_MEASURES), "widgets.spc.measure")
        self.measure.value = "waiting_first"
        self.measure.add_class("tk-measure")
        self.chart_type = w.Dropdown(style=style, layout=w.Layout(width="420px"))
        self.rules = w.ToggleButtons(
            style={"button_width": "200px", "description_width": "initial"}
        )
        self._options(self.rules, ["mdc", "anhoej"], "widgets.spc.rules")
        self.rules.add_class("tk-rules")
        self.chart_type.add_class("tk-chart-type")
        self.rebase = w.SelectionSlider(
            options=[("–", "")],
            style=style,
            continuous_update=False,
            layout=w.Layout(width="760px"),
        )
        self.rebase.add_class("tk-rebase")
        self.use_target = w.Checkbox(value=False, style=style, indent=False)
        self.use_target.add_class("tk-use-target")
        self.target = w.FloatText(value=0.0, style=style, layout=w.Layout(width="300px"))
        self.target.add_class("tk-target")
        for widget, key in (
            (self.measure, "widgets.spc.measure_label"),
            (self.chart_type, "widgets.spc.chart_label"),
            (self.rules, "widgets.spc.rules_label"),
            (self.rebase, "widgets.spc.rebase_label"),
            (self.use_target, "widgets.spc.use_target"),
            (self.target, "widgets.spc.target_label"),
        ):
            self._label(widget, key)
        self.figures = w.HTML()
        self.figures.add_class("tk-spc-figures")
        self.icons = w.HTML()
        self.icons.add_class("tk-spc-icons")
        self.sentences = w.HTML()
        self.sentences.add_class("tk-spc-rules")
        self.chart = alt.JupyterChart(charts.empty_chart())
        self.chart.add_class("tk-main-chart")
        self.table: pd.DataFrame | None = None
        self._series_key: tuple[Any, ...] | None = None
        #: Target per measure (shown, value): a target belongs to its measure.
        self._targets: dict[str, tuple[bool, float]] = {}
        self._set_chart_options()
        self._guarded(self._refresh_series)()
        self._guarded(self.update)()
        self._guarded(self._warm_layouts)()
        self.measure.observe(self._measure_changed, names="value")
        self._watch(self.chart_type, self.rules, self.rebase, self.use_target, self.target)
        controls = w.VBox(
            [
                self.source.box,
                self.measure,
                self.chart_type,
                self.rules,
                step_buttons(self, self.rebase),
                w.HBox([self.use_target, self.target]),
            ]
        )
        self._results(self.figures, self.icons, self.chart, self.sentences)
        self.container = self._frame(controls, self.figures, self.icons, self.chart, self.sentences)

    # ---- controls that depend on the data
    def _set_chart_options(self) -> None:
        allowed = SPC_MEASURES[str(self.measure.value)][3]
        current = self.chart_type.value if self.chart_type.options else None
        self._labels = [
            entry
            for entry in self._labels
            if entry[0] is not self.chart_type or entry[1] != "options"
        ]
        self._busy = True
        try:
            self._options(self.chart_type, list(allowed), "widgets.spc.chart")
            self.chart_type.value = current if current in allowed else allowed[0]
        finally:
            self._busy = False

    def _measure_changed(self, change: Any) -> None:
        if self._busy:
            return
        self._swap_target(str(change["old"]), str(change["new"]))
        self._set_chart_options()
        self._guarded(self._refresh_series)()
        self._guarded(self._update_and_clear)()

    def _swap_target(self, old: str, new: str) -> None:
        """Keep the target of the measure left; show the target of the measure picked.

        A 90 % target of a share must not become 90 referrals a week: each
        measure has its own target, off until one is set for it.
        """
        self._targets[old] = (bool(self.use_target.value), float(self.target.value))
        shown, value = self._targets.get(new, (False, 0.0))
        self._busy = True
        try:
            self.use_target.value = shown
            self.target.value = value
        finally:
            self._busy = False

    def unit_changed(self) -> None:
        self._busy = True
        try:
            self.rebase.value = ""  # a change date belongs to a unit
        finally:
            self._busy = False
        self._refresh_series()
        self.update()

    def _series(self) -> pd.DataFrame:
        from toolkit.flow import weekly_flow

        name, entry, unit = self.source.current()
        profile = entry.target_profile if entry is not None else None
        key = (name, id(unit), str(self.measure.value))
        if self._series_key == key and self._series_cache is not None:
            return self._series_cache
        start = entry.extra.get("period_start") if entry is not None else None
        end = last_date(unit) if entry is None else None
        flow = weekly_flow(unit, "W", profile=profile, start=start, end=end, lang=self.lang)
        series = spc_series(flow, str(self.measure.value))
        if len(series) < 2:
            raise ParameterError(
                "widgets.spc.no_points", argument="measure", lang=self.lang, count=len(series)
            )
        self._series_key, self._series_cache = key, series
        return series

    _series_cache: pd.DataFrame | None = None

    def _refresh_series(self) -> None:
        """Reset the rebase choices for the current unit and measure."""
        series = self._series()
        periods = pd.to_datetime(series["period"])
        # a rebase leaves at least 12 points on each side (Making Data Count's minimum)
        choices = periods.iloc[12 : max(12, len(periods) - 11)]
        old = self.rebase.value
        self._busy = True
        try:

            def getter() -> list[tuple[str, str]]:
                dates = [d.strftime("%Y-%m-%d") for d in choices]
                return [(self._t("widgets.spc.no_rebase"), "")] + [(d, d) for d in dates]

            self._labels = [
                e for e in self._labels if not (e[0] is self.rebase and e[1] == "options")
            ]
            self._label(self.rebase, getter, "options")
            values = [v for _, v in self.rebase.options]
            self.rebase.value = old if old in values else ""
        finally:
            self._busy = False

    def update(self) -> None:
        """Recompute the SPC table and refresh chart, figures, icons and sentences."""
        from toolkit.spc import spc, spc_summary

        if self._series_key is None or self._series_key[2] != str(self.measure.value):
            self._refresh_series()
        series = self._series()
        code = str(self.measure.value)
        _stage, _column, improvement, _charts = SPC_MEASURES[code]
        kind = str(self.chart_type.value)
        is_share = "events" in series.columns
        data = series
        value = "value"
        denominator = None
        if kind == "p":
            value, denominator = "events", "cases"
        target = float(self.target.value) if self.use_target.value else None
        if target is not None and is_share and target > 1:
            target = target / 100.0  # a share target typed in per cent
        rebase = [pd.Timestamp(self.rebase.value)] if self.rebase.value else None
        table = spc(
            data,
            value=value,
            date="period",
            chart=kind,
            rules=str(self.rules.value),
            improvement=improvement,
            target=target,
            rebase=rebase,
            denominator=denominator,
        )
        self.table = table
        summary = spc_summary(table).iloc[0]
        title = self._t(f"widgets.spc.measure.{code}")
        notes, note_error = self._pdsa_notes(table)
        self.chart.spec = charts.spc_spec(
            table,
            self.lang,
            pdsa=notes,
            title=title,
            width=760,
            height=320,
            style=self._chart_style,
        )
        self._show_figures(table, summary, is_share)
        self._show_icons(summary, table)
        self._show_sentences(table, is_share)
        if note_error:
            self.sentences.value += f"<div class='tk-note tk-pdsa-note'>{_esc(note_error)}</div>"

    def _warm_layouts(self) -> None:
        """Build the chart layouts a participant reaches first, before the page opens.

        :func:`toolkit.charts.spc_spec` builds and validates a layout (median
        or limits, rebase lines, target) the first time it is drawn, about
        100 ms; done here, while Voilà pre-heats the kernel, the first move of
        the chart type, rebase or target control answers as fast as the rest.
        """
        from toolkit.spc import spc

        series = self._series()
        periods = pd.to_datetime(series["period"])
        middle = [periods.iloc[len(periods) // 2]]
        notes, _ = self._pdsa_notes(self.table) if self.table is not None else (None, "")
        improvement = SPC_MEASURES[str(self.measure.value)][2]
        for kind in ("run", "xmr"):
            for rebase in (None, middle):
                for target in (None, float(series["value"].mean())):
                    table = spc(
                        series,
                        value="value",
                        date="period",
                        chart=kind,
                        rebase=rebase,
                        target=target,
                        improvement=improvement,
                    )
                    charts.spc_spec(
                        table, self.lang, pdsa=notes, width=760, height=320, style=self._chart_style
                    )

    def _pdsa_notes(self, table: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
        """Change dates of the sample unit's saved PDSA log (the PDSA workbook's file), if any.

        Returns the annotations for :func:`toolkit.charts.spc_chart` (cycles
        followed on this measure or on the whole unit, within the chart's
        weeks) and a message when the log exists but cannot be read.
        """
        from toolkit import pdsa

        _name, entry, _unit = self.source.current()
        path = pdsa.log_path(entry.id) if entry is not None else None
        if path is None or not path.is_file():
            return None, ""
        try:
            log = pdsa.read_log(path, lang=self.lang)
        except DataError as exc:
            return None, self._t("widgets.pdsa.spc_log_unreadable", message=exc.message(self.lang))
        end = pd.Timestamp(table["period"].max()) + pd.Timedelta(days=6)
        notes = pdsa.annotations(
            log, measure=str(self.measure.value), start=table["period"].min(), end=end
        )
        return notes, ""

    def _fmt(self, value: float, is_share: bool) -> str:
        if is_share:
            return format_number(100 * value, self.lang, 1) + " %"
        return format_number(value, self.lang, 1)

    def _show_figures(self, table: pd.DataFrame, summary: pd.Series, is_share: bool) -> None:
        last_part = table[table["part"] == table["part"].max()]
        centre = float(last_part["centre"].iloc[-1])
        lower = float(last_part["lower"].iloc[-1])
        upper = float(last_part["upper"].iloc[-1])
        items = [
            ("points", format_number(len(table), self.lang, 0), "tk-points"),
            ("centre", self._fmt(centre, is_share), "tk-centre"),
            ("lower", self._fmt(lower, is_share), "tk-lower"),
            ("upper", self._fmt(upper, is_share), "tk-upper"),
            ("last", self._fmt(float(summary["value"]), is_share), "tk-last"),
        ]
        parts = [
            f"{_esc(self._t('widgets.spc.fig.' + key))}: <b class='{cls}'>{_esc(text)}</b>"
            for key, text, cls in items
        ]
        self.figures.value = "<div class='tk-figures'>" + " &nbsp;·&nbsp; ".join(parts) + "</div>"

    def _show_icons(self, summary: pd.Series, table: pd.DataFrame) -> None:
        """The variation icon of the latest point, the chart's special causes, the assurance.

        As Making Data Count's variation icon, the badge names the latest
        point's variation (NHSRplotthedots ``ptd_get_icons``: the point type
        of the last point); the line beside it counts the special-cause points
        of the whole chart, so that a grey latest point over a chart full of
        signals is not read as "nothing happened".
        """
        variation = str(summary["variation"])
        side = summary["variation_side"]
        text = self._t(f"spc.point_type.{variation}")
        if isinstance(side, str):
            text += f" ({self._t('widgets.spc.side.' + side)})"
        when = pd.Timestamp(summary["period"]).strftime("%Y-%m-%d")
        icons = [
            f"<span class='tk-icon tk-variation' data-code='{variation}' "
            f"style='background:{_ICON_COLOURS[variation]}'>"
            f"{_esc(self._t('spc.latest_point', date=when, variation=text))}</span>"
        ]
        icons.append(
            f"<span class='tk-spc-chart-summary'>{_esc(self._chart_summary(table))}</span>"
        )
        assurance = summary["assurance"]
        if isinstance(assurance, str):
            icons.append(
                f"<span class='tk-icon tk-assurance' data-code='{assurance}' "
                f"style='background:{_ICON_COLOURS[assurance]}'>"
                f"{_esc(self._t('widgets.spc.assurance'))}: "
                f"{_esc(self._t('spc.assurance.' + assurance))}</span>"
            )
        else:
            icons.append(
                f"<span class='tk-no-assurance'>{_esc(self._t('widgets.spc.no_assurance'))}</span>"
            )
        self.icons.value = "<div>" + "".join(icons) + "</div>"

    def _chart_summary(self, table: pd.DataFrame) -> str:
        """One sentence on the special-cause points of the whole chart."""
        types = table["point_type"].astype(str)
        special = types[types != "common_cause"]
        total = len(table)
        if special.empty:
            return self._t("spc.chart_special.none", total=total)
        counts = special.value_counts()
        kinds = ", ".join(
            self._t("spc.chart_special.kind", count=int(counts[code]),
                    kind=self._t(f"spc.kind.{code}"))
            for code in ("improvement", "concern", "neutral_high", "neutral_low", "neither")
            if code in counts.index
        )  # fmt: skip
        latest = pd.Timestamp(table.loc[special.index[-1], "period"]).strftime("%Y-%m-%d")
        key = "spc.chart_special.one" if len(special) == 1 else "spc.chart_special.many"
        text = self._t(key, count=len(special), total=total, kinds=kinds, date=latest)
        if types.iloc[-1] == "common_cause":
            text += " " + self._t("spc.chart_special.earlier")
        return text

    def _show_sentences(self, table: pd.DataFrame, is_share: bool) -> None:
        lines = []
        for rule in _RULES:
            flags = table[rule]
            fired = flags.fillna(False).to_numpy(dtype=bool)
            if not fired.any():
                continue
            periods = pd.to_datetime(table.loc[fired, "period"])
            last = periods.max().strftime("%Y-%m-%d")
            lines.append(
                f"<li class='tk-rule' data-rule='{rule}'>"
                + _esc(self._t(f"widgets.spc.sentence.{rule}", count=int(fired.sum()), last=last))
                + "</li>"
            )
        if not lines:
            lines.append(
                f"<li class='tk-rule' data-rule='none'>{_esc(self._t('widgets.spc.sentence.none'))}</li>"
            )
        heading = _esc(self._t("widgets.spc.rules_fired"))
        self.sentences.value = f"<div><b>{heading}</b><ul>{''.join(lines)}</ul></div>"
