"""Limits on what ``load_unit`` reads: each refused in seconds, within a memory cap.

Every hostile or oversized input of issue 14 is made here (nothing large is
committed) and loaded in a child process whose address space is capped with
``resource.setrlimit(RLIMIT_AS)`` (as ``ulimit -v``) and whose run is
bounded by a timeout: a limit that is not checked before the work shows up
as a memory error, a timeout or a raw exception instead of the expected
``DataError``. The default limits are those stated in the README and in
``toolkit/io_limits.py``; Excel's own bounds (1 048 576 rows, 16 384
columns, 32 767 characters per cell) are from Microsoft's "Excel
specifications and limits".
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest

from toolkit import DataError, ParameterError
from toolkit.io import load_unit

# Each limit is checked in a child process with a memory cap: `make test`, not `make check`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXTRACT = "2025-01-01"
#: Address-space cap of the child. The toolkit's imports take about 0.4 GB of it and Arrow's
#: memory pool reserves about 1 GB more on its first array (reserved, not used).
CAP_BYTES = 2560 * 1024**2
TIMEOUT_S = 60

CHILD = """
import json, resource, sys, time
cap = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from toolkit import DataError
from toolkit.io import load_unit
start = time.perf_counter()
try:
    unit = load_unit(sys.argv[1], extract_date="2025-01-01", limits=json.loads(sys.argv[3]))
    out = {"key": None, "read": {k: a.rows_read for k, a in unit.account.items()}}
except DataError as err:
    out = {"key": err.key, "row": err.row, "column": err.column,
           "sv": err.message("sv"), "en": err.message("en")}
out["seconds"] = time.perf_counter() - start
print(json.dumps(out))
"""


def load_capped(path: Path, limits: dict[str, float] | None = None) -> dict[str, object]:
    """``load_unit(path)`` in a child process under the memory cap; its outcome as a dict."""
    env = {k: v for k, v in os.environ.items() if k != "BUP_TOOLKIT_LIMITS"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(CAP_BYTES), json.dumps(limits or {})],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_limit(out: dict[str, object], name: str) -> None:
    """The error names the limit and how to raise it, in both languages."""
    assert out["key"] == f"io.limit.{name}", out
    for lang in ("sv", "en"):
        text = str(out[lang])
        assert f"({name})" in text and f'BUP_TOOLKIT_LIMITS="{name}=' in text, text
        assert f'limits={{"{name}": ' in text, text


def referrals_book(path: Path, n: int = 2) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "remisser"
    ws.append(["remiss_id", "inkommen"])
    for i in range(1, n + 1):
        ws.append([f"R{i}", "2024-01-08"])
    book.save(path)
    return path


def rewrite_sheet(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    """Rewrite ``xl/worksheets/sheet1.xml`` inside the workbook with ``change(xml)``."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


# --------------------------------------------------------------------------- Excel


def test_stale_dimension_is_not_trusted(tmp_path: Path) -> None:
    # 300 rows in Excel (header + 299 referrals) but the sheet declares A1:B2, as some exporters do.
    path = referrals_book(tmp_path / "enhet.xlsx", n=299)
    rewrite_sheet(
        path, lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:B2"', xml)
    )
    with zipfile.ZipFile(path) as z:
        assert b'<dimension ref="A1:B2"' in z.read("xl/worksheets/sheet1.xml")
    unit = load_unit(path, extract_date=EXTRACT, lang="en")
    assert unit.account["referrals"].rows_read == 299
    assert unit.referrals["referral_id"].iloc[-1] == "R299"
    assert unit.row_account()[["read", "used", "excluded"]].values.tolist() == [[299, 299, 0]]


def test_dimension_bomb_reads_only_what_is_there(tmp_path: Path) -> None:
    # A tiny workbook declaring 1 048 576 × 16 384 cells (A1:XFD1048576) holding 2 referrals.
    path = referrals_book(tmp_path / "enhet.xlsx")
    rewrite_sheet(
        path, lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:XFD1048576"', xml)
    )
    assert path.stat().st_size < 10_000
    out = load_capped(path)
    assert out["key"] is None and out["read"] == {"referrals": 2}, out


def test_a_value_beyond_the_column_limit_is_refused(tmp_path: Path) -> None:
    # The same bomb with a real cell at XFD1048576 (Excel's last cell): 16 384 columns wide.
    path = referrals_book(tmp_path / "enhet.xlsx")

    def change(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:XFD1048576"', xml)
        last = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace("</sheetData>", last + "</sheetData>")

    rewrite_sheet(path, change)
    out = load_capped(path)
    assert_limit(out, "columns")
    assert out["row"] == 1_048_576 and out["column"] == "XFD", out
    assert out["seconds"] < 20, out


def _raw_deflate_member(name: str, data: bytes) -> tuple[str, bytes, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return name, c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def _bomb_member(name: str, mib: int) -> tuple[str, bytes, int, int]:
    """``mib`` MiB of spaces as one deflate stream: one 1 MiB block repeated (a full flush
    resets the compressor, so every block is the same bytes)."""
    chunk = b" " * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    return name, block * mib + c.flush(zlib.Z_FINISH), crc, mib << 20


def write_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A zip of already deflated members (zipfile itself cannot store precompressed data)."""
    out, central = bytearray(), bytearray()
    for name, packed, crc, size in members:
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(packed), size,
                           len(raw), 0) + raw + packed  # fmt: skip
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                               len(packed), size, len(raw), 0, 0, 0, 0, 0, offset) + raw  # fmt: skip
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(out), 0)  # fmt: skip
    path.write_bytes(bytes(out + central + end))


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    # A real workbook whose sheet is replaced by 1 GiB of spaces: about 1 MB on disk.
    good = referrals_book(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as z:
        members = [
            _raw_deflate_member(n, z.read(n))
            for n in z.namelist()
            if n != "xl/worksheets/sheet1.xml"
        ]
    members.append(_bomb_member("xl/worksheets/sheet1.xml", 1024))
    path = tmp_path / "enhet.xlsx"
    write_zip(path, members)
    good.unlink()
    assert path.stat().st_size < 3_000_000
    with zipfile.ZipFile(path) as z:  # a valid zip that really unpacks to 1 GiB
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size == 1 << 30
        with z.open(info) as f:
            assert f.read(1 << 20) == b" " * (1 << 20)
    out = load_capped(path)
    assert_limit(out, "workbook_mb")
    assert "1 074 MB" in str(out["en"]) and "1 000 MB" in str(out["en"]), out
    assert out["seconds"] < 5, out


def test_too_many_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "remisser"
    book.active.append(["remiss_id", "inkommen"])
    for i in range(101):
        book.create_sheet(f"Blad{i}")
    book.save(tmp_path / "enhet.xlsx")
    assert_limit(load_capped(tmp_path / "enhet.xlsx"), "sheets")


def test_too_many_rows_in_a_sheet(tmp_path: Path) -> None:
    # Excel's 1 048 576 rows are below the default (10 000 000): the limit is lowered to test it.
    path = referrals_book(tmp_path / "enhet.xlsx", n=6)
    out = load_capped(path, {"rows": 5})
    assert_limit(out, "rows")
    assert "more than 5 data rows" in str(out["en"])


def test_memory_error_is_not_called_damage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl as opx

    path = referrals_book(tmp_path / "enhet.xlsx")

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(opx, "load_workbook", out_of_memory)
    with pytest.raises(DataError) as info:
        load_unit(path, extract_date=EXTRACT)
    assert info.value.key == "io.memory"
    assert "ran out of memory" in info.value.message("en")
    assert "damaged or password" not in info.value.message("en")
    assert "BUP_TOOLKIT_LIMITS" in info.value.message("sv")


def test_arrow_memory_error_in_csv_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa

    import toolkit.io.csv_reader as tio  # where the CSV reader calls it

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise pa.ArrowMemoryError("malloc of size 1 failed")

    monkeypatch.setattr(tio, "_read_arrow", out_of_memory)
    (tmp_path / "remisser.csv").write_text("remiss_id;inkommen\nR1;2024-01-08\n")
    with pytest.raises(DataError) as info:
        load_unit(tmp_path, extract_date=EXTRACT)
    assert info.value.key == "io.memory" and info.value.file == "remisser.csv"


# --------------------------------------------------------------------------- CSV


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    # A sparse file of 2.1 GB: refused from its size, never read.
    with open(tmp_path / "remisser.csv", "wb") as f:
        f.truncate(2_100_000_000)
    out = load_capped(tmp_path)
    assert_limit(out, "file_mb")
    assert "2 100 MB" in str(out["en"]) and "2 000 MB" in str(out["en"])
    assert out["seconds"] < 2, out


def test_a_million_columns(tmp_path: Path) -> None:
    header = ";".join(f"k{j}" for j in range(1_000_000))
    (tmp_path / "remisser.csv").write_text(f"{header}\n" + ";" * 999_999 + "\n")
    out = load_capped(tmp_path)
    assert_limit(out, "columns")
    assert out["row"] == 1 and "1 000 000 columns" in str(out["en"]), out


def test_a_header_field_over_128_kb(tmp_path: Path) -> None:
    (tmp_path / "remisser.csv").write_text("remiss_id;" + "x" * 140_000 + "\nR1;y\n")
    out = load_capped(tmp_path)
    assert_limit(out, "field_chars")
    assert out["row"] == 1 and "140 000 characters" in str(out["en"]), out


def test_a_long_quoted_field_over_many_lines(tmp_path: Path) -> None:
    # A quote never closed swallows the rest: 200 000 characters over 20 000 short lines.
    body = 'R1;2024-01-08;"' + "abcdefghi\n" * 20_000
    (tmp_path / "remisser.csv").write_text("remiss_id;inkommen;anteckning\n" + body)
    out = load_capped(tmp_path)
    assert_limit(out, "field_chars")


def test_a_200_mb_line(tmp_path: Path) -> None:
    with open(tmp_path / "remisser.csv", "wb") as f:
        f.write(b"remiss_id;inkommen\n")
        f.write(b"x" * 200_000_000 + b"\n")
    out = load_capped(tmp_path)
    assert_limit(out, "line_kb")
    assert out["row"] == 2 and "200 000 KB" in str(out["en"]), out


def test_more_rows_than_the_limit(tmp_path: Path) -> None:
    # 10 000 001 data rows of 4 bytes: 40 MB, refused from the line count before parsing.
    (tmp_path / "remisser.csv").write_bytes(b"remiss_id;inkommen\n" + b"R;x\n" * 10_000_001)
    out = load_capped(tmp_path)
    assert_limit(out, "rows")
    assert "more than 10 000 000 data rows" in str(out["en"])


# --------------------------------------------------------------------------- not a file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "remisser.csv")
    out = load_capped(tmp_path)  # the timeout fails the test if it blocks
    assert out["key"] == "io.not_regular_file", out
    assert str(out["en"]).startswith("remisser.csv: is not an ordinary file")
    out = load_capped(tmp_path / "remisser.csv")
    assert out["key"] == "io.not_regular_file", out


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_link_to_dev_zero_is_refused(tmp_path: Path) -> None:
    (tmp_path / "remisser.csv").symlink_to("/dev/zero")
    (tmp_path / "enhet.xlsx").symlink_to("/dev/zero")
    out = load_capped(tmp_path)
    assert out["key"] == "io.not_regular_file", out
    (tmp_path / "enhet.xlsx").unlink()
    out = load_capped(tmp_path)
    assert out["key"] == "io.not_regular_file" and str(out["en"]).startswith("remisser.csv"), out


# --------------------------------------------------------------------------- setting them


def test_limits_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "remisser.csv").write_text("remiss_id;inkommen\nR1;2024-01-08\nR2;2024-01-09\n")
    monkeypatch.setenv("BUP_TOOLKIT_LIMITS", "rows=1, columns=5")
    with pytest.raises(DataError) as info:
        load_unit(tmp_path, extract_date=EXTRACT)
    assert info.value.key == "io.limit.rows"
    # The argument wins over the variable.
    assert len(load_unit(tmp_path, extract_date=EXTRACT, limits={"rows": 2}).referrals) == 2
    monkeypatch.setenv("BUP_TOOLKIT_LIMITS", "rader=1")
    with pytest.raises(ParameterError) as perr:
        load_unit(tmp_path, extract_date=EXTRACT, lang="en")
    assert "BUP_TOOLKIT_LIMITS: rader=1 is not a valid limit" in str(perr.value)
    assert "file_mb, workbook_mb, rows, columns, sheets, field_chars, line_kb" in str(perr.value)


def test_readme_states_the_defaults() -> None:
    from dataclasses import fields

    from toolkit.io_limits import Limits

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = {
        m.group(1): float(m.group(2).replace(" ", ""))
        for m in re.finditer(r"^\| `(\w+)`\s*\| ([\d ]+?)\s*\|", text, flags=re.M)
    }
    assert stated == {f.name: getattr(Limits(), f.name) for f in fields(Limits)}
