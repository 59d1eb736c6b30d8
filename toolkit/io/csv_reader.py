"""Read a CSV file as texts, row numbers as in the file.

:func:`_read_csv` decodes the file (:mod:`toolkit.io_encoding`), checks the
limits (:mod:`toolkit.io_limits`) and splits lines and fields with numpy;
a plain large file goes to the fast path (:mod:`toolkit.io_fast`), a file
with quotes that only an exact reader can follow to :func:`_read_csv_quoted`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from toolkit import io_fast
from toolkit.errors import DataError
from toolkit.io._raw import (
    _excluded,
    _Raw,
    _WordedDataError,
)
from toolkit.io_encoding import decode as decode_text
from toolkit.io_limits import (
    Limits,
    limit_error,
    read_regular,
)
from toolkit.io_limits import resolve as resolve_limits
from toolkit.schema import (
    TABLES,
    normalise_name,
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
