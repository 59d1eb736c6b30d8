"""The unit report's section *Situation*: demand, activity and queue per week (DCAQ)."""

from __future__ import annotations

import pandas as pd

from toolkit.i18n import t
from toolkit.report import _html
from toolkit.report._figures import UnitFigures
from toolkit.report._format import _num, _pct
from toolkit.report._html import Section, html_table

__all__ = ["TABLE_WEEKS", "situation_section"]

#: Weeks of the DCAQ table shown (the chart shows the whole period).
TABLE_WEEKS = 12


def situation_section(f: UnitFigures) -> Section:
    """The last :data:`TABLE_WEEKS` weeks of the weekly flow per stage, and arrivals as a chart."""
    lang, weekly = f.lang, f.weekly
    situation = Section("situation", t("report.h.situation", lang))
    situation.text(t("report.situation_text", lang, weeks=TABLE_WEEKS))
    recent = weekly[
        weekly["period"] >= weekly["period"].max() - pd.Timedelta(weeks=TABLE_WEEKS - 1)
    ]
    dcaq_cols = [
        "period",
        "stage",
        "arrivals",
        "completions",
        "removals",
        "waiting_end",
        "median_wait_days",
        "share_within_target",
    ]
    shown = recent[dcaq_cols].copy()
    shown["stage"] = [f.stage_labels[str(s)] for s in shown["stage"]]
    situation.html(
        "table",
        html_table(
            shown,
            labels={c: t(f"report.col.{c}", lang) for c in dcaq_cols},
            wide=True,
            formats={
                "share_within_target": lambda v: _pct(v, lang),
                "median_wait_days": lambda v: _num(v, lang),
            },
            counts=["arrivals", "completions", "removals", "waiting_end"],
            depends={"median_wait_days": "completions", "share_within_target": "completions"},
            **f.opts,
        ),
    )
    if f.charts:
        from toolkit.charts import line_chart

        situation.html(
            "svg",
            _html.svg(
                line_chart(
                    weekly,
                    "arrivals",
                    t("report.chart.arrivals", lang),
                    lang,
                    share=f.share,
                    threshold=f.threshold,
                )
            ),
        )
    return situation
