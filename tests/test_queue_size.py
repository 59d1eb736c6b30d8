"""Tests of toolkit.flow.queue_size and toolkit.flow.waiting_list_stats.

Expected values come from NHSRwaitinglist (its tests/testthat files, cited beside
each value, and hand traces of its R source in tests/nhsr_reference/README.md),
from a brute-force per-patient count, from Little's law on generated event data,
and from invariants checked with Hypothesis.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import DataError, ParameterError
from toolkit.flow import queue_size, waiting_list_stats

REF = Path(__file__).parent / "nhsr_reference"


def wl(referrals: list[str], removals: list[str | None]) -> pd.DataFrame:
    """A referrals table in the toolkit's column names."""
    return pd.DataFrame(
        {
            "received": pd.to_datetime(pd.Series(referrals)),
            "first_assessment": pd.to_datetime(pd.Series(removals, dtype=object)),
        }
    )


def example(name: str) -> pd.DataFrame:
    raw = pd.read_csv(REF / f"{name}.csv", dtype=str, keep_default_na=False)
    return wl(raw["referral"].tolist(), [x or None for x in raw["removal"]])


A_DATES = ["2024-01-01", "2024-01-04", "2024-01-10", "2024-01-16"]


# --- queue_size: NHSRwaitinglist tests/testthat/test-wl_queue_size.R -----------------


def test_queue_size_nhsr_basic() -> None:
    result = queue_size(wl(A_DATES, ["2024-01-08", None, None, None]), "2024-01-01", "2024-01-31")
    assert list(result.columns) == ["date", "queue_size"]
    assert len(result) == 31
    assert result.queue_size.iloc[0] == 1  # "On 2024-01-01, one patient"
    assert result.queue_size.iloc[3] == 2  # "On 2024-01-04, two patients"


def test_queue_size_default_dates_nhsr() -> None:
    # "uses min referral date for start_date if NULL" / "max referral date for end_date"
    data = wl(["2024-01-01", "2024-01-04"], ["2024-01-08", None])
    assert queue_size(data, end="2024-01-31").date.iloc[0] == pd.Timestamp("2024-01-01")
    assert queue_size(data, start="2024-01-01").date.iloc[-1] == pd.Timestamp("2024-01-04")


def test_queue_size_no_removals_nhsr() -> None:
    data = wl(["2024-01-01", "2024-01-04", "2024-01-10"], [None, None, None])
    result = queue_size(data, "2024-01-01", "2024-01-10")
    assert result.queue_size.tolist() == [1, 1, 1, 2, 2, 2, 2, 2, 2, 3]


def test_queue_size_removals_nhsr() -> None:
    data = wl(A_DATES, ["2024-01-08", "2024-01-15", None, None])
    result = queue_size(data, "2024-01-01", "2024-01-31")
    assert result.queue_size.iloc[6] == 2  # R's queue_size[7]
    assert result.queue_size.iloc[14] == 1  # R's queue_size[15]


def test_queue_size_example_a_hand_trace() -> None:
    # tests/nhsr_reference/README.md, example A
    result = queue_size(example("example_a"), "2024-01-01", "2024-01-16")
    assert result.queue_size.tolist() == [1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 2, 2, 2, 2, 3]
    assert result.date.dtype == "datetime64[ns]"


def test_queue_size_patients_gone_before_start() -> None:
    # tests/nhsr_reference/README.md, example D: wl_queue_size keeps a patient who
    # arrived and left before the start; the toolkit method does not.
    data = example("example_d")
    nhsr = queue_size(data, "2024-01-03", "2024-01-06", method="nhsr")
    assert nhsr.queue_size.tolist() == [1, 1, 2, 2]
    toolkit = queue_size(data, "2024-01-03", "2024-01-06")
    assert toolkit.queue_size.tolist() == [0, 0, 1, 1]


# --- queue_size: brute force, balance, order, extremes ------------------------------


def brute_force(data: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> list[int]:
    """The definition, one patient at a time: waiting at the end of day d."""
    out = []
    for day in pd.date_range(start, end, freq="D"):
        n = 0
        for a, r in zip(data["received"], data["first_assessment"], strict=True):
            if pd.notna(a) and a <= day and (pd.isna(r) or r > day):
                n += 1
        out.append(n)
    return out


@st.composite
def referral_tables(draw: st.DrawFn, max_rows: int = 25) -> pd.DataFrame:
    n = draw(st.integers(0, max_rows))
    arrivals = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    waits = draw(st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=n, max_size=n))
    base = pd.Timestamp("2024-03-01")
    received = [base + pd.Timedelta(days=a) for a in arrivals]
    removed = [
        None if w is None else base + pd.Timedelta(days=a + w)
        for a, w in zip(arrivals, waits, strict=True)
    ]
    return pd.DataFrame(
        {
            "received": pd.to_datetime(pd.Series(received, dtype="datetime64[ns]")),
            "first_assessment": pd.to_datetime(pd.Series(removed, dtype="datetime64[ns]")),
        }
    )


@settings(max_examples=60, deadline=None)
@given(data=referral_tables(), s=st.integers(-5, 70), length=st.integers(0, 40))
def test_queue_size_matches_brute_force(data: pd.DataFrame, s: int, length: int) -> None:
    start = pd.Timestamp("2024-03-01") + pd.Timedelta(days=s)
    end = start + pd.Timedelta(days=length)
    result = queue_size(data, start, end)
    assert result.queue_size.tolist() == brute_force(data, start, end)


@settings(max_examples=60, deadline=None)
@given(data=referral_tables(), seed=st.integers(0, 2**32 - 1))
def test_rows_in_any_order_give_same_results(data: pd.DataFrame, seed: int) -> None:
    shuffled = data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        queue_size(data, "2024-03-01", "2024-05-01"),
        queue_size(shuffled, "2024-03-01", "2024-05-01"),
    )
    if len(data):
        for method in ("toolkit", "nhsr"):
            a = waiting_list_stats(data, 4, method=method).to_frame()
            b = waiting_list_stats(shuffled, 4, method=method).to_frame()
            pd.testing.assert_frame_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(data=referral_tables())
def test_counts_balance(data: pd.DataFrame) -> None:
    # arrivals - removals on each day = change in the number waiting
    start, end = pd.Timestamp("2024-02-20"), pd.Timestamp("2024-05-15")
    q = queue_size(data, start, end).set_index("date").queue_size
    arrivals = data.received.value_counts().reindex(q.index, fill_value=0)
    removals = data.first_assessment.dropna().value_counts().reindex(q.index, fill_value=0)
    change = q.diff().iloc[1:]
    expected = (arrivals - removals).iloc[1:]
    assert (change.to_numpy() == expected.to_numpy()).all()


@settings(max_examples=60, deadline=None)
@given(data=referral_tables(), earlier=st.lists(st.integers(0, 40), min_size=25, max_size=25))
def test_more_capacity_never_lengthens_queue(data: pd.DataFrame, earlier: list[int]) -> None:
    # Seeing patients sooner (removal moved earlier, never before arrival) is more
    # capacity: the number waiting can only fall, on every day.
    faster = data.copy()
    wait = (data.first_assessment - data.received).dt.days
    shorter = np.maximum(wait.to_numpy(dtype=float) - np.asarray(earlier[: len(data)]), 0)
    faster["first_assessment"] = data.received + pd.to_timedelta(shorter, unit="D")
    before = queue_size(data, "2024-03-01", "2024-06-01").queue_size
    after = queue_size(faster, "2024-03-01", "2024-06-01").queue_size
    assert (after <= before).all()
    assert (before >= 0).all()


@settings(max_examples=60, deadline=None)
@given(data=referral_tables())
def test_waits_never_negative(data: pd.DataFrame) -> None:
    if len(data):
        s = waiting_list_stats(data, 4)
        assert s.mean_wait_days >= 0
        assert s.pressure >= 0
        assert s.queue_size >= 0
        assert not math.isnan(s.load)


def test_zero_arrivals_drains() -> None:
    # Everyone arrived in January and all are seen by 20 February; no arrivals after:
    # the queue reaches 0 and stays there.
    data = wl(
        ["2024-01-02", "2024-01-10", "2024-01-30"], ["2024-02-01", "2024-02-20", "2024-02-10"]
    )
    q = queue_size(data, "2024-01-01", "2024-03-31").set_index("date").queue_size
    assert (q.loc["2024-02-20":] == 0).all()
    assert q.loc["2024-02-19"] == 1


def test_littles_law_on_generated_events() -> None:
    # Little's law, discrete form: each patient is counted on exactly (removal - arrival)
    # days, so sum_d Q(d) = sum_i W_i when all events fall inside the window; and the
    # time-average queue = arrival rate x mean wait.
    rng = np.random.default_rng(20240601)
    n = 20_000
    arrival_day = np.sort(rng.integers(0, 3650, n))
    wait_days = rng.geometric(1 / 45, n) - 1
    base = np.datetime64("2015-01-01")
    data = pd.DataFrame(
        {
            "received": (base + arrival_day).astype("datetime64[ns]"),
            "first_assessment": (base + arrival_day + wait_days).astype("datetime64[ns]"),
        }
    )
    end = pd.Timestamp(base + arrival_day.max() + wait_days.max())
    q = queue_size(data, pd.Timestamp(base), end).queue_size
    assert int(q.sum()) == int(wait_days.sum())
    days = len(q)
    assert q.mean() == pytest.approx(n / days * wait_days.mean(), rel=1e-12)


def test_empty_table_and_no_rows_notes() -> None:
    empty = wl([], [])
    r = queue_size(empty, lang="en")
    assert len(r) == 0
    assert list(r.columns) == ["date", "queue_size"]
    assert r.attrs["notes"] == ["The table has no rows with an arrival date: the queue is empty."]
    r = queue_size(empty, "2024-01-01", "2024-01-05")
    assert r.queue_size.tolist() == [0] * 5


def test_missing_arrival_rows_are_noted() -> None:
    data = wl(["2024-01-01", None, "2024-01-03"], [None, None, "2024-01-03"])  # type: ignore[list-item]
    r = queue_size(data, lang="en")
    assert r.queue_size.tolist() == [1, 1, 1]
    assert r.attrs["notes"] == ["1 row is not counted: no received."]


def test_other_date_columns() -> None:
    data = pd.DataFrame(
        {
            "deep_decision": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "deep_start": pd.to_datetime(["2024-01-02", None]),
        }
    )
    r = queue_size(data, arrival="deep_decision", removal="deep_start")
    assert r.queue_size.tolist() == [1, 1]


# --- bad input ---------------------------------------------------------------------


def test_bad_input_errors() -> None:
    data = wl(A_DATES, ["2024-01-08", None, None, None])
    with pytest.raises(ParameterError, match="removal = 'closed'"):
        queue_size(data, removal="closed", lang="en")
    with pytest.raises(ParameterError, match="end = 2023-12-01 is before start"):
        queue_size(data, "2024-01-01", "2023-12-01", lang="en")
    with pytest.raises(ParameterError, match="start = 'yesterday' is not a date"):
        queue_size(data, "yesterday", lang="en")
    with pytest.raises(ParameterError, match="referrals"):
        queue_size([1, 2], lang="en")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="method"):
        queue_size(data, method="excel")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="target_wait_weeks = 0"):
        waiting_list_stats(data, 0, lang="en")
    with pytest.raises(ParameterError, match="target_wait_days = -3"):
        waiting_list_stats(data, target_wait_days=-3, lang="en")
    with pytest.raises(ParameterError, match="either target_wait_weeks or target_wait_days"):
        waiting_list_stats(data, 4, target_wait_days=30, lang="en")


def test_removal_before_arrival_is_data_error() -> None:
    data = wl(["2024-01-05", "2024-01-06"], ["2024-01-01", None])
    with pytest.raises(DataError) as err:
        queue_size(data, lang="en")
    assert "1 row has first_assessment before received" in str(err.value)
    assert "Fix:" in str(err.value)
    assert "Åtgärd:" in err.value.message("sv")


# --- waiting_list_stats: NHSRwaitinglist -----------------------------------------------


def test_stats_example_a_nhsr() -> None:
    # Hand trace of wl_stats(example A, target_wait = 4, 2024-01-01, 2024-01-16):
    # tests/nhsr_reference/README.md
    s = waiting_list_stats(example("example_a"), 4, "2024-01-01", "2024-01-16", method="nhsr")
    assert s.demand_per_week == pytest.approx(7 / 3)
    assert s.cv_arrival == pytest.approx(1.0)
    assert s.count_demand == 5
    assert s.capacity_per_week == pytest.approx(1.0)
    assert s.cv_removal == 0.0
    assert s.load == pytest.approx(7 / 3)
    assert s.load_too_big
    assert s.queue_size == 3
    assert s.target_queue_size == pytest.approx(7 / 3)
    assert not s.queue_too_big
    assert s.mean_wait_days == pytest.approx(6.0)
    assert s.target_capacity_per_week == pytest.approx(7 / 3 + 0.5)
    assert math.isnan(s.relief_capacity_per_week)
    assert s.pressure == pytest.approx(3.0)  # 2 * 6 days / 4 weeks, as wl_stats computes it


def test_stats_example_b_nhsr() -> None:
    # tests/testthat/test_wl_stats.R test 5: mean_wait == 3; the rest by hand trace
    s = waiting_list_stats(example("example_b"), 4, "2024-01-01", "2024-01-10", method="nhsr")
    assert s.mean_wait_days == 3
    assert s.demand_per_week == pytest.approx(7 / 2.25)
    assert s.cv_arrival**2 == pytest.approx(44 / 27)
    assert s.capacity_per_week == pytest.approx(1.4)
    assert s.cv_removal**2 == pytest.approx(8 / 25)
    assert s.count_removals == 2
    assert s.queue_size == 2
    assert s.load == pytest.approx((7 / 2.25) / 1.4)
    assert s.target_capacity_per_week == pytest.approx(28 / 9 + (44 / 27 + 8 / 25) / 2)
    assert s.pressure == pytest.approx(1.5)


def test_stats_removal_stats_nhsr() -> None:
    # tests/testthat/test-wl_removal_stats.R: capacity.daily 1/7, capacity.weekly 1,
    # from a removal (2024-01-08) after the default end (2024-01-04)
    s = waiting_list_stats(wl(["2024-01-01", "2024-01-04"], ["2024-01-08", None]), method="nhsr")
    assert s.capacity_per_week == pytest.approx(1.0)
    assert s.count_removals == 1
    # no removals: removal.count 0, capacity NaN
    s = waiting_list_stats(
        wl(["2024-01-01", "2024-01-04", "2024-01-10"], [None] * 3), method="nhsr"
    )
    assert s.count_removals == 0
    assert math.isnan(s.capacity_per_week)


def test_stats_example_c_empty_queue_days() -> None:
    # tests/nhsr_reference/README.md, example C
    data = example("example_c")
    s = waiting_list_stats(data, 4, method="nhsr")
    assert s.capacity_per_week == math.inf
    assert math.isnan(s.cv_removal)
    assert s.load == 0
    assert s.demand_per_week == pytest.approx(7 / 2.75)
    t = waiting_list_stats(data, 4)
    assert t.capacity_per_week == pytest.approx(7 / 3)
    assert t.cv_removal == pytest.approx(math.sqrt(2) / 3)
    assert t.demand_per_week == pytest.approx(1.75)
    assert t.cv_arrival == pytest.approx(math.sqrt(0.5) / 5.5)
    assert t.load == pytest.approx(0.75)
    assert t.target_capacity_per_week == pytest.approx(1.75 + 1 / 121 + 1 / 9)


# --- waiting_list_stats: toolkit method --------------------------------------------------


def test_stats_example_a_toolkit() -> None:
    # Example A by the toolkit's definitions (docs/waitlist_differences.md):
    # 4 arrivals in 16 days; arrival gaps 3, 6, 6; one removal 7 days after the start.
    s = waiting_list_stats(example("example_a"), 4, "2024-01-01", "2024-01-16", lang="en")
    assert s.demand_per_week == pytest.approx(7 * 4 / 16)
    assert s.cv_arrival == pytest.approx(math.sqrt(3) / 5)
    assert s.capacity_per_week == pytest.approx(1.0)
    assert s.cv_removal == 1.0  # one gap: random assumed, and noted
    assert any("Too few removals (1)" in n for n in s.notes)
    assert s.mean_wait_weeks == pytest.approx(6 / 7)
    assert s.pressure == pytest.approx(2 * (6 / 7) / 4)
    assert s.count_demand == 4


def test_stats_target_in_days() -> None:
    data = example("example_a")
    a = waiting_list_stats(data, target_wait_days=28)
    b = waiting_list_stats(data, target_wait_weeks=4)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_stats_relief_when_queue_too_big() -> None:
    # 20 arrivals in the first 10 days, nobody seen until day 30, then one a day
    arrivals = [f"2024-01-{1 + i // 2:02d}" for i in range(20)]
    removals = [None] * 10 + [f"2024-01-{21 + i:02d}" for i in range(10)]
    s = waiting_list_stats(wl(arrivals, removals), 1, end="2024-01-31", lang="en")
    # demand 20 in 31 days; queue on 31 Jan: 20 - 10 = 10; target 20*7/31 * 1 / 4
    demand = 20 * 7 / 31
    assert s.demand_per_week == pytest.approx(demand)
    assert s.queue_size == 10
    assert s.target_queue_size == pytest.approx(demand / 4)
    assert s.queue_too_big
    assert s.relief_capacity_per_week == pytest.approx(demand + (10 - demand / 4) / 26)
    assert math.isnan(s.target_capacity_per_week)


def test_stats_no_completions_yet() -> None:
    data = wl(["2024-01-01", "2024-01-03", "2024-01-09"], [None, None, None])
    s = waiting_list_stats(data, 4, lang="en")
    assert s.capacity_per_week == 0
    assert s.count_removals == 0
    assert s.load == math.inf
    assert s.load_too_big
    assert "No removals from the queue in the period yet: capacity is 0." in s.notes
    assert any("infinite" in n for n in s.notes)


def test_stats_empty_period() -> None:
    data = wl(["2024-01-01"], ["2024-01-02"])
    s = waiting_list_stats(data, 4, "2024-03-01", "2024-03-31", lang="en")
    assert s.demand_per_week == 0
    assert s.capacity_per_week == 0
    assert s.load == 0
    assert s.queue_size == 0
    assert s.mean_wait_days == 0
    assert s.pressure == 0
    assert "No arrivals in the period: demand is 0." in s.notes
    assert "Nobody is waiting at the end of the period: the mean wait is 0." in s.notes
    s = waiting_list_stats(wl([], []), 4, lang="sv")
    assert s.queue_size == 0
    assert s.days_in_period == 0
    assert "Tabellen har inga rader med ankomstdatum: kön är tom." in s.notes


def test_stats_to_frame() -> None:
    s = waiting_list_stats(example("example_a"), 4, lang="en")
    frame = s.to_frame()
    assert frame.shape == (1, 21)
    assert {
        "demand_per_week",
        "capacity_per_week",
        "load",
        "queue_size",
        "target_queue_size",
        "mean_wait_weeks",
        "cv_arrival",
        "cv_removal",
        "target_capacity_per_week",
        "relief_capacity_per_week",
        "pressure",
    } <= set(frame.columns)
    assert frame.attrs["notes"] == list(s.notes)
    sv = s.to_frame(labels=True, lang="sv")
    assert "efterfrågan per vecka" in sv.columns
    assert sv["efterfrågan per vecka"].item() == s.demand_per_week


def test_demand_one_a_day() -> None:
    # One arrival a day for 10 days is 7 a week (definition). wl_referral_stats adds
    # start and end to the arrival dates: 11 gaps summing to 9 days, 11/9 a day
    # (docs/waitlist_differences.md; R/wl_referral_stats.R).
    dates = [f"2024-01-{d:02d}" for d in range(1, 11)]
    data = wl(dates, [None] * 10)
    assert waiting_list_stats(data, 4).demand_per_week == pytest.approx(7.0)
    assert waiting_list_stats(data, 4).cv_arrival == 0.0
    assert waiting_list_stats(data, 4, method="nhsr").demand_per_week == pytest.approx(7 * 11 / 9)
