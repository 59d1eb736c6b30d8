"""The Voilà server of ``bup-toolkit serve``: it answers only its own page.

Voilà alone answers any ``Host`` header and, without a token, any request,
so a web page the coach visits could reach the workbooks through DNS
rebinding (a name of the attacker's that resolves to 127.0.0.1) and read or
change what is typed. :class:`GuardedVoila` is Voilà with two checks on
every request:

* **Host allow-list.** The ``Host`` header must be a loopback address
  (127.0.0.1, ::1), ``localhost`` or a name in ``allow_hosts``
  (``serve --allow-host NAME``); any other gets 403 (:func:`host_allowed`).
  This holds for every handler, the static files and Voilà's own websockets
  included.
* **Token.** The token (``JUPYTER_TOKEN`` in the environment, read once
  and then removed so that kernels do not inherit it; a random one when
  none is given) must come with the request: ``?token=…`` in the address
  printed at start, after which Jupyter Server's login cookie carries it,
  or an ``Authorization: token …`` header. Pages, the API and the kernel
  websockets without it get 403 instead of Voilà's login form (no login
  form is served). Voilà's static files (its JavaScript and styles, the
  same for everyone) need only the Host check.

Run by :func:`toolkit.widgets.voila_command` as ``python -m
toolkit.voila_server``; it takes Voilà's options and ``voila.json``. This
module is imported by the server, not by kernels.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import os
import re
import secrets
import signal
from collections.abc import Iterable
from typing import Any

from tornado import web
from traitlets import Int, List, Unicode
from voila.app import Voila

__all__ = ["GuardedVoila", "host_allowed", "main"]

#: Names always allowed in the Host header besides loopback addresses.
LOCAL_NAMES = ("localhost",)

_HOST_PORT = re.compile(r"^(.*?)(:\d+)?$")

#: Largest upload a page takes, in MB (a file of a unit's export is read in
#: the page and sent to its kernel in one websocket message, encoded, so the
#: limit is set above the 100 MB promised in the README).
UPLOAD_LIMIT_MB = 250
MB = 1024 * 1024


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def host_allowed(host: str, names: Iterable[str] = ()) -> bool:
    """Whether a request's ``Host`` header names this machine's loopback or an allowed name.

    The port is ignored; names compare without case.

    >>> host_allowed("127.0.0.1:8866"), host_allowed("[::1]:8866"), host_allowed("localhost")
    (True, True, True)
    >>> host_allowed("evil.example:8866"), host_allowed("192.168.1.5:8866")
    (False, False)
    >>> host_allowed("Workshop-PC:8866", ["workshop-pc"])
    True
    >>> host_allowed("192.168.1.5:8866", ["192.168.1.5"])  # serve --room on that address
    True
    """
    match = _HOST_PORT.match(host.strip())
    name = match.group(1) if match else host
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    allowed = {n.lower() for n in (*LOCAL_NAMES, *names)}
    try:
        return ipaddress.ip_address(name).is_loopback or name.lower() in allowed
    except ValueError:
        return name.lower() in allowed


def _forbidden_page() -> str:
    from html import escape

    from toolkit.i18n import t

    texts = "".join(f"<p>{escape(t('widgets.serve_forbidden', lang))}</p>" for lang in ("sv", "en"))
    return f"<!doctype html><meta charset='utf-8'><title>403</title>{texts}"


_GUARDED: dict[type, type] = {}


def _guarded(handler: type, names: tuple[str, ...]) -> type:
    """``handler`` with the Host check first and 403 (not a login form) without the token."""
    key = (handler, names)
    if key in _GUARDED:
        return _GUARDED[key]  # type: ignore[index]

    class Guarded(handler):
        def prepare(self, *args: Any, **kwargs: Any) -> Any:
            if not host_allowed(self.request.host, names):
                raise web.HTTPError(403, "Host %s is not allowed", self.request.host)
            return super().prepare(*args, **kwargs)

        def get_login_url(self) -> str:
            # tornado's @authenticated sends a GET without a user to the login
            # form; there is none: the address printed at start has the token
            raise web.HTTPError(403, "no token")

        def write_error(self, status_code: int, **kwargs: Any) -> None:
            if status_code != 403 or isinstance(self, web.StaticFileHandler):
                super().write_error(status_code, **kwargs)
                return
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(_forbidden_page())

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{handler.__name__}"
    _GUARDED[key] = Guarded  # type: ignore[index]
    return Guarded


#: Voilà's and Jupyter Server's log lines that are no event for the person serving:
#: notebook trust (a JupyterLab notion; Voilà runs every notebook it serves),
#: where connection files and static files are, each kernel's start (the pools
#: say "is filled with"), and Voilà's own address line (ours has the token).
QUIET = (
    "is not trusted",
    "to store connection files",
    "Storing connection files in",
    "Serving static files from",
    "Kernel started:",
    "is running at:",
)


def _useful(record: logging.LogRecord) -> bool:
    """Whether a log line is worth a line in the terminal (not one of :data:`QUIET`)."""
    return not any(part in str(record.msg) for part in QUIET)


class GuardedVoila(Voila):
    """Voilà with a Host allow-list and a required token (see the module docstring)."""

    allow_hosts = List(
        Unicode(),
        default_value=[],
        config=True,
        help="host names (besides localhost and loopback addresses) the page may be opened by",
    )

    max_upload_mb = Int(
        UPLOAD_LIMIT_MB,
        config=True,
        help="largest upload in MB (the websocket message and HTTP buffer limits)",
    )

    def initialize(self, argv: Any = None) -> None:
        super().initialize(argv)
        # one line per useful event in the terminal
        self.log.addFilter(_useful)
        if hasattr(signal, "SIGHUP"):  # a closed terminal stops the server as SIGTERM does
            signal.signal(signal.SIGHUP, self._handle_signal_stop)
        # the token comes in the environment (a command line is visible to every
        # user of the machine); kernels get a copy of the environment, not of it
        token = os.environ.pop("JUPYTER_TOKEN", "")
        os.environ.pop("JUPYTER_TOKEN_FILE", None)
        if token:
            self.token = token
        elif not self.token:
            self.token = secrets.token_urlsafe(32)

    def init_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = super().init_settings()
        # Jupyter Server's own Host check (its handlers), the same rule as ours
        # (it knows no allowed IP address other than loopback: with one, as in
        # ``serve --room``, the check above is the only one)
        settings["allow_remote_access"] = any(_is_address(n) for n in self.allow_hosts)
        settings["local_hostnames"] = [*LOCAL_NAMES, *self.allow_hosts]
        # uploads (a year of visits from a large unit) come in one websocket
        # message; Tornado's default limit is 10 MB
        settings["websocket_max_message_size"] = self.max_upload_mb * MB
        return settings

    def listen(self) -> None:
        # the HTTP server's read buffer must hold the largest message too
        # (Tornado's default is 100 MB)
        size = self.max_upload_mb * MB
        self.app.listen = functools.partial(
            self.app.listen, max_buffer_size=size, max_body_size=size
        )
        super().listen()

    def init_handlers(self) -> list[Any]:
        from jupyter_server.auth.login import LoginFormHandler
        from jupyter_server.auth.logout import LogoutHandler

        names = tuple(self.allow_hosts)
        handlers = []
        for spec in super().init_handlers():
            pattern, handler, *rest = spec
            if issubclass(handler, LoginFormHandler | LogoutHandler):
                continue
            handlers.append((pattern, _guarded(handler, names), *rest))
        return handlers


def main() -> None:
    """Start the guarded Voilà server with the command line's options."""
    GuardedVoila.launch_instance()


if __name__ == "__main__":
    main()
