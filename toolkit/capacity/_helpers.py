"""Small table helpers shared by the capacity modules.

The checks of single arguments are in :mod:`toolkit._checks`; these apply
them to the capacity chain's composite arguments (a scalar or a mapping per
staff category, shares that sum to one, a group visit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from toolkit import _checks as checks
from toolkit.capacity.defaults import _SUM_TOL, STAFF_CATEGORIES, Shares, default
from toolkit.errors import ParameterError


def _group_parameters(
    group_size: float | None, group_clinicians: float | None, lang: str | None = None
) -> tuple[float, float]:
    """Patients and clinicians of a group visit, checked (defaults where None).

    ``lang``: the language of the errors of a caller that takes one (None:
    the current language).
    """
    size = checks.in_range(
        "group_size", default("group_size") if group_size is None else group_size, lang, low=1.0
    )
    leaders = checks.positive(
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
            checks.one_of(name, key, keys, lang)
            out[str(key)] = check(f"{name}[{key!r}]", v, lang)
        return out
    x = check(name, value, lang)
    return dict.fromkeys(keys, x)


def _shares_summing_to_one(
    name: str, value: Mapping[str, float], keys: Sequence[str], lang: str
) -> dict[str, float]:
    shares = _per_key(name, value, keys, lang, checks.share)
    full = {k: shares.get(k, 0.0) for k in keys}
    total = sum(full.values())
    if abs(total - 1.0) > _SUM_TOL:
        raise ParameterError("capacity.shares_sum", argument=name, total=round(total, 6), lang=lang)
    return full


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
