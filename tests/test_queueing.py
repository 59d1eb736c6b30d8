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
    formula_check,
    kingman_mean_wait,
    md1_mean_wait,
    mm1_mean_wait,
    pollaczek_khinchine_mean_wait,
    settle_weeks,
    simulate_queue,
    typical_week,
    utilisation,
    waiting_time_vs_utilisation,
    weekly_mean_wait,
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


def _weekly_count_pmf(rate: float, extra_cv: float, size: int) -> np.ndarray:
    """P(N = k) of one week's Poisson-gamma count, from math.lgamma (negative binomial)."""
    k = np.arange(size)
    if extra_cv == 0:
        logp = [x * math.log(rate) - rate - math.lgamma(x + 1) for x in k]
    else:
        r = 1 / extra_cv**2
        p = r / (r + rate)
        logp = [
            math.lgamma(x + r)
            - math.lgamma(r)
            - math.lgamma(x + 1)
            + r * math.log(p)
            + x * math.log1p(-p)
            for x in k
        ]
    return np.exp(np.array(logp))


def _lindley_oracle(lam: float, mu: float, cv_d: float, cv_c: float, weeks: int = 4000) -> float:
    """Long-run mean of Q = max(0, Q + A - C), by iterating the recursion on distributions.

    An independent numerical oracle for the weekly queue: start empty and push
    the distribution of the queue through the recursion until it stops changing.
    """
    size = int(mu + 12 * math.sqrt(mu + (cv_c * mu) ** 2) + 40)
    pa, pc = _weekly_count_pmf(lam, cv_d, size), _weekly_count_pmf(mu, cv_c, size)
    step = np.convolve(pa, pc[::-1])  # P(A - C = j - (size - 1))
    zero = size - 1
    cap = 4000
    q = np.zeros(cap)
    q[0] = 1.0
    for _ in range(weeks):
        moved = np.convolve(q, step)
        new = np.zeros(cap)
        new[0] = moved[: zero + 1].sum()
        new[1:] = moved[zero + 1 : zero + cap]
        if np.abs(new - q).sum() < 1e-13:
            q = new
            break
        q = new
    return float((q * np.arange(cap)).sum())


@pytest.mark.parametrize(
    ("lam", "mu", "cv_d", "cv_c"),
    [
        (14, 20, 0.0, 0.0),
        (14, 20, 0.15, 0.15),
        (2, 3, 0.0, 0.0),
        (8, 20, 0.3, 0.3),
        (18, 20, 0.15, 0.0),
    ],
)
def test_weekly_mean_wait_is_lindleys_queue(
    lam: float, mu: float, cv_d: float, cv_c: float
) -> None:
    # The exact long-run mean of the weekly queue (Lindley 1952) over λ (Little's law),
    # against the independent oracle above: within 0.5 % (the formula sums 12 weeks of
    # Spitzer's series exactly and approximates the rest as normal).
    expected = _lindley_oracle(lam, mu, cv_d, cv_c) / lam
    assert weekly_mean_wait(lam, mu, cv_d, cv_c) == pytest.approx(expected, rel=0.005)


def test_curve_is_the_weekly_formula_and_tends_to_kingman() -> None:
    curve = waiting_time_vs_utilisation(20, 0.15, 0.3, [0.5, 0.7, 0.95])
    rows = zip(curve["utilisation"].tolist(), curve["wait_weeks"].tolist(), strict=True)
    for rho, wait in rows:
        assert wait == pytest.approx(weekly_mean_wait(rho * 20, 20, 0.15, 0.3))
    assert np.allclose(curve["wait_days"], 7 * curve["wait_weeks"])
    # heavy traffic: Kingman's bound for the weekly random walk, E[Q] <= σ² / (2 (μ - λ))
    # with σ² = Var A + Var C (Kingman 1962), is the limit as ρ → 1: the queue stays below
    # it by a bounded amount (the overshoot at zero), so the ratio tends to 1
    for lam, rel in ((59.4, 0.07), (59.97, 0.004)):
        kingman = (lam + 60.0) / (2 * (60.0 - lam))
        queue = lam * weekly_mean_wait(lam, 60.0)
        assert queue < kingman
        assert queue == pytest.approx(kingman, rel=rel)
    # far from it, the continuous-time G/G/1 formula is the wrong model for weekly slots:
    # at 14 against 20 (medium variation) it gives 1.1 days, the weekly queue 0.6
    ca, cs = math.sqrt(weekly_scv(14, 0.15)), math.sqrt(weekly_scv(20, 0.15))
    assert 7 * kingman_mean_wait(14, 20, ca, cs) == pytest.approx(1.13, abs=0.01)
    assert 7 * weekly_mean_wait(14, 20, 0.15, 0.15) == pytest.approx(0.59, abs=0.01)
    assert weekly_mean_wait(20, 20) == math.inf
    assert settle_weeks(20, 20) == math.inf


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
    # every patient seen after the warm-up, all replications together
    assert out.attrs["wait_mean_days"] == pytest.approx(7 * waits.sum() / done.sum())
    per_rep = waits / done
    se = per_rep.std(ddof=1) / math.sqrt(reps)
    assert out.attrs["wait_mean_se_days"] == pytest.approx(7 * se)
    assert out.attrs["utilisation"] == pytest.approx(0.85)
    # the start queue is there in week 1 and nobody goes on to stage 2
    assert raw.start_queue[0, 0, -1] == 50
    assert raw.arrivals[:, :, 1].sum() == 0


def test_simulation_agrees_with_the_weekly_formula() -> None:
    # Long runs (400 weeks, the first 100 as warm-up): the simulated mean wait of
    # everyone seen agrees with the weekly queue's exact long-run mean within 3
    # standard errors, from light to heavy load.
    for lam in (8, 14, 18, 19):
        for cv in (0.0, 0.15, 0.3):
            sc = workshop_scenario(lam, 20, cv, cv)
            raw = simulate(sc, 400, 100, 11)
            done = raw.completions[:, 100:, 0, -1].sum(axis=1)
            waits = raw.wait_sum[:, 100:, 0, -1].sum(axis=1)
            sim = waits.sum() / done.sum()
            se = (waits / done).std(ddof=1) / math.sqrt(len(done))
            theory = weekly_mean_wait(lam, 20, cv, cv)
            assert abs(sim - theory) <= max(3 * se, 0.01), (lam, cv, sim, theory, se)


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


# --------------------------------------------------------------------------- formula beside simulation


# The page's own settings: 100 replications, seed 0, the second half measured.
GRID = [
    (lam, cv, weeks, start)
    for lam in (3, 12, 16, 18)
    for cv in (0.0, 0.3)
    for weeks in (26, 104)
    for start in (0, 100)
]


def test_formula_and_page_simulation_agree_wherever_the_assumptions_hold() -> None:
    reasons = set()
    for lam, cv, weeks, start in GRID:
        res = simulate_queue(workshop_scenario(lam, 20, cv, cv, start), weeks, 100, 0)
        a = res.attrs
        check = formula_check(
            workshop_mean_wait(lam, 20, cv, cv),
            a["wait_mean_days"] / 7,
            a["wait_mean_se_days"] / 7,
            demand_per_week=lam,
            capacity_per_week=20,
            warm_up_weeks=a["warm_up_weeks"],
            start_queue=start,
            extra_cv_demand=cv,
            extra_cv_capacity=cv,
        )
        reasons.add(check.reason)
        if check.assumptions_hold:
            assert check.reason == "agree", (lam, cv, weeks, start, check)
        if start and weeks == 26 and lam >= 12:
            assert check.reason == "start_queue"  # 100 waiting take weeks to clear
        if lam == 18 and weeks == 26 and not start:
            assert check.reason == "short_horizon"  # 19 weeks to settle, measured after 13
    assert {"agree", "start_queue", "short_horizon"} <= reasons


def test_formula_check_sentences_and_overload() -> None:
    common = {"capacity_per_week": 20, "warm_up_weeks": 52}
    over = formula_check(math.inf, 3.0, 0.2, demand_per_week=20, **common)
    assert over.reason == "overload" and over.agree is None and over.formula_wait_weeks is None
    assert over.message("sv") == t("queueing.check.overload", "sv", load="100 %")
    assert "no long-run mean wait" in over.message("en")
    ok = formula_check(0.0840, 0.0860, 0.002, demand_per_week=14, **common)
    assert ok.reason == "agree" and ok.agree
    assert ok.message("sv").startswith("Formeln (0,6 dagar) och simuleringen (0,6 dagar)")
    off = formula_check(0.0840, 0.2, 0.002, demand_per_week=14, **common)
    assert off.reason == "differs" and not off.agree
    heavy = formula_check(0.85, 0.7, 0.05, demand_per_week=19, **common)
    assert heavy.reason == "short_horizon"
    assert heavy.message("en") == t("queueing.check.short_horizon", "en", settle="78", warm_up="52")
    season = formula_check(0.084, 0.11, 0.002, demand_per_week=14, calendar_effects=True, **common)
    assert season.reason == "calendar" and not season.assumptions_hold
    assert "holiday weeks" in season.message("en") and "semesterveckor" in season.message("sv")
    queue = formula_check(0.084, 0.3, 0.01, demand_per_week=14, start_queue=200, **common)
    assert queue.reason == "start_queue"
    assert "200 waiting" in queue.message("en") and "200 väntande" in queue.message("sv")
    with pytest.raises(ParameterError, match="capacity_per_week"):
        formula_check(0.1, 0.1, 0.01, demand_per_week=1, capacity_per_week=0, warm_up_weeks=1)


# --------------------------------------------------------------------------- the page logic


def test_typical_week_and_workshop_mean_wait() -> None:
    # mean +- sd of Poisson(16): 16 +- 4
    assert typical_week(16, 0.0) == (12, 20)
    # Poisson-gamma: variance 20 + (0.3 * 20)^2 = 56, sd 7.48
    assert typical_week(20, 0.3) == (13, 27)
    # the workshop queue books weekly slots: its formula is the weekly queue's
    assert workshop_mean_wait(19, 20, 0.15, 0.3) == weekly_mean_wait(19, 20, 0.15, 0.3)
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
    # formula and simulation agree at 14 against 20 (the 1,1 against 0,6 days)
    assert "data-reason='agree'" in app.check.value
    assert days in app.check.value and sim in app.check.value
    reasons = {14: "agree", 17: "agree", 19: "short_horizon", 20: "overload", 25: "overload"}
    bands = {14: "low", 17: "mid", 19: "high", 20: "equal", 25: "over"}
    for demand, band in bands.items():
        app.demand.value = demand
        assert f"data-band='{band}'" in app.sentence.value
        assert f"data-reason='{reasons[demand]}'" in app.check.value
    assert _figure(app, "tk-theory-wait") == t("widgets.queues.no_limit", "sv")
    assert "125 %" in app.check.value  # the load named, no wait by the formula
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
