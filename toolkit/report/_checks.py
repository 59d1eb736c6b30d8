"""Checks of a report's own arguments, and the report that says what went wrong."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from toolkit.errors import ParameterError
from toolkit.i18n import t
from toolkit.report._html import Report, Section


def _parse_date(value: str | dt.date | None, argument: str, lang: str) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            "common.param_type", argument=argument, value=value, allowed="YYYY-MM-DD", lang=lang
        ) from exc


def _check_threshold(threshold: Any, lang: str) -> None:
    """Share mode's threshold must be a whole number of at least 2 (ParameterError naming it)."""
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 2:
        raise ParameterError(
            "common.param_range",
            argument="threshold",
            value=threshold,
            allowed="2, 3, 4 …",
            lang=lang,
        )


def _error_report(title: str, message: str, lang: str) -> Report:
    report = Report(title=title, lang=lang, error=message)
    section = Section("error", t("report.error_heading", lang))
    section.text(t("report.error_text", lang, message=message))
    report.sections.append(section)
    return report
