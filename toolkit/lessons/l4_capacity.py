"""Lesson 4: capacity in staff hours, and where the time goes.

The chain of :mod:`toolkit.capacity` walked through on the sample unit
``balans`` (the only sample unit with both a staff list and a time-use study
in English column names): contracted hours → minus absence → minus
non-clinical time (from the time-use study) → clinical hours →
appointments; and what freeing part of the administration does
("time freed becomes capacity").

The notebook ``notebooks/lessons/04_kapacitet_och_tid.ipynb`` only calls the
functions here; the texts are ``lessons.l4.*`` in
``toolkit/data/text/lessons_l4.yaml``.

This module also holds the two presentation helpers lessons 4–6 share:
:class:`Figure` (an Altair chart rendered to SVG in the kernel, offline) and
:func:`number` (a number as a reader of ``lang`` writes it).

Exercises (ids for :func:`toolkit.lessons.check`):

``l4.clinical_hours``
    Clinical hours a week of one full-time clinician (numbers in the text).
``l4.non_clinical_share``
    Share (%) of the unit's logged time that is not direct patient work.
``l4.top_activity``
    Which activity besides patient work takes most time (A–D).
``l4.appointments``
    Attended appointments a week from clinical hours (numbers in the text).
``l4.freed_hours``
    Clinical hours a week gained when 10 % of the non-clinical time is freed.

Examples
--------
>>> from toolkit.lessons import check
>>> check("l4.clinical_hours", 14.4, "en").status
'right'
>>> check("l4.clinical_hours", 13.2, "en").status
'wrong'
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from toolkit import capacity
from toolkit.charts import lesson_time_use_chart
from toolkit.i18n import check_language, t
from toolkit.lessons import Figure, Table, _Markdown, close, exercise, number, sample_unit
from toolkit.lessons import show as _show

__all__ = [
    "ACTIVITY_OPTIONS",
    "EX",
    "NEEDS",
    "UNIT",
    "Figure",
    "Table",
    "appointments_table",
    "chain_table",
    "number",
    "show",
    "time_use_chart",
    "time_use_table",
    "worked_example",
]

#: The sample unit of this lesson (sample_data/units.yaml).
UNIT = "balans"

#: Tables a learner's own unit needs for this lesson (``unit_path``; see
#: :func:`toolkit.lessons.use_unit`): exercises 2, 3 and 5 and the tables are
#: then computed from that unit's staff list, time-use study and visits.
NEEDS: tuple[str, ...] = ("staff", "time_use", "visits")

#: Numbers given in the exercise texts (percentages as whole numbers).
EX: dict[str, float] = {
    "contracted_h": 40.0,  # h/week, one full-time clinician
    "absence_pct": 20.0,  # % of contracted hours (the default, toolkit/data/capacity_defaults.yaml)
    "non_clinical_pct": 55.0,  # % of the hours at work
    "clinical_h": 16.0,  # h/week of one nurse (exercise 4)
    "minutes": 60.0,  # min per treatment appointment
    "dna_pct": 5.0,  # % of booked appointments not attended
    "freed_pct": 10.0,  # % of non-clinical hours freed (exercise 5)
}

#: Activities offered in ``l4.top_activity``, in the order of the options A, B, C, D.
ACTIVITY_OPTIONS: tuple[str, ...] = ("meetings", "documentation", "coordination", "certificates")
_LETTERS = ("A", "B", "C", "D")


# --------------------------------------------------------------------------- presentation


def _at(frame: pd.DataFrame, row: str, column: str) -> float:
    """One cell of ``frame`` as a float."""
    value: Any = frame.loc[row, column]
    return float(value)


def show(name: str, lang: str | None = None) -> _Markdown:
    """The lesson's text ``lessons.l4.<name>`` with the exercise numbers filled in.

    >>> "40" in show("ex_clinical_hours", "en").text
    True
    """
    lang = check_language(lang)
    fields = {key: number(value, lang, 0) for key, value in EX.items()}
    fields["title"] = t("lessons.l4.title", lang)
    return _show(f"lessons.l4.{name}", lang, **fields)


def _label(key: str, lang: str) -> str:
    return t(key, lang)


# --------------------------------------------------------------------------- the unit's chain


@functools.cache
def _chain() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Staff hours, time-use shares and clinical hours of the lesson's unit (computed once)."""
    unit = sample_unit(UNIT)
    hours = capacity.staff_hours(unit.staff, on=unit.extract_date, lang="en")
    shares = capacity.time_use_shares(unit.time_use, lang="en")
    clinical = capacity.clinical_hours(hours, non_clinical_share=shares, lang="en")
    return hours, shares, clinical


@functools.cache
def _appointments() -> pd.DataFrame:
    unit = sample_unit(UNIT)
    return capacity.appointments_per_week(_chain()[2], unit.visits, lang="en")


def _activity_minutes() -> pd.Series:
    """Minutes logged per activity, all staff categories together (largest first)."""
    shares = _chain()[1]
    return shares.groupby("activity")["minutes"].sum().sort_values(ascending=False)


def chain_table(lang: str | None = None) -> Table:
    """Contracted, absence, non-clinical and clinical hours a week per staff category, and the total.

    Columns (in ``lang``): staff category, FTE, contracted hours, absence hours,
    non-clinical share, non-clinical hours, clinical hours (per week).
    """
    lang = check_language(lang)
    clinical = _chain()[2]
    cols = [
        "staff_category",
        "fte",
        "contracted_hours_per_week",
        "absence_hours_per_week",
        "non_clinical_share",
        "non_clinical_hours_per_week",
        "clinical_hours_per_week",
    ]
    table = clinical[cols].copy()
    total = table.drop(columns="staff_category").sum()
    at_work = total["contracted_hours_per_week"] - total["absence_hours_per_week"]
    total["non_clinical_share"] = total["non_clinical_hours_per_week"] / at_work if at_work else 0.0
    table.loc[len(table)] = ["total", *total.to_numpy()]
    table["non_clinical_share"] = (100 * table["non_clinical_share"].astype(float)).round(0)
    table[cols[1:]] = table[cols[1:]].astype(float).round(1)
    return Table(capacity.readable(table, lang), lang)


def time_use_table(lang: str | None = None) -> Table:
    """Minutes logged per activity in the unit's time-use study, all categories together.

    Columns (in ``lang``): activity, minutes.
    """
    lang = check_language(lang)
    minutes = _activity_minutes()
    data = pd.DataFrame(
        {
            _label("lessons.l4.col.activity", lang): [
                _label(f"lessons.l4.activity.{a}", lang) for a in minutes.index
            ],
            _label("lessons.l4.col.minutes", lang): minutes.to_numpy().round(0).astype(int),
        }
    )
    return Table(data, lang, 0)


def time_use_chart(lang: str | None = None) -> Figure:
    """Bar chart: share of all logged time per activity (direct patient work highlighted)."""
    lang = check_language(lang)
    return Figure(lesson_time_use_chart(_activity_minutes(), lang))


def appointments_table(lang: str | None = None) -> Table:
    """Booked, lost and attended appointments a week per staff category (visit types together).

    Measured visit mix, lengths, no-shows, group and digital shares come from
    the unit's visits (:func:`toolkit.capacity.appointments_per_week`).
    """
    lang = check_language(lang)
    table = _appointments()
    cols = [
        "booked_appointments_per_week",
        "lost_to_dna_per_week",
        "attended_appointments_per_week",
    ]
    per = table.groupby("staff_category", sort=False)[cols].sum().reset_index()
    per.loc[len(per)] = ["total", *per[cols].sum().to_numpy()]
    per[cols] = per[cols].astype(float).round(1)
    return Table(capacity.readable(per, lang), lang)


def worked_example(lang: str | None = None) -> _Markdown:
    """The worked example's sentences with the unit's own numbers."""
    lang = check_language(lang)
    clinical = _chain()[2]
    contracted = float(clinical["contracted_hours_per_week"].sum())
    absence = float(clinical["absence_hours_per_week"].sum())
    non_clinical = float(clinical["non_clinical_hours_per_week"].sum())
    hours = float(clinical["clinical_hours_per_week"].sum())
    attended = float(_appointments()["attended_appointments_per_week"].sum())
    return _show(
        "lessons.l4.worked_numbers",
        lang,
        fte=number(float(clinical["fte"].sum()), lang, 1),
        contracted=number(contracted, lang, 0),
        absence=number(absence, lang, 0),
        non_clinical=number(non_clinical, lang, 0),
        clinical=number(hours, lang, 0),
        clinical_pct=number(100 * hours / contracted, lang, 0),
        attended=number(attended, lang, 0),
    )


# --------------------------------------------------------------------------- exercises


def _share(pct: float) -> float:
    return pct / 100.0


def _answer_clinical_hours() -> float:
    """Clinical hours = contracted × (1 − absence) × (1 − non-clinical share)."""
    return _at(_one_clinician(), "psychologist", "clinical_hours_per_week")


def _one_clinician() -> pd.DataFrame:
    """The chain for one full-time clinician with the exercise's numbers, by staff category."""
    staff = pd.DataFrame(
        {
            "staff_id": ["X"],
            "category": ["psychologist"],
            "fte": [1.0],
            "hours_per_week": [EX["contracted_h"]],
        }
    )
    return capacity.clinical_hours(
        capacity.staff_hours(staff),
        absence_share=_share(EX["absence_pct"]),
        non_clinical_share=_share(EX["non_clinical_pct"]),
    ).set_index("staff_category")


@exercise("l4.clinical_hours", kind="number", answer=_answer_clinical_hours)
def _check_clinical_hours(answer: float) -> str | None:
    """Clinical hours = contracted × (1 − absence) × (1 − non-clinical share)."""
    row = _one_clinician()
    expected = _answer_clinical_hours()
    if close(answer, expected, rel=0.005):
        return None
    c, a, n = EX["contracted_h"], _share(EX["absence_pct"]), _share(EX["non_clinical_pct"])
    if close(answer, c * (1 - a - n), rel=0.005):
        return "lessons.l4.hint.multiply_shares"
    if close(answer, c * (1 - n), rel=0.005):
        return "lessons.l4.hint.forgot_absence"
    if close(answer, c * (1 - a), rel=0.005):
        return "lessons.l4.hint.forgot_non_clinical"
    if close(answer, _at(row, "psychologist", "non_clinical_hours_per_week"), rel=0.005):
        return "lessons.l4.hint.that_is_non_clinical"
    return "lessons.l4.hint.clinical_formula"


def _answer_non_clinical_share() -> float:
    """Share (%) of all minutes logged that is not direct patient work."""
    minutes = _activity_minutes()
    direct = float(minutes.get("patient_direct", 0.0))
    return 100.0 * (1.0 - direct / float(minutes.sum()))


@exercise("l4.non_clinical_share", kind="percent", answer=_answer_non_clinical_share)
def _check_non_clinical_share(answer: float) -> str | None:
    """Share (%) of all minutes logged that is not direct patient work."""
    expected = _answer_non_clinical_share()
    if close(answer, expected, absolute=0.6):
        return None
    if close(100.0 * answer, expected, absolute=0.6):
        return "lessons.l4.hint.percent"
    if close(answer, 100.0 - expected, absolute=0.6):
        return "lessons.l4.hint.direct_share"
    return "lessons.l4.hint.share_formula"


@exercise("l4.top_activity", kind="choice", choices=_LETTERS)
def _check_top_activity(answer: str) -> str | None:
    """The option whose activity has most minutes logged."""
    minutes = _activity_minutes()
    best = max(ACTIVITY_OPTIONS, key=lambda a: float(minutes.get(a, 0.0)))
    if answer == _LETTERS[ACTIVITY_OPTIONS.index(best)]:
        return None
    return "lessons.l4.hint.read_chart"


def _answer_appointments() -> float:
    """Attended = clinical hours × 60 / minutes per appointment × (1 − DNA rate)."""
    nurse = _nurse_appointments()
    return float(nurse["attended_appointments_per_week"].sum())


def _nurse_appointments() -> pd.DataFrame:
    """Appointments a week of the exercise's nurse."""
    hours = pd.DataFrame(
        {"staff_category": ["nurse"], "clinical_hours_per_week": [EX["clinical_h"]]}
    )
    table = capacity.appointments_per_week(
        hours,
        visit_mix={"treatment": 1.0},
        mean_duration_min=EX["minutes"],
        dna_rate=_share(EX["dna_pct"]),
    )
    return table[table["staff_category"] == "nurse"]


@exercise("l4.appointments", kind="number", answer=_answer_appointments)
def _check_appointments(answer: float) -> str | None:
    """Attended = clinical hours × 60 / minutes per appointment × (1 − DNA rate)."""
    nurse = _nurse_appointments()
    expected = _answer_appointments()
    booked = float(nurse["booked_appointments_per_week"].sum())
    if close(answer, expected, rel=0.005):
        return None
    if close(answer, booked, rel=0.005):
        return "lessons.l4.hint.forgot_dna"
    if close(answer, booked * (1 + _share(EX["dna_pct"])), rel=0.005):
        return "lessons.l4.hint.dna_direction"
    if close(answer, booked - expected, rel=0.005):
        return "lessons.l4.hint.that_is_dna"
    if close(answer, expected * 60.0, rel=0.005) or close(answer, booked * 60.0, rel=0.005):
        return "lessons.hint_check_units"
    return "lessons.l4.hint.appointments_formula"


def _answer_freed_hours() -> float:
    """Extra clinical hours a week when a share of the non-clinical hours is freed."""
    hours, shares, _clinical = _chain()
    effect = capacity.change_effect(
        hours, freed_non_clinical_share=_share(EX["freed_pct"]), non_clinical_share=shares
    ).set_index("staff_category")
    return _at(effect, "total", "clinical_hours_after_per_week") - _at(
        effect, "total", "clinical_hours_before_per_week"
    )


@exercise("l4.freed_hours", kind="number", answer=_answer_freed_hours)
def _check_freed_hours(answer: float) -> str | None:
    """Extra clinical hours a week when a share of the non-clinical hours is freed."""
    clinical = _chain()[2]
    expected = _answer_freed_hours()
    if close(answer, expected, rel=0.01, absolute=0.5):
        return None
    freed = _share(EX["freed_pct"])
    if close(answer, freed * float(clinical["contracted_hours_per_week"].sum()), rel=0.01):
        return "lessons.l4.hint.freed_of_contracted"
    if close(answer, freed * float(clinical["clinical_hours_per_week"].sum()), rel=0.01):
        return "lessons.l4.hint.freed_of_clinical"
    return "lessons.l4.hint.freed_formula"
