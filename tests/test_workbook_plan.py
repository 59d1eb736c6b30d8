"""The workbook "Produktionsplan" / "Production plan" in a real browser.

Voilà and Chromium come from the fixtures in conftest.py. The page starts
from the first sample unit; the staff, group share, target and buffer
controls are moved and the figures in the page are checked against
toolkit.production_plan.unit_plan called here with the same settings (its
arithmetic is checked against a hand-worked example and the capacity module
in tests/test_production_plan.py). The Excel button gives a download link;
the English switch relabels the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from toolkit import production_plan as pp
from toolkit.io import load_unit
from toolkit.manifest import read_manifest
from toolkit.widgets.base import format_number

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.slow


def _sample() -> tuple[Any, Any]:
    entry = read_manifest(SAMPLES / "units.yaml")[0]
    return entry, load_unit(entry.path, extract_date=entry.extract_date)


def _expected(entry: Any, unit: Any, settings: dict[str, Any]) -> pp.Plan:
    # the page plans the unit as it is until a control moves from where it started
    basis = pp.plan_basis(unit, history_start=entry.extra.get("period_start"))
    moved = settings["group"] != round(basis.inputs.share_group, 2)
    return pp.unit_plan(
        unit,
        history_start=entry.extra.get("period_start"),
        profile=entry.target_profile,
        fte=settings["fte"],
        freed_non_clinical_share=settings.get("freed", 0.0),
        share_group=settings["group"] if moved else None,
        target_days=settings["target_days"],
        buffer_rule=settings["buffer"],
    )


def _check(book: Any, plan: pp.Plan, lang: str = "sv") -> None:
    for stage, prefix in (("first_assessment", "first"), ("deep_start", "deep")):
        short = plan.short_weeks[plan.short_weeks["stage"] == stage]
        values = {
            "needed": format_number(float(plan.weeks[f"{prefix}_slots_needed"].mean()), lang, 1),
            "available": format_number(
                float(plan.weeks[f"{prefix}_slots_available"].mean()), lang, 1
            ),
            "short_weeks": format_number(float(len(short)), lang, 0),
            "shortfall": format_number(float(short["shortfall_slots"].sum()), lang, 0),
        }
        for name, text in values.items():
            book.expect_text(f".tk-{stage}-{name}", text)


def test_plan_workbook(open_workbook: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        book = open_workbook("produktionsplan", ".tk-first_assessment-needed")
    except PlaywrightTimeout:
        book = open_workbook("produktionsplan", ".tk-first_assessment-needed")
    page = book.page
    entry, unit = _sample()
    basis = pp.plan_basis(unit, history_start=entry.extra.get("period_start"))
    fte = {
        k: round(float(v), 2)
        for k, v in basis.slots.set_index("staff_category")["fte"].items()
        if v > 0
    }
    settings: dict[str, Any] = {
        "fte": fte,
        "group": round(basis.inputs.share_group, 2),
        "target_days": {"first_assessment": 30, "deep_start": 30},
        "buffer": "kingman",
    }
    plan = _expected(entry, unit, settings)
    _check(book, plan)
    queue = pp.queue_projection(plan, basis.start_queue).groupby("stage")["queue_end"].last()
    book.expect_contains(
        ".tk-plan-queue",
        f"första bedömning {format_number(float(queue['first_assessment']), 'sv', 0)} "
        f"(nu {format_number(basis.start_queue['first_assessment'], 'sv', 0)})",
    )
    verdict = "Planen går ihop." if plan.balanced else "Planen går inte ihop."
    book.expect_contains(".tk-plan-verdict", verdict)
    assert page.locator(".tk-fte").count() == len(fte)
    page.wait_for_selector(".tk-main-chart svg.marks", timeout=TIMEOUT_MS)
    book.screenshot("produktionsplan_sv")

    # half an FTE more psychologists (ten steps of 0.05)
    book.slider_right("tk-fte-psychologist", 10)
    settings["fte"]["psychologist"] = round(settings["fte"]["psychologist"] + 0.5, 2)
    more = _expected(entry, unit, settings)
    assert more.weeks["deep_slots_available"].mean() > plan.weeks["deep_slots_available"].mean()
    _check(book, more)

    # a fifth of the administration freed (four steps of 0.05): more slots, the same cost;
    # the cost line shows the change from the half FTE of psychologists
    book.slider_right("tk-freed", 4)
    settings["freed"] = 0.2
    freed = _expected(entry, unit, settings)
    _check(book, freed)
    start = dict(
        settings, fte={**settings["fte"], "psychologist": settings["fte"]["psychologist"] - 0.5}
    )
    change = (
        freed.cost_per_year_sek - _expected(entry, unit, {**start, "freed": 0.0}).cost_per_year_sek
    )
    book.expect_contains(
        ".tk-plan-cost",
        f"{format_number(freed.cost_per_year_sek / 1e6, 'sv', 2)} mnkr per år "
        f"(+{format_number(change / 1e6, 'sv', 2)} mnkr",
    )

    # more group visits, a longer first-assessment target, no buffer
    book.slider_right("tk-group", 5)
    settings["group"] = round(settings["group"] + 0.05, 2)
    book.slider_right("tk-target-first", 10)
    settings["target_days"]["first_assessment"] += 10
    page.locator(".tk-buffer button", has_text="Ingen").click()
    settings["buffer"] = "none"
    changed = _expected(entry, unit, settings)
    _check(book, changed)
    for m in changed.messages[-1:]:
        book.expect_contains(".tk-plan-verdict", m)

    # the Excel file
    page.locator(".tk-excel").click()
    link = page.locator(".tk-excel-link a")
    link.wait_for(timeout=TIMEOUT_MS)
    assert link.get_attribute("download", timeout=TIMEOUT_MS).endswith(".xlsx")
    assert link.get_attribute("href", timeout=TIMEOUT_MS).startswith(
        "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,"
    )

    # follow-up: the plan made 13 weeks before the extract date against the visits booked since
    from toolkit.plan_followup import unit_follow_up

    _plan, follow = unit_follow_up(
        unit, weeks=13, history_start=entry.extra.get("period_start"),
        profile=entry.target_profile, lang="sv",
    )  # fmt: skip
    page.locator(".tk-followup-button").click()
    for message in follow.messages:
        book.expect_contains(".tk-followup", message)

    # English
    page.locator(".tk-lang button", has_text="English").click()
    book.expect_text(".tk-app h1", "Production plan")
    book.expect_contains(".tk-fte-psychologist", "Psychologists")
    _check(book, changed, lang="en")
    book.screenshot("produktionsplan_en")
    book.assert_clean()


def test_plan_workbook_decisions_for_balance(open_workbook: Any) -> None:
    """Each decision changes the plan, the queue projection and the cost, in the page.

    One FTE more psychologists (twenty steps of 0.05) costs 48 000 kr × 12 ×
    (1 + 0.52) = 875 520 kr a year more (the default salary and payroll
    overhead of toolkit/data/capacity_defaults.yaml); the priority rule
    "first visit first" lends stage 2 slots to first assessments and costs
    nothing. The other cells are toolkit.production_plan.decision_effects
    called here with the same decisions (its values are checked by hand in
    tests/test_plan_decisions.py).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        book = open_workbook("produktionsplan", ".tk-decision-now")
    except PlaywrightTimeout:
        book = open_workbook("produktionsplan", ".tk-decision-now")
    entry, unit = _sample()
    basis = pp.plan_basis(unit, history_start=entry.extra.get("period_start"))
    fte = basis.slots.set_index("staff_category")["fte"]
    book.slider_right("tk-fte-psychologist", 20)
    book.expect_text(".tk-decision-staff .tk-dec-cost_change_per_year_sek", "+875\u00a0520")
    book.select("tk-priority", "första besöket först")
    book.page.wait_for_selector(".tk-decision-priority", timeout=TIMEOUT_MS)
    effects = pp.decision_effects(
        basis,
        fte={"psychologist": round(float(fte["psychologist"]), 2) + 1.0},
        priority_rule="first_visit_first",
        lang="sv",
    ).set_index("option")
    assert effects.loc["staff", "cost_change_per_year_sek"] == pytest.approx(875_520)
    for option in ("now", "staff", "priority", "all"):
        for column, digits in (
            ("first_slots_available", 1),
            ("deep_slots_available", 1),
            ("weeks_short", 0),
            ("queue_end_first", 0),
            ("queue_end_deep", 0),
        ):
            book.expect_text(
                f".tk-decision-{option} .tk-dec-{column}",
                format_number(float(effects.loc[option, column]), "sv", digits),
            )
    book.expect_text(".tk-decision-priority .tk-dec-cost_change_per_year_sek", "0")
    book.expect_contains(".tk-plan-verdict", "lånar")
    book.assert_clean()
