"""Browser fixtures: a Voilà server on the workbooks and Debian's Chromium driven by Playwright.

Only fixtures for the browser tests (tests/test_workbook*.py) live here: Voilà,
Chromium, and ``open_workbook(name, ready_selector)`` giving a :class:`Workbook`. In CI
(``CI`` set) a missing Chromium is an error, never a skip.

Every Voilà server started here requires the token :data:`TOKEN` (as ``serve``
does, :mod:`toolkit.voila_server`); the browser contexts of :class:`Workbook`
send it in an ``Authorization`` header, so a test opens ``<url>voila/render/…``
without writing it into the address.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The token of every Voilà server the tests start (one per test session).
TOKEN = secrets.token_urlsafe(32)
#: The header that carries it on requests that do not have it in the address.
AUTH = {"Authorization": f"token {TOKEN}"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen[Any], timeout_s: float = 90.0) -> None:
    """Wait until ``url`` answers 200; fail with the server's output if it dies or times out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Voilà exited with code {process.returncode}")
        try:
            request = urllib.request.Request(url, headers=AUTH)
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"Voilà did not answer at {url} within {timeout_s} s")


def start_voila(
    folder: Path,
    *,
    python: str | None = None,
    cwd: Path = ROOT,
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[Any], str]:
    """Start Voilà on a free port (the project's own command); return the process and its URL.

    ``env`` replaces the environment of :func:`toolkit.widgets.voila_env`
    (which finds the offline template in the package) when given; the
    server's token is always :data:`TOKEN`. The URL has no token in it.
    """
    from toolkit.widgets import voila_command, voila_env
    from toolkit.widgets.serving import TOKEN_ENV, start_server

    port = free_port()
    env = voila_env() if env is None else dict(env)
    env[TOKEN_ENV] = TOKEN
    with open(log or os.devnull, "wb") as out:  # the child keeps its own copy of the handle
        process = start_server(
            voila_command(port, folder=folder, python=python),
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, process)
    except Exception:
        stop(process)
        raise
    return process, url


def stop(process: subprocess.Popen[Any]) -> None:
    """Stop Voilà (it shuts its kernels down), then kill its process group if it hangs."""
    from toolkit.widgets.serving import stop_server

    stop_server(process, wait_s=15)


def ensure_chromium() -> str:
    """Path to Debian's Chromium, installed by scripts/install_chromium.sh when missing."""
    if not os.path.exists(CHROMIUM) and shutil.which("apt-get"):
        subprocess.run(["sh", str(ROOT / "scripts" / "install_chromium.sh")], check=False)
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing and scripts/install_chromium.sh could not install it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def voila_server() -> Iterator[Any]:
    """A function that starts a Voilà server like :func:`start_voila`; all are stopped after."""
    started: list[subprocess.Popen[Any]] = []

    def start(folder: Path, **kwargs: Any) -> str:
        process, url = start_voila(folder, **kwargs)
        started.append(process)
        _SESSION_PIDS.add(process.pid)
        return url

    yield start
    for process in started:
        stop(process)


@pytest.fixture(scope="session")
def save_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the workbooks save what is typed (``BUP_TOOLKIT_SAVE_DIR``), for this session."""
    folder = tmp_path_factory.mktemp("saved")
    os.environ["BUP_TOOLKIT_SAVE_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def voila_url(tmp_path_factory: pytest.TempPathFactory, save_dir: Path) -> Iterator[str]:
    """A Voilà server on notebooks/workbooks for the whole session (pre-heated kernels).

    Its kernels save what is typed in the workbooks under ``save_dir``.
    """
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    process, url = start_voila(ROOT / "notebooks" / "workbooks", log=log)
    _SESSION_PIDS.add(process.pid)
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright."""
    executable = ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


SHOTS = ROOT / "screenshots"
TIMEOUT_MS = 30_000


class Workbook:
    """A workbook page with its console errors and outside requests recorded."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 1500}, extra_http_headers=AUTH
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def request(req: Any) -> None:
            if not req.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "blob:", "data:")):
                self.outside.append(req.url)

        self.page.on("request", request)
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.goto(url)

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).first.inner_text())

    def expect_text(self, selector: str, expected: str) -> None:
        from playwright.sync_api import expect

        expect(self.page.locator(selector).first).to_have_text(expected, timeout=TIMEOUT_MS)

    def expect_contains(self, selector: str, expected: str) -> None:
        from playwright.sync_api import expect

        expect(self.page.locator(selector).first).to_contain_text(expected, timeout=TIMEOUT_MS)

    def select(self, css_class: str, label: str) -> None:
        self.page.locator(f".{css_class} select").select_option(label=label)

    def expect_options(self, css_class: str, labels: list[str]) -> None:
        """Wait until a dropdown offers exactly ``labels`` (the kernel has updated it)."""
        from playwright.sync_api import expect

        expect(self.page.locator(f".{css_class} option")).to_have_text(labels, timeout=TIMEOUT_MS)

    def slider_right(self, css_class: str, presses: int = 1) -> None:
        handle = self.page.locator(f".{css_class} .noUi-handle").first
        handle.focus()
        for _ in range(presses):
            handle.press("ArrowRight")

    def upload(self, path: Path) -> None:
        """Choose ``path`` in the FileUpload's file dialog (its input is not in the DOM)."""
        with self.page.expect_file_chooser() as chooser:
            self.page.locator(".tk-upload").first.click()
        chooser.value.set_files(str(path))

    def screenshot(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def assert_clean(self) -> None:
        assert self.errors == [], f"errors in the browser console: {self.errors}"
        assert self.outside == [], f"requests left the machine: {self.outside}"
        # the kernel answers: the banner of a lost kernel is hidden (once the first pong is in)
        from playwright.sync_api import expect

        expect(self.page.locator(".tk-lost").first).to_be_hidden(timeout=TIMEOUT_MS)
        # no traceback ever reaches the page
        assert "Traceback" not in self.page.inner_text("body")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_workbook(chromium_browser: Any, voila_url: str) -> Iterator[Any]:
    """Open a workbook by name (``""`` for the tree) and wait for ``ready`` to appear.

    ``base`` is the address of another Voilà server than the session's.
    """
    opened: list[Workbook] = []

    def open_(name: str, ready: str | None = None, *, base: str | None = None) -> Workbook:
        root = base or voila_url
        url = f"{root}voila/render/{name}.ipynb" if name else root
        book = Workbook(chromium_browser, url)
        opened.append(book)
        if ready:
            book.page.wait_for_selector(ready, timeout=60_000)
        return book

    yield open_
    for book in opened:
        book.close()


# ---- the quick loop: `make check` runs only in-process tests ---------------------------------
# Tests that start a kernel, a server, a virtual environment or a browser carry the `slow`
# marker and run in `make test` only. With BUP_INPROCESS_ONLY=1 (set by `make check`) a test
# without that marker that starts a process fails and says so, so the quick loop stays quick.


@pytest.fixture(autouse=True)
def _in_process_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.environ.get("BUP_INPROCESS_ONLY") != "1" or request.node.get_closest_marker("slow"):
        return
    original = subprocess.Popen.__init__

    def refuse(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            f"{request.node.nodeid} starts a process ({args!r:.80}); mark it "
            "@pytest.mark.slow so that `make check` leaves it to `make test`"
        )

    assert original is not None
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)


# ---- servers and kernels started by a test are gone when it ends -----------------------------
# After each module with slow tests, no Voilà, Jupyter server, kernel, hub or browser that this
# pytest process started may still run: its descendants, and orphans that carry this process's
# mark in their environment (a server killed before its kernels). Those of the session fixtures
# above (registered in _SESSION_PIDS; Playwright's driver and the browser it launched) stay.
# Leftovers get 10 s to end, then are killed and the module fails naming them.

_LEFTOVER_NAMES = ("voila", "jupyter-server", "jupyter_server", "jupyterhub", "ipykernel")
_LEFTOVER_NAMES += ("chromium", "configurable-http-proxy")
_MARK = f"BUP_TEST_PROCESS={os.getpid()}-{secrets.token_hex(4)}"
os.environ["BUP_TEST_PROCESS"] = _MARK.split("=", 1)[1]
_SESSION_PIDS: set[int] = set()


def _proc_table() -> dict[int, tuple[int, str]]:
    """Running processes from /proc: pid -> (parent pid, command line); zombies left out."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError, UnicodeDecodeError):
                continue
            if stat[0] != "Z":
                table[int(entry)] = (int(stat[1]), cmd.strip())
    return table


def _subtree(table: dict[int, tuple[int, str]], roots: set[int]) -> set[int]:
    out, todo = set(roots), list(roots)
    while todo:
        parent = todo.pop()
        for pid, (ppid, _) in table.items():
            if ppid == parent and pid not in out:
                out.add(pid)
                todo.append(pid)
    return out


def leftover_processes() -> dict[int, str]:
    """This process's servers, kernels and browsers outside the session fixtures: pid -> command."""
    table = _proc_table()
    mine = _subtree(table, {os.getpid()}) - {os.getpid()}
    drivers = {p for p in mine if "run-driver" in table[p][1]}  # Playwright's (session) driver
    kept = _subtree(table, (_SESSION_PIDS & set(table)) | drivers)
    out = {}
    for pid, (_, cmd) in table.items():
        if pid in kept or not any(name in cmd for name in _LEFTOVER_NAMES):
            continue
        if "crashpad_handler" in cmd:  # Chromium's crash reporter leaves its tree, ends with it
            continue
        if pid not in mine:
            try:  # an orphan of ours carries the mark
                if _MARK.encode() not in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                    continue
            except OSError:
                continue
        out[pid] = cmd
    return out


@pytest.fixture(scope="module", autouse=True)
def _no_leftover_processes(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    module = request.node
    if not hasattr(request.session, "_bup_slow_files"):  # once per session
        slow = {
            i.nodeid.split("::")[0] for i in request.session.items if i.get_closest_marker("slow")
        }
        request.session._bup_slow_files = slow  # type: ignore[attr-defined]
    if module.nodeid not in request.session._bup_slow_files or not os.path.isdir("/proc"):
        return
    deadline = time.monotonic() + 10
    while (left := leftover_processes()) and time.monotonic() < deadline:
        time.sleep(0.25)
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    if left:
        listed = "; ".join(f"{pid}: {cmd[:120]}" for pid, cmd in sorted(left.items()))
        pytest.fail(f"{module.nodeid} left processes running (now killed): {listed}")
