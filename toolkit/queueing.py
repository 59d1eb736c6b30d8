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
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import _checks as checks
from toolkit.i18n import check_language, t
from toolkit.simulate import Scenario, simulate
from toolkit.waitlist import ArrayLike, Result

__all__ = [
    "CURVE_UTILISATIONS",
    "FormulaCheck",
    "formula_check",
    "kingman_mean_wait",
    "md1_mean_wait",
    "mm1_mean_wait",
    "pollaczek_khinchine_mean_wait",
    "settle_weeks",
    "simulate_queue",
    "typical_week",
    "utilisation",
    "waiting_time_vs_utilisation",
    "weekly_mean_wait",
    "weekly_scv",
    "workshop_mean_wait",
    "workshop_scenario",
]


#: Utilisations at which :func:`waiting_time_vs_utilisation` draws the curve by default
#: (every 0.02 from 0.30 to 0.98, then 0.99: smooth on screen, half the work of 0.01 steps).
CURVE_UTILISATIONS: npt.NDArray[np.float64] = np.append(
    np.round(np.arange(0.30, 0.9801, 0.02), 2), 0.99
)

#: The single need class of the workshop scenario.
_CLASS = "routine"


# ----------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------


def _check(name: str, value: ArrayLike, *, positive: bool = False) -> npt.NDArray[np.float64]:
    """``value`` as a float array (``≥ 0``, or ``> 0`` if ``positive``), or a ParameterError."""
    return checks.numbers(name, value, low=0.0, low_open=positive, expected="number")


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


def _log_count_pmf(
    n_weeks: npt.NDArray[np.float64], rate_per_week: float, extra_cv: float, size: int
) -> npt.NDArray[np.float64]:
    """log P(N = k), k = 0..size-1 (rows), for the sum of ``n_weeks`` (columns) weekly counts.

    The weekly count is Poisson around a level multiplied by a gamma
    variable (mean 1, coefficient of variation ``extra_cv``). With
    ``extra_cv`` = 0 the sum of :math:`n` weeks is Poisson(:math:`n r`);
    otherwise each week is negative binomial (shape :math:`1/v^2`, mean
    :math:`r`) and the sum is negative binomial with shape :math:`n / v^2`
    and mean :math:`n r`.
    """
    k = np.arange(size, dtype=np.float64)[:, None]
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, size, dtype=np.float64)))])
    mean = n_weeks[None, :] * rate_per_week
    if extra_cv <= 0:
        return np.asarray(k * np.log(mean) - mean - log_fact[:, None], dtype=np.float64)
    shape = n_weeks[None, :] / extra_cv**2
    p = shape / (shape + mean)
    # log Γ(k + s) - log Γ(s) = Σ_{j<k} log(s + j)
    rising = np.zeros((size, len(n_weeks)))
    np.cumsum(np.log(shape + k[:-1]), axis=0, out=rising[1:])
    return np.asarray(
        rising - log_fact[:, None] + shape * np.log(p) + k * np.log1p(-p), dtype=np.float64
    )


def _normal_sf(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """P(Z > z) for a standard normal Z, relative error below 1.2e-7.

    Chebyshev fit of erfc (Press WH et al. Numerical Recipes, 3rd ed.
    Cambridge University Press, 2007, section 6.2.2, ``erfccheb``'s
    predecessor ``erfcc``).
    """
    x = np.abs(z) / math.sqrt(2.0)
    u = 1.0 / (1.0 + 0.5 * x)
    poly = (
        -x * x
        - 1.26551223
        + u
        * (
            1.00002368
            + u
            * (
                0.37409196
                + u
                * (
                    0.09678418
                    + u
                    * (
                        -0.18628806
                        + u
                        * (
                            0.27886807
                            + u
                            * (-1.13520398 + u * (1.48851587 + u * (-0.82215223 + u * 0.17087277)))
                        )
                    )
                )
            )
        )
    )
    erfc = u * np.exp(poly)
    return np.asarray(np.where(z >= 0, 0.5 * erfc, 1.0 - 0.5 * erfc), dtype=np.float64)


#: Weeks summed exactly in Spitzer's series; later terms use the normal approximation.
_EXACT_WEEKS = 12


@functools.lru_cache(maxsize=4096)
def _weekly_mean_queue(lam: float, mu: float, v_d: float, v_c: float) -> float:
    """Stationary mean of Lindley's weekly queue, by Spitzer's identity (see weekly_mean_wait)."""
    if lam >= mu:
        return math.inf
    if lam == 0:
        return 0.0
    var_a, var_c = lam + (v_d * lam) ** 2, mu + (v_c * mu) ** 2
    n = np.arange(1, _EXACT_WEEKS + 1, dtype=np.float64)
    size = math.ceil(_EXACT_WEEKS * mu + 12 * math.sqrt(_EXACT_WEEKS * max(var_a, var_c)) + 20)
    p_a = np.exp(_log_count_pmf(n, lam, v_d, size))  # [count, weeks]
    p_c = np.exp(_log_count_pmf(n, mu, v_c, size))
    # E[(a - C)^+] = Σ_{j<a} P(C <= j)
    below = np.zeros_like(p_c)
    np.cumsum(np.cumsum(p_c, axis=0)[:-1], axis=0, out=below[1:])
    total = float(((p_a * below).sum(axis=0) / n).sum())
    # later weeks: S_n is close to normal with mean n m and variance n σ²
    m, sd = lam - mu, math.sqrt(var_a + var_c)
    last = _EXACT_WEEKS + math.ceil(60 * sd**2 / m**2)
    exact_to = min(last, _EXACT_WEEKS + 4000)

    def term(weeks: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        z = np.sqrt(weeks) * m / sd
        phi = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        return np.asarray(m * _normal_sf(-z) + sd / np.sqrt(weeks) * phi, dtype=np.float64)

    total += float(term(np.arange(_EXACT_WEEKS + 1, exact_to + 1, dtype=np.float64)).sum())
    if last > exact_to:  # a smooth, decreasing tail: trapezoid rule on a geometric grid
        grid = np.geomspace(exact_to + 0.5, last + 0.5, 2000)
        values = term(grid)
        total += float(((values[1:] + values[:-1]) / 2 * np.diff(grid)).sum())
    return total


def weekly_mean_wait(
    demand_per_week: float,
    capacity_per_week: float,
    extra_cv_demand: float = 0.0,
    extra_cv_capacity: float = 0.0,
) -> float:
    r"""Mean wait (weeks) of a queue worked off with weekly slots, exact in the long run.

    The model of the workshop and of :mod:`toolkit.simulate` with weekly
    steps: each week :math:`A` referrals join the queue and up to :math:`C`
    of those waiting are seen (first come, first served), :math:`A` and
    :math:`C` Poisson counts around their weekly levels, each level
    multiplied by a gamma variable with mean 1 and coefficient of variation
    ``extra_cv_*``. Waits are whole weeks (seen in the week of referral = 0).

    Parameters
    ----------
    demand_per_week : float
        :math:`\lambda`, mean referrals a week (≥ 0).
    capacity_per_week : float
        :math:`\mu`, mean slots a week (> 0).
    extra_cv_demand, extra_cv_capacity : float, default 0
        :math:`v_d, v_c`: variation beyond Poisson (≥ 0).

    Returns
    -------
    float
        :math:`W` in weeks; ``inf`` when :math:`\lambda \geq \mu` (no
        steady state: the queue grows without limit).

    Notes
    -----
    The number waiting at the end of week :math:`t` follows Lindley's
    recursion :math:`Q_t = \max(0, Q_{t-1} + A_t - C_t)`. In the long run
    :math:`Q` is distributed as the maximum of the random walk
    :math:`S_n = \sum_{i \le n} (A_i - C_i)`, whose mean is given by
    Spitzer's identity

    .. math:: E[Q] = \sum_{n \geq 1} \frac{E[S_n^+]}{n},
              \qquad W = \frac{E[Q]}{\lambda}

    (Little's law; with whole weeks the weeks waited by everyone are exactly
    the sum of the week-end queues). :math:`E[S_n^+]` is summed exactly
    from the counts' distributions (Poisson, or negative binomial with
    shape :math:`n / v^2`) for :math:`n \leq 12`, and with the normal
    approximation (mean :math:`n(\lambda - \mu)`, variance
    :math:`n(\lambda + v_d^2\lambda^2 + \mu + v_c^2\mu^2)`) beyond. Close to
    :math:`\rho = 1` it tends to Kingman's heavy-traffic value
    :math:`W \approx \sigma^2 / (2 \lambda (\mu - \lambda))` with
    :math:`\sigma^2` the weekly variance of :math:`A - C`.

    Checked in ``tests/test_queueing.py`` against the stationary law of the
    recursion computed by iterating it on the count distributions (an
    independent numerical oracle), and against the workshop simulation.

    Why not the classical G/G/1 formulas (:func:`kingman_mean_wait`): they
    describe a server that sees one patient after another, each taking
    :math:`1/\mu` of a week, with waits in continuous time. A unit that
    books weekly slots is a different queue: a referral that comes in a
    week with a free slot waits 0 whole weeks. At 14 referrals against 20
    slots (medium variation) Kingman gives 1.1 days, this model 0.6 days,
    the simulation 0.6 days; close to :math:`\rho = 1` the two formulas
    agree.

    References
    ----------
    .. [1] Lindley DV. The theory of queues with a single server. Proc.
           Cambridge Philos. Soc. 1952;48(2):277-289.
    .. [2] Spitzer F. A combinatorial lemma and its application to
           probability theory. Trans. Amer. Math. Soc. 1956;82:323-339.
    .. [3] Asmussen S. Applied Probability and Queues, 2nd ed. Springer,
           2003, chapter VIII (Lindley processes, Spitzer's identity).
    .. [4] Kingman JFC. The single server queue in heavy traffic. Proc.
           Cambridge Philos. Soc. 1961;57(4):902-904.

    Examples
    --------
    >>> round(weekly_mean_wait(14, 20, 0.15, 0.15) * 7, 2)  # days
    0.59
    >>> weekly_mean_wait(20, 20)
    inf
    """
    lam = float(_check("demand_per_week", demand_per_week))
    mu = float(_check("capacity_per_week", capacity_per_week, positive=True))
    v_d = float(_check("extra_cv_demand", extra_cv_demand))
    v_c = float(_check("extra_cv_capacity", extra_cv_capacity))
    if lam == 0:
        return 0.0
    return _weekly_mean_queue(lam, mu, v_d, v_c) / lam


def settle_weeks(
    demand_per_week: float,
    capacity_per_week: float,
    extra_cv_demand: float = 0.0,
    extra_cv_capacity: float = 0.0,
) -> float:
    r"""About how many weeks a weekly queue takes to settle at its long-run level.

    Returns
    -------
    float
        :math:`\tau = 2 \sigma^2 / (\mu - \lambda)^2` weeks, with
        :math:`\sigma^2 = \lambda (1 + v_d^2 \lambda) + \mu (1 + v_c^2 \mu)`
        the weekly variance of referrals minus slots; ``inf`` when
        :math:`\lambda \geq \mu`.

    Notes
    -----
    The relaxation time of reflected Brownian motion with drift
    :math:`-(\mu - \lambda)` and variance :math:`\sigma^2` a week, the
    heavy-traffic approximation of the queue: the distance from the
    long-run level shrinks by a factor :math:`e` every :math:`\tau` weeks.
    It grows like :math:`1 / (1 - \rho)^2`: at 14 referrals against 20
    slots a couple of weeks, at 19 against 20 more than two years.

    References
    ----------
    .. [1] Abate J, Whitt W. Transient behavior of regulated Brownian
           motion, I: starting at the origin. Adv. Appl. Prob.
           1987;19(3):560-598.

    Examples
    --------
    >>> round(settle_weeks(14, 20), 1)
    1.9
    >>> round(settle_weeks(19, 20))
    78
    """
    lam = float(_check("demand_per_week", demand_per_week))
    mu = float(_check("capacity_per_week", capacity_per_week, positive=True))
    v_d = float(_check("extra_cv_demand", extra_cv_demand))
    v_c = float(_check("extra_cv_capacity", extra_cv_capacity))
    if lam >= mu:
        return math.inf
    var = lam * (1 + v_d**2 * lam) + mu * (1 + v_c**2 * mu)
    return 2 * var / (mu - lam) ** 2


def workshop_mean_wait(
    demand_per_week: float,
    capacity_per_week: float,
    extra_cv_demand: float = 0.0,
    extra_cv_capacity: float = 0.0,
) -> float:
    """The formula's mean wait (weeks) of the workshop queue: :func:`weekly_mean_wait`.

    The workshop queue books weekly slots, so its formula is the weekly
    one; ``inf`` at utilisation 1 or more.

    Examples
    --------
    >>> round(workshop_mean_wait(19, 20), 3)  # pure Poisson
    0.847
    """
    return weekly_mean_wait(demand_per_week, capacity_per_week, extra_cv_demand, extra_cv_capacity)


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
        Appointment slots a week, :math:`\\mu` (> 0).
    extra_cv_demand, extra_cv_capacity : float
        Week-to-week variation beyond Poisson of referrals and of
        appointments (≥ 0), as in :class:`toolkit.simulate.Scenario`.
    utilisations : array, default 0.30, 0.32, ..., 0.98, 0.99
        Where to evaluate the curve (≥ 0).

    Returns
    -------
    pandas.DataFrame
        ``utilisation``, ``demand_per_week`` (:math:`\\rho\\mu`),
        ``wait_weeks`` and ``wait_days`` (:func:`weekly_mean_wait`, the
        long-run mean wait of the weekly-slot queue; ``inf`` at
        :math:`\\rho \\geq 1`).

    Examples
    --------
    >>> curve = waiting_time_vs_utilisation(20, 0, 0, [0.5, 0.9])
    >>> curve["wait_days"].round(2).tolist()
    [0.05, 2.47]
    """
    mu = float(_check("capacity_per_week", capacity_per_week, positive=True))
    rho = np.atleast_1d(_check("utilisations", utilisations))
    v_d = float(_check("extra_cv_demand", extra_cv_demand))
    v_c = float(_check("extra_cv_capacity", extra_cv_capacity))
    lam = rho * mu
    wait = np.array([weekly_mean_wait(float(x), mu, v_d, v_c) for x in lam], dtype=np.float64)
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
        interpolation), ``wait_mean_days`` (per week: mean over the
        replications that saw someone that week of the mean wait of those
        seen, in days). ``attrs`` holds ``utilisation`` (the scenario's
        stage 1 load), ``queue_end_median``, ``queue_end_lo``,
        ``queue_end_hi`` (the last week), ``wait_mean_days``: the mean wait
        of every patient seen after the first half of the run (the warm-up),
        all replications together (as :func:`toolkit.simulate.summary`),
        ``wait_mean_se_days`` (its standard error, from the spread of the
        replications' own means), ``warm_up_weeks``, ``weeks``,
        ``replications`` and ``seed``.

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
    wait_mean = float(late_sum.sum() / late_done.sum()) if ok.any() else math.nan
    per_rep = late_sum[ok] / late_done[ok]
    se = float(per_rep.std(ddof=1) / math.sqrt(len(per_rep))) if len(per_rep) > 1 else math.nan
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
            "wait_mean_se_days": se * 7,
            "warm_up_weeks": burn,
            "burn_in_weeks": burn,
            "weeks": weeks,
            "replications": replications,
            "seed": seed,
        }
    )
    return out


# ----------------------------------------------------------------------------
# Formula beside simulation
# ----------------------------------------------------------------------------

#: Reasons of :func:`formula_check`, in the order they are tested.
CHECK_REASONS: tuple[str, ...] = (
    "overload",
    "start_queue",
    "short_horizon",
    "calendar",
    "agree",
    "differs",
)
#: Standard errors either side that count as agreement. Three, not 1.96: the
#: replications' mean waits are skewed (a few runs with a long excursion), so with
#: 100 replications a 1.96 band misses the exact value about one time in ten.
AGREEMENT_SE = 3.0
#: Smallest difference (weeks) that counts: well below the 0.1 day the pages show.
AGREEMENT_FLOOR_WEEKS = 0.01
#: Weeks of warm-up, in settling times (:func:`settle_weeks`), for the long-run formula to hold.
SETTLE_TIMES = 2.0


@dataclass(frozen=True)
class FormulaCheck:
    """Whether a steady-state formula and a simulation should agree, and whether they do.

    Attributes
    ----------
    reason : str
        ``overload`` (load ≥ 1: no steady state, the formula has no number),
        ``start_queue`` (the start queue is not cleared before the
        simulation starts measuring), ``short_horizon`` (the queue has not
        settled before the measuring starts: short run, start from empty,
        heavy load), ``calendar`` (the simulation has seasons or holiday
        weeks; the formula assumes the same demand and capacity every week),
        ``agree`` (the formula's assumptions hold and the two
        agree within the simulation's uncertainty) or ``differs`` (the
        assumptions hold but the two differ by more than that: chance, 1
        time in 20, or too few replications).
    agree : bool or None
        The difference within :data:`AGREEMENT_SE` standard errors; None for
        ``overload``.
    formula_wait_weeks : float or None
        None when there is no steady state.
    simulated_wait_weeks, uncertainty_weeks : float
        The simulated mean and the half-width of the band that counts as
        agreement (:data:`AGREEMENT_SE` standard errors, at least
        :data:`AGREEMENT_FLOOR_WEEKS`).
    load, settle_weeks, drain_weeks, warm_up_weeks : float
        What the reason was decided on.
    """

    reason: str
    agree: bool | None
    formula_wait_weeks: float | None
    simulated_wait_weeks: float
    uncertainty_weeks: float
    load: float
    settle_weeks: float
    drain_weeks: float
    warm_up_weeks: float
    start_queue: float

    @property
    def assumptions_hold(self) -> bool:
        """True when the formula's assumptions hold for the simulated run."""
        return self.reason in ("agree", "differs")

    def message(self, lang: str | None = None) -> str:
        """One plain sentence saying whether they agree or which assumption breaks."""
        lang = check_language(lang)
        days = 7.0
        fields = {
            "load": _fmt(100 * self.load, lang, 0) + " %",
            "formula": _fmt((self.formula_wait_weeks or math.nan) * days, lang, 1),
            "simulated": _fmt(self.simulated_wait_weeks * days, lang, 1),
            "uncertainty": _fmt(self.uncertainty_weeks * days, lang, 1),
            "settle": _fmt(self.settle_weeks, lang, 0),
            "drain": _fmt(self.drain_weeks, lang, 0),
            "warm_up": _fmt(self.warm_up_weeks, lang, 0),
            "queue": _fmt(self.start_queue, lang, 0),
        }
        return t(f"queueing.check.{self.reason}", lang, **fields)


def _fmt(value: float, lang: str, digits: int) -> str:
    """A number with a decimal comma and no-break thousands space in Swedish."""
    if not math.isfinite(value):
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u00a0").replace(".", ",") if lang == "sv" else text


def _drain_weeks(q0: float, lam: float, mu: float, v_d: float, v_c: float) -> float:
    """Weeks by which a start queue is cleared in almost every run (3 standard deviations).

    The queue loses :math:`m = \\mu - \\lambda` a week on average with variance
    :math:`\\sigma^2` a week (:func:`settle_weeks`), so after :math:`t` weeks
    :math:`Q_0 - m t + 3 \\sigma \\sqrt t \\le 0` when
    :math:`\\sqrt t = (3\\sigma + \\sqrt{9\\sigma^2 + 4 m Q_0}) / (2m)`.
    """
    if q0 <= 0:
        return 0.0
    if lam >= mu:
        return math.inf
    m = mu - lam
    sigma = math.sqrt(lam * (1 + v_d**2 * lam) + mu * (1 + v_c**2 * mu))
    root = (3 * sigma + math.sqrt(9 * sigma**2 + 4 * m * q0)) / (2 * m)
    return root**2


def formula_check(
    formula_wait_weeks: float,
    simulated_wait_weeks: float,
    simulated_se_weeks: float,
    *,
    demand_per_week: float,
    capacity_per_week: float,
    warm_up_weeks: float,
    start_queue: float = 0.0,
    extra_cv_demand: float = 0.0,
    extra_cv_capacity: float = 0.0,
    calendar_effects: bool = False,
) -> FormulaCheck:
    """Compare a steady-state mean wait with a simulated one, and say why they may differ.

    A pure function for every page that shows a formula beside a simulation
    (the workbook *Varför växer köer?*, the lessons, the capacity plan).

    Parameters
    ----------
    formula_wait_weeks : float
        The formula's long-run mean wait (weeks; ``inf`` at load ≥ 1).
    simulated_wait_weeks, simulated_se_weeks : float
        The simulated mean wait of those served in the measured weeks and its
        standard error (e.g. ``wait_mean_weeks`` and ``wait_mean_weeks_se``
        of :func:`toolkit.simulate.summary`).
    demand_per_week, capacity_per_week : float
        Mean referrals and slots a week (capacity > 0).
    warm_up_weeks : float
        Weeks simulated before the measured weeks begin.
    start_queue : float, default 0
        Number waiting when the simulation starts.
    extra_cv_demand, extra_cv_capacity : float, default 0
        Variation beyond Poisson, as in :class:`toolkit.simulate.Scenario`.
    calendar_effects : bool, default False
        True when the simulation has seasonality, a trend or holiday weeks
        (e.g. a unit's calibrated scenario): the formula assumes the same
        demand and capacity every week.

    Returns
    -------
    FormulaCheck
        ``reason`` and ``agree``, with :meth:`FormulaCheck.message` the
        sentence to show (sv/en).

    Notes
    -----
    Tested in order: load :math:`\\rho = \\lambda/\\mu \\geq 1` → ``overload``;
    a start queue :math:`Q_0` that is not cleared (in almost every run: 3
    standard deviations of the weekly net flow) and then settled
    (:data:`SETTLE_TIMES` settling times, :func:`settle_weeks`) within the
    warm-up → ``start_queue``; a warm-up shorter than :data:`SETTLE_TIMES`
    settling times → ``short_horizon``; seasons or holidays in the
    simulation → ``calendar``; otherwise ``agree`` when
    :math:`|W_f - W_s| \\leq \\max(3\\,SE, 0.01)` weeks and ``differs``
    when not.

    Examples
    --------
    >>> check = formula_check(0.084, 0.086, 0.002, demand_per_week=14,
    ...                       capacity_per_week=20, warm_up_weeks=52)
    >>> check.reason, check.agree
    ('agree', True)
    >>> print(formula_check(math.inf, 1.0, 0.1, demand_per_week=21, capacity_per_week=20,
    ...                     warm_up_weeks=52).message("en"))
    The load is 105 % (100 % or more): the queue grows every week, so there is no long-run mean wait for the formula to give.
    """
    lam = float(_check("demand_per_week", demand_per_week))
    mu = float(_check("capacity_per_week", capacity_per_week, positive=True))
    warm = float(_check("warm_up_weeks", warm_up_weeks))
    q0 = float(_check("start_queue", start_queue))
    rho = lam / mu
    settle = settle_weeks(lam, mu, extra_cv_demand, extra_cv_capacity)
    drain = _drain_weeks(q0, lam, mu, float(extra_cv_demand), float(extra_cv_capacity))
    se = float(simulated_se_weeks) if math.isfinite(simulated_se_weeks) else 0.0
    half = max(AGREEMENT_SE * se, AGREEMENT_FLOOR_WEEKS)
    common = {
        "simulated_wait_weeks": float(simulated_wait_weeks),
        "uncertainty_weeks": half,
        "load": rho,
        "settle_weeks": settle,
        "drain_weeks": drain,
        "warm_up_weeks": warm,
        "start_queue": q0,
    }
    if rho >= 1 or not math.isfinite(formula_wait_weeks):
        return FormulaCheck(reason="overload", agree=None, formula_wait_weeks=None, **common)
    agree = bool(abs(float(formula_wait_weeks) - float(simulated_wait_weeks)) <= half + 1e-12)
    if q0 > 0 and drain + SETTLE_TIMES * settle > warm:
        reason = "start_queue"
    elif settle * SETTLE_TIMES > warm:
        reason = "short_horizon"
    elif calendar_effects:
        reason = "calendar"
    else:
        reason = "agree" if agree else "differs"
    return FormulaCheck(
        reason=reason, agree=agree, formula_wait_weeks=float(formula_wait_weeks), **common
    )
