"""Share mode on a counts-only unit with fewer weeks than the measuring window.

Three weeks of counts, when demand, capacity and the queue need at least
four (``toolkit.unit_now``): the report says so in both modes. In share mode
the waits table's "completed" of a stage the window does not cover is empty
(NaN) and must stay empty; rounding it cast NaN to an integer (numpy's
"invalid value encountered in cast", an error under this suite's
``filterwarnings = error``) before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.report import unit_report

ROWS = [
    ("2024-01-01", "första bedömning", 20, 18, 1, 40),
    ("2024-01-01", "fördjupad", 10, 8, 0, 25),
    ("2024-01-08", "första bedömning", 22, 19, 2, 41),
    ("2024-01-08", "fördjupad", 11, 9, 1, 26),
    ("2024-01-15", "första bedömning", 19, 20, 0, 40),
    ("2024-01-15", "fördjupad", 9, 10, 0, 25),
]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_three_weeks_in_share_mode_say_what_is_missing(tmp_path: Path, lang: str) -> None:
    lines = ["period;steg;inkomna;genomförda;avförda;väntande"]
    lines += [";".join(str(v) for v in r) for r in ROWS]
    (tmp_path / "periodantal.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    texts = {}
    for share in (False, True):
        report = unit_report(tmp_path, lang=lang, share=share, extract_date="2024-01-21")
        waits = next(s for s in report.sections if s.key == "waits")
        texts[share] = [str(b.content) for b in waits.blocks]
    # the same words in both modes: 3 whole weeks, at least 4 needed (the catalogue's text)
    short = {"sv": "har 3 hela veckor; minst 4 behövs", "en": "has 3 whole weeks; at least 4"}
    assert any(short[lang] in x for x in texts[True])
    assert texts[True] == texts[False]
