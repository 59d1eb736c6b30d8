"""toolkit.priority: rule scenarios, the fast comparison and the side-by-side tables.

Expected values: for :func:`compare_rules` the table of
:func:`toolkit.simulate.compare` itself (the function it must equal); for the
tables small frames whose answers are read off by hand; for the effect of
the rules on the sample units the reasoning written beside each test, from
how the rules are defined (docs/simulation.md) and from the conservation of
work in a queue whose server never idles while someone waits (Kleinrock,
Queueing Systems vol. 2, 1976, sect. 3.4).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import ParameterError
from toolkit.i18n import t
from toolkit.priority import (
    PATHWAY,
    compare_rules,
    longest_waits,
    rule_scenarios,
    side_by_side,
    trade_off,
)
from toolkit.simulate import Scenario, calibrate, compare

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"


def _calibrated(unit_id: str) -> Scenario:
    from toolkit.io import load_unit

    return calibrate(load_unit(SAMPLE / unit_id, extract_date="2024-12-29"))


@pytest.fixture(scope="module")
def balans() -> Scenario:
    return _calibrated("balans")


@pytest.fixture(scope="module")
def skolar() -> Scenario:
    return _calibrated("skolar")


@pytest.fixture(scope="module")
def vaxande() -> Scenario:
    return _calibrated("vaxande_behov")


# --------------------------------------------------------------------------- rule_scenarios


def test_rule_scenarios_change_only_what_is_asked() -> None:
    base = Scenario(
        arrivals_per_week={"urgent": 2.0, "high": 4.0, "routine": 10.0},
        capacity_first_per_week=20.0,
        capacity_deep_per_week=80.0,
        reserved_shares={"high": 0.5},
        priority_rule="need",
    )
    a, b, c = rule_scenarios(
        base,
        ["fcfs", "reserved", "longest_wait"],
        capacity_first_change=-0.25,
        capacity_deep_change=0.5,
        demand_change=0.1,
        reserved_shares={"urgent": 0.3},
        class_target_days={"urgent": 7.0},
    )
    assert [s.name for s in (a, b, c)] == ["fcfs", "reserved", "longest_wait"]
    assert [s.priority_rule for s in (a, b, c)] == ["fcfs", "reserved", "longest_wait"]
    for s in (a, b, c):
        assert s.capacity_first_per_week == pytest.approx(15.0)  # 20 x 0.75
        assert s.capacity_deep_per_week == pytest.approx(120.0)  # 80 x 1.5
        assert s.arrivals_per_week["routine"] == pytest.approx(11.0)  # 10 x 1.1
        assert s.arrivals_per_week["urgent"] == pytest.approx(2.2)
        assert dict(s.class_target_days) == {"urgent": 7.0}
        # everything else is the base's
        assert s.dna_rate == base.dna_rate and s.start_queue_first == base.start_queue_first
    # the reserved shares go to the reserved rule only, and replace the base's
    assert dict(a.reserved_shares) == {} and dict(c.reserved_shares) == {}
    assert dict(b.reserved_shares) == {"urgent": 0.3}


@pytest.mark.parametrize(
    ("rules", "kwargs", "key"),
    [
        ([], {}, "priority.rules"),
        (["fcfs", "fcfs"], {}, "priority.rules"),
        (["fcfs", "random"], {}, "priority.rules"),
        ("fcfs", {}, "priority.rules"),
        (["fcfs"], {"capacity_first_change": -1.0}, "common.param_range"),
        (["fcfs"], {"demand_change": float("nan")}, "common.param_range"),
        (["fcfs"], {"capacity_deep_change": "10 %"}, "common.param_range"),
        (["reserved"], {"reserved_shares": {"acute": 0.2}}, "simulate.unknown_class"),
        (["reserved"], {"reserved_shares": {"urgent": 0.7, "high": 0.6}}, "simulate.shares_sum"),
    ],
)
def test_rule_scenarios_refuse_bad_arguments(rules: object, kwargs: dict, key: str) -> None:
    with pytest.raises(ParameterError) as err:
        rule_scenarios(Scenario(), rules, **kwargs)  # type: ignore[arg-type]
    assert err.value.key == key
    assert err.value.message("sv") != err.value.message("en")


# --------------------------------------------------------------------------- compare_rules


def test_compare_rules_equals_simulate_compare(balans: Scenario) -> None:
    # The function's contract: the same table as toolkit.simulate.compare.
    scenarios = rule_scenarios(
        balans,
        ["fcfs", "need", "reserved", "longest_wait", "first_visit_first"],
        capacity_first_change=-0.1,
        reserved_shares={"urgent": 0.1, "high": 0.2},
        class_target_days={"urgent": 7.0},
    )
    expected = compare(scenarios, 30, 60, seed=5, last_weeks=13, lang="en")
    got = compare_rules(scenarios, 30, 60, 5, last_weeks=13, lang="en")
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, atol=0)
    assert got.attrs == expected.attrs


def test_compare_rules_cache_gives_the_same_table(balans: Scenario) -> None:
    cache: dict = {}
    a, b, c = rule_scenarios(balans, ["fcfs", "need", "first_visit_first"])
    first = compare_rules([a, b], 20, 30, 2, last_weeks=10, cache=cache)
    assert len(cache) == 2
    # a rule changed: one new entry, the other scenario comes from the cache
    second = compare_rules([a, c], 20, 30, 2, last_weeks=10, cache=cache)
    assert len(cache) == 3
    pd.testing.assert_frame_equal(second, compare([a, c], 20, 30, 2, last_weeks=10), rtol=1e-12)
    pd.testing.assert_frame_equal(
        first[first.scenario == "fcfs"].reset_index(drop=True),
        second[second.scenario == "fcfs"].reset_index(drop=True),
    )
    # other settings are other entries, never a stale hit
    compare_rules([a], 20, 30, 3, last_weeks=10, cache=cache)
    assert len(cache) == 4


def test_compare_rules_refuses_bad_arguments() -> None:
    with pytest.raises(ParameterError):
        compare_rules(Scenario())  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        compare_rules([Scenario()], weeks=0)
    with pytest.raises(ParameterError):
        compare_rules([Scenario()], seed=-1)
    with pytest.raises(ParameterError):
        compare_rules(["fcfs"])  # type: ignore[list-item]


# --------------------------------------------------------------------------- tables


def _result() -> pd.DataFrame:
    """Two rules, two stages, classes urgent/routine/all; numbers chosen by hand."""
    rows = []
    values = {
        # rule, stage: (urgent mean, routine mean, all mean)
        ("fcfs", "first_assessment"): (4.0, 4.5, 4.4),
        ("fcfs", "deep_start"): (2.0, 2.2, 2.1),
        ("need", "first_assessment"): (0.1, 5.5, 4.3),
        ("need", "deep_start"): (0.5, 2.3, 2.0),
    }
    for (rule, stage), means in values.items():
        for cls, mean in zip(("urgent", "routine", "all"), means, strict=True):
            rows.append(
                {
                    "scenario": rule,
                    "stage": stage,
                    "need_class": cls,
                    "wait_mean_weeks": mean,
                    "wait_p90_weeks": mean + 1.0,
                    "share_within_target": max(0.0, 1 - mean / 10),
                    "queue_end": 10.0,
                }
            )
    frame = pd.DataFrame(rows)
    frame["stage"] = pd.Categorical(frame["stage"], ["first_assessment", "deep_start"])
    frame["need_class"] = pd.Categorical(frame["need_class"], ["urgent", "routine", "all"])
    return frame


def test_side_by_side_layout_and_values() -> None:
    wide = side_by_side(_result())
    assert wide.index.tolist() == [
        ("first_assessment", "urgent"),
        ("first_assessment", "routine"),
        ("first_assessment", "all"),
        ("deep_start", "urgent"),
        ("deep_start", "routine"),
        ("deep_start", "all"),
    ]
    assert list(wide.columns) == [
        (r, m)
        for r in ("fcfs", "need")
        for m in ("wait_mean_weeks", "wait_p90_weeks", "share_within_target")
    ]
    assert wide.loc[("first_assessment", "routine"), ("need", "wait_mean_weeks")] == 5.5
    assert wide.loc[("deep_start", "urgent"), ("need", "wait_p90_weeks")] == 1.5
    assert wide.loc[("first_assessment", "urgent"), ("fcfs", "share_within_target")] == 0.6


def test_side_by_side_of_a_real_comparison_matches_its_rows(balans: Scenario) -> None:
    result = compare(rule_scenarios(balans, ["need", "fcfs"]), 12, 20, seed=1, last_weeks=6)
    wide = side_by_side(result)
    assert list(wide.columns.get_level_values(0).unique()) == ["need", "fcfs"]  # chosen order
    for row in result.itertuples():
        for m in ("wait_mean_weeks", "wait_p90_weeks", "share_within_target"):
            value = wide.loc[(str(row.stage), str(row.need_class)), (row.scenario, m)]
            assert value == pytest.approx(getattr(row, m), nan_ok=True)


def test_side_by_side_refuses_duplicates_and_unknown_measures() -> None:
    doubled = pd.concat([_result(), _result()])
    with pytest.raises(ParameterError):
        side_by_side(doubled)
    with pytest.raises(ParameterError):
        side_by_side(_result(), ["queue_length"])
    with pytest.raises(ParameterError):
        side_by_side(pd.DataFrame({"scenario": ["x"]}))


def test_longest_waits_by_hand() -> None:
    table = longest_waits(_result()).set_index(["scenario", "stage"])
    # fcfs: routine waits longest at both stages (4.5 > 4.0, 2.2 > 2.0); whole way 4.5 + 2.2
    assert table.loc[("fcfs", "first_assessment"), "need_class"] == "routine"
    assert table.loc[("fcfs", PATHWAY), "wait_mean_weeks"] == pytest.approx(6.7)
    # need: routine again, now 5.5 and 2.3 -> 7.8; p90 of the class = mean + 1
    assert table.loc[("need", "first_assessment"), "wait_p90_weeks"] == 6.5
    assert table.loc[("need", PATHWAY), "wait_mean_weeks"] == pytest.approx(7.8)
    assert table.loc[("need", "deep_start"), "longest_p90_weeks"] == 3.3
    assert table["served"].all()


def test_longest_waits_counts_a_class_never_served_as_the_longest() -> None:
    # routine has people waiting but no one booked in the period: no wait can be
    # measured, yet it is the class that waits longest, and the table says so.
    result = _result()
    stuck = (result.scenario == "need") & (result.need_class == "routine")
    result.loc[stuck, ["wait_mean_weeks", "wait_p90_weeks"]] = np.nan
    table = longest_waits(result).set_index(["scenario", "stage"])
    row = table.loc[("need", "first_assessment")]
    assert row["need_class"] == "routine" and not row["served"]
    assert np.isnan(row["wait_mean_weeks"])
    assert table.loc[("need", PATHWAY), "need_class"] == "routine"
    assert np.isnan(table.loc[("need", PATHWAY), "wait_mean_weeks"])


def test_trade_off_by_hand() -> None:
    table = trade_off(_result(), "fcfs", "need").set_index(["stage", "need_class"])
    # urgent 4.0 -> 0.1 at stage 1: shorter by 3.9 weeks
    assert table.loc[("first_assessment", "urgent"), "wait_change_weeks"] == pytest.approx(-3.9)
    assert table.loc[("first_assessment", "urgent"), "effect"] == "shorter"
    assert table.loc[("first_assessment", "routine"), "effect"] == "longer"  # +1.0
    # routine at stage 2: +0.1 week, below the 0.15 threshold
    assert table.loc[("deep_start", "routine"), "effect"] == "same"
    assert (
        trade_off(_result(), "fcfs", "need", threshold_weeks=0.05)
        .set_index(["stage", "need_class"])
        .loc[("deep_start", "routine"), "effect"]
        == "longer"
    )
    # shares: 1 - mean/10, so the change is -(change of the mean)/10
    assert table.loc[("first_assessment", "urgent"), "share_change"] == pytest.approx(0.39)
    with pytest.raises(ParameterError):
        trade_off(_result(), "fcfs", "lottery")


# --------------------------------------------------------------------------- the rules on sample units


def test_need_first_shortens_urgent_waits_on_a_unit_in_balance(balans: Scenario) -> None:
    # balans: about 1.1 urgent referrals a week against about 18 first-assessment
    # slots. Under strict need order an urgent patient only waits behind other
    # urgent ones, a queue with a load of about 0.06, so nearly all are seen in
    # the week they are referred (wait 0 whole weeks), while under first come,
    # first served they wait as long as everyone else. The slots are the same,
    # so the routine patients pay: their wait gets longer.
    result = compare_rules(rule_scenarios(balans, ["fcfs", "need"]), 52, 100, 1, last_weeks=26)
    wide = side_by_side(result)
    fcfs, need = wide["fcfs"], wide["need"]
    urgent = ("first_assessment", "urgent")
    assert need.loc[urgent, "wait_mean_weeks"] < 0.1
    assert fcfs.loc[urgent, "wait_mean_weeks"] > 0.5
    routine = ("first_assessment", "routine")
    assert need.loc[routine, "wait_mean_weeks"] > fcfs.loc[routine, "wait_mean_weeks"]
    effects = trade_off(result, "fcfs", "need").set_index(["stage", "need_class"])["effect"]
    assert effects[urgent] == "shorter" and effects[routine] == "longer"
    # who waits longest under need first: the routine class, at stage 1
    longest = longest_waits(result).set_index(["scenario", "stage"])
    assert longest.loc[("need", "first_assessment"), "need_class"] == "routine"


def test_rules_create_no_capacity(vaxande: Scenario) -> None:
    # vaxande_behov: stage 1 load about 1.4. fcfs, need, reserved and
    # longest_wait all book a slot whenever someone waits (work-conserving), so
    # they complete the same number of first assessments a week and leave the
    # same number waiting; only who waits differs (Kleinrock's conservation
    # law). Not exact: no-shows are drawn per class, so 1 % is allowed.
    scenarios = rule_scenarios(
        vaxande,
        ["fcfs", "need", "reserved", "longest_wait"],
        reserved_shares={"urgent": 0.2},
        class_target_days={"urgent": 7.0},
    )
    result = compare_rules(scenarios, 52, 100, 1, last_weeks=26)
    pooled = result[(result.need_class == "all") & (result.stage == "first_assessment")]
    done = pooled["completions_per_week"].to_numpy()
    queue = pooled["queue_end"].to_numpy()
    assert np.ptp(done) < 0.01 * done.mean()
    assert np.ptp(queue) < 0.01 * queue.mean()
    # ... while the urgent class's wait differs a lot between the rules
    urgent = result[(result.need_class == "urgent") & (result.stage == "first_assessment")]
    waits = urgent.set_index("scenario")["wait_mean_weeks"]
    assert waits["need"] < 0.1 * waits["fcfs"]
    assert waits["reserved"] < 0.5 * waits["fcfs"]  # 20 % of slots for about 10 % of referrals


def test_first_visit_first_trades_stage_2_for_stage_1(skolar: Scenario) -> None:
    # skolar: stage 1 load about 1.08, so under fcfs few are seen within 30
    # days. first_visit_first lends stage 2 slots to stage 1 patients about to
    # pass their target: the stage 1 share within target rises, and the stage
    # 2 queue, which lost those slots, waits longer. The page's trade-off
    # sentence says exactly this: shorter to the first assessment, longer to
    # in-depth assessment/treatment.
    result = compare_rules(
        rule_scenarios(skolar, ["fcfs", "first_visit_first"]), 52, 100, 1, last_weeks=26
    )
    table = trade_off(result, "fcfs", "first_visit_first").set_index(["stage", "need_class"])
    first, deep = table.loc[("first_assessment", "all")], table.loc[("deep_start", "all")]
    assert first["share_other"] > first["share_reference"] + 0.3
    assert deep["wait_other"] > deep["wait_reference"]
    assert first["effect"] == "shorter" and deep["effect"] == "longer"


def test_workbook_chart_spec_does_not_depend_on_the_rules_and_is_valid() -> None:
    # The priority workbook's chart places and colours bars by the rule's slot
    # (A, B, C), so changing a rule only sends new rows to the drawn chart. The
    # spec is the same for other rules, passes Vega-Lite's schema, and each row
    # carries its rule's slot in the order of the compared rules.
    import altair as alt

    from toolkit.widgets import PriorityApp

    app = PriorityApp("en")
    classes = [str(k) for k in app.result["need_class"].cat.categories]
    _base, _end, profile = app._scenario()
    aims = {s: float(profile.stages[s].share_within) for s in profile.stages}
    before = app.chart.spec
    app.rule_b.value = "longest_wait"
    after = app.chart.spec
    assert {k: v for k, v in before.items() if k != "datasets"} == {
        k: v for k, v in after.items() if k != "datasets"
    }
    assert before["datasets"] != after["datasets"]
    alt.VConcatChart.from_dict(app._chart_spec(classes, aims), validate=True)
    rows = after["datasets"]["priority_waits"]
    slots = {(r["rule"], r["slot"]) for r in rows}
    assert slots == {
        (t("widgets.priority.rule.fcfs", "en"), "A"),
        (t("widgets.priority.rule.longest_wait", "en"), "B"),
    }


# --------------------------------------------------------------------------- counting everyone

WORK_CONSERVING = ["fcfs", "need", "reserved", "longest_wait"]


@functools.cache
def _equal_service_comparison() -> pd.DataFrame:
    """Three classes with equal service needs at a stage 1 load above 1 (20 against 19).

    Every patient takes one slot at stage 1, goes on to stage 2 with the same
    probability and then takes the same number of visits; no no-shows, no calendar.
    """
    base = Scenario(
        seasonality="none",
        holiday_weeks=(),
        dna_rate=0.0,
        capacity_first_per_week=19.0,
        share_to_deep={"urgent": 0.7, "high": 0.7, "routine": 0.7},
        class_target_days={"urgent": 7.0},
    )
    scenarios = rule_scenarios(
        base, [*WORK_CONSERVING, "first_visit_first"], reserved_shares={"urgent": 0.1, "high": 0.2}
    )
    return compare_rules(scenarios, 52, 1000, 4, last_weeks=26, lang="en")


def test_equal_service_rules_move_waiting_they_do_not_remove_it() -> None:
    # Conservation of work (Kleinrock, Queueing Systems vol. 2, 1976, sect. 3.4;
    # Kleinrock, Operations Research 1965;13(4):665-679): a server that never idles
    # while someone waits serves the same number each week whatever the order, so
    # with equal service needs the number waiting, and by Little's law (L = λW) the
    # mean wait of everyone together counting those still waiting, is the same under
    # every such rule. What a rule changes is who waits.
    result = _equal_service_comparison()
    everyone = result.set_index(["scenario", "stage", "need_class"])["wait_everyone_mean_weeks"]
    served = result.set_index(["scenario", "stage", "need_class"])["wait_mean_weeks"]
    stage1 = [everyone[(r, "first_assessment", "all")] for r in WORK_CONSERVING]
    # stage 1: the same referrals and slots (common random numbers), so the very same
    # number waiting every week: equal to rounding
    assert np.allclose(stage1, stage1[0], rtol=1e-12)
    # stage 2 is fed by stage 1's completions, drawn per class: the same distribution
    # (Binomial(completions, 0.7) in total whatever the split), equal within noise
    stage2 = [everyone[(r, "deep_start", "all")] for r in WORK_CONSERVING]
    assert max(stage2) / min(stage2) < 1.05
    # ... while the rules move waiting between the classes: need first shortens the
    # urgent class's wait and lengthens the routine class's
    assert (
        everyone[("need", "first_assessment", "urgent")]
        < 0.2 * everyone[("fcfs", "first_assessment", "urgent")]
    )
    assert (
        everyone[("need", "first_assessment", "routine")]
        > everyone[("fcfs", "first_assessment", "routine")]
    )
    # the mean of those served alone leaves out whom a rule keeps waiting (here the
    # routine patients still in the growing queue): it makes "need" look as if it
    # shortened everyone's wait, which the mean of everyone does not
    assert served[("need", "first_assessment", "all")] < served[("fcfs", "first_assessment", "all")]


def test_only_a_change_of_service_changes_the_mean_of_everyone() -> None:
    # first_visit_first lends stage 2 slots to stage 1: the service itself changes,
    # so the mean wait of everyone at stage 1 falls and at stage 2 rises.
    result = _equal_service_comparison()
    everyone = result.set_index(["scenario", "stage", "need_class"])["wait_everyone_mean_weeks"]
    fcfs, fvf = "fcfs", "first_visit_first"
    assert (
        everyone[(fvf, "first_assessment", "all")]
        < 0.9 * everyone[(fcfs, "first_assessment", "all")]
    )
    assert everyone[(fvf, "deep_start", "all")] > 1.1 * everyone[(fcfs, "deep_start", "all")]
    # the trade-off table compares this mean by default
    table = trade_off(result, fcfs, "need").set_index(["stage", "need_class"])
    pooled = table.loc[("first_assessment", "all")]
    assert pooled["effect"] == "same"
    assert pooled["wait_reference"] == pytest.approx(pooled["wait_other"], rel=1e-12)


def test_workbook_page_compares_everyone_and_states_the_conservation() -> None:
    # The page in-process: no error; at stage 1 every patient takes one slot, so the
    # mean of everyone is the same under first come first served and need first, and
    # the trade-off sentence shows the same figure on both sides of the arrow.
    import re

    from toolkit.widgets.priority import PriorityApp

    app = PriorityApp()
    assert app.error.value == ""
    sentence = re.search(r"data-stage='first_assessment'[^>]*>([^<]*)</li>", app.tradeoff.value)
    assert sentence is not None
    before, after = re.search(r"(\d+,\d) → (\d+,\d) veckor", sentence.group(1)).groups()  # type: ignore[union-attr]
    assert before == after
    assert t("widgets.priority.no_capacity", "sv") in app.tradeoff.value
    assert "data-measure='wait_everyone_mean_weeks'" in app.table_html.value
