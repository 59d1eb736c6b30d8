"""toolkit.production_plan and toolkit.plan_export: the plan's arithmetic, its agreement
with the capacity module, the unbalanced message and the Excel workbook read back.

The hand-worked example (worked on paper, not with the module)
---------------------------------------------------------------
Two weeks starting Monday 2025-09-01 and 2025-09-08, 10 referrals forecast
each. Pathway: 0.8 first assessments per referral, 0.5 stage 2 starts per
first assessment, a quarter of them in-depth assessments, 3 follow-up
visits per course, one slot per visit, 20 % no-shows, half of treatment and
follow-up visits in groups of 4. Targets 30 days (30/7 weeks), 90 % within,
random variation (cv 1). One category, psychologists: 12 first-assessment
and 25 stage 2 slots a week (yearly mean), 12 and 25 clinical hours behind
them; no summer leave.

* first assessments F = 0.8 × 10 = 8; stage 2 starts S = 0.5 × 8 = 4:
  in-depth I = 1, treatment T = 3, follow-ups U = 3 × 4 = 12, group
  sessions G = 0.5 × (3 + 12) / 4 = 1.875.
* Kingman: factor for 90 % within = ln 10 = 2.302585 (exponential waits);
  buffer = (1 + 1)/2 × 2.302585 / (30/7) = 0.537270 patients a week, so
  8.537270 and 4.537270 planned.
* slots to book: 8.537270 / 0.8 = 10.671588; 4.537270 × 1 × (1 + 3) / 0.8
  = 22.686350.
* calendar: the 52 weeks 2025-09-01 … 2026-08-30 have 260 weekdays less 11
  holidays on weekdays (24, 25, 26, 31 Dec; 1, 6 Jan; Good Friday 3 Apr,
  Easter Monday 6 Apr, 1 May, Ascension 14 May, midsummer eve 19 Jun; 6 Jun
  2026 is a Saturday) = 249; a September week has 5: factor 5 / (249/52) =
  260/249 = 1.044177. Slots available 12 × 260/249 = 12.530120 and
  25 × 260/249 = 26.104418; balance 1.858532 and 3.418068 slots.
"""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from toolkit import plan_export as pe
from toolkit import production_plan as pp
from toolkit import simulate, unit_now
from toolkit.i18n import t
from toolkit.io import load_unit

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def _inputs(**over: object) -> pp.PlanInputs:
    base: dict[str, object] = dict(
        first_share=0.8, deep_share=0.5, in_depth_share=0.25, follow_up_visits_per_course=3.0,
        visit_cost=1.0, dna_rate=0.2, share_group=0.5, group_size=4.0,
        target_wait_weeks={"first_assessment": 30 / 7, "deep_start": 30 / 7},
        share_within={"first_assessment": 0.9, "deep_start": 0.9},
    )  # fmt: skip
    base.update(over)
    return pp.PlanInputs(**base)  # type: ignore[arg-type]


def _slots(first: float = 12.0, deep: float = 25.0) -> pd.DataFrame:
    return pd.DataFrame(
        {"staff_category": ["psychologist"], "fte": [2.0], "first_slots_per_week": [first],
         "deep_slots_per_week": [deep], "first_hours_per_week": [first], "deep_hours_per_week": [deep]}
    )  # fmt: skip


def _weeks(values: list[float], start: str = "2025-09-01") -> pd.DataFrame:
    return pd.DataFrame(
        {"week_start": pd.date_range(start, periods=len(values), freq="W-MON"), "forecast": values}
    )


def test_hand_worked_example() -> None:
    plan = pp.production_plan(_weeks([10.0, 10.0]), _slots(), _inputs(), summer_leave_weeks=0)
    row = plan.weeks.iloc[0]
    expected = {
        "first_assessments": 8.0, "in_depth_assessments": 1.0, "treatment_starts": 3.0,
        "follow_up_visits": 12.0, "group_sessions": 1.875,
        "first_buffer": 0.537270, "deep_buffer": 0.537270,
        "first_slots_needed": 10.671588, "deep_slots_needed": 22.686350,
        "calendar_factor": 1.044177, "first_slots_available": 12.530120,
        "deep_slots_available": 26.104418, "first_balance": 1.858532, "deep_balance": 3.418068,
    }  # fmt: skip
    for column, value in expected.items():
        assert row[column] == pytest.approx(value, abs=1e-5), column
    assert plan.balanced and plan.short_weeks.empty
    # per category (one category): the same slots; hours = slots × 1 h
    cat = plan.by_category[(plan.by_category["staff_category"] == "psychologist")]
    first = cat[cat["stage"] == "first_assessment"].iloc[0]
    assert first["hours_needed"] == pytest.approx(10.671588, abs=1e-5)
    # schedule template adds up to the plan
    sched = pp.schedule_template(plan).set_index("staff_category")
    assert sched.loc["psychologist", "first_assessment"] == pytest.approx(10.671588, abs=1e-5)
    kinds = ["in_depth_assessment", "treatment_start", "follow_up"]
    assert sched.loc["psychologist", kinds].sum() == pytest.approx(22.686350, abs=1e-5)
    assert sched.loc["psychologist", "per_fte_total"] == pytest.approx(
        (10.671588 + 22.686350) / 2, abs=1e-5
    )
    assert sched[kinds].sum().sum() == pytest.approx(plan.weeks["deep_slots_needed"].mean())


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_unbalanced_plan_says_by_how_much_and_when(lang: str) -> None:
    # 22–26 Dec 2025: 24, 25, 26 off (2 working days); 29 Dec–2 Jan: 31 Dec, 1 Jan off (3);
    # 5–9 Jan 2026: Epiphany 6 Jan off (4). Factor = working days / (249/52).
    weeks = _weeks([10.0] * 20)
    plan = pp.production_plan(weeks, _slots(first=10.5), _inputs(), summer_leave_weeks=0, lang=lang)
    factor = np.array([5.0] * 20)
    factor[[16, 17, 18]] = [2.0, 3.0, 4.0]
    available = 10.5 * factor / (249 / 52)
    short = available < 10.671588
    assert not plan.balanced
    got = plan.short_weeks[plan.short_weeks["stage"] == "first_assessment"]
    assert got["week_start"].tolist() == weeks["week_start"][short].tolist()
    total = (10.671588 - available[short]).sum()
    assert got["shortfall_slots"].sum() == pytest.approx(total, abs=1e-4)
    mark = "v" if lang == "sv" else "W"
    assert plan.messages[1] == t(
        "plan.short", lang, stage=t("plan.stage.first_assessment", lang), n=int(short.sum()),
        total=f"{total:.0f}",
        worst=f"{(10.671588 - available[short]).max():.1f}".replace(".", "," if lang == "sv" else "."),
        weeks=f"2025-{mark}52–2026-{mark}02",
    )  # fmt: skip


def test_calendar_factor_keeps_the_yearly_mean_and_takes_summer_leave() -> None:
    weeks = pd.date_range("2025-01-06", periods=52, freq="W-MON")
    c = pp.calendar_factor(weeks, summer_leave_weeks=4)
    assert c.mean() == pytest.approx(1.0)
    iso = weeks.isocalendar().week.to_numpy()
    # a summer week keeps 1 - 4/6 of a full week's staff
    july = c[iso == 29][0] / c[iso == 38][0]
    assert july == pytest.approx(1 - 4 / 6)


@pytest.fixture(scope="module")
def balans() -> object:
    return load_unit(ROOT / "sample_data" / "balans", extract_date="2024-12-29")


def test_plan_equals_the_capacity_modules_figures(balans: object) -> None:
    cap = simulate.capacity_from_staff(balans)
    slots = pp.staff_slots(cap)
    assert slots["first_slots_per_week"].sum() == pytest.approx(cap.first_per_week)
    assert slots["deep_slots_per_week"].sum() == pytest.approx(cap.deep_per_week)
    now = unit_now.now_figures(balans)
    terms = now.capacity_terms
    # demand that exactly uses the staff's patients a week (unit_now.patients_per_week)
    patients = unit_now.patients_per_week(
        {"first_assessment": cap.first_per_week, "deep_start": cap.deep_per_week}, terms
    )
    inputs = _inputs(
        first_share=1.0, deep_share=patients["deep_start"] / patients["first_assessment"],
        follow_up_visits_per_course=terms["follow_up_visits_per_course"],
        visit_cost=terms["visit_cost"], dna_rate=terms["dna_rate"],
    )  # fmt: skip
    weeks = _weeks([patients["first_assessment"]] * 52, start="2025-01-06")
    plan = pp.production_plan(weeks, slots, inputs, buffer_rule="none")
    assert plan.weeks["first_slots_needed"].to_numpy() == pytest.approx(cap.first_per_week)
    assert plan.weeks["deep_slots_needed"].to_numpy() == pytest.approx(cap.deep_per_week)
    assert plan.weeks["first_slots_available"].mean() == pytest.approx(cap.first_per_week)
    assert plan.weeks["deep_slots_available"].mean() == pytest.approx(cap.deep_per_week)
    by = plan.by_category.groupby(["week_start", "stage"])[
        ["slots_needed", "slots_available"]
    ].sum()
    assert by.xs("first_assessment", level="stage")["slots_needed"].to_numpy() == pytest.approx(
        cap.first_per_week
    )


def test_unit_plan_and_excel_read_back(balans: object, tmp_path: object) -> None:
    plan = pp.unit_plan(balans, horizon_weeks=26, history_start="2023-01-02", lang="en")
    assert len(plan.weeks) == 26 and plan.forecast.ok
    assert plan.weeks["referrals"].to_numpy() == pytest.approx(plan.forecast.future["forecast"])
    for lang in ("sv", "en"):
        path = pe.write_plan_workbook(plan, tmp_path / f"plan_{lang}.xlsx",  # type: ignore[operator]
                                      unit_name='=HYPERLINK("http://x")', lang=lang)  # fmt: skip
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == [t(f"plan.sheet.{s}", lang) for s in pe.SHEETS]
        weeks = book[t("plan.sheet.weeks", lang)]
        head = [c.value for c in weeks[1]]
        assert head[0] == t("plan.col.week_start", lang)
        col = head.index(t("plan.col.first_slots_needed", lang))
        values = [weeks.cell(row=r, column=col + 1).value for r in range(2, 28)]
        assert values == pytest.approx(plan.weeks["first_slots_needed"].round(2).tolist())
        year = book[t("plan.sheet.year", lang)]
        yhead = [c.value for c in year[1]]
        got = year.cell(row=2, column=yhead.index(t("plan.col.referrals", lang)) + 1).value
        assert got == pytest.approx(round(plan.weeks["referrals"].sum(), 2))
        cats = book[t("plan.sheet.weeks_by_category", lang)]
        chead = [c.value for c in cats[1]]
        rows = list(cats.iter_rows(min_row=2, values_only=True))
        stage = chead.index(t("plan.col.stage", lang))
        need = chead.index(t("plan.col.slots_needed", lang))
        first_week = [
            r[need] for r in rows
            if r[0] == rows[0][0] and r[stage] == t("plan.stage.first_assessment", lang)
        ]  # fmt: skip
        assert sum(first_week) == pytest.approx(plan.weeks["first_slots_needed"].iloc[0], abs=0.05)
        about = book[t("plan.sheet.about", lang)]
        assert about["B2"].value == '=HYPERLINK("http://x")' and about["B2"].data_type == "s"
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f"


def test_too_short_history_gives_an_empty_plan_with_the_message(balans: object) -> None:
    plan = pp.unit_plan(balans, history_start="2024-06-03", lang="sv")
    assert plan.weeks.empty and plan.forecast.method == "none"
    assert plan.messages[0].startswith("Historiken är")
    fallback = pp.unit_plan(balans, history_start="2024-06-03", forecast_method="recent_mean")
    assert len(fallback.weeks) == 52
    assert math.isclose(fallback.weeks["referrals"].iloc[0], fallback.weeks["referrals"].iloc[-1])


def test_fte_change_equals_the_capacity_modules_added_fte(balans: object) -> None:
    """The workbook's fast FTE change gives the slots capacity_from_staff(added_fte=...) gives."""
    basis = pp.plan_basis(balans, horizon_weeks=8, history_start="2023-01-02")
    fte = basis.slots.set_index("staff_category")["fte"]
    change = {"psychologist": 1.0, "nurse": -0.5}
    plan = pp.plan_from_basis(basis, fte={k: fte[k] + v for k, v in change.items()})
    cap = simulate.capacity_from_staff(balans, added_fte=change)
    assert plan.slots["first_slots_per_week"].sum() == pytest.approx(cap.first_per_week, rel=1e-9)
    assert plan.slots["deep_slots_per_week"].sum() == pytest.approx(cap.deep_per_week, rel=1e-9)
    # a group share changes the slots a visit takes as the simulation's Scenario does
    grouped = pp.plan_from_basis(basis, share_group=0.3)
    assert grouped.inputs.visit_cost == pytest.approx(
        simulate.Scenario(share_group=0.3, share_digital=basis.share_digital).visit_cost()
    )


def test_freed_administration_and_cost_equal_the_capacity_module(balans: object) -> None:
    """Decisions for balance: freed non-clinical time and FTE as capacity_from_staff gives them;
    the cost a year from the default salaries (monthly salary × 12 × (1 + payroll overhead))."""
    from toolkit.capacity import default

    basis = pp.plan_basis(balans, horizon_weeks=8, history_start="2023-01-02")
    fte = basis.slots.set_index("staff_category")["fte"]
    plan = pp.plan_from_basis(
        basis, freed_non_clinical_share=0.3, fte={"psychologist": fte["psychologist"] + 1.0}
    )
    cap = simulate.capacity_from_staff(
        balans, freed_non_clinical_share=0.3, added_fte={"psychologist": 1.0}
    )
    assert plan.slots["first_slots_per_week"].sum() == pytest.approx(cap.first_per_week, rel=1e-9)
    assert plan.slots["deep_slots_per_week"].sum() == pytest.approx(cap.deep_per_week, rel=1e-9)
    salary, overhead = default("monthly_salary_sek"), float(default("payroll_overhead_share"))
    new_fte = fte.copy()
    new_fte["psychologist"] += 1.0
    expected = sum(
        float(new_fte[k]) * float(salary[k]) * 12 * (1 + overhead) for k in new_fte.index
    )
    assert plan.cost_per_year_sek == pytest.approx(expected)


def test_queue_projection_hand_worked() -> None:
    """The hand-worked example's weeks with queues of 5 and 3 at the start.

    Stage 1: 8 patients a week arrive; the slots take 12 × 260/249 × (1 − 0.2)
    = 10.024096 a week: 5 + 8 − 10.024096 = 2.975904, then 0.951807, then 0.
    Stage 2: 4 arrive; 25 × 260/249 × 0.8 / (1 × (1 + 3)) = 5.220884 a week:
    3 + 4 − 5.220884 = 1.779116, then 0.558233, then 0.
    """
    plan = pp.production_plan(_weeks([10.0] * 3), _slots(), _inputs(), summer_leave_weeks=0)
    q = pp.queue_projection(plan, {"first_assessment": 5.0, "deep_start": 3.0})
    first = q[q["stage"] == "first_assessment"]
    deep = q[q["stage"] == "deep_start"]
    assert first["capacity_per_week"].to_numpy() == pytest.approx([10.024096] * 3, abs=1e-6)
    assert first["queue_end"].tolist() == pytest.approx([2.975904, 0.951807, 0.0], abs=1e-6)
    assert deep["queue_end"].tolist() == pytest.approx([1.779116, 0.558233, 0.0], abs=1e-6)
