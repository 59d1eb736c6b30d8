"""A report's containers and its HTML: the one place where report text becomes markup.

:class:`Report` holds :class:`Section` objects, each a heading and its
:class:`Block` objects. A text block is plain text (``**bold**`` and ``- ``
list lines only) turned into HTML by :func:`text_html`; a table is built by
:func:`html_table` (a :class:`ShownTable`) and a chart by :func:`svg` (a
:class:`ShownChart`). Every title, heading, header, cell and text is escaped
here, where it is inserted; the section modules never write markup of their
own (the one exception is the region overview's wrapper ``<div>`` around
charts and a table already built here).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit import disclosure, privacy
from toolkit.i18n import t
from toolkit.report._format import _DASH, _date, _num

#: CSS class of every table a report writes (the share-mode test parses these).
TABLE_CLASS = "bup-table"


# --------------------------------------------------------------------------- containers


@dataclass(frozen=True)
class Block:
    """One piece of a section: ``kind`` is ``"text"``, ``"table"`` or ``"svg"`` (HTML).

    A text is plain text with ``**bold**`` and ``- `` list lines only; it is
    escaped when shown (:func:`text_html`). Tables and charts are HTML built
    by :func:`html_table` and :func:`svg`, which escape what they insert.
    """

    kind: str
    content: str


@dataclass
class Section:
    """A heading and its blocks."""

    key: str
    heading: str
    blocks: list[Block] = field(default_factory=list)

    def text(self, markdown: str) -> None:
        """Add a paragraph (plain text with ``**bold**`` and ``- `` list lines; escaped when shown)."""
        self.blocks.append(Block("text", markdown))

    def html(self, kind: str, content: str) -> None:
        """Add a table or a chart (HTML)."""
        self.blocks.append(Block(kind, content))


@dataclass
class Report:
    """A computed report: title, sections, the key numbers, and an error if the data failed.

    ``numbers`` holds the key figures shown (for tests and the region
    overview); it never holds person-level data.
    """

    title: str
    lang: str
    sections: list[Section] = field(default_factory=list)
    numbers: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def show(self) -> None:
        """Display the report in a notebook: one HTML output per heading, text, table or chart.

        Every text goes through :func:`text_html` (escaped where it is
        inserted), so no name, header or message can add markup; tables and
        charts are built escaped (:func:`html_table`, vl-convert's SVG).
        """
        from IPython.display import HTML, display

        # The batch reads this marker to tell a failed unit from a good one.
        display(
            HTML(f"<h1>{html.escape(self.title)}</h1>"),
            metadata={"bup-toolkit": {"error": self.error}},
        )
        for section in self.sections:
            display(HTML(f"<h2>{html.escape(section.heading)}</h2>"))
            for block in section.blocks:
                display(HTML(block_html(block)))

    def to_html(self) -> str:
        """The report as an HTML fragment (headings, paragraphs, tables, charts)."""
        parts = [f"<h1>{html.escape(self.title)}</h1>"]
        for section in self.sections:
            parts.append(f"<h2>{html.escape(section.heading)}</h2>")
            parts.extend(block_html(block) for block in section.blocks)
        return "\n".join(parts)


_BOLD = re.compile(r"\*\*(.+?)\*\*", flags=re.S)


def text_html(markdown: str) -> str:
    """A report text as HTML: escaped first, then only bold and list items made markup.

    Report texts are written with two pieces of Markdown: ``**bold**`` and
    lines starting ``- `` (a list). Everything else, raw HTML, links, images
    and code included, is shown as the characters it is: the text is
    escaped with :func:`html.escape` *before* those two are turned into
    ``<strong>`` and ``<li>``, so a unit name, a column header or an error
    message can never add a tag, an attribute or a link.

    Examples
    --------
    >>> text_html("**BUP <Öst>**: 3 [x](javascript:alert(1))")
    '<p><strong>BUP &lt;Öst&gt;</strong>: 3 [x](javascript:alert(1))</p>'
    >>> text_html("- a\\n- <b>")
    '<ul><li>a</li><li>&lt;b&gt;</li></ul>'
    """
    escaped = html.escape(markdown, quote=True)
    lines = [line for line in escaped.split("\n") if line.strip()]
    if lines and all(line.startswith("- ") for line in lines):
        return "<ul>" + "".join(f"<li>{_bold(line[2:])}</li>" for line in lines) + "</ul>"
    return "<p>" + _bold(escaped).replace("\n", "<br>") + "</p>"


def _bold(escaped: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


def block_html(block: Block) -> str:
    """One block as HTML: a text through :func:`text_html`; a table or chart as built."""
    return text_html(block.content) if block.kind == "text" else block.content


# --------------------------------------------------------------------------- tables and charts


def _share_counts(table: pd.DataFrame, counts: Iterable[str]) -> pd.DataFrame:
    """``table`` with its count columns rounded to a multiple of 5 (:mod:`toolkit.disclosure`).

    Already rounded columns (a :func:`toolkit.disclosure.round_flow` table,
    controlled totals) stay as they are: rounding a multiple of 5 gives it back.
    """
    out = table.copy()
    for c in counts:
        if c in out.columns:
            values = pd.to_numeric(out[c], errors="coerce").astype(float)
            rounded = disclosure.round_to_base(values.fillna(0).to_numpy())
            out[c] = pd.Series(rounded, index=out.index).astype("Int64").mask(values.isna())
    return out


def _hidden_mask(
    table: pd.DataFrame,
    counts: Iterable[str],
    *,
    share: bool,
    threshold: int,
    depends: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Boolean frame: True where a cell must read ``<threshold`` in share mode.

    ``table``'s counts are already rounded (:func:`_share_counts`): a count
    below ``threshold`` (0 included: it stands for 0, 1 or 2) is hidden, and
    a column in ``depends`` (a median wait resting on the completions) is
    hidden where its count is below ``threshold``.
    """
    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    if not share or table.empty:
        return mask
    for c in counts:
        if c in table.columns:
            n = pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=float)
            mask[c] = ~np.isnan(n) & (n < threshold)
    for column, base in (depends or {}).items():
        if column in table.columns and base in table.columns:
            n = pd.to_numeric(table[base], errors="coerce").to_numpy(dtype=float)
            mask[column] = ~np.isnan(n) & (n < threshold)
    return mask


def html_table(
    table: pd.DataFrame,
    *,
    lang: str,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, Any] | None = None,
    counts: Iterable[str] = (),
    depends: Mapping[str, str] | None = None,
    share: bool = False,
    threshold: int = privacy.DEFAULT_THRESHOLD,
    wide: bool = False,
) -> str:
    """An aggregated table as HTML with the unit's language labels, counts rounded in share mode.

    ``formats`` maps a column to a function value -> text (default: numbers
    in ``lang``'s style, dates as ISO). Every header and cell is escaped
    where it is inserted. In share mode the ``counts`` are rounded to a
    multiple of 5 and a rounded count below ``threshold`` (and a column of
    ``depends`` resting on it) reads ``<threshold``
    (:mod:`toolkit.disclosure`). A ``wide`` table's headers break only
    between syllables (:func:`break_points`, :func:`wide_table`).

    Examples
    --------
    >>> import pandas as pd
    >>> tab = pd.DataFrame({"week": ["v1", "v2", "<b>"], "n": [2, 12, 3]})
    >>> print(html_table(tab, lang="sv", counts=["n"], share=True))  # doctest: +NORMALIZE_WHITESPACE
    <table class="bup-table"><thead><tr><th>week</th><th>n</th></tr></thead><tbody>
    <tr><td>v1</td><td class="hidden">&lt;5</td></tr>
    <tr><td>v2</td><td>10</td></tr>
    <tr><td>&lt;b&gt;</td><td>5</td></tr>
    </tbody></table>
    """
    labels = labels or {}
    if wide:
        labels = {c: break_points(str(labels.get(c, c)), lang) for c in table.columns}
    formats = formats or {}
    if share:
        table = _share_counts(table, counts)
    hidden = _hidden_mask(table, counts, share=share, threshold=threshold, depends=depends)
    head = "".join(f"<th>{html.escape(str(labels.get(c, c)))}</th>" for c in table.columns)
    rows, shown = [], []
    for i in range(len(table)):
        cells, texts = [], []
        for j, column in enumerate(table.columns):
            if hidden.iloc[i, j]:
                cells.append(f'<td class="hidden">&lt;{threshold}</td>')
                texts.append(f"<{threshold}")
                continue
            value = table.iloc[i, j]
            fmt = formats.get(column)
            if fmt is not None:
                text = fmt(value)
            elif isinstance(value, pd.Timestamp | dt.date | np.datetime64):
                text = _date(value)
            elif isinstance(value, bool | np.bool_):
                text = t("common.yes" if value else "common.no", lang)
            elif isinstance(value, int | np.integer):
                text = _num(int(value), lang)
            elif isinstance(value, float | np.floating):
                text = _num(float(value), lang, 0 if float(value).is_integer() else 1)
            elif value is None or value is pd.NA:
                text = _DASH
            else:
                text = str(value)
            cells.append(f"<td>{html.escape(text)}</td>")
            texts.append(text)
        rows.append("<tr>" + "".join(cells) + "</tr>")
        shown.append(texts)
    out = ShownTable(
        f'<table class="{TABLE_CLASS}"><thead><tr>{head}</tr></thead><tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>",
        header=[str(labels.get(c, c)) for c in table.columns],
        rows=shown,
    )
    return wide_table(out) if wide else out


#: Where a header may break: a soft hyphen (shown as "-" only where the line breaks).
SOFT_HYPHEN = "\u00ad"
#: A break without a hyphen (after a slash).
ZERO_WIDTH_SPACE = "\u200b"
#: Words of at least this many letters may break (two letters or more before a break, three after).
LONG_WORD = 8


def break_points(label: str, lang: str) -> str:
    """A column header with the points where a long word may break, for a narrow window.

    Many columns of Swedish compound words ("Medianväntetid",
    "utredning/behandling") do not fit a projector at 150 % zoom unless a
    word breaks. A soft hyphen goes between the syllables of each word of
    :data:`LONG_WORD` letters or more, none beside a hyphen already there
    (pyphen, with LibreOffice's hyphenation patterns of ``lang``), and a
    zero-width space after a slash; the browser breaks there (showing "-" at a soft hyphen) and nowhere
    else, since the header cells of a wide table do not break words anywhere
    (``.bup-wide th`` in the page style of :mod:`toolkit.batch`).

    >>> break_points("Medianväntetid till första bedömning", "sv").replace(SOFT_HYPHEN, "-")
    'Me-di-an-vän-te-tid till första be-döm-ning'
    >>> break_points("Share within target, in-depth assessment", "en").replace(SOFT_HYPHEN, "-")
    'Share within target, in-depth as-sess-ment'
    >>> shown = break_points("utredning/behandling", "sv")
    >>> shown.replace(SOFT_HYPHEN, "-").replace(ZERO_WIDTH_SPACE, "|")
    'ut-red-ning/|be-hand-ling'
    """
    import pyphen

    words = pyphen.Pyphen(lang="sv" if lang == "sv" else "en_GB", left=2, right=3)

    def word(w: str) -> str:
        if sum(c.isalpha() for c in w) < LONG_WORD:
            return w
        return "-".join(words.inserted(piece, hyphen=SOFT_HYPHEN) for piece in w.split("-"))

    parts = [" ".join(word(w) for w in part.split(" ")) for part in label.split("/")]
    return ("/" + ZERO_WIDTH_SPACE).join(parts)


def wide_table(table: str) -> ShownTable:
    """A wide table in a ``bup-wide`` box; the texts it keeps (for Excel) without break points."""
    shown = table if isinstance(table, ShownTable) else ShownTable(table, header=[], rows=[])
    header = [h.replace(SOFT_HYPHEN, "").replace(ZERO_WIDTH_SPACE, "") for h in shown.header]
    return ShownTable(f'<div class="bup-wide">{shown}</div>', header=header, rows=shown.rows)


class ShownTable(str):
    """A table's HTML that also keeps the texts it shows (header and cells, as shown).

    :mod:`toolkit.meeting` writes these texts to Excel, so the spreadsheet
    holds exactly what the page shows (rounded and hidden in share mode).
    """

    header: list[str]
    rows: list[list[str]]

    def __new__(cls, content: str, *, header: list[str], rows: list[list[str]]) -> ShownTable:
        out = super().__new__(cls, content)
        out.header, out.rows = header, rows
        return out


class ShownChart(str):
    """A chart's HTML (inline SVG) that also keeps its Vega-Lite specification (``spec``)."""

    spec: dict[str, Any]

    def __new__(cls, content: str, *, spec: dict[str, Any]) -> ShownChart:
        out = super().__new__(cls, content)
        out.spec = spec
        return out


def svg(chart: Any) -> str:
    """Render an Altair chart to inline SVG in the kernel (vl-convert: offline, no JavaScript)."""
    import vl_convert

    from toolkit.charts import for_page

    spec = for_page(chart).to_dict()
    return ShownChart(f'<div class="bup-chart">{vl_convert.vegalite_to_svg(spec)}</div>', spec=spec)
