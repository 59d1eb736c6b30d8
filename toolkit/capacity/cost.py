"""What capacity costs: step 6 of the capacity chain.

:func:`cost_table` (the cost of a clinical hour per staff category) and
:func:`appointment_costs` (the cost of each appointment type).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.capacity._helpers import _by_category, _notes, _per_key
from toolkit.capacity.defaults import (
    _MIN_PER_H,
    STAFF_CATEGORIES,
    Shares,
    _cost_per_fte_year_default,
    default,
)
from toolkit.capacity.staff import clinical_hours
from toolkit.i18n import check_language, t


def _cost_rates(cost_per_fte_year: Shares | None, lang: str) -> pd.Series:
    base = _cost_per_fte_year_default()
    if cost_per_fte_year is not None:
        base.update(
            _per_key(
                "cost_per_fte_year", cost_per_fte_year, STAFF_CATEGORIES, lang, checks.non_negative
            )
        )
    return pd.Series(base, dtype=float).reindex(list(STAFF_CATEGORIES))


def cost_table(
    capacity_table: pd.DataFrame,
    *,
    cost_per_fte_year: Shares | None = None,
    weeks_per_year: float | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Cost per year and per clinical hour, per staff category.

    Parameters
    ----------
    capacity_table : pandas.DataFrame
        The result of :func:`clinical_hours` (``staff_category``, ``fte``,
        ``clinical_hours_per_week``). The result of :func:`staff_hours` is
        accepted too: its clinical hours are then worked out with the default
        absence and non-clinical shares (a note says so).
    cost_per_fte_year : float or mapping per staff category, optional
        Cost in SEK of one full-time staff member for a year, payroll
        overheads included (≥ 0). Default: monthly salary × 12 × (1 + 0.52)
        per category (an assumption: replace with the region's figures; see
        :func:`defaults_table`).
    weeks_per_year : float, default 52.18
        Weeks in a year (> 0); leave is already out of the clinical hours.
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per staff category and a last row ``total``. Columns:
        staff_category, fte, cost_per_fte_year_sek, cost_per_year_sek,
        clinical_hours_per_year, cost_per_clinical_hour_sek (NaN where there
        are no clinical hours).

    Notes
    -----
    .. math:: K_k = F_k \\, P_k, \\qquad c_k = K_k / (52.18 \\, H_k)

    with :math:`F_k` FTE, :math:`P_k` cost per FTE-year (SEK), :math:`K_k`
    cost per year (SEK), :math:`H_k` clinical hours per week and :math:`c_k`
    the cost of a clinical hour (SEK/h).

    References
    ----------
    SKR, "Arbetsgivaravgifter och PO-pålägg" (personnel overheads of the
    regions). SCB, salary statistics for the regions (lönestrukturstatistik).

    Examples
    --------
    One psychologist at 1.0 FTE costing 900 000 SEK a year with 20 clinical
    hours a week: 900 000 / (52.1786 × 20) ≈ 862 SEK per clinical hour.

    >>> import pandas as pd
    >>> ch = pd.DataFrame({"staff_category": ["psychologist"], "fte": [1.0],
    ...                    "clinical_hours_per_week": [20.0]})
    >>> ct = cost_table(ch, cost_per_fte_year={"psychologist": 900_000})
    >>> round(float(ct.set_index("staff_category").loc["psychologist", "cost_per_clinical_hour_sek"]))
    862
    """
    lang = check_language(lang)
    table = checks.columns("capacity_table", capacity_table, ["staff_category", "fte"], lang)
    notes = _notes(table)
    rates = _cost_rates(cost_per_fte_year, lang)
    if "clinical_hours_per_week" not in table.columns:
        checks.columns("capacity_table", table, ["contracted_hours_per_week"], lang)
        table = clinical_hours(table, lang=lang)
        notes = _notes(table)
        notes.append(t("capacity.note.cost_default_clinical", lang))
    weeks = checks.positive(
        "weeks_per_year",
        default("weeks_per_year") if weeks_per_year is None else weeks_per_year,
        lang,
    )
    key = table["staff_category"].astype(str)
    fte = _by_category(table.groupby(key)["fte"].sum())
    clin = _by_category(table.groupby(key)["clinical_hours_per_week"].sum())
    cost = fte * rates
    hours_year = clin * weeks
    fte_all = np.append(fte.to_numpy(), fte.sum())
    cost_all = np.append(cost.to_numpy(), cost.sum())
    hours_all = np.append(hours_year.to_numpy(), hours_year.sum())
    per_hour = np.divide(
        cost_all, hours_all, out=np.full(len(cost_all), np.nan), where=hours_all > 0
    )
    rate_all = np.append(
        rates.to_numpy(), cost.sum() / fte.sum() if float(fte.sum()) > 0 else np.nan
    )
    out = pd.DataFrame(
        {
            "staff_category": [*STAFF_CATEGORIES, "total"],
            "fte": fte_all,
            "cost_per_fte_year_sek": rate_all,
            "cost_per_year_sek": cost_all,
            "clinical_hours_per_year": hours_all,
            "cost_per_clinical_hour_sek": per_hour,
        }
    )
    if cost_per_fte_year is None:
        notes.append(t("capacity.note.cost_default", lang))
    out.attrs["notes"] = notes
    return out


def appointment_costs(appointments_table: pd.DataFrame, cost: pd.DataFrame) -> pd.DataFrame:
    """Cost of one attended appointment per staff category, visit type and mode.

    Parameters
    ----------
    appointments_table : pandas.DataFrame
        The result of :func:`appointments_per_week` (its durations, DNA rates
        and, in ``attrs``, group size, group clinicians and digital time
        factor are used).
    cost : pandas.DataFrame
        The result of :func:`cost_table` (``cost_per_clinical_hour_sek``).

    Returns
    -------
    pandas.DataFrame
        One row per staff category and visit type. Columns: staff_category,
        visit_type, mean_duration_min, dna_rate,
        cost_per_clinical_hour_sek, cost_physical_sek, cost_digital_sek,
        cost_group_per_patient_sek, cost_mean_sek (at the row's mix of
        modes). Each is the cost per *attended* appointment, so the slots lost
        to DNAs are paid by those who come.

    Notes
    -----
    .. math:: c_{kv}^{\\text{mode}} = c_k \\, \\frac{d_v\\,\\phi_{\\text{mode}}}{60\\,(1 - r_k)}

    with :math:`c_k` the cost of a clinical hour (SEK/h), :math:`d_v` the
    one-to-one length (min), :math:`\\phi` = 1 (physical), :math:`f`
    (digital) or :math:`c/G` (group, per patient) and :math:`r_k` the DNA
    rate.

    References
    ----------
    As for :func:`appointments_per_week` and :func:`cost_table`.

    Examples
    --------
    860 SEK a clinical hour, a 60-minute visit, no DNAs: 860 SEK physical,
    774 SEK digital (0.9), 286.67 SEK per patient in a group of 6 led by 2.

    >>> import pandas as pd
    >>> from toolkit.capacity import appointments_per_week
    >>> ch = pd.DataFrame({"staff_category": ["psychologist"], "clinical_hours_per_week": [10.0]})
    >>> ap = appointments_per_week(ch, visit_mix={"treatment": 1.0}, mean_duration_min=60,
    ...                            dna_rate=0.0)
    >>> cost = pd.DataFrame({"staff_category": ["psychologist"],
    ...                      "cost_per_clinical_hour_sek": [860.0]})
    >>> ac = appointment_costs(ap, cost).query("staff_category == 'psychologist' and visit_type == 'treatment'")
    >>> ac[["cost_physical_sek", "cost_digital_sek", "cost_group_per_patient_sek"]].round(2).values.tolist()
    [[860.0, 774.0, 286.67]]
    """
    ap = checks.columns(
        "appointments_table",
        appointments_table,
        [
            "staff_category",
            "visit_type",
            "mean_duration_min",
            "dna_rate",
            "clinician_minutes_per_appointment",
        ],
    )
    cost = checks.columns("cost", cost, ["staff_category", "cost_per_clinical_hour_sek"])
    size = float(ap.attrs.get("group_size", default("group_size")))
    leaders = float(ap.attrs.get("group_clinicians", default("group_clinicians")))
    f = float(ap.attrs.get("digital_time_factor", default("digital_time_factor")))
    rate = cost.assign(staff_category=cost["staff_category"].astype(str)).set_index(
        "staff_category"
    )["cost_per_clinical_hour_sek"]
    c = ap["staff_category"].astype(str).map(rate).astype(float).to_numpy()
    d = ap["mean_duration_min"].to_numpy(dtype=float)
    r = ap["dna_rate"].to_numpy(dtype=float)
    attend = 1.0 - r
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        base = np.where(attend > 0, c * d / _MIN_PER_H / attend, np.inf)
        mean = np.where(
            attend > 0,
            c * ap["clinician_minutes_per_appointment"].to_numpy(dtype=float) / _MIN_PER_H / attend,
            np.inf,
        )
    out = pd.DataFrame(
        {
            "staff_category": ap["staff_category"].astype(str).to_numpy(),
            "visit_type": ap["visit_type"].astype(str).to_numpy(),
            "mean_duration_min": d,
            "dna_rate": r,
            "cost_per_clinical_hour_sek": c,
            "cost_physical_sek": base,
            "cost_digital_sek": base * f,
            "cost_group_per_patient_sek": base * leaders / size,
            "cost_mean_sek": mean,
        }
    )
    out.attrs["notes"] = _notes(ap, cost)
    return out
