"""Self-assessment questionnaires: PKS maturity self-assessment and KvIPS self-evaluation.

A questionnaire is a versioned YAML file (``toolkit/data/selfassess/``; a
region can pass its own): groups of questions (the five PKS elements, or
KvIPS's shared quality parameters and the year's focus areas), the
respondents who answer (management levels or roles), and a scale with a
description of each step. :func:`load_questionnaire` checks the file and
says what is wrong and how to fix it.

Answers are a table with one row per given answer:

========== =========================================================
respondent level or role id (``strategic``, ``patient_rep``, ...)
question_id question id
score      the score on the scale (float; NaN when "don't know")
dont_know  True when the respondent answered "don't know"
========== =========================================================

An empty answer is no row. The calculation functions (:func:`group_scores`,
:func:`spread`, :func:`overall_scores`, :func:`compare`,
:func:`compare_units`, :func:`merge_answers`) are pure; the file functions
(:func:`load_questionnaire`, :func:`answers_csv_bytes`,
:func:`answers_excel_bytes`, :func:`read_answers`) read and write the
questionnaire and answer files, with the questionnaire id and version in
every answer file. Unit and round names and every cell of an imported
answer file are screened for Swedish identity and reserve numbers
(:func:`toolkit.privacy.find_in_text`) and refused with a message naming the
place, never the value.

Examples
--------
>>> q = load_questionnaire("pks")
>>> q.id, q.version, len(q.groups), len(q.questions)
('pks', '1', 5, 15)
>>> answers = pd.DataFrame({"respondent": ["strategic", "strategic", "operational"],
...     "question_id": ["need_inflow", "need_hours", "need_inflow"],
...     "score": [4.0, 2.0, 1.0], "dont_know": [False, False, False]})
>>> row = overall_scores(group_scores(answers, q)).iloc[0]
>>> row["group"], float(row["mean"]), float(row["spread"])
('capacity_need', 2.0, 2.0)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from toolkit import _yaml, privacy
from toolkit.errors import DataError, ParameterError
from toolkit.exports import csv_text, csv_value, excel_text
from toolkit.i18n import LANGUAGES, check_language, t

#: Questionnaires shipped with the toolkit: short name -> package file.
BUILTIN: dict[str, str] = {"pks": "pks_v1.yaml", "kvips": "kvips_v1.yaml"}

#: Columns of an answers table.
ANSWER_COLUMNS: tuple[str, ...] = ("respondent", "question_id", "score", "dont_know")

#: Widest scale accepted (steps from ``min`` to ``max``, both within 0–10).
SCALE_LIMITS: tuple[int, int] = (0, 10)

#: Columns of an answer file, in order; their headers come from ``selfassess.col.*``.
FILE_COLUMNS: tuple[str, ...] = (
    "questionnaire",
    "version",
    "unit",
    "round",
    "respondent",
    "group",
    "question_id",
    "question",
    "answer",
)
#: Columns an imported answer file must have (the others are for people reading it).
_REQUIRED_FILE_COLUMNS = (
    "questionnaire",
    "version",
    "unit",
    "round",
    "respondent",
    "question_id",
    "answer",
)


# --------------------------------------------------------------------------- questionnaire


@dataclass(frozen=True)
class Group:
    """A group of questions: a PKS element, a KvIPS parameter or focus area."""

    id: str
    name: dict[str, str]
    kind: str = ""
    example: bool = False


@dataclass(frozen=True)
class Respondent:
    """A management level (PKS) or a role (KvIPS) that answers separately."""

    id: str
    name: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    """One question, its group and the respondents who answer it."""

    id: str
    group: str
    text: dict[str, str]
    respondents: tuple[str, ...]


@dataclass(frozen=True)
class Questionnaire:
    """A checked questionnaire file (see :func:`load_questionnaire`)."""

    id: str
    version: str
    title: dict[str, str]
    source: dict[str, str]
    scale_min: int
    scale_max: int
    scale_labels: dict[int, dict[str, str]]
    dont_know: bool
    respondent_kind: str
    respondents: tuple[Respondent, ...]
    groups: tuple[Group, ...]
    questions: tuple[Question, ...]
    file: str
    focus_year: str = ""

    def respondent(self, respondent_id: str) -> Respondent:
        """The respondent with ``respondent_id``."""
        return next(r for r in self.respondents if r.id == respondent_id)

    def group(self, group_id: str) -> Group:
        """The group with ``group_id``."""
        return next(g for g in self.groups if g.id == group_id)

    def question(self, question_id: str) -> Question:
        """The question with ``question_id``."""
        return next(q for q in self.questions if q.id == question_id)

    def questions_for(self, respondent_id: str) -> tuple[Question, ...]:
        """The questions that ``respondent_id`` answers, in file order."""
        return tuple(q for q in self.questions if respondent_id in q.respondents)

    def table(self) -> pd.DataFrame:
        """One row per (respondent, question) pair that is asked: ``respondent``,
        ``question_id``, ``group`` (in file order; built once, do not modify)."""
        return self._table

    @cached_property
    def _table(self) -> pd.DataFrame:
        pairs = [(r, q.id, q.group) for q in self.questions for r in q.respondents]
        return pd.DataFrame(pairs, columns=["respondent", "question_id", "group"])


def _where(file: str, lang: str | None) -> dict[str, Any]:
    return {"file": file, "lang": lang}


def _texts(
    value: Any, *, file: str, question: str, field_name: str, lang: str | None
) -> dict[str, str]:
    """A ``{sv: ..., en: ...}`` mapping with a non-empty text in every language."""
    if value is None:
        raise DataError(
            "selfassess.missing_field", question=question, field=field_name, **_where(file, lang)
        )
    if not isinstance(value, dict):
        raise DataError(
            "selfassess.not_texts", question=question, field=field_name, **_where(file, lang)
        )
    for language in LANGUAGES:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise DataError(
                "selfassess.missing_language",
                question=question,
                field=field_name,
                language=language,
                **_where(file, lang),
            )
    return {language: str(value[language]) for language in LANGUAGES}


def _required(
    record: Mapping[str, Any], name: str, *, file: str, question: str, lang: str | None
) -> Any:
    value = record.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DataError(
            "selfassess.missing_field", question=question, field=name, **_where(file, lang)
        )
    return value


def _items(
    record: Mapping[str, Any], name: str, *, file: str, question: str, lang: str | None
) -> list[dict[str, Any]]:
    """A non-empty list of mappings, each with an ``id`` and no id twice."""
    items = _required(record, name, file=file, question=question, lang=lang)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DataError("selfassess.not_list", question=question, field=name, **_where(file, lang))
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        label = f"{name}[{number}]"
        ident = str(_required(item, "id", file=file, question=label, lang=lang))
        if ident in seen:
            raise DataError(
                "selfassess.duplicate_id", question=ident, field=name, **_where(file, lang)
            )
        seen.add(ident)
    return items


def _scale(
    record: Mapping[str, Any], file: str, lang: str | None
) -> tuple[int, int, dict[int, dict[str, str]], bool]:
    scale = _required(record, "scale", file=file, question="scale", lang=lang)
    if not isinstance(scale, dict):
        raise DataError(
            "selfassess.not_texts", question="scale", field="scale", **_where(file, lang)
        )
    low = _required(scale, "min", file=file, question="scale", lang=lang)
    high = _required(scale, "max", file=file, question="scale", lang=lang)
    lo_limit, hi_limit = SCALE_LIMITS
    if (
        isinstance(low, bool)
        or isinstance(high, bool)
        or not isinstance(low, int)
        or not isinstance(high, int)
        or not lo_limit <= low < high <= hi_limit
    ):
        raise DataError(
            "selfassess.scale_range",
            question="scale",
            field="min/max",
            low=low,
            high=high,
            lowest=lo_limit,
            highest=hi_limit,
            **_where(file, lang),
        )
    raw = _required(scale, "labels", file=file, question="scale", lang=lang)
    if not isinstance(raw, dict):
        raise DataError(
            "selfassess.not_texts", question="scale", field="labels", **_where(file, lang)
        )
    labels: dict[int, dict[str, str]] = {}
    for key, texts in raw.items():
        try:
            step = int(key)
        except (TypeError, ValueError):
            step = -1
        if not low <= step <= high:
            raise DataError(
                "selfassess.scale_label_range",
                question="scale",
                field=f"labels.{key}",
                step=key,
                low=low,
                high=high,
                **_where(file, lang),
            )
        labels[step] = _texts(
            texts, file=file, question="scale", field_name=f"labels.{key}", lang=lang
        )
    missing = [step for step in range(low, high + 1) if step not in labels]
    if missing:
        raise DataError(
            "selfassess.missing_field",
            question="scale",
            field=f"labels.{missing[0]}",
            **_where(file, lang),
        )
    return low, high, labels, bool(scale.get("dont_know", True))


def questionnaire_from_dict(
    data: Any, *, file: str = "<dict>", lang: str | None = None
) -> Questionnaire:
    """Check a parsed questionnaire file and return it as a :class:`Questionnaire`.

    Every problem raises :class:`~toolkit.errors.DataError` naming the file,
    the question (or part of the file) and the field, and saying how to fix
    it: a missing field, an id used twice, a scale outside 0–10 or a step
    label outside the scale, a question in an unknown group or for an
    unknown respondent, a text without Swedish or English.
    """
    if not isinstance(data, dict):
        raise DataError("selfassess.not_mapping", **_where(file, lang))
    top = "–"
    qid = str(_required(data, "questionnaire", file=file, question=top, lang=lang))
    version = str(_required(data, "version", file=file, question=top, lang=lang))
    title = _texts(data.get("title"), file=file, question=top, field_name="title", lang=lang)
    source = _texts(data.get("source"), file=file, question=top, field_name="source", lang=lang)
    low, high, labels, dont_know = _scale(data, file, lang)
    kind, respondents = _respondents(data, file, lang)
    groups = _groups(data, file, lang)
    questions = _questions(data, groups, respondents, file, lang)
    return Questionnaire(
        id=qid,
        version=version,
        title=title,
        source=source,
        scale_min=low,
        scale_max=high,
        scale_labels=labels,
        dont_know=dont_know,
        respondent_kind=kind,
        respondents=respondents,
        groups=groups,
        questions=questions,
        file=file,
        focus_year=str(data.get("focus_year", "")),
    )


def _respondents(
    data: Mapping[str, Any], file: str, lang: str | None
) -> tuple[str, tuple[Respondent, ...]]:
    """The ``respondents`` block: its kind and the respondents to choose from."""
    block = _required(data, "respondents", file=file, question="–", lang=lang)
    if not isinstance(block, dict):
        raise DataError(
            "selfassess.not_texts", question="–", field="respondents", **_where(file, lang)
        )
    kind = str(_required(block, "kind", file=file, question="respondents", lang=lang))
    respondents = tuple(
        Respondent(
            id=str(item["id"]),
            name=_texts(
                item.get("name"), file=file, question=str(item["id"]), field_name="name", lang=lang
            ),
            description=(
                _texts(
                    item["description"],
                    file=file,
                    question=str(item["id"]),
                    field_name="description",
                    lang=lang,
                )
                if item.get("description") is not None
                else {}
            ),
        )
        for item in _items(block, "options", file=file, question="respondents", lang=lang)
    )
    return kind, respondents


def _groups(data: Mapping[str, Any], file: str, lang: str | None) -> tuple[Group, ...]:
    """The ``groups`` the questions are in."""
    return tuple(
        Group(
            id=str(item["id"]),
            name=_texts(
                item.get("name"), file=file, question=str(item["id"]), field_name="name", lang=lang
            ),
            kind=str(item.get("kind", "")),
            example=bool(item.get("example", False)),
        )
        for item in _items(data, "groups", file=file, question="–", lang=lang)
    )


def _questions(
    data: Mapping[str, Any],
    groups: tuple[Group, ...],
    respondents: tuple[Respondent, ...],
    file: str,
    lang: str | None,
) -> tuple[Question, ...]:
    """The ``questions``, each in a known group and for known respondents; no group empty."""
    group_ids = [g.id for g in groups]
    respondent_ids = [r.id for r in respondents]
    questions: list[Question] = []
    for item in _items(data, "questions", file=file, question="–", lang=lang):
        ident = str(item["id"])
        group = str(_required(item, "group", file=file, question=ident, lang=lang))
        if group not in group_ids:
            raise DataError(
                "selfassess.unknown_group",
                question=ident,
                field="group",
                value=group,
                known=", ".join(group_ids),
                **_where(file, lang),
            )
        text = _texts(item.get("text"), file=file, question=ident, field_name="text", lang=lang)
        asked = item.get("respondents", respondent_ids)
        if not isinstance(asked, list) or not asked:
            asked = [asked]
        unknown = [str(r) for r in asked if str(r) not in respondent_ids]
        if unknown:
            raise DataError(
                "selfassess.unknown_respondent",
                question=ident,
                field="respondents",
                value=unknown[0],
                known=", ".join(respondent_ids),
                **_where(file, lang),
            )
        questions.append(Question(ident, group, text, tuple(str(r) for r in asked)))
    empty = [g for g in group_ids if not any(q.group == g for q in questions)]
    if empty:
        raise DataError(
            "selfassess.empty_group", question=empty[0], field="groups", **_where(file, lang)
        )
    return tuple(questions)


def load_questionnaire(source: str | Path, lang: str | None = None) -> Questionnaire:
    """Read and check a questionnaire file.

    Parameters
    ----------
    source
        ``"pks"`` or ``"kvips"`` for the toolkit's own files, or the path of a
        region's own file in the same format.
    lang
        Language of the error messages.

    Raises
    ------
    DataError
        The file cannot be read or breaks a rule (see
        :func:`questionnaire_from_dict`); the message names the file, the
        question and the field and says how to fix it.

    Examples
    --------
    >>> q = load_questionnaire("kvips")
    >>> q.respondent_kind, q.scale_min, q.scale_max, q.respondents[-1].id
    ('role', 1, 4, 'patient_rep')
    """
    if str(source) in BUILTIN:
        ref = resources.files("toolkit") / "data" / "selfassess" / BUILTIN[str(source)]
        name, text = BUILTIN[str(source)], ref.read_text(encoding="utf-8")
    else:
        path = Path(source)
        name = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError("selfassess.unreadable", reason=str(exc), **_where(name, lang)) from exc
    try:
        data = _yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise DataError("selfassess.yaml_invalid", line=line, **_where(name, lang)) from exc
    return questionnaire_from_dict(data, file=name, lang=lang)


# --------------------------------------------------------------------------- answers


def empty_answers() -> pd.DataFrame:
    """An answers table with no rows."""
    return pd.DataFrame(
        {
            "respondent": pd.Series([], dtype=object),
            "question_id": pd.Series([], dtype=object),
            "score": pd.Series([], dtype="float64"),
            "dont_know": pd.Series([], dtype=bool),
        }
    )


def _order(answers: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Answers sorted by respondent and question in the questionnaire's order."""
    r_rank = {r.id: i for i, r in enumerate(q.respondents)}
    q_rank = {x.id: i for i, x in enumerate(q.questions)}
    order = np.lexsort(
        (
            answers["question_id"].map(q_rank).to_numpy(dtype=float),
            answers["respondent"].map(r_rank).to_numpy(dtype=float),
        )
    )
    return pd.DataFrame(
        {
            "respondent": answers["respondent"].to_numpy(dtype=object)[order],
            "question_id": answers["question_id"].to_numpy(dtype=object)[order],
            "score": answers["score"].to_numpy(dtype="float64")[order],
            "dont_know": answers["dont_know"].to_numpy(dtype=bool)[order],
        }
    )


def set_answer(
    answers: pd.DataFrame,
    q: Questionnaire,
    respondent: str,
    question_id: str,
    value: int | str | None,
) -> pd.DataFrame:
    """A new answers table with one answer set, replaced or (``value=None``) removed.

    ``value`` is a score on the scale, ``"dont_know"`` or ``None`` (empty).

    >>> q = load_questionnaire("pks")
    >>> a = set_answer(empty_answers(), q, "tactical", "plan_volume", 3)
    >>> a = set_answer(a, q, "tactical", "plan_volume", "dont_know")
    >>> a.to_dict("records")
    [{'respondent': 'tactical', 'question_id': 'plan_volume', 'score': nan, 'dont_know': True}]

    A question not put to ``respondent`` or a score off the scale raises
    :class:`~toolkit.errors.ParameterError`:

    >>> set_answer(a, q, "tactical", "plan_volume", 9)
    Traceback (most recent call last):
    ...
    toolkit.errors.ParameterError: value = 9 ligger utanför skalan 1–5.
    """
    if not any(x.id == question_id and respondent in x.respondents for x in q.questions):
        raise ParameterError(
            "selfassess.set_not_asked",
            argument="question_id",
            question=question_id,
            respondent=respondent,
        )
    scored = value is not None and value != "dont_know"
    on_scale = (
        isinstance(value, (int, np.integer))
        and not isinstance(value, bool)
        and q.scale_min <= int(value) <= q.scale_max
    )
    if scored and not on_scale:
        raise ParameterError(
            "selfassess.set_out_of_scale",
            argument="value",
            value=value,
            low=q.scale_min,
            high=q.scale_max,
        )
    keep = answers[
        ~((answers["respondent"] == respondent) & (answers["question_id"] == question_id))
    ]
    if value is None:
        return _order(keep, q)
    if value == "dont_know":
        row = {
            "respondent": respondent,
            "question_id": question_id,
            "score": np.nan,
            "dont_know": True,
        }
    else:
        row = {
            "respondent": respondent,
            "question_id": question_id,
            "score": float(value),
            "dont_know": False,
        }
    added = pd.DataFrame([row])
    return _order(pd.concat([keep, added], ignore_index=True) if len(keep) else added, q)


def answer_value(answers: pd.DataFrame, respondent: str, question_id: str) -> int | str | None:
    """The answer of ``respondent`` to ``question_id``: a score, ``"dont_know"`` or ``None``."""
    row = answers[(answers["respondent"] == respondent) & (answers["question_id"] == question_id)]
    if row.empty:
        return None
    if bool(row["dont_know"].iloc[0]):
        return "dont_know"
    return int(row["score"].iloc[0])


def answers_to_records(answers: pd.DataFrame) -> list[dict[str, Any]]:
    """Answers as JSON-ready records (``score`` None for "don't know")."""
    return [
        {
            "respondent": str(r),
            "question_id": str(qid),
            "score": None if bool(dk) else float(s),
            "dont_know": bool(dk),
        }
        for r, qid, s, dk in answers[list(ANSWER_COLUMNS)].itertuples(index=False)
    ]


def answers_from_records(
    records: list[dict[str, Any]], q: Questionnaire, *, file: str = "", lang: str | None = None
) -> pd.DataFrame:
    """Answers from :func:`answers_to_records`, checked against the questionnaire."""
    if not records:
        return empty_answers()
    frame = pd.DataFrame(records)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype("float64")
    frame["dont_know"] = frame["dont_know"].astype(bool)
    _check_answers(frame, q, file=file, lang=lang, rows=None)
    return _order(frame, q)


def _check_answers(
    answers: pd.DataFrame,
    q: Questionnaire,
    *,
    file: str,
    lang: str | None,
    rows: np.ndarray | None,
    columns: Mapping[str, str] | None = None,
) -> None:
    """Every answer to a question asked of its respondent, on the scale, at most once."""
    cols = columns or {}
    row_of = (lambda i: int(rows[i])) if rows is not None else (lambda i: None)
    pair = answers["respondent"].astype(str) + "\x00" + answers["question_id"].astype(str)
    _check_asked(answers, q, pair, row_of=row_of, cols=cols, file=file, lang=lang)
    _check_scores(answers, q, pair, row_of=row_of, cols=cols, file=file, lang=lang)


def _check_asked(
    answers: pd.DataFrame,
    q: Questionnaire,
    pair: pd.Series,
    *,
    row_of: Callable[[int], int | None],
    cols: Mapping[str, str],
    file: str,
    lang: str | None,
) -> None:
    """Refuse an answer from an unknown respondent, to an unknown question or one not asked."""
    asked = q.table()
    known_respondents = {r.id for r in q.respondents}
    bad = ~answers["respondent"].isin(known_respondents)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            "selfassess.answer_unknown_respondent",
            row=row_of(i),
            column=cols.get("respondent"),
            value=answers["respondent"].iloc[i],
            known=", ".join(r.id for r in q.respondents),
            **_where(file, lang),
        )
    bad = ~answers["question_id"].isin([x.id for x in q.questions])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            "selfassess.answer_unknown_question",
            row=row_of(i),
            column=cols.get("question_id"),
            value=answers["question_id"].iloc[i],
            **_where(file, lang),
        )
    allowed = set(asked["respondent"] + "\x00" + asked["question_id"])
    bad = ~pair.isin(allowed)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            "selfassess.answer_not_asked",
            row=row_of(i),
            column=cols.get("question_id"),
            value=answers["question_id"].iloc[i],
            respondent=answers["respondent"].iloc[i],
            **_where(file, lang),
        )


def _check_scores(
    answers: pd.DataFrame,
    q: Questionnaire,
    pair: pd.Series,
    *,
    row_of: Callable[[int], int | None],
    cols: Mapping[str, str],
    file: str,
    lang: str | None,
) -> None:
    """Refuse a score off the scale, "don't know" where not allowed, an answer given twice."""
    score = answers["score"].to_numpy(dtype=float)
    given = ~answers["dont_know"].to_numpy(dtype=bool)
    bad_score = given & (
        ~np.isfinite(score)
        | (score < q.scale_min)
        | (score > q.scale_max)
        | (score != np.round(score))
    )
    if bad_score.any():
        i = int(np.flatnonzero(bad_score)[0])
        raise DataError(
            "selfassess.answer_out_of_scale",
            row=row_of(i),
            column=cols.get("answer"),
            value=format(score[i], "g"),
            low=q.scale_min,
            high=q.scale_max,
            **_where(file, lang),
        )
    if not q.dont_know and (~given).any():
        i = int(np.flatnonzero(~given)[0])
        raise DataError(
            "selfassess.answer_no_dont_know",
            row=row_of(i),
            column=cols.get("answer"),
            **_where(file, lang),
        )
    twice = pair.duplicated().to_numpy()
    if twice.any():
        i = int(np.flatnonzero(twice)[0])
        raise DataError(
            "selfassess.answer_twice",
            row=row_of(i),
            column=cols.get("question_id"),
            value=answers["question_id"].iloc[i],
            respondent=answers["respondent"].iloc[i],
            **_where(file, lang),
        )


# --------------------------------------------------------------------------- scoring


def _keys(respondents: Any, questions: Any) -> np.ndarray:
    """``respondent + NUL + question_id`` as an object array (one key per answer)."""
    return np.asarray(respondents, dtype=object) + "\x00" + np.asarray(questions, dtype=object)


def group_scores(answers: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Mean score per group (element, parameter) and respondent (level, role).

    Returns one row for every group × respondent pair that the questionnaire
    asks, in questionnaire order, with columns ``group``, ``respondent``,
    ``mean`` (NaN when nothing was scored), ``n_answered`` (scores given),
    ``n_dont_know`` and ``n_questions`` (questions asked of that respondent in
    that group).

    Notes
    -----
    For group :math:`g` and respondent :math:`r`, with :math:`S_{g,r}` the
    scores (scale steps, dimensionless) given to the questions of :math:`g`:

    .. math:: \\bar s_{g,r} = \\frac{1}{n_{g,r}} \\sum_{s \\in S_{g,r}} s,
              \\qquad n_{g,r} = |S_{g,r}|

    "Don't know" and empty answers are not scores: they count in neither
    :math:`n_{g,r}` nor the sum.

    Examples
    --------
    >>> q = load_questionnaire("pks")
    >>> a = pd.DataFrame({"respondent": ["tactical"] * 3,
    ...     "question_id": ["follow_plan", "follow_feedback", "follow_action"],
    ...     "score": [5.0, 2.0, float("nan")], "dont_know": [False, False, True]})
    >>> s = group_scores(a, q)
    >>> row = s[(s.group == "follow_up") & (s.respondent == "tactical")].iloc[0]
    >>> float(row["mean"]), int(row["n_answered"]), int(row["n_dont_know"]), int(row["n_questions"])
    (3.5, 2, 1, 3)
    """
    asked = q.table()
    g_ids = [g.id for g in q.groups]
    r_ids = [r.id for r in q.respondents]
    g_code = asked["group"].map({g: i for i, g in enumerate(g_ids)}).to_numpy(dtype="int64")
    r_code = asked["respondent"].map({r: i for i, r in enumerate(r_ids)}).to_numpy(dtype="int64")
    cell = g_code * len(r_ids) + r_code
    cells = len(g_ids) * len(r_ids)
    position = pd.Index(_keys(asked["respondent"], asked["question_id"])).get_indexer(
        _keys(answers["respondent"], answers["question_id"])
    )
    known = position >= 0  # answers to questions not asked are refused on import
    score = np.full(len(asked), np.nan)
    score[position[known]] = answers["score"].to_numpy(dtype=float)[known]
    dont_know = np.zeros(len(asked), dtype=bool)
    dont_know[position[known]] = answers["dont_know"].to_numpy(dtype=bool)[known]
    scored = np.isfinite(score)
    total = np.bincount(cell, weights=np.where(scored, score, 0.0), minlength=cells)
    n_answered = np.bincount(cell, weights=scored, minlength=cells).astype("int64")
    n_dont_know = np.bincount(cell, weights=dont_know, minlength=cells).astype("int64")
    n_questions = np.bincount(cell, minlength=cells).astype("int64")
    mean = np.divide(total, n_answered, out=np.full(cells, np.nan), where=n_answered > 0)
    keep = n_questions > 0
    return pd.DataFrame(
        {
            "group": np.repeat(np.asarray(g_ids, dtype=object), len(r_ids))[keep],
            "respondent": np.tile(np.asarray(r_ids, dtype=object), len(g_ids))[keep],
            "mean": mean[keep],
            "n_answered": n_answered[keep],
            "n_dont_know": n_dont_know[keep],
            "n_questions": n_questions[keep],
        }
    )


def _grid(scores: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group means as a matrix: (groups in order of appearance, respondents, means[g, r])."""
    g_code, groups = pd.factorize(scores["group"], sort=False)
    r_code, respondents = pd.factorize(scores["respondent"], sort=False)
    matrix = np.full((len(groups), len(respondents)), np.nan)
    matrix[g_code, r_code] = scores["mean"].to_numpy(dtype=float)
    return np.asarray(groups, dtype=object), np.asarray(respondents, dtype=object), matrix


def spread(scores: pd.DataFrame) -> pd.DataFrame:
    """Spread between respondents per group, from :func:`group_scores`.

    Returns one row per group with ``highest`` and ``lowest`` (the respondents
    with the highest and lowest mean; the first in questionnaire order on a
    tie), ``max``, ``min`` and ``spread`` = max − min (scale steps), and
    ``n_respondents`` (respondents with at least one score). A group with no
    scores has NaN and empty names; a group scored by one respondent has
    spread 0.

    Examples
    --------
    >>> s = pd.DataFrame({"group": ["a", "a", "a"], "respondent": ["x", "y", "z"],
    ...                   "mean": [2.0, 4.5, float("nan")]})
    >>> row = spread(s).iloc[0]
    >>> row["highest"], row["lowest"], float(row["spread"]), int(row["n_respondents"])
    ('y', 'x', 2.5, 2)
    """
    groups, respondents, matrix = _grid(scores)
    finite = np.isfinite(matrix)
    count = finite.sum(axis=1)
    some = count > 0
    high_at = np.where(finite, matrix, -np.inf).argmax(axis=1)
    low_at = np.where(finite, matrix, np.inf).argmin(axis=1)
    rows = np.arange(len(groups))
    high = np.where(some, matrix[rows, high_at], np.nan)
    low = np.where(some, matrix[rows, low_at], np.nan)
    names = respondents if len(respondents) else np.asarray([""], dtype=object)
    return pd.DataFrame(
        {
            "group": groups,
            "highest": np.where(some, names[np.minimum(high_at, len(names) - 1)], ""),
            "lowest": np.where(some, names[np.minimum(low_at, len(names) - 1)], ""),
            "max": high,
            "min": low,
            "spread": high - low,
            "n_respondents": count.astype("int64"),
        }
    )


def overall_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """One score per group: the mean of the respondents' means, with the spread.

    Returns ``group``, ``mean`` and the other columns of :func:`spread`.

    Notes
    -----
    .. math:: \\bar s_g = \\frac{1}{|R_g|} \\sum_{r \\in R_g} \\bar s_{g,r}

    where :math:`R_g` are the respondents with at least one score in group
    :math:`g`: each level or role weighs the same, however many questions it
    answered.
    """
    out = spread(scores)
    _groups, _respondents, matrix = _grid(scores)
    finite = np.isfinite(matrix)
    count = finite.sum(axis=1)
    total = np.where(finite, matrix, 0.0).sum(axis=1)
    mean = np.divide(total, count, out=np.full(len(count), np.nan), where=count > 0)
    out.insert(1, "mean", mean)
    return out


def compare(current: pd.DataFrame, other: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Per group: this session's score, the other session's and the difference.

    ``current`` and ``other`` are answers tables (an earlier round of the same
    unit, or another unit). Returns ``group``, ``current``, ``other`` and
    ``difference`` = current − other (scale steps), scores from
    :func:`overall_scores`.

    >>> q = load_questionnaire("pks")
    >>> now = set_answer(empty_answers(), q, "strategic", "need_inflow", 4)
    >>> before = set_answer(empty_answers(), q, "operational", "need_inflow", 1)
    >>> compare(now, before, q).iloc[0, 1:].astype(float).tolist()
    [4.0, 1.0, 3.0]
    """
    a = overall_scores(group_scores(current, q))
    b = overall_scores(group_scores(other, q))
    return pd.DataFrame(
        {
            "group": a["group"].to_numpy(),
            "current": a["mean"].to_numpy(dtype=float),
            "other": b["mean"].to_numpy(dtype=float),
            "difference": (a["mean"] - b["mean"]).to_numpy(dtype=float),
        }
    )


def compare_units(sessions: Mapping[str, pd.DataFrame], q: Questionnaire) -> pd.DataFrame:
    """Group scores of several units (or rounds) side by side.

    ``sessions`` maps a label (unit name) to its answers. Returns one row per
    group and one column per label with the score of :func:`overall_scores`,
    and ``spread_between`` = highest − lowest label score in the group.

    >>> q = load_questionnaire("kvips")
    >>> a = set_answer(empty_answers(), q, "nurse", "access_contact", 3)
    >>> b = set_answer(empty_answers(), q, "patient_rep", "access_contact", 1)
    >>> compare_units({"A": a, "B": b}, q).iloc[0, 1:].astype(float).tolist()
    [3.0, 1.0, 2.0]
    """
    table = pd.DataFrame({"group": [g.id for g in q.groups]})
    for label, answers in sessions.items():
        table[label] = overall_scores(group_scores(answers, q))["mean"].to_numpy(dtype=float)
    values = table[list(sessions)].to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        has = np.isfinite(values).any(axis=1)
        table["spread_between"] = np.where(
            has,
            np.nanmax(np.where(np.isfinite(values), values, -np.inf), axis=1)
            - np.nanmin(np.where(np.isfinite(values), values, np.inf), axis=1),
            np.nan,
        )
    return table


# --------------------------------------------------------------------------- merging


@dataclass(frozen=True)
class Merge:
    """The outcome of :func:`merge_answers`.

    ``answers`` is the table to use (unchanged when ``applied`` is false),
    ``conflicts`` lists the answers that the import would change
    (``respondent``, ``question_id``, ``current``, ``incoming``: a score as
    text or ``"dont_know"``), ``added`` counts answers the import adds where
    there were none.
    """

    answers: pd.DataFrame
    conflicts: pd.DataFrame
    applied: bool
    added: int


def _as_text(answers: pd.DataFrame) -> pd.Series:
    score = answers["score"].map(lambda v: "" if pd.isna(v) else format(v, "g"))
    return score.where(~answers["dont_know"].astype(bool), "dont_know")


def merge_answers(
    current: pd.DataFrame, incoming: pd.DataFrame, q: Questionnaire, *, overwrite: bool = False
) -> Merge:
    """Bring imported answers into a session without overwriting unasked.

    An incoming answer where the session has none is added; an incoming answer
    equal to the session's changes nothing; an incoming answer that differs
    from the session's is a conflict. With conflicts and ``overwrite`` false
    nothing is applied: the caller shows the conflicts and asks; with
    ``overwrite`` true the incoming answers win. An empty incoming answer
    never erases a given one (an empty answer is no row).

    >>> q = load_questionnaire("pks")
    >>> mine = set_answer(empty_answers(), q, "strategic", "need_inflow", 2)
    >>> theirs = set_answer(mine, q, "strategic", "need_inflow", 5)
    >>> theirs = set_answer(theirs, q, "tactical", "need_inflow", 3)
    >>> m = merge_answers(mine, theirs, q)
    >>> m.applied, m.added, m.conflicts[["current", "incoming"]].values.tolist()
    (False, 1, [['2', '5']])
    >>> merge_answers(mine, theirs, q, overwrite=True).answers["score"].tolist()
    [5.0, 3.0]
    """
    keys = ["respondent", "question_id"]
    both = current.assign(current=_as_text(current))[[*keys, "current"]].merge(
        incoming.assign(incoming=_as_text(incoming))[[*keys, "incoming"]], on=keys, how="outer"
    )
    conflicts = both[
        both["current"].notna() & both["incoming"].notna() & (both["current"] != both["incoming"])
    ].reset_index(drop=True)
    added = int((both["current"].isna() & both["incoming"].notna()).sum())
    if len(conflicts) and not overwrite:
        return Merge(_order(current, q), conflicts, False, added)
    key_cur = current["respondent"] + "\x00" + current["question_id"]
    key_in = incoming["respondent"] + "\x00" + incoming["question_id"]
    kept = current[~key_cur.isin(key_in)]
    parts = [p for p in (kept, incoming) if len(p)]
    merged = pd.concat(parts, ignore_index=True) if parts else empty_answers()
    return Merge(_order(merged[list(ANSWER_COLUMNS)], q), conflicts, True, added)


# --------------------------------------------------------------------------- answer files


def _header(column: str, lang: str) -> str:
    return t(f"selfassess.col.{column}", lang)


def answers_file_table(
    answers: pd.DataFrame, q: Questionnaire, *, unit: str, round_: str, lang: str | None = None
) -> pd.DataFrame:
    """The answers as an answer file shows them, headers in ``lang``.

    Every question asked of every respondent who gave at least one answer is
    a row, so the file doubles as a form: an empty ``answer`` is an empty
    answer. ``answer`` is the score, or the words for "don't know" in ``lang``.
    The questionnaire id and version are on every row.
    """
    lang = check_language(lang)
    check_names(unit, round_)
    asked = q.table()
    who = set(answers["respondent"])
    asked = asked[asked["respondent"].isin(who)]
    table = asked.merge(answers, on=["respondent", "question_id"], how="left")
    answer = table["score"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    answer = answer.where(
        ~table["dont_know"].fillna(False).astype(bool), t("selfassess.dont_know_value", lang)
    )
    r_rank = {r.id: i for i, r in enumerate(q.respondents)}
    q_rank = {x.id: i for i, x in enumerate(q.questions)}
    order = np.lexsort(
        (table["question_id"].map(q_rank).to_numpy(), table["respondent"].map(r_rank).to_numpy())
    )
    table, answer = table.iloc[order], answer.iloc[order]
    out = pd.DataFrame(
        {
            "questionnaire": q.id,
            "version": q.version,
            "unit": unit,
            "round": round_,
            "respondent": table["respondent"].to_numpy(),
            "group": [q.group(g).name[lang] for g in table["group"]],
            "question_id": table["question_id"].to_numpy(),
            "question": [q.question(x).text[lang] for x in table["question_id"]],
            "answer": answer.to_numpy(),
        },
        index=range(len(table)),
    )
    return out.rename(columns={c: _header(c, lang) for c in FILE_COLUMNS})


def answers_csv_bytes(
    answers: pd.DataFrame, q: Questionnaire, *, unit: str, round_: str, lang: str | None = None
) -> bytes:
    """The answer file as CSV: ``;`` separated, UTF-8 with BOM (opens in Swedish Excel).

    A cell that could start a formula (``= + - @``, tab, carriage return) is
    written with a leading apostrophe, which :func:`read_answers` takes off
    (:func:`toolkit.exports.csv_text`).
    """
    table = answers_file_table(answers, q, unit=unit, round_=round_, lang=lang)
    # a text that could start a formula gets an apostrophe (toolkit.exports), taken off on import
    table = table.map(lambda v: csv_text(v) if isinstance(v, str) else v)
    return table.to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8-sig")


def answers_excel_bytes(
    answers: pd.DataFrame, q: Questionnaire, *, unit: str, round_: str, lang: str | None = None
) -> bytes:
    """The answer file as an Excel workbook (one sheet, written with openpyxl).

    Every text (unit and round names included) is a text cell, never a
    formula (:func:`toolkit.exports.excel_text`); a score is a number.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    lang = check_language(lang)
    table = answers_file_table(answers, q, unit=unit, round_=round_, lang=lang)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("selfassess.sheet_name", lang)
    sheet.append(list(table.columns))
    for r, row in enumerate(table.itertuples(index=False), start=2):
        for c, value in enumerate(row, start=1):
            text = "" if value is None else str(value)
            if c == len(row) and text.isdigit():
                sheet.cell(row=r, column=c, value=int(text))
            elif text:
                excel_text(sheet.cell(row=r, column=c), text)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {"A": 14, "B": 9, "C": 18, "D": 10, "E": 14, "F": 28, "G": 20, "H": 70, "I": 10}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    for cell in sheet["H"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ImportedAnswers:
    """An answer file read back: the session it names and its answers."""

    unit: str
    round: str
    answers: pd.DataFrame
    file: str


def _header_map() -> dict[str, str]:
    """Header text (either language, lower case) -> canonical column."""
    out: dict[str, str] = {}
    for column in FILE_COLUMNS:
        out[column] = column
        for lang in LANGUAGES:
            out[_header(column, lang).strip().lower()] = column
    return out


def _read_rows(content: bytes, file: str, lang: str | None) -> list[list[str]]:
    """The cells of an answer file as text rows (the header first)."""
    suffix = Path(file).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a broken workbook
            raise DataError(
                "selfassess.unreadable", reason=type(exc).__name__, **_where(file, lang)
            ) from exc
        sheet = book.worksheets[0]
        rows = [
            ["" if v is None else (format(v, "g") if isinstance(v, float) else str(v)) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
        return rows
    if suffix not in {".csv", ".txt"}:
        raise DataError("selfassess.import_kind", suffix=suffix or "–", **_where(file, lang))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    first = text.split("\n", 1)[0]
    separator = ";" if first.count(";") >= first.count(",") else ","
    return [
        [csv_value(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=separator)
    ]


def check_names(unit: str, round_: str) -> None:
    """Refuse a unit or round name that holds an identity or reserve number.

    The names are shown on the page, in every answer file and in the name of
    the saved session, so a number in them is refused with a message naming
    the field, never the value.

    >>> check_names("BUP Norr", "Vår 2025")
    >>> try:
    ...     check_names("BUP 121212-1212", "Vår 2025")
    ... except DataError as err:
    ...     print(err.message("en")[:41])
    the unit's name holds a personal identity
    """
    privacy.check_text(unit, "privacy.field.unit_name")
    privacy.check_text(round_, "privacy.field.round_name")


def _check_identity_numbers(rows: list[list[str]], file: str, lang: str | None) -> None:
    """Refuse an answer file with an identity or reserve number in any cell (header row 1).

    Checked first, so no later message can quote one; the message names the
    file, row and column letter, never the value.
    """
    from openpyxl.utils import get_column_letter

    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row, start=1):
            if value and privacy.has_identity_number(str(value)):
                privacy.check_text(
                    str(value),
                    "privacy.field.cell",
                    file=file,
                    row=i,
                    column=get_column_letter(j),
                    lang=lang,
                )


def read_answers(
    content: bytes | str | Path,
    q: Questionnaire,
    *,
    file: str | None = None,
    lang: str | None = None,
) -> ImportedAnswers:
    """Read an answer file written by :func:`answers_csv_bytes` or :func:`answers_excel_bytes`.

    Parameters
    ----------
    content
        The file's bytes (then ``file`` gives its name), or its path.
    q
        The questionnaire the answers must belong to.

    Raises
    ------
    DataError
        A file of another questionnaire or another version (naming both), a
        missing column, several units or rounds in one file, an unknown
        question or respondent, a score off the scale, a question answered
        twice, or no answers at all; each names the file, row and column.
    """
    if isinstance(content, (str, Path)):
        path = Path(content)
        file = file or path.name
        content = path.read_bytes()
    name = file or "answers.csv"
    rows = [r for r in _read_rows(content, name, lang) if any(str(c).strip() for c in r)]
    if not rows:
        raise DataError("selfassess.import_empty", **_where(name, lang))
    _check_identity_numbers(rows, name, lang)
    table = _answer_table(rows, name, lang)
    heads = {c: _header(c, check_language(lang)) for c in FILE_COLUMNS}
    _check_one_session(table, q, heads, name, lang)
    answers, file_rows = _answers_of(table, q, heads, name, lang)
    _check_answers(answers, q, file=name, lang=lang, rows=file_rows, columns=heads)
    return ImportedAnswers(
        unit=str(table["unit"].iloc[0]),
        round=str(table["round"].iloc[0]),
        answers=_order(answers, q),
        file=name,
    )


def _answer_table(rows: list[list[str]], name: str, lang: str | None) -> pd.DataFrame:
    """The rows under the header as stripped text, columns named by their code.

    Headers are recognised in either language; a missing required column is refused.
    """
    known = _header_map()
    header = [known.get(str(h).strip().lower(), "") for h in rows[0]]
    for column in _REQUIRED_FILE_COLUMNS:
        if column not in header:
            raise DataError(
                "selfassess.import_missing_column",
                column=_header(column, check_language(lang)),
                other=_header(column, "en" if check_language(lang) == "sv" else "sv"),
                **_where(name, lang),
            )
    width = len(header)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    table = pd.DataFrame(body, columns=[h or f"_{i}" for i, h in enumerate(header)], dtype=object)
    return table.apply(lambda s: s.astype(str).str.strip())


def _check_one_session(
    table: pd.DataFrame, q: Questionnaire, heads: dict[str, str], name: str, lang: str | None
) -> None:
    """Refuse answers to another questionnaire or version, or of several units or rounds."""
    lang_ = check_language(lang)
    file_rows = np.arange(len(table)) + 2  # the header is row 1
    for column, expected, key in (
        ("questionnaire", q.id, "selfassess.import_other_questionnaire"),
        ("version", q.version, "selfassess.import_other_version"),
    ):
        values = table[column]
        wrong = (values != expected).to_numpy()
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise DataError(
                key,
                row=int(file_rows[i]),
                column=heads[column],
                found=values.iloc[i] or "–",
                expected=expected,
                name=q.title[lang_],
                **_where(name, lang),
            )
    for column in ("unit", "round"):
        if (table[column] != table[column].iloc[0]).any():
            i = int(np.flatnonzero((table[column] != table[column].iloc[0]).to_numpy())[0])
            raise DataError(
                "selfassess.import_many_sessions",
                row=int(file_rows[i]),
                column=heads[column],
                first=table[column].iloc[0],
                other=table[column].iloc[i],
                **_where(name, lang),
            )


def _answers_of(
    table: pd.DataFrame, q: Questionnaire, heads: dict[str, str], name: str, lang: str | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The answers given (a number or "don't know"; empty answers left out) and their file rows.

    Refuses an answer that is neither, and a file with no answers.
    """
    lang_ = check_language(lang)
    file_rows = np.arange(len(table)) + 2  # the header is row 1
    answer = table["answer"]
    dont_know_words = {t("selfassess.dont_know_value", x).lower() for x in LANGUAGES}
    dont_know_words |= {"dont_know", "don't know", "vet ej", "?"}
    dk = answer.str.lower().isin(dont_know_words)
    given = (answer != "") & ~dk
    numeric = pd.to_numeric(answer.str.replace(",", ".", regex=False).where(given), errors="coerce")
    not_number = given & numeric.isna()
    if not_number.any():
        i = int(np.flatnonzero(not_number.to_numpy())[0])
        raise DataError(
            "selfassess.answer_not_number",
            row=int(file_rows[i]),
            column=heads["answer"],
            value=answer.iloc[i],
            low=q.scale_min,
            high=q.scale_max,
            dont_know=t("selfassess.dont_know_value", lang_),
            **_where(name, lang),
        )
    keep = (given | dk).to_numpy()
    if not keep.any():
        raise DataError("selfassess.import_no_answers", **_where(name, lang))
    answers = pd.DataFrame(
        {
            "respondent": table["respondent"].to_numpy(dtype=object)[keep],
            "question_id": table["question_id"].to_numpy(dtype=object)[keep],
            "score": numeric.to_numpy(dtype=float)[keep],
            "dont_know": dk.to_numpy(dtype=bool)[keep],
        }
    )
    return answers, file_rows[keep]
