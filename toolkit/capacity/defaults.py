"""The names of the capacity chain and its default parameters.

Staff categories, visit types, modes and pathway steps in schema order, and
the defaults of ``toolkit/data/capacity_defaults.yaml`` (:func:`default`,
:func:`defaults_table`), each with its unit and source.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, TypeAlias

import pandas as pd

from toolkit import _checks as checks
from toolkit import _yaml
from toolkit.i18n import check_language

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
    checks.one_of("name", name, params)
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
