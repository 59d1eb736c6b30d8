"""What the readers of :mod:`toolkit.io` share.

A table as read (:class:`_Raw`: texts and the file row of each row), the
rows it excludes (:func:`_excluded`), the kinds of file a unit is read
from, the tables' names in a message, and :class:`_WordedDataError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import DataError
from toolkit.i18n import check_language
from toolkit.schema import (
    TABLES,
)

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_EXCLUDED_COLUMNS = ["row", "column", "reason", "other"]


class _WordedDataError(DataError):
    """A :class:`DataError` with fields that are themselves words in each language.

    ``worded`` maps a field to its text per language (a table name, a
    separator's name, an exclusion reason), so ``err.message("sv")`` and
    ``err.message("en")`` are each in one language whatever ``lang`` the
    error was raised with. Callers see an ordinary ``DataError``.
    """

    def __init__(self, key: str, *, worded: dict[str, dict[str, str]], **kwargs: Any) -> None:
        self.worded = worded
        super().__init__(key, **kwargs)

    def message(self, lang: str | None = None) -> str:
        lang = check_language(lang or self.lang)
        self.fields.update({name: texts[lang] for name, texts in self.worded.items()})
        return super().message(lang)


@dataclass
class _Raw:
    """A table as read: strings only, plus the file row number of each row."""

    frame: pd.DataFrame
    rows: np.ndarray
    display: str
    excluded: list[pd.DataFrame] = field(default_factory=list)
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: Rows (positions in ``frame``) holding formulas, by column position.
    formula_rows: dict[int, np.ndarray] = field(default_factory=dict)
    #: The same by canonical column name, once headers are mapped.
    formula_columns: dict[str, np.ndarray] = field(default_factory=dict)
    #: The file row of the header (1 unless rows above it are empty).
    header_row: int = 1
    #: Read from a workbook, where 8- and 9-digit text was an integer cell.
    lost_zeros: bool = False


def _excluded(
    rows: Iterable[int] | np.ndarray, reason: str, column: str = "", other: str = ""
) -> pd.DataFrame:
    rows = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows, dtype=np.int64)
    return pd.DataFrame(
        {
            "row": rows,
            "column": np.full(len(rows), column, dtype=object),
            "reason": np.full(len(rows), reason, dtype=object),
            "other": np.full(len(rows), other, dtype=object),
        }
    )


def _table_names(table: str) -> dict[str, dict[str, str]]:
    """A table's name in each language, as the field ``table`` of a message."""
    return {"table": {"sv": TABLES[table].sv, "en": TABLES[table].name}}


def _expected_names() -> str:
    return ", ".join(f"{s.sv}/{s.name}" for s in TABLES.values())
