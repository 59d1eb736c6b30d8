"""The canonical tables, their columns and values, in Swedish and English.

Everything here is read from ``toolkit/data/schema.yaml``: that file is the
data contract. This module turns it into Python objects, name look-ups for
headers and category values written in either language, and pandera schemas
that validate the clean tables.

Examples
--------
>>> from toolkit.schema import TABLES, column_for_header
>>> TABLES["referrals"].required
('referral_id', 'received')
>>> column_for_header("referrals", "Inkommen")
'received'
>>> column_for_header("visits", "Besökstyp")
'visit_type'
>>> TABLES["visits"].columns["status"].canonical_value("Uteblev")
'did_not_attend'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import pandas as pd
import pandera.pandas as pa

from toolkit import _yaml

ColumnType = Literal["id", "date", "int", "float", "category", "text"]

#: pandas dtype of each column type in a clean table.
CLEAN_DTYPES: dict[str, Any] = {
    "id": "string",
    "text": "string",
    "date": "datetime64[ns]",
    "int": "Int64",
    "float": "float64",
}


def normalise_name(text: str) -> str:
    """Fold a header, file name or category value for matching.

    Lower case, accents removed (å→a, ä→a, ö→o, é→e), runs of spaces, dashes,
    dots and slashes turned into one ``_``.

    >>> normalise_name("  Första bedömning ")
    'forsta_bedomning'
    >>> normalise_name("Ångest/Depression")
    'angest_depression'
    """
    text = unicodedata.normalize("NFKD", str(text).strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s\-./_]+", "_", text).strip("_")


@dataclass(frozen=True, eq=False)
class ColumnSpec:
    """One column of a canonical table, as ``schema.yaml`` declares it."""

    name: str
    type: ColumnType
    sv: str
    required: bool = False
    unique: bool = False
    min: float | None = None
    max: float | None = None
    aliases: tuple[str, ...] = ()
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    doc_sv: str = ""
    doc_en: str = ""

    def label(self, lang: str) -> str:
        """The column's name as the user sees it in ``lang``."""
        return self.sv if lang == "sv" else self.name

    def value_label(self, value: str, lang: str) -> str:
        """A category value as the user sees it: the first Swedish name, or the canonical one."""
        if lang == "sv" and self.values.get(value):
            return self.values[value][0]
        return value

    @property
    def value_lookup(self) -> dict[str, str]:
        """Normalised spelling (canonical or Swedish) -> canonical value."""
        return _value_lookup(self)

    def canonical_value(self, text: str) -> str | None:
        """The canonical value for ``text`` in either language, or None if unknown."""
        return self.value_lookup.get(normalise_name(text))


@cache
def _value_lookup(spec: ColumnSpec) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical, names in spec.values.items():
        for name in (canonical, *names):
            lookup[normalise_name(name)] = canonical
    return lookup


@dataclass(frozen=True, eq=False)
class TableSpec:
    """One canonical table: its names and columns."""

    name: str
    sv: str
    columns: dict[str, ColumnSpec]
    aliases: tuple[str, ...] = ()
    doc_sv: str = ""
    doc_en: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        """Columns without which the table cannot be used."""
        return tuple(c.name for c in self.columns.values() if c.required)

    def label(self, lang: str) -> str:
        """The table's name as the user sees it in ``lang``."""
        return self.sv if lang == "sv" else self.name

    @property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header (canonical, Swedish or alias) -> canonical column."""
        return _header_lookup(self)

    def empty_frame(self) -> pd.DataFrame:
        """A clean table with no rows and the right columns and dtypes."""
        return pd.DataFrame(
            {name: pd.Series(dtype=clean_dtype(c)) for name, c in self.columns.items()}
        )


@cache
def _header_lookup(spec: TableSpec) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for col in spec.columns.values():
        for name in (col.name, col.sv, *col.aliases):
            key = normalise_name(name)
            if lookup.get(key, col.name) != col.name:
                raise RuntimeError(f"schema.yaml: header {name!r} names two columns of {spec.name}")
            lookup[key] = col.name
    return lookup


def clean_dtype(col: ColumnSpec) -> Any:
    """The pandas dtype of ``col`` in a clean table."""
    if col.type == "category":
        return pd.CategoricalDtype(categories=list(col.values))
    return CLEAN_DTYPES[col.type]


def _parse(raw: dict[str, Any]) -> tuple[dict[str, TableSpec], dict[str, tuple[str, ...]]]:
    tables: dict[str, TableSpec] = {}
    for tname, traw in raw["tables"].items():
        columns: dict[str, ColumnSpec] = {}
        for cname, craw in traw["columns"].items():
            values = {
                str(k): tuple(str(v) for v in (names or ()))
                for k, names in (craw.get("values") or {}).items()
            }
            columns[cname] = ColumnSpec(
                name=cname,
                type=craw["type"],
                sv=craw.get("sv", cname),
                required=bool(craw.get("required", False)),
                unique=bool(craw.get("unique", False)),
                min=craw.get("min"),
                max=craw.get("max"),
                aliases=tuple(str(a) for a in craw.get("aliases", ())),
                values=values,
                doc_sv=craw.get("doc_sv", ""),
                doc_en=craw.get("doc_en", ""),
            )
        tables[tname] = TableSpec(
            name=tname,
            sv=traw.get("sv", tname),
            columns=columns,
            aliases=tuple(traw.get("aliases", ())),
            doc_sv=traw.get("doc_sv", ""),
            doc_en=traw.get("doc_en", ""),
        )
    order = {k: tuple(v) for k, v in (raw.get("date_order") or {}).items()}
    return tables, order


@cache
def _load() -> tuple[int, dict[str, TableSpec], dict[str, tuple[str, ...]]]:
    text = (resources.files("toolkit") / "data" / "schema.yaml").read_text(encoding="utf-8")
    raw = _yaml.safe_load(text)
    tables, order = _parse(raw)
    return int(raw["version"]), tables, order


SCHEMA_VERSION, TABLES, DATE_ORDER = _load()
#: Table names in the order a unit's data is read (referrals before visits).
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)


def table_for_name(name: str) -> str | None:
    """The canonical table for a file or sheet name in either language, or None.

    >>> table_for_name("Besök.csv")
    'visits'
    >>> table_for_name("ordlista") is None
    True
    """
    stem = normalise_name(re.sub(r"\.(csv|txt|tsv|xlsx|xlsm)$", "", name, flags=re.I))
    for spec in TABLES.values():
        if stem in {normalise_name(n) for n in (spec.name, spec.sv, *spec.aliases)}:
            return spec.name
    return None


def column_for_header(table: str, header: str) -> str | None:
    """The canonical column of ``table`` for a header in either language, or None."""
    return TABLES[table].header_lookup.get(normalise_name(header))


@cache
def pandera_schema(table: str) -> pa.DataFrameSchema:
    """A pandera schema for the clean ``table``: types, required cells, ranges, values.

    Uniqueness keeps the first occurrence and reports the later ones.
    Columns a unit does not have are allowed to be absent.
    """
    columns: dict[str, pa.Column] = {}
    for col in TABLES[table].columns.values():
        checks: list[pa.Check] = []
        if col.min is not None or col.max is not None:
            lo = col.min if col.min is not None else float("-inf")
            hi = col.max if col.max is not None else float("inf")
            checks.append(pa.Check.in_range(lo, hi, name="in_range"))
        if col.type == "category":
            checks.append(pa.Check.isin(list(col.values), name="isin"))
        columns[col.name] = pa.Column(
            clean_dtype(col),
            checks=checks,
            nullable=not col.required,
            unique=col.unique,
            report_duplicates="exclude_first",
            required=col.required,
            name=col.name,
        )
    return pa.DataFrameSchema(columns, strict=False, coerce=False, name=table)
