"""The glossary (toolkit/data/text/glossary.yaml, toolkit.glossary, docs/glossary.md).

The scan of every page for the words the glossary rules out is in
tests/test_catalogue_words.py, beside the scan for internal names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit import glossary
from toolkit.i18n import t
from toolkit.io import load_unit

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "glossary.md"

#: The concepts the kit teaches; each must be in the glossary (issue: one glossary of every term).
CORE = {
    "demand": ("efterfrågan", "demand"),
    "capacity": ("kapacitet", "capacity"),
    "activity": ("aktivitet", "activity"),
    "queue": ("kö", "queue"),
    "load": ("belastning", "load"),
    "in_out_ratio": ("in/ut-kvot", "in/out ratio"),
    "target_queue": ("målkö", "target queue"),
    "relief_capacity": ("avlastningskapacitet", "relief capacity"),
    "special_cause": ("särskild orsak", "special cause"),
    "common_cause": ("slumpmässig variation", "common-cause variation"),
    "run_chart": ("seriediagram", "run chart"),
    "spc_chart": ("styrdiagram", "SPC chart"),
    "care_guarantee": ("vårdgaranti", "care guarantee"),
}


def test_the_committed_page_is_what_the_catalogue_gives() -> None:
    assert PAGE.read_text("utf-8") == glossary.render_markdown(), (
        "docs/glossary.md is stale: run python -m toolkit.glossary --out docs/glossary.md"
    )


def test_the_command_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "glossary.md"
    assert glossary.main(["--out", str(out)]) == 0
    assert out.read_text("utf-8") == glossary.render_markdown()
    assert glossary.main([]) == 0
    assert capsys.readouterr().out == glossary.render_markdown()


@pytest.mark.parametrize("key", sorted(CORE))
def test_every_core_concept_has_one_word_per_language(key: str) -> None:
    item = glossary.term(key)
    assert (item.sv, item.en) == CORE[key]
    assert t(f"{glossary.PREFIX}{key}", "sv") == item.sv
    assert item.definition_sv.strip() and item.definition_en.strip()
    assert f"### {item.sv} / {item.en}" in glossary.render_markdown()


def test_no_word_is_both_a_term_and_ruled_out() -> None:
    every = glossary.terms()
    for lang in ("sv", "en"):
        used = {item.word(lang).casefold() for item in every}
        ruled_out = {w.casefold() for item in every for w in item.not_this(lang)}
        assert used & ruled_out == set(), lang
    keys = [item.key for item in every]
    assert len(keys) == len(set(keys))
    assert len({item.sv for item in every}) == len(every), "two concepts share a Swedish word"
    assert len({item.en for item in every}) == len(every), "two concepts share an English word"


def test_the_page_lists_the_words_ruled_out() -> None:
    page = glossary.render_markdown()
    assert "*Inte:* beläggning, nyttjandegrad, kapacitetsutnyttjande." in page
    assert "*Not:* utilisation, utilization, occupancy." in page


def test_an_unknown_term_names_the_glossary() -> None:
    with pytest.raises(KeyError, match=r"docs/glossary\.md"):
        glossary.term("utilisation")


# --------------------------------------------------------------------------- the sex column


def test_the_sex_column_is_juridiskt_kon_and_kon_still_loads(tmp_path: Path) -> None:
    """juridiskt_kön is the Swedish name (not to be mistaken for kön, the queue); kön still loads."""
    for header in ("juridiskt_kön", "kön"):
        folder = tmp_path / header
        folder.mkdir()
        (folder / "remisser.csv").write_text(
            f"remiss_id;inkommen;{header}\nR1;2024-01-08;flicka\nR2;2024-01-09;pojke\n",
            encoding="utf-8",
        )
        unit = load_unit(folder, extract_date="2024-12-31", lang="sv")
        assert unit.referrals["sex"].tolist() == ["female", "male"], header
    template = (ROOT / "templates" / "csv_sv" / "remisser.csv").read_text("utf-8-sig")
    assert "juridiskt_kön" in template.splitlines()[0].split(";")
