"""Lessons 4–6 of the teaching kit: the notebooks run, the exercises answer honestly.

* Every lesson notebook is executed by papermill in Swedish (as committed)
  and English with all answers empty; every code cell must run
  (tests/notebook_runs.py) and the executed copy must have no error, show the
  lesson's title in its language, say "not answered yet" once per exercise,
  and draw its charts as inline SVG (offline).
* Every exercise checker is asked the right answer (computed here
  independently: by hand with the derivation beside it, from an identity,
  or, where the exercise asks the learner to read a value off a table the
  lesson shows, from the calculation module or the raw sample data), typical
  wrong answers (each must get a hint, and the hint meant for that mistake),
  no answer, and an answer that cannot be read. No message may contain the
  expected value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
import yaml

from toolkit.flow import weekly_flow
from toolkit.i18n import LANGUAGES, t
from toolkit.lessons import EXERCISES, check, sample_unit
from toolkit.lessons import l4_capacity as l4
from toolkit.lessons import l5_priority as l5
from toolkit.lessons import l6_improvement as l6

REPO = Path(__file__).resolve().parents[1]
LESSONS = REPO / "notebooks" / "lessons"
NOTEBOOKS = {
    4: LESSONS / "04_kapacitet_och_tid.ipynb",
    5: LESSONS / "05_prioritering.ipynb",
    6: LESSONS / "06_forbattringscykeln.ipynb",
}
#: Exercise ids per lesson, in the order the notebooks ask them.
IDS = {
    4: [
        "l4.clinical_hours",
        "l4.non_clinical_share",
        "l4.top_activity",
        "l4.appointments",
        "l4.freed_hours",
    ],
    5: ["l5.platform", "l5.queue_growth", "l5.little", "l5.first_visit_first", "l5.need_routine"],
    6: ["l6.aim", "l6.balancing", "l6.upper_limit", "l6.signal", "l6.centre_change"],
}
#: SVG charts each lesson draws.
CHARTS = {4: 1, 5: 2, 6: 2}


# --------------------------------------------------------------------------- notebooks


def _outputs(book: Any) -> list[dict[str, Any]]:
    return [o for cell in book.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("lesson", sorted(NOTEBOOKS))
def test_lesson_runs_in_papermill(lesson: int, lang: str, tmp_path: Path) -> None:
    from tests.notebook_runs import execute

    out = tmp_path / f"{lesson}_{lang}.ipynb"
    # Swedish is the default: that run is the lesson as committed (nothing injected, the
    # kernel in the lesson's folder), the one run of tests/test_notebooks_as_committed.py
    parameters = {} if lang == "sv" else {"lang": lang}
    outputs = _outputs(execute(NOTEBOOKS[lesson], out, parameters))
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, [(e["ename"], e["evalue"]) for e in errors]
    markdown = "\n".join(o.get("data", {}).get("text/markdown", "") for o in outputs)
    html = [o.get("data", {}).get("text/html", "") for o in outputs]
    other = "en" if lang == "sv" else "sv"
    assert f"# {t(f'lessons.l{lesson}.title', lang)}" in markdown
    assert t(f"lessons.l{lesson}.title", other) not in markdown
    # every exercise, unanswered, says so in the lesson's language
    unanswered = t("lessons.unanswered", lang)
    assert sum(unanswered in h for h in html) == len(IDS[lesson])
    # charts are inline SVG rendered in the kernel; nothing is loaded from elsewhere
    assert sum("<svg" in h for h in html) == CHARTS[lesson]
    assert not any("<script" in h for h in html)


@pytest.mark.parametrize("lesson", sorted(NOTEBOOKS))
def test_notebook_is_thin_and_committed_without_outputs(lesson: int) -> None:
    book = nbformat.read(NOTEBOOKS[lesson], as_version=4)
    first = book.cells[0]
    assert first.metadata.get("tags") == ["parameters"]
    assert first.source.startswith('lang = "sv"  # sv or en')
    assert book.metadata["kernelspec"]["name"] == "python3"
    for cell in book.cells:
        assert cell.cell_type == "code"
        assert not cell.get("outputs") and cell.get("execution_count") is None
        assert "def " not in cell.source and "import pandas" not in cell.source
    checks = re.findall(
        r'check\("([a-z0-9_.]+)", answer_(\d+), lang\)', "".join(c.source for c in book.cells)
    )
    assert [c[0] for c in checks] == IDS[lesson]
    assert [int(c[1]) for c in checks] == list(range(1, len(IDS[lesson]) + 1))


# --------------------------------------------------------------------------- right answers


def _balans_minutes() -> pd.Series:
    """Minutes per activity in balans's raw time-use table (plain pandas, not toolkit.capacity)."""
    tu = sample_unit("balans").time_use
    return tu.groupby(tu["activity"].astype(str))["minutes"].sum()


def _direction(new: float, old: float) -> str:
    """As the exercise text defines it: less than 5 % (and 0.2 weeks) difference is "same"."""
    if abs(new - old) < max(0.05 * abs(old), 0.2):
        return "same"
    return "longer" if new > old else "shorter"


def _simulated_wait(rule: str, stage: str, need_class: str) -> float:
    """The lesson's simulation, run here with toolkit.simulate (the table the learner reads)."""
    from toolkit import simulate

    table = simulate.summary(
        simulate.run(
            l5.SCENARIO.replace(name=rule, priority_rule=rule),
            weeks=l5.SIM_WEEKS,
            replications=l5.SIM_REPLICATIONS,
            seed=l5.SIM_SEED,
        ),
        last_weeks=l5.SIM_LAST_WEEKS,
    )
    row = table[
        (table["stage"].astype(str) == stage) & (table["need_class"].astype(str) == need_class)
    ]
    return float(row["wait_mean_weeks"].iloc[0])


def _median_waits() -> pd.DataFrame:
    """nytt_arbetssatt's weekly median wait for a first assessment, from toolkit.flow."""
    flow = weekly_flow(sample_unit("nytt_arbetssatt"), "W", start=l6.PERIOD_START, lang="en")
    rows = flow[
        (flow["stage"].astype(str) == "first_assessment") & flow["median_wait_days"].notna()
    ]
    return rows[["period", "median_wait_days"]].reset_index(drop=True)


def right_answer(exercise_id: str) -> Any:
    """The right answer, computed independently of the checker."""
    if exercise_id == "l4.clinical_hours":
        # 40 h × (1 − 0.20) × (1 − 0.55) = 40 × 0.80 × 0.45 = 14.4 h/week
        return 14.4
    if exercise_id == "l4.non_clinical_share":
        minutes = _balans_minutes()
        return 100.0 * (1.0 - minutes["patient_direct"] / minutes.sum())
    if exercise_id == "l4.top_activity":
        minutes = _balans_minutes()
        options = ["meetings", "documentation", "coordination", "certificates"]  # A–D in the text
        return "ABCD"[options.index(max(options, key=lambda a: minutes.get(a, 0.0)))]
    if exercise_id == "l4.appointments":
        # 16 h × 60 min/h / 60 min = 16 booked; × (1 − 0.05) = 15.2 attended a week
        return 15.2
    if exercise_id == "l4.freed_hours":
        # identity: freeing a share φ of non-clinical time turns φ × non-clinical hours
        # into clinical hours (the non-clinical share n becomes n(1 − φ))
        from toolkit import capacity

        unit = sample_unit("balans")
        hours = capacity.staff_hours(unit.staff, on=unit.extract_date)
        clinical = capacity.clinical_hours(
            hours, non_clinical_share=capacity.time_use_shares(unit.time_use)
        )
        return 0.10 * float(clinical["non_clinical_hours_per_week"].sum())
    if exercise_id == "l5.platform":
        return "B"  # prop. 1996/97:60: need and solidarity, the greatest need first
    if exercise_id == "l5.queue_growth":
        return 52  # (10 − 8) a week × 26 weeks
    if exercise_id == "l5.little":
        return 15  # Little's law W = L / λ = 120 / 8 a week = 15 weeks
    if exercise_id == "l5.first_visit_first":
        new = _simulated_wait("first_visit_first", "deep_start", "all")
        old = _simulated_wait("fcfs", "deep_start", "all")
        return "ABC"[("shorter", "longer", "same").index(_direction(new, old))]
    if exercise_id == "l5.need_routine":
        new = _simulated_wait("need", "first_assessment", "routine")
        old = _simulated_wait("fcfs", "first_assessment", "routine")
        return "ABC"[("shorter", "same", "longer").index(_direction(new, old))]
    if exercise_id == "l6.aim":
        return "B"  # how much, by when, for whom (Langley et al.)
    if exercise_id == "l6.balancing":
        return "C"  # the next stage's wait: what may get worse elsewhere
    if exercise_id == "l6.upper_limit":
        return 27.98  # Making Data Count: 20 + 2.66 × 3 = 27.98
    if exercise_id == "l6.signal":
        from toolkit.spc import spc

        waits = _median_waits()
        table = spc(waits, value="median_wait_days", date="period", improvement="decrease")
        after = table.loc[table["period"] >= pd.Timestamp(l6.CHANGE_DATE), "point_type"].astype(str)
        share = after.value_counts(normalize=True)
        kind = next(
            (k for k in ("improvement", "concern") if share.get(k, 0.0) > 0.5), "common_cause"
        )
        return "ABC"[("common_cause", "improvement", "concern").index(kind)]
    if exercise_id == "l6.centre_change":
        # identity: the centre line of an XmR chart is the mean of its part
        waits = _median_waits()
        before = waits["period"] < pd.Timestamp(l6.CHANGE_DATE)
        return float(
            waits.loc[before, "median_wait_days"].mean()
            - waits.loc[~before, "median_wait_days"].mean()
        )
    raise AssertionError(exercise_id)


ALL_IDS = [i for ids in IDS.values() for i in ids]


def test_every_registered_exercise_of_lessons_4_to_6_is_tested() -> None:
    check("l4.clinical_hours", None)  # loads every lesson module
    ours = sorted(i for i in EXERCISES if i.split(".")[0] in ("l4", "l5", "l6"))
    assert ours == sorted(ALL_IDS)


@pytest.mark.parametrize("exercise_id", ALL_IDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_right_answer_is_right(exercise_id: str, lang: str) -> None:
    answer = right_answer(exercise_id)
    feedback = check(exercise_id, answer, lang)
    assert feedback.status == "right", (answer, feedback.message)
    assert feedback.message == t("lessons.right", lang)
    if isinstance(answer, str):
        assert check(exercise_id, f" {answer.lower()} ", lang).status == "right"
    else:
        # as the learner types it in Swedish: a decimal comma
        assert check(exercise_id, f"{answer:.2f}".replace(".", ","), lang).status == "right"


# --------------------------------------------------------------------------- wrong answers

#: Typical mistakes and the hint each must get (derivation of the wrong value beside it).
MISTAKES: list[tuple[str, Any, str]] = [
    ("l4.clinical_hours", 10.0, "lessons.l4.hint.multiply_shares"),  # 40 × (1 − 0.20 − 0.55)
    ("l4.clinical_hours", 18.0, "lessons.l4.hint.forgot_absence"),  # 40 × 0.45
    ("l4.clinical_hours", 32.0, "lessons.l4.hint.forgot_non_clinical"),  # 40 × 0.80
    ("l4.clinical_hours", 17.6, "lessons.l4.hint.that_is_non_clinical"),  # 40 × 0.80 × 0.55
    ("l4.clinical_hours", 30.0, "lessons.l4.hint.clinical_formula"),
    ("l4.appointments", 16.0, "lessons.l4.hint.forgot_dna"),  # 16 × 60 / 60 booked
    ("l4.appointments", 16.8, "lessons.l4.hint.dna_direction"),  # 16 × 1.05
    ("l4.appointments", 0.8, "lessons.l4.hint.that_is_dna"),  # 16 × 0.05
    ("l4.appointments", 912.0, "lessons.hint_check_units"),  # 15.2 × 60: minutes
    ("l4.appointments", 10.0, "lessons.l4.hint.appointments_formula"),
    ("l5.queue_growth", 2, "lessons.l5.hint.growth_per_week"),  # 10 − 8
    ("l5.queue_growth", 260, "lessons.l5.hint.growth_forgot_starts"),  # 10 × 26
    ("l5.queue_growth", -52, "lessons.l5.hint.growth_sign"),  # (8 − 10) × 26
    ("l5.queue_growth", 100, "lessons.l5.hint.growth_formula"),
    ("l5.little", 960, "lessons.l5.hint.little_divide"),  # 120 × 8
    ("l5.little", 8 / 120, "lessons.l5.hint.little_inverted"),
    ("l5.little", 105, "lessons.l5.hint.little_weeks"),  # 15 weeks × 7 days
    ("l5.little", 12, "lessons.l5.hint.little_formula"),
    ("l5.platform", "A", "lessons.l5.hint.platform_wait"),
    ("l5.platform", "C", "lessons.l5.hint.platform_cost"),
    ("l6.aim", "A", "lessons.l6.hint.aim"),
    ("l6.aim", "C", "lessons.l6.hint.aim"),
    ("l6.balancing", "A", "lessons.l6.hint.balancing_outcome"),
    ("l6.balancing", "B", "lessons.l6.hint.balancing_process"),
    ("l6.upper_limit", 12.02, "lessons.l6.hint.limit_lower"),  # 20 − 2.66 × 3
    ("l6.upper_limit", 23.0, "lessons.l6.hint.limit_factor"),  # 20 + 3
    ("l6.upper_limit", 29.0, "lessons.l6.hint.limit_three_sigma"),  # 20 + 3 × 3
    ("l6.upper_limit", 25.0, "lessons.l6.hint.limit_formula"),
]


@pytest.mark.parametrize(("exercise_id", "answer", "hint"), MISTAKES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_typical_mistake_gets_its_hint(exercise_id: str, answer: Any, hint: str, lang: str) -> None:
    feedback = check(exercise_id, answer, lang)
    assert feedback.status == "wrong"
    assert feedback.message == t("lessons.wrong", lang, hint=t(hint, lang))


def test_data_dependent_mistakes_get_their_hints() -> None:
    share = right_answer("l4.non_clinical_share")
    # a percentage exercise reads a share below 1 as a share (0.8 is 80 %), with a note;
    # "0.8 %" is 0.8 per cent: the hint for a share typed where per cent was asked
    as_share = check("l4.non_clinical_share", share / 100, "en")
    assert as_share.status == "right" and as_share.note
    assert check("l4.non_clinical_share", f"{share / 100:.4f} %", "en").message.endswith(
        t("lessons.l4.hint.percent", "en")
    )
    assert check("l4.non_clinical_share", 100 - share, "en").message.endswith(
        t("lessons.l4.hint.direct_share", "en")
    )
    freed = right_answer("l4.freed_hours")
    assert check("l4.freed_hours", freed * 3, "en").status == "wrong"
    centre = right_answer("l6.centre_change")
    assert check("l6.centre_change", -centre, "en").message.endswith(
        t("lessons.l6.hint.centre_sign", "en")
    )
    after = l6._parts()["centre"].iloc[-1]
    assert check("l6.centre_change", after, "en").message.endswith(
        t("lessons.l6.hint.centre_difference", "en")
    )


def _wrong_answers(exercise_id: str) -> list[Any]:
    right = right_answer(exercise_id)
    ex = EXERCISES[exercise_id]
    if ex.kind == "choice":
        return [c for c in ex.choices if c != right]
    return [right * 1.5, right * 0.5, right + 10, 0.0]


@pytest.mark.parametrize("exercise_id", ALL_IDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrong_unanswered_and_garbage(exercise_id: str, lang: str) -> None:
    for wrong in _wrong_answers(exercise_id):
        feedback = check(exercise_id, wrong, lang)
        assert feedback.status == "wrong", wrong
        prefix = t("lessons.wrong", lang, hint="")
        assert feedback.message.startswith(prefix) and len(feedback.message) > len(prefix) + 10
    for empty in (None, "", "   "):
        assert check(exercise_id, empty, lang).status == "unanswered"
        assert check(exercise_id, empty, lang).message == t("lessons.unanswered", lang)
    garbage = check(exercise_id, "vet inte / no idea", lang)
    assert garbage.status == "invalid"
    assert (
        check(exercise_id, True if EXERCISES[exercise_id].kind == "number" else "Z", lang).status
        == "invalid"
    )


# --------------------------------------------------------------------------- never the answer


def _renderings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    x = float(value)
    texts = {f"{x:.1f}", f"{x:.2f}"}
    if abs(x - round(x)) < 1e-9:
        texts.add(str(round(x)))
    return sorted(texts | {s.replace(".", ",") for s in texts})


@pytest.mark.parametrize("exercise_id", ALL_IDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_contains_the_expected_value(exercise_id: str, lang: str) -> None:
    right = right_answer(exercise_id)
    ex = EXERCISES[exercise_id]
    answers: list[Any] = [right, None, *_wrong_answers(exercise_id)]
    answers += [m[1] for m in MISTAKES if m[0] == exercise_id]
    messages = [check(exercise_id, a, lang).message for a in answers]
    if ex.kind == "number":
        # an unreadable answer's message shows an example number; it must not be the answer
        messages.append(check(exercise_id, "?", lang).message)
    # (an unreadable choice lists every option, which tells nothing about the right one)
    for message in messages:
        for text in _renderings(right):
            pattern = rf"(?<![\w.,]){re.escape(text)}(?![\w]|[.,]\d)"
            assert not re.search(pattern, message), (text, message)


# --------------------------------------------------------------------------- texts and data


def test_exercise_texts_state_the_numbers_the_checkers_use() -> None:
    en = {name: l4.show(name, "en").text for name in ("ex_clinical_hours", "ex_appointments")}
    assert "40 hours" in en["ex_clinical_hours"] and "20 %" in en["ex_clinical_hours"]
    assert "55 %" in en["ex_clinical_hours"]
    assert "16 clinical hours" in en["ex_appointments"] and "60 minutes" in en["ex_appointments"]
    assert "5 %" in en["ex_appointments"]
    assert "10 %" in l4.show("ex_freed_hours", "sv").text
    growth = l5.show("ex_queue_growth", "sv").text
    assert "10\npatienter" in growth or "10 patienter" in growth.replace("\n", " ")
    assert "efter 26 veckor" in growth.replace("\n", " ")
    assert "120 patients" in l5.show("ex_little", "en").text
    limit = l6.show("ex_upper_limit", "en").text.replace("\n", " ")
    assert "the mean is 20 days" in limit and "range 3 days" in limit


def test_lesson_periods_match_the_sample_manifest_and_the_synthetic_change() -> None:
    from toolkit.synth import SAMPLE_UNITS

    units = {
        u["id"]: u
        for u in yaml.safe_load((REPO / "sample_data" / "units.yaml").read_text())["units"]
    }
    assert units[l5.UNIT]["period_start"] == l5.PERIOD_START
    assert units[l6.UNIT]["period_start"] == l6.PERIOD_START
    profile = next(u.profile for u in SAMPLE_UNITS if u.id == l6.UNIT)
    change = pd.Timestamp(l6.PERIOD_START) + pd.Timedelta(weeks=profile.change_week)
    assert change == pd.Timestamp(l6.CHANGE_DATE)


def test_the_lessons_tell_what_their_sample_units_are_made_to_show() -> None:
    # forsta_besok_forst meets the first-visit target while the stage 2 queue grows
    table = l5.stage_table("en").data.set_index("Stage")
    first, deep = table.loc["First assessment"], table.loc["In-depth assessment or treatment"]
    assert first["Within 30 days (%)"] > deep["Within 30 days (%)"]
    assert deep["Waiting at the end"] > deep["Waiting at the start"]
    # nytt_arbetssatt's wait fell after its change (the signal the lesson reads)
    assert right_answer("l6.signal") == "B" and right_answer("l6.centre_change") > 0
    # balans's chain: clinical hours below contracted, non-clinical share as in its study
    chain = l4.chain_table("en").data.set_index("Staff category")
    total = chain.iloc[-1]
    assert 0 < total.iloc[-1] < total.iloc[1]
