"""The unit report's section *Summary*: a few sentences written from the numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from toolkit import disclosure, missing, unit_now
from toolkit.i18n import t
from toolkit.report._figures import UnitFigures, _count
from toolkit.report._format import _num, _pct
from toolkit.report._html import Section

__all__ = ["summary_section"]


def summary_section(f: UnitFigures, numbers: Mapping[str, Any]) -> Section:
    """The summary: demand over the period, the window, and per stage target, capacity, verdict."""
    section = Section("summary", t("report.h.summary", f.lang))
    for paragraph in _summary_texts(numbers, f.now, f.share, f.threshold, f.lang):
        section.text(paragraph)
    if lines := missing.missing_lines(f.unit, missing.TABLES, f.lang):  # partial data
        section.text("\n".join([t("missing.heading", f.lang), *(f"- {x}" for x in lines)]))
    return section


def _summary_texts(
    numbers: Mapping[str, Any],
    now: unit_now.NowFigures,
    share: bool,
    threshold: int,
    lang: str,
) -> list[str]:
    """A few sentences written from the numbers, in ``lang``."""

    def count(n: Any) -> str:
        if n is None:
            return _num(n, lang)
        return disclosure.display(n, threshold, lang=lang) if share else _num(n, lang)

    texts = [
        t(
            "report.summary.demand",
            lang,
            start=numbers["period_start"],
            end=numbers["period_end"],
            arrived=count(numbers["arrived"]),
            per_week=_num(numbers["arrivals_per_week"], lang, 1),
        ),
        t(
            "report.summary.window",
            lang,
            window=unit_now.window_text(now.window, lang),
            variation=unit_now.variation_text(now, lang),
        ),
    ]
    if not now.ok:
        return [*texts, now.problems["unit"][0]]
    for row in now.table.to_dict("records"):
        stage = str(row["stage"])
        label = t(f"flow.stage.{stage}", lang)
        if not math.isnan(row["share_within_target"]) and not (
            share and 0 < row["completed"] < threshold
        ):
            met = row["share_within_target"] >= row["target_share"]
            texts.append(
                t(
                    "report.summary.share_" + ("met" if met else "missed"),
                    lang,
                    stage=label,
                    share=_pct(row["share_within_target"], lang),
                    days=int(row["target_days"]),
                    target=_pct(row["target_share"], lang),
                )
            )
        known = not math.isnan(row["capacity_per_week"])
        texts.append(
            t(
                "report.summary.capacity" if known else "report.summary.capacity_unknown",
                lang,
                stage=label,
                waiting=count(_count(row["queue_size"])),
                demand=_num(row["demand_per_week"], lang, 1),
                capacity=_num(row["capacity_per_week"], lang, 1),
                activity=_num(row["activity_per_week"], lang, 1),
                need=_num(row["target_capacity_per_week"], lang, 1),
            )
        )
        texts.append(
            unit_now.balance_text(
                label, now.balance[stage], lang, hide_below=threshold if share else None
            )
        )
    return texts
