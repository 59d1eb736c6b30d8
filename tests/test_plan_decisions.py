"""Decisions for balance (PKS element 3) applied to the production plan: checked values.

Expected values come from outside the code under test:

* one FTE of psychologists adds 40 h × (1 − 0.20) × the psychologists'
  share of patient-direct minutes in the unit's time-use study (read here
  from ``sample_data/balans/time_use.csv`` with pandas) of clinical hours a
  week: the CAPA chain (FTE × hours × share actually worked × share in
  clinical work), with the contracted hours read from ``staff.csv`` and the
  absence share 0.20 of ``toolkit/data/capacity_defaults.yaml``;
* it costs 48 000 kr × 12 × (1 + 0.52) = 875 520 kr a year more (the same
  file's default monthly salary of a psychologist and payroll overhead);
* the priority rule "first visit first" worked by hand (docstring of the test).
"""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit import production_plan as pp
from toolkit.i18n import t
from toolkit.io import load_unit

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
#: capacity_defaults.yaml: monthly_salary_sek.psychologist, payroll_overhead_share, absence_share
PSYCHOLOGIST_COST_PER_FTE_YEAR_SEK = 48_000 * 12 * (1 + 0.52)
ABSENCE_SHARE = 0.20


@pytest.fixture(scope="module")
def basis() -> pp.PlanBasis:
    unit = load_unit(ROOT / "sample_data" / "balans", extract_date="2024-12-29")
    return pp.plan_basis(unit, horizon_weeks=26, history_start="2023-01-02")


def _psychologist_clinical_hours_per_fte() -> float:
    folder = ROOT / "sample_data" / "balans"
    staff = pd.read_csv(folder / "staff.csv", parse_dates=["start", "end"])
    on = pd.Timestamp("2024-12-29")
    psy = staff[
        (staff["category"] == "psychologist")
        & (staff["start"].isna() | (staff["start"] <= on))
        & (staff["end"].isna() | (staff["end"] >= on))
    ]
    hours_per_fte = float((psy["fte"] * psy["hours_per_week"]).sum() / psy["fte"].sum())
    use = pd.read_csv(folder / "time_use.csv")
    use = use[use["staff_category"] == "psychologist"]
    direct = float(use.loc[use["activity"] == "patient_direct", "minutes"].sum())
    return hours_per_fte * (1 - ABSENCE_SHARE) * direct / float(use["minutes"].sum())


def test_one_fte_psychologist_adds_its_clinical_hours_and_its_cost(basis: pp.PlanBasis) -> None:
    effects = pp.decision_effects(basis, added_fte={"psychologist": 1.0}, lang="en")
    assert effects["option"].tolist() == ["now", "staff"]
    now, staff = effects.iloc[0], effects.iloc[1]
    assert staff["clinical_hours_per_week"] - now["clinical_hours_per_week"] == pytest.approx(
        _psychologist_clinical_hours_per_fte(), rel=1e-9
    )
    assert staff["cost_change_per_year_sek"] == pytest.approx(PSYCHOLOGIST_COST_PER_FTE_YEAR_SEK)
    # more slots, never a longer queue, never more weeks short
    assert staff["deep_slots_available"] > now["deep_slots_available"]
    assert staff["queue_end_first"] <= now["queue_end_first"] + 1e-9
    assert staff["queue_end_deep"] <= now["queue_end_deep"] + 1e-9
    assert staff["weeks_short"] <= now["weeks_short"]
    # the same as the plan with the FTE written out (the workbook's sliders)
    fte = basis.slots.set_index("staff_category")["fte"]
    direct = pp.plan_from_basis(basis, fte={"psychologist": float(fte["psychologist"]) + 1.0})
    assert effects.attrs["plans"]["staff"].weeks["deep_slots_available"].to_numpy() == (
        pytest.approx(direct.weeks["deep_slots_available"].to_numpy())
    )


def test_each_option_alone_and_together(basis: pp.PlanBasis) -> None:
    effects = pp.decision_effects(
        basis,
        added_fte={"psychologist": 1.0},
        freed_non_clinical_share=0.1,
        share_group=0.3,
        share_digital=0.1,
        priority_rule="first_visit_first",
        lang="sv",
    )
    assert effects["option"].tolist() == ["now", "staff", "admin", "formats", "priority", "all"]
    assert effects["label"].tolist()[:2] == [
        t("plan.option.now", "sv"),
        t("report.plan.option.staff", "sv"),
    ]
    by = effects.set_index("option")
    # freed time, formats and a priority rule cost nothing; the staff option costs its FTE
    free = by.loc[["admin", "formats", "priority"], "cost_change_per_year_sek"]
    assert free.tolist() == [0, 0, 0]
    assert by.loc["all", "cost_change_per_year_sek"] == pytest.approx(
        PSYCHOLOGIST_COST_PER_FTE_YEAR_SEK
    )
    # freed administration gives slots; formats change what a visit takes, not the slots
    assert by.loc["admin", "deep_slots_available"] > by.loc["now", "deep_slots_available"]
    assert by.loc["formats", "deep_slots_available"] == pytest.approx(
        by.loc["now", "deep_slots_available"]
    )
    formats = effects.attrs["plans"]["formats"]
    from toolkit.simulate import Scenario

    assert formats.inputs.visit_cost == pytest.approx(
        Scenario(share_group=0.3, share_digital=0.1).visit_cost()
    )
    # the priority rule moves slots between the stages and keeps their total
    total = by["first_slots_available"] + by["deep_slots_available"]
    assert total["priority"] == pytest.approx(total["now"])
    # all together: the plan made with every change at once
    together = pp.plan_from_basis(
        basis, added_fte={"psychologist": 1.0}, freed_non_clinical_share=0.1, share_group=0.3,
        share_digital=0.1, priority_rule="first_visit_first",
    )  # fmt: skip
    assert by.loc["all", "shortfall_slots"] == pytest.approx(
        float(together.short_weeks["shortfall_slots"].sum())
    )
    q = pp.queue_projection(together, basis.start_queue).groupby("stage")["queue_end"].last()
    assert by.loc["all", "queue_end_first"] == pytest.approx(float(q["first_assessment"]))


def _inputs() -> pp.PlanInputs:
    return pp.PlanInputs(
        first_share=1.0, deep_share=0.5, in_depth_share=0.0, follow_up_visits_per_course=1.0,
        visit_cost=1.0, dna_rate=0.0, share_group=0.0, group_size=6.0,
        target_wait_weeks={"first_assessment": 4.0, "deep_start": 4.0},
        share_within={"first_assessment": 0.9, "deep_start": 0.8},
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_first_visit_first_by_hand(lang: str) -> None:
    """10 referrals a week, all first assessed, half start stage 2 with one follow-up each.

    Slots needed (no buffer, no no-shows): stage 1 10, stage 2 5 × (1 + 1) = 10.
    The staff have 8 and 20 slots in an average week; these weeks have 5 working
    days against 249 in the 52 weeks from 2025-09-01, so c = 260/249 and they have
    8c = 8.353 and 20c = 20.884. First visit first lends min(10 − 8c, 20c) =
    1.647: stage 1 has 10 (balances), stage 2 28c − 10 = 19.237. Three weeks:
    4.94 slots lent. With queues of 4 and 0: stage 1 takes 10 patients a week, so
    the queue stays 4; stage 2 takes 19.237 / 2 = 9.62 a week, 5 arrive: it stays 0.
    Under first come, first served stage 1 takes 8c a week: 4 + k (10 − 8c).
    """
    c = 260 / 249
    weeks = pd.DataFrame(
        {"week_start": pd.date_range("2025-09-01", periods=3, freq="W-MON"), "forecast": 10.0}
    )
    slots = pd.DataFrame(
        {"staff_category": ["psychologist"], "fte": [2.0], "first_slots_per_week": [8.0],
         "deep_slots_per_week": [20.0], "first_hours_per_week": [8.0],
         "deep_hours_per_week": [20.0]}
    )  # fmt: skip
    kw = {"buffer_rule": "none", "summer_leave_weeks": 0, "lang": lang}
    lent = pp.production_plan(weeks, slots, _inputs(), priority_rule="first_visit_first", **kw)
    assert lent.weeks["lent_slots"].to_numpy() == pytest.approx([10 - 8 * c] * 3)
    assert lent.weeks["first_slots_available"].to_numpy() == pytest.approx([10.0] * 3)
    assert lent.weeks["deep_slots_available"].to_numpy() == pytest.approx([28 * c - 10] * 3)
    assert lent.balanced
    by = lent.by_category.groupby("stage")["slots_available"].sum()
    assert by["first_assessment"] == pytest.approx(30.0)
    assert by["deep_start"] == pytest.approx(3 * (28 * c - 10))
    start = {"first_assessment": 4.0, "deep_start": 0.0}
    q = pp.queue_projection(lent, start)
    assert q[q["stage"] == "first_assessment"]["queue_end"].tolist() == pytest.approx([4, 4, 4])
    assert q[q["stage"] == "deep_start"]["queue_end"].tolist() == pytest.approx([0, 0, 0])
    fcfs = pp.production_plan(weeks, slots, _inputs(), **kw)
    q0 = pp.queue_projection(fcfs, start)
    assert q0[q0["stage"] == "first_assessment"]["queue_end"].to_numpy() == pytest.approx(
        [4 + k * (10 - 8 * c) for k in (1, 2, 3)]
    )
    name = t("report.plan.rule.first_visit_first", lang)
    assert t("plan.priority.lent", lang, rule=name, total="5", n=3) in lent.messages
    # a rule that only reorders patients within a stage moves no slots, and says so
    need = pp.production_plan(weeks, slots, _inputs(), priority_rule="need", **kw)
    pd.testing.assert_frame_equal(need.weeks, fcfs.weeks)
    assert need.messages[-1] == t("plan.priority.same", lang, rule=t("report.plan.rule.need", lang))


def test_bad_decisions_name_the_argument(basis: pp.PlanBasis) -> None:
    from toolkit.errors import ParameterError

    with pytest.raises(ParameterError, match="priority_rule"):
        pp.plan_from_basis(basis, priority_rule="loudest")
    with pytest.raises(ParameterError, match="share_group"):
        pp.plan_from_basis(basis, share_group=0.7, share_digital=0.5)
    with pytest.raises(ParameterError, match=r"fte\[psychologist\]"):
        pp.plan_from_basis(basis, added_fte={"psychologist": -100.0})
