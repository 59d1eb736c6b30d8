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

import pandas as pd

from toolkit import national
from toolkit.i18n import t
from toolkit.io.stages import THIRD_STAGE
from toolkit.report._figures import UnitFigures
from toolkit.report._html import Section, html_table
from toolkit.report.monthly import MONTHLY_SHARES, shown_monthly, whole_percent_text

__all__ = ["treatment_sections"]

_SHOWN = (
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
_COUNTS = (
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
    counts = f.unit.period_counts
    if f.unit.kind != "counts" or not len(counts):
        return national.monthly_flow(counts.iloc[0:0])
    stage = counts["stage"].astype("string")
    period = pd.to_datetime(counts["period"])
    rows = counts[(stage == THIRD_STAGE).fillna(False) & (period >= f.first) & (period <= f.end)]
    return shown_monthly(rows, share=f.share, threshold=f.threshold)


def treatment_sections(f: UnitFigures) -> list[Section]:
    """The section on treatment as a list: empty when the counts have no third stage.

    ``f.unit.period_counts`` with rows of stage ``treatment`` give one
    section: what it shows, that the other sections leave treatment out,
    and the weekly table (or that no treatment row falls in the period).
    """
    counts = f.unit.period_counts
    if f.unit.kind != "counts" or not (counts["stage"].astype("string") == THIRD_STAGE).any():
        return []
    lang = f.lang
    section = Section("treatment", t("treatment.h", lang))
    section.text(t("treatment.text", lang))
    section.text(t("treatment.not_in_sections", lang))
    rows = treatment_rows(f)
    if rows.empty:
        section.text(t("treatment.none_in_period", lang))
        return [section]
    shown = national.whole_percent_columns(rows[list(_SHOWN)], MONTHLY_SHARES)
    section.html(
        "table",
        html_table(
            shown,
            labels={c: t(f"treatment.col.{c}", lang) for c in _SHOWN},
            formats={c: whole_percent_text for c, _, _ in MONTHLY_SHARES},
            counts=list(_COUNTS),
            wide=True,
            **f.opts,
        ),
    )
    return [section]
