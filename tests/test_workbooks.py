"""Every Voilà workbook in a real browser (Debian's Chromium driven by Playwright).

Voilà is started by the session fixture in conftest.py with the project's own
command (pre-heated kernels, culling, the offline template). For each
workbook: the page loads with no error in the browser console and no request
leaves 127.0.0.1; every control is moved at least once and the figures in the
page change to the values the calculation modules give for the new setting
(computed here, independently of the widget code, from toolkit.flow,
toolkit.spc, toolkit.waitlist, ...); a bad upload shows the loader's own
message and the workbook stays usable; the switch to English relabels the
page. Screenshots go to ``screenshots/`` (git-ignored).

The expected values come from the calculation functions, which have their own
tests against published examples and peer tools (tests/test_spc.py,
tests/test_waitlist.py, ...); here the question is whether the page shows
them for the settings the user chose.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from toolkit.i18n import t
from toolkit.widgets import SPC_MEASURES, format_number

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.slow


# --------------------------------------------------------------------------- helpers
# Workbook (a page with its console errors and outside requests) and the
# open_workbook fixture live in conftest.py, shared by every browser test.


def _num(value: float, lang: str = "sv", digits: int = 1) -> str:
    return format_number(value, lang, digits)


# --------------------------------------------------------------------------- tree


def test_tree_lists_every_workbook(open_workbook: Any) -> None:
    book = open_workbook("")
    for path in sorted((ROOT / "notebooks" / "workbooks").glob("*.ipynb")):
        book.page.get_by_text(path.name, exact=True).wait_for(timeout=TIMEOUT_MS)
    # The tree page itself is Voilà's: its widget plugins complain that it has no
    # kernel, so only the offline rule is checked here; workbooks get assert_clean.
    assert book.outside == []


# --------------------------------------------------------------------------- SPC


def _spc_expected(
    unit_id: str,
    measure: str,
    *,
    chart: str = "xmr",
    rules: str = "mdc",
    rebase_index: int | None = None,
    target: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The SPC table and summary the page should show, from toolkit.flow and toolkit.spc."""
    from toolkit.flow import weekly_flow
    from toolkit.io import load_unit
    from toolkit.manifest import read_manifest
    from toolkit.spc import spc, spc_summary
    from toolkit.widgets import spc_series

    entry = next(e for e in read_manifest(ROOT / "sample_data" / "units.yaml") if e.id == unit_id)
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    flow = weekly_flow(unit, "W", profile=entry.target_profile, start=entry.extra["period_start"])
    series = spc_series(flow, measure)
    improvement = SPC_MEASURES[measure][2]
    rebase = None
    if rebase_index is not None:
        rebase = [pd.Timestamp(series["period"].iloc[12 + rebase_index])]
    kwargs: dict[str, Any] = {"value": "value"}
    if chart == "p":
        kwargs = {"value": "events", "denominator": "cases"}
    table = spc(
        series,
        date="period",
        chart=chart,
        rules=rules,
        improvement=improvement,
        target=target,
        rebase=rebase,
        **kwargs,
    )
    return table, spc_summary(table)


def _check_spc_figures(book: Any, table: pd.DataFrame, lang: str = "sv") -> None:
    last = table[table["part"] == table["part"].max()].iloc[-1]
    book.expect_text(".tk-points", _num(len(table), lang, 0))
    book.expect_text(".tk-centre", _num(float(last["centre"]), lang))
    book.expect_text(".tk-lower", _num(float(last["lower"]), lang))
    book.expect_text(".tk-upper", _num(float(last["upper"]), lang))


def _fired(table: pd.DataFrame) -> list[str]:
    rules = [c for c in table.columns if c.startswith("rule_")]
    order = [
        "rule_outside_limits",
        "rule_run",
        "rule_trend",
        "rule_two_of_three",
        "rule_long_run",
        "rule_few_crossings",
    ]
    fired = [r for r in order if r in rules and bool(table[r].fillna(False).any())]
    return fired or ["none"]


def _page_rules(book: Any) -> list[str]:
    items = book.page.locator(".tk-spc-rules li")
    return [str(items.nth(i).get_attribute("data-rule")) for i in range(items.count())]


def test_spc_workbook(open_workbook: Any, tmp_path: Path) -> None:
    book = open_workbook("styrdiagram", ".tk-figures")
    page = book.page
    # default: first sample unit, waiting for a first assessment, XmR, Making Data Count
    table, _summary = _spc_expected("balans", "waiting_first")
    _check_spc_figures(book, table)
    assert _page_rules(book) == _fired(table)
    # the badge names the latest point (Making Data Count's variation icon) and the
    # line beside it counts the chart's special-cause points
    last = table.iloc[-1]
    page.wait_for_selector(f".tk-variation[data-code='{last['point_type']}']")
    book.expect_contains(".tk-variation", f"({last['period']:%Y-%m-%d})")
    special = int((table["point_type"].astype(str) != "common_cause").sum())
    book.expect_contains(".tk-spc-chart-summary", f"{special} av {len(table)} punkter")
    page.wait_for_selector(".tk-app canvas, .tk-app svg.marks")
    book.screenshot("styrdiagram_sv")

    # measure: new referrals per week
    book.select("tk-measure", t("widgets.spc.measure.arrivals_first", "sv"))
    table, _ = _spc_expected("balans", "arrivals_first")
    _check_spc_figures(book, table)

    # chart type: run chart, whose centre is the median and which has no limits
    book.select("tk-chart-type", t("widgets.spc.chart.run", "sv"))
    table, _ = _spc_expected("balans", "arrivals_first", chart="run")
    book.expect_text(".tk-centre", _num(float(table["value"].median())))
    book.expect_text(".tk-lower", "–")

    # rule set: Anhøj's rules on the run chart
    page.locator(".tk-rules button", has_text=t("widgets.spc.rules.anhoej", "sv")).click()
    table, _ = _spc_expected("balans", "arrivals_first", chart="run", rules="anhoej")
    page.wait_for_function("() => document.querySelector('.tk-spc-rules li') !== null")
    book.expect_text(".tk-centre", _num(float(table["centre"].iloc[-1])))
    assert _page_rules(book) == _fired(table)

    # back to XmR and Making Data Count, then rebase one step: a new part from week 14
    book.select("tk-chart-type", t("widgets.spc.chart.xmr", "sv"))
    page.locator(".tk-rules button", has_text=t("widgets.spc.rules.mdc", "sv")).click()
    book.slider_right("tk-rebase")
    table, _ = _spc_expected("balans", "arrivals_first", rebase_index=0)
    assert table["part"].max() == 2
    _check_spc_figures(book, table)

    # target: on, 20 referrals a week; the assurance icon follows spc_summary
    page.locator(".tk-use-target input[type=checkbox]").check()
    target_input = page.locator(".tk-target input")
    target_input.fill("20")
    target_input.press("Enter")
    _, summary = _spc_expected("balans", "arrivals_first", rebase_index=0, target=20.0)
    assurance = summary["assurance"].iloc[0]
    if pd.isna(assurance):  # no improvement direction for arrivals: no assurance icon
        book.expect_text(".tk-no-assurance", t("widgets.spc.no_assurance", "sv"))
    # a measure with a direction: share within target, p chart, target 80 %; the
    # 20 referrals a week stay with their measure
    book.select("tk-measure", t("widgets.spc.measure.within_first", "sv"))
    checkbox = page.locator(".tk-use-target input[type=checkbox]")
    page.wait_for_function(
        "() => !document.querySelector('.tk-use-target input[type=checkbox]').checked"
    )
    checkbox.check()
    book.expect_options(
        "tk-chart-type",
        [t(f"widgets.spc.chart.{c}", "sv") for c in SPC_MEASURES["within_first"][3]],
    )
    book.select("tk-chart-type", t("widgets.spc.chart.p", "sv"))
    target_input.fill("80")
    target_input.press("Enter")
    table, summary = _spc_expected("balans", "within_first", chart="p", target=0.8)
    code = str(summary["assurance"].iloc[0])
    page.wait_for_selector(f".tk-assurance[data-code='{code}']")
    book.expect_contains(".tk-assurance", t(f"spc.assurance.{code}", "sv"))
    last = table.iloc[-1]
    book.expect_text(".tk-centre", _num(100 * float(last["centre"])) + " %")

    # unit: the small unit
    from toolkit.manifest import read_manifest

    entries = {e.id: e for e in read_manifest(ROOT / "sample_data" / "units.yaml")}
    book.select("tk-measure", t("widgets.spc.measure.waiting_first", "sv"))
    book.expect_options(
        "tk-chart-type",
        [t(f"widgets.spc.chart.{c}", "sv") for c in SPC_MEASURES["waiting_first"][3]],
    )
    book.select("tk-chart-type", t("widgets.spc.chart.xmr", "sv"))
    page.locator(".tk-use-target input[type=checkbox]").uncheck()
    book.select("tk-unit", entries["liten"].name)
    table, _ = _spc_expected("liten", "waiting_first")
    _check_spc_figures(book, table)

    # a bad upload: the loader's own message, and the workbook stays usable
    bad = ROOT / "tests" / "bad_inputs" / "missing_required_column" / "remisser.csv"
    from toolkit.errors import DataError
    from toolkit.io import load_unit

    with pytest.raises(DataError) as refused:
        load_unit(bad.parent)
    book.upload(bad)
    book.expect_text(".tk-error", refused.value.message("sv"))
    book.screenshot("styrdiagram_bad_upload")
    book.select("tk-unit", entries["balans"].name)
    table, _ = _spc_expected("balans", "waiting_first")
    _check_spc_figures(book, table)
    errs = page.locator(".tk-error")
    assert errs.count() == 0, errs.first.inner_text()  # the message, when one stays

    # a good upload: the small unit's referrals as the unit's own export
    good = ROOT / "sample_data" / "liten" / "referrals.csv"
    book.upload(good)
    book.expect_contains(".tk-unit-text", "referrals.csv")
    assert re.fullmatch(r"\d+", book.text(".tk-points"))

    # English
    page.locator(".tk-lang button", has_text="English").click()
    book.expect_text(".tk-app h1", "Read your SPC chart")
    book.expect_contains(".tk-measure", "Measure (per week)")
    book.expect_contains(".tk-spc-figures", "Centre line")
    book.screenshot("styrdiagram_en")
    book.assert_clean()


# --------------------------------------------------------------------------- time use


def _time_expected(freed: float) -> dict[str, float]:
    """Clinical hours and appointments from toolkit.capacity for the sample unit 'balans'."""
    from toolkit import capacity
    from toolkit.io import load_unit
    from toolkit.manifest import read_manifest

    entry = next(e for e in read_manifest(ROOT / "sample_data" / "units.yaml") if e.id == "balans")
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    effect = capacity.change_effect(
        capacity.staff_hours(unit.staff, on=entry.extract_date),
        freed_non_clinical_share=freed,
        non_clinical_share=capacity.time_use_shares(unit.time_use),
    )
    total = effect.set_index("staff_category").loc["total"]
    return {
        "clinical_before": float(total["clinical_hours_before_per_week"]),
        "clinical_after": float(total["clinical_hours_after_per_week"]),
        "appointments_after": float(total["appointments_after_per_week"]),
    }


def test_time_use_workbook(open_workbook: Any) -> None:
    book = open_workbook("vart_tar_tiden_vagen", ".tk-clinical-before")
    page = book.page
    start = _time_expected(0.0)
    book.expect_text(".tk-clinical-before", _num(start["clinical_before"], "sv", 0))
    # nothing freed: after equals before
    book.expect_text(".tk-clinical-after", _num(start["clinical_before"], "sv", 0))
    page.wait_for_selector(".tk-app canvas, .tk-app svg.marks")
    book.screenshot("vart_tar_tiden_vagen_sv")

    # slider one step right: 5 % of the non-clinical time freed
    book.slider_right("tk-freed")
    moved = _time_expected(0.05)
    assert moved["clinical_after"] > start["clinical_before"]
    book.expect_text(".tk-clinical-after", _num(moved["clinical_after"], "sv", 0))
    book.expect_text(".tk-appointments-after", _num(moved["appointments_after"], "sv", 0))

    # a unit without staff or a time-use study: what can be shown (the queue), what is
    # missing, and the page stays
    from toolkit.manifest import read_manifest

    entries = {e.id: e for e in read_manifest(ROOT / "sample_data" / "units.yaml")}
    book.select("tk-unit", entries["endast_antal"].name)
    book.expect_text(".tk-time-no-staff", t("widgets.time.no_staff", "sv"))
    book.expect_contains(".tk-missing", "personal.csv")

    # a bad upload shows the loader's message
    from toolkit.errors import DataError
    from toolkit.io import load_unit

    bad = ROOT / "tests" / "bad_inputs" / "missing_required_column" / "remisser.csv"
    with pytest.raises(DataError) as refused:
        load_unit(bad.parent)
    book.upload(bad)
    book.expect_text(".tk-error", refused.value.message("sv"))

    # back to a sample unit, then English
    book.select("tk-unit", entries["balans"].name)
    book.page.locator(".tk-error").wait_for(state="detached", timeout=TIMEOUT_MS)
    book.expect_text(".tk-clinical-after", _num(moved["clinical_after"], "sv", 0))
    page.locator(".tk-lang button", has_text="English").click()
    book.expect_text(".tk-app h1", "Where does the time go?")
    book.expect_contains(".tk-freed", "Share of the non-clinical time freed")
    book.expect_contains(".tk-time-figures", "Clinical time (hours per week)")
    book.expect_text(".tk-clinical-after", _num(moved["clinical_after"], "en", 0))
    book.screenshot("vart_tar_tiden_vagen_en")
    book.assert_clean()


# --------------------------------------------------------------------------- KvIPS årshjul


def test_kvips_cycle_workbook(open_workbook: Any) -> None:
    from toolkit import kvips_cycle as kc
    from toolkit import selfassess as sa

    book = open_workbook("kvips_arshjul", ".tk-kvips-plan table")
    page = book.page
    units = list(kc.EXAMPLE_UNITS)
    q = sa.load_questionnaire("kvips")
    # the first visit of year 1: the agenda's first difference is the module's
    plan = kc.year_plan(units, "2026-01-05")
    first = plan[(plan["step"] == "dialogue_visit") & (plan["visitor"] != kc.BYE)].iloc[0]
    agenda = kc.visit_agenda(
        first["host"], kc.example_answers(first["host"], q),
        first["visitor"], kc.example_answers(first["visitor"], q),
    )  # fmt: skip
    top = agenda.between_units.iloc[0]
    book.expect_contains(".tk-kvips-agenda", q.group(top["group"]).name["sv"])
    book.screenshot("kvips_arshjul_sv")
    # year 2 in the dropdown: its first round's host is in the plan
    book.select("tk-kvips-year", "År 2")
    plan2 = kc.year_plan(units, "2026-01-05", year_index=1)
    r = plan2[plan2["step"] == "dialogue_visit"]["round"].iloc[0]
    book.expect_contains(".tk-kvips-visit", f"Omgång {r}:")
    # a bad start date: the message, then back
    box = page.locator(".tk-kvips-start input")
    box.fill("5 januari")
    box.press("Enter")
    book.expect_contains(".tk-error", "kan inte läsas")
    box.fill("2026-01-05")
    box.press("Enter")
    page.locator(".tk-error").wait_for(state="detached", timeout=TIMEOUT_MS)
    page.locator(".tk-lang button", has_text="English").click()
    book.expect_text(".tk-app h1", "KvIPS annual cycle")
    book.expect_contains(".tk-kvips-plan", "Self-evaluation per role")
    book.screenshot("kvips_arshjul_en")
    book.assert_clean()
