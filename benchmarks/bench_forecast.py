"""Back-test the referral forecast on the sample units and time a forecast (and plan) for one unit.

Run: ``.venv/bin/python benchmarks/bench_forecast.py``. Prints, per sample
unit with referrals, the mean absolute error of forecasts made every four
weeks (26 weeks ahead, from one year of history on) against the
seasonal-naive forecast, the share of weeks inside the 80 % and 95 %
intervals, and the time of one 52-week forecast. Not part of the test run;
the figures are quoted in docs/forecast.md.
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from toolkit import forecast as fc
from toolkit.io import load_unit

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    manifest = yaml.safe_load((ROOT / "sample_data" / "units.yaml").read_text(encoding="utf-8"))
    print(
        f"{'unit':20} {'origins':>7} {'MAE':>6} {'MAE sn':>7} {'cov80':>6} {'cov95':>6} {'forecast s':>10}"
    )
    for entry in manifest["units"]:
        unit = load_unit(ROOT / "sample_data" / entry["path"])
        if unit.kind != "events":
            continue
        counts = fc.weekly_counts(unit.referrals, start=entry.get("period_start"))["all"]
        start = time.perf_counter()
        fc.forecast_referrals(counts, horizon_weeks=52)
        seconds = time.perf_counter() - start
        b = fc.backtest(counts, horizon_weeks=26, step_weeks=4)
        s = b.attrs["summary"]
        print(
            f"{entry['id']:20} {len(b):7d} {s['mae']:6.2f} {s['mae_seasonal_naive']:7.2f} "
            f"{s['coverage_80']:6.2f} {s['coverage_95']:6.2f} {seconds:10.3f}"
        )
    try:
        from toolkit import production_plan as pp
    except ImportError:
        return
    unit = load_unit(ROOT / "sample_data" / "balans")
    start = time.perf_counter()
    pp.unit_plan(unit, horizon_weeks=52)
    print(
        f"plan and forecast for one unit (balans, 52 weeks): {time.perf_counter() - start:.2f} s (target < 2 s)"
    )


if __name__ == "__main__":
    main()
