"""The engine: one run of the model, all replications at once, step by step.

:func:`simulate` checks its arguments, builds the run's fixed inputs
(:class:`_Plan`) and its state (:class:`_State`), then calls one **step
function** per step: :func:`_slots_step` for the slot model of the pathway,
:func:`_servers_step` for the M/M/c servers model used for validation. At
the end of each week :func:`_record_week` reads the queues' statistics, and
:func:`_collect` turns the working arrays into a :class:`RawRun`. The
variables are named as in :func:`simulate`'s notes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.simulate._types import FloatArray, IntArray
from toolkit.simulate.calendar import arrival_levels, holiday_factor
from toolkit.simulate.rules import PRIORITY_RULES, PriorityRule, allocate_in_order
from toolkit.simulate.scenario import ALL_CLASSES, STAGES, Scenario, share_to_deep
from toolkit.simulate.state import CohortQueue, start_histogram, start_ring

#: Largest memory a run may need, in bytes (the issue's limit: 1 GB).
MEMORY_LIMIT_BYTES = 1_000_000_000
#: Largest weeks × replications × steps_per_week of one run: bounds the weekly
#: arrays (about 0.6 kB per replication-week with three classes) and the time (one
#: step of all replications takes a few microseconds per replication).
MAX_REPLICATION_STEPS = 20_000_000


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
    scenario: Any, weeks: Any, replications: Any, seed: Any, steps_per_week: Any
) -> None:
    if not isinstance(scenario, Scenario):
        raise ParameterError(
            "simulate.not_a_scenario", argument="scenario", got=type(scenario).__name__
        )
    for name, value, high in (
        ("weeks", weeks, 5200),
        ("replications", replications, 1_000_000),
        ("steps_per_week", steps_per_week, 10_080),
    ):
        checks.integer(name, value, low=1, high=high)
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
        )
    # the weekly results: 9 arrays of 8-byte numbers per week, stage, class (+ all), replication
    weekly_bytes = int(weeks) * int(replications) * 2 * (len(scenario.classes) + 1) * 9 * 8
    if weekly_bytes > MEMORY_LIMIT_BYTES:
        raise ParameterError(
            "simulate.too_big",
            argument="weeks × replications",
            value=f"{int(weeks)} × {int(replications)}",
            gigabytes=round(weekly_bytes / 1e9, 1),
        )
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise checks.type_error("seed", "integer >= 0 or None", repr(seed))


def simulate(
    scenario: Scenario,
    weeks: int = 104,
    replications: int = 1000,
    seed: int | None = 0,
    *,
    steps_per_week: int = 1,
    wait_histogram_after_weeks: int | None = None,
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
    The state, for every replication at once: the patients ``waiting`` at
    each stage by the step they joined (:class:`~toolkit.simulate.state.CohortQueue`),
    the stage 2 starts of the last :math:`L` steps (``follow_up_ring``) and,
    in the ``servers`` model, the number ``in_service`` :math:`b_j`. Each
    step :math:`t` (:func:`_slots_step`):

    1. ``arrivals`` :math:`A_{k,t} \\sim \\mathrm{Poisson}(\\lambda_k(t) G_{k,w} / m)`
       join stage 1 (class :math:`k`, :math:`\\lambda_k(t)` the
       ``arrival_levels``, :math:`m` = ``steps_per_week``, :math:`G` =
       ``arrival_gamma`` a gamma variable with mean 1 and cv
       ``arrival_extra_cv``, drawn once a week);
    2. stage 1 ``slots`` :math:`C_{1,t} \\sim \\mathrm{Poisson}(h_w C_1 H_w / m)`
       (:math:`h_w` the ``holiday_factor``, :math:`H_w` = ``capacity_gamma``
       as above); the :math:`\\min(C, N)` booked slots lose
       ``no_shows`` :math:`D \\sim \\mathrm{Binomial}(\\min(C, N), p_{DNA})`;
       the remaining slots are given out by the priority rule's allocator
       (:mod:`toolkit.simulate.rules`), oldest cohort first within a class;
    3. each stage 1 completion of class :math:`k` joins stage 2 with
       probability :math:`s_k` (``share_to_deep``);
    4. stage 2 patient slots :math:`\\mathrm{Poisson}(h_w C_2 H_w / (m c))`
       (:math:`c` = ``visit_cost``, :meth:`Scenario.visit_cost`) less the
       ``follow_up_due``, :math:`v / (L (1 - p_{DNA}))` per start in the
       last :math:`L` = ``follow_up_weeks`` x :math:`m` steps
       (``follow_up_steps``; stochastically rounded), then no-shows and the
       rule as in 2.

    In the ``servers`` model each step instead has at most one event per
    replication (:func:`_servers_step`, the uniformised M/M/c chain): an
    arrival of class :math:`k` with probability :math:`\\lambda_k / m`, or
    the end of one of the :math:`b_j` busy services at stage :math:`j` with
    probability :math:`b_j h_w C_j / (c_j m)` (:math:`c_j` servers; the
    class that ends is drawn in proportion to the classes in service). A
    stage 1 end joins stage 2 with probability :math:`s_k`. Then free servers
    take the waiting by the priority rule; the wait recorded is to that start.

    Waits are counted in whole steps: a patient served in the step they
    arrived waited 0. The number waiting is counted at the end of a step, so
    the sum over steps of the number waiting equals the sum of the waits
    (Little's law holds exactly on a run that starts and ends empty).
    """
    _check_run_args(scenario, weeks, replications, seed, steps_per_week)
    pool_after = _check_pool_after(wait_histogram_after_weeks, weeks)
    plan = _plan(scenario, int(weeks), int(replications), int(steps_per_week))
    state = _start_state(plan, pool_after is not None)
    streams = _Streams.spawn(seed)
    step = _servers_step if plan.servers_model else _slots_step
    m = plan.steps_per_week
    for w in range(plan.weeks):
        week = _draw_week(plan, streams, w)
        for s in range(m):
            step(plan, state, streams, w, w * m + s, week)
        _record_week(plan, state, w, pool_after is not None and w >= pool_after)
    return _collect(plan, state, seed)


def _check_pool_after(pool_after: Any, weeks: int) -> int | None:
    if pool_after is None:
        return None
    return checks.whole("wait_histogram_after_weeks", pool_after, low=0, high=weeks)


@dataclass(frozen=True)
class _Plan:
    """The fixed inputs of one run, named as in :func:`simulate`'s notes.

    Per-week arrays are indexed ``[week]``, per-class ones ``[class]``, per
    stage and class ``[stage, class]``; the ``servers`` model ignores
    ``visit_cost``, ``follow_up_visits`` and ``dna_rate`` (set to 1, 0, 0).
    """

    scenario: Scenario
    weeks: int
    replications: int
    steps_per_week: int  # m
    n_classes: int  # K
    arrival_levels: FloatArray  # lambda_k(t), a week [week, class]
    holiday_factor: FloatArray  # h_w [week]
    share_to_deep: FloatArray  # s_k [class]
    target_steps: FloatArray  # target in steps [stage, class]
    shifts: IntArray  # target minus the stage's shortest, whole steps [stage, class]
    at_risk_steps: IntArray  # age at which a patient passes the target next step
    reserved_shares: FloatArray  # [class]
    rule: PriorityRule
    servers_model: bool
    servers: tuple[int, int]  # c_j
    visit_cost: float  # c
    follow_up_visits: float  # v
    dna_rate: float  # p_DNA
    follow_up_steps: int  # L = follow_up_weeks x m
    start_queues: tuple[list[IntArray], list[IntArray]]  # by whole weeks waited


def _plan(sc: Scenario, weeks: int, replications: int, m: int) -> _Plan:
    """The run's fixed inputs; checks its memory and, for ``servers``, its steps."""
    K, T = len(sc.classes), weeks * m
    share = np.array([share_to_deep(sc, k) for k in sc.classes])
    levels = arrival_levels(sc, weeks)  # [W, K]
    start1 = start_histogram(sc, "start_queue_first", levels[0])
    start2 = start_histogram(sc, "start_queue_deep", levels[0] * share)
    a0 = [max(len(h) for h in start) * m for start in (start1, start2)]
    need = replications * K * (sum(a0) + 2 * (T + 1)) * 8 * 6
    if need > MEMORY_LIMIT_BYTES:
        raise ParameterError(
            "simulate.too_big",
            argument="replications",
            value=replications,
            gigabytes=round(need / 1e9, 1),
        )
    holiday = holiday_factor(sc, weeks)
    servers = sc.capacity_model == "servers"
    if servers:
        per_week = levels.sum(axis=1).max() + holiday.max() * (
            sc.capacity_first_per_week + sc.capacity_deep_per_week
        )
        if per_week > m:
            raise ParameterError(
                "simulate.steps_too_coarse",
                argument="steps_per_week",
                value=m,
                minimum=math.ceil(per_week),
            )
    targets = sc.target_days()
    target_steps = np.array([[targets[s][k] / 7 * m for k in sc.classes] for s in STAGES])
    return _Plan(
        scenario=sc,
        weeks=weeks,
        replications=replications,
        steps_per_week=m,
        n_classes=K,
        arrival_levels=levels,
        holiday_factor=holiday,
        share_to_deep=share,
        target_steps=target_steps,
        shifts=np.round(target_steps - target_steps.min(axis=1, keepdims=True)).astype(np.int64),
        # a patient at age >= at_risk (steps) is past the target if not served this step
        at_risk_steps=np.floor(target_steps - 1 + 1e-9).astype(np.int64) + 1,
        reserved_shares=np.array([sc.reserved_shares.get(k, 0.0) for k in sc.classes]),
        rule=PRIORITY_RULES[sc.priority_rule],
        servers_model=servers,
        servers=(sc.servers_first, sc.servers_deep),
        visit_cost=1.0 if servers else sc.visit_cost(),
        follow_up_visits=0.0 if servers else sc.follow_up_visits_per_course,
        dna_rate=0.0 if servers else sc.dna_rate,
        follow_up_steps=sc.follow_up_weeks * m,
        start_queues=(start1, start2),
    )


@dataclass(frozen=True)
class _Streams:
    """The run's random number streams, one per kind of draw.

    The seventh stream (stage 2 no-shows) leaves the first six as they were;
    with its own stream, what happens at stage 2 never shifts stage 1's
    random numbers, so rules that serve stage 1 alike give stage 1 the same
    run. In the ``servers`` model ``capacity`` draws the step's event.
    """

    arrivals: np.random.Generator
    capacity: np.random.Generator
    no_shows: np.random.Generator
    routing: np.random.Generator
    rounding: np.random.Generator
    gamma: np.random.Generator
    no_shows_deep: np.random.Generator

    @classmethod
    def spawn(cls, seed: int | None) -> _Streams:
        return cls(*(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)))


@dataclass
class _State:
    """What changes during a run, and the weekly results so far.

    ``waiting`` holds each stage's queue; ``in_service`` the number in
    service per stage, class and replication (``servers`` model);
    ``follow_up_ring[t % L]`` the stage 2 starts of step ``t`` of the last
    :math:`L` steps and ``follow_up_ring_sum`` their sum. The results are
    in the working layout ``[week, stage, class (+ all), replication]``
    (``slots`` and the like ``[week, stage, replication]``), transposed by
    :func:`_collect`.
    """

    waiting: tuple[CohortQueue, CohortQueue]
    in_service: list[IntArray]
    follow_up_ring: IntArray
    follow_up_ring_sum: IntArray
    counts: dict[str, IntArray]
    waits: dict[str, FloatArray]
    slots: FloatArray
    dna: FloatArray
    borrowed: FloatArray
    follow_up_slots: FloatArray
    pools: list[IntArray | None]
    served_parts: list[tuple[int, int, tuple[IntArray, IntArray, IntArray, IntArray]]] = field(
        default_factory=list
    )


#: The integer and the float weekly results of :class:`RawRun` that the state collects.
_COUNTS = ("arrivals", "completions", "queue", "queue_age_sum", "in_service")
_WAITS = ("wait_sum", "within", "wait_median", "wait_p90")


def _start_state(plan: _Plan, pooled: bool) -> _State:
    W, K, R, m = plan.weeks, plan.n_classes, plan.replications, plan.steps_per_week
    T = W * m
    a0 = [max(len(h) for h in start) * m for start in plan.start_queues]
    waiting = (
        CohortQueue(R, K, a0[0], T, plan.start_queues[0], m),
        CohortQueue(R, K, a0[1], T, plan.start_queues[1], m),
    )
    sc = plan.scenario
    ring = np.zeros((plan.follow_up_steps, R), dtype=np.int64)
    ring[:, :] = start_ring(sc.start_courses_deep, sc.follow_up_weeks, m)[:, None]
    shape = (W, 2, K + 1, R)
    return _State(
        waiting=waiting,
        in_service=[np.zeros((K, R), dtype=np.int64) for _ in range(2)],
        follow_up_ring=ring,
        follow_up_ring_sum=ring.sum(axis=0),
        counts={n: np.zeros(shape, dtype=np.int64) for n in _COUNTS},
        waits={n: np.zeros(shape) for n in _WAITS},
        slots=np.zeros((W, 2, R)),
        dna=np.zeros((W, 2, R)),
        borrowed=np.zeros((W, 2, R)),
        follow_up_slots=np.zeros((W, 2, R)),
        pools=[np.zeros_like(q.hist) if pooled else None for q in waiting],
    )


@dataclass(frozen=True)
class _WeekDraws:
    """Drawn once a week: the arrival rate a step [class, replication] and :math:`H_w` [stage, replication]."""

    arrival_rate_per_step: FloatArray
    capacity_gamma: FloatArray


def _draw_week(plan: _Plan, streams: _Streams, w: int) -> _WeekDraws:
    sc, K, R = plan.scenario, plan.n_classes, plan.replications
    arrival_gamma = _gamma(streams.gamma, sc.arrival_extra_cv, (K, R))
    capacity_gamma = _gamma(
        streams.gamma, 0.0 if plan.servers_model else sc.capacity_extra_cv, (2, R)
    )
    rate = (plan.arrival_levels[w] / plan.steps_per_week)[:, None] * arrival_gamma
    return _WeekDraws(rate, capacity_gamma)


#: A step function: ``step(plan, state, streams, week, step, week_draws)``.
StepFunction = Callable[[_Plan, _State, _Streams, int, int, _WeekDraws], None]


def _slots_step(
    plan: _Plan, state: _State, streams: _Streams, w: int, t: int, week: _WeekDraws
) -> None:
    """One step of the slot model: stage 1, routing, stage 2 after follow-ups (see the notes)."""
    sc, c, p_dna = plan.scenario, plan.visit_cost, plan.dna_rate
    first, deep = state.waiting
    h = plan.holiday_factor[w]
    arrivals1 = streams.arrivals.poisson(week.arrival_rate_per_step)
    slots1 = _capacity_draw(plan, streams, h * sc.capacity_first_per_week, week.capacity_gamma[0])
    first.add(arrivals1)
    state.counts["arrivals"][w, 0, : plan.n_classes] += arrivals1
    no_shows1 = _no_shows(slots1, first, p_dna, streams.no_shows)
    served1 = _serve(plan, first, slots1 - no_shows1, 0)
    # stage 2 slots after the follow-up visits due
    slots2 = _capacity_draw(
        plan, streams, h * sc.capacity_deep_per_week / c, week.capacity_gamma[1]
    )
    follow_up_due = (
        state.follow_up_ring_sum * (plan.follow_up_visits / plan.follow_up_steps) / (1 - p_dna)
    )
    free2 = slots2 - follow_up_due
    state.follow_up_slots[w, 1] += np.minimum(follow_up_due, slots2)
    if plan.rule.lends_deep_slots:
        lent_served, lent, lost = _lend_deep_slots(plan, state, streams, free2)
        served1 = served1 + lent_served
        free2 = free2 - lent / c
        state.borrowed[w, 1] += lent
        no_shows1 = no_shows1 + lost
    state.slots[w, 0] += slots1
    state.dna[w, 0] += no_shows1
    state.counts["completions"][w, 0, : plan.n_classes] += served1
    # routing to stage 2
    arrivals2 = streams.routing.binomial(served1, plan.share_to_deep[:, None])
    deep.add(arrivals2)
    state.counts["arrivals"][w, 1, : plan.n_classes] += arrivals2
    slots2_int = np.floor(np.maximum(free2, 0) + streams.rounding.random(plan.replications)).astype(
        np.int64
    )
    no_shows2 = _no_shows(slots2_int, deep, p_dna, streams.no_shows_deep)
    served2 = _serve(plan, deep, slots2_int - no_shows2, 1)
    state.slots[w, 1] += slots2_int
    state.dna[w, 1] += no_shows2
    state.counts["completions"][w, 1, : plan.n_classes] += served2
    starts = served2.sum(axis=0)
    slot = t % plan.follow_up_steps
    state.follow_up_ring_sum += starts - state.follow_up_ring[slot]
    state.follow_up_ring[slot] = starts


def _serve(plan: _Plan, queue: CohortQueue, free_slots: IntArray, stage: int) -> IntArray:
    """Serve ``free_slots`` from ``queue`` by the priority rule; returns those served [class, replication]."""
    served = plan.rule.allocate(
        queue.window(), free_slots, plan.shifts[stage], plan.reserved_shares
    )
    queue.serve(served)
    return served


def _capacity_draw(
    plan: _Plan, streams: _Streams, level: float, capacity_gamma: FloatArray
) -> IntArray:
    """Slots of the step: Poisson around ``level`` :math:`\\times H_w / m` (``level`` after holidays)."""
    return streams.capacity.poisson(level / plan.steps_per_week * capacity_gamma)


def _no_shows(
    slots: IntArray, queue: CohortQueue, p_dna: float, rng: np.random.Generator
) -> IntArray:
    """Booked slots (at most the number waiting) lost to no-shows."""
    if p_dna <= 0:
        return np.zeros_like(slots)
    return rng.binomial(np.minimum(slots, queue.totals().sum(axis=0)), p_dna)


def _lend_deep_slots(
    plan: _Plan, state: _State, streams: _Streams, free2: FloatArray
) -> tuple[IntArray, IntArray, IntArray]:
    """``first_visit_first``: stage 1 patients about to pass their target take stage 2 slots.

    Returns those served [class, replication], the slots lent and the lent
    slots lost to no-shows [replication].
    """
    first, K = state.waiting[0], plan.n_classes
    win = first.window()
    n = win.shape[0]
    if n:
        # cumulative count up to the last cohort at risk, per class
        idx = (first.hi - 1 - first.lo) - plan.at_risk_steps[0]
        at_risk = np.where((idx >= 0)[:, None], win[np.clip(idx, 0, n - 1), np.arange(K)], 0)
    else:
        at_risk = np.zeros((K, plan.replications), dtype=np.int64)
    c, p_dna = plan.visit_cost, plan.dna_rate
    lent = np.minimum(at_risk.sum(axis=0), np.floor(np.maximum(free2, 0) * c)).astype(np.int64)
    lost = streams.no_shows.binomial(lent, p_dna) if p_dna > 0 else np.zeros_like(lent)
    served = np.zeros((K, plan.replications), dtype=np.int64)
    if n:
        served = allocate_in_order(np.minimum(win, at_risk[None]), lent - lost, None)
        first.serve(served)
    return served, lent, lost


def _servers_step(
    plan: _Plan, state: _State, streams: _Streams, w: int, t: int, week: _WeekDraws
) -> None:
    """One step of the servers model: the step's event, routing, then starts of service.

    The weekly draws are not used: the model has no extra variation.
    """
    arrivals1, ends1, ends2 = _uniformised_events(plan, state, streams, w)
    first, deep = state.waiting
    K = plan.n_classes
    first.add(arrivals1)
    state.counts["arrivals"][w, 0, :K] += arrivals1
    state.in_service[0] -= ends1
    arrivals2 = streams.routing.binomial(ends1, plan.share_to_deep[:, None])
    deep.add(arrivals2)
    state.counts["arrivals"][w, 1, :K] += arrivals2
    state.in_service[1] -= ends2
    for j, (queue, ends) in enumerate(((first, ends1), (deep, ends2))):
        free = plan.servers[j] - state.in_service[j].sum(axis=0)
        started = _serve(plan, queue, free, j)
        state.in_service[j] += started
        state.counts["completions"][w, j, :K] += started
        state.slots[w, j] += ends.sum(axis=0)


def _uniformised_events(
    plan: _Plan, state: _State, streams: _Streams, w: int
) -> tuple[IntArray, IntArray, IntArray]:
    """At most one event a step per replication: an arrival, a stage 1 or a stage 2 end.

    One uniform number per replication falls in the interval of an arrival
    of class :math:`k` (width :math:`\\lambda_k / m`), of the end of the
    i-th busy service at stage 1 or 2 (width :math:`h_w C_j / (c_j m)` each),
    or in none. Returns arrivals, stage 1 ends and stage 2 ends, each
    [class, replication].
    """
    sc, K, m = plan.scenario, plan.n_classes, plan.steps_per_week
    u = streams.capacity.random(plan.replications)
    lam = plan.arrival_levels[w] / m
    upper = np.cumsum(lam)
    arrivals = ((u[None] >= (upper - lam)[:, None]) & (u[None] < upper[:, None])).astype(np.int64)
    edge: Any = upper[-1]
    ends = []
    for j, level in enumerate((sc.capacity_first_per_week, sc.capacity_deep_per_week)):
        rate = plan.holiday_factor[w] * level / (plan.servers[j] * m)  # a busy server's end, a step
        busy = state.in_service[j]
        upto = np.cumsum(busy, axis=0)  # [K, R]
        n_busy = upto[-1]
        x = u - edge
        if rate > 0:
            # the i-th busy service ends (i = 0, 1, ...); it is of class k if
            # upto[k] - busy[k] <= i < upto[k]
            i = np.minimum(np.floor(x / rate), n_busy - 1)
            hit = (x >= 0) & (x < n_busy * rate)
            ends.append((hit[None] & (i[None] < upto) & (i[None] >= upto - busy)).astype(np.int64))
        else:
            ends.append(np.zeros((K, plan.replications), dtype=np.int64))
        edge = edge + n_busy * rate
    return arrivals, ends[0], ends[1]


def _record_week(plan: _Plan, state: _State, w: int, pool: bool) -> None:
    """End of week ``w``: the queues, their ages and the waits of those served in the week."""
    K = plan.n_classes
    for i, queue in enumerate(state.waiting):
        state.counts["queue"][w, i, :K] = queue.totals()
        state.counts["queue_age_sum"][w, i, :K] = queue.age_sum()
        state.counts["in_service"][w, i, :K] = state.in_service[i]
        stats, served = queue.week_stats(plan.target_steps[i], state.pools[i] if pool else None)
        state.served_parts.append((w, i, served))
        state.waits["wait_sum"][w, i] = stats["wait_sum"]
        state.waits["within"][w, i] = stats["within"]
        state.waits["wait_median"][w, i] = stats["median"]
        state.waits["wait_p90"][w, i] = stats["p90"]


def _collect(plan: _Plan, state: _State, seed: int | None) -> RawRun:
    """The working arrays as a :class:`RawRun` ([replication, week, stage, class])."""
    K, R = plan.n_classes, plan.replications
    for name in _COUNTS:
        state.counts[name][:, :, K] = state.counts[name][:, :, :K].sum(axis=2)
    start_queue = np.zeros((R, 2, K + 1), dtype=np.int64)
    for i, start in enumerate(plan.start_queues):
        start_queue[:, i, :K] = [int(h.sum()) for h in start]
    start_queue[..., K] = start_queue[..., :K].sum(axis=-1)

    def rwsk(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.ascontiguousarray(np.moveaxis(x, -1, 0))

    return RawRun(
        scenario=plan.scenario,
        weeks=plan.weeks,
        replications=R,
        seed=seed,
        steps_per_week=plan.steps_per_week,
        classes=(*plan.scenario.classes, ALL_CLASSES),
        start_queue=start_queue,
        slots=rwsk(state.slots),
        dna=rwsk(state.dna),
        borrowed=rwsk(state.borrowed),
        follow_up_slots=rwsk(state.follow_up_slots),
        **{n: rwsk(v) for n, v in state.counts.items()},
        wait_histogram=_wait_histogram(state.pools, K, R),
        served_waits=_served_waits(state.served_parts),
        **{n: rwsk(v) for n, v in state.waits.items()},
    )


def _wait_histogram(pools: Sequence[IntArray | None], K: int, R: int) -> IntArray | None:
    """[replication, stage, class (+ all), wait in steps], up to the longest wait; None unpooled."""
    if all(p is None for p in pools):
        return None
    used = [np.flatnonzero(p.reshape(p.shape[0], -1).any(axis=1)) for p in pools if p is not None]
    n_bins = max([int(u[-1]) + 1 for u in used if len(u)] + [1])
    histogram = np.zeros((R, 2, K + 1, n_bins), dtype=np.int64)
    for i, p in enumerate(pools):
        if p is not None:
            part = np.moveaxis(p[: min(n_bins, p.shape[0])], 0, -1)  # [K, R, wait]
            histogram[:, i, :K, : part.shape[-1]] = np.moveaxis(part, 1, 0)
    histogram[:, :, K] = histogram[:, :, :K].sum(axis=2)
    return histogram


def _served_waits(
    parts: Sequence[tuple[int, int, tuple[IntArray, IntArray, IntArray, IntArray]]],
) -> ServedWaits:
    """The weekly sparse counts of :meth:`CohortQueue.week_stats` as one :class:`ServedWaits`."""
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
