"""toolkit.simulate against ciw: agreement and speed, measured in one run.

Run from the repository root (ciw is a development dependency):

    .venv/bin/python benchmarks/bench_simulate.py [--replications 200] [--ciw-speed-replications 20]

Part 1, agreement. The same single-stage (M/M/3) and two-stage (M/M/3 then,
for 60 %, M/M/2) networks in our ``servers`` model and in ciw's
discrete-event simulation. For each replication and each week after the
burn-in we take the mean and the 90th percentile of the times in system of
those who left the stage that week, average them over the weeks, and print
the mean over replications with its 95 % confidence interval for both tools.
The intervals should overlap (our times are whole steps of 1/30 week).

Part 2, speed. Our model at the issue's size (1 000 replications x 104
weeks x 3 need classes x 2 stages, weekly steps, the default scenario),
and ciw with the equivalent network (3 customer classes with priorities, 2
nodes, routing per class), timed on ``--ciw-speed-replications``
replications; ciw's replications are independent runs, so its time for
1 000 is that figure scaled linearly (printed as such). Also our peak
memory (tracemalloc) for the big run.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import ciw
import numpy as np

from toolkit.simulate import Scenario, simulate

WEEKS, BURN_IN, STEPS = 80, 20, 30


# (servers at stage 1, service rate each, servers at stage 2, rate each) a week
NETWORKS = {
    "M/M/1": (1, 10.0, 1, 6.0),
    "M/M/3": (3, 4.0, 2, 3.5),
}


def ours_scenario(two_stage: bool, network: str) -> Scenario:
    c1, mu1, c2, mu2 = NETWORKS[network]
    return Scenario(
        classes=("routine",),
        arrivals_per_week={"routine": 8.0},
        seasonality="none",
        arrival_extra_cv=0.0,
        capacity_extra_cv=0.0,
        holiday_weeks=(),
        dna_rate=0.0,
        share_to_deep={"routine": 0.6 if two_stage else 0.0},
        capacity_model="servers",
        capacity_first_per_week=c1 * mu1,
        servers_first=c1,
        capacity_deep_per_week=c2 * mu2 if two_stage else 0.0,
        servers_deep=c2,
    )


def ours_stats(raw, stage: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    spw = raw.steps_per_week
    done = raw.completions[:, BURN_IN:, stage, 0].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = raw.wait_sum[:, BURN_IN:, stage, 0].sum(axis=1) / done.sum(axis=1) / spw
    p90 = np.nanmean(raw.wait_p90[:, BURN_IN:, stage, 0] / spw, axis=1)
    return mean, p90


def ciw_network(two_stage: bool, network: str):  # type: ignore[no-untyped-def]
    c1, mu1, c2, mu2 = NETWORKS[network]
    if two_stage:
        return ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=8.0), None],
            service_distributions=[
                ciw.dists.Exponential(rate=mu1),
                ciw.dists.Exponential(rate=mu2),
            ],
            number_of_servers=[c1, c2],
            routing=[[0.0, 0.6], [0.0, 0.0]],
        )
    return ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=8.0)],
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
    stages = (1, 2) if two_stage else (1,)
    out = {s: ([], []) for s in stages}
    for r in range(replications):
        ciw.seed(1000 + r)
        q = ciw.Simulation(ciw_network(two_stage, network))
        q.simulate_until_max_time(WEEKS)
        recs = q.get_all_records()
        for s in stages:
            rows = [(x.exit_date, x.exit_date - x.arrival_date) for x in recs if x.node == s]
            exit_, soj = np.array(rows).T
            keep = (exit_ >= BURN_IN) & (exit_ < WEEKS)
            week = np.floor(exit_[keep]).astype(int)
            soj = soj[keep]
            weekly = [lower_p90(soj[week == w]) for w in np.unique(week)]
            out[s][0].append(soj.mean())
            out[s][1].append(np.mean(weekly))
    return {s: (np.array(m), np.array(p)) for s, (m, p) in out.items()}


def ci(x: np.ndarray) -> str:
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    return f"{x.mean():.4f} [{x.mean() - half:.4f}, {x.mean() + half:.4f}]"


def overlap(a: np.ndarray, b: np.ndarray) -> bool:
    ha = 1.96 * a.std(ddof=1) / np.sqrt(len(a))
    hb = 1.96 * b.std(ddof=1) / np.sqrt(len(b))
    return abs(a.mean() - b.mean()) <= ha + hb


def agreement(replications: int) -> None:
    print(
        f"Agreement: {replications} replications, {WEEKS} weeks, burn-in {BURN_IN}, {STEPS} steps a week"
    )
    print(f"{'network':<20}{'stage':<7}{'statistic':<14}{'toolkit.simulate':<32}{'ciw':<32}overlap")
    for network in NETWORKS:
        for two in (False, True):
            t0 = time.perf_counter()
            raw = simulate(
                ours_scenario(two, network), WEEKS, replications, seed=1, steps_per_week=STEPS
            )
            t_ours = time.perf_counter() - t0
            t0 = time.perf_counter()
            theirs = ciw_stats(two, network, replications)
            t_ciw = time.perf_counter() - t0
            label = f"{network} {'two-stage' if two else 'one-stage'}"
            for s in theirs:
                mine = ours_stats(raw, s - 1)
                for name, a, b in (
                    ("mean, weeks", mine[0], theirs[s][0]),
                    ("p90, weeks", mine[1], theirs[s][1]),
                ):
                    print(f"{label:<20}{s:<7}{name:<14}{ci(a):<32}{ci(b):<32}{overlap(a, b)}")
            print(f"   time: toolkit.simulate {t_ours:.2f} s, ciw {t_ciw:.2f} s")
    print(
        "   Note: with more than one server, ciw lets patients leave in the order their\n"
        "   (exponential) services end; toolkit.simulate always lets the longest waiting\n"
        "   leave first. Means agree (Little's law), the 90th percentile does not (ours\n"
        "   is lower): see docs/simulation.md."
    )


def ciw_big_network():  # type: ignore[no-untyped-def]
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


def speed(ciw_replications: int) -> None:
    sc = Scenario()
    simulate(sc, 4, 10, 0)  # warm up imports and caches
    times = []
    for seed in range(3):
        t0 = time.perf_counter()
        simulate(sc, 104, 1000, seed=seed)
        times.append(time.perf_counter() - t0)
    t_ours = min(times)
    tracemalloc.start()
    simulate(sc, 104, 1000, seed=0)
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
        f"   toolkit.simulate: {t_ours:.3f} s (best of 3; runs {', '.join(f'{x:.3f}' for x in times)})"
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
