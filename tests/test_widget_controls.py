"""The controls every workbook shares (toolkit/widgets/base.py), in the kernel.

A number box beside every slider reads Swedish and English forms and says
what it did; the reset button puts the settings back; fine choices have step
buttons; the staff sliders reach a large clinic. The expected values are the
typed inputs read by hand (``0,4`` is four tenths, ``40 %`` is 0.40).
"""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.i18n import t
from toolkit.widgets.base import parse_number


def _find(widget: Any, css: str) -> Any:
    if css in getattr(widget, "_dom_classes", ()):
        return widget
    for child in getattr(widget, "children", ()) or ():
        found = _find(child, css)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize(
    ("text", "number", "percent"),
    [
        ("0,4", 0.4, False),
        ("0.4", 0.4, False),
        ("40 %", 40.0, True),
        ("40%", 40.0, True),
        ("40", 40.0, False),
        ("1 234,5", 1234.5, False),
        ("1\u00a0234,5", 1234.5, False),
        ("−5 %", -5.0, True),
        ("+10", 10.0, False),
    ],
)
def test_parse_number_swedish_and_english(text: str, number: float, percent: bool) -> None:
    assert parse_number(text) == (pytest.approx(number), percent)


@pytest.mark.parametrize("text", ["", "fyra", "4,5,6", "40 %%", "1e3", "--4"])
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.fixture(scope="module")
def priority() -> Any:
    from toolkit.widgets.priority import PriorityApp

    return PriorityApp()


def _box(app: Any, css: str) -> Any:
    return next(n for n in app.number_boxes if css in n.slider._dom_classes)


@pytest.mark.parametrize(
    ("typed", "value", "shown"),
    # the cases: 40 gave 90 % and 0,4 gave 0 % in the slider's own readout
    [
        ("40", 0.40, "40\u00a0%"),
        ("0,4", 0.40, "40\u00a0%"),
        ("40 %", 0.40, "40\u00a0%"),
        ("0.25", 0.25, "25\u00a0%"),
        ("25%", 0.25, "25\u00a0%"),
    ],
)
def test_percent_box_reads_every_form(priority: Any, typed: str, value: float, shown: str) -> None:
    number = _box(priority, "tk-reserved-high")
    priority.reserved_high.value = 0.05
    number.box.value = typed
    assert priority.reserved_high.value == pytest.approx(value)
    assert number.box.value == shown
    assert shown in number.note.value and typed in number.note.value


def test_box_says_when_it_limits_rounds_or_refuses(priority: Any) -> None:
    number = _box(priority, "tk-reserved-high")
    priority.reserved_high.value = 0.20
    number.box.value = "90"  # the slider goes to 50 %
    assert priority.reserved_high.value == pytest.approx(0.5)
    assert (
        t(
            "widgets.number.clamped",
            "sv",
            text="90",
            low="0\u00a0%",
            high="50\u00a0%",
            value="50\u00a0%",
        )
        in number.note.value
    )
    number.box.value = "12 %"  # step 5 %
    assert priority.reserved_high.value == pytest.approx(0.10)
    assert "avrundades" in number.note.value
    number.box.value = "fyra"
    assert priority.reserved_high.value == pytest.approx(0.10)
    assert "inget tal" in number.note.value and number.box.value == "10\u00a0%"
    assert priority.error.value == ""


def test_reset_puts_settings_back(priority: Any) -> None:
    priority.reserved_urgent.value = 0.35
    priority.rule_b.value = "fcfs"
    priority.reset_button.click()
    assert priority.reserved_urgent.value == pytest.approx(0.10)
    assert priority.rule_b.value == "need"
    assert _box(priority, "tk-reserved-urgent").box.value == "10\u00a0%"


def test_english_box_and_signed_percent() -> None:
    from toolkit.widgets.priority import PriorityApp

    app = PriorityApp("en")
    number = _box(app, "tk-capacity-first")
    number.box.value = "-10 %"
    assert app.capacity_first.value == pytest.approx(-0.10)
    assert number.box.value == "-10%"
    number.box.value = "0.2"
    assert number.box.value == "+20%"


def test_staff_sliders_reach_a_large_clinic() -> None:
    from toolkit.widgets.demand import FTE_MAX, DemandCapacityApp

    app = DemandCapacityApp()
    assert FTE_MAX >= 60
    assert all(s.max >= FTE_MAX for s in app.fte.values())
    number = next(n for n in app.number_boxes if n.slider is app.fte["physician"])
    number.box.value = "12,5"
    assert app.fte["physician"].value == pytest.approx(12.5)
    assert number.box.value == "12,50"
    assert app.error.value == ""
    assert _find(app.container, "tk-reset") is app.reset_button


def test_change_date_has_step_buttons() -> None:
    from toolkit.widgets.spc import SpcApp

    app = SpcApp()
    values = [v for _, v in app.rebase.options]
    _find(app.container, "tk-step-forward").click()
    assert app.rebase.value == values[1]
    _find(app.container, "tk-step-forward").click()
    _find(app.container, "tk-step-back").click()
    assert app.rebase.value == values[1]
    app.reset_button.click()
    assert app.rebase.value == ""


def test_forms_have_no_reset() -> None:
    from toolkit.widgets.pdsa import PdsaApp
    from toolkit.widgets.selfassess import PksApp

    assert PdsaApp.has_reset is False and PksApp.has_reset is False


# --------------------------------------------------------------------------- never stale, never frozen


def _shown(widget: Any) -> bool:
    return widget.layout.display in (None, "")


def test_unusable_unit_shows_its_message_and_no_other_units_numbers() -> None:
    from toolkit.widgets.demand import DemandCapacityApp

    app = DemandCapacityApp()
    assert _shown(app.figures) and _shown(app.chart)
    app.source.choice.value = "endast_antal"  # counts only: no referrals, no visits
    assert t("widgets.demand.no_referrals", "sv") in app.error.value
    assert not _shown(app.figures) and not _shown(app.chart)
    app.source.choice.value = "balans"
    assert app.error.value == ""
    assert _shown(app.figures) and _shown(app.chart)


def test_same_rule_twice_is_compared_once_and_the_page_follows_the_unit() -> None:
    from toolkit.widgets.priority import PriorityApp

    app = PriorityApp()
    app.rule_b.value = "fcfs"  # A is fcfs too
    assert app.error.value == ""
    assert "två gånger" in app.rule_warning.value
    before = app.table_html.value
    app.source.choice.value = "vaxande_behov"  # the page still answers a unit change
    assert app.table_html.value != before and app.error.value == ""
    app.rule_b.value = "need"
    assert app.rule_warning.value == ""


def test_group_and_digital_never_sum_above_one() -> None:
    from toolkit.widgets.demand import DemandCapacityApp

    app = DemandCapacityApp()
    group = next(n for n in app.number_boxes if n.slider is app.group)
    digital = next(n for n in app.number_boxes if n.slider is app.digital)
    group.box.value = "60 %"
    digital.box.value = "60 %"
    assert app.group.value + app.digital.value == pytest.approx(1.0)
    assert "40" in digital.note.value  # says it set the highest allowed, 40 %
    assert app.error.value == ""
    group.box.value = "10 %"
    digital.box.value = "60 %"  # room again once group is lower
    assert app.digital.value == pytest.approx(0.6)
