"""The engine's state: each stage's queue by cohort, and the state at the start of a run.

* :class:`CohortQueue` -- one stage's patients waiting, as cumulative counts by
  the step they joined, for all replications at once.
* :func:`start_histogram` -- a scenario's start queue as counts by whole
  weeks waited.
* :func:`start_ring` -- the stage 2 starts of the steps before the run, whose
  follow-up visits are due in the first weeks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from toolkit.simulate._types import FloatArray, IntArray
from toolkit.simulate.scenario import Scenario

#: Longest spread of a start queue given as a count, in weeks (ten years).
MAX_START_SPREAD_WEEKS = 520


class CohortQueue:
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


def start_histogram(sc: Scenario, which: str, stage_arrivals: FloatArray) -> list[IntArray]:
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


def start_ring(courses: int | Sequence[int], follow_up_weeks: int, spw: int) -> IntArray:
    """Stage 2 starts of the steps before the run, as the follow-up ring holds them.

    The ring's slot ``t % (follow_up_weeks * spw)`` holds the starts of step
    ``t``; the steps before the run (``-1, -2, ...``) take the slots from the
    end. ``courses`` is a count per whole week back (index 0: the last week)
    or a total spread over ``follow_up_weeks``; each week's count is spread
    over its steps (whole numbers, the remainder on the latest steps).

    >>> start_ring([3, 1], follow_up_weeks=2, spw=2).tolist()  # slots of steps 0..3
    [0, 1, 1, 2]
    >>> int(start_ring(10, follow_up_weeks=5, spw=1).sum())
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
