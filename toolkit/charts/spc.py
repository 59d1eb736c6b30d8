"""The SPC chart as Making Data Count draws it, from a table of :func:`toolkit.spc.spc`."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any, cast

import altair as alt
import numpy as np
import pandas as pd

from toolkit.charts.theme import finish
from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t

__all__ = ["SPC_COLOURS", "spc_chart", "spc_spec"]


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
    labels = {code: t(f"spc.point_type.{code}", lang) for code in _POINT_TYPES}
    neutral = t("spc.chart.neutral", lang)
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
    period = frames[_SPC_DATA]["period"]
    is_time = pd.api.types.is_datetime64_any_dtype(period)
    x_type = "T" if is_time else ("Q" if pd.api.types.is_numeric_dtype(period) else "O")
    x = alt.X(f"period:{x_type}", title=t("spc.chart.period", lang), axis=_time_axis(period, width))
    # one chart object for the layers of the main table: Altair then puts its
    # data once at the top when every layer draws it (a run chart)
    base = alt.Chart(alt.NamedData(_SPC_DATA))
    layers = [
        *_spc_limit_layers(base, opts, x, lang),
        *_spc_note_layers(frames, x_type),
        *_spc_value_layers(base, opts, x, x_type, lang),
    ]
    chart = alt.layer(*layers).properties(
        width=width, height=height, datasets=_spc_datasets(frames)
    )
    if title is not None:
        chart = chart.properties(title=title)
    return cast(alt.LayerChart, finish(chart, lang))


def _spc_limit_layers(base: alt.Chart, opts: dict[str, Any], x: alt.X, lang: str) -> list[Any]:
    """The centre line and, but on a run chart, the dashed process limits (broken at each part)."""
    centre_key = {"run": "spc.chart.centre_median", "xmr": "spc.chart.centre_mean"}.get(
        str(opts.get("chart")), "spc.chart.centre_rate"
    )
    lines: list[tuple[str, str, str, Any]] = [
        ("centre", centre_key, SPC_COLOURS["centre_line"], alt.Undefined)
    ]
    if opts.get("chart") != "run":
        for column, key in (("lower", "spc.chart.lower"), ("upper", "spc.chart.upper")):
            lines.append((column, key, SPC_COLOURS["limit_line"], [6, 4]))
    return [
        base.mark_line(color=colour, strokeDash=dash).encode(
            x=x,
            y=f"{column}:Q",
            detail="part:N",
            tooltip=[alt.Tooltip(f"{column}:Q", title=t(key, lang), format=".3~f")],
        )
        for column, key, colour, dash in lines
    ]


def _spc_note_layers(frames: dict[str, pd.DataFrame], x_type: str) -> list[Any]:
    """Rebase lines, the target line and the PDSA notes, each when the chart has them."""
    layers: list[Any] = []
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
        notes = alt.Chart(alt.NamedData(_SPC_PDSA))
        rule = notes.mark_rule(color=SPC_COLOURS["pdsa"]).encode(
            x=alt.X(f"period:{x_type}"), tooltip=[alt.Tooltip("label:N", title="PDSA")]
        )
        text = notes.mark_text(
            align="left",
            baseline="top",
            dx=3,
            dy=2,
            color=SPC_COLOURS["pdsa"],
            limit=_PDSA_LABEL_LIMIT_PX,
        ).encode(
            x=alt.X(f"period:{x_type}"),
            y=alt.value(0),
            yOffset=alt.YOffset("row_px:Q", scale=None),
            text="label:N",
        )
        layers += [rule, text]
    return layers


def _spc_value_layers(
    base: alt.Chart, opts: dict[str, Any], x: alt.X, x_type: str, lang: str
) -> list[Any]:
    """The process line and its points coloured by point type (the legend)."""
    _labels, domain, colours = _spc_legend(opts, lang)
    x_title, y_title = t("spc.chart.period", lang), t("spc.chart.value", lang)
    tooltip = [
        alt.Tooltip(f"period:{x_type}", title=x_title),
        alt.Tooltip("value:Q", title=y_title, format=".3~f"),
        alt.Tooltip("variation:N", title=t("spc.chart.point_type", lang)),
    ]
    line = base.mark_line(color=SPC_COLOURS["value_line"]).encode(
        x=x, y=alt.Y("value:Q", title=y_title)
    )
    points = base.mark_circle(size=60, opacity=1).encode(
        x=x,
        y="value:Q",
        color=alt.Color(
            "variation:N",
            title=t("spc.chart.point_type", lang),
            scale=alt.Scale(domain=domain, range=colours),
        ),
        tooltip=tooltip,
    )
    return [line, points]


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
            {"target": [float(target)], "label": [t("spc.chart.target", lang)]}
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
