"""Continuity of care: the usual-provider-of-care index (:func:`continuity`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.flow._days import DateLike, _check_window, _to_day
from toolkit.flow.periods import (
    _ALL,
    _NEVER,
    _UNKNOWN,
    CONTINUITY_COLUMNS,
    FREQS,
    _calendar,
    _int_days,
)
from toolkit.i18n import check_language, t


def continuity(
    unit: Any,
    freq: str = "MS",
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Continuity of care: the usual-provider-of-care index per period and staff category.

    For each patient (referral) with at least two attended visits in a period,
    the share of those visits held by the clinician the patient saw most. The
    table gives the mean over patients per staff category and for all
    categories together (``staff_category`` = ``all``), so the effect of
    staff turnover shows where it happens.

    Parameters
    ----------
    unit : toolkit.io.UnitData or pandas.DataFrame
        A loaded unit, or a visits table, with ``referral_id``, ``date``,
        ``staff_category``, ``clinician_id`` (pseudonymous) and ``status``
        (visits with another status than ``attended`` are left out; without
        the column every visit counts). Rows may come in any order.
    freq : {"MS", "W", "D"}, default "MS"
        Period: calendar months (default), weeks starting Monday, or days.
    start, end : date-like, optional
        First and last day counted; default the first and last visit (for a
        unit, the last is its extract date).
    lang : {"sv", "en"}, optional
        Language of the notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per period and staff category (the schema's categories, then
        ``all``), columns:

        ``period``
            first day of the period (datetime64).
        ``staff_category``
            the category of the visits, or ``all`` (categorical).
        ``patients``
            patients with at least one attended visit with a known clinician
            (int).
        ``visits``
            those visits (int).
        ``patients_upc``
            patients with at least two such visits, on whom ``upc`` rests
            (int).
        ``upc``
            mean usual-provider-of-care index of those patients (0–1; NaN
            when there are none).

        ``attrs`` holds ``freq`` and ``notes`` (visits left out, and why).

    Notes
    -----
    .. math:: \\mathrm{UPC}_i = \\frac{\\max_c n_{ic}}{n_i}, \\qquad
              \\overline{\\mathrm{UPC}} = \\frac{1}{|P|} \\sum_{i \\in P} \\mathrm{UPC}_i

    with :math:`n_{ic}` the attended visits (count) of patient :math:`i`
    with clinician :math:`c` in the period (and category), :math:`n_i =
    \\sum_c n_{ic}` and :math:`P` the patients with :math:`n_i \\ge 2`. The
    index is 1 when every visit was with the same clinician and
    :math:`1/n_i` at the lowest. A patient is a referral (episode). Visits
    without a clinician are left out (a note says how many). Computed by
    sorting integer keys (no loop over patients).

    References
    ----------
    .. [1] Breslau N., Reeb K.G. (1975), "Continuity of care in a
       university-based practice", Journal of Medical Education 50(10):
       965–969.
    .. [2] Pollack C.E. et al. (2016), "Measuring care continuity: a
       comparison of claims-based methods", Medical Care 54(5): e30–e34.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({
    ...     "referral_id": ["R1", "R1", "R1", "R2", "R2"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-01-09", "2024-01-16",
    ...                             "2024-01-03", "2024-01-04"]),
    ...     "staff_category": "psychologist",
    ...     "clinician_id": ["K1", "K1", "K2", "K3", "K4"],
    ...     "status": "attended",
    ... })
    >>> c = continuity(visits, lang="en")
    >>> psy = c[c.staff_category == "psychologist"]
    >>> psy[["patients", "visits", "patients_upc"]].to_numpy().tolist()
    [[2, 5, 2]]
    >>> round(psy.upc.item(), 4)  # R1: 2 of 3 with K1; R2: 1 of 2; (2/3 + 1/2) / 2
    0.5833
    """
    lang = check_language(lang)
    checks.one_of("freq", freq, FREQS, lang)
    notes: list[str] = []
    visits, extract = _visits_of(unit, lang)
    categories = [str(c) for c in _staff_categories(visits)]
    labels = [*categories, _UNKNOWN, _ALL]
    has_clinician = bool("clinician_id" in visits.columns and visits["clinician_id"].notna().any())
    day = _int_days(visits["date"], "date", lang)
    use = _usable(visits, day, has_clinician, notes, lang)
    first = _to_day(start, "start", lang) if start is not None else None
    if end is not None:
        last: int | None = _to_day(end, "end", lang)
    elif extract is not None:
        last = _to_day(extract, "end", lang)
    else:
        last = int(day[use].max()) if use.any() else None
    if first is None:
        first = int(day[use].min()) if use.any() else last
    if first is None or last is None:
        return _empty_continuity(labels, freq, notes)
    _check_window(first, last, lang)
    cal = _calendar(freq, first, last)
    use &= (day >= cal.first_day) & (day <= last)
    k = cal.size
    n_cat = len(labels)
    if "staff_category" in visits.columns:
        cat = pd.Categorical(visits["staff_category"], categories=categories).codes.astype(np.int64)
        cat = np.where(cat < 0, len(categories), cat)
    else:
        cat = np.full(len(visits), len(categories), dtype=np.int64)
    # codes over all rows (fast on Arrow-backed strings), then the rows used;
    # the codes need not be dense, only distinct per value
    patient_all = pd.factorize(visits["referral_id"])[0].astype(np.int64)
    use &= patient_all >= 0
    period = cal.index(day[use])
    patient = patient_all[use]
    clinician = (
        pd.factorize(visits["clinician_id"])[0].astype(np.int64)[use]
        if has_clinician
        else np.zeros(0, dtype=np.int64)
    )
    cat = cat[use]
    tables = [
        _upc(period * n_cat + cat, patient, clinician, k * n_cat),
        _upc(period * n_cat + n_cat - 1, patient, clinician, k * n_cat),
    ]
    patients, n_visits, n_upc, upc_sum = (a + b for a, b in zip(*tables, strict=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        upc = np.where(n_upc > 0, upc_sum / n_upc, np.nan)
    out = pd.DataFrame(
        {
            "period": cal.dates(np.repeat(cal.starts, n_cat)),
            "staff_category": pd.Categorical.from_codes(
                np.tile(np.arange(n_cat), k), categories=pd.Index(labels)
            ),
            "patients": patients.astype(np.int64),
            "visits": n_visits.astype(np.int64),
            "patients_upc": n_upc.astype(np.int64),
            "upc": upc,
        }
    )
    if not (cat == len(categories)).any():
        out = out[out["staff_category"] != _UNKNOWN].reset_index(drop=True)
        out["staff_category"] = out["staff_category"].cat.remove_categories([_UNKNOWN])
    out.attrs.update({"freq": freq, "notes": notes})
    return out


def _staff_categories(visits: pd.DataFrame) -> list[Any]:
    if "staff_category" not in visits.columns:
        return []
    values = visits["staff_category"]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(values.dropna().unique().tolist())


def _upc(
    cell: npt.NDArray[np.int64],
    patient: npt.NDArray[np.int64],
    clinician: npt.NDArray[np.int64],
    size: int,
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    """Per cell: patients, visits, patients with >= 2 visits, and the sum of their UPC."""
    if cell.size == 0:
        z = np.zeros(size, dtype=np.int64)
        return z, z.copy(), z.copy(), np.zeros(size)
    n_pat = int(patient.max()) + 1
    n_cli = int(clinician.max()) + 1
    # (cell, patient, clinician) as one sortable key: unique triples and their counts
    if size * n_pat * n_cli < 2**62:
        key = (cell * n_pat + patient) * n_cli + clinician
        triples, n_ic = np.unique(key, return_counts=True)
        pair = triples // n_cli
    else:  # too many combinations for one int64: sort the columns instead
        order = np.lexsort((clinician, patient, cell))
        c, p, d = cell[order], patient[order], clinician[order]
        new = np.ones(c.size, dtype=bool)
        new[1:] = (c[1:] != c[:-1]) | (p[1:] != p[:-1]) | (d[1:] != d[:-1])
        starts = np.flatnonzero(new)
        n_ic = np.diff(np.append(starts, c.size))
        pair = c[starts] * n_pat + p[starts]
    # per (cell, patient): visits and visits with the most-seen clinician
    pair_start = np.flatnonzero(np.concatenate([[True], pair[1:] != pair[:-1]]))
    n_i = np.add.reduceat(n_ic, pair_start)
    top_i = np.maximum.reduceat(n_ic, pair_start)
    cell_i = pair[pair_start] // n_pat
    patients = np.bincount(cell_i, minlength=size)[:size]
    visits = np.bincount(cell_i, weights=n_i, minlength=size)[:size]
    many = n_i >= 2
    n_upc = np.bincount(cell_i[many], minlength=size)[:size]
    upc_sum = np.bincount(cell_i[many], weights=top_i[many] / n_i[many], minlength=size)[:size]
    return patients, visits.astype(np.int64), n_upc, upc_sum


def _visits_of(unit: Any, lang: str) -> tuple[pd.DataFrame, Any]:
    """The unit's visits table (with ``referral_id`` and ``date``) and its extract date."""
    visits: Any
    if isinstance(unit, pd.DataFrame):
        visits, extract = unit, None
    else:
        visits = getattr(unit, "visits", None)
        extract = getattr(unit, "extract_date", None)
        if not isinstance(visits, pd.DataFrame):
            raise ParameterError(
                "flow.not_a_unit", argument="unit", got=type(unit).__name__, lang=lang
            )
    for column in ("referral_id", "date"):
        if column not in visits.columns:
            raise ParameterError(
                "flow.by_missing_column", argument="unit", value="visits", column=column, lang=lang
            )
    return visits, extract


def _usable(
    visits: pd.DataFrame,
    day: npt.NDArray[np.int64],
    has_clinician: bool,
    notes: list[str],
    lang: str,
) -> npt.NDArray[np.bool_]:
    """Rows that count: attended visits with a clinician and a date (notes on the rest)."""
    attended = (
        (visits["status"] == "attended").fillna(False).to_numpy(dtype=bool)
        if "status" in visits.columns
        else np.ones(len(visits), dtype=bool)
    )
    if not has_clinician:
        notes.append(t("flow.note.no_clinician", lang))
        return np.zeros(len(visits), dtype=bool)
    known = visits["clinician_id"].notna().to_numpy(dtype=bool)
    missing = int((attended & ~known).sum())
    if missing:
        notes.append(t("flow.note.visits_without_clinician", lang, count=missing))
    return attended & known & (day < _NEVER)


def _empty_continuity(labels: list[str], freq: str, notes: list[str]) -> pd.DataFrame:
    """The table of :func:`continuity` with no rows (nothing to count)."""
    out = pd.DataFrame({c: [] for c in CONTINUITY_COLUMNS})
    out["period"] = pd.DatetimeIndex([], dtype="datetime64[ns]")
    out["staff_category"] = pd.Categorical([], categories=labels)
    for c in ("patients", "visits", "patients_upc"):
        out[c] = np.zeros(0, dtype=np.int64)
    out["upc"] = np.zeros(0, dtype=np.float64)
    out.attrs.update({"freq": freq, "notes": notes})
    return out
