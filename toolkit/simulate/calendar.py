"""The calendar: arrival levels by week (trend, school-year seasonality) and holiday capacity."""

from __future__ import annotations

import numpy as np

from toolkit.simulate._types import FloatArray, IntArray
from toolkit.simulate.scenario import WEEKS_PER_YEAR, Scenario


def school_year_pattern() -> FloatArray:
    """Relative arrivals per ISO week 1-52: mean 0, largest deviation 1."""
    w = np.arange(1, WEEKS_PER_YEAR + 1)
    z = 0.5 * np.cos(2 * np.pi * (w - 42) / WEEKS_PER_YEAR)
    z[(w >= 27) & (w <= 32)] = -1.0  # summer holiday
    z = z - z.mean()
    return z / np.abs(z).max()


def iso_weeks(sc: Scenario, weeks: int) -> IntArray:
    """The week of the model's year (1-52) of each simulated week, from ``start_week_of_year``."""
    return (sc.start_week_of_year - 1 + np.arange(weeks)) % WEEKS_PER_YEAR + 1


def arrival_levels(sc: Scenario, weeks: int) -> FloatArray:
    """Mean arrivals a week per simulated week and class, [weeks, K]."""
    lam = np.array([sc.arrivals_per_week.get(k, 0.0) for k in sc.classes], dtype=float)
    growth = (1 + sc.trend_per_year) ** (np.arange(weeks) / WEEKS_PER_YEAR)
    season = np.ones(weeks)
    if sc.seasonality == "school_year":
        season = 1 + sc.seasonal_amplitude * school_year_pattern()[iso_weeks(sc, weeks) - 1]
    return (growth * season)[:, None] * lam[None, :]


def holiday_factor(sc: Scenario, weeks: int) -> FloatArray:
    """Share of capacity left per simulated week (``holiday_capacity_factor`` in holidays, else 1)."""
    iso = iso_weeks(sc, weeks)
    holidays = {w if w < 53 else 52 for w in sc.holiday_weeks}
    return np.where(np.isin(iso, list(holidays)), sc.holiday_capacity_factor, 1.0)
