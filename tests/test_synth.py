"""Tests of toolkit.synth: the sample units show what they claim and obey the data contract.

The profile checks use plain pandas on the generated tables (no other toolkit
module), so they test the generator, not the analysis code. Expected values
are the units' claims and docs/sample_data.md (queue grows, >80 % within 30 days,
no-shows 5–10 %, national staffing and visit figures) or identities of the
pathway (date order, stock and flow). The "one story" tests set capacity from
the sample units' staff (the report's table, toolkit.capacity) against the
activity their visits show and the flow their referrals show.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit import synth
from toolkit.errors import ParameterError

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
SCHEMA = yaml.safe_load((REPO / "toolkit" / "data" / "schema.yaml").read_text(encoding="utf-8"))
DETAILED = [u.id for u in synth.SAMPLE_UNITS if not u.profile.counts_only]
STAGES = ["received", "first_assessment", "deep_decision", "deep_start", "closed"]


@pytest.fixture(scope="module")
def units() -> dict[str, dict[str, pd.DataFrame]]:
    return {u.id: synth.generate_unit(u.profile, seed=u.seed) for u in synth.SAMPLE_UNITS}


def _manifest_units() -> list[dict]:
    return list(yaml.safe_load((SAMPLE / "units.yaml").read_text(encoding="utf-8"))["units"])


def waiting_first(ref: pd.DataFrame, day: pd.Timestamp) -> int:
    """Referrals received by ``day`` that have neither had a first assessment nor been closed."""
    waiting = (ref["received"] <= day) & ~(ref["first_assessment"] <= day) & ~(ref["closed"] <= day)
    return int(waiting.sum())


def waiting_deep(ref: pd.DataFrame, day: pd.Timestamp) -> int:
    """Referrals with a deep decision by ``day`` that have not started nor been closed."""
    waiting = (ref["deep_decision"] <= day) & ~(ref["deep_start"] <= day) & ~(ref["closed"] <= day)
    return int(waiting.sum())


def first_waits(ref: pd.DataFrame, since: pd.Timestamp) -> pd.DataFrame:
    """Days from received to first assessment minus PVV, for first assessments from ``since``."""
    done = ref[ref["first_assessment"] >= since]
    days = (done["first_assessment"] - done["received"]).dt.days - done["pvv_days"].fillna(0)
    return pd.DataFrame({"date": done["first_assessment"], "days": days.astype(float)})


# --------------------------------------------------------------------------- files


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_regenerating_gives_byte_identical_sample_data(tmp_path: Path) -> None:
    synth.write_samples(tmp_path)
    assert _hashes(tmp_path) == _hashes(SAMPLE)


def test_sample_data_is_small() -> None:
    sizes = [p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file()]
    assert sum(sizes) < 6_000_000  # brief: total under 6 MB
    assert max(sizes) < 1_500_000  # brief: every file under 1.5 MB


def test_manifest_lists_every_unit_as_synthetic() -> None:
    manifest = yaml.safe_load((SAMPLE / "units.yaml").read_text(encoding="utf-8"))
    entries = manifest["units"]
    assert [e["id"] for e in entries] == [u.id for u in synth.SAMPLE_UNITS]
    for e in entries:
        assert e["synthetic"] is True
        assert "syntetisk" in e["name"]
        assert (SAMPLE / e["path"]).is_dir()
        assert e["language"] in {"sv", "en"}
        assert pd.Timestamp(e["extract_date"]).day_of_week == 6
        assert e["description_sv"] and e["description_en"]
    assert [e["language"] for e in entries].count("en") == 1
    profiles = [e["target_profile"] for e in entries]
    assert profiles.count("general_0_3_90_90") == 1
    assert profiles.count("bup_30_30") == len(entries) - 1
    styles = [u.style for u in synth.SAMPLE_UNITS]
    assert 3 <= styles.count("csv_sv") <= 4  # about half are Swedish exports


def test_swedish_export_style(tmp_path: Path, units: dict[str, dict[str, pd.DataFrame]]) -> None:
    tables = units["balans"]
    files = synth.write_unit(tables, tmp_path, style="csv_sv")
    assert sorted(p.name for p in files) == sorted(
        ["remisser.csv", "besök.csv", "personal.csv", "tidsanvändning.csv"]
    )
    staff = pd.read_csv(tmp_path / "personal.csv", sep=";", decimal=",", encoding="cp1252")
    assert list(staff.columns) == [c["sv"] for c in SCHEMA["tables"]["staff"]["columns"].values()]
    np.testing.assert_allclose(staff["tjänstgöringsgrad"], tables["staff"]["fte"])
    visits = pd.read_csv(tmp_path / "besök.csv", sep=";", encoding="cp1252", dtype=str)
    sv_status = {v[0] for v in SCHEMA["tables"]["visits"]["columns"]["status"]["values"].values()}
    assert set(visits["status"]) <= sv_status
    raw = (tmp_path / "remisser.csv").read_bytes()
    assert b"\r\n" not in raw
    assert raw.decode("cp1252").splitlines()[1].count(";") == 13
    with pytest.raises(ParameterError, match="style"):
        synth.write_unit(tables, tmp_path, style="xlsx")


# --------------------------------------------------------------------------- profiles


def test_balance_unit_first_queue_ends_near_its_start(units: dict) -> None:
    # balans holds its first-stage queue near its floor (about 25 waiting), so the queue on a
    # single day moves by ±5 from week to week; "stays at about the same level" is read on
    # the mean of the weekly queue over the first and the last quarter (13 weeks) of the period
    p, ref = synth.PROFILES["balans"], units["balans"]["referrals"]
    mondays = pd.date_range(p.period_start, p.extract_date, freq="7D")
    queue = pd.Series([waiting_first(ref, day) for day in mondays])
    start, end = queue.iloc[:13].mean(), queue.iloc[-13:].mean()
    assert 0.8 * start <= end <= 1.2 * start


def test_growing_demand_unit_first_queue_grows(units: dict) -> None:
    p, ref = synth.PROFILES["vaxande_behov"], units["vaxande_behov"]["referrals"]
    start, end = (
        waiting_first(ref, pd.Timestamp(p.period_start)),
        waiting_first(ref, p.extract_date),
    )
    assert end > 2 * start
    received = ref[ref["received"] >= pd.Timestamp(p.period_start)]["received"]
    per_year = received.dt.year.value_counts().sort_index()
    assert per_year.iloc[-1] > 1.1 * per_year.iloc[0]


def test_first_visit_first_unit_meets_30_days_but_deep_queue_grows(units: dict) -> None:
    p, ref = synth.PROFILES["forsta_besok_forst"], units["forsta_besok_forst"]["referrals"]
    waits = first_waits(ref, pd.Timestamp(p.period_start))
    assert (waits["days"] <= 30).mean() > 0.80
    start, end = waiting_deep(ref, pd.Timestamp(p.period_start)), waiting_deep(ref, p.extract_date)
    assert end > 2 * start


def test_school_year_unit_has_summer_dip_and_autumn_peak(units: dict) -> None:
    ref = units["skolar"]["referrals"]
    month = ref["received"].dt.month
    july = (month == 7).sum()
    autumn_mean = month.isin([9, 10, 11]).sum() / 3
    assert july < 0.5 * autumn_mean
    school = (ref["source"] == "school_health").mean()
    others = np.mean(
        [(units[u]["referrals"]["source"] == "school_health").mean() for u in DETAILED]
    )
    assert school > others


def test_changed_way_of_working_shortens_waits(units: dict) -> None:
    p, ref = synth.PROFILES["nytt_arbetssatt"], units["nytt_arbetssatt"]["referrals"]
    change = pd.Timestamp(p.period_start) + pd.Timedelta(weeks=p.change_week)
    waits = first_waits(ref, pd.Timestamp(p.period_start))
    before = waits.loc[waits["date"] < change, "days"].mean()
    after = waits.loc[waits["date"] >= change + pd.Timedelta(weeks=8), "days"].mean()
    assert after < 0.6 * before
    visits = units["nytt_arbetssatt"]["visits"]
    group = visits["mode"] == "group"
    assert group[visits["date"] >= change].mean() > 2 * group[visits["date"] < change].mean()


def test_small_unit_has_weeks_with_few_referrals(units: dict) -> None:
    p, ref = synth.PROFILES["liten"], units["liten"]["referrals"]
    received = ref.loc[ref["received"] >= pd.Timestamp(p.period_start), "received"]
    per_week = received.dt.to_period("W-SUN").value_counts()
    all_weeks = pd.period_range(p.period_start, p.extract_date, freq="W-SUN")
    per_week = per_week.reindex(all_weeks, fill_value=0)
    assert (per_week < 5).mean() > 0.3
    assert per_week.mean() < 6


@pytest.mark.parametrize("unit", DETAILED)
def test_adhd_share_grows(unit: str, units: dict) -> None:
    p, ref = synth.PROFILES[unit], units[unit]["referrals"]
    ref = ref[ref["received"] >= pd.Timestamp(p.period_start)]
    half = pd.Timestamp(p.period_start) + (p.extract_date - pd.Timestamp(p.period_start)) / 2
    first = (ref.loc[ref["received"] < half, "question"] == "adhd").mean()
    second = (ref.loc[ref["received"] >= half, "question"] == "adhd").mean()
    assert second > first
    assert 0.3 < first < 0.5  # docs/sample_data.md: ADHD a large share of the inflow


@pytest.mark.parametrize("unit", DETAILED)
def test_staff_posts_and_turnover(unit: str, units: dict) -> None:
    p, tables = synth.PROFILES[unit], units[unit]
    staff, visits = tables["staff"], tables["visits"]
    end = p.extract_date
    in_post = (staff["start"].isna() | (staff["start"] <= end)) & (
        staff["end"].isna() | (staff["end"] >= end)
    )
    assert staff["end"].notna().any()  # some turnover
    # every category that holds a clear part of the visits has someone in post
    share = visits["staff_category"].astype(str).value_counts(normalize=True)
    held = set(staff.loc[in_post, "category"].astype(str))
    assert set(share[share > 0.05].index) <= held
    assert staff["fte"].between(0.05, 1.0).all()


def test_staff_time_factor_scales_the_staff() -> None:
    # staff_time_factor multiplies the FTE needed (staff_fte_needed, Notes):
    # 1.5 × the staff of the same seed, up to the rounding of each category
    # to 0.05 FTE (six categories: at most 6 × 0.025 each way).
    base = replace(synth.PROFILES["balans"], staff_time_factor=1.0)
    one = synth.generate_unit(base, seed=5)["staff"]
    more = synth.generate_unit(replace(base, staff_time_factor=1.5), seed=5)["staff"]

    def fte_now(staff: pd.DataFrame) -> float:
        end = base.extract_date
        ok = (staff["start"].isna() | (staff["start"] <= end)) & (
            staff["end"].isna() | (staff["end"] >= end)
        )
        return float(staff.loc[ok, "fte"].sum())

    assert fte_now(more) == pytest.approx(1.5 * fte_now(one), abs=2 * 6 * 0.025 + 1e-9)


@pytest.mark.parametrize("unit", [u["id"] for u in _manifest_units() if u["id"] != "endast_antal"])
def test_capacity_from_staff_agrees_with_observed_activity(unit: str) -> None:
    """Capacity estimated from the staff table against the activity the visits show.

    The two sides are computed from the written sample files with
    toolkit.capacity. Observed (the independent side): attended visits per
    week in the last 52 weeks (capacity_from_visits). From staff: staff in post
    on the extract date → clinical hours (default absence; non-clinical time from
    the time-use study when the unit has one, else the default) → attended
    appointments a week with the unit's own visit mix, lengths, no-shows and
    group and digital shares (appointments_per_week). Tolerance: the issue asks
    for agreement within 10–15 %; 10 % on the unit's total, 20 % for each staff
    category holding at least a tenth of the visits (few posts, FTE rounded to
    0.05, a noisy two-week time-use study).
    """
    from toolkit import capacity as cap
    from toolkit.io import load_unit

    entry = next(u for u in _manifest_units() if u["id"] == unit)
    data = load_unit(SAMPLE / entry["path"], extract_date=entry["extract_date"])
    end = pd.Timestamp(entry["extract_date"])
    observed = cap.capacity_from_visits(data.visits)
    last = observed[observed["period_start"] > end - pd.Timedelta(weeks=52)]
    assert last["period_start"].nunique() == 52
    seen = last.groupby("staff_category")["attended"].sum() / 52

    hours = cap.staff_hours(data.staff, on=end)
    shares = cap.time_use_shares(data.time_use) if data.has("time_use") else None
    clinical = cap.clinical_hours(hours, non_clinical_share=shares)
    appointments = cap.appointments_per_week(clinical, data.visits)
    from_staff = appointments.groupby("staff_category")["attended_appointments_per_week"].sum()

    assert float(from_staff.sum()) == pytest.approx(float(seen.sum()), rel=0.10)
    major = seen[seen >= 0.10 * seen.sum()].index
    assert len(major) >= 3
    for category in major:
        assert float(from_staff[category]) == pytest.approx(float(seen[category]), rel=0.20), (
            category
        )


@pytest.mark.parametrize("unit", DETAILED)
def test_visit_mix(unit: str, units: dict) -> None:
    visits = units[unit]["visits"]
    dna = (visits["status"] == "did_not_attend").mean()
    assert 0.04 <= dna <= 0.10  # brief: no-shows about 5–10 %
    assert (visits["status"] == "cancelled").mean() > 0.02
    modes = visits["mode"].value_counts(normalize=True)
    assert modes["physical"] > 0.6 and min(modes) > 0
    # digital visits grow: later half of the visits against the earlier half
    # (the sample files hold the last year of visits, so halves, not years)
    middle = visits["date"].min() + (visits["date"].max() - visits["date"].min()) / 2
    digital = visits["mode"] == "digital"
    assert digital[visits["date"] > middle].mean() > digital[visits["date"] <= middle].mean()


def test_time_use_shares(units: dict) -> None:
    for unit in DETAILED:
        tu = units[unit]["time_use"]
        direct = tu.loc[tu["activity"] == "patient_direct", "minutes"].sum() / tu["minutes"].sum()
        # docs/sample_data.md: about a fifth of the time at work with patients
        # (the national BUP figures, about 7 visits per FTE and week); hospital
        # time studies (a third) and CAPA (30–40 %) are the upper references.
        assert 0.15 <= direct <= 0.30
        assert tu["date"].nunique() == 10  # two working weeks
        assert set(tu["activity"]) == set(
            SCHEMA["tables"]["time_use"]["columns"]["activity"]["values"]
        )


# --------------------------------------------------------------------------- contract


def check_contract(tables: dict[str, pd.DataFrame], extract_date: pd.Timestamp) -> None:
    """Every rule of schema.yaml that a generated unit must satisfy."""
    for table, frame in tables.items():
        spec = SCHEMA["tables"][table]["columns"]
        assert list(frame.columns) == [c for c in spec if c in frame.columns]
        for name, col in spec.items():
            if col.get("required"):
                assert name in frame.columns and frame[name].notna().all(), (table, name)
            if name not in frame.columns:
                continue
            s = frame[name]
            if col["type"] == "category":
                assert set(s.dropna().astype(str)) <= set(col["values"]), (table, name)
            if "min" in col:
                assert s.dropna().between(col["min"], col["max"]).all(), (table, name)
            if col.get("unique"):
                assert s.is_unique, (table, name)
            if col["type"] == "date" and table != "period_counts":
                assert not (s > extract_date).any(), (table, name)
    personnummer = re.compile(r"\d{6}[-+]?\d{4}")
    if "referrals" in tables:
        ref = tables["referrals"]
        assert ref["referral_id"].str.fullmatch(r"R\d{6,7}").all()
        assert not ref["referral_id"].str.contains(personnummer).any()
        assert (ref["decided"].isna() | (ref["decided"] >= ref["received"])).all()
        running = ref["received"]
        for stage in STAGES[1:]:
            assert (ref[stage].isna() | (ref[stage] >= running)).all(), stage
            running = ref[stage].where(ref[stage].notna(), running)
        # a later stage is never reached without the earlier ones
        assert ref.loc[ref["deep_start"].notna(), "deep_decision"].notna().all()
        assert ref.loc[ref["deep_decision"].notna(), "first_assessment"].notna().all()
        not_accepted = ref["decision"].isin(["rejected", "redirected", "closed_no_visit"])
        assert ref.loc[not_accepted, "first_assessment"].isna().all()
        assert (ref.loc[not_accepted, "closed"] == ref.loc[not_accepted, "decided"]).all()
    if "visits" in tables:
        vis, ref = tables["visits"], tables["referrals"]
        assert vis["visit_id"].str.fullmatch(r"V\d{7,8}").all()
        assert vis["clinician_id"].str.fullmatch(r"K\d{3}").all()
        assert vis["referral_id"].isin(ref["referral_id"]).all()
        received = vis["referral_id"].map(ref.set_index("referral_id")["received"])
        assert (vis["date"] >= received).all()
        not_accepted = ref.loc[ref["decision"] != "accepted", "referral_id"]
        assert not vis["referral_id"].isin(not_accepted).any()
        assert vis["clinician_id"].isin(tables["staff"]["staff_id"]).all()
        assert (vis["date"].dt.day_of_week < 5).all()


@pytest.mark.parametrize("unit", DETAILED)
def test_contract_holds(unit: str, units: dict) -> None:
    p, tables = synth.PROFILES[unit], units[unit]
    check_contract(tables, p.extract_date)
    ref, vis = tables["referrals"], tables["visits"]
    # one attended first_assessment visit on each first-assessment date in the
    # period for which visits are kept (the last visit_weeks weeks, or all of it)
    since = pd.Timestamp(p.period_start)
    if p.visit_weeks is not None:
        since = p.extract_date - pd.Timedelta(weeks=p.visit_weeks) + pd.Timedelta(days=1)
    assert vis["date"].min() >= since
    fa = ref[ref["first_assessment"] >= since]
    attended_first = vis[(vis["visit_type"] == "first_assessment") & (vis["status"] == "attended")]
    on_date = attended_first.set_index("referral_id")["date"]
    assert on_date.index.is_unique
    assert (
        fa.set_index("referral_id")["first_assessment"] == on_date.reindex(fa["referral_id"])
    ).all()
    # the episode is closed only after its last visit
    last = vis.groupby("referral_id")["date"].max()
    closed = ref.set_index("referral_id")["closed"].reindex(last.index)
    assert (closed.isna() | (closed >= last)).all()
    # some patient-chosen wait
    assert 0.01 < ref["pvv_days"].notna().mean() < 0.06


def test_counts_only_unit_is_consistent(units: dict) -> None:
    """Stock and flow: waiting_end = previous waiting_end + arrived − completed − removed."""
    tables = units["endast_antal"]
    assert list(tables) == ["period_counts"]
    pc = tables["period_counts"]
    check_contract(tables, synth.PROFILES["endast_antal"].extract_date)
    assert (pc["period"].dt.day_of_week == 0).all()
    for _, g in pc.groupby("stage", observed=True):
        g = g.sort_values("period")
        change = g["arrived"] - g["completed"] - g["removed"]
        np.testing.assert_array_equal(
            g["waiting_end"].to_numpy()[1:], (g["waiting_end"].shift() + change).to_numpy()[1:]
        )
        assert len(g) == synth.PROFILES["endast_antal"].weeks


def test_period_counts_match_a_hand_count() -> None:
    # Counted by hand: R1 waits weeks 1-2, R2 week 1 then removed, R3 arrives week 2.
    ref = pd.DataFrame(
        {
            "received": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-09"]),
            "first_assessment": pd.to_datetime(["2024-01-16", None, None]),
            "deep_decision": pd.to_datetime(["2024-01-16", None, None]),
            "deep_start": pd.to_datetime([None, None, None]),
            "closed": pd.to_datetime([None, "2024-01-05", None]),
        }
    )
    pc = synth.period_counts(ref, "2024-01-01", "2024-01-21")
    first = pc[pc["stage"] == "first_assessment"]
    assert first["arrived"].tolist() == [2, 1, 0]
    assert first["completed"].tolist() == [0, 0, 1]
    assert first["removed"].tolist() == [1, 0, 0]
    assert first["waiting_end"].tolist() == [1, 2, 1]
    deep = pc[pc["stage"] == "deep_start"]
    assert deep["waiting_end"].tolist() == [0, 0, 1]


# --------------------------------------------------------------------------- determinism, errors


def test_same_seed_same_tables_other_seed_differs() -> None:
    profile = synth.PROFILES["liten"]
    a = synth.generate_unit(profile, seed=7)
    b = synth.generate_unit(profile, seed=7)
    c = synth.generate_unit(profile, seed=8)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert len(a["referrals"]) != len(c["referrals"]) or not a["referrals"].equals(c["referrals"])


def test_bad_parameters_name_the_argument() -> None:
    with pytest.raises(ParameterError, match="dna_rate"):
        synth.UnitProfile(dna_rate=1.5)
    with pytest.raises(ParameterError, match="period_start") as err:
        synth.UnitProfile(period_start="2023-01-03")  # a Tuesday
    # one language per message (it read "a Monday / en måndag" in both before)
    assert err.value.message("sv") == "period_start ska vara en måndag, men fick 2023-01-03."
    assert err.value.message("en") == "period_start must be a Monday, but got 2023-01-03."
    with pytest.raises(ParameterError, match="change_week"):
        synth.UnitProfile(change_week=10)
    with pytest.raises(ParameterError, match="n_referrals"):
        synth.generate_large(0, 10, seed=1)


@settings(max_examples=15, deadline=None)
@given(
    n_referrals=st.integers(1, 3000),
    n_visits=st.integers(0, 6000),
    seed=st.integers(0, 2**32 - 1),
)
def test_generate_large_is_valid(n_referrals: int, n_visits: int, seed: int) -> None:
    big = synth.generate_large(n_referrals, n_visits, seed=seed)
    assert len(big["referrals"]) == n_referrals and len(big["visits"]) == n_visits
    ref, vis = big["referrals"], big["visits"]
    assert ref["referral_id"].str.fullmatch(r"R\d{7}").all()
    assert vis["visit_id"].str.fullmatch(r"V\d{8}").all()
    check_contract_large(big, pd.Timestamp("2024-12-29"))


def check_contract_large(tables: dict[str, pd.DataFrame], extract_date: pd.Timestamp) -> None:
    """The contract for the benchmark tables (clinician ids are not staff rows there)."""
    ref, vis = tables["referrals"], tables["visits"]
    check_contract({"referrals": ref}, extract_date)
    assert vis["visit_id"].is_unique
    assert vis["referral_id"].isin(ref["referral_id"]).all()
    joined = ref.set_index("referral_id").loc[vis["referral_id"]]
    assert (vis["date"].to_numpy() >= joined["first_assessment"].to_numpy()).all()
    closed = joined["closed"].to_numpy()
    assert (pd.isna(closed) | (vis["date"].to_numpy() <= closed)).all()
    assert not (vis["date"] > extract_date).any()
    assert vis["duration_min"].between(1, 480).all()


# --------------------------------------------------------------------------- loader


def test_loader_keeps_every_row_of_every_sample_unit() -> None:
    io = pytest.importorskip("toolkit.io", exc_type=ImportError)
    manifest = yaml.safe_load((SAMPLE / "units.yaml").read_text(encoding="utf-8"))
    for entry in manifest["units"]:
        unit = io.load_unit(SAMPLE / entry["path"], extract_date=entry["extract_date"], lang="en")
        for table, account in unit.account.items():
            assert account.rows_read > 0, (entry["id"], table)
            assert account.rows_used == account.rows_read, (
                entry["id"],
                table,
                account.excluded["reason"].value_counts().to_dict(),
            )


# --------------------------------------------------------------------------- one story
#
# Staff, time use, visits and flow of each sample unit tell one story
# (docs/sample_data.md). The figures are computed from the written sample files
# with plain pandas, except "capacity from staff", which is read where people
# read it: the report's table "Capacity per staff category" (toolkit.report →
# toolkit.capacity), and toolkit.capacity's chain for the split by stage.
#
# External reference values (docs/sample_data.md):
# - 22 FTE per 1 000 patients in BUP (Socialstyrelsen's proposal for a national
#   development team for BUP: staffing density fell from 26 to 22 since 2016);
# - about 8 visits per patient in care a year (SKR, Psykiatrin i siffror: about
#   1.16 million BUP visits in 2021, with 6.2 % of all children, about 144 000,
#   in contact);
# - demand in clinician hours per referral by CAPA's rule of thumb (1 h Choice,
#   66 % go on, 12 h in-depth assessment for 40 % of them, 7.5 h treatment for the
#   rest: capa.co.uk "Rules of thumb", camhsnetwork.co.uk).

FTE_PER_1000_NATIONAL = 22.0
VISITS_PER_PATIENT_NATIONAL = 8.0
#: Units designed to be short of capacity, and the stage that is short.
SHORT_UNITS = {"vaxande_behov": "first_assessment", "forsta_besok_forst": "deep_start"}
#: The unit short of second-stage capacity: patients wait for it after a first visit,
#: so it has fewer visits and fewer staff per patient in care than the others.
THIN_UNIT = "forsta_besok_forst"
_STEP_OF_TYPE = {
    "first_assessment": "first_assessment",
    "assessment": "in_depth_assessment",
    "treatment": "treatment_course",
    "follow_up": "treatment_course",
}


class _Rows(HTMLParser):
    """Rows of <td> texts in the tables of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_td = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        if tag == "td":
            self.in_td = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.in_td = False

    def handle_data(self, data: str) -> None:
        if self.in_td:
            self.rows[-1][-1] += data


def _number(cell: str) -> float:
    return float(
        cell.replace("\u2212", "-").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    )


@pytest.fixture(scope="module")
def story() -> dict[str, dict]:
    """Per detailed unit: the loaded data, its manifest entry and its report (English)."""
    from toolkit import report
    from toolkit.io import load_unit

    out = {}
    for entry in _manifest_units():
        if entry["id"] not in DETAILED:
            continue
        path = SAMPLE / entry["path"]
        out[entry["id"]] = {
            "entry": entry,
            "data": load_unit(path, extract_date=entry["extract_date"]),
            "report": report.unit_report(
                path,
                lang="en",
                target_profile=entry["target_profile"],
                extract_date=entry["extract_date"],
                period_start=entry["period_start"],
                charts=False,
            ),
        }
    return out


def _report_staff_loads(rep) -> pd.Series:
    """Load (demand / capacity) per staff category as the report's capacity table shows it."""
    section = next(s for s in rep.sections if s.key == "capacity")
    table = next(b.content for b in section.blocks if b.kind == "table")
    parser = _Rows()
    parser.feed(table)
    rows = [r for r in parser.rows if r]
    assert len(rows) == 7  # six staff categories in schema order, then the total
    return pd.Series(
        [_number(r[-1]) for r in rows],
        index=[*SCHEMA["tables"]["staff"]["columns"]["category"]["values"], "total"],
    )


def _last_year(entry: dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    end = pd.Timestamp(entry["extract_date"])
    return end - pd.Timedelta(days=365), end


def _patients_and_visits(data, entry: dict) -> tuple[int, int]:
    """Patients in care (distinct referrals with an attended visit in the last 365 days) and those visits."""
    start, end = _last_year(entry)
    v = data.visits
    recent = v[(v["date"] > start) & (v["date"] <= end) & (v["status"].astype(str) == "attended")]
    return int(recent["referral_id"].nunique()), len(recent)


def _fte_in_post(data, entry: dict) -> float:
    s, end = data.staff, pd.Timestamp(entry["extract_date"])
    ok = (s["start"].isna() | (s["start"] <= end)) & (s["end"].isna() | (s["end"] >= end))
    return float(s.loc[ok, "fte"].sum())


@pytest.mark.parametrize("unit", DETAILED)
def test_fte_per_1000_patients_in_care_near_the_national_figure(unit: str, story: dict) -> None:
    data, entry = story[unit]["data"], story[unit]["entry"]
    patients, _ = _patients_and_visits(data, entry)
    per_1000 = 1000 * _fte_in_post(data, entry) / patients
    if unit == THIN_UNIT:
        # fewer staff per patient in care than the others: why the second stage queues
        assert 0.5 * FTE_PER_1000_NATIONAL <= per_1000 < 0.8 * FTE_PER_1000_NATIONAL
    else:
        # 22 ± 20 % (docs/sample_data.md: the national figure also counts inpatient
        # wards and management, so an outpatient unit sits a little below it)
        assert 0.8 * FTE_PER_1000_NATIONAL <= per_1000 <= 1.2 * FTE_PER_1000_NATIONAL


@pytest.mark.parametrize("unit", DETAILED)
def test_visits_per_patient_in_care_and_year(unit: str, story: dict) -> None:
    data, entry = story[unit]["data"], story[unit]["entry"]
    patients, visits = _patients_and_visits(data, entry)
    per_patient = visits / patients
    if unit == THIN_UNIT:
        # patients waiting for the second stage after a first visit pull it down
        assert 0.5 * VISITS_PER_PATIENT_NATIONAL <= per_patient < 0.8 * VISITS_PER_PATIENT_NATIONAL
    else:
        # 8 − 20 % … 8 + 25 %: 6.4–10 visits per patient in care a year
        assert (
            0.8 * VISITS_PER_PATIENT_NATIONAL <= per_patient <= 1.25 * VISITS_PER_PATIENT_NATIONAL
        )


def test_balans_capacity_from_staff_matches_activity_and_demand_per_stage(story: dict) -> None:
    """balans: the staff table, the visits and the flow agree within ±10 % at each stage."""
    from toolkit import capacity as cap

    data, entry, rep = story["balans"]["data"], story["balans"]["entry"], story["balans"]["report"]
    start, end = _last_year(entry)

    # 1. The report's table: demand / capacity per staff category within ±10 %
    #    (categories holding at least a tenth of the capacity) and in total.
    loads = _report_staff_loads(rep)
    assert loads["total"] == pytest.approx(1.0, abs=0.10)
    hours = cap.staff_hours(data.staff, on=end)
    clinical = cap.clinical_hours(hours, non_clinical_share=cap.time_use_shares(data.time_use))
    appointments = cap.appointments_per_week(clinical, data.visits)
    by_category = appointments.groupby("staff_category")["effective_hours_per_week"].sum()
    for category in by_category[by_category >= 0.10 * by_category.sum()].index:
        assert loads[category] == pytest.approx(1.0, abs=0.10), category

    # 2. Per pathway step: capacity from staff (effective clinician hours a week)
    #    against the observed activity (attended hours a week in the last year,
    #    plain pandas) and against CAPA's demand per referral (by hand).
    appointments["step"] = appointments["visit_type"].map(_STEP_OF_TYPE)
    from_staff = appointments.groupby("step")["effective_hours_per_week"].sum()
    v = data.visits
    done = v[(v["date"] > start) & (v["date"] <= end) & (v["status"].astype(str) == "attended")]
    observed = (done["duration_min"] / 60.0).groupby(
        done["visit_type"].astype(str).map(_STEP_OF_TYPE)
    ).sum() / (365 / 7)
    ref = data.referrals
    period = (ref["received"] >= pd.Timestamp(entry["period_start"])) & (ref["received"] <= end)
    weeks = ((end - pd.Timestamp(entry["period_start"])).days + 1) / 7
    referrals_per_week = period.sum() / weeks
    capa = {  # CAPA rule of thumb: 1 h Choice; 66 % go on; 40 % of them 12 h, the rest 7.5 h
        "first_assessment": referrals_per_week * 1.0,
        "in_depth_assessment": referrals_per_week * 0.66 * 0.40 * 12.0,
        "treatment_course": referrals_per_week * 0.66 * 0.60 * 7.5,
    }
    for step, demand in capa.items():
        assert from_staff[step] == pytest.approx(observed[step], rel=0.10), step
        assert observed[step] == pytest.approx(demand, rel=0.10), step

    # 3. The first stage in the flow's units: first assessments a week that the
    #    staff can give against those given in the last year (referrals table).
    first_capacity = appointments.loc[
        appointments["visit_type"] == "first_assessment", "attended_appointments_per_week"
    ].sum()
    first_done = ref["first_assessment"].between(start + pd.Timedelta(days=1), end).sum() / (
        365 / 7
    )
    assert first_capacity == pytest.approx(first_done, rel=0.10)


def _flow_ratio(ref: pd.DataFrame, stage: str, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Entries to a stage's queue over exits from it (completed or closed) in (start, end]."""
    enter, done = {
        "first_assessment": ("received", "first_assessment"),
        "deep_start": ("deep_decision", "deep_start"),
    }[stage]
    window = lambda s: (s > start) & (s <= end)  # noqa: E731
    entered = window(ref[enter]).sum()
    completed = window(ref[done]).sum()
    # left the queue without completing: closed while waiting
    closed_waiting = (window(ref["closed"]) & ref[done].isna() & ref[enter].notna()).sum()
    return float(entered / (completed + closed_waiting))


@pytest.mark.parametrize("unit", ["balans", *SHORT_UNITS])
def test_short_units_are_short_in_both_views(unit: str, story: dict) -> None:
    """Staff view (the report's capacity table) and flow view (the referrals) agree."""
    data, entry, rep = story[unit]["data"], story[unit]["entry"], story[unit]["report"]
    start, end = _last_year(entry)
    staff_load = _report_staff_loads(rep)["total"]
    if unit == "balans":
        assert staff_load == pytest.approx(1.0, abs=0.10)
        for stage in ("first_assessment", "deep_start"):
            assert _flow_ratio(data.referrals, stage, start, end) == pytest.approx(1.0, abs=0.10)
        return
    stage = SHORT_UNITS[unit]
    assert staff_load > 1.05  # demand above the capacity the staff table gives
    assert _flow_ratio(data.referrals, stage, start, end) > 1.05  # more come than leave
    grows = waiting_first if stage == "first_assessment" else waiting_deep
    assert grows(data.referrals, end) > grows(data.referrals, start)  # the queue grows


# --------------------------------------------------------------------------- balance verdicts


def _now(unit_id: str, story: dict):
    from toolkit import unit_now

    entry = story[unit_id]["entry"]
    return unit_now.now_figures(
        story[unit_id]["data"],
        profile=entry["target_profile"],
        period_start=entry["period_start"],
        lang="en",
    )


def test_balans_is_in_balance_in_both_stages(story: dict) -> None:
    """The unit designed to be in balance is, by the verdict every page shows (docs/balance.md)."""
    import math

    now = _now("balans", story)
    assert now.in_balance
    ref, end = (
        story["balans"]["data"].referrals,
        pd.Timestamp(story["balans"]["entry"]["extract_date"]),
    )
    window_start = end - pd.Timedelta(days=7 * 26 - 1)  # the last 26 whole weeks (Mon–Sun)
    factor = {"first_assessment": -math.log(1 - 0.9), "deep_start": -math.log(1 - 0.8)}  # bup_30_30
    queue = {"first_assessment": waiting_first(ref, end), "deep_start": waiting_deep(ref, end)}
    for stage, b in now.balance.items():
        # load about 1 (0.9–1.1) and covered: at most within the noise, never clearly above 1
        assert 0.9 <= b.load <= 1.1 and b.covers in ("yes", "noise"), stage
        assert not b.growing, stage
        # the queue at the extract date, counted with plain pandas, is the verdict's queue,
        # and at most the target queue: demand × 30 days / (−ln(1 − p)), demand by hand
        assert b.queue_size == queue[stage], stage
        enter = "received" if stage == "first_assessment" else "deep_decision"
        joined = ref[enter].between(window_start, end)
        if stage == "first_assessment":
            removed = ref["decision"].astype(str).isin(["rejected", "redirected"]) & ref[
                "decided"
            ].between(window_start, end)
            closed_waiting = (
                ref["first_assessment"].isna()
                & ~ref["decision"].astype(str).isin(["rejected", "redirected"])
                & ref["closed"].between(window_start, end)
            )
        else:  # left the deep queue by closing without a start
            removed = (
                ref["deep_decision"].notna()
                & ref["deep_start"].isna()
                & ref["closed"].between(window_start, end)
            )
            closed_waiting = removed & False
        demand = (joined.sum() - removed.sum() - closed_waiting.sum()) / 26
        target = demand * (30 / 7) / factor[stage]
        assert b.target_queue_size == pytest.approx(target, rel=0.05), stage
        assert queue[stage] <= target, stage


@pytest.mark.parametrize("unit", sorted(SHORT_UNITS))
def test_short_units_are_not_in_balance_for_the_designed_reason(unit: str, story: dict) -> None:
    """vaxande_behov: first stage short; forsta_besok_forst: second stage short (docs/sample_data.md)."""
    now = _now(unit, story)
    assert not now.in_balance
    b = now.balance[SHORT_UNITS[unit]]
    assert b.covers == "no" and b.load > 1.1  # the whole interval above 1
    assert b.growing and b.above_target
    assert b.failing == ("covers", "growing", "above_target")
