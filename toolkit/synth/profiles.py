"""The knobs of a synthetic unit (:class:`UnitProfile`) and the seven sample units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import ParameterError

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
            start = pd.Timestamp(self.period_start).date().isoformat()
            raise checks.type_error("period_start", "a Monday", start)

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
