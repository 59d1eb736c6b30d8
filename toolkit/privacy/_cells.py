"""From the cells of a column of any dtype to candidate identity numbers.

:func:`_candidates` dispatches on dtype: whole numbers are range-tested,
text cells laid out exactly as a number are read byte by byte with numpy,
other long text cells pass a cheap RE2 search before
:func:`toolkit.privacy._text._scan` reads the few hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from toolkit.privacy._numbers import (
    _INT64,
    _PART_VALUES,
    _TEN10,
    _parts_of_numbers,
    _pseudonym_keys,
    _valid_numbers,
)
from toolkit.privacy._text import _scan

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
