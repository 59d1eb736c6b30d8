"""The batch's kept-alive kernels (toolkit.batch_kernel) give the reports a new kernel gives.

The oracle is the careful path itself: the same units run with a new kernel
per unit (``fresh_kernels=True``, papermill's own engine, as before kept
kernels existed). Both ways run in one worker, so the second unit of the
fast way runs in the kernel the first one used. After removing what
changes from run to run anyway (papermill's timestamps and durations, the
execution timestamps and the random id papermill gives the injected
parameters cell), notebooks and HTML pages must be equal byte for byte.

Failure isolation: a unit that raises, and one that kills its kernel, fail
alone; the units after them succeed in a cleaned or new kernel, with no
name left from an earlier unit, the execution counter back at 1 and
warnings shown again.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml

from toolkit import batch
from toolkit.manifest import read_manifest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "sample_data" / "units.yaml"
ENTRIES = read_manifest(MANIFEST)

pytestmark = pytest.mark.slow


def _normalised_notebook(path: Path, ids: list[str]) -> str:
    """The notebook without papermill's timings and cell ids (the ids are listed into ``ids``)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["metadata"].pop("papermill")
    for cell in nb["cells"]:
        cell["metadata"].pop("papermill")
        cell["metadata"].pop("execution", None)
        ids.append(cell.pop("id"))
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)


def _normalised_html(path: Path, ids: list[str]) -> str:
    text = path.read_text(encoding="utf-8")
    for i, cell_id in enumerate(ids):
        text = text.replace(f'id="cell-id={cell_id}"', f'id="cell-id=<{i}>"')
    return text


def _manifest(folder: Path, units: list[dict[str, Any]]) -> Path:
    path = folder / "units.yaml"
    path.write_text(yaml.safe_dump({"units": units}, allow_unicode=True), encoding="utf-8")
    return path


def test_kept_kernel_reports_equal_new_kernel_reports(tmp_path):
    units = [
        {
            "id": e.id,
            "name": e.name,
            "path": str(e.path),
            "language": e.language,
            "extract_date": e.extract_date.isoformat() if e.extract_date else None,
            "period_start": e.extra["period_start"],
        }
        for e in ENTRIES[:2]
    ]
    manifest = _manifest(tmp_path, units)
    roots = (MANIFEST.parent,)
    runs = {}
    for fresh in (True, False):
        out = tmp_path / ("fresh" if fresh else "kept")
        result = batch.run_batch(
            manifest, out=out, workers=1, progress=False, data_roots=roots, fresh_kernels=fresh
        )
        assert result.failed == 0, [u.message for u in result.units]
        runs[fresh] = out
    for unit in units:
        pages = {}
        for fresh, out in runs.items():
            ids: list[str] = []
            notebook = _normalised_notebook(out / "units" / f"{unit['id']}.ipynb", ids)
            pages[fresh] = (notebook, _normalised_html(out / "units" / f"{unit['id']}.html", ids))
        assert pages[False][0] == pages[True][0], unit["id"]
        assert pages[False][1] == pages[True][1], unit["id"]
        assert "<svg" in pages[False][1]  # the charts are in both, and equal


_TEST_NOTEBOOK = [
    "unit_name: str = ''  # which way this unit goes wrong, if any",
    "import os, warner\n"
    "assert 'left_behind' not in globals(), 'a name from an earlier unit'\n"
    "assert os.getcwd() == {cwd!r}, os.getcwd()\n"
    "warner.warn()  # once per place in a process, unless the kernel forgets it was shown\n"
    "if unit_name == 'raises':\n"
    "    raise ValueError('this unit has bad data')\n"
    "if unit_name == 'kills':\n"
    "    os._exit(1)\n"
    "left_behind = unit_name\n"
    "os.chdir('/')\n"
    "print('done', unit_name)",
]


def test_one_unit_failing_or_killing_its_kernel_leaves_the_others_clean(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    parameters = nbformat.v4.new_code_cell(_TEST_NOTEBOOK[0])
    parameters.metadata["tags"] = ["parameters"]
    body = _TEST_NOTEBOOK[1].format(cwd=str(folder.resolve()))
    nb.cells = [parameters, nbformat.v4.new_code_cell(body)]
    (folder / "warner.py").write_text(
        "import warnings\n\n\ndef warn():\n    warnings.warn('a warning every unit shows')\n",
        encoding="utf-8",
    )
    notebook = folder / "check.ipynb"
    nbformat.write(nb, notebook)
    data = str(ENTRIES[0].path)
    names = ["first", "raises", "after_raise", "kills", "after_kill"]
    manifest = _manifest(tmp_path, [{"id": n, "name": n, "path": data} for n in names])
    result = batch.run_batch(
        manifest,
        out=tmp_path / "out",
        notebook=str(notebook),
        workers=1,
        progress=False,
        data_roots=(MANIFEST.parent,),
    )
    status = {u.id: u.status for u in result.units}
    assert status == {
        "first": "ok",
        "raises": "failed",
        "after_raise": "ok",
        "kills": "failed",
        "after_kill": "ok",
    }, [u.message for u in result.units]
    messages = {u.id: u.message or "" for u in result.units}
    assert "this unit has bad data" in messages["raises"]
    for name in ("raises", "kills"):
        page = (tmp_path / "out" / "units" / f"{name}.html").read_text(encoding="utf-8")
        assert "Traceback" not in page
    for name in ("first", "after_raise", "after_kill"):
        done = nbformat.read(tmp_path / "out" / "units" / f"{name}.ipynb", as_version=4)
        counts = [c.execution_count for c in done.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), (name, counts)
        text = "".join(
            o.get("text", "") for c in done.cells if c.cell_type == "code" for o in c.outputs
        )
        assert "a warning every unit shows" in text, name
        assert re.search(rf"done {name}\b", text), name


@pytest.mark.parametrize("declared", [True, False], ids=["kernelspec_with_curve", "without"])
def test_batch_kernels_print_no_plain_tcp_warning(tmp_path, capfd, monkeypatch, declared):
    # ipykernel 7 prints "Kernel is running over TCP without encryption" when its transport
    # is TCP without CurveZMQ keys (ipykernel/kernelapp.py, init_sockets). The environment's
    # own python3 kernelspec declares curve; an older one installed for the user does not.
    from toolkit import batch_kernel

    if not declared:
        spec = tmp_path / "jupyter" / "kernels" / "python3"
        spec.mkdir(parents=True)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
        (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    settings = batch.kernel_settings()
    if declared:
        assert settings == {"transport_encryption": "auto"}
    else:  # IPC sockets in Jupyter's private runtime folder, not the report's folder
        assert settings["transport"] == "ipc" and Path(settings["ip"]).is_absolute()
        assert str(tmp_path) not in settings["ip"]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("print('done')")]
    notebook = tmp_path / "check.ipynb"
    nbformat.write(nb, notebook)
    try:
        for kept in (True, False):  # a kernel kept warm for unit after unit, and a new one
            status, message = batch._execute(
                notebook, tmp_path / f"out_{kept}.ipynb", {}, "t", "sv", kept
            )
            assert (status, message) == ("ok", None)
            assert "done" in (tmp_path / f"out_{kept}.html").read_text(encoding="utf-8")
    finally:
        batch_kernel.shutdown()
    err = capfd.readouterr().err
    assert "without encryption" not in err, err[-2000:]
