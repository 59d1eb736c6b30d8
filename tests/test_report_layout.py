"""Reports that work as slides: the rendered unit report and region overview in Chromium.

Two sample units' reports and the region overview of every sample unit are
rendered by the batch (``toolkit.batch``, the HTML users open) and opened in
Chromium at 1 280 px and at 150 % zoom of a 1 280 px window (853 CSS px at a
device scale factor of 1.5), as ``tests/test_workbook_layout.py`` does for
the workbooks. On every page:

* no heading carries a "¶" link;
* no table and no chart is wider than the window, and the page does not
  scroll sideways;
* no text of a chart (legend labels and titles included: Vega writes them
  as SVG ``text``) is cut with "…";
* the unit report opens with its summary; the region overview's column
  "I balans" lies inside the window; the headers of the wide tables (the
  region overview's, the unit report's weekly, waits, who-waits, queue,
  staff and follow-up tables) break a word only between syllables (where
  the page's soft hyphens allow), never inside one
  (:func:`toolkit.report._html.break_points`).

Screenshots are kept in ``screenshots/reports/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from toolkit import batch
from toolkit.i18n import t

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
SHOTS = ROOT / "screenshots" / "reports"
SIZES = [("1280px", 1280, 1.0), ("1280px_150pct", 853, 1.5)]
UNITS = ("balans", "forsta_besok_forst")

pytestmark = pytest.mark.slow

#: Measured in the page: what lies outside the window, what is cut, what scrolls.
CHECK = """() => {
  const W = document.documentElement.clientWidth;
  const outside = [];
  for (const el of document.querySelectorAll('table, .bup-chart svg, svg')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.left < -1 || r.right > W + 1)) {
      outside.push(el.tagName + ' ' + Math.round(r.left) + '-' + Math.round(r.right));
    }
  }
  const cut = [...document.querySelectorAll('svg text')]
    .map(e => e.textContent).filter(s => s.includes('…'));
  const anchors = [...document.querySelectorAll('h1 a, h2 a, h3 a, a.anchor-link')]
    .filter(a => a.offsetParent !== null).length;
  const pilcrow = document.body.innerText.includes('¶');
  return {W, outside, cut, anchors, pilcrow,
          scrollW: document.documentElement.scrollWidth,
          tables: document.querySelectorAll('table').length,
          charts: document.querySelectorAll('svg').length,
          h2: [...document.querySelectorAll('h2')].map(h => h.textContent)};
}"""


#: The wide tables' header syllables that the browser broke across lines (none expected):
#: each header text is cut at spaces, soft hyphens and zero-width spaces, and a piece whose
#: first and last characters lie on different lines was broken inside. (A character's last
#: box is its own: Chromium also gives the first character after a soft hyphen that broke
#: the line the box of the hyphen drawn at the end of the line before.)
SPLIT_SYLLABLES = """() => {
  const top = (node, i) => {
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const boxes = [...range.getClientRects()];
    return Math.round(boxes[boxes.length - 1].top);
  };
  const out = [];
  for (const th of document.querySelectorAll('.bup-wide th')) {
    const node = th.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) continue;
    const re = /[^\\s\\u00ad\\u200b]+/g;
    let m;
    while ((m = re.exec(node.textContent))) {
      if (top(node, m.index) !== top(node, m.index + m[0].length - 1)) out.push(m[0]);
    }
  }
  return {split: out, headers: document.querySelectorAll('.bup-wide th').length};
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The batch's unit reports for two sample units and the region overview of all."""
    folder = tmp_path_factory.mktemp("slides")
    manifest = yaml.safe_load((SAMPLES / "units.yaml").read_text("utf-8"))
    manifest["units"] = [
        {**u, "path": str(SAMPLES / u["path"])} for u in manifest["units"] if u["id"] in UNITS
    ]
    small = folder / "units.yaml"
    small.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    out = folder / "out"
    result = batch.run_batch(
        small, out=out, workers=1, progress=False, data_roots=(SAMPLES,), lang="sv"
    )
    assert result.failed == 0, [u.message for u in result.units]
    region = batch.run_region(SAMPLES / "units.yaml", out=out, lang="sv")
    assert region.status == "ok", region.message
    return {**{u.id: u.html for u in result.units}, "region_overview": region.html}


def _measure(browser: Any, path: Path, width: int, scale: float, shot: str) -> dict[str, Any]:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, device_scale_factor=scale
    )
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
        result: dict[str, Any] = page.evaluate(CHECK)
        if path.stem == "region_overview":
            header = page.locator("th", has_text=t("report.col.region_balance", "sv")).first
            box = header.bounding_box()
            result["in_balance_right"] = None if box is None else box["x"] + box["width"]
        result["headers"] = page.evaluate(SPLIT_SYLLABLES)
    finally:
        context.close()
    return result


@pytest.mark.parametrize("size", SIZES, ids=[s[0] for s in SIZES])
@pytest.mark.parametrize("name", [*UNITS, "region_overview"])
def test_report_fits_the_window(
    chromium_browser: Any, pages: dict[str, Path], name: str, size: tuple[str, int, float]
) -> None:
    label, width, scale = size
    result = _measure(chromium_browser, pages[name], width, scale, f"{name}_{label}")
    assert result["W"] <= width
    assert result["tables"] > 0
    assert not result["pilcrow"] and result["anchors"] == 0, "a ¶ link after a heading"
    assert result["outside"] == [], f"{name} at {label}: wider than the window"
    assert result["scrollW"] <= result["W"], f"{name} at {label}: the page scrolls sideways"
    assert result["cut"] == [], f"{name} at {label}: chart text cut: {result['cut']}"
    if name == "region_overview":
        assert result["in_balance_right"] is not None
        assert result["in_balance_right"] <= result["W"], "the column I balans is off the page"
        assert result["headers"]["headers"] == 11
    else:
        assert result["headers"]["headers"] >= 40  # the weekly, waits, who, queue, staff tables
        assert result["charts"] > 0
        assert result["h2"][0] == t("report.h.summary", "sv")  # a short summary first
    assert result["headers"]["split"] == [], f"{name}: header words broken inside at {label}"
