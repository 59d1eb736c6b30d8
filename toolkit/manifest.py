"""The manifest of units (``units.yaml``): which units exist and where their data is.

A manifest is a YAML file with a list of units (or a mapping with the key
``units`` holding that list). Each unit has:

``id``
    short identifier used in file names (letters, digits, ``_`` and ``-``;
    unique without regard to case, and not a name Windows reserves such as
    ``CON`` or ``NUL``). The batch writes ``units/<id>.html``, so an id can
    never take the place of ``index.html`` or ``region_overview.html``.
``name``
    the unit's name as readers see it.
``path``
    its data: a folder or a workbook, relative to the manifest. It must lie
    inside the manifest's folder (or inside a folder given as ``data_roots``,
    the command line's ``--data-root``); a path that leads elsewhere (``..``,
    an absolute path, a symbolic link) is refused, so a manifest cannot make
    a report read, or list the files of, any other folder.
``language``
    ``sv`` (default) or ``en``: the language of its report.
``target_profile``
    the waiting-time targets (a profile in ``toolkit/data/profiles``), default ``bup_30_30``.
``extract_date``
    the date the data was extracted (ISO), default: today.
``parameters``
    extra report parameters (optional mapping).

Other keys (``description_sv``, ``synthetic``, …) are kept in ``extra``.

Every text of a unit (its id, name, path, descriptions, parameters, and the
names of its keys) is screened for Swedish identity and reserve numbers
(:func:`toolkit.privacy.find_in_text`): a unit name reaches every report, so
a manifest holding one is refused with a message naming the unit and the
field, never the value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from toolkit import _yaml, privacy
from toolkit.errors import DataError
from toolkit.i18n import LANGUAGES, check_language

_KNOWN = {"id", "name", "path", "language", "target_profile", "extract_date", "parameters"}
#: Names Windows reserves for devices: no file can carry them, so no unit id may.
_DEVICE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
)


@dataclass(frozen=True)
class UnitEntry:
    """One unit of a manifest, with its data path made absolute."""

    id: str
    name: str
    path: Path
    language: str = "sv"
    target_profile: str = "bup_30_30"
    extract_date: dt.date | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _check_texts(value: Any, field: str, file: str, unit: int, lang: str) -> None:
    """Refuse an identity number in any text of a unit (keys included), naming the field."""
    if isinstance(value, dict):
        for key, inner in value.items():
            name = f"{field}.{key}" if field else str(key)
            privacy.check_text(
                str(key), "privacy.field.manifest_key", file=file, unit=unit, lang=lang
            )
            _check_texts(inner, name, file, unit, lang)
    elif isinstance(value, list | tuple):
        for i, inner in enumerate(value, start=1):
            _check_texts(inner, f"{field}[{i}]", file, unit, lang)
    elif value is not None and not isinstance(value, bool):
        privacy.check_text(
            str(value), "privacy.field.manifest", file=file, unit=unit, field=field, lang=lang
        )


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """Whether ``path`` (resolved: ``..`` and symbolic links followed) lies in one of ``roots``."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


def read_manifest(
    path: str | Path,
    *,
    lang: str | None = None,
    data_roots: Iterable[str | Path] = (),
) -> list[UnitEntry]:
    """Read and check a manifest; errors name the unit (by position and id) and the field.

    Every unit's ``path`` must lie inside the manifest's folder or one of
    ``data_roots``.

    Raises
    ------
    DataError
        For a missing file, bad YAML, a unit without ``id``, ``name`` or
        ``path``, a duplicate id, an unknown language or a bad date. A data
        path that does not exist is not an error here: the unit's own load
        reports it, so one unit's problem does not stop the others. A data
        path outside the manifest's folder and ``data_roots`` is an error.
    """
    lang = check_language(lang)
    path = Path(path)
    roots = [path.resolve().parent, *(Path(r).expanduser() for r in data_roots)]
    out: list[UnitEntry] = []
    for number, item in enumerate(_unit_items(path, lang), start=1):
        out.append(_entry(item, number, path, roots, taken=[u.id for u in out], lang=lang))
    return out


def _unit_items(path: Path, lang: str) -> list[Any]:
    """The ``units`` list of a manifest file (a list at the top also counts); never empty."""
    display = str(path)
    if not path.is_file():
        raise DataError("io.path_not_found", file=display, lang=lang)
    try:
        raw = _yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataError("manifest.bad_yaml", file=display, lang=lang) from exc
    units = raw.get("units") if isinstance(raw, dict) else raw
    if not isinstance(units, list) or not units:
        raise DataError("manifest.no_units", file=display, lang=lang)
    return units


def _entry(
    item: Any, number: int, path: Path, roots: list[Path], *, taken: list[str], lang: str
) -> UnitEntry:
    """One unit of the manifest, checked; ``number`` is its place, ``taken`` the ids before it."""
    display = str(path)
    if not isinstance(item, dict):
        raise DataError("manifest.not_a_mapping", file=display, unit=number, lang=lang)
    _check_texts(item, "", display, number, lang)
    for key in ("id", "name", "path"):
        if not item.get(key):
            raise DataError(
                "manifest.missing_field", file=display, unit=number, field=key, lang=lang
            )
    unit_id = _unit_id(item, number, display, taken, lang)
    language = str(item.get("language", "sv"))
    if language not in LANGUAGES:
        raise DataError(
            "manifest.bad_value",
            file=display,
            unit=number,
            field="language",
            allowed=", ".join(LANGUAGES),
            lang=lang,
        )
    extract = _extract_date(item, number, display, lang)
    parameters = item.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise DataError(
            "manifest.bad_value",
            file=display,
            unit=number,
            field="parameters",
            allowed="name: value",
            lang=lang,
        )
    data = path.parent / str(item["path"])
    if not inside(data, roots):
        raise DataError("manifest.outside_root", file=display, unit=number, field="path", lang=lang)
    return UnitEntry(
        id=unit_id,
        name=str(item["name"]),
        path=data.resolve(),
        language=language,
        target_profile=str(item.get("target_profile", "bup_30_30")),
        extract_date=extract,
        parameters=dict(parameters),
        extra={k: v for k, v in item.items() if k not in _KNOWN},
    )


def _unit_id(item: dict[str, Any], number: int, display: str, taken: list[str], lang: str) -> str:
    """The unit's id: letters, digits, ``_`` and ``-``, no device name, not taken (any case)."""
    unit_id = str(item["id"])
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", unit_id) or unit_id.upper() in _DEVICE_NAMES:
        raise DataError("manifest.bad_id", file=display, unit=number, id=unit_id, lang=lang)
    # ids name files: on Windows and macOS "BUP" and "bup" are the same file
    if unit_id.casefold() in {u.casefold() for u in taken}:
        raise DataError("manifest.duplicate_id", file=display, unit=number, id=unit_id, lang=lang)
    return unit_id


def _extract_date(item: dict[str, Any], number: int, display: str, lang: str) -> dt.date | None:
    """The unit's ``extract_date`` as a date (None when not given)."""
    extract = item.get("extract_date")
    if extract is not None and not isinstance(extract, dt.date):
        try:
            extract = dt.date.fromisoformat(str(extract))
        except ValueError as exc:
            raise DataError(
                "manifest.bad_value",
                file=display,
                unit=number,
                field="extract_date",
                allowed="YYYY-MM-DD",
                lang=lang,
            ) from exc
    return extract
