"""Lesson 2: waiting lists: target queue size, capacity needed with variation, relief capacity.

The worked examples and the exercise checkers of
``notebooks/lessons/02_vantelistor.ipynb``. The formulas are those of
:mod:`toolkit.waitlist` (after NHSRwaitinglist); the sample unit's figures
come from :func:`toolkit.flow.weekly_flow` through
:func:`toolkit.lessons.l1_flow.first_stage_year`. Numbers stated in an
exercise are module constants filled into the catalogue text. Checkers return
``None`` when right, else the key of a hint that never holds the answer.

Examples
--------
>>> from toolkit.lessons import check
>>> check("l2.target_queue", 22.5, lang="en").status
'right'
>>> print(check("l2.target_queue", 157.5, lang="en"))
Not yet. Hint: the target is in days but demand is per week: convert the target to weeks (divide by 7) first.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import waitlist
from toolkit.i18n import check_language, t
from toolkit.lessons import Figure, Table, close, exercise, number, sample_unit, show

__all__ = [
    "EX_CAPACITY",
    "EX_MEAN_WAIT",
    "EX_TARGET_QUEUE",
    "NEEDS",
    "RELIEF_UNIT",
    "TARGET_WAIT_DAYS",
    "TIME_TO_TARGET_WEEKS",
    "capacity_table",
    "queue_paths",
    "relief_situation",
    "relief_table",
    "target_example",
    "variation_chart",
]

#: The target of the worked example and the relief exercise (first assessment within 30 days).
TARGET_WAIT_DAYS: float = 30.0
#: Weeks in which relief capacity brings the queue to its target (NHSRwaitinglist's default).
TIME_TO_TARGET_WEEKS: float = waitlist.DEFAULT_TIME_TO_TARGET_WEEKS
#: The unit of the relief-capacity exercise (growing demand).
RELIEF_UNIT = "vaxande_behov"
#: Tables a learner's own unit needs for this lesson (``unit_path``; see
#: :func:`toolkit.lessons.use_unit`): the relief exercise is then computed
#: from that unit's referrals.
NEEDS: tuple[str, ...] = ("referrals",)
#: Numbers stated in the target-queue exercise (``lessons.l2.ex_target_queue``).
EX_TARGET_QUEUE: dict[str, float] = {"demand_per_week": 21, "target_wait_days": 30, "factor": 4}
#: Numbers stated in the target-mean-wait exercise (``lessons.l2.ex_mean_wait``): percent within days.
EX_MEAN_WAIT: dict[str, float] = {"share_percent": 90, "target_wait_days": 30}
#: Numbers stated in the capacity exercise (``lessons.l2.ex_capacity``).
EX_CAPACITY: dict[str, float] = {
    "demand_per_week": 10,
    "target_wait_days": 14,
    "factor": 4,
    "cv_demand": 1,
    "cv_capacity": 1,
}

_DAYS_PER_WEEK = 7.0


# --------------------------------------------------------------------------- calculations


def queue_paths(
    demand_per_week: float,
    capacity_per_week: float,
    weeks: int = 104,
    replications: int = 5,
    seed: int = 1,
) -> npt.NDArray[np.float64]:
    """Simulated weekly queues with random (Poisson) arrivals and random capacity.

    Parameters
    ----------
    demand_per_week : float
        Mean arrivals per week (≥ 0).
    capacity_per_week : float
        Mean number that can be seen per week (≥ 0).
    weeks : int, default 104
        Weeks simulated.
    replications : int, default 5
        Independent runs.
    seed : int, default 1
        Seed of the random numbers (the same seed gives the same queues).

    Returns
    -------
    numpy.ndarray
        Shape ``(replications, weeks)``: the number waiting at the end of
        each week, starting from an empty queue.

    Notes
    -----
    Lindley's recursion for the queue :math:`Q_k` (patients) at the end of
    week :math:`k`, with :math:`A_k \\sim \\text{Poisson}(\\lambda)` arrivals
    and :math:`S_k \\sim \\text{Poisson}(\\mu)` possible removals:

    .. math:: Q_k = \\max(0,\\; Q_{k-1} + A_k - S_k), \\quad Q_0 = 0

    computed without a loop as the reflected random walk
    :math:`Q_k = X_k - \\min(0, \\min_{j \\le k} X_j)` with
    :math:`X_k = \\sum_{i \\le k} (A_i - S_i)`.

    References
    ----------
    .. [1] Lindley D.V. (1952), "The theory of queues with a single server",
       Proc. Cambridge Phil. Soc. 48(2): 277-289.

    Examples
    --------
    >>> q = queue_paths(10, 12, weeks=52, replications=3, seed=7)
    >>> q.shape, bool((q >= 0).all())
    ((3, 52), True)
    """
    rng = np.random.default_rng(seed)
    arrivals = rng.poisson(demand_per_week, size=(replications, weeks))
    served = rng.poisson(capacity_per_week, size=(replications, weeks))
    walk = np.cumsum(arrivals - served, axis=1).astype(np.float64)
    lowest = np.minimum(np.minimum.accumulate(walk, axis=1), 0.0)
    return walk - lowest


def relief_situation(unit_id: str = RELIEF_UNIT) -> dict[str, float]:
    """Demand, queue, target queue and relief capacity of a sample unit's first stage, now.

    The figures are the unit's now figures (:func:`toolkit.unit_now.now_figures`
    with the defaults of the unit report and the workbooks: the last 26 weeks,
    the profile ``bup_30_30``), so the lesson shows the same numbers as the
    unit's report and *Behov och kapacitet*.

    Returns
    -------
    dict
        ``demand_per_week``, ``queue_size`` (waiting at the extract date),
        ``target_wait_weeks`` (:data:`TARGET_WAIT_DAYS` / 7),
        ``target_queue_size`` (:func:`toolkit.waitlist.target_queue_size` with
        the profile's factor −ln(1 − p)), ``time_to_target_weeks`` and
        ``relief_capacity_per_week`` (:func:`toolkit.waitlist.relief_capacity`),
        plus ``window`` (the window in words, English).
    """
    from toolkit import unit_now

    now = unit_now.now_figures(sample_unit(unit_id), time_to_target_weeks=TIME_TO_TARGET_WEEKS)
    first = now.table[now.table["stage"] == "first_assessment"].iloc[0]
    demand = float(first["demand_per_week"])
    queue = float(first["queue_size"])
    target_queue = float(first["target_queue_size"])
    relief = float(waitlist.relief_capacity(demand, queue, target_queue, TIME_TO_TARGET_WEEKS))
    return {
        "demand_per_week": demand,
        "queue_size": queue,
        "target_wait_weeks": TARGET_WAIT_DAYS / _DAYS_PER_WEEK,
        "target_queue_size": target_queue,
        "time_to_target_weeks": TIME_TO_TARGET_WEEKS,
        "relief_capacity_per_week": relief,
    }


# --------------------------------------------------------------------------- what the notebook shows


def _col(name: str, lang: str) -> str:
    return t(f"lessons.l2.col.{name}", lang)


def target_example(lang: str | None = None) -> Any:
    """The worked example of the target mean wait and target queue, as Markdown in ``lang``.

    A unit with 16 referrals a week and the target "first assessment within
    30 days": the NHS-R factor 4 and the factor for "90 % within 30 days".
    """
    lang = check_language(lang)
    demand, target_days = 16.0, TARGET_WAIT_DAYS
    weeks = target_days / _DAYS_PER_WEEK
    f90 = float(waitlist.factor_for_share_within(0.9))
    return show(
        "lessons.l2.worked_target",
        lang,
        demand=number(demand, lang, 0),
        target=number(target_days, lang, 0),
        weeks=number(weeks, lang, 2),
        mean4=number(float(waitlist.target_mean_wait(target_days, 4.0)), lang),
        queue4=number(float(waitlist.target_queue_size(demand, weeks, 4.0)), lang),
        f90=number(f90, lang, 2),
        mean90=number(float(waitlist.target_mean_wait(target_days, f90)), lang),
        queue90=number(float(waitlist.target_queue_size(demand, weeks, f90)), lang),
    )


def capacity_table(
    demand_per_week: float = 16.0,
    target_wait_days: float = TARGET_WAIT_DAYS,
    lang: str | None = None,
) -> Table:
    """Capacity needed per week for a few amounts of variation (Kingman), headers in ``lang``.

    Rows: no variation (cv 0 and 0), regular arrivals and random capacity
    (0.5 and 1), random both (1 and 1), bunched arrivals (1.5 and 1); factor 4.
    """
    lang = check_language(lang)
    cv_a = np.array([0.0, 0.5, 1.0, 1.5])
    cv_s = np.array([0.0, 1.0, 1.0, 1.0])
    weeks = target_wait_days / _DAYS_PER_WEEK
    need = waitlist.target_capacity(demand_per_week, weeks, 4.0, cv_a, cv_s)
    return Table(
        pd.DataFrame(
            {
                _col("cv_demand", lang): cv_a,
                _col("cv_capacity", lang): cv_s,
                _col("demand_per_week", lang): demand_per_week,
                _col("capacity_needed", lang): np.round(need, 2),
            }
        ),
        lang,
    )


def relief_table(unit_id: str = RELIEF_UNIT, lang: str | None = None) -> Table:
    """The figures of the relief exercise (not the answer), headers in ``lang``."""
    lang = check_language(lang)
    s = relief_situation(unit_id)
    return Table(
        pd.DataFrame(
            [
                {
                    _col("demand_per_week", lang): round(s["demand_per_week"], 1),
                    _col("queue_size", lang): int(s["queue_size"]),
                    _col("target_wait_days", lang): int(TARGET_WAIT_DAYS),
                    _col("target_queue_size", lang): round(s["target_queue_size"], 1),
                    _col("time_to_target_weeks", lang): int(s["time_to_target_weeks"]),
                }
            ]
        ),
        lang,
    )


#: Loads of the variation chart and its formula check.
VARIATION_LOADS: tuple[float, ...] = (0.8, 0.9, 1.0)
#: Replications and warm-up (weeks) of the formula check beside the variation chart.
CHECK_REPLICATIONS, CHECK_WARM_UP_WEEKS = 400, 52


def variation_check(demand_per_week: float = 20.0) -> list[Any]:
    """The long-run formula beside the simulated queues, for each load of the variation chart.

    Returns
    -------
    list of toolkit.queueing.FormulaCheck
        One per load in :data:`VARIATION_LOADS`: the formula's long-run mean
        wait (:func:`toolkit.queueing.weekly_mean_wait`, the same Poisson
        weekly queue as :func:`queue_paths`) against the simulated mean wait
        of the second year (Little's law: mean number waiting over
        :math:`\\lambda`; :data:`CHECK_REPLICATIONS` replications, the first
        :data:`CHECK_WARM_UP_WEEKS` weeks as warm-up), with
        :func:`toolkit.queueing.formula_check`'s verdict. At load 1 there is
        no long-run level and the check says so instead of giving a number.
    """
    from toolkit.queueing import formula_check, weekly_mean_wait

    out = []
    for i, rho in enumerate(VARIATION_LOADS):
        capacity = demand_per_week / rho
        paths = queue_paths(
            demand_per_week, capacity, weeks=104, replications=CHECK_REPLICATIONS, seed=101 + i
        )
        per_rep = paths[:, CHECK_WARM_UP_WEEKS:].mean(axis=1) / demand_per_week  # weeks
        se = float(per_rep.std(ddof=1) / math.sqrt(len(per_rep)))
        out.append(
            formula_check(
                weekly_mean_wait(demand_per_week, capacity),
                float(per_rep.mean()),
                se,
                demand_per_week=demand_per_week,
                capacity_per_week=capacity,
                warm_up_weeks=CHECK_WARM_UP_WEEKS,
            )
        )
    return out


def variation_chart(lang: str | None = None, demand_per_week: float = 20.0) -> Figure:
    """Simulated queues over two years at load 0.8, 0.9 and 1.0 (capacity 25, 22.2 and 20).

    Each panel's header gives the formula's long-run mean wait beside the
    simulation's (:func:`variation_check`); at load 1.0 it says there is no
    long-run level.
    """
    from toolkit.charts import lesson_variation_chart

    lang = check_language(lang)
    loads = VARIATION_LOADS
    checks = variation_check(demand_per_week)
    paths, labels = [], []
    for i, rho in enumerate(loads):  # three panels, not a loop over patients
        paths.append(queue_paths(demand_per_week, demand_per_week / rho, seed=11 + i))
        check = checks[i]
        if check.formula_wait_weeks is None:
            second = t("lessons.l2.chart.no_steady_state", lang)
        else:
            second = t(
                "lessons.l2.chart.formula_vs_sim",
                lang,
                formula=number(7 * check.formula_wait_weeks, lang, 1),
                simulated=number(7 * check.simulated_wait_weeks, lang, 1),
            )
        label = t("lessons.l2.chart.load", lang, load=number(rho, lang)) + "\n" + second
        labels.append(label)
    title = t("lessons.l2.chart.title", lang, demand=number(demand_per_week, lang, 0))
    return Figure(lesson_variation_chart(paths, labels, title, lang))


# --------------------------------------------------------------------------- exercises


def _answer_target_queue() -> float:
    """Target queue = demand × target (weeks) / factor, with the exercise's numbers."""
    d, days, f = (EX_TARGET_QUEUE[k] for k in ("demand_per_week", "target_wait_days", "factor"))
    return float(waitlist.target_queue_size(d, days / _DAYS_PER_WEEK, f))


@exercise("l2.target_queue", kind="number", answer=_answer_target_queue)
def _check_target_queue(answer: float) -> str | None:
    """Target queue = demand × target (weeks) / factor."""
    d, days, f = (EX_TARGET_QUEUE[k] for k in ("demand_per_week", "target_wait_days", "factor"))
    expected = _answer_target_queue()
    if close(answer, expected, rel=0.02):
        return None
    if close(answer, d * days / f, rel=0.02):
        return "lessons.l2.hint.target_queue_units"
    if close(answer, d * days / _DAYS_PER_WEEK, rel=0.02):
        return "lessons.l2.hint.target_queue_factor"
    return "lessons.l2.hint.target_queue"


def _answer_mean_wait() -> float:
    """Target mean wait (days) for "p % within T days": T / (−ln(1 − p))."""
    share = EX_MEAN_WAIT["share_percent"] / 100.0
    days = EX_MEAN_WAIT["target_wait_days"]
    return float(waitlist.target_mean_wait(days, waitlist.factor_for_share_within(share)))


@exercise("l2.mean_wait", kind="number", answer=_answer_mean_wait)
def _check_mean_wait(answer: float) -> str | None:
    """Target mean wait (days) for "p % within T days": T / (−ln(1 − p))."""
    share = EX_MEAN_WAIT["share_percent"] / 100.0
    days = EX_MEAN_WAIT["target_wait_days"]
    expected = _answer_mean_wait()
    if close(answer, expected, rel=0.02):
        return None
    if close(answer, days / waitlist.DEFAULT_FACTOR, rel=0.02):
        return "lessons.l2.hint.mean_wait_factor4"
    if close(answer, days * share, rel=0.02) or close(answer, days / -math.log(share), rel=0.02):
        return "lessons.l2.hint.mean_wait_log"
    return "lessons.l2.hint.mean_wait"


def _answer_capacity() -> float:
    """Capacity with variation: demand + (cv_a² + cv_s²)/2 × factor / target (weeks)."""
    c = EX_CAPACITY
    weeks = c["target_wait_days"] / _DAYS_PER_WEEK
    return float(
        waitlist.target_capacity(
            c["demand_per_week"], weeks, c["factor"], c["cv_demand"], c["cv_capacity"]
        )
    )


@exercise("l2.capacity", kind="number", answer=_answer_capacity)
def _check_capacity(answer: float) -> str | None:
    """Capacity with variation: demand + (cv_a² + cv_s²)/2 × factor / target (weeks)."""
    c = EX_CAPACITY
    expected = _answer_capacity()
    if close(answer, expected, rel=0.01):
        return None
    if close(answer, c["demand_per_week"], rel=0.01):
        return "lessons.l2.hint.capacity_variation"
    days_version = waitlist.target_capacity(
        c["demand_per_week"], c["target_wait_days"], c["factor"], c["cv_demand"], c["cv_capacity"]
    )
    if close(answer, float(days_version), rel=0.01):
        return "lessons.l2.hint.capacity_units"
    return "lessons.l2.hint.capacity"


def _answer_relief() -> float:
    """Relief capacity of the unit: demand + (queue − target queue) / weeks to target."""
    return float(relief_situation(RELIEF_UNIT)["relief_capacity_per_week"])


@exercise("l2.relief", kind="number", answer=_answer_relief)
def _check_relief(answer: float) -> str | None:
    """Relief capacity of the sample unit: demand + (queue − target queue) / weeks to target."""
    s = relief_situation(RELIEF_UNIT)
    expected = s["relief_capacity_per_week"]
    if close(answer, expected, rel=0.01):
        return None
    excess = s["queue_size"] - s["target_queue_size"]
    if close(answer, excess / s["time_to_target_weeks"], rel=0.03):
        return "lessons.l2.hint.relief_demand"
    if close(answer, s["demand_per_week"] + s["queue_size"] / s["time_to_target_weeks"], rel=0.01):
        return "lessons.l2.hint.relief_target"
    return "lessons.l2.hint.relief"


@exercise("l2.equal_capacity", kind="choice", choices=("A", "B", "C"))
def _check_equal_capacity(answer: str) -> str | None:
    """Capacity equal to demand, both varying: the queue wanders and tends to grow (C)."""
    hints = {"A": "lessons.l2.hint.equal_zero", "B": "lessons.l2.hint.equal_steady"}
    return hints.get(answer)
