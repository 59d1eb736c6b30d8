"""Tests of toolkit.spc: published examples, hand-checked series, properties, dirty input.

Each expected value names where it comes from. NHSRplotthedots files are in
the repository nhs-r-community/NHSRplotthedots, qicharts2 files in
anhoej/qicharts2.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import ParameterError
from toolkit.spc import _crossings_min, spc, spc_summary


def frame(values, start="2024-01-01", **extra) -> pd.DataFrame:
    df = pd.DataFrame(
        {"date": pd.date_range(start, periods=len(values), freq="D"), "value": values}
    )
    for name, col in extra.items():
        df[name] = col
    return df


# --------------------------------------------------------------------------- published examples

# NHSRplotthedots, vignettes/deviations.Rmd (articles/deviations.html), "Treatment of
# outlying points": 18 daily values; caption UPL 4.6, Mean 1.94, LPL -0.72 with
# screen_outliers = TRUE and UPL 6.95, LPL -3.06 with screen_outliers = FALSE; "four grey
# common cause points followed by a single blue special cause improvement point followed
# by a further 12 grey common cause points".
DEVIATIONS = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def test_deviations_vignette_screened():
    t = spc(frame(DEVIATIONS), value="value", date="date", improvement="increase")
    assert round(t.upper[0], 2) == 4.6
    assert round(t.centre[0], 2) == 1.94
    assert round(t.lower[0], 2) == -0.72
    expected = ["common_cause"] * 4 + ["improvement"] + ["common_cause"] * 13
    assert list(t.point_type) == expected


def test_deviations_vignette_unscreened_reproduces_excel():
    t = spc(frame(DEVIATIONS), value="value", date="date", screen_outliers=False)
    assert round(t.upper[0], 2) == 6.95
    assert round(t.lower[0], 2) == -3.06


# NHSRplotthedots tests/testthat/test-ptd_spc_standard.R with its snapshot
# tests/testthat/_snaps/ptd_spc_standard.md: y = rnorm(20) after set.seed(123) (R's
# values below; the snapshot prints them to 3 significant figures), screen_outliers =
# TRUE: mean 0.142, lpl -3.01, upl 3.29.
RNORM_123 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499,
    0.46091621, -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383,
    0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
    0.70135590, -0.47279141,
]  # fmt: skip
SNAPSHOT_Y = [
    -0.560, -0.230, 1.56, 0.0705, 0.129, 1.72, 0.461, -1.27, -0.687, -0.446,
    1.22, 0.360, 0.401, 0.111, -0.556, 1.79, 0.498, -1.97, 0.701, -0.473,
]  # fmt: skip


def test_rnorm_snapshot_limits():
    assert [float(f"{v:.3g}") for v in RNORM_123] == SNAPSHOT_Y
    t = spc(frame(RNORM_123), value="value", date="date")
    assert round(t.centre[0], 3) == 0.142
    assert round(t.lower[0], 2) == -3.01
    assert round(t.upper[0], 2) == 3.29
    assert not t.special_cause.any()


# NHSRplotthedots tests/testthat/test-ptd_spc_standard.R, "it only reports special cause
# for 2 of 3 points close to limits when they are on the same side of the mean".
def test_two_of_three_needs_same_side():
    values = [1.0, -1.0] * 8
    values[14], values[15] = 5.5, -5.5
    t = spc(frame(values), value="value", date="date", improvement="increase")
    assert list(t.point_type[-2:]) == ["common_cause", "common_cause"]


# qicharts2 man page summary.qic (preview/pr1/reference/summary.qic.md in d-morrison's
# copy of qicharts2): n.useful 24 -> longest.run.max 8, n.crossings.min 8.
def test_qicharts2_summary_limits_for_24_points():
    rng = np.random.default_rng(1)
    values = rng.normal(size=24)
    t = spc(frame(values), value="value", date="date", chart="run", rules="anhoej")
    ra = t.attrs["runs_analysis"].to_frame()
    # 24 values with a median: 12 above, 12 below, none on the centre line
    assert ra.n_useful[0] == 24
    assert ra.longest_run_max[0] == 8
    assert ra.crossings_min[0] == 8


@pytest.mark.parametrize("n_useful", [*range(1, 60), 100, 250, 1000])
def test_crossings_limit_is_binomial_5_percent_quantile(n_useful):
    # Definition used by qicharts2 R/helper.functions.R (runs.analysis):
    # qbinom(0.05, n.useful - 1, 0.5); computed here with exact fractions.
    m = n_useful - 1
    total, x = Fraction(0), 0
    while True:
        total += Fraction(math.comb(m, x), 2**m)
        if total >= Fraction(5, 100):
            break
        x += 1
    assert _crossings_min(m) == x


# Anhøj & Olesen (2014), Table 1; the qicharts2 book's appendix "Critical Values for
# Longest Runs and Number of Crossings" tabulates round(log2(n) + 3) and
# qbinom(0.05, n - 1, 0.5) for n = 10..100: n = 10 -> 6, 2; n = 20 -> 7, 6; n = 30 -> 8, 10
# (checked by hand: log2(10) = 3.32, P(X <= 1 | Bin(9, 1/2)) = 10/512 < 0.05 <= 46/512).
@pytest.mark.parametrize(
    ("n", "longest_max", "crossings_min"), [(10, 6, 2), (20, 7, 6), (30, 8, 10)]
)
def test_anhoej_table(n, longest_max, crossings_min):
    values = np.arange(n, dtype=float) % 2  # alternates 0, 1: every point useful
    t = spc(frame(values), value="value", date="date", chart="xmr", rules="anhoej")
    ra = t.attrs["runs_analysis"].to_frame()
    assert (ra.n_useful[0], ra.longest_run_max[0], ra.crossings_min[0]) == (
        n,
        longest_max,
        crossings_min,
    )


# --------------------------------------------------------------------------- hand-checked rules


def test_run_of_seven_on_one_side():
    # Mirrors NHSRplotthedots test-ptd_calculate_point_type.R (ptd_seven_point_one_side_mean
    # with c(rep(1, 8), -1)): a run of 8 above the centre is special cause, the rest not.
    values = [10.0] * 4 + [11.0] * 8 + [5.0] * 4
    t = spc(frame(values), value="value", date="date", chart="run")
    # median 10.5: first 4 below (run of 4), 8 above, 4 below
    assert list(t.rule_run) == [False] * 4 + [True] * 8 + [False] * 4
    t6 = spc(frame(values[:10]), value="value", date="date", chart="run", run_length=6)
    # median of 4 × 10 and 6 × 11 is 11: four below, then six on the line (not useful)
    assert not t6.rule_run.any()


def test_run_of_six_option():
    values = [9.0, 0.0, 9.0, 0.0, 9.0, 0.0, 5, 5, 5, 5, 5, 5]
    t7 = spc(frame(values), value="value", date="date")
    t6 = spc(frame(values), value="value", date="date", run_length=6)
    # mean 4.75: the six 5s are a run of six above it, not seven
    assert not t7.rule_run.any()
    assert list(t6.rule_run) == [False] * 6 + [True] * 6


def test_trend_rules_from_nhsr_unit_tests():
    # NHSRplotthedots test-ptd_calculate_point_type.R, ptd_seven_point_trend: 1:7 is a
    # trend, c(1:3, 3:6) (a tie) is not; 7:1 also is (issue #167, decreasing trends).
    up = spc(frame([1, 2, 3, 4, 5, 6, 7, 4, 4, 4, 4, 4]), value="value", date="date")
    assert list(up.rule_trend) == [True] * 7 + [False] * 5
    tie = spc(frame([1, 2, 3, 3, 4, 5, 6, 4, 4, 4]), value="value", date="date")
    assert not tie.rule_trend.any()
    down = spc(
        frame([7, 6, 5, 4, 3, 2, 1, 4, 4, 4]), value="value", date="date", improvement="increase"
    )
    assert list(down.rule_trend) == [True] * 7 + [False] * 3


def test_trend_point_type_follows_direction():
    # NHSRplotthedots PR #180 (fixing issues #171 and #122): trend points are coloured by
    # the trend's direction, not by their side of the mean.
    values = [5, 5, 5, 5, 5, 5, 0, 1, 2, 3, 4, 5, 6]
    t = spc(frame(values), value="value", date="date", improvement="increase")
    trend = t.rule_trend.to_numpy(dtype=bool)
    assert trend[6:].all() and not trend[:6].any()
    assert (
        t.point_type[trend & ~t.rule_outside_limits.to_numpy(dtype=bool)] == "improvement"
    ).all()


def test_two_of_three_near_limits_by_hand():
    # baseline 0, 1 alternating (mean 0.5, mean MR 1): limits 0.5 ± 2.66, near limits
    # 0.5 ± 1.7733. Values 2.5 and 2.4 lie between near and process limit, and 1.0 between
    # them is on the same side of the mean: 2 of 3.
    values = [0.0, 1.0] * 6 + [2.5, 1.0, 2.4, 0.0, 1.0, 0.0]
    t = spc(frame(values), value="value", date="date", fix_after_n_points=12)
    fired = np.flatnonzero(t.rule_two_of_three.to_numpy(dtype=bool))
    assert list(fired) == [12, 14]  # the two close points, not the middle one
    assert not t.rule_outside_limits.any()


def test_outside_limits_by_hand():
    values = [0.0, 1.0] * 6 + [20.0]
    t = spc(frame(values), value="value", date="date", improvement="decrease")
    assert bool(t.rule_outside_limits.iloc[-1])
    assert t.point_type.iloc[-1] == "concern"


def test_anhoej_long_run_and_few_crossings_by_hand():
    # 12 points below then 12 above the median: n = 24, longest run 12 > 8 (limit),
    # crossings 1 < 8 (limit): both rules fire on every point.
    values = [1.0] * 12 + [2.0] * 12
    t = spc(frame(values), value="value", date="date", chart="run", rules="anhoej")
    ra = t.attrs["runs_analysis"].to_frame()
    assert (ra.longest_run[0], ra.crossings[0]) == (12, 1)
    assert t.rule_long_run.all() and t.rule_few_crossings.all()
    # no improvement direction: the long run's side decides neutral low / high
    # (NHSRplotthedots ptd_point_type, improvement_direction = "neutral")
    assert list(t.point_type) == ["neutral_low"] * 12 + ["neutral_high"] * 12
    assert t.rule_outside_limits.isna().all()  # a run chart has no limits
    assert t.rule_trend.isna().all()  # not an Anhøj rule


def test_anhoej_points_on_centre_line_are_not_useful():
    # qicharts2 runs.analysis drops points on the centre line before counting runs.
    values = [1, 2, 3, 2, 1, 2, 3]  # median 2: three points on the line
    t = spc(frame(values), value="value", date="date", chart="run", rules="anhoej")
    ra = t.attrs["runs_analysis"].to_frame()
    assert ra.n_useful[0] == 4
    assert ra.crossings[0] == 3  # below, above, below, above


# --------------------------------------------------------------------------- neutral direction

# NHSRplotthedots R/ptd_calculate_point_type.R, ptd_point_type(): with
# improvement_direction = "neutral" (0) a special cause above the mean or on an
# increasing trend is "special_cause_neutral_high", below or decreasing
# "special_cause_neutral_low"; drawn in ptd_spc_colours()$special_cause_neutral
# "#490092" (purple).


def test_neutral_direction_outside_limits_high_and_low():
    # Deviations vignette series (point 5 = 10 lies above UPL 4.6) with a low outlier
    # added: -5 lies below LPL -0.72 (same limits: the screened mean MR is unchanged
    # only approximately, so check the rule and the side, not the limits).
    t = spc(frame(DEVIATIONS), value="value", date="date")  # improvement=None
    assert t.point_type[4] == "neutral_high"
    assert set(t.point_type.astype(str)) == {"common_cause", "neutral_high"}
    low = spc(frame([-v for v in DEVIATIONS]), value="value", date="date")
    assert low.point_type[4] == "neutral_low"


def test_neutral_trend_takes_the_trend_direction():
    # NHSRplotthedots test-ptd_calculate_point_type.R: ptd_seven_point_trend(1:7) = 1
    # (increasing), (7:1) = -1 (decreasing); with a neutral direction the seven
    # trend points are neutral high (rising) or neutral low (falling).
    # Wide alternating baseline so that no point is near or beyond a limit.
    up = [1, 7, 1, 7, 1, 7, 2, 3, 4, 5, 6, 7, 8, 1, 7, 1]
    rising = spc(frame(up), value="value", date="date")
    assert list(rising.rule_trend) == [False] * 6 + [True] * 7 + [False] * 3
    assert list(rising.point_type[6:13]) == ["neutral_high"] * 7
    assert rising.point_type.astype(str).eq("common_cause").sum() == 9
    falling = spc(frame([9 - v for v in up]), value="value", date="date")
    assert list(falling.point_type[6:13]) == ["neutral_low"] * 7


def test_neutral_summary_icon_is_the_last_points_type():
    # NHSRplotthedots tests/testthat/test-geom_ptd_icon.R, s9: a series ending low
    # with improvement_direction = "neutral" gives the variation icon neutral_low and
    # no assurance icon (ptd_calculate_assurance_type: none for a neutral direction).
    values = [5.0, 6.0] * 8 + [-20.0]
    s = spc_summary(spc(frame(values), value="value", date="date", target=3.0))
    assert s.loc[0, "variation"] == "neutral_low"
    assert s.loc[0, "variation_side"] == "low"
    assert pd.isna(s.loc[0, "assurance"])


def test_few_crossings_has_no_direction_even_when_neutral():
    # Anhøj's few-crossings signal is a property of the whole part (qicharts2
    # runs.analysis): it has no side, so the points it alone flags stay "neither".
    # By hand: runs of six 1s and 3s, median 2, 24 useful points: 3 crossings < 8
    # (qbinom(0.05, 23, 0.5), qicharts2 vignette) but longest run 6 <= 8.
    values = [1] * 6 + [3] * 6 + [1] * 6 + [3] * 6
    t = spc(frame(values), value="value", date="date", chart="run", rules="anhoej")
    ra = t.attrs["runs_analysis"].to_frame()
    assert (ra.crossings[0], ra.longest_run[0]) == (3, 6)
    assert not t.rule_long_run.any() and t.rule_few_crossings.all()
    assert t.point_type.astype(str).eq("neither").all()


# --------------------------------------------------------------------------- run chart with a denominator

# qicharts2 R/helper.functions.R: qic.agg makes y = sum(y) / sum(n) per subgroup when n
# is given, and qic.run sets cl = median(y) over the baseline: the centre of a run chart
# with a denominator is the median of the ratios, not sum(y) / sum(n).


def test_run_chart_with_denominator_plots_ratios_and_median_of_ratios():
    # by hand: ratios 1/2, 1/4, 3/4, 2/8, 9/10 = 0.5, 0.25, 0.75, 0.25, 0.9; sorted
    # 0.25, 0.25, 0.5, 0.75, 0.9 -> median 0.5 (sum/sum would be 16/28 = 0.571)
    df = frame([1, 1, 3, 2, 9], n=[2, 4, 4, 8, 10])
    t = spc(df, value="value", date="date", chart="run", denominator="n")
    assert list(t["value"]) == [0.5, 0.25, 0.75, 0.25, 0.9]
    assert t["centre"].eq(0.5).all()
    assert t["lower"].isna().all() and t["upper"].isna().all()
    assert t.attrs["spc"]["denominator"] == "n"


def test_run_chart_with_denominator_applies_anhoej_rules_to_the_ratios():
    # 24 months: 12 ratios of 1/10 then 12 of 3/10 (denominators vary, ratios do not);
    # median of ratios 0.2; qicharts2 vignette, 24 useful points: longest-run limit
    # round(log2(24) + 3) = 8, crossings limit qbinom(0.05, 23, 0.5) = 8; here
    # longest run 12 > 8 and 1 crossing < 8: both signals.
    num = [1, 2, 3] * 4 + [3, 6, 9] * 4
    den = [10, 20, 30] * 8
    t = spc(frame(num, n=den), value="value", date="date", chart="run", rules="anhoej",
            denominator="n")  # fmt: skip
    assert np.allclose(t["centre"], 0.2)
    ra = t.attrs["runs_analysis"].to_frame()
    assert (ra.longest_run_max[0], ra.crossings_min[0]) == (8, 8)
    assert (ra.longest_run[0], ra.crossings[0]) == (12, 1)
    assert bool(ra.signal[0])


def test_run_chart_without_denominator_is_unchanged():
    t = spc(frame([1, 2, 3, 4, 100]), value="value", date="date", chart="run")
    assert t["centre"].eq(3).all()


def test_c_chart_refuses_fractional_counts():
    with pytest.raises(ParameterError) as err:
        spc(frame([1, 2.5, 3]), value="value", date="date", chart="c")
    assert "value" in err.value.message("en") and "value" in err.value.message("sv")
    assert "not a whole number" in err.value.message("en")
    assert "heltal" in err.value.message("sv")
    spc(frame([1.0, 2.0, 3.0]), value="value", date="date", chart="c")  # whole floats pass


# --------------------------------------------------------------------------- attribute charts


def test_p_chart_by_formula():
    # Montgomery (ch. 7) / qicharts2 qic.p: p̄ = Σe/Σn, σ_i = sqrt(p̄(1-p̄)/n_i), limits
    # p̄ ± 3σ cut to [0, 1].
    events = [1, 2, 3, 4]
    cases = [10, 10, 10, 20]
    t = spc(frame(events, cases=cases), value="value", date="date", chart="p", denominator="cases")
    pbar = 10 / 50
    assert t.centre[0] == pytest.approx(pbar)
    assert t.upper[3] == pytest.approx(pbar + 3 * math.sqrt(pbar * (1 - pbar) / 20))
    assert t.lower[0] == 0.0  # pbar - 3σ < 0 is cut at 0
    assert t.near_upper[0] == pytest.approx(pbar + 2 * math.sqrt(pbar * (1 - pbar) / 10))
    assert list(t.value) == [0.1, 0.2, 0.3, 0.2]


def test_u_and_c_chart_by_formula():
    # Montgomery (7.17, 7.19) / qicharts2 qic.c and qic.u.
    counts = [4, 6, 5, 5]
    c = spc(frame(counts), value="value", date="date", chart="c")
    assert c.centre[0] == 5
    assert c.upper[0] == pytest.approx(5 + 3 * math.sqrt(5))
    assert c.lower[0] == 0.0  # 5 - 3·sqrt(5) < 0
    u = spc(frame(counts, days=[2, 2, 2, 4]), value="value", date="date", chart="u",
            denominator="days")  # fmt: skip
    ubar = 20 / 10
    assert u.centre[0] == pytest.approx(ubar)
    assert u.upper[3] == pytest.approx(ubar + 3 * math.sqrt(ubar / 4))


# --------------------------------------------------------------------------- options


def test_rebase_recomputes_per_part():
    values = [1.0, 2.0] * 6 + [11.0, 12.0] * 6
    t = spc(frame(values), value="value", date="date", rebase=["2024-01-13"])
    assert list(t.part.unique()) == [1, 2]
    assert t.centre[0] == 1.5 and t.centre[23] == 11.5
    assert t.upper[0] == pytest.approx(1.5 + 2.66 * 1.0)
    assert not t.special_cause.any()


def test_fix_after_n_points_freezes_baseline():
    values = [1.0, 2.0] * 6 + [5.0, 6.0] * 6
    t = spc(frame(values), value="value", date="date", fix_after_n_points=12,
            improvement="increase")  # fmt: skip
    assert (t.centre == 1.5).all()
    assert t.point_type.iloc[-1] == "improvement"


def test_grouped_equals_separate_calls():
    rng = np.random.default_rng(7)
    a, b = rng.normal(10, 2, 30), rng.normal(50, 5, 30)
    both = pd.concat([frame(a).assign(unit="A"), frame(b).assign(unit="B")]).sample(
        frac=1, random_state=1
    )
    t = spc(both, value="value", date="date", group="unit", rules="mdc")
    for name, vals in (("A", a), ("B", b)):
        one = spc(frame(vals), value="value", date="date")
        sub = t[t.group == name].reset_index(drop=True)
        pd.testing.assert_series_equal(sub.upper, one.upper)
        pd.testing.assert_series_equal(sub.point_type, one.point_type)


def test_summary_icons():
    values = [5.0, 6.0] * 6
    inc = spc(frame(values), value="value", date="date", improvement="increase", target=20)
    s = spc_summary(inc)
    assert (s.variation[0], s.assurance[0]) == ("common_cause", "consistent_fail")
    dec = spc(frame(values), value="value", date="date", improvement="decrease", target=20)
    assert spc_summary(dec).assurance[0] == "consistent_pass"
    mid = spc(frame(values), value="value", date="date", improvement="decrease", target=5.5)
    assert spc_summary(mid).assurance[0] == "inconsistent"
    none = spc(frame(values), value="value", date="date", target=5.5)
    assert pd.isna(spc_summary(none).assurance[0])
    last_high = spc(frame([*values, 30.0]), value="value", date="date", improvement="increase")
    s = spc_summary(last_high)
    assert (s.variation[0], s.variation_side[0]) == ("improvement", "high")


def test_short_part_column_and_attrs():
    t = spc(frame([1.0, 2.0, 3.0]), value="value", date="date", target=2)
    assert t.short_part.all()
    assert t.attrs["spc"]["target"] == 2.0
    # attrs survive pandas operations, including concat of two tables
    assert pd.concat([t, t]).attrs["runs_analysis"] == t.attrs["runs_analysis"]


# --------------------------------------------------------------------------- properties

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=2, max_size=40), st.booleans())
def test_xmr_limits_symmetric(values, screen):
    t = spc(frame(values), value="value", date="date", screen_outliers=screen)
    np.testing.assert_allclose(t.upper - t.centre, t.centre - t.lower, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(
        t.near_upper - t.centre, (2 / 3) * (t.upper - t.centre), rtol=1e-9, atol=1e-6
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-1000, 1000), min_size=2, max_size=40),
    st.integers(-10_000, 10_000),
    st.sampled_from(["xmr", "run"]),
)
def test_adding_a_constant_shifts_centre_and_limits(values, shift, chart):
    # integers keep the arithmetic exact so rule flags cannot flip by rounding
    t0 = spc(frame(values), value="value", date="date", chart=chart)
    t1 = spc(frame([v + shift for v in values]), value="value", date="date", chart=chart)
    for col in ("centre", "lower", "upper", "near_lower", "near_upper"):
        np.testing.assert_allclose(t1[col], t0[col] + shift, rtol=0, atol=1e-6)
    pd.testing.assert_series_equal(t0.point_type, t1.point_type)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(finite, min_size=0, max_size=10),
    st.lists(st.floats(0.001, 1000), min_size=6, max_size=6),
    finite,
)
def test_seven_increasing_points_fire_trend(prefix, steps, start):
    rising = np.cumsum([start, *steps])  # 7 strictly increasing points
    values = [*prefix, *rising]
    if np.any(np.diff(rising) <= 0):  # floating point swallowed a step
        return
    t = spc(frame(values), value="value", date="date")
    assert t.rule_trend.to_numpy(dtype=bool)[-7:].all()


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "data", "argument"),
    [
        ({"chart": "xbar"}, frame([1, 2, 3]), "chart"),
        ({"rules": "western"}, frame([1, 2, 3]), "rules"),
        ({"improvement": "up"}, frame([1, 2, 3]), "improvement"),
        ({"run_length": 8}, frame([1, 2, 3]), "run_length"),
        ({"value": "nope"}, frame([1, 2, 3]), "value"),
        ({}, frame([1.0, np.nan, 3.0]), "value"),
        ({}, frame([1.0]), "data"),
        ({"chart": "p"}, frame([1, 2, 3]), "denominator"),
        ({"denominator": "n"}, frame([1, 2, 3], n=[1, 1, 1]), "denominator"),
        ({"chart": "c", "denominator": "n"}, frame([1, 2, 3], n=[1, 1, 1]), "denominator"),
        ({"chart": "run", "denominator": "n"}, frame([1, 2, 3], n=[1, 0, 1]), "denominator"),
        ({"chart": "run", "denominator": "nope"}, frame([1, 2, 3]), "denominator"),
        ({"chart": "c"}, frame([1, 0.5, 3]), "value"),
        ({"chart": "p", "denominator": "n"}, frame([1, 2, 3], n=[5, 0, 5]), "denominator"),
        ({"chart": "u", "denominator": "n"}, frame([1, 2, 3], n=[5, np.nan, 5]), "denominator"),
        ({"chart": "p", "denominator": "n"}, frame([1, 6, 3], n=[5, 5, 5]), "value"),
        ({"chart": "c"}, frame([1, -1, 3]), "value"),
        ({"rebase": ["2030-01-01"]}, frame([1, 2, 3, 4]), "rebase"),
        ({"rebase": ["2024-01-01"]}, frame([1, 2, 3, 4]), "rebase"),
        ({"rebase": ["2024-01-04"]}, frame([1, 2, 3, 4]), "rebase"),
        ({"fix_after_n_points": 1}, frame([1, 2, 3, 4]), "fix_after_n_points"),
        ({"target": "high"}, frame([1, 2, 3, 4]), "target"),
    ],
)
def test_bad_input_names_the_argument(kwargs, data, argument):
    args = {"value": "value", "date": "date", **kwargs}
    with pytest.raises(ParameterError) as err:
        spc(data, **args)
    assert argument in err.value.message("en")
    assert argument in err.value.message("sv")


def test_duplicate_dates_are_refused():
    df = frame([1, 2, 3, 4])
    df.loc[3, "date"] = df.loc[2, "date"]
    with pytest.raises(ParameterError, match="date"):
        spc(df, value="value", date="date")


def test_missing_date_is_refused():
    df = frame([1, 2, 3, 4])
    df.loc[1, "date"] = pd.NaT
    with pytest.raises(ParameterError, match="date"):
        spc(df, value="value", date="date")


@pytest.mark.parametrize("chart", ["xmr", "run", "c"])
def test_values_near_the_float_limit_get_a_message_not_infinite_limits(chart):
    # Issue: values near 1e308 overflowed to inf limits with only a RuntimeWarning. 1e308
    # squared, or the difference of 1e308 and -1e308, is beyond the float range (IEEE 754).
    with pytest.raises(ParameterError) as info:
        spc(frame([1e308, 2.0] * 6), value="value", date="date", chart=chart)
    assert info.value.key == "spc.value_too_large"
    assert "value" in info.value.message("en") and "1e+150" in info.value.message("en")
    assert "kolumnen" in info.value.message("sv")


def test_a_rebase_that_is_not_a_date_reads_wholly_in_each_language():
    # the user's date column is named in the message; the words around it are
    # each language's own (before, the Swedish message carried the English words)
    with pytest.raises(ParameterError) as err:
        spc(frame([1, 2, 3, 4]), value="value", date="date", rebase=["soon"])
    assert (
        err.value.message("sv") == "rebase ska vara datum som i kolumnen date, men fick ['soon']."
    )
    assert err.value.message("en") == "rebase must be dates like the column date, but got ['soon']."
