"""The domain facts the lessons and guides teach, checked against their sources (issue 16).

Each expected statement comes from the document named beside it (see
docs/sources.md), not from the code: the tests read the texts a learner or
trainer reads and check that they say what the source says, and that the
teaching agrees with the toolkit's own defaults.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from toolkit.i18n import t
from toolkit.targets import load_profile

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = yaml.safe_load((ROOT / "toolkit" / "data" / "capacity_defaults.yaml").read_text("utf-8"))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_lesson_4_teaches_the_default_absence_with_its_sources(lang: str) -> None:
    # The default lives in capacity_defaults.yaml (20 %: annual leave under AB § 27,
    # sick leave 5–7 % by Försäkringskassan's statistics); the lesson teaches the same.
    share = DEFAULTS["parameters"]["absence_share"]["value"]
    chain = t("lessons.l4.chain", lang)
    assert f"{share:.0%}".replace("%", " %") in chain
    assert f"{1 - share:.0%}".replace("%", " %") in chain  # the time at work that is left
    assert "12 %" not in chain and "88 %" not in chain
    assert "§ 27" in chain and "Försäkringskassan" in chain
    assert "§ 27" in t("lessons.l4.sources", lang)


def test_docs_state_the_same_default_absence() -> None:
    page = (ROOT / "docs" / "capacity.md").read_text("utf-8")
    assert "standard 20 %" in page and "default 20 %" in page
    assert "§ 27" in page and "12 % frånvaro" not in page and "12 % absence" not in page


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_lesson_5_says_the_guarantee_covers_both_stages_and_30_30_is_a_target(lang: str) -> None:
    # HSL 2017:30 ch. 9 § 1 and HSF 2017:80 ch. 6: a visit within 90 days AND treatment
    # within 90 days of the decision. 30 + 30: agreements state–SKR, not law; the second
    # 30 days run from the decision on in-depth assessment or treatment.
    text = " ".join(t("lessons.l5.tension", lang).split())  # one line, single spaces
    law, not_law, decision = {
        "sv": ("9 kap. 1 §", "inte lag", "30 dagar från beslutet"),
        "en": ("chapter 9 section 1", "not law", "within 30 days of the decision"),
    }[lang]
    assert law in text and not_law in text and decision in text
    assert ("behandling inom 90 dagar" if lang == "sv" else "treatment within 90 days") in text
    assert "gäller en förstärkt vårdgaranti" not in text
    assert "is followed up on the **first visit**" not in text


def test_the_profiles_run_stage_2_from_the_decision_and_name_no_missing_document() -> None:
    for name in ("bup_30_30", "general_0_3_90_90"):
        profile = load_profile(name)
        assert profile.stages["deep_start"].start_column == "deep_decision"
        raw = (ROOT / "toolkit" / "data" / "profiles" / f"{name}.yaml").read_text("utf-8")
        assert "docs/domain.md" not in raw
        assert "follow-up convention" in raw  # the shares are a convention, not the law
    assert "förstärkt vårdgaranti" not in load_profile("bup_30_30").name("sv").casefold()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_lesson_1_names_load_and_the_in_out_ratio_apart(lang: str) -> None:
    load_word, ratio_word = (
        ("belastning", "in/ut-kvot") if lang == "sv" else ("load", "in/out ratio")
    )
    text = t("lessons.l1.load_text", lang).casefold()
    assert load_word in text and ratio_word in text
    exercise = t("lessons.l1.ex_load", lang).casefold()
    assert ratio_word in exercise  # "about 1: the queue stands still" is about the in/out ratio


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_lesson_2_calls_kingman_an_approximation_for_the_target_mean_wait(lang: str) -> None:
    # Kingman (1961): W ≈ (ca² + cs²)/2 · ρ/(1 − ρ) · 1/μ for one server; here the server
    # is the whole unit, so the time term is 1/capacity, not the length of one visit.
    text = t("lessons.l2.capacity", lang)
    approx, mean_wait, per_unit = {
        "sv": ("approximation", "målsatta medelväntetiden", "1 / kapacitet"),
        "en": ("approximation", "target mean wait", "1 / capacity"),
    }[lang]
    assert approx in text and mean_wait in text and per_unit in text and "≈" in text
    hint = t("lessons.l2.hint.mean_wait_log", lang)
    assert "−ln(1 − " in hint and ("minus" in hint)


def test_pks_horizons_and_kvips_owner() -> None:
    # Common Swedish PKS practice: strategic 1–3 years, tactical about 3–18 months,
    # operational days to weeks; KvIPS focus areas come from its national development team.
    pks = (ROOT / "toolkit" / "data" / "selfassess" / "pks_v1.yaml").read_text("utf-8")
    assert "1–3 år" in pks and "3–18 månader" in pks and "dagar till veckor" in pks
    for lang in ("sv", "en"):
        guide = (ROOT / "docs" / f"facilitator_guide_{lang}.md").read_text("utf-8")
        assert (
            "nationella utvecklingsteam" if lang == "sv" else "national development team"
        ) in guide
        assert "från\nnätverket" not in guide and "from the network" not in guide
