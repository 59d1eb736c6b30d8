"""Altair charts drawn from calculated tables only.

Every chart here takes a table that a calculation module returned and draws
it; no chart computes a statistic, and no chart carries person-level rows
(only the columns it draws are embedded). Charts are returned, never shown.
Render them offline with ``vl_convert`` (SVG/PNG) or ``chart.save(...,
inline=True)``; see docs/architecture.md.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, cast

import altair as alt
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
    "value_line": "#a6a6a6",
    "centre_line": "#000000",
    "limit_line": "#a6a6a6",
    "target": "#de1b1b",
    "pdsa": "#490092",
}

_SPC_COLUMNS = ("period", "part", "value", "centre", "lower", "upper", "point_type")


def spc_chart(
    table: pd.DataFrame,
    lang: str | None = "sv",
    *,
    pdsa: pd.DataFrame | None = None,
    title: str | None = None,
    width: int = 640,
    height: int = 300,
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
        vertical annotations.
    title : str, optional
        Chart title.
    width, height : int
        Size in pixels.

    Returns
    -------
    altair.LayerChart
        Process line, points coloured by point type (grey common cause, blue
        improvement, orange concern, purple neither), centre line and dashed
        process limits broken at each rebase part, a red target line when
        the table has a target, and the PDSA annotations.

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
    frames = _spc_frames(table, lang, pdsa)
    data = frames[_SPC_DATA]
    types = ("common_cause", "improvement", "concern", "neither")
    labels = {code: _label(f"spc.point_type.{code}", lang) for code in types}
    is_time = pd.api.types.is_datetime64_any_dtype(data["period"])
    x_type = "T" if is_time else ("Q" if pd.api.types.is_numeric_dtype(data["period"]) else "O")
    x_title = _label("spc.chart.period", lang)
    y_title = _label("spc.chart.value", lang)
    centre_key = {"run": "spc.chart.centre_median", "xmr": "spc.chart.centre_mean"}.get(
        str(opts.get("chart")), "spc.chart.centre_rate"
    )
    x = alt.X(f"period:{x_type}", title=x_title)
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
            scale=alt.Scale(
                domain=[labels[c] for c in types], range=[SPC_COLOURS[c] for c in types]
            ),
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
            .mark_text(align="left", baseline="top", dx=3, dy=2, color=SPC_COLOURS["pdsa"])
            .encode(x=alt.X(f"period:{x_type}"), y=alt.value(0), text="label:N")
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


def _spc_frames(
    table: pd.DataFrame, lang: str, pdsa: pd.DataFrame | None
) -> dict[str, pd.DataFrame]:
    """The tables an SPC chart draws, by dataset name (only the aggregated columns)."""
    types = ("common_cause", "improvement", "concern", "neither")
    labels = {code: _label(f"spc.point_type.{code}", lang) for code in types}
    data = pd.DataFrame(
        {
            "period": table["period"].to_numpy(),
            "part": table["part"].to_numpy(),
            "value": table["value"].to_numpy(dtype=float),
            "centre": table["centre"].to_numpy(dtype=float),
            "lower": table["lower"].to_numpy(dtype=float),
            "upper": table["upper"].to_numpy(dtype=float),
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
        frames[_SPC_PDSA] = pd.DataFrame(
            {"period": pdsa["date"].to_numpy(), "label": pdsa["label"].astype(str).to_numpy()}
        )
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
) -> dict[str, Any]:
    """``spc_chart(...).to_dict()``, fast when called again for a chart laid out alike.

    Building and validating an Altair chart takes most of a workbook's
    answer to a control (about 100 ms); the chart's data is named, so its
    specification without data depends only on its layout: the language,
    the kind of x axis, whether limits, rebase lines, a target or PDSA
    notes are drawn, the size and ``style`` (a function applied to
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
    frames = _spc_frames(table, lang, pdsa)
    period = frames[_SPC_DATA]["period"]
    x_type = pd.api.types.is_datetime64_any_dtype(period), pd.api.types.is_numeric_dtype(period)
    key = (
        lang,
        x_type,
        str(opts.get("chart")) == "run",
        tuple(sorted(frames)),
        width,
        height,
        style,
    )
    template = _SPC_TEMPLATES.get(key)
    if template is None:
        chart = spc_chart(table, lang, pdsa=pdsa, width=width, height=height)
        template = (style(chart) if style is not None else chart).to_dict()
        template.pop("datasets", None)
        if len(_SPC_TEMPLATES) >= 256:
            _SPC_TEMPLATES.clear()
        _SPC_TEMPLATES[key] = template
    spec = {**copy.deepcopy(template), "datasets": _spc_datasets(frames)}
    if title is not None:
        spec["title"] = title
    return spec
