"""Which file or sheet of a unit holds which table (:func:`_find_sources`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit import privacy
from toolkit.errors import DataError
from toolkit.io._raw import (
    _CSV_SUFFIXES,
    _EXCEL_SUFFIXES,
    _expected_names,
    _Raw,
    _table_names,
    _WordedDataError,
)
from toolkit.io.excel import _read_sheets
from toolkit.io_limits import (
    Limits,
)
from toolkit.schema import (
    table_for_name,
)


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
