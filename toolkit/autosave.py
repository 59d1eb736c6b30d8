"""Saving what is typed in a workbook, as it is typed.

Every workbook session (an instrument such as the PKS self-assessment, a unit
and a round) is one small JSON file in the save folder, rewritten atomically on
every change: the text goes to a temporary file in the same folder, which is
flushed to disk and then renamed over the old file (:func:`os.replace`). A
reader therefore sees either the previous or the new file, never half of one,
and a reload of the page or a killed kernel loses nothing that reached the
kernel.

Any number of pages and processes may save to one file at once: every save
takes the file's lock (:func:`locked`, a ``.<file>.lock`` beside it, through
the ``filelock`` package, which works on Windows too), reads what is on disk,
applies its one change (one answer, one field) and writes the result before
it lets go (:func:`update_session`, :func:`save_answer`). Nothing another page
saved in between is overwritten.

File names come from one rule, :func:`name_key`: each part simplified to
ASCII letters, digits and hyphens (:func:`slug`) plus a short hash of the
exact parts, so names that simplify alike (``BUP Öst`` and ``BUP Ost``) never
share a file.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from filelock import FileLock, Timeout

from toolkit.errors import DataError
from toolkit.i18n import check_language

if TYPE_CHECKING:
    from toolkit.selfassess import Questionnaire

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


#: Seconds a save waits for another page's save of the same file before it gives up.
LOCK_TIMEOUT_S = 30.0


def slug(text: str) -> str:
    """A file-name-safe form of ``text``: ASCII letters, digits and hyphens (at most 40).

    The one simplification rule of saved file names (see :func:`name_key`).

    >>> slug("Övre Älvdal / BUP 2")
    'ovre-alvdal-bup-2'
    >>> slug("BUP Öst") == slug("BUP Ost"), slug("???")
    (True, 'x')
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    simple = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return simple[:40] or "x"


def name_key(*parts: str) -> str:
    """The file-name stem of a saved thing named by ``parts``: slugs and a hash of the exact parts.

    ``<slug>__<slug>…__<hash>``, the hash being the first 8 hexadecimal digits
    of SHA-256 of the parts joined by NUL. Two names that simplify alike
    still get different files.

    >>> name_key("BUP Öst"), name_key("BUP Ost")
    ('bup-ost__c3b47044', 'bup-ost__008fdd24')
    """
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:8]
    return "__".join([*(slug(p) for p in parts), digest])


def session_path(
    instrument: str, unit: str, round_: str, *, folder: str | Path | None = None
) -> Path:
    """The file of one session: ``<instrument>__<unit>__<round>__<hash>.json`` (:func:`name_key`).

    The short hash of the exact instrument, unit and round keeps two names
    that look alike after simplification (``BUP A`` and ``BUP-A``) apart.
    """
    base = Path(folder) if folder is not None else save_dir()
    return base / f"{name_key(instrument, unit, round_)}.json"


def lock_path(path: str | Path) -> Path:
    """The lock file of a saved file: ``.<name>.lock`` in the same folder."""
    target = Path(path)
    return target.with_name(f".{target.name}.lock")


@contextmanager
def locked(path: str | Path, *, lang: str | None = None) -> Iterator[Path]:
    """Hold the lock of ``path`` (other processes and pages wait) while the block runs.

    Waits at most :data:`LOCK_TIMEOUT_S` seconds, then raises
    :class:`~toolkit.errors.DataError` naming the file. The lock is the
    operating system's (``flock`` on POSIX, ``msvcrt.locking`` on Windows,
    through ``filelock``), so a process that dies releases it.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(target)), timeout=LOCK_TIMEOUT_S)
    try:
        lock.acquire()
    except Timeout:
        raise DataError(
            "selfassess.save_locked",
            file=target.name,
            seconds=int(LOCK_TIMEOUT_S),
            lock=lock_path(target).name,
            lang=lang,
        ) from None
    try:
        yield target
    finally:
        lock.release()


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


#: How a session is written: readable, non-ASCII letters as they are.
_JSON: dict[str, Any] = {"ensure_ascii": False, "indent": 1}


def _record(instrument: str, unit: str, round_: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        **payload,
        "format": SESSION_FORMAT,
        "format_version": SESSION_FORMAT_VERSION,
        "instrument": instrument,
        "unit": unit,
        "round": round_,
        "updated": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
    }


def save_session(
    instrument: str,
    unit: str,
    round_: str,
    payload: dict[str, Any],
    *,
    folder: str | Path | None = None,
) -> Path:
    """Save one session atomically, replacing what is on disk; return its file.

    The file holds ``payload`` plus ``format``, ``format_version``,
    ``instrument``, ``unit``, ``round`` and ``updated`` (UTC time, ISO 8601,
    microseconds: the most recently edited session sorts first). A page that
    changes one answer uses :func:`update_session` (or :func:`save_answer`)
    instead, which keeps what other pages saved.
    """
    path = session_path(instrument, unit, round_, folder=folder)
    with locked(path):
        write_atomic(path, json.dumps(_record(instrument, unit, round_, payload), **_JSON))
    return path


def update_session(
    instrument: str,
    unit: str,
    round_: str,
    change: Callable[[dict[str, Any] | None], dict[str, Any] | None],
    *,
    folder: str | Path | None = None,
    lang: str | None = None,
) -> tuple[Path, dict[str, Any] | None]:
    """Change a session as it is on disk, under its lock; return the file and the saved record.

    ``change`` is given the record on disk (None when there is none yet) and
    returns the new payload, or None to write nothing (the record returned
    is then the one on disk). Reading, changing and writing happen while the
    file's lock is held (:func:`locked`), so saves from any number of pages
    and processes are applied one after the other and none is lost.
    """
    path = session_path(instrument, unit, round_, folder=folder)
    with locked(path, lang=lang):
        current = load_session(path, lang=lang) if path.exists() else None
        payload = change(current)
        if payload is None:
            return path, current
        record = _record(instrument, unit, round_, payload)
        write_atomic(path, json.dumps(record, **_JSON))
    return path, record


def _answers_of(
    record: dict[str, Any] | None, q: Questionnaire, path: Path, lang: str | None
) -> pd.DataFrame:
    from toolkit import selfassess as sa

    if record is None:
        return sa.empty_answers()
    if record.get("questionnaire") != q.id or str(record.get("version")) != q.version:
        raise DataError(
            "selfassess.import_other_version",
            file=path.name,
            found=str(record.get("version", "–")),
            expected=q.version,
            name=q.title[check_language(lang)],
            lang=lang,
        )
    return sa.answers_from_records(list(record.get("answers", [])), q, file=path.name, lang=lang)


def save_answers(
    q: Questionnaire,
    unit: str,
    round_: str,
    change: Callable[[pd.DataFrame], pd.DataFrame | None],
    *,
    respondent: str | None = None,
    folder: str | Path | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Change the answers of a self-assessment session as they are on disk; return them.

    ``change`` is given the answers saved (every respondent's, as
    :func:`toolkit.selfassess.answers_from_records` reads them) and returns
    the new answers, or None to save nothing. Runs under the session file's
    lock (:func:`update_session`), so two pages answering for different
    respondents, or different questions, both keep their answers.
    ``respondent`` is stored as the session's last respondent.
    """
    from toolkit import selfassess as sa

    instrument = f"{q.id}-v{q.version}"
    result: list[pd.DataFrame] = []

    def apply(record: dict[str, Any] | None) -> dict[str, Any] | None:
        path = session_path(instrument, unit, round_, folder=folder)
        answers = _answers_of(record, q, path, lang)
        new = change(answers)
        result.append(answers if new is None else new)
        if new is None:
            return None
        last = respondent if respondent is not None else (record or {}).get("respondent")
        return {
            "questionnaire": q.id,
            "version": q.version,
            "respondent": last,
            "answers": sa.answers_to_records(new),
        }

    update_session(instrument, unit, round_, apply, folder=folder, lang=lang)
    return result[0]


def save_answer(
    q: Questionnaire,
    unit: str,
    round_: str,
    respondent: str,
    question_id: str,
    value: int | str | None,
    *,
    folder: str | Path | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Set one answer (a score, ``"dont_know"`` or None to clear it) in the saved session.

    The answer is applied to what is on disk under the file's lock
    (:func:`save_answers`); returns every answer of the session.

    >>> import tempfile
    >>> from toolkit.selfassess import load_questionnaire
    >>> q, folder = load_questionnaire("pks"), tempfile.mkdtemp()
    >>> _ = save_answer(q, "BUP Syd", "2025", "strategic", "need_inflow", 2, folder=folder)
    >>> a = save_answer(q, "BUP Syd", "2025", "tactical", "need_inflow", 4, folder=folder)
    >>> a[["respondent", "score"]].values.tolist()
    [['strategic', 2.0], ['tactical', 4.0]]
    """
    from toolkit import selfassess as sa

    return save_answers(
        q,
        unit,
        round_,
        lambda answers: sa.set_answer(answers, q, respondent, question_id, value),
        respondent=respondent,
        folder=folder,
        lang=lang,
    )


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
    for path in sorted(base.glob(f"{slug(instrument)}__*.json")):
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
