"""A unit with monthly counts in the region overview: its own table of the latest month per stage.

Expected values come from the sample national file read with plain pandas:
the last month's counts of the unit and its stated share completed within
target (whole per cent, as the national statistics publish them). Share
mode: counts rounded to a multiple of 5 (docs/disclosure.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.test_national_monthly import _all_tables, _raw
from toolkit.report import region_overview, unit_report

ROOT = Path(__file__).resolve().parents[1]
UNIT = "Region Sagoholm (syntetisk)"
#: The unit file's stage words (the national file says "fördjupad utredning").
STAGE_WORDS = {"första bedömning": "första bedömning", "fördjupad utredning": "fördjupad"}


def _region(tmp_path: Path) -> Path:
    raw = _raw()
    rows = raw[(raw["enhet"] == UNIT) & raw["steg"].isin(list(STAGE_WORDS))]
    folder = tmp_path / "manad"
    folder.mkdir()
    pd.DataFrame(
        {
            "period": rows["månad"] + "-01",
            "steg": rows["steg"].map(STAGE_WORDS),
            "inkomna": rows["inkomna"],
            "genomförda": rows["genomförda"],
            "väntande": rows["väntande"],
            "genomförda_inom_målet": rows["genomförda_inom_målet"],
        }
    ).to_csv(folder / "periodantal.csv", sep=";", index=False, encoding="utf-8")
    shutil.copytree(ROOT / "sample_data" / "balans", tmp_path / "balans")
    units = [
        {"id": "balans", "name": "Balans", "path": "balans", "period_start": "2023-01-02",
         "extract_date": "2024-12-29"},
        {"id": "manad", "name": "Månadsenheten", "path": "manad", "extract_date": "2025-01-05"},
    ]  # fmt: skip
    manifest = tmp_path / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": units}, allow_unicode=True), encoding="utf-8")
    return manifest


def _monthly_table(page: str) -> list[list[str]]:
    return next(t for t in _all_tables(page) if t and t[0][:3] == ["Enhet", "Steg", "Månad"])


@pytest.mark.parametrize("share", [False, True])
def test_a_monthly_unit_shows_its_latest_month_not_an_error(tmp_path: Path, share: bool) -> None:
    report = region_overview(_region(tmp_path), lang="sv", charts=False, share=share)
    page = report.to_html()
    assert "Enheter som inte kunde läsas" not in page
    assert "1 enhet med antal per månad visas för sig." in page
    table = _monthly_table(page)
    unit = unit_report(tmp_path / "manad", lang="sv", extract_date="2025-01-05", charts=False,
                       share=share)  # fmt: skip
    # the unit's monthly report: month, arrived, completed, within, share, waiting, within, share
    own = [r for t in _all_tables(unit.to_html()) for r in t if r and r[0][:2] == "20"]
    raw = _raw()
    last = raw[(raw["enhet"] == UNIT) & raw["steg"].isin(list(STAGE_WORDS))]
    last = last[last["månad"] == last["månad"].max()]
    assert [r[1] for r in table[1:]] == ["Första bedömning", "Fördjupad utredning"]
    for row, (_, csv) in zip(table[1:], last.iterrows(), strict=True):
        assert row[0] == "Månadsenheten"
        assert row[2] == csv["månad"]
        arrived, completed = (
            int(row[3].replace("\u00a0", "").replace(" ", "")),
            int(row[4].replace("\u00a0", "").replace(" ", "")),
        )
        if share:
            # rounded as the queue identity allows (national.round_monthly), as the unit's own
            # monthly report shows them: the same cells there
            assert arrived % 5 == 0 and completed % 5 == 0
            assert abs(arrived - csv["inkomna"]) < 5 and abs(completed - csv["genomförda"]) < 5
        else:
            assert (arrived, completed) == (csv["inkomna"], csv["genomförda"])
            # the share the file states, whole per cent
            assert row[5] == f"{round(float(csv['andel_genomförda_inom_målet']))} %"
        # one figure, one number: the same cells as the unit's own monthly report
        assert row[2:] in [r[:1] + r[1:3] + r[4:5] + r[5:6] + r[7:8] for r in own]
    # the weekly unit is in the region table, the monthly one is not
    assert report.numbers["units"][1]["monthly"] is True
    assert report.numbers["units"][0]["monthly"] is False
