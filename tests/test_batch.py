"""toolkit.batch and the reports command: every sample unit's report executed by papermill.

The batch runs once per session (module fixture, 2 workers); the tests read
its outputs. Key numbers in the HTML are compared with values computed here
directly with toolkit.flow on the same unit.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from toolkit import batch, flow, report
from toolkit.__main__ import main
from toolkit.errors import DataError
from toolkit.i18n import t
from toolkit.io import load_unit
from toolkit.manifest import UnitEntry, read_manifest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "sample_data" / "units.yaml"
ENTRIES = read_manifest(MANIFEST)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = batch.run_batch(MANIFEST, out=out, workers=2, progress=False)
    region = batch.run_region(MANIFEST, out=out, lang="en")
    result.region = region.html
    batch.write_index(result, "en")
    return result, region


def _table_after(page: str, header: str) -> pd.DataFrame:
    """The bup-table whose header row holds ``header``, as text cells."""
    for match in re.finditer(r'<table class="bup-table">(.*?)</table>', page, flags=re.S):
        body = match.group(1)
        heads = [  # as read: without the marks of where a header may break
            html.unescape(h).replace("\u00ad", "").replace("\u200b", "")
            for h in re.findall(r"<th>(.*?)</th>", body)
        ]
        if header in heads:
            rows = [
                [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
                for row in re.findall(r"<tr>(.*?)</tr>", body)
            ]
            return pd.DataFrame([r for r in rows if r], columns=heads)
    raise AssertionError(f"no table with {header!r}")


def test_every_unit_ok_with_html_and_notebook(outputs):
    result, region = outputs
    assert result.failed == 0, [u.message for u in result.units]
    assert region.status == "ok"
    assert [u.id for u in result.units] == [e.id for e in ENTRIES]
    for u in result.units:
        assert u.html.is_file() and u.notebook is not None and u.notebook.is_file()
    index = result.index.read_text(encoding="utf-8")
    for u in result.units:
        assert f'href="units/{u.id}.html"' in index
        assert u.html == result.out / "units" / f"{u.id}.html"
    assert 'href="region_overview.html"' in index


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_headings_and_key_numbers_in_the_html(outputs, entry):
    result, _ = outputs
    lang = entry.language
    page = (result.out / "units" / f"{entry.id}.html").read_text(encoding="utf-8")
    text = html.unescape(page)
    for key in ("summary", "about", "situation", "waits", "versus", "spc", "queue", "quality"):
        assert t(f"report.h.{key}", lang) in text, key
    # data period, extract date and toolkit version are stated
    assert entry.extract_date.isoformat() in text
    from toolkit import __version__

    assert __version__ in text
    # number waiting now per stage: computed here with weekly_flow on the same unit
    unit = load_unit(entry.path, extract_date=entry.extract_date)
    weekly = flow.weekly_flow(
        unit, profile=entry.target_profile, start=entry.extra.get("period_start")
    )
    waits = _table_after(page, t("report.col.waiting_now", lang))
    for stage, shown in zip(
        flow.FLOW_STAGES, waits[t("report.col.waiting_now", lang)], strict=True
    ):
        expected = int(weekly[weekly["stage"] == stage]["waiting_end"].iloc[-1])
        assert shown == report._num(expected, lang)
    # the figures for now cover the last 26 whole weeks, and the page says which (docs/balance.md)
    assert t("now.window", lang, weeks=26, start="2024-07-01", end="2024-12-29") in text
    if unit.kind == "events":
        done = unit.referrals["first_assessment"]
        refs = unit.referrals[(done >= "2024-07-01") & (done <= "2024-12-29")]
        w = flow.stage_waits_days(refs, "received", "first_assessment")
        share = waits[t("report.col.share_within_target", lang)].iloc[0]
        assert share == report._pct((w <= 30).mean(), lang)


def test_region_who_waits_reads_as_the_units_own_report(outputs):
    # The region overview's "who waits, unit by unit" (referral question, the notebook's
    # default) shows each cell as the unit's own report shows it: the same window, the
    # same functions (toolkit.report.region_who). Both pages are in English for "balans".
    result, region = outputs
    entry = next(e for e in ENTRIES if e.id == "balans")
    assert entry.language == "en"
    page = region.html.read_text(encoding="utf-8")
    grouping = t("equity.grouping.question", "en")
    assert html.escape(t("region_who.h", "en", grouping=grouping), quote=False) in page
    own = _table_after(
        (result.out / "units" / "balans.html").read_text(encoding="utf-8"),
        t("report.who.col.grouping", "en"),
    )
    own = own[own[t("report.who.col.grouping", "en")] == grouping]
    first = t("flow.stage.first_assessment", "en")
    own = own[own[t("report.who.col.stage", "en")] == first].set_index(
        t("report.who.col.group", "en")
    )
    shown = _table_after(page, t("region_who.col.signal", "en"))  # the first stage's table
    mine = shown[shown[t("region_who.col.unit", "en")] == entry.name].set_index(
        t("region_who.col.group", "en")
    )
    assert len(mine) == len(own) == 7
    for group, cells in own.iterrows():
        for key in ("completed", "share"):
            assert (
                mine.loc[group, t(f"region_who.col.{key}", "en")]
                == cells[t(f"report.who.col.{key}", "en")]
            ), (group, key)
    assert page.count("<svg") >= 14  # a funnel per group and stage besides the SPC charts


def test_html_is_offline_and_without_code(outputs):
    result, _ = outputs
    for path in [*result.out.rglob("*.html")]:
        page = path.read_text(encoding="utf-8")
        assert "<script" not in page
        assert not re.search(r"<link[^>]+href=", page)
        assert "cdn" not in page.lower()
        assert not re.search(r"(src|href)=[\"']?https?:", page)
        assert "url(http" not in page
        assert "from toolkit import report" not in page  # code cells hidden


def test_charts_are_inline_svg(outputs):
    result, _ = outputs
    page = (result.out / "units" / "balans.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 6  # two line charts and four SPC charts


def test_share_mode_leaks_no_referral_id_and_no_small_count(tmp_path):
    manifest = tmp_path / "units.yaml"
    liten = next(e for e in ENTRIES if e.id == "liten")
    manifest.write_text(
        yaml.safe_dump(
            {
                "units": [
                    {
                        "id": "liten",
                        "name": liten.name,
                        "path": str(liten.path),
                        "extract_date": liten.extract_date.isoformat(),
                        "period_start": liten.extra["period_start"],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["reports", str(manifest), "--out", str(out), "--share", "--workers", "1"]
    assert main([*args, "--data-root", str(liten.path.parent)]) == 0
    ids = pd.read_csv(liten.path / "referrals.csv", dtype=str)["referral_id"].tolist()
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".html", ".ipynb"}
    pattern = re.compile("|".join(map(re.escape, ids)))
    for path in files:
        assert not pattern.search(path.read_text(encoding="utf-8")), path
    for path in files:
        if path.suffix != ".html":
            continue
        page = html.unescape(path.read_text(encoding="utf-8"))
        for table in re.findall(r'<table class="bup-table">(.*?)</table>', page, flags=re.S):
            cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table)]
            assert not [c for c in cells if re.fullmatch(r"[1-4]", c)], path
    assert "&lt;5" in (out / "units" / "liten.html").read_text(encoding="utf-8")


def test_bad_units_fail_one_by_one_with_a_clear_message(tmp_path, capsys):
    good = next(e for e in ENTRIES if e.id == "liten")
    units = [
        {"id": "missing", "name": "Saknas", "path": "no_such_folder"},
        {"id": "unknown", "name": "Okänd", "path": str(good.path), "parameters": {"treshold": 3}},
        {
            "id": "wrongtype",
            "name": "Fel typ",
            "path": str(good.path),
            "language": "en",
            "parameters": {"threshold": "3"},
        },
        {
            "id": "empty_period",
            "name": "Tom period",
            "path": str(good.path),
            "language": "en",
            "extract_date": "2024-12-29",
            "parameters": {"period_start": "2024-12-31"},
        },
        {"id": "fine", "name": "Bra", "path": str(good.path), "extract_date": "2024-12-29"},
    ]
    manifest = tmp_path / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": units}), encoding="utf-8")
    out = tmp_path / "out"
    status = main(
        [
            *("reports", str(manifest), "--out", str(out), "--workers", "2"),
            *("--data-root", str(good.path.parent)),
        ]
    )
    assert status == 4
    captured = capsys.readouterr()
    assert "5 enheter, 4 med fel" in captured.out
    pages = {
        u["id"]: html.unescape((out / "units" / f"{u['id']}.html").read_text(encoding="utf-8"))
        for u in units
    }
    assert "finns inte" in pages["missing"]
    assert "treshold" in pages["unknown"] and "finns inte i rapporten" in pages["unknown"]
    assert "threshold" in pages["wrongtype"] and "a whole number" in pages["wrongtype"]
    assert "after the extract date" in pages["empty_period"]
    for page in pages.values():
        assert "Traceback" not in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('class="failed"') == 4 and index.count('class="ok"') == 1


# --------------------------------------------------------------------------- names and paths


def _write_manifest(folder: Path, units: list[dict]) -> Path:
    manifest = folder / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": units}), encoding="utf-8")
    return manifest


def test_unit_ids_cannot_overwrite_the_index_or_the_region_overview(tmp_path):
    # ids that are the batch's own page names; the data path is missing, so each unit
    # fails before a kernel starts and writes its error page
    units = [
        {"id": i, "name": f"Enhet {i}", "path": "saknas"} for i in ("index", "region_overview")
    ]
    out = tmp_path / "out"
    result = batch.run_batch(_write_manifest(tmp_path, units), out=out, progress=False)
    assert [u.html for u in result.units] == [
        out / "units" / "index.html",
        out / "units" / "region_overview.html",
    ]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="units/index.html"' in index and 'href="units/region_overview.html"' in index
    assert t("batch.index_title", "sv") in index  # the index is still the index
    assert "Enhet index" in (out / "units" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["parent", "absolute", "symlink"])
def test_a_data_path_outside_the_manifest_folder_is_refused(tmp_path, where):
    home = tmp_path / "region"
    home.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret_file_name.csv").write_text("x\n", encoding="utf-8")
    path = {"parent": "../elsewhere", "absolute": str(outside), "symlink": "link"}[where]
    if where == "symlink":
        (home / "link").symlink_to(outside)
    manifest = _write_manifest(home, [{"id": "u", "name": "U", "path": path}])
    with pytest.raises(DataError) as err:
        read_manifest(manifest)
    assert "manifestets mapp" in err.value.message("sv") and "--data-root" in err.value.message(
        "sv"
    )
    assert "outside the manifest's folder" in err.value.message("en")
    # allowed when the folder is named as a data root
    assert read_manifest(manifest, data_roots=[outside])[0].path == outside.resolve()
    # the command refuses it before any report is written, and lists no file of that folder
    status = main(["--lang", "en", "reports", str(manifest), "--out", str(tmp_path / "out")])
    assert status == 1
    assert not (tmp_path / "out" / "units").exists()


def test_a_pdsa_log_outside_the_manifest_folder_is_refused(tmp_path, capsys):
    good = next(e for e in ENTRIES if e.id == "liten")
    (tmp_path / "logg.csv").write_text("cycle_id\n", encoding="utf-8")
    unit = {"id": "u", "name": "U", "path": str(good.path), "pdsa_log": "../logg.csv"}
    (tmp_path / "m").mkdir()
    manifest = _write_manifest(tmp_path / "m", [unit])
    args = ["--lang", "en", "reports", str(manifest), "--out", str(tmp_path / "out")]
    assert main([*args, "--data-root", str(good.path.parent)]) == 1
    err = capsys.readouterr().err
    assert "pdsa_log" in err and "outside the manifest's folder" in err


@pytest.mark.parametrize(
    ("parameters", "field"), [({"share": False}, "share"), ({"threshold": 3}, "threshold")]
)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_manifest_cannot_weaken_share_mode(tmp_path, capsys, parameters, field, lang):
    good = next(e for e in ENTRIES if e.id == "liten")
    unit = {"id": "liten", "name": "Liten", "path": str(good.path), "parameters": parameters}
    manifest = _write_manifest(tmp_path, [unit])
    out = tmp_path / "out"
    args = ["--lang", lang, "reports", str(manifest), "--out", str(out), "--share"]
    status = main([*args, "--data-root", str(good.path.parent)])
    assert status != 0
    err = capsys.readouterr().err
    assert "liten" in err and field in err
    assert ("försvaga delningsläget" if lang == "sv" else "weaken the share mode") in err
    assert not (out / "units" / "liten.html").exists()  # refused before anything ran


def test_a_manifest_may_make_share_mode_stricter():
    declared = batch.notebook_parameters(batch.REPORTS_DIR / "unit_report.ipynb")
    good = next(e for e in ENTRIES if e.id == "liten")
    stricter = UnitEntry(
        id="liten", name="L", path=good.path, parameters={"share": True, "threshold": 10}
    )
    params = batch._unit_parameters(stricter, declared, "sv", True, 5)
    assert params["share"] is True and params["threshold"] == 10
    # without --share on the command line a unit may turn share mode on by itself
    params = batch._unit_parameters(stricter, declared, "sv", False, 5)
    assert params["share"] is True


@pytest.mark.parametrize(
    ("ids", "sv", "en"),
    [
        (["BUP_Norr", "bup_norr"], "används redan", "already used"),
        (["con"], "reserverar", "reserves"),
        (["LPT1"], "reserverar", "reserves"),
    ],
)
def test_ids_that_would_share_a_file_are_refused(tmp_path, ids, sv, en):
    units = [{"id": i, "name": i, "path": "data"} for i in ids]
    with pytest.raises(DataError) as err:
        read_manifest(_write_manifest(tmp_path, units))
    assert sv in err.value.message("sv") and en in err.value.message("en")
