"""Priority rules side by side: scenarios per rule, their comparison, and the tables to show.

The priority-rule workbook ("Prioriteringsregler") asks one question: *with
the same unit, the same capacity and the same referrals, what does the rule
for who is booked first do to the waits of each need class at each stage?*
This module holds the calculation behind it, so a report or a lesson can ask
the same question and get the same numbers.

* :func:`rule_scenarios` -- one :class:`~toolkit.simulate.Scenario` per rule
  from a calibrated scenario, with the changes a workshop tries (capacity,
  demand, reserved shares, a class's own target).
* :func:`compare_rules` -- the same table as :func:`toolkit.simulate.compare`
  (same seed, same arrivals in every scenario), computed faster and with an
  optional cache per scenario.
* :func:`side_by_side` -- that table turned wide: one row per stage and need
  class, one column group per rule.
* :func:`longest_waits` -- per rule, which class waits longest at each stage
  and through the whole pathway.
* :func:`trade_off` -- what changes from one rule to another, class by class
  and stage by stage.

Calculation only: no text, no charts, no widgets.

Examples
--------
>>> from toolkit.simulate import Scenario
>>> base = Scenario(capacity_first_per_week=22.5, seasonality="none", holiday_weeks=())
>>> result = compare_rules(rule_scenarios(base, ["fcfs", "need"]), weeks=30,
...                        replications=50, seed=8, last_weeks=15)
>>> wide = side_by_side(result)
>>> w = wide[("need", "wait_mean_weeks")] < wide[("fcfs", "wait_mean_weeks")]
>>> bool(w[("first_assessment", "urgent")])
True
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit import simulate
from toolkit.errors import ParameterError
from toolkit.i18n import check_language
from toolkit.simulate import ALL_CLASSES, RULES, STAGES, Scenario

__all__ = [
    "MEAN_WAIT",
    "MEASURES",
    "PATHWAY",
    "compare_rules",
    "longest_waits",
    "rule_scenarios",
    "side_by_side",
    "trade_off",
]

#: The measures shown per rule, stage and need class.
MEASURES: tuple[str, ...] = ("wait_mean_weeks", "wait_p90_weeks", "share_within_target")
#: The mean wait compared across rules: everyone who waited in the summarised weeks,
#: served or still waiting (Little's law, :func:`toolkit.simulate.summary`). The mean
#: of those served alone leaves out whom a rule keeps waiting, and then makes a rule
#: look as if it shortened everyone's wait.
MEAN_WAIT = "wait_everyone_mean_weeks"


def _mean_column(result: pd.DataFrame, wait_column: str | None) -> str:
    """The mean-wait column to compare: ``wait_column``, else :data:`MEAN_WAIT` if present."""
    if wait_column is not None:
        if wait_column not in result.columns:
            raise checks.choice_error(
                "wait_column",
                wait_column,
                (c for c in (MEAN_WAIT, "wait_mean_weeks") if c in result.columns),
            )
        return wait_column
    return MEAN_WAIT if MEAN_WAIT in result.columns else "wait_mean_weeks"


#: Label of the rows of :func:`longest_waits` for the whole pathway (stage 1 + stage 2).
PATHWAY = "pathway"
#: Smallest change of a mean wait, in weeks, that :func:`trade_off` calls shorter or longer.
DEFAULT_THRESHOLD_WEEKS = 0.15
#: Largest relative change of capacity or demand (+500 %); the smallest is -90 %.
MAX_CHANGE = 5.0
MIN_CHANGE = -0.9


def _change(name: str, value: Any) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or not MIN_CHANGE <= float(value) <= MAX_CHANGE:
        raise checks.range_error(name, value, checks.range_text(low=MIN_CHANGE, high=MAX_CHANGE))
    return float(value)


def rule_scenarios(
    base: Scenario,
    rules: Sequence[str],
    *,
    capacity_first_change: float = 0.0,
    capacity_deep_change: float = 0.0,
    demand_change: float = 0.0,
    reserved_shares: dict[str, float] | None = None,
    class_target_days: dict[str, float] | None = None,
) -> list[Scenario]:
    """One scenario per priority rule, all else equal.

    Parameters
    ----------
    base : toolkit.simulate.Scenario
        The starting point, usually :func:`toolkit.simulate.calibrate` of a unit.
    rules : sequence of str
        Distinct rule codes from :data:`toolkit.simulate.RULES`, in the order
        to show them; each scenario is named by its rule code.
    capacity_first_change, capacity_deep_change : float, default 0
        Relative change of the slots a week for stage 1 and stage 2 (0.1 =
        10 % more), -0.9 to 5.
    demand_change : float, default 0
        Relative change of the referrals a week of every class, -0.9 to 5.
        The start queues stay as measured.
    reserved_shares : dict class -> float, optional
        Share of each stage's slots reserved per class; given to the
        ``reserved`` rule's scenario only (the other rules ignore it).
        Classes must be the scenario's.
    class_target_days : dict class -> float, optional
        A class's own target in days, in every scenario (it changes the
        ``longest_wait`` rule and every rule's share within target).

    Returns
    -------
    list of Scenario
        In the order of ``rules``.

    Notes
    -----
    With :math:`C_s` the slots a week at stage :math:`s` and :math:`\\lambda_k`
    the referrals a week of class :math:`k` in ``base``:

    .. math:: C_s' = C_s (1 + \\delta_s), \\qquad \\lambda_k' = \\lambda_k (1 + \\delta_d)

    (all per week; :math:`\\delta` without unit).

    Examples
    --------
    >>> base = Scenario(arrivals_per_week={"urgent": 1, "high": 3, "routine": 16})
    >>> a, b = rule_scenarios(base, ["fcfs", "reserved"], capacity_first_change=0.1,
    ...                       demand_change=-0.5, reserved_shares={"urgent": 0.2})
    >>> (a.name, a.priority_rule, round(a.capacity_first_per_week, 6), a.arrivals_per_week["routine"])
    ('fcfs', 'fcfs', 25.3, 8.0)
    >>> dict(a.reserved_shares), dict(b.reserved_shares)
    ({}, {'urgent': 0.2})
    >>> try:
    ...     rule_scenarios(base, ["fcfs", "fcfs"])
    ... except ParameterError as err:
    ...     print(err.message("en"))
    rules = ['fcfs', 'fcfs']: give one or more different rules from fcfs, need, first_visit_first, reserved, longest_wait.
    """
    if not isinstance(base, Scenario):
        raise ParameterError("simulate.not_a_scenario", argument="base", got=type(base).__name__)
    rules = list(rules) if isinstance(rules, Sequence) and not isinstance(rules, str) else []
    if not rules or len(set(rules)) != len(rules) or not all(r in RULES for r in rules):
        raise ParameterError(
            "priority.rules", argument="rules", value=rules, allowed=", ".join(RULES)
        )
    c1 = _change("capacity_first_change", capacity_first_change)
    c2 = _change("capacity_deep_change", capacity_deep_change)
    d = _change("demand_change", demand_change)
    common = base.replace(
        capacity_first_per_week=base.capacity_first_per_week * (1 + c1),
        capacity_deep_per_week=base.capacity_deep_per_week * (1 + c2),
        arrivals_per_week={k: v * (1 + d) for k, v in base.arrivals_per_week.items()},
        class_target_days=dict(class_target_days or {}),
        reserved_shares={},
        priority_rule="fcfs",
    )
    out = []
    for rule in rules:
        reserved = dict(reserved_shares or {}) if rule == "reserved" else {}
        out.append(common.replace(name=rule, priority_rule=rule, reserved_shares=reserved))
    return out


# --------------------------------------------------------------------------- compare


def _check_int(name: str, value: Any, low: int, lang: str) -> int:
    return checks.whole(name, value, lang, low=low, allowed=f"{low}, {low + 1} …")


def compare_rules(
    scenarios: Sequence[Scenario],
    weeks: int = 52,
    replications: int = 100,
    seed: int = 0,
    *,
    last_weeks: int = 26,
    cache: MutableMapping[Any, pd.DataFrame] | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """The table of :func:`toolkit.simulate.compare`, for a workbook's control change.

    Each scenario is simulated with :func:`toolkit.simulate.simulate` and
    tabulated with :func:`toolkit.simulate.table`, with the same ``seed``, so
    every scenario has the same referrals (common random numbers); the
    summary over the last weeks is computed with numpy instead of pandas
    group by group, which saves most of the time of a small comparison.

    Parameters
    ----------
    scenarios : sequence of Scenario
        With distinct names (the rule codes from :func:`rule_scenarios`).
    weeks, replications, seed, last_weeks
        As for :func:`toolkit.simulate.compare` (``seed`` an integer: the
        same seed always gives the same table).
    cache : mutable mapping, optional
        Results per scenario and settings; a scenario found there is not
        simulated again (a workbook keeps one per kernel, so changing one
        rule re-runs one scenario).
    lang : {"sv", "en"}, optional
        Language of the notes and errors.

    Returns
    -------
    pandas.DataFrame
        Equal to ``toolkit.simulate.compare(scenarios, weeks, replications,
        seed, last_weeks=last_weeks)``: ``scenario``, then the columns of
        :func:`toolkit.simulate.summary` (``stage``, ``need_class`` with
        ``all`` pooled, ``wait_mean_weeks``, ``wait_p90_weeks``,
        ``share_within_target``, ...), with the same ``attrs``.

    Notes
    -----
    The waits are patient-level, as in :func:`toolkit.simulate.summary`:
    every patient served in the last ``last_weeks`` weeks counts once
    (``wait_*``), and ``wait_everyone_mean_weeks`` also counts those still
    waiting (Little's law). Checked against :func:`toolkit.simulate.compare`
    in ``tests/test_priority.py``.

    Examples
    --------
    >>> sc = Scenario(seasonality="none")
    >>> fast = compare_rules([sc], weeks=8, replications=20, seed=3, last_weeks=4)
    >>> slow = simulate.compare([sc], weeks=8, replications=20, seed=3, last_weeks=4)
    >>> bool(np.allclose(fast["wait_mean_weeks"], slow["wait_mean_weeks"], equal_nan=True))
    True
    """
    lang = check_language(lang)
    weeks = _check_int("weeks", weeks, 1, lang)
    replications = _check_int("replications", replications, 1, lang)
    seed = _check_int("seed", seed, 0, lang)
    last_weeks = _check_int("last_weeks", last_weeks, 1, lang)

    def summarise(sc: Scenario) -> pd.DataFrame:
        key = (repr(sc.as_dict()), weeks, replications, seed, last_weeks, lang)
        part = cache.get(key) if cache is not None else None
        if part is None:
            raw = simulate.simulate(sc, weeks, replications, seed)
            weekly = simulate.table(raw, lang=lang)
            notes = list(weekly.attrs["notes"])
            # keep only what summary needs: the patient data (shared, never copied) and the spread
            weekly.attrs = {
                "patient_waits": weekly.attrs["patient_waits"],
                "spread": weekly.attrs["spread"],
            }
            part = simulate.summary(weekly, last_weeks, lang=lang)
            part.attrs = {"notes": notes}
            if cache is not None:
                cache[key] = part
        return part

    out = simulate.stack_scenarios(scenarios, summarise)
    out.attrs = {
        "weeks": weeks,
        "replications": replications,
        "seed": seed,
        "steps_per_week": 1,
        "last_weeks": last_weeks,
        "notes": out.attrs["notes"],
    }
    return out


# --------------------------------------------------------------------------- tables


def _check_result(result: Any) -> pd.DataFrame:
    needed = {"scenario", "stage", "need_class", *MEASURES}
    if not isinstance(result, pd.DataFrame) or not needed <= set(result.columns):
        raise checks.type_error(
            "result", "the table from toolkit.simulate.compare", type(result).__name__
        )
    return result


def side_by_side(result: pd.DataFrame, measures: Sequence[str] = MEASURES) -> pd.DataFrame:
    """The comparison turned wide: one row per stage and need class, one column group per rule.

    Parameters
    ----------
    result : pandas.DataFrame
        From :func:`toolkit.simulate.compare` or :func:`compare_rules`.
    measures : sequence of str, default :data:`MEASURES`
        Columns of ``result`` to show per scenario.

    Returns
    -------
    pandas.DataFrame
        Index ``(stage, need_class)`` in the model's order (stage 1 first;
        classes highest need first, then ``all``); columns a MultiIndex
        ``(scenario, measure)`` with the scenarios in their order in
        ``result`` and the measures in the order given. Waits in weeks,
        shares between 0 and 1.

    Examples
    --------
    >>> result = pd.DataFrame({
    ...     "scenario": ["fcfs"] * 2 + ["need"] * 2,
    ...     "stage": ["first_assessment"] * 4,
    ...     "need_class": ["urgent", "routine"] * 2,
    ...     "wait_mean_weeks": [3.0, 3.5, 0.0, 4.0],
    ...     "wait_p90_weeks": [4.0, 5.0, 0.0, 6.0],
    ...     "share_within_target": [0.8, 0.7, 1.0, 0.6]})
    >>> wide = side_by_side(result, ["wait_mean_weeks"])
    >>> wide.to_dict("list")
    {('fcfs', 'wait_mean_weeks'): [3.0, 3.5], ('need', 'wait_mean_weeks'): [0.0, 4.0]}
    >>> wide.index.tolist()
    [('first_assessment', 'urgent'), ('first_assessment', 'routine')]
    """
    result = _check_result(result)
    measures = list(measures)
    unknown = [m for m in measures if m not in result.columns]
    if unknown or not measures:
        raise checks.range_error("measures", unknown or measures, ", ".join(MEASURES))
    order = list(pd.unique(result["scenario"]))
    stage = result["stage"].astype(str)
    cls = result["need_class"].astype(str)
    stages = [s for s in STAGES if s in set(stage)] + sorted(set(stage) - set(STAGES))
    classes = list(pd.unique(cls))
    classes = [k for k in classes if k != ALL_CLASSES] + [k for k in classes if k == ALL_CLASSES]
    frame = pd.DataFrame(
        {"stage": stage.to_numpy(), "need_class": cls.to_numpy(), "scenario": result["scenario"]}
    )
    for m in measures:
        frame[m] = result[m].to_numpy(dtype=float)
    if frame.duplicated(["stage", "need_class", "scenario"]).any():
        raise ParameterError(
            "priority.duplicate_rows", argument="result", columns="scenario, stage, need_class"
        )
    wide = pd.DataFrame(
        frame.pivot_table(
            index=["stage", "need_class"],
            columns="scenario",
            values=measures,
            aggfunc="first",
            dropna=False,
            sort=False,
        )
    ).swaplevel(0, 1, axis=1)
    present = set(zip(stage, cls, strict=True))
    index = pd.MultiIndex.from_tuples(
        [(s, k) for s in stages for k in classes if (s, k) in present],
        names=["stage", "need_class"],
    )
    wide = wide.reindex(index=index, columns=pd.MultiIndex.from_product([order, measures]))
    wide.columns.names = ["scenario", "measure"]
    return wide


def longest_waits(result: pd.DataFrame, *, wait_column: str | None = None) -> pd.DataFrame:
    """Per rule: which need class waits longest at each stage and through the pathway.

    Parameters
    ----------
    result : pandas.DataFrame
        From :func:`toolkit.simulate.compare` or :func:`compare_rules`.
    wait_column : str, optional
        The mean wait to compare; default :data:`MEAN_WAIT` (everyone, served
        or still waiting) when ``result`` has it, else ``wait_mean_weeks``.
        The output's ``wait_mean_weeks`` holds this column's values.

    Returns
    -------
    pandas.DataFrame
        One row per scenario and ``stage`` (``first_assessment``,
        ``deep_start``, then ``pathway``), columns ``scenario``, ``stage``,
        ``need_class`` (the class with the longest mean wait; the pooled
        ``all`` rows are not candidates; ties go to the class listed first,
        the highest need), ``wait_mean_weeks`` and ``wait_p90_weeks`` (that
        class's), ``longest_p90_weeks`` (the largest 90th percentile of any
        class at the stage: the longest waits) and ``served`` (False when the
        class had people waiting but no one seen in the summarised weeks; its
        waits are then missing, and it counts as waiting longest).

    Notes
    -----
    The pathway wait of class :math:`k` is the sum of its mean waits at the
    two stages, :math:`\\bar W_k = \\bar W_{1,k} + \\bar W_{2,k}` (weeks): the
    expected wait from referral to the start of in-depth assessment or
    treatment of a patient who goes on to stage 2, because whether a patient
    goes on does not depend on the stage 1 wait in the model. Its 90th
    percentile is not the sum of the stages' and is left missing.

    Examples
    --------
    >>> result = pd.DataFrame({
    ...     "scenario": ["need"] * 6,
    ...     "stage": ["first_assessment"] * 3 + ["deep_start"] * 3,
    ...     "need_class": ["urgent", "routine", "all"] * 2,
    ...     "wait_mean_weeks": [0.0, 4.0, 3.0, 0.5, 2.0, 1.5],
    ...     "wait_p90_weeks": [0.0, 6.0, 5.5, 1.0, 3.0, 2.9],
    ...     "share_within_target": [1.0, 0.6, 0.7, 1.0, 0.9, 0.92],
    ...     "queue_end": [0.0, 50.0, 50.0, 0.0, 10.0, 10.0]})
    >>> longest_waits(result)[["stage", "need_class", "wait_mean_weeks", "longest_p90_weeks"]]
                  stage need_class  wait_mean_weeks  longest_p90_weeks
    0  first_assessment    routine              4.0                6.0
    1        deep_start    routine              2.0                3.0
    2           pathway    routine              6.0                NaN
    """
    result = _check_result(result)
    column = _mean_column(result, wait_column)
    frame = result.assign(
        stage=result["stage"].astype(str),
        need_class=result["need_class"].astype(str),
        wait_mean_weeks=result[column].to_numpy(dtype=float),
    )
    frame = frame[frame["need_class"] != ALL_CLASSES]
    if "queue_end" in frame.columns:
        stuck = frame["wait_mean_weeks"].isna() & (frame["queue_end"] > 0.5)
    else:
        stuck = pd.Series(False, index=frame.index)
    frame = frame.assign(
        _rank=np.where(stuck, np.inf, frame["wait_mean_weeks"].to_numpy(dtype=float)),
        served=~stuck,
    )
    rows: list[dict[str, Any]] = []
    for scenario in pd.unique(frame["scenario"]):
        own = frame[frame["scenario"] == scenario]
        for stage in [s for s in STAGES if s in set(own["stage"])]:
            at = own[own["stage"] == stage]
            rank = at["_rank"].to_numpy(dtype=float)
            if np.isnan(rank).all():
                continue
            best = at.iloc[int(np.nanargmax(rank))]
            rows.append(
                {
                    "scenario": scenario,
                    "stage": stage,
                    "need_class": best["need_class"],
                    "wait_mean_weeks": float(best["wait_mean_weeks"]),
                    "wait_p90_weeks": float(best["wait_p90_weeks"]),
                    "longest_p90_weeks": float(at["wait_p90_weeks"].max()),
                    "served": bool(best["served"]),
                }
            )
        by_class = own.groupby("need_class", sort=False)
        total = by_class["_rank"].sum(min_count=len(STAGES))
        if total.notna().any():
            k = str(total.idxmax())
            served = bool(by_class["served"].all()[k])
            rows.append(
                {
                    "scenario": scenario,
                    "stage": PATHWAY,
                    "need_class": k,
                    "wait_mean_weeks": float(total[k]) if served else float("nan"),
                    "wait_p90_weeks": float("nan"),
                    "longest_p90_weeks": float("nan"),
                    "served": served,
                }
            )
    columns = [
        "scenario",
        "stage",
        "need_class",
        "wait_mean_weeks",
        "wait_p90_weeks",
        "longest_p90_weeks",
        "served",
    ]
    return pd.DataFrame(rows, columns=columns)


def trade_off(
    result: pd.DataFrame,
    reference: str,
    other: str,
    *,
    threshold_weeks: float = DEFAULT_THRESHOLD_WEEKS,
    wait_column: str | None = None,
) -> pd.DataFrame:
    """What changes, class by class and stage by stage, from one rule to another.

    Parameters
    ----------
    result : pandas.DataFrame
        From :func:`toolkit.simulate.compare` or :func:`compare_rules`.
    reference, other : str
        Two scenario names in ``result``.
    threshold_weeks : float, default 0.15
        Smallest change of the mean wait (weeks, about a working day) called
        ``shorter`` or ``longer``; smaller changes are ``same``.
    wait_column : str, optional
        The mean wait compared; default :data:`MEAN_WAIT` (everyone, served
        or still waiting) when ``result`` has it, else ``wait_mean_weeks``.

    Returns
    -------
    pandas.DataFrame
        One row per stage and need class (``all`` included), columns
        ``stage``, ``need_class``, ``wait_reference``, ``wait_other``,
        ``wait_change_weeks`` (other - reference), ``share_reference``,
        ``share_other``, ``share_change`` (other - reference, in shares) and
        ``effect`` (``shorter``, ``longer`` or ``same``, for the mean wait).

    Examples
    --------
    >>> result = pd.DataFrame({
    ...     "scenario": ["fcfs", "fcfs", "fvf", "fvf"],
    ...     "stage": ["first_assessment", "deep_start"] * 2,
    ...     "need_class": ["all"] * 4,
    ...     "wait_mean_weeks": [6.0, 3.0, 3.0, 5.0],
    ...     "wait_p90_weeks": [8.0, 4.0, 4.0, 7.0],
    ...     "share_within_target": [0.4, 0.7, 0.9, 0.5]})
    >>> trade_off(result, "fcfs", "fvf")[["stage", "wait_change_weeks", "share_change", "effect"]]
                  stage  wait_change_weeks  share_change   effect
    0  first_assessment               -3.0           0.5  shorter
    1        deep_start                2.0          -0.2   longer
    """
    result = _check_result(result)
    names = set(result["scenario"])
    for name, value in (("reference", reference), ("other", other)):
        if value not in names:
            raise checks.choice_error(name, value, map(str, pd.unique(result["scenario"])))
    if not isinstance(threshold_weeks, (int, float)) or not threshold_weeks >= 0:
        raise checks.range_error("threshold_weeks", threshold_weeks, "≥ 0")
    column = _mean_column(result, wait_column)
    wide = side_by_side(result, [column, "share_within_target"])
    out = pd.DataFrame(
        {
            "stage": wide.index.get_level_values("stage"),
            "need_class": wide.index.get_level_values("need_class"),
            "wait_reference": wide[(reference, column)].to_numpy(),
            "wait_other": wide[(other, column)].to_numpy(),
            "share_reference": wide[(reference, "share_within_target")].to_numpy(),
            "share_other": wide[(other, "share_within_target")].to_numpy(),
        }
    )
    out.insert(4, "wait_change_weeks", out["wait_other"] - out["wait_reference"])
    out["share_change"] = out["share_other"] - out["share_reference"]
    change = out["wait_change_weeks"].to_numpy(dtype=float)
    out["effect"] = np.select(
        [change <= -threshold_weeks, change >= threshold_weeks], ["shorter", "longer"], "same"
    )
    return out
