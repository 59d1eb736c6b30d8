"""Flow per period and stage from period counts alone (units without event data).

Waits from Little's law; used by :func:`~toolkit.flow.weekly_flow`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit.errors import ParameterError
from toolkit.flow._days import DateLike, _check_window, _date, _to_day
from toolkit.flow.events import _assemble, _empty_flow
from toolkit.flow.periods import _NEVER, FLOW_STAGES, _calendar, _int_days, _period_last_day
from toolkit.i18n import t


def _counts_freq(days: npt.NDArray[np.int64]) -> str:
    """The period length of a counts table: "D", "W" or "MS"."""
    unique = np.unique(days)
    gaps = np.diff(unique)
    if (
        unique.size
        and np.all(_period_floor_many(unique, "MS") == unique)
        and (gaps.size == 0 or gaps.min() >= 28)
    ):
        return "MS"
    if np.all((unique + 3) % 7 == 0) and (gaps.size == 0 or np.all(gaps % 7 == 0)):
        return "W"
    return "D"


def _period_floor_many(days: npt.NDArray[np.int64], freq: str) -> npt.NDArray[np.int64]:
    if freq == "W":
        return days - (days + 3) % 7
    if freq == "MS":
        return (
            days.astype("datetime64[D]")
            .astype("datetime64[M]")
            .astype("datetime64[D]")
            .astype(np.int64)
        )
    return days


_RANK = {"D": 0, "W": 1, "MS": 2}


def _counts_flow(
    counts: pd.DataFrame,
    freq: str,
    prof: Any,
    start: DateLike | None,
    end: DateLike | None,
    extract: pd.Timestamp | None,
    lang: str,
) -> pd.DataFrame:
    """:func:`weekly_flow` from ``period_counts`` (waits by Little's law)."""
    notes = [t("flow.note.littles_law", lang)]
    day = _int_days(counts["period"], "period", lang)
    ok = day < _NEVER
    counts, day = counts.loc[ok], day[ok]
    if day.size == 0:
        notes.append(t("flow.note.no_rows", lang))
        return _empty_flow(None, [], prof, freq, notes)
    native = _counts_freq(day)
    if _RANK[freq] < _RANK[native]:
        raise ParameterError(
            "flow.counts_too_coarse", argument="freq", value=freq, native=native, lang=lang
        )
    first = _to_day(start, "start", lang) if start is not None else int(day.min())
    last = (
        _to_day(end, "end", lang) if end is not None else _period_last_day(int(day.max()), native)
    )
    if end is None and extract is not None:  # a last period running past the extract is cut there
        last = min(last, max(_to_day(extract, "end", lang), int(day.max())))
    _check_window(first, last, lang)
    ncal = _calendar(native, first, last)
    v = _native_counts(counts, day, ncal, last, notes, lang)
    cal = _calendar(freq, ncal.first_day, last)
    if freq != native:
        v = _coarse_counts(v, cal.index(ncal.starts), cal.size)
        if freq == "MS" and native == "W":
            notes.append(t("flow.note.weeks_to_months", lang))
    out = _assemble(cal, _counts_tables(v, prof, cal.size), None, [])
    out.attrs.update(
        {
            "freq": freq,
            "by": None,
            "profile": prof.id,
            "kind": "counts",
            "start": pd.Timestamp(_date(cal.first_day)),
            "end": pd.Timestamp(_date(last)),
            "wait_method": "littles_law",
            "notes": notes,
        }
    )
    return out


def _native_counts(
    counts: pd.DataFrame,
    day: npt.NDArray[np.int64],
    ncal: Any,
    last: int,
    notes: list[str],
    lang: str,
) -> dict[str, npt.NDArray[Any]]:
    """The counts per stage (rows) and native period (columns) of ``ncal`` up to ``last``.

    ``ncal`` is the calendar of the counts' own periods (:func:`_calendar`).

    Keys: arrived, completed, removed (inferred where not given), waiting_start,
    waiting (at the end), within and within_given (completed within target,
    and where given), mean_queue_days (mean queue × days in the period) and
    leaving (completed + removed). Rows of other stages are left out with a
    note; notes go to ``notes``.
    """
    k = ncal.size
    stage_codes = pd.Index(list(FLOW_STAGES)).get_indexer(pd.Index(counts["stage"].astype(object)))
    if bool(((stage_codes < 0) & counts["stage"].notna().to_numpy()).any()):
        notes.append(t("national.note.third_stage", lang))  # e.g. treatment, national statistics
    use = (stage_codes >= 0) & (day >= ncal.first_day) & (day <= last)
    idx = ncal.index(day[use])
    s = stage_codes[use].astype(np.int64)
    key = s * k + idx
    arrived, _ = _column(counts, "arrived", use, key, k)
    completed, _ = _column(counts, "completed", use, key, k)
    removed, removed_given = _column(counts, "removed", use, key, k)
    waiting, waiting_given = _column(counts, "waiting_end", use, key, k)
    within, within_given = _column(counts, "completed_within_target", use, key, k)
    waiting, previous, removed = _queue(
        (arrived, completed, removed, waiting), removed_given, waiting_given, key, notes, lang
    )
    days_in = (ncal.ends - ncal.starts + 1).astype(np.float64)
    return {
        "arrived": arrived,
        "completed": completed,
        "removed": removed,
        "waiting_start": previous,
        "waiting": waiting,
        "within": within,
        "within_given": within_given,
        "mean_queue_days": (previous + waiting) / 2.0 * days_in[None, :],
        "leaving": completed + removed,
    }


def _coarse_counts(
    v: dict[str, npt.NDArray[Any]], to: npt.NDArray[np.int64], n: int
) -> dict[str, npt.NDArray[Any]]:
    """:func:`_native_counts`'s arrays in ``n`` coarse periods (``to``: each native period's).

    Counts add up; the queue at the start is the first native period's, at the end the last's.
    """
    sums = ("arrived", "completed", "removed", "mean_queue_days", "leaving", "within")
    out: dict[str, npt.NDArray[Any]] = {c: _coarse(v[c], "sum", to, n) for c in sums}
    out["waiting_start"] = _coarse(v["waiting_start"], "first", to, n)
    out["within_given"] = _coarse(v["within_given"].astype(float), "sum", to, n) > 0
    out["waiting"] = _coarse(v["waiting"], "last", to, n)
    return out


def _counts_tables(
    v: dict[str, npt.NDArray[Any]], prof: Any, n: int
) -> dict[str, dict[str, npt.NDArray[Any]]]:
    """Each stage's columns with the waits: Little's law, and the counts' own share within target.

    Mean wait :math:`W = \\bar L \\, d / (C + R)` (mean queue over the
    period's :math:`d` days, completed plus removed); share within target
    where given and someone completed.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_wait = np.where(v["leaving"] > 0, v["mean_queue_days"] / v["leaving"], np.nan)
        # the counts' own share within target, where given (national statistics)
        share_within = np.where(
            v["within_given"] & (v["completed"] > 0), v["within"] / v["completed"], np.nan
        )
    counted = (v["arrived"], v["completed"], v["removed"], v["waiting_start"], v["waiting"])
    tables = _stage_tables(counted, mean_wait, prof, n)
    for i, name in enumerate(FLOW_STAGES):
        tables[name]["share_within_target"] = share_within[i][None, :]
    return tables


def _column(
    counts: pd.DataFrame,
    name: str,
    use: npt.NDArray[np.bool_],
    key: npt.NDArray[np.int64],
    k: int,
) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
    """A count column summed per stage (rows) and native period (columns), and where it was given."""
    size = len(FLOW_STAGES) * k
    if name in counts.columns:
        v = pd.to_numeric(counts[name], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )[use]
    else:
        v = np.full(int(use.sum()), np.nan)
    given = np.bincount(key[~np.isnan(v)], minlength=size)[:size] > 0
    total = np.bincount(key, weights=np.nan_to_num(v), minlength=size)[:size]
    return total.reshape(-1, k), given.reshape(-1, k)


def _queue(
    values: tuple[npt.NDArray[np.float64], ...],
    removed_given: npt.NDArray[np.bool_],
    waiting_given: npt.NDArray[np.bool_],
    key: npt.NDArray[np.int64],
    notes: list[str],
    lang: str,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Queue at the end and at the start of each period, and removals (inferred where not given).

    ``key`` is each row's stage × periods + period. A period without a queue size keeps the one before; removals not given
    are what balances the queue (never below 0). Notes go to ``notes``.
    """
    arrived, completed, removed, waiting = values
    k = waiting.shape[1]
    size = len(FLOW_STAGES) * k
    present = np.bincount(key, minlength=size)[:size].reshape(-1, k) > 0
    # periods without a row: nobody came or left, the queue stays as it was
    filled = int((~present).sum())
    if filled:
        notes.append(t("flow.note.counts_filled", lang, count=filled))
    waiting = (
        pd.DataFrame(np.where(waiting_given, waiting, np.nan).T).ffill().fillna(0).to_numpy().T
    )
    previous = np.concatenate(
        [(waiting[:, :1] - arrived[:, :1] + completed[:, :1] + removed[:, :1]), waiting[:, :-1]],
        axis=1,
    )
    inferred = ~removed_given & present
    if inferred.any():
        balance = previous + arrived - completed - waiting
        balance[:, 0] = 0.0
        removed = np.where(inferred, np.maximum(balance, 0.0), removed)
        notes.append(t("flow.note.removals_inferred", lang, count=int(inferred.sum())))
    return waiting, previous, removed


def _coarse(
    x: npt.NDArray[np.float64], how: str, to: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.float64]:
    """Native periods (columns of ``x``) to coarse ones: ``to`` maps each to its coarse period.

    ``how`` is "sum", "last" (the value of the last native period in each
    coarse one) or "first".
    """
    out = np.zeros((x.shape[0], n))
    for st in range(x.shape[0]):
        if how == "sum":
            out[st] = np.bincount(to, weights=x[st], minlength=n)[:n]
        else:  # the value of the last native period in each coarse one
            last_of = np.full(n, -1)
            np.maximum.at(last_of, to, np.arange(to.size))
            first_of = np.full(n, to.size)
            np.minimum.at(first_of, to, np.arange(to.size))
            out[st] = x[st][last_of] if how == "last" else x[st][first_of]
    return out


def _stage_tables(
    values: tuple[npt.NDArray[np.float64], ...],
    mean_wait: npt.NDArray[np.float64],
    prof: Any,
    n: int,
) -> dict[str, dict[str, npt.NDArray[Any]]]:
    """The columns of each stage's table (no group), as :func:`_assemble` takes them."""
    arrived, completed, removed, waiting_start, waiting = values
    nan = np.full(arrived.shape, np.nan)
    tables = {}
    for i, name in enumerate(FLOW_STAGES):
        tables[name] = {
            "arrivals": arrived[i].astype(np.int64),
            "completions": completed[i].astype(np.int64),
            "removals": np.rint(removed[i]).astype(np.int64),
            "waiting_start": np.rint(waiting_start[i]).astype(np.int64),
            "waiting_end": np.rint(waiting[i]).astype(np.int64),
            "mean_wait_days": mean_wait[i],
            "median_wait_days": nan[i],
            "p90_wait_days": nan[i],
            "oldest_waiting_days": nan[i],
            "share_within_target": nan[i],
            "target_days": np.full(n, prof.stages[name].target_days, dtype=np.int64),
        }
        tables[name] = {c: v[None, :] for c, v in tables[name].items()}
    return tables
