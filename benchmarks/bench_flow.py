"""Speed and memory of toolkit.flow.weekly_flow with all breakdowns.

Goal (the issue): ``weekly_flow`` with all breakdowns (none, priority,
question, sex, age band) on 1 000 000 referrals and 5 000 000 visits in
under 5 s and 3 GB. The data are synthetic (``toolkit.synth.generate_large``).
Compared in the same run with a straightforward per-patient loop over the
same referrals (each patient adds itself to the weeks it waits, its wait to
the week it completes), whose result is checked to be equal to
``weekly_flow``'s; the ratio of the two times is printed. ``continuity`` on
the 5 000 000 visits is timed too.

Run from the repository root:

    .venv/bin/python benchmarks/bench_flow.py [--referrals 1000000] [--visits 5000000]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from types import SimpleNamespace

import numpy as np
import pandas as pd

from toolkit.flow import BREAKDOWNS, continuity, weekly_flow
from toolkit.synth import generate_large

REMOVAL = ("rejected", "redirected", "closed_no_visit")


def per_patient_loop(refs: pd.DataFrame, end: pd.Timestamp) -> dict[str, np.ndarray]:
    """The straightforward way, stage 1, weekly: one patient at a time."""
    day = lambda c: refs[c].to_numpy().astype("datetime64[D]").astype(np.int64)  # noqa: E731
    nat = np.datetime64("NaT").astype("datetime64[D]").astype(np.int64)
    rec, fa, dec, cl = day("received"), day("first_assessment"), day("decided"), day("closed")
    decision = refs["decision"].astype(object).to_numpy()
    pvv = refs["pvv_days"].fillna(0).to_numpy(dtype=np.int64)
    end_d = int(np.datetime64(end.date(), "D").astype(np.int64))
    first = int(rec.min())
    first -= (first + 3) % 7  # Monday
    n_weeks = (end_d - first) // 7 + 1
    week_end = np.minimum(first + 7 * np.arange(n_weeks) + 6, end_d)
    arrivals = np.zeros(n_weeks, dtype=np.int64)
    completions = np.zeros(n_weeks, dtype=np.int64)
    removals = np.zeros(n_weeks, dtype=np.int64)
    waiting = np.zeros(n_weeks, dtype=np.int64)
    wait_sum = np.zeros(n_weeks)
    oldest = np.full(n_weeks, -1, dtype=np.int64)
    for i in range(len(rec)):
        j = int(rec[i])
        if fa[i] != nat:
            leave, done = int(fa[i]), True
        elif decision[i] in REMOVAL:
            leave = int(dec[i]) if dec[i] != nat else (int(cl[i]) if cl[i] != nat else j)
            leave, done = max(leave, j), False
        elif cl[i] != nat:
            leave, done = max(int(cl[i]), j), False
        else:
            leave, done = None, False
        if leave is not None and leave > end_d:
            leave, done = None, False
        arrivals[(j - first) // 7] += 1
        if leave is not None:
            k = (leave - first) // 7
            if done:
                completions[k] += 1
                wait_sum[k] += max(0, leave - j - int(pvv[i]))
            else:
                removals[k] += 1
        k = (j - first) // 7
        while k < n_weeks and (leave is None or leave > week_end[k]):
            waiting[k] += 1
            oldest[k] = max(oldest[k], max(0, int(week_end[k]) - j - int(pvv[i])))
            k += 1
    return {
        "arrivals": arrivals,
        "completions": completions,
        "removals": removals,
        "waiting_end": waiting,
        "wait_sum": wait_sum,
        "oldest_waiting_days": np.where(oldest >= 0, oldest, np.nan),
    }


def all_breakdowns(unit: SimpleNamespace) -> dict[str | None, pd.DataFrame]:
    return {by: weekly_flow(unit, "W", by=by, lang="en") for by in (None, *BREAKDOWNS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--visits", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-loop", action="store_true", help="skip the per-patient loop")
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = generate_large(args.referrals, args.visits, seed=args.seed)
    refs = data["referrals"].sample(frac=1.0, random_state=args.seed)  # rows in any order
    unit = SimpleNamespace(
        referrals=refs,
        visits=data["visits"],
        period_counts=pd.DataFrame(),
        extract_date=pd.Timestamp("2024-12-29"),
    )
    print(
        f"synthetic data: {len(refs):,} referrals, {len(unit.visits):,} visits "
        f"({time.perf_counter() - t0:.1f} s to generate)"
    )
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        tables = all_breakdowns(unit)
        times.append(time.perf_counter() - t0)
    best = min(times)
    rows = {str(by): len(f) for by, f in tables.items()}
    print(
        f"weekly_flow, all breakdowns (none + {', '.join(BREAKDOWNS)}): "
        f"best {best:.2f} s of {args.repeat} (goal < 5 s); rows {rows}"
    )
    for by in (None, *BREAKDOWNS):
        t0 = time.perf_counter()
        weekly_flow(unit, "W", by=by, lang="en")
        print(f"  by={by!s:<9} {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    weekly_flow(unit, "D", lang="en")
    print(f"  freq=D     {time.perf_counter() - t0:.2f} s")

    tracemalloc.start()
    all_breakdowns(unit)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"memory: peak allocated by weekly_flow (tracemalloc) {peak / 2**20:.0f} MB; "
        f"process peak RSS {rss:.0f} MB, of which data generation {rss_data:.0f} MB "
        f"(goal < 3 GB)"
    )

    t0 = time.perf_counter()
    c = continuity(unit, "MS", lang="en")
    print(
        f"continuity on {len(unit.visits):,} visits (months): "
        f"{time.perf_counter() - t0:.2f} s, {len(c)} rows"
    )

    if args.no_loop:
        return
    t0 = time.perf_counter()
    flow = tables[None]
    one = weekly_flow(unit, "W", lang="en")
    t_vec = time.perf_counter() - t0
    t0 = time.perf_counter()
    loop = per_patient_loop(refs, unit.extract_date)
    t_loop = time.perf_counter() - t0
    s1 = flow[flow["stage"] == "first_assessment"]
    for column in ("arrivals", "completions", "removals", "waiting_end"):
        assert (s1[column].to_numpy() == loop[column]).all(), column
    wait_sum = (s1["mean_wait_days"].fillna(0) * s1["completions"]).to_numpy()
    assert np.allclose(wait_sum, loop["wait_sum"])
    assert np.array_equal(
        s1["oldest_waiting_days"].to_numpy(), loop["oldest_waiting_days"], equal_nan=True
    )
    assert len(one) == len(flow)
    print(
        f"per-patient loop (stage 1, no breakdown): {t_loop:.1f} s; weekly_flow (both "
        f"stages): {t_vec:.2f} s; ratio {t_loop / t_vec:.0f}x; results equal"
    )


if __name__ == "__main__":
    main()
