"""Tests of toolkit.templates: the data-entry templates generated from the schema.

Expected values come from the data contract itself (toolkit/data/schema.yaml
through toolkit.schema), never from toolkit.templates: a template is right
when what a unit writes into it with Excel (here: openpyxl) comes back from
toolkit.io.load_unit unchanged, and when every list, range and name in it
equals the schema's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit import templates
from toolkit.errors import DataError
from toolkit.i18n import t
from toolkit.io import load_unit
from toolkit.schema import TABLES, ColumnSpec, clean_dtype

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "templates"
EXTRACT_DATE = "2025-06-30"
LANGS = ("sv", "en")


# --------------------------------------------------------------------------- helpers


def _content_digest(path: Path) -> str:
    """Hash of a file's content; for an xlsx, of its entries' names and uncompressed bytes.

    Hashing the uncompressed entries keeps the comparison independent of the
    zlib build that compressed them (its output may differ between platforms
    for the same input); the entries themselves must match byte for byte.
    """
    h = hashlib.sha256()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as zf:
            for name in sorted(zf.namelist()):
                h.update(name.encode() + b"\0" + zf.read(name) + b"\0")
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    templates.write_templates(folder)
    return folder


def _values(col: ColumnSpec) -> dict[str, tuple[str, ...]]:
    """Canonical value -> Swedish names (a dict, not a pandas object)."""
    return col.values


def _cycle(values: list[Any], i: int) -> Any:
    return values[i % len(values)]


def _day(offset: int) -> dt.date:
    return dt.date(2024, 1, 1) + dt.timedelta(days=int(offset))


def synthetic_rows(seed: int = 20240101) -> dict[str, list[dict[str, Any]]]:
    """A few dozen synthetic rows per table, in canonical values, that obey every loader rule.

    Every category value of every column appears (values are cycled), range
    bounds appear (first rows take the minimum, the last the maximum), and
    optional cells are sometimes empty. Dates keep the pathway order, visits
    are on or after their referral, and nothing is after EXTRACT_DATE.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, list[dict[str, Any]]] = {}

    def cat(table: str, column: str, i: int, blank_every: int = 0) -> str | None:
        if blank_every and i % blank_every == blank_every - 1:
            return None
        return _cycle(list(TABLES[table].columns[column].values), i)

    refs = []
    for i in range(40):
        received = _day(rng.integers(0, 300))
        first = received + dt.timedelta(days=int(rng.integers(0, 60))) if i % 5 else None
        deep_decision = first if first is not None and i % 3 else None
        deep_start = (
            deep_decision + dt.timedelta(days=int(rng.integers(0, 60)))
            if deep_decision and i % 2
            else None
        )
        closed = (deep_start or first or received) + dt.timedelta(days=30) if i % 4 == 0 else None
        refs.append(
            {
                "referral_id": f"R{i:05d}",
                "received": received,
                "source": cat("referrals", "source", i, blank_every=7),
                "question": cat("referrals", "question", i),
                "priority": cat("referrals", "priority", i),
                "decision": cat("referrals", "decision", i, blank_every=9),
                "decided": received + dt.timedelta(days=int(rng.integers(0, 14)))
                if i % 6
                else None,
                "first_assessment": first,
                "deep_decision": deep_decision,
                "deep_start": deep_start,
                "closed": closed,
                "pvv_days": int(rng.integers(0, 40)) if i % 3 else None,
                "sex": cat("referrals", "sex", i, blank_every=8),
                "age": int(rng.integers(3, 18)),
            }
        )
    out["referrals"] = refs

    visits = []
    for i in range(60):
        ref = refs[int(rng.integers(0, len(refs)))]
        visits.append(
            {
                "visit_id": f"V{i:05d}",
                "referral_id": ref["referral_id"],
                "date": ref["received"] + dt.timedelta(days=int(rng.integers(0, 120))),
                "visit_type": cat("visits", "visit_type", i),
                "staff_category": cat("visits", "staff_category", i, blank_every=10),
                "clinician_id": f"K{int(rng.integers(1, 30)):03d}" if i % 4 else None,
                "mode": cat("visits", "mode", i, blank_every=11),
                "duration_min": float(rng.choice([30, 45, 52.5, 60, 90])) if i % 7 else None,
                "status": cat("visits", "status", i),
            }
        )
    out["visits"] = visits

    staff = []
    for i in range(24):
        start = _day(rng.integers(-400, 200)) if i % 3 else None
        end = (
            (start or _day(0)) + dt.timedelta(days=int(rng.integers(30, 150)))
            if i % 4 == 1
            else None
        )
        staff.append(
            {
                "staff_id": f"P{i:03d}",
                "category": cat("staff", "category", i),
                "fte": float(round(rng.uniform(0.2, 1.0), 2)),
                "hours_per_week": float(rng.choice([40, 38.25, 37])) if i % 5 else None,
                "start": start,
                "end": end,
            }
        )
    out["staff"] = staff

    time_use = []
    for i in range(48):
        time_use.append(
            {
                "date": _day(rng.integers(60, 120)),
                "staff_category": cat("time_use", "staff_category", i),
                "activity": cat("time_use", "activity", i),
                "level": cat("time_use", "level", i, blank_every=5),
                "minutes": float(rng.choice([5, 12.5, 25, 60, 95])),
            }
        )
    out["time_use"] = time_use

    counts = []
    stages = list(TABLES["period_counts"].columns["stage"].values)
    for i in range(30):
        completed, waiting = int(rng.integers(0, 80)), int(rng.integers(50, 400))
        counts.append(
            {
                "period": dt.date(2024 + (i // len(stages)) // 12, (i // len(stages)) % 12 + 1, 1),
                "stage": stages[i % len(stages)],
                "arrived": int(rng.integers(0, 80)),
                "completed": completed,
                "removed": int(rng.integers(0, 5)) if i % 3 else None,
                "waiting_end": waiting,
                # those within target are part of the total (the loader excludes more)
                "completed_within_target": int(rng.integers(0, completed + 1)) if i % 4 else None,
                "waiting_within_target": int(rng.integers(0, waiting + 1)) if i % 4 else None,
            }
        )
    out["period_counts"] = counts
    for (
        table,
        records,
    ) in out.items():  # both ends of every range: the minimum in row 1, the maximum in row 2
        for name, col in TABLES[table].columns.items():
            cast = int if col.type == "int" else float
            if col.min is not None and col.max is not None:
                records[0][name], records[1][name] = cast(col.min), cast(col.max)
    return out


def _cell_value(col: ColumnSpec, value: Any, lang: str) -> Any:
    """What a user types into the template: display values, real dates, numbers."""
    if value is None:
        return None
    if col.type == "category":
        return col.value_label(value, lang)
    if col.type == "date":
        return dt.datetime.combine(value, dt.time())
    return value


def fill_template(
    template: Path, out: Path, rows: dict[str, list[dict[str, Any]]], lang: str
) -> None:
    """Write rows into the template's table sheets through openpyxl, by header name."""
    wb = openpyxl.load_workbook(template)
    for table, records in rows.items():
        spec = TABLES[table]
        ws = wb[spec.label(lang)]
        position = {cell.value: cell.column for cell in ws[1]}
        for r, record in enumerate(records, start=2):
            for name, value in record.items():
                col = spec.columns[name]
                ws.cell(
                    row=r, column=position[col.label(lang)], value=_cell_value(col, value, lang)
                )
    wb.save(out)


def expected_frame(table: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    """The clean table the rows should give, built from the schema's dtypes."""
    data: dict[str, Any] = {}
    for name, col in TABLES[table].columns.items():
        values = [r.get(name) for r in records]
        if col.type == "date":
            data[name] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
        elif col.type == "category":
            data[name] = pd.Categorical(values, dtype=clean_dtype(col))
        elif col.type == "float":
            data[name] = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
        else:
            data[name] = pd.array(values, dtype=clean_dtype(col))
    return pd.DataFrame(data)


def _resolve_list(wb: openpyxl.Workbook, formula: str) -> list[Any]:
    match = re.fullmatch(r"'?([^'!]+)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", formula)
    assert match, formula
    sheet, c1, r1, c2, r2 = match.groups()
    assert c1 == c2
    return [row[0].value for row in wb[sheet][f"{c1}{r1}:{c2}{r2}"]]


def _validation_for(ws: Any, cell: str) -> Any:
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, (ws.title, cell, found)
    return found[0]


def _dictionary(wb: openpyxl.Workbook, lang: str) -> list[dict[str, Any]]:
    """The dictionary rows (one per column) keyed by the dictionary's own headers."""
    ws = wb[templates.DICTIONARY_SHEETS[lang]]
    rows = list(ws.iter_rows(values_only=True))
    first_header = t("templates.col.table_sv", lang)
    at = next(i for i, r in enumerate(rows) if r[0] == first_header)
    header = rows[at]
    return [dict(zip(header, r, strict=True)) for r in rows[at + 1 :] if r[3] is not None]


# --------------------------------------------------------------------------- (1) no drift


def test_committed_templates_equal_regenerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The committed templates are what the code writes from today's schema (via the CLI)."""
    assert templates.main(["--out", str(tmp_path), "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip() == t(
        "templates.written", "en", n=12, folder=str(tmp_path)
    )
    fresh = _files(tmp_path)
    # templates/ may also hold workshop templates written by hand; compare only ours.
    ours = (*templates.WORKBOOK_NAMES.values(), *(f"{f}/" for f in templates.CSV_FOLDERS.values()))
    committed = {k: v for k, v in _files(COMMITTED).items() if k.startswith(ours)}
    assert sorted(fresh) == sorted(committed), "templates/ has missing or stale files: regenerate"
    for name, path in fresh.items():
        assert _content_digest(path) == _content_digest(committed[name]), (
            f"templates/{name} differs from the schema: run python -m toolkit.templates"
        )


def test_generation_is_byte_identical(tmp_path: Path, generated: Path) -> None:
    """Two runs give the same bytes: fixed dates and zip stamps, sorted entries."""
    templates.write_templates(tmp_path)
    for name, path in _files(generated).items():
        assert path.read_bytes() == (tmp_path / name).read_bytes(), name
    with zipfile.ZipFile(generated / templates.WORKBOOK_NAMES["sv"]) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    assert "2024-01-01T00:00:00Z</dcterms:modified>" in core


# --------------------------------------------------------------------------- (2) round trip


@pytest.mark.parametrize("lang", LANGS)
def test_filled_template_loads_unchanged(tmp_path: Path, generated: Path, lang: str) -> None:
    rows = synthetic_rows()
    filled = tmp_path / f"filled_{lang}.xlsx"
    fill_template(generated / templates.WORKBOOK_NAMES[lang], filled, rows, lang)
    unit = load_unit(filled, extract_date=EXTRACT_DATE, lang=lang)
    for table, records in rows.items():
        account = unit.account[table]
        assert (account.rows_read, account.rows_used, account.rows_excluded) == (
            len(records),
            len(records),
            0,
        ), unit.report()
        assert account.notes == []
        pd.testing.assert_frame_equal(getattr(unit, table), expected_frame(table, records))
    assert unit.notes == []  # the dictionary and list sheets are not reported as stray sheets


def test_synthetic_rows_use_every_value_and_bound() -> None:
    """The round-trip data covers every category value and both ends of every range."""
    rows = synthetic_rows()
    for table, records in rows.items():
        for name, col in TABLES[table].columns.items():
            present = {r[name] for r in records if r[name] is not None}
            if col.type == "category":
                assert present == set(col.values), (table, name)
            if col.min is not None and col.max is not None:
                assert {col.min, col.max} <= present, (table, name)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.lists(
        st.tuples(
            st.dates(dt.date(1990, 1, 1), dt.date(2025, 6, 30)),
            st.sampled_from(list(TABLES["time_use"].columns["staff_category"].values)),
            st.sampled_from(list(TABLES["time_use"].columns["activity"].values)),
            st.none() | st.sampled_from(list(TABLES["time_use"].columns["level"].values)),
            st.floats(0, 1440, allow_nan=False, allow_subnormal=False),
        ),
        min_size=1,
        max_size=15,
    ),
    lang=st.sampled_from(LANGS),
)
def test_any_valid_time_use_rows_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    generated: Path,
    data: list[tuple[Any, ...]],
    lang: str,
) -> None:
    """Property: any rows inside the schema's ranges and lists come back exactly."""
    records = [
        dict(zip(("date", "staff_category", "activity", "level", "minutes"), r, strict=True))
        for r in data
    ]
    out = tmp_path_factory.mktemp("prop") / "filled.xlsx"
    # One referral as well: see test_template_with_counts_only_loads for why.
    rows = {"referrals": synthetic_rows()["referrals"][:1], "time_use": records}
    fill_template(generated / templates.WORKBOOK_NAMES[lang], out, rows, lang)
    unit = load_unit(out, extract_date=EXTRACT_DATE, lang=lang)
    pd.testing.assert_frame_equal(unit.time_use, expected_frame("time_use", records))


def test_template_with_counts_only_loads(tmp_path: Path, generated: Path) -> None:
    """The minimal unit: only period counts filled, the other sheets left empty as instructed."""
    rows = {"period_counts": synthetic_rows()["period_counts"]}
    out = tmp_path / "counts_only.xlsx"
    fill_template(generated / templates.WORKBOOK_NAMES["sv"], out, rows, "sv")
    unit = load_unit(out, extract_date=EXTRACT_DATE)
    pd.testing.assert_frame_equal(
        unit.period_counts, expected_frame("period_counts", rows["period_counts"])
    )
    assert unit.kind == "counts"


# --------------------------------------------------------------------------- (3) sheets


@pytest.mark.parametrize("lang", LANGS)
def test_table_sheets_match_schema(generated: Path, lang: str) -> None:
    wb = openpyxl.load_workbook(generated / templates.WORKBOOK_NAMES[lang])
    assert wb.sheetnames == [
        templates.DICTIONARY_SHEETS[lang],
        *(spec.label(lang) for spec in TABLES.values()),
        templates.LIST_SHEETS[lang],
    ]
    assert wb[templates.LIST_SHEETS[lang]].sheet_state == "hidden"
    for spec in TABLES.values():
        ws = wb[spec.label(lang)]
        assert ws.max_row == 1, "no example or blank rows in a table sheet"
        assert [c.value for c in ws[1]] == [c.label(lang) for c in spec.columns.values()]
        assert ws.freeze_panes == "A2"
        for j, col in enumerate(spec.columns.values(), start=1):
            header = ws.cell(row=1, column=j)
            letter = header.column_letter
            assert header.font.bold
            doc = col.doc_sv if lang == "sv" else col.doc_en
            assert header.comment is not None and doc in header.comment.text
            assert t(
                "templates.note.required" if col.required else "templates.note.optional", lang
            ) in (header.comment.text)
            if col.type == "category":
                dv = _validation_for(ws, f"{letter}2")
                assert dv.type == "list" and dv.showErrorMessage
                shown = _resolve_list(wb, dv.formula1)
                assert shown == [
                    names[0] if lang == "sv" else v for v, names in _values(col).items()
                ]
                assert [col.canonical_value(s) for s in shown] == list(col.values)
                assert dv.error == t("templates.error.category", lang, column=col.label(lang))
            elif col.type == "date":
                dv = _validation_for(ws, f"{letter}2")
                assert dv.type == "date"
                assert ws.column_dimensions[letter].number_format == "yyyy-mm-dd"
                assert "YYYY-MM-DD" in dv.error or "ÅÅÅÅ-MM-DD" in dv.error
            elif col.type in ("int", "float"):
                dv = _validation_for(ws, f"{letter}2")
                assert dv.type == ("whole" if col.type == "int" else "decimal")
                assert (dv.operator, float(dv.formula1), float(dv.formula2)) == (
                    "between",
                    col.min,
                    col.max,
                )
                assert col.label(lang) in dv.error
            else:
                assert not [
                    dv for dv in ws.data_validations.dataValidation if f"{letter}2" in dv.sqref
                ]
        required = {ws.cell(row=1, column=j).fill.fgColor.rgb
                    for j, c in enumerate(spec.columns.values(), 1) if c.required}  # fmt: skip
        optional = {ws.cell(row=1, column=j).fill.fgColor.rgb
                    for j, c in enumerate(spec.columns.values(), 1) if not c.required}  # fmt: skip
        assert len(required) == 1 and required.isdisjoint(optional)


# --------------------------------------------------------------------------- (4) dictionary


@pytest.mark.parametrize("lang", LANGS)
def test_dictionary_lists_every_column(generated: Path, lang: str) -> None:
    wb = openpyxl.load_workbook(generated / templates.WORKBOOK_NAMES[lang])
    rows = _dictionary(wb, lang)
    fields = (
        "table_sv",
        "table_en",
        "column_sv",
        "column_en",
        "required",
        "allowed",
        "doc_sv",
        "doc_en",
    )
    key = {k: t(f"templates.col.{k}", lang) for k in fields}
    listed = [(r[key["table_en"]], r[key["column_en"]]) for r in rows]
    assert listed == [(s.name, c.name) for s in TABLES.values() for c in s.columns.values()]
    for r in rows:
        col = TABLES[r[key["table_en"]]].columns[r[key["column_en"]]]
        assert r[key["table_sv"]] == TABLES[r[key["table_en"]]].sv
        assert r[key["column_sv"]] == col.sv
        assert (r[key["doc_sv"]], r[key["doc_en"]]) == (col.doc_sv, col.doc_en)
        assert r[key["required"]] == t("common.yes" if col.required else "common.no", lang)
        for value, names in _values(col).items():
            assert value in r[key["allowed"]] and names[0] in r[key["allowed"]]
    text = "\n".join(
        str(c.value)
        for row in wb[templates.DICTIONARY_SHEETS[lang]].iter_rows()
        for c in row
        if c.value
    )
    for code in LANGS:  # instructions in both languages
        assert t("templates.instruction.identity", code) in text
        assert t("templates.instruction.dates", code) in text


@pytest.mark.parametrize("lang", LANGS)
def test_dictionary_examples_are_valid_rows(tmp_path: Path, generated: Path, lang: str) -> None:
    """Every table's example row, typed in as the dictionary shows it, loads unchanged."""
    template = generated / templates.WORKBOOK_NAMES[lang]
    wb = openpyxl.load_workbook(template)
    example_key = t("templates.col.example", lang)
    table_key, column_key = t("templates.col.table_en", lang), t("templates.col.column_en", lang)
    for r in _dictionary(wb, lang):
        spec = TABLES[r[table_key]]
        ws = wb[spec.label(lang)]
        j = [c.value for c in ws[1]].index(spec.columns[r[column_key]].label(lang)) + 1
        ws.cell(row=2, column=j, value=r[example_key])
    out = tmp_path / "examples.xlsx"
    wb.save(out)
    unit = load_unit(out, extract_date=EXTRACT_DATE, lang=lang)
    for table in TABLES:
        assert unit.account[table].rows_used == 1, unit.report()
        pd.testing.assert_frame_equal(
            getattr(unit, table), expected_frame(table, [templates.example_row(table)])
        )


# --------------------------------------------------------------------------- (5) CSV twins


@pytest.mark.parametrize(("lang", "sep", "bom"), [("sv", ";", True), ("en", ",", False)])
def test_csv_twins(tmp_path: Path, generated: Path, lang: str, sep: str, bom: bool) -> None:
    folder = generated / templates.CSV_FOLDERS[lang]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{s.label(lang)}.csv" for s in TABLES.values()
    )
    for spec in TABLES.values():
        data = (folder / f"{spec.label(lang)}.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") is bom
        assert (
            data.decode("utf-8-sig")
            == sep.join(c.label(lang) for c in spec.columns.values()) + "\r\n"
        )
    # A header-only file is a unit with no rows (toolkit.io raises "io.no_rows"); visits
    # alone are refused first, because every visit needs its referral.
    for spec in TABLES.values():
        single = tmp_path / spec.name
        single.mkdir()
        shutil.copy(folder / f"{spec.label(lang)}.csv", single)
        with pytest.raises(DataError) as err:
            load_unit(single, extract_date=EXTRACT_DATE, lang=lang)
        if spec.name == "visits":
            assert err.value.key == "io.visits_without_referrals"
        else:
            assert err.value.key == "io.no_rows"
            assert t("io.no_rows", lang) in str(err.value)


_EMPTY_TEMPLATES = [
    *(templates.WORKBOOK_NAMES[lang] for lang in LANGS),
    *(templates.CSV_FOLDERS[lang] for lang in LANGS),
]


@pytest.mark.parametrize("name", _EMPTY_TEMPLATES)
def test_empty_templates_are_units_without_rows(generated: Path, name: str) -> None:
    """All tables present and empty (a workbook or CSV folder as shipped) -> io.no_rows."""
    with pytest.raises(DataError) as err:
        load_unit(generated / name, extract_date=EXTRACT_DATE)
    assert err.value.key == "io.no_rows"


def test_bad_language_names_the_argument() -> None:
    with pytest.raises(ValueError, match="lang"):
        templates.write_templates("unused", lang="fi")
