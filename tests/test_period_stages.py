"""A unit's own period counts with a third stage, treatment ("behandling"), as the national statistics have.

The files are written here with synthetic numbers; the expected cells are
those numbers as the file states them, and each share within target is
worked out here from the file's counts with exact fractions, rounded half up
to a whole per cent as the national waiting-time statistics publish it
(SKR, *Väntetider i vården*; 5 of 8 = 63 %). The rule read (docs/national.md):
"behandling" alone is the in-depth stage; beside another in-depth label in
the same file it is the third stage, treatment.
"""

from __future__ import annotations

from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest

from toolkit.io import load_unit
from toolkit.report import unit_report

HEADER = "period;steg;inkomna;genomförda;avförda;väntande;genomförda_inom_målet;väntande_inom_målet"

#: Weekly, three stages named as the national statistics name them (Mondays of 2024).
WEEKLY = [
    ("2024-01-01", "första bedömning", 20, 18, 1, 40, 15, 30),
    ("2024-01-01", "utredning", 10, 8, 0, 25, 6, 20),
    ("2024-01-01", "behandling", 7, 5, 1, 33, 4, 21),
    ("2024-01-08", "första bedömning", 22, 19, 2, 41, 16, 31),
    ("2024-01-08", "utredning", 11, 9, 1, 26, 7, 21),
    ("2024-01-08", "behandling", 6, 8, 0, 31, 5, 22),
    ("2024-01-15", "första bedömning", 19, 20, 0, 40, 17, 30),
    ("2024-01-15", "utredning", 9, 10, 0, 25, 8, 19),
    ("2024-01-15", "Behandling", 8, 3, 2, 34, 2, 25),
]
#: Monthly, the in-depth stage written "fördjupad utredning".
MONTHLY = [
    ("2024-01-01", "första bedömning", 80, 70, 0, 120, 60, 90),
    ("2024-01-01", "fördjupad utredning", 30, 25, 0, 60, 20, 40),
    ("2024-01-01", "behandling", 21, 17, 0, 44, 13, 30),
    ("2024-02-01", "första bedömning", 85, 75, 0, 130, 61, 95),
    ("2024-02-01", "fördjupad utredning", 32, 27, 0, 65, 22, 41),
    ("2024-02-01", "behandling", 23, 19, 0, 48, 14, 33),
    ("2024-03-01", "första bedömning", 82, 84, 0, 128, 70, 96),
    ("2024-03-01", "fördjupad utredning", 31, 30, 0, 66, 25, 44),
    ("2024-03-01", "behandling", 25, 16, 0, 57, 11, 35),
]


def _write(folder: Path, rows: list[tuple[object, ...]], header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    n = header.count(";") + 1
    lines = [header] + [";".join(str(v) for v in r[:n]) for r in rows]
    (folder / "periodantal.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _pct(within: int, total: int) -> str:
    """Whole per cent rounded half up, from exact fractions."""
    return "–" if total == 0 else f"{int(Fraction(100 * within, total) + Fraction(1, 2))} %"


def _plain(text: str) -> str:
    return text.replace("\u00ad", "").replace("\u200b", "").replace("\u00a0", " ").strip()


class _Tables(HTMLParser):
    """Every table of a page with the heading (h2) and bold text before it, as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, str, list[list[str]]]] = []
        self._h2 = self._bold = ""
        self._in: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append((self._h2, self._bold, []))
        elif tag == "tr" and self.tables:
            self.tables[-1][2].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("h2", "strong"):
            self._in = tag
            if tag == "h2":
                self._h2 = self._bold = ""
            else:
                self._bold = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][2][-1].append(_plain("".join(self._cell)))
            self._cell = None
        elif tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in == "h2":
            self._h2 += data
        elif self._in == "strong":
            self._bold += data


def _tables(page: str) -> list[tuple[str, str, list[list[str]]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _number(x: int) -> str:
    return str(x)


# --------------------------------------------------------------------------- reading


def test_three_stage_weekly_file_reads_every_row(tmp_path: Path) -> None:
    unit = load_unit(_write(tmp_path / "u", WEEKLY), extract_date="2024-01-22", lang="en")
    account = unit.row_account("en").iloc[0]
    assert (account["read"], account["used"], account["excluded"]) == (9, 9, 0)
    stages = unit.period_counts["stage"].astype(str).tolist()
    assert stages == ["first_assessment", "deep_start", "treatment"] * 3
    treatment = unit.period_counts[unit.period_counts["stage"] == "treatment"]
    assert treatment["completed"].tolist() == [r[3] for r in WEEKLY if r[1].lower() == "behandling"]
    en = " ".join(unit.note_texts("en"))
    sv = " ".join(unit.note_texts("sv"))
    assert "“behandling” was read as a third stage, treatment (3 rows)" in en
    assert "(utredning)" in en
    assert "”behandling” lästes som ett tredje steg, behandling (3 rader)" in sv


@pytest.mark.parametrize(
    "labels",
    [("första bedömning", "behandling"), ("behandling",), ("nybesök", "BEHANDLING")],
)
def test_two_stage_behandling_is_still_the_in_depth_stage(
    tmp_path: Path, labels: tuple[str, ...]
) -> None:
    rows = [("2024-01-01", s, 10, 8, 0, 20, 6, 15) for s in labels]
    rows += [("2024-01-08", s, 11, 9, 0, 22, 7, 16) for s in labels]
    unit = load_unit(_write(tmp_path / "u", rows), extract_date="2024-02-01", lang="en")
    got = unit.period_counts["stage"].astype(str).tolist()
    expected = ["deep_start" if s.lower() == "behandling" else "first_assessment" for s in labels]
    assert got == expected * 2
    assert unit.row_account("en").iloc[0]["excluded"] == 0
    assert not any("behandling" in n for n in unit.note_texts("en"))


def test_explicit_third_stage_label_needs_no_rule(tmp_path: Path) -> None:
    rows = [
        ("2024-01-01", "nybesök", 10, 8, 0, 20, 6, 15),
        ("2024-01-01", "fördjupad", 5, 4, 0, 12, 3, 9),
        ("2024-01-01", "behandling (tredje steget)", 3, 2, 0, 7, 2, 5),
    ]
    unit = load_unit(_write(tmp_path / "u", rows), extract_date="2024-02-01", lang="en")
    assert unit.period_counts["stage"].astype(str).tolist() == [
        "first_assessment",
        "deep_start",
        "treatment",
    ]


@pytest.mark.parametrize("other", ["utredning", None])
def test_behandling_twice_in_a_period_is_still_a_duplicate(
    tmp_path: Path, other: str | None
) -> None:
    """Three-stage and two-stage files alike: the second row is excluded, named by row and column."""
    rows = [("2024-01-01", "första bedömning", 10, 8, 0, 20, 6, 15)]
    if other:
        rows.append(("2024-01-01", other, 5, 4, 0, 12, 3, 9))
    rows += [
        ("2024-01-01", "behandling", 3, 2, 0, 7, 2, 5),
        ("2024-01-01", "behandling", 4, 2, 0, 8, 2, 5),
    ]
    unit = load_unit(_write(tmp_path / "u", rows), extract_date="2024-02-01", lang="en")
    duplicate_row = len(rows) + 1  # the header is row 1
    excluded = unit.account["period_counts"].excluded
    assert excluded[["row", "column", "reason"]].values.tolist() == [
        [duplicate_row, "period", "duplicate_period"]
    ]
    exc = unit.exclusions("en").iloc[0]
    assert exc["example_rows"] == str(duplicate_row)
    assert "period and stage appear more than once" in exc["reason"]
    assert unit.row_account("en").iloc[0][["read", "used", "excluded"]].tolist() == [
        len(rows),
        len(rows) - 1,
        1,
    ]


# --------------------------------------------------------------------------- reports


def test_weekly_report_shows_treatment_week_by_week(tmp_path: Path) -> None:
    report = unit_report(
        _write(tmp_path / "u", WEEKLY), lang="en", extract_date="2024-01-22", charts=False
    )
    assert report.error is None
    page = report.to_html()
    [(_, _, table)] = [t for t in _tables(page) if t[0] == "Treatment (the third stage)"]
    header, *cells = table
    assert header == [
        "Week (Monday)",
        "Arrived",
        "Completed",
        "Removed",
        "Waiting at the week's end",
        "Completed within target",
        "Share completed within target",
        "Waiting within target",
        "Share waiting within target",
    ]
    file_rows = [r for r in WEEKLY if r[1].lower() == "behandling"]
    assert cells == [
        [p, *(_number(v) for v in (a, c, rem, q, x)), _pct(x, c), _number(y), _pct(y, q)]
        for p, _, a, c, rem, q, x, y in file_rows
    ]
    # the two-stage sections say they leave treatment out, and the data-quality section
    # says how "behandling" was read and that every row was used
    assert "treatment is not included in them" in page
    assert "“behandling” was read as a third stage, treatment" in page
    quality = next(t for t in _tables(page) if t[0] == "Data quality")[2]
    assert quality[1][2:] == ["9", "9", "0"]


def test_weekly_two_stage_sections_are_those_of_the_file_without_treatment(
    tmp_path: Path,
) -> None:
    """Treatment is shown apart, never mixed into the first two stages' figures."""
    three = unit_report(
        _write(tmp_path / "three", WEEKLY), lang="en", extract_date="2024-01-22", charts=False
    )
    two_rows = [r for r in WEEKLY if r[1].lower() != "behandling"]
    two = unit_report(
        _write(tmp_path / "two", two_rows), lang="en", extract_date="2024-01-22", charts=False
    )
    for key in ("situation", "waits", "queue"):
        [a] = [s for s in three.sections if s.key == key]
        [b] = [s for s in two.sections if s.key == key]
        assert [x.content for x in a.blocks] == [x.content for x in b.blocks], key
    assert not [s for s in two.sections if s.key == "treatment"]


def test_weekly_report_in_swedish_and_share_mode(tmp_path: Path) -> None:
    """30 weeks (a now window of 26 fits), queue steady: arrived = completed + removed."""
    import datetime as dt

    rows = []
    for i in range(30):
        day = (dt.date(2024, 1, 1) + dt.timedelta(weeks=i)).isoformat()
        for stage, a in (("första bedömning", 20), ("utredning", 9), ("behandling", 3 + i % 4)):
            rows.append((day, stage, a, a - 1, 1, 40, a - 2, 30))
    report = unit_report(
        _write(tmp_path / "u", rows),
        lang="sv",
        extract_date="2024-07-29",
        charts=False,
        share=True,
    )
    assert report.error is None
    page = report.to_html()
    [(_, _, table)] = [t for t in _tables(page) if t[0] == "Behandling (tredje steget)"]
    assert table[0][0] == "Vecka (måndag)"
    assert [r[0] for r in table[1:]] == [r[0] for r in rows if r[1] == "behandling"]
    # share mode: counts are multiples of 5 or hidden below the threshold
    for row in table[1:]:
        for cell in row[1:6]:
            assert cell == "<5" or int(cell) % 5 == 0
    assert "behandlingen ingår inte i dem" in page


def test_monthly_report_shows_treatment_as_its_own_stage(tmp_path: Path) -> None:
    report = unit_report(
        _write(tmp_path / "u", MONTHLY), lang="sv", extract_date="2024-04-01", charts=False
    )
    assert report.error is None
    assert report.numbers["stages"] == ["first_assessment", "deep_start", "treatment"]
    page = report.to_html()
    tables = {bold.rstrip("."): rows for _, bold, rows in _tables(page) if bold}
    assert set(tables) == {"Första bedömning", "Fördjupad utredning", "Behandling"}
    header, *cells = tables["Behandling"]
    assert header == [
        "Månad",
        "Inkomna",
        "Genomförda",
        "Genomförda inom målet",
        "Andel genomförda inom målet",
        "Väntande vid månadens slut",
        "Väntande inom målet",
        "Andel väntande inom målet",
    ]
    file_rows = [r for r in MONTHLY if r[1] == "behandling"]
    assert cells == [
        [p[:7], _number(a), _number(c), _number(x), _pct(x, c), _number(q), _number(y), _pct(y, q)]
        for p, _, a, c, _rem, q, x, y in file_rows
    ]
    # the in-depth stage keeps its own rows (none lost as duplicates of treatment)
    deep = [r for r in MONTHLY if r[1] == "fördjupad utredning"]
    assert [row[2] for row in tables["Fördjupad utredning"][1:]] == [str(r[3]) for r in deep]
    assert "”behandling” lästes som ett tredje steg, behandling (3 rader)" in page
    unit = load_unit(tmp_path / "u", extract_date="2024-04-01")
    assert unit.row_account().iloc[0][["read", "used", "excluded"]].tolist() == [9, 9, 0]
