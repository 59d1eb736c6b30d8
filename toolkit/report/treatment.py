"""The weekly unit report's section *Treatment (the third stage)*, for counts that have one.

A unit's own ``period_counts`` may give treatment as a third stage beside
the in-depth assessment, as the national waiting-time statistics do
(:mod:`toolkit.io.stages` says when "behandling" is read so). The weekly
flow, waits, queue formulas, balance, SPC and capacity sections are of the
pathway's two stages (:data:`toolkit.flow.FLOW_STAGES`); rather than drop
the third stage, this section shows it week by week as the file gives it
(:func:`toolkit.national.monthly_flow` on the treatment rows, which works
per period whatever the period's length): arrived, completed, removed,
waiting at the week's end, and those within target with their share in
whole per cent, and says that the other sections do not include it.

Share mode: the counts are rounded and the shares hidden as in the monthly
report (:func:`toolkit.report.monthly.shown_monthly`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from toolkit import national
from toolkit.i18n import t
from toolkit.io import UnitData
from toolkit.io.stages import THIRD_STAGE
from toolkit.report._figures import UnitFigures
from toolkit.report._html import Section, html_table
from toolkit.report.monthly import MONTHLY_SHARES, shown_monthly, whole_percent_text

__all__ = ["has_treatment", "latest_treatment", "period_treatment_rows", "treatment_sections"]

#: The columns of the treatment table, in order.
SHOWN = (
    "period",
    "arrivals",
    "completions",
    "removals",
    "waiting_end",
    "completed_within_target",
    "share_completed_within",
    "waiting_within_target",
    "share_waiting_within",
)
#: Its columns of counts (rounded and hidden below the threshold in share mode).
COUNTS = (
    "arrivals",
    "completions",
    "removals",
    "waiting_end",
    "completed_within_target",
    "waiting_within_target",
)


def treatment_rows(f: UnitFigures) -> pd.DataFrame:
    """The treatment stage as the section shows it (rounded in share mode), one row per period.

    Columns of :func:`toolkit.national.monthly_flow`; empty when the unit's
    counts have no treatment rows in the report period.
    """
    return period_treatment_rows(f.unit, f.first, f.end, share=f.share, threshold=f.threshold)


def period_treatment_rows(
    unit: UnitData, first: pd.Timestamp, end: pd.Timestamp, *, share: bool, threshold: int
) -> pd.DataFrame:
    """:func:`treatment_rows` of ``unit`` over the report period ``first`` to ``end``.

    In share mode the rounding keeps the queue identity over the rows shown
    (:func:`toolkit.national.round_monthly`), so a row's rounded counts
    depend on the period's first week: give the unit report's.
    """
    counts = unit.period_counts
    if unit.kind != "counts" or not len(counts):
        return national.monthly_flow(counts.iloc[0:0])
    stage = counts["stage"].astype("string")
    period = pd.to_datetime(counts["period"])
    rows = counts[(stage == THIRD_STAGE).fillna(False) & (period >= first) & (period <= end)]
    return shown_monthly(rows, share=share, threshold=threshold)


def has_treatment(unit: UnitData) -> bool:
    """True when the unit's own ``period_counts`` carry the third stage, treatment."""
    counts = unit.period_counts
    return unit.kind == "counts" and bool((counts["stage"].astype("string") == THIRD_STAGE).any())


def latest_treatment(
    unit: UnitData, first: pd.Timestamp, end: pd.Timestamp, *, share: bool, threshold: int
) -> dict[str, Any]:
    """The latest week's row of the treatment table, as figures for ``Report.numbers``.

    Empty when the counts have no treatment stage. Otherwise
    ``treatment_week`` (the week's Monday, ISO; None when no treatment row
    falls in the period) and the row's cells under the table's column names
    with ``_treatment`` added: counts as whole numbers (rounded to a multiple
    of 5 in share mode, as the table's cells before those below the threshold
    read ``<5``), the shares in whole per cent rounded half up
    (``share_completed_within_treatment_pct``,
    ``share_waiting_within_treatment_pct``; None where the table shows a
    dash). Missing counts are None.
    """
    if not has_treatment(unit):
        return {}
    rows = period_treatment_rows(unit, first, end, share=share, threshold=threshold)
    out: dict[str, Any] = {"treatment_week": None}
    out.update({f"{c}_treatment": None for c in COUNTS})
    out.update({f"{c}_treatment_pct": None for c, _, _ in MONTHLY_SHARES})
    if rows.empty:
        return out
    last = national.whole_percent_columns(rows.tail(1), MONTHLY_SHARES).iloc[0]
    out["treatment_week"] = pd.Timestamp(last["period"]).date().isoformat()
    for c in COUNTS:
        out[f"{c}_treatment"] = None if pd.isna(last[c]) else int(last[c])
    for c, _, _ in MONTHLY_SHARES:
        out[f"{c}_treatment_pct"] = None if pd.isna(last[c]) else int(last[c])
    return out


def treatment_sections(f: UnitFigures) -> list[Section]:
    """The section on treatment as a list: empty when the counts have no third stage.

    ``f.unit.period_counts`` with rows of stage ``treatment`` give one
    section: what it shows, that the other sections leave treatment out,
    and the weekly table (or that no treatment row falls in the period).
    """
    if not has_treatment(f.unit):
        return []
    lang = f.lang
    section = Section("treatment", t("treatment.h", lang))
    section.text(t("treatment.text", lang))
    section.text(t("treatment.not_in_sections", lang))
    rows = treatment_rows(f)
    if rows.empty:
        section.text(t("treatment.none_in_period", lang))
        return [section]
    shown = national.whole_percent_columns(rows[list(SHOWN)], MONTHLY_SHARES)
    section.html(
        "table",
        html_table(
            shown,
            labels={c: t(f"treatment.col.{c}", lang) for c in SHOWN},
            formats={c: whole_percent_text for c, _, _ in MONTHLY_SHARES},
            counts=list(COUNTS),
            wide=True,
            **f.opts,
        ),
    )
    return [section]
