"""Browser fixtures: a Voilà server on the workbooks and Debian's Chromium driven by Playwright.

Only fixtures for the browser tests (tests/test_workbooks.py) live here. In CI
(``CI`` set) a missing Chromium is an error, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen[Any], timeout_s: float = 90.0) -> None:
    """Wait until ``url`` answers 200; fail with the server's output if it dies or times out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Voilà exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"Voilà did not answer at {url} within {timeout_s} s")


def start_voila(
    folder: Path, *, python: str | None = None, cwd: Path = ROOT, log: Path | None = None
) -> tuple[subprocess.Popen[Any], str]:
    """Start Voilà on a free port (the project's own command); return the process and its URL."""
    from toolkit.widgets import voila_command, voila_env

    port = free_port()
    with open(log or os.devnull, "wb") as out:  # the child keeps its own copy of the handle
        process = subprocess.Popen(
            voila_command(port, folder=folder, python=python),
            cwd=cwd,
            env=voila_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, process)
    except Exception:
        stop(process)
        raise
    return process, url


def stop(process: subprocess.Popen[Any]) -> None:
    """Terminate Voilà (and so its kernels), then kill it if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def ensure_chromium() -> str:
    """Path to Debian's Chromium, installed by scripts/install_chromium.sh when missing."""
    if not os.path.exists(CHROMIUM) and shutil.which("apt-get"):
        subprocess.run(["sh", str(ROOT / "scripts" / "install_chromium.sh")], check=False)
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing and scripts/install_chromium.sh could not install it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def voila_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Voilà server on notebooks/workbooks for the whole session (pre-heated kernels)."""
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    process, url = start_voila(ROOT / "notebooks" / "workbooks", log=log)
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright."""
    executable = ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
