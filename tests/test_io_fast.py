"""The loader's fast path (toolkit.io_fast) decides exactly as the careful path.

The oracle is the careful path itself: every input is loaded twice, once
with the fast path off (``io_fast.ENABLED = False``, the loader as it was)
and once with it forced on for every file and table however small
(``MIN_BYTES = 0``, ``MIN_ROWS = 0``, every column coerced per distinct
value). The outcomes must be equal: the same :class:`toolkit.DataError`
(text key, file, row, column, message in Swedish and English), or the same
clean tables, row account, exclusions (row, column, reason), notes and
report text.

Inputs: the whole bad-input corpus of ``tests/test_io_bad.py`` (committed
folders and the workbooks, encodings and limits made there), generated
tables in the style of ``tests/test_io_fuzz.py`` (hypothesis), and a
synthetic unit of some thousand rows with faults planted in it (bad and
implausible dates, unknown categories, out-of-range numbers, repeated ids,
visits of unknown referrals, a blank line, a short row, quotes), loaded
with small limits too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_io_bad import CASES, EXTRACT, Case
from tests.test_io_fuzz import CELLS, SETTINGS, tables
from toolkit import DataError, io_fast
from toolkit.io import load_unit
from toolkit.synth import generate_large, write_unit


def _outcome(load: Callable[[], Any]) -> dict[str, Any]:
    """Everything a user can see of a load: the error, or the tables and their account."""
    try:
        unit = load()
    except DataError as err:
        return {
            "key": err.key,
            "type": type(err).__name__,
            "file": err.file,
            "row": err.row,
            "column": err.column,
            "sv": err.message("sv"),
            "en": err.message("en"),
        }
    out: dict[str, Any] = {
        "tables": {name: frame for name, frame in unit.tables.items()},
        "account": {
            name: (
                a.file,
                a.rows_read,
                a.rows_used,
                a.rows_excluded,
                a.excluded.to_dict("list"),
                a.notes,
            )
            for name, a in unit.account.items()
        },
        "notes": unit.notes,
    }
    for lang in ("sv", "en"):
        out[f"report_{lang}"] = unit.report(lang)
        out[f"exclusions_{lang}"] = unit.exclusions(lang).to_dict("list")
    return out


def _both(load: Callable[[], Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    saved = (io_fast.ENABLED, io_fast.MIN_BYTES, io_fast.MIN_ROWS, io_fast._DISTINCT_SHARE)
    try:
        io_fast.ENABLED = False
        careful = _outcome(load)
        io_fast.ENABLED, io_fast.MIN_BYTES, io_fast.MIN_ROWS = True, 0, 0
        io_fast._DISTINCT_SHARE = 1.0  # every column per distinct value, however varied
        fast = _outcome(load)
    finally:
        io_fast.ENABLED, io_fast.MIN_BYTES, io_fast.MIN_ROWS, io_fast._DISTINCT_SHARE = saved
    return careful, fast


def _assert_same(careful: dict[str, Any], fast: dict[str, Any]) -> None:
    assert careful.keys() == fast.keys(), (careful.get("key"), fast.get("key"))
    if "key" in careful:
        assert fast == careful
        return
    for name, frame in careful["tables"].items():
        pd.testing.assert_frame_equal(fast["tables"][name], frame, check_exact=True)
    for key in careful:
        if key != "tables":
            assert fast[key] == careful[key], key


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_corpus_same_both_ways(case: Case, tmp_path: Path) -> None:
    path = case.make(tmp_path)
    careful, fast = _both(
        lambda: load_unit(path, lang="sv", extract_date=EXTRACT, **case.kwargs)  # type: ignore[arg-type]
    )
    _assert_same(careful, fast)


@SETTINGS
@given(
    table=tables(CELLS),
    sep=st.sampled_from([";", ",", "\t"]),
    end=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_generated_tables_same_both_ways(
    table: list[list[str]], sep: str, end: str, encoding: str
) -> None:
    text = end.join(sep.join(str(c) for c in r) for r in table) + end
    with tempfile.TemporaryDirectory() as tmp:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            data = text.encode("utf-8")
        (Path(tmp) / "remisser.csv").write_bytes(data)
        _assert_same(*_both(lambda: load_unit(tmp, extract_date="2025-01-01", lang="en")))


def _planted(folder: Path, style: str) -> Path:
    """A synthetic unit of 3 000 referrals and 9 000 visits with faults planted in chosen rows."""
    tables_ = generate_large(3_000, 9_000, seed=7)
    files = write_unit(tables_, folder, style=style)
    rng = np.random.default_rng(3)
    for path in files:
        encoding = "cp1252" if style == "csv_sv" else "utf-8"
        lines = path.read_text(encoding=encoding).split("\n")
        sep = ";" if style == "csv_sv" else ","
        for i in rng.choice(np.arange(1, len(lines) - 1), size=40, replace=False):
            cells = lines[i].split(sep)
            j = int(rng.integers(1, len(cells)))
            cells[j] = str(
                rng.choice(["2024-02-30", "1850-01-01", "okänt", "-5", "9999", "", " ", "8/1 2024"])
            )
            lines[i] = sep.join(cells)
        lines[5] = lines[4]  # a repeated id
        path.write_text("\n".join(lines), encoding=encoding)
    return folder


@pytest.mark.parametrize("style", ["csv", "csv_sv"])
@pytest.mark.parametrize(
    "fault",
    [None, "short_row", "quote", "blank_line", "unknown_referral"],
)
def test_planted_faults_same_both_ways(tmp_path: Path, style: str, fault: str | None) -> None:
    folder = _planted(tmp_path / style, style)
    visits = next(p for p in folder.iterdir() if p.name.startswith(("visits", "bes")))
    encoding = "cp1252" if style == "csv_sv" else "utf-8"
    lines = visits.read_text(encoding=encoding).split("\n")
    sep = ";" if style == "csv_sv" else ","
    if fault == "short_row":
        lines[20] = lines[20].rsplit(sep, 1)[0]
    elif fault == "quote":
        lines[30] = lines[30].replace(sep, f'{sep}"', 1).replace(sep, f'"{sep}', 2)
    elif fault == "blank_line":
        lines[50] = sep * lines[50].count(sep)
    elif fault == "unknown_referral":
        cells = lines[40].split(sep)
        cells[1] = "R9999999"
        lines[40] = sep.join(cells)
    visits.write_text("\n".join(lines), encoding=encoding)
    plain: list[bool] = []
    read = io_fast.read_plain_csv

    def counted(*args: Any, **kwargs: Any) -> Any:
        result = read(*args, **kwargs)
        plain.append(result is not None)
        return result

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(io_fast, "read_plain_csv", counted)
        careful, fast = _both(lambda: load_unit(folder, extract_date="2024-12-31", lang="sv"))
    _assert_same(careful, fast)
    assert "key" not in careful and careful["account"]["visits"][3] > 0
    # the referrals file is plain; the visits file only when no fault makes it need the careful reader
    assert plain == [True, fault in (None, "unknown_referral")]


@pytest.mark.parametrize(
    "limits",
    [{"rows": 2_000}, {"line_kb": 0.05}, {"field_chars": 6}, {"columns": 5}],
)
def test_limits_same_both_ways(tmp_path: Path, limits: dict[str, float]) -> None:
    folder = tmp_path / "unit"
    write_unit(generate_large(3_000, 9_000, seed=7), folder, style="csv")
    careful, fast = _both(lambda: load_unit(folder, extract_date="2024-12-31", limits=limits))
    _assert_same(careful, fast)
    assert careful["key"].startswith("io.limit.")
