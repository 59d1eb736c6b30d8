"""The counts-only unit report on monthly counts: months shown as months, shares from the counts.

A unit that gives counts per calendar month (the national waiting-time
statistics, :func:`toolkit.national.to_period_counts`, or a unit's own
monthly ``period_counts``) cannot be shown in the weekly unit report
without making up weeks. :func:`monthly_unit_report` shows it month by
month instead (:func:`toolkit.national.monthly_flow`): per stage, arrived,
completed and waiting at the month's end, those within target and the share
within target worked out from them; and a p chart of each stage's monthly
share completed within target (:func:`toolkit.spc.spc`, ``chart="p"``) when
there are at least :data:`SPC_MIN_MONTHS` months with completions.

:func:`toolkit.report.unit_report` comes here for a unit whose counts are
monthly; ``bup-toolkit national FILE --unit NAME`` does for one unit of a
national file (:func:`toolkit.national_report.national_unit_report`).

Share mode (see :mod:`toolkit.disclosure`): the counts are rounded
(:func:`toolkit.national.round_monthly`, the queue and the flow together),
the shares are worked out from the rounded counts and shown only where the
rounded base is at least ``threshold``, and no SPC chart is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit import national, spc
from toolkit.i18n import t
from toolkit.io import UnitData
from toolkit.report._format import _DASH
from toolkit.report._html import Report, Section, html_table, svg

__all__ = [
    "MONTHLY_SHARES",
    "SPC_MIN_MONTHS",
    "counts_are_monthly",
    "monthly_unit_report",
    "shown_monthly",
    "stage_name",
    "unit_monthly_report",
    "whole_percent_text",
]

#: Fewest months with completions for a p chart (as the weekly report's 12 weeks).
SPC_MIN_MONTHS = 12

_SHOWN = (
    "period",
    "arrivals",
    "completions",
    "completed_within_target",
    "share_completed_within",
    "waiting_end",
    "waiting_within_target",
    "share_waiting_within",
)
_COUNTS = (
    "arrivals",
    "completions",
    "completed_within_target",
    "waiting_end",
    "waiting_within_target",
)


#: Each share of the monthly tables: (share, within target, total).
MONTHLY_SHARES = (
    ("share_completed_within", "completed_within_target", "completions"),
    ("share_waiting_within", "waiting_within_target", "waiting_end"),
)


def whole_percent_text(value: Any) -> str:
    """A whole per cent from :func:`toolkit.national.whole_percent` as text, or a dash."""
    return _DASH if pd.isna(value) else f"{int(value)} %"


def counts_are_monthly(counts: pd.DataFrame) -> bool:
    """True when every period of ``counts`` is the first day of a month and no two are closer than 28 days."""
    from toolkit.flow.counts import _counts_freq

    days = pd.to_datetime(counts["period"], errors="coerce").dropna()
    if days.empty:
        return False
    numbers = days.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return _counts_freq(numbers) == "MS"


def shown_monthly(
    counts: pd.DataFrame,
    *,
    share: bool,
    threshold: int,
    start: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """The monthly flow as the reports show it: from ``start``, rounded and hidden in share mode.

    :func:`toolkit.national.monthly_flow` of ``counts``; in share mode its
    counts rounded (:func:`toolkit.national.round_monthly`) and each share
    within target hidden (NaN) where fewer than ``threshold`` lie behind it
    or within it (the count within target reads ``<threshold`` beside it; the
    share would give it back).
    The unit's monthly report and the region overview's row for a monthly
    unit both show this table.
    """
    monthly = national.monthly_flow(counts)
    if start is not None:
        monthly = monthly[monthly["period"] >= pd.Timestamp(start).to_period("M").to_timestamp()]
    if share:
        monthly = national.round_monthly(monthly)
        for column, base, within in (
            ("share_completed_within", "completions", "completed_within_target"),
            ("share_waiting_within", "waiting_end", "waiting_within_target"),
        ):
            hidden = (monthly[base] < threshold) | (monthly[within] < threshold)
            monthly[column] = monthly[column].mask(hidden)
    return monthly


def monthly_unit_report(
    counts: pd.DataFrame,
    *,
    title: str,
    lang: str,
    share: bool = False,
    threshold: int = 5,
    charts: bool = True,
    notes: Sequence[str] = (),
    target_days: int | None = None,
    start: pd.Timestamp | None = None,
) -> Report:
    """The counts-only unit report of monthly ``period_counts`` (see the module notes).

    Parameters
    ----------
    counts : pandas.DataFrame
        Monthly ``period_counts`` (:func:`toolkit.national.monthly_flow` takes them).
    title : str
        The report's title (escaped where it is shown).
    lang : {"sv", "en"}
        Language.
    share, threshold
        Share mode and its smallest count shown.
    charts : bool
        Draw the p charts (SVG).
    notes : sequence of str
        Notes on the data, shown under *About* (numbers in them rounded in share mode).
    target_days : int, optional
        The target's days, named in the text.
    start : Timestamp, optional
        First month shown (default: the first in ``counts``).

    ``numbers`` holds ``months`` (``"YYYY-MM"``), ``stages`` and per stage the
    shares shown (``share_completed``, ``share_waiting``: NaN where not shown).
    """
    monthly = shown_monthly(counts, share=share, threshold=threshold, start=start)
    report = Report(title=title, lang=lang)
    report.numbers.update(_numbers(monthly))
    report.sections.append(_about(monthly, lang, share, threshold, notes))
    report.sections.append(_months_section(monthly, lang, share, threshold, target_days))
    report.sections.append(_spc_section(monthly, lang, share, charts))
    return report


def _numbers(monthly: pd.DataFrame) -> dict[str, Any]:
    stages = list(dict.fromkeys(monthly["stage"]))
    months = sorted(monthly["period"].unique())
    return {
        "kind": "counts_monthly",
        "months": [pd.Timestamp(m).strftime("%Y-%m") for m in months],
        "stages": stages,
        "share_completed": {
            s: monthly.loc[monthly["stage"] == s, "share_completed_within"].tolist() for s in stages
        },
        "share_waiting": {
            s: monthly.loc[monthly["stage"] == s, "share_waiting_within"].tolist() for s in stages
        },
    }


def _about(
    monthly: pd.DataFrame, lang: str, share: bool, threshold: int, notes: Sequence[str]
) -> Section:
    from toolkit import disclosure

    section = Section("about", t("report.h.about", lang))
    section.text(t("national_monthly.about", lang))
    if len(monthly):
        section.text(
            t(
                "national_monthly.period",
                lang,
                first=pd.Timestamp(monthly["period"].min()).strftime("%Y-%m"),
                last=pd.Timestamp(monthly["period"].max()).strftime("%Y-%m"),
                months=int(monthly["period"].nunique()),
            )
        )
    if share:
        section.text(t("national_monthly.share_on", lang, threshold=threshold))
    if monthly["completed_within_target"].isna().all():
        section.text(t("national_monthly.no_within", lang))
    for note in notes:
        section.text(
            disclosure.round_numbers_in_text(note, threshold, lang=lang) if share else note
        )
    return section


def stage_name(stage: str, lang: str) -> str:
    """A stage of the national statistics as readers of ``lang`` name it."""
    key = f"national.stage.{stage}"
    return t(key, lang) if stage in national.STAGES else stage


def _months_section(
    monthly: pd.DataFrame, lang: str, share: bool, threshold: int, target_days: int | None
) -> Section:
    section = Section("months", t("national_monthly.h.months", lang))
    section.text(
        t(
            "national_monthly.months_text",
            lang,
            target=target_days if target_days else national.DEFAULT_TARGET_DAYS,
        )
    )
    for stage, rows in monthly.groupby("stage", sort=False):
        shown = national.whole_percent_columns(rows[list(_SHOWN)], MONTHLY_SHARES)
        shown["period"] = pd.to_datetime(shown["period"]).dt.strftime("%Y-%m")
        section.text(f"**{stage_name(str(stage), lang)}**")
        section.html(
            "table",
            html_table(
                shown,
                labels={
                    c: t(f"national_monthly.col.{'month' if c == 'period' else c}", lang)
                    for c in shown.columns
                },
                formats={c: whole_percent_text for c, _, _ in MONTHLY_SHARES},
                counts=[c for c in _COUNTS if c in shown.columns],
                share=share,
                threshold=threshold,
                lang=lang,
            ),
        )
    return section


def _spc_section(monthly: pd.DataFrame, lang: str, share: bool, charts: bool) -> Section:
    from toolkit.report.spc_charts import _icons

    section = Section("spc", t("national_monthly.h.spc", lang))
    if share:
        section.text(t("national_monthly.spc_share_hidden", lang))
        return section
    section.text(t("national_monthly.spc_text", lang, min=SPC_MIN_MONTHS))
    for stage, rows in monthly.groupby("stage", sort=False):
        name = stage_name(str(stage), lang)
        data = rows[(rows["completions"] > 0) & rows["completed_within_target"].notna()]
        if len(data) < SPC_MIN_MONTHS:
            section.text(t("national_monthly.spc_too_few", lang, stage=name, months=len(data)))
            continue
        table = spc.spc(
            data,
            value="completed_within_target",
            denominator="completions",
            date="period",
            chart="p",
            improvement="increase",
        )
        section.text(f"**{name}.** " + _icons(spc.spc_summary(table), lang))
        if charts:
            from toolkit.charts import spc_chart

            title = t("national_monthly.chart.title", lang, stage=name)
            section.html("svg", svg(spc_chart(table, lang, title=title, height=220)))
    return section


def unit_monthly_report(
    unit: UnitData,
    *,
    title: str,
    lang: str,
    share: bool,
    threshold: int,
    charts: bool,
    start: pd.Timestamp | None = None,
) -> Report:
    """:func:`monthly_unit_report` of a loaded unit whose ``period_counts`` are monthly.

    The unit's notes and the rows its loader left out (with their reason
    and, outside share mode, the first row numbers) are listed under *About*.
    """
    notes = list(unit.note_texts(lang))
    for row in unit.exclusions(lang).itertuples():
        examples = "" if share else t("national_monthly.excluded_rows", lang, rows=row.example_rows)
        notes.append(
            t(
                "national_monthly.excluded",
                lang,
                file=row.file,
                rows=row.rows,
                reason=row.reason,
                examples=examples,
            )
        )
    return monthly_unit_report(
        unit.period_counts,
        title=title,
        lang=lang,
        share=share,
        threshold=threshold,
        charts=charts,
        notes=notes,
        start=start,
    )
