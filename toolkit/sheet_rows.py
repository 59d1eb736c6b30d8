"""Read a small list a coach fills in (CSV or the first sheet of a workbook) as rows of text.

Used by the lists that are not a unit's data tables: the documentation
requirements of :mod:`toolkit.admin_inventory` and the national waiting-time
aggregates of :mod:`toolkit.national`. The text is decoded as
:func:`toolkit.io.load_unit` decodes (:func:`toolkit.io_encoding.decode`:
UTF-8 with or without BOM, UTF-16, Windows-1252 …), the separator (``;``,
``,`` or tab) is taken from the header line, and every cell is searched for
Swedish identity numbers before anything else is done with it, so no later
message can quote one.

Examples
--------
>>> read_rows(b"krav;minuter\\nIntyg;30\\n", "krav.csv")
[['krav', 'minuter'], ['Intyg', '30']]
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from toolkit import privacy
from toolkit.errors import DataError
from toolkit.exports import csv_value
from toolkit.i18n import check_language
from toolkit.io_encoding import decode

#: The suffixes read.
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(value, "g")
    return str(value)


def read_rows(content: bytes, file: str, lang: str | None = None) -> list[list[str]]:
    """The cells of a CSV file or of a workbook's first sheet as text rows, header first.

    Parameters
    ----------
    content
        The file's bytes.
    file
        Its name as the user knows it (the suffix chooses the reader; messages name it).
    lang
        Language of messages.

    Raises
    ------
    DataError
        ``sheet.kind`` for another kind of file, ``sheet.unreadable`` for a
        broken workbook, the :mod:`toolkit.io_encoding` errors for text that
        cannot be decoded, and the privacy error (naming row and column,
        never the value) for an identity number in any cell.
    """
    lang = check_language(lang)
    suffix = Path(file).suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError("sheet.kind", file=file, suffix=suffix or "–", lang=lang)
    if suffix in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a broken workbook
            raise DataError(
                "sheet.unreadable", file=file, reason=type(exc).__name__, lang=lang
            ) from exc
        rows = [
            [_cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)
        ]
        book.close()
    else:
        data, _notes = decode(content, file, lang)
        text = data.decode("utf-8")
        first = text.split("\n", 1)[0]
        separator = max((";", ",", "\t"), key=first.count)
        rows = [
            [csv_value(c) for c in row]
            for row in csv.reader(io.StringIO(text), delimiter=separator)
        ]
    rows = [[c.strip() for c in row] for row in rows]
    while rows and not any(rows[-1]):
        rows.pop()
    _check_identity_numbers(rows, file, lang)
    return rows


def _check_identity_numbers(rows: list[list[str]], file: str, lang: str) -> None:
    """Refuse a cell holding an identity or reserve number; the message names row and column.

    Every cell is scanned at once with :func:`toolkit.privacy.identity_number_mask`
    (vectorised); the first cell found is reported through
    :func:`toolkit.privacy.check_text`, which names its place, never its value.
    """
    import pandas as pd

    cells = [(i, j, v) for i, row in enumerate(rows, start=1) for j, v in enumerate(row, start=1)]
    if not cells:
        return
    mask = privacy.identity_number_mask(pd.Series([v for _, _, v in cells], dtype="string"))
    if not mask.any():
        return
    from openpyxl.utils import get_column_letter

    i, j, value = cells[int(mask.argmax())]
    privacy.check_text(
        value, "privacy.field.cell", file=file, row=i, column=get_column_letter(j), lang=lang
    )
