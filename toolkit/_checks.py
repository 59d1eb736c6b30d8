"""The one way to check an argument: small checkers that raise a bilingual error.

Every checker takes the argument's ``name`` (as the user wrote it), its
``value`` and the language of the message (``None``: the current language),
returns the value in the type the caller needs, and otherwise raises
:class:`toolkit.errors.ParameterError` (a ``ValueError``) with one of three
catalogue texts of ``common.yaml``:

- ``common.param_type``: not a number, not a whole number, not a table …
- ``common.param_range``: a number outside its range, stated as ``allowed``;
- ``common.param_choice``: a word that is not one of the choices.

A condition no checker states (two arguments together, a sum of shares)
raises the error built by :func:`range_error`, :func:`type_error` or
:func:`choice_error`, or a :class:`~toolkit.errors.ParameterError` with a key
of its own module's catalogue. ``allowed`` is words the user reads: a plain
string when it holds only symbols and numbers ("0–1", "≥ 0"), else a
``{"sv": …, "en": …}`` pair so an English message never carries Swedish.

The pattern follows scikit-learn's ``utils/_param_validation.py`` (one
vocabulary of constraints) and pingouin's ``_check_dataframe`` (one
function per kind of input), in the toolkit's two languages.

>>> positive("capacity_per_week", 12)
12.0
>>> print(share("dna_rate", 1.5, "en"))
Traceback (most recent call last):
    ...
toolkit.errors.ParameterError: dna_rate = 1.5 is outside the allowed range 0–1.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit.errors import ParameterError

#: A range as the user reads it: one text, or a Swedish and an English text.
Allowed = str | dict[str, str]

T = TypeVar("T")

_FINITE: dict[str, str] = {"sv": "ett ändligt tal", "en": "a finite number"}

__all__ = [
    "Allowed",
    "categories",
    "choice_error",
    "columns",
    "date",
    "finite",
    "in_range",
    "integer",
    "non_negative",
    "number",
    "numbers",
    "one_of",
    "positive",
    "range_error",
    "range_text",
    "share",
    "type_error",
    "whole",
]


# ----------------------------------------------------------------------------
# The three errors
# ----------------------------------------------------------------------------


def range_error(name: str, value: Any, allowed: Allowed, lang: str | None = None) -> ParameterError:
    """The error "``name`` = ``value`` is outside the allowed range ``allowed``".

    >>> str(range_error("threshold", 1, "2, 3, 4 …", "sv"))
    'threshold = 1 ligger utanför det tillåtna intervallet 2, 3, 4 ….'
    """
    return ParameterError(
        "common.param_range", argument=name, value=value, allowed=allowed, lang=lang
    )


def type_error(name: str, expected: Allowed, got: Any, lang: str | None = None) -> ParameterError:
    """The error "``name`` must be ``expected``, but got ``got``".

    ``got`` is shown as given: pass ``type(value).__name__`` (the usual) or
    ``repr(value)`` when the value itself says more.

    >>> str(type_error("seed", "integer >= 0 or None", "-1", "en"))
    'seed must be integer >= 0 or None, but got -1.'
    """
    return ParameterError("common.param_type", argument=name, expected=expected, got=got, lang=lang)


def choice_error(
    name: str, value: Any, choices: Iterable[Any], lang: str | None = None
) -> ParameterError:
    """The error "``name`` = ``value`` is not a valid choice; choose one of: …".

    >>> str(choice_error("method", "mean", ["range", "percentile"], "en"))
    "method = 'mean' is not a valid choice; choose one of: range, percentile."
    """
    allowed = ", ".join(str(c) for c in choices)
    return ParameterError(
        "common.param_choice", argument=name, value=value, allowed=allowed, lang=lang
    )


# ----------------------------------------------------------------------------
# Numbers
# ----------------------------------------------------------------------------


def _text(x: float, lang: str) -> str:
    """A bound as ``lang`` writes it: whole numbers bare, others with a decimal comma in Swedish."""
    if float(x).is_integer():
        return str(int(x))
    text = format(float(x), "g")
    return text.replace(".", ",") if lang == "sv" else text


def range_text(
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> Allowed:
    """The range text of the bounds: ``≥ 0``, ``> 0``, ``0–1``, ``> 0 and ≤ 1`` …

    One text where both languages write it alike, else a Swedish and an English one.

    >>> range_text(0, None, False, False), range_text(0, 1, False, False)
    ('≥ 0', '0–1')
    >>> range_text(0, 60, True, False)
    {'sv': '> 0 och ≤ 60', 'en': '> 0 and ≤ 60'}
    >>> range_text(-1.5, None, False, False)
    {'sv': '≥ -1,5', 'en': '≥ -1.5'}
    """
    if low is None and high is None:
        return _FINITE
    words = {"sv": "och", "en": "and"}
    texts = {}
    for lang in ("sv", "en"):
        lower = "" if low is None else ("> " if low_open else "≥ ") + _text(low, lang)
        upper = "" if high is None else ("< " if high_open else "≤ ") + _text(high, lang)
        if low is not None and high is not None and not (low_open or high_open):
            texts[lang] = f"{_text(low, lang)}–{_text(high, lang)}"
        else:
            texts[lang] = f" {words[lang]} ".join(x for x in (lower, upper) if x)
    return texts["sv"] if texts["sv"] == texts["en"] else texts


def _inside(x: Any, low: float | None, high: float | None, low_open: bool, high_open: bool) -> Any:
    """True where ``x`` is finite and within the bounds (elementwise for arrays)."""
    ok = np.isfinite(x)
    if low is not None:
        ok = ok & ((x > low) if low_open else (x >= low))
    if high is not None:
        ok = ok & ((x < high) if high_open else (x <= high))
    return ok


def number(name: str, value: Any, lang: str | None = None, *, expected: Allowed = "float") -> float:
    """``value`` as a float if it is a real number (not ``True``/``False``), else the type error.

    >>> number("weeks", 3)
    3.0
    >>> number("weeks", "3", "en")
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: weeks must be float, but got str.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise type_error(name, expected, type(value).__name__, lang)
    return float(value)


def in_range(
    name: str,
    value: Any,
    lang: str | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allowed: Allowed | None = None,
    expected: Allowed = "float",
) -> float:
    """``value`` as a float if it is a finite number within ``[low, high]``.

    An open end (``low_open``, ``high_open``) leaves the bound itself out;
    ``None`` leaves that side unbounded. NaN and infinity are always out of
    range. ``allowed`` is the range as the message states it; by default it
    is written from the bounds (``≥ 0``, ``0–1``, ``> 0 and ≤ 60``). The
    message repeats the value as a float (``2`` reads ``2.0``).

    >>> in_range("group_size", 3, low=1, high=1000)
    3.0
    >>> in_range("group_size", 0, "en", low=1)
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: group_size = 0.0 is outside the allowed range ≥ 1.
    >>> in_range("fte", 0.0, "sv", low=0, low_open=True, high=1)
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: fte = 0,0 ligger utanför det tillåtna intervallet > 0 och ≤ 1.
    """
    x = number(name, value, lang, expected=expected)
    if not _inside(x, low, high, low_open, high_open):
        raise range_error(
            name,
            x,
            range_text(low, high, low_open, high_open) if allowed is None else allowed,
            lang,
        )
    return x


def positive(name: str, value: Any, lang: str | None = None) -> float:
    """``value`` as a float if it is a finite number above 0 (range text ``> 0``).

    >>> positive("hours_per_week", 0, "en")
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: hours_per_week = 0.0 is outside the allowed range > 0.
    """
    return in_range(name, value, lang, low=0.0, low_open=True)


def non_negative(name: str, value: Any, lang: str | None = None) -> float:
    """``value`` as a float if it is a finite number of at least 0 (range text ``≥ 0``).

    >>> non_negative("minutes", -1.5, "sv")
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: minutes = -1,5 ligger utanför det tillåtna intervallet ≥ 0.
    """
    return in_range(name, value, lang, low=0.0)


def share(name: str, value: Any, lang: str | None = None) -> float:
    """``value`` as a float if it is a share from 0 to 1, both included (range text ``0–1``).

    >>> share("share_digital", 0), share("share_digital", 1)
    (0.0, 1.0)
    """
    return in_range(name, value, lang, low=0.0, high=1.0)


def finite(name: str, value: Any, lang: str | None = None) -> float:
    """``value`` as a float if it is a finite number (any sign).

    >>> finite("other_cost_per_year_sek", float("inf"), "en")
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: other_cost_per_year_sek = inf is outside the allowed range a finite number.
    """
    return in_range(name, value, lang, allowed=_FINITE)


def numbers(
    name: str,
    value: Any,
    lang: str | None = None,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allowed: Allowed | None = None,
    expected: Allowed = "float",
) -> npt.NDArray[np.float64]:
    """A number or an array of numbers as a float array, every element checked as :func:`in_range`.

    The message names the first element out of range.

    >>> numbers("demand_per_week", [3, 4])
    array([3., 4.])
    >>> numbers("demand_per_week", [3, -4, -5], "en", low=0)
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: demand_per_week = -4.0 is outside the allowed range ≥ 0.
    """
    if isinstance(value, bool | np.bool_):
        raise type_error(name, expected, type(value).__name__, lang)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise type_error(name, expected, type(value).__name__, lang) from None
    ok = _inside(arr, low, high, low_open, high_open)
    if not np.all(ok):
        first = float(np.ravel(arr[~ok] if arr.ndim else arr)[0])
        raise range_error(
            name,
            first,
            range_text(low, high, low_open, high_open) if allowed is None else allowed,
            lang,
        )
    return arr


def integer(
    name: str,
    value: Any,
    lang: str | None = None,
    *,
    low: int | None = None,
    high: int | None = None,
    allowed: Allowed | None = None,
    expected: Allowed = "integer",
) -> int:
    """``value`` as an int if it is a whole number (``int`` or NumPy integer) within ``[low, high]``.

    A float such as ``3.0`` is a type error: a count is typed as a count.
    By default the range reads ``1–53`` or, with no upper bound, ``1, 2, 3 …``.

    >>> integer("start_week_of_year", 53, low=1, high=53)
    53
    >>> integer("last_weeks", 0, "en", low=1)
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: last_weeks = 0 is outside the allowed range 1, 2, 3 ….
    >>> integer("weeks", 2.0, "en", low=1)
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: weeks must be integer, but got float.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise type_error(name, expected, type(value).__name__, lang)
    n = int(value)
    if (low is not None and n < low) or (high is not None and n > high):
        if allowed is None:
            if low is None:
                allowed = f"≤ {high}"
            elif high is None:
                allowed = f"{low}, {low + 1}, {low + 2} …"
            else:
                allowed = f"{low}–{high}"
        raise range_error(name, value, allowed, lang)
    return n


def whole(
    name: str,
    value: Any,
    lang: str | None = None,
    *,
    low: int,
    high: int | None = None,
    allowed: Allowed | None = None,
) -> int:
    """``value`` as an int if it is a whole number within ``[low, high]``; anything else is out of range.

    Unlike :func:`integer`, a value of another type (``2.5``, ``"4"``,
    ``True``) gets the range message too: the message for a count typed
    into a form, where "outside 1–104" helps more than a type name.

    >>> whole("horizon_weeks", 26, low=1, high=104)
    26
    >>> whole("horizon_weeks", 2.5, "en", low=1, high=104)
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: horizon_weeks = 2.5 is outside the allowed range 1–104.
    """
    ok = not isinstance(value, bool | np.bool_) and isinstance(value, int | np.integer)
    if ok and low <= value and (high is None or value <= high):
        return int(value)
    if allowed is None:
        allowed = f"{low}, {low + 1}, {low + 2} …" if high is None else f"{low}–{high}"
    raise range_error(name, value, allowed, lang)


# ----------------------------------------------------------------------------
# Words and tables
# ----------------------------------------------------------------------------


def one_of(name: str, value: T, choices: Collection[Any], lang: str | None = None) -> T:
    """``value`` unchanged if it is one of ``choices``, else the choice error listing them.

    >>> one_of("method", "range", ("range", "percentile"))
    'range'
    >>> one_of("freq", "D", ("W", "M"), "sv")
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: freq = 'D' är inte ett giltigt val; välj ett av: W, M.
    """
    if value not in choices:
        raise choice_error(name, value, choices, lang)
    return value


def columns(
    name: str, table: Any, required: Sequence[str], lang: str | None = None
) -> pd.DataFrame:
    """``table`` if it is a DataFrame holding every column of ``required``.

    Not a DataFrame: the type error. Columns missing: one message naming all
    of them and the columns present (``capacity.missing_columns``).

    >>> columns("staff", pd.DataFrame({"fte": [1.0]}), ["staff_category", "fte"], "en")
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: staff lacks the columns staff_category; columns present: fte.
    """
    if not isinstance(table, pd.DataFrame):
        raise type_error(name, "pandas.DataFrame", type(table).__name__, lang)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ParameterError(
            "capacity.missing_columns",
            argument=name,
            missing=", ".join(missing),
            present=", ".join(map(str, table.columns)),
            lang=lang,
        )
    return table


def categories(
    name: str, values: pd.Series, allowed: Sequence[str], lang: str | None = None
) -> pd.Series:
    """A column's values as strings (missing stays missing) if every value is one of ``allowed``.

    The message names the first value that is not.

    >>> categories("staff.category", pd.Series(["nurse", None]), ["nurse", "doctor"]).tolist()
    ['nurse', <NA>]
    """
    text = values.astype("string")
    bad = ~text.isin(list(allowed)) & text.notna()
    if bool(bad.any()):
        raise choice_error(name, str(text[bad].iloc[0]), allowed, lang)
    return text


def date(name: str, value: Any, lang: str | None = None) -> pd.Timestamp:
    """``value`` as a :class:`pandas.Timestamp` if pandas reads it as a date.

    >>> date("on", "2024-01-31")
    Timestamp('2024-01-31 00:00:00')
    >>> date("on", "soon", "en")
    Traceback (most recent call last):
        ...
    toolkit.errors.ParameterError: on = 'soon' is not a date; give e.g. "2024-01-31".
    """
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ParameterError("capacity.not_a_date", argument=name, value=value, lang=lang) from None
    if pd.isna(day):
        raise ParameterError("capacity.not_a_date", argument=name, value=value, lang=lang)
    return day
