"""Printed material for a workshop room, in Swedish or English, as offline HTML and PDF.

``bup-toolkit handouts --lang sv --out DIR`` (or :func:`write_handouts`)
writes, from the toolkit's own catalogue and data:

* a one-page cheat sheet per lesson and one for the whole kit: the
  formulas, what each chart answers, the rules
  (``toolkit/data/text/handouts.yaml``);
* the lessons' learning objectives and minutes (``handouts.l<N>.*``);
* printable PKS and KvIPS questionnaires, from the self-assessment files
  the workbooks use (``toolkit/data/selfassess/``, :mod:`toolkit.selfassess`);
* a PDSA form with the fields of the PDSA log (:data:`toolkit.pdsa.COLUMNS`);
* the trainer's answer key: every exercise's question and its right answer,
  computed by the lessons' own functions (:func:`toolkit.lessons.expected_answer`),
  in a file of its own, apart from the learners' notebooks;
* ``index.html`` linking them.

Every page is self-contained HTML (its CSS inline, no script, nothing
fetched); every text put into it is escaped (Markdown in the catalogue is
rendered by mistune with raw HTML escaped). PDF is printed from that HTML by
a Chromium-family browser in headless mode (``chromium``, ``google-chrome``,
``msedge``; or the path given as ``browser`` or in the environment variable
``BUP_TOOLKIT_BROWSER``), offline. Without a browser only HTML is written,
and the result says so and how to get PDF.

Examples
--------
>>> pages = handouts("en")
>>> [p.name for p in pages][:3]
['cheat_sheet_kit', 'cheat_sheet_lesson1', 'cheat_sheet_lesson2']
>>> "Relief capacity" in pages[0].html
True
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import inspect
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.i18n import check_language, t

__all__ = [
    "CHARTS",
    "FORMULAS",
    "LESSONS",
    "RULES",
    "Handout",
    "Written",
    "find_browser",
    "handouts",
    "html_to_pdf",
    "write_handouts",
]

#: Lesson number → (notebook, lesson module) of ``notebooks/lessons``.
LESSONS: dict[int, tuple[str, str]] = {
    1: ("01_flode_och_littles_lag.ipynb", "l1_flow"),
    2: ("02_vantelistor.ipynb", "l2_waitlist"),
    3: ("03_variation_och_styrdiagram.ipynb", "l3_spc"),
    4: ("04_kapacitet_och_tid.ipynb", "l4_capacity"),
    5: ("05_prioritering.ipynb", "l5_priority"),
    6: ("06_forbattringscykeln.ipynb", "l6_improvement"),
}

#: Formulas (``handouts.formula.<id>.*``) per lesson; the kit's sheet has them all.
FORMULAS: dict[int, tuple[str, ...]] = {
    1: ("queue_balance", "little", "load", "in_out_ratio"),
    2: (
        "target_mean_wait",
        "factor",
        "target_queue",
        "capacity_needed",
        "relief_capacity",
        "pressure",
    ),
    3: ("xmr_limits", "run_limit"),
    4: ("clinician_hours", "appointments", "freed_hours"),
    5: ("queue_growth", "little"),
    6: ("xmr_limits",),
}
#: Charts (``handouts.chart.<id>.*``) per lesson.
CHARTS: dict[int, tuple[str, ...]] = {
    1: ("flow",),
    2: ("flow",),
    3: ("xmr", "run", "p", "c", "u"),
    4: ("time_use",),
    5: ("waits_by_class", "flow"),
    6: ("xmr", "run"),
}
#: Rules (``handouts.rule.<id>``) per lesson.
RULES: dict[int, tuple[str, ...]] = {
    1: ("load", "units", "both_stages"),
    2: ("load", "units"),
    3: ("mdc_outside", "mdc_run", "mdc_trend", "mdc_two_of_three", "anhoj", "rebase"),
    4: ("units",),
    5: ("ethical_platform", "both_stages"),
    6: ("aim", "mdc_outside", "mdc_run", "rebase"),
}
#: An exercise whose question text is not ``lessons.l<N>.ex_<name>``.
_QUESTION_TEXT = {"l3.longest_run": "ex_series"}
#: The PDSA form: the log's fields by stage (the rest of :data:`toolkit.pdsa.COLUMNS`
#: is the file's own bookkeeping).
_PDSA_STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("identity", ("cycle_id", "unit", "title", "measure", "start_date")),
    ("plan", ("aim", "change_idea", "prediction", "plan")),
    ("do", ("do",)),
    ("study", ("study", "study_date")),
    ("act", ("act", "decision", "decision_date")),
)


@dataclass(frozen=True)
class Handout:
    """One printable page: its file stem, its title and its self-contained HTML."""

    name: str
    title: str
    html: str
    trainer_only: bool = False


@dataclass
class Written:
    """What :func:`write_handouts` wrote, and what it has to say (in the language asked)."""

    html: list[Path] = field(default_factory=list)
    pdf: list[Path] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- text helpers


def _e(text: Any) -> str:
    return html.escape(str(text))


def _markdown(text: str) -> str:
    """Catalogue Markdown as HTML, raw HTML in it escaped."""
    import mistune

    return str(mistune.create_markdown(escape=True)(text))


_CSS = """
@page { size: A4; margin: 14mm 14mm 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Source Sans 3", "Segoe UI", "Helvetica Neue", Arial, sans-serif;
       font-size: 10.5pt; line-height: 1.35; color: #1b1b1b; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 16pt; margin: 0 0 2mm 0; color: #0b3d62; }
h2 { font-size: 12pt; margin: 4mm 0 1.5mm 0; color: #0b3d62; break-after: avoid; }
h3 { font-size: 11pt; margin: 3mm 0 1mm 0; break-after: avoid; }
.kit { font-size: 9pt; color: #555; margin-bottom: 1mm; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm 0; }
th, td { border: 0.3mm solid #9aa7b1; padding: 1.2mm 1.6mm; text-align: left; vertical-align: top; }
th { background: #e8eef3; }
tr { break-inside: avoid; }
.cheat { font-size: 8.6pt; line-height: 1.25; }
.cheat.kitsheet { font-size: 7.6pt; line-height: 1.18; }
.cheat.kitsheet h1 { font-size: 13pt; }
.cheat.kitsheet h2 { font-size: 9.5pt; margin-top: 1.8mm; }
.cheat h2 { font-size: 10.5pt; margin-top: 2.5mm; }
.cheat td, .cheat th { padding: 0.8mm 1.2mm; }
.cheat ul { margin: 0.5mm 0 1mm 0; padding-left: 5mm; }
.box { display: inline-block; width: 4.2mm; height: 4.2mm; border: 0.3mm solid #333;
       vertical-align: middle; margin-right: 1mm; }
td.tick { text-align: center; width: 11mm; }
.write { height: 22mm; }
.write.short { height: 7mm; }
.prompt { font-size: 9pt; color: #333; }
.fields td { height: 9mm; }
.note { font-size: 9pt; color: #444; }
.trainer { border: 0.6mm solid #c81e1e; color: #c81e1e; padding: 1mm 2mm; display: inline-block;
           font-weight: bold; margin-bottom: 2mm; }
.question p { margin: 0 0 1mm 0; }
.answer { font-weight: bold; white-space: nowrap; }
"""


def _page(title: str, body: str, lang: str, *, cls: str = "") -> str:
    """A self-contained HTML page: inline CSS, no script, nothing fetched."""
    return (
        f"<!DOCTYPE html>\n<html lang='{lang}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f"<body class='{cls}'><div class='kit'>{_e(t('handouts.kit_title', lang))}</div>"
        f"<h1>{_e(title)}</h1>{body}</body></html>\n"
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table; ``rows`` hold HTML already escaped."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _lesson_title(number: int, lang: str) -> str:
    """The lesson's title as the notebook shows it ("Lektion 1: ..."), without Markdown's ``#``."""
    return t(f"lessons.l{number}.title", lang).lstrip("#").strip()


def _minutes(number: int) -> int:
    return int(t(f"handouts.l{number}.minutes", "en"))


# --------------------------------------------------------------------------- cheat sheets


def _formulas(ids: Sequence[str], lang: str) -> str:
    rows = [
        [
            _e(t(f"handouts.formula.{f}.name", lang)),
            _e(t(f"handouts.formula.{f}.expr", lang)),
        ]
        for f in ids
    ]
    header = [t("handouts.label.formula", lang), t("handouts.label.expression", lang)]
    return f"<h2>{_e(t('handouts.label.formulas', lang))}</h2>" + _table(header, rows)


def _charts(ids: Sequence[str], lang: str) -> str:
    rows = [
        [_e(t(f"handouts.chart.{c}.name", lang)), _e(t(f"handouts.chart.{c}.question", lang))]
        for c in ids
    ]
    header = [t("handouts.label.chart", lang), t("handouts.label.question", lang)]
    return f"<h2>{_e(t('handouts.label.charts', lang))}</h2>" + _table(header, rows)


def _rules(ids: Sequence[str], lang: str) -> str:
    items = "".join(f"<li>{_e(t(f'handouts.rule.{r}', lang))}</li>" for r in ids)
    return f"<h2>{_e(t('handouts.label.rules', lang))}</h2><ul>{items}</ul>"


def _unique(groups: Sequence[Sequence[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for group in groups for x in group))


def cheat_sheet_kit(lang: str) -> Handout:
    """The whole kit on one page: every formula, every chart, every rule."""
    title = t("handouts.cheat_kit.title", lang)
    body = (
        _formulas(_unique(list(FORMULAS.values())), lang)
        + _charts(_unique(list(CHARTS.values())), lang)
        + _rules(_unique(list(RULES.values())), lang)
        + f"<p class='note'>{_e(t('handouts.label.synthetic', lang))}</p>"
    )
    return Handout("cheat_sheet_kit", title, _page(title, body, lang, cls="cheat kitsheet"))


def cheat_sheet_lesson(number: int, lang: str) -> Handout:
    """One lesson on one page: objectives, minutes, its formulas, charts and rules."""
    title = t("handouts.cheat_lesson.title", lang, title=_lesson_title(number, lang))
    body = (
        f"<p><b>{_e(t('handouts.label.minutes', lang))}:</b> "
        f"{_e(t('handouts.label.minutes_value', lang, minutes=_minutes(number)))} · "
        f"<code>{_e(LESSONS[number][0])}</code></p>"
        f"<h2>{_e(t('handouts.label.objectives', lang))}</h2>"
        + _markdown(t(f"handouts.l{number}.objectives", lang))
        + _formulas(FORMULAS[number], lang)
        + _charts(CHARTS[number], lang)
        + _rules(RULES[number], lang)
    )
    return Handout(f"cheat_sheet_lesson{number}", title, _page(title, body, lang, cls="cheat"))


def lesson_plan(lang: str) -> Handout:
    """Every lesson's learning objectives and minutes on one page."""
    title = t("handouts.plan.title", lang)
    rows = [
        [
            f"{_e(_lesson_title(n, lang))}<br><code>{_e(LESSONS[n][0])}</code>",
            _markdown(t(f"handouts.l{n}.objectives", lang)),
            _e(_minutes(n)),
        ]
        for n in LESSONS
    ]
    header = [
        t("handouts.label.lesson", lang),
        t("handouts.label.objectives", lang),
        t("handouts.label.minutes", lang),
    ]
    total = sum(_minutes(n) for n in LESSONS)
    body = (
        f"<p>{_e(t('handouts.plan.intro', lang))}</p>"
        + _table(header, rows)
        + f"<p><b>Σ</b> {_e(t('handouts.label.minutes_value', lang, minutes=total))}</p>"
    )
    return Handout("lesson_plan", title, _page(title, body, lang))


# --------------------------------------------------------------------------- questionnaires


def questionnaire(kind: str, lang: str) -> Handout:
    """A printable PKS or KvIPS questionnaire: every question, a box per scale step and "don't know"."""
    from toolkit.selfassess import load_questionnaire

    q = load_questionnaire(kind, lang=lang)
    title = t(f"handouts.{kind}.title", lang)
    steps = list(range(q.scale_min, q.scale_max + 1))
    legend = "".join(
        f"<li><b>{s}</b> {_e(q.scale_labels[s][lang])}</li>" for s in steps if s in q.scale_labels
    )
    if q.dont_know:
        legend += f"<li><b>?</b> {_e(t('handouts.label.dont_know', lang))}</li>"
    respondents = " ".join(
        f"<span style='white-space:nowrap'><span class='box'></span>{_e(r.name[lang])}</span>"
        for r in q.respondents
    )
    fields = _table(
        [
            t("handouts.label.unit", lang),
            t("handouts.label.date", lang),
            t("handouts.label.round", lang),
        ],
        [["", "", ""]],
    ).replace("<table>", "<table class='fields'>")
    everyone = {r.id for r in q.respondents}
    header = [
        "#",
        t("handouts.label.item", lang),
        *[str(s) for s in steps],
        *(["?"] if q.dont_know else []),
    ]
    tables = []
    number = 0
    for group in q.groups:
        rows = []
        for question in (x for x in q.questions if x.group == group.id):
            number += 1
            text = _e(question.text[lang])
            if set(question.respondents) != everyone:
                names = ", ".join(q.respondent(r).name[lang] for r in question.respondents)
                text += (
                    f"<br><span class='note'>{_e(t('handouts.label.answered_by', lang))}: "
                    f"{_e(names)}</span>"
                )
            boxes = ["<span class='box'></span>"] * (len(steps) + int(q.dont_know))
            rows.append([str(number), text, *boxes])
        if not rows:
            continue
        example = (
            f" <span class='note'>({_e(t('handouts.label.example_group', lang))})</span>"
            if group.example or group.kind == "focus"
            else ""
        )
        tables.append(
            f"<h2>{_e(group.name[lang])}{example}</h2>"
            + _table(header, rows).replace(
                "<td><span class='box'>", "<td class='tick'><span class='box'>"
            )
        )
    body = (
        fields
        + f"<p><b>{_e(t('handouts.label.respondent', lang))}:</b> {respondents}</p>"
        + f"<p><b>{_e(t('handouts.label.scale', lang))}:</b></p><ul>{legend}</ul>"
        + "".join(tables)
        + f"<p class='note'>{_e(t('handouts.label.source', lang))}: {_e(q.source[lang])} "
        f"({_e(q.file)}, version {_e(q.version)})</p>"
    )
    return Handout(f"{kind}_questionnaire", title, _page(title, body, lang))


def pdsa_form(lang: str) -> Handout:
    """A PDSA form with the fields of the PDSA log, grouped by Plan, Do, Study, Act."""
    from toolkit import pdsa

    title = t("handouts.pdsa.title", lang)
    parts = [f"<p class='note'>{_e(t('handouts.label.pdsa_about', lang))}</p>"]
    for stage, columns in _PDSA_STAGES:
        label = (
            t("handouts.label.pdsa_identity", lang)
            if stage == "identity"
            else t(f"handouts.label.pdsa_stage.{stage}", lang)
        )
        rows = []
        for column in columns:
            prompt = _e(t(f"pdsa.column.{column}", lang, version=pdsa.FORMAT_VERSION))
            if column == "decision":
                answer = (
                    "<div>"
                    + " ".join(
                        f"<span class='box'></span>{_e(t(f'pdsa.decision.{d}', lang))} "
                        for d in pdsa.DECISIONS
                    )
                    + "</div>"
                )
            else:
                short = column.endswith("date") or column in (
                    "cycle_id",
                    "unit",
                    "title",
                    "measure",
                )
                answer = f"<div class='write{' short' if short else ''}'></div>"
            rows.append(f"<tr><td><div class='prompt'>{prompt}</div>{answer}</td></tr>")
        parts.append(
            f"<h2>{_e(label)}</h2><table class='pdsa'><tbody>{''.join(rows)}</tbody></table>"
        )
    return Handout("pdsa_form", title, _page(title, "".join(parts), lang))


# --------------------------------------------------------------------------- answer key


def _question_text(exercise_id: str, lang: str) -> str:
    """The exercise's question as the lesson shows it (numbers of the text filled in)."""
    prefix, name = exercise_id.split(".", 1)
    module = importlib.import_module(f"toolkit.lessons.{LESSONS[int(prefix[1:])][1]}")
    text_name = _QUESTION_TEXT.get(exercise_id, f"ex_{name}")
    show = getattr(module, "show", None)
    if show is not None and next(iter(inspect.signature(show).parameters)) == "name":
        return str(show(text_name, lang).text)
    fields = getattr(module, f"EX_{name.upper()}", {})
    return t(f"lessons.{prefix}.{text_name}", lang, **fields)


def _answer_text(exercise_id: str, lang: str) -> str:
    from toolkit.lessons import EXERCISES, expected_answer, number

    value = expected_answer(exercise_id)
    if isinstance(value, str):
        return value
    text = number(value, lang, 2)
    if "," in text[-3:] or "." in text[-3:]:
        text = text.rstrip("0").rstrip(",.")
    return text + (" %" if EXERCISES[exercise_id].kind == "percent" else "")


def answer_key(lang: str) -> Handout:
    """The trainer's answer key: each exercise's question and right answer, per lesson."""
    from toolkit.lessons import EXERCISES, _load_lessons

    _load_lessons()
    title = t("handouts.key.title", lang)
    units = t("handouts.key.units_sample", lang)
    parts = [
        f"<div class='trainer'>{_e(t('handouts.index.trainer_only', lang))}</div>",
        f"<p>{_e(t('handouts.key.intro', lang, units=units))}</p>",
        f"<p class='note'>{_e(t('handouts.key.tolerance', lang))}</p>",
    ]
    for n in LESSONS:
        ids = [i for i in EXERCISES if i.startswith(f"l{n}.")]
        rows = [
            [
                str(k),
                f"<div class='question'>{_markdown(_question_text(i, lang))}</div>",
                f"<span class='answer'>{_e(_answer_text(i, lang))}</span>",
            ]
            for k, i in enumerate(ids, start=1)
        ]
        header = [
            t("handouts.label.exercise", lang),
            t("handouts.label.item", lang),
            t("handouts.label.answer", lang),
        ]
        parts.append(f"<h2>{_e(_lesson_title(n, lang))}</h2>" + _table(header, rows))
    return Handout("answer_key", title, _page(title, "".join(parts), lang), trainer_only=True)


# --------------------------------------------------------------------------- all pages


def handouts(lang: str | None = None) -> list[Handout]:
    """Every page of the room's material in ``lang`` (HTML only; nothing is written)."""
    lang = check_language(lang)
    return [
        cheat_sheet_kit(lang),
        *(cheat_sheet_lesson(n, lang) for n in LESSONS),
        lesson_plan(lang),
        questionnaire("pks", lang),
        questionnaire("kvips", lang),
        pdsa_form(lang),
        answer_key(lang),
    ]


def _index(pages: Sequence[Handout], lang: str, pdf: set[str]) -> str:
    items = []
    for page in pages:
        links = f"<a href='{_e(page.name)}.html'>HTML</a>"
        if page.name in pdf:
            links += f" · <a href='{_e(page.name)}.pdf'>PDF</a>"
        flag = (
            f" <span class='note'>({_e(t('handouts.index.trainer_only', lang))})</span>"
            if page.trainer_only
            else ""
        )
        items.append(f"<li>{_e(page.title)}{flag}: {links}</li>")
    title = t("handouts.index.title", lang)
    intro = t("handouts.index.intro", lang, date=dt.date.today().isoformat())
    return _page(title, f"<p>{_e(intro)}</p><ul>{''.join(items)}</ul>", lang)


# --------------------------------------------------------------------------- PDF

#: Browsers that print to PDF headless, looked for on PATH in this order.
BROWSERS: tuple[str, ...] = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "msedge",
    "microsoft-edge",
)


#: Browsers printing at once (each is a separate process).
PDF_WORKERS = 4


def find_browser(given: str | None = None) -> str | None:
    """The browser that prints PDF: ``given``, else ``BUP_TOOLKIT_BROWSER``, else one on PATH."""
    for candidate in (given, os.environ.get("BUP_TOOLKIT_BROWSER")):
        if candidate:
            found = shutil.which(candidate)
            return found if found else (candidate if Path(candidate).is_file() else None)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, browser: str, timeout_s: float = 90.0) -> None:
    """Print ``html_path`` to ``pdf_path`` with a headless Chromium-family browser, offline.

    Raises ``RuntimeError`` with the browser's last words when no PDF came out.
    """
    with tempfile.TemporaryDirectory(prefix="bup-toolkit-pdf-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        last = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or [
            f"exit {done.returncode}"
        ]
        raise RuntimeError(last[0][:200])


def write_handouts(
    out: str | Path,
    lang: str | None = None,
    *,
    pdf: bool = True,
    browser: str | None = None,
) -> Written:
    """Write every page of :func:`handouts` to ``out`` as HTML, and as PDF when a browser is found.

    Parameters
    ----------
    out
        The folder to write to (made if missing); existing files of the same
        names are replaced.
    lang
        ``"sv"`` (default) or ``"en"``: the language of the pages and messages.
    pdf
        Also print each page to PDF (``False``: HTML only).
    browser
        The Chromium-family browser to print with (name on PATH or path);
        default :func:`find_browser`.

    Returns
    -------
    Written
        The HTML and PDF files written and the messages for the user (no
        browser; a page whose PDF failed).
    """
    lang = check_language(lang)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    pages = handouts(lang)
    result = Written()
    for page in pages:
        path = folder / f"{page.name}.html"
        path.write_text(page.html, encoding="utf-8")
        result.html.append(path)
    found = find_browser(browser) if pdf else None
    if pdf and found is None:
        result.messages.append(t("handouts.no_browser", lang))
    if found is not None:
        browser_path = found

        def print_one(path: Path) -> str | None:
            try:
                html_to_pdf(path, path.with_suffix(".pdf"), browser_path)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
                return t("handouts.pdf_failed", lang, file=path.name, reason=str(err))
            return None

        # the browser's start dominates: a few at once
        with ThreadPoolExecutor(max_workers=PDF_WORKERS) as pool:
            failures = list(pool.map(print_one, result.html))
        for path, failure in zip(result.html, failures, strict=True):
            if failure is None:
                result.pdf.append(path.with_suffix(".pdf"))
            else:
                result.messages.append(failure)
    index = folder / "index.html"
    index.write_text(_index(pages, lang, {p.stem for p in result.pdf}), encoding="utf-8")
    result.html.append(index)
    return result
