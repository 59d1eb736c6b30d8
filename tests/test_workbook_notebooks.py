"""Every workbook notebook runs outside Voilà too, executed once by papermill here.

A trainer opens the workbooks in JupyterLab (on Binder or offline); papermill
runs them in a fresh kernel as they are committed (every code cell runs
without error: :func:`tests.notebook_runs.execute`, the workbooks' run of
``tests/test_notebooks_as_committed.py``). Each must end in one displayed
application (a widget view of an ipywidgets ``VBox``, the application's
``container``), with no error and nothing on stderr, and be committed
without outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.notebook_runs import execute

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = sorted((ROOT / "notebooks" / "workbooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("path", WORKBOOKS, ids=[p.stem for p in WORKBOOKS])
def test_workbook_is_committed_without_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        assert cell.get("outputs", []) == [] and cell.get("execution_count") is None


@pytest.mark.parametrize("path", WORKBOOKS, ids=[p.stem for p in WORKBOOKS])
def test_workbook_runs_in_papermill_and_displays_its_application(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUP_TOOLKIT_SAVE_DIR", str(tmp_path / "saved"))
    out = tmp_path / path.name
    execute(path, out)
    outputs = [
        o for c in json.loads(out.read_text(encoding="utf-8"))["cells"] for o in c["outputs"]
    ]
    assert [o["output_type"] for o in outputs] == ["execute_result"], outputs
    assert WIDGET_VIEW in outputs[0]["data"]
    # the text form of the displayed object is the application's container
    assert "".join(outputs[0]["data"]["text/plain"]).startswith("VBox(")
