"""Keep people out of what the toolkit reads, computes and shares.

Three jobs, all pure (tables and texts in, tables and texts out, no I/O):

* **Find identity numbers.** One scanner for Swedish personal identity
  numbers (personnummer), coordination numbers (samordningsnummer) and the
  reserve and interim numbers regions use, in every written form (see
  :func:`find_in_text`): :func:`identity_number_mask` and
  :func:`find_identity_numbers` for the cells of a table, whatever their
  dtype; :func:`find_in_text`, :func:`has_identity_number` and
  :func:`redact_text` for one text (a name, a header, free text).
  :func:`check_no_identity_numbers` and :func:`check_text` turn a find into
  a :class:`~toolkit.errors.DataError` that says *where* (file, sheet,
  column, rows, field), never *what*. docs/privacy.md lists the forms and
  the places the toolkit screens.
* **Pseudonymise.** :func:`pseudonymise` replaces the values of chosen
  columns by a keyed hash (HMAC-SHA256), the same for the same key and value
  and for every written form of one number, so tables can still be joined
  on the pseudonym; :func:`check_key` refuses weak keys.
* **Suppress small counts.** :func:`suppress_small_counts` hides counts below
  a threshold (default 5, so 1–4 are hidden) in tables meant for sharing, with
  an optional secondary suppression against a row total;
  :func:`is_shareable` checks a table.

Examples
--------
>>> import pandas as pd
>>> from toolkit.privacy import find_identity_numbers, pseudonymise
>>> table = pd.DataFrame({"id": ["R000001", "R000002"],
...                       "pnr": ["811218-9876", "not given"]})
>>> find_identity_numbers(table)
{'pnr': array([0])}
>>> key = "a long secret key, kept apart"
>>> out = pseudonymise(table, ["pnr"], key)
>>> out["pnr"].str.startswith("p_").all(), "9876" in out["pnr"].iloc[0]
(np.True_, False)
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from toolkit import _checks as checks
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import check_language, t

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_KEY_DISTINCT",
    "MIN_KEY_LENGTH",
    "MIN_THRESHOLD",
    "PSEUDONYM_PREFIX",
    "check_key",
    "check_no_identity_numbers",
    "check_text",
    "find_identity_numbers",
    "find_in_text",
    "has_identity_number",
    "identity_number_mask",
    "is_shareable",
    "normalise_identity_numbers",
    "pseudonymise",
    "redact_text",
    "suppress_small_counts",
]

#: Text in front of every pseudonym, so a pseudonym is never mistaken for an id.
PSEUDONYM_PREFIX = "p_"
#: Hex digits of the HMAC-SHA256 kept in a pseudonym (64 bits).
PSEUDONYM_HEX_DIGITS = 16
#: Shortest accepted pseudonymisation key, in characters (str) or bytes.
MIN_KEY_LENGTH = 16
#: Fewest different characters (not white space) in an accepted key.
MIN_KEY_DISTINCT = 8
#: Counts below this are hidden in shareable tables (so 1–4 are hidden).
DEFAULT_THRESHOLD = 5
#: The smallest share-mode threshold reports and workbooks accept (a whole number).
MIN_THRESHOLD = 2
#: Skatteverket adds this to the day of birth in a coordination number.
COORDINATION_DAY_OFFSET = 60
#: Days per month, index 1–12; February with 29 (leap years checked apart).
_DAYS_IN_MONTH = np.array([31, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

# RE2 prefilter (pyarrow) for cells that may hold a number in another written
# form than the exact layouts below, or a reserve number: a superset of what
# the Python patterns further down match after folding (any Unicode digit,
# space, dash or dot that _fold turns into its ASCII form counts).
_D = r"[\p{Nd}\p{No}]"
_SPACE = r"[\s\p{Z}\x{1c}-\x{1f}\x{85}]"
_SIGN = r"[-+\x{2010}-\x{2015}\x{2212}\x{fe58}\x{fe62}\x{fe63}\x{ff0b}\x{ff0d}]"
_SEP = rf"(?:{_SPACE}?{_SIGN}{_SPACE}?|{_SPACE})?"
_DOT = r"[.\x{2024}\x{fe52}\x{ff0e}]"
_PREFILTER = (
    rf"{_D}{{6}}{_SEP}[\p{{Nd}}\p{{No}}\p{{Lu}}]{{4}}"
    rf"|{_D}{{2}}{_DOT}{_D}{{2}}{_DOT}{_D}{{2}}{_SEP}{_D}{{4}}"
    rf"|{_D}{{2}}{_SIGN}{_D}{{2}}{_SIGN}{_D}{{2}}{_SPACE}?{_SIGN}{_SPACE}?{_D}{{4}}"
)

_INT64 = np.int64
_TEN10 = 10**10


# --------------------------------------------------------------------------
# the numeric core: int64 numbers in, answers out, no strings
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# from cells of any dtype to candidate numbers
# --------------------------------------------------------------------------


class _Candidates:
    """Cells that are shaped like an identity number, split into parts.

    ``position`` may repeat (a text with two numbers); ``whole`` is True when
    the whole cell is the number (so it can be normalised).
    """

    _fields = ("position", "parts", "long_form", "plus", "whole")

    def __init__(
        self,
        position: NDArray[np.intp],
        parts: NDArray[np.int64],
        long_form: NDArray[np.bool_],
        plus: NDArray[np.bool_],
        whole: NDArray[np.bool_],
    ) -> None:
        self.position, self.parts, self.long_form = position, parts, long_form
        self.plus, self.whole = plus, whole

    @classmethod
    def empty(cls) -> _Candidates:
        none = np.zeros(0, dtype=bool)
        return cls(np.zeros(0, np.intp), np.zeros((0, 7), _INT64), none, none, none)

    @classmethod
    def concat(cls, parts: Sequence[_Candidates]) -> _Candidates:
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls._fields))

    @property
    def number(self) -> NDArray[np.int64]:
        return self.parts @ _PART_VALUES

    def valid(self) -> NDArray[np.bool_]:
        return _valid_numbers(self.parts, self.long_form)


class _Found:
    """What a column holds: numeric candidates and reserve numbers of other shapes.

    ``numbers`` are checked by :meth:`_Candidates.valid`; the reserve numbers
    with letters (``other_*``) were checked when found. ``other_key`` is the
    text a pseudonym is made from.
    """

    def __init__(
        self,
        numbers: _Candidates,
        other_position: NDArray[np.intp] | None = None,
        other_key: NDArray[np.object_] | None = None,
        other_whole: NDArray[np.bool_] | None = None,
    ) -> None:
        self.numbers = numbers
        self.other_position = other_position if other_position is not None else np.zeros(0, np.intp)
        self.other_key = other_key if other_key is not None else np.zeros(0, dtype=object)
        self.other_whole = other_whole if other_whole is not None else np.zeros(0, dtype=bool)

    def positions(self) -> NDArray[np.intp]:
        """Cells holding at least one number (may repeat)."""
        numbers = self.numbers
        return np.concatenate([numbers.position[numbers.valid()], self.other_position])

    def whole_keys(self) -> tuple[NDArray[np.intp], NDArray[np.object_]]:
        """Cells that are one number and nothing else, and the text to hash for each."""
        numbers = self.numbers
        ok = numbers.valid() & numbers.whole
        keys = _pseudonym_keys(numbers.number[ok], numbers.parts[ok], numbers.long_form[ok])
        return (
            np.concatenate([numbers.position[ok], self.other_position[self.other_whole]]),
            np.concatenate([keys.astype(object), self.other_key[self.other_whole]]),
        )


def _from_numbers(x: NDArray[np.float64]) -> _Candidates:
    """Whole numbers: 12 digits (century 18–20, or 99 for Region Stockholm reserve
    numbers), or 8–10 digits (leading zeros lost).

    Spreadsheets drop the leading zero of 10-digit numbers of people born in
    2000–2009, so 8- and 9-digit integers are read as if padded with zeros.
    Shorter integers (people born January–September 2000) are not, because
    ordinary running numbers would then be flagged.
    """
    with np.errstate(invalid="ignore"):
        is_long = ((x >= 18 * _TEN10) & (x < 21 * _TEN10)) | (
            (x >= 99 * _TEN10) & (x < 100 * _TEN10)
        )
        is_short = (x >= 10**7) & (x < _TEN10)
        candidate = (is_long | is_short) & (x == np.floor(x))
    position = np.flatnonzero(candidate)
    parts = _parts_of_numbers(x[position].astype(_INT64))
    false = np.zeros(position.size, dtype=bool)
    return _Candidates(position, parts, is_long[position], false, ~false)


def _to_arrow(values: pd.Series) -> pa.Array:
    """A pyarrow string array of ``values`` (zero-copy for pyarrow strings)."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        arr = pa.array(values.array)
    else:
        arr = pa.array(values.to_numpy(dtype=object), from_pandas=True, type=pa.large_string())
    if isinstance(arr, pa.ChunkedArray):  # pragma: no cover - depends on pandas internals
        arr = arr.combine_chunks()
    return arr


def _byte_matrix(arr: pa.Array, width: int) -> NDArray[np.uint8]:
    """The bytes of an array of strings that are all ``width`` bytes long, one row each."""
    n = len(arr)
    if n == 0:
        return np.zeros((0, width), dtype=np.uint8)
    arr = pc.cast(arr, pa.large_binary())
    _, offsets_buffer, data_buffer = arr.buffers()
    start = int(np.frombuffer(offsets_buffer, dtype=np.int64)[arr.offset])
    data = np.frombuffer(data_buffer, dtype=np.uint8, count=n * width, offset=start)
    return data.reshape(n, width)


#: Cells laid out as an ISO date, or date and time, hold no number: decided at once
#: ("d" is a digit). Dates are most of the cells of a unit's tables.
_DATE_LAYOUTS = ("dddd-dd-dd", "dddd-dd-dd dd:dd", "dddd-dd-dd dd:dd:dd")


def _rows(arr: pa.Array, rows: NDArray[np.intp]) -> pa.Array:
    """``arr[rows]``, without a copy when ``rows`` is every row in order."""
    if rows.size == len(arr):
        return arr
    return arr.take(pa.array(rows))


#: Byte layout of each whole-cell form: (length, position of the separator or None).
#: 8 and 9 digits are 10-digit numbers whose leading zeros a spreadsheet dropped.
_LAYOUTS = ((8, None), (9, None), (10, None), (11, 6), (12, None), (13, 8))
_SEPARATOR_BYTES = (ord("-"), ord("+"), ord(" "))


def _from_text(arr: pa.Array, lost_zeros: bool) -> _Found:
    """Text cells that are, or contain, an identity or reserve number.

    ASCII cells laid out exactly as a number (``YYMMDD-NNNC`` and the like) are
    read as bytes with numpy; every other cell of 10 or more bytes that a
    cheap RE2 search marks goes to :func:`_scan`.
    """
    length = pc.fill_null(pc.binary_length(arr), 0).to_numpy()
    long_enough = np.flatnonzero(length >= (8 if lost_zeros else 10))
    if long_enough.size == 0:
        return _Found(_Candidates.empty())
    text = pc.utf8_trim_whitespace(_rows(arr, long_enough))
    text_length = pc.fill_null(pc.binary_length(text), 0).to_numpy()
    decided = np.zeros(len(text), dtype=bool)
    parts_list: list[_Candidates] = []
    for width, separator_at in _LAYOUTS:
        if width < 10 and not lost_zeros:
            continue
        rows = np.flatnonzero(text_length == width)
        if rows.size == 0:
            continue
        raw = _byte_matrix(_rows(text, rows), width)
        ok, found = _exact_layout(raw, separator_at, long_enough[rows])
        decided[rows[ok]] = True
        if found is not None:
            parts_list.append(found)
    decided |= _iso_dates(text, text_length)
    rest = np.flatnonzero(~decided & (text_length >= 10))
    scanned, other = _scanned(text, rest, long_enough)
    if scanned is not None:
        parts_list.append(scanned)
    return _Found(
        _Candidates.concat(parts_list),
        np.array(other[0], dtype=np.intp),
        np.array(other[1], dtype=object),
        np.array(other[2], dtype=bool),
    )


def _exact_layout(
    raw: NDArray[np.uint8], separator_at: int | None, position: NDArray[np.intp]
) -> tuple[NDArray[np.bool_], _Candidates | None]:
    """Which rows of equally long ASCII cells are laid out as a number, and their parts.

    ``raw`` holds one cell's bytes per row, ``position`` each cell's place;
    ``separator_at`` is the place of ``-``, ``+`` or a space (None: digits
    only). Cells shorter than 10 bytes are 10-digit numbers that lost
    leading zeros.
    """
    width = raw.shape[1]
    digit_columns = [j for j in range(width) if j != separator_at]
    below = (raw[:, digit_columns] - 48) < 10  # uint8: below '0' wraps
    ok = cast(NDArray[np.bool_], below.all(axis=1))
    if separator_at is None:
        plus = np.zeros(len(raw), dtype=bool)
    else:
        sign = raw[:, separator_at]
        ok &= np.isin(sign, _SEPARATOR_BYTES)
        plus = sign == 43
    if width < 10:
        ok &= raw[:, 0] != 48  # a number never starts with the zero it lost
    if not ok.any():
        return ok, None
    digits = raw[ok][:, digit_columns].astype(np.int16) - 48
    if width < 10:
        digits = np.column_stack([np.zeros((len(digits), 10 - width), np.int16), digits])
    if len(digit_columns) == 12:
        century, digits = 10 * digits[:, 0] + digits[:, 1], digits[:, 2:]
    else:
        century = np.zeros(len(digits), dtype=np.int16)
    pairs = 10 * digits[:, 0:8:2] + digits[:, 1:8:2]  # YY, MM, DD, NN
    parts = np.column_stack([century, pairs, digits[:, 8], digits[:, 9]]).astype(_INT64)
    found = _Candidates(
        position[ok],
        parts,
        np.full(len(parts), len(digit_columns) == 12),
        plus[ok],
        np.ones(len(parts), dtype=bool),
    )
    return ok, found


def _iso_dates(text: pa.Array, text_length: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Cells laid out as an ISO date, or date and time (:data:`_DATE_LAYOUTS`): no number."""
    is_any_date = np.zeros(len(text), dtype=bool)
    for layout in _DATE_LAYOUTS:
        width = len(layout)
        rows = np.flatnonzero(text_length == width)
        if rows.size:
            raw = _byte_matrix(_rows(text, rows), width)
            digit = np.array([c == "d" for c in layout])
            literal = np.frombuffer(layout.replace("d", "0").encode(), dtype=np.uint8)[~digit]
            is_date = ((raw[:, digit] - 48) < 10).all(axis=1) & (raw[:, ~digit] == literal).all(
                axis=1
            )
            is_any_date[rows[is_date]] = True
    return is_any_date


def _scanned(
    text: pa.Array, rest: NDArray[np.intp], position: NDArray[np.intp]
) -> tuple[_Candidates | None, tuple[list[int], list[str], list[bool]]]:
    """Numbers in every other form: the ``rest`` of the cells that a cheap RE2 search marks.

    The marked cells are read by :func:`_scan`; ``position`` is each cell's
    place. Returns the numeric candidates (None if none) and the reserve
    numbers of other shapes: places, keys, and whether each is the whole cell.
    """
    other: tuple[list[int], list[str], list[bool]] = ([], [], [])
    if rest.size == 0:
        return None, other
    rest_text = _rows(text, rest)
    where = position[rest]
    suspect = pc.fill_null(pc.match_substring_regex(rest_text, _PREFILTER), False)
    hits = np.flatnonzero(suspect.to_numpy(zero_copy_only=False))
    if hits.size == 0:
        return None, other
    numbers: list[list[int]] = []
    for cell, position in zip(rest_text.take(pa.array(hits)).to_pylist(), where[hits], strict=True):
        for found in _scan(cell):
            whole = found.start == 0 and found.end == len(cell)
            if found.parts is not None:
                numbers.append([int(position), *found.parts, found.long, found.plus, whole])
            else:
                other[0].append(int(position))
                other[1].append(found.key)
                other[2].append(whole)
    if not numbers:
        return None, other
    table = np.array(numbers, dtype=_INT64)
    candidates = _Candidates(
        table[:, 0].astype(np.intp),
        table[:, 1:8],
        table[:, 8].astype(bool),
        table[:, 9].astype(bool),
        table[:, 10].astype(bool),
    )
    return candidates, other


def _candidates(values: pd.Series, lost_zeros: bool = False) -> _Found:
    """Dispatch on dtype; datetimes, booleans and the like never match."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        values = pd.Series(values.to_numpy(dtype=object))
        dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return _Found(_Candidates.empty())
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return _Found(_from_numbers(values.to_numpy(dtype="float64", na_value=np.nan)))
    if isinstance(dtype, pd.StringDtype):
        return _from_text(_to_arrow(values), lost_zeros)
    if not pd.api.types.is_object_dtype(dtype):  # datetimes, timedeltas, periods, intervals, ...
        return _Found(_Candidates.empty())
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return _from_text(_to_arrow(values), lost_zeros)
    if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
        numeric = pd.to_numeric(values, errors="coerce")
        return _Found(_from_numbers(numeric.to_numpy(dtype="float64", na_value=np.nan)))
    if kind in ("mixed", "mixed-integer"):
        is_text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        text = _from_text(_to_arrow(values.where(is_text)), lost_zeros)
        numbers = pd.to_numeric(values.where(~is_text), errors="coerce")
        in_numbers = _from_numbers(numbers.to_numpy(dtype="float64", na_value=np.nan))
        return _Found(
            _Candidates.concat([text.numbers, in_numbers]),
            text.other_position,
            text.other_key,
            text.other_whole,
        )
    return _Found(_Candidates.empty())  # dates, times, bytes, booleans in object columns


# --------------------------------------------------------------------------
# free text: every written form, one text at a time
# --------------------------------------------------------------------------

#: Dash-like characters read as ``-``: hyphen, non-breaking hyphen, figure
#: dash, en dash, em dash, horizontal bar, minus sign, small and full-width
#: hyphen-minus.
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# Dates: YYMMDD, YYYYMMDD, or with "." (or "-") between year, month and day.
_DATE = r"(?P<y>[0-9]{2})(?P<ds>[.-]?)(?P<m>[0-9]{2})(?P=ds)(?P<d>[0-9]{2})"
# Personal identity, coordination and reserve numbers of digits only.
_NUMBER_10 = re.compile(
    r"(?<![0-9])" + _DATE + r"(?P<sep>\s?[-+]\s?|\s)?(?P<n>[0-9]{3})(?P<k>[0-9])(?![0-9])"
)
_NUMBER_12 = re.compile(
    r"(?<![0-9])(?P<c>[0-9]{2})"
    + _DATE
    + r"(?P<sep>\s?[-+]\s?|\s)?(?P<n>[0-9]{3})(?P<k>[0-9])(?![0-9])"
)
# Reserve and interim numbers: a birth date, then four characters of which at
# least one is a capital letter (Socialstyrelsen's recommendation; Region
# Skåne, Västra Götaland, Värmland).
_RESERVE = re.compile(
    r"(?<![0-9A-Za-z])(?P<c>[0-9]{2})?(?P<y>[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})[-+]?"
    r"(?P<t>(?=[0-9]{0,3}[A-Z])[A-Z0-9]{4})(?![0-9A-Za-z])"
)
# Inera's national reserve identity (NRID): XX YYMMDD NN G C.
_NRID = re.compile(
    r"(?<![0-9A-Za-z])(?P<x>[0-9]{2})(?P<y>[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})[-+]?"
    r"(?P<nn>[A-HJ-NPR-UXYZ]{2})(?P<g>[0-9A-Z])(?P<k>[0-9])(?![0-9A-Za-z])"
)


_PSEUDONYM = re.compile(r"(?<![0-9A-Za-z])p_[0-9a-f]{16}(?![0-9A-Za-z])")


class _Match:
    """One number found in a text: where (``start``, ``end``) and what to hash."""

    __slots__ = ("end", "key", "long", "parts", "plus", "start")

    def __init__(
        self,
        start: int,
        end: int,
        *,
        key: str = "",
        parts: list[int] | None = None,
        long: bool = False,
        plus: bool = False,
    ) -> None:
        self.start, self.end, self.key = start, end, key
        self.parts, self.long, self.plus = parts, long, plus


#: The digits of a sign that NFKC spells with several characters (see :func:`_fold`).
_NOT_DIGITS = str.maketrans("0123456789", "#" * 10)


def _fold(text: str) -> tuple[str, list[int] | None]:
    """The text with compatibility forms folded, and each folded character's origin.

    Each character is put in Unicode NFKC form (full-width digits and
    letters become ASCII, a no-break space a space), other decimal digits
    (Arabic-Indic, Devanagari, …) become ASCII digits, dashes become ``-``
    and every space character a space. ``None`` for ASCII text (unchanged).

    A digit is one character that folds to one digit. A sign that NFKC
    spells with several characters, digits among them (``½`` is ``1⁄2``,
    ``⑩`` is ``10``, the telegraph sign ``㍘`` is ``0点``), is not a digit:
    its digits become ``#``, so they neither glue to a number beside the
    sign (``0001010008㍘`` holds the number ``0001010008``, as a reader
    sees it) nor make one.
    """
    if text.isascii():
        return text, None
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            folded = ch
        elif ch in _DASHES:
            folded = "-"
        elif ch.isspace():
            folded = " "
        else:
            digit = unicodedata.decimal(ch, None)
            folded = str(digit) if digit is not None else unicodedata.normalize("NFKC", ch)
            if len(folded) > 1:
                folded = folded.translate(_NOT_DIGITS)
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


def _date_ok(century: int | None, yy: int, month: int, day: int) -> bool:
    """A real date; without a century, 29 February counts in every fourth year."""
    if century is not None and not 18 <= century <= 20:
        return False
    try:
        dt.date(century * 100 + yy if century is not None else 2000 + yy, month, day)
    except ValueError:
        return False
    return True


def _scan(text: str) -> list[_Match]:
    """Every identity or reserve number in ``text`` (positions in the original text).

    Pseudonyms (``p_`` and 16 hexadecimal digits) are skipped: their digits
    can happen to form a valid number.
    """
    folded, origin = _fold(text)
    if "p_" in folded:
        folded = _PSEUDONYM.sub(lambda m: "_" * len(m.group(0)), folded)
    found: list[_Match] = []
    numbers: list[tuple[int, int, list[int], bool, bool]] = []
    for pattern, long in ((_NUMBER_12, True), (_NUMBER_10, False)):
        for m in pattern.finditer(folded):
            sep = (m.group("sep") or "").strip()
            if m.group("ds") == "-" and sep not in ("-", "+"):
                continue  # "2024-01-15 1234" is a date and a number, not an identity number
            n = m.group("n")
            parts = [
                int(m.group("c")) if long else 0,
                int(m.group("y")),
                int(m.group("m")),
                int(m.group("d")),
                int(n[:2]),
                int(n[2]),
                int(m.group("k")),
            ]
            numbers.append((m.start(), m.end(), parts, long, sep == "+"))
    for start, end, parts, long, plus in numbers:
        if _valid_one(parts, long):
            found.append(_Match(start, end, parts=parts, long=long, plus=plus))
    for m in _RESERVE.finditer(folded):
        century = int(m.group("c")) if m.group("c") else None
        yy, month, day = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        if _date_ok(century, yy, month, day):
            key = f"{yy:02d}{month:02d}{day:02d}{m.group('t')}"
            found.append(_Match(m.start(), m.end(), key=key))
    for m in _NRID.finditer(folded):
        x, month, day = int(m.group("x")), int(m.group("m")), int(m.group("d"))
        known = 22 <= x <= 98 and (x - 19) % 3 in (0, 1) and 1 <= month <= 12 and 1 <= day <= 31
        unknown = x == 0 and month >= 20 and 40 <= day <= 59
        if known or unknown:
            key = re.sub(r"[-+]", "", m.group(0))
            found.append(_Match(m.start(), m.end(), key=key))
    if origin is not None:
        for match in found:
            match.start, match.end = origin[match.start], origin[match.end - 1] + 1
    return found


def _spans(found: list[_Match]) -> list[tuple[int, int]]:
    """The places of ``found``, overlapping ones merged, in order."""
    spans: list[tuple[int, int]] = []
    for start, end in sorted((m.start, m.end) for m in found):
        if spans and start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


# --------------------------------------------------------------------------
# public: detection
# --------------------------------------------------------------------------


def identity_number_mask(values: pd.Series, *, lost_zeros: bool = False) -> NDArray[np.bool_]:
    """True where a cell holds a Swedish personal identity, coordination or reserve number.

    Works on a Series of any dtype: text (``"811218-9876"``), integers read
    from a spreadsheet (``198112189876``), floats, missing values; datetimes
    and booleans never match. Text is stripped of surrounding spaces; a number
    inside longer text (``"pat. 811218-9876 ringde"``) also counts, in every
    written form that :func:`find_in_text` finds.

    Parameters
    ----------
    values : pandas.Series
        The cells to check.
    lost_zeros : bool, default False
        Also read text of 8 or 9 digits (not starting with 0) as a 10-digit
        number whose leading zeros a spreadsheet dropped, as is always done
        for numbers. Use it for cells read from an Excel workbook, where such
        text was an integer cell.

    Returns
    -------
    numpy.ndarray of bool
        One entry per cell, in order.

    Notes
    -----
    Accepted forms: ``YYMMDD-NNNC``, ``YYMMDD+NNNC``, ``YYMMDDNNNC``,
    ``YYYYMMDDNNNC``, ``YYYYMMDD-NNNC`` (and ``YYYYMMDD+NNNC``), with a
    space, no-break space or any dash as separator, with dots in the date
    (``1912.12.12-1212``), in full-width or other Unicode digits (folded
    with NFKC); whole numbers of 12 digits, or of 8–10 digits read as 10
    digits with their leading zeros lost; and the reserve numbers described
    in :func:`find_in_text`. A personal identity or coordination number
    matches when

    * the century (12-digit form) is 18, 19 or 20;
    * MM is 01–12 and DD a day of that month (29 February only in leap
      years; in the 10-digit form YY divisible by 4 is taken as a leap year),
      or, for a coordination number, DD − 60 is such a day, where Skatteverket
      writes 00 for an unknown month or day (so MM 00 and DD 60 occur);
    * the check digit C satisfies the Luhn (modulus-10) rule on the nine
      digits :math:`d_1 \\dots d_9` of YYMMDDNNN:

      .. math:: C = (10 - (\\sum_{i=1}^{9} s(w_i d_i) \\bmod 10)) \\bmod 10

      with weights :math:`w = 2, 1, 2, 1, \\dots, 2` and :math:`s(p)` the sum
      of the digits of :math:`p` (:math:`s(p) = p - 9` for :math:`p > 9`).

    Speed: a length test with pyarrow string kernels (or a range test on
    numbers) drops ordinary ids first; cells laid out exactly as a number
    are read byte by byte as a numpy array and checked with array
    arithmetic; other long cells pass a cheap RE2 search before the few hits
    are read in Python. About one random 10-digit number in 90 passes all
    tests (personal identity, coordination and Carelink reserve numbers
    together), so an id column of random 8–10 digit numbers may be flagged;
    pseudonymising such a column is harmless.

    References
    ----------
    .. [1] Skatteverket (2016). *Personnumret i folkbokföringen*, SKV 704,
       ed. 8: the form, the ``+`` separator and the worked check-digit example
       640823-323(4).
    .. [2] Skatteverket. *Samordningsnummer*, skatteverket.se: day of birth
       plus 60.
    .. [3] Luhn, H. P. (1960). Computer for verifying numbers. US patent
       2 950 048.

    Checked against the SKV 704 worked example, the test personal identity
    and coordination numbers that Skatteverket publishes as open data, and
    the examples in python-stdnum's ``stdnum.se.personnummer`` and the
    personnummer project's test list (see tests/test_privacy.py).

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.Series(["811218-9876", "8112189876", "19811218-9876",
    ...                    "811218-9875", "R0000001", "20240101", None])
    >>> identity_number_mask(cells)
    array([ True,  True,  True, False, False, False, False])
    >>> identity_number_mask(pd.Series([198112189876, 12345]))
    array([ True, False])
    """
    n = len(values)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    out[_candidates(values, lost_zeros).positions()] = True
    return out


def find_identity_numbers(
    table: pd.DataFrame, *, lost_zeros: bool = False
) -> dict[str, NDArray[np.intp]]:
    """Where a table holds identity numbers: column → positional row indices.

    Parameters
    ----------
    table : pandas.DataFrame
        Any table.
    lost_zeros : bool, default False
        See :func:`identity_number_mask`.

    Returns
    -------
    dict
        Column label → 0-based positions (``numpy.ndarray`` of int) of the
        cells that hold a personal identity or coordination number (see
        :func:`identity_number_mask`). Columns without any are absent.

    Examples
    --------
    >>> import pandas as pd
    >>> find_identity_numbers(pd.DataFrame({"a": ["x", "640823-3234"],
    ...                                     "b": [1, 2]}))
    {'a': array([1])}
    """
    found: dict[str, NDArray[np.intp]] = {}
    for j, name in enumerate(table.columns):
        hits = np.flatnonzero(identity_number_mask(table.iloc[:, j], lost_zeros=lost_zeros))
        if hits.size:
            found[cast(str, name)] = hits
    return found


def check_no_identity_numbers(
    table: pd.DataFrame,
    *,
    file: str | None = None,
    first_row: int = 2,
    max_rows_shown: int = 5,
    lang: str | None = None,
) -> None:
    """Raise a :class:`~toolkit.errors.DataError` if the table holds identity numbers.

    The message names the file, the column and the rows (as the user counts
    them: with a header, the first data row is row 2), never a value. Use it
    before writing any output, and when loading.

    Parameters
    ----------
    table : pandas.DataFrame
        The table to check.
    file : str, optional
        The file name to put in the message.
    first_row : int, default 2
        The row number the user sees for the table's first row.
    max_rows_shown : int, default 5
        At most this many row numbers are listed.
    lang : {"sv", "en"}, optional
        Language of the message (default: the current language).

    Raises
    ------
    toolkit.errors.DataError
        With key ``privacy.identity_numbers_found``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"id": ["R1", "R2", "R3"],
    ...                       "pnr": ["", "640823-3234", "811218-9876"]})
    >>> check_no_identity_numbers(table, file="remisser.csv", lang="en")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    toolkit.errors.DataError: remisser.csv, column pnr: 2 cells look like ... (rows: 3, 4). ...
    """
    lang = check_language(lang)
    found = find_identity_numbers(table)
    if not found:
        return
    column, positions = next(iter(found.items()))
    shown = ", ".join(str(int(p) + first_row) for p in positions[:max_rows_shown])
    if positions.size > max_rows_shown:
        shown += " …"
    others = [str(c) for c in list(found)[1:]]
    raise DataError(
        "privacy.identity_numbers_found_many" if others else "privacy.identity_numbers_found",
        file=file,
        column=str(column),
        rows=shown,
        n=int(positions.size),
        others=", ".join(others),
        lang=lang,
    )


def find_in_text(text: str) -> list[tuple[int, int]]:
    """Where a text holds identity or reserve numbers: ``(start, end)`` places, in order.

    For one text: a file, sheet or unit name, a header, a comment, free text.
    Overlapping finds are merged.

    Notes
    -----
    The text is folded first (NFKC per character, other Unicode decimal
    digits to ASCII, dashes to ``-``, every space to a space); the places
    refer to the original text. Found are

    * personal identity and coordination numbers (checked as in
      :func:`identity_number_mask`) with 10 or 12 digits, with no separator
      or ``-``, ``+``, a space (also around the dash) before the last four
      digits, and with dots (or dashes, then with a dash separator) in the
      date: ``19121212 1212``, ``121212 1212``, ``1912.12.12-1212``;
    * reserve numbers: Region Stockholm's ``99YYYYNNNNNC`` (year 1800–2299,
      Luhn digit over positions 5–11) and Inera Carelink's
      ``YYYYMMDDNNNC`` with a day of 32–59 (Luhn), both as digits; a real
      birth date (6 or 8 digits) followed by four characters of which at
      least one is a capital letter (Socialstyrelsen's recommendation for
      reserve and interim numbers, used by Region Skåne; Västra Götaland's
      ``YYYYMMDDGggC`` with G = K, M or X; Värmland's ``YYYYMMDDABNC``);
      Inera's national reserve identity ``XXYYMMDDNNGC`` (XX = century + 3k,
      or 00 with an unknown date; NN two capitals other than I, O, Q, V, W).

    A number glued to other digits is not found (``0701234567890`` is not
    a number); one glued to letters is. A sign that NFKC spells with
    several characters (``½``, ``⑩``, ``㍘`` for ``0点``) is not a digit:
    ``0001010008㍘`` holds a number.

    Examples
    --------
    >>> find_in_text("ringde 19121212\u00a01212 om tid")
    [(7, 20)]
    >>> find_in_text("order 12345678901234, 2024-01-15 12:30")
    []
    """
    return _spans(_scan(text))


def has_identity_number(text: str) -> bool:
    """True if :func:`find_in_text` finds a number in ``text``.

    >>> has_identity_number("remisser 1912.12.12-1212.xlsx"), has_identity_number("remisser.csv")
    (True, False)
    """
    return bool(_scan(text))


def redact_text(text: str, key: str | bytes | None = None, *, lang: str | None = None) -> str:
    """``text`` with every identity or reserve number replaced.

    With ``key`` each number becomes its pseudonym (the same one
    :func:`pseudonymise` gives the number in a cell); without, the words
    "[personnummer]" (Swedish) or "[identity number]" (English).

    Examples
    --------
    >>> redact_text("pat 811218-9876.pdf", lang="en")
    'pat [identity number].pdf'
    >>> redact_text("811218-9876", key="a long and secret key") == redact_text(
    ...     "19811218 9876", key="a long and secret key")
    True
    """
    found = _scan(text)
    if not found:
        return text
    hasher = _Hmac(check_key(key, lang=lang)) if key is not None else None
    placeholder = t("privacy.placeholder", check_language(lang))
    pieces: list[str] = []
    at = 0
    for start, end in _spans(found):
        if hasher is None:
            replacement = placeholder
        else:
            first = next(m for m in found if m.start == start)
            if first.parts is not None:
                parts = np.array([first.parts], dtype=_INT64)
                long_form = np.array([first.long])
                number = parts @ _PART_VALUES
                replacement = hasher.pseudonym(str(_pseudonym_keys(number, parts, long_form)[0]))
            else:
                replacement = hasher.pseudonym(first.key)
        pieces += [text[at:start], replacement]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def check_text(
    text: str,
    place: str,
    *,
    file: str | None = None,
    row: int | None = None,
    column: str | None = None,
    key: str | bytes | None = None,
    lang: str | None = None,
    **field_args: Any,
) -> str:
    """The text to show, or a DataError if it holds an identity number and no key is given.

    Use it where a text is read that can reach an output (a name, a header,
    free text). Without a number the text comes back unchanged; with one
    and a ``key`` the numbers are replaced by their pseudonyms
    (:func:`redact_text`); with one and no key a
    :class:`~toolkit.errors.DataError` names the place (``file``, ``row``,
    ``column`` and ``place``, a text key of what the text is, such as
    ``"privacy.field.sheet_name"``, filled with ``field_args``), never the
    value.

    Examples
    --------
    >>> check_text("Blad1", "privacy.field.sheet_name", file="bup.xlsx", name="Blad1")
    'Blad1'
    >>> text = "pat 121212-1212"
    >>> try:
    ...     check_text(text, "privacy.field.sheet_name", file="bup.xlsx",
    ...                name=redact_text(text, lang="en"), lang="en")
    ... except DataError as err:
    ...     print(err.message("en")[:80])
    bup.xlsx: the name of a sheet of the workbook (pat [identity number]) holds a pe
    """
    lang = check_language(lang)
    if not _scan(text):
        return text
    if key is not None:
        return redact_text(text, key, lang=lang)
    raise _PlaceError(
        "privacy.identity_number_in_text",
        file=file,
        row=row,
        column=column,
        place={lg: t(place, lg, **field_args) for lg in ("sv", "en")},
        lang=lang,
    )


class _PlaceError(DataError):
    """A DataError whose field ``place`` is itself worded in each language."""

    def __init__(self, key: str, *, place: dict[str, str], **kwargs: Any) -> None:
        self.place = place
        super().__init__(key, place="", **kwargs)

    def message(self, lang: str | None = None) -> str:
        lang = check_language(lang or self.lang)
        self.fields["place"] = self.place[lang]
        return super().message(lang)


# --------------------------------------------------------------------------
# public: pseudonyms
# --------------------------------------------------------------------------


def check_key(key: str | bytes, *, lang: str | None = None) -> bytes:
    """The pseudonymisation key as bytes, if it is strong enough; else a ParameterError.

    The rule: at least :data:`MIN_KEY_LENGTH` (16) characters (bytes for a
    bytes key), of which at least :data:`MIN_KEY_DISTINCT` (8) are different
    and not white space. So blank keys, keys of spaces and keys such as
    ``"aaaaaaaaaaaaaaaa"`` or ``"1212121212121212"`` are refused; a
    passphrase of four words or 16 random bytes pass.

    Examples
    --------
    >>> check_key("correct horse battery staple")
    b'correct horse battery staple'
    >>> check_key(" " * 16, lang="en")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    toolkit.errors.ParameterError: key is too weak (16 characters, 0 different ones other than white space): ...
    """
    if not isinstance(key, str | bytes):
        raise checks.type_error("key", "str | bytes", type(key).__name__, lang)
    distinct: set[str] | set[int]
    if isinstance(key, str):
        distinct = {ch for ch in key if not ch.isspace()}
    else:
        distinct = set(key) - set(b" \t\n\r\x0b\x0c")
    if len(key) < MIN_KEY_LENGTH or len(distinct) < MIN_KEY_DISTINCT:
        raise ParameterError(
            "privacy.key_too_weak",
            argument="key",
            length=len(key),
            distinct=len(distinct),
            minimum=MIN_KEY_LENGTH,
            minimum_distinct=MIN_KEY_DISTINCT,
            lang=lang,
        )
    return key.encode("utf-8") if isinstance(key, str) else key


def _check_columns(
    table: pd.DataFrame, columns: Sequence[str], argument: str, lang: str | None
) -> list[str]:
    if isinstance(columns, str):
        columns = [columns]
    for column in columns:
        if column not in table.columns:
            raise checks.choice_error(argument, column, table.columns, lang)
    return list(columns)


def _cell_text(values: pd.Series) -> NDArray[np.object_]:
    """Each cell as stripped text (whole floats without ``.0``); None when missing."""
    missing = values.isna().to_numpy(dtype=bool)
    dtype = values.dtype
    if pd.api.types.is_float_dtype(dtype):
        x = values.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            whole = (x == np.floor(x)) & (np.abs(x) < 2**62)
        text = np.where(
            whole, np.where(whole, x, 0).astype(_INT64).astype(str), x.astype(str)
        ).astype(object)
    else:
        text = values.astype("str").str.strip().to_numpy(dtype=object)
    text[missing] = None
    return text


def normalise_identity_numbers(
    values: pd.Series, *, reference_date: dt.date | None = None
) -> pd.Series:
    """The 12-digit form ``YYYYMMDDNNNC`` of cells holding an identity number.

    Other cells become missing. ``19811218-9876``, ``811218-9876`` and
    ``8112189876`` all give ``198112189876``.

    Parameters
    ----------
    values : pandas.Series
        Cells of any dtype.
    reference_date : datetime.date, optional
        Date that decides the century of 10-digit forms (default: today).

    Returns
    -------
    pandas.Series
        Text (``str`` dtype), same index as ``values``.

    Notes
    -----
    For the 10-digit form, with reference year :math:`R` and two-digit year
    :math:`y`, the birth year is

    .. math:: Y = R - ((R - y) \\bmod 100) - 100 \\cdot [\\text{sign is } +]

    that is, without ``+`` the person is under 100 in year :math:`R`; ``+``
    marks 100 or older (Skatteverket, SKV 704). A 10-digit number of someone
    turning 100 in year :math:`R` written with ``-`` is therefore read a
    century late; with today's date as reference this concerns numbers
    written before that birthday year. The same rule is used by
    python-stdnum and the personnummer packages.

    Examples
    --------
    >>> import datetime as dt
    >>> import pandas as pd
    >>> normalise_identity_numbers(
    ...     pd.Series(["811218-9876", "090527+1474", "x"]),
    ...     reference_date=dt.date(2025, 1, 1)).tolist()
    ['198112189876', '190905271474', nan]
    """
    year = (reference_date or dt.date.today()).year
    out = np.full(len(values), None, dtype=object)
    found = _candidates(values).numbers
    ok = found.valid() & found.whole & ~_is_sll(found.parts, found.long_form)
    full = _long_form(found.number[ok], found.long_form[ok], found.plus[ok], year)
    out[found.position[ok]] = full.astype(str)
    return pd.Series(out, index=values.index, dtype="str")


def pseudonymise(
    table: pd.DataFrame,
    columns: Sequence[str],
    key: str | bytes,
    *,
    lost_zeros: bool = False,
    lang: str | None = None,
) -> pd.DataFrame:
    """A copy of ``table`` with the values of ``columns`` replaced by keyed hashes.

    Parameters
    ----------
    table : pandas.DataFrame
        The table; not changed.
    columns : sequence of str
        The columns to pseudonymise.
    key : str or bytes
        The secret key (see :func:`check_key` for what is accepted). The same
        key gives the same pseudonyms, so keep it (apart from the data) to
        link later extracts; another key gives unrelated pseudonyms.
    lost_zeros : bool, default False
        Read text of 8 or 9 digits as a number that lost its leading zeros
        (see :func:`identity_number_mask`).
    lang : {"sv", "en"}, optional
        Language of error messages.

    Returns
    -------
    pandas.DataFrame
        Same shape, index and other columns; each listed column becomes text
        (``str`` dtype) holding ``"p_"`` followed by 16 hexadecimal digits.
        Missing values stay missing.

    Raises
    ------
    toolkit.errors.ParameterError
        If ``key`` is too weak (see :func:`check_key`) or not text/bytes, or
        a column is not in the table.

    Notes
    -----
    For a cell value :math:`v` the pseudonym is

    .. math:: p(v) = \\texttt{"p\\_"} \\Vert \\operatorname{hex}(
              \\operatorname{HMAC\\text{-}SHA256}(K, \\operatorname{utf8}(n(v))))_{1..16}

    with key :math:`K`. When the whole cell is a personal identity or
    coordination number, :math:`n(v)` is its ten digits ``YYMMDDNNNC``:
    the 12-digit form without its century, so that every written form of a
    number (10 or 12 digits, any separator, ``-`` or ``+``) gets the same
    pseudonym, and the same one in every year the data are read. (Adding the
    century to a 10-digit number needs a reference year, and with today's
    year a number would change pseudonym on the day its holder turns 100 or
    its birth year comes round again.) The price: two people born exactly
    100 years apart on the same day with the same birth number share a
    pseudonym; both must be in the same table for it to matter. A reserve
    number is hashed as its characters without separators (without the
    century for those that start with a date). Any other cell is hashed as
    its text, stripped (whole floats written without ``.0``). 64 bits make a
    collision among a million values about :math:`n^2 / 2^{65} \\approx 3
    \\cdot 10^{-8}` likely. Without the key a pseudonym cannot be traced
    back; with a weak key it can, by trying keys against a known pair, hence
    :func:`check_key`. Each distinct value is hashed once, then mapped back
    to the cells.

    References
    ----------
    .. [1] Krawczyk, H., Bellare, M., Canetti, R. (1997). HMAC: keyed-hashing
       for message authentication. RFC 2104.
    .. [2] NIST (2015). Secure Hash Standard, FIPS 180-4.
    .. [3] Skatteverket (2016). *Personnumret i folkbokföringen*, SKV 704.

    Checked against Python's ``hmac`` and ``hashlib`` (RFC 4231 test vectors
    in the tests).

    Examples
    --------
    >>> import pandas as pd
    >>> key = "this key is only an example!"
    >>> table = pd.DataFrame({"pnr": ["19811218-9876", "811218-9876", None]})
    >>> out = pseudonymise(table, ["pnr"], key)
    >>> bool(out["pnr"].iloc[0] == out["pnr"].iloc[1]), bool(out["pnr"].isna().iloc[2])
    (True, True)
    """
    key_bytes = check_key(key, lang=lang)
    names = _check_columns(table, columns, "columns", lang)
    out = table.copy()
    hasher = _Hmac(key_bytes)
    for name in names:
        values = table[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = pd.Series(values.to_numpy(dtype=object), index=values.index)
        # Each distinct value once: normalise, hash, then map back to the cells.
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        distinct = pd.Series(uniques)
        text = _cell_text(distinct)
        where, keys = _candidates(distinct, lost_zeros).whole_keys()
        text[where] = keys
        hashed = np.array([hasher.pseudonym(str(value)) for value in text] + [np.nan], dtype=object)
        out[name] = pd.Series(hashed[codes], index=table.index, dtype="str")
    return out


class _Hmac:
    """HMAC-SHA256 (RFC 2104) with the key's inner and outer states computed once."""

    _BLOCK = 64  # SHA-256 block size in bytes

    def __init__(self, key: bytes) -> None:
        if len(key) > self._BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self._BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(k ^ 0x36 for k in key))
        self._outer = hashlib.sha256(bytes(k ^ 0x5C for k in key))

    def hexdigest(self, message: bytes) -> str:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def pseudonym(self, text: str) -> str:
        return PSEUDONYM_PREFIX + self.hexdigest(text.encode("utf-8"))[:PSEUDONYM_HEX_DIGITS]


# --------------------------------------------------------------------------
# public: small counts
# --------------------------------------------------------------------------


def _counts(table: pd.DataFrame, column: str, lang: str | None) -> NDArray[np.float64]:
    """A count column as float (NaN missing); ParameterError if not counts."""
    values = table[column]
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        numeric = pd.to_numeric(values, errors="coerce")
        bad = numeric.isna().to_numpy(dtype=bool) & values.notna().to_numpy(dtype=bool)
        x = numeric.to_numpy(dtype="float64", na_value=np.nan)
    else:
        x = values.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.zeros(x.size, dtype=bool)
    with np.errstate(invalid="ignore"):
        bad |= ~np.isnan(x) & ((x < 0) | (x != np.floor(x)) | ~np.isfinite(x))
    if bad.any():
        where = np.flatnonzero(bad)
        raise ParameterError(
            "privacy.not_counts",
            argument="table",
            column=column,
            n=int(where.size),
            rows=", ".join(map(str, where[:5])) + (" …" if where.size > 5 else ""),
            lang=lang,
        )
    return x


def _check_threshold(threshold: int, lang: str | None) -> int:
    return checks.integer("threshold", threshold, lang, low=1, allowed="≥ 1", expected="int")


def _small(x: NDArray[np.float64], threshold: int, suppress_zeros: bool) -> NDArray[np.bool_]:
    lowest = 0 if suppress_zeros else 1
    with np.errstate(invalid="ignore"):
        return (x >= lowest) & (x < threshold) & ~np.isnan(x)


def _row_safe(
    values: NDArray[np.float64],
    primary: NDArray[np.bool_],
    secondary: NDArray[np.bool_],
    secondary_max: NDArray[np.float64],
    threshold: int,
    primary_min: int,
) -> NDArray[np.bool_]:
    """Can each hidden small count take at least two values, given the row total?"""
    hidden = primary | secondary
    hidden_sum = np.where(hidden, np.nan_to_num(values), 0).sum(axis=1)
    n_primary = primary.sum(axis=1)
    n_secondary = secondary.sum(axis=1)
    with np.errstate(invalid="ignore"):
        others_max = (n_primary - 1) * (threshold - 1) + np.where(
            n_secondary > 0, n_secondary * secondary_max, 0
        )
    others_min = (n_primary - 1) * primary_min + n_secondary * threshold
    low = np.maximum(primary_min, hidden_sum - others_max)
    high = np.minimum(threshold - 1, hidden_sum - others_min)
    return (n_primary == 0) | (high - low >= 1)


def suppress_small_counts(
    table: pd.DataFrame,
    columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    total: str | None = None,
    suppress_zeros: bool = False,
    lang: str | None = None,
) -> pd.DataFrame:
    """Hide counts below ``threshold`` so a shared table never shows them.

    Parameters
    ----------
    table : pandas.DataFrame
        Aggregated table, one count per cell in ``columns``.
    columns : sequence of str
        The count columns (whole numbers ≥ 0, missing allowed).
    threshold : int, default 5
        Counts 1 to ``threshold`` − 1 are hidden (with 5: 1–4).
    total : str, optional
        A column holding each row's total of ``columns``. When given, it is
        treated as a count too, and secondary suppression makes sure a hidden
        count cannot be worked out from the total (see Notes).
    suppress_zeros : bool, default False
        Also hide zeros. Off by default: a zero shows that nobody is in a
        group, which is not a small group of identifiable people; turn it on
        when "nobody in this unit had X" is itself sensitive.
    lang : {"sv", "en"}, optional
        Language of error messages.

    Returns
    -------
    pandas.DataFrame
        A copy; ``columns`` (and ``total``) become nullable ``Int64`` with
        hidden cells as ``<NA>``; other columns unchanged. ``attrs
        ["suppression"]`` records threshold, columns, total, and the numbers of
        primary and secondary hidden cells.

    Notes
    -----
    *Primary suppression*: a cell :math:`x` is hidden when
    :math:`x_{min} \\le x < t`, with threshold :math:`t` and :math:`x_{min}`
    1 (0 with ``suppress_zeros``).

    *Secondary suppression* (only with ``total``): a reader who knows the
    rule and the row total :math:`T = \\sum_j x_j` knows the sum
    :math:`S` of the hidden cells of that row. Each hidden small count lies in
    :math:`[x_{min}, t-1]`; a cell hidden for secondary reasons lies in
    :math:`[t, u]`, where :math:`u` is the smallest count still shown (they
    are chosen smallest first; :math:`u = \\infty` when none is left). With
    :math:`p` small and :math:`s` secondary hidden cells, a small one is
    bounded by

    .. math:: \\max(x_{min}, S - (p-1)(t-1) - s u) \\le x \\le
              \\min(t-1, S - (p-1)x_{min} - s t).

    The row is safe when this interval holds at least two values, so no
    hidden count can be pinned down. If it is not safe as it is, the
    smallest shown count of at least :math:`t` is hidden too if that makes
    it safe; otherwise the total is hidden (then no equation is left). A
    total below :math:`t` is hidden as a small count itself. Only row totals
    are protected: for column totals, transpose the table first; a table with
    both margins needs a full disclosure-control tool (τ-ARGUS).

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*.
       Wiley, ch. 5 (threshold rule, primary and secondary cell suppression).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"month": ["2024-01", "2024-02"],
    ...                       "boys": [3, 12], "girls": [40, 0]})
    >>> suppress_small_counts(table, ["boys", "girls"])
         month  boys  girls
    0  2024-01  <NA>     40
    1  2024-02    12      0

    With a total the hidden 3 could be recovered as 43 − 40, so the 40 is
    hidden as well; the reader then only knows that boys + girls = 43, with
    boys 1–4 and girls 5 or more:

    >>> table["all"] = table["boys"] + table["girls"]
    >>> suppress_small_counts(table, ["boys", "girls"], total="all")
         month  boys  girls  all
    0  2024-01  <NA>   <NA>   43
    1  2024-02    12      0   12
    """
    threshold = _check_threshold(threshold, lang)
    names = _check_columns(table, columns, "columns", lang)
    if total is not None:
        _check_columns(table, [total], "total", lang)
        names = [c for c in names if c != total]
    values = (
        np.column_stack([_counts(table, c, lang) for c in names])
        if names
        else np.zeros((len(table), 0))
    )
    primary = _small(values, threshold, suppress_zeros)
    secondary = np.zeros_like(primary)
    hide_total = np.zeros(len(table), dtype=bool)
    n_total_primary = 0
    out = table.copy()
    if total is not None:
        total_values = _counts(table, total, lang)
        hide_total = _small(total_values, threshold, suppress_zeros)
        n_total_primary = int(hide_total.sum())
        no_equation = hide_total | np.isnan(total_values)
        primary_min = 0 if suppress_zeros else 1
        with np.errstate(invalid="ignore"):
            eligible = ~primary & (values >= threshold)
        ranked = np.where(eligible, values, np.inf)
        order = np.argsort(ranked, axis=1, kind="stable")
        rows = np.arange(len(table))
        no_more = np.full(len(table), np.inf)
        if names:
            smallest = ranked[rows, order[:, 0]]
            second = ranked[rows, order[:, 1]] if len(names) > 1 else no_more
        else:
            smallest = second = no_more
        safe_now = _row_safe(values, primary, secondary, smallest, threshold, primary_min)
        one_more = np.zeros_like(primary)
        if names:
            one_more[rows, order[:, 0]] = np.isfinite(smallest)
        safe_one = _row_safe(values, primary, one_more, second, threshold, primary_min)
        use_one = ~no_equation & ~safe_now & safe_one & np.isfinite(smallest)
        secondary = one_more & use_one[:, None]
        hide_total |= ~no_equation & ~safe_now & ~use_one
        shown_total = pd.Series(total_values, index=table.index).astype("Int64")
        out[total] = shown_total.mask(hide_total)
    hidden = primary | secondary
    for j, name in enumerate(names):
        out[name] = pd.Series(values[:, j], index=table.index).astype("Int64").mask(hidden[:, j])
    out.attrs["suppression"] = {
        "threshold": threshold,
        "columns": names,
        "total": total,
        "suppress_zeros": suppress_zeros,
        "primary_cells": int(primary.sum()) + n_total_primary,
        "secondary_cells": int(secondary.sum()) + int(hide_total.sum()) - n_total_primary,
    }
    return out


def is_shareable(
    table: pd.DataFrame,
    columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    lang: str | None = None,
) -> bool:
    """True if no cell of ``columns`` shows a count from 1 to ``threshold`` − 1.

    Missing cells (hidden counts) and zeros are fine. This checks primary
    suppression only; whether hidden cells can be recovered from totals is up
    to :func:`suppress_small_counts`.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"n": [0, 7, 3]})
    >>> is_shareable(table, ["n"]), is_shareable(suppress_small_counts(table, ["n"]), ["n"])
    (False, True)
    """
    threshold = _check_threshold(threshold, lang)
    names = _check_columns(table, columns, "columns", lang)
    return not any(_small(_counts(table, c, lang), threshold, False).any() for c in names)
