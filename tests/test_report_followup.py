"""The unit report's follow-up section: the table cells against an independent count.

Rendered with the in-process builder (``toolkit.report.unit_report``) on the
sample unit ``balans`` (extract date 2024-12-29): the plan is made on
2024-09-29 and followed over the 13 weeks 2024-W40–2024-W52.

Independent of the code under test:

* *visits booked*: counted here with pandas from ``sample_data/balans/visits.csv``
  (attended and not attended, per Monday–Sunday week; first assessments, and
  assessment, treatment and follow-up visits for stage 2);
* *slots planned*: recomputed here from the plan's inputs and forecast with
  the closed form of Kingman's rule as the NHS-R ``NHSRwaitinglist``
  ``calc_target_capacity`` writes it, capacity = demand + (cv_a² + cv_s²)/2 ×
  factor / target wait, with factor = −ln(1 − share within target) for an
  exponential wait (Fong et al. 2022), then ÷ (1 − no-show share) for slots
  to book (stage 2: × slots a visit takes × (1 + follow-up visits per course));
* *share mode*: base-5 rounding done here by hand (nearest multiple of 5,
  halves up; the NHS Digital HES and ONS rule).
"""

from __future__ import annotations

import dataclasses
import html
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit import production_plan as pp
from toolkit.i18n import t
from toolkit.io import load_unit
from toolkit.report import unit_report

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "sample_data" / "balans"
EXTRACT = "2024-12-29"
START = "2023-01-02"
ORIGIN = pd.Timestamp("2024-09-29")
WEEKS = pd.date_range("2024-09-30", periods=13, freq="W-MON")


def _tables(report_html: str) -> list[list[list[str]]]:
    """Every table of an HTML fragment as rows of cell texts as read (header first).

    Unescaped, and without the marks of where a header may break (soft
    hyphens, zero-width spaces: :func:`toolkit.report._html.break_points`).
    """

    def read(cell: str) -> str:
        return html.unescape(cell).replace("\u00ad", "").replace("\u200b", "")

    out = []
    for table in re.findall(r"<table.*?</table>", report_html, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        out.append([[read(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)] for r in rows])
    return out


def _section_html(report: object, key: str) -> str:
    from toolkit.report import block_html

    section = next(s for s in report.sections if s.key == key)  # type: ignore[attr-defined]
    return "\n".join(block_html(b) for b in section.blocks)


def _booked_by_hand() -> pd.DataFrame:
    visits = pd.read_csv(UNIT / "visits.csv", parse_dates=["date"])
    visits = visits[visits["status"].isin(["attended", "did_not_attend"])]
    monday = visits["date"] - pd.to_timedelta(visits["date"].dt.day_of_week, unit="D")
    stage = np.where(visits["visit_type"] == "first_assessment", "first", "deep")
    counts = pd.crosstab(monday, stage)
    return counts.reindex(WEEKS, fill_value=0)


def _planned_by_hand() -> dict[str, np.ndarray]:
    unit = load_unit(UNIT, extract_date=EXTRACT)
    basis = pp.plan_basis(
        dataclasses.replace(unit, extract_date=ORIGIN), horizon_weeks=13, history_start=START
    )
    inp = basis.inputs
    referrals = basis.forecast.future["forecast"].to_numpy(dtype=float)
    assert basis.forecast.future["week_start"].tolist() == list(WEEKS)
    out = {}
    first = inp.first_share * referrals
    demand = {"first": first, "deep": inp.deep_share * first}
    for key, stage in (("first", "first_assessment"), ("deep", "deep_start")):
        factor = -math.log(1 - inp.share_within[stage])
        extra = (inp.cv_demand[stage] ** 2 + inp.cv_capacity[stage] ** 2) / 2
        mu = demand[key] + extra * factor / inp.target_wait_weeks[stage]
        per = 1.0 if key == "first" else inp.visit_cost * (1 + inp.follow_up_visits_per_course)
        out[key] = mu * per / (1 - inp.dna_rate)
    out["visit_cost"] = np.array([inp.visit_cost])
    return out


def _number(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(",", "").replace("−", "-"))


@pytest.fixture(scope="module")
def report_en() -> object:
    return unit_report(UNIT, lang="en", extract_date=EXTRACT, period_start=START, charts=False)


def test_weekly_cells_equal_an_independent_count(report_en: object) -> None:
    assert report_en.error is None  # type: ignore[attr-defined]
    page = _section_html(report_en, "followup")
    assert "up to 2024-09-29" in page and "2024-09-30–2024-12-29" in page
    weekly = _tables(page)[0]
    head = weekly[0]
    assert head[:6] == [
        "Week", "Stage", "Slots planned", "Visits booked", "Slots booked", "Difference (slots)",
    ]  # fmt: skip
    booked = _booked_by_hand()
    planned = _planned_by_hand()
    c = float(planned["visit_cost"][0])
    rows = weekly[1:]
    assert len(rows) == 26
    for stage, key, name in (
        ("first", "first", "First assessment"),
        ("deep", "deep", "Start of in-depth assessment/treatment"),
    ):
        part = [r for r in rows if r[1] == name]
        assert [r[0] for r in part] == [f"2024-W{w}" for w in range(40, 53)]
        got_booked = [int(_number(r[3])) for r in part]
        assert got_booked == booked[stage].tolist()
        got_planned = [_number(r[2]) for r in part]
        assert got_planned == pytest.approx(np.round(planned[key], 1).tolist(), abs=0.051)
        slots = booked[stage].to_numpy() * (1.0 if key == "first" else c)
        assert [_number(r[4]) for r in part] == pytest.approx(np.round(slots, 1), abs=0.051)
        assert [_number(r[5]) for r in part] == pytest.approx(
            np.round(slots - planned[key], 1), abs=0.051
        )


def test_summary_and_wait_change_follow_littles_law(report_en: object) -> None:
    """The last week's change in wait = −(cumulative gap in patients) / the plan's patients a week."""
    page = _section_html(report_en, "followup")
    rows = _tables(page)[0][1:]
    booked = _booked_by_hand()
    planned = _planned_by_hand()
    first_gap = booked["first"].to_numpy() - planned["first"]  # slots = patients ÷ (1 − p)
    expected = -first_gap.sum() / planned["first"].mean()
    last = [r for r in rows if r[1] == "First assessment"][-1]
    assert _number(last[6]) == pytest.approx(expected, abs=0.006)
    total = int(booked["first"].sum())
    assert f"{total} booked" in page


def test_kind_and_category_tables_add_up(report_en: object) -> None:
    page = _section_html(report_en, "followup")
    _weekly, kinds, cats = _tables(page)[:3]
    booked = _booked_by_hand()
    by_kind = {r[0]: _number(r[2]) for r in kinds[1:]}
    assert by_kind["First assessment"] == booked["first"].sum()
    deep_kinds = [
        "Start of in-depth assessment",
        "Start of treatment",
        "Further visits (follow-ups)",
    ]
    assert sum(by_kind[k] for k in deep_kinds) == booked["deep"].sum()
    assert sum(_number(r[2]) for r in cats[1:]) == booked.to_numpy().sum()
    planned = _planned_by_hand()
    total_planned = planned["first"].sum() + planned["deep"].sum()
    assert sum(_number(r[1]) for r in kinds[1:]) == pytest.approx(total_planned, abs=0.3)
    assert sum(_number(r[1]) for r in cats[1:]) == pytest.approx(total_planned, abs=0.3)


def test_share_mode_rounds_the_counts_and_hides_the_weekly_wait() -> None:
    report = unit_report(
        UNIT, lang="sv", extract_date=EXTRACT, period_start=START, charts=False, share=True
    )
    page = _section_html(report, "followup")
    weekly, kinds = _tables(page)[:2]
    head = weekly[0]
    assert t("followup.col.wait_change_weeks", "sv") not in head
    col = head.index(t("followup.col.booked", "sv"))
    cells = [r[col] for r in weekly[1:]]
    assert all(c == "<5" or int(_number(c)) % 5 == 0 for c in cells)
    # the weeks of first assessments add up to the rounded total of the kind (controlled rounding)
    booked = _booked_by_hand()
    total = int(booked["first"].sum())
    rounded_total = 5 * math.floor(total / 5 + 0.5)
    first = [
        int(_number(r[col]))
        for r in weekly[1:]
        if r[1] == t("plan.stage.first_assessment", "sv") and r[col] != "<5"
    ]
    assert sum(first) == rounded_total
    assert _number(kinds[1][2]) == rounded_total
    assert t("report.followup.share_note", "sv", threshold=5) in html.unescape(page)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_unit_without_a_plan_is_told_how_to_make_one(lang: str) -> None:
    report = unit_report(
        ROOT / "sample_data" / "endast_antal", lang=lang, extract_date=EXTRACT, charts=False
    )
    assert report.error is None
    page = html.unescape(_section_html(report, "followup"))
    assert t("report.followup.how_to_plan", lang) in page
    assert "produktionsplan.ipynb" in page
    assert report.numbers["followup"] is None


def test_pdsa_changes_are_listed_escaped_and_drawn(tmp_path: Path) -> None:
    log = tmp_path / "pdsa.csv"
    log.write_text(
        "cycle_id;unit;title;measure;start_date;format_version\n"
        "P1;balans;<b>Fler nybesök</b>;;2024-11-06;1\n"
        "P2;balans;Före fönstret;;2024-03-04;1\n",
        encoding="utf-8",
    )
    report = unit_report(
        UNIT, lang="sv", extract_date=EXTRACT, period_start=START, charts=True, pdsa_log=log
    )
    assert report.error is None
    page = _section_html(report, "followup")
    assert "<b>Fler" not in page and "&lt;b&gt;Fler nybesök&lt;/b&gt;" in page
    weekly = _tables(page)[0]
    col = weekly[0].index(t("followup.col.changes", "sv"))
    marked = {r[0] for r in weekly[1:] if r[col]}
    assert marked == {"2024-v45"}  # Wednesday 6 November 2024 is in ISO week 45
    assert "Före fönstret" not in page
    assert page.count("<svg") == 2  # one XmR chart per stage
    assert "P1: " in page  # the change drawn on the chart (its label in the SVG)


def test_booked_by_kind_by_hand() -> None:
    """Referral R1: in-depth assessment on 2 and 9 Sep, a follow-up on 10 Sep; R2: treatment on
    3 Sep (did not attend) and 11 Sep; R3: a first assessment on 4 Sep and a cancelled treatment.
    Starts: R1's first assessment visit (week of 1 Sep), R2's first treatment visit (week of
    1 Sep); further visits: R1's second assessment and follow-up, R2's second treatment (week of
    8 Sep); the cancelled visit does not count."""
    from toolkit.report_followup import booked_by_kind

    rows = [
        ("R1", "2025-09-02", "assessment", "psychologist", "attended"),
        ("R1", "2025-09-09", "assessment", "psychologist", "attended"),
        ("R1", "2025-09-10", "follow_up", "nurse", "attended"),
        ("R2", "2025-09-03", "treatment", "therapist", "did_not_attend"),
        ("R2", "2025-09-11", "treatment", "therapist", "attended"),
        ("R3", "2025-09-04", "first_assessment", "physician", "attended"),
        ("R3", "2025-09-05", "treatment", "therapist", "cancelled"),
    ]
    visits = pd.DataFrame(
        rows, columns=["referral_id", "date", "visit_type", "staff_category", "status"]
    )
    weeks = pd.date_range("2025-09-01", periods=2, freq="W-MON")
    got = booked_by_kind(visits, weeks)
    got = got[got["booked"] > 0].groupby(["week_start", "kind"])["booked"].sum()
    assert got.to_dict() == {
        (weeks[0], "first_assessment"): 1.0,
        (weeks[0], "in_depth_assessment"): 1.0,
        (weeks[0], "treatment_start"): 1.0,
        (weeks[1], "follow_up"): 3.0,
    }
