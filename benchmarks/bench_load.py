"""Loading and validating a large unit.

Target: 1 000 000 referrals and 5 000 000 visits loaded and validated by
``toolkit.io.load_unit`` in under 10 s with under 1.5 GB peak memory on a
2-core machine. ``--careful`` turns the fast path (``toolkit/io_fast.py``)
off, to measure the loader as it was before it. The loader's limits (``toolkit/io_limits.py``) are checked
in every load measured here; each file's size, lines and longest line are
printed beside them, the figures the default limits are set against.

The data is generated with ``toolkit.synth.generate_large`` and written in
both export styles the loader meets (``csv``: comma, UTF-8, English names;
``csv_sv``: semicolon, decimal comma, Windows-1252, Swedish names and
values). Each load runs in a fresh process so its peak memory (maxrss) is
its own.

Run::

    .venv/bin/python benchmarks/bench_load.py                # full size
    .venv/bin/python benchmarks/bench_load.py --referrals 100000 --visits 500000
    .venv/bin/python benchmarks/bench_load.py --data /tmp/national --careful  # keep the files
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from toolkit import io_fast
from toolkit.io import load_unit
io_fast.ENABLED = sys.argv[2] == "fast"
start = time.perf_counter()
unit = load_unit(sys.argv[1], extract_date="2024-12-31")
seconds = time.perf_counter() - start
use = resource.getrusage(resource.RUSAGE_SELF)
rss_gb = use.ru_maxrss / 1024**2
cpu = use.ru_utime + use.ru_stime  # all threads, imports included
account = {k: [a.rows_read, a.rows_used, a.rows_excluded] for k, a in unit.account.items()}
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_gb": rss_gb, "account": account}))
"""


def _shape(path: Path) -> str:
    """Size, lines and longest line of one file, as the loader's limits count them."""
    import numpy as np

    b = np.fromfile(path, dtype=np.uint8)
    ends = np.flatnonzero(b == 10)
    longest = int(np.diff(np.concatenate(([-1], ends))).max()) if len(ends) else len(b)
    return f"{len(b) / 1e6:,.0f} MB, {len(ends):,} lines, longest {longest} bytes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--styles", nargs="+", default=["csv", "csv_sv"])
    parser.add_argument("--careful", action="store_true", help="the careful path only")
    parser.add_argument("--data", type=Path, help="folder for the files, kept and reused")
    args = parser.parse_args()

    from toolkit.synth import generate_large, write_unit

    tables = None
    with tempfile.TemporaryDirectory() as tmp:
        for style in args.styles:
            folder = (args.data or Path(tmp)) / f"{style}_{args.referrals}_{args.visits}"
            files = sorted(folder.glob("*.csv")) if folder.exists() else []
            if not files:
                if tables is None:
                    start = time.perf_counter()
                    tables = generate_large(args.referrals, args.visits, seed=1)
                    print(
                        f"generated {args.referrals:,} referrals, {args.visits:,} visits "
                        f"in {time.perf_counter() - start:.1f} s"
                    )
                start = time.perf_counter()
                files = write_unit(tables, folder, style=style)
                print(f"[{style}] wrote in {time.perf_counter() - start:.1f} s")
            size_mb = sum(f.stat().st_size for f in files) / 1e6
            print(f"[{style}] {size_mb:,.0f} MB in {folder}")
            for f in files:  # what the default limits (toolkit/io_limits.py) are measured against
                print(f"[{style}]   {f.name}: {_shape(f)}")
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(folder), "careful" if args.careful else "fast"],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            verdict = "OK" if result["seconds"] < 10 and result["peak_gb"] < 1.5 else "OVER TARGET"
            path = "careful path" if args.careful else "fast path"
            print(
                f"[{style}] load_unit ({path}): {result['seconds']:.1f} s "
                f"(process CPU {result['cpu']:.1f} s), "
                f"peak {result['peak_gb']:.2f} GB (target < 10 s, < 1.5 GB: {verdict}); "
                f"rows read/used/excluded {result['account']}"
            )


if __name__ == "__main__":
    main()
