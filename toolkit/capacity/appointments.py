"""Appointments per week: step 3 of the capacity chain.

Clinical hours split over visit types and divided by the clinician time an
appointment takes, with no-shows, group sessions and digital visits
(:func:`appointments_per_week`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.capacity._helpers import (
    _by_category,
    _group_parameters,
    _notes,
    _per_key,
    _shares_summing_to_one,
)
from toolkit.capacity.defaults import (
    _MIN_PER_H,
    _SUM_TOL,
    STAFF_CATEGORIES,
    VISIT_TYPES,
    Shares,
    default,
)
from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t


def _visit_profile(
    visits: pd.DataFrame, group_size: float, group_clinicians: float, lang: str | None = None
) -> dict[str, pd.DataFrame | pd.Series]:
    """Measured mix, durations, DNA, group and digital shares from a visits table.

    ``lang``: the language of the errors of a caller that takes one (None:
    the current language).
    """
    visits = checks.columns("visits", visits, ["visit_type", "staff_category", "status"], lang)
    cat = checks.categories(
        "visits.staff_category", visits["staff_category"], STAFF_CATEGORIES, lang
    )
    vt = checks.categories("visits.visit_type", visits["visit_type"], VISIT_TYPES, lang)
    status = visits["status"].astype("string")
    mode = (
        visits["mode"].astype("string")
        if "mode" in visits.columns
        else pd.Series("physical", index=visits.index, dtype="string")
    ).fillna("physical")
    duration = (
        pd.to_numeric(visits["duration_min"], errors="coerce").astype(float)
        if "duration_min" in visits.columns
        else pd.Series(np.nan, index=visits.index, dtype=float)
    )
    default_d = default("mean_duration_min")
    duration = duration.fillna(vt.map(default_d).astype(float))
    booked = status.isin(["attended", "did_not_attend"]) & cat.notna() & vt.notna()
    is_group = (mode == "group").fillna(False)
    weight = pd.Series(np.where(is_group, group_clinicians / group_size, 1.0), index=visits.index)
    frame = pd.DataFrame(
        {
            "staff_category": cat,
            "visit_type": vt,
            "clinician_h": duration * weight / _MIN_PER_H,
            "duration": duration,
            "attended": (status == "attended").fillna(False).astype(float),
            "dna": (status == "did_not_attend").fillna(False).astype(float),
            "group": is_group.astype(float),
            "digital": (mode == "digital").fillna(False).astype(float),
            "individual": (~is_group).astype(float),
        }
    )[booked]
    frame["is_treatment"] = (frame["visit_type"] == "treatment").astype(float)
    frame["group_treatment"] = frame["group"] * frame["is_treatment"]
    frame["ind_duration"] = frame["duration"] * frame["individual"]
    by_ct = frame.groupby(["staff_category", "visit_type"])[
        ["clinician_h", "ind_duration", "individual"]
    ].sum()
    by_c = frame.groupby("staff_category")[
        ["clinician_h", "attended", "dna", "digital", "group_treatment", "is_treatment"]
    ].sum()
    by_c["n"] = frame.groupby("staff_category").size()
    return {"by_ct": by_ct, "by_c": by_c}


def _wide(by_ct: pd.DataFrame, column: str, cats: list[str], types: list[str]) -> pd.DataFrame:
    """A (category, visit type) column as a category × visit type table (0 where absent)."""
    wide = by_ct.reset_index().pivot_table(
        index="staff_category", columns="visit_type", values=column, aggfunc="sum", observed=True
    )
    return wide.reindex(index=cats, columns=types).fillna(0.0).astype(float)


def appointments_per_week(
    clinical_hours_table: pd.DataFrame,
    visits: pd.DataFrame | None = None,
    *,
    visit_mix: Mapping[str, float] | None = None,
    mean_duration_min: Shares | None = None,
    dna_rate: Shares | None = None,
    share_group: Shares | None = None,
    share_digital: Shares | None = None,
    group_size: float | None = None,
    group_clinicians: float | None = None,
    digital_time_factor: float | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Appointments a week per staff category and visit type that the clinical hours allow.

    Each staff category's clinical hours are split over the visit types
    (``visit_mix``) and divided by the clinician time one appointment takes,
    which depends on the mode: a digital visit takes ``digital_time_factor``
    of the time, and a group session of ``group_size`` patients led by
    ``group_clinicians`` clinicians takes ``group_clinicians / group_size`` of
    the time per patient. No-shows (``dna_rate``) use booked slots without
    anyone being seen.

    Parameters
    ----------
    clinical_hours_table : pandas.DataFrame
        The result of :func:`clinical_hours` (``staff_category``,
        ``clinical_hours_per_week``).
    visits : pandas.DataFrame, optional
        The ``visits`` table. When given, the unit's own mix of clinician
        hours over visit types, mean booked lengths, DNA rate and shares of
        group and digital visits are measured from it (per staff category;
        booked = attended + did not attend; cancelled visits are left out).
        Keyword arguments given explicitly override what is measured.
    visit_mix : mapping, optional
        Share of clinical hours per visit type (0–1 each, summing to 1), the
        same for every category. Default: measured, else 15/30/40/15 %.
    mean_duration_min : float or mapping per visit type, optional
        Booked length of a one-to-one appointment in minutes (> 0).
    dna_rate : float or mapping per staff category, optional
        Share of booked appointments not attended (0–1; default 0.05).
    share_group : float or mapping per staff category, optional
        Share of *treatment* appointments held as group sessions (0–1;
        default 0). Other visit types are one-to-one.
    share_digital : float or mapping per staff category, optional
        Share of one-to-one appointments held digitally (0–1; default 0).
        ``share_group`` + ``share_digital`` must not exceed 1 for treatment.
    group_size : float, default 6
        Patients per group session (≥ 1).
    group_clinicians : float, default 2
        Clinicians leading a group session (> 0).
    digital_time_factor : float, default 0.9
        Clinician time of a digital visit relative to a physical one (> 0).
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per staff category and visit type (6 × 4). Columns:
        staff_category, visit_type, clinical_hours_per_week (the share of the
        category's clinical hours for this type), mean_duration_min,
        share_group, share_digital, clinician_minutes_per_appointment (mean
        over modes), booked_appointments_per_week, dna_rate,
        lost_to_dna_per_week, attended_appointments_per_week,
        patients_per_clinician_hour, effective_hours_per_week (the one-to-one
        clinician hours the attended appointments would have taken: the
        capacity :func:`balance` sets against demand in hours).

    Notes
    -----
    For category :math:`k` and visit type :math:`v`:

    .. math::

        H_{kv} = w_{kv} H_k, \\qquad
        m_{kv} = d_v \\left[(1 - g - s) + s\\,f + g\\,\\frac{c}{G}\\right], \\qquad
        B_{kv} = \\frac{60\\, H_{kv}}{m_{kv}}, \\qquad
        V_{kv} = (1 - r_k) B_{kv}, \\qquad
        E_{kv} = V_{kv} d_v / 60

    with :math:`H_k` clinical hours per week, :math:`w_{kv}` the visit mix,
    :math:`d_v` the one-to-one length (min), :math:`g` the group share (only
    for treatment), :math:`s` the digital share, :math:`f` the digital time
    factor, :math:`G` patients and :math:`c` clinicians per group session,
    :math:`m_{kv}` clinician minutes per appointment, :math:`B` booked and
    :math:`V` attended appointments per week, :math:`r_k` the DNA rate and
    :math:`E` the effective (one-to-one equivalent) hours per week.

    References
    ----------
    CAPA: appointments per session and "share actually worked"
    (camhsnetwork.co.uk, "CAPA Demand and Capacity Modelling"). Scottish
    Government, *Understanding Capacity and Demand: a resource pack* (activity
    lost to DNAs).

    Examples
    --------
    38.72 clinical hours of 60-minute treatment appointments, 10 % DNA:
    38.72 booked, 34.848 attended.

    >>> import pandas as pd
    >>> ch = pd.DataFrame({"staff_category": ["psychologist"],
    ...                    "clinical_hours_per_week": [38.72]})
    >>> ap = appointments_per_week(ch, visit_mix={"treatment": 1.0},
    ...                            mean_duration_min=60, dna_rate=0.10)
    >>> row = ap.query("staff_category == 'psychologist' and visit_type == 'treatment'")
    >>> row[["booked_appointments_per_week", "attended_appointments_per_week"]].round(3).values.tolist()
    [[38.72, 34.848]]
    """
    lang = check_language(lang)
    table = checks.columns(
        "clinical_hours_table",
        clinical_hours_table,
        ["staff_category", "clinical_hours_per_week"],
        lang,
    )
    notes = _notes(table)
    hours = _by_category(
        table.groupby(table["staff_category"].astype(str))["clinical_hours_per_week"].sum()
    )
    checks.numbers("clinical_hours_table.clinical_hours_per_week", hours.dropna(), lang, low=0.0)
    size, leaders = _group_parameters(group_size, group_clinicians, lang)
    f = checks.positive(
        "digital_time_factor",
        default("digital_time_factor") if digital_time_factor is None else digital_time_factor,
        lang,
    )
    parameters = _apply_given(
        _parameters(visits, hours, size, leaders, notes, lang),
        visit_mix,
        mean_duration_min,
        (dna_rate, share_group, share_digital),
        lang,
    )
    out = _appointment_table(hours, parameters, size, leaders, f)
    out["staff_category"] = out["staff_category"].astype(str)
    out["visit_type"] = out["visit_type"].astype(str)
    if float(hours.sum()) == 0.0:
        notes.append(t("capacity.note.no_clinical_hours", lang))
    out.attrs["notes"] = notes
    out.attrs["group_size"] = size
    out.attrs["group_clinicians"] = leaders
    out.attrs["digital_time_factor"] = f
    return out


def _parameters(
    visits: pd.DataFrame | None,
    hours: pd.Series,
    size: float,
    leaders: float,
    notes: list[str],
    lang: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """Visit mix, lengths, DNA, group and digital shares: defaults, then what the visits show.

    Appends a note to ``notes`` where visits are missing for a category with hours.
    """
    cats, types = list(STAFF_CATEGORIES), list(VISIT_TYPES)

    # Defaults, then what the visits show, then what the caller gave.
    default_mix = default("visit_mix")
    mix = pd.DataFrame(
        [[float(default_mix[v]) for v in types] for _ in cats], index=cats, columns=types
    )
    d_default = default("mean_duration_min")
    duration = pd.DataFrame(
        [[float(d_default[v]) for v in types] for _ in cats], index=cats, columns=types
    )
    dna = pd.Series(float(default("dna_rate")), index=cats)
    grp = pd.Series(float(default("share_group")), index=cats)
    dig = pd.Series(float(default("share_digital")), index=cats)

    if visits is not None and len(visits) > 0:
        prof = _visit_profile(visits, size, leaders, lang)
        by_ct, by_c = prof["by_ct"], prof["by_c"]
        assert isinstance(by_ct, pd.DataFrame) and isinstance(by_c, pd.DataFrame)
        h_ct = _wide(by_ct, "clinician_h", cats, types)
        total = h_ct.sum(axis=1)
        seen = total > 0
        mix.loc[seen] = h_ct.loc[seen].div(total[seen], axis=0).to_numpy()
        ind = _wide(by_ct, "individual", cats, types)
        ind_d = _wide(by_ct, "ind_duration", cats, types)
        measured_d = ind_d / ind.where(ind > 0)
        duration = measured_d.fillna(duration)
        by_c = by_c.reindex(cats)
        n = by_c["n"].fillna(0.0)
        has = n > 0
        dna.loc[has] = (by_c["dna"] / n)[has]
        dig.loc[has] = (by_c["digital"] / n)[has]
        treat = by_c["is_treatment"].fillna(0.0)
        has_t = treat > 0
        grp.loc[has_t] = (by_c["group_treatment"] / treat.where(has_t))[has_t]
        missing = [k for k in cats if hours[k] > 0 and not has[k]]
        if missing:
            notes.append(t("capacity.note.no_visits_for", lang, categories=", ".join(missing)))
    elif visits is not None:
        notes.append(t("capacity.note.no_visits", lang))
    return mix, duration, dna, grp, dig


def _apply_given(
    parameters: tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series, pd.Series],
    visit_mix: Mapping[str, float] | None,
    mean_duration_min: Shares | None,
    shares: tuple[Shares | None, Shares | None, Shares | None],
    lang: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """The parameters with the caller's values put in, checked: group + digital ≤ 1."""
    mix, duration, dna, grp, dig = parameters
    cats, types = list(STAFF_CATEGORIES), list(VISIT_TYPES)
    dna_rate, share_group, share_digital = shares
    if visit_mix is not None:
        given_mix = _shares_summing_to_one("visit_mix", visit_mix, VISIT_TYPES, lang)
        mix = pd.DataFrame([[given_mix[v] for v in types] for _ in cats], index=cats, columns=types)
    if mean_duration_min is not None:
        given_d = _per_key(
            "mean_duration_min", mean_duration_min, VISIT_TYPES, lang, checks.positive
        )
        for v, value in given_d.items():
            duration[v] = value
    for name, given, target in (
        ("dna_rate", dna_rate, dna),
        ("share_group", share_group, grp),
        ("share_digital", share_digital, dig),
    ):
        if given is not None:
            values = _per_key(name, given, STAFF_CATEGORIES, lang, checks.share)
            for k, value in values.items():
                target[k] = value
    too_much = (grp + dig) > 1.0 + _SUM_TOL
    if bool(too_much.any()):
        k = str(too_much[too_much].index[0])
        raise ParameterError(
            "capacity.group_digital_sum",
            argument="share_group + share_digital",
            value=round(float(grp[k] + dig[k]), 6),
            category=k,
            lang=lang,
        )
    return mix, duration, dna, grp, dig


def _appointment_table(
    hours: pd.Series,
    parameters: tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series, pd.Series],
    size: float,
    leaders: float,
    f: float,
) -> pd.DataFrame:
    """One row per (category, visit type): booked and attended appointments, the formulas above."""
    mix, duration, dna, grp, dig = parameters
    cats, types = list(STAFF_CATEGORIES), list(VISIT_TYPES)
    # Long table: one row per (category, visit type).
    cat_col = np.repeat(np.array(cats, dtype=object), len(types))
    type_col = np.tile(np.array(types, dtype=object), len(cats))
    h = (mix.to_numpy() * hours.to_numpy()[:, None]).ravel()
    d = duration.to_numpy().ravel()
    is_treat = type_col == "treatment"
    g = np.where(is_treat, np.repeat(grp.to_numpy(), len(types)), 0.0)
    s_all = np.repeat(dig.to_numpy(), len(types))
    # Digital share is of one-to-one appointments for non-treatment types, and
    # of all treatment appointments (so g + s ≤ 1 there).
    s = s_all
    r = np.repeat(dna.to_numpy(), len(types))
    per_appt = d * ((1.0 - g - s) + s * f + g * leaders / size)
    booked = np.divide(h * _MIN_PER_H, per_appt, out=np.zeros_like(h), where=per_appt > 0)
    attended = (1.0 - r) * booked
    return pd.DataFrame(
        {
            "staff_category": cat_col,
            "visit_type": type_col,
            "clinical_hours_per_week": h,
            "mean_duration_min": d,
            "share_group": g,
            "share_digital": s,
            "clinician_minutes_per_appointment": per_appt,
            "booked_appointments_per_week": booked,
            "dna_rate": r,
            "lost_to_dna_per_week": booked - attended,
            "attended_appointments_per_week": attended,
            "patients_per_clinician_hour": np.divide(
                attended, h, out=np.zeros_like(h), where=h > 0
            ),
            "effective_hours_per_week": attended * d / _MIN_PER_H,
        }
    )
