"""Tests of toolkit.waitlist, the queue formulas.

Expected values come from NHSRwaitinglist (GitHub nhs-r-community/NHSRwaitinglist):
its tests in tests/testthat/ and the roxygen examples in R/calc_*.R, cited
beside each value; from the exponential distribution; and from the
definitions (relief capacity and time to clear are inverses).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit import waitlist as wl
from toolkit.errors import ParameterError

finite = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)


# --- Functional: NHSRwaitinglist's documented values --------------------------------


def test_target_mean_wait_nhsr() -> None:
    # NHSRwaitinglist tests/testthat/test-calc_target_mean_wait.R
    assert wl.target_mean_wait(52, 4) == 13
    np.testing.assert_allclose(
        wl.target_mean_wait([35, 30, 52], [4, 4, 6]), [8.75, 7.5, 8.6666667], rtol=1e-7
    )
    # R/calc_target_mean_wait.R example text: factor 6 gives 8.67 weeks
    assert round(wl.target_mean_wait(52, 6), 2) == 8.67


def test_target_queue_size_nhsr() -> None:
    # R/calc_target_queue_size.R example: 30 a week, 52 weeks -> 390
    assert wl.target_queue_size(30, 52) == 390
    # tests/testthat/test-calc_target_queue_size.R
    assert wl.target_queue_size(30, 50) == 375
    assert wl.target_queue_size(30, 50, 6) == 250
    np.testing.assert_allclose(
        wl.target_queue_size([30, 30, 30], [52, 50, 50], [4, 4, 6]), [390, 375, 250]
    )


def test_target_capacity_nhsr() -> None:
    # tests/testthat/test-calc_target_capacity.R
    assert wl.target_capacity(30, 52, 3, 1.1, 1.2) == pytest.approx(30.076442, abs=1e-6)
    # the vector case commented out in the same file (when R lost vectorisation)
    np.testing.assert_allclose(
        wl.target_capacity([30, 42, 35], [52, 65, 50], [3, 2, 1], [1.1, 1.2, 1.3], [1.4, 1.5, 1.6]),
        [30.0914423, 42.0567692, 35.0425],
        rtol=1e-8,
    )


def test_relief_capacity_nhsr() -> None:
    # tests/testthat/test-calc_relief_capacity.R
    assert wl.relief_capacity(30, 1200, 390, 26) == pytest.approx(61.153846, abs=1e-6)
    np.testing.assert_allclose(
        wl.relief_capacity([30, 33, 35], [1200, 800, 250], [390, 200, 100], [26, 30, 15]),
        [61.153846, 53, 45],
        rtol=1e-7,
    )
    # default time_to_target = 26 weeks (R/calc_relief_capacity.R signature)
    assert wl.relief_capacity(30, 1200, 390) == wl.relief_capacity(30, 1200, 390, 26)


def test_relief_capacity_demand_adjustment() -> None:
    # R/calc_relief_capacity.R: with num_referrals > 0 and k = 2 d cv / sqrt(n) < 1,
    # demand becomes d / (1 - k). d = 30, cv = 1, n = 3600: k = 1, not < 1 -> unchanged.
    assert wl.relief_capacity(30, 1200, 390, 26, 3600, 1.0) == pytest.approx(61.153846, abs=1e-6)
    # d = 30, cv = 0.5, n = 3600: k = 0.5 -> demand 60, relief 60 + 810/26
    assert wl.relief_capacity(30, 1200, 390, 26, 3600, 0.5) == pytest.approx(60 + 810 / 26)


def test_queue_load_nhsr() -> None:
    # tests/testthat/test-calc_queue_load.R
    assert wl.queue_load(30, 27) == pytest.approx(1.11111111)
    np.testing.assert_allclose(
        wl.queue_load([35, 30, 52], [27, 25, 42]), [1.2962963, 1.2, 1.23809524], rtol=1e-7
    )


def test_waiting_list_pressure_nhsr() -> None:
    # tests/testthat/test-calc_waiting_list_pressure.R
    assert wl.waiting_list_pressure(63, 52) == pytest.approx(2.42307692)
    np.testing.assert_allclose(
        wl.waiting_list_pressure([63, 42, 55], [52, 24, 50]), [2.42307692, 3.5, 2.2], rtol=1e-8
    )


# --- Functional: theory --------------------------------------------------------------


def test_factor_for_share_within_exponential() -> None:
    # Exponential waits: P(W <= T) = 1 - exp(-T / mean). Factor 4 <-> 98.2 %, the share
    # NHSRwaitinglist's wl_stats documentation gives for target_queue_size.
    assert wl.factor_for_share_within(1 - math.exp(-4)) == pytest.approx(4.0)
    assert 1 - math.exp(-4) == pytest.approx(0.982, abs=5e-4)
    # 90 % within 30 days -> factor ln 10 = 2.302585, target mean wait 13.03 days
    assert wl.factor_for_share_within(0.9) == pytest.approx(math.log(10))
    assert 30 / wl.factor_for_share_within(0.9) == pytest.approx(13.029, abs=1e-3)
    # 50 % within T: the median of an exponential is mean * ln 2
    assert wl.factor_for_share_within(0.5) == pytest.approx(math.log(2))


def test_time_to_clear_inverts_relief_capacity() -> None:
    # By definition relief = d + (q - q*) / tau, so at that capacity the queue clears in tau.
    cap = wl.relief_capacity(30, 1200, 390, 26)
    assert wl.time_to_clear(1200, 390, 30, cap) == pytest.approx(26)


def test_time_to_clear_never_and_zero() -> None:
    assert wl.time_to_clear(1200, 390, 30, 30) == wl.NEVER == math.inf
    assert wl.time_to_clear(1200, 390, 30, 20) == math.inf
    assert wl.time_to_clear(390, 390, 30, 20) == 0.0
    assert wl.time_to_clear(100, 390, 30, 20) == 0.0
    out = wl.time_to_clear([1200, 1200, 100], 390, 30, [56, 30, 10])
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [810 / 26, math.inf, 0.0])


def test_scalars_give_float_arrays_give_arrays() -> None:
    assert type(wl.target_queue_size(30, 52)) is float
    assert type(wl.target_queue_size(np.float64(30), 52)) is float
    arr = wl.target_queue_size(np.array([30.0]), 52)
    assert isinstance(arr, np.ndarray)
    assert arr.shape == (1,)
    # broadcasting over a grid of demand x target
    grid = wl.target_queue_size(np.array([[10.0], [20.0]]), np.array([4.0, 8.0]))
    np.testing.assert_allclose(grid, [[10.0, 20.0], [20.0, 40.0]])


# --- Extreme and bad input -------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "args", "argument"),
    [
        (wl.target_queue_size, (-1, 52), "demand_per_week"),
        (wl.target_queue_size, (30, 0), "target_wait_weeks"),
        (wl.target_queue_size, (30, 52, 0), "factor"),
        (wl.target_mean_wait, (0,), "target_wait_weeks"),
        (wl.target_capacity, (30, 52, 4, -0.1), "cv_demand"),
        (wl.target_capacity, (30, 52, 4, 1, -1), "cv_capacity"),
        (wl.relief_capacity, (30, -5, 390), "queue_size"),
        (wl.relief_capacity, (30, 500, 390, 0), "time_to_target_weeks"),
        (wl.queue_load, (30, 0), "capacity_per_week"),
        (wl.waiting_list_pressure, (-1, 52), "mean_wait_weeks"),
        (wl.waiting_list_pressure, (10, 0), "target_wait_weeks"),
        (wl.factor_for_share_within, (0,), "share"),
        (wl.factor_for_share_within, (1,), "share"),
        (wl.factor_for_share_within, (1.5,), "share"),
        (wl.factor_for_share_within, (-0.2,), "share"),
        (wl.time_to_clear, (100, 50, -1, 10), "demand_per_week"),
        (wl.target_queue_size, (float("nan"), 52), "demand_per_week"),
        (wl.target_queue_size, ([30, -1], 52), "demand_per_week"),
        (wl.target_queue_size, (math.inf, 52), "demand_per_week"),
    ],
)
def test_out_of_range_names_argument(func, args, argument) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError) as err:
        func(*args)
    assert isinstance(err.value, ValueError)
    message = err.value.message("en")
    assert message.startswith(argument + " = ")
    assert "allowed range" in message
    assert err.value.message("sv").startswith(argument + " = ")
    assert "tillåtna intervallet" in err.value.message("sv")


def test_share_message_states_range() -> None:
    with pytest.raises(ParameterError, match=r"share = 1,0 .* 0 < share < 1"):
        wl.factor_for_share_within(1.0)


def test_wrong_type_is_parameter_error() -> None:
    with pytest.raises(ParameterError, match="demand_per_week"):
        wl.target_queue_size("many", 52)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="demand_per_week"):
        wl.target_queue_size(True, 52)


def test_zero_demand_is_allowed() -> None:
    # a unit with no arrivals: target queue 0, target capacity only the variability term
    assert wl.target_queue_size(0, 52) == 0
    assert wl.target_capacity(0, 52) == pytest.approx(4 / 52)
    assert wl.queue_load(0, 5) == 0
    # with zero arrivals any positive capacity drains the queue
    assert wl.time_to_clear(100, 0, 0, 10) == pytest.approx(10.0)


# --- Properties ----------------------------------------------------------------------


@given(d=finite, t=positive, f=positive, ca=st.floats(0, 5), cs=st.floats(0, 5))
def test_target_capacity_at_least_demand(
    d: float, t: float, f: float, ca: float, cs: float
) -> None:
    assert wl.target_capacity(d, t, f, ca, cs) >= d


@given(d=finite, t=positive, f=positive)
def test_littles_law_identity(d: float, t: float, f: float) -> None:
    # Little: L = lambda * W, with W the target mean wait
    assert wl.target_queue_size(d, t, f) == pytest.approx(d * wl.target_mean_wait(t, f))


@given(q=finite, qt=finite, d=finite, c1=finite, extra=finite)
def test_more_capacity_never_takes_longer(
    q: float, qt: float, d: float, c1: float, extra: float
) -> None:
    assert wl.time_to_clear(q, qt, d, c1 + extra) <= wl.time_to_clear(q, qt, d, c1)


@given(q=finite, qt=finite, d=finite, c=finite)
def test_time_to_clear_never_negative_or_nan(q: float, qt: float, d: float, c: float) -> None:
    weeks = wl.time_to_clear(q, qt, d, c)
    assert not math.isnan(weeks)
    assert weeks >= 0
    if q > qt and c <= d:
        assert weeks == math.inf


@given(p=st.floats(min_value=1e-9, max_value=1 - 1e-9))
def test_factor_share_round_trip(p: float) -> None:
    f = wl.factor_for_share_within(p)
    assert f > 0
    assert 1 - math.exp(-f) == pytest.approx(p, rel=1e-9, abs=1e-12)


@given(d=positive, q=finite, qt=finite, tau=positive)
def test_relief_then_clear_round_trip(d: float, q: float, qt: float, tau: float) -> None:
    cap = wl.relief_capacity(d, q, qt, tau)
    if q > qt and cap - d > 1e-9 * max(1.0, d):
        assert wl.time_to_clear(q, qt, d, cap) == pytest.approx(tau, rel=1e-6)
