"""Altair charts drawn from calculated tables only.

Every chart here takes a table that a calculation module returned and draws
it; no chart computes a statistic, and no chart carries person-level rows
(only the columns it draws are embedded). Charts are returned, never shown.
Render them offline with ``vl_convert`` (SVG/PNG) or ``chart.save(...,
inline=True)``; see docs/architecture.md.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd

from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t

__all__ = ["SPC_COLOURS", "spc_chart", "spc_spec"]

# --------------------------------------------------------------------------- shared helpers


def _label(key: str, lang: str) -> str:
    """A translated label (shared by every chart in this module)."""
    return t(key, lang)


#: Swedish number and date formats (d3's sv-SE locale), so axes read "mars 2024", "1 234,5".
SV_LOCALE = alt.Locale(
    number=alt.NumberLocale(decimal=",", thousands="\u00a0", grouping=[3], currency=["", " kr"]),
    time=alt.TimeLocale(
        dateTime="%A %e %B %Y %X",
        date="%Y-%m-%d",
        time="%H:%M:%S",
        periods=["fm", "em"],
        days=["söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"],
        shortDays=["sön", "mån", "tis", "ons", "tor", "fre", "lör"],
        months=[
            "januari",
            "februari",
            "mars",
            "april",
            "maj",
            "juni",
            "juli",
            "augusti",
            "september",
            "oktober",
            "november",
            "december",
        ],
        shortMonths=[
            "jan",
            "feb",
            "mar",
            "apr",
            "maj",
            "jun",
            "jul",
            "aug",
            "sep",
            "okt",
            "nov",
            "dec",
        ],
    ),
)


def _finish(chart: Any, lang: str) -> Any:
    """Language-dependent configuration every chart gets: locale and legend width."""
    legend = alt.LegendConfig(labelLimit=360)
    if lang == "sv":
        return chart.configure(locale=SV_LOCALE, legend=legend)
    return chart.configure(legend=legend)


# --------------------------------------------------------------------------- SPC chart

#: Making Data Count colours, as NHSRplotthedots' ``ptd_spc_colours()`` defaults.
SPC_COLOURS: dict[str, str] = {
    "common_cause": "#a6a6a6",  # grey
    "improvement": "#00b0f0",  # blue
    "concern": "#e46c0a",  # orange
    "neither": "#490092",  # purple
    "neutral_high": "#490092",  # purple: special cause without an improvement direction
    "neutral_low": "#490092",
    "value_line": "#a6a6a6",
    "centre_line": "#000000",
    "limit_line": "#a6a6a6",
    "target": "#de1b1b",
    "pdsa": "#490092",
}

_SPC_COLUMNS = ("period", "part", "value", "centre", "lower", "upper", "point_type")

#: PDSA labels: longest drawn label (px, longer ones end in "…"), the width of
#: a character and the height of a row of labels, generous enough for the
#: workbooks' 16 px text, so that staggered labels never overlap.
_PDSA_LABEL_LIMIT_PX = 160
_PDSA_CHAR_PX = 9.6
_PDSA_ROW_PX = 19
#: Width of a month-and-year axis label ("sep 2024") with its gap, in pixels.
_MONTH_LABEL_PX = 60


def _spc_legend(opts: dict[str, Any], lang: str) -> tuple[dict[str, str], list[str], list[str]]:
    """Legend text per point type, and the legend's labels and colours in order.

    With an improvement direction the legend reads common cause, improvement,
    concern, neither; without one, common cause, neutral (purple: both
    ``neutral_high`` and ``neutral_low``), neither, as NHSRplotthedots draws
    ``special_cause_neutral``.
    """
    labels = {code: _label(f"spc.point_type.{code}", lang) for code in _POINT_TYPES}
    neutral = _label("spc.chart.neutral", lang)
    labels["neutral_high"] = labels["neutral_low"] = neutral
    shown: tuple[str, ...]
    if opts.get("improvement") is None:
        shown = ("common_cause", "neutral_high", "neither")
    else:
        shown = ("common_cause", "improvement", "concern", "neither")
    return labels, [labels[c] for c in shown], [SPC_COLOURS[c] for c in shown]


_POINT_TYPES = ("common_cause", "improvement", "concern", "neither", "neutral_high", "neutral_low")


def _display_decimals(table: pd.DataFrame, opts: dict[str, Any]) -> int:
    """Decimals the chart keeps: 3 for proportions (0.1 percentage point), else 1.

    >>> _display_decimals(pd.DataFrame({"value": [0.5, 0.75]}), {"chart": "xmr"})
    3
    >>> _display_decimals(pd.DataFrame({"value": [4.0, 7.0]}), {"chart": "xmr"})
    1
    """
    values = table["value"].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if opts.get("chart") == "p":
        return 3
    share_like = values.size > 0 and values.min() >= 0 and values.max() <= 1
    return 3 if share_like and not np.all(values == np.round(values)) else 1


def _month_ticks(period: pd.Series, width: int) -> tuple[str, int] | None:
    """The time axis' tick interval and step so that month-and-year labels fit, or None.

    Series shorter than three months keep Vega's own ticks (days and weeks).

    >>> weeks = pd.Series(pd.date_range("2023-01-02", periods=104, freq="W-MON"))
    >>> _month_ticks(weeks, 640)
    ('month', 3)
    """
    first, last = pd.Timestamp(period.min()), pd.Timestamp(period.max())
    months = (last.year - first.year) * 12 + last.month - first.month
    if months < 3:
        return None
    step = max(1, math.ceil(months * _MONTH_LABEL_PX / max(width, 1)))
    if step <= 12:
        return "month", next(s for s in (1, 2, 3, 4, 6, 12) if s >= step)
    return "year", math.ceil(step / 12)


def spc_chart(
    table: pd.DataFrame,
    lang: str | None = "sv",
    *,
    pdsa: pd.DataFrame | None = None,
    title: str | None = None,
    width: int = 640,
    height: int = 300,
    decimals: int | None = None,
) -> alt.LayerChart:
    """Draw an SPC table from :func:`toolkit.spc.spc` as Making Data Count does.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`toolkit.spc.spc` for one series (filter a grouped
        table first). Only its aggregated columns ``period``, ``part``,
        ``value``, ``centre``, ``lower``, ``upper`` and ``point_type`` are
        embedded in the chart.
    lang : {"sv", "en"}
        Language of the labels.
    pdsa : DataFrame, optional
        PDSA changes with the columns ``date`` and ``label``, drawn as
        vertical annotations; labels close in time are put on separate rows
        so that they never overlap (longer labels end in "…").
    title : str, optional
        Chart title.
    width, height : int
        Size in pixels.
    decimals : int, optional
        Decimals of the values embedded in the chart (points, centre line,
        limits), as they are displayed; by default 3 for proportions and 1
        otherwise. A centre line kept to full precision would give away a
        point hidden in share mode (mean × number of points = sum).

    Returns
    -------
    altair.LayerChart
        Process line, points coloured by point type (grey common cause, blue
        improvement, orange concern, purple neutral or neither), centre line
        and dashed process limits broken at each rebase part, a red target
        line when the table has a target, and the PDSA annotations. A time
        axis names months with their year ("sep 2024") when the series spans
        three months or more, and the first tick's year otherwise.

    Notes
    -----
    The chart computes nothing: the limits are the table's.

    References
    ----------
    NHS England, *Making Data Count* (2019); NHSRplotthedots ``ptd_spc_colours``.

    Examples
    --------
    >>> import pandas as pd
    >>> from toolkit.spc import spc
    >>> df = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=15), "n": range(15)})
    >>> chart = spc_chart(spc(df, value="n", date="day"), lang="en", title="Demo")
    >>> chart.to_dict()["title"]
    'Demo'
    """
    lang = check_language(lang)
    opts = _spc_check(table, pdsa, lang)
    frames = _spc_frames(table, lang, pdsa, width, decimals)
    data = frames[_SPC_DATA]
    _labels, domain, colours = _spc_legend(opts, lang)
    is_time = pd.api.types.is_datetime64_any_dtype(data["period"])
    x_type = "T" if is_time else ("Q" if pd.api.types.is_numeric_dtype(data["period"]) else "O")
    x_title = _label("spc.chart.period", lang)
    y_title = _label("spc.chart.value", lang)
    centre_key = {"run": "spc.chart.centre_median", "xmr": "spc.chart.centre_mean"}.get(
        str(opts.get("chart")), "spc.chart.centre_rate"
    )
    x = alt.X(f"period:{x_type}", title=x_title, axis=_time_axis(data["period"], width))
    base = alt.Chart(alt.NamedData(_SPC_DATA))
    tooltip = [
        alt.Tooltip(f"period:{x_type}", title=x_title),
        alt.Tooltip("value:Q", title=y_title, format=".3~f"),
        alt.Tooltip("variation:N", title=_label("spc.chart.point_type", lang)),
    ]
    line = base.mark_line(color=SPC_COLOURS["value_line"]).encode(
        x=x, y=alt.Y("value:Q", title=y_title)
    )
    points = base.mark_circle(size=60, opacity=1).encode(
        x=x,
        y="value:Q",
        color=alt.Color(
            "variation:N",
            title=_label("spc.chart.point_type", lang),
            scale=alt.Scale(domain=domain, range=colours),
        ),
        tooltip=tooltip,
    )
    centre = base.mark_line(color=SPC_COLOURS["centre_line"]).encode(
        x=x,
        y="centre:Q",
        detail="part:N",
        tooltip=[alt.Tooltip("centre:Q", title=_label(centre_key, lang), format=".3~f")],
    )
    layers: list[Any] = [centre]
    if opts.get("chart") != "run":
        for column, key in (("lower", "spc.chart.lower"), ("upper", "spc.chart.upper")):
            layers.append(
                base.mark_line(color=SPC_COLOURS["limit_line"], strokeDash=[6, 4]).encode(
                    x=x,
                    y=f"{column}:Q",
                    detail="part:N",
                    tooltip=[alt.Tooltip(f"{column}:Q", title=_label(key, lang), format=".3~f")],
                )
            )
    if _SPC_STARTS in frames:
        layers.append(
            alt.Chart(alt.NamedData(_SPC_STARTS))
            .mark_rule(color="#595959", strokeDash=[2, 2])
            .encode(x=alt.X(f"period:{x_type}"))
        )
    if _SPC_TARGET in frames:
        layers.append(
            alt.Chart(alt.NamedData(_SPC_TARGET))
            .mark_rule(color=SPC_COLOURS["target"], strokeDash=[4, 2])
            .encode(y="target:Q", tooltip=[alt.Tooltip("label:N"), alt.Tooltip("target:Q")])
        )
    if _SPC_PDSA in frames:
        rule = (
            alt.Chart(alt.NamedData(_SPC_PDSA))
            .mark_rule(color=SPC_COLOURS["pdsa"])
            .encode(x=alt.X(f"period:{x_type}"), tooltip=[alt.Tooltip("label:N", title="PDSA")])
        )
        text = (
            alt.Chart(alt.NamedData(_SPC_PDSA))
            .mark_text(
                align="left",
                baseline="top",
                dx=3,
                dy=2,
                color=SPC_COLOURS["pdsa"],
                limit=_PDSA_LABEL_LIMIT_PX,
            )
            .encode(
                x=alt.X(f"period:{x_type}"),
                y=alt.value(0),
                yOffset=alt.YOffset("row_px:Q", scale=None),
                text="label:N",
            )
        )
        layers += [rule, text]
    layers += [line, points]
    chart = alt.layer(*layers).properties(
        width=width, height=height, datasets=_spc_datasets(frames)
    )
    if title is not None:
        chart = chart.properties(title=title)
    return cast(alt.LayerChart, _finish(chart, lang))


#: Names of the SPC chart's datasets (the chart's data is named, so that its
#: specification without data depends only on its layout: see :func:`spc_spec`).
_SPC_DATA, _SPC_STARTS, _SPC_TARGET, _SPC_PDSA = "spc", "spc_parts", "spc_target", "spc_pdsa"


def _spc_check(table: Any, pdsa: Any, lang: str) -> dict[str, Any]:
    """Refuse what is not one SPC series or not PDSA notes; return the table's SPC options."""
    opts = table.attrs.get("spc") if isinstance(table, pd.DataFrame) else None
    if not isinstance(opts, dict) or not set(_SPC_COLUMNS) <= set(table.columns):
        raise ParameterError("spc.chart.not_spc_table", argument="table", lang=lang)
    n_series = table["group"].drop_duplicates().size if "group" in table.columns else 1
    if n_series > 1:
        raise ParameterError("spc.chart.group_given", argument="table", count=n_series, lang=lang)
    if pdsa is not None and (
        not isinstance(pdsa, pd.DataFrame) or not {"date", "label"} <= set(pdsa.columns)
    ):
        raise ParameterError("spc.chart.pdsa_columns", argument="pdsa", lang=lang)
    return opts


def _time_axis(period: pd.Series, width: int) -> alt.Axis | Any:
    """Axis of the period: months with their year, or the first tick's year."""
    if not pd.api.types.is_datetime64_any_dtype(period):
        return alt.Undefined
    ticks = _month_ticks(period, width)
    if ticks is None:
        expr = (
            "timeFormat(datum.value, '%-d %b')"
            " + (datum.index == 0 ? ' ' + timeFormat(datum.value, '%Y') : '')"
        )
        return alt.Axis(labelExpr=expr)
    interval, step = ticks
    return alt.Axis(
        tickCount={"interval": interval, "step": step},
        format="%b %Y" if interval == "month" else "%Y",
    )


def _label_rows(
    period: pd.Series, labels: pd.Series, span: tuple[Any, Any], width: int
) -> list[int]:
    """Row (0, 1, …) of each PDSA label so that no two labels overlap.

    Labels are taken in time order; each goes on the first row whose last
    label ends (estimated width, at most the drawn limit) before it starts.

    >>> days = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-06-01"]))
    >>> _label_rows(days, pd.Series(["Ny rutin", "Ny rutin 2", "x"]),
    ...     (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")), 640)
    [0, 1, 0]
    """
    first, last = span
    if pd.api.types.is_datetime64_any_dtype(period):
        pos = (period - first) / (last - first) if last > first else period * 0
        where = pos.to_numpy(dtype=float) * width
    elif pd.api.types.is_numeric_dtype(period) and last > first:
        where = (period.to_numpy(dtype=float) - first) / (last - first) * width
    else:  # ordinal axis: every label may sit at any step; one row each
        return list(range(len(period)))
    ends: list[float] = []
    rows = [0] * len(where)
    for i in np.argsort(where, kind="stable"):
        text_px = min(_PDSA_LABEL_LIMIT_PX, _PDSA_CHAR_PX * len(str(labels.iloc[i]))) + 6
        row = next((r for r, end in enumerate(ends) if end < where[i]), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = where[i] + text_px
        rows[i] = row
    return rows


def _spc_frames(
    table: pd.DataFrame,
    lang: str,
    pdsa: pd.DataFrame | None,
    width: int = 640,
    decimals: int | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables an SPC chart draws, by dataset name (only the aggregated columns).

    Values are rounded to ``decimals`` (see :func:`_display_decimals`).
    """
    opts = table.attrs.get("spc") or {}
    labels, _domain, _colours = _spc_legend(opts, lang)
    digits = _display_decimals(table, opts) if decimals is None else int(decimals)

    def rounded(column: str) -> np.ndarray:
        return np.round(table[column].to_numpy(dtype=float), digits)

    data = pd.DataFrame(
        {
            "period": table["period"].to_numpy(),
            "part": table["part"].to_numpy(),
            "value": rounded("value"),
            "centre": rounded("centre"),
            "lower": rounded("lower"),
            "upper": rounded("upper"),
            "variation": [labels[str(v)] for v in table["point_type"]],
        }
    )
    frames = {_SPC_DATA: data}
    starts = data.loc[data["part"].ne(data["part"].shift()) & (data.index > 0), ["period"]]
    if len(starts):
        frames[_SPC_STARTS] = starts
    target = (table.attrs.get("spc") or {}).get("target")
    if target is not None:
        frames[_SPC_TARGET] = pd.DataFrame(
            {"target": [float(target)], "label": [_label("spc.chart.target", lang)]}
        )
    if pdsa is not None and len(pdsa):
        notes = pd.DataFrame(
            {"period": pdsa["date"].to_numpy(), "label": pdsa["label"].astype(str).to_numpy()}
        )
        every = pd.concat([data["period"], notes["period"]], ignore_index=True)
        try:
            span = (every.min(), every.max())
            rows = _label_rows(notes["period"], notes["label"], span, width)
        except TypeError:  # periods of another kind than the notes' dates
            rows = list(range(len(notes)))
        notes["row_px"] = [_PDSA_ROW_PX * r for r in rows]
        frames[_SPC_PDSA] = notes
    return frames


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dictionaries, as Altair embeds a DataFrame.

    Dates become ISO text without a time zone (read as local time, as Altair
    writes them), missing numbers ``None``, NumPy numbers Python numbers.

    >>> _records(pd.DataFrame({"d": pd.to_datetime(["2024-01-01"]), "x": [float("nan")]}))
    [{'d': '2024-01-01T00:00:00', 'x': None}]
    """
    columns: dict[str, list[Any]] = {}
    for name, column in frame.items():
        if pd.api.types.is_datetime64_any_dtype(column):
            values = column.dt.strftime("%Y-%m-%dT%H:%M:%S").tolist()
        else:
            values = column.tolist()
        columns[str(name)] = [None if isinstance(v, float) and v != v else v for v in values]
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _spc_datasets(frames: dict[str, pd.DataFrame]) -> dict[str, list[dict[str, Any]]]:
    return {name: _records(frame) for name, frame in frames.items()}


_SPC_TEMPLATES: dict[tuple[Any, ...], dict[str, Any]] = {}


def spc_spec(
    table: pd.DataFrame,
    lang: str | None = "sv",
    *,
    pdsa: pd.DataFrame | None = None,
    title: str | None = None,
    width: int = 640,
    height: int = 300,
    style: Callable[[Any], Any] | None = None,
    decimals: int | None = None,
) -> dict[str, Any]:
    """``spc_chart(...).to_dict()``, fast when called again for a chart laid out alike.

    Building and validating an Altair chart takes most of a workbook's
    answer to a control (about 100 ms); the chart's data is named, so its
    specification without data depends only on its layout: the language,
    the kind of x axis, whether limits, rebase lines, a target or PDSA
    notes are drawn, whether the measure has an improvement direction, the
    time axis' ticks, the size and ``style`` (a function applied to
    the chart, such as a workbook's larger fonts). That part is built and
    validated once per layout; each call adds the current data and title.

    >>> import pandas as pd
    >>> from toolkit.spc import spc
    >>> df = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=15), "n": range(15)})
    >>> table = spc(df, value="n", date="day")
    >>> spc_spec(table, "en", title="Demo") == spc_chart(table, "en", title="Demo").to_dict()
    True
    """
    lang = check_language(lang)
    opts = _spc_check(table, pdsa, lang)
    frames = _spc_frames(table, lang, pdsa, width, decimals)
    period = frames[_SPC_DATA]["period"]
    is_time = pd.api.types.is_datetime64_any_dtype(period)
    x_type = is_time, pd.api.types.is_numeric_dtype(period)
    key = (
        lang,
        x_type,
        _month_ticks(period, width) if is_time else None,
        str(opts.get("chart")) == "run",
        opts.get("improvement") is None,
        tuple(sorted(frames)),
        width,
        height,
        style,
    )
    template = _SPC_TEMPLATES.get(key)
    if template is None:
        chart = spc_chart(table, lang, pdsa=pdsa, width=width, height=height, decimals=decimals)
        template = (style(chart) if style is not None else chart).to_dict()
        template.pop("datasets", None)
        if len(_SPC_TEMPLATES) >= 256:
            _SPC_TEMPLATES.clear()
        _SPC_TEMPLATES[key] = template
    spec = {**copy.deepcopy(template), "datasets": _spc_datasets(frames)}
    if title is not None:
        spec["title"] = title
    return spec


# --------------------------------------------------------------------------- funnel plot

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
    title: str = "",
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
    chart = alt.layer(*lines, dots).properties(width=width, height=height, title=title)
    return cast(alt.LayerChart, _finish(chart, lang))


# --------------------------------------------------------------------------- KvIPS synthesis


def kvips_synthesis_chart(
    synthesis: pd.DataFrame,
    group_names: dict[str, str],
    lang: str | None = None,
    *,
    scale_max: float = 4.0,
    width: int = 420,
) -> alt.LayerChart:
    """The region's quality parameters: the mean over units (bar) and the lowest unit (tick).

    ``synthesis`` is :func:`toolkit.kvips_cycle.region_synthesis` (group,
    mean, lowest_unit, lowest), weakest first; ``group_names`` gives each
    group's name in ``lang``. Only those columns are embedded.
    """
    lang = check_language(lang)
    scored = synthesis[np.isfinite(synthesis["mean"].to_numpy(dtype=float))]
    data = pd.DataFrame(
        {
            "parameter": [group_names[str(g)] for g in scored["group"]],
            "mean": scored["mean"].to_numpy(dtype=float),
            "lowest": scored["lowest"].to_numpy(dtype=float),
            "lowest_unit": scored["lowest_unit"].astype(str).to_numpy(),
        }
    )
    y = alt.Y(
        "parameter:N", sort=list(data["parameter"]), title=None, axis=alt.Axis(labelLimit=320)
    )
    x_scale = alt.Scale(domain=[0, scale_max])
    x_axis = alt.Axis(values=list(range(int(scale_max) + 1)), format="d")
    bars = (
        alt.Chart(data)
        .mark_bar(color="#4c78a8")
        .encode(
            y=y,
            x=alt.X("mean:Q", title=t("kvips.synthesis.mean", lang), scale=x_scale, axis=x_axis),
            tooltip=[
                alt.Tooltip("parameter:N", title=t("kvips.synthesis.group", lang)),
                alt.Tooltip("mean:Q", title=t("kvips.synthesis.mean", lang), format=".1f"),
            ],
        )
    )
    ticks = (
        alt.Chart(data)
        .mark_tick(color="#e46c0a", thickness=4, size=22)
        .encode(
            y=y,
            x=alt.X("lowest:Q", scale=x_scale),
            tooltip=[
                alt.Tooltip("lowest_unit:N", title=t("kvips.synthesis.lowest_unit", lang)),
                alt.Tooltip("lowest:Q", title=t("kvips.synthesis.lowest", lang), format=".1f"),
            ],
        )
    )
    chart = alt.layer(bars, ticks).properties(
        width=width, height=28 * max(len(data), 1), title=t("kvips.chart.title", lang)
    )
    return cast(alt.LayerChart, _finish(chart, lang))
