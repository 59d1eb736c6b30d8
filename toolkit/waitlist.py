"""Queue formulas for a waiting list, with the meaning they have in NHSRwaitinglist.

Each function takes numbers or numpy arrays (they broadcast together) and
returns a ``float`` when every input is a scalar, otherwise an array. Rates are
per week and times are in weeks, as in the NHS-R package; the formulas hold in
any unit as long as all arguments use the same one (the argument names say
which one the toolkit uses).

Parameters outside their range raise :class:`toolkit.errors.ParameterError`
(a ``ValueError``) naming the argument and the allowed range, so a bad input
never turns into a division by zero, a NaN or an infinite loop.

Examples
--------
>>> target_queue_size(30, 52)
390.0
>>> target_queue_size([30, 30], [52, 50])
array([390., 375.])
>>> round(factor_for_share_within(0.9), 4)
2.3026
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from toolkit import _checks as checks

__all__ = [
    "DEFAULT_FACTOR",
    "DEFAULT_TIME_TO_TARGET_WEEKS",
    "NEVER",
    "factor_for_share_within",
    "queue_load",
    "relief_capacity",
    "target_capacity",
    "target_mean_wait",
    "target_queue_size",
    "time_to_clear",
    "waiting_list_pressure",
]

ArrayLike: TypeAlias = (
    float | int | Sequence[float] | npt.NDArray[np.floating] | npt.NDArray[np.integer]
)
Result: TypeAlias = float | npt.NDArray[np.float64]

#: Target wait divided by the mean wait (NHSRwaitinglist's default ``factor = 4``:
#: a mean wait of a quarter of the target keeps about 98 % within it).
DEFAULT_FACTOR: float = 4.0
#: Weeks in which relief capacity should bring the queue to its target
#: (NHSRwaitinglist's default ``time_to_target = 26``).
DEFAULT_TIME_TO_TARGET_WEEKS: float = 26.0
#: What :func:`time_to_clear` returns when the queue never reaches its target.
NEVER: float = math.inf


# ----------------------------------------------------------------------------
# Validation helpers
# ----------------------------------------------------------------------------


def _out(result: npt.NDArray[np.float64], *inputs: npt.NDArray[np.float64]) -> Result:
    if all(np.ndim(x) == 0 for x in inputs):
        return float(result)
    return np.asarray(result, dtype=np.float64)


def _nonneg(name: str, value: ArrayLike) -> npt.NDArray[np.float64]:
    return checks.numbers(name, value, low=0.0)


def _positive(name: str, value: ArrayLike) -> npt.NDArray[np.float64]:
    return checks.numbers(name, value, low=0.0, low_open=True)


# ----------------------------------------------------------------------------
# The formulas
# ----------------------------------------------------------------------------


def target_mean_wait(target_wait_weeks: ArrayLike, factor: ArrayLike = DEFAULT_FACTOR) -> Result:
    """The mean wait that keeps nearly everyone within the target wait.

    Parameters
    ----------
    target_wait_weeks : float or array
        The waiting-time target, in weeks (> 0).
    factor : float or array, default 4
        Target wait divided by the mean wait (> 0). 4 keeps about 98 % within
        the target when waits are exponential; use
        :func:`factor_for_share_within` for a target stated as a share.

    Returns
    -------
    float or numpy.ndarray
        Target mean wait in weeks.

    Notes
    -----
    .. math:: W^* = T / f

    with :math:`T` the target wait (weeks) and :math:`f` the factor (no unit).
    Checked against NHSRwaitinglist ``calc_target_mean_wait`` (its examples:
    52 weeks, factor 4 gives 13; factor 6 gives 8.67).

    References
    ----------
    .. [1] Fong K. et al. (2022), "Waiting list management", NHS-R community;
       NHSRwaitinglist, R/calc_target_mean_wait.R.

    Examples
    --------
    >>> target_mean_wait(52)
    13.0
    >>> round(target_mean_wait(52, 6), 2)
    8.67
    """
    t = _positive("target_wait_weeks", target_wait_weeks)
    f = _positive("factor", factor)
    return _out(t / f, t, f)


def target_queue_size(
    demand_per_week: ArrayLike,
    target_wait_weeks: ArrayLike,
    factor: ArrayLike = DEFAULT_FACTOR,
) -> Result:
    """The queue size at which, by Little's law, the mean wait is target / factor.

    Parameters
    ----------
    demand_per_week : float or array
        Arrivals to the queue per week (≥ 0).
    target_wait_weeks : float or array
        The waiting-time target in weeks (> 0).
    factor : float or array, default 4
        Target wait divided by the target mean wait (> 0).

    Returns
    -------
    float or numpy.ndarray
        Target number waiting (patients).

    Notes
    -----
    .. math:: L^* = \\lambda \\, T / f

    with :math:`\\lambda` the demand (patients per week), :math:`T` the target
    wait (weeks) and :math:`f` the factor. Only meaningful when capacity
    exceeds demand. Checked against NHSRwaitinglist ``calc_target_queue_size``
    (30 a week, 52 weeks: 390).

    References
    ----------
    .. [1] Little J.D.C. (1961), "A proof for the queuing formula L = λW",
       Operations Research 9(3): 383-387.
    .. [2] NHSRwaitinglist, R/calc_target_queue_size.R.

    Examples
    --------
    >>> target_queue_size(30, 52)
    390.0
    >>> target_queue_size(30, 50, factor=6)
    250.0
    """
    d = _nonneg("demand_per_week", demand_per_week)
    t = _positive("target_wait_weeks", target_wait_weeks)
    f = _positive("factor", factor)
    return _out(d * t / f, d, t, f)


def target_capacity(
    demand_per_week: ArrayLike,
    target_wait_weeks: ArrayLike,
    factor: ArrayLike = DEFAULT_FACTOR,
    cv_demand: ArrayLike = 1.0,
    cv_capacity: ArrayLike = 1.0,
) -> Result:
    """Capacity per week needed to hold the mean wait at target / factor (Kingman).

    Parameters
    ----------
    demand_per_week : float or array
        Arrivals per week (≥ 0).
    target_wait_weeks : float or array
        The waiting-time target in weeks (> 0).
    factor : float or array, default 4
        Target wait divided by the target mean wait (> 0).
    cv_demand : float or array, default 1
        Coefficient of variation of the times between arrivals (≥ 0; 1 for
        random, Poisson arrivals).
    cv_capacity : float or array, default 1
        Coefficient of variation of the times between removals (≥ 0).

    Returns
    -------
    float or numpy.ndarray
        Capacity in patients per week.

    Notes
    -----
    .. math:: \\mu^* = \\lambda + \\frac{c_a^2 + c_s^2}{2} \\cdot \\frac{f}{T}

    with :math:`\\lambda` the demand (patients per week), :math:`c_a`,
    :math:`c_s` the coefficients of variation of inter-arrival and
    inter-removal times (no unit), :math:`f` the factor and :math:`T` the
    target wait (weeks). Checked against NHSRwaitinglist
    ``calc_target_capacity`` (30, 52, 3, 1.1, 1.2 gives 30.076442).

    References
    ----------
    .. [1] Kingman J.F.C. (1961), "The single server queue in heavy traffic",
       Proc. Cambridge Phil. Soc. 57(4): 902-904.
    .. [2] NHSRwaitinglist, R/calc_target_capacity.R.

    Examples
    --------
    >>> round(target_capacity(30, 52, 3, 1.1, 1.2), 6)
    30.076442
    >>> round(target_capacity(4, 52), 4)
    4.0769
    """
    d = _nonneg("demand_per_week", demand_per_week)
    t = _positive("target_wait_weeks", target_wait_weeks)
    f = _positive("factor", factor)
    ca = _nonneg("cv_demand", cv_demand)
    cs = _nonneg("cv_capacity", cv_capacity)
    return _out(d + (ca**2 + cs**2) / 2.0 * (f / t), d, t, f, ca, cs)


def relief_capacity(
    demand_per_week: ArrayLike,
    queue_size: ArrayLike,
    target_queue_size: ArrayLike,
    time_to_target_weeks: ArrayLike = DEFAULT_TIME_TO_TARGET_WEEKS,
    num_referrals: ArrayLike = 0,
    cv_demand: ArrayLike = 0.0,
) -> Result:
    """Capacity per week that brings the queue to its target in a given time.

    Parameters
    ----------
    demand_per_week : float or array
        Arrivals per week (≥ 0).
    queue_size : float or array
        Number waiting now (≥ 0).
    target_queue_size : float or array
        Number waiting wanted (≥ 0); see :func:`target_queue_size`.
    time_to_target_weeks : float or array, default 26
        Weeks in which to reach the target (> 0).
    num_referrals : float or array, default 0
        Number of referrals the demand was estimated from (≥ 0). When > 0,
        demand is first raised as NHSRwaitinglist does for an estimated demand
        (see Notes). 0 leaves demand as given.
    cv_demand : float or array, default 0
        Coefficient of variation of inter-arrival times used by that
        adjustment (≥ 0).

    Returns
    -------
    float or numpy.ndarray
        Relief capacity in patients per week. Below demand when the queue is
        already below target.

    Notes
    -----
    .. math:: \\mu_r = \\lambda + (L - L^*) / \\tau

    with :math:`\\lambda` the demand (patients per week), :math:`L` and
    :math:`L^*` the current and target queue sizes (patients) and :math:`\\tau`
    the time to target (weeks). With ``num_referrals`` :math:`n > 0` and
    :math:`k = 2 \\lambda c_a / \\sqrt{n} < 1`, demand is first replaced by
    :math:`\\lambda / (1 - k)`, as in NHSRwaitinglist. Checked against
    NHSRwaitinglist ``calc_relief_capacity`` (30, 1200, 390, 26 gives 61.15).

    References
    ----------
    .. [1] NHSRwaitinglist, R/calc_relief_capacity.R.

    Examples
    --------
    >>> round(relief_capacity(30, 1200, 390), 2)
    61.15
    """
    d = _nonneg("demand_per_week", demand_per_week)
    q = _nonneg("queue_size", queue_size)
    qt = _nonneg("target_queue_size", target_queue_size)
    tau = _positive("time_to_target_weeks", time_to_target_weeks)
    n = _nonneg("num_referrals", num_referrals)
    cv = _nonneg("cv_demand", cv_demand)
    safe_n = np.where(n > 0, n, 1.0)
    k = 2.0 * d * cv / np.sqrt(safe_n)
    adjust = (n > 0) & (k < 1.0)
    demand = np.where(adjust, d / np.where(adjust, 1.0 - k, 1.0), d)
    return _out(demand + (q - qt) / tau, d, q, qt, tau, n, cv)


def queue_load(demand_per_week: ArrayLike, capacity_per_week: ArrayLike) -> Result:
    """Arrivals per removal: demand divided by capacity.

    Parameters
    ----------
    demand_per_week : float or array
        Arrivals per week (≥ 0).
    capacity_per_week : float or array
        Removals per week while someone is waiting (> 0).

    Returns
    -------
    float or numpy.ndarray
        Load (no unit). At or above 1 the queue grows without limit.

    Notes
    -----
    .. math:: \\rho = \\lambda / \\mu

    with :math:`\\lambda` the demand and :math:`\\mu` the capacity, both in
    patients per week. Checked against NHSRwaitinglist ``calc_queue_load``
    (30 / 27 = 1.11).

    References
    ----------
    .. [1] NHSRwaitinglist, R/calc_queue_load.R.

    Examples
    --------
    >>> round(queue_load(30, 27), 4)
    1.1111
    """
    d = _nonneg("demand_per_week", demand_per_week)
    c = _positive("capacity_per_week", capacity_per_week)
    return _out(d / c, d, c)


def waiting_list_pressure(mean_wait_weeks: ArrayLike, target_wait_weeks: ArrayLike) -> Result:
    """Twice the mean wait over the target wait; below 1 is healthy.

    Parameters
    ----------
    mean_wait_weeks : float or array
        Mean wait in weeks (≥ 0).
    target_wait_weeks : float or array
        The waiting-time target in weeks (> 0).

    Returns
    -------
    float or numpy.ndarray
        Pressure (no unit).

    Notes
    -----
    .. math:: P = 2 \\bar W / T

    with :math:`\\bar W` the mean wait and :math:`T` the target, both in
    weeks. Checked against NHSRwaitinglist ``calc_waiting_list_pressure``
    (63, 52 gives 2.42).

    References
    ----------
    .. [1] NHSRwaitinglist, R/calc_waiting_list_pressure.R.

    Examples
    --------
    >>> round(waiting_list_pressure(63, 52), 4)
    2.4231
    """
    w = _nonneg("mean_wait_weeks", mean_wait_weeks)
    t = _positive("target_wait_weeks", target_wait_weeks)
    return _out(2.0 * w / t, w, t)


def factor_for_share_within(share: ArrayLike) -> Result:
    """The factor for a target stated as "share p seen within the target wait".

    Parameters
    ----------
    share : float or array
        Share to be seen within the target, strictly between 0 and 1.

    Returns
    -------
    float or numpy.ndarray
        Factor :math:`f` to use in :func:`target_mean_wait`,
        :func:`target_queue_size` and :func:`target_capacity`.

    Notes
    -----
    With exponentially distributed waits of mean :math:`\\bar W`,
    :math:`P(W \\le T) = 1 - e^{-T/\\bar W}`. Setting this to :math:`p` gives
    :math:`T / \\bar W = -\\ln(1 - p)`:

    .. math:: f = -\\ln(1 - p)

    so 90 % within 30 days gives :math:`f = 2.30` and a target mean wait of
    13 days; the NHS-R default :math:`f = 4` corresponds to
    :math:`p = 1 - e^{-4} = 98.2\\,\\%`.

    References
    ----------
    .. [1] NHSRwaitinglist documentation of ``wl_stats``: a target queue size
       keeping "approximately 98.2 % of patients" within target for factor 4.

    Examples
    --------
    >>> round(factor_for_share_within(0.9), 4)
    2.3026
    >>> round(factor_for_share_within(1 - math.exp(-4)), 6)
    4.0
    """
    p = checks.numbers(
        "share", share, low=0.0, low_open=True, high=1.0, high_open=True, allowed="0 < share < 1"
    )
    return _out(-np.log1p(-p), p)


def time_to_clear(
    queue_size: ArrayLike,
    target_queue_size: ArrayLike,
    demand_per_week: ArrayLike,
    capacity_per_week: ArrayLike,
) -> Result:
    """Weeks until the queue falls to its target at a steady capacity, or never.

    Parameters
    ----------
    queue_size : float or array
        Number waiting now (≥ 0).
    target_queue_size : float or array
        Number waiting wanted (≥ 0).
    demand_per_week : float or array
        Arrivals per week (≥ 0).
    capacity_per_week : float or array
        Removals per week (≥ 0).

    Returns
    -------
    float or numpy.ndarray
        Weeks. 0 when the queue is already at or below target; :data:`NEVER`
        (``math.inf``) when it is above target and capacity does not exceed
        demand.

    Notes
    -----
    The inverse of :func:`relief_capacity` (without its demand adjustment):

    .. math:: \\tau = \\frac{L - L^*}{\\mu - \\lambda}
              \\quad \\text{if } L > L^* \\text{ and } \\mu > \\lambda

    with :math:`L`, :math:`L^*` in patients and :math:`\\lambda`, :math:`\\mu`
    in patients per week. A fluid (average) approximation: variation makes
    the real time longer.

    References
    ----------
    .. [1] NHSRwaitinglist, R/calc_relief_capacity.R (solved for the time).

    Examples
    --------
    >>> round(time_to_clear(1200, 390, 30, 30 + 810 / 26), 6)
    26.0
    >>> time_to_clear(1200, 390, 30, 30)
    inf
    >>> time_to_clear(300, 390, 30, 20)
    0.0
    """
    q = _nonneg("queue_size", queue_size)
    qt = _nonneg("target_queue_size", target_queue_size)
    d = _nonneg("demand_per_week", demand_per_week)
    c = _nonneg("capacity_per_week", capacity_per_week)
    excess, surplus = np.broadcast_arrays(q - qt, c - d)
    weeks = np.full(excess.shape, NEVER)
    weeks[excess <= 0] = 0.0
    clears = (excess > 0) & (surplus > 0)
    with np.errstate(over="ignore"):  # a vanishing surplus gives inf: never, in practice
        weeks[clears] = excess[clears] / surplus[clears]
    return _out(weeks, q, qt, d, c)
