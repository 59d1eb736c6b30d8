"""Culling spares a kernel whose page has not connected yet, and culls a closed page's kernel.

Real kernels (ipykernel) started by Jupyter Server's own kernel manager and
by :class:`toolkit.voila_kernels.WorkshopKernelManager`. A kernel handed to
a page by Voilà's pool has been idle since it was pre-heated, maybe for an
hour; the stock manager culls it on the next pass although the page is still
loading (the first test shows that the race is real), ours waits a full
``cull_idle_timeout`` for the page to connect.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from toolkit.voila_kernels import WorkshopKernelManager

pytestmark = pytest.mark.slow

TIMEOUT_S = 60


async def _idle_kernel(manager: AsyncMappingKernelManager) -> str:
    """A started kernel whose last activity was two timeouts ago (a pre-heated kernel)."""
    kernel_id = await manager.start_kernel(kernel_name="python3")
    manager.get_kernel(kernel_id).last_activity = datetime.now(UTC) - timedelta(
        seconds=2 * TIMEOUT_S
    )
    return kernel_id


def _run(manager_class: type, body: Callable[[Any], Awaitable[tuple[bool, ...]]]) -> tuple:
    """Run ``body`` with a fresh manager of ``manager_class``; shut its kernels down after."""

    async def main() -> tuple[bool, ...]:
        manager = manager_class(cull_idle_timeout=TIMEOUT_S, cull_connected=False)
        try:
            return await body(manager)
        finally:
            await manager.shutdown_all()

    # in a thread of its own: a session's Playwright (sync API) keeps an event loop
    # running in the main thread, where asyncio.run would refuse to start
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def test_the_stock_manager_culls_a_kernel_whose_page_has_not_connected() -> None:
    async def body(manager: AsyncMappingKernelManager) -> tuple[bool, ...]:
        kernel_id = await _idle_kernel(manager)
        await manager.cull_kernel_if_idle(kernel_id)
        return (kernel_id in manager,)

    assert _run(AsyncMappingKernelManager, body) == (False,)


def test_workshop_manager_waits_for_the_page_then_culls_when_it_has_closed() -> None:
    async def body(manager: WorkshopKernelManager) -> tuple[bool, ...]:
        kernel_id = await _idle_kernel(manager)
        await manager.cull_kernel_if_idle(kernel_id)  # page still loading: spared
        spared = kernel_id in manager
        manager.notify_connect(kernel_id)  # the page connects ...
        await manager.cull_kernel_if_idle(kernel_id)
        connected_kept = kernel_id in manager
        manager.notify_disconnect(kernel_id)  # ... and is closed
        await manager.cull_kernel_if_idle(kernel_id)
        return spared, connected_kept, kernel_id in manager

    assert _run(WorkshopKernelManager, body) == (True, True, False)


def test_workshop_manager_culls_a_never_connected_kernel_after_the_timeout() -> None:
    async def body(manager: WorkshopKernelManager) -> tuple[bool, ...]:
        kernel_id = await _idle_kernel(manager)
        await manager.cull_kernel_if_idle(kernel_id)
        spared = kernel_id in manager
        # the page never connected (its tab was closed while loading): a timeout later
        manager._unclaimed_since[kernel_id] -= timedelta(seconds=TIMEOUT_S + 1)
        await manager.cull_kernel_if_idle(kernel_id)
        return spared, kernel_id in manager

    assert _run(WorkshopKernelManager, body) == (True, False)


def test_voila_json_and_the_serve_command_carry_the_same_settings() -> None:
    # Standalone Voilà reads voila.json from the working directory and Binder's
    # Jupyter Server reads it too; voila_command repeats the settings on the command
    # line. Both must say the same, including the 60 s wait for a cell's output
    # (nbclient's 4 s default left pages blank while kernels pre-heated on 2 cores).
    import json
    from pathlib import Path

    from toolkit.widgets import voila_command

    config = json.loads((Path(__file__).resolve().parents[1] / "voila.json").read_text())
    flags = dict(
        flag.removeprefix("--").split("=", 1)
        for flag in voila_command(8866)
        if flag.startswith("--") and "=" in flag
    )
    expected = {
        "VoilaConfiguration.multi_kernel_manager_class": config["VoilaConfiguration"][
            "multi_kernel_manager_class"
        ],
        "VoilaExecutor.iopub_timeout": str(config["VoilaExecutor"]["iopub_timeout"]),
        **{f"MappingKernelManager.{k}": str(v) for k, v in config["MappingKernelManager"].items()},
        "pool_size": str(config["VoilaConfiguration"]["default_pool_size"]),
        "template": config["VoilaConfiguration"]["template"],
    }
    assert {k: flags[k] for k in expected} == expected
    assert int(flags["VoilaExecutor.iopub_timeout"]) >= 30


def test_workshop_mode_pre_heats_a_kernel_for_every_page(tmp_path: Any) -> None:
    # serve --workshop NAME: Voilà itself reports the pool of NAME filled with
    # `pages` kernels and every other notebook's with one. Two tiny notebooks
    # keep the kernels quick to start.
    import subprocess
    import time

    import nbformat

    from tests.conftest import free_port, stop
    from toolkit.errors import ParameterError
    from toolkit.widgets import voila_command, voila_env

    for name in ("a", "b"):
        book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
        nbformat.write(book, tmp_path / f"{name}.ipynb")
    log = tmp_path / "voila.log"
    command = voila_command(free_port(), folder=tmp_path, workshop="a", pages=3)
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=voila_env(), stdout=out, stderr=subprocess.STDOUT)
    wanted = {
        "Kernel pool of a.ipynb is filled with 3 kernel(s)",
        "Kernel pool of b.ipynb is filled with 1 kernel(s)",
    }
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(w in log.read_text() for w in wanted):
            assert process.poll() is None, log.read_text()[-2000:]
            time.sleep(0.5)
        text = log.read_text()
    finally:
        stop(process)
    assert all(w in text for w in wanted), text[-2000:]
    assert "DeprecationWarning" not in text
    with pytest.raises(ParameterError, match=r"c: det finns ingen sådan arbetsbok.*a, b"):
        voila_command(8866, folder=tmp_path, workshop="c")
    with pytest.raises(ParameterError, match="--pages = 0"):
        voila_command(8866, folder=tmp_path, workshop="a", pages=0)
