"""toolkit.unit_now: the balance verdict, the window, and the bad-input messages.

Expected verdicts come from the definition in docs/balance.md on hand-made
weekly series whose answer is obvious (constant series, a queue rising by a
fixed number a week, a load far from 1). Expected interval widths are worked
by hand from the formula with Student's t quantiles from the NIST/SEMATECH
e-Handbook of Statistical Methods, table 1.3.6.7.2.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from toolkit import report, unit_now
from toolkit.i18n import t
from toolkit.io import load_unit

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- t quantiles


@pytest.mark.parametrize(
    ("df", "expected"),
    # NIST/SEMATECH e-Handbook §1.3.6.7.2, upper critical values, two-sided 95 % (0.025 column)
    [(1, 12.706), (3, 3.182), (10, 2.228), (25, 2.060), (30, 2.042), (60, 2.000), (100, 1.984)],
)
def test_t_quantile_matches_the_nist_table(df, expected):
    assert unit_now.t_quantile_975(df) == pytest.approx(expected, abs=0.003)


# --------------------------------------------------------------------------- balance verdicts


def _balance(demand, activity, capacity, queue=20.0, target=30.0):
    return unit_now.stage_balance(
        demand=np.asarray(demand, dtype=float),
        activity=np.asarray(activity, dtype=float),
        capacity_per_week=capacity,
        queue_size=queue,
        target_queue_size=target,
    )


def test_steady_unit_with_spare_capacity_is_in_balance():
    # demand 10 every week, capacity 12.5: load 0.8 exactly, no noise, queue flat below target
    b = _balance(np.full(26, 10.0), np.full(26, 10.0), 12.5)
    assert b.covers == "yes" and b.load == pytest.approx(0.8)
    assert not b.growing and not b.above_target
    assert b.in_balance and b.failing == ()


def test_load_above_one_is_never_in_balance_whatever_the_queue():
    # the case: load 1.08 with a queue well inside twice its target
    b = _balance(np.full(26, 10.8), np.full(26, 10.8), 10.0, queue=35.0, target=30.0)
    assert b.covers == "no" and b.load == pytest.approx(1.08)
    assert not b.in_balance and "covers" in b.failing


def test_noisy_load_near_one_covers_within_the_noise():
    # demand 5, 15, 5, 15 ... (mean 10, sd = sqrt(26 × 25 / 25) = 5.0990), capacity 10.2:
    # load 0.98039, half-width = t(25) × sd / (sqrt(26) × 10.2) = 2.060 × 5.0990 / 52.010 = 0.20196
    # → interval 0.778–1.182 includes 1: within the noise, counted as met (docs/balance.md)
    d = np.tile([5.0, 15.0], 13)
    b = _balance(d, d, 10.2)
    assert b.covers == "noise"
    assert b.load == pytest.approx(10.0 / 10.2)
    assert b.load_low == pytest.approx(10.0 / 10.2 - 0.20196, abs=1e-4)
    assert b.load_high == pytest.approx(10.0 / 10.2 + 0.20196, abs=1e-4)
    assert b.failing == () and b.in_balance


def test_noisy_load_just_above_one_covers_within_the_noise():
    # the same noise with capacity 9.6: load 1.0417, interval 1.0417 ± 2.060 × 5.0990 /
    # (sqrt(26) × 9.6) = ± 0.21459 → 0.827–1.256 includes 1: not shown to fall short
    d = np.tile([5.0, 15.0], 13)
    b = _balance(d, d, 9.6)
    assert b.load == pytest.approx(10.0 / 9.6)
    assert b.load_low == pytest.approx(10.0 / 9.6 - 0.21459, abs=1e-4)
    assert b.covers == "noise" and "covers" not in b.failing


def test_load_interval_is_the_worked_formula():
    # d = 7, 13, ... (n = 26): mean 10, sd = sqrt(26 × 9 / 25) = 3.0594; capacity 8;
    # half-width = t(25) × sd / (sqrt(26) × 8) = 2.060 × 3.0594 / 40.792 = 0.15450
    d = np.tile([7.0, 13.0], 13)
    b = _balance(d, d, 8.0)
    assert b.load == pytest.approx(1.25)
    assert b.load_low == pytest.approx(1.25 - 0.15450, abs=1e-4)
    assert b.load_high == pytest.approx(1.25 + 0.15450, abs=1e-4)
    assert b.covers == "no"


def test_queue_rising_two_a_week_is_growing():
    # activity two below demand every week: the queue rises by exactly 2 a week
    d = np.tile([8.0, 12.0], 13)
    b = _balance(d, d - 2.0, 20.0, queue=10.0, target=30.0)
    assert b.covers == "yes"
    assert b.growing and b.growth_per_week == pytest.approx(2.0)
    assert b.failing == ("growing",)


def test_queue_that_goes_up_and_down_is_not_growing():
    # weekly changes +3, −3, +3, −3 ...: net zero, no trend
    d = np.full(26, 10.0)
    a = d - np.tile([3.0, -3.0], 13)
    b = _balance(d, a, 20.0)
    assert not b.growing and b.in_balance


def test_stable_queue_above_target_is_not_in_balance():
    b = _balance(np.full(26, 10.0), np.full(26, 10.0), 12.5, queue=80.0, target=30.0)
    assert b.failing == ("above_target",)


def test_without_capacity_the_in_out_ratio_is_judged():
    # no staff table: demand equals activity every week, so the in/out ratio is exactly 1 with
    # no spread: the interval is the single point 1, which includes 1 (within the noise)
    b = _balance(np.full(26, 10.0), np.full(26, 10.0), None)
    assert b.load_basis == "activity" and b.load == pytest.approx(1.0)
    assert b.covers == "noise" and b.in_balance


def test_without_capacity_demand_clearly_above_activity_does_not_cover():
    # demand 12, activity 10 every week: in/out ratio 1.2 with no spread, wholly above 1
    b = _balance(np.full(26, 12.0), np.full(26, 10.0), None, queue=10.0)
    assert b.load_basis == "activity" and b.load == pytest.approx(1.2)
    assert b.covers == "no" and b.failing == ("covers", "growing")


def test_no_weeks_cannot_be_judged():
    b = _balance([], [], 5.0, queue=0.0)
    assert b.covers == "unknown" and b.failing == ("covers",) and not b.in_balance
    for lang in ("sv", "en"):
        assert t("now.balance.covers_unknown_staff", lang) in unit_now.balance_text("x", b, lang)


def test_no_demand_is_covered():
    b = _balance(np.zeros(26), np.zeros(26), 5.0, queue=0.0)
    assert b.covers == "yes" and b.load == 0.0 and b.in_balance


@pytest.mark.parametrize(
    ("capacity", "covers", "key"),
    # demand 7, 13, ... (mean 10, half-width 2.060 × 3.0594 / (sqrt(26) × C) = 1.2360 / C):
    # C = 12.5: 0.80 ± 0.099 → 0.70–0.90, clearly below 1; C = 10: 1.00 ± 0.124 → straddles 1;
    # C = 8: 1.25 ± 0.155 → 1.10–1.40, clearly above 1
    [
        (12.5, "yes", "now.balance.covers_yes_staff"),
        (10.0, "noise", "now.balance.covers_noise_staff"),
        (8.0, "no", "now.balance.covers_no_staff"),
    ],
)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_three_capacity_outcomes_in_words(capacity, covers, key, lang):
    d = np.tile([7.0, 13.0], 13)
    b = _balance(d, d, capacity)
    assert b.covers == covers
    text = unit_now.balance_text("första bedömning", b, lang)
    head = t(key, lang, load="", low="", high="").split("(")[0].strip()
    assert head in text
    words = {
        "sv": {
            "yes": "täcker efterfrågan (",
            "noise": "täcker efterfrågan inom bruset",
            "no": "täcker inte",
        },
        "en": {
            "yes": "covers demand (",
            "noise": "covers demand within the noise",
            "no": "does not cover",
        },
    }[lang]
    assert words[covers] in text
    for other, word in words.items():
        if other != covers:
            assert word not in text
    assert b.in_balance == (covers != "no")
    verdict = {"sv": ("i balans:", "inte i balans:"), "en": ("in balance:", "not in balance:")}
    assert text.split(": ", 1)[1].startswith(verdict[lang][covers == "no"])


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_balance_sentence_names_every_failing_criterion(lang):
    d = np.tile([7.0, 13.0], 13)
    b = _balance(d, d - 2.0, 8.0, queue=100.0, target=30.0)
    text = unit_now.balance_text("första bedömning", b, lang)
    assert text.startswith("Första bedömning")
    for key in ("now.balance.covers_no_staff", "now.balance.growing", "now.balance.above_target"):
        head = t(key, lang, load="", low="", high="", growth="", queue="", target="")
        assert head.split("(")[0].strip() in text


# --------------------------------------------------------------------------- window


def _stub(extract: str, first: str = "2023-01-05"):
    return SimpleNamespace(
        kind="events",
        extract_date=pd.Timestamp(extract),
        referrals=pd.DataFrame({"received": pd.to_datetime([first])}),
    )


@pytest.mark.parametrize("extract", ["2024-12-29", "2024-12-31", "2025-01-04"])
def test_window_is_the_last_26_whole_weeks(extract):
    # 2024-12-29 is a Sunday: every extract date up to the next Saturday gives the same weeks
    w = unit_now.unit_window(_stub(extract))
    assert (w.start, w.end, w.weeks) == (pd.Timestamp("2024-07-01"), pd.Timestamp("2024-12-29"), 26)
    assert unit_now.window_text(w, "sv") == "senaste 26 veckorna, 2024-07-01–2024-12-29"
    assert unit_now.window_text(w, "en") == "last 26 weeks, 2024-07-01–2024-12-29"


def test_window_starts_no_earlier_than_the_period():
    w = unit_now.unit_window(_stub("2024-12-29"), period_start="2024-12-18")
    assert (w.start, w.weeks) == (pd.Timestamp("2024-12-16"), 2)


# --------------------------------------------------------------------------- bad input


def _sample_path(unit_id: str) -> Path:
    return ROOT / "sample_data" / unit_id


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_window_shorter_than_four_weeks_gives_a_message_not_figures(lang):
    unit = load_unit(_sample_path("liten"), extract_date="2024-12-29")
    now = unit_now.now_figures(unit, period_start="2024-12-16", lang=lang)
    assert not now.ok and not now.in_balance
    assert now.table.drop(columns=["stage", "target_days", "target_share"]).isna().all().all()
    message = t("now.too_short", lang, weeks=2, least=4, start="2024-12-16", end="2024-12-29")
    assert now.problems["unit"] == (message,)
    # the report shows the message where the queue table would be, and no number table there
    r = report.unit_report(
        _sample_path("liten"),
        lang=lang,
        extract_date="2024-12-29",
        period_start="2024-12-16",
        charts=False,
    )
    assert r.error is None and r.numbers["in_balance"] is False
    queue = next(s for s in r.sections if s.key == "queue")
    assert message in [b.content for b in queue.blocks]
    assert not [b for b in queue.blocks if b.kind == "table"]


def test_window_shorter_than_four_weeks_in_the_region_overview(tmp_path):
    (tmp_path / "units.yaml").write_text(
        "units:\n"
        f"- id: kort\n  name: Kort\n  path: {_sample_path('liten')}\n"
        "  extract_date: '2024-12-29'\n  period_start: '2024-12-16'\n",
        encoding="utf-8",
    )
    r = report.region_overview(
        tmp_path / "units.yaml",
        lang="en",
        charts=False,
        data_roots=[_sample_path("liten").parent],  # the manifest lies outside the sample folder
    )
    (row,) = r.numbers["units"]
    assert row["error"] is None and row["in_balance"] is False
    assert row["balance"] == t("now.balance.short_too_short", "en")
    assert math.isnan(row["load_first"])


def _no_completions_unit(folder: Path) -> Path:
    """40 referrals received from 2024-11-04 on, none assessed yet."""
    days = pd.Timestamp("2024-11-04") + pd.to_timedelta(np.arange(40) * 1.4, unit="D")
    pd.DataFrame(
        {
            "referral_id": [f"R{i:02d}" for i in range(40)],
            "received": days.normalize().strftime("%Y-%m-%d"),
            "decision": "accepted",
            "priority": "routine",
        }
    ).to_csv(folder / "referrals.csv", index=False)
    return folder


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_window_with_no_completions_gives_a_message_instead_of_waits(tmp_path, lang):
    path = _no_completions_unit(tmp_path)
    now = unit_now.now_figures(load_unit(path, extract_date="2024-12-29"), lang=lang)
    first = now.by_stage()["first_assessment"]
    assert first["activity_per_week"] == 0 and first["completed"] == 0
    assert math.isnan(first["median_wait_days"]) and math.isnan(first["share_within_target"])
    assert t("now.no_completions", lang) in now.problems["first_assessment"]
    r = report.unit_report(path, lang=lang, extract_date="2024-12-29", charts=False)
    waits = next(s for s in r.sections if s.key == "waits")
    assert any(t("now.no_completions", lang) in b.content for b in waits.blocks)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_load_of_one_or_more_gives_no_time_to_clear(lang):
    # demand 20 against capacity 18: the steady-state time to clear does not exist
    f = unit_now.stage_figures(
        demand_per_week=20.0,
        capacity_per_week=18.0,
        queue_size=100.0,
        target_days=30,
        share_within=0.9,
    )
    assert f["load"] == pytest.approx(20 / 18) and math.isinf(f["time_to_clear_weeks"])
    # and in the workbook: with almost no staff, the page says "never" and why. The sample
    # unit must have a queue above its target queue (else there is nothing to clear):
    # vaxande_behov's first-stage queue is far above it (docs/sample_data.md)
    from toolkit.widgets.demand import DemandCapacityApp

    app = DemandCapacityApp(lang)
    app.source.choice.value = "vaxande_behov"
    for slider in app.fte.values():
        slider.value = slider.min
    page = app.figures.value
    assert t("widgets.demand.never", lang) in page
    assert t("now.never_clears", lang, load="∞").split("∞")[1][:20] in page


def test_share_mode_hides_a_small_queue_in_the_verdict():
    # privacy rule (toolkit.privacy): counts 1 to threshold − 1 are not shown in shared outputs
    b = _balance(np.full(26, 1.0), np.full(26, 1.0), 2.0, queue=3.0, target=1.0)
    shared = unit_now.balance_text("första bedömning", b, "en", hide_below=5)
    assert "(<5 against 1)" in shared and "(3 against" not in shared
    assert "(3 against 1)" in unit_now.balance_text("första bedömning", b, "en")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_measured_variation_is_stated_and_used_in_the_capacity_needed(lang):
    unit = load_unit(_sample_path("liten"), extract_date="2024-12-29")
    assumed = unit_now.now_figures(unit, lang=lang)
    measured = unit_now.now_figures(unit, variation="measured", lang=lang)
    assert unit_now.variation_text(assumed, lang) == t("now.variation_assumed", lang)
    said = unit_now.variation_text(measured, lang)
    assert said.startswith(t("now.variation_measured", lang, window="", cvs="").split()[0])
    assert unit_now.window_text(measured.window, lang) in said
    for row in measured.table.to_dict("records"):
        # Kingman/Marchal as in NHSRwaitinglist: demand + (cv_a² + cv_s²) / 2 × factor / T
        factor = -math.log(1 - row["target_share"])
        weeks = row["target_days"] / 7
        expected = (
            row["demand_per_week"]
            + (row["cv_demand"] ** 2 + row["cv_capacity"] ** 2) / 2 * factor / weeks
        )
        assert row["target_capacity_per_week"] == pytest.approx(expected)
    assert (assumed.table[["cv_demand", "cv_capacity"]] == 1.0).all().all()
