"""Flow per stage and period from event data (one row per referral).

Each patient's stay in each stage of the pathway, grouped by breakdown, and
the table of counts and waits per period that :func:`~toolkit.flow.weekly_flow`
returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit.errors import DataError, ParameterError
from toolkit.flow.periods import (
    _NEVER,
    _OFFSET,
    _UNKNOWN,
    AGE_BANDS,
    FLOW_COLUMNS,
    FLOW_STAGES,
    REMOVAL_DECISIONS,
    _Calendar,
    _int_days,
)
from toolkit.i18n import t

_P90 = 0.9  # the 90th percentile


@dataclass(frozen=True)
class _Stage:
    """The rows of one stage: when each joined and left its queue, and how."""

    join: npt.NDArray[np.int64]
    leave: npt.NDArray[np.int64]  # _NEVER: still waiting at the end
    completed: npt.NDArray[np.bool_]  # left by completing the stage (else removed)
    pvv: npt.NDArray[np.int64]  # patient-chosen wait charged to this stage (days)
    group: npt.NDArray[np.int64]


def _groups(
    refs: pd.DataFrame, by: str | None, lang: str
) -> tuple[npt.NDArray[np.int64], list[str]]:
    """A group code per row and the group labels (``unknown`` last, when needed)."""
    n = len(refs)
    if by is None:
        return np.zeros(n, dtype=np.int64), []
    if by == "age_band":
        column = "age"
        if column not in refs.columns:
            raise ParameterError(
                "flow.by_missing_column", argument="by", value=by, column=column, lang=lang
            )
        age = pd.to_numeric(refs[column], errors="coerce").astype("float64").to_numpy()
        labels = [label for _, _, label in AGE_BANDS]
        edges = np.array([lo for lo, _, _ in AGE_BANDS[1:]], dtype=np.float64)
        codes = np.searchsorted(edges, age, side="right").astype(np.int64)
        missing = np.isnan(age) | (age < 0)
    else:
        if by not in refs.columns:
            raise ParameterError(
                "flow.by_missing_column", argument="by", value=by, column=by, lang=lang
            )
        values = refs[by]
        if isinstance(values.dtype, pd.CategoricalDtype):
            labels = [str(c) for c in values.cat.categories]
            codes = values.cat.codes.to_numpy().astype(np.int64)
        else:
            raw_codes, uniques = pd.factorize(values, sort=True)
            labels = [str(u) for u in uniques]
            codes = raw_codes.astype(np.int64)
        missing = codes < 0
    if missing.any():
        codes = np.where(missing, len(labels), codes)
        labels = [*labels, _UNKNOWN]
    return codes, labels


def _stages(
    refs: pd.DataFrame,
    profile: Any,
    end_day: int,
    group: npt.NDArray[np.int64],
    lang: str,
    notes: list[str],
) -> dict[str, _Stage]:
    """Join and leave days per stage (see :func:`weekly_flow`, Notes)."""
    first_t, deep_t = profile.stages["first_assessment"], profile.stages["deep_start"]
    n = len(refs)
    never = np.full(n, _NEVER, dtype=np.int64)

    def col(name: str) -> npt.NDArray[np.int64]:
        return _int_days(refs[name], name, lang) if name in refs.columns else never.copy()

    pvv = (
        pd.to_numeric(refs["pvv_days"], errors="coerce").fillna(0).to_numpy(dtype=np.int64)
        if "pvv_days" in refs.columns
        else np.zeros(n, dtype=np.int64)
    )
    pvv = np.maximum(pvv, 0)
    closed, decided = col("closed"), col("decided")
    if "decision" in refs.columns:
        removal_decision = refs["decision"].isin(list(REMOVAL_DECISIONS)).to_numpy(dtype=bool)
    else:
        removal_decision = np.zeros(n, dtype=bool)

    # stage 1: received -> first assessment; removal by decision or closing without a visit
    join1, done1 = col(first_t.start_column), col(first_t.end_column)
    has_done1 = done1 < _NEVER
    removal_day = np.where(removal_decision & (decided < _NEVER), decided, closed)
    undated = removal_decision & ~has_done1 & (removal_day == _NEVER)
    if undated.any():
        notes.append(t("flow.note.removal_undated", lang, count=int(undated.sum())))
    removal_day = np.where(undated, join1, removal_day)
    leave1 = np.where(has_done1, done1, np.maximum(removal_day, join1))
    # stage 2: deep decision -> deep start; removal when closed without a start
    join2, done2 = col(deep_t.start_column), col(deep_t.end_column)
    has_done2 = done2 < _NEVER
    leave2 = np.where(has_done2, done2, np.maximum(closed, join2))
    # PVV is one number per referral: charged to stage 1 up to its length, the rest to stage 2
    raw1 = np.where(has_done1 & (join1 < _NEVER), done1 - join1, 0)
    pvv2 = np.maximum(pvv - np.maximum(raw1, 0), 0)

    out: dict[str, _Stage] = {}
    for name, join, done, leave, has_done, p in (
        ("first_assessment", join1, done1, leave1, has_done1, pvv),
        ("deep_start", join2, done2, leave2, has_done2, pvv2),
    ):
        bad = has_done & (join < _NEVER) & (done < join)
        if bad.any():
            t_ = first_t if name == "first_assessment" else deep_t
            raise DataError(
                "flow.end_before_start",
                column=t_.end_column,
                count=int(bad.sum()),
                end=t_.end_column,
                start=t_.start_column,
                lang=lang,
            )
        keep = join <= end_day
        leave = np.where(leave > end_day, _NEVER, leave)
        out[name] = _Stage(
            join=join[keep],
            leave=leave[keep],
            completed=(has_done & (leave < _NEVER))[keep],
            pvv=p[keep],
            group=group[keep],
        )
    return out


def _quantile_sorted(
    values: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], q: float
) -> npt.NDArray[np.float64]:
    """Quantile ``q`` of each run of ``values`` (sorted within runs of ``counts``).

    Linear interpolation between order statistics (numpy's default, Hyndman
    and Fan type 7).
    """
    out = np.full(counts.size, np.nan)
    has = counts > 0
    offsets = (np.cumsum(counts) - counts)[has]
    h = (counts[has] - 1) * q
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, counts[has] - 1)
    x_lo = values[offsets + lo].astype(np.float64)
    x_hi = values[offsets + hi].astype(np.float64)
    out[has] = x_lo + (h - lo) * (x_hi - x_lo)
    return out


def _stage_table(
    stage: _Stage, cal: _Calendar, n_groups: int, target_days: int
) -> dict[str, npt.NDArray[Any]]:
    """The flow columns of one stage as arrays of shape (groups, periods)."""
    k = cal.size
    size = n_groups * k
    g, join, leave = stage.group, stage.join, stage.leave

    def per_period(
        mask: npt.NDArray[np.bool_],
        day: npt.NDArray[np.int64],
        weights: npt.NDArray[Any] | None = None,
    ) -> npt.NDArray[Any]:
        keys = g[mask] * k + cal.index(day[mask])
        w = None if weights is None else weights[mask]
        return np.bincount(keys, weights=w, minlength=size)[:size].reshape(n_groups, k)

    joined = join >= cal.first_day
    arrivals = per_period(joined, join)
    left = (leave < _NEVER) & (leave >= cal.first_day)
    done = left & stage.completed
    completions = per_period(done, leave)
    removals = per_period(left & ~stage.completed, leave)
    initial = np.bincount(g[~joined & (leave >= cal.first_day)], minlength=n_groups)[:n_groups]
    change = arrivals - completions - removals
    waiting_end = initial[:, None] + np.cumsum(change, axis=1)
    waiting_start = waiting_end - change

    # waits of those completed in each period, PVV excluded, never below zero
    wait = np.maximum(leave - join - stage.pvv, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = per_period(done, leave, wait.astype(np.float64)) / completions
        share = per_period(done, leave, (wait <= target_days).astype(np.float64)) / completions
    keys = g[done] * k + cal.index(leave[done])
    combined = np.sort(keys * _OFFSET + wait[done])  # sorted by period, then wait
    sorted_wait = combined % _OFFSET
    flat_n = completions.ravel()
    median = _quantile_sorted(sorted_wait, flat_n, 0.5).reshape(n_groups, k)
    p90 = _quantile_sorted(sorted_wait, flat_n, _P90).reshape(n_groups, k)

    # oldest still waiting at each period end. Order the rows by (group, join + PVV):
    # the first row whose running maximum of leave days passes the period end is the
    # one waiting longest (every row before it has left by then). Rows with the same
    # join + PVV are interchangeable, so a grid of the latest leave per (group, day)
    # replaces the sort.
    eff = join + stage.pvv
    oldest = np.full((n_groups, k), np.nan)
    if eff.size:
        lo = int(eff.min())
        span = int(eff.max()) - lo + 1
        grid = np.full((n_groups, span), -1, dtype=np.int64)
        np.maximum.at(grid, (g, eff - lo), leave)
        offsets = np.arange(n_groups, dtype=np.int64)[:, None] * _OFFSET
        running = (np.maximum.accumulate(grid, axis=1) + offsets).ravel()
        pos = np.searchsorted(running, (offsets + cal.ends[None, :]).ravel(), side="right")
        pos = pos.reshape(n_groups, k) - np.arange(n_groups)[:, None] * span
        found = (pos < span) & (waiting_end > 0)
        oldest[found] = np.maximum(
            np.broadcast_to(cal.ends, (n_groups, k))[found] - (lo + pos[found]), 0
        )
    return {
        "arrivals": arrivals.astype(np.int64),
        "completions": completions.astype(np.int64),
        "removals": removals.astype(np.int64),
        "waiting_start": waiting_start.astype(np.int64),
        "waiting_end": waiting_end.astype(np.int64),
        "mean_wait_days": mean,
        "median_wait_days": median,
        "p90_wait_days": p90,
        "oldest_waiting_days": oldest,
        "share_within_target": share,
        "target_days": np.full((n_groups, k), target_days, dtype=np.int64),
    }


def _assemble(
    cal: _Calendar,
    tables: dict[str, dict[str, npt.NDArray[Any]]],
    by: str | None,
    labels: list[str],
) -> pd.DataFrame:
    """Long table ordered by period, stage and group."""
    stages = list(tables)
    n_groups = max(len(labels), 1)
    k = cal.size
    shape = (len(stages), n_groups, k)
    order = (2, 0, 1)  # -> (period, stage, group)
    columns: dict[str, Any] = {
        "period": cal.dates(np.repeat(cal.starts, len(stages) * n_groups)),
        "period_end": cal.dates(np.repeat(cal.ends, len(stages) * n_groups)),
        "stage": pd.Categorical.from_codes(
            np.tile(np.repeat(np.arange(len(stages)), n_groups), k),
            categories=pd.Index(list(FLOW_STAGES)),
        ),
    }
    if by is not None:
        columns[by] = pd.Categorical.from_codes(
            np.tile(np.arange(n_groups), k * len(stages)), categories=pd.Index(labels)
        )
    for name in FLOW_COLUMNS:
        stacked = np.stack([tables[s][name] for s in stages]).reshape(shape)
        columns[name] = stacked.transpose(order).ravel()
    return pd.DataFrame(columns)


def _empty_flow(
    by: str | None, labels: list[str], prof: Any, freq: str, notes: list[str]
) -> pd.DataFrame:
    columns: dict[str, Any] = {
        "period": pd.DatetimeIndex([], dtype="datetime64[ns]"),
        "period_end": pd.DatetimeIndex([], dtype="datetime64[ns]"),
        "stage": pd.Categorical([], categories=list(FLOW_STAGES)),
    }
    if by is not None:
        columns[by] = pd.Categorical([], categories=labels)
    for name in FLOW_COLUMNS:
        floats = (name.endswith("_days") and name != "target_days") or name == "share_within_target"
        columns[name] = np.zeros(0, dtype=np.float64 if floats else np.int64)
    out = pd.DataFrame(columns)
    out.attrs.update(
        {
            "freq": freq,
            "by": by,
            "profile": prof.id,
            "kind": "events",
            "start": None,
            "end": None,
            "wait_method": "events",
            "notes": notes,
        }
    )
    return out
