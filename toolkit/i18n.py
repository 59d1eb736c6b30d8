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


def t(key: str, lang: str | None = None, **fields: Any) -> str:
    """The text for ``key`` in ``lang``, with ``fields`` filled in."""
    lang = check_language(lang)
    try:
        text = catalogue()[key][lang]
    except KeyError as exc:
        raise KeyError(f"no {lang} text for key {key!r}") from exc
    return text.format(**fields) if fields else text


def has(key: str) -> bool:
    """True if ``key`` exists in the catalogue."""
    return key in catalogue()
