"""Weekly units with a third stage, treatment, in the region overview: the latest week's row.

The units' files are written here with synthetic numbers (a queue that keeps
the identity waiting = previous waiting + arrived − completed − removed).
Expected cells: the file's latest treatment row as written, each share
within target worked out here from the file's counts with exact fractions,
rounded half up to a whole per cent as the national waiting-time statistics
publish it (SKR, *Väntetider i vården*). One figure, one number: the region
page's cells are also those of the unit's own report (its treatment table,
read from its HTML), and ``numbers`` of both hold the same figures. Share
mode (docs/disclosure.md): counts are multiples of 5 or read ``<5``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from tests.test_period_stages import _pct, _tables, _write
from toolkit.report import region_overview, unit_report

EXTRACT = "2024-07-29"
WEEKS = 30
#: The region's units in manifest order: (id, name, third stage?, offset of the numbers).
UNITS = [
    ("ost", "Östra & <Norra>", True, 0),
    ("mitt", "Mitten", False, 0),
    ("alby", "Alby", True, 3),
]
HEADING = {
    "sv": "Behandling (tredje steget), senaste veckan",
    "en": "Treatment (the third stage), latest week",
}
UNIT_HEADING = {"sv": "Behandling (tredje steget)", "en": "Treatment (the third stage)"}
TREATMENT_KEYS = (
    "arrivals_treatment",
    "completions_treatment",
    "removals_treatment",
    "waiting_end_treatment",
    "completed_within_target_treatment",
    "waiting_within_target_treatment",
    "share_completed_within_treatment_pct",
    "share_waiting_within_treatment_pct",
)


def _rows(third: bool, offset: int) -> list[tuple[object, ...]]:
    """30 weeks: two steady stages and (``third``) a treatment queue that moves.

    Period, stage, arrived, completed, removed, waiting, completed within
    target, waiting within target. In a two-stage file "behandling" is the
    in-depth stage (toolkit.io.stages).
    """
    rows: list[tuple[object, ...]] = []
    waiting = 30 + offset
    for i in range(WEEKS):
        day = (dt.date(2024, 1, 1) + dt.timedelta(weeks=i)).isoformat()
        rows.append((day, "första bedömning", 20, 19, 1, 40, 18, 30))
        if not third:
            rows.append((day, "behandling", 9, 8, 1, 40, 7, 30))
            continue
        rows.append((day, "utredning", 9, 8, 1, 40, 7, 30))
        arrived, completed, removed = 6 + (i * 7 + offset) % 5, 5 + (i * 3 + offset) % 4, i % 2
        waiting += arrived - completed - removed
        within = 2 if i == WEEKS - 1 else completed - 1 - i % 2
        rows.append(
            (day, "behandling", arrived, completed, removed, waiting, within, waiting - 8 - i % 3)
        )
    return rows


def _region(tmp_path: Path) -> Path:
    units = []
    for uid, name, third, offset in UNITS:
        _write(tmp_path / uid, _rows(third, offset))
        units.append({"id": uid, "name": name, "path": uid, "extract_date": EXTRACT})
    manifest = tmp_path / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": units}, allow_unicode=True), encoding="utf-8")
    return manifest


def _table(page: str, heading: str) -> list[list[str]]:
    [table] = [rows for h2, _, rows in _tables(page) if h2 == heading]
    return table


def _latest(third: bool, offset: int) -> tuple[object, ...]:
    return [r for r in _rows(third, offset) if r[1] == "behandling"][-1]


@pytest.mark.parametrize(("share", "lang"), [(False, "sv"), (True, "en")])
def test_region_shows_each_three_stage_units_latest_treatment_week(
    tmp_path: Path, share: bool, lang: str
) -> None:
    region = region_overview(_region(tmp_path), lang=lang, charts=False, share=share)
    assert region.error is None
    page = region.to_html()
    header, *cells = _table(page, HEADING[lang])
    assert header[:2] == (
        ["Enhet", "Vecka (måndag)"] if lang == "sv" else ["Unit", "Week (Monday)"]
    )
    assert len(header) == 9
    # only the units with a third stage, in manifest order; the two-stage unit is not listed
    assert [row[0] for row in cells] == ["Östra & <Norra>", "Alby"]
    rows = {r["id"]: r for r in region.numbers["units"]}
    assert "treatment_week" not in rows["mitt"]
    for row, (uid, _, _, offset) in zip(cells, [u for u in UNITS if u[2]], strict=True):
        week, _, a, c, _rem, q, x, y = _latest(True, offset)
        own = unit_report(
            tmp_path / uid, lang=lang, extract_date=EXTRACT, charts=False, share=share
        )
        assert own.error is None
        # the unit's own treatment table, latest week, without the removals column
        last = _table(own.to_html(), UNIT_HEADING[lang])[-1]
        assert row[1:] == last[:3] + last[4:]
        assert row[1] == week
        if not share:
            # the file's numbers, shares worked out here (half up, whole per cent)
            assert row[2:] == [str(a), str(c), str(q), str(x), _pct(x, c), str(y), _pct(y, q)]
        else:
            for cell in (row[2], row[3], row[4], row[5], row[7]):
                assert cell == "<5" or int(cell) % 5 == 0, cell
            # within target 2 completed: rounded to 0, read "<5"
            assert row[5] == "<5"
            for cell, n in zip((row[2], row[3], row[4], row[7]), (a, c, q, y), strict=True):
                assert cell == "<5" or abs(int(cell) - int(str(n))) < 5
        # numbers: the region's row and the unit report's hold the same figures
        assert rows[uid]["treatment_week"] == own.numbers["treatment_week"] == week
        for key in TREATMENT_KEYS:
            assert rows[uid][key] == own.numbers[key], key
        shown = [rows[uid][f"{k}_treatment"] for k in
                 ("arrivals", "completions", "waiting_end", "completed_within_target")]  # fmt: skip
        if not share:
            assert shown == [a, c, q, x]
            assert rows[uid]["waiting_within_target_treatment"] == y
        else:
            assert [str(n) if n >= 5 else "<5" for n in shown] == row[2:6]


def test_no_treatment_section_without_a_third_stage(tmp_path: Path) -> None:
    _write(tmp_path / "mitt", _rows(False, 0))
    units = [{"id": "mitt", "name": "Mitten", "path": "mitt", "extract_date": EXTRACT}]
    manifest = tmp_path / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": units}, allow_unicode=True), encoding="utf-8")
    region = region_overview(manifest, lang="en", charts=False)
    assert region.error is None
    assert not [s for s in region.sections if s.key == "treatment"]
    assert "third stage" not in region.to_html()
    assert not any(k.endswith("_treatment") for k in region.numbers["units"][0])
    own = unit_report(tmp_path / "mitt", lang="en", extract_date=EXTRACT, charts=False)
    assert "treatment_week" not in own.numbers


def test_a_unit_with_no_treatment_row_in_its_period_is_named(tmp_path: Path) -> None:
    """Treatment rows stop before the period the manifest starts: no row, and the page says so."""
    rows = [r for r in _rows(True, 0) if r[1] != "behandling" or str(r[0]) < "2024-03-01"]
    _write(tmp_path / "ost", rows)
    units = [{"id": "ost", "name": "Östra", "path": "ost", "extract_date": EXTRACT,
              "period_start": "2024-04-01"}]  # fmt: skip
    manifest = tmp_path / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": units}, allow_unicode=True), encoding="utf-8")
    region = region_overview(manifest, lang="sv", charts=False)
    assert region.error is None
    page = region.to_html()
    assert not [t for t in _tables(page) if t[0] == HEADING["sv"]]
    assert "Inga rader för behandling faller inom rapportens period för: Östra." in page
    assert region.numbers["units"][0]["treatment_week"] is None
    own = unit_report(tmp_path / "ost", lang="sv", extract_date=EXTRACT, charts=False,
                      period_start="2024-04-01")  # fmt: skip
    assert "Inga rader för behandling faller inom rapportens period." in own.to_html()
    assert own.numbers["treatment_week"] is None
