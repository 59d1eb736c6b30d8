"""Altair charts drawn from calculated tables only.

Every chart here takes a table that a calculation module returned and draws
it; no chart computes a statistic, and no chart carries person-level rows
(only the columns it draws are embedded). Charts are returned, never shown.
Render them offline with ``vl_convert`` (SVG/PNG) or ``chart.save(...,
inline=True)``; see TECH_NOTES.md.
"""

from __future__ import annotations

from typing import Any, cast

import altair as alt
import pandas as pd

from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t

__all__ = ["SPC_COLOURS", "spc_chart"]

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
    is_time = pd.api.types.is_datetime64_any_dtype(data["period"])
    x_type = "T" if is_time else ("Q" if pd.api.types.is_numeric_dtype(data["period"]) else "O")
    x_title = _label("spc.chart.period", lang)
    y_title = _label("spc.chart.value", lang)
    centre_key = {"run": "spc.chart.centre_median", "xmr": "spc.chart.centre_mean"}.get(
        str(opts.get("chart")), "spc.chart.centre_rate"
    )
    x = alt.X(f"period:{x_type}", title=x_title)
    base = alt.Chart(data)
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
    starts = data.loc[data["part"].ne(data["part"].shift()) & (data.index > 0), ["period"]]
    if len(starts):
        layers.append(
            alt.Chart(starts)
            .mark_rule(color="#595959", strokeDash=[2, 2])
            .encode(x=alt.X(f"period:{x_type}"))
        )
    target = opts.get("target")
    if target is not None:
        target_df = pd.DataFrame(
            {"target": [float(target)], "label": [_label("spc.chart.target", lang)]}
        )
        layers.append(
            alt.Chart(target_df)
            .mark_rule(color=SPC_COLOURS["target"], strokeDash=[4, 2])
            .encode(y="target:Q", tooltip=[alt.Tooltip("label:N"), alt.Tooltip("target:Q")])
        )
    if pdsa is not None and len(pdsa):
        notes = pd.DataFrame(
            {"period": pdsa["date"].to_numpy(), "label": pdsa["label"].astype(str)}
        )
        rule = (
            alt.Chart(notes)
            .mark_rule(color=SPC_COLOURS["pdsa"])
            .encode(x=alt.X(f"period:{x_type}"), tooltip=[alt.Tooltip("label:N", title="PDSA")])
        )
        text = (
            alt.Chart(notes)
            .mark_text(align="left", baseline="top", dx=3, dy=2, color=SPC_COLOURS["pdsa"])
            .encode(x=alt.X(f"period:{x_type}"), y=alt.value(0), text="label:N")
        )
        layers += [rule, text]
    layers += [line, points]
    chart = alt.layer(*layers).properties(width=width, height=height)
    if title is not None:
        chart = chart.properties(title=title)
    return cast(alt.LayerChart, _finish(chart, lang))
