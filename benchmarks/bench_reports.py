"""Report batch speed: fixed cost of a kernel, time per unit, all sample units, 21 units.

Run: .venv/bin/python benchmarks/bench_reports.py [--workers 2] [--fresh-kernels]

Prints (1) the fixed cost of starting a kernel and running an empty notebook
with papermill's Python API, (2) one unit report executed alone, (3) the batch
over all sample units, (4) a batch of 21 units (the sample units three times
over, as a region with 21 units would be). Targets: the 7 sample units under
30 s and 21 units under 90 s on 2 cores. By default each worker keeps one
kernel for unit after unit (toolkit.batch_kernel); ``--fresh-kernels``
measures the old way, a new kernel per unit.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import papermill
import yaml

from toolkit import batch
from toolkit.manifest import read_manifest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "sample_data" / "units.yaml"


def kernel_fixed_cost(folder: Path, repeats: int = 3) -> list[float]:
    """Seconds to execute a one-cell notebook (kernel start, run, shut down)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        papermill.execute_notebook(
            str(path), str(folder / "empty_out.ipynb"), kernel_name="python3", progress_bar=False
        )
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fresh-kernels", action="store_true", help="a new kernel per unit")
    args = parser.parse_args()
    fresh = args.fresh_kernels
    print(f"kernels: {'a new one per unit' if fresh else 'one kept per worker'}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fixed = kernel_fixed_cost(folder)
        print(f"kernel fixed cost (empty notebook): {', '.join(f'{x:.2f}' for x in fixed)} s")

        one = folder / "one"
        entries = read_manifest(MANIFEST)
        single = folder / "single.yaml"
        e = entries[0]
        single.write_text(
            yaml.safe_dump(
                {
                    "units": [
                        {
                            "id": e.id,
                            "name": e.name,
                            "path": str(e.path),
                            "extract_date": e.extract_date.isoformat() if e.extract_date else None,
                            "period_start": e.extra.get("period_start"),
                        }
                    ]
                }
            ),
            encoding="utf-8",
        )
        start = time.perf_counter()
        roots = (MANIFEST.parent,)
        batch.run_batch(
            single, out=one, workers=1, progress=False, data_roots=roots, fresh_kernels=fresh
        )
        print(f"one unit alone (incl. worker start): {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        result = batch.run_batch(
            MANIFEST, out=folder / "all", workers=args.workers, progress=False, fresh_kernels=fresh
        )
        wall = time.perf_counter() - start
        per_unit = [u.seconds for u in result.units]
        print(
            f"{len(result.units)} sample units, {args.workers} workers: {wall:.1f} s wall; "
            f"per unit median {statistics.median(per_unit):.1f} s "
            f"(min {min(per_unit):.1f}, max {max(per_unit):.1f}); failed {result.failed}"
        )
        for u in result.units:
            print(f"  {u.id:<20} {u.seconds:5.1f} s  {u.status}")

        raw = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
        units = []
        for copy in range(3):
            for item in raw["units"]:
                units.append(
                    {
                        **item,
                        "id": f"{item['id']}_{copy}",
                        "path": str((MANIFEST.parent / item["path"]).resolve()),
                    }
                )
        big = folder / "region21.yaml"
        big.write_text(yaml.safe_dump({"units": units}), encoding="utf-8")
        start = time.perf_counter()
        result = batch.run_batch(
            big,
            out=folder / "r21",
            workers=args.workers,
            progress=False,
            data_roots=roots,
            fresh_kernels=fresh,
        )
        wall = time.perf_counter() - start
        print(
            f"{len(result.units)} units, {args.workers} workers: {wall:.1f} s wall; failed {result.failed}"
        )

        start = time.perf_counter()
        batch.run_region(MANIFEST, out=folder / "all")
        print(f"region overview: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
