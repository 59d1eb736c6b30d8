"""What :func:`~toolkit.io.load_unit` returns: the clean tables and the account of every row.

:class:`UnitData` (the tables, the row account, the excluded rows and the
notes, in either language), :class:`TableAccount` (one table's rows) and
:func:`reason_text` (a sentence for an exclusion reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit.i18n import check_language, t
from toolkit.schema import (
    TABLE_NAMES,
    TABLES,
)


@dataclass
class TableAccount:
    """What happened to the rows of one table.

    ``excluded`` has one row per (row, reason): ``row`` as the user sees it
    in the file (the header is row 1), ``column`` (canonical name or empty),
    ``reason`` (a key of the ``io.reason.*`` texts) and ``other`` (a detail).
    """

    table: str
    file: str
    rows_read: int
    rows_used: int
    excluded: pd.DataFrame
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def rows_excluded(self) -> int:
        """Number of distinct rows excluded."""
        return int(self.excluded["row"].nunique())


@dataclass
class UnitData:
    """A unit's clean tables and the account of every row read.

    Tables a unit did not give are empty frames with the canonical columns.
    """

    referrals: pd.DataFrame
    visits: pd.DataFrame
    staff: pd.DataFrame
    time_use: pd.DataFrame
    period_counts: pd.DataFrame
    account: dict[str, TableAccount]
    source: str
    extract_date: pd.Timestamp
    lang: str = "sv"
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The five canonical tables by name."""
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def has(self, table: str) -> bool:
        """True if the unit gave ``table`` and at least one of its rows is used."""
        return table in self.account and len(getattr(self, table)) > 0

    @property
    def kind(self) -> str:
        """``"events"`` when referrals are given, ``"counts"`` for period counts only."""
        return "events" if self.has("referrals") else "counts"

    def row_account(self, lang: str | None = None) -> pd.DataFrame:
        """One row per table read: file, rows read, used and excluded.

        Columns: table, file, read, used, excluded (``read = used + excluded``).
        """
        lang = check_language(lang or self.lang)
        rows = [
            {
                "table": TABLES[a.table].label(lang),
                "file": a.file,
                "read": a.rows_read,
                "used": a.rows_used,
                "excluded": a.rows_excluded,
            }
            for a in self.account.values()
        ]
        return pd.DataFrame(rows, columns=["table", "file", "read", "used", "excluded"])

    def exclusions(self, lang: str | None = None, *, examples: int = 5) -> pd.DataFrame:
        """Excluded rows grouped by table and reason, with the first few row numbers.

        Columns: table, file, reason (a sentence in ``lang``), rows (count),
        example_rows (text).
        """
        lang = check_language(lang or self.lang)
        out = []
        for a in self.account.values():
            if a.excluded.empty:
                continue
            groups = a.excluded.groupby(["reason", "column", "other"], sort=False, dropna=False)
            for (reason, column, other), part in groups:
                rows = np.unique(part["row"].to_numpy())
                shown = ", ".join(str(r) for r in rows[:examples]) + (
                    " …" if len(rows) > examples else ""
                )
                out.append(
                    {
                        "table": TABLES[a.table].label(lang),
                        "file": a.file,
                        "reason": reason_text(a.table, str(reason), column, other, lang),
                        "rows": len(rows),
                        "example_rows": shown,
                    }
                )
        return pd.DataFrame(out, columns=["table", "file", "reason", "rows", "example_rows"])

    def note_texts(self, lang: str | None = None) -> list[str]:
        """Notes on the unit and its tables (files or columns ignored, empty rows skipped)."""
        lang = check_language(lang or self.lang)
        texts = [t(key, lang, **fields) for key, fields in self.notes]
        for a in self.account.values():
            texts += [f"{a.file}: " + t(key, lang, **fields) for key, fields in a.notes]
        return texts

    def report(self, lang: str | None = None) -> str:
        """The row account as plain text, for a terminal or a log (no patient data)."""
        lang = check_language(lang or self.lang)
        lines = [self.row_account(lang).to_string(index=False)]
        exc = self.exclusions(lang)
        if not exc.empty:
            lines.append(t("io.excluded_heading", lang))
            lines += [
                f"  {r.file}: {r.rows} × {r.reason} ({t('io.rows_word', lang)} {r.example_rows})"
                for r in exc.itertuples()
            ]
        lines += [f"  {n}" for n in self.note_texts(lang)]
        return "\n".join(lines)


def reason_text(table: str, reason: str, column: Any, other: Any, lang: str) -> str:
    """A sentence for an exclusion reason key, naming the column in ``lang``."""
    spec = TABLES[table]
    col = spec.columns.get(str(column)) if isinstance(column, str) else None
    fields: dict[str, Any] = {
        "column": col.label(lang) if col else (column if isinstance(column, str) else ""),
        "other": other if isinstance(other, str) else "",
    }
    if isinstance(other, str) and other in spec.columns:
        fields["other"] = spec.columns[other].label(lang)
    if col is not None:
        fields["min"] = _fmt_number(col.min, lang)
        fields["max"] = _fmt_number(col.max, lang)
        fields["allowed"] = ", ".join(col.value_label(v, lang) for v in col.values)
    return t(f"io.reason.{reason}", lang, **fields)


def _fmt_number(x: float | None, lang: str) -> str:
    if x is None:
        return ""
    text = f"{x:g}"
    return text.replace(".", ",") if lang == "sv" else text
