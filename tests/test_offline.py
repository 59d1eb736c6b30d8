"""Everything renders with the network switched off (a network namespace with loopback only).

``scripts/offline_check.py`` opens every workbook in Chromium through Voilà
and writes one unit report with papermill, inside ``unshare -n`` (docs/architecture.md:
no network at all; loopback brought up so that kernels can talk). Any script,
font or data fetched from outside would fail there: the chart would not draw,
the console would show the failed request, or the report would not be written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _can_unshare() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    probe = subprocess.run(
        ["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True, check=False
    )
    return probe.returncode == 0


def test_workbooks_and_a_report_render_with_no_network(tmp_path: Path) -> None:
    if not _can_unshare():
        message = "unshare -n is not permitted here (needs root and util-linux, iproute2)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path / "offline.json"
    command = (
        f"ip link set lo up && exec {sys.executable} {ROOT / 'scripts' / 'offline_check.py'} {out}"
    )
    run = subprocess.run(
        ["unshare", "-n", "sh", "-c", command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    # the namespace really had no network: only the loopback interface
    assert data["network"] == ["lo"]
    names = sorted(p.name for p in (ROOT / "notebooks" / "workbooks").glob("*.ipynb"))
    assert [w["workbook"] for w in data["workbooks"]] == names
    for book in data["workbooks"]:
        assert book["rendered"], book
        assert not book["traceback"], book
        assert book["failed_or_outside_requests"] == [], book
        assert book["console_errors"] == [], book
    report = data["report"]
    assert report["failed"] == 0 and report["written"], report
    assert not report["has_script"] and report["outside_links"] == [], report
