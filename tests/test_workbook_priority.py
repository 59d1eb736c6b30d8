"""The priority-rule workbook (Prioriteringsregler) in a real browser.

Voilà and Chromium come from the fixtures in conftest.py. The page loads with
no console error and no request leaving 127.0.0.1; every control is moved at
least once, and after each move every number of the side-by-side table (mean
wait of everyone, served or still waiting; 90th percentile and share within
target of those served; per rule, stage and need class), the class named as waiting longest and the kind of trade-off sentence
equal what this test computes itself: the unit calibrated with
toolkit.simulate.calibrate, the scenarios built here with Scenario.replace
from the settings the test chose, and toolkit.simulate.compare run with the
workbook's seed, replications and weeks. (toolkit.simulate has its own tests
against queueing theory and ciw; here the question is whether the page shows
compare's numbers for the settings on screen.) The reminder that no rule
replaces the clinical assessment is visible in Swedish and, after the switch,
in English. Screenshots go to ``screenshots/``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from toolkit.i18n import t
from toolkit.widgets import format_number
from toolkit.widgets.priority import REPLICATIONS, SEED, WINDOW_WEEKS

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.slow

CLASSES = ("urgent", "high", "routine")


def _entries() -> dict[str, Any]:
    from toolkit.manifest import read_manifest

    return {e.id: e for e in read_manifest(ROOT / "sample_data" / "units.yaml")}


def _base(unit_id: str) -> Any:
    from toolkit.io import load_unit
    from toolkit.simulate import calibrate
    from toolkit.targets import load_profile

    entry = _entries()[unit_id]
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    return calibrate(unit, window_weeks=WINDOW_WEEKS, profile=load_profile(entry.target_profile))


def _expected(
    base: Any,
    rules: list[str],
    *,
    reserved: tuple[float, float] = (0.10, 0.20),
    urgent_target: int = 0,
    capacity_first: float = 0.0,
    capacity_deep: float = 0.0,
    demand: float = 0.0,
    weeks: int = 52,
) -> pd.DataFrame:
    """toolkit.simulate.compare for the settings on screen, scenarios built by hand."""
    from toolkit.simulate import compare

    common = base.replace(
        capacity_first_per_week=base.capacity_first_per_week * (1 + capacity_first),
        capacity_deep_per_week=base.capacity_deep_per_week * (1 + capacity_deep),
        arrivals_per_week={k: v * (1 + demand) for k, v in base.arrivals_per_week.items()},
        class_target_days={"urgent": float(urgent_target)}
        if urgent_target and "urgent" in base.classes
        else {},
        reserved_shares={},
    )
    shares = {k: s for k, s in zip(("urgent", "high"), reserved, strict=True) if k in base.classes}
    scenarios = [
        common.replace(name=r, priority_rule=r, reserved_shares=shares if r == "reserved" else {})
        for r in rules
    ]
    return compare(scenarios, weeks, REPLICATIONS, SEED, last_weeks=weeks // 2)


def _cells(result: pd.DataFrame, lang: str = "sv") -> dict[str, str]:
    """The table's texts: weeks with one decimal, shares in whole per cent."""
    out = {}
    for row in result.itertuples():
        key = f"{row.scenario}|{row.stage}|{row.need_class}|"
        out[key + "wait_everyone_mean_weeks"] = format_number(row.wait_everyone_mean_weeks, lang, 1)
        out[key + "wait_p90_weeks"] = format_number(row.wait_p90_weeks, lang, 1)
        share = format_number(100 * row.share_within_target, lang, 0)
        out[key + "share_within_target"] = share if share == "–" else share + " %"
    return out


_READ_CELLS = """() => Object.fromEntries([...document.querySelectorAll('.tk-cell')].map(
  e => [e.dataset.rule + '|' + e.dataset.stage + '|' + e.dataset.class + '|' + e.dataset.measure,
        e.textContent]))"""

_CELLS_ARE = (
    "(expected) => {\n  const got = ("
    + _READ_CELLS
    + ")();\n  const keys = Object.keys(expected);\n"
    "  return keys.length === Object.keys(got).length"
    " && keys.every(k => got[k] === expected[k]);\n}"
)


def _longest(result: pd.DataFrame) -> dict[str, str]:
    """Which class waits longest, per rule and stage, found here with pandas."""
    own = result[result["need_class"].astype(str) != "all"].copy()
    own["stage"] = own["stage"].astype(str)
    own["need_class"] = own["need_class"].astype(str)
    out = {}
    for (rule, stage), g in own.groupby(["scenario", "stage"], sort=False):
        out[f"{rule}|{stage}"] = str(g.loc[g["wait_everyone_mean_weeks"].idxmax(), "need_class"])
    total = own.groupby(["scenario", "need_class"], sort=False)["wait_everyone_mean_weeks"].sum()
    for rule in pd.unique(own["scenario"]):
        out[f"{rule}|pathway"] = str(total[rule].idxmax())
    return out


# The chart's bars as drawn (SVG): each mark's aria-label names its rule, need class
# and mean wait (the tooltip's fields, one decimal in the chart's Swedish locale).
_CHART_MEANS = r"""() => [...new Set([...document.querySelectorAll('.tk-main-chart svg [aria-label]')]
  .map(e => /Regel: ([^;]+); Behovsgrupp: ([^;]+); Medel, alla \(v\): (-?[0-9][0-9,]*);/
             .exec(e.getAttribute('aria-label')))
  .filter(m => m).map(m => m[1] + '|' + m[2] + '|' + m[3]))].sort()"""


def _chart_means(result: pd.DataFrame) -> list[str]:
    """What the chart must show: rule, need class and mean wait of every bar (Swedish)."""
    out = set()
    for row in result.itertuples():
        if pd.notna(row.wait_everyone_mean_weeks):
            rule = t(f"widgets.priority.rule.{row.scenario}", "sv")
            need = t(f"widgets.priority.class.{row.need_class}", "sv")
            out.add(f"{rule}|{need}|{row.wait_everyone_mean_weeks:.1f}".replace(".", ","))
    return sorted(out)


def _check(book: Any, result: pd.DataFrame, lang: str = "sv") -> None:
    """Wait until the page's table shows ``result``; then who waits longest too, and
    (in Swedish) until the chart's bars carry the same mean waits."""
    expected = _cells(result, lang)
    try:
        book.page.wait_for_function(_CELLS_ARE, arg=expected, timeout=TIMEOUT_MS)
    except Exception:
        got = book.page.evaluate(_READ_CELLS)
        error = book.page.locator(".tk-error").all_inner_texts()
        assert got == expected, f"table differs (error box: {error})"
        raise
    if lang == "sv":
        bars = _chart_means(result)
        try:
            book.page.wait_for_function(
                f"(want) => JSON.stringify(({_CHART_MEANS})()) === JSON.stringify(want)",
                arg=bars,
                timeout=TIMEOUT_MS,
            )
        except Exception:
            assert book.page.evaluate(_CHART_MEANS) == bars, "the chart's bars differ"
            raise
    for key, cls in _longest(result).items():
        rule, stage = key.split("|")
        cell = book.page.locator(f".tk-longest-cell[data-rule='{rule}'][data-stage='{stage}']")
        assert cell.get_attribute("data-class") == cls, key


def _kind(result: pd.DataFrame, reference: str, other: str, stage: str) -> str:
    """The trade-off sentence's kind, from the mean waits of everyone (threshold 0.15 week)."""
    s = result[result["stage"].astype(str) == stage]
    s = s[s["need_class"].astype(str) != "all"].set_index(["scenario", "need_class"])
    change = s.loc[other, "wait_everyone_mean_weeks"] - s.loc[reference, "wait_everyone_mean_weeks"]
    gains, costs = bool((change <= -0.15).any()), bool((change >= 0.15).any())
    return "both" if gains and costs else "gains" if gains else "costs" if costs else "same"


def _open(open_workbook: Any, voila_url: str) -> Any:
    """The workbook in the browser fixture's page, with up to 5 minutes to load.

    On a busy machine the first render, which waits for the pre-heated
    kernel to run the notebook, can take longer than the fixture's page-load
    timeout, so the page starts blank and goes to the workbook with a longer
    one; console errors and outside requests are recorded from the start.
    """
    book = open_workbook("", base="about:blank")
    book.page.goto(f"{voila_url}voila/render/prioriteringsregler.ipynb", timeout=300_000)
    book.page.wait_for_selector(".tk-cell", timeout=300_000)
    return book


def test_priority_workbook(open_workbook: Any, voila_url: str, tmp_path: Path) -> None:
    book = _open(open_workbook, voila_url)
    page = book.page
    sv = lambda key, **f: t(key, "sv", **f)  # noqa: E731
    balans = _base("balans")

    # default: balans, first come first served against need first, 52 weeks
    result = _expected(balans, ["fcfs", "need"])
    _check(book, result)
    for stage in ("first_assessment", "deep_start"):
        li = page.locator(f"li.tk-tradeoff[data-other='need'][data-stage='{stage}']")
        assert li.get_attribute("data-kind") == _kind(result, "fcfs", "need", stage)
    # need first helps the urgent class at stage 1 and the routine class pays: "both"
    assert _kind(result, "fcfs", "need", "first_assessment") == "both"
    # the conservation of work, said in plain words under the trade-offs
    book.expect_contains(".tk-tradeoff", sv("widgets.priority.no_capacity"))
    note = page.locator(".tk-clinical-note")
    assert note.is_visible()
    book.expect_text(".tk-clinical-note", sv("widgets.priority.clinical_note"))
    book.expect_contains(".tk-platform", sv("widgets.priority.platform.dignity.name"))
    book.expect_contains(".tk-platform", sv("widgets.priority.platform.need.name"))
    book.expect_contains(".tk-platform", sv("widgets.priority.platform.cost.name"))
    page.wait_for_selector(".tk-main-chart canvas, .tk-main-chart svg", timeout=TIMEOUT_MS)
    book.screenshot("prioriteringsregler_sv")

    # rule B: first visit first
    book.select("tk-rule-b", sv("widgets.priority.rule.first_visit_first"))
    settings: dict[str, Any] = {}
    rules = ["fcfs", "first_visit_first"]
    _check(book, _expected(balans, rules))

    # rule C: reserved slots (10 % urgent, 20 % high by default)
    book.select("tk-rule-c", sv("widgets.priority.rule.reserved"))
    rules = ["fcfs", "first_visit_first", "reserved"]
    _check(book, _expected(balans, rules))

    # the reserved shares, one step (5 %) each
    book.slider_right("tk-reserved-urgent")
    settings["reserved"] = (0.15, 0.20)
    _check(book, _expected(balans, rules, **settings))
    book.slider_right("tk-reserved-high")
    settings["reserved"] = (0.15, 0.25)
    _check(book, _expected(balans, rules, **settings))

    # an own target of 7 days for urgent, and rule A: most overdue first
    book.select("tk-urgent-target", sv("widgets.priority.urgent_target.days", days=7))
    settings["urgent_target"] = 7
    _check(book, _expected(balans, rules, **settings))
    book.select("tk-rule-a", sv("widgets.priority.rule.longest_wait"))
    rules = ["longest_wait", "first_visit_first", "reserved"]
    _check(book, _expected(balans, rules, **settings))

    # capacity at each stage and demand, one step (5 %) each
    book.slider_right("tk-capacity-first")
    settings["capacity_first"] = 0.05
    _check(book, _expected(balans, rules, **settings))
    book.slider_right("tk-capacity-deep")
    settings["capacity_deep"] = 0.05
    _check(book, _expected(balans, rules, **settings))
    book.slider_right("tk-demand")
    settings["demand"] = 0.05
    _check(book, _expected(balans, rules, **settings))

    # horizon: 26 weeks (waits of the last 13)
    page.locator(".tk-horizon button", has_text=sv("widgets.priority.weeks", weeks=26)).click()
    settings["weeks"] = 26
    _check(book, _expected(balans, rules, **settings))

    # unit: skolar, whose stage 1 is overloaded
    entries = _entries()
    book.select("tk-unit", entries["skolar"].name)
    skolar = _base("skolar")
    on_skolar = _expected(skolar, rules, **settings)
    _check(book, on_skolar)

    # the same rule twice: a note, the rule compared once (the page stays usable),
    # then back to two rules
    book.select("tk-rule-c", sv("widgets.priority.rule.first_visit_first"))
    book.expect_text(
        ".tk-rule-warning",
        sv("widgets.priority.same_rule", rule=sv("widgets.priority.rule.first_visit_first")),
    )
    rules = ["longest_wait", "first_visit_first"]
    on_skolar = _expected(skolar, rules, **settings)
    _check(book, on_skolar)
    assert page.locator(".tk-error").count() == 0
    book.select("tk-rule-c", sv("widgets.priority.rule.none"))
    book.expect_text(".tk-rule-warning", "")
    _check(book, on_skolar)

    # a bad upload: the loader's own message, the page stays usable
    from toolkit.errors import DataError
    from toolkit.io import load_unit

    bad = ROOT / "tests" / "bad_inputs" / "missing_required_column" / "remisser.csv"
    with pytest.raises(DataError) as refused:
        load_unit(bad.parent)
    book.upload(bad)
    book.expect_text(".tk-error", refused.value.message("sv"))

    # a good upload: the small unit's referrals alone, calibrated up to their last date
    good = ROOT / "sample_data" / "liten" / "referrals.csv"
    folder = tmp_path / "upload"
    folder.mkdir()
    shutil.copy(good, folder / good.name)
    from toolkit.simulate import calibrate
    from toolkit.widgets import last_date

    own = load_unit(folder, extract_date=dt.date.today())
    own = dataclasses.replace(own, extract_date=last_date(own))
    book.upload(good)
    book.expect_contains(".tk-unit-text", "referrals.csv")
    _check(book, _expected(calibrate(own, window_weeks=WINDOW_WEEKS), rules, **settings))

    # back to skolar, then English: relabelled, numbers in English format
    book.select("tk-unit", entries["skolar"].name)
    _check(book, on_skolar)
    page.locator(".tk-lang button", has_text="English").click()
    book.expect_text(".tk-app h1", "Priority rules")
    book.expect_contains(".tk-rule-a", "Rule A (the reference)")
    book.expect_contains(".tk-horizon", "Horizon")
    _check(book, on_skolar, "en")
    book.expect_text(".tk-clinical-note", t("widgets.priority.clinical_note", "en"))
    assert page.locator(".tk-clinical-note").is_visible()
    book.expect_contains(".tk-platform", "Human dignity")
    book.expect_contains(".tk-longest", "Who waits longest?")
    page.wait_for_selector(".tk-main-chart canvas, .tk-main-chart svg", timeout=TIMEOUT_MS)
    book.screenshot("prioriteringsregler_en")
    book.assert_clean()
