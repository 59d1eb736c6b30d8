"""The unit report's weekly line chart names the year on its time axis.

A two-year weekly series (2023-01-02 to 2024-12-23, Mondays) drawn with
month-only labels ("jan", "apr") cannot tell 2023 from 2024; the axis must
carry the year in its format and the drawn SVG must show both years.
"""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit import charts


def _two_years() -> pd.DataFrame:
    weeks = pd.date_range("2023-01-02", "2024-12-23", freq="W-MON")
    return pd.DataFrame(
        {
            "period": list(weeks) * 2,
            "stage": ["first_assessment"] * len(weeks) + ["deep_start"] * len(weeks),
            "arrivals": [5.0] * (2 * len(weeks)),
        }
    )


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_axis_format_has_year(lang: str) -> None:
    spec = charts.line_chart(
        _two_years(), "arrivals", "T", lang, share=False, threshold=5
    ).to_dict()
    axis = spec["encoding"]["x"]["axis"]
    assert "%Y" in axis.get("format", "") + axis.get("labelExpr", "")


@pytest.mark.parametrize(("lang", "month"), [("sv", "jan"), ("en", "Jan")])
def test_svg_shows_both_years(lang: str, month: str) -> None:
    vl_convert = pytest.importorskip("vl_convert")
    spec = charts.line_chart(
        _two_years(), "arrivals", "T", lang, share=False, threshold=5
    ).to_dict()
    text = vl_convert.vegalite_to_svg(spec)
    assert "2023" in text and "2024" in text
    assert f"{month} 2024" in text
