"""Serving the workbook tree with Voilà (offline template, pre-heated kernels, culling).

The server answers only its own page (:mod:`toolkit.voila_server`): a random
token in the address printed at start and a Host allow-list (loopback,
``localhost`` and the names given with ``--allow-host``; with ``--room``,
the machine's network address and name too, as it then listens there).
:func:`serve`
forwards SIGTERM, SIGINT and SIGHUP to Voilà, which shuts its kernels down,
and waits for it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t
from toolkit.resources import data_folder, folder, locate

# --------------------------------------------------------------------------- serving

#: The workbooks folder (bundled in the wheel, or the repository's: :mod:`toolkit.resources`).
WORKBOOKS = locate("notebooks") / "workbooks"

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

#: Seconds :func:`serve` gives Voilà to shut its kernels down after a stop
#: signal before it kills Voilà's process group.
STOP_WAIT_S = 30

#: Environment variable that hands the token to Voilà (read and removed by
#: :class:`toolkit.voila_server.GuardedVoila`; a command line is visible to
#: every user of the machine, an environment is not).
TOKEN_ENV = "JUPYTER_TOKEN"


def new_token() -> str:
    """A random token for the page's address (32 bytes, URL-safe text).

    >>> len(new_token()) >= 43
    True
    """
    return secrets.token_urlsafe(32)


def page_url(port: int, token: str, path: str = "", host: str = "127.0.0.1") -> str:
    """The address of a page of the server on ``host`` (127.0.0.1), with the token.

    >>> page_url(8866, "abc", "voila/render/styrdiagram.ipynb")
    'http://127.0.0.1:8866/voila/render/styrdiagram.ipynb?token=abc'
    >>> page_url(8866, "abc", host="fe80::1")
    'http://[fe80::1]:8866/?token=abc'
    """
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}:{port}/{path}?token={token}"


def network_address() -> str:
    """This machine's address on its network (the one its default route leaves by).

    Found by connecting a UDP socket to a private address (no packet is
    sent); 127.0.0.1 when the machine has no network.
    """
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.254.254.254", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def print_qr(text: str) -> None:
    """Print ``text`` as a QR code in the terminal (half-block characters), if it can show them."""
    import io

    import qrcode

    code = qrcode.QRCode(border=1)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.StringIO()
    code.print_ascii(out=buffer, invert=True)
    with contextlib.suppress(UnicodeEncodeError):  # a terminal without those characters
        print(buffer.getvalue(), end="", flush=True)


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
    checks.whole("--pages", pages, lang, low=1, high=60)


def voila_command(
    port: int = 8866,
    *,
    folder: str | Path | None = None,
    python: str | None = None,
    cull_idle: int = CULL_IDLE_S,
    cull_interval: int = CULL_INTERVAL_S,
    workshop: str | None = None,
    pages: int = WORKSHOP_PAGES,
    allow_hosts: Sequence[str] = (),
    ip: str = "127.0.0.1",
) -> list[str]:
    """The command that serves the workbook tree with Voilà on ``ip`` (127.0.0.1 by default).

    Voilà runs as :class:`toolkit.voila_server.GuardedVoila`: every request
    needs the token (given in the environment, :func:`voila_env`) and a Host
    header naming this machine (loopback, ``localhost`` or one of
    ``allow_hosts``); anything else gets 403.

    Pre-heated kernels and the culling of idle kernels come from ``voila.json``
    at the repository root (run the command from there); they are repeated on
    the command line so that the command works from anywhere. A kernel with
    no page connected is culled after ``cull_idle`` seconds without activity
    (checked every ``cull_interval`` seconds); a kernel handed to a page that
    is still loading is spared (:mod:`toolkit.voila_kernels`). With
    ``workshop`` (a workbook's name), that workbook keeps ``pages`` kernels
    pre-heated (:func:`check_workshop`, :class:`toolkit.voila_kernels.WorkshopKernelManager`).

    >>> voila_command(8870, folder="notebooks/workbooks", python="python")[:4]
    ['python', '-m', 'toolkit.voila_server', '--no-browser']
    """
    if workshop is not None:
        check_workshop(workshop, pages, folder=folder)
    return [
        python or sys.executable,
        "-m",
        "toolkit.voila_server",
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
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
        # the kernels are local: CurveZMQ keys from the kernel manager encrypt
        # their transport (and ipykernel then has no warning to print)
        "--KernelManager.transport_encryption=auto",
        *(f"--GuardedVoila.allow_hosts={name}" for name in allow_hosts),
        str(folder or WORKBOOKS),
    ]


#: Jupyter data folder holding the offline Voilà template ``bup`` (``voila/templates/bup``).
JUPYTER_DATA = data_folder()


def voila_env(base: dict[str, str] | None = None, *, token: str | None = None) -> dict[str, str]:
    """Environment for Voilà: ``JUPYTER_PATH`` finds the offline template ``bup``.

    The template is Voilà's ``lab`` template without its links to a CDN.
    ``token`` is the page's token (:data:`TOKEN_ENV`); without one the
    server makes up its own, which nobody knows, and refuses every page.

    >>> voila_env({"JUPYTER_PATH": "/x"})["JUPYTER_PATH"].endswith("/x")
    True
    >>> voila_env({}, token="abc")["JUPYTER_TOKEN"]
    'abc'
    """
    env = dict(os.environ if base is None else base)
    paths = [str(JUPYTER_DATA)] + ([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else [])
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    if token is not None:
        env[TOKEN_ENV] = token
    return env


#: The signals :func:`serve` forwards to Voilà (SIGHUP: a closed terminal; not on Windows).
STOP_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)


def start_server(
    command: list[str], *, env: dict[str, str], cwd: str | Path | None = None, **popen: Any
) -> subprocess.Popen[Any]:
    """Start Voilà in a process group of its own (a new session on POSIX).

    The terminal's Ctrl+C then reaches only :func:`serve`, which passes it
    on once, and :func:`stop_server` can end the whole group.
    """
    if sys.platform == "win32":
        popen.setdefault("creationflags", subprocess.CREATE_NEW_PROCESS_GROUP)
    else:
        popen.setdefault("start_new_session", True)
    return subprocess.Popen(command, cwd=cwd, env=env, **popen)


def _kill_group(process: subprocess.Popen[Any]) -> None:
    """Kill what is left of the process group of ``process`` (POSIX), or the process."""
    if os.name == "nt":
        if process.poll() is None:
            process.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _ask_to_stop(process: subprocess.Popen[Any]) -> None:
    """Ask Voilà to stop: SIGTERM, on which it shuts its kernels down and exits."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()


def stop_server(process: subprocess.Popen[Any], wait_s: float = STOP_WAIT_S) -> int:
    """Stop Voilà cleanly (it shuts its kernels down) and wait; kill its group after ``wait_s``.

    Kernels run in sessions of their own (Jupyter's rule) and are shut down
    by Voilà; a kernel whose Voilà was killed ends by itself within a
    second or so (ipykernel watches its parent). Returns Voilà's exit code.
    """
    _ask_to_stop(process)
    try:
        code = process.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        code = process.wait()
    _kill_group(process)  # anything Voilà started in its own group
    return code


def run_server(
    process: subprocess.Popen[Any], wait_s: float = STOP_WAIT_S
) -> tuple[int, int | None]:
    """Wait for Voilà; on SIGTERM, SIGINT or SIGHUP stop it with :func:`stop_server`.

    Returns Voilà's exit code and the signal received (None when Voilà ended
    by itself). The previous signal handlers are restored.
    """
    received: list[int] = []

    def forward(signum: int, _frame: Any) -> None:
        received.append(signum)
        _ask_to_stop(process)

    previous = {s: signal.signal(s, forward) for s in STOP_SIGNALS}
    try:
        deadline: float | None = None
        while True:
            try:
                code = process.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if received and deadline is None:
                    deadline = time.monotonic() + wait_s
                if deadline is not None and time.monotonic() > deadline:
                    _kill_group(process)
        _kill_group(process)
        return code, (received[0] if received else None)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def serve(
    port: int = 8866,
    lang: str | None = None,
    workshop: str | None = None,
    pages: int = WORKSHOP_PAGES,
    allow_hosts: Sequence[str] = (),
    *,
    room: bool = False,
    ip: str | None = None,
) -> int:
    """Serve the workbooks with Voilà, print the address with its token, run until stopped.

    With ``workshop`` (a workbook's name), that workbook keeps a pre-heated
    kernel for each of ``pages`` pages. ``allow_hosts`` are names (besides
    127.0.0.1 and localhost) the page may be opened by. With ``room``
    (workshop room mode) Voilà listens on ``ip``, by default the machine's
    network address (:func:`network_address`), which is then allowed as a
    Host together with the machine's name, and the address with its token is
    printed with a QR code for participants' laptops and phones; without the
    token a page gets 403. SIGTERM, SIGINT (Ctrl+C) and SIGHUP (a closed
    terminal) stop Voilà and its kernels (:func:`run_server`). Returns
    Voilà's exit code. Used by the command line's main job and ``serve``.
    """
    import socket

    lang = check_language(lang)
    workbooks = WORKBOOKS
    if not workbooks.is_dir():
        folder("notebooks", lang=lang)  # a broken install: says where it looked and how to fix it
        raise ParameterError("widgets.workbooks_missing", folder=str(workbooks), lang=lang)
    host = "127.0.0.1"
    hosts = list(allow_hosts)
    if room:
        host = ip or network_address()
        hosts += [host, socket.gethostname()]
    elif ip is not None:
        raise ParameterError("widgets.ip_without_room", lang=lang)
    command = voila_command(
        port, folder=workbooks, workshop=workshop, pages=pages, allow_hosts=hosts, ip=host
    )
    token = new_token()
    url = page_url(port, token, host=host)
    if workshop:
        url = page_url(port, token, f"voila/render/{workshop}.ipynb", host=host)
    if room or not workshop:
        print(t("widgets.serving_room" if room else "widgets.serving", lang, url=url), flush=True)
    if workshop:
        print(t("widgets.serving_workshop", lang, pages=pages, url=url), flush=True)
    if room:
        print_qr(url)
    process = start_server(command, cwd=workbooks.parent.parent, env=voila_env(token=token))
    code, received = run_server(process)
    if received is not None:
        print(t("widgets.serving_stopped", lang, signal=signal.Signals(received).name), flush=True)
    return code
