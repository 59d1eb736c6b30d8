"""Share mode against an attacker: no hidden count can be worked out from a shared report.

A real ``reports --share`` run (papermill, the small sample unit and a larger
one) writes HTML and executed notebooks; an attacker written here, apart
from the report code, reads the tables back with ``html.parser`` and tries to
recover the true counts with the identities a reader knows:

* the weekly flow: waiting(t) = waiting(t − 1) + arrived − completed − removed;
* the row account: rows read = rows used + rows excluded;
* a total against its parts (staff headcount per category and in total);
* the number waiting now in the waits table = the last week's queue.

The attacker assumes in turn that each shown number is exact, or rounded to
within 2, or to within 4, and that "<5" means 0–4 or 1–4; it narrows every
cell by bounds propagation and by probing each remaining value (a value that
makes the identities impossible is struck out). A count is *recovered* when
the attacker is left with exactly one value and it is the true one, for a
cell whose shown text is not that value. The true counts come from
``toolkit.flow.weekly_flow``, the loader's row account and
``toolkit.capacity.staff_hours`` on the same data, not from the report code.

The same attacker run on the old rule (counts 1–4 hidden, every other count
shown as it is) recovers hidden counts, which shows that it would notice.
"""

from __future__ import annotations

import html
import itertools
import math
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import capacity, disclosure, flow, report
from toolkit.__main__ import main
from toolkit.i18n import t
from toolkit.io import load_unit
from toolkit.manifest import read_manifest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
ENTRIES = {e.id: e for e in read_manifest(SAMPLE / "units.yaml")}
UNITS = ("liten", "balans")
THRESHOLD = 5
LANG = "en"


# --------------------------------------------------------------------------- reading the page


class _Tables(HTMLParser):
    """Every table of a page: its header texts and rows of cell texts (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, list]] = []
        self.cell: list[str] | None = None
        self.row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"head": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None and self.tables:
            if self.tables[-1]["head"] or not self.row:
                self.tables[-1]["rows"].append(self.row)
            else:
                self.tables[-1]["head"] = self.row
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            # as read: without the soft hyphens and zero-width spaces that mark break points
            self.cell.append(data.replace("\u00ad", "").replace("\u200b", ""))


def tables(page: str) -> list[pd.DataFrame]:
    parser = _Tables()
    parser.feed(page)
    return [
        pd.DataFrame([r for r in tab["rows"] if r], columns=tab["head"])
        for tab in parser.tables
        if tab["head"]
    ]


def table_with(page: str, key: str) -> pd.DataFrame | None:
    header = t(key, LANG)
    return next((tab for tab in tables(page) if header in tab.columns), None)


def notebook_page(path: Path) -> str:
    """The HTML outputs of an executed notebook, joined."""
    nb = nbformat.read(str(path), as_version=4)
    return "\n".join(
        "".join(out.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        for out in cell.get("outputs", [])
    )


def number(text: str) -> int | None:
    """A shown count as an int, or None for a hidden one (``<5``) or a dash."""
    text = text.replace("\u00a0", "").replace(",", "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


# --------------------------------------------------------------------------- the attacker


def _narrow(dom: dict, equations: list[dict]) -> bool:
    """Bounds propagation on sum(coef * var) = 0 until nothing changes; False if impossible."""
    changed = True
    while changed:
        changed = False
        for eq in equations:
            for var, coef in eq.items():
                rest_lo = sum(min(c * dom[v][0], c * dom[v][1]) for v, c in eq.items() if v != var)
                rest_hi = sum(max(c * dom[v][0], c * dom[v][1]) for v, c in eq.items() if v != var)
                # coef * var = -(rest) lies in [-rest_hi, -rest_lo]
                bounds = sorted((-rest_hi / coef, -rest_lo / coef))
                lo = max(dom[var][0], math.ceil(bounds[0]))
                hi = min(dom[var][1], math.floor(bounds[1]))
                if lo > hi:
                    return False
                if (lo, hi) != dom[var]:
                    dom[var] = (lo, hi)
                    changed = True
    return True


def attack(domains: dict, equations: list[dict], targets: list) -> dict:
    """What the attacker can pin down: {variable: value} for targets left with one value."""
    dom = dict(domains)
    if not _narrow(dom, equations):
        return {}
    for var in targets:  # probing: strike out end values that make the system impossible
        for end in (0, 1):
            while dom[var][0] < dom[var][1]:
                value = dom[var][end]
                trial = dict(dom)
                trial[var] = (value, value)
                if _narrow(trial, equations):
                    break
                dom[var] = (dom[var][0] + 1, dom[var][1]) if end == 0 else (dom[var][0], value - 1)
                if not _narrow(dom, equations):
                    return {}
    return {v: dom[v][0] for v in targets if dom[v][0] == dom[v][1]}


# What the attacker assumes a shown number means, from the rule the page states
# (Kerckhoffs's principle, the usual assumption in disclosure control: the method is
# public): within `error` of the truth (one error for counts of a week, one for queues,
# which add up several roundings), and "<5" is 0–4 or 1–4.
ROUNDED = [
    *itertools.product([(e, e) for e in (2, 4, 8)], (0, 1)),
    ((4, 8), 0),  # the share-mode rule exactly: weekly counts ±4, queues ±8
]
EXACT = [((0, 0), 1), ((0, 0), 0)]  # the old rule: numbers shown are exact, 1–4 hidden


def cell_domain(text: str, error: int, hidden_low: int) -> tuple[int, int]:
    value = number(text)
    if value is None:
        return (hidden_low, THRESHOLD - 1)
    return (max(0, value - error), value + error)


def recovered(
    shown: dict, truth: dict, equations: list[dict], free: dict, models: list = ROUNDED
) -> list:
    """Cells whose true value the attacker pins down while the page does not show it.

    An attack counts under every assumption that holds for the true data (the true
    values lie in the attacker's ranges): what it pins down then is known, not guessed.
    An assumption the data break (say "every shown number is exact" on a rounded page)
    can still leave one value by chance, but the attacker has no way to tell it apart.
    """
    targets = [v for v in shown if number(shown[v]) != truth[v]]
    found = []
    for (count_error, queue_error), hidden_low in models:
        domains = {
            v: cell_domain(text, queue_error if _is_queue(v) else count_error, hidden_low)
            for v, text in shown.items()
        }
        if any(not lo <= truth[v] <= hi for v, (lo, hi) in domains.items()):
            continue  # the assumption does not hold for this page
        domains.update(free)
        pinned = attack(domains, equations, targets)
        found += [(v, shown[v], truth[v], count_error) for v, x in pinned.items() if x == truth[v]]
    return found


def _is_queue(var) -> bool:
    return isinstance(var, tuple) and var[-1] in ("waiting_end", "now")


# --------------------------------------------------------------------------- identities


def flow_attack(page: str, entry, models: list = ROUNDED) -> tuple[list, int]:
    """Attack the weekly table by the flow identity; returns (recovered cells, cells not shown)."""
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    weekly = flow.weekly_flow(unit, profile=entry.target_profile, start=entry.extra["period_start"])
    table = table_with(page, "report.col.waiting_end")
    waits = table_with(page, "report.col.waiting_now")
    col = {c: t(f"report.col.{c}", LANG) for c in ("period", "stage", "arrivals")}
    counts = ("arrivals", "completions", "removals", "waiting_end")
    found, not_shown = [], 0
    for stage in flow.FLOW_STAGES:
        rows = table[table[col["stage"]] == t(f"flow.stage.{stage}", LANG)]
        truth_rows = weekly[weekly["stage"] == stage].set_index("period")
        shown, truth, equations = {}, {}, []
        previous = (stage, "start")
        for number_of_week, (_, row) in enumerate(rows.iterrows()):
            period = pd.Timestamp(row[col["period"]])
            true = truth_rows.loc[period]
            for c in counts:
                shown[(stage, number_of_week, c)] = row[t(f"report.col.{c}", LANG)]
                truth[(stage, number_of_week, c)] = int(true[c])
            equations.append(
                {
                    (stage, number_of_week, "waiting_end"): 1,
                    previous: -1,
                    (stage, number_of_week, "arrivals"): -1,
                    (stage, number_of_week, "completions"): 1,
                    (stage, number_of_week, "removals"): 1,
                }
            )
            previous = (stage, number_of_week, "waiting_end")
        # the waits table's "waiting now" is the same queue as the last week's
        now = waits[waits.iloc[:, 0] == t(f"flow.stage.{stage}", LANG)]
        shown[(stage, "now")] = now[t("report.col.waiting_now", LANG)].iloc[0]
        truth[(stage, "now")] = int(truth_rows["waiting_end"].iloc[-1])
        equations.append({(stage, "now"): 1, previous: -1})
        free = {(stage, "start"): (0, 10**6)}
        found += recovered(shown, truth, equations, free, models)
        not_shown += sum(number(shown[v]) != truth[v] for v in shown)
    return found, not_shown


def account_attack(page: str, entry) -> tuple[list, int]:
    """Attack the row account by rows read = rows used + rows excluded."""
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    account = unit.row_account(LANG).set_index("file")
    table = table_with(page, "report.col.account_read")
    found, not_shown = [], 0
    for _, row in table.iterrows():
        file = row[t("report.col.account_file", LANG)]
        shown = {
            (file, c): row[t(f"report.col.account_{c}", LANG)] for c in ("read", "used", "excluded")
        }
        truth = {(file, c): int(account.loc[file, c]) for c in ("read", "used", "excluded")}
        eq = [{(file, "read"): 1, (file, "used"): -1, (file, "excluded"): -1}]
        found += recovered(shown, truth, eq, {})
        not_shown += sum(number(shown[v]) != truth[v] for v in shown)
    return found, not_shown


def headcount_attack(page: str, entry) -> tuple[list, int]:
    """Attack the staff headcounts by the total against its parts."""
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    hours = capacity.staff_hours(unit.staff, on=unit.extract_date)
    true = dict(zip(hours["staff_category"].astype(str), hours["headcount"], strict=True))
    table = table_with(page, "report.col.headcount")
    labels = (
        capacity.readable(pd.DataFrame({"staff_category": [*true, "total"]}), LANG)
        .iloc[:, 0]
        .tolist()
    )
    names = dict(zip(labels, [*true, "total"], strict=True))
    shown, truth = {}, {}
    for _, row in table.iterrows():
        category = names[row.iloc[0]]
        shown[category] = row[t("report.col.headcount", LANG)]
        truth[category] = int(sum(true.values())) if category == "total" else int(true[category])
    eq = [{**{c: 1 for c in shown if c != "total"}, "total": -1}]
    found = recovered(shown, truth, eq, {})
    return found, sum(number(shown[v]) != truth[v] for v in shown)


# --------------------------------------------------------------------------- the shared run


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("share")
    units = [
        {
            "id": u,
            "name": ENTRIES[u].name,
            "path": str(ENTRIES[u].path),
            "language": LANG,
            "extract_date": ENTRIES[u].extract_date.isoformat(),
            "period_start": ENTRIES[u].extra["period_start"],
        }
        for u in UNITS
    ]
    manifest = folder / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": units}), encoding="utf-8")
    out = folder / "out"
    args = ["--lang", LANG, "reports", str(manifest), "--out", str(out), "--share"]
    assert main([*args, "--workers", "2", "--data-root", str(SAMPLE)]) == 0
    return out


def _pages(out: Path, unit: str) -> dict[str, str]:
    return {
        "html": (out / "units" / f"{unit}.html").read_text(encoding="utf-8"),
        "notebook": notebook_page(out / "units" / f"{unit}.ipynb"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("source", ["html", "notebook"])
def test_no_hidden_count_can_be_recovered_from_a_shared_report(shared, unit, source):
    page = _pages(shared, unit)[source]
    entry = ENTRIES[unit]
    results = [flow_attack(page, entry), account_attack(page, entry)]
    if load_unit(entry.path, extract_date=entry.extract_date).has("staff"):
        results.append(headcount_attack(page, entry))
    found = [f for r in results for f in r[0]]
    not_shown = sum(r[1] for r in results)
    assert not_shown > 0  # the page does hide counts, so the attack had something to find
    assert found == []


@pytest.mark.slow
def test_the_small_units_page_hides_counts_and_shows_no_spc_of_small_counts(shared):
    page = _pages(shared, "liten")["html"]
    assert "&lt;5" in page
    assert t("report.spc_share_hidden", LANG, measure=t("report.measure.arrivals", LANG)) in (
        page.replace("&#x27;", "'")
    )


@pytest.mark.slow
def test_the_region_overview_shows_the_unit_reports_rounded_queues(shared):
    # the overview shows no other figure for a queue than the unit's own shared report
    page = (shared / "region_overview.html").read_text(encoding="utf-8")
    table = table_with(page, "report.col.region_waiting_first")
    assert len(table) == len(UNITS)
    for unit, (_, row) in zip(UNITS, table.iterrows(), strict=True):
        waits = table_with(_pages(shared, unit)["html"], "report.col.waiting_now")
        shown = waits[t("report.col.waiting_now", LANG)].tolist()
        for key, in_unit in zip(
            ("region_waiting_first", "region_waiting_deep"), shown, strict=True
        ):
            text = row[t(f"report.col.{key}", LANG)]
            assert text == in_unit
            assert number(text) is None or number(text) % disclosure.ROUNDING_BASE == 0


def test_the_attacker_recovers_counts_from_plain_suppression():
    # The old rule: 1–4 hidden, everything else shown as it is. The attacker must find
    # hidden counts there, or its silence above would prove nothing.
    entry = ENTRIES["liten"]
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    weekly = flow.weekly_flow(unit, profile=entry.target_profile, start=entry.extra["period_start"])
    recent = weekly[weekly["period"] >= weekly["period"].max() - pd.Timedelta(weeks=11)]
    shown = recent[["period", "stage", "arrivals", "completions", "removals", "waiting_end"]].copy()
    shown["stage"] = [t(f"flow.stage.{s}", LANG) for s in shown["stage"]]
    waits = pd.DataFrame(
        {
            "stage": [t(f"flow.stage.{s}", LANG) for s in flow.FLOW_STAGES],
            "waiting_now": [
                int(weekly[weekly["stage"] == s]["waiting_end"].iloc[-1]) for s in flow.FLOW_STAGES
            ],
        }
    )

    def plain(table):
        out = table.copy()
        for c in ("arrivals", "completions", "removals", "waiting_end", "waiting_now"):
            if c in out.columns:
                out[c] = [f"<{THRESHOLD}" if 0 < v < THRESHOLD else str(v) for v in out[c]]
        labels = {c: t(f"report.col.{c}", LANG) for c in out.columns}
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
            for r in out.to_numpy()
        )
        head = "".join(f"<th>{html.escape(labels[c])}</th>" for c in out.columns)
        return f"<table><tr>{head}</tr>{body}</table>"

    page = plain(shown) + plain(waits)
    found, not_shown = flow_attack(page, entry, EXACT)
    assert not_shown > 0
    assert len(found) >= 5, found  # 27 of 38 when this was written (docs/disclosure.md)


def test_share_mode_chart_data_are_rounded_counts(monkeypatch):
    # Every number a share-mode chart is drawn from is a count rounded to base 5 (or left
    # out), so a point's position or the centre line's label tells no more than the table.
    specs = []
    monkeypatch.setattr(
        report._html, "svg", lambda chart: specs.append(chart.to_dict()) or "<svg/>"
    )
    entry = ENTRIES["balans"]
    r = report.unit_report(
        entry.path,
        lang=LANG,
        extract_date=entry.extract_date,
        period_start=entry.extra["period_start"],
        share=True,
    )
    assert r.error is None and len(specs) >= 3
    values = [
        row["value"]
        for spec in specs
        for rows in spec.get("datasets", {}).values()
        for row in rows
        if isinstance(row, dict) and isinstance(row.get("value"), int | float)
    ]
    values = np.array([v for v in values if not math.isnan(v)])
    assert len(values) > 100
    assert (values % disclosure.ROUNDING_BASE == 0).all()


def test_region_overview_hides_waits_resting_on_few_patients(tmp_path):
    # A unit whose now window (the last 26 weeks, toolkit.unit_now) holds only 3 completed
    # first assessments: the region overview must show their median and share in a plain
    # report and must not in a shared one. Made from the small sample unit by keeping
    # 3 of the window's first assessments (the others are still waiting).
    entry = ENTRIES["liten"]
    folder = tmp_path / "few"
    shutil.copytree(entry.path, folder)
    refs = pd.read_csv(folder / "referrals.csv", dtype=str, keep_default_na=False)
    window_start = pd.Timestamp("2024-12-29") - pd.Timedelta(weeks=26)
    done = pd.to_datetime(refs["first_assessment"].replace("", None)) >= window_start
    drop = refs.index[done.to_numpy()][3:]
    for column in ("first_assessment", "decision", "decided", "deep_decision", "deep_start"):
        refs.loc[drop, column] = ""
    refs.loc[drop, "closed"] = ""
    refs.to_csv(folder / "referrals.csv", index=False)
    (folder / "visits.csv").unlink()  # visits of the dropped assessments would contradict them
    manifest = tmp_path / "units.yaml"
    manifest.write_text(
        yaml.safe_dump(
            {"units": [{"id": "few", "name": "Few", "path": "few", "extract_date": "2024-12-29"}]}
        ),
        encoding="utf-8",
    )
    plain = report.region_overview(manifest, lang=LANG, charts=False)
    shared = report.region_overview(manifest, lang=LANG, charts=False, share=True)
    for r, hidden in ((plain, False), (shared, True)):
        row = table_with(r.to_html(), "report.col.region_median_wait_first_days").iloc[0]
        for key in ("region_median_wait_first_days", "region_share_within_first"):
            assert (row[t(f"report.col.{key}", LANG)] == "–") is hidden, (key, hidden)


# --------------------------------------------------------------------------- the rounding itself


@st.composite
def flows(draw):
    """A random weekly flow of one stage that obeys the flow identity."""
    weeks = draw(st.integers(1, 30))
    start = draw(st.integers(0, 60))
    arrivals, completions, removals, ends = [], [], [], []
    waiting = start
    for _ in range(weeks):
        a = draw(st.integers(0, 12))
        c = draw(st.integers(0, waiting + a))
        r = draw(st.integers(0, waiting + a - c))
        waiting = waiting + a - c - r
        arrivals.append(a), completions.append(c), removals.append(r), ends.append(waiting)
    return pd.DataFrame(
        {
            "period": pd.date_range("2024-01-01", periods=weeks, freq="W-MON"),
            "stage": "first_assessment",
            "arrivals": arrivals,
            "completions": completions,
            "removals": removals,
            "waiting_start": [start, *ends[:-1]],
            "waiting_end": ends,
            "median_wait_days": 10.0,
        }
    )


@settings(max_examples=200, deadline=None)
@given(flows())
def test_round_flow_keeps_the_identity_and_stays_near_the_truth(weekly):
    shown = disclosure.round_flow(weekly)
    counts = ["arrivals", "completions", "removals", "waiting_start", "waiting_end"]
    assert (shown[counts] % disclosure.ROUNDING_BASE == 0).all().all()
    # the identity holds among the shown numbers: each queue is the first queue plus the
    # shown weekly balance so far, cut at 0 (a rounded start and rounded leavers can meet
    # below 0 when hardly anyone waits)
    net = (shown["arrivals"] - shown["completions"] - shown["removals"]).cumsum()
    uncut = shown["waiting_start"].iloc[0] + net
    assert (shown["waiting_end"] == uncut.clip(lower=0)).all()
    assert (shown["waiting_start"].iloc[1:].to_numpy() == shown["waiting_end"].iloc[:-1]).all()
    # a week's count is off by at most 2 + 2, a queue by at most 4 × 2 (one rounding each)
    for c in ("arrivals", "completions", "removals"):
        assert (abs(shown[c] - weekly[c]) <= 4).all()
    assert (abs(shown["waiting_end"] - weekly["waiting_end"]) <= 8).all()
    # weekly rates leave share mode; the true table is untouched
    assert shown["median_wait_days"].isna().all() and weekly["median_wait_days"].notna().all()
    # no shown count is a number from 1 to 4
    assert not shown[counts].isin([1, 2, 3, 4]).any().any()
