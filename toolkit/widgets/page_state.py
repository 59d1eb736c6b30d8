"""What one page has open (a unit, a cycle, a respondent), kept by that page across a reload.

A workbook's kernel belongs to one page, but a reload gets a new kernel, and
Voilà runs the notebook in it before the page arrives. :class:`PageState`
keeps a small dictionary in the browser tab's ``sessionStorage``: each tab
has its own (a new tab starts empty; a reload keeps it), and nothing is
shared between pages through a file. When the page shows the application,
the widget sends the stored dictionary to the kernel (``{"type": "shown",
"state": …}``, ``None`` for a new page); every change the kernel makes to
:attr:`PageState.state` is stored again in the tab.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anywidget
from traitlets import Dict, Unicode

__all__ = ["PageState"]


class PageState(anywidget.AnyWidget):
    """An invisible widget that keeps a page's own state in its browser tab (see the module)."""

    _esm = """
    export default {
      render({ model, el }) {
        el.style.display = "none";
        const key = "bup-toolkit:" + model.get("key");
        let saved = null;
        try {
          saved = JSON.parse(window.sessionStorage.getItem(key) || "null");
        } catch (e) {
          saved = null;
        }
        model.send({ type: "shown", state: saved });
        model.on("change:state", () => {
          try {
            window.sessionStorage.setItem(key, JSON.stringify(model.get("state")));
          } catch (e) {}
        });
      }
    };
    """
    #: The workbook whose state this is (a storage key per workbook).
    key = Unicode("").tag(sync=True)
    #: The page's state as the kernel last set it (stored in the tab on every change).
    state = Dict().tag(sync=True)

    def __init__(self, key: str, on_shown: Callable[[dict[str, Any] | None], None]) -> None:
        super().__init__(key=key)
        self._on_shown = on_shown
        self.on_msg(self._message)

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "shown":
            saved = content.get("state")
            self._on_shown(saved if isinstance(saved, dict) else None)

    def remember(self, **state: Any) -> None:
        """Set the page's state (stored in the tab); values must be JSON (text, numbers, None)."""
        self.state = dict(state)
