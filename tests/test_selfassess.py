"""Self-assessment questionnaires, scoring, answer files and saving (toolkit.selfassess, autosave).

Groups: question files (the shipped ones and the bad ones in
tests/selfassess_files/, with their messages in Swedish and English), scoring
against values worked by hand (the arithmetic is written beside each),
answer files (CSV and real Excel through openpyxl, round trips, refused
files), merging without overwriting, and atomic saving.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from toolkit import autosave
from toolkit import selfassess as sa
from toolkit.errors import DataError
from toolkit.i18n import LANGUAGES, catalogue

FILES = Path(__file__).resolve().parent / "selfassess_files"


# --------------------------------------------------------------------------- question files


@pytest.mark.parametrize("name", ["pks", "kvips"])
def test_shipped_question_files_are_complete(name: str) -> None:
    q = sa.load_questionnaire(name)
    ids = [x.id for x in q.questions]
    assert len(ids) == len(set(ids))
    for question in q.questions:
        assert question.group in {g.id for g in q.groups}
        for lang in LANGUAGES:
            assert question.text[lang].strip()
    assert sorted(q.scale_labels) == list(range(q.scale_min, q.scale_max + 1))


def test_pks_has_the_five_elements_and_three_levels() -> None:
    # Socialstyrelsen's PKS support names five elements; three management levels.
    q = sa.load_questionnaire("pks")
    assert [g.name["sv"] for g in q.groups] == [
        "Kapacitetsbehov",
        "Tillgänglig kapacitet",
        "Beslut för balans",
        "Balanserade produktionsplaner och scheman",
        "Uppföljning och återkoppling",
    ]
    assert [r.id for r in q.respondents] == ["strategic", "tactical", "operational"]
    assert (q.scale_min, q.scale_max) == (1, 5)


def test_kvips_has_a_patient_representative_and_example_focus_areas() -> None:
    q = sa.load_questionnaire("kvips")
    assert "patient_rep" in [r.id for r in q.respondents]
    focus = [g for g in q.groups if g.kind == "focus"]
    assert focus and all(g.example for g in focus)
    assert all("exempel" in g.name["sv"] and "example" in g.name["en"] for g in focus)
    # staff-only questions are not put to the patient representative
    assert "safety_deviations" not in [x.id for x in q.questions_for("patient_rep")]


BAD_FILES = {
    "missing_field.yaml": (
        "missing_field.yaml: fråga/del q2, fält group: fältet saknas eller är tomt. "
        "Åtgärd: Lägg till fältet group under q2 (se pks_v1.yaml för hur det ser ut).",
        "missing_field.yaml: question/part q2, field group: the field is missing or empty. "
        "Fix: Add the field group under q2 (see pks_v1.yaml for how it looks).",
    ),
    "duplicate_id.yaml": (
        "duplicate_id.yaml: id:t q1 förekommer två gånger i questions. "
        "Åtgärd: Ge varje post i questions ett eget id; byt namn på den ena q1.",
        "duplicate_id.yaml: the id q1 occurs twice in questions. "
        "Fix: Give every entry of questions its own id; rename one of the two q1.",
    ),
    "scale_out_of_range.yaml": (
        "scale_out_of_range.yaml: del scale, fält min/max: skalan 1–12 är inte tillåten. "
        "Åtgärd: Ange heltal med 0 ≤ min < max ≤ 10, t.ex. min: 1 och max: 5.",
        "scale_out_of_range.yaml: part scale, field min/max: the scale 1–12 is not allowed. "
        "Fix: Give whole numbers with 0 ≤ min < max ≤ 10, e.g. min: 1 and max: 5.",
    ),
    "unknown_element.yaml": (
        "unknown_element.yaml: fråga q2, fält group: området g9 finns inte bland groups. "
        "Åtgärd: Använd ett av g1, eller lägg till g9 under groups.",
        "unknown_element.yaml: question q2, field group: the group g9 is not among the groups. "
        "Fix: Use one of g1, or add g9 under groups.",
    ),
    "missing_language.yaml": (
        "missing_language.yaml: fråga/del q2, fält text: texten på språket en saknas. "
        'Åtgärd: Lägg till en: "..." under text i q2; varje text behövs på svenska (sv) '
        "och engelska (en).",
        "missing_language.yaml: question/part q2, field text: the text in language en is "
        'missing. Fix: Add en: "..." under text in q2; every text is needed in Swedish (sv) '
        "and English (en).",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_question_file_names_file_question_field_and_fix(name: str) -> None:
    sv, en = BAD_FILES[name]
    with pytest.raises(DataError) as refused:
        sa.load_questionnaire(FILES / name, lang="sv")
    assert refused.value.message("sv") == sv
    assert refused.value.message("en") == en


def test_the_bad_files_differ_from_a_valid_file_only_in_their_fault() -> None:
    # the base file loads, so each refusal above is caused by its one change
    q = sa.load_questionnaire(FILES / "valid_small.yaml")
    assert [x.id for x in q.questions] == ["q1", "q2"]
    assert q.questions_for("a") == (q.question("q1"),)


def test_invalid_yaml_and_missing_file_have_messages(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("questionnaire: x\nversion: [1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"broken\.yaml: line \d+: the file is not valid YAML"):
        sa.load_questionnaire(broken, lang="en")
    with pytest.raises(DataError, match=r"nowhere\.yaml: the file cannot be read"):
        sa.load_questionnaire(tmp_path / "nowhere.yaml", lang="en")


def test_a_scale_label_outside_the_scale_is_refused(tmp_path: Path) -> None:
    text = (FILES / "valid_small.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "label.yaml"
    bad.write_text(text.replace('    3: {sv: "Högt"', '    4: {sv: "Högt"'), encoding="utf-8")
    with pytest.raises(DataError) as refused:
        sa.load_questionnaire(bad, lang="en")
    assert "the step 4 lies outside the scale 1–3" in refused.value.message("en")


# --------------------------------------------------------------------------- scoring

PKS = sa.load_questionnaire("pks")
KVIPS = sa.load_questionnaire("kvips")


def _answers(q: sa.Questionnaire, given: list[tuple[str, str, int | str]]) -> pd.DataFrame:
    answers = sa.empty_answers()
    for respondent, question, value in given:
        answers = sa.set_answer(answers, q, respondent, question, value)
    return answers


NOW = [
    ("strategic", "need_inflow", 4),
    ("strategic", "need_hours", 2),
    ("strategic", "need_forecast", "dont_know"),
    ("tactical", "need_inflow", 5),
    ("tactical", "need_hours", 4),
    ("tactical", "need_forecast", 3),
    ("operational", "need_inflow", 1),
    ("strategic", "capacity_hours", 3),
]


def test_group_scores_by_hand() -> None:
    scores = sa.group_scores(_answers(PKS, NOW), PKS).set_index(["group", "respondent"])
    need = scores.loc["capacity_need"]
    # strategic: (4 + 2) / 2 = 3.0 over 2 scores; "don't know" counts in neither
    assert need.loc["strategic", "mean"] == 3.0
    assert need.loc["strategic", "n_answered"] == 2
    assert need.loc["strategic", "n_dont_know"] == 1
    # tactical: (5 + 4 + 3) / 3 = 4.0; operational: 1 / 1 = 1.0
    assert need.loc["tactical", "mean"] == 4.0
    assert need.loc["operational", "mean"] == 1.0
    assert need.loc["operational", "n_answered"] == 1
    assert (need["n_questions"] == 3).all()  # three questions per element and level
    # nothing scored: NaN, not 0
    assert np.isnan(scores.loc[("follow_up", "tactical"), "mean"])
    assert len(scores) == 5 * 3  # every element × level pair


def test_spread_and_overall_by_hand() -> None:
    overall = sa.overall_scores(sa.group_scores(_answers(PKS, NOW), PKS)).set_index("group")
    need = overall.loc["capacity_need"]
    # levels 3.0, 4.0, 1.0: overall (3 + 4 + 1) / 3 = 2.6667; spread 4.0 − 1.0 = 3.0
    assert need["mean"] == pytest.approx(8 / 3)
    assert need["spread"] == 3.0
    assert (need["highest"], need["lowest"]) == ("tactical", "operational")
    assert need["n_respondents"] == 3
    # one level only (strategic 3): overall 3.0, spread 0
    capacity = overall.loc["available_capacity"]
    assert (capacity["mean"], capacity["spread"], capacity["n_respondents"]) == (3.0, 0.0, 1)
    # no scores at all
    assert np.isnan(overall.loc["follow_up", "mean"])
    assert overall.loc["follow_up", "highest"] == ""


def test_comparison_with_an_earlier_round_by_hand() -> None:
    earlier = _answers(PKS, [("strategic", "need_inflow", 2), ("tactical", "need_inflow", 2)])
    table = sa.compare(_answers(PKS, NOW), earlier, PKS).set_index("group")
    # now 8/3 (above), earlier (2 + 2) / 2 = 2.0: difference 8/3 − 2 = 2/3
    assert table.loc["capacity_need", "other"] == 2.0
    assert table.loc["capacity_need", "difference"] == pytest.approx(2 / 3)
    # available capacity not scored earlier: no difference
    assert np.isnan(table.loc["available_capacity", "difference"])


def test_comparison_between_units_by_hand() -> None:
    unit_a = _answers(
        KVIPS,
        [
            ("nurse", "access_contact", 3),
            ("nurse", "access_waits", 4),
            ("patient_rep", "access_contact", 1),
        ],
    )
    unit_b = _answers(KVIPS, [("manager", "access_contact", 2)])
    table = sa.compare_units({"A": unit_a, "B": unit_b}, KVIPS).set_index("group")
    # A: nurse (3 + 4) / 2 = 3.5, patient representative 1.0 -> (3.5 + 1) / 2 = 2.25
    assert table.loc["access", "A"] == 2.25
    assert table.loc["access", "B"] == 2.0
    assert table.loc["access", "spread_between"] == pytest.approx(0.25)
    assert np.isnan(table.loc["safety", "spread_between"])


def test_set_answer_replaces_and_empties() -> None:
    answers = _answers(PKS, [("tactical", "plan_volume", 3), ("tactical", "plan_volume", 5)])
    assert answers["score"].tolist() == [5.0]
    assert sa.answer_value(answers, "tactical", "plan_volume") == 5
    emptied = sa.set_answer(answers, PKS, "tactical", "plan_volume", None)
    assert emptied.empty
    assert sa.answer_value(emptied, "tactical", "plan_volume") is None


# --------------------------------------------------------------------------- answer files


def test_csv_round_trip_is_equal() -> None:
    answers = _answers(PKS, NOW)
    content = sa.answers_csv_bytes(answers, PKS, unit="BUP Syd", round_="2025 vår", lang="sv")
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the å ä ö
    back = sa.read_answers(content, PKS, file="svar.csv", lang="sv")
    pd.testing.assert_frame_equal(back.answers, answers)
    assert (back.unit, back.round) == ("BUP Syd", "2025 vår")


def test_excel_round_trip_is_equal_and_the_workbook_carries_id_and_version(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    answers = _answers(PKS, NOW)
    content = sa.answers_excel_bytes(answers, PKS, unit="BUP Syd", round_="2025", lang="en")
    path = tmp_path / "answers.xlsx"
    path.write_bytes(content)
    sheet = load_workbook(path).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["questionnaire", "version"]
    assert {(row[0], row[1]) for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        ("pks", "1")
    }
    # three levels answered, 15 questions each: 45 rows, the unanswered ones empty
    assert sheet.max_row == 1 + 45
    back = sa.read_answers(path, PKS, lang="en")
    pd.testing.assert_frame_equal(back.answers, answers)


def test_an_answer_file_saved_in_swedish_imports_in_english() -> None:
    answers = _answers(KVIPS, [("patient_rep", "access_contact", "dont_know")])
    content = sa.answers_excel_bytes(answers, KVIPS, unit="U", round_="R", lang="sv")
    back = sa.read_answers(content, KVIPS, file="svar.xlsx", lang="en")
    pd.testing.assert_frame_equal(back.answers, answers)


def test_other_version_is_refused_naming_both_versions() -> None:
    v1 = sa.load_questionnaire(FILES / "valid_small.yaml")
    v2 = sa.load_questionnaire(FILES / "valid_small_v2.yaml")
    content = sa.answers_csv_bytes(
        _answers(v1, [("a", "q1", 2)]), v1, unit="U", round_="R", lang="en"
    )
    with pytest.raises(DataError) as refused:
        sa.read_answers(content, v2, file="old.csv", lang="en")
    assert refused.value.message("en") == (
        "old.csv, row 2, column version: the file was answered with version 1 of the Test "
        "questionnaire, but the workbook uses version 2. Nothing was changed. Fix: Open the "
        "workbook with the question file of version 1, or carry the answers over to version 2 "
        "by hand."
    )
    assert "version 1" in refused.value.message("sv")
    assert "version 2" in refused.value.message("sv")


def test_other_questionnaire_is_refused() -> None:
    content = sa.answers_csv_bytes(
        _answers(PKS, [("strategic", "need_inflow", 2)]), PKS, unit="U", round_="R"
    )
    with pytest.raises(DataError, match="belongs to the questionnaire pks, not to kvips"):
        sa.read_answers(content, KVIPS, file="pks.csv", lang="en")


def _edited_csv(edit: dict[str, str]) -> bytes:
    """An exported CSV with the answer cell of one question changed."""
    answers = _answers(PKS, [("strategic", "need_inflow", 2), ("strategic", "need_hours", 3)])
    text = sa.answers_csv_bytes(answers, PKS, unit="U", round_="R", lang="en").decode("utf-8-sig")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        for question, value in edit.items():
            if f";{question};" in line:
                cells = line.split(";")
                cells[-1] = value
                lines[i] = ";".join(cells)
    return "\r\n".join(lines).encode("utf-8")


def test_a_score_off_the_scale_names_row_and_column() -> None:
    with pytest.raises(DataError) as refused:
        sa.read_answers(_edited_csv({"need_hours": "7"}), PKS, file="e.csv", lang="en")
    # need_hours is the second question: row 3 (the header is row 1)
    assert refused.value.message("en") == (
        "e.csv, row 3, column answer: the answer 7 lies outside the scale 1–5. "
        "Fix: Give a whole number from 1 to 5."
    )


def test_a_word_in_the_answer_column_is_refused() -> None:
    with pytest.raises(DataError, match=r"rad 2, kolumn svar: svaret \"bra\" är varken"):
        sa.read_answers(_edited_csv({"need_inflow": "bra"}), PKS, file="e.csv", lang="sv")


def test_empty_answers_are_refused_with_a_message() -> None:
    with pytest.raises(DataError) as refused:
        sa.read_answers(
            _edited_csv({"need_inflow": "", "need_hours": ""}), PKS, file="tom.csv", lang="sv"
        )
    assert refused.value.message("sv").startswith(
        "tom.csv: filen innehåller inga svar (alla svarsceller är tomma). Inget har ändrats."
    )
    with pytest.raises(DataError, match="the file is empty"):
        sa.read_answers(b"", PKS, file="zero.csv", lang="en")


def test_a_missing_column_is_named_in_both_languages() -> None:
    content = "questionnaire;version;unit;round;respondent;question_id\npks;1;U;R;strategic;x\n"
    with pytest.raises(DataError) as refused:
        sa.read_answers(content.encode(), PKS, file="m.csv", lang="sv")
    assert refused.value.message("sv") == (
        "m.csv, kolumn svar: kolumnen saknas. Åtgärd: Använd en fil som exporterats från arbetsboken; "
        "kolumnen heter svar (eller answer)."
    )


# --------------------------------------------------------------------------- merging


def test_conflicting_import_is_not_applied_without_confirmation() -> None:
    current = _answers(PKS, [("strategic", "need_inflow", 2), ("strategic", "need_hours", 4)])
    incoming = _answers(
        PKS,
        [
            ("strategic", "need_inflow", 5),
            ("strategic", "need_hours", 4),
            ("tactical", "need_inflow", "dont_know"),
        ],
    )
    merge = sa.merge_answers(current, incoming, PKS)
    assert not merge.applied
    pd.testing.assert_frame_equal(merge.answers, current)
    # one answer differs (2 -> 5), one is equal (4), one is new (tactical)
    assert merge.conflicts[["question_id", "current", "incoming"]].values.tolist() == [
        ["need_inflow", "2", "5"]
    ]
    assert merge.added == 1
    confirmed = sa.merge_answers(current, incoming, PKS, overwrite=True)
    assert confirmed.applied
    pd.testing.assert_frame_equal(confirmed.answers, incoming)


def test_an_import_without_conflicts_adds_and_keeps() -> None:
    current = _answers(PKS, [("strategic", "need_inflow", 2)])
    incoming = _answers(PKS, [("operational", "follow_plan", 1)])
    merge = sa.merge_answers(current, incoming, PKS)
    assert merge.applied and merge.conflicts.empty and merge.added == 1
    assert len(merge.answers) == 2


# --------------------------------------------------------------------------- saving


def test_write_atomic_replaces_whole_files_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    autosave.write_atomic(path, "first")
    autosave.write_atomic(path, "second")
    assert path.read_text(encoding="utf-8") == "second"
    # a write that fails half-way leaves the previous file whole and no temporary behind
    with pytest.raises(TypeError):
        autosave.write_atomic(path, 12345)  # type: ignore[arg-type]
    assert path.read_text(encoding="utf-8") == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_sessions_are_saved_read_back_and_listed_most_recent_first(tmp_path: Path) -> None:
    answers = _answers(PKS, NOW)
    payload = {"answers": sa.answers_to_records(answers)}
    first = autosave.save_session("pks", "BUP A", "2024", payload, folder=tmp_path)
    second = autosave.save_session("pks", "BUP-A", "2024", payload, folder=tmp_path)
    assert first != second  # names alike after simplification are kept apart
    autosave.save_session("kvips", "BUP A", "2024", {}, folder=tmp_path)
    listed = autosave.list_sessions("pks", folder=tmp_path)
    assert listed["unit"].tolist() == ["BUP-A", "BUP A"]
    record = autosave.load_session(first)
    back = sa.answers_from_records(record["answers"], PKS)
    pd.testing.assert_frame_equal(back, answers)
    # the file on disk is plain JSON with the session named in it
    raw = json.loads(first.read_text(encoding="utf-8"))
    assert (raw["instrument"], raw["unit"], raw["round"]) == ("pks", "BUP A", "2024")


def test_an_unreadable_session_is_reported_not_hidden(tmp_path: Path) -> None:
    autosave.save_session("pks", "ok", "1", {}, folder=tmp_path)
    (tmp_path / "pks__broken.json").write_text("{not json", encoding="utf-8")
    listed = autosave.list_sessions("pks", folder=tmp_path)
    assert listed["unit"].tolist() == ["ok"]
    assert listed.attrs["unreadable"] == ["pks__broken.json"]
    with pytest.raises(DataError, match=r"pks__broken\.json: the saved session"):
        autosave.load_session(tmp_path / "pks__broken.json", lang="en")


def test_save_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(autosave.SAVE_DIR_ENV, str(tmp_path / "here"))
    assert autosave.save_dir() == tmp_path / "here"
    assert (tmp_path / "here").is_dir()
    monkeypatch.delenv(autosave.SAVE_DIR_ENV)
    assert autosave.save_dir(create=False) == Path(os.path.expanduser("~")) / "bup-toolkit"


def test_a_page_attaching_reads_answers_saved_while_its_kernel_pre_heated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race behind a lost reload (CI, 2026-11): Voilà's next pre-heated kernel
    resumed while the old page was still saving, so it read the file before the
    last answers and stamped the folder after them, and never read it again."""
    from toolkit.widgets import PksApp

    old_page = PksApp(save_folder=tmp_path)
    old_page.unit.value = "BUP Test"
    old_page.toggles["need_inflow"].value = 4

    parse = sa.answers_from_records

    def read_then_old_page_saves(*args: Any, **kwargs: Any) -> pd.DataFrame:
        answers = parse(*args, **kwargs)
        if old_page.toggles["need_hours"].value is None:
            old_page.toggles["need_hours"].value = 2  # saved just after the new kernel read
        return answers

    monkeypatch.setattr(sa, "answers_from_records", read_then_old_page_saves)
    new_kernel = PksApp(save_folder=tmp_path)
    assert len(new_kernel.answers) == 1  # read before the second answer was saved
    monkeypatch.setattr(sa, "answers_from_records", parse)
    new_kernel._attached()  # the reloaded page draws the workbook
    assert new_kernel.answers["question_id"].tolist() == ["need_inflow", "need_hours"]
    assert new_kernel.toggles["need_hours"].value == 2
    # a page whose kernel read the latest file reads nothing again
    before = new_kernel.answers
    new_kernel._attached()
    assert new_kernel.answers is before


# --------------------------------------------------------------------------- texts


def test_every_workbook_text_exists_in_both_languages() -> None:
    known = catalogue()
    per_app = [
        "title",
        "intro",
        "default_unit",
        "respondent",
        "compare",
        "spread_note",
        "chart_title",
    ]
    for prefix in ("widgets.pks", "widgets.kvips"):
        for key in per_app:
            assert set(known[f"{prefix}.{key}"]) >= set(LANGUAGES), f"{prefix}.{key}"
    for column in sa.FILE_COLUMNS:
        texts = known[f"selfassess.col.{column}"]
        assert all(texts[lang].strip() for lang in LANGUAGES)
    mine = [k for k in known if k.startswith(("selfassess.", "widgets.pks.", "widgets.kvips."))]
    assert all(known[k]["sv"].strip() and known[k]["en"].strip() for k in mine)


# --------------------------------------------------------------------------- pages saving at once


def _respondent_answering(folder: Path, respondent: str, start: Any) -> None:
    """One PKS page (its own process, as a kernel is) answering every question of one level."""
    from toolkit.widgets import PksApp

    app = PksApp(save_folder=folder)
    app.unit.value = "BUP Öst"
    app.round.value = "2025"
    app.respondent.value = respondent
    start.wait()
    for i, question in enumerate(app.q.questions_for(respondent)):
        app.toggles[question.id].value = 1 + i % 5
        assert app.error.value == "", app.error.value


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks the test process")
def test_two_pks_pages_in_two_processes_keep_both_respondents(tmp_path: Path) -> None:
    # The strategic and the tactical level answer the same session at the same
    # time, each in its own kernel: all 15 + 15 answers are in the file.
    import multiprocessing

    from toolkit.widgets import PksApp

    ctx = multiprocessing.get_context("fork")
    levels = ["strategic", "tactical"]
    start = ctx.Barrier(len(levels))
    pages = [
        ctx.Process(target=_respondent_answering, args=(tmp_path, level, start)) for level in levels
    ]
    for page in pages:
        page.start()
    for page in pages:
        page.join(timeout=300)
    assert [p.exitcode for p in pages] == [0, 0]
    expected = sa.empty_answers()
    for level in levels:
        for i, question in enumerate(PKS.questions_for(level)):
            expected = sa.set_answer(expected, PKS, level, question.id, 1 + i % 5)
    assert len(expected) == 30
    path = autosave.session_path("pks-v1", "BUP Öst", "2025", folder=tmp_path)
    saved = sa.answers_from_records(autosave.load_session(path)["answers"], PKS)
    pd.testing.assert_frame_equal(saved, expected)
    # a page opened afterwards (a reload) shows every answer of both levels
    again = PksApp(save_folder=tmp_path, lang="en")
    pd.testing.assert_frame_equal(again.answers, expected)
    assert "All: 30 of 45" in again.progress.value


def test_save_answer_keeps_what_another_page_saved_meanwhile(tmp_path: Path) -> None:
    # Page A's kernel still holds the session as it was; page B saves an answer;
    # A's next answer is applied to the file as it is, so B's answer stays.
    from toolkit.widgets import PksApp

    a = PksApp(save_folder=tmp_path)
    a.unit.value, a.round.value = "BUP Öst", "2025"
    b = PksApp(save_folder=tmp_path)
    b.unit.value, b.round.value = "BUP Öst", "2025"
    b.respondent.value = "tactical"
    b.toggles["need_inflow"].value = 5
    a.toggles["need_hours"].value = 2
    a.toggles["need_inflow"].value = 4
    path = autosave.session_path("pks-v1", "BUP Öst", "2025", folder=tmp_path)
    saved = sa.answers_from_records(autosave.load_session(path)["answers"], PKS)
    assert saved[["respondent", "question_id", "score"]].values.tolist() == [
        ["strategic", "need_inflow", 4.0],
        ["strategic", "need_hours", 2.0],
        ["tactical", "need_inflow", 5.0],
    ]
    # B clears its answer: only that answer goes
    b.toggles["need_inflow"].value = None
    saved = sa.answers_from_records(autosave.load_session(path)["answers"], PKS)
    assert saved["respondent"].tolist() == ["strategic", "strategic"]
    # each page's tab keeps its own respondent; the other page's does not leak in
    assert a.page_state.state["respondent"] == "strategic"
    assert b.page_state.state["respondent"] == "tactical"
    reloaded = PksApp(save_folder=tmp_path)
    reloaded.page_state._message(None, {"type": "shown", "state": dict(b.page_state.state)}, [])
    assert reloaded.respondent.value == "tactical"
    assert (reloaded.unit_name, reloaded.round_name) == ("BUP Öst", "2025")


def test_session_names_that_simplify_alike_are_kept_apart(tmp_path: Path) -> None:
    one = autosave.session_path("pks-v1", "BUP Öst", "2025", folder=tmp_path)
    two = autosave.session_path("pks-v1", "BUP Ost", "2025", folder=tmp_path)
    assert one != two
    # slugs, then the first 8 hex digits of SHA-256 of the parts joined by NUL
    import hashlib

    digest = hashlib.sha256("pks-v1\x00BUP Öst\x002025".encode()).hexdigest()[:8]
    assert one.name == f"pks-v1__bup-ost__2025__{digest}.json"


def test_a_save_that_cannot_get_the_lock_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from filelock import FileLock

    monkeypatch.setattr(autosave, "LOCK_TIMEOUT_S", 0.2)
    path = autosave.session_path("pks-v1", "BUP Öst", "2025", folder=tmp_path)
    # another page holds the lock
    with FileLock(str(autosave.lock_path(path))), pytest.raises(DataError) as refused:
        autosave.save_answer(
            PKS, "BUP Öst", "2025", "strategic", "need_inflow", 3, folder=tmp_path, lang="en"
        )
    assert path.name in refused.value.message("en")
    assert "is not saved" in refused.value.message("en")
    assert not path.exists()


# --------------------------------------------------------------------------- "vet ej" in the results


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_results_count_and_show_dont_know(lang: str) -> None:
    """The workbook's results table counts "vet ej" per element, by hand from NOW."""
    import html as html_

    from toolkit.i18n import t
    from toolkit.widgets.selfassess import PksApp

    app = PksApp(lang)
    app.answers = _answers(PKS, [*NOW, ("operational", "need_hours", "dont_know")])
    app.update()
    page = app.scores.value

    def cell(group: str) -> str:
        m = re.search(rf"<td class='tk-dont-know-{group}'>(.*?)</td>", page)
        assert m, group
        return html_.unescape(m.group(1))

    of = "av" if lang == "sv" else "of"
    # capacity_need: strategic need_forecast and operational need_hours, of 3 questions x 3 levels
    assert cell("capacity_need") == f"2 {of} 9"
    assert cell("follow_up") == f"0 {of} 9"
    assert t("selfassess.ui.col_dont_know", lang) in html_.unescape(page)
    note = html_.unescape(re.search(r"tk-dont-know-note'>(.*?)</p>", page).group(1))
    assert note.startswith("2 svar av 45" if lang == "sv" else "2 answers are")
    # every answer "vet ej": the table and the count, not "no answers yet"
    app.answers = _answers(PKS, [("strategic", "need_inflow", "dont_know")])
    app.update()
    assert "tk-no-answers" not in app.scores.value
    assert "1 svar av 45" in html_.unescape(app.scores.value) or lang == "en"
