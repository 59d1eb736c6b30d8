"""The simulation behind the projections starts where the unit is.

For every sample unit with referrals and visits, the unit's calibrated
scenario (:func:`toolkit.simulate.calibrate`, the 26-week window of the
workbooks) is run, and its first weeks must continue the observed series:
the projected queue of week ``w`` lies within two standard deviations of the
observed week-to-week change times ``sqrt(w)`` of the last observed queue
(the spread of a random walk after ``w`` steps), and the projected
completions of weeks 1 and 2 lie within two standard deviations of the
observed weekly completions of their mean. The observed series and their
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
from toolkit.simulate.state import start_ring
from toolkit.widgets.base import _load_sample, sample_units

UNITS = [e.id for e in sample_units() if e.id != "endast_antal"]  # counts only: no run
STAGES = ("first_assessment", "deep_start")
WINDOW_WEEKS = 26


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
