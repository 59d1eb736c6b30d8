"""The texts an Excel workbook holds besides its cells, so they can be screened.

Comments, page headers and footers, defined names and document properties
are not data the toolkit uses, but they travel with the file; an identity
number in any of them means the file should not be passed around.
:func:`workbook_texts` lists them, each with the place it comes from, for
:func:`toolkit.privacy.check_text`.

Read with openpyxl (document properties and defined names) and, for the
parts openpyxl's read-only mode skips, from the workbook's XML parts:
legacy comments (``xl/comments*.xml``, which Excel also writes for threaded
comments) and each sheet's ``<headerFooter>``, found by streaming the sheet
without keeping it in memory.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path
from typing import Any

from toolkit.privacy import redact_text

__all__ = ["CORE_PROPERTIES", "workbook_texts"]

#: Core document properties (``docProps/core.xml``) that hold text.
CORE_PROPERTIES = (
    "title",
    "subject",
    "creator",
    "keywords",
    "description",
    "lastModifiedBy",
    "category",
    "contentStatus",
    "identifier",
    "language",
    "version",
)
_HEADER_TAG = re.compile(rb"<(?:\w+:)?(?:odd|even|first)(?:Header|Footer)>")
_HEADER_TEXT = re.compile(
    rb"<(?:\w+:)?(?:odd|even|first)(?:Header|Footer)>(.*?)</(?:\w+:)?(?:odd|even|first)(?:Header|Footer)>",
    re.S,
)
_APP_TEXT = re.compile(rb"<(?:\w+:)?(Manager|Company|HyperlinkBase)>(.*?)</", re.S)
_CHUNK = 1 << 20

#: One text: (text key of the place, its fields, the text).
Text = tuple[str, dict[str, Any], str]


def _header_footer(archive: zipfile.ZipFile, part: str) -> list[str]:
    """The page header and footer texts of one sheet part (streamed)."""
    with archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(_CHUNK):
            buffer = tail + chunk
            found = _HEADER_TAG.search(buffer)
            if found:
                # The six parts hold at most 255 characters each: a chunk more is plenty.
                rest = buffer[found.start() :] + stream.read(_CHUNK)
                return [
                    html.unescape(m.group(1).decode("utf-8", "replace"))
                    for m in _HEADER_TEXT.finditer(rest)
                ]
            tail = buffer[-64:]
    return []


_COLOUR_CODE = re.compile(r"&K(?:[0-9A-Fa-f]{6}|[0-9]{2}[+-][0-9]{3})")


def _unglued(text: str) -> str:
    """A header or footer text with its codes loosened from the text after them.

    Excel writes a font size as ``&12`` and a colour as ``&KFF0000`` right in
    front of the text, so a number typed after them is glued to their digits.
    The colour codes are dropped, and the text is given once as it is and
    once with 1, 2 and 3 digits after each ``&`` cut off (a size has at most
    three), so one of the readings shows the number on its own.
    """
    text = _COLOUR_CODE.sub("& ", text)
    readings = [text] + [re.sub(rf"&[0-9]{{{k}}}", "& ", text) for k in (1, 2, 3)]
    return " | ".join(readings)


def _comments(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """(cell, text) of the legacy comments of one sheet part."""
    from openpyxl.comments.comment_sheet import CommentSheet
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.xml.constants import COMMENTS_NS
    from openpyxl.xml.functions import fromstring

    rels_path = get_rels_path(part)
    if rels_path not in archive.namelist():
        return []
    out = []
    for rel in get_dependents(archive, rels_path).find(COMMENTS_NS):
        sheet = CommentSheet.from_tree(fromstring(archive.read(rel.target)))
        out += [(ref, comment.text or "") for ref, comment in sheet.comments]
    return out


def workbook_texts(path: str | Path) -> list[Text]:
    """Every text of a workbook other than its cells and sheet names, with its place.

    Returns
    -------
    list of (str, dict, str)
        The text key of the place (``privacy.field.comment``,
        ``privacy.field.header_footer``, ``privacy.field.defined_name``,
        ``privacy.field.doc_property``), its fields, and the text.

    Raises
    ------
    Exception
        Whatever openpyxl or zipfile raise for a damaged file; the caller
        turns it into a message.
    """
    import openpyxl

    path = Path(path)
    out: list[Text] = []
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        props = book.properties
        for name in CORE_PROPERTIES:
            value = getattr(props, name, None)
            if isinstance(value, str) and value:
                out.append(("privacy.field.doc_property", {"name": name}, value))
        for prop in getattr(book, "custom_doc_props", None) or []:
            field: dict[str, Any] = {"name": str(prop.name)}
            out.append(("privacy.field.doc_property", field, str(prop.name)))
            out.append(("privacy.field.doc_property", field, str(prop.value)))
        names = list(book.defined_names.items())
        for sheet in book.worksheets:
            names += list(sheet.defined_names.items())
        for number, (name, defined) in enumerate(names, start=1):
            field = {"number": number}
            out.append(("privacy.field.defined_name", field, str(name)))
            out.append(("privacy.field.defined_name", field, str(defined.attr_text or "")))
        parts = [
            (sheet.title, getattr(sheet, "_worksheet_path", None)) for sheet in book.worksheets
        ]
    finally:
        book.close()
    with zipfile.ZipFile(path) as archive:
        if "docProps/app.xml" in archive.namelist():
            for m in _APP_TEXT.finditer(archive.read("docProps/app.xml")):
                name = m.group(1).decode()
                text = html.unescape(m.group(2).decode("utf-8", "replace"))
                out.append(("privacy.field.doc_property", {"name": name}, text))
        for title, part in parts:
            if not part:
                continue
            shown = redact_text(title)  # the place may be named, never a number in it
            for ref, text in _comments(archive, part):
                out.append(("privacy.field.comment", {"cell": ref, "sheet": shown}, text))
            for text in _header_footer(archive, part):
                out.append(("privacy.field.header_footer", {"sheet": shown}, _unglued(text)))
    return out
