"""toolkit.pks_links: every PKS element of the self-assessment points to parts that exist."""

from __future__ import annotations

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
