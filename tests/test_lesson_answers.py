"""Answers typed the Swedish way, and lessons run on a learner's own unit.

* The answer reader (:func:`toolkit.lessons.check` through the workbooks'
  :func:`toolkit.widgets.base.parse_number`) is asked every form a learner
  types: ``12,5`` in a code cell (Python's tuple ``(12, 5)``), ``"12,5"``,
  ``12.5``, ``"12,5 %"`` and a share ``0,125`` on a percentage exercise;
  empty cells, words, units and several numbers get a hint about the form,
  and the same hint never comes twice in a row.
* A real kernel: lesson 4 is executed by papermill with its answer cells
  replaced by what a learner types, and the feedback cell under each is read.
* ``unit_path``: lessons 2 and 4 run on another sample unit (``skolar``);
  the answer computed here for that unit is accepted and the answer of the
  lesson's own sample unit is refused.

Expected answers come from outside the checkers: by hand from the numbers an
exercise states (contracted 40 h × (1 − absence share) × (1 − 0,55) clinical
hours; 16 h × 60 / 60 × (1 − 0,05) = 15,2 appointments), from the raw time-use table with plain
pandas, from the identity "freed share × non-clinical hours", and from
NHSRwaitinglist's relief capacity λ + (L − L*) / τ on the unit's weekly flow.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest

from toolkit import capacity, flow
from toolkit.i18n import LANGUAGES, t
from toolkit.io import load_unit
from toolkit.lessons import _LAST_FORM_HINT, answer_box, check, l4_capacity, sample_unit, use_unit

REPO = Path(__file__).resolve().parents[1]
LESSONS = REPO / "notebooks" / "lessons"
OTHER_UNIT = REPO / "sample_data" / "skolar"

_EX = l4_capacity.EX  # the numbers the exercise texts state
#: contracted hours × (1 − absence share) × (1 − non-clinical share), by hand
CLINICAL_HOURS = (
    _EX["contracted_h"] * (1 - _EX["absence_pct"] / 100) * (1 - _EX["non_clinical_pct"] / 100)
)
#: the right answer as a learner types it: two decimals, with a point and with a comma
POINT = f"{CLINICAL_HOURS:.2f}"
COMMA = POINT.replace(".", ",")
#: what Python makes of the comma form typed in a code cell
TUPLE = tuple(int(part) for part in POINT.split("."))


def _non_clinical_share(unit: Any) -> float:
    """Per cent of logged minutes that is not direct patient work (plain pandas)."""
    tu = unit.time_use
    minutes = tu.groupby(tu["activity"].astype(str))["minutes"].sum()
    return float(100.0 * (1.0 - minutes["patient_direct"] / minutes.sum()))


def _freed_hours(unit: Any) -> float:
    """Identity: freeing 10 % of non-clinical time turns 10 % of non-clinical hours into clinical."""
    hours = capacity.staff_hours(unit.staff, on=unit.extract_date)
    clinical = capacity.clinical_hours(
        hours, non_clinical_share=capacity.time_use_shares(unit.time_use)
    )
    return 0.10 * float(clinical["non_clinical_hours_per_week"].sum())


def _relief(unit: Any) -> float:
    """NHSRwaitinglist's relief capacity λ + (L − L*) / τ over the last 26 weeks to 2024-12-29.

    λ: those who joined the first-stage queue less those removed, per week;
    L: waiting at the end; L* = λ × (30/7) / −ln(1 − 0,9); τ = 26 weeks.
    """
    weeks = flow.weekly_flow(unit, "W", start="2024-07-01", end="2024-12-29", lang="en")
    first = weeks[weeks["stage"] == "first_assessment"]
    assert len(first) == 26
    demand = float((first["arrivals"] - first["removals"]).sum()) / 26
    queue = float(first["waiting_end"].iloc[-1])
    target = demand * (30 / 7) / -math.log(1 - 0.9)
    return demand + (queue - target) / 26


# --------------------------------------------------------------------------- the reader


@pytest.fixture(autouse=True)
def _sample_units() -> Any:
    """Each test starts on the sample units, with no hint remembered from another test."""
    use_unit(None)
    _LAST_FORM_HINT.clear()
    yield
    use_unit(None)


#: Forms of the right answer as a learner types them, and whether a note on the reading is due.
NUMBER_FORMS: list[tuple[Any, bool]] = [
    (CLINICAL_HOURS, False),
    (TUPLE, True),  # answer = 15,84 in a code cell
    (COMMA, False),
    (POINT, False),
    (f" {COMMA} ", False),
    (f'"{COMMA}"', False),  # quotes typed into the answer box
    (f"{COMMA}0", False),
]


@pytest.mark.parametrize(("answer", "noted"), NUMBER_FORMS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_number_in_every_form_is_right(answer: Any, noted: bool, lang: str) -> None:
    feedback = check("l4.clinical_hours", answer, lang)
    assert feedback.status == "right", (answer, str(feedback))
    assert feedback.message == t("lessons.right", lang)
    assert bool(feedback.note) == noted
    if noted:
        read = POINT.rstrip("0").rstrip(".")
        assert (read.replace(".", ",") if lang == "sv" else read) in feedback.note
        assert str(feedback).endswith(t("lessons.right", lang))


def test_the_tuple_python_makes_of_a_decimal_comma_is_read_digit_by_digit() -> None:
    # 12,50 → (12, 50) → 12.50; 0,125 → (0, 125); -3,25 → (-3, 25)
    # 16 h × 60 / 60 min × (1 − 0.05) = 15.2 attended appointments
    assert check("l4.appointments", (15, 2), "sv").status == "right"
    assert check("l4.appointments", (15, 20), "sv").status == "right"
    assert check("l4.appointments", (-15, 2), "sv").status == "wrong"
    several = check("l4.appointments", (15, 2, 0), "sv")
    assert several.status == "invalid" and "(15, 2, 0)" in several.message
    assert check("l4.appointments", (15, -2), "sv").status == "invalid"
    assert check("l4.appointments", (15.0, 2), "sv").status == "invalid"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_percentage_is_read_as_per_cent_or_as_a_share(lang: str) -> None:
    share = _non_clinical_share(sample_unit("balans"))
    comma = f"{share:.1f}".replace(".", ",")
    for answer in (share, comma, f"{share:.1f}", f"{comma} %", f"{comma}%", f"{share:.1f} %"):
        feedback = check("l4.non_clinical_share", answer, lang)
        assert feedback.status == "right" and not feedback.note, answer
    # a number below 1 without a per cent sign is a share (as the workbooks' per-cent boxes read it)
    for answer in (round(share / 100, 4), f"{share / 100:.4f}".replace(".", ",")):
        feedback = check("l4.non_clinical_share", answer, lang)
        assert feedback.status == "right", answer
        assert feedback.note == t(
            "lessons.answer.note_share",
            lang,
            read=f"{share:.2f}".rstrip("0").replace(".", "," if lang == "sv" else "."),
        )
    # with a per cent sign, 0,8 % is 0,8 per cent: wrong, with the hint meant for a share
    feedback = check("l4.non_clinical_share", f"{share / 100:.4f} %", lang)
    assert feedback.message.endswith(t("lessons.l4.hint.percent", lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_per_cent_sign_on_a_number_that_is_not_a_percentage_gets_a_hint(lang: str) -> None:
    feedback = check("l4.clinical_hours", f"{COMMA} %", lang)
    assert feedback.status == "invalid"
    assert feedback.message == t("lessons.answer.not_percent", lang, number=COMMA)


#: Answers that are not a number, and the hint about their form each must get.
BAD_FORMS: list[tuple[Any, str, dict[str, str]]] = [
    ("12 veckor", "lessons.answer.unit", {"text": "12 veckor", "number": "12"}),
    ("15,84 timmar", "lessons.answer.unit", {"text": "15,84 timmar", "number": "15,84"}),
    ("ca 16 h", "lessons.answer.unit", {"text": "ca 16 h", "number": "16"}),
    ("vet inte", "lessons.answer.words", {}),
    ("femton", "lessons.answer.words", {}),
    (True, "lessons.answer.words", {}),
    ([15.84], "lessons.answer.words", {}),
    ("15 , 84", "lessons.answer.mixed", {"text": "15 , 84"}),
    ("15-16", "lessons.answer.mixed", {"text": "15-16"}),
    ((1, 2, 3), "lessons.answer.several", {"shown": "1, 2, 3"}),
]


@pytest.mark.parametrize(("answer", "key", "fields"), BAD_FORMS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_answer_in_the_wrong_form_gets_a_hint_about_the_form(
    answer: Any, key: str, fields: dict[str, str], lang: str
) -> None:
    feedback = check("l4.clinical_hours", answer, lang)
    assert feedback.status == "invalid"
    assert feedback.message == t(key, lang, **fields)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_empty_answers_are_unanswered(lang: str) -> None:
    for empty in (None, "", "   ", ...):
        feedback = check("l4.clinical_hours", empty, lang)
        assert feedback.status == "unanswered"
        assert feedback.message == t("lessons.unanswered", lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_same_hint_never_comes_twice_in_a_row(lang: str) -> None:
    messages = [check("l4.freed_hours", "vet inte", lang).message for _ in range(4)]
    assert all(a != b for a, b in itertools.pairwise(messages))
    assert (
        t("lessons.answer.again", lang, example='"12,5"' if lang == "sv" else "12.5")
        in (messages[1])
    )
    # a new kind of mistake starts afresh
    assert check("l4.freed_hours", "12 h", lang).message == t(
        "lessons.answer.unit", lang, text="12 h", number="12"
    )


def test_what_the_learner_typed_is_shown_back_without_identity_numbers() -> None:
    message = check("l4.clinical_hours", "811218-9876 h", "sv").message
    assert "811218" not in message and t("privacy.placeholder", "sv") in message


def test_the_answer_box_checks_what_is_typed() -> None:
    box = answer_box("l4.clinical_hours", "sv")
    text, button = box.children[0].children
    feedback = box.children[1]
    assert button.description == "Kontrollera"
    text.value = COMMA  # continuous_update=False: set when the learner presses Enter
    assert t("lessons.right", "sv") in feedback.value
    text.value = "12 veckor"
    assert "Skriv bara talet" in feedback.value and "12 veckor" in feedback.value
    text.value = "<b>15</b>"
    assert "<b>" not in feedback.value and "&lt;b&gt;" in feedback.value
    english = answer_box("l4.non_clinical_share", "en")
    english.children[0].children[0].value = "0.5"
    english.children[0].children[1].click()
    assert t("lessons.answer.note_share", "en", read="50") in english.children[1].value


# --------------------------------------------------------------------------- the learner's unit


def test_use_unit_switches_the_checkers_to_the_unit_and_back() -> None:
    balans, other = sample_unit("balans"), load_unit(OTHER_UNIT, extract_date="2024-12-29")
    assert abs(_freed_hours(balans) - _freed_hours(other)) > 1
    said = use_unit(str(OTHER_UNIT), "en", ("staff", "time_use"))
    assert "skolar" in said.text and "2024-12-29" in said.text
    assert check("l4.freed_hours", _freed_hours(other), "en").correct
    assert not check("l4.freed_hours", _freed_hours(balans), "en").correct
    use_unit("", "en")
    assert check("l4.freed_hours", _freed_hours(balans), "en").correct


def test_lesson_1_checks_the_wait_on_the_units_own_year() -> None:
    """Little's law on the unit's last 52 weeks: W = 7 × mean waiting / mean arrivals a week."""
    from toolkit.lessons import l1_flow

    def wait_days(unit: Any) -> float:
        weeks = flow.weekly_flow(unit, "W", start="2024-01-01", end="2024-12-29", lang="en")
        first = weeks[weeks["stage"] == "first_assessment"]
        return 7 * float(first["waiting_end"].mean()) / float(first["arrivals"].mean())

    other = load_unit(OTHER_UNIT, extract_date="2024-12-29")
    own, sample = wait_days(other), wait_days(sample_unit("vaxande_behov"))
    assert abs(own - sample) > 0.1 * sample
    use_unit(str(OTHER_UNIT), "sv", l1_flow.NEEDS)
    assert l1_flow.period() == ("2024-01-01", "2024-12-29")  # skolar's data end on a Sunday
    assert check("l1.wait", f"{own:.1f}".replace(".", ","), "sv").correct
    assert not check("l1.wait", f"{sample:.1f}".replace(".", ","), "sv").correct


def test_lesson_3_reads_the_units_own_chart() -> None:
    """Exercise 4 reads the XmR chart of the unit's weekly first assessments (toolkit.spc)."""
    from toolkit import spc
    from toolkit.lessons import l3_spc

    def variation(unit: Any) -> str:
        weeks = flow.weekly_flow(unit, "W", start="2023-01-02", end="2024-12-29")
        first = weeks[weeks["stage"] == "first_assessment"]
        table = spc.spc(first, value="completions", date="period", improvement="increase")
        types = set(table["point_type"].astype(str))
        return "B" if "improvement" in types else ("C" if "concern" in types else "A")

    growing = REPO / "sample_data" / "vaxande_behov"
    own = variation(load_unit(growing, extract_date="2024-12-29"))
    sample = variation(sample_unit("balans"))
    assert own != sample
    use_unit(str(growing), "sv", l3_spc.NEEDS)
    assert check("l3.variation", own, "sv").correct
    assert not check("l3.variation", sample, "sv").correct
    # the rebasing example keeps its sample unit, whose change date is known
    assert len(l3_spc.group_share()) > 50


def test_lesson_6_reads_the_units_change_from_its_own_date() -> None:
    """Identity: an XmR chart's centre line is the mean of its part (Making Data Count)."""
    from toolkit.lessons import l6_improvement as l6

    def centre_change(unit: Any, day: str) -> float:
        weeks = flow.weekly_flow(unit, "W", start="2023-01-02", lang="en")
        first = weeks[(weeks["stage"] == "first_assessment") & weeks["median_wait_days"].notna()]
        before = first["period"] < pd.Timestamp(day)
        waits = first["median_wait_days"]
        return float(waits[before].mean() - waits[~before].mean())

    other = load_unit(OTHER_UNIT, extract_date="2024-12-29")
    own = centre_change(other, "2024-06-03")
    sample = centre_change(sample_unit("nytt_arbetssatt"), l6.CHANGE_DATE)
    assert abs(own - sample) > 2
    try:
        use_unit(str(OTHER_UNIT), "en", l6.NEEDS)
        said = l6.use_change_date("2024-06-03", "en")
        assert said.text == t("lessons.l6.change_date_used", "en", change="2024-06-03")
        assert l6.change_date() == "2024-06-03"
        assert check("l6.centre_change", f"{own:.1f}", "en").correct
        assert not check("l6.centre_change", f"{sample:.1f}", "en").correct
        # a date that cannot be read, or too near the end, keeps the lesson's own date
        unreadable = l6.use_change_date("3 juni", "sv").text
        assert "3 juni" in unreadable and l6.change_date() == l6.CHANGE_DATE
        late = l6.use_change_date("2024-12-16", "en").text
        assert late.startswith("2024-12-16") and l6.change_date() == l6.CHANGE_DATE
    finally:
        l6.use_change_date(None)
    assert l6.use_change_date("", "en").text == ""


def test_lesson_5_shows_the_units_two_stages() -> None:
    from toolkit.lessons import l5_priority

    other = load_unit(OTHER_UNIT, extract_date="2024-12-29")
    weeks = flow.weekly_flow(other, "W", start="2024-07-01", end="2024-12-29", lang="en")
    last = weeks[weeks["period"] == weeks["period"].max()].set_index("stage")
    use_unit(str(OTHER_UNIT), "en", l5_priority.NEEDS)
    table = l5_priority.stage_table("en").data.set_index("Stage")
    assert (
        table.loc["First assessment", "Waiting at the end"]
        == last.loc["first_assessment", "waiting_end"]
    )
    assert (
        table.loc["In-depth assessment or treatment", "Waiting at the end"]
        == (last.loc["deep_start", "waiting_end"])
    )
    # the exercises state their own numbers: 120 waiting / 8 starts a week = 15 weeks
    assert check("l5.little", 15, "en").correct


def test_a_units_year_ends_on_the_sunday_before_its_last_date() -> None:
    from types import SimpleNamespace

    from toolkit.lessons import _OWN_UNIT, l1_flow, unit_period

    _OWN_UNIT["unit"] = SimpleNamespace(extract_date=pd.Timestamp("2025-03-05"))  # a Wednesday
    try:
        # 2025-03-02 is the Sunday before; 363 days earlier is Monday 2024-03-04
        assert unit_period(("2024-01-01", "2024-12-29")) == ("2024-03-04", "2025-03-02")
        # the balance week keeps its place: 11 weeks before the last week's Monday (2025-02-24)
        assert l1_flow.balance_week() == "2024-12-09"
    finally:
        use_unit(None)
    assert unit_period(("2024-01-01", "2024-12-29")) == ("2024-01-01", "2024-12-29")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_unit_that_cannot_be_used_leaves_the_sample_units_and_says_why(lang: str) -> None:
    said = use_unit(str(REPO / "sample_data" / "finns_inte"), lang)
    assert said.text.startswith(t("lessons.unit.failed", lang, message="").strip())
    counts_only = use_unit(str(REPO / "sample_data" / "endast_antal"), lang, ("staff",))
    assert t("lessons.unit.missing_tables", lang, tables="staff", name="endast&#95;antal") in (
        counts_only.text
    )
    assert check("l4.freed_hours", _freed_hours(sample_unit("balans")), lang).correct


def test_a_unit_name_is_escaped_where_it_is_shown(tmp_path: Path) -> None:
    folder = tmp_path / "<img src=x>_*unit*"
    folder.mkdir()
    for table in ("referrals", "visits", "staff", "time_use"):
        (folder / f"{table}.csv").write_bytes((OTHER_UNIT / f"{table}.csv").read_bytes())
    said = use_unit(str(folder), "en").text
    assert "<img" not in said and "*unit*" not in said and "&lt;img" in said


# --------------------------------------------------------------------------- in a real kernel


def _run(
    number: int,
    answers: dict[int, str],
    tmp_path: Path,
    parameters: dict[str, Any],
    extra: list[str] = (),  # type: ignore[assignment]
) -> list[str]:
    """Execute a lesson with answer cells replaced as a learner types them; the check cells' HTML.

    Returns the feedback as the page shows it (HTML) of every ``check(...)`` cell, in order
    (the answer cells are rewritten as ``answer_N = <typed>``; ``extra``
    cells are appended at the end).
    """
    import papermill

    path = next(LESSONS.glob(f"{number:02d}_*.ipynb"))
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        for n, typed in answers.items():
            if cell.source.startswith(f"answer_{n} = None"):
                cell.source = cell.source.replace(f"answer_{n} = None", f"answer_{n} = {typed}", 1)
    book.cells += [nbformat.v4.new_code_cell(source) for source in extra]
    source = tmp_path / f"in_{number}.ipynb"
    nbformat.write(book, source)
    out = tmp_path / f"out_{number}.ipynb"
    papermill.execute_notebook(
        str(source),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(REPO),
    )
    done = nbformat.read(out, as_version=4)
    errors = [o for c in done.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, [(e["ename"], e["evalue"]) for e in errors]
    return [
        o["data"]["text/html"]
        for c in done.cells
        if "check(" in c.source
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]


@pytest.mark.slow
def test_lesson_4_in_a_kernel_reads_answers_typed_the_swedish_way(tmp_path: Path) -> None:
    balans = sample_unit("balans")
    share = _non_clinical_share(balans)
    comma = f"{share:.1f}".replace(".", ",")
    # the option (A–D in the text) whose activity has most minutes in the raw time-use table
    minutes = balans.time_use.groupby(balans.time_use["activity"].astype(str))["minutes"].sum()
    options = ["meetings", "documentation", "coordination", "certificates"]
    letter = "ABCD"[options.index(max(options, key=lambda a: minutes.get(a, 0.0)))]
    typed = {
        1: COMMA,  # a tuple in Python: read as a decimal comma, with a note
        2: f'"{comma} %"',  # a percentage in quotes with a decimal comma
        3: f'" {letter.lower()} "',  # a letter in lower case with spaces
        4: '"15,2"',  # 16 h × 60 / 60 min × (1 − 0.05), in quotes with a decimal comma
        5: f"{_freed_hours(balans):.2f}",  # a plain Python float with a point
    }
    results = _run(4, typed, tmp_path, {"lang": "sv"})
    assert len(results) == 5
    assert "<div class='tk-note'>Python läser 12,5" in results[0]
    assert all("tk-right" in r for r in results), results
    assert all("tk-note" not in r for r in results[1:])


@pytest.mark.slow
def test_lesson_4_in_a_kernel_gives_hints_about_the_form(tmp_path: Path) -> None:
    share = _non_clinical_share(sample_unit("balans"))
    typed = {
        1: '"16 timmar"',
        2: f"{share / 100:.4f}",  # a share typed with a point in the cell
        3: '"E"',
        4: '"vet inte"',
        5: "''",
    }
    results = _run(4, typed, tmp_path, {"lang": "sv"})
    assert "tk-invalid" in results[0] and "Skriv bara talet" in results[0]
    assert "tk-right" in results[1] and "som en andel" in results[1]
    assert "tk-invalid" in results[2] and "A, B, C, D" in results[2]
    assert "tk-invalid" in results[3] and "skrivet med siffror" in results[3]
    assert "tk-unanswered" in results[4]


@pytest.mark.slow
def test_lessons_check_against_the_learners_own_unit(tmp_path: Path) -> None:
    other = load_unit(OTHER_UNIT, extract_date="2024-12-29")
    # lesson 4, exercise 5: the other unit's answer is right, balans's is not
    own, sample = _freed_hours(other), _freed_hours(sample_unit("balans"))
    assert abs(own - sample) > 1
    results = _run(
        4,
        {5: f'"{own:.2f}"'.replace(".", ",")},
        tmp_path,
        {"lang": "en", "unit_path": str(OTHER_UNIT)},
        extra=[f'check("l4.freed_hours", {sample:.2f}, lang)'],
    )
    assert "tk-right" in results[4], results[4]
    assert "tk-wrong" in results[5], results[5]
    # lesson 2, exercise 4 (relief capacity): the same with vaxande_behov as the sample
    own, sample = _relief(other), _relief(sample_unit("vaxande_behov"))
    assert abs(own - sample) > 1
    results = _run(
        2,
        {4: f"{own:.1f}"},
        tmp_path,
        {"lang": "sv", "unit_path": str(OTHER_UNIT)},
        extra=[f'check("l2.relief", {sample:.1f}, lang)'],
    )
    assert "tk-right" in results[3], results[3]
    assert "tk-wrong" in results[5], results[5]


def test_every_lesson_with_a_unit_parameter_declares_what_it_needs() -> None:
    from toolkit.lessons import l1_flow, l2_waitlist, l3_spc, l5_priority
    from toolkit.lessons import l6_improvement as l6

    modules = {1: l1_flow, 2: l2_waitlist, 3: l3_spc, 4: l4_capacity, 5: l5_priority, 6: l6}
    for number, module in modules.items():
        book = nbformat.read(next(LESSONS.glob(f"{number:02d}_*.ipynb")), as_version=4)
        params = next(c for c in book.cells if "parameters" in c.metadata.get("tags", []))
        assert 'unit_path = ""  #' in params.source
        assert sum("use_unit(unit_path, lang" in c.source for c in book.cells) == 1
        assert set(module.NEEDS) <= {"referrals", "visits", "staff", "time_use"}
