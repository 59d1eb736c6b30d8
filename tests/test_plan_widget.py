"""PlanApp in the kernel (no browser): too little history shows the message, the fallback works,
and a unit without staff shows the plan's own message instead of a traceback."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import pandas as pd

from toolkit.i18n import t
from toolkit.io import load_unit

ROOT = Path(__file__).resolve().parent.parent


def _use(app: object, name: str, unit: object) -> None:
    app.source.uploaded = (name, unit)  # type: ignore[attr-defined]
    app.source._options()  # type: ignore[attr-defined]
    app._busy = True  # type: ignore[attr-defined]
    app.source.choice.value = "__upload__"  # type: ignore[attr-defined]
    app._busy = False  # type: ignore[attr-defined]
    app._guarded(app.source._changed)()  # type: ignore[attr-defined]  # as a pick or upload runs


def test_short_history_message_and_fallback() -> None:
    from toolkit.widgets.plan import PlanApp

    unit = load_unit(ROOT / "sample_data" / "balans", extract_date="2024-12-29")
    refs = unit.referrals[unit.referrals["received"] >= pd.Timestamp("2024-06-03")]
    short = dataclasses.replace(unit, referrals=refs)
    app = PlanApp()
    _use(app, "kort.csv", short)
    weeks = 30  # 2024-06-03 … 2024-12-29
    expected = t("forecast.too_short", "sv", weeks=weeks, least=52, recent=8)
    assert html.escape(expected, quote=True) in app.verdict.value
    assert app.figures.value == "" and app.error.value == ""
    app.fallback.value = True
    assert "Prognos = medelvärdet av de senaste 8 veckorna" in app.verdict.value
    assert app.plan is not None and len(app.plan.weeks) == 52
    referrals = app.plan.weeks["referrals"]
    assert (referrals == referrals.iloc[0]).all()  # flat: no season, no trend


def test_unit_without_staff_shows_the_message() -> None:
    from toolkit.widgets.plan import PlanApp

    unit = load_unit(ROOT / "sample_data" / "balans", extract_date="2024-12-29")
    no_staff = dataclasses.replace(unit, staff=unit.staff.iloc[0:0])
    app = PlanApp()
    _use(app, "utan_personal.csv", no_staff)
    # the page's own words (no argument name), and the missing file under the unit's name
    assert html.escape(t("widgets.plan.needs_staff", "sv"), quote=True) in app.error.value
    assert "personal.csv" in app.source.status.value
    assert "Traceback" not in app.error.value
