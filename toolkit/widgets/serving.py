"""Serving the workbook tree with Voilà (offline template, pre-heated kernels, culling)."""

from __future__ import annotations

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


def check_workshop(
    workshop: str, pages: int, *, folder: str | Path | None = None, lang: str | None = None
) -> None:
    """Refuse a workshop workbook that is not served, or a number of pages outside 1–60.

    A page opened while its workbook has no pre-heated kernel waits for a
    kernel to start and run the notebook: several seconds, much longer when
    many pages open at once on two cores. So the workbook of a workshop keeps
    a kernel ready for each of ``pages`` pages (about 200 MB each).

    >>> check_workshop("styrdiagram", 5)
    """
    names = workbook_names(folder)
    if workshop not in names:
        raise ParameterError(
            "widgets.workshop_unknown", value=workshop, allowed=", ".join(names), lang=lang
        )
    if isinstance(pages, bool) or not isinstance(pages, int) or not 1 <= pages <= 60:
        raise ParameterError(
            "common.param_range", argument="--pages", value=pages, allowed="1–60", lang=lang
        )


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
    ``workshop`` (a workbook's name), that workbook keeps ``pages`` kernels
    pre-heated (:func:`check_workshop`, :class:`toolkit.voila_kernels.WorkshopKernelManager`).

    >>> voila_command(8870, folder="notebooks/workbooks", python="python")[:4]
    ['python', '-m', 'voila', '--no-browser']
    """
    if workshop is not None:
        check_workshop(workshop, pages, folder=folder)
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
        *(
            [
                f"--WorkshopKernelManager.workshop={workshop}",
                f"--WorkshopKernelManager.workshop_pages={pages}",
            ]
            if workshop
            else []
        ),
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
