"""toolkit.plan_followup: planned against delivered, checked with counts made by hand.

Hand-worked: two weeks from Monday 2025-09-01, 10 referrals a week, every
referral a first assessment and half go on to stage 2 (5 starts), 1 follow-up
per course, no no-shows, one slot per visit, no buffer, no summer leave.
Planned slots: stage 1 10 a week; stage 2 5 × (1 + 1) = 10 a week.
Delivered: week 1 8 first assessments and 6 stage 2 visits; week 2 10 and
10 (and 3 cancelled visits that do not count). Gaps: stage 1 −2, 0; stage 2
−4, 0 slots. In patients: stage 1 −2 (÷ 1 slot a patient), stage 2 −2
(÷ 2 slots a patient). Little's law with λ = 10 (stage 1) and 5 (stage 2)
patients a week: the wait grows by 2/10 = 0.2 and 2/5 = 0.4 weeks.
"""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit import plan_followup as pf
from toolkit import production_plan as pp
from toolkit.errors import ParameterError
from toolkit.io import load_unit
from toolkit.spc import spc

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def _plan() -> pp.Plan:
    inputs = pp.PlanInputs(
        first_share=1.0, deep_share=0.5, in_depth_share=0.0, follow_up_visits_per_course=1.0,
        visit_cost=1.0, dna_rate=0.0, share_group=0.0, group_size=6.0,
        target_wait_weeks={"first_assessment": 4.0, "deep_start": 4.0},
        share_within={"first_assessment": 0.9, "deep_start": 0.8},
    )  # fmt: skip
    slots = pd.DataFrame(
        {"staff_category": ["nurse", "psychologist"], "fte": [1.0, 1.0],
         "first_slots_per_week": [12.0, 0.0], "deep_slots_per_week": [0.0, 12.0],
         "first_hours_per_week": [12.0, 0.0], "deep_hours_per_week": [0.0, 12.0]}
    )  # fmt: skip
    weeks = pd.DataFrame(
        {
            "week_start": pd.date_range("2025-09-01", periods=2, freq="W-MON"),
            "forecast": [10.0, 10.0],
        }
    )
    return pp.production_plan(weeks, slots, inputs, buffer_rule="none", summer_leave_weeks=0)


def _visits() -> pd.DataFrame:
    rows = (
        [("2025-09-02", "first_assessment", "nurse", "attended")] * 8
        + [("2025-09-03", "treatment", "psychologist", "attended")] * 5
        + [("2025-09-04", "follow_up", "psychologist", "did_not_attend")]
        + [("2025-09-09", "first_assessment", "nurse", "attended")] * 10
        + [("2025-09-10", "assessment", "psychologist", "attended")] * 10
        + [("2025-09-11", "treatment", "psychologist", "cancelled")] * 3
    )
    return pd.DataFrame(rows, columns=["date", "visit_type", "staff_category", "status"]).assign(
        date=lambda d: pd.to_datetime(d["date"])
    )


def test_hand_worked_gaps_and_waits() -> None:
    f = pf.follow_up(_plan(), _visits(), lang="en")
    w = f.weekly.set_index(["stage", "week_start"])
    first, deep = w.loc["first_assessment"], w.loc["deep_start"]
    assert first["planned_slots"].tolist() == pytest.approx([10.0, 10.0])
    assert deep["planned_slots"].tolist() == pytest.approx([10.0, 10.0])
    assert first["gap_slots"].tolist() == pytest.approx([-2.0, 0.0])
    assert deep["gap_slots"].tolist() == pytest.approx([-4.0, 0.0])
    assert deep["gap_patients"].tolist() == pytest.approx([-2.0, 0.0])
    assert first["wait_change_weeks"].tolist() == pytest.approx([0.2, 0.2])
    assert deep["wait_change_weeks"].tolist() == pytest.approx([0.4, 0.4])
    cat = f.by_category
    psych = cat[(cat["stage"] == "deep_start") & (cat["staff_category"] == "psychologist")]
    assert psych["delivered_slots"].tolist() == [6.0, 10.0]
    kinds = f.by_kind[f.by_kind["visit_type"] == "treatment"]["booked"].tolist()
    assert kinds == [5.0, 0.0]  # cancelled visits are not booked slots
    assert f.messages[0] == (
        "First assessment: 2 weeks, 20 slots planned, 18 booked (-2, -10 %); "
        "the wait is estimated to have changed by +0.2 weeks from the difference."
    )
    expected = spc(f.weekly, value="gap_slots", date="week_start", group="stage", chart="xmr")
    pd.testing.assert_frame_equal(f.spc, expected)


def test_unit_follow_up_counts_the_visits() -> None:
    unit = load_unit(ROOT / "sample_data" / "balans", extract_date="2024-12-29")
    plan, f = pf.unit_follow_up(unit, weeks=13, history_start="2023-01-02")
    assert len(plan.weeks) == 13
    start = plan.weeks["week_start"].min()
    end = plan.weeks["week_start"].max() + pd.Timedelta(days=6)
    v = unit.visits
    in_weeks = v[(v["date"] >= start) & (v["date"] <= end + pd.Timedelta(hours=23, minutes=59))]
    booked = in_weeks[in_weeks["status"].astype(str) != "cancelled"]
    first = int((booked["visit_type"].astype(str) == "first_assessment").sum())
    got = f.weekly[f.weekly["stage"] == "first_assessment"]["delivered_slots"].sum()
    assert got == first
    assert set(f.spc["group"]) == {"first_assessment", "deep_start"}


def test_pdsa_changes_are_annotated_on_their_week() -> None:
    from toolkit import pdsa

    log = pdsa.update_cycle(
        pdsa.new_log(), "P1", unit="a", start_date="2025-09-10", title="Ny rutin"
    )
    log = pdsa.update_cycle(log, "P2", unit="a", start_date="2025-12-01", title="Senare")
    f = pf.follow_up(_plan(), _visits(), changes=pdsa.annotations(log))
    first = f.weekly[f.weekly["stage"] == "first_assessment"]
    assert first["changes"].tolist() == ["", "P1: Ny rutin"]  # 10 Sep is in the week of 8 Sep
    assert f.annotations["label"].tolist() == ["P1: Ny rutin"]  # P2 is after the plan's weeks


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_readable_weekly_is_what_the_report_shows(lang: str) -> None:
    f = pf.follow_up(_plan(), _visits(), lang=lang)
    table = pf.readable_weekly(f, lang)
    week = "v" if lang == "sv" else "W"
    assert table.iloc[0, 0] == f"2025-{week}36"  # Monday 1 September 2025 is in ISO week 36
    assert table.columns[2] == ("Planerade tider" if lang == "sv" else "Slots planned")
    assert table.iloc[0, 4] == -2.0 and table.iloc[2, 4] == -4.0


def test_no_visits_and_no_booked_reads_wholly_in_each_language() -> None:
    # raised in Swedish, the message asked for in English carries no Swedish words
    with pytest.raises(ParameterError) as info:
        pf.follow_up(_plan(), None, lang="sv")
    assert info.value.message("sv") == (
        "visits ska vara ett besöksregister (visits) eller redan räknade bokade tider"
        " (booked), men fick None."
    )
    assert info.value.message("en") == (
        "visits must be a visits table (visits) or booked slots already counted (booked),"
        " but got None."
    )
