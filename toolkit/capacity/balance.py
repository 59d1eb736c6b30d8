"""Capacity against demand: step 5 of the capacity chain.

:func:`balance` per staff category and :func:`capacity_80_rule` (DCAQ) for
capacity that copes with variation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import _checks as checks
from toolkit.capacity._helpers import _by_category, _notes
from toolkit.capacity.defaults import STAFF_CATEGORIES
from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t


def _capacity_column(table: pd.DataFrame, lang: str) -> str:
    for column in (
        "effective_hours_per_week",
        "clinical_hours_per_week",
        "capacity_hours_per_week",
    ):
        if column in table.columns:
            return column
    raise ParameterError(
        "capacity.missing_columns",
        argument="capacity_table",
        missing="effective_hours_per_week | clinical_hours_per_week | capacity_hours_per_week",
        present=", ".join(map(str, table.columns)),
        lang=lang,
    )


def balance(
    capacity_table: pd.DataFrame, demand_table: pd.DataFrame, *, lang: str | None = None
) -> pd.DataFrame:
    """Capacity against demand in clinician hours a week, per staff category.

    Parameters
    ----------
    capacity_table : pandas.DataFrame
        The result of :func:`appointments_per_week` (its
        ``effective_hours_per_week``, which counts DNAs, group and digital
        visits, is used), or of :func:`clinical_hours`
        (``clinical_hours_per_week``), or any table with ``staff_category`` and
        ``capacity_hours_per_week``.
    demand_table : pandas.DataFrame
        The result of :func:`demand_hours` (``staff_category``,
        ``demand_hours_per_week``).
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per staff category and a last row ``total``. Columns:
        staff_category, capacity_hours_per_week, demand_hours_per_week,
        balance_hours_per_week (capacity − demand; negative = shortfall),
        load (demand / capacity; ≥ 1 means the queue grows without limit; inf
        when there is demand but no capacity, 0 when there is no demand).

    Notes
    -----
    .. math:: B_k = K_k - D_k, \\qquad \\rho_k = D_k / K_k

    with :math:`K_k` capacity and :math:`D_k` demand in clinician hours per
    week for staff category :math:`k`, and :math:`\\rho_k` the load.

    References
    ----------
    docs/domain.md: load = demand / capacity; a queue with load ≥ 1 grows without
    limit. NHSRwaitinglist ``queue_load``.

    Examples
    --------
    >>> import pandas as pd
    >>> cap = pd.DataFrame({"staff_category": ["nurse"], "capacity_hours_per_week": [50.0]})
    >>> dem = pd.DataFrame({"staff_category": ["nurse"], "demand_hours_per_week": [60.0]})
    >>> b = balance(cap, dem).set_index("staff_category")
    >>> b.loc["nurse", ["balance_hours_per_week", "load"]].tolist()
    [-10.0, 1.2]
    """
    lang = check_language(lang)
    capacity_table = checks.columns("capacity_table", capacity_table, ["staff_category"], lang)
    demand_table = checks.columns(
        "demand_table", demand_table, ["staff_category", "demand_hours_per_week"], lang
    )
    column = _capacity_column(capacity_table, lang)
    cap = _by_category(
        capacity_table.groupby(capacity_table["staff_category"].astype(str))[column].sum()
    )
    dem = _by_category(
        demand_table.groupby(demand_table["staff_category"].astype(str))[
            "demand_hours_per_week"
        ].sum()
    )
    notes = _notes(capacity_table, demand_table)
    cap_all = np.append(cap.to_numpy(), cap.sum())
    dem_all = np.append(dem.to_numpy(), dem.sum())
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        load = np.where(dem_all == 0, 0.0, dem_all / cap_all)
    out = pd.DataFrame(
        {
            "staff_category": [*STAFF_CATEGORIES, "total"],
            "capacity_hours_per_week": cap_all,
            "demand_hours_per_week": dem_all,
            "balance_hours_per_week": cap_all - dem_all,
            "load": load,
        }
    )
    short = [k for k in STAFF_CATEGORIES if cap[k] == 0 and dem[k] > 0]
    if short:
        notes.append(t("capacity.note.demand_no_capacity", lang, categories=", ".join(short)))
    out.attrs["notes"] = notes
    out.attrs["capacity_column"] = column
    return out


def capacity_80_rule(
    weekly_demand: Sequence[float] | pd.Series | npt.NDArray[np.floating],
    *,
    share: float = 0.8,
    method: str = "range",
) -> float:
    """Capacity a week that copes with the week-to-week variation in demand (DCAQ "80 % rule").

    Parameters
    ----------
    weekly_demand : sequence of float
        Demand per week (referrals or hours; ≥ 0 each; missing values are
        ignored). An empty series gives 0.
    share : float, default 0.8
        Where between the lowest and highest week to put capacity (0–1):
        1 means planning for the busiest week (no wait), lower accepts a
        longer wait in busy weeks.
    method : {"range", "percentile"}, default "range"
        ``"range"`` is the Scottish Government's definition: minimum +
        share × (maximum − minimum). ``"percentile"`` gives the ``share``
        quantile of the weekly values instead (linear interpolation), which
        some NHS capacity tools use; it is less sensitive to one extreme week.

    Returns
    -------
    float
        Capacity per week, in the unit of ``weekly_demand``.

    Notes
    -----
    .. math:: K_{80} = D_{\\min} + 0.8\\,(D_{\\max} - D_{\\min})

    with :math:`D_{\\min}` and :math:`D_{\\max}` the lowest and highest weekly
    demand in the period looked at.

    References
    ----------
    Scottish Government, *Understanding Capacity and Demand: A
    resource pack for healthcare professionals*, "An A-Z of Demand and
    Capacity terminology", entry "80% rule": theoretical capacity = minimum
    demand + [(maximum demand − minimum demand) × 80/100]
    (gov.scot/publications/understanding-capacity-demand-resource-pack-healthcare-professionals/pages/6/).

    Examples
    --------
    Weeks with 10, 12, 20 and 15 referrals: 10 + 0.8 × (20 − 10) = 18.

    >>> capacity_80_rule([10, 12, 20, 15])
    18.0
    """
    q = checks.share("share", share)
    checks.one_of("method", method, ("range", "percentile"))
    try:
        values = np.asarray(weekly_demand, dtype=float).ravel()
    except (TypeError, ValueError):
        raise checks.type_error("weekly_demand", "numbers", type(weekly_demand).__name__) from None
    values = values[~np.isnan(values)]
    if values.size == 0:
        return 0.0
    checks.numbers("weekly_demand", values, low=0.0)
    if method == "percentile":
        return float(np.quantile(values, q))
    low, high = float(values.min()), float(values.max())
    return low + q * (high - low)
