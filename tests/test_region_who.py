"""The region overview's section *Who waits, unit by unit* (toolkit.report.region_who).

Expected values come from outside the code under test:

* the completed waits and those within target are counted here from the
  unit's ``referrals.csv`` with pandas (window: the 26 whole weeks ending on
  the Sunday on or before the extract date, 2024-07-01 to 2024-12-29; wait =
  first assessment − received − patient-chosen days, at least 0; within
  target: at most 30 days, profile ``bup_30_30``);
* the Wilson interval is SciPy's ``binomtest(x, n).proportion_ci(method="wilson")``;
* the funnel's centre is the pooled share and its limits the normal
  approximation to the binomial, :math:`p \\pm z \\sqrt{p (1 - p) / n}`
  (Spiegelhalter 2005), written out below with z = 1.959964 (95 %) and
  3.090232 (99.8 %), the normal quantiles 0.975 and 0.999.

The numbers are read where people read them: the cells of the section's
table (and the same cells of the unit's own report).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import yaml
from scipy.stats import binomtest

from toolkit import report
from toolkit.i18n import format_percent, t
from toolkit.manifest import read_manifest
from toolkit.report import region_who
from toolkit.report._html import SOFT_HYPHEN as _SOFT_HYPHEN
from toolkit.report._html import break_points as _break_points

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "sample_data" / "units.yaml"
ENTRIES = {e.id: e for e in read_manifest(MANIFEST)}
LANG = "en"
Z_95, Z_998 = 1.959964, 3.090232  # normal quantiles 0.975 and 0.999
WINDOW = (pd.Timestamp("2024-07-01"), pd.Timestamp("2024-12-29"))


@pytest.fixture(scope="module")
def plain() -> report.Report:
    return report.region_overview(MANIFEST, lang=LANG, charts=False)


@pytest.fixture(scope="module")
def shared() -> report.Report:
    return report.region_overview(MANIFEST, lang=LANG, charts=False, share=True)


def _who_tables(r: report.Report) -> dict[str, pd.DataFrame]:
    """The section's tables by stage, as shown (text cells)."""
    (section,) = [s for s in r.sections if s.key == "who"]
    tables = [b.content for b in section.blocks if b.kind == "table"]
    stages = ["first_assessment", "deep_start"]
    assert len(tables) == len(stages)
    return {
        s: pd.DataFrame(tab.rows, columns=tab.header) for s, tab in zip(stages, tables, strict=True)
    }


def _col(key: str) -> str:
    return t(f"region_who.col.{key}", LANG)


def _row(table: pd.DataFrame, group: str, unit: str) -> pd.Series:
    rows = table[(table[_col("group")] == group) & (table[_col("unit")] == unit)]
    assert len(rows) == 1, (group, unit)
    return rows.iloc[0]


def _oracle(unit_id: str) -> pd.DataFrame:
    """Completed first assessments in the window and those within 30 days, per question."""
    refs = pd.read_csv(ENTRIES[unit_id].path / "referrals.csv", dtype=str, keep_default_na=False)
    received = pd.to_datetime(refs["received"])
    done = pd.to_datetime(refs["first_assessment"].replace("", None))
    inside = (done >= WINDOW[0]) & (done <= WINDOW[1])
    pvv = pd.to_numeric(refs["pvv_days"].replace("", "0"))
    wait = ((done - received).dt.days - pvv).clip(lower=0)
    table = pd.DataFrame({"question": refs["question"], "wait": wait})[inside]
    return table.groupby("question")["wait"].agg(n="size", within=lambda w: int((w <= 30).sum()))


def _share_text(x: int, n: int) -> str:
    ci = binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
    pct = [format_percent(v, LANG) for v in (x / n, ci.low, ci.high)]
    return f"{pct[0]} ({pct[1]}–{pct[2]})"


def test_cells_are_the_counts_and_wilson_intervals_of_the_units_data(plain):
    first = _who_tables(plain)["first_assessment"]
    for unit_id in ("skolar", "liten"):
        name = ENTRIES[unit_id].name
        oracle = _oracle(unit_id)
        assert len(oracle) == 7
        for question, (n, within) in oracle.iterrows():
            row = _row(first, t(f"equity.value.question.{question}", LANG), name)
            assert row[_col("completed")] == str(n)
            assert row[_col("share")] == _share_text(int(within), int(n))
            shown = plain.numbers["who"]["first_assessment"][question]["share"][unit_id]
            assert shown == pytest.approx(within / n, abs=1e-12)


def test_funnel_centre_limits_and_signals_from_the_binomial_approximation(plain):
    first = _who_tables(plain)["first_assessment"]
    checked = 0
    for question, funnel in plain.numbers["who"]["first_assessment"].items():
        label = t(f"equity.value.question.{question}", LANG)
        n = {
            u: int(_row(first, label, ENTRIES[u].name)[_col("completed")]) for u in funnel["share"]
        }
        x = {u: round(p * n[u]) for u, p in funnel["share"].items()}
        centre = sum(x.values()) / sum(n.values())
        assert funnel["centre"] == pytest.approx(centre, abs=1e-12)
        for unit_id, count in n.items():
            p = x[unit_id] / count
            sd = math.sqrt(centre * (1 - centre) / count)
            low95, high95 = max(centre - Z_95 * sd, 0.0), min(centre + Z_95 * sd, 1.0)
            low998, high998 = max(centre - Z_998 * sd, 0.0), min(centre + Z_998 * sd, 1.0)
            if p > high998:
                expected = "above_998"
            elif p > high95:
                expected = "above_95"
            elif p < low998:
                expected = "below_998"
            elif p < low95:
                expected = "below_95"
            else:
                expected = "within"
            assert funnel["signal"][unit_id] == expected, (question, unit_id)
            cell = _row(first, label, ENTRIES[unit_id].name)[_col("signal")]
            assert cell == t(f"national.signal.{expected}", LANG)
            checked += 1
    assert checked >= 30
    # the sample region has units outside the 99.8 % limits on both sides
    signals = plain.numbers["who"]["first_assessment"]["adhd"]["signal"]
    assert {"above_998", "below_998"} <= set(signals.values())


def test_group_funnel_against_hand_worked_limits():
    # Two units: 50 of 100 and 320 of 400 within target. Centre 370/500 = 0.74;
    # sd at n = 100: sqrt(0.74 * 0.26 / 100) = 0.043863, at n = 400: 0.021932.
    # Unit a: 0.5 < 0.74 − 3.090232 · 0.043863 = 0.604452 → below the 99.8 % limit.
    # Unit b: 0.74 + 1.959964 · 0.021932 = 0.782985 < 0.8 < 0.74 + 3.090232 · 0.021932
    # = 0.807774 → above the 95 % limit only.
    rows = pd.DataFrame(
        {
            "unit_id": ["a", "b"],
            "completed": [100, 400],
            "share_within_target": [0.5, 0.8],
            "hidden": [False, False],
        }
    )
    funnel = region_who.group_funnel(rows, "first_assessment", share=False, lang=LANG)
    assert funnel.attrs["centre"] == pytest.approx(0.74)
    got = funnel.set_index("unit")
    assert got.loc["a", "lower_998"] == pytest.approx(0.604452, abs=1e-6)
    assert got.loc["b", "upper_95"] == pytest.approx(0.782985, abs=1e-6)
    assert got.loc["b", "upper_998"] == pytest.approx(0.807774, abs=1e-6)
    assert dict(got["signal"]) == {"a": "below_998", "b": "above_95"}


def _compare_with_the_unit_report(region: report.Report, unit_id: str, share: bool) -> int:
    """Every question cell of the unit in the region section equals its own report's; how many."""
    entry = ENTRIES[unit_id]
    unit = report.unit_report(
        entry.path,
        lang=LANG,
        unit_name=entry.name,
        target_profile=entry.target_profile,
        extract_date=entry.extract_date,
        period_start=entry.extra["period_start"],
        share=share,
        charts=False,
    )
    (section,) = [s for s in unit.sections if s.key == "who"]
    (table,) = [b.content for b in section.blocks if b.kind == "table"]
    own = pd.DataFrame(table.rows, columns=table.header)
    own = own[own[t("report.who.col.grouping", LANG)] == t("equity.grouping.question", LANG)]
    compared = 0
    for stage, shown in _who_tables(region).items():
        mine = own[own[t("report.who.col.stage", LANG)] == t(f"flow.stage.{stage}", LANG)]
        for _, cells in mine.iterrows():
            row = _row(shown, cells[t("report.who.col.group", LANG)], entry.name)
            assert row[_col("completed")] == cells[t("report.who.col.completed", LANG)]
            assert row[_col("share")] == cells[t("report.who.col.share", LANG)]
            compared += 1
    return compared


def test_a_units_cells_equal_its_own_reports_cells(plain):
    entry = ENTRIES["skolar"]
    assert _compare_with_the_unit_report(plain, "skolar", share=False) == 14
    region = _who_tables(plain)
    # and in the rendered page: the heading and the unit's row as markup
    page = plain.to_html()
    heading = t("region_who.h", LANG, grouping=t("equity.grouping.question", LANG))
    assert f"<h2>{heading}</h2>" in page
    adhd = _row(region["first_assessment"], "ADHD", entry.name)
    assert f"<td>{entry.name}</td><td>{adhd[_col('completed')]}</td>" in page


def test_share_mode_rounds_hides_and_leaves_hidden_groups_out_of_the_funnel(shared):
    tables = _who_tables(shared)
    hidden = 0
    for table in tables.values():
        for _, row in table.iterrows():
            completed = row[_col("completed")]
            if completed == "<5":
                assert row[_col("share")] == "<5" and row[_col("signal")] == "<5"
                hidden += 1
            else:
                assert int(completed.replace("\u00a0", "").replace(",", "")) % 5 == 0
    assert hidden > 0  # the small unit has groups below the threshold
    # a hidden group of the small unit is in no funnel; the funnel rests on shown numbers:
    # 2 of its waits to in-depth assessment/treatment in the window are "other question"
    deep = tables["deep_start"]
    label = t("equity.value.question.other", LANG)
    assert _row(deep, label, ENTRIES["liten"].name)[_col("completed")] == "<5"
    funnel = shared.numbers["who"]["deep_start"]["other"]
    assert "liten" not in funnel["share"] and len(funnel["share"]) == 5
    n = {u: int(_row(deep, label, ENTRIES[u].name)[_col("completed")]) for u in funnel["share"]}
    pooled = sum(funnel["share"][u] * n[u] for u in n) / sum(n.values())
    assert funnel["centre"] == pytest.approx(pooled, abs=1e-12)
    # the small unit's cells, hidden ones included, read as in its own shared report
    assert _compare_with_the_unit_report(shared, "liten", share=True) == 14
    text = " ".join(
        b.content for s in shared.sections if s.key == "who" for b in s.blocks if b.kind == "text"
    )
    assert t("region_who.hidden", LANG, threshold=5) in text


def test_units_with_counts_only_are_named_not_dropped(plain):
    (section,) = [s for s in plain.sections if s.key == "who"]
    texts = [b.content for b in section.blocks if b.kind == "text"]
    assert t("region_who.counts_only", LANG, units=ENTRIES["endast_antal"].name) in texts


def test_another_grouping_and_a_wrong_one(tmp_path):
    entry = ENTRIES["liten"]
    unit = {
        "id": "liten",
        "name": entry.name,
        "path": str(entry.path),
        "extract_date": "2024-12-29",
    }
    manifest = tmp_path / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": [unit]}), encoding="utf-8")
    r = report.region_overview(manifest, lang="sv", charts=False, who_by="sex", data_roots=[ROOT])
    assert r.error is None
    refs = pd.read_csv(entry.path / "referrals.csv", dtype=str)
    done = pd.to_datetime(refs["first_assessment"])
    sexes = set(refs.loc[(done >= WINDOW[0]) & (done <= WINDOW[1]), "sex"])
    assert set(r.numbers["who"]["first_assessment"]) == sexes
    assert [s.heading for s in r.sections if s.key == "who"] == [
        t("region_who.h", "sv", grouping=t("equity.grouping.sex", "sv"))
    ]
    bad = report.region_overview(MANIFEST, lang="sv", charts=False, who_by="colour")
    assert bad.error is not None and "who_by" in bad.error and "colour" in bad.error


def test_unit_names_are_escaped_in_the_table(tmp_path):
    payload = "<img src=x onerror=alert(1)>"
    entry = ENTRIES["liten"]
    units = [
        {"id": f, "name": f"{payload}{f}", "path": str(entry.path), "extract_date": "2024-12-29"}
        for f in "ab"
    ]
    manifest = tmp_path / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": units}), encoding="utf-8")
    r = report.region_overview(manifest, lang=LANG, charts=False, data_roots=[ROOT])
    assert r.error is None
    (section,) = [s for s in r.sections if s.key == "who"]
    page = "\n".join(_html_of(section))
    assert "<img" not in page
    assert "<td>&lt;img src=x onerror=alert(1)&gt;a</td>" in page


def _html_of(section: report.Section) -> list[str]:
    from toolkit.report._html import block_html

    return [block_html(b) for b in section.blocks]


def test_region_table_headers_break_only_between_syllables(plain):
    (section,) = [s for s in plain.sections if s.key == "measures"]
    (table,) = [b.content for b in section.blocks if b.kind == "table"]
    # the markup marks the break points; the texts kept for Excel have none
    assert table.startswith('<div class="bup-wide">')
    assert _SOFT_HYPHEN not in "".join(table.header)
    assert t("report.col.region_median_wait_first_days", LANG) in table.header
    assert _break_points("Medianväntetid", "sv") == _SOFT_HYPHEN.join(
        ["Me", "di", "an", "vän", "te", "tid"]
    )
    # the page style keeps these headers' words whole but for those points
    from toolkit.batch import _STYLE

    assert ".bup-wide th{overflow-wrap:normal}" in _STYLE
