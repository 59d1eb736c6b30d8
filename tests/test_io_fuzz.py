"""Property tests: whatever it is fed, ``load_unit`` ends in a DataError or a balanced account.

Invariant (from the issue): no input may end in an unhandled exception; a
loaded unit accounts for every row read (read = used + excluded, per table).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from toolkit import DataError
from toolkit.io import UnitData, load_unit

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADERS = [
    "remiss_id",
    "inkommen",
    "första_bedömning",
    "pvv_dagar",
    "kön",
    "ålder",
    "frågeställning",
]
COMMON = st.sampled_from(
    ["R1", "R2", "2024-01-08", "8/1 2024", "45323", "1,5", "-3", "1e400", "ADHD", ""]
)
RARE = st.sampled_from(['"', '"R4"', "19121212-1212", "=B2+1", "2099-01-01", "flicka"])
CELLS = st.one_of(st.text(max_size=12), COMMON, COMMON, COMMON, COMMON, RARE)
#: Cells of a well-formed table: any text but separators, quotes and line ends.
PLAIN = st.one_of(
    st.text(
        st.characters(exclude_characters=';,\t\r\n"', exclude_categories=["Cs", "Cc"]), max_size=12
    ),
    COMMON,
    COMMON,
)
DATES = st.one_of(
    st.sampled_from(["2024-01-08", "2024-02-30", "8/1 2024", "20240108", "45323"]), CELLS
)


def _check(path: Path) -> None:
    try:
        unit = load_unit(path, extract_date="2025-01-01", lang="en")
    except DataError as err:
        event(err.key)
        assert err.file is not None  # every DataError names its file or folder
        assert err.message("sv") and err.message("en")
        return
    assert isinstance(unit, UnitData)
    event("loaded")
    for name, account in unit.account.items():
        assert account.rows_read == account.rows_used + account.rows_excluded, name
        assert account.rows_used == len(unit.tables[name])
        assert account.excluded["row"].min() >= 2 if len(account.excluded) else True


@SETTINGS
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "referrals.csv").write_bytes(data)
        _check(Path(tmp))


@st.composite
def tables(draw: st.DrawFn, cells: st.SearchStrategy[object]) -> list[list[object]]:
    """A header and rows: mostly a usable referrals table, sometimes anything at all."""
    if draw(st.integers(0, 2)):
        cells = PLAIN if draw(st.booleans()) else cells
        extra = draw(st.lists(st.sampled_from([*HEADERS[2:], "x"]), unique=True, max_size=4))
        header: list[object] = ["remiss_id", "inkommen", *extra]
        n = len(header)
        size = draw(st.integers(0, 8))
        rows = [
            [
                f"R{draw(st.integers(1, 9))}",
                draw(DATES if cells is not PLAIN else COMMON),
                *draw(st.lists(cells, min_size=n - 2, max_size=n - 2)),
            ]
            for _ in range(size)
        ]
        if rows and draw(st.booleans()):
            rows.append(draw(st.lists(cells, max_size=n + 2)))  # one row of another width
        return [header, *rows]
    header = draw(
        st.lists(
            st.one_of(st.sampled_from([*HEADERS, "x", ""]), st.text(max_size=6)),
            min_size=1,
            max_size=6,
        )
    )
    return [header, *draw(st.lists(st.lists(cells, max_size=7), max_size=8))]


@SETTINGS
@given(
    table=tables(CELLS),
    sep=st.sampled_from([";", ",", "\t"]),
    end=st.sampled_from(["\n", "\r\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_arbitrary_text_tables(table: list[list[str]], sep: str, end: str, encoding: str) -> None:
    text = end.join(sep.join(str(c) for c in r) for r in table) + end
    with tempfile.TemporaryDirectory() as tmp:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            data = text.encode("utf-8")
        (Path(tmp) / "remisser.csv").write_bytes(data)
        _check(Path(tmp))


@SETTINGS
@given(
    table=tables(
        st.one_of(CELLS, st.none(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True))
    ),
    title=st.sampled_from(["remisser", "remisser", "Referrals", "besök", "Blad1"]),
)
def test_arbitrary_workbook(table: list[list[object]], title: str) -> None:
    def clean(v: object) -> object:
        return ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for r in table:
        ws.append([clean(v) for v in r])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "enhet.xlsx"
        book.save(path)
        _check(path)
