"""The PKS self-assessment points to the tools (in a real browser).

A question scored low (1 on the 1–5 scale, below the threshold 3 of
``toolkit.pks_links``) shows, under it, the parts of the toolkit that support
its PKS element (``toolkit.pks_links.PKS_TOOLS``: for capacity need the
Produktionsplan workbook, linked beside the page); a question scored high (5)
shows none; the results list the low element; the English switch gives the
English texts. Voilà and Chromium come from the fixtures in conftest.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from toolkit.i18n import t

pytestmark = pytest.mark.slow

TIMEOUT_MS = 30_000


def _answer(book: Any, question: str, label: str) -> None:
    from playwright.sync_api import expect

    button = book.page.locator(f".tk-q-{question} button", has_text=re.compile(f"^{label}$"))
    button.click()
    expect(button).to_have_class(re.compile("mod-active"), timeout=TIMEOUT_MS)


def test_low_score_shows_the_links_and_high_score_does_not(
    open_workbook: Any, save_dir: Path
) -> None:
    from playwright.sync_api import expect

    book = open_workbook("pks_sjalvskattning", ".tk-answer")
    page = book.page
    field = page.locator(".tk-session-unit input")
    field.fill("BUP Länkar")
    field.press("Enter")
    book.expect_contains(".tk-session-note", "BUP Länkar")
    # The page resumes the most recently edited session of this test session's
    # save folder, with its respondent (another test may have left "Taktisk
    # nivå"); the new session keeps it, so pick the strategic level here.
    who = page.locator(".tk-respondent button", has_text="Strategisk nivå")
    who.click()
    expect(who).to_have_class(re.compile("mod-active"), timeout=TIMEOUT_MS)
    # strategic level: 1 on "need_inflow" (capacity need), 5 on "capacity_hours"
    _answer(book, "need_inflow", "1")
    _answer(book, "capacity_hours", "5")
    low = page.locator(".tk-links-need_inflow")
    expect(low).to_contain_text(t("pks_links.forecast_workbook", "sv"), timeout=TIMEOUT_MS)
    expect(low).to_contain_text("Strategisk nivå", timeout=TIMEOUT_MS)
    link = low.locator("a.tk-pks-link").first
    assert link.get_attribute("href") == "produktionsplan.ipynb"
    expect(low).to_contain_text("docs/forecast.md", timeout=TIMEOUT_MS)
    high = page.locator(".tk-links-capacity_hours")
    expect(high).to_have_text("", timeout=TIMEOUT_MS)
    assert high.locator("a").count() == 0
    assert page.locator(".tk-links-need_hours a").count() == 0  # not answered: no links
    # the results: the low element and its tools; the high one is not listed
    results = page.locator(".tk-pks-element-links")
    expect(results.locator(".tk-pks-element-capacity_need")).to_contain_text(
        t("pks_links.forecast_doc", "sv"),
        timeout=TIMEOUT_MS,
    )
    assert results.locator(".tk-pks-element-available_capacity").count() == 0
    # raised to 4: the links go
    _answer(book, "need_inflow", "4")
    expect(low).to_have_text("", timeout=TIMEOUT_MS)
    _answer(book, "need_inflow", "2")
    expect(low).to_contain_text(t("pks_links.forecast_workbook", "sv"), timeout=TIMEOUT_MS)

    # English
    page.locator(".tk-lang button", has_text="English").click()
    expect(low).to_contain_text(t("pks_links.forecast_workbook", "en"), timeout=TIMEOUT_MS)
    expect(low).to_contain_text("Strategic", timeout=TIMEOUT_MS)
    expect(high).to_have_text("", timeout=TIMEOUT_MS)
    book.assert_clean()
