"""Which functions take ``lang``: only those whose result it changes, and the file loaders.

Issue #19 item 4: a calculation function whose ``lang`` served only its error
messages no longer takes it; the error keeps its text key and fields, and the
caller shows it in its own language with ``err.message(lang)`` (the
workbooks' ``_guarded``, the reports). This file covers spc, simulate,
priority, forecast, national, production_plan, admin_inventory, kvips_cycle,
selfassess, pdsa, plan_followup and report_followup.

The expected message texts below are copied from the text catalogues
(``toolkit/data/text/kvips_cycle.yaml`` ``kvips.units``, ``spc.yaml``
``spc.missing_column``), filled in by hand.
"""

from __future__ import annotations

import dataclasses
import html
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

MODULES = (
    "toolkit.spc",
    "toolkit.simulate",
    "toolkit.priority",
    "toolkit.forecast",
    "toolkit.national",
    "toolkit.production_plan",
    "toolkit.admin_inventory",
    "toolkit.kvips_cycle",
    "toolkit.selfassess",
    "toolkit.pdsa",
    "toolkit.plan_followup",
    "toolkit.report_followup",
)

#: Took ``lang`` only for their errors; no longer take it.
REMOVED = (
    "toolkit.spc.spc",
    "toolkit.spc.spc_summary",
    "toolkit.simulate.calibrate",
    "toolkit.simulate.simulate",
    "toolkit.simulate.stack_scenarios",
    "toolkit.priority.rule_scenarios",
    "toolkit.forecast.weekly_counts",
    "toolkit.forecast.backtest",
    "toolkit.national.funnel_limits",
    "toolkit.national.funnel_table",
    "toolkit.national.funnel_curve",
    "toolkit.admin_inventory.time_by_level",
    "toolkit.admin_inventory.requirements_capacity",
    "toolkit.kvips_cycle.pairing_rounds",
    "toolkit.kvips_cycle.year_plan",
    "toolkit.kvips_cycle.visit_agenda",
    "toolkit.kvips_cycle.region_synthesis",
    "toolkit.selfassess.check_names",
    "toolkit.pdsa.unit_key",
    "toolkit.pdsa.log_path",
)

#: Keep ``lang``: it words the result, or the function reads a user's file.
KEPT = {
    "toolkit.simulate.capacity_from_staff": "notes of appointments.attrs",
    "toolkit.simulate.table": "notes",
    "toolkit.simulate.run": "notes",
    "toolkit.simulate.summary": "notes",
    "toolkit.simulate.compare": "notes",
    "toolkit.priority.compare_rules": "notes",
    "toolkit.forecast.forecast_referrals": "messages",
    "toolkit.forecast.forecast_by": "messages",
    "toolkit.national.read_national": "loader of a user's file",
    "toolkit.national.to_period_counts": "notes",
    "toolkit.national.template_csv": "header and separator",
    "toolkit.production_plan.production_plan": "messages",
    "toolkit.production_plan.number_text": "decimal comma",
    "toolkit.production_plan.plan_basis": "the forecast's messages",
    "toolkit.production_plan.plan_from_basis": "messages",
    "toolkit.production_plan.decision_effects": "labels",
    "toolkit.production_plan.unit_plan": "messages",
    "toolkit.admin_inventory.template_csv": "header, values and separator",
    "toolkit.admin_inventory.read_requirements": "loader of a user's file",
    "toolkit.admin_inventory.readable": "labels",
    "toolkit.kvips_cycle.load_cycle": "loader of a cycle file",
    "toolkit.kvips_cycle.agenda_markdown": "text",
    "toolkit.kvips_cycle.agenda_html": "text",
    "toolkit.kvips_cycle.synthesis_html": "text",
    "toolkit.kvips_cycle.workbook_bytes": "sheets' texts",
    "toolkit.selfassess.questionnaire_from_dict": "loader of a questionnaire file",
    "toolkit.selfassess.load_questionnaire": "loader of a questionnaire file",
    "toolkit.selfassess.answers_from_records": "loader of a saved session file",
    "toolkit.selfassess.answers_file_table": "headers and values",
    "toolkit.selfassess.answers_csv_bytes": "headers and values",
    "toolkit.selfassess.answers_excel_bytes": "headers, values and sheet name",
    "toolkit.selfassess.read_answers": "loader of a user's file",
    "toolkit.pdsa.validate_log": "checks a user's log file",
    "toolkit.pdsa.update_cycle": "checks a user's log; **fields would take lang as a field",
    "toolkit.pdsa.migrate_log": "reads a user's log file",
    "toolkit.pdsa.save_log": "reads and writes a user's log file",
    "toolkit.pdsa.export_log": "column labels",
    "toolkit.pdsa.read_log": "loader of a user's file",
    "toolkit.pdsa.save_change": "reads and writes a user's log file",
    "toolkit.pdsa.add_cycle": "reads a user's log; **fields would take lang as a field",
    "toolkit.pdsa.save_merge": "reads and writes a user's log file",
    "toolkit.plan_followup.follow_up": "messages",
    "toolkit.plan_followup.plan_weeks_before": "the plan's messages",
    "toolkit.plan_followup.unit_follow_up": "messages",
    "toolkit.plan_followup.readable_weekly": "labels",
    "toolkit.plan_followup.stage_summaries": "sentences",
    "toolkit.report_followup.followup_tables": "the plan's messages",
    "toolkit.report_followup.add_followup_section": "report text",
}


def _public_functions() -> dict[str, Callable[..., Any]]:
    """Every public function of the modules (and of their public submodules), by dotted name."""
    found: dict[str, Callable[..., Any]] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        subs = [module] + [
            importlib.import_module(f"{name}.{info.name}")
            for info in pkgutil.iter_modules(getattr(module, "__path__", []))
            if not info.name.startswith("_")
        ]
        for sub in subs:
            for attr, value in vars(sub).items():
                if attr.startswith("_") or not inspect.isfunction(value):
                    continue
                if value.__module__ != name and not value.__module__.startswith(name + "."):
                    continue
                exported = getattr(module, attr, None) is value
                found[f"{name}.{attr}" if exported else f"{sub.__name__}.{attr}"] = value
    return found


def _function(dotted: str) -> Callable[..., Any]:
    module, _, attr = dotted.rpartition(".")
    fn: Callable[..., Any] = getattr(importlib.import_module(module), attr)
    return fn


@pytest.mark.parametrize("dotted", REMOVED)
def test_removed_functions_take_no_lang(dotted: str) -> None:
    assert "lang" not in inspect.signature(_function(dotted)).parameters


def test_spc_options_have_no_lang() -> None:
    from toolkit.spc._options import SpcOptions

    assert "lang" not in {f.name for f in dataclasses.fields(SpcOptions)}


def test_every_lang_parameter_is_a_listed_decision() -> None:
    # a new public function with lang must be added to KEPT with its reason (or lose lang)
    functions = _public_functions()
    with_lang = {k for k, fn in functions.items() if "lang" in inspect.signature(fn).parameters}
    assert with_lang == set(KEPT)
    assert set(REMOVED) <= set(functions)


def _error_of(app: Any) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", app.error.value))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "units: at least two units with different names are needed (got 1)."),
        ("sv", "units: minst två enheter med olika namn behövs (fick 1)."),
    ],
)
def test_kvips_workbook_shows_pairing_error_in_its_language(lang: str, expected: str) -> None:
    # pairing_rounds raises without a language; the workbook shows it in the page's
    from toolkit.i18n import get_language
    from toolkit.widgets.kvips_cycle import KvipsCycleApp

    app = KvipsCycleApp(lang=lang)
    assert app.error.value == ""
    app.units.value = "BUP Ensam"
    assert get_language() == "sv"
    assert _error_of(app) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "value = 'nope' is not a column of data; the columns are: d, n."),
        ("sv", "value = 'nope' är ingen kolumn i data; kolumnerna är: d, n."),
    ],
)
def test_spc_error_through_a_workbook_guard_is_in_the_workbooks_language(
    lang: str, expected: str
) -> None:
    from toolkit.errors import ParameterError
    from toolkit.spc import spc
    from toolkit.widgets.kvips_cycle import KvipsCycleApp

    data = pd.DataFrame({"d": [1, 2, 3], "n": [4, 5, 6]})
    with pytest.raises(ParameterError) as err:
        spc(data, value="nope", date="d")
    assert err.value.message(lang) == expected
    app = KvipsCycleApp(lang=lang)  # any workbook: _guarded is the frame's
    assert app._guarded(lambda: spc(data, value="nope", date="d"))() is None
    assert _error_of(app) == expected
