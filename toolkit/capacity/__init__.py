"""Staff time to capacity, demand in hours, the balance and what it costs.

The chain a coach walks through with a unit (PKS: kapacitetsbehov,
tillgänglig kapacitet, beslut för balans):

1. :func:`staff_hours`: contracted hours per staff category and week, from
   the ``staff`` table (who is in post on a date).
2. :func:`clinical_hours`: minus absence and non-clinical time (from the
   time-use study via :func:`time_use_shares`, or stated shares).
3. :func:`appointments_per_week`: clinical hours split over visit types and
   divided by the clinician time an appointment takes, with no-shows, group
   sessions and digital visits.
4. :func:`demand_hours`: accepted referrals × clinician hours per episode for
   each step of the pathway (CAPA), split over staff categories.
5. :func:`balance`: capacity against demand per staff category, and
   :func:`capacity_80_rule` (DCAQ) for capacity that copes with variation.
6. :func:`cost_table`, :func:`appointment_costs` and :func:`change_effect`:
   the cost of a clinical hour and of each appointment type, and what a change
   (added or lost FTE, freed administration, a shift to group or digital
   visits) does to capacity and to cost.

:func:`capacity_from_visits` gives the observed activity (the "A" of DCAQ).
:func:`capa_capacity` and :func:`capa_demand` are the CAPA formulas in their
published form.

Every function is pure: data frames and numbers in, data frames and numbers
out. Each table has one row per staff category (all six, in schema order, with
zeros where a unit has none), so tables join and a coach always sees the same
rows. Notes on defaults used and on empty input are in ``table.attrs["notes"]``
(in the language asked for); :func:`readable` gives a table with column names
and category values in Swedish or English.

Default parameters, each with its source, are in
``toolkit/data/capacity_defaults.yaml``; :func:`defaults_table` lists them.
Parameters out of range raise :class:`toolkit.errors.ParameterError` (a
``ValueError``) naming the argument and the allowed range.

The package's modules, in the order of the chain:
:mod:`~toolkit.capacity.defaults` (names and default parameters),
:mod:`~toolkit.capacity.staff` (steps 1 and 2),
:mod:`~toolkit.capacity.appointments` (step 3),
:mod:`~toolkit.capacity.demand` (step 4), :mod:`~toolkit.capacity.balance`
(step 5), :mod:`~toolkit.capacity.cost` and :mod:`~toolkit.capacity.change`
(step 6), :mod:`~toolkit.capacity.activity` (observed activity),
:mod:`~toolkit.capacity.capa` and :mod:`~toolkit.capacity.readable`; argument
checks in :mod:`~toolkit.capacity._helpers`. Everything is imported from
``toolkit.capacity``.

Examples
--------
>>> import pandas as pd
>>> staff = pd.DataFrame({"staff_id": ["A", "B"], "category": ["psychologist"] * 2,
...                       "fte": [1.0, 1.0], "hours_per_week": [40.0, 40.0]})
>>> ch = clinical_hours(staff_hours(staff), absence_share=0.12, non_clinical_share=0.45)
>>> round(float(ch.set_index("staff_category").loc["psychologist", "clinical_hours_per_week"]), 2)
38.72
"""

from __future__ import annotations

from toolkit.capacity.activity import (
    capacity_from_visits,
)
from toolkit.capacity.appointments import (
    appointments_per_week,
)
from toolkit.capacity.balance import (
    balance,
    capacity_80_rule,
)
from toolkit.capacity.capa import (
    capa_capacity,
    capa_demand,
)
from toolkit.capacity.change import (
    change_effect,
)
from toolkit.capacity.cost import (
    appointment_costs,
    cost_table,
)

# the names of the former single module; those marked noqa are importable, not in __all__
from toolkit.capacity.defaults import (
    MODES,
    PATHWAY_STEPS,
    STAFF_CATEGORIES,
    VISIT_TYPES,
    Shares,  # noqa: F401
    default,
    defaults_table,
)
from toolkit.capacity.demand import (
    demand_hours,
    hours_per_episode_from_visits,
    staff_mix_from_visits,
)
from toolkit.capacity.readable import (
    readable,
)
from toolkit.capacity.staff import (
    clinical_hours,
    staff_hours,
    time_use_shares,
)

__all__ = [
    "MODES",
    "PATHWAY_STEPS",
    "STAFF_CATEGORIES",
    "VISIT_TYPES",
    "appointment_costs",
    "appointments_per_week",
    "balance",
    "capa_capacity",
    "capa_demand",
    "capacity_80_rule",
    "capacity_from_visits",
    "change_effect",
    "clinical_hours",
    "cost_table",
    "default",
    "defaults_table",
    "demand_hours",
    "hours_per_episode_from_visits",
    "readable",
    "staff_hours",
    "staff_mix_from_visits",
    "time_use_shares",
]
