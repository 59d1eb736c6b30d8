"""A report's own arguments in the report's terms, and the report that says what went wrong.

The checks themselves are :mod:`toolkit._checks`; these two keep the call
shapes the report builders use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from toolkit import _checks as checks
from toolkit.i18n import t
from toolkit.privacy import MIN_THRESHOLD
from toolkit.report._html import Report, Section


def _parse_date(value: str | dt.date | None, argument: str, lang: str) -> pd.Timestamp | None:
    """The day ``value`` names (None when empty), or a ParameterError naming ``argument``."""
    if value is None or value == "":
        return None
    return checks.date(argument, value, lang).normalize()


def _check_threshold(threshold: Any, lang: str) -> None:
    """Share mode's threshold must be a whole number of at least 2 (ParameterError naming it)."""
    checks.whole("threshold", threshold, lang, low=MIN_THRESHOLD)


def _error_report(title: str, message: str, lang: str) -> Report:
    report = Report(title=title, lang=lang, error=message)
    section = Section("error", t("report.error_heading", lang))
    section.text(t("report.error_text", lang, message=message))
    report.sections.append(section)
    return report
