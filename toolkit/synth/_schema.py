"""The data contract the generator writes to: ``toolkit/data/schema.yaml``."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from toolkit import _yaml

# --------------------------------------------------------------------------- schema


@cache
def _schema() -> dict[str, Any]:
    text = (resources.files("toolkit") / "data" / "schema.yaml").read_text(encoding="utf-8")
    tables: dict[str, Any] = _yaml.safe_load(text)["tables"]
    return tables


def _values(table: str, column: str) -> list[str]:
    return list(_schema()[table]["columns"][column]["values"])


def _categorical(table: str, column: str, values: Any) -> pd.Categorical:
    return pd.Categorical(values, categories=_values(table, column))


def _column_order(table: str, columns: Any) -> list[str]:
    return [c for c in _schema()[table]["columns"] if c in set(columns)]
