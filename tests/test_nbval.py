"""Every notebook of the repository passes ``pytest --nbval-lax``: reports, lessons, workbooks.

One pytest run in a subprocess executes each notebook as committed, in a
fresh kernel with its default parameters (a report on the sample unit, a
lesson in Swedish, a workbook's application). nbval-lax fails a cell that
raises; the count of passed cells must equal the number of code cells, so a
notebook that nbval did not collect would show.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(
    p
    for folder in ("reports", "lessons", "workbooks")
    for p in (ROOT / "notebooks" / folder).glob("*.ipynb")
)

pytestmark = pytest.mark.slow


def test_nbval_lax_over_every_notebook(tmp_path: Path) -> None:
    assert {p.parent.name for p in NOTEBOOKS} == {"reports", "lessons", "workbooks"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "-p",
            "no:cacheprovider",
            "-q",
            "-o",
            "addopts=",
            *(str(p.relative_to(ROOT)) for p in NOTEBOOKS),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
        # what the workbooks save goes to a temporary folder, not the home folder
        env={**os.environ, "BUP_TOOLKIT_SAVE_DIR": str(tmp_path / "saved")},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    code_cells = sum(
        cell.cell_type == "code" for p in NOTEBOOKS for cell in nbformat.read(p, as_version=4).cells
    )
    assert f"{code_cells} passed" in done.stdout, done.stdout[-1000:]
