"""Dirty-input tests of ``toolkit.io.load_unit``: the malformed-input corpus.

Each case is a unit folder (or file) and the expected outcome, decided by
hand from the data contract (``toolkit/data/schema.yaml``) and the issue:

* ``error``: a :class:`toolkit.DataError` with this text key, whose message
  in Swedish *and* English names the file and contains the given pieces
  (row, column, what is wrong), or
* ``excluded``: the unit loads, and exactly these file rows (header = row 1)
  are excluded with these reason keys; every table's account balances
  (read = used + excluded).

Small CSV cases are committed under ``tests/bad_inputs/<case>/``; large or
binary ones (Excel, encodings, 100 000 blank rows) are made in ``tmp_path``.
The expected row numbers were counted by hand in the files.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from toolkit import DataError
from toolkit.io import UnitData, load_unit

BAD = Path(__file__).parent / "bad_inputs"
EXTRACT = "2025-01-01"
#: Skatteverket's published test identity numbers (synthetic, valid check digit).
PNR = ("19121212-1212", "19811218-9876")


# --------------------------------------------------------------------------- makers


def folder(case: str) -> Callable[[Path], Path]:
    """The committed folder ``tests/bad_inputs/<case>``."""
    return lambda tmp: BAD / case


def files(**contents: bytes) -> Callable[[Path], Path]:
    """A folder in ``tmp_path`` holding these files (name → bytes)."""

    def make(tmp: Path) -> Path:
        for name, data in contents.items():
            (tmp / name.replace("__", ".")).write_bytes(data)
        return tmp

    return make


REFERRALS_TEXT = (
    "remiss_id;inkommen;frågeställning\nR1;2024-01-08;ångest\nR2;2024-01-09;ätstörning\n"
)


def workbook(
    build: Callable[[openpyxl.Workbook], None], name: str = "enhet.xlsx"
) -> Callable[[Path], Path]:
    """An Excel workbook built with openpyxl in ``tmp_path``."""

    def make(tmp: Path) -> Path:
        book = openpyxl.Workbook()
        build(book)
        book.save(tmp / name)
        return tmp / name

    return make


def sheet(
    book: openpyxl.Workbook, title: str, *rows: list[object]
) -> openpyxl.worksheet.worksheet.Worksheet:
    ws = book.active if book.active.title == "Sheet" else book.create_sheet()
    ws.title = title
    for row in rows:
        ws.append(row)
    return ws


def merged_header(book: openpyxl.Workbook) -> None:
    ws = sheet(
        book,
        "remisser",
        ["remiss_id", "datum", None, "frågeställning"],
        ["R1", "2024-01-08", "2024-02-01", "adhd"],
    )
    ws.merge_cells("B1:C1")


def formulas_cached(tmp: Path) -> Path:
    """Formulas with the values Excel computed (openpyxl cannot compute, so we write them)."""
    path = workbook(
        lambda b: sheet(
            b,
            "remisser",
            ["remiss_id", "inkommen", "första_bedömning"],
            ["R1", dt.date(2024, 1, 8), "=B2+24"],
            ["R2", dt.date(2024, 1, 9), "=B3+30"],
        )
    )(tmp)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    # 2024-02-01 and 2024-02-08 as Excel serial days, cached after the formula
    # (openpyxl writes the empty value as <v /> or, with lxml installed, as <v></v>)
    for formula, serial in (("B2+24", 45323), ("B3+30", 45330)):
        for empty in ("<v />", "<v></v>"):
            xml = xml.replace(f"<f>{formula}</f>{empty}", f"<f>{formula}</f><v>{serial}</v>")
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def blank_rows_xlsx(book: openpyxl.Workbook) -> None:
    from openpyxl.styles import Font

    ws = sheet(
        book, "remisser", ["remiss_id", "inkommen"], ["R1", "2024-01-08"], ["R2", "2024-01-09"]
    )
    bold = Font(bold=True)
    for i in range(4, 100_004):  # formatted but empty: Excel writes these rows
        ws.cell(row=i, column=1).font = bold


def corrupt_xlsx(tmp: Path) -> Path:
    good = workbook(
        lambda b: sheet(b, "remisser", ["remiss_id", "inkommen"], ["R1", "2024-01-08"])
    )(tmp)
    data = good.read_bytes()
    bad = tmp / "trasig.xlsx"
    bad.write_bytes(data[: len(data) // 2])  # cut in half, as by a failed download
    good.unlink()
    return bad


def damaged_sheet_xml(tmp: Path) -> Path:
    path = workbook(
        lambda b: sheet(b, "remisser", ["remiss_id", "inkommen"], ["R1", "2024-01-08"])
    )(tmp)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:300]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def csv_named_xlsx(tmp: Path) -> Path:
    path = tmp / "remisser.xlsx"
    path.write_text(REFERRALS_TEXT, encoding="utf-8")
    return path


def blank_rows_csv(tmp: Path) -> Path:
    text = REFERRALS_TEXT + ";;\n" * 100_000
    (tmp / "remisser.csv").write_text(text, encoding="utf-8")
    return tmp


def identity_with_key(tmp: Path) -> Path:
    shutil.copy(BAD / "identity_numbers" / "remisser.csv", tmp / "remisser.csv")
    return tmp


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Case:
    """One malformed input and what the loader must do with it."""

    id: str
    make: Callable[[Path], Path]
    #: DataError text key, or None when the unit loads.
    error: str | None = None
    #: The file named in the message (also checked in both languages).
    file: str = ""
    #: Pieces each message must contain, per language.
    sv: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    #: For loading units: table → reason key → excluded file rows.
    excluded: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    #: For loading units: further checks on the result.
    check: Callable[[UnitData], None] | None = None
    kwargs: dict[str, object] = field(default_factory=dict)


def _frage(u: UnitData) -> None:
    assert u.referrals["question"].tolist() == ["anxiety_depression", "eating_disorder"]


def _decimal(u: UnitData) -> None:
    # 45,5 is 45.5 minutes (decimal comma), 30,0 is 30
    assert u.visits["duration_min"].tolist() == [45.5, 60.0, 30.0]


def _headers(u: UnitData) -> None:
    r = u.referrals
    assert r["referral_id"].tolist() == ["R1", "R2", "R3"]
    # 8/1 2024 and "15 januari 2024" are Swedish forms of 2024-01-08 and 2024-01-15
    assert r["received"].tolist() == [pd.Timestamp("2024-01-08")] * 2 + [pd.Timestamp("2024-01-15")]
    assert r["question"].tolist() == ["adhd", "anxiety_depression", "eating_disorder"]
    assert r["sex"].tolist() == ["female", "male", "male"]
    assert r["age"].tolist() == [9, 15, 12]


def _categories(u: UnitData) -> None:
    r = u.referrals
    assert r["source"].tolist() == ["primary_care", "school_health", "self_referral"]
    assert r["question"].tolist() == ["adhd", "anxiety_depression", "autism"]
    assert r["priority"].tolist() == ["urgent", "routine", "high"]
    assert r["decision"].tolist() == ["accepted", "rejected", "redirected"]


def _counts_only(u: UnitData) -> None:
    assert u.kind == "counts"
    assert u.referrals.empty and u.visits.empty
    assert u.period_counts["waiting_end"].tolist() == [120, 80, 124, 85]


def _minimal(u: UnitData) -> None:
    assert u.kind == "events"
    assert u.referrals["referral_id"].tolist() == ["R1", "R2"]
    assert u.referrals["first_assessment"].isna().all()


def _notes_contain(*pieces: str) -> Callable[[UnitData], None]:
    def check(u: UnitData) -> None:
        text = " ".join(u.note_texts("en"))
        for piece in pieces:
            assert piece in text

    return check


def _blank_rows(u: UnitData) -> None:
    assert len(u.referrals) == 2
    assert "empty rows skipped: 100000." in " ".join(u.note_texts("en"))
    assert "tomma rader som hoppades över: 100000." in " ".join(u.note_texts("sv"))


def _formulas(u: UnitData) -> None:
    assert u.referrals["first_assessment"].tolist() == [
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-02-08"),
    ]
    assert "cells with formulas were read as their computed values." in " ".join(u.note_texts("en"))


def _pseudonymised(u: UnitData) -> None:
    assert u.referrals["referral_id"].tolist() == ["R1", "R2", "R3"]
    notes = " ".join(u.note_texts("en"))
    assert "the column personnummer held identity numbers and has been pseudonymised." in notes
    for number in PNR:
        assert number not in notes and number.replace("-", "") not in notes


def _utf16(u: UnitData) -> None:
    assert u.referrals["question"].tolist() == ["anxiety_depression", "eating_disorder"]


CASES = [
    # ---- errors: the file cannot be used
    Case(
        "separator_mix",
        folder("separator_mix"),
        "io.separator_mix",
        "remisser.csv",
        sv=("rad 2", "semikolon ;", "blandar"),
        en=("row 2", "semicolon ;", "mixes separators"),
    ),
    Case(
        "missing_required_column",
        folder("missing_required_column"),
        "io.missing_column",
        "remisser.csv",
        sv=("kolumn inkommen", "saknas", "inkommen (eller received)"),
        en=("column inkommen", "missing", "inkommen (or received)"),
    ),
    Case(
        "one_column_header",
        folder("one_column_header"),
        "io.missing_column_one_header",
        "remisser.csv",
        sv=("bara en kolumn", "avgränsningstecken"),
        en=("only one column", "separator"),
    ),
    Case(
        "empty_file",
        folder("empty_file"),
        "io.empty_file",
        "remisser.csv",
        sv=("tom",),
        en=("empty",),
    ),
    Case(
        "blank_lines_only",
        files(remisser__csv=b"\n\n;;\n\r\n"),
        "io.empty_file",
        "remisser.csv",
        sv=("tom",),
        en=("empty",),
    ),
    Case(
        "header_only",
        folder("header_only"),
        "io.no_rows",
        "remisser.csv",
        sv=("några datarader",),
        en=("any data rows",),
    ),
    Case(
        "identity_numbers",
        folder("identity_numbers"),
        "io.identity_numbers",
        "remisser.csv",
        sv=("kolumn personnummer", "rad 2, 4", "personnummer"),
        en=("column personnummer", "rows 2, 4", "identity numbers"),
    ),
    Case(
        "identity_number_header",
        folder("identity_number_header"),
        "io.identity_number_header",
        "remisser.csv",
        sv=("rad 1", "rubrikrad"),
        en=("row 1", "header row"),
    ),
    Case(
        "duplicate_column",
        folder("duplicate_column"),
        "io.duplicate_column",
        "remisser.csv",
        sv=("kolumn referral_id", "remiss_id och referral_id"),
        en=("column referral_id", "remiss_id and referral_id"),
    ),
    Case(
        "duplicate_header",
        files(remisser__csv=b"remiss_id;inkommen;Inkommen\nR1;2024-01-08;2024-01-09\n"),
        "io.duplicate_header",
        "remisser.csv",
        sv=("kolumn Inkommen", "två gånger"),
        en=("column Inkommen", "twice"),
    ),
    Case(
        "visits_without_referrals",
        folder("visits_without_referrals"),
        "io.visits_without_referrals",
        "besök.csv",
        sv=("inga remisser",),
        en=("no referrals",),
    ),
    Case(
        "two_files_same_table",
        folder("two_files_same_table"),
        "io.duplicate_table",
        "remisser.csv",
        sv=("tabellen remisser finns två gånger",),
        en=("the table referrals appears twice",),
    ),
    Case(
        "all_rows_bad",
        folder("all_rows_bad"),
        "io.all_rows_excluded",
        "remisser.csv",
        sv=("rad 2", "4 rader", "(3 rader", "inkommen är inget giltigt datum"),
        en=("row 2", "4 rows", "(3 rows", "received is not a valid date"),
    ),
    Case(
        "unclosed_quote",
        folder("unclosed_quote"),
        "io.csv_syntax",
        "remisser.csv",
        sv=("rad 3", "citattecken"),
        en=("row 3", "quote"),
    ),
    Case(
        "unnamed_csv_column",
        folder("unnamed_csv_column"),
        "io.unnamed_column",
        "remisser.csv",
        sv=("rad 1", "kolumn C", "ingen rubrik"),
        en=("row 1", "column C", "no header"),
    ),
    Case(
        "undecodable_bytes",
        files(remisser__csv=b"remiss_id;inkommen\nR\x81;2024-01-08\n"),
        "io.encoding",
        "remisser.csv",
        sv=("teckenkodning", "UTF-8"),
        en=("encoding", "UTF-8"),
    ),
    Case(
        "binary_file_as_csv",
        files(remisser__csv=b"PK\x03\x04\x00\x01\x02\xff\x00"),
        "io.not_text",
        "remisser.csv",
        sv=("ingen textfil",),
        en=("not a text",),
    ),
    Case(
        "unknown_csv_file_alone",
        files(export__csv=REFERRALS_TEXT.encode()),
        "io.no_tables",
        "",
        sv=("ingen tabell", "filer i mappen: export.csv", "remisser/referrals"),
        en=("no table", "files in the folder: export.csv", "remisser/referrals"),
    ),
    Case(
        "xlsx_merged_header",
        workbook(merged_header),
        "io.unnamed_column",
        "enhet.xlsx [remisser]",
        sv=("rad 1", "kolumn C", "sammanfogade"),
        en=("row 1", "column C", "merged"),
    ),
    Case(
        "xlsx_missing_referrals_sheet",
        workbook(
            lambda b: sheet(
                b,
                "besök",
                ["besök_id", "remiss_id", "datum", "besökstyp"],
                ["B1", "R1", "2024-01-10", "nybesök"],
            )
        ),
        "io.visits_without_referrals",
        "enhet.xlsx [besök]",
        sv=("inga remisser",),
        en=("no referrals",),
    ),
    Case(
        "xlsx_no_known_sheet",
        workbook(lambda b: sheet(b, "Blad1", ["a", "b"], [1, 2])),
        "io.no_tables_workbook",
        "enhet.xlsx",
        sv=("inget blad",),
        en=("no sheet",),
    ),
    Case(
        "xlsx_two_sheets_same_table",
        workbook(
            lambda b: (
                sheet(b, "remisser", ["remiss_id", "inkommen"], ["R1", "2024-01-08"]),
                sheet(b, "Referrals", ["referral_id", "received"], ["R2", "2024-01-09"]),
            )
        ),
        "io.duplicate_table",
        "enhet.xlsx",
        sv=("remisser finns två gånger",),
        en=("referrals appears twice",),
    ),
    Case(
        "xlsx_corrupt",
        corrupt_xlsx,
        "io.bad_workbook",
        "trasig.xlsx",
        sv=("går inte att öppna",),
        en=("cannot be opened",),
    ),
    Case(
        "xlsx_damaged_sheet",
        damaged_sheet_xml,
        "io.bad_workbook",
        "enhet.xlsx",
        sv=("går inte att öppna",),
        en=("cannot be opened",),
    ),
    Case(
        "csv_text_named_xlsx",
        csv_named_xlsx,
        "io.bad_workbook",
        "remisser.xlsx",
        sv=("går inte att öppna",),
        en=("cannot be opened",),
    ),
    Case(
        "xlsx_formula_without_value_only_row",
        workbook(lambda b: sheet(b, "remisser", ["remiss_id", "inkommen"], ["R1", "=TODAY()"])),
        "io.all_rows_excluded",
        "enhet.xlsx [remisser]",
        sv=("rad 2", "inkommen innehåller en formel utan beräknat värde"),
        en=("row 2", "received holds a formula without a computed value"),
    ),
    # ---- usable: rows excluded with reasons
    Case(
        "unknown_category",
        folder("unknown_category"),
        excluded={"visits": {"unknown_value": [3, 5]}},
    ),
    Case(
        "impossible_dates",
        folder("impossible_dates"),
        excluded={"referrals": {"bad_date": [2, 3, 4], "implausible_date": [6]}},
    ),
    Case(
        "stage_dates_out_of_order",
        folder("stage_dates_out_of_order"),
        excluded={"referrals": {"date_order": [3, 4, 5]}},
    ),
    Case(
        "date_after_extract",
        folder("date_after_extract"),
        excluded={"referrals": {"future_date": [3, 4]}},
    ),
    Case(
        "absurd_durations",
        folder("absurd_durations"),
        excluded={"visits": {"out_of_range": [3, 4, 5]}},
    ),
    Case(
        "staff_fte_0_and_3_5", folder("staff_fte"), excluded={"staff": {"out_of_range": [2, 3, 5]}}
    ),
    Case(
        "time_use_negative_minutes",
        folder("time_use_negative_minutes"),
        excluded={"time_use": {"out_of_range": [2, 4]}},
    ),
    Case(
        "duplicate_ids", folder("duplicate_ids"), excluded={"referrals": {"duplicate_id": [4, 6]}}
    ),
    Case(
        "missing_values",
        folder("missing_values"),
        excluded={"referrals": {"missing_value": [3, 4]}},
    ),
    Case(
        "wrong_field_count",
        folder("wrong_field_count"),
        excluded={"referrals": {"wrong_field_count": [3, 4]}},
    ),
    Case(
        "visit_before_referral",
        folder("visit_before_referral"),
        excluded={"visits": {"visit_before_referral": [3]}},
    ),
    Case(
        "visit_unknown_referral",
        folder("visit_unknown_referral"),
        excluded={"visits": {"unknown_referral": [3]}},
    ),
    Case(
        "period_counts_duplicated_period",
        folder("period_counts_duplicated_period"),
        excluded={"period_counts": {"duplicate_period": [3]}},
    ),
    Case(
        "xlsx_formula_without_value",
        workbook(
            lambda b: sheet(
                b,
                "remisser",
                ["remiss_id", "inkommen", "första_bedömning"],
                ["R1", "2024-01-08", "2024-02-01"],
                ["R2", "2024-01-09", "=B3+30"],
            )
        ),
        excluded={"referrals": {"formula_no_value": [3]}},
    ),
    Case(
        "huge_and_infinite_numbers",
        files(
            remisser__csv=b"remiss_id;inkommen;pvv_dagar\nR1;2024-01-08;1e20\nR2;2024-01-08;1e400\n"
            b"R3;2024-01-08;3\nR4;2024-01-08;2,5\n"
        ),
        excluded={"referrals": {"out_of_range": [2], "bad_number": [3], "not_whole_number": [5]}},
    ),
    # ---- usable: nothing wrong once read correctly
    Case("decimal_comma_durations", folder("decimal_comma_durations"), check=_decimal),
    Case("swedish_headers_case_accents", folder("swedish_headers_case_accents"), check=_headers),
    Case("swedish_category_values", folder("swedish_category_values"), check=_categories),
    Case("period_counts_only", folder("period_counts_only"), check=_counts_only),
    Case("referrals_only_minimal", folder("referrals_only_minimal"), check=_minimal),
    Case(
        "quoted_fields",
        folder("quoted_fields"),
        check=lambda u: (
            u.referrals["referral_id"].tolist() == ["R1", "R;2", "R3"] or pytest.fail("ids")
        ),
    ),
    Case(
        "extra_columns",
        folder("extra_columns"),
        check=_notes_contain("the column anteckning is not part of the table and is not used."),
    ),
    Case(
        "unknown_file_name",
        folder("unknown_file_name"),
        check=_notes_contain("the file export_2024.csv matches no table and is not used."),
    ),
    Case(
        "cp1252_aao",
        files(remisser__csv=REFERRALS_TEXT.replace("\n", "\r\n").encode("cp1252")),
        check=_frage,
    ),
    Case("utf8_bom", files(remisser__csv=REFERRALS_TEXT.encode("utf-8-sig")), check=_frage),
    Case("utf16_with_bom", files(remisser__csv=REFERRALS_TEXT.encode("utf-16")), check=_utf16),
    Case(
        "utf16_without_bom", files(remisser__csv=REFERRALS_TEXT.encode("utf-16-le")), check=_utf16
    ),
    Case(
        "old_mac_line_ends",
        files(remisser__csv=REFERRALS_TEXT.replace("\n", "\r").encode()),
        check=_frage,
    ),
    Case("blank_trailing_rows_csv", blank_rows_csv, check=_blank_rows),
    Case("blank_trailing_rows_xlsx", workbook(lambda b: blank_rows_xlsx(b)), check=_blank_rows),
    Case("xlsx_formulas_cached", formulas_cached, check=_formulas),
    Case(
        "identity_numbers_pseudonymised",
        identity_with_key,
        check=_pseudonymised,
        kwargs={"pseudonymise_key": "a long secret key for the test"},
    ),
]


def _ids() -> list[str]:
    return [c.id for c in CASES]


def test_corpus_is_large_enough() -> None:
    """The issue asks for at least 25 malformed inputs; every committed folder is used."""
    assert len(CASES) >= 25
    assert len(set(_ids())) == len(CASES)
    used = {
        c.make(Path("/nonexistent")).name for c in CASES if c.make.__qualname__.startswith("folder")
    }
    committed = {p.name for p in BAD.iterdir() if p.is_dir()}
    assert committed <= used | {"identity_numbers"}


def _balanced(unit: UnitData) -> None:
    acc = unit.row_account("en")
    assert (acc["read"] == acc["used"] + acc["excluded"]).all(), acc
    for name, a in unit.account.items():
        assert a.rows_used == len(unit.tables[name])


@pytest.mark.parametrize("case", CASES, ids=_ids())
def test_bad_input(case: Case, tmp_path: Path) -> None:
    path = case.make(tmp_path)
    if case.error is not None:
        with pytest.raises(DataError) as info:
            load_unit(path, lang="sv", extract_date=EXTRACT, **case.kwargs)  # type: ignore[arg-type]
        err = info.value
        assert err.key == case.error, str(err)
        assert str(err) == err.message("sv")
        for lang, pieces in (("sv", case.sv), ("en", case.en)):
            text = err.message(lang)
            assert text.startswith(case.file or str(path)), text
            for piece in pieces:
                assert piece in text, (lang, piece, text)
            assert ("Åtgärd:" if lang == "sv" else "Fix:") in text
        # The message in the other language really is in that language.
        assert err.message("en") != err.message("sv")
        return
    unit = load_unit(path, lang="en", extract_date=EXTRACT, **case.kwargs)  # type: ignore[arg-type]
    _balanced(unit)
    got: dict[str, dict[str, list[int]]] = {}
    for name, a in unit.account.items():
        for reason, part in a.excluded.groupby("reason"):
            got.setdefault(name, {})[str(reason)] = sorted(
                part["row"].astype(int).unique().tolist()
            )
    assert got == case.excluded
    sv, en = unit.exclusions("sv")["reason"], unit.exclusions("en")["reason"]
    assert len(sv) == len(en) >= len(case.excluded)  # one sentence per reason, both languages
    assert all(t and "{" not in t for t in [*sv, *en])
    assert not case.excluded or sv.tolist() != en.tolist()
    if case.check is not None:
        case.check(unit)


def test_identity_numbers_never_in_message() -> None:
    with pytest.raises(DataError) as info:
        load_unit(BAD / "identity_numbers", extract_date=EXTRACT)
    for lang in ("sv", "en"):
        text = info.value.message(lang)
        for number in PNR:
            for form in (number, number.replace("-", ""), number[2:], number[2:].replace("-", "")):
                assert form not in text
    with pytest.raises(DataError) as info:
        load_unit(BAD / "identity_number_header", extract_date=EXTRACT)
    assert "1212" not in info.value.message("en") and "9876" not in info.value.message("sv")


def test_pseudonyms_replace_identity_numbers(tmp_path: Path) -> None:
    # Extra column personnummer is not part of the referrals table: pseudonymised, then not used.
    unit = load_unit(
        BAD / "identity_numbers", extract_date=EXTRACT, pseudonymise_key="a long secret key, test"
    )
    assert "personnummer" not in unit.referrals.columns
    # A key column holding identity numbers is replaced by pseudonyms (same number, same pseudonym).
    (tmp_path / "remisser.csv").write_text(
        f"remiss_id;inkommen\n{PNR[0]};2024-01-08\n{PNR[1]};2024-01-09\nR3;2024-01-10\n",
        encoding="utf-8",
    )
    (tmp_path / "besök.csv").write_text(
        f"besök_id;remiss_id;datum;besökstyp\nB1;{PNR[0]};2024-01-10;nybesök\n", encoding="utf-8"
    )
    unit = load_unit(tmp_path, extract_date=EXTRACT, pseudonymise_key="a long secret key, test")
    ids = unit.referrals["referral_id"].tolist()
    assert all(i.startswith("p_") for i in ids)
    assert unit.visits["referral_id"].tolist() == [ids[0]]
    assert not unit.account["visits"].excluded.shape[0]
    shown = unit.report("sv") + unit.report("en")
    assert all(n not in shown and n.replace("-", "") not in shown for n in PNR)
    assert "kolumnen remiss_id innehöll personnummer och har pseudonymiserats." in shown


def test_language_of_raise_is_default_of_message() -> None:
    with pytest.raises(DataError) as info:
        load_unit(BAD / "missing_required_column", lang="en", extract_date=EXTRACT)
    assert str(info.value) == (
        "remisser.csv, column inkommen: the required column is missing. "
        "Fix: add a column named inkommen (or received) with one value per row."
    )


def test_exclusion_sentences_in_both_languages() -> None:
    unit = load_unit(BAD / "staff_fte", extract_date=EXTRACT)
    sv = unit.exclusions("sv")
    en = unit.exclusions("en")
    assert sv["reason"].tolist() == ["tjänstgöringsgrad ligger utanför 0,01–1"]
    assert en["reason"].tolist() == ["fte is outside 0.01–1"]
    assert sv["example_rows"].tolist() == ["2, 3, 5"]


@pytest.mark.parametrize(
    ("path", "key"),
    [("does/not/exist", "io.path_not_found"), ("gammal.xls", "io.unsupported_file")],
)
def test_paths_that_cannot_be_read(tmp_path: Path, path: str, key: str) -> None:
    target = tmp_path / path
    if target.suffix == ".xls":
        target.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataError) as info:
        load_unit(target, extract_date=EXTRACT)
    assert info.value.key == key
    assert target.name in info.value.message("en") or str(target) in info.value.message("en")
