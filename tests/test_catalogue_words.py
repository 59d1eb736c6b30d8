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
