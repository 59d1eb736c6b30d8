"""What a unit's data lack, and what each missing table would add.

Partial data are used as far as they go: a unit with referrals only still
has demand, activity, queues and waits; what needs the staff table, the
visits or the time-use study is shown as unknown or from default values.
This module names, in the user's language, each missing table with the
file or sheet that gives it and what it would add, so every surface (the
unit report, the workbooks) says the same.

>>> from types import SimpleNamespace
>>> unit = SimpleNamespace(has=lambda table: table == "referrals")
>>> missing_tables(unit, ("referrals", "staff"))
['staff']
>>> missing_lines(unit, ("staff",), "en")[0][:44]
'staff (the file staff.csv or the sheet staff'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from toolkit.i18n import t

#: The tables of a unit's export, in the order they are named.
TABLES = ("referrals", "visits", "staff", "time_use")


def missing_tables(unit: Any, needed: Sequence[str] = TABLES) -> list[str]:
    """The tables of ``needed`` that ``unit`` does not give (``unit.has(table)`` false)."""
    return [table for table in needed if not unit.has(table)]


def missing_lines(unit: Any, needed: Sequence[str] = TABLES, lang: str = "sv") -> list[str]:
    """One sentence per missing table: its file or sheet and what it would add."""
    from toolkit import capacity

    default = round(100 * float(capacity.default("non_clinical_share")))  # per cent
    return [
        t(
            "missing.line",
            lang,
            table=t(f"missing.table.{table}", lang),
            adds=t(f"missing.adds.{table}", lang, default=default),
        )
        for table in missing_tables(unit, needed)
    ]
