"""Where does the time go (Vart tar tiden vägen?)."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import altair as alt
import ipywidgets as w
import pandas as pd

from toolkit import charts
from toolkit.errors import ParameterError
from toolkit.widgets.base import (
    UnitSource,
    _App,
    _esc,
    format_number,
    last_date,
)

# --------------------------------------------------------------------------- time use


class TimeUseApp(_App):
    """Where does the time go (Vart tar tiden vägen?).

    The unit's time-use study summarised per staff category and activity
    (:func:`toolkit.capacity.time_use_shares`), and what freeing a share of
    the non-clinical time does to clinical hours and appointments
    (:func:`toolkit.capacity.change_effect`) and to the queue for a first
    assessment (:func:`toolkit.waitlist.queue_load`: demand over capacity,
    both the unit's now figures from :func:`toolkit.unit_now.now_figures`,
    capacity from staffing scaled by the change in appointments).
    Appointments use the toolkit's default visit mix (``visits`` not passed),
    which keeps a slider move under 100 ms.
    """

    title_key = "widgets.time.title"
    intro_key = "widgets.time.intro"
    uses_tables = ("referrals", "staff", "time_use")

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
        self.chart = alt.JupyterChart(charts.empty_chart())
        self.chart.add_class("tk-main-chart")
        self._chart_specs: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._base: tuple[Any, ...] | None = None
        self._guarded(self.update)()
        self._watch(self.freed)
        self._results(self.figures, self.chart)
        self.container = self._frame(self.source.box, self.freed, self.figures, self.chart)

    def _baseline(self) -> tuple[Any, ...]:
        from toolkit import capacity, unit_now
        from toolkit.targets import load_profile

        name, entry, unit = self.source.current()
        key = (name, id(unit))
        if self._base is not None and self._base[0] == key:
            return self._base
        # partial data: without a time-use study the default non-clinical share is
        # used (and there is no study to chart); without staff only the queue is shown
        shares = (
            capacity.time_use_shares(unit.time_use, lang=self.lang)
            if unit.has("time_use")
            else None
        )
        on = entry.extract_date if entry is not None else last_date(unit)
        if entry is None and on is not None and on != unit.extract_date:
            # an upload: its data end on its last date, not on the day it was uploaded
            unit = dataclasses.replace(unit, extract_date=on)
        hours = (
            capacity.staff_hours(unit.staff, on=on, lang=self.lang) if unit.has("staff") else None
        )
        # the unit's now figures, as in its report and in Behov och kapacitet
        now = unit_now.now_figures(
            unit,
            profile=load_profile(str(getattr(entry, "target_profile", None) or "bup_30_30")),
            period_start=entry.extra.get("period_start") if entry is not None else None,
            lang=self.lang,
        )
        if not now.ok:
            raise ParameterError(
                "now.too_short",
                weeks=now.window.weeks,
                least=unit_now.MIN_WINDOW_WEEKS,
                start=now.window.start.date().isoformat(),
                end=now.window.end.date().isoformat(),
                lang=self.lang,
            )
        table = now.table[now.table["stage"].astype(str) == "first_assessment"]
        if table.empty:
            raise ParameterError("widgets.time.no_time_use", argument="unit", lang=self.lang)
        first = table.iloc[0]
        demand = float(first["demand_per_week"])
        capacity_first = float(first["capacity_per_week"])  # from staffing: what staff can give
        waiting = float(first["queue_size"])
        window = unit_now.window_text(now.window, self.lang)
        self._base = (key, shares, hours, demand, capacity_first, waiting, window)
        return self._base

    def update(self) -> None:
        from toolkit import capacity
        from toolkit.waitlist import queue_load

        _key, shares, hours, demand, done, waiting, window = self._baseline()
        n = self.lang
        note = self._t(
            "widgets.time.queue_note",
            demand=format_number(demand, n, 1),
            waiting=format_number(waiting, n, 0),
            window=window,
        )
        # the study's chart only with a study; the slider only with staff
        if shares is not None:
            self._results(self.figures, self.chart)
        else:
            self._results(self.figures)
        self.chart.layout.display = "" if shares is not None else "none"
        self.freed.disabled = hours is None
        if hours is None:
            self.figures.value = (
                f"<p class='tk-note tk-time-no-staff'>{_esc(self._t('widgets.time.no_staff'))}</p>"
                f"<p class='tk-note'>{_esc(note)}</p>"
            )
            return
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
        study = (
            ""
            if shares is not None
            else f"<p class='tk-note tk-time-no-study'>{_esc(self._t('widgets.time.no_study', default=round(100 * capacity.default('non_clinical_share'))))}</p>"
        )
        table = f"<table class='tk-table'>{head}{body}</table>"
        levels = "" if shares is None else self._levels_html(shares)
        self.figures.value = f"{table}{study}<p class='tk-note'>{_esc(note)}</p>{levels}"
        if shares is None:
            return
        # the chart shows the study only: built once per unit and language
        chart_key = (_key, self.lang)
        if chart_key not in self._chart_specs:
            self._chart_specs[chart_key] = self._chart_style(self._time_chart(shares)).to_dict()
        self.chart.spec = self._chart_specs[chart_key]

    def _levels_html(self, shares: pd.DataFrame) -> str:
        """The study's administrative time by level (clinical, organisational, national), all staff."""
        from toolkit.admin_inventory import time_by_level

        levels = time_by_level(shares)
        total = levels[levels["staff_category"] == "total"]
        n = self.lang
        head = (
            f"<tr><th>{_esc(self._t('admin.col.level'))}</th>"
            f"<th>{_esc(self._t('admin.levels_share_of_time'))}</th>"
            f"<th>{_esc(self._t('admin.levels_share_of_admin'))}</th></tr>"
        )
        body = "".join(
            f"<tr class='tk-level-{_esc(level)}'>"
            f"<td>{_esc(self._t('admin.level.' + level))}</td>"
            f"<td>{format_number(100 * of_time, n, 0)} %</td>"
            f"<td>{format_number(100 * of_admin, n, 0)} %</td></tr>"
            for level, of_time, of_admin in zip(
                total["level"].astype(str),
                total["share_of_time"].astype(float),
                total["share_of_admin"].astype(float),
                strict=True,
            )
        )
        return (
            f"<p><b>{_esc(self._t('admin.levels_title'))}</b></p>"
            f"<table class='tk-table tk-levels'>{head}{body}</table>"
        )

    def _time_chart(self, shares: pd.DataFrame) -> Any:
        per = shares.groupby(["staff_category", "activity"], observed=True, as_index=False)[
            "share"
        ].sum()
        return charts.time_use_chart(cast(pd.DataFrame, per), self.lang)
