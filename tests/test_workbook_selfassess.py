"""The PKS self-assessment and KvIPS self-evaluation workbooks in a real browser.

Voilà and Debian's Chromium come from the fixtures in conftest.py; the
kernels save under the ``save_dir`` fixture's folder (``BUP_TOOLKIT_SAVE_DIR``).
For each workbook: answers clicked in the page reach the session file on disk
as they are given; a reload in the middle of answering brings them back; the
means, spreads and differences the page shows equal those worked out here by
hand from the answers clicked (the arithmetic is beside them) and those of
toolkit.selfassess; an exported file imports back equal; an import that would
change answers asks first; a file of another version shows its message; the
switch to English relabels the page. Screenshots go to ``screenshots/``.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from toolkit import autosave
from toolkit import selfassess as sa
from toolkit.errors import DataError
from toolkit.widgets import format_number

pytestmark = pytest.mark.slow

TIMEOUT_MS = 30_000
PKS = sa.load_questionnaire("pks")
KVIPS = sa.load_questionnaire("kvips")


def _num(value: float, lang: str = "sv") -> str:
    return format_number(value, lang, 1)


def _answer(book: Any, question: str, label: str) -> None:
    """Click the answer ``label`` of ``question`` and wait until the page marks it."""
    button = book.page.locator(f".tk-q-{question} button", has_text=re.compile(f"^{label}$"))
    button.click()
    from playwright.sync_api import expect

    expect(button).to_have_class(re.compile("mod-active"), timeout=TIMEOUT_MS)


def _active(book: Any, question: str) -> str:
    """The label of the active answer of ``question`` (empty when none)."""
    active = book.page.locator(f".tk-q-{question} button.mod-active")
    return str(active.first.inner_text()) if active.count() else ""


def _expect_active(book: Any, question: str, label: str) -> None:
    from playwright.sync_api import expect

    button = book.page.locator(f".tk-q-{question} button", has_text=re.compile(f"^{label}$"))
    expect(button).to_have_class(re.compile("mod-active"), timeout=TIMEOUT_MS)


def _pick(book: Any, css_class: str, label: str) -> None:
    book.page.locator(f".{css_class} button", has_text=label).click()


def _type(book: Any, css_class: str, text: str) -> None:
    field = book.page.locator(f".{css_class} input")
    field.fill(text)
    field.press("Enter")


def _import(book: Any, path: Path) -> None:
    with book.page.expect_file_chooser() as chooser:
        book.page.locator(".tk-import").first.click()
    chooser.value.set_files(str(path))


def _saved(save_dir: Path, q: sa.Questionnaire, unit: str, round_: str) -> pd.DataFrame:
    # one file per questionnaire version, unit and round (the workbook's instrument)
    path = autosave.session_path(f"{q.id}-v{q.version}", unit, round_, folder=save_dir)
    record = autosave.load_session(path)
    return sa.answers_from_records(record["answers"], q)


def _expected(q: sa.Questionnaire, given: list[tuple[str, str, int | str]]) -> pd.DataFrame:
    answers = sa.empty_answers()
    for respondent, question, value in given:
        answers = sa.set_answer(answers, q, respondent, question, value)
    return answers


def _reload(book: Any) -> None:
    """Reload the page as a user would (F5) and wait for the workbook.

    On unload Voilà's page asks its server to shut the old kernel down
    (``/voila/api/shutdown/<kernel>``), which the server refuses with 403;
    that one console line belongs to Voilà's unload, not to the workbook, and
    is the only one dropped here.
    """
    before = len(book.errors)
    book.page.reload()
    book.page.wait_for_selector(".tk-answer", timeout=60_000)
    forbidden = "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    book.errors[before:] = [e for e in book.errors[before:] if e != forbidden]


def _shot(book: Any, name: str, anchor: str) -> None:
    """A screenshot with ``anchor`` scrolled into view (Voilà scrolls inside its page)."""
    book.page.locator(anchor).first.scroll_into_view_if_needed()
    book.page.wait_for_timeout(800)  # let the chart redraw; a picture, not an assertion
    book.screenshot(name)


def _download(book: Any, kind: str, folder: Path) -> Path:
    book.page.locator(f".tk-export-{'csv' if kind == 'csv' else 'xlsx'}").click()
    link = book.page.locator(f"a.tk-download-{kind}")
    link.wait_for(timeout=TIMEOUT_MS)
    with book.page.expect_download() as download:
        link.click()
    target = folder / download.value.suggested_filename
    download.value.save_as(str(target))
    return target


# --------------------------------------------------------------------------- PKS


def test_pks_workbook(open_workbook: Any, save_dir: Path, tmp_path: Path) -> None:
    book = open_workbook("pks_sjalvskattning", ".tk-answer")
    page = book.page
    book.expect_text(".tk-app h1", "PKS-självskattning")
    _type(book, "tk-session-unit", "BUP Test")
    _type(book, "tk-session-round", "2025")
    book.expect_contains(".tk-session-note", "Ny session BUP Test, omgång 2025")
    # a new session keeps the respondent of the session the page resumed, which
    # another test in this save folder may have left at another level
    _pick(book, "tk-respondent", "Strategisk nivå")

    # strategic level: 4, 2 and "don't know" on capacity need
    _answer(book, "need_inflow", "4")
    _answer(book, "need_hours", "2")
    _answer(book, "need_forecast", "Vet ej")
    book.expect_contains(".tk-progress", "Besvarat för Strategisk nivå: 3 av 15")
    given: list[tuple[str, str, int | str]] = [
        ("strategic", "need_inflow", 4),
        ("strategic", "need_hours", 2),
        ("strategic", "need_forecast", "dont_know"),
    ]
    # every answer is on disk as soon as the page shows it
    pd.testing.assert_frame_equal(_saved(save_dir, PKS, "BUP Test", "2025"), _expected(PKS, given))

    # tactical level: two answers, then the page is reloaded in the middle of answering
    _pick(book, "tk-respondent", "Taktisk nivå")
    book.expect_contains(".tk-progress", "Besvarat för Taktisk nivå: 0 av 15")
    _answer(book, "need_inflow", "5")
    _answer(book, "need_hours", "4")
    given += [("tactical", "need_inflow", 5), ("tactical", "need_hours", 4)]
    book.expect_contains(".tk-progress", "Alla: 5 av 45")
    _reload(book)
    book.expect_contains(
        ".tk-session-note", "Fortsätter där den här sidan var: BUP Test, omgång 2025"
    )
    book.expect_contains(".tk-progress", "Besvarat för Taktisk nivå: 2 av 15")
    _expect_active(book, "need_inflow", "5")
    _expect_active(book, "need_hours", "4")
    assert _active(book, "need_forecast") == ""
    _pick(book, "tk-respondent", "Strategisk nivå")
    _expect_active(book, "need_inflow", "4")
    _expect_active(book, "need_forecast", "Vet ej")

    # operational level: 1 on inflow; then the figures
    _pick(book, "tk-respondent", "Operativ nivå")
    _answer(book, "need_inflow", "1")
    given.append(("operational", "need_inflow", 1))
    book.expect_contains(".tk-progress", "Alla: 6 av 45")
    pd.testing.assert_frame_equal(_saved(save_dir, PKS, "BUP Test", "2025"), _expected(PKS, given))
    # by hand: strategic (4 + 2) / 2 = 3.0 ("don't know" is no score), tactical (5 + 4) / 2 = 4.5,
    # operational 1 / 1 = 1.0; all levels (3.0 + 4.5 + 1.0) / 3 = 2.8333; spread 4.5 − 1.0 = 3.5
    book.expect_text(".tk-score-capacity_need-strategic", _num(3.0))
    book.expect_text(".tk-score-capacity_need-tactical", _num(4.5))
    book.expect_text(".tk-score-capacity_need-operational", _num(1.0))
    book.expect_text(".tk-overall-capacity_need", _num((3.0 + 4.5 + 1.0) / 3))
    book.expect_text(".tk-spread-capacity_need", _num(3.5))
    book.expect_text(".tk-score-follow_up-tactical", "–")
    # the same from toolkit.selfassess
    overall = sa.overall_scores(sa.group_scores(_expected(PKS, given), PKS)).set_index("group")
    assert overall.loc["capacity_need", "mean"] == pytest.approx((3.0 + 4.5 + 1.0) / 3)
    book.expect_contains(".tk-spread-note", "Kapacitetsbehov, där Taktisk nivå skattar 4,5")
    page.wait_for_selector(".tk-main-chart canvas, .tk-main-chart svg.marks")
    _shot(book, "pks_sjalvskattning_sv", ".tk-main-chart")

    # export CSV and Excel: the downloaded files import back equal
    csv_file = _download(book, "csv", tmp_path)
    xlsx_file = _download(book, "xlsx", tmp_path)
    assert csv_file.name == "pks-v1_bup-test_2025.csv"
    for exported in (csv_file, xlsx_file):
        back = sa.read_answers(exported, PKS)
        pd.testing.assert_frame_equal(back.answers, _expected(PKS, given))
        assert (back.unit, back.round) == ("BUP Test", "2025")

    # change an answer, then import the export: the page asks before overwriting
    _answer(book, "need_inflow", "2")  # operational 1 -> 2
    _import(book, csv_file)
    book.expect_contains(".tk-import-confirm", "importen skulle ändra 1 svar")
    _expect_active(book, "need_inflow", "2")
    _shot(book, "pks_sjalvskattning_confirm", ".tk-import-confirm")
    book.page.locator(".tk-import-cancel").click()
    book.expect_contains(".tk-import-note", "Importen avbröts. Inget har ändrats.")
    _expect_active(book, "need_inflow", "2")
    assert (
        sa.answer_value(_saved(save_dir, PKS, "BUP Test", "2025"), "operational", "need_inflow")
        == 2
    )
    _import(book, csv_file)
    book.page.locator(".tk-import-replace").click()
    book.expect_contains(".tk-import-note", "0 nya svar, 1 ersatta")
    _expect_active(book, "need_inflow", "1")
    pd.testing.assert_frame_equal(_saved(save_dir, PKS, "BUP Test", "2025"), _expected(PKS, given))

    # a file of another version: its message, nothing changed
    v2 = dataclasses.replace(PKS, version="2")
    other = tmp_path / "pks_v2.csv"
    other.write_bytes(
        sa.answers_csv_bytes(_expected(v2, given), v2, unit="BUP Test", round_="2025")
    )
    with pytest.raises(DataError) as refused:
        sa.read_answers(other, PKS, lang="sv")
    _import(book, other)
    book.expect_text(".tk-error", refused.value.message("sv"))
    _shot(book, "pks_sjalvskattning_bad_import", ".tk-error")
    pd.testing.assert_frame_equal(_saved(save_dir, PKS, "BUP Test", "2025"), _expected(PKS, given))

    # an earlier round: a new session 2024, then back to 2025 and compare
    _type(book, "tk-session-round", "2024")
    book.expect_contains(".tk-session-note", "Ny session BUP Test, omgång 2024")
    assert _active(book, "need_inflow") == ""
    _answer(book, "need_inflow", "2")  # operational 2 in 2024
    _type(book, "tk-session-round", "2025")
    book.expect_contains(".tk-session-note", "Öppnade sessionen BUP Test, omgång 2025")
    _expect_active(book, "need_inflow", "1")
    book.select("tk-compare", "BUP Test · 2024")
    # 2025: 2.8333 (above); 2024: operational 2 only -> 2.0; difference +0.8333
    book.expect_text(".tk-diff-capacity_need", "+" + _num((3.0 + 4.5 + 1.0) / 3 - 2.0))
    _shot(book, "pks_sjalvskattning_compare", ".tk-compare-table")

    # English
    page.locator(".tk-lang button", has_text="English").click()
    book.expect_text(".tk-app h1", "PKS self-assessment")
    book.expect_contains(".tk-respondent", "Strategic level")
    book.expect_contains(".tk-scores", "Capacity need")
    book.expect_contains(".tk-progress", "Answered for the Operational level: 1 of 15")
    _expect_active(book, "need_inflow", "1")
    book.expect_text(".tk-overall-capacity_need", _num((3.0 + 4.5 + 1.0) / 3, "en"))
    _shot(book, "pks_sjalvskattning_en", ".tk-main-chart")
    # the error box from the bad import is gone after the next good action
    assert page.locator(".tk-error").count() == 0
    book.assert_clean()


# --------------------------------------------------------------------------- KvIPS


def test_kvips_workbook(open_workbook: Any, save_dir: Path, tmp_path: Path) -> None:
    # another unit's answers, saved as if typed in an earlier workshop
    other = _expected(KVIPS, [("manager", "access_contact", 2), ("nurse", "access_contact", 2)])
    autosave.save_session(
        "kvips-v1",
        "BUP Grann",
        "2025",
        {"questionnaire": "kvips", "version": "1", "answers": sa.answers_to_records(other)},
        folder=save_dir,
    )
    book = open_workbook("kvips_sjalvvardering", ".tk-answer")
    page = book.page
    book.expect_text(".tk-app h1", "KvIPS-självutvärdering")
    book.expect_contains(".tk-session-note", "BUP Grann")  # resumed: the only saved session
    _type(book, "tk-session-unit", "BUP Hem")
    book.expect_contains(".tk-session-note", "Ny session BUP Hem, omgång 2025")

    # each role scores on its own; the patient representative is not asked staff-only questions
    _pick(book, "tk-respondent", "Sjuksköterska")
    _answer(book, "access_contact", "3")
    _answer(book, "access_waits", "4")
    _pick(book, "tk-respondent", "Patient- eller närståendeföreträdare")
    from playwright.sync_api import expect

    expect(page.locator(".tk-q-safety_deviations")).to_be_hidden(timeout=TIMEOUT_MS)
    expect(page.locator(".tk-q-access_contact")).to_be_visible()
    _answer(book, "access_contact", "1")
    given: list[tuple[str, str, int | str]] = [
        ("nurse", "access_contact", 3),
        ("nurse", "access_waits", 4),
        ("patient_rep", "access_contact", 1),
    ]
    book.expect_contains(".tk-progress", "Alla: 3 av")
    pd.testing.assert_frame_equal(
        _saved(save_dir, KVIPS, "BUP Hem", "2025"), _expected(KVIPS, given)
    )
    # by hand: nurse (3 + 4) / 2 = 3.5, patient representative 1.0; all (3.5 + 1) / 2 = 2.25;
    # spread 3.5 − 1.0 = 2.5
    book.expect_text(".tk-score-access-nurse", _num(3.5))
    book.expect_text(".tk-score-access-patient_rep", _num(1.0))
    book.expect_text(".tk-overall-access", _num(2.25))
    book.expect_text(".tk-spread-access", _num(2.5))
    book.expect_contains(".tk-spread-note", "Sjuksköterska skattar 3,5")

    # compare with the other unit: BUP Grann (2 + 2) / 2 = 2.0; difference 2.25 − 2.0 = +0.25
    book.select("tk-compare", "BUP Grann · 2025")
    book.expect_text(".tk-diff-access", "+" + _num(2.25 - 2.0))
    page.wait_for_selector(".tk-main-chart canvas, .tk-main-chart svg.marks")
    _shot(book, "kvips_sjalvvardering_sv", ".tk-main-chart")

    # reload: the answers come back
    _reload(book)
    book.expect_contains(".tk-session-note", "BUP Hem, omgång 2025")
    book.expect_text(".tk-overall-access", _num(2.25))
    _expect_active(book, "access_contact", "1")

    # Excel export imports back equal
    xlsx_file = _download(book, "xlsx", tmp_path)
    back = sa.read_answers(xlsx_file, KVIPS)
    pd.testing.assert_frame_equal(back.answers, _expected(KVIPS, given))

    # a file with an empty answer column: a message, nothing changed
    empty = tmp_path / "tom.csv"
    text = sa.answers_csv_bytes(_expected(KVIPS, given), KVIPS, unit="BUP Hem", round_="2025")
    lines = text.decode("utf-8-sig").splitlines()
    empty.write_text(
        "\r\n".join([lines[0]] + [line.rsplit(";", 1)[0] + ";" for line in lines[1:]]),
        encoding="utf-8",
    )
    with pytest.raises(DataError) as refused:
        sa.read_answers(empty, KVIPS, lang="sv")
    _import(book, empty)
    book.expect_text(".tk-error", refused.value.message("sv"))
    pd.testing.assert_frame_equal(
        _saved(save_dir, KVIPS, "BUP Hem", "2025"), _expected(KVIPS, given)
    )

    page.locator(".tk-lang button", has_text="English").click()
    book.expect_text(".tk-app h1", "KvIPS self-evaluation")
    book.expect_contains(".tk-respondent", "Patient or family representative")
    book.expect_contains(".tk-compare", "Compare with another unit or round")
    book.expect_text(".tk-overall-access", _num(2.25, "en"))
    _shot(book, "kvips_sjalvvardering_en", ".tk-scores")
    book.assert_clean()


# --------------------------------------------------------------------------- two pages


def test_two_pks_pages_answering_one_session_keep_both_levels(
    open_workbook: Any, save_dir: Path
) -> None:
    # A workshop: two tabs on one session, the strategic and the tactical level
    # answering at the same time. Every answer of both is in the file; a reload
    # of the second tab returns to its own level with every answer shown.
    import time

    a = open_workbook("pks_sjalvskattning", ".tk-answer")
    _type(a, "tk-session-unit", "BUP Två sidor")
    _type(a, "tk-session-round", "2025")
    a.expect_contains(".tk-session-note", "Ny session BUP Två sidor, omgång 2025")
    _pick(a, "tk-respondent", "Strategisk nivå")
    a.expect_contains(".tk-progress", "Besvarat för Strategisk nivå")
    _answer(a, "need_inflow", "4")
    b = open_workbook("pks_sjalvskattning", ".tk-answer")
    # a new page catches up with the session edited last (the workshop's one)
    b.expect_contains(".tk-session-note", "BUP Två sidor, omgång 2025")
    _pick(b, "tk-respondent", "Taktisk nivå")
    b.expect_contains(".tk-progress", "Besvarat för Taktisk nivå: 0 av 15")
    _answer(b, "need_inflow", "5")
    _answer(a, "need_hours", "2")
    _answer(b, "need_hours", "3")
    _answer(a, "need_forecast", "1")
    given: list[tuple[str, str, int | str]] = [
        ("strategic", "need_inflow", 4),
        ("tactical", "need_inflow", 5),
        ("strategic", "need_hours", 2),
        ("tactical", "need_hours", 3),
        ("strategic", "need_forecast", 1),
    ]
    deadline = time.monotonic() + 30
    while len(_saved(save_dir, PKS, "BUP Två sidor", "2025")) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    pd.testing.assert_frame_equal(
        _saved(save_dir, PKS, "BUP Två sidor", "2025"), _expected(PKS, given)
    )
    _reload(b)
    b.expect_contains(".tk-session-note", "Fortsätter där den här sidan var: BUP Två sidor")
    b.expect_contains(".tk-progress", "Besvarat för Taktisk nivå: 2 av 15")
    b.expect_contains(".tk-progress", "Alla: 5 av 45")
    _expect_active(b, "need_hours", "3")
    a.assert_clean()
    b.assert_clean()
