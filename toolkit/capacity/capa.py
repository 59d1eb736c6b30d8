"""The CAPA formulas in their published form (:func:`capa_capacity`, :func:`capa_demand`)."""

from __future__ import annotations

from toolkit import _checks as checks
from toolkit.capacity.defaults import default


def capa_capacity(
    fte: float,
    *,
    share_core: float,
    sessions_per_week_per_fte: float = 10.0,
    appointments_per_session: float | None = None,
    share_worked: float = 45.0 / 52.0,
) -> float:
    """CAPA's capacity in appointments a week: FTE × sessions × share in core work × appointments per session × share worked.

    Parameters
    ----------
    fte : float
        Full-time equivalents in the team (≥ 0).
    share_core : float
        Share of time in Choice and Core Partnership work (0–1; CAPA teams
        manage 0.30–0.40).
    sessions_per_week_per_fte : float, default 10
        Half-day sessions in a full-time week (> 0).
    appointments_per_session : float, default 2
        Appointments in a 3.5-hour session (> 0).
    share_worked : float, default 45/52
        Share of weeks actually worked (0–1).

    Returns
    -------
    float
        Appointments per week.

    Notes
    -----
    .. math:: K = F \\times S \\times s_{\\text{core}} \\times a \\times w

    References
    ----------
    camhsnetwork.co.uk, "CAPA Demand and Capacity Modelling" (Capacity = FTE ×
    10 × percentage capacity in Choice and Core Partnership × appointments per
    session × % time worked). The same chain is :func:`clinical_hours` with
    ``absence_share = 1 − w`` and ``non_clinical_share = 1 − s_core`` followed
    by :func:`appointments_per_week` with 105-minute appointments.

    Examples
    --------
    capa.co.uk, "Rules of thumb": 12 FTE with 30 % in core work and no leave
    give 12 × 10 × 0.3 × 2 = 72 appointments a week.

    >>> capa_capacity(12, share_core=0.3, share_worked=1.0)
    72.0
    """
    f = checks.non_negative("fte", fte)
    s = checks.share("share_core", share_core)
    n = checks.positive("sessions_per_week_per_fte", sessions_per_week_per_fte)
    a = checks.positive(
        "appointments_per_session",
        default("capa_appointments_per_session")
        if appointments_per_session is None
        else appointments_per_session,
    )
    w = checks.share("share_worked", share_worked)
    return f * n * s * a * w


def capa_demand(
    accepted_referrals_per_week: float,
    *,
    choice_hours: float = 1.0,
    share_to_partnership: float = 0.66,
    partnership_hours: float = 7.5,
    co_therapy_rate: float = 0.0,
) -> float:
    """CAPA's demand in clinician hours a week.

    Parameters
    ----------
    accepted_referrals_per_week : float
        Accepted referrals per week (≥ 0).
    choice_hours : float, default 1
        Clinician hours of Choice per referral (≥ 0).
    share_to_partnership : float, default 0.66
        Share transferring from Choice to Partnership (0–1).
    partnership_hours : float, default 7.5
        Clinician hours of Core Partnership per episode (≥ 0).
    co_therapy_rate : float, default 0
        Co-therapy rate (≥ 0).

    Returns
    -------
    float
        Clinician hours per week.

    Notes
    -----
    .. math:: D = R\\,(h_C + p\\,h_P\\,(1 + c))

    References
    ----------
    camhsnetwork.co.uk, "CAPA Demand and Capacity Modelling" (Demand =
    Accepted Referrals × (Choice hours + Percentage transferring to
    Partnership × (Partnership hours × (1 + Percentage Co-therapy rate)))).
    :func:`demand_hours` with ``share_deep_in_depth_assessment=0`` gives the
    same total.

    Examples
    --------
    >>> round(capa_demand(12, share_to_partnership=2 / 3), 6)
    72.0
    """
    r = checks.non_negative("accepted_referrals_per_week", accepted_referrals_per_week)
    hc = checks.non_negative("choice_hours", choice_hours)
    p = checks.share("share_to_partnership", share_to_partnership)
    hp = checks.non_negative("partnership_hours", partnership_hours)
    c = checks.non_negative("co_therapy_rate", co_therapy_rate)
    return r * (hc + p * hp * (1.0 + c))
