"""Lesson 5: prioritisation and its consequences, first visit versus treatment.

Two worked examples: the sample unit ``forsta_besok_forst`` (it meets the
30-day first-visit target while the queue to in-depth assessment or
treatment grows: :func:`toolkit.flow.weekly_flow`), and a stylised unit
short of first-assessment capacity simulated under three priority rules
(:func:`toolkit.simulate.compare`): first come first served, first visit
first, and strict need order.

The notebook ``notebooks/lessons/05_prioritering.ipynb`` only calls the
functions here; the texts are ``lessons.l5.*`` in
``toolkit/data/text/lessons_l5.yaml``.

Exercises (ids for :func:`toolkit.lessons.check`):

``l5.platform``
    Which principle of the ethical platform decides (A–C).
``l5.queue_growth``
    How much a queue grows when more join than start (numbers in the text).
``l5.little``
    Mean wait from the queue and the starts a week, Little's law (numbers in the text).
``l5.first_visit_first``
    What "first visit first" does to the wait for stage 2 in the simulation (A–C).
``l5.need_routine``
    What strict need order does to routine patients' first-visit wait (A–C).

Examples
--------
>>> from toolkit.lessons import check
>>> check("l5.little", 15, "en").status
'right'
>>> check("l5.little", 960, "en").status
'wrong'
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from toolkit import simulate
from toolkit.charts import lesson_rule_chart, lesson_stage_chart
from toolkit.flow import weekly_flow
from toolkit.i18n import check_language, t
from toolkit.lessons import (
    Figure,
    Table,
    _Markdown,
    close,
    exercise,
    number,
    sample_unit,
    unit_period,
)
from toolkit.lessons import show as _show

__all__ = [
    "EX",
    "NEEDS",
    "PERIOD_START",
    "RULES",
    "SCENARIO",
    "UNIT",
    "rule_chart",
    "rule_table",
    "show",
    "stage_chart",
    "stage_table",
    "worked_example",
]

#: The sample unit of the first worked example (sample_data/units.yaml).
UNIT = "forsta_besok_forst"
#: Tables a learner's own unit needs for this lesson (``unit_path``; see
#: :func:`toolkit.lessons.use_unit`): the table and chart of the two stages
#: then show that unit; the exercises state their own numbers or read the
#: simulation, so their answers stay the same.
NEEDS: tuple[str, ...] = ("referrals",)
#: First day of the unit's sample period (units.yaml ``period_start``).
PERIOD_START = "2023-01-02"
#: Weeks at the end of the period summarised in the stage table.
LAST_WEEKS = 26

#: Numbers given in the exercise texts.
EX: dict[str, float] = {
    "join_per_week": 10.0,  # patients joining the stage 2 queue a week
    "start_per_week": 8.0,  # stage 2 starts a week
    "weeks": 26.0,  # weeks looked at
    "queue": 120.0,  # patients waiting for stage 2 (Little's law)
    "starts_little": 8.0,  # stage 2 starts a week (Little's law)
}

#: The stylised unit of the simulation: 20 referrals a week (1 urgent, 3 high,
#: 16 routine), first-assessment capacity 20 slots a week (5 % no-shows and
#: holidays make it short), stage 2 capacity 95 visit slots a week, no
#: seasonality, a small queue at the start.
SCENARIO = simulate.Scenario(
    name="fcfs",
    capacity_first_per_week=20.0,
    capacity_deep_per_week=95.0,
    seasonality="none",
    start_queue_first={"routine": 40, "high": 5},
    start_queue_deep={"routine": 40, "high": 8, "urgent": 2},
)
#: The rules compared, in the order shown.
RULES: tuple[str, ...] = ("fcfs", "first_visit_first", "need")
#: Simulation settings: one year, 200 replications, a fixed seed (common random numbers).
SIM_WEEKS, SIM_REPLICATIONS, SIM_SEED, SIM_LAST_WEEKS = 52, 200, 1, 13
#: Two waits differing by less than this share (and less than 0.2 weeks) are "about the same".
SAME_SHARE, SAME_WEEKS = 0.05, 0.2

_LETTERS = ("A", "B", "C")


def show(name: str, lang: str | None = None) -> _Markdown:
    """The lesson's text ``lessons.l5.<name>`` with the exercise numbers filled in.

    >>> "120" in show("ex_little", "en").text
    True
    """
    lang = check_language(lang)
    fields = {key: number(value, lang, 0) for key, value in EX.items()}
    fields["title"] = t("lessons.l5.title", lang)
    return _show(f"lessons.l5.{name}", lang, **fields)


# --------------------------------------------------------------------------- the sample unit


@functools.cache
def _flow() -> pd.DataFrame:
    unit = sample_unit(UNIT)
    # on a learner's unit (unit_path) as many weeks, ending on its last date
    start = unit_period((PERIOD_START, "2024-12-29"))[0]
    return weekly_flow(unit, "W", start=start, lang="en")


def _stage_figures() -> pd.DataFrame:
    """Per stage over the last weeks: arrivals and completions a week, queue then and now, share within target."""
    flow = _flow()
    last = flow["period"].drop_duplicates().sort_values().iloc[-LAST_WEEKS:]
    part = flow[flow["period"].isin(last)]
    rows = []
    for stage in ("first_assessment", "deep_start"):
        g = part[part["stage"].astype(str) == stage].sort_values("period")
        done = g["completions"].to_numpy(dtype=float)
        within = g["share_within_target"].to_numpy(dtype=float)
        ok = done > 0
        share = float(np.sum(within[ok] * done[ok]) / done[ok].sum()) if ok.any() else np.nan
        rows.append(
            {
                "stage": stage,
                "arrivals": float(g["arrivals"].mean()),
                "completions": float(g["completions"].mean()),
                "waiting_start": float(g["waiting_start"].iloc[0]),
                "waiting_end": float(g["waiting_end"].iloc[-1]),
                "share_within": 100.0 * share,
            }
        )
    return pd.DataFrame(rows)


def stage_table(lang: str | None = None) -> Table:
    """The two stages of the unit over the last 26 weeks, with headers in ``lang``."""
    lang = check_language(lang)
    fig = _stage_figures()
    out = pd.DataFrame(
        {t("lessons.l5.col.stage", lang): [t(f"lessons.l5.stage.{s}", lang) for s in fig["stage"]]}
    )
    for column, digits in (
        ("arrivals", 1),
        ("completions", 1),
        ("waiting_start", 0),
        ("waiting_end", 0),
        ("share_within", 0),
    ):
        out[t(f"lessons.l5.col.{column}", lang)] = fig[column].round(digits).to_numpy()
    return Table(out, lang)


def stage_chart(lang: str | None = None) -> Figure:
    """Line chart: number waiting at the end of each week, for both stages."""
    lang = check_language(lang)
    return Figure(lesson_stage_chart(_flow(), lang))


def worked_example(lang: str | None = None) -> _Markdown:
    """The first worked example's sentences with the unit's own numbers."""
    lang = check_language(lang)
    fig = _stage_figures().set_index("stage")
    return _show(
        "lessons.l5.worked_numbers",
        lang,
        weeks=LAST_WEEKS,
        first_within=number(fig.loc["first_assessment", "share_within"], lang, 0),
        deep_within=number(fig.loc["deep_start", "share_within"], lang, 0),
        deep_start=number(fig.loc["deep_start", "waiting_start"], lang, 0),
        deep_end=number(fig.loc["deep_start", "waiting_end"], lang, 0),
        deep_in=number(fig.loc["deep_start", "arrivals"], lang, 1),
        deep_done=number(fig.loc["deep_start", "completions"], lang, 1),
    )


# --------------------------------------------------------------------------- the simulation


@functools.cache
def _comparison() -> pd.DataFrame:
    """:func:`toolkit.simulate.compare` of the three rules on :data:`SCENARIO` (computed once)."""
    scenarios = [SCENARIO.replace(name=rule, priority_rule=rule) for rule in RULES]
    return simulate.compare(
        scenarios,
        weeks=SIM_WEEKS,
        replications=SIM_REPLICATIONS,
        seed=SIM_SEED,
        last_weeks=SIM_LAST_WEEKS,
        lang="en",
    )


def _wait(rule: str, stage: str, need_class: str = "all") -> float:
    table = _comparison()
    row = table[
        (table["scenario"] == rule)
        & (table["stage"].astype(str) == stage)
        & (table["need_class"].astype(str) == need_class)
    ]
    # everyone who waited in the weeks summarised, served or still waiting (Little's law):
    # the mean of those served alone would leave out whom a rule keeps waiting
    return float(row["wait_everyone_mean_weeks"].iloc[0])


def rule_table(lang: str | None = None) -> Table:
    """Mean wait (weeks) and share within 30 days (%) per stage and need class, one column per rule.

    Rows (in ``lang``): for stage 1 and then stage 2, the mean wait of urgent,
    routine and all patients (everyone who waited in the last weeks, served
    or still waiting: ``wait_everyone_mean_weeks`` of
    :func:`toolkit.simulate.summary`), and the share of all those served
    within the target.
    """
    lang = check_language(lang)
    table = _comparison()
    measures: list[str] = []
    values: dict[str, list[float]] = {r: [] for r in RULES}
    for stage in ("first_assessment", "deep_start"):
        stage_label = t(f"lessons.l5.stage_short.{stage}", lang)
        for need_class in ("urgent", "routine", "all"):
            measures.append(t(f"lessons.l5.col.wait_{need_class}", lang, stage=stage_label))
            for r in RULES:
                values[r].append(round(_wait(r, stage, need_class), 1))
        rows = table[
            (table["stage"].astype(str) == stage) & (table["need_class"].astype(str) == "all")
        ]
        share = rows.set_index("scenario")["share_within_target"]
        measures.append(t("lessons.l5.col.within", lang, stage=stage_label))
        for r in RULES:
            values[r].append(round(100.0 * float(share[r]), 0))
    out = pd.DataFrame({t("lessons.l5.col.measure", lang): measures})
    for r in RULES:
        out[t(f"lessons.l5.rule.{r}", lang)] = values[r]
    return Table(out, lang)


def rule_chart(lang: str | None = None) -> Figure:
    """Grouped bars: mean wait in weeks per rule, for each stage (all need classes)."""
    lang = check_language(lang)
    waits = pd.DataFrame(
        [
            {"rule": r, "stage": s, "wait": _wait(r, s)}
            for r in RULES
            for s in ("first_assessment", "deep_start")
        ]
    )
    return Figure(lesson_rule_chart(waits, RULES, lang))


def _direction(new: float, old: float) -> str:
    """``"longer"``, ``"shorter"`` or ``"same"`` for a wait ``new`` against ``old``."""
    if abs(new - old) < max(SAME_SHARE * abs(old), SAME_WEEKS):
        return "same"
    return "longer" if new > old else "shorter"


# --------------------------------------------------------------------------- exercises

#: The options A, B, C of the two simulation questions (as in the texts).
_OPTIONS_FIRST_VISIT = ("shorter", "longer", "same")
_OPTIONS_NEED = ("shorter", "same", "longer")


@exercise("l5.platform", kind="choice", choices=_LETTERS)
def _check_platform(answer: str) -> str | None:
    """The need-solidarity principle: the greatest need first (option B in the text)."""
    if answer == "B":
        return None
    return "lessons.l5.hint.platform_wait" if answer == "A" else "lessons.l5.hint.platform_cost"


def _answer_queue_growth() -> float:
    """Growth = (joining − starting a week) × weeks."""
    return (EX["join_per_week"] - EX["start_per_week"]) * EX["weeks"]


@exercise("l5.queue_growth", kind="number", answer=_answer_queue_growth)
def _check_queue_growth(answer: float) -> str | None:
    """Growth = (joining − starting a week) × weeks."""
    joined, started, weeks = EX["join_per_week"], EX["start_per_week"], EX["weeks"]
    expected = _answer_queue_growth()
    if close(answer, expected, rel=0.005):
        return None
    if close(answer, joined - started, rel=0.005):
        return "lessons.l5.hint.growth_per_week"
    if close(answer, joined * weeks, rel=0.005):
        return "lessons.l5.hint.growth_forgot_starts"
    if close(answer, -expected, rel=0.005):
        return "lessons.l5.hint.growth_sign"
    return "lessons.l5.hint.growth_formula"


def _answer_little() -> float:
    """Little's law: mean wait = number waiting / starts a week."""
    return EX["queue"] / EX["starts_little"]


@exercise("l5.little", kind="number", answer=_answer_little)
def _check_little(answer: float) -> str | None:
    """Little's law: mean wait = number waiting / starts a week."""
    queue, starts = EX["queue"], EX["starts_little"]
    expected = _answer_little()
    if close(answer, expected, rel=0.01):
        return None
    if close(answer, queue * starts, rel=0.01):
        return "lessons.l5.hint.little_divide"
    if close(answer, starts / queue, rel=0.01):
        return "lessons.l5.hint.little_inverted"
    if close(answer, 7.0 * expected, rel=0.01):
        return "lessons.l5.hint.little_weeks"
    return "lessons.l5.hint.little_formula"


@exercise("l5.first_visit_first", kind="choice", choices=_LETTERS)
def _check_first_visit_first(answer: str) -> str | None:
    """Stage 2 mean wait under first visit first against first come first served."""
    expected = _direction(_wait("first_visit_first", "deep_start"), _wait("fcfs", "deep_start"))
    if answer == _LETTERS[_OPTIONS_FIRST_VISIT.index(expected)]:
        return None
    return "lessons.l5.hint.read_stage2"


@exercise("l5.need_routine", kind="choice", choices=_LETTERS)
def _check_need_routine(answer: str) -> str | None:
    """Routine patients' first-assessment wait under strict need order against fcfs."""
    expected = _direction(
        _wait("need", "first_assessment", "routine"), _wait("fcfs", "first_assessment", "routine")
    )
    if answer == _LETTERS[_OPTIONS_NEED.index(expected)]:
        return None
    return "lessons.l5.hint.read_routine"
