"""Voilà applications for workshops: each an object with a ``.container``.

A workbook notebook in ``notebooks/workbooks/`` is two lines: import an
application class from here and display its ``container``. Every application

- starts in Swedish, with a language switch (sv/en) at the top that relabels
  every control and text in place;
- updates existing outputs in its callbacks (an offline
  :class:`altair.JupyterChart` whose ``chart`` is replaced, HTML widgets for
  numbers, icons and sentences), never re-displays;
- catches every error in a callback and shows a readable message in the page:
  the loader's or the parameter check's own message for a
  :class:`~toolkit.errors.DataError` or :class:`~toolkit.errors.ParameterError`,
  a generic message with the details in a collapsed box for anything else.
  A page never shows a traceback;
- watches its connection to the kernel and asks for a reload when the kernel
  has died.

Charts are drawn offline: :meth:`altair.JupyterChart.enable_offline` (its
bundle cached on disk, see :mod:`toolkit.widgets.kernel_start`) is called when
this module is imported, so no script is fetched from a CDN (see
docs/architecture.md).

Presentation only: every number comes from the calculation modules.
"""

from __future__ import annotations

import importlib
from typing import Any

# First, before anything imports Altair (and so jsonschema): a faster kernel start.
from toolkit.widgets import kernel_start  # isort: skip  # noqa: F401
from toolkit.widgets.base import Heartbeat, UnitSource, format_number, last_date, sample_units
from toolkit.widgets.serving import JUPYTER_DATA, WORKBOOKS, serve, voila_command, voila_env

#: The applications, imported when first asked for: a workbook's kernel imports
#: only its own application's module (``from toolkit.widgets import QueueApp``
#: or ``from toolkit.widgets.queues import QueueApp`` both work).
_LAZY = {
    "QueueApp": "queues",
    "DemandCapacityApp": "demand",
    "SpcApp": "spc",
    "SPC_MEASURES": "spc",
    "spc_series": "spc",
    "PriorityApp": "priority",
    "TimeUseApp": "timeuse",
    "PksApp": "selfassess",
    "KvipsApp": "selfassess",
    "KvipsCycleApp": "kvips_cycle",
    "PdsaApp": "pdsa",
    "PlanApp": "plan",
    "WhoApp": "who",
}


def __getattr__(name: str) -> Any:
    """An application class (or the SPC helpers) from its module, imported on first use."""
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "JUPYTER_DATA",
    "WORKBOOKS",
    "Heartbeat",
    "UnitSource",
    "format_number",
    "last_date",
    "sample_units",
    "serve",
    "voila_command",
    "voila_env",
    *_LAZY,
]
