"""The region overview: every unit of a manifest side by side, and SPC small multiples.

:func:`region_overview` reads as its table of contents: one row (and one
small chart) per unit (:func:`_region_unit`), then the sections: summary,
key measures (the region table), who waits unit by unit
(:mod:`toolkit.report.region_who`), units that failed, SPC and about.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit import __version__, disclosure, equity, flow, privacy, unit_now, waitlist
from toolkit import _checks as checks
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import check_language, t
from toolkit.io import UnitData, load_unit
from toolkit.report import _html
from toolkit.report._checks import _check_threshold, _error_report, _parse_date
from toolkit.report._figures import (
    _balance_short,
    _by_stage,
    _count,
    _now_pair,
    _period_of,
    _queue_table,
)
from toolkit.report._format import _num, _pct
from toolkit.report._html import Report, Section, break_points, html_table, wide_table
from toolkit.report.region_monthly import is_monthly, latest_month, region_monthly_section
from toolkit.report.region_treatment import region_treatment_sections
from toolkit.report.region_who import DEFAULT_GROUPING, region_who_section, unit_who
from toolkit.report.spc_charts import (
    _chart_table,
    _spc_hidden_in_share,
    _spc_measures,
    _spc_series,
)
from toolkit.report.treatment import latest_treatment
from toolkit.targets import TargetProfile, load_profile

__all__ = ["region_overview"]

#: The measures the small-multiple SPC charts can show.
REGION_MEASURES = ("arrivals", "waiting_first", "waiting_deep", "share_first")


def region_overview(
    manifest: str | Path,
    *,
    lang: str = "sv",
    measure: str = "waiting_first",
    share: bool = False,
    threshold: int = privacy.DEFAULT_THRESHOLD,
    charts: bool = True,
    data_roots: str | Iterable[str | Path] = "",
    who_by: str = DEFAULT_GROUPING,
) -> Report:
    """Every unit of a manifest side by side: key measures, balance, SPC small multiples.

    Parameters
    ----------
    manifest : str or Path
        A ``units.yaml`` (see :mod:`toolkit.manifest`).
    lang : {"sv", "en"}
        Language of the overview.
    measure : {"arrivals", "waiting_first", "waiting_deep", "share_first"}
        The measure of the small-multiple SPC charts.
    share, threshold : bool, int
        Share mode, as in :func:`unit_report`.
    charts : bool
        Render the charts.
    data_roots : str or iterable of paths
        Folders besides the manifest's own that units' data may lie in (a
        text is split at the system's path separator).
    who_by : {"question", "priority", "sex", "age_band"}
        The grouping of the section *Who waits, unit by unit*
        (:mod:`toolkit.report.region_who`): referral question by default.

    Returns
    -------
    Report
        ``numbers["units"]`` holds one dict of key numbers per unit (its
        ``error`` set when the unit failed, ``monthly`` True for a unit with
        counts per month, shown in a table of its own by
        :mod:`toolkit.report.region_monthly`); ``numbers["who"]`` the who-waits
        funnels (:func:`toolkit.report.region_who.region_who_section`). A unit
        whose weekly counts carry treatment as a third stage has its latest
        week's treatment figures in its row (``treatment_week`` and the keys of
        :func:`toolkit.report.treatment.latest_treatment`), shown by
        :mod:`toolkit.report.region_treatment`.
    """
    from toolkit.manifest import read_manifest

    lang = check_language(lang)
    title = t("report.region_title", lang)
    try:
        _check_threshold(threshold, lang)
        checks.one_of("measure", measure, REGION_MEASURES, lang)
        checks.one_of("who_by", who_by, equity.GROUPINGS, lang)
        roots = data_roots.split(os.pathsep) if isinstance(data_roots, str) else data_roots
        entries = read_manifest(manifest, lang=lang, data_roots=[r for r in roots if r])
    except (DataError, ParameterError) as err:
        return _error_report(title, err.message(lang), lang)
    rows: list[dict[str, Any]] = []
    multiples: list[str] = []
    who: list[tuple[str, str, pd.DataFrame | None]] = []
    monthly: list[tuple[str, pd.DataFrame]] = []
    for entry in entries:
        row, multiple, who_table = _region_unit(
            entry, measure, who_by, share=share, threshold=threshold, charts=charts, lang=lang
        )
        last_month = row.pop("monthly", None)
        row["monthly"] = last_month is not None
        rows.append(row)
        if multiple is not None:
            multiples.append(multiple)
        if last_month is not None:
            monthly.append((entry.name, last_month))
        elif row.get("error") is None:
            who.append((entry.id, entry.name, who_table))
    report = Report(title=title, lang=lang, numbers={"units": rows})
    opts: dict[str, Any] = {"share": share, "threshold": threshold, "lang": lang}
    report.sections.append(_region_summary_section(rows, lang))
    report.sections.append(_region_measures_section(rows, opts))
    if monthly:
        report.sections.append(
            region_monthly_section(monthly, share=share, threshold=threshold, lang=lang)
        )
    report.sections += region_treatment_sections(rows, **opts)
    who_section, report.numbers["who"] = region_who_section(
        who, who_by, charts=charts, share=share, threshold=threshold, lang=lang
    )
    report.sections.append(who_section)
    failed = [r for r in rows if r.get("error") is not None]
    if failed:
        report.sections.append(_region_errors_section(failed, lang))
    if charts:
        report.sections.append(_region_spc_section(multiples, measure, lang))
    about = Section("about", t("report.h.about", lang))
    about.text(t("report.region_about", lang, version=__version__, manifest=Path(manifest).name))
    report.sections.append(about)
    return report


def _region_unit(
    entry: Any, measure: str, who_by: str, *, share: bool, threshold: int, charts: bool, lang: str
) -> tuple[dict[str, Any], str | None, pd.DataFrame | None]:
    """One unit's row of key numbers (``error`` set if it failed), small SPC chart and who table.

    A unit with counts per month has no weeks: its row holds ``monthly``, the
    latest month per stage (:func:`toolkit.report.region_monthly.latest_month`).

    The who table is :func:`toolkit.report.region_who.unit_who` over the
    window and period of the unit's report (None for counts only or failed).
    """
    row: dict[str, Any] = {"id": entry.id, "name": entry.name}
    try:
        profile = load_profile(entry.target_profile)
        unit = load_unit(entry.path, lang=lang, extract_date=entry.extract_date)
        if is_monthly(unit):
            row.update(error=None, monthly=latest_month(unit, share=share, threshold=threshold))
            return row, None, None
        start = _parse_date(entry.extra.get("period_start"), "period_start", lang)
        first, end = _period_of(unit, start, lang)
        weekly = flow.weekly_flow(unit, "W", profile=profile, start=first, end=end, lang=lang)
        if share:
            weekly = disclosure.round_flow(weekly)
        period_first = pd.Timestamp(weekly["period"].min())
        # share mode: queue figures and verdict from the rounded counts the report shows
        now_real, now, waits = _now_pair(
            unit,
            weekly,
            profile,
            period_first,
            waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
            lang,
            share=share,
            threshold=threshold,
        )
        who = unit_who(
            unit,
            profile,
            period_first,
            now_real.window.asked_weeks,
            by=who_by,
            share=share,
            threshold=threshold,
            lang=lang,
        )
    except (DataError, ParameterError) as err:
        row["error"] = err.message(lang)
        return row, None, None
    row.update(_region_row(now, waits, lang))
    row.update(latest_treatment(unit, period_first, end, share=share, threshold=threshold))
    if not charts:
        return row, None, who
    return (
        row,
        _region_multiple(
            entry.name, unit, profile, weekly, measure, share=share, threshold=threshold, lang=lang
        ),
        who,
    )


def _region_row(now: unit_now.NowFigures, waits: pd.DataFrame, lang: str) -> dict[str, Any]:
    """A unit's key numbers for the region table."""
    w, q = _by_stage(waits), _by_stage(_queue_table(now))
    return {
        "window": unit_now.window_text(now.window, lang),
        "demand_first": float(q["first_assessment"]["demand_per_week"]),
        "waiting_first": _count(w["first_assessment"]["waiting_now"]),
        "waiting_deep": _count(w["deep_start"]["waiting_now"]),
        "median_wait_first_days": float(w["first_assessment"]["median_wait_days"]),
        "share_within_first": float(w["first_assessment"]["share_within_target"]),
        "share_within_deep": float(w["deep_start"]["share_within_target"]),
        "load_first": float(q["first_assessment"]["load"]),
        "load_deep": float(q["deep_start"]["load"]),
        "in_balance": now.in_balance,
        "balance": _balance_short(now, lang),
        "balance_failing": {stage: b.failing for stage, b in now.balance.items()},
        "error": None,
    }


def _region_multiple(
    name: str,
    unit: UnitData,
    profile: TargetProfile,
    weekly: pd.DataFrame,
    measure: str,
    *,
    share: bool,
    threshold: int,
    lang: str,
) -> str | None:
    """A unit's small SPC chart of ``measure`` (None when it has too few points or is hidden)."""
    spec = next((m for m in _spc_measures(unit, profile) if m["key"] == measure), None)
    if share and spec is not None and _spc_hidden_in_share(weekly, spec):
        spec = None
    table = _spc_series(weekly, spec, lang) if spec is not None else None
    if table is None:
        return None
    from toolkit.charts import spc_chart

    chart = spc_chart(
        _chart_table(table, share=share, threshold=threshold),
        lang,
        title=name,
        width=300,
        height=160,
    )
    return _html.svg(chart)


def _region_summary_section(rows: Sequence[dict[str, Any]], lang: str) -> Section:
    """How many units, how many in balance, how many failed."""
    summary = Section("summary", t("report.h.region_summary", lang))
    ok = [r for r in rows if r.get("error") is None and not r.get("monthly")]
    failed = sum(1 for r in rows if r.get("error") is not None)
    summary.text(
        t(
            "report.region_summary",
            lang,
            n=len(rows),
            balanced=sum(1 for r in ok if r["in_balance"]),
            failed=failed,
        )
    )
    n_monthly = sum(1 for r in rows if r.get("monthly"))
    if n_monthly:
        summary.text(t("region_monthly.summary", lang, n=n_monthly))
    return summary


def _region_measures_section(rows: Sequence[dict[str, Any]], opts: dict[str, Any]) -> Section:
    """The region table: one row of key measures per unit with weeks that did not fail."""
    lang = str(opts["lang"])
    measures = Section("measures", t("report.h.region_measures", lang))
    measures.text(t("report.region_measures_text", lang))
    ok = [r for r in rows if r.get("error") is None and not r.get("monthly")]
    cols = [
        "name",
        "window",
        "demand_first",
        "waiting_first",
        "waiting_deep",
        "median_wait_first_days",
        "share_within_first",
        "share_within_deep",
        "load_first",
        "load_deep",
        "balance",
    ]
    table = pd.DataFrame([{c: r.get(c) for c in cols} for r in ok], columns=cols)
    fmt = {
        "demand_first": lambda v: _num(v, lang, 1),
        "median_wait_first_days": lambda v: _num(v, lang),
        "share_within_first": lambda v: _pct(v, lang),
        "share_within_deep": lambda v: _pct(v, lang),
        "load_first": lambda v: _num(v, lang, 2),
        "load_deep": lambda v: _num(v, lang, 2),
    }
    shown = html_table(
        table,
        labels={c: break_points(t(f"report.col.region_{c}", lang), lang) for c in cols},
        formats=fmt,
        counts=["waiting_first", "waiting_deep"],
        **opts,
    )
    measures.html("table", wide_table(shown))
    return measures


def _region_errors_section(failed: Sequence[dict[str, Any]], lang: str) -> Section:
    """The units whose data or settings failed, each with its message."""
    errors = Section("errors", t("report.h.region_errors", lang))
    for r in failed:
        errors.text(f"**{r['name']}** ({r['id']}): {r['error']}")
    return errors


def _region_spc_section(multiples: Sequence[str], measure: str, lang: str) -> Section:
    """The small-multiple SPC charts of ``measure``, one per unit."""
    spc_section = Section(
        "spc", t("report.h.region_spc", lang, measure=t(f"report.measure.{measure}", lang))
    )
    spc_section.text(t("report.spc_text", lang))
    spc_section.html("svg", '<div class="bup-multiples">' + "".join(multiples) + "</div>")
    return spc_section
