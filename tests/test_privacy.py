"""Tests of toolkit.privacy: identity numbers, pseudonyms, small counts.

Where the expected values come from:

* SKV 704: Skatteverket's brochure *Personnumret i folkbokföringen* works the
  check digit of 640823-323? and gets 4 (reproduced e.g. at
  http://personnummer.info/info.html).
* 811218-9876: the example of the Swedish Wikipedia/English Wikipedia
  article "Personal identity number (Sweden)", whose Luhn sum is worked in
  many guides (e.g. gist hillerstorm/6816840).
* python-stdnum, ``stdnum/se/personnummer.py`` doctests: 880320-0016 valid,
  880320-0018 invalid check digit, 890102-3286 and 811228-9841 valid.
* Skatteverket's open-data test numbers ("testpersonnummer" and
  "testsamordningsnummer", 12-digit, never issued to real people), as listed
  in the personnummer project's ``meta/testdata/allPins.json`` and
  ``allCoords.json``.
* The personnummer project's ``meta/testdata/list.json``: numbers with their
  expected validity in four written forms.
* RFC 4231, test case 1: HMAC-SHA256 of "Hi There" under key 0x0b × 20.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.errors import DataError, ParameterError
from toolkit.privacy import (
    MIN_KEY_DISTINCT,
    MIN_KEY_LENGTH,
    _Hmac,
    check_key,
    check_no_identity_numbers,
    find_identity_numbers,
    identity_number_mask,
    is_shareable,
    normalise_identity_numbers,
    pseudonymise,
    suppress_small_counts,
)

KEY = "a test key that is long enough"
OTHER_KEY = "another test key, also long enough"
REF = dt.date(2025, 6, 1)


def mask(values: list[object], dtype: str | None = None) -> list[bool]:
    return identity_number_mask(pd.Series(values, dtype=dtype)).tolist()


def luhn_digit(nine: str) -> int:
    """Check digit by the textbook Luhn rule (independent of the module's code)."""
    total = 0
    for i, ch in enumerate(nine):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def forms(twelve: str) -> list[str]:
    """All written forms of a 12-digit number YYYYMMDDNNNC."""
    short = twelve[2:]
    return [twelve, twelve[:8] + "-" + twelve[8:], short, short[:6] + "-" + short[6:]]


# --------------------------------------------------------------------------
# published examples
# --------------------------------------------------------------------------

PUBLISHED_VALID = [
    "640823-3234",  # SKV 704 worked example
    "811218-9876",  # Wikipedia example
    "880320-0016",  # python-stdnum doctest
    "890102-3286",  # python-stdnum doctest
    "811228-9841",  # python-stdnum doctest
]

SKATTEVERKET_TEST_PERSONNUMMER = [
    "201701012393",
    "201602292383",  # 29 February of a leap year
    "201712312394",
    "201502282393",
]

SKATTEVERKET_TEST_SAMORDNINGSNUMMER = [
    "191401682396",  # day 08 + 60
    "191403702390",
    "195012862396",  # day 26 + 60
    "191500722390",  # month 00 (unknown month), day 12 + 60
    "191711602399",  # day 60: unknown day
]

# personnummer/meta testdata/list.json: (12-digit form, valid)
META_LIST = [
    ("190905271474", True),
    ("198707049996", False),
    ("198211059954", True),
    ("193901829913", False),  # day 82 - 60 = 22, bad check digit
    ("195705749959", True),  # coordination number
    ("201211209941", False),
    ("199012119948", True),
    ("201210759984", False),
    ("197306749982", True),  # coordination number
    ("187912219990", True),  # born 1879: written 791221+9990
    ("200012099891", True),
]


@pytest.mark.parametrize("number", PUBLISHED_VALID)
def test_published_examples_are_detected(number: str) -> None:
    assert mask([number, number.replace("-", "")]) == [True, True]


def test_published_invalid_check_digit_is_not_detected() -> None:
    # python-stdnum: 880320-0018 has a wrong check digit (0016 is right).
    assert mask(["880320-0018"]) == [False]


@pytest.mark.parametrize(
    "number", SKATTEVERKET_TEST_PERSONNUMMER + SKATTEVERKET_TEST_SAMORDNINGSNUMMER
)
def test_skatteverket_test_numbers_in_every_form(number: str) -> None:
    assert mask(forms(number)) == [True] * 4
    assert mask([int(number)]) == [True]


@pytest.mark.parametrize(("number", "valid"), META_LIST)
def test_personnummer_project_list(number: str, valid: bool) -> None:
    assert mask(forms(number)) == [valid] * 4


def test_serial_000_is_flagged_on_purpose() -> None:
    # personnummer/meta lists 20150916-0006 as invalid only because its birth
    # number is 000 (its Luhn digit is right). We flag it anyway: a false
    # alarm costs a pseudonymised column, a miss leaks a number.
    assert mask(forms("201509160006")) == [True] * 4


@pytest.mark.parametrize(
    "number",
    PUBLISHED_VALID + SKATTEVERKET_TEST_PERSONNUMMER + SKATTEVERKET_TEST_SAMORDNINGSNUMMER,
)
def test_every_other_check_digit_is_not_detected(number: str) -> None:
    for digit in "0123456789":
        if digit != number[-1]:
            assert mask([number[:-1] + digit]) == [False]


def test_plus_separator_for_centenarians() -> None:
    # 19090527-1474 is written 090527+1474 (personnummer/meta list.json).
    assert mask(["090527+1474", "19090527+1474"]) == [True, True]


# --------------------------------------------------------------------------
# look-alikes and dtypes
# --------------------------------------------------------------------------


def test_look_alikes_are_not_flagged() -> None:
    cells = [
        "R0000001",  # ordinary pseudonymous ids
        "V0001234",
        "070-123 45 67",  # phone numbers
        "08-123 456 78",
        "0731234567",  # mobile number: "month" 31
        "+46701234567",
        "20240101",  # dates
        "2024-01-01",
        "2024-01-01 12:30:00",
        "811218-98760",  # a digit too many
        "1811218-9876",
        "811232-9876",  # day 32
        "811318-9876",  # month 13
        "19811218_9876",  # wrong separator
        "",
        "   ",
    ]
    assert mask(cells) == [False] * len(cells)


def test_impossible_dates_are_not_flagged() -> None:
    # 29 February 2023 (not a leap year) and 31 April, with correct check digits.
    for date in ("20230229", "20230431"):
        nine = date[2:] + "123"
        number = date + "123" + str(luhn_digit(nine))
        assert mask([number]) == [False]
    # 29 February 2024 (leap year) is fine.
    nine = "240229123"
    assert mask(["20240229123" + str(luhn_digit(nine))]) == [True]


def test_integer_and_float_columns() -> None:
    assert mask([198112189876, 8112189876, 20240101, 12345]) == [True, True, False, False]
    assert mask([1.98112189876e11, np.nan, 3.5]) == [True, False, False]
    assert mask([198112189876, None], dtype="Int64") == [True, False]


def test_integers_that_lost_their_leading_zero() -> None:
    # 20001209-9891 (personnummer/meta) written 0012099891, stored as a number.
    assert mask([12099891]) == [True]


def test_other_dtypes() -> None:
    assert mask(["811218-9876", 8112189876, None, 3.5], dtype=object) == [True, True, False, False]
    assert mask(["811218-9876", "x", "811218-9876"], dtype="category") == [True, False, True]
    dates = pd.Series(pd.to_datetime(["1981-12-18", "2024-01-01"]))
    assert identity_number_mask(dates).tolist() == [False, False]
    assert mask([True, False]) == [False, False]
    assert identity_number_mask(pd.Series([], dtype="str")).tolist() == []


def test_number_inside_free_text() -> None:
    cells = ["ringde, pnr 811218-9876 om tid", "ref 19811218-9876.", "order 12345678901234"]
    assert mask(cells) == [True, True, False]


def test_surrounding_spaces() -> None:
    assert mask([" 811218-9876 ", "\t8112189876"]) == [True, True]


def test_find_identity_numbers() -> None:
    table = pd.DataFrame(
        {
            "id": ["R1", "R2", "R3", "R4"],
            "pnr": ["", "640823-3234", None, "811218-9876"],
            "n": [1, 2, 3, 4],
            "when": pd.to_datetime(["2024-01-01"] * 4),
        }
    )
    found = find_identity_numbers(table)
    assert list(found) == ["pnr"]
    assert found["pnr"].tolist() == [1, 3]
    assert find_identity_numbers(table.drop(columns="pnr")) == {}


# --------------------------------------------------------------------------
# the error says where, never what
# --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_error_names_place_not_value(lang: str) -> None:
    table = pd.DataFrame(
        {"a": ["x"] * 8, "pnr": ["640823-3234"] * 7 + ["y"], "b": ["811218-9876"] + ["z"] * 7}
    )
    with pytest.raises(DataError) as info:
        check_no_identity_numbers(table, file="remisser.xlsx", lang=lang)
    text = str(info.value)
    assert "remisser.xlsx" in text and "pnr" in text
    assert "2, 3, 4, 5, 6 …" in text  # header is row 1
    assert ("kolumnerna b" if lang == "sv" else "columns b") in text  # the other one too
    assert not re.search(r"\d{6}[-+]?\d{4}", text)
    assert "3234" not in text and "9876" not in text


def test_no_error_without_identity_numbers() -> None:
    check_no_identity_numbers(pd.DataFrame({"id": ["R000001", "R000002"]}))


# --------------------------------------------------------------------------
# pseudonyms
# --------------------------------------------------------------------------


def test_hmac_matches_rfc_4231_test_case_1() -> None:
    # RFC 4231 §4.2: HMAC-SHA256(key=0x0b*20, "Hi There") = b0344c61d8db3853...
    # (a key too weak for pseudonymise, so the HMAC core is checked directly).
    assert _Hmac(b"\x0b" * 20).pseudonym("Hi There") == "p_b0344c61d8db3853"


def test_long_key_is_hashed_first_as_rfc_2104_says() -> None:
    # RFC 4231 test case 6: 131-byte key 0xaa, "Test Using Larger Than Block-Size
    # Key - Hash Key First" -> 60e431591ee0b67f...
    message = "Test Using Larger Than Block-Size Key - Hash Key First"
    assert _Hmac(b"\xaa" * 131).pseudonym(message) == "p_60e431591ee0b67f"


def test_pseudonym_is_python_hmac_of_the_text() -> None:
    # Oracle: the standard library's hmac module.
    table = pd.DataFrame({"v": ["R000123", "Hi There"]})
    out = pseudonymise(table, ["v"], KEY)
    for value, pseudonym in zip(table["v"], out["v"], strict=True):
        digest = hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
        assert pseudonym == "p_" + digest[:16]


def test_same_number_in_every_form_gets_one_pseudonym() -> None:
    table = pd.DataFrame(
        {"pnr": ["19811218-9876", "811218-9876", "8112189876", "198112189876", " 811218-9876"]}
    )
    out = pseudonymise(table, ["pnr"], KEY)
    assert len(set(out["pnr"])) == 1
    as_int = pseudonymise(pd.DataFrame({"pnr": [198112189876]}), ["pnr"], KEY)
    assert as_int["pnr"].iloc[0] == out["pnr"].iloc[0]


def test_century_rule() -> None:
    # Reference 2025: 090527-1474 is born 2009, 090527+1474 born 1909.
    got = normalise_identity_numbers(
        pd.Series(["090527-1474", "090527+1474", "791221+9990", "8112189876", "x", None]),
        reference_date=REF,
    )
    assert got.iloc[:4].tolist() == ["200905271474", "190905271474", "187912219990", "198112189876"]
    assert got.iloc[4:].isna().all()


def test_pseudonymise_keeps_everything_else() -> None:
    table = pd.DataFrame(
        {"id": ["R1", "R2", "R3"], "pnr": ["811218-9876", None, "640823-3234"], "n": [1, 2, 3]},
        index=[10, 11, 12],
    )
    out = pseudonymise(table, ["pnr"], KEY)
    assert out.index.tolist() == [10, 11, 12]
    assert out["id"].tolist() == ["R1", "R2", "R3"] and out["n"].tolist() == [1, 2, 3]
    assert out["pnr"].isna().tolist() == [False, True, False]
    assert out["pnr"].dropna().str.fullmatch(r"p_[0-9a-f]{16}").all()
    assert table["pnr"].iloc[0] == "811218-9876"  # input untouched
    assert find_identity_numbers(out) == {}


def test_str_and_bytes_keys_agree() -> None:
    table = pd.DataFrame({"v": ["R1", "811218-9876"]})
    assert pseudonymise(table, ["v"], KEY).equals(pseudonymise(table, ["v"], KEY.encode()))


@pytest.mark.parametrize(
    "key",
    [
        "",
        "short",
        b"",
        "x" * (MIN_KEY_LENGTH - 1),
        " " * 16,  # issue 14: a key of 16 spaces was accepted
        "\t \u00a0" * 8,
        "a" * 40,
        "1212121212121212",
        "abcdefg" + " " * 20,  # 7 different characters
        b"\x00" * 32,
    ],
)
def test_weak_key_is_refused(key: str | bytes) -> None:
    with pytest.raises(ParameterError, match="key") as info:
        pseudonymise(pd.DataFrame({"v": ["a"]}), ["v"], key)
    assert str(MIN_KEY_LENGTH) in info.value.message("en")
    assert str(MIN_KEY_DISTINCT) in info.value.message("en")  # the message states the rule


@pytest.mark.parametrize("key", ["abcdefgh" * 2, "correct horse battery staple", bytes(range(16))])
def test_strong_enough_key_is_accepted(key: str | bytes) -> None:
    assert check_key(key) == (key.encode() if isinstance(key, str) else key)


def test_unknown_column_is_refused() -> None:
    with pytest.raises(ParameterError, match="columns"):
        pseudonymise(pd.DataFrame({"v": ["a"]}), ["w"], KEY)


# --------------------------------------------------------------------------
# property tests: numbers
# --------------------------------------------------------------------------


@st.composite
def identity_numbers(draw: st.DrawFn) -> tuple[str, dt.date]:
    """A valid 12-digit personnummer or samordningsnummer and its birth date."""
    born = draw(st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2024, 12, 31)))
    serial = draw(st.integers(0, 999))
    coordination = draw(st.booleans())
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    return f"{born.year // 100}{nine}{luhn_digit(nine)}", born


@given(identity_numbers())
@settings(max_examples=200, deadline=None)
def test_any_valid_number_is_detected_in_every_form(drawn: tuple[str, dt.date]) -> None:
    number, _ = drawn
    short = number[2:]
    written = [*forms(number), short[:6] + "+" + short[6:], number[:8] + "+" + number[8:]]
    assert mask(written) == [True] * len(written)
    assert mask([int(number)]) == [True]
    # As a whole number the 10-digit form loses its leading zeros; 8 and 9
    # digits are still read (born 2000-10 to 2009), shorter ones are not.
    assert mask([int(short)]) == [int(short) >= 10**7]
    assert mask([f"text {number[:8]}-{number[8:]} more text"]) == [True]


@given(identity_numbers(), st.integers(1, 9))
@settings(max_examples=200, deadline=None)
def test_any_other_check_digit_is_not_detected(drawn: tuple[str, dt.date], shift: int) -> None:
    number, _ = drawn
    wrong = number[:-1] + str((int(number[-1]) + shift) % 10)
    assert mask(forms(wrong)) == [False] * 4
    assert mask([int(wrong)]) == [False]


@given(identity_numbers())
@settings(max_examples=100, deadline=None)
def test_normalised_form_round_trips(drawn: tuple[str, dt.date]) -> None:
    number, born = drawn
    age_100 = (REF.year - born.year) >= 100
    short = number[2:]
    written = short[:6] + ("+" if age_100 else "-") + short[6:]
    got = normalise_identity_numbers(pd.Series([number, written]), reference_date=REF)
    assert got.tolist() == [number, number]


@given(
    st.lists(identity_numbers(), min_size=1, max_size=20),
    st.lists(st.text(min_size=0, max_size=12), max_size=5),
)
@settings(max_examples=100, deadline=None)
def test_pseudonyms_deterministic_keyed_and_opaque(
    drawn: list[tuple[str, dt.date]], other: list[str]
) -> None:
    numbers = [n for n, _ in drawn]
    table = pd.DataFrame({"v": numbers + other})
    first = pseudonymise(table, ["v"], KEY)
    again = pseudonymise(table, ["v"], KEY)
    other_key = pseudonymise(table, ["v"], OTHER_KEY)
    assert first.equals(again)
    assert (first["v"] != other_key["v"]).all()
    for original, pseudonym in zip(numbers, first["v"], strict=False):
        assert original not in pseudonym and original[2:] not in pseudonym
        assert pseudonym.startswith("p_") and len(pseudonym) == 18
    assert not identity_number_mask(first["v"]).any()


# --------------------------------------------------------------------------
# small counts
# --------------------------------------------------------------------------


def test_primary_suppression() -> None:
    table = pd.DataFrame({"unit": list("abcdef"), "n": [0, 1, 4, 5, 120, None]})
    out = suppress_small_counts(table, ["n"])
    assert out["n"].dtype == "Int64"
    assert out["n"].tolist() == [0, pd.NA, pd.NA, 5, 120, pd.NA]
    assert out["unit"].tolist() == list("abcdef")
    zeros = suppress_small_counts(table, ["n"], suppress_zeros=True)
    assert zeros["n"].isna().tolist() == [True, True, True, False, False, True]
    assert out.attrs["suppression"]["primary_cells"] == 2


def test_threshold_is_a_parameter() -> None:
    table = pd.DataFrame({"n": [2, 3, 10, 11]})
    assert suppress_small_counts(table, ["n"], threshold=11)["n"].isna().tolist() == [
        True,
        True,
        True,
        False,
    ]
    assert suppress_small_counts(table, ["n"], threshold=1)["n"].tolist() == [2, 3, 10, 11]


def test_secondary_suppression_hides_the_next_smallest_count() -> None:
    # Row total 53: 3 would be 53 - 20 - 30 if only the 3 were hidden.
    table = pd.DataFrame({"a": [3], "b": [20], "c": [30], "total": [53]})
    out = suppress_small_counts(table, ["a", "b", "c"], total="total")
    assert out[["a", "b", "c", "total"]].isna().iloc[0].tolist() == [True, True, False, False]


def test_secondary_suppression_falls_back_to_the_total() -> None:
    # Hiding 1 and one 5 leaves a + b = 6 with a in 1..4 and b in 5..5 (a 5 is
    # still shown, and hidden cells are the smallest) -> a = 1. So the total goes.
    table = pd.DataFrame({"a": [1], "b": [5], "c": [5], "d": [100], "total": [111]})
    out = suppress_small_counts(table, ["a", "b", "c", "d"], total="total")
    assert out.isna().iloc[0].tolist() == [True, False, False, False, True]


def test_two_small_counts_can_protect_each_other() -> None:
    # 2 + 3 = 5 with both in 1..4: (1,4), (2,3), (3,2), (4,1) all fit.
    table = pd.DataFrame({"a": [2], "b": [3], "c": [40], "total": [45]})
    out = suppress_small_counts(table, ["a", "b", "c"], total="total")
    assert out.isna().iloc[0].tolist() == [True, True, False, False]
    # 4 + 4 = 8 with both in 1..4 forces (4, 4): another cell must go.
    table = pd.DataFrame({"a": [4], "b": [4], "c": [40], "total": [48]})
    out = suppress_small_counts(table, ["a", "b", "c"], total="total")
    assert out.isna().iloc[0].sum() >= 3


def test_small_total_is_itself_hidden() -> None:
    table = pd.DataFrame({"a": [1], "b": [2], "total": [3]})
    out = suppress_small_counts(table, ["a", "b"], total="total")
    assert out.isna().iloc[0].tolist() == [True, True, True]


def test_bad_counts_and_threshold() -> None:
    with pytest.raises(ParameterError, match="table"):
        suppress_small_counts(pd.DataFrame({"n": [1.5]}), ["n"])
    with pytest.raises(ParameterError, match="table"):
        suppress_small_counts(pd.DataFrame({"n": [-1]}), ["n"])
    with pytest.raises(ParameterError, match="table"):
        suppress_small_counts(pd.DataFrame({"n": ["many"]}), ["n"])
    with pytest.raises(ParameterError, match="threshold"):
        suppress_small_counts(pd.DataFrame({"n": [1]}), ["n"], threshold=0)
    with pytest.raises(ParameterError, match="total"):
        suppress_small_counts(pd.DataFrame({"n": [1]}), ["n"], total="sum")


def test_type_errors_read_wholly_in_each_language() -> None:
    # the type words are checks.yaml's; before, the Swedish message said "str | bytes" and "int"
    with pytest.raises(ParameterError) as info:
        check_key(1234, lang="sv")
    assert info.value.message("sv") == (
        "key ska vara text eller bytes (str | bytes), men fick ett heltal (int)."
    )
    assert info.value.message("en") == "key must be str | bytes, but got int."
    with pytest.raises(ParameterError) as info:
        suppress_small_counts(pd.DataFrame({"n": [1]}), ["n"], threshold=2.0, lang="sv")
    assert info.value.message("sv") == (
        "threshold ska vara ett heltal (int), men fick ett decimaltal (float)."
    )
    assert info.value.message("en") == "threshold must be int, but got float."
    with pytest.raises(ParameterError) as info:
        suppress_small_counts(pd.DataFrame({"n": [1]}), ["n"], threshold=0, lang="sv")
    assert info.value.message("en") == "threshold = 0 is outside the allowed range ≥ 1."


def test_is_shareable() -> None:
    table = pd.DataFrame({"a": [0, 5, None], "b": [7, 3, 9]})
    assert is_shareable(table, ["a"]) and not is_shareable(table, ["a", "b"])
    assert is_shareable(suppress_small_counts(table, ["a", "b"]), ["a", "b"])


counts = st.integers(min_value=0, max_value=25)


@given(
    st.lists(st.lists(counts, min_size=3, max_size=3), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=8),
    st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_suppression_never_shows_a_small_count(
    rows: list[list[int]], threshold: int, suppress_zeros: bool
) -> None:
    table = pd.DataFrame(rows, columns=["a", "b", "c"])
    table["total"] = table.sum(axis=1)
    out = suppress_small_counts(
        table, ["a", "b", "c"], threshold, total="total", suppress_zeros=suppress_zeros
    )
    assert is_shareable(out, ["a", "b", "c", "total"], threshold)
    shown = out[["a", "b", "c", "total"]].to_numpy(dtype="float64", na_value=np.nan)
    original = table[["a", "b", "c", "total"]].to_numpy(dtype="float64")
    visible = ~np.isnan(shown)
    assert (shown[visible] == original[visible]).all()  # nothing shown is altered
    if suppress_zeros:
        assert not (shown[visible] == 0).any() or threshold == 0


@given(
    st.lists(counts, min_size=2, max_size=4),
    st.integers(min_value=2, max_value=6),
)
@settings(max_examples=300, deadline=None)
def test_hidden_small_counts_cannot_be_recovered_from_the_total(
    row: list[int], threshold: int
) -> None:
    """Brute force: every value set consistent with what is shown.

    The reader sees the shown cells and (if shown) the total, knows the rule:
    a hidden small count is in 1..t-1; a cell hidden on top is at least t and
    at most the smallest count >= t still shown. Each hidden small count must
    keep at least two possible values.
    """
    names = [f"c{i}" for i in range(len(row))]
    table = pd.DataFrame([row], columns=names)
    table["total"] = sum(row)
    out = suppress_small_counts(table, names, threshold, total="total")
    shown = out.iloc[0]
    if pd.isna(shown["total"]):
        return  # no equation left to solve
    hidden = [i for i, name in enumerate(names) if pd.isna(shown[name])]
    small = [i for i in hidden if 1 <= row[i] < threshold]
    still_shown = [row[i] for i in range(len(row)) if i not in hidden and row[i] >= threshold]
    cap = min(still_shown) if still_shown else sum(row)
    ranges = [range(1, threshold) if i in small else range(threshold, cap + 1) for i in hidden]
    rest = sum(row) - sum(row[i] for i in range(len(row)) if i not in hidden)
    feasible = [combo for combo in itertools.product(*ranges) if sum(combo) == rest]
    for k, i in enumerate(hidden):
        if i in small:
            assert len({combo[k] for combo in feasible}) >= 2, (row, threshold, feasible)
