"""How a report writes numbers, shares and dates (one place, so every section writes them alike)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from toolkit.i18n import format_number, format_percent

#: What a report shows for a value that is missing or cannot be measured.
_DASH = "–"


def _num(x: Any, lang: str, digits: int = 0) -> str:
    """A number as readers of ``lang`` write it (:func:`toolkit.i18n.format_number`)."""
    return format_number(x, lang, digits)


def _pct(x: Any, lang: str) -> str:
    """A share 0–1 as a whole percentage, or a dash (:func:`toolkit.i18n.format_percent`)."""
    return format_percent(x, lang)


def _date(x: Any) -> str:
    return _DASH if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()
