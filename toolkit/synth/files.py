"""Byte-identical files of a unit and the sample folder with its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from toolkit import _checks as checks
from toolkit.i18n import t
from toolkit.synth._schema import _column_order, _schema
from toolkit.synth.profiles import SAMPLE_SEED, SAMPLE_UNITS
from toolkit.synth.unit import generate_unit

# --------------------------------------------------------------------------- files

#: Decimals written for each float column (fixed, so files are byte-identical).
FLOAT_DECIMALS: dict[str, int] = {"fte": 2, "hours_per_week": 2, "duration_min": 0, "minutes": 0}
STYLES: tuple[str, ...] = ("csv", "csv_sv")


def _file_text(table: str, frame: pd.DataFrame, style: str) -> str:
    """The CSV text of one table in ``style`` (every cell formatted here, not by pandas)."""
    spec = _schema()[table]["columns"]
    swedish = style == "csv_sv"
    out: dict[str, pd.Series] = {}
    for name in _column_order(table, frame.columns):
        col = spec[name]
        s = frame[name]
        if col["type"] == "date":
            text = s.dt.strftime("%Y-%m-%d").astype("string")
        elif col["type"] == "category":
            labels = {
                v: (names[0] if swedish and names else v) for v, names in col["values"].items()
            }
            text = s.astype("string").map(labels, na_action="ignore").astype("string")
        elif col["type"] == "float":
            fmt = f"{{:.{FLOAT_DECIMALS.get(name, 2)}f}}"
            text = s.map(fmt.format, na_action="ignore").astype("string")
            if swedish:
                text = text.str.replace(".", ",", regex=False)
        else:
            text = s.astype("string")
        out[col["sv"] if swedish else name] = text.fillna("")
    return pd.DataFrame(out).to_csv(sep=";" if swedish else ",", index=False, lineterminator="\n")


def write_unit(
    tables: dict[str, pd.DataFrame], folder: str | Path, *, style: str = "csv"
) -> list[Path]:
    """Write a unit's canonical tables as CSV files the loader reads.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Canonical tables as :func:`generate_unit` returns them; absent tables
        are not written.
    folder : str or Path
        Folder to write to (created if missing).
    style : {"csv", "csv_sv"}
        ``"csv"``: comma, UTF-8, ISO dates, English names and values, files
        ``referrals.csv`` … . ``"csv_sv"``: a Swedish export: ``;``, decimal
        comma, Windows-1252, Swedish column names and the first Swedish name
        of each value from ``schema.yaml``, files ``remisser.csv``,
        ``besök.csv`` … .

    Returns
    -------
    list of Path
        The files written, in schema order. Rows are written in the tables'
        order (sorted by id or date by the generator), lines end in ``\\n``.

    Examples
    --------
    >>> import tempfile
    >>> t_ = {"staff": pd.DataFrame({"staff_id": ["K001"], "category": ["nurse"], "fte": [0.75]})}
    >>> path = write_unit(t_, tempfile.mkdtemp(), style="csv_sv")[0]
    >>> path.name
    'personal.csv'
    >>> path.read_bytes().decode("cp1252")
    'personal_id;yrkeskategori;tjänstgöringsgrad\\nK001;sjuksköterska;0,75\\n'
    """
    checks.one_of("style", style, STYLES)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, spec in _schema().items():
        if table not in tables:
            continue
        text = _file_text(table, tables[table], style)
        name = spec["sv"] if style == "csv_sv" else table
        path = folder / f"{name}.csv"
        path.write_bytes(text.encode("cp1252" if style == "csv_sv" else "utf-8"))
        written.append(path)
    return written


def _manifest_text(entries: list[dict[str, Any]]) -> str:
    head = (
        "# Synthetic sample units made by `python -m toolkit.synth` (toolkit.synth).\n"
        "# Syntetiska exempelenheter: inga verkliga patienter. Do not edit by hand.\n"
    )
    body = yaml.safe_dump(
        {"synthetic": True, "seed": SAMPLE_SEED, "units": entries},
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    return head + body


def write_samples(folder: str | Path = "sample_data") -> list[Path]:
    """Regenerate every sample unit, ``units.yaml`` and ``README.md`` in ``folder``.

    Each unit of :data:`SAMPLE_UNITS` goes to ``folder/<id>/`` in its style.
    The manifest lists per unit: id, name, path (relative to the manifest),
    language, target_profile, period_start, extract_date, description_sv,
    description_en and synthetic (always true). The same code gives
    byte-identical files.

    Returns
    -------
    list of Path
        Every file written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    entries: list[dict[str, Any]] = []
    for unit in SAMPLE_UNITS:
        tables = generate_unit(unit.profile, seed=unit.seed)
        written += write_unit(tables, folder / unit.id, style=unit.style)
        entries.append(
            {
                "id": unit.id,
                "name": unit.profile.name,
                "path": unit.id,
                "language": unit.language,
                "target_profile": unit.target_profile,
                "period_start": unit.profile.period_start,
                "extract_date": unit.profile.extract_date.date().isoformat(),
                "style": unit.style,
                "description_sv": t(f"synth.unit.{unit.id}", "sv"),
                "description_en": t(f"synth.unit.{unit.id}", "en"),
                "synthetic": True,
            }
        )
    manifest = folder / "units.yaml"
    manifest.write_bytes(_manifest_text(entries).encode("utf-8"))
    readme = folder / "README.md"
    readme.write_bytes(
        (t("synth.readme", "sv") + "\n---\n\n" + t("synth.readme", "en")).encode("utf-8")
    )
    from toolkit import national  # the synthetic national waiting-time file beside the units

    example = folder / national.EXAMPLE_NAME
    example.write_bytes(national.synthetic_example())
    return [*written, manifest, readme, example]
