"""The unit report's section *Data quality*: the row account, exclusions and notes."""

from __future__ import annotations

import pandas as pd

from toolkit import disclosure
from toolkit.i18n import t
from toolkit.report._figures import UnitFigures
from toolkit.report._html import Section, html_table

__all__ = ["quality_section"]


def quality_section(f: UnitFigures) -> Section:
    """Rows read, used and excluded per file, the reasons, and the notes on the data."""
    lang, unit, share, opts = f.lang, f.unit, f.share, f.opts
    quality = Section("quality", t("report.h.quality", lang))
    quality.text(t("report.quality_text", lang))
    account = unit.row_account(lang)
    if share:
        account = _share_account(account, unit.exclusions(lang))
    quality.html(
        "table",
        html_table(
            account,
            labels={c: t(f"report.col.account_{c}", lang) for c in account.columns},
            counts=["read", "used", "excluded"],
            **opts,
        ),
    )
    exc = unit.exclusions(lang)
    if not exc.empty:
        if share:
            exc = exc.drop(columns=["example_rows"])
        quality.html(
            "table",
            html_table(
                exc,
                labels={c: t(f"report.col.exc_{c}", lang) for c in exc.columns},
                counts=["rows"],
                **opts,
            ),
        )
    for note in [*unit.note_texts(lang), *f.weekly.attrs.get("notes", [])]:
        if share:
            note = disclosure.round_numbers_in_text(note, f.threshold, lang=lang)
        quality.text(f"- {note}")
    return quality


def _share_account(account: pd.DataFrame, exclusions: pd.DataFrame) -> pd.DataFrame:
    """Share mode: the row account rounded so that read = used + excluded holds among shown numbers.

    Rows used and rows excluded for each reason are rounded on their own;
    excluded is the sum of its rounded reasons and read the sum of used and
    excluded (controlled rounding, :func:`toolkit.disclosure.round_parts`).
    """
    out = account.copy()
    for i, row in out.iterrows():
        reasons = exclusions[exclusions["file"] == row["file"]]["rows"].tolist()
        _, excluded = disclosure.round_parts(reasons or [int(row["excluded"])])
        used = int(disclosure.round_to_base([int(row["used"])])[0])
        out.loc[i, ["read", "used", "excluded"]] = [used + excluded, used, excluded]
    return out
