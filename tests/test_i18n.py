"""Every text exists in Swedish and English, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from toolkit.i18n import LANGUAGES, catalogue, check_language, t

PACKAGE = Path(__file__).resolve().parents[1] / "toolkit"


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_has_both_languages_with_the_same_fields():
    for key, texts in catalogue().items():
        assert set(texts) >= set(LANGUAGES), f"{key} lacks a language"
        for lang in LANGUAGES:
            assert isinstance(texts[lang], str) and texts[lang].strip(), f"{key}/{lang} empty"
        assert _fields(texts["sv"]) == _fields(texts["en"]), f"{key}: fields differ"


def test_every_literal_key_in_the_code_exists():
    # Keys passed to t(), DataError() or ParameterError() as literals, e.g. "io.empty_file".
    known = catalogue()
    prefixes = {key.split(".")[0] for key in known}
    alternatives = "|".join(sorted(prefixes))
    pattern = re.compile(rf"[\"']((?:{alternatives})\.[a-z0-9_.]+)[\"']")
    missing = []
    for path in PACKAGE.rglob("*.py"):
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            if key not in known and not key.endswith((".", "_")):  # prefixes completed at run time
                missing.append(f"{path.name}: {key}")
    assert not missing, missing


def test_unknown_language_is_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="lang: 'de'"):
        check_language("de")
    assert t("common.row", "en", row=3) == "row 3"
    assert t("common.row", "sv", row=3) == "rad 3"
