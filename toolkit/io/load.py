"""The public entry point: :func:`load_unit` reads, cleans and validates a unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import privacy
from toolkit.errors import DataError
from toolkit.i18n import check_language
from toolkit.io._raw import (
    _EXCLUDED_COLUMNS,
    _excluded,
    _Raw,
    _WordedDataError,
)
from toolkit.io.account import TableAccount, UnitData, reason_text
from toolkit.io.clean import _clean_table, _map_headers, _validate
from toolkit.io.csv_reader import _read_csv
from toolkit.io.rules import _date_rules, _positions_in, _visit_rules
from toolkit.io.screen import _check_identity_numbers, _check_names, _check_unit_texts
from toolkit.io.sources import _find_sources
from toolkit.io.stages import read_treatment
from toolkit.io_limits import (
    Limits,
)
from toolkit.io_limits import resolve as resolve_limits
from toolkit.schema import (
    TABLE_NAMES,
    TABLES,
)


def load_unit(
    path: str | Path,
    *,
    lang: str | None = None,
    extract_date: str | dt.date | pd.Timestamp | None = None,
    pseudonymise_key: str | bytes | None = None,
    limits: Limits | Mapping[str, float] | None = None,
) -> UnitData:
    """Read, clean and validate a unit's data.

    Parameters
    ----------
    path
        A folder of CSV files (``referrals.csv`` or ``remisser.csv``, …) or one
        Excel workbook with a sheet per table. Only the tables a unit has are
        needed: referrals alone, or period counts alone, are a valid unit.
    lang
        Language of messages and of the row account: ``"sv"`` (default) or ``"en"``.
    extract_date
        The date the data was taken out of the patient administrative system;
        rows with a later date are excluded. Default: today.
    pseudonymise_key
        When given, columns holding Swedish identity numbers are replaced by
        keyed hashes (see :func:`toolkit.privacy.pseudonymise`) instead of
        stopping with an error. Every column of a file is searched, also
        columns the toolkit does not use, and so are the names of unused
        files and sheets (shown with pseudonyms) and a workbook's comments,
        headers, footers, defined names and properties (never shown). The
        key must pass :func:`toolkit.privacy.check_key` (16 characters, 8
        different); a weak key is refused whether or not numbers are found.
        See docs/privacy.md.
    limits
        Raise (or lower) the limits on what is read, by name, e.g.
        ``{"rows": 20_000_000}``: file size, an Excel file's unpacked size,
        rows, columns, sheets, field and line length (see
        :mod:`toolkit.io_limits` for the names and defaults). They are checked
        before the work they bound; the environment variable
        ``BUP_TOOLKIT_LIMITS`` sets them for every load.

    Returns
    -------
    UnitData
        Clean tables (absent ones empty) and the account of every row read.

    Raises
    ------
    DataError
        When a file cannot be used at all: it names the file, the row and
        column where relevant, what is wrong and how to fix it. A file whose
        every row is excluded is such a file; the message gives the most
        common reason and the first row with it. ``err.message("sv")`` and
        ``err.message("en")`` give the message in either language.
    """
    lang = check_language(lang)
    path = Path(path)
    extract = pd.Timestamp(
        extract_date if extract_date is not None else dt.date.today()
    ).normalize()
    if pseudonymise_key is not None:
        privacy.check_key(pseudonymise_key, lang=lang)  # a weak key is refused at once
    _check_names(path, lang)
    where = [path.name]  # the file being read, for a memory error
    try:
        return _load_unit(
            path, lang, extract, pseudonymise_key, resolve_limits(limits, lang), where
        )
    except MemoryError as exc:  # the computer's memory, not a damaged file: say so
        raise DataError("io.memory", file=where[0], lang=lang) from exc


def _load_unit(
    path: Path,
    lang: str,
    extract: pd.Timestamp,
    pseudonymise_key: str | bytes | None,
    limits: Limits,
    where: list[str],
) -> UnitData:
    sources, notes = _find_sources(path, lang, limits)
    notes = _check_unit_texts(path, notes, pseudonymise_key, lang)
    if "visits" in sources and "referrals" not in sources:
        visits = sources["visits"]
        raise DataError(
            "io.visits_without_referrals",
            file=visits.display if isinstance(visits, _Raw) else visits.name,
            lang=lang,
        )
    tables: dict[str, pd.DataFrame] = {}
    account: dict[str, TableAccount] = {}
    excluded_ids = pd.Series([], dtype="string")
    for table in TABLE_NAMES:
        source = sources.get(table)
        if source is None:
            continue
        where[0] = source.display if isinstance(source, _Raw) else source.name
        raw = (
            source
            if isinstance(source, _Raw)
            else _read_csv(source, source.name, lang, table, limits)
        )
        if not len(raw.frame.columns):
            raise DataError("io.empty_file", file=raw.display, lang=lang)
        n_read = len(raw.rows) + sum(len(np.unique(e["row"])) for e in raw.excluded)
        excluded = list(raw.excluded)
        _check_identity_numbers(raw, pseudonymise_key, lang)
        frame = _map_headers(raw, table, lang)
        frame = read_treatment(frame, raw.notes, table)  # "behandling": 2 or 3 stages
        ids_before = (
            frame["referral_id"].astype("string").str.strip() if table == "referrals" else None
        )
        frame, more = _clean_table(frame, raw, table)
        raw.frame = raw.frame.iloc[:0]  # the texts are no longer needed: free their memory
        excluded += more
        frame, more = _validate(frame, raw, table)
        excluded += more
        frame = _date_rules(frame, raw, table, extract, excluded)
        if table == "visits":
            frame = _visit_rules(frame, raw, tables["referrals"], excluded_ids, excluded)
        if ids_before is not None:
            excluded_ids = ids_before[_positions_in(ids_before, frame["referral_id"]) < 0].dropna()
        excluded_frame = pd.concat(excluded, ignore_index=True) if excluded else _excluded([], "")
        tables[table] = frame
        account[table] = TableAccount(
            table=table,
            file=raw.display,
            rows_read=n_read,
            rows_used=len(frame),
            excluded=excluded_frame[_EXCLUDED_COLUMNS],
            notes=raw.notes,
        )
        if n_read and not len(frame):
            _raise_all_excluded(account[table], lang)
    if not any(len(f) for f in tables.values()):
        files = ", ".join(a.file for a in account.values()) or path.name
        raise DataError("io.no_rows", file=files, lang=lang)
    full = {name: tables.get(name, TABLES[name].empty_frame()) for name in TABLE_NAMES}
    return UnitData(
        **full, account=account, source=str(path), extract_date=extract, lang=lang, notes=notes
    )


def _raise_all_excluded(account: TableAccount, lang: str) -> None:
    """Every row of a file was excluded: stop, naming the most common reason and its first row."""
    exc = account.excluded
    counts = exc.groupby(["reason", "column", "other"], sort=False, dropna=False)["row"].nunique()
    reason, column, other = counts.sort_values(ascending=False, kind="stable").index[0]
    part = exc[(exc["reason"] == reason) & (exc["column"] == column) & (exc["other"] == other)]
    raise _WordedDataError(
        "io.all_rows_excluded",
        file=account.file,
        row=int(part["row"].min()),
        worded={
            "reason": {
                lg: reason_text(account.table, str(reason), column, other, lg)
                for lg in ("sv", "en")
            }
        },
        n=int(counts.iloc[0]),
        total=account.rows_read,
        lang=lang,
    )
