"""Small-count suppression for tables meant for sharing.

:func:`suppress_small_counts` hides counts below a threshold, with an
optional secondary suppression against a row total; :func:`is_shareable`
checks a table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.privacy.pseudonyms import _check_columns

#: Counts below this are hidden in shareable tables (so 1–4 are hidden).
DEFAULT_THRESHOLD = 5
#: The smallest share-mode threshold reports and workbooks accept (a whole number).
MIN_THRESHOLD = 2


def _counts(table: pd.DataFrame, column: str, lang: str | None) -> NDArray[np.float64]:
    """A count column as float (NaN missing); ParameterError if not counts."""
    values = table[column]
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        numeric = pd.to_numeric(values, errors="coerce")
        bad = numeric.isna().to_numpy(dtype=bool) & values.notna().to_numpy(dtype=bool)
        x = numeric.to_numpy(dtype="float64", na_value=np.nan)
    else:
        x = values.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.zeros(x.size, dtype=bool)
    with np.errstate(invalid="ignore"):
        bad |= ~np.isnan(x) & ((x < 0) | (x != np.floor(x)) | ~np.isfinite(x))
    if bad.any():
        where = np.flatnonzero(bad)
        raise ParameterError(
            "privacy.not_counts",
            argument="table",
            column=column,
            n=int(where.size),
            rows=", ".join(map(str, where[:5])) + (" …" if where.size > 5 else ""),
            lang=lang,
        )
    return x


def _check_threshold(threshold: int, lang: str | None) -> int:
    return checks.integer("threshold", threshold, lang, low=1, allowed="≥ 1", expected="int")


def _small(x: NDArray[np.float64], threshold: int, suppress_zeros: bool) -> NDArray[np.bool_]:
    lowest = 0 if suppress_zeros else 1
    with np.errstate(invalid="ignore"):
        return (x >= lowest) & (x < threshold) & ~np.isnan(x)


def _row_safe(
    values: NDArray[np.float64],
    primary: NDArray[np.bool_],
    secondary: NDArray[np.bool_],
    secondary_max: NDArray[np.float64],
    threshold: int,
    primary_min: int,
) -> NDArray[np.bool_]:
    """Can each hidden small count take at least two values, given the row total?"""
    hidden = primary | secondary
    hidden_sum = np.where(hidden, np.nan_to_num(values), 0).sum(axis=1)
    n_primary = primary.sum(axis=1)
    n_secondary = secondary.sum(axis=1)
    with np.errstate(invalid="ignore"):
        others_max = (n_primary - 1) * (threshold - 1) + np.where(
            n_secondary > 0, n_secondary * secondary_max, 0
        )
    others_min = (n_primary - 1) * primary_min + n_secondary * threshold
    low = np.maximum(primary_min, hidden_sum - others_max)
    high = np.minimum(threshold - 1, hidden_sum - others_min)
    return (n_primary == 0) | (high - low >= 1)


def suppress_small_counts(
    table: pd.DataFrame,
    columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    total: str | None = None,
    suppress_zeros: bool = False,
    lang: str | None = None,
) -> pd.DataFrame:
    """Hide counts below ``threshold`` so a shared table never shows them.

    Parameters
    ----------
    table : pandas.DataFrame
        Aggregated table, one count per cell in ``columns``.
    columns : sequence of str
        The count columns (whole numbers ≥ 0, missing allowed).
    threshold : int, default 5
        Counts 1 to ``threshold`` − 1 are hidden (with 5: 1–4).
    total : str, optional
        A column holding each row's total of ``columns``. When given, it is
        treated as a count too, and secondary suppression makes sure a hidden
        count cannot be worked out from the total (see Notes).
    suppress_zeros : bool, default False
        Also hide zeros. Off by default: a zero shows that nobody is in a
        group, which is not a small group of identifiable people; turn it on
        when "nobody in this unit had X" is itself sensitive.
    lang : {"sv", "en"}, optional
        Language of error messages.

    Returns
    -------
    pandas.DataFrame
        A copy; ``columns`` (and ``total``) become nullable ``Int64`` with
        hidden cells as ``<NA>``; other columns unchanged. ``attrs
        ["suppression"]`` records threshold, columns, total, and the numbers of
        primary and secondary hidden cells.

    Notes
    -----
    *Primary suppression*: a cell :math:`x` is hidden when
    :math:`x_{min} \\le x < t`, with threshold :math:`t` and :math:`x_{min}`
    1 (0 with ``suppress_zeros``).

    *Secondary suppression* (only with ``total``): a reader who knows the
    rule and the row total :math:`T = \\sum_j x_j` knows the sum
    :math:`S` of the hidden cells of that row. Each hidden small count lies in
    :math:`[x_{min}, t-1]`; a cell hidden for secondary reasons lies in
    :math:`[t, u]`, where :math:`u` is the smallest count still shown (they
    are chosen smallest first; :math:`u = \\infty` when none is left). With
    :math:`p` small and :math:`s` secondary hidden cells, a small one is
    bounded by

    .. math:: \\max(x_{min}, S - (p-1)(t-1) - s u) \\le x \\le
              \\min(t-1, S - (p-1)x_{min} - s t).

    The row is safe when this interval holds at least two values, so no
    hidden count can be pinned down. If it is not safe as it is, the
    smallest shown count of at least :math:`t` is hidden too if that makes
    it safe; otherwise the total is hidden (then no equation is left). A
    total below :math:`t` is hidden as a small count itself. Only row totals
    are protected: for column totals, transpose the table first; a table with
    both margins needs a full disclosure-control tool (τ-ARGUS).

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*.
       Wiley, ch. 5 (threshold rule, primary and secondary cell suppression).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"month": ["2024-01", "2024-02"],
    ...                       "boys": [3, 12], "girls": [40, 0]})
    >>> suppress_small_counts(table, ["boys", "girls"])
         month  boys  girls
    0  2024-01  <NA>     40
    1  2024-02    12      0

    With a total the hidden 3 could be recovered as 43 − 40, so the 40 is
    hidden as well; the reader then only knows that boys + girls = 43, with
    boys 1–4 and girls 5 or more:

    >>> table["all"] = table["boys"] + table["girls"]
    >>> suppress_small_counts(table, ["boys", "girls"], total="all")
         month  boys  girls  all
    0  2024-01  <NA>   <NA>   43
    1  2024-02    12      0   12
    """
    threshold = _check_threshold(threshold, lang)
    names = _check_columns(table, columns, "columns", lang)
    if total is not None:
        _check_columns(table, [total], "total", lang)
        names = [c for c in names if c != total]
    values = (
        np.column_stack([_counts(table, c, lang) for c in names])
        if names
        else np.zeros((len(table), 0))
    )
    primary = _small(values, threshold, suppress_zeros)
    secondary = np.zeros_like(primary)
    hide_total = np.zeros(len(table), dtype=bool)
    n_total_primary = 0
    out = table.copy()
    if total is not None:
        total_values = _counts(table, total, lang)
        hide_total = _small(total_values, threshold, suppress_zeros)
        n_total_primary = int(hide_total.sum())
        no_equation = hide_total | np.isnan(total_values)
        primary_min = 0 if suppress_zeros else 1
        with np.errstate(invalid="ignore"):
            eligible = ~primary & (values >= threshold)
        ranked = np.where(eligible, values, np.inf)
        order = np.argsort(ranked, axis=1, kind="stable")
        rows = np.arange(len(table))
        no_more = np.full(len(table), np.inf)
        if names:
            smallest = ranked[rows, order[:, 0]]
            second = ranked[rows, order[:, 1]] if len(names) > 1 else no_more
        else:
            smallest = second = no_more
        safe_now = _row_safe(values, primary, secondary, smallest, threshold, primary_min)
        one_more = np.zeros_like(primary)
        if names:
            one_more[rows, order[:, 0]] = np.isfinite(smallest)
        safe_one = _row_safe(values, primary, one_more, second, threshold, primary_min)
        use_one = ~no_equation & ~safe_now & safe_one & np.isfinite(smallest)
        secondary = one_more & use_one[:, None]
        hide_total |= ~no_equation & ~safe_now & ~use_one
        shown_total = pd.Series(total_values, index=table.index).astype("Int64")
        out[total] = shown_total.mask(hide_total)
    hidden = primary | secondary
    for j, name in enumerate(names):
        out[name] = pd.Series(values[:, j], index=table.index).astype("Int64").mask(hidden[:, j])
    out.attrs["suppression"] = {
        "threshold": threshold,
        "columns": names,
        "total": total,
        "suppress_zeros": suppress_zeros,
        "primary_cells": int(primary.sum()) + n_total_primary,
        "secondary_cells": int(secondary.sum()) + int(hide_total.sum()) - n_total_primary,
    }
    return out


def is_shareable(
    table: pd.DataFrame,
    columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    *,
    lang: str | None = None,
) -> bool:
    """True if no cell of ``columns`` shows a count from 1 to ``threshold`` − 1.

    Missing cells (hidden counts) and zeros are fine. This checks primary
    suppression only; whether hidden cells can be recovered from totals is up
    to :func:`suppress_small_counts`.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"n": [0, 7, 3]})
    >>> is_shareable(table, ["n"]), is_shareable(suppress_small_counts(table, ["n"]), ["n"])
    (False, True)
    """
    threshold = _check_threshold(threshold, lang)
    names = _check_columns(table, columns, "columns", lang)
    return not any(_small(_counts(table, c, lang), threshold, False).any() for c in names)
