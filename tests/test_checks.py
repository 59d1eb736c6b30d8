"""The argument checkers of ``toolkit._checks``: each boundary, each message in Swedish and English.

The expected messages are written out by hand from the three texts of
``toolkit/data/text/common.yaml`` (``common.param_range``, ``common.param_type``,
``common.param_choice``) and the two of ``capacity.yaml`` (``capacity.missing_columns``,
``capacity.not_a_date``), filled in as a reader of each language writes numbers
(a decimal comma in Swedish), with the type words of ``checks.yaml`` (Swedish
words for a Swedish reader, the code's English type names for an English one).
"""

from __future__ import annotations

import ast
import inspect
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.i18n import catalogue

#: A value's Python type name and how each language shows it as ``got``.
GOT = {
    "bool": ("ett sanningsvärde (bool)", "bool"),
    "str": ("text (str)", "str"),
    "NoneType": ("inget värde (None)", "NoneType"),
    "list": ("en lista (list)", "list"),
    "float": ("ett decimaltal (float)", "float"),
}


def _messages(call) -> tuple[str, str]:
    """The Swedish and English message of the ParameterError ``call`` raises."""
    with pytest.raises(ParameterError) as info:
        call()
    assert isinstance(info.value, ValueError)
    return info.value.message("sv"), info.value.message("en")


def _range(argument: str, value: str, sv: str, en: str | None = None) -> tuple[str, str]:
    """``common.param_range`` as its catalogue text reads."""
    return (
        f"{argument} = {value} ligger utanför det tillåtna intervallet {sv}.",
        f"{argument} = {value.replace(',', '.')} is outside the allowed range {en or sv}.",
    )


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("checker", "inside", "outside", "allowed_sv", "allowed_en"),
    [
        # positive: 0 is out, the smallest positive number in
        (checks.positive, [1e-300, 5, 1e6], [0.0, -1.0], "> 0", "> 0"),
        # non_negative: 0 is in
        (checks.non_negative, [0.0, 0, 3.5], [-1e-12, -2.0], "≥ 0", "≥ 0"),
        # share: both ends in
        (checks.share, [0.0, 1.0, 0.5, 0, 1], [-0.5, 1.5], "0–1", "0–1"),
    ],
)
def test_named_ranges_and_their_boundaries(checker, inside, outside, allowed_sv, allowed_en):
    for value in inside:
        assert checker("x", value) == pytest.approx(float(value))
        assert isinstance(checker("x", value), float)
    for value in outside:
        sv, en = _messages(lambda v=value: checker("x", v, "sv"))
        shown = repr(float(value))
        assert sv == _range("x", shown.replace(".", ","), allowed_sv)[0]
        assert en == _range("x", shown, allowed_sv, allowed_en)[1]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("checker", [checks.positive, checks.non_negative, checks.share])
def test_nan_and_infinity_are_out_of_every_range(checker, bad):
    sv, en = _messages(lambda: checker("x", bad))
    assert f"x = {bad}" in en
    assert "utanför det tillåtna intervallet" in sv


def test_finite_takes_any_sign_but_not_infinity():
    assert checks.finite("cost", -2.5) == -2.5
    sv, en = _messages(lambda: checks.finite("cost", math.inf))
    assert sv == "cost = inf ligger utanför det tillåtna intervallet ett ändligt tal."
    assert en == "cost = inf is outside the allowed range a finite number."


@pytest.mark.parametrize("bad", [True, False, np.bool_(True), "3", None, [1.0]])
def test_number_refuses_what_is_not_a_real_number(bad):
    sv, en = _messages(lambda: checks.positive("hours", bad))
    got_sv, got_en = GOT[type(bad).__name__]
    assert sv == f"hours ska vara ett tal, men fick {got_sv}."
    assert en == f"hours must be float, but got {got_en}."


def test_number_takes_numpy_numbers():
    assert checks.positive("x", np.float32(2.5)) == 2.5
    assert checks.positive("x", np.int64(3)) == 3.0
    assert checks.number("x", np.float64(-1)) == -1.0


def test_the_type_word_is_the_callers():
    _sv, en = _messages(lambda: checks.in_range("dna_rate", "0.1", low=0, expected="number"))
    assert en == "dna_rate must be number, but got str."


def test_in_range_open_and_closed_ends():
    # closed ends: both bounds in
    assert checks.in_range("g", 1, low=1, high=1000) == 1.0
    assert checks.in_range("g", 1000, low=1, high=1000) == 1000.0
    # open ends: the bounds themselves out, a hair inside in
    assert checks.in_range("d", 0.999999, low=0, high=1, high_open=True) == 0.999999
    sv, en = _messages(lambda: checks.in_range("d", 1.0, low=0, high=1, high_open=True))
    assert (sv, en) == _range("d", "1,0", "≥ 0 och < 1", "≥ 0 and < 1")
    sv, en = _messages(lambda: checks.in_range("f", 0.0, low=0, low_open=True, high=1))
    assert (sv, en) == _range("f", "0,0", "> 0 och ≤ 1", "> 0 and ≤ 1")


def test_in_range_writes_decimal_bounds_in_the_readers_way():
    sv, en = _messages(lambda: checks.in_range("added_fte['nurse']", -2.0, low=-1.5))
    assert (sv, en) == _range("added_fte['nurse']", "-2,0", "≥ -1,5", "≥ -1.5")


def test_in_range_states_a_given_range_text():
    allowed = {"sv": "1–520 veckor", "en": "1–520 weeks"}
    sv, en = _messages(lambda: checks.in_range("w", 0, low=1, high=520, allowed=allowed))
    assert (sv, en) == _range("w", "0,0", "1–520 veckor", "1–520 weeks")


def test_range_text():
    assert checks.range_text(low=0) == "≥ 0"
    assert checks.range_text(high=5, high_open=True) == "< 5"
    assert checks.range_text(low=0, high=1000000) == "0–1000000"
    assert checks.range_text(low=-1, low_open=True, high=10) == {
        "sv": "> -1 och ≤ 10",
        "en": "> -1 and ≤ 10",
    }
    assert checks.range_text() == {"sv": "ett ändligt tal", "en": "a finite number"}


# ---------------------------------------------------------------------------- arrays


def test_numbers_checks_every_element_and_names_the_first_bad_one():
    out = checks.numbers("demand_per_week", [0.0, 2, 3.5], low=0)
    assert out.dtype == np.float64 and out.tolist() == [0.0, 2.0, 3.5]
    assert checks.numbers("q", 4).shape == ()
    sv, en = _messages(lambda: checks.numbers("q", [1.0, -2.0, -3.0], low=0))
    assert (sv, en) == _range("q", "-2,0", "≥ 0")
    sv, en = _messages(lambda: checks.numbers("q", [1.0, math.nan], low=0))
    assert en == "q = nan is outside the allowed range ≥ 0."


def test_numbers_refuses_a_boolean_and_text():
    assert _messages(lambda: checks.numbers("q", True))[1] == "q must be float, but got bool."
    assert _messages(lambda: checks.numbers("q", ["a"], expected="number"))[1] == (
        "q must be number, but got list."
    )


# ---------------------------------------------------------------------------- whole numbers


def test_integer_boundaries_and_default_range_texts():
    assert checks.integer("week", 1, low=1, high=53) == 1
    assert checks.integer("week", np.int32(53), low=1, high=53) == 53
    assert _messages(lambda: checks.integer("week", 54, low=1, high=53)) == _range(
        "week", "54", "1–53"
    )
    assert _messages(lambda: checks.integer("n", 0, low=1)) == _range("n", "0", "1, 2, 3 …")
    assert _messages(lambda: checks.integer("n", 9, high=8)) == _range("n", "9", "≤ 8")


@pytest.mark.parametrize("bad", [2.0, True, "2"])
def test_integer_calls_another_type_a_type_error(bad):
    sv, en = _messages(lambda: checks.integer("weeks", bad, low=1))
    got_sv, got_en = GOT[type(bad).__name__]
    assert sv == f"weeks ska vara ett heltal, men fick {got_sv}."
    assert en == f"weeks must be integer, but got {got_en}."


@pytest.mark.parametrize(
    ("bad", "shown_sv"), [(2.5, "2,5"), (True, "True"), ("4", "4"), (None, "None")]
)
def test_whole_calls_another_type_out_of_range(bad, shown_sv):
    sv, en = _messages(lambda: checks.whole("horizon_weeks", bad, low=1, high=104))
    assert (sv, en) == _range("horizon_weeks", shown_sv, "1–104")


def test_whole_boundaries():
    assert checks.whole("t", 2, low=2) == 2
    assert checks.whole("t", np.int64(104), low=1, high=104) == 104
    assert _messages(lambda: checks.whole("t", 1, low=2)) == _range("t", "1", "2, 3, 4 …")
    assert _messages(lambda: checks.whole("t", 105, low=1, high=104)) == _range("t", "105", "1–104")


# ---------------------------------------------------------------------------- words and tables


def test_one_of_and_choice_error():
    assert checks.one_of("freq", "W", ("W", "M")) == "W"
    assert checks.one_of("improvement", None, (None, "increase")) is None
    sv, en = _messages(lambda: checks.one_of("freq", "D", ("W", "M")))
    assert sv == "freq = 'D' är inte ett giltigt val; välj ett av: W, M."
    assert en == "freq = 'D' is not a valid choice; choose one of: W, M."
    sv, en = _messages(lambda: checks.one_of("run_length", 5, (6, 7)))
    assert en == "run_length = 5 is not a valid choice; choose one of: 6, 7."


def test_columns():
    table = pd.DataFrame({"fte": [1.0], "x": [2]})
    assert checks.columns("staff", table, ["fte"]) is table
    sv, en = _messages(lambda: checks.columns("staff", table, ["staff_category", "fte", "end"]))
    assert sv == "staff saknar kolumnerna staff_category, end; kolumner som finns: fte, x."
    assert en == "staff lacks the columns staff_category, end; columns present: fte, x."
    sv, en = _messages(lambda: checks.columns("staff", [1, 2], ["fte"]))
    assert en == "staff must be pandas.DataFrame, but got list."


def test_categories_keeps_missing_and_names_the_first_unknown():
    out = checks.categories("c", pd.Series(["nurse", None, "nurse"]), ["nurse", "physician"])
    assert out.isna().tolist() == [False, True, False]
    _sv, en = _messages(
        lambda: checks.categories("c", pd.Series(["nurse", "janitor", "x"]), ["nurse"])
    )
    assert en == "c = 'janitor' is not a valid choice; choose one of: nurse."


def test_date():
    assert checks.date("on", "2024-01-31") == pd.Timestamp(2024, 1, 31)
    for bad in ("soon", "", None):
        sv, en = _messages(lambda b=bad: checks.date("on", b))
        assert sv == f'on = {bad!r} är inte ett datum; ange t.ex. "2024-01-31".'
        assert en == f'on = {bad!r} is not a date; give e.g. "2024-01-31".'


def test_the_three_errors_carry_the_language_they_were_raised_in():
    assert str(checks.range_error("x", 2, "0–1", "en")) == "x = 2 is outside the allowed range 0–1."
    assert str(checks.type_error("x", "float", "str", "sv")) == (
        "x ska vara ett tal, men fick text (str)."
    )
    assert str(checks.choice_error("x", "a", ["b"], "en")) == (
        "x = 'a' is not a valid choice; choose one of: b."
    )
    # a two-language range text never leaks Swedish into English or back
    err = checks.range_error("x", 2, {"sv": "ett heltal", "en": "an integer"}, "sv")
    assert "integer" not in err.message("sv") and "heltal" not in err.message("en")


def test_report_checks_keep_their_shapes():
    from toolkit.report._checks import _check_threshold, _parse_date

    assert _parse_date("2024-03-01 10:00", "period_start", "en") == pd.Timestamp(2024, 3, 1)
    assert _parse_date("", "period_start", "en") is None
    _sv, en = _messages(lambda: _parse_date("soon", "period_start", "en"))
    assert en == "period_start = 'soon' is not a date; give e.g. \"2024-01-31\"."
    _check_threshold(2, "en")
    assert _messages(lambda: _check_threshold(1, "en"))[1] == (
        "threshold = 1 is outside the allowed range 2, 3, 4 …."
    )


# ---------------------------------------------------------------------------- type words


def _raise(err: ParameterError) -> None:
    raise err


@pytest.mark.parametrize(
    ("call", "sv", "en"),
    [
        (
            lambda: checks.in_range("dna_rate", "0.1", low=0, expected="number"),
            "dna_rate ska vara ett tal, men fick text (str).",
            "dna_rate must be number, but got str.",
        ),
        (
            lambda: checks.number("weekly_demand", {"a": 1}, expected="number"),
            "weekly_demand ska vara ett tal, men fick en ordbok (dict).",
            "weekly_demand must be number, but got dict.",
        ),
        (
            lambda: checks.columns("staff", [1, 2], ["fte"]),
            "staff ska vara en tabell (pandas.DataFrame), men fick en lista (list).",
            "staff must be pandas.DataFrame, but got list.",
        ),
        (
            lambda: checks.integer("seed", 1.5),
            "seed ska vara ett heltal, men fick ett decimaltal (float).",
            "seed must be integer, but got float.",
        ),
        (
            lambda: _raise(checks.type_error("sickness", "mapping class -> number", "tuple")),
            "sickness ska vara en ordbok klass -> tal, men fick en tupel (tuple).",
            "sickness must be mapping class -> number, but got tuple.",
        ),
    ],
)
def test_a_type_error_reads_wholly_in_each_language(call, sv, en):
    # the English words are the code's own, as before; the Swedish ones are
    # checks.yaml's, written out here by hand (before it the Swedish text said "float")
    assert _messages(call) == (sv, en)


def test_a_description_the_catalogue_lacks_is_shown_as_given():
    err = checks.type_error("rebase", "dates like the column month", "['x']", "sv")
    assert str(err) == "rebase ska vara dates like the column month, men fick ['x']."
    # a repr is never taken for a type name: "'str'" is not str
    assert checks.type_error("x", "integer", "'str'", "sv").message("sv").endswith("fick 'str'.")


def _descriptions_in_the_code() -> dict[str, set[str]]:
    """Every literal type description the toolkit gives a checker, with the files giving it.

    The second argument of ``checks.type_error`` and the ``expected`` keyword
    of any checker, read from the source with :mod:`ast`; an f-string is
    recorded by its literal parts after ``f:`` (it cannot be looked up).
    """
    root = Path(__file__).resolve().parent.parent / "toolkit"
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                if getattr(func.value, "id", "") != "checks":
                    continue
                name = func.attr
            elif isinstance(func, ast.Name) and path.name == "_checks.py":
                name = func.id
            else:
                continue
            if name not in checks.__all__:
                continue
            given = [k.value for k in node.keywords if k.arg == "expected"]
            if name == "type_error" and len(node.args) >= 2:
                given.append(node.args[1])
            for arg in given:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    text = arg.value
                elif isinstance(arg, ast.JoinedStr):
                    text = "f:" + "{}".join(
                        str(v.value) for v in arg.values if isinstance(v, ast.Constant)
                    )
                else:  # a {"sv": ..., "en": ...} pair, or a name passed on: not a description
                    continue
                found.setdefault(text, set()).add(path.relative_to(root).as_posix())
    for name in sorted(set(checks.__all__) - {"Allowed"}):  # the checkers' own defaults
        expected = inspect.signature(getattr(checks, name)).parameters.get("expected")
        if expected is not None and isinstance(expected.default, str):
            found.setdefault(expected.default, set()).add("_checks.py")
    return found


#: Descriptions built at run time, which the catalogue cannot hold, with the reason.
#: (None left: a description built at run time is passed as a {"sv": ..., "en": ...} pair.)
DYNAMIC: set[str] = set()


def test_every_type_description_the_code_gives_has_swedish_words():
    described = {v["en"] for k, v in catalogue().items() if k.startswith("checks.type.")}
    code = _descriptions_in_the_code()
    missing = {text: files for text, files in code.items() if text not in described}
    assert set(missing) <= DYNAMIC, f"add these to toolkit/data/text/checks.yaml: {missing}"
    for key, texts in catalogue().items():
        if key.startswith(("checks.type.", "checks.got.")):
            assert texts["sv"] != texts["en"], f"{key}: the Swedish text is the English one"


def test_the_scan_of_descriptions_finds_them():
    code = _descriptions_in_the_code()
    # the checkers' own defaults (number/in_range/numbers, integer, columns)
    assert {"float", "integer", "pandas.DataFrame"} <= set(code)
    assert "flow/periods.py" in code["TargetProfile | str"]
    assert "simulate/scenario.py" in code["mapping class -> number"]
