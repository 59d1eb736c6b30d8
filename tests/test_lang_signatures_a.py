"""Which calculation functions take ``lang``: only those whose result has words.

A function whose ``lang`` only set the language of its errors no longer takes
it (issue #19, item 4): the error carries its text key and fields, and the
caller shows it in the reader's language with ``err.message(lang)``, as the
workbooks' guarded callbacks (``toolkit.widgets.base._App._guarded``) and the
reports do. This file covers the modules toolkit.flow, toolkit.capacity,
toolkit.queueing, toolkit.waitlist, toolkit.targets, toolkit.equity,
toolkit.disclosure and toolkit.unit_now.
"""

from __future__ import annotations

import html
import importlib
import inspect
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from toolkit import capacity, equity
from toolkit.errors import ParameterError
from toolkit.widgets.base import _App

MODULES = (
    "toolkit.flow",
    "toolkit.capacity",
    "toolkit.queueing",
    "toolkit.waitlist",
    "toolkit.targets",
    "toolkit.equity",
    "toolkit.disclosure",
    "toolkit.unit_now",
)

#: Took ``lang`` only for the language of their errors; no longer take it.
REMOVED = {
    "toolkit.capacity.appointment_costs",
    "toolkit.capacity.capa_capacity",
    "toolkit.capacity.capa_demand",
    "toolkit.capacity.capacity_80_rule",
    "toolkit.capacity.hours_per_episode_from_visits",
    "toolkit.capacity.staff_mix_from_visits",
    "toolkit.equity.who_waits",
    "toolkit.unit_now.unit_window",
}

#: Take ``lang`` because their result has words in it.
KEPT = {
    "toolkit.flow.WaitingListStats.to_frame": "column labels",
    "toolkit.flow.continuity": "attrs['notes']",
    "toolkit.flow.queue_size": "attrs['notes']",
    "toolkit.flow.waiting_list_stats": "notes",
    "toolkit.flow.weekly_flow": "attrs['notes'] and stage names in them",
    "toolkit.capacity.appointments_per_week": "attrs['notes']",
    "toolkit.capacity.balance": "attrs['notes']",
    "toolkit.capacity.capacity_from_visits": "attrs['notes']",
    "toolkit.capacity.change_effect": "attrs['notes']",
    "toolkit.capacity.clinical_hours": "attrs['notes']",
    "toolkit.capacity.cost_table": "attrs['notes']",
    "toolkit.capacity.defaults_table": "unit and source columns",
    "toolkit.capacity.demand_hours": "attrs['notes']",
    "toolkit.capacity.readable": "column names and values",
    "toolkit.capacity.staff_hours": "attrs['notes']",
    "toolkit.capacity.time_use_shares": "attrs['notes']",
    "toolkit.queueing.FormulaCheck.message": "a sentence",
    "toolkit.targets.TargetProfile.name": "the profile's name",
    "toolkit.equity.group_label": "a group's name",
    "toolkit.disclosure.display": "a number as text",
    "toolkit.disclosure.round_numbers_in_text": "a note's numbers as text",
    "toolkit.unit_now.balance_text": "a sentence",
    "toolkit.unit_now.now_figures": "problems (sentences)",
    "toolkit.unit_now.variation_text": "a sentence",
    "toolkit.unit_now.window_text": "a sentence",
}


def _public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every public function of the modules, and every public method of their classes."""
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, obj in sorted(vars(module).items()):
            if attr.startswith("_") or not getattr(obj, "__module__", "").startswith(name):
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj):
                for method, fn in vars(obj).items():
                    if not method.startswith("_") and inspect.isfunction(fn):
                        yield f"{name}.{attr}.{method}", fn


FUNCTIONS = dict(_public_functions())


def _takes_lang(fn: Callable[..., Any]) -> bool:
    return "lang" in inspect.signature(fn).parameters


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_removed_functions_take_no_lang(name):
    assert name in FUNCTIONS, f"{name} is not a public function any more: update REMOVED"
    assert not _takes_lang(FUNCTIONS[name])


def test_every_function_with_lang_has_words_in_its_result():
    with_lang = {name for name, fn in FUNCTIONS.items() if _takes_lang(fn)}
    assert with_lang == set(KEPT), (
        "a public function takes lang but is not listed in KEPT (does its result have "
        f"words, or only its errors?): {sorted(with_lang ^ set(KEPT))}"
    )
    assert not (with_lang & REMOVED)


def _shown(fn: Callable[[], Any], lang: str) -> str:
    """What a workbook in ``lang`` shows when ``fn`` raises: its error box's text."""
    app = _App(lang=lang)
    assert app._guarded(fn)() is None
    return app.error.value


def _box(text: str) -> str:
    return f"<div class='tk-error' role='alert'>{html.escape(text)}</div>"


def test_capacity_80_rule_error_in_either_language():
    # toolkit/data/text/common.yaml, common.param_range:
    # sv "{argument} = {value} ligger utanför det tillåtna intervallet {allowed}."
    # en "{argument} = {value} is outside the allowed range {allowed}."
    # The value is written as a number in the reader's language (decimal comma in Swedish).
    en = "share = 80.0 is outside the allowed range 0–1."
    sv = "share = 80,0 ligger utanför det tillåtna intervallet 0–1."

    def call() -> Any:
        return capacity.capacity_80_rule([3, 5], share=80)

    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.message("en") == en
    assert err.value.message("sv") == sv
    assert _shown(call, "en") == _box(en)
    assert _shown(call, "sv") == _box(sv)


def test_who_waits_error_in_either_language():
    # toolkit/data/text/equity.yaml, equity.needs_referrals.
    en = (
        "Who waits can only be shown from data per referral (referrals), not from counts "
        "per period. Upload the unit's referrals to see the waits per group."
    )
    sv = (
        "Vem som väntar kan bara visas med data per remiss (remisser), inte med antal per "
        "period. Ladda upp enhetens remisser för att se väntetiderna per grupp."
    )
    counts_only = SimpleNamespace(kind="counts")

    def call() -> Any:
        return equity.who_waits(counts_only, by="sex")

    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.message("en") == en
    assert err.value.message("sv") == sv
    assert _shown(call, "en") == _box(en)
    assert _shown(call, "sv") == _box(sv)
