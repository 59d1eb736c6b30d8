"""Tests of each step of the toolkit.spc pipeline on its own.

toolkit.spc.spc = options (SpcOptions.validated) -> points (prepare: order,
values, parts) -> limits (per chart type) -> runs analysis (Anhøj) -> rules
(Making Data Count, Anhøj) -> point type -> table. The whole call is tested in
tests/test_spc.py; here every step gets the vectors its reference publishes.
NHSRplotthedots files are in nhs-r-community/NHSRplotthedots, qicharts2 files in
anhoej/qicharts2.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import ParameterError
from toolkit.spc._anhoej import crossings_min, run_lengths, runs_analysis
from toolkit.spc._limits import LIMITS, limits
from toolkit.spc._options import SpcOptions
from toolkit.spc._output import table
from toolkit.spc._points import prepare
from toolkit.spc._rules import (
    POINT_TYPES,
    RULE_COLUMNS,
    Signals,
    point_type,
    shift,
    signals,
    trend,
    two_of_three,
)


def frame(values, **extra) -> pd.DataFrame:
    df = pd.DataFrame({"d": pd.date_range("2024-01-01", periods=len(values)), "v": values})
    for name, col in extra.items():
        df[name] = col
    return df


def opts(**kwargs) -> SpcOptions:
    return SpcOptions(**{"value": "v", "date": "d", **kwargs})


def first_segment_start(n: int) -> np.ndarray:
    return np.array([True] + [False] * (n - 1))


# --------------------------------------------------------------------------- options


def test_options_are_validated_once_and_frozen():
    o = SpcOptions.validated(frame([1, 2]), value="v", date="d", chart="run", denominator=None)
    assert (o.chart, o.rules, o.run_length, o.has_limits) == ("run", "mdc", 7, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.chart = "xmr"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"chart": "xbar"}, "chart"),
        ({"rules": "western"}, "rules"),
        ({"improvement": "up"}, "improvement"),
        ({"trend_length": 5}, "trend_length"),
        ({"value": "nope"}, "value"),
        ({"chart": "u"}, "denominator"),
        ({"chart": "c", "denominator": "v"}, "denominator"),
        ({"target": float("nan")}, "target"),
        ({"fix_after_n_points": True}, "fix_after_n_points"),
    ],
)
def test_options_refuse_naming_the_argument(kwargs, argument):
    with pytest.raises(ParameterError) as err:
        SpcOptions.validated(frame([1, 2]), value=kwargs.pop("value", "v"), date="d", **kwargs)
    assert argument in err.value.message("en") and argument in err.value.message("sv")


def test_options_refuse_what_is_not_a_dataframe():
    with pytest.raises(ParameterError, match="data"):
        SpcOptions.validated([1, 2], value="v", date="d")


# --------------------------------------------------------------------------- points


def test_points_are_sorted_by_series_and_period():
    df = pd.DataFrame({"g": ["b", "a", "b", "a"], "d": [2, 2, 1, 1], "v": [4.0, 2, 3, 1]})
    pts = prepare(df, opts(group="g"))
    assert pts.y.tolist() == [1.0, 2.0, 3.0, 4.0]  # a1, a2, b1, b2
    assert pts.g.tolist() == [0, 0, 1, 1] and list(pts.guniques) == ["a", "b"]
    assert pts.seg.tolist() == [0, 0, 1, 1] and pts.nseg == 2
    assert pts.start.tolist() == [True, False, True, False]


def test_parts_start_at_the_first_period_on_or_after_each_rebase_date():
    # 2024-01-03 12:00 is no period: the part starts at 2024-01-04 (rebase semantics
    # in docs/spc_differences.md row 10).
    pts = prepare(frame([1.0] * 6), opts(rebase=[pd.Timestamp("2024-01-03 12:00")]))
    assert pts.part.tolist() == [1, 1, 1, 2, 2, 2]
    assert pts.seg_len.tolist() == [3, 3]
    assert pts.rebase_values == (pd.Timestamp("2024-01-03 12:00"),)


def test_baseline_is_the_first_n_points_of_each_part():
    pts = prepare(frame([1.0] * 8), opts(rebase=["2024-01-05"], fix_after_n_points=2))
    assert pts.base.astype(int).tolist() == [1, 1, 0, 0, 1, 1, 0, 0]
    assert pts.base_n.tolist() == [2.0, 2.0]


def test_points_refuse_bad_values_naming_the_argument():
    cases = [
        (frame([1, 2, 2]).assign(d=lambda x: x.d.iloc[[0, 1, 1]].to_numpy()), opts(), "date"),
        (frame([1.0, 2.5]), opts(chart="c"), "value"),
        (frame([1.0, -1.0]), opts(chart="c"), "value"),
        (frame([3.0, 1.0], n=[2, 2]), opts(chart="p", denominator="n"), "value"),
        (frame([1.0, 1.0], n=[2, 0]), opts(chart="run", denominator="n"), "denominator"),
        (frame([1.0] * 4), opts(rebase=["2024-01-04"]), "rebase"),  # last part: 1 point
    ]
    for data, o, argument in cases:
        with pytest.raises(ParameterError) as err:
            prepare(data, o)
        assert argument in err.value.message("en"), (o, err.value.message("en"))


def test_a_run_chart_with_a_denominator_plots_the_ratios():
    # qicharts2 qic.agg: y = sum(y) / sum(n) per subgroup when n is given
    pts = prepare(frame([1.0, 3.0], n=[4, 6]), opts(chart="run", denominator="n"))
    assert pts.y.tolist() == [0.25, 0.5] and pts.num.tolist() == [1.0, 3.0]


# --------------------------------------------------------------------------- limits

# NHSRplotthedots vignettes/deviations.Rmd: 18 values, screened UPL 4.6, mean 1.94,
# LPL -0.72; unscreened (the Excel tool) UPL 6.95, LPL -3.06.
DEVIATIONS = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


@pytest.mark.parametrize(("screen", "lower", "upper"), [(True, -0.72, 4.6), (False, -3.06, 6.95)])
def test_xmr_limits_reproduce_the_deviations_vignette(screen, lower, upper):
    o = opts(screen_outliers=screen)
    lim = limits(prepare(frame(DEVIATIONS), o), o)
    assert round(float(lim.centre[0]), 2) == 1.94
    assert (round(float(lim.lower[0]), 2), round(float(lim.upper[0]), 2)) == (lower, upper)
    # near limits two-thirds of the way (NHSRplotthedots ptd_spc_standard)
    assert math.isclose(lim.near_upper[0] - lim.centre[0], 2 / 3 * (upper - 1.94), abs_tol=0.01)


def test_attribute_limits_by_formula():
    # Montgomery, Introduction to Statistical Quality Control, ch. 7 (qicharts2 qic.p,
    # qic.u, qic.c): p = 10/100 = 0.1, sigma_i = sqrt(0.1 * 0.9 / n_i), UCL = p + 3 sigma_i,
    # LCL cut at 0; u = 10/5 = 2, sigma_i = sqrt(2 / n_i); c = 5, UCL = 5 + 3 sqrt(5).
    o = opts(chart="p", denominator="n")
    p = limits(prepare(frame([2.0, 3.0, 5.0], n=[20, 30, 50]), o), o)
    assert np.allclose(p.centre, 0.1)
    assert math.isclose(p.upper[0], 0.1 + 3 * math.sqrt(0.09 / 20))
    assert p.lower[0] == 0.0
    assert math.isclose(p.near_lower[2], 0.1 - 2 * math.sqrt(0.09 / 50))
    o = opts(chart="u", denominator="n")
    u = limits(prepare(frame([4.0, 6.0], n=[2, 3]), o), o)
    assert np.allclose(u.centre, 2.0) and math.isclose(u.upper[0], 2 + 3 * 1.0)
    o = opts(chart="c")
    c = limits(prepare(frame([4.0, 6.0]), o), o)
    assert math.isclose(c.upper[0], 5 + 3 * math.sqrt(5)) and c.lower[0] == 0.0


def test_run_limits_are_the_median_and_no_limits():
    o = opts(chart="run")
    lim = limits(prepare(frame([1.0, 5.0, 2.0, 100.0, 3.0]), o), o)
    assert lim.centre.tolist() == [3.0] * 5 and np.isnan(lim.upper).all()


def test_every_chart_type_has_a_limits_step():
    assert set(LIMITS) == {"xmr", "run", "p", "c", "u"}


# --------------------------------------------------------------------------- Anhøj


def test_run_lengths_cut_at_segment_starts():
    key = np.array([1, 1, 1, 1])
    assert run_lengths(key, np.array([True, False, True, False])).tolist() == [2, 2, 2, 2]


@pytest.mark.parametrize(("n_useful", "limit"), [(10, 2), (24, 8), (30, 10), (100, 41)])
def test_crossings_limit_matches_qicharts2_appendix(n_useful, limit):
    # qicharts2 vignette, Appendix 2: qbinom(0.05, n - 1, 0.5) for n = 10, 24, 30, 100
    assert crossings_min(n_useful - 1) == limit


def test_runs_analysis_leaves_out_points_on_the_centre_line():
    # qicharts2 runs.analysis: 7 points, median 2, three on the line: 4 useful points,
    # sides -, +, -, +: longest run 1, crossings 3; limits round(log2 4) + 3 = 5 and
    # qbinom(0.05, 3, 0.5) = 0.
    values = [1.0, 2, 3, 2, 1, 2, 3]
    pts = prepare(frame(values), opts(chart="run"))
    side = np.sign(pts.y - 2.0).astype(np.int64)
    runs = runs_analysis(pts, side)
    got = (runs.n_useful[0], runs.longest[0], runs.crossings[0])
    assert got == (4, 1, 3)
    assert (runs.longest_max[0], runs.crossings_min[0]) == (5, 0)
    assert not runs.long_seg[0] and not runs.few_seg[0]


# --------------------------------------------------------------------------- Making Data Count rules

# NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R


@pytest.mark.parametrize(
    ("y", "expected", "direction"),
    [
        (list(range(1, 7)), [0] * 6, 0),  # ptd_seven_point_trend(1:6): too short
        ([1, 2, 3, 3, 4, 5, 6], [0] * 7, 0),  # c(1:3, 3:6): a tie breaks the trend
        (list(range(1, 8)), [1] * 7, 1),  # 1:7
        ([2, *range(1, 8), 3], [0] + [1] * 7 + [0], 1),  # c(2, 1:7, 3)
        (list(range(7, 0, -1)), [1] * 7, -1),  # 7:1
        ([2, *range(7, 0, -1), 3], [0] + [1] * 7 + [0], -1),  # c(2, 7:1, 3)
    ],
)
def test_trend_reproduces_nhsr_unit_tests(y, expected, direction):
    flags, way = trend(np.array(y, dtype=float), first_segment_start(len(y)), 7)
    assert flags.astype(int).tolist() == expected
    assert set(way[flags].tolist()) <= {direction}


@pytest.mark.parametrize(
    ("side", "expected"),
    [
        ([1] * 6, [0] * 6),  # ptd_seven_point_one_side_mean(rep(1, 6))
        ([1] * 6 + [-1], [0] * 7),
        ([1] * 8 + [-1], [1] * 8 + [0]),  # part of: ptd_part_of_seven_trend(c(0*6, 1, 1, 0))
        ([-1] * 8 + [1], [1] * 8 + [0]),
    ],
)
def test_shift_reproduces_nhsr_unit_tests(side, expected):
    flags = shift(np.array(side), first_segment_start(len(side)), 7)
    assert flags.astype(int).tolist() == expected


@pytest.mark.parametrize(
    ("close", "side", "expected"),
    [
        ([1, 0, 1], [1, 1, 1], [1, 0, 1]),  # ptd_part_of_two_in_three: cv
        ([0, 1, 1], [1, 1, 1], [0, 1, 1]),  # dv
        ([1, 1, 0], [1, 1, 1], [1, 1, 0]),  # ev
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),  # fv
        ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 0, 1, 1, 0, 0, 0]),  # gv
        ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),  # hv
        ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),  # iv
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),  # opposite sides of the mean
        ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
    ],
)
def test_two_of_three_reproduces_nhsr_unit_tests(close, side, expected):
    flags = two_of_three(
        np.array(close, dtype=bool), np.array(side), np.zeros(len(close), dtype=np.int64)
    )
    assert flags.astype(int).tolist() == expected


def test_two_of_three_does_not_cross_segments():
    # Two close points either side of a rebase are not "2 of 3": each window of three
    # lies within one part (NHSRplotthedots groups by rebase_group before the rule).
    close = np.array([0, 0, 1, 1, 0, 0], dtype=bool)
    ones = np.ones(6, dtype=np.int64)
    assert two_of_three(close, ones, np.zeros(6, dtype=np.int64)).astype(int).tolist() == [
        0, 0, 1, 1, 0, 0,
    ]  # fmt: skip
    assert not two_of_three(close, ones, np.array([0, 0, 0, 1, 1, 1])).any()


def test_first_rule_decides_the_direction():
    # NHSRplotthedots ptd_special_cause_type: outside limits, then trend, then 2 of 3,
    # then run. A point below the LCL inside a rising trend keeps "below" (-1).
    sig = Signals(3)
    sig.settle("rule_outside_limits", np.array([True, False, False]), np.array([-1, 0, 0]))
    sig.settle("rule_trend", np.array([True, True, False]), np.array([1, 1, 0]))
    assert sig.direction.tolist() == [-1, 1, 0]
    assert sig.special.tolist() == [True, True, False]
    assert [k for k, v in sig.rule.items() if v is not None] == [
        "rule_outside_limits",
        "rule_trend",
    ]


def test_rule_sets_apply_their_own_rules():
    values = [1.0] * 12 + [2.0] * 12
    for rules, applied in (
        ("mdc", {"rule_outside_limits", "rule_trend", "rule_two_of_three", "rule_run"}),
        ("anhoej", {"rule_outside_limits", "rule_long_run", "rule_few_crossings"}),
    ):
        o = opts(rules=rules)
        pts = prepare(frame(values), o)
        lim = limits(pts, o)
        side = np.sign(pts.y - lim.centre).astype(np.int64)
        sig = signals(pts, lim, side, runs_analysis(pts, side), o)
        assert {k for k, v in sig.rule.items() if v is not None} == applied


# --------------------------------------------------------------------------- point type


def test_point_type_as_nhsr_ptd_point_type():
    # R/ptd_calculate_point_type.R ptd_point_type: v * improvement_direction > 0 is
    # improvement, < 0 concern; with direction 0 (neutral) v > 0 neutral high, < 0 low.
    special = np.array([False, True, True, True, True])
    direction = np.array([1, 1, -1, 0, 1])
    names = [POINT_TYPES[c] for c in point_type(special, direction, "increase")]
    assert names == ["common_cause", "improvement", "concern", "neither", "improvement"]
    names = [POINT_TYPES[c] for c in point_type(special, direction, "decrease")]
    assert names == ["common_cause", "concern", "improvement", "neither", "concern"]
    names = [POINT_TYPES[c] for c in point_type(special, direction, None)]
    assert names == ["common_cause", "neutral_high", "neutral_low", "neither", "neutral_high"]


# --------------------------------------------------------------------------- output


def test_table_columns_types_and_attrs():
    o = opts(chart="run", rules="anhoej", target=2)
    pts = prepare(frame([1.0, 2.0, 3.0]), o)
    lim = limits(pts, o)
    side = np.sign(pts.y - lim.centre).astype(np.int64)
    runs = runs_analysis(pts, side)
    sig = signals(pts, lim, side, runs, o)
    special = sig.special
    out = table(pts, lim, sig, special, point_type(special, sig.direction, None), runs, o)
    assert list(out.columns) == [
        "period", "part", "value", "centre", "lower", "upper", "near_lower", "near_upper",
        *RULE_COLUMNS, "special_cause", "point_type", "short_part",
    ]  # fmt: skip
    assert str(out["rule_trend"].dtype) == "boolean" and out["rule_trend"].isna().all()
    assert list(out["point_type"].cat.categories) == list(POINT_TYPES)
    assert out.attrs["spc"]["target"] == 2.0 and out.attrs["spc"]["chart"] == "run"
    assert out.attrs["spc"]["rules_applied"] == ("rule_long_run", "rule_few_crossings")
    ra = out.attrs["runs_analysis"]
    assert ra.to_frame()["n_useful"].tolist() == [2]
    assert not ra.columns[0][1].flags.writeable
