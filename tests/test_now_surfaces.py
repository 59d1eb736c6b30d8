"""One figure, one number: every sample unit through the report, the plan, the region and the workbook.

The figures are read where people read them: the cells of the unit report's
queue table (the HTML the builder returns), the capacity plan's analytic
table, the region overview's table, and the labels of the workbook *Behov och
kapacitet* at its defaults (in-process, through its app object). The test
compares these surfaces with each other, so it does not depend on the
sample data's numbers (another process may retune them); the numbers
themselves are checked against the formulas in test_unit_now.py and
test_waitlist.py.
"""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from toolkit import report
from toolkit.i18n import t
from toolkit.manifest import read_manifest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "sample_data" / "units.yaml"
ENTRIES = {e.id: e for e in read_manifest(MANIFEST)}
STAGES = {"first_assessment": "first", "deep_start": "deep"}
#: report column -> workbook row
FIGURES = {
    "demand_per_week": "demand",
    "capacity_per_week": "capacity",
    "activity_per_week": "activity",
    "queue_size": "queue",
    "load": "load",
    "target_queue_size": "target_queue",
    "target_capacity_per_week": "capacity_needed",
    "relief_capacity_per_week": "relief",
    "time_to_clear_weeks": "time_to_clear",
}


class _Table(HTMLParser):
    """Header texts and row cell texts of the first table in some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.head: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: str | None = None
        self._done = False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if self._done:
            return
        if tag == "th" and self._cell is not None:
            self.head.append(self._cell)
            self._cell = None
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(self._cell)
            self._cell = None
        if tag == "table":
            self._done = True

    def handle_data(self, data):
        if self._cell is not None:
            # as read: without the soft hyphens and zero-width spaces that mark break points
            self._cell += data.replace("\u00ad", "").replace("\u200b", "")


def _records(table_html: str) -> list[dict[str, str]]:
    parser = _Table()
    parser.feed(table_html)
    return [dict(zip(parser.head, row, strict=True)) for row in parser.rows if row]


def _section_table(r: report.Report, key: str, first_header: str) -> list[dict[str, str]]:
    section = next(s for s in r.sections if s.key == key)
    for block in section.blocks:
        if block.kind == "table":
            records = _records(block.content)
            if records and first_header in records[0]:
                return records
    raise AssertionError(f"no table with {first_header!r} in section {key}")


def _unit_report(unit_id: str, lang: str) -> report.Report:
    e = ENTRIES[unit_id]
    return report.unit_report(
        e.path,
        lang=lang,
        unit_name=e.name,
        target_profile=e.target_profile,
        extract_date=e.extract_date,
        period_start=e.extra.get("period_start"),
        charts=False,
    )


def _report_figures(r: report.Report, lang: str) -> dict[str, dict[str, str]]:
    """{stage: {report column: cell text}} from the report's queue table."""
    rows = _section_table(r, "queue", t("report.col.demand_per_week", lang))
    stage_col = t("report.col.stage", lang)
    out = {}
    for stage in STAGES:
        row = next(x for x in rows if x[stage_col] == t(f"flow.stage.{stage}", lang))
        out[stage] = {c: row[t(f"report.col.{c}", lang)] for c in FIGURES}
    return out


@pytest.fixture(scope="module")
def workbook():
    from toolkit.widgets.demand import DemandCapacityApp

    return {lang: DemandCapacityApp(lang) for lang in ("sv", "en")}


def _workbook_cells(app, unit_id: str) -> dict[str, dict[str, str]] | str:
    """The page's figure labels at its defaults, or the message it shows instead."""
    app.source.choice.value = unit_id
    if app.error.value:
        return html.unescape(re.sub("<[^>]+>", " ", app.error.value))
    page = app.figures.value
    out = {}
    for stage, short in STAGES.items():
        out[stage] = {}
        for column, key in FIGURES.items():
            cls = f"tk-{key.replace('_', '-')}-{short}"
            m = re.search(rf"<td class='{cls}'>(.*?)</td>", page)
            assert m, cls
            out[stage][column] = html.unescape(m.group(1))
    return out


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("unit_id", sorted(ENTRIES))
def test_report_and_workbook_show_the_same_figures(workbook, unit_id, lang):
    r = _unit_report(unit_id, lang)
    assert r.error is None
    shown = _report_figures(r, lang)
    page = _workbook_cells(workbook[lang], unit_id)
    if isinstance(page, str):
        # the workbook needs referrals and a staff table; it says so instead of showing numbers
        assert r.numbers["kind"] == "counts" or math.isnan(r.numbers["load_first"])
        key = "no_referrals" if r.numbers["kind"] == "counts" else "no_staff"
        assert " ".join(t(f"widgets.demand.{key}", lang).split()) in " ".join(page.split())
        return
    assert page == shown
    # the window and the variation are stated on both, in the same words
    about = _section_table(r, "about", t("report.col.item", lang))
    meta = {row[t("report.col.item", lang)]: row[t("report.col.value", lang)] for row in about}
    window = meta[t("now.window_label", lang)]
    variation = meta[t("now.variation_label", lang)]
    text = html.unescape(workbook[lang].figures.value)
    assert window in text and variation in text
    assert re.fullmatch(r"\D+ 26 \D+, \d{4}-\d\d-\d\d–\d{4}-\d\d-\d\d", window)
    # the balance verdict per stage is the same sentence
    queue = next(s for s in r.sections if s.key == "queue")
    verdicts = [b.content[2:] for b in queue.blocks if b.kind == "text" and b.content[:2] == "- "]
    for stage in STAGES:
        label = t(f"flow.stage.{stage}", lang)
        line = next(v for v in verdicts if v.startswith(label[:1].upper() + label[1:] + ":"))
        assert line in text


@pytest.mark.parametrize("unit_id", sorted(ENTRIES))
def test_capacity_plan_shows_the_report_figures(unit_id):
    lang = "en"
    e = ENTRIES[unit_id]
    shown = _report_figures(_unit_report(unit_id, lang), lang)
    plan = report.capacity_plan(
        e.path,
        lang=lang,
        target_profile=e.target_profile,
        extract_date=e.extract_date,
        period_start=e.extra.get("period_start"),
        replications=10,
        months=1,
        charts=False,
    )
    assert plan.error is None
    rows = _section_table(plan, "analytic", t("report.plan.col.demand_per_week", lang))
    for stage in STAGES:
        row = next(
            x for x in rows if x[t("report.plan.col.stage", lang)] == t(f"flow.stage.{stage}", lang)
        )
        for column in (
            "demand_per_week",
            "capacity_per_week",
            "activity_per_week",
            "load",
            "queue_size",
            "target_queue_size",
            "target_capacity_per_week",
            "relief_capacity_per_week",
        ):
            assert row[t(f"report.plan.col.{column}", lang)] == shown[stage][column], column


def _region_cells(row: dict[str, str], lang: str) -> list[tuple[str, str]]:
    """(text key, cell) for the region table's figure columns."""
    keys = ["demand_first", "waiting_first", "waiting_deep", "load_first", "load_deep"]
    return [(f"report.col.region_{k}", row[t(f"report.col.region_{k}", lang)]) for k in keys]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_region_overview_shows_the_report_figures_and_verdict(lang):
    region = report.region_overview(MANIFEST, lang=lang, charts=False)
    rows = _section_table(region, "measures", t("report.col.region_name", lang))
    by_name = {row[t("report.col.region_name", lang)]: row for row in rows}
    for unit_id, e in ENTRIES.items():
        r = _unit_report(unit_id, lang)
        shown = _report_figures(r, lang)
        col = {c[len("report.col.region_") :]: v for c, v in _region_cells(by_name[e.name], lang)}
        assert col["demand_first"] == shown["first_assessment"]["demand_per_week"]
        assert col["waiting_first"] == shown["first_assessment"]["queue_size"]
        assert col["waiting_deep"] == shown["deep_start"]["queue_size"]
        assert col["load_first"] == shown["first_assessment"]["load"]
        assert col["load_deep"] == shown["deep_start"]["load"]
        number = next(u for u in region.numbers["units"] if u["id"] == unit_id)
        assert number["in_balance"] == r.numbers["in_balance"]
        assert number["balance_failing"] == r.numbers["balance"]
        about = next(s for s in r.sections if s.key == "about")
        assert number["window"] in about.blocks[0].content
