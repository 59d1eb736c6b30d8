"""Dates of the referrals table as whole day numbers, shared by the queue functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import DataError, ParameterError

Method = Literal["toolkit", "nhsr"]


DateLike = str | dt.date | pd.Timestamp | np.datetime64


_METHODS: tuple[str, ...] = ("toolkit", "nhsr")


_NAT = np.iinfo(np.int64).min


@dataclass(frozen=True)
class _Days:
    """Arrival and removal dates of the usable rows, as whole days since 1970-01-01."""

    arrival: npt.NDArray[np.int64]
    removal: npt.NDArray[np.int64]  # _NAT where still waiting
    has_removal: npt.NDArray[np.bool_]
    missing_arrival: int


def _check_method(method: str, lang: str) -> None:
    checks.one_of("method", method, _METHODS, lang)


def _day_numbers(values: pd.Series, argument: str, column: str, lang: str) -> npt.NDArray[Any]:
    """A date column as ``datetime64[D]`` (NaT kept)."""
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        if len(values) == 0 or values.isna().all():
            return np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
        try:
            values = pd.to_datetime(values)
        except (TypeError, ValueError):
            raise checks.type_error(argument, "datetime64", str(values.dtype), lang) from None
    if getattr(values.dtype, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def _read_days(referrals: pd.DataFrame, arrival: str, removal: str, lang: str) -> _Days:
    if not isinstance(referrals, pd.DataFrame):
        raise checks.type_error("referrals", "pandas.DataFrame", type(referrals).__name__, lang)
    for argument, column in (("arrival", arrival), ("removal", removal)):
        if column not in referrals.columns:
            raise ParameterError(
                "waitlist.missing_column",
                argument=argument,
                value=column,
                present=", ".join(map(str, referrals.columns)),
                lang=lang,
            )
    a = _day_numbers(referrals[arrival], "arrival", arrival, lang)
    r = _day_numbers(referrals[removal], "removal", removal, lang)
    keep = ~np.isnat(a)
    a, r = a[keep], r[keep]
    has_r = ~np.isnat(r)
    a_int = a.astype(np.int64)
    r_int = np.where(has_r, r.astype(np.int64), _NAT)
    bad = has_r & (r_int < a_int)
    if bad.any():
        raise DataError(
            "waitlist.removal_before_arrival",
            column=removal,
            count=int(bad.sum()),
            removal=removal,
            arrival=arrival,
            lang=lang,
        )
    return _Days(a_int, r_int, has_r, int((~keep).sum()))


def _to_day(value: DateLike, argument: str, lang: str) -> int:
    try:
        stamp: pd.Timestamp | None = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = None
    if stamp is None or pd.isna(stamp):
        raise ParameterError("waitlist.not_a_date", argument=argument, value=value, lang=lang)
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def _period(
    days: _Days, start: DateLike | None, end: DateLike | None, lang: str
) -> tuple[int, int] | None:
    """First and last day (inclusive); defaults are the first and last arrival."""
    s = _to_day(start, "start", lang) if start is not None else None
    e = _to_day(end, "end", lang) if end is not None else None
    if days.arrival.size == 0 and (s is None or e is None):
        return None
    if s is None:
        s = int(days.arrival.min())
    if e is None:
        e = int(days.arrival.max())
    _check_window(s, e, lang)
    return s, e


def _check_window(first: int, last: int, lang: str) -> None:
    """Raise when the last day of a window (argument ``end``) is before its first."""
    if last < first:
        raise ParameterError(
            "waitlist.end_before_start",
            argument="end",
            start=_date(first).isoformat(),
            end=_date(last).isoformat(),
            lang=lang,
        )


def _date(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))
