"""The repository stands alone: no file refers to notes kept outside it.

Design notes that are not in the repository cannot be read by the next
engineer or a user; what they need is in ``docs/`` (``docs/domain.md``,
``docs/architecture.md``). The names below are those of such outside notes.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The outside notes' names, assembled so that this file does not name them itself.
_STEMS = ("DOMAIN", "ARCHITECTURE", "HOUSE_STYLE", "TECH_NOTES", "DEVELOPERS")
OUTSIDE = (*(f"{stem}.md" for stem in _STEMS), "../" + "shared")


SKIP = {
    ".git",
    ".venv",
    ".cache",
    "output",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
}


def _files() -> list[Path]:
    """Every file of the source tree (not the virtual environment, outputs or caches)."""
    return [
        p
        for p in ROOT.rglob("*")
        if p.is_file() and not SKIP.intersection(p.relative_to(ROOT).parts)
    ]


def test_no_file_refers_to_notes_outside_the_repository() -> None:
    here = Path(__file__).name
    found = []
    for path in _files():
        if path.name == here or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        found += [f"{path.relative_to(ROOT)}: {name}" for name in OUTSIDE if name in text]
    assert not found, found
