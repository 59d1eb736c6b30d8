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

Charts are drawn offline: :meth:`altair.JupyterChart.enable_offline` is called
when this module is imported, so no script is fetched from a CDN (see
TECH_NOTES.md).

Presentation only: every number comes from the calculation modules.
"""

from __future__ import annotations

from toolkit.widgets.base import Heartbeat, UnitSource, format_number, last_date, sample_units
from toolkit.widgets.serving import JUPYTER_DATA, WORKBOOKS, serve, voila_command, voila_env
from toolkit.widgets.spc import SPC_MEASURES, SpcApp, spc_series
from toolkit.widgets.timeuse import TimeUseApp

__all__ = [
    "JUPYTER_DATA",
    "SPC_MEASURES",
    "WORKBOOKS",
    "Heartbeat",
    "SpcApp",
    "TimeUseApp",
    "UnitSource",
    "format_number",
    "last_date",
    "sample_units",
    "serve",
    "spc_series",
    "voila_command",
    "voila_env",
]
