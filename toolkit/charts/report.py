"""Charts shared by several sections of the unit report (drawn from aggregated tables only)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from toolkit.charts.theme import finish
from toolkit.i18n import t

__all__ = ["line_chart"]


def line_chart(
    weekly: pd.DataFrame, column: str, title: str, lang: str, *, share: bool, threshold: int
) -> Any:
    """Both stages' weekly ``column`` as two lines (points with small counts left out in share mode).

    ``weekly`` has the columns ``period``, ``stage`` and ``column``; in
    share mode a value above zero and below ``threshold`` is left out.
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
    chart = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("period:T", title=t("report.axis.week", lang)),
            y=alt.Y("value:Q", title=title),
            color=alt.Color("stage:N", title=t("report.axis.stage", lang)),
        )
        .properties(width=640, height=220, title=title)
    )
    return finish(chart, lang)
