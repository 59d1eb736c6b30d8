"""Speed of reading a national waiting-time file and comparing its units in funnel plots.

A national file is small (21 regions, or some 300 units, × 3 stages × months);
the reader checks every row in Python, so the time grows with the rows. The
file is the synthetic example (``toolkit.national.synthetic_example``) repeated
with invented unit names up to the size asked for.

Run from the repository root:

    .venv/bin/python benchmarks/bench_national.py [--units 300] [--months 60]
"""

from __future__ import annotations

import argparse
import time

from toolkit import national


def national_file(units: int, months: int) -> bytes:
    """A synthetic file with ``units`` × 3 stages × ``months`` rows (Swedish headers)."""
    header, *rows = national.synthetic_example(months=months).decode("utf-8-sig").splitlines()
    per_unit = 3 * months
    base = [rows[i : i + per_unit] for i in range(0, len(rows), per_unit)]
    out = [header]
    for u in range(units):
        block = base[u % len(base)]
        out += [r.replace(r.split(";")[1], f"Enhet {u:04d} (syntetisk)", 1) for r in block]
    return ("\ufeff" + "\r\n".join(out) + "\r\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()
    data = national_file(args.units, args.months)
    t0 = time.perf_counter()
    table = national.read_national(data, "bench.csv")
    t1 = time.perf_counter()
    for stage in national.STAGES:
        national.funnel_table(table, stage=stage)
    t2 = time.perf_counter()
    print(f"rows {len(table):,}: read {t1 - t0:.2f} s, three funnel tables {t2 - t1:.3f} s")


if __name__ == "__main__":
    main()
