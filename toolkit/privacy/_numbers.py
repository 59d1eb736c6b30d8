"""The numeric core of the identity-number scan: int64 numbers in, answers out, no strings.

Candidates are split into their parts (century, YY, MM, DD, NN, N, C) and
checked for structure, date and Luhn check digit, as arrays
(:func:`_valid_numbers`) or one at a time for free text (:func:`_valid_one`);
the text a pseudonym is made from and the 12-digit form come from here too.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

#: Skatteverket adds this to the day of birth in a coordination number.
COORDINATION_DAY_OFFSET = 60
#: Days per month, index 1–12; February with 29 (leap years checked apart).
_DAYS_IN_MONTH = np.array([31, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

_INT64 = np.int64
_TEN10 = 10**10


def _pair_table() -> NDArray[np.int64]:
    """Luhn sum of a two-digit chunk ``ab`` with weights (2, 1): s(2a) + b."""
    a, b = np.divmod(np.arange(100), 10)
    doubled = 2 * a
    return (doubled - 9 * (doubled > 9) + b).astype(_INT64)


_PAIR = _pair_table()


#: Place values of the parts (century, YY, MM, DD, NN, N, C) in the 12-digit number.
_PART_VALUES = np.array([10**10, 10**8, 10**6, 10**4, 100, 10, 1], dtype=_INT64)


def _parts_of_numbers(number: NDArray[np.int64]) -> NDArray[np.int64]:
    """Split numbers (10 or 12 digits) into century, YY, MM, DD, NN, N, C."""
    out = np.empty((number.size, 7), dtype=_INT64)
    rest = number
    for j, place in enumerate(_PART_VALUES[:-1]):
        out[:, j], rest = np.divmod(rest, place)
    out[:, 6] = rest
    return out


def _valid_numbers(parts: NDArray[np.int64], long_form: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Check structure, date and check digit of candidate numbers.

    ``parts`` has one row per candidate: century (0 for the 10-digit form),
    YY, MM, DD, the first two digits of the birth number, its third digit,
    and the check digit; ``long_form`` is True for the 12-digit form.
    Personal identity, coordination and Inera Carelink reserve numbers
    (day 32–59) share the layout and the check digit; Region Stockholm's
    reserve numbers (``99`` + year + serial) are checked apart.
    """
    century, yy, month, day, serial12, serial3, check = parts.T
    # Luhn with weights 2,1,2,1,2,1,2,1,2 = four (2, 1) pairs and a lone 2.
    doubled = 2 * serial3
    lone = doubled - 9 * (doubled > 9)
    tail = _PAIR[month] + _PAIR[day] + _PAIR[serial12] + lone
    luhn = (10 - (_PAIR[yy] + tail) % 10) % 10 == check
    year = century * 100 + yy
    leap = np.where(
        long_form, (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)), yy % 4 == 0
    )
    days = _DAYS_IN_MONTH[np.minimum(month, 12)]
    days = np.where((month == 2) & ~leap, 28, days)
    century_ok = np.where(long_form, (century >= 18) & (century <= 20), century == 0)
    person = (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)
    # Coordination numbers: day + 60; Skatteverket writes 00 for an unknown
    # month or day, so month 00 and day 60 occur (see its test numbers).
    coord_day = day - COORDINATION_DAY_OFFSET
    coordination = (month <= 12) & (coord_day >= 0) & (coord_day <= np.where(month == 0, 31, days))
    # Inera Carelink reserve numbers: YYYYMM, a day 32-59, serial, Luhn.
    carelink = (month >= 1) & (month <= 12) & (day >= 32) & (day <= 59)
    # Region Stockholm reserve numbers 99 YYYY NNNNN C: a year 1800-2299 (Inera
    # states 1980-2299 but gives 1945 as an example) and a Luhn digit over the
    # seven digits after "99YY" (positions 5-11).
    sll = long_form & (century == 99) & (yy >= 18) & (yy <= 22) & ((10 - tail % 10) % 10 == check)
    return (century_ok & (person | coordination | carelink) & luhn) | sll


_PAIR_LIST = [int(v) for v in _PAIR]


def _valid_one(parts: Sequence[int], long_form: bool) -> bool:
    """:func:`_valid_numbers` for one candidate, in plain Python (for free text)."""
    century, yy, month, day, serial12, serial3, check = parts
    doubled = 2 * serial3
    tail = _PAIR_LIST[month] + _PAIR_LIST[day] + _PAIR_LIST[serial12] + doubled - 9 * (doubled > 9)
    if long_form and century == 99:
        return 18 <= yy <= 22 and (10 - tail % 10) % 10 == check
    if (10 - (_PAIR_LIST[yy] + tail) % 10) % 10 != check:
        return False
    if long_form and not 18 <= century <= 20:
        return False
    if not long_form and century != 0:
        return False
    if month > 12:
        return False
    if month == 0:
        return 0 <= day - COORDINATION_DAY_OFFSET <= 31
    # In the 10-digit form every year divisible by 4 is a leap year, as for 2000 + YY.
    days = calendar.monthrange(century * 100 + yy if long_form else 2000 + yy, month)[1]
    return 1 <= day <= days or 32 <= day <= 59 or 0 <= day - COORDINATION_DAY_OFFSET <= days


def _is_sll(parts: NDArray[np.int64], long_form: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Region Stockholm reserve numbers among valid candidates (they keep their 12 digits)."""
    return long_form & (parts[:, 0] == 99)


def _pseudonym_keys(
    number: NDArray[np.int64], parts: NDArray[np.int64], long_form: NDArray[np.bool_]
) -> NDArray[np.str_]:
    """The text hashed for each valid number: its 10 digits YYMMDDNNNC, no century.

    Region Stockholm reserve numbers keep all 12 digits (their first two are
    ``99``, not a century).
    """
    if number.size == 0:
        return np.zeros(0, dtype=str)
    sll = _is_sll(parts, long_form)
    ten = np.char.zfill((number % _TEN10).astype(str), 10)
    return np.where(sll, number.astype(str), ten)


def _long_form(
    number: NDArray[np.int64],
    long_form: NDArray[np.bool_],
    plus: NDArray[np.bool_],
    reference_year: int,
) -> NDArray[np.int64]:
    """The 12-digit form: add the century to 10-digit numbers.

    Without ``+`` the person is taken to be under 100 in ``reference_year``
    (born in one of the 100 years ending with it); ``+`` moves the birth year
    100 years back (Skatteverket's rule for people aged 100 or more).
    """
    yy = (number % _TEN10) // 10**8
    year = reference_year - (reference_year - yy) % 100 - 100 * plus.astype(_INT64)
    return np.where(long_form, number, (year // 100) * _TEN10 + number % _TEN10)
