"""Read a unit's data: a folder of CSV files or one Excel workbook.

``load_unit(path)`` finds the tables (file or sheet names in Swedish or
English), detects encoding (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252),
separator (``,``, ``;`` or tab) and decimal comma, maps Swedish headers and
values to the canonical ones of :mod:`toolkit.schema`, validates each table
with pandera and the cross-table rules, and returns a :class:`UnitData`:
clean tables plus a row account. Every row read is either used or excluded
with a reason; a file that cannot be used at all raises
:class:`toolkit.DataError`, whose message names the file, row and column and
says how to fix it.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "remisser.csv").write_text(
...     "remiss_id;inkommen;första_bedömning\\n"
...     "R1;2024-01-08;2024-02-01\\n"
...     "R2;2024-01-09;\\n"
...     "R2;2024-01-10;\\n", encoding="cp1252")
>>> unit = load_unit(folder, extract_date="2024-03-01", lang="en")
>>> len(unit.referrals)
2
>>> unit.row_account()[["table", "read", "used", "excluded"]].to_string(index=False)
'    table  read  used  excluded\\nreferrals     3     2         1'
>>> unit.exclusions()["reason"].tolist()
['duplicate value in referral_id (the first row with this value is kept)']
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.errors as pa_errors

from toolkit import privacy
from toolkit.errors import DataError
from toolkit.i18n import check_language, t
from toolkit.schema import (
    DATE_ORDER,
    TABLE_NAMES,
    TABLES,
    ColumnSpec,
    clean_dtype,
    normalise_name,
    pandera_schema,
    table_for_name,
)

#: Sheet names of our own templates that hold no data.
_IGNORED_SHEETS = {"ordlista", "data_dictionary", "ordlista_data_dictionary", "listor", "lists"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_EXCLUDED_COLUMNS = ["row", "column", "reason", "other"]
_SV_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4,
    "apr": 4, "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip


# --------------------------------------------------------------------------- results


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
                shown = ", ".join(str(r) for r in rows[:examples]) + (" …" if len(rows) > examples else "")
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


# --------------------------------------------------------------------------- reading raw


@dataclass
class _Raw:
    """A table as read: strings only, plus the file row number of each row."""

    frame: pd.DataFrame
    rows: np.ndarray
    display: str
    excluded: list[pd.DataFrame] = field(default_factory=list)
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    formula_rows: dict[str, np.ndarray] = field(default_factory=dict)


def _excluded(rows: Iterable[int] | np.ndarray, reason: str, column: str = "", other: str = "") -> pd.DataFrame:
    rows = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows, dtype=np.int64)
    return pd.DataFrame(
        {
            "row": rows,
            "column": np.full(len(rows), column, dtype=object),
            "reason": np.full(len(rows), reason, dtype=object),
            "other": np.full(len(rows), other, dtype=object),
        }
    )


def _decode(data: bytes, display: str, lang: str) -> bytes:
    """Return the file's bytes as UTF-8, detecting BOMs, UTF-8 and Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        encoding = "utf-8"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise DataError("io.encoding", file=display, lang=lang) from exc
        encoding = "cp1252"
    if "\x00" in text:
        raise DataError("io.not_text", file=display, lang=lang)
    return data if encoding == "utf-8" else text.encode("utf-8")


def _detect_separator(header: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, display: str, lang: str) -> _Raw:
    data = path.read_bytes()
    if not data.strip():
        raise DataError("io.empty_file", file=display, lang=lang)
    data = _decode(data, display, lang)
    if b'"' in data:
        return _read_csv_quoted(data, display, lang)
    b = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(b == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(b)]))
    if starts[-1] >= len(b):
        starts, ends = starts[:-1], ends[:-1]
    content = np.flatnonzero(~np.isin(b, np.array([9, 10, 13, 32, 59, 44], dtype=np.uint8)))
    n_content = np.searchsorted(content, ends) - np.searchsorted(content, starts)
    blank = n_content == 0
    first = int(np.argmax(~blank))
    header = data[starts[first] : ends[first]].decode("utf-8").rstrip("\r")
    sep = _detect_separator(header)
    seps = np.flatnonzero(b == ord(sep))
    fields = np.searchsorted(seps, ends) - np.searchsorted(seps, starts) + 1
    expected = int(fields[first])
    index = np.arange(len(starts))
    data_line = (index > first) & ~blank
    bad = data_line & (fields != expected)
    n_data = int(data_line.sum())
    _check_separator_mix(bad, n_data, index, display, sep, lang)
    skip = (index < first) | ((index > first) & (blank | bad))
    frame = pd.read_csv(
        io.BytesIO(data),
        sep=sep,
        dtype=str,
        header=0,
        skiprows=set(np.flatnonzero(skip).tolist()) or None,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        encoding="utf-8",
        quoting=csv.QUOTE_NONE,
    )
    rows = index[data_line & ~bad] + 1
    raw = _Raw(frame=_strip_headers(frame), rows=rows, display=display)
    if bad.any():
        raw.excluded.append(
            _excluded(index[bad] + 1, "wrong_field_count", other=str(expected))
        )
    n_blank = int(((index > first) & blank).sum())
    if n_blank:
        raw.notes.append(("io.note.blank_rows", {"n": n_blank}))
    return raw


def _check_separator_mix(
    bad: np.ndarray, n_data: int, index: np.ndarray, display: str, sep: str, lang: str
) -> None:
    if n_data and bad.sum() * 2 > n_data:
        first_bad = int(index[bad][0]) + 1
        raise DataError(
            "io.separator_mix",
            file=display,
            row=first_bad,
            sep={";": "semikolon ;", ",": "komma ,", "\t": "tab"}[sep] if lang == "sv"
            else {";": "semicolon ;", ",": "comma ,", "\t": "tab"}[sep],
            lang=lang,
        )


def _read_csv_quoted(data: bytes, display: str, lang: str) -> _Raw:
    """Read a CSV file that uses quotes, record by record (slower, exact)."""
    text = data.decode("utf-8")
    first_line = next((ln for ln in text.splitlines() if ln.strip(" \t;,\r")), "")
    sep = _detect_separator(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records: list[list[str]] = []
    rows: list[int] = []
    bad: list[int] = []
    header: list[str] | None = None
    n_blank = 0
    start = 1
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                if header is not None:
                    n_blank += 1
            elif header is None:
                header = record
            elif len(record) != len(header):
                bad.append(start)
            else:
                records.append(record)
                rows.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError("io.csv_syntax", file=display, row=reader.line_num, lang=lang) from exc
    if header is None:
        raise DataError("io.empty_file", file=display, lang=lang)
    n_data = len(records) + len(bad)
    bad_arr = np.ones(len(bad), dtype=bool)
    _check_separator_mix(bad_arr, n_data, np.asarray(bad, dtype=np.int64) - 1, display, sep, lang)
    frame = pd.DataFrame(records, columns=header, dtype=str).replace({"": None})
    raw = _Raw(frame=_strip_headers(frame), rows=np.asarray(rows, dtype=np.int64), display=display)
    if bad:
        raw.excluded.append(_excluded(bad, "wrong_field_count", other=str(len(header))))
    if n_blank:
        raw.notes.append(("io.note.blank_rows", {"n": n_blank}))
    return raw


def _strip_headers(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _cell_text(value: Any) -> Any:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    return text if text.strip() else None


def _read_sheets(path: Path, lang: str) -> dict[str, _Raw]:
    """Read every sheet of a workbook whose name is a table."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    display = path.name
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise DataError("io.bad_workbook", file=display, lang=lang) from exc
    values_book = None
    out: dict[str, _Raw] = {}
    try:
        for sheet in book.worksheets:
            table = table_for_name(sheet.title)
            if table is None:
                if normalise_name(sheet.title) not in _IGNORED_SHEETS:
                    out.setdefault("__notes__", _Raw(pd.DataFrame(), np.array([]), display)).notes.append(
                        ("io.note.sheet_ignored", {"sheet": sheet.title})
                    )
                continue
            where = f"{display} [{sheet.title}]"
            if table in out:
                raise DataError("io.duplicate_table", file=display, table=sheet.title, lang=lang)
            grid = [list(r) for r in sheet.iter_rows(values_only=True)]
            header_at = next((i for i, r in enumerate(grid) if any(_cell_text(c) for c in r)), None)
            if header_at is None:
                raise DataError("io.empty_file", file=where, lang=lang)
            header = [_cell_text(c) for c in grid[header_at]]
            body = grid[header_at + 1 :]
            width = len(header)
            keep_cols = []
            for j, name in enumerate(header):
                if name is None:
                    if any(j < len(r) and _cell_text(r[j]) is not None for r in body):
                        raise DataError(
                            "io.unnamed_column", file=where, row=header_at + 1,
                            column=get_column_letter(j + 1), lang=lang,
                        )
                    continue
                keep_cols.append(j)
            formulas: dict[str, list[int]] = {}
            records, rows = [], []
            n_blank = 0
            for i, r in enumerate(body):
                cells = [_cell_text(r[j]) if j < len(r) else None for j in range(width)]
                if not any(c is not None for c in cells):
                    n_blank += 1
                    continue
                for j in keep_cols:
                    c = cells[j]
                    if isinstance(c, str) and c.startswith("="):
                        formulas.setdefault(str(header[j]).strip(), []).append(len(records))
                records.append([cells[j] for j in keep_cols])
                rows.append(header_at + i + 2)
            if formulas:
                if values_book is None:
                    values_book = openpyxl.load_workbook(path, read_only=True, data_only=True)
                vgrid = [list(r) for r in values_book[sheet.title].iter_rows(values_only=True)]
                for name, positions in formulas.items():
                    j = keep_cols.index(next(k for k in keep_cols if str(header[k]).strip() == name))
                    for p in positions:
                        vr = vgrid[rows[p] - 1]
                        col = keep_cols[j]
                        records[p][j] = _cell_text(vr[col]) if col < len(vr) else None
            frame = pd.DataFrame(records, columns=[str(header[j]).strip() for j in keep_cols], dtype=object)
            frame = frame.astype("str").where(frame.notna(), None) if len(frame) else frame.astype(object)
            raw = _Raw(frame=frame, rows=np.asarray(rows, dtype=np.int64), display=where)
            raw.formula_rows = {k: np.asarray(v, dtype=np.int64) for k, v in formulas.items()}
            if n_blank:
                raw.notes.append(("io.note.blank_rows", {"n": n_blank}))
            if formulas:
                raw.notes.append(("io.note.formulas", {}))
            out[table] = raw
    finally:
        book.close()
        if values_book is not None:
            values_book.close()
    return out


def _find_sources(path: Path, lang: str) -> tuple[dict[str, _Raw | Path], list[tuple[str, dict[str, Any]]]]:
    notes: list[tuple[str, dict[str, Any]]] = []
    if not path.exists():
        raise DataError("io.path_not_found", file=str(path), lang=lang)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in _EXCEL_SUFFIXES:
            sheets = _read_sheets(path, lang)
            extra = sheets.pop("__notes__", None)
            if extra is not None:
                notes += extra.notes
            if not sheets:
                raise DataError("io.no_tables_workbook", file=path.name, expected=_expected_names(), lang=lang)
            return dict(sheets), notes
        if suffix in _CSV_SUFFIXES:
            table = table_for_name(path.name)
            if table is None:
                raise DataError("io.unknown_file", file=path.name, expected=_expected_names(), lang=lang)
            return {table: path}, notes
        raise DataError("io.unsupported_file", file=path.name, lang=lang)
    found: dict[str, _Raw | Path] = {}
    for child in sorted(path.iterdir()):
        if child.name.startswith((".", "~$")) or child.is_dir():
            continue
        suffix = child.suffix.lower()
        table = table_for_name(child.name) if suffix in _CSV_SUFFIXES else None
        if suffix in _EXCEL_SUFFIXES:
            for tname, raw in _read_sheets(child, lang).items():
                if tname == "__notes__":
                    notes += raw.notes
                    continue
                if tname in found:
                    raise DataError("io.duplicate_table", file=child.name, table=tname, lang=lang)
                found[tname] = raw
            continue
        if table is None:
            if suffix not in {".md", ".yaml", ".yml", ".json"}:
                notes.append(("io.note.file_ignored", {"file": child.name}))
            continue
        if table in found:
            raise DataError("io.duplicate_table", file=child.name, table=TABLES[table].label(lang), lang=lang)
        found[table] = child
    if not found:
        raise DataError("io.no_tables", file=str(path), expected=_expected_names(), lang=lang)
    return found, notes


def _expected_names() -> str:
    return ", ".join(f"{s.sv}/{s.name}" for s in TABLES.values())


# --------------------------------------------------------------------------- cleaning


def _map_headers(raw: _Raw, table: str, lang: str) -> pd.DataFrame:
    spec = TABLES[table]
    lookup = spec.header_lookup
    rename: dict[str, str] = {}
    for header in raw.frame.columns:
        canonical = lookup.get(normalise_name(header))
        if canonical is None:
            raw.notes.append(("io.note.column_ignored", {"column": header}))
            continue
        if canonical in rename.values():
            raise DataError("io.duplicate_column", file=raw.display, column=header, lang=lang)
        rename[header] = canonical
    missing = [c for c in spec.required if c not in rename.values()]
    if missing:
        col = spec.columns[missing[0]]
        key = "io.missing_column_one_header" if raw.frame.shape[1] == 1 else "io.missing_column"
        raise DataError(key, file=raw.display, column=col.label(lang), column_en=col.name, lang=lang)
    frame = raw.frame[list(rename)].rename(columns=rename)
    for name, cols in raw.formula_rows.items():
        if name in rename:
            raw.formula_rows[rename[name]] = cols
    return frame


def _check_identity_numbers(frame: pd.DataFrame, raw: _Raw, key: str | bytes | None, lang: str) -> pd.DataFrame:
    found = privacy.find_identity_numbers(frame)
    if not found:
        return frame
    if key is None:
        column, positions = next(iter(found.items()))
        rows = raw.rows[positions[:5]].tolist()
        raise DataError(
            "privacy.identity_numbers_found",
            file=raw.display,
            column=column,
            rows=", ".join(str(r) for r in rows) + (" …" if len(positions) > 5 else ""),
            n=len(positions),
            lang=lang,
        )
    raw.notes += [("io.note.pseudonymised", {"column": c}) for c in found]
    return privacy.pseudonymise(frame, list(found), key)


def _parse_dates(text: pd.Series) -> pd.Series:
    """Parse dates in ISO form and the common Swedish forms; NaT where impossible."""
    text = text.str.strip()
    out = pd.to_datetime(text, format="ISO8601", errors="coerce")
    todo = out.isna() & text.notna()
    if todo.any():
        rest = text[todo]
        for fmt in ("%Y%m%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%Y.%m.%d"):
            parsed = pd.to_datetime(rest, format=fmt, errors="coerce")
            out = out.where(~(todo & parsed.reindex(out.index).notna()), parsed.reindex(out.index))
            todo = out.isna() & text.notna()
            if not todo.any():
                break
            rest = text[todo]
    if todo.any():
        rest = text[todo].str.lower()
        months = rest.str.extract(r"^(\d{1,2})\s+([a-zåäö]+)\.?\s+(\d{4})$")
        month_no = months[1].map(_SV_MONTHS)
        ok = month_no.notna()
        if ok.any():
            iso = months[2][ok] + "-" + month_no[ok].astype(int).astype(str).str.zfill(2) + "-" + months[0][ok].str.zfill(2)
            out.loc[iso.index] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
        todo = out.isna() & text.notna()
    if todo.any():  # Excel serial day numbers in a cell formatted as a number
        serial = pd.to_numeric(text[todo], errors="coerce")
        ok = serial.between(20000, 80000) & (serial % 1 == 0)
        if ok.any():
            out.loc[serial[ok].index] = pd.Timestamp("1899-12-30") + pd.to_timedelta(serial[ok], unit="D")
    return out.dt.normalize().astype("datetime64[ns]")


def _parse_numbers(text: pd.Series) -> pd.Series:
    """Parse numbers with decimal comma or point and spaces as thousands separators."""
    s = text.str.replace(r"[\s\u00a0]", "", regex=True)
    both = s.str.contains(".", regex=False) & s.str.contains(",", regex=False)
    s = s.where(~both.fillna(False), s.str.replace(".", "", regex=False))
    s = s.str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce")


def _coerce_column(text: pd.Series, col: ColumnSpec) -> tuple[pd.Series, pd.Series, str]:
    """Return (clean values, mask of cells that could not be read, reason key)."""
    text = text.astype("string")
    present = text.notna() & (text.str.strip() != "")
    text = text.where(present)
    if col.type == "date":
        values = _parse_dates(text)
        return values, present & values.isna(), "bad_date"
    if col.type in ("int", "float"):
        numbers = _parse_numbers(text).astype("float64")
        bad = present & numbers.isna()
        if col.type == "int":
            fractional = numbers.notna() & (numbers % 1 != 0)
            numbers = numbers.where(~fractional)
            if fractional.any() and not bad.any():
                return numbers.round().astype("Int64"), fractional, "not_whole_number"
            return numbers.round().astype("Int64"), bad | fractional, "bad_number"
        return numbers, bad, "bad_number"
    if col.type == "category":
        cats = text.astype("category")
        lookup = col.value_lookup
        mapped = [lookup.get(normalise_name(v)) for v in cats.cat.categories]
        codes = cats.cat.codes.to_numpy()
        target = list(col.values)
        new_codes = np.array([target.index(m) if m else -2 for m in mapped] + [-1], dtype=np.int64)[codes]
        unknown = pd.Series(new_codes == -2, index=text.index)
        new_codes[new_codes == -2] = -1
        values = pd.Series(pd.Categorical.from_codes(new_codes, dtype=clean_dtype(col)), index=text.index)
        return values, unknown, "unknown_value"
    values = text.str.strip().astype("string")
    return values, pd.Series(False, index=text.index), ""


def _clean_table(frame: pd.DataFrame, raw: _Raw, table: str) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Coerce every column; exclude rows with cells that cannot be read."""
    spec = TABLES[table]
    excluded: list[pd.DataFrame] = []
    bad_any = np.zeros(len(frame), dtype=bool)
    clean: dict[str, pd.Series] = {}
    frame = frame.reset_index(drop=True)
    for name, col in spec.columns.items():
        if name not in frame.columns:
            clean[name] = pd.Series(pd.array([None] * len(frame), dtype=clean_dtype(col)) if col.type != "date"
                                    else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"))
            continue
        values, bad, reason = _coerce_column(frame[name], col)
        formula = raw.formula_rows.get(name)
        if formula is not None and len(formula):
            no_value = np.zeros(len(frame), dtype=bool)
            no_value[formula] = frame[name].isna().to_numpy()[formula]
            if no_value.any():
                excluded.append(_excluded(raw.rows[no_value], "formula_no_value", name))
                bad_any |= no_value
        bad_np = bad.to_numpy(dtype=bool)
        if bad_np.any():
            detail = ""
            if reason == "unknown_value":
                detail = ", ".join(sorted({str(v)[:30] for v in frame[name][bad_np].unique()})[:5])
            excluded.append(_excluded(raw.rows[bad_np], reason, name, detail))
            bad_any |= bad_np
        clean[name] = values.reset_index(drop=True)
    out = pd.DataFrame(clean)
    if bad_any.any():
        keep = ~bad_any
        out = out[keep].reset_index(drop=True)
        raw.rows = raw.rows[keep]
    return out, excluded


_PANDERA_REASONS = {
    "not_nullable": "missing_value",
    "field_uniqueness": "duplicate_id",
    "in_range": "out_of_range",
    "isin": "unknown_value",
}


def _validate(frame: pd.DataFrame, raw: _Raw, table: str) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Validate with the pandera schema; exclude failing rows."""
    try:
        pandera_schema(table).validate(frame, lazy=True)
        return frame, []
    except pa_errors.SchemaErrors as err:
        cases = err.failure_cases
    cases = cases[cases["index"].notna()]
    excluded = []
    drop = np.zeros(len(frame), dtype=bool)
    for (column, check), part in cases.groupby(["column", "check"], sort=False):
        check_name = str(check).split("(")[0]
        reason = _PANDERA_REASONS.get(check_name)
        if reason is None:  # pragma: no cover - a dtype error means a bug in cleaning
            raise RuntimeError(f"unexpected validation failure {check} in {table}.{column}")
        pos = np.unique(part["index"].astype(np.int64).to_numpy())
        drop[pos] = True
        excluded.append(_excluded(raw.rows[pos], reason, str(column)))
    keep = ~drop
    raw.rows = raw.rows[keep]
    return frame[keep].reset_index(drop=True), excluded


def _exclude(frame: pd.DataFrame, raw: _Raw, mask: np.ndarray, reason: str, column: str = "",
             other: str = "", into: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    if not mask.any():
        return frame
    if into is not None:
        into.append(_excluded(raw.rows[mask], reason, column, other))
    raw.rows = raw.rows[~mask]
    return frame[~mask].reset_index(drop=True)


def _date_rules(frame: pd.DataFrame, raw: _Raw, table: str, extract_date: pd.Timestamp,
                excluded: list[pd.DataFrame]) -> pd.DataFrame:
    """No dates after the extract date; stage dates in pathway order."""
    for name, col in TABLES[table].columns.items():
        if col.type == "date" and name in frame and table != "period_counts":
            late = (frame[name] > extract_date).to_numpy(dtype=bool)
            frame = _exclude(frame, raw, late, "future_date", name, into=excluded)
    order = DATE_ORDER.get(table, ())
    if order:
        running = frame[order[0]]
        previous = pd.Series(order[0], index=frame.index)
        bad = np.zeros(len(frame), dtype=bool)
        first_col = np.full(len(frame), "", dtype=object)
        first_other = np.full(len(frame), "", dtype=object)
        for name in order[1:]:
            early = (frame[name] < running).to_numpy(dtype=bool) & ~bad
            first_col[early] = name
            first_other[early] = previous[early]
            bad |= early
            later = frame[name].notna() & ~(frame[name] < running)
            running = frame[name].where(later, running)
            previous = previous.where(~later, name)
        for name in order[1:]:
            sel = bad & (first_col == name)
            for other in np.unique(first_other[sel]):
                excluded.append(_excluded(raw.rows[sel & (first_other == other)], "date_order", name, str(other)))
        frame = _exclude(frame, raw, bad, "date_order")
    if table == "referrals" and "decided" in frame:
        early = (frame["decided"] < frame["received"]).to_numpy(dtype=bool)
        frame = _exclude(frame, raw, early, "date_order", "decided", "received", into=excluded)
    if table == "staff":
        early = (frame["end"] < frame["start"]).to_numpy(dtype=bool)
        frame = _exclude(frame, raw, early, "date_order", "end", "start", into=excluded)
    if table == "period_counts":
        dup = frame.duplicated(["period", "stage"]).to_numpy()
        frame = _exclude(frame, raw, dup, "duplicate_period", "period", into=excluded)
    return frame


def _visit_rules(visits: pd.DataFrame, raw: _Raw, referrals: pd.DataFrame, excluded_ids: set[str],
                 excluded: list[pd.DataFrame]) -> pd.DataFrame:
    """A visit's referral exists and the visit is not before the referral arrived."""
    known = visits["referral_id"].isin(referrals["referral_id"]).to_numpy()
    was_excluded = visits["referral_id"].isin(list(excluded_ids)).to_numpy() & ~known
    visits = _exclude(visits, raw, was_excluded, "referral_excluded", "referral_id", into=excluded)
    known = visits["referral_id"].isin(referrals["referral_id"]).to_numpy()
    visits = _exclude(visits, raw, ~known, "unknown_referral", "referral_id", into=excluded)
    received = visits["referral_id"].map(referrals.set_index("referral_id")["received"])
    early = (visits["date"] < received).to_numpy(dtype=bool)
    return _exclude(visits, raw, early, "visit_before_referral", "date", into=excluded)


# --------------------------------------------------------------------------- public


def load_unit(
    path: str | Path,
    *,
    lang: str | None = None,
    extract_date: str | dt.date | pd.Timestamp | None = None,
    pseudonymise_key: str | bytes | None = None,
) -> UnitData:
    """Read, clean and validate a unit's data.

    Parameters
    ----------
    path
        A folder of CSV files (``referrals.csv`` or ``remisser.csv``, …) or one
        Excel workbook with a sheet per table. Only the tables a unit has are
        needed: referrals alone, or period counts alone, are a valid unit.
    lang
        Language of messages and of the row account: ``"sv"`` (default) or ``"en"``.
    extract_date
        The date the data was taken out of the patient administrative system;
        rows with a later date are excluded. Default: today.
    pseudonymise_key
        When given, columns holding Swedish identity numbers are replaced by
        keyed hashes (see :func:`toolkit.privacy.pseudonymise`) instead of
        stopping with an error.

    Returns
    -------
    UnitData
        Clean tables (absent ones empty) and the account of every row read.

    Raises
    ------
    DataError
        When a file cannot be used at all: it names the file, the row and
        column where relevant, what is wrong and how to fix it.
    """
    lang = check_language(lang)
    path = Path(path)
    extract = pd.Timestamp(extract_date if extract_date is not None else dt.date.today()).normalize()
    sources, notes = _find_sources(path, lang)
    if "visits" in sources and "referrals" not in sources:
        raise DataError("io.visits_without_referrals", file=str(path.name), lang=lang)
    tables: dict[str, pd.DataFrame] = {}
    account: dict[str, TableAccount] = {}
    excluded_ids: set[str] = set()
    for table in TABLE_NAMES:
        source = sources.get(table)
        if source is None:
            continue
        raw = source if isinstance(source, _Raw) else _read_csv(source, source.name, lang)
        n_read = len(raw.rows) + sum(len(np.unique(e["row"])) for e in raw.excluded)
        excluded = list(raw.excluded)
        if len(raw.frame.columns) and len(raw.rows) + n_read >= 0:
            frame = _map_headers(raw, table, lang)
        else:
            raise DataError("io.empty_file", file=raw.display, lang=lang)
        frame = _check_identity_numbers(frame, raw, pseudonymise_key, lang)
        ids_before = frame[["referral_id"]].copy() if table == "referrals" else None
        frame, more = _clean_table(frame, raw, table)
        excluded += more
        frame, more = _validate(frame, raw, table)
        excluded += more
        frame = _date_rules(frame, raw, table, extract, excluded)
        if table == "visits":
            frame = _visit_rules(frame, raw, tables["referrals"], excluded_ids, excluded)
        if ids_before is not None:
            excluded_ids = set(ids_before["referral_id"].dropna().astype(str)) - set(frame["referral_id"].astype(str))
        excluded_frame = pd.concat(excluded, ignore_index=True) if excluded else _excluded([], "")
        tables[table] = frame
        account[table] = TableAccount(
            table=table,
            file=raw.display,
            rows_read=n_read,
            rows_used=len(frame),
            excluded=excluded_frame[_EXCLUDED_COLUMNS],
            notes=raw.notes,
        )
    if not any(len(f) for f in tables.values()):
        if any(a.rows_read for a in account.values()):
            worst = max(account.values(), key=lambda a: a.rows_read)
            top = worst.excluded["reason"].value_counts().index[0]
            first = worst.excluded[worst.excluded["reason"] == top].iloc[0]
            raise DataError(
                "io.all_rows_excluded", file=worst.file, row=int(first["row"]),
                reason=reason_text(worst.table, str(top), first["column"], first["other"], lang), lang=lang,
            )
        raise DataError("io.no_rows", file=str(path.name), lang=lang)
    full = {name: tables.get(name, TABLES[name].empty_frame()) for name in TABLE_NAMES}
    return UnitData(**full, account=account, source=str(path), extract_date=extract, lang=lang, notes=notes)
