"""toolkit.pks_links: every PKS element of the self-assessment points to parts that exist."""

from __future__ import annotations

import html
import importlib
from pathlib import Path

import pytest

from toolkit import selfassess
from toolkit.i18n import t
from toolkit.pks_links import PKS_TOOLS, links_for_scores

ROOT = Path(__file__).resolve().parent.parent


def test_every_element_of_the_questionnaire_has_links_and_they_exist() -> None:
    q = selfassess.load_questionnaire("pks")
    assert {g.id for g in q.groups} == set(PKS_TOOLS)
    for tools in PKS_TOOLS.values():
        for kind, target, key in tools:
            assert t(key, "sv") and t(key, "en")
            if kind == "function":
                module, _, name = target.rpartition(".")
                assert hasattr(importlib.import_module(module), name), target
            else:
                assert (ROOT / target).exists(), target


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_low_scores_get_links_from_real_answers(lang: str) -> None:
    q = selfassess.load_questionnaire("pks")
    answers = selfassess.empty_answers()
    # tactical level: every capacity-need question 2, every follow-up question 4
    for question in q.questions:
        if "tactical" not in question.respondents:
            continue
        if question.group == "capacity_need":
            answers = selfassess.set_answer(answers, q, "tactical", question.id, 2)
        elif question.group == "follow_up":
            answers = selfassess.set_answer(answers, q, "tactical", question.id, 4)
    scores = selfassess.group_scores(answers, q)
    links = links_for_scores(scores, lang=lang)
    assert set(links["group"]) == {"capacity_need"}
    assert links["lowest_mean"].tolist() == [2.0] * len(PKS_TOOLS["capacity_need"])
    assert links["respondents"].iloc[0] == "tactical"
    assert links["text"].tolist() == [t(k, lang) for _, _, k in PKS_TOOLS["capacity_need"]]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_pks_workbook_shows_links_under_low_questions_only(lang: str, tmp_path: Path) -> None:
    """In the kernel: a question answered 2 lists its element's tools, one answered 4 none."""
    from toolkit.widgets.selfassess import PksApp

    app = PksApp(lang=lang, save_folder=tmp_path)
    app.toggles["need_inflow"].value = 2
    app.toggles["capacity_hours"].value = 4
    low = app.question_links["need_inflow"].value
    for _kind, _target, key in PKS_TOOLS["capacity_need"]:
        assert html.escape(t(key, lang), quote=True) in low
    assert "href='produktionsplan.ipynb'" in low
    assert app.question_links["capacity_hours"].value == ""
    assert app.question_links["need_hours"].value == ""  # not answered
    assert "tk-pks-element-capacity_need" in app.element_links.value
    assert "tk-pks-element-available_capacity" not in app.element_links.value
