"""The report of a national waiting-time file: funnel plots comparing units, shares per month.

``national_report(path)`` reads the file (:func:`toolkit.national.read_national`),
and for each stage reported draws the funnel plot of the share completed
within target over the last ``months`` months (:func:`toolkit.national.funnel_table`,
:func:`toolkit.charts.funnel_chart`) with its table, then the shares within
target per unit, stage and month (:func:`toolkit.national.share_table`).
It returns a :class:`toolkit.report.Report` (every name escaped where it
is inserted); ``write_page`` makes a self-contained HTML page of it, and
``bup-toolkit national FILE`` does both.

``national_unit_report(path, unit)`` is one unit's (or region's) monthly
counts-only unit report (:mod:`toolkit.report.monthly`), and
``bup-toolkit national FILE --unit NAME`` writes it.

Share mode (``share=True``, :mod:`toolkit.disclosure`): every monthly count
is rounded to a multiple of 5 before anything is computed, so the funnel's
volumes are sums of the rounded monthly counts the month table shows, and
the shares, the funnel's centre and limits and the chart's points and
tooltips come from the rounded counts only; a rounded count below
``threshold`` reads ``<threshold``, a share resting on it is not shown and
its unit is left out of the chart. A line under *About* says so.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit import disclosure, national
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import check_language, t
from toolkit.report import Report, Section, _pct, html_table, svg
from toolkit.report import error_report as _error_report
from toolkit.report._checks import _check_threshold
from toolkit.report.monthly import whole_percent_text

_MONTH_COUNTS = ("completed", "completed_within_target", "waiting", "waiting_within_target")


def national_report(
    path: str | Path,
    *,
    lang: str | None = None,
    months: int = 12,
    measure: str = "completed",
    charts: bool = True,
    share: bool = False,
    threshold: int = disclosure.ROUNDING_BASE,
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
    share, threshold
        Share mode and the smallest count shown (see the module notes).

    ``numbers`` holds the centre and each unit's share per stage (for tests;
    in share mode only the units shown).
    """
    lang = check_language(lang)
    title = t("national.report.title", lang)
    report = Report(title=title, lang=lang)
    try:
        _check_threshold(threshold, lang)
        table = national.read_national(path, lang=lang)
    except (DataError, ParameterError) as err:
        return _error_report(title, err.message(lang), lang)
    if share:
        table = _rounded(table)
    last = sorted(table["month"].unique())[-max(int(months), 1) :]
    about = _about_section(table, lang, share, threshold)
    if about.blocks:
        report.sections.append(about)
    opts = _Options(lang, last, measure, charts, share, threshold)
    funnel = Section("funnel", t("national.report.h.funnel", lang))
    for stage in national.STAGES:
        if (table["stage"] == stage).any():
            _funnel_stage(funnel, report.numbers, table, stage, opts)
    report.sections.append(funnel)
    report.sections.append(_months_section(table, opts))
    return report


@dataclass(frozen=True)
class _Options:
    """The report's settings every section reads."""

    lang: str
    last: list[Any]  # the months shown, in order
    measure: str
    charts: bool
    share: bool
    threshold: int


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    """Share mode: each month's counts rounded to a multiple of 5, within target never above the total."""
    out = table.copy()
    for c in _MONTH_COUNTS:
        out[c] = disclosure.round_to_base(table[c].to_numpy(dtype=float))
    for within, total in (
        ("completed_within_target", "completed"),
        ("waiting_within_target", "waiting"),
    ):
        out[within] = np.minimum(out[within], out[total])
    out["arrived"] = np.nan  # not shown; never carried exact
    return out


def _about_section(table: pd.DataFrame, lang: str, share: bool, threshold: int) -> Section:
    about = Section("about", t("report.h.about", lang))
    if share:
        about.text(t("national_monthly.share_line", lang, threshold=threshold))
    if any("syntetisk" in str(u) for u in table["unit"].unique()):
        about.text(t("national.report.synthetic", lang))
    return about


def _funnel_stage(
    funnel: Section, numbers: dict[str, Any], table: pd.DataFrame, stage: str, opts: _Options
) -> None:
    """One stage's funnel: text, chart and table into ``funnel``, its figures into ``numbers``."""
    lang, last, measure = opts.lang, opts.last, opts.measure
    f = national.funnel_table(table, stage=stage, measure=measure, months=last)
    if f.empty:
        return
    shown = f[f["n"] >= opts.threshold] if opts.share else f
    stage_name = t(f"national.stage.{stage}", lang)
    centre = float(f.attrs["centre"])
    numbers[stage] = {
        "centre": centre,
        "share": dict(zip(shown["unit"], shown["share"], strict=True)),
        "signal": dict(zip(shown["unit"], shown["signal"], strict=True)),
    }
    funnel.text(
        f"**{stage_name}.** "
        + t(
            "national.report.funnel_text",
            lang,
            measure=t(f"national.measure.{measure}", lang),
            months=len(last),
            first=pd.Timestamp(last[0]).strftime("%Y-%m"),
            last=pd.Timestamp(last[-1]).strftime("%Y-%m"),
            centre=_pct(centre, lang),
        )
    )
    if opts.charts and len(shown):
        funnel.html("svg", _funnel_svg(shown, centre, stage_name, opts))
    if len(shown) < len(f):
        funnel.text(
            t(
                "national_monthly.left_out",
                lang,
                threshold=opts.threshold,
                count=len(f) - len(shown),
            )
        )
    cells = f[["unit", "n", "within", "share", "lower_998", "upper_998", "signal"]].copy()
    cells["signal"] = [t(f"national.signal.{s}", lang) for s in cells["signal"]]
    funnel.html(
        "table",
        html_table(
            cells,
            labels={c: t(f"national.col.{c}", lang) for c in cells.columns},
            formats={c: (lambda v: _pct(v, lang)) for c in ("share", "lower_998", "upper_998")},
            counts=["n", "within"],
            depends={c: "n" for c in ("share", "lower_998", "upper_998", "signal")},
            share=opts.share,
            threshold=opts.threshold,
            lang=lang,
        ),
    )


def _funnel_svg(shown: pd.DataFrame, centre: float, stage_name: str, opts: _Options) -> str:
    """The funnel plot of the units ``shown``; the limits span their volumes (never a hidden one's)."""
    from toolkit.charts import funnel_chart

    lang = opts.lang
    curve = national.funnel_curve(
        centre, float(shown["n"].max()), n_min=max(float(shown["n"].min()) / 2, 1.0)
    )
    title = t(
        "national.chart.title",
        lang,
        stage=stage_name,
        measure=t(f"national.measure.{opts.measure}", lang),
    )
    return svg(funnel_chart(shown, curve, lang, title=title))


def _months_section(table: pd.DataFrame, opts: _Options) -> Section:
    """The shares within target per unit, stage and month of the months shown."""
    lang = opts.lang
    section = Section("months", t("national.report.h.months", lang))
    section.text(t("national.report.months_text", lang, months=len(opts.last)))
    shares = national.share_table(table)
    shares = shares[shares["month"].isin(opts.last)].copy()
    if opts.share:
        for column, base, within in (
            ("share_completed_within", "completed", "completed_within_target"),
            ("share_waiting_within", "waiting", "waiting_within_target"),
        ):
            # hidden when its total or its count within target reads <threshold
            hidden = (shares[base] < opts.threshold) | (shares[within] < opts.threshold)
            shares[column] = shares[column].mask(hidden)
    shares = national.whole_percent_columns(  # whole per cent rounded half up, as the file states
        shares,
        [
            ("share_completed_within", "completed_within_target", "completed"),
            ("share_waiting_within", "waiting_within_target", "waiting"),
        ],
    )
    shares["stage"] = [t(f"national.stage.{s}", lang) for s in shares["stage"]]
    shares["month"] = pd.to_datetime(shares["month"]).dt.strftime("%Y-%m")
    shares = shares.drop(columns="target_days")
    section.html(
        "table",
        html_table(
            shares,
            labels={c: t(f"national.col.{c}", lang) for c in shares.columns},
            formats={
                "share_completed_within": whole_percent_text,
                "share_waiting_within": whole_percent_text,
            },
            counts=list(_MONTH_COUNTS),
            share=opts.share,
            threshold=opts.threshold,
            lang=lang,
        ),
    )
    return section


def national_unit_report(
    path: str | Path,
    unit: str,
    *,
    lang: str | None = None,
    share: bool = False,
    threshold: int = disclosure.ROUNDING_BASE,
    charts: bool = True,
) -> Report:
    """One unit's (or region's) monthly counts-only unit report from a national file.

    The unit's rows become monthly ``period_counts``
    (:func:`toolkit.national.to_period_counts`, with the within-target counts
    and the third stage where reported) and are shown month by month
    (:func:`toolkit.report.monthly.monthly_unit_report`). A file that cannot
    be read, or a unit not in it, gives a report whose ``error`` says so.
    """
    from toolkit.report.monthly import monthly_unit_report

    lang = check_language(lang)
    title = t("report.unit_title", lang, name=unit)
    try:
        _check_threshold(threshold, lang)
        table = national.read_national(path, lang=lang)
        units = list(dict.fromkeys(table["unit"].astype(str)))
        if unit not in units:
            raise DataError(
                "national_monthly.unknown_unit",
                file=table.attrs.get("file"),
                column=national.COLUMNS["unit"][0] if lang == "sv" else "unit",
                unit=unit,
                allowed=", ".join(units),
                lang=lang,
            )
    except (DataError, ParameterError) as err:
        return _error_report(title, err.message(lang), lang)
    counts = national.to_period_counts(table, unit, lang=lang)
    days = table.loc[table["unit"].astype(str) == unit, "target_days"]
    return monthly_unit_report(
        counts,
        title=title,
        lang=lang,
        share=share,
        threshold=threshold,
        charts=charts,
        notes=counts.attrs.get("notes", []),
        target_days=int(days.iloc[-1]) if len(days) else None,
    )


def write_page(report: Report, out: str | Path) -> Path:
    """The report as a self-contained HTML page (inline style, nothing fetched)."""
    from toolkit.batch import _page

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_page(html.unescape(report.title), report.to_html(), report.lang), "utf-8")
    return out
