"""The lessons of the teaching kit: texts from the catalogue, exercises checked here.

A lesson is a notebook in ``notebooks/lessons/`` whose only parameter is
``lang``; its narrative comes from the text catalogue
(``toolkit/data/text/lessons*.yaml``) through :func:`show`, its worked
examples call the calculation modules on the sample units, and each exercise
ends with :func:`check`, which answers "right" or gives a hint. A checker
never shows the expected value, so the learner cannot see the answer by
accident; the expected value is computed inside the checker from the sample
data.

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
>>> str(check("doc.double", 5, lang="en"))
'Not yet. Hint: check the units (days or weeks, per week or per year).'
"""

from __future__ import annotations

import functools
import html
import importlib
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
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
    "check",
    "close",
    "exercise",
    "number",
    "sample_unit",
    "show",
]

#: Answer kinds a checker can ask for: how a typed answer is read before checking.
KINDS = ("number", "text", "choice", "any")


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


#: Every registered exercise by id.
EXERCISES: dict[str, Exercise] = {}


def exercise(
    exercise_id: str, *, kind: str = "number", choices: tuple[str, ...] = ()
) -> Callable[[Callable[[Any], str | None]], Callable[[Any], str | None]]:
    """Register ``fn`` as the checker of ``exercise_id`` (a decorator).

    ``kind="number"`` accepts ints, floats and text with a decimal comma;
    ``"choice"`` accepts one of ``choices`` (case-insensitive, spaces
    ignored); ``"text"`` any text; ``"any"`` passes the answer unchanged.
    """
    if kind not in KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")

    def register(fn: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
        EXERCISES[exercise_id] = Exercise(exercise_id, kind, fn, tuple(choices))
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

    @property
    def correct(self) -> bool:
        return self.status == "right"

    def __str__(self) -> str:
        return self.message

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
            f"{html.escape(self.message)}</div>"
        )


def _read(answer: Any, ex: Exercise) -> Any:
    """The answer as the exercise's kind, or raise ValueError."""
    if ex.kind == "number":
        if isinstance(answer, bool):
            raise ValueError(answer)
        if isinstance(answer, str):
            answer = answer.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
            answer = answer.removesuffix("%")
        value = float(answer)
        if not math.isfinite(value):
            raise ValueError(answer)
        return value
    if ex.kind == "choice":
        text = str(answer).strip().lower().replace(" ", "")
        for choice in ex.choices:
            if text == choice.lower().replace(" ", ""):
                return choice
        raise ValueError(answer)
    if ex.kind == "text":
        return str(answer).strip()
    return answer


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
        return Feedback("unanswered", t("lessons.unanswered", lang))
    try:
        value = _read(answer, ex)
    except (TypeError, ValueError):
        key = "lessons.invalid_number" if ex.kind == "number" else "lessons.invalid_choice"
        return Feedback("invalid", t(key, lang, choices=", ".join(ex.choices)))
    hint = ex.checker(value)
    if hint is None:
        return Feedback("right", t("lessons.right", lang))
    return Feedback("wrong", t("lessons.wrong", lang, hint=t(hint, lang)))


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


@functools.cache
def sample_unit(unit_id: str) -> Any:
    """A sample unit from ``sample_data/units.yaml``, loaded once per kernel."""
    from toolkit.widgets.base import _load_sample

    return _load_sample(unit_id)[1]


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
