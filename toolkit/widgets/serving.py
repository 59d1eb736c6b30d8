"""Serving the workbook tree with Voilà (offline template, pre-heated kernels, culling)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from toolkit.i18n import check_language, t

# --------------------------------------------------------------------------- serving

#: The workbooks folder of the repository.
WORKBOOKS = Path(__file__).resolve().parents[2] / "notebooks" / "workbooks"

#: Seconds without activity before a kernel with no page connected is shut down
#: (a closed tab; a laptop asleep that long reloads its page), and how often
#: the culler looks. As in ``voila.json``.
CULL_IDLE_S, CULL_INTERVAL_S = 300, 60

#: Seconds Voilà waits for a notebook cell's output after the cell has run
#: (nbclient's default is 4). A workbook's cell sends a message for each of its
#: widgets (a self-assessment has hundreds) before the application's display;
#: while eight kernels pre-heat at once on two cores, 4 s was seen to cut the
#: display off, and the page then never showed its application.
IOPUB_TIMEOUT_S = 60


def voila_command(
    port: int = 8866,
    *,
    folder: str | Path | None = None,
    python: str | None = None,
    cull_idle: int = CULL_IDLE_S,
    cull_interval: int = CULL_INTERVAL_S,
) -> list[str]:
    """The command that serves the workbook tree with Voilà on 127.0.0.1.

    Pre-heated kernels and the culling of idle kernels come from ``voila.json``
    at the repository root (run the command from there); they are repeated on
    the command line so that the command works from anywhere. A kernel with
    no page connected is culled after ``cull_idle`` seconds without activity
    (checked every ``cull_interval`` seconds); a kernel handed to a page that
    is still loading is spared (:mod:`toolkit.voila_kernels`).

    >>> voila_command(8870, folder="notebooks/workbooks", python="python")[:4]
    ['python', '-m', 'voila', '--no-browser']
    """
    return [
        python or sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--preheat_kernel=True",
        "--pool_size=1",
        "--show_tracebacks=False",
        "--template=bup",
        "--VoilaConfiguration.multi_kernel_manager_class="
        "toolkit.voila_kernels.WorkshopKernelManager",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        "--MappingKernelManager.cull_connected=False",
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",
        str(folder or WORKBOOKS),
    ]


#: Jupyter data folder holding the offline Voilà template ``bup`` (``voila/templates/bup``).
JUPYTER_DATA = Path(__file__).resolve().parents[1] / "data"


def voila_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Voilà: ``JUPYTER_PATH`` finds the offline template ``bup``.

    The template is Voilà's ``lab`` template without its links to a CDN.

    >>> voila_env({"JUPYTER_PATH": "/x"})["JUPYTER_PATH"].endswith("/x")
    True
    """
    env = dict(os.environ if base is None else base)
    paths = [str(JUPYTER_DATA)] + ([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else [])
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    return env


def serve(port: int = 8866, lang: str | None = None) -> int:
    """Serve the workbooks with Voilà, print the address, run until interrupted.

    Returns Voilà's exit code. Used by the command line's main job.
    """
    import subprocess

    lang = check_language(lang)
    print(t("widgets.serving", lang, url=f"http://127.0.0.1:{port}/"), flush=True)
    process = subprocess.Popen(voila_command(port), cwd=WORKBOOKS.parent.parent, env=voila_env())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
