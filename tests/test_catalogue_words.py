"""No internal names in what users read: every catalogue text is scanned for identifiers.

Every text of ``toolkit/data/text/*.yaml`` (both languages, with its ``{field}``
placeholders removed) is searched for programmer's names: ``snake_case``
tokens, wildcards such as ``queue_*`` and ids in square brackets. A name is
allowed only when users meet it as such: a table, sheet or column name of the
data templates (the data dictionary, ``toolkit/data/schema.yaml``, both
languages and aliases), or one of :data:`ALLOWED` with the reason written
beside it. Anything else is a message that should say it in words.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEXTS = sorted((ROOT / "toolkit" / "data" / "text").glob("*.yaml"))

IDENTIFIER = re.compile(r"(?<![\w/.\-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w])")
WILDCARD = re.compile(r"\b\w+_\*")
BRACKETED_ID = re.compile(r"\[[a-z][a-z0-9]*_[a-z0-9_]+\]")

#: Names users meet as such, with the reason.
ALLOWED = {
    # arguments of the Python functions, named in the messages those functions raise
    # (the caller typed them; the workbooks never pass a bad one)
    "target_wait_weeks",
    "target_wait_days",
    "steps_per_week",
    "change_week",
    "first_capacity_after_change_per_week",
    "deep_capacity_after_change_per_week",
    # keys of files users edit: settings (pseudonymise_key), target profiles
    # (toolkit/data/profiles/*.yaml) and the PDSA log's format version
    "pseudonymise_key",
    "first_assessment",
    "deep_start",
    "target_days",
    "share_within",
    "format_version",
    "bup_30_30",
    # the SPC measure codes the PDSA log's column takes (documented with the column)
    "waiting_first",
    # folders and files of the repository named in instructions
    "sample_data",
    "csv_sv",
    "csv_en",
    # the questionnaire version in the self-assessment files, a question's column
    "pks_v1",
    "question_id",
    # the variable a lesson asks the learner to fill in
    "answer_1",
    # the peer tool's function the waiting-list figures are compared with
    "wl_stats",
    # report parameters a user sets in a papermill run
    "extract_date",
    "period_start",
    # the names of the reading limits, typed in the setting BUP_TOOLKIT_LIMITS (README)
    "file_mb",
    "workbook_mb",
    "field_chars",
    "line_kb",
    # the loader's Python call, named for analysts who raise a limit for one load
    "load_unit",
    # the English file name of the production plan's Excel download
    "production_plan",
    # the lessons' parameter a learner sets to their unit's export (docs/teaching_kit.md)
    "unit_path",
    "change_date",
    # values typed after the reports command's --who-by and --measure (its --help, README)
    "age_band",
    "waiting_deep",
    "share_first",
}


def _schema_names() -> set[str]:
    """Table, sheet and column names of the data templates, in both languages."""
    schema = yaml.safe_load((ROOT / "toolkit" / "data" / "schema.yaml").read_text("utf-8"))
    names: set[str] = set()

    def add(entry: dict[str, Any], key: str) -> None:
        names.add(key)
        names.update(str(a) for a in [entry.get("sv"), *(entry.get("aliases") or [])] if a)

    for table_key, table in (schema.get("tables") or schema).items():
        if not isinstance(table, dict):
            continue
        add(table, table_key)
        for column_key, column in (table.get("columns") or {}).items():
            if isinstance(column, dict):
                add(column, column_key)
    return names


def _texts() -> list[tuple[str, str, str, str]]:
    out = []
    for path in TEXTS:
        for key, entry in (yaml.safe_load(path.read_text("utf-8")) or {}).items():
            for lang, text in (entry or {}).items():
                if isinstance(text, str):
                    out.append((path.name, key, lang, re.sub(r"\{[^{}]*\}", "", text)))
    return out


def test_no_internal_names_in_catalogue_texts() -> None:
    allowed = ALLOWED | _schema_names()
    found = []
    for name, key, lang, text in _texts():
        for token in IDENTIFIER.findall(text):
            if token not in allowed:
                found.append(f"{name} {key} [{lang}]: {token}")
        found += [f"{name} {key} [{lang}]: {m}" for m in WILDCARD.findall(text)]
        found += [f"{name} {key} [{lang}]: {m}" for m in BRACKETED_ID.findall(text)]
    assert found == [], "internal names in texts users read:\n" + "\n".join(found)


def test_the_scan_finds_what_it_should() -> None:
    assert IDENTIFIER.findall("share_group + share_digital: 1,2") == [
        "share_group",
        "share_digital",
    ]
    assert WILDCARD.findall("se kolumnerna queue_*") == ["queue_*"]
    assert BRACKETED_ID.findall("cykel [cycle_id]") == ["[cycle_id]"]
    assert IDENTIFIER.findall("remisser.csv, docs/waitlist_differences.md, 2024-01-01") == []


# --------------------------------------------------------------------------- one word per concept

#: Every text users read, beyond the catalogue: pages, guides, notebooks, questionnaires,
#: target profiles, defaults and the sample units' descriptions.
PAGES = sorted(
    [
        *(ROOT / "docs").glob("*.md"),
        ROOT / "README.md",
        *(ROOT / "notebooks").rglob("*.md"),
        *(ROOT / "sample_data").glob("*.md"),
        ROOT / "sample_data" / "units.yaml",
        *(ROOT / "toolkit" / "data" / "selfassess").glob("*.yaml"),
        *(ROOT / "toolkit" / "data" / "profiles").glob("*.yaml"),
        ROOT / "toolkit" / "data" / "capacity_defaults.yaml",
    ]
)
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))

#: Files that may use a "not this" word, with the reason.
NOT_THIS_ALLOWED = {
    # the glossary names the words not to use, and says why
    "toolkit/data/text/glossary.yaml",
    # generated from the glossary (tests/test_glossary.py checks it is current)
    "docs/glossary.md",
}


def _not_this() -> dict[str, str]:
    """Each word not to use, lower case, with the glossary term to use instead."""
    from toolkit.glossary import terms

    words = {}
    for item in terms():
        for lang in ("sv", "en"):
            for word in item.not_this(lang):
                words[word.casefold()] = item.word(lang)
    return words


def _find_not_this(text: str, words: dict[str, str]) -> list[str]:
    """``word → term`` for every "not this" word in ``text`` (whole word start, any case)."""
    folded = text.casefold()
    return [
        f"'{word}' (use '{use}')"
        for word, use in words.items()
        if re.search(r"(?<!\w)" + re.escape(word), folded)
    ]


def _readable_texts() -> list[tuple[str, str]]:
    """(where, text) of every catalogue text, page and notebook cell users read."""
    out = [
        (f"toolkit/data/text/{name} {key} [{lang}]", text)
        for name, key, lang, text in _texts()
        if f"toolkit/data/text/{name}" not in NOT_THIS_ALLOWED
    ]
    for path in PAGES:
        where = path.relative_to(ROOT).as_posix()
        if where not in NOT_THIS_ALLOWED:
            out.append((where, path.read_text("utf-8")))
    for path in NOTEBOOKS:
        import nbformat

        book = nbformat.read(path, as_version=4)
        for i, cell in enumerate(book.cells):
            out.append((f"{path.relative_to(ROOT).as_posix()} cell {i}", cell.source))
    return out


def test_no_page_uses_a_word_the_glossary_rules_out() -> None:
    words = _not_this()
    assert words, "the glossary lists no words to avoid"
    found = [
        f"{where}: {hit}"
        for where, text in _readable_texts()
        for hit in _find_not_this(text, words)
    ]
    assert found == [], "words the glossary rules out (docs/glossary.md):\n" + "\n".join(found)


def test_the_not_this_scan_finds_what_it_should() -> None:
    words = _not_this()
    assert _find_not_this("Median väntetid (dagar)", words) == [
        "'median väntetid' (use 'medianväntetid')"
    ]
    assert _find_not_this("KvIPS-självvärderingen", words) == [
        "'självvärdering' (use 'självutvärdering')"
    ]
    assert _find_not_this("Wait against Utilisation", words) == ["'utilisation' (use 'load')"]
    assert _find_not_this("KvIPS-självutvärdering, medianväntetid, belastning", words) == []
    # every kind of page is read
    wheres = {where.split(" ")[0] for where, _ in _readable_texts()}
    assert {"docs/facilitator_guide_sv.md", "docs/facilitator_guide_en.md", "README.md"} <= wheres
    assert "notebooks/lessons/01_flode_och_littles_lag.ipynb" in wheres
    assert "notebooks/workbooks/styrdiagram.ipynb" in wheres
    assert "toolkit/data/text/lessons_l5.yaml" in wheres
    assert "docs/glossary.md" not in wheres
