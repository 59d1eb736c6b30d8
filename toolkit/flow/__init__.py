"""Flow of patients through the pathway, from the clean ``referrals`` table.

This package holds:

* the daily queue size (:func:`queue_size`) and the waiting-list summary a
  coach starts from (:func:`waiting_list_stats`), with the meaning of
  ``wl_queue_size`` and ``wl_stats`` in the NHS-R package NHSRwaitinglist;
* a unit's situation in a few numbers (:func:`snapshot`, :func:`stage_waits_days`);
* flow per period and stage, the DCAQ table (:func:`weekly_flow`: arrivals,
  completions, removals, queue, waits and share within target, by need
  class, question, sex or age band; from counts alone with Little's law) and
  continuity of care (:func:`continuity`, the usual-provider-of-care index).

A row's arrival and removal are any two date columns (default ``received``
and ``first_assessment``, the first stage). A missing removal date (NaT)
means the patient is still waiting. Days are calendar days; the number
waiting on a day is counted at the end of that day, so a patient removed on
day *d* is no longer waiting on day *d*.

The package's modules: :mod:`~toolkit.flow._days` (dates as day numbers),
:mod:`~toolkit.flow.queue` (:func:`queue_size`), :mod:`~toolkit.flow.stats`
(:func:`waiting_list_stats`), :mod:`~toolkit.flow.snapshot`,
:mod:`~toolkit.flow.periods` (periods, breakdowns, stages, reading a unit),
:mod:`~toolkit.flow.events` (flow from event data), :mod:`~toolkit.flow.counts`
(flow from period counts), :mod:`~toolkit.flow.weekly` (:func:`weekly_flow`)
and :mod:`~toolkit.flow.continuity`. Everything is imported from
``toolkit.flow``.

Examples
--------
>>> import pandas as pd
>>> referrals = pd.DataFrame({
...     "received": pd.to_datetime(["2024-01-01", "2024-01-04", "2024-01-10", "2024-01-16"]),
...     "first_assessment": pd.to_datetime(["2024-01-08", None, None, None]),
... })
>>> queue_size(referrals).queue_size.tolist()
[1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 2, 2, 2, 2, 3]
"""

from __future__ import annotations

# the names of the former single module; those marked noqa are importable, not in __all__
from toolkit.flow._days import (
    DateLike,  # noqa: F401
    Method,  # noqa: F401
)
from toolkit.flow.continuity import (
    continuity,
)
from toolkit.flow.periods import (
    AGE_BANDS,
    BREAKDOWNS,
    CONTINUITY_COLUMNS,  # noqa: F401
    FLOW_COLUMNS,  # noqa: F401
    FLOW_STAGES,  # noqa: F401
    FREQS,
    REMOVAL_DECISIONS,  # noqa: F401
)
from toolkit.flow.queue import (
    queue_size,
)
from toolkit.flow.snapshot import (
    snapshot,
    stage_waits_days,
)
from toolkit.flow.stats import (
    WaitingListStats,
    waiting_list_stats,
)
from toolkit.flow.weekly import (
    weekly_flow,
)

__all__ = [
    "AGE_BANDS",
    "BREAKDOWNS",
    "FREQS",
    "WaitingListStats",
    "continuity",
    "queue_size",
    "snapshot",
    "stage_waits_days",
    "waiting_list_stats",
    "weekly_flow",
]
