"""The charts that moved into toolkit.charts draw exactly what they drew before the move.

Each chart's Vega-Lite specification, for the fixed inputs below, is
compared with the digest of the specification the code drew before the
charts moved from the workbooks and the report into ``toolkit/charts/``
(tests/chart_specs_sha256.json, where it says how it was computed). A
digest is kept instead of the specifications themselves (300 kB).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from toolkit import charts
from toolkit import selfassess as sa
from toolkit.i18n import t
from toolkit.lessons import l1_flow, l2_waitlist, l4_capacity, l5_priority
from toolkit.spc import spc

EXPECTED = json.loads((Path(__file__).parent / "chart_specs_sha256.json").read_text("utf-8"))

PRIORITY_CLASSES = ["urgent", "high", "routine"]
PRIORITY_AIMS = {"first_assessment": 0.9, "deep_start": 0.75}
TIME_SHARES = pd.DataFrame(
    {
        "staff_category": ["psychologist", "psychologist", "nurse", "nurse"],
        "activity": ["patient_direct", "documentation", "patient_direct", "meetings"],
        "share": [0.6, 0.4, 0.7, 0.3],
    }
)
LINE_WEEKLY = pd.DataFrame(
    {
        "period": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-08"]),
        "stage": ["first_assessment", "deep_start", "first_assessment", "deep_start"],
        "arrivals": [3.0, 12.0, 0.0, 7.0],
    }
)
#: Weekly counts with a shift up in week 16 (the rebase date).
SPC_BEFORE = (5, 7, 6, 8, 5, 6, 7, 9, 6, 5, 7, 6, 8, 7, 6)
SPC_AFTER = (12, 13, 12, 14, 13, 12, 15, 13, 14, 12, 13, 14, 15, 13, 12)
SPC_DATA = pd.DataFrame(
    {
        "week": pd.date_range("2024-01-01", periods=30, freq="W-MON"),
        "n": [*SPC_BEFORE, *SPC_AFTER],
    }
)
PDSA = pd.DataFrame(
    {"date": pd.to_datetime(["2024-04-15", "2024-04-22"]), "label": ["Ny rutin", "Drop-in"]}
)
#: The placeholder of the queue chart's y limit, which the template before the move kept.
QUEUE_Y_PLACEHOLDER = 987654.25

#: The table the unit report's *Who waits?* section draws (two groupings, one group hidden).
WHO_TABLE = pd.DataFrame(
    {
        "stage": ["first_assessment"] * 5 + ["deep_start"],
        "hidden": [False, False, True, False, False, False],
        "completed": [40, 25, 3, 30, 0, 20],
        "grouping_label": ["Kön", "Kön", "Kön", "Ålder", "Ålder", "Kön"],
        "group_label": ["Flicka", "Pojke", "Annat", "6–12 år", "13–17 år", "Flicka"],
        "share_within_target": [0.55, 0.4, 0.3, 0.625, float("nan"), 0.5],
        "share_low": [0.4, 0.22, 0.05, 0.45, float("nan"), 0.3],
        "share_high": [0.7, 0.6, 0.7, 0.78, float("nan"), 0.7],
    }
)
#: Two scenarios' weekly queues (mean and the 10–90 % band) as the plan section gets them.
PLAN_WEEKLY = {
    name: pd.DataFrame(
        {
            "week": [0, 1, 2, 0, 1, 2, 0],
            "stage": ["first_assessment"] * 3 + ["deep_start"] * 3 + ["first_assessment"],
            "need_class": ["all"] * 6 + ["urgent"],
            "queue_mean": [50.0 + k, 48.5, 47.25, 80.0, 81.5 - k, 83.0, 9.0],
            "queue_lo": [45.0, 42.0, 40.0, 70.0, 70.5, 71.0, 5.0],
            "queue_hi": [55.0, 55.5, 56.0, 90.0, 92.0, 95.0 + k, 12.0],
        }
    )
    for k, name in enumerate(["Som nu", "Plan"])
}
PLAN_START = pd.Timestamp("2024-09-02")
#: Lesson 1's first-stage year, four weeks of it.
L1_YEAR = pd.DataFrame(
    {
        "period": pd.date_range("2024-01-01", periods=4, freq="W-MON"),
        "arrivals": [12, 15, 9, 14],
        "completions": [10, 11, 12, 9],
        "removals": [1, 0, 2, 1],
        "waiting_end": [40, 44, 39, 43],
    }
)
#: Lesson 4's minutes per activity (largest first).
L4_MINUTES = pd.Series(
    [5200.0, 2600.0, 1300.0, 650.0],
    index=["patient_direct", "documentation", "meetings", "travel"],
)
#: Lesson 5's weekly flow, two weeks of both stages.
L5_FLOW = pd.DataFrame(
    {
        "period": pd.to_datetime(["2024-01-07", "2024-01-07", "2024-01-14", "2024-01-14"]),
        "stage": pd.Categorical(["first_assessment", "deep_start"] * 2),
        "waiting_end": [30, 55, 28, 57],
    }
)


def lesson_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lessons' charts drawn from the small tables above instead of the sample units."""
    monkeypatch.setattr(l1_flow, "_first_stage_year", lambda unit_id: L1_YEAR)
    monkeypatch.setattr(
        l2_waitlist,
        "queue_paths",
        lambda demand, capacity, seed: np.array([[3.0, 5.0, 4.0], [2.0, 6.0, seed]]),
    )
    monkeypatch.setattr(
        l2_waitlist,
        "variation_check",
        lambda demand: [
            SimpleNamespace(formula_wait_weeks=0.2, simulated_wait_weeks=0.25),
            SimpleNamespace(formula_wait_weeks=0.45, simulated_wait_weeks=0.5),
            SimpleNamespace(formula_wait_weeks=None, simulated_wait_weeks=3.5),
        ],
    )
    monkeypatch.setattr(l4_capacity, "_activity_minutes", lambda: L4_MINUTES)
    monkeypatch.setattr(l5_priority, "_flow", lambda: L5_FLOW)
    waits = {"fcfs": 6.0, "first_visit_first": 4.5, "need": 5.25}
    stages = {"first_assessment": 1.0, "deep_start": 2.0}
    monkeypatch.setattr(l5_priority, "_wait", lambda rule, stage: waits[rule] * stages[stage])


def digest(spec: Any) -> str:
    """sha256 of the spec as sorted JSON, floats to 10 significant digits."""

    def canon(x: Any) -> Any:
        if isinstance(x, float):
            return float(f"{x:.10g}")
        if isinstance(x, dict):
            return {str(k): canon(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [canon(v) for v in x]
        return x

    text = json.dumps(canon(spec), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def spc_table(chart: str = "xmr") -> pd.DataFrame:
    options: dict[str, Any] = {}
    if chart != "run":
        options = {
            "improvement": "increase",
            "target": 10.0,
            "rebase": [pd.Timestamp("2024-04-15")],
        }
    return spc(SPC_DATA, value="n", date="week", chart=chart, **options)


def radar(builtin: str, prefix: str, lang: str, other: str | None) -> dict[str, Any]:
    """The radar as the self-assessment workbook asks for it (unit "Enhet X", round 2026)."""
    q = sa.load_questionnaire(builtin, lang=lang)
    title = t(f"{prefix}chart_title", lang, unit="Enhet X", round="2026")
    if other is not None:
        title += " – " + t("selfassess.ui.compare_line", lang, label=other)
    return charts.radar_spec(
        [q.group(g.id).name[lang] for g in q.groups],
        [q.respondent(r.id).name[lang] for r in q.respondents],
        (q.scale_min, q.scale_max),
        lang,
        title=title,
        legend=t(f"{prefix}respondent", lang),
        compare=other is not None,
    )


def spec_of(name: str, lang: str) -> Any:
    """The chart called ``name`` in the expected digests, drawn by toolkit.charts.

    The lessons' charts are drawn through the lesson's own function (on the
    tables of :func:`lesson_inputs`), which calls toolkit.charts.
    """
    if name == "report_who":
        return charts.who_waits_chart(WHO_TABLE, 0.5, lang).to_dict()
    if name == "report_who_no_overall":
        return charts.who_waits_chart(WHO_TABLE, float("nan"), lang).to_dict()
    if name == "report_plan":
        return charts.plan_queue_chart(PLAN_WEEKLY, PLAN_START, lang).to_dict()
    lessons = {
        "lesson_l1_flow": lambda: l1_flow.flow_chart("A", lang),
        "lesson_l2_variation": lambda: l2_waitlist.variation_chart(lang, 20.0),
        "lesson_l4_time_use": lambda: l4_capacity.time_use_chart(lang),
        "lesson_l5_stage": lambda: l5_priority.stage_chart(lang),
        "lesson_l5_rule": lambda: l5_priority.rule_chart(lang),
    }
    if name in lessons:
        return lessons[name]().chart.to_dict()
    if name.startswith("priority"):
        aims = {"first_assessment": 0.9} if name == "priority_one_aim" else PRIORITY_AIMS
        labels = [t(f"widgets.priority.class.{k}", lang) for k in PRIORITY_CLASSES]
        return charts.priority_spec(labels, aims, lang)
    if name == "demand":
        series = ("demand", "activity", "capacity", "queue", "projected", "target_queue")
        names = {k: t(f"widgets.demand.series.{k}", lang) for k in series}
        return charts.demand_spec(names, ("first_assessment", "deep_start"), lang, width=620)
    if name.startswith("radar_"):
        _, builtin, mode = name.split("_")
        other = "BUP Y 2025" if mode == "compare" else None
        return radar(builtin, f"widgets.{builtin}.", lang, other)
    if name == "plan":
        return charts.plan_spec(lang)
    if name == "queues":
        return charts.queues_spec(lang, QUEUE_Y_PLACEHOLDER)
    if name == "timeuse":  # summed per category and activity as the workbook does
        per = TIME_SHARES.groupby(["staff_category", "activity"], observed=True, as_index=False)
        chart = charts.time_use_chart(per["share"].sum(), lang)
        return charts.for_workbook(chart).to_dict()
    if name.startswith("line_"):
        chart = charts.line_chart(
            LINE_WEEKLY, "arrivals", "Title", lang, share=name == "line_share", threshold=5
        )
        return chart.to_dict()
    if name == "spc":
        return charts.spc_chart(spc_table(), lang, pdsa=PDSA, title="T").to_dict()
    if name == "spc_run":
        return charts.spc_chart(spc_table("run"), lang).to_dict()
    raise AssertionError(name)


CASES = sorted(key for key in EXPECTED if not key.startswith("_"))


@pytest.mark.parametrize("case", CASES)
def test_moved_chart_draws_the_same_spec_as_before(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, lang = case.rsplit("_", 1)
    lesson_inputs(monkeypatch)
    assert digest(spec_of(name, lang)) == EXPECTED[case]


def test_every_moved_chart_is_checked_in_both_languages() -> None:
    names = {case.rsplit("_", 1)[0] for case in CASES}
    assert {"priority", "demand", "radar_pks_alone", "plan", "queues", "timeuse"} <= names
    assert {"line_count", "spc"} <= names
    assert {"report_who", "report_who_no_overall", "report_plan", "lesson_l1_flow"} <= names
    assert {"lesson_l2_variation", "lesson_l4_time_use", "lesson_l5_stage"} <= names
    assert "lesson_l5_rule" in names
    assert all(f"{n}_{lang}" in EXPECTED for n in names for lang in ("sv", "en"))


def test_queue_chart_takes_the_y_limit_asked_for() -> None:
    spec = charts.queues_spec("en", 42.5)
    assert str(QUEUE_Y_PLACEHOLDER) not in json.dumps(spec)
    assert "[0.0, 42.5]" in json.dumps(spec["hconcat"][1])
