"""Staff hours and clinical hours: steps 1 and 2 of the capacity chain.

:func:`staff_hours` (contracted hours per staff category and week),
:func:`time_use_shares` (the time-use study) and :func:`clinical_hours`
(minus absence and non-clinical time).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.capacity._helpers import _by_category, _frame, _notes, _per_key
from toolkit.capacity.defaults import STAFF_CATEGORIES, Shares, default
from toolkit.i18n import check_language, t


def staff_hours(
    staff: pd.DataFrame,
    *,
    on: str | pd.Timestamp | None = None,
    full_time_hours_per_week: float | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Contracted hours per staff category and week, for the staff in post.

    Parameters
    ----------
    staff : pandas.DataFrame
        The ``staff`` table (:attr:`toolkit.io.UnitData.staff`): ``category``
        (or ``staff_category``), ``fte`` (share of full time, > 0 and ≤ 1),
        optionally ``hours_per_week`` (full-time hours; empty cells take
        ``full_time_hours_per_week``), ``start`` and ``end``.
    on : date, optional
        Count the rows in post on this day (``start`` empty or on or before it,
        ``end`` empty or on or after it). ``None`` counts the rows with no
        ``end`` date: the staff in post now.
    full_time_hours_per_week : float, default 40
        Full-time hours for rows with no ``hours_per_week`` (> 0 and ≤ 60).
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per staff category (all six, schema order). Columns:
        staff_category, headcount (rows in post), fte (sum),
        contracted_hours_per_week (sum of fte × full-time hours).
        ``attrs["notes"]`` says when defaults were used or no one is in post.

    Notes
    -----
    .. math:: C_k = \\sum_{i \\in k} f_i \\, h_i

    with :math:`f_i` the FTE of row :math:`i` (share of full time),
    :math:`h_i` its full-time hours per week (h/week) and :math:`C_k` the
    contracted hours per week of category :math:`k`.

    References
    ----------
    Arbetstidslagen (1982:673) 5 §: ordinary working time at most 40 hours a week.

    Examples
    --------
    >>> import pandas as pd
    >>> staff = pd.DataFrame({"staff_id": ["A", "B", "C"],
    ...                       "category": ["nurse", "nurse", "physician"],
    ...                       "fte": [1.0, 0.5, 0.8], "hours_per_week": [40.0, None, 40.0],
    ...                       "start": pd.to_datetime([None, None, "2024-05-01"]),
    ...                       "end": pd.to_datetime([None, "2024-03-31", None])})
    >>> staff_hours(staff, on="2024-03-01").iloc[[0, 2]].to_string(index=False)
    'staff_category  headcount  fte  contracted_hours_per_week\\n     physician          0  0.0                        0.0\\n         nurse          2  1.5                       60.0'
    """
    lang = check_language(lang)
    full_h = checks.in_range(
        "full_time_hours_per_week",
        default("full_time_hours_per_week")
        if full_time_hours_per_week is None
        else full_time_hours_per_week,
        lang,
        low=0.0,
        low_open=True,
        high=60.0,
        allowed={"sv": "> 0 och ≤ 60", "en": "> 0 and ≤ 60"},
    )
    category_col = "category" if "category" in getattr(staff, "columns", []) else "staff_category"
    staff = checks.columns("staff", staff, [category_col, "fte"], lang)
    notes: list[str] = []
    category = checks.categories(
        f"staff.{category_col}", staff[category_col], STAFF_CATEGORIES, lang
    )
    fte = pd.to_numeric(staff["fte"], errors="coerce").astype(float)
    checks.numbers("staff.fte", fte, lang, low=0.0, low_open=True, high=1.0)
    if "hours_per_week" in staff.columns:
        hours = pd.to_numeric(staff["hours_per_week"], errors="coerce").astype(float)
    else:
        hours = pd.Series(np.nan, index=staff.index, dtype=float)
    checks.numbers("staff.hours_per_week", hours.dropna(), lang, low=0.0, low_open=True, high=60.0)
    hours_missing = hours.isna()
    hours = hours.fillna(full_h)

    in_post = _in_post(staff, on, lang)
    in_post = in_post & category.notna()
    n_default = int((hours_missing & in_post).sum())
    if n_default:
        notes.append(t("capacity.note.hours_default", lang, count=n_default, hours=full_h))
    frame = pd.DataFrame(
        {
            "staff_category": category[in_post].astype(str),
            "headcount": 1,
            "fte": fte[in_post],
            "contracted_hours_per_week": (fte * hours)[in_post],
        }
    )
    grouped = frame.groupby("staff_category")[
        ["headcount", "fte", "contracted_hours_per_week"]
    ].sum()
    grouped = grouped.reindex(list(STAFF_CATEGORIES), fill_value=0)
    out = pd.DataFrame(
        {
            "staff_category": list(STAFF_CATEGORIES),
            "headcount": grouped["headcount"].to_numpy(dtype=np.int64),
            "fte": grouped["fte"].to_numpy(dtype=float),
            "contracted_hours_per_week": grouped["contracted_hours_per_week"].to_numpy(dtype=float),
        }
    )
    if len(frame) == 0:
        notes.append(t("capacity.note.no_staff", lang))
    out.attrs["notes"] = notes
    out.attrs["full_time_hours_per_week"] = full_h
    return out


def _in_post(staff: pd.DataFrame, on: str | pd.Timestamp | None, lang: str) -> pd.Series:
    """Rows of ``staff`` in post on the day ``on`` (no end date when ``on`` is None)."""
    start = pd.to_datetime(staff["start"]) if "start" in staff.columns else None
    end = pd.to_datetime(staff["end"]) if "end" in staff.columns else None
    if on is None:
        in_post = end.isna() if end is not None else pd.Series(True, index=staff.index)
    else:
        day = checks.date("on", on, lang)
        in_post = pd.Series(True, index=staff.index)
        if start is not None:
            in_post &= start.isna() | (start <= day)
        if end is not None:
            in_post &= end.isna() | (end >= day)
    return in_post


def time_use_shares(time_use: pd.DataFrame, *, lang: str | None = None) -> pd.DataFrame:
    """Share of each staff category's logged time spent on each activity and level.

    Parameters
    ----------
    time_use : pandas.DataFrame
        The ``time_use`` table: ``staff_category``, ``activity``, ``minutes``
        and optionally ``level``.
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per staff category, activity and level logged. Columns:
        staff_category, activity, level (empty when not given), minutes,
        share (minutes / all minutes of that staff category).
        :func:`clinical_hours` takes it as ``non_clinical_share``: everything
        but ``patient_direct`` is non-clinical.

    Notes
    -----
    .. math:: s_{k,a,l} = m_{k,a,l} / \\sum_{a', l'} m_{k,a',l'}

    with :math:`m` the minutes logged by category :math:`k` on activity
    :math:`a` at level :math:`l`.

    References
    ----------
    Socialstyrelsen's proposed support for mapping documentation and
    administration (clinical, organisational and national level); see
    docs/capacity.md.

    Examples
    --------
    >>> import pandas as pd
    >>> tu = pd.DataFrame({"staff_category": ["nurse"] * 3,
    ...                    "activity": ["patient_direct", "documentation", "meetings"],
    ...                    "level": ["clinical", "national", "organisational"],
    ...                    "minutes": [270.0, 120.0, 90.0]})
    >>> time_use_shares(tu)["share"].round(4).tolist()
    [0.25, 0.1875, 0.5625]
    """
    lang = check_language(lang)
    time_use = checks.columns("time_use", time_use, ["staff_category", "activity", "minutes"], lang)
    columns = ["staff_category", "activity", "level", "minutes", "share"]
    category = checks.categories(
        "time_use.staff_category", time_use["staff_category"], STAFF_CATEGORIES, lang
    )
    minutes = pd.to_numeric(time_use["minutes"], errors="coerce").astype(float)
    checks.numbers("time_use.minutes", minutes.dropna(), lang, low=0.0)
    level = (
        time_use["level"].astype("string")
        if "level" in time_use.columns
        else pd.Series(pd.NA, index=time_use.index, dtype="string")
    )
    frame = pd.DataFrame(
        {
            "staff_category": category,
            "activity": time_use["activity"].astype("string"),
            "level": level.fillna(""),
            "minutes": minutes.fillna(0.0),
        }
    ).dropna(subset=["staff_category", "activity"])
    if frame.empty:
        out = _frame({}, columns)
        out.attrs["notes"] = [t("capacity.note.no_time_use", lang)]
        return out
    grouped = frame.groupby(
        ["staff_category", "activity", "level"], as_index=False, sort=False
    ).agg(minutes=("minutes", "sum"))
    order = {c: i for i, c in enumerate(STAFF_CATEGORIES)}
    grouped["_o"] = grouped["staff_category"].map(order)
    grouped = grouped.sort_values(["_o", "activity", "level"], kind="stable").drop(columns="_o")
    total = grouped.groupby("staff_category")["minutes"].transform("sum")
    grouped["share"] = np.where(total > 0, grouped["minutes"] / total.where(total > 0, 1.0), 0.0)
    out = grouped[columns].reset_index(drop=True)
    out["staff_category"] = out["staff_category"].astype(str)
    out["activity"] = out["activity"].astype(str)
    out["level"] = out["level"].astype(str)
    out.attrs["notes"] = []
    return out


def _non_clinical_from_shares(shares: pd.DataFrame, lang: str) -> pd.Series:
    shares = checks.columns(
        "non_clinical_share", shares, ["staff_category", "activity", "share"], lang
    )
    categories = shares["staff_category"].astype(str)
    direct = shares["share"].where(shares["activity"].astype(str) == "patient_direct", 0.0)
    logged = shares.groupby(categories)["share"].sum()
    direct_sum = direct.groupby(categories).sum()
    return (1.0 - direct_sum[logged > 0]).clip(0.0, 1.0)


def _non_clinical(
    non_clinical_share: Shares | pd.DataFrame | None,
    contracted: pd.Series,
    notes: list[str],
    lang: str,
) -> tuple[pd.Series, pd.Series]:
    """Non-clinical share per category and where it came from (default, time_use, given).

    Appends a note to ``notes`` where the default is used.
    """
    default_n = float(default("non_clinical_share"))
    source = pd.Series("default", index=list(STAFF_CATEGORIES), dtype=object)
    if non_clinical_share is None:
        n = pd.Series(default_n, index=list(STAFF_CATEGORIES), dtype=float)
        notes.append(t("capacity.note.non_clinical_default", lang, share=default_n))
    elif isinstance(non_clinical_share, pd.DataFrame):
        measured = _non_clinical_from_shares(non_clinical_share, lang)
        n = pd.Series(default_n, index=list(STAFF_CATEGORIES), dtype=float)
        n.loc[measured.index] = measured.to_numpy()
        source.loc[measured.index] = "time_use"
        missing = [k for k in STAFF_CATEGORIES if k not in measured.index and contracted[k] > 0]
        if missing:
            notes.append(
                t(
                    "capacity.note.time_use_missing",
                    lang,
                    categories=", ".join(missing),
                    share=default_n,
                )
            )
    else:
        given_n = _per_key(
            "non_clinical_share", non_clinical_share, STAFF_CATEGORIES, lang, checks.share
        )
        n = pd.Series({k: given_n.get(k, default_n) for k in STAFF_CATEGORIES}, dtype=float)
        source.loc[list(given_n)] = "given"
    return n, source


def clinical_hours(
    staff_hours_table: pd.DataFrame,
    *,
    absence_share: Shares | None = None,
    non_clinical_share: Shares | pd.DataFrame | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Clinical hours per staff category and week: contracted hours minus absence and non-clinical time.

    Parameters
    ----------
    staff_hours_table : pandas.DataFrame
        The result of :func:`staff_hours` (columns ``staff_category``,
        ``fte``, ``contracted_hours_per_week``).
    absence_share : float or mapping, default 0.20
        Share of contracted hours lost to leave, sickness, training and other
        absence (0–1), one number or a mapping per staff category. The
        default and its sources are in ``toolkit/data/capacity_defaults.yaml``
        (annual leave under the collective agreement AB § 27, sick leave).
    non_clinical_share : float, mapping, DataFrame or None, default 0.75
        Share of the hours at work spent on anything but direct patient work
        (documentation, certificates, reporting, meetings, coordination,
        travel, other), 0–1. One number, a mapping per staff category, or the
        result of :func:`time_use_shares` (the share is then 1 − the share of
        ``patient_direct``; categories missing from the study take the
        default). ``None`` uses the default for all.
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per staff category. Columns: staff_category, fte,
        contracted_hours_per_week, absence_share, absence_hours_per_week,
        non_clinical_share, non_clinical_hours_per_week,
        clinical_hours_per_week, non_clinical_source (``"time_use"``,
        ``"given"`` or ``"default"``).

    Notes
    -----
    .. math::

        A_k = a_k \\, C_k, \\qquad N_k = n_k \\, (C_k - A_k), \\qquad
        H_k = C_k - A_k - N_k = C_k (1 - a_k)(1 - n_k)

    with :math:`C_k` contracted hours per week, :math:`a_k` the absence share,
    :math:`n_k` the non-clinical share of the time at work, and :math:`H_k`
    the clinical hours per week of staff category :math:`k`.

    References
    ----------
    CAPA: capacity = FTE × sessions × share of time in that work ×
    appointments per session × share actually worked (camhsnetwork.co.uk,
    "CAPA Demand and Capacity Modelling").

    Examples
    --------
    Two full-time psychologists at 40 h, 12 % absence, 45 % non-clinical:
    2 × 40 × 0.88 × 0.55 = 38.72 clinical hours a week.

    >>> import pandas as pd
    >>> staff = pd.DataFrame({"staff_id": ["A", "B"], "category": ["psychologist"] * 2,
    ...                       "fte": [1.0, 1.0], "hours_per_week": [40.0, 40.0]})
    >>> ch = clinical_hours(staff_hours(staff), absence_share=0.12, non_clinical_share=0.45)
    >>> ch.loc[1, ["absence_hours_per_week", "non_clinical_hours_per_week",
    ...            "clinical_hours_per_week"]].round(2).tolist()
    [9.6, 31.68, 38.72]
    """
    lang = check_language(lang)
    table = checks.columns(
        "staff_hours_table",
        staff_hours_table,
        ["staff_category", "contracted_hours_per_week"],
        lang,
    )
    notes = _notes(table)
    contracted = _by_category(
        table.groupby(table["staff_category"].astype(str))["contracted_hours_per_week"].sum()
    )
    fte = (
        _by_category(table.groupby(table["staff_category"].astype(str))["fte"].sum())
        if "fte" in table.columns
        else pd.Series(np.nan, index=list(STAFF_CATEGORIES))
    )
    checks.numbers(
        "staff_hours_table.contracted_hours_per_week", contracted.dropna(), lang, low=0.0
    )

    default_absence = float(default("absence_share"))
    given_a = _per_key(
        "absence_share",
        default_absence if absence_share is None else absence_share,
        STAFF_CATEGORIES,
        lang,
        checks.share,
    )
    a = pd.Series({k: given_a.get(k, default_absence) for k in STAFF_CATEGORIES}, dtype=float)

    n, source = _non_clinical(non_clinical_share, contracted, notes, lang)

    absence = contracted * a
    non_clinical = (contracted - absence) * n
    clinical = contracted - absence - non_clinical
    out = pd.DataFrame(
        {
            "staff_category": list(STAFF_CATEGORIES),
            "fte": fte.to_numpy(dtype=float),
            "contracted_hours_per_week": contracted.to_numpy(),
            "absence_share": a.to_numpy(),
            "absence_hours_per_week": absence.to_numpy(),
            "non_clinical_share": n.to_numpy(),
            "non_clinical_hours_per_week": non_clinical.to_numpy(),
            "clinical_hours_per_week": clinical.to_numpy(),
            "non_clinical_source": source.to_numpy(),
        }
    )
    out.attrs["notes"] = notes
    return out
