"""Big valid tables fast, for benchmarks (:func:`generate_large`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from toolkit.synth._schema import _values
from toolkit.synth.profiles import (
    _QUESTIONS,
    DECISION_SHARES,
    SOURCE_SHARES,
    STAFF_MIX,
    _check_range,
)

# --------------------------------------------------------------------------- benchmark scale


def generate_large(n_referrals: int, n_visits: int, *, seed: int) -> dict[str, pd.DataFrame]:
    """Valid ``referrals`` and ``visits`` tables at benchmark scale, fully vectorised.

    Plausible but simple: referrals arrive uniformly over three years from
    2022-01-03; stage waits are exponential; every visit belongs to a
    referral that had a first assessment and falls between it and the
    extract date (2024-12-29). No queue dynamics: use :func:`generate_unit`
    for realistic units.

    Parameters
    ----------
    n_referrals : int
        Rows of ``referrals`` (1–10 000 000).
    n_visits : int
        Rows of ``visits`` (0–100 000 000).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``referrals`` and ``visits`` with the columns and dtypes of
        :func:`generate_unit`.

    Examples
    --------
    >>> big = generate_large(1000, 5000, seed=0)
    >>> len(big["referrals"]), len(big["visits"])
    (1000, 5000)
    >>> v, r = big["visits"], big["referrals"].set_index("referral_id")
    >>> bool((v["date"].to_numpy() >= r.loc[v["referral_id"], "received"].to_numpy()).all())
    True
    """
    _check_range("n_referrals", n_referrals, 1, 10_000_000)
    _check_range("n_visits", n_visits, 0, 100_000_000)
    rng = np.random.default_rng(seed)
    days = _large_stage_days(rng, int(n_referrals), need_first=n_visits > 0)
    ref = _large_referrals(rng, days)
    vis = _large_visits(rng, days, int(n_visits))
    return {"referrals": ref, "visits": vis}


_LARGE_START = np.datetime64("2022-01-03", "D")
_LARGE_END_DAY = 7 * 156 - 1  # three years of days from _LARGE_START


@dataclass(frozen=True)
class _LargeDays:
    """Stage days (from ``_LARGE_START``) and codes per referral of :func:`generate_large`."""

    recv: np.ndarray
    question: np.ndarray
    priority: np.ndarray
    decision: np.ndarray
    decided: np.ndarray
    first: np.ndarray
    ddec: np.ndarray
    deep: np.ndarray
    closed: np.ndarray
    has_first: np.ndarray
    deep_go: np.ndarray
    has_deep: np.ndarray
    has_closed: np.ndarray


def _large_stage_days(rng: np.random.Generator, n: int, *, need_first: bool) -> _LargeDays:
    """Uniform arrivals and exponential stage waits; at least one first assessment if needed."""
    end_day = _LARGE_END_DAY
    recv = np.sort(rng.integers(0, end_day + 1, n))
    question = _pick_fixed(rng, n, np.array([0.42, 0.13, 0.22, 0.04, 0.07, 0.05, 0.07]))
    priority = _pick_fixed(rng, n, np.array([0.05, 0.15, 0.80]))
    decision = _pick_fixed(rng, n, np.array(list(DECISION_SHARES.values())))
    decided = recv + rng.integers(0, 12, n)
    accepted = decision == 0
    first = decided + rng.exponential(30.0, n).astype(np.int64)
    has_first = accepted & (first <= end_day)
    if need_first and not has_first.any():  # visits need a referral seen at least once
        decision[0], decided[0], first[0] = 0, recv[0], recv[0]
        accepted[0] = has_first[0] = True
    deep_go = has_first & (rng.random(n) < 0.65)
    ddec = first + rng.integers(0, 22, n)
    deep_go &= ddec <= end_day
    deep = ddec + rng.exponential(45.0, n).astype(np.int64)
    has_deep = deep_go & (deep <= end_day)
    closed = np.where(has_deep, deep, first) + rng.exponential(120.0, n).astype(np.int64)
    closed = np.where(~accepted, decided, closed)
    has_closed = (has_first | ~accepted) & (closed <= end_day) & (decided <= end_day)
    has_closed &= ~deep_go | has_deep
    return _LargeDays(
        recv=recv,
        question=question,
        priority=priority,
        decision=decision,
        decided=decided,
        first=first,
        ddec=ddec,
        deep=deep,
        closed=closed,
        has_first=has_first,
        deep_go=deep_go,
        has_deep=has_deep,
        has_closed=has_closed,
    )


def _large_dates(days: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Dates ``days`` after ``_LARGE_START`` (NaT where not ``ok``)."""
    out = (_LARGE_START + np.where(ok, days, 0).astype("timedelta64[D]")).astype("datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


def _large_referrals(rng: np.random.Generator, d: _LargeDays) -> pd.DataFrame:
    """The ``referrals`` table of :func:`generate_large` (source, sex and age drawn here)."""
    n, end_day = len(d.recv), _LARGE_END_DAY
    ref = pd.DataFrame(
        {
            "referral_id": _fast_ids("R", np.arange(1, n + 1), 7),
            "received": _large_dates(d.recv, np.ones(n, dtype=bool)),
            "source": _from_codes(
                _pick_fixed(rng, n, np.array(list(SOURCE_SHARES.values()))),
                categories=_values("referrals", "source"),
            ),
            "question": _from_codes(d.question, categories=list(_QUESTIONS)),
            "priority": _from_codes(d.priority, categories=_values("referrals", "priority")),
            "decision": _from_codes(
                np.where(d.decided <= end_day, d.decision, -1),
                categories=_values("referrals", "decision"),
            ),
            "decided": _large_dates(d.decided, d.decided <= end_day),
            "first_assessment": _large_dates(d.first, d.has_first),
            "deep_decision": _large_dates(d.ddec, d.deep_go),
            "deep_start": _large_dates(d.deep, d.has_deep),
            "closed": _large_dates(d.closed, d.has_closed),
            "pvv_days": pd.array(np.zeros(n, dtype=np.int64), dtype="Int64"),
            "sex": _from_codes(
                _pick_fixed(rng, n, np.array([0.5, 0.49, 0.01])),
                categories=_values("referrals", "sex"),
            ),
            "age": pd.array(rng.integers(3, 18, n), dtype="Int64"),
        }
    )
    ref["pvv_days"] = ref["pvv_days"].mask(ref["pvv_days"] == 0)
    ref["question"] = ref["question"].cat.set_categories(_values("referrals", "question"))
    return ref


def _large_visits(rng: np.random.Generator, d: _LargeDays, m: int) -> pd.DataFrame:
    """``m`` visits, owners drawn among referrals with a first assessment, dated after it."""
    end_day = _LARGE_END_DAY
    owners = np.flatnonzero(d.has_first)
    owner = np.sort(owners[rng.integers(0, len(owners), m)])
    lo = d.first[owner]
    hi = np.where(d.has_closed[owner], np.minimum(d.closed[owner], end_day), end_day)
    vday = lo + (rng.random(m) * (hi - lo + 1)).astype(np.int64)
    vtype = np.where(vday == lo, 0, _pick_fixed(rng, m, np.array([0.0, 0.3, 0.45, 0.25])))
    return pd.DataFrame(
        {
            "visit_id": _fast_ids("V", np.arange(1, m + 1), 8),
            "referral_id": _fast_ids("R", owner + 1, 7),
            "date": _large_dates(vday, np.ones(m, dtype=bool)),
            "visit_type": _from_codes(vtype, categories=_values("visits", "visit_type")),
            "staff_category": _from_codes(
                _pick_fixed(rng, m, np.array(list(STAFF_MIX.values()))),
                categories=_values("visits", "staff_category"),
            ),
            "clinician_id": _fast_ids("K", rng.integers(1, 1000, m), 3),
            "mode": _from_codes(
                _pick_fixed(rng, m, np.array([0.72, 0.18, 0.04, 0.06])),
                categories=_values("visits", "mode"),
            ),
            "duration_min": 5.0 * rng.integers(4, 19, m),
            "status": _from_codes(
                _pick_fixed(rng, m, np.array([0.87, 0.07, 0.06])),
                categories=_values("visits", "status"),
            ),
        }
    )


def _from_codes(codes: np.ndarray, categories: list[str]) -> Any:
    return pd.Categorical.from_codes(
        codes.astype(np.int64), dtype=pd.CategoricalDtype(categories=categories)
    )


def _pick_fixed(rng: np.random.Generator, size: int, probs: np.ndarray) -> np.ndarray:
    """``size`` draws of category codes with fixed probabilities (int8 codes)."""
    cum = np.cumsum(probs / probs.sum())
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), len(probs) - 1).astype(
        np.int8
    )


def _fast_ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """Ids such as ``R0000123`` built as fixed-width bytes in one Arrow buffer (no Python loop)."""
    n = len(numbers)
    raw = np.empty((n, width + 1), dtype=np.uint8)
    raw[:, 0] = ord(prefix)
    rest = numbers.astype(np.uint32)
    for position in range(width, 0, -1):  # one pass per digit, not per id
        raw[:, position] = (rest % 10).astype(np.uint8) + 48
        rest //= 10
    offsets = np.arange(0, (n + 1) * (width + 1), width + 1, dtype=np.int64)
    arrow = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw.tobytes()))
    return pd.Series(pd.array(arrow, dtype="string"))
