"""Exports are data, not formulas: every text of every CSV and Excel export stays text.

The payloads are the formula-injection forms OWASP lists ("CSV Injection",
https://owasp.org/www-community/attacks/CSV_Injection): cells starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, a DDE call and a
HYPERLINK. The Excel files are read back with openpyxl (every such cell must
be a text cell, ``data_type == "s"``, holding the text as typed); the CSV
files are read back with Python's csv module (every such cell must start with
the apostrophe spreadsheet programs take as "text"); and the toolkit's own
import must give back exactly what was typed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit import exports, pdsa
from toolkit import selfassess as sa

FORMULAS = (
    '=HYPERLINK("https://example.org/x","klicka")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "'=already quoted",
    "=1+1",
)
DANGEROUS = tuple(exports.FORMULA_STARTS)


@given(st.text())
def test_csv_text_round_trips_every_text(text):
    assert exports.csv_value(exports.csv_text(text)) == text
    assert not exports.csv_text(text).startswith(DANGEROUS)


# --------------------------------------------------------------------------- self-assessment


def _answers():
    q = sa.load_questionnaire("pks")
    answers = sa.empty_answers()
    for question in q.questions[:3]:
        answers = sa.set_answer(answers, q, q.respondents[0].id, question.id, 3)
    return q, answers


@pytest.mark.parametrize("name", FORMULAS)
def test_selfassess_excel_stores_unit_and_round_as_text_and_reads_them_back(tmp_path, name):
    q, answers = _answers()
    content = sa.answers_excel_bytes(answers, q, unit=name, round_=name, lang="en")
    path = tmp_path / "svar.xlsx"
    path.write_bytes(content)
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    for column in ("unit", "round"):
        assert row[column].data_type == "s"
        assert row[column].value == name
    back = sa.read_answers(path, q, lang="en")
    assert (back.unit, back.round) == (name.strip(), name.strip())
    pd.testing.assert_frame_equal(back.answers, answers)


@pytest.mark.parametrize("name", FORMULAS)
def test_selfassess_csv_neutralises_formulas_and_reads_them_back(name):
    q, answers = _answers()
    content = sa.answers_csv_bytes(answers, q, unit=name, round_=name, lang="en")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(DANGEROUS), cell
        assert row[header.index("unit")] == "'" + name
    back = sa.read_answers(content, q, file="svar.csv", lang="en")
    assert (back.unit, back.round) == (name.strip(), name.strip())


# --------------------------------------------------------------------------- PDSA log


def _log(text: str) -> pd.DataFrame:
    return pdsa.update_cycle(
        pdsa.new_log(), "PDSA-1", unit=text, title=text, aim=text, start_date="2024-03-04"
    )


@pytest.mark.parametrize("text", FORMULAS)
def test_pdsa_csv_neutralises_formulas_and_round_trips(tmp_path, text):
    path = pdsa.save_log(_log(text), tmp_path / "logg.csv")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    for row in rows:
        for cell in row:
            assert not cell.startswith(DANGEROUS), cell
    back = pdsa.read_log(path)
    assert back.loc[0, ["unit", "title", "aim"]].tolist() == [text.strip()] * 3


@pytest.mark.parametrize("text", FORMULAS)
def test_pdsa_excel_stores_text_as_text_and_round_trips(tmp_path: Path, text):
    path = pdsa.save_log(_log(text), tmp_path / "logg.xlsx")
    sheet = openpyxl.load_workbook(path)["pdsa"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    for column in ("unit", "title", "aim"):
        assert row[column].data_type == "s"
        assert row[column].value == text.strip()
    back = pdsa.read_log(path)
    assert back.loc[0, ["unit", "title", "aim"]].tolist() == [text.strip()] * 3
