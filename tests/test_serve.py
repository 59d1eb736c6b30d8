"""``bup-toolkit serve`` admits only its own page and stops cleanly.

A real Voilà (the project's command, :mod:`toolkit.voila_server`) on two tiny
notebooks is asked as a DNS-rebinding page would ask (a foreign ``Host``) and
as a page without the token would: pages, the kernel API and the kernel
websocket must answer 403, and 200 (101 for the websocket) with the token
and an allowed Host. A workbook opened in Chromium with the printed address
works; without the token it shows the refusal. The serve command, stopped by
SIGTERM, SIGINT and SIGHUP in turn, must leave no Voilà, no kernel and no
bound port behind (read from ``/proc`` and by binding the port).

The expected statuses are the HTTP rules themselves (RFC 9110: 403 for a
request the server refuses to authorise, RFC 6455: 101 for an accepted
websocket handshake).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOKEN, free_port, stop
from toolkit.i18n import t
from toolkit.voila_server import host_allowed

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _notebooks(folder: Path) -> Path:
    import nbformat

    for name in ("a", "b"):
        book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hej')")])
        book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        nbformat.write(book, folder / f"{name}.ipynb")
    return folder


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _get(url: str, *, host: str | None = None, token: str | None = None) -> tuple[int, str]:
    """Status and body of a GET (no redirect followed), with an optional Host and token header."""
    request = urllib.request.Request(url)
    if host is not None:
        request.add_header("Host", host)
    if token is not None:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode("utf-8", "replace")


def _websocket(url: str, *, host: str | None = None, token: str | None = None) -> int:
    """The status of a websocket handshake: 101 when accepted, else the refusal's."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {}
    if host is not None:  # as a page on a rebound name would send them
        headers["Host"] = host
        headers["Origin"] = f"http://{host}"
    if token is not None:
        headers["Authorization"] = f"token {token}"

    async def connect() -> int:
        try:
            connection = await websocket_connect(HTTPRequest(url, headers=headers))
        except HTTPClientError as err:
            return int(err.code)
        connection.close()
        await connection.read_message()  # None once the server has closed it too
        return 101

    # In its own thread: a session's Playwright (sync API) may keep an event loop
    # running in this one, where asyncio.run refuses to start another.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, connect()).result()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A Voilà with the project's command on two tiny notebooks, ``--allow-host kurs-pc``."""
    from tests.conftest import wait_for_http
    from toolkit.widgets import voila_command, voila_env
    from toolkit.widgets.serving import start_server

    folder = _notebooks(tmp_path_factory.mktemp("notebooks"))
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    port = free_port()
    command = voila_command(port, folder=folder, allow_hosts=["kurs-pc"])
    with open(log, "wb") as out:
        process = start_server(
            command, cwd=ROOT, env=voila_env(token=TOKEN), stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(base, process)
        yield base, port
    finally:
        stop(process)


def test_host_rule() -> None:
    assert host_allowed("127.0.0.1:8866") and host_allowed("127.9.9.9")
    assert host_allowed("[::1]:8866") and host_allowed("LOCALHOST:1")
    assert not host_allowed("rebind.attacker.example:8866")
    assert not host_allowed("10.0.0.2:8866") and not host_allowed("")
    assert host_allowed("kurs-pc:8866", ["kurs-pc"])
    assert not host_allowed("kurs-pc.attacker.example", ["kurs-pc"])


def test_foreign_host_and_missing_token_get_403(guarded: tuple[str, int]) -> None:
    base, port = guarded
    page = f"{base}voila/render/a.ipynb"
    status, html = _get(f"{page}?token={TOKEN}")
    assert status == 200 and "hej" in html
    kernel_id = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html)
    assert kernel_id, html[:2000]
    api = f"{base}api/kernels/{kernel_id.group(1)}"
    channels = f"ws://127.0.0.1:{port}/api/kernels/{kernel_id.group(1)}/channels"
    refusal = t("widgets.serve_forbidden", "sv")

    # with the token and an allowed Host: page, API and websocket answer
    assert _get(base, token=TOKEN)[0] == 200
    assert _get(api, token=TOKEN)[0] == 200
    assert _get(f"{page}?token={TOKEN}", host=f"localhost:{port}")[0] == 200
    assert _get(f"{page}?token={TOKEN}", host=f"kurs-pc:{port}")[0] == 200
    assert _websocket(channels, token=TOKEN) == 101

    # a foreign Host (DNS rebinding) is refused everywhere, even with the token
    foreign = f"rebind.attacker.example:{port}"
    for url in (base, f"{page}?token={TOKEN}", api, f"{base}voila/static/voila.js"):
        assert _get(url, host=foreign, token=TOKEN)[0] == 403, url
    assert _websocket(channels, host=foreign, token=TOKEN) == 403

    # no token, or a wrong one: 403 with the message, never a login form
    for url in (base, page, f"{page}?token=wrong", f"{base}voila/tree"):
        status, body = _get(url)
        assert status == 403 and refusal in body, (url, status, body[:300])
    assert _get(api)[0] == 403
    assert _get(api, token="wrong")[0] == 403
    assert _websocket(channels) == 403
    assert _websocket(channels, token="wrong") == 403
    assert _get(f"{base}login")[0] == 404


def test_page_opened_with_the_printed_address_works(chromium_browser: Any, voila_url: str) -> None:
    # a fresh browser (no header, no cookie) opens the address as serve prints it
    from playwright.sync_api import expect

    context = chromium_browser.new_context(viewport={"width": 1280, "height": 1200})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{voila_url}voila/render/styrdiagram.ipynb?token={TOKEN}")
        page.wait_for_selector(".tk-figures", timeout=120_000)
        # the kernel answers over the websocket: the lost-kernel banner stays hidden
        expect(page.locator(".tk-lost").first).to_be_hidden(timeout=30_000)
        page.locator(".tk-lang button", has_text="English").click()
        expect(page.locator(".tk-app h1").first).to_have_text(
            t("widgets.spc.title", "en"), timeout=30_000
        )
        assert errors == []
        # the tab keeps the login cookie: the address without the token opens too
        response = page.goto(f"{voila_url}voila/tree")
        assert response is not None and response.status == 200
    finally:
        context.close()
    # another browser with the address without the token: the refusal, no workbook
    stranger = chromium_browser.new_context()
    try:
        page = stranger.new_page()
        response = page.goto(f"{voila_url}voila/render/styrdiagram.ipynb")
        assert response is not None and response.status == 403
        assert t("widgets.serve_forbidden", "sv") in page.inner_text("body")
        assert page.locator(".tk-app").count() == 0
    finally:
        stranger.close()


# --------------------------------------------------------------------------- clean stop


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_free(port: int) -> bool:
    """Whether a new server could listen on ``port`` (as Voilà does: SO_REUSEADDR, so the
    closed connections of the test itself, in TIME_WAIT, do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_serve_stops_voila_and_its_kernels(tmp_path: Path, signum: int) -> None:
    # the serve command itself, on two tiny notebooks (the module's folder replaced)
    folder = _notebooks(tmp_path)
    port = free_port()
    script = (
        "import sys; from pathlib import Path; from toolkit.widgets import serving; "
        f"serving.WORKBOOKS = Path({str(folder)!r}); "
        f"sys.exit(serving.serve({port}, 'en'))"
    )
    log = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [sys.executable, "-c", script], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wanted = {"a.ipynb is filled with 1 kernel", "b.ipynb is filled with 1 kernel"}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not all(w in log.read_text() for w in wanted):
            assert serve.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        text = log.read_text()
        assert all(w in text for w in wanted), text[-3000:]
        # the printed address carries the token and opens the page
        printed = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", text)
        assert printed, text[:2000]
        assert _get(printed.group(0))[0] == 200
        assert _get(printed.group(0).split("?")[0])[0] == 403
        voila = _children(serve.pid)
        assert len(voila) == 1
        kernels = _children(voila[0])
        assert len(kernels) >= 2, kernels
        assert not _port_free(port)
        # the token is on no command line (which every user of the machine can read)
        # and in no kernel's environment
        token = printed.group(0).split("token=")[1]
        for pid in [serve.pid, *voila, *kernels]:
            assert token.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        for pid in kernels:
            try:  # Voilà's pool may have replaced a pre-heated kernel since it was listed
                environ = Path(f"/proc/{pid}/environ").read_bytes()
            except (ProcessLookupError, FileNotFoundError):
                continue
            assert token.encode() not in environ

        serve.send_signal(signum)
        assert serve.wait(timeout=90) == 0, log.read_text()[-3000:]
        left = [pid for pid in [*voila, *kernels] if _alive(pid)]
        deadline = time.monotonic() + 10
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = [pid for pid in left if _alive(pid)]
        assert left == [], log.read_text()[-3000:]
        assert _port_free(port)
        name = signal.Signals(signum).name
        assert t("widgets.serving_stopped", "en", signal=name) in log.read_text()
    finally:
        if serve.poll() is None:
            # a failed check must not orphan Voilà and its kernels: kill the tree, leaves first
            tree = [serve.pid]
            for pid in tree:
                tree.extend(_children(pid))
            for pid in reversed(tree):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            serve.wait()


# --------------------------------------------------------------------------- page errors


def test_page_errors_show_file_names_never_server_paths(tmp_path: Path) -> None:
    import tempfile

    from toolkit.widgets.spc import SpcApp

    app = SpcApp(lang="en")
    # an upload the loader refuses: the message names the folder as the user knows it
    app.source._uploaded({"new": [{"name": "okand.csv", "content": b"a;b\n1;2\n"}]})
    assert "the folder holds no table" in app.error.value
    assert "uploaded files" in app.error.value
    assert tempfile.gettempdir() not in app.error.value and "tk-upload" not in app.error.value
    # an unexpected error whose text carries a server path: its details show the name only
    path = tmp_path / "hemlig" / "remisser.csv"
    try:
        path.read_text()
    except OSError as exc:
        app._show_error(f"{exc.strerror}: {exc.filename}", f"{type(exc).__name__}: {exc}")
    shown = app.error.value + app.details_text.value
    assert "remisser.csv" in shown
    assert str(tmp_path) not in shown and "hemlig" not in shown


def test_the_command_line_passes_allowed_hosts_to_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.widgets
    from toolkit.__main__ import main

    calls: list[tuple[Any, ...]] = []

    def fake_serve(*args: Any, **kwargs: Any) -> int:
        calls.append((args, kwargs))
        return 0

    monkeypatch.setattr(toolkit.widgets, "serve", fake_serve)
    argv = ["serve", "--port", "8870", "--allow-host", "kurs-pc", "--allow-host", "projektor"]
    assert main(argv) == 0
    assert main(["serve"]) == 0
    assert calls == [
        ((8870, "sv", None), {"allow_hosts": ("kurs-pc", "projektor"), "room": False, "ip": None}),
        ((8866, "sv", None), {"allow_hosts": (), "room": False, "ip": None}),
    ]
