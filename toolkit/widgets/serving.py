"""Serving the workbook tree with Voilà (offline template, pre-heated kernels, culling)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from toolkit.errors import ParameterError
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

#: Pages a workshop's workbook is ready for at once (``serve --workshop``):
#: ten participants and the coach's projector, with one to spare.
WORKSHOP_PAGES = 12


def workbook_names(folder: str | Path | None = None) -> list[str]:
    """The workbooks served, by name (the notebook's file name without ``.ipynb``)."""
    return sorted(p.stem for p in Path(folder or WORKBOOKS).glob("*.ipynb"))


def kernel_pools(
    workshop: str | None = None,
    pages: int = WORKSHOP_PAGES,
    *,
    folder: str | Path | None = None,
    lang: str | None = None,
) -> dict[str, dict[str, int]]:
    """Voilà's pre-heated kernels: one per workbook, ``pages`` for a workshop's workbook.

    A page opened while its workbook's pool is empty waits for a kernel to
    start and run the notebook, which takes several seconds per kernel and
    much longer when a whole room opens the page at once on two cores; so
    for a workshop the workbook everyone opens gets a kernel ready for every
    page. Each waiting kernel holds about 200 MB.

    >>> kernel_pools("styrdiagram", 5)["styrdiagram.ipynb"]
    {'pool_size': 5}
    """
    pools = {"default": {"pool_size": 1}}
    if workshop is None:
        return pools
    names = workbook_names(folder)
    if workshop not in names:
        raise ParameterError(
            "widgets.workshop_unknown", value=workshop, allowed=", ".join(names), lang=lang
        )
    if not 1 <= pages <= 60:
        raise ParameterError(
            "common.param_range", argument="--pages", value=pages, allowed="1–60", lang=lang
        )
    pools[f"{workshop}.ipynb"] = {"pool_size": int(pages)}
    return pools


def voila_command(
    port: int = 8866,
    *,
    folder: str | Path | None = None,
    python: str | None = None,
    cull_idle: int = CULL_IDLE_S,
    cull_interval: int = CULL_INTERVAL_S,
    workshop: str | None = None,
    pages: int = WORKSHOP_PAGES,
) -> list[str]:
    """The command that serves the workbook tree with Voilà on 127.0.0.1.

    Pre-heated kernels and the culling of idle kernels come from ``voila.json``
    at the repository root (run the command from there); they are repeated on
    the command line so that the command works from anywhere. A kernel with
    no page connected is culled after ``cull_idle`` seconds without activity
    (checked every ``cull_interval`` seconds); a kernel handed to a page that
    is still loading is spared (:mod:`toolkit.voila_kernels`). With
    ``workshop``, that workbook keeps ``pages`` kernels pre-heated
    (:func:`kernel_pools`).

    >>> voila_command(8870, folder="notebooks/workbooks", python="python")[:4]
    ['python', '-m', 'voila', '--no-browser']
    """
    pools = kernel_pools(workshop, pages, folder=folder)
    # Voilà takes a pool per notebook only as JSON, which traitlets accepts with
    # a DeprecationWarning in the server's log: silenced for that option.
    quiet = ["-W", "ignore::DeprecationWarning:traitlets.traitlets"] if workshop else []
    return [
        python or sys.executable,
        *quiet,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--preheat_kernel=True",
        "--pool_size=1",
        *([f"--VoilaKernelManager.kernel_pools_config={json.dumps(pools)}"] if workshop else []),
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


def serve(
    port: int = 8866,
    lang: str | None = None,
    workshop: str | None = None,
    pages: int = WORKSHOP_PAGES,
) -> int:
    """Serve the workbooks with Voilà, print the address, run until interrupted.

    With ``workshop`` (a workbook's name), that workbook keeps a pre-heated
    kernel for each of ``pages`` pages. Returns Voilà's exit code. Used by
    the command line's main job and ``serve``.
    """
    import subprocess

    lang = check_language(lang)
    command = voila_command(port, workshop=workshop, pages=pages)
    url = f"http://127.0.0.1:{port}/"
    print(t("widgets.serving", lang, url=url), flush=True)
    if workshop:
        print(
            t(
                "widgets.serving_workshop",
                lang,
                pages=pages,
                url=f"{url}voila/render/{workshop}.ipynb",
            ),
            flush=True,
        )
    process = subprocess.Popen(command, cwd=WORKBOOKS.parent.parent, env=voila_env())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
