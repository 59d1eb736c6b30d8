"""Weekly units with a third stage, treatment, in the region overview: their latest week.

A unit whose own weekly ``period_counts`` carry treatment as a third stage
(:mod:`toolkit.io.stages`) shows it in its report's section *Treatment (the
third stage)* (:mod:`toolkit.report.treatment`); the region table of key
measures is of the pathway's two stages only. This section gives, per such
unit in manifest order, the treatment table's latest week: arrived,
completed, waiting at the week's end, and those within target with their
share. The cells are the unit report's own: the row comes from
:func:`toolkit.report.treatment.latest_treatment` over the same report
period (counts rounded and shares hidden the same way in share mode,
shares in whole per cent rounded half up), kept in the region's
``numbers["units"]`` rows and shown from there. Units without the third
stage are not listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from toolkit.i18n import t
from toolkit.report import treatment
from toolkit.report._html import Section, html_table
from toolkit.report.monthly import MONTHLY_SHARES, whole_percent_text

__all__ = ["region_treatment_sections"]

#: The table's columns: the unit, then the unit report's treatment columns but removals.
_COLUMNS = ("name", *(c for c in treatment.SHOWN if c != "removals"))
_COUNTS = tuple(c for c in treatment.COUNTS if c != "removals")
_SHARES = tuple(c for c, _, _ in MONTHLY_SHARES)


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    """A unit's table row from its figures (:func:`toolkit.report.treatment.latest_treatment`)."""
    cells: dict[str, Any] = {"name": row["name"], "period": row["treatment_week"]}
    cells.update({c: row[f"{c}_treatment"] for c in _COUNTS})
    cells.update({c: row[f"{c}_treatment_pct"] for c in _SHARES})
    return cells


def region_treatment_sections(
    rows: Sequence[dict[str, Any]], *, share: bool, threshold: int, lang: str
) -> list[Section]:
    """The section on treatment as a list: empty when no unit's counts have the third stage.

    ``rows`` are the region's ``numbers["units"]``; a unit has the third
    stage when its row holds ``treatment_week`` (None when no treatment row
    falls in its report period: it is named in a sentence instead).
    """
    units = [r for r in rows if r.get("error") is None and "treatment_week" in r]
    if not units:
        return []
    section = Section("treatment", t("region_treatment.h", lang))
    section.text(t("region_treatment.text", lang))
    shown = [r for r in units if r["treatment_week"] is not None]
    if shown:
        table = pd.DataFrame([_cells(r) for r in shown], columns=list(_COLUMNS))
        for c in _COUNTS:
            table[c] = pd.to_numeric(table[c]).astype(float)
        section.html(
            "table",
            html_table(
                table,
                labels={
                    c: t("region_treatment.col.name" if c == "name" else f"treatment.col.{c}", lang)
                    for c in _COLUMNS
                },
                formats={c: whole_percent_text for c in _SHARES},
                counts=list(_COUNTS),
                wide=True,
                share=share,
                threshold=threshold,
                lang=lang,
            ),
        )
    empty = [str(r["name"]) for r in units if r["treatment_week"] is None]
    if empty:
        section.text(t("region_treatment.none_in_period", lang, names=", ".join(empty)))
    return [section]
