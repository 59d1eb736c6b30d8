"""The KvIPS cycle's synthesis chart: the region's quality parameters."""

from __future__ import annotations

from typing import cast

import altair as alt
import numpy as np
import pandas as pd

from toolkit.charts.theme import finish
from toolkit.i18n import check_language, t

__all__ = ["kvips_synthesis_chart"]


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
    return cast(alt.LayerChart, finish(chart, lang))
