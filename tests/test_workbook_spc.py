"""Kernel-side tests of the Styrdiagram workbook (toolkit.widgets.spc.SpcApp).

The page's words are read where a participant reads them (the badge HTML, the
chart's data and axis) and compared with toolkit.spc run on the same weekly
series outside the workbook. toolkit.spc itself is checked against
NHSRplotthedots and qicharts2 in tests/test_spc.py. The browser test is
tests/test_workbooks.py::test_spc_workbook.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from toolkit.i18n import t

ROOT = Path(__file__).resolve().parent.parent


def _expected(unit_id: str, measure: str, **kwargs: Any) -> pd.DataFrame:
    """The SPC table of a sample unit's weekly measure, from toolkit.flow and toolkit.spc."""
    from toolkit.flow import weekly_flow
    from toolkit.io import load_unit
    from toolkit.manifest import read_manifest
    from toolkit.spc import spc
    from toolkit.widgets.spc import SPC_MEASURES, spc_series

    entry = next(e for e in read_manifest(ROOT / "sample_data" / "units.yaml") if e.id == unit_id)
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    flow = weekly_flow(unit, "W", profile=entry.target_profile, start=entry.extra["period_start"])
    series = spc_series(flow, measure)
    improvement = SPC_MEASURES[measure][2]
    return spc(series, value="value", date="period", improvement=improvement, **kwargs)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


@pytest.fixture(scope="module")
def app() -> Any:
    from toolkit.widgets.spc import SpcApp

    return SpcApp(lang="sv")


def test_badge_names_the_latest_point_and_counts_the_charts_special_causes(app: Any) -> None:
    # Making Data Count's variation icon is the latest point's variation
    # (NHSRplotthedots ptd_get_icons); the line beside it counts the chart's signals.
    app.measure.value = "waiting_first"
    table = _expected("balans", "waiting_first")
    last = table.iloc[-1]
    code = re.search(r"tk-variation' data-code='(\w+)'", app.icons.value)
    assert code is not None and code.group(1) == str(last["point_type"])
    badge = _text(app.icons.value)
    assert f"Senaste punkten ({last['period']:%Y-%m-%d}):" in badge
    assert t(f"spc.point_type.{last['point_type']}", "sv") in badge
    special = table[table["point_type"].astype(str) != "common_cause"]
    assert len(special) > 0  # the sample unit's waiting list shifts
    assert f"{len(special)} av {len(table)} punkter visar särskild orsak" in badge
    for kind, n in special["point_type"].astype(str).value_counts().items():
        assert f"{n} {t(f'spc.kind.{kind}', 'sv')}" in badge
    assert f"den senaste {special['period'].iloc[-1]:%Y-%m-%d}" in badge
    if str(last["point_type"]) == "common_cause":  # a grey badge over signals says so
        assert t("spc.chart_special.earlier", "sv") in badge


def test_a_measure_without_direction_is_neutral_and_purple(app: Any) -> None:
    # New referrals have no better direction: NHSRplotthedots' neutral types, purple.
    app.measure.value = "arrivals_first"
    table = _expected("balans", "arrivals_first")
    types = set(table["point_type"].astype(str))
    assert types <= {"common_cause", "neutral_high", "neutral_low", "neither"}
    neutral = t("spc.chart.neutral", "sv")
    drawn = {row["variation"] for row in app.chart.spec["datasets"]["spc"]}
    assert (neutral in drawn) == bool(types & {"neutral_high", "neutral_low"})
    points = next(lay for lay in app.chart.spec["layer"] if lay["mark"]["type"] == "circle")
    assert "#490092" in points["encoding"]["color"]["scale"]["range"]
    app.measure.value = "waiting_first"


def test_a_target_belongs_to_its_measure(app: Any) -> None:
    # A 90 % target set on a share must not become a line at 90 referrals a week.
    app.measure.value = "within_first"
    app.use_target.value = True
    app.target.value = 90.0
    assert app.chart.spec["datasets"]["spc_target"][0]["target"] == 0.9
    app.measure.value = "arrivals_first"
    assert app.use_target.value is False
    assert "spc_target" not in app.chart.spec["datasets"]
    assert t("widgets.spc.no_assurance", "sv") in _text(app.icons.value)
    app.use_target.value = True
    app.target.value = 20.0
    assert app.chart.spec["datasets"]["spc_target"][0]["target"] == 20.0
    app.measure.value = "within_first"  # its own target comes back
    assert (app.use_target.value, app.target.value) == (True, 90.0)
    assert app.chart.spec["datasets"]["spc_target"][0]["target"] == 0.9
    app.use_target.value = False
    app.measure.value = "waiting_first"
    assert app.error.value == ""


def test_time_axis_names_the_year(app: Any) -> None:
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(app.chart.spec)
    table = _expected("balans", "waiting_first")
    years = {str(y) for y in pd.to_datetime(table["period"]).dt.year.unique()}
    shown = set(re.findall(r">[a-zä]{3} (\d{4})</text>", svg))
    assert shown and shown <= years and len(shown) >= 2
