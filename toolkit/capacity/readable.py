"""Capacity tables with column names and values in Swedish or English (:func:`readable`)."""

from __future__ import annotations

import pandas as pd

from toolkit.i18n import check_language, t


def readable(table: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """A copy of a capacity table with column names and category values in ``lang``.

    Staff categories and visit types use the Swedish names of the schema in
    Swedish; pathway steps, sources and "total" use the texts of toolkit.capacity.
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
