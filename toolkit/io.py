"""Read a unit's data: a folder of CSV files or one Excel workbook.

``load_unit(path)`` finds the tables (file or sheet names in Swedish or
English), detects encoding by evidence (UTF-8 with or without BOM, UTF-16,
Windows-1252, cp850, Mac Roman: :mod:`toolkit.io_encoding`), separator
(``,``, ``;`` or tab) and decimal comma, maps Swedish headers and
values to the canonical ones of :mod:`toolkit.schema`, validates each table
with pandera and the cross-table rules, and returns a :class:`UnitData`:
clean tables plus a row account. Every row read is either used or excluded
with a reason; a file that cannot be used at all raises
:class:`toolkit.DataError`, whose message names the file, row and column and
says how to fix it. Excel sheets are read to their real end (a sheet's
declared size is not trusted), and limits on file size, unpacked workbook
size, rows, columns, sheets and field and line length are checked before
the work they bound (:mod:`toolkit.io_limits`).

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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pandera.errors as pa_errors
import pyarrow as pa
import pyarrow.compute as pc

from toolkit import io_fast, io_stages, privacy
from toolkit.errors import DataError
from toolkit.i18n import check_language, t
from toolkit.io_encoding import decode as decode_text
from toolkit.io_limits import (
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    Limits,
    check_workbook,
    limit_error,
    open_regular,
    read_regular,
)
from toolkit.io_limits import resolve as resolve_limits
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


# --------------------------------------------------------------------------- reading raw


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


def _unquoted(line: str) -> str:
    """``line`` without its quoted parts (separators inside quotes are text)."""
    return re.sub(r'"[^"]*"', "", line) if '"' in line else line


def _detect_separator(header: str) -> str:
    unquoted = _unquoted(header)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _check_lines(data: bytes, starts: np.ndarray, display: str, limits: Limits, lang: str) -> None:
    """Refuse a file with more rows than ``rows`` or a line longer than ``line_kb``."""
    if len(starts) - 1 > limits.rows:
        raise limit_error("rows", len(starts) - 1, limits, file=display, lang=lang)
    lengths = np.diff(np.append(starts, len(data)))
    longest = int(np.argmax(lengths)) if len(lengths) else 0
    if len(lengths) and lengths[longest] > limits.line_bytes:
        at = int(starts[longest])
        if at < 4096 and not data[:at].strip(b' \t\n;,"'):  # the header: name its width first
            line = data[at : at + int(lengths[longest])]
            n_columns = max(line.count(sep.encode()) for sep in (";", ",", "\t")) + 1
            if n_columns > limits.columns:
                raise limit_error(
                    "columns", n_columns, limits, file=display, row=longest + 1, lang=lang
                )
        raise limit_error(
            "line_kb", lengths[longest] / 1000, limits, file=display, row=longest + 1, lang=lang
        )


def _check_fields(
    data: bytes,
    starts: np.ndarray,
    ends: np.ndarray,
    sep: str,
    display: str,
    limits: Limits,
    lang: str,
) -> None:
    """Refuse a field longer than ``field_chars``; only lines longer than that are looked at."""
    for i in np.flatnonzero(ends - starts > limits.field_chars):
        line = data[starts[i] : ends[i]].decode("utf-8").rstrip("\n")
        longest = max(len(f) for f in line.split(sep))
        if longest > limits.field_chars:
            raise limit_error(
                "field_chars", longest, limits, file=display, row=int(i) + 1, lang=lang
            )


def _raise_field_limit(limits: Limits) -> None:
    """Let the csv module read fields up to ``field_chars`` (its own default is 131 072)."""
    if csv.field_size_limit() < limits.field_chars + 1:
        csv.field_size_limit(limits.field_chars + 1)


def _csv_header(
    text: str, sep: str, display: str, row: int, limits: Limits, lang: str
) -> list[str]:
    _raise_field_limit(limits)
    try:
        header = next(csv.reader([text], delimiter=sep))
    except csv.Error as exc:
        raise DataError("io.csv_syntax", file=display, row=row, lang=lang) from exc
    longest = max((len(h) for h in header), default=0)
    if longest > limits.field_chars:
        raise limit_error("field_chars", longest, limits, file=display, row=row, lang=lang)
    return header


def _with_notes(raw: _Raw, notes: list[tuple[str, dict[str, Any]]]) -> _Raw:
    raw.notes[:0] = notes
    return raw


def _read_csv(
    path: Path, display: str, lang: str, table: str | None = None, limits: Limits | None = None
) -> _Raw:
    """Read a CSV file with whole-array operations; row numbers are file lines.

    Lines are split with numpy; a line's fields are counted outside quotes, so
    rows with the wrong number of fields are excluded before pandas parses
    the rest. Files where a quoted field spans lines or a quote sits inside a
    field go to :func:`_read_csv_quoted`, which is exact but slower. The
    limits (:mod:`toolkit.io_limits`) on file size, line length, rows,
    columns and field length are checked before the file is parsed.
    """
    limits = limits or resolve_limits(None, lang)
    data, encoding_notes = _csv_text(path, display, lang, table, limits)
    if io_fast.ENABLED and len(data) >= io_fast.MIN_BYTES:
        plain = _read_plain(data, display, limits, table)
        if plain is not None:  # a plain file read by the fast path (toolkit.io_fast)
            return _with_notes(plain, encoding_notes)
    raw = _read_csv_lines(data, display, lang, limits)
    if raw is None:  # quotes that only the exact reader can follow
        raw = _read_csv_quoted(data, display, lang, limits)
    return _with_notes(raw, encoding_notes)


def _csv_text(
    path: Path, display: str, lang: str, table: str | None, limits: Limits
) -> tuple[bytes, list[tuple[str, dict[str, Any]]]]:
    """The file as UTF-8 text with ``\\n`` line ends, and notes on its encoding; refuses empty."""
    held = [read_regular(path, display, limits, lang)]
    if not held[0] or held[0].isspace():  # as ``not data.strip()``, without copying the file
        raise DataError("io.empty_file", file=display, lang=lang)
    return decode_text(held, display, lang, table)  # hands the bytes over


def _read_csv_lines(data: bytes, display: str, lang: str, limits: Limits) -> _Raw | None:
    """Lines and fields split with numpy, rows with the wrong field count excluded.

    None when a quoted field spans lines or a quote sits inside a field.
    """
    b = np.frombuffer(data, dtype=np.uint8)
    starts, ends, blank, first = _csv_lines(data, b, display, limits, lang)
    header_text = data[starts[first] : ends[first]].decode("utf-8").rstrip("\n")
    sep = _detect_separator(header_text)
    n_columns = _unquoted(header_text).count(sep) + 1
    if n_columns > limits.columns:
        raise limit_error("columns", n_columns, limits, file=display, row=first + 1, lang=lang)
    _check_fields(data, starts, ends, sep, display, limits, lang)
    quoted = bool((b == 34).any())
    fields = _fields_per_line(b, starts, ends, sep, quoted)
    if fields is None:
        return None
    expected = int(fields[first])
    index = np.arange(len(starts))
    data_line = (index > first) & ~blank
    bad = data_line & (fields != expected)
    n_data = int(data_line.sum())
    _check_separator_mix(bad, n_data, index, display, sep, lang)
    header = _csv_header(header_text, sep, display, first + 1, limits, lang)
    rows = index[data_line & ~bad] + 1
    frame = _csv_frame(
        data, sep, expected, quoted, skip=~(data_line & ~bad), n_rows=len(rows),
        n_columns=len(header), every_line=first == 0 and len(rows) == len(index) - 1,
    )  # fmt: skip
    if frame is None:  # pragma: no cover - safety net
        return None
    frame.columns = pd.Index([h.strip() for h in header], dtype=object)
    raw = _Raw(frame=frame, rows=rows, display=display, header_row=first + 1)
    if bad.any():
        raw.excluded.append(_excluded(index[bad] + 1, "wrong_field_count", other=str(expected)))
    n_blank = int(((index > first) & blank).sum())
    if n_blank:
        raw.notes.append(("io.note.blank_rows", {"n": n_blank}))
    return raw


def _csv_lines(
    data: bytes, b: np.ndarray, display: str, limits: Limits, lang: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Where each line starts and ends, which lines are blank, and the header's line.

    Checks the line limits; refuses a file of blank lines.
    """
    starts = np.concatenate(([0], np.flatnonzero(b == 10) + 1))
    if starts[-1] >= len(b):
        starts = starts[:-1]
    _check_lines(data, starts, display, limits, lang)
    # Each segment [starts[i], starts[i+1]) is one line with its line end; none is empty.
    content = ~_byte_mask(b, b'\t\n ;,"')
    blank = ~np.logical_or.reduceat(content, starts)
    if blank.all():
        raise DataError("io.empty_file", file=display, lang=lang)
    first = int(np.argmax(~blank))
    ends = np.concatenate((starts[1:], [len(b)]))
    return starts, ends, blank, first


def _fields_per_line(
    b: np.ndarray, starts: np.ndarray, ends: np.ndarray, sep: str, quoted: bool
) -> np.ndarray | None:
    """Fields per line, counting separators outside quotes (None: quotes too irregular)."""
    is_sep = b == ord(sep)
    if quoted:
        is_quote = b == 34
        quotes_per_line = _count_per_line(is_quote, starts, ends)
        if (quotes_per_line % 2).any() or not _quotes_at_field_edges(b, is_quote, ord(sep)):
            return None
        # Parity of the quotes so far: odd inside a quoted field (uint8 wraps, parity survives).
        is_sep &= (np.cumsum(is_quote, dtype=np.uint8) & 1) == 0
    return _count_per_line(is_sep, starts, ends) + 1


def _csv_frame(
    data: bytes,
    sep: str,
    expected: int,
    quoted: bool,
    *,
    skip: np.ndarray,
    n_rows: int,
    n_columns: int,
    every_line: bool,
) -> pd.DataFrame | None:
    """The data rows as strings (lines where ``skip`` is True left out), columns numbered.

    ``every_line``: every line after the header is a data row. None when the
    parsers disagree with the numpy split (a safety net).
    """
    if not n_rows:
        return pd.DataFrame({j: pd.Series(dtype=object) for j in range(n_columns)})
    quoting: Literal[0, 3] = 0 if quoted else 3  # csv.QUOTE_MINIMAL, csv.QUOTE_NONE
    try:
        if every_line:
            # Every line after the header is a data row: Arrow's parser, in parallel
            # and straight into Arrow strings (several times faster than the C parser).
            frame = _read_arrow(data, sep, expected, quoted)
        else:
            frame = pd.read_csv(
                io.BytesIO(data),
                sep=sep,
                dtype=str,
                header=None,
                names=list(range(expected)),
                skiprows=np.flatnonzero(skip).tolist() or None,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                encoding="utf-8",
                lineterminator="\n",
                quoting=quoting,
            )
    except (pd.errors.ParserError, ValueError, OverflowError):  # pragma: no cover - safety net
        return None
    if frame.shape != (n_rows, n_columns):  # pragma: no cover - safety net
        return None
    return frame


def _read_plain(data: bytes, display: str, limits: Limits, table: str | None) -> _Raw | None:
    """A file with no quotes, blank lines or short rows, read by :func:`io_fast.read_plain_csv`."""
    end = data.find(b"\n")
    header_text = (data if end < 0 else data[:end]).decode("utf-8")
    if not header_text.strip(' \t;,"'):
        return None
    sep = _detect_separator(header_text)
    header = header_text.split(sep)
    spec = TABLES.get(table or "")
    columns = (
        [
            spec.columns[spec.header_lookup[key]] if key in spec.header_lookup else None
            for key in (normalise_name(h.strip()) for h in header)
        ]
        if spec
        else []
    )
    repeats = [c is not None and c.type in ("date", "int", "float", "category") for c in columns]
    read = io_fast.read_plain_csv(
        data, sep, header, len(header), limits.line_bytes, limits, repeats
    )
    if read is None:
        return None
    frame, rows = read
    frame.columns = pd.Index([h.strip() for h in header], dtype=object)
    return _Raw(frame=frame, rows=rows, display=display, header_row=1)


def _read_arrow(data: bytes, sep: str, n_fields: int, quoted: bool) -> pd.DataFrame:
    """Parse header-plus-data-rows CSV bytes with pyarrow; every field as text."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(j) for j in range(n_fields)]
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=sep, quote_char='"' if quoted else False),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    frame = table.to_pandas()
    frame.columns = pd.RangeIndex(n_fields)
    return frame


def _count_per_line(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many ``True`` bytes fall in each line [start, end)."""
    where = np.flatnonzero(mask)
    return np.searchsorted(where, ends) - np.searchsorted(where, starts)


def _byte_mask(b: np.ndarray, chars: bytes) -> np.ndarray:
    """True where a byte is one of ``chars`` (a table look-up: much faster than ``np.isin``)."""
    table = np.zeros(256, dtype=bool)
    table[list(chars)] = True
    return table[b]


def _quotes_at_field_edges(b: np.ndarray, is_quote: np.ndarray, sep: int) -> bool:
    """True if every quote opens or closes a field (or is a doubled quote inside one).

    Only then do quote parity and pandas' parser agree on where fields end.
    """
    pos = np.flatnonzero(is_quote)
    edge = bytes([sep, 10, 34])
    before = np.ones(len(pos), dtype=bool)
    inner = pos > 0
    before[inner] = _byte_mask(b[pos[inner] - 1], edge)
    after = np.ones(len(pos), dtype=bool)
    inner = pos < len(b) - 1
    after[inner] = _byte_mask(b[pos[inner] + 1], edge)
    return bool((before | after).all())


def _check_separator_mix(
    bad: np.ndarray, n_data: int, index: np.ndarray, display: str, sep: str, lang: str
) -> None:
    if n_data and bad.sum() * 2 > n_data:
        first_bad = int(index[bad][0]) + 1
        raise _WordedDataError(
            "io.separator_mix",
            file=display,
            row=first_bad,
            worded={
                "sep": {
                    "sv": {";": "semikolon ;", ",": "komma ,", "\t": "tab"}[sep],
                    "en": {";": "semicolon ;", ",": "comma ,", "\t": "tab"}[sep],
                }
            },
            lang=lang,
        )


def _read_csv_quoted(data: bytes, display: str, lang: str, limits: Limits) -> _Raw:
    """Read a CSV file record by record (quoted fields spanning lines; slower, exact)."""
    text = data.decode("utf-8")
    first_line = next((ln for ln in text.splitlines() if ln.strip(' \t;,"')), "")
    sep = _detect_separator(first_line)
    _raise_field_limit(limits)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records: list[list[str]] = []
    rows: list[int] = []
    bad: list[int] = []
    header: list[str] | None = None
    header_row = 1
    n_blank = 0
    start = 1
    last: list[str] = []
    last_start = 1
    try:
        for record in reader:
            last, last_start = record, start
            if len(record) > limits.columns:
                raise limit_error(
                    "columns", len(record), limits, file=display, row=start, lang=lang
                )
            if max(map(len, record), default=0) > limits.field_chars:
                longest = max(map(len, record))
                raise limit_error(
                    "field_chars", longest, limits, file=display, row=start, lang=lang
                )
            if not any(cell.strip(' \t;,"') for cell in record):
                if header is not None:
                    n_blank += 1
            elif header is None:
                header, header_row = record, start
            elif len(records) + len(bad) >= limits.rows:
                raise limit_error("rows", limits.rows + 1, limits, file=display, lang=lang)
            elif len(record) != len(header):
                bad.append(start)
            else:
                records.append(record)
                rows.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise limit_error(
                "field_chars",
                limits.field_chars + 1,
                limits,
                file=display,
                row=reader.line_num,
                lang=lang,
            ) from exc
        raise DataError("io.csv_syntax", file=display, row=reader.line_num, lang=lang) from exc
    if last and "\n" in last[-1] and not text.rstrip("\n").endswith('"'):
        # A quote that is never closed swallows the rest of the file into one field.
        raise DataError("io.csv_syntax", file=display, row=last_start, lang=lang)
    if header is None:
        raise DataError("io.empty_file", file=display, lang=lang)
    n_data = len(records) + len(bad)
    bad_arr = np.ones(len(bad), dtype=bool)
    _check_separator_mix(bad_arr, n_data, np.asarray(bad, dtype=np.int64) - 1, display, sep, lang)
    frame = pd.DataFrame(records, columns=range(len(header)), dtype=object)
    frame = frame.where(frame != "", None) if len(frame) else frame
    frame.columns = pd.Index([h.strip() for h in header], dtype=object)
    raw = _Raw(
        frame=frame, rows=np.asarray(rows, dtype=np.int64), display=display, header_row=header_row
    )
    if bad:
        raw.excluded.append(_excluded(bad, "wrong_field_count", other=str(len(header))))
    if n_blank:
        raw.notes.append(("io.note.blank_rows", {"n": n_blank}))
    return raw


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


def _find_sources(
    path: Path, lang: str, limits: Limits
) -> tuple[dict[str, _Raw | Path], list[tuple[str, dict[str, Any]]]]:
    notes: list[tuple[str, dict[str, Any]]] = []
    if not path.exists():
        raise DataError("io.path_not_found", file=str(path), lang=lang)
    if not path.is_dir() and not path.is_file():  # a pipe, device or socket: never opened
        raise DataError("io.not_regular_file", file=path.name, lang=lang)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in _EXCEL_SUFFIXES:
            sheets = _read_sheets(path, lang, limits)
            extra = sheets.pop("__notes__", None)
            if extra is not None:
                notes += extra.notes
            if not sheets:
                raise DataError(
                    "io.no_tables_workbook", file=path.name, expected=_expected_names(), lang=lang
                )
            return dict(sheets), notes
        if suffix in _CSV_SUFFIXES:
            table = table_for_name(path.name)
            if table is None:
                raise DataError(
                    "io.unknown_file", file=path.name, expected=_expected_names(), lang=lang
                )
            return {table: path}, notes
        raise DataError("io.unsupported_file", file=path.name, lang=lang)
    found: dict[str, _Raw | Path] = {}
    for child in sorted(path.iterdir()):
        if child.name.startswith((".", "~$")) or child.is_dir():
            continue
        suffix = child.suffix.lower()
        table = table_for_name(child.name) if suffix in _CSV_SUFFIXES else None
        if suffix in _EXCEL_SUFFIXES:
            for tname, raw in _read_sheets(child, lang, limits).items():
                if tname == "__notes__":
                    notes += raw.notes
                    continue
                if tname in found:
                    raise _WordedDataError(
                        "io.duplicate_table", file=child.name, worded=_table_names(tname), lang=lang
                    )
                found[tname] = raw
            continue
        if table is None:
            if suffix not in {".md", ".yaml", ".yml", ".json"}:
                notes.append(("io.note.file_ignored", {"file": child.name}))
            continue
        if table in found:
            raise _WordedDataError(
                "io.duplicate_table", file=child.name, worded=_table_names(table), lang=lang
            )
        found[table] = child
    if not found:
        others = sorted(
            privacy.redact_text(c.name, lang=lang)
            for c in path.iterdir()
            if not c.name.startswith(".")
        )
        raise DataError(
            "io.no_tables",
            file=str(path),
            expected=_expected_names(),
            found=", ".join(others[:10]) + (" …" if len(others) > 10 else "") or "-",
            lang=lang,
        )
    return found, notes


def _table_names(table: str) -> dict[str, dict[str, str]]:
    """A table's name in each language, as the field ``table`` of a message."""
    return {"table": {"sv": TABLES[table].sv, "en": TABLES[table].name}}


def _expected_names() -> str:
    return ", ".join(f"{s.sv}/{s.name}" for s in TABLES.values())


# --------------------------------------------------------------------------- cleaning


def _map_headers(raw: _Raw, table: str, lang: str) -> pd.DataFrame:
    """The raw columns that belong to ``table``, renamed to their canonical names.

    Works by column position, so two headers with the same name (or a Swedish
    and an English name for one column) are caught, never silently renamed.
    """
    from openpyxl.utils import get_column_letter

    spec = TABLES[table]
    lookup = spec.header_lookup
    positions: list[int] = []
    names: list[str] = []
    seen: dict[str, str] = {}
    for j, header in enumerate(raw.frame.columns):
        header = "" if header is None else str(header).strip()
        if not header:
            if raw.frame.iloc[:, j].notna().any():
                raise DataError(
                    "io.unnamed_column",
                    file=raw.display,
                    row=raw.header_row,
                    column=get_column_letter(j + 1),
                    lang=lang,
                )
            continue
        canonical = lookup.get(normalise_name(header))
        if canonical is None:
            raw.notes.append(("io.note.column_ignored", {"column": header}))
            continue
        if canonical in seen:
            same = normalise_name(seen[canonical]) == normalise_name(header)
            raise DataError(
                "io.duplicate_header" if same else "io.duplicate_column",
                file=raw.display,
                column=header,
                other=seen[canonical],
                lang=lang,
            )
        seen[canonical] = header
        positions.append(j)
        names.append(canonical)
    missing = [c for c in spec.required if c not in seen]
    if missing:
        col = spec.columns[missing[0]]
        key = "io.missing_column_one_header" if raw.frame.shape[1] == 1 else "io.missing_column"
        raise DataError(key, file=raw.display, column=col.sv, column_en=col.name, lang=lang)
    frame = raw.frame.iloc[:, positions]
    frame.columns = pd.Index(names, dtype=object)
    raw.formula_columns = {
        name: raw.formula_rows[j]
        for j, name in zip(positions, names, strict=True)
        if j in raw.formula_rows
    }
    return frame


def _check_identity_numbers(raw: _Raw, key: str | bytes | None, lang: str) -> None:
    """Stop on Swedish identity numbers in any column, or pseudonymise them when given a key.

    The whole file is searched, also columns the toolkit does not use: a file
    holding identity numbers should not be passed around. Messages give the
    file, column and rows, never the number.
    """
    if any(privacy.has_identity_number(str(c)) for c in raw.frame.columns):
        raise DataError(
            "io.identity_number_header", file=raw.display, row=raw.header_row, lang=lang
        )
    positional = raw.frame.set_axis(range(raw.frame.shape[1]), axis=1)
    found = (
        io_fast.find_identity_numbers(positional, raw.lost_zeros)
        if io_fast.active(len(positional))
        else privacy.find_identity_numbers(positional, lost_zeros=raw.lost_zeros)
    )
    if not found:
        return
    names = [str(c) for c in raw.frame.columns]
    if key is None:
        j, positions = next(iter(found.items()))
        positions = np.asarray(positions, dtype=np.int64)
        rows = raw.rows[positions[:5]].tolist()
        raise DataError(
            "io.identity_numbers",
            file=raw.display,
            column=names[int(j)],
            rows=", ".join(str(r) for r in rows) + (" …" if len(positions) > 5 else ""),
            n=len(positions),
            lang=lang,
        )
    positional = io_fast.as_text(positional)  # the fast path's categoricals, as texts
    done = privacy.pseudonymise(positional, list(found), key, lost_zeros=raw.lost_zeros, lang=lang)
    raw.frame = done.set_axis(raw.frame.columns, axis=1)
    raw.notes += [("io.note.pseudonymised", {"column": names[int(j)]}) for j in found]


def _workbooks(path: Path) -> list[Path]:
    """The workbooks a unit's data is read from (the path itself, or those in its folder)."""
    if path.is_file():
        return [path] if path.suffix.lower() in _EXCEL_SUFFIXES else []
    if not path.is_dir():
        return []
    return [
        child
        for child in sorted(path.iterdir())
        if child.suffix.lower() in _EXCEL_SUFFIXES
        and not child.name.startswith((".", "~$"))
        and not child.is_dir()
    ]


def _check_names(path: Path, lang: str) -> None:
    """No identity number in the unit's path or in the name of a workbook it is read from.

    These names are in every message and in the row account, so they are
    refused even with a pseudonymisation key: rename the file or folder.
    """
    privacy.check_text(str(path), "privacy.field.unit_path", lang=lang)
    for book in _workbooks(path):
        privacy.check_text(
            book.name,
            "privacy.field.file_name",
            file=path.name,
            name=privacy.redact_text(book.name, lang=lang),
            lang=lang,
        )


#: Notes that name a file or sheet: note key -> (its field, the place's text key).
_NAMING_NOTES = {
    "io.note.sheet_ignored": ("sheet", "privacy.field.sheet_name"),
    "io.note.file_ignored": ("file", "privacy.field.file_name"),
}


def _check_unit_texts(
    path: Path, notes: list[tuple[str, dict[str, Any]]], key: str | bytes | None, lang: str
) -> list[tuple[str, dict[str, Any]]]:
    """Identity numbers in the names of ignored files and sheets, and in workbook metadata.

    A name that would be shown in a note is refused, or, with a key, shown
    with its numbers pseudonymised. Comments, page headers and footers,
    defined names and document properties are refused, or, with a key,
    noted by place (they are never shown).
    """
    from toolkit.workbook_text import workbook_texts

    out = []
    for note, fields in notes:
        if note in _NAMING_NOTES:
            name, field = _NAMING_NOTES[note]
            text = str(fields[name])
            shown = privacy.check_text(
                text,
                field,
                file=path.name,
                key=key,
                name=privacy.redact_text(text, lang=lang),
                lang=lang,
            )
            fields = {**fields, name: shown}
        out.append((note, fields))
    for book in _workbooks(path):
        try:
            texts = workbook_texts(book)
        except Exception as exc:  # a damaged part of an untrusted file means the same to the user
            raise DataError("io.bad_workbook", file=book.name, lang=lang) from exc
        for field, args, text in texts:
            if privacy.has_identity_number(text):
                privacy.check_text(text, field, file=book.name, key=key, lang=lang, **args)
                note = "io.note.number_in_" + field.removeprefix("privacy.field.")
                out.append((note, {"file": book.name, **args}))
    return out


#: Dates outside these bounds are typing errors, not dates of a BUP episode.
_DATE_BOUNDS = (pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31"))
#: Whole numbers beyond this cannot be stored exactly; they are out of range for every column.
_MAX_WHOLE = 2.0**53


def _parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates in ISO form and the common Swedish forms.

    Returns the dates (NaT where unreadable or implausible) and a mask of
    cells that are real dates but outside 1900–2100.
    """
    text = text.str.strip()
    out = pd.to_datetime(text, format="ISO8601", errors="coerce")
    todo = out.isna() & text.notna()
    if todo.any():
        rest = text[todo]
        for fmt in (
            "%Y%m%d",
            "%Y-%m-%d",
            "%d/%m/%Y",
            "%d.%m.%Y",
            "%d-%m-%Y",
            "%Y/%m/%d",
            "%Y.%m.%d",
            "%y%m%d",
        ):
            if fmt == "%y%m%d":  # only six digits: "240108"; never an Excel serial day
                rest = rest[rest.str.fullmatch(r"\d{6}")]
            parsed = pd.to_datetime(rest, format=fmt, errors="coerce").reindex(out.index)
            out = out.where(~(todo & parsed.notna()), parsed)
            todo = out.isna() & text.notna()
            if not todo.any():
                break
            rest = text[todo]
    if todo.any():  # "8/1 2024", "8/1-2024": day/month then the year
        parts = text[todo].str.extract(r"^(\d{1,2})/(\d{1,2})[\s\-]+(\d{4})$").dropna()
        if len(parts):
            iso = parts[2] + "-" + parts[1].str.zfill(2) + "-" + parts[0].str.zfill(2)
            out.loc[iso.index] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
        todo = out.isna() & text.notna()
    if todo.any():  # "8 januari 2024", "8 jan. 2024"
        rest = text[todo].str.lower()
        months = rest.str.extract(r"^(\d{1,2})\s+([a-zåäö]+)\.?\s+(\d{4})$")
        month_no = months[1].map(_SV_MONTHS)
        ok = month_no.notna()
        if ok.any():
            iso = (
                months[2][ok]
                + "-"
                + month_no[ok].astype(int).astype(str).str.zfill(2)
                + "-"
                + months[0][ok].str.zfill(2)
            )
            out.loc[iso.index] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
        todo = out.isna() & text.notna()
    if todo.any():  # Excel serial day numbers in a cell formatted as a number
        serial = pd.to_numeric(text[todo], errors="coerce")
        ok = serial.between(20000, 80000) & (serial % 1 == 0)
        if ok.any():
            out.loc[serial[ok].index] = pd.Timestamp("1899-12-30") + pd.to_timedelta(
                serial[ok], unit="D"
            )
    implausible = out.notna() & ((out < _DATE_BOUNDS[0]) | (out > _DATE_BOUNDS[1]))
    out = out.where(~implausible)
    return out.dt.normalize().astype("datetime64[ns]"), implausible


def _parse_numbers(text: pd.Series) -> pd.Series:
    """Parse numbers with decimal comma or point and spaces as thousands separators.

    Runs in pyarrow's compute kernels (a Python-level regex over millions of
    cells took seconds); only a column with unreadable cells goes through
    ``pd.to_numeric`` to find them.
    """
    arr = pa.array(text.astype("string[pyarrow]"))
    arr = pc.replace_substring_regex(arr, pattern=r"[\s\x{00a0}]", replacement="")
    both = pc.and_(pc.match_substring(arr, "."), pc.match_substring(arr, ","))
    if pc.any(both).as_py():
        arr = pc.if_else(both, pc.replace_substring(arr, ".", ""), arr)
    arr = pc.replace_substring(arr, ",", ".")
    try:
        numbers = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(
            pd.Series(arr.to_pylist(), index=text.index, dtype=object), errors="coerce"
        )
    return pd.Series(numbers, index=text.index, dtype="float64")


Problems = list[tuple[pd.Series, str]]


def _coerce_column(text: pd.Series, col: ColumnSpec) -> tuple[pd.Series, Problems]:
    """Return the clean values and, per reason key, a mask of cells that cannot be used."""
    text = text.astype("string")
    present = text.notna() & (text.str.strip() != "")
    text = text.where(present)
    if col.type == "date":
        values, implausible = _parse_dates(text)
        return values, [
            (present & values.isna() & ~implausible, "bad_date"),
            (implausible, "implausible_date"),
        ]
    if col.type in ("int", "float"):
        numbers = _parse_numbers(text).astype("float64")
        bad = present & ~np.isfinite(numbers.fillna(0.0))
        numbers = numbers.where(~bad)
        bad |= present & numbers.isna()
        huge = numbers.abs() > _MAX_WHOLE
        numbers = numbers.where(~huge)
        if col.type == "int":
            fractional = numbers.notna() & (numbers % 1 != 0)
            numbers = numbers.where(~fractional)
            whole = numbers.round().astype("Int64")
            return whole, [
                (bad, "bad_number"),
                (fractional, "not_whole_number"),
                (huge, "out_of_range"),
            ]
        return numbers, [(bad, "bad_number"), (huge, "out_of_range")]
    if col.type == "category":
        cats = text.astype("category")
        lookup = col.value_lookup
        mapped = [lookup.get(normalise_name(v)) for v in cats.cat.categories]
        codes = cats.cat.codes.to_numpy()
        target = list(col.values)
        new_codes = np.array([target.index(m) if m else -2 for m in mapped] + [-1], dtype=np.int64)[
            codes
        ]
        unknown = pd.Series(new_codes == -2, index=text.index)
        new_codes[new_codes == -2] = -1
        values = pd.Series(
            pd.Categorical.from_codes(new_codes, dtype=clean_dtype(col)), index=text.index
        )
        return values, [(unknown, "unknown_value")]
    return text.str.strip().astype("string"), []


def _clean_table(
    frame: pd.DataFrame, raw: _Raw, table: str
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Coerce every column; exclude rows with cells that cannot be read."""
    spec = TABLES[table]
    excluded: list[pd.DataFrame] = []
    bad_any = np.zeros(len(frame), dtype=bool)
    clean: dict[str, pd.Series] = {}
    frame = frame.reset_index(drop=True)
    for name, col in spec.columns.items():
        if name not in frame.columns:
            clean[name] = pd.Series(
                pd.array([None] * len(frame), dtype=clean_dtype(col))
                if col.type != "date"
                else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
            )
            continue
        values, problems = (
            io_fast.coerce_column(frame[name], col, _coerce_column)
            if io_fast.active(len(frame))
            else _coerce_column(frame[name], col)
        )
        formula = raw.formula_columns.get(name)
        if formula is not None and len(formula):
            no_value = np.zeros(len(frame), dtype=bool)
            no_value[formula] = frame[name].isna().to_numpy()[formula]
            if no_value.any():
                excluded.append(_excluded(raw.rows[no_value], "formula_no_value", name))
                bad_any |= no_value
        for bad, reason in problems:
            bad_np = bad.to_numpy(dtype=bool, na_value=False)
            if bad_np.any():
                # The reason names the column and the allowed values, never the cell's value.
                excluded.append(_excluded(raw.rows[bad_np], reason, name))
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


def _validate(
    frame: pd.DataFrame, raw: _Raw, table: str
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Validate with the pandera schema; exclude failing rows."""
    if io_fast.active(len(frame)) and not io_fast.needs_validation(frame, TABLES[table].columns):
        return frame, []
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


def _exclude(
    frame: pd.DataFrame,
    raw: _Raw,
    mask: np.ndarray,
    reason: str,
    column: str = "",
    other: str = "",
    into: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    if not mask.any():
        return frame
    if into is not None:
        into.append(_excluded(raw.rows[mask], reason, column, other))
    raw.rows = raw.rows[~mask]
    return frame[~mask].reset_index(drop=True)


def _date_rules(
    frame: pd.DataFrame,
    raw: _Raw,
    table: str,
    extract_date: pd.Timestamp,
    excluded: list[pd.DataFrame],
) -> pd.DataFrame:
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
                excluded.append(
                    _excluded(
                        raw.rows[sel & (first_other == other)], "date_order", name, str(other)
                    )
                )
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
        for within, total in (
            ("completed_within_target", "completed"),
            ("waiting_within_target", "waiting_end"),
        ):
            if within in frame:  # those within target are part of the total
                over = (frame[within] > frame[total]).fillna(False).to_numpy(dtype=bool)
                frame = _exclude(frame, raw, over, "within_exceeds", within, total, into=excluded)
    return frame


def _positions_in(values: pd.Series, lookup: pd.Series) -> np.ndarray:
    """Position of each value in ``lookup`` (first occurrence), or -1; hashed in pyarrow.

    ``Series.isin`` on arrow strings builds a Python list of the look-up
    values, seconds for a million referral ids.
    """
    if not len(lookup) or not len(values):
        return np.full(len(values), -1, dtype=np.int64)
    found = pc.index_in(
        pa.array(values.astype("string[pyarrow]")),
        value_set=pa.array(lookup.astype("string[pyarrow]")),
    )
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _visit_rules(
    visits: pd.DataFrame,
    raw: _Raw,
    referrals: pd.DataFrame,
    excluded_ids: pd.Series,
    excluded: list[pd.DataFrame],
) -> pd.DataFrame:
    """A visit's referral exists and the visit is not before the referral arrived."""
    where = _positions_in(visits["referral_id"], referrals["referral_id"])
    was_excluded = (where < 0) & (_positions_in(visits["referral_id"], excluded_ids) >= 0)
    visits = _exclude(visits, raw, was_excluded, "referral_excluded", "referral_id", into=excluded)
    where = where[~was_excluded]
    visits = _exclude(visits, raw, where < 0, "unknown_referral", "referral_id", into=excluded)
    where = where[where >= 0]
    received = referrals["received"].to_numpy()[where]
    early = visits["date"].to_numpy() < received
    return _exclude(visits, raw, early, "visit_before_referral", "date", into=excluded)


# --------------------------------------------------------------------------- public


def load_unit(
    path: str | Path,
    *,
    lang: str | None = None,
    extract_date: str | dt.date | pd.Timestamp | None = None,
    pseudonymise_key: str | bytes | None = None,
    limits: Limits | Mapping[str, float] | None = None,
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
        stopping with an error. Every column of a file is searched, also
        columns the toolkit does not use, and so are the names of unused
        files and sheets (shown with pseudonyms) and a workbook's comments,
        headers, footers, defined names and properties (never shown). The
        key must pass :func:`toolkit.privacy.check_key` (16 characters, 8
        different); a weak key is refused whether or not numbers are found.
        See docs/privacy.md.
    limits
        Raise (or lower) the limits on what is read, by name, e.g.
        ``{"rows": 20_000_000}``: file size, an Excel file's unpacked size,
        rows, columns, sheets, field and line length (see
        :mod:`toolkit.io_limits` for the names and defaults). They are checked
        before the work they bound; the environment variable
        ``BUP_TOOLKIT_LIMITS`` sets them for every load.

    Returns
    -------
    UnitData
        Clean tables (absent ones empty) and the account of every row read.

    Raises
    ------
    DataError
        When a file cannot be used at all: it names the file, the row and
        column where relevant, what is wrong and how to fix it. A file whose
        every row is excluded is such a file; the message gives the most
        common reason and the first row with it. ``err.message("sv")`` and
        ``err.message("en")`` give the message in either language.
    """
    lang = check_language(lang)
    path = Path(path)
    extract = pd.Timestamp(
        extract_date if extract_date is not None else dt.date.today()
    ).normalize()
    if pseudonymise_key is not None:
        privacy.check_key(pseudonymise_key, lang=lang)  # a weak key is refused at once
    _check_names(path, lang)
    where = [path.name]  # the file being read, for a memory error
    try:
        return _load_unit(
            path, lang, extract, pseudonymise_key, resolve_limits(limits, lang), where
        )
    except MemoryError as exc:  # the computer's memory, not a damaged file: say so
        raise DataError("io.memory", file=where[0], lang=lang) from exc


def _load_unit(
    path: Path,
    lang: str,
    extract: pd.Timestamp,
    pseudonymise_key: str | bytes | None,
    limits: Limits,
    where: list[str],
) -> UnitData:
    sources, notes = _find_sources(path, lang, limits)
    notes = _check_unit_texts(path, notes, pseudonymise_key, lang)
    if "visits" in sources and "referrals" not in sources:
        visits = sources["visits"]
        raise DataError(
            "io.visits_without_referrals",
            file=visits.display if isinstance(visits, _Raw) else visits.name,
            lang=lang,
        )
    tables: dict[str, pd.DataFrame] = {}
    account: dict[str, TableAccount] = {}
    excluded_ids = pd.Series([], dtype="string")
    for table in TABLE_NAMES:
        source = sources.get(table)
        if source is None:
            continue
        where[0] = source.display if isinstance(source, _Raw) else source.name
        raw = (
            source
            if isinstance(source, _Raw)
            else _read_csv(source, source.name, lang, table, limits)
        )
        if not len(raw.frame.columns):
            raise DataError("io.empty_file", file=raw.display, lang=lang)
        n_read = len(raw.rows) + sum(len(np.unique(e["row"])) for e in raw.excluded)
        excluded = list(raw.excluded)
        _check_identity_numbers(raw, pseudonymise_key, lang)
        frame = _map_headers(raw, table, lang)
        frame = io_stages.read_treatment(frame, raw.notes, table)  # "behandling": 2 or 3 stages
        ids_before = (
            frame["referral_id"].astype("string").str.strip() if table == "referrals" else None
        )
        frame, more = _clean_table(frame, raw, table)
        raw.frame = raw.frame.iloc[:0]  # the texts are no longer needed: free their memory
        excluded += more
        frame, more = _validate(frame, raw, table)
        excluded += more
        frame = _date_rules(frame, raw, table, extract, excluded)
        if table == "visits":
            frame = _visit_rules(frame, raw, tables["referrals"], excluded_ids, excluded)
        if ids_before is not None:
            excluded_ids = ids_before[_positions_in(ids_before, frame["referral_id"]) < 0].dropna()
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
        if n_read and not len(frame):
            _raise_all_excluded(account[table], lang)
    if not any(len(f) for f in tables.values()):
        files = ", ".join(a.file for a in account.values()) or path.name
        raise DataError("io.no_rows", file=files, lang=lang)
    full = {name: tables.get(name, TABLES[name].empty_frame()) for name in TABLE_NAMES}
    return UnitData(
        **full, account=account, source=str(path), extract_date=extract, lang=lang, notes=notes
    )


def _raise_all_excluded(account: TableAccount, lang: str) -> None:
    """Every row of a file was excluded: stop, naming the most common reason and its first row."""
    exc = account.excluded
    counts = exc.groupby(["reason", "column", "other"], sort=False, dropna=False)["row"].nunique()
    reason, column, other = counts.sort_values(ascending=False, kind="stable").index[0]
    part = exc[(exc["reason"] == reason) & (exc["column"] == column) & (exc["other"] == other)]
    raise _WordedDataError(
        "io.all_rows_excluded",
        file=account.file,
        row=int(part["row"].min()),
        worded={
            "reason": {
                lg: reason_text(account.table, str(reason), column, other, lg)
                for lg in ("sv", "en")
            }
        },
        n=int(counts.iloc[0]),
        total=account.rows_read,
        lang=lang,
    )
