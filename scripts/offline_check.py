"""Open every workbook and write one report with no network at all; print what happened as JSON.

Run it inside a network namespace with only the loopback interface, as
``tests/test_offline.py`` does (as root)::

    unshare -n sh -c 'ip link set lo up && .venv/bin/python scripts/offline_check.py OUT.json'

For every workbook in ``notebooks/workbooks``: Voilà (the project's own
command) serves it, Debian's Chromium opens it, and the script records whether
the application and its chart rendered, the browser console's errors and every
request that failed or left 127.0.0.1. Then it writes the unit report of the
sample unit ``liten`` with papermill (``toolkit.batch.run_batch``) and records
whether the HTML was written and whether it holds any script or outside link.
A trainer can run the same command to check a machine before a workshop.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.widgets import voila_command, voila_env  # noqa: E402
from toolkit.widgets.serving import new_token  # noqa: E402

#: The server's token (the workbooks are served only with one).
TOKEN = new_token()

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
READY = ".tk-app"
DRAWN = ".tk-main-chart svg, .tk-main-chart canvas, .tk-app svg.marks, .tk-app canvas"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"no answer from {url}")


def workbooks() -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    port = _port()
    log = tempfile.NamedTemporaryFile(prefix="voila-offline-", suffix=".log", delete=False)  # noqa: SIM115  (Voilà writes to it until the end)
    server = subprocess.Popen(
        voila_command(port),
        cwd=ROOT,
        env=voila_env(token=TOKEN),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    results = []
    try:
        _wait(f"http://127.0.0.1:{port}/")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            for path in sorted((ROOT / "notebooks" / "workbooks").glob("*.ipynb")):
                page = browser.new_page(viewport={"width": 1280, "height": 1200})
                errors: list[str] = []
                failed: list[str] = []
                page.on(
                    "console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None
                )
                page.on("pageerror", lambda x, e=errors: e.append(str(x)))
                page.on("requestfailed", lambda r, f=failed: f.append(r.url))
                page.on(
                    "request",
                    lambda r, f=failed: (
                        None
                        if r.url.startswith(
                            ("http://127.0.0.1", "ws://127.0.0.1", "blob:", "data:")
                        )
                        else f.append(r.url)
                    ),
                )
                result: dict[str, Any] = {"workbook": path.name}
                try:
                    page.goto(
                        f"http://127.0.0.1:{port}/voila/render/{path.name}?token={TOKEN}",
                        timeout=120_000,
                    )
                    page.wait_for_selector(READY, timeout=120_000)
                    page.wait_for_selector(DRAWN, timeout=60_000)
                    result["rendered"] = True
                    result["traceback"] = "Traceback" in page.inner_text("body")
                except Exception as exc:  # recorded, the test reports it
                    result["rendered"] = False
                    result["problem"] = f"{type(exc).__name__}: {exc}"[:500]
                    result["voila_log"] = Path(log.name).read_text(errors="replace")[-3000:]
                result["console_errors"] = errors
                result["failed_or_outside_requests"] = failed
                results.append(result)
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def report() -> dict[str, Any]:
    from toolkit.batch import run_batch
    from toolkit.manifest import read_manifest

    entry = next(e for e in read_manifest(ROOT / "sample_data" / "units.yaml") if e.id == "liten")
    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / "units.yaml"
        manifest.write_text(
            "units:\n"
            f"- id: liten\n  name: {entry.name}\n  path: {entry.path}\n"
            f"  extract_date: '{entry.extract_date}'\n  target_profile: {entry.target_profile}\n",
            encoding="utf-8",
        )
        result = run_batch(
            manifest,
            out=Path(folder) / "out",
            workers=1,
            progress=False,
            data_roots=(entry.path.parent,),
        )
        page = Path(folder) / "out" / "units" / "liten.html"
        text = page.read_text(encoding="utf-8") if page.exists() else ""
        return {
            "failed": result.failed,
            "written": page.exists(),
            "has_script": "<script" in text.lower(),
            "outside_links": re.findall(r"(?:src|href)=[\"']https?://[^\"']+", text),
            "size": len(text),
        }


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    data = {"network": sorted(name for _, name in socket.if_nameindex()), "workbooks": workbooks()}
    data["report"] = report()
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if out:
        out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
