"""Never stale, never frozen: in Chromium, a unit that cannot be used and refused settings.

A unit with counts only (``endast_antal``) in *Behov och kapacitet*: the page
shows the message and hides the figures and the chart (no numbers of the
previous unit under the new name); picking a usable unit shows them again.
The same rule twice in *Prioriteringsregler*: the page says so, compares it
once, and still follows a change of unit. Group + digital visits: the two
number boxes cap each other at 100 % and say so.
"""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest

from tests.conftest import AUTH

pytestmark = pytest.mark.slow
TIMEOUT_MS = 60_000


def _name(unit_id: str) -> str:
    """The name a sample unit has in the unit picker."""
    from toolkit.widgets.base import sample_units

    return str(next(e.name for e in sample_units() if e.id == unit_id))


def _warm(url: str) -> None:
    """Fetch the page once with no time limit: a cold server starts its kernels now."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=AUTH), timeout=900):
        pass


def test_unusable_unit_hides_the_numbers(open_workbook: Any, voila_url: str) -> None:
    from playwright.sync_api import expect

    _warm(f"{voila_url}voila/render/behov_och_kapacitet.ipynb")
    book = open_workbook("behov_och_kapacitet", ".tk-capacity-first")
    page = book.page
    book.select("tk-unit", _name("endast_antal"))
    expect(page.locator(".tk-error").first).to_contain_text("bara antal", timeout=TIMEOUT_MS)
    expect(page.locator(".tk-demand-figures").first).to_be_hidden(timeout=TIMEOUT_MS)
    expect(page.locator(".tk-main-chart").first).to_be_hidden(timeout=TIMEOUT_MS)
    book.select("tk-unit", _name("balans"))
    expect(page.locator(".tk-error")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.locator(".tk-demand-figures").first).to_be_visible(timeout=TIMEOUT_MS)
    # group and digital visits cap each other
    group = page.locator(".tk-number-control").filter(has=page.locator(".tk-group"))
    digital = page.locator(".tk-number-control").filter(has=page.locator(".tk-digital"))
    for control in (group, digital):
        box = control.locator(".tk-number input")
        box.fill("60 %")
        box.press("Enter")
    expect(digital.locator(".tk-number input")).to_have_value("40\u00a0%", timeout=TIMEOUT_MS)
    expect(digital.locator(".tk-number-note")).to_contain_text("utanför")
    expect(page.locator(".tk-error")).to_have_count(0)
    book.assert_clean()


def test_same_rule_twice_leaves_the_page_usable(open_workbook: Any) -> None:
    from playwright.sync_api import expect

    book = open_workbook("prioriteringsregler", ".tk-main-chart svg.marks")
    page = book.page
    page.locator(".tk-rule-b select").select_option(label="Först till kvarn")
    expect(page.locator(".tk-rule-warning")).to_contain_text("två gånger", timeout=TIMEOUT_MS)
    expect(page.locator(".tk-error")).to_have_count(0)
    unit_text = page.locator(".tk-unit-text").first.inner_text()
    book.select("tk-unit", _name("vaxande_behov"))
    expect(page.locator(".tk-unit-text").first).not_to_have_text(unit_text, timeout=TIMEOUT_MS)
    expect(page.locator(".tk-main-chart svg.marks").first).to_be_visible(timeout=TIMEOUT_MS)
    page.locator(".tk-rule-b select").select_option(label="Behov först")
    expect(page.locator(".tk-rule-warning")).to_have_text("", timeout=TIMEOUT_MS)
    book.assert_clean()
