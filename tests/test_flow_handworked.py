"""A tiny unit worked by hand: every expected number is derived in a comment.

The unit is tests/handworked_unit/ (12 referrals, 13 visits, January 2024,
extract date 2024-01-28, a Sunday). Weeks start on Monday:

    W1 = 2024-01-01 .. 01-07    W2 = 01-08 .. 01-14
    W3 = 2024-01-15 .. 01-21    W4 = 01-22 .. 01-28

The referrals, and what each does in the two stages
(stage 1 = received -> first assessment, stage 2 = deep decision -> deep start):

    R01 rec 01-01, FA 01-10 (wait 9);  deep 01-10 -> start 01-24 (wait 14)
    R02 rec 01-02, FA 01-17 (wait 15); deep 01-19, not started (waiting at end)
    R03 rec 01-03, rejected, decided 01-05 -> removed from stage 1 on 01-05
    R04 rec 01-04, FA 01-12 (wait 8);  no deep stage
    R05 rec 01-09, FA 01-23, PVV 5 (wait 14 - 5 = 9); deep 01-23, closed 01-26
        without a start -> removed from stage 2 on 01-26; PVV all charged to
        stage 1 (5 <= 14), none to stage 2
    R06 rec 01-10, redirected, no decision date, closed 01-15 -> removed 01-15
    R07 rec 01-11, FA 01-15 (wait 4);  deep 01-16 -> start 01-22 (wait 6)
    R08 rec 01-16, nothing yet -> waiting at the end
    R09 rec 01-17, accepted, closed 01-25 without a first assessment -> removed 01-25
    R10 rec 01-22, closed_no_visit with neither date -> removed on its arrival day
    R11 rec 01-23, FA 01-26, PVV 5 (wait max(0, 3 - 5) = 0); deep 01-26, not
        started; PVV left for stage 2: 5 - 3 = 2 days
    R12 rec 01-02, PVV 10, not seen -> waiting at the end; no sex, no age

Targets: the profile bup_30_30 with the unit's overrides 10 days (stage 1) and
7 days (stage 2), so that the shares within target are not all 1.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.flow import continuity, snapshot, weekly_flow
from toolkit.io import load_unit
from toolkit.targets import load_profile

HERE = Path(__file__).parent / "handworked_unit"
NAN = math.nan


@pytest.fixture(scope="module")
def unit():
    return load_unit(HERE, extract_date="2024-01-28", lang="en")


@pytest.fixture(scope="module")
def profile():
    return load_profile("bup_30_30").with_overrides(
        first_assessment={"target_days": 10}, deep_start={"target_days": 7}
    )


def stage(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["stage"] == name].reset_index(drop=True)


def assert_column(frame: pd.DataFrame, column: str, expected: list[float]) -> None:
    np.testing.assert_allclose(frame[column].to_numpy(dtype=float), expected, equal_nan=True)


def test_week_labels(unit, profile):
    f = weekly_flow(unit, profile=profile, lang="en")
    s1 = stage(f, "first_assessment")
    # four Mondays: the first referral (01-01) is a Monday; the extract date 01-28 is a Sunday
    assert s1["period"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22",
    ]  # fmt: skip
    assert s1["period_end"].dt.strftime("%m-%d").tolist() == ["01-07", "01-14", "01-21", "01-28"]


def test_first_stage_counts(unit, profile):
    s1 = stage(weekly_flow(unit, profile=profile, lang="en"), "first_assessment")
    # arrivals (received): W1 R01 R02 R12 R03 R04 = 5; W2 R05 R06 R07 = 3;
    #                      W3 R08 R09 = 2; W4 R10 R11 = 2
    assert_column(s1, "arrivals", [5, 3, 2, 2])
    # completions (first assessment): W2 R01 (01-10) R04 (01-12); W3 R07 (01-15) R02 (01-17);
    #                                 W4 R05 (01-23) R11 (01-26)
    assert_column(s1, "completions", [0, 2, 2, 2])
    # removals: W1 R03 (decided 01-05); W3 R06 (closed 01-15);
    #           W4 R10 (undated, on arrival 01-22) and R09 (closed 01-25)
    assert_column(s1, "removals", [1, 0, 1, 2])
    # waiting at the end: W1 0+5-0-1 = 4; W2 4+3-2-0 = 5; W3 5+2-2-1 = 4; W4 4+2-2-2 = 2
    # (the last two are R08 and R12, never seen)
    assert_column(s1, "waiting_end", [4, 5, 4, 2])
    assert_column(s1, "waiting_start", [0, 4, 5, 4])


def test_first_stage_waits(unit, profile):
    s1 = stage(weekly_flow(unit, profile=profile, lang="en"), "first_assessment")
    # W1 nobody completed -> NaN.  W2 waits 9 (R01), 8 (R04): mean 8.5, median 8.5,
    # p90 (linear between order statistics, h = (2-1)*0.9) = 8 + 0.9*(9-8) = 8.9.
    # W3 waits 4 (R07), 15 (R02): mean 9.5, median 9.5, p90 = 4 + 0.9*11 = 13.9.
    # W4 waits 9 (R05: 14 - PVV 5), 0 (R11: 3 - PVV 5, never below 0): mean 4.5,
    # median 4.5, p90 = 0 + 0.9*9 = 8.1
    assert_column(s1, "mean_wait_days", [NAN, 8.5, 9.5, 4.5])
    assert_column(s1, "median_wait_days", [NAN, 8.5, 9.5, 4.5])
    assert_column(s1, "p90_wait_days", [NAN, 8.9, 13.9, 8.1])
    # within 10 days: W2 9 and 8 -> 2/2; W3 4 yes, 15 no -> 1/2; W4 9 and 0 -> 2/2
    assert_column(s1, "share_within_target", [NAN, 1.0, 0.5, 1.0])
    assert_column(s1, "target_days", [10, 10, 10, 10])


def test_first_stage_oldest_waiting(unit, profile):
    s1 = stage(weekly_flow(unit, profile=profile, lang="en"), "first_assessment")
    # end of W1 (01-07): waiting R01 (since 01-01: 6), R02 (01-02: 5), R04 (01-04: 3),
    #   R12 (01-02 but PVV 10: 5 - 10 -> 0)                                   -> 6
    # end of W2 (01-14): R02 12, R12 12 - 10 = 2, R05 5 - 5 = 0, R06 4, R07 3 -> 12
    # end of W3 (01-21): R12 19 - 10 = 9, R05 12 - 5 = 7, R08 5, R09 4        -> 9
    # end of W4 (01-28): R12 26 - 10 = 16, R08 12                             -> 16
    assert_column(s1, "oldest_waiting_days", [6, 12, 9, 16])


def test_second_stage(unit, profile):
    s2 = stage(weekly_flow(unit, profile=profile, lang="en"), "deep_start")
    # joins (deep decision): W2 R01 (01-10); W3 R07 (01-16), R02 (01-19);
    #                        W4 R05 (01-23), R11 (01-26)
    assert_column(s2, "arrivals", [0, 1, 2, 2])
    # completions (deep start): W4 R07 (01-22), R01 (01-24)
    assert_column(s2, "completions", [0, 0, 0, 2])
    # removals: W4 R05, closed 01-26 without a start
    assert_column(s2, "removals", [0, 0, 0, 1])
    # waiting: W1 0; W2 1 (R01); W3 3 (R01 R07 R02); W4 3+2-2-1 = 2 (R02 R11)
    assert_column(s2, "waiting_end", [0, 1, 3, 2])
    # W4 waits: R07 01-16 -> 01-22 = 6, R01 01-10 -> 01-24 = 14: mean 10, median 10,
    # p90 = 6 + 0.9*8 = 13.2, within 7 days 1 of 2 = 0.5
    assert_column(s2, "mean_wait_days", [NAN, NAN, NAN, 10.0])
    assert_column(s2, "median_wait_days", [NAN, NAN, NAN, 10.0])
    assert_column(s2, "p90_wait_days", [NAN, NAN, NAN, 13.2])
    assert_column(s2, "share_within_target", [NAN, NAN, NAN, 0.5])
    # oldest: W1 nobody -> NaN; W2 (01-14) R01 since 01-10 = 4;
    # W3 (01-21) R01 11, R07 5, R02 2 -> 11; W4 (01-28) R02 9, R11 2 - 2 (PVV left) = 0 -> 9
    assert_column(s2, "oldest_waiting_days", [NAN, 4, 11, 9])
    assert_column(s2, "target_days", [7, 7, 7, 7])


def test_month(unit, profile):
    f = weekly_flow(unit, "MS", profile=profile, lang="en")
    s1 = stage(f, "first_assessment")
    # one period, January, counted up to 01-28: the week totals 12 / 6 / 4, waiting 2
    assert_column(s1, "arrivals", [12])
    assert_column(s1, "completions", [6])
    assert_column(s1, "removals", [4])
    assert_column(s1, "waiting_end", [2])
    # waits 9, 8, 4, 15, 9, 0: mean 45/6 = 7.5; sorted 0 4 8 9 9 15: median (8+9)/2 = 8.5;
    # p90: h = 5*0.9 = 4.5 -> 9 + 0.5*(15-9) = 12; within 10: five of six
    assert_column(s1, "mean_wait_days", [7.5])
    assert_column(s1, "median_wait_days", [8.5])
    assert_column(s1, "p90_wait_days", [12.0])
    assert_column(s1, "share_within_target", [5 / 6])
    assert_column(s1, "oldest_waiting_days", [16])  # as at the end of W4
    assert s1["period_end"].iloc[0] == pd.Timestamp("2024-01-28")  # cut at the extract date
    assert any("2024-01-28" in n for n in f.attrs["notes"])


def test_days(unit, profile):
    s1 = stage(weekly_flow(unit, "D", profile=profile, lang="en"), "first_assessment")
    assert len(s1) == 28  # 01-01 .. 01-28
    # waiting at the end of 01-01..01-05: R01; +R02 +R12; +R03; +R04; -R03 (decided 01-05)
    assert_column(s1.iloc[:5], "waiting_end", [1, 3, 4, 5, 4])
    # 01-22: R10 arrives and is removed the same day (undated removal) -> arrivals 1, removals 1
    day = s1[s1["period"] == "2024-01-22"]
    assert (day["arrivals"].item(), day["removals"].item()) == (1, 1)


def test_defaults_to_the_30_day_profile(unit):
    s1 = stage(weekly_flow(unit, lang="en"), "first_assessment")
    # bup_30_30: every stage-1 wait (at most 15 days) is within 30
    assert_column(s1, "share_within_target", [NAN, 1.0, 1.0, 1.0])
    assert_column(s1, "target_days", [30, 30, 30, 30])
    general = stage(weekly_flow(unit, profile="general_0_3_90_90", lang="en"), "deep_start")
    assert_column(general, "target_days", [90, 90, 90, 90])


def test_by_priority(unit, profile):
    f = weekly_flow(unit, profile=profile, by="priority", lang="en")
    s1 = f[f["stage"] == "first_assessment"]
    high = s1[s1["priority"] == "high"].reset_index(drop=True)
    # high: R02 (rec 01-02, FA 01-17), R05 (rec 01-09, FA 01-23), R11 (rec 01-23, FA 01-26)
    assert_column(high, "arrivals", [1, 1, 0, 1])
    assert_column(high, "completions", [0, 0, 1, 2])
    # waiting: W1 R02; W2 R02 R05; W3 R05; W4 none
    assert_column(high, "waiting_end", [1, 2, 1, 0])
    # W3 wait of R02 = 15; W4 waits 9 and 0 -> mean 4.5
    assert_column(high, "mean_wait_days", [NAN, NAN, 15, 4.5])
    # oldest: W1 R02 5; W2 R02 12 (R05 5 - 5 = 0); W3 R05 12 - 5 = 7; W4 nobody
    assert_column(high, "oldest_waiting_days", [5, 12, 7, NAN])
    urgent = s1[s1["priority"] == "urgent"]
    # urgent: only R07 (rec 01-11, FA 01-15)
    assert_column(urgent, "arrivals", [0, 1, 0, 0])
    assert_column(urgent, "completions", [0, 0, 1, 0])
    assert list(f["priority"].cat.categories) == ["urgent", "high", "routine"]


def test_by_sex_has_an_unknown_group(unit, profile):
    f = weekly_flow(unit, profile=profile, by="sex", lang="en")
    s1 = f[f["stage"] == "first_assessment"]
    unknown = s1[s1["sex"] == "unknown"]
    # only R12 (no sex): arrives W1, waits to the end; oldest 0, 2, 9, 16 as above
    assert_column(unknown, "arrivals", [1, 0, 0, 0])
    assert_column(unknown, "waiting_end", [1, 1, 1, 1])
    assert_column(unknown, "oldest_waiting_days", [0, 2, 9, 16])


def test_by_age_band(unit, profile):
    f = weekly_flow(unit, profile=profile, by="age_band", lang="en")
    s1 = f[f["stage"] == "first_assessment"]
    total = s1.groupby("age_band", observed=False)["arrivals"].sum()
    # 0-5: R04 (4); 6-12: R01 (8) R03 (10) R06 (12) R07 (6) R08 (9);
    # 13-17: R02 (14) R05 (16) R09 (13) R10 (17) R11 (15); 18+: none; unknown: R12
    assert total.to_dict() == {"0-5": 1, "6-12": 5, "13-17": 5, "18+": 0, "unknown": 1}


def test_snapshot_of_the_unit(unit):
    s = snapshot(unit)
    # waiting at the end: stage 1 R08 R12; stage 2 R02 R11 (R05 was closed)
    assert (s["waiting_first"], s["waiting_deep"]) == (2, 2)
    # first assessments 6; their waits 0 4 8 9 9 15 -> median 8.5
    assert (s["completed_first"], s["median_wait_first_days"]) == (6, 8.5)


def test_continuity(unit):
    c = continuity(unit, lang="en").set_index("staff_category")
    # attended visits with a clinician (V07 did not attend, V12 cancelled, V10 has no clinician):
    # psychologist: R01 V01 K1, V02 K1, V03 K2; R07 V06 K2; R05 V11 K1
    #   -> 3 patients, 5 visits; only R01 has >= 2 visits: UPC 2/3
    assert c.loc["psychologist", ["patients", "visits", "patients_upc"]].tolist() == [3, 5, 1]
    assert c.loc["psychologist", "upc"] == pytest.approx(2 / 3)
    # physician: R02 V04 K3, V05 K3; R07 V08 K3 -> 2 patients, 3 visits; R02 UPC 2/2 = 1
    assert c.loc["physician", ["patients", "visits", "patients_upc"]].tolist() == [2, 3, 1]
    assert c.loc["physician", "upc"] == 1.0
    # nurse: R04 V09, R11 V13 -> 2 patients, 2 visits, nobody with 2 visits -> NaN
    assert c.loc["nurse", ["patients", "visits", "patients_upc"]].tolist() == [2, 2, 0]
    assert math.isnan(c.loc["nurse", "upc"])
    # all categories: R01 2/3 (K1 K1 K2), R02 1 (K3 K3), R07 1/2 (K2 K3); R04 R05 R11 one visit
    # -> 6 patients, 10 visits, UPC (2/3 + 1 + 1/2) / 3 = 13/18
    assert c.loc["all", ["patients", "visits", "patients_upc"]].tolist() == [6, 10, 3]
    assert c.loc["all", "upc"] == pytest.approx(13 / 18)
    assert c.attrs["notes"] == ["1 attended visit without clinician_id not counted."]


def test_continuity_weekly(unit):
    c = continuity(unit, "W", lang="en")
    week4 = c[(c["period"] == "2024-01-22") & (c["staff_category"] == "all")]
    # W4 (01-22..01-28): R01 V02 K1, V03 K2 -> 1/2; R02 V05 -> one visit; R07 V08 -> one;
    # R05 V11 -> one; R11 V13 -> one. 5 patients, 6 visits, UPC 1/2 from R01 alone
    assert week4[["patients", "visits", "patients_upc"]].to_numpy().tolist() == [[5, 6, 1]]
    assert week4["upc"].item() == 0.5
