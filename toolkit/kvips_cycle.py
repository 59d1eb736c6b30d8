"""KvIPS dialogue cycle (årshjul): the year's steps, the pairing of units, the visit's agenda.

KvIPS units work in an annual cycle: each role self-evaluates the unit
against shared quality parameters and the year's focus areas
(:mod:`toolkit.selfassess`), units visit each other in pairs for a dialogue,
agree on improvement areas, run PDSA cycles and follow up. This module
turns the cycle's data file (``toolkit/data/kvips_cycle.yaml``, the focus
areas replaceable) into:

* :func:`pairing_rounds`: which unit hosts which, round by round, by the
  circle method of round-robin scheduling, so that over the rounds every
  pair of a region's units meets exactly once (twice with host and visitor
  swapped when ``double=True``);
* :func:`year_plan`: the dated steps of one year, the year's dialogue
  rounds included (the rotation continues from year to year);
* :func:`visit_agenda`: an agenda and minutes template for one dialogue
  visit from the two units' self-evaluations: where the two units differ
  most, where each unit's roles disagree most, and the year's focus areas;
* :func:`region_synthesis`: across all units of a region, which quality
  parameters are weakest and where roles disagree.

The outputs are tables; :func:`agenda_markdown`, :func:`agenda_html`
(every text escaped) and :func:`workbook_bytes` (Excel, text cells never
formulas) present them. Everything but the file loading is pure.

Examples
--------
>>> rounds = pairing_rounds(["A", "B", "C", "D"])
>>> [(r.round, r.host, r.visitor) for r in rounds.itertuples()][:2]
[(1, 'A', 'D'), (1, 'B', 'C')]
>>> {frozenset((h, v)) for h, v in zip(rounds.host, rounds.visitor)} == {
...     frozenset(p) for p in [("A","B"),("A","C"),("A","D"),("B","C"),("B","D"),("C","D")]}
True
"""

from __future__ import annotations

import datetime as dt
import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit import _yaml
from toolkit import selfassess as sa
from toolkit.errors import DataError, ParameterError
from toolkit.exports import excel_text
from toolkit.i18n import LANGUAGES, check_language, t

#: The steps of the cycle, in order (the data file must give each once).
STEP_IDS: tuple[str, ...] = (
    "self_evaluation",
    "dialogue_visit",
    "improvement_areas",
    "pdsa",
    "follow_up",
)
#: Marks the unit that rests in a round when a region has an odd number of units.
BYE = ""


@dataclass(frozen=True)
class Step:
    """One step of the cycle: when it starts (weeks from the cycle's start) and how long it takes."""

    id: str
    start_week: int
    weeks: int
    name: dict[str, str]
    description: dict[str, str]


@dataclass(frozen=True)
class Cycle:
    """A checked cycle file (see :func:`load_cycle`)."""

    id: str
    version: str
    title: dict[str, str]
    steps: tuple[Step, ...]
    rounds_per_year: int
    weeks_between_rounds: int
    focus_year: str
    focus_groups: tuple[str, ...]
    file: str

    def step(self, step_id: str) -> Step:
        """The step with ``step_id``."""
        return next(s for s in self.steps if s.id == step_id)


def _texts(raw: Any, where: str, file: str, lang: str) -> dict[str, str]:
    if not isinstance(raw, dict) or any(not str(raw.get(x) or "").strip() for x in LANGUAGES):
        raise DataError("kvips.cycle_field", file=file, field=where, lang=lang)
    return {x: str(raw[x]) for x in LANGUAGES}


def _whole(raw: Any, where: str, file: str, lang: str, low: int = 0) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < low:
        raise DataError("kvips.cycle_number", file=file, field=where, low=low, lang=lang)
    return int(raw)


def load_cycle(source: str | Path = "kvips", *, lang: str | None = None) -> Cycle:
    """Read and check a cycle file: ``"kvips"`` for the toolkit's own, or a path.

    Raises
    ------
    DataError
        Naming the file and the field: a text missing in a language, a week
        or count that is not a whole number, a step missing or unknown.

    >>> c = load_cycle()
    >>> [s.id for s in c.steps] == list(STEP_IDS), c.focus_groups
    (True, ('focus_transitions', 'focus_digital'))
    """
    lang = check_language(lang)
    if str(source) == "kvips":
        ref = resources.files("toolkit") / "data" / "kvips_cycle.yaml"
        text, file = ref.read_text(encoding="utf-8"), "kvips_cycle.yaml"
    else:
        path = Path(source)
        file = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(
                "kvips.cycle_unreadable", file=file, reason=type(exc).__name__, lang=lang
            ) from exc
    try:
        raw = _yaml.safe_load(text) or {}
    except Exception as exc:  # the YAML parser's errors
        raise DataError(
            "kvips.cycle_unreadable", file=file, reason=type(exc).__name__, lang=lang
        ) from exc
    if not isinstance(raw, dict):
        raise DataError("kvips.cycle_field", file=file, field="cycle", lang=lang)
    steps = []
    for i, s in enumerate(raw.get("steps") or []):
        if not isinstance(s, dict) or s.get("id") not in STEP_IDS:
            raise DataError(
                "kvips.cycle_step",
                file=file,
                field=f"steps[{i}]",
                allowed=", ".join(STEP_IDS),
                lang=lang,
            )
        sid = str(s["id"])
        steps.append(
            Step(
                id=sid,
                start_week=_whole(s.get("start_week"), f"{sid}.start_week", file, lang),
                weeks=_whole(s.get("weeks"), f"{sid}.weeks", file, lang, low=1),
                name=_texts(s.get("name"), f"{sid}.name", file, lang),
                description=_texts(s.get("description"), f"{sid}.description", file, lang),
            )
        )
    if sorted(s.id for s in steps) != sorted(STEP_IDS):
        raise DataError(
            "kvips.cycle_step", file=file, field="steps", allowed=", ".join(STEP_IDS), lang=lang
        )
    dialogue = raw.get("dialogue") or {}
    focus = raw.get("focus_areas") or {}
    groups = focus.get("groups") or []
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise DataError("kvips.cycle_field", file=file, field="focus_areas.groups", lang=lang)
    return Cycle(
        id=str(raw.get("cycle") or ""),
        version=str(raw.get("version") or ""),
        title=_texts(raw.get("title"), "title", file, lang),
        steps=tuple(sorted(steps, key=lambda s: STEP_IDS.index(s.id))),
        rounds_per_year=_whole(
            dialogue.get("rounds_per_year"), "dialogue.rounds_per_year", file, lang, low=1
        ),
        weeks_between_rounds=_whole(
            dialogue.get("weeks_between_rounds"), "dialogue.weeks_between_rounds", file, lang, low=1
        ),
        focus_year=str(focus.get("year") or ""),
        focus_groups=tuple(groups),
        file=file,
    )


# --------------------------------------------------------------------------- pairing


def pairing_rounds(units: Sequence[str], *, double: bool = False) -> pd.DataFrame:
    """Who hosts whom, round by round: a round-robin by the circle method.

    Parameters
    ----------
    units : sequence of str
        The region's units (at least two, names unique).
    double : bool, default False
        Play the rounds twice, the second time with host and visitor
        swapped, so every unit hosts every other once.

    Returns
    -------
    pandas.DataFrame
        One row per visit: round (from 1), host, visitor. With an odd number
        of units one unit rests each round: it is listed with visitor
        :data:`BYE` (an empty text).

    Notes
    -----
    The circle method: with :math:`n` units (a dummy added when :math:`n`
    is odd, so :math:`m = n + 1` or :math:`n`), fix the first unit and
    rotate the other :math:`m - 1` one place per round; in each round
    position :math:`i` meets position :math:`m - 1 - i`. Over :math:`m - 1`
    rounds every pair meets exactly once and no unit has two visits in a
    round. Who hosts follows a balanced orientation of the pairs (with
    :math:`n` odd, unit :math:`a` hosts :math:`b` when
    :math:`(b - a) \\bmod n \\in \\{1, …, (n-1)/2\\}`; with :math:`n` even the
    same among the first :math:`n - 1` and the last unit hosted by half of
    them), so each unit hosts :math:`\\lfloor (n-1)/2 \\rfloor` or
    :math:`\\lceil (n-1)/2 \\rceil` times.

    References
    ----------
    .. [1] Kirkman T.P. (1847), "On a problem in combinations", Cambridge
       and Dublin Mathematical Journal 2: 191–204; the circle method as in
       de Werra D. (1981), "Scheduling in sports", Annals of Discrete
       Mathematics 11: 381–395.
    """
    names = [str(u) for u in units]
    if len(names) < 2 or len(set(names)) != len(names) or BYE in names:
        raise ParameterError(
            "kvips.units",
            argument="units",
            value=len(names),
        )
    n = len(names)
    slots: list[int | None] = [*range(n), *([None] if n % 2 else [])]
    m = len(slots)
    rows = []
    order = list(range(m))
    for r in range(m - 1):
        for i in range(m // 2):
            a, b = slots[order[i]], slots[order[m - 1 - i]]
            if a is None or b is None:
                rest = a if b is None else b
                assert rest is not None  # at most one slot of a pair is the dummy
                rows.append((r + 1, names[rest], BYE))
                continue
            h, v = (a, b) if _hosts(a, b, n) else (b, a)
            rows.append((r + 1, names[h], names[v]))
        order = [order[0], order[-1], *order[1:-1]]
    out = pd.DataFrame(rows, columns=["round", "host", "visitor"])
    if double:
        back = out.copy()
        back["round"] += m - 1
        swap = back["visitor"] != BYE
        back.loc[swap, ["host", "visitor"]] = back.loc[swap, ["visitor", "host"]].to_numpy()
        out = pd.concat([out, back], ignore_index=True)
    return out


def _hosts(a: int, b: int, n: int) -> bool:
    """Does unit ``a`` host unit ``b``? A balanced orientation of the complete graph.

    With an odd number ``k`` of units, ``a`` hosts ``b`` when ``(b - a) mod k``
    is 1 … (k − 1)/2, so every unit hosts (k − 1)/2 times. With an even
    ``n`` the rule holds among the first ``n − 1`` units, and the last unit
    is hosted by the first ``n/2`` of them and hosts the rest.
    """
    k = n if n % 2 else n - 1
    if n % 2 == 0 and n - 1 in (a, b):
        other = b if a == n - 1 else a
        first_half = other < n // 2
        return first_half if a == other else not first_half
    return 1 <= (b - a) % k <= (k - 1) // 2


def year_plan(
    units: Sequence[str],
    start: str | dt.date,
    *,
    year_index: int = 0,
    cycle: Cycle | None = None,
    double: bool = False,
) -> pd.DataFrame:
    """The dated steps of one year of the cycle, with the year's dialogue visits.

    Parameters
    ----------
    units : sequence of str
        The region's units.
    start : date
        The first day of the cycle's year (week 0).
    year_index : int, default 0
        Which year of the rotation (0 the first): year :math:`k` takes the
        rounds :math:`k r + 1, …, (k + 1) r` of :func:`pairing_rounds`
        (:math:`r` rounds per year), wrapping round when they are used up,
        so after :math:`\\lceil R / r \\rceil` years every pair has met.
    cycle : Cycle, optional
        The cycle file (default: :func:`load_cycle`).
    double
        As in :func:`pairing_rounds`.

    Returns
    -------
    pandas.DataFrame
        One row per step, and for the dialogue visits one row per visit.
        Columns: step, round (0 for steps that are not visits), host,
        visitor (empty for steps of every unit, and visitor empty when the
        host rests that round), start, end (dates, inclusive).
    """
    cycle = cycle or load_cycle()
    year_index = checks.whole("year_index", year_index, low=0, allowed="≥ 0")
    first = pd.Timestamp(start).normalize()
    rounds = pairing_rounds(units, double=double)
    total = int(rounds["round"].max())
    rows: list[dict[str, Any]] = []
    for step in cycle.steps:
        if step.id != "dialogue_visit":
            begin = first + pd.Timedelta(weeks=step.start_week)
            rows.append(
                {
                    "step": step.id,
                    "round": 0,
                    "host": "",
                    "visitor": "",
                    "start": begin,
                    "end": begin + pd.Timedelta(weeks=step.weeks, days=-1),
                }
            )
            continue
        for k in range(cycle.rounds_per_year):
            number = (year_index * cycle.rounds_per_year + k) % total + 1
            begin = first + pd.Timedelta(weeks=step.start_week + k * cycle.weeks_between_rounds)
            end = begin + pd.Timedelta(weeks=step.weeks, days=-1)
            for visit in _records(rounds[rounds["round"] == number]):
                rows.append(
                    {
                        "step": step.id,
                        "round": number,
                        "host": visit["host"],
                        "visitor": visit["visitor"],
                        "start": begin,
                        "end": end,
                    }
                )
    out = pd.DataFrame(rows, columns=["step", "round", "host", "visitor", "start", "end"])
    return out.sort_values(["start", "round"], kind="stable", ignore_index=True)


# --------------------------------------------------------------------------- agenda


@dataclass(frozen=True)
class Agenda:
    """The agenda of one dialogue visit (tables with group ids; see :func:`visit_agenda`)."""

    host: str
    visitor: str
    between_units: pd.DataFrame
    between_roles: pd.DataFrame
    focus: pd.DataFrame
    questionnaire: sa.Questionnaire
    cycle: Cycle


def _role_spread(answers: pd.DataFrame, q: sa.Questionnaire) -> pd.DataFrame:
    return sa.spread(sa.group_scores(answers, q))


def visit_agenda(
    host: str,
    host_answers: pd.DataFrame,
    visitor: str,
    visitor_answers: pd.DataFrame,
    *,
    questionnaire: sa.Questionnaire | None = None,
    cycle: Cycle | None = None,
    top: int = 3,
) -> Agenda:
    """The agenda of a dialogue visit, from the host's and the visitor's self-evaluations.

    Parameters
    ----------
    host, visitor : str
        The units' names (shown as given: escape them where inserted into HTML).
    host_answers, visitor_answers : pandas.DataFrame
        Each unit's answers (:func:`toolkit.selfassess.empty_answers` form).
    questionnaire : Questionnaire, optional
        Default: the toolkit's KvIPS file.
    cycle : Cycle, optional
        Default: :func:`load_cycle` (for the year's focus areas).
    top : int, default 3
        How many parameters to list under each heading.

    Returns
    -------
    Agenda
        ``between_units``: the ``top`` groups where the two units' scores
        (:func:`toolkit.selfassess.overall_scores`, the mean of the roles'
        means) differ most, columns group, host, visitor, difference (host −
        visitor), ordered by absolute difference (then questionnaire order).
        ``between_roles``: for each unit the ``top`` groups where its roles
        disagree most (:func:`toolkit.selfassess.spread`), columns unit,
        group, highest, lowest (role ids), max, min, spread; groups scored by
        fewer than two roles are left out. ``focus``: the year's focus areas
        with both units' scores.
    """
    q = questionnaire or sa.load_questionnaire("kvips")
    cycle = cycle or load_cycle()
    top = checks.whole("top", top, low=1, allowed="≥ 1")
    a = sa.overall_scores(sa.group_scores(host_answers, q))
    b = sa.overall_scores(sa.group_scores(visitor_answers, q))
    both = pd.DataFrame(
        {
            "group": a["group"].to_numpy(),
            "host": a["mean"].to_numpy(dtype=float),
            "visitor": b["mean"].to_numpy(dtype=float),
        }
    )
    both["difference"] = both["host"] - both["visitor"]
    ranked = both[np.isfinite(both["difference"])].copy()
    ranked["_abs"] = ranked["difference"].abs()
    between_units = (
        ranked.sort_values("_abs", ascending=False, kind="stable")
        .head(top)
        .drop(columns="_abs")
        .reset_index(drop=True)
    )
    roles = []
    for name, answers in ((host, host_answers), (visitor, visitor_answers)):
        s = _role_spread(answers, q)
        s = s[s["n_respondents"] >= 2].sort_values("spread", ascending=False, kind="stable")
        s = s.head(top).drop(columns="n_respondents")
        s.insert(0, "unit", name)
        roles.append(s)
    between_roles = pd.concat(roles, ignore_index=True)
    known = {g.id for g in q.groups}
    focus = both[both["group"].isin([g for g in cycle.focus_groups if g in known])]
    return Agenda(
        host=host,
        visitor=visitor,
        between_units=between_units,
        between_roles=between_roles,
        focus=focus.reset_index(drop=True),
        questionnaire=q,
        cycle=cycle,
    )


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``table`` as dictionaries (column -> value)."""
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]


def _score(x: float, lang: str) -> str:
    if not np.isfinite(x):
        return "–"
    text = f"{x:.1f}"
    return text.replace(".", ",") if lang == "sv" else text


def _signed(x: float, lang: str) -> str:
    return ("+" if x > 0 else "") + _score(x, lang) if np.isfinite(x) else "–"


def _agenda_parts(agenda: Agenda, lang: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """The agenda as headed tables of text: (heading, column labels, rows)."""
    q = agenda.questionnaire
    group = {g.id: g.name[lang] for g in q.groups}
    role = {r.id: r.name[lang] for r in q.respondents}
    parts: list[tuple[str, list[str], list[list[str]]]] = []
    parts.append(
        (
            t("kvips.agenda.between_units", lang),
            [
                t("kvips.col.group", lang),
                agenda.host,
                agenda.visitor,
                t("kvips.col.difference", lang),
            ],
            [
                [
                    group[r["group"]],
                    _score(r["host"], lang),
                    _score(r["visitor"], lang),
                    _signed(r["difference"], lang),
                ]
                for r in _records(agenda.between_units)
            ],
        )
    )
    parts.append(
        (
            t("kvips.agenda.between_roles", lang),
            [
                t("kvips.col.unit", lang),
                t("kvips.col.group", lang),
                t("kvips.col.highest", lang),
                t("kvips.col.lowest", lang),
                t("kvips.col.spread", lang),
            ],
            [
                [
                    str(r["unit"]),
                    group[r["group"]],
                    f"{role[r['highest']]} ({_score(r['max'], lang)})",
                    f"{role[r['lowest']]} ({_score(r['min'], lang)})",
                    _score(r["spread"], lang),
                ]
                for r in _records(agenda.between_roles)
            ],
        )
    )
    parts.append(
        (
            t("kvips.agenda.focus", lang, year=agenda.cycle.focus_year),
            [t("kvips.col.group", lang), agenda.host, agenda.visitor],
            [
                [group[r["group"]], _score(r["host"], lang), _score(r["visitor"], lang)]
                for r in _records(agenda.focus)
            ],
        )
    )
    return parts


def _minutes_fields(lang: str) -> list[str]:
    return [
        t(f"kvips.minutes.{k}", lang)
        for k in ("present", "areas", "pdsa", "measure", "who_when", "follow_up")
    ]


def agenda_markdown(agenda: Agenda, lang: str | None = None) -> str:
    """The agenda and minutes template as Markdown (for a shared document or the projector).

    Names and texts are written as given, with ``|`` escaped in table cells.
    """
    lang = check_language(lang)

    def cell(x: str) -> str:
        return x.replace("|", "\\|").replace("\n", " ")

    lines = [f"# {t('kvips.agenda.title', lang, host=agenda.host, visitor=agenda.visitor)}", ""]
    for heading, labels, rows in _agenda_parts(agenda, lang):
        lines += [f"## {heading}", ""]
        lines.append("| " + " | ".join(cell(x) for x in labels) + " |")
        lines.append("|" + "---|" * len(labels))
        lines += ["| " + " | ".join(cell(x) for x in r) + " |" for r in rows]
        lines.append("")
    lines += [f"## {t('kvips.minutes.title', lang)}", ""]
    lines += [f"- **{field}:** " for field in _minutes_fields(lang)]
    return "\n".join(lines) + "\n"


def agenda_html(agenda: Agenda, lang: str | None = None) -> str:
    """The agenda and minutes template as an HTML fragment; every text is escaped."""
    lang = check_language(lang)
    e = html.escape
    out = [f"<h2>{e(t('kvips.agenda.title', lang, host=agenda.host, visitor=agenda.visitor))}</h2>"]
    for heading, labels, rows in _agenda_parts(agenda, lang):
        out.append(f"<h3>{e(heading)}</h3><table class='tk-table kvips-agenda'>")
        out.append("<tr>" + "".join(f"<th>{e(x)}</th>" for x in labels) + "</tr>")
        out += ["<tr>" + "".join(f"<td>{e(x)}</td>" for x in r) + "</tr>" for r in rows]
        out.append("</table>")
    out.append(
        f"<h3>{e(t('kvips.minutes.title', lang))}</h3><table class='tk-table kvips-minutes'>"
    )
    out += [f"<tr><th>{e(f)}</th><td></td></tr>" for f in _minutes_fields(lang)]
    out.append("</table>")
    return "\n".join(out)


# --------------------------------------------------------------------------- region synthesis


def region_synthesis(
    sessions: Mapping[str, pd.DataFrame],
    *,
    questionnaire: sa.Questionnaire | None = None,
) -> pd.DataFrame:
    """Across a region's units: which quality parameters are weakest, and where roles disagree.

    Parameters
    ----------
    sessions : mapping of str to pandas.DataFrame
        Each unit's answers by the unit's name.
    questionnaire : Questionnaire, optional
        Default: the toolkit's KvIPS file.

    Returns
    -------
    pandas.DataFrame
        One row per group, weakest first. Columns: group, kind (``shared``
        or ``focus``), mean (the mean of the units' scores), lowest_unit,
        lowest (its score), n_units (units with a score), mean_role_spread
        (the mean over units of the spread between roles),
        widest_unit, widest_spread (the unit where roles disagree most).

    Notes
    -----
    With :math:`\\bar s_{g,u}` unit :math:`u`'s score of group :math:`g`
    (the mean of its roles' means, :func:`toolkit.selfassess.overall_scores`)
    and :math:`d_{g,u}` the spread between its roles
    (:func:`toolkit.selfassess.spread`):

    .. math:: \\bar s_g = \\frac{1}{|U_g|} \\sum_{u \\in U_g} \\bar s_{g,u},
              \\qquad \\bar d_g = \\frac{1}{|V_g|} \\sum_{u \\in V_g} d_{g,u}

    over the units :math:`U_g` with a score and :math:`V_g` with at least
    two roles scoring. Each unit weighs the same.
    """
    q = questionnaire or sa.load_questionnaire("kvips")
    if not sessions:
        raise ParameterError("kvips.units", argument="sessions", value=0)
    names = list(sessions)
    groups = [g.id for g in q.groups]
    score = np.full((len(groups), len(names)), np.nan)
    spread = np.full((len(groups), len(names)), np.nan)
    for j, name in enumerate(names):
        o = sa.overall_scores(sa.group_scores(sessions[name], q))
        score[:, j] = o["mean"].to_numpy(dtype=float)
        sp = o["spread"].to_numpy(dtype=float)
        spread[:, j] = np.where(o["n_respondents"].to_numpy() >= 2, sp, np.nan)
    with np.errstate(all="ignore"):
        n_units = np.isfinite(score).sum(axis=1)
        mean = np.where(n_units > 0, np.nansum(score, axis=1) / np.maximum(n_units, 1), np.nan)
        n_spread = np.isfinite(spread).sum(axis=1)
        mean_spread = np.where(
            n_spread > 0, np.nansum(spread, axis=1) / np.maximum(n_spread, 1), np.nan
        )
    low_at = np.where(np.isfinite(score), score, np.inf).argmin(axis=1)
    wide_at = np.where(np.isfinite(spread), spread, -np.inf).argmax(axis=1)
    rows = np.arange(len(groups))
    out = pd.DataFrame(
        {
            "group": groups,
            "kind": [g.kind for g in q.groups],
            "mean": mean,
            "lowest_unit": np.where(n_units > 0, np.asarray(names, dtype=object)[low_at], ""),
            "lowest": np.where(n_units > 0, score[rows, low_at], np.nan),
            "n_units": n_units.astype(np.int64),
            "mean_role_spread": mean_spread,
            "widest_unit": np.where(n_spread > 0, np.asarray(names, dtype=object)[wide_at], ""),
            "widest_spread": np.where(n_spread > 0, spread[rows, wide_at], np.nan),
        }
    )
    return out.sort_values("mean", kind="stable", na_position="last", ignore_index=True)


def synthesis_html(table: pd.DataFrame, q: sa.Questionnaire, lang: str | None = None) -> str:
    """:func:`region_synthesis` as an HTML table; every text escaped."""
    lang = check_language(lang)
    e = html.escape
    group = {g.id: g.name[lang] for g in q.groups}
    labels = [
        t(f"kvips.synthesis.{c}", lang)
        for c in ("group", "mean", "lowest_unit", "mean_role_spread", "widest_unit")
    ]
    out = [
        "<table class='tk-table kvips-synthesis'><tr>"
        + "".join(f"<th>{e(x)}</th>" for x in labels)
        + "</tr>"
    ]
    for r in _records(table):
        cells = [
            group[r["group"]],
            _score(r["mean"], lang),
            f"{r['lowest_unit']} ({_score(r['lowest'], lang)})" if r["lowest_unit"] else "–",
            _score(r["mean_role_spread"], lang),
            f"{r['widest_unit']} ({_score(r['widest_spread'], lang)})" if r["widest_unit"] else "–",
        ]
        out.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


# --------------------------------------------------------------------------- Excel


def workbook_bytes(
    *,
    plan: pd.DataFrame | None = None,
    agenda: Agenda | None = None,
    synthesis: pd.DataFrame | None = None,
    questionnaire: sa.Questionnaire | None = None,
    lang: str | None = None,
) -> bytes:
    """An Excel workbook (openpyxl) with the year plan, an agenda and minutes, and the synthesis.

    Each part given becomes a sheet; every text (names, groups) is stored as
    a text cell, never a formula (:func:`toolkit.exports.excel_text`).
    """
    from openpyxl import Workbook

    lang = check_language(lang)
    q = questionnaire or (agenda.questionnaire if agenda else sa.load_questionnaire("kvips"))
    sheets: list[_Sheet] = []
    if plan is not None:
        sheets.append(_plan_sheet(plan, lang))
    if agenda is not None:
        sheets.append(_agenda_sheet(agenda, lang))
    if synthesis is not None:
        sheets.append(_synthesis_sheet(synthesis, q, lang))
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for title, header, rows in sheets:
        _write_sheet(wb, title, header, rows)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


#: A sheet to write: its title, the header row, and the rows under it.
_Sheet = tuple[str, list[str], list[list[Any]]]


def _write_sheet(wb: Any, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """Add a sheet: a bold header, texts as text cells (never formulas), columns 28 wide."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(title[:31])
    for j, h in enumerate(header, start=1):
        c = ws.cell(row=1, column=j)
        excel_text(c, h)
        c.font = Font(bold=True)
    for i, r in enumerate(rows, start=2):
        for j, v in enumerate(r, start=1):
            c = ws.cell(row=i, column=j)
            if isinstance(v, str):
                excel_text(c, v)
            else:
                c.value = v
    for j in range(1, len(header) + 1):
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = 28


def _plan_sheet(plan: pd.DataFrame, lang: str) -> _Sheet:
    """The year plan: step, round, host, visitor, start and end per visit."""
    cycle = load_cycle(lang=lang)
    step_name = {s.id: s.name[lang] for s in cycle.steps}
    header = [
        t(f"kvips.plan.{c}", lang) for c in ("step", "round", "host", "visitor", "start", "end")
    ]
    rows: list[list[Any]] = [
        [
            step_name[r["step"]],
            int(r["round"]) or None,
            r["host"],
            r["visitor"],
            pd.Timestamp(r["start"]).date(),
            pd.Timestamp(r["end"]).date(),
        ]
        for r in _records(plan)
    ]
    return t("kvips.sheet.plan", lang), header, rows


def _agenda_sheet(agenda: Agenda, lang: str) -> _Sheet:
    """The visit's agenda, part by part, then the fields of the minutes."""
    rows: list[list[Any]] = []
    for heading, labels, body in _agenda_parts(agenda, lang):
        rows += [[heading], labels, *body, []]
    rows += [[t("kvips.minutes.title", lang)], *[[f, ""] for f in _minutes_fields(lang)]]
    title = t("kvips.agenda.title", lang, host=agenda.host, visitor=agenda.visitor)
    return t("kvips.sheet.agenda", lang), [title], rows


def _synthesis_sheet(synthesis: pd.DataFrame, q: sa.Questionnaire, lang: str) -> _Sheet:
    """The region's synthesis per group: mean, lowest unit, role spread, widest unit."""
    group = {g.id: g.name[lang] for g in q.groups}
    columns = (
        "group",
        "mean",
        "lowest_unit",
        "lowest",
        "mean_role_spread",
        "widest_unit",
        "widest_spread",
    )
    rows: list[list[Any]] = [
        [
            group[r["group"]],
            _num(r["mean"]),
            r["lowest_unit"],
            _num(r["lowest"]),
            _num(r["mean_role_spread"]),
            r["widest_unit"],
            _num(r["widest_spread"]),
        ]
        for r in _records(synthesis)
    ]
    return (
        t("kvips.sheet.synthesis", lang),
        [t(f"kvips.synthesis.{c}", lang) for c in columns],
        rows,
    )


def _num(x: float) -> float | None:
    return round(float(x), 2) if np.isfinite(x) else None


# --------------------------------------------------------------------------- example answers

#: The example region of the workbook: invented units.
EXAMPLE_UNITS: tuple[str, ...] = (
    "BUP Norrby (exempel)",
    "BUP Söderås (exempel)",
    "BUP Västerlund (exempel)",
    "BUP Österköping (exempel)",
    "BUP Mellanvik (exempel)",
)


def example_answers(unit: str, questionnaire: sa.Questionnaire | None = None) -> pd.DataFrame:
    """Invented self-evaluation answers for ``unit``: every role, every question, a score 1–4.

    Seeded by the unit's name (CRC-32), so the same name gives the same
    answers. For showing the workbook before real answer files are loaded;
    never a unit's real scores.
    """
    import zlib

    q = questionnaire or sa.load_questionnaire("kvips")
    rng = np.random.default_rng(zlib.crc32(unit.encode("utf-8")))
    asked = q.table()
    level = rng.uniform(1.8, 3.4, size=len(q.groups))  # each unit's own profile
    by_group = {g.id: level[i] for i, g in enumerate(q.groups)}
    centre = asked["group"].map(by_group).to_numpy(dtype=float)
    scores = np.clip(
        np.rint(centre + rng.normal(0.0, 0.7, size=len(asked))), q.scale_min, q.scale_max
    )
    return pd.DataFrame(
        {
            "respondent": asked["respondent"].to_numpy(),
            "question_id": asked["question_id"].to_numpy(),
            "score": scores,
            "dont_know": np.zeros(len(asked), dtype=bool),
        }
    )
