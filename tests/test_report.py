"""toolkit.report: the numbers a report shows equal those computed directly with the package.

Expected values come from other code paths of the package (flow.weekly_flow,
flow.stage_waits_days, flow.snapshot, io.UnitData.row_account) and from the
published formulas in docs/domain.md (target queue = demand × target wait / factor,
factor = −ln(1 − p) for "share p within T"), not from toolkit.report itself.
"""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from toolkit import flow, report
from toolkit.batch import check_parameters
from toolkit.i18n import t
from toolkit.io import load_unit
from toolkit.manifest import read_manifest
from toolkit.targets import load_profile

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "sample_data" / "units.yaml"
ENTRIES = {e.id: e for e in read_manifest(MANIFEST)}


class _Cells(HTMLParser):
    """Text of every <td> inside tables of class bup-table."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.in_td = False
        self.cells: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", report.TABLE_CLASS) in attrs:
            self.depth += 1
        if tag == "td" and self.depth:
            self.in_td = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        if tag == "td":
            self.in_td = False

    def handle_data(self, data):
        if self.in_td:
            self.cells[-1] += data


def table_cells(html: str) -> list[str]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


def build(unit_id: str, **kwargs) -> report.Report:
    e = ENTRIES[unit_id]
    return report.unit_report(
        e.path,
        lang=kwargs.pop("lang", e.language),
        unit_name=e.name,
        target_profile=e.target_profile,
        extract_date=e.extract_date,
        period_start=e.extra.get("period_start"),
        charts=kwargs.pop("charts", False),
        **kwargs,
    )


#: The figures for now cover the last 26 whole weeks up to the extract date (a Sunday in
#: the sample manifest): docs/balance.md.
WINDOW = ("2024-07-01", "2024-12-29")


@pytest.mark.parametrize("unit_id", sorted(ENTRIES))
def test_key_numbers_equal_the_flow_computed_directly(unit_id):
    e = ENTRIES[unit_id]
    r = build(unit_id)
    assert r.error is None
    assert (r.numbers["window_start"], r.numbers["window_end"]) == WINDOW
    assert r.numbers["window_weeks"] == 26
    unit = load_unit(e.path, extract_date=e.extract_date)
    weekly = flow.weekly_flow(unit, profile=e.target_profile, start=e.extra.get("period_start"))
    last = weekly[weekly["period"] == weekly["period"].max()].set_index("stage")
    assert r.numbers["waiting_first"] == last.loc["first_assessment", "waiting_end"]
    assert r.numbers["waiting_deep"] == last.loc["deep_start", "waiting_end"]
    first = weekly[weekly["stage"] == "first_assessment"]
    assert r.numbers["arrived"] == first["arrivals"].sum()
    # demand over the window: mean weekly arrivals less removals (weekly_flow, the window's rows)
    recent = first[first["period"] >= WINDOW[0]]
    assert len(recent) == 26
    assert r.numbers["demand_first"] == pytest.approx(
        (recent["arrivals"] - recent["removals"]).mean()
    )
    if unit.kind == "events":
        # snapshot counts the waiting from the referral table by another route
        snap = flow.snapshot(unit, load_profile(e.target_profile))
        assert r.numbers["waiting_first"] == snap["waiting_first"]
        assert r.numbers["waiting_deep"] == snap["waiting_deep"]
        # waits of those assessed in the window, from the referral table directly
        done = unit.referrals["first_assessment"]
        refs = unit.referrals[(done >= WINDOW[0]) & (done <= WINDOW[1])]
        waits = flow.stage_waits_days(refs, "received", "first_assessment")
        assert r.numbers["share_within_first"] == pytest.approx((waits <= 30).mean())
        assert r.numbers["median_wait_first_days"] == waits.median()


def test_target_queue_follows_the_published_formula():
    # docs/domain.md (NHSRwaitinglist, Fong et al. 2022): target queue = demand × target wait / factor, factor = −ln(1 − p).
    from toolkit import unit_now

    e = ENTRIES["balans"]
    unit = load_unit(e.path, extract_date=e.extract_date)
    weekly = flow.weekly_flow(unit, start=WINDOW[0], end=WINDOW[1])
    profile = load_profile("bup_30_30")
    queue = unit_now.now_figures(unit, profile=profile).table.set_index("stage")
    for stage in ("first_assessment", "deep_start"):
        target = profile.stages[stage]
        part = weekly[weekly["stage"] == stage]
        demand = (part["arrivals"] - part["removals"]).mean()
        assert queue.loc[stage, "demand_per_week"] == pytest.approx(demand)
        expected = demand * (target.target_days / 7) / -math.log(1 - target.share_within)
        assert queue.loc[stage, "target_queue_size"] == pytest.approx(expected)
        # the queue now is the last week's number waiting (weekly_flow, another code path)
        assert queue.loc[stage, "queue_size"] == part.iloc[-1]["waiting_end"]
        # capacity needed with cv 1 (the default assumption): demand + factor / target wait
        assert queue.loc[stage, "target_capacity_per_week"] == pytest.approx(
            demand - math.log(1 - target.share_within) / (target.target_days / 7)
        )


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_headings_in_both_languages(lang):
    r = build("balans", lang=lang)
    headings = [s.heading for s in r.sections]
    for key in (
        "summary",
        "about",
        "situation",
        "waits",
        "versus",
        "spc",
        "queue",
        "capacity",
        "quality",
    ):
        assert t(f"report.h.{key}", lang) in headings


def test_row_account_in_the_report_equals_the_loader():
    e = ENTRIES["liten"]
    r = build("liten", lang="en")
    account = load_unit(e.path, extract_date=e.extract_date, lang="en").row_account("en")
    cells = table_cells(r.to_html())
    for row in account.itertuples():
        # English groups thousands with a comma, as the report writes numbers
        assert f"{row.read:,}" in cells and f"{row.used:,}" in cells


def test_counts_only_unit_reports_littles_law_waits():
    r = build("endast_antal", lang="en")
    assert r.error is None and r.numbers["kind"] == "counts"
    assert math.isnan(r.numbers["share_within_first"])
    assert "Little's law" in html.unescape(r.to_html())


def test_share_mode_shows_no_count_from_1_to_4():
    r = build("liten", share=True, threshold=5)
    cells = table_cells(r.to_html())
    assert "<5" in cells  # something was hidden: the small unit has small weekly counts
    small = [c for c in cells if re.fullmatch(r"[1-4]", c.strip())]
    assert small == []


def test_html_table_rounds_counts_and_hides_small_ones():
    # share-mode rule (docs/disclosure.md): counts rounded to the nearest multiple of 5,
    # halves up; a rounded count below the threshold (0 included) reads "<5", and so does
    # a value resting on it
    tab = pd.DataFrame({"n": [0, 1, 4, 5, 12, 13], "wait": [None, 10.0, 11.0, 12.0, 13.0, 14.0]})
    cells = table_cells(
        report.html_table(tab, lang="en", counts=["n"], depends={"wait": "n"}, share=True)
    )
    assert cells == ["<5", "<5", "<5", "<5", "5", "11", "5", "12", "10", "13", "15", "14"]


def test_report_texts_are_escaped_where_inserted():
    payload = "<img src=x onerror=alert(1)> **bold** [x](javascript:alert(1))"
    r = report.Report(title=payload, lang="en")
    section = report.Section("s", payload)
    section.text(payload)
    section.text(f"- {payload}")
    r.sections.append(section)
    page = r.to_html()
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<strong>bold</strong>" in page  # the report's own bold still works
    assert 'href="' not in page


def test_missing_data_path_gives_a_message_not_a_traceback():
    r = report.unit_report("/no/such/folder", lang="en")
    assert r.error is not None and "does not exist" in r.error
    assert [s.key for s in r.sections] == ["error"]
    assert "could not be read" in r.to_html()


def test_no_data_in_the_period(tmp_path):
    (tmp_path / "referrals.csv").write_text(
        "referral_id,received,first_assessment\nA1,2024-01-08,2024-02-01\nA2,2024-01-09,\n"
    )
    r = report.unit_report(
        tmp_path, lang="en", extract_date="2024-12-01", period_start="2024-06-03"
    )
    assert r.error is not None and "no data in the report period" in r.error
    r = report.unit_report(
        tmp_path, lang="sv", extract_date="2024-12-01", period_start="2025-01-01"
    )
    assert r.error is not None and "efter uttagsdatumet" in r.error


def _capacity_section(r: report.Report) -> tuple[str, list[str]]:
    """The capacity section's note and its table's total row (7 cells)."""
    section = next(s for s in r.sections if s.key == "capacity")
    note = " ".join(b.content for b in section.blocks if b.kind == "text")
    table = next(b.content for b in section.blocks if b.kind == "table")
    return html.unescape(note), table_cells(table)[-7:]


def _number_en(cell: str) -> float:
    return float(cell.replace(",", ""))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_capacity_demand_uses_the_units_hours_per_episode(lang):
    # Demand = R × H1/N1 + R × p × (H2 + H3)/N2 (toolkit.capacity.hours_per_episode_from_visits,
    # with CAPA's p = 0.66), every part counted here with plain pandas from visits.csv.
    e = ENTRIES["balans"]
    r = build("balans", lang=lang)
    note, total = _capacity_section(r)
    window = (
        "senaste 26 veckorna" if lang == "sv" else "last 26 weeks"
    ) + ", 2024-07-01–2024-12-29"
    assert t("report.capacity_hours.visits", lang, window=window) in note
    v = pd.read_csv(e.path / "visits.csv", parse_dates=["date"])
    ok = v["status"] == "attended"
    inside = ok & v["date"].between(*WINDOW)
    hours = v["duration_min"] / 60 * v["mode"].map(lambda m: 2 / 6 if m == "group" else 1.0)
    h1 = hours[inside & (v["visit_type"] == "first_assessment")].sum()
    n1 = v.loc[inside & (v["visit_type"] == "first_assessment"), "referral_id"].nunique()
    deep = ok & v["visit_type"].isin(["assessment", "treatment"])
    began = v[deep].groupby("referral_id")["date"].min()
    n2 = began.between(*WINDOW).sum()
    h23 = hours[inside & (v["visit_type"] != "first_assessment")].sum()
    demand = r.numbers["demand_first"] * (h1 / n1 + 0.66 * h23 / n2)
    shown = _number_en(total[4]) if lang == "en" else float(total[4].replace(",", "."))
    assert shown == pytest.approx(demand, abs=0.051)


def test_capacity_demand_falls_back_to_capa_without_visits_covering_the_window(tmp_path):
    # Visits from 2024-09-01 only: they do not cover the window, so CAPA's hours per
    # episode: 1 + 0.66 × (0.4 × 12 + 0.6 × 7.5) = 7.138 h per accepted referral.
    e = ENTRIES["balans"]
    for name in ("referrals.csv", "staff.csv", "time_use.csv"):
        (tmp_path / name).write_bytes((e.path / name).read_bytes())
    v = pd.read_csv(e.path / "visits.csv")
    v[v["date"] >= "2024-09-01"].to_csv(tmp_path / "visits.csv", index=False)
    r = report.unit_report(
        tmp_path,
        lang="en",
        target_profile=e.target_profile,
        extract_date=e.extract_date,
        period_start=e.extra.get("period_start"),
        charts=False,
    )
    note, total = _capacity_section(r)
    window = "last 26 weeks, 2024-07-01–2024-12-29"
    assert t("report.capacity_hours.default", "en", window=window) in note
    expected = r.numbers["demand_first"] * (1 + 0.66 * (0.4 * 12 + 0.6 * 7.5))
    assert _number_en(total[4]) == pytest.approx(expected, abs=0.051)


def test_region_overview_has_one_row_per_unit():
    r = report.region_overview(MANIFEST, lang="en", charts=False)
    rows = r.numbers["units"]
    assert [u["id"] for u in rows] == list(ENTRIES)
    single = build("vaxande_behov")
    row = next(u for u in rows if u["id"] == "vaxande_behov")
    assert row["waiting_first"] == single.numbers["waiting_first"]
    assert row["in_balance"] == single.numbers["in_balance"]


def test_check_parameters_names_unknown_and_wrongly_typed():
    declared = {
        "threshold": {"inferred_type_name": "int"},
        "share": {"inferred_type_name": "bool"},
        "time_to_target_weeks": {"inferred_type_name": "float"},
    }
    assert check_parameters({"threshold": 3, "time_to_target_weeks": 20}, declared, lang="en") == []
    problems = check_parameters(
        {"treshold": 3, "share": "yes", "threshold": True}, declared, lang="en"
    )
    assert len(problems) == 3
    assert "treshold" in problems[0] and "share" in problems[1] and "threshold" in problems[2]


# --------------------------------------------------------------------------- capacity plan

PLAN = {
    "extract_date": "2024-12-29",
    "period_start": "2024-01-01",
    "added_fte": {"psychologist": 1.0},
    "freed_admin_share": 0.1,
    "share_group": 0.1,
    "priority_rule": "need",
    "months": 6,
    "replications": 100,
    "seed": 3,
}


@pytest.fixture(scope="module")
def plans() -> dict[str, report.Report]:
    return {
        lang: report.capacity_plan(
            ROOT / "sample_data" / "forsta_besok_forst", lang=lang, charts=lang == "en", **PLAN
        )
        for lang in ("sv", "en")
    }


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_capacity_plan_sections_in_both_languages(plans, lang):
    r = plans[lang]
    assert r.error is None
    keys = [
        "report.h.summary",
        "report.h.about",
        "report.plan.h.analytic",
        "report.plan.h.options",
        "report.plan.h.simulated",
    ]
    assert [s.heading for s in r.sections] == [t(k, lang) for k in keys]
    assert r.title == t("report.plan.title", lang, name="forsta_besok_forst")
    # one table per stage in the side-by-side section, each naming both scenarios
    side = r.sections[-1]
    tables = [b.content for b in side.blocks if b.kind == "table"]
    assert len(tables) == 2
    for name in ("report.plan.baseline", "report.plan.with_changes"):
        assert all(html.escape(t(name, lang)) in tab for tab in tables)
    if lang == "en":
        assert sum(b.kind == "svg" for b in side.blocks) == 1


def test_capacity_plan_target_capacity_equals_waitlist_directly(plans):
    unit = load_unit(ROOT / "sample_data" / "forsta_besok_forst", extract_date="2024-12-29")
    profile = load_profile("bup_30_30")
    analytic = plans["en"].numbers["analytic"].set_index("stage")
    weekly = flow.weekly_flow(unit, profile=profile, start=WINDOW[0], end=WINDOW[1])
    for stage in ("first_assessment", "deep_start"):
        target = profile.stages[stage]
        factor = -math.log(1 - target.share_within)  # NHSRwaitinglist: factor = −ln(1 − p)
        part = weekly[weekly["stage"] == stage]
        demand = (part["arrivals"] - part["removals"]).mean()
        weeks = target.target_days / 7
        # the published formula (Kingman/Marchal as in NHSRwaitinglist):
        # demand + (cv_a² + cv_s²) / 2 × factor / target wait, with cv_a = cv_s = 1 assumed
        kingman = demand + ((1.0**2 + 1.0**2) / 2) * factor / weeks
        assert analytic.loc[stage, "target_capacity_per_week"] == pytest.approx(kingman)


def test_capacity_plan_simulated_baseline_equals_compare(plans):
    from toolkit import simulate

    unit = load_unit(ROOT / "sample_data" / "forsta_besok_forst", extract_date="2024-12-29")
    baseline = simulate.calibrate(unit, profile=load_profile("bup_30_30"))
    weeks = round(PLAN["months"] * 4.35)
    direct = simulate.compare(
        [baseline], weeks, PLAN["replications"], PLAN["seed"], last_weeks=report.PLAN_LAST_WEEKS
    )
    got = plans["en"].numbers["simulated"]
    got = got[got["scenario"] == t("report.plan.baseline", "en")].reset_index(drop=True)
    columns = [c for c in direct.columns if c not in ("scenario", "stage", "need_class")]
    pd.testing.assert_frame_equal(got[columns], direct[columns])
    assert got["stage"].astype(str).tolist() == direct["stage"].astype(str).tolist()


def test_capacity_plan_bad_input_gives_a_message(tmp_path):
    missing = report.capacity_plan(tmp_path / "nowhere", lang="en", months=1, replications=10)
    assert missing.error and "Traceback" not in missing.error
    rule = report.capacity_plan(
        ROOT / "sample_data" / "balans", lang="en", priority_rule="random", replications=10
    )
    assert rule.error and "priority_rule" in rule.error and "fcfs" in rule.error
    fte = report.capacity_plan(
        ROOT / "sample_data" / "balans",
        lang="sv",
        extract_date="2024-12-29",
        added_fte={"wizard": 1.0},
        months=1,
        replications=10,
    )
    assert fte.error and "added_fte" in fte.error and "psychologist" in fte.error


# The capacity plan notebook runs as committed in tests/test_notebooks_as_committed.py.


def test_capacity_plan_says_whether_formula_and_simulation_agree_or_why_not(plans):
    # Issue: a formula beside a simulation agrees within the simulation's uncertainty, or
    # the page says which assumption breaks. The plan's simulation starts from today's
    # queue with seasons and holiday weeks, so the long-run formula (the weekly-slot
    # queue's exact mean, toolkit.queueing.weekly_mean_wait) is not expected to agree:
    # every stage and scenario carries formula_check's sentence for the shown numbers.
    from toolkit import queueing

    r = plans["en"]
    side = r.sections[-1]
    texts = [b.content for b in side.blocks if b.kind == "text"]
    analytic = r.numbers["analytic"].set_index("stage")
    sim = r.numbers["simulated"]
    sim = sim[sim["need_class"] == "all"].set_index(["scenario", "stage"])
    names = list(dict.fromkeys(sim.index.get_level_values(0)))
    for stage in ("first_assessment", "deep_start"):
        row = analytic.loc[stage]
        for name, cap_col in zip(
            names, ("capacity_per_week", "capacity_after_per_week"), strict=True
        ):
            check = queueing.formula_check(
                queueing.weekly_mean_wait(row["demand_per_week"], row[cap_col]),
                sim.loc[(name, stage), "wait_mean_weeks"],
                sim.loc[(name, stage), "wait_mean_weeks_se"],
                demand_per_week=row["demand_per_week"],
                capacity_per_week=row[cap_col],
                warm_up_weeks=r.numbers["weeks"] - report.PLAN_LAST_WEEKS,
                start_queue=row["queue_size"],
                calendar_effects=True,  # the sample plan's scenario: school year, holidays
            )
            assert check.reason != "agree"
            assert f"{name}: {check.message('en')}" in texts


def test_capacity_plan_notebook_default_name_is_its_default_units_name():
    """The parameters cell names the unit its default data is (issue 16: they differed)."""
    import ast

    import nbformat
    import yaml

    book = nbformat.read(ROOT / "notebooks" / "reports" / "capacity_plan.ipynb", as_version=4)
    cell = next(c for c in book.cells if "parameters" in c.metadata.get("tags", []))
    defaults = {
        node.target.id: ast.literal_eval(node.value)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value
    }
    manifest = yaml.safe_load((ROOT / "sample_data" / "units.yaml").read_text("utf-8"))
    names = {u["path"]: u["name"] for u in manifest["units"]}
    assert defaults["unit_name"] == names[Path(defaults["unit_path"]).name]
