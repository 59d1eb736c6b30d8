"""The data contract: schema.yaml is complete, bilingual and unambiguous."""

from __future__ import annotations

import pandas as pd
import pandera.errors as pa_errors
import pytest

from toolkit.schema import (
    DATE_ORDER,
    TABLES,
    column_for_header,
    normalise_name,
    pandera_schema,
    table_for_name,
)

# The canonical tables and columns of the data contract (docs/architecture.md, toolkit.schema).
ARCHITECTURE_COLUMNS = {
    "referrals": [
        "referral_id",
        "received",
        "source",
        "question",
        "priority",
        "decision",
        "decided",
        "first_assessment",
        "deep_decision",
        "deep_start",
        "closed",
        "pvv_days",
        "sex",
        "age",
    ],
    "visits": [
        "visit_id",
        "referral_id",
        "date",
        "visit_type",
        "staff_category",
        "clinician_id",
        "mode",
        "duration_min",
        "status",
    ],
    "staff": ["staff_id", "category", "fte", "hours_per_week", "start", "end"],
    "time_use": ["date", "staff_category", "activity", "level", "minutes"],
    "period_counts": ["period", "stage", "arrived", "completed", "waiting_end"],
}


def test_tables_hold_every_column_architecture_names():
    for table, columns in ARCHITECTURE_COLUMNS.items():
        assert set(columns) <= set(TABLES[table].columns), table


@pytest.mark.parametrize("table", list(TABLES))
def test_every_column_and_value_has_a_swedish_name_and_docs(table):
    spec = TABLES[table]
    assert spec.sv and spec.doc_sv and spec.doc_en
    for col in spec.columns.values():
        assert col.sv and col.doc_sv and col.doc_en, col.name
        for value, names in col.values.items():
            assert names, f"{table}.{col.name}: value {value} has no Swedish name"


@pytest.mark.parametrize("table", list(TABLES))
def test_names_never_collide(table):
    # header_lookup raises if two columns share a spelling; values likewise map one way only.
    lookup = TABLES[table].header_lookup
    for col in TABLES[table].columns.values():
        assert lookup[normalise_name(col.sv)] == col.name
        seen: dict[str, str] = {}
        for value, names in col.values.items():
            for name in (value, *names):
                key = normalise_name(name)
                assert seen.setdefault(key, value) == value, f"{col.name}: {name} is ambiguous"


def test_table_names_in_both_languages_and_no_overlap():
    for spec in TABLES.values():
        assert table_for_name(spec.name + ".csv") == spec.name
        assert table_for_name(spec.sv.upper() + ".CSV") == spec.name
    assert table_for_name("patientlista.csv") is None


def test_headers_map_whatever_the_case_and_accents():
    assert column_for_header("referrals", "FÖRSTA BEDÖMNING") == "first_assessment"
    assert column_for_header("referrals", "forsta-bedomning") == "first_assessment"
    assert column_for_header("staff", "Tjänstgöringsgrad") == "fte"
    assert column_for_header("visits", "okänd") is None


def test_date_order_is_the_pathway_order_of_domain_md():
    # docs/domain.md: received -> first assessment -> decision -> in-depth/treatment -> closed.
    assert DATE_ORDER["referrals"] == (
        "received",
        "first_assessment",
        "deep_decision",
        "deep_start",
        "closed",
    )


def test_pandera_schema_rejects_out_of_range_and_duplicates():
    frame = TABLES["staff"].empty_frame()
    frame = pd.concat(
        [
            frame,
            pd.DataFrame(
                {
                    "staff_id": pd.array(["S1", "S1", "S2"], dtype="string"),
                    "category": pd.Categorical(
                        ["nurse", "nurse", "physician"],
                        categories=list(TABLES["staff"].columns["category"].values),
                    ),
                    "fte": [0.5, 0.5, 3.5],
                }
            ),
        ],
        ignore_index=True,
    )
    with pytest.raises(pa_errors.SchemaErrors) as info:
        pandera_schema("staff").validate(frame, lazy=True)
    cases = info.value.failure_cases
    assert set(cases["index"].dropna().astype(int)) == {1, 2}  # second S1 (first kept), FTE 3.5
