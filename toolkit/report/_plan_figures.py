"""The capacity plan's figures, computed once: now figures, options, scenarios and simulation runs.

:func:`plan_figures` computes everything the plan's sections read
(:class:`PlanFigures`); :func:`_plan_check` checks the plan's own arguments.
Nothing here builds HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from toolkit import _checks as checks
from toolkit import capacity, unit_now
from toolkit.errors import ParameterError
from toolkit.i18n import t
from toolkit.io import UnitData
from toolkit.report._figures import _STAGES, _by_stage, _now, _weekly_in_period
from toolkit.targets import TargetProfile

#: Weeks in a month, for the simulation horizon (365.25 / 12 / 7).
WEEKS_PER_MONTH = 4.35


#: Weeks at the end of the horizon that the simulated figures summarise.
PLAN_LAST_WEEKS = 4


def _plan_check(
    months: Any,
    replications: Any,
    seed: Any,
    freed_admin_share: Any,
    share_group: Any,
    share_digital: Any,
    priority_rule: Any,
    capacity_source: Any,
    lang: str,
) -> None:
    """Readable errors for the capacity plan's own parameters (the modules check the rest)."""
    from toolkit import simulate

    checks.whole("months", months, lang, low=1, high=36)
    checks.whole("replications", replications, lang, low=10, high=10_000)
    checks.whole("seed", seed, lang, low=0, high=2**31 - 1)
    for name, value in (
        ("freed_admin_share", freed_admin_share),
        ("share_group", share_group),
        ("share_digital", share_digital),
    ):
        ok = value is None or (
            not isinstance(value, bool)
            and isinstance(value, int | float)
            and 0.0 <= float(value) <= 1.0
        )
        if not ok:
            raise checks.range_error(name, value, "0–1", lang)
    checks.one_of("priority_rule", priority_rule, simulate.RULES, lang)
    checks.one_of("capacity_source", capacity_source, ("observed", "staff"), lang)


def _plan_options(
    unit: UnitData,
    added_fte: Mapping[str, float] | None,
    freed_admin_share: float,
    share_group: float | None,
    share_digital: float | None,
    lang: str,
) -> pd.DataFrame | None:
    """What each option gives and costs: :func:`toolkit.capacity.change_effect`'s total row per option.

    Columns: option, fte_change, appointments_change_per_week,
    cost_change_per_year_sek, cost_per_extra_appointment_sek. None without a
    staff table.
    """
    if not unit.has("staff"):
        return None
    hours = capacity.staff_hours(unit.staff, on=unit.extract_date, lang=lang)
    non_clinical = (
        capacity.time_use_shares(unit.time_use, lang=lang) if unit.has("time_use") else None
    )
    visits = unit.visits if unit.has("visits") else None
    options: list[tuple[str, dict[str, Any]]] = []
    if added_fte:
        options.append(("staff", {"added_fte": dict(added_fte)}))
    if freed_admin_share:
        options.append(("admin", {"freed_non_clinical_share": float(freed_admin_share)}))
    if share_group is not None or share_digital is not None:
        options.append(("formats", {"share_group": share_group, "share_digital": share_digital}))
    if len(options) > 1:
        combined: dict[str, Any] = {}
        for _, kw in options:
            combined.update(kw)
        options.append(("all", combined))
    rows = []
    for key, kw in options:
        effect = capacity.change_effect(
            hours, visits, non_clinical_share=non_clinical, lang=lang, **kw
        )
        total: dict[Any, Any] = effect[effect["staff_category"] == "total"].iloc[0].to_dict()
        rows.append(
            {
                "option": t(f"report.plan.option.{key}", lang),
                "fte_change": float(total["fte_after"] - total["fte_before"]),
                "appointments_change_per_week": float(total["appointments_change_per_week"]),
                "cost_change_per_year_sek": float(total["cost_change_per_year_sek"]),
                "cost_per_extra_appointment_sek": float(total["cost_per_extra_appointment_sek"]),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "option",
            "fte_change",
            "appointments_change_per_week",
            "cost_change_per_year_sek",
            "cost_per_extra_appointment_sek",
        ],
    )


def _plan_scenarios(
    unit: UnitData,
    profile: TargetProfile,
    added_fte: Mapping[str, float] | None,
    freed_admin_share: float,
    share_group: float | None,
    share_digital: float | None,
    priority_rule: str,
    capacity_source: str,
    lang: str,
) -> tuple[Any, Any, dict[str, float]]:
    """The calibrated baseline, the scenario with the changes, and the capacity ratio per stage.

    The changes scale the baseline's slots by what they do to the staff's
    slots (:func:`toolkit.simulate.capacity_from_staff` after / before, per
    stage); group and digital shares act through the scenario's own
    :meth:`~toolkit.simulate.Scenario.visit_cost`, and the ratio for stage 2
    in the returned dict includes that effect (patient visits a week).
    """
    from toolkit import simulate

    base = simulate.Scenario(priority_rule="fcfs")
    baseline = simulate.calibrate(
        unit, profile=profile, base=base, capacity=capacity_source
    ).replace(name=t("report.plan.baseline", lang))
    staff_ratio = {"first_assessment": 1.0, "deep_start": 1.0}
    if added_fte or freed_admin_share:
        if not unit.has("staff"):
            raise ParameterError("report.plan.no_staff", argument="added_fte", lang=lang)
        before = simulate.capacity_from_staff(unit, lang=lang)
        after = simulate.capacity_from_staff(
            unit,
            added_fte=added_fte,
            freed_non_clinical_share=float(freed_admin_share),
            lang=lang,
        )
        for stage, b, a in (
            ("first_assessment", before.first_per_week, after.first_per_week),
            ("deep_start", before.deep_per_week, after.deep_per_week),
        ):
            staff_ratio[stage] = a / b if b > 0 else 1.0
    changed = baseline.replace(
        name=t("report.plan.with_changes", lang),
        capacity_first_per_week=baseline.capacity_first_per_week * staff_ratio["first_assessment"],
        capacity_deep_per_week=baseline.capacity_deep_per_week * staff_ratio["deep_start"],
        share_group=baseline.share_group if share_group is None else float(share_group),
        share_digital=baseline.share_digital if share_digital is None else float(share_digital),
        priority_rule=priority_rule,
    )
    ratio = {
        "first_assessment": staff_ratio["first_assessment"],
        "deep_start": staff_ratio["deep_start"] * baseline.visit_cost() / changed.visit_cost(),
    }
    return baseline, changed, ratio


def _simulate(
    baseline: Any, changed: Any, weeks: int, replications: int, seed: int, lang: str
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Both scenarios' weekly runs, and their summary over the last :data:`PLAN_LAST_WEEKS` weeks."""
    from toolkit import simulate

    runs = {
        sc.name: simulate.run(sc, weeks, replications, seed, lang=lang)
        for sc in (baseline, changed)
    }
    # the same table as simulate.compare([baseline, changed], ...), from the runs the chart needs
    parts = []
    sim_notes: list[str] = []
    for name, frame in runs.items():
        part = simulate.summary(frame, PLAN_LAST_WEEKS, lang=lang)
        sim_notes += [f"{name}: {n}" for n in part.attrs["notes"]]
        part.insert(0, "scenario", name)
        parts.append(part)
    simulated = pd.concat(parts, ignore_index=True)
    simulated.attrs = {"weeks": weeks, "last_weeks": PLAN_LAST_WEEKS, "notes": sim_notes}
    return runs, simulated


@dataclass(frozen=True)
class PlanFigures:
    """Everything the capacity plan's sections read, computed once by :func:`plan_figures`.

    ``queue`` is the now figures' table with the capacity and load after the
    changes; ``runs`` the simulated weeks per scenario and ``simulated`` their
    summary (``sim_all`` its rows for all need classes, indexed by scenario
    and stage).
    """

    unit: UnitData
    profile: TargetProfile
    first: pd.Timestamp
    end: pd.Timestamp
    now: unit_now.NowFigures
    queue: pd.DataFrame
    options: pd.DataFrame | None
    baseline: Any
    changed: Any
    ratio: dict[str, float]
    runs: dict[str, pd.DataFrame]
    simulated: pd.DataFrame
    sim_all: pd.DataFrame
    weeks: int
    added_fte: dict[str, float]
    freed_admin_share: float
    priority_rule: str
    capacity_source: str
    time_to_target_weeks: float
    months: int
    replications: int
    seed: int
    charts: bool
    lang: str

    def sim(self, name: str, stage: str, column: str) -> float:
        """A simulated figure of scenario ``name`` at ``stage`` (all need classes)."""
        value: Any = self.sim_all.loc[(name, stage), column]
        return float(value)

    @property
    def q(self) -> dict[str, dict[str, Any]]:
        """The queue table as ``{stage: {column: value}}``."""
        return _by_stage(self.queue)

    @property
    def stage_labels(self) -> dict[str, str]:
        """Each stage's name in the plan's language."""
        return {s: t(f"flow.stage.{s}", self.lang) for s in _STAGES}


def plan_figures(
    unit: UnitData,
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
) -> PlanFigures:
    """The now figures, the capacity after the changes, the options and both simulated scenarios."""
    _weekly, first, end = _weekly_in_period(unit, profile, start, lang)
    now = _now(unit, profile, first, time_to_target_weeks, lang, window_weeks, variation)
    queue = now.table.copy()
    baseline, changed, ratio = _plan_scenarios(
        unit,
        profile,
        added_fte,
        freed_admin_share,
        share_group,
        share_digital,
        priority_rule,
        capacity_source,
        lang,
    )
    queue["capacity_after_per_week"] = queue["capacity_per_week"] * queue["stage"].map(ratio)
    queue["load_after"] = queue["demand_per_week"] / queue["capacity_after_per_week"].where(
        queue["capacity_after_per_week"] > 0
    )
    options = _plan_options(unit, added_fte, freed_admin_share, share_group, share_digital, lang)
    weeks = round(months * WEEKS_PER_MONTH)
    runs, simulated = _simulate(baseline, changed, weeks, replications, seed, lang)
    return PlanFigures(
        unit=unit,
        profile=profile,
        first=first,
        end=end,
        now=now,
        queue=queue,
        options=options,
        baseline=baseline,
        changed=changed,
        ratio=ratio,
        runs=runs,
        simulated=simulated,
        sim_all=simulated[simulated["need_class"] == "all"].set_index(["scenario", "stage"]),
        weeks=weeks,
        added_fte=added_fte,
        freed_admin_share=freed_admin_share,
        priority_rule=priority_rule,
        capacity_source=capacity_source,
        time_to_target_weeks=time_to_target_weeks,
        months=months,
        replications=replications,
        seed=seed,
        charts=charts,
        lang=lang,
    )
