"""National waiting-time statistics: the monthly aggregates regions report, and funnel plots.

Every region reports each month, per unit (or region) and stage of the
pathway, how many are still waiting and how many have completed the stage,
and of each how many within the target days (SKR, *Väntetider i vården*).
This module reads such a file (:func:`read_national`), turns one unit's
rows into the toolkit's ``period_counts`` form with the within-target
counts and, where present, a third stage (:func:`to_period_counts`), gives
the shares within target per month (:func:`share_table`, as whole per
cent the way the statistics publish them: :func:`whole_percent`), one
unit's flow month by month (:func:`monthly_flow`, rounded for share mode by
:func:`round_monthly`; shown by :mod:`toolkit.report.monthly`) and compares
units or regions with funnel plots (:func:`funnel_table`,
:func:`funnel_curve`; the chart is :func:`toolkit.charts.funnel_chart`).

The expected columns are documented in docs/national.md; the template is
written by :func:`template_csv` (``templates/nationell_statistik_mall.csv``,
``templates/national_waits_template.csv``) and a synthetic example is
``sample_data/nationell_statistik_syntetisk.csv`` (:func:`synthetic_example`).
Everything here but the reader is pure.

Examples
--------
>>> text = (b"m\\xc3\\xa5nad;enhet;steg;v\\xc3\\xa4ntande;v\\xc3\\xa4ntande_inom_m\\xc3\\xa5let;"
...         b"genomf\\xc3\\xb6rda;genomf\\xc3\\xb6rda_inom_m\\xc3\\xa5let\\n"
...         b"2024-01;BUP Norr;f\\xc3\\xb6rsta bed\\xc3\\xb6mning;50;30;40;32\\n")
>>> nat = read_national(text, "v.csv", lang="en")
>>> share_table(nat)[["stage", "share_completed_within", "share_waiting_within"]].values.tolist()
[['first_assessment', 0.8, 0.6]]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import DataError
from toolkit.i18n import check_language, t
from toolkit.schema import normalise_name
from toolkit.sheet_rows import read_rows

#: Stages of the national follow-up, in pathway order (the third only where reported).
STAGES: tuple[str, ...] = ("first_assessment", "deep_start", "treatment")
#: Spellings of each stage (Swedish and English), normalised on reading.
STAGE_NAMES: dict[str, tuple[str, ...]] = {
    "first_assessment": ("första bedömning", "första_bedömning", "nybesök", "first assessment"),
    "deep_start": (
        "fördjupad utredning",
        "fördjupad",
        "utredning",
        "deep_start",
        "in-depth assessment",
        "in_depth_assessment",
    ),
    "treatment": ("behandling", "treatment"),
}
_STAGE_SV = {
    "first_assessment": "första bedömning",
    "deep_start": "fördjupad utredning",
    "treatment": "behandling",
}

#: Columns: canonical name -> (Swedish name, required).
COLUMNS: dict[str, tuple[str, bool]] = {
    "month": ("månad", True),
    "unit": ("enhet", True),
    "stage": ("steg", True),
    "waiting": ("väntande", True),
    "waiting_within_target": ("väntande_inom_målet", True),
    "completed": ("genomförda", True),
    "completed_within_target": ("genomförda_inom_målet", True),
    "share_waiting_within": ("andel_väntande_inom_målet", False),
    "share_completed_within": ("andel_genomförda_inom_målet", False),
    "target_days": ("måldagar", False),
    "arrived": ("inkomna", False),
}
_ALIASES = {
    "region": "unit",
    "enhet_eller_region": "unit",
    "unit_or_region": "unit",
    "period": "month",
    "månad_år": "month",
}
_COUNTS = ("waiting", "waiting_within_target", "completed", "completed_within_target", "arrived")
#: A stated share (per cent) may differ from the counts' share by rounding to a whole per cent.
STATED_SHARE_TOLERANCE_PCT = 0.5
#: Default target (days) when the file gives none: the reinforced 30 + 30 target.
DEFAULT_TARGET_DAYS = 30
#: z of two-sided 95 % and 99.8 % limits (Spiegelhalter 2005): Φ⁻¹(0.975), Φ⁻¹(0.999).
Z_95 = 1.959963984540054
Z_998 = 3.090232306167813
TEMPLATE_NAMES: dict[str, str] = {
    "sv": "nationell_statistik_mall.csv",
    "en": "national_waits_template.csv",
}
EXAMPLE_NAME = "nationell_statistik_syntetisk.csv"

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T]00:00(?::00)?)?$")


def _shown(column: str, lang: str) -> str:
    return COLUMNS[column][0] if lang == "sv" else column


def _header_lookup() -> dict[str, str]:
    out = {normalise_name(k): v for k, v in _ALIASES.items()}
    for name, (sv, _req) in COLUMNS.items():
        out[normalise_name(name)] = name
        out[normalise_name(sv)] = name
    return out


def _stage_lookup() -> dict[str, str]:
    out = {}
    for code, names in STAGE_NAMES.items():
        for n in (code, *names):
            out[normalise_name(n)] = code
    return out


def _month(text: str) -> int | None:
    """The month as a number (12 × year + month − 1), or None when it is not a month."""
    m = _MONTH.match(text.strip())
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or (m.group(3) and int(m.group(3)) != 1):
        return None
    return 12 * year + month - 1


def _month_text(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def _number(text: str) -> float:
    try:
        return float(text.replace("\u00a0", "").replace(" ", "").replace(",", ".").rstrip("%"))
    except ValueError:
        return math.nan


def read_national(
    content: bytes | str | Path,
    file: str | None = None,
    *,
    unit: str | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Read a file of monthly national waiting-time aggregates (CSV or Excel).

    Parameters
    ----------
    content
        The file's bytes, or a path to it.
    file
        The file's name as the user knows it (default: the path's name).
    unit
        When given, the file must hold only this unit's (or region's) rows.
    lang
        Language of messages.

    Returns
    -------
    pandas.DataFrame
        Columns: month (first day), unit, stage (``first_assessment``,
        ``deep_start``, ``treatment``), waiting, waiting_within_target,
        completed, completed_within_target, target_days, arrived (NaN when
        not given), in the file's order.

    Raises
    ------
    DataError
        Naming the row (header = row 1) and column, in ``lang`` (both
        languages through ``err.message``): an unknown or missing column; a
        month that is not a month, or out of order (each unit's and stage's
        months must increase down the file); a stage not known; a count that
        is not a whole number ≥ 0; counts that do not add up (within target
        more than the total, a stated share that is not the counts' share,
        or more waiting at the month's end than the month before plus those
        arrived less those completed); a row of another unit than ``unit``.
    """
    lang = check_language(lang)
    if isinstance(content, (str, Path)):
        path = Path(content)
        file = file or path.name
        content = path.read_bytes()
    file = file or "-"  # bytes without a name
    rows = read_rows(content, file, lang)
    if not rows:
        raise DataError("national.empty", file=file, lang=lang)
    names = _column_names(rows, file, lang)
    stages = _stage_lookup()
    records: list[dict[str, Any]] = []
    last: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
    for i, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        cells = {n: (row[j] if j < len(row) else "") for j, n in enumerate(names) if n}
        fail = _Fail(file, i, lang)
        rec = _row_record(cells, stages, unit, fail, lang)
        _check_totals(rec, cells, fail, lang)
        _check_sequence(rec, last, fail)
        records.append(rec)
    if not records:
        raise DataError("national.empty", file=file, lang=lang)
    return _national_frame(records, file)


class _Fail:
    """Builds the DataError of one row (header = row 1), naming the column in ``lang``."""

    def __init__(self, file: str, row: int, lang: str) -> None:
        self.file, self.row, self.lang = file, row, lang

    def __call__(self, key: str, column: str, **fields: Any) -> DataError:
        return DataError(
            key,
            file=self.file,
            row=self.row,
            column=_shown(column, self.lang),
            lang=self.lang,
            **fields,
        )


def _column_names(rows: list[list[str]], file: str, lang: str) -> list[str]:
    """The canonical name of each column of the header row ("" for an empty unnamed column)."""
    lookup = _header_lookup()
    names: list[str] = []
    for j, header in enumerate(rows[0]):
        if not header and all(j >= len(r) or not r[j] for r in rows[1:]):
            names.append("")
            continue
        name = lookup.get(normalise_name(header))
        if name is None or name in names:
            raise DataError(
                "national.unknown_column" if name is None else "national.column_twice",
                file=file,
                row=1,
                column=header,
                allowed=", ".join(_shown(c, lang) for c in COLUMNS),
                lang=lang,
            )
        names.append(name)
    for name, (_sv, required) in COLUMNS.items():
        if required and name not in names:
            raise DataError(
                "national.missing_column", file=file, column=_shown(name, lang), lang=lang
            )
    return names


def _row_record(
    cells: dict[str, str], stages: dict[str, str], unit: str | None, fail: _Fail, lang: str
) -> dict[str, Any]:
    """One row's month (as a number), unit, stage and counts, each checked on its own."""
    rec: dict[str, Any] = {}
    month = _month(cells["month"])
    if month is None:
        raise fail("national.bad_month", "month")
    rec["month"] = month
    if not cells["unit"]:
        raise fail("national.empty_cell", "unit")
    rec["unit"] = cells["unit"]
    if unit is not None and rec["unit"] != unit:
        raise fail("national.other_unit", "unit", expected=unit)
    stage = stages.get(normalise_name(cells["stage"]))
    if stage is None:
        raise fail(
            "national.bad_stage",
            "stage",
            allowed=", ".join(
                _STAGE_SV[s] if lang == "sv" else s.replace("deep_start", "in-depth assessment")
                for s in STAGES
            ),
        )
    rec["stage"] = stage
    for name in (*_COUNTS, "target_days"):
        text = cells.get(name, "")
        if not text and not COLUMNS[name][1]:
            rec[name] = math.nan
            continue
        x = _number(text)
        if not (math.isfinite(x) and x >= 0 and x == int(x)) or (name == "target_days" and x < 1):
            raise fail("national.bad_count", name)
        rec[name] = x
    if math.isnan(rec["target_days"]):
        rec["target_days"] = float(DEFAULT_TARGET_DAYS)
    return rec


def _check_totals(rec: dict[str, Any], cells: dict[str, str], fail: _Fail, lang: str) -> None:
    """Within target no more than the total, and a stated share the counts' share."""
    for total, within in (
        ("waiting", "waiting_within_target"),
        ("completed", "completed_within_target"),
    ):
        if rec[within] > rec[total]:
            raise fail("national.within_exceeds", within, total=_shown(total, lang))
    for share, (within, total) in (
        ("share_waiting_within", ("waiting_within_target", "waiting")),
        ("share_completed_within", ("completed_within_target", "completed")),
    ):
        text = cells.get(share, "")
        if not text:
            continue
        stated = _number(text)
        if stated <= 1.0 and "," not in text and "." in text and rec[total] > 0:
            stated *= 100.0  # a share written 0.85 rather than 85
        if not math.isfinite(stated) or (
            rec[total] > 0
            and abs(stated - 100.0 * rec[within] / rec[total]) > STATED_SHARE_TOLERANCE_PCT
        ):
            raise fail(
                "national.share_mismatch",
                share,
                within=_shown(within, lang),
                total=_shown(total, lang),
            )


def _check_sequence(
    rec: dict[str, Any], last: dict[tuple[str, str], tuple[int, dict[str, Any]]], fail: _Fail
) -> None:
    """Months increase per unit and stage; the queue balances with the month before.

    ``last`` holds each unit's and stage's previous month and row; updated here.
    """
    key = (rec["unit"], rec["stage"])
    month = rec["month"]
    if key in last:
        before, prev = last[key]
        if month <= before:
            raise fail("national.month_order", "month", previous=_month_text(before))
        if (
            not math.isnan(rec["arrived"])
            and month == before + 1
            and rec["waiting"] > prev["waiting"] + rec["arrived"] - rec["completed"]
        ):
            raise fail("national.balance", "waiting", previous=int(prev["waiting"]))
    last[key] = (month, rec)


def _national_frame(records: list[dict[str, Any]], file: str) -> pd.DataFrame:
    """The checked rows as :func:`read_national`'s table (months as dates, counts as integers)."""
    out = pd.DataFrame.from_records(
        records,
        columns=[
            "month",
            "unit",
            "stage",
            "waiting",
            "waiting_within_target",
            "completed",
            "completed_within_target",
            "target_days",
            "arrived",
        ],
    )
    number = out["month"].to_numpy(dtype=np.int64)
    out["month"] = pd.to_datetime(
        {"year": number // 12, "month": number % 12 + 1, "day": np.ones_like(number)}
    )
    for c in ("waiting", "waiting_within_target", "completed", "completed_within_target"):
        out[c] = out[c].astype(np.int64)
    out["target_days"] = out["target_days"].astype(np.int64)
    out.attrs["file"] = file
    return out


def to_period_counts(
    national: pd.DataFrame, unit: str | None = None, *, lang: str | None = None
) -> pd.DataFrame:
    """One unit's aggregates in the toolkit's ``period_counts`` form, monthly.

    Parameters
    ----------
    national : pandas.DataFrame
        As :func:`read_national` returns.
    unit : str, optional
        The unit (or region) to take; needed when the table holds more than one.
    lang : {"sv", "en"}, optional
        Language of errors and notes.

    Returns
    -------
    pandas.DataFrame
        Columns: period (first day of the month), stage (categorical,
        ``first_assessment``, ``deep_start`` and, where reported,
        ``treatment``), arrived, completed, waiting_end,
        completed_within_target, waiting_within_target. ``attrs["notes"]``
        says when arrivals were derived.

    Notes
    -----
    The national follow-up does not report arrivals. When the file has no
    ``arrived`` column they are derived from the balance of the queue,
    :math:`A_k = \\max(0, Q_k - Q_{k-1} + C_k)` (removals taken as zero),
    and for a stage's first month :math:`A_1 = C_1` (a queue as large at
    the start as at the end). The toolkit's flow and waits use the first
    two stages; the third (treatment) is kept for :func:`share_table`,
    :func:`monthly_flow` (the monthly unit report) and the funnel plots.
    """
    lang = check_language(lang)
    units = list(dict.fromkeys(national["unit"].astype(str)))
    if unit is None:
        if len(units) != 1:
            raise checks.choice_error("unit", "–", units, lang)
        unit = units[0]
    checks.one_of("unit", unit, units, lang)
    part = national[national["unit"].astype(str) == unit].sort_values(["stage", "month"])
    notes: list[str] = []
    arrived = part["arrived"].to_numpy(dtype=float)
    if np.isnan(arrived).any():
        q = part["waiting"].to_numpy(dtype=float)
        c = part["completed"].to_numpy(dtype=float)
        first = (part["stage"] != part["stage"].shift()).to_numpy()
        derived = np.maximum(0.0, q - np.roll(q, 1) + c)
        derived[first] = c[first]
        arrived = np.where(np.isnan(arrived), derived, arrived)
        notes.append(t("national.note.arrived_derived", lang))
    present = [s for s in STAGES if s in set(part["stage"])]
    out = pd.DataFrame(
        {
            "period": pd.to_datetime(part["month"]).to_numpy(),
            "stage": pd.Categorical(part["stage"], categories=present),
            "arrived": arrived.astype(np.int64),
            "completed": part["completed"].to_numpy(dtype=np.int64),
            "waiting_end": part["waiting"].to_numpy(dtype=np.int64),
            "completed_within_target": part["completed_within_target"].to_numpy(dtype=np.int64),
            "waiting_within_target": part["waiting_within_target"].to_numpy(dtype=np.int64),
        }
    ).sort_values(["period", "stage"], kind="stable", ignore_index=True)
    out.attrs["notes"] = notes
    out.attrs["unit"] = unit
    return out


def share_table(national: pd.DataFrame) -> pd.DataFrame:
    """Shares within target per unit, stage and month, as the counts give them.

    Returns
    -------
    pandas.DataFrame
        Columns: unit, stage, month, target_days, completed,
        completed_within_target, share_completed_within, waiting,
        waiting_within_target, share_waiting_within (NaN when the total is 0).

    Notes
    -----
    :math:`p = x / n` with :math:`x` those within target and :math:`n` all
    completed (or waiting) that month.
    """
    out = national[
        [
            "unit",
            "stage",
            "month",
            "target_days",
            "completed",
            "completed_within_target",
            "waiting",
            "waiting_within_target",
        ]
    ].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_completed_within"] = np.where(
            out["completed"] > 0, out["completed_within_target"] / out["completed"], np.nan
        )
        out["share_waiting_within"] = np.where(
            out["waiting"] > 0, out["waiting_within_target"] / out["waiting"], np.nan
        )
    cols = [
        "unit",
        "stage",
        "month",
        "target_days",
        "completed",
        "completed_within_target",
        "share_completed_within",
        "waiting",
        "waiting_within_target",
        "share_waiting_within",
    ]
    return out[cols].reset_index(drop=True)


#: Columns of :func:`monthly_flow`.
MONTHLY_COLUMNS: tuple[str, ...] = (
    "period",
    "stage",
    "arrivals",
    "completions",
    "removals",
    "waiting_start",
    "waiting_end",
    "completed_within_target",
    "share_completed_within",
    "waiting_within_target",
    "share_waiting_within",
)


def monthly_flow(counts: pd.DataFrame) -> pd.DataFrame:
    """A unit's flow per calendar month and stage from monthly ``period_counts``, kept in months.

    Parameters
    ----------
    counts : pandas.DataFrame
        ``period_counts`` with one row per month and stage: period (first
        day of the month), stage, arrived, completed, waiting_end and,
        where given, removed, completed_within_target, waiting_within_target
        (:func:`to_period_counts`, or a unit's own monthly counts).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MONTHLY_COLUMNS`, one row per stage and month (stages
        in pathway order, months in order). Shares are NaN where the total
        is 0 or the within-target count is not given.

    Notes
    -----
    Per stage, month :math:`k` with arrivals :math:`A_k`, completions
    :math:`C_k` and queue :math:`Q_k` at the month's end: the queue at the
    start is :math:`Q_{k-1}` (for the first month :math:`Q_1 - A_1 + C_1 +
    R_1`), removals where not given :math:`R_k = \\max(0, Q_{k-1} + A_k -
    C_k - Q_k)` (0 the first month), and the shares within target
    :math:`x_k / C_k` and :math:`y_k / Q_k` with :math:`x_k, y_k` those
    completed and waiting within target. Months are never turned into
    weeks.

    >>> pc = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2024-02-01"]),
    ...                    "stage": "first_assessment", "arrived": [30, 40],
    ...                    "completed": [30, 25], "waiting_end": [50, 60],
    ...                    "completed_within_target": [24, 20]})
    >>> m = monthly_flow(pc)
    >>> m[["waiting_start", "removals", "share_completed_within"]].values.tolist()
    [[50.0, 0.0, 0.8], [50.0, 5.0, 0.8]]
    """
    order = {s: i for i, s in enumerate(STAGES)}
    part = counts.assign(
        _stage=counts["stage"].astype(str),
        _order=[order.get(str(s), len(order)) for s in counts["stage"]],
        period=pd.to_datetime(counts["period"]),
    ).sort_values(["_order", "_stage", "period"], kind="stable", ignore_index=True)

    def column(name: str) -> np.ndarray:
        if name not in part.columns:
            return np.full(len(part), np.nan)
        return pd.to_numeric(part[name], errors="coerce").to_numpy(dtype=float)

    a, c, q = column("arrived"), column("completed"), column("waiting_end")
    given = column("removed")
    first = (part["_stage"] != part["_stage"].shift()).to_numpy()
    start = np.where(first, q - a + c + np.nan_to_num(given), np.roll(q, 1))
    removed = np.where(np.isnan(given), np.maximum(0.0, start + a - c - q), given)
    removed[first & np.isnan(given)] = 0.0
    x, y = column("completed_within_target"), column("waiting_within_target")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "period": part["period"].to_numpy(),
                "stage": part["_stage"].to_numpy(),
                "arrivals": a,
                "completions": c,
                "removals": removed,
                "waiting_start": start,
                "waiting_end": q,
                "completed_within_target": x,
                "share_completed_within": np.where(c > 0, x / c, np.nan),
                "waiting_within_target": y,
                "share_waiting_within": np.where(q > 0, y / q, np.nan),
            }
        )
    return out


def whole_percent(within: Any, total: Any) -> np.ndarray:
    """Shares as whole per cent, rounded half up as the national statistics publish them.

    .. math:: \\left\\lfloor \\frac{100 x}{n} + \\frac12 \\right\\rfloor = \\left\\lfloor \\frac{200 x + n}{2 n} \\right\\rfloor

    worked out in whole numbers, so a share of exactly one half per cent
    rounds up (62.5 % → 63 %) as the published figures do, not to even; NaN
    where ``total`` is 0 or ``within`` is missing.

    >>> whole_percent([5, 29, 1], [8, 200, 0]).tolist()
    [63.0, 15.0, nan]
    """
    x = np.asarray(within, dtype=float)
    n = np.asarray(total, dtype=float)
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    xi = np.where(ok, x, 0).astype(np.int64)
    ni = np.where(ok, n, 1).astype(np.int64)
    return np.where(ok, (200 * xi + ni) // (2 * ni), np.nan)


def whole_percent_columns(
    frame: pd.DataFrame, columns: Sequence[tuple[str, str, str]]
) -> pd.DataFrame:
    """A copy of ``frame`` with each shown share in whole per cent (:func:`whole_percent`).

    ``columns`` names each share as ``(share, within, total)``: the share is
    replaced by ``within / total`` in whole per cent rounded half up where it
    is shown, and stays NaN where it is not (hidden in share mode, or no
    within-target count given).

    >>> f = pd.DataFrame({"share": [0.625, float("nan")], "x": [5, 1], "n": [8, 2]})
    >>> whole_percent_columns(f, [("share", "x", "n")])["share"].tolist()
    [63.0, nan]
    """
    out = frame.copy()
    for column, within, total in columns:
        pct = whole_percent(out[within], out[total])
        out[column] = np.where(out[column].notna(), pct, np.nan)
    return out


def round_monthly(monthly: pd.DataFrame, base: int = 5) -> pd.DataFrame:
    """Share mode: :func:`monthly_flow` with every count rounded and the shares from the rounded counts.

    Arrivals, completions, removals and the queue are rounded consistently
    (:func:`toolkit.disclosure.round_flow`: the queue identity holds among
    the rounded numbers); those within target are rounded to a multiple of
    ``base`` and never above the rounded total; the shares are worked out
    from the rounded counts only, so they tell nothing the rounded counts do
    not.
    """
    from toolkit import disclosure

    out = disclosure.round_flow(monthly, base)
    for within, total, share in (
        ("completed_within_target", "completions", "share_completed_within"),
        ("waiting_within_target", "waiting_end", "share_waiting_within"),
    ):
        raw = monthly[within].to_numpy(dtype=float)
        rounded = disclosure.round_to_base(np.nan_to_num(raw), base).astype(float)
        n = out[total].to_numpy(dtype=float)
        x = np.where(np.isnan(raw), np.nan, np.minimum(rounded, n))
        out[within] = x
        with np.errstate(invalid="ignore", divide="ignore"):
            out[share] = np.where(n > 0, x / n, np.nan)
    return out


# --------------------------------------------------------------------------- funnel plots


def funnel_limits(share: float, n: Any, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper funnel limits for a proportion at volume ``n``.

    .. math:: p \\pm z \\sqrt{p (1 - p) / n}

    clipped to [0, 1] (Spiegelhalter 2005, normal approximation to the
    binomial).

    >>> lo, hi = funnel_limits(0.8, [100], Z_95)
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (0.721601, 0.878399)
    """
    share = checks.share("share", share)
    volume = checks.numbers("n", n, low=0.0, low_open=True)
    half = z * np.sqrt(share * (1.0 - share) / volume)
    return np.clip(share - half, 0.0, 1.0), np.clip(share + half, 0.0, 1.0)


def funnel_table(
    national: pd.DataFrame,
    *,
    stage: str = "first_assessment",
    measure: str = "completed",
    months: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Each unit's share within target against the funnel of all units, for one stage.

    Parameters
    ----------
    national : pandas.DataFrame
        As :func:`read_national` returns, with the units (or regions) to compare.
    stage : {"first_assessment", "deep_start", "treatment"}
        The stage compared.
    measure : {"completed", "waiting"}
        Share of those completed within target, or of those waiting.
    months : sequence of dates, optional
        The months pooled (default: all in the table).

    Returns
    -------
    pandas.DataFrame
        One row per unit, in order of volume. Columns: unit, n, within,
        share, centre, lower_95, upper_95, lower_998, upper_998, signal
        (``"above_998"``, ``"above_95"``, ``"within"``, ``"below_95"``,
        ``"below_998"``). ``attrs`` holds stage, measure, months and centre.

    Notes
    -----
    For unit :math:`i` with :math:`n_i` patients of whom :math:`x_i`
    within target, :math:`p_i = x_i / n_i`. The centre is the pooled share
    :math:`\\bar p = \\sum x_i / \\sum n_i` and the limits at volume
    :math:`n` are :math:`\\bar p \\pm z \\sqrt{\\bar p (1 - \\bar p) / n}`
    with :math:`z` = 1.96 (95 %) and 3.09 (99.8 %). A unit outside the
    99.8 % limits differs from the rest by more than chance would make
    likely; between 95 % and 99.8 % it is worth a look. Units with
    :math:`n_i = 0` are left out.

    References
    ----------
    .. [1] Spiegelhalter D.J. (2005), "Funnel plots for comparing
       institutional performance", Statistics in Medicine 24(8): 1185–1202.
    """
    checks.one_of("stage", stage, STAGES)
    checks.one_of("measure", measure, ("completed", "waiting"))
    part = national[national["stage"] == stage]
    if months is not None:
        chosen = pd.to_datetime(pd.Series(list(months))).dt.to_period("M").dt.to_timestamp()
        part = part[pd.to_datetime(part["month"]).isin(chosen)]
    grouped = part.groupby("unit", sort=False)[[measure, f"{measure}_within_target"]].sum()
    grouped = grouped[grouped[measure] > 0]
    columns = [
        "unit",
        "n",
        "within",
        "share",
        "centre",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
        "signal",
    ]
    if grouped.empty:
        return pd.DataFrame(columns=columns)
    n = grouped[measure].to_numpy(dtype=float)
    x = grouped[f"{measure}_within_target"].to_numpy(dtype=float)
    centre = float(x.sum() / n.sum())
    lo95, hi95 = funnel_limits(centre, n, Z_95)
    lo998, hi998 = funnel_limits(centre, n, Z_998)
    share = x / n
    signal = np.select(
        [share > hi998, share > hi95, share < lo998, share < lo95],
        ["above_998", "above_95", "below_998", "below_95"],
        "within",
    )
    out = pd.DataFrame(
        {
            "unit": grouped.index.astype(str),
            "n": n.astype(np.int64),
            "within": x.astype(np.int64),
            "share": share,
            "centre": centre,
            "lower_95": lo95,
            "upper_95": hi95,
            "lower_998": lo998,
            "upper_998": hi998,
            "signal": signal,
        }
    ).sort_values("n", kind="stable", ignore_index=True)
    out.attrs.update(
        {
            "stage": stage,
            "measure": measure,
            "centre": centre,
            "months": sorted(pd.to_datetime(part["month"]).unique()),
        }
    )
    return out


def funnel_curve(
    centre: float,
    n_max: float,
    *,
    n_min: float = 1.0,
    points: int = 200,
) -> pd.DataFrame:
    """The funnel's limit lines from volume ``n_min`` to ``n_max``, for drawing.

    Columns: n, centre, lower_95, upper_95, lower_998, upper_998
    (see :func:`funnel_limits`); volumes spaced evenly on a log scale.
    """
    low = max(float(n_min), 1.0)
    n = np.unique(np.geomspace(low, max(float(n_max) * 1.5, low * 2.0), points))
    lo95, hi95 = funnel_limits(centre, n, Z_95)
    lo998, hi998 = funnel_limits(centre, n, Z_998)
    return pd.DataFrame(
        {
            "n": n,
            "centre": centre,
            "lower_95": lo95,
            "upper_95": hi95,
            "lower_998": lo998,
            "upper_998": hi998,
        }
    )


# --------------------------------------------------------------------------- template and example


def _header(lang: str) -> list[str]:
    return [_shown(c, lang) for c in COLUMNS]


def _csv(rows: list[list[str]], lang: str) -> bytes:
    sep = ";" if lang == "sv" else ","
    text = "\r\n".join(sep.join(r) for r in rows) + "\r\n"
    return ("\ufeff" + text).encode("utf-8") if lang == "sv" else text.encode("utf-8")


def template_csv(lang: str = "sv") -> bytes:
    """The national aggregates template: the header and one example row.

    >>> template_csv("en").decode().splitlines()[0].split(",")[:4]
    ['month', 'unit', 'stage', 'waiting']
    """
    lang = check_language(lang)
    stage = "första bedömning" if lang == "sv" else "first_assessment"
    example = ["2024-01", "BUP Exempel", stage, "120", "70", "80", "56", "58", "70", "30", ""]
    return _csv([_header(lang), example], lang)


#: Synthetic regions of the example: name, share within target (first stage), monthly volume.
_EXAMPLE_UNITS: tuple[tuple[str, float, int], ...] = (
    ("Region Exempelland (syntetisk)", 0.82, 420),
    ("Region Påhittsö (syntetisk)", 0.55, 260),
    ("Region Låtsasdal (syntetisk)", 0.70, 150),
    ("Region Sagoholm (syntetisk)", 0.74, 90),
    ("Region Fantasia (syntetisk)", 0.66, 60),
    ("Region Drömmeby (syntetisk)", 0.90, 35),
)


def synthetic_example(seed: int = 20250118, months: int = 24) -> bytes:
    """A synthetic national file (Swedish headers): six invented regions, three stages, 24 months.

    Counts drawn with numpy's seeded generator: completed Poisson around the
    region's volume, within target binomial with the region's share, the
    queue following arrivals less completions. The stated shares are the
    counts' shares rounded to a whole per cent, as the national statistics
    publish them.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    rows = [_header("sv")]
    for name, share, volume in _EXAMPLE_UNITS:
        for s, stage in enumerate(STAGES):
            scale = (1.0, 0.6, 0.45)[s]
            p_done = min(0.97, share + (-0.05, 0.0, 0.05)[s])
            p_wait = max(0.05, p_done - 0.15)
            queue = int(volume * scale * 1.4)
            for k in range(months):
                month = start + pd.DateOffset(months=k)
                arrived = int(rng.poisson(volume * scale * (1.0 + 0.01 * k)))
                completed = min(int(rng.poisson(volume * scale)), queue + arrived)
                queue = queue + arrived - completed
                within_done = int(rng.binomial(completed, p_done))
                within_wait = int(rng.binomial(queue, p_wait))
                rows.append(
                    [
                        month.strftime("%Y-%m"),
                        name,
                        _STAGE_SV[stage],
                        str(queue),
                        str(within_wait),
                        str(completed),
                        str(within_done),
                        _pct_text(within_wait, queue),
                        _pct_text(within_done, completed),
                        str(DEFAULT_TARGET_DAYS),
                        str(arrived),
                    ]
                )
    return _csv(rows, "sv")


def _pct_text(x: int, n: int) -> str:
    return "" if n == 0 else str(int(np.floor(100.0 * x / n + 0.5)))


def write_files(
    templates: str | Path = "templates", sample_data: str | Path | None = None
) -> list[Path]:
    """Write both templates into ``templates`` and, when given, the example into ``sample_data``."""
    out = []
    for lang, name in TEMPLATE_NAMES.items():
        path = Path(templates) / name
        path.write_bytes(template_csv(lang))
        out.append(path)
    if sample_data is not None:
        path = Path(sample_data) / EXAMPLE_NAME
        path.write_bytes(synthetic_example())
        out.append(path)
    return out


if __name__ == "__main__":  # pragma: no cover
    write_files("templates", "sample_data")
