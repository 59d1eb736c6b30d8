"""Queueing formulas and the workshop queue of "Varför växer köer?" (toolkit.queueing).

Expected values come from the published formulas and their known special
cases (sources beside each test), from independent numpy simulations written
here (Lindley's recursion; Poisson-gamma draws), and from
toolkit.simulate.simulate called directly. The in-process tests of
toolkit.widgets.queues check the page logic without a browser
(tests/test_workbook_queues.py drives the real page).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from toolkit.errors import ParameterError
from toolkit.i18n import t
from toolkit.queueing import (
    kingman_mean_wait,
    md1_mean_wait,
    mm1_mean_wait,
    pollaczek_khinchine_mean_wait,
    simulate_queue,
    typical_week,
    utilisation,
    waiting_time_vs_utilisation,
    weekly_scv,
    workshop_mean_wait,
    workshop_scenario,
)
from toolkit.simulate import Scenario, simulate
from toolkit.widgets.base import format_number

# --------------------------------------------------------------------------- closed forms


def test_mm1_mean_wait_published_values() -> None:
    # Kleinrock (1975) ch. 3: W_q = rho / (mu - lambda); lambda = 8, mu = 10 a week
    # gives 0.4 week (the value docs/simulation.md validates the simulation against).
    assert mm1_mean_wait(8, 10) == pytest.approx(0.4, rel=1e-12)
    # Independently through Little's law: L_q = rho^2 / (1 - rho), W_q = L_q / lambda.
    for lam, mu in [(1, 2), (9, 10), (0.3, 1.7)]:
        rho = lam / mu
        assert mm1_mean_wait(lam, mu) == pytest.approx(rho**2 / (1 - rho) / lam, rel=1e-12)


def test_md1_is_half_of_mm1_and_pk_with_cv_one_is_mm1() -> None:
    # Pollaczek-Khinchine (Kleinrock 1975, sect. 5.7): W_q = rho (1 + cs^2) / (2 mu (1 - rho)),
    # so a fixed service time (cs = 0) halves the M/M/1 wait (cs = 1).
    lam = np.array([1.0, 5.0, 9.5])
    assert np.allclose(md1_mean_wait(lam, 10), np.asarray(mm1_mean_wait(lam, 10)) / 2)
    assert np.allclose(pollaczek_khinchine_mean_wait(lam, 10, 1), mm1_mean_wait(lam, 10))


def test_kingman_reduces_to_the_exact_formulas() -> None:
    # Kingman's approximation is exact for M/M/1 (ca = cs = 1) and, with Poisson
    # arrivals (ca = 1), equals Pollaczek-Khinchine for any service variability.
    for lam, mu in [(8, 10), (0.5, 1), (19, 20)]:
        assert kingman_mean_wait(lam, mu, 1, 1) == pytest.approx(mm1_mean_wait(lam, mu))
        for cs in (0.0, 0.5, 2.0):
            assert kingman_mean_wait(lam, mu, 1, cs) == pytest.approx(
                pollaczek_khinchine_mean_wait(lam, mu, cs)
            )


def _lindley_md1_mean_wait(lam: float, service: float, customers: int, seed: int) -> float:
    """Mean wait of an M/D/1 queue by Lindley's recursion W' = max(0, W + S - A)."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / lam, customers)
    wait, total = 0.0, 0.0
    for gap in gaps.tolist():
        wait = max(0.0, wait + service - gap)
        total += wait
    return total / customers


def test_pollaczek_khinchine_against_an_independent_simulation() -> None:
    # M/D/1 with rho = 0.8, service 1: W_q = 0.8 / (2 * 0.2) = 2.0 time units.
    expected = md1_mean_wait(0.8, 1.0)
    assert expected == pytest.approx(2.0)
    simulated = np.mean([_lindley_md1_mean_wait(0.8, 1.0, 200_000, s) for s in range(3)])
    assert simulated == pytest.approx(expected, rel=0.05)


def test_wait_explodes_towards_full_utilisation() -> None:
    rho = np.array([0.5, 0.7, 0.9, 0.95, 0.99, 0.999])
    wait = np.asarray(kingman_mean_wait(rho, 1.0, 1, 1))
    assert np.all(np.diff(wait) > 0)
    # rho / (1 - rho): 0.999 gives 999 times the service time
    assert wait[-1] == pytest.approx(999.0)
    for fn in (mm1_mean_wait, md1_mean_wait):
        assert fn(10, 10) == math.inf
        assert fn(12, 10) == math.inf
    assert kingman_mean_wait(0, 10, 1, 1) == 0.0


def test_bad_arguments_are_refused_with_the_argument_named() -> None:
    with pytest.raises(ParameterError, match="service_rate"):
        mm1_mean_wait(1, 0)
    with pytest.raises(ParameterError, match="arrival_rate"):
        kingman_mean_wait(-1, 2, 1, 1)
    with pytest.raises(ParameterError, match="cv_service"):
        pollaczek_khinchine_mean_wait(1, 2, float("nan"))
    with pytest.raises(ParameterError, match="capacity_per_week"):
        utilisation(3, 0)
    with pytest.raises(ParameterError, match="demand_per_week"):
        utilisation(True, 3)


def test_utilisation() -> None:
    assert utilisation(19, 20) == pytest.approx(0.95)
    assert np.allclose(utilisation([14, 20], 20), [0.7, 1.0])


# --------------------------------------------------------------------------- weekly variation


def test_weekly_scv_matches_poisson_gamma_draws() -> None:
    # The model of toolkit.simulate: Poisson around rate x Gamma(mean 1, cv v).
    rng = np.random.default_rng(5)
    for rate, v in [(20.0, 0.0), (20.0, 0.15), (14.0, 0.3)]:
        level = rate * (rng.gamma(1 / v**2, v**2, 400_000) if v > 0 else np.ones(400_000))
        counts = rng.poisson(level)
        dispersion = counts.var() / counts.mean()
        assert weekly_scv(rate, v) == pytest.approx(dispersion, rel=0.03)


def test_curve_is_kingman_with_the_weekly_variation() -> None:
    curve = waiting_time_vs_utilisation(20, 0.15, 0.3, [0.5, 0.7, 0.95])
    rows = zip(curve["utilisation"].tolist(), curve["wait_weeks"].tolist(), strict=True)
    for rho, wait in rows:
        lam = rho * 20
        ca = math.sqrt(1 + 0.15**2 * lam)
        cs = math.sqrt(1 + 0.3**2 * 20)
        assert wait == pytest.approx(kingman_mean_wait(lam, 20, ca, cs))
    assert np.allclose(curve["wait_days"], 7 * curve["wait_weeks"])
    # with pure Poisson variation the curve is rho / (1 - rho) / mu: from 70 % to
    # 95 % the wait grows (0.95 / 0.05) / (0.7 / 0.3) = 8.14 times (the page says eight)
    pure = waiting_time_vs_utilisation(20, 0, 0, [0.7, 0.95])["wait_weeks"].to_numpy()
    assert pure[1] / pure[0] == pytest.approx((0.95 / 0.05) / (0.7 / 0.3))


# --------------------------------------------------------------------------- workshop simulation


def _raw_scenario(lam: float, mu: float, cv_d: float, cv_c: float, start: int = 0) -> Scenario:
    """The single-stage queue written out field by field, independently of workshop_scenario."""
    return Scenario(
        classes=("routine",),
        arrivals_per_week={"routine": lam},
        capacity_first_per_week=mu,
        arrival_extra_cv=cv_d,
        capacity_extra_cv=cv_c,
        seasonality="none",
        holiday_weeks=(),
        dna_rate=0.0,
        share_to_deep={"routine": 0.0},
        start_queue_first={"routine": start} if start else {},
    )


def test_simulate_queue_is_toolkit_simulate() -> None:
    weeks, reps = 40, 30
    out = simulate_queue(workshop_scenario(17, 20, 0.15, 0.3, 50), weeks, reps, 3)
    raw = simulate(_raw_scenario(17, 20, 0.15, 0.3, 50), weeks, reps, 3)
    queue = raw.queue[:, :, 0, -1]
    assert np.allclose(out["queue_median"], np.median(queue, axis=0))
    assert np.allclose(out["queue_lo"], np.quantile(queue, 0.1, axis=0))
    assert out.attrs["queue_end_hi"] == pytest.approx(np.quantile(queue[:, -1], 0.9))
    done = raw.completions[:, weeks // 2 :, 0, -1].sum(axis=1)
    waits = raw.wait_sum[:, weeks // 2 :, 0, -1].sum(axis=1)
    assert out.attrs["wait_mean_days"] == pytest.approx(7 * np.mean(waits / done))
    assert out.attrs["utilisation"] == pytest.approx(0.85)
    # the start queue is there in week 1 and nobody goes on to stage 2
    assert raw.start_queue[0, 0, -1] == 50
    assert raw.arrivals[:, :, 1].sum() == 0


def test_simulation_follows_the_formula_below_it() -> None:
    # The page says the simulation (waits in whole weeks, seen in the week of
    # referral = 0) comes out somewhat below Kingman's formula. Long runs, the
    # first quarter as burn-in: within 25 %, and below.
    for lam in (18, 19):
        for cv in (0.0, 0.15, 0.3):
            sc = workshop_scenario(lam, 20, cv, cv)
            raw = simulate(sc, 400, 100, 11)
            done = raw.completions[:, 100:, 0, -1].sum(axis=1)
            sim = float(np.mean(raw.wait_sum[:, 100:, 0, -1].sum(axis=1) / done))
            ca, cs = math.sqrt(weekly_scv(lam, cv)), math.sqrt(weekly_scv(20, cv))
            theory = float(kingman_mean_wait(lam, 20, ca, cs))
            assert 0.75 * theory < sim < theory, (lam, cv, sim, theory)


def test_littles_law_on_the_workshop_queue() -> None:
    # Counting the queue at the end of each week, the sum of the week-end queues
    # equals the sum of the waits (docs/simulation.md); over a long steady run
    # the mean wait is the mean queue over the demand.
    raw = simulate(workshop_scenario(18, 20, 0.15, 0.15), 300, 100, 2)
    queue = raw.queue[:, 50:, 0, -1].mean()
    arrivals = raw.arrivals[:, 50:, 0, -1].mean()
    done = raw.completions[:, 50:, 0, -1].sum()
    wait = raw.wait_sum[:, 50:, 0, -1].sum() / done
    assert wait == pytest.approx(queue / arrivals, rel=0.03)


def test_the_demonstration_holds() -> None:
    # 95 % utilisation gives a far longer wait and queue than 70 %, at the page's settings.
    high = simulate_queue(workshop_scenario(19, 20, 0.15, 0.15), 104, 100, 0).attrs
    low = simulate_queue(workshop_scenario(14, 20, 0.15, 0.15), 104, 100, 0).attrs
    assert high["wait_mean_days"] > 5 * low["wait_mean_days"]
    assert high["queue_end_median"] > 5 * max(low["queue_end_median"], 1.0)


# --------------------------------------------------------------------------- the page logic


def test_typical_week_and_workshop_mean_wait() -> None:
    # mean +- sd of Poisson(16): 16 +- 4
    assert typical_week(16, 0.0) == (12, 20)
    # Poisson-gamma: variance 20 + (0.3 * 20)^2 = 56, sd 7.48
    assert typical_week(20, 0.3) == (13, 27)
    # pure Poisson is M/M/1: 19 a week against 20 gives 0.95 / (20 - 19) weeks
    assert workshop_mean_wait(19, 20) == pytest.approx(mm1_mean_wait(19, 20))
    assert workshop_mean_wait(20, 20, 0.15, 0.15) == math.inf


def _figure(app: object, css: str) -> str:
    html = app.figures.value  # type: ignore[attr-defined]
    start = html.index(f"class='{css}'>") + len(css) + 9
    return html[start : html.index("<", start)]


def test_app_figures_sentences_and_language() -> None:
    from toolkit.widgets.queues import REPLICATIONS, SEED, QueueApp

    app = QueueApp()
    assert app.error.value == ""
    expected = simulate_queue(workshop_scenario(14, 20, 0.15, 0.15), 104, REPLICATIONS, SEED)
    assert _figure(app, "tk-utilisation") == "70 %"
    days = format_number(7 * workshop_mean_wait(14, 20, 0.15, 0.15), "sv", 1)
    assert _figure(app, "tk-theory-wait") == t("widgets.queues.days", "sv", value=days)
    sim = format_number(expected.attrs["wait_mean_days"], "sv", 1)
    assert _figure(app, "tk-sim-wait") == t("widgets.queues.days", "sv", value=sim)
    bands = {14: "low", 17: "mid", 19: "high", 20: "equal", 25: "over"}
    for demand, band in bands.items():
        app.demand.value = demand
        assert f"data-band='{band}'" in app.sentence.value
    assert _figure(app, "tk-theory-wait") == t("widgets.queues.no_limit", "sv")
    # the chart holds this setting's weekly rows and the earlier tries at this capacity
    spec = app.chart.spec
    assert len(spec["datasets"]["weekly"]) == 104
    app.demand.value = 19
    labels = [p["label"] for p in app.chart.spec["datasets"]["points"]]
    assert (
        labels.count(t("widgets.queues.chart.earlier", "sv")) == 2
    )  # 14 and 17 (19 is now; 20 and 25 are off the curve)
    assert labels.count(t("widgets.queues.chart.now_sim", "sv")) == 1
    app.lang_switch.value = "en"
    assert app.demand.description == t("widgets.queues.demand", "en")
    assert "Mean wait by the formula" in app.figures.value
    assert app.chart.spec["hconcat"][1]["title"]["text"] == t(
        "widgets.queues.chart.curve_title", "en"
    )
