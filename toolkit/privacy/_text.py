"""Free text: every written form of an identity or reserve number, one text at a time.

:func:`_fold` folds Unicode compatibility forms, :func:`_scan` finds the
numbers (places in the original text), :func:`_spans` merges their places.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from toolkit.privacy._numbers import _valid_one

#: Dash-like characters read as ``-``: hyphen, non-breaking hyphen, figure
#: dash, en dash, em dash, horizontal bar, minus sign, small and full-width
#: hyphen-minus.
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# Dates: YYMMDD, YYYYMMDD, or with "." (or "-") between year, month and day.
_DATE = r"(?P<y>[0-9]{2})(?P<ds>[.-]?)(?P<m>[0-9]{2})(?P=ds)(?P<d>[0-9]{2})"
# Personal identity, coordination and reserve numbers of digits only.
_NUMBER_10 = re.compile(
    r"(?<![0-9])" + _DATE + r"(?P<sep>\s?[-+]\s?|\s)?(?P<n>[0-9]{3})(?P<k>[0-9])(?![0-9])"
)
_NUMBER_12 = re.compile(
    r"(?<![0-9])(?P<c>[0-9]{2})"
    + _DATE
    + r"(?P<sep>\s?[-+]\s?|\s)?(?P<n>[0-9]{3})(?P<k>[0-9])(?![0-9])"
)
# Reserve and interim numbers: a birth date, then four characters of which at
# least one is a capital letter (Socialstyrelsen's recommendation; Region
# Skåne, Västra Götaland, Värmland).
_RESERVE = re.compile(
    r"(?<![0-9A-Za-z])(?P<c>[0-9]{2})?(?P<y>[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})[-+]?"
    r"(?P<t>(?=[0-9]{0,3}[A-Z])[A-Z0-9]{4})(?![0-9A-Za-z])"
)
# Inera's national reserve identity (NRID): XX YYMMDD NN G C.
_NRID = re.compile(
    r"(?<![0-9A-Za-z])(?P<x>[0-9]{2})(?P<y>[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})[-+]?"
    r"(?P<nn>[A-HJ-NPR-UXYZ]{2})(?P<g>[0-9A-Z])(?P<k>[0-9])(?![0-9A-Za-z])"
)


_PSEUDONYM = re.compile(r"(?<![0-9A-Za-z])p_[0-9a-f]{16}(?![0-9A-Za-z])")


class _Match:
    """One number found in a text: where (``start``, ``end``) and what to hash."""

    __slots__ = ("end", "key", "long", "parts", "plus", "start")

    def __init__(
        self,
        start: int,
        end: int,
        *,
        key: str = "",
        parts: list[int] | None = None,
        long: bool = False,
        plus: bool = False,
    ) -> None:
        self.start, self.end, self.key = start, end, key
        self.parts, self.long, self.plus = parts, long, plus


#: The digits of a sign that NFKC spells with several characters (see :func:`_fold`).
_NOT_DIGITS = str.maketrans("0123456789", "#" * 10)


def _fold(text: str) -> tuple[str, list[int] | None]:
    """The text with compatibility forms folded, and each folded character's origin.

    Each character is put in Unicode NFKC form (full-width digits and
    letters become ASCII, a no-break space a space), other decimal digits
    (Arabic-Indic, Devanagari, …) become ASCII digits, dashes become ``-``
    and every space character a space. ``None`` for ASCII text (unchanged).

    A digit is one character that folds to one digit. A sign that NFKC
    spells with several characters, digits among them (``½`` is ``1⁄2``,
    ``⑩`` is ``10``, the telegraph sign ``㍘`` is ``0点``), is not a digit:
    its digits become ``#``, so they neither glue to a number beside the
    sign (``0001010008㍘`` holds the number ``0001010008``, as a reader
    sees it) nor make one.
    """
    if text.isascii():
        return text, None
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            folded = ch
        elif ch in _DASHES:
            folded = "-"
        elif ch.isspace():
            folded = " "
        else:
            digit = unicodedata.decimal(ch, None)
            folded = str(digit) if digit is not None else unicodedata.normalize("NFKC", ch)
            if len(folded) > 1:
                folded = folded.translate(_NOT_DIGITS)
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


def _date_ok(century: int | None, yy: int, month: int, day: int) -> bool:
    """A real date; without a century, 29 February counts in every fourth year."""
    if century is not None and not 18 <= century <= 20:
        return False
    try:
        dt.date(century * 100 + yy if century is not None else 2000 + yy, month, day)
    except ValueError:
        return False
    return True


def _scan(text: str) -> list[_Match]:
    """Every identity or reserve number in ``text`` (positions in the original text).

    Pseudonyms (``p_`` and 16 hexadecimal digits) are skipped: their digits
    can happen to form a valid number.
    """
    folded, origin = _fold(text)
    if "p_" in folded:
        folded = _PSEUDONYM.sub(lambda m: "_" * len(m.group(0)), folded)
    found: list[_Match] = []
    numbers: list[tuple[int, int, list[int], bool, bool]] = []
    for pattern, long in ((_NUMBER_12, True), (_NUMBER_10, False)):
        for m in pattern.finditer(folded):
            sep = (m.group("sep") or "").strip()
            if m.group("ds") == "-" and sep not in ("-", "+"):
                continue  # "2024-01-15 1234" is a date and a number, not an identity number
            n = m.group("n")
            parts = [
                int(m.group("c")) if long else 0,
                int(m.group("y")),
                int(m.group("m")),
                int(m.group("d")),
                int(n[:2]),
                int(n[2]),
                int(m.group("k")),
            ]
            numbers.append((m.start(), m.end(), parts, long, sep == "+"))
    for start, end, parts, long, plus in numbers:
        if _valid_one(parts, long):
            found.append(_Match(start, end, parts=parts, long=long, plus=plus))
    for m in _RESERVE.finditer(folded):
        century = int(m.group("c")) if m.group("c") else None
        yy, month, day = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        if _date_ok(century, yy, month, day):
            key = f"{yy:02d}{month:02d}{day:02d}{m.group('t')}"
            found.append(_Match(m.start(), m.end(), key=key))
    for m in _NRID.finditer(folded):
        x, month, day = int(m.group("x")), int(m.group("m")), int(m.group("d"))
        known = 22 <= x <= 98 and (x - 19) % 3 in (0, 1) and 1 <= month <= 12 and 1 <= day <= 31
        unknown = x == 0 and month >= 20 and 40 <= day <= 59
        if known or unknown:
            key = re.sub(r"[-+]", "", m.group(0))
            found.append(_Match(m.start(), m.end(), key=key))
    if origin is not None:
        for match in found:
            match.start, match.end = origin[match.start], origin[match.end - 1] + 1
    return found


def _spans(found: list[_Match]) -> list[tuple[int, int]]:
    """The places of ``found``, overlapping ones merged, in order."""
    spans: list[tuple[int, int]] = []
    for start, end in sorted((m.start, m.end) for m in found):
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans
