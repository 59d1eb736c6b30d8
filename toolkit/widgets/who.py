"""Who waits? (Vem väntar?): waits per group of patients, with their intervals.

The page shows, for a chosen unit, grouping and stage, the table of the unit
report's section *Who waits?* (:func:`toolkit.report.who.who_waits_table`,
drawn by :func:`toolkit.report.who.who_waits_html`): the same unit, window
and settings give the same cells. Every number comes from
:func:`toolkit.equity.who_waits` (Wilson's interval for the share within
target, the order-statistic interval for the median) and, for the whole
unit's line, :func:`toolkit.unit_now.now_figures`.
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import ipywidgets as w
import pandas as pd
import traitlets

from toolkit import disclosure, equity, flow, privacy, unit_now
from toolkit.charts.workbooks import empty_chart, who_chart_spec
from toolkit.i18n import format_number as i18n_number
from toolkit.i18n import format_percent
from toolkit.report.who import who_waits_html, who_waits_shown, who_waits_table
from toolkit.targets import load_profile
from toolkit.widgets.base import UnitSource, _App, _esc, format_number

#: Smallest count shown in share mode when the page opens: the unit report's default.
THRESHOLD = privacy.DEFAULT_THRESHOLD
#: The largest threshold the page's box takes (the smallest is the reports', 2).
MAX_THRESHOLD = 100

#: The table's style: as the other workbooks' tables (``tk-table``), for the report's markup.
_CSS = """
<style>
.tk-app .tk-who-table table { border-collapse: collapse; font-size: 18px; }
.tk-app .tk-who-table td, .tk-app .tk-who-table th { border-bottom: 1px solid #ccc;
  padding: 4px 12px; text-align: right; }
.tk-app .tk-who-table th:first-child, .tk-app .tk-who-table td:first-child { text-align: left; }
.tk-app .tk-who-table td.hidden { color: #666; font-style: italic; }
</style>
"""


class WhoApp(_App):
    """Who waits? (Vem väntar?).

    Pick a unit (a sample unit or an upload), a grouping (need class,
    referral question, sex, age band), a stage, share mode and its threshold
    (a whole number from :data:`toolkit.privacy.MIN_THRESHOLD`, 5 at first,
    as the reports' ``threshold``). Shows the
    window and the target, the whole unit's figures, the table of groups
    (completed waits, median wait with its interval, share within target
    with its Wilson interval, waiting now), a sentence for each group whose
    figures are hidden or empty, and the chart of each group's interval
    against the whole unit's line.
    """

    title_key = "who_workbook.title"
    intro_key = "who_workbook.intro"
    uses_tables = ("referrals",)

    def __init__(self, lang: str = "sv") -> None:
        super().__init__(lang)
        style = {"description_width": "initial"}
        self.source = UnitSource(self, self.update)
        self.grouping = w.Dropdown(style=style, layout=w.Layout(width="520px"))
        self._label(
            self.grouping,
            lambda: [(self._t(f"equity.grouping.{g}"), g) for g in equity.GROUPINGS],
            "options",
        )
        self.grouping.value = "question"
        self.grouping.add_class("tk-who-grouping")
        self.stage = w.ToggleButtons(style={"button_width": "360px", **style})
        self._label(
            self.stage,
            lambda: [(self._t(f"flow.stage.{s}"), s) for s in flow.FLOW_STAGES],
            "options",
        )
        self.stage.add_class("tk-who-stage")
        self.measure = w.ToggleButtons(style={"button_width": "200px", **style})
        self._options(self.measure, ["share", "median"], "who_workbook.measure")
        self.measure.add_class("tk-who-measure")
        self.share = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"))
        self.share.add_class("tk-who-share")
        self.threshold = w.BoundedIntText(
            value=THRESHOLD,
            min=privacy.MIN_THRESHOLD,
            max=MAX_THRESHOLD,
            step=1,
            style=style,
            layout=w.Layout(width="360px", margin="0 0 0 24px"),
        )
        self.threshold.add_class("tk-who-threshold")
        # the threshold only matters in share mode: greyed out until it is ticked
        traitlets.dlink((self.share, "value"), (self.threshold, "disabled"), lambda on: not on)
        # the meeting material follows the page's share mode and threshold
        traitlets.link((self.share, "value"), (self.source.material.share, "value"))
        self.threshold.observe(self._material_threshold, names="value")
        for widget, key in (
            (self.grouping, "who_workbook.grouping"),
            (self.stage, "who_workbook.stage"),
            (self.measure, "who_workbook.measure"),
            (self.share, "who_workbook.share"),
            (self.threshold, "who_workbook.threshold"),
        ):
            self._label(widget, key)
        self.figures = w.HTML()
        self.figures.add_class("tk-who-figures")
        self.table_html = w.HTML()
        self.table_html.add_class("tk-who-table")
        self.notes = w.HTML()
        self.notes.add_class("tk-who-notes")
        self.chart = alt.JupyterChart(empty_chart())
        self.chart.add_class("tk-main-chart")
        self.legend = w.HTML()
        self.legend.add_class("tk-number-note")
        #: The rows shown now (one grouping and stage), for tests and the chart.
        self.rows: pd.DataFrame | None = None
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._guarded(self.update)()
        self._guarded(self._warm)()
        self._watch(self.grouping, self.stage, self.measure, self.share, self.threshold)
        share_box = w.HBox(
            [self.share, self.threshold],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        controls = w.VBox([self.source.box, self.grouping, self.stage, share_box, self.measure])
        self._results(self.figures, self.table_html, self.notes, self.chart, self.legend)
        self.container = self._frame(
            w.HTML(_CSS),
            controls,
            self.figures,
            self.table_html,
            self.notes,
            self.chart,
            self.legend,
        )

    # ---- numbers
    def _settings(self) -> tuple[Any, str, Any]:
        """(unit, target profile's name, period start) of the chosen unit, as the report takes them."""
        _name, entry, unit = self.source.current()
        profile = str(getattr(entry, "target_profile", None) or "bup_30_30")
        start = entry.extra.get("period_start") if entry is not None else None
        return unit, profile, start

    def _cached(self, unit: Any, key: tuple[Any, ...], make: Any) -> Any:
        """``make()`` once per ``unit`` and ``key``.

        The entry keeps the unit itself: while it is cached no other unit
        (a later upload) can take its ``id``.
        """
        full = (id(unit), *key)
        if full not in self._cache:
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[full] = (unit, make())
        return self._cache[full][1]

    def _now(self) -> unit_now.NowFigures:
        unit, profile, start = self._settings()
        return self._cached(
            unit,
            ("now", profile),
            lambda: unit_now.now_figures(
                unit, profile=load_profile(profile), period_start=start, lang=self.lang
            ),
        )

    def _table(self) -> pd.DataFrame:
        """:func:`who_waits_table` of the chosen grouping (both stages), as the report computes it."""
        unit, profile, start = self._settings()
        by, share, threshold = str(self.grouping.value), bool(self.share.value), self._threshold()
        return self._cached(
            unit,
            ("who", profile, by, share, threshold, self.lang),
            lambda: who_waits_table(
                unit,
                load_profile(profile),
                start,
                unit_now.DEFAULT_WINDOW_WEEKS,
                share=share,
                threshold=threshold,
                lang=self.lang,
                groupings=(by,),
            ),
        )

    def _warm(self) -> None:
        """Compute every grouping of the first unit while Voilà pre-heats the kernel.

        :func:`toolkit.equity.who_waits` takes about 0.1 s per grouping; done
        here, a participant's first change of grouping answers at once.
        """
        chosen = self.grouping.value
        self._busy = True
        try:
            for by in equity.GROUPINGS:
                self.grouping.value = by
                self._table()
        finally:
            self.grouping.value = chosen
            self._busy = False

    def update(self) -> None:
        """Recompute the chosen grouping and stage and refresh the figures, table, notes and chart."""
        table = self._table()  # first: a unit with counts only is refused here, with its message
        now = self._now()
        stage, share = str(self.stage.value), bool(self.share.value)
        rows = table[table["stage"] == stage].reset_index(drop=True)
        self.rows = rows
        whole = now.table[now.table["stage"] == stage].iloc[0]
        target_days = float(whole["target_days"])
        self._show_figures(now, whole, share)
        shown = who_waits_shown(rows, self.lang).drop(columns=["grouping", "stage"])
        self.table_html.value = who_waits_html(
            shown, share=share, threshold=self._threshold(), lang=self.lang
        )
        self._show_notes(rows, share)
        self._show_chart(rows, whole, target_days, share)

    def _material_threshold(self, change: Any) -> None:
        self.source.material.threshold = int(change["new"])

    def _threshold(self) -> int:
        """The threshold in the box (the box keeps it a whole number within its bounds)."""
        return int(self.threshold.value)

    # ---- display
    def _overall_hidden(self, whole: pd.Series, share: bool) -> bool:
        completed = int(whole["completed"])
        return share and int(disclosure.round_to_base([completed])[0]) < self._threshold()

    def _show_figures(self, now: unit_now.NowFigures, whole: pd.Series, share: bool) -> None:
        days = int(whole["target_days"])
        parts = [
            f"{_esc(self._t('who_workbook.window'))}: <span class='tk-who-window'>"
            f"{_esc(unit_now.window_text(now.window, self.lang))}</span>",
            f"{_esc(self._t('who_workbook.target'))}: <b class='tk-who-target'>"
            f"{_esc(self._t('who_workbook.target_days', days=days))}</b>",
        ]
        if self._overall_hidden(whole, share):
            overall = self._t("who_workbook.overall_hidden", threshold=self._threshold())
        else:
            completed = int(whole["completed"])
            if share:
                completed = int(disclosure.round_to_base([completed])[0])
            overall = self._t(
                "who_workbook.overall_figures",
                share=format_percent(whole["share_within_target"], self.lang),
                median=i18n_number(float(whole["median_wait_days"]), self.lang),
                completed=format_number(completed, self.lang, 0),
            )
        parts.append(
            f"{_esc(self._t('who_workbook.overall'))}: "
            f"<span class='tk-who-overall'>{_esc(overall)}</span>"
        )
        self.figures.value = "<div>" + "<br>".join(parts) + "</div>"

    def _show_notes(self, rows: pd.DataFrame, share: bool) -> None:
        head, lines = "", []
        if share:
            head = (
                f"<p class='tk-who-share-note'>"
                f"{_esc(self._t('who_workbook.share_note', threshold=self._threshold()))}</p>"
            )
        for _, row in rows.iterrows():
            if bool(row["hidden"]):
                text = self._t("who_workbook.hidden_group", group=row["group_label"],
                               threshold=self._threshold())  # fmt: skip
                lines.append(f"<li class='tk-who-hidden'>{_esc(text)}</li>")
            elif int(row["completed"]) == 0:
                text = self._t("who_workbook.no_waits", group=row["group_label"])
                lines.append(f"<li class='tk-who-empty'>{_esc(text)}</li>")
        items = f"<ul>{''.join(lines)}</ul>" if lines else ""
        self.notes.value = f"<div class='tk-note'>{head}{items}</div>" if head or items else ""

    def _show_chart(
        self, rows: pd.DataFrame, whole: pd.Series, target_days: float, share: bool
    ) -> None:
        measure = str(self.measure.value)
        stage = self._t(f"flow.stage.{self.stage.value}")
        column = "share_within_target" if measure == "share" else "median_wait_days"
        overall = math.nan if self._overall_hidden(whole, share) else float(whole[column])
        self.chart.spec = who_chart_spec(
            rows,
            measure=measure,
            overall=overall,
            target_days=target_days,
            title=self._t(f"who_workbook.chart_{measure}", stage=stage),
            axis_title=self._t(f"who_workbook.axis_{measure}"),
        )
        lines = [self._t("who_workbook.line_overall")] if math.isfinite(overall) else []
        if measure == "median":
            lines.append(self._t("who_workbook.line_target", days=int(target_days)))
        drawn = (~rows["hidden"] & (rows["completed"] > 0)).any()
        if not drawn:
            lines.insert(0, self._t("who_workbook.nothing_to_draw"))
        self.legend.value = f"<i class='tk-who-legend'>{_esc('; '.join(lines))}</i>"
