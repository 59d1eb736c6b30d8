"""The production plan as an Excel workbook for a unit's planning meeting.

One sheet per planning level: the strategic year, the tactical months, the
operational weeks (and the same weeks per stage and staff category), then
the schedule template (slots a week by kind per
clinician type) and a sheet with what the plan rests on and its messages.
Headers in Swedish or English. Every text cell (names, messages, labels)
is stored as text, never as a formula; numbers as numbers, dates as dates.

This module writes files; the plan itself is computed by
:mod:`toolkit.production_plan`.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.i18n import check_language, has, t
from toolkit.production_plan import Plan, iso_week, plan_levels, schedule_template

__all__ = ["SHEETS", "header", "plan_workbook", "plan_workbook_bytes", "write_plan_workbook"]

#: Sheets in order: text keys ``plan.sheet.<name>``.
SHEETS: tuple[str, ...] = ("year", "months", "weeks", "weeks_by_category", "schedule", "about")


def header(column: str, lang: str) -> str:
    """The column's header in ``lang`` (``plan.col.<column>``), else the column name."""
    key = f"plan.col.{column}"
    return t(key, lang) if has(key) else column


def _category(value: str, lang: str) -> str:
    from toolkit.schema import TABLES

    return TABLES["visits"].columns["staff_category"].value_label(value, lang)


def _put(sheet: Any, row: int, column: int, value: Any, lang: str) -> None:
    cell = sheet.cell(row=row, column=column)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, bool):
        cell.value = t("plan.yes", lang) if value else t("plan.no", lang)
        cell.data_type = "s"
    elif isinstance(value, pd.Timestamp):
        cell.value = value.date()
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, (int, float)):
        cell.value = round(float(value), 2) if isinstance(value, float) else int(value)
    else:
        cell.value = str(value)
        cell.data_type = "s"  # text stays text, never a formula


def _table(sheet: Any, table: pd.DataFrame, lang: str, first_row: int = 1) -> None:
    from openpyxl.styles import Font

    for c, column in enumerate(table.columns, start=1):
        _put(sheet, first_row, c, header(str(column), lang), lang)
        sheet.cell(row=first_row, column=c).font = Font(bold=True)
        letter = sheet.cell(row=first_row, column=c).column_letter
        sheet.column_dimensions[letter].width = max(12, min(len(header(str(column), lang)) + 2, 34))
    for r, record in enumerate(table.itertuples(index=False), start=first_row + 1):
        for c, value in enumerate(record, start=1):
            if isinstance(value, bool) or (
                hasattr(value, "dtype") and str(getattr(value, "dtype", "")) == "bool"
            ):
                value = bool(value)
            elif hasattr(value, "item"):
                value = value.item()
            _put(sheet, r, c, value, lang)
    sheet.freeze_panes = sheet.cell(row=first_row + 1, column=2)


def plan_workbook(plan: Plan, *, unit_name: str | None = None, lang: str | None = None) -> Any:
    """The plan as an ``openpyxl.Workbook`` (see the module notes for the sheets)."""
    from openpyxl import Workbook

    lang = check_language(lang)
    levels = plan_levels(plan)
    weeks = levels["weeks"].copy()
    years, numbers = iso_week(pd.DatetimeIndex(weeks["week_start"]))
    mark = "v" if lang == "sv" else "W"
    weeks.insert(1, "iso_week", [f"{y}-{mark}{w:02d}" for y, w in zip(years, numbers, strict=True)])
    by_category = plan.by_category.copy()
    by_category = by_category[
        (by_category["slots_needed"] > 0) | (by_category["slots_available"] > 0)
    ].reset_index(drop=True)
    years, numbers = iso_week(pd.DatetimeIndex(by_category["week_start"]))
    by_category.insert(
        1, "iso_week", [f"{y}-{mark}{w:02d}" for y, w in zip(years, numbers, strict=True)]
    )
    by_category["stage"] = [t(f"plan.stage.{v}", lang) for v in by_category["stage"]]
    by_category["staff_category"] = [_category(v, lang) for v in by_category["staff_category"]]
    schedule = schedule_template(plan)
    schedule["staff_category"] = [_category(v, lang) for v in schedule["staff_category"]]
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, table in (
        ("year", levels["year"]),
        ("months", levels["months"]),
        ("weeks", weeks),
        ("weeks_by_category", by_category),
        ("schedule", schedule),
    ):
        sheet = book.create_sheet(t(f"plan.sheet.{name}", lang))
        _table(sheet, table, lang)
    about = book.create_sheet(t("plan.sheet.about", lang))
    rows: list[tuple[str, Any]] = [(t("plan.about.unit", lang), unit_name or "")]
    inputs = plan.inputs
    for field in (
        "first_share", "deep_share", "in_depth_share", "follow_up_visits_per_course",
        "visit_cost", "dna_rate", "share_group", "group_size",
    ):  # fmt: skip
        rows.append((header(field, lang), float(getattr(inputs, field))))
    for stage, days in inputs.target_wait_weeks.items():
        rows.append(
            (f"{t(f'plan.stage.{stage}', lang)}: {header('target_days', lang)}", days * 7.0)
        )
    rows += [(t("plan.about.message", lang), m) for m in plan.messages]
    _put(about, 1, 1, t("plan.about.what", lang), lang)
    _put(about, 1, 2, t("plan.about.value", lang), lang)
    for r, (label, value) in enumerate(rows, start=2):
        _put(about, r, 1, label, lang)
        _put(about, r, 2, value, lang)
    about.column_dimensions["A"].width = 44
    about.column_dimensions["B"].width = 100
    return book


def plan_workbook_bytes(
    plan: Plan, *, unit_name: str | None = None, lang: str | None = None
) -> bytes:
    """The workbook of :func:`plan_workbook` as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    plan_workbook(plan, unit_name=unit_name, lang=lang).save(buffer)
    return buffer.getvalue()


def write_plan_workbook(
    plan: Plan, path: str | Path, *, unit_name: str | None = None, lang: str | None = None
) -> Path:
    """Write the plan to ``path`` (.xlsx) and return the path."""
    target = Path(path)
    target.write_bytes(plan_workbook_bytes(plan, unit_name=unit_name, lang=lang))
    return target
