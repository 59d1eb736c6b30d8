"""The sections of the per-unit and region reports: tables, charts and plain-language text.

The report notebooks in ``notebooks/reports`` hold a parameters cell and a
few calls into this package; everything a report shows is computed here from
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
* A unit whose counts are per calendar month (national statistics) gets
  the monthly counts-only report of :mod:`~toolkit.report.monthly`
  instead: months shown as months, shares within target from the counts.
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

The package has one module per section, and builders that read as a table
of contents:

* :mod:`~toolkit.report.unit` (:func:`unit_report`, :func:`unit_report_for`)
  and :mod:`~toolkit.report.plan` (:func:`capacity_plan`) compute their
  figures once (``_figures``, ``_plan_figures``) and list their sections;
  :mod:`~toolkit.report.region` (:func:`region_overview`) does the same per unit.
* The unit report's sections: :mod:`~toolkit.report.summary`,
  :mod:`~toolkit.report.about`, :mod:`~toolkit.report.situation`,
  :mod:`~toolkit.report.waits`, :mod:`~toolkit.report.treatment` (counts with
  a third stage, treatment), :mod:`~toolkit.report.who`,
  :mod:`~toolkit.report.versus`, :mod:`~toolkit.report.spc_charts`,
  :mod:`~toolkit.report.queue_formulas`, :mod:`~toolkit.report.staff_capacity`,
  :mod:`~toolkit.report.quality`; the plan's in :mod:`~toolkit.report.plan_sections`.
* ``_html`` holds the containers (:class:`Report`, :class:`Section`,
  :class:`Block`) and the only code that writes markup: :func:`text_html`,
  :func:`html_table` and :func:`svg` escape what they insert. ``_format``
  writes numbers, shares and dates; ``_checks`` puts the report's own arguments
  through :mod:`toolkit._checks` and builds the report that says what went wrong.

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

from toolkit.report._checks import _error_report as error_report
from toolkit.report._format import _date, _num, _pct
from toolkit.report._html import (
    TABLE_CLASS,
    Block,
    Report,
    Section,
    ShownChart,
    ShownTable,
    block_html,
    html_table,
    svg,
    text_html,
)
from toolkit.report.plan import PLAN_LAST_WEEKS, WEEKS_PER_MONTH, capacity_plan
from toolkit.report.region import region_overview
from toolkit.report.situation import TABLE_WEEKS
from toolkit.report.spc_charts import SHARE_SPC_MIN_MEDIAN
from toolkit.report.unit import unit_report, unit_report_for

__all__ = [
    "PLAN_LAST_WEEKS",
    "SHARE_SPC_MIN_MEDIAN",
    "TABLE_CLASS",
    "TABLE_WEEKS",
    "WEEKS_PER_MONTH",
    "Block",
    "Report",
    "Section",
    "ShownChart",
    "ShownTable",
    "_date",
    "_num",
    "_pct",
    "block_html",
    "capacity_plan",
    "error_report",
    "html_table",
    "region_overview",
    "svg",
    "text_html",
    "unit_report",
    "unit_report_for",
]
