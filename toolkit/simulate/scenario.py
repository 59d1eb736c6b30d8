"""The scenario: the parameters of one "what if", their checks and derived quantities."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.simulate.rules import RULES

#: The two stages of the pathway, named as in the target profiles.
STAGES: tuple[str, ...] = ("first_assessment", "deep_start")
#: Seasonality patterns of the arrivals.
SEASONALITY: tuple[str, ...] = ("none", "school_year")
#: Capacity models: bookable slots (the pathway) or busy servers (M/M/c validation).
CAPACITY_MODELS: tuple[str, ...] = ("slots", "servers")
#: Label of the rows that pool all need classes.
ALL_CLASSES = "all"
#: Weeks in the model's year (ISO week 53 is folded into week 52's pattern).
WEEKS_PER_YEAR = 52
#: Upper limit of arrivals per week and class: keeps counts far from integer overflow.
MAX_ARRIVALS_PER_WEEK = 100_000.0


def _default_target(stage: str) -> float:
    from toolkit.targets import load_profile

    return float(load_profile("bup_30_30").stages[stage].target_days)


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
    toolkit.errors.ParameterError: dna_rate = 1,2 ligger utanför det tillåtna intervallet ≥ 0 och < 1.
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
        share = np.array([share_to_deep(self, k) for k in self.classes], dtype=float)
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


def share_to_deep(sc: Scenario, k: str) -> float:
    """Class ``k``'s share to stage 2: the scenario's, else the default of its name (0.7)."""
    if k in sc.share_to_deep:
        return float(sc.share_to_deep[k])
    return _DEFAULT_SHARE_TO_DEEP.get(k, 0.7)


def _ratio(a: float, b: float) -> float:
    if b > 0:
        return a / b
    return 0.0 if a == 0 else math.inf


def _check_mapping(sc: Scenario, name: str, low: float, high: float) -> dict[str, float]:
    mapping = getattr(sc, name)
    if not isinstance(mapping, Mapping):
        raise checks.type_error(name, "mapping class -> number", type(mapping).__name__)
    out = {}
    for k, v in mapping.items():
        if k not in sc.classes:
            raise ParameterError(
                "simulate.unknown_class", argument=name, value=k, allowed=", ".join(sc.classes)
            )
        out[k] = checks.in_range(f"{name}[{k!r}]", v, low=low, high=high, expected="number")
    return out


def _validate(sc: Scenario) -> None:
    """Check every field, in the order of the fields; the first problem raises."""
    lam = _check_classes_and_arrivals(sc)
    capacity = _check_calendar_and_capacity(sc)
    share = _check_visits(sc)
    _check_rule(sc)
    _check_start_queues(sc)
    _check_targets_and_model(sc)
    _check_demand_meets_capacity(sc, lam, share, capacity)


def _check_classes_and_arrivals(sc: Scenario) -> dict[str, float]:
    if (
        not isinstance(sc.classes, tuple)
        or not sc.classes
        or not all(isinstance(k, str) and k for k in sc.classes)
    ):
        raise checks.type_error("classes", "tuple of class names", repr(sc.classes))
    if len(set(sc.classes)) != len(sc.classes) or ALL_CLASSES in sc.classes:
        raise checks.range_error(
            "classes",
            sc.classes,
            {
                "sv": f"olika namn, inget av dem {ALL_CLASSES!r}",
                "en": f"distinct names other than {ALL_CLASSES!r}",
            },
        )
    return _check_mapping(sc, "arrivals_per_week", 0, MAX_ARRIVALS_PER_WEEK)


def _check_calendar_and_capacity(sc: Scenario) -> tuple[float, float]:
    """Trend, seasonality, variation, capacity and holidays; returns the two capacities."""
    checks.in_range(
        "trend_per_year", sc.trend_per_year, low=-1, high=10, expected="number", low_open=True
    )
    checks.one_of("seasonality", sc.seasonality, SEASONALITY)
    checks.in_range("seasonal_amplitude", sc.seasonal_amplitude, low=0, high=1, expected="number")
    checks.in_range("arrival_extra_cv", sc.arrival_extra_cv, low=0, high=2, expected="number")
    checks.in_range("capacity_extra_cv", sc.capacity_extra_cv, low=0, high=2, expected="number")
    c1 = checks.in_range(
        "capacity_first_per_week", sc.capacity_first_per_week, low=0, high=1e6, expected="number"
    )
    c2 = checks.in_range(
        "capacity_deep_per_week", sc.capacity_deep_per_week, low=0, high=1e6, expected="number"
    )
    if not isinstance(sc.holiday_weeks, tuple):
        raise checks.type_error(
            "holiday_weeks", "tuple of ISO weeks", type(sc.holiday_weeks).__name__
        )
    for w in sc.holiday_weeks:
        checks.integer("holiday_weeks", w, low=1, high=53)
    checks.in_range(
        "holiday_capacity_factor", sc.holiday_capacity_factor, low=0, high=1, expected="number"
    )
    checks.integer("start_week_of_year", sc.start_week_of_year, low=1, high=53)
    return c1, c2


def _check_visits(sc: Scenario) -> dict[str, float]:
    """No-shows, routing, follow-ups and visit formats; returns ``share_to_deep`` as given."""
    checks.in_range("dna_rate", sc.dna_rate, low=0, high=1, expected="number", high_open=True)
    share = _check_mapping(sc, "share_to_deep", 0, 1)
    checks.in_range(
        "follow_up_visits_per_course",
        sc.follow_up_visits_per_course,
        low=0,
        high=1000,
        expected="number",
    )
    checks.integer("follow_up_weeks", sc.follow_up_weeks, low=1, high=520)
    g = checks.in_range("share_group", sc.share_group, low=0, high=1, expected="number")
    d = checks.in_range("share_digital", sc.share_digital, low=0, high=1, expected="number")
    if g + d > 1 + 1e-12:
        raise ParameterError(
            "simulate.shares_sum", argument="share_group + share_digital", total=round(g + d, 6)
        )
    checks.in_range("group_size", sc.group_size, low=1, high=1000, expected="number")
    checks.in_range(
        "group_clinicians", sc.group_clinicians, low=0, high=100, expected="number", low_open=True
    )
    checks.in_range(
        "digital_time_factor",
        sc.digital_time_factor,
        low=0,
        high=10,
        expected="number",
        low_open=True,
    )
    return share


def _check_rule(sc: Scenario) -> None:
    checks.one_of("priority_rule", sc.priority_rule, RULES)
    reserved = _check_mapping(sc, "reserved_shares", 0, 1)
    if sum(reserved.values()) > 1 + 1e-12:
        raise ParameterError(
            "simulate.shares_sum",
            argument="reserved_shares",
            total=round(sum(reserved.values()), 6),
        )


def _check_start_queues(sc: Scenario) -> None:
    for name in ("start_queue_first", "start_queue_deep"):
        mapping = getattr(sc, name)
        if not isinstance(mapping, Mapping):
            raise checks.type_error(name, "mapping class -> count", type(mapping).__name__)
        for k, v in mapping.items():
            if k not in sc.classes:
                raise ParameterError(
                    "simulate.unknown_class", argument=name, value=k, allowed=", ".join(sc.classes)
                )
            values = list(v) if isinstance(v, Sequence) and not isinstance(v, str) else [v]
            for x in values:
                checks.integer(f"{name}[{k!r}]", x, low=0, high=10_000_000)


def _check_targets_and_model(sc: Scenario) -> None:
    checks.in_range(
        "target_days_first",
        sc.target_days_first,
        low=0,
        high=3650,
        expected="number",
        low_open=True,
    )
    checks.in_range(
        "target_days_deep", sc.target_days_deep, low=0, high=3650, expected="number", low_open=True
    )
    _check_mapping(sc, "class_target_days", 0, 3650)
    checks.one_of("capacity_model", sc.capacity_model, CAPACITY_MODELS)
    checks.integer("servers_first", sc.servers_first, low=1, high=100_000)
    checks.integer("servers_deep", sc.servers_deep, low=1, high=100_000)


def _check_demand_meets_capacity(
    sc: Scenario, lam: dict[str, float], share: dict[str, float], capacity: tuple[float, float]
) -> None:
    """A stage with arrivals needs capacity."""
    c1, c2 = capacity
    demand1 = sum(lam.values())
    if demand1 > 0 and c1 == 0:
        raise ParameterError(
            "simulate.zero_capacity", argument="capacity_first_per_week", demand=demand1
        )
    demand2 = sum(lam.get(k, 0.0) * share.get(k, share_to_deep(sc, k)) for k in sc.classes)
    if demand2 > 0 and c2 == 0:
        raise ParameterError(
            "simulate.zero_capacity", argument="capacity_deep_per_week", demand=round(demand2, 3)
        )
