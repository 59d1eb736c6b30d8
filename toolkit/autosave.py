"""Saving what is typed in a workbook, as it is typed.

Every workbook session (an instrument such as the PKS self-assessment, a unit
and a round) is one small JSON file in the save folder, rewritten atomically on
every change: the text goes to a temporary file in the same folder, which is
flushed to disk and then renamed over the old file (:func:`os.replace`). A
reader therefore sees either the previous or the new file, never half of one,
and a reload of the page or a killed kernel loses nothing that reached the
kernel.

The folder is ``BUP_TOOLKIT_SAVE_DIR`` when set, else ``~/bup-toolkit``
(:func:`save_dir`). Other modules that save what users type (the PDSA log) use
the same folder and may write their own file format there.

Examples
--------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> path = save_session("pks", "BUP Syd", "2025", {"answers": []}, folder=folder)
>>> path.name
'pks__bup-syd__2025__653270b4.json'
>>> load_session(path)["unit"]
'BUP Syd'
>>> list_sessions("pks", folder=folder)[["unit", "round"]].to_dict("records")
[{'unit': 'BUP Syd', 'round': '2025'}]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.errors import DataError

#: Environment variable naming the save folder.
SAVE_DIR_ENV = "BUP_TOOLKIT_SAVE_DIR"
#: Format tag written in every session file.
SESSION_FORMAT = "bup-toolkit-session"
#: Version of the session file format.
SESSION_FORMAT_VERSION = 1

_SESSION_COLUMNS = ["path", "instrument", "unit", "round", "updated"]


def save_dir(create: bool = True) -> Path:
    """The folder where workbooks save what is typed.

    ``BUP_TOOLKIT_SAVE_DIR`` when set and not empty, else ``~/bup-toolkit``;
    created when ``create`` is true.
    """
    folder = Path(os.environ.get(SAVE_DIR_ENV) or Path.home() / "bup-toolkit").expanduser()
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _slug(text: str) -> str:
    """A file-name-safe form of ``text``: ASCII letters, digits and hyphens.

    >>> _slug("Övre Älvdal / BUP 2")
    'ovre-alvdal-bup-2'
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug[:40] or "x"


def session_path(
    instrument: str, unit: str, round_: str, *, folder: str | Path | None = None
) -> Path:
    """The file of one session: ``<instrument>__<unit>__<round>__<hash>.json``.

    The short hash of the exact instrument, unit and round keeps two names
    that look alike after simplification (``BUP A`` and ``BUP-A``) apart.
    """
    base = Path(folder) if folder is not None else save_dir()
    digest = hashlib.sha256(f"{instrument}\x00{unit}\x00{round_}".encode()).hexdigest()[:8]
    return base / f"{_slug(instrument)}__{_slug(unit)}__{_slug(round_)}__{digest}.json"


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader never sees a partial file.

    Writes a temporary file in the same folder, flushes it to disk
    (``fsync``) and renames it over ``path`` with :func:`os.replace`, which is
    atomic on POSIX and Windows file systems.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def save_session(
    instrument: str,
    unit: str,
    round_: str,
    payload: dict[str, Any],
    *,
    folder: str | Path | None = None,
) -> Path:
    """Save one session atomically; return its file.

    The file holds ``payload`` plus ``format``, ``format_version``,
    ``instrument``, ``unit``, ``round`` and ``updated`` (UTC time, ISO 8601,
    microseconds: the most recently edited session sorts first).
    """
    path = session_path(instrument, unit, round_, folder=folder)
    record = {
        **payload,
        "format": SESSION_FORMAT,
        "format_version": SESSION_FORMAT_VERSION,
        "instrument": instrument,
        "unit": unit,
        "round": round_,
        "updated": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
    }
    write_atomic(path, json.dumps(record, ensure_ascii=False, indent=1))
    return path


def load_session(path: str | Path, lang: str | None = None) -> dict[str, Any]:
    """Read a session file; a file that is not one raises :class:`DataError`."""
    file = Path(path)
    try:
        record = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(
            "selfassess.save_unreadable",
            file=file.name,
            folder=str(file.parent),
            reason=str(exc),
            lang=lang,
        ) from exc
    if not isinstance(record, dict) or record.get("format") != SESSION_FORMAT:
        raise DataError(
            "selfassess.save_not_session",
            file=file.name,
            folder=str(file.parent),
            reason="",
            lang=lang,
        )
    return record


def list_sessions(instrument: str, *, folder: str | Path | None = None) -> pd.DataFrame:
    """The saved sessions of ``instrument``, most recently edited first.

    Returns a table with ``path``, ``instrument``, ``unit``, ``round`` and
    ``updated`` (text, ISO 8601). Files that cannot be read are not rows; their
    names are listed in ``attrs["unreadable"]`` so that a workbook can say so.
    """
    base = Path(folder) if folder is not None else save_dir()
    rows: list[dict[str, Any]] = []
    unreadable: list[str] = []
    for path in sorted(base.glob(f"{_slug(instrument)}__*.json")):
        try:
            record = load_session(path)
        except DataError:
            unreadable.append(path.name)
            continue
        if record.get("instrument") != instrument:
            continue
        rows.append(
            {
                "path": str(path),
                "instrument": instrument,
                "unit": str(record.get("unit", "")),
                "round": str(record.get("round", "")),
                "updated": str(record.get("updated", "")),
            }
        )
    table = pd.DataFrame(rows, columns=_SESSION_COLUMNS)
    table = table.sort_values("updated", ascending=False, kind="stable").reset_index(drop=True)
    table.attrs["unreadable"] = unreadable
    return table
