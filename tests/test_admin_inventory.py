"""Administration and documentation: time by level and the documentation requirements list.

Expected values are worked by hand (written beside each test) or counted from the
sample unit's raw CSV with the standard library, never with toolkit.admin_inventory.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from toolkit import admin_inventory as ai
from toolkit.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
NAN = float("nan")


def _req(**over: object) -> pd.DataFrame:
    row = {
        "requirement": "Intyg",
        "requested_by": "Försäkringskassan",
        "level": "national",
        "staff_category": "psychologist",
        "times": 10.0,
        "per": "week",
        "minutes_each": 30.0,
        "change": "remove",
        "minutes_after": NAN,
    }
    row.update(over)
    return pd.DataFrame([row])


FIRST_ONLY = {
    "visit_mix": {"first_assessment": 1.0},
    "mean_duration_min": {"first_assessment": 75.0},
    "dna_rate": 0.05,
    "absence_share": 0.2,
    "full_time_hours_per_week": 40.0,
}


def test_hand_worked_requirement_removed() -> None:
    """Hand-worked example.

    A certificate done 10 times a week, 30 minutes each, by a psychologist:
      hours/week = 10 × 30 / 60 = 5 h
      FTE = 5 / (40 h × (1 − 0.20)) = 5 / 32 = 0.15625
    Removed, all 5 h go to first assessments of 75 minutes, 5 % no-shows:
      booked = 5 × 60 / 75 = 4, attended = 4 × 0.95 = 3.8 a week
    Queue 120 waiting, 10 first assessments a week:
      queue in weeks before = 120 / 10 = 12
      after = 120 / (10 + 3.8) = 8.695652…, freed = 3.304348… weeks
    """
    out = ai.requirements_capacity(
        _req(), queue_size=120, first_assessments_per_week=10, **FIRST_ONLY
    )
    row = out.iloc[0]
    assert row["hours_per_week"] == pytest.approx(5.0)
    assert row["fte"] == pytest.approx(0.15625)
    assert row["freed_hours_per_week"] == pytest.approx(5.0)
    assert row["freed_fte"] == pytest.approx(0.15625)
    assert row["freed_visits_per_week"] == pytest.approx(3.8)
    assert row["freed_first_assessments_per_week"] == pytest.approx(3.8)
    assert row["queue_weeks_before"] == pytest.approx(12.0)
    assert row["queue_weeks_after"] == pytest.approx(120 / 13.8)
    assert row["queue_weeks_freed"] == pytest.approx(12 - 120 / 13.8)


def test_hand_worked_simplified_monthly_and_kept() -> None:
    """Hand-worked: periods per month and per day, simplification, a kept requirement.

    Row 1: 4 times a month, 90 → 30 minutes, physician.
      times/week = 4 × 12 / 52.1786 = 0.919916…; hours = 0.919916 × 1.5 = 1.379874…
      freed = 0.919916 × 60 / 60 = 0.919916… h
    Row 2: 2 a day (5 working days), 6 minutes, kept: 10 a week, 1 h, nothing freed.
    Total freed first assessments: 0.919916 × 60/75 × 0.95 = 0.699136…
    Total queue weeks after = 100 / (20 + 0.699136) = 4.831118…
    """
    req = pd.concat(
        [
            _req(
                staff_category="physician",
                times=4.0,
                per="month",
                minutes_each=90.0,
                change="simplify",
                minutes_after=30.0,
            ),
            _req(times=2.0, per="day", minutes_each=6.0, change="keep"),
        ],
        ignore_index=True,
    )
    out = ai.requirements_capacity(req, queue_size=100, first_assessments_per_week=20, **FIRST_ONLY)
    per_week = 4 * 12 / 52.1786
    assert out.loc[0, "times_per_week"] == pytest.approx(per_week)
    assert out.loc[0, "hours_per_week"] == pytest.approx(per_week * 1.5)
    assert out.loc[0, "freed_hours_per_week"] == pytest.approx(per_week)
    assert out.loc[1, "times_per_week"] == pytest.approx(10.0)
    assert out.loc[1, "hours_per_week"] == pytest.approx(1.0)
    assert out.loc[1, "freed_hours_per_week"] == 0.0
    total = out.iloc[-1]
    assert total["requirement"] == "total"
    assert total["hours_per_week"] == pytest.approx(per_week * 1.5 + 1.0)
    first = per_week * 60 / 75 * 0.95
    assert total["freed_first_assessments_per_week"] == pytest.approx(first)
    assert total["queue_weeks_after"] == pytest.approx(100 / (20 + first))
    assert total["queue_weeks_before"] == pytest.approx(5.0)


def test_default_visit_mix_spreads_freed_time() -> None:
    """With the default mix (15 % of clinical hours to first assessments, 75 min, 5 % DNA):
    1 h freed gives 0.15 × 60/75 × 0.95 = 0.114 first assessments."""
    out = ai.requirements_capacity(
        _req(times=2.0, minutes_each=30.0), queue_size=10, first_assessments_per_week=5
    )
    assert out.loc[0, "freed_first_assessments_per_week"] == pytest.approx(0.114)


def _raw_levels(path: Path) -> dict[str, float]:
    """Administrative minutes by level, counted from the raw CSV with the csv module."""
    minutes: dict[str, float] = defaultdict(float)
    total = 0.0
    with path.open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            m = float(row["minutes"])
            total += m
            if row["activity"] != "patient_direct":
                minutes[row["level"]] += m
    return {level: m / total for level, m in minutes.items()}


def test_time_by_level_on_sample_unit_and_in_report() -> None:
    from toolkit import capacity
    from toolkit.io import load_unit
    from toolkit.report import unit_report

    expected = _raw_levels(ROOT / "sample_data" / "balans" / "time_use.csv")
    unit = load_unit(ROOT / "sample_data" / "balans", extract_date="2024-12-29", lang="en")
    levels = ai.time_by_level(capacity.time_use_shares(unit.time_use))
    total = levels[levels["staff_category"] == "total"].set_index("level")
    for level in ("clinical", "organisational", "national"):
        assert total.loc[level, "share_of_time"] == pytest.approx(expected[level])
    assert total["share_of_admin"].sum() == pytest.approx(1.0)
    # where people read it: the report's capacity section
    html = unit_report(
        ROOT / "sample_data" / "balans", lang="en", extract_date="2024-12-29", charts=False
    ).to_html()
    for level, label in (
        ("clinical", "Clinical level"),
        ("organisational", "Organisational level"),
        ("national", "National and regional requirements"),
    ):
        pct = f"{100 * expected[level]:.0f} %"
        assert re.search(rf"<td>{re.escape(label)}</td>\s*<td[^>]*>{pct}</td>", html), (level, pct)


def test_time_use_workbook_shows_levels() -> None:
    from toolkit.widgets.timeuse import TimeUseApp

    expected = _raw_levels(ROOT / "sample_data" / "balans" / "time_use.csv")
    app = TimeUseApp(lang="en")
    html = app.figures.value
    row = re.search(r"<tr class='tk-level-national'><td>([^<]*)</td><td>([^<]*)</td>", html)
    assert row, html
    assert row.group(1) == "National and regional requirements"
    assert row.group(2) == f"{100 * expected['national']:.0f} %"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_template_reads_back_and_is_committed(lang: str) -> None:
    data = ai.template_csv(lang)
    assert (ROOT / "templates" / ai.TEMPLATE_NAMES[lang]).read_bytes() == data, (
        "regenerate: python -m toolkit.admin_inventory"
    )
    req = ai.read_requirements(data, ai.TEMPLATE_NAMES[lang], lang=lang)
    assert req["level"].tolist() == ["national", "national", "organisational"]
    assert req["per"].tolist() == ["week", "month", "week"]
    assert req["change"].tolist() == ["simplify", "keep", "remove"]
    assert req.loc[0, "minutes_after"] == 20.0
    assert math.isnan(req.loc[1, "minutes_after"])


def _excel(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_reads_excel_with_swedish_values() -> None:
    data = _excel(
        [
            [
                "krav",
                "beställare",
                "nivå",
                "yrkeskategori",
                "antal_gånger",
                "per",
                "minuter_per_gång",
            ],
            ["Remissvar", "Socialtjänsten", "organisatorisk", "kurator", 3, "vecka", 20],
        ]
    )
    req = ai.read_requirements(data, "krav.xlsx", lang="sv")
    assert req.loc[0, "staff_category"] == "counsellor"
    assert req.loc[0, "change"] == "keep"


HEADER = (
    "krav;beställare;nivå;yrkeskategori;antal_gånger;per;minuter_per_gång;förändring;minuter_efter"
)


@pytest.mark.parametrize(
    ("text", "row", "column", "sv_words", "en_words"),
    [
        (HEADER + ";okänd\nA;B;klinisk;läkare;1;vecka;5;;;x\n", 1, "okänd", "okänd", "unknown"),
        (HEADER + "\nA;B;kommunal;läkare;1;vecka;5;;\n", 2, "nivå", "tillåtna", "allowed"),
        (
            HEADER + "\nA;B;klinisk;läkare;1;vecka;5;;\nA;B;klinisk;läkare;x;vecka;5;;\n",
            3,
            "antal_gånger",
            "tal",
            "number",
        ),
        (
            HEADER + "\nA;B;klinisk;läkare;1;vecka;5;förenkla;9\n",
            2,
            "minuter_efter",
            "förenklas",
            "simplified",
        ),
    ],
)
def test_bad_lists_name_row_and_column(
    text: str, row: int, column: str, sv_words: str, en_words: str
) -> None:
    with pytest.raises(DataError) as err:
        ai.read_requirements(text.encode("utf-8"), "krav.csv", lang="sv")
    assert err.value.row == row
    assert err.value.column == column
    assert sv_words in err.value.message("sv")
    assert en_words in err.value.message("en")
    assert f"row {row}" in err.value.message("en")


def test_requirements_command_writes_html_and_excel(tmp_path: Path) -> None:
    """The template's three rows, worked by hand (40 h FTE, 20 % absence: 32 h worked):
    intyg 6 a week × 40 min = 4 h, simplified to 20 min frees 2 h;
    register 2 a month = 2 × 12 / 52.1786 = 0.45996 a week × 90 min = 0.68994 h, kept;
    meeting 1 a week × 60 min = 1 h, removed frees 1 h.
    Total 5.68994 h = 0.1778 FTE; freed 3 h."""
    from openpyxl import load_workbook

    from toolkit.__main__ import main

    out = tmp_path / "krav.html"
    path = ROOT / "templates" / ai.TEMPLATE_NAMES["sv"]
    code = main(
        [
            "requirements",
            str(path),
            "--queue",
            "120",
            "--first-per-week",
            "10",
            "--out",
            str(out),
            "--lang",
            "sv",
        ]
    )
    assert code == 0
    page = out.read_text("utf-8")
    assert "tar tillsammans 5,7 timmar i veckan, 0,18 årsarbetare" in page
    assert "frigör 3,0 timmar i veckan" in page
    ws = load_workbook(out.with_suffix(".xlsx")).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    total = [c.value for c in ws[ws.max_row]]
    assert total[0] == "Summa"
    assert total[header.index("Timmar per vecka")] == pytest.approx(5.68994, abs=1e-3)
    assert total[header.index("Frigjorda timmar per vecka")] == pytest.approx(3.0)
    assert total[header.index("Årsarbetare")] == pytest.approx(5.68994 / 32, abs=1e-3)
