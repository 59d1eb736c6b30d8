"""The charts' theme: Swedish formats, projector font sizes, legends that are never cut.

Every chart of the toolkit ends with :func:`finish` (locale, font sizes,
legend); a report page or slide adds :func:`for_page`, a workbook page
:func:`for_workbook` (larger fonts for a projector).
"""

from __future__ import annotations

from typing import Any

import altair as alt

__all__ = ["CHART_FONT_PX", "SV_LOCALE", "finish", "for_page", "for_workbook"]

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


#: Font sizes (px) every chart gets, large enough to read on a projector at the
#: back of a room: axis labels and legend 14, axis titles 15, chart titles 17.
#: The workbooks set larger ones for their pages (:func:`for_workbook`).
CHART_FONT_PX = {"label": 14, "axis_title": 15, "title": 17}


def finish(chart: Any, lang: str) -> Any:
    """Configuration every chart gets: locale, projector font sizes, legends never cut.

    The legend's labels and title have no length limit (``labelLimit=0``:
    "in-depth assessment/treatment" is never cut to "in-depth
    assessment/treatm…"); :func:`for_page` puts the legend under the chart.
    """
    legend = alt.LegendConfig(
        labelLimit=0,
        titleLimit=0,
        labelFontSize=CHART_FONT_PX["label"],
        titleFontSize=CHART_FONT_PX["label"],
    )
    axis = alt.AxisConfig(
        labelFontSize=CHART_FONT_PX["label"],
        titleFontSize=CHART_FONT_PX["axis_title"],
        titleLimit=0,
    )
    title = alt.TitleConfig(fontSize=CHART_FONT_PX["title"], limit=0)
    if lang == "sv":
        return chart.configure(locale=SV_LOCALE, legend=legend, axis=axis, title=title)
    return chart.configure(legend=legend, axis=axis, title=title)


def for_page(chart: Any) -> Any:
    """A chart laid out for a report page or a slide: legend under the chart, one entry a line.

    A long legend label then makes the chart taller, never wider than the
    page, and the chart's width is the plot's own.
    """
    return chart.configure_legend(  # replaces the legend's whole configuration
        orient="bottom",
        direction="vertical",
        labelLimit=0,
        titleLimit=0,
        labelFontSize=CHART_FONT_PX["label"],
        titleFontSize=CHART_FONT_PX["label"],
    )


def for_workbook(chart: Any) -> Any:
    """A chart laid out for a workbook page: larger fonts for a projector, legend under the chart."""
    return (
        chart.configure_axis(labelFontSize=15, titleFontSize=17)
        .configure_legend(
            labelFontSize=15, titleFontSize=15, labelLimit=420, orient="bottom", columns=2
        )
        .configure_title(fontSize=19)
    )
