"""Data-entry templates for a unit's data, generated from the data contract.

``write_templates(folder)`` writes what a unit fills in, in Swedish and in
English, all of it derived from ``toolkit/data/schema.yaml`` (through
:mod:`toolkit.schema`) so the templates never drift from what
:func:`toolkit.io.load_unit` reads::

    templates/
      enhetsdata_mall.xlsx       Swedish workbook: a sheet per table, ordlista, listor
      unit_data_template.xlsx    English workbook: a sheet per table, data_dictionary, lists
      csv_sv/remisser.csv …      header rows, ``;`` separated, UTF-8 with BOM
      csv_en/referrals.csv …     header rows, ``,`` separated, UTF-8

Each table sheet has its header in row 1 (bold, frozen, orange for required
and grey for optional columns, a note with the column's documentation on
every header), drop-down lists on category columns (the values live on the
hidden sheet ``listor``/``lists``), date and number validation with an error
message in the sheet's language, and no data rows. The dictionary sheet
(``ordlista``/``data_dictionary``) opens first: instructions in both
languages, then one row per table and column with both names, type, whether
required, allowed values or range, both descriptions and an example value.
The loader ignores the dictionary and list sheets.

The files are byte-for-byte reproducible: fixed document dates, zip entries
sorted and stamped 1980-01-01, so the committed templates can be compared
with freshly generated ones. Regenerate with ``python -m toolkit.templates``.

Examples
--------
>>> from toolkit.templates import csv_template, example_row
>>> csv_template("period_counts", "en")
b'period,stage,arrived,completed,removed,waiting_end,completed_within_target,waiting_within_target\\r\\n'
>>> csv_template("period_counts", "sv").decode("utf-8-sig")
'period;steg;inkomna;genomförda;avförda;väntande;genomförda_inom_målet;väntande_inom_målet\\r\\n'
>>> example_row("staff")["category"]
'psychologist'
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from toolkit import _checks as checks
from toolkit.i18n import LANGUAGES, check_language, t
from toolkit.schema import SCHEMA_VERSION, TABLES, ColumnSpec, TableSpec

#: File name of the workbook in each language.
WORKBOOK_NAMES: dict[str, str] = {"sv": "enhetsdata_mall.xlsx", "en": "unit_data_template.xlsx"}
#: Folder of the CSV templates in each language.
CSV_FOLDERS: dict[str, str] = {"sv": "csv_sv", "en": "csv_en"}
#: CSV separator in each language (Swedish Excel opens ``;`` files directly).
CSV_SEPARATORS: dict[str, str] = {"sv": ";", "en": ","}
#: Name of the data-dictionary sheet and of the hidden sheet with the drop-down values.
DICTIONARY_SHEETS: dict[str, str] = {"sv": "ordlista", "en": "data_dictionary"}
LIST_SHEETS: dict[str, str] = {"sv": "listor", "en": "lists"}

#: Fixed document date, so that regenerating gives identical bytes.
FIXED_DATE = dt.datetime(2024, 1, 1, 0, 0, 0)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Dates accepted by the date validation (inclusive).
FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)
#: Last row covered by validations and formats (the last row of a sheet).
LAST_ROW = 1_048_576
DATE_FORMAT = "yyyy-mm-dd"

_REQUIRED_FILL = PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD")
_OPTIONAL_FILL = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
_HEADING_FONT = Font(bold=True, size=13)
_BOLD = Font(bold=True)

# Example values (canonical) that form one consistent episode across tables;
# a column missing here falls back to a value derived from its type.
_EXAMPLES: dict[tuple[str, str], Any] = {
    ("referrals", "referral_id"): "R00001",
    ("referrals", "received"): dt.date(2024, 1, 8),
    ("referrals", "source"): "primary_care",
    ("referrals", "question"): "adhd",
    ("referrals", "priority"): "routine",
    ("referrals", "decision"): "accepted",
    ("referrals", "decided"): dt.date(2024, 1, 15),
    ("referrals", "first_assessment"): dt.date(2024, 2, 5),
    ("referrals", "deep_decision"): dt.date(2024, 2, 5),
    ("referrals", "deep_start"): dt.date(2024, 3, 11),
    ("referrals", "closed"): dt.date(2024, 9, 30),
    ("referrals", "pvv_days"): 0,
    ("referrals", "sex"): "female",
    ("referrals", "age"): 12,
    ("visits", "visit_id"): "V00001",
    ("visits", "referral_id"): "R00001",
    ("visits", "date"): dt.date(2024, 2, 5),
    ("visits", "visit_type"): "first_assessment",
    ("visits", "staff_category"): "psychologist",
    ("visits", "clinician_id"): "K017",
    ("visits", "mode"): "physical",
    ("visits", "duration_min"): 60,
    ("visits", "status"): "attended",
    ("staff", "staff_id"): "P001",
    ("staff", "category"): "psychologist",
    ("staff", "fte"): 0.8,
    ("staff", "hours_per_week"): 40,
    ("staff", "start"): dt.date(2024, 1, 1),
    ("staff", "end"): dt.date(2024, 12, 31),
    ("time_use", "date"): dt.date(2024, 3, 4),
    ("time_use", "staff_category"): "nurse",
    ("time_use", "activity"): "documentation",
    ("time_use", "level"): "clinical",
    ("time_use", "minutes"): 25,
    ("period_counts", "period"): dt.date(2024, 1, 1),
    ("period_counts", "stage"): "first_assessment",
    ("period_counts", "arrived"): 42,
    ("period_counts", "completed"): 38,
    ("period_counts", "removed"): 2,
    ("period_counts", "waiting_end"): 120,
    ("period_counts", "completed_within_target"): 30,
    ("period_counts", "waiting_within_target"): 70,
}


# --------------------------------------------------------------------------- helpers


def _check_table(table: str, lang: str) -> TableSpec:
    return TABLES[checks.one_of("table", table, TABLES, lang)]


def _lang(lang: str) -> str:
    return check_language(checks.one_of("lang", lang, LANGUAGES))


def _fmt_number(x: float, lang: str) -> str:
    """A range bound as the user writes it: decimal comma in Swedish, no exponent."""
    text = str(int(x)) if float(x).is_integer() else repr(float(x))
    return text.replace(".", ",") if lang == "sv" else text


def range_text(col: ColumnSpec, lang: str) -> str:
    """The allowed range of a numeric column in words, or ``""`` if it has none.

    >>> from toolkit.schema import TABLES
    >>> range_text(TABLES["staff"].columns["fte"], "sv")
    '0,01–1'
    >>> range_text(TABLES["staff"].columns["fte"], "en")
    '0.01–1'
    """
    lo, hi = col.min, col.max
    if lo is not None and hi is not None:
        return f"{_fmt_number(lo, lang)}–{_fmt_number(hi, lang)}"
    if lo is not None:
        return t("templates.at_least", lang, min=_fmt_number(lo, lang))
    if hi is not None:
        return t("templates.at_most", lang, max=_fmt_number(hi, lang))
    return ""


def allowed_text(col: ColumnSpec, lang: str) -> str:
    """What a column accepts, in words, naming category values in both languages.

    >>> from toolkit.schema import TABLES
    >>> allowed_text(TABLES["referrals"].columns["priority"], "sv")
    'akut (urgent), hög (high), normal (routine)'
    >>> allowed_text(TABLES["referrals"].columns["priority"], "en")
    'urgent (akut), high (hög), routine (normal)'
    >>> allowed_text(TABLES["referrals"].columns["received"], "en")
    'YYYY-MM-DD'
    """
    other = "en" if lang == "sv" else "sv"
    if col.type == "category":
        return ", ".join(
            f"{col.value_label(v, lang)} ({col.value_label(v, other)})" for v in col.values
        )
    if col.type == "date":
        return t("templates.date_format", lang)
    if col.type in ("int", "float"):
        return range_text(col, lang)
    if col.type == "id" and col.unique:
        return t("templates.unique", lang)
    return ""


def example_row(table: str) -> dict[str, Any]:
    """One example row of ``table`` in canonical values (dates as ``datetime.date``).

    The examples of all tables form one consistent episode: the example visit
    belongs to the example referral and is not before it. Columns the example
    list does not know get a value derived from their type.

    >>> example_row("period_counts")["waiting_end"]
    120
    """
    spec = _check_table(table, "en")
    out: dict[str, Any] = {}
    for name, col in spec.columns.items():
        if (table, name) in _EXAMPLES:
            out[name] = _EXAMPLES[(table, name)]
        elif col.type == "category":
            out[name] = next(iter(col.values))
        elif col.type == "date":
            out[name] = dt.date(2024, 1, 8)
        elif col.type in ("int", "float"):
            out[name] = col.min if col.min is not None else 0
        elif col.type == "id":
            out[name] = f"{name}_1"
        else:
            out[name] = ""
    return out


def _display_example(col: ColumnSpec, value: Any, lang: str) -> Any:
    if col.type == "category":
        return col.value_label(str(value), lang)
    if col.type == "date":
        return dt.datetime.combine(value, dt.time())
    return value


def csv_template(table: str, lang: str = "sv") -> bytes:
    """The CSV template of ``table``: the header row only.

    Swedish: ``;`` separated, UTF-8 with byte-order mark (Excel then shows
    å, ä and ö correctly); English: ``,`` separated, UTF-8. Lines end in CRLF.
    """
    lang = _lang(lang)
    spec = _check_table(table, lang)
    header = CSV_SEPARATORS[lang].join(c.label(lang) for c in spec.columns.values()) + "\r\n"
    return header.encode("utf-8-sig" if lang == "sv" else "utf-8")


# --------------------------------------------------------------------------- workbook


def _header_note(col: ColumnSpec, lang: str) -> str:
    other = "en" if lang == "sv" else "sv"
    lines = [col.doc_sv if lang == "sv" else col.doc_en]
    lines.append(t("templates.note.required" if col.required else "templates.note.optional", lang))
    if col.type == "category":
        values = ", ".join(col.value_label(v, lang) for v in col.values)
        lines.append(t("templates.note.allowed", lang, allowed=values))
    elif col.type == "date":
        lines.append(t("templates.note.date", lang))
    elif col.type in ("int", "float") and range_text(col, lang):
        lines.append(t("templates.note.range", lang, range=range_text(col, lang)))
    lines.append(t("templates.note.other_name", lang, name=col.label(other)))
    return "\n".join(line for line in lines if line)


def _number_validation(col: ColumnSpec, lang: str) -> DataValidation | None:
    if col.min is None and col.max is None:
        return None
    if col.min is not None and col.max is not None:
        operator, f1, f2 = "between", repr(col.min), repr(col.max)
    elif col.min is not None:
        operator, f1, f2 = "greaterThanOrEqual", repr(col.min), None
    else:
        operator, f1, f2 = "lessThanOrEqual", repr(col.max), None
    key = "templates.error.whole" if col.type == "int" else "templates.error.decimal"
    return DataValidation(
        type="whole" if col.type == "int" else "decimal",
        operator=operator,
        formula1=f1,
        formula2=f2,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=t("templates.error_title.number", lang),
        error=t(key, lang, column=col.label(lang), range=range_text(col, lang)),
    )


def _date_validation(col: ColumnSpec, lang: str) -> DataValidation:
    return DataValidation(
        type="date",
        operator="between",
        formula1=str(int(to_excel(FIRST_DATE))),
        formula2=str(int(to_excel(LAST_DATE))),
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=t("templates.error_title.date", lang),
        error=t(
            "templates.error.date",
            lang,
            column=col.label(lang),
            first=FIRST_DATE.isoformat(),
            last=LAST_DATE.isoformat(),
        ),
    )


def _list_validation(col: ColumnSpec, reference: str, lang: str) -> DataValidation:
    return DataValidation(
        type="list",
        formula1=reference,
        allow_blank=True,
        showDropDown=False,  # OOXML's inverted flag: False shows the in-cell arrow
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=t("templates.error_title.category", lang),
        error=t("templates.error.category", lang, column=col.label(lang)),
    )


def _column_width(col: ColumnSpec, lang: str) -> float:
    texts = [col.label(lang)]
    if col.type == "category":
        texts += [col.value_label(v, lang) for v in col.values]
    width = max(len(s) for s in texts) + 4
    if col.type == "date":
        width = max(width, 13)
    return float(min(max(width, 10), 40))


def _table_sheet(ws: Worksheet, spec: TableSpec, lists: Worksheet, lang: str) -> None:
    """Header row, notes, formats and validations of one table sheet (no data rows)."""
    for j, col in enumerate(spec.columns.values(), start=1):
        letter = get_column_letter(j)
        cell = ws.cell(row=1, column=j, value=col.label(lang))
        cell.font = _BOLD
        cell.fill = _REQUIRED_FILL if col.required else _OPTIONAL_FILL
        note = Comment(_header_note(col, lang), "bup-toolkit")
        note.width, note.height = 320, 140
        cell.comment = note
        dim = ws.column_dimensions[letter]
        dim.width = _column_width(col, lang)
        area = f"{letter}2:{letter}{LAST_ROW}"
        dv: DataValidation | None = None
        if col.type == "category":
            k = 1 if lists.cell(row=1, column=1).value is None else lists.max_column + 1
            lists.cell(row=1, column=k, value=f"{spec.label(lang)}.{col.label(lang)}").font = _BOLD
            labels = [col.value_label(v, lang) for v in col.values]
            for i, label in enumerate(labels, start=2):
                lists.cell(row=i, column=k, value=label)
            lists.column_dimensions[get_column_letter(k)].width = _column_width(col, lang) + 8
            kl = get_column_letter(k)
            ref = f"{quote_sheetname(lists.title)}!${kl}$2:${kl}${len(labels) + 1}"
            dv = _list_validation(col, ref, lang)
        elif col.type == "date":
            dim.number_format = DATE_FORMAT
            dv = _date_validation(col, lang)
        elif col.type in ("int", "float"):
            dv = _number_validation(col, lang)
        elif col.type == "id":
            dim.number_format = "@"  # text, so that ids keep leading zeros
        if dv is not None:
            dv.add(area)
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def _dictionary_sheet(ws: Worksheet, lang: str) -> None:
    """Instructions in both languages, then one row per table and column."""
    other = "en" if lang == "sv" else "sv"
    ws["A1"] = t("templates.title", lang) + " / " + t("templates.title", other)
    ws["A1"].font = _HEADING_FONT
    ws["A2"] = t("templates.generated", lang, version=SCHEMA_VERSION)
    ws["A3"] = t("templates.generated", other, version=SCHEMA_VERSION)
    row = 5
    ws.cell(row=row, column=1, value=t("templates.instructions_heading", lang)).font = _HEADING_FONT
    ws.cell(
        row=row, column=2, value=t("templates.instructions_heading", other)
    ).font = _HEADING_FONT
    tables = {code: ", ".join(s.label(code) for s in TABLES.values()) for code in ("sv", "en")}
    for n, key in enumerate(
        ("sheets", "empty", "identity", "dates", "columns", "example", "export", "check"), start=1
    ):
        row += 1
        ws.cell(
            row=row,
            column=1,
            value=f"{n}. " + t(f"templates.instruction.{key}", lang, tables=tables[lang]),
        )
        row += 1
        cell = ws.cell(
            row=row,
            column=1,
            value=f"{n}. " + t(f"templates.instruction.{key}", other, tables=tables[other]),
        )
        cell.font = Font(italic=True, color="595959")
    row += 2
    ws.cell(row=row, column=1, value=t("templates.dictionary_heading", lang)).font = _HEADING_FONT
    row += 1
    fields = ("table_sv", "table_en", "column_sv", "column_en", "type", "required", "allowed",
              "doc_sv", "doc_en", "example")  # fmt: skip
    for j, key in enumerate(fields, start=1):
        cell = ws.cell(row=row, column=j, value=t(f"templates.col.{key}", lang))
        cell.font = _BOLD
        cell.fill = _OPTIONAL_FILL
    header_row = row
    wrap = Alignment(wrap_text=True, vertical="top")
    for spec in TABLES.values():
        row += 1
        for j, value in enumerate((spec.sv, spec.name, None, None, None, None, None,
                                   spec.doc_sv, spec.doc_en), start=1):  # fmt: skip
            if value is not None:
                ws.cell(row=row, column=j, value=value).font = _BOLD
        example = example_row(spec.name)
        for col in spec.columns.values():
            row += 1
            values = (
                spec.sv, spec.name, col.sv, col.name, t(f"templates.type.{col.type}", lang),
                t("common.yes" if col.required else "common.no", lang), allowed_text(col, lang),
                col.doc_sv, col.doc_en, _display_example(col, example[col.name], lang),
            )  # fmt: skip
            for j, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=j, value=value)
                if j in (7, 8, 9):
                    cell.alignment = wrap
            if col.type == "date":
                ws.cell(row=row, column=10).number_format = DATE_FORMAT
            elif col.type == "id":
                ws.cell(row=row, column=10).number_format = "@"
            if col.required:
                ws.cell(row=row, column=4 if lang == "en" else 3).fill = _REQUIRED_FILL
    widths = (16, 16, 20, 18, 16, 12, 46, 46, 46, 16)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(fields))}{row}"


def build_workbook(lang: str = "sv") -> Workbook:
    """The template workbook in ``lang`` as an openpyxl ``Workbook`` (not saved).

    Sheets: the dictionary (opens first), one sheet per table named in
    ``lang``, and the hidden list sheet.

    >>> build_workbook("en").sheetnames
    ['data_dictionary', 'referrals', 'visits', 'staff', 'time_use', 'period_counts', 'lists']
    """
    lang = _lang(lang)
    wb = Workbook()
    dictionary = wb.active
    assert dictionary is not None
    dictionary.title = DICTIONARY_SHEETS[lang]
    sheets = [wb.create_sheet(spec.label(lang)) for spec in TABLES.values()]
    lists = wb.create_sheet(LIST_SHEETS[lang])
    for ws, spec in zip(sheets, TABLES.values(), strict=True):
        _table_sheet(ws, spec, lists, lang)
    _dictionary_sheet(dictionary, lang)
    lists.sheet_state = "hidden"
    wb.active = 0
    props = wb.properties
    props.creator = "bup-toolkit"
    props.lastModifiedBy = None
    props.title = t("templates.title", lang)
    props.language = lang
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    return wb


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an xlsx so equal content gives equal bytes.

    Entries are sorted by name and stamped 1980-01-01 00:00 with fixed
    attributes, and the ``modified`` date that openpyxl sets to the current
    time on saving is replaced by :data:`FIXED_DATE`.
    """
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in sorted(src.namelist()):
            content = src.read(name)
            if name == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    content,
                )
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, content, compresslevel=9)
    return out.getvalue()


def workbook_bytes(lang: str = "sv") -> bytes:
    """The template workbook in ``lang`` as reproducible xlsx bytes.

    >>> workbook_bytes("sv") == workbook_bytes("sv")
    True
    """
    buffer = io.BytesIO()
    build_workbook(lang).save(buffer)
    return _normalise_zip(buffer.getvalue())


def write_templates(folder: str | Path = "templates", *, lang: str = "sv") -> list[Path]:
    """Write both workbooks and the CSV templates of every table into ``folder``.

    Parameters
    ----------
    folder
        Where to write; created if missing. Existing template files are
        overwritten, other files are left alone.
    lang
        Language of messages (``"sv"`` or ``"en"``). Both languages' templates
        are always written.

    Returns
    -------
    list of Path
        The files written: the Swedish and English workbooks, then
        ``csv_sv/<table>.csv`` and ``csv_en/<table>.csv`` for every table.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = write_templates(folder)
    ...     print(len(paths), [p.relative_to(folder).as_posix() for p in paths[:3]])
    12 ['enhetsdata_mall.xlsx', 'unit_data_template.xlsx', 'csv_sv/remisser.csv']
    """
    lang = _lang(lang)
    folder = Path(folder)
    written: list[Path] = []
    folder.mkdir(parents=True, exist_ok=True)
    for code in LANGUAGES:
        path = folder / WORKBOOK_NAMES[code]
        path.write_bytes(workbook_bytes(code))
        written.append(path)
    for code in LANGUAGES:
        sub = folder / CSV_FOLDERS[code]
        sub.mkdir(exist_ok=True)
        for spec in TABLES.values():
            path = sub / f"{spec.label(code)}.csv"
            path.write_bytes(csv_template(spec.name, code))
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m toolkit.templates [--out FOLDER] [--lang sv|en]``."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang", default="sv", choices=LANGUAGES)
    lang = pre.parse_known_args(argv)[0].lang
    parser = argparse.ArgumentParser(
        prog="python -m toolkit.templates", description=t("templates.cli.description", lang)
    )
    parser.add_argument("--out", default="templates", help=t("templates.cli.out", lang))
    parser.add_argument(
        "--lang", default="sv", choices=LANGUAGES, help=t("templates.cli.lang", lang)
    )
    args = parser.parse_args(argv)
    paths = write_templates(args.out, lang=args.lang)
    print(t("templates.written", args.lang, n=len(paths), folder=args.out))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
