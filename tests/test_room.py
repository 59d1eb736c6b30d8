"""``bup-toolkit serve --room``: a workshop room's laptops open the page with the key, nobody without it.

The server listens on a loopback alias (127.0.0.2, standing in for the
machine's network address, which a test machine may not have) given with
``--ip``. Chromium opens the printed address, token included, and gets the
workbook; a browser with the address but no token gets the refusal page
(HTTP 403, RFC 9110). The printed QR code is the one the ``qrcode`` package
makes for that same address.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from toolkit.i18n import t

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_room_serves_on_the_address_with_the_token_only(chromium_browser: Any) -> None:
    import qrcode

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "toolkit",
            "serve",
            "--room",
            "--ip",
            "127.0.0.2",
            "--port",
            str(port),
            "--workshop",
            "styrdiagram",
            "--pages",
            "2",
            "--lang",
            "en",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        found = re.search(r"(http://127\.0\.0\.2:\d+/\S+\?token=[\w-]+)", lines[0])
        assert found, lines
        url = found.group(1)
        assert url.startswith(f"http://127.0.0.2:{port}/voila/render/styrdiagram.ipynb?token=")
        code = qrcode.QRCode(border=1)
        code.add_data(url)
        code.make(fit=True)
        expected = io.StringIO()
        code.print_ascii(out=expected, invert=True)
        assert lines[1].startswith("Workshop mode: 2 pages")
        printed = lines[2:]
        printed += [
            process.stdout.readline() for _ in range(len(expected.getvalue().splitlines()) - 2)
        ]
        assert "".join(printed) == expected.getvalue()

        context = chromium_browser.new_context(viewport={"width": 1280, "height": 1200})
        try:
            page = context.new_page()
            deadline = time.monotonic() + 120
            while True:
                try:
                    response = page.goto(url, timeout=120_000)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(1)
            assert response is not None and response.status == 200
            page.wait_for_selector(".tk-figures", timeout=120_000)
        finally:
            context.close()
        stranger = chromium_browser.new_context()
        try:
            page = stranger.new_page()
            response = page.goto(url.split("?")[0])
            assert response is not None and response.status == 403
            assert t("widgets.serve_forbidden", "en") in page.inner_text("body")
            assert page.locator(".tk-app").count() == 0
            response = page.goto(url.split("?")[0] + "?token=wrong")
            assert response is not None and response.status == 403
        finally:
            stranger.close()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout is not None:
            output = process.stdout.read()
            process.stdout.close()
    assert process.returncode == 0
    assert "without encryption" not in output
