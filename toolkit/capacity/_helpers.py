"""Checks of arguments and small table helpers shared by the capacity modules.

Each check raises :class:`toolkit.errors.ParameterError` naming the argument
and the allowed range, in the language asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit.capacity.defaults import _SUM_TOL, STAFF_CATEGORIES, Shares, default
from toolkit.errors import ParameterError


def _number(name: str, value: Any, lang: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise ParameterError(
            "common.param_type",
            argument=name,
            expected="float",
            got=type(value).__name__,
            lang=lang,
        )
    return float(value)


def _check_number(
    name: str,
    value: Any,
    lang: str,
    *,
    low: float,
    low_open: bool = False,
    high: float | None = None,
    high_open: bool = False,
    allowed: str | dict[str, str],
) -> float:
    x = _number(name, value, lang)
    ok = np.isfinite(x) and (x > low if low_open else x >= low)
    if high is not None:
        ok = ok and (x < high if high_open else x <= high)
    if not ok:
        raise ParameterError(
            "common.param_range", argument=name, value=x, allowed=allowed, lang=lang
        )
    return x


def _share(name: str, value: Any, lang: str) -> float:
    return _check_number(name, value, lang, low=0.0, high=1.0, allowed="0–1")


def _nonneg(name: str, value: Any, lang: str) -> float:
    return _check_number(name, value, lang, low=0.0, allowed="≥ 0")


def _positive(name: str, value: Any, lang: str) -> float:
    return _check_number(name, value, lang, low=0.0, low_open=True, allowed="> 0")


def _group_parameters(
    group_size: float | None, group_clinicians: float | None, lang: str
) -> tuple[float, float]:
    """Patients and clinicians of a group visit, checked (defaults where None)."""
    size = _check_number(
        "group_size",
        default("group_size") if group_size is None else group_size,
        lang,
        low=1.0,
        allowed="≥ 1",
    )
    leaders = _positive(
        "group_clinicians",
        default("group_clinicians") if group_clinicians is None else group_clinicians,
        lang,
    )
    return size, leaders


def _per_key(
    name: str,
    value: Shares,
    keys: Sequence[str],
    lang: str,
    check: Any,
) -> dict[str, float]:
    """A scalar or a mapping over ``keys`` as a dict over all ``keys``.

    A mapping must name only known keys; keys it leaves out take ``fallback``
    from the caller (they are absent from the result).
    """
    if isinstance(value, Mapping):
        out: dict[str, float] = {}
        for key, v in value.items():
            if key not in keys:
                raise ParameterError(
                    "common.param_choice",
                    argument=name,
                    value=key,
                    allowed=", ".join(keys),
                    lang=lang,
                )
            out[str(key)] = check(f"{name}[{key!r}]", v, lang)
        return out
    x = check(name, value, lang)
    return dict.fromkeys(keys, x)


def _shares_summing_to_one(
    name: str, value: Mapping[str, float], keys: Sequence[str], lang: str
) -> dict[str, float]:
    shares = _per_key(name, value, keys, lang, _share)
    full = {k: shares.get(k, 0.0) for k in keys}
    total = sum(full.values())
    if abs(total - 1.0) > _SUM_TOL:
        raise ParameterError("capacity.shares_sum", argument=name, total=round(total, 6), lang=lang)
    return full


def _require_columns(name: str, table: Any, columns: Sequence[str], lang: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(
            "common.param_type",
            argument=name,
            expected="pandas.DataFrame",
            got=type(table).__name__,
            lang=lang,
        )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ParameterError(
            "capacity.missing_columns",
            argument=name,
            missing=", ".join(missing),
            present=", ".join(map(str, table.columns)),
            lang=lang,
        )
    return table


def _categories_of(name: str, values: pd.Series, allowed: Sequence[str], lang: str) -> pd.Series:
    """Category values as plain strings; unknown values raise naming ``name``."""
    text = values.astype("string")
    bad = ~text.isin(list(allowed)) & text.notna()
    if bool(bad.any()):
        raise ParameterError(
            "common.param_choice",
            argument=name,
            value=str(text[bad].iloc[0]),
            allowed=", ".join(allowed),
            lang=lang,
        )
    return text


def _frame(rows: dict[str, Any], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def _by_category(values: pd.Series) -> pd.Series:
    """A Series indexed by all staff categories (0 where absent)."""
    return values.reindex(list(STAFF_CATEGORIES), fill_value=0.0).astype(float)


def _notes(*tables: pd.DataFrame) -> list[str]:
    out: list[str] = []
    for table in tables:
        for note in table.attrs.get("notes", []):
            if note not in out:
                out.append(note)
    return out
