"""PKS self-assessment (PKS-självskattning) and KvIPS self-evaluation (KvIPS-självutvärdering).

Two workbooks on one frame: the questions of a versioned question file
(:func:`toolkit.selfassess.load_questionnaire`), answered per management level
(PKS) or role (KvIPS), each answer saved to disk as it is given
(:func:`toolkit.autosave.save_answer`: applied to the session file as it is
on disk, under its lock, so pages answering for different respondents of one
session keep each other's answers), with the scores per group and respondent, the
spread between respondents, a radar chart, a comparison with another saved
session (an earlier round, another unit), export to CSV and Excel, and import
with a confirm step before anything is overwritten. Every number comes from
:mod:`toolkit.selfassess`.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as w
import numpy as np
import pandas as pd

from toolkit import autosave, charts
from toolkit import selfassess as sa
from toolkit.errors import DataError
from toolkit.widgets.base import _App, _esc, format_number
from toolkit.widgets.page_state import PageState

#: Extra style: large question texts and answer buttons for a projector.
_STYLE = """
<style>
.tk-app .tk-question-text { font-size: 20px; margin: 10px 0 2px 0; }
.tk-app .tk-group-head h3 { font-size: 24px; margin: 18px 0 4px 0; color: #1f3b73; }
.tk-app .tk-answer .widget-toggle-button { font-size: 19px !important; }
.tk-app .tk-answer .widget-toggle-button.mod-active,
.tk-app .tk-respondent .widget-toggle-button.mod-active { background: #1f3b73; color: white; }
.tk-app .tk-scale-legend { font-size: 17px; color: #333; }
.tk-app .tk-progress { font-size: 20px; }
.tk-app .tk-download a { font-size: 20px; margin-right: 24px; }
.tk-app .tk-confirm { background: #fff8e1; border-left: 6px solid #e6a700; padding: 8px 12px; }
.tk-app .tk-ok { background: #e8f5e9; border-left: 6px solid #2e7d32; padding: 8px 12px; }
.tk-app table.tk-table td.tk-empty { color: #999; }
</style>
"""

_NEW = "__new__"


def _answer_cell(value: float, lang: str) -> str:
    return format_number(value, lang, 1)


def _local_time(iso: str) -> str:
    """An ISO time stamp as local ``YYYY-MM-DD HH:MM`` (as it was saved, if unparseable)."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def radar_points(values: pd.DataFrame, n_groups: int) -> pd.DataFrame:
    """Cartesian points of a radar line: ``k`` (group position), ``radius`` -> ``x``, ``y``.

    Group ``k`` of ``n_groups`` sits at the angle θ = 2πk/n from the top,
    clockwise: x = r·sin θ, y = r·cos θ. The first point of each ``series`` is
    repeated at the end (``order`` = n) so that the line closes.

    >>> pts = radar_points(pd.DataFrame({"series": ["a"] * 4, "k": [0, 1, 2, 3],
    ...                                  "radius": [1.0, 2.0, 3.0, 4.0]}), 4)
    >>> pts[["x", "y"]].round(6).values.tolist()[:2]
    [[0.0, 1.0], [2.0, 0.0]]
    >>> len(pts)
    5
    """
    first = values[values["k"] == 0].assign(order=n_groups)
    out = pd.concat([values.assign(order=values["k"]), first], ignore_index=True)
    theta = 2 * np.pi * out["k"].to_numpy(dtype=float) / n_groups
    radius = out["radius"].to_numpy(dtype=float)
    out["x"] = radius * np.sin(theta)
    out["y"] = radius * np.cos(theta)
    return out


class _SelfAssessApp(_App):
    """Common workbook for a self-assessment questionnaire (see the module docstring)."""

    has_reset = False  # answers are saved as typed: no reset that erases them

    prefix = "widgets.pks."
    builtin = "pks"

    def __init__(
        self,
        lang: str = "sv",
        *,
        questions: str | Path | None = None,
        save_folder: str | Path | None = None,
    ) -> None:
        super().__init__(lang)
        self.folder = Path(save_folder) if save_folder is not None else autosave.save_dir()
        self._other_cache: dict[tuple[str, str], pd.DataFrame] = {}
        self._pending: tuple[sa.ImportedAnswers, pd.DataFrame] | None = None
        self._template: tuple[Any, dict[str, Any]] | None = None
        try:
            self.q = sa.load_questionnaire(questions or self.builtin, lang=self.lang)
        except DataError as exc:  # a bad question file: the message and nothing else
            self._show_error(exc.message(self.lang))
            self.container = self._frame()
            return
        #: Sessions are kept per questionnaire and version: a new version never
        #: overwrites the answers given to an earlier one.
        self.instrument = f"{self.q.id}-v{self.q.version}"
        self.answers = sa.empty_answers()
        self.unit_name = self._t(f"{self.prefix}default_unit")
        self.round_name = str(dt.date.today().year)
        self._build()
        self._seen: tuple[str, int, int, int] = ("", 0, 0, 0)
        # this page's session and respondent, kept in its browser tab for a reload
        self.page_state = PageState(
            f"selfassess-{self.instrument}", lambda state: self._guarded(self._shown)(state)
        )
        self._guarded(self._resume)()
        self.container = self._frame(
            w.HTML(_STYLE),
            self.page_state,
            self.session_box,
            self.respondent,
            self.scale_legend,
            self.progress,
            self.questions_box,
            self.results_head,
            self.scores,
            self.spread_note,
            self.chart,
            self.compare_box,
            self.transfer_box,
        )

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        """The page's widgets, in the order of the page, and what each control does."""
        self._build_session()
        self._build_questions()
        self._build_results()
        self._build_transfer()
        self._observe()

    def _build_session(self) -> None:
        """Which saved session: the list, the unit's name and the round, and a note."""
        style = {"description_width": "initial"}
        self.sessions = w.Dropdown(style=style, layout=w.Layout(width="640px"))
        self.sessions.add_class("tk-sessions")
        self._label(self.sessions, "selfassess.ui.sessions")
        self.unit = w.Text(
            value=self.unit_name,
            continuous_update=False,
            style=style,
            layout=w.Layout(width="420px"),
        )
        self.unit.add_class("tk-session-unit")
        self._label(self.unit, "selfassess.ui.unit")
        self.round = w.Text(
            value=self.round_name,
            continuous_update=False,
            style=style,
            layout=w.Layout(width="260px"),
        )
        self.round.add_class("tk-session-round")
        self._label(self.round, "selfassess.ui.round")
        self.session_note = w.HTML()
        self.session_note.add_class("tk-session-note")
        self._note: tuple[str, dict[str, Any]] = (
            "selfassess.ui.note_new",
            {"folder": str(self.folder)},
        )
        self._session_list: list[tuple[str, str]] = []
        self._label(self.session_note, self._session_note_html, "value")
        self.session_box = w.VBox(
            [self.sessions, w.HBox([self.unit, self.round]), self.session_note]
        )

    def _build_questions(self) -> None:
        """Who answers, the scale, and every question under its group with its answer buttons."""
        self.respondent = w.ToggleButtons(
            options=[(r.id, r.id) for r in self.q.respondents],
            style={"description_width": "initial", "button_width": "auto"},
        )
        self.respondent.add_class("tk-respondent")
        self._label(self.respondent, f"{self.prefix}respondent")
        self._label(
            self.respondent,
            lambda: [(r.name[self.lang], r.id) for r in self.q.respondents],
            "options",
        )
        self.scale_legend = w.HTML()
        self.scale_legend.add_class("tk-scale")
        self._label(self.scale_legend, self._legend_html, "value")
        self.progress = w.HTML()
        self.progress.add_class("tk-progress")

        self.toggles: dict[str, w.ToggleButtons] = {}
        self.rows: dict[str, w.VBox] = {}
        children: list[Any] = []
        for group in self.q.groups:
            head = w.HTML()
            head.add_class("tk-group-head")
            self._label(head, self._group_head(group.id), "value")
            children.append(head)
            for question in self.q.questions:
                if question.group == group.id:
                    self.rows[question.id] = self._question_row(question)
                    children.append(self.rows[question.id])
        self.questions_box = w.VBox(children)

    def _question_row(self, question: sa.Question) -> w.VBox:
        """A question's text and its answer buttons (kept in :attr:`toggles`)."""
        text = w.HTML()
        text.add_class("tk-question-text")
        self._label(text, self._question_html(question), "value")
        toggle = w.ToggleButtons(
            value=None, style={"button_width": "88px"}, layout=w.Layout(width="auto")
        )
        toggle.add_class("tk-answer")
        toggle.add_class(f"tk-q-{question.id}")
        self._label(toggle, self._answer_options, "options")
        toggle.value = None
        self._label(toggle, self._answer_tooltips, "tooltips")
        toggle.observe(lambda change, qid=question.id: self._toggled(qid, change), names="value")
        self.toggles[question.id] = toggle
        return w.VBox([text, toggle])

    def _build_results(self) -> None:
        """The results: scores, the spread note, the radar and the comparison with another session."""
        style = {"description_width": "initial"}
        self.results_head = w.HTML()
        self._label(
            self.results_head,
            lambda: f"<h2>{_esc(self._t('selfassess.ui.results'))}</h2>",
            "value",
        )
        self.scores = w.HTML()
        self.scores.add_class("tk-scores")
        self.spread_note = w.HTML()
        self.spread_note.add_class("tk-spread-note")
        self.chart = alt.JupyterChart(charts.empty_chart())
        self.chart.add_class("tk-main-chart")

        self.compare = w.Dropdown(style=style, layout=w.Layout(width="640px"))
        self.compare.add_class("tk-compare")
        self._label(self.compare, f"{self.prefix}compare")
        self._label(self.sessions, self._session_options, "options")
        self._label(self.compare, self._compare_options, "options")
        self.compare_table = w.HTML()
        self.compare_table.add_class("tk-compare-table")
        self.compare_box = w.VBox([self.compare, self.compare_table])

    def _build_transfer(self) -> None:
        """Export the answers (CSV, Excel) and import a file, with a confirmation before replacing."""
        self.export_csv = w.Button(layout=w.Layout(width="auto"))
        self.export_csv.add_class("tk-export-csv")
        self._label(self.export_csv, "selfassess.ui.export_csv")
        self.export_xlsx = w.Button(layout=w.Layout(width="auto"))
        self.export_xlsx.add_class("tk-export-xlsx")
        self._label(self.export_xlsx, "selfassess.ui.export_xlsx")
        self.download = w.HTML()
        self.download.add_class("tk-download")
        self.importer = w.FileUpload(
            accept=".csv,.txt,.xlsx,.xlsm", multiple=False, layout=w.Layout(width="240px")
        )
        self.importer.add_class("tk-import")
        self._label(self.importer, "selfassess.ui.import")
        self.import_note = w.HTML()
        self.import_note.add_class("tk-import-note")
        self.confirm_text = w.HTML()
        self.replace = w.Button(button_style="warning", layout=w.Layout(width="auto"))
        self.replace.add_class("tk-import-replace")
        self._label(self.replace, "selfassess.ui.replace")
        self.cancel = w.Button(layout=w.Layout(width="auto"))
        self.cancel.add_class("tk-import-cancel")
        self._label(self.cancel, "selfassess.ui.cancel")
        self.confirm = w.VBox([self.confirm_text, w.HBox([self.replace, self.cancel])])
        self.confirm.add_class("tk-import-confirm")
        self.confirm.layout.display = "none"
        transfer_head = w.HTML()
        self._label(
            transfer_head, lambda: f"<h2>{_esc(self._t('selfassess.ui.transfer'))}</h2>", "value"
        )
        self.transfer_box = w.VBox(
            [
                transfer_head,
                w.HBox([self.export_csv, self.export_xlsx, self.importer]),
                self.download,
                self.confirm,
                self.import_note,
            ]
        )

    def _observe(self) -> None:
        """What each control does."""
        self.respondent.observe(self._respondent_changed, names="value")
        self.unit.observe(self._key_changed, names="value")
        self.round.observe(self._key_changed, names="value")
        self.sessions.observe(self._session_picked, names="value")
        self.compare.observe(self._compare_picked, names="value")
        self.export_csv.on_click(lambda _b: self._guarded(self._export)("csv"))
        self.export_xlsx.on_click(lambda _b: self._guarded(self._export)("xlsx"))
        self.importer.observe(self._imported, names="value")
        self.replace.on_click(lambda _b: self._guarded(self._confirm_import)(True))
        self.cancel.on_click(lambda _b: self._guarded(self._confirm_import)(False))

    # ------------------------------------------------------------------ texts
    def _group_name(self, group_id: str) -> str:
        return self.q.group(group_id).name[self.lang]

    def _respondent_name(self, respondent_id: str) -> str:
        return self.q.respondent(respondent_id).name[self.lang]

    def _group_head(self, group_id: str) -> Any:
        return lambda: f"<h3>{_esc(self._group_name(group_id))}</h3>"

    def _question_html(self, question: sa.Question) -> Any:
        return lambda: f"<div>{_esc(question.text[self.lang])}</div>"

    def _answer_options(self) -> list[tuple[str, Any]]:
        steps: list[tuple[str, Any]] = [
            (str(s), s) for s in range(self.q.scale_min, self.q.scale_max + 1)
        ]
        if self.q.dont_know:
            steps.append((self._t("selfassess.ui.dont_know"), "dont_know"))
        return steps

    def _answer_tooltips(self) -> list[str]:
        tips = [
            self.q.scale_labels[s][self.lang] for s in range(self.q.scale_min, self.q.scale_max + 1)
        ]
        if self.q.dont_know:
            tips.append(self._t("selfassess.ui.dont_know"))
        return tips

    def _legend_html(self) -> str:
        steps = " · ".join(
            f"<b>{s}</b> {_esc(self.q.scale_labels[s][self.lang])}"
            for s in range(self.q.scale_min, self.q.scale_max + 1)
        )
        source = _esc(self.q.source[self.lang])
        version = _esc(self._t("selfassess.ui.version", file=self.q.file, version=self.q.version))
        return f"<div class='tk-scale-legend'>{steps}<br><i>{source} {version}</i></div>"

    def _session_note_html(self) -> str:
        key, fields = self._note
        return f"<div class='tk-note'>{_esc(self._t(key, **fields))}</div>"

    def _set_note(self, key: str, **fields: Any) -> None:
        self._note = (key, fields)
        self.session_note.value = self._session_note_html()

    # ------------------------------------------------------------------ sessions
    def _after_save(self) -> None:
        """Note the file just written (for :meth:`_attached`) and list a new session."""
        path = autosave.session_path(
            self.instrument, self.unit_name, self.round_name, folder=self.folder
        )
        self._seen = self._stamp(path)
        if path.name not in {Path(p).name for p, _ in self._saved_options()}:
            self._refresh_sessions()

    def _remember(self) -> None:
        """Keep this page's session and respondent in its tab (:class:`PageState`)."""
        self.page_state.remember(
            unit=self.unit_name, round=self.round_name, respondent=str(self.respondent.value)
        )

    def _saved(self) -> pd.DataFrame:
        return autosave.list_sessions(self.instrument, folder=self.folder)

    def _saved_options(self) -> list[tuple[str, str]]:
        return [(str(p), str(label)) for p, label in self._session_list]

    def _refresh_sessions(self) -> None:
        saved = self._saved()
        self._session_list = [
            (str(path), f"{unit} · {round_}")
            for path, unit, round_ in zip(saved["path"], saved["unit"], saved["round"], strict=True)
        ]
        unreadable = saved.attrs.get("unreadable", [])
        self._busy = True
        try:
            current = str(
                autosave.session_path(
                    self.instrument, self.unit_name, self.round_name, folder=self.folder
                )
            )
            self._set_options(self.sessions, self._session_options())
            self.sessions.value = current if current in dict(self._session_list) else _NEW
            self._set_options(self.compare, self._compare_options())
        finally:
            self._busy = False
        if unreadable:
            self._set_note("selfassess.ui.note_unreadable", files=", ".join(unreadable))

    def _session_options(self) -> list[tuple[str, str]]:
        options = [(label, path) for path, label in self._session_list]
        current = str(
            autosave.session_path(
                self.instrument, self.unit_name, self.round_name, folder=self.folder
            )
        )
        if current not in dict(self._session_list):
            label = self._t(
                "selfassess.ui.session_unsaved", unit=self.unit_name, round=self.round_name
            )
            options.insert(0, (label, _NEW))
        return options

    def _compare_options(self) -> list[tuple[str, str]]:
        current = str(
            autosave.session_path(
                self.instrument, self.unit_name, self.round_name, folder=self.folder
            )
        )
        return [(self._t("selfassess.ui.compare_none"), "")] + [
            (label, path) for path, label in self._session_list if path != current
        ]

    def _resume(self) -> None:
        """On open: resume the most recently edited session of this questionnaire.

        A saved session that cannot be opened (another version of the question
        file, a damaged file) is named in the error box and the next one is
        tried; with none, a new session starts.
        """
        # Stamp before reading: a file written while this runs (a pre-heated
        # kernel resumes while the page it replaces is still saving) differs
        # from the stamp, so the page reads it again when it attaches.
        seen = self._latest_on_disk()
        saved = self._saved()
        problem: DataError | None = None
        for path, updated in zip(saved["path"], saved["updated"], strict=True):
            try:
                self._open_session(str(path))
            except DataError as exc:
                problem = problem or exc
                continue
            self._set_note(
                "selfassess.ui.note_resumed",
                unit=self.unit_name,
                round=self.round_name,
                time=_local_time(str(updated)),
                count=len(saved),
            )
            break
        else:
            self.answers = sa.empty_answers()
            self._refresh_sessions()
            self._set_note("selfassess.ui.note_new", folder=str(self.folder))
            self._show_answers()
            self.update()
            self._remember()
        self._seen = seen
        if problem is not None:
            self._show_error(problem.message(self.lang))

    @staticmethod
    def _stamp(path: Path) -> tuple[str, int, int, int]:
        """A file's path, time stamp, inode and size: every atomic save changes one."""
        info = path.stat()
        return (str(path), info.st_mtime_ns, info.st_ino, info.st_size)

    def _latest_on_disk(self) -> tuple[str, int, int, int]:
        """The stamp of the most recently written session file of this questionnaire."""
        stamps = []
        for file in self.folder.glob(f"{autosave.slug(self.instrument)}__*.json"):
            try:
                stamps.append(self._stamp(file))
            except FileNotFoundError:  # replaced between listing and reading
                continue
        return max(stamps, key=lambda s: (s[1], s[0])) if stamps else ("", 0, 0, 0)

    def _attached(self) -> None:
        """The page has drawn the workbook: catch up with answers saved since it was built.

        Voilà pre-heats a kernel (runs the notebook) before anyone opens the
        page; answers given in another tab or before a reload are on disk by
        then, so the session is read again when the page attaches.
        """
        if self._latest_on_disk() != self._seen:
            self._resume()

    def _shown(self, state: dict[str, Any] | None) -> None:
        """A page shows the workbook: return to its own session and respondent, if it had one.

        ``state`` is what the page's tab kept (:class:`PageState`): after a
        reload the page's session is read from disk again (with every page's
        answers) and its respondent picked again. A new page (``None``)
        catches up with the most recently edited session (:meth:`_attached`).
        """
        unit = state.get("unit") if state else None
        round_ = state.get("round") if state else None
        if not isinstance(unit, str) or not isinstance(round_, str):
            self._attached()
            return
        path = autosave.session_path(self.instrument, unit, round_, folder=self.folder)
        if path.exists():
            self._open_session(str(path))
        else:
            self.unit_name, self.round_name = unit, round_
            self.answers = sa.empty_answers()
            self._busy = True
            try:
                self.unit.value, self.round.value = unit, round_
            finally:
                self._busy = False
            self._refresh_sessions()
        who = state.get("respondent") if state else None
        if who in {r.id for r in self.q.respondents}:
            self._busy = True
            try:
                self.respondent.value = who
            finally:
                self._busy = False
        self._show_answers()
        self.update()
        self._remember()
        self._seen = self._latest_on_disk()
        self._set_note("selfassess.ui.note_page", unit=unit, round=round_)

    def _read_session(self, path: str) -> tuple[dict[str, Any], pd.DataFrame]:
        record = autosave.load_session(path, lang=self.lang)
        if record.get("questionnaire") != self.q.id or str(record.get("version")) != self.q.version:
            raise DataError(
                "selfassess.import_other_version",
                file=Path(path).name,
                found=str(record.get("version", "–")),
                expected=self.q.version,
                name=self.q.title[self.lang],
                lang=self.lang,
            )
        answers = sa.answers_from_records(
            list(record.get("answers", [])), self.q, file=Path(path).name, lang=self.lang
        )
        return record, answers

    def _open_session(self, path: str) -> None:
        record, answers = self._read_session(path)
        self.unit_name, self.round_name = str(record["unit"]), str(record["round"])
        self.answers = answers
        self._busy = True
        try:
            self.unit.value, self.round.value = self.unit_name, self.round_name
            if record.get("respondent") in {r.id for r in self.q.respondents}:
                self.respondent.value = record["respondent"]
        finally:
            self._busy = False
        self._refresh_sessions()
        self._show_answers()
        self.update()
        self._remember()

    def _session_picked(self, change: Any) -> None:
        if self._busy or change["new"] in (None, _NEW):
            return
        self._guarded(self._pick_session)(str(change["new"]))

    def _pick_session(self, path: str) -> None:
        self._open_session(path)
        self._set_note("selfassess.ui.note_opened", unit=self.unit_name, round=self.round_name)
        self._clear_error()

    def _key_changed(self, _change: Any) -> None:
        if not self._busy:
            self._guarded(self._switch_key)()

    def _switch_key(self) -> None:
        """Unit or round typed: open that session if saved, else start it empty."""
        unit, round_ = self.unit.value.strip(), self.round.value.strip()
        sa.check_names(unit, round_)  # no identity number in a saved name
        previous = (self.unit_name, self.round_name)
        path = autosave.session_path(self.instrument, unit, round_, folder=self.folder)
        if path.exists():
            self._open_session(str(path))
            self._set_note("selfassess.ui.note_opened", unit=unit, round=round_)
        else:
            self.unit_name, self.round_name = unit, round_
            self.answers = sa.empty_answers()
            self._refresh_sessions()
            self._show_answers()
            self.update()
            self._remember()
            self._set_note(
                "selfassess.ui.note_switched",
                unit=unit,
                round=round_,
                old_unit=previous[0],
                old_round=previous[1],
            )
        self._clear_error()

    # ------------------------------------------------------------------ answering
    def _show_answers(self) -> None:
        """Put the current respondent's answers into the controls (no saving)."""
        who = str(self.respondent.value)
        asked = {x.id for x in self.q.questions_for(who)}
        self._busy = True
        try:
            for qid, toggle in self.toggles.items():
                self.rows[qid].layout.display = "" if qid in asked else "none"
                toggle.value = sa.answer_value(self.answers, who, qid)
        finally:
            self._busy = False

    def _respondent_changed(self, _change: Any) -> None:
        if not self._busy:
            self._guarded(self._respondent_switch)()

    def _respondent_switch(self) -> None:
        self._show_answers()
        self._progress()
        self._remember()  # this page's respondent, for a reload (never another page's)

    def _toggled(self, question_id: str, change: Any) -> None:
        if not self._busy:
            self._guarded(self._answered)(question_id, change["new"])

    def _answered(self, question_id: str, value: Any) -> None:
        # applied to the session as it is on disk, under its lock: the answers
        # other pages saved meanwhile are kept, and come back with the result
        self.answers = autosave.save_answer(
            self.q,
            self.unit_name,
            self.round_name,
            str(self.respondent.value),
            question_id,
            value,
            folder=self.folder,
            lang=self.lang,
        )
        self._after_save()
        self._show_answers()
        self.update()
        self._clear_error()

    # ------------------------------------------------------------------ results
    def _progress(self) -> None:
        who = str(self.respondent.value)
        asked = self.q.table()
        mine = self.answers[self.answers["respondent"] == who]
        self.progress.value = (
            "<div class='tk-progress-text'>"
            + _esc(
                self._t(
                    "selfassess.ui.progress",
                    respondent=self._respondent_name(who),
                    done=len(mine),
                    asked=int((asked["respondent"] == who).sum()),
                    all_done=len(self.answers),
                    all_asked=len(asked),
                )
            )
            + "</div>"
        )

    def update(self) -> None:
        if not hasattr(self, "q") or not hasattr(self, "toggles"):
            return
        self._progress()
        self.download.value = ""  # a link made before this change would carry stale answers
        scores = sa.group_scores(self.answers, self.q)
        overall = sa.overall_scores(scores)
        other = self._other_answers()
        self.scores.value = self._scores_html(scores, overall)
        self.spread_note.value = self._spread_html(overall)
        self.compare_table.value = self._compare_html(other)
        other_overall = None if other is None else sa.overall_scores(sa.group_scores(other, self.q))
        self.chart.spec = self._radar_spec(scores, other_overall)

    def _scores_html(self, scores: pd.DataFrame, overall: pd.DataFrame) -> str:
        n = self.lang
        if scores["n_answered"].sum() == 0 and scores["n_dont_know"].sum() == 0:
            return (
                f"<p class='tk-note tk-no-answers'>{_esc(self._t('selfassess.ui.no_answers'))}</p>"
            )
        wide = np.full((len(self.q.groups), len(self.q.respondents)), np.nan)
        g_at = {g.id: i for i, g in enumerate(self.q.groups)}
        r_at = {r.id: j for j, r in enumerate(self.q.respondents)}
        wide[
            scores["group"].map(g_at).to_numpy(dtype="int64"),
            scores["respondent"].map(r_at).to_numpy(dtype="int64"),
        ] = scores["mean"].to_numpy(dtype=float)
        means = overall["mean"].to_numpy(dtype=float)
        spreads = overall["spread"].to_numpy(dtype=float)
        head = "".join(f"<th>{_esc(self._respondent_name(r.id))}</th>" for r in self.q.respondents)
        head = (
            f"<tr><th>{_esc(self._t('selfassess.ui.col_group'))}</th>{head}"
            f"<th>{_esc(self._t('selfassess.ui.col_overall'))}</th>"
            f"<th>{_esc(self._t('selfassess.ui.col_spread'))}</th>"
            f"<th>{_esc(self._t('selfassess.ui.col_dont_know'))}</th></tr>"
        )
        # "don't know" answers per group, over every respondent: counted and shown
        per_group = scores.groupby("group", sort=False)[["n_dont_know", "n_questions"]].sum()
        rows = []
        for i, g in enumerate(self.q.groups):
            cells = "".join(
                f"<td class='tk-score-{g.id}-{r.id}'>{_answer_cell(wide[i, j], n)}</td>"
                for j, r in enumerate(self.q.respondents)
            )
            rows.append(
                f"<tr><td>{_esc(self._group_name(g.id))}</td>{cells}"
                f"<td class='tk-overall-{g.id}'><b>{_answer_cell(means[i], n)}</b></td>"
                f"<td class='tk-spread-{g.id}'>{_answer_cell(spreads[i], n)}</td>"
                f"<td class='tk-dont-know-{g.id}'>{_esc(self._dont_know(per_group, g.id))}</td></tr>"
            )
        k, asked = int(per_group["n_dont_know"].sum()), int(per_group["n_questions"].sum())
        note = (
            f"<p class='tk-note tk-dont-know-note'>"
            f"{_esc(self._t('selfassess.ui.dont_know_note', k=k, n=asked))}</p>"
            if k
            else ""
        )
        return f"<table class='tk-table'>{head}{''.join(rows)}</table>{note}"

    def _dont_know(self, per_group: pd.DataFrame, group: str) -> str:
        """ "k av n": the group's "don't know" answers out of its questions to every respondent."""
        if group not in per_group.index:
            return "–"
        at = per_group.index.get_loc(group)
        k = int(per_group["n_dont_know"].to_numpy()[at])
        asked = int(per_group["n_questions"].to_numpy()[at])
        return self._t("selfassess.ui.dont_know_count", k=k, n=asked)

    def _spread_html(self, overall: pd.DataFrame) -> str:
        spread = overall[overall["n_respondents"] >= 2]
        if spread.empty:
            return ""
        i = int(np.argmax(spread["spread"].to_numpy(dtype=float)))
        top = {c: spread[c].to_numpy()[i] for c in spread.columns}
        text = self._t(
            f"{self.prefix}spread_note",
            group=self._group_name(str(top["group"])),
            high=self._respondent_name(str(top["highest"])),
            high_value=_answer_cell(float(top["max"]), self.lang),
            low=self._respondent_name(str(top["lowest"])),
            low_value=_answer_cell(float(top["min"]), self.lang),
            spread=_answer_cell(float(top["spread"]), self.lang),
        )
        return f"<p class='tk-note' data-group='{_esc(top['group'])}'>{_esc(text)}</p>"

    # ------------------------------------------------------------------ comparison
    def _other_answers(self) -> pd.DataFrame | None:
        path = str(self.compare.value or "")
        if not path:
            return None
        stamp = str(Path(path).stat().st_mtime_ns) if Path(path).exists() else ""
        key = (path, stamp)
        if key not in self._other_cache:
            self._other_cache[key] = self._read_session(path)[1]
        return self._other_cache[key]

    def _compare_picked(self, _change: Any) -> None:
        if not self._busy:
            self._guarded(self._update_and_clear)()

    def _compare_label(self) -> str:
        return dict((p, label) for label, p in self._compare_options()).get(
            str(self.compare.value), ""
        )

    def _compare_html(self, other: pd.DataFrame | None) -> str:
        if other is None:
            return ""
        table = sa.compare(self.answers, other, self.q)
        n = self.lang
        head = (
            f"<tr><th>{_esc(self._t('selfassess.ui.col_group'))}</th>"
            f"<th>{_esc(self._t('selfassess.ui.col_this', unit=self.unit_name, round=self.round_name))}</th>"
            f"<th>{_esc(self._compare_label())}</th>"
            f"<th>{_esc(self._t('selfassess.ui.col_difference'))}</th></tr>"
        )
        rows = "".join(
            f"<tr><td>{_esc(self._group_name(g))}</td>"
            f"<td>{_answer_cell(float(a), n)}</td><td>{_answer_cell(float(b), n)}</td>"
            f"<td class='tk-diff-{g}'>{'+' if d > 0 else ''}{_answer_cell(float(d), n)}</td></tr>"
            for g, a, b, d in table.itertuples(index=False)
        )
        return f"<table class='tk-table'>{head}{rows}</table>"

    # ------------------------------------------------------------------ chart
    def _radar_template(self, other_label: str | None) -> dict[str, Any]:
        """The radar chart's spec without its data (built once per language and session).

        The lines read the named data sets ``tk_scores`` and ``tk_other``,
        filled in by :meth:`_radar_spec` on every answer: an answer then
        costs no chart building or schema validation
        (see :func:`toolkit.charts.radar_spec`).
        """
        key = (self.lang, self.unit_name, self.round_name, other_label)
        if self._template is not None and self._template[0] == key:
            return self._template[1]
        title = self._t(f"{self.prefix}chart_title", unit=self.unit_name, round=self.round_name)
        if other_label is not None:
            title = title + " – " + self._t("selfassess.ui.compare_line", label=other_label)
        spec = charts.radar_spec(
            [self._group_name(g.id) for g in self.q.groups],
            [self._respondent_name(r.id) for r in self.q.respondents],
            (self.q.scale_min, self.q.scale_max),
            self.lang,
            title=title,
            legend=self._t(f"{self.prefix}respondent"),
            compare=other_label is not None,
        )
        self._template = (key, spec)
        return spec

    @staticmethod
    def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        """Rows as JSON-ready records (NaN as null: the line breaks there)."""
        clean = frame.astype(object).where(frame.notna(), None)
        return [dict(zip(clean.columns, row, strict=True)) for row in clean.to_numpy().tolist()]

    def _radar_spec(self, scores: pd.DataFrame, other_overall: pd.DataFrame | None) -> dict:
        """The radar's spec with this session's scores (and the comparison) filled in."""
        n_groups = len(self.q.groups)
        k_of = {g.id: k for k, g in enumerate(self.q.groups)}
        lines = pd.DataFrame(
            {
                "series": [self._respondent_name(r) for r in scores["respondent"]],
                "k": scores["group"].map(k_of).to_numpy(),
                "radius": scores["mean"].to_numpy(dtype=float).round(2),
                "group_name": [self._group_name(g) for g in scores["group"]],
            }
        )
        other = None
        if other_overall is not None:
            other = radar_points(
                pd.DataFrame(
                    {
                        "k": np.arange(n_groups),
                        "radius": other_overall["mean"].to_numpy(dtype=float),
                    }
                ).assign(series="other"),
                n_groups,
            )
        template = self._radar_template(None if other is None else self._compare_label())
        datasets = dict(template.get("datasets", {}))
        datasets["tk_scores"] = self._records(radar_points(lines, n_groups))
        if other is not None:
            datasets["tk_other"] = self._records(other)
        return {**template, "datasets": datasets}

    # ------------------------------------------------------------------ export and import
    def _file_stem(self) -> str:
        return "_".join(
            autosave.slug(s)
            for s in (self.q.id + "-v" + self.q.version, self.unit_name, self.round_name)
        )

    def _export(self, kind: str) -> None:
        if self.answers.empty:
            self.download.value = ""
            self._show_error(self._t("selfassess.ui.export_empty"))
            return
        if kind == "csv":
            content = sa.answers_csv_bytes(
                self.answers, self.q, unit=self.unit_name, round_=self.round_name, lang=self.lang
            )
            mime, name = "text/csv", self._file_stem() + ".csv"
        else:
            content = sa.answers_excel_bytes(
                self.answers, self.q, unit=self.unit_name, round_=self.round_name, lang=self.lang
            )
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            name = self._file_stem() + ".xlsx"
        data = base64.b64encode(content).decode("ascii")
        link = _esc(self._t("selfassess.ui.download", name=name))
        self.download.value = (
            f"<a class='tk-download-{kind}' download='{_esc(name)}' "
            f"href='data:{mime};base64,{data}'>⬇ {link}</a>"
        )
        self._clear_error()

    def _imported(self, change: Any) -> None:
        files = change["new"]
        if not files:
            return
        try:
            self._guarded(self._import_file)(files[0])
        finally:
            self.importer.unobserve(self._imported, names="value")
            self.importer.value = ()
            self.importer.observe(self._imported, names="value")

    def _import_file(self, item: Any) -> None:
        self.import_note.value = ""
        self.confirm.layout.display = "none"
        self._pending = None
        imported = sa.read_answers(
            bytes(item["content"]), self.q, file=Path(str(item["name"])).name, lang=self.lang
        )
        target = autosave.session_path(
            self.instrument, imported.unit, imported.round, folder=self.folder
        )
        existing = self._read_session(str(target))[1] if target.exists() else sa.empty_answers()
        merge = sa.merge_answers(existing, imported.answers, self.q)
        if not merge.applied:
            self._ask(imported, merge)
            return
        self._apply_import(imported, overwrite=False)

    def _ask(self, imported: sa.ImportedAnswers, merge: sa.Merge) -> None:
        """Show the answers an import would change and wait for the user's choice."""
        self._pending = (imported, merge.answers)
        examples = ", ".join(
            f"{self._respondent_name(r)}/{qid}: {self._answer_text(c)} → {self._answer_text(i)}"
            for r, qid, c, i in merge.conflicts.head(3).itertuples(index=False)
        )
        self.confirm_text.value = (
            "<div class='tk-confirm'>"
            + _esc(
                self._t(
                    "selfassess.ui.confirm",
                    file=imported.file,
                    n=len(merge.conflicts),
                    unit=imported.unit,
                    round=imported.round,
                    examples=examples,
                )
            )
            + "</div>"
        )
        self.confirm.layout.display = ""
        self._clear_error()

    def _answer_text(self, code: str) -> str:
        return self._t("selfassess.ui.dont_know") if code == "dont_know" else code

    def _confirm_import(self, overwrite: bool) -> None:
        pending, self._pending = self._pending, None
        self.confirm.layout.display = "none"
        if pending is None:
            return
        imported, _existing = pending
        if not overwrite:
            self.import_note.value = (
                f"<div class='tk-ok'>{_esc(self._t('selfassess.ui.import_cancelled'))}</div>"
            )
            return
        self._apply_import(imported, overwrite=True)

    def _apply_import(self, imported: sa.ImportedAnswers, *, overwrite: bool) -> None:
        """Merge the imported answers into the session as it is on disk, under its lock.

        Without ``overwrite``, an answer another page gave meanwhile that the
        import would change is not overwritten: the question is asked again.
        """
        merges: list[sa.Merge] = []

        def merge_into(on_disk: pd.DataFrame) -> pd.DataFrame | None:
            merge = sa.merge_answers(on_disk, imported.answers, self.q, overwrite=overwrite)
            merges.append(merge)
            return merge.answers if merge.applied else None

        answers = autosave.save_answers(
            self.q,
            imported.unit,
            imported.round,
            merge_into,
            folder=self.folder,
            lang=self.lang,
        )
        merge = merges[0]
        if not merge.applied:
            self._ask(imported, merge)
            return
        added, replaced = merge.added, len(merge.conflicts)
        self.unit_name, self.round_name = imported.unit, imported.round
        self.answers = answers
        self._busy = True
        try:
            self.unit.value, self.round.value = self.unit_name, self.round_name
        finally:
            self._busy = False
        self._after_save()
        self._remember()
        self._refresh_sessions()
        self._show_answers()
        self.update()
        self.import_note.value = (
            "<div class='tk-ok'>"
            + _esc(
                self._t(
                    "selfassess.ui.import_done",
                    file=imported.file,
                    added=added,
                    replaced=replaced,
                    unit=imported.unit,
                    round=imported.round,
                )
            )
            + "</div>"
        )
        self._clear_error()

    def _relabel(self) -> None:
        super()._relabel()
        if hasattr(self, "toggles"):
            self._show_answers()


class PksApp(_SelfAssessApp):
    """PKS self-assessment (PKS-självskattning).

    The maturity questionnaire on PKS's five elements, answered per
    management level (strategic, tactical, operational), from
    ``toolkit/data/selfassess/pks_v1.yaml`` or a region's own file
    (``questions=path``). Answers are saved as they are given under
    ``BUP_TOOLKIT_SAVE_DIR`` (or ``save_folder``); the most recently edited
    session is resumed when the workbook opens.

    Under each question scored below :data:`toolkit.pks_links.DEFAULT_THRESHOLD`
    by some level, and for each element scored low in the results, the page
    lists the parts of the toolkit that support that element
    (:func:`toolkit.pks_links.links_for_scores`): workbooks and reports as
    links, functions and documents by name.
    """

    title_key = "widgets.pks.title"
    intro_key = "widgets.pks.intro"
    prefix = "widgets.pks."
    builtin = "pks"

    def _build(self) -> None:
        super()._build()
        self.question_links: dict[str, w.HTML] = {}
        for qid, row in self.rows.items():
            box = w.HTML()
            box.add_class("tk-pks-links")
            box.add_class(f"tk-links-{qid}")
            self.question_links[qid] = box
            row.children = (*row.children, box)
        self.element_links = w.HTML()
        self.element_links.add_class("tk-pks-element-links")
        self.compare_box.children = (self.element_links, *self.compare_box.children)

    def update(self) -> None:
        super().update()
        if not hasattr(self, "question_links"):
            return
        from toolkit import pks_links

        answered = self.answers[~self.answers["dont_know"].astype(bool)]
        answered = answered[answered["score"].notna()]
        group_of = {x.id: x.group for x in self.q.questions}
        for qid, box in self.question_links.items():
            rows = answered[answered["question_id"] == qid]
            scores = pd.DataFrame(
                {
                    "group": [group_of[qid]] * len(rows),
                    "respondent": rows["respondent"].to_numpy(),
                    "mean": rows["score"].to_numpy(dtype=float),
                }
            )
            links = pks_links.links_for_scores(scores, lang=self.lang)
            box.value = self._links_html(links, "pks_links.ui.question_links")
        links = pks_links.links_for_scores(sa.group_scores(self.answers, self.q), lang=self.lang)
        if links.empty:
            threshold = format_number(pks_links.DEFAULT_THRESHOLD, self.lang, 0)
            self.element_links.value = (
                f"<p class='tk-note'>{_esc(self._t('pks_links.ui.none', threshold=threshold))}</p>"
            )
            return
        parts = [f"<h3>{_esc(self._t('pks_links.ui.heading'))}</h3>"]
        for group, part in links.groupby("group", sort=False):
            head = self._t(
                "pks_links.ui.element",
                group=self._group_name(str(group)),
                mean=format_number(float(part["lowest_mean"].iloc[0]), self.lang, 1),
                respondents=self._respondents_text(str(part["respondents"].iloc[0])),
            )
            parts.append(
                f"<div class='tk-pks-element tk-pks-element-{_esc(str(group))}'>"
                f"<b>{_esc(head)}</b>{self._links_html(part, None)}</div>"
            )
        self.element_links.value = "".join(parts)

    def _respondents_text(self, ids: str) -> str:
        return ", ".join(self._respondent_name(r.strip()) for r in ids.split(",") if r.strip())

    def _links_html(self, links: pd.DataFrame, head_key: str | None) -> str:
        """The links as a list: workbooks and reports as links beside this page, the rest by name."""
        if links.empty:
            return ""
        items = []
        for row in links.to_dict("records"):
            kind, target, text = str(row["kind"]), str(row["target"]), str(row["text"])
            label = _esc(self._t(f"pks_links.kind.{kind}"))
            if kind == "workbook":  # the workbooks are served side by side
                name = Path(target).name
                where = (
                    f"<a class='tk-pks-link' href='{_esc(name)}' target='_blank' "
                    f"rel='noopener'>{_esc(name)}</a>"
                )
            else:
                where = f"<code>{_esc(target)}</code>"
            items.append(f"<li>{label}: {where}: {_esc(text)}</li>")
        head = ""
        if head_key is not None:
            who = self._respondents_text(str(links["respondents"].iloc[0]))
            head = f"<div class='tk-small'>{_esc(self._t(head_key, respondents=who))}</div>"
        return f"<div class='tk-pks-link-list'>{head}<ul>{''.join(items)}</ul></div>"


class KvipsApp(_SelfAssessApp):
    """KvIPS self-evaluation (KvIPS-självutvärdering).

    Shared quality parameters and the year's focus areas
    (``toolkit/data/selfassess/kvips_v1.yaml``, or the year's file passed as
    ``questions=path``), scored separately by each role, the patient or family
    representative included; compare with another unit's saved session for
    the dialogue.
    """

    title_key = "widgets.kvips.title"
    intro_key = "widgets.kvips.intro"
    prefix = "widgets.kvips."
    builtin = "kvips"
