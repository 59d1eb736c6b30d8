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

Examples
--------
>>> tables = generate_unit(PROFILES["liten"], seed=1)
>>> sorted(tables)
['referrals', 'staff', 'time_use', 'visits']
>>> bool(tables["visits"]["referral_id"].isin(tables["referrals"]["referral_id"]).all())
True
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from toolkit import _checks as checks
from toolkit import _yaml
from toolkit.errors import ParameterError
from toolkit.i18n import t

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

# --------------------------------------------------------------------------- schema


@cache
def _schema() -> dict[str, Any]:
    text = (resources.files("toolkit") / "data" / "schema.yaml").read_text(encoding="utf-8")
    tables: dict[str, Any] = _yaml.safe_load(text)["tables"]
    return tables


def _values(table: str, column: str) -> list[str]:
    return list(_schema()[table]["columns"][column]["values"])


def _categorical(table: str, column: str, values: Any) -> pd.Categorical:
    return pd.Categorical(values, categories=_values(table, column))


# --------------------------------------------------------------------------- constants

#: Referral sources and their shares (school health is larger in the school-year unit).
SOURCE_SHARES: dict[str, float] = {
    "primary_care": 0.30,
    "school_health": 0.24,
    "social_services": 0.08,
    "self_referral": 0.22,
    "specialist_care": 0.09,
    "other": 0.07,
}
#: Shares of the non-ADHD questions (renormalised to 1 − ADHD share).
OTHER_QUESTION_SHARES: dict[str, float] = {
    "autism": 0.22,
    "anxiety_depression": 0.38,
    "eating_disorder": 0.07,
    "self_harm": 0.11,
    "trauma": 0.08,
    "other": 0.14,
}
_QUESTIONS = ("adhd", *OTHER_QUESTION_SHARES)
#: Probability of (urgent, high) priority by question; the rest is routine.
PRIORITY_BY_QUESTION: dict[str, tuple[float, float]] = {
    "adhd": (0.01, 0.08),
    "autism": (0.01, 0.10),
    "anxiety_depression": (0.05, 0.22),
    "eating_disorder": (0.35, 0.50),
    "self_harm": (0.45, 0.40),
    "trauma": (0.05, 0.25),
    "other": (0.03, 0.10),
}
#: Share of those first assessed who go on to in-depth assessment or treatment.
DEEP_SHARE_BY_QUESTION: dict[str, float] = {
    "adhd": 0.80,
    "autism": 0.85,
    "anxiety_depression": 0.55,
    "eating_disorder": 0.80,
    "self_harm": 0.55,
    "trauma": 0.60,
    "other": 0.35,
}
#: Probability of female sex by question (other/unknown: 1 %).
FEMALE_SHARE_BY_QUESTION: dict[str, float] = {
    "adhd": 0.40,
    "autism": 0.35,
    "anxiety_depression": 0.72,
    "eating_disorder": 0.90,
    "self_harm": 0.78,
    "trauma": 0.60,
    "other": 0.50,
}
#: Mean age in years at referral by question (normal, sd 3, clipped to 3–17).
AGE_BY_QUESTION: dict[str, float] = {
    "adhd": 11.0,
    "autism": 9.5,
    "anxiety_depression": 14.0,
    "eating_disorder": 14.5,
    "self_harm": 15.0,
    "trauma": 12.0,
    "other": 11.5,
}
#: Triage decision shares for non-urgent referrals (urgent ones are always accepted).
DECISION_SHARES: dict[str, float] = {
    "accepted": 0.82,
    "rejected": 0.06,
    "redirected": 0.09,
    "closed_no_visit": 0.03,
}
#: Referrals per weekday, Monday to Sunday (few at weekends: digital care requests).
WEEKDAY_WEIGHTS = np.array([0.22, 0.21, 0.20, 0.19, 0.16, 0.01, 0.01])
#: Share of visits per staff category in :func:`generate_large`.
STAFF_MIX: dict[str, float] = {
    "physician": 0.14,
    "psychologist": 0.24,
    "nurse": 0.14,
    "counsellor": 0.22,
    "therapist": 0.18,
    "other": 0.08,
}
#: Staff category of the clinician by visit type (order as in the schema).
STAFF_BY_VISIT_TYPE: dict[str, tuple[float, ...]] = {
    #                   phys  psych nurse couns ther  other
    "first_assessment": (0.10, 0.25, 0.25, 0.30, 0.10, 0.00),
    "assessment": (0.25, 0.50, 0.10, 0.05, 0.10, 0.00),
    "treatment": (0.05, 0.25, 0.10, 0.28, 0.29, 0.03),
    "follow_up": (0.35, 0.10, 0.33, 0.10, 0.07, 0.05),
}
#: Booked length in minutes by visit type (physical or digital); group 90, phone 20.
DURATION_MIN_BY_VISIT_TYPE: dict[str, float] = {
    "first_assessment": 75.0,
    "assessment": 90.0,
    "treatment": 55.0,
    "follow_up": 35.0,
}
#: Time-use shares per staff category (activities in schema order):
#: patient_direct, documentation, certificates, reporting, meetings, coordination, travel, other.
#: About a quarter of the time at work is spent with patients (see docs/sample_data.md:
#: hospital time studies find about a third for physicians, CAPA teams 30–40 %, and
#: the national BUP figures, about 8 visits per patient a year with 22 FTE per
#: 1 000 patients, come to about 7 visits per FTE and week).
TIME_USE_SHARES: dict[str, tuple[float, ...]] = {
    "physician": (0.20, 0.28, 0.12, 0.04, 0.14, 0.12, 0.02, 0.08),
    "psychologist": (0.21, 0.29, 0.08, 0.04, 0.15, 0.13, 0.02, 0.08),
    "nurse": (0.23, 0.25, 0.03, 0.06, 0.14, 0.19, 0.02, 0.08),
    "counsellor": (0.20, 0.25, 0.05, 0.04, 0.15, 0.20, 0.03, 0.08),
    "therapist": (0.24, 0.24, 0.02, 0.03, 0.16, 0.17, 0.04, 0.10),
    "other": (0.06, 0.34, 0.05, 0.14, 0.15, 0.10, 0.00, 0.16),
}
#: Where each activity's requirement comes from (clinical, organisational, national).
TIME_USE_LEVELS: dict[str, tuple[float, float, float]] = {
    "patient_direct": (1.00, 0.00, 0.00),
    "documentation": (0.75, 0.10, 0.15),
    "certificates": (0.30, 0.00, 0.70),
    "reporting": (0.00, 0.30, 0.70),
    "meetings": (0.35, 0.65, 0.00),
    "coordination": (0.80, 0.20, 0.00),
    "travel": (0.70, 0.30, 0.00),
    "other": (0.00, 1.00, 0.00),
}
#: Mean follow-up visits after an in-depth assessment or treatment course, by question
#: (ADHD: medication follow-ups).
FOLLOW_UPS_AFTER_COURSE: dict[str, float] = {
    "adhd": 9.0,
    "autism": 3.0,
    "anxiety_depression": 3.0,
    "eating_disorder": 6.0,
    "self_harm": 4.0,
    "trauma": 3.0,
    "other": 1.0,
}
#: Mean follow-up visits of those who do not go on after the first assessment.
FOLLOW_UPS_WITHOUT_COURSE = 1.0
#: Days between visits of an in-depth assessment or treatment course (low, high).
COURSE_GAP_DAYS = (5, 12)
#: Days from the end of a course (or the first assessment) to the first follow-up.
FOLLOW_UP_START_DAYS = (7, 21)
#: Days between follow-up visits.
FOLLOW_UP_GAP_DAYS = (10, 30)
_NONE = -(10**9)  # "stage not reached" in the day-number arrays
_FTE_CHOICES = np.array([1.0, 0.9, 0.8, 0.75, 0.5])
_FTE_PROBS = np.array([0.6, 0.1, 0.12, 0.08, 0.1])
_STAFF_WEEKS = 52  # staff are sized from the visits of the last 52 weeks

# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class UnitProfile:
    """The parameters of one synthetic unit; every default is a plain, documented number.

    Weeks are counted from ``period_start`` (week 0). Capacities are numbers
    of patients a week (first assessments, or starts of in-depth assessment or
    treatment), before the summer and Christmas dip.

    Attributes
    ----------
    name : str
        Display name, fictitious and labelled synthetic.
    period_start : str
        First day of the extract period (ISO date, a Monday).
    weeks : int
        Length of the period in weeks (the extract date is its last Sunday).
    burn_in_weeks : int
        Weeks simulated before ``period_start`` so the unit starts with queues
        and patients in care; only episodes still open at ``period_start`` and
        visits from it on are kept.
    referrals_per_week : float
        Mean referrals a week at week 0.
    referral_growth_per_year : float
        Relative growth of referrals a year (0.2 = 20 % more each year).
    school_year_seasonality : bool
        If True, referrals follow the school year (summer dip, autumn peak).
    adhd_share_start, adhd_share_end : float
        Share of referrals with an ADHD question at the start and end of the
        period (linear in between).
    first_capacity_per_week : float
        First assessments a week.
    first_capacity_growth_per_year : float
        Relative growth of first-assessment capacity a year.
    deep_capacity_per_week : float
        Starts of in-depth assessment or treatment a week.
    deep_capacity_growth_per_year : float
        Relative growth of that capacity a year.
    change_week : int or None
        Week from which the unit works in a new way (``*_after_change`` values apply).
    first_capacity_after_change_per_week, deep_capacity_after_change_per_week : float or None
        Capacities from ``change_week`` on.
    triage_days_max : int
        Days from arrival to the decision on a referral that is not urgent:
        uniform on 1 … ``triage_days_max`` (weekends moved to Monday);
        urgent referrals are decided in 0–1 days.
    lead_days_high, lead_days_routine : int
        Days from the decision to the earliest first assessment (the notice
        of the appointment) for high and routine priority; urgent 0.
    first_queue_start, deep_queue_start : int
        Patients waiting for each stage when the simulation begins.
    first_queue_feedback_per_week, deep_queue_feedback_per_week : float
        Share of the gap between the queue and its target added to (or taken
        from) next week's capacity: a unit that plans by its queue. 0 = fixed
        capacity. The target is the starting queue.
    first_queue_target_after_change, deep_queue_target_after_change : int or None
        Queue targets from ``change_week`` on.
    vacation_capacity_factor : float
        Capacity factor in ISO weeks 28–31 (summer) and 52 (Christmas).
    queue_removal_per_week : float
        Chance a week that someone waiting for a first assessment leaves the queue.
    pvv_share : float
        Share of accepted referrals with patient-chosen wait (PVV) of 14–60 days.
    dna_rate, cancel_rate : float
        Share of booked visits not attended / cancelled.
    digital_share_start, digital_share_end : float
        Share of visits held digitally at start and end (linear in between).
    group_share, group_share_after_change : float
        Share of treatment visits held in groups (before/after ``change_week``).
    phone_share : float
        Share of follow-up visits held by phone (a quarter of that elsewhere).
    assessment_visits_mean : float
        Mean number of visits in an in-depth assessment (3 or more).
    treatment_visits_mean : float
        Mean number of visits in a treatment course (2 or more).
    visit_weeks : int or None
        Visits are kept for the last ``visit_weeks`` weeks of the period
        (None: the whole period); keeps the sample files small. Staff are
        sized from the last 52 weeks either way.
    staff_time_factor : float
        Clinical time of the staff in post on the extract date over the
        clinician time the unit's booked visits took in the last 52 weeks
        (1 = staff exactly as busy as their visits show; above 1 = spare
        clinical time). Staff are sized from it (see :func:`generate_unit`).
    staff_turnover_per_year : float
        Share of posts that change holder a year.
    time_use_study : bool
        Whether the unit ran a two-week time-use study.
    counts_only : bool
        If True, the unit gives only ``period_counts`` (weekly, both stages).
    """

    name: str = "BUP Exempelstad (syntetisk)"
    period_start: str = "2023-01-02"
    weeks: int = 104
    burn_in_weeks: int = 26
    referrals_per_week: float = 20.0
    referral_growth_per_year: float = 0.0
    school_year_seasonality: bool = False
    adhd_share_start: float = 0.36
    adhd_share_end: float = 0.46
    first_capacity_per_week: float = 16.5
    first_capacity_growth_per_year: float = 0.0
    deep_capacity_per_week: float = 11.2
    deep_capacity_growth_per_year: float = 0.0
    change_week: int | None = None
    first_capacity_after_change_per_week: float | None = None
    deep_capacity_after_change_per_week: float | None = None
    triage_days_max: int = 11
    lead_days_high: int = 4
    lead_days_routine: int = 7
    first_queue_start: int = 40
    deep_queue_start: int = 30
    first_queue_feedback_per_week: float = 0.0
    deep_queue_feedback_per_week: float = 0.0
    first_queue_target_after_change: int | None = None
    deep_queue_target_after_change: int | None = None
    vacation_capacity_factor: float = 0.6
    queue_removal_per_week: float = 0.004
    pvv_share: float = 0.03
    dna_rate: float = 0.07
    cancel_rate: float = 0.06
    digital_share_start: float = 0.10
    digital_share_end: float = 0.22
    group_share: float = 0.05
    group_share_after_change: float | None = None
    phone_share: float = 0.4
    assessment_visits_mean: float = 7.0
    treatment_visits_mean: float = 11.0
    visit_weeks: int | None = 52
    staff_time_factor: float = 1.0
    staff_turnover_per_year: float = 0.15
    time_use_study: bool = True
    counts_only: bool = False

    def __post_init__(self) -> None:
        shares = (
            "adhd_share_start",
            "adhd_share_end",
            "vacation_capacity_factor",
            "queue_removal_per_week",
            "pvv_share",
            "dna_rate",
            "cancel_rate",
            "digital_share_start",
            "digital_share_end",
            "group_share",
            "phone_share",
            "staff_turnover_per_year",
            "first_queue_feedback_per_week",
            "deep_queue_feedback_per_week",
        )
        for name in shares:
            _check_range(name, getattr(self, name), 0.0, 1.0)
        if self.group_share_after_change is not None:
            _check_range("group_share_after_change", self.group_share_after_change, 0.0, 1.0)
        _check_range("weeks", self.weeks, 4, 520)
        _check_range("triage_days_max", self.triage_days_max, 1, 60)
        _check_range("lead_days_high", self.lead_days_high, 0, 60)
        _check_range("lead_days_routine", self.lead_days_routine, 0, 60)
        _check_range("burn_in_weeks", self.burn_in_weeks, 0, 260)
        _check_range("referrals_per_week", self.referrals_per_week, 0.1, 10_000)
        _check_range("referral_growth_per_year", self.referral_growth_per_year, -0.9, 5.0)
        _check_range("first_capacity_per_week", self.first_capacity_per_week, 0.0, 10_000)
        _check_range("deep_capacity_per_week", self.deep_capacity_per_week, 0.0, 10_000)
        _check_range("staff_time_factor", self.staff_time_factor, 0.5, 2.0)
        _check_range("treatment_visits_mean", self.treatment_visits_mean, 2.0, 40.0)
        _check_range("assessment_visits_mean", self.assessment_visits_mean, 3.0, 40.0)
        if self.visit_weeks is not None:
            _check_range("visit_weeks", self.visit_weeks, _STAFF_WEEKS, self.weeks)
        _check_range("dna_rate + cancel_rate", self.dna_rate + self.cancel_rate, 0.0, 0.9)
        if self.change_week is not None:
            _check_range("change_week", self.change_week, 1, self.weeks - 1)
            if (
                self.first_capacity_after_change_per_week is None
                and self.deep_capacity_after_change_per_week is None
            ):
                raise ParameterError("synth.change_week_needs_values", value=self.change_week)
        if pd.Timestamp(self.period_start).day_of_week != 0:
            raise checks.choice_error("period_start", self.period_start, ["a Monday / en måndag"])

    @property
    def extract_date(self) -> pd.Timestamp:
        """The last day of the period (a Sunday): no date in the tables is later."""
        return pd.Timestamp(self.period_start) + pd.Timedelta(days=7 * self.weeks - 1)


def _check_range(argument: str, value: float, low: float, high: float) -> None:
    if not (low <= value <= high):
        raise checks.range_error(argument, value, f"{low}–{high}")


@dataclass(frozen=True)
class SampleUnit:
    """A sample unit as listed in ``sample_data/units.yaml``.

    ``style`` is the file style (see :func:`write_unit`), ``language`` the
    unit's report language, ``target_profile`` the waiting-time target file.
    """

    id: str
    profile: UnitProfile
    seed: int
    style: str = "csv"
    language: str = "sv"
    target_profile: str = "bup_30_30"


#: Base seed of the sample data; unit i uses SAMPLE_SEED + i.
SAMPLE_SEED = 20_240_917

_BALANS_FIRST = 16.4  # accepted referrals a week at 20 referrals a week
SAMPLE_UNITS: tuple[SampleUnit, ...] = (
    SampleUnit(
        "balans",
        UnitProfile(
            name="BUP Exempelstad (syntetisk)",
            # a lean front end: referrals decided in 1-5 days, notice 2-3 days
            triage_days_max=5,
            lead_days_high=2,
            lead_days_routine=3,
            # plans by its queues (target 6 and 15 waiting) and staggers holidays
            # (capacity 0.85 in holiday weeks): the standing queues stay at or below
            # the target queues of bup_30_30 (docs/sample_data.md)
            first_queue_start=6,
            deep_queue_start=15,
            first_queue_feedback_per_week=0.4,
            deep_queue_feedback_per_week=0.4,
            vacation_capacity_factor=0.85,
            staff_time_factor=1.05,
            treatment_visits_mean=10.0,
        ),
        SAMPLE_SEED,
        style="csv",
        language="en",
    ),
    SampleUnit(
        "vaxande_behov",
        UnitProfile(
            name="BUP Påhittsköping (syntetisk)",
            referrals_per_week=16.0,
            referral_growth_per_year=0.20,
            first_capacity_per_week=13.6,
            deep_capacity_per_week=9.3,
            first_queue_start=45,
            deep_queue_start=30,
            deep_queue_feedback_per_week=0.1,
        ),
        SAMPLE_SEED + 1,
        style="csv_sv",
    ),
    SampleUnit(
        "forsta_besok_forst",
        UnitProfile(
            name="BUP Låtsasås (syntetisk)",
            referrals_per_week=18.0,
            first_capacity_per_week=15.5,
            deep_capacity_per_week=8.4,
            first_queue_start=28,
            deep_queue_start=40,
            first_queue_feedback_per_week=0.3,
        ),
        SAMPLE_SEED + 2,
        style="csv_sv",
    ),
    SampleUnit(
        "skolar",
        UnitProfile(
            name="BUP Skolstad (syntetisk)",
            referrals_per_week=17.0,
            school_year_seasonality=True,
            first_capacity_per_week=13.9,
            deep_capacity_per_week=9.5,
            first_queue_start=35,
            deep_queue_start=25,
            first_queue_feedback_per_week=0.15,
            deep_queue_feedback_per_week=0.15,
        ),
        SAMPLE_SEED + 3,
        style="csv",
    ),
    SampleUnit(
        "nytt_arbetssatt",
        UnitProfile(
            name="BUP Förändringsby (syntetisk)",
            referrals_per_week=16.0,
            first_capacity_per_week=12.6,
            deep_capacity_per_week=8.6,
            first_queue_start=70,
            deep_queue_start=40,
            change_week=52,
            first_capacity_after_change_per_week=13.6,
            deep_capacity_after_change_per_week=9.4,
            first_queue_feedback_per_week=0.0,
            first_queue_target_after_change=15,
            deep_queue_target_after_change=15,
            group_share=0.04,
            group_share_after_change=0.25,
            visit_weeks=None,  # the whole period: the shift to group sessions shows
        ),
        SAMPLE_SEED + 4,
        style="csv_sv",
    ),
    SampleUnit(
        "liten",
        UnitProfile(
            name="BUP Småort (syntetisk)",
            period_start="2022-01-03",
            weeks=156,
            referrals_per_week=4.0,
            first_capacity_per_week=3.35,
            deep_capacity_per_week=2.3,
            first_queue_start=8,
            deep_queue_start=6,
            first_queue_feedback_per_week=0.2,
            deep_queue_feedback_per_week=0.2,
        ),
        SAMPLE_SEED + 5,
        style="csv",
    ),
    SampleUnit(
        "endast_antal",
        UnitProfile(
            name="BUP Antalsvik (syntetisk)",
            referrals_per_week=24.0,
            referral_growth_per_year=0.08,
            first_capacity_per_week=19.8,
            deep_capacity_per_week=13.2,
            first_queue_start=60,
            deep_queue_start=45,
            first_queue_feedback_per_week=0.05,
            counts_only=True,
        ),
        SAMPLE_SEED + 6,
        style="csv_sv",
        target_profile="general_0_3_90_90",
    ),
)

#: The seven sample units' profiles by id.
PROFILES: dict[str, UnitProfile] = {unit.id: unit.profile for unit in SAMPLE_UNITS}

# --------------------------------------------------------------------------- helpers


def _weekday_shift(days: np.ndarray) -> np.ndarray:
    """Move Saturday/Sunday (sim day 0 is a Monday) to the next Monday."""
    dow = days % 7
    return days + np.where(dow == 5, 2, np.where(dow == 6, 1, 0))


def _school_year_factor(iso_week: np.ndarray) -> np.ndarray:
    """Referral factor by ISO week for a school-year pattern (mean over a year ≈ 1)."""
    f = np.ones(54)
    f[1] = 0.7
    f[8] = 0.75  # sportlov
    f[15] = 0.85  # påsk (approx.)
    f[24] = 0.85
    f[25] = 0.6
    f[26] = 0.45
    f[27:32] = 0.3
    f[32] = 0.55
    f[33] = 0.9
    f[34:48] = 1.35
    f[44] = 1.05  # höstlov
    f[48:51] = 1.15
    f[51] = 0.8
    f[52:54] = 0.45
    f = f / f[1:53].mean()
    return f[iso_week]


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One index per row of ``probs`` (rows sum to 1), vectorised."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _course(
    rng: np.random.Generator, start: np.ndarray, n: np.ndarray, gap_low: int, gap_high: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Visit dates of courses: course i has n[i] visits from start[i], gaps in days.

    Returns (owner index into start, position in course, day).
    """
    owner = np.repeat(np.arange(len(start)), n)
    first = np.cumsum(n) - n
    pos = np.arange(len(owner)) - np.repeat(first, n)
    gaps = rng.integers(gap_low, gap_high + 1, size=len(owner))
    gaps[pos == 0] = 0
    csum = np.cumsum(gaps)
    offset = csum - np.repeat(csum[first[n > 0]], n[n > 0]) if len(owner) else csum
    day = _weekday_shift(start[owner] + offset)
    return owner, pos, day


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


def _column_order(table: str, columns: Any) -> list[str]:
    return [c for c in _schema()[table]["columns"] if c in set(columns)]


def patients_in_care(visits: pd.DataFrame, extract_date: Any) -> int:
    """Patients in care: referrals with an attended visit in the 365 days up to the extract date.

    This is the denominator of "FTE per 1 000 patients" used by the
    generator (the national figure counts patients with at least one visit in
    the year).

    Parameters
    ----------
    visits : pandas.DataFrame
        Canonical visits table (``referral_id``, ``date``, ``status``).
    extract_date : date-like
        Last day of the year counted.

    Returns
    -------
    int
        Number of distinct ``referral_id`` with an attended visit in
        (extract_date − 365 days, extract_date].

    Examples
    --------
    >>> v = pd.DataFrame({"referral_id": ["R1", "R1", "R2", "R3"],
    ...                   "date": pd.to_datetime(["2024-05-01", "2024-06-01", "2023-01-01",
    ...                                           "2024-06-01"]),
    ...                   "status": ["attended", "attended", "attended", "cancelled"]})
    >>> patients_in_care(v, "2024-12-31")
    1
    """
    end = pd.Timestamp(extract_date)
    recent = (visits["date"] > end - pd.Timedelta(days=365)) & (visits["date"] <= end)
    attended = visits["status"].astype("string") == "attended"
    return int(visits.loc[recent & attended, "referral_id"].nunique())


def staff_fte_needed(visits: pd.DataFrame, profile: UnitProfile) -> pd.Series:
    """FTE per staff category whose clinical time covers the unit's booked visits of the last year.

    The generator sizes each unit's staff with this, so that the capacity
    estimated from the staff table (``toolkit.capacity``: staff hours →
    clinical hours → appointments a week) agrees with the activity the
    visits show (``toolkit.capacity.capacity_from_visits``).

    Parameters
    ----------
    visits : pandas.DataFrame
        Canonical visits (``date``, ``staff_category``, ``mode``,
        ``duration_min``, ``status``).
    profile : UnitProfile
        The unit (its extract date, time-use study and ``staff_time_factor``).

    Returns
    -------
    pandas.Series
        FTE per staff category (all six, schema order), unrounded.

    Notes
    -----
    .. math::

        B_k = \\frac{1}{52} \\sum_{v \\in k} \\frac{d_v w_v}{60}, \\qquad
        F_k = \\frac{\\phi\\, B_k}{h_k (1 - a)\\, s_k}

    with :math:`B_k` the clinician hours a week that the booked (attended or
    not attended) visits of staff category :math:`k` took in the 52 weeks up
    to the extract date, :math:`d_v` a visit's length (min), :math:`w_v` its
    clinician time per minute (group: clinicians / group size, 2 / 6;
    digital: 0.9; otherwise 1, the defaults of ``toolkit.capacity``),
    :math:`h_k` the full-time hours a week (38.25 for therapists, else 40),
    :math:`a` the absence share (``toolkit.capacity`` default, 0.20),
    :math:`s_k` the share of time at work spent with patients (the
    category's ``patient_direct`` share in :data:`TIME_USE_SHARES` when the
    unit runs a time-use study, else the toolkit's default 1 − 0.75 = 0.25,
    so the default is right for those units), :math:`\\phi` the profile's
    ``staff_time_factor`` and
    :math:`F_k` the FTE. Cancelled visits take no clinician time.

    Examples
    --------
    One nurse visit of 60 min a week for a year, no time-use study:
    1 / (40 × 0.80 × 0.25) = 0.125 FTE.

    >>> profile = UnitProfile(time_use_study=False)
    >>> days = profile.extract_date - pd.to_timedelta(7 * np.arange(52), unit="D")
    >>> v = pd.DataFrame({"date": days, "staff_category": "nurse", "mode": "physical",
    ...                   "duration_min": 60.0, "status": "attended"})
    >>> round(float(staff_fte_needed(v, profile)["nurse"]), 4)
    0.125
    """
    from toolkit import capacity

    end = profile.extract_date
    cats = _values("staff", "category")
    last_year = (visits["date"] > end - pd.Timedelta(days=7 * _STAFF_WEEKS)) & (
        visits["date"] <= end
    )
    booked = visits["status"].astype("string").isin(["attended", "did_not_attend"])
    mode = visits["mode"].astype("string")
    per_minute = np.where(
        mode == "group",
        float(capacity.default("group_clinicians")) / float(capacity.default("group_size")),
        np.where(mode == "digital", float(capacity.default("digital_time_factor")), 1.0),
    )
    hours = visits["duration_min"].to_numpy(dtype=float) * per_minute / 60.0
    keep = (last_year & booked).to_numpy()
    per_week = (
        pd.Series(hours[keep])
        .groupby(visits["staff_category"].astype("string").to_numpy()[keep])
        .sum()
        .reindex(cats, fill_value=0.0)
        / _STAFF_WEEKS
    )
    default_direct = 1.0 - float(capacity.default("non_clinical_share"))
    direct = pd.Series(
        [TIME_USE_SHARES[c][0] if profile.time_use_study else default_direct for c in cats],
        index=cats,
    )
    full_time = pd.Series([_full_time_hours(c) for c in cats], index=cats)
    at_work = 1.0 - float(capacity.default("absence_share"))
    return profile.staff_time_factor * per_week / (full_time * at_work * direct)


def _full_time_hours(category: str) -> float:
    return 38.25 if category == "therapist" else 40.0


def _staff(rng: np.random.Generator, p: UnitProfile, needed: pd.Series) -> pd.DataFrame:
    """Staff posts: per category, posts of drawn FTE adding up to ``needed`` (rounded to 0.05)."""
    start = pd.Timestamp(p.period_start)
    end = p.extract_date
    span_days = 7 * p.weeks
    rows: list[dict[str, Any]] = []
    for cat, fte_needed in needed.items():  # six categories, not patients
        target = round(float(fte_needed) / 0.05) * 0.05
        if target < 0.05:
            continue
        draws = rng.choice(_FTE_CHOICES, size=60, p=_FTE_PROBS)
        csum = np.cumsum(draws)
        n_posts = int(np.searchsorted(csum, target - 1e-9) + 1)
        ftes = draws[:n_posts].copy()
        ftes[-1] = round(
            max(0.1, min(1.0, target - (csum[n_posts - 2] if n_posts > 1 else 0.0))), 2
        )
        hours = _full_time_hours(str(cat))
        for fte in ftes.tolist():
            changes = rng.random() < p.staff_turnover_per_year * p.weeks / 52.0
            if changes:
                left = int(rng.integers(30, span_days - 90))
                # a vacancy of up to two months, unless the post is the category's only one
                gap = int(rng.integers(0, 60)) if n_posts > 1 else 0
                rows.append(
                    dict(
                        category=cat,
                        fte=fte,
                        hours_per_week=hours,
                        start=pd.NaT,
                        end=start + pd.Timedelta(days=left),
                    )
                )
                rows.append(
                    dict(
                        category=cat,
                        fte=round(float(rng.choice(_FTE_CHOICES, p=_FTE_PROBS)), 2),
                        hours_per_week=hours,
                        start=start + pd.Timedelta(days=left + gap + 1),
                        end=pd.NaT,
                    )
                )
                rows[-1]["fte"] = fte
            else:
                rows.append(
                    dict(category=cat, fte=fte, hours_per_week=hours, start=pd.NaT, end=pd.NaT)
                )
    if p.staff_turnover_per_year > 0 and rows and all(pd.isna(r["end"]) for r in rows):
        # a unit with few posts may draw no change at all: the largest post changes holder
        i = max(range(len(rows)), key=lambda j: float(rows[j]["fte"]))
        left = int(rng.integers(30, span_days - 90))
        rows.insert(i + 1, {**rows[i], "start": start + pd.Timedelta(days=left + 1)})
        rows[i] = {**rows[i], "end": start + pd.Timedelta(days=left)}
    staff = pd.DataFrame(rows)
    staff["start"] = pd.to_datetime(staff["start"]).astype("datetime64[ns]")
    staff["end"] = pd.to_datetime(staff["end"]).astype("datetime64[ns]")
    staff.loc[staff["start"] > end, "start"] = end
    staff.insert(
        0, "staff_id", pd.Series([f"K{i:03d}" for i in range(1, len(staff) + 1)], dtype="string")
    )
    staff["category"] = _categorical("staff", "category", staff["category"])
    staff["fte"] = staff["fte"].astype("float64")
    staff["hours_per_week"] = staff["hours_per_week"].astype("float64")
    return staff[_column_order("staff", staff.columns)]


def _assign_clinicians(
    rng: np.random.Generator, vis: pd.DataFrame, staff: pd.DataFrame
) -> pd.Series:
    """A clinician of the visit's category in post on the visit date, weighted by FTE."""
    out = np.full(len(vis), "", dtype=object)
    dates = vis["date"].to_numpy()
    vcat = vis["staff_category"].astype("string").to_numpy()
    for cat in _values("staff", "category"):  # six categories
        s = staff[staff["category"].astype("string") == cat]
        where = np.flatnonzero(vcat == cat)
        if len(where) == 0:
            continue
        if len(s) == 0:  # no such post: the visit is held by someone in another category
            s = staff
        start = s["start"].fillna(pd.Timestamp.min).to_numpy()
        end = s["end"].fillna(pd.Timestamp.max).to_numpy()
        d = dates[where][:, None]
        in_post = (d >= start[None, :]) & (d <= end[None, :])
        w = in_post * s["fte"].to_numpy()[None, :]
        none = w.sum(axis=1) == 0
        w[none] = s["fte"].to_numpy()
        probs = w / w.sum(axis=1, keepdims=True)
        out[where] = s["staff_id"].to_numpy()[_pick(rng, probs)]
    return pd.Series(out, dtype="string")


def _time_use(rng: np.random.Generator, p: UnitProfile, staff: pd.DataFrame) -> pd.DataFrame:
    """A two-week time-use study about 12 weeks before the extract date (ten weekdays)."""
    monday = p.extract_date - pd.Timedelta(days=6 + 7 * 12)
    days = pd.DatetimeIndex([monday + pd.Timedelta(days=int(d)) for d in np.r_[0:5, 7:12]])
    activities = _values("time_use", "activity")
    levels = _values("time_use", "level")
    start = staff["start"].fillna(pd.Timestamp.min)
    end = staff["end"].fillna(pd.Timestamp.max)
    in_post = staff[(start <= days[0]) & (end >= days[-1])]
    n_staff, n_days = len(in_post), len(days)
    person = np.repeat(np.arange(n_staff), n_days)
    day = np.tile(np.arange(n_days), n_staff)
    present = rng.random(len(person)) > 0.1  # absent days (leave, illness) log nothing
    person, day = person[present], day[present]
    cat = in_post["category"].astype("string").to_numpy()[person]
    alpha = np.array([TIME_USE_SHARES[c] for c in cat]) * 40.0 + 1e-3
    split = rng.gamma(alpha)
    split /= split.sum(axis=1, keepdims=True)
    minutes_day = 480.0 * in_post["fte"].to_numpy()[person] * rng.uniform(0.9, 1.1, len(person))
    lv = np.array([TIME_USE_LEVELS[a] for a in activities])  # activities × levels
    cube = minutes_day[:, None, None] * split[:, :, None] * lv[None, :, :]
    minutes = 5.0 * np.rint(cube / 5.0)
    e, a, lvl = np.nonzero(minutes > 0)
    out = pd.DataFrame(
        {
            "date": pd.Series(days[day[e]].to_numpy().astype("datetime64[ns]")),
            "staff_category": _categorical("time_use", "staff_category", cat[e]),
            "activity": _categorical("time_use", "activity", np.array(activities)[a]),
            "level": _categorical("time_use", "level", np.array(levels)[lvl]),
            "minutes": minutes[e, a, lvl],
        }
    )
    return out


def period_counts(referrals: pd.DataFrame, period_start: Any, extract_date: Any) -> pd.DataFrame:
    """Weekly counts per stage from a referrals table: the minimal aggregated form.

    Parameters
    ----------
    referrals : pandas.DataFrame
        Canonical referrals (``received``, ``first_assessment``,
        ``deep_decision``, ``deep_start``, ``closed``).
    period_start : date-like
        Monday of the first week.
    extract_date : date-like
        Last day counted; the last period is the week that holds it.

    Returns
    -------
    pandas.DataFrame
        period (Monday), stage (``first_assessment`` or ``deep_start``),
        arrived, completed, removed, waiting_end (all ``Int64``), sorted by
        period and stage.

    Notes
    -----
    A referral waits for the first assessment from ``received`` until
    ``first_assessment`` (completed) or, without one, ``closed`` (removed);
    for the second stage from ``deep_decision`` until ``deep_start`` or
    ``closed``. With :math:`W_t` waiting at the end of week :math:`t`,
    :math:`A_t` arrived, :math:`C_t` completed and :math:`R_t` removed
    (patients), :math:`W_t = W_{t-1} + A_t - C_t - R_t` (stock and flow).

    Examples
    --------
    >>> r = pd.DataFrame({"received": pd.to_datetime(["2024-01-01", "2024-01-03"]),
    ...     "first_assessment": pd.to_datetime(["2024-01-10", None]),
    ...     "deep_decision": pd.to_datetime([None, None]),
    ...     "deep_start": pd.to_datetime([None, None]),
    ...     "closed": pd.to_datetime([None, None])})
    >>> pc = period_counts(r, "2024-01-01", "2024-01-14")
    >>> first = pc[pc["stage"] == "first_assessment"]
    >>> first[["arrived", "completed", "waiting_end"]].to_numpy().tolist()
    [[2, 0, 2], [0, 1, 1]]
    """
    start = pd.Timestamp(period_start)
    end = pd.Timestamp(extract_date)
    n_periods = (end - start).days // 7 + 1
    periods = start + pd.to_timedelta(7 * np.arange(n_periods), unit="D")

    def week_of(s: pd.Series) -> np.ndarray:
        days = (s - start).dt.days.to_numpy(dtype="float64", na_value=np.nan)
        return np.floor(days / 7.0)

    def count(weeks: np.ndarray) -> np.ndarray:
        w = weeks[~np.isnan(weeks)].astype(np.int64)
        w = w[(w >= 0) & (w < n_periods)]
        return np.bincount(w, minlength=n_periods)

    frames = []
    stages = (
        ("first_assessment", "received", "first_assessment"),
        ("deep_start", "deep_decision", "deep_start"),
    )
    for stage, enter_col, done_col in stages:
        enter = week_of(referrals[enter_col])
        done = week_of(referrals[done_col])
        entered = ~np.isnan(enter)
        left_closed = np.isnan(done) & entered
        close = np.where(left_closed, week_of(referrals["closed"]), np.nan)
        arrived = count(enter)
        completed = count(np.where(entered, done, np.nan))
        removed = count(close)
        exit_week = np.where(np.isnan(done), close, done)
        exit_week = np.where(np.isnan(exit_week), np.inf, exit_week)
        w = np.arange(n_periods)[None, :]
        waiting = ((enter[entered][:, None] <= w) & (exit_week[entered][:, None] > w)).sum(axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "period": periods,
                    "stage": stage,
                    "arrived": arrived,
                    "completed": completed,
                    "removed": removed,
                    "waiting_end": waiting,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["period"] = out["period"].astype("datetime64[ns]")
    out["stage"] = _categorical("period_counts", "stage", out["stage"])
    out = out.sort_values(["period", "stage"], kind="stable").reset_index(drop=True)
    for col in ("arrived", "completed", "removed", "waiting_end"):
        out[col] = out[col].astype("Int64")
    return out


# --------------------------------------------------------------------------- files

#: Decimals written for each float column (fixed, so files are byte-identical).
FLOAT_DECIMALS: dict[str, int] = {"fte": 2, "hours_per_week": 2, "duration_min": 0, "minutes": 0}
STYLES: tuple[str, ...] = ("csv", "csv_sv")


def _file_text(table: str, frame: pd.DataFrame, style: str) -> str:
    """The CSV text of one table in ``style`` (every cell formatted here, not by pandas)."""
    spec = _schema()[table]["columns"]
    swedish = style == "csv_sv"
    out: dict[str, pd.Series] = {}
    for name in _column_order(table, frame.columns):
        col = spec[name]
        s = frame[name]
        if col["type"] == "date":
            text = s.dt.strftime("%Y-%m-%d").astype("string")
        elif col["type"] == "category":
            labels = {
                v: (names[0] if swedish and names else v) for v, names in col["values"].items()
            }
            text = s.astype("string").map(labels, na_action="ignore").astype("string")
        elif col["type"] == "float":
            fmt = f"{{:.{FLOAT_DECIMALS.get(name, 2)}f}}"
            text = s.map(fmt.format, na_action="ignore").astype("string")
            if swedish:
                text = text.str.replace(".", ",", regex=False)
        else:
            text = s.astype("string")
        out[col["sv"] if swedish else name] = text.fillna("")
    return pd.DataFrame(out).to_csv(sep=";" if swedish else ",", index=False, lineterminator="\n")


def write_unit(
    tables: dict[str, pd.DataFrame], folder: str | Path, *, style: str = "csv"
) -> list[Path]:
    """Write a unit's canonical tables as CSV files the loader reads.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Canonical tables as :func:`generate_unit` returns them; absent tables
        are not written.
    folder : str or Path
        Folder to write to (created if missing).
    style : {"csv", "csv_sv"}
        ``"csv"``: comma, UTF-8, ISO dates, English names and values, files
        ``referrals.csv`` … . ``"csv_sv"``: a Swedish export: ``;``, decimal
        comma, Windows-1252, Swedish column names and the first Swedish name
        of each value from ``schema.yaml``, files ``remisser.csv``,
        ``besök.csv`` … .

    Returns
    -------
    list of Path
        The files written, in schema order. Rows are written in the tables'
        order (sorted by id or date by the generator), lines end in ``\\n``.

    Examples
    --------
    >>> import tempfile
    >>> t_ = {"staff": pd.DataFrame({"staff_id": ["K001"], "category": ["nurse"], "fte": [0.75]})}
    >>> path = write_unit(t_, tempfile.mkdtemp(), style="csv_sv")[0]
    >>> path.name
    'personal.csv'
    >>> path.read_bytes().decode("cp1252")
    'personal_id;yrkeskategori;tjänstgöringsgrad\\nK001;sjuksköterska;0,75\\n'
    """
    checks.one_of("style", style, STYLES)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, spec in _schema().items():
        if table not in tables:
            continue
        text = _file_text(table, tables[table], style)
        name = spec["sv"] if style == "csv_sv" else table
        path = folder / f"{name}.csv"
        path.write_bytes(text.encode("cp1252" if style == "csv_sv" else "utf-8"))
        written.append(path)
    return written


def _manifest_text(entries: list[dict[str, Any]]) -> str:
    head = (
        "# Synthetic sample units made by `python -m toolkit.synth` (toolkit.synth).\n"
        "# Syntetiska exempelenheter: inga verkliga patienter. Do not edit by hand.\n"
    )
    body = yaml.safe_dump(
        {"synthetic": True, "seed": SAMPLE_SEED, "units": entries},
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    return head + body


def write_samples(folder: str | Path = "sample_data") -> list[Path]:
    """Regenerate every sample unit, ``units.yaml`` and ``README.md`` in ``folder``.

    Each unit of :data:`SAMPLE_UNITS` goes to ``folder/<id>/`` in its style.
    The manifest lists per unit: id, name, path (relative to the manifest),
    language, target_profile, period_start, extract_date, description_sv,
    description_en and synthetic (always true). The same code gives
    byte-identical files.

    Returns
    -------
    list of Path
        Every file written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    entries: list[dict[str, Any]] = []
    for unit in SAMPLE_UNITS:
        tables = generate_unit(unit.profile, seed=unit.seed)
        written += write_unit(tables, folder / unit.id, style=unit.style)
        entries.append(
            {
                "id": unit.id,
                "name": unit.profile.name,
                "path": unit.id,
                "language": unit.language,
                "target_profile": unit.target_profile,
                "period_start": unit.profile.period_start,
                "extract_date": unit.profile.extract_date.date().isoformat(),
                "style": unit.style,
                "description_sv": t(f"synth.unit.{unit.id}", "sv"),
                "description_en": t(f"synth.unit.{unit.id}", "en"),
                "synthetic": True,
            }
        )
    manifest = folder / "units.yaml"
    manifest.write_bytes(_manifest_text(entries).encode("utf-8"))
    readme = folder / "README.md"
    readme.write_bytes(
        (t("synth.readme", "sv") + "\n---\n\n" + t("synth.readme", "en")).encode("utf-8")
    )
    from toolkit import national  # the synthetic national waiting-time file beside the units

    example = folder / national.EXAMPLE_NAME
    example.write_bytes(national.synthetic_example())
    return [*written, manifest, readme, example]


# --------------------------------------------------------------------------- benchmark scale


def generate_large(n_referrals: int, n_visits: int, *, seed: int) -> dict[str, pd.DataFrame]:
    """Valid ``referrals`` and ``visits`` tables at benchmark scale, fully vectorised.

    Plausible but simple: referrals arrive uniformly over three years from
    2022-01-03; stage waits are exponential; every visit belongs to a
    referral that had a first assessment and falls between it and the
    extract date (2024-12-29). No queue dynamics: use :func:`generate_unit`
    for realistic units.

    Parameters
    ----------
    n_referrals : int
        Rows of ``referrals`` (1–10 000 000).
    n_visits : int
        Rows of ``visits`` (0–100 000 000).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``referrals`` and ``visits`` with the columns and dtypes of
        :func:`generate_unit`.

    Examples
    --------
    >>> big = generate_large(1000, 5000, seed=0)
    >>> len(big["referrals"]), len(big["visits"])
    (1000, 5000)
    >>> v, r = big["visits"], big["referrals"].set_index("referral_id")
    >>> bool((v["date"].to_numpy() >= r.loc[v["referral_id"], "received"].to_numpy()).all())
    True
    """
    _check_range("n_referrals", n_referrals, 1, 10_000_000)
    _check_range("n_visits", n_visits, 0, 100_000_000)
    rng = np.random.default_rng(seed)
    days = _large_stage_days(rng, int(n_referrals), need_first=n_visits > 0)
    ref = _large_referrals(rng, days)
    vis = _large_visits(rng, days, int(n_visits))
    return {"referrals": ref, "visits": vis}


_LARGE_START = np.datetime64("2022-01-03", "D")
_LARGE_END_DAY = 7 * 156 - 1  # three years of days from _LARGE_START


@dataclass(frozen=True)
class _LargeDays:
    """Stage days (from ``_LARGE_START``) and codes per referral of :func:`generate_large`."""

    recv: np.ndarray
    question: np.ndarray
    priority: np.ndarray
    decision: np.ndarray
    decided: np.ndarray
    first: np.ndarray
    ddec: np.ndarray
    deep: np.ndarray
    closed: np.ndarray
    has_first: np.ndarray
    deep_go: np.ndarray
    has_deep: np.ndarray
    has_closed: np.ndarray


def _large_stage_days(rng: np.random.Generator, n: int, *, need_first: bool) -> _LargeDays:
    """Uniform arrivals and exponential stage waits; at least one first assessment if needed."""
    end_day = _LARGE_END_DAY
    recv = np.sort(rng.integers(0, end_day + 1, n))
    question = _pick_fixed(rng, n, np.array([0.42, 0.13, 0.22, 0.04, 0.07, 0.05, 0.07]))
    priority = _pick_fixed(rng, n, np.array([0.05, 0.15, 0.80]))
    decision = _pick_fixed(rng, n, np.array(list(DECISION_SHARES.values())))
    decided = recv + rng.integers(0, 12, n)
    accepted = decision == 0
    first = decided + rng.exponential(30.0, n).astype(np.int64)
    has_first = accepted & (first <= end_day)
    if need_first and not has_first.any():  # visits need a referral seen at least once
        decision[0], decided[0], first[0] = 0, recv[0], recv[0]
        accepted[0] = has_first[0] = True
    deep_go = has_first & (rng.random(n) < 0.65)
    ddec = first + rng.integers(0, 22, n)
    deep_go &= ddec <= end_day
    deep = ddec + rng.exponential(45.0, n).astype(np.int64)
    has_deep = deep_go & (deep <= end_day)
    closed = np.where(has_deep, deep, first) + rng.exponential(120.0, n).astype(np.int64)
    closed = np.where(~accepted, decided, closed)
    has_closed = (has_first | ~accepted) & (closed <= end_day) & (decided <= end_day)
    has_closed &= ~deep_go | has_deep
    return _LargeDays(
        recv=recv,
        question=question,
        priority=priority,
        decision=decision,
        decided=decided,
        first=first,
        ddec=ddec,
        deep=deep,
        closed=closed,
        has_first=has_first,
        deep_go=deep_go,
        has_deep=has_deep,
        has_closed=has_closed,
    )


def _large_dates(days: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Dates ``days`` after ``_LARGE_START`` (NaT where not ``ok``)."""
    out = (_LARGE_START + np.where(ok, days, 0).astype("timedelta64[D]")).astype("datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


def _large_referrals(rng: np.random.Generator, d: _LargeDays) -> pd.DataFrame:
    """The ``referrals`` table of :func:`generate_large` (source, sex and age drawn here)."""
    n, end_day = len(d.recv), _LARGE_END_DAY
    ref = pd.DataFrame(
        {
            "referral_id": _fast_ids("R", np.arange(1, n + 1), 7),
            "received": _large_dates(d.recv, np.ones(n, dtype=bool)),
            "source": _from_codes(
                _pick_fixed(rng, n, np.array(list(SOURCE_SHARES.values()))),
                categories=_values("referrals", "source"),
            ),
            "question": _from_codes(d.question, categories=list(_QUESTIONS)),
            "priority": _from_codes(d.priority, categories=_values("referrals", "priority")),
            "decision": _from_codes(
                np.where(d.decided <= end_day, d.decision, -1),
                categories=_values("referrals", "decision"),
            ),
            "decided": _large_dates(d.decided, d.decided <= end_day),
            "first_assessment": _large_dates(d.first, d.has_first),
            "deep_decision": _large_dates(d.ddec, d.deep_go),
            "deep_start": _large_dates(d.deep, d.has_deep),
            "closed": _large_dates(d.closed, d.has_closed),
            "pvv_days": pd.array(np.zeros(n, dtype=np.int64), dtype="Int64"),
            "sex": _from_codes(
                _pick_fixed(rng, n, np.array([0.5, 0.49, 0.01])),
                categories=_values("referrals", "sex"),
            ),
            "age": pd.array(rng.integers(3, 18, n), dtype="Int64"),
        }
    )
    ref["pvv_days"] = ref["pvv_days"].mask(ref["pvv_days"] == 0)
    ref["question"] = ref["question"].cat.set_categories(_values("referrals", "question"))
    return ref


def _large_visits(rng: np.random.Generator, d: _LargeDays, m: int) -> pd.DataFrame:
    """``m`` visits, owners drawn among referrals with a first assessment, dated after it."""
    end_day = _LARGE_END_DAY
    owners = np.flatnonzero(d.has_first)
    owner = np.sort(owners[rng.integers(0, len(owners), m)])
    lo = d.first[owner]
    hi = np.where(d.has_closed[owner], np.minimum(d.closed[owner], end_day), end_day)
    vday = lo + (rng.random(m) * (hi - lo + 1)).astype(np.int64)
    vtype = np.where(vday == lo, 0, _pick_fixed(rng, m, np.array([0.0, 0.3, 0.45, 0.25])))
    return pd.DataFrame(
        {
            "visit_id": _fast_ids("V", np.arange(1, m + 1), 8),
            "referral_id": _fast_ids("R", owner + 1, 7),
            "date": _large_dates(vday, np.ones(m, dtype=bool)),
            "visit_type": _from_codes(vtype, categories=_values("visits", "visit_type")),
            "staff_category": _from_codes(
                _pick_fixed(rng, m, np.array(list(STAFF_MIX.values()))),
                categories=_values("visits", "staff_category"),
            ),
            "clinician_id": _fast_ids("K", rng.integers(1, 1000, m), 3),
            "mode": _from_codes(
                _pick_fixed(rng, m, np.array([0.72, 0.18, 0.04, 0.06])),
                categories=_values("visits", "mode"),
            ),
            "duration_min": 5.0 * rng.integers(4, 19, m),
            "status": _from_codes(
                _pick_fixed(rng, m, np.array([0.87, 0.07, 0.06])),
                categories=_values("visits", "status"),
            ),
        }
    )


def _from_codes(codes: np.ndarray, categories: list[str]) -> Any:
    return pd.Categorical.from_codes(
        codes.astype(np.int64), dtype=pd.CategoricalDtype(categories=categories)
    )


def _pick_fixed(rng: np.random.Generator, size: int, probs: np.ndarray) -> np.ndarray:
    """``size`` draws of category codes with fixed probabilities (int8 codes)."""
    cum = np.cumsum(probs / probs.sum())
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), len(probs) - 1).astype(
        np.int8
    )


def _fast_ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """Ids such as ``R0000123`` built as fixed-width bytes in one Arrow buffer (no Python loop)."""
    n = len(numbers)
    raw = np.empty((n, width + 1), dtype=np.uint8)
    raw[:, 0] = ord(prefix)
    rest = numbers.astype(np.uint32)
    for position in range(width, 0, -1):  # one pass per digit, not per id
        raw[:, position] = (rest % 10).astype(np.uint8) + 48
        rest //= 10
    offsets = np.arange(0, (n + 1) * (width + 1), width + 1, dtype=np.int64)
    arrow = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw.tobytes()))
    return pd.Series(pd.array(arrow, dtype="string"))


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m toolkit.synth [--out FOLDER]``: regenerate the sample units."""
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.synth", description=t("synth.cli_help")
    )
    parser.add_argument("--out", default="sample_data", help=t("synth.cli_out"))
    args = parser.parse_args(argv)
    write_samples(args.out)
    print(t("synth.written", n_units=len(SAMPLE_UNITS), folder=args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
