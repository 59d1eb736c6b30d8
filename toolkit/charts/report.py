"""The unit report's charts (drawn from aggregated tables only)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from toolkit.charts.spc import _time_axis
from toolkit.charts.theme import finish
from toolkit.i18n import t

__all__ = ["line_chart", "plan_queue_chart", "who_waits_chart"]


def line_chart(
    weekly: pd.DataFrame, column: str, title: str, lang: str, *, share: bool, threshold: int
) -> Any:
    """Both stages' weekly ``column`` as two lines (points with small counts left out in share mode).

    ``weekly`` has the columns ``period``, ``stage`` and ``column``; in
    share mode a value above zero and below ``threshold`` is left out. The
    time axis names the year (months as "jan. 2024", or the first tick's
    year on a short series), as the SPC charts' axis does, so that a
    two-year series reads unambiguously.
    """
    data = pd.DataFrame(
        {
            "period": weekly["period"].to_numpy(),
            "stage": [t(f"flow.stage.{s}", lang) for s in weekly["stage"]],
            "value": weekly[column].to_numpy(dtype=float),
        }
    )
    if share:
        data["value"] = data["value"].mask((data["value"] > 0) & (data["value"] < threshold))
    width = 640
    axis = _time_axis(pd.Series(pd.to_datetime(data["period"])), width)
    chart = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("period:T", title=t("report.axis.week", lang), axis=axis),
            y=alt.Y("value:Q", title=title),
            color=alt.Color("stage:N", title=t("report.axis.stage", lang)),
        )
        .properties(width=width, height=220, title=title)
    )
    return finish(chart, lang)


def who_waits_chart(table: pd.DataFrame, overall: float, lang: str) -> Any:
    """Share within target per group (first assessment) with its interval, one row per grouping.

    Parameters
    ----------
    table : pandas.DataFrame
        The table of :func:`toolkit.report.who.who_waits_table`: the columns
        ``stage``, ``hidden``, ``completed``, ``grouping_label``,
        ``group_label``, ``share_within_target``, ``share_low`` and
        ``share_high``. Only first-assessment rows that are not hidden and
        have a completed patient are drawn.
    overall : float
        The unit's share within target, drawn as a dashed rule (none if NaN).
    lang : str
        Language of the title.

    Returns
    -------
    altair.FacetChart
        Points with their interval as a bar, one facet row per grouping.
    """
    data = table[(table["stage"] == "first_assessment") & ~table["hidden"]]
    data = data[data["completed"] > 0][
        ["grouping_label", "group_label", "share_within_target", "share_low", "share_high"]
    ]
    axis = alt.Axis(format=".0%", title=None)
    base = alt.Chart().encode(y=alt.Y("group_label:N", title=None, sort=None))
    points = base.mark_point(filled=True, size=80, color="#005EB8").encode(
        x=alt.X("share_within_target:Q", scale=alt.Scale(domain=[0, 1]), axis=axis),
        tooltip=["group_label:N", alt.Tooltip("share_within_target:Q", format=".0%")],
    )
    bars = base.mark_rule(color="#005EB8").encode(x="share_low:Q", x2="share_high:Q")
    layers = [bars, points]
    if not math.isnan(overall):
        rule = (
            alt.Chart().mark_rule(color="#444444", strokeDash=[4, 3]).encode(x=alt.datum(overall))
        )
        layers.append(rule)
    return (
        alt.layer(*layers, data=data)
        .properties(width=420)
        .facet(
            row=alt.Row(
                "grouping_label:N",
                title=None,
                sort=None,
                header=alt.Header(labelAngle=0, labelAlign="left"),
            )
        )
        .resolve_scale(y="independent")
        .properties(title=t("report.who.chart_title", lang))
    )


def plan_queue_chart(weekly: Mapping[str, pd.DataFrame], start: pd.Timestamp, lang: str) -> Any:
    """Queue over time per scenario (mean and the 10–90 % band), one panel per stage.

    Parameters
    ----------
    weekly : Mapping[str, pandas.DataFrame]
        Per scenario name, the simulation's weekly table with the columns
        ``week`` (0, 1, ...), ``stage``, ``need_class``, ``queue_mean``,
        ``queue_lo`` and ``queue_hi``; only the rows of need class ``all``
        are drawn.
    start : pandas.Timestamp
        The date of week 0.
    lang : str
        Language of the titles and stage names.

    Returns
    -------
    altair.FacetChart
        A band (10–90 %) and a line (mean) per scenario, one column per stage.
    """
    parts = []
    for name, frame in weekly.items():
        rows = frame[frame["need_class"] == "all"]
        parts.append(
            pd.DataFrame(
                {
                    "period": start + pd.to_timedelta(7 * rows["week"].to_numpy(), unit="D"),
                    "stage": [t(f"flow.stage.{s}", lang) for s in rows["stage"].astype(str)],
                    "scenario": name,
                    "queue": rows["queue_mean"].to_numpy(dtype=float),
                    "lo": rows["queue_lo"].to_numpy(dtype=float),
                    "hi": rows["queue_hi"].to_numpy(dtype=float),
                }
            )
        )
    data = pd.concat(parts, ignore_index=True)
    title = t("report.plan.chart_title", lang)
    x = alt.X("period:T", title=t("report.axis.week", lang))
    colour = alt.Color("scenario:N", title=t("report.plan.col.scenario", lang))
    band = alt.Chart().mark_area(opacity=0.2).encode(x=x, y="lo:Q", y2="hi:Q", color=colour)
    line = (
        alt.Chart()
        .mark_line()
        .encode(x=x, y=alt.Y("queue:Q", title=t("report.plan.axis.queue", lang)), color=colour)
    )
    chart = (
        alt.layer(band, line, data=data)
        .properties(width=300, height=220)
        .facet(column=alt.Column("stage:N", title=None))
        .properties(title=title)
    )
    return finish(chart, lang)
