"""A region's server: JupyterHub from ``deploy/jupyterhub/jupyterhub_config.py`` on loopback.

The hub runs as the region would run it, with three things set for a test
through the configuration's own environment variables: the dummy
authenticator with one password (``BUP_HUB_AUTHENTICATOR=dummy``), one
folder per user under a temporary data root instead of system accounts
(``BUP_HUB_SPAWNER=folders``) and ports of its own on 127.0.0.1. Its proxy is
configurable-http-proxy from npm (``scripts/install_proxy.sh`` puts it in
``.cache/node``). Two coaches, alice and bob, log in from Chromium:

* each lands on the workbooks in Voilà (``/user/<name>/voila/tree/workbooks``,
  the configuration's start page for coaches) and a workbook renders there,
  with no request leaving 127.0.0.1; an analyst, cecilia, lands in JupyterLab
  with the workbooks in her file browser;
* what alice saves in the PKS self-assessment lands in her save folder only,
  and bob's page does not list it (nor alice's his); a unit file alice
  uploads shows in her page and not in bob's; the kernels of each run with
  the save folder (``BUP_TOOLKIT_SAVE_DIR``) and upload space (``TMPDIR``)
  of their own user;
* alice opening a page of bob's server is refused with 403: the request is
  proxied to bob's server, which sends her to the hub's OAuth authorisation
  for it, and the hub answers 403 "You do not have permission to access
  Server at /user/bob/" (JupyterHub's ``OAuthAuthorizeHandler``: an OAuth
  client of a server needs the ``access:servers`` scope of that server,
  which a user has for her own servers only).

When the module ends the hub is stopped, which stops both users' servers
(and their kernels) and the proxy; any process left that carries the test's
data root in its environment is killed and reported as an error.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT, TIMEOUT_MS, free_port

pytestmark = pytest.mark.slow

CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
PROXY_BIN = ROOT / ".cache" / "node" / "node_modules" / ".bin"
PASSWORD = "only-for-this-test"
USERS = ("alice", "bob")
#: An analyst: the configuration starts her in JupyterLab.
ANALYST = "cecilia"
#: Where each user lands after the login (the configuration's start pages) and what shows there.
START = {
    **{user: ("voila/tree/workbooks", "text=pks_sjalvskattning") for user in USERS},
    ANALYST: ("lab", ".jp-DirListing-item:has-text('workbooks')"),
}
#: Seconds for the hub to answer, and for a user's server to start (two busy cores).
HUB_READY_S, SPAWN_S = 120, 240


def _ensure_proxy() -> Path:
    proxy = PROXY_BIN / "configurable-http-proxy"
    if not proxy.exists():
        subprocess.run(["sh", str(ROOT / "scripts" / "install_proxy.sh")], check=False)
    if not proxy.exists():
        message = f"{proxy} is missing and scripts/install_proxy.sh could not install it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return proxy


def _environ(pid: str) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def _cmdline(pid: str) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _processes_of(root: Path) -> list[str]:
    """Process ids whose environment names ``root`` (the hub, proxy, servers, kernels, culler)."""
    mine = str(os.getpid())
    return [
        pid
        for pid in os.listdir("/proc")
        if pid.isdigit() and pid != mine and str(root) in "\0".join(_environ(pid).values())
    ]


@dataclass
class Hub:
    url: str
    root: Path
    log: Path
    process: subprocess.Popen[Any]
    logged_in: dict[str, Any] = field(default_factory=dict)

    def folder(self, user: str) -> Path:
        return self.root / "users" / user

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]


def _wait_for_hub(hub: Hub) -> None:
    """Poll the hub's API through the proxy until it answers with its version."""
    deadline = time.monotonic() + HUB_READY_S
    while True:
        if hub.process.poll() is not None:
            raise RuntimeError(
                f"JupyterHub exited with code {hub.process.returncode}:\n{hub.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{hub.url}hub/api/", timeout=5) as response:
                if "version" in json.load(response):
                    return
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"JupyterHub did not answer at {hub.url}hub/api/ within {HUB_READY_S} s:\n"
                + hub.log_tail()
            )
        time.sleep(0.5)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    from toolkit.widgets.serving import start_server, stop_server

    proxy = _ensure_proxy()
    assert shutil.which("node"), "configurable-http-proxy needs node (apt-get install nodejs)"
    root = tmp_path_factory.mktemp("hub")
    port, hub_port, api_port = free_port(), free_port(), free_port()
    env = dict(os.environ)
    env.pop("BUP_TOOLKIT_SAVE_DIR", None)  # the hub sets each user's own
    env.update(
        {
            "PATH": os.pathsep.join(
                [str(proxy.parent), str(Path(sys.executable).parent), env.get("PATH", "")]
            ),
            "PYTHONPATH": str(ROOT),
            "BUP_HUB_DATA_ROOT": str(root),
            "BUP_HUB_AUTHENTICATOR": "dummy",
            "BUP_HUB_DUMMY_PASSWORD": PASSWORD,
            "BUP_HUB_SPAWNER": "folders",
            "BUP_HUB_USERS": ",".join(USERS),
            "BUP_HUB_ANALYSTS": ANALYST,
            "BUP_HUB_BIND_URL": f"http://127.0.0.1:{port}",
            "BUP_HUB_HUB_PORT": str(hub_port),
            "BUP_HUB_PROXY_API_PORT": str(api_port),
        }
    )
    log = root / "jupyterhub.log"
    with open(log, "wb") as out:
        process = start_server(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    state = Hub(f"http://127.0.0.1:{port}/", root, log, process)
    try:
        _wait_for_hub(state)
        yield state
    finally:
        for context in state.logged_in.values():
            context.close()
        # SIGTERM: the hub stops every user's server (each shuts its kernels down) and the proxy
        stop_server(process, wait_s=60)
        deadline = time.monotonic() + 20
        while _processes_of(root) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = _processes_of(root)
        described = [f"{pid}: {_cmdline(pid)[:120]}" for pid in left]
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        assert not left, f"processes left after the hub stopped (killed now): {described}"


def _context(browser: Any, outside: list[str]) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    context.set_default_timeout(TIMEOUT_MS)

    def request(req: Any) -> None:
        if urlparse(req.url).hostname not in ("127.0.0.1", None) and not req.url.startswith(
            ("data:", "blob:")
        ):
            outside.append(req.url)

    context.on("request", request)
    return context


@pytest.fixture(scope="module")
def outside() -> list[str]:
    """Requests any page of the test sent off 127.0.0.1 (there must be none)."""
    return []


@pytest.fixture(scope="module")
def logged_in(hub: Hub, chromium_browser: Any, outside: list[str]) -> dict[str, Any]:
    """A browser context per user, logged in through the hub's login form; its server started."""
    for user, (start, shown) in START.items():
        context = _context(chromium_browser, outside)
        hub.logged_in[user] = context
        page = context.new_page()
        page.goto(f"{hub.url}hub/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("#login_submit")
        try:
            # the hub spawns the server and sends the user to its start page
            page.wait_for_url(f"**/user/{user}/{start}**", timeout=SPAWN_S * 1000)
            page.wait_for_selector(shown, timeout=120_000)
        except Exception as err:
            page.screenshot(path=str(hub.root / f"{user}-start.png"))
            raise AssertionError(
                f"{user} did not reach the workbooks: {err}\nThe page ({page.url}):\n"
                f"{page.content()[:3000]}\n{hub.log_tail()}"
            ) from err
        page.close()
    return hub.logged_in


def _open(hub: Hub, context: Any, user: str, workbook: str, ready: str) -> Any:
    page = context.new_page()
    page.goto(f"{hub.url}user/{user}/voila/render/workbooks/{workbook}.ipynb", timeout=180_000)
    page.wait_for_selector(ready, timeout=180_000)
    return page


def _options(page: Any, css_class: str) -> list[str]:
    """A dropdown's labels (ipywidgets writes their spaces as no-break spaces)."""
    texts = page.locator(f".{css_class} option").all_inner_texts()
    return [str(o).replace("\xa0", " ") for o in texts]


def _label(text: str) -> re.Pattern[str]:
    """A dropdown label exactly ``text``, its spaces no-break or not."""
    return re.compile("^" + r"\s".join(re.escape(part) for part in text.split(" ")) + "$")


def _save_answer(page: Any, unit: str) -> None:
    """Name a session (unit, round 2025) and answer its first question with 3."""
    from playwright.sync_api import expect

    for css_class, text in (("tk-session-unit", unit), ("tk-session-round", "2025")):
        field_ = page.locator(f".{css_class} input")
        field_.fill(text)
        field_.press("Enter")
    button = page.locator(".tk-answer").first.locator("button", has_text=re.compile("^3$"))
    button.click()
    expect(button).to_have_class(re.compile("mod-active"), timeout=TIMEOUT_MS)
    # the page lists the session as saved (not "new, saved at the first answer") once on disk
    saved = page.locator(".tk-sessions option", has_text=_label(f"{unit} · 2025"))
    expect(saved).to_have_count(1, timeout=TIMEOUT_MS)


def _saved(hub: Hub, user: str) -> list[str]:
    return sorted(p.name for p in (hub.folder(user) / "bup-toolkit").glob("*.json"))


def test_the_analyst_starts_in_jupyterlab(hub: Hub, logged_in: dict[str, Any]) -> None:
    # the login fixture saw her land on /user/cecilia/lab with the workbooks listed
    assert ANALYST in logged_in
    assert (hub.folder(ANALYST) / "workbooks").resolve() == ROOT / "notebooks" / "workbooks"


def test_each_coach_reaches_the_workbooks(hub: Hub, logged_in: dict[str, Any]) -> None:
    for user in USERS:
        page = _open(hub, logged_in[user], user, "styrdiagram", ".tk-figures")
        assert "Traceback" not in page.inner_text("body")
        page.close()
        assert (hub.folder(user) / "workbooks").resolve() == ROOT / "notebooks" / "workbooks"


def test_each_coach_sees_only_their_own_saved_answers(hub: Hub, logged_in: dict[str, Any]) -> None:
    alice = _open(hub, logged_in["alice"], "alice", "pks_sjalvskattning", ".tk-answer")
    _save_answer(alice, "BUP Alice")
    assert any("bup-alice" in name for name in _saved(hub, "alice")), _saved(hub, "alice")
    assert _saved(hub, "bob") == []

    bob = _open(hub, logged_in["bob"], "bob", "pks_sjalvskattning", ".tk-answer")
    _save_answer(bob, "BUP Bob")  # his list is read from his folder again after the save
    assert not any("BUP Alice" in o for o in _options(bob, "tk-sessions")), _options(
        bob, "tk-sessions"
    )
    assert not any("bup-alice" in name for name in _saved(hub, "bob")), _saved(hub, "bob")
    assert not any("bup-bob" in name for name in _saved(hub, "alice")), _saved(hub, "alice")

    again = _open(hub, logged_in["alice"], "alice", "pks_sjalvskattning", ".tk-answer")
    from playwright.sync_api import expect

    saved = again.locator(".tk-sessions option", has_text=_label("BUP Alice · 2025"))
    expect(saved).to_have_count(1, timeout=TIMEOUT_MS)
    assert not any("BUP Bob" in o for o in _options(again, "tk-sessions"))
    for page in (alice, bob, again):
        page.close()


def test_each_coach_sees_only_their_own_uploads(
    hub: Hub, logged_in: dict[str, Any], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from toolkit.i18n import t

    export = tmp_path / "referrals.csv"
    shutil.copy(ROOT / "sample_data" / "liten" / "referrals.csv", export)
    alice = _open(hub, logged_in["alice"], "alice", "styrdiagram", ".tk-figures")
    with alice.expect_file_chooser() as chooser:
        alice.locator(".tk-upload").first.click()
    chooser.value.set_files(str(export))
    expect(alice.locator(".tk-unit-text").first).to_have_text(
        t("widgets.upload_ok", "sv", name="referrals.csv"), timeout=120_000
    )
    own = t("widgets.own_unit", "sv", name="referrals.csv")
    assert own in _options(alice, "tk-unit")
    bob = _open(hub, logged_in["bob"], "bob", "styrdiagram", ".tk-figures")
    assert own not in _options(bob, "tk-unit")
    assert not any(o.startswith(own.split(":")[0]) for o in _options(bob, "tk-unit"))

    # the kernels behind the pages: each user's save folder and upload space
    kernels: dict[str, list[dict[str, str]]] = {user: [] for user in USERS}
    for pid in _processes_of(hub.root):
        if "ipykernel" in _cmdline(pid):
            environ = _environ(pid)
            kernels.setdefault(environ.get("JUPYTERHUB_USER", "?"), []).append(environ)
    for user in USERS:
        assert kernels[user], f"no kernel of {user} found"
        for environ in kernels[user]:
            assert environ["BUP_TOOLKIT_SAVE_DIR"] == str(hub.folder(user) / "bup-toolkit")
            assert environ["TMPDIR"] == str(hub.folder(user) / ".tmp")
            assert environ["HOME"] == str(hub.folder(user))
    alice.close()
    bob.close()


def test_a_coach_cannot_open_another_coachs_server(hub: Hub, logged_in: dict[str, Any]) -> None:
    page = logged_in["alice"].new_page()
    response = page.goto(f"{hub.url}user/bob/voila/render/workbooks/pks_sjalvskattning.ipynb")
    assert response is not None
    assert response.status == 403
    # bob's server sent her to the hub's OAuth authorisation for his server, which refused
    assert urlparse(page.url).path == "/hub/api/oauth2/authorize"
    body = page.inner_text("body")
    assert "You do not have permission to access Server at /user/bob/" in body
    assert (
        "Den här sidan hör till en annan användares server" in body
    )  # deploy/jupyterhub/templates
    assert page.locator(".tk-app").count() == 0
    page.close()


def test_no_request_left_the_machine(logged_in: dict[str, Any], outside: list[str]) -> None:
    assert outside == []


def test_the_idle_culler_runs_with_its_scopes(hub: Hub) -> None:
    # jupyterhub-idle-culler lists the users (read:users:activity) as it starts; 403 without its role
    assert re.search(r"200 GET /hub/api/users\S* \(idle-culler@127\.0\.0\.1\)", hub.log_tail(10**7))
