"""The figures a report's sections read, computed once: weekly flow, now figures, waits, queue.

:func:`unit_figures` computes everything the unit report's sections share
(:class:`UnitFigures`); :func:`_now_pair` gives the now figures and waits
from the exact data and, in share mode, from the rounded counts the report
shows (the region overview uses it too). Nothing here builds HTML.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit import disclosure, flow, unit_now
from toolkit.errors import DataError
from toolkit.i18n import t
from toolkit.io import TableAccount, UnitData
from toolkit.report._format import _date
from toolkit.targets import TargetProfile

_STAGES = flow.FLOW_STAGES


def _now(
    unit: UnitData,
    profile: TargetProfile,
    first: pd.Timestamp,
    time_to_target_weeks: float,
    lang: str,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> unit_now.NowFigures:
    """The unit's now figures (:func:`toolkit.unit_now.now_figures`) with the defaults every surface uses.

    The window is the last :data:`toolkit.unit_now.DEFAULT_WINDOW_WEEKS`
    whole weeks up to the extract date, not before the report period's
    first week; the variation is :data:`toolkit.unit_now.DEFAULT_VARIATION`.
    """
    return unit_now.now_figures(
        unit,
        profile=profile,
        period_start=first,
        window_weeks=window_weeks,
        variation=variation,
        time_to_target_weeks=time_to_target_weeks,
        lang=lang,
    )


#: Columns of the queue-formula table, in the order shown.
_QUEUE_COLUMNS = (
    "stage",
    "demand_per_week",
    "capacity_per_week",
    "activity_per_week",
    "load",
    "queue_size",
    "target_queue_size",
    "target_capacity_per_week",
    "relief_capacity_per_week",
    "time_to_clear_weeks",
)


def _queue_table(now: unit_now.NowFigures) -> pd.DataFrame:
    """The queue formulas per stage from the now figures (columns :data:`_QUEUE_COLUMNS`)."""
    return now.table[list(_QUEUE_COLUMNS)].copy()


def _waits_table(now: unit_now.NowFigures) -> pd.DataFrame:
    """Waits per stage over the now window, the number waiting and the oldest waiting.

    Columns: stage, completed, mean_wait_days, median_wait_days,
    p90_wait_days, share_within_target, target_days, target_share,
    waiting_now, oldest_waiting_days. With counts only the mean wait is
    Little's law's and the rest NaN.
    """
    out = now.table[
        [
            "stage",
            "completed",
            "mean_wait_days",
            "median_wait_days",
            "p90_wait_days",
            "share_within_target",
            "target_days",
            "target_share",
        ]
    ].copy()
    out["waiting_now"] = now.table["queue_size"]
    oldest = []
    for stage in out["stage"]:
        part = now.weekly[now.weekly["stage"].astype(str) == stage] if len(now.weekly) else None
        oldest.append(
            float(part["oldest_waiting_days"].iloc[-1])
            if part is not None and len(part)
            else math.nan
        )
    out["oldest_waiting_days"] = oldest
    return out


def _by_stage(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """A per-stage table as ``{stage: {column: value}}``."""
    return {
        str(row["stage"]): {str(k): v for k, v in row.items()} for row in table.to_dict("records")
    }


def _count(x: Any) -> int | None:
    """A count from the now table as an int (None when it could not be measured)."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else int(x)


def _balance_texts(
    now: unit_now.NowFigures, lang: str, share: bool = False, threshold: int = 0
) -> list[str]:
    """One sentence per stage: in balance, or which criteria fail (or why there is no verdict).

    In share mode a queue below ``threshold`` is written ``<threshold``.
    """
    if not now.ok:
        return list(now.problems["unit"])
    return [
        unit_now.balance_text(
            t(f"flow.stage.{stage}", lang), b, lang, hide_below=threshold if share else None
        )
        for stage, b in now.balance.items()
    ]


def _balance_short(now: unit_now.NowFigures, lang: str) -> str:
    """The verdict in a few words, for the region table."""
    if not now.ok:
        return t("now.balance.short_too_short", lang)
    if now.in_balance:
        return t("now.balance.short", lang)
    reasons = []
    for stage, b in now.balance.items():
        if b.failing:
            names = ", ".join(
                t(
                    f"now.criterion.covers_{b.covers}" if c == "covers" else f"now.criterion.{c}",
                    lang,
                )
                for c in b.failing
            )
            reasons.append(f"{t(f'flow.stage.{stage}', lang)}: {names}")
    return t("now.balance.short_no", lang, reasons="; ".join(reasons))


def _shared_unit(unit: UnitData, weekly: pd.DataFrame) -> UnitData:
    """Share mode: the unit as its rounded weekly counts show it (``period_counts`` only).

    The queue figures and the balance verdict of a shared report are computed
    from this unit, so each of them rests on counts the report shows
    (:func:`toolkit.disclosure.round_flow`), never on the exact ones. Staff
    and time use are kept: capacity from staffing is not a count of patients.
    """
    counts = pd.DataFrame(
        {
            "period": weekly["period"].to_numpy(),
            "stage": weekly["stage"].astype(str).to_numpy(),
            "arrived": weekly["arrivals"].to_numpy(),
            "completed": weekly["completions"].to_numpy(),
            "removed": weekly["removals"].to_numpy(),
            "waiting_end": weekly["waiting_end"].to_numpy(),
        }
    )
    account = {k: v for k, v in unit.account.items() if k != "referrals"}
    account["period_counts"] = TableAccount(
        table="period_counts",
        file="",
        rows_read=len(counts),
        rows_used=len(counts),
        excluded=pd.DataFrame(columns=["row", "column", "reason", "other"]),
    )
    return dataclasses.replace(
        unit, referrals=unit.referrals.iloc[0:0], period_counts=counts, account=account
    )


def _share_waits(waits: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Share mode: waits and shares only where they rest on ``threshold`` patients; counts rounded.

    The median, 90th percentile and share within target of a stage with
    fewer than ``threshold`` completed patients, and the oldest wait of a
    stage with fewer than ``threshold`` (rounded) waiting, are emptied; the
    number completed is rounded to a multiple of 5 (:mod:`toolkit.disclosure`).
    """
    out = waits.copy()
    few = out["completed"].to_numpy(dtype=float) < threshold
    for c in ("median_wait_days", "p90_wait_days", "share_within_target"):
        out[c] = out[c].mask(few)
    out["oldest_waiting_days"] = out["oldest_waiting_days"].mask(
        out["waiting_now"].to_numpy(dtype=float) < threshold
    )
    completed = out["completed"].to_numpy(dtype=float)
    if np.isnan(completed).any():  # a stage the window does not cover: stays empty
        rounded = disclosure.round_to_base(np.nan_to_num(completed)).astype(float)
        out["completed"] = np.where(np.isnan(completed), np.nan, rounded)
    else:
        out["completed"] = disclosure.round_to_base(completed)
    return out


def _period_of(
    unit: UnitData, start: pd.Timestamp | None, lang: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the report period; DataError when no data falls in it."""
    if unit.kind == "events":
        dates = unit.referrals["received"].dropna()
        end = unit.extract_date
    else:
        dates = unit.period_counts["period"].dropna()
        end = max(unit.extract_date, dates.max()) if len(dates) else unit.extract_date
    first = start if start is not None else (dates.min() if len(dates) else end)
    if start is not None and start > end:
        raise DataError(
            "report.start_after_end",
            file=unit.source,
            start=_date(start),
            end=_date(end),
            lang=lang,
        )
    if not ((dates >= first) & (dates <= end)).any():
        raise DataError(
            "report.no_data_in_period",
            file=unit.source,
            start=_date(first),
            end=_date(end),
            lang=lang,
        )
    return pd.Timestamp(first), pd.Timestamp(end)


def _weekly_in_period(
    unit: UnitData, profile: TargetProfile, start: pd.Timestamp | None, lang: str
) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """Weekly flow over the report period, with its first week and end; an error if empty."""
    first, end = _period_of(unit, start, lang)
    weekly = flow.weekly_flow(unit, "W", profile=profile, start=first, end=end, lang=lang)
    if weekly.empty:
        raise DataError(
            "report.no_data_in_period",
            file=unit.source,
            start=_date(first),
            end=_date(end),
            lang=lang,
        )
    return weekly, pd.Timestamp(weekly["period"].min()), end


def _now_pair(
    unit: UnitData,
    weekly: pd.DataFrame,
    profile: TargetProfile,
    first: pd.Timestamp,
    time_to_target_weeks: float,
    lang: str,
    *,
    share: bool,
    threshold: int,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> tuple[unit_now.NowFigures, unit_now.NowFigures, pd.DataFrame]:
    """The now figures from the exact data, those the report shows, and the waits table.

    In share mode the figures shown (queue formulas, verdict) come from the
    rounded weekly counts (:func:`_shared_unit`), and the waits are hidden
    where they rest on fewer than ``threshold`` patients (:func:`_share_waits`);
    otherwise both now figures are the same object.
    """
    now_real = _now(unit, profile, first, time_to_target_weeks, lang, window_weeks, variation)
    now = (
        _now(
            _shared_unit(unit, weekly),
            profile,
            first,
            time_to_target_weeks,
            lang,
            window_weeks,
            variation,
        )
        if share
        else now_real
    )
    waits = _waits_table(now_real)
    if share:
        waits["waiting_now"] = now.table["queue_size"].to_numpy()
        waits = _share_waits(waits, threshold)
    return now_real, now, waits


@dataclass(frozen=True)
class UnitFigures:
    """Everything the unit report's sections read, computed once by :func:`unit_figures`.

    ``weekly`` is the weekly flow over the report period (rounded in share
    mode); ``now_real`` the now figures from the exact data and ``now`` those
    shown (from the rounded counts in share mode); ``waits`` and ``queue``
    the per-stage tables of :func:`_waits_table` and :func:`_queue_table`.
    """

    unit: UnitData
    profile: TargetProfile
    weekly: pd.DataFrame
    first: pd.Timestamp
    end: pd.Timestamp
    now_real: unit_now.NowFigures
    now: unit_now.NowFigures
    waits: pd.DataFrame
    queue: pd.DataFrame
    share: bool
    threshold: int
    time_to_target_weeks: float
    charts: bool
    lang: str

    @property
    def opts(self) -> dict[str, Any]:
        """The keyword arguments every table of the report takes (:func:`html_table`)."""
        return {"share": self.share, "threshold": self.threshold, "lang": self.lang}

    @property
    def stage_labels(self) -> dict[str, str]:
        """Each stage's name in the report's language."""
        return {s: t(f"flow.stage.{s}", self.lang) for s in _STAGES}


def unit_figures(
    unit: UnitData,
    profile: TargetProfile,
    start: pd.Timestamp | None,
    share: bool,
    threshold: int,
    time_to_target_weeks: float,
    charts: bool,
    lang: str,
    *,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    variation: str = unit_now.DEFAULT_VARIATION,
) -> UnitFigures:
    """The weekly flow, now figures, waits and queue of a unit report (DataError if no data)."""
    weekly, first, end = _weekly_in_period(unit, profile, start, lang)
    if share:
        # Every count below comes from the rounded flow (toolkit.disclosure).
        weekly = disclosure.round_flow(weekly)
    now_real, now, waits = _now_pair(
        unit,
        weekly,
        profile,
        first,
        time_to_target_weeks,
        lang,
        share=share,
        threshold=threshold,
        window_weeks=window_weeks,
        variation=variation,
    )
    return UnitFigures(
        unit=unit,
        profile=profile,
        weekly=weekly,
        first=first,
        end=end,
        now_real=now_real,
        now=now,
        waits=waits,
        queue=_queue_table(now),
        share=share,
        threshold=threshold,
        time_to_target_weeks=time_to_target_weeks,
        charts=charts,
        lang=lang,
    )
