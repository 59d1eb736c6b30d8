"""The sections of the per-unit and region reports: tables, charts and plain-language text.

The report notebooks in ``notebooks/reports`` hold a parameters cell and a
few calls into this module; everything a report shows is computed here from
the calculation modules (:mod:`toolkit.flow`, :mod:`toolkit.waitlist`,
:mod:`toolkit.capacity`, :mod:`toolkit.spc`) and drawn from their aggregated
tables only, so no person-level row reaches a report.

* :func:`unit_report` returns a :class:`Report` for one unit: the situation
  (DCAQ per week for both stages), and, over the now window of
  :func:`toolkit.unit_now.now_figures` (the same figures as every workbook),
  waits and share within target per stage,
  first visit versus treatment, SPC charts with their icons, the queue
  formulas, capacity per staff category, data quality, and a short summary
  written from the numbers.
* :func:`region_overview` returns a :class:`Report` with every unit of a
  manifest side by side and SPC small multiples.
* :func:`capacity_plan` returns a :class:`Report` for planned changes (staff,
  freed administration, group and digital visits, priority rule): the
  capacity needed by the queue formulas, what each option gives and costs,
  and what the simulation says will happen, side by side.

A :class:`Report` displays itself in a notebook (:meth:`Report.show`) as
Markdown headings, HTML tables (class ``bup-table``) and inline SVG charts
rendered in the kernel with vl-convert: no JavaScript, no CDN, no data
embedded. A unit whose data cannot be read gives a report with one readable
message instead of a traceback.

**Share mode** (``share=True``, see :mod:`toolkit.disclosure` and
``docs/disclosure.md``): every count is rounded to a multiple of 5, with
controlled rounding wherever the report shows an identity (the weekly flow
comes from rounded cumulative counts, rows read from rounded used and
excluded rows), so no hidden count can be worked out from the others; a
rounded count below ``threshold`` reads ``<threshold``. Everything counted
(queue formulas, summary, charts, SPC) is computed from the rounded weekly
flow; weekly waits and shares are left out, and period waits and shares are
shown only where they rest on at least ``threshold`` patients. SPC charts of
weekly shares and of small counts are not drawn, the total headcount is not
shown beside its rounded parts, numbers in data-quality notes are rounded and
example row numbers are left out.

Examples
--------
>>> r = unit_report("sample_data/balans", lang="en", extract_date="2024-12-29",
...                 period_start="2023-01-02", charts=False)
>>> r.error is None, r.numbers["waiting_first"]
(True, 22)
>>> [s.heading for s in r.sections][:3]
['Summary', 'About this report', 'Situation: demand, activity and queue per week']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit import (
    __version__,
    capacity,
    disclosure,
    flow,
    privacy,
    spc,
    unit_now,
    waitlist,
)
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import check_language, format_number, format_percent, t
from toolkit.io import TableAccount, UnitData, load_unit
from toolkit.targets import TargetProfile, load_profile

__all__ = [
    "TABLE_CLASS",
    "Block",
    "Report",
    "Section",
    "capacity_plan",
    "region_overview",
    "unit_report",
    "unit_report_for",
]

#: CSS class of every table a report writes (the share-mode test parses these).
TABLE_CLASS = "bup-table"
#: Weeks of the DCAQ table shown (the chart shows the whole period).
TABLE_WEEKS = 12
_STAGES = flow.FLOW_STAGES
_DASH = "–"


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


# --------------------------------------------------------------------------- formatting


def _num(x: Any, lang: str, digits: int = 0) -> str:
    """A number as readers of ``lang`` write it (:func:`toolkit.i18n.format_number`)."""
    return format_number(x, lang, digits)


def _pct(x: Any, lang: str) -> str:
    """A share 0–1 as a whole percentage, or a dash (:func:`toolkit.i18n.format_percent`)."""
    return format_percent(x, lang)


def _date(x: Any) -> str:
    return _DASH if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()


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
) -> str:
    """An aggregated table as HTML with the unit's language labels, counts rounded in share mode.

    ``formats`` maps a column to a function value -> text (default: numbers
    in ``lang``'s style, dates as ISO). Every header and cell is escaped
    where it is inserted. In share mode the ``counts`` are rounded to a
    multiple of 5 and a rounded count below ``threshold`` (and a column of
    ``depends`` resting on it) reads ``<threshold``
    (:mod:`toolkit.disclosure`).

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
    return ShownTable(
        f'<table class="{TABLE_CLASS}"><thead><tr>{head}</tr></thead><tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>",
        header=[str(labels.get(c, c)) for c in table.columns],
        rows=shown,
    )


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

    spec = chart.to_dict()
    return ShownChart(f'<div class="bup-chart">{vl_convert.vegalite_to_svg(spec)}</div>', spec=spec)


# --------------------------------------------------------------------------- calculations


def _now(
    unit: UnitData,
    profile: TargetProfile,
    first: pd.Timestamp,
    time_to_target_weeks: float,
    lang: str,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> unit_now.NowFigures:
    """The unit's now figures (:func:`toolkit.unit_now.now_figures`) with the defaults every surface uses.

    The window is the last :data:`toolkit.unit_now.DEFAULT_WINDOW_WEEKS`
    whole weeks up to the extract date, not before the report period's
    first week; the variation is :data:`toolkit.unit_now.DEFAULT_VARIATION`.
    """
    return unit_now.now_figures(
        unit,
        profile=profile,
        period_start=first,
        window_weeks=window_weeks,
        variation=variation,
        time_to_target_weeks=time_to_target_weeks,
        lang=lang,
    )


#: Columns of the queue-formula table, in the order shown.
_QUEUE_COLUMNS = (
    "stage",
    "demand_per_week",
    "capacity_per_week",
    "activity_per_week",
    "load",
    "queue_size",
    "target_queue_size",
    "target_capacity_per_week",
    "relief_capacity_per_week",
    "time_to_clear_weeks",
)


def _queue_table(now: unit_now.NowFigures) -> pd.DataFrame:
    """The queue formulas per stage from the now figures (columns :data:`_QUEUE_COLUMNS`)."""
    return now.table[list(_QUEUE_COLUMNS)].copy()


def _waits_table(now: unit_now.NowFigures) -> pd.DataFrame:
    """Waits per stage over the now window, the number waiting and the oldest waiting.

    Columns: stage, completed, mean_wait_days, median_wait_days,
    p90_wait_days, share_within_target, target_days, target_share,
    waiting_now, oldest_waiting_days. With counts only the mean wait is
    Little's law's and the rest NaN.
    """
    out = now.table[
        [
            "stage",
            "completed",
            "mean_wait_days",
            "median_wait_days",
            "p90_wait_days",
            "share_within_target",
            "target_days",
            "target_share",
        ]
    ].copy()
    out["waiting_now"] = now.table["queue_size"]
    oldest = []
    for stage in out["stage"]:
        part = now.weekly[now.weekly["stage"].astype(str) == stage] if len(now.weekly) else None
        oldest.append(
            float(part["oldest_waiting_days"].iloc[-1])
            if part is not None and len(part)
            else math.nan
        )
    out["oldest_waiting_days"] = oldest
    return out


def _by_stage(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """A per-stage table as ``{stage: {column: value}}``."""
    return {
        str(row["stage"]): {str(k): v for k, v in row.items()} for row in table.to_dict("records")
    }


def _count(x: Any) -> int | None:
    """A count from the now table as an int (None when it could not be measured)."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else int(x)


def _balance_texts(
    now: unit_now.NowFigures, lang: str, share: bool = False, threshold: int = 0
) -> list[str]:
    """One sentence per stage: in balance, or which criteria fail (or why there is no verdict).

    In share mode a queue below ``threshold`` is written ``<threshold``.
    """
    if not now.ok:
        return list(now.problems["unit"])
    return [
        unit_now.balance_text(
            t(f"flow.stage.{stage}", lang), b, lang, hide_below=threshold if share else None
        )
        for stage, b in now.balance.items()
    ]


def _balance_short(now: unit_now.NowFigures, lang: str) -> str:
    """The verdict in a few words, for the region table."""
    if not now.ok:
        return t("now.balance.short_too_short", lang)
    if now.in_balance:
        return t("now.balance.short", lang)
    reasons = []
    for stage, b in now.balance.items():
        if b.failing:
            names = ", ".join(
                t(
                    f"now.criterion.covers_{b.covers}" if c == "covers" else f"now.criterion.{c}",
                    lang,
                )
                for c in b.failing
            )
            reasons.append(f"{t(f'flow.stage.{stage}', lang)}: {names}")
    return t("now.balance.short_no", lang, reasons="; ".join(reasons))


def _queue_html(now: unit_now.NowFigures, opts: Mapping[str, Any]) -> str:
    """The queue-formula table (one row per stage) as HTML, with the workbook's decimals."""
    lang = str(opts["lang"])
    shown = _queue_table(now)
    shown["stage"] = [t(f"flow.stage.{s}", lang) for s in shown["stage"]]
    one = {
        c: (lambda v: _num(v, lang, 1))
        for c in shown.columns
        if c.endswith("per_week") or c == "time_to_clear_weeks"
    }
    one["load"] = lambda v: _num(v, lang, 2)
    one["queue_size"] = lambda v: _num(v, lang)
    one["target_queue_size"] = lambda v: _num(v, lang)
    one["time_to_clear_weeks"] = lambda v: (
        t("report.never", lang) if math.isinf(v) else _num(v, lang, 1)
    )
    return html_table(
        shown,
        labels={c: t(f"report.col.{c}", lang) for c in shown.columns},
        formats=one,
        counts=["queue_size"],
        **opts,
    )


def _now_blocks(section: Section, now: unit_now.NowFigures, opts: Mapping[str, Any]) -> None:
    """The now figures in a section: window and variation, the table, the verdict, the messages."""
    lang = str(opts["lang"])
    section.text(
        t(
            "report.now_text",
            lang,
            window=unit_now.window_text(now.window, lang),
            variation=unit_now.variation_text(now, lang),
        )
    )
    if not now.ok:
        section.text(now.problems["unit"][0])
        return
    section.html("table", _queue_html(now, opts))
    if any(math.isnan(c) for c in now.table["capacity_per_week"]):
        section.text(t("now.no_staff", lang))
    for line in _balance_texts(now, lang, bool(opts["share"]), int(opts["threshold"])):
        section.text(f"- {line}")
    for stage in _STAGES:
        for note in now.problems.get(stage, ()):
            section.text(f"- {t(f'flow.stage.{stage}', lang)}: {note}")


def _now_meta(now: unit_now.NowFigures, lang: str) -> tuple[list[str], list[str]]:
    """The window and the variation, as rows of an "about" table."""
    return (
        [t("now.window_label", lang), t("now.variation_label", lang)],
        [unit_now.window_text(now.window, lang), unit_now.variation_text(now, lang)],
    )


def _shared_unit(unit: UnitData, weekly: pd.DataFrame) -> UnitData:
    """Share mode: the unit as its rounded weekly counts show it (``period_counts`` only).

    The queue figures and the balance verdict of a shared report are computed
    from this unit, so each of them rests on counts the report shows
    (:func:`toolkit.disclosure.round_flow`), never on the exact ones. Staff
    and time use are kept: capacity from staffing is not a count of patients.
    """
    counts = pd.DataFrame(
        {
            "period": weekly["period"].to_numpy(),
            "stage": weekly["stage"].astype(str).to_numpy(),
            "arrived": weekly["arrivals"].to_numpy(),
            "completed": weekly["completions"].to_numpy(),
            "removed": weekly["removals"].to_numpy(),
            "waiting_end": weekly["waiting_end"].to_numpy(),
        }
    )
    account = {k: v for k, v in unit.account.items() if k != "referrals"}
    account["period_counts"] = TableAccount(
        table="period_counts",
        file="",
        rows_read=len(counts),
        rows_used=len(counts),
        excluded=pd.DataFrame(columns=["row", "column", "reason", "other"]),
    )
    return dataclasses.replace(
        unit, referrals=unit.referrals.iloc[0:0], period_counts=counts, account=account
    )


def _share_waits(waits: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Share mode: waits and shares only where they rest on ``threshold`` patients; counts rounded.

    The median, 90th percentile and share within target of a stage with
    fewer than ``threshold`` completed patients, and the oldest wait of a
    stage with fewer than ``threshold`` (rounded) waiting, are emptied; the
    number completed is rounded to a multiple of 5 (:mod:`toolkit.disclosure`).
    """
    out = waits.copy()
    few = out["completed"].to_numpy(dtype=float) < threshold
    for c in ("median_wait_days", "p90_wait_days", "share_within_target"):
        out[c] = out[c].mask(few)
    out["oldest_waiting_days"] = out["oldest_waiting_days"].mask(
        out["waiting_now"].to_numpy(dtype=float) < threshold
    )
    out["completed"] = disclosure.round_to_base(out["completed"].to_numpy(dtype=float))
    return out


def _share_account(account: pd.DataFrame, exclusions: pd.DataFrame) -> pd.DataFrame:
    """Share mode: the row account rounded so that read = used + excluded holds among shown numbers.

    Rows used and rows excluded for each reason are rounded on their own;
    excluded is the sum of its rounded reasons and read the sum of used and
    excluded (controlled rounding, :func:`toolkit.disclosure.round_parts`).
    """
    out = account.copy()
    for i, row in out.iterrows():
        reasons = exclusions[exclusions["file"] == row["file"]]["rows"].tolist()
        _, excluded = disclosure.round_parts(reasons or [int(row["excluded"])])
        used = int(disclosure.round_to_base([int(row["used"])])[0])
        out.loc[i, ["read", "used", "excluded"]] = [used + excluded, used, excluded]
    return out


def _capacity_table(
    unit: UnitData, arrivals_per_week: float, window: unit_now.Window, lang: str
) -> pd.DataFrame | None:
    """Capacity against demand per staff category in clinician hours a week (None without staff).

    Staff hours (:func:`toolkit.capacity.staff_hours`) less absence and the
    non-clinical share measured in the time-use study when there is one
    (:func:`toolkit.capacity.time_use_shares`), turned into appointments with
    the unit's own visit mix (:func:`toolkit.capacity.appointments_per_week`),
    against the demand of the accepted referrals with the unit's staff mix
    (:func:`toolkit.capacity.demand_hours`), balanced by
    :func:`toolkit.capacity.balance`. The hours per episode are the unit's
    own, measured from its visits over ``window``
    (:func:`toolkit.capacity.hours_per_episode_from_visits`) when the visits
    cover the window; otherwise CAPA's defaults. ``attrs["hours_source"]``
    says which ("visits" or "default").
    """
    if not unit.has("staff"):
        return None
    hours = capacity.staff_hours(unit.staff, on=unit.extract_date, lang=lang)
    non_clinical = (
        capacity.time_use_shares(unit.time_use, lang=lang) if unit.has("time_use") else None
    )
    clinical = capacity.clinical_hours(hours, non_clinical_share=non_clinical, lang=lang)
    visits = unit.visits if unit.has("visits") else None
    appointments = capacity.appointments_per_week(clinical, visits, lang=lang)
    mix = capacity.staff_mix_from_visits(visits, lang=lang) if visits is not None else None
    per_episode = None
    if visits is not None and "referral_id" in visits.columns:
        dates = pd.to_datetime(visits["date"], errors="coerce")
        if dates.min() <= window.start and dates.max() >= window.end - pd.Timedelta(days=6):
            per_episode = capacity.hours_per_episode_from_visits(
                visits, window.start, window.end, lang=lang
            )
    demand = capacity.demand_hours(
        arrivals_per_week, hours_per_episode=per_episode, staff_mix=mix, lang=lang
    )
    out = capacity.balance(appointments, demand, lang=lang)
    out = out.merge(hours[["staff_category", "headcount", "fte"]], on="staff_category", how="left")
    out.attrs["non_clinical_source"] = "time_use" if non_clinical is not None else "default"
    out.attrs["hours_source"] = "visits" if per_episode is not None else "default"
    return out


def _spc_measures(unit: UnitData, profile: TargetProfile) -> list[dict[str, Any]]:
    """The key measures charted: column of the weekly flow, stage, improvement direction, target."""
    measures: list[dict[str, Any]] = [
        {"key": "arrivals", "stage": "first_assessment", "column": "arrivals", "improvement": None},
        {
            "key": "waiting_first",
            "stage": "first_assessment",
            "column": "waiting_end",
            "improvement": "decrease",
        },
        {
            "key": "waiting_deep",
            "stage": "deep_start",
            "column": "waiting_end",
            "improvement": "decrease",
        },
    ]
    if unit.kind == "events":
        measures.append(
            {
                "key": "share_first",
                "stage": "first_assessment",
                "column": "share_within_target",
                "improvement": "increase",
                "target": profile.stages["first_assessment"].share_within,
                "base": "completions",
            }
        )
    return measures


def _spc_series(weekly: pd.DataFrame, measure: Mapping[str, Any], lang: str) -> pd.DataFrame | None:
    """XmR table of one measure over the weeks (None when too few points)."""
    part = weekly[weekly["stage"] == measure["stage"]]
    data = pd.DataFrame(
        {
            "period": part["period"].to_numpy(),
            "value": part[measure["column"]].to_numpy(dtype=float),
            "base": part[measure.get("base", measure["column"])].to_numpy(dtype=float),
        }
    ).dropna(subset=["value"])
    if len(data) < 12:
        return None
    table = spc.spc(
        data,
        value="value",
        date="period",
        improvement=measure["improvement"],
        target=measure.get("target"),
        lang=lang,
    )
    table["base"] = data["base"].to_numpy()
    return table


#: Share mode draws a count's SPC chart only when its median weekly value is at least this
#: (rounding to 5 moves a value by up to 2; on smaller values the chart would show the rounding).
SHARE_SPC_MIN_MEDIAN = 20


def _spc_hidden_in_share(weekly: pd.DataFrame, measure: Mapping[str, Any]) -> bool:
    """Share mode leaves out weekly rates (their base can be worked out) and small counts."""
    if "base" in measure:
        return True
    part = weekly.loc[weekly["stage"] == measure["stage"], measure["column"]]
    return bool(part.empty or float(part.median()) < SHARE_SPC_MIN_MEDIAN)


def _chart_table(table: pd.DataFrame, *, share: bool, threshold: int) -> pd.DataFrame:
    """In share mode, leave out points whose count (or the count they rest on) is 1 to threshold − 1."""
    if not share:
        return table
    base = table["base"].to_numpy(dtype=float)
    out = table.copy()
    out["value"] = out["value"].mask((base > 0) & (base < threshold))
    out.attrs = table.attrs
    return out


def _icons(summary: pd.DataFrame, lang: str) -> str:
    """The variation and assurance icons of one series, in words."""
    row = summary.iloc[0]
    variation = t(f"spc.point_type.{row['variation']}", lang)
    if str(row["variation"]) != "common_cause" and row["variation_side"] is not pd.NA:
        variation += " (" + t(f"report.side.{row['variation_side']}", lang) + ")"
    text = t("report.spc.variation", lang, variation=variation)
    if row["assurance"] is not pd.NA and isinstance(row["assurance"], str):
        text += " " + t(
            "report.spc.assurance", lang, assurance=t(f"spc.assurance.{row['assurance']}", lang)
        )
    return text


def _line_chart(
    weekly: pd.DataFrame, column: str, title: str, lang: str, *, share: bool, threshold: int
) -> Any:
    """Both stages' weekly ``column`` as two lines (points with small counts left out in share mode)."""
    import altair as alt

    from toolkit.charts import _finish

    data = pd.DataFrame(
        {
            "period": weekly["period"].to_numpy(),
            "stage": [t(f"flow.stage.{s}", lang) for s in weekly["stage"]],
            "value": weekly[column].to_numpy(dtype=float),
        }
    )
    if share:
        data["value"] = data["value"].mask((data["value"] > 0) & (data["value"] < threshold))
    chart = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("period:T", title=t("report.axis.week", lang)),
            y=alt.Y("value:Q", title=title),
            color=alt.Color("stage:N", title=t("report.axis.stage", lang)),
        )
        .properties(width=640, height=220, title=title)
    )
    return _finish(chart, lang)


# --------------------------------------------------------------------------- unit report


#: The report's SPC measures and the PDSA log's measure codes (:data:`toolkit.pdsa.MEASURES`).
_PDSA_MEASURES = {
    "arrivals": "arrivals_first",
    "waiting_first": "waiting_first",
    "waiting_deep": "waiting_deep",
    "share_first": "within_first",
}


def _pdsa_section_log(path: str | Path | None, section: Section, lang: str) -> pd.DataFrame | None:
    """The unit's PDSA log, or None; a log that cannot be read is said in ``section``."""
    from toolkit import pdsa

    if path is None:
        return None
    try:
        log = pdsa.read_log(path, lang=lang)
    except DataError as err:
        section.text(t("pdsa.report.unreadable", lang, message=err.message(lang)))
        return None
    section.text(t("pdsa.report.text", lang, count=len(log), file=Path(path).name))
    return log


def _pdsa_notes(log: pd.DataFrame | None, key: str, table: pd.DataFrame) -> pd.DataFrame | None:
    """The change dates of a chart: cycles followed on its measure or on the whole unit."""
    from toolkit import pdsa

    if log is None:
        return None
    end = pd.Timestamp(table["period"].max()) + pd.Timedelta(days=6)
    return pdsa.annotations(
        log, measure=_PDSA_MEASURES.get(key, key), start=table["period"].min(), end=end
    )


def _pdsa_table(log: pd.DataFrame, lang: str) -> str:
    """The cycles of a PDSA log: id, title, measure, start date, decision."""
    columns = ["cycle_id", "title", "measure", "start_date", "decision"]
    shown = log[columns].sort_values(["start_date", "cycle_id"]).copy()
    shown["measure"] = [
        t(f"widgets.spc.measure.{m}", lang) if m else t("pdsa.report.whole_unit", lang)
        for m in shown["measure"]
    ]
    shown["decision"] = [t(f"pdsa.decision.{d}", lang) if d else _DASH for d in shown["decision"]]
    return html_table(
        shown, labels={c: t(f"pdsa.report.col.{c}", lang) for c in columns}, lang=lang
    )


def _parse_date(value: str | dt.date | None, argument: str, lang: str) -> pd.Timestamp | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            "common.param_type", argument=argument, value=value, allowed="YYYY-MM-DD", lang=lang
        ) from exc


def _error_report(title: str, message: str, lang: str) -> Report:
    report = Report(title=title, lang=lang, error=message)
    section = Section("error", t("report.error_heading", lang))
    section.text(t("report.error_text", lang, message=message))
    report.sections.append(section)
    return report


def unit_report(
    unit_path: str | Path,
    *,
    lang: str = "sv",
    unit_name: str = "",
    target_profile: str = "bup_30_30",
    extract_date: str | dt.date | None = None,
    period_start: str | dt.date | None = None,
    share: bool = False,
    threshold: int = privacy.DEFAULT_THRESHOLD,
    time_to_target_weeks: float = waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
    charts: bool = True,
    pdsa_log: str | Path | None = None,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> Report:
    """Compute every section of one unit's report.

    Parameters
    ----------
    unit_path : str or Path
        The unit's data: a folder of CSV files or one workbook.
    lang : {"sv", "en"}
        Language of the report.
    unit_name : str
        The unit's name as readers see it (default: the folder name).
    target_profile : str
        Waiting-time targets (a shipped profile name or a profile file).
    extract_date : str, optional
        Date the data was extracted (YYYY-MM-DD); default today.
    period_start : str, optional
        First day of the report period; default the first referral (or period).
    share : bool
        Share mode: hide counts below ``threshold`` (see the module notes).
    threshold : int
        Smallest count shown in share mode (≥ 2).
    time_to_target_weeks : float
        Weeks in which the relief capacity brings the queue to its target.
    charts : bool
        Render the charts (False skips vl-convert, for quick checks).
    pdsa_log : str or Path, optional
        The unit's PDSA log (:mod:`toolkit.pdsa`, CSV or Excel): the start
        dates of its cycles are drawn on the SPC charts of the measures they
        are followed on (and on every chart for a cycle of the whole unit),
        and the cycles are listed. A log that cannot be read gives a message
        in the SPC section; the rest of the report is unaffected.
    window_weeks : int, default 26
        Whole weeks up to the extract date over which the now figures
        (demand, capacity, activity, queue formulas, waits, balance) are
        measured: :func:`toolkit.unit_now.now_figures`. The charts and the
        SPC section cover the whole report period.
    variation : {"assumed", "measured"}, default "assumed"
        Where the variation of the capacity-needed formula comes from
        (:func:`toolkit.unit_now.now_figures`).

    Returns
    -------
    Report
        Its ``error`` is a readable message (and its only section says so)
        when the data could not be read, a parameter was wrong, or there is
        no data in the period.
    """
    lang = check_language(lang)
    title_name = unit_name or Path(unit_path).name
    title = t("report.unit_title", lang, name=title_name)
    try:
        _check_threshold(threshold, lang)
        profile = load_profile(target_profile)
        extract = _parse_date(extract_date, "extract_date", lang)
        start = _parse_date(period_start, "period_start", lang)
        unit = load_unit(unit_path, lang=lang, extract_date=extract)
        return _build_unit_report(
            unit,
            title,
            profile,
            start,
            share,
            threshold,
            float(time_to_target_weeks),
            charts,
            lang,
            pdsa_log=pdsa_log or None,
            window_weeks=window_weeks,
            variation=variation,
        )
    except DataError as err:
        return _error_report(title, err.message(lang), lang)
    except ParameterError as err:
        return _error_report(title, err.message(lang), lang)


def unit_report_for(
    unit: UnitData,
    *,
    lang: str = "sv",
    unit_name: str = "",
    target_profile: str = "bup_30_30",
    period_start: str | dt.date | None = None,
    share: bool = False,
    threshold: int = privacy.DEFAULT_THRESHOLD,
) -> Report:
    """:func:`unit_report` of a unit already loaded (a workbook's chosen or uploaded unit).

    The other settings take :func:`unit_report`'s defaults; an error in the
    data or a parameter gives a report whose ``error`` says so.
    """
    lang = check_language(lang)
    title = t("report.unit_title", lang, name=unit_name or Path(str(unit.source)).name)
    try:
        _check_threshold(threshold, lang)
        return _build_unit_report(
            unit,
            title,
            load_profile(target_profile),
            _parse_date(period_start, "period_start", lang),
            share,
            threshold,
            waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
            True,
            lang,
        )
    except (DataError, ParameterError) as err:
        return _error_report(title, err.message(lang), lang)


def _check_threshold(threshold: Any, lang: str) -> None:
    """Share mode's threshold must be a whole number of at least 2 (ParameterError naming it)."""
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 2:
        raise ParameterError(
            "common.param_range",
            argument="threshold",
            value=threshold,
            allowed="2, 3, 4 …",
            lang=lang,
        )


def _period_of(
    unit: UnitData, start: pd.Timestamp | None, lang: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the report period; DataError when no data falls in it."""
    if unit.kind == "events":
        dates = unit.referrals["received"].dropna()
        end = unit.extract_date
    else:
        dates = unit.period_counts["period"].dropna()
        end = max(unit.extract_date, dates.max()) if len(dates) else unit.extract_date
    first = start if start is not None else (dates.min() if len(dates) else end)
    if start is not None and start > end:
        raise DataError(
            "report.start_after_end",
            file=unit.source,
            start=_date(start),
            end=_date(end),
            lang=lang,
        )
    if not ((dates >= first) & (dates <= end)).any():
        raise DataError(
            "report.no_data_in_period",
            file=unit.source,
            start=_date(first),
            end=_date(end),
            lang=lang,
        )
    return pd.Timestamp(first), pd.Timestamp(end)


def _weekly_in_period(
    unit: UnitData, profile: TargetProfile, start: pd.Timestamp | None, lang: str
) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """Weekly flow over the report period, with its first week and end; an error if empty."""
    first, end = _period_of(unit, start, lang)
    weekly = flow.weekly_flow(unit, "W", profile=profile, start=first, end=end, lang=lang)
    if weekly.empty:
        raise DataError(
            "report.no_data_in_period",
            file=unit.source,
            start=_date(first),
            end=_date(end),
            lang=lang,
        )
    return weekly, pd.Timestamp(weekly["period"].min()), end


def _build_unit_report(
    unit: UnitData,
    title: str,
    profile: TargetProfile,
    start: pd.Timestamp | None,
    share: bool,
    threshold: int,
    time_to_target_weeks: float,
    charts: bool,
    lang: str,
    *,
    pdsa_log: str | Path | None = None,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> Report:
    weekly, first, end = _weekly_in_period(unit, profile, start, lang)
    if share:
        # Every count below comes from the rounded flow (toolkit.disclosure).
        weekly = disclosure.round_flow(weekly)
    report = Report(title=title, lang=lang)
    opts: dict[str, Any] = {"share": share, "threshold": threshold, "lang": lang}
    stage_labels = {s: t(f"flow.stage.{s}", lang) for s in _STAGES}
    n_weeks = weekly["period"].nunique()
    first_stage = weekly[weekly["stage"] == "first_assessment"]
    arrivals_per_week = float(first_stage["arrivals"].sum()) / max(n_weeks, 1)

    now_real = _now(unit, profile, first, time_to_target_weeks, lang, window_weeks, variation)
    now = (
        _now(
            _shared_unit(unit, weekly),
            profile,
            first,
            time_to_target_weeks,
            lang,
            window_weeks,
            variation,
        )
        if share
        else now_real
    )
    waits = _waits_table(now_real)
    if share:
        waits["waiting_now"] = now.table["queue_size"].to_numpy()
        waits = _share_waits(waits, threshold)
    queue = _queue_table(now)
    w = _by_stage(waits)
    q = _by_stage(queue)
    last = weekly[weekly["period"] == weekly["period"].max()].set_index("stage")
    waiting = {
        s: _count(w[s]["waiting_now"]) if now.ok else int(last.loc[s, "waiting_end"])
        for s in _STAGES
    }
    report.numbers = {
        "kind": unit.kind,
        "period_start": first.date().isoformat(),
        "period_end": end.date().isoformat(),
        "window_start": now.window.start.date().isoformat(),
        "window_end": now.window.end.date().isoformat(),
        "window_weeks": now.window.weeks,
        "variation": now.variation,
        "arrived": int(first_stage["arrivals"].sum()),
        "arrivals_per_week": arrivals_per_week,
        "demand_first": float(q["first_assessment"]["demand_per_week"]),
        "demand_deep": float(q["deep_start"]["demand_per_week"]),
        "waiting_first": waiting["first_assessment"],
        "waiting_deep": waiting["deep_start"],
        "median_wait_first_days": float(w["first_assessment"]["median_wait_days"]),
        "median_wait_deep_days": float(w["deep_start"]["median_wait_days"]),
        "share_within_first": float(w["first_assessment"]["share_within_target"]),
        "share_within_deep": float(w["deep_start"]["share_within_target"]),
        "load_first": float(q["first_assessment"]["load"]),
        "load_deep": float(q["deep_start"]["load"]),
        "in_balance": now.in_balance,
        "balance": {stage: b.failing for stage, b in now.balance.items()},
    }

    # Summary ---------------------------------------------------------------
    summary = Section("summary", t("report.h.summary", lang))
    for paragraph in _summary_texts(report.numbers, now, share, threshold, lang):
        summary.text(paragraph)
    report.sections.append(summary)

    # About -----------------------------------------------------------------
    about = Section("about", t("report.h.about", lang))
    meta = pd.DataFrame(
        {
            "item": [
                t("report.meta.period", lang),
                *_now_meta(now, lang)[0],
                t("report.meta.extract_date", lang),
                t("report.meta.profile", lang),
                t("report.meta.data", lang),
                t("report.meta.share", lang),
                t("report.meta.version", lang),
            ],
            "value": [
                f"{first.date().isoformat()} – {end.date().isoformat()}",
                *_now_meta(now, lang)[1],
                unit.extract_date.date().isoformat(),
                f"{profile.name(lang)} ({profile.id})",
                t(f"report.kind.{unit.kind}", lang),
                t("report.share_on", lang, threshold=threshold) if share else t("common.no", lang),
                __version__,
            ],
        }
    )
    about.html(
        "table",
        html_table(
            meta,
            labels={"item": t("report.col.item", lang), "value": t("report.col.value", lang)},
            **opts,
        ),
    )
    report.sections.append(about)

    # Situation: DCAQ per week ---------------------------------------------
    situation = Section("situation", t("report.h.situation", lang))
    situation.text(t("report.situation_text", lang, weeks=TABLE_WEEKS))
    recent = weekly[
        weekly["period"] >= weekly["period"].max() - pd.Timedelta(weeks=TABLE_WEEKS - 1)
    ]
    dcaq_cols = [
        "period",
        "stage",
        "arrivals",
        "completions",
        "removals",
        "waiting_end",
        "median_wait_days",
        "share_within_target",
    ]
    shown = recent[dcaq_cols].copy()
    shown["stage"] = [stage_labels[str(s)] for s in shown["stage"]]
    situation.html(
        "table",
        html_table(
            shown,
            labels={c: t(f"report.col.{c}", lang) for c in dcaq_cols},
            formats={
                "share_within_target": lambda v: _pct(v, lang),
                "median_wait_days": lambda v: _num(v, lang),
            },
            counts=["arrivals", "completions", "removals", "waiting_end"],
            depends={"median_wait_days": "completions", "share_within_target": "completions"},
            **opts,
        ),
    )
    if charts:
        situation.html(
            "svg",
            svg(
                _line_chart(
                    weekly,
                    "arrivals",
                    t("report.chart.arrivals", lang),
                    lang,
                    share=share,
                    threshold=threshold,
                )
            ),
        )
    report.sections.append(situation)

    # Waits per stage --------------------------------------------------------
    waits_section = Section("waits", t("report.h.waits", lang))
    waits_kind = unit.kind
    within = unit.period_counts.get("completed_within_target")
    if waits_kind == "counts" and within is not None and bool(within.notna().any()):
        waits_kind = "counts_within"  # the counts give the share within target (national)
    waits_section.text(
        t(f"report.waits_text.{waits_kind}", lang, window=unit_now.window_text(now.window, lang))
    )
    shown = waits.copy()
    shown["stage"] = [stage_labels[str(s)] for s in shown["stage"]]
    wait_cols = list(shown.columns)
    for stage in _STAGES:
        for note in now.problems.get(stage, ()):
            if note == t("now.no_completions", lang):
                waits_section.text(f"{stage_labels[stage]}: {note}")
    if not now.ok:
        waits_section.text(now.problems["unit"][0])
    else:
        waits_section.html(
            "table",
            html_table(
                shown,
                labels={c: t(f"report.col.{c}", lang) for c in wait_cols},
                formats={
                    "share_within_target": lambda v: _pct(v, lang),
                    "target_share": lambda v: _pct(v, lang),
                    "median_wait_days": lambda v: _num(v, lang),
                    "mean_wait_days": lambda v: _num(v, lang),
                    "p90_wait_days": lambda v: _num(v, lang),
                    "oldest_waiting_days": lambda v: _num(v, lang),
                },
                counts=["completed", "waiting_now"],
                depends={
                    "mean_wait_days": "completed",
                    "median_wait_days": "completed",
                    "p90_wait_days": "completed",
                    "share_within_target": "completed",
                    "oldest_waiting_days": "waiting_now",
                },
                **opts,
            ),
        )
    report.sections.append(waits_section)

    # Who waits -------------------------------------------------------------
    from toolkit.report_who import who_waits_section  # it builds on this module

    report.sections.append(
        who_waits_section(
            unit,
            profile,
            now_real,
            first,
            charts=charts,
            share=share,
            threshold=threshold,
            lang=lang,
        )
    )

    # First visit versus treatment -------------------------------------------
    versus = Section("versus", t("report.h.versus", lang))
    versus.text(_versus_text(waits, queue, now, lang))
    if charts:
        versus.html(
            "svg",
            svg(
                _line_chart(
                    weekly,
                    "waiting_end",
                    t("report.chart.waiting", lang),
                    lang,
                    share=share,
                    threshold=threshold,
                )
            ),
        )
    report.sections.append(versus)

    # SPC --------------------------------------------------------------------
    spc_section = Section("spc", t("report.h.spc", lang))
    spc_section.text(t("report.spc_text", lang))
    log = _pdsa_section_log(pdsa_log, spc_section, lang)
    for measure in _spc_measures(unit, profile):
        table = _spc_series(weekly, measure, lang)
        name = t(f"report.measure.{measure['key']}", lang)
        if share and _spc_hidden_in_share(weekly, measure):
            spc_section.text(t("report.spc_share_hidden", lang, measure=name))
            continue
        if table is None:
            spc_section.text(t("report.spc_too_few", lang, measure=name))
            continue
        spc_section.text(f"**{name}.** " + _icons(spc.spc_summary(table, lang=lang), lang))
        if charts:
            from toolkit.charts import spc_chart

            spc_section.html(
                "svg",
                svg(
                    spc_chart(
                        _chart_table(table, share=share, threshold=threshold),
                        lang,
                        pdsa=_pdsa_notes(log, measure["key"], table),
                        title=name,
                        height=220,
                    )
                ),
            )
    if log is not None and len(log):
        report.numbers["pdsa_cycles"] = len(log)
        spc_section.html("table", _pdsa_table(log, lang))
    report.sections.append(spc_section)

    # Queue formulas ---------------------------------------------------------
    queue_section = Section("queue", t("report.h.queue", lang))
    queue_section.text(t("report.queue_text", lang, weeks=_num(time_to_target_weeks, lang)))
    _now_blocks(queue_section, now, opts)
    report.sections.append(queue_section)

    # Capacity per staff category -------------------------------------------
    cap_section = Section("capacity", t("report.h.capacity", lang))
    demand_first = float(q["first_assessment"]["demand_per_week"])
    cap = (
        _capacity_table(unit, demand_first, now.window, lang)
        if unit.kind == "events" and now.ok
        else None
    )
    if cap is None:
        cap_section.text(t("report.capacity_none", lang))
    else:
        window_words = unit_now.window_text(now.window, lang)
        cap_section.text(
            t(
                f"report.capacity_text.{cap.attrs['non_clinical_source']}",
                lang,
                per_week=_num(demand_first, lang, 1),
                window=window_words,
            )
            + " "
            + t(f"report.capacity_hours.{cap.attrs['hours_source']}", lang, window=window_words)
        )
        cols = [
            "staff_category",
            "headcount",
            "fte",
            "capacity_hours_per_week",
            "demand_hours_per_week",
            "balance_hours_per_week",
            "load",
        ]
        shown = cap[cols].copy()
        shown["headcount"] = shown["headcount"].astype("Float64")
        shown.loc[shown["staff_category"] == "total", ["headcount", "fte"]] = [
            # share mode: no total headcount beside its rounded parts (no equation to solve)
            math.nan if share else float(shown["headcount"].sum()),
            float(shown["fte"].sum()),
        ]
        shown = capacity.readable(shown, lang)
        labels = dict(zip(shown.columns, shown.columns, strict=True))
        labels[shown.columns[1]] = t("report.col.headcount", lang)
        labels[shown.columns[2]] = t("report.col.fte", lang)
        fmt = {c: (lambda v: _num(v, lang, 1)) for c in shown.columns[2:]}
        fmt[shown.columns[-1]] = lambda v: _num(v, lang, 2)
        cap_section.html(
            "table",
            html_table(shown, labels=labels, formats=fmt, counts=[shown.columns[1]], **opts),
        )
    if unit.has("time_use"):  # administrative time by level (clinical, organisational, national)
        from toolkit.admin_inventory import time_by_level

        levels = time_by_level(capacity.time_use_shares(unit.time_use, lang=lang), lang=lang)
        levels = levels[levels["staff_category"] == "total"][
            ["level", "share_of_time", "share_of_admin"]
        ]
        levels["level"] = [t(f"admin.level.{v}", lang) for v in levels["level"]]
        cap_section.text(t("admin.levels_text", lang))
        cap_section.html(
            "table",
            html_table(
                levels,
                labels={
                    "level": t("admin.col.level", lang),
                    "share_of_time": t("admin.levels_share_of_time", lang),
                    "share_of_admin": t("admin.levels_share_of_admin", lang),
                },
                formats={c: (lambda v: _pct(v, lang)) for c in ("share_of_time", "share_of_admin")},
                **opts,
            ),
        )
    report.sections.append(cap_section)

    # Follow-up of the production plan (PKS element 5; toolkit.report_followup) ---
    from toolkit.report_followup import add_followup_section

    add_followup_section(
        report, unit, profile=profile, history_start=start, log=log,
        share=share, threshold=threshold, charts=charts, lang=lang,
    )  # fmt: skip

    # Data quality -----------------------------------------------------------
    quality = Section("quality", t("report.h.quality", lang))
    quality.text(t("report.quality_text", lang))
    account = unit.row_account(lang)
    if share:
        account = _share_account(account, unit.exclusions(lang))
    quality.html(
        "table",
        html_table(
            account,
            labels={c: t(f"report.col.account_{c}", lang) for c in account.columns},
            counts=["read", "used", "excluded"],
            **opts,
        ),
    )
    exc = unit.exclusions(lang)
    if not exc.empty:
        if share:
            exc = exc.drop(columns=["example_rows"])
        quality.html(
            "table",
            html_table(
                exc,
                labels={c: t(f"report.col.exc_{c}", lang) for c in exc.columns},
                counts=["rows"],
                **opts,
            ),
        )
    for note in [*unit.note_texts(lang), *weekly.attrs.get("notes", [])]:
        if share:
            note = disclosure.round_numbers_in_text(note, threshold, lang=lang)
        quality.text(f"- {note}")
    report.sections.append(quality)
    return report


def _summary_texts(
    numbers: Mapping[str, Any],
    now: unit_now.NowFigures,
    share: bool,
    threshold: int,
    lang: str,
) -> list[str]:
    """A few sentences written from the numbers, in ``lang``."""

    def count(n: Any) -> str:
        if n is None:
            return _num(n, lang)
        return disclosure.display(n, threshold, lang=lang) if share else _num(n, lang)

    texts = [
        t(
            "report.summary.demand",
            lang,
            start=numbers["period_start"],
            end=numbers["period_end"],
            arrived=count(numbers["arrived"]),
            per_week=_num(numbers["arrivals_per_week"], lang, 1),
        ),
        t(
            "report.summary.window",
            lang,
            window=unit_now.window_text(now.window, lang),
            variation=unit_now.variation_text(now, lang),
        ),
    ]
    if not now.ok:
        return [*texts, now.problems["unit"][0]]
    for row in now.table.to_dict("records"):
        stage = str(row["stage"])
        label = t(f"flow.stage.{stage}", lang)
        if not math.isnan(row["share_within_target"]) and not (
            share and 0 < row["completed"] < threshold
        ):
            met = row["share_within_target"] >= row["target_share"]
            texts.append(
                t(
                    "report.summary.share_" + ("met" if met else "missed"),
                    lang,
                    stage=label,
                    share=_pct(row["share_within_target"], lang),
                    days=int(row["target_days"]),
                    target=_pct(row["target_share"], lang),
                )
            )
        known = not math.isnan(row["capacity_per_week"])
        texts.append(
            t(
                "report.summary.capacity" if known else "report.summary.capacity_unknown",
                lang,
                stage=label,
                waiting=count(_count(row["queue_size"])),
                demand=_num(row["demand_per_week"], lang, 1),
                capacity=_num(row["capacity_per_week"], lang, 1),
                activity=_num(row["activity_per_week"], lang, 1),
                need=_num(row["target_capacity_per_week"], lang, 1),
            )
        )
        texts.append(
            unit_now.balance_text(
                label, now.balance[stage], lang, hide_below=threshold if share else None
            )
        )
    return texts


def _versus_text(
    waits: pd.DataFrame, queue: pd.DataFrame, now: unit_now.NowFigures, lang: str
) -> str:
    """The first-visit-versus-treatment picture in one paragraph."""
    w = _by_stage(waits)
    q = _by_stage(queue)
    if not now.ok:
        return now.problems["unit"][0]
    first_ok = bool(
        w["first_assessment"]["share_within_target"] >= w["first_assessment"]["target_share"]
    )
    deep_ok = bool(w["deep_start"]["share_within_target"] >= w["deep_start"]["target_share"])
    deep_growing = now.balance["deep_start"].growing
    if math.isnan(w["first_assessment"]["share_within_target"]):
        key = "counts"
    elif first_ok and (not deep_ok or deep_growing):
        key = "first_only"
    elif first_ok and deep_ok:
        key = "both"
    elif deep_ok:
        key = "deep_only"
    else:
        key = "neither"
    return t(
        f"report.versus.{key}",
        lang,
        first=_pct(w["first_assessment"]["share_within_target"], lang),
        deep=_pct(w["deep_start"]["share_within_target"], lang),
        load_first=_num(q["first_assessment"]["load"], lang, 2),
        load_deep=_num(q["deep_start"]["load"], lang, 2),
        ratio_first=_num(now.balance["first_assessment"].load, lang, 2),
        ratio_deep=_num(now.balance["deep_start"].load, lang, 2),
    )


# --------------------------------------------------------------------------- region overview


def region_overview(
    manifest: str | Path,
    *,
    lang: str = "sv",
    measure: str = "waiting_first",
    share: bool = False,
    threshold: int = privacy.DEFAULT_THRESHOLD,
    charts: bool = True,
    data_roots: str | Iterable[str | Path] = "",
) -> Report:
    """Every unit of a manifest side by side: key measures, balance, SPC small multiples.

    Parameters
    ----------
    manifest : str or Path
        A ``units.yaml`` (see :mod:`toolkit.manifest`).
    lang : {"sv", "en"}
        Language of the overview.
    measure : {"arrivals", "waiting_first", "waiting_deep", "share_first"}
        The measure of the small-multiple SPC charts.
    share, threshold : bool, int
        Share mode, as in :func:`unit_report`.
    charts : bool
        Render the charts.
    data_roots : str or iterable of paths
        Folders besides the manifest's own that units' data may lie in (a
        text is split at the system's path separator).

    Returns
    -------
    Report
        ``numbers["units"]`` holds one dict of key numbers per unit (its
        ``error`` set when the unit failed).
    """
    from toolkit.manifest import read_manifest

    lang = check_language(lang)
    title = t("report.region_title", lang)
    allowed = ("arrivals", "waiting_first", "waiting_deep", "share_first")
    try:
        _check_threshold(threshold, lang)
        if measure not in allowed:
            raise ParameterError(
                "common.param_choice",
                argument="measure",
                value=measure,
                allowed=", ".join(allowed),
                lang=lang,
            )
        roots = data_roots.split(os.pathsep) if isinstance(data_roots, str) else data_roots
        entries = read_manifest(manifest, lang=lang, data_roots=[r for r in roots if r])
    except (DataError, ParameterError) as err:
        return _error_report(title, err.message(lang), lang)
    rows: list[dict[str, Any]] = []
    multiples: list[str] = []
    for entry in entries:
        row: dict[str, Any] = {"id": entry.id, "name": entry.name}
        try:
            profile = load_profile(entry.target_profile)
            unit = load_unit(entry.path, lang=lang, extract_date=entry.extract_date)
            start = _parse_date(entry.extra.get("period_start"), "period_start", lang)
            first, end = _period_of(unit, start, lang)
            weekly = flow.weekly_flow(unit, "W", profile=profile, start=first, end=end, lang=lang)
            if share:
                weekly = disclosure.round_flow(weekly)
            period_first = pd.Timestamp(weekly["period"].min())
            ttt = waitlist.DEFAULT_TIME_TO_TARGET_WEEKS
            now_real = _now(unit, profile, period_first, ttt, lang)
            # share mode: queue figures and verdict from the rounded counts the report shows
            now = (
                _now(_shared_unit(unit, weekly), profile, period_first, ttt, lang)
                if share
                else now_real
            )
            waits = _waits_table(now_real)
            if share:
                waits["waiting_now"] = now.table["queue_size"].to_numpy()
                waits = _share_waits(waits, threshold)
        except (DataError, ParameterError) as err:
            row["error"] = err.message(lang)
            rows.append(row)
            continue
        w, q = _by_stage(waits), _by_stage(_queue_table(now))
        row.update(
            {
                "window": unit_now.window_text(now.window, lang),
                "demand_first": float(q["first_assessment"]["demand_per_week"]),
                "waiting_first": _count(w["first_assessment"]["waiting_now"]),
                "waiting_deep": _count(w["deep_start"]["waiting_now"]),
                "median_wait_first_days": float(w["first_assessment"]["median_wait_days"]),
                "share_within_first": float(w["first_assessment"]["share_within_target"]),
                "share_within_deep": float(w["deep_start"]["share_within_target"]),
                "load_first": float(q["first_assessment"]["load"]),
                "load_deep": float(q["deep_start"]["load"]),
                "in_balance": now.in_balance,
                "balance": _balance_short(now, lang),
                "balance_failing": {stage: b.failing for stage, b in now.balance.items()},
                "error": None,
            }
        )
        rows.append(row)
        if charts:
            spec = next((m for m in _spc_measures(unit, profile) if m["key"] == measure), None)
            if share and spec is not None and _spc_hidden_in_share(weekly, spec):
                spec = None
            table = _spc_series(weekly, spec, lang) if spec is not None else None
            if table is not None:
                from toolkit.charts import spc_chart

                chart = spc_chart(
                    _chart_table(table, share=share, threshold=threshold),
                    lang,
                    title=entry.name,
                    width=300,
                    height=160,
                )
                multiples.append(svg(chart))
    report = Report(title=title, lang=lang, numbers={"units": rows})
    opts: dict[str, Any] = {"share": share, "threshold": threshold, "lang": lang}
    summary = Section("summary", t("report.h.region_summary", lang))
    ok = [r for r in rows if r.get("error") is None]
    summary.text(
        t(
            "report.region_summary",
            lang,
            n=len(rows),
            balanced=sum(1 for r in ok if r["in_balance"]),
            failed=len(rows) - len(ok),
        )
    )
    report.sections.append(summary)
    measures = Section("measures", t("report.h.region_measures", lang))
    measures.text(t("report.region_measures_text", lang))
    cols = [
        "name",
        "window",
        "demand_first",
        "waiting_first",
        "waiting_deep",
        "median_wait_first_days",
        "share_within_first",
        "share_within_deep",
        "load_first",
        "load_deep",
        "balance",
    ]
    table = pd.DataFrame([{c: r.get(c) for c in cols} for r in ok], columns=cols)
    fmt = {
        "demand_first": lambda v: _num(v, lang, 1),
        "median_wait_first_days": lambda v: _num(v, lang),
        "share_within_first": lambda v: _pct(v, lang),
        "share_within_deep": lambda v: _pct(v, lang),
        "load_first": lambda v: _num(v, lang, 2),
        "load_deep": lambda v: _num(v, lang, 2),
    }
    measures.html(
        "table",
        html_table(
            table,
            labels={c: t(f"report.col.region_{c}", lang) for c in cols},
            formats=fmt,
            counts=["waiting_first", "waiting_deep"],
            **opts,
        ),
    )
    report.sections.append(measures)
    failed = [r for r in rows if r.get("error") is not None]
    if failed:
        errors = Section("errors", t("report.h.region_errors", lang))
        for r in failed:
            errors.text(f"**{r['name']}** ({r['id']}): {r['error']}")
        report.sections.append(errors)
    if charts:
        spc_section = Section(
            "spc", t("report.h.region_spc", lang, measure=t(f"report.measure.{measure}", lang))
        )
        spc_section.text(t("report.spc_text", lang))
        spc_section.html("svg", '<div class="bup-multiples">' + "".join(multiples) + "</div>")
        report.sections.append(spc_section)
    about = Section("about", t("report.h.about", lang))
    about.text(t("report.region_about", lang, version=__version__, manifest=Path(manifest).name))
    report.sections.append(about)
    return report


# --------------------------------------------------------------------------- capacity plan


def _formula_beside_simulation(
    demand_per_week: float,
    capacity_per_week: float,
    simulated_wait_weeks: float,
    simulated_se_weeks: float,
    *,
    warm_up_weeks: float,
    start_queue: float,
    scenario: Any,
) -> Any:
    """The long-run formula's mean wait beside the simulated one, and why they may differ.

    The formula is the weekly-slot queue's exact long-run mean
    (:func:`toolkit.queueing.weekly_mean_wait`); the verdict and its sentence
    come from :func:`toolkit.queueing.formula_check`, which names the
    assumption that breaks (a start queue, a short horizon, seasons and
    holiday weeks, or load at or above 1): a
    :class:`toolkit.queueing.FormulaCheck`, or None without capacity.
    ``scenario`` is the simulated :class:`toolkit.simulate.Scenario`.
    """
    from toolkit import queueing  # with the simulation, only when a plan is made

    if not (math.isfinite(capacity_per_week) and capacity_per_week > 0):
        return None
    calendar = (
        scenario.seasonality != "none"
        or scenario.trend_per_year != 0
        or bool(scenario.holiday_weeks)
    )
    return queueing.formula_check(
        queueing.weekly_mean_wait(demand_per_week, capacity_per_week),
        simulated_wait_weeks,
        simulated_se_weeks,
        demand_per_week=demand_per_week,
        capacity_per_week=capacity_per_week,
        warm_up_weeks=warm_up_weeks,
        start_queue=start_queue,
        calendar_effects=calendar,
    )


#: Weeks in a month, for the simulation horizon (365.25 / 12 / 7).
WEEKS_PER_MONTH = 4.35
#: Weeks at the end of the horizon that the simulated figures summarise.
PLAN_LAST_WEEKS = 4


def _plan_check(
    months: Any,
    replications: Any,
    seed: Any,
    freed_admin_share: Any,
    share_group: Any,
    share_digital: Any,
    priority_rule: Any,
    capacity_source: Any,
    lang: str,
) -> None:
    """Readable errors for the capacity plan's own parameters (the modules check the rest)."""
    from toolkit import simulate

    def whole(name: str, value: Any, low: int, high: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ParameterError(
                "common.param_range",
                argument=name,
                value=value,
                allowed=f"{low}–{high}",
                lang=lang,
            )

    whole("months", months, 1, 36)
    whole("replications", replications, 10, 10_000)
    whole("seed", seed, 0, 2**31 - 1)
    for name, value in (
        ("freed_admin_share", freed_admin_share),
        ("share_group", share_group),
        ("share_digital", share_digital),
    ):
        ok = value is None or (
            not isinstance(value, bool)
            and isinstance(value, int | float)
            and 0.0 <= float(value) <= 1.0
        )
        if not ok:
            raise ParameterError(
                "common.param_range", argument=name, value=value, allowed="0–1", lang=lang
            )
    if priority_rule not in simulate.RULES:
        raise ParameterError(
            "common.param_choice",
            argument="priority_rule",
            value=priority_rule,
            allowed=", ".join(simulate.RULES),
            lang=lang,
        )
    if capacity_source not in ("observed", "staff"):
        raise ParameterError(
            "common.param_choice",
            argument="capacity_source",
            value=capacity_source,
            allowed="observed, staff",
            lang=lang,
        )


def _plan_options(
    unit: UnitData,
    added_fte: Mapping[str, float] | None,
    freed_admin_share: float,
    share_group: float | None,
    share_digital: float | None,
    lang: str,
) -> pd.DataFrame | None:
    """What each option gives and costs: :func:`toolkit.capacity.change_effect`'s total row per option.

    Columns: option, fte_change, appointments_change_per_week,
    cost_change_per_year_sek, cost_per_extra_appointment_sek. None without a
    staff table.
    """
    if not unit.has("staff"):
        return None
    hours = capacity.staff_hours(unit.staff, on=unit.extract_date, lang=lang)
    non_clinical = (
        capacity.time_use_shares(unit.time_use, lang=lang) if unit.has("time_use") else None
    )
    visits = unit.visits if unit.has("visits") else None
    options: list[tuple[str, dict[str, Any]]] = []
    if added_fte:
        options.append(("staff", {"added_fte": dict(added_fte)}))
    if freed_admin_share:
        options.append(("admin", {"freed_non_clinical_share": float(freed_admin_share)}))
    if share_group is not None or share_digital is not None:
        options.append(("formats", {"share_group": share_group, "share_digital": share_digital}))
    if len(options) > 1:
        combined: dict[str, Any] = {}
        for _, kw in options:
            combined.update(kw)
        options.append(("all", combined))
    rows = []
    for key, kw in options:
        effect = capacity.change_effect(
            hours, visits, non_clinical_share=non_clinical, lang=lang, **kw
        )
        total: dict[Any, Any] = effect[effect["staff_category"] == "total"].iloc[0].to_dict()
        rows.append(
            {
                "option": t(f"report.plan.option.{key}", lang),
                "fte_change": float(total["fte_after"] - total["fte_before"]),
                "appointments_change_per_week": float(total["appointments_change_per_week"]),
                "cost_change_per_year_sek": float(total["cost_change_per_year_sek"]),
                "cost_per_extra_appointment_sek": float(total["cost_per_extra_appointment_sek"]),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "option",
            "fte_change",
            "appointments_change_per_week",
            "cost_change_per_year_sek",
            "cost_per_extra_appointment_sek",
        ],
    )


def _plan_scenarios(
    unit: UnitData,
    profile: TargetProfile,
    added_fte: Mapping[str, float] | None,
    freed_admin_share: float,
    share_group: float | None,
    share_digital: float | None,
    priority_rule: str,
    capacity_source: str,
    lang: str,
) -> tuple[Any, Any, dict[str, float]]:
    """The calibrated baseline, the scenario with the changes, and the capacity ratio per stage.

    The changes scale the baseline's slots by what they do to the staff's
    slots (:func:`toolkit.simulate.capacity_from_staff` after / before, per
    stage); group and digital shares act through the scenario's own
    :meth:`~toolkit.simulate.Scenario.visit_cost`, and the ratio for stage 2
    in the returned dict includes that effect (patient visits a week).
    """
    from toolkit import simulate

    base = simulate.Scenario(priority_rule="fcfs")
    baseline = simulate.calibrate(
        unit, profile=profile, base=base, capacity=capacity_source, lang=lang
    ).replace(name=t("report.plan.baseline", lang))
    staff_ratio = {"first_assessment": 1.0, "deep_start": 1.0}
    if added_fte or freed_admin_share:
        if not unit.has("staff"):
            raise ParameterError("report.plan.no_staff", argument="added_fte", lang=lang)
        before = simulate.capacity_from_staff(unit, lang=lang)
        after = simulate.capacity_from_staff(
            unit,
            added_fte=added_fte,
            freed_non_clinical_share=float(freed_admin_share),
            lang=lang,
        )
        for stage, b, a in (
            ("first_assessment", before.first_per_week, after.first_per_week),
            ("deep_start", before.deep_per_week, after.deep_per_week),
        ):
            staff_ratio[stage] = a / b if b > 0 else 1.0
    changed = baseline.replace(
        name=t("report.plan.with_changes", lang),
        capacity_first_per_week=baseline.capacity_first_per_week * staff_ratio["first_assessment"],
        capacity_deep_per_week=baseline.capacity_deep_per_week * staff_ratio["deep_start"],
        share_group=baseline.share_group if share_group is None else float(share_group),
        share_digital=baseline.share_digital if share_digital is None else float(share_digital),
        priority_rule=priority_rule,
    )
    ratio = {
        "first_assessment": staff_ratio["first_assessment"],
        "deep_start": staff_ratio["deep_start"] * baseline.visit_cost() / changed.visit_cost(),
    }
    return baseline, changed, ratio


def _plan_chart(weekly: Mapping[str, pd.DataFrame], start: pd.Timestamp, lang: str) -> Any:
    """Queue over time per scenario (mean and the 10–90 % band), one panel per stage."""
    import altair as alt

    from toolkit.charts import _finish

    parts = []
    for name, frame in weekly.items():
        rows = frame[frame["need_class"] == "all"]
        parts.append(
            pd.DataFrame(
                {
                    "period": start + pd.to_timedelta(7 * rows["week"].to_numpy(), unit="D"),
                    "stage": [t(f"flow.stage.{s}", lang) for s in rows["stage"].astype(str)],
                    "scenario": name,
                    "queue": rows["queue_mean"].to_numpy(dtype=float),
                    "lo": rows["queue_lo"].to_numpy(dtype=float),
                    "hi": rows["queue_hi"].to_numpy(dtype=float),
                }
            )
        )
    data = pd.concat(parts, ignore_index=True)
    title = t("report.plan.chart_title", lang)
    x = alt.X("period:T", title=t("report.axis.week", lang))
    colour = alt.Color("scenario:N", title=t("report.plan.col.scenario", lang))
    band = alt.Chart().mark_area(opacity=0.2).encode(x=x, y="lo:Q", y2="hi:Q", color=colour)
    line = (
        alt.Chart()
        .mark_line()
        .encode(x=x, y=alt.Y("queue:Q", title=t("report.plan.axis.queue", lang)), color=colour)
    )
    chart = (
        alt.layer(band, line, data=data)
        .properties(width=300, height=220)
        .facet(column=alt.Column("stage:N", title=None))
        .properties(title=title)
    )
    return _finish(chart, lang)


def capacity_plan(
    unit_path: str | Path,
    *,
    lang: str = "sv",
    unit_name: str = "",
    target_profile: str = "bup_30_30",
    extract_date: str | dt.date | None = None,
    period_start: str | dt.date | None = None,
    added_fte: Mapping[str, float] | None = None,
    freed_admin_share: float = 0.0,
    share_group: float | None = None,
    share_digital: float | None = None,
    priority_rule: str = "fcfs",
    capacity_source: str = "observed",
    time_to_target_weeks: float = waitlist.DEFAULT_TIME_TO_TARGET_WEEKS,
    months: int = 12,
    replications: int = 200,
    seed: int = 1,
    charts: bool = True,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> Report:
    """A capacity plan: capacity needed, what each option gives and costs, and the simulated outcome.

    Parameters
    ----------
    unit_path : str or Path
        The unit's data: a folder of CSV files or one workbook.
    lang : {"sv", "en"}
        Language of the report.
    unit_name : str
        The unit's name as readers see it (default: the folder name).
    target_profile : str
        Waiting-time targets (a shipped profile name or a profile file).
    extract_date, period_start : str, optional
        As in :func:`unit_report`: the data's extract date and the first day
        over which demand and capacity are measured.
    added_fte : mapping staff category -> float, optional
        FTE added (negative: lost) per staff category, e.g.
        ``{"psychologist": 1.0}``.
    freed_admin_share : float, default 0
        Share of the non-clinical (administrative) hours turned into
        clinical hours (0–1).
    share_group, share_digital : float, optional
        Share of stage 2 visits in groups and digitally after the change
        (0–1); ``None`` keeps the unit's own.
    priority_rule : str, default "fcfs"
        Priority rule with the changes (:data:`toolkit.simulate.RULES`); the
        baseline keeps first come, first served.
    capacity_source : {"observed", "staff"}, default "observed"
        Where the simulation's baseline slots come from
        (:func:`toolkit.simulate.calibrate`'s ``capacity``).
    time_to_target_weeks : float
        Weeks in which the relief capacity brings the queue to its target.
    months : int, default 12
        Simulation horizon in months (1–36; ``months × 4.35`` weeks, rounded).
    replications : int, default 200
        Simulation replications (10–10 000).
    seed : int, default 1
        Seed of the simulation (the same seed gives the same report).
    charts : bool
        Render the chart (False skips vl-convert, for quick checks).
    window_weeks, variation : int, str
        The window and variation of the now figures, as in :func:`unit_report`.

    Returns
    -------
    Report
        Sections: summary, about (parameters), analytic answer, options and
        cost, simulated answer (a table per stage, analytic and simulated
        figures side by side, and a chart). ``numbers`` holds ``analytic``
        (the queue formulas per stage, as in :func:`unit_report`),
        ``options`` (per option), ``simulated`` (the
        :func:`toolkit.simulate.compare` table) and ``capacity_ratio`` per
        stage. Its ``error`` is a readable message when the data or a
        parameter is wrong.

    Notes
    -----
    The analytic answer is the unit's now figures
    (:func:`toolkit.unit_now.now_figures`: the queue formulas of
    :mod:`toolkit.waitlist` on the demand measured over the window and the
    capacity from staffing), the same as in :func:`unit_report`.
    The capacity with the changes is the capacity from staffing times the ratio of
    the staff's slots after and before the change
    (:func:`toolkit.simulate.capacity_from_staff`), and at stage 2 also times
    the slots a visit takes before over after (group and digital visits,
    :meth:`toolkit.simulate.Scenario.visit_cost`). The simulated answer runs
    the calibrated baseline and the same scenario with the changes (slots
    scaled by the same ratios, the new formats and priority rule) with common
    random numbers, and summarises the last :data:`PLAN_LAST_WEEKS` weeks of
    the horizon.

    References
    ----------
    Fong K et al. (2022), NHS-R ``NHSRwaitinglist`` (target and relief
    capacity); Socialstyrelsen's PKS support (beslut för balans).
    """
    lang = check_language(lang)
    title_name = unit_name or Path(unit_path).name
    title = t("report.plan.title", lang, name=title_name)
    try:
        _plan_check(
            months,
            replications,
            seed,
            freed_admin_share,
            share_group,
            share_digital,
            priority_rule,
            capacity_source,
            lang,
        )
        profile = load_profile(target_profile)
        extract = _parse_date(extract_date, "extract_date", lang)
        start = _parse_date(period_start, "period_start", lang)
        unit = load_unit(unit_path, lang=lang, extract_date=extract)
        return _build_capacity_plan(
            unit,
            title,
            profile,
            start,
            dict(added_fte or {}),
            float(freed_admin_share),
            share_group,
            share_digital,
            priority_rule,
            capacity_source,
            float(time_to_target_weeks),
            int(months),
            int(replications),
            int(seed),
            charts,
            lang,
            window_weeks=window_weeks,
            variation=variation,
        )
    except DataError as err:
        return _error_report(title, err.message(lang), lang)
    except ParameterError as err:
        return _error_report(title, err.message(lang), lang)


def _build_capacity_plan(
    unit: UnitData,
    title: str,
    profile: TargetProfile,
    start: pd.Timestamp | None,
    added_fte: dict[str, float],
    freed_admin_share: float,
    share_group: float | None,
    share_digital: float | None,
    priority_rule: str,
    capacity_source: str,
    time_to_target_weeks: float,
    months: int,
    replications: int,
    seed: int,
    charts: bool,
    lang: str,
    *,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> Report:
    from toolkit import simulate

    _weekly, first, end = _weekly_in_period(unit, profile, start, lang)
    now = _now(unit, profile, first, time_to_target_weeks, lang, window_weeks, variation)
    queue = now.table.copy()
    baseline, changed, ratio = _plan_scenarios(
        unit,
        profile,
        added_fte,
        freed_admin_share,
        share_group,
        share_digital,
        priority_rule,
        capacity_source,
        lang,
    )
    queue["capacity_after_per_week"] = queue["capacity_per_week"] * queue["stage"].map(ratio)
    queue["load_after"] = queue["demand_per_week"] / queue["capacity_after_per_week"].where(
        queue["capacity_after_per_week"] > 0
    )
    options = _plan_options(unit, added_fte, freed_admin_share, share_group, share_digital, lang)

    weeks = round(months * WEEKS_PER_MONTH)
    runs = {
        sc.name: simulate.run(sc, weeks, replications, seed, lang=lang)
        for sc in (baseline, changed)
    }
    # the same table as simulate.compare([baseline, changed], ...), from the runs the chart needs
    parts = []
    sim_notes: list[str] = []
    for name, frame in runs.items():
        part = simulate.summary(frame, PLAN_LAST_WEEKS, lang=lang)
        sim_notes += [f"{name}: {n}" for n in part.attrs["notes"]]
        part.insert(0, "scenario", name)
        parts.append(part)
    simulated = pd.concat(parts, ignore_index=True)
    simulated.attrs = {"weeks": weeks, "last_weeks": PLAN_LAST_WEEKS, "notes": sim_notes}

    report = Report(title=title, lang=lang)
    report.numbers = {
        "analytic": queue,
        "options": options,
        "simulated": simulated,
        "capacity_ratio": ratio,
        "weeks": weeks,
        "window_start": now.window.start.date().isoformat(),
        "window_end": now.window.end.date().isoformat(),
        "window_weeks": now.window.weeks,
        "in_balance": now.in_balance,
        "scenarios": {"baseline": baseline.as_dict(), "with_changes": changed.as_dict()},
    }
    stage_labels = {s: t(f"flow.stage.{s}", lang) for s in _STAGES}
    q = _by_stage(queue)
    sim_all = simulated[simulated["need_class"] == "all"].set_index(["scenario", "stage"])

    def sim(name: str, stage: str, column: str) -> float:
        value: Any = sim_all.loc[(name, stage), column]
        return float(value)

    # Summary ---------------------------------------------------------------
    summary = Section("summary", t("report.h.summary", lang))
    for stage in _STAGES:
        row = q[stage]
        target_share = profile.stages[stage].share_within
        summary.text(
            t(
                "report.plan.summary_stage",
                lang,
                stage=stage_labels[stage],
                demand=_num(row["demand_per_week"], lang, 1),
                capacity=_num(row["capacity_per_week"], lang, 1),
                needed=_num(row["target_capacity_per_week"], lang, 1),
                after=_num(row["capacity_after_per_week"], lang, 1),
                months=months,
                queue_now=_num(row["queue_size"], lang),
                queue_base=_num(sim(baseline.name, stage, "queue_end"), lang),
                queue_after=_num(sim(changed.name, stage, "queue_end"), lang),
                within_base=_pct(sim(baseline.name, stage, "share_within_target"), lang),
                within_after=_pct(sim(changed.name, stage, "share_within_target"), lang),
                target_share=_pct(target_share, lang),
            )
        )
    summary.text(t("report.plan.summary_caveat", lang))
    report.sections.append(summary)

    # About -----------------------------------------------------------------
    about = Section("about", t("report.h.about", lang))
    fte_text = (
        ", ".join(f"{k}: {_num(v, lang, 1)}" for k, v in added_fte.items()) if added_fte else _DASH
    )
    meta = pd.DataFrame(
        {
            "item": [
                t("report.meta.period", lang),
                *_now_meta(now, lang)[0],
                t("report.meta.extract_date", lang),
                t("report.meta.profile", lang),
                t("report.plan.meta.added_fte", lang),
                t("report.plan.meta.freed_admin", lang),
                t("report.plan.meta.formats", lang),
                t("report.plan.meta.rule", lang),
                t("report.plan.meta.simulation", lang),
                t("report.meta.version", lang),
            ],
            "value": [
                f"{first.date().isoformat()} – {end.date().isoformat()}",
                *_now_meta(now, lang)[1],
                unit.extract_date.date().isoformat(),
                f"{profile.name(lang)} ({profile.id})",
                fte_text,
                _pct(freed_admin_share, lang),
                f"{_pct(changed.share_group, lang)} / {_pct(changed.share_digital, lang)}",
                t(f"report.plan.rule.{priority_rule}", lang),
                t(
                    "report.plan.meta.simulation_value",
                    lang,
                    months=months,
                    weeks=weeks,
                    replications=replications,
                    seed=seed,
                    source=t(f"report.plan.source.{capacity_source}", lang),
                ),
                __version__,
            ],
        }
    )
    labels_meta = {"item": t("report.col.item", lang), "value": t("report.col.value", lang)}
    about.html("table", html_table(meta, labels=labels_meta, lang=lang))
    report.sections.append(about)

    # Analytic answer ---------------------------------------------------------
    analytic = Section("analytic", t("report.plan.h.analytic", lang))
    analytic.text(t("report.plan.analytic_text", lang, weeks=_num(time_to_target_weeks, lang)))
    analytic.text(
        t(
            "report.now_text",
            lang,
            window=unit_now.window_text(now.window, lang),
            variation=unit_now.variation_text(now, lang),
        )
    )
    if not now.ok:
        analytic.text(now.problems["unit"][0])
    shown = queue[
        [
            "stage",
            "demand_per_week",
            "capacity_per_week",
            "activity_per_week",
            "load",
            "queue_size",
            "target_queue_size",
            "target_capacity_per_week",
            "relief_capacity_per_week",
            "capacity_after_per_week",
            "load_after",
        ]
    ].copy()
    shown["stage"] = shown["stage"].map(stage_labels)
    analytic.html(
        "table",
        html_table(
            shown,
            labels={c: t(f"report.plan.col.{c}", lang) for c in shown.columns},
            formats={
                "load": lambda x: _num(x, lang, 2),
                "load_after": lambda x: _num(x, lang, 2),
                "queue_size": lambda x: _num(x, lang),
                "target_queue_size": lambda x: _num(x, lang),
                **{
                    c: (lambda x: _num(x, lang, 1)) for c in shown.columns if c.endswith("per_week")
                },
            },
            lang=lang,
        ),
    )
    if any(math.isnan(c) for c in now.table["capacity_per_week"]):
        analytic.text(t("now.no_staff", lang))
    if now.ok:
        for line in _balance_texts(now, lang):
            analytic.text(f"- {line}")
    report.sections.append(analytic)

    # Options and cost ------------------------------------------------------
    costs = Section("options", t("report.plan.h.options", lang))
    if options is None:
        costs.text(t("report.plan.no_staff_table", lang))
    elif options.empty:
        costs.text(t("report.plan.no_options", lang))
    else:
        costs.text(t("report.plan.options_text", lang))
        shown_o = options.copy()
        costs.html(
            "table",
            html_table(
                shown_o,
                labels={c: t(f"report.plan.col.{c}", lang) for c in shown_o.columns},
                formats={
                    "fte_change": lambda x: _num(x, lang, 1),
                    "appointments_change_per_week": lambda x: _num(x, lang, 1),
                },
                lang=lang,
            ),
        )
    if priority_rule != "fcfs":
        costs.text(
            t("report.plan.rule_text", lang, rule=t(f"report.plan.rule.{priority_rule}", lang))
        )
    report.sections.append(costs)

    # Simulated answer, side by side ------------------------------------------
    simulated_section = Section("simulated", t("report.plan.h.simulated", lang))
    simulated_section.text(
        t("report.plan.simulated_text", lang, months=months, last=PLAN_LAST_WEEKS)
    )
    names = (baseline.name, changed.name)
    for stage in _STAGES:
        row = q[stage]

        def spread(name: str, stage: str = stage) -> str:
            return (
                f"{_num(sim(name, stage, 'queue_end'), lang)} "
                f"({_num(sim(name, stage, 'queue_end_lo'), lang)}–"
                f"{_num(sim(name, stage, 'queue_end_hi'), lang)})"
            )

        side = pd.DataFrame(
            {
                "measure": [
                    t("report.plan.row.capacity", lang),
                    t("report.plan.row.load", lang),
                    t("report.plan.row.target_capacity", lang),
                    t("report.plan.row.queue", lang),
                    t("report.plan.row.wait_mean", lang),
                    t("report.plan.row.wait_p90", lang),
                    t("report.plan.row.within", lang),
                ],
                "kind": [t("report.plan.kind.analytic", lang)] * 3
                + [t("report.plan.kind.simulated", lang)] * 4,
                "baseline": [
                    _num(row["capacity_per_week"], lang, 1),
                    _num(row["load"], lang, 2),
                    _num(row["target_capacity_per_week"], lang, 1),
                    spread(names[0]),
                    _num(sim(names[0], stage, "wait_mean_weeks"), lang, 1),
                    _num(sim(names[0], stage, "wait_p90_weeks"), lang, 1),
                    _pct(sim(names[0], stage, "share_within_target"), lang),
                ],
                "with_changes": [
                    _num(row["capacity_after_per_week"], lang, 1),
                    _num(row["load_after"], lang, 2),
                    _num(row["target_capacity_per_week"], lang, 1),
                    spread(names[1]),
                    _num(sim(names[1], stage, "wait_mean_weeks"), lang, 1),
                    _num(sim(names[1], stage, "wait_p90_weeks"), lang, 1),
                    _pct(sim(names[1], stage, "share_within_target"), lang),
                ],
            }
        )
        simulated_section.text(f"**{stage_labels[stage]}**")
        simulated_section.html(
            "table",
            html_table(
                side,
                labels={
                    "measure": t("report.plan.col.measure", lang),
                    "kind": t("report.plan.col.kind", lang),
                    "baseline": names[0],
                    "with_changes": names[1],
                },
                lang=lang,
            ),
        )
        for name, scenario, cap_col in (
            (names[0], baseline, "capacity_per_week"),
            (names[1], changed, "capacity_after_per_week"),
        ):
            check = _formula_beside_simulation(
                float(row["demand_per_week"]),
                float(row[cap_col]),
                sim(name, stage, "wait_mean_weeks"),
                sim(name, stage, "wait_mean_weeks_se"),
                warm_up_weeks=weeks - PLAN_LAST_WEEKS,
                start_queue=float(row["queue_size"]),
                scenario=scenario,
            )
            if check is not None:
                simulated_section.text(f"{name}: {check.message(lang)}")
    for note in sim_notes:
        simulated_section.text(note)
    if charts:
        simulated_section.html("svg", svg(_plan_chart(runs, unit.extract_date, lang)))
    report.sections.append(simulated_section)
    return report
