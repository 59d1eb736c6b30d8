"""The capacity plan: :func:`capacity_plan`, built section by section.

:func:`_build_capacity_plan` reads as the plan's table of contents: the
figures are computed once (:func:`toolkit.report._plan_figures.plan_figures`),
then each section of :mod:`toolkit.report.plan_sections` is built from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from toolkit import unit_now, waitlist
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import check_language, t
from toolkit.io import UnitData, load_unit
from toolkit.report._checks import _error_report, _parse_date
from toolkit.report._html import Report
from toolkit.report._plan_figures import (
    PLAN_LAST_WEEKS,
    WEEKS_PER_MONTH,
    _plan_check,
    plan_figures,
)
from toolkit.report.plan_sections import (
    analytic_section,
    options_section,
    plan_about_section,
    plan_summary_section,
    simulated_section,
)
from toolkit.targets import TargetProfile, load_profile

__all__ = ["PLAN_LAST_WEEKS", "WEEKS_PER_MONTH", "capacity_plan"]


def capacity_plan(
    unit_path: str | Path,
    *,
    lang: str = "sv",
    unit_name: str = "",
    target_profile: str = "bup_30_30",
    extract_date: str | dt.date | None = None,
    period_start: str | dt.date | None = None,
    added_fte: Mapping[str, float] | None = None,
    freed_admin_share: float = 0.0,
    share_group: float | None = None,
    share_digital: float | None = None,
    priority_rule: str = "fcfs",
    capacity_source: str = "observed",
    time_to_target_weeks: float = waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
    months: int = 12,
    replications: int = 200,
    seed: int = 1,
    charts: bool = True,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> Report:
    """A capacity plan: capacity needed, what each option gives and costs, and the simulated outcome.

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
    extract_date, period_start : str, optional
        As in :func:`unit_report`: the data's extract date and the first day
        over which demand and capacity are measured.
    added_fte : mapping staff category -> float, optional
        FTE added (negative: lost) per staff category, e.g.
        ``{"psychologist": 1.0}``.
    freed_admin_share : float, default 0
        Share of the non-clinical (administrative) hours turned into
        clinical hours (0–1).
    share_group, share_digital : float, optional
        Share of stage 2 visits in groups and digitally after the change
        (0–1); ``None`` keeps the unit's own.
    priority_rule : str, default "fcfs"
        Priority rule with the changes (:data:`toolkit.simulate.RULES`); the
        baseline keeps first come, first served.
    capacity_source : {"observed", "staff"}, default "observed"
        Where the simulation's baseline slots come from
        (:func:`toolkit.simulate.calibrate`'s ``capacity``).
    time_to_target_weeks : float
        Weeks in which the relief capacity brings the queue to its target.
    months : int, default 12
        Simulation horizon in months (1–36; ``months × 4.35`` weeks, rounded).
    replications : int, default 200
        Simulation replications (10–10 000).
    seed : int, default 1
        Seed of the simulation (the same seed gives the same report).
    charts : bool
        Render the chart (False skips vl-convert, for quick checks).
    window_weeks, variation : int, str
        The window and variation of the now figures, as in :func:`unit_report`.

    Returns
    -------
    Report
        Sections: summary, about (parameters), analytic answer, options and
        cost, simulated answer (a table per stage, analytic and simulated
        figures side by side, and a chart). ``numbers`` holds ``analytic``
        (the queue formulas per stage, as in :func:`unit_report`),
        ``options`` (per option), ``simulated`` (the
        :func:`toolkit.simulate.compare` table) and ``capacity_ratio`` per
        stage. Its ``error`` is a readable message when the data or a
        parameter is wrong.

    Notes
    -----
    The analytic answer is the unit's now figures
    (:func:`toolkit.unit_now.now_figures`: the queue formulas of
    :mod:`toolkit.waitlist` on the demand measured over the window and the
    capacity from staffing), the same as in :func:`unit_report`.
    The capacity with the changes is the capacity from staffing times the ratio of
    the staff's slots after and before the change
    (:func:`toolkit.simulate.capacity_from_staff`), and at stage 2 also times
    the slots a visit takes before over after (group and digital visits,
    :meth:`toolkit.simulate.Scenario.visit_cost`). The simulated answer runs
    the calibrated baseline and the same scenario with the changes (slots
    scaled by the same ratios, the new formats and priority rule) with common
    random numbers, and summarises the last :data:`PLAN_LAST_WEEKS` weeks of
    the horizon.

    References
    ----------
    Fong K et al. (2022), NHS-R ``NHSRwaitinglist`` (target and relief
    capacity); Socialstyrelsen's PKS support (beslut för balans).
    """
    lang = check_language(lang)
    title_name = unit_name or Path(unit_path).name
    title = t("report.plan.title", lang, name=title_name)
    try:
        _plan_check(
            months,
            replications,
            seed,
            freed_admin_share,
            share_group,
            share_digital,
            priority_rule,
            capacity_source,
            lang,
        )
        profile = load_profile(target_profile)
        extract = _parse_date(extract_date, "extract_date", lang)
        start = _parse_date(period_start, "period_start", lang)
        unit = load_unit(unit_path, lang=lang, extract_date=extract)
        return _build_capacity_plan(
            unit,
            title,
            profile,
            start,
            dict(added_fte or {}),
            float(freed_admin_share),
            share_group,
            share_digital,
            priority_rule,
            capacity_source,
            float(time_to_target_weeks),
            int(months),
            int(replications),
            int(seed),
            charts,
            lang,
            window_weeks=window_weeks,
            variation=variation,
        )
    except DataError as err:
        return _error_report(title, err.message(lang), lang)
    except ParameterError as err:
        return _error_report(title, err.message(lang), lang)


def _build_capacity_plan(
    unit: UnitData,
    title: str,
    profile: TargetProfile,
    start: pd.Timestamp | None,
    added_fte: dict[str, float],
    freed_admin_share: float,
    share_group: float | None,
    share_digital: float | None,
    priority_rule: str,
    capacity_source: str,
    time_to_target_weeks: float,
    months: int,
    replications: int,
    seed: int,
    charts: bool,
    lang: str,
    *,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> Report:
    p = plan_figures(
        unit,
        profile,
        start,
        added_fte,
        freed_admin_share,
        share_group,
        share_digital,
        priority_rule,
        capacity_source,
        time_to_target_weeks,
        months,
        replications,
        seed,
        charts,
        lang,
        window_weeks=window_weeks,
        variation=variation,
    )
    report = Report(title=title, lang=lang)
    report.numbers = {
        "analytic": p.queue,
        "options": p.options,
        "simulated": p.simulated,
        "capacity_ratio": p.ratio,
        "weeks": p.weeks,
        "window_start": p.now.window.start.date().isoformat(),
        "window_end": p.now.window.end.date().isoformat(),
        "window_weeks": p.now.window.weeks,
        "in_balance": p.now.in_balance,
        "scenarios": {"baseline": p.baseline.as_dict(), "with_changes": p.changed.as_dict()},
    }
    report.sections += [
        plan_summary_section(p),
        plan_about_section(p),
        analytic_section(p),
        options_section(p),
        simulated_section(p),
    ]
    return report
