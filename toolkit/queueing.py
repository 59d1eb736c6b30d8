"""Why queues grow: waiting time against utilisation, by formula and by simulation.

The teaching core of every workshop: a unit whose capacity "matches" its
demand on average still has a queue, and the queue grows steeply as the
utilisation (demand / capacity) nears 1, because weeks with many referrals
and weeks with few appointments do not cancel out.

* Closed forms for the mean wait in the queue (before the appointment
  starts), each with its source: :func:`mm1_mean_wait` (M/M/1),
  :func:`pollaczek_khinchine_mean_wait` (M/G/1, exact),
  :func:`md1_mean_wait` (M/D/1) and :func:`kingman_mean_wait` (G/G/1,
  Kingman's approximation).
* :func:`weekly_scv`: the squared coefficient of variation the workshop model
  of :mod:`toolkit.simulate` has, from its weekly rate and its extra
  week-to-week variation.
* :func:`waiting_time_vs_utilisation`: the theoretical curve (Kingman) at a
  fixed capacity, one row per utilisation.
* :func:`workshop_scenario` and :func:`simulate_queue`: the single-stage
  queue of the workbook "Varför växer köer?", simulated with
  :func:`toolkit.simulate.simulate` (the second stage made irrelevant), and
  its weekly queue (median and spread over replications) and waits.

Rates are per week and times in weeks unless the name says otherwise. The
formulas return ``math.inf`` when the utilisation is 1 or more: there is no
steady state and the queue grows without limit.

Examples
--------
>>> round(mm1_mean_wait(8, 10), 3)
0.4
>>> round(md1_mean_wait(8, 10), 3)
0.2
>>> kingman_mean_wait(10, 10, 1, 1)
inf
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit.errors import ParameterError
from toolkit.simulate import Scenario, simulate
from toolkit.waitlist import ArrayLike, Result

__all__ = [
    "CURVE_UTILISATIONS",
    "kingman_mean_wait",
    "md1_mean_wait",
    "mm1_mean_wait",
    "pollaczek_khinchine_mean_wait",
    "simulate_queue",
    "typical_week",
    "utilisation",
    "waiting_time_vs_utilisation",
    "weekly_scv",
    "workshop_mean_wait",
    "workshop_scenario",
]


#: Utilisations at which :func:`waiting_time_vs_utilisation` draws the curve by default.
CURVE_UTILISATIONS: npt.NDArray[np.float64] = np.round(np.arange(0.30, 0.9901, 0.01), 2)

#: The single need class of the workshop scenario.
_CLASS = "routine"


# ----------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------


def _check(
    name: str, value: ArrayLike, *, positive: bool = False, high: float | None = None
) -> npt.NDArray[np.float64]:
    """``value`` as a float array, or a ParameterError naming ``name``."""
    if isinstance(value, bool | np.bool_):
        raise ParameterError(
            "common.param_type", argument=name, expected="number", got=type(value).__name__
        )
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(
            "common.param_type", argument=name, expected="number", got=type(value).__name__
        ) from None
    ok = np.isfinite(arr) & ((arr > 0) if positive else (arr >= 0))
    if high is not None:
        ok &= arr <= high
    if not np.all(ok):
        first = float(np.ravel(arr[~ok] if arr.ndim else arr)[0])
        allowed = ("> 0" if positive else "≥ 0") + ("" if high is None else f", ≤ {high:g}")
        raise ParameterError("common.param_range", argument=name, value=first, allowed=allowed)
    return arr


def _out(result: npt.NDArray[np.float64], *inputs: npt.NDArray[np.float64]) -> Result:
    if all(np.ndim(x) == 0 for x in inputs):
        return float(result)
    return np.asarray(result, dtype=np.float64)


def _heavy(rho: npt.NDArray[np.float64], finite: npt.NDArray[np.float64]) -> Any:
    """``finite`` where the utilisation is below 1, infinity elsewhere."""
    return np.where(rho < 1, finite, np.inf)


def _rho(lam: npt.NDArray[np.float64], mu: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(lam / mu, dtype=np.float64)


# ----------------------------------------------------------------------------
# Closed forms
# ----------------------------------------------------------------------------


def utilisation(demand_per_week: ArrayLike, capacity_per_week: ArrayLike) -> Result:
    """Utilisation (load): demand over capacity.

    Parameters
    ----------
    demand_per_week : float or array
        New referrals a week (≥ 0).
    capacity_per_week : float or array
        Appointments (first assessments) a week (> 0).

    Returns
    -------
    float or numpy.ndarray
        :math:`\\rho = \\lambda / \\mu` (no unit). At 1 or above the queue
        grows without limit.

    Examples
    --------
    >>> utilisation(19, 20)
    0.95
    """
    lam = _check("demand_per_week", demand_per_week)
    mu = _check("capacity_per_week", capacity_per_week, positive=True)
    return _out(_rho(lam, mu), lam, mu)


def mm1_mean_wait(arrival_rate: ArrayLike, service_rate: ArrayLike) -> Result:
    """Mean wait in the queue of the M/M/1 queue.

    Parameters
    ----------
    arrival_rate : float or array
        :math:`\\lambda`, Poisson arrivals per unit of time (≥ 0).
    service_rate : float or array
        :math:`\\mu`, exponential services per unit of time (> 0).

    Returns
    -------
    float or numpy.ndarray
        Mean wait before service starts, :math:`W_q`, in the unit of time of
        the rates; ``inf`` when :math:`\\rho \\geq 1`.

    Notes
    -----
    .. math:: W_q = \\frac{\\rho}{\\mu - \\lambda}, \\qquad \\rho = \\lambda / \\mu

    References
    ----------
    .. [1] Kleinrock L. Queueing Systems, Volume 1: Theory. Wiley, 1975,
           chapter 3 (M/M/1).
    .. [2] Gross D, Shortle JF, Thompson JM, Harris CM. Fundamentals of
           Queueing Theory, 4th ed. Wiley, 2008, section 2.2.

    Examples
    --------
    >>> mm1_mean_wait(8, 10)
    0.4
    >>> mm1_mean_wait([5, 10], 10)
    array([0.1, inf])
    """
    lam = _check("arrival_rate", arrival_rate)
    mu = _check("service_rate", service_rate, positive=True)
    rho = _rho(lam, mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        wq = _heavy(rho, rho / (mu - lam))
    return _out(wq, lam, mu)


def pollaczek_khinchine_mean_wait(
    arrival_rate: ArrayLike, service_rate: ArrayLike, cv_service: ArrayLike
) -> Result:
    """Mean wait in the queue of the M/G/1 queue (Pollaczek–Khinchine), exact.

    Parameters
    ----------
    arrival_rate : float or array
        :math:`\\lambda`, Poisson arrivals per unit of time (≥ 0).
    service_rate : float or array
        :math:`\\mu = 1 / E[S]` (> 0).
    cv_service : float or array
        Coefficient of variation of the service time, :math:`c_s` (≥ 0): 0
        for a fixed time (M/D/1), 1 for an exponential one (M/M/1).

    Returns
    -------
    float or numpy.ndarray
        :math:`W_q` in the unit of time of the rates; ``inf`` when
        :math:`\\rho \\geq 1`.

    Notes
    -----
    .. math:: W_q = \\frac{\\rho\\,(1 + c_s^2)}{2\\,\\mu\\,(1 - \\rho)}

    References
    ----------
    .. [1] Kleinrock L. Queueing Systems, Volume 1: Theory. Wiley, 1975,
           section 5.7 (the P-K mean-value formula).
    .. [2] Gross D et al. Fundamentals of Queueing Theory, 4th ed. Wiley,
           2008, section 6.1.

    Examples
    --------
    >>> round(pollaczek_khinchine_mean_wait(8, 10, 1), 12)  # M/M/1
    0.4
    """
    lam = _check("arrival_rate", arrival_rate)
    mu = _check("service_rate", service_rate, positive=True)
    cs = _check("cv_service", cv_service)
    rho = _rho(lam, mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        wq = _heavy(rho, rho * (1 + cs**2) / (2 * mu * (1 - rho)))
    return _out(wq, lam, mu, cs)


def md1_mean_wait(arrival_rate: ArrayLike, service_rate: ArrayLike) -> Result:
    """Mean wait in the queue of the M/D/1 queue: half that of M/M/1.

    Notes
    -----
    Pollaczek–Khinchine with :math:`c_s = 0`:

    .. math:: W_q = \\frac{\\rho}{2\\,\\mu\\,(1 - \\rho)}

    References
    ----------
    .. [1] Kleinrock L. Queueing Systems, Volume 1: Theory. Wiley, 1975,
           section 5.7.

    Examples
    --------
    >>> round(md1_mean_wait(8, 10), 12)
    0.2
    """
    return pollaczek_khinchine_mean_wait(arrival_rate, service_rate, 0.0)


def kingman_mean_wait(
    arrival_rate: ArrayLike,
    service_rate: ArrayLike,
    cv_arrival: ArrayLike,
    cv_service: ArrayLike,
) -> Result:
    """Kingman's approximation of the mean wait in a G/G/1 queue.

    Parameters
    ----------
    arrival_rate : float or array
        :math:`\\lambda`, arrivals per unit of time (≥ 0).
    service_rate : float or array
        :math:`\\mu = 1 / E[S]` (> 0).
    cv_arrival : float or array
        Coefficient of variation of the times between arrivals,
        :math:`c_a` (≥ 0; 1 for Poisson arrivals).
    cv_service : float or array
        Coefficient of variation of the service time, :math:`c_s` (≥ 0).

    Returns
    -------
    float or numpy.ndarray
        :math:`W_q` in the unit of time of the rates; ``inf`` when
        :math:`\\rho \\geq 1`.

    Notes
    -----
    .. math:: W_q \\approx \\frac{c_a^2 + c_s^2}{2} \\cdot
              \\frac{\\rho}{1 - \\rho} \\cdot \\frac{1}{\\mu}

    variation × utilisation × time ("VUT"). Exact for M/M/1
    (:math:`c_a = c_s = 1`) and, with :math:`c_a = 1`, for M/G/1
    (Pollaczek–Khinchine); for other queues an approximation that is best
    close to :math:`\\rho = 1` (heavy traffic), where the wait grows like
    :math:`1 / (1 - \\rho)`. The same formula is behind the target capacity
    with variability in :func:`toolkit.waitlist.target_capacity`.

    References
    ----------
    .. [1] Kingman JFC. The single server queue in heavy traffic.
           Mathematical Proceedings of the Cambridge Philosophical Society
           1961;57(4):902-904.
    .. [2] Hopp WJ, Spearman ML. Factory Physics, 3rd ed. Waveland, 2008,
           section 8.4 (the VUT equation).

    Examples
    --------
    >>> round(kingman_mean_wait(8, 10, 1, 1), 12)  # M/M/1
    0.4
    >>> round(kingman_mean_wait(0.95, 1, 0.5, 0.5), 3)
    4.75
    """
    lam = _check("arrival_rate", arrival_rate)
    mu = _check("service_rate", service_rate, positive=True)
    ca = _check("cv_arrival", cv_arrival)
    cs = _check("cv_service", cv_service)
    rho = _rho(lam, mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        wq = _heavy(rho, (ca**2 + cs**2) / 2 * rho / (1 - rho) / mu)
    return _out(wq, lam, mu, ca, cs)


def weekly_scv(rate_per_week: ArrayLike, extra_cv: ArrayLike) -> Result:
    """Squared coefficient of variation of a weekly Poisson–gamma count process.

    The workshop model (:mod:`toolkit.simulate`) draws each week's referrals
    (and appointment slots) as Poisson around a level that is itself
    multiplied by a gamma variable with mean 1 and coefficient of variation
    ``extra_cv``. The variance of a week's count over its mean, the index of
    dispersion, stands in for :math:`c^2` in :func:`kingman_mean_wait`.

    Parameters
    ----------
    rate_per_week : float or array
        Mean count a week, :math:`r` (≥ 0).
    extra_cv : float or array
        Week-to-week variation beyond Poisson, :math:`v` (≥ 0).

    Returns
    -------
    float or numpy.ndarray
        :math:`c^2` (no unit).

    Notes
    -----
    .. math:: c^2 = \\frac{\\operatorname{Var} N}{E N} = 1 + v^2 r

    (a Poisson count has variance = mean; the gamma mixing adds
    :math:`(v r)^2`). For a renewal process the variance of the count over
    its mean tends to :math:`c_a^2`, and in heavy traffic a queue depends on
    its input only through that variance rate, which is why the substitution
    is sound close to :math:`\\rho = 1` (Whitt 1993).

    References
    ----------
    .. [1] Whitt W. Approximations for the GI/G/m queue. Production and
           Operations Management 1993;2(2):114-161 (the asymptotic index of
           dispersion as the variability parameter).

    Examples
    --------
    >>> weekly_scv(20, 0)
    1.0
    >>> round(weekly_scv(20, 0.15), 3)
    1.45
    """
    r = _check("rate_per_week", rate_per_week)
    v = _check("extra_cv", extra_cv)
    return _out(1 + v**2 * r, r, v)


def workshop_mean_wait(
    demand_per_week: float,
    capacity_per_week: float,
    extra_cv_demand: float = 0.0,
    extra_cv_capacity: float = 0.0,
) -> float:
    """Kingman's mean wait (weeks) of the workshop queue, from its weekly settings.

    Notes
    -----
    :func:`kingman_mean_wait` with :math:`\\lambda` = demand, :math:`\\mu` =
    capacity, :math:`c_a^2 = 1 + v_d^2 \\lambda` and
    :math:`c_s^2 = 1 + v_c^2 \\mu` (:func:`weekly_scv`); ``inf`` at
    utilisation 1 or more.

    Examples
    --------
    >>> round(workshop_mean_wait(19, 20), 3)  # pure Poisson: M/M/1, 0.95 / (20 - 19)
    0.95
    """
    ca2 = float(weekly_scv(demand_per_week, extra_cv_demand))
    cs2 = float(weekly_scv(capacity_per_week, extra_cv_capacity))
    return float(
        kingman_mean_wait(demand_per_week, capacity_per_week, math.sqrt(ca2), math.sqrt(cs2))
    )


def typical_week(rate_per_week: float, extra_cv: float = 0.0) -> tuple[int, int]:
    """A typical week's count in the workshop model: mean ± one standard deviation.

    Notes
    -----
    :math:`r \\pm \\sqrt{r\\,c^2}` with :math:`c^2` from :func:`weekly_scv`,
    rounded to whole numbers, the lower end at least 0.

    Examples
    --------
    >>> typical_week(16)  # Poisson(16): standard deviation 4
    (12, 20)
    """
    sd = math.sqrt(rate_per_week * float(weekly_scv(rate_per_week, extra_cv)))
    return max(0, round(rate_per_week - sd)), round(rate_per_week + sd)


def waiting_time_vs_utilisation(
    capacity_per_week: float,
    extra_cv_demand: float,
    extra_cv_capacity: float,
    utilisations: ArrayLike = CURVE_UTILISATIONS,
) -> pd.DataFrame:
    """The theoretical curve of the mean wait against utilisation, at a fixed capacity.

    Parameters
    ----------
    capacity_per_week : float
        Appointments a week, :math:`\\mu` (> 0).
    extra_cv_demand, extra_cv_capacity : float
        Week-to-week variation beyond Poisson of referrals and of
        appointments (≥ 0), as in :class:`toolkit.simulate.Scenario`.
    utilisations : array, default 0.30, 0.31, ..., 0.99
        Where to evaluate the curve (≥ 0).

    Returns
    -------
    pandas.DataFrame
        ``utilisation``, ``demand_per_week`` (:math:`\\rho\\mu`),
        ``wait_weeks`` and ``wait_days`` (Kingman's mean wait; ``inf`` at
        :math:`\\rho \\geq 1`).

    Notes
    -----
    At each :math:`\\rho`, :math:`\\lambda = \\rho\\mu`,
    :math:`c_a^2 = 1 + v_d^2 \\lambda`, :math:`c_s^2 = 1 + v_c^2 \\mu`
    (:func:`weekly_scv`) and

    .. math:: W_q = \\frac{c_a^2 + c_s^2}{2} \\cdot \\frac{\\rho}{1-\\rho}
              \\cdot \\frac{1}{\\mu} \\quad \\text{weeks.}

    References
    ----------
    .. [1] Kingman JFC. The single server queue in heavy traffic. Proc.
           Cambridge Philos. Soc. 1961;57(4):902-904.

    Examples
    --------
    >>> curve = waiting_time_vs_utilisation(20, 0, 0, [0.5, 0.9])
    >>> curve["wait_weeks"].round(3).tolist()
    [0.05, 0.45]
    """
    mu = _check("capacity_per_week", capacity_per_week, positive=True)
    rho = np.atleast_1d(_check("utilisations", utilisations))
    lam = rho * mu
    ca2 = np.asarray(weekly_scv(lam, extra_cv_demand))
    cs2 = weekly_scv(mu, extra_cv_capacity)
    wait = np.asarray(kingman_mean_wait(lam, mu, np.sqrt(ca2), math.sqrt(float(cs2))))
    return pd.DataFrame(
        {
            "utilisation": rho,
            "demand_per_week": lam,
            "wait_weeks": wait,
            "wait_days": wait * 7,
        }
    )


# ----------------------------------------------------------------------------
# The workshop simulation
# ----------------------------------------------------------------------------


def workshop_scenario(
    demand_per_week: float,
    capacity_per_week: float,
    extra_cv_demand: float = 0.0,
    extra_cv_capacity: float = 0.0,
    start_queue: int = 0,
) -> Scenario:
    """A single-stage :class:`~toolkit.simulate.Scenario` for the workshop queue.

    One need class, no seasonality, no holidays, no no-shows, and nobody
    goes on to stage 2, so the first-assessment queue is a plain queue:
    Poisson–gamma referrals a week against Poisson–gamma appointment slots
    a week, first come first served.

    Examples
    --------
    >>> sc = workshop_scenario(19, 20)
    >>> sc.load()["first_assessment"]
    0.95
    """
    return Scenario(
        name="workshop",
        classes=(_CLASS,),
        arrivals_per_week={_CLASS: demand_per_week},
        capacity_first_per_week=capacity_per_week,
        arrival_extra_cv=extra_cv_demand,
        capacity_extra_cv=extra_cv_capacity,
        seasonality="none",
        holiday_weeks=(),
        dna_rate=0.0,
        share_to_deep={_CLASS: 0.0},
        follow_up_visits_per_course=0.0,
        start_queue_first={_CLASS: start_queue} if start_queue else {},
        target_days_first=_target_days("first_assessment"),
        target_days_deep=_target_days("deep_start"),
    )


@functools.cache
def _target_days(stage: str) -> float:
    """The default target of a stage (profile ``bup_30_30``), read once per process."""
    from toolkit.targets import load_profile

    return float(load_profile("bup_30_30").stages[stage].target_days)


def simulate_queue(
    scenario: Scenario,
    weeks: int = 104,
    replications: int = 100,
    seed: int = 0,
    spread: tuple[float, float] = (0.1, 0.9),
) -> pd.DataFrame:
    """Simulate the first-assessment queue; weekly queue and waits, and a summary.

    Parameters
    ----------
    scenario : Scenario
        Typically from :func:`workshop_scenario`.
    weeks, replications, seed
        As in :func:`toolkit.simulate.simulate`.
    spread : (float, float), default (0.1, 0.9)
        Quantiles over replications for the band around the median queue.

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week`` (1, 2, ...), ``queue_median``,
        ``queue_lo``, ``queue_hi`` (number waiting at the end of the week:
        median and ``spread`` quantiles over replications, linear
        interpolation), ``wait_mean_days`` (mean over the replications that
        saw someone that week of the mean wait of those seen, in days).
        ``attrs`` holds ``utilisation`` (the scenario's stage 1 load),
        ``queue_end_median``, ``queue_end_lo``, ``queue_end_hi`` (the last
        week) and ``wait_mean_days``: the mean wait of everyone seen after
        the first half of the run (a burn-in), pooled per replication and
        then averaged over the replications, and ``burn_in_weeks``.

    Notes
    -----
    Waits are whole weeks as in :mod:`toolkit.simulate` (seen in the week of
    referral = 0) times 7 days. With the number waiting counted at the end of
    each week, the mean wait over a long run equals the mean queue divided by
    the demand (Little's law).

    Examples
    --------
    >>> weekly = simulate_queue(workshop_scenario(19, 20), weeks=52, replications=20, seed=1)
    >>> list(weekly.columns)
    ['week', 'queue_median', 'queue_lo', 'queue_hi', 'wait_mean_days']
    >>> bool(weekly.attrs["queue_end_lo"] <= weekly.attrs["queue_end_median"])
    True
    """
    raw = simulate(scenario, weeks, replications, seed)
    queue = raw.queue[:, :, 0, -1].astype(float)  # [replication, week], stage 1, all classes
    done = raw.completions[:, :, 0, -1].astype(float)
    wait_sum = raw.wait_sum[:, :, 0, -1] / raw.steps_per_week
    lo, mid, hi = np.quantile(queue, [spread[0], 0.5, spread[1]], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        weekly_wait = np.where(done > 0, wait_sum / np.where(done > 0, done, 1), np.nan)
        seen = done > 0
        n_seen = seen.sum(axis=0)
        wait_week = np.where(
            n_seen > 0, np.where(seen, weekly_wait, 0).sum(axis=0) / np.maximum(n_seen, 1), np.nan
        )
    burn = weeks // 2
    late_done = done[:, burn:].sum(axis=1)
    late_sum = wait_sum[:, burn:].sum(axis=1)
    ok = late_done > 0
    wait_mean = float((late_sum[ok] / late_done[ok]).mean()) if ok.any() else math.nan
    out = pd.DataFrame(
        {
            "week": np.arange(1, weeks + 1),
            "queue_median": mid,
            "queue_lo": lo,
            "queue_hi": hi,
            "wait_mean_days": wait_week * 7,
        }
    )
    out.attrs.update(
        {
            "utilisation": float(scenario.load()["first_assessment"]),
            "queue_end_median": float(mid[-1]),
            "queue_end_lo": float(lo[-1]),
            "queue_end_hi": float(hi[-1]),
            "wait_mean_days": wait_mean * 7,
            "burn_in_weeks": burn,
            "weeks": weeks,
            "replications": replications,
            "seed": seed,
        }
    )
    return out
