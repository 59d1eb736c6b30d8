"""Every workbook fits the projector: from 1 024 px wide to 150 % zoom at 1 280 px.

Each workbook is opened in Chromium at two sizes: a 1 024 px wide window and
a 1 280 px wide window at 150 % zoom (a device scale factor of 1.5, so 853 px
of page: what the facilitator guide recommends for a projector). In the page,
``tests/js/layout_check.js`` takes every chart (``svg.marks``), slider track,
slider value, label, dropdown, button, input and text, and the test asserts
that none lies outside the window's width and that no two overlap (an element
inside another is not counted as overlapping it). The window is tall (4 000
px), so the whole page is laid out and on the screenshot, kept under
``screenshots/layout/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AUTH, SHOTS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CHECK = (Path(__file__).parent / "js" / "layout_check.js").read_text(encoding="utf-8")

#: Each workbook and the element that shows once its figures are drawn.
WORKBOOKS = {
    "behov_och_kapacitet": ".tk-capacity-first",
    "prioriteringsregler": ".tk-main-chart svg.marks",
    "varfor_vaxer_koer": ".tk-utilisation",
    "styrdiagram": ".tk-spc-figures .tk-points",
    "vart_tar_tiden_vagen": ".tk-clinical-before",
    "pdsa_logg": ".tk-pdsa-new",
    "pks_sjalvskattning": ".tk-answer",
    "kvips_sjalvvardering": ".tk-answer",
    "kvips_arshjul": ".tk-kvips-plan table",
    "produktionsplan": ".tk-first_assessment-needed",
    "vem_vantar": ".tk-who-table table",
}
#: (name, CSS width of the page, device scale factor): a 1 024 px window, and 1 280 px at 150 %.
SIZES = [("1024px", 1024, 1.0), ("1280px_150pct", 853, 1.5)]


def test_every_workbook_is_listed() -> None:
    on_disk = {p.stem for p in (ROOT / "notebooks" / "workbooks").glob("*.ipynb")}
    assert on_disk == set(WORKBOOKS)


@pytest.mark.parametrize("size", SIZES, ids=[s[0] for s in SIZES])
@pytest.mark.parametrize("name", sorted(WORKBOOKS))
def test_workbook_fits_the_window(
    chromium_browser: Any, voila_url: str, name: str, size: tuple[str, int, float]
) -> None:
    label, width, scale = size
    context = chromium_browser.new_context(
        viewport={"width": width, "height": 4000},
        device_scale_factor=scale,
        extra_http_headers=AUTH,
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # a cold server starts its kernels at the first request: no 30 s limit on that
        page.goto(f"{voila_url}voila/render/{name}.ipynb", timeout=300_000)
        page.wait_for_selector(WORKBOOKS[name], timeout=120_000)
        page.wait_for_timeout(1500)  # the charts' first drawing
        shots = SHOTS / "layout"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"{name}_{label}.png"), full_page=True)
        result = page.evaluate(CHECK)
    finally:
        context.close()
    assert result["W"] == width
    assert result["n"] > 5, f"{name}: too few elements measured ({result['n']})"
    assert result["outside"] == [], f"{name} at {label}: outside the window: {result['outside']}"
    assert result["nover"] == 0, f"{name} at {label}: overlapping: {result['overlaps']}"
    assert result["scrollW"] <= width, f"{name} at {label}: the page scrolls sideways"
    assert errors == []


def test_number_box_and_reset_in_the_browser(open_workbook: Any) -> None:
    """Typed into the box beside a slider: the value, what was done with it, and reset."""
    from playwright.sync_api import expect

    book = open_workbook("prioriteringsregler", ".tk-main-chart svg.marks")
    track = book.page.locator(".tk-reserved-high .noUi-target").first
    assert track.bounding_box()["width"] > 100  # the slider had no track at all
    control = book.page.locator(".tk-number-control").filter(
        has=book.page.locator(".tk-reserved-high")
    )
    box = control.locator(".tk-number input")
    for typed in ("40", "0,4", "40 %"):
        box.fill(typed)
        box.press("Enter")
        expect(box).to_have_value("40\u00a0%", timeout=30_000)
        expect(control.locator(".tk-number-note")).to_contain_text(f"”{typed}” lästes som 40")
    box.fill("fyra")
    box.press("Enter")
    expect(control.locator(".tk-number-note")).to_contain_text("inget tal")
    book.page.locator(".tk-reset").first.click()
    expect(box).to_have_value("20\u00a0%", timeout=30_000)
    book.assert_clean()
