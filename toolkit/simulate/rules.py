"""Priority rules: who of those waiting at a stage gets this step's free slots.

Every rule is an **allocator** with one signature,

``allocate(waiting, free_slots, shifts, reserved_shares) -> served``

and the registry :data:`PRIORITY_RULES` maps each rule code of
:class:`~toolkit.simulate.Scenario`'s ``priority_rule`` to its allocator
(the idea of Ciw's ``disciplines``: a rule is a plain function the
simulation calls, not a branch inside it). All replications are allocated at
once:

``waiting[i, k, r]``
    cumulative number of class ``k`` patients waiting in replication ``r``
    who joined at cohort ``i`` or earlier (oldest cohort first; the window
    of a :class:`~toolkit.simulate.state.CohortQueue`).
``free_slots[r]``
    slots to give out in replication ``r``.
``shifts[k]``
    class ``k``'s target minus the shortest target, in whole steps (used by
    ``longest_wait``).
``reserved_shares[k]``
    share of the slots reserved for class ``k`` (used by ``reserved``).
``served[k, r]``
    the number of class ``k`` served; within a class always the oldest
    cohorts first, and never more than wait or than ``free_slots``.

A rule may also lend stage 2 slots to stage 1 (``first_visit_first``); the
engine does that step when :attr:`PriorityRule.lends_deep_slots` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from toolkit.simulate._types import FloatArray, IntArray

#: An allocator: ``(waiting, free_slots, shifts, reserved_shares) -> served``.
Allocator = Callable[[IntArray, IntArray, IntArray, FloatArray], IntArray]


def allocate_in_order(waiting: IntArray, free_slots: IntArray, shifts: IntArray | None) -> IntArray:
    """Served per class when cohorts are taken in order of position (index + shift).

    ``waiting[i, k, r]`` are cumulative counts; ties between classes at the
    same position go to the class listed first. Returns ``served[k, r]``.

    >>> waiting = np.array([[[2], [1]], [[3], [3]]])  # two cohorts, two classes
    >>> allocate_in_order(waiting, np.array([4]), None)[:, 0].tolist()
    [3, 1]
    """
    n, K, R = waiting.shape
    if n == 0:
        return np.zeros((K, R), dtype=np.int64)
    if shifts is None or not shifts.any():
        p = waiting
    else:
        m = n + int(shifts.max())
        p = np.empty((m, K, R), dtype=np.int64)
        for k in range(K):
            s = int(shifts[k])
            p[:s, k] = 0
            p[s : s + n, k] = waiting[:, k]
            p[s + n :, k] = waiting[n - 1, k]
    m = p.shape[0]
    tot = p.sum(axis=1)  # [m, R]
    b = np.count_nonzero(tot <= free_slots[None], axis=0)  # positions fully served, [R]
    prev = np.maximum(b - 1, 0)
    cols = np.arange(R)
    full = np.where(b > 0, p[prev, :, cols].T, 0)  # [K, R]
    used = np.where(b > 0, tot[prev, cols], 0)
    rest = free_slots - used
    nxt = np.minimum(b, m - 1)
    step = np.where(b < m, p[nxt, :, cols].T - full, 0)
    before = np.cumsum(step, axis=0) - step
    extra = np.clip(rest[None] - before, 0, step)
    return full + extra


def fcfs(
    waiting: IntArray, free_slots: IntArray, shifts: IntArray, reserved_shares: FloatArray
) -> IntArray:
    """First come, first served: the longest waiting first, whatever the class."""
    return allocate_in_order(waiting, free_slots, None)


def need(
    waiting: IntArray, free_slots: IntArray, shifts: IntArray, reserved_shares: FloatArray
) -> IntArray:
    """Strict need order (the classes' order), then the longest waiting within a class."""
    n, K, R = waiting.shape
    served = np.zeros((K, R), dtype=np.int64)
    if n == 0:
        return served
    totals = waiting[-1]
    left = free_slots.copy()
    for k in range(K):
        served[k] = np.minimum(totals[k], left)
        left -= served[k]
    return served


def longest_wait(
    waiting: IntArray, free_slots: IntArray, shifts: IntArray, reserved_shares: FloatArray
) -> IntArray:
    """Most overdue first: weeks waited minus the class's target (``shifts``)."""
    return allocate_in_order(waiting, free_slots, shifts)


def reserved(
    waiting: IntArray, free_slots: IntArray, shifts: IntArray, reserved_shares: FloatArray
) -> IntArray:
    """Each class its reserved share (rounded down); the rest to the longest waiting of any class."""
    n, K, R = waiting.shape
    if n == 0:
        return np.zeros((K, R), dtype=np.int64)
    own_slots = np.floor(reserved_shares[:, None] * free_slots[None]).astype(np.int64)
    own = np.minimum(waiting[-1], own_slots)
    pool = free_slots - own.sum(axis=0)
    rest = np.maximum(waiting - own[None], 0)
    return own + allocate_in_order(rest, pool, None)


@dataclass(frozen=True)
class PriorityRule:
    """A priority rule: its allocator (both stages) and whether it lends stage 2 slots.

    Attributes
    ----------
    allocate : Allocator
        Gives out a stage's free slots (see the module's description).
    lends_deep_slots : bool
        Stage 1 patients who would otherwise pass their target next step
        take stage 2 slots before stage 2 patients get them.
    """

    allocate: Allocator
    lends_deep_slots: bool = False


#: The priority rules by code (the order of :data:`RULES`).
PRIORITY_RULES: dict[str, PriorityRule] = {
    "fcfs": PriorityRule(fcfs),
    "need": PriorityRule(need),
    "first_visit_first": PriorityRule(fcfs, lends_deep_slots=True),
    "reserved": PriorityRule(reserved),
    "longest_wait": PriorityRule(longest_wait),
}

#: The priority rules (see :class:`~toolkit.simulate.Scenario`, ``priority_rule``).
RULES: tuple[str, ...] = tuple(PRIORITY_RULES)
