"""Vart tar tiden vägen? in the kernel: the queue figures are the unit's now figures.

The page's load before any time is freed is demand over capacity from staffing for a
first assessment, the same two numbers as the unit report's queue table and
Behov och kapacitet (toolkit.unit_now, the last 26 weeks), and the note states the
window. The browser test of the page is tests/test_workbooks.py::test_time_use_workbook.
"""

from __future__ import annotations

import re
from pathlib import Path

from toolkit import unit_now
from toolkit.io import load_unit
from toolkit.manifest import read_manifest
from toolkit.targets import load_profile
from toolkit.widgets.base import format_number

ROOT = Path(__file__).resolve().parents[1]


def _cell(html: str, cls: str) -> str:
    found = re.search(rf"class='{cls}'>([^<]*)<", html)
    assert found, cls
    return found.group(1)


def test_load_and_capacity_are_the_units_now_figures() -> None:
    from toolkit.widgets.timeuse import TimeUseApp

    app = TimeUseApp(lang="en")
    entry = next(e for e in read_manifest(ROOT / "sample_data" / "units.yaml") if e.id == "balans")
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    now = unit_now.now_figures(
        unit,
        profile=load_profile(entry.target_profile),
        period_start=entry.extra.get("period_start"),
        lang="en",
    )
    first = now.table[now.table["stage"] == "first_assessment"].iloc[0]
    html = app.figures.value
    # load = demand / capacity (DCAQ), in percent, before anything is freed
    load = 100 * first["demand_per_week"] / first["capacity_per_week"]
    assert _cell(html, "tk-load-before") == format_number(load, "en", 0)
    assert _cell(html, "tk-first-done-before") == format_number(first["capacity_per_week"], "en", 1)
    assert unit_now.window_text(now.window, "en") in html
