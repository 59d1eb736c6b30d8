"""The unit report's section *First visit versus treatment*: which stage keeps its target."""

from __future__ import annotations

import math

import pandas as pd

from toolkit import unit_now
from toolkit.i18n import t
from toolkit.report import _html
from toolkit.report._figures import UnitFigures, _by_stage
from toolkit.report._format import _num, _pct
from toolkit.report._html import Section

__all__ = ["versus_section"]


def versus_section(f: UnitFigures) -> Section:
    """The first-visit-versus-treatment picture in words, and both queues as a chart."""
    lang = f.lang
    versus = Section("versus", t("report.h.versus", lang))
    versus.text(_versus_text(f.waits, f.queue, f.now, lang))
    if f.charts:
        from toolkit.charts import line_chart

        versus.html(
            "svg",
            _html.svg(
                line_chart(
                    f.weekly,
                    "waiting_end",
                    t("report.chart.waiting", lang),
                    lang,
                    share=f.share,
                    threshold=f.threshold,
                )
            ),
        )
    return versus


def _versus_text(
    waits: pd.DataFrame, queue: pd.DataFrame, now: unit_now.NowFigures, lang: str
) -> str:
    """The first-visit-versus-treatment picture in one paragraph."""
    w = _by_stage(waits)
    q = _by_stage(queue)
    if not now.ok:
        return now.problems["unit"][0]
    first_ok = bool(
        w["first_assessment"]["share_within_target"] >= w["first_assessment"]["target_share"]
    )
    deep_ok = bool(w["deep_start"]["share_within_target"] >= w["deep_start"]["target_share"])
    deep_growing = now.balance["deep_start"].growing
    if math.isnan(w["first_assessment"]["share_within_target"]):
        key = "counts"
    elif first_ok and (not deep_ok or deep_growing):
        key = "first_only"
    elif first_ok and deep_ok:
        key = "both"
    elif deep_ok:
        key = "deep_only"
    else:
        key = "neither"
    return t(
        f"report.versus.{key}",
        lang,
        first=_pct(w["first_assessment"]["share_within_target"], lang),
        deep=_pct(w["deep_start"]["share_within_target"], lang),
        load_first=_num(q["first_assessment"]["load"], lang, 2),
        load_deep=_num(q["deep_start"]["load"], lang, 2),
        ratio_first=_num(now.balance["first_assessment"].load, lang, 2),
        ratio_deep=_num(now.balance["deep_start"].load, lang, 2),
    )
