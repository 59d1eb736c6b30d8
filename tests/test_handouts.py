"""The material for the room: cheat sheets, questionnaires, PDSA form, answer key, lesson plan.

The pages are rendered in Swedish and English and their text is read:

* every formula of the catalogue is on the kit's cheat sheet and each
  lesson's formulas on its own sheet, with the constants of the published
  methods (2.66 of Making Data Count's XmR limits, −ln(1 − p) of
  NHSRwaitinglist's factor, log₂ n + 3 of Anhøj's run limit);
* every question, scale label and respondent of the PKS and KvIPS files is on
  the printed questionnaire (the files are read here with plain YAML);
* the PDSA form has every field of the PDSA log's Plan, Do, Study and Act;
* the answer key has each exercise's right answer, worked out here by hand
  from the numbers the exercises state (derivation beside each), and is a
  page of its own marked for the trainer;
* every page is self-contained (no script, nothing fetched) and text is
  escaped;
* printed to PDF (Chromium, offline): pages exist, each cheat sheet is one
  page, and the text can be extracted (pypdf).
"""

from __future__ import annotations

import re
import subprocess
import sys
from html import escape, unescape
from pathlib import Path

import pytest
import yaml

from toolkit import handouts as ho
from toolkit.i18n import LANGUAGES, t
from toolkit.lessons import l1_flow, l2_waitlist, l4_capacity, l5_priority, l6_improvement, show

REPO = Path(__file__).resolve().parents[1]
SELFASSESS = REPO / "toolkit" / "data" / "selfassess"


@pytest.fixture(scope="module", params=LANGUAGES)
def pages(request: pytest.FixtureRequest) -> tuple[str, dict[str, ho.Handout]]:
    lang = request.param
    return lang, {p.name: p for p in ho.handouts(lang)}


def _text(page: ho.Handout) -> str:
    """The page's text as a reader sees it: tags removed, entities read."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page.html)))


def _num(value: float, lang: str) -> str:
    """A number as the key writes it: at most two decimals, decimal comma in Swedish."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "sv" else text


def test_every_page_is_there(pages: tuple[str, dict[str, ho.Handout]]) -> None:
    _lang, by_name = pages
    assert set(by_name) == {
        "cheat_sheet_kit",
        *(f"cheat_sheet_lesson{n}" for n in range(1, 7)),
        "lesson_plan",
        "pks_questionnaire",
        "kvips_questionnaire",
        "pdsa_form",
        "answer_key",
    }
    assert [p.name for p in by_name.values() if p.trainer_only] == ["answer_key"]


def test_cheat_sheets_hold_the_formulas_charts_and_rules(
    pages: tuple[str, dict[str, ho.Handout]],
) -> None:
    lang, by_name = pages
    kit = by_name["cheat_sheet_kit"].html
    for group, prefix in ((ho.FORMULAS, "formula"), (ho.CHARTS, "chart")):
        for n, ids in group.items():
            sheet = by_name[f"cheat_sheet_lesson{n}"].html
            for item in ids:
                name = escape(t(f"handouts.{prefix}.{item}.name", lang))
                assert name in kit and name in sheet, (n, item)
    for n, ids in ho.RULES.items():
        for rule in ids:
            text = escape(t(f"handouts.rule.{rule}", lang))
            assert text in kit and text in by_name[f"cheat_sheet_lesson{n}"].html
    # the constants of the published methods, as the reader of the language writes them
    assert ("2,66" if lang == "sv" else "2.66") in kit  # Making Data Count: XmR limits
    assert "−ln(1 − p)" in kit  # NHSRwaitinglist: factor for "share p within T"
    assert "log₂ n) + 3" in kit  # Anhøj: longest run
    assert "7" in escape(t("handouts.rule.mdc_run", lang))


def test_lessons_have_objectives_and_minutes(pages: tuple[str, dict[str, ho.Handout]]) -> None:
    lang, by_name = pages
    plan = _text(by_name["lesson_plan"])
    for n, (notebook, _module) in ho.LESSONS.items():
        minutes = int(t(f"handouts.l{n}.minutes", lang))
        assert 20 <= minutes <= 90 and str(minutes) == t(f"handouts.l{n}.minutes", "sv")
        assert notebook in plan and (REPO / "notebooks" / "lessons" / notebook).exists()
        objectives = [
            line[2:] for line in t(f"handouts.l{n}.objectives", lang).splitlines() if line
        ]
        assert len(objectives) >= 3
        sheet = _text(by_name[f"cheat_sheet_lesson{n}"])
        for objective in objectives:
            assert objective in plan and objective in sheet
        assert t("handouts.label.minutes_value", lang, minutes=minutes) in sheet


@pytest.mark.parametrize("kind", ["pks", "kvips"])
def test_questionnaires_hold_every_item(
    pages: tuple[str, dict[str, ho.Handout]], kind: str
) -> None:
    lang, by_name = pages
    raw = yaml.safe_load((SELFASSESS / f"{kind}_v1.yaml").read_text(encoding="utf-8"))
    page = by_name[f"{kind}_questionnaire"].html
    questions = [q for q in raw["questions"]]
    assert len(questions) >= 10
    for question in questions:
        assert escape(question["text"][lang]) in page, question["id"]
    for label in raw["scale"]["labels"].values():
        assert escape(label[lang]) in page
    for respondent in raw["respondents"]["options"]:
        assert escape(respondent["name"][lang]) in page
    for group in raw["groups"]:
        assert escape(group["name"][lang]) in page
    # one tick box per scale step and "don't know", per question
    steps = raw["scale"]["max"] - raw["scale"]["min"] + 1 + int(raw["scale"]["dont_know"])
    assert page.count("<td class='tick'>") == steps * len(questions)


def test_pdsa_form_has_every_field_of_the_log(pages: tuple[str, dict[str, ho.Handout]]) -> None:
    from toolkit import pdsa

    lang, by_name = pages
    page = by_name["pdsa_form"].html
    for column in (
        "aim",
        "change_idea",
        "prediction",
        "plan",
        "do",
        "study",
        "act",
        "start_date",
        "measure",
    ):
        assert escape(t(f"pdsa.column.{column}", lang)) in page, column
    for decision in pdsa.DECISIONS:
        assert escape(t(f"pdsa.decision.{decision}", lang)) in page
    for stage in ("plan", "do", "study", "act"):
        assert escape(t(f"handouts.label.pdsa_stage.{stage}", lang)) in page


def _hand_answers() -> dict[str, float | str]:
    """Right answers worked out by hand from the numbers the exercise texts state."""
    q, tq, ex4, ex5, ex6 = (
        l1_flow.EX_QUEUE,
        l2_waitlist.EX_TARGET_QUEUE,
        l4_capacity.EX,
        l5_priority.EX,
        l6_improvement.EX,
    )
    return {
        # Little's law L = λ W: 12 a week × 35 days / 7 = 60
        "l1.queue": q["arrivals_per_week"] * q["mean_wait_days"] / 7,
        # target queue = demand × target (weeks) / factor: 21 × 30/7 / 4 = 22.5
        "l2.target_queue": tq["demand_per_week"] * tq["target_wait_days"] / 7 / tq["factor"],
        # 40 h × (1 − absence) × (1 − non-clinical share)
        "l4.clinical_hours": ex4["contracted_h"]
        * (1 - ex4["absence_pct"] / 100)
        * (1 - ex4["non_clinical_pct"] / 100),
        # 16 h × 60 / 60 min × (1 − 0.05) = 15.2
        "l4.appointments": ex4["clinical_h"] * 60 / ex4["minutes"] * (1 - ex4["dna_pct"] / 100),
        # (10 − 8) a week × 26 weeks = 52
        "l5.queue_growth": (ex5["join_per_week"] - ex5["start_per_week"]) * ex5["weeks"],
        # Little's law W = L / λ: 120 / 8 = 15 weeks
        "l5.little": ex5["queue"] / ex5["starts_little"],
        # Making Data Count: 20 + 2.66 × 3 = 27.98
        "l6.upper_limit": ex6["mean"] + 2.66 * ex6["mean_mr"],
        "l5.platform": "B",  # prop. 1996/97:60: the greatest need first
        "l6.aim": "B",  # how much, by when, for whom (Langley et al.)
        "l1.dcaq": "C",  # the first assessments done last week are the activity
    }


def test_answer_key_has_the_answers(pages: tuple[str, dict[str, ho.Handout]]) -> None:
    lang, by_name = pages
    page = by_name["answer_key"].html
    assert t("handouts.index.trainer_only", lang) in page
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    # the questions as the notebooks show them (notebooks/lessons/*.ipynb)
    shown_by = {
        "l1.queue": lambda: show("lessons.l1.ex_queue", lang, **l1_flow.EX_QUEUE).text,
        "l2.target_queue": lambda: (
            show("lessons.l2.ex_target_queue", lang, **l2_waitlist.EX_TARGET_QUEUE).text
        ),
        "l1.dcaq": lambda: show("lessons.l1.ex_dcaq", lang).text,
    }
    modules = {"l4": l4_capacity, "l5": l5_priority, "l6": l6_improvement}
    for exercise_id, answer in _hand_answers().items():
        lesson, name = exercise_id.split(".")
        question = (
            shown_by[exercise_id]()
            if exercise_id in shown_by
            else modules[lesson].show(f"ex_{name}", lang).text
        )
        first_words = re.sub(r"[*_`#]", "", question).strip().split("\n")[0][:25]
        row = next((r for r in rows if first_words in unescape(re.sub(r"<[^>]+>", "", r))), None)
        assert row is not None, (exercise_id, first_words)
        shown = re.search(r"<span class='answer'>(.*?)</span>", row)
        assert shown is not None
        expected = answer if isinstance(answer, str) else _num(answer, lang)
        assert shown.group(1) == expected, (exercise_id, shown.group(1), expected)
    # every exercise of every lesson has a row with an answer
    assert page.count("<span class='answer'>") == 30


def test_answer_key_is_not_in_the_learners_material(
    pages: tuple[str, dict[str, ho.Handout]],
) -> None:
    _lang, by_name = pages
    for name, page in by_name.items():
        if name != "answer_key":
            assert "class='answer'" not in page.html


def test_pages_are_self_contained_and_escape_their_text(
    pages: tuple[str, dict[str, ho.Handout]],
) -> None:
    _lang, by_name = pages
    for page in by_name.values():
        assert "<script" not in page.html
        assert not re.search(r"(src|href)=['\"]?(https?:)?//", page.html)
        assert page.html.count("<h1>") == 1
    assert "&lt;img" in ho._markdown("<img src=x onerror=alert(1)>")
    assert "<img" not in ho._markdown("<img src=x onerror=alert(1)>")


def test_without_a_browser_only_html_is_written_and_the_user_told(tmp_path: Path) -> None:
    written = ho.write_handouts(tmp_path, "en", browser=str(tmp_path / "no-such-browser"))
    assert written.pdf == []
    assert written.messages == [t("handouts.no_browser", "en")]
    assert {p.name for p in written.html} >= {"index.html", "answer_key.html", "pdsa_form.html"}
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "answer_key.html" in index and ".pdf" not in index
    assert t("handouts.index.trainer_only", "en") in index


def _pdf_text(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.mark.slow
@pytest.mark.skipif(ho.find_browser() is None, reason="no Chromium-family browser to print PDF")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_command_writes_html_and_pdf(lang: str, tmp_path: Path) -> None:
    out = tmp_path / "rum"
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "handouts", "--lang", lang, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    pdfs = sorted(out.glob("*.pdf"))
    htmls = sorted(out.glob("*.html"))
    assert len(pdfs) == 12 and len(htmls) == 13
    assert done.stdout.strip() == t(
        "handouts.written", lang, n=13, folder=out, pdf=t("handouts.pdf_done", lang)
    )
    texts = {}
    for pdf in pdfs:
        pages, text = _pdf_text(pdf)
        assert pages >= 1 and len(text) > 200, pdf.name
        if pdf.stem.startswith("cheat_sheet"):
            assert pages == 1, pdf.name  # a cheat sheet is one page
        texts[pdf.stem] = re.sub(r"\s+", " ", text)
    assert t("handouts.formula.little.name", lang) in texts["cheat_sheet_kit"]
    assert t("handouts.formula.relief_capacity.name", lang) in texts["cheat_sheet_lesson2"]
    pks = yaml.safe_load((SELFASSESS / "pks_v1.yaml").read_text(encoding="utf-8"))
    first = re.sub(r"\s+", " ", pks["questions"][0]["text"][lang])
    assert first[:40] in texts["pks_questionnaire"]
    assert _num(_hand_answers()["l2.target_queue"], lang) in texts["answer_key"]
    assert "index.html" in {p.name for p in htmls}
