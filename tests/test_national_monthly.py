"""The monthly counts-only unit report and share mode of the national report.

Expected values come from the sample national file itself, read with plain
pandas (not toolkit.national): its months, its stated shares (whole per
cent, as the national statistics publish them) and its counts. The p chart's
centre is the pooled share Σ within / Σ completed of the CSV (Montgomery,
*Introduction to Statistical Quality Control*, ch. 7). Share mode: counts
rounded to a multiple of 5 and counts below the threshold read ``<5``
(docs/disclosure.md, NHS Digital's HES rule).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from toolkit import national
from toolkit.national_report import national_report, national_unit_report
from toolkit.report import ShownChart

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / national.EXAMPLE_NAME
UNIT = "Region Sagoholm (syntetisk)"
STAGES_SV = {"första bedömning": "First assessment", "fördjupad utredning": "In-depth assessment"}
STAGES_SV["behandling"] = "Treatment"
HEADER_SV = "månad;enhet;steg;väntande;väntande_inom_målet;genomförda;genomförda_inom_målet"


class _Tables(HTMLParser):
    """Every table of a page as rows of cell texts, and the bold text just before each table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.captions: list[str] = []
        self._bold = ""
        self._in_bold = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
            self.captions.append(self._bold)
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "strong":
            self._in_bold, self._bold = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "strong":
            self._in_bold = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_bold:
            self._bold += data


def _tables(page: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return {c.rstrip("."): rows for c, rows in zip(parser.captions, parser.tables, strict=True)}


def _all_tables(page: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _raw() -> pd.DataFrame:
    return pd.read_csv(SAMPLE, sep=";", encoding="utf-8-sig", dtype={"månad": str})


def _half_up_pct(x: pd.Series, n: pd.Series) -> list[str]:
    """Whole per cent rounded half up, from the counts with exact fractions (not floats)."""
    from fractions import Fraction

    out = []
    for a, b in zip(x, n, strict=True):
        out.append("–" if b == 0 else f"{int(Fraction(100 * int(a), int(b)) + Fraction(1, 2))} %")
    return out


def test_unit_report_shows_months_and_the_shares_the_file_states() -> None:
    raw = _raw()
    raw = raw[raw["enhet"] == UNIT]
    report = national_unit_report(SAMPLE, UNIT, lang="en", charts=False)
    assert report.error is None
    tables = _tables(report.to_html())
    assert set(STAGES_SV.values()) <= set(tables)
    for stage_sv, stage_en in STAGES_SV.items():
        rows = raw[raw["steg"] == stage_sv]
        header, *cells = tables[stage_en]
        assert header[0] == "Month"
        # months shown as the file's months, in order: no weeks made up
        assert [r[0] for r in cells] == rows["månad"].tolist()
        done = header.index("Share completed within target")
        wait = header.index("Share waiting within target")
        # the shares the file states, exactly (its stated whole per cent)
        assert [r[done] for r in cells] == [f"{v} %" for v in rows["andel_genomförda_inom_målet"]]
        assert [r[wait] for r in cells] == [f"{v} %" for v in rows["andel_väntande_inom_målet"]]
        # and the same from its counts, worked out here with exact fractions
        assert [r[done] for r in cells] == _half_up_pct(
            rows["genomförda_inom_målet"], rows["genomförda"]
        )
        assert [r[header.index("Completed")] for r in cells] == [
            f"{v:,d}" for v in rows["genomförda"]
        ]
        assert [r[header.index("Waiting at the month's end")] for r in cells] == [
            f"{v:,d}" for v in rows["väntande"]
        ]
    assert report.numbers["months"] == sorted(raw["månad"].unique())


def test_a_half_per_cent_rounds_up_as_published(tmp_path: Path) -> None:
    """5 of 8 = 62.5 %: the statistics publish 63 % (half up), not 62 % (half to even)."""
    path = tmp_path / "v.csv"
    path.write_text(HEADER_SV + "\n2024-01;U;första bedömning;8;5;8;5\n", "utf-8")
    tables = _tables(national_unit_report(path, "U", lang="sv", charts=False).to_html())
    header, row = tables["Första bedömning"]
    assert row[header.index("Andel genomförda inom målet")] == "63 %"
    page = national_report(path, lang="sv", charts=False).to_html()
    assert "<td>63 %</td>" in page


def test_p_chart_centre_is_the_pooled_share_of_the_csv() -> None:
    raw = _raw()
    rows = raw[(raw["enhet"] == UNIT) & (raw["steg"] == "första bedömning")]
    pooled = rows["genomförda_inom_målet"].sum() / rows["genomförda"].sum()
    report = national_unit_report(SAMPLE, UNIT, lang="en", charts=True)
    spc_section = next(s for s in report.sections if s.key == "spc")
    charts = [b.content for b in spc_section.blocks if isinstance(b.content, ShownChart)]
    assert len(charts) == 3  # one p chart per stage (24 months each)
    data = [v for d in charts[0].spec["datasets"].values() for v in d]
    centres = {round(float(r["centre"]), 3) for r in data if r.get("centre")}
    assert round(pooled, 3) in centres
    values = sorted(round(float(r["value"]), 3) for r in data if "value" in r and "part" in r)
    expected = sorted(
        round(a / b, 3)
        for a, b in zip(rows["genomförda_inom_målet"], rows["genomförda"], strict=True)
    )
    assert values == expected


def test_unit_report_on_a_units_monthly_counts(tmp_path: Path) -> None:
    """A unit folder with monthly period counts gets the monthly report, not a refusal."""
    from toolkit.report import unit_report

    raw = _raw()
    rows = raw[(raw["enhet"] == UNIT) & (raw["steg"] != "behandling")]
    folder = tmp_path / "u"
    folder.mkdir()
    pd.DataFrame(
        {
            "period": rows["månad"] + "-01",
            "steg": rows["steg"],
            "inkomna": rows["inkomna"],
            "genomförda": rows["genomförda"],
            "väntande": rows["väntande"],
            "genomförda_inom_målet": rows["genomförda_inom_målet"],
        }
    ).to_csv(folder / "periodantal.csv", sep=";", index=False, encoding="utf-8")
    report = unit_report(folder, lang="sv", extract_date="2025-01-05", charts=False)
    assert report.error is None
    tables = _tables(report.to_html())
    header, *cells = tables["Första bedömning"]
    first = rows[rows["steg"] == "första bedömning"]
    assert [r[0] for r in cells] == first["månad"].tolist()
    share = header.index("Andel genomförda inom målet")
    assert [r[share] for r in cells] == [f"{v} %" for v in first["andel_genomförda_inom_målet"]]
    # no within-target counts of those waiting in this file: a dash, not a made-up share
    assert {r[header.index("Andel väntande inom målet")] for r in cells} == {"–"}


def _small_file(tmp_path: Path) -> Path:
    path = tmp_path / "v.csv"
    path.write_text(
        HEADER_SV + "\n"
        "2024-01;BUP Liten;första bedömning;7;4;7;4\n"
        "2024-01;BUP Stor;första bedömning;200;120;180;130\n"
        "2024-01;BUP Mellan;första bedömning;90;50;80;61\n",
        "utf-8",
    )
    return path


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_share_mode_hides_a_small_count_in_the_national_report(tmp_path: Path, lang: str) -> None:
    path = _small_file(tmp_path)
    open_page = national_report(path, lang=lang, charts=False).to_html()
    report = national_report(path, lang=lang, charts=True, share=True, threshold=10)
    page = report.to_html()
    tables = _all_tables(page)
    funnel = next(rows for rows in tables if len(rows[0]) == 7)
    small = next(r for r in funnel if r[0] == "BUP Liten")
    # 7 and 4 round to 5 and 5, below the threshold 10: n, within, share, limits and signal hidden
    assert small[1:] == ["<10"] * 6
    assert "<td>BUP Liten</td><td>7</td>" in open_page  # shown when not shared
    big = next(r for r in funnel if r[0] == "BUP Stor")
    assert big[1:3] == ["180", "130"]  # 180 and 130 are already multiples of 5
    middle = next(r for r in funnel if r[0] == "BUP Mellan")
    assert middle[1:3] == ["80", "60"]  # 61 rounded to 60
    assert "BUP Liten" not in report.numbers["first_assessment"]["share"]
    line = "Delningsläge" if lang == "sv" else "Share mode"
    assert line in page
    # the funnel plot's data and tooltips: rounded volumes only, the small unit left out
    svg = next(
        b.content for s in report.sections for b in s.blocks if isinstance(b.content, ShownChart)
    )
    points = [
        r for d in svg.spec["datasets"].values() for r in d if isinstance(r, dict) and "unit" in r
    ]
    assert {p["unit"] for p in points} == {"BUP Stor", "BUP Mellan"}
    assert all(p["n"] % 5 == 0 for p in points)
    assert any(p["share"] == pytest.approx(60 / 80) for p in points)
    # the month table: the small counts read <5
    months = next(
        rows for rows in tables if "BUP Liten" in {r[0] for r in rows[1:]} and len(rows[0]) > 7
    )
    row = next(r for r in months if r[0] == "BUP Liten")
    assert "7" not in row and "4" not in row and row.count("<10") == 4


def test_share_mode_in_the_monthly_unit_report() -> None:
    report = national_unit_report(SAMPLE, UNIT, lang="en", charts=False, share=True)
    page = report.to_html()
    assert "Share mode" in page and "No SPC charts in share mode" in page
    header, *cells = _tables(page)["Treatment"]
    for column in ("Arrived", "Completed", "Waiting at the month's end"):
        values = [r[header.index(column)] for r in cells]
        assert all(v == "<5" or int(v.replace(",", "")) % 5 == 0 for v in values)


@pytest.mark.parametrize(
    ("lang", "where", "what"),
    [
        ("sv", "rad 3, kolumn månad", "månaden kan inte läsas"),
        ("en", "row 3, column month", "the month cannot be read"),
    ],
)
def test_bad_file_gives_the_row_and_column(
    tmp_path: Path, lang: str, where: str, what: str
) -> None:
    path = tmp_path / "v.csv"
    path.write_text(
        HEADER_SV + "\n2024-01;U;första bedömning;8;5;8;5\n2024-1x;U;första bedömning;8;5;8;5\n",
        "utf-8",
    )
    report = national_unit_report(path, "U", lang=lang, charts=False)
    assert report.error is not None
    assert where in report.error and what in report.error


def test_cli_unit_report_and_an_unknown_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from toolkit.__main__ import main

    out = tmp_path / "unit.html"
    assert main(["national", str(SAMPLE), "--unit", UNIT, "--out", str(out), "--lang", "en"]) == 0
    page = out.read_text("utf-8")
    assert "<td>2023-01</td>" in page and "<td>2024-12</td>" in page
    assert main(["national", str(SAMPLE), "--unit", "BUP Okänd", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "kolumn enhet" in err and "BUP Okänd finns inte i filen" in err
    assert main(["national", str(SAMPLE), "--share", "--threshold", "1", "--out", str(out)]) == 1


def test_monthly_flow_and_its_rounding_keep_the_queue_identity() -> None:
    """Q_start(k) = Q_end(k−1) from the CSV; rounded: Q_end = Q_start + A − C − R among the shown numbers."""
    raw = _raw()
    rows = raw[(raw["enhet"] == UNIT) & (raw["steg"] == "behandling")]
    counts = national.to_period_counts(national.read_national(SAMPLE), UNIT)
    monthly = national.monthly_flow(counts)
    treat = monthly[monthly["stage"] == "treatment"]
    assert treat["arrivals"].tolist() == rows["inkomna"].tolist()
    assert treat["waiting_start"].tolist()[1:] == rows["väntande"].tolist()[:-1]
    rounded = national.round_monthly(monthly)
    for _, part in rounded.groupby("stage"):
        counts_shown = part[["arrivals", "completions", "removals", "waiting_end"]].to_numpy()
        assert (counts_shown % 5 == 0).all()
        balance = part["waiting_start"] + part["arrivals"] - part["completions"] - part["removals"]
        assert (balance == part["waiting_end"]).all()
        assert (
            part["waiting_start"].iloc[1:].to_numpy() == part["waiting_end"].iloc[:-1].to_numpy()
        ).all()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_share_mode_hides_a_share_whose_count_within_target_is_hidden(
    tmp_path: Path, lang: str
) -> None:
    # 40 completed, 6 of them within target: rounded 40 and 5. At threshold 10 the
    # count within reads <10, so the share beside it (5 / 40 = 13 %) would give it
    # back: it must read "–" too, in the national report's month table and in the
    # unit's monthly report (same for the waiting: 30, of them 3 within → 30 and 5).
    path = tmp_path / "nat.csv"
    path.write_text(
        HEADER_SV + "\n"
        "2024-01;BUP Glest;första bedömning;30;3;40;6\n"
        "2024-01;BUP Stor;första bedömning;200;120;180;130\n",
        "utf-8",
    )
    report = national_report(path, lang=lang, charts=False, share=True, threshold=10)
    months = next(
        rows
        for rows in _all_tables(report.to_html())
        if "BUP Glest" in {r[0] for r in rows[1:]} and len(rows[0]) > 7
    )
    row = next(r for r in months if r[0] == "BUP Glest")
    assert row.count("<10") == 2 and "40" in row and "30" in row
    assert "13 %" not in row and "17 %" not in row  # 5/40 and 5/30
    assert row.count("–") >= 2
    unit = national_unit_report(
        path, "BUP Glest", lang=lang, charts=False, share=True, threshold=10
    )
    cells = [c for rows in _all_tables(unit.to_html()) for r in rows for c in r]
    assert "<10" in cells and "13 %" not in cells and "17 %" not in cells
    # the other unit's shares rest on 130 of 180 and 120 of 200: shown
    big = next(r for r in months if r[0] == "BUP Stor")
    assert "72 %" in big and "60 %" in big
