"""Tests of toolkit.charts.spc_chart: offline SVG rendering, language, embedded data."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import vl_convert as vlc

from toolkit.charts import CHART_FONT_PX, SPC_COLOURS, spc_chart
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
    # without a style, the chart's own projector sizes (charts.CHART_FONT_PX)
    assert spc_spec(table(), "en")["config"]["axis"]["labelFontSize"] == CHART_FONT_PX["label"]
    with pytest.raises(ParameterError, match="pdsa"):
        spc_spec(table(), "en", pdsa=pd.DataFrame({"when": [1]}))


def test_neutral_special_causes_are_purple_with_one_legend_entry():
    # NHSRplotthedots ptd_create_ggplot: with improvement_direction = "neutral" the
    # points are coloured common_cause (grey #a6a6a6) or special_cause_neutral
    # (purple #490092), ptd_spc_colours() defaults.
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=len(values)), "v": values})
    tab = spc(df, value="v", date="date")  # no improvement direction
    assert tab.point_type[4] == "neutral_high"
    spec = spc_chart(tab, lang="en").to_dict()
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    scale = points["encoding"]["color"]["scale"]
    neutral = t("spc.chart.neutral", "en")
    assert scale["domain"] == [t("spc.point_type.common_cause", "en"), neutral,
                               t("spc.point_type.neither", "en")]  # fmt: skip
    assert scale["range"] == ["#a6a6a6", "#490092", "#490092"]
    drawn = spec["datasets"]["spc"]
    assert drawn[4]["variation"] == neutral
    svg = vlc.vegalite_to_svg(spec)
    assert "#490092" in svg and neutral in svg


def test_time_axis_shows_years():
    # Two years of weeks: every month label carries its year ("jan 2024"); a short
    # series (15 days) names the year on its first tick.
    import re

    weeks = pd.DataFrame(
        {"week": pd.date_range("2023-01-02", periods=104, freq="W-MON"), "n": [5.0, 6] * 52}
    )
    svg = vlc.vegalite_to_svg(spc_chart(spc(weeks, value="n", date="week"), lang="sv").to_dict())
    labels = re.findall(r'font-size="\d+px"[^>]*opacity="1">([^<]*)</text>', svg)
    months = [lab for lab in labels if re.fullmatch(r"[a-zé]{3} \d{4}", lab)]
    assert len(months) >= 6 and {"2023", "2024"} <= {m[-4:] for m in months}
    days = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=15), "n": range(15)})
    svg = vlc.vegalite_to_svg(spc_chart(spc(days, value="n", date="day"), lang="en").to_dict())
    assert "1 Jan 2024" in svg


def test_chart_keeps_display_precision_only():
    # Share mode: a centre line kept to 11 decimals gives back a hidden point (mean x
    # number of points = sum). 30 weekly counts, mean 211/30 = 7.0333...: the chart
    # embeds 7.0 and no number with more than 3 decimals anywhere in the SVG.
    import re

    counts = [7, 8, 6, 7, 9, 5, 7, 7, 8, 6] * 3
    counts[0] += 1  # sum 211
    df = pd.DataFrame({"week": pd.date_range("2024-01-01", periods=30, freq="W-MON"), "n": counts})
    tab = spc(df, value="n", date="week")
    assert abs(tab["centre"].iloc[0] - 211 / 30) < 1e-12
    spec = spc_chart(tab, lang="sv").to_dict()
    assert {row["centre"] for row in spec["datasets"]["spc"]} == {7.0}
    svg = vlc.vegalite_to_svg(spec)
    assert not re.search(r"(?<![\d.])\d+,\d{4,}", svg)  # Swedish decimal comma in labels
    assert "7,0333" not in svg and "7.0333" not in svg
    share = pd.DataFrame({"week": df["week"], "e": [3] * 30, "c": [7] * 30})
    ptab = spc(share, value="e", date="week", chart="p", denominator="c")
    rows = spc_chart(ptab, lang="en").to_dict()["datasets"]["spc"]
    assert rows[0]["centre"] == 0.429  # 3/7 = 0.428571... to 0.1 percentage point


def test_pdsa_labels_never_overlap():
    # Five changes a week apart with long names on a 640 px chart: each label is
    # at most 160 px (then "…") and sits on the first row where the label before
    # it has ended, so the drawn boxes (x, row) never intersect.
    import re

    weeks = pd.DataFrame({"week": pd.date_range("2024-01-01", periods=40, freq="W-MON"),
                          "n": [5.0, 6] * 20})  # fmt: skip
    notes = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-03-04", "2024-03-11", "2024-03-18", "2024-06-03",
                                    "2024-06-04"]),
            "label": ["Ny rutin för bedömning", "Gruppmottagning startar", "Digital triage",
                      "Extra mottagning", "Sommarschema"],
        }
    )  # fmt: skip
    spec = spc_chart(spc(weeks, value="n", date="week"), lang="sv", pdsa=notes).to_dict()
    svg = vlc.vegalite_to_svg(spec)
    found = re.findall(
        r'aria-roledescription="text mark"[^>]*translate\(([\d.]+),([\d.]+)\)[^>]*>([^<]*)</text>',
        svg,
    )
    boxes = [(float(x), float(y), text) for x, y, text in found]
    assert len(boxes) == 5
    # 11 px text: at most 0.6 em = 6.6 px a character, never beyond the 160 px limit
    for i, (x1, y1, a) in enumerate(boxes):
        for x2, y2, b in boxes[i + 1 :]:
            same_row = abs(y1 - y2) < 13
            left, right = ((x1, a), (x2, b)) if x1 <= x2 else ((x2, b), (x1, a))
            width = min(160.0, 6.6 * len(left[1]))
            assert not same_row or left[0] + width <= right[0], (a, b)
    assert len({y for _, y, _ in boxes}) >= 2  # the March labels are stacked
