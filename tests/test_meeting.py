"""Material for the unit's meeting (toolkit.meeting): slides, Excel tables and charts, read back.

The deck is opened with python-pptx, the workbook with openpyxl and the
charts as the SVG files written beside the PNGs. Readability is measured on
the files: every slide text at least 18 pt (the usual floor for projected
text) and every chart text, at the size the chart is placed on its slide,
as large; text colours at least 4.5:1 against white (WCAG 2.1, success
criterion 1.4.3, with its relative-luminance formula).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from pptx.util import Pt

from toolkit import meeting, report
from toolkit.__main__ import main
from toolkit.i18n import t

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
EMU_PER_PT = 12_700


def _luminance(hex_colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast_on_white(hex_colour: str) -> float:
    return (1.0 + 0.05) / (_luminance(hex_colour) + 0.05)


def _slide_texts(slide) -> str:
    return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


@pytest.fixture(scope="module")
def balans(tmp_path_factory):
    computed = report.unit_report(
        SAMPLE / "balans",
        lang="sv",
        unit_name='=HYPERLINK("http://example.invalid","BUP <b>Test</b>")',
        extract_date="2024-12-29",
        period_start="2023-01-02",
    )
    assert computed.error is None
    out = tmp_path_factory.mktemp("balans")
    return computed, meeting.write_material(computed, out)


def test_every_slide_text_is_readable_from_the_back(balans):
    _, material = balans
    deck = Presentation(str(material.deck))
    sizes = [
        run.font.size
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
        for para in shape.text_frame.paragraphs
        for run in para.runs
    ]
    assert sizes and all(size is not None and size >= Pt(18) for size in sizes)
    # The name is shown as typed: no markup, no formula (a slide text is plain text).
    assert "BUP <b>Test</b>" in _slide_texts(deck.slides[0])


def test_every_chart_text_is_18_pt_on_its_slide_and_dark_enough(balans):
    computed, material = balans
    deck = Presentation(str(material.deck))
    pictures = [s for slide in deck.slides for s in slide.shapes if s.shape_type == 13]
    svgs = sorted(p for p in material.charts if p.suffix == ".svg")
    charts_in_report = sum(
        isinstance(b.content, report.ShownChart) for s in computed.sections for b in s.blocks
    )
    assert len(pictures) == len(svgs) == charts_in_report == 7
    for picture, path in zip(pictures, svgs, strict=True):
        text = path.read_text(encoding="utf-8")
        width_px = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)"', text).group(1))
        points_per_px = picture.width / EMU_PER_PT / width_px
        smallest = min(float(px) for px in re.findall(r'font-size="([\d.]+)px"', text))
        assert smallest * points_per_px >= 18, (path.name, smallest, points_per_px)
        # Every text element's colour, and no label cut short with an ellipsis.
        for element in re.findall(r"<text[^>]*>", text):
            colour = re.search(r'fill="(#[0-9a-fA-F]{6})"', element)
            assert colour is not None, element
            assert _contrast_on_white(colour.group(1)) >= 4.5, (path.name, colour.group(1))
        assert "…" not in text, path.name


def test_tables_read_back_as_the_report_shows_them(balans):
    computed, material = balans
    book = openpyxl.load_workbook(material.workbook)
    tables = [
        b.content
        for s in computed.sections
        for b in s.blocks
        if isinstance(b.content, report.ShownTable)
    ]
    assert len(book.worksheets) == len(tables) + 1  # a contents sheet first
    # No cell anywhere is a formula, whatever a name or cell starts with.
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
    # The data-quality sheet: rows read from referrals.csv, counted here from the file itself.
    with open(SAMPLE / "balans" / "referrals.csv", newline="", encoding="utf-8") as f:
        referral_rows = sum(1 for _ in csv.reader(f)) - 1
    quality = next(
        ws for ws in book.worksheets if ws.title.endswith(t("report.h.quality", "sv")[:20])
    )
    header = [c.value for c in quality[1]]
    rows = {r[1]: r for r in quality.iter_rows(min_row=2, values_only=True)}
    assert rows["referrals.csv"][header.index(t("report.col.account_read", "sv"))] == referral_rows
    # Shares are numbers between 0 and 1 shown as percentages, not texts.
    waits = book.worksheets[3]
    share_col = [c.value for c in waits[1]].index(t("report.col.share_within_target", "sv")) + 1
    cell = waits.cell(row=2, column=share_col)
    assert isinstance(cell.value, int | float) and 0 <= cell.value <= 1
    assert cell.number_format.endswith("%")


def test_decisions_follow_the_balance_of_a_unit_short_of_capacity(tmp_path):
    # docs/sample_data.md: vaxande_behov's first stage does not cover demand,
    # its queue grows and is above target; its second stage is in balance.
    computed = report.unit_report(SAMPLE / "vaxande_behov", lang="en", extract_date="2024-12-29")
    material = meeting.write_material(computed, tmp_path)
    deck = Presentation(str(material.deck))
    slides = list(deck.slides)
    last = _slide_texts(slides[-1])
    stage = t("flow.stage.first_assessment", "en")
    assert t("meeting.decisions_heading", "en") in last
    for criterion in ("covers", "growing", "above_target"):
        assert t(f"meeting.decision.{criterion}", "en", stage=stage) in last
    deep = t("flow.stage.deep_start", "en")
    assert deep + ":" not in last
    # The summary slides carry the report's summary sentences, bold marks removed.
    summary = next(s for s in computed.sections if s.key == "summary")
    shown = "\n".join(_slide_texts(s) for s in slides[1:4])
    for block in summary.blocks:
        assert block.content.replace("**", "").splitlines()[0].removeprefix("- ") in shown


def test_share_mode_tables_hold_rounded_counts_only(tmp_path):
    computed = report.unit_report(
        SAMPLE / "liten", lang="sv", share=True, threshold=5, extract_date="2024-12-29"
    )
    material = meeting.write_material(computed, tmp_path)
    book = openpyxl.load_workbook(material.workbook)
    situation = book.worksheets[2]
    header = [c.value for c in situation[1]]
    counts = [t(f"report.col.{k}", "sv") for k in ("arrivals", "completions")]
    seen = 0
    for row in situation.iter_rows(min_row=2, values_only=True):
        for name in counts:
            value = row[header.index(name)]
            assert value == "<5" or (isinstance(value, int) and value % 5 == 0), (name, value)
            seen += 1
    assert seen > 0


def test_a_report_that_failed_gives_its_message_and_no_tables(tmp_path):
    bad = tmp_path / "enhet"
    bad.mkdir()
    (bad / "referrals.csv").write_text("hello,world\n1,2\n", encoding="utf-8")
    computed = report.unit_report(bad, lang="sv")
    assert computed.error is not None
    material = meeting.write_material(computed, tmp_path / "out")
    deck = Presentation(str(material.deck))
    assert material.workbook is None and not material.charts
    assert computed.error in _slide_texts(list(deck.slides)[-1])


@pytest.mark.slow
def test_command_line_writes_one_folder_per_unit_of_a_manifest(tmp_path, capsys):
    manifest = tmp_path / "units.yaml"
    manifest.write_text(
        "units:\n"
        f"- id: a\n  name: Enhet A\n  path: {SAMPLE / 'liten'}\n  language: en\n"
        f"- id: b\n  name: Enhet B\n  path: {SAMPLE / 'endast_antal'}\n",
        encoding="utf-8",
    )
    status = main(
        ["material", str(manifest), "--out", str(tmp_path / "m"), "--data-root", str(SAMPLE)]
    )
    assert status == 0
    for unit in ("a", "b"):
        assert (tmp_path / "m" / unit / "slides.pptx").is_file()
        assert (tmp_path / "m" / unit / "tables.xlsx").is_file()
    # Unit a's language is English: its deck is in English.
    deck = Presentation(str(tmp_path / "m" / "a" / "slides.pptx"))
    assert "Material for the unit's meeting" in _slide_texts(deck.slides[0])
    assert capsys.readouterr().out.count("Mötesmaterial skrivet till") == 2


def _downloaded(link_html: str) -> dict[str, bytes]:
    """The files of the zip a page's download link carries (a data address)."""
    import base64
    import io
    import zipfile

    match = re.search(r'href="data:application/zip;base64,([A-Za-z0-9+/=]+)"', link_html)
    assert match is not None, link_html[:300]
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(match.group(1)))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_workbook_button_gives_the_chosen_units_material_in_the_pages_language():
    import io

    from toolkit.widgets.timeuse import TimeUseApp

    app = TimeUseApp("en")
    source = app.source
    source.choice.value = "vaxande_behov"
    source.material.share.value = True
    source.material.button.click()
    link = source.material.link.value
    assert "meeting-material.zip" in link and app.error.value == ""
    files = _downloaded(link)
    assert {"slides.pptx", "tables.xlsx"} <= set(files)
    deck = Presentation(io.BytesIO(files["slides.pptx"]))
    title = _slide_texts(next(iter(deck.slides)))
    assert "BUP Påhittsköping" in title and "Material for the unit's meeting" in title
    # Share mode was ticked: the situation sheet's counts are multiples of 5 or "<5".
    book = openpyxl.load_workbook(io.BytesIO(files["tables.xlsx"]))
    situation = book.worksheets[2]
    header = [c.value for c in situation[1]]
    column = header.index(t("report.col.arrivals", "en"))
    values = [r[column] for r in situation.iter_rows(min_row=2, values_only=True)]
    assert values and all(v == "<5" or v % 5 == 0 for v in values)
    # Another unit chosen: the old unit's link is gone.
    source.choice.value = "balans"
    assert source.material.link.value == ""


@pytest.mark.slow
def test_download_in_the_browser_from_a_served_workbook(open_workbook, tmp_path):
    """Real Voilà, real Chromium: click, wait for the link, download the zip, open the deck."""
    import zipfile

    book = open_workbook("vart_tar_tiden_vagen", ".tk-material")
    book.page.locator(".tk-material").first.click()
    link = book.page.locator(".tk-material-download").first
    link.wait_for(timeout=120_000)
    with book.page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "motesmaterial.zip"
    saved = tmp_path / "motesmaterial.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        archive.extract("slides.pptx", tmp_path)
    deck = Presentation(str(tmp_path / "slides.pptx"))
    assert "Underlag för enhetens möte" in _slide_texts(next(iter(deck.slides)))
    book.assert_clean()
