"""Start-up: the first call in a fresh Python process, as every report and workbook kernel pays it.

Each case runs in ``--repeat`` new processes (``python -c ...``); the figure is
the wall time of the whole process, so interpreter start is included (printed
alone as ``python -c pass`` for reference). Target (issue "Fast from the first
click"): the first text call under 0.2 s.

Run::

    .venv/bin/python benchmarks/bench_startup.py
    .venv/bin/python benchmarks/bench_startup.py --repeat 15 --case text
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = {
    "python": "pass",
    "text": "import toolkit; from toolkit.i18n import t; t('common.yes')",
    "message": (
        "from toolkit.errors import DataError; "
        "DataError('io.path_not_found', file='x.csv').message('sv')"
    ),
    "load_unit": (
        "from toolkit.io import load_unit; "
        "load_unit('sample_data/liten', extract_date='2024-12-29')"
    ),
    "simulate": (
        "from toolkit import simulate; "
        "simulate.run(simulate.Scenario(), replications=10, weeks=52, seed=1)"
    ),
}


def time_case(code: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    args = parser.parse_args()
    for name in args.case or list(CASES):
        try:
            times = time_case(CASES[name], args.repeat)
        except subprocess.CalledProcessError:
            print(f"{name:10s} failed: {CASES[name]}")
            continue
        print(
            f"{name:10s} min {min(times):.3f} s  median {statistics.median(times):.3f} s  "
            f"max {max(times):.3f} s  ({args.repeat} fresh processes)"
        )


if __name__ == "__main__":
    main()
