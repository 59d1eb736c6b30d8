"""The report of a national waiting-time file: funnel plots comparing units, shares per month.

``national_report(path)`` reads the file (:func:`toolkit.national.read_national`),
and for each stage reported draws the funnel plot of the share completed
within target over the last ``months`` months (:func:`toolkit.national.funnel_table`,
:func:`toolkit.charts.funnel_chart`) with its table, then the shares within
target per unit, stage and month (:func:`toolkit.national.share_table`).
It returns a :class:`toolkit.report.Report` (every name escaped where it
is inserted); ``write_page`` makes a self-contained HTML page of it, and
``bup-toolkit national FILE`` does both.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from toolkit import national
from toolkit.errors import DataError
from toolkit.i18n import check_language, t
from toolkit.report import Report, Section, _error_report, _num, _pct, html_table, svg


def national_report(
    path: str | Path,
    *,
    lang: str | None = None,
    months: int = 12,
    measure: str = "completed",
    charts: bool = True,
) -> Report:
    """The report of a national waiting-time file (see the module notes).

    Parameters
    ----------
    path
        The national aggregates file (CSV or Excel).
    lang
        Language of the report.
    months
        The last ``months`` months pooled in the funnel plots and shown per month (≥ 1).
    measure : {"completed", "waiting"}
        Share of those completed within target, or of those waiting.
    charts
        Draw the funnel plots (SVG).

    ``numbers`` holds the centre and each unit's share per stage (for tests).
    """
    lang = check_language(lang)
    title = t("national.report.title", lang)
    report = Report(title=title, lang=lang)
    try:
        table = national.read_national(path, lang=lang)
    except DataError as err:
        return _error_report(title, err.message(lang), lang)
    last = sorted(table["month"].unique())[-max(int(months), 1) :]
    first_month, last_month = pd.Timestamp(last[0]), pd.Timestamp(last[-1])
    if any("syntetisk" in str(u) for u in table["unit"].unique()):
        about = Section("about", t("report.h.about", lang))
        about.text(t("national.report.synthetic", lang))
        report.sections.append(about)
    funnel = Section("funnel", t("national.report.h.funnel", lang))
    for stage in national.STAGES:
        if not (table["stage"] == stage).any():
            continue
        f = national.funnel_table(table, stage=stage, measure=measure, months=last, lang=lang)
        if f.empty:
            continue
        stage_name = t(f"national.stage.{stage}", lang)
        centre = float(f.attrs["centre"])
        report.numbers[stage] = {
            "centre": centre,
            "share": dict(zip(f["unit"], f["share"], strict=True)),
            "signal": dict(zip(f["unit"], f["signal"], strict=True)),
        }
        funnel.text(
            f"**{stage_name}.** "
            + t(
                "national.report.funnel_text",
                lang,
                measure=t(f"national.measure.{measure}", lang),
                months=len(last),
                first=first_month.strftime("%Y-%m"),
                last=last_month.strftime("%Y-%m"),
                centre=_pct(centre, lang),
            )
        )
        if charts:
            from toolkit.charts import funnel_chart

            curve = national.funnel_curve(
                centre, float(f["n"].max()), n_min=float(f["n"].min()) / 2, lang=lang
            )
            funnel.html(
                "svg",
                svg(
                    funnel_chart(
                        f,
                        curve,
                        lang,
                        title=t(
                            "national.chart.title",
                            lang,
                            stage=stage_name,
                            measure=t(f"national.measure.{measure}", lang),
                        ),
                    )
                ),
            )
        shown = f[["unit", "n", "within", "share", "lower_998", "upper_998", "signal"]].copy()
        shown["signal"] = [t(f"national.signal.{s}", lang) for s in shown["signal"]]
        funnel.html(
            "table",
            html_table(
                shown,
                labels={c: t(f"national.col.{c}", lang) for c in shown.columns},
                formats={c: (lambda v: _pct(v, lang)) for c in ("share", "lower_998", "upper_998")},
                lang=lang,
            ),
        )
    report.sections.append(funnel)
    per_month = Section("months", t("national.report.h.months", lang))
    per_month.text(t("national.report.months_text", lang, months=len(last)))
    shares = national.share_table(table)
    shares = shares[shares["month"].isin(last)].copy()
    shares["stage"] = [t(f"national.stage.{s}", lang) for s in shares["stage"]]
    shares["month"] = pd.to_datetime(shares["month"]).dt.strftime("%Y-%m")
    shares = shares.drop(columns="target_days")
    per_month.html(
        "table",
        html_table(
            shares,
            labels={c: t(f"national.col.{c}", lang) for c in shares.columns},
            formats={
                "share_completed_within": lambda v: _pct(v, lang),
                "share_waiting_within": lambda v: _pct(v, lang),
                "completed": lambda v: _num(v, lang),
                "waiting": lambda v: _num(v, lang),
            },
            lang=lang,
        ),
    )
    report.sections.append(per_month)
    return report


def write_page(report: Report, out: str | Path) -> Path:
    """The report as a self-contained HTML page (inline style, nothing fetched)."""
    from toolkit.batch import _page

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_page(html.unescape(report.title), report.to_html(), report.lang), "utf-8")
    return out
