"""Tables: the weekly table, the summary with patient-level waits, and the comparison.

* :func:`table` -- the weekly table per stage and need class from a
  :class:`~toolkit.simulate.RawRun`; :func:`run` -- simulate, then tabulate.
* :func:`summary` -- one row per stage and class over the last weeks, with
  waits computed from every patient served (:class:`PatientLevel`,
  :func:`_pooled_waits`).
* :func:`compare` -- several scenarios side by side (:func:`stack_scenarios`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t
from toolkit.simulate._types import FloatArray, IntArray
from toolkit.simulate.engine import RawRun, ServedWaits, simulate
from toolkit.simulate.scenario import STAGES, Scenario

#: Columns of :func:`run`'s table, in order.
RUN_COLUMNS: tuple[str, ...] = (
    "week",
    "stage",
    "need_class",
    "arrivals_mean",
    "completions_mean",
    "queue_mean",
    "queue_lo",
    "queue_hi",
    "waiting_age_mean_weeks",
    "wait_mean_weeks",
    "wait_mean_weeks_lo",
    "wait_mean_weeks_hi",
    "wait_median_weeks",
    "wait_p90_weeks",
    "wait_p90_weeks_lo",
    "wait_p90_weeks_hi",
    "share_within_target",
    "share_within_target_lo",
    "share_within_target_hi",
)


def _across(
    x: FloatArray, spread: tuple[float, float]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean and two quantiles over axis 0, leaving out NaN (NaN where all are NaN).

    Quantiles interpolate linearly between order statistics (numpy's default
    "linear" method) over the non-missing values.
    """
    valid = ~np.isnan(x)
    n = valid.sum(axis=0)
    total = np.where(valid, x, 0.0).sum(axis=0)
    mean = np.full(n.shape, np.nan)
    np.divide(total, n, out=mean, where=n > 0)
    ordered = np.sort(x, axis=0)  # NaN last
    out = []
    for p in spread:
        pos = p * np.maximum(n - 1, 0)
        below = np.floor(pos).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(n - 1, 0))
        lo_v = np.take_along_axis(ordered, below[None], axis=0)[0]
        hi_v = np.take_along_axis(ordered, above[None], axis=0)[0]
        q = lo_v + (pos - below) * (hi_v - lo_v)
        out.append(np.where(n > 0, q, np.nan))
    return mean, out[0], out[1]


def _check_spread(spread: Any, lang: str) -> tuple[float, float]:
    ok = (
        isinstance(spread, (tuple, list))
        and len(spread) == 2
        and all(isinstance(p, (int, float)) and 0 <= p <= 1 for p in spread)
        and spread[0] <= spread[1]
    )
    if not ok:
        raise checks.range_error(
            "spread",
            spread,
            {"sv": "(lo, hi) med 0 ≤ lo ≤ hi ≤ 1", "en": "(lo, hi) with 0 ≤ lo ≤ hi ≤ 1"},
            lang,
        )
    return float(spread[0]), float(spread[1])


def _notes(sc: Scenario, raw: RawRun, lang: str) -> list[str]:
    notes = []
    for stage, load in sc.load().items():
        if load > 1:
            notes.append(
                t(
                    "simulate.note.runaway",
                    lang,
                    stage=t(f"simulate.stage.{stage}", lang),
                    load=load,
                )
            )
    slots = raw.slots[:, :, 1] + raw.follow_up_slots[:, :, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        full = (raw.slots[:, :, 1] == 0) & (raw.follow_up_slots[:, :, 1] > 0)
    if sc.capacity_model == "slots" and slots.sum() > 0 and full.mean() > 0.05:
        share = float(raw.follow_up_slots[:, :, 1].sum() / slots.sum())
        notes.append(t("simulate.note.follow_up_overflow", lang, share=share))
    return notes


def table(
    raw: RawRun, *, spread: tuple[float, float] = (0.1, 0.9), lang: str | None = None
) -> pd.DataFrame:
    """The weekly table of :func:`run`, from the arrays of :func:`simulate` (same ``attrs``)."""
    lang = check_language(lang)
    spread = _check_spread(spread, lang)
    spw = raw.steps_per_week
    with np.errstate(invalid="ignore", divide="ignore"):
        done = raw.completions.astype(float)
        wait_mean = np.where(done > 0, raw.wait_sum / np.where(done > 0, done, 1), np.nan) / spw
        within = np.where(done > 0, raw.within / np.where(done > 0, done, 1), np.nan)
        waiting = raw.queue.astype(float)
        age = (
            np.where(waiting > 0, raw.queue_age_sum / np.where(waiting > 0, waiting, 1), np.nan)
            / spw
        )
    q_mean, q_lo, q_hi = _across(raw.queue.astype(float), spread)
    wm, wm_lo, wm_hi = _across(wait_mean, spread)
    p90, p90_lo, p90_hi = _across(raw.wait_p90 / spw, spread)
    sw, sw_lo, sw_hi = _across(within, spread)
    columns: dict[str, Any] = {
        "arrivals_mean": raw.arrivals.mean(axis=0),
        "completions_mean": raw.completions.mean(axis=0),
        "queue_mean": q_mean,
        "queue_lo": q_lo,
        "queue_hi": q_hi,
        "waiting_age_mean_weeks": _across(age, spread)[0],
        "wait_mean_weeks": wm,
        "wait_mean_weeks_lo": wm_lo,
        "wait_mean_weeks_hi": wm_hi,
        "wait_median_weeks": _across(raw.wait_median / spw, spread)[0],
        "wait_p90_weeks": p90,
        "wait_p90_weeks_lo": p90_lo,
        "wait_p90_weeks_hi": p90_hi,
        "share_within_target": sw,
        "share_within_target_lo": sw_lo,
        "share_within_target_hi": sw_hi,
    }
    W, S, K1 = raw.weeks, len(STAGES), len(raw.classes)
    frame = pd.DataFrame(
        {
            "week": np.repeat(np.arange(1, W + 1), S * K1),
            "stage": pd.Categorical(np.tile(np.repeat(STAGES, K1), W), categories=list(STAGES)),
            "need_class": pd.Categorical(np.tile(raw.classes, W * S), categories=list(raw.classes)),
            **{name: np.asarray(v, dtype=float).reshape(-1) for name, v in columns.items()},
        }
    )
    frame.attrs.update(
        {
            "scenario": raw.scenario.as_dict(),
            "weeks": W,
            "replications": raw.replications,
            "seed": raw.seed,
            "steps_per_week": spw,
            "spread": list(spread),
            "load": {k: float(v) for k, v in raw.scenario.load().items()},
            "notes": _notes(raw.scenario, raw, lang),
            "wait_columns": "per_week",
            "patient_waits": _patient_level(raw),
        }
    )
    return frame


@dataclass(frozen=True, eq=False)
class PatientLevel:
    """What :func:`summary` needs for patient-level waits, kept in a run table's ``attrs``.

    ``served`` holds every completion (:class:`ServedWaits`); ``queue`` and
    ``arrivals`` are per replication, week, stage and class (the last class
    index pools all) [replication, week, stage, class]; ``target_steps`` the
    target per stage and class in steps. Shared, never copied: a copy of
    ``attrs`` (pandas makes one on most operations) costs nothing.
    """

    served: ServedWaits
    queue: npt.NDArray[np.int64]
    arrivals: npt.NDArray[np.int64]
    target_steps: FloatArray
    steps_per_week: int
    replications: int
    n_classes: int

    def __deepcopy__(self, memo: dict[int, Any]) -> PatientLevel:
        return self

    def __repr__(self) -> str:
        return f"PatientLevel({self.replications} replications, {self.served!r})"


def _patient_level(raw: RawRun) -> PatientLevel | None:
    if raw.served_waits is None:
        return None
    targets = raw.scenario.target_days()
    spw = raw.steps_per_week
    return PatientLevel(
        served=raw.served_waits,
        queue=raw.queue,
        arrivals=raw.arrivals,
        target_steps=np.array(
            [[targets[s][k] / 7 * spw for k in raw.scenario.classes] for s in STAGES]
        ),
        steps_per_week=spw,
        replications=raw.replications,
        n_classes=len(raw.scenario.classes),
    )


#: Largest groups x wait bins for which quantiles use a dense histogram (else a sort).
_DENSE_HISTOGRAM_CELLS = 5_000_000


def _lower_quantiles(
    group: IntArray, wait: IntArray, count: IntArray, n_groups: int, ps: Sequence[float]
) -> list[FloatArray]:
    """Lower quantiles of weighted waits per group: the smallest wait with F(wait) ≥ p.

    NaN for a group with no one. The same definition as the weekly
    ``wait_median``/``wait_p90`` (a histogram's first bin whose cumulative
    count reaches p × total).
    """
    bins = int(wait.max()) + 1 if len(wait) else 1
    if n_groups * bins <= _DENSE_HISTOGRAM_CELLS:
        # a dense histogram per group: no sort needed
        hist = np.bincount(group * bins + wait, weights=count, minlength=n_groups * bins).reshape(
            n_groups, bins
        )
        cum = np.cumsum(hist, axis=1)
        total_d = cum[:, -1]
        dense = []
        for p in ps:
            value = np.count_nonzero(cum < p * total_d[:, None] - 1e-9, axis=1).astype(np.float64)
            dense.append(np.where(total_d > 0, value, np.nan))
        return dense
    order = np.lexsort((wait, group))
    g, x, c = group[order], wait[order], count[order].astype(np.float64)
    total = np.bincount(g, weights=c, minlength=n_groups)
    prior = np.cumsum(total) - total
    cum = np.cumsum(c) - prior[g]
    first = np.searchsorted(g, np.arange(n_groups))
    out = []
    for p in ps:
        before = np.bincount(g, weights=(cum < p * total[g] - 1e-9), minlength=n_groups)
        at = np.minimum(first + before.astype(np.int64), max(len(x) - 1, 0))
        value = x[at].astype(np.float64) if len(x) else np.zeros(n_groups)
        out.append(np.where(total > 0, value, np.nan))
    return out


def _pooled_waits(
    pl: PatientLevel, first_week: int, last_week: int, spread: tuple[float, float]
) -> dict[str, FloatArray]:
    """Patient-level figures per stage and class over weeks ``first_week..last_week``.

    Every figure is computed from the waits of all patients served in those
    weeks: per replication (pooled over the weeks) for the spread, and over
    all replications together for the figure itself. Returns arrays
    [stage, class (+ all)].
    """
    sw, K, R, spw = pl.served, pl.n_classes, pl.replications, pl.steps_per_week
    K1 = K + 1
    keep = (sw.week >= first_week) & (sw.week <= last_week)
    stage = sw.stage[keep].astype(np.int64)
    k = sw.need_class[keep].astype(np.int64)
    r = sw.replication[keep].astype(np.int64)
    wait = sw.wait_steps[keep].astype(np.int64)
    count = sw.count[keep].astype(np.int64)
    ok = wait <= np.floor(pl.target_steps[stage, k] + 1e-9)
    # each entry once under its own class and once under "all"
    stage, r, wait, count, ok = (np.concatenate([x, x]) for x in (stage, r, wait, count, ok))
    k = np.concatenate([k, np.full(len(k), K, dtype=np.int64)])
    cell = stage * K1 + k
    out: dict[str, FloatArray] = {}
    for name, group, n_groups in (
        ("pooled", cell, 2 * K1),
        ("per_rep", r * (2 * K1) + cell, R * 2 * K1),
    ):
        n = np.bincount(group, weights=count, minlength=n_groups)
        total = np.bincount(group, weights=count * wait, minlength=n_groups)
        within = np.bincount(group, weights=count * ok, minlength=n_groups)
        med, p90 = _lower_quantiles(group, wait, count, n_groups, (0.5, 0.9))
        with np.errstate(invalid="ignore", divide="ignore"):
            figures = {
                "served": n,
                "wait_mean_weeks": np.where(n > 0, total / n, np.nan) / spw,
                "wait_median_weeks": med / spw,
                "wait_p90_weeks": p90 / spw,
                "share_within_target": np.where(n > 0, within / n, np.nan),
            }
        shape = (2, K1) if name == "pooled" else (R, 2, K1)
        for key, value in figures.items():
            out[f"{name}:{key}"] = np.asarray(value, dtype=np.float64).reshape(shape)
    # everyone, served or still waiting: Little's law over the window
    weeks = slice(first_week - 1, last_week)
    queue = pl.queue[:, weeks].astype(np.float64).sum(axis=1)  # [R, 2, K1]
    arrived = pl.arrivals[:, weeks].astype(np.float64).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pooled:wait_everyone_mean_weeks"] = np.where(
            arrived.sum(axis=0) > 0, queue.sum(axis=0) / arrived.sum(axis=0), np.nan
        )
        out["per_rep:wait_everyone_mean_weeks"] = np.where(arrived > 0, queue / arrived, np.nan)
    result: dict[str, FloatArray] = {}
    for key in (
        "wait_mean_weeks",
        "wait_median_weeks",
        "wait_p90_weeks",
        "share_within_target",
        "wait_everyone_mean_weeks",
    ):
        result[key] = out[f"pooled:{key}"]
        _, lo, hi = _across(out[f"per_rep:{key}"], spread)
        result[f"{key}_lo"], result[f"{key}_hi"] = lo, hi
    per_rep = out["per_rep:wait_mean_weeks"]
    valid = np.isfinite(per_rep)
    n_valid = valid.sum(axis=0)
    x = np.where(valid, per_rep, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = x.sum(axis=0) / n_valid
        var = np.where(valid, (x - centre) ** 2, 0.0).sum(axis=0) / (n_valid - 1)
        result["wait_mean_weeks_se"] = np.where(n_valid > 1, np.sqrt(var / n_valid), np.nan)
    result["served"] = out["pooled:served"]
    return result


def run(
    scenario: Scenario,
    weeks: int = 104,
    replications: int = 1000,
    seed: int | None = 0,
    *,
    steps_per_week: int = 1,
    spread: tuple[float, float] = (0.1, 0.9),
    lang: str | None = None,
) -> pd.DataFrame:
    """Simulate a scenario and return the weekly table per stage and need class.

    Parameters
    ----------
    scenario : Scenario
        The parameters.
    weeks : int, default 104
        Weeks to simulate (1-5200).
    replications : int, default 1000
        Independent runs computed together (at least 1).
    seed : int or None, default 0
        Seed of the random numbers: the same seed gives the same table, and
        scenarios run with the same seed share their random arrivals (common
        random numbers), so differences between them are not noise in the
        arrivals. ``None`` draws a fresh seed.
    steps_per_week : int, default 1
        Steps a week (7 = daily). Waits are counted in whole steps.
    spread : (float, float), default (0.1, 0.9)
        Quantiles across replications for the ``_lo`` and ``_hi`` columns.
    lang : {"sv", "en"}, optional
        Language of the notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per week, stage and need class (the classes, then ``all``
        pooled), columns:

        ``week`` (1, 2, ...), ``stage`` (``first_assessment`` or
        ``deep_start``), ``need_class``
            the row.
        ``arrivals_mean``, ``completions_mean``
            joined the stage's queue and completed it in the week, mean over
            replications.
        ``queue_mean``, ``queue_lo``, ``queue_hi``
            number waiting at the end of the week: mean and the ``spread``
            quantiles over replications.
        ``waiting_age_mean_weeks``
            mean weeks waited so far by those still waiting.
        ``wait_mean_weeks`` (+ ``_lo``, ``_hi``), ``wait_median_weeks``,
        ``wait_p90_weeks`` (+ ``_lo``, ``_hi``)
            **per week**: waits of that week's completions (mean, lower
            median, 90th percentile), computed per replication, then
            averaged (and their quantiles) over the replications that
            completed someone.
        ``share_within_target`` (+ ``_lo``, ``_hi``)
            per week: share of the week's completions within the class's
            target.

        The weekly wait columns describe single weeks. Do not average them
        over weeks for a figure to read: a mean of weekly percentiles is not
        a percentile, and quiet weeks weigh like busy ones. :func:`summary`
        gives the figures over several weeks from the patients' own waits.

        ``attrs`` holds ``scenario`` (as a dict), ``weeks``, ``replications``,
        ``seed``, ``steps_per_week``, ``spread``, ``load`` per stage,
        ``notes`` (texts in ``lang``, e.g. a load above 1),
        ``wait_columns`` (``"per_week"``: what the wait columns describe) and
        ``patient_waits`` (a :class:`PatientLevel`: every patient's wait,
        for :func:`summary`; shared between copies, not copied).

    Raises
    ------
    toolkit.errors.ParameterError
        ``weeks``, ``replications`` or ``steps_per_week`` below 1 or above
        their limits (5 200, 1 000 000, 10 080), their product above
        :data:`MAX_REPLICATION_STEPS` (20 000 000 replication-steps), or a
        run that would need more than 1 GB.

    Notes
    -----
    The model is described in :func:`simulate` and ``docs/simulation.md``.
    Within a replication the counts balance exactly: arrivals = completions
    + change in the queue, for every stage and class. Waits are whole steps:
    with weekly steps a wait of 4 weeks means served in the fourth week after
    the week of referral, i.e. 22 to 28 days.

    Checked against the M/M/1 and M/M/c formulas (mean queue, mean wait to
    the start of service and its 90th percentile, Erlang C probability of
    waiting) and against the ``ciw`` library's ``waiting_time``
    (``benchmarks/bench_simulate.py``), in the ``servers`` capacity model.

    References
    ----------
    .. [1] Kleinrock L. Queueing Systems, Volume 1: Theory. Wiley, 1975
           (M/M/1, M/M/c and the Erlang C formula).
    .. [2] Little JDC. A proof for the queuing formula L = λW. Operations
           Research 1961;9(3):383-387.
    .. [3] Palmer GI, Knight VA, Harper PR, Hawa AL. Ciw: An open-source
           discrete event simulation library. Journal of Simulation
           2019;13(1):68-82.

    Examples
    --------
    >>> sc = Scenario(arrivals_per_week={"urgent": 1, "high": 3, "routine": 16})
    >>> weekly = run(sc, weeks=26, replications=100, seed=7)
    >>> weekly.shape
    (208, 19)
    >>> row = weekly[(weekly.week == 26) & (weekly.stage == "first_assessment")
    ...              & (weekly.need_class == "all")]
    >>> bool(row.queue_lo.item() <= row.queue_mean.item() <= row.queue_hi.item())
    True
    """
    raw = simulate(scenario, weeks, replications, seed, steps_per_week=steps_per_week)
    return table(raw, spread=spread, lang=lang)


#: Columns of :func:`summary`'s table, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "stage",
    "need_class",
    "arrivals_per_week",
    "completions_per_week",
    "queue_mean",
    "queue_end",
    "queue_end_lo",
    "queue_end_hi",
    "wait_mean_weeks",
    "wait_median_weeks",
    "wait_p90_weeks",
    "share_within_target",
    "wait_mean_weeks_lo",
    "wait_mean_weeks_hi",
    "wait_mean_weeks_se",
    "wait_median_weeks_lo",
    "wait_median_weeks_hi",
    "wait_p90_weeks_lo",
    "wait_p90_weeks_hi",
    "share_within_target_lo",
    "share_within_target_hi",
    "wait_everyone_mean_weeks",
    "wait_everyone_mean_weeks_lo",
    "wait_everyone_mean_weeks_hi",
)

#: The patient-level columns of :func:`summary` (after the first eight).
_PATIENT_COLUMNS = SUMMARY_COLUMNS[8:]


def summary(result: pd.DataFrame, last_weeks: int = 26, *, lang: str | None = None) -> pd.DataFrame:
    """One row per stage and need class over the last weeks of a :func:`run` table.

    The waits are **patient-level**: computed from the waits of all patients
    served in the window, not averaged from weekly figures (a week's mean
    or 90th percentile, averaged over weeks, is biased low: the busy weeks,
    when waits are long, are weighted like the quiet ones and percentiles do
    not average).

    Parameters
    ----------
    result : pandas.DataFrame
        A table from :func:`run` or :func:`table` (or rows of one, e.g. its
        first weeks or one need class), with its ``attrs``.
    last_weeks : int, default 26
        Weeks at the end to summarise (all weeks if more than were run).

    Returns
    -------
    pandas.DataFrame
        Columns:

        ``stage``, ``need_class``
            the row (need classes, then ``all`` pooled).
        ``arrivals_per_week``, ``completions_per_week``, ``queue_mean``
            means over the window's weeks (and replications).
        ``queue_end`` (+ ``_lo``, ``_hi``)
            number waiting at the end of the last week: mean and spread.
        ``wait_mean_weeks``, ``wait_median_weeks``, ``wait_p90_weeks``, ``share_within_target``
            mean, lower median, lower 90th percentile of the waits (weeks)
            and share within the class's target, of all patients served in
            the window in all replications together.
        ``*_lo``, ``*_hi``
            the ``spread`` quantiles (attrs) over replications of the same
            figure computed per replication (its patients pooled over the
            window's weeks): how much one run can differ.
        ``wait_mean_weeks_se``
            standard error of ``wait_mean_weeks``, from the spread of the
            replications' means: the simulation's own uncertainty.
        ``wait_everyone_mean_weeks`` (+ ``_lo``, ``_hi``)
            mean wait counting **everyone** who waited in the window, served
            or still waiting (Little's law: mean number waiting at the ends
            of the weeks divided by arrivals a week). Equal to
            ``wait_mean_weeks`` in a steady queue; when the queue grows, or a
            rule leaves some waiting, it keeps counting their time waited so
            far, which ``wait_mean_weeks`` (served only) does not.

        ``attrs`` as in ``result`` without the patient data, plus
        ``last_weeks``, ``weeks_summarised`` ((first, last) week) and
        ``wait_basis``: ``"patients"``, or ``"weeks"`` when ``result`` has
        lost its patient data (its ``attrs`` were cleared): the waits are then
        the weekly figures averaged with the completions as weights, biased
        low, the ``_lo``/``_hi``/``_se``/everyone columns are missing and a
        note says so.

    Notes
    -----
    For stage :math:`s`, class :math:`k` and the window's weeks :math:`w`,
    with :math:`n_{r,x}` patients of replication :math:`r` served with a wait
    of :math:`x` steps (:math:`m` steps a week):

    .. math:: \\bar W = \\frac{\\sum_{r,x} n_{r,x}\\, x}{m \\sum_{r,x} n_{r,x}},
              \\qquad
              W_{p} = \\min\\{x : F(x) \\geq p\\} / m,
              \\qquad
              \\bar W_{\\text{all}} = \\frac{\\sum_{r,w} Q_{r,w}}{\\sum_{r,w} A_{r,w}}

    with :math:`F` the cumulative share of the pooled counts, :math:`Q` the
    number waiting at the end of week :math:`w` and :math:`A` the week's
    arrivals (Little's law, :math:`L = \\lambda W`; with weekly steps
    :math:`\\sum_w Q_w` is exactly the weeks waited in the window). Checked
    against the M/M/1 and M/M/c (Erlang C) mean and 90th percentile and
    against Little's law in ``tests/test_simulate_patient_level.py``.

    References
    ----------
    .. [1] Gross D, Shortle JF, Thompson JM, Harris CM. Fundamentals of
           Queueing Theory, 4th ed. Wiley, 2008, sections 2.2-2.3.
    .. [2] Little JDC. A proof for the queuing formula L = λW. Operations
           Research 1961;9(3):383-387.

    Examples
    --------
    >>> sc = Scenario(classes=("routine",), arrivals_per_week={"routine": 10},
    ...               share_to_deep={"routine": 0.5}, capacity_first_per_week=14)
    >>> s = summary(run(sc, weeks=20, replications=50, seed=1), last_weeks=10)
    >>> s[["stage", "need_class"]].astype(str).values.tolist()
    [['first_assessment', 'routine'], ['first_assessment', 'all'], ['deep_start', 'routine'], ['deep_start', 'all']]
    >>> s.attrs["wait_basis"]
    'patients'
    """
    lang = check_language(lang)
    _check_summary_args(result, last_weeks, lang)
    window = _Window.last_weeks_of(result, int(last_weeks))
    attrs = dict(result.attrs)
    patients = attrs.pop("patient_waits", None)
    notes = list(attrs.get("notes", []))
    if isinstance(patients, PatientLevel):
        spread = tuple(attrs.get("spread", (0.1, 0.9)))
        pooled = _pooled_waits(
            patients, window.first, window.last, (float(spread[0]), float(spread[1]))
        )
        # the table's categories are the scenario's classes then "all", as the arrays
        stage, k = window.ids // window.n_classes, window.ids % window.n_classes
        waits = {name: pooled[name][stage, k] for name in _PATIENT_COLUMNS}
        basis = "patients"
    else:
        waits = {name: np.full(len(window.ids), np.nan) for name in _PATIENT_COLUMNS}
        for name in SUMMARY_COLUMNS[8:12]:
            waits[name] = window.weighted(name)
        basis = "weeks"
        notes.append(t("simulate.note.weekly_basis", lang))
    stages, classes = result["stage"].cat.categories, result["need_class"].cat.categories
    out = pd.DataFrame(
        {
            "stage": np.asarray(stages)[window.ids // window.n_classes],
            "need_class": np.asarray(classes)[window.ids % window.n_classes],
            "arrivals_per_week": window.mean("arrivals_mean"),
            "completions_per_week": window.mean("completions_mean"),
            "queue_mean": window.mean("queue_mean"),
            "queue_end": window.last_week("queue_mean"),
            "queue_end_lo": window.last_week("queue_lo"),
            "queue_end_hi": window.last_week("queue_hi"),
            **waits,
        },
        columns=list(SUMMARY_COLUMNS),
    )
    out["stage"] = pd.Categorical(out["stage"], categories=stages)
    out["need_class"] = pd.Categorical(out["need_class"], categories=classes)
    attrs.update(
        {
            "last_weeks": int(window.last - window.first + 1),
            "weeks_summarised": (window.first, window.last),
            "wait_basis": basis,
            "notes": notes,
        }
    )
    out.attrs.update(attrs)
    return out


def _check_summary_args(result: Any, last_weeks: Any, lang: str) -> None:
    if not isinstance(result, pd.DataFrame) or not set(RUN_COLUMNS) <= set(result.columns):
        raise checks.type_error(
            "result", "the table from toolkit.simulate.run", type(result).__name__, lang
        )
    checks.whole("last_weeks", last_weeks, lang, low=1)


@dataclass(frozen=True)
class _Window:
    """The rows of a run table in its last weeks, grouped by stage and need class.

    NumPy on the category codes (a workbook summarises on every control
    change). ``ids`` are the groups (stage code x number of classes + class
    code) in the order of the categories, as ``groupby`` sorts them;
    ``index`` gives each row of the window its group's position in ``ids``.
    """

    result: pd.DataFrame
    first: int
    last: int
    n_classes: int
    in_part: npt.NDArray[np.bool_]
    ids: IntArray
    index: IntArray
    end_rows: list[int]

    @classmethod
    def last_weeks_of(cls, result: pd.DataFrame, last_weeks: int) -> _Window:
        week = result["week"].to_numpy()
        last = int(week.max())
        first = max(last - last_weeks + 1, int(week.min()))
        n_classes = len(result["need_class"].cat.categories)
        stage_code = result["stage"].cat.codes.to_numpy(dtype=np.int64)
        class_code = result["need_class"].cat.codes.to_numpy(dtype=np.int64)
        group = stage_code * n_classes + class_code
        in_part = week >= first
        ids, index = np.unique(group[in_part], return_inverse=True)
        at_end = week == last
        end_row = dict(zip(group[at_end].tolist(), np.flatnonzero(at_end).tolist(), strict=True))
        rows = [end_row[int(i)] for i in ids]
        return cls(result, first, last, n_classes, in_part, ids, index, rows)

    def column(self, name: str) -> np.ndarray:
        return np.asarray(self.result[name].to_numpy(dtype=float)[self.in_part])

    def mean(self, name: str) -> np.ndarray:
        """Mean over the window's weeks per group, leaving out missing values."""
        values = self.column(name)
        ok = np.isfinite(values)
        n = len(self.ids)
        total = np.bincount(self.index, weights=np.where(ok, values, 0.0), minlength=n)
        count = np.bincount(self.index, weights=ok.astype(float), minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)

    def weighted(self, name: str) -> np.ndarray:
        """Weekly values averaged with the weekly completions as weights (weeks
        without completions or without a value left out; none left: NaN)."""
        values, completions = self.column(name), self.column("completions_mean")
        weights = np.where(np.isfinite(values) & (completions > 0), completions, 0.0)
        n = len(self.ids)
        total = np.bincount(self.index, weights=np.nan_to_num(values) * weights, minlength=n)
        weight = np.bincount(self.index, weights=weights, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(weight > 0, total / weight, np.nan)

    def last_week(self, name: str) -> np.ndarray:
        """The value in the last week, per group."""
        return np.asarray(self.result[name].to_numpy(dtype=float)[self.end_rows])


def stack_scenarios(
    scenarios: Sequence[Scenario],
    summarise: Callable[[Scenario], pd.DataFrame],
) -> pd.DataFrame:
    """``summarise(scenario)`` for each scenario, stacked under a first column ``scenario``.

    Checks that ``scenarios`` is a non-empty list of :class:`Scenario`; a
    repeated name gets " (2)", " (3)" ...; ``attrs["notes"]`` holds each
    part's notes prefixed by its label. Shared by :func:`compare` and
    :func:`toolkit.priority.compare_rules`.
    """
    if isinstance(scenarios, Scenario) or not isinstance(scenarios, Sequence) or not scenarios:
        raise checks.type_error("scenarios", "a list of Scenario", type(scenarios).__name__)
    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    seen: dict[str, int] = {}
    for i, sc in enumerate(scenarios):
        if not isinstance(sc, Scenario):
            raise ParameterError(
                "simulate.not_a_scenario",
                argument=f"scenarios[{i}]",
                got=type(sc).__name__,
            )
        seen[sc.name] = seen.get(sc.name, 0) + 1
        label = sc.name if seen[sc.name] == 1 else f"{sc.name} ({seen[sc.name]})"
        part = summarise(sc).copy()
        notes += [f"{label}: {n}" for n in part.attrs.get("notes", [])]
        part.insert(0, "scenario", label)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"notes": notes}
    return out


def compare(
    scenarios: Sequence[Scenario],
    weeks: int = 104,
    replications: int = 1000,
    seed: int | None = 0,
    *,
    last_weeks: int = 26,
    steps_per_week: int = 1,
    lang: str | None = None,
) -> pd.DataFrame:
    """Several scenarios side by side: :func:`summary` of each, stacked.

    All scenarios run with the same ``seed``, so they share their random
    numbers (common random numbers) and the differences between rows come
    from the scenarios, not from chance; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`summary` after a first column ``scenario``
        (each scenario's ``name``; a repeated name gets " (2)", " (3)" ...).
        ``attrs["notes"]`` lists each scenario's notes, prefixed by its name.

    Examples
    --------
    >>> base = Scenario(name="fcfs")
    >>> table_ = compare([base, base.replace(name="need", priority_rule="need")],
    ...                  weeks=26, replications=50, last_weeks=13)
    >>> list(table_.scenario.unique())
    ['fcfs', 'need']
    """
    lang = check_language(lang)
    out = stack_scenarios(
        scenarios,
        lambda sc: summary(
            run(sc, weeks, replications, seed, steps_per_week=steps_per_week, lang=lang),
            last_weeks,
            lang=lang,
        ),
    )
    out.attrs = {
        "weeks": weeks,
        "replications": replications,
        "seed": seed,
        "steps_per_week": steps_per_week,
        "last_weeks": last_weeks,
        "notes": out.attrs["notes"],
    }
    return out
