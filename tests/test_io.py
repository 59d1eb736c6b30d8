"""Functional tests of ``toolkit.io.load_unit`` on well-formed and slightly odd files.

Expected values are read off the small files written in each test (row
numbers counted by hand, header = row 1) or follow from the data contract
``toolkit/data/schema.yaml`` (Swedish names, ranges, category values).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from toolkit.io import load_unit

EXTRACT = "2025-01-01"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    (folder / name).write_bytes(text.encode(encoding))
    return folder


def rows_by_reason(unit, table: str) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    ex = unit.account[table].excluded
    return {str(r): sorted(p["row"].astype(int).unique().tolist()) for r, p in ex.groupby("reason")}


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        # ISO, compact, day/month/year with / . -, Swedish "8/1 2024", month names, Excel serial days
        ("2024-01-08", "2024-01-08"),
        ("20240108", "2024-01-08"),
        ("240108", "2024-01-08"),
        ("08/01/2024", "2024-01-08"),
        ("8.1.2024", "2024-01-08"),
        ("08-01-2024", "2024-01-08"),
        ("8/1 2024", "2024-01-08"),
        ("8/1-2024", "2024-01-08"),
        ("8 januari 2024", "2024-01-08"),
        ("8 jan. 2024", "2024-01-08"),
        ("2024-01-08 13:45", "2024-01-08"),
        ("2024-1-8", "2024-01-08"),
        # 45299 days after 1899-12-30 is 2024-01-08 (Excel's serial date system)
        ("45299", "2024-01-08"),
    ],
)
def test_date_forms(tmp_path: Path, text: str, dates: str) -> None:
    write(tmp_path, "remisser.csv", f"remiss_id;inkommen\nR1;{text}\n")
    unit = load_unit(tmp_path, extract_date=EXTRACT)
    assert unit.referrals["received"].tolist() == [pd.Timestamp(dates)]


def test_row_numbers_follow_the_file(tmp_path: Path) -> None:
    # Two empty lines before the header: the header is row 3, data rows 4.., blank rows skipped.
    text = "\r\n;;\r\nremiss_id;inkommen\r\nR1;2024-01-08\r\n\r\nR1;2024-01-09\r\nR3;2024-13-01\r\n"
    unit = load_unit(write(tmp_path, "remisser.csv", text), extract_date=EXTRACT)
    assert rows_by_reason(unit, "referrals") == {"duplicate_id": [6], "bad_date": [7]}
    assert unit.account["referrals"].rows_read == 3
    assert "empty rows skipped: 1." in unit.note_texts("en")[0]


def test_quoted_newline_keeps_row_numbers(tmp_path: Path) -> None:
    # The quoted text of R1 spans file lines 2-3, so R2 starts on line 4 and R3 on 5.
    text = 'remiss_id;inkommen;anteckning\nR1;2024-01-08;"två\nrader"\nR2;2024-02-30;x\nR3;2024-01-10;y\n'
    unit = load_unit(write(tmp_path, "remisser.csv", text), extract_date=EXTRACT)
    assert rows_by_reason(unit, "referrals") == {"bad_date": [4]}
    assert unit.referrals["referral_id"].tolist() == ["R1", "R3"]


def test_quoted_fields_fast_path_keeps_separators_inside_quotes(tmp_path: Path) -> None:
    text = '"remiss_id","inkommen","frågeställning"\n"R,1","2024-01-08","ADHD"\n"R2","2024-01-09","""ångest"""\n'
    unit = load_unit(write(tmp_path, "remisser.csv", text), extract_date=EXTRACT)
    assert unit.referrals["referral_id"].tolist() == ["R,1"]
    assert rows_by_reason(unit, "referrals") == {"unknown_value": [3]}


def test_tab_separator_and_decimal_comma_and_thousands(tmp_path: Path) -> None:
    write(tmp_path, "remisser.csv", "remiss_id\tinkommen\nR1\t2024-01-08\n")
    write(
        tmp_path,
        "besök.csv",
        "besök_id\tremiss_id\tdatum\tbesökstyp\tlängd_min\n"
        "B1\tR1\t2024-01-10\tnybesök\t45,5\n"
        "B2\tR1\t2024-01-11\tbehandling\t1.5\n"
        "B3\tR1\t2024-01-12\tbehandling\t1\u00a0000,0\n",
    )
    unit = load_unit(tmp_path, extract_date=EXTRACT)
    assert unit.visits["duration_min"].tolist() == [45.5, 1.5]
    # 1 000,0 minutes (no-break space as thousands separator) is read as 1000, above the 480 maximum
    assert rows_by_reason(unit, "visits") == {"out_of_range": [4]}


def test_referral_excluded_then_its_visits_too(tmp_path: Path) -> None:
    write(tmp_path, "remisser.csv", "remiss_id;inkommen\nR1;2024-01-08\nR2;2024-02-30\n")
    write(
        tmp_path,
        "besök.csv",
        "besök_id;remiss_id;datum;besökstyp\nB1;R1;2024-01-10;nybesök\nB2;R2;2024-03-01;nybesök\n",
    )
    unit = load_unit(tmp_path, extract_date=EXTRACT, lang="en")
    assert rows_by_reason(unit, "visits") == {"referral_excluded": [3]}
    text = unit.report()
    assert "the visit's referral is not used" in text
    assert "besökets remiss används inte" in unit.report("sv")


def test_workbook_with_data_dictionary_and_unknown_sheet(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Remisser"
    ws.append(["Remiss-ID", "Inkommen", "Prioritet"])
    ws.append(["R1", pd.Timestamp("2024-01-08").to_pydatetime(), "Akut"])
    ws.append([None, None, None])
    ws.append(["R2", "2024-01-09", "rutin"])
    book.create_sheet("Ordlista").append(["kolumn", "betydelse"])
    book.create_sheet("Anteckningar").append(["x"])
    book.save(tmp_path / "enhet.xlsx")
    unit = load_unit(tmp_path / "enhet.xlsx", extract_date=EXTRACT, lang="en")
    assert unit.referrals["priority"].tolist() == ["urgent", "routine"]
    assert unit.account["referrals"].file == "enhet.xlsx [Remisser]"
    notes = unit.note_texts()
    assert "the sheet Anteckningar matches no table and is not used." in notes
    assert not any("Ordlista" in n for n in notes)


def test_default_language_is_swedish(tmp_path: Path) -> None:
    write(tmp_path, "remisser.csv", "remiss_id;inkommen\nR1;2024-01-08\nR1;2024-01-09\n")
    unit = load_unit(tmp_path, extract_date=EXTRACT)
    assert unit.row_account()["table"].tolist() == ["remisser"]
    assert unit.exclusions()["reason"].tolist() == [
        "samma remiss_id förekommer flera gånger (den första raden behålls)"
    ]


def test_all_tables_header_only_is_no_rows(tmp_path: Path) -> None:
    # Empty templates as shipped: zero referrals and zero visits used to crash in the visit rules.
    from toolkit import DataError

    write(tmp_path, "remisser.csv", "remiss_id;inkommen\n")
    write(tmp_path, "besök.csv", "besök_id;remiss_id;datum;besökstyp\n")
    with pytest.raises(DataError) as info:
        load_unit(tmp_path, extract_date=EXTRACT)
    assert info.value.key == "io.no_rows"
    assert info.value.message("en").startswith(
        "remisser.csv, besök.csv: no table holds any data rows."
    )


NEAR_MAX = ["1e308", "-1e308", "1.7976931348623157e308", "1,7976931348623157e308", "1.8e308"]


@pytest.mark.parametrize("value", NEAR_MAX)
def test_numbers_near_the_float_maximum_never_reach_the_tables(tmp_path: Path, value: str) -> None:
    # Every numeric column of schema.yaml has a maximum far below 1e308 (730 days, 480 minutes,
    # 100 000 counts …); a value near or beyond the largest float (1.797…e308, IEEE 754) that
    # overflows to infinity is an excluded row naming its column, never an inf in a table.
    import numpy as np

    from toolkit.schema import TABLES

    write(
        tmp_path,
        "remisser.csv",
        f"remiss_id;inkommen;pvv_dagar;ålder\nR1;2024-01-08;{value};{value}\nR2;2024-01-08;3;4\n",
    )
    write(
        tmp_path,
        "besök.csv",
        f"besök_id;remiss_id;datum;besökstyp;längd_min\nB1;R1;2024-01-09;nybesök;{value}\n"
        "B2;R2;2024-01-09;nybesök;30\n",
    )
    write(
        tmp_path,
        "personal.csv",
        f"personal_id;yrkeskategori;tjänstgöringsgrad;timmar_per_vecka\nS1;psykolog;{value};{value}\nS2;psykolog;1;40\n",
    )
    write(
        tmp_path,
        "periodantal.csv",
        f"period;steg;inkomna;genomförda;väntande\n2024-01-01;nybesök;{value};{value};{value}\n"
        "2024-02-01;nybesök;3;1;1\n",
    )
    unit = load_unit(tmp_path, extract_date=EXTRACT, lang="en")
    for name, account in unit.account.items():
        assert account.rows_used == 1 and account.excluded["row"].unique().tolist() == [2], name
        table = unit.tables[name]
        numeric = [c for c, spec in TABLES[name].columns.items() if spec.type in ("int", "float")]
        given = [c for c in numeric if c in table and table[c].notna().any()]
        assert given, name
        for c in given:
            assert np.isfinite(table[c].astype("float64").dropna()).all(), (name, c)
        named = set(account.excluded["column"])
        assert named and named <= set(numeric), (name, named)
    reasons = " ".join(unit.exclusions("en")["reason"])
    assert "pvv_days" in reasons and "duration_min" in reasons and "arrived" in reasons


def test_a_file_of_overflowing_numbers_is_an_error_naming_row_and_column(tmp_path: Path) -> None:
    from toolkit import DataError

    write(
        tmp_path,
        "besök.csv",
        "besök_id;remiss_id;datum;besökstyp;längd_min\nB1;R1;2024-01-09;nybesök;1e309\n",
    )
    write(tmp_path, "remisser.csv", "remiss_id;inkommen\nR1;2024-01-08\n")
    with pytest.raises(DataError) as info:
        load_unit(tmp_path, extract_date=EXTRACT, lang="en")
    text = info.value.message("en")
    assert text.startswith("besök.csv, row 2: none of the file's 1 row could be used")
    assert "duration_min is not a valid number" in text
