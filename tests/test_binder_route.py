"""Binder's route: Jupyter Server with the Voilà extension, configured from the repository.

On Binder, Voilà runs as an extension of Jupyter Server (``/voila/render/…``)
and reads only the ``VoilaConfiguration`` part of ``voila.json``; the rest
(culling of idle kernels, the output wait, upload limits, kernel transport)
must reach the server through its own configuration files.
``binder/start`` (run by Binder before the server) puts
``binder/jupyter_config`` on ``JUPYTER_CONFIG_PATH``. This test starts the
server through ``binder/start`` as Binder does, checks with the server's own
``--show-config`` that those settings are loaded, and opens a workbook on the
``/voila/render/`` route in Chromium: it runs, with the offline template (no
request leaves 127.0.0.1).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import TOKEN, free_port, stop

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    from toolkit.widgets import voila_env

    env = voila_env()  # JUPYTER_PATH: the template, as binder/postBuild installs it
    env["PYTHONPATH"] = str(ROOT)
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def test_server_loads_the_repository_configuration() -> None:
    out = subprocess.run(
        ["bash", "binder/start", sys.executable, "-m", "jupyter_server", "--show-config"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    assert str(ROOT / "binder" / "jupyter_config" / "jupyter_server_config.json") in out
    for line in (
        ".cull_idle_timeout = 300",
        ".cull_interval = 60",
        ".cull_connected = False",
        ".iopub_timeout = 60",
        ".template = 'bup'",
        ".show_tracebacks = False",
        ".transport_encryption = 'auto'",
        ".max_buffer_size = 262144000",
        "'websocket_max_message_size': 262144000",
        "'mathjax_url': None",
        "'mathjax_config': None",
    ):
        assert line in out, line


def test_workbook_opens_on_the_voila_render_route(chromium_browser: Any) -> None:
    from toolkit.widgets.serving import start_server

    port = free_port()
    command = [
        "bash", "binder/start", sys.executable, "-m", "jupyter_server", "--no-browser",
        f"--port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={ROOT}",
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
    ]  # fmt: skip
    with open(os.devnull, "wb") as out:
        process = start_server(command, cwd=ROOT, env=_env(), stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}api/status?token={TOKEN}", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.5)
        context = chromium_browser.new_context(viewport={"width": 1280, "height": 1200})
        outside: list[str] = []
        context.on(
            "request",
            lambda r: (
                outside.append(r.url)
                if urlparse(r.url).hostname not in ("127.0.0.1", None)
                and not r.url.startswith("data:")
                else None
            ),
        )
        try:
            page = context.new_page()
            page.goto(
                f"{base}voila/render/notebooks/workbooks/styrdiagram.ipynb?token={TOKEN}",
                timeout=180_000,
            )
            page.wait_for_selector(".tk-figures", timeout=180_000)
            assert "cdn.jsdelivr.net" not in page.content()  # the bup template, not lab
        finally:
            context.close()
        assert outside == []
    finally:
        stop(process)
