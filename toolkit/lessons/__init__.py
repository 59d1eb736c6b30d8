"""The lessons of the teaching kit: texts from the catalogue, exercises checked here.

A lesson is a notebook in ``notebooks/lessons/`` whose parameters are
``lang`` and ``unit_path`` (lesson 6 also ``change_date``); its narrative comes from the
text catalogue (``toolkit/data/text/lessons*.yaml``) through :func:`show`,
its worked examples call the calculation modules on the sample units (or on
the learner's own unit, :func:`use_unit`), and each exercise ends with
:func:`check`, which answers "right" or gives a hint. A checker never shows
the expected value, so the learner cannot see the answer by accident; the
expected value is computed inside the checker from the unit's data.

Answers are read as the exercise's kind says, with the reader of the
workbooks' number boxes (:func:`toolkit.widgets.base.parse_number`):
``12.5``, ``"12,5"``, ``12,5`` typed in a code cell (Python makes it the
tuple ``(12, 5)``; read as 12,5 with a note), and on a percentage exercise
``"12,5 %"`` or a share ``0,125``. An answer in another form (a unit,
words, several numbers) gets a hint about the form, and the same hint
never twice in a row. :func:`answer_box` is the same check behind a text
box and a *Check* button.

Each lesson has a module here (``l1_flow``, ``l2_waitlist``, ...) that
registers its exercises with :func:`exercise`; :func:`check` imports every
lesson module the first time it is called.

Examples
--------
>>> @exercise("doc.double", kind="number")
... def _double(answer):
...     return None if close(answer, 4.0) else "lessons.hint_check_units"
>>> check("doc.double", 4, lang="en").status
'right'
>>> check("doc.double", "4,0", lang="en").status
'right'
>>> check("doc.double", None, lang="en").status
'unanswered'
>>> check("doc.double", "four", lang="en").status
'invalid'
>>> check("doc.double", (4, 0), lang="en").status
'right'
>>> str(check("doc.double", 5, lang="en"))
'Not yet. Hint: check the units (days or weeks, per week or per year).'
"""

from __future__ import annotations

import dataclasses
import functools
import html
import importlib
import math
import pkgutil
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from toolkit.i18n import check_language, t

__all__ = [
    "EXERCISES",
    "Exercise",
    "Feedback",
    "Figure",
    "Table",
    "answer_box",
    "check",
    "close",
    "exercise",
    "expected_answer",
    "number",
    "own_unit",
    "sample_unit",
    "show",
    "unit_period",
    "use_unit",
]

#: Answer kinds a checker can ask for: how a typed answer is read before checking.
KINDS = ("number", "percent", "text", "choice", "any")


@dataclass(frozen=True)
class Exercise:
    """A registered exercise: its id, the kind of answer and the checker.

    The checker takes the answer (already read as ``kind``) and returns
    ``None`` when it is right, else the catalogue key of a hint.
    """

    id: str
    kind: str
    checker: Callable[[Any], str | None]
    choices: tuple[str, ...] = ()
    #: For a number or percentage: the expected value, computed as the checker
    #: computes it (for the trainer's answer key, :func:`expected_answer`).
    answer: Callable[[], float] | None = None


#: Every registered exercise by id.
EXERCISES: dict[str, Exercise] = {}


def exercise(
    exercise_id: str,
    *,
    kind: str = "number",
    choices: tuple[str, ...] = (),
    answer: Callable[[], float] | None = None,
) -> Callable[[Callable[[Any], str | None]], Callable[[Any], str | None]]:
    """Register ``fn`` as the checker of ``exercise_id`` (a decorator).

    ``kind="number"`` accepts ints, floats, text with a decimal comma or
    point (``"12,5"``, ``"12.5"``) and the tuple ``(12, 5)`` that Python makes
    of ``12,5`` typed in a code cell (read as 12,5, with a note);
    ``"percent"`` also accepts ``"12,5 %"`` and a share below 1 (``0,125`` is
    12,5 %), and hands the checker per cent;
    ``answer`` (numbers and percentages) returns the expected value, for the
    trainer's answer key; ``"choice"`` accepts one of ``choices`` (case-insensitive, spaces
    ignored); ``"text"`` any text; ``"any"`` passes the answer unchanged.
    """
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")

    def register(fn: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
        EXERCISES[exercise_id] = Exercise(exercise_id, kind, fn, tuple(choices), answer)
        return fn

    return register


@dataclass(frozen=True)
class Feedback:
    """What the learner sees after :func:`check`: a status and a sentence.

    ``status`` is ``"right"``, ``"wrong"`` (the message is a hint),
    ``"unanswered"`` or ``"invalid"`` (the answer could not be read).
    """

    status: str
    message: str
    #: How the answer was read when it was typed in another form (``12,5`` in
    #: a code cell, a share for a percentage), shown before the message.
    note: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "right"

    def __str__(self) -> str:
        return f"{self.note} {self.message}" if self.note else self.message

    def _repr_html_(self) -> str:
        colours = {
            "right": ("#e6f4ea", "#1e7b34"),
            "wrong": ("#fff8e1", "#e6a700"),
            "unanswered": ("#eef2f7", "#5b7083"),
            "invalid": ("#fde8e8", "#c81e1e"),
        }
        background, border = colours[self.status]
        return (
            f"<div class='tk-feedback tk-{self.status}' style='background:{background};"
            f"border-left:6px solid {border};padding:8px 12px;font-size:1.1em'>"
            + (f"<div class='tk-note'>{html.escape(self.note)}</div>" if self.note else "")
            + f"{html.escape(self.message)}</div>"
        )


class _Unreadable(ValueError):
    """An answer that cannot be read as the exercise's kind: the catalogue key of a hint about its form."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.key, self.fields = key, fields


_HAS_DIGIT = re.compile(r"\d")
_UNIT_WORD = re.compile(
    r"^\s*[~≈]?\s*(?:ca\.?|cirka|about|approx\.?)?\s*([+\-\u2212]?[\d\s\u00a0\u202f.,]*\d)\s*(%?)\s*([^\W\d_].*)$",
    re.IGNORECASE,
)


def _from_tuple(answer: tuple[Any, ...]) -> float:
    """``12,5`` typed in a code cell: Python makes the tuple ``(12, 5)``; read it as 12,5.

    Only a pair of whole numbers, the second not negative, is read this way
    (``(12, 5)`` → 12.5, ``(0, 125)`` → 0.125, ``(-3, 25)`` → −3.25); any other
    tuple is several numbers and gets a hint about the form.
    """
    ints = all(isinstance(x, int) and not isinstance(x, bool) for x in answer)
    if len(answer) != 2 or not ints or answer[1] < 0:
        raise _Unreadable("lessons.answer.several", shown=", ".join(map(str, answer)))
    whole, fraction = answer
    sign = "-" if whole < 0 else ""
    return float(f"{sign}{abs(whole)}.{fraction}")


def _read_number(answer: Any, percent_kind: bool) -> tuple[float, str | None]:
    """A typed number and the catalogue key of a note on how it was read (or ``None``).

    Uses :func:`toolkit.widgets.base.parse_number`, the reader of the
    workbooks' number boxes: decimal comma or point, spaces between
    thousands, a leading sign, a trailing ``%``.
    """
    from toolkit.widgets.base import parse_number

    note = None
    text = str(answer)
    if isinstance(answer, bool):
        raise _Unreadable("lessons.answer.words")
    if isinstance(answer, tuple):
        value, has_percent, note = _from_tuple(answer), False, "lessons.answer.note_tuple"
    elif isinstance(answer, str):
        text = answer.strip().strip("\"'\u201d\u201c").strip()
        try:
            value, has_percent = parse_number(text)
        except ValueError:
            raise _form_hint(text) from None
    else:
        try:
            value, has_percent = float(answer), False
        except (TypeError, ValueError):
            raise _Unreadable("lessons.answer.words") from None
    if not math.isfinite(value):
        raise _Unreadable("lessons.answer.words")
    if has_percent and not percent_kind:
        raise _Unreadable("lessons.answer.not_percent", number=text.rstrip("% \u00a0"))
    if percent_kind and not has_percent and abs(value) < 1:
        # a share: 0,125 is 12,5 % (as the workbooks' per-cent boxes read it)
        value, note = 100.0 * value, note or "lessons.answer.note_share"
    return value, note


def _form_hint(text: str) -> _Unreadable:
    """The hint for a text that is not a number: a unit or word beside it, or no digits at all."""
    match = _UNIT_WORD.match(text)
    if match and _HAS_DIGIT.search(match.group(1)):
        return _Unreadable("lessons.answer.unit", text=text, number=match.group(1).strip())
    if _HAS_DIGIT.search(text):
        return _Unreadable("lessons.answer.mixed", text=text)
    return _Unreadable("lessons.answer.words", text=text)


def _echo(fields: dict[str, Any], lang: str) -> dict[str, str]:
    """What the learner typed, to be shown back: at most 40 characters, identity numbers hidden."""
    from toolkit.privacy import redact_text

    return {key: redact_text(str(value)[:40], lang=lang) for key, value in fields.items()}


def _read(answer: Any, ex: Exercise) -> tuple[Any, str | None]:
    """The answer as the exercise's kind and a note on how it was read; raise :class:`_Unreadable`."""
    if ex.kind in ("number", "percent"):
        return _read_number(answer, ex.kind == "percent")
    if ex.kind == "choice":
        text = str(answer).strip().strip("\"'").lower().replace(" ", "")
        for choice in ex.choices:
            if text == choice.lower().replace(" ", ""):
                return choice, None
        raise _Unreadable("lessons.invalid_choice", choices=", ".join(ex.choices))
    if ex.kind == "text":
        return str(answer).strip(), None
    return answer, None


#: The last hint about the form given per exercise in this kernel: the same
#: hint due twice in a row comes with an example of a whole answer cell, so
#: the learner is never told the same thing twice in a row.
_LAST_FORM_HINT: dict[str, str] = {}


def _load_lessons() -> None:
    """Import every lesson module once, so that their exercises are registered."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def check(exercise_id: str, answer: Any, lang: str | None = None) -> Feedback:
    """Check the learner's ``answer`` to ``exercise_id``: "right" or a hint, never the answer."""
    lang = check_language(lang)
    if exercise_id not in EXERCISES:
        _load_lessons()
    if exercise_id not in EXERCISES:
        raise KeyError(f"no exercise {exercise_id!r}")
    ex = EXERCISES[exercise_id]
    if answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip()):
        _LAST_FORM_HINT.pop(exercise_id, None)
        return Feedback("unanswered", t("lessons.unanswered", lang))
    try:
        value, note_key = _read(answer, ex)
    except _Unreadable as err:
        message = t(err.key, lang, **_echo(err.fields, lang))
        if _LAST_FORM_HINT.get(exercise_id) == message:
            example = "B" if ex.kind == "choice" else ('"12,5"' if lang == "sv" else "12.5")
            message += " " + t("lessons.answer.again", lang, example=example)
            _LAST_FORM_HINT.pop(exercise_id, None)
        else:
            _LAST_FORM_HINT[exercise_id] = message
        return Feedback("invalid", message)
    _LAST_FORM_HINT.pop(exercise_id, None)
    note = (
        t(note_key, lang, read=number(value, lang, 6).rstrip("0").rstrip(",.")) if note_key else ""
    )
    hint = ex.checker(value)
    if hint is None:
        return Feedback("right", t("lessons.right", lang), note)
    return Feedback("wrong", t("lessons.wrong", lang, hint=t(hint, lang)), note)


def expected_answer(exercise_id: str) -> float | str:
    """The right answer of ``exercise_id``, for the trainer's answer key (never shown to learners).

    A number or percentage comes from the exercise's ``answer`` function; a
    choice is the option its checker accepts. It follows :func:`use_unit`.

    >>> expected_answer("l1.queue")
    60.0
    >>> expected_answer("l1.dcaq")
    'C'
    """
    if exercise_id not in EXERCISES:
        _load_lessons()
    ex = EXERCISES[exercise_id]
    if ex.answer is not None:
        return float(ex.answer())
    if ex.kind == "choice":
        right = [choice for choice in ex.choices if ex.checker(choice) is None]
        if len(right) == 1:
            return right[0]
    raise ValueError(f"exercise_id: {exercise_id!r} has no single expected answer")


def close(answer: float, expected: float, rel: float = 0.02, absolute: float = 0.0) -> bool:
    """True if ``answer`` is within ``rel`` (relative) or ``absolute`` of ``expected``.

    >>> close(101, 100), close(110, 100), close(0.4, 0.0, absolute=0.5)
    (True, False, True)
    """
    return bool(abs(answer - expected) <= max(rel * abs(expected), absolute))


class _Markdown:
    """Markdown text for a notebook (rendered by Jupyter, Voilà and nbconvert)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def show(key: str, lang: str | None = None, **fields: Any) -> _Markdown:
    """The catalogue text ``key`` as Markdown, in ``lang``, with ``fields`` filled in.

    >>> show("lessons.right", "en")
    Right!
    """
    return _Markdown(t(key, check_language(lang), **fields))


#: The learner's own unit while a lesson runs with ``unit_path`` (else empty):
#: ``{"unit": UnitData, "name": str}``.
_OWN_UNIT: dict[str, Any] = {}


def sample_unit(unit_id: str, *, own: bool = True) -> Any:
    """A sample unit from ``sample_data/units.yaml``, loaded once per kernel.

    While :func:`use_unit` has put the learner's own unit in place, every
    lesson asks for it instead, so the worked examples and the checkers
    compute from that unit's numbers; ``own=False`` keeps the sample unit
    (an example made to show one thing, such as a change on a known date).
    """
    if _OWN_UNIT and own:
        return _OWN_UNIT["unit"]
    return _sample_unit(unit_id)


@functools.cache
def _sample_unit(unit_id: str) -> Any:
    from toolkit.widgets.base import _load_sample

    return _load_sample(unit_id)[1]


def own_unit() -> bool:
    """True while the lessons compute on the learner's own unit (see :func:`use_unit`)."""
    return bool(_OWN_UNIT)


def unit_period(default: tuple[str, str]) -> tuple[str, str]:
    """A lesson's period: ``default`` on the sample units; on the learner's unit as long, ending there.

    On the learner's unit the period ends on the Sunday on or before the
    unit's last date and is as many days long as ``default`` (ISO dates).

    >>> unit_period(("2024-01-01", "2024-12-29"))
    ('2024-01-01', '2024-12-29')
    """
    if not _OWN_UNIT:
        return default
    import pandas as pd

    last = pd.Timestamp(_OWN_UNIT["unit"].extract_date).normalize()
    end = last - pd.Timedelta(days=(last.weekday() + 1) % 7)
    start = end - (pd.Timestamp(default[1]) - pd.Timestamp(default[0]))
    return start.date().isoformat(), end.date().isoformat()


def _clear_lesson_caches() -> None:
    """Forget every figure a lesson module computed (they depend on the unit in use)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith(f"{__name__}.") or module is None:
            continue
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def _md(text: Any) -> str:
    """Untrusted text for a Markdown cell: HTML escaped, Markdown's marks made plain."""
    escaped = html.escape(str(text))
    return re.sub(r"([\\`*_\[\]{}()#+!|~])", lambda m: f"&#{ord(m.group(1))};", escaped)


def use_unit(
    unit_path: str | Path | None, lang: str | None = None, needs: tuple[str, ...] = ()
) -> _Markdown:
    """Let the lesson compute on the unit at ``unit_path`` (the notebook's parameter).

    ``unit_path`` is a folder or workbook of a unit's export, as
    :func:`toolkit.io.load_unit` reads it; empty or ``None`` means the
    lesson's sample units. The unit's data is taken to end on the last date
    it holds (not today), as the workbooks do with an upload. ``needs``
    names the tables the lesson's exercises use (``"staff"``,
    ``"time_use"``, ...). A unit that cannot be read, or lacks a needed
    table, leaves the sample units in place and says why, in ``lang``.

    Returns the sentence that tells the learner which unit the lesson uses.
    """
    from toolkit.errors import DataError
    from toolkit.io import load_unit
    from toolkit.widgets.base import last_date

    lang = check_language(lang)
    _OWN_UNIT.clear()
    _clear_lesson_caches()
    text = "" if unit_path is None else str(unit_path).strip()
    if not text:
        return show("lessons.unit.sample", lang)
    path = Path(text).expanduser()
    try:
        unit = load_unit(path, lang=lang)
    except DataError as err:
        return _Markdown(t("lessons.unit.failed", lang, message=_md(err.message(lang))))
    missing = [name for name in needs if not unit.has(name)]
    if missing:
        message = t(
            "lessons.unit.missing_tables", lang, tables=", ".join(missing), name=_md(path.name)
        )
        return _Markdown(t("lessons.unit.failed", lang, message=message))
    last = last_date(unit)
    if last is not None and last < unit.extract_date:
        unit = dataclasses.replace(unit, extract_date=last)
    _OWN_UNIT.update(unit=unit, name=path.name)
    _clear_lesson_caches()
    return _Markdown(
        t("lessons.unit.own", lang, name=_md(path.name), last=unit.extract_date.date().isoformat())
    )


def answer_box(exercise_id: str, lang: str | None = None) -> Any:
    """A text box and a *Check* button for ``exercise_id``: the answer typed as in a workbook.

    What is typed goes through :func:`check` as text, so ``12,5``,
    ``12.5``, ``12,5 %`` and ``0,125`` are read as the exercise's kind says;
    the feedback appears below the box (Enter in the box checks too).
    """
    import ipywidgets as widgets

    lang = check_language(lang)
    box = widgets.Text(
        placeholder=t("lessons.answer.placeholder", lang),
        description=t("lessons.answer.box_label", lang),
        continuous_update=False,
    )
    button = widgets.Button(description=t("lessons.answer.check", lang), button_style="primary")
    feedback = widgets.HTML()

    def run(_event: Any = None) -> None:
        feedback.value = check(exercise_id, box.value, lang)._repr_html_()

    button.on_click(run)
    box.observe(run, names="value")
    out = widgets.VBox([widgets.HBox([box, button]), feedback])
    out.add_class("tk-answer-box")
    return out


# --------------------------------------------------------------------------- presentation


def number(value: Any, lang: str | None = None, digits: int = 1) -> str:
    """A number as a reader of ``lang`` writes it (decimal comma in Swedish).

    >>> number(1234.56, "en"), number(0.5, "sv")
    ('1,234.6', '0,5')
    """
    from toolkit.widgets.base import format_number

    return format_number(float(value), check_language(lang), digits)


class Table:
    """A table for the reader: numbers written as in ``lang``, no index column unless asked.

    ``data`` is the DataFrame itself (what tests and further calculations use);
    ``index=True`` keeps the index as row labels.

    >>> import pandas as pd
    >>> "1\xa0234,5" in Table(pd.DataFrame({"x": [1234.5]}), "sv")._repr_html_()
    True
    """

    def __init__(
        self, data: pd.DataFrame, lang: str, digits: int = 1, *, index: bool = False
    ) -> None:
        self.data, self.lang, self.digits, self.index = data, lang, digits, index

    def _repr_html_(self) -> str:
        sv = self.lang == "sv"
        styler = self.data.style
        if not self.index:
            styler = styler.hide(axis="index")
        styler = styler.format(
            precision=self.digits,
            decimal="," if sv else ".",
            thousands="\u00a0" if sv else ",",
            na_rep="–",
        )
        return str(styler.to_html())

    def __repr__(self) -> str:
        return self.data.to_string(index=self.index)


class Figure:
    """An Altair chart rendered to SVG in the kernel: no JavaScript, no network.

    Jupyter, Voilà, papermill and nbconvert show it through ``_repr_html_``
    (the same rendering as :func:`toolkit.report.svg`).
    """

    def __init__(self, chart: Any) -> None:
        self.chart = chart

    def _repr_html_(self) -> str:
        from toolkit.report import svg

        return svg(self.chart)

    def __repr__(self) -> str:
        return "<Figure>"
