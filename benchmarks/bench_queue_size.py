"""Speed of toolkit.flow.queue_size: ten years of daily data, 1 000 000 referrals.

Goal: under 1 s. Compared in the same run with a straightforward per-patient
loop over the same data (each patient adds one to the days they wait), and
the two results are checked to be equal.

Run from the repository root:

    .venv/bin/python benchmarks/bench_queue_size.py [--referrals 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from toolkit.flow import queue_size


def synthetic_referrals(n: int, years: int, seed: int) -> pd.DataFrame:
    """Synthetic data only: uniform arrivals, exponential waits (mean 60 d), 5 % still waiting."""
    rng = np.random.default_rng(seed)
    days = 365 * years
    arrival = rng.integers(0, days, n)
    wait = np.floor(rng.exponential(60.0, n)).astype(np.int64)
    base = np.datetime64("2015-01-01", "D")
    received = (base + arrival).astype("datetime64[ns]")
    removed = (base + arrival + wait).astype("datetime64[ns]")
    removed[rng.random(n) < 0.05] = np.datetime64("NaT")
    # rows in no particular order, as exports come
    return pd.DataFrame({"received": received, "first_assessment": removed})


def per_patient_loop(
    referrals: pd.DataFrame, start: np.datetime64, end: np.datetime64
) -> np.ndarray:
    """The straightforward way: for each patient, add one to each day they wait."""
    first = start.astype("datetime64[D]").astype(np.int64)
    last = end.astype("datetime64[D]").astype(np.int64)
    n_days = last - first + 1
    counts = np.zeros(n_days, dtype=np.int64)
    arrivals = referrals["received"].to_numpy().astype("datetime64[D]")
    removals = referrals["first_assessment"].to_numpy().astype("datetime64[D]")
    for a, r in zip(arrivals, removals, strict=True):
        lo = max(int(a.astype(np.int64)) - first, 0)
        hi = n_days if np.isnat(r) else min(int(r.astype(np.int64)) - first, n_days)
        if lo < hi:
            counts[lo:hi] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    data = synthetic_referrals(args.referrals, args.years, args.seed)
    start = np.datetime64("2015-01-01")
    end = start + np.timedelta64(365 * args.years - 1, "D")

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = queue_size(data, start, end)
        times.append(time.perf_counter() - t0)
    best = min(times)

    t0 = time.perf_counter()
    reference = per_patient_loop(data, start, end)
    loop_time = time.perf_counter() - t0

    same = bool(np.array_equal(result["queue_size"].to_numpy(), reference))
    print(f"referrals: {args.referrals:,}; days: {len(result):,}")
    print(f"queue_size (vectorised), best of {args.repeat}: {best:.3f} s  (goal < 1 s)")
    print(f"per-patient loop:                  {loop_time:.3f} s")
    print(f"ratio loop / vectorised:           {loop_time / best:.0f}x")
    print(f"results identical:                 {same}")


if __name__ == "__main__":
    main()
