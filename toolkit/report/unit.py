"""The unit report: :func:`unit_report` and :func:`unit_report_for`, built section by section.

:func:`_build_unit_report` reads as the report's table of contents: the
figures are computed once (:func:`toolkit.report._figures.unit_figures`),
then each section module builds its section from them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit import privacy, unit_now, waitlist
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import check_language, t
from toolkit.io import UnitData, load_unit
from toolkit.report._checks import _check_threshold, _error_report, _parse_date
from toolkit.report._figures import _STAGES, UnitFigures, _by_stage, _count, unit_figures
from toolkit.report._html import Report
from toolkit.report.about import about_section
from toolkit.report.monthly import counts_are_monthly, unit_monthly_report
from toolkit.report.quality import quality_section
from toolkit.report.queue_formulas import queue_section
from toolkit.report.situation import situation_section
from toolkit.report.spc_charts import spc_section
from toolkit.report.staff_capacity import capacity_section
from toolkit.report.summary import summary_section
from toolkit.report.treatment import latest_treatment, treatment_sections
from toolkit.report.versus import versus_section
from toolkit.report.waits import waits_section
from toolkit.report.who import who_waits_section
from toolkit.targets import TargetProfile, load_profile

__all__ = ["unit_report", "unit_report_for"]


def unit_report(
    unit_path: str | Path,
    *,
    lang: str = "sv",
    unit_name: str = "",
    target_profile: str = "bup_30_30",
    extract_date: str | dt.date | None = None,
    period_start: str | dt.date | None = None,
    share: bool = False,
    threshold: int = privacy.DEFAULT_THRESHOLD,
    time_to_target_weeks: float = waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
    charts: bool = True,
    pdsa_log: str | Path | None = None,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> Report:
    """Compute every section of one unit's report.

    Parameters
    ----------
    unit_path : str or Path
        The unit's data: a folder of CSV files or one workbook.
    lang : {"sv", "en"}
        Language of the report.
    unit_name : str
        The unit's name as readers see it (default: the folder name).
    target_profile : str
        Waiting-time targets (a shipped profile name or a profile file).
    extract_date : str, optional
        Date the data was extracted (YYYY-MM-DD); default today.
    period_start : str, optional
        First day of the report period; default the first referral (or period).
    share : bool
        Share mode: hide counts below ``threshold`` (see the module notes).
    threshold : int
        Smallest count shown in share mode (≥ 2).
    time_to_target_weeks : float
        Weeks in which the relief capacity brings the queue to its target.
    charts : bool
        Render the charts (False skips vl-convert, for quick checks).
    pdsa_log : str or Path, optional
        The unit's PDSA log (:mod:`toolkit.pdsa`, CSV or Excel): the start
        dates of its cycles are drawn on the SPC charts of the measures they
        are followed on (and on every chart for a cycle of the whole unit),
        and the cycles are listed. A log that cannot be read gives a message
        in the SPC section; the rest of the report is unaffected.
    window_weeks : int, default 26
        Whole weeks up to the extract date over which the now figures
        (demand, capacity, activity, queue formulas, waits, balance) are
        measured: :func:`toolkit.unit_now.now_figures`. The charts and the
        SPC section cover the whole report period.
    variation : {"assumed", "measured"}, default "assumed"
        Where the variation of the capacity-needed formula comes from
        (:func:`toolkit.unit_now.now_figures`).

    Returns
    -------
    Report
        Its ``error`` is a readable message (and its only section says so)
        when the data could not be read, a parameter was wrong, or there is
        no data in the period.
    """
    lang = check_language(lang)
    title_name = unit_name or Path(unit_path).name
    title = t("report.unit_title", lang, name=title_name)
    try:
        _check_threshold(threshold, lang)
        profile = load_profile(target_profile)
        extract = _parse_date(extract_date, "extract_date", lang)
        start = _parse_date(period_start, "period_start", lang)
        unit = load_unit(unit_path, lang=lang, extract_date=extract)
        return _build_unit_report(
            unit,
            title,
            profile,
            start,
            share,
            threshold,
            float(time_to_target_weeks),
            charts,
            lang,
            pdsa_log=pdsa_log or None,
            window_weeks=window_weeks,
            variation=variation,
        )
    except DataError as err:
        return _error_report(title, err.message(lang), lang)
    except ParameterError as err:
        return _error_report(title, err.message(lang), lang)


def unit_report_for(
    unit: UnitData,
    *,
    lang: str = "sv",
    unit_name: str = "",
    target_profile: str = "bup_30_30",
    period_start: str | dt.date | None = None,
    share: bool = False,
    threshold: int = privacy.DEFAULT_THRESHOLD,
) -> Report:
    """:func:`unit_report` of a unit already loaded (a workbook's chosen or uploaded unit).

    The other settings take :func:`unit_report`'s defaults; an error in the
    data or a parameter gives a report whose ``error`` says so.
    """
    lang = check_language(lang)
    title = t("report.unit_title", lang, name=unit_name or Path(str(unit.source)).name)
    try:
        _check_threshold(threshold, lang)
        return _build_unit_report(
            unit,
            title,
            load_profile(target_profile),
            _parse_date(period_start, "period_start", lang),
            share,
            threshold,
            waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
            True,
            lang,
        )
    except (DataError, ParameterError) as err:
        return _error_report(title, err.message(lang), lang)


def _build_unit_report(
    unit: UnitData,
    title: str,
    profile: TargetProfile,
    start: pd.Timestamp | None,
    share: bool,
    threshold: int,
    time_to_target_weeks: float,
    charts: bool,
    lang: str,
    *,
    pdsa_log: str | Path | None = None,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> Report:
    if unit.kind == "counts" and counts_are_monthly(unit.period_counts):
        # counts per calendar month (national statistics): shown as months, not made into weeks
        return unit_monthly_report(
            unit,
            title=title,
            lang=lang,
            share=share,
            threshold=threshold,
            charts=charts,
            start=start,
        )
    f = unit_figures(
        unit,
        profile,
        start,
        share,
        threshold,
        time_to_target_weeks,
        charts,
        lang,
        window_weeks=window_weeks,
        variation=variation,
    )
    report = Report(title=title, lang=lang, numbers=_unit_numbers(f))
    report.sections += [
        summary_section(f, report.numbers),
        about_section(f),
        situation_section(f),
        waits_section(f),
        *treatment_sections(f),  # counts with a third stage, treatment
        who_waits_section(
            unit,
            profile,
            f.now_real,
            f.first,
            charts=charts,
            share=share,
            threshold=threshold,
            lang=lang,
        ),
        versus_section(f),
        spc_section(f, pdsa_log, report.numbers),
        queue_section(f),
        capacity_section(f),
    ]
    # Follow-up of the production plan (PKS element 5; toolkit.report_followup)
    from toolkit.report_followup import add_followup_section

    add_followup_section(
        report,
        unit,
        profile=profile,
        history_start=start,
        log=_pdsa_log(pdsa_log, lang),
        share=share,
        threshold=threshold,
        charts=charts,
        lang=lang,
    )
    report.sections.append(quality_section(f))
    return report


def _pdsa_log(path: str | Path | None, lang: str) -> pd.DataFrame | None:
    """The unit's PDSA log for the follow-up, or None (the SPC section says why a log fails)."""
    from toolkit import pdsa

    if path is None:
        return None
    try:
        return pdsa.read_log(path, lang=lang)
    except DataError:
        return None


def _unit_numbers(f: UnitFigures) -> dict[str, Any]:
    """The key figures a unit report shows (for tests, the region overview and the meeting)."""
    weekly, now = f.weekly, f.now
    n_weeks = weekly["period"].nunique()
    first_stage = weekly[weekly["stage"] == "first_assessment"]
    w = _by_stage(f.waits)
    q = _by_stage(f.queue)
    last = weekly[weekly["period"] == weekly["period"].max()].set_index("stage")
    waiting = {
        s: _count(w[s]["waiting_now"]) if now.ok else int(last.loc[s, "waiting_end"])
        for s in _STAGES
    }
    return {
        "kind": f.unit.kind,
        "period_start": f.first.date().isoformat(),
        "period_end": f.end.date().isoformat(),
        "window_start": now.window.start.date().isoformat(),
        "window_end": now.window.end.date().isoformat(),
        "window_weeks": now.window.weeks,
        "variation": now.variation,
        "arrived": int(first_stage["arrivals"].sum()),
        "arrivals_per_week": float(first_stage["arrivals"].sum()) / max(n_weeks, 1),
        "demand_first": float(q["first_assessment"]["demand_per_week"]),
        "demand_deep": float(q["deep_start"]["demand_per_week"]),
        "waiting_first": waiting["first_assessment"],
        "waiting_deep": waiting["deep_start"],
        "median_wait_first_days": float(w["first_assessment"]["median_wait_days"]),
        "median_wait_deep_days": float(w["deep_start"]["median_wait_days"]),
        "share_within_first": float(w["first_assessment"]["share_within_target"]),
        "share_within_deep": float(w["deep_start"]["share_within_target"]),
        "load_first": float(q["first_assessment"]["load"]),
        "load_deep": float(q["deep_start"]["load"]),
        "in_balance": now.in_balance,
        "balance": {stage: b.failing for stage, b in now.balance.items()},
        # counts with a third stage: the treatment table's latest week (toolkit.report.treatment)
        **latest_treatment(f.unit, f.first, f.end, share=f.share, threshold=f.threshold),
    }
