"""The unit report's section *Queue formulas*: demand, capacity, target queue and the verdict.

:func:`_now_blocks` writes the now figures (window, table, verdict, messages)
into a section; the capacity plan's analytic answer shows the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from toolkit import unit_now
from toolkit.i18n import t
from toolkit.report._figures import _STAGES, UnitFigures, _balance_texts, _queue_table
from toolkit.report._format import _num
from toolkit.report._html import Section, html_table

__all__ = ["queue_section"]


def queue_section(f: UnitFigures) -> Section:
    """The queue formulas per stage over the now window, with the balance verdict."""
    lang = f.lang
    queue_section = Section("queue", t("report.h.queue", lang))
    queue_section.text(t("report.queue_text", lang, weeks=_num(f.time_to_target_weeks, lang)))
    _now_blocks(queue_section, f.now, f.opts)
    return queue_section


def _queue_html(now: unit_now.NowFigures, opts: Mapping[str, Any]) -> str:
    """The queue-formula table (one row per stage) as HTML, with the workbook's decimals."""
    lang = str(opts["lang"])
    shown = _queue_table(now)
    shown["stage"] = [t(f"flow.stage.{s}", lang) for s in shown["stage"]]
    one = {
        c: (lambda v: _num(v, lang, 1))
        for c in shown.columns
        if c.endswith("per_week") or c == "time_to_clear_weeks"
    }
    one["load"] = lambda v: _num(v, lang, 2)
    one["queue_size"] = lambda v: _num(v, lang)
    one["target_queue_size"] = lambda v: _num(v, lang)
    one["time_to_clear_weeks"] = lambda v: (
        t("report.never", lang) if math.isinf(v) else _num(v, lang, 1)
    )
    return html_table(
        shown,
        labels={c: t(f"report.col.{c}", lang) for c in shown.columns},
        formats=one,
        wide=True,
        counts=["queue_size"],
        **opts,
    )


def _now_blocks(section: Section, now: unit_now.NowFigures, opts: Mapping[str, Any]) -> None:
    """The now figures in a section: window and variation, the table, the verdict, the messages."""
    lang = str(opts["lang"])
    section.text(
        t(
            "report.now_text",
            lang,
            window=unit_now.window_text(now.window, lang),
            variation=unit_now.variation_text(now, lang),
        )
    )
    if not now.ok:
        section.text(now.problems["unit"][0])
        return
    section.html("table", _queue_html(now, opts))
    if any(math.isnan(c) for c in now.table["capacity_per_week"]):
        section.text(t("now.no_staff", lang))
    for line in _balance_texts(now, lang, bool(opts["share"]), int(opts["threshold"])):
        section.text(f"- {line}")
    for stage in _STAGES:
        for note in now.problems.get(stage, ()):
            section.text(f"- {t(f'flow.stage.{stage}', lang)}: {note}")
