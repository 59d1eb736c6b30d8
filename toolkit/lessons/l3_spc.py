"""Lesson 3: variation and SPC: run charts, XmR charts, the rules, rebasing.

The worked examples and the exercise checkers of
``notebooks/lessons/03_variation_och_styrdiagram.ipynb``. Limits, rules and
runs come from :func:`toolkit.spc.spc` and the charts from
:func:`toolkit.charts.spc_chart`; the series are weekly figures of sample
units (first assessments done at *balans*, the share of visits held in
groups at *nytt_arbetssatt*). Numbers stated in an exercise are module
constants filled into the catalogue text. Checkers return ``None`` when
right, else the key of a hint that never holds the answer.

Examples
--------
>>> from toolkit.lessons import check
>>> check("l3.limit", 20 + 2.66 * 3, lang="en").status
'right'
>>> check("l3.limit", 29, lang="en").status
'wrong'
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from toolkit import flow, spc
from toolkit.i18n import check_language, t
from toolkit.lessons import (
    Figure,
    Table,
    close,
    exercise,
    number,
    sample_unit,
    show,
    unit_period,
)

__all__ = [
    "CHANGE_DATE",
    "EX_LIMIT",
    "EX_SERIES",
    "NEEDS",
    "PERIOD",
    "SHIFT_UNIT",
    "STABLE_UNIT",
    "group_share",
    "runs_reading",
    "runs_table",
    "series_table",
    "shift_chart",
    "shift_spc",
    "stable_chart",
    "stable_series",
    "stable_spc",
    "xmr_example",
]

#: The two years the SPC examples look at (Monday 2023-01-02 to Sunday 2024-12-29).
PERIOD: tuple[str, str] = ("2023-01-02", "2024-12-29")
#: The unit whose weekly first assessments are stable (common-cause variation only).
STABLE_UNIT = "balans"
#: The unit that changed its way of working (more group sessions) ...
SHIFT_UNIT = "nytt_arbetssatt"
#: Tables a learner's own unit needs for this lesson (``unit_path``; see
#: :func:`toolkit.lessons.use_unit`): the weekly first assessments and
#: exercise 4 then come from that unit; the rebasing example stays on
#: :data:`SHIFT_UNIT`, whose change date is known.
NEEDS: tuple[str, ...] = ("referrals",)
#: ... from this week.
CHANGE_DATE = "2024-01-01"
#: Numbers stated in the XmR-limit exercise (``lessons.l3.ex_limit``).
EX_LIMIT: dict[str, float] = {"mean": 20, "mean_moving_range": 3}
#: The short series of the run-chart exercises (``lessons.l3.ex_series``).
EX_SERIES: tuple[int, ...] = (12, 15, 11, 14, 16, 17, 15, 18, 16, 13, 10, 11, 9, 12)


# --------------------------------------------------------------------------- series


@functools.cache
def _stable_series() -> pd.DataFrame:
    start, end = unit_period(PERIOD)  # on a learner's unit: as long, ending on its last date
    table = flow.weekly_flow(sample_unit(STABLE_UNIT), "W", start=start, end=end)
    first = table[table["stage"] == "first_assessment"]
    return pd.DataFrame(
        {"week": first["period"].to_numpy(), "value": first["completions"].to_numpy(dtype=float)}
    )


def stable_series() -> pd.DataFrame:
    """First assessments done per week at :data:`STABLE_UNIT` over :data:`PERIOD`.

    Returns
    -------
    pandas.DataFrame
        Columns ``week`` (Monday, datetime64) and ``value`` (first
        assessments done that week), from :func:`toolkit.flow.weekly_flow`.
    """
    return _stable_series().copy()


@functools.cache
def _group_share() -> pd.DataFrame:
    visits = sample_unit(SHIFT_UNIT, own=False).visits  # a change on a known date
    start, end = pd.Timestamp(PERIOD[0]), pd.Timestamp(PERIOD[1])
    attended = visits[
        (visits["status"] == "attended") & (visits["date"] >= start) & (visits["date"] <= end)
    ]
    week = attended["date"] - pd.to_timedelta(attended["date"].dt.day_of_week, unit="D")
    counts = (
        pd.DataFrame({"week": week.to_numpy(), "group": attended["mode"].eq("group").to_numpy()})
        .groupby("week")["group"]
        .agg(["size", "sum"])
    )
    return pd.DataFrame(
        {
            "week": counts.index.to_numpy(),
            "visits": counts["size"].to_numpy(),
            "group_visits": counts["sum"].to_numpy(),
            "value": 100.0 * counts["sum"].to_numpy() / counts["size"].to_numpy(),
        }
    )


def group_share() -> pd.DataFrame:
    """Share of attended visits held as group sessions per week at :data:`SHIFT_UNIT`, in %.

    Returns
    -------
    pandas.DataFrame
        Columns ``week`` (Monday), ``visits`` (attended visits), ``group_visits``
        (of which group sessions) and ``value`` (100 × group_visits / visits, %).
        Aggregated counts only, no visit rows.
    """
    return _group_share().copy()


def stable_spc(chart: str = "xmr") -> pd.DataFrame:
    """:func:`toolkit.spc.spc` on :func:`stable_series`: ``"xmr"`` (Making Data Count) or ``"run"`` (Anhøj)."""
    rules = "anhoej" if chart == "run" else "mdc"
    return spc.spc(
        _stable_series(),
        value="value",
        date="week",
        chart=chart,
        rules=rules,
        improvement="increase",
    )


def shift_spc(rebase: bool = False) -> pd.DataFrame:
    """XmR table of :func:`group_share`, rebased at :data:`CHANGE_DATE` when ``rebase``."""
    return spc.spc(
        _group_share(),
        value="value",
        date="week",
        improvement="increase",
        rebase=[CHANGE_DATE] if rebase else None,
    )


@functools.cache
def _series_runs() -> pd.DataFrame:
    data = pd.DataFrame({"point": range(1, len(EX_SERIES) + 1), "value": list(EX_SERIES)})
    table = spc.spc(data, value="value", date="point", chart="run", rules="anhoej")
    return table.attrs["runs_analysis"].to_frame()


# --------------------------------------------------------------------------- what the notebook shows


def stable_chart(lang: str | None = None, chart: str = "xmr") -> Figure:
    """The run chart (``"run"``) or XmR chart (``"xmr"``) of :func:`stable_series`."""
    from toolkit.charts import spc_chart

    lang = check_language(lang)
    title = t(f"lessons.l3.chart.stable_{chart}", lang)
    return Figure(spc_chart(stable_spc(chart), lang, title=title, height=260))


def shift_chart(lang: str | None = None, rebase: bool = False) -> Figure:
    """The XmR chart of :func:`group_share`, without or with the rebase at :data:`CHANGE_DATE`."""
    from toolkit.charts import spc_chart

    lang = check_language(lang)
    title = t("lessons.l3.chart.shift_rebased" if rebase else "lessons.l3.chart.shift", lang)
    return Figure(spc_chart(shift_spc(rebase), lang, title=title, height=260))


def xmr_example(lang: str | None = None) -> Any:
    """The worked XmR calculation on :func:`stable_series`, as Markdown in ``lang``."""
    lang = check_language(lang)
    table = stable_spc("xmr")
    centre, upper, lower = (float(table[c].iloc[0]) for c in ("centre", "upper", "lower"))
    mean_mr = (upper - centre) / spc.XMR_LIMIT_FACTOR
    return show(
        "lessons.l3.worked_xmr",
        lang,
        n=len(table),
        mean=number(centre, lang),
        mr=number(mean_mr, lang),
        upper=number(upper, lang),
        lower=number(lower, lang),
        signals=int(table["special_cause"].sum()),
    )


def runs_table(lang: str | None = None) -> Table:
    """The runs analysis of the stable run chart: useful points, longest run, crossings, limits."""
    lang = check_language(lang)
    runs = stable_spc("run").attrs["runs_analysis"].to_frame()
    names = ("n_useful", "longest_run", "longest_run_max", "crossings", "crossings_min")
    return Table(
        pd.DataFrame({t(f"lessons.l3.col.{n}", lang): runs[n] for n in names}),
        lang,
    )


def runs_reading(lang: str | None = None) -> Any:
    """What :func:`runs_table` says, in words: a signal or none (read from the runs analysis)."""
    lang = check_language(lang)
    runs = stable_spc("run").attrs["runs_analysis"].to_frame()
    key = "lessons.l3.runs_read_signal" if bool(runs["signal"].any()) else "lessons.l3.runs_read"
    return show(key, lang)


def series_table(lang: str | None = None) -> Table:
    """The short series of the run-chart exercises, one row: week number and value."""
    lang = check_language(lang)
    return Table(
        pd.DataFrame(
            [list(EX_SERIES)],
            index=[t("lessons.l3.col.value", lang)],
            columns=pd.Index(range(1, len(EX_SERIES) + 1), name=t("lessons.l3.col.week", lang)),
        ),
        lang,
        index=True,
    )


# --------------------------------------------------------------------------- exercises


def _answer_limit() -> float:
    """Upper process limit of an XmR chart: mean + 2.66 × mean moving range."""
    return EX_LIMIT["mean"] + spc.XMR_LIMIT_FACTOR * EX_LIMIT["mean_moving_range"]


@exercise("l3.limit", kind="number", answer=_answer_limit)
def _check_limit(answer: float) -> str | None:
    """Upper process limit of an XmR chart: mean + 2.66 × mean moving range."""
    mean, mr = EX_LIMIT["mean"], EX_LIMIT["mean_moving_range"]
    expected = _answer_limit()
    if close(answer, expected, rel=0.0, absolute=0.05):
        return None
    if close(answer, mean - spc.XMR_LIMIT_FACTOR * mr, rel=0.0, absolute=0.05):
        return "lessons.l3.hint.limit_lower"
    if close(answer, mean + 3 * mr, rel=0.0, absolute=0.05):
        return "lessons.l3.hint.limit_three"
    return "lessons.l3.hint.limit"


def _answer_longest_run() -> float:
    """Longest run of points on one side of the median of :data:`EX_SERIES`."""
    return float(_series_runs()["longest_run"].iloc[0])


@exercise("l3.longest_run", kind="number", answer=_answer_longest_run)
def _check_longest_run(answer: float) -> str | None:
    """Longest run of points on one side of the median of :data:`EX_SERIES`."""
    expected = _answer_longest_run()
    if close(answer, expected, rel=0.0, absolute=0.1):
        return None
    return "lessons.l3.hint.longest_run"


def _answer_run_limit() -> float:
    """Anhøj's limit for the longest run of :data:`EX_SERIES`: round(log2 n) + 3."""
    return float(_series_runs()["longest_run_max"].iloc[0])


@exercise("l3.run_limit", kind="number", answer=_answer_run_limit)
def _check_run_limit(answer: float) -> str | None:
    """Anhøj's limit for the longest run of :data:`EX_SERIES`: round(log2 n) + 3."""
    expected = _answer_run_limit()
    if close(answer, expected, rel=0.0, absolute=0.1):
        return None
    return "lessons.l3.hint.run_limit"


@exercise("l3.variation", kind="choice", choices=("A", "B", "C"))
def _check_variation(answer: str) -> str | None:
    """What the XmR chart of the stable series shows: A common cause only, B improvement, C concern."""
    if answer == _variation_expected():
        return None
    if _variation_expected() == "A":
        return "lessons.l3.hint.variation_common"
    return "lessons.l3.hint.variation"


@functools.cache
def _variation_expected() -> str:
    types = set(stable_spc("xmr")["point_type"].astype(str))
    if "improvement" in types:
        return "B"
    return "C" if "concern" in types else "A"


@exercise("l3.rebase", kind="choice", choices=("A", "B", "C"))
def _check_rebase(answer: str) -> str | None:
    """When to rebase: B, from a deliberate change whose new level has held (a sustained shift)."""
    hints = {"A": "lessons.l3.hint.rebase_each", "C": "lessons.l3.hint.rebase_never"}
    return hints.get(answer)
