"""Voilà applications for workshops: each an object with a ``.container``.

A workbook notebook in ``notebooks/workbooks/`` is two lines: import an
application class from here and display its ``container``. Every application

- starts in Swedish, with a language switch (sv/en) at the top that relabels
  every control and text in place;
- updates existing outputs in its callbacks (an offline
  :class:`altair.JupyterChart` whose ``chart`` is replaced, HTML widgets for
  numbers, icons and sentences), never re-displays;
- catches every error in a callback and shows a readable message in the page:
  the loader's or the parameter check's own message for a
  :class:`~toolkit.errors.DataError` or :class:`~toolkit.errors.ParameterError`,
  a generic message with the details in a collapsed box for anything else.
  A page never shows a traceback;
- watches its connection to the kernel and asks for a reload when the kernel
  has died.

Charts are drawn offline: :meth:`altair.JupyterChart.enable_offline` is called
when this module is imported, so no script is fetched from a CDN (see
TECH_NOTES.md).

Presentation only: every number comes from the calculation modules.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import altair as alt
import anywidget
import ipywidgets as w
import numpy as np
import pandas as pd
import traitlets

from toolkit import charts
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import check_language, t

alt.JupyterChart.enable_offline()

__all__ = [
    "SpcApp",
    "UnitSource",
    "format_number",
    "sample_units",
]

#: Folder of the synthetic sample units (the repository's ``sample_data``).
SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"

#: Style for projector legibility: large type on every control and text.
_CSS = """
<style>
.tk-app { font-size: 18px; max-width: 1100px; }
.tk-app .widget-label, .tk-app .widget-readout, .tk-app .widget-html-content,
.tk-app .widget-dropdown select, .tk-app .widget-toggle-button, .tk-app button,
.tk-app input, .tk-app .widget-checkbox label { font-size: 18px !important; }
.tk-app .widget-html-content { line-height: 1.4; }
.tk-app h1 { font-size: 32px; margin: 4px 0 8px 0; }
.tk-app .tk-intro { font-size: 18px; color: #333; }
.tk-app .tk-figures { font-size: 22px; }
.tk-app .tk-figures b { font-size: 26px; }
.tk-app .tk-error { background: #fde8e8; border-left: 6px solid #c81e1e; padding: 8px 12px;
  font-size: 20px; white-space: pre-wrap; }
.tk-app .tk-note { background: #fff8e1; border-left: 6px solid #e6a700; padding: 8px 12px; }
.tk-app .tk-icon { display: inline-block; padding: 6px 14px; border-radius: 20px; color: white;
  font-weight: bold; margin: 4px 8px 4px 0; }
.tk-app .tk-rule { margin: 4px 0; }
.tk-app table.tk-table { border-collapse: collapse; font-size: 18px; }
.tk-app table.tk-table td, .tk-app table.tk-table th { border-bottom: 1px solid #ccc;
  padding: 4px 12px; text-align: right; }
.tk-app table.tk-table th:first-child, .tk-app table.tk-table td:first-child { text-align: left; }
.tk-lost { position: fixed; top: 0; left: 0; right: 0; z-index: 1000; background: #c81e1e;
  color: white; font-size: 22px; padding: 14px 20px; }
</style>
"""


def _esc(text: Any) -> str:
    return html.escape(str(text))


def format_number(value: float, lang: str, digits: int = 1) -> str:
    """A number as users read it: decimal comma and thin space in Swedish.

    >>> format_number(1234.56, "sv")
    '1\\xa0234,6'
    >>> format_number(1234.56, "en", 0)
    '1,235'
    >>> format_number(float("nan"), "en")
    '–'
    """
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


# --------------------------------------------------------------------------- sample units


def sample_units() -> list[Any]:
    """The synthetic sample units of ``sample_data/units.yaml`` (empty when absent)."""
    from toolkit.manifest import read_manifest

    path = SAMPLE_DATA / "units.yaml"
    if not path.exists():
        return []
    return read_manifest(path)


@functools.cache
def _load_sample(unit_id: str) -> tuple[Any, Any]:
    """Load a sample unit once per kernel (the same data for every control change)."""
    from toolkit.io import load_unit

    entry = next(e for e in sample_units() if e.id == unit_id)
    return entry, load_unit(entry.path, extract_date=entry.extract_date)


def last_date(unit: Any) -> pd.Timestamp | None:
    """The latest date in an uploaded unit's tables: its flow ends there, not today.

    >>> class U:
    ...     tables = {"referrals": pd.DataFrame({"received": pd.to_datetime(["2024-03-01"]),
    ...                                          "closed": pd.to_datetime(["2024-05-02"])})}
    >>> last_date(U())
    Timestamp('2024-05-02 00:00:00')
    """
    latest: list[pd.Timestamp] = []
    for table in unit.tables.values():
        for column in table.columns:
            if pd.api.types.is_datetime64_any_dtype(table[column]) and table[column].notna().any():
                latest.append(pd.Timestamp(table[column].max()))
    return max(latest) if latest else None


# --------------------------------------------------------------------------- kernel watch

_HEARTBEAT_ESM = """
export default {
  render({ model, el }) {
    const start = Date.now();
    let last = 0;
    el.className = "tk-lost";
    el.innerHTML = model.get("message");
    el.style.display = "none";
    el.setAttribute("role", "alert");
    model.on("msg:custom", (msg) => {
      if (msg && msg.type === "pong") { last = Date.now(); el.style.display = "none"; }
    });
    const timer = setInterval(() => {
      try { model.send({ type: "ping" }); } catch (e) { /* connection closed */ }
      const now = Date.now();
      const lost = last > 0 ? now - last > model.get("timeout_ms") : now - start > 4 * model.get("timeout_ms");
      if (lost) { el.style.display = "block"; }
    }, model.get("interval_ms"));
    return () => clearInterval(timer);
  }
};
"""


class Heartbeat(anywidget.AnyWidget):
    """A hidden widget that pings the kernel and shows a banner when it stops answering.

    A killed or restarted kernel no longer knows the page's widgets, so the
    pings go unanswered and after ``timeout_ms`` the page shows, in both
    languages, that the workbook must be reloaded.
    """

    _esm = _HEARTBEAT_ESM
    message = traitlets.Unicode("").tag(sync=True)
    timeout_ms = traitlets.Int(8000).tag(sync=True)
    interval_ms = traitlets.Int(2000).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = (
            f"{_esc(t('widgets.kernel_lost', 'sv'))}<br>{_esc(t('widgets.kernel_lost', 'en'))}"
        )
        self.on_msg(self._answer)

    def _answer(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            self.send({"type": "pong"})


# --------------------------------------------------------------------------- base application


class _App:
    """Common frame: title, language switch, error box, relabelling, guarded callbacks."""

    title_key = "widgets.title"
    intro_key = "widgets.intro"

    def __init__(self, lang: str = "sv") -> None:
        self.lang = check_language(lang)
        self._labels: list[tuple[Any, str, Callable[[], Any]]] = []
        self._busy = False
        self.lang_switch = w.ToggleButtons(
            options=[("Svenska", "sv"), ("English", "en")],
            value=self.lang,
            layout=w.Layout(width="auto"),
            style={"button_width": "120px"},
        )
        self.lang_switch.add_class("tk-lang")
        self.title = w.HTML()
        self.intro = w.HTML()
        self.error = w.HTML()
        self.error.add_class("tk-error-box")
        self.error.add_class("tk-message")
        self.details_text = w.HTML()
        self.details = w.Accordion(children=[self.details_text])
        self.details.selected_index = None
        self.details.layout.display = "none"
        self.heartbeat = Heartbeat()
        self._label(self.title, lambda: f"<h1>{_esc(self._t(self.title_key))}</h1>", "value")
        self._label(
            self.intro,
            lambda: f"<div class='tk-intro'>{_esc(self._t(self.intro_key))}</div>",
            "value",
        )
        self.lang_switch.observe(self._on_lang, names="value")

    # ---- texts
    def _t(self, key: str, **fields: Any) -> str:
        return t(key, self.lang, **fields)

    def _label(self, widget: Any, text: str | Callable[[], Any], attr: str = "description") -> None:
        """Register a text of a widget attribute; it follows the language switch."""
        getter: Callable[[], Any] = (lambda: self._t(text)) if isinstance(text, str) else text
        self._labels.append((widget, attr, getter))
        if attr == "options":
            self._set_options(widget, getter())
        else:
            setattr(widget, attr, getter())

    @staticmethod
    def _set_options(widget: Any, options: list[tuple[str, Any]]) -> None:
        """New option labels; keep the value when still offered, else take the first."""
        value = widget.value
        widget.options = options
        codes = [code for _, code in options]
        if codes:
            widget.value = value if value in codes else codes[0]

    def _options(self, widget: Any, codes: Sequence[Any], prefix: str) -> None:
        """Dropdown/toggle options labelled from the catalogue, relabelled with the language."""
        self._label(widget, lambda: [(self._t(f"{prefix}.{c}"), c) for c in codes], "options")

    def _relabel(self) -> None:
        self._busy = True
        try:
            for widget, attr, getter in self._labels:
                if attr == "options":
                    self._set_options(widget, getter())
                else:
                    setattr(widget, attr, getter())
        finally:
            self._busy = False

    def _on_lang(self, change: Any) -> None:
        self.lang = change["new"]
        self._guarded(self._relabel)()
        self._guarded(self.update)()

    # ---- errors
    def _show_error(self, text: str, details: str | None = None) -> None:
        self.error.value = f"<div class='tk-error' role='alert'>{_esc(text)}</div>"
        if details:
            self.details_text.value = f"<pre>{_esc(details)}</pre>"
            self.details.set_title(0, self._t("widgets.details"))
            self.details.selected_index = None
            self.details.layout.display = ""
        else:
            self.details.layout.display = "none"

    def _clear_error(self) -> None:
        self.error.value = ""
        self.details.layout.display = "none"

    def _guarded(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` with every exception turned into a message in the page."""

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                result = fn(*args, **kwargs)
            except (DataError, ParameterError) as exc:
                self._show_error(exc.message(self.lang))
                return None
            except Exception as exc:
                self._show_error(self._t("widgets.unexpected"), f"{type(exc).__name__}: {exc}")
                return None
            return result

        return run

    def _watch(self, *widgets: Any) -> None:
        """Run :meth:`update` (guarded) when any of ``widgets`` changes value."""

        def changed(_change: Any) -> None:
            if not self._busy:
                self._guarded(self._update_and_clear)()

        for widget in widgets:
            widget.observe(changed, names="value")

    def _update_and_clear(self) -> None:
        self.update()
        self._clear_error()

    def unit_changed(self) -> None:
        """A new unit was picked or uploaded (override to reset data-dependent controls)."""
        self.update()

    def update(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _frame(self, *children: Any) -> w.VBox:
        box = w.VBox(
            [
                w.HTML(_CSS),
                self.heartbeat,
                w.HBox([self.lang_switch], layout=w.Layout(justify_content="flex-end")),
                self.title,
                self.intro,
                self.error,
                self.details,
                *children,
            ]
        )
        box.add_class("tk-app")
        return box

    def _chart_style(self, chart: Any) -> Any:
        """Large fonts for a projector."""
        return (
            chart.configure_axis(labelFontSize=15, titleFontSize=17)
            .configure_legend(
                labelFontSize=15, titleFontSize=15, labelLimit=420, orient="bottom", columns=2
            )
            .configure_title(fontSize=19)
        )


# --------------------------------------------------------------------------- unit source


class UnitSource:
    """Pick a sample unit or upload a unit's own export; loaded by :func:`toolkit.io.load_unit`.

    An upload that the loader refuses shows the loader's message through
    ``on_error`` and leaves the previous unit in use.
    """

    def __init__(self, app: _App, on_change: Callable[[], None]) -> None:
        self.app = app
        self.on_change = on_change
        self.entries = sample_units()
        self.uploaded: tuple[str, Any] | None = None
        style = {"description_width": "initial"}
        self.choice = w.Dropdown(style=style, layout=w.Layout(width="620px"))
        self.choice.add_class("tk-unit")
        self.upload = w.FileUpload(
            accept=".csv,.txt,.xlsx,.xlsm", multiple=True, layout=w.Layout(width="auto")
        )
        self.upload.add_class("tk-upload")
        self.upload_label = w.HTML()
        self.status = w.HTML()
        app._label(self.choice, "widgets.unit")
        app._label(self.upload, "widgets.upload_button")
        app._label(
            self.upload_label, lambda: f"<i>{_esc(app._t('widgets.upload_help'))}</i>", "value"
        )
        self._options()
        self.choice.observe(self._picked, names="value")
        self.upload.observe(self._uploaded, names="value")
        self.box = w.VBox([self.choice, self.status, w.HBox([self.upload, self.upload_label])])
        app._label(self.status, self._description, "value")

    def _options(self) -> None:
        def opts() -> list[tuple[str, str]]:
            out = [(e.name, e.id) for e in self.entries]
            if self.uploaded is not None:
                out.append((self.app._t("widgets.own_unit", name=self.uploaded[0]), "__upload__"))
            return out

        self.app._label(self.choice, opts, "options")

    def current(self) -> tuple[str, Any, Any]:
        """(display name, entry or None, UnitData) of the chosen unit."""
        if self.choice.value == "__upload__" and self.uploaded is not None:
            return self.uploaded[0], None, self.uploaded[1]
        entry, unit = _load_sample(str(self.choice.value))
        return entry.name, entry, unit

    def _picked(self, _change: Any) -> None:
        if not self.app._busy:
            self.app._guarded(self._changed)()

    def _changed(self) -> None:
        self.status.value = ""
        self.app.unit_changed()
        self.app._clear_error()
        self._describe()

    def _describe(self) -> None:
        self.status.value = self._description()

    def _description(self) -> str:
        if self.choice.value == "__upload__" and self.uploaded is not None:
            text = self.app._t("widgets.upload_ok", name=self.uploaded[0])
        else:
            entry = next((e for e in self.entries if e.id == self.choice.value), None)
            text = "" if entry is None else str(entry.extra.get(f"description_{self.app.lang}", ""))
        return f"<i class='tk-unit-text'>{_esc(text)}</i>"

    def _uploaded(self, change: Any) -> None:
        files = change["new"]
        if not files:
            return
        try:
            self.app._guarded(self._load_files)(files)
        finally:
            self.upload.unobserve(self._uploaded, names="value")
            self.upload.value = ()
            self.upload.observe(self._uploaded, names="value")

    def _load_files(self, files: Sequence[Any]) -> None:
        from toolkit.io import load_unit

        with tempfile.TemporaryDirectory(prefix="tk-upload-") as folder:
            paths = []
            for item in files:
                name = Path(str(item["name"])).name
                path = Path(folder) / name
                path.write_bytes(bytes(item["content"]))
                paths.append(path)
            source = (
                paths[0] if len(paths) == 1 and paths[0].suffix in {".xlsx", ".xlsm"} else folder
            )
            unit = load_unit(source, lang=self.app.lang, extract_date=dt.date.today())
        names = ", ".join(p.name for p in paths)
        self.uploaded = (names, unit)
        self.app._busy = True
        try:
            self.app._relabel()
            self.app._busy = True
            self.choice.value = "__upload__"
        finally:
            self.app._busy = False
        self._changed()


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
        self.chart = alt.JupyterChart(alt.Chart(pd.DataFrame({"x": []})).mark_point())
        self.table: pd.DataFrame | None = None
        self._series_key: tuple[Any, ...] | None = None
        self._set_chart_options()
        self._guarded(self._refresh_series)()
        self._guarded(self.update)()
        self.measure.observe(self._measure_changed, names="value")
        self._watch(self.chart_type, self.rules, self.rebase, self.use_target, self.target)
        controls = w.VBox(
            [
                self.source.box,
                self.measure,
                self.chart_type,
                self.rules,
                self.rebase,
                w.HBox([self.use_target, self.target]),
            ]
        )
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

    def _measure_changed(self, _change: Any) -> None:
        if self._busy:
            return
        self._set_chart_options()
        self._guarded(self._refresh_series)()
        self._guarded(self._update_and_clear)()

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
            lang=self.lang,
        )
        self.table = table
        summary = spc_summary(table, lang=self.lang).iloc[0]
        title = self._t(f"widgets.spc.measure.{code}")
        chart = charts.spc_chart(table, self.lang, title=title, width=760, height=320)
        self.chart.chart = self._chart_style(chart)
        self._show_figures(table, summary, is_share)
        self._show_icons(summary)
        self._show_sentences(table, is_share)

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

    def _show_icons(self, summary: pd.Series) -> None:
        variation = str(summary["variation"])
        side = summary["variation_side"]
        text = self._t(f"spc.point_type.{variation}")
        if isinstance(side, str):
            text += f" ({self._t('widgets.spc.side.' + side)})"
        icons = [
            f"<span class='tk-icon tk-variation' data-code='{variation}' "
            f"style='background:{_ICON_COLOURS[variation]}'>"
            f"{_esc(self._t('widgets.spc.variation'))}: {_esc(text)}</span>"
        ]
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


# --------------------------------------------------------------------------- serving

#: The workbooks folder of the repository.
WORKBOOKS = Path(__file__).resolve().parent.parent / "notebooks" / "workbooks"


def voila_command(
    port: int = 8866, *, folder: str | Path | None = None, python: str | None = None
) -> list[str]:
    """The command that serves the workbook tree with Voilà on 127.0.0.1.

    Pre-heated kernels and the culling of idle kernels come from ``voila.json``
    at the repository root (run the command from there); they are repeated on
    the command line so that the command works from anywhere.

    >>> voila_command(8870, folder="notebooks/workbooks", python="python")[:4]
    ['python', '-m', 'voila', '--no-browser']
    """
    import sys

    return [
        python or sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--preheat_kernel=True",
        "--pool_size=1",
        "--show_tracebacks=False",
        "--template=bup",
        "--MappingKernelManager.cull_interval=30",
        "--MappingKernelManager.cull_idle_timeout=60",
        "--MappingKernelManager.cull_connected=False",
        str(folder or WORKBOOKS),
    ]


#: Jupyter data folder holding the offline Voilà template ``bup`` (``voila/templates/bup``).
JUPYTER_DATA = Path(__file__).resolve().parent / "data"


def voila_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Voilà: ``JUPYTER_PATH`` finds the offline template ``bup``.

    The template is Voilà's ``lab`` template without its links to a CDN.

    >>> voila_env({"JUPYTER_PATH": "/x"})["JUPYTER_PATH"].endswith("/x")
    True
    """
    import os

    env = dict(os.environ if base is None else base)
    paths = [str(JUPYTER_DATA)] + ([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else [])
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    return env


def serve(port: int = 8866, lang: str | None = None) -> int:
    """Serve the workbooks with Voilà, print the address, run until interrupted.

    Returns Voilà's exit code. Used by the command line's main job.
    """
    import subprocess

    lang = check_language(lang)
    print(t("widgets.serving", lang, url=f"http://127.0.0.1:{port}/"), flush=True)
    process = subprocess.Popen(voila_command(port), cwd=WORKBOOKS.parent.parent, env=voila_env())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()


# --------------------------------------------------------------------------- time use


class TimeUseApp(_App):
    """Where does the time go (Vart tar tiden vägen?).

    The unit's time-use study summarised per staff category and activity
    (:func:`toolkit.capacity.time_use_shares`), and what freeing a share of
    the non-clinical time does to clinical hours and appointments
    (:func:`toolkit.capacity.change_effect`) and to the queue for a first
    assessment (:func:`toolkit.waitlist.queue_load`: demand over capacity).
    Appointments use the toolkit's default visit mix (``visits`` not passed),
    which keeps a slider move under 100 ms.
    """

    title_key = "widgets.time.title"
    intro_key = "widgets.time.intro"

    def __init__(self, lang: str = "sv") -> None:
        super().__init__(lang)
        self.source = UnitSource(self, self.update)
        self.freed = w.FloatSlider(
            value=0.0,
            min=0.0,
            max=0.5,
            step=0.05,
            readout_format=".0%",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=w.Layout(width="760px"),
        )
        self.freed.add_class("tk-freed")
        self._label(self.freed, "widgets.time.freed")
        self.figures = w.HTML()
        self.figures.add_class("tk-time-figures")
        self.chart = alt.JupyterChart(alt.Chart(pd.DataFrame({"x": []})).mark_point())
        self._base: tuple[Any, ...] | None = None
        self._guarded(self.update)()
        self._watch(self.freed)
        self.container = self._frame(self.source.box, self.freed, self.figures, self.chart)

    def _baseline(self) -> tuple[Any, ...]:
        from toolkit import capacity
        from toolkit.flow import weekly_flow

        name, entry, unit = self.source.current()
        key = (name, id(unit))
        if self._base is not None and self._base[0] == key:
            return self._base
        if not unit.has("time_use") or not unit.has("staff"):
            raise ParameterError("widgets.time.no_time_use", argument="unit", lang=self.lang)
        shares = capacity.time_use_shares(unit.time_use, lang=self.lang)
        on = entry.extract_date if entry is not None else last_date(unit)
        hours = capacity.staff_hours(unit.staff, on=on, lang=self.lang)
        flow = weekly_flow(unit, "W", lang=self.lang)
        first = flow[flow["stage"].astype(str) == "first_assessment"].tail(26)
        # demand on capacity: arrivals less those who leave without a first assessment
        demand = float((first["arrivals"] - first["removals"]).mean())
        done = float(first["completions"].mean())
        waiting = float(first["waiting_end"].iloc[-1])
        self._base = (key, shares, hours, demand, done, waiting)
        return self._base

    def update(self) -> None:
        from toolkit import capacity
        from toolkit.waitlist import queue_load

        _key, shares, hours, demand, done, waiting = self._baseline()
        freed = float(self.freed.value)
        effect = capacity.change_effect(
            hours, freed_non_clinical_share=freed, non_clinical_share=shares, lang=self.lang
        )
        total = effect[effect["staff_category"].astype(str) == "total"].iloc[0]
        before = float(total["appointments_before_per_week"])
        after = float(total["appointments_after_per_week"])
        done_after = done * after / before if before > 0 else float("nan")
        load_before = float(queue_load(demand, done)) if done > 0 else float("nan")
        load_after = float(queue_load(demand, done_after)) if done_after > 0 else float("nan")
        n = self.lang
        rows = [
            (
                "clinical",
                total["clinical_hours_before_per_week"],
                total["clinical_hours_after_per_week"],
                "tk-clinical",
                0,
            ),
            ("appointments", before, after, "tk-appointments", 0),
            ("first_done", done, done_after, "tk-first-done", 1),
            ("load", 100 * load_before, 100 * load_after, "tk-load", 0),
        ]
        body = "".join(
            f"<tr><td>{_esc(self._t('widgets.time.row.' + key))}</td>"
            f"<td class='{cls}-before'>{format_number(float(b), n, d)}</td>"
            f"<td class='{cls}-after'>{format_number(float(a), n, d)}</td></tr>"
            for key, b, a, cls, d in rows
        )
        head = (
            f"<tr><th></th><th>{_esc(self._t('widgets.time.before'))}</th>"
            f"<th>{_esc(self._t('widgets.time.after', share=format_number(100 * freed, n, 0)))}</th></tr>"
        )
        note = self._t(
            "widgets.time.queue_note",
            demand=format_number(demand, n, 1),
            waiting=format_number(waiting, n, 0),
        )
        self.figures.value = (
            f"<table class='tk-table'>{head}{body}</table><p class='tk-note'>{_esc(note)}</p>"
        )
        self.chart.chart = self._chart_style(self._time_chart(shares))

    def _time_chart(self, shares: pd.DataFrame) -> Any:
        per = shares.groupby(["staff_category", "activity"], observed=True, as_index=False)[
            "share"
        ].sum()
        data = pd.DataFrame(
            {
                "category": [
                    self._t(f"widgets.time.category.{c}") for c in per["staff_category"].astype(str)
                ],
                "activity": [
                    self._t(f"widgets.time.activity.{a}") for a in per["activity"].astype(str)
                ],
                "share": per["share"].to_numpy(dtype=float),
            }
        )
        chart = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                y=alt.Y("category:N", title=self._t("widgets.time.axis_category")),
                x=alt.X(
                    "share:Q",
                    stack="normalize",
                    axis=alt.Axis(format="%"),
                    title=self._t("widgets.time.axis_share"),
                ),
                color=alt.Color("activity:N", title=self._t("widgets.time.axis_activity")),
                tooltip=[
                    alt.Tooltip("category:N", title=self._t("widgets.time.axis_category")),
                    alt.Tooltip("activity:N", title=self._t("widgets.time.axis_activity")),
                    alt.Tooltip("share:Q", format=".0%", title=self._t("widgets.time.axis_share")),
                ],
            )
            .properties(width=760, height=300, title=self._t("widgets.time.chart_title"))
        )
        return charts._finish(chart, self.lang)
