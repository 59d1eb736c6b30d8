"""Lesson 1: demand, capacity, activity and queue (DCAQ), and Little's law.

The worked examples and the exercise checkers of
``notebooks/lessons/01_flode_och_littles_lag.ipynb``. Every number comes
from :func:`toolkit.flow.weekly_flow` on a sample unit (the first stage,
received to first assessment, in 2024) or from the numbers stated in the
exercise (module constants, filled into the catalogue texts, so the text and
the checker can never disagree). Checkers return ``None`` when the answer is
right, else the key of a hint; no hint contains the expected value.

The worked charts and tables use what all lessons share:
:class:`toolkit.lessons.Figure` and :class:`toolkit.lessons.Table`.

Examples
--------
>>> from toolkit.lessons import check
>>> check("l1.queue", EX_QUEUE["arrivals_per_week"] * EX_QUEUE["mean_wait_days"] / 7,
...       lang="en").status
'right'
>>> print(check("l1.queue", EX_QUEUE["arrivals_per_week"] * EX_QUEUE["mean_wait_days"], lang="en"))
Not yet. Hint: Little's law: queue = arrivals per week × mean wait in weeks. Did you convert days to weeks (divide by 7)?
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from toolkit import flow
from toolkit.i18n import check_language, t
from toolkit.lessons import (
    Figure,
    Table,
    close,
    exercise,
    number,
    own_unit,
    sample_unit,
    show,
    unit_period,
)

__all__ = [
    "BALANCE_UNIT",
    "BALANCE_WEEK",
    "EX_QUEUE",
    "LOAD_UNIT",
    "NEEDS",
    "PERIOD",
    "WAIT_UNIT",
    "WORKED_UNIT",
    "balance_table",
    "balance_week",
    "first_stage_year",
    "flow_chart",
    "flow_table",
    "littles_law",
    "littles_law_example",
    "littles_law_table",
    "load",
    "period",
]

#: The year every worked example and exercise of the lesson looks at (Mondays to Sunday).
PERIOD: tuple[str, str] = ("2024-01-01", "2024-12-29")
#: The unit of the worked example (in balance).
WORKED_UNIT = "balans"
#: Tables a learner's own unit needs for this lesson (``unit_path``; see
#: :func:`toolkit.lessons.use_unit`): the worked example and exercises 2, 4
#: and 5 are then computed from that unit's referrals over its last 52 weeks.
NEEDS: tuple[str, ...] = ("referrals",)
#: The unit and week of the queue-balance exercise.
BALANCE_UNIT = "vaxande_behov"
BALANCE_WEEK = "2024-10-07"
#: The unit of the Little's-law exercise (mean wait from queue and arrivals).
WAIT_UNIT = "vaxande_behov"
#: The unit of the load exercise.
LOAD_UNIT = "vaxande_behov"
#: The numbers stated in the Little's-law exercise (``lessons.l1.ex_queue``).
EX_QUEUE: dict[str, float] = {"arrivals_per_week": 12, "mean_wait_days": 35}

_DAYS_PER_WEEK = 7.0


# --------------------------------------------------------------------------- calculations


def period() -> tuple[str, str]:
    """The lesson's year: :data:`PERIOD` on the sample units, the unit's last 52 weeks on its own.

    On a learner's unit (:func:`toolkit.lessons.use_unit`) the year ends on the
    Sunday on or before the unit's last date and starts 52 weeks earlier, on a
    Monday, as :data:`PERIOD` does.
    """
    return unit_period(PERIOD)


def balance_week() -> str:
    """The week of the balance exercise: :data:`BALANCE_WEEK`, or the same place in the unit's year.

    :data:`BALANCE_WEEK` is the 12th week from the end of :data:`PERIOD`; on a
    learner's unit it is the 12th week from the end of :func:`period`.
    """
    if not own_unit():
        return BALANCE_WEEK
    monday = pd.Timedelta(days=6)  # the last week of a period starts 6 days before its Sunday
    weeks_from_end = (pd.Timestamp(PERIOD[1]) - monday - pd.Timestamp(BALANCE_WEEK)).days // 7
    last_monday = pd.Timestamp(period()[1]) - monday
    return (last_monday - pd.Timedelta(weeks=weeks_from_end)).date().isoformat()


@functools.cache
def _first_stage_year(unit_id: str) -> pd.DataFrame:
    start, end = period()
    table = flow.weekly_flow(sample_unit(unit_id), "W", start=start, end=end, lang="en")
    first = table[table["stage"] == "first_assessment"].reset_index(drop=True)
    return first.drop(columns="stage")


def first_stage_year(unit_id: str) -> pd.DataFrame:
    """Weekly flow of the first stage (received to first assessment) in :data:`PERIOD`.

    Parameters
    ----------
    unit_id : str
        A sample unit of ``sample_data/units.yaml``.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`toolkit.flow.weekly_flow` for the stage
        ``first_assessment`` (without the ``stage`` column), one per week.
    """
    return _first_stage_year(unit_id).copy()


def littles_law(unit_id: str) -> dict[str, float]:
    """Little's law on a sample unit's first stage over :data:`PERIOD`.

    Returns
    -------
    dict
        ``arrivals_per_week`` (λ, referrals per week), ``mean_waiting``
        (L, mean number waiting at the end of the weeks), ``implied_wait_days``
        (W = L / λ, in days), ``measured_wait_days`` (the mean wait of the first
        assessments done in the year, PVV excluded; days).

    Notes
    -----
    .. math:: L = \\lambda W \\quad\\Rightarrow\\quad W = 7 L / \\lambda

    with :math:`L` patients, :math:`\\lambda` patients per week and
    :math:`W` in days. The measured mean wait is of completions only (the
    removed, who left without a visit, are not in it), so the two agree only
    approximately.

    References
    ----------
    .. [1] Little J.D.C. (1961), "A proof for the queuing formula L = λW",
       Operations Research 9(3): 383-387.
    """
    year = _first_stage_year(unit_id)
    arrivals = float(year["arrivals"].mean())
    waiting = float(year["waiting_end"].mean())
    done = year["completions"].to_numpy(dtype=float)
    waits = year["mean_wait_days"].fillna(0.0).to_numpy(dtype=float)
    measured = float((done * waits).sum() / done.sum()) if done.sum() else float("nan")
    return {
        "arrivals_per_week": arrivals,
        "mean_waiting": waiting,
        "implied_wait_days": waiting / arrivals * _DAYS_PER_WEEK,
        "measured_wait_days": measured,
    }


def load(unit_id: str) -> float:
    """Arrivals divided by those leaving the first-stage queue (completed or removed) in the year.

    .. math:: \\rho = \\sum_k A_k / \\sum_k (C_k + R_k)

    Above 1 the queue grows: :math:`Q_{end} - Q_{start} = \\sum A - \\sum (C + R)`.
    """
    year = _first_stage_year(unit_id)
    leaving = float((year["completions"] + year["removals"]).sum())
    return float(year["arrivals"].sum()) / leaving


# --------------------------------------------------------------------------- what the notebook shows


def _col(name: str, lang: str) -> str:
    return t(f"lessons.l1.col.{name}", lang)


def flow_table(unit_id: str, lang: str | None = None, weeks: int = 8) -> Table:
    """The last ``weeks`` weeks of the first stage's DCAQ table, with headers in ``lang``."""
    lang = check_language(lang)
    year = _first_stage_year(unit_id).tail(weeks)
    out = pd.DataFrame(
        {
            _col("week", lang): year["period"].dt.strftime("%Y-%m-%d"),
            _col("arrivals", lang): year["arrivals"],
            _col("completions", lang): year["completions"],
            _col("removals", lang): year["removals"],
            _col("waiting_end", lang): year["waiting_end"],
        }
    )
    return Table(
        out.reset_index(drop=True),
        lang,
    )


def balance_table(lang: str | None = None) -> Table:
    """The week of the balance exercise: waiting at the start and the flows, not the end."""
    lang = check_language(lang)
    year = _first_stage_year(BALANCE_UNIT)
    row = year[year["period"] == pd.Timestamp(balance_week())]
    return Table(
        pd.DataFrame(
            {
                _col("week", lang): row["period"].dt.strftime("%Y-%m-%d"),
                _col("waiting_start", lang): row["waiting_start"],
                _col("arrivals", lang): row["arrivals"],
                _col("completions", lang): row["completions"],
                _col("removals", lang): row["removals"],
            }
        ).reset_index(drop=True),
        lang,
    )


def littles_law_table(unit_id: str, lang: str | None = None, *, with_wait: bool = True) -> Table:
    """One row: arrivals per week, mean number waiting (and the waits), headers in ``lang``.

    ``with_wait=False`` leaves out the waits (for the exercise that asks for them).
    """
    lang = check_language(lang)
    law = littles_law(unit_id)
    row = {
        _col("arrivals_per_week", lang): round(law["arrivals_per_week"], 1),
        _col("mean_waiting", lang): round(law["mean_waiting"], 1),
    }
    if with_wait:
        row[_col("implied_wait_days", lang)] = round(law["implied_wait_days"], 1)
        row[_col("measured_wait_days", lang)] = round(law["measured_wait_days"], 1)
    return Table(
        pd.DataFrame([row]),
        lang,
    )


def littles_law_example(unit_id: str = WORKED_UNIT, lang: str | None = None) -> Any:
    """The worked Little's-law example on a sample unit, as Markdown in ``lang``."""
    lang = check_language(lang)
    law = littles_law(unit_id)
    return show(
        "lessons.l1.worked_little",
        lang,
        arrivals=number(law["arrivals_per_week"], lang),
        waiting=number(law["mean_waiting"], lang),
        weeks=number(law["mean_waiting"] / law["arrivals_per_week"], lang, 2),
        implied=number(law["implied_wait_days"], lang),
        measured=number(law["measured_wait_days"], lang),
    )


def flow_chart(unit_id: str, lang: str | None = None) -> Figure:
    """Weekly arrivals and activity (top) and the number waiting (bottom) over :data:`PERIOD`."""
    from toolkit.charts import lesson_flow_chart

    lang = check_language(lang)
    return Figure(lesson_flow_chart(_first_stage_year(unit_id), lang))


# --------------------------------------------------------------------------- exercises


@exercise("l1.dcaq", kind="choice", choices=("A", "B", "C", "D"))
def _check_dcaq(answer: str) -> str | None:
    """The first assessments done last week are the activity (C)."""
    hints = {
        "A": "lessons.l1.hint.dcaq_demand",
        "B": "lessons.l1.hint.dcaq_capacity",
        "D": "lessons.l1.hint.dcaq_queue",
    }
    return hints.get(answer)


def _answer_balance() -> float:
    """Waiting at the end of the week of the balance exercise."""
    year = _first_stage_year(BALANCE_UNIT)
    row = year[year["period"] == pd.Timestamp(balance_week())].iloc[0]
    return float(row["waiting_end"])


@exercise("l1.balance", kind="number", answer=_answer_balance)
def _check_balance(answer: float) -> str | None:
    """Waiting at the end of the week: read from the weekly flow table."""
    year = _first_stage_year(BALANCE_UNIT)
    row = year[year["period"] == pd.Timestamp(balance_week())].iloc[0]
    expected = _answer_balance()
    if close(answer, expected, rel=0.0, absolute=0.5):
        return None
    start, arrivals = float(row["waiting_start"]), float(row["arrivals"])
    done, removed = float(row["completions"]), float(row["removals"])
    if close(answer, start + arrivals - done, rel=0.0, absolute=0.5):
        return "lessons.l1.hint.balance_removals"
    if close(answer, start - arrivals + done + removed, rel=0.0, absolute=0.5):
        return "lessons.l1.hint.balance_signs"
    return "lessons.l1.hint.balance"


def _answer_queue() -> float:
    """Little's law with the numbers stated in the exercise: L = λ W (W in weeks)."""
    return EX_QUEUE["arrivals_per_week"] * EX_QUEUE["mean_wait_days"] / _DAYS_PER_WEEK


@exercise("l1.queue", kind="number", answer=_answer_queue)
def _check_queue(answer: float) -> str | None:
    """Little's law with the numbers stated in the exercise: L = λ W."""
    rate, wait_days = EX_QUEUE["arrivals_per_week"], EX_QUEUE["mean_wait_days"]
    expected = _answer_queue()
    if close(answer, expected, rel=0.02):
        return None
    if close(answer, rate * wait_days, rel=0.02):
        return "lessons.l1.hint.queue_units"
    if close(answer, wait_days / rate, rel=0.05) or close(answer, rate / wait_days, rel=0.05):
        return "lessons.l1.hint.queue_multiply"
    return "lessons.l1.hint.queue"


def _answer_wait() -> float:
    """Mean wait in days from the unit's mean queue and arrival rate: W = 7 L / λ."""
    return float(littles_law(WAIT_UNIT)["implied_wait_days"])


@exercise("l1.wait", kind="number", answer=_answer_wait)
def _check_wait(answer: float) -> str | None:
    """Mean wait in days from the sample unit's mean queue and arrival rate: W = 7 L / λ."""
    law = littles_law(WAIT_UNIT)
    expected = _answer_wait()
    if close(answer, expected, rel=0.03):
        return None
    if close(answer, expected / _DAYS_PER_WEEK, rel=0.03):
        return "lessons.l1.hint.wait_weeks"
    if close(answer, law["mean_waiting"] * law["arrivals_per_week"], rel=0.05):
        return "lessons.l1.hint.wait_divide"
    return "lessons.l1.hint.wait"


@exercise("l1.load", kind="choice", choices=("A", "B", "C"))
def _check_load(answer: str) -> str | None:
    """A: load below 1 (queue shrinks), B: about 1, C: above 1 (queue grows)."""
    rho = load(LOAD_UNIT)
    expected = "A" if rho < 0.97 else ("C" if rho > 1.03 else "B")
    if answer == expected:
        return None
    return "lessons.l1.hint.load"
