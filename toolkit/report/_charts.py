"""Charts shared by several sections of the unit report (drawn from aggregated tables only)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from toolkit.i18n import t


def _line_chart(
    weekly: pd.DataFrame, column: str, title: str, lang: str, *, share: bool, threshold: int
) -> Any:
    """Both stages' weekly ``column`` as two lines (points with small counts left out in share mode)."""
    import altair as alt

    from toolkit.charts import _finish

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
    return _finish(chart, lang)
