"""Who waits (toolkit.equity and the report's section): figures per group, checked from the raw file.

Expected values come from outside the code under test: the referrals file read
here with plain pandas; Wilson's interval from Newcombe (1998), Table I; the
median's order-statistic interval from Conover (1999), sect. 3.2. The window
is the issue's stated one: the last 26 weeks to 2024-12-29, 2024-07-01–2024-12-29.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from toolkit import equity, report, unit_now
from toolkit.errors import ParameterError
from toolkit.i18n import t
from toolkit.io import load_unit

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
START, END = pd.Timestamp("2024-07-01"), pd.Timestamp("2024-12-29")


@pytest.fixture(scope="module")
def growing():
    return load_unit(SAMPLE / "vaxande_behov", extract_date="2024-12-29")


def _raw_first_waits(path: Path) -> pd.DataFrame:
    """First-assessment waits completed in the window, from the unit's Swedish CSV export itself.

    The file is cp1252 with semicolons and Swedish headers and values
    (sample_data/README.md); the few names used are translated here by hand.
    """
    refs = pd.read_csv(path / "remisser.csv", sep=";", encoding="cp1252")
    refs = refs.rename(
        columns={
            "inkommen": "received",
            "första_bedömning": "first_assessment",
            "kön": "sex",
            "juridiskt_kön": "sex",
        }
    )
    refs["priority"] = refs["prioritet"].map(
        {"akut": "urgent", "förtur": "high", "normal": "routine"}
    )
    refs["sex"] = refs["sex"].map({"flicka": "female", "pojke": "male"})
    for column in ("received", "first_assessment"):
        refs[column] = pd.to_datetime(refs[column])
    done = refs[(refs["first_assessment"] >= START) & (refs["first_assessment"] <= END)].copy()
    pvv = pd.to_numeric(done["pvv_dagar"], errors="coerce").fillna(0)
    done["wait"] = ((done["first_assessment"] - done["received"]).dt.days - pvv).clip(lower=0)
    return done


@pytest.mark.parametrize(
    ("within", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
    ],  # Newcombe 1998, Table I
)
def test_share_interval_is_wilsons(within, n, low, high):
    got = equity.share_interval(within, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_median_interval_is_the_order_statistics():
    # Conover 1999, sect. 3.2 (binomial n = 20, p = 1/2): the 6th and 15th order statistics.
    assert equity.median_interval([3 * x for x in range(1, 21)]) == (18.0, 45.0)


def test_groups_by_need_class_match_the_file(growing):
    table = equity.who_waits(growing, by="priority")
    first = table[table["stage"] == "first_assessment"].set_index("group")
    raw = _raw_first_waits(SAMPLE / "vaxande_behov")
    for group, rows in raw.groupby("priority"):
        assert first.loc[group, "completed"] == len(rows)
        assert first.loc[group, "median_wait_days"] == rows["wait"].median()
        assert first.loc[group, "share_within_target"] == pytest.approx((rows["wait"] <= 30).mean())
    # Routine patients wait longest: the unit short of capacity serves need first
    # (docs/sample_data.md); the intervals of routine and urgent do not overlap.
    assert first.loc["routine", "share_high"] < first.loc["urgent", "share_low"]


def test_groups_add_up_to_the_units_now_figures(growing):
    now = unit_now.now_figures(growing, lang="en")
    for by in equity.GROUPINGS:
        table = equity.who_waits(growing, by=by)
        for stage in ("first_assessment", "deep_start"):
            row = now.table[now.table["stage"] == stage].iloc[0]
            mine = table[table["stage"] == stage]
            assert mine["completed"].sum() == row["completed"], (by, stage)
            assert mine["waiting_now"].sum() == row["queue_size"], (by, stage)


def test_report_cell_shows_the_median_and_interval_from_the_file():
    computed = report.unit_report(SAMPLE / "vaxande_behov", lang="sv", extract_date="2024-12-29")
    section = next(s for s in computed.sections if s.key == "who")
    table = next(b.content for b in section.blocks if b.kind == "table")
    raw = _raw_first_waits(SAMPLE / "vaxande_behov")
    girls = raw[raw["sex"] == "female"]["wait"]
    low, high = equity.median_interval(girls)
    row = next(r for r in table.rows if r[1] == "flickor" and r[2] == "första bedömning")
    assert row[3] == str(len(girls))
    assert row[4] == f"{girls.median():.0f} ({low:.0f}–{high:.0f})"
    assert t("report.h.who_waits", "sv") == section.heading


def test_share_mode_rounds_counts_and_hides_small_groups():
    computed = report.unit_report(
        SAMPLE / "liten", lang="en", share=True, threshold=5, extract_date="2024-12-29"
    )
    section = next(s for s in computed.sections if s.key == "who")
    table = next(b.content for b in section.blocks if b.kind == "table")
    hidden = 0
    for row in table.rows:
        for cell in (row[3], row[6]):
            assert cell == "<5" or int(cell.replace(",", "")) % 5 == 0, row
        if row[3] == "<5":
            hidden += 1
            assert row[4] == row[5] == "<5", row
    assert hidden > 0  # the small unit has small groups, and they are hidden


def test_counts_only_unit_says_why_there_is_no_breakdown():
    unit = load_unit(SAMPLE / "endast_antal")
    with pytest.raises(ParameterError) as refused:
        equity.who_waits(unit, by="sex")
    assert refused.value.message("sv") == t("equity.needs_referrals", "sv")
    computed = report.unit_report(SAMPLE / "endast_antal", lang="sv")
    section = next(s for s in computed.sections if s.key == "who")
    assert [b.content for b in section.blocks] == [t("report.who.counts_only", "sv")]


def test_every_group_reads_as_words_not_identifiers(growing):
    for by in equity.GROUPINGS:
        groups = set(equity.who_waits(growing, by=by)["group"]) | {"unknown"}
        for lang in ("sv", "en"):
            labels = [equity.group_label(by, g, lang) for g in groups]
            assert all("_" not in label and label != "unknown" for label in labels), labels
