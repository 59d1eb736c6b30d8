"""Staff time to capacity, demand in hours, the balance and what it costs.

The chain a coach walks through with a unit (PKS: kapacitetsbehov,
tillgänglig kapacitet, beslut för balans):

1. :func:`staff_hours`: contracted hours per staff category and week, from
   the ``staff`` table (who is in post on a date).
2. :func:`clinical_hours`: minus absence and non-clinical time (from the
   time-use study via :func:`time_use_shares`, or stated shares).
3. :func:`appointments_per_week`: clinical hours split over visit types and
   divided by the clinician time an appointment takes, with no-shows, group
   sessions and digital visits.
4. :func:`demand_hours`: accepted referrals × clinician hours per episode for
   each step of the pathway (CAPA), split over staff categories.
5. :func:`balance`: capacity against demand per staff category, and
   :func:`capacity_80_rule` (DCAQ) for capacity that copes with variation.
6. :func:`cost_table`, :func:`appointment_costs` and :func:`change_effect`:
   the cost of a clinical hour and of each appointment type, and what a change
   (added or lost FTE, freed administration, a shift to group or digital
   visits) does to capacity and to cost.

:func:`capacity_from_visits` gives the observed activity (the "A" of DCAQ).
:func:`capa_capacity` and :func:`capa_demand` are the CAPA formulas in their
published form.

Every function is pure: data frames and numbers in, data frames and numbers
out. Each table has one row per staff category (all six, in schema order, with
zeros where a unit has none), so tables join and a coach always sees the same
rows. Notes on defaults used and on empty input are in ``table.attrs["notes"]``
(in the language asked for); :func:`readable` gives a table with column names
and category values in Swedish or English.

Default parameters, each with its source, are in
``toolkit/data/capacity_defaults.yaml``; :func:`defaults_table` lists them.
Parameters out of range raise :class:`toolkit.errors.ParameterError` (a
``ValueError``) naming the argument and the allowed range.

Examples
--------
>>> import pandas as pd
>>> staff = pd.DataFrame({"staff_id": ["A", "B"], "category": ["psychologist"] * 2,
...                       "fte": [1.0, 1.0], "hours_per_week": [40.0, 40.0]})
>>> ch = clinical_hours(staff_hours(staff), absence_share=0.12, non_clinical_share=0.45)
>>> round(float(ch.set_index("staff_category").loc["psychologist", "clinical_hours_per_week"]), 2)
38.72
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import _yaml
from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t

__all__ = [
    "MODES",
    "PATHWAY_STEPS",
    "STAFF_CATEGORIES",
    "VISIT_TYPES",
    "appointment_costs",
    "appointments_per_week",
    "balance",
    "capa_capacity",
    "capa_demand",
    "capacity_80_rule",
    "capacity_from_visits",
    "change_effect",
    "clinical_hours",
    "cost_table",
    "default",
    "defaults_table",
    "demand_hours",
    "hours_per_episode_from_visits",
    "readable",
    "staff_hours",
    "staff_mix_from_visits",
    "time_use_shares",
]

#: Staff categories in schema order (toolkit/data/schema.yaml).
STAFF_CATEGORIES: tuple[str, ...] = (
    "physician",
    "psychologist",
    "nurse",
    "counsellor",
    "therapist",
    "other",
)
#: Visit types in schema order.
VISIT_TYPES: tuple[str, ...] = ("first_assessment", "assessment", "treatment", "follow_up")
#: Visit modes in schema order.
MODES: tuple[str, ...] = ("physical", "digital", "group", "phone")
#: Steps of the pathway that demand is counted in (CAPA: Choice, then Partnership).
PATHWAY_STEPS: tuple[str, ...] = ("first_assessment", "in_depth_assessment", "treatment_course")
#: Visit types that make up each pathway step (for staff_mix_from_visits).
_STEP_OF_VISIT_TYPE: dict[str, str] = {
    "first_assessment": "first_assessment",
    "assessment": "in_depth_assessment",
    "treatment": "treatment_course",
    "follow_up": "treatment_course",
}
#: Minutes in an hour, named where used.
_MIN_PER_H = 60.0
#: Tolerance for shares that must sum to 1.
_SUM_TOL = 1e-6

Shares: TypeAlias = float | Mapping[str, float]


# ----------------------------------------------------------------------------
# Defaults
# ----------------------------------------------------------------------------


@cache
def _defaults_file() -> dict[str, Any]:
    text = (resources.files("toolkit") / "data" / "capacity_defaults.yaml").read_text(
        encoding="utf-8"
    )
    data: dict[str, Any] = _yaml.safe_load(text)
    return data


def default(name: str) -> Any:
    """The default value of parameter ``name`` (see ``capacity_defaults.yaml``).

    Mappings are returned as new ``dict`` objects, so changing one does not
    change the defaults.

    >>> default("full_time_hours_per_week")
    40.0
    >>> default("hours_per_episode")["treatment_course"]
    7.5
    """
    params = _defaults_file()["parameters"]
    if name not in params:
        raise ParameterError(
            "common.param_choice", argument="name", value=name, allowed=", ".join(params)
        )
    value = params[name]["value"]
    if isinstance(value, dict):
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in value.items()}
    return value


def defaults_table(lang: str | None = None) -> pd.DataFrame:
    """The default parameters with their values, units and sources.

    Returns
    -------
    pandas.DataFrame
        Columns: parameter, value (a number, or ``key: value`` pairs as text),
        unit, source (in ``lang``).

    Examples
    --------
    >>> table = defaults_table("en")
    >>> table.set_index("parameter").loc["dna_rate", "value"]
    '0.05'
    """
    lang = check_language(lang)
    rows = []
    for name, spec in _defaults_file()["parameters"].items():
        value = spec["value"]
        if isinstance(value, dict):
            shown = "; ".join(
                f"{k}: {_fmt_mapping(v) if isinstance(v, dict) else v}" for k, v in value.items()
            )
        else:
            shown = str(value)
        rows.append(
            {
                "parameter": name,
                "value": shown,
                "unit": spec[f"unit_{lang}"],
                "source": spec[f"source_{lang}"],
            }
        )
    return pd.DataFrame(rows, columns=["parameter", "value", "unit", "source"])


def _fmt_mapping(value: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k} {v}" for k, v in value.items()) + "}"


def _cost_per_fte_year_default() -> dict[str, float]:
    salary = default("monthly_salary_sek")
    overhead = float(default("payroll_overhead_share"))
    return {k: float(v) * 12.0 * (1.0 + overhead) for k, v in salary.items()}


# ----------------------------------------------------------------------------
# Validation helpers
# ----------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------
# 1. Staff hours
# ----------------------------------------------------------------------------


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
    full_h = _check_number(
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
    staff = _require_columns("staff", staff, [category_col, "fte"], lang)
    notes: list[str] = []
    category = _categories_of(f"staff.{category_col}", staff[category_col], STAFF_CATEGORIES, lang)
    fte = pd.to_numeric(staff["fte"], errors="coerce").astype(float)
    bad = ~(np.isfinite(fte) & (fte > 0) & (fte <= 1.0))
    if bool(bad.any()):
        raise ParameterError(
            "common.param_range",
            argument="staff.fte",
            value=float(fte[bad].iloc[0]),
            allowed={"sv": "> 0 och ≤ 1", "en": "> 0 and ≤ 1"},
            lang=lang,
        )
    if "hours_per_week" in staff.columns:
        hours = pd.to_numeric(staff["hours_per_week"], errors="coerce").astype(float)
    else:
        hours = pd.Series(np.nan, index=staff.index, dtype=float)
    bad_h = hours.notna() & ~((hours > 0) & (hours <= 60))
    if bool(bad_h.any()):
        raise ParameterError(
            "common.param_range",
            argument="staff.hours_per_week",
            value=float(hours[bad_h].iloc[0]),
            allowed={"sv": "> 0 och ≤ 60", "en": "> 0 and ≤ 60"},
            lang=lang,
        )
    hours_missing = hours.isna()
    hours = hours.fillna(full_h)

    start = pd.to_datetime(staff["start"]) if "start" in staff.columns else None
    end = pd.to_datetime(staff["end"]) if "end" in staff.columns else None
    if on is None:
        in_post = end.isna() if end is not None else pd.Series(True, index=staff.index)
    else:
        try:
            day = pd.Timestamp(on)
        except (TypeError, ValueError):
            raise ParameterError(
                "capacity.not_a_date", argument="on", value=on, lang=lang
            ) from None
        in_post = pd.Series(True, index=staff.index)
        if start is not None:
            in_post &= start.isna() | (start <= day)
        if end is not None:
            in_post &= end.isna() | (end >= day)
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


# ----------------------------------------------------------------------------
# 2. Time use and clinical hours
# ----------------------------------------------------------------------------


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
    time_use = _require_columns(
        "time_use", time_use, ["staff_category", "activity", "minutes"], lang
    )
    columns = ["staff_category", "activity", "level", "minutes", "share"]
    category = _categories_of(
        "time_use.staff_category", time_use["staff_category"], STAFF_CATEGORIES, lang
    )
    minutes = pd.to_numeric(time_use["minutes"], errors="coerce").astype(float)
    bad = minutes.notna() & ~(np.isfinite(minutes) & (minutes >= 0))
    if bool(bad.any()):
        raise ParameterError(
            "common.param_range",
            argument="time_use.minutes",
            value=float(minutes[bad].iloc[0]),
            allowed="≥ 0",
            lang=lang,
        )
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
    shares = _require_columns(
        "non_clinical_share", shares, ["staff_category", "activity", "share"], lang
    )
    categories = shares["staff_category"].astype(str)
    direct = shares["share"].where(shares["activity"].astype(str) == "patient_direct", 0.0)
    logged = shares.groupby(categories)["share"].sum()
    direct_sum = direct.groupby(categories).sum()
    return (1.0 - direct_sum[logged > 0]).clip(0.0, 1.0)


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
    table = _require_columns(
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
    if bool((contracted < 0).any()):
        raise ParameterError(
            "common.param_range",
            argument="staff_hours_table.contracted_hours_per_week",
            value=float(contracted[contracted < 0].iloc[0]),
            allowed="≥ 0",
            lang=lang,
        )

    default_absence = float(default("absence_share"))
    given_a = _per_key(
        "absence_share",
        default_absence if absence_share is None else absence_share,
        STAFF_CATEGORIES,
        lang,
        _share,
    )
    a = pd.Series({k: given_a.get(k, default_absence) for k in STAFF_CATEGORIES}, dtype=float)

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
        given_n = _per_key("non_clinical_share", non_clinical_share, STAFF_CATEGORIES, lang, _share)
        n = pd.Series({k: given_n.get(k, default_n) for k in STAFF_CATEGORIES}, dtype=float)
        source.loc[list(given_n)] = "given"

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


# ----------------------------------------------------------------------------
# 3. Appointments per week
# ----------------------------------------------------------------------------


def _visit_profile(
    visits: pd.DataFrame, group_size: float, group_clinicians: float, lang: str
) -> dict[str, pd.DataFrame | pd.Series]:
    """Measured mix, durations, DNA, group and digital shares from a visits table."""
    visits = _require_columns("visits", visits, ["visit_type", "staff_category", "status"], lang)
    cat = _categories_of("visits.staff_category", visits["staff_category"], STAFF_CATEGORIES, lang)
    vt = _categories_of("visits.visit_type", visits["visit_type"], VISIT_TYPES, lang)
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
    table = _require_columns(
        "clinical_hours_table",
        clinical_hours_table,
        ["staff_category", "clinical_hours_per_week"],
        lang,
    )
    notes = _notes(table)
    hours = _by_category(
        table.groupby(table["staff_category"].astype(str))["clinical_hours_per_week"].sum()
    )
    if bool((hours < 0).any()):
        raise ParameterError(
            "common.param_range",
            argument="clinical_hours_table.clinical_hours_per_week",
            value=float(hours[hours < 0].iloc[0]),
            allowed="≥ 0",
            lang=lang,
        )
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
    f = _positive(
        "digital_time_factor",
        default("digital_time_factor") if digital_time_factor is None else digital_time_factor,
        lang,
    )
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

    if visit_mix is not None:
        given_mix = _shares_summing_to_one("visit_mix", visit_mix, VISIT_TYPES, lang)
        mix = pd.DataFrame([[given_mix[v] for v in types] for _ in cats], index=cats, columns=types)
    if mean_duration_min is not None:
        given_d = _per_key("mean_duration_min", mean_duration_min, VISIT_TYPES, lang, _positive)
        for v, value in given_d.items():
            duration[v] = value
    for name, given, target in (
        ("dna_rate", dna_rate, dna),
        ("share_group", share_group, grp),
        ("share_digital", share_digital, dig),
    ):
        if given is not None:
            values = _per_key(name, given, STAFF_CATEGORIES, lang, _share)
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
    out = pd.DataFrame(
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
    out["staff_category"] = out["staff_category"].astype(str)
    out["visit_type"] = out["visit_type"].astype(str)
    if float(hours.sum()) == 0.0:
        notes.append(t("capacity.note.no_clinical_hours", lang))
    out.attrs["notes"] = notes
    out.attrs["group_size"] = size
    out.attrs["group_clinicians"] = leaders
    out.attrs["digital_time_factor"] = f
    return out


# ----------------------------------------------------------------------------
# 4. Demand in hours
# ----------------------------------------------------------------------------


def staff_mix_from_visits(
    visits: pd.DataFrame, *, lang: str | None = None
) -> dict[str, dict[str, float]]:
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
    lang = check_language(lang)
    prof = _visit_profile(
        visits, float(default("group_size")), float(default("group_clinicians")), lang
    )
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
    lang: str | None = None,
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
    lang : {"sv", "en"}, optional
        Language of errors.

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
    lang = check_language(lang)
    visits = _require_columns(
        "visits", visits, ["referral_id", "date", "visit_type", "status"], lang
    )
    q = _share(
        "share_deep_in_depth_assessment",
        default("share_deep_in_depth_assessment")
        if share_deep_in_depth_assessment is None
        else share_deep_in_depth_assessment,
        lang,
    )
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
    date = pd.to_datetime(visits["date"], errors="coerce")
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    attended = (visits["status"].astype("string") == "attended").fillna(False).to_numpy()
    vtype = visits["visit_type"].astype("string")
    inside = ((date >= lo) & (date <= hi)).to_numpy()
    part = visits[inside & attended]
    prof = _visit_profile(part, size, leaders, lang)
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
    r = _nonneg("arrivals_per_week", arrivals_per_week, lang)
    h = {k: float(v) for k, v in default("hours_per_episode").items()}
    if hours_per_episode is not None:
        h.update(_per_key("hours_per_episode", hours_per_episode, PATHWAY_STEPS, lang, _nonneg))
    p = _share(
        "share_to_deep", default("share_to_deep") if share_to_deep is None else share_to_deep, lang
    )
    q = _share(
        "share_deep_in_depth_assessment",
        default("share_deep_in_depth_assessment")
        if share_deep_in_depth_assessment is None
        else share_deep_in_depth_assessment,
        lang,
    )
    c = _nonneg(
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
        unknown = [k for k in staff_mix if k not in PATHWAY_STEPS]
        if unknown:
            raise ParameterError(
                "common.param_choice",
                argument="staff_mix",
                value=unknown[0],
                allowed=", ".join(PATHWAY_STEPS),
                lang=lang,
            )
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


# ----------------------------------------------------------------------------
# 5. Balance and the 80 % rule
# ----------------------------------------------------------------------------


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
    capacity_table = _require_columns("capacity_table", capacity_table, ["staff_category"], lang)
    demand_table = _require_columns(
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
    lang: str | None = None,
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
    lang : {"sv", "en"}, optional
        Language of errors.

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
    lang = check_language(lang)
    q = _share("share", share, lang)
    if method not in ("range", "percentile"):
        raise ParameterError(
            "common.param_choice",
            argument="method",
            value=method,
            allowed="range, percentile",
            lang=lang,
        )
    try:
        values = np.asarray(weekly_demand, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ParameterError(
            "common.param_type",
            argument="weekly_demand",
            expected="numbers",
            got=type(weekly_demand).__name__,
            lang=lang,
        ) from None
    values = values[~np.isnan(values)]
    if values.size == 0:
        return 0.0
    bad = ~np.isfinite(values) | (values < 0)
    if bool(bad.any()):
        raise ParameterError(
            "common.param_range",
            argument="weekly_demand",
            value=float(values[bad][0]),
            allowed="≥ 0",
            lang=lang,
        )
    if method == "percentile":
        return float(np.quantile(values, q))
    low, high = float(values.min()), float(values.max())
    return low + q * (high - low)


# ----------------------------------------------------------------------------
# 6. Observed activity
# ----------------------------------------------------------------------------


def capacity_from_visits(
    visits: pd.DataFrame,
    freq: str = "W",
    *,
    group_size: float | None = None,
    group_clinicians: float | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Observed activity per period and staff category: the "A" of DCAQ.

    Parameters
    ----------
    visits : pandas.DataFrame
        The ``visits`` table: ``date``, ``staff_category``, ``status`` and
        optionally ``duration_min`` (missing lengths take the default length of
        the ``visit_type``) and ``mode``.
    freq : {"W", "M"}, default "W"
        Weeks (starting Monday) or calendar months.
    group_size, group_clinicians : float, default 6 and 2
        A group visit row is one patient; its clinician time is its length ×
        ``group_clinicians / group_size``.
    lang : {"sv", "en"}, optional
        Language of notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per period and staff category with visits. Columns:
        period_start, staff_category, booked (attended + did not attend),
        attended, did_not_attend, cancelled, attended_hours (clinician hours
        in attended visits), lost_to_dna_hours (clinician hours booked for
        patients who did not come), dna_rate (did not attend / booked).

    Notes
    -----
    Activity = patients seen × the time it took to see them; DNAs are lost
    activity (the slot was used but nobody was seen). Cancelled visits are
    counted but not charged: their slot may have been re-booked.

    References
    ----------
    Scottish Government, *Understanding Capacity and Demand: A resource pack
    for healthcare professionals*, "An A-Z of Demand and Capacity
    terminology", entry "Activity".

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-09"]),
    ...                   "visit_type": ["treatment"] * 3, "staff_category": ["nurse"] * 3,
    ...                   "status": ["attended", "did_not_attend", "attended"],
    ...                   "duration_min": [60.0, 30.0, 45.0]})
    >>> capacity_from_visits(v)[["period_start", "attended", "attended_hours", "dna_rate"]].to_string(index=False)
    'period_start  attended  attended_hours  dna_rate\\n  2024-01-01         1            1.00       0.5\\n  2024-01-08         1            0.75       0.0'
    """
    lang = check_language(lang)
    visits = _require_columns("visits", visits, ["date", "staff_category", "status"], lang)
    if freq not in ("W", "M"):
        raise ParameterError(
            "common.param_choice", argument="freq", value=freq, allowed="W, M", lang=lang
        )
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
    columns = [
        "period_start",
        "staff_category",
        "booked",
        "attended",
        "did_not_attend",
        "cancelled",
        "attended_hours",
        "lost_to_dna_hours",
        "dna_rate",
    ]
    cat = _categories_of("visits.staff_category", visits["staff_category"], STAFF_CATEGORIES, lang)
    date = pd.to_datetime(visits["date"])
    keep = date.notna() & cat.notna()
    if not bool(keep.any()):
        out = _frame({}, columns)
        out.attrs["notes"] = [t("capacity.note.no_visits", lang)]
        return out
    status = visits["status"].astype("string")
    duration = (
        pd.to_numeric(visits["duration_min"], errors="coerce").astype(float)
        if "duration_min" in visits.columns
        else pd.Series(np.nan, index=visits.index, dtype=float)
    )
    notes: list[str] = []
    if "visit_type" in visits.columns:
        duration = duration.fillna(
            visits["visit_type"].astype("string").map(default("mean_duration_min")).astype(float)
        )
    n_missing = int((duration.isna() & keep).sum())
    if n_missing:
        notes.append(t("capacity.note.duration_missing", lang, count=n_missing))
    duration = duration.fillna(0.0)
    is_group = (
        (visits["mode"].astype("string") == "group").fillna(False)
        if "mode" in visits.columns
        else pd.Series(False, index=visits.index)
    )
    hours = pd.Series(
        duration.to_numpy() * np.where(is_group, leaders / size, 1.0) / _MIN_PER_H,
        index=visits.index,
    )
    if freq == "W":
        period = (date - pd.to_timedelta(date.dt.day_of_week, unit="D")).dt.normalize()
    else:
        period = date.dt.to_period("M").dt.start_time
    attended = (status == "attended").fillna(False)
    dna = (status == "did_not_attend").fillna(False)
    frame = pd.DataFrame(
        {
            "period_start": period,
            "staff_category": cat,
            "attended": attended.astype(np.int64),
            "did_not_attend": dna.astype(np.int64),
            "cancelled": (status == "cancelled").fillna(False).astype(np.int64),
            "attended_hours": hours.where(attended, 0.0),
            "lost_to_dna_hours": hours.where(dna, 0.0),
        }
    )[keep]
    out = frame.groupby(["period_start", "staff_category"], as_index=False).sum()
    out["booked"] = out["attended"] + out["did_not_attend"]
    out["dna_rate"] = np.divide(
        out["did_not_attend"].to_numpy(dtype=float),
        out["booked"].to_numpy(dtype=float),
        out=np.zeros(len(out)),
        where=out["booked"].to_numpy() > 0,
    )
    order = {c: i for i, c in enumerate(STAFF_CATEGORIES)}
    out["_o"] = out["staff_category"].map(order)
    out = out.sort_values(["period_start", "_o"], kind="stable").drop(columns="_o")
    out = out[columns].reset_index(drop=True)
    out["staff_category"] = out["staff_category"].astype(str)
    out.attrs["notes"] = notes
    return out


# ----------------------------------------------------------------------------
# 7. Cost
# ----------------------------------------------------------------------------


def _cost_rates(cost_per_fte_year: Shares | None, lang: str) -> pd.Series:
    base = _cost_per_fte_year_default()
    if cost_per_fte_year is not None:
        base.update(
            _per_key("cost_per_fte_year", cost_per_fte_year, STAFF_CATEGORIES, lang, _nonneg)
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
    table = _require_columns("capacity_table", capacity_table, ["staff_category", "fte"], lang)
    notes = _notes(table)
    rates = _cost_rates(cost_per_fte_year, lang)
    if "clinical_hours_per_week" not in table.columns:
        _require_columns("capacity_table", table, ["contracted_hours_per_week"], lang)
        table = clinical_hours(table, lang=lang)
        notes = _notes(table)
        notes.append(t("capacity.note.cost_default_clinical", lang))
    weeks = _positive(
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


def appointment_costs(
    appointments_table: pd.DataFrame, cost: pd.DataFrame, *, lang: str | None = None
) -> pd.DataFrame:
    """Cost of one attended appointment per staff category, visit type and mode.

    Parameters
    ----------
    appointments_table : pandas.DataFrame
        The result of :func:`appointments_per_week` (its durations, DNA rates
        and, in ``attrs``, group size, group clinicians and digital time
        factor are used).
    cost : pandas.DataFrame
        The result of :func:`cost_table` (``cost_per_clinical_hour_sek``).
    lang : {"sv", "en"}, optional
        Language of errors.

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
    >>> ch = pd.DataFrame({"staff_category": ["psychologist"], "clinical_hours_per_week": [10.0]})
    >>> ap = appointments_per_week(ch, visit_mix={"treatment": 1.0}, mean_duration_min=60,
    ...                            dna_rate=0.0)
    >>> cost = pd.DataFrame({"staff_category": ["psychologist"],
    ...                      "cost_per_clinical_hour_sek": [860.0]})
    >>> ac = appointment_costs(ap, cost).query("staff_category == 'psychologist' and visit_type == 'treatment'")
    >>> ac[["cost_physical_sek", "cost_digital_sek", "cost_group_per_patient_sek"]].round(2).values.tolist()
    [[860.0, 774.0, 286.67]]
    """
    lang = check_language(lang)
    ap = _require_columns(
        "appointments_table",
        appointments_table,
        [
            "staff_category",
            "visit_type",
            "mean_duration_min",
            "dna_rate",
            "clinician_minutes_per_appointment",
        ],
        lang,
    )
    cost = _require_columns("cost", cost, ["staff_category", "cost_per_clinical_hour_sek"], lang)
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


# ----------------------------------------------------------------------------
# 8. The effect of a change
# ----------------------------------------------------------------------------


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
    table = _require_columns(
        "staff_hours_table",
        staff_hours_table,
        ["staff_category", "fte", "contracted_hours_per_week"],
        lang,
    )
    phi = _share("freed_non_clinical_share", freed_non_clinical_share, lang)
    other = _number("other_cost_per_year_sek", other_cost_per_year_sek, lang)
    if not np.isfinite(other):
        raise ParameterError(
            "common.param_range",
            argument="other_cost_per_year_sek",
            value=other,
            allowed={"sv": "ett ändligt tal", "en": "a finite number"},
            lang=lang,
        )
    weeks = _positive(
        "weeks_per_year",
        default("weeks_per_year") if weeks_per_year is None else weeks_per_year,
        lang,
    )
    options = dict(appointment_options or {})
    allowed_options = {
        "visit_mix",
        "mean_duration_min",
        "dna_rate",
        "share_group",
        "share_digital",
        "group_size",
        "group_clinicians",
        "digital_time_factor",
    }
    for key in options:
        if key not in allowed_options:
            raise ParameterError(
                "common.param_choice",
                argument="appointment_options",
                value=key,
                allowed=", ".join(sorted(allowed_options)),
                lang=lang,
            )

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
            if k not in STAFF_CATEGORIES:
                raise ParameterError(
                    "common.param_choice",
                    argument="added_fte",
                    value=k,
                    allowed=", ".join(STAFF_CATEGORIES),
                    lang=lang,
                )
            x = _check_number(
                f"added_fte[{k!r}]",
                v,
                lang,
                low=-float(fte[k]),
                allowed=f"≥ {-float(fte[k]):g}",
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

    def by_cat(frame: pd.DataFrame, column: str) -> pd.Series:
        return _by_category(frame.groupby(frame["staff_category"].astype(str))[column].sum())

    rates = _cost_rates(cost_per_fte_year, lang)
    cost_change = delta * rates
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
    out = pd.DataFrame(
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
    notes = _notes(ch_before, ap_before)
    if not bool(positive[-1]):
        notes.append(t("capacity.note.no_extra_appointments", lang))
    if cost_per_fte_year is None and bool((delta != 0).any()):
        notes.append(t("capacity.note.cost_default", lang))
    out.attrs["notes"] = notes
    return out


# ----------------------------------------------------------------------------
# 9. The CAPA formulas as published
# ----------------------------------------------------------------------------


def capa_capacity(
    fte: float,
    *,
    share_core: float,
    sessions_per_week_per_fte: float = 10.0,
    appointments_per_session: float | None = None,
    share_worked: float = 45.0 / 52.0,
    lang: str | None = None,
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
    lang : {"sv", "en"}, optional
        Language of errors.

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
    lang = check_language(lang)
    f = _nonneg("fte", fte, lang)
    s = _share("share_core", share_core, lang)
    n = _positive("sessions_per_week_per_fte", sessions_per_week_per_fte, lang)
    a = _positive(
        "appointments_per_session",
        default("capa_appointments_per_session")
        if appointments_per_session is None
        else appointments_per_session,
        lang,
    )
    w = _share("share_worked", share_worked, lang)
    return f * n * s * a * w


def capa_demand(
    accepted_referrals_per_week: float,
    *,
    choice_hours: float = 1.0,
    share_to_partnership: float = 0.66,
    partnership_hours: float = 7.5,
    co_therapy_rate: float = 0.0,
    lang: str | None = None,
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
    lang : {"sv", "en"}, optional
        Language of errors.

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
    lang = check_language(lang)
    r = _nonneg("accepted_referrals_per_week", accepted_referrals_per_week, lang)
    hc = _nonneg("choice_hours", choice_hours, lang)
    p = _share("share_to_partnership", share_to_partnership, lang)
    hp = _nonneg("partnership_hours", partnership_hours, lang)
    c = _nonneg("co_therapy_rate", co_therapy_rate, lang)
    return r * (hc + p * hp * (1.0 + c))


# ----------------------------------------------------------------------------
# Presentation helper
# ----------------------------------------------------------------------------


def readable(table: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """A copy of a capacity table with column names and category values in ``lang``.

    Staff categories and visit types use the Swedish names of the schema in
    Swedish; pathway steps, sources and "total" use this module's texts.
    Columns without a text keep their name. ``attrs`` are kept.

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"staff_category": ["nurse", "total"], "load": [1.2, 0.9]})
    >>> readable(b, "sv").columns.tolist()
    ['Yrkeskategori', 'Belastning (efterfrågan / kapacitet)']
    >>> readable(b, "sv").iloc[:, 0].tolist()
    ['sjuksköterska', 'totalt']
    """
    from toolkit.i18n import has
    from toolkit.schema import TABLES

    lang = check_language(lang)
    out = table.copy()
    value_specs = {
        "staff_category": TABLES["visits"].columns["staff_category"],
        "visit_type": TABLES["visits"].columns["visit_type"],
    }
    for column, spec in value_specs.items():
        if column in out.columns:
            out[column] = [
                t("capacity.value.total", lang) if v == "total" else spec.value_label(str(v), lang)
                for v in out[column].astype(str)
            ]
    for column in ("pathway_step", "non_clinical_source"):
        if column in out.columns:
            out[column] = [
                t(f"capacity.value.{v}", lang) if has(f"capacity.value.{v}") else v
                for v in out[column].astype(str)
            ]
    out.columns = [
        t(f"capacity.col.{c}", lang) if has(f"capacity.col.{c}") else str(c) for c in out.columns
    ]
    return out
