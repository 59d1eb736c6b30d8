"""A workbook whose kernel dies says so, in both languages, and a reload brings it back.

The kernel of an open workbook (real Voilà, real Chromium, the conftest
fixtures) is killed with SIGKILL, as when a laptop runs out of memory. The
page's :class:`toolkit.widgets.Heartbeat` no longer gets answers and shows
the ``.tk-lost`` banner with the catalogue's text (``widgets.kernel_lost``,
Swedish and English). Reloading the page gives a new, pre-heated kernel: the
figures show again, with the same values as before the kernel died (the
same unit and settings computed by a fresh kernel), and the banner is gone.

No timing thresholds here: the times are measured by
benchmarks/bench_workbooks.py.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from toolkit.i18n import t

pytestmark = pytest.mark.slow

WAIT_MS = 60_000


def _kernel_pids(kernel_id: str) -> list[int]:
    """Processes whose command line names the kernel's connection file (``kernel-<id>.json``)."""
    return [pid for pid in _processes(f"kernel-{kernel_id}.json") if "ipykernel" in _cmd(pid)]


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _wait_for_preheated_kernels(voila_url: str, limit_s: float = 300.0) -> None:
    """Wait until Voilà and its kernels are idle: the pre-heated kernels have run their notebooks.

    On a busy machine the first page would otherwise wait for its kernel longer
    than the page-load timeout of the fixtures.
    """
    port = voila_url.rstrip("/").rsplit(":", 1)[1]
    voila = [pid for pid in _processes(f"--port={port}") if "voila" in _cmd(pid)]
    if not voila:
        return
    deadline = time.monotonic() + limit_s
    calm = 0
    while time.monotonic() < deadline and calm < 4:
        pids = voila + [pid for pid in _processes("ipykernel") if _parent(pid) in voila]
        before = _cpu_seconds(pids)
        time.sleep(0.5)
        calm = calm + 1 if _cpu_seconds(pids) - before < 0.1 else 0


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _cmd(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _processes(text: str) -> list[int]:
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and text in _cmd(int(p.name))
    ]


def test_killed_kernel_shows_banner_and_reload_brings_workbook_back(
    open_workbook: Any, voila_url: str
) -> None:
    _wait_for_preheated_kernels(voila_url)
    book = open_workbook("styrdiagram", ".tk-spc-figures .tk-points")
    page = book.page
    figures = book.text(".tk-spc-figures")
    # the kernel has answered the page's heartbeat (before that, the page allows a slow start)
    page.wait_for_selector(".tk-lost[data-answered='1']", state="attached", timeout=WAIT_MS)
    assert not page.locator(".tk-lost").first.is_visible()

    kernel_id = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    pids = _kernel_pids(kernel_id)
    assert len(pids) == 1, f"one kernel process for {kernel_id}, found {pids}"
    os.kill(pids[0], signal.SIGKILL)

    banner = page.locator(".tk-lost").first
    banner.wait_for(state="visible", timeout=WAIT_MS)
    text = banner.inner_text()
    assert t("widgets.kernel_lost", "sv") in text
    assert t("widgets.kernel_lost", "en") in text

    page.reload()
    page.wait_for_selector(".tk-spc-figures .tk-points", timeout=WAIT_MS)
    book.expect_text(".tk-spc-figures", figures)
    page.wait_for_selector(".tk-main-chart svg, .tk-main-chart canvas", timeout=WAIT_MS)
    assert not page.locator(".tk-lost").first.is_visible()
    assert "Traceback" not in page.inner_text("body")
