"""Tests for toolkit.capacity.

Expected values come from outside the code under test, with the source beside
each: hand-worked arithmetic (shown in the comment), the CAPA planning numbers
published by its authors (camhsnetwork.co.uk / capa.co.uk), the Scottish
Government's definition of the DCAQ "80 % rule", and SKR's payroll overheads.
Property tests (Hypothesis) check invariants; a sanity test compares the
sample units' capacity from their staff tables with their observed activity.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import capacity as cap
from toolkit.errors import ParameterError
from toolkit.i18n import has, t

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
WEEKS_PER_YEAR = 365.25 / 7  # calendar weeks in a year


def _staff(rows: list[tuple[str, float, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "staff_id": [f"S{i}" for i in range(len(rows))],
            "category": [r[0] for r in rows],
            "fte": [r[1] for r in rows],
            "hours_per_week": [r[2] for r in rows],
        }
    )


def _row(table: pd.DataFrame, category: str, visit_type: str | None = None) -> pd.Series:
    mask = table["staff_category"] == category
    if visit_type is not None:
        mask &= table["visit_type"] == visit_type
    part = table[mask]
    assert len(part) == 1
    return part.iloc[0]


def _clin(category: str, hours: float) -> pd.DataFrame:
    return pd.DataFrame({"staff_category": [category], "clinical_hours_per_week": [hours]})


# --------------------------------------------------------------------------- hand-worked


def test_two_psychologists_hand_worked():
    # 2 psychologists × 1.0 FTE × 40 h = 80 contracted h/week;
    # absence 12 %: 80 × 0.12 = 9.6 h; at work 70.4 h;
    # non-clinical 45 % of 70.4 = 31.68 h; clinical 70.4 × 0.55 = 38.72 h.
    sh = cap.staff_hours(_staff([("psychologist", 1.0, 40.0), ("psychologist", 1.0, 40.0)]))
    ch = cap.clinical_hours(sh, absence_share=0.12, non_clinical_share=0.45)
    row = _row(ch, "psychologist")
    assert row["contracted_hours_per_week"] == pytest.approx(80.0)
    assert row["absence_hours_per_week"] == pytest.approx(9.6)
    assert row["non_clinical_hours_per_week"] == pytest.approx(31.68)
    assert row["clinical_hours_per_week"] == pytest.approx(38.72)
    # 60-minute appointments: 38.72 × 60 / 60 = 38.72 booked a week;
    # 10 % DNA: 38.72 × 0.9 = 34.848 attended, 3.872 slots lost.
    ap = cap.appointments_per_week(
        ch, visit_mix={"treatment": 1.0}, mean_duration_min=60, dna_rate=0.10
    )
    r = _row(ap, "psychologist", "treatment")
    assert r["booked_appointments_per_week"] == pytest.approx(38.72)
    assert r["attended_appointments_per_week"] == pytest.approx(34.848)
    assert r["lost_to_dna_per_week"] == pytest.approx(3.872)
    # Effective hours = attended × 60 min = 34.848 h.
    assert r["effective_hours_per_week"] == pytest.approx(34.848)


def test_staff_in_post_and_default_hours():
    staff = pd.DataFrame(
        {
            "staff_id": ["A", "B", "C", "D"],
            "category": ["nurse", "nurse", "physician", "physician"],
            "fte": [1.0, 0.5, 0.8, 1.0],
            "hours_per_week": [38.25, None, 40.0, 40.0],
            "start": pd.to_datetime([None, None, "2024-05-01", None]),
            "end": pd.to_datetime([None, "2024-03-31", None, "2024-04-30"]),
        }
    )
    # On 2024-03-01: A (38.25 h) and B (0.5 × default 40 = 20 h) are nurses in
    # post; D (physician, 40 h) is in post, C not yet: nurse 58.25 h, physician 40 h.
    on = cap.staff_hours(staff, on="2024-03-01", lang="en")
    assert _row(on, "nurse")["contracted_hours_per_week"] == pytest.approx(58.25)
    assert _row(on, "physician")["contracted_hours_per_week"] == pytest.approx(40.0)
    assert any("40.0 hours" in n for n in on.attrs["notes"])
    # on=None counts rows with no end date: A (38.25 h) and C (0.8 × 40 = 32 h).
    now = cap.staff_hours(staff)
    assert _row(now, "nurse")["fte"] == pytest.approx(1.0)
    assert _row(now, "physician")["contracted_hours_per_week"] == pytest.approx(32.0)
    assert now["staff_category"].tolist() == list(cap.STAFF_CATEGORIES)


def test_time_use_gives_non_clinical_share():
    # Nurse: 270 of 480 min patient-direct → non-clinical 1 − 270/480 = 0.4375.
    tu = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-10-01"] * 4),
            "staff_category": ["nurse", "nurse", "nurse", "physician"],
            "activity": ["patient_direct", "documentation", "meetings", "patient_direct"],
            "level": ["clinical", "national", "organisational", "clinical"],
            "minutes": [270.0, 120.0, 90.0, 60.0],
        }
    )
    shares = cap.time_use_shares(tu)
    assert shares.groupby("staff_category")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    sh = cap.staff_hours(_staff([("nurse", 1.0, 40.0), ("psychologist", 1.0, 40.0)]))
    ch = cap.clinical_hours(sh, absence_share=0.0, non_clinical_share=shares, lang="en")
    nurse = _row(ch, "nurse")
    assert nurse["non_clinical_share"] == pytest.approx(0.4375)
    assert nurse["clinical_hours_per_week"] == pytest.approx(40 * 270 / 480)  # 22.5 h
    assert nurse["non_clinical_source"] == "time_use"
    # The psychologist is not in the study: the default 0.55 and a note.
    psych = _row(ch, "psychologist")
    assert psych["non_clinical_share"] == pytest.approx(cap.default("non_clinical_share"))
    assert any("psychologist" in n for n in ch.attrs["notes"])


def test_group_and_digital_hand_worked():
    # 10 clinical h of 60-min treatment; half in groups of 6 led by 2 clinicians:
    # clinician minutes per appointment = 60 × (0.5 + 0.5 × 2/6) = 40;
    # 10 × 60 / 40 = 15 appointments a week, 1.5 patients per clinician hour.
    ap = cap.appointments_per_week(
        _clin("counsellor", 10.0),
        visit_mix={"treatment": 1.0},
        mean_duration_min=60,
        dna_rate=0.0,
        share_group=0.5,
        group_size=6,
        group_clinicians=2,
    )
    r = _row(ap, "counsellor", "treatment")
    assert r["clinician_minutes_per_appointment"] == pytest.approx(40.0)
    assert r["attended_appointments_per_week"] == pytest.approx(15.0)
    assert r["patients_per_clinician_hour"] == pytest.approx(1.5)
    # All digital, each taking 0.75 of the time: 9 h × 60 / 45 = 12 appointments.
    ap = cap.appointments_per_week(
        _clin("nurse", 9.0),
        visit_mix={"follow_up": 1.0},
        mean_duration_min=60,
        dna_rate=0.0,
        share_digital=1.0,
        digital_time_factor=0.75,
    )
    assert _row(ap, "nurse", "follow_up")["attended_appointments_per_week"] == pytest.approx(12.0)


def test_capacity_from_visits_hand_worked():
    visits = pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-03", "2024-01-07", "2024-01-08", "2024-01-09"]
            ),
            "visit_type": ["treatment"] * 5,
            "staff_category": ["nurse"] * 5,
            "mode": ["physical", "physical", "group", "group", "physical"],
            "status": ["attended", "did_not_attend", "attended", "attended", "cancelled"],
            "duration_min": [60.0, 30.0, 90.0, 90.0, 45.0],
        }
    )
    out = cap.capacity_from_visits(visits, group_size=6, group_clinicians=2)
    # Week of Monday 2024-01-01 (1st–7th): attended 60 min + one group patient
    # 90 × 2/6 = 30 min → 1.5 h; DNA 30 min → 0.5 h lost; DNA rate 1/3.
    w1 = out.iloc[0]
    assert w1["period_start"] == pd.Timestamp("2024-01-01")
    assert (w1["booked"], w1["attended"], w1["did_not_attend"]) == (3, 2, 1)
    assert w1["attended_hours"] == pytest.approx(1.5)
    assert w1["lost_to_dna_hours"] == pytest.approx(0.5)
    assert w1["dna_rate"] == pytest.approx(1 / 3)
    # Week of 2024-01-08: one group patient (0.5 h) and one cancellation.
    w2 = out.iloc[1]
    assert (w2["attended"], w2["cancelled"]) == (1, 1)
    assert w2["attended_hours"] == pytest.approx(0.5)
    monthly = cap.capacity_from_visits(visits, freq="M", group_size=6, group_clinicians=2)
    assert monthly["attended_hours"].tolist() == pytest.approx([2.0])


# --------------------------------------------------------------------------- CAPA


def test_capa_partnership_multiplier_reproduced_by_the_chain():
    # camhsnetwork.co.uk, "The Partnership Multiplier": one weekly 3.5-h session
    # of Core Partnership, 45 of 52 weeks worked (11.25 weeks a quarter), 2
    # appointments per session → 22.5 appointments a quarter; ÷ 7.5 per
    # episode = 3 new Core Partnerships a quarter.
    sh = cap.staff_hours(_staff([("psychologist", 1.0, 35.0)]))  # 10 sessions × 3.5 h
    ch = cap.clinical_hours(sh, absence_share=7 / 52, non_clinical_share=0.9)  # 1 of 10 sessions
    ap = cap.appointments_per_week(
        ch, visit_mix={"treatment": 1.0}, mean_duration_min=105, dna_rate=0.0
    )  # 2 appointments per 210-min session
    per_quarter = _row(ap, "psychologist", "treatment")["attended_appointments_per_week"] * 13
    assert per_quarter == pytest.approx(22.5)
    assert per_quarter / 7.5 == pytest.approx(3.0)


def test_capa_rules_of_thumb():
    # capa.co.uk, "Rules of thumb": 12 FTE with 30 % of time in Choice and Core
    # Partnership at 2 appointments per half-day: 12 × 10 × 0.3 × 2 = 72
    # appointments a week; each accepted referral needs 1 h Choice + 66 % × 7.5 h
    # ≈ 5 h Core Partnership ≈ 6 h, so 12 FTE accept about 12 referrals a week.
    assert cap.capa_capacity(12, share_core=0.3, share_worked=1.0) == pytest.approx(72.0)
    assert cap.capa_demand(12, share_to_partnership=2 / 3) == pytest.approx(72.0)
    assert cap.capa_demand(1, share_to_partnership=0.66) == pytest.approx(1 + 0.66 * 7.5)
    d = cap.demand_hours(
        12,
        hours_per_episode={"first_assessment": 1.0, "treatment_course": 7.5},
        share_to_deep=2 / 3,
        share_deep_in_depth_assessment=0.0,
    )
    assert d["demand_hours_per_week"].sum() == pytest.approx(72.0)
    # One FTE at 30 % core work: capacity 6 one-hour appointments = 6 h,
    # exactly one accepted referral a week (load 1).
    cap_h = cap.capa_capacity(1, share_core=0.3, share_worked=1.0)
    demand_1 = cap.capa_demand(1, share_to_partnership=2 / 3)
    b = cap.balance(
        pd.DataFrame({"staff_category": ["psychologist"], "capacity_hours_per_week": [cap_h]}),
        pd.DataFrame({"staff_category": ["psychologist"], "demand_hours_per_week": [demand_1]}),
    )
    assert _row(b, "psychologist")["load"] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(
    fte=st.floats(0.1, 50.0),
    share_core=st.floats(0.0, 1.0),
    appointments_per_session=st.floats(0.5, 4.0),
    share_worked=st.floats(0.5, 1.0),
)
def test_chain_equals_the_capa_capacity_formula(
    fte, share_core, appointments_per_session, share_worked
):
    # CAPA, camhsnetwork.co.uk: capacity = FTE × sessions × share of time in
    # that work × appointments per session × share actually worked. The chain:
    # FTE × 35 h, absence 1 − w, non-clinical 1 − s, appointments of 210/a min.
    sh = pd.DataFrame(
        {"staff_category": ["therapist"], "fte": [fte], "contracted_hours_per_week": [fte * 35.0]}
    )
    ch = cap.clinical_hours(sh, absence_share=1 - share_worked, non_clinical_share=1 - share_core)
    ap = cap.appointments_per_week(
        ch,
        visit_mix={"treatment": 1.0},
        mean_duration_min=3.5 * 60 / appointments_per_session,
        dna_rate=0.0,
    )
    expected = cap.capa_capacity(
        fte,
        share_core=share_core,
        appointments_per_session=appointments_per_session,
        share_worked=share_worked,
    )
    got = ap["attended_appointments_per_week"].sum()
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    r=st.floats(0.0, 200.0),
    hc=st.floats(0.0, 5.0),
    p=st.floats(0.0, 1.0),
    hp=st.floats(0.0, 40.0),
    c=st.floats(0.0, 1.0),
)
def test_demand_hours_equals_the_capa_demand_formula(r, hc, p, hp, c):
    # camhsnetwork.co.uk: Demand = R × (Choice h + p × Partnership h × (1 + co-therapy)).
    d = cap.demand_hours(
        r,
        hours_per_episode={"first_assessment": hc, "treatment_course": hp},
        share_to_deep=p,
        share_deep_in_depth_assessment=0.0,
        co_therapy_rate=c,
    )
    expected = cap.capa_demand(
        r, choice_hours=hc, share_to_partnership=p, partnership_hours=hp, co_therapy_rate=c
    )
    assert d["demand_hours_per_week"].sum() == pytest.approx(expected, rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------- DCAQ 80 % rule


def test_80_rule_scottish_definition():
    # Scottish Government, "Understanding Capacity and Demand: A resource pack
    # for healthcare professionals", A-Z, "80% rule": theoretical capacity =
    # minimum demand + (maximum demand − minimum demand) × 80/100.
    # Weeks 10, 12, 20, 15: 10 + 0.8 × (20 − 10) = 18.
    assert cap.capacity_80_rule([10, 12, 20, 15]) == pytest.approx(18.0)
    # 4, 9, 7, 14, 6: 4 + 0.8 × 10 = 12.
    assert cap.capacity_80_rule(pd.Series([4.0, 9.0, 7.0, 14.0, 6.0])) == pytest.approx(12.0)
    # "if you need no wait then you should be prepared to deal with 100 % of
    # your demand": share 1 gives the busiest week.
    assert cap.capacity_80_rule([4, 9, 14], share=1.0) == pytest.approx(14.0)
    assert cap.capacity_80_rule([4, 9, 14], share=0.0) == pytest.approx(4.0)
    # Percentile alternative, linear interpolation: 1..5, position 0.8 × 4 = 3.2
    # between 4 and 5 → 4.2.
    assert cap.capacity_80_rule([1, 2, 3, 4, 5], method="percentile") == pytest.approx(4.2)
    # Empty series: 0; missing weeks ignored.
    assert cap.capacity_80_rule([]) == 0.0
    assert cap.capacity_80_rule([10, np.nan, 20]) == pytest.approx(18.0)


# --------------------------------------------------------------------------- cost


def test_default_cost_per_fte_year_follows_its_sources():
    # SKR, "Arbetsgivaravgifter och PO-pålägg" 2023: 31.42 % + 0.13 % + 20.73 %
    # = 52.28 % for the regions; the default rounds it to 0.52.
    assert cap.default("payroll_overhead_share") == pytest.approx(
        0.3142 + 0.0013 + 0.2073, abs=0.005
    )
    # Cost per FTE-year = monthly salary × 12 × (1 + PO): psychologist
    # 48 000 × 12 × 1.52 = 875 520 SEK.
    ch = pd.DataFrame(
        {"staff_category": ["psychologist"], "fte": [1.0], "clinical_hours_per_week": [20.0]}
    )
    ct = cap.cost_table(ch, lang="en")
    row = _row(ct, "psychologist")
    assert row["cost_per_fte_year_sek"] == pytest.approx(48_000 * 12 * 1.52)
    assert any("assumption" in n for n in ct.attrs["notes"])


def test_cost_per_clinical_hour_and_appointment_hand_worked():
    # 2 nurses × 0.5 FTE at 700 000 SEK/FTE-year = 700 000 SEK a year; 15 clinical
    # h a week × 52.1786 weeks = 782.68 h; 700 000 / 782.68 = 894.37 SEK/h.
    ch = pd.DataFrame(
        {"staff_category": ["nurse"], "fte": [1.0], "clinical_hours_per_week": [15.0]}
    )
    ct = cap.cost_table(ch, cost_per_fte_year={"nurse": 700_000})
    per_hour = 700_000 / (15 * WEEKS_PER_YEAR)
    assert _row(ct, "nurse")["cost_per_clinical_hour_sek"] == pytest.approx(per_hour)
    assert math.isnan(_row(ct, "physician")["cost_per_clinical_hour_sek"])
    # A 45-min follow-up with 10 % DNA: 894.37 × 45/60 / 0.9 = 745.31 SEK per
    # attended visit; digital (0.9 of the time) 670.78; in a group of 6 led by 2:
    # 745.31 × 2/6 = 248.44.
    ap = cap.appointments_per_week(
        ch, visit_mix={"follow_up": 1.0}, mean_duration_min=45, dna_rate=0.10
    )
    ac = _row(cap.appointment_costs(ap, ct), "nurse", "follow_up")
    physical = per_hour * 45 / 60 / 0.9
    assert ac["cost_physical_sek"] == pytest.approx(physical)
    assert ac["cost_digital_sek"] == pytest.approx(physical * 0.9)
    assert ac["cost_group_per_patient_sek"] == pytest.approx(physical * 2 / 6)
    assert ac["cost_mean_sek"] == pytest.approx(physical)


def test_cost_table_accepts_staff_hours_with_a_note():
    sh = cap.staff_hours(_staff([("physician", 1.0, 40.0)]))
    ct = cap.cost_table(sh, cost_per_fte_year=1_000_000, lang="en")
    # Default shares (absence 20 %, non-clinical 75 %, capacity_defaults.yaml):
    # 40 × 0.80 × 0.25 = 8.0 clinical h a week.
    per_hour = 1_000_000 / (8.0 * WEEKS_PER_YEAR)
    assert _row(ct, "physician")["cost_per_clinical_hour_sek"] == pytest.approx(per_hour)
    assert any("default shares" in n for n in ct.attrs["notes"])


# --------------------------------------------------------------------------- change effect


def test_change_effect_added_fte_hand_worked():
    # 2 psychologists × 40 h, absence 20 %, non-clinical 75 % (defaults):
    # 80 × 0.80 × 0.25 = 16.0 clinical h → 16.0 one-hour appointments, no DNA.
    # +1 FTE: +8.0 a week, costing 800 000 SEK a year:
    # 800 000 / (8.0 × 52.1786) = 1916.50 SEK per extra appointment.
    sh = cap.staff_hours(_staff([("psychologist", 1.0, 40.0), ("psychologist", 1.0, 40.0)]))
    opts = {"visit_mix": {"treatment": 1.0}, "mean_duration_min": 60, "dna_rate": 0.0}
    ce = cap.change_effect(
        sh,
        added_fte={"psychologist": 1.0},
        cost_per_fte_year={"psychologist": 800_000},
        appointment_options=opts,
    )
    row = _row(ce, "psychologist")
    assert row["appointments_before_per_week"] == pytest.approx(16.0)
    assert row["appointments_change_per_week"] == pytest.approx(8.0)
    assert row["cost_change_per_year_sek"] == pytest.approx(800_000)
    assert row["cost_per_extra_appointment_sek"] == pytest.approx(800_000 / (8.0 * WEEKS_PER_YEAR))
    total = _row(ce, "total")
    assert total["appointments_change_per_week"] == pytest.approx(8.0)


def test_change_effect_freed_admin_and_group_shift():
    # One counsellor, 40 h, no absence, non-clinical 50 %: 20 clinical h.
    # Freeing 20 % of the non-clinical time: non-clinical 0.4 → 24 clinical h,
    # +4 one-hour appointments a week at no staff cost; a secretary at
    # 400 000 SEK/year for it: 400 000 / (4 × 52.1786) = 1 916.5 SEK each.
    sh = cap.staff_hours(_staff([("counsellor", 1.0, 40.0)]))
    opts = {"visit_mix": {"treatment": 1.0}, "mean_duration_min": 60, "dna_rate": 0.0}
    ce = cap.change_effect(
        sh,
        freed_non_clinical_share=0.2,
        absence_share=0.0,
        non_clinical_share=0.5,
        other_cost_per_year_sek=400_000,
        appointment_options=opts,
    )
    row, total = _row(ce, "counsellor"), _row(ce, "total")
    assert row["clinical_hours_after_per_week"] == pytest.approx(24.0)
    assert row["appointments_change_per_week"] == pytest.approx(4.0)
    assert row["cost_change_per_year_sek"] == 0.0
    assert total["cost_per_extra_appointment_sek"] == pytest.approx(400_000 / (4 * WEEKS_PER_YEAR))
    # Half the treatment in groups of 6 led by 2: 40 min per appointment,
    # 20 h → 30 appointments (+10), same cost.
    ce = cap.change_effect(
        sh,
        share_group=0.5,
        absence_share=0.0,
        non_clinical_share=0.5,
        appointment_options={**opts, "group_size": 6, "group_clinicians": 2},
    )
    row = _row(ce, "counsellor")
    assert row["appointments_after_per_week"] == pytest.approx(30.0)
    assert row["cost_change_per_year_sek"] == 0.0
    assert row["cost_per_extra_appointment_sek"] == 0.0


def test_change_effect_lost_fte():
    sh = cap.staff_hours(_staff([("nurse", 1.0, 40.0), ("nurse", 0.5, 40.0)]))
    ce = cap.change_effect(sh, added_fte={"nurse": -0.5}, cost_per_fte_year=700_000, lang="en")
    row = _row(ce, "nurse")
    assert row["fte_after"] == pytest.approx(1.0)
    # One third of the capacity is lost: 1.5 → 1.0 FTE.
    assert row["appointments_after_per_week"] == pytest.approx(
        row["appointments_before_per_week"] * 2 / 3
    )
    assert row["cost_change_per_year_sek"] == pytest.approx(-350_000)
    assert math.isnan(row["cost_per_extra_appointment_sek"])
    assert any("no extra appointments" in n for n in ce.attrs["notes"])
    with pytest.raises(ParameterError, match=r"added_fte\['nurse'\] = -2.0 .* ≥ -1.5"):
        cap.change_effect(sh, added_fte={"nurse": -2.0}, lang="en")


# --------------------------------------------------------------------------- properties


@st.composite
def staff_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 12))
    rows = [
        (
            draw(st.sampled_from(cap.STAFF_CATEGORIES)),
            draw(st.floats(0.05, 1.0)),
            draw(st.one_of(st.none(), st.floats(20.0, 45.0))),
        )
        for _ in range(n)
    ]
    return _staff(rows)


@settings(max_examples=50, deadline=None)
@given(
    staff=staff_tables(), extra=st.floats(0.05, 1.0), category=st.sampled_from(cap.STAFF_CATEGORIES)
)
def test_more_fte_never_lowers_capacity(staff, extra, category):
    before = cap.appointments_per_week(cap.clinical_hours(cap.staff_hours(staff)))
    more = pd.concat([staff, _staff([(category, extra, 40.0)]).assign(staff_id="NEW")])
    after = cap.appointments_per_week(cap.clinical_hours(cap.staff_hours(more)))
    b = before.groupby("staff_category")["attended_appointments_per_week"].sum()
    a = after.groupby("staff_category")["attended_appointments_per_week"].sum()
    assert (a >= b - 1e-9).all()
    assert a[category] > b[category]


@settings(max_examples=50, deadline=None)
@given(hours=st.floats(0.0, 500.0), r1=st.floats(0.0, 1.0), r2=st.floats(0.0, 1.0))
def test_higher_dna_rate_never_raises_attended(hours, r1, r2):
    low, high = sorted((r1, r2))
    a_low = cap.appointments_per_week(_clin("nurse", hours), dna_rate=low)
    a_high = cap.appointments_per_week(_clin("nurse", hours), dna_rate=high)
    assert (
        a_high["attended_appointments_per_week"].to_numpy()
        <= a_low["attended_appointments_per_week"].to_numpy() + 1e-9
    ).all()


@settings(max_examples=50, deadline=None)
@given(
    size=st.floats(1.01, 12.0),
    share=st.floats(0.05, 1.0),
    hours=st.floats(1.0, 200.0),
)
def test_groups_larger_than_their_leaders_raise_patients_per_clinician_hour(size, share, hours):
    # With one clinician per group, any group of more than one patient needs
    # less clinician time per patient than a one-to-one appointment.
    kw = {"visit_mix": {"treatment": 1.0}, "dna_rate": 0.0, "group_clinicians": 1.0}
    one = cap.appointments_per_week(_clin("therapist", hours), share_group=0.0, **kw)
    grp = cap.appointments_per_week(
        _clin("therapist", hours), share_group=share, group_size=size, **kw
    )
    p1 = _row(one, "therapist", "treatment")["patients_per_clinician_hour"]
    p2 = _row(grp, "therapist", "treatment")["patients_per_clinician_hour"]
    assert p2 > p1


@settings(max_examples=50, deadline=None)
@given(fte=st.floats(0.1, 30.0), k=st.floats(0.1, 10.0), rate=st.floats(1e5, 2e6))
def test_cost_scales_linearly_with_fte_and_cost_per_hour_does_not_change(fte, k, rate):
    def table(f: float) -> pd.DataFrame:
        sh = pd.DataFrame(
            {"staff_category": ["nurse"], "fte": [f], "contracted_hours_per_week": [f * 40.0]}
        )
        return cap.cost_table(cap.clinical_hours(sh), cost_per_fte_year=rate)

    one, scaled = _row(table(fte), "nurse"), _row(table(fte * k), "nurse")
    assert scaled["cost_per_year_sek"] == pytest.approx(k * one["cost_per_year_sek"])
    assert scaled["cost_per_clinical_hour_sek"] == pytest.approx(one["cost_per_clinical_hour_sek"])


@settings(max_examples=50, deadline=None)
@given(
    capacity=st.lists(st.floats(0.0, 300.0), min_size=6, max_size=6),
    arrivals=st.floats(0.0, 60.0),
)
def test_balance_is_capacity_minus_demand_and_load_their_ratio(capacity, arrivals):
    cap_t = pd.DataFrame(
        {"staff_category": list(cap.STAFF_CATEGORIES), "capacity_hours_per_week": capacity}
    )
    b = cap.balance(cap_t, cap.demand_hours(arrivals))
    assert np.allclose(
        b["balance_hours_per_week"], b["capacity_hours_per_week"] - b["demand_hours_per_week"]
    )
    pos = b["capacity_hours_per_week"] > 0
    assert np.allclose(
        b.loc[pos, "load"],
        b.loc[pos, "demand_hours_per_week"] / b.loc[pos, "capacity_hours_per_week"],
    )
    total = _row(b, "total")
    assert total["demand_hours_per_week"] == pytest.approx(
        b["demand_hours_per_week"].iloc[:6].sum()
    )


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.floats(0.0, 1e4), min_size=1, max_size=60), share=st.floats(0.0, 1.0))
def test_80_rule_lies_between_min_and_max(values, share):
    for method in ("range", "percentile"):
        k = cap.capacity_80_rule(values, share=share, method=method)
        assert min(values) - 1e-9 <= k <= max(values) + 1e-9


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: cap.demand_hours(-1.0, lang="en"), r"arrivals_per_week = -1.0 .* ≥ 0"),
        (lambda: cap.demand_hours(5, share_to_deep=1.2, lang="en"), r"share_to_deep = 1.2 .* 0–1"),
        (
            lambda: cap.demand_hours(5, hours_per_episode={"treatment_course": -2}, lang="en"),
            r"hours_per_episode\['treatment_course'\] = -2.0 .* ≥ 0",
        ),
        (
            lambda: cap.staff_hours(_staff([("nurse", 0.0, 40.0)]), lang="en"),
            r"staff.fte = 0.0 .* > 0 and ≤ 1",
        ),
        (
            lambda: cap.staff_hours(_staff([("janitor", 1.0, 40.0)]), lang="en"),
            r"staff.category = 'janitor' is not a valid choice",
        ),
        (
            lambda: cap.clinical_hours(
                cap.staff_hours(_staff([("nurse", 1.0, 40.0)])), absence_share=-0.1, lang="en"
            ),
            r"absence_share = -0.1 .* 0–1",
        ),
        (
            lambda: cap.clinical_hours(
                cap.staff_hours(_staff([("nurse", 1.0, 40.0)])),
                non_clinical_share={"nurse": 1.5},
                lang="en",
            ),
            r"non_clinical_share\['nurse'\] = 1.5 .* 0–1",
        ),
        (
            lambda: cap.appointments_per_week(_clin("nurse", 10), dna_rate=2, lang="en"),
            r"dna_rate = 2.0 .* 0–1",
        ),
        (
            lambda: cap.appointments_per_week(_clin("nurse", 10), group_size=0.5, lang="en"),
            r"group_size = 0.5 .* ≥ 1",
        ),
        (
            lambda: cap.appointments_per_week(
                _clin("nurse", 10), visit_mix={"treatment": 0.5}, lang="en"
            ),
            r"visit_mix: the shares sum to 0.5",
        ),
        (
            lambda: cap.appointments_per_week(
                _clin("nurse", 10), share_group=0.7, share_digital=0.6, lang="en"
            ),
            r"share_group \+ share_digital = 1.3 for physician",
        ),
        (
            lambda: cap.appointments_per_week(_clin("nurse", 10), mean_duration_min=0, lang="en"),
            r"mean_duration_min = 0.0 .* > 0",
        ),
        (
            lambda: cap.capacity_80_rule([3, -1]),
            r"weekly_demand = -1.0 .* ≥ 0",
        ),
        (lambda: cap.capacity_80_rule([3], share=80), r"share = 80.0 .* 0–1"),
        (
            lambda: cap.capacity_80_rule([3], method="mean"),
            r"method = 'mean' is not a valid choice",
        ),
        (
            lambda: cap.cost_table(
                pd.DataFrame({"staff_category": ["nurse"], "fte": [1.0]}),
                cost_per_fte_year=-5,
                lang="en",
            ),
            r"cost_per_fte_year = -5.0 .* ≥ 0",
        ),
        (
            lambda: cap.change_effect(
                cap.staff_hours(_staff([("nurse", 1.0, 40.0)])),
                freed_non_clinical_share=1.5,
                lang="en",
            ),
            r"freed_non_clinical_share = 1.5 .* 0–1",
        ),
        (
            lambda: cap.balance(
                pd.DataFrame({"staff_category": ["nurse"]}), cap.demand_hours(1), lang="en"
            ),
            r"capacity_table lacks the columns",
        ),
        (
            lambda: cap.staff_hours(_staff([("nurse", 1.0, 40.0)]), on="soon", lang="en"),
            r"on = 'soon'",
        ),
        (lambda: cap.demand_hours(True, lang="en"), r"arrivals_per_week must be float"),
    ],
)
def test_bad_parameters_name_the_argument_and_range(call, pattern):
    with pytest.raises(ParameterError) as info:
        call()
    assert re.search(pattern, info.value.message("en"))
    assert isinstance(info.value, ValueError)
    assert info.value.message("sv")  # the Swedish message exists too


def test_errors_in_swedish_by_default():
    with pytest.raises(
        ValueError, match=r"share_to_deep = 1.2 ligger utanför det tillåtna intervallet 0–1"
    ):
        cap.demand_hours(5, share_to_deep=1.2)


# --------------------------------------------------------------------------- empty input


def test_empty_tables_give_zeros_and_notes():
    empty_staff = _staff([]).astype({"category": "string", "fte": float, "hours_per_week": float})
    sh = cap.staff_hours(empty_staff, lang="en")
    assert sh["contracted_hours_per_week"].sum() == 0.0
    assert sh.attrs["notes"] == [t("capacity.note.no_staff", "en")]
    ch = cap.clinical_hours(sh, non_clinical_share=0.5, lang="en")
    ap = cap.appointments_per_week(ch, lang="en")
    assert ap["attended_appointments_per_week"].sum() == 0.0
    assert t("capacity.note.no_clinical_hours", "en") in ap.attrs["notes"]
    b = cap.balance(ap, cap.demand_hours(0, lang="en"), lang="en")
    assert b["load"].tolist() == [0.0] * 7
    assert t("capacity.note.no_demand", "en") in b.attrs["notes"]
    ct = cap.cost_table(ch, lang="en")
    assert ct["cost_per_year_sek"].sum() == 0.0

    empty_tu = pd.DataFrame({"staff_category": [], "activity": [], "minutes": []})
    tu = cap.time_use_shares(empty_tu, lang="en")
    assert tu.empty and tu.attrs["notes"] == [t("capacity.note.no_time_use", "en")]

    empty_visits = pd.DataFrame(
        {"date": pd.to_datetime([]), "staff_category": [], "status": [], "visit_type": []}
    )
    obs = cap.capacity_from_visits(empty_visits, lang="en")
    assert obs.empty and obs.attrs["notes"] == [t("capacity.note.no_visits", "en")]
    ap = cap.appointments_per_week(_clin("nurse", 10.0), empty_visits, lang="en")
    assert t("capacity.note.no_visits", "en") in ap.attrs["notes"]


def test_demand_without_capacity_gives_infinite_load_and_a_note():
    cap_t = pd.DataFrame({"staff_category": ["nurse"], "capacity_hours_per_week": [10.0]})
    b = cap.balance(cap_t, cap.demand_hours(5), lang="en")
    assert math.isinf(_row(b, "physician")["load"])
    assert any("physician" in n for n in b.attrs["notes"])


# --------------------------------------------------------------------------- defaults and texts


def test_every_default_has_a_value_unit_and_source_in_both_languages():
    data = yaml.safe_load((ROOT / "toolkit" / "data" / "capacity_defaults.yaml").read_text("utf-8"))
    for name, spec in data["parameters"].items():
        for key in ("value", "unit_sv", "unit_en", "source_sv", "source_en"):
            assert spec.get(key) not in (None, ""), f"{name} lacks {key}"
    for step, mix in cap.default("staff_mix").items():
        assert sum(mix.values()) == pytest.approx(1.0), step
    assert sum(cap.default("visit_mix").values()) == pytest.approx(1.0)
    table = cap.defaults_table("en")
    assert set(table["parameter"]) == set(data["parameters"])


def test_every_output_column_has_a_label_in_both_languages():
    sh = cap.staff_hours(_staff([("nurse", 1.0, 40.0)]))
    ch = cap.clinical_hours(sh)
    ap = cap.appointments_per_week(ch)
    ct = cap.cost_table(ch)
    visits = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01"]),
            "visit_type": ["treatment"],
            "staff_category": ["nurse"],
            "status": ["attended"],
        }
    )
    tables = [
        sh,
        ch,
        ap,
        cap.demand_hours(3),
        cap.balance(ap, cap.demand_hours(3)),
        ct,
        cap.appointment_costs(ap, ct),
        cap.capacity_from_visits(visits),
        cap.change_effect(sh, added_fte={"nurse": 1.0}),
        cap.defaults_table(),
    ]
    for table in tables:
        for column in table.columns:
            assert has(f"capacity.col.{column}"), column
    sv = cap.readable(cap.balance(ap, cap.demand_hours(3)), "sv")
    assert sv.iloc[:, 0].tolist()[-1] == "totalt"
    assert "sjuksköterska" in sv.iloc[:, 0].tolist()
    en = cap.readable(cap.demand_hours(3), "en")
    assert "in-depth assessment" in en["Pathway step"].tolist()


# --------------------------------------------------------------------------- sample units


def _sample_units() -> list[dict]:
    units = yaml.safe_load((SAMPLES / "units.yaml").read_text("utf-8"))["units"]
    return [u for u in units if u["id"] != "endast_antal"]


@pytest.mark.parametrize("unit", _sample_units(), ids=lambda u: u["id"])
def test_sample_units_capacity_is_plausible_against_observed_activity(unit):
    # Sanity, not an exact check. Clinical hours estimated from the staff table
    # (in post on the extract date, 12 % absence, non-clinical time from the
    # unit's time-use study or the default 55 %) are set against the observed
    # attended clinician hours per week over the last 26 weeks. Bounds:
    # * at most 1.1: observed activity cannot exceed the time staff have for
    #   patients, save for a margin for overtime and for absence below 12 %;
    # * at least 0.05: a unit whose staff table is right spends a clear part of
    #   its clinical time in booked visits. The synthetic units size staff so
    #   that their clinical time covers the booked visits of the last year
    #   (toolkit.synth.staff_fte_needed), so their ratio is near 0.9 (attended
    #   hours only); a ratio below 0.05 would mean staff or visits are read
    #   wrongly (e.g. hours not minutes).
    from toolkit.io import load_unit

    data = load_unit(SAMPLES / unit["path"], extract_date=unit["extract_date"])
    sh = cap.staff_hours(data.staff, on=unit["extract_date"])
    shares = cap.time_use_shares(data.time_use) if len(data.time_use) else None
    ch = cap.clinical_hours(sh, non_clinical_share=shares)
    obs = cap.capacity_from_visits(data.visits)
    last = obs[obs["period_start"] > pd.Timestamp(unit["extract_date"]) - pd.Timedelta(weeks=27)]
    weeks = last["period_start"].nunique()
    observed_per_week = last["attended_hours"].sum() / weeks
    ratio = observed_per_week / ch["clinical_hours_per_week"].sum()
    assert 0.05 <= ratio <= 1.1, ratio


def test_cost_table_names_the_missing_columns():
    with pytest.raises(ParameterError, match="capacity_table lacks the columns contracted_hours"):
        cap.cost_table(pd.DataFrame({"staff_category": ["nurse"], "fte": [1.0]}), lang="en")


# --------------------------------------------------------------------------- hours per episode


def _episode_visits() -> pd.DataFrame:
    rows = [
        # referral, date, visit type, status, minutes, mode
        ("a", "2024-01-02", "first_assessment", "attended", 60.0, "physical"),
        ("b", "2024-01-03", "first_assessment", "did_not_attend", 60.0, "physical"),
        ("b", "2024-01-10", "first_assessment", "attended", 60.0, "physical"),
        ("c", "2024-01-04", "first_assessment", "attended", 90.0, "physical"),
        ("a", "2024-01-15", "assessment", "attended", 120.0, "physical"),
        ("a", "2024-01-22", "assessment", "attended", 120.0, "physical"),
        ("b", "2024-01-20", "treatment", "attended", 60.0, "group"),
        ("b", "2024-01-27", "follow_up", "attended", 30.0, "phone"),
        # d began its treatment in December: its January visit counts as hours, not as an episode
        ("d", "2023-12-12", "treatment", "attended", 60.0, "physical"),
        ("d", "2024-01-05", "treatment", "attended", 60.0, "physical"),
        ("c", "2024-02-02", "assessment", "attended", 120.0, "physical"),  # after the window
    ]
    return pd.DataFrame(
        {
            "referral_id": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "visit_type": [r[2] for r in rows],
            "staff_category": "nurse",
            "status": [r[3] for r in rows],
            "duration_min": [r[4] for r in rows],
            "mode": [r[5] for r in rows],
        }
    )


def test_hours_per_episode_from_visits_hand_worked():
    # Window January 2024, q = 0.4. By hand:
    #   first assessment: attended 60 + 60 + 90 min = 3.5 h over a, b, c (N1 = 3): 3.5 / 3
    #   second stage begun in January: a (assessment), b (treatment); d began in December (N2 = 2)
    #   in-depth assessment: 2 × 2 h = 4 h over 0.4 × 2 episodes = 5 h
    #   treatment course: group 1 h × 2/6 + follow-up 0.5 h + d's 1 h = 11/6 h over 0.6 × 2
    h = cap.hours_per_episode_from_visits(
        _episode_visits(), "2024-01-01", "2024-01-31", share_deep_in_depth_assessment=0.4
    )
    assert h is not None
    assert h["first_assessment"] == pytest.approx(3.5 / 3)
    assert h["in_depth_assessment"] == pytest.approx(4.0 / 0.8)
    assert h["treatment_course"] == pytest.approx((11 / 6) / 1.2)
    # With them, demand_hours gives R × H1/N1 + R × p × (H2 + H3)/N2 whatever q:
    # R = 3 a week, p = 0.5: 3 × 3.5/3 + 3 × 0.5 × (4 + 11/6)/2 = 3.5 + 4.375 = 7.875 h a week
    d = cap.demand_hours(
        3.0, hours_per_episode=h, share_to_deep=0.5, share_deep_in_depth_assessment=0.4
    )
    assert d["demand_hours_per_week"].sum() == pytest.approx(7.875)


def test_hours_per_episode_from_visits_none_without_episodes_in_the_window():
    v = _episode_visits()
    assert cap.hours_per_episode_from_visits(v, "2024-03-01", "2024-03-31") is None
    # first assessments but no second stage begun in the window: nothing to measure against
    assert cap.hours_per_episode_from_visits(v, "2024-01-01", "2024-01-12") is None


def test_a_range_in_a_message_is_in_the_language_asked_for() -> None:
    # An error raised in a Swedish session and shown in English carries no Swedish words
    # (and the other way round): the allowed range is given in both languages.
    from toolkit.errors import ParameterError

    staff = pd.DataFrame({"category": ["psychologist"], "fte": [1.5]})
    with pytest.raises(ParameterError) as info:
        cap.staff_hours(staff, lang="sv")
    assert "> 0 and ≤ 1" in info.value.message("en") and " och " not in info.value.message("en")
    assert "> 0 och ≤ 1" in info.value.message("sv")
