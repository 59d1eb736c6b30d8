"""Decode a CSV export by evidence: the encoding whose text matches the schema wins.

A Swedish export comes in one of a few encodings: UTF-8 (with or without a
byte-order mark), UTF-16, Windows-1252 (Excel's "CSV" on Windows), cp850
(old DOS systems) or Mac Roman (Excel's "CSV (Macintosh)"). The bytes of
å, ä and ö differ between them, so the wrong choice turns
``första_bedömning`` into ``fÃ¶rsta_bedÃ¶mning`` or ``f”rsta_bed”mning``
and the column is lost.

The rules, in order:

1. A byte-order mark decides (UTF-8, UTF-16); so does UTF-16's pattern of
   zero bytes.
2. Text that is valid UTF-8 is UTF-8.
3. Text that is not valid UTF-8 but holds UTF-8 encoded å, ä, ö (or é)
   mixes two encodings (one line saved in another program): it is
   refused, naming the first line that is not UTF-8 and one that is.
4. Otherwise each one-byte encoding (Windows-1252, cp850, Mac Roman)
   reads the header and the first 256 KB: the one under which more
   headers and category values are names of the schema
   (:mod:`toolkit.schema`, Swedish or English) wins. When the schema cannot
   tell them apart, the letters decide: Windows-1252 is kept unless another
   encoding reads at least two more å, ä, ö, é and no
   fewer letters (counted in the first 4 MB, or the whole file when a
   byte further on does not decode); with no such margin and no
   Windows-1252 reading, the file is refused as of unknown encoding.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np

from toolkit.errors import DataError
from toolkit.schema import TABLES, normalise_name

#: One-byte candidates in order of preference when nothing tells them apart.
SINGLE_BYTE = ("cp1252", "cp850", "mac_roman")
#: Names shown in notes.
NAMES = {"cp1252": "Windows-1252", "cp850": "cp850 (DOS)", "mac_roman": "Mac Roman"}
_SWEDISH = set("åäöÅÄÖéÉ")
#: Non-letters that are ordinary in Swedish text (typographic quotes and dashes, €, §, °, ½ …).
_NEUTRAL = set("–—‘’“”•…€§°´×½¼¾«»·±²³µ¹ºª¿¡£¤¥¦¨©®¯¬\u00a0\u00ad")
#: UTF-8 second bytes after 0xC3 that spell å ä ö Å Ä Ö é É.
_UTF8_SWEDISH_TAIL = bytes([0xA5, 0xA4, 0xB6, 0x85, 0x84, 0x96, 0xA9, 0x89])
_SAMPLE_BYTES = 1 << 18
_HISTOGRAM_BYTES = 1 << 22
_ASCII = bytes(range(0x80))
_FIELD_END = re.compile(r'[;,\t\n"]')
#: A challenger must read this many more Swedish letters than Windows-1252 to win on letters.
_MARGIN = 2


def decode(
    data: bytes | list[bytes], display: str, lang: str, table: str | None = None
) -> tuple[bytes, list[tuple[str, dict[str, Any]]]]:
    """Return the text as UTF-8 bytes with ``\\n`` line ends, and notes on the choice.

    ``data`` may be handed over in a list (which is emptied): a file in a
    one-byte encoding is then freed once transcoded, before its UTF-8 copy
    is put together, so a large file is not held three times at once.

    Raises :class:`DataError` ``io.encoding`` (no encoding reads the file),
    ``io.mixed_encoding`` (UTF-8 and another encoding in one file, with the
    first line of each) or ``io.not_text`` (a binary file).
    """
    if isinstance(data, list):
        data = data.pop()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        b"\x00" in data[:4096] and len(data) % 2 == 0
    ):
        return _decode_utf16(data, display, lang), []
    if b"\x00" in data:
        raise DataError("io.not_text", file=display, lang=lang)
    # One line end for every reader: CRLF (Windows) and a lone CR (old Mac) become LF.
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    try:
        data.decode("utf-8")
        return data, []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if b"\xc3" in data:  # UTF-8 å, ä, ö, é are 0xC3 and one more byte
        found = [data.find(b"\xc3" + bytes([tail])) for tail in _UTF8_SWEDISH_TAIL]
        found = [p for p in found if p >= 0]
        if found:
            raise DataError(
                "io.mixed_encoding",
                file=display,
                row=data.count(b"\n", 0, first_bad) + 1,
                other=data.count(b"\n", 0, min(found)) + 1,
                lang=lang,
            )
    # The letters are counted in the first megabytes (enough evidence, and fast); when a byte
    # further on does not decode, the whole file is counted and the choice made again.
    encoding = _choose(data, _high_bytes(data[:_HISTOGRAM_BYTES]), table)
    try:
        parts = _utf8_parts(data, encoding) if encoding else None
    except UnicodeDecodeError:
        encoding = _choose(data, _high_bytes(data), table)
        parts = _utf8_parts(data, encoding) if encoding else None
    if encoding is None or parts is None:
        raise DataError(
            "io.encoding", file=display, row=data.count(b"\n", 0, first_bad) + 1, lang=lang
        )
    notes: list[tuple[str, dict[str, Any]]] = []
    if encoding != "cp1252":
        notes.append(("io.note.encoding", {"encoding": NAMES[encoding]}))
    del data  # handed over: freed here, before the UTF-8 copy is joined
    return b"".join(parts), notes


def _utf8_parts(data: bytes, encoding: str) -> list[bytes]:
    """``data`` in a one-byte ``encoding`` as UTF-8, in parts of 16 MB (never all of it as text).

    One byte is one character in these encodings, so the parts decode exactly
    as the whole would (and fail on the same byte).
    """
    step = 1 << 24
    return [data[i : i + step].decode(encoding).encode("utf-8") for i in range(0, len(data), step)]


def _decode_utf16(data: bytes, display: str, lang: str) -> bytes:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        head = data[:4096]
        zeros_odd, zeros_even = head[1::2].count(0), head[0::2].count(0)
        if zeros_odd > len(head) // 4 and zeros_even == 0:
            encoding = "utf-16-le"
        elif zeros_even > len(head) // 4 and zeros_odd == 0:
            encoding = "utf-16-be"
        else:
            raise DataError("io.not_text", file=display, lang=lang)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError("io.encoding", file=display, lang=lang) from exc
    if "\x00" in text:
        raise DataError("io.not_text", file=display, lang=lang)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.encode("utf-8")


def _high_bytes(data: bytes) -> np.ndarray:
    """How often each byte value occurs in ``data`` (only bytes above ASCII are counted)."""
    high = np.frombuffer(data.translate(None, _ASCII), dtype=np.uint8)
    return np.bincount(high, minlength=256)


@cache
def _weights(encoding: str) -> tuple[np.ndarray, np.ndarray]:
    """Per byte 0x80–0xFF: its letter score under ``encoding`` and whether it decodes."""
    score = np.zeros(256, dtype=np.int64)
    ok = np.ones(256, dtype=bool)
    for byte in range(0x80, 0x100):
        try:
            ch = bytes([byte]).decode(encoding)
        except UnicodeDecodeError:
            ok[byte] = False
            continue
        score[byte] = 1 if ch in _SWEDISH else 0 if (ch.isalpha() or ch in _NEUTRAL) else -1
    return score, ok


@cache
def _names(table: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """Normalised headers and category values of ``table`` (all tables when None)."""
    specs = [TABLES[table]] if table in TABLES else list(TABLES.values())
    headers = {key for spec in specs for key in spec.header_lookup}
    values = {key for spec in specs for col in spec.columns.values() for key in col.value_lookup}
    return frozenset(headers), frozenset(values)


def _schema_hits(sample: bytes, encoding: str, table: str | None) -> int:
    """How many distinct non-ASCII words of ``sample`` are schema names under ``encoding``."""
    headers, values = _names(table)
    text = sample.decode(encoding, errors="replace")
    header, _, body = text.partition("\n")
    hits = 0
    for i, part in enumerate((header, body)):
        names = headers if i == 0 else values
        words = {w for w in set(_FIELD_END.split(part)) if not w.isascii()}
        hits += sum(normalise_name(w) in names for w in words)
    return hits


def _choose(data: bytes, hist: np.ndarray, table: str | None) -> str | None:
    """The one-byte encoding the evidence points to, or None when it cannot tell."""
    sample = data[:_SAMPLE_BYTES]
    if len(data) > _SAMPLE_BYTES:
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    scores: dict[str, tuple[int, int]] = {}
    for encoding in SINGLE_BYTE:
        letter, ok = _weights(encoding)
        if hist[~ok].any():
            continue
        scores[encoding] = (_schema_hits(sample, encoding, table), int(hist @ letter))
    if not scores:
        return None
    best_hits = max(h for h, _ in scores.values())
    tied = {e: s for e, s in scores.items() if s[0] == best_hits}
    if len(tied) == 1:
        return next(iter(tied))
    ranked = sorted(tied, key=lambda e: -tied[e][1])
    challenger = next(e for e in ranked if e != "cp1252")
    others = [tied[e][1] for e in tied if e != challenger]
    if tied[challenger][1] >= max(others) + _MARGIN:
        return challenger
    return "cp1252" if "cp1252" in tied else None
