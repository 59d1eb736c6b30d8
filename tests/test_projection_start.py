"""The simulation behind the projections starts where the unit is.

For every sample unit with referrals and visits, the unit's calibrated
scenario (:func:`toolkit.simulate.calibrate`, the 26-week window of the
workbooks) is run, and its first weeks must continue the observed series:
the projected queue of week ``w`` lies within two standard deviations of the
observed week-to-week change times ``sqrt(w)`` of the last observed queue
(the spread of a random walk after ``w`` steps), and the projected
completions of weeks 1 and 2 lie within two standard deviations of the
observed weekly completions of their mean. The same holds for the
projection of the workbook *Behov och kapacitet* where the room reads it:
the projected queue in the chart's data and the completions of the run
behind it, for every sample unit the workbook can use. The observed series and their
variation come from :func:`toolkit.flow.weekly_flow`, independently of the
simulation. Before the simulation held the courses under way (and their
follow-up visits), ``balans`` had 43 waiting for stage 2 and the
projection 0 in week 1, with 54 starts in week 1 against about 10 a week
observed.
"""

from __future__ import annotations

import numpy as np
import pytest

from toolkit import simulate
from toolkit.flow import weekly_flow
from toolkit.i18n import t
from toolkit.simulate.state import start_ring
from toolkit.widgets.base import _load_sample, sample_units

UNITS = [e.id for e in sample_units() if e.id != "endast_antal"]  # counts only: no run
STAGES = ("first_assessment", "deep_start")
WINDOW_WEEKS = 26


def _observed(unit: object) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Weekly queue and completions of the last 26 weeks per stage (toolkit.flow)."""
    flow = weekly_flow(unit, "W", end=unit.extract_date)  # type: ignore[attr-defined]
    out = {}
    for stage in STAGES:
        observed = flow[flow["stage"].astype(str) == stage].tail(WINDOW_WEEKS)
        out[stage] = (
            observed["waiting_end"].to_numpy(dtype=float),
            observed["completions"].to_numpy(dtype=float),
        )
    return out


def _continues(label: tuple, queue: np.ndarray, done: np.ndarray, q: float, c: float, week: int):
    step_sd = float(np.std(np.diff(queue), ddof=1))
    done_sd = float(np.std(done, ddof=1))
    assert abs(q - queue[-1]) <= 2 * step_sd * np.sqrt(week), (*label, week, q, queue[-1], step_sd)
    assert abs(c - done.mean()) <= 2 * done_sd, (*label, week, c, done.mean(), done_sd)


@pytest.fixture(scope="module")
def demand_app():
    from toolkit.widgets.demand import DemandCapacityApp

    return DemandCapacityApp("sv")


@pytest.mark.parametrize("unit_id", UNITS)
def test_workbook_projection_continues_the_observed(demand_app, unit_id: str) -> None:
    _entry, unit = _load_sample(unit_id)
    demand_app.source.choice.value = unit_id
    assert demand_app.error.value == ""
    projection = demand_app._last[2]
    projected = t("widgets.demand.series.projected", "sv")
    data = demand_app.chart.spec["datasets"]
    observed = _observed(unit)
    for stage in STAGES:
        queue, done = observed[stage]
        chart = [r["value"] for r in data[f"queue_{stage}"] if r["series"] == projected]
        part = projection[projection["stage"].astype(str) == stage].set_index("week")
        for week in (1, 2):
            c = float(part["completions_mean"].loc[week])
            _continues((unit_id, stage), queue, done, chart[week - 1], c, week)
    # the page says where the projection starts and how far staffing is from it
    note = demand_app.figures.value
    assert "tk-projection-start" in note and "jämfört med aktiviteten" in note


@pytest.mark.parametrize("unit_id", UNITS)
def test_first_projected_weeks_continue_the_observed(unit_id: str) -> None:
    _entry, unit = _load_sample(unit_id)
    scenario = simulate.calibrate(unit, window_weeks=WINDOW_WEEKS)
    assert sum(scenario.start_courses_deep) > 0  # type: ignore[arg-type]
    table = simulate.run(scenario, weeks=4, replications=100, seed=1)
    table = table[table["need_class"].astype(str) == "all"]
    flow = weekly_flow(unit, "W", end=unit.extract_date)
    for stage in STAGES:
        observed = flow[flow["stage"].astype(str) == stage].tail(WINDOW_WEEKS)
        queue = observed["waiting_end"].to_numpy(dtype=float)
        done = observed["completions"].to_numpy(dtype=float)
        step_sd = float(np.std(np.diff(queue), ddof=1))
        done_sd = float(np.std(done, ddof=1))
        part = table[table["stage"].astype(str) == stage].set_index("week")
        for week in (1, 2):
            q = float(part["queue_mean"].loc[week])
            c = float(part["completions_mean"].loc[week])
            assert abs(q - queue[-1]) <= 2 * step_sd * np.sqrt(week), (
                unit_id,
                stage,
                week,
                q,
                queue[-1],
                step_sd,
            )
            assert abs(c - done.mean()) <= 2 * done_sd, (
                unit_id,
                stage,
                week,
                c,
                done.mean(),
                done_sd,
            )


def test_courses_under_way_fill_the_follow_up_ring() -> None:
    # 3 courses started last week and 1 the week before, 2 steps a week, follow-ups
    # over 2 weeks: the ring's slots of steps -1..-4 (from its end) hold 2, 1, 1, 0
    assert start_ring([3, 1], follow_up_weeks=2, spw=2).tolist() == [0, 1, 1, 2]
    assert start_ring(0, follow_up_weeks=3, spw=1).tolist() == [0, 0, 0]
