"""toolkit.simulate against ciw and M/M/c theory: agreement and speed, in one run.

Run from the repository root (ciw is a development dependency):

    .venv/bin/python benchmarks/bench_simulate.py [--replications 200] [--ciw-speed-replications 20]

Part 1, agreement. The same single-stage (M/M/1, M/M/3) and two-stage
(then, for 60 %, M/M/1 or M/M/2) networks in our ``servers`` model and in
ciw's discrete-event simulation. The quantity compared is the **wait to the
start of service** (queueing delay W_q): in toolkit.simulate the wait it
records (joining the stage's queue to entering service, as the wait to the
booked appointment in the slot model), in ciw the records' ``waiting_time``.
Both are first come, first served. Per replication we pool the waits of
those who entered service after the burn-in and take their mean and lower
90th percentile; we print the mean over replications with its 95 %
confidence interval, and beside it the M/M/c closed form (Erlang C; Gross &
Harris, Fundamentals of Queueing Theory, 4th ed. 2008, sect. 2.3;
Kleinrock 1975, sect. 3.5):

    W_q mean = C(c, a) / (c mu - lambda),
    P(W_q > t) = C(c, a) exp(-(c mu - lambda) t),
    p90 = max(0, ln(C(c, a) / 0.1) / (c mu - lambda)),

with a = lambda / mu. Stage 2 of the tandem is fed by the departures of an
M/M/c queue, a Poisson stream of rate 0.6 lambda in steady state (Burke's
theorem), so the same formulas hold there with lambda_2 = 0.6 lambda (a
Jackson network). "agree" means that our interval overlaps ciw's
(column "vs ciw") and that it contains the closed form (column "vs theory").

Our times are whole steps of 1/60 week (STEPS). The servers model is the
uniformised chain, whose waits in steps satisfy P(W > n steps) = C (1 -
(c mu - lambda) / STEPS)^n exactly: the mean is the closed form's, and the
lower p90 is within one step of it.

Part 2, speed. Our model at the issue's size (1 000 replications x 104
weeks x 3 need classes x 2 stages, weekly steps, the default scenario, the
slot model) with its patient-level statistics (``simulate``, then ``table``
and ``summary`` over the last 26 weeks, which pool every patient's wait),
and ciw with the equivalent network (3 customer classes with
priorities, 2 nodes, routing per class), timed on
``--ciw-speed-replications`` replications; ciw's replications are
independent runs, so its time for 1 000 is that figure scaled linearly
(printed as such). Also our peak memory (tracemalloc) for the big run.
"""

from __future__ import annotations

import argparse
import math
import time
import tracemalloc
from typing import Any

import ciw
import numpy as np

from toolkit.simulate import RawRun, Scenario, simulate, summary, table

WEEKS, BURN_IN, STEPS = 130, 30, 60
LAMBDA, SHARE = 8.0, 0.6  # arrivals a week; share that goes on to stage 2


# (servers at stage 1, service rate each, servers at stage 2, rate each) a week
NETWORKS = {
    "M/M/1": (1, 10.0, 1, 6.0),
    "M/M/3": (3, 4.0, 2, 3.5),
}


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load a = lambda / mu (Erlang C)."""
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail)


def theory(lam: float, c: int, mu: float) -> tuple[float, float]:
    """Closed-form mean and 90th percentile of W_q in M/M/c, in weeks."""
    pw, gap = erlang_c(c, lam / mu), c * mu - lam
    return pw / gap, max(0.0, math.log(pw / 0.1) / gap)


def ours_scenario(two_stage: bool, network: str) -> Scenario:
    c1, mu1, c2, mu2 = NETWORKS[network]
    return Scenario(
        classes=("routine",),
        arrivals_per_week={"routine": LAMBDA},
        seasonality="none",
        arrival_extra_cv=0.0,
        capacity_extra_cv=0.0,
        holiday_weeks=(),
        dna_rate=0.0,
        share_to_deep={"routine": SHARE if two_stage else 0.0},
        capacity_model="servers",
        capacity_first_per_week=c1 * mu1,
        servers_first=c1,
        capacity_deep_per_week=c2 * mu2 if two_stage else 0.0,
        servers_deep=c2,
    )


def lower_p90_hist(hist: np.ndarray) -> np.ndarray:
    """Lower 90th percentile (in bins) of each row of a histogram [rows, bins]."""
    cum = hist.cumsum(axis=1)
    return np.count_nonzero(cum < 0.9 * cum[:, -1:], axis=1).astype(float)


def ours_stats(raw: RawRun, stage: int) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: mean and lower p90 of the pooled waits to service, weeks."""
    assert raw.wait_histogram is not None
    hist = raw.wait_histogram[:, stage, -1].astype(float)  # pooled class "all"
    steps = np.arange(hist.shape[1])
    mean = (hist * steps).sum(axis=1) / hist.sum(axis=1) / raw.steps_per_week
    return mean, lower_p90_hist(hist) / raw.steps_per_week


def ciw_network(two_stage: bool, network: str) -> Any:
    c1, mu1, c2, mu2 = NETWORKS[network]
    if two_stage:
        return ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=LAMBDA), None],
            service_distributions=[
                ciw.dists.Exponential(rate=mu1),
                ciw.dists.Exponential(rate=mu2),
            ],
            number_of_servers=[c1, c2],
            routing=[[0.0, SHARE], [0.0, 0.0]],
        )
    return ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAMBDA)],
        service_distributions=[ciw.dists.Exponential(rate=mu1)],
        number_of_servers=[c1],
    )


def lower_p90(x: np.ndarray) -> float:
    """Smallest value with at least 90 % at or below it (as toolkit.simulate)."""
    x = np.sort(x)
    return float(x[int(np.ceil(0.9 * len(x))) - 1])


def ciw_stats(
    two_stage: bool, network: str, replications: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per replication and node: mean and lower p90 of ``waiting_time`` after the burn-in."""
    stages = (1, 2) if two_stage else (1,)
    out: dict[int, tuple[list[float], list[float]]] = {s: ([], []) for s in stages}
    for r in range(replications):
        ciw.seed(1000 + r)
        q = ciw.Simulation(ciw_network(two_stage, network))
        q.simulate_until_max_time(WEEKS)
        recs = q.get_all_records()
        for s in stages:
            waits = np.array(
                [
                    x.waiting_time
                    for x in recs
                    if x.node == s
                    and x.record_type == "service"
                    and BURN_IN <= x.service_start_date < WEEKS
                ]
            )
            out[s][0].append(float(waits.mean()))
            out[s][1].append(lower_p90(waits))
    return {s: (np.array(m), np.array(p)) for s, (m, p) in out.items()}


def interval(x: np.ndarray) -> tuple[float, float, float]:
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def fmt(x: np.ndarray) -> str:
    m, lo, hi = interval(x)
    return f"{m:.3f} [{lo:.3f}, {hi:.3f}]"


def verdict(ok: bool) -> str:
    return "agree" if ok else "DISAGREE"


def agreement(replications: int) -> None:
    print(
        f"Agreement of the wait to service start (W_q), weeks: {replications} replications,"
        f" {WEEKS} weeks, burn-in {BURN_IN}, {STEPS} steps a week (step = 1/{STEPS} week)"
    )
    print(
        f"{'network':<22}{'stage':<7}{'statistic':<10}{'toolkit.simulate':<24}"
        f"{'ciw':<24}{'M/M/c':<9}{'vs ciw':<10}vs theory"
    )
    for network in NETWORKS:
        c1, mu1, c2, mu2 = NETWORKS[network]
        for two in (False, True):
            t0 = time.perf_counter()
            raw = simulate(
                ours_scenario(two, network),
                WEEKS,
                replications,
                seed=1,
                steps_per_week=STEPS,
                wait_histogram_after_weeks=BURN_IN,
            )
            t_ours = time.perf_counter() - t0
            t0 = time.perf_counter()
            theirs = ciw_stats(two, network, replications)
            t_ciw = time.perf_counter() - t0
            second = "M/M/1" if c2 == 1 else f"M/M/{c2}"
            label = f"{network} -> {second}" if two else network
            for s in theirs:
                mine = ours_stats(raw, s - 1)
                exact = theory(LAMBDA, c1, mu1) if s == 1 else theory(LAMBDA * SHARE, c2, mu2)
                for i, name in enumerate(("mean", "p90")):
                    a, b = mine[i], theirs[s][i]
                    _, a_lo, a_hi = interval(a)
                    _, b_lo, b_hi = interval(b)
                    print(
                        f"{label:<22}{s:<7}{name:<10}{fmt(a):<24}{fmt(b):<24}{exact[i]:<9.3f}"
                        f"{verdict(a_lo <= b_hi and b_lo <= a_hi):<10}"
                        f"{verdict(a_lo <= exact[i] <= a_hi)}"
                    )
            print(f"   time: toolkit.simulate {t_ours:.2f} s, ciw {t_ciw:.2f} s")


def ciw_big_network() -> Any:
    # the default Scenario's rates: 1 / 3 / 16 a week; 23 first-assessment
    # slots, stage 2 as courses of (1 + 6) visits on 105 slots; priority by class
    lam = {"urgent": 1.0, "high": 3.0, "routine": 16.0}
    share = {"urgent": 0.9, "high": 0.8, "routine": 0.6}
    return ciw.create_network(
        arrival_distributions={k: [ciw.dists.Exponential(rate=v), None] for k, v in lam.items()},
        service_distributions={
            k: [ciw.dists.Exponential(rate=23.0 / 4), ciw.dists.Exponential(rate=105.0 / 7 / 8)]
            for k in lam
        },
        number_of_servers=[4, 8],
        routing={k: [[0.0, share[k]], [0.0, 0.0]] for k in lam},
        priority_classes={"urgent": 0, "high": 1, "routine": 2},
    )


def ours_big(sc: Scenario, seed: int) -> float:
    """The big run with patient-level statistics: simulate, the weekly table, the summary."""
    t0 = time.perf_counter()
    summary(table(simulate(sc, 104, 1000, seed=seed)), 26)
    return time.perf_counter() - t0


def speed(ciw_replications: int) -> None:
    sc = Scenario()
    summary(table(simulate(sc, 4, 10, 0)), 2)  # warm up imports and caches
    times = [ours_big(sc, seed) for seed in range(3)]
    t_ours = min(times)
    t0 = time.perf_counter()
    raw = simulate(sc, 104, 1000, seed=0)
    t_sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary(table(raw), 26)
    t_stats = time.perf_counter() - t0
    tracemalloc.start()
    summary(table(simulate(sc, 104, 1000, seed=0)), 26)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    t0 = time.perf_counter()
    for r in range(ciw_replications):
        ciw.seed(r)
        q = ciw.Simulation(ciw_big_network())
        q.simulate_until_max_time(104)
    t_ciw = (time.perf_counter() - t0) / ciw_replications * 1000
    print("\nSpeed: 1 000 replications x 104 weeks x 3 classes x 2 stages")
    print(
        "   toolkit.simulate with patient-level statistics (simulate + table + summary):"
        f" {t_ours:.3f} s (best of 3; runs {', '.join(f'{x:.3f}' for x in times)});"
        f" of one run: simulate {t_sim:.3f} s, table + summary {t_stats:.3f} s"
    )
    print(f"   toolkit.simulate peak memory (tracemalloc): {peak / 1e6:.0f} MB")
    print(f"   ciw: {t_ciw:.1f} s for 1 000 (measured on {ciw_replications}, scaled)")
    print(f"   ratio: {t_ciw / t_ours:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--ciw-speed-replications", type=int, default=20)
    args = parser.parse_args()
    agreement(args.replications)
    speed(args.ciw_speed_replications)


if __name__ == "__main__":
    main()
