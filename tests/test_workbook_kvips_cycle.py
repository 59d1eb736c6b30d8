"""KvIPS årshjul in the kernel: the page shows what toolkit.kvips_cycle computes.

The expected tables come from toolkit.kvips_cycle (tested against hand-worked values
and the round-robin property in tests/test_kvips_cycle.py); here the question is
whether the page shows them for the chosen units, year and visit. The browser test
is tests/test_workbooks.py::test_kvips_cycle_workbook.
"""

from __future__ import annotations

import html
import re

import pytest

from toolkit import kvips_cycle as kc
from toolkit import selfassess as sa
from toolkit.i18n import t


def _cells(page: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    cells = [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in rows]
    return [c for c in cells if c]


def test_plan_agenda_and_synthesis_are_the_modules() -> None:
    from toolkit.widgets.kvips_cycle import KvipsCycleApp

    app = KvipsCycleApp(lang="sv")
    assert app.error.value == ""
    units = list(kc.EXAMPLE_UNITS)
    plan = kc.year_plan(units, "2026-01-05")
    shown = _cells(app.plan.value)
    assert len(shown) == len(plan)
    visits = plan[plan["step"] == "dialogue_visit"]
    assert [r[2] for r in shown if r[0] == "Dialogbesök mellan enheter"] == visits["host"].tolist()
    # year 2, third visit: the agenda is the module's for that pair, with the example answers
    app.year.value = 1
    plan2 = kc.year_plan(units, "2026-01-05", year_index=1)
    v2 = plan2[(plan2["step"] == "dialogue_visit") & (plan2["visitor"] != kc.BYE)]
    app.visit.value = 2
    host, visitor = v2.iloc[2]["host"], v2.iloc[2]["visitor"]
    q = sa.load_questionnaire("kvips")
    expected = kc.visit_agenda(
        host, kc.example_answers(host, q), visitor, kc.example_answers(visitor, q)
    )
    assert app.agenda.value == kc.agenda_html(expected, "sv")
    synthesis = kc.region_synthesis({u: kc.example_answers(u, q) for u in units})
    assert kc.synthesis_html(synthesis, q, "sv") in app.synthesis.value
    assert "Påhittade exempelsvar" in app.note.value
    assert "tk-download-xlsx" in app.download.value


def test_loaded_answers_replace_the_example_and_bad_date_is_a_message() -> None:
    from toolkit.widgets.kvips_cycle import KvipsCycleApp

    app = KvipsCycleApp(lang="en")
    q = sa.load_questionnaire("kvips")
    unit = kc.EXAMPLE_UNITS[0]
    answers = sa.set_answer(sa.empty_answers(), q, "nurse", "respect_meeting", 1)
    data = sa.answers_csv_bytes(answers, q, unit=unit, round_="2026", lang="en")
    app._read_files([{"name": "svar.csv", "content": memoryview(data)}])
    assert unit not in app.note.value.split(":", 1)[1]
    units = list(kc.EXAMPLE_UNITS)
    sessions = {u: kc.example_answers(u, q) for u in units}
    sessions[unit] = app.loaded[unit]
    expected = kc.region_synthesis(sessions)
    assert kc.synthesis_html(expected, q, "en") in app.synthesis.value
    app.start.value = "5 januari"
    assert "cannot be read" in app.error.value
    assert app.plan.layout.display == "none"
    app.start.value = "2026-01-05"
    assert app.error.value == ""


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_names_are_escaped_in_the_page(lang: str) -> None:
    from toolkit.widgets.kvips_cycle import KvipsCycleApp

    app = KvipsCycleApp(lang=lang)
    app.units.value = "<img src=x onerror=alert(1)>\nBUP B\nBUP C"
    for part in (app.plan.value, app.agenda.value, app.synthesis.value, app.note.value):
        assert "<img" not in part
    assert "&lt;img src=x" in app.plan.value
    assert t("widgets.kvipsc.rests", lang) in html.unescape(app.plan.value)


def test_chart_shows_the_synthesis() -> None:
    """The chart's bars are the synthesis means, weakest first, with the lowest unit's ticks."""
    from toolkit.widgets.kvips_cycle import KvipsCycleApp

    app = KvipsCycleApp(lang="en")
    q = sa.load_questionnaire("kvips")
    synthesis = kc.region_synthesis({u: kc.example_answers(u, q) for u in kc.EXAMPLE_UNITS})
    rows = app.chart.spec["datasets"]
    (data,) = rows.values()
    assert [r["mean"] for r in data] == pytest.approx(synthesis["mean"].tolist())
    assert [r["parameter"] for r in data] == [q.group(g).name["en"] for g in synthesis["group"]]
    assert {k for r in data for k in r} == {"parameter", "mean", "lowest", "lowest_unit"}
