"""Altair charts drawn from calculated tables only: the toolkit's one home for charts.

Every chart here takes a table that a calculation module returned and draws
it; no chart computes a statistic, and no chart carries person-level rows
(only the columns it draws are embedded). Charts are returned, never shown.
Render them offline with ``vl_convert`` (SVG/PNG) or ``chart.save(...,
inline=True)``; see docs/architecture.md.

The package's modules:

- :mod:`toolkit.charts.theme`: Swedish formats, projector font sizes and
  legends every chart gets (:func:`finish`), the layouts for a report page
  (:func:`for_page`) and a workbook page (:func:`for_workbook`);
- :mod:`toolkit.charts.spc`: the SPC chart (:func:`spc_chart`, :func:`spc_spec`);
- :mod:`toolkit.charts.national`: the funnel plot (:func:`funnel_chart`);
- :mod:`toolkit.charts.kvips`: the KvIPS cycle's synthesis (:func:`kvips_synthesis_chart`);
- :mod:`toolkit.charts.report`: the unit report's charts (:func:`line_chart`,
  :func:`who_waits_chart`, :func:`plan_queue_chart`);
- :mod:`toolkit.charts.lessons`: the lessons' charts (``lesson_*_chart``);
- :mod:`toolkit.charts.workbooks`: the workbooks' charts, as Vega-Lite
  specifications whose numbers are named datasets filled in at each update.

Every public name is importable from ``toolkit.charts``.
"""

from __future__ import annotations

from toolkit.charts.kvips import kvips_synthesis_chart
from toolkit.charts.lessons import (
    lesson_flow_chart,
    lesson_rule_chart,
    lesson_stage_chart,
    lesson_time_use_chart,
    lesson_variation_chart,
)
from toolkit.charts.national import FUNNEL_COLOURS, funnel_chart
from toolkit.charts.report import line_chart, plan_queue_chart, who_waits_chart
from toolkit.charts.spc import SPC_COLOURS, spc_chart, spc_spec
from toolkit.charts.theme import CHART_FONT_PX, SV_LOCALE, finish, for_page, for_workbook
from toolkit.charts.workbooks import (
    PRIORITY_RULE_COLOURS,
    PRIORITY_SLOTS,
    demand_spec,
    empty_chart,
    plan_spec,
    priority_spec,
    queues_spec,
    radar_spec,
    time_use_chart,
    who_chart_spec,
)

__all__ = [
    "CHART_FONT_PX",
    "FUNNEL_COLOURS",
    "PRIORITY_RULE_COLOURS",
    "PRIORITY_SLOTS",
    "SPC_COLOURS",
    "SV_LOCALE",
    "demand_spec",
    "empty_chart",
    "finish",
    "for_page",
    "for_workbook",
    "funnel_chart",
    "kvips_synthesis_chart",
    "lesson_flow_chart",
    "lesson_rule_chart",
    "lesson_stage_chart",
    "lesson_time_use_chart",
    "lesson_variation_chart",
    "line_chart",
    "plan_queue_chart",
    "plan_spec",
    "priority_spec",
    "queues_spec",
    "radar_spec",
    "spc_chart",
    "spc_spec",
    "time_use_chart",
    "who_chart_spec",
    "who_waits_chart",
]
