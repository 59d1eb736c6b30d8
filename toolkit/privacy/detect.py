"""Find identity numbers in tables and texts, and refuse or redact them.

For the cells of a table: :func:`identity_number_mask`,
:func:`find_identity_numbers`, :func:`check_no_identity_numbers`. For one
text (a name, a header, free text): :func:`find_in_text`,
:func:`has_identity_number`, :func:`redact_text`, :func:`check_text`.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from toolkit.errors import DataError
from toolkit.i18n import check_language, t
from toolkit.privacy._cells import _candidates
from toolkit.privacy._numbers import _INT64, _PART_VALUES, _pseudonym_keys
from toolkit.privacy._text import _scan, _spans
from toolkit.privacy.pseudonyms import _Hmac, check_key


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
