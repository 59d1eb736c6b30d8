"""Time toolkit.spc.spc on many series in one grouped call and print the figures.

Run: ``.venv/bin/python benchmarks/bench_spc.py [n_series] [n_points] [repeats]``
(defaults 100 000 series of 60 points, one run; with repeats the best time
of each case is printed). Wall time and the process' CPU time are printed:
on a shared, busy machine the CPU time is the steadier figure. Not part of
the test run.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from toolkit.spc import spc


def _best(repeats: int, call: Any) -> tuple[float, float, Any]:
    """Best wall time and best CPU time of ``repeats`` calls, and the last result."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = call()
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start)
    return wall, cpu, result


def main(n_series: int = 100_000, n_points: int = 60, repeats: int = 1) -> None:
    rng = np.random.default_rng(2024)
    periods = pd.date_range("2020-01-01", periods=n_points, freq="MS")
    data = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_series), n_points),
            "month": np.tile(periods, n_series),
            "referrals": rng.poisson(40, n_series * n_points),
            "seen": rng.integers(50, 80, n_series * n_points),
            "done": rng.binomial(50, 0.7, n_series * n_points),
        }
    )
    print(f"spc on {n_series:,} series x {n_points} points = {len(data):,} rows, one call")
    cases = [
        ("xmr / mdc", {"chart": "xmr", "rules": "mdc"}),
        ("xmr / mdc, rebase", {"chart": "xmr", "rebase": [periods[n_points // 2]]}),
        ("run / anhoej", {"chart": "run", "rules": "anhoej"}),
        ("p / mdc (done/seen)", {"chart": "p", "denominator": "seen", "value": "done"}),
        ("c / anhoej", {"chart": "c", "rules": "anhoej"}),
    ]
    for name, kwargs in cases:
        args = {"value": "referrals", **kwargs}
        elapsed, cpu, table = _best(
            repeats,
            lambda args=args: spc(data, date="month", group="unit", improvement="decrease", **args),
        )
        print(f"  {name:<20} {elapsed:6.2f} s  cpu {cpu:6.2f} s  ({len(table):,} rows out)")
    shuffled = data.sample(frac=1.0, random_state=1)
    elapsed, cpu, _ = _best(
        repeats, lambda: spc(shuffled, value="referrals", date="month", group="unit")
    )
    print(f"  {'xmr, unsorted input':<20} {elapsed:6.2f} s  cpu {cpu:6.2f} s")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    main(*args)
