"""The priority rules' allocators (toolkit.simulate.rules), one step on a queue worked by hand.

The expected numbers are worked out by hand from the rules' definitions in
``Scenario``'s documentation (``priority_rule``), on this queue of one
replication: two classes, three cohorts (0 the oldest), four free slots.

=========  ========  ========  ========
cohort        0         1         2
=========  ========  ========  ========
urgent        1         0         2
routine       2         1         1
=========  ========  ========  ========

The allocators take the queue as cumulative counts over the cohorts.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.simulate import RULES
from toolkit.simulate.rules import PRIORITY_RULES

COUNTS = np.array([[1, 2], [0, 1], [2, 1]])  # [cohort, class]
WAITING = np.cumsum(COUNTS, axis=0)[:, :, None].astype(np.int64)  # [cohort, class, replication]
FREE = np.array([4], dtype=np.int64)
NO_SHIFT = np.zeros(2, dtype=np.int64)
NO_RESERVE = np.zeros(2)


def served(rule: str, shifts: np.ndarray = NO_SHIFT, reserved: np.ndarray = NO_RESERVE) -> list:
    return PRIORITY_RULES[rule].allocate(WAITING, FREE, shifts, reserved)[:, 0].tolist()


def test_fcfs_serves_the_oldest_cohorts_whatever_the_class() -> None:
    # cohort 0 (1 urgent + 2 routine), then cohort 1 (1 routine): 4 slots
    assert served("fcfs") == [1, 3]


def test_first_visit_first_allocates_as_fcfs_and_lends_stage_2_slots() -> None:
    assert served("first_visit_first") == [1, 3]
    assert [r for r, rule in PRIORITY_RULES.items() if rule.lends_deep_slots] == [
        "first_visit_first"
    ]


def test_need_serves_every_urgent_patient_first() -> None:
    # all 3 urgent, then the oldest routine patient
    assert served("need") == [3, 1]


def test_longest_wait_serves_the_most_overdue_first() -> None:
    # routine's target 2 steps longer: its cohort 0 is as overdue as urgent's
    # cohort 2; on a tie the class listed first goes first. Order: urgent 0,
    # urgent 2 and routine 0 (tie, urgent first): 1 + 2 urgent, then 1 routine.
    assert served("longest_wait", shifts=np.array([0, 2])) == [3, 1]


def test_reserved_gives_each_class_its_share_then_the_rest_first_come() -> None:
    # routine has half the 4 slots: its 2 oldest. The other 2 go first come,
    # first served among the rest: urgent cohort 0 and routine cohort 1.
    assert served("reserved", reserved=np.array([0.0, 0.5])) == [1, 3]


def test_the_registry_is_the_list_of_rules() -> None:
    assert tuple(PRIORITY_RULES) == RULES


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.lists(st.integers(0, 5), min_size=3, max_size=3), min_size=0, max_size=6),
    free=st.integers(0, 30),
    shift=st.integers(0, 3),
    share=st.floats(
        0, 1 / 3
    ),  # three classes: reserved shares sum to at most 1, as Scenario checks
)
def test_no_rule_serves_more_than_wait_or_than_the_free_slots(
    counts: list[list[int]], free: int, shift: int, share: float
) -> None:
    waiting = np.cumsum(np.array(counts, dtype=np.int64).reshape(-1, 3), axis=0)[:, :, None]
    for rule in RULES:
        out = PRIORITY_RULES[rule].allocate(
            waiting, np.array([free]), np.array([0, shift, 0]), np.full(3, share)
        )
        total = waiting[-1, :, 0] if len(counts) else np.zeros(3, dtype=np.int64)
        assert out.shape == (3, 1), rule
        assert (out[:, 0] >= 0).all() and (out[:, 0] <= total).all(), rule
        assert out.sum() == min(free, int(total.sum())), rule
