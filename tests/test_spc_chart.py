"""Tests of toolkit.charts.spc_chart: offline SVG rendering, language, embedded data."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import vl_convert as vlc

from toolkit.charts import SPC_COLOURS, spc_chart
from toolkit.errors import ParameterError
from toolkit.i18n import t
from toolkit.spc import spc


def table(**kwargs):
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 3, 3, 3, 3, 3, 3, 3, 3]
    df = pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=len(values)), "v": values, "pid": 1}
    )
    return spc(df, value="v", date="date", improvement="increase", **kwargs)


def test_renders_offline_to_svg_with_language():
    pdsa = pd.DataFrame({"date": [pd.Timestamp("2024-01-10")], "label": ["PDSA 1"]})
    tab = table(target=5, rebase=["2024-01-13"])
    svg_en = vlc.vegalite_to_svg(spc_chart(tab, lang="en", pdsa=pdsa, title="T").to_dict())
    svg_sv = vlc.vegalite_to_svg(spc_chart(tab, lang="sv", pdsa=pdsa, title="T").to_dict())
    assert svg_en.startswith("<svg") and svg_sv.startswith("<svg")
    assert t("spc.point_type.improvement", "en") in svg_en
    assert t("spc.point_type.improvement", "sv") in svg_sv
    assert t("spc.chart.period", "sv") in svg_sv
    assert "PDSA 1" in svg_en
    # Making Data Count colours (NHSRplotthedots ptd_spc_colours defaults) are used
    for key in ("improvement", "concern", "target"):
        assert SPC_COLOURS[key] in svg_en


def test_chart_embeds_only_the_aggregated_columns():
    spec = spc_chart(table(), lang="en").to_dict()
    columns = set()
    for dataset in spec["datasets"].values():
        for row in dataset:
            columns |= set(row)
    assert "pid" not in columns
    assert columns <= {
        "period", "part", "value", "centre", "lower", "upper", "variation", "target", "label"
    }  # fmt: skip
    assert "10.0" in json.dumps(spec) or "10" in json.dumps(spec)


def test_rebase_parts_break_limit_lines():
    spec = spc_chart(table(rebase=["2024-01-13"]), lang="en").to_dict()
    details = [layer["encoding"].get("detail", {}).get("field") for layer in spec["layer"]]
    assert details.count("part") == 3  # centre, lower, upper drawn per part


def test_refuses_other_tables_and_many_series():
    with pytest.raises(ParameterError, match="table"):
        spc_chart(pd.DataFrame({"a": [1]}), lang="en")
    df = pd.DataFrame(
        {"date": list(pd.date_range("2024-01-01", periods=5)) * 2, "v": range(10),
         "unit": ["A"] * 5 + ["B"] * 5}
    )  # fmt: skip
    with pytest.raises(ParameterError, match="table"):
        spc_chart(spc(df, value="v", date="date", group="unit"), lang="en")
    with pytest.raises(ParameterError, match="pdsa"):
        spc_chart(table(), lang="en", pdsa=pd.DataFrame({"when": [1]}))


def test_axis_dates_follow_the_chart_language():
    # d3's sv-SE locale names months "mars", "maj"; the default en-US one "March", "May".
    import vl_convert as vlc

    from toolkit.charts import spc_chart as draw
    from toolkit.spc import spc as calc

    months = pd.DataFrame(
        {"month": pd.date_range("2024-01-01", periods=12, freq="MS"), "n": [5.0, 6, 5, 7] * 3}
    )
    table = calc(months, value="n", date="month")
    svg_sv = vlc.vegalite_to_svg(draw(table, lang="sv").to_json())
    svg_en = vlc.vegalite_to_svg(draw(table, lang="en").to_json())
    assert "maj" in svg_sv and "May" not in svg_sv
    assert "May" in svg_en


def test_spc_spec_is_the_charts_specification_for_every_layout_and_new_data():
    # spc_spec keeps the specification without data per layout and adds the data;
    # the identity: it equals spc_chart(...).to_dict() built afresh, also when a
    # second table with the same layout (other values) reuses the kept part.
    from toolkit.charts import spc_spec

    notes = pd.DataFrame({"date": [pd.Timestamp("2024-01-10")], "label": ["Ny rutin"]})
    layouts = [
        {"chart": "xmr"},
        {"chart": "run"},
        {"chart": "xmr", "rebase": ["2024-01-13"]},
        {"chart": "xmr", "target": 12.0},
        {"chart": "run", "rebase": ["2024-01-13"], "target": 9.5},
    ]
    for options in layouts:
        for shift in (0.0, 3.25):
            tab = table(**options)
            tab["value"] = tab["value"] + shift
            for lang, pdsa in (("sv", notes), ("en", None)):
                fresh = spc_chart(tab, lang=lang, pdsa=pdsa, title="T", width=500).to_dict()
                kept = spc_spec(tab, lang, pdsa=pdsa, title="T", width=500)
                assert kept == fresh, options

    # a style function (a workbook's fonts) is part of the layout
    def big(chart):
        return chart.configure_axis(labelFontSize=15)

    styled = spc_spec(table(), "en", style=big)
    assert styled == big(spc_chart(table(), lang="en")).to_dict()
    assert styled["config"]["axis"]["labelFontSize"] == 15
    assert "axis" not in spc_spec(table(), "en")["config"]
    with pytest.raises(ParameterError, match="pdsa"):
        spc_spec(table(), "en", pdsa=pd.DataFrame({"when": [1]}))
