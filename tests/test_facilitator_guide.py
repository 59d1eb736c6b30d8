"""The facilitator guide (docs/facilitator_guide_sv.md and _en.md) against the repository.

Checks that every notebook and template the guides name exists, that the two
languages carry the same session plans with the same notebooks and agenda
lengths, and that every agenda adds up: the minutes of its blocks sum to its
total row and to the total in its heading, and each block starts where the
blocks before it end.

Conventions the guides follow (and these tests rely on):

- a session plan is a level-2 heading ``## Pass N – ...`` (sv) or
  ``## Session N – ...`` (en);
- an agenda is a Markdown table whose header starts ``| Start | Min |``; its
  rows give the start (h:mm from the session's start) and the minutes of a
  block; its last row has an empty start and the total minutes in bold;
- the nearest heading above an agenda states its length as ``(N min)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDES = {
    "sv": ROOT / "docs" / "facilitator_guide_sv.md",
    "en": ROOT / "docs" / "facilitator_guide_en.md",
}
SESSION_HEADING = {
    "sv": re.compile(r"^## Pass (\d+) – "),
    "en": re.compile(r"^## Session (\d+) – "),
}

#: A notebook named in the text: a path or a bare file name, not part of a URL-encoded path.
NOTEBOOK = re.compile(r"(?<![\w/.%-])((?:[\w.-]+/)*[\w.-]+\.ipynb)\b")
#: A template path named in the text.
TEMPLATE = re.compile(r"(?<![\w/.%-])(templates/[\w./-]*[\w])")
AGENDA_HEADER = re.compile(r"^\|\s*Start\s*\|\s*Min\s*\|")
HEADING_TOTAL = re.compile(r"\((\d+) min\)")


@dataclass(frozen=True)
class Agenda:
    heading: str
    line: int
    starts: tuple[str, ...]
    minutes: tuple[int, ...]
    total: int


def _text(lang: str) -> str:
    return GUIDES[lang].read_text(encoding="utf-8")


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def sessions(lang: str) -> list[tuple[str, str]]:
    """(heading, body) of each session plan, in order; a plan runs to the next ``## ``."""
    out: list[tuple[str, list[str]]] = []
    current: tuple[str, list[str]] | None = None
    for line in _text(lang).splitlines():
        if line.startswith("## "):
            current = (line, []) if SESSION_HEADING[lang].match(line) else None
            if current is not None:
                out.append(current)
        elif current is not None:
            current[1].append(line)
    return [(heading, "\n".join(body)) for heading, body in out]


def agendas(text: str) -> list[Agenda]:
    """Every agenda table of ``text`` with the heading above it."""
    lines = text.splitlines()
    found: list[Agenda] = []
    heading = ""
    i = 0
    while i < len(lines):
        if lines[i].startswith("#"):
            heading = lines[i]
        if not AGENDA_HEADER.match(lines[i]):
            i += 1
            continue
        start_line = i + 1
        i += 2  # header and separator
        rows: list[list[str]] = []
        while i < len(lines) and lines[i].startswith("|"):
            rows.append(_cells(lines[i]))
            i += 1
        *blocks, total_row = rows
        assert total_row[0] == "", f"line {start_line}: the last row of an agenda is its total"
        found.append(
            Agenda(
                heading=heading,
                line=start_line,
                starts=tuple(row[0] for row in blocks),
                minutes=tuple(int(row[1]) for row in blocks),
                total=int(total_row[1].strip("*")),
            )
        )
    return found


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return 60 * int(hours) + int(minutes)


def notebook_names(text: str) -> set[str]:
    return set(NOTEBOOK.findall(text))


# --------------------------------------------------------------------------- functional


@pytest.mark.parametrize("lang", sorted(GUIDES))
def test_named_notebooks_exist(lang: str) -> None:
    """A path names an existing notebook; a bare name is exactly one notebook under notebooks/."""
    names = notebook_names(_text(lang))
    assert names, "the guide names no notebook"
    for name in sorted(names):
        if "/" in name:
            assert (ROOT / name).is_file(), f"{GUIDES[lang].name}: {name} does not exist"
        else:
            matches = list((ROOT / "notebooks").rglob(name))
            assert len(matches) == 1, f"{GUIDES[lang].name}: {name} matches {matches}"


@pytest.mark.parametrize("lang", sorted(GUIDES))
def test_named_templates_exist(lang: str) -> None:
    for path in sorted(set(TEMPLATE.findall(_text(lang)))):
        assert (ROOT / path).exists(), f"{GUIDES[lang].name}: {path} does not exist"


def test_same_sessions_and_notebooks_in_both_languages() -> None:
    sv, en = sessions("sv"), sessions("en")
    assert len(sv) == 3, [heading for heading, _ in sv]
    assert len(sv) == len(en)
    for (sv_heading, sv_body), (en_heading, en_body) in zip(sv, en, strict=True):
        assert notebook_names(sv_body) == notebook_names(en_body), (sv_heading, en_heading)
        sv_lengths = [a.total for a in agendas(sv_body)]
        en_lengths = [a.total for a in agendas(en_body)]
        assert sv_lengths == en_lengths, (sv_heading, en_heading)
    assert notebook_names(_text("sv")) == notebook_names(_text("en"))


def test_every_session_has_an_agenda() -> None:
    """Session 1 and 2 have one agenda each, session 3 one per meeting (four)."""
    for lang in GUIDES:
        counts = [len(agendas(body)) for _heading, body in sessions(lang)]
        assert counts == [1, 1, 4], (lang, counts)


@pytest.mark.parametrize("lang", sorted(GUIDES))
def test_agenda_minutes_add_up(lang: str) -> None:
    found = agendas(_text(lang))
    assert len(found) == 6
    for agenda in found:
        where = f"{GUIDES[lang].name} line {agenda.line} ({agenda.heading})"
        assert sum(agenda.minutes) == agenda.total, where
        stated = HEADING_TOTAL.search(agenda.heading)
        assert stated is not None, f"{where}: the heading states no (N min)"
        assert int(stated.group(1)) == agenda.total, where
        elapsed = [0]
        for block in agenda.minutes[:-1]:
            elapsed.append(elapsed[-1] + block)
        assert [_minutes(s) for s in agenda.starts] == elapsed, where


def test_session_lengths_match_the_plan() -> None:
    """Two hours, a half day (3.5 h with the break) and four meetings of 2-3 hours."""
    for lang in GUIDES:
        totals = [[a.total for a in agendas(body)] for _heading, body in sessions(lang)]
        assert totals[0] == [120]
        assert totals[1] == [210]
        assert len(totals[2]) == 4 and all(120 <= t <= 180 for t in totals[2])


# --------------------------------------------------------------------------- the checker itself


def test_agenda_parser_finds_a_wrong_sum() -> None:
    text = (
        "### Agenda (30 min)\n\n| Start | Min | Block | X |\n|---|---|---|---|\n"
        "| 0:00 | 10 | a | – |\n| 0:10 | 15 | b | – |\n| | **30** | **Total** | |\n"
    )
    (agenda,) = agendas(text)
    assert agenda.minutes == (10, 15)
    assert agenda.total == 30
    assert sum(agenda.minutes) != agenda.total


def test_notebook_pattern_skips_url_encoded_paths() -> None:
    text = "`styrdiagram.ipynb`, notebooks/lessons/02_vantelistor.ipynb, ?urlpath=voila%2Fx.ipynb"
    assert notebook_names(text) == {"styrdiagram.ipynb", "notebooks/lessons/02_vantelistor.ipynb"}
