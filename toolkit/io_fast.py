"""The loader's fast path for large files: the same results as the careful path, sooner.

:func:`toolkit.io.load_unit` reads every file the careful way: byte by byte
checks of lines, fields and quotes, then every cell coerced and validated.
For a large, plain export (a national extract of millions of rows) most of
that work repeats itself: a column of visit dates holds a few thousand
distinct texts among millions of cells. The fast path does each step once
per distinct value, or skips a check once a cheaper one has shown it has
nothing to find, and hands everything it cannot decide to the careful code:

* :func:`read_plain_csv` parses a file with pyarrow's CSV reader when the
  file has no quote character, and then checks what the careful reader
  checks line by line: same number of fields on every line, no blank line,
  the header on the first line, and the limits (rows, columns, line and
  field length). When any of these does not hold it returns ``None`` and
  the careful reader reads the file (and raises or excludes exactly as it
  always does).
* :func:`coerce_column` runs the careful coercion (``_coerce_column``) on
  the distinct texts of a column only and spreads the result to every cell
  by their codes. Coercion is cell by cell, so the values and the reasons
  for exclusion are the careful ones.
* :func:`identity_number_mask` does the same with the identity-number
  scan of :mod:`toolkit.privacy`.
* :func:`needs_validation` checks, with whole-column operations, the rules
  the pandera schema checks (required cells, unique values, ranges, allowed
  values); only when one of them fails does the careful validation run and
  say which rows and why.

It is used for files of at least :data:`MIN_BYTES`; setting
:data:`ENABLED` to ``False`` turns it off (``tests/test_io_fast.py`` loads
the whole bad-input corpus both ways and compares errors and row
accounts). No step here raises an error of its own: every message a user
sees comes from the careful code.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = [
    "ENABLED",
    "MIN_BYTES",
    "MIN_ROWS",
    "active",
    "as_text",
    "coerce_column",
    "find_identity_numbers",
    "identity_number_mask",
    "needs_validation",
    "read_plain_csv",
]

#: Use the fast path at all (the equivalence tests turn it off to compare).
ENABLED = True
#: Files smaller than this are read the careful way only (it is fast enough there).
MIN_BYTES = 4 << 20
#: Tables with fewer rows are coerced, scanned and validated the careful way only.
MIN_ROWS = 10_000
#: Columns with at most this share of distinct values are coerced per distinct value.
_DISTINCT_SHARE = 0.25
#: Cells looked at to guess whether a column repeats its values.
_SAMPLE = 20_000
#: Characters that do not make a line non-blank (as the careful reader counts them).
_BLANK = r"^[ \t;,]*$"


def read_plain_csv(
    data: bytes,
    sep: str,
    header: list[str],
    n_fields: int,
    line_bytes: int,
    limits: Any,
    repeats: list[bool] | None = None,
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Parse UTF-8 CSV bytes with no quote character; ``None`` when the careful reader must.

    ``data`` starts with the header line (``header``, ``n_fields`` fields
    split at ``sep``). Returns the frame of texts (columns by position, as
    the careful reader's arrow parse gives them) and the file row number of
    each row, or ``None`` when a line has another number of fields, a line
    is blank, or a limit is reached: the careful reader then reads the file.
    Columns marked in ``repeats`` (dates, numbers, categories: few distinct
    texts) are kept dictionary-encoded, as categoricals of the same texts,
    which takes a fraction of the memory.
    """
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    if b'"' in data or n_fields > limits.columns or len(header) != n_fields:
        return None
    if max(map(len, header)) > limits.field_chars or data.find(b"\n") + 1 > line_bytes:
        return None
    names = [str(j) for j in range(n_fields)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, quote_char=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                # large_string: what pandas keeps its text in, so no copy is made for it
                column_types={
                    name: pa.dictionary(pa.int32(), pa.large_string())
                    if repeats and repeats[j]
                    else pa.large_string()
                    for j, name in enumerate(names)
                },
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # another field count: careful
        return None
    # Every line end ends a row (no quotes, empty lines kept): rows = lines - 1.
    n_rows = table.num_rows
    if n_rows < 1 or n_rows > limits.rows:
        return None
    # Line lengths in bytes (with separators and line end) and field lengths in characters.
    line: Any = pa.scalar(n_fields, pa.int64())
    for column in table.columns:
        size = pc.fill_null(_per_cell(column, pc.binary_length), 0)
        line = pc.add(line, pc.cast(size, pa.int64()))
        longest = pc.max(size).as_py() or 0
        if longest > limits.field_chars and pc.max(_per_cell(column, pc.utf8_length)).as_py() > (
            limits.field_chars
        ):
            return None
    if (pc.max(line).as_py() or 0) > line_bytes:
        return None
    # A blank line (only spaces, tabs and separators) is one whose every field is blank.
    blank: Any = None
    for column in table.columns:
        empty = pc.fill_null(_per_cell(column, lambda a: pc.match_substring_regex(a, _BLANK)), True)
        blank = empty if blank is None else pc.and_(blank, empty)
        if not pc.any(blank).as_py():
            break
    else:
        return None
    frame = table.to_pandas()
    frame.columns = pd.RangeIndex(n_fields)
    return frame, np.arange(2, n_rows + 2, dtype=np.int64)


def _per_cell(column: Any, compute: Callable[[Any], Any]) -> Any:
    """``compute`` on a text column, cell by cell; a dictionary column on its dictionary only."""
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(column.type):
        return compute(column)
    return pa.chunked_array(
        [pc.take(compute(chunk.dictionary), chunk.indices) for chunk in column.chunks]
    )


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical columns (read dictionary-encoded) as text columns."""
    kinds = [isinstance(dtype, pd.CategoricalDtype) for dtype in frame.dtypes]
    if not any(kinds):
        return frame
    return pd.DataFrame(
        {
            j: frame.iloc[:, j].astype("str") if kind else frame.iloc[:, j]
            for j, kind in enumerate(kinds)
        }
    ).set_axis(frame.columns, axis=1)


def _codes(text: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """Codes into the distinct values (the last one missing), or None when few repeat."""
    n = len(text)
    if isinstance(text.dtype, pd.CategoricalDtype):  # read dictionary-encoded: codes at hand
        categories = pd.Series(np.asarray(text.cat.categories, dtype=object), dtype="str")
        distinct = pd.concat([categories, pd.Series([None], dtype="str")], ignore_index=True)
        codes = text.cat.codes.to_numpy()
        return np.where(codes < 0, len(categories), codes), distinct
    sample = text.iloc[:_SAMPLE]
    if sample.nunique(dropna=False) > len(sample) * _DISTINCT_SHARE:
        return None  # mostly distinct (ids): nothing to gain, and counting them costs
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    if len(uniques) > n * _DISTINCT_SHARE:
        return None
    distinct = pd.concat(
        [pd.Series(uniques, dtype=text.dtype), pd.Series([None], dtype=text.dtype)],
        ignore_index=True,
    )
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, distinct


def coerce_column(
    text: pd.Series, col: Any, careful: Callable[[pd.Series, Any], tuple[pd.Series, list[Any]]]
) -> tuple[pd.Series, list[tuple[pd.Series, str]]]:
    """``careful(text, col)`` computed once per distinct text and spread by codes."""
    found = _codes(text) if col.type in ("date", "int", "float", "category") else None
    if found is None:
        return careful(text, col)
    codes, distinct = found
    values, problems = careful(distinct, col)
    spread = values.take(codes)
    spread.index = text.index
    return spread, [
        (
            pd.Series(mask.to_numpy(dtype=bool, na_value=False)[codes], index=text.index),
            reason,
        )
        for mask, reason in problems
    ]


def active(n_rows: int) -> bool:
    """Whether a table of ``n_rows`` rows takes the fast path (coercion, scan, validation)."""
    return ENABLED and n_rows >= MIN_ROWS


def identity_number_mask(values: pd.Series, lost_zeros: bool) -> np.ndarray:
    """:func:`toolkit.privacy.identity_number_mask` once per distinct text, spread by codes."""
    from toolkit.privacy import identity_number_mask as careful

    text = isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype))
    found = _codes(values) if text else None
    if found is None:
        return careful(values, lost_zeros=lost_zeros)
    codes, distinct = found
    return np.asarray(careful(distinct, lost_zeros=lost_zeros), dtype=bool)[codes]


def find_identity_numbers(table: pd.DataFrame, lost_zeros: bool) -> dict[Any, np.ndarray]:
    """:func:`toolkit.privacy.find_identity_numbers` with :func:`identity_number_mask`."""
    found: dict[Any, np.ndarray] = {}
    for j, name in enumerate(table.columns):
        hits = np.flatnonzero(identity_number_mask(table.iloc[:, j], lost_zeros))
        if hits.size:
            found[name] = hits
    return found


def needs_validation(frame: pd.DataFrame, columns: dict[str, Any]) -> bool:
    """True unless every rule of the table's pandera schema visibly holds for ``frame``.

    The rules (``toolkit.schema.pandera_schema``): a required column has no
    missing cell, a unique column no repeated value (missing ones count as
    repeats, as in pandera), a number lies within its range and a category
    is one of its values. Checked with whole-column operations; when one
    fails, the careful validation finds the rows.
    """
    for name, col in columns.items():
        if name not in frame:
            continue
        values = frame[name]
        if col.required and values.isna().any():
            return True
        if col.unique and _has_repeats(values):
            return True
        numeric = col.type in ("int", "float")
        if numeric and col.min is not None and (values < col.min).any():
            return True
        if numeric and col.max is not None and (values > col.max).any():
            return True
        if col.type == "category":
            allowed = set(col.values)
            if not set(values.cat.categories) <= allowed:
                return True
    return False


def _has_repeats(values: pd.Series) -> bool:
    """True if a value occurs twice (two missing cells count as a repeat, as in pandas)."""
    if isinstance(values.dtype, pd.StringDtype):
        import pyarrow.compute as pc

        arr = pa.array(values.array)
        if arr.null_count > 1:
            return True
        if len(arr) < 2:
            return False
        # Sorted, a repeat sits next to itself; sorting keeps far less in memory than hashing.
        ordered = pc.take(arr, pc.sort_indices(arr))
        if isinstance(ordered, pa.ChunkedArray):
            ordered = ordered.combine_chunks()
        same = pc.equal(ordered.slice(0, len(ordered) - 1), ordered.slice(1))
        return bool(pc.any(same).as_py())
    return bool(values.duplicated().any())
