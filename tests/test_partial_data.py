"""Partial data: a unit with referrals only shows what can be computed and says what is missing.

The fixture is the small sample unit's referrals file alone (no visits, no
staff table, no time-use study), uploaded as a unit does. Every surface
must show the figures that referrals give (demand, activity, queues,
targets) equal to the unit report's, mark what needs the other tables as
unknown, and name each missing table with its file or sheet and what it
would add (``toolkit.missing``). The expected figures are the unit report's
cells (``toolkit.report.unit_report``, tested against hand-worked units in
``tests/test_report.py``) for the same file and the same last date.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from toolkit import report
from toolkit.i18n import t

ROOT = Path(__file__).resolve().parent.parent
REFERRALS = ROOT / "sample_data" / "liten" / "referrals.csv"
STAGES = {"first_assessment": "first", "deep_start": "deep"}
#: The files a referrals-only unit lacks, as the message must name them.
MISSING_FILES = {
    "sv": ("besök.csv", "personal.csv", "tidsanvändning.csv"),
    "en": ("visits.csv", "staff.csv", "time_use.csv"),
}


def _plain(value: str) -> str:
    return " ".join(html.unescape(re.sub("<[^>]+>", " ", value)).split())


@pytest.fixture(scope="module")
def referrals_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("endast_remisser")
    (folder / "referrals.csv").write_bytes(REFERRALS.read_bytes())
    return folder


def _upload(app: Any) -> None:
    app._guarded(app.source._load_files)(
        [{"name": "referrals.csv", "content": REFERRALS.read_bytes()}]
    )


def _report(folder: Path, lang: str) -> report.Report:
    from toolkit.io import load_unit
    from toolkit.widgets.base import last_date

    end = last_date(load_unit(folder))  # an upload's data end on their last date
    return report.unit_report(
        folder, lang=lang, unit_name="Endast remisser", extract_date=end, charts=False
    )


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_unit_report_says_what_is_missing(referrals_only: Path, lang: str) -> None:
    r = _report(referrals_only, lang)
    assert r.error is None
    summary = " ".join(b.content for b in r.sections[0].blocks)
    assert t("missing.heading", lang) in summary
    for name in MISSING_FILES[lang]:
        assert name in summary
    assert t("missing.table.referrals", lang) not in summary  # referrals are there
    assert not any(s.key == "error" for s in r.sections)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_demand_workbook_shows_what_referrals_give(referrals_only: Path, lang: str) -> None:
    from tests.test_now_surfaces import FIGURES, _report_figures
    from toolkit.widgets.demand import DemandCapacityApp

    app = DemandCapacityApp(lang)
    _upload(app)
    assert app.error.value == ""
    status = _plain(app.source.status.value)
    for name in MISSING_FILES[lang]:
        assert name in status
    shown = _report_figures(_report(referrals_only, lang), lang)
    page = app.figures.value
    for stage, short in STAGES.items():
        for column, key in FIGURES.items():
            m = re.search(rf"<td class='tk-{key.replace('_', '-')}-{short}'>(.*?)</td>", page)
            assert m, key
            assert html.unescape(m.group(1)) == shown[stage][column], (stage, key)
        # what needs staff is unknown, what referrals give is a number
        assert shown[stage]["capacity_per_week"] == "–"
        assert shown[stage]["demand_per_week"] != "–"
    # the projection runs from the activity and says that staffing is unknown
    assert t(
        "widgets.demand.projection_start_no_staff", lang, first_activity=1.0, deep_activity=1.0
    ).split("(")[0] in _plain(page)
    assert app.fte == {} and "tk-no-staff" in app.fte_box.children[0]._dom_classes
    assert app.admin.disabled  # the administration share acts on staff hours only
    # a control still works and says nothing wrong
    app.dna.value = 0.1
    assert app.error.value == ""


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_time_workbook_shows_the_queue_and_what_is_missing(lang: str) -> None:
    from toolkit.widgets.timeuse import TimeUseApp

    app = TimeUseApp(lang)
    _upload(app)
    assert app.error.value == ""
    status = _plain(app.source.status.value)
    for name in MISSING_FILES[lang][1:]:  # the page uses staff and the time-use study
        assert name in status
    page = _plain(app.figures.value)
    assert _plain(t("widgets.time.no_staff", lang)) in page
    assert app.chart.layout.display == "none" and app.freed.disabled


def test_time_workbook_without_a_study_uses_the_default_share() -> None:
    from toolkit.widgets.timeuse import TimeUseApp

    app = TimeUseApp("sv")
    app._guarded(app.source._load_files)(
        [
            {"name": name, "content": (REFERRALS.parent / name).read_bytes()}
            for name in ("referrals.csv", "staff.csv")
        ]
    )
    assert app.error.value == ""
    assert "tk-time-no-study" in app.figures.value and "75 %" in _plain(app.figures.value)
    assert app.chart.layout.display == "none"
    assert "tidsanvändning.csv" in _plain(app.source.status.value)
    assert "personal.csv" not in _plain(app.source.status.value)


def test_other_workbooks_name_what_they_lack() -> None:
    from toolkit.widgets.plan import PlanApp
    from toolkit.widgets.priority import PriorityApp
    from toolkit.widgets.spc import SpcApp

    priority = PriorityApp("sv")
    _upload(priority)
    assert priority.error.value == ""
    status = _plain(priority.source.status.value)
    assert "besök.csv" in status and "personal.csv" not in status  # the rules need no staff
    spc = SpcApp("sv")
    _upload(spc)
    assert spc.error.value == "" and "tk-missing" not in spc.source.status.value
    plan = PlanApp("sv")
    _upload(plan)  # a plan needs staff: refused, and the page says which file gives it
    assert plan.error.value != ""
    assert "personal.csv" in _plain(plan.source.status.value)


def test_a_complete_unit_lists_nothing_missing() -> None:
    from toolkit.widgets.demand import DemandCapacityApp

    app = DemandCapacityApp("sv")
    assert "tk-missing" not in app.source.status.value


# --------------------------------------------------------------------------- in Chromium


@pytest.mark.slow
@pytest.mark.parametrize(
    ("workbook", "ready", "shown"),
    [
        ("behov_och_kapacitet", ".tk-capacity-first", ".tk-demand-first"),
        ("vart_tar_tiden_vagen", ".tk-clinical-before", ".tk-time-no-staff"),
    ],
)
def test_referrals_only_upload_in_the_browser(
    open_workbook: Any, voila_url: str, referrals_only: Path, workbook: str, ready: str, shown: str
) -> None:
    """Upload the referrals alone: figures that referrals give, what is missing, no error."""
    import urllib.request

    from playwright.sync_api import expect

    from tests.conftest import AUTH

    url = f"{voila_url}voila/render/{workbook}.ipynb"
    with urllib.request.urlopen(urllib.request.Request(url, headers=AUTH), timeout=900):
        pass  # a cold server starts its kernels now
    book = open_workbook(workbook, ready)
    book.upload(referrals_only / "referrals.csv")
    missing = book.page.locator(".tk-missing").first
    expect(missing).to_be_visible(timeout=60_000)
    for name in MISSING_FILES["sv"][1:]:
        expect(missing).to_contain_text(name)
    expect(book.page.locator(shown).first).to_be_visible(timeout=60_000)
    expect(book.page.locator(".tk-error")).to_have_count(0)
    if workbook == "behov_och_kapacitet":
        r = _report(referrals_only, "sv")
        from tests.test_now_surfaces import _report_figures

        figures = _report_figures(r, "sv")
        book.expect_text(".tk-demand-first", figures["first_assessment"]["demand_per_week"])
        book.expect_text(".tk-capacity-first", "–")
        expect(book.page.locator(".tk-no-staff").first).to_be_visible()
    book.screenshot(f"{workbook}_endast_remisser")
    book.assert_clean()
