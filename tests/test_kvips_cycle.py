"""The KvIPS annual cycle: pairing rotation, dated year plan, visit agenda, region synthesis.

Expected values: the round-robin property (every pair of units meets exactly once,
no unit twice in a round) checked by enumeration with itertools; agenda and synthesis
scores worked by hand from answers set one by one (written beside each test).
"""

from __future__ import annotations

import io
from collections import Counter
from itertools import combinations, permutations
from pathlib import Path

import pandas as pd
import pytest

from toolkit import kvips_cycle as kc
from toolkit import selfassess as sa
from toolkit.errors import DataError

Q = sa.load_questionnaire("kvips")


@pytest.mark.parametrize("n", range(2, 16))
def test_every_pair_meets_exactly_once(n: int) -> None:
    units = [f"BUP {i}" for i in range(n)]
    rounds = kc.pairing_rounds(units)
    assert rounds["round"].max() == (n - 1 if n % 2 == 0 else n)
    visits = rounds[rounds["visitor"] != kc.BYE]
    met = Counter(frozenset(p) for p in zip(visits["host"], visits["visitor"], strict=True))
    assert set(met) == {frozenset(p) for p in combinations(units, 2)}
    assert set(met.values()) == {1}
    for _, part in rounds.groupby("round"):
        seen = [u for u in [*part["host"], *part["visitor"]] if u != kc.BYE]
        assert sorted(seen) == sorted(units)  # each unit once a round (resting counts once)
    hosts = Counter(visits["host"])
    assert {hosts.get(u, 0) for u in units} <= {(n - 1) // 2, n // 2}
    if n % 2:
        assert Counter(rounds.loc[rounds["visitor"] == kc.BYE, "host"]) == dict.fromkeys(units, 1)


@pytest.mark.parametrize("n", [4, 5, 7])
def test_double_round_robin_every_unit_hosts_every_other_once(n: int) -> None:
    units = [f"U{i}" for i in range(n)]
    rounds = kc.pairing_rounds(units, double=True)
    visits = rounds[rounds["visitor"] != kc.BYE]
    ordered = Counter(zip(visits["host"], visits["visitor"], strict=True))
    assert set(ordered) == set(permutations(units, 2))
    assert set(ordered.values()) == {1}


def test_year_plan_dates_and_rotation_over_years() -> None:
    """Start Monday 2025-01-06. Self-evaluation weeks 0–3: 2025-01-06 to 2025-02-02.
    Dialogue round 1 in week 6: 2025-02-17 to 2025-02-23; round 2 two weeks later,
    2025-03-03. Five units: 5 rounds, 2 a year, so years 0, 1, 2 cover all 10 pairs."""
    units = ["A", "B", "C", "D", "E"]
    plan = kc.year_plan(units, "2025-01-06")
    first = plan[plan["step"] == "self_evaluation"].iloc[0]
    assert (first["start"], first["end"]) == (
        pd.Timestamp("2025-01-06"),
        pd.Timestamp("2025-02-02"),
    )
    visits = plan[plan["step"] == "dialogue_visit"]
    assert sorted(visits["round"].unique()) == [1, 2]
    r1 = visits[visits["round"] == 1].iloc[0]
    assert (r1["start"], r1["end"]) == (pd.Timestamp("2025-02-17"), pd.Timestamp("2025-02-23"))
    assert visits[visits["round"] == 2].iloc[0]["start"] == pd.Timestamp("2025-03-03")
    assert list(plan["step"].drop_duplicates()) == list(kc.STEP_IDS)
    met: set[frozenset[str]] = set()
    for year in range(3):
        v = kc.year_plan(units, "2025-01-06", year_index=year)
        v = v[(v["step"] == "dialogue_visit") & (v["visitor"] != kc.BYE)]
        met |= {frozenset(p) for p in zip(v["host"], v["visitor"], strict=True)}
    assert met == {frozenset(p) for p in combinations(units, 2)}


def test_questionnaire_has_bemotande_and_individanpassad_vard() -> None:
    names = {g.id: g.name["sv"] for g in Q.groups}
    assert names["respect"] == "Bemötande"
    assert names["individualised"] == "Individanpassad vård"
    assert Q.questions_for("patient_rep")  # the patient representative scores them too
    assert {"respect_meeting", "individualised_needs"} <= {
        x.id for x in Q.questions_for("patient_rep")
    }


def _answers(scores: list[tuple[str, str, int]]) -> pd.DataFrame:
    a = sa.empty_answers()
    for role, question, score in scores:
        a = sa.set_answer(a, Q, role, question, score)
    return a


NORR = _answers(
    [
        ("manager", "access_contact", 4),  # access: manager 4, patient_rep 1 -> 2.5, spread 3
        ("patient_rep", "access_contact", 1),
        ("nurse", "respect_meeting", 3),  # respect: 3 and 3 -> 3, spread 0
        ("patient_rep", "respect_meeting", 3),
        ("nurse", "individualised_needs", 2),  # individualised: one role -> 2
    ]
)
SYD = _answers(
    [
        ("nurse", "access_contact", 3),  # access: one role -> 3
        ("nurse", "respect_meeting", 1),  # respect: 1 and 2 -> 1.5, spread 1
        ("patient_rep", "respect_meeting", 2),
        ("manager", "individualised_needs", 4),  # individualised: 4 and 4 -> 4, spread 0
        ("physician", "individualised_needs", 4),
        ("nurse", "focus_transitions_plan", 2),  # focus: 2
    ]
)
VAST = _answers([("manager", "access_contact", 1), ("physician", "access_contact", 2)])


def test_agenda_by_hand() -> None:
    """Host − visitor: individualised 2 − 4 = −2.0, respect 3 − 1.5 = +1.5,
    access 2.5 − 3 = −0.5 (ordered by size). Roles: Norr's access 3 (manager 4,
    patient rep 1) then respect 0; Syd's respect 1 (patient rep 2, nurse 1) then
    individualised 0. Focus: transitions (–, 2), digital (–, –)."""
    ag = kc.visit_agenda("BUP Norr", NORR, "BUP Syd", SYD, questionnaire=Q)
    assert ag.between_units["group"].tolist() == ["individualised", "respect", "access"]
    assert ag.between_units["difference"].tolist() == pytest.approx([-2.0, 1.5, -0.5])
    roles = ag.between_roles
    assert roles[["unit", "group"]].values.tolist() == [
        ["BUP Norr", "access"],
        ["BUP Norr", "respect"],
        ["BUP Syd", "respect"],
        ["BUP Syd", "individualised"],
    ]
    assert roles["spread"].tolist() == pytest.approx([3.0, 0.0, 1.0, 0.0])
    assert roles.iloc[0][["highest", "lowest"]].tolist() == ["manager", "patient_rep"]
    assert roles.iloc[2][["highest", "lowest"]].tolist() == ["patient_rep", "nurse"]
    assert ag.focus["group"].tolist() == ["focus_transitions", "focus_digital"]
    assert ag.focus["visitor"].tolist()[0] == 2.0
    # where people read it: the Markdown and HTML agenda, Swedish decimal comma
    md = kc.agenda_markdown(ag, "sv")
    assert "| Individanpassad vård | 2,0 | 4,0 | -2,0 |" in md
    assert "| Bemötande | 3,0 | 1,5 | +1,5 |" in md
    assert "| BUP Norr | Tillgänglighet | Enhetschef / ledning (4,0) |" in md
    assert "Överenskomna förbättringsområden" in md
    page = kc.agenda_html(ag, "en")
    assert "<td>Respectful treatment</td><td>3.0</td><td>1.5</td><td>+1.5</td>" in page


def test_region_synthesis_by_hand() -> None:
    """access: units 2.5, 3, 1.5 -> mean 7/3; lowest Väst 1.5; role spreads Norr 3,
    Väst 1 (Syd one role) -> mean 2, widest Norr. respect: 3, 1.5 -> 2.25, spreads 0, 1
    -> 0.5. individualised: 2, 4 -> 3. focus_transitions: 2 (weakest)."""
    table = kc.region_synthesis(
        {"BUP Norr": NORR, "BUP Syd": SYD, "BUP Väst": VAST}, questionnaire=Q
    )
    scored = table[table["n_units"] > 0]
    assert scored["group"].tolist() == ["focus_transitions", "respect", "access", "individualised"]
    access = table.set_index("group").loc["access"]
    assert access["mean"] == pytest.approx(7 / 3)
    assert (access["lowest_unit"], access["lowest"]) == ("BUP Väst", 1.5)
    assert access["mean_role_spread"] == pytest.approx(2.0)
    assert (access["widest_unit"], access["widest_spread"]) == ("BUP Norr", 3.0)
    respect = table.set_index("group").loc["respect"]
    assert (respect["mean"], respect["mean_role_spread"]) == pytest.approx((2.25, 0.5))
    assert respect["lowest_unit"] == "BUP Syd"
    page = kc.synthesis_html(table, Q, "sv")
    assert "<td>Tillgänglighet</td><td>2,3</td><td>BUP Väst (1,5)</td><td>2,0</td>" in page


def test_names_are_escaped_and_excel_holds_text() -> None:
    bad = "<img src=x onerror=alert(1)>"
    formula = '=HYPERLINK("http://x","y")'
    ag = kc.visit_agenda(bad, NORR, formula, SYD, questionnaire=Q)
    page = kc.agenda_html(ag, "sv")
    assert "<img" not in page and "&lt;img src=x" in page
    syn = kc.region_synthesis({bad: NORR, formula: SYD}, questionnaire=Q)
    assert "<img" not in kc.synthesis_html(syn, Q, "en")
    from openpyxl import load_workbook

    plan = kc.year_plan([bad, formula, "C"], "2025-01-06")
    data = kc.workbook_bytes(plan=plan, agenda=ag, synthesis=syn, questionnaire=Q, lang="en")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Annual cycle", "Agenda and minutes", "Region synthesis"]
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == formula]
    assert cells and all(c.data_type == "s" for c in cells)
    synthesis = wb["Region synthesis"]
    assert synthesis.cell(row=1, column=1).value == "Quality parameter"
    groups = [synthesis.cell(row=i, column=1).value for i in range(2, 6)]
    assert "Respectful treatment" in groups


def test_focus_areas_are_replaceable(tmp_path: Path) -> None:
    text = (Path(kc.__file__).parent / "data" / "kvips_cycle.yaml").read_text("utf-8")
    text = text.replace('year: "exempel"', 'year: "2026"').replace(
        "groups: [focus_transitions, focus_digital]", "groups: [focus_digital]"
    )
    path = tmp_path / "kvips_cycle_2026.yaml"
    path.write_text(text, "utf-8")
    cycle = kc.load_cycle(path)
    ag = kc.visit_agenda("A", NORR, "B", SYD, questionnaire=Q, cycle=cycle)
    assert ag.focus["group"].tolist() == ["focus_digital"]
    assert "(2026)" in kc.agenda_markdown(ag, "en")


def test_bad_cycle_file_names_the_field(tmp_path: Path) -> None:
    text = (Path(kc.__file__).parent / "data" / "kvips_cycle.yaml").read_text("utf-8")
    path = tmp_path / "c.yaml"
    path.write_text(text.replace("rounds_per_year: 2", "rounds_per_year: two"), "utf-8")
    with pytest.raises(DataError) as err:
        kc.load_cycle(path, lang="en")
    assert "dialogue.rounds_per_year" in err.value.message("en")
    assert "heltal" in err.value.message("sv")


def test_too_few_units() -> None:
    from toolkit.errors import ParameterError

    with pytest.raises(ParameterError) as err:
        kc.pairing_rounds(["A"])
    assert "at least two units" in err.value.message("en")
    with pytest.raises(ParameterError):
        kc.pairing_rounds(["A", "A"])
