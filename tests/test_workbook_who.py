"""Vem väntar? (toolkit.widgets.who.WhoApp): the page's table read where people read it.

In the kernel, on a small synthetic unit whose waits are written out below,
the table's cells are compared with numbers computed here without the
toolkit: the median by numpy on the raw waits, its interval from the
binomial(n, ½) order statistics (Conover, *Practical Nonparametric
Statistics*, 3rd ed. 1999, sect. 3.2; binomial probabilities by
scipy.stats.binom), and the share within target with Wilson's score interval
written out by hand (Wilson 1927; Newcombe 1998, method 3). In share mode a
group under the threshold reads ``<5`` and its median and share are not in
the page; with the page's threshold set to 10 a group of 7 completed waits
(rounded to 5, the nearest multiple of 5) reads ``<10`` and leaves the chart. On the sample unit *balans* every row of the page equals the same
row of the unit report's section *Who waits?* (toolkit.report.unit_report,
same window and settings). The browser test at the end opens the workbook in
Chromium through Voilà, changes the grouping, and compares a row with the
unit report's.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy.stats import binom

from toolkit.i18n import format_number, format_percent, t

ROOT = Path(__file__).resolve().parent.parent

#: The synthetic unit's extract date (a Sunday): its window is 2024-01-01 to 2024-06-30.
EXTRACT = dt.date(2024, 6, 30)
#: Waits to the first assessment, in days, completed inside the window, per sex.
GIRLS_DAYS = [5, 10, 15, 20, 25, 31, 40, 50, 60]
BOYS_DAYS = [7, 45]
TARGET_DAYS = 30  # bup_30_30, first assessment


def _write_unit(folder: Path) -> Path:
    """A referrals file: the waits above, two girls and one boy still waiting, one old referral."""
    rows = []
    received = pd.Timestamp("2024-02-01")

    def add(sex: str, first: pd.Timestamp | None, received_on: pd.Timestamp) -> None:
        rows.append(
            {
                "referral_id": f"R{len(rows) + 1:04d}",
                "received": received_on.date().isoformat(),
                "question": "adhd" if sex == "female" else "autism",
                "priority": "routine",
                "first_assessment": "" if first is None else first.date().isoformat(),
                "sex": sex,
                "age": 12,
            }
        )

    for days in GIRLS_DAYS:
        add("female", received + pd.Timedelta(days=days), received)
    for days in BOYS_DAYS:
        add("male", received + pd.Timedelta(days=days), received)
    for sex in ("female", "female", "male"):
        add(sex, None, pd.Timestamp("2024-06-01"))
    # before the window: not a completed wait of the window
    add("female", pd.Timestamp("2023-06-20"), pd.Timestamp("2023-06-01"))
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "referrals.csv", index=False)
    return folder


def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval written out (Newcombe 1998, eq. for method 3)."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def _median_interval(values: list[int]) -> tuple[float, float]:
    """The order statistics x(k), x(n-k+1) with the largest k whose binomial tail is ≤ 2.5 %."""
    n = len(values)
    k = max(j for j in range(1, n // 2 + 1) if binom.cdf(j - 1, n, 0.5) <= 0.025)
    ordered = sorted(values)
    return float(ordered[k - 1]), float(ordered[n - k])


def _rows(table_html: str) -> list[list[str]]:
    """The body rows of an HTML table as the texts of their cells."""
    body = table_html.split("<tbody>", 1)[1]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell))
            for cell in re.findall(r"<td[^>]*>.*?</td>", tr)
        ]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


def _downloaded(link_html: str) -> bytes:
    """The tables (Excel) in the zip a page's download link carries (a data address)."""
    match = re.search(r'href="data:application/zip;base64,([A-Za-z0-9+/=]+)"', link_html)
    assert match is not None, link_html[:300]
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(match.group(1)))) as archive:
        return archive.read("tables.xlsx")


def _row(table_html: str, group: str) -> list[str]:
    (found,) = [r for r in _rows(table_html) if r[0] == group]
    return found


def _use(app: Any, unit: Any, name: str = "test") -> None:
    """Put ``unit`` in the page as an uploaded unit (what UnitSource does after an upload)."""
    app.source.uploaded = (name, unit)
    app._relabel()
    app.source.choice.value = "__upload__"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from toolkit.io import load_unit

    return load_unit(_write_unit(tmp_path_factory.mktemp("who") / "enhet"), extract_date=EXTRACT)


@pytest.fixture
def app(synthetic: Any) -> Any:
    from toolkit.widgets.who import WhoApp

    page = WhoApp(lang="en")
    _use(page, synthetic)
    page.grouping.value = "sex"
    page.stage.value = "first_assessment"
    page.share.value = False
    assert page.error.value == ""
    return page


def test_table_cells_equal_numpy_median_and_handworked_wilson(app: Any) -> None:
    girls = _row(app.table_html.value, "girls")
    n = len(GIRLS_DAYS)
    within = sum(d <= TARGET_DAYS for d in GIRLS_DAYS)
    assert (n, within) == (9, 5)
    median = float(np.median(GIRLS_DAYS))  # 25 days
    low, high = _median_interval(GIRLS_DAYS)  # Conover: x(2), x(8) of 9 = 10, 50 days
    assert (low, high) == (10.0, 50.0)
    share_low, share_high = _wilson(within, n)  # 5/9: 0.2667–0.8113
    assert girls[1] == "9"
    assert (
        girls[2]
        == f"{format_number(median, 'en')} ({format_number(low, 'en')}–{format_number(high, 'en')})"
    )
    assert girls[2] == "25 (10–50)"
    assert girls[3] == (
        f"{format_percent(within / n, 'en')} "
        f"({format_percent(share_low, 'en')}–{format_percent(share_high, 'en')})"
    )
    assert girls[3] == "56 % (27 %–81 %)"
    assert girls[4] == "2"  # waiting at the window's end
    boys = _row(app.table_html.value, "boys")
    assert boys[1:3] == ["2", f"{format_number(np.median(BOYS_DAYS), 'en')} (7–45)"]
    assert boys[4] == "1"
    # the window and the target are in the page
    assert "2024-01-01–2024-06-30" in app.figures.value
    assert "30 days" in app.figures.value


def test_whole_unit_line_counts_every_completed_wait(app: Any) -> None:
    waits = GIRLS_DAYS + BOYS_DAYS
    overall = re.search(r"class='tk-who-overall'>([^<]*)<", app.figures.value)
    assert overall is not None
    text = html.unescape(overall.group(1))
    within = sum(d <= TARGET_DAYS for d in waits)
    assert format_percent(within / len(waits), "en") in text  # 6/11
    assert f"median wait {format_number(np.median(waits), 'en')} days" in text
    assert f"{len(waits)} completed waits" in text


def test_share_mode_hides_a_small_group(app: Any) -> None:
    app.share.value = True
    assert app.source.material.share.value  # the meeting material follows the page
    boys = _row(app.table_html.value, "boys")
    # 2 completed waits round to 0 (a multiple of 5, toolkit.disclosure) and read <5;
    # the median and share resting on them are not shown, nor is 1 waiting
    assert boys[1:] == ["<5", "<5", "<5", "<5"]
    assert "45" not in "".join(boys)
    girls = _row(app.table_html.value, "girls")
    assert girls[1] == "10"  # 9 rounded to the nearest 5
    assert girls[2] == "25 (10–50)"  # 9 ≥ 5 completed: shown
    notes = html.unescape(app.notes.value)
    assert "boys: median and share hidden, fewer than 5 completed waits in the window." in notes
    assert "girls:" not in notes
    assert "share mode" in notes.lower()
    # the chart draws only the groups shown, with the table's numbers
    groups = app.chart.spec["datasets"]["groups"]
    assert [g["group"] for g in groups] == ["girls"]
    assert groups[0]["value"] == pytest.approx(5 / 9)
    assert (groups[0]["low"], groups[0]["high"]) == pytest.approx(_wilson(5, 9))


#: Waits to the first assessment for the threshold test: 7 girls (rounded: 5), 12 boys (10).
THRESHOLD_GIRLS_DAYS = [3, 8, 14, 22, 29, 35, 48]
THRESHOLD_BOYS_DAYS = [4, 6, 9, 12, 18, 24, 31, 33, 40, 45, 52, 60]


def _rounded(count: int) -> int:
    """Share mode's rounding to the nearest multiple of 5, halves up (docs/disclosure.md)."""
    return 5 * math.floor(count / 5 + 0.5)


def test_the_threshold_box_decides_which_groups_are_hidden(tmp_path: Path) -> None:
    """Threshold 10 hides a group of 7 completed waits (rounded 5) everywhere; 5 shows it."""
    from toolkit.io import load_unit
    from toolkit.widgets.who import WhoApp

    received = pd.Timestamp("2024-02-01")
    waits = [("female", d) for d in THRESHOLD_GIRLS_DAYS] + [
        ("male", d) for d in THRESHOLD_BOYS_DAYS
    ]
    folder = tmp_path / "troskel"
    folder.mkdir()
    pd.DataFrame(
        {
            "referral_id": [f"R{i:03d}" for i in range(len(waits))],
            "received": received.date().isoformat(),
            "first_assessment": [
                (received + pd.Timedelta(days=d)).date().isoformat() for _, d in waits
            ],
            "sex": [sex for sex, _ in waits],
        }
    ).to_csv(folder / "referrals.csv", index=False)
    page = WhoApp(lang="en")
    assert page.threshold.value == 5 and page.threshold.min == 2  # as the reports' threshold
    _use(page, load_unit(folder, extract_date=EXTRACT))
    page.grouping.value = "sex"
    page.stage.value = "first_assessment"
    page.measure.value = "share"
    assert page.threshold.disabled  # no effect without share mode: greyed out
    page.share.value = True
    assert not page.threshold.disabled
    girls_n, boys_n = len(THRESHOLD_GIRLS_DAYS), len(THRESHOLD_BOYS_DAYS)
    girls_in = sum(d <= TARGET_DAYS for d in THRESHOLD_GIRLS_DAYS)
    boys_in = sum(d <= TARGET_DAYS for d in THRESHOLD_BOYS_DAYS)
    assert (girls_n, girls_in, _rounded(girls_n)) == (7, 5, 5)
    assert (boys_n, boys_in, _rounded(boys_n)) == (12, 6, 10)
    boys_share = (
        f"{format_percent(boys_in / boys_n, 'en')} ("
        + "–".join(format_percent(v, "en") for v in _wilson(boys_in, boys_n))
        + ")"
    )
    boys_median = float(np.median(THRESHOLD_BOYS_DAYS))  # (24 + 31) / 2 = 27.5
    low, high = _median_interval(THRESHOLD_BOYS_DAYS)
    boys_median_text = (
        f"{format_number(boys_median, 'en')} "
        f"({format_number(low, 'en')}–{format_number(high, 'en')})"
    )

    page.threshold.value = 10
    assert page.error.value == ""
    # 7 completed round to 5 < 10: every cell of the group reads <10 (0 waiting now too)
    assert _row(page.table_html.value, "girls")[1:] == ["<10", "<10", "<10", "<10"]
    boys = _row(page.table_html.value, "boys")
    assert boys[1:4] == [str(_rounded(boys_n)), boys_median_text, boys_share]
    assert boys[4] == "<10"
    notes = html.unescape(page.notes.value)
    assert "girls: median and share hidden, fewer than 10 completed waits in the window." in notes
    assert "reads <10" in notes and "reads <5" not in notes
    groups = page.chart.spec["datasets"]["groups"]
    assert [g["group"] for g in groups] == ["boys"]
    assert groups[0]["value"] == pytest.approx(boys_in / boys_n)
    # the meeting material follows the page: its tables read <10 for small counts, never <5
    page.source.material.button.click()
    assert page.error.value == ""
    book = openpyxl.load_workbook(io.BytesIO(_downloaded(page.source.material.link.value)))
    cells = {c for sheet in book.worksheets for row in sheet.iter_rows() for c in row}
    texts = {str(c.value) for c in cells if c.value is not None}
    assert "<10" in texts and "<5" not in texts

    page.threshold.value = 5
    girls = _row(page.table_html.value, "girls")
    girls_median = float(np.median(THRESHOLD_GIRLS_DAYS))  # 22 days
    low, high = _median_interval(THRESHOLD_GIRLS_DAYS)  # Conover: x(1), x(7) of 7 = 3, 48
    assert (low, high) == (3.0, 48.0)
    assert girls[1:3] == [
        str(_rounded(girls_n)),
        f"{format_number(girls_median, 'en')} (3–48)",
    ]
    assert girls[3] == (
        f"{format_percent(girls_in / girls_n, 'en')} ("
        + "–".join(format_percent(v, "en") for v in _wilson(girls_in, girls_n))
        + ")"
    )
    assert girls[4] == "<5"
    assert "girls:" not in html.unescape(page.notes.value)
    groups = {g["group"]: g for g in page.chart.spec["datasets"]["groups"]}
    assert list(groups) == ["girls", "boys"]
    assert groups["girls"]["value"] == pytest.approx(girls_in / girls_n)
    assert (groups["girls"]["low"], groups["girls"]["high"]) == pytest.approx(
        _wilson(girls_in, girls_n)
    )
    # the box's label in both languages
    assert page.threshold.description == "Share mode threshold (smallest count shown)"
    page.lang_switch.value = "sv"
    assert page.threshold.description == "Tröskel i delningsläge (minsta antal som visas)"


def test_chart_is_valid_vega_lite_with_the_unit_line_and_the_target(app: Any) -> None:
    from altair.vegalite.v6.schema.core import TopLevelLayerSpec

    app.measure.value = "median"
    spec = app.chart.spec
    TopLevelLayerSpec.validate(spec)  # the Vega-Lite schema Altair ships
    groups = {g["group"]: g for g in spec["datasets"]["groups"]}
    assert groups["girls"] == {"group": "girls", "value": 25.0, "low": 10.0, "high": 50.0}
    lines = [layer["encoding"]["x"]["datum"] for layer in spec["layer"] if "datum" in str(layer)]
    assert lines == [float(np.median(GIRLS_DAYS + BOYS_DAYS)), float(TARGET_DAYS)]
    assert "red line: the target, 30 days" in app.legend.value


def test_swedish_labels_follow_the_switch(app: Any) -> None:
    app.lang_switch.value = "sv"
    girls = _row(app.table_html.value, "flickor")
    assert girls[3] == "56 % (27 %–81 %)"
    # the header carries the report's break points between syllables (soft hyphens)
    header = app.table_html.value.replace("\u00ad", "").replace("\u200b", "")
    assert "Medianväntetid, dagar (95 % intervall)" in header
    assert "30 dagar" in app.figures.value


def test_a_stage_without_completed_waits_says_so(app: Any) -> None:
    app.stage.value = "deep_start"
    assert app.error.value == ""
    assert "No group has completed waits" in app.legend.value


def test_counts_only_unit_and_bad_upload_give_a_message_not_a_traceback(app: Any) -> None:
    app.source.choice.value = "endast_antal"
    assert "data per referral" in app.error.value
    app.source._uploaded({"new": [{"name": "referrals.csv", "content": b"x;y\n1;2\n"}]})
    assert app.error.value and "Traceback" not in app.error.value
    assert "referrals.csv" in html.unescape(app.error.value)


def test_every_row_equals_the_unit_reports_row() -> None:
    """The sample unit *balans*: each row of the page is the same row of the unit report."""
    from toolkit.manifest import read_manifest
    from toolkit.report import unit_report
    from toolkit.widgets.who import WhoApp

    entry = next(e for e in read_manifest(ROOT / "sample_data" / "units.yaml") if e.id == "balans")
    page = WhoApp(lang="sv")
    assert page.source.choice.value == "balans"
    for share in (False, True):
        report = unit_report(
            entry.path,
            lang="sv",
            target_profile=entry.target_profile,
            extract_date=entry.extract_date,
            period_start=entry.extra.get("period_start"),
            share=share,
            charts=False,
        )
        (section,) = [s for s in report.sections if s.key == "who"]
        (table,) = [b.content for b in section.blocks if b.kind == "table"]
        report_rows = _rows(table)
        page.share.value = share
        for by in ("priority", "question", "sex", "age_band"):
            page.grouping.value = by
            for stage in ("first_assessment", "deep_start"):
                page.stage.value = stage
                assert page.error.value == ""
                grouping, stage_label = (
                    t(f"equity.grouping.{by}", "sv"),
                    t(f"flow.stage.{stage}", "sv"),
                )
                expected = [
                    [r[1], *r[3:]] for r in report_rows if r[0] == grouping and r[2] == stage_label
                ]
                assert expected, (by, stage)
                assert _rows(page.table_html.value) == expected, (share, by, stage)


# --------------------------------------------------------------------------- browser


@pytest.mark.slow
def test_workbook_in_the_browser_shows_the_unit_reports_numbers(open_workbook: Any) -> None:
    from toolkit.manifest import read_manifest
    from toolkit.report import unit_report

    entry = next(e for e in read_manifest(ROOT / "sample_data" / "units.yaml") if e.id == "balans")
    report = unit_report(
        entry.path,
        lang="sv",
        target_profile=entry.target_profile,
        extract_date=entry.extract_date,
        period_start=entry.extra.get("period_start"),
        charts=False,
    )
    (section,) = [s for s in report.sections if s.key == "who"]
    (table,) = [b.content for b in section.blocks if b.kind == "table"]
    girls = t("equity.value.sex.female", "sv")
    (expected,) = [
        r
        for r in _rows(table)
        if r[0] == t("equity.grouping.sex", "sv")
        and r[1] == girls
        and r[2] == t("flow.stage.first_assessment", "sv")
    ]
    book = open_workbook("vem_vantar", ".tk-who-table table")
    book.select("tk-who-grouping", t("equity.grouping.sex", "sv"))
    row = book.page.locator(".tk-who-table tr", has_text=girls).first
    row.wait_for(timeout=30_000)
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells == [expected[1], *expected[3:]]
    # the median with its interval, e.g. "8 (7–10)": the unit report's number
    assert re.fullmatch(r"\d+ \(\d+–\d+\)", cells[2])
    book.page.locator(".tk-main-chart svg.marks").first.wait_for(timeout=30_000)
    book.assert_clean()


def test_a_unit_with_nothing_in_the_window_shows_an_empty_table(tmp_path: Path) -> None:
    """Every referral completed and closed long before the window: no group, no error."""
    from toolkit.io import load_unit
    from toolkit.widgets.who import WhoApp

    folder = tmp_path / "gammal"
    folder.mkdir()
    pd.DataFrame(
        {
            "referral_id": ["R1", "R2"],
            "received": ["2020-01-02", "2020-01-03"],
            "first_assessment": ["2020-01-20", "2020-01-21"],
            "sex": ["female", "male"],
        }
    ).to_csv(folder / "referrals.csv", index=False)
    page = WhoApp(lang="en")
    _use(page, load_unit(folder, extract_date=EXTRACT))
    page.grouping.value = "sex"
    assert page.error.value == ""
    assert _rows(page.table_html.value) == []
    assert "No group has completed waits" in page.legend.value
    # the unit report's section draws the same empty table (it used to stop on it)
    from toolkit.report import unit_report

    report = unit_report(folder, lang="en", extract_date=EXTRACT, charts=False)
    assert report.error is None
    (section,) = [s for s in report.sections if s.key == "who"]
    (table,) = [b.content for b in section.blocks if b.kind == "table"]
    assert _rows(table) == []


def test_text_from_an_upload_never_becomes_markup(tmp_path: Path) -> None:
    """A question outside the data dictionary is refused by the loader, not shown as a group.

    The groups the page names are the catalogue's labels only (the loader
    checks category values against toolkit/data/schema.yaml), and no HTML
    widget of the page carries the payload as markup.
    """
    from toolkit.io import load_unit
    from toolkit.widgets.who import WhoApp

    payload = "<img src=x onerror=alert(1)>"
    folder = _write_unit(tmp_path / "enhet")
    refs = pd.read_csv(folder / "referrals.csv", dtype=str)
    refs.loc[refs["sex"] == "male", "question"] = payload
    refs.to_csv(folder / "referrals.csv", index=False)
    page = WhoApp(lang="en")
    _use(page, load_unit(folder, extract_date=EXTRACT))
    page.grouping.value = "question"
    assert page.error.value == ""
    shown = [page.table_html.value, page.notes.value, page.figures.value, page.legend.value]
    assert all("<img" not in value for value in shown)
    assert [row[0] for row in _rows(page.table_html.value)] == ["ADHD"]
