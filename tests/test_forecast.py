"""toolkit.forecast: the referral forecast, its fallback and its back-test.

Expected values come from outside the module: the Swedish public holidays
from Lag (1989:253) om allmänna helgdagar and the 2024 calendar; forecasts
from series drawn from a known Poisson mean (the truth is known, so the
interval's coverage can be checked against its nominal share).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from toolkit import forecast as fc
from toolkit.i18n import t
from toolkit.io import load_unit

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_public_holidays_2024() -> None:
    # Lag (1989:253); Easter Sunday 2024 was 31 March, midsummer eve Friday 21 June.
    got = [d.date().isoformat() for d in fc.public_holidays([2024])]
    assert got == [
        "2024-01-01", "2024-01-06", "2024-03-29", "2024-04-01", "2024-05-01", "2024-05-09",
        "2024-06-06", "2024-06-21", "2024-12-24", "2024-12-25", "2024-12-26", "2024-12-31",
    ]  # fmt: skip


def test_working_days() -> None:
    weeks = pd.DatetimeIndex(["2024-12-23", "2024-12-30", "2024-03-25", "2024-09-02"])
    # 23–27 Dec: 24, 25, 26 off; 30 Dec–3 Jan: 31 Dec and 1 Jan off; Easter week: Good Friday.
    assert fc.working_days(weeks).tolist() == [2.0, 3.0, 4.0, 5.0]


def _series(weeks: int, seed: int = 3) -> tuple[pd.Series, np.ndarray]:
    """Poisson counts with a known school-year pattern (autumn high, July low)."""
    index = pd.date_range("2021-01-04", periods=weeks, freq="W-MON")
    month = (index + pd.Timedelta(days=3)).month.to_numpy()
    mean = np.where(month == 7, 6.0, np.where(month >= 9, 26.0, 20.0))
    mean = mean * fc.working_days(index) / 5.0
    counts = np.random.default_rng(seed).poisson(mean).astype(float)
    return pd.Series(counts, index=index), mean


def test_regression_recovers_a_known_pattern_and_covers_its_share() -> None:
    series, mean = _series(156 + 52)
    f = fc.forecast_referrals(series.iloc[:156], horizon_weeks=52)
    assert f.method == "regression" and f.ok and f.messages == ()
    future = f.future
    truth = mean[156:]
    assert np.abs(future["forecast"].to_numpy() / truth - 1).mean() < 0.12
    # coverage on many fresh draws from the true distribution ≈ the nominal share
    draws = np.random.default_rng(9).poisson(truth, size=(400, 52))
    inside80 = (
        (draws >= future["lower_80"].to_numpy()) & (draws <= future["upper_80"].to_numpy())
    ).mean()
    inside95 = (
        (draws >= future["lower_95"].to_numpy()) & (draws <= future["upper_95"].to_numpy())
    ).mean()
    assert 0.78 <= inside80 <= 0.95  # integer bounds include their end points: at or above nominal
    assert 0.93 <= inside95 <= 0.995


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_too_little_history_gives_a_message_and_no_forecast(lang: str) -> None:
    series, _ = _series(30)
    f = fc.forecast_referrals(series, horizon_weeks=26, lang=lang)
    assert f.method == "none" and not f.ok and f.future.empty
    assert f.messages == (t("forecast.too_short", lang, weeks=30, least=52, recent=8),)
    assert "52" in f.messages[0] and "8" in f.messages[0]


def test_recent_mean_fallback_is_chosen_and_flat() -> None:
    series, _ = _series(30)
    f = fc.forecast_referrals(series, horizon_weeks=26, method="recent_mean", recent_weeks=8)
    last8 = series.to_numpy()[-8:]
    assert f.method == "recent_mean" and len(f.future) == 26
    assert np.allclose(f.future["forecast"], last8.mean())
    half = 1.959964 * last8.std(ddof=1) * np.sqrt(1 + 1 / 8)
    assert np.allclose(f.future["upper_95"], last8.mean() + half)
    assert "8" in f.messages[0]


def test_seasonal_naive_repeats_last_year() -> None:
    s = pd.Series(np.arange(104.0))
    assert fc.seasonal_naive(s, 54).tolist() == [*range(52, 104), 52.0, 53.0]


def test_weekly_counts_by_class_sum_to_all() -> None:
    unit = load_unit(ROOT / "sample_data" / "balans")
    counts = fc.weekly_counts(unit.referrals, by="question")
    assert np.allclose(counts.drop(columns="all").sum(axis=1), counts["all"])
    assert counts["all"].sum() <= len(unit.referrals)  # the last part week is left out


def test_backtest_on_a_sample_unit_against_seasonal_naive() -> None:
    """The figures the docs quote: computed here with an independent seasonal-naive."""
    manifest = yaml.safe_load((ROOT / "sample_data" / "units.yaml").read_text(encoding="utf-8"))
    entry = next(u for u in manifest["units"] if u["id"] == "balans")
    unit = load_unit(ROOT / "sample_data" / entry["path"])
    counts = fc.weekly_counts(unit.referrals, start=entry["period_start"])["all"]
    b = fc.backtest(counts, horizon_weeks=26, step_weeks=8)
    values = counts.to_numpy()
    for row in b.itertuples():
        at = counts.index.get_loc(row.origin)
        naive = values[at - 52 : at - 52 + row.weeks]
        assert row.mae_seasonal_naive == pytest.approx(
            np.abs(naive - values[at : at + row.weeks]).mean()
        )
    s = b.attrs["summary"]
    assert s["mae"] <= 1.1 * s["mae_seasonal_naive"]
    assert 0.6 <= s["coverage_80"] <= 0.97 and 0.8 <= s["coverage_95"] <= 1.0


def test_forecast_by_need_class() -> None:
    manifest = yaml.safe_load((ROOT / "sample_data" / "units.yaml").read_text(encoding="utf-8"))
    entry = next(u for u in manifest["units"] if u["id"] == "balans")
    unit = load_unit(ROOT / "sample_data" / entry["path"])
    counts = fc.weekly_counts(unit.referrals, by="priority", start=entry["period_start"])
    out = fc.forecast_by(counts, horizon_weeks=26)
    assert set(out["group"]) == set(counts.columns)
    assert (out.groupby("group").size() == 26).all()
    for group in counts.columns:  # each group is its own forecast_referrals
        alone = fc.forecast_referrals(counts[group], horizon_weeks=26).future
        got = out[out["group"] == group]["forecast"].to_numpy()
        assert np.allclose(got, alone["forecast"].to_numpy())
    assert 0.9 < out.attrs["sum_of_groups_vs_all"] < 1.1
