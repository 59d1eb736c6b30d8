"""Units with monthly counts in the region overview: their latest month per stage.

A unit whose ``period_counts`` are monthly (as the national waiting-time
statistics) has no weeks, so it has no place in the region table of weekly
key measures (demand per week, load, balance). Rather than fail, it gets a
row per stage in a table of its own: the latest month's arrivals,
completions and queue at the month's end, and the shares within target
worked out from the counts within target, exactly as its monthly unit
report shows them (:func:`toolkit.report.monthly.shown_monthly`: rounded
and hidden the same way in share mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from toolkit import national
from toolkit.i18n import t
from toolkit.io import UnitData
from toolkit.report._html import Section, html_table
from toolkit.report.monthly import (
    MONTHLY_SHARES,
    counts_are_monthly,
    shown_monthly,
    stage_name,
    whole_percent_text,
)

__all__ = ["is_monthly", "latest_month", "region_monthly_section"]

_COLUMNS = (
    "name",
    "stage",
    "period",
    "arrivals",
    "completions",
    "share_completed_within",
    "waiting_end",
    "share_waiting_within",
)
_COUNTS = ("arrivals", "completions", "waiting_end")


def is_monthly(unit: UnitData) -> bool:
    """True for a counts-only unit whose periods are calendar months."""
    return unit.kind == "counts" and counts_are_monthly(unit.period_counts)


def latest_month(unit: UnitData, *, share: bool, threshold: int) -> pd.DataFrame:
    """Each stage's latest month of :func:`toolkit.report.monthly.shown_monthly`.

    Shares are whole per cent, rounded half up as the national statistics
    publish them (:func:`toolkit.national.whole_percent`), NaN where not shown.
    """
    monthly = shown_monthly(unit.period_counts, share=share, threshold=threshold)
    last = monthly.groupby("stage", sort=False).tail(1)
    return national.whole_percent_columns(last, MONTHLY_SHARES).reset_index(drop=True)


def _label(column: str, lang: str) -> str:
    """A column's header: the monthly unit report's own where it has one."""
    if column in ("name", "stage"):
        return t(f"region_monthly.col.{column}", lang)
    return t(f"national_monthly.col.{'month' if column == 'period' else column}", lang)


def region_monthly_section(
    units: Sequence[tuple[str, pd.DataFrame]], *, share: bool, threshold: int, lang: str
) -> Section:
    """The table of monthly units: one row per unit and stage, its latest month."""
    section = Section("monthly", t("region_monthly.h", lang))
    section.text(t("region_monthly.text", lang))
    rows: list[dict[str, Any]] = []
    for name, last in units:
        for rec in last.to_dict("records"):
            rows.append(
                {
                    "name": name,
                    "stage": stage_name(str(rec["stage"]), lang),
                    "period": pd.Timestamp(rec["period"]).strftime("%Y-%m"),
                    **{c: rec[c] for c in _COLUMNS[3:]},
                }
            )
    table = pd.DataFrame(rows, columns=list(_COLUMNS))
    section.html(
        "table",
        html_table(
            table,
            labels={c: _label(c, lang) for c in _COLUMNS},
            formats={
                "share_completed_within": whole_percent_text,
                "share_waiting_within": whole_percent_text,
            },
            counts=list(_COUNTS),
            share=share,
            threshold=threshold,
            lang=lang,
        ),
    )
    return section
