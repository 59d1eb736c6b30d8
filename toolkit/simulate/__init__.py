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

The package's modules, in the order a run passes through them:
:mod:`~toolkit.simulate.scenario` (the parameters and their checks),
:mod:`~toolkit.simulate.calendar` (arrival levels, seasonality, holidays),
:mod:`~toolkit.simulate.rules` (the priority rules, a registry of allocators),
:mod:`~toolkit.simulate.state` (the queues by cohort, the state at the start),
:mod:`~toolkit.simulate.engine` (:func:`simulate` and its step functions),
:mod:`~toolkit.simulate.tables` (:func:`table`, :func:`summary`, :func:`compare`
and the patient-level statistics) and :mod:`~toolkit.simulate.calibration`
(:func:`calibrate`, :func:`capacity_from_staff`). Everything is imported from
``toolkit.simulate``.

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

# the names of the former single module; those marked noqa are importable, not in __all__
from toolkit.simulate.calibration import (
    STAFF_STAGE_VISITS,  # noqa: F401
    StaffCapacity,
    calibrate,
    capacity_from_staff,
)
from toolkit.simulate.engine import (
    MAX_REPLICATION_STEPS,
    MEMORY_LIMIT_BYTES,  # noqa: F401
    RawRun,
    ServedWaits,
    simulate,
)
from toolkit.simulate.rules import RULES
from toolkit.simulate.scenario import (
    ALL_CLASSES,  # noqa: F401
    CAPACITY_MODELS,  # noqa: F401
    MAX_ARRIVALS_PER_WEEK,  # noqa: F401
    SEASONALITY,  # noqa: F401
    STAGES,
    WEEKS_PER_YEAR,  # noqa: F401
    Scenario,
)
from toolkit.simulate.state import MAX_START_SPREAD_WEEKS  # noqa: F401
from toolkit.simulate.tables import (
    RUN_COLUMNS,  # noqa: F401
    SUMMARY_COLUMNS,  # noqa: F401
    PatientLevel,
    compare,
    run,
    stack_scenarios,  # noqa: F401
    summary,
    table,
)

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
