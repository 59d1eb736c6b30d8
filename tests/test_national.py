"""National waiting-time statistics: import, shares, funnel plots, report, bad input.

Expected values come from outside toolkit.national: funnel limits worked by hand
(written beside them) with z from the standard library's NormalDist; shares read
from the sample file's stated percentages and counted from its raw rows with the
csv module.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from statistics import NormalDist

import pandas as pd
import pytest

from toolkit import flow, national
from toolkit.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / national.EXAMPLE_NAME
HEADER_SV = "månad;enhet;steg;väntande;väntande_inom_målet;genomförda;genomförda_inom_målet;inkomna"


def _raw_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f, delimiter=";"))


# --------------------------------------------------------------------------- funnel limits


def test_z_values_are_the_normal_quantiles() -> None:
    assert pytest.approx(NormalDist().inv_cdf(0.975), abs=1e-12) == national.Z_95
    assert pytest.approx(NormalDist().inv_cdf(0.999), abs=1e-12) == national.Z_998


def test_funnel_limits_by_hand() -> None:
    """p = 0.8, n = 100: sd = sqrt(0.8 × 0.2 / 100) = 0.04;
    95 %: 0.8 ± 1.959964 × 0.04 = 0.8 ± 0.078399 → 0.721601, 0.878399;
    99.8 %: 0.8 ± 3.090232 × 0.04 = 0.8 ± 0.123609 → 0.676391, 0.923609."""
    lo, hi = national.funnel_limits(0.8, [100], national.Z_95)
    assert (float(lo[0]), float(hi[0])) == pytest.approx((0.721601, 0.878399), abs=1e-6)
    lo, hi = national.funnel_limits(0.8, [100], national.Z_998)
    assert (float(lo[0]), float(hi[0])) == pytest.approx((0.676391, 0.923609), abs=1e-6)
    lo, hi = national.funnel_limits(0.5, [1], national.Z_998)  # clipped to 0–1
    assert (float(lo[0]), float(hi[0])) == (0.0, 1.0)


def _hand_table() -> pd.DataFrame:
    rows = [("A", 100, 80), ("B", 400, 260), ("C", 25, 24)]
    return pd.DataFrame(
        {
            "month": pd.Timestamp("2024-01-01"),
            "unit": [r[0] for r in rows],
            "stage": "first_assessment",
            "waiting": 10,
            "waiting_within_target": 5,
            "completed": [r[1] for r in rows],
            "completed_within_target": [r[2] for r in rows],
            "target_days": 30,
            "arrived": math.nan,
        }
    )


def test_funnel_table_by_hand() -> None:
    """Pooled p̄ = (80 + 260 + 24) / (100 + 400 + 25) = 364 / 525 = 0.693333.

    A, n = 100: sd = sqrt(0.693333 × 0.306667 / 100) = 0.0461110;
      95 % 0.693333 ∓ 0.090376 → 0.602957, 0.783709; 99.8 % ∓ 0.142494 → 0.550840, 0.835827.
      p = 0.80: above the 95 % limit, inside 99.8 %.
    B, n = 400: sd = 0.0230555; 95 % → 0.648145, 0.738521; p = 0.65: within.
    C, n = 25: sd = 0.0922221; 99.8 % upper 0.978321, 95 % upper 0.874085; p = 0.96: above 95 %.
    """
    f = national.funnel_table(_hand_table()).set_index("unit")
    assert f.attrs["centre"] == pytest.approx(0.693333, abs=1e-6)
    a = f.loc["A"]
    assert (a["lower_95"], a["upper_95"]) == pytest.approx((0.602957, 0.783709), abs=1e-6)
    assert (a["lower_998"], a["upper_998"]) == pytest.approx((0.550840, 0.835827), abs=1e-6)
    assert f.loc["B", "lower_95"] == pytest.approx(0.648145, abs=1e-6)
    assert f.loc["C", "upper_998"] == pytest.approx(0.978321, abs=1e-6)
    assert f["signal"].to_dict() == {"C": "above_95", "A": "above_95", "B": "within"}
    assert list(f.index) == ["C", "A", "B"]  # by volume


# --------------------------------------------------------------------------- the sample file


def test_sample_file_reproduces_the_shares_it_states() -> None:
    table = national.read_national(SAMPLE)
    shares = national.share_table(table)
    raw = _raw_rows()
    assert len(shares) == len(raw) == 6 * 3 * 24
    for row, (_, got) in zip(raw, shares.iterrows(), strict=True):
        for stated, count, total in (
            ("andel_genomförda_inom_målet", "genomförda_inom_målet", "genomförda"),
            ("andel_väntande_inom_målet", "väntande_inom_målet", "väntande"),
        ):
            if int(row[total]) == 0:
                continue
            ours = got["share_" + ("completed" if total == "genomförda" else "waiting") + "_within"]
            assert ours == pytest.approx(int(row[count]) / int(row[total]))
            assert abs(100 * ours - int(row[stated])) <= 0.5  # stated: rounded to whole per cent
    assert all("syntetisk" in u for u in table["unit"].unique())


def test_sample_file_is_regenerated_byte_for_byte() -> None:
    assert SAMPLE.read_bytes() == national.synthetic_example()


def test_report_shows_the_pooled_shares_and_signals() -> None:
    from toolkit.national_report import national_report

    raw = [r for r in _raw_rows() if r["steg"] == "första bedömning"]
    months = sorted({r["månad"] for r in raw})[-12:]
    within: dict[str, int] = {}
    done: dict[str, int] = {}
    for r in raw:
        if r["månad"] in months:
            within[r["enhet"]] = within.get(r["enhet"], 0) + int(r["genomförda_inom_målet"])
            done[r["enhet"]] = done.get(r["enhet"], 0) + int(r["genomförda"])
    centre = sum(within.values()) / sum(done.values())
    report = national_report(SAMPLE, lang="en", charts=False)
    assert report.error is None
    got = report.numbers["first_assessment"]
    assert got["centre"] == pytest.approx(centre)
    page = report.to_html()
    for unit, n in done.items():
        p = within[unit] / n
        assert got["share"][unit] == pytest.approx(p)
        sd = math.sqrt(centre * (1 - centre) / n)
        z = NormalDist().inv_cdf(0.999)
        expected = (
            "above_998" if p > centre + z * sd else "below_998" if p < centre - z * sd else None
        )
        if expected:
            assert got["signal"][unit] == expected
        # where it is read: the unit's row of the funnel table
        row = re.search(rf"<td>{re.escape(unit)}</td>(.*?)</tr>", page, flags=re.S)
        assert row, unit
        assert f"{100 * p:.0f} %" in row.group(1)
    assert sum(1 for s in got["signal"].values() if s.endswith("998")) >= 2
    assert "treatment" in report.numbers and "deep_start" in report.numbers


def test_report_with_charts_and_cli(tmp_path: Path) -> None:
    from toolkit.__main__ import main

    out = tmp_path / "national.html"
    assert main(["national", str(SAMPLE), "--out", str(out), "--lang", "sv"]) == 0
    page = out.read_text("utf-8")
    assert page.count("<svg") >= 3
    assert "Trattdiagram" in page or "trattdiagram" in page
    assert "http://" not in page.replace("http://www.w3.org", "")


def test_names_are_escaped_in_the_report(tmp_path: Path) -> None:
    from toolkit.national_report import national_report

    path = tmp_path / "v.csv"
    path.write_text(
        HEADER_SV + "\n2024-01;<img src=x onerror=alert(1)>;första bedömning;10;5;20;10;\n"
        "2024-01;BUP B;första bedömning;10;5;30;20;\n",
        "utf-8",
    )
    page = national_report(path, lang="en").to_html()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# --------------------------------------------------------------------------- period counts


def test_to_period_counts_with_third_stage_and_flow_share() -> None:
    table = national.read_national(SAMPLE)
    unit = "Region Sagoholm (syntetisk)"
    pc = national.to_period_counts(table, unit)
    assert list(pc["stage"].cat.categories) == ["first_assessment", "deep_start", "treatment"]
    assert len(pc) == 3 * 24
    raw = [r for r in _raw_rows() if r["enhet"] == unit and r["steg"] == "första bedömning"]
    first = pc[pc["stage"] == "first_assessment"].reset_index(drop=True)
    assert first["completed_within_target"].tolist() == [
        int(r["genomförda_inom_målet"]) for r in raw
    ]
    assert first["arrived"].tolist() == [int(r["inkomna"]) for r in raw]
    f = flow.weekly_flow(pc, freq="MS", lang="en")
    fa = f[f["stage"] == "first_assessment"].reset_index(drop=True)
    for got, r in zip(fa["share_within_target"], raw, strict=True):
        assert got == pytest.approx(int(r["genomförda_inom_målet"]) / int(r["genomförda"]))
    assert any("treatment" in n for n in f.attrs["notes"])


def test_arrivals_derived_from_the_balance() -> None:
    """Without arrivals: A_k = Q_k − Q_{k−1} + C_k; first month A_1 = C_1.
    Queue 50 → 60 with 30 completed: 60 − 50 + 30 = 40."""
    text = (
        HEADER_SV.rsplit(";", 1)[0] + "\n"
        "2024-01;U;första bedömning;50;20;30;25\n"
        "2024-02;U;första bedömning;60;20;30;25\n"
    )
    pc = national.to_period_counts(national.read_national(text.encode(), "v.csv"))
    assert pc["arrived"].tolist() == [30, 40]
    assert pc.attrs["notes"]


def test_unit_report_shows_share_within_from_weekly_counts(tmp_path: Path) -> None:
    """A counts-only unit (the sample endast_antal) given completed within target:
    the report's share is Σ within / Σ completed over the report's window (from the CSV)."""
    import yaml

    from toolkit import unit_now
    from toolkit.io import load_unit
    from toolkit.report import unit_report

    raw = pd.read_csv(
        ROOT / "sample_data" / "endast_antal" / "periodantal.csv", sep=";", encoding="cp1252"
    )
    raw["genomförda_inom_målet"] = (raw["genomförda"] * 0.7).round().astype(int)
    folder = tmp_path / "u"
    folder.mkdir()
    raw.to_csv(folder / "periodantal.csv", sep=";", index=False, encoding="utf-8")
    entry = next(
        u
        for u in yaml.safe_load((ROOT / "sample_data" / "units.yaml").read_text("utf-8"))["units"]
        if u["id"] == "endast_antal"
    )
    unit = load_unit(folder, extract_date=entry["extract_date"], lang="en")
    now = unit_now.now_figures(unit, lang="en")
    period = pd.to_datetime(raw["period"])
    part = raw[(period >= now.window.start) & (period <= now.window.end)]
    first = part[part["steg"] == "första bedömning"]
    share = first["genomförda_inom_målet"].sum() / first["genomförda"].sum()
    page = unit_report(
        folder, lang="en", extract_date=entry["extract_date"], charts=False
    ).to_html()
    waits = page[page.index("<h2>Waits") :]
    row = re.search(r"<td>first assessment</td>(.*?)</tr>", waits, flags=re.S)
    assert row
    assert f"{100 * share:.0f} %" in row.group(1)
    assert "worked out from the counts completed within target" in waits


def test_loader_excludes_within_above_completed(tmp_path: Path) -> None:
    from toolkit.io import load_unit

    folder = tmp_path / "u"
    folder.mkdir()
    (folder / "periodantal.csv").write_text(
        "period;steg;inkomna;genomförda;väntande;genomförda_inom_målet\n"
        "2024-01-01;första bedömning;10;8;20;6\n"
        "2024-01-08;första bedömning;10;8;22;9\n",
        "utf-8",
    )
    unit = load_unit(folder, extract_date="2024-02-01", lang="en")
    assert len(unit.period_counts) == 1
    reasons = unit.exclusions("en")
    assert reasons["example_rows"].tolist() == ["3"]
    assert "completed_within_target is larger than completed" in reasons["reason"].iloc[0]


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_template_is_committed_and_reads_back(lang: str) -> None:
    data = national.template_csv(lang)
    assert (ROOT / "templates" / national.TEMPLATE_NAMES[lang]).read_bytes() == data
    table = national.read_national(data, national.TEMPLATE_NAMES[lang], lang=lang)
    assert table.loc[0, "completed_within_target"] == 56


# --------------------------------------------------------------------------- bad input


def _bad(body: str, **kw: object) -> DataError:
    with pytest.raises(DataError) as err:
        national.read_national((HEADER_SV + "\n" + body).encode("utf-8"), "v.csv", **kw)  # type: ignore[arg-type]
    return err.value


@pytest.mark.parametrize(
    ("body", "header", "row", "column", "sv", "en"),
    [
        # unknown column
        ("2024-01;U;behandling;1;1;1;1;;x\n", HEADER_SV + ";okänd", 1, "okänd", "okänd", "unknown"),
        # months out of order within a unit and stage
        (
            "2024-02;U;behandling;5;1;3;1;\n2024-01;U;behandling;5;1;3;1;\n",
            None,
            3,
            "månad",
            "kommer inte efter",
            "does not come after",
        ),
        # a repeated month
        (
            "2024-02;U;behandling;5;1;3;1;\n2024-02;U;behandling;5;1;3;1;\n",
            None,
            3,
            "månad",
            "2024-02",
            "2024-02",
        ),
        # within target more than completed
        (
            "2024-01;U;behandling;5;1;3;4;\n",
            None,
            2,
            "genomförda_inom_målet",
            "går inte ihop",
            "do not add up",
        ),
        # within target more than waiting
        (
            "2024-01;U;behandling;5;6;3;1;\n",
            None,
            2,
            "väntande_inom_målet",
            "går inte ihop",
            "do not add up",
        ),
        # more waiting than the month before plus arrived less completed
        (
            "2024-01;U;behandling;5;1;3;1;4\n2024-02;U;behandling;9;1;3;1;4\n",
            None,
            3,
            "väntande",
            "går inte ihop",
            "do not add up",
        ),
        # not a count
        ("2024-01;U;behandling;5,5;1;3;1;\n", None, 2, "väntande", "heltal", "whole number"),
        # a month that is not a month
        ("2024-13;U;behandling;5;1;3;1;\n", None, 2, "månad", "månaden", "month"),
    ],
)
def test_bad_files_name_row_and_column(
    body: str, header: str | None, row: int, column: str, sv: str, en: str
) -> None:
    text = (header or HEADER_SV) + "\n" + body
    with pytest.raises(DataError) as err:
        national.read_national(text.encode("utf-8"), "v.csv", lang="sv")
    e = err.value
    assert (e.row, e.column) == (row, column)
    assert sv in e.message("sv")
    assert en in e.message("en")
    assert f"row {row}" in e.message("en") and f"rad {row}" in e.message("sv")


def test_another_units_rows() -> None:
    e = _bad("2024-01;U;behandling;5;1;3;1;\n2024-01;V;behandling;5;1;3;1;\n", unit="U", lang="en")
    assert (e.row, e.column) == (3, "unit")
    assert "another unit than U" in e.message("en")
    assert "annan enhet än U" in e.message("sv")


def test_stated_share_that_does_not_match() -> None:
    text = (
        "month,unit,stage,waiting,waiting_within_target,completed,completed_within_target,"
        "share_completed_within\n2024-01,U,treatment,5,1,40,30,80\n"
    )
    with pytest.raises(DataError) as err:
        national.read_national(text.encode(), "v.csv", lang="en")
    assert (err.value.row, err.value.column) == (2, "share_completed_within")
    assert "do not add up" in err.value.message("en")


def test_identity_number_is_refused_without_echo() -> None:
    e = _bad("2024-01;BUP 19121212-1212;behandling;5;1;3;1;\n", lang="en")
    assert e.row == 2
    assert "1212" not in e.message("en")


def test_excel_file_reads() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER_SV.split(";"))
    ws.append([pd.Timestamp("2024-03-01").to_pydatetime(), "U", "första bedömning", 5, 1, 3, 1])
    buf = io.BytesIO()
    wb.save(buf)
    table = national.read_national(buf.getvalue(), "v.xlsx")
    assert table.loc[0, "month"] == pd.Timestamp("2024-03-01")


def test_funnel_chart_embeds_only_the_aggregates() -> None:
    from toolkit.charts import funnel_chart

    f = national.funnel_table(_hand_table())
    curve = national.funnel_curve(f.attrs["centre"], float(f["n"].max()), n_min=10)
    spec = funnel_chart(f, curve, "en", title="t").to_dict()
    columns = {k for rows in spec["datasets"].values() for row in rows for k in row}
    assert columns <= {"unit", "n", "share", "signal", "_key", "line"}
    points = [row for rows in spec["datasets"].values() for row in rows if "unit" in row]
    assert sorted((r["unit"], r["signal"]) for r in points) == [
        ("A", "Above the 95 % limit"),
        ("B", "Within the limits"),
        ("C", "Above the 95 % limit"),
    ]
    assert curve["n"].min() == pytest.approx(10.0)
