"""A fast stochastic model of the two-stage BUP pathway, for "what if" questions.

Patients of a few need classes (default ``urgent``, ``high``, ``routine``)
wait for a **first assessment** (stage 1, ``first_assessment``); a share of
them go on to wait for an **in-depth assessment or treatment** (stage 2,
``deep_start``), whose course of follow-up visits then takes a share of stage
2's capacity for some weeks. Each week (or each of ``steps_per_week`` steps)
new referrals arrive, capacity varies, no-shows waste booked slots, and a
priority rule decides who is booked first.

The model counts cohorts, not patients: the state is, for every replication,
stage and need class, the number waiting by the step they joined the queue.
All replications advance together with numpy, so 1 000 replications of two
years take a fraction of a second, and the memory does not depend on how long
the queue grows (a scenario with a load far above 1 still returns, and the
growth shows in the queue columns).

* :class:`Scenario` -- the parameters, a frozen dataclass with units in the
  field names and documented defaults.
* :func:`run` -- the weekly table per stage and need class, with the spread
  across replications; :func:`summary` -- one row per stage and class;
  :func:`compare` -- several scenarios side by side.
* :func:`simulate` -- the raw per-replication arrays (for checks and
  custom statistics).
* :func:`calibrate` -- a scenario that starts from a loaded unit's own
  arrivals, capacity and queues; capacity observed, or from staff hours with
  :func:`capacity_from_staff`.

See ``docs/simulation.md`` for the model, its assumptions and its validation
against queueing theory and the ``ciw`` library.

Examples
--------
>>> sc = Scenario(arrivals_per_week={"urgent": 1, "high": 3, "routine": 16},
...               capacity_first_per_week=23, priority_rule="need")
>>> weekly = run(sc, weeks=52, replications=200, seed=1)
>>> sorted(weekly.columns[:3])
['need_class', 'stage', 'week']
>>> table = summary(weekly, last_weeks=13)
>>> wait = table.set_index(["stage", "need_class"])["wait_mean_weeks"]
>>> bool(wait["first_assessment", "urgent"] < wait["first_assessment", "routine"])
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t

__all__ = [
    "MAX_REPLICATION_STEPS",
    "RULES",
    "STAGES",
    "PatientLevel",
    "RawRun",
    "Scenario",
    "ServedWaits",
    "StaffCapacity",
    "calibrate",
    "capacity_from_staff",
    "compare",
    "run",
    "simulate",
    "summary",
    "table",
]

#: The two stages of the pathway, named as in the target profiles.
STAGES: tuple[str, ...] = ("first_assessment", "deep_start")
#: The priority rules (see :class:`Scenario`, ``priority_rule``).
RULES: tuple[str, ...] = ("fcfs", "need", "first_visit_first", "reserved", "longest_wait")
#: Seasonality patterns of the arrivals.
SEASONALITY: tuple[str, ...] = ("none", "school_year")
#: Capacity models: bookable slots (the pathway) or busy servers (M/M/c validation).
CAPACITY_MODELS: tuple[str, ...] = ("slots", "servers")
#: Label of the rows that pool all need classes.
ALL_CLASSES = "all"
#: Weeks in the model's year (ISO week 53 is folded into week 52's pattern).
WEEKS_PER_YEAR = 52
#: Largest memory a run may need, in bytes (the issue's limit: 1 GB).
MEMORY_LIMIT_BYTES = 1_000_000_000
#: Largest weeks × replications × steps_per_week of one run: bounds the weekly
#: arrays (about 0.6 kB per replication-week with three classes) and the time (one
#: step of all replications takes a few microseconds per replication).
MAX_REPLICATION_STEPS = 20_000_000
#: Upper limit of arrivals per week and class: keeps counts far from integer overflow.
MAX_ARRIVALS_PER_WEEK = 100_000.0
#: Longest spread of a start queue given as a count, in weeks (ten years).
MAX_START_SPREAD_WEEKS = 520

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _default_target(stage: str) -> float:
    from toolkit.targets import load_profile

    return float(load_profile("bup_30_30").stages[stage].target_days)


# ============================================================================
# Section: the scenario
# ============================================================================


@dataclass(frozen=True)
class Scenario:
    """The parameters of one "what if": arrivals, capacity, rules and start queues.

    All rates are per week; all shares are between 0 and 1. Mappings are keyed
    by need class (the names in ``classes``); a class missing from a mapping
    gets 0 (for ``share_to_deep`` see there).

    Parameters
    ----------
    name : str, default "scenario"
        Label used by :func:`compare`.
    classes : tuple of str, default ("urgent", "high", "routine")
        Need classes, **highest need first**: the order used by the ``need``
        rule and to break ties.
    arrivals_per_week : mapping class -> float, default 1 / 3 / 16
        Mean referrals a week that need a first assessment (the level at the
        start of the run). 0 to 100 000.
    trend_per_year : float, default 0
        Relative growth of arrivals a year (0.1 = +10 % a year, compounded);
        above -1.
    seasonality : {"school_year", "none"}, default "school_year"
        ``school_year``: fewer referrals in the summer holiday (ISO weeks
        27-32), most in the autumn term (a cosine peaking in week 42),
        scaled so the pattern's mean is 1 and its largest deviation is
        ``seasonal_amplitude``.
    seasonal_amplitude : float, default 0.2
        Largest relative deviation of the seasonal pattern (0-1).
    arrival_extra_cv : float, default 0.1
        Week-to-week variation beyond Poisson: the weekly rate is multiplied
        by a gamma variable with mean 1 and this coefficient of variation
        (0 = pure Poisson arrivals). 0-2.
    capacity_first_per_week : float, default 23
        Appointment slots a week for first assessments (before holidays and
        no-shows). Take it from staff hours with ``toolkit.capacity``
        (``appointments_per_week``) or from :func:`calibrate`.
    capacity_deep_per_week : float, default 105
        Clinician visit slots a week for stage 2: in-depth assessment or
        treatment starts and the follow-up visits of courses under way.
    capacity_extra_cv : float, default 0.1
        Variation of weekly capacity beyond Poisson (sickness, meetings), as
        for ``arrival_extra_cv``. 0-2.
    holiday_weeks : tuple of int, default (28, 29, 30, 31, 52)
        ISO weeks with reduced capacity (1-53).
    holiday_capacity_factor : float, default 0.5
        Share of capacity left in a holiday week (0-1).
    start_week_of_year : int, default 1
        ISO week of the first simulated week (1-53), for seasonality and
        holidays.
    dna_rate : float, default 0.05
        Share of booked appointments not attended (did not attend, DNA). The
        slot is wasted and the patient stays in the queue. The default is
        ``toolkit.capacity``'s (CAPA audit, 5 %). 0 to below 1.
    share_to_deep : mapping class -> float, default {}
        Share of first assessments that lead to stage 2 (0-1); the others
        leave the pathway. A class not given gets 0.9 (``urgent``), 0.8
        (``high``), 0.6 (``routine``) or 0.7 (any other name).
    follow_up_visits_per_course : float, default 6
        Follow-up visits after a stage 2 start (0 or more). They are booked
        ahead and take stage 2 capacity before any new start.
    follow_up_weeks : int, default 12
        Weeks over which a course's follow-up visits are spread evenly (1-520).
    share_group : float, default 0
        Share of stage 2 visits held as group sessions (0-1).
    group_size : float, default 6
        Patients per group session (at least 1).
    group_clinicians : float, default 2
        Clinicians per group session (above 0).
    share_digital : float, default 0
        Share of stage 2 visits held digitally (0-1); ``share_group +
        share_digital`` at most 1.
    digital_time_factor : float, default 0.9
        Clinician time of a digital visit relative to a physical one (above
        0).
    priority_rule : str, default "fcfs"
        Who is booked first, within a stage:

        ``fcfs``
            the longest waiting first, whatever the class.
        ``need``
            strict need order (``classes``' order), then the longest waiting.
        ``first_visit_first``
            as ``fcfs`` within each stage, and stage 1 patients who would
            otherwise pass their target next step take stage 2 slots (before
            stage 2 patients get them).
        ``reserved``
            each class has ``reserved_shares`` of the capacity; what a class
            does not use, and the unreserved rest, go to the longest waiting
            of any class.
        ``longest_wait``
            most overdue first: weeks waited minus the class's target.
    reserved_shares : mapping class -> float, default {}
        Share of each stage's capacity reserved per class for ``reserved``
        (sum at most 1).
    start_queue_first, start_queue_deep : mapping class -> int or sequence of int, default {}
        The queue at the start. A count is spread evenly over the last
        ``count / arrivals`` weeks (the ages a first-come-first-served queue
        fed at today's rate would have); a sequence gives the number who have
        waited 0, 1, 2, ... whole weeks.
    start_courses_deep : int or sequence of int, default 0
        Courses of in-depth assessment/treatment under way at the start,
        whose follow-up visits take stage 2 slots in the first weeks: a
        sequence gives the courses started 0, 1, 2, ... whole weeks before the
        start (at most ``follow_up_weeks`` of them count); a count is spread
        evenly over the last ``follow_up_weeks``. With 0 the run starts with
        no course under way, so in the first weeks every stage 2 slot goes to
        a new start (:func:`calibrate` gives the unit's own).
    target_days_first, target_days_deep : float, default from profile ``bup_30_30`` (30 and 30)
        Waiting-time targets in days for ``share_within_target``.
    class_target_days : mapping class -> float, default {}
        A class's own target in days (both stages), for ``longest_wait`` and
        ``share_within_target``; classes not given use the stage targets.
    capacity_model : {"slots", "servers"}, default "slots"
        ``slots``: capacity is bookable slots a week, drawn as Poisson around
        the level. ``servers``: ``servers_first``/``servers_deep`` servers, each
        finishing a patient with probability ``capacity / (servers *
        steps_per_week)`` a step while busy -- the discrete-time M/M/c
        used for validation (no follow-ups, no no-shows). As in ``slots``,
        the queue is those waiting for their appointment (service) to start
        and the wait runs to that start (the queueing delay :math:`W_q`);
        those in service are counted in :attr:`RawRun.in_service`.
    servers_first, servers_deep : int, default 1
        Number of servers in the ``servers`` model (at least 1).

    Examples
    --------
    >>> sc = Scenario(arrivals_per_week={"routine": 10}, classes=("routine",),
    ...               share_to_deep={"routine": 0.5})
    >>> sc.target_days_first
    30.0
    >>> Scenario(dna_rate=1.2)
    Traceback (most recent call last):
    ...
    toolkit.errors.ParameterError: dna_rate = 1,2 ligger utanför det tillåtna intervallet 0–1 (under 1).
    """

    name: str = "scenario"
    classes: tuple[str, ...] = ("urgent", "high", "routine")
    arrivals_per_week: Mapping[str, float] = field(
        default_factory=lambda: {"urgent": 1.0, "high": 3.0, "routine": 16.0}
    )
    trend_per_year: float = 0.0
    seasonality: str = "school_year"
    seasonal_amplitude: float = 0.2
    arrival_extra_cv: float = 0.1
    capacity_first_per_week: float = 23.0
    capacity_deep_per_week: float = 105.0
    capacity_extra_cv: float = 0.1
    holiday_weeks: tuple[int, ...] = (28, 29, 30, 31, 52)
    holiday_capacity_factor: float = 0.5
    start_week_of_year: int = 1
    dna_rate: float = 0.05
    share_to_deep: Mapping[str, float] = field(default_factory=dict)
    follow_up_visits_per_course: float = 6.0
    follow_up_weeks: int = 12
    share_group: float = 0.0
    group_size: float = 6.0
    group_clinicians: float = 2.0
    share_digital: float = 0.0
    digital_time_factor: float = 0.9
    priority_rule: str = "fcfs"
    reserved_shares: Mapping[str, float] = field(default_factory=dict)
    start_queue_first: Mapping[str, int | Sequence[int]] = field(default_factory=dict)
    start_queue_deep: Mapping[str, int | Sequence[int]] = field(default_factory=dict)
    start_courses_deep: int | Sequence[int] = 0
    target_days_first: float = field(default_factory=lambda: _default_target("first_assessment"))
    target_days_deep: float = field(default_factory=lambda: _default_target("deep_start"))
    class_target_days: Mapping[str, float] = field(default_factory=dict)
    capacity_model: str = "slots"
    servers_first: int = 1
    servers_deep: int = 1

    def __post_init__(self) -> None:
        _validate(self)

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The fields as plain Python values (for ``DataFrame.attrs`` and reports)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = {k: (list(v) if isinstance(v, Sequence) else v) for k, v in value.items()}
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    # -- derived quantities -------------------------------------------------

    def visit_cost(self) -> float:
        """Clinician slots one stage 2 patient-visit takes, given the formats.

        Notes
        -----
        .. math:: c = (1 - g - d) + g \\frac{n_c}{n_g} + d f_d

        with :math:`g` = ``share_group``, :math:`d` = ``share_digital``,
        :math:`n_c` = ``group_clinicians``, :math:`n_g` = ``group_size`` and
        :math:`f_d` = ``digital_time_factor`` (all without unit); the same
        model as ``toolkit.capacity.appointments_per_week``.

        >>> Scenario(share_group=0.3, group_size=6, group_clinicians=2).visit_cost()
        0.8
        """
        g, d = self.share_group, self.share_digital
        cost = (1 - g - d) + g * self.group_clinicians / self.group_size
        return round(cost + d * self.digital_time_factor, 12)

    def target_days(self) -> dict[str, dict[str, float]]:
        """Target in days per stage and class (class targets override stage targets)."""
        stage_targets = {
            "first_assessment": self.target_days_first,
            "deep_start": self.target_days_deep,
        }
        return {
            s: {k: float(self.class_target_days.get(k, stage_targets[s])) for k in self.classes}
            for s in STAGES
        }

    def load(self) -> dict[str, float]:
        """Mean demand over mean capacity per stage over a year (above 1: the queue grows).

        Notes
        -----
        .. math:: \\rho_1 = \\frac{\\sum_k \\lambda_k}{(1 - p_{DNA})\\, \\bar h\\, C_1},
                  \\qquad
                  \\rho_2 = \\frac{c \\sum_k \\lambda_k s_k (1 + v)}
                                  {(1 - p_{DNA})\\, \\bar h\\, C_2}

        with :math:`\\lambda_k` arrivals a week of class :math:`k`,
        :math:`s_k` its share to stage 2, :math:`v` follow-up visits per
        course, :math:`c` the slots per visit (:meth:`visit_cost`),
        :math:`\\bar h` the mean holiday factor over a year and :math:`C_1,
        C_2` the slots a week. Trend and seasonality are left out.

        >>> Scenario(holiday_weeks=(), dna_rate=0.0, arrivals_per_week={"routine": 20},
        ...          classes=("routine",), capacity_first_per_week=25).load()["first_assessment"]
        0.8
        """
        lam = np.array([self.arrivals_per_week.get(k, 0.0) for k in self.classes], dtype=float)
        share = np.array([_share_to_deep(self, k) for k in self.classes], dtype=float)
        n_holiday = len({w if w < 53 else 52 for w in self.holiday_weeks})
        h = 1 - n_holiday / WEEKS_PER_YEAR * (1 - self.holiday_capacity_factor)
        servers = self.capacity_model == "servers"
        kept = 1.0 if servers else (1 - self.dna_rate)
        follow = 0.0 if servers else self.follow_up_visits_per_course
        cost = 1.0 if servers else self.visit_cost()
        d1, d2 = float(lam.sum()), cost * float((lam * share).sum()) * (1 + follow)
        c1, c2 = kept * h * self.capacity_first_per_week, kept * h * self.capacity_deep_per_week
        return {
            "first_assessment": round(_ratio(d1, c1), 12),
            "deep_start": round(_ratio(d2, c2), 12),
        }


_DEFAULT_SHARE_TO_DEEP = {"urgent": 0.9, "high": 0.8, "routine": 0.6}


def _share_to_deep(sc: Scenario, k: str) -> float:
    if k in sc.share_to_deep:
        return float(sc.share_to_deep[k])
    return _DEFAULT_SHARE_TO_DEEP.get(k, 0.7)


def _ratio(a: float, b: float) -> float:
    if b > 0:
        return a / b
    return 0.0 if a == 0 else math.inf


def _range_error(name: str, value: Any, allowed: str) -> ParameterError:
    return ParameterError("common.param_range", argument=name, value=value, allowed=allowed)


def _number(
    name: str,
    value: Any,
    low: float,
    high: float,
    allowed: str,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(
            "common.param_type", argument=name, expected="number", got=type(value).__name__
        )
    x = float(value)
    bad = (
        not math.isfinite(x)
        or x < low
        or x > high
        or (low_open and x == low)
        or (high_open and x == high)
    )
    if bad:
        raise _range_error(name, value, allowed)
    return x


def _integer(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(
            "common.param_type", argument=name, expected="integer", got=type(value).__name__
        )
    if not low <= int(value) <= high:
        raise _range_error(name, value, f"{low}–{high}")
    return int(value)


def _check_mapping(
    sc: Scenario, name: str, low: float, high: float, allowed: str
) -> dict[str, float]:
    mapping = getattr(sc, name)
    if not isinstance(mapping, Mapping):
        raise ParameterError(
            "common.param_type",
            argument=name,
            expected="mapping class -> number",
            got=type(mapping).__name__,
        )
    out = {}
    for k, v in mapping.items():
        if k not in sc.classes:
            raise ParameterError(
                "simulate.unknown_class", argument=name, value=k, allowed=", ".join(sc.classes)
            )
        out[k] = _number(f"{name}[{k!r}]", v, low, high, allowed)
    return out


def _validate(sc: Scenario) -> None:
    if (
        not isinstance(sc.classes, tuple)
        or not sc.classes
        or not all(isinstance(k, str) and k for k in sc.classes)
    ):
        raise ParameterError(
            "common.param_type",
            argument="classes",
            expected="tuple of class names",
            got=repr(sc.classes),
        )
    if len(set(sc.classes)) != len(sc.classes) or ALL_CLASSES in sc.classes:
        raise _range_error("classes", sc.classes, f"distinct names other than {ALL_CLASSES!r}")
    lam = _check_mapping(
        sc, "arrivals_per_week", 0, MAX_ARRIVALS_PER_WEEK, f"0–{MAX_ARRIVALS_PER_WEEK:.0f}"
    )
    _number("trend_per_year", sc.trend_per_year, -1, 10, "-1–10 (above -1)", low_open=True)
    if sc.seasonality not in SEASONALITY:
        raise ParameterError(
            "common.param_choice",
            argument="seasonality",
            value=sc.seasonality,
            allowed=", ".join(SEASONALITY),
        )
    _number("seasonal_amplitude", sc.seasonal_amplitude, 0, 1, "0–1")
    _number("arrival_extra_cv", sc.arrival_extra_cv, 0, 2, "0–2")
    _number("capacity_extra_cv", sc.capacity_extra_cv, 0, 2, "0–2")
    c1 = _number("capacity_first_per_week", sc.capacity_first_per_week, 0, 1e6, "0–1000000")
    c2 = _number("capacity_deep_per_week", sc.capacity_deep_per_week, 0, 1e6, "0–1000000")
    if not isinstance(sc.holiday_weeks, tuple):
        raise ParameterError(
            "common.param_type",
            argument="holiday_weeks",
            expected="tuple of ISO weeks",
            got=type(sc.holiday_weeks).__name__,
        )
    for w in sc.holiday_weeks:
        _integer("holiday_weeks", w, 1, 53)
    _number("holiday_capacity_factor", sc.holiday_capacity_factor, 0, 1, "0–1")
    _integer("start_week_of_year", sc.start_week_of_year, 1, 53)
    _number("dna_rate", sc.dna_rate, 0, 1, "0–1 (under 1)", high_open=True)
    share = _check_mapping(sc, "share_to_deep", 0, 1, "0–1")
    _number("follow_up_visits_per_course", sc.follow_up_visits_per_course, 0, 1000, "0–1000")
    _integer("follow_up_weeks", sc.follow_up_weeks, 1, 520)
    g = _number("share_group", sc.share_group, 0, 1, "0–1")
    d = _number("share_digital", sc.share_digital, 0, 1, "0–1")
    if g + d > 1 + 1e-12:
        raise ParameterError(
            "simulate.shares_sum", argument="share_group + share_digital", total=round(g + d, 6)
        )
    _number("group_size", sc.group_size, 1, 1000, "1–1000")
    _number("group_clinicians", sc.group_clinicians, 0, 100, "0–100 (above 0)", low_open=True)
    _number("digital_time_factor", sc.digital_time_factor, 0, 10, "0–10 (above 0)", low_open=True)
    if sc.priority_rule not in RULES:
        raise ParameterError(
            "common.param_choice",
            argument="priority_rule",
            value=sc.priority_rule,
            allowed=", ".join(RULES),
        )
    reserved = _check_mapping(sc, "reserved_shares", 0, 1, "0–1")
    if sum(reserved.values()) > 1 + 1e-12:
        raise ParameterError(
            "simulate.shares_sum",
            argument="reserved_shares",
            total=round(sum(reserved.values()), 6),
        )
    for name in ("start_queue_first", "start_queue_deep"):
        mapping = getattr(sc, name)
        if not isinstance(mapping, Mapping):
            raise ParameterError(
                "common.param_type",
                argument=name,
                expected="mapping class -> count",
                got=type(mapping).__name__,
            )
        for k, v in mapping.items():
            if k not in sc.classes:
                raise ParameterError(
                    "simulate.unknown_class", argument=name, value=k, allowed=", ".join(sc.classes)
                )
            values = list(v) if isinstance(v, Sequence) and not isinstance(v, str) else [v]
            for x in values:
                _integer(f"{name}[{k!r}]", x, 0, 10_000_000)
    _number("target_days_first", sc.target_days_first, 0, 3650, "0–3650 (above 0)", low_open=True)
    _number("target_days_deep", sc.target_days_deep, 0, 3650, "0–3650 (above 0)", low_open=True)
    _check_mapping(sc, "class_target_days", 0, 3650, "0–3650")
    if sc.capacity_model not in CAPACITY_MODELS:
        raise ParameterError(
            "common.param_choice",
            argument="capacity_model",
            value=sc.capacity_model,
            allowed=", ".join(CAPACITY_MODELS),
        )
    _integer("servers_first", sc.servers_first, 1, 100_000)
    _integer("servers_deep", sc.servers_deep, 1, 100_000)
    # a stage with arrivals needs capacity
    demand1 = sum(lam.values())
    if demand1 > 0 and c1 == 0:
        raise ParameterError(
            "simulate.zero_capacity", argument="capacity_first_per_week", demand=demand1
        )
    demand2 = sum(lam.get(k, 0.0) * share.get(k, _share_to_deep(sc, k)) for k in sc.classes)
    if demand2 > 0 and c2 == 0:
        raise ParameterError(
            "simulate.zero_capacity", argument="capacity_deep_per_week", demand=round(demand2, 3)
        )


# ============================================================================
# Section: the calendar (trend, seasonality, holidays)
# ============================================================================


def _school_year_pattern() -> FloatArray:
    """Relative arrivals per ISO week 1-52: mean 0, largest deviation 1."""
    w = np.arange(1, WEEKS_PER_YEAR + 1)
    z = 0.5 * np.cos(2 * np.pi * (w - 42) / WEEKS_PER_YEAR)
    z[(w >= 27) & (w <= 32)] = -1.0  # summer holiday
    z = z - z.mean()
    return z / np.abs(z).max()


def _iso_weeks(sc: Scenario, weeks: int) -> IntArray:
    return (sc.start_week_of_year - 1 + np.arange(weeks)) % WEEKS_PER_YEAR + 1


def _arrival_levels(sc: Scenario, weeks: int) -> FloatArray:
    """Mean arrivals a week per simulated week and class, [weeks, K]."""
    lam = np.array([sc.arrivals_per_week.get(k, 0.0) for k in sc.classes], dtype=float)
    growth = (1 + sc.trend_per_year) ** (np.arange(weeks) / WEEKS_PER_YEAR)
    season = np.ones(weeks)
    if sc.seasonality == "school_year":
        season = 1 + sc.seasonal_amplitude * _school_year_pattern()[_iso_weeks(sc, weeks) - 1]
    return (growth * season)[:, None] * lam[None, :]


def _holiday_factor(sc: Scenario, weeks: int) -> FloatArray:
    iso = _iso_weeks(sc, weeks)
    holidays = {w if w < 53 else 52 for w in sc.holiday_weeks}
    return np.where(np.isin(iso, list(holidays)), sc.holiday_capacity_factor, 1.0)


def _start_histogram(sc: Scenario, which: str, stage_arrivals: FloatArray) -> list[IntArray]:
    """The start queue per class as counts by whole weeks waited."""
    mapping = getattr(sc, which)
    out = []
    for i, k in enumerate(sc.classes):
        v = mapping.get(k, 0)
        if isinstance(v, Sequence) and not isinstance(v, str):
            out.append(np.asarray(list(v), dtype=np.int64))
            continue
        n = int(v)
        rate = float(stage_arrivals[i])
        spread = 1 if rate <= 0 else min(max(1, math.ceil(n / rate)), MAX_START_SPREAD_WEEKS)
        hist = np.full(spread, n // spread, dtype=np.int64)
        hist[: n % spread] += 1  # the remainder goes to the youngest weeks
        out.append(hist)
    return out


# ============================================================================
# Section: the engine
# ============================================================================


class _Queue:
    """One stage's queues: cumulative counts by joining step, for all replications.

    ``qc[i, k, r]`` = number of class ``k`` patients waiting in replication
    ``r`` who joined at cohort index ``i`` or earlier. Cohort index ``a0 + 1 +
    t`` is step ``t``; the start queue sits at ``a0`` and below (``a0`` - age
    in steps). Only ``[lo, hi)`` can be non-zero: below ``lo`` everyone has
    been served. The cohort axis comes first and replications last, so sums
    and cumulative sums over cohorts run over contiguous rows.
    """

    def __init__(
        self, R: int, K: int, a0: int, steps: int, start: list[IntArray], spw: int
    ) -> None:
        size = a0 + steps + 2
        self.qc = np.zeros((size, K, R), dtype=np.int64)
        for k, hist in enumerate(start):
            # hist[a] patients have waited a whole weeks = a * spw steps
            for a, n in enumerate(hist):
                if n:
                    self.qc[a0 - a * spw, k, :] += n
        np.cumsum(self.qc[: a0 + 1], axis=0, out=self.qc[: a0 + 1])
        self.lo, self.hi = 0, a0 + 1
        self.hist = np.zeros((size, K, R), dtype=np.int64)  # served by wait (steps), this week
        self.hmax = 0
        self._trim()

    def window(self) -> IntArray:
        return self.qc[self.lo : self.hi]

    def totals(self) -> IntArray:
        if self.hi <= self.lo:
            return np.zeros(self.qc.shape[1:], dtype=np.int64)
        return self.qc[self.hi - 1].copy()

    def add(self, arrivals: IntArray) -> None:
        col = self.hi
        if col - 1 >= self.lo:
            np.add(self.qc[col - 1], arrivals, out=self.qc[col])
        else:
            self.qc[col] = arrivals
            self.lo = col
        self.hi = col + 1

    def serve(self, served: IntArray) -> None:
        """Serve ``served[k, r]`` of each class, longest waiting first."""
        if self.hi <= self.lo:
            return
        win = self.window()
        n = win.shape[0]
        cum = np.minimum(win, served[None])
        per_cohort = np.diff(cum, axis=0, prepend=np.zeros((1, *cum.shape[1:]), dtype=np.int64))
        self.hist[:n] += per_cohort[::-1]
        self.hmax = max(self.hmax, n)
        win -= cum
        self._trim()

    def _trim(self) -> None:
        win = self.window()
        n = win.shape[0]
        if n == 0:
            return
        empty = ~win.reshape(n, -1).any(axis=1)
        leading = n if empty.all() else int(np.argmin(empty))
        self.lo += leading

    def age_sum(self) -> IntArray:
        """Sum of steps waited by those waiting now, per class and replication."""
        win = self.window()
        if win.shape[0] <= 1:
            return np.zeros(self.qc.shape[1:], dtype=np.int64)
        return win[:-1].sum(axis=0)

    def week_stats(
        self, target_steps: FloatArray, pool: IntArray | None = None
    ) -> tuple[dict[str, FloatArray], tuple[IntArray, IntArray, IntArray, IntArray]]:
        """Waits of those served since the last call, per class (+ all) and replication.

        ``pool``, if given, gets the served-by-wait counts added (a histogram
        over several weeks). Also returns the served as sparse counts:
        arrays ``(wait in steps, class, replication, number served)``.
        """
        m = max(self.hmax, 1)
        h = self.hist[:m]
        if pool is not None:
            pool[:m] += h
        K = h.shape[1]
        cum = np.cumsum(h, axis=0)
        cum = np.concatenate([cum, cum.sum(axis=1, keepdims=True)], axis=1)  # [m, K+1, R]
        total = cum[-1].astype(float)
        steps = np.arange(m, dtype=float)
        pooled_sum = np.tensordot(steps, h, axes=(0, 0))  # [K, R]
        wait_sum = np.concatenate([pooled_sum, pooled_sum.sum(axis=0, keepdims=True)])
        idx = np.minimum(np.floor(target_steps + 1e-9).astype(np.int64), m - 1)
        within = cum[idx, np.arange(K)].astype(float)
        within = np.concatenate([within, within.sum(axis=0, keepdims=True)])
        med = np.count_nonzero(cum < 0.5 * total[None], axis=0).astype(float)
        p90 = np.count_nonzero(cum < 0.9 * total[None], axis=0).astype(float)
        none = total == 0
        med[none] = np.nan
        p90[none] = np.nan
        # the patients served, as (wait, class, replication, count) for pooled statistics
        wait_i, k_i, r_i = np.nonzero(h)
        served = (wait_i, k_i, r_i, h[wait_i, k_i, r_i])
        self.hist[:m] = 0
        self.hmax = 0
        return {"wait_sum": wait_sum, "within": within, "median": med, "p90": p90}, served


def _allocate_order(win: IntArray, capacity: IntArray, shifts: IntArray | None) -> IntArray:
    """Served per class when cohorts are taken in order of position (index + shift).

    ``win[i, k, r]`` are cumulative counts; ties between classes at the same
    position go to the class listed first. Returns ``served[k, r]``.
    """
    n, K, R = win.shape
    if n == 0:
        return np.zeros((K, R), dtype=np.int64)
    if shifts is None or not shifts.any():
        p = win
    else:
        m = n + int(shifts.max())
        p = np.empty((m, K, R), dtype=np.int64)
        for k in range(K):
            s = int(shifts[k])
            p[:s, k] = 0
            p[s : s + n, k] = win[:, k]
            p[s + n :, k] = win[n - 1, k]
    m = p.shape[0]
    tot = p.sum(axis=1)  # [m, R]
    b = np.count_nonzero(tot <= capacity[None], axis=0)  # positions fully served, [R]
    prev = np.maximum(b - 1, 0)
    cols = np.arange(R)
    full = np.where(b > 0, p[prev, :, cols].T, 0)  # [K, R]
    used = np.where(b > 0, tot[prev, cols], 0)
    rest = capacity - used
    nxt = np.minimum(b, m - 1)
    step = np.where(b < m, p[nxt, :, cols].T - full, 0)
    before = np.cumsum(step, axis=0) - step
    extra = np.clip(rest[None] - before, 0, step)
    return full + extra


def _allocate(
    win: IntArray, capacity: IntArray, rule: str, shifts: IntArray, reserved: FloatArray
) -> IntArray:
    n, K, R = win.shape
    if n == 0:
        return np.zeros((K, R), dtype=np.int64)
    totals = win[-1]
    if rule == "need":
        served = np.zeros((K, R), dtype=np.int64)
        left = capacity.copy()
        for k in range(K):
            served[k] = np.minimum(totals[k], left)
            left -= served[k]
        return served
    if rule == "longest_wait":
        return _allocate_order(win, capacity, shifts)
    if rule == "reserved":
        own = np.minimum(totals, np.floor(reserved[:, None] * capacity[None]).astype(np.int64))
        pool = capacity - own.sum(axis=0)
        rest = np.maximum(win - own[None], 0)
        return own + _allocate_order(rest, pool, None)
    return _allocate_order(win, capacity, None)  # fcfs, first_visit_first


@dataclass(frozen=True, eq=False)
class ServedWaits:
    """Every patient served, as counts: who (stage, class, replication) waited how long.

    One entry per week, stage, need class, replication and wait with at
    least one patient served; patients with the same wait share an entry
    (``count``). The basis of the patient-level statistics of
    :func:`summary`. Sharing one is safe (nothing changes it), so a copy of
    a table's ``attrs`` does not copy the arrays.

    Attributes
    ----------
    week : int32 array
        Week of the appointment (1, 2, ...).
    stage : int8 array
        0 = ``first_assessment``, 1 = ``deep_start``.
    need_class : int16 array
        Index in the scenario's ``classes``.
    replication : int32 array
        0, 1, ...
    wait_steps : int32 array
        Wait in whole steps, from joining the stage's queue to the appointment.
    count : int32 array
        Patients served with that wait.
    """

    week: npt.NDArray[np.int32]
    stage: npt.NDArray[np.int8]
    need_class: npt.NDArray[np.int16]
    replication: npt.NDArray[np.int32]
    wait_steps: npt.NDArray[np.int32]
    count: npt.NDArray[np.int32]

    def __deepcopy__(self, memo: dict[int, Any]) -> ServedWaits:
        return self

    def __repr__(self) -> str:
        return f"ServedWaits({int(self.count.sum())} patients in {len(self.count)} entries)"


@dataclass(frozen=True)
class RawRun:
    """Per-replication results of :func:`simulate`.

    Arrays indexed ``[replication, week, stage, class]``, the class axis having
    one more entry at the end for all classes pooled (``classes[-1]`` is
    ``"all"``). Waits are in steps (``steps_per_week`` a week).

    Attributes
    ----------
    arrivals, completions, queue : int arrays
        Joined the stage's queue in the week, completed the stage (attended
        the booked appointment; in the ``servers`` model: entered service),
        number waiting at the end of the week (for the appointment or the
        start of service).
    start_queue : int array [replication, stage, class]
        Number waiting at the start.
    queue_age_sum : int array
        Sum of steps waited so far by those waiting at the end of the week.
    wait_sum : float array
        Sum of the waits (steps) of the week's completions: from joining the
        stage's queue to the appointment (``servers``: to the start of
        service).
    within : float array
        Completions of the week with a wait within the class's target.
    wait_median, wait_p90 : float arrays
        Lower median and 90th percentile of the week's completed waits
        (steps); NaN when none completed.
    slots, dna, borrowed, follow_up_slots : arrays [replication, week, stage]
        Capacity drawn (patient slots), slots wasted by no-shows, stage 2
        slots lent to stage 1 (``first_visit_first``; stage index 1) and slots
        taken by follow-up visits (stage index 1). In the ``servers`` model
        ``slots`` counts service ends.
    in_service : int array
        ``servers`` model: number in service at the end of the week (the
        number in the system is ``queue + in_service``); 0 in ``slots``.
    wait_histogram : int array [replication, stage, class, wait], optional
        With ``wait_histogram_after_weeks`` given to :func:`simulate`: the
        number of completions after those weeks by wait in steps (0, 1, ...),
        for pooled quantiles; otherwise None.
    served_waits : ServedWaits
        Every completion with its week, class, replication and wait (in
        steps), as counts: the basis of :func:`summary`'s patient-level
        waits.
    """

    scenario: Scenario
    weeks: int
    replications: int
    seed: int | None
    steps_per_week: int
    classes: tuple[str, ...]
    arrivals: IntArray
    completions: IntArray
    queue: IntArray
    start_queue: IntArray
    queue_age_sum: IntArray
    wait_sum: FloatArray
    within: FloatArray
    wait_median: FloatArray
    wait_p90: FloatArray
    slots: FloatArray
    dna: FloatArray
    borrowed: FloatArray
    follow_up_slots: FloatArray
    in_service: IntArray
    wait_histogram: IntArray | None = None
    served_waits: ServedWaits | None = None


def _gamma(rng: np.random.Generator, cv: float, size: tuple[int, ...]) -> FloatArray:
    if cv <= 0:
        return np.ones(size)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, size=size)


def _check_run_args(
    scenario: Any, weeks: Any, replications: Any, seed: Any, steps_per_week: Any, lang: str
) -> None:
    if not isinstance(scenario, Scenario):
        raise ParameterError(
            "simulate.not_a_scenario", argument="scenario", got=type(scenario).__name__, lang=lang
        )
    for name, value, high in (
        ("weeks", weeks, 5200),
        ("replications", replications, 1_000_000),
        ("steps_per_week", steps_per_week, 10_080),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ParameterError(
                "common.param_type",
                argument=name,
                expected="integer",
                got=type(value).__name__,
                lang=lang,
            )
        if not 1 <= int(value) <= high:
            raise ParameterError(
                "common.param_range", argument=name, value=value, allowed=f"1–{high}", lang=lang
            )
    product = int(weeks) * int(replications) * int(steps_per_week)
    if product > MAX_REPLICATION_STEPS:
        raise ParameterError(
            "simulate.too_many_steps",
            argument="weeks × replications × steps_per_week",
            weeks=int(weeks),
            replications=int(replications),
            steps=int(steps_per_week),
            product=product,
            limit=MAX_REPLICATION_STEPS,
            max_replications=max(1, MAX_REPLICATION_STEPS // (int(weeks) * int(steps_per_week))),
            lang=lang,
        )
    # the weekly results: 9 arrays of 8-byte numbers per week, stage, class (+ all), replication
    weekly_bytes = int(weeks) * int(replications) * 2 * (len(scenario.classes) + 1) * 9 * 8
    if weekly_bytes > MEMORY_LIMIT_BYTES:
        raise ParameterError(
            "simulate.too_big",
            argument="weeks × replications",
            value=f"{int(weeks)} × {int(replications)}",
            gigabytes=round(weekly_bytes / 1e9, 1),
            lang=lang,
        )
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise ParameterError(
            "common.param_type",
            argument="seed",
            expected="integer >= 0 or None",
            got=repr(seed),
            lang=lang,
        )


def _start_ring(courses: int | Sequence[int], follow_up_weeks: int, spw: int) -> IntArray:
    """Stage 2 starts of the steps before the run, as the follow-up ring holds them.

    The ring's slot ``t % (follow_up_weeks * spw)`` holds the starts of step
    ``t``; the steps before the run (``-1, -2, ...``) take the slots from the
    end. ``courses`` is a count per whole week back (index 0: the last week)
    or a total spread over ``follow_up_weeks``; each week's count is spread
    over its steps (whole numbers, the remainder on the latest steps).

    >>> _start_ring([3, 1], follow_up_weeks=2, spw=2).tolist()  # slots of steps 0..3
    [0, 1, 1, 2]
    >>> int(_start_ring(10, follow_up_weeks=5, spw=1).sum())
    10
    """
    ring_len = follow_up_weeks * spw
    if isinstance(courses, (int, np.integer)):
        total = int(courses)
        per_week = [
            total // follow_up_weeks + (1 if j < total % follow_up_weeks else 0)
            for j in range(follow_up_weeks)
        ]
    else:
        per_week = [int(c) for c in list(courses)[:follow_up_weeks]]
    ring = np.zeros(ring_len, dtype=np.int64)
    for j, count in enumerate(per_week):
        for i in range(spw):  # step -(j*spw + i + 1), latest first
            share = count // spw + (1 if i < count % spw else 0)
            ring[ring_len - (j * spw + i + 1)] = max(share, 0)
    return ring


def simulate(
    scenario: Scenario,
    weeks: int = 104,
    replications: int = 1000,
    seed: int | None = 0,
    *,
    steps_per_week: int = 1,
    wait_histogram_after_weeks: int | None = None,
    lang: str | None = None,
) -> RawRun:
    """Run the model and return the per-replication arrays (see :class:`RawRun`).

    Parameters are those of :func:`run`, and ``wait_histogram_after_weeks``
    (0 to ``weeks``, default None): if given, the waits of all completions
    after that many weeks (a burn-in) are also returned as a histogram per
    replication (:attr:`RawRun.wait_histogram`), for pooled quantiles. Use
    :func:`run` for the weekly table; this function is for checks
    (conservation, Little's law) and for statistics :func:`run` does not give.

    Notes
    -----
    Each step :math:`t`, for every replication at once:

    1. arrivals :math:`A_{k,t} \\sim \\mathrm{Poisson}(\\lambda_k(t) G_{k,w} / m)`
       join stage 1 (class :math:`k`, :math:`m` steps a week, :math:`G` a
       gamma variable with mean 1 and cv ``arrival_extra_cv``, drawn once a
       week);
    2. stage 1 slots :math:`C_{1,t} \\sim \\mathrm{Poisson}(h_w C_1 H_w / m)`
       (:math:`h_w` the holiday factor, :math:`H_w` gamma as above); the
       :math:`\\min(C, N)` booked slots lose
       :math:`D \\sim \\mathrm{Binomial}(\\min(C, N), p_{DNA})` to no-shows;
       the remaining slots are given out by the priority rule, oldest cohort
       first within a class;
    3. each stage 1 completion of class :math:`k` joins stage 2 with
       probability :math:`s_k`;
    4. stage 2 patient slots :math:`\\mathrm{Poisson}(h_w C_2 H_w / (m c))`
       (:math:`c` slots per visit, :meth:`Scenario.visit_cost`) less the
       follow-up visits due, :math:`v / (L (1 - p_{DNA}))` per start in the
       last :math:`L` = ``follow_up_weeks`` x :math:`m` steps (stochastically
       rounded), then no-shows and the rule as in 2.

    In the ``servers`` model each step instead has at most one event per
    replication (the uniformised M/M/c chain): an arrival of class :math:`k`
    with probability :math:`\\lambda_k / m`, or the end of one of the
    :math:`b_j` busy services at stage :math:`j` with probability
    :math:`b_j h_w C_j / (c_j m)` (:math:`c_j` servers; the class that ends is
    drawn in proportion to the classes in service). A stage 1 end joins stage
    2 with probability :math:`s_k`. Then free servers take the waiting by the
    priority rule; the wait recorded is to that start.

    Waits are counted in whole steps: a patient served in the step they
    arrived waited 0. The number waiting is counted at the end of a step, so
    the sum over steps of the number waiting equals the sum of the waits
    (Little's law holds exactly on a run that starts and ends empty).
    """
    lang = check_language(lang)
    _check_run_args(scenario, weeks, replications, seed, steps_per_week, lang)
    pool_after = wait_histogram_after_weeks
    if pool_after is not None and (
        isinstance(pool_after, bool)
        or not isinstance(pool_after, (int, np.integer))
        or not 0 <= pool_after <= weeks
    ):
        raise ParameterError(
            "common.param_range",
            argument="wait_histogram_after_weeks",
            value=pool_after,
            allowed=f"0–{weeks}",
            lang=lang,
        )
    sc, W, R, spw = scenario, int(weeks), int(replications), int(steps_per_week)
    K, T = len(sc.classes), W * spw
    share = np.array([_share_to_deep(sc, k) for k in sc.classes])
    lam_week = _arrival_levels(sc, W)  # [W, K]
    start1 = _start_histogram(sc, "start_queue_first", lam_week[0])
    start2 = _start_histogram(sc, "start_queue_deep", lam_week[0] * share)
    a0 = [max(len(h) for h in start) * spw for start in (start1, start2)]
    size = sum(a0) + 2 * (T + 1)
    need = R * K * size * 8 * 6
    if need > MEMORY_LIMIT_BYTES:
        raise ParameterError(
            "simulate.too_big",
            argument="replications",
            value=R,
            gigabytes=round(need / 1e9, 1),
            lang=lang,
        )
    q1 = _Queue(R, K, a0[0], T, start1, spw)
    q2 = _Queue(R, K, a0[1], T, start2, spw)
    queues = (q1, q2)
    holiday = _holiday_factor(sc, W)
    targets = sc.target_days()
    target_steps = np.array([[targets[s][k] / 7 * spw for k in sc.classes] for s in STAGES])
    shifts = np.round(target_steps - target_steps.min(axis=1, keepdims=True)).astype(np.int64)
    # a patient at age >= at_risk (steps) is past the target if not served this step
    at_risk = np.floor(target_steps - 1 + 1e-9).astype(np.int64) + 1
    reserved = np.array([sc.reserved_shares.get(k, 0.0) for k in sc.classes])
    rule = sc.priority_rule
    rule2 = "fcfs" if rule == "first_visit_first" else rule
    servers = sc.capacity_model == "servers"
    cost = 1.0 if servers else sc.visit_cost()
    follow = 0.0 if servers else sc.follow_up_visits_per_course
    dna = 0.0 if servers else sc.dna_rate
    # servers model: number in service per stage, class and replication
    busy = [np.zeros((K, R), dtype=np.int64) for _ in range(2)]
    n_servers = (sc.servers_first, sc.servers_deep)

    if servers:
        per_week = lam_week.sum(axis=1).max() + holiday.max() * (
            sc.capacity_first_per_week + sc.capacity_deep_per_week
        )
        if per_week > spw:
            raise ParameterError(
                "simulate.steps_too_coarse",
                argument="steps_per_week",
                value=spw,
                minimum=math.ceil(per_week),
                lang=lang,
            )

    # the seventh stream (stage 2 no-shows) leaves the first six as they were; with
    # its own stream, what happens at stage 2 never shifts stage 1's random numbers,
    # so rules that serve stage 1 alike give stage 1 the same run
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    rng_arr, rng_cap, rng_dna, rng_route, rng_round, rng_gamma, rng_dna2 = streams

    # working layout [week, stage, class, replication]; transposed at the end
    shape = (W, 2, K + 1, R)
    out_i = {
        n: np.zeros(shape, dtype=np.int64)
        for n in ("arrivals", "completions", "queue", "queue_age_sum", "in_service")
    }
    pools = [np.zeros_like(q.hist) if pool_after is not None else None for q in queues]
    out_f = {n: np.zeros(shape) for n in ("wait_sum", "within", "wait_median", "wait_p90")}
    slots, dna_lost, borrowed_out, fu_out = (np.zeros((W, 2, R)) for _ in range(4))
    served_parts: list[tuple[int, int, tuple[IntArray, IntArray, IntArray, IntArray]]] = []
    ring_len = sc.follow_up_weeks * spw
    ring = np.zeros((ring_len, R), dtype=np.int64)
    ring[:, :] = _start_ring(sc.start_courses_deep, sc.follow_up_weeks, spw)[:, None]
    ring_sum = ring.sum(axis=0)
    share_col = share[:, None]
    rows = np.arange(K)

    def uniformised(w: int) -> tuple[IntArray, IntArray, IntArray]:
        """Servers model: at most one event a step (arrival, stage 1 or stage 2 end).

        Returns arrivals, stage 1 ends and stage 2 ends, each [class, replication].
        """
        u = rng_cap.random(R)
        lam = lam_week[w] / spw
        upper = np.cumsum(lam)
        a = ((u[None] >= (upper - lam)[:, None]) & (u[None] < upper[:, None])).astype(np.int64)
        edge: Any = upper[-1]
        ends = []
        for j, level in enumerate((sc.capacity_first_per_week, sc.capacity_deep_per_week)):
            rate = holiday[w] * level / (n_servers[j] * spw)  # a busy server's end, a step
            upto = np.cumsum(busy[j], axis=0)  # [K, R]
            n_busy = upto[-1]
            x = u - edge
            if rate > 0:
                # the i-th busy service ends (i = 0, 1, ...); it is of class k if
                # upto[k] - busy[k] <= i < upto[k]
                i = np.minimum(np.floor(x / rate), n_busy - 1)
                hit = (x >= 0) & (x < n_busy * rate)
                ends.append(
                    (hit[None] & (i[None] < upto) & (i[None] >= upto - busy[j])).astype(np.int64)
                )
            else:
                ends.append(np.zeros((K, R), dtype=np.int64))
            edge = edge + n_busy * rate
        return a, ends[0], ends[1]

    def servers_step(w: int) -> None:
        """One step of the servers model: events, routing, then starts of service."""
        a1, end1, end2 = uniformised(w)
        q1.add(a1)
        out_i["arrivals"][w, 0, :K] += a1
        busy[0] -= end1
        a2 = rng_route.binomial(end1, share_col)
        q2.add(a2)
        out_i["arrivals"][w, 1, :K] += a2
        busy[1] -= end2
        for j, (q, ends, rule_j) in enumerate(((q1, end1, rule), (q2, end2, rule2))):
            free = n_servers[j] - busy[j].sum(axis=0)
            started = _allocate(q.window(), free, rule_j, shifts[j], reserved)
            q.serve(started)
            busy[j] += started
            out_i["completions"][w, j, :K] += started
            slots[w, j] += ends.sum(axis=0)

    def capacity_draw(level: float, gam: FloatArray) -> IntArray:
        return rng_cap.poisson(level / spw * gam)

    def no_shows(cap: IntArray, q: _Queue, rng: np.random.Generator) -> IntArray:
        if dna <= 0:
            return np.zeros_like(cap)
        return rng.binomial(np.minimum(cap, q.totals().sum(axis=0)), dna)

    for w in range(W):
        g_arr = _gamma(rng_gamma, sc.arrival_extra_cv, (K, R))
        g_cap = _gamma(rng_gamma, 0.0 if servers else sc.capacity_extra_cv, (2, R))
        lam_step = (lam_week[w] / spw)[:, None] * g_arr
        for s in range(spw):
            t = w * spw + s
            if servers:
                servers_step(w)
                continue
            # stage 1: arrivals, slots, no-shows, rule
            a1 = rng_arr.poisson(lam_step)
            c1 = capacity_draw(holiday[w] * sc.capacity_first_per_week, g_cap[0])
            q1.add(a1)
            out_i["arrivals"][w, 0, :K] += a1
            d1 = no_shows(c1, q1, rng_dna)
            served1 = _allocate(q1.window(), c1 - d1, rule, shifts[0], reserved)
            q1.serve(served1)
            # stage 2 slots after follow-ups
            c2 = capacity_draw(holiday[w] * sc.capacity_deep_per_week / cost, g_cap[1])
            fu = ring_sum * (follow / ring_len) / (1 - dna)
            free = c2 - fu
            fu_out[w, 1] += np.minimum(fu, c2)
            if rule == "first_visit_first":
                win = q1.window()
                n = win.shape[0]
                if n:
                    # cumulative count up to the last cohort at risk, per class
                    idx = (q1.hi - 1 - q1.lo) - at_risk[0]
                    risky = np.where((idx >= 0)[:, None], win[np.clip(idx, 0, n - 1), rows], 0)
                else:
                    risky = np.zeros((K, R), dtype=np.int64)
                lend = np.minimum(risky.sum(axis=0), np.floor(np.maximum(free, 0) * cost)).astype(
                    np.int64
                )
                lost = rng_dna.binomial(lend, dna) if dna > 0 else np.zeros_like(lend)
                if n:
                    extra = _allocate_order(np.minimum(win, risky[None]), lend - lost, None)
                    q1.serve(extra)
                    served1 = served1 + extra
                free = free - lend / cost
                borrowed_out[w, 1] += lend
                d1 = d1 + lost
            slots[w, 0] += c1
            dna_lost[w, 0] += d1
            out_i["completions"][w, 0, :K] += served1
            # routing to stage 2
            a2 = rng_route.binomial(served1, share_col)
            q2.add(a2)
            out_i["arrivals"][w, 1, :K] += a2
            free_int = np.floor(np.maximum(free, 0) + rng_round.random(R)).astype(np.int64)
            d2 = no_shows(free_int, q2, rng_dna2)
            served2 = _allocate(q2.window(), free_int - d2, rule2, shifts[1], reserved)
            q2.serve(served2)
            slots[w, 1] += free_int
            dna_lost[w, 1] += d2
            out_i["completions"][w, 1, :K] += served2
            starts = served2.sum(axis=0)
            slot = t % ring_len
            ring_sum += starts - ring[slot]
            ring[slot] = starts
        for i, q in enumerate(queues):
            out_i["queue"][w, i, :K] = q.totals()
            out_i["queue_age_sum"][w, i, :K] = q.age_sum()
            out_i["in_service"][w, i, :K] = busy[i]
            pool = pools[i] if pool_after is not None and w >= pool_after else None
            stats, served = q.week_stats(target_steps[i], pool)
            served_parts.append((w, i, served))
            out_f["wait_sum"][w, i] = stats["wait_sum"]
            out_f["within"][w, i] = stats["within"]
            out_f["wait_median"][w, i] = stats["median"]
            out_f["wait_p90"][w, i] = stats["p90"]
    for name in ("arrivals", "completions", "queue", "queue_age_sum", "in_service"):
        out_i[name][:, :, K] = out_i[name][:, :, :K].sum(axis=2)
    histogram = None
    if pool_after is not None:
        # [replication, stage, class (+ all), wait in steps], up to the longest wait
        used = [
            np.flatnonzero(p.reshape(p.shape[0], -1).any(axis=1)) for p in pools if p is not None
        ]
        n_bins = max([int(u[-1]) + 1 for u in used if len(u)] + [1])
        histogram = np.zeros((R, 2, K + 1, n_bins), dtype=np.int64)
        for i, p in enumerate(pools):
            if p is not None:
                part = np.moveaxis(p[: min(n_bins, p.shape[0])], 0, -1)  # [K, R, wait]
                histogram[:, i, :K, : part.shape[-1]] = np.moveaxis(part, 1, 0)
        histogram[:, :, K] = histogram[:, :, :K].sum(axis=2)
    served_waits = _served_waits(served_parts)
    start_queue = np.zeros((R, 2, K + 1), dtype=np.int64)
    for i, start in enumerate((start1, start2)):
        start_queue[:, i, :K] = [int(h.sum()) for h in start]
    start_queue[..., K] = start_queue[..., :K].sum(axis=-1)

    def rwsk(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.ascontiguousarray(np.moveaxis(x, -1, 0))

    return RawRun(
        scenario=sc,
        weeks=W,
        replications=R,
        seed=seed,
        steps_per_week=spw,
        classes=(*sc.classes, ALL_CLASSES),
        start_queue=start_queue,
        slots=rwsk(slots),
        dna=rwsk(dna_lost),
        borrowed=rwsk(borrowed_out),
        follow_up_slots=rwsk(fu_out),
        **{n: rwsk(v) for n, v in out_i.items()},
        wait_histogram=histogram,
        served_waits=served_waits,
        **{n: rwsk(v) for n, v in out_f.items()},
    )


def _served_waits(
    parts: Sequence[tuple[int, int, tuple[IntArray, IntArray, IntArray, IntArray]]],
) -> ServedWaits:
    """The weekly sparse counts of :meth:`_Queue.week_stats` as one :class:`ServedWaits`."""
    sizes = [len(p[2][0]) for p in parts]
    n = int(sum(sizes))
    week = np.repeat(np.array([p[0] + 1 for p in parts], dtype=np.int32), sizes)
    stage = np.repeat(np.array([p[1] for p in parts], dtype=np.int8), sizes)

    def joined(j: int) -> npt.NDArray[np.int32]:
        if not parts:
            return np.zeros(0, dtype=np.int32)
        return np.concatenate([p[2][j] for p in parts]).astype(np.int32, copy=False)

    out = ServedWaits(
        week=week,
        stage=stage,
        need_class=joined(1).astype(np.int16),
        replication=joined(2),
        wait_steps=joined(0),
        count=joined(3),
    )
    assert len(out.count) == n
    return out


# ============================================================================
# Section: the weekly table, the summary and the comparison
# ============================================================================

#: Columns of :func:`run`'s table, in order.
RUN_COLUMNS: tuple[str, ...] = (
    "week",
    "stage",
    "need_class",
    "arrivals_mean",
    "completions_mean",
    "queue_mean",
    "queue_lo",
    "queue_hi",
    "waiting_age_mean_weeks",
    "wait_mean_weeks",
    "wait_mean_weeks_lo",
    "wait_mean_weeks_hi",
    "wait_median_weeks",
    "wait_p90_weeks",
    "wait_p90_weeks_lo",
    "wait_p90_weeks_hi",
    "share_within_target",
    "share_within_target_lo",
    "share_within_target_hi",
)


def _across(
    x: FloatArray, spread: tuple[float, float]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean and two quantiles over axis 0, leaving out NaN (NaN where all are NaN).

    Quantiles interpolate linearly between order statistics (numpy's default
    "linear" method) over the non-missing values.
    """
    valid = ~np.isnan(x)
    n = valid.sum(axis=0)
    total = np.where(valid, x, 0.0).sum(axis=0)
    mean = np.full(n.shape, np.nan)
    np.divide(total, n, out=mean, where=n > 0)
    ordered = np.sort(x, axis=0)  # NaN last
    out = []
    for p in spread:
        pos = p * np.maximum(n - 1, 0)
        below = np.floor(pos).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(n - 1, 0))
        lo_v = np.take_along_axis(ordered, below[None], axis=0)[0]
        hi_v = np.take_along_axis(ordered, above[None], axis=0)[0]
        q = lo_v + (pos - below) * (hi_v - lo_v)
        out.append(np.where(n > 0, q, np.nan))
    return mean, out[0], out[1]


def _check_spread(spread: Any, lang: str) -> tuple[float, float]:
    ok = (
        isinstance(spread, (tuple, list))
        and len(spread) == 2
        and all(isinstance(p, (int, float)) and 0 <= p <= 1 for p in spread)
        and spread[0] <= spread[1]
    )
    if not ok:
        raise ParameterError(
            "common.param_range",
            argument="spread",
            value=spread,
            allowed={"sv": "(lo, hi) med 0 ≤ lo ≤ hi ≤ 1", "en": "(lo, hi) with 0 ≤ lo ≤ hi ≤ 1"},
            lang=lang,
        )
    return float(spread[0]), float(spread[1])


def _notes(sc: Scenario, raw: RawRun, lang: str) -> list[str]:
    notes = []
    for stage, load in sc.load().items():
        if load > 1:
            notes.append(
                t(
                    "simulate.note.runaway",
                    lang,
                    stage=t(f"simulate.stage.{stage}", lang),
                    load=load,
                )
            )
    slots = raw.slots[:, :, 1] + raw.follow_up_slots[:, :, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        full = (raw.slots[:, :, 1] == 0) & (raw.follow_up_slots[:, :, 1] > 0)
    if sc.capacity_model == "slots" and slots.sum() > 0 and full.mean() > 0.05:
        share = float(raw.follow_up_slots[:, :, 1].sum() / slots.sum())
        notes.append(t("simulate.note.follow_up_overflow", lang, share=share))
    return notes


def table(
    raw: RawRun, *, spread: tuple[float, float] = (0.1, 0.9), lang: str | None = None
) -> pd.DataFrame:
    """The weekly table of :func:`run`, from the arrays of :func:`simulate` (same ``attrs``)."""
    lang = check_language(lang)
    spread = _check_spread(spread, lang)
    spw = raw.steps_per_week
    with np.errstate(invalid="ignore", divide="ignore"):
        done = raw.completions.astype(float)
        wait_mean = np.where(done > 0, raw.wait_sum / np.where(done > 0, done, 1), np.nan) / spw
        within = np.where(done > 0, raw.within / np.where(done > 0, done, 1), np.nan)
        waiting = raw.queue.astype(float)
        age = (
            np.where(waiting > 0, raw.queue_age_sum / np.where(waiting > 0, waiting, 1), np.nan)
            / spw
        )
    q_mean, q_lo, q_hi = _across(raw.queue.astype(float), spread)
    wm, wm_lo, wm_hi = _across(wait_mean, spread)
    p90, p90_lo, p90_hi = _across(raw.wait_p90 / spw, spread)
    sw, sw_lo, sw_hi = _across(within, spread)
    columns: dict[str, Any] = {
        "arrivals_mean": raw.arrivals.mean(axis=0),
        "completions_mean": raw.completions.mean(axis=0),
        "queue_mean": q_mean,
        "queue_lo": q_lo,
        "queue_hi": q_hi,
        "waiting_age_mean_weeks": _across(age, spread)[0],
        "wait_mean_weeks": wm,
        "wait_mean_weeks_lo": wm_lo,
        "wait_mean_weeks_hi": wm_hi,
        "wait_median_weeks": _across(raw.wait_median / spw, spread)[0],
        "wait_p90_weeks": p90,
        "wait_p90_weeks_lo": p90_lo,
        "wait_p90_weeks_hi": p90_hi,
        "share_within_target": sw,
        "share_within_target_lo": sw_lo,
        "share_within_target_hi": sw_hi,
    }
    W, S, K1 = raw.weeks, len(STAGES), len(raw.classes)
    frame = pd.DataFrame(
        {
            "week": np.repeat(np.arange(1, W + 1), S * K1),
            "stage": pd.Categorical(np.tile(np.repeat(STAGES, K1), W), categories=list(STAGES)),
            "need_class": pd.Categorical(np.tile(raw.classes, W * S), categories=list(raw.classes)),
            **{name: np.asarray(v, dtype=float).reshape(-1) for name, v in columns.items()},
        }
    )
    frame.attrs.update(
        {
            "scenario": raw.scenario.as_dict(),
            "weeks": W,
            "replications": raw.replications,
            "seed": raw.seed,
            "steps_per_week": spw,
            "spread": list(spread),
            "load": {k: float(v) for k, v in raw.scenario.load().items()},
            "notes": _notes(raw.scenario, raw, lang),
            "wait_columns": "per_week",
            "patient_waits": _patient_level(raw),
        }
    )
    return frame


@dataclass(frozen=True, eq=False)
class PatientLevel:
    """What :func:`summary` needs for patient-level waits, kept in a run table's ``attrs``.

    ``served`` holds every completion (:class:`ServedWaits`); ``queue`` and
    ``arrivals`` are per replication, week, stage and class (the last class
    index pools all) [replication, week, stage, class]; ``target_steps`` the
    target per stage and class in steps. Shared, never copied: a copy of
    ``attrs`` (pandas makes one on most operations) costs nothing.
    """

    served: ServedWaits
    queue: npt.NDArray[np.int64]
    arrivals: npt.NDArray[np.int64]
    target_steps: FloatArray
    steps_per_week: int
    replications: int
    n_classes: int

    def __deepcopy__(self, memo: dict[int, Any]) -> PatientLevel:
        return self

    def __repr__(self) -> str:
        return f"PatientLevel({self.replications} replications, {self.served!r})"


def _patient_level(raw: RawRun) -> PatientLevel | None:
    if raw.served_waits is None:
        return None
    targets = raw.scenario.target_days()
    spw = raw.steps_per_week
    return PatientLevel(
        served=raw.served_waits,
        queue=raw.queue,
        arrivals=raw.arrivals,
        target_steps=np.array(
            [[targets[s][k] / 7 * spw for k in raw.scenario.classes] for s in STAGES]
        ),
        steps_per_week=spw,
        replications=raw.replications,
        n_classes=len(raw.scenario.classes),
    )


#: Largest groups x wait bins for which quantiles use a dense histogram (else a sort).
_DENSE_HISTOGRAM_CELLS = 5_000_000


def _lower_quantiles(
    group: IntArray, wait: IntArray, count: IntArray, n_groups: int, ps: Sequence[float]
) -> list[FloatArray]:
    """Lower quantiles of weighted waits per group: the smallest wait with F(wait) ≥ p.

    NaN for a group with no one. The same definition as the weekly
    ``wait_median``/``wait_p90`` (a histogram's first bin whose cumulative
    count reaches p × total).
    """
    bins = int(wait.max()) + 1 if len(wait) else 1
    if n_groups * bins <= _DENSE_HISTOGRAM_CELLS:
        # a dense histogram per group: no sort needed
        hist = np.bincount(group * bins + wait, weights=count, minlength=n_groups * bins).reshape(
            n_groups, bins
        )
        cum = np.cumsum(hist, axis=1)
        total_d = cum[:, -1]
        dense = []
        for p in ps:
            value = np.count_nonzero(cum < p * total_d[:, None] - 1e-9, axis=1).astype(np.float64)
            dense.append(np.where(total_d > 0, value, np.nan))
        return dense
    order = np.lexsort((wait, group))
    g, x, c = group[order], wait[order], count[order].astype(np.float64)
    total = np.bincount(g, weights=c, minlength=n_groups)
    prior = np.cumsum(total) - total
    cum = np.cumsum(c) - prior[g]
    first = np.searchsorted(g, np.arange(n_groups))
    out = []
    for p in ps:
        before = np.bincount(g, weights=(cum < p * total[g] - 1e-9), minlength=n_groups)
        at = np.minimum(first + before.astype(np.int64), max(len(x) - 1, 0))
        value = x[at].astype(np.float64) if len(x) else np.zeros(n_groups)
        out.append(np.where(total > 0, value, np.nan))
    return out


def _pooled_waits(
    pl: PatientLevel, first_week: int, last_week: int, spread: tuple[float, float]
) -> dict[str, FloatArray]:
    """Patient-level figures per stage and class over weeks ``first_week..last_week``.

    Every figure is computed from the waits of all patients served in those
    weeks: per replication (pooled over the weeks) for the spread, and over
    all replications together for the figure itself. Returns arrays
    [stage, class (+ all)].
    """
    sw, K, R, spw = pl.served, pl.n_classes, pl.replications, pl.steps_per_week
    K1 = K + 1
    keep = (sw.week >= first_week) & (sw.week <= last_week)
    stage = sw.stage[keep].astype(np.int64)
    k = sw.need_class[keep].astype(np.int64)
    r = sw.replication[keep].astype(np.int64)
    wait = sw.wait_steps[keep].astype(np.int64)
    count = sw.count[keep].astype(np.int64)
    ok = wait <= np.floor(pl.target_steps[stage, k] + 1e-9)
    # each entry once under its own class and once under "all"
    stage, r, wait, count, ok = (np.concatenate([x, x]) for x in (stage, r, wait, count, ok))
    k = np.concatenate([k, np.full(len(k), K, dtype=np.int64)])
    cell = stage * K1 + k
    out: dict[str, FloatArray] = {}
    for name, group, n_groups in (
        ("pooled", cell, 2 * K1),
        ("per_rep", r * (2 * K1) + cell, R * 2 * K1),
    ):
        n = np.bincount(group, weights=count, minlength=n_groups)
        total = np.bincount(group, weights=count * wait, minlength=n_groups)
        within = np.bincount(group, weights=count * ok, minlength=n_groups)
        med, p90 = _lower_quantiles(group, wait, count, n_groups, (0.5, 0.9))
        with np.errstate(invalid="ignore", divide="ignore"):
            figures = {
                "served": n,
                "wait_mean_weeks": np.where(n > 0, total / n, np.nan) / spw,
                "wait_median_weeks": med / spw,
                "wait_p90_weeks": p90 / spw,
                "share_within_target": np.where(n > 0, within / n, np.nan),
            }
        shape = (2, K1) if name == "pooled" else (R, 2, K1)
        for key, value in figures.items():
            out[f"{name}:{key}"] = np.asarray(value, dtype=np.float64).reshape(shape)
    # everyone, served or still waiting: Little's law over the window
    weeks = slice(first_week - 1, last_week)
    queue = pl.queue[:, weeks].astype(np.float64).sum(axis=1)  # [R, 2, K1]
    arrived = pl.arrivals[:, weeks].astype(np.float64).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pooled:wait_everyone_mean_weeks"] = np.where(
            arrived.sum(axis=0) > 0, queue.sum(axis=0) / arrived.sum(axis=0), np.nan
        )
        out["per_rep:wait_everyone_mean_weeks"] = np.where(arrived > 0, queue / arrived, np.nan)
    result: dict[str, FloatArray] = {}
    for key in (
        "wait_mean_weeks",
        "wait_median_weeks",
        "wait_p90_weeks",
        "share_within_target",
        "wait_everyone_mean_weeks",
    ):
        result[key] = out[f"pooled:{key}"]
        _, lo, hi = _across(out[f"per_rep:{key}"], spread)
        result[f"{key}_lo"], result[f"{key}_hi"] = lo, hi
    per_rep = out["per_rep:wait_mean_weeks"]
    valid = np.isfinite(per_rep)
    n_valid = valid.sum(axis=0)
    x = np.where(valid, per_rep, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = x.sum(axis=0) / n_valid
        var = np.where(valid, (x - centre) ** 2, 0.0).sum(axis=0) / (n_valid - 1)
        result["wait_mean_weeks_se"] = np.where(n_valid > 1, np.sqrt(var / n_valid), np.nan)
    result["served"] = out["pooled:served"]
    return result


def run(
    scenario: Scenario,
    weeks: int = 104,
    replications: int = 1000,
    seed: int | None = 0,
    *,
    steps_per_week: int = 1,
    spread: tuple[float, float] = (0.1, 0.9),
    lang: str | None = None,
) -> pd.DataFrame:
    """Simulate a scenario and return the weekly table per stage and need class.

    Parameters
    ----------
    scenario : Scenario
        The parameters.
    weeks : int, default 104
        Weeks to simulate (1-5200).
    replications : int, default 1000
        Independent runs computed together (at least 1).
    seed : int or None, default 0
        Seed of the random numbers: the same seed gives the same table, and
        scenarios run with the same seed share their random arrivals (common
        random numbers), so differences between them are not noise in the
        arrivals. ``None`` draws a fresh seed.
    steps_per_week : int, default 1
        Steps a week (7 = daily). Waits are counted in whole steps.
    spread : (float, float), default (0.1, 0.9)
        Quantiles across replications for the ``_lo`` and ``_hi`` columns.
    lang : {"sv", "en"}, optional
        Language of the notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per week, stage and need class (the classes, then ``all``
        pooled), columns:

        ``week`` (1, 2, ...), ``stage`` (``first_assessment`` or
        ``deep_start``), ``need_class``
            the row.
        ``arrivals_mean``, ``completions_mean``
            joined the stage's queue and completed it in the week, mean over
            replications.
        ``queue_mean``, ``queue_lo``, ``queue_hi``
            number waiting at the end of the week: mean and the ``spread``
            quantiles over replications.
        ``waiting_age_mean_weeks``
            mean weeks waited so far by those still waiting.
        ``wait_mean_weeks`` (+ ``_lo``, ``_hi``), ``wait_median_weeks``,
        ``wait_p90_weeks`` (+ ``_lo``, ``_hi``)
            **per week**: waits of that week's completions (mean, lower
            median, 90th percentile), computed per replication, then
            averaged (and their quantiles) over the replications that
            completed someone.
        ``share_within_target`` (+ ``_lo``, ``_hi``)
            per week: share of the week's completions within the class's
            target.

        The weekly wait columns describe single weeks. Do not average them
        over weeks for a figure to read: a mean of weekly percentiles is not
        a percentile, and quiet weeks weigh like busy ones. :func:`summary`
        gives the figures over several weeks from the patients' own waits.

        ``attrs`` holds ``scenario`` (as a dict), ``weeks``, ``replications``,
        ``seed``, ``steps_per_week``, ``spread``, ``load`` per stage,
        ``notes`` (texts in ``lang``, e.g. a load above 1),
        ``wait_columns`` (``"per_week"``: what the wait columns describe) and
        ``patient_waits`` (a :class:`PatientLevel`: every patient's wait,
        for :func:`summary`; shared between copies, not copied).

    Raises
    ------
    toolkit.errors.ParameterError
        ``weeks``, ``replications`` or ``steps_per_week`` below 1 or above
        their limits (5 200, 1 000 000, 10 080), their product above
        :data:`MAX_REPLICATION_STEPS` (20 000 000 replication-steps), or a
        run that would need more than 1 GB.

    Notes
    -----
    The model is described in :func:`simulate` and ``docs/simulation.md``.
    Within a replication the counts balance exactly: arrivals = completions
    + change in the queue, for every stage and class. Waits are whole steps:
    with weekly steps a wait of 4 weeks means served in the fourth week after
    the week of referral, i.e. 22 to 28 days.

    Checked against the M/M/1 and M/M/c formulas (mean queue, mean wait to
    the start of service and its 90th percentile, Erlang C probability of
    waiting) and against the ``ciw`` library's ``waiting_time``
    (``benchmarks/bench_simulate.py``), in the ``servers`` capacity model.

    References
    ----------
    .. [1] Kleinrock L. Queueing Systems, Volume 1: Theory. Wiley, 1975
           (M/M/1, M/M/c and the Erlang C formula).
    .. [2] Little JDC. A proof for the queuing formula L = λW. Operations
           Research 1961;9(3):383-387.
    .. [3] Palmer GI, Knight VA, Harper PR, Hawa AL. Ciw: An open-source
           discrete event simulation library. Journal of Simulation
           2019;13(1):68-82.

    Examples
    --------
    >>> sc = Scenario(arrivals_per_week={"urgent": 1, "high": 3, "routine": 16})
    >>> weekly = run(sc, weeks=26, replications=100, seed=7)
    >>> weekly.shape
    (208, 19)
    >>> row = weekly[(weekly.week == 26) & (weekly.stage == "first_assessment")
    ...              & (weekly.need_class == "all")]
    >>> bool(row.queue_lo.item() <= row.queue_mean.item() <= row.queue_hi.item())
    True
    """
    raw = simulate(scenario, weeks, replications, seed, steps_per_week=steps_per_week, lang=lang)
    return table(raw, spread=spread, lang=lang)


#: Columns of :func:`summary`'s table, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "stage",
    "need_class",
    "arrivals_per_week",
    "completions_per_week",
    "queue_mean",
    "queue_end",
    "queue_end_lo",
    "queue_end_hi",
    "wait_mean_weeks",
    "wait_median_weeks",
    "wait_p90_weeks",
    "share_within_target",
    "wait_mean_weeks_lo",
    "wait_mean_weeks_hi",
    "wait_mean_weeks_se",
    "wait_median_weeks_lo",
    "wait_median_weeks_hi",
    "wait_p90_weeks_lo",
    "wait_p90_weeks_hi",
    "share_within_target_lo",
    "share_within_target_hi",
    "wait_everyone_mean_weeks",
    "wait_everyone_mean_weeks_lo",
    "wait_everyone_mean_weeks_hi",
)

#: The patient-level columns of :func:`summary` (after the first eight).
_PATIENT_COLUMNS = SUMMARY_COLUMNS[8:]


def summary(result: pd.DataFrame, last_weeks: int = 26, *, lang: str | None = None) -> pd.DataFrame:
    """One row per stage and need class over the last weeks of a :func:`run` table.

    The waits are **patient-level**: computed from the waits of all patients
    served in the window, not averaged from weekly figures (a week's mean
    or 90th percentile, averaged over weeks, is biased low: the busy weeks,
    when waits are long, are weighted like the quiet ones and percentiles do
    not average).

    Parameters
    ----------
    result : pandas.DataFrame
        A table from :func:`run` or :func:`table` (or rows of one, e.g. its
        first weeks or one need class), with its ``attrs``.
    last_weeks : int, default 26
        Weeks at the end to summarise (all weeks if more than were run).

    Returns
    -------
    pandas.DataFrame
        Columns:

        ``stage``, ``need_class``
            the row (need classes, then ``all`` pooled).
        ``arrivals_per_week``, ``completions_per_week``, ``queue_mean``
            means over the window's weeks (and replications).
        ``queue_end`` (+ ``_lo``, ``_hi``)
            number waiting at the end of the last week: mean and spread.
        ``wait_mean_weeks``, ``wait_median_weeks``, ``wait_p90_weeks``, ``share_within_target``
            mean, lower median, lower 90th percentile of the waits (weeks)
            and share within the class's target, of all patients served in
            the window in all replications together.
        ``*_lo``, ``*_hi``
            the ``spread`` quantiles (attrs) over replications of the same
            figure computed per replication (its patients pooled over the
            window's weeks): how much one run can differ.
        ``wait_mean_weeks_se``
            standard error of ``wait_mean_weeks``, from the spread of the
            replications' means: the simulation's own uncertainty.
        ``wait_everyone_mean_weeks`` (+ ``_lo``, ``_hi``)
            mean wait counting **everyone** who waited in the window, served
            or still waiting (Little's law: mean number waiting at the ends
            of the weeks divided by arrivals a week). Equal to
            ``wait_mean_weeks`` in a steady queue; when the queue grows, or a
            rule leaves some waiting, it keeps counting their time waited so
            far, which ``wait_mean_weeks`` (served only) does not.

        ``attrs`` as in ``result`` without the patient data, plus
        ``last_weeks``, ``weeks_summarised`` ((first, last) week) and
        ``wait_basis``: ``"patients"``, or ``"weeks"`` when ``result`` has
        lost its patient data (its ``attrs`` were cleared): the waits are then
        the weekly figures averaged with the completions as weights, biased
        low, the ``_lo``/``_hi``/``_se``/everyone columns are missing and a
        note says so.

    Notes
    -----
    For stage :math:`s`, class :math:`k` and the window's weeks :math:`w`,
    with :math:`n_{r,x}` patients of replication :math:`r` served with a wait
    of :math:`x` steps (:math:`m` steps a week):

    .. math:: \\bar W = \\frac{\\sum_{r,x} n_{r,x}\\, x}{m \\sum_{r,x} n_{r,x}},
              \\qquad
              W_{p} = \\min\\{x : F(x) \\geq p\\} / m,
              \\qquad
              \\bar W_{\\text{all}} = \\frac{\\sum_{r,w} Q_{r,w}}{\\sum_{r,w} A_{r,w}}

    with :math:`F` the cumulative share of the pooled counts, :math:`Q` the
    number waiting at the end of week :math:`w` and :math:`A` the week's
    arrivals (Little's law, :math:`L = \\lambda W`; with weekly steps
    :math:`\\sum_w Q_w` is exactly the weeks waited in the window). Checked
    against the M/M/1 and M/M/c (Erlang C) mean and 90th percentile and
    against Little's law in ``tests/test_simulate_patient_level.py``.

    References
    ----------
    .. [1] Gross D, Shortle JF, Thompson JM, Harris CM. Fundamentals of
           Queueing Theory, 4th ed. Wiley, 2008, sections 2.2-2.3.
    .. [2] Little JDC. A proof for the queuing formula L = λW. Operations
           Research 1961;9(3):383-387.

    Examples
    --------
    >>> sc = Scenario(classes=("routine",), arrivals_per_week={"routine": 10},
    ...               share_to_deep={"routine": 0.5}, capacity_first_per_week=14)
    >>> s = summary(run(sc, weeks=20, replications=50, seed=1), last_weeks=10)
    >>> s[["stage", "need_class"]].astype(str).values.tolist()
    [['first_assessment', 'routine'], ['first_assessment', 'all'], ['deep_start', 'routine'], ['deep_start', 'all']]
    >>> s.attrs["wait_basis"]
    'patients'
    """
    lang = check_language(lang)
    if not isinstance(result, pd.DataFrame) or not set(RUN_COLUMNS) <= set(result.columns):
        raise ParameterError(
            "common.param_type",
            argument="result",
            expected="the table from toolkit.simulate.run",
            got=type(result).__name__,
            lang=lang,
        )
    if (
        isinstance(last_weeks, bool)
        or not isinstance(last_weeks, (int, np.integer))
        or last_weeks < 1
    ):
        raise ParameterError(
            "common.param_range",
            argument="last_weeks",
            value=last_weeks,
            allowed="1, 2, 3 …",
            lang=lang,
        )
    # NumPy on the category codes: a workbook summarises on every control change
    week = result["week"].to_numpy()
    last = int(week.max())
    first = max(last - int(last_weeks) + 1, int(week.min()))
    stages, classes = result["stage"].cat.categories, result["need_class"].cat.categories
    stage_code = result["stage"].cat.codes.to_numpy(dtype=np.int64)
    class_code = result["need_class"].cat.codes.to_numpy(dtype=np.int64)
    group = stage_code * len(classes) + class_code
    in_part = week >= first
    # groups in the order of the categories (stage, then need class), as groupby sorts them
    ids, index = np.unique(group[in_part], return_inverse=True)

    def column(name: str) -> np.ndarray:
        return np.asarray(result[name].to_numpy(dtype=float)[in_part])

    def mean(name: str) -> np.ndarray:
        values = column(name)
        ok = np.isfinite(values)
        total = np.bincount(index, weights=np.where(ok, values, 0.0), minlength=len(ids))
        count = np.bincount(index, weights=ok.astype(float), minlength=len(ids))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)

    def weighted(name: str) -> np.ndarray:
        """Weekly values averaged with the weekly completions as weights (weeks
        without completions or without a value left out; none left: NaN)."""
        values, completions = column(name), column("completions_mean")
        weights = np.where(np.isfinite(values) & (completions > 0), completions, 0.0)
        total = np.bincount(index, weights=np.nan_to_num(values) * weights, minlength=len(ids))
        weight = np.bincount(index, weights=weights, minlength=len(ids))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(weight > 0, total / weight, np.nan)

    at_end = week == last
    end_row = dict(zip(group[at_end].tolist(), np.flatnonzero(at_end).tolist(), strict=True))
    rows = [end_row[int(i)] for i in ids]

    def last_week(name: str) -> np.ndarray:
        return np.asarray(result[name].to_numpy(dtype=float)[rows])

    attrs = dict(result.attrs)
    patients = attrs.pop("patient_waits", None)
    notes = list(attrs.get("notes", []))
    if isinstance(patients, PatientLevel):
        spread = tuple(attrs.get("spread", (0.1, 0.9)))
        pooled = _pooled_waits(patients, first, last, (float(spread[0]), float(spread[1])))
        # the table's categories are the scenario's classes then "all", as the arrays
        waits = {
            name: pooled[name][ids // len(classes), ids % len(classes)] for name in _PATIENT_COLUMNS
        }
        basis = "patients"
    else:
        waits = {name: np.full(len(ids), np.nan) for name in _PATIENT_COLUMNS}
        for name in SUMMARY_COLUMNS[8:12]:
            waits[name] = weighted(name)
        basis = "weeks"
        notes.append(t("simulate.note.weekly_basis", lang))
    out = pd.DataFrame(
        {
            "stage": np.asarray(stages)[ids // len(classes)],
            "need_class": np.asarray(classes)[ids % len(classes)],
            "arrivals_per_week": mean("arrivals_mean"),
            "completions_per_week": mean("completions_mean"),
            "queue_mean": mean("queue_mean"),
            "queue_end": last_week("queue_mean"),
            "queue_end_lo": last_week("queue_lo"),
            "queue_end_hi": last_week("queue_hi"),
            **waits,
        },
        columns=list(SUMMARY_COLUMNS),
    )
    out["stage"] = pd.Categorical(out["stage"], categories=result["stage"].cat.categories)
    out["need_class"] = pd.Categorical(
        out["need_class"], categories=result["need_class"].cat.categories
    )
    attrs.update(
        {
            "last_weeks": int(last - first + 1),
            "weeks_summarised": (first, last),
            "wait_basis": basis,
            "notes": notes,
        }
    )
    out.attrs.update(attrs)
    return out


def stack_scenarios(
    scenarios: Sequence[Scenario],
    summarise: Callable[[Scenario], pd.DataFrame],
    *,
    lang: str,
) -> pd.DataFrame:
    """``summarise(scenario)`` for each scenario, stacked under a first column ``scenario``.

    Checks that ``scenarios`` is a non-empty list of :class:`Scenario`; a
    repeated name gets " (2)", " (3)" ...; ``attrs["notes"]`` holds each
    part's notes prefixed by its label. Shared by :func:`compare` and
    :func:`toolkit.priority.compare_rules`.
    """
    if isinstance(scenarios, Scenario) or not isinstance(scenarios, Sequence) or not scenarios:
        raise ParameterError(
            "common.param_type",
            argument="scenarios",
            expected="a list of Scenario",
            got=type(scenarios).__name__,
            lang=lang,
        )
    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    seen: dict[str, int] = {}
    for i, sc in enumerate(scenarios):
        if not isinstance(sc, Scenario):
            raise ParameterError(
                "simulate.not_a_scenario",
                argument=f"scenarios[{i}]",
                got=type(sc).__name__,
                lang=lang,
            )
        seen[sc.name] = seen.get(sc.name, 0) + 1
        label = sc.name if seen[sc.name] == 1 else f"{sc.name} ({seen[sc.name]})"
        part = summarise(sc).copy()
        notes += [f"{label}: {n}" for n in part.attrs.get("notes", [])]
        part.insert(0, "scenario", label)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"notes": notes}
    return out


def compare(
    scenarios: Sequence[Scenario],
    weeks: int = 104,
    replications: int = 1000,
    seed: int | None = 0,
    *,
    last_weeks: int = 26,
    steps_per_week: int = 1,
    lang: str | None = None,
) -> pd.DataFrame:
    """Several scenarios side by side: :func:`summary` of each, stacked.

    All scenarios run with the same ``seed``, so they share their random
    numbers (common random numbers) and the differences between rows come
    from the scenarios, not from chance; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`summary` after a first column ``scenario``
        (each scenario's ``name``; a repeated name gets " (2)", " (3)" ...).
        ``attrs["notes"]`` lists each scenario's notes, prefixed by its name.

    Examples
    --------
    >>> base = Scenario(name="fcfs")
    >>> table_ = compare([base, base.replace(name="need", priority_rule="need")],
    ...                  weeks=26, replications=50, last_weeks=13)
    >>> list(table_.scenario.unique())
    ['fcfs', 'need']
    """
    lang = check_language(lang)
    out = stack_scenarios(
        scenarios,
        lambda sc: summary(
            run(sc, weeks, replications, seed, steps_per_week=steps_per_week, lang=lang),
            last_weeks,
            lang=lang,
        ),
        lang=lang,
    )
    out.attrs = {
        "weeks": weeks,
        "replications": replications,
        "seed": seed,
        "steps_per_week": steps_per_week,
        "last_weeks": last_weeks,
        "notes": out.attrs["notes"],
    }
    return out


# ============================================================================
# Section: calibration from a loaded unit
# ============================================================================

_REMOVED = ("rejected", "redirected", "closed_no_visit")
_STAGE2_VISITS = ("assessment", "treatment", "follow_up")


def _weeks_between(later: pd.Series | pd.Timestamp, earlier: pd.Series) -> Any:
    return ((later - earlier).dt.days // 7).astype("int64")


def _age_histogram(ages_weeks: pd.Series) -> list[int]:
    if len(ages_weeks) == 0:
        return [0]
    ages = np.clip(ages_weeks.to_numpy(dtype=np.int64), 0, None)
    return [int(x) for x in np.bincount(ages)]


def calibrate(
    unit: Any,
    *,
    window_weeks: int = 26,
    profile: Any = None,
    base: Scenario | None = None,
    capacity: str = "observed",
    lang: str | None = None,
) -> Scenario:
    """A scenario that starts from a loaded unit's own situation.

    Parameters
    ----------
    unit : toolkit.io.UnitData
        A loaded unit, with referrals (and visits) or with period counts only.
    window_weeks : int, default 26
        Weeks before the unit's extract date over which rates are averaged.
    profile : toolkit.targets.TargetProfile or str, optional
        Targets for ``target_days_first``/``target_days_deep``; default
        ``bup_30_30``.
    base : Scenario, optional
        Fields not measured from the data (seasonality, holidays, rule, ...)
        come from here; default ``Scenario()``.
    capacity : {"observed", "staff"}, default "observed"
        Where ``capacity_first_per_week`` and ``capacity_deep_per_week`` come
        from: ``observed`` measures them from what the unit did in the window
        (below); ``staff`` takes them from the staff table in post at the
        extract date with :func:`capacity_from_staff` (clinical hours turned
        into appointments by :mod:`toolkit.capacity`). Everything else
        (arrivals, DNA rate, formats, follow-up visits per course, queues) is
        measured as with ``observed``, so the follow-up visits of courses
        under way take their share of the staff's stage 2 slots exactly as
        in the model.
    lang : {"sv", "en"}, optional
        Language of the errors.

    Returns
    -------
    Scenario
        With, from event data, per need class (the referral's ``priority``;
        missing = ``routine``):

        ``arrivals_per_week``
            referrals received in the window, less those rejected,
            redirected or closed without a visit, per week.
        ``capacity_first_per_week``
            first assessments done in the window per week, divided by
            ``1 - dna_rate`` (booked slots; no-shows waste slots).
        ``capacity_deep_per_week``
            stage 2 visits booked (assessment, treatment and follow-up,
            attended or not attended) per week, times the slot cost of the
            unit's mix of formats (:meth:`Scenario.visit_cost`). Without
            visits: stage 2 starts per week times (1 + follow-up visits) /
            (1 - dna_rate).
        ``dna_rate``, ``share_group``, ``share_digital``
            from the visits in the window (booked = attended + not attended).
        ``follow_up_visits_per_course``
            stage 2 visits per start in the window, less the start.
        ``follow_up_weeks``
            median weeks from a stage 2 start to the episode's close (1-104;
            the base value without closed episodes).
        ``share_to_deep``
            share of first assessments done before the last 8 weeks that
            have a decision on in-depth assessment or treatment.
        ``start_queue_first``, ``start_queue_deep``
            those waiting at the extract date, by whole weeks waited.
        ``start_week_of_year``
            ISO week after the extract date.

        From period counts only: one class ``routine``; arrivals and
        capacity from the ``arrived`` and ``completed`` counts per week;
        ``share_to_deep`` = stage 2 arrivals / stage 1 completions; start
        queues from the last ``waiting_end``.

    Notes
    -----
    Capacity is measured from what the unit did: when the queue ran dry in
    the window, the true capacity was higher than measured. The rates are the
    window's means; trend and seasonality stay as in ``base``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from toolkit.io import load_unit
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "referrals.csv").write_text(
    ...     "referral_id,received,priority,first_assessment\\n"
    ...     "R1,2024-10-07,routine,2024-10-21\\n"
    ...     "R2,2024-11-04,urgent,2024-11-06\\n"
    ...     "R3,2024-12-02,routine,\\n", encoding="utf-8")
    >>> sc = calibrate(load_unit(folder, extract_date="2024-12-29"), window_weeks=13)
    >>> sc.start_queue_first["routine"]  # R3 has waited 27 days: 3 whole weeks
    [0, 0, 0, 1]
    >>> sc.start_week_of_year
    1
    """
    from toolkit.targets import load_profile

    lang = check_language(lang)
    if (
        isinstance(window_weeks, bool)
        or not isinstance(window_weeks, (int, np.integer))
        or not 1 <= window_weeks <= 520
    ):
        raise ParameterError(
            "common.param_range",
            argument="window_weeks",
            value=window_weeks,
            allowed="1–520",
            lang=lang,
        )
    if capacity not in ("observed", "staff"):
        raise ParameterError(
            "common.param_choice",
            argument="capacity",
            value=capacity,
            allowed="observed, staff",
            lang=lang,
        )
    if capacity == "staff":
        observed = calibrate(unit, window_weeks=window_weeks, profile=profile, base=base, lang=lang)
        staff = capacity_from_staff(unit, lang=lang)
        if staff.first_per_week <= 0 or staff.deep_per_week <= 0:
            raise ParameterError("simulate.no_staff_capacity", argument="capacity", lang=lang)
        return observed.replace(
            capacity_first_per_week=staff.first_per_week,
            capacity_deep_per_week=staff.deep_per_week,
        )
    if profile is None or isinstance(profile, str):
        profile = load_profile(profile or "bup_30_30")
    base = base or Scenario()
    if not isinstance(base, Scenario):
        raise ParameterError(
            "simulate.not_a_scenario", argument="base", got=type(base).__name__, lang=lang
        )
    end = pd.Timestamp(unit.extract_date).normalize()
    start = end - pd.Timedelta(weeks=window_weeks)
    targets = {
        "target_days_first": float(profile.stages["first_assessment"].target_days),
        "target_days_deep": float(profile.stages["deep_start"].target_days),
    }
    week_next = int((end + pd.Timedelta(days=1)).isocalendar().week)
    if unit.kind == "counts":
        return _calibrate_counts(unit, base, start, end, window_weeks, targets, week_next)

    # the window's weeks: holiday weeks and the seasonal level, to turn means into levels
    week_starts = start + pd.to_timedelta(7 * np.arange(window_weeks), unit="D")
    iso = np.array([int(d.isocalendar().week) for d in week_starts + pd.Timedelta(days=1)])
    holidays = {w if w < 53 else 52 for w in base.holiday_weeks}
    working = ~np.isin(np.minimum(iso, 52), list(holidays))
    n_working = int(working.sum()) if working.any() else window_weeks
    season = (
        1 + base.seasonal_amplitude * _school_year_pattern()[np.minimum(iso, 52) - 1]
        if base.seasonality == "school_year"
        else np.ones(window_weeks)
    )

    def per_working_week(dates: pd.Series) -> float:
        """Events per non-holiday week of the window."""
        d = dates[(dates > start) & (dates <= end)]
        week = ((d - start).dt.days - 1) // 7
        keep = (
            working[np.clip(week.to_numpy(dtype=np.int64), 0, window_weeks - 1)]
            if working.any()
            else np.ones(len(d), bool)
        )
        return float(keep.sum()) / n_working

    refs = unit.referrals.copy()
    classes = tuple(k for k in ("urgent", "high", "routine"))
    prio = refs["priority"].astype("object").where(refs["priority"].notna(), "routine")
    refs["_class"] = prio.where(prio.isin(classes), "routine")
    removed = refs["decision"].isin(_REMOVED)
    in_window = (refs["received"] > start) & (refs["received"] <= end)
    arrivals = refs[in_window & ~removed].groupby("_class").size().reindex(classes, fill_value=0)
    arrivals = arrivals / window_weeks / float(season.mean())

    visits = unit.visits
    dna = base.dna_rate
    share_group, share_digital = base.share_group, base.share_digital
    stage2_booked = None
    if len(visits):
        v = visits[(visits["date"] > start) & (visits["date"] <= end)]
        booked = v[v["status"].isin(["attended", "did_not_attend"])]
        if len(booked):
            dna = float((booked["status"] == "did_not_attend").mean())
            s2 = booked[booked["visit_type"].isin(_STAGE2_VISITS)]
            if len(s2):
                share_group = float((s2["mode"] == "group").mean())
                share_digital = float((s2["mode"] == "digital").mean())
                stage2_booked = per_working_week(s2["date"])
    dna = min(dna, 0.9)
    done_first = per_working_week(refs["first_assessment"])
    starts = per_working_week(refs["deep_start"])
    closed = (
        refs["deep_start"].notna() & refs["closed"].notna() & (refs["closed"] >= refs["deep_start"])
    )
    follow_weeks = base.follow_up_weeks
    if closed.any():
        follow_weeks = int(
            np.clip(
                _weeks_between(refs.loc[closed, "closed"], refs.loc[closed, "deep_start"]).median(),
                1,
                104,
            )
        )
    draft = base.replace(share_group=share_group, share_digital=share_digital)
    if stage2_booked is not None and starts > 0:
        follow = max(stage2_booked * (1 - dna) / starts - 1, 0.0)
        cap_deep = stage2_booked * draft.visit_cost()
    else:
        follow = base.follow_up_visits_per_course
        cap_deep = starts * (1 + follow) / (1 - dna) * draft.visit_cost()
    mature = refs["first_assessment"].notna() & (
        refs["first_assessment"] <= end - pd.Timedelta(weeks=8)
    )
    share_deep = {}
    overall = float(refs.loc[mature, "deep_decision"].notna().mean()) if mature.any() else None
    for k in classes:
        rows = refs[mature & (refs["_class"] == k)]
        if len(rows):
            share_deep[k] = float(rows["deep_decision"].notna().mean())
        else:
            share_deep[k] = overall if overall is not None else _share_to_deep(base, k)
    # waiting at the extract date
    open_ = refs["closed"].isna() | (refs["closed"] > end)
    wait1 = (
        (refs["received"] <= end)
        & (refs["first_assessment"].isna() | (refs["first_assessment"] > end))
        & ~removed
        & open_
    )
    wait2 = (
        (refs["deep_decision"] <= end)
        & (refs["deep_start"].isna() | (refs["deep_start"] > end))
        & open_
    )
    start1 = {
        k: _age_histogram(_weeks_between(end, refs.loc[wait1 & (refs["_class"] == k), "received"]))
        for k in classes
    }
    start2 = {
        k: _age_histogram(
            _weeks_between(end, refs.loc[wait2 & (refs["_class"] == k), "deep_decision"])
        )
        for k in classes
    }
    # courses under way: stage 2 starts of the last follow_weeks weeks, per week back,
    # so that their follow-up visits hold stage 2 slots from the first projected week
    started = refs.loc[refs["deep_start"].notna() & (refs["deep_start"] <= end), "deep_start"]
    back = _weeks_between(end, started)
    courses = [int((back == j).sum()) for j in range(follow_weeks)]
    # on the footing of the capacity and follow-ups above (per working week:
    # holiday weeks count less), so that a unit in steady state starts in it
    if sum(courses) > 0 and starts > 0:
        scale = starts * follow_weeks / sum(courses)
        courses = [round(c * scale) for c in courses]
    return base.replace(
        name=str(getattr(unit, "source", "unit")).rstrip("/").split("/")[-1] or "unit",
        classes=classes,
        arrivals_per_week={k: float(arrivals[k]) for k in classes},
        capacity_first_per_week=float(done_first / (1 - dna)),
        capacity_deep_per_week=float(cap_deep),
        dna_rate=dna,
        share_group=share_group,
        share_digital=share_digital,
        follow_up_visits_per_course=float(follow),
        follow_up_weeks=follow_weeks,
        share_to_deep=share_deep,
        start_queue_first=start1,
        start_queue_deep=start2,
        start_courses_deep=courses,
        start_week_of_year=week_next,
        reserved_shares={k: v for k, v in base.reserved_shares.items() if k in classes},
        class_target_days={k: v for k, v in base.class_target_days.items() if k in classes},
        **targets,
    )


def _calibrate_counts(
    unit: Any,
    base: Scenario,
    start: pd.Timestamp,
    end: pd.Timestamp,
    window_weeks: int,
    targets: dict[str, float],
    week_next: int,
) -> Scenario:
    counts = unit.period_counts.sort_values("period")
    periods = np.sort(counts["period"].unique())
    days = (
        float(np.median(np.diff(periods)).astype("timedelta64[D]").astype(float))
        if len(periods) > 1
        else 7.0
    )
    window = counts[
        (counts["period"] > start - pd.Timedelta(days=days)) & (counts["period"] <= end)
    ]
    n_periods = max(window["period"].nunique(), 1)
    per_week = 7.0 / days / n_periods

    def total(stage: str, column: str) -> float:
        return float(window.loc[window["stage"] == stage, column].astype(float).sum())

    dna = base.dna_rate
    arrived1 = (
        total("first_assessment", "arrived") - total("first_assessment", "removed")
        if "removed" in window
        else total("first_assessment", "arrived")
    )
    done1, arrived2, done2 = (
        total("first_assessment", "completed"),
        total("deep_start", "arrived"),
        total("deep_start", "completed"),
    )
    last = counts[counts["period"] == counts["period"].max()].set_index("stage")["waiting_end"]
    follow = base.follow_up_visits_per_course
    k = "routine"
    return base.replace(
        name=str(getattr(unit, "source", "unit")).rstrip("/").split("/")[-1] or "unit",
        classes=(k,),
        arrivals_per_week={k: max(arrived1, 0.0) * per_week},
        capacity_first_per_week=done1 * per_week / (1 - dna),
        capacity_deep_per_week=done2 * per_week * (1 + follow) / (1 - dna) * base.visit_cost(),
        share_to_deep={k: min(arrived2 / done1, 1.0) if done1 > 0 else _share_to_deep(base, k)},
        start_queue_first={k: int(last.get("first_assessment", 0) or 0)},
        start_queue_deep={k: int(last.get("deep_start", 0) or 0)},
        start_week_of_year=week_next,
        reserved_shares={},
        class_target_days={},
        **targets,
    )


# ============================================================================
# Section: capacity from staff hours
# ============================================================================

#: Visit types whose appointments are stage 1 slots and stage 2 slots in the model.
STAFF_STAGE_VISITS: dict[str, tuple[str, ...]] = {
    "first_assessment": ("first_assessment",),
    "deep_start": _STAGE2_VISITS,
}


@dataclass(frozen=True)
class StaffCapacity:
    """Weekly slots per stage that a unit's staff hours allow (see :func:`capacity_from_staff`).

    Attributes
    ----------
    first_per_week : float
        Booked first-assessment appointments a week: the model's
        ``capacity_first_per_week`` (no-shows are taken off by the model).
    deep_per_week : float
        Stage 2 clinician slots a week (in-depth assessment, treatment and
        follow-up appointments, in one-to-one equivalents): the model's
        ``capacity_deep_per_week``.
    deep_booked_per_week : float
        Booked stage 2 appointments a week (patient visits) at the formats
        used in ``appointments``; equals ``deep_per_week`` with no group or
        digital visits.
    clinical_hours_per_week : float
        Clinical hours a week of all staff categories.
    appointments : pandas.DataFrame
        The table of :func:`toolkit.capacity.appointments_per_week` it was
        computed from (left out of comparisons).
    """

    first_per_week: float
    deep_per_week: float
    deep_booked_per_week: float
    clinical_hours_per_week: float
    appointments: pd.DataFrame = field(compare=False, repr=False)

    def as_dict(self) -> dict[str, float]:
        """The four numbers as a dict (for reports and ``DataFrame.attrs``)."""
        return {
            "first_per_week": self.first_per_week,
            "deep_per_week": self.deep_per_week,
            "deep_booked_per_week": self.deep_booked_per_week,
            "clinical_hours_per_week": self.clinical_hours_per_week,
        }


def _with_added_fte(
    hours: pd.DataFrame, added_fte: Mapping[str, float] | None, lang: str
) -> pd.DataFrame:
    """A staff-hours table with FTE added per category, at the category's hours per FTE.

    The same rule as :func:`toolkit.capacity.change_effect`: added FTE work
    the category's mean contracted hours per FTE (the full-time default when
    the unit has none of that category).
    """
    from toolkit import capacity as cap

    if not added_fte:
        return hours
    out = hours.copy()
    fte = out["fte"].astype(float).to_numpy()
    contracted = out["contracted_hours_per_week"].astype(float).to_numpy()
    full = float(out.attrs.get("full_time_hours_per_week", cap.default("full_time_hours_per_week")))
    per_fte = np.divide(contracted, fte, out=np.full(len(fte), full), where=fte > 0)
    delta = np.zeros(len(fte))
    categories = out["staff_category"].astype(str).tolist()
    for key, value in added_fte.items():
        if key not in categories:
            raise ParameterError(
                "common.param_choice",
                argument="added_fte",
                value=key,
                allowed=", ".join(cap.STAFF_CATEGORIES),
                lang=lang,
            )
        i = categories.index(key)
        x = _number(f"added_fte[{key!r}]", value, -fte[i], 1e4, f"≥ {-fte[i]:g}")
        delta[i] = x
    out["fte"] = fte + delta
    out["contracted_hours_per_week"] = np.clip(contracted + delta * per_fte, 0.0, None)
    return out


def capacity_from_staff(
    unit_or_staff: Any,
    *,
    visits: pd.DataFrame | None = None,
    absence_share: float | Mapping[str, float] | None = None,
    non_clinical_share: float | Mapping[str, float] | None = None,
    time_use: pd.DataFrame | None = None,
    on: str | pd.Timestamp | None = None,
    added_fte: Mapping[str, float] | None = None,
    freed_non_clinical_share: float = 0.0,
    appointment_options: Mapping[str, Any] | None = None,
    lang: str | None = None,
) -> StaffCapacity:
    """Stage 1 and stage 2 slots a week from staff hours, by :mod:`toolkit.capacity`'s chain.

    The chain is :func:`toolkit.capacity.staff_hours` (who is in post on
    ``on``) → :func:`toolkit.capacity.clinical_hours` (minus absence and
    non-clinical time) → :func:`toolkit.capacity.appointments_per_week`
    (clinical hours split over visit types and divided by the clinician time
    an appointment takes). The first-assessment appointments are the stage 1
    slots; the in-depth assessment, treatment and follow-up appointments are
    the stage 2 slots, because in the model the follow-up visits of courses
    under way take stage 2 slots before new starts do.

    Parameters
    ----------
    unit_or_staff : toolkit.io.UnitData or pandas.DataFrame
        A loaded unit (its ``staff``, ``visits`` and ``time_use`` tables are
        used, and ``on`` defaults to its extract date) or a ``staff`` table.
    visits : pandas.DataFrame, optional
        Visits to measure the visit mix, lengths and formats from (default
        the unit's; none for a staff table: ``toolkit.capacity``'s defaults).
    absence_share, non_clinical_share : float or mapping per staff category, optional
        As in :func:`toolkit.capacity.clinical_hours`. Without
        ``non_clinical_share`` the time-use study is used when there is one,
        else the default.
    time_use : pandas.DataFrame, optional
        A ``time_use`` table (default the unit's).
    on : date, optional
        Count the staff in post on this day (default: a unit's extract date;
        for a staff table the rows with no end date).
    added_fte : mapping staff category -> float, optional
        FTE added (or, negative, removed) per category, at the category's
        hours per FTE (as :func:`toolkit.capacity.change_effect`).
    freed_non_clinical_share : float, default 0
        Share of the non-clinical hours turned into clinical hours (0–1).
    appointment_options : mapping, optional
        Further keyword arguments for
        :func:`toolkit.capacity.appointments_per_week` (``visit_mix``,
        ``mean_duration_min``, ``dna_rate``, ``share_group``, ...).
    lang : {"sv", "en"}, optional
        Language of the errors.

    Returns
    -------
    StaffCapacity
        ``first_per_week`` and ``deep_per_week`` are the values for
        :class:`Scenario`'s ``capacity_first_per_week`` and
        ``capacity_deep_per_week``.

    Notes
    -----
    With :math:`B_{kv}` the booked appointments a week of staff category
    :math:`k` and visit type :math:`v`, :math:`m_{kv}` the clinician minutes
    one takes and :math:`d_v` the one-to-one length (min), all from
    :func:`toolkit.capacity.appointments_per_week`:

    .. math::

        C_1 = \\sum_k B_{k,\\text{first}}, \\qquad
        C_2 = \\sum_k \\sum_{v \\in \\{\\text{assessment, treatment, follow-up}\\}}
              B_{kv}\\, \\frac{m_{kv}}{d_v}

    :math:`C_1` is booked slots a week (the model takes off no-shows with its
    ``dna_rate``). :math:`C_2` counts clinician slots in one-to-one
    equivalents (:math:`B\\,m/d = 60\\,H_{kv}/d_v`, :math:`H_{kv}` the
    clinical hours a week for that visit type), because the model divides
    ``capacity_deep_per_week`` by the slots one visit takes under its own
    group and digital shares (:meth:`Scenario.visit_cost`). Each appointment
    counts as one slot whatever its length; the visit mix (the unit's own
    when visits are given) decides how clinical hours are split.

    References
    ----------
    CAPA: capacity = FTE × sessions × share of time in that work ×
    appointments per session × share actually worked (camhsnetwork.co.uk,
    "CAPA Demand and Capacity Modelling"); see :mod:`toolkit.capacity`.

    Examples
    --------
    Two full-time psychologists (40 h), 10 % absence, half the time at work
    non-clinical: 2 × 40 × 0.9 × 0.5 = 36 clinical hours a week. With a
    fifth of them on 60-minute first assessments: 36 × 0.2 × 60 / 60 = 7.2
    first-assessment slots, and 36 × 0.8 = 28.8 stage 2 slots.

    >>> import pandas as pd
    >>> staff = pd.DataFrame({"staff_id": ["A", "B"], "category": ["psychologist"] * 2,
    ...                       "fte": [1.0, 1.0], "hours_per_week": [40.0, 40.0]})
    >>> c = capacity_from_staff(staff, absence_share=0.1, non_clinical_share=0.5,
    ...     appointment_options={"visit_mix": {"first_assessment": 0.2, "treatment": 0.8},
    ...                          "mean_duration_min": 60})
    >>> round(c.first_per_week, 6), round(c.deep_per_week, 6)
    (7.2, 28.8)
    """
    from toolkit import capacity as cap

    lang = check_language(lang)
    if isinstance(unit_or_staff, pd.DataFrame):
        staff = unit_or_staff
    elif isinstance(getattr(unit_or_staff, "staff", None), pd.DataFrame):
        staff = unit_or_staff.staff
        if visits is None and len(unit_or_staff.visits):
            visits = unit_or_staff.visits
        if time_use is None and len(unit_or_staff.time_use):
            time_use = unit_or_staff.time_use
        if on is None:
            on = unit_or_staff.extract_date
    else:
        raise ParameterError(
            "common.param_type",
            argument="unit_or_staff",
            expected="toolkit.io.UnitData or pandas.DataFrame",
            got=type(unit_or_staff).__name__,
            lang=lang,
        )
    phi = _number("freed_non_clinical_share", freed_non_clinical_share, 0, 1, "0–1")
    non_clinical: Any = non_clinical_share
    if non_clinical is None and time_use is not None and len(time_use):
        non_clinical = cap.time_use_shares(time_use, lang=lang)
    before = cap.staff_hours(staff, on=on, lang=lang)
    hours = _with_added_fte(before, added_fte, lang)
    clinical = cap.clinical_hours(
        hours, absence_share=absence_share, non_clinical_share=non_clinical, lang=lang
    )
    if phi > 0:
        freed = {
            str(k): float(n) * (1.0 - phi)
            for k, n in zip(clinical["staff_category"], clinical["non_clinical_share"], strict=True)
        }
        clinical = cap.clinical_hours(
            hours, absence_share=absence_share, non_clinical_share=freed, lang=lang
        )
    table_ = cap.appointments_per_week(
        clinical, visits, lang=lang, **dict(appointment_options or {})
    )
    booked = table_["booked_appointments_per_week"].astype(float)
    slots = (
        booked
        * table_["clinician_minutes_per_appointment"].astype(float)
        / table_["mean_duration_min"].astype(float)
    )
    first = table_["visit_type"].astype(str).isin(STAFF_STAGE_VISITS["first_assessment"])
    deep = table_["visit_type"].astype(str).isin(STAFF_STAGE_VISITS["deep_start"])
    return StaffCapacity(
        first_per_week=float(booked[first].sum()),
        deep_per_week=float(slots[deep].sum()),
        deep_booked_per_week=float(booked[deep].sum()),
        clinical_hours_per_week=float(clinical["clinical_hours_per_week"].sum()),
        appointments=table_,
    )
