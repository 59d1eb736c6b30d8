"""Every user-facing string in Swedish (default) and English.

Texts live in ``toolkit/data/text/*.yaml``, one file per module, each entry a
key with an ``sv`` and an ``en`` text (``str.format`` fields allowed)::

    io.missing_column:
      sv: "Kolumnen {column} saknas."
      en: "The column {column} is missing."

Examples
--------
>>> from toolkit.i18n import t
>>> t("common.yes", lang="en")
'yes'
>>> t("common.yes")
'ja'
"""

from __future__ import annotations

import re
import string
from functools import cache
from importlib import resources
from typing import Any

from toolkit import _yaml

LANGUAGES: tuple[str, ...] = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
_current = {"lang": DEFAULT_LANGUAGE}


def set_language(lang: str) -> None:
    """Set the language used when a call gives none (``"sv"`` or ``"en"``)."""
    _current["lang"] = check_language(lang)


def get_language() -> str:
    """The language used when a call gives none."""
    return _current["lang"]


def check_language(lang: str | None) -> str:
    """Return ``lang`` (or the current language for ``None``) if supported.

    >>> check_language("fi")
    Traceback (most recent call last):
    ...
    ValueError: lang: 'fi' is not a supported language; use one of sv, en
    """
    if lang is None:
        return get_language()
    if lang not in LANGUAGES:
        raise ValueError(
            f"lang: {lang!r} is not a supported language; use one of {', '.join(LANGUAGES)}"
        )
    return lang


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All texts, merged from every catalogue file; a key defined twice is an error."""
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("toolkit") / "data" / "text"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = _yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        for key, texts in data.items():
            if key in merged:
                raise RuntimeError(f"text key {key!r} is defined twice ({entry.name})")
            merged[key] = texts
    return merged


class _Numbers(string.Formatter):
    """Fills a text's fields, writing decimal numbers as the language does.

    In Swedish a decimal comma, a non-breaking space between thousands and
    before a per cent sign; whole numbers without a format (years, counts)
    and every text field are left as they are.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("plural:"):  # {count:plural:remiss:remisser}
            _, one, many = format_spec.split(":", 2)
            return f"{self.format_field(value, '')} {one if value == 1 else many}"
        text = format(value, format_spec)
        numeric = isinstance(value, float) or (
            isinstance(value, int) and not isinstance(value, bool) and bool(format_spec)
        )
        if not numeric or self.lang != "sv":
            return text
        text = text.replace(",", "\u00a0").replace(".", ",")
        return text.replace("%", "\u00a0%") if text.endswith("%") else text


def t(key: str, lang: str | None = None, **fields: Any) -> str:
    """The text for ``key`` in ``lang``, with ``fields`` filled in.

    Decimal numbers in ``fields`` are written as ``lang`` writes them (one
    formatter for every message), so a Swedish text never shows ``1.15``.

    >>> _Numbers("sv").format("{a} {b:.2f} {c:.0%} {d} {e}", a=1.2, b=1.154, c=0.4, d=2024, e="x.csv")
    '1,2 1,15 40\xa0% 2024 x.csv'

    Singular and plural of a count: ``{count:plural:remiss:remisser}``.

    >>> _Numbers("sv").format("{n:plural:remiss:remisser}, {m:plural:rad:rader}", n=1, m=3)
    '1 remiss, 3 rader'
    """
    lang = check_language(lang)
    try:
        text = catalogue()[key][lang]
    except KeyError as exc:
        raise KeyError(f"no {lang} text for key {key!r}") from exc
    return _Numbers(lang).format(text, **fields) if fields else text


def format_number(value: Any, lang: str | None = None, digits: int = 0) -> str:
    """A number as readers of ``lang`` write it: the one number formatter of every page and report.

    Swedish: decimal comma and a non-breaking space between thousands;
    English: decimal point and comma. Missing values read "–", infinity "∞".

    >>> format_number(1234.56, "sv", 1), format_number(1234.56, "en"), format_number(None, "sv")
    ('1\xa0234,6', '1,235', '–')
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–"
    if x != x:  # NaN
        return "–"
    if x in (float("inf"), float("-inf")):
        return "∞" if x > 0 else "−∞"
    text = f"{x:,.{digits}f}" if digits else f"{round(x):,d}"
    if check_language(lang) == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def format_percent(share: Any, lang: str | None = None, digits: int = 0) -> str:
    """A share 0–1 as a percentage (``0.405`` → "40 %", "40,5 %" with one digit), or "–".

    >>> format_percent(0.405, "sv", 1), format_percent(float("nan"), "en")
    ('40,5 %', '–')
    """
    try:
        x = float(share)
    except (TypeError, ValueError):
        return "–"
    return "–" if x != x else f"{format_number(100 * x, lang, digits)} %"


def has(key: str) -> bool:
    """True if ``key`` exists in the catalogue."""
    return key in catalogue()


_NUMBER = re.compile(r"^\s*([+\-\u2212]?)\s*(\d[\d\s\u00a0\u202f]*(?:[.,]\d+)?|[.,]\d+)\s*(%?)\s*$")


def parse_number(text: str) -> tuple[float, bool]:
    """A number typed in Swedish or English form, and whether it carried a ``%`` sign.

    Decimal comma or point, spaces (also non-breaking) between thousands, a
    leading sign (also the minus sign ``−``), a trailing ``%``.

    >>> parse_number("0,4")
    (0.4, False)
    >>> parse_number("40 %")
    (40.0, True)
    >>> parse_number("1 234.5")
    (1234.5, False)
    >>> parse_number("−12%")
    (-12.0, True)
    >>> parse_number("fyra")
    Traceback (most recent call last):
    ...
    ValueError: fyra
    """
    match = _NUMBER.match(str(text))
    if match is None:
        raise ValueError(text)
    sign, digits, percent = match.groups()
    number = float(re.sub(r"[\s\u00a0\u202f]", "", digits).replace(",", "."))
    return (-number if sign in {"-", "\u2212"} else number), bool(percent)
