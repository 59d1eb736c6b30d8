"""No internal names, English decimal points or "1 punkter" in any message the code can raise.

``tests/test_catalogue_words.py`` scans every catalogue text. This file scans
what the code puts into messages: every call that builds an error
(``DataError``, ``ParameterError``, ``ValueError``, ...) or a text (``t``,
``_t``) in ``toolkit/``, read from the source with :mod:`ast`:

* a text given to such a call (a literal or the literal parts of an
  f-string, e.g. ``argument="share_group + share_digital"``) holds no
  programmer's name, unless users meet it as such: a table or column of the
  data templates, a name of :data:`ALLOWED` there, a parameter of the
  function raising it (an analyst who called the function typed it), a
  field of one of the toolkit's dataclasses (the same, for ``Scenario`` and
  friends), or one of :data:`MESSAGE_ALLOWED` with its reason;
* no number is formatted with decimals before it goes into a message
  (``f"{x:.1f}"`` writes ``1.5`` in a Swedish text): numbers go in as
  numbers and the catalogue's format writes them in the user's language;
* a count field followed by a plural noun uses the plural form
  ``{count:plural:punkt:punkter}``, so a count of one reads "1 punkt".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from tests.test_catalogue_words import ALLOWED, IDENTIFIER, TEXTS, _schema_names
from toolkit import _checks as checks

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "toolkit").rglob("*.py"))

#: Calls whose text arguments reach a user as a message.
MESSAGE_CALLS = {
    "DataError",
    "ParameterError",
    "_WordedDataError",
    "_PlaceError",
    "fail",
    "limit_error",
    "_range_error",
    "ValueError",
    "RuntimeError",
    "KeyError",
    "TypeError",
    "AttributeError",
}
#: The checkers of ``toolkit._checks`` (called as ``checks.NAME``): the first argument is the
#: argument's name in the message, the keywords its range and type.
CHECKERS = set(checks.__all__) - {"Allowed"}
MESSAGE_CALLS |= CHECKERS
#: Calls that fill a catalogue text.
TEXT_CALLS = {"t", "_t", *MESSAGE_CALLS}

#: Names in messages that users meet as such, with the reason.
MESSAGE_ALLOWED = {
    # the manifest's key for a unit's PDSA log, which users write in units.yaml
    "pdsa_log",
    # the PDSA log's column code for a cycle's id, the header of the file the workbook saves
    "cycle_id",
    # columns of toolkit.capacity's own output tables, named for the analyst who passes one
    "capacity_table",
    "effective_hours_per_week",
    "clinical_hours_per_week",
    "capacity_hours_per_week",
    # the cycle file's key (toolkit/data/kvips_cycle.yaml), which a coach replaces with the year's
    "focus_areas",
    # simulate()'s parameter, checked in a helper of the engine whose own argument has another name
    "wait_histogram_after_weeks",
    # the capacity functions' parameter, checked in a helper whose own argument has another name
    "non_clinical_share",
}

#: Count fields of the catalogue and the plural nouns that must not follow them bare.
COUNT_FIELDS = ("count", "n", "total", "kept", "replaced", "failed", "found", "minimum")
PLURAL_NOUNS = [
    "enheter",
    "personalrader",
    "perioder",
    "veckor",
    "celler",
    "rader",
    "kolumner",
    "cykler",
    "tider",
    "värden",
    "punkter",
    "filer",
    "units",
    "visits",
    "periods",
    "weeks",
    "cells",
    "rows",
    "columns",
    "sheets",
    "characters",
    "cycles",
    "slots",
    "answers",
    "values",
    "denominators",
    "points",
    "files",
]


def _calls(tree: ast.AST) -> Iterator[tuple[ast.Call, frozenset[str]]]:
    """Every call with the parameter names of the functions around it."""

    def visit(node: ast.AST, scope: frozenset[str]) -> Iterator[tuple[ast.Call, frozenset[str]]]:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            a = node.args
            scope = scope | {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]}
        if isinstance(node, ast.Call):
            yield node, scope
        for child in ast.iter_child_nodes(node):
            yield from visit(child, scope)

    yield from visit(tree, frozenset())


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in CHECKERS:
        checker = isinstance(func.value, ast.Name) and func.value.id == "checks"
        return func.attr if checker else None
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def _dataclass_fields() -> set[str]:
    fields: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef):
                fields |= {
                    s.target.id
                    for s in node.body
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                }
    return fields


def test_no_internal_names_in_raised_messages() -> None:
    allowed = ALLOWED | MESSAGE_ALLOWED | _schema_names() | _dataclass_fields()
    found = []
    for path in SOURCES:
        for call, scope in _calls(ast.parse(path.read_text("utf-8"))):
            name = _name(call)
            if name not in MESSAGE_CALLS:
                continue
            keyed = name in ("DataError", "ParameterError") and call.args
            args = call.args[1:] if keyed else call.args  # the first is a catalogue key
            for arg in [*args, *(k.value for k in call.keywords)]:
                text = _literal(arg)
                for token in IDENTIFIER.findall(text or ""):
                    if token not in allowed and token not in scope:
                        where = f"{path.relative_to(ROOT)}:{call.lineno}"
                        found.append(f"{where} {name}: {token}")
    assert found == [], "internal names in messages:\n" + "\n".join(found)


def test_no_decimals_formatted_before_they_reach_a_message() -> None:
    found = []
    for path in SOURCES:
        for call, _scope in _calls(ast.parse(path.read_text("utf-8"))):
            if _name(call) not in TEXT_CALLS:
                continue
            for keyword in call.keywords:
                for node in ast.walk(keyword.value):
                    if not isinstance(node, ast.FormattedValue) or node.format_spec is None:
                        continue
                    spec = _literal(node.format_spec) or ""
                    # a decimal point is written: a precision above 0 with f or %, or g
                    if re.search(r"\.[1-9]\d*[f%]|g$", spec):
                        found.append(f"{path.relative_to(ROOT)}:{call.lineno} {keyword.arg}")
    assert found == [], "numbers formatted before the language's formatter:\n" + "\n".join(found)


def test_counts_agree_with_their_noun() -> None:
    bare = re.compile(
        r"\{(" + "|".join(COUNT_FIELDS) + r")\}\s+(" + "|".join(PLURAL_NOUNS) + r")\b"
    )
    found = []
    for path in TEXTS:
        if path.name.startswith("lessons"):  # lessons count weeks and points by the dozen
            continue
        for key, entry in (yaml.safe_load(path.read_text("utf-8")) or {}).items():
            for lang, text in (entry or {}).items():
                if isinstance(text, str):
                    found += [
                        f"{path.name} {key} [{lang}]: {m[0]} {m[1]}" for m in bare.findall(text)
                    ]
    assert found == [], "a count of 1 would read '1 punkter':\n" + "\n".join(found)


def test_one_and_many_read_right() -> None:
    from toolkit.i18n import t

    assert t("spc.too_few_points", "sv", argument="x", count=1, minimum=2).count("1 punkt ") == 1
    assert "1 cell ser ut" in t("privacy.identity_numbers_found", "sv", n=1, rows="2")
    assert "1 cell looks like" in t("privacy.identity_numbers_found", "en", n=1, rows="2")
    assert "3 cells look like" in t("privacy.identity_numbers_found", "en", n=3, rows="2")
