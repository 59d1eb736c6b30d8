"""The periods, stages and breakdowns of the flow tables, and reading a unit.

The constants of :func:`~toolkit.flow.weekly_flow` and
:func:`~toolkit.flow.continuity` (periods, breakdowns, age bands, stages,
columns) and the calendar of periods they count in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.flow._days import _day_numbers

#: Period lengths accepted by :func:`weekly_flow` and :func:`continuity`.
FREQS: tuple[str, ...] = ("D", "W", "MS")


#: Breakdowns accepted by :func:`weekly_flow` (``by``).
BREAKDOWNS: tuple[str, ...] = ("priority", "question", "sex", "age_band")


#: Age bands (inclusive years) of the ``age_band`` breakdown.
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 5, "0-5"),
    (6, 12, "6-12"),
    (13, 17, "13-17"),
    (18, None, "18+"),
)


#: Decisions that take a referral off the first stage's queue without a visit.
REMOVAL_DECISIONS: tuple[str, ...] = ("rejected", "redirected", "closed_no_visit")


#: The stages of the pathway, in order.
FLOW_STAGES: tuple[str, ...] = ("first_assessment", "deep_start")


#: Columns of :func:`weekly_flow` after ``stage`` (and the group column).
FLOW_COLUMNS: tuple[str, ...] = (
    "arrivals",
    "completions",
    "removals",
    "waiting_start",
    "waiting_end",
    "mean_wait_days",
    "median_wait_days",
    "p90_wait_days",
    "oldest_waiting_days",
    "share_within_target",
    "target_days",
)


#: Columns of :func:`continuity`.
CONTINUITY_COLUMNS: tuple[str, ...] = (
    "period",
    "staff_category",
    "patients",
    "visits",
    "patients_upc",
    "upc",
)


_UNKNOWN = "unknown"


_ALL = "all"


_NEVER = np.int64(1) << 40  # "has not left by the end": later than any real day


_OFFSET = np.int64(1) << 41  # separates groups in combined sort keys (> _NEVER)


@dataclass(frozen=True)
class _Calendar:
    """Periods from ``first_day`` to ``end_day`` (day numbers since 1970-01-01)."""

    freq: str
    first_day: int
    end_day: int
    starts: npt.NDArray[np.int64]  # first day of each period
    ends: npt.NDArray[np.int64]  # last day counted: period end, or end_day for the last

    @property
    def size(self) -> int:
        return int(self.starts.size)

    def index(self, days: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Period index of each day (days from ``first_day`` on)."""
        if self.freq == "D":
            return days - self.first_day
        if self.freq == "W":
            return (days - self.first_day) // 7
        months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        first = np.datetime64(int(self.first_day), "D").astype("datetime64[M]").astype(np.int64)
        return months - first

    def dates(self, days: npt.NDArray[np.int64]) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"))


def _period_floor(day: int, freq: str) -> int:
    """The first day of the period holding ``day`` (weeks start on Monday)."""
    if freq == "W":
        return day - (day + 3) % 7  # 1970-01-01 was a Thursday: (d + 3) % 7 is 0 on Mondays
    if freq == "MS":
        month = np.datetime64(int(day), "D").astype("datetime64[M]")
        return int(month.astype("datetime64[D]").astype(np.int64))
    return day


def _period_last_day(first: int, freq: str) -> int:
    """The last day of the period starting on ``first``."""
    if freq == "W":
        return first + 6
    if freq == "MS":
        month = np.datetime64(int(first), "D").astype("datetime64[M]") + 1
        return int(month.astype("datetime64[D]").astype(np.int64)) - 1
    return first


def _calendar(freq: str, first: int, last: int) -> _Calendar:
    first = _period_floor(first, freq)
    if freq == "D":
        starts = np.arange(first, last + 1, dtype=np.int64)
        ends = starts.copy()
    elif freq == "W":
        starts = np.arange(first, last + 1, 7, dtype=np.int64)
        ends = starts + 6
    else:
        m0 = np.datetime64(int(first), "D").astype("datetime64[M]")
        m1 = np.datetime64(int(last), "D").astype("datetime64[M]")
        months = np.arange(m0, m1 + 1)
        starts = months.astype("datetime64[D]").astype(np.int64)
        ends = (months + 1).astype("datetime64[D]").astype(np.int64) - 1
    ends = np.minimum(ends, last)
    return _Calendar(freq, first, last, starts, ends)


def _resolve_profile(profile: Any, lang: str) -> Any:
    from toolkit.targets import TargetProfile, load_profile

    if profile is None:
        return load_profile()
    if isinstance(profile, TargetProfile):
        return profile
    if isinstance(profile, str):
        return load_profile(profile)
    raise checks.type_error("profile", "TargetProfile | str", type(profile).__name__, lang)


def _int_days(values: pd.Series, argument: str, lang: str) -> npt.NDArray[np.int64]:
    """A date column as day numbers; missing dates become ``_NEVER``."""
    d = _day_numbers(values, argument, argument, lang)
    missing = np.isnat(d)
    out = d.astype(np.int64)
    out[missing] = _NEVER
    return out


def _unit_tables(unit: Any, lang: str) -> tuple[str, pd.DataFrame, pd.Timestamp | None]:
    """``("events", referrals, extract date)`` or ``("counts", period_counts, extract date)``."""
    if isinstance(unit, pd.DataFrame):
        if "received" in unit.columns:
            return "events", unit, None
        if {"period", "stage", "arrived", "completed", "waiting_end"} <= set(unit.columns):
            return "counts", unit, None
        raise ParameterError(
            "flow.not_a_unit",
            argument="unit",
            got="DataFrame: " + ", ".join(map(str, unit.columns)),
            lang=lang,
        )
    refs = getattr(unit, "referrals", None)
    counts = getattr(unit, "period_counts", None)
    extract = getattr(unit, "extract_date", None)
    extract = pd.Timestamp(extract) if extract is not None else None
    if isinstance(refs, pd.DataFrame) and len(refs) > 0:
        return "events", refs, extract
    if isinstance(counts, pd.DataFrame) and len(counts) > 0:
        return "counts", counts, extract
    if isinstance(refs, pd.DataFrame):
        return "events", refs, extract
    raise ParameterError("flow.not_a_unit", argument="unit", got=type(unit).__name__, lang=lang)
