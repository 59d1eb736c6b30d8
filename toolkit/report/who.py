"""The unit report's section *Who waits?*: waits per group with their intervals (:mod:`toolkit.equity`)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from toolkit import equity, unit_now
from toolkit.i18n import format_number, format_percent, t
from toolkit.io import UnitData
from toolkit.report import _html
from toolkit.report._html import Section, html_table
from toolkit.targets import TargetProfile

__all__ = ["who_waits_html", "who_waits_section", "who_waits_shown", "who_waits_table"]

#: Columns of :func:`who_waits_shown` that are counts, and those resting on a count
#: (hidden with it in share mode).
_COUNTS = ("completed", "waiting")
_DEPENDS = {"median": "completed", "share": "completed"}


def who_waits_table(
    unit: UnitData,
    profile: TargetProfile,
    period_start: Any,
    window_weeks: int,
    *,
    share: bool,
    threshold: int,
    lang: str,
    groupings: tuple[str, ...] = equity.GROUPINGS,
) -> pd.DataFrame:
    """The ``groupings`` of :func:`toolkit.equity.who_waits` (default all) in one table, with labels."""
    parts = []
    for by in groupings:
        part = equity.who_waits(
            unit,
            by=by,
            profile=profile,
            window_weeks=window_weeks,
            period_start=period_start,
            share=share,
            threshold=threshold,
        )
        part.insert(0, "grouping", by)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table["grouping_label"] = [t(f"equity.grouping.{g}", lang) for g in table["grouping"]]
    table["group_label"] = [
        equity.group_label(g, v, lang)
        for g, v in zip(table["grouping"], table["group"], strict=True)
    ]
    return table


def _interval(value: float, low: float, high: float, fmt: Any) -> str:
    if math.isnan(value):
        return "–"
    return f"{fmt(value)} ({fmt(low)}–{fmt(high)})"


def who_waits_section(
    unit: UnitData,
    profile: TargetProfile,
    now: unit_now.NowFigures,
    period_start: Any,
    *,
    charts: bool,
    share: bool,
    threshold: int,
    lang: str,
) -> Section:
    """The section: how it is read, the table of every grouping and stage, and the chart."""
    section = Section("who", t("report.h.who_waits", lang))
    if unit.kind != "events":
        section.text(t("report.who.counts_only", lang))
        return section
    section.text(t("report.who.intro", lang, window=unit_now.window_text(now.window, lang)))
    if share:
        section.text(t("report.who.hidden", lang, threshold=threshold))
    table = who_waits_table(
        unit,
        profile,
        period_start,
        now.window.asked_weeks,
        share=share,
        threshold=threshold,
        lang=lang,
    )
    section.html(
        "table",
        who_waits_html(who_waits_shown(table, lang), share=share, threshold=threshold, lang=lang),
    )
    if charts:
        from toolkit.charts import who_waits_chart

        first = now.table[now.table["stage"] == "first_assessment"]
        overall = float(first["share_within_target"].iloc[0]) if len(first) else math.nan
        section.html("svg", _html.svg(who_waits_chart(table, overall, lang)))
    return section


def who_waits_shown(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`who_waits_table` as readers see it: labels, and each figure with its interval.

    Columns ``grouping``, ``group``, ``stage`` (labels), ``completed``,
    ``median`` ("8 (7–9)", days), ``share`` ("92 % (85 %–96 %)") and
    ``waiting``; a figure hidden in share mode (NaN) reads "–" until
    :func:`who_waits_html` marks it.
    """

    def days(v: float) -> str:
        return format_number(v, lang)

    def share_text(v: float) -> str:
        return format_percent(v, lang)

    return pd.DataFrame(
        {
            "grouping": table["grouping_label"],
            "group": table["group_label"],
            "stage": [t(f"flow.stage.{s}", lang) for s in table["stage"]],
            "completed": table["completed"],
            "median": [
                _interval(v, lo, hi, days)
                for v, lo, hi in zip(
                    table["median_wait_days"],
                    table["median_low"],
                    table["median_high"],
                    strict=True,
                )
            ],
            "share": [
                _interval(v, lo, hi, share_text)
                for v, lo, hi in zip(
                    table["share_within_target"],
                    table["share_low"],
                    table["share_high"],
                    strict=True,
                )
            ],
            "waiting": table["waiting_now"],
        }
    )


def who_waits_html(shown: pd.DataFrame, *, share: bool, threshold: int, lang: str) -> str:
    """The HTML table of :func:`who_waits_shown` (or some of its columns), as the report shows it.

    In share mode a count below ``threshold`` and the median and share
    resting on it read ``<threshold`` (:func:`toolkit.report._html.html_table`).
    The unit report and the workbook *Vem väntar?* both draw their table
    with this function, so the same unit and settings give the same cells.
    """
    return html_table(
        shown,
        lang=lang,
        labels={c: t(f"report.who.col.{c}", lang) for c in shown.columns},
        wide=True,
        counts=[c for c in _COUNTS if c in shown.columns],
        depends={c: base for c, base in _DEPENDS.items() if c in shown.columns},
        share=share,
        threshold=threshold,
    )
