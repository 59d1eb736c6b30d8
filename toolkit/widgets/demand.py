"""Demand and capacity (Behov och kapacitet): DCAQ for both stages, with staffing as controls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from toolkit import charts
from toolkit.errors import ParameterError
from toolkit.widgets.base import LiveChart, UnitSource, _App, _esc, format_number

#: The two stages, in the order of the pathway (as in the target profiles).
STAGES: tuple[str, ...] = ("first_assessment", "deep_start")
#: Weeks of history charted (the figures for now use toolkit.unit_now's window).
HISTORY_WEEKS = 52
#: Weeks simulated ahead and the number of replications (kept small: one control
#: change must stay well under 150 ms in the kernel).
PROJECTION_WEEKS = 52
REPLICATIONS = 100
#: Weeks at the end of 6 and of 12 months over which projected waits are averaged.
SUMMARY_WEEKS = 4
#: Days in a week, named where used.
DAYS_PER_WEEK = 7.0


#: Highest staffing per professional group on the sliders (full-time equivalents).
#: A BUP clinic of one of the largest regions counts tens of FTE per group
#: (SKR, "Psykiatrin i siffror: kartläggning av barn- och ungdomspsykiatri
#: 2023", staffing by region), so 60 per group covers any one unit; a unit that
#: has more today gets three times its own. The number box beside each slider
#: takes an exact value.
FTE_MAX = 60.0
#: Highest shares of group and of digital visits in stage 2 on the sliders.
GROUP_MAX, DIGITAL_MAX = 0.6, 0.8
#: Width of each chart (px): four stacked charts fit 853 px of page (1 280 px at 150 %).
CHART_WIDTH_PX = 620


@dataclass(frozen=True)
class _Baseline:
    """What does not depend on the controls, computed once per unit."""

    key: tuple[str, int]
    unit: Any
    on: pd.Timestamp
    profile_id: str
    fte: dict[str, float]
    hours: pd.DataFrame | None
    first_per_hour: pd.Series
    deep_per_hour: pd.Series
    admin: float
    scenario: Any
    flow: pd.DataFrame
    now: Any
    period_start: Any
    series: dict[str, tuple[Any, Any]]


def _ratio(new: float, old: float) -> float:
    """new / old, and exactly 1 when they are equal (0 / 0 included)."""
    if new == old:
        return 1.0
    return new / old if old > 0 else float("nan")


def _by_stage(summary: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The numeric columns of a :func:`toolkit.simulate.summary` table by stage."""
    columns = [c for c in summary.columns if c not in ("stage", "need_class")]
    return {
        str(stage): {c: float(row[c]) for c in columns}
        for stage, row in zip(summary["stage"].astype(str), summary.to_dict("records"), strict=True)
    }


class DemandCapacityApp(_App):
    """Demand and capacity (Behov och kapacitet): the unit's DCAQ and what staffing covers.

    For both stages (first assessment; start of in-depth assessment or
    treatment) the page shows weekly demand, capacity from staffing with the
    settings, activity and queue (DCAQ), the target queue, the capacity needed
    with variation, the relief capacity, the load, and the queue and waits
    projected 6 and 12 months ahead, and whether each stage is in balance.
    Every number comes from the calculation modules; the page only presents
    them:

    * at the start, every figure for now is the unit report's:
      :func:`toolkit.unit_now.now_figures` with its defaults (the last 26
      whole weeks up to the extract date, not before the manifest's period
      start; variation assumed random), and the page states the window and
      the variation;
    * capacity (patients a week, :func:`toolkit.unit_now.patients_per_week`):

      .. math::

          C_1 = (1 - p)\\, S_1, \\qquad
          C_2 = \\frac{(1 - p)\\, S_2}{c\\,(1 + v)}

      with :math:`S_1`, :math:`S_2` the staff's slots a week
      (:func:`toolkit.simulate.capacity_from_staff`), :math:`p` the no-show
      share, :math:`c` the slots one stage 2 visit takes with the group and
      digital shares and :math:`v` the follow-up visits per course. The
      controls change it in proportion: the slots by the ratio of
      :meth:`_staff_capacity` with the settings (FTE per category, one
      administration share) to that with the start settings, and the
      patients by the ratio of :math:`C` with the settings' :math:`p`,
      :math:`c` to that with the start ones;
    * target queue, capacity needed, relief capacity (none needed when the
      queue is at or below target), load and time to clear:
      :func:`toolkit.unit_now.stage_figures` with the targets of the
      controls; the verdict: :func:`toolkit.unit_now.stage_balance`;
    * the projection: :func:`toolkit.simulate.run` of the unit's calibrated
      scenario (:func:`toolkit.simulate.calibrate`), whose slots a week are the
      unit's activity in the window, so week 1 continues today's queue and
      completions; the controls change those slots by the same ratio as the
      staff's slots, and set the no-show, group and digital shares and targets;
      100 replications of 52 weeks. The page states the activity's and the
      staff's slots and their difference (:meth:`_projection_note`).

    Per-unit baselines are cached, and staff capacities and simulations are
    cached per setting, so moving a control back is instant.
    """

    title_key = "widgets.demand.title"
    intro_key = "widgets.demand.intro"
    uses_tables = ("referrals", "visits", "staff", "time_use")

    def __init__(self, lang: str = "sv") -> None:
        super().__init__(lang)
        self._base: _Baseline | None = None
        self._staff_cache: dict[Any, Any] = {}
        self._run_cache: dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]] = {}
        self._last: tuple[Any, ...] = ()
        self._start: dict[str, Any] | None = None
        self._balance: dict[str, Any] = {}
        self._spec_cache: dict[Any, dict[str, Any]] = {}
        self.source = UnitSource(self, self.update)
        self._build_controls()
        self._build_outputs()
        self._guarded(self.unit_changed)()
        self._observe()
        self.container = self._layout()

    def _build_controls(self) -> None:
        """The settings (administration, no-shows, groups, digital, shares) and the targets."""
        from toolkit.targets import available_profiles

        style = {"description_width": "330px"}
        wide = w.Layout(width="600px")

        def slider(cls: str, key: str, low: float, high: float, step: float, fmt: str) -> Any:
            s = w.FloatSlider(
                value=low,
                min=low,
                max=high,
                step=step,
                readout_format=fmt,
                continuous_update=False,
                style=style,
                layout=wide,
            )
            s.add_class(cls)
            self._label(s, key)
            return s

        self.admin = slider("tk-admin", "widgets.demand.admin", 0.0, 0.9, 0.01, ".0%")
        self.dna = slider("tk-dna", "widgets.demand.dna", 0.0, 0.5, 0.01, ".0%")
        self.group = slider("tk-group", "widgets.demand.group", 0.0, GROUP_MAX, 0.01, ".0%")
        self.digital = slider("tk-digital", "widgets.demand.digital", 0.0, DIGITAL_MAX, 0.01, ".0%")
        self.share_first = slider(
            "tk-share-first", "widgets.demand.share_first", 0.5, 0.99, 0.01, ".0%"
        )
        self.share_deep = slider(
            "tk-share-deep", "widgets.demand.share_deep", 0.5, 0.99, 0.01, ".0%"
        )

        def days(cls: str, key: str) -> Any:
            s = w.IntSlider(
                value=30,
                min=1,
                max=180,
                step=1,
                continuous_update=False,
                style=style,
                layout=wide,
            )
            s.add_class(cls)
            self._label(s, key)
            return s

        self.target_first = days("tk-target-first", "widgets.demand.target_first")
        self.target_deep = days("tk-target-deep", "widgets.demand.target_deep")
        self.profile = w.Dropdown(
            style={"description_width": "120px"}, layout=w.Layout(width="600px")
        )
        self.profile.add_class("tk-profile")
        self._label(self.profile, "widgets.demand.profile")
        self._profiles = sorted(available_profiles())
        self._label(self.profile, self._profile_options, "options")
        self.fte: dict[str, w.FloatSlider] = {}
        self.fte_box = w.VBox()
        self._no_staff = w.HTML()
        self._no_staff.add_class("tk-no-staff")
        self._label(
            self._no_staff,
            lambda: f"<i>{_esc(self._t('widgets.demand.no_staff_controls'))}</i>",
            "value",
        )
        self.fte_box.add_class("tk-fte-box")

    def _build_outputs(self) -> None:
        """The headings, the figures, the chart, the method and the note on the shares' limit."""
        self._headings = {name: self._heading(name) for name in ("staff", "settings", "targets")}
        self.figures = w.HTML()
        self.figures.add_class("tk-demand-figures")
        self.method = w.HTML()
        self.method.add_class("tk-method")
        self.chart = LiveChart()
        self.chart.add_class("tk-main-chart")
        self.share_limit = w.HTML()
        self.share_limit.add_class("tk-number-note")
        self._label(
            self.share_limit,
            lambda: f"<i>{_esc(self._t('widgets.demand.share_limit'))}</i>",
            "value",
        )

    def _observe(self) -> None:
        """What each control does."""
        # group + digital at most 100 % of stage 2: each slider's top follows the other
        self.group.observe(self._limit_shares, names="value")
        self.digital.observe(self._limit_shares, names="value")
        self._limit_shares()
        self._watch(
            self.admin,
            self.dna,
            self.group,
            self.digital,
            self.share_first,
            self.share_deep,
            self.target_first,
            self.target_deep,
        )
        self.profile.observe(self._on_profile, names="value")

    def _layout(self) -> w.VBox:
        """The page: the unit, staff on the left and settings on the right, then the results."""
        headings = self._headings
        left = w.VBox([headings["staff"], self.fte_box], layout=w.Layout(width="480px"))
        right = w.VBox(
            [
                headings["settings"],
                self.admin,
                self.dna,
                self.group,
                self.digital,
                self.share_limit,
                headings["targets"],
                self.profile,
                self.target_first,
                self.share_first,
                self.target_deep,
                self.share_deep,
            ],
            layout=w.Layout(width="620px"),
        )
        self._results(self.figures, self.chart, self.method)
        return self._frame(
            self.source.box, w.HBox([left, right]), self.figures, self.chart, self.method
        )

    def _heading(self, name: str) -> w.HTML:
        box = w.HTML()
        self._label(
            box,
            lambda: (
                f"<h3 style='margin:10px 0 4px 0'>{_esc(self._t(f'widgets.demand.{name}_heading'))}</h3>"
            ),
            "value",
        )
        return box

    # ---- baseline per unit
    def _profile_options(self) -> list[tuple[str, str]]:
        from toolkit.targets import load_profile

        return [(load_profile(p).name(self.lang), p) for p in self._profiles]

    def _current_unit(self) -> tuple[tuple[str, int], Any, str, pd.Timestamp, Any]:
        """Key, unit, target profile, extract date and period start of the unit chosen."""
        name, entry, unit = self.source.current()
        key = (name, id(unit))
        if entry is not None:
            return (
                key,
                unit,
                str(entry.target_profile or "bup_30_30"),
                pd.Timestamp(entry.extract_date),
                entry.extra.get("period_start"),
            )
        # an upload: its extract date is already its last date (UnitSource._load_files)
        return key, unit, "bup_30_30", pd.Timestamp(unit.extract_date), None

    def _baseline(self) -> _Baseline:
        """What the controls start from for the chosen unit (computed once per unit)."""
        from toolkit import simulate
        from toolkit.flow import weekly_flow
        from toolkit.targets import load_profile

        key, unit, profile_id, on, period_start = self._current_unit()
        if self._base is not None and self._base.key == key:
            return self._base
        if unit.kind != "events":
            raise ParameterError("widgets.demand.no_referrals", argument="unit", lang=self.lang)
        hours, admin, fte = self._staff_baseline(unit, on)
        profile = load_profile(profile_id)
        now = self._now_figures(unit, profile, period_start)
        scenario = simulate.calibrate(unit, window_weeks=now.window.weeks, profile=profile)
        flow = weekly_flow(unit, "W", end=now.window.end, lang=self.lang)
        history = flow[
            flow["period"] > flow["period"].max() - pd.Timedelta(weeks=HISTORY_WEEKS)
        ].copy()
        history.attrs = {}  # pandas deep-copies attrs on every operation: keep it cheap
        first_per_hour, deep_per_hour = self._slots_per_hour(unit, fte)
        self._staff_cache.clear()
        self._run_cache.clear()
        self._base = _Baseline(
            key=key,
            unit=unit,
            on=on,
            profile_id=profile_id,
            fte=fte,
            hours=hours,
            first_per_hour=first_per_hour,
            deep_per_hour=deep_per_hour,
            admin=admin,
            scenario=scenario,
            flow=history,
            now=now,
            period_start=period_start,
            series={
                stage: (
                    (part["arrivals"] - part["removals"]).to_numpy(dtype=float),
                    part["completions"].to_numpy(dtype=float),
                )
                for stage in STAGES
                for part in [now.weekly[now.weekly["stage"].astype(str) == stage]]
            },
        )
        return self._base

    def _staff_baseline(
        self, unit: Any, on: pd.Timestamp
    ) -> tuple[pd.DataFrame | None, float, dict[str, float]]:
        """The unit's staff hours, administrative share and FTE per staff category.

        Without a staff table the page shows what referrals (and visits) give:
        demand, activity, queues, targets and the projection from activity.
        """
        from toolkit import capacity

        hours = (
            capacity.staff_hours(unit.staff, on=on, lang=self.lang) if unit.has("staff") else None
        )
        admin = float(capacity.default("non_clinical_share"))
        fte: dict[str, float] = {}
        if hours is not None:
            shares = (
                capacity.time_use_shares(unit.time_use, lang=self.lang)
                if unit.has("time_use")
                else None
            )
            clinical = capacity.clinical_hours(hours, non_clinical_share=shares, lang=self.lang)
            contracted = clinical["contracted_hours_per_week"].to_numpy(dtype=float)
            non_clinical = clinical["non_clinical_share"].to_numpy(dtype=float)
            if contracted.sum() > 0:
                admin = float((contracted * non_clinical).sum() / contracted.sum())
            fte = {
                str(k): float(f)
                for k, f in zip(hours["staff_category"], hours["fte"], strict=True)
                if f > 0
            }
        return hours, admin, fte

    def _now_figures(self, unit: Any, profile: Any, period_start: Any) -> Any:
        """The unit's now figures, as in its report; refused when the window is too short."""
        from toolkit import unit_now

        now = unit_now.now_figures(unit, profile=profile, period_start=period_start, lang=self.lang)
        if not now.ok:
            raise ParameterError(
                "now.too_short",
                weeks=now.window.weeks,
                least=unit_now.MIN_WINDOW_WEEKS,
                start=now.window.start.date().isoformat(),
                end=now.window.end.date().isoformat(),
                lang=self.lang,
            )
        return now

    def _slots_per_hour(self, unit: Any, fte: dict[str, float]) -> tuple[pd.Series, pd.Series]:
        """First-assessment and in-depth slots per clinical hour of each staff category."""
        from toolkit import capacity, simulate

        first_per_hour = deep_per_hour = pd.Series(dtype=float)
        # slots per clinical hour of each staff category, with the unit's visit mix
        one_hour = pd.DataFrame(
            {"staff_category": list(capacity.STAFF_CATEGORIES), "clinical_hours_per_week": 1.0}
        )
        table = capacity.appointments_per_week(
            one_hour, unit.visits if unit.has("visits") else None, lang=self.lang
        )
        booked = table["booked_appointments_per_week"].astype(float)
        slots = (
            booked
            * table["clinician_minutes_per_appointment"].astype(float)
            / table["mean_duration_min"].astype(float)
        )
        visit_type = table["visit_type"].astype(str)
        category = table["staff_category"].astype(str)
        first = visit_type.isin(simulate.STAFF_STAGE_VISITS["first_assessment"])
        deep = visit_type.isin(simulate.STAFF_STAGE_VISITS["deep_start"])
        if fte:
            first_per_hour = booked[first].groupby(category[first]).sum()
            deep_per_hour = slots[deep].groupby(category[deep]).sum()
        return first_per_hour, deep_per_hour

    def unit_changed(self) -> None:
        """A new unit: rebuild the staff sliders and start every control from the unit's values."""
        self._base = None
        base = self._baseline()
        self._busy = True
        try:
            sliders = {}
            for category, fte in base.fte.items():
                s = w.FloatSlider(
                    value=round(fte, 2),
                    min=0.0,
                    max=float(max(FTE_MAX, np.ceil(3.0 * fte))),
                    step=0.05,
                    readout_format=".2f",
                    continuous_update=False,
                    style={"description_width": "150px"},
                    layout=w.Layout(width="470px"),
                )
                s.add_class("tk-fte")
                s.add_class(f"tk-fte-{category}")
                self._label(s, f"widgets.demand.category.{category}")
                sliders[category] = s
            old = list(self.fte.values())
            self._labels = [item for item in self._labels if item[0] not in old]
            self.fte = sliders
            self._watch(*sliders.values())
            self.fte_box.children = tuple(sliders.values()) or (self._no_staff,)
            sc = base.scenario
            self.admin.value = round(base.admin, 2)
            self.admin.disabled = not base.fte  # without staff the share changes nothing
            self.dna.value = round(float(sc.dna_rate), 2)
            self.group.max, self.digital.max = GROUP_MAX, DIGITAL_MAX
            self.group.value = round(float(sc.share_group), 2)
            self.digital.value = round(float(sc.share_digital), 2)
            self._limit_shares()
            self.profile.value = base.profile_id
            self._set_targets(base.profile_id)
            self._start = self.settings()
        finally:
            self._busy = False
        self.update()

    def _limit_shares(self, _change: Any = None) -> None:
        """Group and digital shares of stage 2 never sum above 1: each caps the other."""
        self.digital.max = max(0.0, min(DIGITAL_MAX, round(1.0 - float(self.group.value), 2)))
        self.group.max = max(0.0, min(GROUP_MAX, round(1.0 - float(self.digital.value), 2)))

    def _set_targets(self, profile_id: str) -> None:
        from toolkit.targets import load_profile

        stages = load_profile(profile_id).stages
        self.target_first.value = int(stages["first_assessment"].target_days)
        self.target_deep.value = int(stages["deep_start"].target_days)
        self.share_first.value = float(stages["first_assessment"].share_within)
        self.share_deep.value = float(stages["deep_start"].share_within)

    def _on_profile(self, change: Any) -> None:
        if self._busy:
            return

        def apply() -> None:
            self._busy = True
            try:
                self._set_targets(str(change["new"]))
            finally:
                self._busy = False
            self._update_and_clear()

        self._guarded(apply)()

    # ---- one control change
    def settings(self) -> dict[str, Any]:
        """The controls' values (FTE per category, shares, targets in days and shares)."""
        return {
            "fte": {k: float(s.value) for k, s in self.fte.items()},
            "admin": float(self.admin.value),
            "dna": float(self.dna.value),
            "group": float(self.group.value),
            "digital": float(self.digital.value),
            "target_days": {
                "first_assessment": int(self.target_first.value),
                "deep_start": int(self.target_deep.value),
            },
            "share_within": {
                "first_assessment": float(self.share_first.value),
                "deep_start": float(self.share_deep.value),
            },
        }

    def _staff_capacity(
        self, base: _Baseline, fte: dict[str, float], admin: float
    ) -> tuple[float, float]:
        """Stage 1 and stage 2 slots a week from staff (as :func:`toolkit.simulate.capacity_from_staff`).

        Staff hours with the FTE of the controls (added FTE work the
        category's contracted hours per FTE) → :func:`toolkit.capacity.clinical_hours`
        with the administration share → slots per clinical hour of each
        category, measured once per unit (see :meth:`_baseline`). The
        appointments of :func:`toolkit.capacity.appointments_per_week` are
        proportional to each category's clinical hours, so this equals the
        whole chain (the browser test checks it against
        :func:`toolkit.simulate.capacity_from_staff`) in a fraction of its time.
        """
        from toolkit import capacity

        if base.hours is None or not base.fte:
            return 1.0, 1.0  # no staff table: the controls of staffing change nothing
        key = (tuple(sorted(fte.items())), admin)
        if key not in self._staff_cache:
            table = base.hours.copy()
            categories = table["staff_category"].astype(str)
            old = table["fte"].to_numpy(dtype=float)
            new = np.array([fte.get(k, f) for k, f in zip(categories, old, strict=True)])
            ratio = np.divide(new, old, out=np.zeros_like(new), where=old > 0)
            table["fte"] = new
            table["contracted_hours_per_week"] = (
                table["contracted_hours_per_week"].to_numpy(dtype=float) * ratio
            )
            clinical = capacity.clinical_hours(table, non_clinical_share=admin, lang=self.lang)
            hours = clinical.set_index("staff_category")["clinical_hours_per_week"].astype(float)
            self._staff_cache[key] = (
                float((hours * base.first_per_hour).sum()),
                float((hours * base.deep_per_hour).sum()),
            )
        return self._staff_cache[key]

    def _projection(self, scenario: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """Weekly projection (all need classes) and its summaries at 6 and 12 months."""
        from toolkit import simulate

        key = repr(sorted(scenario.as_dict().items()))
        if key not in self._run_cache:
            table = simulate.run(
                scenario, weeks=PROJECTION_WEEKS, replications=REPLICATIONS, seed=1, lang=self.lang
            )
            # pandas deep-copies attrs on every operation: keep only what summary needs
            # (the patients' waits, shared and never copied, and the spread)
            table.attrs = {k: table.attrs[k] for k in ("patient_waits", "spread")}
            table = table[table["need_class"].astype(str) == "all"]
            half = table[table["week"] <= PROJECTION_WEEKS // 2]
            self._run_cache[key] = (
                table,
                simulate.summary(half, last_weeks=SUMMARY_WEEKS, lang=self.lang),
                simulate.summary(table, last_weeks=SUMMARY_WEEKS, lang=self.lang),
            )
        return self._run_cache[key]

    def figures_now(self) -> dict[str, dict[str, float]]:
        """Every figure of the page for the current controls: {stage: {name: value}}.

        The unit's now figures come from :func:`toolkit.unit_now.now_figures`
        (the same call, window and defaults as the unit report). The controls
        change the capacity by the ratio of the staff's slots with the
        settings to those with the settings the page started from
        (:meth:`_staff_capacity`) and the ratio of the patients a week those
        slots carry (:func:`toolkit.unit_now.patients_per_week` with the
        no-show, group and digital shares of the controls), so at its start
        the page shows exactly the report's figures; the targets of the
        controls go into :func:`toolkit.unit_now.stage_figures`.
        """
        from toolkit import unit_now

        base = self._baseline()
        now = base.now
        s = self.settings()
        start = self._start or s
        first, deep = self._staff_capacity(base, s["fte"], s["admin"])
        first0, deep0 = self._staff_capacity(base, start["fte"], start["admin"])
        nan = float("nan")
        slots0 = now.staff_slots or {stage: nan for stage in STAGES}  # none without staff
        slots = {
            "first_assessment": slots0["first_assessment"] * _ratio(first, first0),
            "deep_start": slots0["deep_start"] * _ratio(deep, deep0),
        }
        # the projection continues the unit's own activity (the calibrated scenario's
        # slots), changed by the controls in the same proportion as the staff's slots
        scenario = base.scenario.replace(
            capacity_first_per_week=base.scenario.capacity_first_per_week * _ratio(first, first0),
            capacity_deep_per_week=base.scenario.capacity_deep_per_week * _ratio(deep, deep0),
            dna_rate=s["dna"],
            share_group=s["group"],
            share_digital=s["digital"],
            target_days_first=float(s["target_days"]["first_assessment"]),
            target_days_deep=float(s["target_days"]["deep_start"]),
        )
        before = base.scenario.replace(
            dna_rate=start["dna"], share_group=start["group"], share_digital=start["digital"]
        )

        def terms(sc: Any) -> dict[str, float]:
            return {
                "dna_rate": float(sc.dna_rate),
                "visit_cost": float(sc.visit_cost()),
                "follow_up_visits_per_course": float(sc.follow_up_visits_per_course),
            }

        carried = unit_now.patients_per_week(slots, terms(scenario))
        carried0 = unit_now.patients_per_week(slots0, terms(before))
        table = now.by_stage()
        projection, at_6, at_12 = self._projection(scenario)
        six, twelve = _by_stage(at_6), _by_stage(at_12)
        out: dict[str, dict[str, float]] = {}
        self._balance = {}
        for stage in STAGES:
            row = table[stage]
            capacity = row["capacity_per_week"] * _ratio(carried[stage], carried0[stage])
            derived = unit_now.stage_figures(
                demand_per_week=row["demand_per_week"],
                capacity_per_week=capacity,
                queue_size=row["queue_size"],
                target_days=s["target_days"][stage],
                share_within=s["share_within"][stage],
                cv_demand=row["cv_demand"],
                cv_capacity=row["cv_capacity"],
                time_to_target_weeks=now.time_to_target_weeks,
            )
            self._balance[stage] = unit_now.stage_balance(
                demand=base.series[stage][0],
                activity=base.series[stage][1],
                capacity_per_week=capacity,
                queue_size=row["queue_size"],
                target_queue_size=derived["target_queue_size"],
            )
            out[stage] = {
                "demand": row["demand_per_week"],
                "capacity": capacity,
                "activity": row["activity_per_week"],
                "queue": row["queue_size"],
                "load": derived["load"],
                "target_queue": derived["target_queue_size"],
                "capacity_needed": derived["target_capacity_per_week"],
                "relief": derived["relief_capacity_per_week"],
                "time_to_clear": derived["time_to_clear_weeks"],
                "queue_6": six[stage]["queue_end"],
                "queue_12": twelve[stage]["queue_end"],
                "wait_6": six[stage]["wait_mean_weeks"] * DAYS_PER_WEEK,
                "wait_12": twelve[stage]["wait_mean_weeks"] * DAYS_PER_WEEK,
                "within_12": twelve[stage]["share_within_target"],
            }
        self._last = (base, scenario, projection, out)
        return out

    def update(self) -> None:
        figures = self.figures_now()
        base, scenario, projection, _ = self._last
        n = self.lang
        rows = [
            ("demand", 1, 1.0, ""),
            ("capacity", 1, 1.0, ""),
            ("activity", 1, 1.0, ""),
            ("queue", 0, 1.0, ""),
            ("load", 2, 1.0, ""),
            ("target_queue", 0, 1.0, ""),
            ("capacity_needed", 1, 1.0, ""),
            ("relief", 1, 1.0, ""),
            ("time_to_clear", 1, 1.0, ""),
            ("queue_6", 0, 1.0, ""),
            ("queue_12", 0, 1.0, ""),
            ("wait_6", 0, 1.0, ""),
            ("wait_12", 0, 1.0, ""),
            ("within_12", 0, 100.0, " %"),
        ]
        short = {"first_assessment": "first", "deep_start": "deep"}
        head = "<tr><th></th>" + "".join(
            f"<th>{_esc(self._t(f'widgets.demand.stage.{s}'))}</th>" for s in STAGES
        )
        body = ""
        for key, digits, scale, unit in rows:
            cells = "".join(
                f"<td class='tk-{key.replace('_', '-')}-{short[s]}'>"
                f"{self._cell(key, scale * figures[s][key], digits)}{unit}</td>"
                for s in STAGES
            )
            body += f"<tr><td>{_esc(self._t(f'widgets.demand.row.{key}'))}</td>{cells}</tr>"
        self.figures.value = (
            self._window_note(base)
            + f"<table class='tk-table tk-figures-table'>{head}</tr>{body}</table>"
            + self._balance_note(figures)
            + self._projection_note(base)
        )
        self.method.value = (
            "<p class='tk-note'>"
            + _esc(
                self._t(
                    "widgets.demand.method",
                    visits=format_number(1.0 + scenario.follow_up_visits_per_course, n, 1),
                    replications=REPLICATIONS,
                )
            )
            + "</p>"
        )
        spec = self._chart_spec(base)
        self.chart.spec = {**spec, "datasets": self._chart_data(base, projection, figures)}

    def _cell(self, key: str, value: float, digits: int) -> str:
        """A figure as shown: a number, "never" for an infinite time to clear, ∞, or a dash."""
        if value == float("inf"):
            return _esc(self._t("widgets.demand.never")) if key == "time_to_clear" else "∞"
        return format_number(value, self.lang, digits)

    def _window_note(self, base: _Baseline) -> str:
        """The window in words and where the variation comes from, above the figures."""
        from toolkit import unit_now

        now = base.now
        return (
            "<p class='tk-note tk-window'>"
            + _esc(
                self._t(
                    "widgets.demand.window",
                    window=unit_now.window_text(now.window, self.lang),
                    variation=unit_now.variation_text(now, self.lang),
                )
            )
            + "</p>"
        )

    def _projection_note(self, base: _Baseline) -> str:
        """Where the projection starts: the unit's activity, and how far staffing is from it.

        The projection runs the calibrated scenario (its slots a week are the
        unit's activity in the window), so week 1 continues today's queue and
        completions; the staff's slots (:attr:`toolkit.unit_now.NowFigures.staff_slots`)
        are stated beside them with the difference in per cent.
        """
        fields: dict[str, Any] = {}
        for stage, short in (("first_assessment", "first"), ("deep_start", "deep")):
            activity = float(getattr(base.scenario, f"capacity_{short}_per_week"))
            staff = float((base.now.staff_slots or {}).get(stage, float("nan")))
            fields[f"{short}_activity"] = activity
            fields[f"{short}_staff"] = staff
            diff = 100.0 * (staff / activity - 1.0) if activity > 0 else float("nan")
            sign = "+" if diff >= 0 else "\u2212"
            fields[f"{short}_diff"] = (
                f"{sign}{format_number(abs(diff), self.lang, 0)}\u00a0%"
                if np.isfinite(diff)
                else "–"
            )
        key = "widgets.demand.projection_start"
        if not np.isfinite(fields["first_staff"]):  # no staff table
            key = "widgets.demand.projection_start_no_staff"
        return "<p class='tk-note tk-projection-start'>" + _esc(self._t(key, **fields)) + "</p>"

    def _balance_note(self, figures: dict[str, dict[str, float]]) -> str:
        """The balance verdict per stage (:func:`toolkit.unit_now.stage_balance`) and messages."""
        from toolkit import unit_now

        lines = []
        for stage in STAGES:
            label = self._t(f"flow.stage.{stage}")
            lines.append(unit_now.balance_text(label, self._balance[stage], self.lang))
            load = figures[stage]["load"]
            if figures[stage]["time_to_clear"] == float("inf"):
                lines.append(
                    label
                    + ": "
                    + self._t("now.never_clears", load=format_number(load, self.lang, 2))
                )
            if figures[stage]["activity"] == 0:
                lines.append(label + ": " + self._t("now.no_completions"))
        return (
            "<ul class='tk-note tk-balance'>"
            + "".join(f"<li>{_esc(line)}</li>" for line in lines)
            + "</ul>"
        )

    # ---- chart
    def _chart_spec(self, base: _Baseline) -> dict[str, Any]:
        """The chart's Vega-Lite spec without data, built once per unit and language.

        See :func:`toolkit.charts.demand_spec`. Each control change only
        replaces the spec's ``datasets`` (see :meth:`_chart_data`).
        """
        key = (self.lang, base.key)
        if key not in self._spec_cache:
            self._spec_cache[key] = charts.demand_spec(
                self._series_names(), STAGES, self.lang, width=CHART_WIDTH_PX
            )
        return self._spec_cache[key]

    def _series_names(self) -> dict[str, str]:
        return {
            k: self._t(f"widgets.demand.series.{k}")
            for k in ("demand", "activity", "capacity", "queue", "projected", "target_queue")
        }

    def _chart_data(
        self, base: _Baseline, projection: pd.DataFrame, figures: dict[str, dict[str, float]]
    ) -> dict[str, list[dict[str, Any]]]:
        """The chart's datasets: weekly counts of the last year and the projection (no person rows)."""
        names = self._series_names()
        end = pd.Timestamp(base.on)
        out: dict[str, list[dict[str, Any]]] = {}
        for stage in STAGES:
            part = base.flow[base.flow["stage"].astype(str) == stage]
            period = pd.to_datetime(part["period"]).dt.strftime("%Y-%m-%d").tolist()
            demand = (part["arrivals"] - part["removals"]).to_numpy(dtype=float).tolist()
            done = part["completions"].to_numpy(dtype=float).tolist()
            waiting = part["waiting_end"].to_numpy(dtype=float).tolist()
            proj = projection[projection["stage"].astype(str) == stage]
            future = (
                (end + pd.to_timedelta(DAYS_PER_WEEK * proj["week"].to_numpy(), unit="D"))
                .strftime("%Y-%m-%d")
                .tolist()
            )
            capacity = figures[stage]["capacity"]
            target = figures[stage]["target_queue"]
            out[f"flow_{stage}"] = (
                [
                    {"date": d, "value": v, "series": names["demand"]}
                    for d, v in zip(period, demand, strict=True)
                ]
                + [
                    {"date": d, "value": v, "series": names["activity"]}
                    for d, v in zip(period, done, strict=True)
                ]
                + [
                    {"date": d, "value": capacity, "series": names["capacity"]}
                    for d in (period[0], period[-1])
                    if np.isfinite(capacity)  # unknown without a staff table
                ]
            )
            out[f"queue_{stage}"] = (
                [
                    {"date": d, "value": v, "series": names["queue"]}
                    for d, v in zip(period, waiting, strict=True)
                ]
                + [
                    {"date": d, "value": m, "lo": lo, "hi": hi, "series": names["projected"]}
                    for d, m, lo, hi in zip(
                        future,
                        proj["queue_mean"].to_numpy(dtype=float).tolist(),
                        proj["queue_lo"].to_numpy(dtype=float).tolist(),
                        proj["queue_hi"].to_numpy(dtype=float).tolist(),
                        strict=True,
                    )
                ]
                + [
                    {"date": d, "value": target, "series": names["target_queue"]}
                    for d in (period[0], future[-1])
                ]
            )
        return out
