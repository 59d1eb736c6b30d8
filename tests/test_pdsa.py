"""toolkit.pdsa: the PDSA log, its files, its annotations on the SPC charts, and merging.

Expected values are the inputs written in each test (dates, texts, ids):
what goes into a file must come back out unchanged, and the annotations of a
chart are the start dates typed. Bad files are written here by hand (or are
in tests/pdsa_files, see its README) and each must be refused with a message
naming the file, row and field and saying how to fix it, in Swedish and
English. Excel files are real: written and inspected with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from toolkit import pdsa
from toolkit.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
FILES = Path(__file__).resolve().parent / "pdsa_files"
HEADER = ";".join(pdsa.COLUMNS)


def _sha8(text: str) -> str:
    """The first 8 hex digits of SHA-256 of ``text`` (UTF-8), the hash in a saved file's name."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _log() -> pd.DataFrame:
    """Two cycles with every kind of awkward text a user may type."""
    log = pdsa.update_cycle(
        pdsa.new_log(),
        "PDSA-1",
        unit="balans",
        title="Telefontid för nybesök",
        aim='Kortare kö; "30 dagar", inte fler\nandra raden',
        change_idea="=1+1 (ska vara text, ingen formel)",
        prediction="Kön minskar med 10 %",
        measure="waiting_first",
        start_date="2024-03-04",
        plan="Sjuksköterskan ringer varje tisdag",
        do="Gjort v. 10–14",
        study="Kön minskade",
        act="Behåll och sprid",
        decision="adopt",
        study_date=dt.date(2024, 5, 6),
        decision_date="2024-05-13",
    )
    return pdsa.update_cycle(log, "PDSA-2", unit="balans", title="Gruppstart", aim="Åäö")


def _csv(tmp_path: Path, *rows: str, name: str = "logg.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _row(**values: str) -> str:
    base = {c: "" for c in pdsa.COLUMNS} | {"cycle_id": "P1", "unit": "u", "format_version": "1"}
    base.update(values)
    return ";".join(base[c] for c in pdsa.COLUMNS)


# --------------------------------------------------------------------------- validation

# (rows of the file, row and field named, English message, a Swedish part)
BAD = {
    "missing_required": (
        [_row(), _row(cycle_id="", unit="u")],
        3,
        "cycle_id",
        "logg.csv, row 3, column cycle_id: the field is empty, but every cycle must have it. "
        "Fix: fill in cycle_id on the row (the cycle's id, e.g. PDSA-3, or the unit's name).",
        "logg.csv, rad 3, kolumn cycle_id: fältet är tomt",
    ),
    "unparsable_date": (
        [_row(start_date="4/3/2024")],
        2,
        "start_date",
        "logg.csv, row 2, column start_date: “4/3/2024” is not a date of the form YYYY-MM-DD. "
        "Fix: write the date as YYYY-MM-DD, e.g. 2024-03-04, or leave the field empty.",
        "logg.csv, rad 2, kolumn start_date: ”4/3/2024” är inget datum i formen ÅÅÅÅ-MM-DD.",
    ),
    "impossible_date": (
        [_row(start_date="2024-02-30")],
        2,
        "start_date",
        "logg.csv, row 2, column start_date: “2024-02-30” is not a date of the form YYYY-MM-DD. "
        "Fix: write the date as YYYY-MM-DD, e.g. 2024-03-04, or leave the field empty.",
        "Åtgärd: skriv datumet som ÅÅÅÅ-MM-DD",
    ),
    "study_before_start": (
        [_row(), _row(cycle_id="P2", start_date="2024-03-04", study_date="2024-03-01")],
        3,
        "study_date",
        "logg.csv, row 3, column study_date: the date 2024-03-01 is before the cycle's start "
        "date 2024-03-04. Fix: correct the date so that it is on or after the start date, or "
        "correct the start date.",
        "logg.csv, rad 3, kolumn study_date: datumet 2024-03-01 ligger före cykelns startdatum",
    ),
    "duplicate_cycle_id": (
        [_row(cycle_id="PDSA-1"), _row(cycle_id="PDSA-2"), _row(cycle_id="PDSA-1")],
        4,
        "cycle_id",
        "logg.csv, row 4, column cycle_id: the cycle id PDSA-1 is used twice (first in row 2). "
        "Fix: give every cycle its own id, or remove the repeated row.",
        "cykel-id PDSA-1 används två gånger (första gången på rad 2)",
    ),
    "unknown_decision": (
        [_row(decision="kanske")],
        2,
        "decision",
        "logg.csv, row 2, column decision: “kanske” is not a decision the log knows. Fix: "
        "write one of adopt, adapt, abandon, or leave the field empty while the cycle is open.",
        "(eller behåll, anpassa, avbryt)",
    ),
    "unknown_measure": (
        [_row(measure="köer")],
        2,
        "measure",
        None,
        "”köer” är inget mått i styrdiagrammen.",
    ),
    "other_version": (
        [_row(format_version="2")],
        2,
        "format_version",
        "logg.csv, row 2, column format_version: the file has format version 2, but this "
        "toolkit reads version 1. Nothing was read or overwritten. Fix: open the file in the "
        "toolkit version that wrote it and export it again, or copy the cycles over by hand "
        "and set format_version to 1.",
        "filen har formatversion 2, men det här verktyget läser version 1",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_rows_are_refused_with_file_row_field_and_fix(tmp_path: Path, case: str) -> None:
    rows, row, field, english, swedish = BAD[case]
    path = _csv(tmp_path, *rows)
    with pytest.raises(DataError) as caught:
        pdsa.read_log(path, lang="en")
    err = caught.value
    assert (err.file, err.row, err.column) == ("logg.csv", row, field)
    if english is not None:
        assert err.message("en") == english
    assert swedish in err.message("sv")
    assert re.search(r"(Fix|Åtgärd):", err.message("en") + err.message("sv"))


def test_missing_and_unknown_columns_are_named(tmp_path: Path) -> None:
    no_version = tmp_path / "gammal.csv"
    no_version.write_text("cycle_id;unit;title\nP1;u;t\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        pdsa.read_log(no_version, lang="en")
    assert caught.value.message("en") == (
        "gammal.csv, column format_version: the column is missing, and a PDSA log needs it. "
        "Fix: add the column format_version with exactly that header, or export the log again "
        "from the workbook."
    )
    extra = tmp_path / "extra.csv"
    extra.write_text(HEADER + ";kommentar\n" + _row() + ";x\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        pdsa.read_log(extra, lang="sv")
    assert caught.value.column == "kommentar"
    assert "kolumnen hör inte till en PDSA-logg" in caught.value.message("sv")


def test_file_from_another_version_is_refused() -> None:
    # tests/pdsa_files/other_version.csv: written by hand with format_version 2
    with pytest.raises(DataError) as caught:
        pdsa.read_log(FILES / "other_version.csv", lang="en")
    assert caught.value.key == "pdsa.other_version"
    assert "format version 2" in caught.value.message("en")
    assert "formatversion 2" in caught.value.message("sv")


def test_empty_and_foreign_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "tom.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match=r"tom\.csv: the file is empty"):
        pdsa.read_log(empty, lang="en")
    fake = tmp_path / "inte_excel.xlsx"
    fake.write_text("hej", encoding="utf-8")
    with pytest.raises(DataError, match=r"inte_excel\.xlsx: the file cannot be read as a PDSA log"):
        pdsa.read_log(fake, lang="en")
    with pytest.raises(DataError, match=r"must be a file of type \.csv, \.xlsx"):
        pdsa.read_log(tmp_path / "logg.txt", lang="en")
    # a header only is a log with no cycles (not an error)
    assert pdsa.read_log(_csv(tmp_path), lang="en").empty


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_gives_the_same_log(tmp_path: Path, suffix: str) -> None:
    log = _log()
    path = pdsa.save_log(log, tmp_path / f"balans_pdsa{suffix}")
    back = pdsa.read_log(path)
    pd.testing.assert_frame_equal(back, log)
    # what was typed, as typed (text stripped of surrounding spaces only)
    first = back.iloc[0]
    assert first["aim"] == 'Kortare kö; "30 dagar", inte fler\nandra raden'
    assert first["start_date"] == pd.Timestamp("2024-03-04")
    assert first["study_date"] == pd.Timestamp("2024-05-06")
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_excel_file_holds_dates_as_dates_and_text_never_as_formula(tmp_path: Path) -> None:
    path = pdsa.save_log(_log(), tmp_path / "balans_pdsa.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["pdsa"]
    header = [c.value for c in sheet[1]]
    assert header == list(pdsa.COLUMNS)
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["start_date"].value == dt.datetime(2024, 3, 4)
    assert row["change_idea"].data_type == "s"
    assert row["change_idea"].value == "=1+1 (ska vara text, ingen formel)"
    assert row["format_version"].value == 1
    described = [r[0].value for r in book["columns"].iter_rows(min_row=2)]
    assert described == list(pdsa.COLUMNS)


def test_hand_made_excel_and_windows_csv_are_read(tmp_path: Path) -> None:
    # An Excel file made by hand: date cells, a Swedish decision, a number as version.
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["cycle_id", "unit", "title", "start_date", "decision", "format_version"])
    sheet.append(["PDSA-4", "balans", "  Drop-in  ", dt.datetime(2024, 9, 2), "Anpassa", 1])
    book.save(tmp_path / "handgjord.xlsx")
    log = pdsa.read_log(tmp_path / "handgjord.xlsx")
    assert log.loc[0, ["cycle_id", "title", "decision"]].tolist() == ["PDSA-4", "Drop-in", "adapt"]
    assert log.loc[0, "start_date"] == pd.Timestamp("2024-09-02")
    # tests/pdsa_files/hand_written_cp1252.csv: ',' separated, Windows-1252, some columns only
    other = pdsa.read_log(FILES / "hand_written_cp1252.csv")
    assert other.loc[0, "title"] == "Gruppstart för föräldrar"
    assert other.loc[0, "decision"] == "adopt"
    assert other.loc[0, "unit"] == "BUP Norrstad"


def test_a_refused_log_never_replaces_the_file(tmp_path: Path) -> None:
    path = pdsa.save_log(_log(), tmp_path / "balans_pdsa.csv")
    before = path.read_bytes()
    broken = _log()
    broken.loc[1, "cycle_id"] = "PDSA-1"
    with pytest.raises(DataError, match="PDSA-1"):
        pdsa.save_log(broken, path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]


def test_changes_from_two_pages_are_both_kept(tmp_path: Path) -> None:
    # Each field change reads the file, changes one cell and writes it back:
    # a second page editing another field does not undo the first one's edit.
    path = pdsa.log_path("BUP Östra Småstad", tmp_path)
    # the slug and the first 8 hex digits of SHA-256 of the exact name
    # (printf 'BUP Östra Småstad' | sha256sum: 313a701f…)
    assert path.name == "pdsa__bup-ostra-smastad__313a701f.csv"
    pdsa.save_change(path, "PDSA-1", unit="BUP Östra Småstad", aim="Kortare kö")
    page_a = pdsa.read_log(path)
    pdsa.save_change(path, "PDSA-1", unit="BUP Östra Småstad", do="Ringde 40 familjer")
    pdsa.save_change(path, "PDSA-1", unit="BUP Östra Småstad", title="Ringa upp")
    log = pdsa.read_log(path)
    assert len(page_a) == 1
    assert log.loc[0, ["aim", "do", "title"]].tolist() == [
        "Kortare kö",
        "Ringde 40 familjer",
        "Ringa upp",
    ]
    assert pdsa.next_cycle_id(log) == "PDSA-2"


def test_save_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("BUP_TOOLKIT_SAVE_DIR", str(tmp_path))
    assert pdsa.log_path("balans") == tmp_path / f"pdsa__balans__{_sha8('balans')}.csv"
    monkeypatch.delenv("BUP_TOOLKIT_SAVE_DIR")
    assert pdsa.save_dir() == Path.home() / "bup-toolkit"


# --------------------------------------------------------------------------- annotations


def test_annotations_are_the_start_dates_given() -> None:
    starts = {"PDSA-1": "2024-03-04", "PDSA-2": "2023-11-20", "PDSA-3": "2024-06-10"}
    log = pdsa.new_log()
    for cycle_id, day in starts.items():
        log = pdsa.update_cycle(log, cycle_id, unit="balans", start_date=day, title="Ändring")
    log = pdsa.update_cycle(log, "PDSA-4", unit="balans", title="Inte startad")
    notes = pdsa.annotations(log)
    assert list(notes.columns[:2]) == ["date", "label"]  # what charts.spc_chart takes
    assert notes["date"].tolist() == sorted(pd.Timestamp(d) for d in starts.values())
    assert notes["cycle_id"].tolist() == ["PDSA-2", "PDSA-1", "PDSA-3"]
    assert notes["label"].iloc[0] == "PDSA-2: Ändring"
    # a measure keeps its own cycles and those of the whole unit; a range clips
    log = pdsa.update_cycle(log, "PDSA-1", measure="arrivals_first")
    assert pdsa.annotations(log, measure="waiting_first")["cycle_id"].tolist() == [
        "PDSA-2",
        "PDSA-3",
    ]
    clipped = pdsa.annotations(log, start="2024-01-01", end="2024-03-31")
    assert clipped["cycle_id"].tolist() == ["PDSA-1"]
    # the dates serve as rebase dates of toolkit.spc
    from toolkit.spc import spc

    series = pd.DataFrame(
        {"week": pd.date_range("2023-10-02", periods=52, freq="W-MON"), "n": range(52)}
    )
    table = spc(series, value="n", date="week", rebase=list(clipped["date"]))
    assert table.loc[table["part"] == 2, "period"].min() == pd.Timestamp("2024-03-04")


def test_measures_are_those_of_the_spc_workbook() -> None:
    from toolkit.widgets.spc import SPC_MEASURES

    assert tuple(SPC_MEASURES) == pdsa.MEASURES


# --------------------------------------------------------------------------- merging


def test_merge_reports_conflicts_and_applies_none_of_them() -> None:
    mine = _log()
    theirs = pdsa.update_cycle(mine, "PDSA-1", study="Kön växte", decision="abandon")
    theirs = pdsa.update_cycle(theirs, "PDSA-3", unit="balans", title="Ny cykel")
    merge = pdsa.merge_logs(mine, theirs)
    assert merge.added == ("PDSA-3",)
    assert merge.unchanged == ("PDSA-2",)
    assert merge.conflicting == ("PDSA-1",)
    assert merge.conflicts[["field", "current", "imported"]].values.tolist() == [
        ["study", "Kön minskade", "Kön växte"],
        ["decision", "adopt", "abandon"],
    ]
    # not applied: my texts stay, the new cycle is added
    assert merge.log.loc[0, ["study", "decision"]].tolist() == ["Kön minskade", "adopt"]
    assert merge.log["cycle_id"].tolist() == ["PDSA-1", "PDSA-2", "PDSA-3"]
    # applied only when asked
    taken = merge.resolved()
    assert taken.loc[0, ["study", "decision"]].tolist() == ["Kön växte", "abandon"]
    assert merge.resolved(take_imported=False).equals(merge.log)


# --------------------------------------------------------------------------- reports


def test_unit_report_marks_the_change_dates_on_its_spc_charts(tmp_path: Path) -> None:
    from toolkit.report import unit_report

    log = pdsa.update_cycle(
        pdsa.new_log(),
        "PDSA-1",
        unit="balans",
        title="Telefontid",
        start_date="2024-03-04",
        measure="waiting_first",
    )
    log = pdsa.update_cycle(
        log,
        "PDSA-2",
        unit="balans",
        title="Gruppstart",
        start_date="2024-06-10",
        measure="waiting_deep",
    )
    path = pdsa.save_log(log, tmp_path / "balans_pdsa.xlsx")
    report = unit_report(
        ROOT / "sample_data" / "balans",
        lang="en",
        extract_date="2024-12-29",
        period_start="2023-01-02",
        pdsa_log=path,
    )
    assert report.error is None
    spc_blocks = next(s for s in report.sections if s.key == "spc").blocks
    charts = [b.content for b in spc_blocks if b.kind == "svg"]
    # the charts in the report's order: arrivals, waiting first, waiting deep, share within
    assert ["PDSA-1: Telefontid" in c for c in charts] == [False, True, False, False]
    assert ["PDSA-2: Gruppstart" in c for c in charts] == [False, False, True, False]
    table = next(b.content for b in spc_blocks if b.kind == "table")
    assert "2024-03-04" in table and "Gruppstart" in table
    assert report.numbers["pdsa_cycles"] == 2

    # a log that cannot be read: a message in the SPC section, the report is still made
    bad = tmp_path / "trasig.csv"
    bad.write_text(HEADER + "\n" + _row(start_date="2024-13-01") + "\n", encoding="utf-8")
    report = unit_report(
        ROOT / "sample_data" / "balans",
        lang="sv",
        extract_date="2024-12-29",
        period_start="2023-01-02",
        pdsa_log=bad,
        charts=False,
    )
    assert report.error is None
    texts = [b.content for s in report.sections if s.key == "spc" for b in s.blocks]
    assert any("trasig.csv, rad 2, kolumn start_date" in text for text in texts)


@pytest.mark.slow
def test_batch_passes_the_manifest_pdsa_log_to_the_report(tmp_path: Path) -> None:
    import yaml

    from toolkit import batch

    log = pdsa.update_cycle(
        pdsa.new_log(), "PDSA-9", unit="liten", title="Väntelista ses över", start_date="2024-05-06"
    )
    pdsa.save_log(log, tmp_path / "loggar" / "liten_pdsa.csv")
    entry = {
        "id": "liten",
        "name": "Liten enhet",
        "path": str(ROOT / "sample_data" / "liten"),
        "extract_date": "2024-12-29",
        "period_start": "2023-01-02",
        "pdsa_log": "loggar/liten_pdsa.csv",  # relative to the manifest
    }
    manifest = tmp_path / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": [entry]}), encoding="utf-8")
    result = batch.run_batch(
        manifest,
        out=tmp_path / "out",
        workers=1,
        progress=False,
        data_roots=(ROOT / "sample_data",),
    )
    assert result.failed == 0, [u.message for u in result.units]
    page = (tmp_path / "out" / "units" / "liten.html").read_text(encoding="utf-8")
    # without a measure the cycle is marked on every SPC chart of the report
    assert page.count("PDSA-9: Väntelista ses över") >= 3


# --------------------------------------------------------------------------- SPC workbook


def test_spc_workbook_shows_the_units_saved_change_dates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BUP_TOOLKIT_SAVE_DIR", str(tmp_path))
    log = pdsa.update_cycle(
        pdsa.new_log(),
        "PDSA-1",
        unit="balans",
        title="Telefontid",
        start_date="2024-03-04",
        measure="waiting_first",
    )
    pdsa.save_log(log, pdsa.log_path("balans"))
    from toolkit.widgets.spc import SpcApp

    app = SpcApp(lang="en")
    data = app.chart.spec["datasets"].values()
    notes = [row for rows in data for row in rows if "label" in row and "period" in row]
    assert {"period": "2024-03-04T00:00:00", "label": "PDSA-1: Telefontid"} in [
        {"period": row["period"], "label": row["label"]} for row in notes
    ]
    # a measure the cycle is not followed on: no annotation
    app.measure.value = "arrivals_first"
    labels = [row.get("label") for rows in app.chart.spec["datasets"].values() for row in rows]
    assert "PDSA-1: Telefontid" not in labels
    # a log that cannot be read: the chart is drawn without it and the page says why
    pdsa.log_path("balans").write_text(HEADER + "\n" + _row(start_date="2024-13-01") + "\n")
    app.measure.value = "waiting_first"
    assert f"{pdsa.log_path('balans').name}, row 2, column start_date" in app.sentences.value
    assert app.error.value == ""


# --------------------------------------------------------------------------- PDSA workbook (kernel side)


def test_pdsa_workbook_keeps_a_typed_units_log_under_its_name(tmp_path: Path) -> None:
    from toolkit.widgets.pdsa import OTHER, PdsaApp

    app = PdsaApp(lang="en", folder=tmp_path)
    app.unit.value = OTHER
    assert app.chart.layout.display == "none"  # no data for a typed unit: a note instead
    assert "no data for" in app.chart_note.value
    app.unit_name.value = "BUP Östra Småstad"
    app.new_button.click()
    app.fields["aim"].value = "Fler nybesök"
    app.fields["start_date"].value = dt.date(2024, 4, 2)
    path = tmp_path / f"pdsa__bup-ostra-smastad__{_sha8('BUP Östra Småstad')}.csv"
    log = pdsa.read_log(path)
    assert log.loc[0, ["cycle_id", "unit", "aim"]].tolist() == [
        "PDSA-1",
        "BUP Östra Småstad",
        "Fler nybesök",
    ]
    assert log.loc[0, "start_date"] == pd.Timestamp("2024-04-02")
    # a log of another unit is refused by the import, and nothing is written
    before = path.read_bytes()
    other = pdsa.update_cycle(pdsa.new_log(), "PDSA-5", unit="balans")
    app._merge("balans_pdsa.csv", other)
    assert "balans_pdsa.csv is the log of balans, but the unit BUP Östra Småstad" in (
        app.error.value
    )
    assert path.read_bytes() == before
    # a new page on the same folder starts on its own (the first sample unit), not on
    # the unit and cycle of the page before; the status says the file is saved
    again = PdsaApp(lang="en", folder=tmp_path)
    assert again.unit.value == again.entries[0].id
    # the first page's tab kept its unit and cycle: its reload returns to them
    kept = dict(app.page_state.state)
    assert kept == {"unit": OTHER, "name": "BUP Östra Småstad", "cycle": "PDSA-1"}
    reloaded = PdsaApp(lang="en", folder=tmp_path)
    reloaded.page_state._message(None, {"type": "shown", "state": kept}, [])
    assert reloaded.unit_value() == "BUP Östra Småstad"
    assert reloaded.fields["aim"].value == "Fler nybesök"
    assert "Saved" in reloaded.status.value and "Nothing saved yet" not in reloaded.status.value


# --------------------------------------------------------------------------- file names and saving at once


def test_names_that_simplify_alike_never_share_a_log(tmp_path: Path) -> None:
    names = ["BUP Öst", "BUP Ost", "BUP-Ost", "bup ost", "BUP Öst 2"]
    paths = [pdsa.log_path(name, tmp_path) for name in names]
    assert len(set(paths)) == len(names)
    # the name as the log stores it: spaces around it are not part of it
    assert pdsa.log_path(" BUP Öst ", tmp_path) == paths[0]
    # each file is named by the slug and the hash of the exact name (sha256 of its UTF-8)
    assert [p.name for p in paths[:2]] == [
        f"pdsa__bup-ost__{_sha8('BUP Öst')}.csv",
        f"pdsa__bup-ost__{_sha8('BUP Ost')}.csv",
    ]
    for name, path in zip(names, paths, strict=True):
        pdsa.add_cycle(path, unit=name, title=f"Ändring för {name}")
    for name, path in zip(names, paths, strict=True):
        log = pdsa.read_log(path)
        assert log[["cycle_id", "unit", "title"]].values.tolist() == [
            ["PDSA-1", name, f"Ändring för {name}"]
        ]
    with pytest.raises(Exception, match="enhetens namn"):
        pdsa.unit_key("   ")


def test_a_log_under_the_older_shared_name_is_split_by_exact_unit(tmp_path: Path) -> None:
    # Before names were hashed, BUP Öst and BUP Ost both saved to bup_ost_pdsa.csv.
    old = tmp_path / "bup_ost_pdsa.csv"
    log = pdsa.update_cycle(pdsa.new_log(), "PDSA-1", unit="BUP Öst", title="Telefontid")
    log = pdsa.update_cycle(log, "PDSA-2", unit="BUP Ost", title="Gruppstart")
    log = pdsa.update_cycle(log, "PDSA-3", unit="BUP Öst", title="Drop-in")
    pdsa.save_log(log, old)
    before = old.read_bytes()
    path = pdsa.migrate_log("BUP Öst", tmp_path)
    assert path == pdsa.log_path("BUP Öst", tmp_path)
    assert pdsa.read_log(path)["title"].tolist() == ["Telefontid", "Drop-in"]
    assert old.read_bytes() == before  # the other unit's cycles stay where they were
    # once the new file exists it is never replaced by the old one again
    pdsa.save_change(path, "PDSA-1", title="Telefontid v2")
    assert pdsa.migrate_log("BUP Öst", tmp_path) == path
    assert pdsa.read_log(path)["title"].tolist() == ["Telefontid v2", "Drop-in"]
    # the workbook takes over the other unit's cycles when that unit is opened
    from toolkit.widgets.pdsa import OTHER, PdsaApp

    app = PdsaApp(lang="en", folder=tmp_path)
    app.unit.value = OTHER
    app.unit_name.value = "BUP Ost"
    assert app.log is not None and app.log["title"].tolist() == ["Gruppstart"]
    assert pdsa.read_log(pdsa.log_path("BUP Ost", tmp_path))["cycle_id"].tolist() == ["PDSA-2"]


def _page_adding_cycles(folder: Path, unit: str, page: int, n: int, start: Any) -> None:
    """One workbook page (its own process, as a kernel is) adding ``n`` cycles and typing in each."""
    from toolkit.widgets.pdsa import OTHER, PdsaApp

    app = PdsaApp(lang="en", folder=folder)
    app.unit.value = OTHER
    app.unit_name.value = unit
    start.wait()
    for k in range(n):
        app.new_button.click()
        app.fields["aim"].value = f"page {page} cycle {k}"
        assert app.error.value == "", app.error.value


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks the test process")
def test_pages_in_several_processes_adding_cycles_at_once_keep_every_cycle(
    tmp_path: Path,
) -> None:
    # Two pages on the same unit in two processes (a kernel each), 30 cycles each,
    # started together: every cycle is kept with its own id and its text.
    import multiprocessing

    from toolkit.widgets.pdsa import OTHER, PdsaApp

    ctx = multiprocessing.get_context("fork")
    pages, per_page, unit = 2, 30, "BUP Öst"
    start = ctx.Barrier(pages)
    workers = [
        ctx.Process(target=_page_adding_cycles, args=(tmp_path, unit, page, per_page, start))
        for page in range(pages)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0] * pages
    log = pdsa.read_log(pdsa.log_path(unit, tmp_path))
    assert len(log) == pages * per_page
    assert sorted(log["cycle_id"]) == sorted(f"PDSA-{i}" for i in range(1, 61))
    assert sorted(log["aim"]) == sorted(
        f"page {p} cycle {k}" for p in range(pages) for k in range(per_page)
    )
    assert set(log["unit"]) == {unit}
    # a reload of either page lists every cycle and says the log is saved
    app = PdsaApp(lang="en", folder=tmp_path)
    app.page_state._message(
        None, {"type": "shown", "state": {"unit": OTHER, "name": unit, "cycle": None}}, []
    )
    assert len(app.cycle.options) == 60
    assert "Saved" in app.status.value


# --------------------------------------------------------------------------- export in the session's language

#: What a Swedish and an English session's export must show, written here from the
#: workbook's own labels (the PDSA page's decision buttons, the SPC page's measures).
EXPORT_WORDS = {
    "sv": {
        "header": ["Cykel", "Enhet", "Rubrik"],
        "decision": "behåll",
        "measure": "Väntande på första bedömning",
        "decision_header": "Beslut",
        "measure_header": "Mått",
        "doc": "kolumner",
    },
    "en": {
        "header": ["Cycle", "Unit", "Title"],
        "decision": "adopt",
        "measure": "Waiting for a first assessment",
        "decision_header": "Decision",
        "measure_header": "Measure",
        "doc": "columns",
    },
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_excel_export_is_in_the_sessions_language_and_reads_back(tmp_path: Path, lang: str):
    log = _log()
    path = pdsa.export_log(log, tmp_path / "balans_pdsa.xlsx", lang=lang)
    book = openpyxl.load_workbook(path)
    sheet = book["pdsa"]
    header = [c.value for c in sheet[1]]
    words = EXPORT_WORDS[lang]
    assert header[:3] == words["header"]
    assert not any(h in pdsa.COLUMNS for h in header)  # no code names as headers
    row = dict(zip(header, (c.value for c in sheet[2]), strict=True))
    assert row[words["decision_header"]] == words["decision"]
    assert row[words["measure_header"]] == words["measure"]
    assert words["doc"] in book.sheetnames
    # imported again (in either session) it is the same log
    for session in ("sv", "en"):
        pd.testing.assert_frame_equal(pdsa.read_log(path, lang=session), log)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_csv_export_is_in_the_sessions_language_and_reads_back(tmp_path: Path, lang: str):
    log = _log()
    path = pdsa.export_log(log, tmp_path / "balans_pdsa.csv", lang=lang)
    text = path.read_text(encoding="utf-8-sig")
    words = EXPORT_WORDS[lang]
    assert text.splitlines()[0].startswith(";".join(words["header"]))
    assert f";{words['decision']};" in text and words["measure"] in text
    assert ";adopt;" not in text or lang == "en"
    pd.testing.assert_frame_equal(pdsa.read_log(path), log)
