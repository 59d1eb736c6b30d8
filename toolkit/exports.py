"""Exports are data, not formulas: text cells of CSV and Excel files written so no program runs them.

A unit name, a PDSA title or a round name typed as ``=HYPERLINK("http://…")``
or ``=cmd|' /C calc'!A0`` would become a live formula in a spreadsheet
program that opens the file (CSV or formula injection, OWASP). Two rules,
used by every export of the toolkit (:mod:`toolkit.pdsa`,
:mod:`toolkit.selfassess`):

* **Excel**: a text is stored as a text cell (openpyxl ``data_type = "s"``,
  :func:`excel_text`), never as a formula, so it shows and reads back as
  typed.
* **CSV**: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading apostrophe (``'``), the prefix spreadsheet
  programs read as "this is text" (:func:`csv_text`); a cell that already
  starts with an apostrophe gets one more, so that :func:`csv_value` (used by
  the toolkit's own import) takes exactly one off and the round trip is exact.

Examples
--------
>>> csv_text("=HYPERLINK(1)"), csv_text("-3 dagar"), csv_text("BUP Öst"), csv_text("'x")
("'=HYPERLINK(1)", "'-3 dagar", 'BUP Öst', "''x")
>>> all(csv_value(csv_text(s)) == s for s in ["=1+1", "'=1", "''", "@SUM(A1)", "ok", ""])
True

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_STARTS", "csv_text", "csv_value", "excel_text"]

#: First characters a spreadsheet program may read as the start of a formula (OWASP).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def csv_text(value: str) -> str:
    """A text for a CSV cell: an apostrophe in front when it could start a formula (or is one)."""
    return _QUOTE + value if value.startswith((*FORMULA_STARTS, _QUOTE)) else value


def csv_value(cell: str) -> str:
    """A CSV cell read back: the apostrophe :func:`csv_text` added is taken off again."""
    rest = cell[1:]
    if cell.startswith(_QUOTE) and rest.startswith((*FORMULA_STARTS, _QUOTE)):
        return rest
    return cell


def excel_text(cell: Any, value: str) -> None:
    """Store ``value`` in an openpyxl cell as text (never a formula, whatever it starts with)."""
    cell.value = value
    cell.data_type = "s"
