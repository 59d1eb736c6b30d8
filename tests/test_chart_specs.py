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
from typing import Any

import pandas as pd
import pytest

from toolkit import charts
from toolkit import selfassess as sa
from toolkit.i18n import t
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
    """The chart called ``name`` in the expected digests, drawn by toolkit.charts."""
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
def test_moved_chart_draws_the_same_spec_as_before(case: str) -> None:
    name, lang = case.rsplit("_", 1)
    assert digest(spec_of(name, lang)) == EXPECTED[case]


def test_every_moved_chart_is_checked_in_both_languages() -> None:
    names = {case.rsplit("_", 1)[0] for case in CASES}
    assert {"priority", "demand", "radar_pks_alone", "plan", "queues", "timeuse"} <= names
    assert {"line_count", "spc"} <= names
    assert all(f"{n}_{lang}" in EXPECTED for n in names for lang in ("sv", "en"))


def test_queue_chart_takes_the_y_limit_asked_for() -> None:
    spec = charts.queues_spec("en", 42.5)
    assert str(QUEUE_Y_PLACEHOLDER) not in json.dumps(spec)
    assert "[0.0, 42.5]" in json.dumps(spec["hconcat"][1])
