"""Lesson 6: the improvement cycle: aim, measure, change idea, PDSA, and reading the result.

The worked example is the sample unit ``nytt_arbetssatt``, which changed its
way of working in the first week of 2024 (more capacity, more group sessions,
the backlog cleared). Its weekly median wait for a first assessment
(:func:`toolkit.flow.weekly_flow`) is drawn as an XmR chart with the Making
Data Count rules (:func:`toolkit.spc.spc`, :func:`toolkit.charts.spc_chart`),
first with one set of limits and the change marked, then with the limits
recalculated from the change (``rebase``).

The notebook ``notebooks/lessons/06_forbattringscykeln.ipynb`` only calls the
functions here; the texts are ``lessons.l6.*`` in
``toolkit/data/text/lessons_l6.yaml``.

Exercises (ids for :func:`toolkit.lessons.check`):

``l6.aim``
    Which aim statement is a good one (A–C).
``l6.balancing``
    Which measure is a balancing measure (A–C).
``l6.upper_limit``
    The upper process limit of an XmR chart (numbers in the text).
``l6.signal``
    What the chart shows after the change (A–C).
``l6.centre_change``
    How many days the centre line fell when the limits were recalculated.

Examples
--------
>>> from toolkit.lessons import check
>>> check("l6.upper_limit", 27.98, "en").status
'right'
>>> check("l6.upper_limit", 23, "en").status
'wrong'
"""

from __future__ import annotations

import functools

import pandas as pd

from toolkit.charts import spc_chart
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
from toolkit.spc import XMR_LIMIT_FACTOR, spc

__all__ = [
    "CHANGE_DATE",
    "EX",
    "MIN_WEEKS_EACH_SIDE",
    "NEEDS",
    "PERIOD_START",
    "UNIT",
    "change_date",
    "chart_one_limit",
    "chart_rebased",
    "parts_table",
    "series",
    "show",
    "spc_table",
    "use_change_date",
    "worked_example",
]

#: The sample unit of this lesson (sample_data/units.yaml).
UNIT = "nytt_arbetssatt"
#: First day of the unit's sample period (units.yaml ``period_start``).
PERIOD_START = "2023-01-02"
#: Monday of the week the unit changed its way of working: ``period_start`` +
#: 52 weeks (``change_week=52`` in toolkit.synth's profile of the unit).
CHANGE_DATE = "2024-01-01"

#: Numbers given in the exercise texts.
EX: dict[str, float] = {
    "mean": 20.0,  # centre line (mean) of an XmR chart, days
    "mean_mr": 3.0,  # mean moving range, days
}

#: Tables a learner's own unit needs for this lesson (``unit_path``; see
#: :func:`toolkit.lessons.use_unit`), with the day its change started
#: (:func:`use_change_date`): the chart and exercises 4 and 5 then read that
#: unit's weekly median wait before and after that day.
NEEDS: tuple[str, ...] = ("referrals",)
#: Weeks with a median wait needed on each side of a learner's change date.
MIN_WEEKS_EACH_SIDE = 8
#: The change date given by the learner (``change_date`` of the notebook), if any.
_CHANGE: dict[str, str] = {}

_LETTERS = ("A", "B", "C")
#: Options of ``l6.signal``, A, B, C (as in the text).
_SIGNAL_OPTIONS = ("common_cause", "improvement", "concern")


def show(name: str, lang: str | None = None) -> _Markdown:
    """The lesson's text ``lessons.l6.<name>`` with the exercise numbers filled in.

    >>> "20" in show("ex_upper_limit", "en").text
    True
    """
    lang = check_language(lang)
    fields = {key: number(value, lang, 0) for key, value in EX.items()}
    fields["title"] = t("lessons.l6.title", lang)
    return _show(f"lessons.l6.{name}", lang, **fields)


# --------------------------------------------------------------------------- the change date


def change_date() -> str:
    """The day the change started: the learner's (:func:`use_change_date`) or :data:`CHANGE_DATE`."""
    return _CHANGE.get("date", CHANGE_DATE)


def use_change_date(text: str | None, lang: str | None = None) -> _Markdown:
    """Read the notebook's ``change_date`` (YYYY-MM-DD): the day the learner's unit changed.

    Empty keeps :data:`CHANGE_DATE`. A date that cannot be read, or with fewer
    than :data:`MIN_WEEKS_EACH_SIDE` weeks of the unit's weekly median wait on
    either side, keeps :data:`CHANGE_DATE` and says why, in ``lang``.
    """
    from toolkit.lessons import _clear_lesson_caches, _md
    from toolkit.privacy import redact_text

    lang = check_language(lang)
    _CHANGE.clear()
    _clear_lesson_caches()
    value = "" if text is None else str(text).strip()
    if not value:
        return _Markdown("")
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError):
        day = None
    if day is None or day is pd.NaT or len(value) != 10:
        return _Markdown(
            t(
                "lessons.l6.change_date_unreadable",
                lang,
                text=_md(redact_text(value[:40], lang=lang)),
                change=CHANGE_DATE,
            )
        )
    data = series()
    before = int((data["period"] < day).sum())
    if min(before, len(data) - before) < MIN_WEEKS_EACH_SIDE:
        return _Markdown(
            t(
                "lessons.l6.change_date_outside",
                lang,
                text=day.date().isoformat(),
                weeks=MIN_WEEKS_EACH_SIDE,
                change=CHANGE_DATE,
            )
        )
    _CHANGE["date"] = day.date().isoformat()
    _clear_lesson_caches()
    return _Markdown(t("lessons.l6.change_date_used", lang, change=_CHANGE["date"]))


# --------------------------------------------------------------------------- the measure


@functools.cache
def series() -> pd.DataFrame:
    """The weekly median wait (days) for a first assessment: ``period``, ``value``.

    Weeks in which nobody had a first assessment have no median and are left out.
    """
    unit = sample_unit(UNIT)
    # on a learner's unit (unit_path) as many weeks, ending on its last date
    start = unit_period((PERIOD_START, "2024-12-29"))[0]
    flow = weekly_flow(unit, "W", start=start, lang="en")
    rows = flow[flow["stage"].astype(str) == "first_assessment"]
    out = pd.DataFrame(
        {
            "period": rows["period"].to_numpy(),
            "value": rows["median_wait_days"].to_numpy(dtype=float),
        }
    )
    return out[out["value"].notna()].reset_index(drop=True)


@functools.cache
def spc_table(rebased: bool = False) -> pd.DataFrame:
    """XmR chart of :func:`series` with Making Data Count rules (lower is better).

    ``rebased=True`` recalculates the limits from :func:`change_date`.
    """
    return spc(
        series(),
        value="value",
        date="period",
        chart="xmr",
        rules="mdc",
        improvement="decrease",
        rebase=[pd.Timestamp(change_date())] if rebased else None,
    )


def _annotation(lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"date": [pd.Timestamp(change_date())], "label": [t("lessons.l6.change_label", lang)]}
    )


def chart_one_limit(lang: str | None = None) -> Figure:
    """The XmR chart with one set of limits over the whole period and the change marked."""
    lang = check_language(lang)
    chart = spc_chart(
        spc_table(False),
        lang,
        pdsa=_annotation(lang),
        title=t("lessons.l6.chart.title_one", lang),
        width=620,
        height=280,
    )
    return Figure(chart)


def chart_rebased(lang: str | None = None) -> Figure:
    """The XmR chart with the limits recalculated from the change."""
    lang = check_language(lang)
    chart = spc_chart(
        spc_table(True),
        lang,
        pdsa=_annotation(lang),
        title=t("lessons.l6.chart.title_rebased", lang),
        width=620,
        height=280,
    )
    return Figure(chart)


def _parts() -> pd.DataFrame:
    table = spc_table(True)
    return table.groupby("part", sort=True)[["centre", "lower", "upper"]].first()


def parts_table(lang: str | None = None) -> Table:
    """Centre line and process limits (days) before and after the change, headers in ``lang``."""
    lang = check_language(lang)
    parts = _parts()
    labels = [t("lessons.l6.part.before", lang), t("lessons.l6.part.after", lang)]
    data = pd.DataFrame(
        {
            t("lessons.l6.col.part", lang): labels[: len(parts)],
            t("lessons.l6.col.centre", lang): parts["centre"].round(1).to_numpy(),
            t("lessons.l6.col.lower", lang): parts["lower"].round(1).to_numpy(),
            t("lessons.l6.col.upper", lang): parts["upper"].round(1).to_numpy(),
        }
    )
    return Table(data, lang)


def worked_example(lang: str | None = None) -> _Markdown:
    """How many weeks the chart has and where the change lies, with the unit's numbers."""
    lang = check_language(lang)
    data = series()
    before = int((data["period"] < pd.Timestamp(change_date())).sum())
    return _show(
        "lessons.l6.worked_numbers",
        lang,
        weeks=len(data),
        before=before,
        after=len(data) - before,
        change=pd.Timestamp(change_date()).strftime("%Y-%m-%d"),
    )


def _signal_after_change() -> str:
    """The variation the single-limit chart shows after the change.

    ``improvement`` or ``concern`` when more than half of the points from the
    change on are special causes of that kind, else ``common_cause``.
    """
    table = spc_table(False)
    after = table.loc[table["period"] >= pd.Timestamp(change_date()), "point_type"].astype(str)
    counts = after.value_counts()
    for kind in ("improvement", "concern"):
        if counts.get(kind, 0) > len(after) / 2:
            return kind
    return "common_cause"


# --------------------------------------------------------------------------- exercises


@exercise("l6.aim", kind="choice", choices=_LETTERS)
def _check_aim(answer: str) -> str | None:
    """A good aim says how much, by when and for whom (option B in the text)."""
    if answer == "B":
        return None
    return "lessons.l6.hint.aim"


@exercise("l6.balancing", kind="choice", choices=_LETTERS)
def _check_balancing(answer: str) -> str | None:
    """The balancing measure is the stage 2 wait (option C in the text)."""
    if answer == "C":
        return None
    return (
        "lessons.l6.hint.balancing_outcome"
        if answer == "A"
        else "lessons.l6.hint.balancing_process"
    )


def _answer_upper_limit() -> float:
    """Upper process limit = mean + 2.66 × mean moving range (Making Data Count)."""
    return EX["mean"] + XMR_LIMIT_FACTOR * EX["mean_mr"]


@exercise("l6.upper_limit", kind="number", answer=_answer_upper_limit)
def _check_upper_limit(answer: float) -> str | None:
    """Upper process limit = mean + 2.66 × mean moving range (Making Data Count)."""
    mean, mr = EX["mean"], EX["mean_mr"]
    expected = _answer_upper_limit()
    if close(answer, expected, rel=0.0, absolute=0.02):
        return None
    if close(answer, mean - XMR_LIMIT_FACTOR * mr, rel=0.0, absolute=0.02):
        return "lessons.l6.hint.limit_lower"
    if close(answer, mean + mr, rel=0.0, absolute=0.02):
        return "lessons.l6.hint.limit_factor"
    if close(answer, mean + 3.0 * mr, rel=0.0, absolute=0.02):
        return "lessons.l6.hint.limit_three_sigma"
    return "lessons.l6.hint.limit_formula"


@exercise("l6.signal", kind="choice", choices=_LETTERS)
def _check_signal(answer: str) -> str | None:
    """Read the single-limit chart after the change."""
    if answer == _LETTERS[_SIGNAL_OPTIONS.index(_signal_after_change())]:
        return None
    return "lessons.l6.hint.signal"


def _answer_centre_change() -> float:
    """Centre line before the change − centre line after it (days), read off the rebased chart."""
    parts = _parts()
    return float(parts["centre"].iloc[0] - parts["centre"].iloc[-1])


@exercise("l6.centre_change", kind="number", answer=_answer_centre_change)
def _check_centre_change(answer: float) -> str | None:
    """Centre line before the change − centre line after it (days), read off the rebased chart."""
    parts = _parts()
    expected = _answer_centre_change()
    if close(answer, expected, rel=0.0, absolute=0.6):
        return None
    if close(answer, -expected, rel=0.0, absolute=0.6):
        return "lessons.l6.hint.centre_sign"
    if close(answer, float(parts["centre"].iloc[-1]), rel=0.0, absolute=0.6):
        return "lessons.l6.hint.centre_difference"
    return "lessons.l6.hint.centre_read"
