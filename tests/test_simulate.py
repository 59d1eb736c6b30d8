"""Tests of toolkit.simulate: theory (M/M/1, M/M/c, Erlang C, Little), identities, rules, bad input.

Expected values come from queueing theory, computed here from the textbook
formulas (Kleinrock, Queueing Systems vol. 1, 1975, ch. 3.2 and 3.5;
Erlang C as in Gross & Harris, Fundamentals of Queueing Theory, eq. 2.34),
never from the code under test. Tolerances are stated beside each check.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.errors import ParameterError
from toolkit.simulate import (
    RULES,
    RawRun,
    Scenario,
    calibrate,
    compare,
    run,
    simulate,
    summary,
)

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def single(lam: float, cap: float, **kw: object) -> Scenario:
    """One class, one stage used, no calendar effects, no no-shows."""
    defaults: dict[str, object] = dict(
        classes=("routine",),
        arrivals_per_week={"routine": lam},
        seasonality="none",
        arrival_extra_cv=0.0,
        capacity_extra_cv=0.0,
        holiday_weeks=(),
        dna_rate=0.0,
        share_to_deep={"routine": 0.0},
        capacity_first_per_week=cap,
        capacity_deep_per_week=0.0,
    )
    defaults.update(kw)
    return Scenario(**defaults)  # type: ignore[arg-type]


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load a = λ/μ (Erlang C formula)."""
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail)


def steady(raw: RawRun, burn_in_weeks: int) -> tuple[np.ndarray, float]:
    """Per-replication time averages after the burn-in (stage 1, the single class)."""
    q = raw.queue[:, burn_in_weeks:, 0, 0].astype(float)
    done = raw.completions[:, burn_in_weeks:, 0, 0].sum()
    wait = raw.wait_sum[:, burn_in_weeks:, 0, 0].sum() / done / raw.steps_per_week
    return q, wait


# --------------------------------------------------------------------------- theory


def test_mm1_servers_model_matches_theory() -> None:
    # M/M/1, λ = 8, μ = 10 a week: ρ = 0.8, L = ρ/(1-ρ) = 4, Lq = ρ²/(1-ρ) = 3.2,
    # Wq = ρ/(μ-λ) = 0.4 week (Kleinrock 1975, eq. 3.24 and 3.26; Wq = W - 1/μ).
    # The servers model is the uniformised chain of M/M/1 (one event a
    # step), whose stationary law is exactly M/M/1's; its queue is those
    # waiting for service to start and its wait runs to that start.
    # Tolerance 8 % for sampling error (200 replications, 60 weeks after a
    # 20-week burn-in; the standard error of Wq is about 3 % at ρ = 0.8).
    raw = simulate(single(8, 10, capacity_model="servers"), 80, 200, 11, steps_per_week=20)
    q, wait = steady(raw, 20)
    in_service = raw.in_service[:, 20:, 0, 0]
    assert q.mean() + in_service.mean() == pytest.approx(4.0, rel=0.08)
    assert in_service.mean() == pytest.approx(0.8, rel=0.03)  # ρ = P(server busy)
    assert q.mean() == pytest.approx(3.2, rel=0.08)
    assert wait == pytest.approx(0.4, rel=0.08)


def test_mm1_slots_model_matches_theory() -> None:
    # The workshop model (Poisson slots, served = min(queue, slots)) tends to
    # M/M/1 as the step shrinks; at 20 steps a week (μ·Δt = 0.5) the
    # discretisation error is about 2 % (docs/simulation.md). Tolerance 8 %.
    raw = simulate(single(8, 10), 80, 200, 12, steps_per_week=20)
    q, wait = steady(raw, 20)
    assert q.mean() == pytest.approx(4.0, rel=0.08)
    assert wait == pytest.approx(0.5, rel=0.08)


def test_mmc_erlang_c() -> None:
    # M/M/3 with λ = 8, μ = 4 a week: a = 2, ρ = 2/3,
    # Erlang C = 4/9 = 0.444 (probability of waiting),
    # Lq = C ρ/(1-ρ) = 0.889, L = Lq + a = 2.889,
    # Wq = C/(cμ-λ) = 1/9 = 0.111 week, P(Wq > t) = C exp(-(cμ-λ) t), so the
    # 90th percentile of Wq is ln(C/0.1)/(cμ-λ) = 0.373 week
    # (Gross & Harris, Fundamentals of Queueing Theory, 4th ed., sect. 2.3;
    # Kleinrock 1975, sect. 3.5). The uniformised chain at 60 steps a week
    # has P(W > n steps) = C (1 - (cμ-λ)/60)^n exactly, whose lower p90 is
    # 22 steps = 0.367 week (1.7 % below the continuous value), and whose mean
    # is exactly C/(cμ-λ).
    c, lam, mu = 3, 8.0, 4.0
    a = lam / mu
    pw = erlang_c(c, a)
    assert pw == pytest.approx(4 / 9)
    lq = pw * (a / c) / (1 - a / c)
    wq = pw / (c * mu - lam)
    p90 = math.log(pw / 0.1) / (c * mu - lam)
    spw = 60
    raw = simulate(
        single(lam, c * mu, capacity_model="servers", servers_first=c),
        40,
        1000,
        13,
        steps_per_week=spw,
        wait_histogram_after_weeks=10,
    )
    # 1 000 replications x 30 weeks after a 10-week burn-in (the relaxation
    # time is about 2.5 weeks); standard error of Wq about 2 %, tolerances
    # about 3 standard errors
    q, wait = steady(raw, 10)
    busy = raw.in_service[:, 10:, 0, 0]
    # the queue is those waiting for service; the number in system adds those in service
    assert q.mean() == pytest.approx(lq, rel=0.08)
    assert (q + busy).mean() == pytest.approx(lq + a, rel=0.04)
    assert busy.mean() == pytest.approx(a, rel=0.02)  # mean busy servers = a
    assert (busy == c).mean() == pytest.approx(pw, abs=0.02)  # time share with all busy
    # the waits to service start themselves (pooled over replications after the burn-in)
    assert raw.wait_histogram is not None
    hist = raw.wait_histogram[:, 0, 0].sum(axis=0)
    assert 1 - hist[0] / hist.sum() == pytest.approx(pw, abs=0.02)  # Erlang C, by PASTA
    assert wait == pytest.approx(wq, rel=0.06)
    cum = np.cumsum(hist)
    lower_p90 = np.count_nonzero(cum < 0.9 * cum[-1]) / spw
    assert lower_p90 == pytest.approx(p90, rel=0.10)


@pytest.mark.parametrize("model", ["slots", "servers"])
def test_littles_law_exact_on_own_output(model: str) -> None:
    # With one step a week and an empty start, every week a patient spends
    # in the queue is counted once in the week-end queues and once in their
    # wait: sum of queues = sum of completed waits + (age + 1) of those
    # still waiting. An identity, so it must hold exactly per replication.
    # In the servers model the queue and the wait both end at the start of
    # service (one event a step needs slow rates: 0.3 arrivals, 0.35 and
    # 0.2 services a week).
    if model == "slots":
        sc = Scenario(capacity_first_per_week=20, capacity_deep_per_week=95)
        raw = simulate(sc, 52, 50, 5)
    else:
        sc = single(
            0.3,
            0.35,
            capacity_model="servers",
            share_to_deep={"routine": 0.5},
            capacity_deep_per_week=0.2,
        )
        raw = simulate(sc, 300, 50, 5)
        assert raw.queue.sum() > 0 and raw.in_service.sum() > 0
    lhs = raw.queue.sum(axis=1)
    rhs = raw.wait_sum.sum(axis=1) + raw.queue_age_sum[:, -1] + raw.queue[:, -1]
    np.testing.assert_array_equal(lhs, rhs)


def test_littles_law_in_steady_state() -> None:
    # L = λ W on the model's own stationary output, within 3 %.
    raw = simulate(single(15, 17, arrival_extra_cv=0.1, capacity_extra_cv=0.1), 150, 200, 6)
    q, wait = steady(raw, 50)
    lam = raw.arrivals[:, 50:, 0, 0].mean()
    assert q.mean() == pytest.approx(lam * wait, rel=0.03)


@pytest.mark.parametrize("rule", RULES)
def test_conservation_per_replication(rule: str) -> None:
    # arrivals = completions + change in queue, exactly, per replication,
    # stage and class (and a stage 1 completion either leaves or joins stage 2).
    sc = Scenario(
        priority_rule=rule,
        reserved_shares={"urgent": 0.1, "high": 0.2},
        class_target_days={"urgent": 7, "high": 14},
        start_queue_first={"routine": 80, "high": [1, 2, 3]},
        start_queue_deep={"routine": 40},
        capacity_deep_per_week=80,
    )
    raw = simulate(sc, 40, 30, 2)
    change = raw.queue[:, -1] - raw.start_queue
    np.testing.assert_array_equal(raw.arrivals.sum(axis=1) - raw.completions.sum(axis=1), change)
    assert (raw.arrivals[:, :, 1] <= raw.completions[:, :, 0]).all()
    assert (raw.queue >= 0).all()
    # the servers model (entering service completes the wait), 3 servers at stage 1
    srv = sc.replace(
        capacity_model="servers",
        servers_first=3,
        servers_deep=2,
        capacity_first_per_week=21,
        capacity_deep_per_week=16,
        start_queue_deep={},
    )
    raw = simulate(srv, 8, 30, 2, steps_per_week=62)
    change = raw.queue[:, -1] - raw.start_queue
    np.testing.assert_array_equal(raw.arrivals.sum(axis=1) - raw.completions.sum(axis=1), change)
    assert (raw.in_service[:, :, 0, -1] <= 3).all() and (raw.in_service[:, :, 1, -1] <= 2).all()
    # stage 2 arrivals are stage 1 service ends, which never outnumber starts
    ends_1 = raw.completions[:, :, 0, -1].sum(axis=1) - raw.in_service[:, -1, 0, -1]
    np.testing.assert_array_equal(raw.slots[:, :, 0].sum(axis=1), ends_1)
    assert (raw.arrivals[:, :, 1, -1].sum(axis=1) <= ends_1).all()


# --------------------------------------------------------------------------- behaviour


def test_zero_arrivals_drains_start_queue_oldest_first() -> None:
    sc = single(0, 10, start_queue_first={"routine": [5, 5, 5, 5, 5, 5, 5, 5, 5, 5]})
    raw = simulate(sc, 30, 20, 1)
    assert (raw.queue[:, -1] == 0).all()
    assert (raw.completions[:, :, 0, 0].sum(axis=1) == 50).all()
    # first come first served: the first week's completions are the oldest
    # (waited 9 whole weeks at the start, so 10 weeks when served in week 1)
    served = raw.completions[:, 0, 0, 0]
    # the i-th served (i = 0, 1, ...) comes from the cohort aged 9 - i // 5 weeks
    expected = [sum(10 - i // 5 for i in range(n)) for n in served]
    np.testing.assert_array_equal(raw.wait_sum[:, 0, 0, 0], expected)


def test_same_seed_same_result_and_other_seed_differs() -> None:
    sc = Scenario()
    a = run(sc, 20, 40, seed=3)
    b = run(sc, 20, 40, seed=3)
    c = run(sc, 20, 40, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a["queue_mean"].equals(c["queue_mean"])


def _stage_wait(sc: Scenario, stage: str, cls: str, weeks: int = 52, reps: int = 100) -> float:
    s = summary(run(sc, weeks, reps, seed=8), last_weeks=26).set_index(["stage", "need_class"])
    return float(s.loc[(stage, cls), "wait_mean_weeks"])


def test_need_rule_favours_urgent() -> None:
    sc = Scenario(capacity_first_per_week=22.5, seasonality="none", holiday_weeks=())
    fcfs = _stage_wait(sc, "first_assessment", "urgent")
    need = _stage_wait(sc.replace(priority_rule="need"), "first_assessment", "urgent")
    assert need < 0.5 * fcfs
    assert _stage_wait(
        sc.replace(priority_rule="need"), "first_assessment", "routine"
    ) > _stage_wait(sc, "first_assessment", "routine")


def test_longest_wait_uses_class_targets() -> None:
    sc = Scenario(
        capacity_first_per_week=22.5,
        class_target_days={"urgent": 7, "high": 14},
        seasonality="none",
        holiday_weeks=(),
    )
    fcfs = _stage_wait(sc, "first_assessment", "urgent")
    longest = _stage_wait(sc.replace(priority_rule="longest_wait"), "first_assessment", "urgent")
    assert longest < fcfs


def test_reserved_share_protects_a_class() -> None:
    # Stage 1 overloaded; 30 % reserved for urgent (1 a week) keeps its wait short.
    sc = Scenario(capacity_first_per_week=15, seasonality="none", holiday_weeks=())
    fcfs = _stage_wait(sc, "first_assessment", "urgent", weeks=30)
    reserved = _stage_wait(
        sc.replace(priority_rule="reserved", reserved_shares={"urgent": 0.3}),
        "first_assessment",
        "urgent",
        weeks=30,
    )
    assert reserved < 0.2 * fcfs


@pytest.fixture(scope="module")
def forsta() -> Scenario:
    from toolkit.io import load_unit

    return calibrate(load_unit(SAMPLE / "forsta_besok_forst", extract_date="2024-12-29"))


def test_first_visit_first_trades_stage_2_for_stage_1(forsta: Scenario) -> None:
    # A unit short of stage 1 capacity (the forsta_besok_forst sample, with
    # stage 1 capacity cut by a fifth): putting first visits first raises
    # the share seen within target at stage 1 and lengthens stage 2 waits.
    sc = forsta.replace(capacity_first_per_week=forsta.capacity_first_per_week * 0.8)
    both = compare(
        [sc.replace(name="fcfs"), sc.replace(name="fvf", priority_rule="first_visit_first")],
        52,
        100,
        last_weeks=26,
    )
    s = both[both.need_class == "all"].set_index(["scenario", "stage"])
    assert (
        s.loc[("fvf", "first_assessment"), "share_within_target"]
        > s.loc[("fcfs", "first_assessment"), "share_within_target"] + 0.2
    )
    assert (
        s.loc[("fvf", "deep_start"), "wait_mean_weeks"]
        > s.loc[("fcfs", "deep_start"), "wait_mean_weeks"]
    )


def test_calibrate_reads_the_unit(forsta: Scenario) -> None:
    from toolkit.io import load_unit

    unit = load_unit(SAMPLE / "forsta_besok_forst", extract_date="2024-12-29")
    refs = unit.referrals
    # the start queue is the number waiting for a first assessment at the extract date
    waiting = (
        refs["first_assessment"].isna()
        & ~refs["decision"].isin(["rejected", "redirected", "closed_no_visit"])
        & refs["closed"].isna()
    )
    total = sum(sum(v) if isinstance(v, list) else v for v in forsta.start_queue_first.values())
    assert total == int(waiting.sum())
    assert set(forsta.classes) == {"urgent", "high", "routine"}
    # stage 2 is the bottleneck in this sample unit, as its description says
    assert forsta.load()["deep_start"] > 1 > forsta.load()["first_assessment"] - 0.2


def test_calibrate_counts_only_unit() -> None:
    from toolkit.io import load_unit

    unit = load_unit(SAMPLE / "endast_antal", extract_date="2024-12-29")
    sc = calibrate(unit)
    counts = unit.period_counts
    last = counts[counts.period == counts.period.max()].set_index("stage")["waiting_end"]
    assert sc.classes == ("routine",)
    assert sc.start_queue_first == {"routine": int(last["first_assessment"])}
    assert sc.target_days_first == 30.0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    load=st.floats(0.6, 1.3),
    extra=st.floats(0.15, 1.0),
    rule=st.sampled_from(RULES),
)
def test_more_capacity_never_lengthens_the_wait(load: float, extra: float, rule: str) -> None:
    # Same seed (common random arrivals); 15 % or more extra capacity at a
    # stage. Tolerance 2 % of the wait for the capacity draws' noise.
    sc = Scenario(
        priority_rule=rule, capacity_first_per_week=20 / load, reserved_shares={"urgent": 0.1}
    )
    more1 = sc.replace(capacity_first_per_week=sc.capacity_first_per_week * (1 + extra))
    more2 = sc.replace(capacity_deep_per_week=sc.capacity_deep_per_week * (1 + extra))
    base = summary(run(sc, 40, 60, 1), 20).set_index(["stage", "need_class"])
    s1 = summary(run(more1, 40, 60, 1), 20).set_index(["stage", "need_class"])
    s2 = summary(run(more2, 40, 60, 1), 20).set_index(["stage", "need_class"])
    assert (
        s1.loc[("first_assessment", "all"), "wait_mean_weeks"]
        <= base.loc[("first_assessment", "all"), "wait_mean_weeks"] * 1.02 + 1e-9
    )
    assert (
        s2.loc[("deep_start", "all"), "wait_mean_weeks"]
        <= base.loc[("deep_start", "all"), "wait_mean_weeks"] * 1.02 + 1e-9
    )


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"arrivals_per_week": {"routine": -1.0}}, "arrivals_per_week"),
        ({"share_group": 0.7, "share_digital": 0.5}, "share_group + share_digital"),
        ({"reserved_shares": {"urgent": 0.6, "high": 0.6}}, "reserved_shares"),
        ({"capacity_first_per_week": 0.0}, "capacity_first_per_week"),
        ({"capacity_deep_per_week": 0.0}, "capacity_deep_per_week"),
        ({"dna_rate": 1.0}, "dna_rate"),
        ({"priority_rule": "random"}, "priority_rule"),
        ({"share_to_deep": {"unknown": 0.5}}, "share_to_deep"),
        ({"trend_per_year": -1.0}, "trend_per_year"),
        ({"holiday_weeks": (60,)}, "holiday_weeks"),
    ],
)
def test_impossible_scenarios_name_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ParameterError) as err:
        Scenario(**changes)  # type: ignore[arg-type]
    assert field in err.value.message("en")
    assert field in err.value.message("sv")


@pytest.mark.parametrize(
    ("argument", "value"), [("weeks", 0), ("replications", 0), ("steps_per_week", 0)]
)
def test_run_arguments(argument: str, value: int) -> None:
    args = {"weeks": 10, "replications": 10, "steps_per_week": 1, argument: value}
    with pytest.raises(ParameterError, match=argument):
        run(Scenario(), **args)  # type: ignore[arg-type]


def test_servers_model_needs_fine_steps() -> None:
    with pytest.raises(ParameterError, match="steps_per_week"):
        simulate(single(8, 10, capacity_model="servers"), 5, 5, 1, steps_per_week=7)


def test_too_much_memory_is_refused() -> None:
    with pytest.raises(ParameterError, match="replications"):
        simulate(Scenario(), 5000, 200_000, 1)


def test_runaway_returns_with_growth_and_a_note() -> None:
    sc = Scenario(capacity_first_per_week=4.0)  # load about 5
    weekly = run(sc, 104, 200, 1, lang="en")
    q = weekly[(weekly.stage == "first_assessment") & (weekly.need_class == "all")][
        "queue_mean"
    ].to_numpy()
    # the queue grows by about arrivals - capacity ≈ 16 a week
    assert q[-1] > q[51] > q[0]
    assert (q[-1] - q[51]) / 52 == pytest.approx(20 - 4 * 0.95 * 0.952, rel=0.15)
    assert any("above 1" in n for n in weekly.attrs["notes"])


# ---------------------------------------------------------------------------
# Capacity from staff hours (toolkit.capacity's chain into the model)
# ---------------------------------------------------------------------------

HAND_STAFF = pd.DataFrame(
    {
        "staff_id": ["A", "B", "C", "D"],
        "category": ["psychologist", "psychologist", "physician", "nurse"],
        "fte": [1.0, 0.5, 1.0, 0.8],
        "hours_per_week": [40.0, 40.0, 40.0, 40.0],
        "start": pd.to_datetime([None, None, None, "2024-01-01"]),
        "end": pd.to_datetime([None, None, "2024-03-31", None]),
    }
)
HAND_OPTIONS: dict[str, object] = {
    "visit_mix": {
        "first_assessment": 0.25,
        "assessment": 0.25,
        "treatment": 0.25,
        "follow_up": 0.25,
    },
    "mean_duration_min": {
        "first_assessment": 60.0,
        "assessment": 90.0,
        "treatment": 45.0,
        "follow_up": 30.0,
    },
    "dna_rate": 0.0,
}


def _direct_booked(**options: object) -> pd.Series:
    """Booked appointments per visit type, computed with toolkit.capacity directly."""
    from toolkit import capacity as cap

    ch = cap.clinical_hours(
        cap.staff_hours(HAND_STAFF, on="2024-06-01"), absence_share=0.1, non_clinical_share=0.5
    )
    ap = cap.appointments_per_week(ch, **{**HAND_OPTIONS, **options})  # type: ignore[arg-type]
    return ap.groupby("visit_type", observed=True)["booked_appointments_per_week"].sum()


def test_capacity_from_staff_equals_hand_arithmetic_and_capacity_module() -> None:
    from toolkit.simulate import capacity_from_staff

    # In post on 2024-06-01: A (1.0), B (0.5) psychologists, D (0.8) nurse; C left in March.
    # Clinical hours: (1.5 + 0.8) x 40 x (1 - 0.1) x (1 - 0.5) = 41.4 h a week.
    # Stage 1: 41.4 x 0.25 x 60 / 60 = 10.35 first assessments a week.
    # Stage 2: 41.4 x 0.25 x (60/90 + 60/45 + 60/30) = 10.35 x 4 = 41.4 slots a week.
    c = capacity_from_staff(
        HAND_STAFF,
        on="2024-06-01",
        absence_share=0.1,
        non_clinical_share=0.5,
        appointment_options=HAND_OPTIONS,
    )
    assert c.clinical_hours_per_week == pytest.approx(41.4, rel=1e-12)
    assert c.first_per_week == pytest.approx(10.35, rel=1e-12)
    assert c.deep_per_week == pytest.approx(41.4, rel=1e-12)
    direct = _direct_booked()
    assert c.first_per_week == pytest.approx(direct["first_assessment"], rel=1e-12)
    assert c.deep_per_week == pytest.approx(
        direct[["assessment", "treatment", "follow_up"]].sum(), rel=1e-12
    )


def test_capacity_from_staff_counts_group_visits_as_one_to_one_slots() -> None:
    from toolkit.simulate import capacity_from_staff

    # Half the treatment visits in groups of 6 led by 2: a treatment visit takes
    # 45 x (0.5 + 0.5 x 2/6) = 30 clinician minutes, so 10.35 h give
    # 10.35 x 60 / 30 = 20.7 booked treatment visits (13.8 one-to-one). Booked stage 2:
    # 6.9 + 20.7 + 20.7 = 48.3; the model's slots stay 41.4 (one-to-one equivalents).
    options = {**HAND_OPTIONS, "share_group": 0.5, "group_size": 6.0, "group_clinicians": 2.0}
    c = capacity_from_staff(
        HAND_STAFF,
        on="2024-06-01",
        absence_share=0.1,
        non_clinical_share=0.5,
        appointment_options=options,
    )
    assert c.deep_booked_per_week == pytest.approx(48.3, rel=1e-12)
    assert c.deep_per_week == pytest.approx(41.4, rel=1e-12)
    direct = _direct_booked(share_group=0.5, group_size=6.0, group_clinicians=2.0)
    assert c.deep_booked_per_week == pytest.approx(
        direct[["assessment", "treatment", "follow_up"]].sum(), rel=1e-12
    )
    # Scenario.visit_cost with the same group share turns slots back into booked visits
    # (only treatment has groups in toolkit.capacity, so compare on treatment alone).
    sc = Scenario(share_group=0.5, group_size=6.0, group_clinicians=2.0)
    assert 13.8 / sc.visit_cost() == pytest.approx(direct["treatment"], rel=1e-12)


def test_capacity_from_staff_changes_match_change_effect() -> None:
    from toolkit import capacity as cap
    from toolkit.simulate import capacity_from_staff

    # +0.2 nurse FTE and a fifth of non-clinical time freed:
    # at work (1.5 + 1.0) x 40 x 0.9 = 90 h; non-clinical 0.5 x 0.8 = 0.4;
    # clinical 90 x 0.6 = 54 h; first assessments 54 x 0.25 = 13.5 a week.
    c = capacity_from_staff(
        HAND_STAFF,
        on="2024-06-01",
        absence_share=0.1,
        non_clinical_share=0.5,
        added_fte={"nurse": 0.2},
        freed_non_clinical_share=0.2,
        appointment_options=HAND_OPTIONS,
    )
    assert c.clinical_hours_per_week == pytest.approx(54.0, rel=1e-12)
    assert c.first_per_week == pytest.approx(13.5, rel=1e-12)
    ce = cap.change_effect(
        cap.staff_hours(HAND_STAFF, on="2024-06-01"),
        added_fte={"nurse": 0.2},
        freed_non_clinical_share=0.2,
        absence_share=0.1,
        non_clinical_share=0.5,
        appointment_options=HAND_OPTIONS,  # type: ignore[arg-type]
    ).set_index("staff_category")
    attended = float(c.appointments["attended_appointments_per_week"].sum())
    assert attended == pytest.approx(ce.loc["total", "appointments_after_per_week"], rel=1e-12)


def test_calibrate_with_staff_capacity() -> None:
    from toolkit.io import load_unit
    from toolkit.simulate import capacity_from_staff

    unit = load_unit(SAMPLE / "forsta_besok_forst", extract_date="2024-12-29")
    observed = calibrate(unit)
    staffed = calibrate(unit, capacity="staff")
    expected = capacity_from_staff(unit)
    assert staffed.capacity_first_per_week == expected.first_per_week
    assert staffed.capacity_deep_per_week == expected.deep_per_week
    # everything but the two capacities is measured as before
    assert (
        staffed.replace(
            capacity_first_per_week=observed.capacity_first_per_week,
            capacity_deep_per_week=observed.capacity_deep_per_week,
        )
        == observed
    )
    with pytest.raises(ParameterError, match="capacity"):
        calibrate(unit, capacity="budget")


def test_calibrate_staff_without_staff_is_a_readable_error() -> None:
    from toolkit.io import load_unit

    unit = load_unit(SAMPLE / "forsta_besok_forst", extract_date="2024-12-29")
    unit.staff = unit.staff.iloc[0:0]
    with pytest.raises(ParameterError) as err:
        calibrate(unit, capacity="staff")
    assert "observed" in err.value.message("en")
