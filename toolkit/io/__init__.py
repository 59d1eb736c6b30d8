"""Read a unit's data: a folder of CSV files or one Excel workbook.

``load_unit(path)`` finds the tables (file or sheet names in Swedish or
English), detects encoding by evidence (UTF-8 with or without BOM, UTF-16,
Windows-1252, cp850, Mac Roman: :mod:`toolkit.io_encoding`), separator
(``,``, ``;`` or tab) and decimal comma, maps Swedish headers and
values to the canonical ones of :mod:`toolkit.schema`, validates each table
with pandera and the cross-table rules, and returns a :class:`UnitData`:
clean tables plus a row account. Every row read is either used or excluded
with a reason; a file that cannot be used at all raises
:class:`toolkit.DataError`, whose message names the file, row and column and
says how to fix it. Excel sheets are read to their real end (a sheet's
declared size is not trusted), and limits on file size, unpacked workbook
size, rows, columns, sheets and field and line length are checked before
the work they bound (:mod:`toolkit.io_limits`).

The package's modules: :mod:`~toolkit.io.load` (:func:`load_unit`, the
steps in order), :mod:`~toolkit.io.account` (:class:`UnitData`,
:class:`TableAccount`, :func:`reason_text`), :mod:`~toolkit.io.sources`
(which file or sheet holds which table), :mod:`~toolkit.io.csv_reader` and
:mod:`~toolkit.io.excel` (reading texts, with :mod:`~toolkit.io._raw` for
what they share), :mod:`~toolkit.io.screen` (identity numbers in cells,
names and workbook metadata), :mod:`~toolkit.io.clean` (headers, values,
the pandera schema), :mod:`~toolkit.io.stages` (how "behandling" in a
unit's own period counts is read: two stages or three) and
:mod:`~toolkit.io.rules` (the rules across columns and tables: dates,
period counts, visits). Encoding detection, limits and
the fast path for large files are :mod:`toolkit.io_encoding`,
:mod:`toolkit.io_limits` and :mod:`toolkit.io_fast`. Everything is imported
from ``toolkit.io``.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "remisser.csv").write_text(
...     "remiss_id;inkommen;första_bedömning\\n"
...     "R1;2024-01-08;2024-02-01\\n"
...     "R2;2024-01-09;\\n"
...     "R2;2024-01-10;\\n", encoding="cp1252")
>>> unit = load_unit(folder, extract_date="2024-03-01", lang="en")
>>> len(unit.referrals)
2
>>> unit.row_account()[["table", "read", "used", "excluded"]].to_string(index=False)
'    table  read  used  excluded\\nreferrals     3     2         1'
>>> unit.exclusions()["reason"].tolist()
['duplicate value in referral_id (the first row with this value is kept)']
"""

from __future__ import annotations

from toolkit.io.account import TableAccount, UnitData, reason_text
from toolkit.io.load import load_unit

__all__ = ["TableAccount", "UnitData", "load_unit", "reason_text"]
