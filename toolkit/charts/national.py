"""The funnel plot of the national comparison: each unit's share against its volume."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import altair as alt
import pandas as pd

from toolkit.charts.theme import finish
from toolkit.i18n import check_language, t

__all__ = ["FUNNEL_COLOURS", "funnel_chart"]


#: Colours of a funnel plot's points by signal (outside the 99.8 % limits stands out).
FUNNEL_COLOURS: dict[str, str] = {
    "above_998": "#00b0f0",
    "above_95": "#7fd3f2",
    "within": "#7f7f7f",
    "below_95": "#f2a96a",
    "below_998": "#e46c0a",
}


def funnel_chart(
    funnel: pd.DataFrame,
    curve: pd.DataFrame,
    lang: str | None = None,
    *,
    title: str | Sequence[str] = "",
    width: int = 640,
    height: int = 360,
) -> alt.LayerChart:
    """A funnel plot: each unit's share against its volume, with the 95 % and 99.8 % limits.

    Parameters
    ----------
    funnel : pandas.DataFrame
        :func:`toolkit.national.funnel_table` (unit, n, share, signal).
    curve : pandas.DataFrame
        :func:`toolkit.national.funnel_curve` (n, centre, lower_95, upper_95,
        lower_998, upper_998).
    lang : {"sv", "en"}, optional
        Language of labels.
    title : str or sequence of str
        The chart's title; several lines are set left-aligned (as a small
        multiple's name and its centre line).
    width, height : int
        The plotting area in pixels.

    Only the aggregated columns drawn are embedded (unit name, volume,
    share, signal). The volume axis is logarithmic so small and large
    units both show.
    """
    lang = check_language(lang)
    x_title, y_title = t("national.chart.x", lang), t("national.chart.y", lang)
    domain = [float(curve["n"].min()), float(curve["n"].max())]
    x = alt.X("n:Q", title=x_title, scale=alt.Scale(type="log", domain=domain, nice=False))
    lines = []
    for column, key, dash in (
        ("centre", "national.chart.centre", []),
        ("lower_95", "national.chart.limit_95", [6, 4]),
        ("upper_95", "national.chart.limit_95", [6, 4]),
        ("lower_998", "national.chart.limit_998", [2, 2]),
        ("upper_998", "national.chart.limit_998", [2, 2]),
    ):
        data = pd.DataFrame({"n": curve["n"], "share": curve[column], "line": t(key, lang)})
        lines.append(
            alt.Chart(data)
            .mark_line(color="#333333", strokeDash=dash, strokeWidth=1.5)
            .encode(
                x=x,
                y=alt.Y(
                    "share:Q",
                    title=y_title,
                    axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1]),
                ),
                detail="line:N",
                tooltip=[alt.Tooltip("line:N", title="")],
            )
        )
    points = pd.DataFrame(
        {
            "unit": funnel["unit"].astype(str),
            "n": funnel["n"].astype(float),
            "share": funnel["share"].astype(float),
            "signal": [t(f"national.signal.{s}", lang) for s in funnel["signal"]],
            "_key": funnel["signal"].astype(str),
        }
    )
    order = list(FUNNEL_COLOURS)
    dots = (
        alt.Chart(points)
        .mark_circle(size=140, opacity=0.9, stroke="#000000", strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("share:Q", title=y_title, axis=alt.Axis(format="%")),
            color=alt.Color(
                "signal:N",
                title=t("national.col.signal", lang),
                scale=alt.Scale(
                    domain=[t(f"national.signal.{s}", lang) for s in order],
                    range=[FUNNEL_COLOURS[s] for s in order],
                ),
            ),
            tooltip=[
                alt.Tooltip("unit:N", title=t("national.col.unit", lang)),
                alt.Tooltip("n:Q", title=t("national.col.n", lang), format=",.0f"),
                alt.Tooltip("share:Q", title=t("national.col.share", lang), format=".1%"),
                alt.Tooltip("signal:N", title=t("national.col.signal", lang)),
            ],
        )
    )
    # several lines (a small multiple's name and its centre line) are set left-aligned
    heading = title if isinstance(title, str) else alt.TitleParams(list(title), anchor="start")
    chart = alt.layer(*lines, dots).properties(width=width, height=height, title=heading)
    return cast(alt.LayerChart, finish(chart, lang))
