"""The PDSA log (PDSA-logg): Plan–Do–Study–Act cycles of a unit, saved as they are typed.

The application keeps one log file per unit, ``pdsa__<unit>__<hash>.csv`` in
the folder of ``BUP_TOOLKIT_SAVE_DIR`` (default ``~/bup-toolkit``), see
:func:`toolkit.pdsa.log_path`. Every field is written to that file as soon as
its value reaches the kernel (under the file's lock the file is read, the one
field changed and the file replaced atomically), so several pages on one
unit keep each other's edits and a reload of the page or a dead kernel loses
nothing: the new page reads the file again. Each page keeps its own unit and
cycle (:class:`toolkit.widgets.page_state.PageState`, in the browser tab): a
reload returns to them, a new page starts on the first unit. The SPC chart of
the cycle's measure shows the start dates of the unit's cycles; the log can
be exported (CSV and Excel download links) and imported again, with a
confirmation before anything is overwritten.
"""

from __future__ import annotations

import base64
import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as w
import pandas as pd

from toolkit import charts, pdsa
from toolkit.errors import DataError
from toolkit.i18n import has
from toolkit.widgets.base import _App, _esc, _load_sample, sample_units
from toolkit.widgets.page_state import PageState
from toolkit.widgets.spc import SPC_MEASURES, spc_series

#: Value of the unit list's entry for a unit typed by name.
OTHER = "__other__"
#: Text fields of the form (Textarea unless the title) and the step each belongs to.
STEPS: dict[str, tuple[str, ...]] = {
    "plan": ("title", "aim", "change_idea", "prediction", "measure", "start_date", "plan"),
    "do": ("do",),
    "study": ("study", "study_date"),
    "act": ("decision", "act", "decision_date"),
}
_DEFAULT_MEASURE = "waiting_first"
_WIDE = w.Layout(width="900px")
#: Larger text in the form's text boxes and tabs (the common style covers inputs only).
_CSS = """<style>
.tk-app textarea { font-size: 18px !important; font-family: inherit !important; }
.tk-pdsa-steps .lm-TabBar-tab { font-size: 18px !important; min-width: 170px; }
</style>"""


class PdsaApp(_App):
    """PDSA log (PDSA-logg): cycles of a unit, a form per cycle, the SPC chart with change dates.

    Pick a sample unit or type a unit's name; pick or add a cycle; fill its
    Plan, Do, Study and Act fields. Each field is saved to the unit's file as
    it is entered. Export gives CSV and Excel download links; import merges a
    file into the log and asks before replacing a cycle that differs.
    """

    has_reset = False  # answers are saved as typed: no reset that erases them

    title_key = "widgets.pdsa.title"
    intro_key = "widgets.pdsa.intro"

    def __init__(self, lang: str = "sv", folder: str | Path | None = None) -> None:
        super().__init__(lang)
        self.folder = Path(folder) if folder is not None else pdsa.save_dir()
        self.entries = sample_units()
        self.log: pd.DataFrame | None = None
        self.current_id: str | None = None
        #: an import waiting for the user's answer: the file's name and its log
        self._pending: tuple[str, pd.DataFrame] | None = None
        self._message: tuple[str, dict[str, Any], Callable[[], str] | None] | None = None
        self._flows: dict[str, pd.DataFrame] = {}
        self._tables: dict[tuple[str, str], pd.DataFrame] = {}
        self._chart_key: tuple[Any, ...] | None = None
        self.saved_at: str | None = None
        self._build_picker()
        self._build_form()
        self._build_files()
        # this page's unit and cycle, kept in its browser tab for a reload
        self.page_state = PageState("pdsa", lambda state: self._guarded(self._reload)(state))
        self._guarded(self._open_unit)()
        self._observe()
        self.container = self._layout()

    def _build_picker(self) -> None:
        """The unit (a sample unit or another, by name) and its cycle, with a new-cycle button."""
        style = {"description_width": "initial"}
        self.unit = w.Dropdown(style=style, layout=w.Layout(width="620px"))
        self.unit.add_class("tk-pdsa-unit")
        self._label(self.unit, "widgets.pdsa.unit_label")
        self._label(
            self.unit,
            lambda: (
                [(f"{e.name} ({e.id})", e.id) for e in self.entries]
                + [(self._t("widgets.pdsa.other_unit"), OTHER)]
            ),
            "options",
        )
        self.unit_name = w.Text(
            style=style, continuous_update=False, layout=w.Layout(width="620px")
        )
        self.unit_name.add_class("tk-pdsa-unit-name")
        self._label(self.unit_name, "widgets.pdsa.unit_name")
        self.cycle = w.Dropdown(style=style, layout=w.Layout(width="620px"))
        self.cycle.add_class("tk-pdsa-cycle")
        self._label(self.cycle, "widgets.pdsa.cycle_label")
        self.new_button = w.Button(layout=w.Layout(width="auto"))
        self.new_button.add_class("tk-pdsa-new")
        self._label(self.new_button, "widgets.pdsa.new_cycle")
        self.status = w.HTML()
        self.status.add_class("tk-pdsa-status")

    def _build_form(self) -> None:
        """The cycle's fields, one tab per step (Plan, Do, Study, Act)."""
        self.fields: dict[str, Any] = {}
        self.field_labels: dict[str, w.HTML] = {}
        steps = []
        for step, names in STEPS.items():
            rows: list[Any] = []
            for name in names:
                widget = self._field_widget(name)
                widget.add_class(f"tk-pdsa-{name}")
                label = w.HTML()
                self._label(label, self._html_text("b", "widgets.pdsa.field." + name), "value")
                self.fields[name], self.field_labels[name] = widget, label
                rows.append(w.VBox([label, widget]))
            box = w.VBox(rows)
            box.add_class(f"tk-pdsa-step-{step}")
            steps.append(box)
        # One tab per step keeps the chart in sight below the form (a projector shows little).
        self.form = w.Tab(children=steps)
        self.form.add_class("tk-pdsa-steps")
        self._label(
            self.form, lambda: tuple(self._t(f"widgets.pdsa.step.{s}") for s in STEPS), "titles"
        )

    def _build_files(self) -> None:
        """The chart and its note, the export and the import with its confirmation."""
        self.chart = alt.JupyterChart(charts.empty_chart(), embed_options={"renderer": "svg"})
        self.chart.add_class("tk-main-chart")
        self.chart_note = w.HTML()
        self.chart_note.add_class("tk-pdsa-annotations")
        self.export_button = w.Button(layout=w.Layout(width="auto"))
        self.export_button.add_class("tk-pdsa-export")
        self._label(self.export_button, "widgets.pdsa.export")
        self.links = w.HTML()
        self.links.add_class("tk-pdsa-links")
        self.upload = w.FileUpload(
            accept=".csv,.xlsx", multiple=False, layout=w.Layout(width="auto")
        )
        self.upload.add_class("tk-upload")
        self.upload.add_class("tk-pdsa-import")
        self._label(self.upload, "widgets.pdsa.import")
        self.upload_help = w.HTML()
        self._label(
            self.upload_help, lambda: f"<i>{_esc(self._t('widgets.pdsa.import_help'))}</i>", "value"
        )
        self.import_message = w.HTML()
        self.import_message.add_class("tk-pdsa-import-message")
        self.replace_button = w.Button(button_style="warning", layout=w.Layout(width="auto"))
        self.replace_button.add_class("tk-pdsa-replace")
        self._label(self.replace_button, "widgets.pdsa.replace")
        self.keep_button = w.Button(layout=w.Layout(width="auto"))
        self.keep_button.add_class("tk-pdsa-keep")
        self._label(self.keep_button, "widgets.pdsa.keep")
        self.confirm = w.HBox([self.replace_button, self.keep_button])
        self.confirm.layout.display = "none"

    def _observe(self) -> None:
        """What each control does (nothing while the page itself fills them in)."""
        self.unit.observe(lambda _c: self._when_free(self._unit_changed), names="value")
        self.unit_name.observe(lambda _c: self._when_free(self._unit_changed), names="value")
        self.cycle.observe(lambda _c: self._when_free(self._cycle_changed), names="value")
        self.new_button.on_click(lambda _b: self._guarded(self._new_cycle)())
        for name, widget in self.fields.items():
            widget.observe(
                lambda c, n=name: self._when_free(self._field_changed, n, c["new"]), names="value"
            )
        self.export_button.on_click(lambda _b: self._guarded(self._export)())
        self.upload.observe(lambda _c: self._when_free(self._imported), names="value")
        self.replace_button.on_click(lambda _b: self._guarded(self._resolve)(True))
        self.keep_button.on_click(lambda _b: self._guarded(self._resolve)(False))

    def _layout(self) -> w.VBox:
        """The page: unit and cycle, the form, the chart, the files."""
        picker = w.VBox(
            [
                self.unit,
                self.unit_name,
                w.HBox([self.cycle, self.new_button]),
                self.status,
            ]
        )
        files = w.VBox(
            [
                w.HBox([self.export_button, self.links]),
                w.HBox([self.upload, self.upload_help]),
                self.import_message,
                self.confirm,
            ]
        )
        return self._frame(
            w.HTML(_CSS), self.page_state, picker, self.form, self.chart, self.chart_note, files
        )

    # ---- widgets
    def _html_text(self, tag: str, key: str) -> Callable[[], str]:
        """A getter of ``<tag>text</tag>`` in the current language (for :meth:`_label`)."""

        def text() -> str:
            return f"<{tag}>{_esc(self._t(key))}</{tag}>"

        return text

    def _field_widget(self, name: str) -> Any:
        if name in pdsa.DATE_COLUMNS:
            return w.DatePicker(value=None, layout=w.Layout(width="260px"))
        if name == "measure":
            widget = w.Dropdown(layout=w.Layout(width="620px"))
            self._label(
                widget,
                lambda: (
                    [(self._t("widgets.pdsa.measure_none"), "")]
                    + [(self._t(f"widgets.spc.measure.{m}"), m) for m in pdsa.MEASURES]
                ),
                "options",
            )
            return widget
        if name == "decision":
            widget = w.Dropdown(layout=w.Layout(width="420px"))
            self._label(
                widget,
                lambda: (
                    [(self._t("widgets.pdsa.decision_none"), "")]
                    + [(self._t(f"pdsa.decision.{d}"), d) for d in pdsa.DECISIONS]
                ),
                "options",
            )
            return widget
        if name == "title":
            return w.Text(continuous_update=False, layout=_WIDE)
        # Long texts reach the kernel as they are typed, so a reload loses nothing.
        return w.Textarea(continuous_update=True, rows=3, layout=_WIDE)

    def _when_free(self, fn: Any, *args: Any) -> None:
        if not self._busy:
            self._guarded(fn)(*args)

    # ---- the unit and its file
    def unit_value(self) -> str | None:
        """The unit written in the log: a sample unit's id or the typed name (None when empty)."""
        if self.unit.value == OTHER:
            name = str(self.unit_name.value).strip()
            return name or None
        return str(self.unit.value) if self.unit.value else None

    def path(self) -> Path | None:
        """The file of the open unit's log (None while no unit name is typed)."""
        unit = self.unit_value()
        return None if unit is None else pdsa.log_path(unit, self.folder)

    def _reload(self, state: dict[str, Any] | None) -> None:
        """A page shows the application: return to its own unit and cycle, read the log again.

        ``state`` is what the page's tab kept (:class:`PageState`), None for a
        new page, which stays on the unit it was built with. Voilà runs a
        workbook in a pre-heated kernel before anyone opens the page, so the
        log is read from disk again either way.
        """
        if state:
            self._busy = True
            try:
                self._restore_state(state)
            finally:
                self._busy = False
        self._open_unit()

    def _restore_state(self, state: dict[str, Any]) -> None:
        codes = [v for _, v in self.unit.options]
        if state.get("unit") in codes:
            self.unit.value = state["unit"]
        if self.unit.value == OTHER:
            self.unit_name.value = str(state.get("name") or "")
        cycle = state.get("cycle")
        self.current_id = str(cycle) if cycle else None

    def _remember(self) -> None:
        """Keep this page's unit and cycle in its tab (:class:`PageState`), for a reload."""
        self.page_state.remember(
            unit=self.unit.value, name=self.unit_name.value, cycle=self.current_id
        )

    def _unit_changed(self) -> None:
        self.current_id = None
        self._open_unit()
        self._clear_error()

    def _open_unit(self) -> None:
        """Read the open unit's log from its file and fill the page."""
        self.unit_name.layout.display = "" if self.unit.value == OTHER else "none"
        self._say(None)
        self.links.value = ""
        self.confirm.layout.display = "none"
        self._pending = None
        unit = self.unit_value()
        self.log = None
        self.saved_at = None
        if unit is not None:
            # a log saved under the older file name is taken over first
            path = pdsa.migrate_log(unit, self.folder, lang=self.lang)
            # A file that cannot be read is shown as an error and never overwritten.
            self.log = pdsa.read_log(path, lang=self.lang) if path.is_file() else pdsa.new_log()
        ids = [] if self.log is None else self.log["cycle_id"].tolist()
        if self.current_id not in ids:
            self.current_id = ids[-1] if ids else None
        self._fill()
        self._remember()

    def _cycle_options(self) -> list[tuple[str, str]]:
        if self.log is None or self.log.empty:
            return [(self._t("widgets.pdsa.no_cycles"), "")]
        untitled = self._t("widgets.pdsa.untitled")
        return [
            (f"{cid}: {title or untitled}", cid)
            for cid, title in zip(self.log["cycle_id"], self.log["title"], strict=True)
        ]

    def _fill(self) -> None:
        """Show the cycle list and the open cycle's fields (without saving anything)."""
        self._busy = True
        try:
            self._labels = [
                e for e in self._labels if not (e[0] is self.cycle and e[1] == "options")
            ]
            self._label(self.cycle, self._cycle_options, "options")
            self.cycle.value = self.current_id or ""
            row = None
            if self.log is not None and self.current_id is not None:
                row = self.log[self.log["cycle_id"] == self.current_id].iloc[0]
            for name, widget in self.fields.items():
                if row is None:
                    widget.value = None if name in pdsa.DATE_COLUMNS else ""
                elif name in pdsa.DATE_COLUMNS:
                    widget.value = None if pd.isna(row[name]) else pd.Timestamp(row[name]).date()
                else:
                    widget.value = str(row[name])
                widget.disabled = row is None
            self.new_button.disabled = self.log is None
        finally:
            self._busy = False
        self._show_status()
        self.update()

    def _show_status(self) -> None:
        path = self.path()
        if path is None:
            text = self._t("widgets.pdsa.type_unit_name")
        elif path.is_file():
            # after a reload: the time the file was last written (by this page or another)
            when = self.saved_at or dt.datetime.fromtimestamp(path.stat().st_mtime).strftime(
                "%H:%M:%S"
            )
            text = self._t("widgets.pdsa.saved", time=when, path=str(path))
        else:
            text = self._t("widgets.pdsa.not_saved_yet", path=str(path))
        self.status.value = f"<i class='tk-pdsa-saved'>{_esc(text)}</i>"

    # ---- cycles and fields
    def _cycle_changed(self) -> None:
        self.current_id = str(self.cycle.value) or None
        self._fill()
        self._remember()
        self._clear_error()

    def _new_cycle(self) -> None:
        path, unit = self.path(), self.unit_value()
        if path is None or unit is None or self.log is None:
            return
        # the next free id is taken from the file under its lock: pages adding at once get both
        self.log, cycle_id = pdsa.add_cycle(path, unit=unit, lang=self.lang)
        self.saved_at = dt.datetime.now().strftime("%H:%M:%S")
        self.current_id = cycle_id
        self._fill()
        self._remember()
        self._clear_error()

    def _field_changed(self, name: str, value: Any) -> None:
        path, unit = self.path(), self.unit_value()
        if path is None or unit is None or self.current_id is None:
            return
        self.log = pdsa.save_change(
            path, self.current_id, unit=unit, lang=self.lang, **{name: value}
        )
        self.saved_at = dt.datetime.now().strftime("%H:%M:%S")
        self._show_status()
        if name == "title":
            self._busy = True
            try:
                self._set_options(self.cycle, self._cycle_options())
            finally:
                self._busy = False
        if name in ("title", "start_date", "measure"):
            self.update()
        self._clear_error()

    # ---- chart
    def update(self) -> None:
        """Redraw the SPC chart of the open cycle's measure with the unit's change dates."""
        measure = _DEFAULT_MEASURE
        if self.current_id is not None and str(self.fields["measure"].value):
            measure = str(self.fields["measure"].value)
        entry = next((e for e in self.entries if e.id == self.unit.value), None)
        if entry is None:
            self.chart.layout.display = "none"
            name = self.unit_value() or "–"
            self.chart_note.value = f"<div class='tk-note'>{_esc(self._t('widgets.pdsa.no_chart_data', name=name))}</div>"
            return
        self.chart.layout.display = ""
        table = self._spc_table(entry, measure)
        first = pd.Timestamp(table["period"].min())
        last = pd.Timestamp(table["period"].max()) + pd.Timedelta(days=6)
        log = self.log if self.log is not None else pdsa.new_log()
        shown = pdsa.annotations(log, measure=measure, start=first, end=last)
        every = pdsa.annotations(log, measure=measure)
        key = (entry.id, measure, self.lang, tuple(shown["label"]), tuple(shown["date"]))
        if key != self._chart_key:
            self.chart.spec = self._spec(entry, measure, table, shown)
            self._chart_key = key
        self._show_annotations(every, first, last)

    def _spec(
        self, entry: Any, measure: str, table: pd.DataFrame, notes: pd.DataFrame
    ) -> dict[str, Any]:
        """The chart's Vega-Lite spec with ``notes`` as its PDSA annotations.

        :func:`toolkit.charts.spc_spec`: the chart is built and validated once
        per layout; a change of measure or of the log sends the new numbers
        in that spec.
        """
        title = self._t(
            "widgets.pdsa.chart_title", measure=self._t(f"widgets.spc.measure.{measure}")
        )
        return charts.spc_spec(
            table,
            self.lang,
            pdsa=notes if len(notes) else None,
            title=title,
            width=760,
            height=320,
            style=self._pdsa_chart_style,
        )

    def _pdsa_chart_style(self, chart: Any) -> Any:
        return self._chart_style(chart).configure_text(fontSize=16)

    def _spc_table(self, entry: Any, measure: str) -> pd.DataFrame:
        from toolkit.flow import weekly_flow
        from toolkit.spc import spc

        if entry.id not in self._flows:
            _entry, unit = _load_sample(entry.id)
            self._flows[entry.id] = weekly_flow(
                unit,
                "W",
                profile=entry.target_profile,
                start=entry.extra.get("period_start"),
                lang=self.lang,
            )
        if (entry.id, measure) in self._tables:
            return self._tables[(entry.id, measure)]
        series = spc_series(self._flows[entry.id], measure)
        self._tables[(entry.id, measure)] = spc(
            series,
            value="value",
            date="period",
            chart="xmr",
            improvement=SPC_MEASURES[measure][2],
        )
        return self._tables[(entry.id, measure)]

    def _show_annotations(
        self, every: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp
    ) -> None:
        if every.empty:
            body = f"<i>{_esc(self._t('widgets.pdsa.no_annotations'))}</i>"
        else:
            items = []
            for date, label, cycle_id in zip(
                every["date"], every["label"], every["cycle_id"], strict=True
            ):
                day = pd.Timestamp(date).date().isoformat()
                outside = "" if first <= date <= last else f" ({self._t('widgets.pdsa.outside')})"
                items.append(
                    f"<li data-cycle='{_esc(cycle_id)}' data-date='{day}'>"
                    f"{day} · {_esc(label)}{_esc(outside)}</li>"
                )
            body = "<ul>" + "".join(items) + "</ul>"
        heading = _esc(self._t("widgets.pdsa.annotations"))
        self.chart_note.value = f"<div><b>{heading}</b>{body}</div>"

    # ---- export and import
    def _export(self) -> None:
        path = self.path()
        if path is None or self.log is None:
            return
        log = pdsa.read_log(path, lang=self.lang) if path.is_file() else self.log
        if log.empty:
            self.links.value = f"<i>{_esc(self._t('widgets.pdsa.export_empty'))}</i>"
            return
        links = []
        with tempfile.TemporaryDirectory() as folder:
            for suffix, mime, css in (
                (".csv", "text/csv", "tk-export-csv"),
                (
                    ".xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "tk-export-xlsx",
                ),
            ):
                name = pdsa.export_name(self.unit_value() or "") + suffix
                data = pdsa.export_log(log, Path(folder) / name, lang=self.lang).read_bytes()
                href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
                text = self._t(f"widgets.pdsa.export_{suffix[1:]}", file=name)
                links.append(
                    f"<a class='{css}' download='{_esc(name)}' href='{href}'>{_esc(text)}</a>"
                )
        self.links.value = " &nbsp; ".join(links)

    def _imported(self) -> None:
        items = list(self.upload.value)
        if not items:
            return
        item = items[0]
        name = Path(str(item["name"])).name
        try:
            with tempfile.TemporaryDirectory() as folder:
                upload_path = Path(folder) / name
                upload_path.write_bytes(bytes(item["content"]))
                imported = pdsa.read_log(upload_path, lang=self.lang)
        finally:
            self._busy = True
            try:
                self.upload.value = ()
            finally:
                self._busy = False
        self._merge(name, imported)

    def _merge(self, name: str, imported: pd.DataFrame) -> None:
        path, unit = self.path(), self.unit_value()
        if path is None or unit is None:
            raise DataError("pdsa.no_unit_name", lang=self.lang)
        self.confirm.layout.display = "none"
        self._pending = None
        if imported.empty:
            self._say("widgets.pdsa.import_empty", file=name)
            return
        units = pdsa.units_in(imported)
        if units != [unit]:
            self._show_error(
                self._t(
                    "widgets.pdsa.import_other_unit", file=name, units=", ".join(units), unit=unit
                )
            )
            return
        current = pdsa.read_log(path, lang=self.lang) if path.is_file() else pdsa.new_log()
        merge = pdsa.merge_logs(current, imported)
        if merge.conflicting:
            self._pending = (name, imported)

            def lines() -> str:
                items = []
                for cycle_id in merge.conflicting:
                    changed = merge.conflicts.loc[merge.conflicts["cycle_id"] == cycle_id, "field"]
                    fields = ", ".join(self._field_name(f) for f in changed)
                    text = self._t("widgets.pdsa.conflict_line", cycle=cycle_id, fields=fields)
                    items.append(f"<li>{_esc(text)}</li>")
                return "<ul>" + "".join(items) + "</ul>"

            self._say(
                "widgets.pdsa.import_conflicts", lines, file=name, count=len(merge.conflicting)
            )
            self.confirm.layout.display = ""
            self._clear_error()
            return
        # merged again with the file as it is under its lock; a cycle another page
        # changed meanwhile is kept as it is (never overwritten unasked)
        merge = self._save_merged(imported, take_imported=False)
        self._say(
            "widgets.pdsa.import_done",
            file=name,
            added=len(merge.added),
            unchanged=len(merge.unchanged),
        )

    def _resolve(self, take_imported: bool) -> None:
        if self._pending is None:
            return
        name, imported = self._pending
        self._pending = None
        self.confirm.layout.display = "none"
        merge = self._save_merged(imported, take_imported=take_imported)
        key = "widgets.pdsa.import_replaced" if take_imported else "widgets.pdsa.import_kept"
        n = len(merge.conflicting)
        self._say(key, file=name, replaced=n, kept=n, added=len(merge.added))

    def _save_merged(self, imported: pd.DataFrame, *, take_imported: bool) -> pdsa.Merge:
        path = self.path()
        assert path is not None
        self.log, merge = pdsa.save_merge(
            path, imported, take_imported=take_imported, lang=self.lang
        )
        self.saved_at = dt.datetime.now().strftime("%H:%M:%S")
        ids = self.log["cycle_id"].tolist()
        if self.current_id not in ids:
            self.current_id = ids[-1] if ids else None
        self._fill()
        self._remember()
        self._clear_error()
        return merge

    def _field_name(self, field: str) -> str:
        key = f"widgets.pdsa.field.{field}"
        return self._t(key) if has(key) else field

    def _say(self, key: str | None, lines: Callable[[], str] | None = None, **fields: Any) -> None:
        """Show an import message (``None`` clears it); it follows the language switch."""
        self._message = None if key is None else (key, fields, lines)
        self._render_message()

    def _render_message(self) -> None:
        if self._message is None:
            self.import_message.value = ""
            return
        key, fields, lines = self._message
        extra = lines() if lines is not None else ""
        text = _esc(self._t(key, **fields))
        self.import_message.value = f"<div class='tk-note' role='status'>{text}{extra}</div>"

    def _relabel(self) -> None:
        super()._relabel()
        self._show_status()
        self._render_message()
        if self.links.value:
            self._export()
