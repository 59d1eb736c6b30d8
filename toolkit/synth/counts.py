"""Counts per period and stage from a referrals table (:func:`period_counts`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from toolkit.synth._schema import _categorical


def period_counts(referrals: pd.DataFrame, period_start: Any, extract_date: Any) -> pd.DataFrame:
    """Weekly counts per stage from a referrals table: the minimal aggregated form.

    Parameters
    ----------
    referrals : pandas.DataFrame
        Canonical referrals (``received``, ``first_assessment``,
        ``deep_decision``, ``deep_start``, ``closed``).
    period_start : date-like
        Monday of the first week.
    extract_date : date-like
        Last day counted; the last period is the week that holds it.

    Returns
    -------
    pandas.DataFrame
        period (Monday), stage (``first_assessment`` or ``deep_start``),
        arrived, completed, removed, waiting_end (all ``Int64``), sorted by
        period and stage.

    Notes
    -----
    A referral waits for the first assessment from ``received`` until
    ``first_assessment`` (completed) or, without one, ``closed`` (removed);
    for the second stage from ``deep_decision`` until ``deep_start`` or
    ``closed``. With :math:`W_t` waiting at the end of week :math:`t`,
    :math:`A_t` arrived, :math:`C_t` completed and :math:`R_t` removed
    (patients), :math:`W_t = W_{t-1} + A_t - C_t - R_t` (stock and flow).

    Examples
    --------
    >>> r = pd.DataFrame({"received": pd.to_datetime(["2024-01-01", "2024-01-03"]),
    ...     "first_assessment": pd.to_datetime(["2024-01-10", None]),
    ...     "deep_decision": pd.to_datetime([None, None]),
    ...     "deep_start": pd.to_datetime([None, None]),
    ...     "closed": pd.to_datetime([None, None])})
    >>> pc = period_counts(r, "2024-01-01", "2024-01-14")
    >>> first = pc[pc["stage"] == "first_assessment"]
    >>> first[["arrived", "completed", "waiting_end"]].to_numpy().tolist()
    [[2, 0, 2], [0, 1, 1]]
    """
    start = pd.Timestamp(period_start)
    end = pd.Timestamp(extract_date)
    n_periods = (end - start).days // 7 + 1
    periods = start + pd.to_timedelta(7 * np.arange(n_periods), unit="D")

    def week_of(s: pd.Series) -> np.ndarray:
        days = (s - start).dt.days.to_numpy(dtype="float64", na_value=np.nan)
        return np.floor(days / 7.0)

    def count(weeks: np.ndarray) -> np.ndarray:
        w = weeks[~np.isnan(weeks)].astype(np.int64)
        w = w[(w >= 0) & (w < n_periods)]
        return np.bincount(w, minlength=n_periods)

    frames = []
    stages = (
        ("first_assessment", "received", "first_assessment"),
        ("deep_start", "deep_decision", "deep_start"),
    )
    for stage, enter_col, done_col in stages:
        enter = week_of(referrals[enter_col])
        done = week_of(referrals[done_col])
        entered = ~np.isnan(enter)
        left_closed = np.isnan(done) & entered
        close = np.where(left_closed, week_of(referrals["closed"]), np.nan)
        arrived = count(enter)
        completed = count(np.where(entered, done, np.nan))
        removed = count(close)
        exit_week = np.where(np.isnan(done), close, done)
        exit_week = np.where(np.isnan(exit_week), np.inf, exit_week)
        w = np.arange(n_periods)[None, :]
        waiting = ((enter[entered][:, None] <= w) & (exit_week[entered][:, None] > w)).sum(axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "period": periods,
                    "stage": stage,
                    "arrived": arrived,
                    "completed": completed,
                    "removed": removed,
                    "waiting_end": waiting,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["period"] = out["period"].astype("datetime64[ns]")
    out["stage"] = _categorical("period_counts", "stage", out["stage"])
    out = out.sort_values(["period", "stage"], kind="stable").reset_index(drop=True)
    for col in ("arrived", "completed", "removed", "waiting_end"):
        out[col] = out[col].astype("Int64")
    return out
