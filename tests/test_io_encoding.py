"""The encodings a Swedish export comes in, decided by what the schema recognises.

Each case writes the same small referrals table (Swedish headers such as
``första_bedömning`` and Swedish category values such as ``ångest``) in one
encoding with Python's own codecs, and checks what the loader makes of it.
Expected values come from the data contract ``toolkit/data/schema.yaml``
(``första_bedömning`` is ``first_assessment``; ``ångest`` is
``anxiety_depression``, ``ätstörning`` ``eating_disorder``, ``självskada``
``self_harm``) and from the rows written (counted by hand, header = row 1).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from toolkit import DataError, flow
from toolkit.io import load_unit

EXTRACT = "2025-01-01"
SWEDISH = (
    "remiss_id;inkommen;första_bedömning;frågeställning\n"
    "R1;2024-01-08;2024-02-01;ångest\n"
    "R2;2024-01-09;2024-02-05;ätstörning\n"
    "R3;2024-01-10;2024-02-07;självskada\n"
)
#: English headers: only the category values tell the encodings apart.
ENGLISH_HEADERS = (
    "referral_id;received;first_assessment;question\n"
    "R1;2024-01-08;2024-02-01;ångest\n"
    "R2;2024-01-09;2024-02-05;ätstörning\n"
    "R3;2024-01-10;2024-02-07;självskada\n"
)
QUESTIONS = ["anxiety_depression", "eating_disorder", "self_harm"]


@pytest.mark.parametrize(
    ("encoding", "note"),
    [
        ("utf-8", None),
        ("utf-8-sig", None),
        ("utf-16", None),  # with a byte-order mark
        ("utf-16-le", None),  # without one
        ("cp1252", None),  # Excel "CSV" on Windows
        ("cp850", "cp850 (DOS)"),  # old DOS systems
        ("mac_roman", "Mac Roman"),  # Excel "CSV (Macintosh)"
    ],
)
@pytest.mark.parametrize("text", [SWEDISH, ENGLISH_HEADERS], ids=["sv_headers", "en_headers"])
def test_each_encoding_reads_swedish_headers_and_values(
    tmp_path: Path, encoding: str, note: str | None, text: str
) -> None:
    (tmp_path / "remisser.csv").write_bytes(text.replace("\n", "\r\n").encode(encoding))
    unit = load_unit(tmp_path, extract_date=EXTRACT, lang="en")
    ref = unit.referrals
    assert ref["first_assessment"].tolist() == [
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-02-05"),
        pd.Timestamp("2024-02-07"),
    ]
    assert ref["question"].astype(str).tolist() == QUESTIONS
    notes = " ".join(unit.note_texts("en"))
    assert "is not part of the table" not in notes  # no header lost to a wrong decoding
    if note is not None:
        assert f"read with the character encoding {note}" in notes
        assert f"lästes med teckenkodningen {note}" in " ".join(unit.note_texts("sv"))
    else:
        assert "character encoding" not in notes


def _waiting(folder: Path) -> int:
    unit = load_unit(folder, extract_date=EXTRACT)
    queue = flow.queue_size(unit.referrals, end="2024-12-31")
    return int(queue.iloc[-1]["queue_size"])


def test_one_windows_byte_in_a_utf8_file_is_refused_with_its_row(tmp_path: Path) -> None:
    # 199 referrals, all assessed; row 101 has a note typed in Windows-1252 ("é" = 0xE9).
    rows = [f"R{i};2024-01-08;2024-02-01;ok" for i in range(1, 200)]
    header = "remiss_id;inkommen;första_bedömning;anteckning"
    good = "\n".join([header, *rows]) + "\n"
    (tmp_path / "remisser.csv").write_bytes(good.encode("utf-8"))
    assert _waiting(tmp_path) == 0  # read right: nobody is waiting
    mixed = good.encode("utf-8").replace(
        b"R100;2024-01-08;2024-02-01;ok", b"R100;2024-01-08;2024-02-01;caf\xe9"
    )
    (tmp_path / "remisser.csv").write_bytes(mixed)
    with pytest.raises(DataError) as info:
        load_unit(tmp_path, extract_date=EXTRACT)
    err = info.value
    assert err.key == "io.mixed_encoding"
    assert err.row == 101  # R100 is on line 101 (header = 1)
    assert err.message("en").startswith("remisser.csv, row 101: the file mixes two character")
    assert "row 1 is UTF-8" in err.message("en")
    assert "rad 1 är UTF-8" in err.message("sv")


def test_cp850_headers_are_not_renamed(tmp_path: Path) -> None:
    # Today's failure: cp850 read as Windows-1252 gives "f”rsta_bed”mning" and loses the column.
    (tmp_path / "remisser.csv").write_bytes(SWEDISH.encode("cp850"))
    unit = load_unit(tmp_path, extract_date=EXTRACT)
    assert unit.referrals["first_assessment"].notna().all()
    assert _waiting(tmp_path) == 0


def test_windows_1252_stays_the_default_when_nothing_tells(tmp_path: Path) -> None:
    # No schema name with å, ä, ö; "é" (0xE9) in an id reads as a letter in all three encodings.
    text = "remiss_id;inkommen\nRené1;2024-01-08\n"
    (tmp_path / "remisser.csv").write_bytes(text.encode("cp1252"))
    unit = load_unit(tmp_path, extract_date=EXTRACT)
    assert unit.referrals["referral_id"].tolist() == ["René1"]


def test_a_byte_no_encoding_explains_is_refused_with_its_row(tmp_path: Path) -> None:
    # 0x81 is not Windows-1252; cp850 reads "ü", Mac Roman "Å": one letter decides nothing.
    (tmp_path / "remisser.csv").write_bytes(
        b"remiss_id;inkommen\nR1;2024-01-08\nR\x81;2024-01-09\n"
    )
    with pytest.raises(DataError) as info:
        load_unit(tmp_path, extract_date=EXTRACT)
    assert info.value.key == "io.encoding"
    assert info.value.row == 3


def test_an_undecodable_byte_far_into_the_file(tmp_path: Path) -> None:
    # The first 4 MB are ASCII (Windows-1252 by default); 0x81 on line 400 002 is not, and
    # cp850 ("ü") and Mac Roman ("Å") are not told apart by one letter: refused there.
    rows = "".join(f"R{i};2024-01-08\n" for i in range(400_000))
    data = ("remiss_id;inkommen\n" + rows).encode() + b"R\x81;2024-01-09\n"
    assert len(data) > 4 * 2**20
    (tmp_path / "remisser.csv").write_bytes(data)
    with pytest.raises(DataError) as info:
        load_unit(tmp_path, extract_date=EXTRACT)
    assert info.value.key == "io.encoding"
    assert info.value.row == 400_002
