"""Read the sheets of an Excel workbook as texts, row numbers as in Excel.

:func:`_read_sheets` checks the workbook against the limits before it is
parsed, reads every sheet whose name is a table to its real end, and puts
the values Excel last computed in place of formulas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import DataError
from toolkit.io._raw import (
    _Raw,
    _table_names,
    _WordedDataError,
)
from toolkit.io_limits import (
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    Limits,
    check_workbook,
    limit_error,
    open_regular,
)
from toolkit.schema import (
    normalise_name,
    table_for_name,
)

#: Sheet names of our own templates that hold no data.
_IGNORED_SHEETS = {"ordlista", "data_dictionary", "ordlista_data_dictionary", "listor", "lists"}


def _cell_text(value: Any) -> Any:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if value.time() != dt.time()
            else value.strftime("%Y-%m-%d")
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    return text if text.strip() else None


def _is_formula(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def _read_sheets(path: Path, lang: str, limits: Limits) -> dict[str, _Raw]:
    """Read every sheet of a workbook whose name is a table.

    The workbook's unpacked size and number of sheets are checked from the
    zip directory before anything is parsed (:func:`toolkit.io_limits.check_workbook`).
    """
    import openpyxl

    display = path.name
    handle = open_regular(path, display, limits, lang)
    opened: list[Any] = []
    try:
        check_workbook(handle, display, limits, lang)
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=False)
        except MemoryError as exc:
            raise DataError("io.memory", file=display, lang=lang) from exc
        except Exception as exc:  # any failure to open an untrusted file means the same to the user
            raise DataError("io.bad_workbook", file=display, lang=lang) from exc
        opened.append(book)
        if len(book.worksheets) > limits.sheets:
            raise limit_error("sheets", len(book.worksheets), limits, file=display, lang=lang)

        def values_of(title: str) -> Any:
            """The sheet as Excel last computed it (formulas replaced by their values)."""
            if len(opened) == 1:
                opened.append(openpyxl.load_workbook(handle, read_only=True, data_only=True))
            return opened[1][title]

        return _read_book_sheets(book, values_of, display, limits, lang)
    finally:
        for other in opened:
            other.close()
        handle.close()


def _read_book_sheets(
    book: Any, values_of: Callable[[str], Any], display: str, limits: Limits, lang: str
) -> dict[str, _Raw]:
    out: dict[str, _Raw] = {}
    try:
        for sheet in book.worksheets:
            table = table_for_name(sheet.title)
            if table is None:
                if normalise_name(sheet.title) not in _IGNORED_SHEETS:
                    out.setdefault(
                        "__notes__", _Raw(pd.DataFrame(), np.array([]), display)
                    ).notes.append(("io.note.sheet_ignored", {"sheet": sheet.title}))
                continue
            where = f"{display} [{sheet.title}]"
            if table in out:
                raise _WordedDataError(
                    "io.duplicate_table", file=display, worded=_table_names(table), lang=lang
                )
            out[table] = _read_sheet(sheet, values_of, where, lang, limits)
    except DataError:
        raise
    except MemoryError as exc:  # not damage: say so, with the limits that prevent it
        raise DataError("io.memory", file=display, lang=lang) from exc
    except Exception as exc:  # a damaged part of the workbook, found while reading it
        raise DataError("io.bad_workbook", file=display, lang=lang) from exc
    return out


def _sheet_rows(sheet: Any, where: str, limits: Limits, lang: str) -> Iterable[tuple[int, Any]]:
    """The sheet's rows to their real end, numbered as in Excel, at most ``columns`` wide.

    The ``<dimension>`` a sheet declares is not trusted (some exporters
    write a stale one, and a forged one declares millions of cells): rows
    are read as they are in the file. A row with a value beyond the column
    limit, or a row number beyond Excel's last row, stops the reading.
    """
    from openpyxl.utils import get_column_letter

    sheet.reset_dimensions()
    for number, r in enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
        if number > EXCEL_MAX_ROWS:
            raise DataError("io.bad_workbook", file=where, lang=lang)
        if len(r) > limits.columns:
            tail = r[limits.columns :]
            if tail.count(None) != len(tail):
                j = limits.columns + next(i for i, v in enumerate(tail) if v is not None)
                raise limit_error(
                    "columns",
                    j + 1,
                    limits,
                    file=where,
                    row=number,
                    column=get_column_letter(min(j + 1, EXCEL_MAX_COLUMNS)),
                    lang=lang,
                )
            r = r[: limits.columns]
        yield number, r


def _read_sheet(
    sheet: Any, values_of: Callable[[str], Any], where: str, lang: str, limits: Limits
) -> _Raw:
    """One sheet as strings, read in one pass; formulas replaced by the values Excel last computed."""
    rows_in = iter(_sheet_rows(sheet, where, limits, lang))
    header, header_at = _sheet_header(rows_in, where, lang)
    keep_cols = [j for j, name in enumerate(header) if name is not None]
    body = _sheet_body(rows_in, header, header_at, where, lang, limits)
    if body.pending:
        _fill_formula_values(body, values_of(sheet.title), where, lang, limits)
    frame = pd.DataFrame(body.records, columns=range(len(keep_cols)), dtype=object)
    frame.columns = pd.Index([str(header[j]).strip() for j in keep_cols], dtype=object)
    raw = _Raw(
        frame=frame,
        rows=np.asarray(body.rows, dtype=np.int64),
        display=where,
        header_row=header_at,
        lost_zeros=True,
    )
    raw.formula_rows = {k: np.asarray(v, dtype=np.int64) for k, v in body.formulas.items()}
    if body.n_blank:
        raw.notes.append(("io.note.blank_rows", {"n": body.n_blank}))
    if body.formulas:
        raw.notes.append(("io.note.formulas", {}))
    return raw


def _sheet_header(
    rows_in: Iterator[tuple[int, Any]], where: str, lang: str
) -> tuple[list[Any], int]:
    """The first row with any text (the header) and its sheet row; refuses an empty sheet."""
    for number, r in rows_in:
        texts = [_cell_text(c) for c in r]
        if any(texts):
            return texts, number
    raise DataError("io.empty_file", file=where, lang=lang)


@dataclass
class _SheetBody:
    """The rows under a sheet's header as read, formulas still to be replaced by values."""

    records: list[list[Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # sheet row of each record
    n_blank: int = 0
    formulas: dict[int, list[int]] = field(default_factory=dict)  # column -> records
    # sheet row -> (record, column kept, sheet column) of each formula
    pending: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)


def _sheet_body(
    rows_in: Iterator[tuple[int, Any]],
    header: list[Any],
    header_at: int,
    where: str,
    lang: str,
    limits: Limits,
) -> _SheetBody:
    """The rows under the header, as texts in the named columns; blank rows counted.

    Refuses text in a column without a name, too many rows, and a too long field.
    """
    from openpyxl.utils import get_column_letter

    width = len(header)
    keep_cols = [j for j, name in enumerate(header) if name is not None]
    unnamed = [j for j, name in enumerate(header) if name is None]
    body = _SheetBody()
    for number, r in rows_in:
        cells = r[:width]
        texts = [_cell_text(c) for c in cells]
        if not any(t is not None for t in texts):
            body.n_blank += 1
            continue
        for j in unnamed:
            if j < len(texts) and texts[j] is not None:
                raise DataError(
                    "io.unnamed_column",
                    file=where,
                    row=header_at,
                    column=get_column_letter(j + 1),
                    lang=lang,
                )
        if len(body.records) >= limits.rows:
            raise limit_error("rows", limits.rows + 1, limits, file=where, lang=lang)
        record = []
        for k, j in enumerate(keep_cols):
            cell = cells[j] if j < len(cells) else None
            text = texts[j] if j < len(texts) else None
            if _is_formula(cell):
                body.formulas.setdefault(k, []).append(len(body.records))
                body.pending.setdefault(number, []).append((len(body.records), k, j))
                text = None
            elif text is not None and len(text) > limits.field_chars:
                raise limit_error(
                    "field_chars",
                    len(text),
                    limits,
                    file=where,
                    row=number,
                    column=get_column_letter(j + 1),
                    lang=lang,
                )
            record.append(text)
        body.records.append(record)
        body.rows.append(number)
    return body


def _fill_formula_values(
    body: _SheetBody, values_sheet: Any, where: str, lang: str, limits: Limits
) -> None:
    """Put the values Excel last computed in place of the formulas (from the values-only sheet)."""
    last = max(body.pending)
    for number, vrow in _sheet_rows(values_sheet, where, limits, lang):
        for rec, k, j in body.pending.get(number, ()):
            body.records[rec][k] = _cell_text(vrow[j]) if j < len(vrow) else None
        if number >= last:
            break
