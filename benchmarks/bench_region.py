"""Region overview speed in the kernel: the whole overview, and its who-waits section alone.

Run: .venv/bin/python benchmarks/bench_region.py [--repeats 2]

Prints the seconds (best of ``--repeats``) for ``region_overview`` of the
sample units with and without charts, and for the section *who waits, unit
by unit* alone (each unit's who table, then the section with its funnel
plots, one per group and stage), for each grouping.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from toolkit import equity, report
from toolkit.io import load_unit
from toolkit.manifest import read_manifest
from toolkit.report._figures import _weekly_in_period
from toolkit.report.region_who import region_who_section, unit_who
from toolkit.targets import load_profile

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "sample_data" / "units.yaml"


def best(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    entries = read_manifest(MANIFEST)
    for charts in (False, True):
        seconds = best(lambda c=charts: report.region_overview(MANIFEST, charts=c), args.repeats)
        print(f"region_overview, charts={charts}: {seconds:.1f} s ({len(entries)} units)")
    loaded = []
    for e in entries:
        unit = load_unit(e.path, extract_date=e.extract_date)
        profile = load_profile(e.target_profile)
        start = e.extra.get("period_start")
        first = _weekly_in_period(unit, profile, None if start is None else _ts(start), "sv")[1]
        loaded.append((e, unit, profile, first))
    for by in equity.GROUPINGS:

        def section(by: str = by) -> None:
            tables = [
                (e.id, e.name, unit_who(u, p, f, 26, by=by, share=False, threshold=5, lang="sv"))
                for e, u, p, f in loaded
            ]
            region_who_section(tables, by, charts=True, share=False, threshold=5, lang="sv")

        print(f"who waits, unit by unit ({by}), with funnels: {best(section, args.repeats):.1f} s")


def _ts(value: Any) -> Any:
    import pandas as pd

    return pd.Timestamp(value)


if __name__ == "__main__":
    main()
