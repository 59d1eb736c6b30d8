"""Voilà workbooks in a real browser: speed, a workshop's load, and a kernel that dies.

Run: .venv/bin/python benchmarks/bench_workbooks.py [--quick] [--json PATH]

Starts Voilà with the project's own command (``toolkit.widgets.voila_command``,
pre-heated kernels, the offline template ``bup``) and drives Debian's
Chromium (``/usr/bin/chromium``) with Playwright. Three parts:

1. Speed, per workbook in ``notebooks/workbooks``:

   - *page open to interactive*, measured from navigation start
     (``performance.now()`` in the page) with a pre-heated kernel waiting:
     the main chart (``.tk-main-chart``) has drawn its ``svg``/``canvas``
     **and** a control change made as soon as it has drawn has been answered
     (the watched element changed). The milestones on the way are printed
     too: first byte of Voilà's page, page received, DOM ready, the app's
     frame (``.tk-app``) in the page, the chart drawn.
   - *control change to updated chart*: a control is moved (ArrowRight or
     ArrowLeft on a slider handle, the next option of a dropdown, the other
     button of a toggle); the time runs from the browser's input event to the
     last mutation of the chart's rendered DOM (a ``MutationObserver``
     installed in the page), once the DOM has been quiet for 150 ms. At least
     30 changes per workbook; p50/p95/max.

   Targets from the issue: interactive under 4 s, p95 of a change under 250 ms.

2. Load, a workshop: ``--contexts`` (10) browser contexts open the same
   workbook at once and each moves a control every 2-5 s for ``--duration``
   seconds (300; ``--quick``: 60). Counted: console errors, unanswered
   changes (no answer in 10 s), pages that failed to become interactive. The
   resident memory of Voilà and of its kernels is sampled every 2 s during
   the run and after the contexts close, until the idle kernels have been
   culled; then the workbook is opened once more to check that the server
   still answers. ``--workshop`` serves as ``python -m toolkit serve
   --workshop NAME`` does, with a pre-heated kernel for every context (and
   one to spare); without it every workbook has a pool of one, so nine of
   the ten pages wait for a kernel to start.

3. Kernel death: a workbook is opened, its kernel process (the ipykernel
   child of Voilà whose connection file names the page's kernel id) is killed
   with SIGKILL; the time until the page shows the ``.tk-lost`` banner is
   measured, then the page is reloaded and the time until it is interactive
   again.

The kernel culling of ``voila.json`` (idle 300 s, checked every 60 s) is kept
by default; ``--cull-idle``/``--cull-interval`` shorten it for the benchmark
(``--quick`` uses 20 s/10 s) and the summary says so.

Not a test: it prints figures (and saves them with ``--json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "notebooks" / "workbooks"
CHROMIUM = "/usr/bin/chromium"
# the same arguments as tests/conftest.py
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
CHART = ".tk-main-chart"
ANSWER_TIMEOUT_MS = 10_000
QUIET_MS = 150
#: how long a page may take to become interactive before it counts as failed (``--open-timeout``)
OPEN_TIMEOUT_MS = 60_000


# --------------------------------------------------------------------------- controls


@dataclass(frozen=True)
class Control:
    """One control of a workbook and the element whose change answers it.

    ``kind`` is ``slider`` (a ``.noUi-handle``, ArrowRight/ArrowLeft),
    ``select`` (the next option of a dropdown), ``toggle`` (the other button
    of a ToggleButtons) or ``button`` (a click); ``css`` is the control's class selector; ``watch`` the
    element that must change (the main chart unless said otherwise).
    ``avoid``: a dropdown whose chosen option this one must not take (the
    workbook refuses the same rule twice, and the refusal is no answer);
    ``setup``: a button clicked once on each page before the control is first
    moved (the PDSA log's measure belongs to a cycle: "new cycle" first);
    ``skip``: positions of options never chosen (the PDSA log's "no measure"
    draws the default measure, so choosing either is no change; positions,
    because ipywidgets gives each ``<option>`` its label as value);
    ``first_only``: moved once per page, as the change that shows the page is
    interactive, and not in the series of changes (a control that needs no
    ``setup`` where the others do).
    """

    kind: str
    css: str
    watch: str = CHART
    avoid: str | None = None
    setup: str | None = None
    skip: tuple[int, ...] = ()
    first_only: bool = False


#: Controls moved per workbook (a workbook not listed: its sliders and dropdowns, found in the page).
CONTROLS: dict[str, list[Control]] = {
    "styrdiagram": [
        Control("select", ".tk-chart-type"),
        Control("slider", ".tk-rebase"),
        Control("select", ".tk-measure"),
    ],
    # the time-use chart shows the shares of the study: the slider changes the table of
    # figures (watched), the language switch relabels the chart
    "vart_tar_tiden_vagen": [
        Control("slider", ".tk-freed", watch=".tk-time-figures"),
        Control("toggle", ".tk-lang"),
    ],
    # the reserved-time sliders act only on the rule "reserved times", not compared by default
    "prioriteringsregler": [
        Control("select", ".tk-rule-b", avoid=".tk-rule-a"),
        Control("slider", ".tk-capacity-first"),
        Control("slider", ".tk-demand"),
        Control("toggle", ".tk-horizon"),
    ],
    # an answer (the first question's other button) redraws the radar
    "pks_sjalvskattning": [Control("toggle", ".tk-answer")],
    "kvips_sjalvvardering": [Control("toggle", ".tk-answer")],
    # a coach's first act on the log is "new cycle", answered by the cycle's status (saved at);
    # the chart shows the SPC chart of the open cycle's measure: then measures of a new cycle
    # (options 0 and 1, "no measure" and the default measure, draw the same chart). Another
    # sample unit (its data loaded, about 1.4 s) is not the page's readiness.
    "pdsa_logg": [
        Control("button", ".tk-pdsa-new", watch=".tk-pdsa-status", first_only=True),
        Control("select", ".tk-pdsa-measure", setup=".tk-pdsa-new", skip=(0, 1)),
    ],
    # the chart is the region's synthesis, which no control changes: another dialogue visit
    # answers with its agenda
    "kvips_arshjul": [Control("select", ".tk-kvips-visit", watch=".tk-kvips-agenda")],
    # the chart shows slots to book against slots available, week by week
    "produktionsplan": [Control("slider", ".tk-group"), Control("slider", ".tk-target-first")],
    # the chart shows each group's interval: a grouping, a stage and the measure redraw it
    "vem_vantar": [
        Control("select", ".tk-who-grouping"),
        Control("toggle", ".tk-who-stage"),
        Control("toggle", ".tk-who-measure"),
    ],
}

#: Workbooks being written: measured once their notebook exists.
EXPECTED = [
    "styrdiagram",
    "vart_tar_tiden_vagen",
    "varfor_vaxer_koer",
    "behov_och_kapacitet",
    "prioriteringsregler",
]

# Installed in every page before its scripts run: milestones from navigation start,
# the time of the first input event after a reset, and per-selector mutation watches.
INIT_SCRIPT = """
(() => {
  const tk = window.__tk = {app: null, chart: null, t0: null, watches: {}, msgs: []};
  // arrival time and size of every message from the server (kernel messages included)
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const d = e.data;
        const n = d.byteLength !== undefined ? d.byteLength : (d.size !== undefined ? d.size : d.length);
        tk.msgs.push([performance.now(), n]);
        if (tk.msgs.length > 400) tk.msgs.shift();
      });
    }
  };
  const check = () => {
    if (tk.app === null && document.querySelector('.tk-app')) tk.app = performance.now();
    if (tk.chart === null &&
        document.querySelector('.tk-main-chart svg, .tk-main-chart canvas')) {
      tk.chart = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true});
  for (const type of ['keydown', 'change', 'click']) {
    document.addEventListener(type, () => { if (tk.t0 === null) tk.t0 = performance.now(); }, true);
  }
  tk.watch = (sel) => {
    if (tk.watches[sel]) return tk.watches[sel];
    const el = document.querySelector(sel);
    if (!el) return null;
    const st = {count: 0, first: null, last: null};
    new MutationObserver(() => {
      const now = performance.now();
      st.count += 1; st.last = now; if (st.first === null) st.first = now;
    }).observe(el, {subtree: true, childList: true, attributes: true, characterData: true});
    tk.watches[sel] = st;
    return st;
  };
})();
"""


# --------------------------------------------------------------------------- processes


#: The server's token (``serve`` requires one); pages send it in a header.
TOKEN = secrets.token_urlsafe(32)
AUTH = {"Authorization": f"token {TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_voila(
    log: Path,
    save_dir: Path,
    cull_idle: int | None,
    cull_interval: int | None,
    workshop: str | None = None,
    pages: int = 1,
) -> tuple[subprocess.Popen[Any], str]:
    """Voilà on a free port with the project's command (as tests/conftest.py starts it)."""
    from toolkit.widgets import voila_command, voila_env
    from toolkit.widgets.serving import CULL_IDLE_S, CULL_INTERVAL_S

    port = free_port()
    command = voila_command(
        port,
        folder=WORKBOOKS,
        cull_idle=CULL_IDLE_S if cull_idle is None else cull_idle,
        cull_interval=CULL_INTERVAL_S if cull_interval is None else cull_interval,
        workshop=workshop,
        pages=pages,
    )
    env = voila_env(token=TOKEN)
    env["BUP_TOOLKIT_SAVE_DIR"] = str(save_dir)
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"Voilà exited with code {process.returncode}:\n{tail}")
        try:
            request = urllib.request.Request(url, headers=AUTH)
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise RuntimeError(f"Voilà did not answer at {url}")


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


try:
    import psutil
except ImportError:  # pragma: no cover - /proc fallback
    psutil = None


def _proc_children(pid: int) -> list[int]:
    """Descendants of ``pid`` from /proc (when psutil is missing)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _rss_mb(pid: int) -> float:
    if psutil is not None:
        try:
            return float(psutil.Process(pid).memory_info().rss) / 2**20
        except psutil.Error:
            return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def kernels(voila_pid: int) -> dict[int, str]:
    """Kernel processes under Voilà: pid -> command line."""
    if psutil is not None:
        try:
            pids = [p.pid for p in psutil.Process(voila_pid).children(recursive=True)]
        except psutil.Error:
            pids = []
    else:
        pids = _proc_children(voila_pid)
    out = {}
    for pid in pids:
        cmd = _cmdline(pid)
        if "ipykernel" in cmd:
            out[pid] = cmd
    return out


def memory(voila_pid: int) -> dict[str, float]:
    """Resident memory (MB) of Voilà and of its kernels, and the number of kernels."""
    ks = kernels(voila_pid)
    return {
        "voila_mb": round(_rss_mb(voila_pid), 1),
        "kernels": len(ks),
        "kernels_mb": round(sum(_rss_mb(pid) for pid in ks), 1),
    }


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


async def wait_quiet(voila_pid: int, timeout_s: float = 120.0, seconds: float = 2.0) -> float:
    """Wait until Voilà and its kernels use under 10 % of a core for ``seconds`` in a row.

    That is when the pool has been refilled: the new kernel has run its
    notebook (pre-heated). Returns the seconds waited.
    """
    start = time.monotonic()
    calm = 0.0
    while time.monotonic() - start < timeout_s:
        pids = [voila_pid, *kernels(voila_pid)]
        before = _cpu_seconds(pids)
        await asyncio.sleep(0.5)
        used = _cpu_seconds(pids) - before
        calm = calm + 0.5 if used < 0.05 else 0.0
        if calm >= seconds:
            break
    return time.monotonic() - start


# --------------------------------------------------------------------------- page helpers


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``values``.

    >>> pct([1.0, 2.0, 3.0, 4.0], 50)
    2.0
    """
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 1),
        "p95": round(pct(values, 95), 1),
        "max": round(max(values), 1),
    }


@dataclass
class Book:
    """An open workbook page with its console errors."""

    context: Any
    page: Any
    errors: list[str] = field(default_factory=list)
    directions: dict[str, str] = field(default_factory=dict)
    option_index: dict[str, int] = field(default_factory=dict)
    #: per answered change: (input -> largest server message, that message -> last mutation) ms
    split: list[tuple[float | None, float | None]] = field(default_factory=list)
    prepared: set[str] = field(default_factory=set)


async def open_book(browser: Any, url: str, timeout_ms: int = 60_000) -> Book:
    context = await browser.new_context(
        viewport={"width": 1280, "height": 1500}, extra_http_headers=AUTH
    )
    await context.add_init_script(INIT_SCRIPT)
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    book = Book(context, page)
    page.on("console", lambda m: book.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: book.errors.append(str(e)))
    await page.goto(url, wait_until="commit")
    return book


async def wait_chart(book: Book, timeout_ms: int) -> float:
    """Milliseconds from navigation start until the main chart has drawn."""
    await book.page.wait_for_function(
        "() => window.__tk && window.__tk.chart !== null", timeout=timeout_ms, polling=50
    )
    return float(await book.page.evaluate("() => window.__tk.chart"))


async def discover(book: Book) -> list[Control]:
    """Controls of a workbook not in :data:`CONTROLS`: its sliders and dropdowns (tk-* classes)."""
    found = await book.page.evaluate(
        """() => {
          const out = [];
          for (const el of document.querySelectorAll('.tk-app .widget-slider, .tk-app .widget-dropdown')) {
            const cls = [...el.classList].find(c => c.startsWith('tk-') && c !== 'tk-unit');
            const off = el.offsetParent === null || el.querySelector('select[disabled], [disabled]');
            if (cls && !off) out.push([el.classList.contains('widget-slider') ? 'slider' : 'select', '.' + cls]);
          }
          return out;
        }"""
    )
    return [Control(kind, css) for kind, css in found]


async def act(book: Book, control: Control) -> bool:
    """Move ``control`` once; False when nothing could change (e.g. a one-option dropdown)."""
    page = book.page
    await page.evaluate("() => { window.__tk.t0 = null; }")
    if control.kind == "slider":
        handle = page.locator(f"{control.css} .noUi-handle").first
        readout = page.locator(f"{control.css} .widget-readout").first
        await handle.focus(timeout=5000)
        for _attempt in range(2):
            before = await readout.inner_text()
            await page.evaluate("() => { window.__tk.t0 = null; }")
            key = book.directions.setdefault(control.css, "ArrowRight")
            await handle.press(key, timeout=5000)
            if await readout.inner_text() != before:
                return True
            # at the end of the range: turn round
            book.directions[control.css] = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
        return False
    if control.kind == "select":
        select = page.locator(f"{control.css} select").first
        if control.setup and control.css not in book.prepared:
            await page.locator(f"{control.setup}").first.click(timeout=5000)
            await page.wait_for_function(
                "css => { const s = document.querySelector(css + ' select');"
                " return s && !s.disabled; }",
                arg=control.css,
                timeout=30_000,
            )
            await page.wait_for_timeout(1000)  # the cycle's first redraw is not a change
            book.prepared.add(control.css)
            await page.evaluate("() => { window.__tk.t0 = null; }")
        count = await select.locator("option").count()
        if count < 2:
            return False
        current = await select.evaluate("s => s.selectedIndex")
        taken = None
        if control.avoid:
            taken = await page.locator(f"{control.avoid} select").first.evaluate("s => s.value")
        values = await select.evaluate("s => Array.from(s.options, o => o.value)")
        step = 1
        while step < count and (
            values[(current + step) % count] == taken or (current + step) % count in control.skip
        ):
            step += 1
        await select.select_option(index=(current + step) % count, timeout=5000)
        return True
    if control.kind == "toggle":
        other = page.locator(f"{control.css} button:not(.mod-active)").first
        await other.click(timeout=5000)
        return True
    if control.kind == "button":
        await page.locator(f"button{control.css}, {control.css} button").first.click(timeout=5000)
        return True
    raise ValueError(control.kind)


async def change(book: Book, control: Control, timeout_ms: int = ANSWER_TIMEOUT_MS) -> float | None:
    """Move a control; milliseconds from the input event to the last change of the
    watched element (once quiet for QUIET_MS); None when no answer came."""
    page = book.page
    state = await page.evaluate(
        "sel => { const s = window.__tk.watch(sel); if (!s) return null;"
        " s.first = null; return s.count; }",
        control.watch,
    )
    if state is None:
        raise RuntimeError(f"{control.watch} is not in the page")
    try:
        if not await act(book, control):
            return None
    except Exception:  # a control that cannot be moved (hidden, disabled) gets no answer
        return None
    try:
        await page.wait_for_function(
            """([sel, n, quiet]) => { const s = window.__tk.watches[sel];
                 return s.count > n && performance.now() - s.last > quiet; }""",
            arg=[control.watch, state, QUIET_MS],
            timeout=timeout_ms,
            polling=20,
        )
    except Exception:
        return None
    t0, last, big = await page.evaluate(
        """sel => { const tk = window.__tk; const t0 = tk.t0;
             const after = tk.msgs.filter(m => t0 !== null && m[0] >= t0);
             const big = after.reduce((a, m) => (a === null || m[1] > a[1] ? m : a), null);
             return [t0, tk.watches[sel].last, big === null ? null : big[0]]; }""",
        control.watch,
    )
    if t0 is None:
        return None
    # the largest server message after the input: the kernel's new chart or figures
    book.split.append((float(big - t0), float(last - big)) if big is not None else (None, None))
    return float(last - t0)


async def open_interactive(
    browser: Any, url: str, controls: list[Control] | None, timeout_ms: int | None = None
) -> tuple[Book, dict[str, float | None]]:
    """Open a workbook; milestones (ms from navigation start) up to the first answered change."""
    timeout_ms = timeout_ms or OPEN_TIMEOUT_MS
    book = await open_book(browser, url, timeout_ms)
    chart = await wait_chart(book, timeout_ms)
    if controls is None:
        controls = await discover(book)
    answer_at: float | None = None
    if controls:
        latency = await change(book, controls[0], timeout_ms)
        if latency is not None:
            answer_at = float(
                await book.page.evaluate("sel => window.__tk.watches[sel].last", controls[0].watch)
            )
    nav = await book.page.evaluate(
        """() => { const n = performance.getEntriesByType('navigation')[0] || {};
             return {ttfb: n.responseStart, received: n.responseEnd,
                     dom_ready: n.domContentLoadedEventEnd, load: n.loadEventEnd,
                     app: window.__tk.app}; }"""
    )
    marks: dict[str, float | None] = {k: (round(float(v)) if v else None) for k, v in nav.items()}
    marks["chart"] = round(chart)
    marks["interactive"] = round(answer_at) if answer_at is not None else None
    return book, marks


def controls_for(name: str) -> list[Control] | None:
    return CONTROLS.get(name)


def series(controls: list[Control]) -> list[Control]:
    """The controls moved again and again (those not ``first_only``)."""
    return [c for c in controls if not c.first_only]


# --------------------------------------------------------------------------- parts


async def bench_speed(
    browser: Any, url: str, voila_pid: int, names: list[str], repeats: int, changes: int
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in names:
        page_url = f"{url}voila/render/{name}.ipynb"
        controls = controls_for(name)
        opens: list[dict[str, float | None]] = []
        book: Book | None = None
        for i in range(repeats):
            waited = await wait_quiet(voila_pid)
            if book is not None:
                await book.context.close()
            try:
                book, marks = await open_interactive(browser, page_url, controls)
            except Exception as exc:
                print(f"  {name}: open {i + 1} failed: {exc}", flush=True)
                marks = {"failed": 1}
                book = None
            marks["waited_for_pool_s"] = round(waited, 1)
            marks["load_average"] = round(os.getloadavg()[0], 1)
            opens.append(marks)
            print(f"  {name}: open {i + 1}: {marks}", flush=True)
        latencies: dict[str, list[float]] = {}
        unanswered = 0
        errors: list[str] = []
        if book is not None:
            used = series(controls if controls is not None else await discover(book))
            book.split.clear()
            done = 0
            attempts = 0
            while done < changes and attempts < 3 * changes and used:
                control = used[attempts % len(used)]
                attempts += 1
                ms = await change(book, control)
                if ms is None:
                    unanswered += 1
                    if unanswered >= 6 and unanswered > 2 * done:
                        print(
                            f"  {name}: its controls do not change the chart; stopped", flush=True
                        )
                        break
                    continue
                latencies.setdefault(f"{control.kind} {control.css}", []).append(ms)
                done += 1
            errors = list(book.errors)
            split = list(book.split)
            await book.context.close()
        else:
            split = []
        every = [x for xs in latencies.values() for x in xs]
        interactive = [float(x) for m in opens if (x := m.get("interactive")) is not None]
        results[name] = {
            "opens": opens,
            "interactive_ms": summary(interactive),
            "chart_ms": summary([float(x) for m in opens if (x := m.get("chart")) is not None]),
            "change_ms": summary(every),
            "change_ms_per_control": {k: summary(v) for k, v in latencies.items()},
            "unanswered": unanswered,
            # where a change's time goes: until the kernel's answer arrives, then drawing it
            "to_server_answer_ms": summary([a for a, _ in split if a is not None]),
            "answer_to_drawn_ms": summary([b for _, b in split if b is not None]),
            "console_errors": errors,
        }
        print(
            f"  {name}: interactive {results[name]['interactive_ms']}, "
            f"change {results[name]['change_ms']}, unanswered {unanswered}",
            flush=True,
        )
    return results


async def bench_death(browser: Any, url: str, voila_pid: int, name: str) -> dict[str, Any]:
    await wait_quiet(voila_pid)
    page_url = f"{url}voila/render/{name}.ipynb"
    controls = controls_for(name)
    book, _marks = await open_interactive(browser, page_url, controls)
    config = json.loads(await book.page.inner_text("#jupyter-config-data"))
    kernel_id = config["kernelId"]
    pid = next((p for p, cmd in kernels(voila_pid).items() if kernel_id in cmd), None)
    if pid is None:
        await book.context.close()
        return {"error": f"no kernel process for {kernel_id}"}
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    out: dict[str, Any] = {"workbook": name}
    try:
        await book.page.locator(".tk-lost").first.wait_for(state="visible", timeout=60_000)
        out["banner_s"] = round(time.monotonic() - killed, 1)
        out["banner_text"] = await book.page.locator(".tk-lost").first.inner_text()
    except Exception:
        out["banner_s"] = None
    await wait_quiet(voila_pid)
    start = time.monotonic()
    await book.page.reload(wait_until="commit")
    try:
        chart = await wait_chart(book, 60_000)
        answered = await change(book, (controls or await discover(book))[0], 60_000)
        out["reload_chart_ms"] = round(chart)
        out["reload_interactive_s"] = round(time.monotonic() - start, 1)
        out["reload_answered"] = answered is not None
        out["banner_after_reload"] = await book.page.locator(".tk-lost").first.is_visible()
    except Exception as exc:
        out["reload_error"] = str(exc)
    await book.context.close()
    return out


async def _participant(
    browser: Any,
    page_url: str,
    controls: list[Control] | None,
    deadline: float,
    open_timeout_ms: int,
    seed: int,
) -> dict[str, Any]:
    rng = random.Random(seed)
    out: dict[str, Any] = {"failed_load": False, "changes": 0, "unanswered": 0, "latencies": []}
    start = time.monotonic()
    try:
        book, marks = await open_interactive(browser, page_url, controls, open_timeout_ms)
    except Exception as exc:
        out["failed_load"] = True
        out["error"] = str(exc)[:200]
        return out
    out["open_s"] = round(time.monotonic() - start, 1)
    out["interactive_ms"] = marks.get("interactive")
    out["marks"] = marks
    used = series(controls if controls is not None else await discover(book))
    i = 0
    while time.monotonic() < deadline and used:
        await asyncio.sleep(rng.uniform(2.0, 5.0))
        if time.monotonic() >= deadline:
            break
        ms = await change(book, used[i % len(used)])
        i += 1
        out["changes"] += 1
        if ms is None:
            out["unanswered"] += 1
        else:
            out["latencies"].append(ms)
    out["console_errors"] = list(book.errors)
    out["lost_banner"] = await book.page.locator(".tk-lost").first.is_visible()
    await book.context.close()
    return out


async def bench_load(
    browser: Any,
    url: str,
    voila_pid: int,
    name: str,
    contexts: int,
    duration_s: float,
    cull_wait_s: float,
) -> dict[str, Any]:
    await wait_quiet(voila_pid)
    baseline = memory(voila_pid)
    print(f"  load: baseline {baseline}", flush=True)
    page_url = f"{url}voila/render/{name}.ipynb"
    samples: list[dict[str, float]] = []
    t_start = time.monotonic()
    deadline = t_start + duration_s
    running = True

    async def sampler() -> None:
        while running:
            sample = memory(voila_pid)
            sample["t"] = round(time.monotonic() - t_start, 1)
            samples.append(sample)
            await asyncio.sleep(2.0)

    sampling = asyncio.create_task(sampler())
    participants = await asyncio.gather(
        *(
            _participant(browser, page_url, controls_for(name), deadline, 180_000, seed)
            for seed in range(contexts)
        )
    )
    closed_at = round(time.monotonic() - t_start, 1)
    print(f"  load: contexts closed at {closed_at} s; waiting for culling", flush=True)
    peak = max(samples, key=lambda s: s["kernels_mb"]) if samples else {}
    # culling: kernels back to the pre-heated pool (the baseline's count)
    cull_deadline = time.monotonic() + cull_wait_s
    culled_after: float | None = None
    while time.monotonic() < cull_deadline:
        await asyncio.sleep(2.0)
        now = memory(voila_pid)
        if now["kernels"] <= baseline["kernels"]:
            culled_after = round(time.monotonic() - t_start - closed_at, 1)
            break
    running = False
    await sampling
    after = memory(voila_pid)
    # the server still answers: the workbook once more
    try:
        await wait_quiet(voila_pid, timeout_s=60)
        book, marks = await open_interactive(browser, page_url, controls_for(name))
        again: dict[str, Any] = {
            "interactive_ms": marks.get("interactive"),
            "errors": len(book.errors),
        }
        await book.context.close()
    except Exception as exc:
        again = {"error": str(exc)[:200]}
    latencies = [x for p in participants for x in p["latencies"]]
    errors = [e for p in participants for e in p.get("console_errors", [])]
    return {
        "workbook": name,
        "contexts": contexts,
        "duration_s": duration_s,
        "failed_loads": sum(p["failed_load"] for p in participants),
        "open_s": summary([p["open_s"] for p in participants if "open_s" in p]),
        "open_marks": [p["marks"] for p in participants if "marks" in p],
        "changes": sum(p["changes"] for p in participants),
        "unanswered": sum(p["unanswered"] for p in participants),
        "change_ms": summary(latencies),
        "console_errors": len(errors),
        "console_error_examples": sorted(set(errors))[:5],
        "lost_banners": sum(bool(p.get("lost_banner")) for p in participants),
        "memory_baseline": baseline,
        "memory_peak": peak,
        "memory_after_cull": after,
        "culled_after_close_s": culled_after,
        "memory_samples": samples,
        "server_answers_after": again,
        "participant_errors": [p["error"] for p in participants if "error" in p],
    }


# --------------------------------------------------------------------------- report


def _fmt(s: dict[str, Any]) -> str:
    if not s or s.get("n", 0) == 0:
        return "–"
    parts = [f"{s[k]:.0f}" for k in ("p50", "p95", "max") if k in s]
    return "/".join(parts) + f" (n={s['n']})"


def print_summary(result: dict[str, Any]) -> None:
    print("\n==== summary ====")
    print(result["conditions"])
    speed = result.get("speed", {})
    if speed:
        print("\nspeed (ms; open: median/max of repeats; change: p50/p95/max)")
        print(
            f"{'workbook':24} {'interactive med/max':>20} {'chart med':>10} {'change p50/p95/max':>26} {'unans.':>7}"
        )
        for name, r in speed.items():
            inter = r["interactive_ms"]
            i_text = f"{inter['p50']:.0f}/{inter['max']:.0f}" if inter.get("n") else "–"
            chart = r["chart_ms"]
            c_text = f"{chart['p50']:.0f}" if chart.get("n") else "–"
            print(
                f"{name:24} {i_text:>20} {c_text:>10} {_fmt(r['change_ms']):>26} {r['unanswered']:>7}"
            )
            for control, s in r["change_ms_per_control"].items():
                print(f"{'':26}{control:34} {_fmt(s)}")
            print(f"{'':26}{'input -> answer from the kernel':34} {_fmt(r['to_server_answer_ms'])}")
            print(f"{'':26}{'answer -> drawn':34} {_fmt(r['answer_to_drawn_ms'])}")
        print("  milestones of the first open (ms from navigation start):")
        for name, r in speed.items():
            first = r["opens"][0] if r["opens"] else {}
            print(f"    {name}: {first}")
    for name in result.get("skipped", []):
        print(f"skipped {name}: notebooks/workbooks/{name}.ipynb does not exist yet")
    death = result.get("death")
    if death and "error" in death:
        print(f"\nkernel death: failed: {death['error']}")
    elif death:
        print(
            f"\nkernel death ({death.get('workbook')}): banner after {death.get('banner_s')} s; "
            f"after reload chart at {death.get('reload_chart_ms')} ms, interactive after "
            f"{death.get('reload_interactive_s')} s, answered {death.get('reload_answered')}, "
            f"banner still shown {death.get('banner_after_reload')}"
        )
    load = result.get("load")
    if load and "error" in load:
        print(f"\nload: failed: {load['error']}")
    elif load:
        print(
            f"\nload: {load['contexts']} contexts on {load['workbook']} for {load['duration_s']} s: "
            f"failed loads {load['failed_loads']}, open s {_fmt(load['open_s'])}, "
            f"changes {load['changes']}, unanswered {load['unanswered']}, "
            f"change ms {_fmt(load['change_ms'])}, console errors {load['console_errors']}, "
            f"lost banners {load['lost_banners']}"
        )
        b, p, a = load["memory_baseline"], load["memory_peak"], load["memory_after_cull"]
        print(
            f"  memory MB (Voilà / kernels, count): before {b['voila_mb']:.0f} / "
            f"{b['kernels_mb']:.0f} ({b['kernels']}); peak {p.get('voila_mb', 0):.0f} / "
            f"{p.get('kernels_mb', 0):.0f} ({p.get('kernels')}); after culling "
            f"{a['voila_mb']:.0f} / {a['kernels_mb']:.0f} ({a['kernels']}); "
            f"culled {load['culled_after_close_s']} s after the contexts closed"
        )
        print(f"  server answers afterwards: {load['server_answers_after']}")
        for example in load["console_error_examples"]:
            print(f"  console error: {example[:160]}")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    from toolkit.widgets.serving import CULL_IDLE_S, CULL_INTERVAL_S

    names = [n for n in (args.workbooks or EXPECTED) if (WORKBOOKS / f"{n}.ipynb").exists()]
    skipped = [n for n in (args.workbooks or EXPECTED) if n not in names]
    extra = sorted(
        p.stem for p in WORKBOOKS.glob("*.ipynb") if p.stem not in EXPECTED and not args.workbooks
    )
    names += extra
    for name in skipped:
        print(f"skipped {name}: notebooks/workbooks/{name}.ipynb does not exist yet", flush=True)
    cull_idle = args.cull_idle if args.cull_idle is not None else (20 if args.quick else None)
    cull_interval = (
        args.cull_interval if args.cull_interval is not None else (10 if args.quick else None)
    )
    idle_s = cull_idle if cull_idle is not None else CULL_IDLE_S
    interval_s = cull_interval if cull_interval is not None else CULL_INTERVAL_S
    duration = args.duration if args.duration is not None else (60 if args.quick else 300)
    load_name = args.load_workbook or (names[0] if names else "styrdiagram")
    workshop = load_name if args.workshop else None
    pool = (
        f"workshop mode: {args.contexts + 1} pre-heated kernels for {load_name}, 1 for the others"
        if workshop
        else "pre-heated pool of 1 per notebook"
    )
    result: dict[str, Any] = {
        "conditions": (
            f"Voilà (project command, {pool}), Chromium {CHROMIUM}, "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
            f"culling idle {idle_s} s / interval {interval_s} s"
            + (
                " (shortened for the benchmark)"
                if (cull_idle, cull_interval) != (None, None)
                else ""
            )
        ),
        "skipped": skipped,
    }
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "voila.log"
        save = Path(tmp) / "saved"
        save.mkdir()
        process, url = start_voila(log, save, cull_idle, cull_interval, workshop, args.contexts + 1)
        print(f"Voilà at {url} (log {log})", flush=True)
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    if "speed" in args.parts:
                        print("speed:", flush=True)
                        result["speed"] = await bench_speed(
                            browser, url, process.pid, names, args.repeats, args.changes
                        )
                    if "death" in args.parts and names:
                        print("kernel death:", flush=True)
                        try:
                            result["death"] = await bench_death(
                                browser, url, process.pid, load_name
                            )
                        except Exception as exc:  # e.g. the page never became interactive
                            result["death"] = {"workbook": load_name, "error": str(exc)[:300]}
                        print(f"  {result['death']}", flush=True)
                    if "load" in args.parts and names:
                        print(f"load ({args.contexts} contexts, {duration} s):", flush=True)
                        try:
                            result["load"] = await bench_load(
                                browser,
                                url,
                                process.pid,
                                load_name,
                                args.contexts,
                                duration,
                                cull_wait_s=idle_s + 2 * interval_s + 60,
                            )
                        except Exception as exc:
                            result["load"] = {"workbook": load_name, "error": str(exc)[:300]}
                finally:
                    await browser.close()
        finally:
            result["voila_log_tail"] = log.read_text(errors="replace")[-3000:]
            stop(process)
    result["load_average_end"] = round(os.getloadavg()[0], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="load for 60 s, culling 20 s/10 s")
    parser.add_argument("--repeats", type=int, default=5, help="page opens per workbook")
    parser.add_argument("--changes", type=int, default=30, help="control changes per workbook")
    parser.add_argument(
        "--contexts", type=int, default=10, help="browser contexts in the load part"
    )
    parser.add_argument("--duration", type=float, default=None, help="load seconds (300; quick 60)")
    parser.add_argument("--load-workbook", default=None, help="workbook for load and kernel death")
    parser.add_argument(
        "--workshop",
        action="store_true",
        help="serve as `toolkit serve --workshop` does: a kernel pre-heated for every context",
    )
    parser.add_argument("--workbooks", nargs="*", default=None, help="names (default: all)")
    parser.add_argument(
        "--parts", nargs="*", default=["speed", "death", "load"], choices=["speed", "death", "load"]
    )
    parser.add_argument("--cull-idle", type=int, default=None, help="cull_idle_timeout (s)")
    parser.add_argument("--cull-interval", type=int, default=None, help="cull_interval (s)")
    parser.add_argument(
        "--open-timeout", type=float, default=60, help="seconds before a page open counts as failed"
    )
    parser.add_argument("--json", type=Path, default=None, help="save the figures here")
    args = parser.parse_args()
    global OPEN_TIMEOUT_MS
    OPEN_TIMEOUT_MS = int(args.open_timeout * 1000)
    if not os.path.exists(CHROMIUM):
        sys.exit(f"{CHROMIUM} is missing: sh scripts/install_chromium.sh")
    result = asyncio.run(run(args))
    print_summary(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
        print(f"\nfigures saved to {args.json}")


if __name__ == "__main__":
    main()
