"""From texts to clean tables: headers, values, the schema.

:func:`_map_headers` maps Swedish and English headers to the canonical
columns, :func:`_clean_table` turns texts into dates, numbers and
categories (:func:`_coerce_column`), :func:`_validate` applies the pandera
schema; rows with cells that cannot be used are excluded with a reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.errors as pa_errors
import pyarrow as pa
import pyarrow.compute as pc

from toolkit import io_fast
from toolkit.errors import DataError
from toolkit.io._raw import (
    _excluded,
    _Raw,
)
from toolkit.schema import (
    TABLES,
    ColumnSpec,
    clean_dtype,
    normalise_name,
    pandera_schema,
)

_SV_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4,
    "apr": 4, "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip


def _map_headers(raw: _Raw, table: str, lang: str) -> pd.DataFrame:
    """The raw columns that belong to ``table``, renamed to their canonical names.

    Works by column position, so two headers with the same name (or a Swedish
    and an English name for one column) are caught, never silently renamed.
    """
    from openpyxl.utils import get_column_letter

    spec = TABLES[table]
    lookup = spec.header_lookup
    positions: list[int] = []
    names: list[str] = []
    seen: dict[str, str] = {}
    for j, header in enumerate(raw.frame.columns):
        header = "" if header is None else str(header).strip()
        if not header:
            if raw.frame.iloc[:, j].notna().any():
                raise DataError(
                    "io.unnamed_column",
                    file=raw.display,
                    row=raw.header_row,
                    column=get_column_letter(j + 1),
                    lang=lang,
                )
            continue
        canonical = lookup.get(normalise_name(header))
        if canonical is None:
            raw.notes.append(("io.note.column_ignored", {"column": header}))
            continue
        if canonical in seen:
            same = normalise_name(seen[canonical]) == normalise_name(header)
            raise DataError(
                "io.duplicate_header" if same else "io.duplicate_column",
                file=raw.display,
                column=header,
                other=seen[canonical],
                lang=lang,
            )
        seen[canonical] = header
        positions.append(j)
        names.append(canonical)
    missing = [c for c in spec.required if c not in seen]
    if missing:
        col = spec.columns[missing[0]]
        key = "io.missing_column_one_header" if raw.frame.shape[1] == 1 else "io.missing_column"
        raise DataError(key, file=raw.display, column=col.sv, column_en=col.name, lang=lang)
    frame = raw.frame.iloc[:, positions]
    frame.columns = pd.Index(names, dtype=object)
    raw.formula_columns = {
        name: raw.formula_rows[j]
        for j, name in zip(positions, names, strict=True)
        if j in raw.formula_rows
    }
    return frame


#: Dates outside these bounds are typing errors, not dates of a BUP episode.
_DATE_BOUNDS = (pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31"))
#: Whole numbers beyond this cannot be stored exactly; they are out of range for every column.
_MAX_WHOLE = 2.0**53


def _parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse dates in ISO form and the common Swedish forms.

    Returns the dates (NaT where unreadable or implausible) and a mask of
    cells that are real dates but outside 1900–2100.
    """
    text = text.str.strip()
    out = pd.to_datetime(text, format="ISO8601", errors="coerce")
    todo = out.isna() & text.notna()
    if todo.any():
        rest = text[todo]
        for fmt in (
            "%Y%m%d",
            "%Y-%m-%d",
            "%d/%m/%Y",
            "%d.%m.%Y",
            "%d-%m-%Y",
            "%Y/%m/%d",
            "%Y.%m.%d",
            "%y%m%d",
        ):
            if fmt == "%y%m%d":  # only six digits: "240108"; never an Excel serial day
                rest = rest[rest.str.fullmatch(r"\d{6}")]
            parsed = pd.to_datetime(rest, format=fmt, errors="coerce").reindex(out.index)
            out = out.where(~(todo & parsed.notna()), parsed)
            todo = out.isna() & text.notna()
            if not todo.any():
                break
            rest = text[todo]
    if todo.any():  # "8/1 2024", "8/1-2024": day/month then the year
        parts = text[todo].str.extract(r"^(\d{1,2})/(\d{1,2})[\s\-]+(\d{4})$").dropna()
        if len(parts):
            iso = parts[2] + "-" + parts[1].str.zfill(2) + "-" + parts[0].str.zfill(2)
            out.loc[iso.index] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
        todo = out.isna() & text.notna()
    if todo.any():  # "8 januari 2024", "8 jan. 2024"
        rest = text[todo].str.lower()
        months = rest.str.extract(r"^(\d{1,2})\s+([a-zåäö]+)\.?\s+(\d{4})$")
        month_no = months[1].map(_SV_MONTHS)
        ok = month_no.notna()
        if ok.any():
            iso = (
                months[2][ok]
                + "-"
                + month_no[ok].astype(int).astype(str).str.zfill(2)
                + "-"
                + months[0][ok].str.zfill(2)
            )
            out.loc[iso.index] = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
        todo = out.isna() & text.notna()
    if todo.any():  # Excel serial day numbers in a cell formatted as a number
        serial = pd.to_numeric(text[todo], errors="coerce")
        ok = serial.between(20000, 80000) & (serial % 1 == 0)
        if ok.any():
            out.loc[serial[ok].index] = pd.Timestamp("1899-12-30") + pd.to_timedelta(
                serial[ok], unit="D"
            )
    implausible = out.notna() & ((out < _DATE_BOUNDS[0]) | (out > _DATE_BOUNDS[1]))
    out = out.where(~implausible)
    return out.dt.normalize().astype("datetime64[ns]"), implausible


def _parse_numbers(text: pd.Series) -> pd.Series:
    """Parse numbers with decimal comma or point and spaces as thousands separators.

    Runs in pyarrow's compute kernels (a Python-level regex over millions of
    cells took seconds); only a column with unreadable cells goes through
    ``pd.to_numeric`` to find them.
    """
    arr = pa.array(text.astype("string[pyarrow]"))
    arr = pc.replace_substring_regex(arr, pattern=r"[\s\x{00a0}]", replacement="")
    both = pc.and_(pc.match_substring(arr, "."), pc.match_substring(arr, ","))
    if pc.any(both).as_py():
        arr = pc.if_else(both, pc.replace_substring(arr, ".", ""), arr)
    arr = pc.replace_substring(arr, ",", ".")
    try:
        numbers = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(
            pd.Series(arr.to_pylist(), index=text.index, dtype=object), errors="coerce"
        )
    return pd.Series(numbers, index=text.index, dtype="float64")


Problems = list[tuple[pd.Series, str]]


def _coerce_column(text: pd.Series, col: ColumnSpec) -> tuple[pd.Series, Problems]:
    """Return the clean values and, per reason key, a mask of cells that cannot be used."""
    text = text.astype("string")
    present = text.notna() & (text.str.strip() != "")
    text = text.where(present)
    if col.type == "date":
        values, implausible = _parse_dates(text)
        return values, [
            (present & values.isna() & ~implausible, "bad_date"),
            (implausible, "implausible_date"),
        ]
    if col.type in ("int", "float"):
        numbers = _parse_numbers(text).astype("float64")
        bad = present & ~np.isfinite(numbers.fillna(0.0))
        numbers = numbers.where(~bad)
        bad |= present & numbers.isna()
        huge = numbers.abs() > _MAX_WHOLE
        numbers = numbers.where(~huge)
        if col.type == "int":
            fractional = numbers.notna() & (numbers % 1 != 0)
            numbers = numbers.where(~fractional)
            whole = numbers.round().astype("Int64")
            return whole, [
                (bad, "bad_number"),
                (fractional, "not_whole_number"),
                (huge, "out_of_range"),
            ]
        return numbers, [(bad, "bad_number"), (huge, "out_of_range")]
    if col.type == "category":
        cats = text.astype("category")
        lookup = col.value_lookup
        mapped = [lookup.get(normalise_name(v)) for v in cats.cat.categories]
        codes = cats.cat.codes.to_numpy()
        target = list(col.values)
        new_codes = np.array([target.index(m) if m else -2 for m in mapped] + [-1], dtype=np.int64)[
            codes
        ]
        unknown = pd.Series(new_codes == -2, index=text.index)
        new_codes[new_codes == -2] = -1
        values = pd.Series(
            pd.Categorical.from_codes(new_codes, dtype=clean_dtype(col)), index=text.index
        )
        return values, [(unknown, "unknown_value")]
    return text.str.strip().astype("string"), []


def _clean_table(
    frame: pd.DataFrame, raw: _Raw, table: str
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Coerce every column; exclude rows with cells that cannot be read."""
    spec = TABLES[table]
    excluded: list[pd.DataFrame] = []
    bad_any = np.zeros(len(frame), dtype=bool)
    clean: dict[str, pd.Series] = {}
    frame = frame.reset_index(drop=True)
    for name, col in spec.columns.items():
        if name not in frame.columns:
            clean[name] = pd.Series(
                pd.array([None] * len(frame), dtype=clean_dtype(col))
                if col.type != "date"
                else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
            )
            continue
        values, problems = (
            io_fast.coerce_column(frame[name], col, _coerce_column)
            if io_fast.active(len(frame))
            else _coerce_column(frame[name], col)
        )
        formula = raw.formula_columns.get(name)
        if formula is not None and len(formula):
            no_value = np.zeros(len(frame), dtype=bool)
            no_value[formula] = frame[name].isna().to_numpy()[formula]
            if no_value.any():
                excluded.append(_excluded(raw.rows[no_value], "formula_no_value", name))
                bad_any |= no_value
        for bad, reason in problems:
            bad_np = bad.to_numpy(dtype=bool, na_value=False)
            if bad_np.any():
                # The reason names the column and the allowed values, never the cell's value.
                excluded.append(_excluded(raw.rows[bad_np], reason, name))
                bad_any |= bad_np
        clean[name] = values.reset_index(drop=True)
    out = pd.DataFrame(clean)
    if bad_any.any():
        keep = ~bad_any
        out = out[keep].reset_index(drop=True)
        raw.rows = raw.rows[keep]
    return out, excluded


_PANDERA_REASONS = {
    "not_nullable": "missing_value",
    "field_uniqueness": "duplicate_id",
    "in_range": "out_of_range",
    "isin": "unknown_value",
}


def _validate(
    frame: pd.DataFrame, raw: _Raw, table: str
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Validate with the pandera schema; exclude failing rows."""
    if io_fast.active(len(frame)) and not io_fast.needs_validation(frame, TABLES[table].columns):
        return frame, []
    try:
        pandera_schema(table).validate(frame, lazy=True)
        return frame, []
    except pa_errors.SchemaErrors as err:
        cases = err.failure_cases
    cases = cases[cases["index"].notna()]
    excluded = []
    drop = np.zeros(len(frame), dtype=bool)
    for (column, check), part in cases.groupby(["column", "check"], sort=False):
        check_name = str(check).split("(")[0]
        reason = _PANDERA_REASONS.get(check_name)
        if reason is None:  # pragma: no cover - a dtype error means a bug in cleaning
            raise RuntimeError(f"unexpected validation failure {check} in {table}.{column}")
        pos = np.unique(part["index"].astype(np.int64).to_numpy())
        drop[pos] = True
        excluded.append(_excluded(raw.rows[pos], reason, str(column)))
    keep = ~drop
    raw.rows = raw.rows[keep]
    return frame[keep].reset_index(drop=True), excluded
