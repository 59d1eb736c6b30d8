"""Administration and documentation: where the time goes by level, and what a requirement costs.

Two supports of the mapping of documentation and administration:

* :func:`time_by_level`: a time-use study's minutes by the level the work
  comes from (clinical, organisational, national or regional requirement),
  per staff category and for all staff, as a share of all logged time and
  of the administrative time (everything but direct patient work).
* :func:`requirements_capacity`: a coach's list of documentation
  requirements (who asks for it, how often, minutes each, and whether it
  could be removed or simplified) turned into hours a week, full-time
  equivalents, visits a week and weeks of the first-assessment queue that
  removing or simplifying it would free. The conversions are the toolkit's
  own: hours worked per FTE from :func:`toolkit.capacity.clinical_hours`,
  visits per clinical hour from :func:`toolkit.capacity.appointments_per_week`.

:func:`read_requirements` reads the list from CSV or Excel (template:
``templates/dokumentationskrav_mall.csv`` and
``templates/documentation_requirements_template.csv``, written by
:func:`template_csv`). The functions here other than the reader are pure.

Examples
--------
One certificate, 10 a week, 30 minutes each, done by a psychologist and
removed; the freed time goes to first assessments of 75 minutes with 5 %
no-shows; 120 wait and 10 are assessed a week:

>>> import pandas as pd
>>> req = pd.DataFrame({"requirement": ["Intyg"], "requested_by": ["FK"],
...     "level": ["national"], "staff_category": ["psychologist"], "times": [10.0],
...     "per": ["week"], "minutes_each": [30.0], "change": ["remove"],
...     "minutes_after": [float("nan")]})
>>> out = requirements_capacity(req, queue_size=120, first_assessments_per_week=10,
...     visit_mix={"first_assessment": 1.0}, mean_duration_min={"first_assessment": 75.0},
...     dna_rate=0.05, absence_share=0.2, full_time_hours_per_week=40)
>>> row = out.iloc[0]
>>> float(row["hours_per_week"]), float(row["fte"]), round(float(row["freed_visits_per_week"]), 6)
(5.0, 0.15625, 3.8)
>>> round(float(row["queue_weeks_freed"]), 4)
3.3043
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit import capacity
from toolkit.capacity import STAFF_CATEGORIES
from toolkit.errors import DataError
from toolkit.exports import csv_text
from toolkit.i18n import check_language, t
from toolkit.schema import TABLES, normalise_name
from toolkit.sheet_rows import read_rows

#: Working days in a week, to turn "per day" into "per week".
WORKING_DAYS_PER_WEEK = 5.0
#: Levels a requirement or an activity comes from (as ``time_use.level``).
LEVELS: tuple[str, ...] = ("clinical", "organisational", "national")
#: How often: the periods a count may be given per.
PERIODS: tuple[str, ...] = ("day", "week", "month", "year")
#: What the coach proposes for a requirement.
CHANGES: tuple[str, ...] = ("keep", "remove", "simplify")

#: Columns of the requirements list: canonical name -> (Swedish name, required).
REQUIREMENT_COLUMNS: dict[str, tuple[str, bool]] = {
    "requirement": ("krav", True),
    "requested_by": ("beställare", True),
    "level": ("nivå", True),
    "staff_category": ("yrkeskategori", True),
    "times": ("antal_gånger", True),
    "per": ("per", True),
    "minutes_each": ("minuter_per_gång", True),
    "change": ("förändring", False),
    "minutes_after": ("minuter_efter", False),
}
_SV_VALUES: dict[str, dict[str, str]] = {
    "per": {"day": "dag", "week": "vecka", "month": "månad", "year": "år"},
    "change": {"keep": "behåll", "remove": "ta bort", "simplify": "förenkla"},
}
#: Template file name in each language (in ``templates/``).
TEMPLATE_NAMES: dict[str, str] = {
    "sv": "dokumentationskrav_mall.csv",
    "en": "documentation_requirements_template.csv",
}
_EXAMPLE: dict[str, list[Any]] = {
    "requirement": ["Läkarintyg till Försäkringskassan", "Registerrapportering", "Veckomöte"],
    "requested_by": ["Försäkringskassan", "Nationellt kvalitetsregister", "Verksamheten"],
    "level": ["national", "national", "organisational"],
    "staff_category": ["physician", "nurse", "psychologist"],
    "times": [6, 2, 1],
    "per": ["week", "month", "week"],
    "minutes_each": [40, 90, 60],
    "change": ["simplify", "keep", "remove"],
    "minutes_after": [20, None, None],
}


# --------------------------------------------------------------------------- levels


def time_by_level(shares: pd.DataFrame) -> pd.DataFrame:
    """Minutes and shares of a time-use study by the level the work comes from.

    Parameters
    ----------
    shares : pandas.DataFrame
        The result of :func:`toolkit.capacity.time_use_shares` (columns
        staff_category, activity, level, minutes).

    Returns
    -------
    pandas.DataFrame
        One row per staff category and level, then the rows of ``"total"``
        (all staff). Columns: staff_category, level (``clinical``,
        ``organisational``, ``national`` or ``not_given``), admin_minutes
        (minutes on anything but ``patient_direct``), share_of_time
        (admin minutes / all minutes of the category), share_of_admin
        (admin minutes / admin minutes of the category).

    Notes
    -----
    .. math:: s_{k,l} = \\frac{m_{k,l}}{M_k}, \\qquad a_{k,l} = \\frac{m_{k,l}}{\\sum_{l'} m_{k,l'}}

    with :math:`m_{k,l}` the minutes of category :math:`k` at level
    :math:`l` on anything but direct patient work and :math:`M_k` all its
    logged minutes. Direct patient work is clinical work by definition and
    is left out of the levels.

    References
    ----------
    Socialstyrelsen's proposed support for mapping documentation and
    administration at clinical, organisational and national level; see
    docs/capacity.md.

    Examples
    --------
    >>> import pandas as pd
    >>> from toolkit.capacity import time_use_shares
    >>> tu = pd.DataFrame({"staff_category": ["nurse"] * 3,
    ...                    "activity": ["patient_direct", "documentation", "meetings"],
    ...                    "level": ["clinical", "national", "organisational"],
    ...                    "minutes": [270.0, 120.0, 90.0]})
    >>> out = time_by_level(time_use_shares(tu))
    >>> out[out.staff_category == "total"][["level", "share_of_time", "share_of_admin"]].round(4).values.tolist()
    [['clinical', 0.0, 0.0], ['organisational', 0.1875, 0.4286], ['national', 0.25, 0.5714]]
    """
    missing = [c for c in ("staff_category", "activity", "level", "minutes") if c not in shares]
    if missing:
        raise checks.choice_error(
            "shares", ", ".join(missing), ("staff_category", "activity", "level", "minutes")
        )
    columns = ["staff_category", "level", "admin_minutes", "share_of_time", "share_of_admin"]
    frame = pd.DataFrame(
        {
            "staff_category": shares["staff_category"].astype(str),
            "level": shares["level"].astype(str).replace({"": "not_given", "nan": "not_given"}),
            "minutes": shares["minutes"].astype(float),
            "admin": shares["activity"].astype(str) != "patient_direct",
        }
    )
    if frame.empty:
        return pd.DataFrame(columns=columns)
    levels = [*LEVELS, *(["not_given"] if (frame["level"] == "not_given").any() else [])]
    cats = [c for c in STAFF_CATEGORIES if c in set(frame["staff_category"])]
    rows = []
    for cat in [*cats, "total"]:
        part = frame if cat == "total" else frame[frame["staff_category"] == cat]
        all_minutes = float(part["minutes"].sum())
        admin = part[part["admin"]]
        admin_total = float(admin["minutes"].sum())
        for level in levels:
            m = float(admin.loc[admin["level"] == level, "minutes"].sum())
            rows.append(
                {
                    "staff_category": cat,
                    "level": level,
                    "admin_minutes": m,
                    "share_of_time": m / all_minutes if all_minutes > 0 else math.nan,
                    "share_of_admin": m / admin_total if admin_total > 0 else math.nan,
                }
            )
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- requirements


def _template_header(lang: str) -> list[str]:
    return [sv if lang == "sv" else name for name, (sv, _req) in REQUIREMENT_COLUMNS.items()]


def _value_label(column: str, value: str, lang: str) -> str:
    if lang == "en":
        return value
    if column in _SV_VALUES:
        return _SV_VALUES[column][value]
    spec = TABLES["time_use"].columns[column]
    return spec.value_label(value, "sv")


def template_csv(lang: str = "sv") -> bytes:
    """The requirements list template with three example rows (``;`` and BOM in Swedish).

    >>> template_csv("en").decode().splitlines()[0]
    'requirement,requested_by,level,staff_category,times,per,minutes_each,change,minutes_after'
    """
    lang = check_language(lang)
    sep = ";" if lang == "sv" else ","
    lines = [sep.join(_template_header(lang))]
    for i in range(len(_EXAMPLE["requirement"])):
        cells = []
        for name in REQUIREMENT_COLUMNS:
            v = _EXAMPLE[name][i]
            if v is None:
                cells.append("")
            elif name in ("level", "staff_category", "per", "change"):
                cells.append(_value_label(name, str(v), lang))
            else:
                cells.append(csv_text(str(v)))
        lines.append(sep.join(cells))
    text = "\r\n".join(lines) + "\r\n"
    return ("\ufeff" + text).encode("utf-8") if lang == "sv" else text.encode("utf-8")


def _header_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for name, (sv, _req) in REQUIREMENT_COLUMNS.items():
        out[normalise_name(name)] = name
        out[normalise_name(sv)] = name
    return out


def _value_lookup(column: str) -> dict[str, str]:
    if column in _SV_VALUES:
        pairs = {
            **{k: k for k in _SV_VALUES[column]},
            **{v: k for k, v in _SV_VALUES[column].items()},
        }
        return {normalise_name(k): v for k, v in pairs.items()}
    return TABLES["time_use"].columns[column].value_lookup


def _allowed(column: str, lang: str) -> str:
    values = (
        _SV_VALUES[column] if column in _SV_VALUES else TABLES["time_use"].columns[column].values
    )
    return ", ".join(_value_label(column, v, lang) for v in values)


def read_requirements(content: bytes, file: str, *, lang: str | None = None) -> pd.DataFrame:
    """Read a documentation requirements list (CSV or Excel, Swedish or English headers).

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`REQUIREMENT_COLUMNS` with canonical values
        (``change`` defaults to ``keep``, ``minutes_after`` to NaN).

    Raises
    ------
    DataError
        Naming the row (header = row 1) and column: an unknown or missing
        column, a value not allowed, a number that is not a number or not
        positive, ``simplify`` without ``minutes_after`` or with more minutes
        than before.
    """
    lang = check_language(lang)
    rows = read_rows(content, file, lang)
    if not rows:
        raise DataError("admin.req.empty", file=file, lang=lang)
    names = _column_names(rows, file, lang)
    records = [
        _requirement_record(row, names, i, file, lang)
        for i, row in enumerate(rows[1:], start=2)
        if any(row)
    ]
    if not records:
        raise DataError("admin.req.empty", file=file, lang=lang)
    return pd.DataFrame.from_records(records, columns=list(REQUIREMENT_COLUMNS))


def _column_names(rows: list[list[str]], file: str, lang: str) -> list[str]:
    """The canonical name of each header cell (``""`` for an unnamed, empty column).

    Raises :class:`DataError` for an unknown header or a required column missing.
    """
    lookup = _header_lookup()
    names: list[str] = []
    for j, h in enumerate(rows[0]):
        if not h and all(j >= len(r) or not r[j] for r in rows[1:]):
            names.append("")
            continue
        name = lookup.get(normalise_name(h))
        if name is None:
            raise DataError(
                "admin.req.unknown_column",
                file=file,
                row=1,
                column=h,
                allowed=", ".join(_template_header(lang)),
                lang=lang,
            )
        names.append(name)
    for name, (sv, required) in REQUIREMENT_COLUMNS.items():
        if required and name not in names:
            raise DataError(
                "admin.req.missing_column",
                file=file,
                column=sv if lang == "sv" else name,
                lang=lang,
            )
    return names


def _requirement_record(
    row: list[str], names: list[str], i: int, file: str, lang: str
) -> dict[str, Any]:
    """Row ``i`` of the list (header = row 1) as canonical values, column by column.

    Raises :class:`DataError` when ``simplify`` has no ``minutes_after`` below ``minutes_each``.
    """
    cells = {n: (row[j] if j < len(row) else "") for j, n in enumerate(names) if n}
    rec = {
        name: _cell_value(name, cells.get(name, ""), i, file, lang) for name in REQUIREMENT_COLUMNS
    }
    if rec["change"] == "simplify" and not (
        math.isfinite(rec["minutes_after"]) and rec["minutes_after"] < rec["minutes_each"]
    ):
        col = REQUIREMENT_COLUMNS["minutes_after"][0] if lang == "sv" else "minutes_after"
        raise DataError("admin.req.simplify", file=file, row=i, column=col, lang=lang)
    return rec


def _cell_value(name: str, value: str, i: int, file: str, lang: str) -> Any:
    """One cell of column ``name`` in row ``i``: a category, a number or text.

    An empty optional cell gives ``keep`` (``change``) or NaN; numbers take a
    decimal comma and spaces, and must be > 0 (``minutes_after``: ≥ 0).
    Raises :class:`DataError` naming the row and column otherwise.
    """
    sv, required = REQUIREMENT_COLUMNS[name]
    shown = sv if lang == "sv" else name
    if not value:
        if required:
            raise DataError("admin.req.empty_cell", file=file, row=i, column=shown, lang=lang)
        return "keep" if name == "change" else math.nan
    if name in ("level", "staff_category", "per", "change"):
        found = _value_lookup(name).get(normalise_name(value))
        if found is None:
            raise DataError(
                "admin.req.bad_value",
                file=file,
                row=i,
                column=shown,
                allowed=_allowed(name, lang),
                lang=lang,
            )
        return found
    if name in ("times", "minutes_each", "minutes_after"):
        try:
            number = float(value.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and number >= 0) or (name != "minutes_after" and number <= 0):
            raise DataError("admin.req.bad_number", file=file, row=i, column=shown, lang=lang)
        return number
    return value


def _rate_per_week(per: pd.Series, weeks_per_year: float) -> np.ndarray:
    factor = {
        "day": WORKING_DAYS_PER_WEEK,
        "week": 1.0,
        "month": 12.0 / weeks_per_year,
        "year": 1.0 / weeks_per_year,
    }
    return per.astype(str).map(factor).to_numpy(dtype=float)


def requirements_capacity(
    requirements: pd.DataFrame,
    *,
    queue_size: float,
    first_assessments_per_week: float,
    visit_mix: Mapping[str, float] | None = None,
    mean_duration_min: float | Mapping[str, float] | None = None,
    dna_rate: float | Mapping[str, float] | None = None,
    absence_share: float | Mapping[str, float] | None = None,
    full_time_hours_per_week: float | None = None,
    weeks_per_year: float | None = None,
) -> pd.DataFrame:
    """The capacity each documentation requirement takes, and what removing or simplifying it frees.

    Parameters
    ----------
    requirements : pandas.DataFrame
        As :func:`read_requirements` returns: requirement, requested_by,
        level, staff_category, times, per, minutes_each, change,
        minutes_after.
    queue_size : float
        Patients waiting for a first assessment now (≥ 0).
    first_assessments_per_week : float
        First assessments done a week now (> 0), e.g. the unit's activity
        per week in its report.
    visit_mix, mean_duration_min, dna_rate : optional
        How freed clinical hours become visits, as in
        :func:`toolkit.capacity.appointments_per_week` (default: the
        toolkit's defaults; ``visit_mix={"first_assessment": 1.0}`` puts all
        freed time into first assessments).
    absence_share : float or mapping, optional
        As in :func:`toolkit.capacity.clinical_hours` (default 0.20).
    full_time_hours_per_week : float, optional
        Contracted hours of one FTE (default 40).
    weeks_per_year : float, optional
        Weeks in a year (default 52.18), for "per month" and "per year".

    Returns
    -------
    pandas.DataFrame
        One row per requirement, then a row ``total`` (``requirement`` is
        ``"total"``). Columns: requirement, requested_by, level,
        staff_category, change, times_per_week, hours_per_week, fte,
        freed_hours_per_week, freed_fte, freed_visits_per_week,
        freed_first_assessments_per_week, queue_weeks_before,
        queue_weeks_after, queue_weeks_freed. The total sums the hours,
        FTE and visits; its queue weeks are those of all changes together
        (not the sum of the rows: the effect is not additive).

    Notes
    -----
    For requirement :math:`i` done :math:`n_i` times per period by staff
    category :math:`k`, :math:`d_i` minutes each:

    .. math::

        r_i = n_i \\, f_{\\text{per}}, \\qquad
        h_i = r_i \\, d_i / 60, \\qquad
        F_i = h_i / (C (1 - a_k)), \\qquad
        \\Delta h_i = r_i (d_i - d'_i) / 60

    with :math:`f_{\\text{per}}` = 5 (day), 1 (week), 12/52.18 (month),
    1/52.18 (year), :math:`C` the contracted hours of an FTE and
    :math:`a_k` the absence share (so :math:`C (1 - a_k)` hours are worked
    per FTE: :func:`toolkit.capacity.clinical_hours` with no non-clinical
    time), :math:`d'_i` = 0 when removed, the minutes after when
    simplified, :math:`d_i` when kept. The freed hours become attended
    visits :math:`\\Delta V_i = \\Delta h_i \\sum_v \\rho_{kv}` with
    :math:`\\rho_{kv}` the attended appointments of type :math:`v` one
    clinical hour of category :math:`k` gives
    (:func:`toolkit.capacity.appointments_per_week`). The queue in weeks of
    activity, :math:`W = Q / \\mu` (the wait of someone joining now when
    the queue is served first come, first served at the present pace), falls to
    :math:`Q / (\\mu + \\Delta V^{\\text{first}})`; one first-assessment
    appointment completes one first assessment.

    References
    ----------
    Socialstyrelsen's proposed support for mapping documentation and
    administration; CAPA (camhsnetwork.co.uk, "CAPA Demand and Capacity
    Modelling") for hours to appointments; see docs/capacity.md. Checked
    against the hand-worked example in tests/test_admin_inventory.py.
    """
    q = checks.non_negative("queue_size", queue_size)
    mu = checks.positive("first_assessments_per_week", first_assessments_per_week)
    weeks = checks.positive(
        "weeks_per_year",
        capacity.default("weeks_per_year") if weeks_per_year is None else weeks_per_year,
    )
    full = checks.positive(
        "full_time_hours_per_week",
        capacity.default("full_time_hours_per_week")
        if full_time_hours_per_week is None
        else full_time_hours_per_week,
    )
    missing = [c for c in REQUIREMENT_COLUMNS if c not in requirements.columns]
    if missing:
        raise checks.choice_error("requirements", ", ".join(missing), REQUIREMENT_COLUMNS)
    per_fte, visits_per_hour, first_per_hour = _per_hour_rates(
        full,
        absence_share=absence_share,
        visit_mix=visit_mix,
        mean_duration_min=mean_duration_min,
        dna_rate=dna_rate,
    )
    req = requirements.reset_index(drop=True)
    cat, rate = _categories_and_rates(req, weeks)
    change, times_per_week, hours, freed = _hours_per_week(req, rate)
    worked = cat.map(per_fte).to_numpy(dtype=float)
    first = freed * cat.map(first_per_hour).to_numpy(dtype=float)
    before = q / mu
    out = pd.DataFrame(
        {
            "requirement": req["requirement"].astype(str),
            "requested_by": req["requested_by"].astype(str),
            "level": req["level"].astype(str),
            "staff_category": cat,
            "change": change,
            "times_per_week": times_per_week,
            "hours_per_week": hours,
            "fte": hours / worked,
            "freed_hours_per_week": freed,
            "freed_fte": freed / worked,
            "freed_visits_per_week": freed * cat.map(visits_per_hour).to_numpy(dtype=float),
            "freed_first_assessments_per_week": first,
            "queue_weeks_before": before,
            "queue_weeks_after": _queue_weeks(q, mu, first),
        }
    )
    return _with_total(out, before, float(_queue_weeks(q, mu, float(first.sum()))))


def _per_hour_rates(
    full: float,
    *,
    absence_share: float | Mapping[str, float] | None,
    visit_mix: Mapping[str, float] | None,
    mean_duration_min: float | Mapping[str, float] | None,
    dna_rate: float | Mapping[str, float] | None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per staff category: hours worked per FTE, attended visits and first assessments per clinical hour.

    Hours worked are :func:`toolkit.capacity.clinical_hours` with nothing
    non-clinical; visits come from :func:`toolkit.capacity.appointments_per_week`
    for one clinical hour.
    """
    cats = list(STAFF_CATEGORIES)
    per_fte = capacity.clinical_hours(
        pd.DataFrame({"staff_category": cats, "fte": 1.0, "contracted_hours_per_week": full}),
        absence_share=absence_share,
        non_clinical_share=0.0,
    ).set_index("staff_category")["clinical_hours_per_week"]
    one_hour = capacity.appointments_per_week(
        pd.DataFrame({"staff_category": cats, "clinical_hours_per_week": 1.0}),
        visit_mix=visit_mix,
        mean_duration_min=mean_duration_min,
        dna_rate=dna_rate,
    )
    visits_per_hour = one_hour.groupby("staff_category")["attended_appointments_per_week"].sum()
    first_per_hour = one_hour[one_hour["visit_type"].astype(str) == "first_assessment"].set_index(
        "staff_category"
    )["attended_appointments_per_week"]
    return per_fte, visits_per_hour, first_per_hour


def _categories_and_rates(req: pd.DataFrame, weeks_per_year: float) -> tuple[pd.Series, np.ndarray]:
    """Each requirement's staff category and times per week per time given.

    Raises :class:`toolkit.errors.ParameterError` for an unknown category or period.
    """
    cats = list(STAFF_CATEGORIES)
    cat = req["staff_category"].astype(str)
    bad = ~cat.isin(cats)
    if bool(bad.any()):
        raise checks.choice_error("requirements.staff_category", str(cat[bad].iloc[0]), cats)
    rate = _rate_per_week(req["per"], weeks_per_year)
    if bool(np.isnan(rate).any()):
        raise checks.choice_error(
            "requirements.per", str(req["per"][np.isnan(rate)].iloc[0]), PERIODS
        )
    return cat, rate


def _hours_per_week(
    req: pd.DataFrame, rate: np.ndarray
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """The change (``keep`` where empty), times a week, hours a week and hours a week freed.

    The minutes after are 0 when removed, ``minutes_after`` when simplified
    (the minutes before where not given) and the minutes before when kept.
    """
    change = req["change"].fillna("keep").astype(str)
    minutes = req["minutes_each"].to_numpy(dtype=float)
    after = np.where(
        change == "remove",
        0.0,
        np.where(change == "simplify", req["minutes_after"].to_numpy(dtype=float), minutes),
    )
    times_per_week = req["times"].to_numpy(dtype=float) * rate
    hours = times_per_week * minutes / 60.0
    after = np.where(np.isnan(after), minutes, after)
    freed = times_per_week * np.maximum(minutes - after, 0.0) / 60.0
    return change, times_per_week, hours, freed


def _queue_weeks(q: float, mu: float, extra: np.ndarray | float) -> np.ndarray:
    """The queue in weeks of first assessments, :math:`Q / (\\mu + \\Delta V)`."""
    return np.asarray(q / (mu + np.asarray(extra, dtype=float)), dtype=float)


def _with_total(out: pd.DataFrame, before: float, after: float) -> pd.DataFrame:
    """The table with its row ``total`` (sums; queue weeks of all changes together) and weeks freed."""
    total: dict[str, Any] = {
        "requirement": "total",
        "requested_by": "",
        "level": "",
        "staff_category": "",
        "change": "",
        **{
            c: float(out[c].sum())
            for c in (
                "times_per_week",
                "hours_per_week",
                "fte",
                "freed_hours_per_week",
                "freed_fte",
                "freed_visits_per_week",
                "freed_first_assessments_per_week",
            )
        },
        "queue_weeks_before": before,
        "queue_weeks_after": after,
    }
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    out["queue_weeks_freed"] = out["queue_weeks_before"] - out["queue_weeks_after"]
    return out


def readable(table: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """:func:`requirements_capacity`'s table with headers and category values in ``lang``.

    Text from the list (requirement, who asks) is left as typed: escape it
    where it is inserted into HTML.
    """
    lang = check_language(lang)
    out = table.copy()
    for col in ("level", "staff_category"):
        out[col] = [
            _value_label(col, v, lang) if v in TABLES["time_use"].columns[col].values else v
            for v in out[col].astype(str)
        ]
    out["change"] = [
        _value_label("change", v, lang) if v in CHANGES else v for v in out["change"].astype(str)
    ]
    out.loc[out["requirement"] == "total", "requirement"] = t("admin.total", lang)
    return out.rename(columns={c: t(f"admin.col.{c}", lang) for c in out.columns})


def write_template(folder: str = "templates") -> list[str]:
    """Write the requirements list template in both languages into ``folder``."""
    from pathlib import Path

    out = []
    for lang, name in TEMPLATE_NAMES.items():
        path = Path(folder) / name
        path.write_bytes(template_csv(lang))
        out.append(str(path))
    return out


if __name__ == "__main__":  # pragma: no cover
    write_template()
