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
        unit = load_unit(
            ROOT / "sample_data" / entry["path"], extract_date=entry.get("extract_date")
        )
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
    entry = next(u for u in manifest["units"] if u["id"] == "balans")
    unit = load_unit(ROOT / "sample_data" / entry["path"], extract_date=entry["extract_date"])
    for _ in range(2):  # the first call in a process also imports and warms caches
        start = time.perf_counter()
        basis = pp.plan_basis(unit, horizon_weeks=52, history_start=entry["period_start"])
        pp.plan_from_basis(basis)
        whole = time.perf_counter() - start
        print(f"plan and forecast for one unit (balans, 52 weeks): {whole:.2f} s (target < 2 s)")
    times = []
    for k in range(20):  # what a workbook change costs: the plan again from the basis
        start = time.perf_counter()
        pp.plan_from_basis(basis, fte={"psychologist": 2.0 + 0.1 * k}, share_group=0.01 * k)
        times.append(time.perf_counter() - start)
    times.sort()
    print(
        f"plan again after a change (20 changes): median {times[10] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms"
    )
    start = time.perf_counter()
    pp.decision_effects(
        basis, added_fte={"psychologist": 1.0}, freed_non_clinical_share=0.2, share_group=0.2,
        share_digital=0.1, priority_rule="first_visit_first",
    )  # fmt: skip
    print(
        "decisions for balance, 4 options alone and together (6 plans): "
        f"{(time.perf_counter() - start) * 1000:.0f} ms"
    )
    from toolkit.report_followup import followup_tables

    start = time.perf_counter()
    followup_tables(unit, history_start=entry["period_start"])
    print(
        f"the unit report's follow-up tables (plan 13 weeks back, visits since): "
        f"{time.perf_counter() - start:.2f} s"
    )
    from toolkit.widgets.plan import PlanApp

    app = PlanApp()
    times = []
    for k in range(40):  # a control change in the workbook, kernel side
        start = time.perf_counter()
        app.group.value = round(0.01 * (k % 20 + 1), 2)
        times.append(time.perf_counter() - start)
    times.sort()
    p95 = times[int(0.95 * len(times)) - 1]
    print(
        f"Produktionsplan workbook, 40 changes (kernel side): p95 {p95 * 1000:.0f} ms (target < 250 ms)"
    )


if __name__ == "__main__":
    main()
