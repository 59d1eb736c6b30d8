"""Lessons 1-3 of the teaching kit: notebooks run in both languages, every exercise checked.

Expected answers are worked out here, not read from the checkers:

* by hand from the numbers an exercise states (the derivation is written
  beside each one), with the published formulas: Little's law
  (Little 1961), the target queue, Kingman's capacity and the relief capacity
  of NHSRwaitinglist, the XmR limits of Making Data Count, Anhøj's run limit;
* from a theoretical identity on the sample unit's weekly flow (the queue's
  balance, Little's law, load > 1 exactly when the queue grew);
* from the calculation modules (toolkit.flow, toolkit.spc) where an exercise
  asks the learner to read a value off their output.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pandas as pd
import pytest

from toolkit import flow, spc
from toolkit.i18n import LANGUAGES, t
from toolkit.lessons import EXERCISES, check, l1_flow, l2_waitlist, l3_spc, sample_unit

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "notebooks" / "lessons"
NOTEBOOKS = {
    1: LESSONS / "01_flode_och_littles_lag.ipynb",
    2: LESSONS / "02_vantelistor.ipynb",
    3: LESSONS / "03_variation_och_styrdiagram.ipynb",
}


# --------------------------------------------------------------------------- the expected answers


def _first_stage_2024(unit_id: str) -> pd.DataFrame:
    """Weekly flow of the first stage in 2024, straight from toolkit.flow."""
    table = flow.weekly_flow(sample_unit(unit_id), "W", start="2024-01-01", end="2024-12-29")
    return table[table["stage"] == "first_assessment"].reset_index(drop=True)


def _balance_answer() -> float:
    # The queue's balance (an identity): end = start + arrivals − completions − removals.
    year = _first_stage_2024("vaxande_behov")
    row = year[year["period"] == pd.Timestamp("2024-10-07")].iloc[0]
    return float(row["waiting_start"] + row["arrivals"] - row["completions"] - row["removals"])


def _wait_answer() -> tuple[float, float, float]:
    # Little's law: W = L / λ, with L the mean number waiting at the weeks' ends and λ the
    # mean arrivals per week of 2024; × 7 for days. Returns (W days, L, λ).
    year = _first_stage_2024("vaxande_behov")
    waiting, arrivals = float(year["waiting_end"].mean()), float(year["arrivals"].mean())
    return waiting / arrivals * 7, waiting, arrivals


def _load_answer() -> str:
    # Q_end − Q_start = Σ arrivals − Σ (completions + removals), so the load
    # Σ arrivals / Σ leaving is above 1 exactly when the queue grew over the year.
    year = _first_stage_2024("vaxande_behov")
    grew = year["waiting_end"].iloc[-1] - year["waiting_start"].iloc[0]
    return "C" if grew > 0 else ("A" if grew < 0 else "B")


def _relief_inputs() -> tuple[float, float, float]:
    # The unit's now figures as the report defines them (docs/capacity.md, docs/balance.md):
    # the last 26 whole weeks up to the extract date 2024-12-29, demand = those who joined
    # the queue less those removed without a visit, per week; the queue at the extract date.
    weeks = flow.weekly_flow(
        sample_unit("vaxande_behov"), "W", start="2024-07-01", end="2024-12-29", lang="en"
    )
    first = weeks[weeks["stage"] == "first_assessment"]
    assert len(first) == 26
    demand = float((first["arrivals"] - first["removals"]).sum()) / 26
    queue = float(first["waiting_end"].iloc[-1])
    # NHSRwaitinglist: λ × T / f, T = 30 days in weeks, f = −ln(1 − 0.9) for "90 % within 30 days"
    target_queue = demand * (30 / 7) / -math.log(1 - 0.9)
    return demand, queue, target_queue


def _relief_answer() -> float:
    demand, queue, target_queue = _relief_inputs()
    return demand + (queue - target_queue) / 26  # relief = λ + (L − L*) / τ, τ = 26 weeks


def _variation_answer() -> str:
    # Read off the XmR table of toolkit.spc for balans' weekly first assessments, 2023–2024.
    year = flow.weekly_flow(sample_unit("balans"), "W", start="2023-01-02", end="2024-12-29")
    first = year[year["stage"] == "first_assessment"]
    table = spc.spc(first, value="completions", date="period", improvement="increase")
    types = set(table["point_type"].astype(str))
    return "B" if "improvement" in types else ("C" if "concern" in types else "A")


# id -> (right answer, [(wrong answer, hint key), ...]); computed once, at the first test.
@functools.cache
def _cases() -> dict[str, tuple[Any, list[tuple[Any, str]]]]:
    w_days, w_queue, w_rate = _wait_answer()
    demand, queue, target_queue = _relief_inputs()
    year = _first_stage_2024("vaxande_behov")
    row = year[year["period"] == pd.Timestamp("2024-10-07")].iloc[0]
    forgot_removals = float(row["waiting_start"] + row["arrivals"] - row["completions"])
    return {
        # DCAQ: what the unit actually did is its activity (option C).
        "l1.dcaq": (
            "C",
            [
                ("A", "lessons.l1.hint.dcaq_demand"),
                ("B", "lessons.l1.hint.dcaq_capacity"),
                ("D", "lessons.l1.hint.dcaq_queue"),
            ],
        ),
        "l1.balance": (
            _balance_answer(),
            [
                (forgot_removals, "lessons.l1.hint.balance_removals"),
                (_balance_answer() + 40, "lessons.l1.hint.balance"),
            ],
        ),
        # Little's law: 12 a week × 35 days / 7 = 12 × 5 weeks = 60 waiting.
        "l1.queue": (
            60,
            [
                (12 * 35, "lessons.l1.hint.queue_units"),
                (35 / 12, "lessons.l1.hint.queue_multiply"),
                (100, "lessons.l1.hint.queue"),
            ],
        ),
        "l1.wait": (
            w_days,
            [
                (w_days / 7, "lessons.l1.hint.wait_weeks"),
                (w_queue * w_rate, "lessons.l1.hint.wait_divide"),
                (w_days / 2, "lessons.l1.hint.wait"),
            ],
        ),
        "l1.load": (
            _load_answer(),
            [(x, "lessons.l1.hint.load") for x in "ABC" if x != _load_answer()],
        ),
        # Target queue = 21 a week × (30 / 7) weeks / 4 = 21 × 30 / 28 = 22.5.
        "l2.target_queue": (
            22.5,
            [
                (21 * 30 / 4, "lessons.l2.hint.target_queue_units"),  # target left in days: 157.5
                (21 * 30 / 7, "lessons.l2.hint.target_queue_factor"),  # no factor: 90
                (50, "lessons.l2.hint.target_queue"),
            ],
        ),
        # 90 % within 30 days: f = −ln(1 − 0.9) = ln 10 = 2.302585; mean = 30 / 2.302585 = 13.03.
        "l2.mean_wait": (
            30 / math.log(10),
            [
                (30 / 4, "lessons.l2.hint.mean_wait_factor4"),
                (30 * 0.9, "lessons.l2.hint.mean_wait_log"),
                (100, "lessons.l2.hint.mean_wait"),
            ],
        ),
        # Kingman: 10 + (1² + 1²) / 2 × 4 / (14 / 7) = 10 + 1 × 2 = 12 a week.
        "l2.capacity": (
            12,
            [
                (10, "lessons.l2.hint.capacity_variation"),
                (10 + 4 / 14, "lessons.l2.hint.capacity_units"),  # target left in days
                (15, "lessons.l2.hint.capacity"),
            ],
        ),
        "l2.relief": (
            _relief_answer(),
            [
                ((queue - target_queue) / 26, "lessons.l2.hint.relief_demand"),
                (demand + queue / 26, "lessons.l2.hint.relief_target"),
                (demand, "lessons.l2.hint.relief"),
            ],
        ),
        # Load 1 with random arrivals and service: no steady state (the queue is a
        # null-recurrent random walk), so it wanders and grows (option C).
        "l2.equal_capacity": (
            "C",
            [("A", "lessons.l2.hint.equal_zero"), ("B", "lessons.l2.hint.equal_steady")],
        ),
        # XmR: 20 + 2.66 × 3 = 27.98.
        "l3.limit": (
            27.98,
            [
                (20 - 2.66 * 3, "lessons.l3.hint.limit_lower"),
                (20 + 3 * 3, "lessons.l3.hint.limit_three"),
                (23, "lessons.l3.hint.limit"),
            ],
        ),
        # Series 12 15 11 14 16 17 15 18 16 13 10 11 9 12, median 13.5:
        # below, above, below, above ×6 (14 16 17 15 18 16), below ×5 (13 10 11 9 12): longest 6.
        "l3.longest_run": (
            6,
            [(5, "lessons.l3.hint.longest_run"), (7, "lessons.l3.hint.longest_run")],
        ),
        # Anhøj: round(log2 14) + 3 = round(3.807) + 3 = 4 + 3 = 7.
        "l3.run_limit": (7, [(6, "lessons.l3.hint.run_limit"), (8, "lessons.l3.hint.run_limit")]),
        "l3.variation": (
            _variation_answer(),
            [(x, "lessons.l3.hint.variation_common") for x in "BC"],
        ),
        # Making Data Count: recalculate from a deliberate change that has held (option B).
        "l3.rebase": (
            "B",
            [("A", "lessons.l3.hint.rebase_each"), ("C", "lessons.l3.hint.rebase_never")],
        ),
    }


IDS = [
    "l1.balance",
    "l1.dcaq",
    "l1.load",
    "l1.queue",
    "l1.wait",
    "l2.capacity",
    "l2.equal_capacity",
    "l2.mean_wait",
    "l2.relief",
    "l2.target_queue",
    "l3.limit",
    "l3.longest_run",
    "l3.rebase",
    "l3.run_limit",
    "l3.variation",
]


def test_every_lesson_1_3_exercise_is_covered():
    check("l1.dcaq", None)  # registers every lesson's exercises
    registered = {key for key in EXERCISES if key.startswith(("l1.", "l2.", "l3."))}
    assert registered == set(IDS) == set(_cases())
    assert all(3 <= sum(k.startswith(f"l{n}.") for k in IDS) <= 5 for n in (1, 2, 3))


# --------------------------------------------------------------------------- the checkers


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_right_answer_is_right(exercise_id, lang):
    right, _ = _cases()[exercise_id]
    feedback = check(exercise_id, right, lang)
    assert feedback.status == "right" and feedback.message == t("lessons.right", lang)


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrong_answers_get_their_hint(exercise_id, lang):
    _, wrongs = _cases()[exercise_id]
    assert wrongs
    for answer, hint in wrongs:
        feedback = check(exercise_id, answer, lang)
        assert feedback.status == "wrong", (answer, feedback)
        assert feedback.message == t("lessons.wrong", lang, hint=t(hint, lang)), answer


@pytest.mark.parametrize("exercise_id", IDS)
def test_unanswered_and_garbage(exercise_id):
    for lang in LANGUAGES:
        assert check(exercise_id, None, lang).status == "unanswered"
        assert check(exercise_id, "  ", lang).status == "unanswered"
        garbage = "Z" if EXERCISES[exercise_id].kind == "choice" else "about forty"
        assert check(exercise_id, garbage, lang).status == "invalid"


def test_answers_are_read_as_learners_type_them():
    # Decimal comma in quotes (Swedish), lower-case letters for choices.
    assert check("l2.mean_wait", "13,03", "sv").correct
    assert check("l1.dcaq", " c ", "sv").correct
    assert check("l3.limit", "27,98", "sv").correct
    relief = f"{_relief_answer():.1f}".replace(".", ",")
    assert check("l2.relief", relief, "sv").correct


def _number_forms(value: float) -> list[str]:
    forms = {f"{value:.0f}", f"{value:.1f}", f"{value:.2f}"}
    forms |= {f.replace(".", ",") for f in forms}
    return sorted(forms)


@pytest.mark.parametrize("exercise_id", IDS)
def test_no_feedback_gives_the_answer_away(exercise_id):
    right, wrongs = _cases()[exercise_id]
    answers = [right, None, *[w for w, _ in wrongs]]
    messages = [check(exercise_id, a, lang).message for a in answers for lang in LANGUAGES]
    if EXERCISES[exercise_id].kind == "choice":
        pattern = re.compile(rf"(?<![\w]){re.escape(str(right))}(?![\w])")
    else:
        alternatives = "|".join(re.escape(f) for f in _number_forms(float(right)))
        pattern = re.compile(rf"(?<![\d.,])(?:{alternatives})(?![\d]|[.,]\d)")
    for message in messages:
        assert not pattern.search(message), (exercise_id, message)


# --------------------------------------------------------------------------- helpers with numbers


def test_queue_paths_follow_lindleys_recursion():
    # Lindley (1952): Q_k = max(0, Q_{k-1} + A_k − S_k), Q_0 = 0, written as a plain loop.
    paths = l2_waitlist.queue_paths(10, 10.5, weeks=60, replications=4, seed=3)
    rng = np.random.default_rng(3)
    arrivals = rng.poisson(10, size=(4, 60))
    served = rng.poisson(10.5, size=(4, 60))
    for r in range(4):
        q = 0
        for k in range(60):
            q = max(0, q + int(arrivals[r, k]) - int(served[r, k]))
            assert paths[r, k] == q


def test_variation_chart_puts_the_formula_beside_the_simulation():
    # Load 0.8 and 0.9: the weekly queue's long-run mean wait (Lindley's recursion,
    # computed by iterating it on the Poisson distributions, an oracle independent of
    # toolkit.queueing) agrees with the simulated second year within 3 standard errors.
    # Load 1.0: no steady state, no number (the header says the queue grows).
    from math import lgamma, log

    def oracle_wait_weeks(lam, mu, weeks=3000):
        size = int(mu + 80)
        k = np.arange(size)
        pa = np.exp([x * log(lam) - lam - lgamma(x + 1) for x in k])
        pc = np.exp([x * log(mu) - mu - lgamma(x + 1) for x in k])
        step = np.convolve(pa, pc[::-1])
        q = np.zeros(3000)
        q[0] = 1.0
        for _ in range(weeks):
            moved = np.convolve(q, step)
            new = np.zeros(3000)
            new[0] = moved[:size].sum()
            new[1:] = moved[size : size + 2999]
            q = new
        return float((q * np.arange(3000)).sum()) / lam

    checks = l2_waitlist.variation_check(20.0)
    for one, rho in zip(checks[:2], (0.8, 0.9), strict=True):
        assert one.reason == "agree"
        assert one.formula_wait_weeks == pytest.approx(oracle_wait_weeks(20, 20 / rho), rel=0.005)
        assert abs(one.simulated_wait_weeks - one.formula_wait_weeks) <= one.uncertainty_weeks
    assert checks[2].reason == "overload" and checks[2].formula_wait_weeks is None
    spec = l2_waitlist.variation_chart("sv").chart.to_dict()
    labels = {row["load"] for row in spec["datasets"][next(iter(spec["datasets"]))]}
    assert any(t("lessons.l2.chart.no_steady_state", "sv") in x for x in labels)
    assert any("medelväntan: formel 0,6 d, simulering 0,6 d" in x for x in labels)


def test_littles_law_example_agrees_with_the_measured_wait():
    # Little's law on the balanced unit: L / λ (days) is close to the measured mean wait of
    # completions (it leaves out the removed, who wait less; 15 % is a generous margin).
    law = l1_flow.littles_law("balans")
    year = _first_stage_2024("balans")
    assert law["implied_wait_days"] == pytest.approx(
        year["waiting_end"].mean() / year["arrivals"].mean() * 7
    )
    assert law["implied_wait_days"] == pytest.approx(law["measured_wait_days"], rel=0.15)


def test_rebase_example_shows_a_shift_that_rebasing_removes():
    # The group-share series: without a rebase, the weeks after the change signal a shift
    # (rule_run); with limits recalculated from the change, the new part has no run signal.
    share = l3_spc.group_share()
    assert (share["value"] == 100 * share["group_visits"] / share["visits"]).all()
    before = l3_spc.shift_spc(rebase=False)
    after = l3_spc.shift_spc(rebase=True)
    changed = before["period"] >= pd.Timestamp(l3_spc.CHANGE_DATE)
    assert before.loc[changed, "rule_run"].any()
    assert not after.loc[after["part"] == 2, "rule_run"].any()
    assert after.groupby("part")["centre"].first().is_monotonic_increasing


def test_lesson_tables_hide_the_answers():
    # The balance exercise's table shows the start of the week, not its end.
    table = l1_flow.balance_table("en").data
    assert t("lessons.l1.col.waiting_end", "en") not in table.columns
    assert len(table) == 1
    wait = l1_flow.littles_law_table("vaxande_behov", "sv", with_wait=False).data
    assert list(wait.columns) == [
        t("lessons.l1.col.arrivals_per_week", "sv"),
        t("lessons.l1.col.mean_waiting", "sv"),
    ]
    relief = l2_waitlist.relief_table(lang="en").data
    assert f"{_relief_answer():.1f}" not in relief.to_string()


def test_charts_render_offline_as_svg():
    figures = [
        l1_flow.flow_chart("balans", "sv"),
        l2_waitlist.variation_chart("en"),
        l3_spc.stable_chart("sv", "run"),
        l3_spc.shift_chart("en", rebase=True),
    ]
    for figure in figures:
        html = figure._repr_html_()
        assert "<svg" in html and "<script" not in html and "http" not in html.split("<svg", 1)[0]


# --------------------------------------------------------------------------- the notebooks


def test_notebook_texts_exist_in_both_languages():
    keys = set()
    for path in NOTEBOOKS.values():
        book = nbformat.read(path, as_version=4)
        for cell in book.cells:
            assert not cell.get("outputs"), f"{path.name} is committed with outputs"
            keys |= set(re.findall(r"\"(lessons\.l[1-3]\.[a-z0-9_.]+)\"", cell.source))
        params = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and params[0].source.startswith('lang = "sv"')
    assert len(keys) > 20
    for key in keys:
        for lang in LANGUAGES:
            assert t(key, lang)


def _outputs_text(book: Any) -> tuple[str, list[str]]:
    texts, errors = [], []
    for cell in book.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(output.get("ename", ""))
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                errors.append(output.get("text", ""))
            for value in output.get("data", {}).values():
                texts.append(value if isinstance(value, str) else str(value))
    return "\n".join(texts), errors


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("number", sorted(NOTEBOOKS))
def test_lesson_runs_under_papermill(number, lang, tmp_path):
    from tests.notebook_runs import execute

    out = tmp_path / f"lesson{number}.{lang}.ipynb"
    # Swedish is the default: that run is the lesson as committed (nothing injected), the
    # one run of tests/test_notebooks_as_committed.py; every code cell must run without error
    parameters = {} if lang == "sv" else {"lang": lang}
    book = execute(NOTEBOOKS[number], out, parameters, cwd=LESSONS)
    text, errors = _outputs_text(book)
    assert not errors, errors
    assert t(f"lessons.l{number}.title", lang) in text
    assert t(f"lessons.l{number}.summary", lang) in text
    other = "en" if lang == "sv" else "sv"
    assert t(f"lessons.l{number}.title", other) not in text
    # Every exercise left unanswered says so, and nothing else is judged.
    n_exercises = sum(k.startswith(f"l{number}.") for k in IDS)
    assert text.count(t("lessons.unanswered", lang)) >= n_exercises
    assert t("lessons.right", lang) not in text
    # Charts are inline SVG rendered in the kernel: nothing to fetch.
    assert "<svg" in text
    assert "cdn.jsdelivr" not in text and "<script src" not in text
