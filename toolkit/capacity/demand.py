"""Demand in clinician hours: step 4 of the capacity chain (CAPA).

:func:`demand_hours` (accepted referrals × hours per episode of each pathway
step, split over staff categories), with the unit's own staff mix
(:func:`staff_mix_from_visits`) and hours per episode
(:func:`hours_per_episode_from_visits`) measured from its visits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.capacity._helpers import _group_parameters, _per_key, _shares_summing_to_one
from toolkit.capacity.appointments import _visit_profile
from toolkit.capacity.defaults import _STEP_OF_VISIT_TYPE, PATHWAY_STEPS, STAFF_CATEGORIES, default
from toolkit.i18n import check_language, t


def staff_mix_from_visits(visits: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Share of each pathway step's clinician hours delivered by each staff category.

    Measured from attended and not-attended visits (booked hours); visit types
    map to steps as first_assessment → first_assessment, assessment →
    in_depth_assessment, treatment and follow_up → treatment_course. Steps with
    no visits keep the default mix. Pass the result as ``staff_mix`` to
    :func:`demand_hours`.

    Returns
    -------
    dict
        ``{step: {staff_category: share}}``, each step's shares summing to 1.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"visit_type": ["first_assessment"] * 2,
    ...                   "staff_category": ["nurse", "physician"],
    ...                   "status": ["attended", "attended"], "duration_min": [60.0, 20.0]})
    >>> staff_mix_from_visits(v)["first_assessment"]["nurse"]
    0.75
    """
    prof = _visit_profile(visits, float(default("group_size")), float(default("group_clinicians")))
    by_ct = prof["by_ct"]
    assert isinstance(by_ct, pd.DataFrame)
    hours = by_ct["clinician_h"].reset_index()
    hours["step"] = hours["visit_type"].astype(str).map(_STEP_OF_VISIT_TYPE)
    per_step = hours.groupby(["step", "staff_category"])["clinician_h"].sum()
    mix = default("staff_mix")
    for step in PATHWAY_STEPS:
        if step not in per_step.index.get_level_values(0):
            continue
        part = per_step.loc[step]
        total = float(part.sum())
        if total > 0:
            mix[step] = {k: float(part.get(k, 0.0)) / total for k in STAFF_CATEGORIES}
    return mix


def hours_per_episode_from_visits(
    visits: pd.DataFrame,
    start: Any,
    end: Any,
    *,
    share_deep_in_depth_assessment: float | None = None,
    group_size: float | None = None,
    group_clinicians: float | None = None,
) -> dict[str, float] | None:
    """The unit's own clinician hours per episode of each pathway step, measured from its visits.

    Clinician hours of the attended visits of each step dated in
    ``[start, end]`` (visit types map to steps as in
    :func:`staff_mix_from_visits`; a group visit row counts its length ×
    ``group_clinicians / group_size``), divided by the episodes that passed
    through the step in the window: for the first assessment the referrals
    first assessed in it (an attended first-assessment visit), for the two
    second-stage steps the referrals whose first in-depth assessment or
    treatment visit in the visits table falls in it, split by the share
    ``q`` that :func:`demand_hours` uses. Pass the result as
    ``hours_per_episode`` to :func:`demand_hours` with the same ``q``.

    Parameters
    ----------
    visits : pandas.DataFrame
        The ``visits`` table: ``referral_id``, ``date``, ``visit_type``,
        ``staff_category``, ``status`` and optionally ``duration_min`` and
        ``mode``. It should cover the window and some time before it, so
        that a course begun before the window is not counted as begun in it.
    start, end : date-like
        First and last day of the window (both included).
    share_deep_in_depth_assessment : float, default 0.4
        The share ``q`` of second-stage episodes that are in-depth
        assessments (see :func:`demand_hours`).
    group_size, group_clinicians : float, default 6 and 2
        Patients and clinicians of a group visit.

    Returns
    -------
    dict or None
        ``{step: hours per episode}``; None when no referral was first
        assessed, or none began the second stage, in the window (nothing to
        measure against).

    Notes
    -----
    .. math::

        h_1 = \\frac{H_1}{N_1}, \\qquad h_2 = \\frac{H_2}{q\\,N_2}, \\qquad
        h_3 = \\frac{H_3}{(1 - q)\\,N_2}

    with :math:`H_j` the clinician hours of step :math:`j`'s attended visits
    in the window (follow-up visits count to the treatment course),
    :math:`N_1` the referrals first assessed and :math:`N_2` those that began
    the second stage in the window. With these, :func:`demand_hours` gives
    :math:`D_1 = R\\,H_1/N_1` and :math:`D_j = R\\,p\\,H_j/N_2` for the
    second-stage steps, whatever ``q``: the hours the unit's own episodes
    took, for the episodes the accepted referrals will need. In a steady
    flow (:math:`R \\approx N_1`, :math:`R\\,p \\approx N_2`) demand equals
    the observed activity; where a stage is short, fewer begin it than need
    it and demand exceeds the activity.

    References
    ----------
    camhsnetwork.co.uk, "CAPA Demand and Capacity Modelling" (demand =
    accepted referrals × hours per episode; "replace with the unit's own
    figures").

    Examples
    --------
    Two referrals first assessed (1 h each); a then has an in-depth
    assessment visit of 3 h, b a treatment visit of 1.5 h. With q = 1/2:
    h = (2 / 2, 3 / (1/2 × 2), 1.5 / (1/2 × 2)) = (1, 3, 1.5).

    >>> import pandas as pd
    >>> v = pd.DataFrame({"referral_id": ["a", "b", "a", "b"],
    ...     "date": pd.to_datetime(["2024-01-02"] * 2 + ["2024-01-09"] * 2),
    ...     "visit_type": ["first_assessment", "first_assessment", "assessment", "treatment"],
    ...     "staff_category": ["nurse"] * 4, "status": ["attended"] * 4,
    ...     "duration_min": [60.0, 60.0, 180.0, 90.0]})
    >>> hours_per_episode_from_visits(v, "2024-01-01", "2024-01-31",
    ...                               share_deep_in_depth_assessment=0.5)
    {'first_assessment': 1.0, 'in_depth_assessment': 3.0, 'treatment_course': 1.5}
    """
    visits = checks.columns("visits", visits, ["referral_id", "date", "visit_type", "status"])
    q = checks.share(
        "share_deep_in_depth_assessment",
        default("share_deep_in_depth_assessment")
        if share_deep_in_depth_assessment is None
        else share_deep_in_depth_assessment,
    )
    size, leaders = _group_parameters(group_size, group_clinicians)
    date = pd.to_datetime(visits["date"], errors="coerce")
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    attended = (visits["status"].astype("string") == "attended").fillna(False).to_numpy()
    vtype = visits["visit_type"].astype("string")
    inside = ((date >= lo) & (date <= hi)).to_numpy()
    part = visits[inside & attended]
    prof = _visit_profile(part, size, leaders)
    by_ct = prof["by_ct"]
    assert isinstance(by_ct, pd.DataFrame)
    hours = by_ct["clinician_h"].reset_index()
    per_step = hours.groupby(hours["visit_type"].astype(str).map(_STEP_OF_VISIT_TYPE))[
        "clinician_h"
    ].sum()
    n_first = int(part.loc[vtype[inside & attended] == "first_assessment", "referral_id"].nunique())
    deep = (vtype.isin(["assessment", "treatment"]).fillna(False).to_numpy()) & attended
    began = date[deep].groupby(visits.loc[deep, "referral_id"].to_numpy()).min()
    n_deep = int(((began >= lo) & (began <= hi)).sum())
    if n_first == 0 or n_deep == 0:
        return None
    episodes = {
        "first_assessment": float(n_first),
        "in_depth_assessment": q * n_deep,
        "treatment_course": (1.0 - q) * n_deep,
    }
    default_h = default("hours_per_episode")
    return {
        step: float(per_step.get(step, 0.0)) / episodes[step]
        if episodes[step] > 0
        else float(default_h[step])
        for step in PATHWAY_STEPS
    }


def demand_hours(
    arrivals_per_week: float,
    *,
    hours_per_episode: Mapping[str, float] | None = None,
    share_to_deep: float | None = None,
    share_deep_in_depth_assessment: float | None = None,
    co_therapy_rate: float | None = None,
    staff_mix: Mapping[str, Mapping[str, float]] | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Clinician hours a week that the accepted referrals need, per pathway step and staff category.

    Parameters
    ----------
    arrivals_per_week : float
        Accepted referrals per week (≥ 0).
    hours_per_episode : mapping, optional
        Clinician hours per episode for ``first_assessment``,
        ``in_depth_assessment`` and ``treatment_course`` (≥ 0 each; keys left
        out take the defaults 1, 12 and 7.5).
    share_to_deep : float, default 0.66
        Share of accepted referrals that go on to in-depth assessment or
        treatment after the first assessment (0–1).
    share_deep_in_depth_assessment : float, default 0.4
        Of those going on, the share who get an in-depth assessment; the rest
        a treatment course (0–1).
    co_therapy_rate : float, default 0
        Extra clinicians per hour of in-depth assessment and treatment (≥ 0;
        0.25 means a quarter of the hours have two clinicians).
    staff_mix : mapping, optional
        ``{step: {staff_category: share}}``: who delivers each step's hours
        (each step's shares sum to 1). Default: the sample units' mix; use
        :func:`staff_mix_from_visits` for the unit's own.
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per pathway step and staff category (3 × 6). Columns:
        pathway_step, staff_category, arrivals_per_week, share_of_arrivals
        (share of accepted referrals that go through the step),
        hours_per_episode, staff_share, demand_hours_per_week.

    Notes
    -----
    .. math::

        D = R\\left[h_1 + p\\left(q\\,h_2 + (1 - q)\\,h_3\\right)(1 + c)\\right],
        \\qquad D_{jk} = R\\,\\pi_j h_j (1 + c_j)\\,\\mu_{jk}

    with :math:`R` accepted referrals per week, :math:`h_1, h_2, h_3` hours
    per first assessment, in-depth assessment and treatment course,
    :math:`p` the share going on, :math:`q` the share of those assessed in
    depth, :math:`c` the co-therapy rate (:math:`c_1 = 0`), :math:`\\pi_j` the
    share of arrivals through step :math:`j` and :math:`\\mu_{jk}` the share
    of step :math:`j`'s hours given by staff category :math:`k`. With
    :math:`q = 0` this is CAPA's demand = accepted referrals × (Choice hours +
    share transferring × Partnership hours × (1 + co-therapy rate)).

    References
    ----------
    camhsnetwork.co.uk, "CAPA Demand and Capacity Modelling"; capa.co.uk,
    "Rules of thumb" (1 h Choice + 66 % × 7.5 h Core Partnership ≈ 6 h per
    accepted referral).

    Examples
    --------
    CAPA's rule of thumb: 12 accepted referrals a week, 1 h Choice, 2/3 go on
    to 7.5 h of Core Partnership: 12 × (1 + 5) = 72 hours a week.

    >>> d = demand_hours(12, hours_per_episode={"first_assessment": 1.0,
    ...                  "treatment_course": 7.5}, share_to_deep=2 / 3,
    ...                  share_deep_in_depth_assessment=0.0)
    >>> round(float(d["demand_hours_per_week"].sum()), 6)
    72.0
    """
    lang = check_language(lang)
    r = checks.non_negative("arrivals_per_week", arrivals_per_week, lang)
    h = {k: float(v) for k, v in default("hours_per_episode").items()}
    if hours_per_episode is not None:
        h.update(
            _per_key(
                "hours_per_episode", hours_per_episode, PATHWAY_STEPS, lang, checks.non_negative
            )
        )
    p = checks.share(
        "share_to_deep", default("share_to_deep") if share_to_deep is None else share_to_deep, lang
    )
    q = checks.share(
        "share_deep_in_depth_assessment",
        default("share_deep_in_depth_assessment")
        if share_deep_in_depth_assessment is None
        else share_deep_in_depth_assessment,
        lang,
    )
    c = checks.non_negative(
        "co_therapy_rate",
        default("co_therapy_rate") if co_therapy_rate is None else co_therapy_rate,
        lang,
    )
    mix_default = default("staff_mix")
    mix: dict[str, dict[str, float]] = {}
    for step in PATHWAY_STEPS:
        given = None if staff_mix is None else staff_mix.get(step)
        mix[step] = _shares_summing_to_one(
            f"staff_mix[{step!r}]",
            given if given is not None else mix_default[step],
            STAFF_CATEGORIES,
            lang,
        )
    if staff_mix is not None:
        for k in staff_mix:
            checks.one_of("staff_mix", k, PATHWAY_STEPS, lang)
    through = {
        "first_assessment": 1.0,
        "in_depth_assessment": p * q,
        "treatment_course": p * (1 - q),
    }
    extra = {"first_assessment": 1.0, "in_depth_assessment": 1.0 + c, "treatment_course": 1.0 + c}
    steps = np.repeat(np.array(PATHWAY_STEPS, dtype=object), len(STAFF_CATEGORIES))
    cats = np.tile(np.array(STAFF_CATEGORIES, dtype=object), len(PATHWAY_STEPS))
    share_arr = np.array([through[s] for s in steps])
    hours_arr = np.array([h[s] * extra[s] for s in steps])
    mu = np.array([mix[s][k] for s, k in zip(steps, cats, strict=True)])
    out = pd.DataFrame(
        {
            "pathway_step": steps.astype(str),
            "staff_category": cats.astype(str),
            "arrivals_per_week": r,
            "share_of_arrivals": share_arr,
            "hours_per_episode": hours_arr,
            "staff_share": mu,
            "demand_hours_per_week": r * share_arr * hours_arr * mu,
        }
    )
    notes = []
    if r == 0:
        notes.append(t("capacity.note.no_demand", lang))
    out.attrs["notes"] = notes
    return out
