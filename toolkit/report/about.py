"""The unit report's section *About this report*: period, window, extract date, profile, version."""

from __future__ import annotations

import pandas as pd

from toolkit import __version__, unit_now
from toolkit.i18n import t
from toolkit.report._figures import UnitFigures
from toolkit.report._html import Section, html_table

__all__ = ["about_section"]


def about_section(f: UnitFigures) -> Section:
    """What the report covers and how it was made, as a two-column table."""
    lang, unit, profile, now = f.lang, f.unit, f.profile, f.now
    about = Section("about", t("report.h.about", lang))
    meta = pd.DataFrame(
        {
            "item": [
                t("report.meta.period", lang),
                *_now_meta(now, lang)[0],
                t("report.meta.extract_date", lang),
                t("report.meta.profile", lang),
                t("report.meta.data", lang),
                t("report.meta.share", lang),
                t("report.meta.version", lang),
            ],
            "value": [
                f"{f.first.date().isoformat()} – {f.end.date().isoformat()}",
                *_now_meta(now, lang)[1],
                unit.extract_date.date().isoformat(),
                f"{profile.name(lang)} ({profile.id})",
                t(f"report.kind.{unit.kind}", lang),
                t("report.share_on", lang, threshold=f.threshold)
                if f.share
                else t("common.no", lang),
                __version__,
            ],
        }
    )
    about.html(
        "table",
        html_table(
            meta,
            labels={"item": t("report.col.item", lang), "value": t("report.col.value", lang)},
            **f.opts,
        ),
    )
    return about


def _now_meta(now: unit_now.NowFigures, lang: str) -> tuple[list[str], list[str]]:
    """The window and the variation, as rows of an "about" table."""
    return (
        [t("now.window_label", lang), t("now.variation_label", lang)],
        [unit_now.window_text(now.window, lang), unit_now.variation_text(now, lang)],
    )
