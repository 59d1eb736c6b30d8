"""Seeded generator of synthetic BUP units: the sample data and benchmark tables.

Every unit made here is **synthetic**: no real patients, staff or units. The
same seed gives the same tables and byte-identical files.

``generate_unit(profile, seed=...)`` simulates one outpatient unit's two-stage
pathway (referral → first assessment → in-depth assessment or treatment →
follow-ups → closed) week by week and returns the canonical tables of
``toolkit/data/schema.yaml``. :data:`PROFILES` holds the seven sample units the
workshops use; ``write_samples()`` (or ``python -m toolkit.synth``) writes
them to ``sample_data/`` with a ``units.yaml`` manifest. ``generate_large``
makes big valid tables fast, for benchmarks.

The package's modules: :mod:`~toolkit.synth.profiles` (the constants,
:class:`UnitProfile` and the sample units), :mod:`~toolkit.synth.unit`
(:func:`generate_unit` and its steps, with :mod:`~toolkit.synth._helpers`
and :mod:`~toolkit.synth._schema`), :mod:`~toolkit.synth.staff` (staff,
clinicians, time use, :func:`patients_in_care`, :func:`staff_fte_needed`),
:mod:`~toolkit.synth.counts` (:func:`period_counts`),
:mod:`~toolkit.synth.files` (:func:`write_unit`, :func:`write_samples`),
:mod:`~toolkit.synth.large` (:func:`generate_large`) and
:mod:`~toolkit.synth.cli` (:func:`main`, run by ``python -m toolkit.synth``).
Everything is imported from ``toolkit.synth``.

Examples
--------
>>> tables = generate_unit(PROFILES["liten"], seed=1)
>>> sorted(tables)
['referrals', 'staff', 'time_use', 'visits']
>>> bool(tables["visits"]["referral_id"].isin(tables["referrals"]["referral_id"]).all())
True
"""

from __future__ import annotations

# the names of the former single module; those marked noqa are importable, not in __all__
from toolkit.synth.cli import main
from toolkit.synth.counts import period_counts
from toolkit.synth.files import (
    FLOAT_DECIMALS,  # noqa: F401
    STYLES,  # noqa: F401
    write_samples,
    write_unit,
)
from toolkit.synth.large import generate_large
from toolkit.synth.profiles import (
    AGE_BY_QUESTION,  # noqa: F401
    COURSE_GAP_DAYS,  # noqa: F401
    DECISION_SHARES,  # noqa: F401
    DEEP_SHARE_BY_QUESTION,  # noqa: F401
    DURATION_MIN_BY_VISIT_TYPE,  # noqa: F401
    FEMALE_SHARE_BY_QUESTION,  # noqa: F401
    FOLLOW_UP_GAP_DAYS,  # noqa: F401
    FOLLOW_UP_START_DAYS,  # noqa: F401
    FOLLOW_UPS_AFTER_COURSE,  # noqa: F401
    FOLLOW_UPS_WITHOUT_COURSE,  # noqa: F401
    OTHER_QUESTION_SHARES,  # noqa: F401
    PRIORITY_BY_QUESTION,  # noqa: F401
    PROFILES,
    SAMPLE_SEED,
    SAMPLE_UNITS,
    SOURCE_SHARES,  # noqa: F401
    STAFF_BY_VISIT_TYPE,  # noqa: F401
    STAFF_MIX,  # noqa: F401
    TIME_USE_LEVELS,  # noqa: F401
    TIME_USE_SHARES,  # noqa: F401
    WEEKDAY_WEIGHTS,  # noqa: F401
    SampleUnit,
    UnitProfile,
)
from toolkit.synth.staff import patients_in_care, staff_fte_needed
from toolkit.synth.unit import generate_unit

__all__ = [
    "PROFILES",
    "SAMPLE_SEED",
    "SAMPLE_UNITS",
    "SampleUnit",
    "UnitProfile",
    "generate_large",
    "generate_unit",
    "main",
    "patients_in_care",
    "period_counts",
    "staff_fte_needed",
    "write_samples",
    "write_unit",
]
