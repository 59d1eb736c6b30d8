"""Who waits: waits, share within target and queue per group of patients, with their uncertainty.

The national follow-up counts how long children wait; a unit also needs to
know *who* waits. :func:`who_waits` breaks a stage's figures over the now
window (:func:`toolkit.unit_now.unit_window`) down by one referral attribute:
need class (``priority``), referral question (``question``), sex (``sex``)
or age band (``age_band``, the bands of :data:`toolkit.flow.AGE_BANDS`).

Per group and stage: the waits completed in the window (their number, the
median with its 95 % interval, the share within the target with its 95 %
interval) and the number waiting at the window's end. Groups are compared
by their intervals, not ranked: two groups whose intervals overlap widely
may differ by chance alone.

Intervals
---------
* Share within target: Wilson's score interval (Wilson 1927; Newcombe 1998,
  method 3; as R's ``prop.test(correct = FALSE)``), computed by statsmodels'
  ``proportion_confint(method="wilson")``. It stays inside 0–1 and keeps
  its coverage for small groups, where the Wald interval does not.
* Median wait: the distribution-free interval between two order statistics
  of the binomial(n, ½) distribution (Conover, *Practical Nonparametric
  Statistics*, 3rd ed. 1999, sect. 3.2), computed by SciPy's
  ``quantile_test(...).confidence_interval``; its coverage is at least 95 %.

Share mode (``share=True``): counts are rounded to a multiple of 5
(:mod:`toolkit.disclosure`) and a group whose rounded number of completed
waits is below ``threshold`` shows neither its median nor its share, and
its count reads ``<threshold``.

References
----------
Wilson EB (1927). Probable inference, the law of succession, and statistical
inference. JASA 22:209–212. Newcombe RG (1998). Two-sided confidence
intervals for the single proportion. Statistics in Medicine 17:857–872.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit import disclosure, flow, unit_now
from toolkit.errors import ParameterError
from toolkit.i18n import t
from toolkit.targets import load_profile

__all__ = ["GROUPINGS", "group_label", "median_interval", "share_interval", "who_waits"]

#: The attributes a stage's figures can be broken down by.
GROUPINGS: tuple[str, ...] = ("priority", "question", "sex", "age_band")
_UNKNOWN = "unknown"
#: The columns of :func:`who_waits` before ``hidden``.
_COLUMNS = (
    "stage",
    "group",
    "completed",
    "median_wait_days",
    "median_low",
    "median_high",
    "share_within_target",
    "share_low",
    "share_high",
    "target_days",
    "waiting_now",
)


def share_interval(within: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval of a share ``within / n`` (NaN, NaN when ``n`` is 0).

    >>> [round(x, 4) for x in share_interval(8, 10)]  # Newcombe 1998, Table I: 0.4902-0.9433
    [0.4902, 0.9433]
    """
    if n <= 0:
        return math.nan, math.nan
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(within, n, alpha=1 - confidence, method="wilson")
    return float(low), float(high)


def median_interval(waits: Any, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval of the median: two order statistics (NaN, NaN when empty).

    >>> median_interval(range(1, 21))  # Conover 1999, sect. 3.2: the 6th and 15th of 20
    (6.0, 15.0)
    """
    values = np.asarray(list(waits), dtype=float)
    if len(values) == 0:
        return math.nan, math.nan
    from scipy.stats import quantile_test

    median = float(np.median(values))
    result = quantile_test(values, q=median, p=0.5)
    interval = result.confidence_interval(confidence_level=confidence)
    low, high = float(interval.low), float(interval.high)
    return (low if math.isfinite(low) else float(values.min())), (
        high if math.isfinite(high) else float(values.max())
    )


def group_label(grouping: str, value: str, lang: str | None = None) -> str:
    """A group as readers of ``lang`` name it (``adhd`` → "ADHD", ``13-17`` → "13–17 år")."""
    key = f"equity.value.{grouping}.{value}"
    from toolkit.i18n import has

    if has(key):
        return t(key, lang)
    return (
        t("equity.value.age", lang, band=value.replace("-", "–"))
        if grouping == "age_band"
        else value
    )


def _groups(refs: pd.DataFrame, by: str) -> pd.Series:
    """The group of each referral (``unknown`` where the attribute is missing)."""
    if by == "age_band":
        age = pd.to_numeric(refs["age"], errors="coerce") if "age" in refs else None
        out = pd.Series(_UNKNOWN, index=refs.index, dtype=object)
        if age is not None:
            for low, high, label in flow.AGE_BANDS:
                inside = (age >= low) & (age <= (high if high is not None else np.inf))
                out[inside.fillna(False).to_numpy()] = label
        return out
    if by not in refs:
        return pd.Series(_UNKNOWN, index=refs.index, dtype=object)
    return refs[by].astype(object).where(refs[by].notna(), _UNKNOWN)


def _order(by: str, present: list[str]) -> list[str]:
    if by == "age_band":
        known = [label for _, _, label in flow.AGE_BANDS]
    elif by == "priority":
        known = ["urgent", "high", "routine"]
    else:
        known = sorted(p for p in present if p != _UNKNOWN)
    return [g for g in known if g in present] + ([_UNKNOWN] if _UNKNOWN in present else [])


def who_waits(
    unit: Any,
    *,
    by: str,
    profile: Any = None,
    window_weeks: int = unit_now.DEFAULT_WINDOW_WEEKS,
    period_start: Any = None,
    share: bool = False,
    threshold: int = 5,
) -> pd.DataFrame:
    """Waits, share within target and queue per group and stage, over the now window.

    Parameters
    ----------
    unit : toolkit.io.UnitData
        A loaded unit with referral-level data (``kind == "events"``).
    by : {"priority", "question", "sex", "age_band"}
        The attribute to group by. Referrals without it form the group
        ``unknown``; a unit whose file has no such column has one group.
    profile : TargetProfile or str, optional
        Targets and the dates each stage's wait runs between (default
        ``bup_30_30``).
    window_weeks : int, default 26
        The window (:func:`toolkit.unit_now.unit_window`): the same weeks as
        every "now" figure of the unit.
    period_start : date-like, optional
        The window starts no earlier than this.
    share, threshold
        Share mode (see the module notes).

    Returns
    -------
    pandas.DataFrame
        One row per stage and group, in the stage order and the group's
        natural order: ``stage``, ``group``, ``completed`` (waits completed
        in the window), ``median_wait_days``, ``median_low``,
        ``median_high``, ``share_within_target``, ``share_low``,
        ``share_high``, ``target_days``, ``waiting_now`` (at the window's
        end) and ``hidden`` (True where share mode hides the group's figures).
    """
    checks.one_of("by", by, GROUPINGS)
    if getattr(unit, "kind", None) != "events":
        raise ParameterError("equity.needs_referrals")
    if profile is None or isinstance(profile, str):
        profile = load_profile(profile or "bup_30_30")
    window = unit_now.unit_window(unit, window_weeks=window_weeks, period_start=period_start)
    refs = unit.referrals
    groups = _groups(refs, by)
    rows = []
    for stage in flow.FLOW_STAGES:
        target = profile.stages[stage]
        end_day = refs[target.end_column]
        done = refs[(end_day >= window.start) & (end_day <= window.end)]
        events = unit_now.stage_events(refs, stage)
        waiting = events[
            (events["joined"] <= window.end)
            & (events["left"].isna() | (events["left"] > window.end))
        ]
        present = set(groups.loc[done.index]) | set(groups.loc[waiting.index])
        for group in _order(by, sorted(present)):
            mine = done[groups.loc[done.index] == group]
            waits = flow.stage_waits_days(mine, target.start_column, target.end_column)
            n = len(waits)
            within = int((waits <= target.target_days).sum())
            rows.append(
                {
                    "stage": stage,
                    "group": group,
                    "completed": n,
                    "median_wait_days": float(waits.median()) if n else math.nan,
                    "median_low": median_interval(waits)[0],
                    "median_high": median_interval(waits)[1],
                    "share_within_target": within / n if n else math.nan,
                    "share_low": share_interval(within, n)[0],
                    "share_high": share_interval(within, n)[1],
                    "target_days": int(target.target_days),
                    "waiting_now": int((groups.loc[waiting.index] == group).sum()),
                }
            )
    table = pd.DataFrame(rows, columns=_COLUMNS)  # the columns also when no group is left
    table["hidden"] = False
    if share and not table.empty:
        for column in ("completed", "waiting_now"):
            table[column] = disclosure.round_to_base(table[column].to_numpy())
        table["hidden"] = table["completed"] < threshold
        figures = [
            "median_wait_days",
            "median_low",
            "median_high",
            "share_within_target",
            "share_low",
            "share_high",
        ]
        table.loc[table["hidden"], figures] = math.nan
    return table
