"""Pseudonyms: keyed hashes (HMAC-SHA256) of identity numbers and other values.

:func:`check_key` refuses weak keys, :func:`pseudonymise` replaces the
values of chosen columns, :func:`normalise_identity_numbers` gives the
12-digit form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.privacy._cells import _candidates
from toolkit.privacy._numbers import _INT64, _is_sll, _long_form

#: Text in front of every pseudonym, so a pseudonym is never mistaken for an id.
PSEUDONYM_PREFIX = "p_"
#: Hex digits of the HMAC-SHA256 kept in a pseudonym (64 bits).
PSEUDONYM_HEX_DIGITS = 16
#: Shortest accepted pseudonymisation key, in characters (str) or bytes.
MIN_KEY_LENGTH = 16
#: Fewest different characters (not white space) in an accepted key.
MIN_KEY_DISTINCT = 8


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
