"""The PDSA log: one row per Plan–Do–Study–Act cycle of a unit, kept in a file.

A log is a table with a fixed set of columns (:data:`COLUMNS`), documented
below; the same columns in the same order are written to CSV and Excel, so a
unit manager can open the file, and read back by :func:`read_log`, which
checks every row and says, in Swedish or English, which file, row and field
is wrong and how to fix it.

=================  ========  ==========================================================
column             required  meaning
=================  ========  ==========================================================
``cycle_id``       yes       the cycle's identifier, unique in the log (``PDSA-1`` …)
``unit``           yes       the unit the cycle belongs to (sample id or typed name)
``title``                    a short name of the change (shown on the SPC charts)
``aim``                      what the unit wants to achieve (Plan)
``change_idea``              the change tested (Plan)
``prediction``               what the unit expects to happen (Plan)
``measure``                  the SPC measure the change is followed on (:data:`MEASURES`)
``start_date``               the change date: the day the change started (YYYY-MM-DD)
``plan``                     who does what, when and where; how data are collected
``do``                       what was done and observed (Do)
``study``                    what the data showed against the prediction (Study)
``act``                      what happens next (Act)
``decision``                 ``adopt``, ``adapt`` or ``abandon`` (empty while open)
``study_date``               the day the results were studied (not before the start)
``decision_date``            the day of the decision (not before the start)
``format_version``  yes      the file format's version, :data:`FORMAT_VERSION`
=================  ========  ==========================================================

No field may hold a Swedish identity or reserve number
(:func:`toolkit.privacy.find_in_text`): a log that does is refused, with a
message naming the file, row and field, never the value, before any other
check, whether it is read from a file or typed in a workbook.

Only ``cycle_id``, ``unit`` and ``format_version`` are required, so a cycle
being planned can be saved field by field as it is typed. Dates are written
as ``YYYY-MM-DD``. CSV files are written with ``;`` and UTF-8 with a byte
order mark (what Swedish Excel opens); ``;``, ``,`` and tab, UTF-8 and
Windows-1252 are read.

Where the unit keeps its log: the workbook saves
``pdsa__<unit>__<hash>.csv`` in the folder named by the environment variable
``BUP_TOOLKIT_SAVE_DIR`` (default ``~/bup-toolkit``), see :func:`log_path`
(the hash of the exact name keeps ``BUP Öst`` and ``BUP Ost`` apart; a log
saved under the older name ``<unit>_pdsa.csv`` is taken over by
:func:`migrate_log`). Every change is applied to the file as it is on disk
under the file's lock (:func:`save_change`, :func:`add_cycle`,
:func:`save_merge`), so pages and processes saving at once lose nothing. A
report is given a log by the ``pdsa_log`` field of the unit's manifest entry.

:func:`annotations` turns a log into the table that
:func:`toolkit.charts.spc_chart` draws as change annotations (its ``date``
column can also be given to :func:`toolkit.spc.spc` as rebase dates), and
:func:`merge_logs` merges an imported log into an existing one, reporting
cycles that differ instead of overwriting them.

References
----------
Langley GJ et al., *The Improvement Guide* (2nd ed., 2009): the Model for
Improvement and the Plan–Do–Study–Act cycle (aim, prediction, measure;
adopt, adapt or abandon). NHS England, *Making Data Count* (2019):
annotating charts with the dates of changes.

Examples
--------
>>> log = new_log()
>>> log = update_cycle(log, "PDSA-1", unit="balans", title="Telefontid",
...                    start_date="2024-03-04", measure="waiting_first")
>>> annotations(log, measure="waiting_first")[["date", "label"]].to_dict("list")
{'date': [Timestamp('2024-03-04 00:00:00')], 'label': ['PDSA-1: Telefontid']}
"""

import csv
import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit import autosave, privacy
from toolkit.errors import DataError, ParameterError
from toolkit.exports import csv_text, csv_value, excel_text
from toolkit.i18n import LANGUAGES, check_language, t

__all__ = [
    "COLUMNS",
    "DATE_COLUMNS",
    "DECISIONS",
    "FORMAT_VERSION",
    "MEASURES",
    "REQUIRED",
    "TEXT_COLUMNS",
    "Merge",
    "add_cycle",
    "annotations",
    "export_log",
    "export_name",
    "log_path",
    "merge_logs",
    "migrate_log",
    "new_log",
    "next_cycle_id",
    "read_log",
    "save_change",
    "save_dir",
    "save_log",
    "save_merge",
    "unit_key",
    "update_cycle",
    "validate_log",
]

#: Version of the file format; a file of another version is refused.
FORMAT_VERSION = 1

#: The columns of a log, in file order.
COLUMNS: tuple[str, ...] = (
    "cycle_id",
    "unit",
    "title",
    "aim",
    "change_idea",
    "prediction",
    "measure",
    "start_date",
    "plan",
    "do",
    "study",
    "act",
    "decision",
    "study_date",
    "decision_date",
    "format_version",
)
#: Date columns (``YYYY-MM-DD``, empty allowed).
DATE_COLUMNS: tuple[str, ...] = ("start_date", "study_date", "decision_date")
#: Text columns (empty text allowed unless required).
TEXT_COLUMNS: tuple[str, ...] = tuple(
    c for c in COLUMNS if c not in DATE_COLUMNS and c != "format_version"
)
#: Fields every row must have.
REQUIRED: tuple[str, ...] = ("cycle_id", "unit")
#: Decisions of the Act step (empty while the cycle is open).
DECISIONS: tuple[str, ...] = ("adopt", "adapt", "abandon")
#: SPC measures a cycle can be followed on (the codes of the SPC workbook's measures).
MEASURES: tuple[str, ...] = (
    "waiting_first",
    "waiting_deep",
    "arrivals_first",
    "completions_first",
    "median_wait_first",
    "within_first",
    "within_deep",
)
#: Longest annotation label drawn on a chart (longer titles are cut with an ellipsis).
LABEL_CHARS = 40
#: Environment variable naming the folder where the workbooks save what is typed.
SAVE_DIR_ENV = autosave.SAVE_DIR_ENV
_SUFFIXES = (".csv", ".xlsx")
_SHEET = "pdsa"
_DOC_SHEET = "columns"


# --------------------------------------------------------------------------- the table


def new_log() -> pd.DataFrame:
    """An empty log with the columns and types of :data:`COLUMNS`.

    >>> list(new_log().columns) == list(COLUMNS)
    True
    """
    data: dict[str, Any] = {}
    for column in COLUMNS:
        if column in DATE_COLUMNS:
            data[column] = pd.Series([], dtype="datetime64[ns]")
        elif column == "format_version":
            data[column] = pd.Series([], dtype="int64")
        else:
            data[column] = pd.Series([], dtype="str")
    return pd.DataFrame(data)


def _row_number(i: int) -> int:
    """Row of the i-th cycle (from 0) as a user sees it in the file: the header is row 1."""
    return i + 2


def _header_codes() -> dict[str, str]:
    """Accepted column headers (code, Swedish and English header, any case) -> column code."""
    out = {code.lower(): code for code in COLUMNS}
    for code in COLUMNS:
        for lang in LANGUAGES:
            out[t(f"pdsa.header.{code}", lang).strip().lower()] = code
    return out


def _measure_codes() -> dict[str, str]:
    """Accepted spellings of a measure (code, Swedish and English name) -> code."""
    out = {code: code for code in MEASURES}
    for code in MEASURES:
        for lang in LANGUAGES:
            out[t(f"widgets.spc.measure.{code}", lang).strip().lower()] = code
    return out


def _decision_codes() -> dict[str, str]:
    """Accepted spellings of a decision (code, Swedish and English label) -> code."""
    out = {code: code for code in DECISIONS}
    for code in DECISIONS:
        for lang in LANGUAGES:
            out[t(f"pdsa.decision.{code}", lang).strip().lower()] = code
    return out


_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?$")
_EMPTY = {"", "nan", "NaN", "NaT", "None", "<NA>"}

#: A log in transit between file and table: column name -> one text per cycle.
Columns = dict[str, list[str]]


def _cell_text(value: Any) -> str:
    """One value as the text written to a file (dates ISO, missing empty, text stripped)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is pd.NA:
        return ""
    text = str(value).strip()
    return "" if text in _EMPTY else text


def _columns_of(table: pd.DataFrame) -> Columns:
    """The cells of a table as text per column (header names stripped)."""
    return {
        str(name).strip(): [_cell_text(v) for v in table[name].tolist()] for name in table.columns
    }


def _check_identity_numbers(cols: Columns, file: str | None, lang: str) -> None:
    """Refuse a log whose headers or cells hold an identity or reserve number.

    Checked before anything else, so no later message can quote one. The
    message names the file, row and column (or the column's letter for a
    header), never the value.
    """
    from openpyxl.utils import get_column_letter

    for j, (column, values) in enumerate(cols.items(), start=1):
        privacy.check_text(
            column, "privacy.field.header", file=file, letter=get_column_letter(j), lang=lang
        )
        for i, value in enumerate(values):
            if value and privacy.has_identity_number(value):
                privacy.check_text(
                    value,
                    "privacy.field.cell",
                    file=file,
                    row=_row_number(i),
                    column=column,
                    lang=lang,
                )


def _check(cols: Columns, file: str | None, lang: str) -> Columns:
    """Check a log given as text per column; return it with every column of :data:`COLUMNS`.

    A log is small (a unit runs tens of cycles, not thousands), so the checks
    go through the cells in plain Python, which is faster than pandas at
    this size; every message names the first failing row.
    """
    _check_identity_numbers(cols, file, lang)
    _check_columns(cols, file, lang)
    # Format version first: another version's columns may mean something else.
    _check_format_version(cols["format_version"], file, lang)
    n = len(next(iter(cols.values()))) if cols else 0
    out: Columns = {c: cols.get(c, [""] * n) for c in COLUMNS}
    _check_required_values(out, file, lang)
    _check_unique_ids(out["cycle_id"], file, lang)
    for column in DATE_COLUMNS:
        out[column] = _iso_dates(out[column], column, file, lang)
    _check_not_before_start(out, file, lang)
    out["decision"] = _decisions(out["decision"], file, lang)
    out["measure"] = _measures(out["measure"], file, lang)
    out["format_version"] = [str(FORMAT_VERSION)] * n
    return out


def _check_columns(cols: Columns, file: str | None, lang: str) -> None:
    """Refuse a column not in :data:`COLUMNS` and a missing required one (or format version)."""
    unknown = [c for c in cols if c not in COLUMNS]
    if unknown:
        raise DataError(
            "pdsa.unknown_column",
            file=file,
            column=unknown[0],
            allowed=", ".join(COLUMNS),
            lang=lang,
        )
    if "format_version" not in cols and "cycle_id" in cols:
        raise DataError("pdsa.missing_column", file=file, column="format_version", lang=lang)
    for column in REQUIRED:
        if column not in cols:
            raise DataError("pdsa.missing_column", file=file, column=column, lang=lang)


def _check_format_version(versions: list[str], file: str | None, lang: str) -> None:
    """Refuse a row written in another format version than :data:`FORMAT_VERSION`."""
    for i, version in enumerate(versions):
        if version != str(FORMAT_VERSION):
            raise DataError(
                "pdsa.other_version",
                file=file,
                row=_row_number(i),
                column="format_version",
                found=version or "–",
                expected=FORMAT_VERSION,
                lang=lang,
            )


def _check_required_values(out: Columns, file: str | None, lang: str) -> None:
    """Refuse an empty cell in a required column."""
    for column in REQUIRED:
        for i, value in enumerate(out[column]):
            if not value:
                raise DataError(
                    "pdsa.missing_value", file=file, row=_row_number(i), column=column, lang=lang
                )


def _check_unique_ids(cycle_ids: list[str], file: str | None, lang: str) -> None:
    """Refuse a cycle id used twice (naming the row where it first stood)."""
    first_row: dict[str, int] = {}
    for i, cycle_id in enumerate(cycle_ids):
        if cycle_id in first_row:
            raise DataError(
                "pdsa.duplicate_id",
                file=file,
                row=_row_number(i),
                column="cycle_id",
                id=cycle_id,
                first=_row_number(first_row[cycle_id]),
                lang=lang,
            )
        first_row[cycle_id] = i


def _iso_dates(values: list[str], column: str, file: str | None, lang: str) -> list[str]:
    """A date column as ISO dates (empty stays empty); refuse a cell that is not a date."""
    dates = []
    for i, value in enumerate(values):
        match = _ISO_DATE.match(value)
        try:
            dates.append(dt.date.fromisoformat(match.group(1)).isoformat() if match else "")
        except ValueError:
            match = None
        if value and not match:
            raise DataError(
                "pdsa.bad_date",
                file=file,
                row=_row_number(i),
                column=column,
                value=value,
                lang=lang,
            )
    return dates


def _check_not_before_start(out: Columns, file: str | None, lang: str) -> None:
    """Refuse a study or decision date before the cycle's start date."""
    for column in ("study_date", "decision_date"):
        for i, (day, start) in enumerate(zip(out[column], out["start_date"], strict=True)):
            if day and start and day < start:  # ISO dates sort as text
                raise DataError(
                    "pdsa.before_start",
                    file=file,
                    row=_row_number(i),
                    column=column,
                    date=day,
                    start=start,
                    lang=lang,
                )


def _decisions(values: list[str], file: str | None, lang: str) -> list[str]:
    """Decisions as codes of :data:`DECISIONS` (written in either language); refuse others."""
    codes = _decision_codes()
    decisions = []
    for i, value in enumerate(values):
        code = codes.get(value.lower(), None) if value else ""
        if code is None:
            raise DataError(
                "pdsa.bad_decision",
                file=file,
                row=_row_number(i),
                column="decision",
                value=value,
                allowed=", ".join(DECISIONS),
                lang=lang,
            )
        decisions.append(code)
    return decisions


def _measures(values: list[str], file: str | None, lang: str) -> list[str]:
    """Measures as codes of :data:`MEASURES` (names in either language); refuse others."""
    names = _measure_codes()
    measures = [names.get(v, names.get(v.strip().lower(), v)) for v in values]
    for i, value in enumerate(measures):
        if value and value not in MEASURES:
            raise DataError(
                "pdsa.bad_measure",
                file=file,
                row=_row_number(i),
                column="measure",
                value=value,
                allowed=", ".join(MEASURES),
                lang=lang,
            )
    return measures


def _frame(cols: Columns) -> pd.DataFrame:
    """A checked log (text per column) as the typed table :func:`validate_log` returns."""
    data: dict[str, Any] = {}
    for column in COLUMNS:
        values = cols[column]
        if column in DATE_COLUMNS:
            data[column] = pd.to_datetime(
                pd.Series([v or None for v in values], dtype="object"), format="%Y-%m-%d"
            ).astype("datetime64[ns]")
        elif column == "format_version":
            data[column] = pd.Series([int(v) for v in values], dtype="int64")
        else:
            data[column] = pd.Series(values, dtype="str")
    return pd.DataFrame(data)


def validate_log(
    table: pd.DataFrame, *, file: str | None = None, lang: str | None = None
) -> pd.DataFrame:
    """Check a log and return it with clean types (text stripped, dates parsed).

    Parameters
    ----------
    table : DataFrame
        A log with the columns of :data:`COLUMNS` (dates as text ``YYYY-MM-DD``
        or datetimes).
    file : str, optional
        The file's name, used in messages.
    lang : {"sv", "en"}, optional
        Language of the messages.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS` in order: text columns as text (empty text
        for missing), date columns as ``datetime64[ns]`` (NaT for missing),
        ``format_version`` as int. Decisions typed in Swedish or English
        (``behåll``, ``Adopt``) become their codes.

    Raises
    ------
    DataError
        Naming file, row (the header is row 1), field and a fix, for: a
        missing or unknown column, a file of another format version, an empty
        required field, a date that is not ``YYYY-MM-DD``, a study or
        decision date before the start date, a duplicate cycle id, a decision
        other than adopt/adapt/abandon, a measure not in :data:`MEASURES`.

    Examples
    --------
    >>> bad = pd.DataFrame({"cycle_id": ["P1", "P1"], "unit": ["a", "a"],
    ...                     "format_version": [1, 1]})
    >>> validate_log(bad, file="log.csv", lang="en")
    Traceback (most recent call last):
    ...
    toolkit.errors.DataError: log.csv, row 3, column cycle_id: the cycle id P1 is used twice (first in row 2). Fix: give every cycle its own id, or remove the repeated row.
    """
    lang = check_language(lang)
    return _frame(_check(_columns_of(table), file, lang))


# --------------------------------------------------------------------------- editing


def next_cycle_id(log: pd.DataFrame) -> str:
    """The next free id ``PDSA-n`` (one more than the largest number used).

    >>> next_cycle_id(new_log())
    'PDSA-1'
    >>> next_cycle_id(pd.DataFrame({"cycle_id": ["PDSA-2", "egen"]}))
    'PDSA-3'
    """
    used = [str(c) for c in log["cycle_id"].tolist()]
    numbers = [int(m.group(1)) for c in used if (m := re.search(r"(\d+)\s*$", c))]
    n = max(numbers) + 1 if numbers else 1
    while f"PDSA-{n}" in used:
        n += 1
    return f"PDSA-{n}"


def update_cycle(
    log: pd.DataFrame,
    cycle_id: str,
    *,
    file: str | None = None,
    lang: str | None = None,
    **fields: Any,
) -> pd.DataFrame:
    """The log with ``fields`` of cycle ``cycle_id`` set (the cycle is added when new).

    Values are text, dates (``YYYY-MM-DD`` text, ``datetime.date`` or
    ``None`` for none), as in the file. The result is checked by
    :func:`validate_log` (``file`` names the log in its messages); an
    unknown field is a :class:`ParameterError`.

    >>> log = update_cycle(new_log(), "P1", unit="a", aim="Kortare väntan")
    >>> update_cycle(log, "P1", aim="Kortare kö").loc[0, "aim"]
    'Kortare kö'
    """
    lang = check_language(lang)
    return _frame(_update(_as_text(log), cycle_id, file, lang, fields))


def _update(cols: Columns, cycle_id: str, file: str | None, lang: str, fields: Any) -> Columns:
    editable = [c for c in COLUMNS if c not in ("cycle_id", "format_version")]
    unknown = [f for f in fields if f not in editable]
    if unknown:
        raise checks.choice_error(unknown[0], unknown[0], editable, lang)
    cols = {c: list(v) for c, v in cols.items()}
    cycle_id = _cell_text(cycle_id)
    if cycle_id in cols["cycle_id"]:
        i = cols["cycle_id"].index(cycle_id)
    else:
        for column in COLUMNS:
            cols[column].append("")
        cols["cycle_id"][-1] = cycle_id
        cols["format_version"][-1] = str(FORMAT_VERSION)
        i = len(cols["cycle_id"]) - 1
    for name, value in fields.items():
        cols[name][i] = _cell_text(value)
    return _check(cols, file, lang)


def _as_text(log: pd.DataFrame) -> Columns:
    """Every cell of a log as the text written to a file (every column of :data:`COLUMNS`)."""
    cols = _columns_of(log)
    n = len(log)
    for column in COLUMNS:
        if column not in cols:
            cols[column] = [str(FORMAT_VERSION) if column == "format_version" else ""] * n
    return {c: cols[c] for c in COLUMNS}


# --------------------------------------------------------------------------- files


def save_dir() -> Path:
    """The folder where the workbooks save: :func:`toolkit.autosave.save_dir`, not created here."""
    return autosave.save_dir(create=False)


def unit_key(unit: str) -> str:
    """A unit's id or typed name as a file-name part: :func:`toolkit.autosave.name_key`.

    The simplified name (ASCII letters, digits, hyphens) and a short hash of
    the exact name as the log stores it (without leading and trailing
    spaces), so names that simplify alike never share a file. A name of
    spaces only is a :class:`ParameterError`.

    >>> unit_key("BUP Östra Småstad")
    'bup-ostra-smastad__313a701f'
    >>> unit_key("BUP Öst") != unit_key("BUP Ost")
    True
    """
    name = _cell_text(unit)
    if not name:
        raise ParameterError("pdsa.no_unit_name", argument="unit")
    return autosave.name_key(name)


def log_path(unit: str, folder: str | Path | None = None) -> Path:
    """Where the workbook keeps a unit's log: ``<folder>/pdsa__<unit_key>.csv``.

    ``folder`` defaults to :func:`save_dir`.

    >>> log_path("BUP Norrstad", "/tmp/x").as_posix()
    '/tmp/x/pdsa__bup-norrstad__5cb23233.csv'
    """
    base = Path(folder) if folder is not None else save_dir()
    return base / f"pdsa__{unit_key(unit)}.csv"


def export_name(unit: str) -> str:
    """The file-name stem of a downloaded log: ``<slug>_pdsa``.

    >>> export_name("BUP Östra Småstad")
    'bup-ostra-smastad_pdsa'
    """
    return f"{autosave.slug(str(unit))}_pdsa"


def _old_log_path(unit: str, folder: Path) -> Path:
    """The name the workbook used before names were hashed: ``<key>_pdsa.csv``."""
    plain = unicodedata.normalize("NFKD", str(unit)).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9_-]+", "_", plain.lower()).strip("_")
    return folder / f"{key or '_'}_pdsa.csv"


def migrate_log(unit: str, folder: str | Path | None = None, *, lang: str | None = None) -> Path:
    """The unit's log file, taking over its cycles from a log saved under the older name.

    Before file names carried a hash, ``BUP Öst`` and ``BUP Ost`` both
    saved to ``bup_ost_pdsa.csv``. When the unit has no file under
    :func:`log_path` yet and the older file exists, the older file's cycles
    of exactly this unit are copied to the new file (under its lock); the
    older file is left as it is (another unit's cycles may be in it). A
    damaged older file is left alone and raises the reader's message.
    Returns :func:`log_path`.
    """
    lang = check_language(lang)
    path = log_path(unit, folder)
    old = _old_log_path(unit, path.parent)
    if path.exists() or not old.is_file():
        return path
    with autosave.locked(path, lang=lang):
        if path.exists():
            return path
        cols = _read(old, lang)
        keep = [i for i, u in enumerate(cols["unit"]) if u == _cell_text(unit)]
        if keep:
            mine = {c: [v[i] for i in keep] for c, v in cols.items()}
            _write(_check(mine, path.name, lang), path, lang)
    return path


def _suffix(path: Path, lang: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise DataError("pdsa.file_type", file=path.name, allowed=", ".join(_SUFFIXES), lang=lang)
    return suffix


def save_log(log: pd.DataFrame, path: str | Path, *, lang: str | None = None) -> Path:
    """Write a log to ``path`` (``.csv`` or ``.xlsx``) atomically; return the path.

    The log is checked first (:func:`validate_log`), then written to a
    temporary file in the same folder and renamed over ``path``, so a reader
    (or a kernel that dies while writing) never sees half a file. CSV is
    written with ``;`` in UTF-8 with a byte order mark; Excel with a sheet
    ``pdsa`` (the log, dates as dates, text as text, never formulas) and a
    sheet ``columns`` describing every column in Swedish and English.
    """
    lang = check_language(lang)
    path = Path(path)
    _suffix(path, lang)
    cols = _check(_as_text(log), path.name, lang)
    _write(cols, path, lang)
    return path


def export_log(log: pd.DataFrame, path: str | Path, *, lang: str | None = None) -> Path:
    """Write a log for people to read, in ``lang``; :func:`read_log` reads it back.

    As :func:`save_log`, but the column headers, the decisions of the Act
    step and the SPC measures are written in ``lang`` (``Beslut``:
    ``behåll``, ``Mått``: ``Väntande på första bedömning`` in Swedish) and
    the Excel file's column sheet is named and headed in ``lang``. Headers,
    decisions and measures are read back in either language or as codes, so
    an export can be imported again in any session.
    """
    lang = check_language(lang)
    path = Path(path)
    _suffix(path, lang)
    cols = _check(_as_text(log), path.name, lang)
    _write(cols, path, lang, labels=lang)
    return path


def _labelled(cols: Columns, labels: str | None) -> tuple[list[str], Columns]:
    """Header and cells as written: codes, or headers, decisions and measures in ``labels``."""
    if labels is None:
        return list(COLUMNS), cols
    out = dict(cols)
    out["decision"] = [t(f"pdsa.decision.{v}", labels) if v else "" for v in cols["decision"]]
    out["measure"] = [t(f"widgets.spc.measure.{v}", labels) if v else "" for v in cols["measure"]]
    return [t(f"pdsa.header.{c}", labels) for c in COLUMNS], out


def _write(cols: Columns, path: Path, lang: str, labels: str | None = None) -> None:
    """Write checked columns to ``path`` through a temporary file and a rename."""
    suffix = _suffix(path, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    try:
        if suffix == ".csv":
            with open(temp, "w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
                header, shown = _labelled(cols, labels)
                writer.writerow(header)
                # a text that could start a formula gets an apostrophe (toolkit.exports)
                texts = ([csv_text(v) for v in shown[c]] for c in COLUMNS)
                writer.writerows(zip(*texts, strict=True))
                out.flush()
                os.fsync(out.fileno())
        else:
            _write_excel(cols, Path(temp), labels)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write_excel(cols: Columns, path: Path, labels: str | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _SHEET
    header, cols = _labelled(cols, labels)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for c, column in enumerate(COLUMNS, start=1):
        for r, value in enumerate(cols[column], start=2):
            if value == "":
                continue
            cell = sheet.cell(row=r, column=c)
            if column in DATE_COLUMNS:
                cell.value = dt.date.fromisoformat(value)
                cell.number_format = "yyyy-mm-dd"
            elif column == "format_version":
                cell.value = int(value)
            else:
                excel_text(cell, value)  # text stays text, never a formula
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = 14 if column in DATE_COLUMNS or column in REQUIRED else 32
        sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = width
    sheet.freeze_panes = "B2"
    doc = book.create_sheet(_DOC_SHEET if labels is None else t("pdsa.doc_sheet", labels))
    doc.append(
        ["column", "sv", "en"]
        if labels is None
        else [t(f"pdsa.doc_header.{k}", labels) for k in ("column", *LANGUAGES)]
    )
    for cell in doc[1]:
        cell.font = Font(bold=True)
    for column, name in zip(COLUMNS, header, strict=True):
        doc.append(
            [name]
            + [t(f"pdsa.column.{column}", lang, version=FORMAT_VERSION) for lang in LANGUAGES]
        )
    for letter, width in (("A", 18), ("B", 70), ("C", 70)):
        doc.column_dimensions[letter].width = width
    book.save(path)


def read_log(path: str | Path, *, lang: str | None = None) -> pd.DataFrame:
    """Read and check a log written by :func:`save_log` (or typed by hand in its columns).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (``;``, ``,`` or tab; UTF-8, UTF-8 with BOM or
        Windows-1252) or ``.xlsx`` file (sheet ``pdsa``, else the first).
    lang : {"sv", "en"}, optional
        Language of the messages.

    Returns
    -------
    DataFrame
        The log as :func:`validate_log` returns it (no rows for a file that
        has only the header).

    Raises
    ------
    DataError
        A missing or empty file, a file that is not CSV or Excel, and every
        case of :func:`validate_log`.
    """
    lang = check_language(lang)
    return _frame(_read(Path(path), lang))


def _read(path: Path, lang: str) -> Columns:
    suffix = _suffix(path, lang)
    if not path.is_file():
        raise DataError("io.path_not_found", file=str(path), lang=lang)
    if path.stat().st_size == 0:
        raise DataError("pdsa.empty_file", file=path.name, lang=lang)
    rows = _read_csv(path, lang) if suffix == ".csv" else _read_excel(path, lang)
    rows = [r for r in rows if any(v != "" for v in r)]
    if not rows:
        raise DataError("pdsa.empty_file", file=path.name, lang=lang)
    header = [h.strip() for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    codes = _header_codes()  # an export in Swedish or English reads back as the codes
    header = [codes.get(h.lower(), h) for h in header]
    width = len(header)
    for number, row in enumerate(rows[1:], start=2):
        if any(v != "" for v in row[width:]):
            raise DataError(
                "pdsa.extra_cells", file=path.name, row=number, columns=width, lang=lang
            )
    body = [(row + [""] * width)[:width] for row in rows[1:]]
    cols: Columns = {name: [_cell_text(r[j]) for r in body] for j, name in enumerate(header)}
    if len(cols) < width:
        raise DataError("pdsa.unreadable", file=path.name, lang=lang)
    return _check(cols, path.name, lang)


def _read_csv(path: Path, lang: str) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise DataError("pdsa.unreadable", file=path.name, lang=lang) from None
    if "\x00" in text:
        raise DataError("pdsa.unreadable", file=path.name, lang=lang)
    lines = text.splitlines()
    header = lines[0] if lines else ""
    sep = max((";", ",", "\t"), key=header.count)
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        return [[csv_value(cell) for cell in row] for row in rows]
    except csv.Error as exc:
        raise DataError("pdsa.unreadable", file=path.name, lang=lang) from exc


def _read_excel(path: Path, lang: str) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise DataError("pdsa.unreadable", file=path.name, lang=lang) from exc
    try:
        sheet = book[_SHEET] if _SHEET in book.sheetnames else book.worksheets[0]
        return [[_cell_text(v) for v in r] for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def save_change(
    path: str | Path,
    cycle_id: str,
    *,
    lang: str | None = None,
    **fields: Any,
) -> pd.DataFrame:
    """Set ``fields`` of one cycle in the log file at ``path`` and save it; return the new log.

    The file is read, changed and written (atomically) while its lock is
    held (:func:`toolkit.autosave.locked`), so any number of pages and
    processes editing the same log keep each other's edits. A missing file
    starts a new log; a file that cannot be read is left as it is (the
    error says why).
    """
    lang = check_language(lang)
    path = Path(path)
    with autosave.locked(path, lang=lang):
        cols = _read(path, lang) if path.is_file() else _as_text(new_log())
        cols = _update(cols, cycle_id, path.name, lang, fields)
        _write(cols, path, lang)
    return _frame(cols)


def add_cycle(
    path: str | Path, *, lang: str | None = None, **fields: Any
) -> tuple[pd.DataFrame, str]:
    """Add a cycle with the next free id (:func:`next_cycle_id`) to the log file; return log and id.

    The id is chosen from the file as it is on disk, under its lock, so two
    pages adding cycles at once get different ids and both cycles are kept.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "log.csv"
    >>> add_cycle(path, unit="a")[1], add_cycle(path, unit="a")[1]
    ('PDSA-1', 'PDSA-2')
    """
    lang = check_language(lang)
    path = Path(path)
    with autosave.locked(path, lang=lang):
        cols = _read(path, lang) if path.is_file() else _as_text(new_log())
        cycle_id = next_cycle_id(pd.DataFrame({"cycle_id": cols["cycle_id"]}, dtype=object))
        cols = _update(cols, cycle_id, path.name, lang, fields)
        _write(cols, path, lang)
    return _frame(cols), cycle_id


def save_merge(
    path: str | Path,
    imported: pd.DataFrame,
    *,
    take_imported: bool = False,
    lang: str | None = None,
) -> tuple[pd.DataFrame, "Merge"]:
    """Merge an imported log into the log file at ``path`` as it is on disk, under its lock.

    New cycles are added; a cycle that differs is replaced by the imported
    version only with ``take_imported`` (the user has been asked), else
    kept. Returns the saved log and the :class:`Merge` made against the file.
    """
    lang = check_language(lang)
    path = Path(path)
    with autosave.locked(path, lang=lang):
        current = _frame(_read(path, lang)) if path.is_file() else new_log()
        merge = merge_logs(current, imported)
        log = merge.resolved(take_imported=take_imported)
        _write(_check(_as_text(log), path.name, lang), path, lang)
    return log, merge


# --------------------------------------------------------------------------- charts


def annotations(
    log: pd.DataFrame,
    *,
    measure: str | None = None,
    unit: str | None = None,
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """The change dates of a log as the annotation table of :func:`toolkit.charts.spc_chart`.

    Parameters
    ----------
    log : DataFrame
        A log (:func:`validate_log`'s columns).
    measure : str, optional
        Keep the cycles followed on this measure and those that name no
        measure (a change of the whole unit); ``None`` keeps every cycle.
    unit : str, optional
        Keep the cycles of this unit only.
    start, end : date-like, optional
        Keep the change dates in ``[start, end]`` (the chart's range).

    Returns
    -------
    DataFrame
        Columns ``date`` (the cycle's ``start_date``), ``label``
        (``"<cycle_id>: <title>"``, cut to :data:`LABEL_CHARS` characters)
        and ``cycle_id``, sorted by date; cycles without a start date are
        not drawn (they have not started). Pass it as ``pdsa=`` to
        :func:`toolkit.charts.spc_chart`; its ``date`` column as ``rebase=``
        to :func:`toolkit.spc.spc` when the limits should be recalculated
        from each change.

    Examples
    --------
    >>> log = update_cycle(new_log(), "P1", unit="a", start_date="2024-02-05",
    ...                    measure="arrivals_first")
    >>> log = update_cycle(log, "P2", unit="a", start_date="2024-01-08", title="Ny rutin")
    >>> annotations(log, measure="waiting_first")["label"].tolist()
    ['P2: Ny rutin']
    >>> annotations(log)["cycle_id"].tolist()
    ['P2', 'P1']
    """
    keep = log["start_date"].notna().to_numpy().copy()
    if measure is not None:
        keep &= log["measure"].isin(("", measure)).to_numpy()
    if unit is not None:
        keep &= (log["unit"] == unit).to_numpy()
    dates = pd.to_datetime(log["start_date"])
    if start is not None:
        keep &= (dates >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (dates <= pd.Timestamp(end)).to_numpy()
    part = log[keep]
    labels = part["cycle_id"].where(part["title"] == "", part["cycle_id"] + ": " + part["title"])
    labels = labels.where(
        labels.str.len() <= LABEL_CHARS, labels.str.slice(0, LABEL_CHARS - 1) + "…"
    )
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(part["start_date"]).astype("datetime64[ns]").to_numpy(),
            "label": labels.astype("str").to_numpy(),
            "cycle_id": part["cycle_id"].astype("str").to_numpy(),
        }
    )
    return out.sort_values(["date", "cycle_id"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- merging


@dataclass(frozen=True)
class Merge:
    """The result of :func:`merge_logs`.

    ``log`` is the existing log with the new cycles added and every
    conflicting cycle left as it was; ``conflicts`` has one row per field
    that differs (``cycle_id``, ``field``, ``current``, ``imported``, as
    text); :meth:`resolved` gives the log with the imported versions taken.
    """

    log: pd.DataFrame
    added: tuple[str, ...]
    unchanged: tuple[str, ...]
    conflicts: pd.DataFrame
    imported: pd.DataFrame

    @property
    def conflicting(self) -> tuple[str, ...]:
        """Ids of the cycles whose content differs."""
        return tuple(dict.fromkeys(self.conflicts["cycle_id"].tolist()))

    def resolved(self, *, take_imported: bool = True) -> pd.DataFrame:
        """The merged log with each conflicting cycle replaced by its imported version."""
        if not take_imported or not self.conflicting:
            return self.log
        cols = _as_text(self.log)
        imp = _as_text(self.imported)
        for cycle_id in self.conflicting:
            i = cols["cycle_id"].index(cycle_id)
            k = imp["cycle_id"].index(cycle_id)
            for column in COLUMNS:
                cols[column][i] = imp[column][k]
        return _frame(_check(cols, None, check_language(None)))


def merge_logs(current: pd.DataFrame, imported: pd.DataFrame) -> Merge:
    """Merge an imported log into the current one without overwriting anything.

    A cycle id only in ``imported`` is added; one in both with the same
    content is unchanged; one in both with different content is a conflict,
    reported field by field and *not* applied (the caller asks the user and
    then uses :meth:`Merge.resolved`).

    Examples
    --------
    >>> a = update_cycle(new_log(), "P1", unit="u", aim="A")
    >>> b = update_cycle(update_cycle(new_log(), "P1", unit="u", aim="B"), "P2", unit="u")
    >>> m = merge_logs(a, b)
    >>> m.added, m.conflicting, m.log["aim"].tolist()
    (('P2',), ('P1',), ['A', ''])
    >>> m.resolved()["aim"].tolist()
    ['B', '']
    """
    cur = _as_text(current)
    imp = _as_text(imported)
    position = {cycle_id: i for i, cycle_id in enumerate(cur["cycle_id"])}
    added: list[str] = []
    unchanged: list[str] = []
    records: list[dict[str, str]] = []
    merged = {c: list(v) for c, v in cur.items()}
    for k, cycle_id in enumerate(imp["cycle_id"]):  # one step per imported cycle (a log is small)
        if cycle_id not in position:
            added.append(cycle_id)
            for column in COLUMNS:
                merged[column].append(imp[column][k])
            continue
        i = position[cycle_id]
        diffs = [
            {"cycle_id": cycle_id, "field": c, "current": cur[c][i], "imported": imp[c][k]}
            for c in COLUMNS
            if cur[c][i] != imp[c][k]
        ]
        if diffs:
            records += diffs
        else:
            unchanged.append(cycle_id)
    lang = check_language(None)
    conflicts = pd.DataFrame(records, columns=["cycle_id", "field", "current", "imported"])
    return Merge(
        log=_frame(_check(merged, None, lang)),
        added=tuple(added),
        unchanged=tuple(unchanged),
        conflicts=conflicts.astype("str"),
        imported=_frame(_check(imp, None, lang)),
    )


def units_in(log: pd.DataFrame) -> list[str]:
    """The units named in a log, in order of first appearance."""
    return list(dict.fromkeys(log["unit"].tolist()))
