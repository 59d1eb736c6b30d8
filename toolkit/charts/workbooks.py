"""The workbooks' charts, as Vega-Lite specifications without their numbers.

A workbook answers a control change in well under a second only if it does
not build and validate an Altair chart each time: each chart here is built
once per layout (language, need classes, questionnaire, …) and reads its
numbers from named datasets (``"datasets"`` of the specification) that the
workbook fills in at every update (see ``toolkit.widgets.base.LiveChart``).
The layout follows :func:`toolkit.charts.theme.finish` and
:func:`toolkit.charts.theme.for_workbook` (larger fonts for a projector).
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd

from toolkit.charts.theme import finish, for_workbook
from toolkit.i18n import format_percent, t

__all__ = [
    "PRIORITY_RULE_COLOURS",
    "PRIORITY_SLOTS",
    "demand_spec",
    "empty_chart",
    "plan_spec",
    "priority_spec",
    "queues_spec",
    "radar_spec",
    "time_use_chart",
    "who_chart_spec",
]


def empty_chart() -> alt.Chart:
    """A chart with no data, which a workbook's chart widget shows until its first spec.

    >>> empty_chart().to_dict()["mark"]
    {'type': 'point'}
    """
    return alt.Chart(pd.DataFrame({"x": []})).mark_point()


# --------------------------------------------------------------------------- Prioriteringsregler

#: Colours of the rule columns (colour-blind safe, Okabe-Ito), in the order chosen.
PRIORITY_RULE_COLOURS = ("#0072B2", "#E69F00", "#009E73")
#: The chart's names for rule A, B and C (its colours, in order).
PRIORITY_SLOTS = ("A", "B", "C")


def priority_spec(
    class_labels: Sequence[str], aims: Mapping[str, float], lang: str
) -> dict[str, Any]:
    """The priority rules' chart: wait and share within target per need class, stage by stage.

    Parameters
    ----------
    class_labels : sequence of str
        The need classes' names in ``lang``, in the order drawn.
    aims : mapping of str to float
        Share within target aimed at per stage (0–1); a stage without one
        has no aim line.
    lang : {"sv", "en"}
        Language of the labels.

    Returns
    -------
    dict
        Vega-Lite specification without data: the rows come from the named
        dataset ``priority_waits`` (columns ``stage``, ``need``, ``slot``,
        ``rule``, ``mean``, ``p90``, ``share``). Columns are coloured and
        placed by the rule's slot (A, B, C), not its name, so the
        specification stays the same when a rule is changed.
    """

    from toolkit.priority import MEAN_WAIT
    from toolkit.simulate import STAGES

    def tr(key: str, **fields: Any) -> str:
        return t(f"widgets.priority.{key}", lang, **fields)

    source = alt.Data(name="priority_waits")
    colour = alt.Color(
        "slot:N",
        scale=alt.Scale(domain=list(PRIORITY_SLOTS), range=list(PRIORITY_RULE_COLOURS)),
        legend=None,
    )
    x = alt.X("need:N", sort=list(class_labels), title=None, axis=alt.Axis(labelAngle=0))
    offset = alt.XOffset("slot:N", sort=list(PRIORITY_SLOTS))
    tooltip = [
        alt.Tooltip("rule:N", title=tr("rule")),
        alt.Tooltip("need:N", title=tr("col.need_class")),
        alt.Tooltip("mean:Q", format=".1f", title=tr(f"col.{MEAN_WAIT}")),
        alt.Tooltip("p90:Q", format=".1f", title=tr("col.wait_p90_weeks")),
        alt.Tooltip("share:Q", format=".0%", title=tr("col.share_within_target")),
    ]
    stacked: list[Any] = []
    for stage in STAGES:
        name = tr(f"stage.{stage}")
        base = (
            alt.Chart(source)
            .transform_filter(alt.datum.stage == stage)
            .encode(x=x, xOffset=offset, color=colour, tooltip=tooltip)
        )
        bars = base.mark_bar().encode(y=alt.Y("mean:Q", title=tr("axis.weeks")))
        ticks = base.mark_tick(thickness=4, size=24, color="black").encode(y="p90:Q")
        wait = alt.layer(bars, ticks).properties(
            width=600, height=270, title=tr("chart.wait", stage=name)
        )
        share_axis = alt.Y(
            "share:Q",
            title=tr("axis.share"),
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        )
        layers: list[Any] = [base.mark_bar().encode(y=share_axis)]
        aim = aims.get(stage)
        if aim is not None:
            layers.append(
                alt.Chart(pd.DataFrame({"aim": [aim]}))
                .mark_rule(color="#c81e1e", strokeDash=[8, 4], size=3)
                .encode(y="aim:Q")
            )
        aim_text = "–" if aim is None else format_percent(aim, lang)
        share = alt.layer(*layers).properties(
            width=600,
            height=190,
            title=tr("chart.share", stage=name.capitalize(), aim=aim_text),
        )
        # stage by stage, one chart under the other: side by side the second
        # stage was cut off, and no two fit 853 px of page (1 280 px at 150 %)
        stacked += [wait, share]
    title = alt.Title(
        tr("chart.title"),
        subtitle=tr("chart.subtitle"),
        fontSize=24,
        subtitleFontSize=17,
        anchor="start",
    )
    chart = (
        finish(alt.vconcat(*stacked, title=title), lang)
        .configure_axis(labelFontSize=18, titleFontSize=18)
        .configure_legend(
            labelFontSize=18, titleFontSize=18, orient="top", labelLimit=420, symbolSize=300
        )
        .configure_title(fontSize=20)
    )
    return dict(chart.to_dict())


# --------------------------------------------------------------------------- Behov och kapacitet

#: Colours of the demand chart's series, in the order of ``series_names``.
_DEMAND_COLOURS = ["#1f77b4", "#2ca02c", "#d62728", "#444444", "#9467bd", "#ff7f0e"]


def demand_spec(
    series_names: Mapping[str, str], stages: Sequence[str], lang: str, *, width: int
) -> dict[str, Any]:
    """Demand and capacity: weekly flows and the queue with its projection, stage by stage.

    Parameters
    ----------
    series_names : mapping of str to str
        The series' names in ``lang`` by code: ``demand``, ``activity``,
        ``capacity``, ``queue``, ``projected``, ``target_queue`` (the
        legend's order).
    stages : sequence of str
        The stages drawn, one under the other.
    lang : {"sv", "en"}
        Language of the labels.
    width : int
        Width of each panel in pixels.

    Returns
    -------
    dict
        Vega-Lite specification without data, written as a plain dict (an
        Altair compound chart of this size takes seconds to build and
        validate on a busy machine). Its named datasets are ``flow_<stage>``
        (``date``, ``series``, ``value``) and ``queue_<stage>`` (``date``,
        ``series``, ``value``, ``lo``, ``hi``) for each stage.
    """
    colour = {
        "field": "series",
        "type": "nominal",
        "title": t("widgets.demand.axis.series", lang),
        "scale": {"domain": list(series_names.values()), "range": list(_DEMAND_COLOURS)},
    }
    x = {"field": "date", "type": "temporal", "title": t("widgets.demand.axis.week", lang)}

    def dashed(series: str, solid: bool) -> dict[str, Any]:
        on, off = ([1, 0], [8, 4]) if solid else ([8, 4], [1, 0])
        return {"condition": {"test": f"datum.series === {series!r}", "value": on}, "value": off}

    def y(title_key: str | None) -> dict[str, Any]:
        axis = {"field": "value", "type": "quantitative"}
        return axis if title_key is None else {**axis, "title": t(title_key, lang)}

    # one chart under the other (stage by stage): side by side they do not
    # fit a projector's page at 150 % zoom (853 px)
    rows: list[dict[str, Any]] = []
    for stage in stages:
        name = t(f"widgets.demand.stage.{stage}", lang)
        top = {
            "data": {"name": f"flow_{stage}"},
            "mark": {"type": "line", "strokeWidth": 3},
            "encoding": {
                "x": x,
                "y": y("widgets.demand.axis.per_week"),
                "color": colour,
                "strokeDash": dashed(series_names["capacity"], solid=False),
            },
            "width": width,
            "height": 220,
            "title": t("widgets.demand.chart_flow", lang, stage=name),
        }
        band = {
            "transform": [{"filter": f"datum.series === {series_names['projected']!r}"}],
            "mark": {"type": "area", "opacity": 0.2, "color": "#9467bd"},
            "encoding": {
                "x": x,
                "y": {"field": "lo", "type": "quantitative"},
                "y2": {"field": "hi"},
            },
        }
        line = {
            "mark": {"type": "line", "strokeWidth": 3},
            "encoding": {
                "x": x,
                "y": y("widgets.demand.axis.waiting"),
                "color": colour,
                "strokeDash": dashed(series_names["queue"], solid=True),
            },
        }
        bottom = {
            "data": {"name": f"queue_{stage}"},
            "layer": [band, line],
            "width": width,
            "height": 220,
            "title": t("widgets.demand.chart_queue", lang, stage=name),
        }
        rows += [top, bottom]
    config = for_workbook(finish(alt.Chart(pd.DataFrame({"x": [0]})).mark_point(), lang))
    return {
        "$schema": alt.SCHEMA_URL,
        "config": config.to_dict()["config"],
        "vconcat": rows,
        "resolve": {"scale": {"color": "shared"}},
    }


# --------------------------------------------------------------------------- self-assessment radar

#: Text alignment of the group names on the left (−1), middle (0) and right (1) of the radar.
_LABEL_ALIGN: tuple[tuple[float, Literal["left", "center", "right"]], ...] = (
    (-1.0, "right"),
    (0.0, "center"),
    (1.0, "left"),
)


def wrap_label(text: str, width: int = 22) -> str:
    """``text`` broken into lines of about ``width`` characters (for chart labels).

    >>> wrap_label("Patientens delaktighet i vården", 18)
    'Patientens\\ndelaktighet i\\nvården'
    """
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _radar_grid(n_groups: int, scale_min: float, scale_max: float) -> pd.DataFrame:
    """Rings at every scale step and spokes to every group, as lines (``series``, ``order``)."""
    top = float(scale_max)
    ring_k = np.linspace(0, n_groups, 8 * n_groups + 1)
    steps = np.arange(max(scale_min, 1), scale_max + 1, dtype=float)
    ring_theta = np.tile(2 * np.pi * ring_k / n_groups, len(steps))
    ring_r = np.repeat(steps, len(ring_k))
    rings = pd.DataFrame(
        {
            "series": ring_r.astype(int).astype(str),
            "order": np.tile(np.arange(len(ring_k)), len(steps)),
            "x": ring_r * np.sin(ring_theta),
            "y": ring_r * np.cos(ring_theta),
        }
    )
    angles = 2 * np.pi * np.arange(n_groups) / n_groups
    spokes = pd.DataFrame(
        {
            "series": np.char.add("s", np.repeat(np.arange(n_groups), 2).astype(str)),
            "order": np.tile([0, 1], n_groups),
            "x": np.ravel(np.column_stack([0 * angles, top * np.sin(angles)])),
            "y": np.ravel(np.column_stack([0 * angles, top * np.cos(angles)])),
        }
    )
    return pd.concat([rings, spokes], ignore_index=True)


def _radar_texts(
    group_names: Sequence[str], scale_min: float, scale_max: float, x: alt.X, y: alt.Y
) -> list[Any]:
    """The group names outside the rings and the scale steps along the vertical spoke."""
    top = float(scale_max)
    angles = 2 * np.pi * np.arange(len(group_names)) / len(group_names)
    steps = np.arange(max(scale_min, 1), scale_max + 1, dtype=float)
    labels = pd.DataFrame(
        {
            "x": 1.08 * top * np.sin(angles),
            "y": 1.12 * top * np.cos(angles),
            "label": [wrap_label(name, 18) for name in group_names],
            "side": np.sign(np.round(np.sin(angles), 6)),
        }
    )
    ticks = pd.DataFrame({"x": 0.06 * top, "y": steps, "label": steps.astype(int).astype(str)})
    # group names outside the rings: right of the right half, left of the left half
    names = [
        alt.Chart(labels[labels["side"] == side])
        .mark_text(fontSize=17, lineBreak="\n", color="#222", align=align, baseline="middle")
        .encode(x=x, y=y, text="label:N")
        for side, align in _LABEL_ALIGN
        if (labels["side"] == side).any()
    ]
    tick_text = (
        alt.Chart(ticks)
        .mark_text(fontSize=12, color="#777", align="left", dy=-6)
        .encode(x=x, y=y, text="label:N")
    )
    return [*names, tick_text]


def radar_spec(
    group_names: Sequence[str],
    respondents: Sequence[str],
    scale: tuple[float, float],
    lang: str,
    *,
    title: str,
    legend: str,
    compare: bool = False,
) -> dict[str, Any]:
    """A self-assessment's radar: one line per respondent around the question groups.

    Parameters
    ----------
    group_names : sequence of str
        The question groups' names in ``lang``, clockwise from the top.
    respondents : sequence of str
        The respondents' names in ``lang`` (the legend's order).
    scale : (float, float)
        The answer scale's lowest and highest score; a ring at every step
        from 1 (or the lowest) up.
    lang : {"sv", "en"}
        Language of the labels.
    title, legend : str
        The chart's title and the legend's title.
    compare : bool
        Whether a comparison line (dashed, dataset ``tk_other``) is drawn.

    Returns
    -------
    dict
        Vega-Lite specification; the lines read the named datasets
        ``tk_scores`` (``series``, ``order``, ``x``, ``y``, ``radius``,
        ``group_name``) and ``tk_other``, filled in by the workbook.
    """
    low, top = float(scale[0]), float(scale[1])
    reach = top * 1.75
    x = alt.X("x:Q", scale=alt.Scale(domain=[-reach, reach], nice=False), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[-top * 1.4, top * 1.4], nice=False), axis=None)
    grid = (
        alt.Chart(_radar_grid(len(group_names), scale[0], scale[1]))
        .mark_line(color="#c8c8c8", strokeWidth=1)
        .encode(x=x, y=y, detail="series:N", order="order:Q")
    )
    order = list(respondents)
    data_lines = (
        alt.Chart(alt.Data(name="tk_scores"))
        .mark_line(point=alt.OverlayMarkDef(size=80), strokeWidth=3)
        .encode(
            x=x,
            y=y,
            color=alt.Color("series:N", sort=order, scale=alt.Scale(domain=order), title=legend),
            order="order:Q",
            tooltip=[
                alt.Tooltip("series:N", title=legend),
                alt.Tooltip("group_name:N", title=t("selfassess.ui.col_group", lang)),
                alt.Tooltip("radius:Q", title=t("selfassess.ui.col_mean", lang)),
            ],
        )
    )
    layers: list[Any] = [grid, *_radar_texts(group_names, low, top, x, y), data_lines]
    if compare:
        layers.append(
            alt.Chart(alt.Data(name="tk_other"))
            .mark_line(
                strokeDash=[8, 5],
                strokeWidth=2.5,
                color="#222",
                point=alt.OverlayMarkDef(shape="diamond", size=90, color="#222"),
            )
            .encode(x=x, y=y, order="order:Q")
        )
    chart = alt.layer(*layers).properties(width=760, height=600, title=title)
    return dict(for_workbook(finish(chart, lang).configure_view(stroke=None)).to_dict())


# --------------------------------------------------------------------------- Produktionsplan


@functools.cache
def _plan_template(lang: str) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(name="plan"))
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("week:T", title=t("widgets.plan.chart.week", lang)),
            y=alt.Y("slots:Q", title=t("widgets.plan.chart.slots", lang)),
            color=alt.Color("series:N", title=None),
            strokeDash=alt.StrokeDash("series:N", title=None),
        )
        .properties(width=820, height=180)
        .facet(row=alt.Row("stage:N", title=None), data=alt.Data(name="plan"))
        .resolve_scale(y="independent")
        .configure_axis(labelFontSize=15, titleFontSize=17)
        .configure_legend(labelFontSize=15, orient="bottom")
        .configure_header(labelFontSize=16)
    )
    spec = chart.to_dict()
    spec.pop("datasets", None)
    return spec


def plan_spec(lang: str) -> dict[str, Any]:
    """The production plan's slots needed and available per week, one panel per stage.

    A Vega-Lite specification without data (built once per language; this
    is a copy): its named dataset ``plan`` has the columns ``week``,
    ``slots``, ``series`` and ``stage``.
    """
    return copy.deepcopy(_plan_template(lang))


# --------------------------------------------------------------------------- Köer och beläggning

_QUEUE_BLUE = "#1f5fa8"
_QUEUE_BAND = "#9ec3ea"
_QUEUE_RED = "#c81e1e"
_QUEUE_ORANGE = "#e07b00"
_QUEUE_GREY = "#555555"
#: Placeholder of the curve's upper y limit in the cached template.
_QUEUE_Y_MAX = 987654.25
#: The marked points' series (the legend's order).
_QUEUE_SERIES = ("formula", "now_formula", "now_sim", "earlier")


def _replace(spec: Any, old: float, new: float) -> Any:
    """``spec`` with every number equal to ``old`` replaced by ``new`` (in place)."""
    if isinstance(spec, dict):
        for k, v in spec.items():
            spec[k] = _replace(v, old, new)
    elif isinstance(spec, list):
        return [_replace(v, old, new) for v in spec]
    elif isinstance(spec, float) and spec == old:
        return new
    return spec


def _queue_panels(lang: str) -> Any:
    """The simulated queue (median and band) over the weeks above the mean wait."""

    def tr(key: str) -> str:
        return t(f"widgets.queues.chart.{key}", lang)

    week = alt.X("week:Q", title=tr("week"))
    weekly = alt.Data(name="weekly")
    band = (
        alt.Chart(weekly)
        .mark_area(color=_QUEUE_BAND, opacity=0.6)
        .encode(week, alt.Y("queue_lo:Q", title=tr("queue")), y2="queue_hi:Q")
    )
    median = (
        alt.Chart(weekly)
        .mark_line(color=_QUEUE_BLUE, strokeWidth=3)
        .encode(week, y="queue_median:Q")
    )
    queue = (band + median).properties(
        width=430,
        height=230,
        title=alt.Title(
            tr("queue_title"), subtitle=tr("queue_subtitle"), subtitleFontSize=16, anchor="start"
        ),
    )
    waits = (
        alt.Chart(weekly)
        .mark_line(color=_QUEUE_ORANGE, strokeWidth=2.5)
        .encode(week, alt.Y("wait_mean_days:Q", title=tr("wait")))
        .properties(width=430, height=150, title=alt.Title(tr("wait_title"), anchor="start"))
    )
    return alt.vconcat(queue, waits)


def _queue_curve(lang: str) -> Any:
    """The wait against the utilisation (the formula's curve) with the marked points."""

    def tr(key: str) -> str:
        return t(f"widgets.queues.chart.{key}", lang)

    names = [tr(code) for code in _QUEUE_SERIES]
    colour = alt.Color(
        "label:N",
        title=None,
        scale=alt.Scale(domain=names, range=[_QUEUE_GREY, _QUEUE_RED, _QUEUE_ORANGE, "#8a8a8a"]),
    )
    x = alt.X(
        "utilisation:Q",
        title=tr("utilisation"),
        scale=alt.Scale(domain=[0.3, 1.0]),
        axis=alt.Axis(format="%", values=[0.4, 0.6, 0.8, 1.0]),
    )
    y = alt.Y("wait_days:Q", title=tr("wait"), scale=alt.Scale(domain=[0.0, _QUEUE_Y_MAX]))
    line = (
        alt.Chart(alt.Data(name="curve")).mark_line(strokeWidth=3, clip=True).encode(x, y, colour)
    )
    rule = (
        alt.Chart(alt.Data(values=[{"utilisation": 1.0}]))
        .mark_rule(color=_QUEUE_RED, strokeDash=[6, 4], strokeWidth=2)
        .encode(x)
    )
    shape = alt.Shape(
        "label:N",
        title=None,
        scale=alt.Scale(domain=names, range=["circle", "circle", "diamond", "circle"]),
    )
    marks = (
        alt.Chart(alt.Data(name="points"))
        .mark_point(filled=True, size=240, opacity=1, clip=True)
        .encode(x, y, colour, shape=shape)
    )
    return alt.layer(line, rule, marks).properties(
        width=430, height=430, title=alt.Title(tr("curve_title"), anchor="start")
    )


@functools.cache
def _queues_template(lang: str) -> dict[str, Any]:
    chart = alt.hconcat(_queue_panels(lang), _queue_curve(lang), spacing=40)
    styled = (
        chart.configure_axis(labelFontSize=16, titleFontSize=18)
        .configure_legend(labelFontSize=16, orient="bottom", columns=2, labelLimit=420)
        .configure_title(fontSize=20)
    )
    return dict(styled.to_dict())


def queues_spec(lang: str, y_max_days: float) -> dict[str, Any]:
    """Queues and utilisation: the simulated queue and wait, and the wait–utilisation curve.

    Building and validating this composed chart takes a few hundred
    milliseconds, so it is built once per language with a placeholder
    upper limit of the curve's wait axis, which each call replaces by
    ``y_max_days``. The named datasets are ``weekly`` (``week``,
    ``queue_lo``, ``queue_hi``, ``queue_median``, ``wait_mean_days``),
    ``curve`` and ``points`` (``utilisation``, ``wait_days``, ``label``).
    """
    spec: dict[str, Any] = _replace(copy.deepcopy(_queues_template(lang)), _QUEUE_Y_MAX, y_max_days)
    return spec


# --------------------------------------------------------------------------- Tidsanvändning


def time_use_chart(shares: pd.DataFrame, lang: str) -> Any:
    """Each staff category's time by activity, as shares of its time (stacked bars).

    ``shares`` has the columns ``staff_category``, ``activity`` (codes) and
    ``share``: one row per category and activity, as summed by the
    workbook from :func:`toolkit.capacity.time_use_shares`.
    """

    def tr(key: str) -> str:
        return t(f"widgets.time.{key}", lang)

    data = pd.DataFrame(
        {
            "category": [tr(f"category.{c}") for c in shares["staff_category"].astype(str)],
            "activity": [tr(f"activity.{a}") for a in shares["activity"].astype(str)],
            "share": shares["share"].to_numpy(dtype=float),
        }
    )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("category:N", title=tr("axis_category")),
            x=alt.X(
                "share:Q", stack="normalize", axis=alt.Axis(format="%"), title=tr("axis_share")
            ),
            color=alt.Color("activity:N", title=tr("axis_activity")),
            tooltip=[
                alt.Tooltip("category:N", title=tr("axis_category")),
                alt.Tooltip("activity:N", title=tr("axis_activity")),
                alt.Tooltip("share:Q", format=".0%", title=tr("axis_share")),
            ],
        )
        .properties(width=760, height=300, title=tr("chart_title"))
    )
    return finish(chart, lang)


#: Colours: the groups (NHS blue, as the report's chart), the whole unit, the target.
_GROUP_COLOUR, _OVERALL_COLOUR, _TARGET_COLOUR = "#005EB8", "#444444", "#c81e1e"


def who_chart_spec(
    table: pd.DataFrame,
    *,
    measure: str,
    overall: float,
    target_days: float | None,
    title: str,
    axis_title: str,
) -> dict[str, Any]:
    """Each group's figure with its 95 % interval as a bar, and the whole unit as a dashed line.

    A Vega-Lite specification written as a dictionary (what
    :class:`altair.JupyterChart` draws): built in well under a millisecond,
    where the same chart built with Altair's classes and validated takes
    50-100 ms of every control change.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`toolkit.report.who.who_waits_table` for one grouping
        and stage; hidden groups and groups without completed waits are
        left out of the chart.
    measure : {"share", "median"}
        Share within target (0–1, Wilson interval) or median wait in days.
    overall : float
        The whole unit's figure (NaN: no line).
    target_days : float, optional
        For the median: the target, drawn as a red line.
    title, axis_title : str
        The chart's title and the x axis's title.

    Returns
    -------
    dict
        The specification; the groups' numbers are in its dataset
        ``groups`` (``group``, ``value``, ``low``, ``high``).

    Examples
    --------
    >>> rows = pd.DataFrame({"group_label": ["girls", "boys"], "completed": [9, 0],
    ...     "hidden": [False, False], "share_within_target": [5 / 9, float("nan")],
    ...     "share_low": [0.2667, float("nan")], "share_high": [0.8113, float("nan")]})
    >>> spec = who_chart_spec(rows, measure="share", overall=0.6, target_days=30,
    ...                       title="", axis_title="")
    >>> [(g["group"], round(g["value"], 3)) for g in spec["datasets"]["groups"]]
    [('girls', 0.556)]
    >>> [layer["encoding"]["x"]["datum"] for layer in spec["layer"][2:]]
    [0.6]
    """
    value, low, high = {
        "share": ("share_within_target", "share_low", "share_high"),
        "median": ("median_wait_days", "median_low", "median_high"),
    }[measure]
    shown = table[~table["hidden"] & (table["completed"] > 0)]
    groups = [
        {"group": str(g), "value": float(v), "low": float(lo), "high": float(hi)}
        for g, v, lo, hi in zip(
            shown["group_label"], shown[value], shown[low], shown[high], strict=True
        )
    ]
    if measure == "share":
        domain, fmt = [0.0, 1.0], ".0%"
    else:
        highs = shown[high].to_numpy(dtype=float)
        ends = [*highs.tolist(), overall, target_days or 0.0]
        top = max([x for x in ends if math.isfinite(x)], default=0.0)
        domain, fmt = [0.0, 1.1 * top if top > 0 else 1.0], ".0f"
    x_axis = {"title": axis_title, "format": fmt}
    y = {"field": "group", "type": "nominal", "title": None, "sort": None}
    layers: list[dict[str, Any]] = [
        {
            "data": {"name": "groups"},
            "mark": {"type": "rule", "color": _GROUP_COLOUR, "strokeWidth": 3},
            "encoding": {
                "y": y,
                "x": {"field": "low", "type": "quantitative", "scale": {"domain": domain},
                      "axis": x_axis},
                "x2": {"field": "high"},
            },
        },
        {
            "data": {"name": "groups"},
            "mark": {"type": "point", "filled": True, "size": 140, "color": _GROUP_COLOUR},
            "encoding": {
                "y": y,
                "x": {"field": "value", "type": "quantitative"},
                "tooltip": [
                    {"field": "group", "type": "nominal", "title": " "},
                    {"field": "value", "type": "quantitative", "format": fmt, "title": "·"},
                    {"field": "low", "type": "quantitative", "format": fmt, "title": "–"},
                    {"field": "high", "type": "quantitative", "format": fmt, "title": "+"},
                ],
            },
        },
    ]  # fmt: skip
    lines = []
    if math.isfinite(overall):
        lines.append((overall, {"color": _OVERALL_COLOUR, "strokeDash": [6, 4]}))
    if measure == "median" and target_days is not None:
        lines.append((float(target_days), {"color": _TARGET_COLOUR}))
    for at, style in lines:
        layers.append(
            {
                "mark": {"type": "rule", "strokeWidth": 2, **style},
                "encoding": {"x": {"datum": at, "type": "quantitative"}},
            }
        )
    return {
        "$schema": alt.SCHEMA_URL,
        "title": title,
        "width": 600,
        "height": max(60, 36 * max(len(groups), 1)),
        "layer": layers,
        "datasets": {"groups": groups},
        "config": {
            "axis": {"labelFontSize": 15, "titleFontSize": 17, "labelLimit": 260},
            "title": {"fontSize": 19},
        },
    }
