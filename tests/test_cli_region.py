"""The reports command's ``--who-by`` and ``--measure``: the region overview's grouping and measure.

Expected values come from outside the code under test: the completed waits
per sex are counted here with pandas from the sample unit's own
``referrals.csv`` (window: the 26 whole weeks ending on the Sunday on or
before the extract date 2024-12-29, i.e. 2024-07-01 to 2024-12-29; a wait is
completed in the window when its stage's date lies in it), and read back
from the cells of the region page the command wrote.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from toolkit import batch
from toolkit.__main__ import _parser, main
from toolkit.manifest import read_manifest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "sample_data" / "units.yaml"
WINDOW = (pd.Timestamp("2024-07-01"), pd.Timestamp("2024-12-29"))
# the labels of the sample's sex codes as an English page writes them
SEX_EN = {"female": "girls", "male": "boys", "other": "other or not stated"}


def test_the_options_are_parsed_with_the_notebooks_defaults():
    args = _parser("en").parse_args(["reports"])
    assert (args.who_by, args.measure) == ("question", "waiting_first")
    for who_by in ("question", "priority", "sex", "age_band"):
        for measure in ("arrivals", "waiting_first", "waiting_deep", "share_first"):
            argv = ["reports", "--who-by", who_by, "--measure", measure]
            args = _parser("sv").parse_args(argv)
            assert (args.who_by, args.measure) == (who_by, measure)


@pytest.mark.parametrize(
    ("lang", "option", "value", "message"),
    [
        (
            "sv",
            "--who-by",
            "colour",
            "argument --who-by: 'colour' är inte ett giltigt val; "
            "välj ett av: question, priority, sex, age_band.",
        ),
        (
            "en",
            "--who-by",
            "kön",
            "argument --who-by: 'kön' is not a valid choice; "
            "choose one of: question, priority, sex, age_band.",
        ),
        (
            "sv",
            "--measure",
            "waiting",
            "argument --measure: 'waiting' är inte ett giltigt val; "
            "välj ett av: arrivals, waiting_first, waiting_deep, share_first.",
        ),
        (
            "en",
            "--measure",
            "Arrivals",
            "argument --measure: 'Arrivals' is not a valid choice; "
            "choose one of: arrivals, waiting_first, waiting_deep, share_first.",
        ),
    ],
    ids=["sv-who-by", "en-who-by", "sv-measure", "en-measure"],
)
def test_a_wrong_value_names_the_option_and_the_choices_in_the_users_language(
    capsys, lang, option, value, message
):
    with pytest.raises(SystemExit) as stop:
        main(["--lang", lang, "reports", option, value])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_help_names_the_options_in_both_languages(capsys):
    for lang, words in (("sv", "Vem väntar, enhet för enhet"), ("en", "Who waits, unit by unit")):
        with pytest.raises(SystemExit):
            main(["reports", "--help", "--lang", lang])
        out = " ".join(capsys.readouterr().out.split())
        assert "--who-by {question,priority,sex,age_band}" in out
        assert "--measure {arrivals,waiting_first,waiting_deep,share_first}" in out
        assert words in out


@pytest.mark.parametrize("notebook", ["unit_report", "region_overview"])
def test_both_routes_pass_the_options_to_the_region_overview(monkeypatch, tmp_path, notebook):
    seen: dict[str, object] = {}

    def run_region(manifest, **kwargs):
        seen.update(kwargs)
        return SimpleNamespace(status="ok", html=tmp_path / "region_overview.html", id="r")

    def run_batch(manifest, **kwargs):
        return SimpleNamespace(out=tmp_path, failed=0, units=[], region=None, summary=str)

    monkeypatch.setattr(batch, "run_region", run_region)
    monkeypatch.setattr(batch, "run_batch", run_batch)
    monkeypatch.setattr(batch, "write_index", lambda result, lang: None)
    argv = ["reports", str(MANIFEST), "--notebook", notebook, "--who-by", "age_band"]
    assert main([*argv, "--measure", "share_first", "--out", str(tmp_path)]) == 0
    assert (seen["who_by"], seen["measure"]) == ("age_band", "share_first")


def _tables_of_section(page: str, heading: str) -> dict[str, pd.DataFrame]:
    """The tables of the section under ``heading``, by the bold stage name above each."""
    start = page.index(f"<h2>{html.escape(heading, quote=False)}</h2>")
    end = page.index("<h2>", start + 1)
    section = page[start:end]
    tables = {}
    for stage, body in re.findall(
        r"<strong>(.*?)</strong>.*?<table class=\"bup-table\">(.*?)</table>", section, flags=re.S
    ):
        header = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", body)]
        rows = [
            [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)
        ]
        tables[html.unescape(stage)] = pd.DataFrame([r for r in rows if r], columns=header)
    return tables


def _completed_by_sex(path: Path, column: str) -> dict[str, int]:
    """Referrals whose ``column`` date lies in the window, counted per sex: plain pandas."""
    refs = pd.read_csv(path / "referrals.csv", dtype=str, keep_default_na=False)
    done = pd.to_datetime(refs[column].replace("", None))
    inside = refs[(done >= WINDOW[0]) & (done <= WINDOW[1])]
    return {SEX_EN[s]: int(n) for s, n in inside["sex"].value_counts().items()}


@pytest.mark.slow
def test_reports_with_who_by_sex_and_measure_arrivals(tmp_path, capsys):
    argv = ["--lang", "en", "reports", str(MANIFEST), "--notebook", "region_overview"]
    status = main([*argv, "--who-by", "sex", "--measure", "arrivals", "--out", str(tmp_path)])
    assert status == 0, capsys.readouterr().err
    page = (tmp_path / "region_overview.html").read_text(encoding="utf-8")
    headings = [html.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", page)]
    assert "Who waits, unit by unit: Sex" in headings
    assert "SPC chart per unit: Referrals received per week" in headings
    tables = _tables_of_section(page, "Who waits, unit by unit: Sex")
    assert list(tables) == ["First assessment", "In-depth assessment/treatment"]
    entry = next(e for e in read_manifest(MANIFEST) if e.id == "skolar")
    assert entry.extract_date.isoformat() == "2024-12-29"
    columns = ["first_assessment", "deep_start"]
    for (stage, table), column in zip(tables.items(), columns, strict=True):
        # grouped by sex: the group names read are the sexes' labels, in the grouping's order
        assert list(dict.fromkeys(table["Group"])) == ["girls", "boys", "other or not stated"]
        mine = table[table["Unit"] == entry.name].set_index("Group")["Completed waits"]
        expected = _completed_by_sex(entry.path, column)
        assert len(expected) == 3 and min(expected.values()) > 0
        assert mine.to_dict() == {group: str(n) for group, n in expected.items()}, stage
