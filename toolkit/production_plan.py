"""The production plan (PKS element 4): what to book each week, per stage and staff category.

From the forecast referrals a week, the unit's pathway shares, the targets
and the staff, :func:`production_plan` gives, week by week:

* the patients each stage needs: first assessments, in-depth assessments and
  treatment starts, the follow-up visits of the courses and the group
  sessions they take;
* the buffer for variation by **Kingman's rule**
  (:func:`toolkit.waitlist.target_capacity`): the capacity that holds the
  stage's mean wait at target / factor, with the factor for the share within
  target (:func:`toolkit.waitlist.factor_for_share_within`);
* the slots to book (one-to-one equivalents, no-shows added), set against
  the slots the staff can give that week (the capacity module's weekly
  figures, :func:`toolkit.simulate.capacity_from_staff`, spread over the
  calendar: fewer in weeks with public holidays and in the summer leave
  weeks, so that over a year they add up to the capacity module's);
* the balance per week and staff category, and the weeks that do not
  balance, with the shortfall.

:func:`schedule_template` turns the plan into slots a week by kind per
clinician type (and per full-time clinician); :func:`plan_levels` sums it
for the strategic (year), tactical (month) and operational (week) levels.
:func:`plan_basis` builds the inputs from a loaded unit once (forecast,
now figures, staff), :func:`plan_from_basis` plans again with a coach's
changes (FTE, group share, targets) in well under a second,
:func:`unit_plan` does both, and :func:`toolkit.plan_export.write_plan_workbook` writes
the Excel file.

Pure: tables and numbers in, tables out.

Examples
--------
>>> import pandas as pd
>>> weeks = pd.DataFrame({"week_start": pd.date_range("2025-09-01", periods=2, freq="W-MON"),
...                       "forecast": [10.0, 10.0]})
>>> inputs = PlanInputs(first_share=1.0, deep_share=0.5, in_depth_share=0.4,
...     follow_up_visits_per_course=3.0, visit_cost=1.0, dna_rate=0.0, share_group=0.0,
...     group_size=6.0, target_wait_weeks={"first_assessment": 30 / 7, "deep_start": 30 / 7},
...     share_within={"first_assessment": 0.9, "deep_start": 0.8})
>>> slots = pd.DataFrame({"staff_category": ["psychologist"], "first_slots_per_week": [12.0],
...     "deep_slots_per_week": [25.0], "first_hours_per_week": [12.0],
...     "deep_hours_per_week": [25.0], "fte": [2.0]})
>>> p = production_plan(weeks, slots, inputs, summer_leave_weeks=0)
>>> p.weeks[["first_assessments", "treatment_starts", "follow_up_visits"]].iloc[0].tolist()
[10.0, 3.0, 15.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit import waitlist
from toolkit.capacity import STAFF_CATEGORIES
from toolkit.errors import ParameterError
from toolkit.forecast import working_days
from toolkit.i18n import check_language, t

__all__ = [
    "BUFFER_RULES",
    "DECISION_OPTIONS",
    "PLAN_STAGES",
    "SUMMER_WEEKS",
    "Plan",
    "PlanBasis",
    "PlanInputs",
    "calendar_factor",
    "decision_effects",
    "iso_week",
    "number_text",
    "plan_basis",
    "plan_from_basis",
    "plan_levels",
    "production_plan",
    "queue_projection",
    "schedule_template",
    "staff_slots",
    "unit_plan",
]

#: The two stages planned: first assessment, and the start of in-depth assessment or treatment.
PLAN_STAGES: tuple[str, ...] = ("first_assessment", "deep_start")
#: Buffer rules: Kingman (waitlist.target_capacity) or none.
BUFFER_RULES: tuple[str, ...] = ("kingman", "none")
#: ISO weeks over which the summer leave is spread (Swedish practice: the four
#: weeks of semesterlagen 12 § taken between late June and mid August).
SUMMER_WEEKS: tuple[int, ...] = (27, 28, 29, 30, 31, 32)
#: Weeks of summer leave per person (semesterlagen (1977:480) 12 §: four weeks in June–August).
DEFAULT_SUMMER_LEAVE_WEEKS = 4.0
#: Weeks in the year over which the calendar factor is normalised.
_YEAR_WEEKS = 52


@dataclass(frozen=True)
class PlanInputs:
    """The unit's pathway and targets that turn referrals into slots.

    ``first_share``: first assessments per referral (referrals less
    removals); ``deep_share``: stage 2 starts per first assessment;
    ``in_depth_share``: of those, the share starting an in-depth assessment
    (the rest start treatment); ``follow_up_visits_per_course``;
    ``visit_cost``: slots a stage 2 visit takes with the group and digital
    shares; ``dna_rate``: share of booked slots not attended;
    ``share_group``: share of treatment and follow-up visits held in groups
    of ``group_size``; per stage: ``target_wait_weeks``, ``share_within``
    and the coefficients of variation ``cv_demand``, ``cv_capacity`` (1 =
    random); ``staff_mix``: per stage, each staff category's share of the
    stage's clinician time (default: in proportion to the slots available).
    """

    first_share: float
    deep_share: float
    in_depth_share: float
    follow_up_visits_per_course: float
    visit_cost: float
    dna_rate: float
    share_group: float
    group_size: float
    target_wait_weeks: dict[str, float]
    share_within: dict[str, float]
    cv_demand: dict[str, float] = field(default_factory=dict)
    cv_capacity: dict[str, float] = field(default_factory=dict)
    staff_mix: dict[str, dict[str, float]] | None = None


@dataclass(frozen=True)
class Plan:
    """A production plan (see :func:`production_plan`).

    ``weeks``: one row per week, the columns listed in
    :func:`production_plan`; ``by_category``: one row per week, stage and
    staff category; ``short_weeks``: the rows of ``by_category`` summed over
    categories where the stage does not balance; ``messages`` in the
    language asked for; ``inputs``, ``buffer_rule`` and ``slots`` (the
    staff's slots, :func:`staff_slots`) as used; ``cost_per_year_sek`` the
    staff's cost a year (from :func:`plan_from_basis`); ``forecast``
    the forecast the plan was built on (from :func:`unit_plan`).
    """

    weeks: pd.DataFrame
    by_category: pd.DataFrame
    short_weeks: pd.DataFrame
    inputs: PlanInputs
    buffer_rule: str
    slots: pd.DataFrame
    messages: tuple[str, ...] = ()
    forecast: Any = None
    cost_per_year_sek: float = math.nan
    priority_rule: str = "fcfs"

    @property
    def balanced(self) -> bool:
        """True when every week's booked need fits the staff's slots at both stages."""
        return self.short_weeks.empty


def iso_week(weeks: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """ISO year and week of each day: those of its week's Thursday (ISO 8601).

    >>> [a.tolist() for a in iso_week(pd.DatetimeIndex(["2024-12-30", "2021-01-03"]))]
    [[2025, 2020], [1, 53]]
    """
    thursday = weeks - pd.to_timedelta(weeks.day_of_week, unit="D") + pd.Timedelta(days=3)
    return np.asarray(thursday.year), (np.asarray(thursday.day_of_year) - 1) // 7 + 1


def calendar_factor(
    week_starts: pd.DatetimeIndex, *, summer_leave_weeks: float = DEFAULT_SUMMER_LEAVE_WEEKS
) -> np.ndarray:
    """Each week's share of an average week's staff time: working days and summer leave.

    Notes
    -----
    .. math:: c_w = \\frac{d_w (1 - \\ell_w)}{\\frac{1}{52}\\sum_{u} d_u (1 - \\ell_u)}

    with :math:`d_w` the working days of week :math:`w`
    (:func:`toolkit.forecast.working_days`), :math:`\\ell_w` the share of
    staff on summer leave (``summer_leave_weeks`` / 6 in ISO weeks 27–32, 0
    otherwise) and the sum over the 52 weeks from the first week. The
    capacity module's clinical hours are a yearly mean (the absence share
    holds leave and holidays spread over the year), so :math:`c_w` moves
    them between weeks and keeps their yearly total.

    >>> c = calendar_factor(pd.date_range("2025-09-01", periods=52, freq="W-MON"))
    >>> round(float(c.mean()), 12)
    1.0
    """
    weeks = pd.DatetimeIndex(week_starts)
    if len(weeks) == 0:
        return np.zeros(0)
    year = pd.date_range(weeks[0], periods=_YEAR_WEEKS, freq="W-MON")

    def raw(index: pd.DatetimeIndex) -> np.ndarray:
        iso = iso_week(index)[1]
        leave = np.where(np.isin(iso, SUMMER_WEEKS), summer_leave_weeks / len(SUMMER_WEEKS), 0.0)
        return np.asarray(working_days(index) * (1.0 - leave), dtype=float)

    return raw(weeks) / float(raw(year).mean())


def staff_slots(staff_capacity: Any) -> pd.DataFrame:
    """Slots and clinical hours a week per staff category and stage from :func:`toolkit.simulate.capacity_from_staff`.

    Stage 1: the booked first-assessment appointments :math:`B_{k,first}`;
    stage 2: :math:`\\sum_v B_{kv} m_{kv}/d_v` over in-depth assessment,
    treatment and follow-up (one-to-one equivalents), as
    :func:`~toolkit.simulate.capacity_from_staff` sums them, so the column
    totals are its ``first_per_week`` and ``deep_per_week``.

    Columns: staff_category, fte, first_slots_per_week, deep_slots_per_week,
    first_hours_per_week, deep_hours_per_week (clinical hours behind them).
    """
    a = staff_capacity.appointments
    d = a["mean_duration_min"].replace(0, np.nan)
    equiv = (a["booked_appointments_per_week"] * a["clinician_minutes_per_appointment"] / d).fillna(
        0.0
    )
    first = a["visit_type"].astype(str) == "first_assessment"
    cat = a["staff_category"].astype(str)
    out = pd.DataFrame({"staff_category": list(STAFF_CATEGORIES)})
    out["first_slots_per_week"] = out["staff_category"].map(
        a.loc[first, "booked_appointments_per_week"].groupby(cat[first]).sum()
    )
    out["deep_slots_per_week"] = out["staff_category"].map(equiv[~first].groupby(cat[~first]).sum())
    hours = a["clinical_hours_per_week"]
    out["first_hours_per_week"] = out["staff_category"].map(hours[first].groupby(cat[first]).sum())
    out["deep_hours_per_week"] = out["staff_category"].map(hours[~first].groupby(cat[~first]).sum())
    fte = getattr(staff_capacity, "fte", None)
    out["fte"] = out["staff_category"].map(fte) if isinstance(fte, dict) else np.nan
    return out.fillna({c: 0.0 for c in out.columns if c.endswith("_per_week")})


def production_plan(
    forecast_weeks: pd.DataFrame,
    slots: pd.DataFrame,
    inputs: PlanInputs,
    *,
    buffer_rule: str = "kingman",
    summer_leave_weeks: float = DEFAULT_SUMMER_LEAVE_WEEKS,
    priority_rule: str = "fcfs",
    lang: str | None = None,
) -> Plan:
    """The plan week by week: patients and slots needed per stage, the staff's slots, the balance.

    Parameters
    ----------
    forecast_weeks : pandas.DataFrame
        ``week_start`` (Mondays) and ``forecast`` (referrals a week), e.g.
        :attr:`toolkit.forecast.Forecast.future`.
    slots : pandas.DataFrame
        :func:`staff_slots`: per staff category ``first_slots_per_week``,
        ``deep_slots_per_week``, ``first_hours_per_week``,
        ``deep_hours_per_week`` (yearly means) and ``fte``.
    inputs : PlanInputs
    buffer_rule : {"kingman", "none"}, default "kingman"
    summer_leave_weeks : float, default 4
        Weeks of summer leave per person, spread over ISO weeks 27–32 (0–6).
    priority_rule : str, default "fcfs"
        A rule of :data:`toolkit.simulate.RULES`. ``first_visit_first`` lends
        stage 2 slots to first assessments in the weeks stage 1 is short, as
        the simulation does (before stage 2 patients get them); the other
        rules choose *who* is booked first within a stage, not how many, so
        the plan's totals are the same as with ``fcfs`` (a message says so).
    lang : {"sv", "en"}, optional

    Returns
    -------
    Plan
        ``weeks`` columns: week_start, referrals, first_assessments,
        in_depth_assessments, treatment_starts, follow_up_visits,
        group_sessions, first_buffer, deep_buffer (patients a week),
        first_slots_needed, deep_slots_needed, calendar_factor,
        lent_slots (stage 2 slots lent to stage 1 by the priority rule),
        first_slots_available, deep_slots_available, first_balance,
        deep_balance (slots; negative = short), balanced.

    Notes
    -----
    For week :math:`w` with :math:`R_w` referrals:

    .. math::

        F_w = s_1 R_w, \\quad S_w = s_2 F_w, \\quad
        I_w = q S_w, \\quad T_w = (1 - q) S_w, \\quad U_w = v S_w, \\quad
        G_w = g (T_w + U_w) / n_G

    (first assessments, stage 2 starts, in-depth assessments, treatment
    starts, follow-up visits, group sessions). With Kingman's rule the
    patients planned per stage are :math:`\\mu^*_w = \\lambda_w +
    \\frac{c_a^2 + c_s^2}{2}\\frac{f}{T}` (:math:`\\lambda_w = F_w` or
    :math:`S_w`); the slots to book are

    .. math::

        N_{1w} = \\frac{\\mu^*_{1w}}{1 - p}, \\qquad
        N_{2w} = \\frac{\\mu^*_{2w}\\, c\\, (1 + v)}{1 - p}

    with :math:`p` the no-show share and :math:`c` the slots a stage 2 visit
    takes (:func:`toolkit.unit_now.patients_per_week` inverted). Slots
    available: :math:`K_{jw} = c_w K_j` with :math:`K_j` the capacity
    module's weekly slots and :math:`c_w` :func:`calendar_factor`. A stage
    balances in week :math:`w` when :math:`K_{jw} \\ge N_{jw}`. With
    ``first_visit_first`` stage 1 borrows :math:`L_w = \\min(\\max(N_{1w} -
    K_{1w}, 0), K_{2w})` slots from stage 2 (one clinician slot each, as in
    the simulation, where a first assessment lent takes :math:`1/c` stage 2
    visits): :math:`K_{1w} + L_w` and :math:`K_{2w} - L_w`. Rules that only
    reorder patients within a stage move no slots: work is conserved
    (Kleinrock 1976, vol. 2, sect. 3.4). Per staff
    category :math:`k` the need is :math:`N_{jw}\\,\\mu_{jk}` with
    :math:`\\mu_{jk}` the staff mix of stage :math:`j`.

    References
    ----------
    Socialstyrelsen, *Produktions- och kapacitetsplanering* (PKS), element
    4 "balanserade produktionsplaner och scheman"; Kingman (1961), see
    :func:`toolkit.waitlist.target_capacity`.
    """
    lang = check_language(lang)
    _check_plan_arguments(inputs, buffer_rule, priority_rule, summer_leave_weeks, lang)
    weeks, demand = _patients_per_week(forecast_weeks, inputs)
    planned = _planned_patients(demand, inputs, buffer_rule)
    _add_slots_needed(weeks, demand, planned, inputs)
    factor = calendar_factor(
        pd.DatetimeIndex(weeks["week_start"]), summer_leave_weeks=summer_leave_weeks
    )
    _add_balance(weeks, slots, factor, priority_rule)
    by_category = _by_category(weeks, slots, inputs)
    short = _short_weeks(weeks)
    messages = _messages(weeks, short, buffer_rule, lang) + _priority_messages(
        weeks, priority_rule, lang
    )
    return Plan(
        weeks, by_category, short, inputs, buffer_rule, slots, tuple(messages),
        priority_rule=priority_rule,
    )  # fmt: skip


def _check_plan_arguments(
    inputs: PlanInputs, buffer_rule: str, priority_rule: str, summer_leave_weeks: float, lang: str
) -> None:
    """Raise :class:`~toolkit.errors.ParameterError` for a rule, leave or share out of range."""
    from toolkit.simulate import RULES

    if buffer_rule not in BUFFER_RULES:
        raise checks.choice_error("buffer_rule", buffer_rule, BUFFER_RULES, lang)
    if priority_rule not in RULES:
        raise checks.choice_error("priority_rule", priority_rule, RULES, lang)
    checks.in_range("summer_leave_weeks", summer_leave_weeks, lang, low=0, high=len(SUMMER_WEEKS))
    for name in ("first_share", "deep_share", "in_depth_share", "dna_rate", "share_group"):
        checks.share(name, getattr(inputs, name), lang)
    if inputs.dna_rate >= 1:
        raise checks.range_error("dna_rate", inputs.dna_rate, "0–<1", lang)


def _patients_per_week(
    forecast_weeks: pd.DataFrame, inputs: PlanInputs
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The plan's first columns (referrals and the patients of each step), and each stage's demand.

    The demand is :math:`F_w` (``first_assessment``) and :math:`S_w` (``deep_start``).
    """
    weeks = pd.DataFrame({"week_start": pd.DatetimeIndex(forecast_weeks["week_start"])})
    referrals = forecast_weeks["forecast"].to_numpy(dtype=float)
    weeks["referrals"] = referrals
    first = inputs.first_share * referrals
    deep = inputs.deep_share * first
    weeks["first_assessments"] = first
    weeks["in_depth_assessments"] = inputs.in_depth_share * deep
    weeks["treatment_starts"] = (1.0 - inputs.in_depth_share) * deep
    weeks["follow_up_visits"] = inputs.follow_up_visits_per_course * deep
    weeks["group_sessions"] = (
        inputs.share_group
        * (weeks["treatment_starts"] + weeks["follow_up_visits"])
        / max(inputs.group_size, 1.0)
    )
    return weeks, {"first_assessment": first, "deep_start": deep}


def _planned_patients(
    demand: dict[str, np.ndarray], inputs: PlanInputs, buffer_rule: str
) -> dict[str, np.ndarray]:
    """Patients a week to plan per stage: the demand plus Kingman's buffer, or the demand alone."""
    planned = {}
    for stage, need in demand.items():
        if buffer_rule == "kingman":
            mu = waitlist.target_capacity(
                need,
                inputs.target_wait_weeks[stage],
                waitlist.factor_for_share_within(inputs.share_within[stage]),
                inputs.cv_demand.get(stage, 1.0),
                inputs.cv_capacity.get(stage, 1.0),
            )
            planned[stage] = np.asarray(mu, dtype=float)
        else:
            planned[stage] = need
    return planned


def _add_slots_needed(
    weeks: pd.DataFrame,
    demand: dict[str, np.ndarray],
    planned: dict[str, np.ndarray],
    inputs: PlanInputs,
) -> None:
    """Add the buffers (patients a week) and the slots to book per stage, no-shows added."""
    weeks["first_buffer"] = planned["first_assessment"] - demand["first_assessment"]
    weeks["deep_buffer"] = planned["deep_start"] - demand["deep_start"]
    kept = 1.0 - inputs.dna_rate
    weeks["first_slots_needed"] = planned["first_assessment"] / kept
    weeks["deep_slots_needed"] = (
        planned["deep_start"]
        * inputs.visit_cost
        * (1.0 + inputs.follow_up_visits_per_course)
        / kept
    )


def _add_balance(
    weeks: pd.DataFrame, slots: pd.DataFrame, factor: np.ndarray, priority_rule: str
) -> None:
    """Add the calendar factor, the slots lent, the slots available, the balances and ``balanced``."""
    weeks["calendar_factor"] = factor
    first_total = float(slots["first_slots_per_week"].sum())
    deep_total = float(slots["deep_slots_per_week"].sum())
    lent = np.zeros(len(weeks))
    if priority_rule == "first_visit_first":
        short_first = np.maximum(weeks["first_slots_needed"].to_numpy() - factor * first_total, 0)
        lent = np.minimum(short_first, factor * deep_total)
    weeks["lent_slots"] = lent
    weeks["first_slots_available"] = factor * first_total + lent
    weeks["deep_slots_available"] = factor * deep_total - lent
    weeks["first_balance"] = weeks["first_slots_available"] - weeks["first_slots_needed"]
    weeks["deep_balance"] = weeks["deep_slots_available"] - weeks["deep_slots_needed"]
    tol = 1e-9
    weeks["balanced"] = (weeks["first_balance"] >= -tol) & (weeks["deep_balance"] >= -tol)


def _priority_messages(weeks: pd.DataFrame, rule: str, lang: str) -> list[str]:
    """What the priority rule does to the plan, in a sentence (none for first come, first served)."""
    if rule == "fcfs":
        return []
    name = t(f"report.plan.rule.{rule}", lang)
    if rule != "first_visit_first":
        return [t("plan.priority.same", lang, rule=name)]
    lent = weeks["lent_slots"]
    return [
        t(
            "plan.priority.lent",
            lang,
            rule=name,
            total=round(float(lent.sum())),
            n=int((lent > 1e-9).sum()),
        )
    ]


def _mix(inputs: PlanInputs, slots: pd.DataFrame, stage: str) -> pd.Series:
    column = "first_slots_per_week" if stage == "first_assessment" else "deep_slots_per_week"
    if inputs.staff_mix and stage in inputs.staff_mix:
        mix = pd.Series(inputs.staff_mix[stage], dtype=float)
    else:
        mix = slots.set_index("staff_category")[column].astype(float)
    mix = mix.reindex(list(STAFF_CATEGORIES), fill_value=0.0)
    total = float(mix.sum())
    return mix / total if total > 0 else mix


def _by_category(weeks: pd.DataFrame, slots: pd.DataFrame, inputs: PlanInputs) -> pd.DataFrame:
    """One row per week, stage and staff category: slots and hours needed and available.

    Slots lent by the priority rule (``weeks["lent_slots"]``) leave stage 2
    and join stage 1 in proportion to each category's stage 2 slots, with
    the clinical hours of a stage 2 slot.
    """
    per = slots.set_index("staff_category").reindex(list(STAFF_CATEGORIES)).fillna(0.0)
    factor = weeks["calendar_factor"].to_numpy()[:, None]
    deep_avail = per["deep_slots_per_week"].to_numpy()
    deep_total = float(deep_avail.sum())
    lent_share = deep_avail / deep_total if deep_total > 0 else np.zeros_like(deep_avail)
    lent_column = weeks["lent_slots"] if "lent_slots" in weeks else pd.Series(0.0, weeks.index)
    lent = lent_column.to_numpy()[:, None] * lent_share[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        deep_hps = np.where(deep_avail > 0, per["deep_hours_per_week"].to_numpy() / deep_avail, 0.0)
    frames = []
    for stage, prefix, sign in (("first_assessment", "first", 1.0), ("deep_start", "deep", -1.0)):
        mix = _mix(inputs, slots, stage)
        avail = per[f"{prefix}_slots_per_week"].to_numpy()
        hours = per[f"{prefix}_hours_per_week"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            hours_per_slot = np.where(avail > 0, hours / avail, np.nan)
        need = weeks[f"{prefix}_slots_needed"].to_numpy()[:, None] * mix.to_numpy()[None, :]
        base = factor * avail[None, :]
        have = base + sign * lent
        hours_have = np.nan_to_num(base * hours_per_slot[None, :]) + sign * lent * deep_hps
        n_w, n_k = need.shape
        frames.append(
            pd.DataFrame(
                {
                    "week_start": np.repeat(weeks["week_start"].to_numpy(), n_k),
                    "stage": stage,
                    "staff_category": np.tile(list(STAFF_CATEGORIES), n_w),
                    "slots_needed": need.ravel(),
                    "slots_available": have.ravel(),
                    "hours_needed": (need * hours_per_slot[None, :]).ravel(),
                    "hours_available": hours_have.ravel(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["balance_slots"] = out["slots_available"] - out["slots_needed"]
    return out


def _short_weeks(weeks: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for stage, prefix in (("first_assessment", "first"), ("deep_start", "deep")):
        bad = weeks[f"{prefix}_balance"] < -1e-9
        part = weeks.loc[bad, ["week_start", f"{prefix}_slots_needed", f"{prefix}_slots_available"]]
        part = part.set_axis(["week_start", "slots_needed", "slots_available"], axis=1)
        part.insert(1, "stage", stage)
        part["shortfall_slots"] = part["slots_needed"] - part["slots_available"]
        rows.append(part)
    return pd.concat(rows, ignore_index=True).sort_values(
        ["week_start", "stage"], ignore_index=True
    )


def number_text(value: float, digits: int, lang: str, sign: bool = False) -> str:
    """A number in a sentence: decimal comma in Swedish, point in English.

    >>> number_text(-1.25, 1, "sv"), number_text(3.0, 0, "en", sign=True)
    ('-1,2', '+3')
    """
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "sv" else text


def _messages(weeks: pd.DataFrame, short: pd.DataFrame, rule: str, lang: str) -> list[str]:
    out = [t(f"plan.buffer_rule.{rule}", lang)]
    if short.empty:
        out.append(t("plan.balanced", lang, weeks=len(weeks)))
        return out
    for stage in PLAN_STAGES:
        part = short[short["stage"] == stage]
        if part.empty:
            continue
        listed = _week_ranges(pd.DatetimeIndex(part["week_start"]), lang)
        out.append(
            t(
                "plan.short",
                lang,
                stage=t(f"plan.stage.{stage}", lang),
                n=len(part),
                total=number_text(float(part["shortfall_slots"].sum()), 0, lang),
                worst=number_text(float(part["shortfall_slots"].max()), 1, lang),
                weeks=listed,
            )
        )
    return out


def _week_ranges(weeks: pd.DatetimeIndex, lang: str) -> str:
    """ISO weeks as ranges: "2025-v01–v04, 2025-v27" (sv) or "2025-W01–W04, 2025-W27" (en).

    >>> _week_ranges(pd.date_range("2024-12-30", periods=3, freq="W-MON"), "sv")
    '2025-v01–v03'
    """
    mark = "v" if lang == "sv" else "W"
    years, numbers = iso_week(weeks)
    labels = [(int(y), int(w)) for y, w in zip(years, numbers, strict=True)]
    gaps = np.diff(np.asarray((weeks - weeks[0]).days)) != 7 if len(weeks) else np.zeros(0, bool)
    parts: list[str] = []
    start = 0
    for i in range(len(weeks)):
        if i == len(weeks) - 1 or gaps[i]:
            (y0, w0), (y1, w1) = labels[start], labels[i]
            if i == start:
                parts.append(f"{y0}-{mark}{w0:02d}")
            elif y0 == y1:
                parts.append(f"{y0}-{mark}{w0:02d}–{mark}{w1:02d}")
            else:
                parts.append(f"{y0}-{mark}{w0:02d}–{y1}-{mark}{w1:02d}")
            start = i + 1
    return ", ".join(parts)


def schedule_template(plan: Plan) -> pd.DataFrame:
    """Slots a week by kind per clinician type, in an average week of the plan.

    The plan's mean weekly slots to book per kind (first assessment,
    in-depth assessment start, treatment start, follow-up visit; no-shows
    included) shared over the staff categories by the stage's staff mix,
    and per full-time clinician (÷ the category's FTE). The rows add up to
    the plan: each kind's column sums over categories to the plan's mean.

    Columns: staff_category, fte, first_assessment, in_depth_assessment,
    treatment_start, follow_up, group_session, total, per_fte_total.
    """
    w, inp, slots = plan.weeks, plan.inputs, plan.slots
    kept = 1.0 - inp.dna_rate
    first_mix = _mix(inp, slots, "first_assessment").to_numpy()
    deep_mix = _mix(inp, slots, "deep_start").to_numpy()
    per_slot = inp.visit_cost / kept
    # stage 2 starts planned (buffer included), split into kinds as the plan splits them
    deep_planned = w["deep_slots_needed"].mean() / (
        per_slot * (1.0 + inp.follow_up_visits_per_course)
    )
    kinds = {
        "first_assessment": (w["first_slots_needed"].mean(), first_mix),
        "in_depth_assessment": (deep_planned * inp.in_depth_share * per_slot, deep_mix),
        "treatment_start": (deep_planned * (1.0 - inp.in_depth_share) * per_slot, deep_mix),
        "follow_up": (deep_planned * inp.follow_up_visits_per_course * per_slot, deep_mix),
    }
    out = pd.DataFrame({"staff_category": list(STAFF_CATEGORIES)})
    fte = slots.set_index("staff_category")["fte"].reindex(list(STAFF_CATEGORIES))
    out["fte"] = fte.to_numpy()
    for kind, (mean, mix) in kinds.items():
        out[kind] = float(mean) * mix
    out["group_session"] = float(w["group_sessions"].mean()) * deep_mix
    out["total"] = out[list(kinds)].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["per_fte_total"] = np.where(out["fte"] > 0, out["total"] / out["fte"], np.nan)
    return out


def plan_levels(plan: Plan) -> dict[str, pd.DataFrame]:
    """The plan at three levels: ``year`` (strategic), ``months`` (tactical), ``weeks`` (operational).

    Months and the year are sums of the weeks (a week belongs to the month
    of its Thursday, as ISO weeks do); ``balanced`` at a level is True when
    every week in it balances.
    """
    w = plan.weeks.copy()
    sums = [
        "referrals", "first_assessments", "in_depth_assessments", "treatment_starts",
        "follow_up_visits", "group_sessions", "first_slots_needed", "first_slots_available",
        "deep_slots_needed", "deep_slots_available", "first_balance", "deep_balance",
    ]  # fmt: skip
    w["month"] = (w["week_start"] + pd.Timedelta(days=3)).dt.to_period("M").astype(str)
    months = w.groupby("month", sort=True).agg(
        weeks=("week_start", "size"), **{c: (c, "sum") for c in sums}, balanced=("balanced", "all")
    )
    months = months.reset_index()
    year = pd.DataFrame(
        {
            "from": [w["week_start"].min().date().isoformat()],
            "to": [(w["week_start"].max() + pd.Timedelta(days=6)).date().isoformat()],
            "weeks": [len(w)],
            **{c: [float(w[c].sum())] for c in sums},
            "weeks_short": [int((~w["balanced"]).sum())],
        }
    )
    return {"year": year, "months": months, "weeks": plan.weeks}


def queue_projection(plan: Plan, start_queue: dict[str, float]) -> pd.DataFrame:
    """The queue per stage week by week if the staff's slots are used and the forecast comes true.

    A fluid (deterministic) projection: each week the queue grows by the
    patients who need the stage and shrinks by the patients the staff's
    slots can take (:func:`toolkit.unit_now.patients_per_week` of the week's
    slots available), never below zero. Random variation makes real queues
    longer than this; the simulation (:mod:`toolkit.simulate`) shows by how
    much.

    Notes
    -----
    .. math:: Q_{j,w+1} = \\max(Q_{jw} + \\lambda_{jw} - \\mu_{jw},\\ 0)

    with :math:`\\lambda_{1w} = F_w` and :math:`\\lambda_{2w} = S_w` (the
    plan's first assessments and stage 2 starts) and :math:`\\mu_{jw}` the
    patients a week the week's slots allow.

    Returns
    -------
    pandas.DataFrame
        week_start, stage, demand_per_week, capacity_per_week (patients),
        queue_end (patients waiting at the week's end).
    """
    from toolkit.unit_now import patients_per_week

    inp = plan.inputs
    terms = {
        "dna_rate": inp.dna_rate,
        "visit_cost": inp.visit_cost,
        "follow_up_visits_per_course": inp.follow_up_visits_per_course,
    }
    w = plan.weeks
    capacity = patients_per_week(
        {
            "first_assessment": w["first_slots_available"].to_numpy(dtype=float),  # type: ignore[dict-item]
            "deep_start": w["deep_slots_available"].to_numpy(dtype=float),  # type: ignore[dict-item]
        },
        terms,
    )
    demand = {
        "first_assessment": w["first_assessments"].to_numpy(dtype=float),
        "deep_start": (w["in_depth_assessments"] + w["treatment_starts"]).to_numpy(dtype=float),
    }
    frames = []
    for stage in PLAN_STAGES:
        queue = float(start_queue.get(stage, 0.0))
        ends = []
        for arriving, leaving in zip(demand[stage], np.asarray(capacity[stage]), strict=True):
            queue = max(queue + float(arriving) - float(leaving), 0.0)
            ends.append(queue)
        frames.append(
            pd.DataFrame(
                {
                    "week_start": w["week_start"].to_numpy(),
                    "stage": stage,
                    "demand_per_week": demand[stage],
                    "capacity_per_week": np.asarray(capacity[stage], dtype=float),
                    "queue_end": ends,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- from a unit


def _in_depth_share(unit: Any, default: float) -> float:
    """Share of stage 2 courses whose first stage 2 visit is an in-depth assessment (from the visits)."""
    visits = getattr(unit, "visits", None)
    if not isinstance(visits, pd.DataFrame) or visits.empty:
        return default
    v = visits[visits["visit_type"].astype(str).isin(["assessment", "treatment"])]
    if v.empty:
        return default
    first = v.sort_values("date").groupby("referral_id")["visit_type"].first().astype(str)
    return float((first == "assessment").mean())


@dataclass(frozen=True)
class PlanBasis:
    """What a unit's plan rests on, computed once (see :func:`plan_basis`).

    ``inputs``: the pathway, visit terms and targets; ``slots``: the staff's
    slots (:func:`staff_slots`) with each category's ``fte``; ``forecast``:
    the :class:`toolkit.forecast.Forecast`; ``profile``: the target profile;
    ``share_digital``: the unit's share of digital visits (for the slots a
    visit takes when the group share changes); ``freed_slots``: the slots
    with all non-clinical time freed (for :func:`plan_from_basis`'s
    ``freed_non_clinical_share``); ``start_queue``: patients waiting per
    stage at the end of the now window (:func:`toolkit.unit_now.now_figures`).
    """

    inputs: PlanInputs
    slots: pd.DataFrame
    forecast: Any
    profile: Any
    share_digital: float = 0.0
    freed_slots: pd.DataFrame | None = None
    start_queue: dict[str, float] = field(default_factory=dict)


def plan_basis(
    unit: Any,
    *,
    horizon_weeks: int = 52,
    profile: Any = "bup_30_30",
    history_start: Any = None,
    forecast_method: str = "auto",
    recent_weeks: int = 8,
    lang: str | None = None,
) -> PlanBasis:
    """A loaded unit's forecast, pathway shares, visit terms, targets and staff slots.

    The pathway shares come from :func:`toolkit.unit_now.now_figures` over
    its window (first assessments per referral: the first stage's demand ÷
    referrals a week in the window; stage 2 starts per first assessment:
    the second stage's demand ÷ the first's), the visit terms from its
    capacity terms, the share starting with an in-depth assessment from the
    visits, the slots from :func:`toolkit.simulate.capacity_from_staff`
    (as the staff are, and with all non-clinical time freed), the targets
    from ``profile``.
    Raises :class:`toolkit.errors.ParameterError` when the unit has no
    referrals or no staff table.
    """
    from toolkit import forecast as fc
    from toolkit import simulate, targets, unit_now
    from toolkit.capacity import default as cap_default

    lang = check_language(lang)
    if getattr(unit, "kind", None) != "events" or not unit.has("staff"):
        raise ParameterError("plan.needs_events_and_staff", argument="unit", lang=lang)
    prof = targets.load_profile(profile) if isinstance(profile, str) else profile
    now = unit_now.now_figures(unit, profile=prof, lang=lang)
    counts = fc.weekly_counts(unit.referrals, start=history_start, end=now.window.end)
    forecast = fc.forecast_referrals(
        counts["all"], horizon_weeks=horizon_weeks, method=forecast_method,
        recent_weeks=recent_weeks, lang=lang,
    )  # fmt: skip
    by_stage = now.by_stage()
    in_window = counts["all"].loc[now.window.start : now.window.end]
    arrivals = float(in_window.mean()) if len(in_window) else math.nan
    d1 = float(by_stage["first_assessment"]["demand_per_week"])
    d2 = float(by_stage["deep_start"]["demand_per_week"])
    terms = dict(now.capacity_terms)
    slots = staff_slots(simulate.capacity_from_staff(unit, lang=lang))
    slots["fte"] = _fte(unit).to_numpy()
    freed = staff_slots(simulate.capacity_from_staff(unit, freed_non_clinical_share=1.0, lang=lang))
    freed["fte"] = slots["fte"]
    inputs = PlanInputs(
        first_share=min(max(d1 / arrivals, 0.0), 1.0) if arrivals > 0 else 1.0,
        deep_share=min(max(d2 / d1, 0.0), 1.0) if d1 > 0 else 0.0,
        in_depth_share=_in_depth_share(unit, float(cap_default("share_deep_in_depth_assessment"))),
        follow_up_visits_per_course=float(terms.get("follow_up_visits_per_course", 0.0)),
        visit_cost=float(terms.get("visit_cost", 1.0)),
        dna_rate=float(terms.get("dna_rate", 0.0)),
        share_group=float(terms.get("share_group", 0.0)),
        group_size=float(cap_default("group_size")),
        target_wait_weeks={s: prof.stages[s].target_days / 7.0 for s in PLAN_STAGES},
        share_within={s: prof.stages[s].share_within for s in PLAN_STAGES},
        cv_demand={s: float(by_stage[s]["cv_demand"]) for s in PLAN_STAGES},
        cv_capacity={s: float(by_stage[s]["cv_capacity"]) for s in PLAN_STAGES},
    )
    queue = {s: float(by_stage[s]["queue_size"]) for s in PLAN_STAGES}
    share_digital = float(terms.get("share_digital", 0.0))
    return PlanBasis(inputs, slots, forecast, prof, share_digital, freed, queue)


def plan_from_basis(
    basis: PlanBasis,
    *,
    fte: dict[str, float] | None = None,
    added_fte: dict[str, float] | None = None,
    freed_non_clinical_share: float = 0.0,
    share_group: float | None = None,
    share_digital: float | None = None,
    target_days: dict[str, float] | None = None,
    share_within: dict[str, float] | None = None,
    buffer_rule: str = "kingman",
    summer_leave_weeks: float = DEFAULT_SUMMER_LEAVE_WEEKS,
    priority_rule: str = "fcfs",
    lang: str | None = None,
) -> Plan:
    """The plan from a :class:`PlanBasis`, with the coach's changes (fast: no data read again).

    Parameters
    ----------
    fte : mapping staff category -> float, optional
        FTE in post per category instead of the unit's (≥ 0). A category's
        slots scale with its FTE: the capacity chain is linear in FTE at
        the category's hours per FTE (:func:`toolkit.capacity.staff_hours`
        :math:`C_k = \\sum f_i h_i`, then :func:`~toolkit.capacity.clinical_hours`
        and :func:`~toolkit.capacity.appointments_per_week` multiply by
        shares), as :func:`toolkit.capacity.change_effect` adds FTE. A
        category with no one in post takes 40 h a week per FTE and the
        default shares (not modelled here: give it at least some FTE in the
        staff table).
    added_fte : mapping staff category -> float, optional
        FTE added (negative: lost) per category, on top of ``fte`` or the
        unit's (as the capacity plan's ``added_fte``); the result must be ≥ 0.
    freed_non_clinical_share : float, default 0
        Share of the non-clinical hours turned into clinical hours (0–1), as
        in :func:`toolkit.capacity.change_effect`. Clinical hours
        :math:`C(1-a)(1-n(1-\\varphi))` are linear in :math:`\\varphi`, and
        slots linear in clinical hours, so the slots are those of the basis
        plus :math:`\\varphi` times the difference to the slots with all
        non-clinical time freed (both from the capacity module).
    share_group, share_digital : float, optional
        Share of stage 2 visits held in groups, and digitally (0–1; None
        keeps the unit's); the slots a visit takes follow
        (:meth:`toolkit.simulate.Scenario.visit_cost`).
    target_days, share_within : mapping per stage, optional
        Targets instead of the profile's.
    buffer_rule, summer_leave_weeks, priority_rule, lang
        As in :func:`production_plan`.

    Notes
    -----
    The cost is :func:`toolkit.capacity.cost_table`'s: FTE × cost of a
    full-time post a year per category (monthly salary × 12 × (1 +
    payroll overhead), ``toolkit/data/capacity_defaults.yaml``), so adding
    :math:`\\Delta f` FTE of a category changes it by :math:`\\Delta f` times
    that category's figure; freed time, formats and priority rules cost
    nothing here.
    """
    lang = check_language(lang)
    phi = checks.share("freed_non_clinical_share", freed_non_clinical_share, lang)
    slots = _slots_freed(basis, phi)
    fte = _fte_with_added(slots, fte, added_fte, lang)
    if fte:
        _scale_to_fte(slots, fte, lang)
    inputs = _inputs_changed(
        basis, share_group=share_group, share_digital=share_digital,
        target_days=target_days, share_within=share_within, lang=lang,
    )  # fmt: skip
    forecast = basis.forecast
    future = (
        forecast.future
        if forecast.ok
        else pd.DataFrame({"week_start": pd.DatetimeIndex([]), "forecast": []})
    )
    plan = production_plan(
        future, slots, inputs, buffer_rule=buffer_rule,
        summer_leave_weeks=summer_leave_weeks, priority_rule=priority_rule, lang=lang,
    )  # fmt: skip
    messages = forecast.messages + (plan.messages if forecast.ok else ())
    return Plan(
        plan.weeks, plan.by_category, plan.short_weeks, inputs, buffer_rule, slots,
        messages, forecast, _cost_per_year(slots, lang), priority_rule,
    )  # fmt: skip


def _slots_freed(basis: PlanBasis, phi: float) -> pd.DataFrame:
    """A copy of the basis's slots with the share ``phi`` of the non-clinical time freed.

    Slots are linear in :math:`\\varphi`: those of the basis plus
    :math:`\\varphi` times the difference to the slots with all of it freed.
    """
    slots = basis.slots.copy()
    if phi > 0 and basis.freed_slots is not None:
        for column in [c for c in slots.columns if c.endswith("_per_week")]:
            base = slots[column].to_numpy(dtype=float)
            slots[column] = base + phi * (basis.freed_slots[column].to_numpy(dtype=float) - base)
    return slots


def _fte_with_added(
    slots: pd.DataFrame,
    fte: dict[str, float] | None,
    added_fte: dict[str, float] | None,
    lang: str,
) -> dict[str, float] | None:
    """FTE per category wanted: ``fte`` (or the slots' own) plus ``added_fte``; ``fte`` when none added.

    Raises :class:`~toolkit.errors.ParameterError` for an unknown category or a number that is not finite.
    """
    if not added_fte:
        return fte
    current = {**dict(zip(slots["staff_category"], slots["fte"], strict=True)), **(fte or {})}
    for category, value in added_fte.items():
        v = float(value)
        if category not in STAFF_CATEGORIES or not math.isfinite(v):
            raise checks.range_error(f"added_fte[{category}]", value, "≥ −FTE", lang)
        current[category] = float(current.get(category, 0.0)) + v
    return {k: v for k, v in current.items() if k in STAFF_CATEGORIES}


def _scale_to_fte(slots: pd.DataFrame, fte: dict[str, float], lang: str) -> None:
    """Scale each category's slots and hours (in place) by its new FTE over its old.

    A category with no FTE before keeps its slots when it still has none and
    gets none otherwise. Raises :class:`~toolkit.errors.ParameterError` for an
    unknown category or an FTE below 0.
    """
    for category, value in fte.items():
        v = float(value)
        if category not in STAFF_CATEGORIES or not math.isfinite(v) or v < -1e-9:
            raise checks.range_error(f"fte[{category}]", value, "≥ 0", lang)
    old = slots["fte"].to_numpy(dtype=float)
    new = slots["staff_category"].map(fte).to_numpy(dtype=float)
    new = np.maximum(np.where(np.isnan(new), old, new), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(old > 0, new / old, np.where(new == old, 1.0, 0.0))
    for column in [c for c in slots.columns if c.endswith("_per_week")]:
        slots[column] = slots[column].to_numpy(dtype=float) * ratio
    slots["fte"] = new


def _inputs_changed(
    basis: PlanBasis,
    *,
    share_group: float | None,
    share_digital: float | None,
    target_days: dict[str, float] | None,
    share_within: dict[str, float] | None,
    lang: str,
) -> PlanInputs:
    """The basis's inputs with the group and digital shares (and so the visit cost) and targets given.

    Raises :class:`~toolkit.errors.ParameterError` for a share outside 0–1 or
    group and digital shares adding up to more than 1.
    """
    from toolkit import simulate

    inputs = basis.inputs
    changes: dict[str, Any] = {}
    if share_group is not None or share_digital is not None:
        group = checks.share(
            "share_group", inputs.share_group if share_group is None else share_group, lang
        )
        digital = checks.share(
            "share_digital", basis.share_digital if share_digital is None else share_digital, lang
        )
        if group + digital > 1 + 1e-9:
            raise checks.range_error(
                "share_group + share_digital", round(group + digital, 6), "0–1", lang
            )
        changes["share_group"] = group
        changes["visit_cost"] = simulate.Scenario(
            share_group=group, share_digital=digital
        ).visit_cost()
    if target_days:
        changes["target_wait_weeks"] = {
            **inputs.target_wait_weeks, **{s: float(d) / 7.0 for s, d in target_days.items()}
        }  # fmt: skip
    if share_within:
        changes["share_within"] = {**inputs.share_within, **share_within}
    return replace(inputs, **changes) if changes else inputs


def _cost_per_year(slots: pd.DataFrame, lang: str) -> float:
    """The staff's cost a year in SEK (:func:`toolkit.capacity.cost_table`'s total)."""
    from toolkit.capacity import cost_table

    costs = cost_table(
        pd.DataFrame(
            {
                "staff_category": slots["staff_category"],
                "fte": slots["fte"],
                "clinical_hours_per_week": slots["first_hours_per_week"]
                + slots["deep_hours_per_week"],
            }
        ),
        lang=lang,
    )
    total = costs["staff_category"].astype(str) == "total"
    return float(costs.loc[total, "cost_per_year_sek"].sum())


#: The decision options of :func:`decision_effects`, in the capacity plan's order.
DECISION_OPTIONS: tuple[str, ...] = ("now", "staff", "admin", "formats", "priority", "all")


def decision_effects(
    basis: PlanBasis,
    *,
    fte: dict[str, float] | None = None,
    added_fte: dict[str, float] | None = None,
    freed_non_clinical_share: float = 0.0,
    share_group: float | None = None,
    share_digital: float | None = None,
    priority_rule: str = "fcfs",
    target_days: dict[str, float] | None = None,
    buffer_rule: str = "kingman",
    summer_leave_weeks: float = DEFAULT_SUMMER_LEAVE_WEEKS,
    now: Plan | None = None,
    current: Plan | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """What each decision for balance does to the plan, the queue projection and the cost.

    The options are the capacity plan's (:func:`toolkit.report.capacity_plan`):
    staff (``fte`` or ``added_fte``), freed administration
    (``freed_non_clinical_share``), group and digital care (``share_group``,
    ``share_digital``) and a priority rule (``priority_rule``). Each option
    given is applied alone to the unit as it is (:func:`plan_from_basis`),
    then all together; the first row is the unit as it is. The targets,
    buffer rule and summer leave are the same in every row. ``now``: the
    plan of the unit as it is with these targets, buffer and leave, and
    ``current`` the plan with every decision given, when the caller has them
    already (a workbook keeps the first and has just made the second): they
    are used for the first and the last row instead of planning again.

    Returns
    -------
    pandas.DataFrame
        One row per option (``now``, then those given of ``staff``,
        ``admin``, ``formats``, ``priority``, and ``all`` when more than one
        is given): option, label (in ``lang``), first_slots_available,
        deep_slots_available (mean slots a week), clinical_hours_per_week,
        weeks_short (weeks in which a stage does not balance),
        shortfall_slots (slots short, summed over weeks and stages),
        queue_end_first, queue_end_deep (patients waiting at the plan's end,
        :func:`queue_projection` from the queues now), cost_per_year_sek and
        cost_change_per_year_sek (against ``now``). ``attrs["plans"]`` holds
        the :class:`Plan` of each row.

    Notes
    -----
    Adding :math:`\\Delta f` FTE of category :math:`k` adds
    :math:`\\Delta f\\,h_k(1-a_k)(1-n_k)` clinical hours a week
    (:math:`h_k` hours per FTE, :math:`a_k` absence, :math:`n_k`
    non-clinical share: :func:`toolkit.capacity.clinical_hours`) and
    :math:`\\Delta f` times the category's cost of a full-time post a year.
    """
    lang = check_language(lang)
    common: dict[str, Any] = {
        "target_days": target_days,
        "buffer_rule": buffer_rule,
        "summer_leave_weeks": summer_leave_weeks,
        "lang": lang,
    }
    options: list[tuple[str, dict[str, Any]]] = [("now", {})]
    if fte or added_fte:
        options.append(("staff", {"fte": fte, "added_fte": added_fte}))
    if freed_non_clinical_share:
        options.append(("admin", {"freed_non_clinical_share": freed_non_clinical_share}))
    if share_group is not None or share_digital is not None:
        options.append(("formats", {"share_group": share_group, "share_digital": share_digital}))
    if priority_rule != "fcfs":
        options.append(("priority", {"priority_rule": priority_rule}))
    if len(options) > 2:
        combined: dict[str, Any] = {}
        for _key, kw in options[1:]:
            combined.update(kw)
        options.append(("all", combined))
    rows, plans = [], {}
    last = options[-1][0]
    for key, kw in options:
        if key == "now" and now is not None:
            plan = now
        elif key == last and current is not None:
            plan = current
        else:
            plan = plan_from_basis(basis, **kw, **common)
        plans[key] = plan
        w = plan.weeks
        ends = {"first_assessment": math.nan, "deep_start": math.nan}
        if basis.start_queue and not w.empty:
            q = queue_projection(plan, basis.start_queue)
            ends = {str(s): float(v) for s, v in q.groupby("stage")["queue_end"].last().items()}
        rows.append(
            {
                "option": key,
                "label": t(
                    f"plan.option.{key}"
                    if key in ("now", "priority")
                    else f"report.plan.option.{key}",
                    lang,
                ),
                "first_slots_available": float(w["first_slots_available"].mean()),
                "deep_slots_available": float(w["deep_slots_available"].mean()),
                "clinical_hours_per_week": float(
                    (plan.slots["first_hours_per_week"] + plan.slots["deep_hours_per_week"]).sum()
                ),
                "weeks_short": int((~w["balanced"]).sum()),
                "shortfall_slots": float(plan.short_weeks["shortfall_slots"].sum()),
                "queue_end_first": ends["first_assessment"],
                "queue_end_deep": ends["deep_start"],
                "cost_per_year_sek": plan.cost_per_year_sek,
            }
        )
    out = pd.DataFrame(rows)
    out["cost_change_per_year_sek"] = out["cost_per_year_sek"] - out["cost_per_year_sek"].iloc[0]
    out.attrs["plans"] = plans
    return out


def unit_plan(
    unit: Any,
    *,
    horizon_weeks: int = 52,
    profile: Any = "bup_30_30",
    history_start: Any = None,
    forecast_method: str = "auto",
    recent_weeks: int = 8,
    fte: dict[str, float] | None = None,
    freed_non_clinical_share: float = 0.0,
    share_group: float | None = None,
    target_days: dict[str, float] | None = None,
    buffer_rule: str = "kingman",
    summer_leave_weeks: float = DEFAULT_SUMMER_LEAVE_WEEKS,
    lang: str | None = None,
) -> Plan:
    """The production plan of a loaded unit: :func:`plan_basis` then :func:`plan_from_basis`.

    When the forecast cannot be made the plan has no weeks and its messages
    say why and which fallback the coach can choose.
    """
    basis = plan_basis(
        unit, horizon_weeks=horizon_weeks, profile=profile, history_start=history_start,
        forecast_method=forecast_method, recent_weeks=recent_weeks, lang=lang,
    )  # fmt: skip
    return plan_from_basis(
        basis, fte=fte, freed_non_clinical_share=freed_non_clinical_share,
        share_group=share_group, target_days=target_days,
        buffer_rule=buffer_rule, summer_leave_weeks=summer_leave_weeks, lang=lang,
    )  # fmt: skip


def _fte(unit: Any) -> pd.Series:
    """FTE in post per staff category on the unit's extract date (schema order)."""
    from toolkit.capacity import staff_hours

    table = staff_hours(unit.staff, on=unit.extract_date).set_index("staff_category")["fte"]
    return pd.Series(list(STAFF_CATEGORIES)).map(table).fillna(0.0).astype(float)
