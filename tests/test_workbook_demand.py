"""The workbook "Behov och kapacitet" / "Demand and capacity" in a real browser.

Voilà and Chromium come from the fixtures in conftest.py. The page loads
clean; every control is moved at least once and the figures in the page change
to the values the calculation modules give for the new settings. The expected
values are computed here, independently of the widget code, with the public
functions of toolkit.flow (demand, activity, queue), toolkit.simulate
(capacity_from_staff: the whole toolkit.capacity chain from the staff table;
calibrate, run and summary for the projection) and toolkit.waitlist (target
queue, capacity needed, relief capacity, load), which have their own tests
against published examples. The page's stage capacities in patients a week
are the definitions written in toolkit.unit_now and DemandCapacityApp's docstring:
C1 = (1 − p) S1 and C2 = (1 − p) S2 / (c (1 + v)), over the last 26 whole weeks
(docs/balance.md), changed by the controls in proportion.

A good upload (the small sample unit written as one Excel workbook, sheets
named as in templates/unit_data_template.xlsx) switches the page to that unit;
a bad upload shows the loader's own message (DataError.message from load_unit)
and the page stays usable; the English switch relabels the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from toolkit import capacity, simulate, waitlist
from toolkit.flow import weekly_flow
from toolkit.io import load_unit
from toolkit.manifest import read_manifest
from toolkit.widgets.base import format_number

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.slow

STAGES = {"first_assessment": "first", "deep_start": "deep"}
#: The page's figures: name, decimals shown, scale, suffix.
FIGURES = [
    ("demand", 1, 1.0, ""),
    ("capacity", 1, 1.0, ""),
    ("activity", 1, 1.0, ""),
    ("queue", 0, 1.0, ""),
    ("load", 2, 1.0, ""),
    ("target_queue", 0, 1.0, ""),
    ("capacity_needed", 1, 1.0, ""),
    ("relief", 1, 1.0, ""),
    ("time_to_clear", 1, 1.0, ""),
    ("queue_6", 0, 1.0, ""),
    ("queue_12", 0, 1.0, ""),
    ("wait_6", 0, 1.0, ""),
    ("wait_12", 0, 1.0, ""),
    ("within_12", 0, 100.0, " %"),
]


# --------------------------------------------------------------------------- expected values


def _entries() -> dict[str, Any]:
    return {e.id: e for e in read_manifest(SAMPLES / "units.yaml")}


def _sample(unit_id: str) -> tuple[Any, Any]:
    entry = _entries()[unit_id]
    return entry, load_unit(entry.path, extract_date=entry.extract_date)


def _start_settings(unit: Any, profile_id: str) -> dict[str, Any]:
    """The settings a unit starts from, as the page's docstring defines them."""
    from toolkit.targets import load_profile

    hours = capacity.staff_hours(unit.staff, on=unit.extract_date)
    shares = capacity.time_use_shares(unit.time_use) if unit.has("time_use") else None
    clinical = capacity.clinical_hours(hours, non_clinical_share=shares)
    weights = clinical["contracted_hours_per_week"]
    admin = float((weights * clinical["non_clinical_share"]).sum() / weights.sum())
    scenario = simulate.calibrate(unit, window_weeks=26, profile=profile_id)
    stages = load_profile(profile_id).stages
    return {
        "fte": {
            str(k): float(f)
            for k, f in zip(hours["staff_category"], hours["fte"], strict=True)
            if f > 0
        },
        "admin": round(admin, 2),
        "dna": round(scenario.dna_rate, 2),
        "group": round(scenario.share_group, 2),
        "digital": round(scenario.share_digital, 2),
        "profile": profile_id,
        "target_days": {s: int(stages[s].target_days) for s in STAGES},
        "share_within": {s: float(stages[s].share_within) for s in STAGES},
    }


def _window(unit: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The last 26 whole weeks (Monday–Sunday) up to the extract date (docs/balance.md)."""
    last = pd.Timestamp(unit.extract_date).normalize()
    end = last - pd.Timedelta(days=(last.weekday() + 1) % 7)
    return end - pd.Timedelta(days=7 * 26 - 1), end


def _carried(slots: dict[str, float], sc: Any, dna: float) -> dict[str, float]:
    """Patients a week the slots carry: C1 = (1 − p) S1, C2 = (1 − p) S2 / (c (1 + v))."""
    return {
        "first_assessment": (1 - dna) * slots["first_assessment"],
        "deep_start": (1 - dna)
        * slots["deep_start"]
        / (sc.visit_cost() * (1 + sc.follow_up_visits_per_course)),
    }


def _expected(unit: Any, settings: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Every figure of the page, from the calculation modules.

    The page starts from the unit's figures for now (the unit report's): capacity
    from the staff table with the time-use study's non-clinical shares, and the
    no-show, group and digital shares measured over the window. The controls
    change it by the ratio of the staff's slots with the settings to those at
    the start settings, and the ratio of the patients those slots carry.
    """
    start = _start_settings(unit, settings["profile"])
    added = {k: v - start["fte"][k] for k, v in settings["fte"].items() if v != start["fte"][k]}
    measured = simulate.calibrate(unit, window_weeks=26, profile=settings["profile"])
    own = simulate.capacity_from_staff(unit)  # the staff in post, time-use shares
    now_slots = {"first_assessment": own.first_per_week, "deep_start": own.deep_per_week}
    now_capacity = _carried(now_slots, measured, measured.dna_rate)
    at_start = simulate.capacity_from_staff(unit, non_clinical_share=start["admin"])
    with_settings = simulate.capacity_from_staff(
        unit, added_fte=added or None, non_clinical_share=settings["admin"]
    )
    slots = {
        "first_assessment": now_slots["first_assessment"]
        * with_settings.first_per_week
        / at_start.first_per_week,
        "deep_start": now_slots["deep_start"]
        * with_settings.deep_per_week
        / at_start.deep_per_week,
    }
    # the projection continues the unit's activity (the calibrated slots), changed by
    # the controls in the proportion of the staff's slots (docs/simulation.md)
    scenario = measured.replace(
        capacity_first_per_week=measured.capacity_first_per_week
        * with_settings.first_per_week
        / at_start.first_per_week,
        capacity_deep_per_week=measured.capacity_deep_per_week
        * with_settings.deep_per_week
        / at_start.deep_per_week,
        dna_rate=settings["dna"],
        share_group=settings["group"],
        share_digital=settings["digital"],
        target_days_first=float(settings["target_days"]["first_assessment"]),
        target_days_deep=float(settings["target_days"]["deep_start"]),
    )
    before = measured.replace(
        dna_rate=start["dna"], share_group=start["group"], share_digital=start["digital"]
    )
    carried = _carried(slots, scenario, settings["dna"])
    carried0 = _carried(now_slots, before, start["dna"])
    capacity_per_week = {s: now_capacity[s] * carried[s] / carried0[s] for s in STAGES}
    run = simulate.run(scenario, weeks=52, replications=100, seed=1)
    run = run[run["need_class"].astype(str) == "all"]
    at_6 = simulate.summary(run[run["week"] <= 26], last_weeks=4).set_index("stage")
    at_12 = simulate.summary(run, last_weeks=4).set_index("stage")
    first, last = _window(unit)
    flow = weekly_flow(unit, "W", start=first, end=last)
    out = {}
    for stage in STAGES:
        part = flow[flow["stage"].astype(str) == stage]
        assert len(part) == 26
        demand = float((part["arrivals"] - part["removals"]).mean())
        queue = float(part["waiting_end"].iloc[-1])
        weeks = settings["target_days"][stage] / 7
        factor = waitlist.factor_for_share_within(settings["share_within"][stage])
        target = float(waitlist.target_queue_size(demand, weeks, factor))
        cap = capacity_per_week[stage]
        out[stage] = {
            "demand": demand,
            "capacity": cap,
            "activity": float(part["completions"].mean()),
            "queue": queue,
            "load": float(waitlist.queue_load(demand, cap)),
            "target_queue": target,
            "capacity_needed": float(waitlist.target_capacity(demand, weeks, factor)),
            # no relief is needed when the queue is at or below its target
            "relief": float(waitlist.relief_capacity(demand, queue, target, 26))
            if queue > target
            else float("nan"),
            "time_to_clear": float(waitlist.time_to_clear(queue, target, demand, cap)),
            "queue_6": float(at_6.loc[stage, "queue_end"]),
            "queue_12": float(at_12.loc[stage, "queue_end"]),
            "wait_6": 7 * float(at_6.loc[stage, "wait_mean_weeks"]),
            "wait_12": 7 * float(at_12.loc[stage, "wait_mean_weeks"]),
            "within_12": float(at_12.loc[stage, "share_within_target"]),
        }
    return out


def _check(book: Any, expected: dict[str, dict[str, float]], lang: str = "sv", only=None) -> None:
    from toolkit.i18n import t

    for stage, short in STAGES.items():
        for key, digits, scale, suffix in FIGURES:
            if only is not None and key not in only:
                continue
            value = scale * expected[stage][key]
            if value == float("inf"):
                text = t("widgets.demand.never", lang) if key == "time_to_clear" else "∞"
            else:
                text = format_number(value, lang, digits) + suffix
            book.expect_text(f".tk-{key.replace('_', '-')}-{short}", text)


# --------------------------------------------------------------------------- the test


def _open(open_workbook: Any, voila_url: str) -> Any:
    """Open the workbook in the browser.

    On a busy machine Voilà may still be pre-heating every workbook's kernel
    when the first request comes, and the browser's navigation gives up after
    30 s. So the page is first fetched once over HTTP with no time limit (which
    waits for the pre-heated kernel and lets Voilà pre-heat the next), and a
    navigation that still times out is tried again: a load symptom, not a
    behaviour under test.
    """
    import urllib.request

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tests.conftest import AUTH

    url = f"{voila_url}voila/render/behov_och_kapacitet.ipynb"
    request = urllib.request.Request(url, headers=AUTH)  # the server's token
    with urllib.request.urlopen(request, timeout=900) as answer:  # 127.0.0.1 only
        assert answer.status == 200
    for _attempt in range(2):
        try:
            return open_workbook("behov_och_kapacitet", ".tk-capacity-first")
        except PlaywrightTimeout:
            continue
    return open_workbook("behov_och_kapacitet", ".tk-capacity-first")


def test_demand_capacity_workbook(open_workbook: Any, voila_url: str, tmp_path: Path) -> None:
    book = _open(open_workbook, voila_url)
    page = book.page
    entry, unit = _sample("balans")  # the first unit of the manifest: the page's start
    settings = _start_settings(unit, entry.target_profile)
    _check(book, _expected(unit, settings))
    page.wait_for_selector(".tk-main-chart svg.marks, .tk-main-chart canvas", timeout=TIMEOUT_MS)
    assert page.locator(".tk-fte").count() == len(settings["fte"])
    book.screenshot("behov_och_kapacitet_sv")

    # every staff slider one step (0.05 FTE) up, psychologists ten steps (0.5 FTE)
    for category in settings["fte"]:
        presses = 10 if category == "psychologist" else 1
        book.slider_right(f"tk-fte-{category}", presses)
        settings["fte"][category] = settings["fte"][category] + 0.05 * presses
    expected = _expected(unit, settings)
    _check(book, expected)

    # administration 5 points up: less clinical time, less capacity
    book.slider_right("tk-admin", 5)
    settings["admin"] = round(settings["admin"] + 0.05, 2)
    before = expected
    expected = _expected(unit, settings)
    assert expected["first_assessment"]["capacity"] < before["first_assessment"]["capacity"]
    _check(book, expected)

    # no-shows, group and digital visits
    book.slider_right("tk-dna", 2)
    settings["dna"] = round(settings["dna"] + 0.02, 2)
    book.slider_right("tk-group", 5)
    settings["group"] = round(settings["group"] + 0.05, 2)
    book.slider_right("tk-digital", 3)
    settings["digital"] = round(settings["digital"] + 0.03, 2)
    _check(book, _expected(unit, settings))

    # targets: days and shares within target for both stages
    book.slider_right("tk-target-first", 10)
    settings["target_days"]["first_assessment"] += 10
    book.slider_right("tk-share-first", 3)
    settings["share_within"]["first_assessment"] = round(
        settings["share_within"]["first_assessment"] + 0.03, 2
    )
    book.slider_right("tk-target-deep", 5)
    settings["target_days"]["deep_start"] += 5
    book.slider_right("tk-share-deep", 2)
    settings["share_within"]["deep_start"] = round(settings["share_within"]["deep_start"] + 0.02, 2)
    expected = _expected(unit, settings)
    _check(book, expected)

    # another target profile sets both stages' targets from its file
    from toolkit.targets import load_profile

    general = load_profile("general_0_3_90_90")
    book.select("tk-profile", general.name("sv"))
    settings["target_days"] = {s: int(general.stages[s].target_days) for s in STAGES}
    settings["share_within"] = {s: float(general.stages[s].share_within) for s in STAGES}
    _check(book, _expected(unit, settings))

    # a good upload: the small sample unit as one Excel workbook
    liten = SAMPLES / "liten"
    workbook = tmp_path / "min_enhet.xlsx"
    with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
        for table in ("referrals", "visits", "staff", "time_use"):
            pd.read_csv(liten / f"{table}.csv", dtype=str).to_excel(
                writer, sheet_name=table, index=False
            )
    loaded = load_unit(workbook)
    dates = [
        frame[c].max()
        for frame in loaded.tables.values()
        for c in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[c]) and frame[c].notna().any()
    ]
    own = load_unit(workbook, extract_date=max(dates))
    book.upload(workbook)
    book.expect_contains(".tk-unit-text", "min_enhet.xlsx")
    own_settings = _start_settings(own, "bup_30_30")
    assert page.locator(".tk-fte").count() == len(own_settings["fte"])
    _check(book, _expected(own, own_settings), only={"demand", "activity", "queue", "capacity"})

    # a bad upload: the loader's own message, and the workbook stays usable
    from toolkit.errors import DataError

    bad = ROOT / "tests" / "bad_inputs" / "missing_required_column" / "remisser.csv"
    with pytest.raises(DataError) as refused:
        load_unit(bad.parent)
    book.upload(bad)
    book.expect_text(".tk-error", refused.value.message("sv"))
    book.screenshot("behov_och_kapacitet_bad_upload")
    book.select("tk-unit", entry.name)
    page.locator(".tk-error").wait_for(state="detached", timeout=TIMEOUT_MS)
    settings = _start_settings(unit, entry.target_profile)
    _check(book, _expected(unit, settings))

    # English
    page.locator(".tk-lang button", has_text="English").click()
    book.expect_text(".tk-app h1", "Demand and capacity")
    book.expect_contains(".tk-admin", "Administration, share of time")
    book.expect_contains(".tk-fte-psychologist", "Psychologists")
    book.expect_contains(".tk-demand-figures", "Capacity from staffing (patients/week)")
    book.expect_contains(".tk-method", "Projected waits: a simulation")
    _check(book, _expected(unit, settings), lang="en", only={"capacity", "load", "wait_12"})
    book.screenshot("behov_och_kapacitet_en")
    book.assert_clean()
