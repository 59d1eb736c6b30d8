"""Execute a committed notebook once with papermill and check that every code cell ran.

What ``pytest --nbval-lax`` checked, without a second execution: the tests
that run a notebook with papermill (workbooks, lessons, reports) call
:func:`execute`, which also fails when a code cell did not run or left an
error output. ``tests/test_notebooks_as_committed.py`` checks that every
notebook under ``notebooks/reports``, ``notebooks/lessons`` and
``notebooks/workbooks`` is executed as committed (default parameters) by one
of those tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
#: The folders whose every notebook must run as committed.
FOLDERS = ("reports", "lessons", "workbooks")


def committed_notebooks() -> list[Path]:
    """Every notebook of :data:`FOLDERS`, sorted."""
    return sorted(p for f in FOLDERS for p in (ROOT / "notebooks" / f).glob("*.ipynb"))


def assert_every_cell_ran(source: Path, executed: Any) -> None:
    """Every code cell of ``source`` is in ``executed``, in order, with a count and no error.

    papermill's injected parameters cell is left out of the comparison.
    """
    committed = [
        c.source for c in nbformat.read(source, as_version=4).cells if c.cell_type == "code"
    ]
    ran = [
        c
        for c in executed.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]
    assert [c.source for c in ran] == committed, f"{source.name}: code cells differ"
    for i, cell in enumerate(ran):
        assert isinstance(cell.get("execution_count"), int), f"{source.name}: cell {i} did not run"
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{source.name}: cell {i}: {[(e['ename'], e['evalue']) for e in errors]}"


def execute(
    path: Path,
    out: Path,
    parameters: dict[str, Any] | None = None,
    *,
    cwd: Path | None = None,
) -> Any:
    """Execute ``path`` into ``out`` in a new ``python3`` kernel; return the executed notebook.

    Without ``parameters`` nothing is injected: the notebook runs as committed.
    The kernel starts in the notebook's folder unless ``cwd`` is given (as
    JupyterLab and nbval start it).
    """
    import papermill

    papermill.execute_notebook(
        str(path),
        str(out),
        parameters=parameters or None,
        kernel_name="python3",
        cwd=str(cwd or path.parent),
        progress_bar=False,
    )
    executed = nbformat.read(out, as_version=4)
    assert_every_cell_ran(path, executed)
    return executed
