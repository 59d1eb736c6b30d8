"""Tests of toolkit.flow.weekly_flow and toolkit.flow.continuity.

Expected values come from outside the code under test:

* a plain per-patient, per-day reference written here from the stated
  definitions (``naive_flow``), compared on random units with Hypothesis;
* :func:`toolkit.flow.queue_size`, written independently, for the number
  waiting at each period's end on every sample unit;
* :func:`toolkit.flow.snapshot` and :func:`toolkit.flow.stage_waits_days`
  (the lead's summary line) for the queues and waits at the extract date;
* Little's law in its sample-path form (Little 1961; Kim & Whitt 2013):
  over a window that every patient enters and leaves inside, the sum over
  days of the number waiting equals the sum of the waits;
* Little's law L = λW for the counts-only estimate on a steady state;
* the usual-provider-of-care index defined by Breslau & Reeb (1975),
  computed with pandas groupby here;
* invariants: counts balance, waits are never negative, a unit without
  arrivals drains, row order does not matter, breakdowns add up.

tests/test_flow_handworked.py has a small unit worked by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import DataError, ParameterError
from toolkit.flow import (
    continuity,
    queue_size,
    snapshot,
    stage_waits_days,
    weekly_flow,
)
from toolkit.io import load_unit
from toolkit.targets import load_profile

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"
MANIFEST = yaml.safe_load((SAMPLES / "units.yaml").read_text(encoding="utf-8"))
EVENT_UNITS = [u for u in MANIFEST["units"] if u["id"] != "endast_antal"]
COUNTS_UNIT = next(u for u in MANIFEST["units"] if u["id"] == "endast_antal")
DAY0 = pd.Timestamp("2024-01-01")  # a Monday
REMOVAL = {"rejected", "redirected", "closed_no_visit"}
COUNT_COLUMNS = ["arrivals", "completions", "removals", "waiting_start", "waiting_end"]
WAIT_COLUMNS = [
    "mean_wait_days",
    "median_wait_days",
    "p90_wait_days",
    "oldest_waiting_days",
    "share_within_target",
]


def load(entry: dict) -> object:
    return load_unit(SAMPLES / entry["path"], extract_date=entry["extract_date"], lang="en")


_cache: dict[str, object] = {}


def sample(entry: dict) -> object:
    if entry["id"] not in _cache:
        _cache[entry["id"]] = load(entry)
    return _cache[entry["id"]]


# --------------------------------------------------------------------------- reference


def naive_flow(refs: pd.DataFrame, end: pd.Timestamp, freq: str, targets: dict) -> pd.DataFrame:
    """weekly_flow's definitions, one patient and one day at a time (slow, plain)."""

    def day(x: object) -> int | None:
        return None if pd.isna(x) else int((pd.Timestamp(x) - DAY0).days)

    end_d = day(end)
    rows = []
    for r in refs.itertuples(index=False):
        rec, fa, dec = day(r.received), day(r.first_assessment), day(r.decided)
        dd, ds, cl = day(r.deep_decision), day(r.deep_start), day(r.closed)
        pvv = 0 if pd.isna(r.pvv_days) else int(r.pvv_days)
        # stage 1
        if fa is not None:
            leave, done = fa, True
        elif r.decision in REMOVAL:
            leave = dec if dec is not None else (cl if cl is not None else rec)
            leave, done = max(leave, rec), False
        elif cl is not None:
            leave, done = max(cl, rec), False
        else:
            leave, done = None, False
        rows.append(("first_assessment", rec, leave, done, pvv))
        if dd is not None:
            pvv2 = max(0, pvv - (fa - rec)) if fa is not None else pvv
            if ds is not None:
                rows.append(("deep_start", dd, ds, True, pvv2))
            elif cl is not None:
                rows.append(("deep_start", dd, max(cl, dd), False, pvv2))
            else:
                rows.append(("deep_start", dd, None, False, pvv2))
    first = min(day(x) for x in refs["received"])
    days = pd.date_range(DAY0 + pd.Timedelta(days=first), DAY0 + pd.Timedelta(days=end_d))
    label = {
        "D": days,
        "W": days.to_period("W-SUN").start_time,
        "MS": days.to_period("M").start_time,
    }[freq]
    out = []
    for stage in ("first_assessment", "deep_start"):
        people = [p for p in rows if p[0] == stage and p[1] <= end_d]
        for period in pd.unique(label):
            in_p = [(d - DAY0).days for d, lab in zip(days, label, strict=True) if lab == period]
            lo, hi = in_p[0], in_p[-1]
            arrivals = completions = removals = 0
            waits, waiting, ages = [], 0, []
            for _, join, leave, done, pvv in people:
                if leave is not None and leave > end_d:
                    leave, done = None, False
                arrivals += lo <= join <= hi
                if leave is not None and lo <= leave <= hi:
                    if done:
                        completions += 1
                        waits.append(max(0, leave - join - pvv))
                    else:
                        removals += 1
                if join <= hi and (leave is None or leave > hi):
                    waiting += 1
                    ages.append(max(0, hi - join - pvv))
            target = targets[stage]
            out.append(
                {
                    "period": period,
                    "stage": stage,
                    "arrivals": arrivals,
                    "completions": completions,
                    "removals": removals,
                    "waiting_end": waiting,
                    "mean_wait_days": np.mean(waits) if waits else math.nan,
                    "median_wait_days": np.median(waits) if waits else math.nan,
                    "p90_wait_days": np.percentile(waits, 90) if waits else math.nan,
                    "oldest_waiting_days": max(ages) if ages else math.nan,
                    "share_within_target": np.mean([w <= target for w in waits])
                    if waits
                    else math.nan,
                }
            )
    return pd.DataFrame(out).sort_values(["period", "stage"], key=_stage_key).reset_index(drop=True)


def _stage_key(s: pd.Series) -> pd.Series:
    return s.map({"first_assessment": 0, "deep_start": 1}) if s.name == "stage" else s


@st.composite
def referral_tables(draw: st.DrawFn, max_rows: int = 14) -> pd.DataFrame:
    """Small referral tables whose dates follow the pathway's order."""
    n = draw(st.integers(1, max_rows))
    rows = []
    for i in range(n):
        rec = draw(st.integers(0, 45))
        decision = draw(st.sampled_from([None, "accepted", *sorted(REMOVAL)]))
        decided = draw(st.one_of(st.none(), st.integers(0, 10)))
        steps = draw(st.lists(st.one_of(st.none(), st.integers(0, 25)), min_size=4, max_size=4))
        dates, current = [], rec
        for step in steps:  # first_assessment, deep_decision, deep_start, closed
            if step is None:
                dates.append(None)
            else:
                current += step
                dates.append(current)
        if dates[0] is None:  # no deep stage without a first assessment
            dates[1] = dates[2] = None
        if dates[1] is None:
            dates[2] = None
        rows.append(
            {
                "referral_id": f"R{i}",
                "received": rec,
                "decision": decision,
                "decided": None if decided is None else rec + decided,
                "first_assessment": dates[0],
                "deep_decision": dates[1],
                "deep_start": dates[2],
                "closed": dates[3],
                "pvv_days": draw(st.one_of(st.none(), st.integers(0, 20))),
                "priority": draw(st.sampled_from(["urgent", "high", "routine", None])),
            }
        )
    frame = pd.DataFrame(rows)
    for col in ("received", "decided", "first_assessment", "deep_decision", "deep_start", "closed"):
        frame[col] = DAY0 + pd.to_timedelta(frame[col].astype("float64"), unit="D")
    frame["pvv_days"] = frame["pvv_days"].astype("Int64")
    frame["decision"] = frame["decision"].astype("object")
    return frame


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(referral_tables(), st.sampled_from(["D", "W", "MS"]), st.integers(0, 60))
def test_matches_the_per_patient_reference(refs, freq, extra_days):
    end = refs["received"].max() + pd.Timedelta(days=extra_days)
    targets = {"first_assessment": 10, "deep_start": 20}
    profile = load_profile().with_overrides(
        first_assessment={"target_days": 10}, deep_start={"target_days": 20}
    )
    got = weekly_flow(refs, freq, profile=profile, end=end, lang="en")
    want = naive_flow(refs, end, freq, targets)
    assert len(got) == len(want)
    assert got["period"].tolist() == want["period"].tolist()
    assert got["stage"].astype(str).tolist() == want["stage"].tolist()
    for column in ["arrivals", "completions", "removals", "waiting_end"]:
        assert got[column].tolist() == want[column].tolist(), column
    for column in WAIT_COLUMNS:
        np.testing.assert_allclose(
            got[column], want[column].astype(float), equal_nan=True, err_msg=column
        )


@SETTINGS
@given(
    referral_tables(),
    st.sampled_from(["D", "W", "MS"]),
    st.sampled_from([None, "priority"]),
    st.randoms(use_true_random=False),
)
def test_invariants(refs, freq, by, rnd):
    end = refs["received"].max() + pd.Timedelta(days=30)
    f = weekly_flow(refs, freq, by=by, end=end, lang="en")
    # counts balance: arrivals - completions - removals = change in the number waiting
    change = f["arrivals"] - f["completions"] - f["removals"]
    assert (f["waiting_end"] - f["waiting_start"] == change).all()
    keys = ["stage"] if by is None else ["stage", by]
    for _, part in f.groupby(keys, observed=True):
        assert (
            part["waiting_start"].iloc[1:].to_numpy() == part["waiting_end"].iloc[:-1].to_numpy()
        ).all()
        assert part["waiting_start"].iloc[0] == 0  # default start: the first referral
    # waits are never negative, shares are shares
    for column in WAIT_COLUMNS[:4]:
        assert not (f[column] < 0).any(), column
    assert f["share_within_target"].dropna().between(0, 1).all()
    assert (f[COUNT_COLUMNS] >= 0).all().all()
    # rows in any order give the same result
    shuffled = refs.sample(frac=1.0, random_state=rnd.randint(0, 2**31))
    pd.testing.assert_frame_equal(weekly_flow(shuffled, freq, by=by, end=end, lang="en"), f)


@SETTINGS
@given(referral_tables(), st.sampled_from(["D", "W", "MS"]))
def test_a_unit_without_arrivals_drains(refs, freq):
    # Start counting after the last referral: no arrivals to stage 1 in any period,
    # so its queue can only shrink; if every referral leaves stage 1 by the end it empties.
    start = refs["received"].max() + pd.Timedelta(days=1)
    start = start + pd.Timedelta(days=(7 - start.day_of_week) % 7)  # a Monday, also a day
    start = start if freq != "MS" else start + pd.offsets.MonthBegin(0)
    leaves = refs["first_assessment"].fillna(refs["closed"])
    leaves = leaves.where(
        ~refs["decision"].isin(REMOVAL) | refs["first_assessment"].notna(),
        refs["decided"].fillna(refs["closed"]).fillna(refs["received"]),
    )
    end = max(leaves.max() if leaves.notna().any() else start, start) + pd.Timedelta(days=1)
    f = weekly_flow(refs, freq, start=start, end=end, lang="en")
    s1 = f[f["stage"] == "first_assessment"]
    assert (s1["arrivals"] == 0).all()
    assert (np.diff(s1["waiting_end"].to_numpy()) <= 0).all()
    assert s1["waiting_start"].iloc[0] >= s1["waiting_end"].iloc[-1]
    if leaves.notna().all():
        assert s1["waiting_end"].iloc[-1] == 0


def test_littles_law_on_generated_events():
    # Sample-path Little's law (Little 1961; Kim & Whitt 2013, eq. 1): if every
    # patient joins and leaves inside the window, sum over days of the number
    # waiting at the end of each day = sum over patients of (leave - join).
    rng = np.random.default_rng(7)
    n = 3000
    join = np.sort(rng.integers(0, 300, n))
    wait1 = rng.exponential(20.0, n).astype(int)
    wait2 = rng.exponential(35.0, n).astype(int)
    deep = rng.random(n) < 0.6
    d = lambda x: DAY0 + pd.to_timedelta(x, unit="D")  # noqa: E731
    refs = pd.DataFrame(
        {
            "referral_id": [f"R{i}" for i in range(n)],
            "received": d(join),
            "decision": "accepted",
            "first_assessment": d(join + wait1),
            "deep_decision": d(np.where(deep, join + wait1, np.nan)),
            "deep_start": d(np.where(deep, join + wait1 + wait2, np.nan)),
        }
    )
    end = refs[["first_assessment", "deep_start"]].max().max() + pd.Timedelta(days=1)
    f = weekly_flow(refs, "D", end=end, lang="en")
    for stage, waits in (("first_assessment", wait1), ("deep_start", wait2[deep])):
        s = f[f["stage"] == stage]
        queue_days = s["waiting_end"].sum()
        assert queue_days == waits.sum()
        assert (s["mean_wait_days"].fillna(0) * s["completions"]).sum() == pytest.approx(
            waits.sum()
        )
        assert s["waiting_end"].iloc[-1] == 0


# --------------------------------------------------------------------------- sample units


@pytest.mark.parametrize("entry", EVENT_UNITS, ids=lambda e: e["id"])
@pytest.mark.parametrize("freq", ["W", "MS"])
def test_waiting_end_agrees_with_queue_size(entry, freq):
    unit = sample(entry)
    refs = unit.referrals
    f = weekly_flow(unit, freq, lang="en")
    # stage 1 leaves: first assessment; else a removal decision's date; else closing
    removed = refs["decision"].isin(REMOVAL) & refs["first_assessment"].isna()
    leave1 = (
        refs["first_assessment"]
        .where(~removed, refs["decided"].fillna(refs["closed"]).fillna(refs["received"]))
        .fillna(refs["closed"])
    )
    leave2 = refs["deep_start"].fillna(refs["closed"])
    table = refs.assign(leave1=leave1, leave2=leave2)
    start, end = f.attrs["start"], f.attrs["end"]
    for stage, arrival, removal in (
        ("first_assessment", "received", "leave1"),
        ("deep_start", "deep_decision", "leave2"),
    ):
        q = queue_size(table, start, end, arrival=arrival, removal=removal)
        at = q.set_index("date")["queue_size"]
        s = f[f["stage"] == stage]
        assert s["waiting_end"].tolist() == at.loc[s["period_end"]].tolist()


@pytest.mark.parametrize("entry", EVENT_UNITS, ids=lambda e: e["id"])
def test_agrees_with_snapshot_and_stage_waits(entry):
    unit = sample(entry)
    f = weekly_flow(unit, lang="en")
    s = snapshot(unit)
    last = f[f["period"] == f["period"].max()].set_index("stage")
    assert last.loc["first_assessment", "waiting_end"] == s["waiting_first"]
    assert last.loc["deep_start", "waiting_end"] == s["waiting_deep"]
    s1 = f[f["stage"] == "first_assessment"]
    assert s1["completions"].sum() == s["completed_first"]
    assert s1["arrivals"].sum() == s["arrived"]
    # stage 1 waits less PVV, as stage_waits_days gives them
    waits = stage_waits_days(unit.referrals, "received", "first_assessment")
    assert (s1["mean_wait_days"].fillna(0) * s1["completions"]).sum() == pytest.approx(waits.sum())
    share = (s1["share_within_target"].fillna(0) * s1["completions"]).sum() / s1[
        "completions"
    ].sum()
    assert share == pytest.approx(s["share_within_first"])


@pytest.mark.parametrize("by", ["priority", "question", "sex", "age_band"])
def test_breakdowns_add_up_to_the_total(by):
    unit = sample(EVENT_UNITS[0])
    total = weekly_flow(unit, lang="en")
    parts = weekly_flow(unit, by=by, lang="en")
    assert list(parts.columns) == [*total.columns[:3], by, *total.columns[3:]]
    sums = parts.groupby(["period", "stage"], observed=True, sort=False)[COUNT_COLUMNS].sum()
    pd.testing.assert_frame_equal(sums.reset_index()[COUNT_COLUMNS], total[COUNT_COLUMNS])
    weighted = (
        (parts["mean_wait_days"].fillna(0) * parts["completions"])
        .groupby([parts["period"], parts["stage"]], observed=True, sort=False)
        .sum()
    )
    np.testing.assert_allclose(
        weighted.to_numpy(), (total["mean_wait_days"].fillna(0) * total["completions"]).to_numpy()
    )
    oldest = parts.groupby(["period", "stage"], observed=True, sort=False)[
        "oldest_waiting_days"
    ].max()
    np.testing.assert_array_equal(oldest.to_numpy(), total["oldest_waiting_days"].to_numpy())


# --------------------------------------------------------------------------- counts only


def test_counts_unit_reproduces_its_counts():
    unit = sample(COUNTS_UNIT)
    counts = unit.period_counts
    f = weekly_flow(unit, profile=COUNTS_UNIT["target_profile"], lang="en")
    assert f.attrs["kind"] == "counts" and f.attrs["wait_method"] == "littles_law"
    assert any("Little" in n for n in f.attrs["notes"])
    merged = f.merge(counts, on=["period", "stage"], how="inner", suffixes=("", "_given"))
    assert len(merged) == len(counts) == len(f)
    assert (merged["arrivals"] == merged["arrived"]).all()
    assert (merged["completions"] == merged["completed"]).all()
    assert (merged["removals"] == merged["removed"]).all()
    assert (merged["waiting_end"] == merged["waiting_end_given"]).all()
    # Little's law by hand on the first row: waiting 89 before and 90 after the week,
    # 20 completed and 1 removed in 7 days: ((89 + 90) / 2) * 7 / 21 = 29.8333 days
    first = merged.iloc[0]
    assert (first["waiting_start"], first["completions"], first["removals"]) == (89, 20, 1)
    assert first["mean_wait_days"] == pytest.approx((89 + 90) / 2 * 7 / 21)
    assert f["median_wait_days"].isna().all() and f["share_within_target"].isna().all()
    assert (f["target_days"] == 90).all()  # general_0_3_90_90


def test_counts_littles_law_steady_state():
    # Steady state: 20 waiting throughout, 10 arrive and 10 complete each week.
    # Little's law L = lambda * W: W = 20 / (10 / 7 per day) = 14 days.
    periods = pd.date_range("2024-01-01", periods=8, freq="7D")
    counts = pd.DataFrame(
        {
            "period": np.repeat(periods, 2),
            "stage": ["first_assessment", "deep_start"] * 8,
            "arrived": 10,
            "completed": 10,
            "removed": 0,
            "waiting_end": 20,
        }
    )
    f = weekly_flow(counts, lang="en")
    assert f["mean_wait_days"].tolist() == [14.0] * 16
    # months: January holds the weeks of Mondays 01-01, 08, 15, 22, 29 -> 50 arrivals;
    # the mean waiting is still 20 over 35 days with 50 leaving: 20 * 35 / 50 = 14
    m = weekly_flow(counts, "MS", lang="en")
    jan = m[(m["period"] == "2024-01-01") & (m["stage"] == "first_assessment")]
    assert (jan["arrivals"].item(), jan["waiting_end"].item()) == (50, 20)
    assert jan["mean_wait_days"].item() == 14.0
    with pytest.raises(ParameterError, match="freq"):
        weekly_flow(counts, "D", lang="en")
    with pytest.raises(ParameterError, match="by"):
        weekly_flow(counts, by="priority", lang="en")


def test_counts_missing_removals_come_from_the_balance():
    counts = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15"]),
            "stage": "first_assessment",
            "arrived": [5, 5, 5],
            "completed": [3, 3, 3],
            "waiting_end": [10, 9, 11],
        }
    )
    f = weekly_flow(counts, lang="en")
    s1 = f[f["stage"] == "first_assessment"]
    # 10 + 5 - 3 - 9 = 3 removed in week 2; 9 + 5 - 3 - 11 = 0 in week 3; week 1 taken as 0
    assert s1["removals"].tolist() == [0, 3, 0]
    # the deep stage has no rows: zeros, and a note
    s2 = f[f["stage"] == "deep_start"]
    assert (s2[COUNT_COLUMNS] == 0).all().all()
    assert any("no row" in n for n in f.attrs["notes"])


# --------------------------------------------------------------------------- bad input


def test_parameters_out_of_range_name_the_argument():
    unit = sample(EVENT_UNITS[0])
    with pytest.raises(ParameterError, match="freq"):
        weekly_flow(unit, "Q", lang="en")
    with pytest.raises(ParameterError, match="by"):
        weekly_flow(unit, by="colour", lang="en")
    with pytest.raises(ParameterError, match="profile"):
        weekly_flow(unit, profile=3, lang="en")
    with pytest.raises(ParameterError, match="target_profile"):
        weekly_flow(unit, profile="no_such_profile", lang="en")
    with pytest.raises(ParameterError, match="end"):
        weekly_flow(unit, start="2024-06-01", end="2024-01-01", lang="en")
    with pytest.raises(ParameterError, match="start"):
        weekly_flow(unit, start="not a date", lang="en")
    with pytest.raises(ParameterError, match="unit"):
        weekly_flow(42, lang="en")
    with pytest.raises(ParameterError, match="freq"):
        continuity(unit, "Y", lang="en")
    with pytest.raises(ParameterError, match="by"):
        weekly_flow(pd.DataFrame({"received": pd.to_datetime(["2024-01-01"])}), by="sex")


def test_swedish_is_the_default_language():
    with pytest.raises(ParameterError, match="välj ett av"):
        weekly_flow(sample(EVENT_UNITS[0]), "Q")


def test_a_completion_before_its_arrival_is_a_data_error():
    refs = pd.DataFrame(
        {
            "received": pd.to_datetime(["2024-01-10"]),
            "first_assessment": pd.to_datetime(["2024-01-05"]),
        }
    )
    with pytest.raises(DataError, match="first_assessment"):
        weekly_flow(refs, lang="en")


def test_no_completions_yet_gives_zeros_and_notes():
    refs = pd.DataFrame(
        {
            "received": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-20"]),
            "first_assessment": pd.NaT,
        }
    )
    f = weekly_flow(refs, end="2024-01-31", lang="en")
    assert (f[["completions", "removals"]] == 0).all().all()
    assert f[["mean_wait_days", "median_wait_days", "share_within_target"]].isna().all().all()
    notes = " ".join(f.attrs["notes"])
    assert "Nobody has completed the stage first assessment" in notes
    assert "Nobody has completed the stage in-depth" in notes
    s1 = f[f["stage"] == "first_assessment"]
    # oldest: R1 since 01-01 -> 6 days at 01-07, 13, 20, 27, and 30 at 01-31
    assert s1["oldest_waiting_days"].tolist() == [6, 13, 20, 27, 30]
    assert s1["waiting_end"].tolist() == [2, 2, 3, 3, 3]


def test_an_empty_table_gives_an_empty_result_with_a_note():
    refs = pd.DataFrame({"received": pd.Series([], dtype="datetime64[ns]")})
    f = weekly_flow(refs, lang="en")
    assert len(f) == 0 and "arrivals" in f.columns
    assert f.attrs["notes"] == ["No rows with dates: the table is empty."]
    # with an end date: one empty week, zeros
    g = weekly_flow(refs, end="2024-01-07", lang="en")
    assert g["arrivals"].tolist() == [0, 0] and g["waiting_end"].tolist() == [0, 0]


def test_start_counts_those_already_waiting():
    unit = sample(EVENT_UNITS[0])
    full = weekly_flow(unit, lang="en")
    late = weekly_flow(unit, start="2024-03-06", lang="en")  # a Wednesday -> its Monday
    assert late["period"].iloc[0] == pd.Timestamp("2024-03-04")
    tail = full[full["period"] >= "2024-03-04"].reset_index(drop=True)
    pd.testing.assert_frame_equal(late, tail, check_like=False)


# --------------------------------------------------------------------------- continuity


@st.composite
def visit_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    return pd.DataFrame(
        {
            "referral_id": draw(st.lists(st.sampled_from("ABCDE"), min_size=n, max_size=n)),
            "date": DAY0
            + pd.to_timedelta(draw(st.lists(st.integers(0, 70), min_size=n, max_size=n)), unit="D"),
            "staff_category": draw(
                st.lists(st.sampled_from(["physician", "nurse"]), min_size=n, max_size=n)
            ),
            "clinician_id": draw(
                st.lists(st.sampled_from(["K1", "K2", "K3", None]), min_size=n, max_size=n)
            ),
            "status": draw(
                st.lists(
                    st.sampled_from(["attended", "attended", "cancelled"]), min_size=n, max_size=n
                )
            ),
        }
    )


@SETTINGS
@given(visit_tables(), st.sampled_from(["W", "MS"]))
def test_continuity_is_breslau_and_reeb_upc(visits, freq):
    got = continuity(visits, freq, lang="en")
    # UPC (Breslau & Reeb 1975): per patient with >= 2 visits, the largest number of
    # visits with one clinician divided by all visits; mean over patients.
    v = visits[(visits["status"] == "attended") & visits["clinician_id"].notna()].copy()
    if v.empty:
        assert (got["visits"] == 0).all()
        return
    v["period"] = (
        v["date"].dt.to_period("W-SUN") if freq == "W" else v["date"].dt.to_period("M")
    ).dt.start_time
    for category, part in [*v.groupby("staff_category"), ("all", v)]:
        per_pair = part.groupby(["period", "referral_id", "clinician_id"]).size()
        per_patient = per_pair.groupby(level=[0, 1]).agg(["sum", "max"])
        many = per_patient[per_patient["sum"] >= 2]
        upc = (many["max"] / many["sum"]).groupby(level=0).mean()
        rows = got[got["staff_category"] == category].set_index("period")
        assert rows["visits"].sum() == len(part)
        for period, value in upc.items():
            assert rows.loc[period, "upc"] == pytest.approx(value)
            assert (
                rows.loc[period, "patients_upc"] == (many.index.get_level_values(0) == period).sum()
            )
        assert rows["upc"].dropna().between(0, 1).all()
    shuffled = visits.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(continuity(shuffled, freq, lang="en"), got)


def test_continuity_on_a_sample_unit():
    unit = sample(EVENT_UNITS[0])
    c = continuity(unit, lang="en")
    attended = unit.visits[unit.visits["status"] == "attended"]
    assert c[c["staff_category"] == "all"]["visits"].sum() == attended["clinician_id"].notna().sum()
    assert c["upc"].dropna().between(0, 1).all()
    no_clinician = unit.visits.drop(columns="clinician_id")
    d = continuity(no_clinician, lang="en")
    assert (d["visits"] == 0).all()
    assert d.attrs["notes"] == [
        "The visits have no clinician_id, so continuity cannot be computed."
    ]
