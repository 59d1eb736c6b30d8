"""The rules across columns and tables (``toolkit/data/schema.yaml``): rows that break one are excluded.

:func:`_date_rules` (no dates after the extract date, dates in pathway
order, the period counts' rules) and :func:`_visit_rules` (a visit's
referral exists and came first).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from toolkit.io._raw import (
    _excluded,
    _Raw,
)
from toolkit.schema import (
    DATE_ORDER,
    TABLES,
)


def _exclude(
    frame: pd.DataFrame,
    raw: _Raw,
    mask: np.ndarray,
    reason: str,
    column: str = "",
    other: str = "",
    into: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    if not mask.any():
        return frame
    if into is not None:
        into.append(_excluded(raw.rows[mask], reason, column, other))
    raw.rows = raw.rows[~mask]
    return frame[~mask].reset_index(drop=True)


def _date_rules(
    frame: pd.DataFrame,
    raw: _Raw,
    table: str,
    extract_date: pd.Timestamp,
    excluded: list[pd.DataFrame],
) -> pd.DataFrame:
    """No dates after the extract date; stage dates in pathway order."""
    for name, col in TABLES[table].columns.items():
        if col.type == "date" and name in frame and table != "period_counts":
            late = (frame[name] > extract_date).to_numpy(dtype=bool)
            frame = _exclude(frame, raw, late, "future_date", name, into=excluded)
    order = DATE_ORDER.get(table, ())
    if order:
        running = frame[order[0]]
        previous = pd.Series(order[0], index=frame.index)
        bad = np.zeros(len(frame), dtype=bool)
        first_col = np.full(len(frame), "", dtype=object)
        first_other = np.full(len(frame), "", dtype=object)
        for name in order[1:]:
            early = (frame[name] < running).to_numpy(dtype=bool) & ~bad
            first_col[early] = name
            first_other[early] = previous[early]
            bad |= early
            later = frame[name].notna() & ~(frame[name] < running)
            running = frame[name].where(later, running)
            previous = previous.where(~later, name)
        for name in order[1:]:
            sel = bad & (first_col == name)
            for other in np.unique(first_other[sel]):
                excluded.append(
                    _excluded(
                        raw.rows[sel & (first_other == other)], "date_order", name, str(other)
                    )
                )
        frame = _exclude(frame, raw, bad, "date_order")
    if table == "referrals" and "decided" in frame:
        early = (frame["decided"] < frame["received"]).to_numpy(dtype=bool)
        frame = _exclude(frame, raw, early, "date_order", "decided", "received", into=excluded)
    if table == "staff":
        early = (frame["end"] < frame["start"]).to_numpy(dtype=bool)
        frame = _exclude(frame, raw, early, "date_order", "end", "start", into=excluded)
    if table == "period_counts":
        dup = frame.duplicated(["period", "stage"]).to_numpy()
        frame = _exclude(frame, raw, dup, "duplicate_period", "period", into=excluded)
        for within, total in (
            ("completed_within_target", "completed"),
            ("waiting_within_target", "waiting_end"),
        ):
            if within in frame:  # those within target are part of the total
                over = (frame[within] > frame[total]).fillna(False).to_numpy(dtype=bool)
                frame = _exclude(frame, raw, over, "within_exceeds", within, total, into=excluded)
    return frame


def _positions_in(values: pd.Series, lookup: pd.Series) -> np.ndarray:
    """Position of each value in ``lookup`` (first occurrence), or -1; hashed in pyarrow.

    ``Series.isin`` on arrow strings builds a Python list of the look-up
    values, seconds for a million referral ids.
    """
    if not len(lookup) or not len(values):
        return np.full(len(values), -1, dtype=np.int64)
    found = pc.index_in(
        pa.array(values.astype("string[pyarrow]")),
        value_set=pa.array(lookup.astype("string[pyarrow]")),
    )
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _visit_rules(
    visits: pd.DataFrame,
    raw: _Raw,
    referrals: pd.DataFrame,
    excluded_ids: pd.Series,
    excluded: list[pd.DataFrame],
) -> pd.DataFrame:
    """A visit's referral exists and the visit is not before the referral arrived."""
    where = _positions_in(visits["referral_id"], referrals["referral_id"])
    was_excluded = (where < 0) & (_positions_in(visits["referral_id"], excluded_ids) >= 0)
    visits = _exclude(visits, raw, was_excluded, "referral_excluded", "referral_id", into=excluded)
    where = where[~was_excluded]
    visits = _exclude(visits, raw, where < 0, "unknown_referral", "referral_id", into=excluded)
    where = where[where >= 0]
    received = referrals["received"].to_numpy()[where]
    early = visits["date"].to_numpy() < received
    return _exclude(visits, raw, early, "visit_before_referral", "date", into=excluded)
