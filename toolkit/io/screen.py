"""Identity numbers in a unit's cells, names and workbook metadata: refused or pseudonymised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from toolkit import io_fast, privacy
from toolkit.errors import DataError
from toolkit.io._raw import (
    _EXCEL_SUFFIXES,
    _Raw,
)


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
