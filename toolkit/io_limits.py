"""Limits on what :func:`toolkit.io.load_unit` reads, checked before the work is done.

A unit's export is read completely or refused with a message; these limits
make sure a file that is far larger than any real export (or built to look
small and unpack to gigabytes) is refused in seconds, with the limit named
and how to raise it, instead of exhausting the computer's memory.

=============  ==============  =================================================
name           default         what it bounds
=============  ==============  =================================================
file_mb        2000            size of one CSV or Excel file on disk (MB)
workbook_mb    1000            an Excel file's unpacked size (sum of its parts)
rows           10 000 000      data rows of one table (file or sheet)
columns        1000            columns of a table (header fields, sheet width)
sheets         100             worksheets in one workbook
field_chars    131 072         characters in one field (cell)
line_kb        1024            length of one CSV line (KB)
=============  ==============  =================================================

The defaults are several times the largest export measured
(``benchmarks/bench_load.py``: 5 000 000 visits in a 383 MB file with lines
under 100 bytes; an Excel sheet holds at most 1 048 576 rows, 16 384 columns
and 32 767 characters in a cell). Raise one with the environment variable
``BUP_TOOLKIT_LIMITS`` (``BUP_TOOLKIT_LIMITS="rows=20000000,file_mb=4000"``)
or the ``limits=`` argument of :func:`toolkit.io.load_unit`; the argument
wins over the variable.

Only regular files are read: a named pipe, a device or a link to one is
refused without being opened for reading, so it can neither block nor
stream without end.

>>> resolve({"rows": 20_000_000}).rows
20000000
>>> resolve(None).columns
1000
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import IO, Any

from toolkit.errors import DataError, ParameterError

#: The environment variable that changes the defaults (``name=value`` pairs, comma separated).
ENV_VAR = "BUP_TOOLKIT_LIMITS"
#: Rows and columns of an Excel sheet (Excel's specification); a row or column past them is damage.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
_MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """What one load may read; see the module text for each name and its default."""

    file_mb: float = 2000
    workbook_mb: float = 1000
    rows: int = 10_000_000
    columns: int = 1000
    sheets: int = 100
    field_chars: int = 131_072
    line_kb: float = 1024

    @property
    def file_bytes(self) -> int:
        """``file_mb`` in bytes."""
        return int(self.file_mb * _MB)

    @property
    def workbook_bytes(self) -> int:
        """``workbook_mb`` in bytes."""
        return int(self.workbook_mb * _MB)

    @property
    def line_bytes(self) -> int:
        """``line_kb`` in bytes."""
        return int(self.line_kb * 1000)


_NAMES = tuple(f.name for f in fields(Limits))


def resolve(limits: Limits | Mapping[str, float] | None, lang: str | None = None) -> Limits:
    """The limits of one load: the defaults, then ``BUP_TOOLKIT_LIMITS``, then ``limits``."""
    out = _apply(Limits(), _parse_env(os.environ.get(ENV_VAR, ""), lang), ENV_VAR, lang)
    if isinstance(limits, Limits):
        return limits
    return _apply(out, dict(limits or {}), "limits", lang)


def _parse_env(text: str, lang: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise ParameterError(
                "io.limits_invalid",
                argument=ENV_VAR,
                value=part.strip(),
                names=", ".join(_NAMES),
                lang=lang,
            )
        out[name.strip()] = value.strip().replace(" ", "").replace("_", "")
    return out


def _apply(base: Limits, changes: dict[str, Any], argument: str, lang: str | None) -> Limits:
    done: dict[str, Any] = {}
    for name, value in changes.items():
        try:
            number = float(value)
            ok = name in _NAMES and number > 0 and number != float("inf")
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ParameterError(
                "io.limits_invalid",
                argument=argument,
                value=f"{name}={value}",
                names=", ".join(_NAMES),
                lang=lang,
            )
        done[name] = number if name.endswith(("_mb", "_kb")) else int(number)
    return replace(base, **done)


def _number(x: float) -> str:
    """A number as the user reads it: thousands separated by a space (sv and en)."""
    return f"{x:,.0f}".replace(",", " ")


def limit_error(
    name: str,
    found: float,
    limits: Limits,
    *,
    file: str,
    lang: str,
    row: int | None = None,
    column: str | None = None,
) -> DataError:
    """The error for a limit exceeded: what was found, the limit, and how to raise it."""
    value = getattr(limits, name)
    return DataError(
        f"io.limit.{name}",
        file=file,
        row=row,
        column=column,
        found=_number(found),
        limit=_number(value),
        name=name,
        env=ENV_VAR,
        suggest=f"{value * 2:.0f}",
        lang=lang,
    )


def open_regular(path: Path, display: str, limits: Limits, lang: str) -> IO[bytes]:
    """Open ``path`` for reading if it is a regular file within ``file_mb``.

    A named pipe, a device, a socket or a link to one is refused before it
    is opened (``os.stat`` follows links); the file is opened non-blocking
    and checked again, so it cannot be swapped for a pipe in between.
    """
    try:
        before = os.stat(path)
    except OSError as exc:
        raise DataError("io.path_not_found", file=display, lang=lang) from exc
    if not stat.S_ISREG(before.st_mode):
        raise DataError("io.not_regular_file", file=display, lang=lang)
    if before.st_size > limits.file_bytes:
        raise limit_error("file_mb", before.st_size / _MB, limits, file=display, lang=lang)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise DataError("io.cannot_read", file=display, lang=lang) from exc
    now = os.fstat(fd)
    if not stat.S_ISREG(now.st_mode) or (now.st_ino, now.st_dev) != (before.st_ino, before.st_dev):
        os.close(fd)
        raise DataError("io.not_regular_file", file=display, lang=lang)
    return os.fdopen(fd, "rb")


def read_regular(path: Path, display: str, limits: Limits, lang: str) -> bytes:
    """The bytes of a regular file within ``file_mb`` (see :func:`open_regular`)."""
    with open_regular(path, display, limits, lang) as f:
        size = os.fstat(f.fileno()).st_size
        # read(n) sets aside n bytes first: ask for the size on disk, not the limit.
        data = f.read(size + 1)
        if len(data) > size:  # the file grew after it was checked: read on to the limit
            data += f.read(limits.file_bytes + 1 - len(data))
    if len(data) > limits.file_bytes:  # the file grew after it was checked
        raise limit_error("file_mb", len(data) / _MB, limits, file=display, lang=lang)
    return data


def check_workbook(handle: IO[bytes], display: str, limits: Limits, lang: str) -> None:
    """Refuse a workbook whose parts unpack beyond ``workbook_mb`` or that has too many sheets.

    Reads only the zip's central directory (the declared sizes; the zip
    reader stops at them and checks each part's checksum, so a part cannot
    unpack to more than it declares). A file that is not a zip is left to
    the workbook reader, which reports it as damaged.
    """
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        handle.seek(0)
        return
    handle.seek(0)
    unpacked = sum(i.file_size for i in infos)
    if unpacked > limits.workbook_bytes:
        raise limit_error("workbook_mb", unpacked / _MB, limits, file=display, lang=lang)
    sheets = sum(
        1
        for i in infos
        if i.filename.startswith("xl/worksheets/")
        and i.filename.endswith(".xml")
        and "/_rels/" not in i.filename
    )
    if sheets > limits.sheets:
        raise limit_error("sheets", sheets, limits, file=display, lang=lang)
