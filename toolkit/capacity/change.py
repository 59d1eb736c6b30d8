"""The effect of a change on capacity and cost (:func:`change_effect`).

Added or lost FTE, freed administration, a shift to group or digital visits:
the capacity chain run before and after, with the cost of each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import _checks as checks
from toolkit.capacity._helpers import _by_category, _notes
from toolkit.capacity.appointments import appointments_per_week
from toolkit.capacity.cost import _cost_rates
from toolkit.capacity.defaults import STAFF_CATEGORIES, Shares, default
from toolkit.capacity.staff import clinical_hours
from toolkit.i18n import check_language, t


def change_effect(
    staff_hours_table: pd.DataFrame,
    visits: pd.DataFrame | None = None,
    *,
    added_fte: Mapping[str, float] | None = None,
    freed_non_clinical_share: float = 0.0,
    share_group: Shares | None = None,
    share_digital: Shares | None = None,
    other_cost_per_year_sek: float = 0.0,
    absence_share: Shares | None = None,
    non_clinical_share: Shares | pd.DataFrame | None = None,
    appointment_options: Mapping[str, Any] | None = None,
    cost_per_fte_year: Shares | None = None,
    weeks_per_year: float | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """What a change does to capacity and to cost, against the baseline: decisions for balance.

    The baseline runs :func:`clinical_hours` and :func:`appointments_per_week`
    on ``staff_hours_table`` (and ``visits``, when given); the change then
    adds or removes FTE, frees a share of the non-clinical time for clinical
    work and/or changes the shares of group and digital visits, and runs the
    same chain again.

    Parameters
    ----------
    staff_hours_table : pandas.DataFrame
        The result of :func:`staff_hours`.
    visits : pandas.DataFrame, optional
        Passed to :func:`appointments_per_week` for both runs.
    added_fte : mapping, optional
        FTE added per staff category (negative: lost), e.g.
        ``{"psychologist": 1.0}``. A loss may not exceed the category's FTE.
        New FTE work the category's mean full-time hours (or 40 h).
    freed_non_clinical_share : float, default 0
        Share of the non-clinical hours turned into clinical hours (0–1), e.g.
        0.2 when a fifth of documentation and meeting time is freed.
    share_group, share_digital : float or mapping, optional
        Shares after the change (see :func:`appointments_per_week`); ``None``
        keeps the baseline's.
    other_cost_per_year_sek : float, default 0
        Any other cost (or, negative, saving) of the change per year in SEK,
        e.g. a secretary hired to take over documentation. Counted in the
        total row only.
    absence_share, non_clinical_share : optional
        As in :func:`clinical_hours` (for both runs).
    appointment_options : mapping, optional
        Further keyword arguments for :func:`appointments_per_week` in both
        runs (``visit_mix``, ``mean_duration_min``, ``dna_rate``,
        ``group_size``, ``group_clinicians``, ``digital_time_factor``,
        and baseline ``share_group`` / ``share_digital``).
    cost_per_fte_year : float or mapping, optional
        As in :func:`cost_table`.
    weeks_per_year : float, default 52.18
        Weeks in a year (> 0).
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per staff category and a last row ``total``. Columns:
        staff_category, fte_before, fte_after, clinical_hours_before_per_week,
        clinical_hours_after_per_week, appointments_before_per_week,
        appointments_after_per_week, appointments_change_per_week (attended
        appointments), effective_hours_change_per_week (one-to-one equivalent
        hours, as :func:`balance` counts capacity), cost_change_per_year_sek,
        cost_per_extra_appointment_sek (cost change / extra attended
        appointments a year; NaN when the change adds none).

    Notes
    -----
    .. math::

        \\Delta K = \\sum_k \\Delta F_k P_k + K_{\\text{other}}, \\qquad
        c_{+} = \\frac{\\Delta K}{52.18\\, \\Delta V}

    with :math:`\\Delta F_k` the FTE added, :math:`P_k` the cost per FTE-year,
    :math:`\\Delta V` the change in attended appointments per week and
    :math:`c_{+}` the cost per extra appointment (SEK). Freed administration
    time changes the non-clinical share from :math:`n_k` to
    :math:`n_k (1 - \\varphi)`.

    References
    ----------
    Socialstyrelsen's PKS support: decisions for balance (beslut för balans);
    see docs/capacity.md.

    Examples
    --------
    Two psychologists; a third costs one FTE-year and adds 50 % capacity.

    >>> import pandas as pd
    >>> from toolkit.capacity import staff_hours
    >>> staff = pd.DataFrame({"staff_id": ["A", "B"], "category": ["psychologist"] * 2,
    ...                       "fte": [1.0, 1.0], "hours_per_week": [40.0, 40.0]})
    >>> ce = change_effect(staff_hours(staff), added_fte={"psychologist": 1.0},
    ...                    cost_per_fte_year={"psychologist": 800_000})
    >>> row = ce.set_index("staff_category").loc["psychologist"]
    >>> round(float(row["appointments_after_per_week"] / row["appointments_before_per_week"]), 6)
    1.5
    >>> float(row["cost_change_per_year_sek"])
    800000.0
    """
    lang = check_language(lang)
    table = checks.columns(
        "staff_hours_table",
        staff_hours_table,
        ["staff_category", "fte", "contracted_hours_per_week"],
        lang,
    )
    phi = checks.share("freed_non_clinical_share", freed_non_clinical_share, lang)
    other = checks.finite("other_cost_per_year_sek", other_cost_per_year_sek, lang)
    weeks = checks.positive(
        "weeks_per_year",
        default("weeks_per_year") if weeks_per_year is None else weeks_per_year,
        lang,
    )
    options = _appointment_options(appointment_options, lang)
    before_tab, after, delta = _staff_before_after(table, added_fte, lang)

    ch_before = clinical_hours(
        before_tab, absence_share=absence_share, non_clinical_share=non_clinical_share, lang=lang
    )
    n_after = {
        k: float(v) * (1.0 - phi)
        for k, v in zip(ch_before["staff_category"], ch_before["non_clinical_share"], strict=True)
    }
    ch_after = clinical_hours(
        after, absence_share=absence_share, non_clinical_share=n_after, lang=lang
    )
    ap_before = appointments_per_week(ch_before, visits, lang=lang, **options)
    options_after = dict(options)
    if share_group is not None:
        options_after["share_group"] = share_group
    if share_digital is not None:
        options_after["share_digital"] = share_digital
    ap_after = appointments_per_week(ch_after, visits, lang=lang, **options_after)

    rates = _cost_rates(cost_per_fte_year, lang)
    out = _effect_table(
        before_tab, delta, (ch_before, ch_after), (ap_before, ap_after), delta * rates, other, weeks
    )
    notes = _notes(ch_before, ap_before)
    if not bool(out["appointments_change_per_week"].iloc[-1] > 1e-12):
        notes.append(t("capacity.note.no_extra_appointments", lang))
    if cost_per_fte_year is None and bool((delta != 0).any()):
        notes.append(t("capacity.note.cost_default", lang))
    out.attrs["notes"] = notes
    return out


#: The arguments of :func:`~toolkit.capacity.appointments_per_week` that
#: ``appointment_options`` may pass on.
_APPOINTMENT_OPTIONS = frozenset(
    {
        "visit_mix",
        "mean_duration_min",
        "dna_rate",
        "share_group",
        "share_digital",
        "group_size",
        "group_clinicians",
        "digital_time_factor",
    }
)


def _appointment_options(
    appointment_options: Mapping[str, Any] | None, lang: str
) -> dict[str, Any]:
    """``appointment_options`` as a dict, every key an argument of appointments_per_week."""
    options = dict(appointment_options or {})
    for key in options:
        checks.one_of("appointment_options", key, sorted(_APPOINTMENT_OPTIONS), lang)
    return options


def _staff_before_after(
    table: pd.DataFrame, added_fte: Mapping[str, float] | None, lang: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Staff hours per category before and after the change, and the FTE added per category.

    An added FTE brings the category's own contracted hours per FTE (the
    full-time hours where the category has none).
    """
    cat_key = table["staff_category"].astype(str)
    fte = _by_category(table.groupby(cat_key)["fte"].sum())
    contracted = _by_category(table.groupby(cat_key)["contracted_hours_per_week"].sum())
    full_default = float(
        table.attrs.get("full_time_hours_per_week", default("full_time_hours_per_week"))
    )
    per_fte = (contracted / fte.where(fte > 0)).fillna(full_default)

    delta = pd.Series(0.0, index=list(STAFF_CATEGORIES))
    if added_fte is not None:
        for k, v in added_fte.items():
            checks.one_of("added_fte", k, STAFF_CATEGORIES, lang)
            x = checks.in_range(
                f"added_fte[{k!r}]",
                v,
                lang,
                low=-float(fte[k]),
            )
            delta[k] = x
    after = pd.DataFrame(
        {
            "staff_category": list(STAFF_CATEGORIES),
            "fte": (fte + delta).to_numpy(),
            "contracted_hours_per_week": (contracted + delta * per_fte).clip(lower=0.0).to_numpy(),
        }
    )
    before_tab = pd.DataFrame(
        {
            "staff_category": list(STAFF_CATEGORIES),
            "fte": fte.to_numpy(),
            "contracted_hours_per_week": contracted.to_numpy(),
        }
    )
    before_tab.attrs["notes"] = _notes(table)
    return before_tab, after, delta


def _effect_table(
    before_tab: pd.DataFrame,
    delta: pd.Series,
    clinical: tuple[pd.DataFrame, pd.DataFrame],
    appointments: tuple[pd.DataFrame, pd.DataFrame],
    cost_change: pd.Series,
    other: float,
    weeks: float,
) -> pd.DataFrame:
    """The table of :func:`change_effect`: before, after and change per category, with the total."""
    ch_before, ch_after = clinical
    ap_before, ap_after = appointments
    fte = pd.Series(before_tab["fte"].to_numpy(), index=list(STAFF_CATEGORIES))

    def by_cat(frame: pd.DataFrame, column: str) -> pd.Series:
        return _by_category(frame.groupby(frame["staff_category"].astype(str))[column].sum())

    v_before = by_cat(ap_before, "attended_appointments_per_week")
    v_after = by_cat(ap_after, "attended_appointments_per_week")
    e_change = by_cat(ap_after, "effective_hours_per_week") - by_cat(
        ap_before, "effective_hours_per_week"
    )

    def with_total(values: pd.Series, extra: float = 0.0) -> npt.NDArray[np.float64]:
        return np.append(values.to_numpy(dtype=float), float(values.sum()) + extra)

    dv = with_total(v_after - v_before)
    dk = with_total(cost_change, other)
    per_extra = np.full(len(dv), np.nan)
    positive = dv > 1e-12
    per_extra[positive] = dk[positive] / (dv[positive] * weeks)
    return pd.DataFrame(
        {
            "staff_category": [*STAFF_CATEGORIES, "total"],
            "fte_before": with_total(fte),
            "fte_after": with_total(fte + delta),
            "clinical_hours_before_per_week": with_total(
                by_cat(ch_before, "clinical_hours_per_week")
            ),
            "clinical_hours_after_per_week": with_total(
                by_cat(ch_after, "clinical_hours_per_week")
            ),
            "appointments_before_per_week": with_total(v_before),
            "appointments_after_per_week": with_total(v_after),
            "appointments_change_per_week": dv,
            "effective_hours_change_per_week": with_total(e_change),
            "cost_change_per_year_sek": dk,
            "cost_per_extra_appointment_sek": per_extra,
        }
    )
