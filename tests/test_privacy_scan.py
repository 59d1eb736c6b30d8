"""The identity-number scanner on every text that can reach an output.

Where the expected values come from:

* Validity of every generated personal identity number is confirmed by an
  independent implementation, python-stdnum (``stdnum.se.personnummer``);
  check digits are computed with ``stdnum.luhn``. python-stdnum has no
  coordination numbers, so for those the date is checked by stdnum on the
  day of birth (day − 60) and the Luhn digit by ``stdnum.luhn``.
* Random 10-digit strings are judged by ``stdnum.se.personnummer.is_valid``
  (days 01–31, where personal identity numbers are all there is).
* Reserve numbers: the examples on Inera's page "Lokala reservidentiteter"
  (Region Stockholm 991981000010, 991945000023, 991993000032; Västra
  Götaland 19810829M071, 19450829K088, 19930829X802; Värmland 19810829SU3A,
  19450829SF2B, 19930829SX0C; Inera Carelink 198108320014), Prorenata's
  interim form "TF10" after the date, and Inera's national reserve identity
  layout XXYYMMDDNNGC.
* The forms of issue 13 (``19121212 1212``, ``121212 1212``, no-break space,
  en dash, full-width digits, ``1912.12.12-1212``, a 9-digit Excel number).
* Pseudonyms: the standard library's ``hmac`` of the ten digits YYMMDDNNNC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.workbook.defined_name import DefinedName
from stdnum import luhn
from stdnum.se import personnummer

from toolkit import pdsa, selfassess
from toolkit.errors import DataError, ParameterError
from toolkit.io import load_unit
from toolkit.manifest import read_manifest
from toolkit.privacy import (
    _valid_numbers,
    _valid_one,
    find_in_text,
    has_identity_number,
    identity_number_mask,
    pseudonymise,
    redact_text,
)

KEY = "a test key that is long enough"
EXTRACT = "2025-01-01"
REFERRALS = "remiss_id;inkommen\nR1;2024-01-08\nR2;2024-01-09\n"
FULL_WIDTH = str.maketrans("0123456789-+.", "０１２３４５６７８９－＋．")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
SEPARATORS = ["", "-", "+", " ", "\u00a0", "\u2013", "\u2212", "\u202f", " - "]


# --------------------------------------------------------------------------
# numbers in every written form, valid by python-stdnum
# --------------------------------------------------------------------------


@st.composite
def numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(a written form, the ten digits YYMMDDNNNC) of a valid number."""
    born = draw(st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2024, 12, 31)))
    serial = draw(st.integers(0, 999))
    coordination = draw(st.booleans())
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    ten = nine + luhn.calc_check_digit(nine)
    # The oracle agrees the number is valid (for a coordination number: its
    # birth date and its Luhn digit).
    birth = f"{born:%Y%m%d}-{ten[6:]}"
    assert luhn.is_valid(ten)
    assert (
        personnummer.is_valid(birth)
        if not coordination
        else personnummer.is_valid(
            f"{born:%Y%m%d}-{serial:03d}{luhn.calc_check_digit(f'{born:%y%m%d}{serial:03d}')}"
        )
    )
    twelve = f"{born.year // 100}{ten}"
    date = twelve[:8] if draw(st.booleans()) else ten[:6]
    if draw(st.booleans()):  # dots in the date: 1912.12.12 or 12.12.12
        date = ".".join([date[:-4], date[-4:-2], date[-2:]])
    written = date + draw(st.sampled_from(SEPARATORS)) + ten[6:]
    digits = draw(st.sampled_from([None, FULL_WIDTH, ARABIC_INDIC, DEVANAGARI]))
    if digits is not None:
        written = written.translate(digits)
    return written, ten


def assert_not_shown(text: str, written: str, ten: str) -> None:
    """Neither the number as written nor its digits are in ``text``."""
    assert written not in text
    folded = unicodedata.normalize("NFKC", text)
    assert ten not in re.sub(r"\D", "", folded)
    assert not find_in_text(text)


def assert_refused(call: Callable[[], object], written: str, ten: str) -> DataError:
    with pytest.raises(DataError) as info:
        call()
    for lang in ("sv", "en"):
        assert_not_shown(info.value.message(lang), written, ten)
    return info.value


@given(numbers())
@settings(max_examples=300, deadline=None)
def test_every_written_form_is_found(drawn: tuple[str, str]) -> None:
    written, _ = drawn
    assert find_in_text(written) == [(0, len(written))]
    assert find_in_text(f"ringde {written}, igen") == [(7, 7 + len(written))]
    assert identity_number_mask(pd.Series([written, f"pnr {written}"])).tolist() == [True, True]
    assert redact_text(f"pnr {written}.", lang="en") == "pnr [identity number]."


# Around a number: any characters but digits, letters and marks (which could
# glue to it or form a longer token).
SURROUNDING = st.text(
    alphabet=st.characters(
        exclude_categories=("Nd", "No", "Nl", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Cs")
    ),
    max_size=12,
)


@given(SURROUNDING, numbers(), SURROUNDING)
# ㍘ (a symbol, NFKC "0点") once glued its 0 to the number, hiding it
@example("", ("0001010008", "0001010008"), "㍘")
@settings(max_examples=300, deadline=None)
def test_a_number_in_any_surrounding_text(prefix: str, drawn: tuple[str, str], suffix: str) -> None:
    written, ten = drawn
    text = prefix + written + suffix
    start, end = len(prefix), len(prefix) + len(written)
    assert any(a <= start and b >= end for a, b in find_in_text(text))
    assert identity_number_mask(pd.Series([text])).tolist() == [True]
    for redacted in (redact_text(text, lang="sv"), redact_text(text, KEY)):
        assert_not_shown(redacted, written, ten)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("0001010008㍘", (0, 10)),  # ㍘: telegraph sign for hour zero, NFKC "0点"
        ("½0001010008", (1, 11)),  # ½: NFKC "1⁄2"
        ("0001010008⑩", (0, 10)),  # ⑩: NFKC "10"
        ("0001010008①", None),  # ①: NFKC "1", one digit, glues
        ("0001010008¹", None),  # superscript one: NFKC "1", glues
        ("00010100080", None),
    ],
)
def test_a_sign_spelled_with_digits_is_not_a_digit(text: str, span: tuple[int, int] | None) -> None:
    # 20000101-0008 is valid by python-stdnum; an 11-digit run is not a number.
    assert personnummer.is_valid("20000101-0008")
    assert find_in_text(text) == ([span] if span else [])
    assert identity_number_mask(pd.Series([text])).tolist() == [span is not None]


@given(st.text(max_size=80))
@settings(max_examples=500, deadline=None)
def test_any_text_is_scanned_without_error(text: str) -> None:
    spans = find_in_text(text)
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert not find_in_text(redact_text(text, lang="en"))
    assert identity_number_mask(pd.Series([text])).tolist() == [bool(spans)]


@given(st.text("0123456789", min_size=10, max_size=10))
@example("0005014576")  # 000501-4576, valid; as a whole number 5014576: 7 digits
@example("0011014578")  # 001101-4578, valid; as a whole number 11014572: 8 digits
@settings(max_examples=1000, deadline=None)
def test_ten_digits_agree_with_stdnum(digits: str) -> None:
    # Days 01-31: only personal identity numbers can be valid, as stdnum judges.
    if int(digits[4:6]) > 31:
        return
    expected = personnummer.is_valid(digits)
    assert has_identity_number(digits) == expected
    # As a whole number a spreadsheet drops the leading zeros; 8 and 9 digits are
    # read as if padded back to 10, 7 or fewer are not (they are running numbers
    # far more often: docs/privacy.md), so only the text form is flagged then.
    as_number = expected and int(digits) >= 10**7
    assert identity_number_mask(pd.Series([digits, int(digits)])).tolist() == [expected, as_number]


@given(
    st.sampled_from([0, 18, 19, 20, 99, 21, 17]),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 9),
    st.integers(0, 9),
    st.booleans(),
)
@settings(max_examples=2000, deadline=None)
def test_plain_python_check_agrees_with_the_array_check(
    century: int, yy: int, mm: int, dd: int, nn: int, n: int, c: int, long_form: bool
) -> None:
    # The free-text path checks one number in plain Python; the column path with arrays.
    parts = [century if long_form else 0, yy, mm, dd, nn, n, c]
    array = _valid_numbers(np.array([parts], dtype=np.int64), np.array([long_form]))
    assert _valid_one(parts, long_form) == bool(array[0])


@pytest.mark.parametrize(
    "text",
    [
        "19121212 1212",
        "121212 1212",
        "121212\u00a01212",
        "121212\u20131212",
        "１９１２１２１２－１２１２",
        "1912.12.12-1212",
        "12.12.12-1212",
    ],
)
def test_the_forms_of_issue_13(text: str) -> None:
    assert find_in_text(text) == [(0, len(text))]
    assert identity_number_mask(pd.Series([text])).tolist() == [True]


@pytest.mark.parametrize(
    "text",
    [
        "991981000010",  # Region Stockholm (Inera's examples)
        "991945000023",
        "991993000032",
        "99198100-0010",
        "19810829M071",  # Västra Götaland
        "19450829K088",
        "19930829-X802",
        "810829M071",
        "19810829SU3A",  # Värmland
        "19450829SF2B",
        "19930829SX0C",
        "198108320014",  # Inera Carelink (day 32)
        "19810829-TF10",  # interim number after Socialstyrelsen / Prorenata
        "810829-TF00",
        "22810829AB12",  # national reserve identity, known date (19 + 3)
        "00992041CD34",  # national reserve identity, unknown date
    ],
)
def test_reserve_numbers(text: str) -> None:
    assert has_identity_number(text)
    assert has_identity_number(f"pat {text} ringde")
    assert identity_number_mask(pd.Series([text])).tolist() == [True]


@pytest.mark.parametrize(
    "text",
    [
        "991981000011",  # SLL with a wrong check digit
        "991779000014",  # SLL year before 1800 (check digit right)
        "19810832M071x",  # glued to a letter
        "19811329M071",  # month 13
        "19810829m071",  # lower case: not a reserve number form
        "21810829AB12",  # 21 is not a NRID series
        "R0000123",
        "2024-01-15 12:30",
        "2024-01-15 1234",  # an ISO date and a number
        "V20240115001",
        "ordernr 123456789012345",
        "p_8e8d8c8408367129",  # a pseudonym whose digits could pass
    ],
)
def test_look_alikes(text: str) -> None:
    assert not has_identity_number(text)


def test_excel_integer_that_lost_its_leading_zero(tmp_path: Path) -> None:
    # 2009-05-27, serial 147 -> 090527147C; an integer cell keeps 9 digits.
    nine = "090527147"
    ten = nine + luhn.calc_check_digit(nine)
    assert personnummer.is_valid(ten)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "remisser"
    sheet.append(["remiss_id", "inkommen", "kontakt"])
    sheet.append(["R1", "2024-01-08", int(ten)])
    book.save(tmp_path / "enhet.xlsx")
    assert_refused(lambda: load_unit(tmp_path / "enhet.xlsx", extract_date=EXTRACT), ten, ten)
    unit = load_unit(tmp_path / "enhet.xlsx", extract_date=EXTRACT, pseudonymise_key=KEY)
    assert_not_shown(unit.report("sv") + unit.report("en"), ten, ten)
    # The same nine digits as text in a CSV file are an ordinary number.
    assert identity_number_mask(pd.Series([ten[1:]])).tolist() == [False]
    assert identity_number_mask(pd.Series([ten[1:]]), lost_zeros=True).tolist() == [True]


# --------------------------------------------------------------------------
# pseudonyms: one per person, whatever the form and the year
# --------------------------------------------------------------------------


@given(numbers())
@settings(max_examples=100, deadline=None)
def test_every_form_gets_the_hmac_of_its_ten_digits(drawn: tuple[str, str]) -> None:
    written, ten = drawn
    out = pseudonymise(pd.DataFrame({"v": [written]}), ["v"], KEY)["v"].iloc[0]
    expected = "p_" + hmac.new(KEY.encode(), ten.encode(), hashlib.sha256).hexdigest()[:16]
    assert out == expected
    assert redact_text(written, KEY) == expected


def test_ten_and_twelve_digits_agree_for_people_near_100() -> None:
    # Born 1925-12-24: written with "-" until 2024, "+" from 2025; the
    # 12-digit form never changes. All get one pseudonym, in any year.
    nine = "251224123"
    ten = nine + luhn.calc_check_digit(nine)
    forms = [f"{ten[:6]}-{ten[6:]}", f"{ten[:6]}+{ten[6:]}", f"19{ten}", ten]
    out = pseudonymise(pd.DataFrame({"v": forms}), ["v"], KEY)["v"]
    assert len(set(out)) == 1


# --------------------------------------------------------------------------
# every placement: refused naming the place, or pseudonymised with a key
# --------------------------------------------------------------------------

PLACEMENT = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def unit_folder(root: Path, **extra: str) -> Path:
    folder = root / "enhet"
    folder.mkdir()
    (folder / "remisser.csv").write_text(REFERRALS, encoding="utf-8")
    for name, text in extra.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def workbook(root: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "remisser"
    for line in REFERRALS.strip().split("\n"):
        sheet.append(line.split(";"))
    change(book)
    path = root / "enhet.xlsx"
    book.save(path)
    return path


@given(numbers())
@PLACEMENT
def test_cell(drawn: tuple[str, str]) -> None:
    written, ten = drawn
    with tempfile.TemporaryDirectory() as tmp:
        text = f"remiss_id;inkommen;anteckning\nR1;2024-01-08;ringde {written}\nR2;2024-01-09;\n"
        folder = Path(tmp) / "enhet"
        folder.mkdir()
        (folder / "remisser.csv").write_text(text, encoding="utf-8")
        assert_refused(lambda: load_unit(folder, extract_date=EXTRACT), written, ten)
        unit = load_unit(folder, extract_date=EXTRACT, pseudonymise_key=KEY)
        assert_not_shown(unit.report("sv") + unit.report("en"), written, ten)


@given(numbers())
@PLACEMENT
def test_header(drawn: tuple[str, str]) -> None:
    written, ten = drawn
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "enhet"
        folder.mkdir()
        text = REFERRALS.replace("remiss_id;inkommen", f"remiss_id;inkommen;{written}")
        (folder / "remisser.csv").write_text(text, encoding="utf-8")
        for key in (None, KEY):  # a header with a number is refused even with a key
            assert_refused(
                lambda k=key: load_unit(folder, extract_date=EXTRACT, pseudonymise_key=k),
                written,
                ten,
            )


@given(numbers())
@PLACEMENT
def test_sheet_name(drawn: tuple[str, str]) -> None:
    written, ten = drawn
    with tempfile.TemporaryDirectory() as tmp:
        path = workbook(Path(tmp), lambda book: book.create_sheet(f"pat {written}"[:31]))
        error = assert_refused(lambda: load_unit(path, extract_date=EXTRACT), written, ten)
        assert "[personnummer]" in error.message("sv")  # the place is named, the number hidden
        unit = load_unit(path, extract_date=EXTRACT, pseudonymise_key=KEY)
        shown = unit.report("sv") + unit.report("en")
        assert_not_shown(shown, written, ten)
        assert "p_" in shown  # the sheet is named by its pseudonymised name


@given(numbers())
@PLACEMENT
def test_file_name_in_the_unit_folder(drawn: tuple[str, str]) -> None:
    written, ten = drawn
    with tempfile.TemporaryDirectory() as tmp:
        folder = unit_folder(Path(tmp), **{f"journal {written}.pdf": "x"})
        assert_refused(lambda: load_unit(folder, extract_date=EXTRACT), written, ten)
        unit = load_unit(folder, extract_date=EXTRACT, pseudonymise_key=KEY)
        assert_not_shown(unit.report("sv") + unit.report("en"), written, ten)


@given(numbers())
@PLACEMENT
def test_folder_listing_in_a_message(drawn: tuple[str, str]) -> None:
    written, ten = drawn
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "enhet"
        folder.mkdir()
        (folder / f"{written}.csv").write_text(REFERRALS, encoding="utf-8")
        error = assert_refused(lambda: load_unit(folder, extract_date=EXTRACT), written, ten)
        assert error.key == "io.no_tables"


@given(numbers())
@PLACEMENT
def test_unit_path_and_workbook_name(drawn: tuple[str, str]) -> None:
    written, ten = drawn
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / f"enhet {written}"
        folder.mkdir()
        (folder / "remisser.csv").write_text(REFERRALS, encoding="utf-8")
        assert_refused(lambda: load_unit(folder, extract_date=EXTRACT), written, ten)
        other = Path(tmp) / "enhet"
        other.mkdir()
        workbook(other, lambda book: None).rename(other / f"{written}.xlsx")
        assert_refused(
            lambda: load_unit(other, extract_date=EXTRACT, pseudonymise_key=KEY), written, ten
        )


def _comment(text: str) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        book["remisser"]["B2"].comment = Comment(f"ringde {text}", "coach")

    return change


def _header_footer(text: str) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        book["remisser"].oddFooter.center.text = f"pat {text}"
        # Excel's codes for font size and colour, glued to the text after them.
        book["remisser"].evenHeader.left.text = f"&14{text}&KFF0000{text}"

    return change


def _defined_name(text: str) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        quoted = text.replace('"', '""')
        book.defined_names["patient"] = DefinedName("patient", attr_text=f'"{quoted}"')

    return change


def _core_property(text: str) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        book.properties.title = f"Lista {text}"

    return change


def _custom_property(text: str) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        book.custom_doc_props.append(StringProperty(name="patient", value=text))

    return change


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (_comment, "privacy.field.comment"),
        (_header_footer, "privacy.field.header_footer"),
        (_defined_name, "privacy.field.defined_name"),
        (_core_property, "privacy.field.doc_property"),
        (_custom_property, "privacy.field.doc_property"),
    ],
)
@given(drawn=numbers())
@PLACEMENT
def test_workbook_metadata(
    change: Callable[[str], Callable[[openpyxl.Workbook], None]],
    place: str,
    drawn: tuple[str, str],
) -> None:
    written, ten = drawn
    with tempfile.TemporaryDirectory() as tmp:
        path = workbook(Path(tmp), change(written))
        error = assert_refused(lambda: load_unit(path, extract_date=EXTRACT), written, ten)
        assert error.key == "privacy.identity_number_in_text"
        assert error.message("en").split(": ", 1)[1].split(" ")[:2] == _first_words(place)
        unit = load_unit(path, extract_date=EXTRACT, pseudonymise_key=KEY)
        shown = unit.report("sv") + unit.report("en")
        assert_not_shown(shown, written, ten)
        assert "is not used and not shown" in unit.report("en")


def _first_words(place: str) -> list[str]:
    from toolkit.i18n import t

    return t(place, "en", sheet="x", cell="A1", number=1, name="x").split(" ")[:2]


@given(numbers(), st.sampled_from(["name", "description_sv", "path", "id"]))
@PLACEMENT
def test_manifest(drawn: tuple[str, str], field: str) -> None:
    written, ten = drawn
    with tempfile.TemporaryDirectory() as tmp:
        entry = {"id": "a", "name": "BUP Norr", "path": "enhet", field: f"x {written}"}
        lines = "\n".join(f"  {k}: {_yaml_text(v)}" for k, v in entry.items())
        manifest = Path(tmp) / "units.yaml"
        manifest.write_text("units:\n-" + lines[1:] + "\n", encoding="utf-8")
        error = assert_refused(lambda: read_manifest(manifest), written, ten)
        assert field in error.message("en")


def _yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@given(numbers(), st.sampled_from(["title", "aim", "study", "unit"]))
@PLACEMENT
def test_pdsa_free_text(drawn: tuple[str, str], field: str) -> None:
    written, ten = drawn
    log = pdsa.update_cycle(pdsa.new_log(), "PDSA-1", unit="BUP Norr", aim="Kortare väntan")
    error = assert_refused(
        lambda: pdsa.update_cycle(log, "PDSA-1", **{field: f"ringde {written}"}), written, ten
    )
    assert error.column == field and error.row == 2
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        text = "cycle_id;unit;aim;format_version\n" + f"PDSA-1;BUP;mål {written};1\n"
        path.write_text(text, encoding="utf-8")
        assert_refused(lambda: pdsa.read_log(path), written, ten)


@given(numbers(), st.sampled_from(["unit", "round"]))
@PLACEMENT
def test_self_assessment_names(drawn: tuple[str, str], field: str) -> None:
    written, ten = drawn
    q = selfassess.load_questionnaire("pks")
    names = {"unit": "BUP Norr", "round_": "Vår 2025"}
    names["unit" if field == "unit" else "round_"] = f"BUP {written}"
    answers = selfassess.empty_answers()
    assert_refused(
        lambda: selfassess.answers_csv_bytes(answers, q, lang="en", **names), written, ten
    )
    good = selfassess.answers_csv_bytes(
        pd.DataFrame(
            {
                "respondent": ["strategic"],
                "question_id": ["need_inflow"],
                "score": [4.0],
                "dont_know": [False],
            }
        ),
        q,
        unit="BUP Norr",
        round_="Vår 2025",
    ).decode("utf-8-sig")
    bad = good.replace("BUP Norr", f"BUP {written}").encode("utf-8-sig")
    assert_refused(lambda: selfassess.read_answers(bad, q, file="svar.csv"), written, ten)


def test_exclusion_reasons_do_not_quote_the_value(tmp_path: Path) -> None:
    marker = "hemlig-text-xyz"
    (tmp_path / "remisser.csv").write_text(
        f"remiss_id;inkommen;prioritet\nR1;2024-01-08;{marker}\nR2;2024-01-09;\n",
        encoding="utf-8",
    )
    unit = load_unit(tmp_path, extract_date=EXTRACT)
    shown = unit.report("sv") + unit.report("en") + unit.exclusions("en").to_string()
    assert marker not in shown
    assert "unknown value in" in shown


@pytest.mark.parametrize("key", [" " * 16, "", "x" * 40])
def test_load_unit_refuses_a_weak_key_at_once(tmp_path: Path, key: str) -> None:
    # Issue 14: a key of 16 spaces was accepted. Refused even when no number is found.
    (tmp_path / "remisser.csv").write_text(REFERRALS, encoding="utf-8")
    with pytest.raises(ParameterError, match="16"):
        load_unit(tmp_path, extract_date=EXTRACT, pseudonymise_key=key)


def test_dates_are_decided_at_once_and_numbers_beside_them_still_found() -> None:
    cells = ["2024-01-15", "811218-9876", "2024-01-15 12:30:00", "1981-12-18", "2024-01-15 12:30"]
    assert identity_number_mask(pd.Series(cells)).tolist() == [False, True, False, False, False]
    dates = pd.Series(["2024-01-15"] * 5, dtype="str")
    assert not identity_number_mask(dates).any()


def test_self_assessment_page_refuses_a_typed_unit_name_with_a_number(tmp_path: Path) -> None:
    from toolkit.widgets import PksApp

    page = PksApp(save_folder=tmp_path)
    page.unit.value = "BUP 121212-1212"
    assert "121212" not in page.error.value and page.error.value  # the message, not the number
    assert "121212" not in page.unit_name
    page.toggles["need_inflow"].value = 4  # an answer is saved under the previous name
    names = [p.name for p in tmp_path.iterdir()]
    assert names and not any(has_identity_number(n) or "1212121212" in n for n in names)
