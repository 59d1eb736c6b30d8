"""One unit's pathway simulated week by week: :func:`generate_unit` and its steps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit.synth._helpers import _course, _pick, _school_year_factor, _weekday_shift
from toolkit.synth._schema import _categorical, _column_order, _values
from toolkit.synth.counts import period_counts
from toolkit.synth.profiles import (
    _NONE,
    _QUESTIONS,
    AGE_BY_QUESTION,
    COURSE_GAP_DAYS,
    DECISION_SHARES,
    DEEP_SHARE_BY_QUESTION,
    DURATION_MIN_BY_VISIT_TYPE,
    FEMALE_SHARE_BY_QUESTION,
    FOLLOW_UP_GAP_DAYS,
    FOLLOW_UP_START_DAYS,
    FOLLOW_UPS_AFTER_COURSE,
    FOLLOW_UPS_WITHOUT_COURSE,
    OTHER_QUESTION_SHARES,
    PRIORITY_BY_QUESTION,
    PROFILES,  # noqa: F401 (the docstring examples use it)
    SOURCE_SHARES,
    STAFF_BY_VISIT_TYPE,
    WEEKDAY_WEIGHTS,
    UnitProfile,
)
from toolkit.synth.staff import _assign_clinicians, _staff, _time_use, staff_fte_needed

# --------------------------------------------------------------------------- simulation


def generate_unit(profile: UnitProfile, *, seed: int) -> dict[str, pd.DataFrame]:
    """Simulate one synthetic unit and return its canonical tables.

    Parameters
    ----------
    profile : UnitProfile
        The unit's parameters (see :data:`PROFILES` for the sample units).
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same tables.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``referrals``, ``visits``, ``staff`` and ``time_use`` (if the unit ran
        a time-use study); for ``counts_only`` units only ``period_counts``.
        Columns and canonical values as in ``toolkit/data/schema.yaml``: ids as
        ``string``, dates as ``datetime64[ns]`` (missing = NaT: stage not
        reached by the extract date), categories as ``Categorical`` with the
        schema's values, ``age`` and ``pvv_days`` as ``Int64``.

        - referrals: referral_id, received, source, question, priority,
          decision, decided, first_assessment, deep_decision, deep_start,
          closed, pvv_days, sex, age
        - visits: visit_id, referral_id, date, visit_type, staff_category,
          clinician_id, mode, duration_min, status
        - staff: staff_id, category, fte, hours_per_week, start, end
        - time_use: date, staff_category, activity, level, minutes
        - period_counts: period, stage, arrived, completed, removed, waiting_end

    Notes
    -----
    Referrals arrive per day as Poisson counts with mean
    :math:`\\lambda_k w_d`, where :math:`\\lambda_k` (referrals/week) is
    ``referrals_per_week`` × (1 + growth)^(k/52) × school-year factor of week
    :math:`k` and :math:`w_d` the weekday weight. Each week the
    first-assessment queue is served by a Poisson number of slots with mean

    .. math:: c_k = \\max\\bigl(0,\\ C_k v_k + g\\,(Q_k - Q^*_k)\\bigr)

    where :math:`C_k` is the capacity (patients/week), :math:`v_k` the
    vacation factor, :math:`g` the queue feedback (1/week), :math:`Q_k` the
    number waiting at the start of the week and :math:`Q^*_k` the target
    queue (patients). Slots go to urgent, then high, then routine, first in
    first out within a class. The second stage is served the same way.
    Visits follow from the stage dates (one attended visit on each stage
    date, a course after the deep start, follow-ups), with no-shows and
    cancellations. Staff are sized from the visits: each staff category gets
    the FTE whose clinical time (after absence and non-clinical time) covers
    the clinician time of its booked visits in the last 52 weeks, times
    ``staff_time_factor`` (see :func:`staff_fte_needed`), so capacity
    estimated from the staff table agrees with the observed activity.

    References
    ----------
    The volumes follow ``docs/sample_data.md`` (after Socialstyrelsen's
    proposal for a national development team for BUP and SKR's *Psykiatrin i
    siffror*): a large and growing ADHD share, the 30 + 30 day targets. Visits, time use and staff are tuned so that one
    story holds (``docs/sample_data.md`` gives the figures and their
    sources): about 7 attended visits per patient in care a year (nationally
    about 8: SKR, *Psykiatrin i siffror*), about 20 FTE per 1 000 patients in
    care (:func:`patients_in_care`; nationally 22), about a fifth of the time
    at work with patients in the time-use study, and, in a unit in balance,
    clinician hours per referral that match the demand per referral of
    ``toolkit.capacity.demand_hours`` at its defaults (CAPA), so the staff
    table, the visits and the flow agree. No real unit's data was used.

    Examples
    --------
    >>> tables = generate_unit(PROFILES["balans"], seed=3)
    >>> ref = tables["referrals"]
    >>> bool((ref["first_assessment"].dropna() >= ref.loc[ref["first_assessment"].notna(),
    ...      "received"]).all())
    True
    >>> str(ref["received"].dtype)
    'datetime64[ns]'
    """
    rng = np.random.default_rng(seed)
    calendar = _calendar(profile)
    episodes = _episodes(rng, profile, calendar)
    first_stage, deep_stage = _stages(profile, calendar)
    for week in range(calendar.n_weeks):  # numpy inside, no loop over patients
        _serve_first_assessments(rng, profile, episodes, first_stage, week)
        _serve_deep_starts(rng, episodes, deep_stage, week)
    care = _courses_and_follow_ups(rng, profile, episodes)
    _close_episodes(rng, calendar, episodes, care)
    rows = _visit_rows(rng, profile, calendar, episodes, care)
    order, new_id = _extract_order(rng, calendar, episodes)
    ref = _referrals_table(calendar, episodes, order, new_id)
    if profile.counts_only:
        return {"period_counts": period_counts(ref, profile.period_start, profile.extract_date)}
    vis = _visits_table(calendar, rows, new_id)
    staff = _staff(rng, profile, staff_fte_needed(vis, profile))
    vis["clinician_id"] = _assign_clinicians(rng, vis, staff)
    vis = vis[_column_order("visits", vis.columns)]
    tables = {"referrals": ref, "visits": vis, "staff": staff}
    if profile.time_use_study:
        tables["time_use"] = _time_use(rng, profile, staff)
    return tables


# The steps of generate_unit, in the order it calls them. They draw from the
# same generator in a fixed order: reordering draws changes the sample data.


@dataclass(frozen=True)
class _Calendar:
    """The simulation's time axis: day 0 is the Monday ``burn_in_weeks`` before the period."""

    sim_start: pd.Timestamp
    n_weeks: int
    period_day0: int
    iso_week: np.ndarray
    years: np.ndarray  # years since the period start, per week

    @property
    def n_days(self) -> int:
        return 7 * self.n_weeks

    @property
    def end_day(self) -> int:
        """Last simulated day: the extract date."""
        return self.n_days - 1


def _calendar(p: UnitProfile) -> _Calendar:
    """Weeks of the simulation (burn-in, then the period) with ISO week numbers."""
    n_weeks = p.burn_in_weeks + p.weeks
    period_day0 = 7 * p.burn_in_weeks
    sim_start = pd.Timestamp(p.period_start) - pd.Timedelta(days=period_day0)
    week_mondays = sim_start + pd.to_timedelta(7 * np.arange(n_weeks), unit="D")
    return _Calendar(
        sim_start=sim_start,
        n_weeks=n_weeks,
        period_day0=period_day0,
        iso_week=week_mondays.isocalendar().week.to_numpy(dtype=np.int64),
        years=(np.arange(n_weeks) - p.burn_in_weeks) / 52.0,
    )


@dataclass
class _Episodes:
    """One care episode per index: its attributes and the day of each stage.

    Days count from the calendar's day 0; ``_NONE`` means the stage was not
    reached. The weekly loop and the courses fill in the later stages.
    """

    recv: np.ndarray
    initial1: np.ndarray  # waiting for a first assessment when the simulation starts
    initial2: np.ndarray  # waiting for a deep start when the simulation starts
    question: np.ndarray
    source: np.ndarray
    priority: np.ndarray  # 0 urgent, 1 high, 2 routine
    decision: np.ndarray  # 0 accepted
    sex: np.ndarray
    age: np.ndarray
    decided: np.ndarray
    pvv: np.ndarray  # days of waiting the family chose (0: none)
    elig1: np.ndarray  # earliest day of the first assessment
    goes_deep: np.ndarray
    deep_delay: np.ndarray
    first: np.ndarray
    removed1: np.ndarray
    ddec: np.ndarray
    deep: np.ndarray
    elig2: np.ndarray  # earliest day of the deep start
    closed: np.ndarray

    @property
    def accepted(self) -> np.ndarray:
        return self.decision == 0


def _episodes(rng: np.random.Generator, p: UnitProfile, cal: _Calendar) -> _Episodes:
    """All referrals of the simulation: arrivals, attributes, triage, initial queues."""
    recv, initial1, initial2 = _arrival_days(rng, p, cal)
    question, source, priority, decision, sex, age = _referral_attributes(
        rng, p, cal, recv, initial1 | initial2
    )
    decided, pvv, elig1 = _triage(rng, p, recv, priority, decision == 0, initial1, initial2)
    n = len(recv)
    goes_deep = rng.random(n) < np.array([DEEP_SHARE_BY_QUESTION[q] for q in _QUESTIONS])[question]
    deep_delay = rng.integers(0, 22, n)
    episodes = _Episodes(
        recv=recv,
        initial1=initial1,
        initial2=initial2,
        question=question,
        source=source,
        priority=priority,
        decision=decision,
        sex=sex,
        age=age,
        decided=decided,
        pvv=pvv,
        elig1=elig1,
        goes_deep=goes_deep,
        deep_delay=deep_delay,
        first=np.full(n, _NONE, dtype=np.int64),
        removed1=np.full(n, _NONE, dtype=np.int64),
        ddec=np.full(n, _NONE, dtype=np.int64),
        deep=np.full(n, _NONE, dtype=np.int64),
        elig2=np.full(n, _NONE, dtype=np.int64),
        closed=np.full(n, _NONE, dtype=np.int64),
    )
    _date_initial_deep_queue(rng, episodes)
    return episodes


def _arrival_days(
    rng: np.random.Generator, p: UnitProfile, cal: _Calendar
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day received per referral: the two initial queues, then Poisson arrivals per day.

    Returns the days and the masks of the initial first-assessment and deep queues.
    """
    level = p.referrals_per_week * (1.0 + p.referral_growth_per_year) ** cal.years
    if p.school_year_seasonality:
        level = level * _school_year_factor(cal.iso_week)
    day_mean = (level[:, None] * WEEKDAY_WEIGHTS[None, :]).ravel()
    counts = rng.poisson(day_mean)
    recv_new = np.repeat(np.arange(cal.n_days), counts)
    # initial queues (received before the simulation starts)
    n_q1, n_q2 = p.first_queue_start, p.deep_queue_start
    recv_q1 = -rng.integers(1, 70, size=n_q1)
    recv_q2 = -rng.integers(60, 220, size=n_q2)
    recv = np.concatenate([recv_q1, recv_q2, recv_new])
    initial1 = np.zeros(len(recv), dtype=bool)
    initial1[:n_q1] = True
    initial2 = np.zeros(len(recv), dtype=bool)
    initial2[n_q1 : n_q1 + n_q2] = True
    return recv, initial1, initial2


def _referral_attributes(
    rng: np.random.Generator, p: UnitProfile, cal: _Calendar, recv: np.ndarray, initial: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Question, source, priority, decision, sex and age codes per referral.

    The ADHD share moves linearly over the period; urgent referrals and the
    initial queues are accepted.
    """
    n = len(recv)
    frac = np.clip((recv - cal.period_day0) / (7 * p.weeks), 0.0, 1.0)
    adhd = p.adhd_share_start + (p.adhd_share_end - p.adhd_share_start) * frac
    other = np.array(list(OTHER_QUESTION_SHARES.values()))
    other = other / other.sum()
    q_probs = np.column_stack([adhd, (1.0 - adhd)[:, None] * other[None, :]])
    question = _pick(rng, q_probs)
    src = np.array(list(SOURCE_SHARES.values()))
    if p.school_year_seasonality:
        src = src * np.array([0.8, 1.8, 1.0, 0.7, 1.0, 1.0])
    source = _pick(rng, np.tile(src / src.sum(), (n, 1)))
    pr = np.array([PRIORITY_BY_QUESTION[q] for q in _QUESTIONS])[question]
    priority = _pick(rng, np.column_stack([pr, 1.0 - pr.sum(axis=1)]))  # 0 urgent 1 high 2 routine
    dec_p = np.array(list(DECISION_SHARES.values()))
    decision = _pick(rng, np.tile(dec_p, (n, 1)))  # 0 accepted
    decision[(priority == 0) | initial] = 0
    female = rng.random(n) < np.array([FEMALE_SHARE_BY_QUESTION[q] for q in _QUESTIONS])[question]
    sex = np.where(female, 0, 1)
    sex[rng.random(n) < 0.01] = 2
    age_mean = np.array([AGE_BY_QUESTION[q] for q in _QUESTIONS])[question]
    age = np.clip(np.rint(rng.normal(age_mean, 3.0)), 3, 17).astype(np.int64)
    return question, source, priority, decision, sex, age


def _triage(
    rng: np.random.Generator,
    p: UnitProfile,
    recv: np.ndarray,
    priority: np.ndarray,
    accepted: np.ndarray,
    initial1: np.ndarray,
    initial2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day decided, days of chosen waiting (pvv) and earliest first-assessment day."""
    n = len(recv)
    triage = np.where(
        priority == 0, rng.integers(0, 2, n), rng.integers(1, p.triage_days_max + 1, n)
    )
    decided = _weekday_shift(recv + triage)
    decided[initial1] = np.minimum(decided[initial1], -1)
    pvv = np.where(accepted & (rng.random(n) < p.pvv_share), rng.integers(14, 61, n), 0)
    pvv[initial2] = 0
    lead = np.where(
        priority == 0, 0, np.where(priority == 1, p.lead_days_high, p.lead_days_routine)
    )
    return decided, pvv, decided + lead + pvv


def _date_initial_deep_queue(rng: np.random.Generator, ep: _Episodes) -> None:
    """The initial deep queue: first assessed and decided before the simulation starts."""
    idx2 = np.flatnonzero(ep.initial2)
    ep.first[idx2] = _weekday_shift(ep.recv[idx2] + rng.integers(10, 45, len(idx2)))
    ep.first[idx2] = np.minimum(ep.first[idx2], -3)
    ep.ddec[idx2] = np.minimum(ep.first[idx2] + rng.integers(0, 10, len(idx2)), -1)
    ep.decided[idx2] = np.minimum(ep.decided[idx2], ep.first[idx2])
    ep.recv[idx2] = np.minimum(ep.recv[idx2], ep.decided[idx2])
    ep.goes_deep[idx2] = True
    ep.elig2 = ep.ddec.copy()


@dataclass(frozen=True)
class _Stage:
    """Weekly service of one queue: capacity (patients/week), target queue, feedback (1/week)."""

    capacity: np.ndarray
    target: np.ndarray
    gain: np.ndarray
    vacation: np.ndarray

    def mean_slots(self, week: int, queue: int) -> float:
        """Mean slots in a week, :math:`\\max(0, C_k v_k + g (Q_k - Q^*_k))`, at most 3 C_k + 5."""
        c = max(
            0.0,
            self.capacity[week] * self.vacation[week]
            + self.gain[week] * (queue - self.target[week]),
        )
        return min(c, 3.0 * self.capacity[week] + 5.0)


def _stages(p: UnitProfile, cal: _Calendar) -> tuple[_Stage, _Stage]:
    """Weekly service of the first-assessment and deep queues, with the change of practice."""
    vacation = np.where(
        np.isin(cal.iso_week, [28, 29, 30, 31, 52]), p.vacation_capacity_factor, 1.0
    )
    cap1 = p.first_capacity_per_week * (1.0 + p.first_capacity_growth_per_year) ** cal.years
    cap2 = p.deep_capacity_per_week * (1.0 + p.deep_capacity_growth_per_year) ** cal.years
    target1 = np.full(cal.n_weeks, float(p.first_queue_start))
    target2 = np.full(cal.n_weeks, float(p.deep_queue_start))
    gain1 = np.full(cal.n_weeks, p.first_queue_feedback_per_week)
    gain2 = np.full(cal.n_weeks, p.deep_queue_feedback_per_week)
    if p.change_week is not None:
        after = np.arange(cal.n_weeks) - p.burn_in_weeks >= p.change_week
        if p.first_capacity_after_change_per_week is not None:
            cap1[after] = p.first_capacity_after_change_per_week
        if p.deep_capacity_after_change_per_week is not None:
            cap2[after] = p.deep_capacity_after_change_per_week
        if p.first_queue_target_after_change is not None:
            target1[after] = p.first_queue_target_after_change
            gain1[after] = max(p.first_queue_feedback_per_week, 0.25)
        if p.deep_queue_target_after_change is not None:
            target2[after] = p.deep_queue_target_after_change
            gain2[after] = max(p.deep_queue_feedback_per_week, 0.25)
    return _Stage(cap1, target1, gain1, vacation), _Stage(cap2, target2, gain2, vacation)


def _serve_first_assessments(
    rng: np.random.Generator, p: UnitProfile, ep: _Episodes, stage: _Stage, week: int
) -> None:
    """One week of the first-assessment queue: removals, then slots by priority, FIFO."""
    ws = 7 * week
    waiting1 = ep.accepted & (ep.first == _NONE) & (ep.removed1 == _NONE)
    q1 = int(np.count_nonzero(waiting1 & (ep.decided < ws)))
    # leaving the queue without a first assessment
    idx = np.flatnonzero(waiting1 & (ep.decided <= ws + 4) & ~ep.initial1)
    gone = idx[rng.random(len(idx)) < p.queue_removal_per_week]
    ep.removed1[gone] = np.maximum(ep.decided[gone], ws + rng.integers(0, 5, len(gone)))
    c1 = stage.mean_slots(week, q1)
    cand = np.flatnonzero(waiting1 & (ep.removed1 == _NONE) & (ep.elig1 <= ws + 4))
    take = cand[np.lexsort((ep.recv[cand], ep.priority[cand]))][: rng.poisson(c1)]
    ep.first[take] = np.maximum(ws + rng.integers(0, 5, len(take)), ep.elig1[take])
    gd = take[ep.goes_deep[take]]
    ep.ddec[gd] = _weekday_shift(ep.first[gd] + ep.deep_delay[gd])
    ep.elig2[gd] = ep.ddec[gd] + np.where(ep.priority[gd] == 0, 0, 7)


def _serve_deep_starts(rng: np.random.Generator, ep: _Episodes, stage: _Stage, week: int) -> None:
    """One week of the deep queue: slots by priority, first in first out."""
    ws = 7 * week
    waiting2 = (ep.ddec != _NONE) & (ep.deep == _NONE)
    q2 = int(np.count_nonzero(waiting2 & (ep.ddec < ws)))
    c2 = stage.mean_slots(week, q2)
    cand = np.flatnonzero(waiting2 & (ep.elig2 <= ws + 4))
    take = cand[np.lexsort((ep.recv[cand], ep.priority[cand]))][: rng.poisson(c2)]
    ep.deep[take] = np.maximum(ws + rng.integers(0, 5, len(take)), ep.elig2[take])


@dataclass(frozen=True)
class _Care:
    """Visits after the stage dates (referral index and day per visit) and last visit days."""

    started: np.ndarray  # referrals with a deep start
    nodeep: np.ndarray  # referrals first assessed that do not go deep
    deep_type: np.ndarray  # per referral: 1 assessment, 2 treatment
    ref_c: np.ndarray  # course visits; position 0 is the deep start itself
    pos_c: np.ndarray
    day_c: np.ndarray
    ref_f: np.ndarray  # follow-ups after the course
    day_f: np.ndarray
    ref_n: np.ndarray  # follow-ups without a course
    day_n: np.ndarray
    last_c: np.ndarray  # per referral: last course or follow-up day
    last_n: np.ndarray  # per referral: last day of those not going deep

    @property
    def type_c(self) -> np.ndarray:
        return self.deep_type[self.ref_c]


def _courses_and_follow_ups(rng: np.random.Generator, p: UnitProfile, ep: _Episodes) -> _Care:
    """The deep course after each deep start, follow-ups after it, and 0–2 without one."""
    deep_type = np.where(np.isin(ep.question, [0, 1]), 1, 2)  # 1 assessment, 2 treatment
    started = np.flatnonzero(ep.deep != _NONE)
    n_course = np.where(
        deep_type[started] == 1,
        3 + rng.poisson(p.assessment_visits_mean - 3.0, len(started)),
        2 + rng.poisson(p.treatment_visits_mean - 2.0, len(started)),
    )
    own_c, pos_c, day_c = _course(rng, ep.deep[started], n_course, *COURSE_GAP_DAYS)
    ref_c = started[own_c]
    last_c = np.full(len(ep.recv), _NONE, dtype=np.int64)
    np.maximum.at(last_c, ref_c, day_c)
    # follow-ups: after the course (more after an ADHD assessment: medication)
    n_fu = rng.poisson(
        np.array([FOLLOW_UPS_AFTER_COURSE[q] for q in _QUESTIONS])[ep.question[started]]
    )
    fu_start = last_c[started] + rng.integers(*FOLLOW_UP_START_DAYS, len(started))
    own_f, _, day_f = _course(rng, fu_start, n_fu, *FOLLOW_UP_GAP_DAYS)
    ref_f = started[own_f]
    np.maximum.at(last_c, ref_f, day_f)
    # those not going deep: 0–2 follow-ups after the first assessment
    nodeep = np.flatnonzero((ep.first != _NONE) & ~ep.goes_deep)
    n_nd = rng.poisson(FOLLOW_UPS_WITHOUT_COURSE, len(nodeep))
    nd_start = ep.first[nodeep] + rng.integers(*FOLLOW_UP_START_DAYS, len(nodeep))
    own_n, _, day_n = _course(rng, nd_start, n_nd, *FOLLOW_UP_GAP_DAYS)
    ref_n = nodeep[own_n]
    last_n = ep.first.copy()
    np.maximum.at(last_n, ref_n, day_n)
    return _Care(
        started=started,
        nodeep=nodeep,
        deep_type=deep_type,
        ref_c=ref_c,
        pos_c=pos_c,
        day_c=day_c,
        ref_f=ref_f,
        day_f=day_f,
        ref_n=ref_n,
        day_n=day_n,
        last_c=last_c,
        last_n=last_n,
    )


def _close_episodes(rng: np.random.Generator, cal: _Calendar, ep: _Episodes, care: _Care) -> None:
    """Closing day: up to 30 days after the last visit, the decision or the removal."""
    closed = np.full(len(ep.recv), _NONE, dtype=np.int64)
    closed[care.started] = care.last_c[care.started] + rng.integers(0, 31, len(care.started))
    closed[care.nodeep] = care.last_n[care.nodeep] + rng.integers(0, 31, len(care.nodeep))
    accepted = ep.accepted
    closed[~accepted] = ep.decided[~accepted]
    closed[ep.removed1 != _NONE] = ep.removed1[ep.removed1 != _NONE]
    closed[closed > cal.end_day] = _NONE
    ep.closed = closed


@dataclass(frozen=True)
class _VisitRows:
    """One entry per visit: referral index, day and codes (type, status, mode, staff category)."""

    ref: np.ndarray
    day: np.ndarray
    type: np.ndarray
    status: np.ndarray
    mode: np.ndarray
    duration: np.ndarray
    staff_cat: np.ndarray


def _visit_rows(
    rng: np.random.Generator, p: UnitProfile, cal: _Calendar, ep: _Episodes, care: _Care
) -> _VisitRows:
    """Visits on the stage dates, the courses and follow-ups, with no-shows and cancellations.

    Keeps the visits in the visit window that are not after the episode closed.
    """
    first, n_days = ep.first, cal.n_days
    # first-assessment visits and no-shows before them
    fa = np.flatnonzero(first != _NONE)
    dna_first = fa[rng.random(len(fa)) < p.dna_rate]
    dna_first = dna_first[first[dna_first] - 7 >= ep.decided[dna_first]]
    in_course = care.pos_c > 0
    visit_ref = np.concatenate(
        [fa, dna_first, care.started, care.ref_c[in_course], care.ref_f, care.ref_n]
    )
    visit_day = np.concatenate(
        [
            first[fa],
            first[dna_first] - 7,
            ep.deep[care.started],
            care.day_c[in_course],
            care.day_f,
            care.day_n,
        ]
    )
    visit_type = np.concatenate(
        [
            np.zeros(len(fa) + len(dna_first), dtype=np.int64),
            care.deep_type[care.started],
            care.type_c[in_course],
            np.full(len(care.ref_f) + len(care.ref_n), 3, dtype=np.int64),
        ]
    )
    n_fixed = len(fa) + len(dna_first) + len(care.started)
    status = _pick(
        rng,
        np.tile([1.0 - p.dna_rate - p.cancel_rate, p.dna_rate, p.cancel_rate], (len(visit_ref), 1)),
    )
    status[:n_fixed] = 0
    status[len(fa) : len(fa) + len(dna_first)] = 1
    # the episode's closing date is not before its last visit
    first_visit_day = cal.period_day0 if p.visit_weeks is None else n_days - 7 * p.visit_weeks
    keep = (visit_day >= first_visit_day) & (visit_day <= cal.end_day)
    keep &= (ep.closed[visit_ref] == _NONE) | (visit_day <= ep.closed[visit_ref])
    mode, duration, staff_cat = _mode_and_duration(rng, p, cal, visit_day[keep], visit_type[keep])
    return _VisitRows(
        ref=visit_ref[keep],
        day=visit_day[keep],
        type=visit_type[keep],
        status=status[keep],
        mode=mode,
        duration=duration,
        staff_cat=staff_cat,
    )


def _mode_and_duration(
    rng: np.random.Generator,
    p: UnitProfile,
    cal: _Calendar,
    visit_day: np.ndarray,
    visit_type: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mode (physical, digital, group, phone), minutes and staff category of each visit."""
    nv = len(visit_day)
    period_day0 = cal.period_day0
    vfrac = np.clip((visit_day - period_day0) / (7 * p.weeks), 0.0, 1.0)
    digital = p.digital_share_start + (p.digital_share_end - p.digital_share_start) * vfrac
    group_share = np.full(nv, p.group_share)
    if p.change_week is not None and p.group_share_after_change is not None:
        group_share[visit_day >= period_day0 + 7 * p.change_week] = p.group_share_after_change
    is_t = visit_type == 2
    p_dig = digital * np.where(visit_type <= 1, 0.5, 1.0)
    p_grp = np.where(is_t, group_share, 0.0)
    p_tel = np.where(
        visit_type == 3, p.phone_share, np.where(visit_type == 0, 0.0, p.phone_share / 4)
    )
    p_phys = np.clip(1.0 - p_dig - p_grp - p_tel, 0.0, 1.0)
    mode = _pick(rng, np.column_stack([p_phys, p_dig, p_grp, p_tel]))
    base = np.array(list(DURATION_MIN_BY_VISIT_TYPE.values()))[visit_type]
    base = np.where(mode == 2, 90.0, np.where(mode == 3, 20.0, base))
    duration = np.clip(5.0 * np.rint((base + rng.normal(0.0, 8.0, nv)) / 5.0), 10.0, 240.0)
    staff_cat = _pick(rng, np.array(list(STAFF_BY_VISIT_TYPE.values()))[visit_type])
    return mode, duration, staff_cat


def _extract_order(
    rng: np.random.Generator, cal: _Calendar, ep: _Episodes
) -> tuple[np.ndarray, np.ndarray]:
    """Episodes in the extract (open at the period start or later), by day received.

    Returns their indices in order and the serial number per episode (-1: not
    in the extract).
    """
    n = len(ep.recv)
    in_extract = (ep.closed == _NONE) | (ep.closed >= cal.period_day0)
    in_extract &= ep.recv <= cal.end_day
    order = np.lexsort((rng.random(n), ep.recv))
    order = order[in_extract[order]]
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[order] = np.arange(1, len(order) + 1)
    return order, new_id


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """Ids such as ``R000123`` as a ``string`` series."""
    return pd.Series([f"{prefix}{i:0{width}d}" for i in numbers.tolist()], dtype="string")


def _referrals_table(
    cal: _Calendar, ep: _Episodes, order: np.ndarray, new_id: np.ndarray
) -> pd.DataFrame:
    """The ``referrals`` table of the extract, in the schema's columns and values."""
    o, end_day = order, cal.end_day
    ref = pd.DataFrame({"referral_id": _ids("R", new_id[o], 6)})
    stage_days = {
        "received": ep.recv,
        "decided": ep.decided,
        "first_assessment": ep.first,
        "deep_decision": ep.ddec,
        "deep_start": ep.deep,
        "closed": ep.closed,
    }
    for col, d in stage_days.items():
        ref[col] = _dates_from(cal.sim_start, d[o], (d[o] == _NONE) | (d[o] > end_day))
    ref["source"] = _categorical("referrals", "source", np.array(list(SOURCE_SHARES))[ep.source[o]])
    ref["question"] = _categorical("referrals", "question", np.array(_QUESTIONS)[ep.question[o]])
    ref["priority"] = _categorical(
        "referrals", "priority", np.array(["urgent", "high", "routine"])[ep.priority[o]]
    )
    dec_names = np.array(list(DECISION_SHARES))[ep.decision[o]]
    dec_missing = ep.decided[o] > end_day
    ref["decision"] = _categorical(
        "referrals", "decision", pd.Series(dec_names).where(~dec_missing, None)
    )
    pvv = ep.pvv[o]
    ref["pvv_days"] = pd.array(np.where(pvv > 0, pvv, 0), dtype="Int64")
    ref.loc[pvv == 0, "pvv_days"] = pd.NA
    ref["sex"] = _categorical("referrals", "sex", np.array(["female", "male", "other"])[ep.sex[o]])
    ref["age"] = pd.array(ep.age[o], dtype="Int64")
    return ref[_column_order("referrals", ref.columns)]


def _visits_table(cal: _Calendar, rows: _VisitRows, new_id: np.ndarray) -> pd.DataFrame:
    """The ``visits`` table (without clinicians) of the extract's referrals, by date."""
    vkeep = new_id[rows.ref] > 0
    vorder = np.lexsort((rows.type[vkeep], new_id[rows.ref][vkeep], rows.day[vkeep]))
    sel = np.flatnonzero(vkeep)[vorder]
    vis = pd.DataFrame({"visit_id": _ids("V", np.arange(1, len(sel) + 1), 7)})
    vis["referral_id"] = _ids("R", new_id[rows.ref[sel]], 6)
    vis["date"] = _dates_from(cal.sim_start, rows.day[sel], np.zeros(len(sel), dtype=bool))
    vis["visit_type"] = _categorical(
        "visits", "visit_type", np.array(_values("visits", "visit_type"))[rows.type[sel]]
    )
    cats = np.array(_values("visits", "staff_category"))
    vis["staff_category"] = _categorical("visits", "staff_category", cats[rows.staff_cat[sel]])
    vis["mode"] = _categorical(
        "visits", "mode", np.array(_values("visits", "mode"))[rows.mode[sel]]
    )
    vis["duration_min"] = rows.duration[sel]
    vis["status"] = _categorical(
        "visits", "status", np.array(_values("visits", "status"))[rows.status[sel]]
    )
    return vis


def _dates_from(sim_start: pd.Timestamp, days: np.ndarray, missing: np.ndarray) -> pd.Series:
    safe = np.where(missing, 0, days).astype("timedelta64[D]")
    out = (np.datetime64(sim_start.date(), "D") + safe).astype("datetime64[ns]")
    out[missing] = np.datetime64("NaT")
    return pd.Series(out)
