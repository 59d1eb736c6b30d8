"""KvIPS årshjul: the year's dialogue cycle for a region's units (workbook application)."""

from __future__ import annotations

import base64
import datetime as dt
import math
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as w
import pandas as pd

from toolkit import charts, privacy
from toolkit import kvips_cycle as kc
from toolkit import selfassess as sa
from toolkit.errors import ParameterError
from toolkit.widgets.base import _App, _esc


class KvipsCycleApp(_App):
    """KvIPS årshjul (annual cycle): plan, dialogue agenda and region synthesis.

    The coach lists the region's units (one per line) and the cycle's start
    date; the page shows the year's dated steps with the dialogue rounds
    (:func:`toolkit.kvips_cycle.year_plan`, the rotation continuing from
    year to year), the agenda and minutes template of the chosen visit
    (:func:`toolkit.kvips_cycle.visit_agenda`) and the region's synthesis
    (:func:`toolkit.kvips_cycle.region_synthesis`), with Excel and Markdown
    downloads. Answer files exported from the KvIPS self-evaluation workbook
    can be loaded; until then each unit has invented example answers
    (:func:`toolkit.kvips_cycle.example_answers`) and a note says so.
    """

    title_key = "widgets.kvipsc.title"
    intro_key = "widgets.kvipsc.intro"

    def __init__(self, lang: str = "sv") -> None:
        super().__init__(lang)
        self.q = sa.load_questionnaire("kvips")
        self.cycle = kc.load_cycle()
        self.loaded: dict[str, pd.DataFrame] = {}
        style = {"description_width": "initial"}
        self.units = w.Textarea(
            value="\n".join(kc.EXAMPLE_UNITS),
            rows=6,
            continuous_update=False,
            style=style,
            layout=w.Layout(width="520px"),
        )
        self.units.add_class("tk-kvips-units")
        self._label(self.units, "widgets.kvipsc.units")
        self.start = w.Text(value="2026-01-05", continuous_update=False, style=style)
        self.start.add_class("tk-kvips-start")
        self._label(self.start, "widgets.kvipsc.start")
        self.year = w.Dropdown(options=[("1", 0)], value=0, style=style)
        self.year.add_class("tk-kvips-year")
        self._label(self.year, "widgets.kvipsc.year")
        self.visit = w.Dropdown(
            options=[("–", 0)], value=0, style=style, layout=w.Layout(width="760px")
        )
        self.visit.add_class("tk-kvips-visit")
        self._label(self.visit, "widgets.kvipsc.visit")
        self.upload = w.FileUpload(
            accept=".csv,.xlsx", multiple=True, layout=w.Layout(width="auto")
        )
        self.upload.add_class("tk-upload")
        self._label(self.upload, "widgets.kvipsc.upload")
        self.upload.observe(self._uploaded, names="value")
        self.note = w.HTML()
        self.note.add_class("tk-kvips-note")
        self.plan = w.HTML()
        self.plan.add_class("tk-kvips-plan")
        self.agenda = w.HTML()
        self.agenda.add_class("tk-kvips-agenda")
        self.synthesis = w.HTML()
        self.synthesis.add_class("tk-kvips-synthesis")
        self.chart = alt.JupyterChart(charts.empty_chart())
        self.chart.add_class("tk-main-chart")
        self.download = w.HTML()
        self.download.add_class("tk-download")
        self._guarded(self.update)()
        self._watch(self.units, self.start, self.year, self.visit)
        self._results(self.plan, self.agenda, self.synthesis, self.chart, self.download)
        self.container = self._frame(
            self.units,
            w.HBox([self.start, self.year]),
            self.upload,
            self.note,
            self.plan,
            self.visit,
            self.agenda,
            self.synthesis,
            self.chart,
            self.download,
        )

    # ---- inputs
    def _unit_names(self) -> list[str]:
        names = [line.strip() for line in str(self.units.value).splitlines() if line.strip()]
        for name in names:
            privacy.check_text(name, "privacy.field.unit_name", lang=self.lang)
        return names

    def _start_date(self) -> dt.date:
        try:
            return dt.date.fromisoformat(str(self.start.value).strip())
        except ValueError as exc:
            raise ParameterError(
                "widgets.kvipsc.bad_date",
                argument="start",
                value=str(self.start.value)[:20],
                lang=self.lang,
            ) from exc

    def _uploaded(self, change: Any) -> None:
        files = change["new"]
        if not files:
            return
        self._guarded(self._read_files)(files)

    def _read_files(self, files: Any) -> None:
        for item in files:
            imported = sa.read_answers(
                bytes(item["content"]), self.q, file=Path(str(item["name"])).name, lang=self.lang
            )
            self.loaded[imported.unit] = imported.answers
        self._guarded(self._update_and_clear)()

    def _answers(self, names: list[str]) -> tuple[dict[str, pd.DataFrame], list[str]]:
        sessions, examples = {}, []
        for name in names:
            if name in self.loaded:
                sessions[name] = self.loaded[name]
            else:
                sessions[name] = kc.example_answers(name, self.q)
                examples.append(name)
        return sessions, examples

    # ---- output
    def update(self) -> None:
        names = self._unit_names()
        start = self._start_date()
        rounds = kc.pairing_rounds(names)
        years = math.ceil(int(rounds["round"].max()) / self.cycle.rounds_per_year)
        self._busy = True
        try:
            self._set_options(
                self.year,
                [(self._t("widgets.kvipsc.year_n", n=k + 1), k) for k in range(years)],
            )
            plan = kc.year_plan(names, start, year_index=int(self.year.value), cycle=self.cycle)
            visits = plan[(plan["step"] == "dialogue_visit") & (plan["visitor"] != kc.BYE)]
            visits = visits.reset_index(drop=True)
            self._set_options(
                self.visit,
                [
                    (
                        self._t(
                            "widgets.kvipsc.visit_n",
                            round=int(v["round"]),
                            host=v["host"],
                            visitor=v["visitor"],
                        ),
                        i,
                    )
                    for i, v in visits.iterrows()
                ],
            )
        finally:
            self._busy = False
        sessions, examples = self._answers(names)
        unknown = sorted(set(self.loaded) - set(names))
        notes = []
        if examples:
            notes.append(self._t("widgets.kvipsc.examples", units=", ".join(examples)))
        if unknown:
            notes.append(self._t("widgets.kvipsc.not_listed", units=", ".join(unknown)))
        self.note.value = "".join(f"<p class='tk-note'>{_esc(n)}</p>" for n in notes)
        self.plan.value = self._plan_html(plan)
        chosen = visits.iloc[int(self.visit.value)]
        agenda = kc.visit_agenda(
            str(chosen["host"]),
            sessions[str(chosen["host"])],
            str(chosen["visitor"]),
            sessions[str(chosen["visitor"])],
            questionnaire=self.q,
            cycle=self.cycle,
        )
        self.agenda.value = kc.agenda_html(agenda, self.lang)
        synthesis = kc.region_synthesis(sessions, questionnaire=self.q)
        self.synthesis.value = (
            f"<h2>{_esc(self._t('widgets.kvipsc.synthesis'))}</h2>"
            + kc.synthesis_html(synthesis, self.q, self.lang)
        )
        group_names = {g.id: g.name[self.lang] for g in self.q.groups}
        chart = charts.kvips_synthesis_chart(
            synthesis, group_names, self.lang, scale_max=self.q.scale_max
        )
        self.chart.spec = self._chart_style(chart).to_dict()
        excel = kc.workbook_bytes(
            plan=plan, agenda=agenda, synthesis=synthesis, questionnaire=self.q, lang=self.lang
        )
        markdown = kc.agenda_markdown(agenda, self.lang).encode("utf-8")
        stem = self._t("widgets.kvipsc.file_stem")
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        links = [
            (f"{stem}.xlsx", xlsx, excel, "tk-download-xlsx"),
            (f"{stem}-agenda.md", "text/markdown", markdown, "tk-download-md"),
        ]
        self.download.value = "".join(
            f"<a class='{css}' download='{_esc(name)}' "
            f"href='data:{mime};base64,{base64.b64encode(data).decode('ascii')}'>"
            f"⬇ {_esc(self._t('widgets.kvipsc.download', name=name))}</a>"
            for name, mime, data, css in links
        )

    def _plan_html(self, plan: pd.DataFrame) -> str:
        names = {s.id: s.name[self.lang] for s in self.cycle.steps}
        cols = ("step", "round", "host", "visitor", "start", "end")
        head = "".join(f"<th>{_esc(self._t(f'kvips.plan.{c}'))}</th>" for c in cols)
        rows = []
        for r in plan.to_dict("records"):
            cells = [
                names[str(r["step"])],
                str(int(r["round"])) if int(r["round"]) else "",
                str(r["host"]),
                str(r["visitor"])
                if r["visitor"] or not r["host"]
                else self._t("widgets.kvipsc.rests"),
                pd.Timestamp(r["start"]).date().isoformat(),
                pd.Timestamp(r["end"]).date().isoformat(),
            ]
            rows.append("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>")
        title = _esc(self._t("widgets.kvipsc.plan_title"))
        return f"<h2>{title}</h2><table class='tk-table'><tr>{head}</tr>{''.join(rows)}</table>"
