"""The lessons' charts, drawn from the tables the lessons' calculations return.

Each lesson (``toolkit/lessons/l*.py``) computes its table and wraps the
chart from here in a :class:`toolkit.lessons.Figure`. A Swedish chart gets
Swedish number and date formats (:data:`toolkit.charts.SV_LOCALE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from toolkit.charts.theme import SV_LOCALE
from toolkit.i18n import t

__all__ = [
    "lesson_flow_chart",
    "lesson_rule_chart",
    "lesson_stage_chart",
    "lesson_time_use_chart",
    "lesson_variation_chart",
]


def _locale(chart: Any, lang: str) -> Any:
    """Swedish number and date formats for a Swedish chart."""
    return chart.configure(locale=SV_LOCALE) if lang == "sv" else chart


def lesson_flow_chart(year: pd.DataFrame, lang: str) -> Any:
    """Lesson 1: weekly arrivals and activity (top) and the number waiting (bottom).

    Parameters
    ----------
    year : pandas.DataFrame
        The first stage's weekly flow with the columns ``period``,
        ``arrivals``, ``completions``, ``removals`` and ``waiting_end``;
        activity is completions plus removals.
    lang : str
        Language of the titles and the series' names.

    Returns
    -------
    altair.VConcatChart
        Two lines above the area of the number waiting.
    """
    week = t("lessons.l1.col.week", lang)
    arrivals, activity = t("lessons.l1.col.arrivals", lang), t("lessons.l1.col.activity", lang)
    series = t("lessons.l1.chart.series", lang)
    flows = pd.DataFrame(
        {
            "period": np.concatenate([year["period"].to_numpy()] * 2),
            "count": np.concatenate(
                [
                    year["arrivals"].to_numpy(),
                    (year["completions"] + year["removals"]).to_numpy(),
                ]
            ),
            "series": [arrivals] * len(year) + [activity] * len(year),
        }
    )
    top = (
        alt.Chart(flows)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=week),
            y=alt.Y("count:Q", title=t("lessons.l1.chart.per_week", lang)),
            color=alt.Color(
                "series:N",
                title=series,
                legend=alt.Legend(orient="bottom", labelLimit=360),
                scale=alt.Scale(domain=[arrivals, activity], range=["#e46c0a", "#00b0f0"]),
            ),
        )
        .properties(width=600, height=200, title=t("lessons.l1.chart.flows", lang))
    )
    queue = pd.DataFrame({"period": year["period"], "waiting": year["waiting_end"]})
    bottom = (
        alt.Chart(queue)
        .mark_area(opacity=0.6, color="#490092", line=True)
        .encode(
            x=alt.X("period:T", title=week),
            y=alt.Y("waiting:Q", title=t("lessons.l1.col.waiting_end", lang)),
        )
        .properties(width=600, height=160, title=t("lessons.l1.chart.queue", lang))
    )
    return _locale(alt.vconcat(top, bottom), lang)


def lesson_variation_chart(
    paths: Sequence[np.ndarray], labels: Sequence[str], title: str, lang: str
) -> Any:
    """Lesson 2: simulated queues, one panel per load, each run a thin line.

    Parameters
    ----------
    paths : sequence of numpy.ndarray
        Per panel, the number waiting as an array of runs × weeks.
    labels : sequence of str
        Per panel, its header; a line break (``\\n``) starts a second line.
    title : str
        The chart's title.
    lang : str
        Language of the axes' titles.

    Returns
    -------
    altair.FacetChart
        One column per panel.
    """
    frames = []
    for runs, label in zip(paths, labels, strict=True):
        reps, weeks = runs.shape
        frames.append(
            pd.DataFrame(
                {
                    "week": np.tile(np.arange(1, weeks + 1), reps),
                    "waiting": runs.ravel(),
                    "run": np.repeat(np.arange(1, reps + 1), weeks).astype(str),
                    "load": label,
                }
            )
        )
    data = pd.concat(frames, ignore_index=True)
    chart = (
        alt.Chart(data)
        .mark_line(opacity=0.8)
        .encode(
            x=alt.X("week:Q", title=t("lessons.l2.chart.week", lang)),
            y=alt.Y("waiting:Q", title=t("lessons.l2.chart.waiting", lang)),
            color=alt.Color("run:N", legend=None),
        )
        .properties(width=190, height=180)
        .facet(
            column=alt.Column(
                "load:N",
                title=None,
                header=alt.Header(labelExpr="split(datum.value, '\\n')", labelLimit=260),
            )
        )
        .properties(title=title)
    )
    return _locale(chart, lang)


def lesson_time_use_chart(minutes: pd.Series, lang: str) -> Any:
    """Lesson 4: share of all logged time per activity, direct patient work highlighted.

    Parameters
    ----------
    minutes : pandas.Series
        Minutes logged per activity (index: activity keys), in the order drawn.
    lang : str
        Language of the labels.

    Returns
    -------
    altair.Chart
        Horizontal bars, largest share on top.
    """
    direct, other = t("lessons.l4.kind.direct", lang), t("lessons.l4.kind.other", lang)
    data = pd.DataFrame(
        {
            "activity": [t(f"lessons.l4.activity.{a}", lang) for a in minutes.index],
            "share": (minutes / minutes.sum()).to_numpy(),
            "kind": [direct if a == "patient_direct" else other for a in minutes.index],
        }
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("activity:N", sort="-x", title=None),
            x=alt.X(
                "share:Q",
                title=t("lessons.l4.chart.share", lang),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(range=["#1e7b34", "#a6a6a6"]),
                sort=[direct, other],
            ),
        )
        .properties(width=520, height=260, title=t("lessons.l4.chart.title", lang))
    )
    return _locale(chart, lang)


def lesson_stage_chart(flow: pd.DataFrame, lang: str) -> Any:
    """Lesson 5: number waiting at the end of each week, one line per stage.

    Parameters
    ----------
    flow : pandas.DataFrame
        Weekly flow with the columns ``period``, ``stage`` and ``waiting_end``.
    lang : str
        Language of the labels.

    Returns
    -------
    altair.Chart
        Two lines.
    """
    data = pd.DataFrame(
        {
            "period": flow["period"].to_numpy(),
            "stage": [t(f"lessons.l5.stage.{s}", lang) for s in flow["stage"].astype(str)],
            "waiting": flow["waiting_end"].to_numpy(dtype=float),
        }
    )
    chart = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("period:T", title=t("lessons.l5.chart.week", lang)),
            y=alt.Y("waiting:Q", title=t("lessons.l5.chart.waiting", lang)),
            color=alt.Color(
                "stage:N",
                title=None,
                scale=alt.Scale(range=["#00b0f0", "#e46c0a"]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(width=560, height=260, title=t("lessons.l5.chart.title", lang))
    )
    return _locale(chart, lang)


def lesson_rule_chart(waits: pd.DataFrame, rules: Sequence[str], lang: str) -> Any:
    """Lesson 5: mean wait in weeks per priority rule, grouped by stage.

    Parameters
    ----------
    waits : pandas.DataFrame
        One row per rule and stage with the columns ``rule``, ``stage``
        (keys) and ``wait`` (mean wait in weeks).
    rules : sequence of str
        The rules' keys in the order of the bars and the legend.
    lang : str
        Language of the labels.

    Returns
    -------
    altair.Chart
        Grouped bars.
    """
    data = pd.DataFrame(
        {
            "rule": [t(f"lessons.l5.rule.{r}", lang) for r in waits["rule"]],
            "stage": [t(f"lessons.l5.stage.{s}", lang) for s in waits["stage"]],
            "wait": waits["wait"].to_numpy(),
        }
    )
    order = [t(f"lessons.l5.rule.{r}", lang) for r in rules]
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("stage:N", title=None, axis=alt.Axis(labelAngle=0, labelLimit=260)),
            xOffset=alt.XOffset("rule:N", sort=order),
            y=alt.Y("wait:Q", title=t("lessons.l5.chart.wait_weeks", lang)),
            color=alt.Color(
                "rule:N",
                title=None,
                sort=order,
                legend=alt.Legend(orient="bottom", labelLimit=320),
            ),
        )
        .properties(width=520, height=260, title=t("lessons.l5.chart.rules_title", lang))
    )
    return _locale(chart, lang)
