"""Material for the unit's meeting: a report's charts, tables and a slide deck, offline.

From a computed :class:`toolkit.report.Report` (a unit report, the capacity
plan or the region overview) :func:`write_material` writes, into one folder:

* every chart as PNG and SVG (``chart_01_<section>.png`` / ``.svg``), drawn
  with :data:`PROJECTOR_CONFIG` so that its texts read from the back of a room;
* every table as a sheet of one Excel workbook (``tables.xlsx``), holding
  exactly the texts the report shows (counts rounded and small counts hidden
  in share mode), numbers stored as numbers, every other text as a text cell
  (never a formula: :func:`toolkit.exports.excel_text`);
* a slide deck (``slides.pptx``, python-pptx): title, the summary, one slide
  per chart, and the questions to discuss that follow from the balance of
  each stage (:mod:`toolkit.unit_now`).

Everything is in the report's language; nothing is fetched from the network
(vl-convert renders the charts in-process). The charts and tables carry what
the report carries: aggregated figures, never person-level rows.

Readability: slide texts are at least :data:`MIN_POINTS` points, the usual
floor for text projected to a room, and every chart is drawn so that its
smallest text, as placed on the slide, is at least that size too, in a colour
with a contrast of at least 4.5:1 against white (WCAG 2.1, success criterion
1.4.3); ``tests/test_meeting.py`` measures both on the files written.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from toolkit.exports import excel_text
from toolkit.i18n import parse_number, t
from toolkit.report import Report, ShownChart, ShownTable

__all__ = [
    "MIN_POINTS",
    "PROJECTOR_CONFIG",
    "Material",
    "projector_config",
    "projector_spec",
    "write_material",
]

#: Smallest text on a slide, in points (the usual floor for projected text).
MIN_POINTS = 18

_INK = "#222222"


def projector_config(font_px: float = 14) -> dict[str, Any]:
    """Chart configuration for the room: texts of ``font_px`` and more, dark ink, legends never cut."""
    label, title = {"fontSize": font_px}, font_px + 1
    return {
        "background": "white",
        "axis": {
            "labelFontSize": font_px,
            "titleFontSize": title,
            "labelColor": _INK,
            "titleColor": _INK,
            "labelLimit": 0,
        },
        "legend": {
            "labelFontSize": font_px,
            "titleFontSize": title,
            "labelColor": _INK,
            "titleColor": _INK,
            "labelLimit": 0,
            "titleLimit": 0,
            "symbolSize": 10 * font_px,
            "orient": "bottom",
            "direction": "vertical",
        },
        "header": {"labelFontSize": font_px, "titleFontSize": title, "labelColor": _INK},
        "title": {"fontSize": font_px + 4, "color": _INK, "subtitleColor": _INK},
        "text": {**label, "color": _INK},
    }


#: The configuration at the smallest font size (:func:`projector_config`).
PROJECTOR_CONFIG: dict[str, Any] = projector_config()
_MIN_CHART_PX = 14
_FONT_KEYS = {"fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize"}

# 16:9 slide, in EMU (914 400 per inch).
_EMU_PER_INCH, _EMU_PER_PT = 914_400, 12_700
_SLIDE_W, _SLIDE_H = int(13.333 * _EMU_PER_INCH), int(7.5 * _EMU_PER_INCH)
_MARGIN = int(0.5 * _EMU_PER_INCH)
_TITLE_H = int(1.0 * _EMU_PER_INCH)
_BULLETS_PER_SLIDE = 5
_TITLE_PT, _BODY_PT = 32, 20
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Material:
    """What :func:`write_material` wrote (paths inside ``folder``)."""

    folder: Path
    deck: Path
    workbook: Path | None
    charts: list[Path] = field(default_factory=list)
    slides: int = 0
    tables: int = 0

    def message(self, lang: str) -> str:
        """One line for the terminal or the page, in ``lang``."""
        return t(
            "meeting.written",
            lang,
            folder=str(self.folder),
            slides=self.slides,
            charts=len(self.charts) // 2,
            tables=self.tables,
            workbook=self.workbook.name if self.workbook else "–",
        )


def _raise_fonts(node: Any, font_px: float) -> None:
    """Every font size in a Vega-Lite specification at least ``font_px``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _FONT_KEYS and isinstance(value, int | float) and value < font_px:
                node[key] = font_px
            else:
                _raise_fonts(value, font_px)
    elif isinstance(node, list):
        for item in node:
            _raise_fonts(item, font_px)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


def projector_spec(spec: dict[str, Any], font_px: float = _MIN_CHART_PX) -> dict[str, Any]:
    """A copy of a chart's Vega-Lite specification drawn for the room (:func:`projector_config`)."""
    out = copy.deepcopy(spec)
    config = out.setdefault("config", {})
    _merge(config, projector_config(font_px))
    _raise_fonts(out, font_px)
    return out


def _box_pt() -> tuple[float, float]:
    """Width and height of a slide's chart area, in points."""
    return (_SLIDE_W - 2 * _MARGIN) / _EMU_PER_PT, (_SLIDE_H - _TITLE_H - _MARGIN) / _EMU_PER_PT


def _room_svg(spec: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The chart drawn so that its smallest text, fitted to a slide, is :data:`MIN_POINTS` or more.

    A wide chart is scaled down on the slide, so its texts must be larger in
    pixels: the font size grows with the scale until the smallest text,
    fitted, reaches the floor (a larger legend makes the chart wider, hence
    the few rounds).
    """
    import vl_convert

    font_px: float = _MIN_CHART_PX
    box_w, box_h = _box_pt()
    for _ in range(4):
        room = projector_spec(spec, font_px)
        svg_text = vl_convert.vegalite_to_svg(room)
        width, height = _svg_size(svg_text)
        points_per_px = min(box_w / width, box_h / height)
        smallest = min(
            float(px) for px in re.findall(r'font-size="([\d.]+)px"', svg_text) or [font_px]
        )
        if smallest * points_per_px >= MIN_POINTS:
            break
        font_px = math.ceil(font_px * MIN_POINTS / (smallest * points_per_px) * 1.05)
    return room, svg_text


def _sheet_title(n: int, heading: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, none of ``[]:*?/\\``)."""
    base = " ".join(_SHEET_BAD.sub(" ", f"{n} {heading}").split())[:31].strip() or str(n)
    title, k = base, 2
    while title.lower() in used:
        suffix = f" ({k})"
        title, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(title.lower())
    return title


def _cell(cell: Any, text: str) -> None:
    """A shown text into an Excel cell: a number as a number, anything else as text."""
    if text in ("", "–", "—"):
        return
    try:
        number, percent = parse_number(text)
    except ValueError:
        excel_text(cell, text)
        return
    if percent:
        cell.value = number / 100
        cell.number_format = "0%" if float(number).is_integer() else "0.0%"
    else:
        cell.value = int(number) if float(number).is_integer() else number
        cell.number_format = "#,##0" if float(number).is_integer() else "#,##0.0"


def _write_tables(report: Report, path: Path) -> int:
    """Every table of ``report`` as a sheet, with a contents sheet first; how many tables."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    contents = book.active
    contents.title = t("meeting.sheet_contents", report.lang)
    for col, key in enumerate(("meeting.col.sheet", "meeting.col.section"), start=1):
        excel_text(contents.cell(row=1, column=col), t(key, report.lang))
        contents.cell(row=1, column=col).font = Font(bold=True)
    used = {contents.title.lower()}
    n = 0
    for section in report.sections:
        for block in section.blocks:
            if not isinstance(block.content, ShownTable):
                continue
            n += 1
            sheet = book.create_sheet(_sheet_title(n, section.heading, used))
            excel_text(contents.cell(row=n + 1, column=1), sheet.title)
            excel_text(contents.cell(row=n + 1, column=2), section.heading)
            for col, text in enumerate(block.content.header, start=1):
                excel_text(sheet.cell(row=1, column=col), text)
                sheet.cell(row=1, column=col).font = Font(bold=True)
                sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = max(
                    12, min(40, len(text) + 2)
                )
            for r, row in enumerate(block.content.rows, start=2):
                for col, text in enumerate(row, start=1):
                    _cell(sheet.cell(row=r, column=col), text)
    if n:
        book.save(path)
    return n


def _charts(report: Report) -> list[tuple[str, str, dict[str, Any]]]:
    """(section key, section heading, Vega-Lite spec) of every chart, in report order."""
    return [
        (section.key, section.heading, block.content.spec)
        for section in report.sections
        for block in section.blocks
        if isinstance(block.content, ShownChart)
    ]


def _plain(markdown: str) -> list[tuple[str, bool]]:
    """A report text as runs of (text, bold): ``**bold**`` marks only."""
    parts = re.split(r"\*\*(.+?)\*\*", markdown, flags=re.S)
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def _decisions(report: Report) -> list[str]:
    """The questions that follow from each stage's balance (:attr:`Report.numbers`)."""
    if "balance" not in report.numbers:  # not a unit's report (region overview, plan)
        return []
    balance = report.numbers["balance"]
    if not isinstance(balance, dict) or not balance:
        return [t("meeting.decision.unknown", report.lang)]
    questions = []
    for stage, failing in balance.items():
        label = t(f"flow.stage.{stage}", report.lang)
        questions += [t(f"meeting.decision.{name}", report.lang, stage=label) for name in failing]
    return questions or [t("meeting.decision.balanced", report.lang)]


def _text_slide(deck: Any, title: str, paragraphs: list[str]) -> None:
    """A slide with a title and bullet paragraphs (bold runs kept), all at readable sizes."""
    from pptx.util import Emu, Pt

    slide = deck.slides.add_slide(deck.slide_layouts[6])
    head = slide.shapes.add_textbox(
        Emu(_MARGIN), Emu(_MARGIN // 2), Emu(_SLIDE_W - 2 * _MARGIN), Emu(_TITLE_H)
    )
    head.text_frame.word_wrap = True
    run = head.text_frame.paragraphs[0].add_run()
    run.text, run.font.size, run.font.bold = title, Pt(_TITLE_PT), True
    body = slide.shapes.add_textbox(
        Emu(_MARGIN),
        Emu(_MARGIN // 2 + _TITLE_H),
        Emu(_SLIDE_W - 2 * _MARGIN),
        Emu(_SLIDE_H - _TITLE_H - _MARGIN),
    )
    frame = body.text_frame
    frame.word_wrap = True
    for i, text in enumerate(paragraphs):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.space_after = Pt(10)
        for piece, bold in _plain(text.replace("\n- ", "\n• ").removeprefix("- ")):
            run = para.add_run()
            run.text, run.font.size, run.font.bold = piece, Pt(_BODY_PT), bold


def _chart_slide(deck: Any, title: str, png: bytes, size_px: tuple[float, float]) -> None:
    """A slide with a title and the chart, as large as the slide allows, aspect kept."""
    from pptx.util import Emu, Pt

    slide = deck.slides.add_slide(deck.slide_layouts[6])
    head = slide.shapes.add_textbox(
        Emu(_MARGIN), Emu(_MARGIN // 2), Emu(_SLIDE_W - 2 * _MARGIN), Emu(_TITLE_H)
    )
    run = head.text_frame.paragraphs[0].add_run()
    run.text, run.font.size, run.font.bold = title, Pt(_TITLE_PT), True
    box_w, box_h = _SLIDE_W - 2 * _MARGIN, _SLIDE_H - _TITLE_H - _MARGIN
    width_px, height_px = size_px
    scale = min(box_w / width_px, box_h / height_px)
    w, h = int(width_px * scale), int(height_px * scale)
    left = (_SLIDE_W - w) // 2
    slide.shapes.add_picture(BytesIO(png), Emu(left), Emu(_MARGIN // 2 + _TITLE_H), Emu(w), Emu(h))


def _svg_size(svg_text: str) -> tuple[float, float]:
    """Width and height of an SVG drawing, in its own pixels."""
    width = re.search(r'<svg[^>]*\bwidth="([\d.]+)"', svg_text)
    height = re.search(r'<svg[^>]*\bheight="([\d.]+)"', svg_text)
    if width is None or height is None:
        raise ValueError("SVG without width and height")
    return float(width.group(1)), float(height.group(1))


def write_material(report: Report, out: str | Path, *, date: dt.date | None = None) -> Material:
    """Write the meeting material of ``report`` into the folder ``out`` (created if needed).

    Parameters
    ----------
    report : Report
        A computed report (:func:`toolkit.report.unit_report`,
        :func:`~toolkit.report.capacity_plan`, :func:`~toolkit.report.region_overview`),
        in share mode if the material leaves the unit. A report that failed
        gives a deck with its error message only.
    out : str or Path
        Folder for the files.
    date : datetime.date, optional
        Date on the title slide (default today).

    Returns
    -------
    Material
        The paths written and how many slides, charts and tables.
    """
    import vl_convert
    from pptx import Presentation
    from pptx.util import Emu

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    lang = report.lang
    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(_SLIDE_W), Emu(_SLIDE_H)
    day = (date or dt.date.today()).isoformat()
    _text_slide(deck, report.title, [t("meeting.subtitle", lang, date=day)])
    if report.error is not None:
        _text_slide(deck, report.title, [t("meeting.failed", lang, message=report.error)])
        deck.save(str(folder / "slides.pptx"))
        return Material(folder, folder / "slides.pptx", None, slides=2)

    summary = next((s for s in report.sections if s.key == "summary"), None)
    if summary is not None:
        texts = [b.content for b in summary.blocks if b.kind == "text"]
        for start in range(0, len(texts), _BULLETS_PER_SLIDE):
            key = "meeting.summary_heading" if start == 0 else "meeting.summary_more"
            _text_slide(deck, t(key, lang), texts[start : start + _BULLETS_PER_SLIDE])

    charts: list[Path] = []
    for n, (key, heading, spec) in enumerate(_charts(report), start=1):
        stem = f"chart_{n:02d}_{re.sub(r'[^a-z0-9_]+', '_', key.lower())}"
        room, svg_text = _room_svg(spec)
        png = vl_convert.vegalite_to_png(room, scale=2)
        (folder / f"{stem}.svg").write_text(svg_text, encoding="utf-8")
        (folder / f"{stem}.png").write_bytes(png)
        charts += [folder / f"{stem}.png", folder / f"{stem}.svg"]
        _chart_slide(deck, heading, png, _svg_size(svg_text))

    questions = _decisions(report)
    for start in range(0, len(questions), _BULLETS_PER_SLIDE):
        _text_slide(
            deck,
            t("meeting.decisions_heading", lang),
            questions[start : start + _BULLETS_PER_SLIDE],
        )

    workbook = folder / "tables.xlsx"
    tables = _write_tables(report, workbook)
    deck.save(str(folder / "slides.pptx"))
    return Material(
        folder,
        folder / "slides.pptx",
        workbook if tables else None,
        charts=charts,
        slides=len(deck.slides),
        tables=tables,
    )
