"""The unit report's section *SPC*: control charts of the key measures, with PDSA change dates.

The helpers that choose and compute a measure's series (:func:`_spc_measures`,
:func:`_spc_series`, :func:`_spc_hidden_in_share`, :func:`_chart_table`)
also serve the region overview's small multiples.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit import spc
from toolkit.errors import DataError
from toolkit.i18n import t
from toolkit.io import UnitData
from toolkit.report import _html
from toolkit.report._figures import UnitFigures
from toolkit.report._format import _DASH
from toolkit.report._html import Section, html_table
from toolkit.targets import TargetProfile

__all__ = ["SHARE_SPC_MIN_MEDIAN", "spc_section"]


def spc_section(f: UnitFigures, pdsa_log: str | Path | None, numbers: dict[str, Any]) -> Section:
    """One chart per key measure with its icons in words; the PDSA cycles listed.

    The number of cycles read from ``pdsa_log`` goes into ``numbers["pdsa_cycles"]``.
    """
    lang, weekly, share, threshold = f.lang, f.weekly, f.share, f.threshold
    spc_section = Section("spc", t("report.h.spc", lang))
    spc_section.text(t("report.spc_text", lang))
    log = _pdsa_section_log(pdsa_log, spc_section, lang)
    for measure in _spc_measures(f.unit, f.profile):
        table = _spc_series(weekly, measure, lang)
        name = t(f"report.measure.{measure['key']}", lang)
        if share and _spc_hidden_in_share(weekly, measure):
            spc_section.text(t("report.spc_share_hidden", lang, measure=name))
            continue
        if table is None:
            spc_section.text(t("report.spc_too_few", lang, measure=name))
            continue
        spc_section.text(f"**{name}.** " + _icons(spc.spc_summary(table), lang))
        if f.charts:
            from toolkit.charts import spc_chart

            spc_section.html(
                "svg",
                _html.svg(
                    spc_chart(
                        _chart_table(table, share=share, threshold=threshold),
                        lang,
                        pdsa=_pdsa_notes(log, measure["key"], table),
                        title=name,
                        height=220,
                    )
                ),
            )
    if log is not None and len(log):
        numbers["pdsa_cycles"] = len(log)
        spc_section.html("table", _pdsa_table(log, lang))
    return spc_section


def _spc_measures(unit: UnitData, profile: TargetProfile) -> list[dict[str, Any]]:
    """The key measures charted: column of the weekly flow, stage, improvement direction, target."""
    measures: list[dict[str, Any]] = [
        {"key": "arrivals", "stage": "first_assessment", "column": "arrivals", "improvement": None},
        {
            "key": "waiting_first",
            "stage": "first_assessment",
            "column": "waiting_end",
            "improvement": "decrease",
        },
        {
            "key": "waiting_deep",
            "stage": "deep_start",
            "column": "waiting_end",
            "improvement": "decrease",
        },
    ]
    if unit.kind == "events":
        measures.append(
            {
                "key": "share_first",
                "stage": "first_assessment",
                "column": "share_within_target",
                "improvement": "increase",
                "target": profile.stages["first_assessment"].share_within,
                "base": "completions",
            }
        )
    return measures


def _spc_series(weekly: pd.DataFrame, measure: Mapping[str, Any], lang: str) -> pd.DataFrame | None:
    """XmR table of one measure over the weeks (None when too few points)."""
    part = weekly[weekly["stage"] == measure["stage"]]
    data = pd.DataFrame(
        {
            "period": part["period"].to_numpy(),
            "value": part[measure["column"]].to_numpy(dtype=float),
            "base": part[measure.get("base", measure["column"])].to_numpy(dtype=float),
        }
    ).dropna(subset=["value"])
    if len(data) < 12:
        return None
    table = spc.spc(
        data,
        value="value",
        date="period",
        improvement=measure["improvement"],
        target=measure.get("target"),
    )
    table["base"] = data["base"].to_numpy()
    return table


#: Share mode draws a count's SPC chart only when its median weekly value is at least this
#: (rounding to 5 moves a value by up to 2; on smaller values the chart would show the rounding).
SHARE_SPC_MIN_MEDIAN = 20


def _spc_hidden_in_share(weekly: pd.DataFrame, measure: Mapping[str, Any]) -> bool:
    """Share mode leaves out weekly rates (their base can be worked out) and small counts."""
    if "base" in measure:
        return True
    part = weekly.loc[weekly["stage"] == measure["stage"], measure["column"]]
    return bool(part.empty or float(part.median()) < SHARE_SPC_MIN_MEDIAN)


def _chart_table(table: pd.DataFrame, *, share: bool, threshold: int) -> pd.DataFrame:
    """In share mode, leave out points whose count (or the count they rest on) is 1 to threshold − 1."""
    if not share:
        return table
    base = table["base"].to_numpy(dtype=float)
    out = table.copy()
    out["value"] = out["value"].mask((base > 0) & (base < threshold))
    out.attrs = table.attrs
    return out


def _icons(summary: pd.DataFrame, lang: str) -> str:
    """The variation and assurance icons of one series, in words."""
    row = summary.iloc[0]
    variation = t(f"spc.point_type.{row['variation']}", lang)
    if str(row["variation"]) != "common_cause" and row["variation_side"] is not pd.NA:
        variation += " (" + t(f"report.side.{row['variation_side']}", lang) + ")"
    text = t("report.spc.variation", lang, variation=variation)
    if row["assurance"] is not pd.NA and isinstance(row["assurance"], str):
        text += " " + t(
            "report.spc.assurance", lang, assurance=t(f"spc.assurance.{row['assurance']}", lang)
        )
    return text


#: The report's SPC measures and the PDSA log's measure codes (:data:`toolkit.pdsa.MEASURES`).
_PDSA_MEASURES = {
    "arrivals": "arrivals_first",
    "waiting_first": "waiting_first",
    "waiting_deep": "waiting_deep",
    "share_first": "within_first",
}


def _pdsa_section_log(path: str | Path | None, section: Section, lang: str) -> pd.DataFrame | None:
    """The unit's PDSA log, or None; a log that cannot be read is said in ``section``."""
    from toolkit import pdsa

    if path is None:
        return None
    try:
        log = pdsa.read_log(path, lang=lang)
    except DataError as err:
        section.text(t("pdsa.report.unreadable", lang, message=err.message(lang)))
        return None
    section.text(t("pdsa.report.text", lang, count=len(log), file=Path(path).name))
    return log


def _pdsa_notes(log: pd.DataFrame | None, key: str, table: pd.DataFrame) -> pd.DataFrame | None:
    """The change dates of a chart: cycles followed on its measure or on the whole unit."""
    from toolkit import pdsa

    if log is None:
        return None
    end = pd.Timestamp(table["period"].max()) + pd.Timedelta(days=6)
    return pdsa.annotations(
        log, measure=_PDSA_MEASURES.get(key, key), start=table["period"].min(), end=end
    )


def _pdsa_table(log: pd.DataFrame, lang: str) -> str:
    """The cycles of a PDSA log: id, title, measure, start date, decision."""
    columns = ["cycle_id", "title", "measure", "start_date", "decision"]
    shown = log[columns].sort_values(["start_date", "cycle_id"]).copy()
    shown["measure"] = [
        t(f"widgets.spc.measure.{m}", lang) if m else t("pdsa.report.whole_unit", lang)
        for m in shown["measure"]
    ]
    shown["decision"] = [t(f"pdsa.decision.{d}", lang) if d else _DASH for d in shown["decision"]]
    return html_table(
        shown, labels={c: t(f"pdsa.report.col.{c}", lang) for c in columns}, lang=lang
    )
