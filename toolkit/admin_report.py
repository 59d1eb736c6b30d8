"""The documentation requirements list as a report (HTML) and a spreadsheet (Excel).

``requirements_report(path, queue_size=…, first_assessments_per_week=…)``
reads a coach's list (:func:`toolkit.admin_inventory.read_requirements`),
computes what each requirement takes and frees
(:func:`toolkit.admin_inventory.requirements_capacity`) and returns a
:class:`toolkit.report.Report` (every text escaped where it is inserted);
:func:`excel_bytes` gives the same table as Excel with text cells that are
never formulas. ``bup-toolkit requirements FILE`` does both.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit import admin_inventory as ai
from toolkit.errors import DataError
from toolkit.exports import excel_text
from toolkit.i18n import check_language, t
from toolkit.report import Report, Section, _num, html_table
from toolkit.report import error_report as _error_report

_NUMBERS = (
    "times_per_week",
    "hours_per_week",
    "fte",
    "freed_hours_per_week",
    "freed_fte",
    "freed_visits_per_week",
    "freed_first_assessments_per_week",
    "queue_weeks_freed",
)
_SHOWN = ("requirement", "requested_by", "level", "staff_category", "change", *_NUMBERS)


def requirements_table(
    path: str | Path,
    *,
    queue_size: float,
    first_assessments_per_week: float,
    all_to_first: bool = False,
    lang: str | None = None,
) -> pd.DataFrame:
    """Read the list at ``path`` and compute its capacity table (columns of ``_SHOWN``)."""
    lang = check_language(lang)
    path = Path(path)
    req = ai.read_requirements(path.read_bytes(), path.name, lang=lang)
    options: dict[str, Any] = {"visit_mix": {"first_assessment": 1.0}} if all_to_first else {}
    return ai.requirements_capacity(
        req,
        queue_size=queue_size,
        first_assessments_per_week=first_assessments_per_week,
        **options,
    )


def requirements_report(
    path: str | Path,
    *,
    queue_size: float,
    first_assessments_per_week: float,
    all_to_first: bool = False,
    lang: str | None = None,
) -> Report:
    """The report of a documentation requirements list (see the module notes)."""
    lang = check_language(lang)
    title = t("admin.report.title", lang)
    try:
        table = requirements_table(
            path,
            queue_size=queue_size,
            first_assessments_per_week=first_assessments_per_week,
            all_to_first=all_to_first,
            lang=lang,
        )
    except DataError as err:
        return _error_report(title, err.message(lang), lang)
    report = Report(title=title, lang=lang)
    section = Section("requirements", t("admin.report.heading", lang))
    total = table.iloc[-1]
    section.text(
        t(
            "admin.report.text",
            lang,
            hours=_num(total["hours_per_week"], lang, 1),
            fte=_num(total["fte"], lang, 2),
            freed=_num(total["freed_hours_per_week"], lang, 1),
            visits=_num(total["freed_visits_per_week"], lang, 1),
            before=_num(total["queue_weeks_before"], lang, 1),
            after=_num(total["queue_weeks_after"], lang, 1),
        )
    )
    section.text(t("admin.report.mix_first" if all_to_first else "admin.report.mix_default", lang))
    shown = ai.readable(table[list(_SHOWN)], lang)

    def number(digits: int) -> Any:
        return lambda v: _num(v, lang, digits)

    formats = {
        t(f"admin.col.{c}", lang): number(2 if c in ("fte", "freed_fte") else 1) for c in _NUMBERS
    }
    section.html("table", html_table(shown, formats=formats, lang=lang))
    report.sections.append(section)
    report.numbers = {str(k): float(v) for k, v in total.items() if k in _NUMBERS}
    return report


def excel_bytes(table: pd.DataFrame, lang: str | None = None) -> bytes:
    """The capacity table as an Excel sheet; texts are text cells, never formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    lang = check_language(lang)
    shown = ai.readable(table[list(_SHOWN)], lang)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("admin.report.sheet", lang)[:31]
    for j, name in enumerate(shown.columns, start=1):
        cell = ws.cell(row=1, column=j)
        excel_text(cell, str(name))
        cell.font = Font(bold=True)
    for i, row in enumerate(shown.itertuples(index=False), start=2):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j)
            if isinstance(value, str):
                excel_text(cell, value)
            else:
                cell.value = round(float(value), 3)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
