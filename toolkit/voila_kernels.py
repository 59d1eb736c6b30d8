"""The kernel manager Voilà uses for the workbooks: culling that spares a page still loading.

Voilà keeps one pre-heated kernel per workbook. When a page is opened it is
handed that kernel, which may have been idle for an hour; the browser opens
its connection a few seconds later, once the page has arrived. Jupyter
Server's culler measures idleness from the kernel's last message and culls
a kernel with no connection, so a culler pass that falls in those seconds
shuts down the kernel of a page that is loading, and the participant sees a
dead workbook (seen under load: "Culling 'idle' kernel ... with 0
connections" just before the page's websocket failed).

:class:`WorkshopKernelManager` culls as Jupyter Server does, with one
exception: a kernel that has never had a connection is given
``cull_idle_timeout`` seconds from the first culler pass that sees it
outside Voilà's pool (Voilà itself never culls pooled kernels) before it can
be culled. A kernel whose participant has closed the page (it had a
connection, now none) is culled as before. Used through
``--VoilaConfiguration.multi_kernel_manager_class`` (see
:func:`toolkit.widgets.voila_command` and ``voila.json``); this module is
imported by the Voilà server, not by kernels, so it stays free of the
widgets and their imports.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Int, Unicode

__all__ = ["WorkshopKernelManager"]


class WorkshopKernelManager(AsyncMappingKernelManager):
    """Jupyter Server's kernel manager, not culling a kernel before its page has connected.

    With ``workshop`` (a notebook's name without ``.ipynb``), Voilà keeps
    ``workshop_pages`` pre-heated kernels for that notebook instead of its
    default pool (``python -m toolkit serve --workshop NAME``).
    """

    workshop = Unicode("", config=True, help="notebook (no .ipynb) that many pages open at once")
    workshop_pages = Int(1, config=True, help="pre-heated kernels kept for the workshop notebook")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ever_connected: set[str] = set()
        self._unclaimed_since: dict[str, datetime] = {}
        # Voilà's pooling manager subclasses this one and fills its pools after
        # this returns, from its own ``kernel_pools_config`` (set here; Voilà
        # takes that dictionary on its command line only in a deprecated form)
        if self.workshop and self.has_trait("kernel_pools_config"):
            pools: dict[str, Any] = dict(getattr(self, "kernel_pools_config"))  # noqa: B009
            pools[f"{self.workshop}.ipynb"] = {"pool_size": self.workshop_pages}
            self.set_trait("kernel_pools_config", pools)

    def notify_connect(self, kernel_id: str) -> None:
        """Remember that ``kernel_id`` has had a connection (its page is open or was)."""
        self._ever_connected.add(kernel_id)
        super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Cull as Jupyter Server does, but give a never-connected kernel its full timeout."""
        alive = set(self._kernels)
        self._ever_connected &= alive
        self._unclaimed_since = {k: v for k, v in self._unclaimed_since.items() if k in alive}
        kernel = self._kernels.get(kernel_id)
        if kernel is None:
            return
        dead = getattr(kernel, "execution_state", None) == "dead"
        if not dead and kernel_id not in self._ever_connected:
            now = datetime.now(UTC)
            first_seen = self._unclaimed_since.setdefault(kernel_id, now)
            if now - first_seen < timedelta(seconds=self.cull_idle_timeout):
                return
        await super().cull_kernel_if_idle(kernel_id)
