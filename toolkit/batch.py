"""Run a report notebook for every unit of a manifest, in parallel, to self-contained HTML.

:func:`run_batch` executes ``notebooks/reports/unit_report.ipynb`` once per
unit with papermill's Python API in worker processes, each keeping one
kernel for unit after unit (:mod:`toolkit.batch_kernel`; a new kernel per
unit with ``fresh_kernels=True``), and writes to ``out``:

* ``units/<unit id>.ipynb``: the executed notebook (only aggregated outputs);
* ``units/<unit id>.html``: the report as one HTML file with no code, no
  JavaScript and no reference to the network (charts are inline SVG), so it
  opens from a USB stick on a computer with no network;
* ``index.html``: a page linking every unit with its status and time;
* ``region_overview.html`` (and ``.ipynb``): :func:`run_region`.

Unit reports live in their own folder ``units/``, so no unit id (``index``,
``region_overview``) can overwrite the batch's own pages; ids are unique in
a manifest, so units cannot overwrite each other.

**Share mode cannot be weakened by a manifest**: with ``share=True`` a
unit's ``parameters`` may not turn ``share`` off or lower ``threshold``
(it may make them stricter); such a manifest is refused before anything
runs (:class:`toolkit.DataError` naming the unit and the field).

One unit's bad data does not stop the batch: its parameters are checked
against the notebook's (an unknown name or a wrong type fails that unit
before papermill could inject it), a missing data path fails it before a
kernel starts, and data that cannot be read becomes a readable message in
its page. :func:`run_region` executes ``region_overview.ipynb`` once for the
whole manifest.

Examples
--------
>>> check_parameters({"threshold": "5"}, {"threshold": {"inferred_type_name": "int"}}, lang="en")
["parameter threshold: the value '5' is a text, but the notebook expects a whole number (int)."]
"""

from __future__ import annotations

import datetime as dt
import html
import multiprocessing
import os
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.errors import DataError
from toolkit.i18n import check_language, t
from toolkit.manifest import UnitEntry, inside, read_manifest
from toolkit.resources import locate

__all__ = [
    "NOTEBOOKS",
    "REPORTS_DIR",
    "UNITS_DIR",
    "BatchResult",
    "UnitResult",
    "check_parameters",
    "notebook_parameters",
    "run_batch",
    "run_region",
]

#: Folder of the report notebooks (bundled in the wheel, or the repository's).
REPORTS_DIR = locate("notebooks") / "reports"
#: Report notebooks the batch can run per unit, and the whole-manifest one.
NOTEBOOKS: tuple[str, ...] = ("unit_report", "region_overview")
#: Subfolder of the output folder holding the unit reports.
UNITS_DIR = "units"
_TYPE_NAMES = {"str": str, "bool": bool, "int": int, "float": float}
#: The reports' page style. Nothing is wider than the page, from a laptop to a
#: projector at 150 % zoom: tables wrap their headers (anywhere when they must)
#: and their cells at spaces (the wide tables' headers, ``.bup-wide``, only
#: at the syllables toolkit.report._html.break_points marks), take a smaller font on a
#: narrow window and never exceed the page (``max-width``); charts shrink to it; no heading gets a "¶"
#: link; printed (or saved as PDF for slides), every section starts a landscape
#: page and no table or chart is split.
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:1000px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45;font-size:17px}
h1{font-size:1.6em}h2{font-size:1.3em;margin-top:1.6em;border-bottom:1px solid #ccc}
a.anchor-link,.jp-InternalAnchorLink{display:none}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em;max-width:100%}
th,td{border:1px solid #ccc;padding:.25em .45em;text-align:right;vertical-align:top}
th{background:#f2f2f2;overflow-wrap:anywhere;hyphens:auto}td{overflow-wrap:break-word}
.bup-wide th{overflow-wrap:normal}
@media (max-width:1100px){table{font-size:.8em}th,td{padding:.2em .3em}}
td:first-child,th:first-child{text-align:left}
td.hidden{color:#666;font-style:italic}.failed{color:#b00020}.ok{color:#1b5e20}
.bup-multiples{display:flex;flex-wrap:wrap;gap:8px}.bup-chart svg{max-width:100%;height:auto}
.jp-OutputArea-output,.jp-RenderedHTMLCommon{max-width:100%;overflow-x:visible}
pre{white-space:pre-wrap}
@page{size:A4 landscape;margin:1.2cm}
@media print{body{max-width:none}h2{break-before:page}table,.bup-chart{break-inside:avoid}}
"""


@dataclass(frozen=True)
class UnitResult:
    """What happened to one unit: status ``ok`` or ``failed``, seconds taken, files written."""

    id: str
    name: str
    status: str
    seconds: float
    html: Path
    notebook: Path | None = None
    message: str | None = None


@dataclass
class BatchResult:
    """All units' results, the index page and the output folder."""

    out: Path
    index: Path
    units: list[UnitResult] = field(default_factory=list)
    region: Path | None = None

    @property
    def failed(self) -> int:
        """Number of units that failed."""
        return sum(u.status != "ok" for u in self.units)

    def summary(self, lang: str = "sv") -> str:
        """One line: how many units, how many failed, where the index is."""
        return t(
            "batch.summary",
            lang,
            n=len(self.units),
            failed=self.failed,
            index=str(self.index),
        )


# --------------------------------------------------------------------------- parameters


def notebook_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The notebook's parameters as papermill infers them: name -> type name, default, help."""
    import papermill

    return dict(papermill.inspect_notebook(str(notebook)))


def check_parameters(
    given: Mapping[str, Any], declared: Mapping[str, Mapping[str, Any]], *, lang: str = "sv"
) -> list[str]:
    """Messages for parameters the notebook does not have or whose type differs (empty when fine).

    papermill injects any name and value without complaint, so a typo or a
    quoted number would silently be ignored or break a report; this check
    fails the unit instead, with a message naming the parameter.
    """
    lang = check_language(lang)
    problems = []
    for name, value in given.items():
        if name not in declared:
            problems.append(
                t("batch.unknown_parameter", lang, name=name, allowed=", ".join(sorted(declared)))
            )
            continue
        type_name = str(declared[name].get("inferred_type_name", "None"))
        expected = _TYPE_NAMES.get(type_name)
        if expected is None:
            continue
        ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            problems.append(
                t(
                    "batch.wrong_type",
                    lang,
                    name=name,
                    value=repr(value),
                    given=t(f"batch.type.{type(value).__name__}", lang)
                    if type(value).__name__ in _TYPE_NAMES
                    else type(value).__name__,
                    expected=t(f"batch.type.{type_name}", lang),
                    type=type_name,
                )
            )
    return problems


def _unit_parameters(
    entry: UnitEntry,
    declared: Mapping[str, Any],
    lang: str,
    share: bool,
    threshold: int,
    manifest_dir: Path | None = None,
    data_roots: tuple[Path, ...] = (),
) -> dict[str, Any]:
    """The parameters of one unit: the manifest's fields, then its own ``parameters``.

    Only the fields the notebook declares are passed; ``period_start`` (an
    extra key of the sample manifest) is passed when present, and so is
    ``pdsa_log`` (the unit's PDSA log, a path relative to the manifest's
    folder ``manifest_dir`` unless absolute). Dates become ISO text, since
    YAML reads them as dates. A PDSA log outside the manifest's folder and
    ``data_roots`` is refused like a data path (:func:`toolkit.manifest.inside`).
    """
    base: dict[str, Any] = {
        "unit_path": str(entry.path),
        "unit_name": entry.name,
        "lang": lang,
        "target_profile": entry.target_profile,
        "extract_date": entry.extract_date.isoformat() if entry.extract_date else "",
        "share": share,
        "threshold": threshold,
    }
    if "period_start" in entry.extra:
        base["period_start"] = entry.extra["period_start"]
    if entry.extra.get("pdsa_log"):
        log = Path(str(entry.extra["pdsa_log"])).expanduser()
        log = log if manifest_dir is None else manifest_dir / log
        if manifest_dir is not None and not inside(log, (manifest_dir, *data_roots)):
            raise DataError("manifest.outside_root", unit=entry.id, field="pdsa_log", lang=lang)
        base["pdsa_log"] = str(log.resolve())
    out = {k: v for k, v in base.items() if k in declared}
    out.update(entry.parameters)
    _check_share_kept(entry, out, share, threshold, lang)
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in out.items()}


def _check_share_kept(
    entry: UnitEntry, params: Mapping[str, Any], share: bool, threshold: int, lang: str
) -> None:
    """Refuse a unit whose own parameters weaken the command line's share mode.

    With ``share`` on, the unit's ``share`` must stay true and its
    ``threshold`` must be at least ``threshold`` (a stricter value is kept).
    """
    if not share:
        return
    for field_name, weaker in (
        ("share", params.get("share", True) is not True),
        (
            "threshold",
            not isinstance(params.get("threshold", threshold), int)
            or params.get("threshold", threshold) < threshold,
        ),
    ):
        if weaker:
            raise DataError(
                "manifest.share_weakened",
                id=entry.id,
                field=field_name,
                value=repr(params.get(field_name)),
                threshold=threshold,
                lang=lang,
            )


# --------------------------------------------------------------------------- pages


def _page(title: str, body: str, lang: str) -> str:
    """A whole HTML page with its style inline: no script, no link, nothing fetched."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def _error_page(name: str, message: str, lang: str) -> str:
    body = (
        f"<h1>{html.escape(t('report.unit_title', lang, name=name))}</h1>"
        f"<h2>{html.escape(t('report.error_heading', lang))}</h2>"
        f'<p class="failed">{html.escape(message)}</p>'
        f"<p>{html.escape(t('batch.version', lang, version=__version__))}</p>"
    )
    return _page(name, body, lang)


def notebook_html(notebook: Any, title: str, lang: str) -> str:
    """An executed notebook as a self-contained page: outputs only, no code, no prompts, no CDN."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_markdown=True,
        exclude_anchor_links=True,  # no "¶" after headings
    )
    body, _ = exporter.from_notebook_node(notebook)
    return _page(title, body, lang)


def _report_error(notebook: Any) -> str | None:
    """The error a report notebook displayed (``Report.show`` marks it), or None."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            marker = output.get("metadata", {}).get("bup-toolkit")
            if isinstance(marker, dict) and marker.get("error"):
                return str(marker["error"])
    return None


# --------------------------------------------------------------------------- running


def kernel_settings() -> dict[str, str]:
    """How the batch's kernels talk to it: encrypted on TCP, or not on TCP at all.

    A report kernel is local. When the ``python3`` kernelspec declares CurveZMQ
    support (ipykernel 7's own does), the kernel manager gives it keys that
    encrypt its TCP transport (``transport_encryption="auto"``). A kernelspec
    without that declaration (one installed for the user by an older
    ipykernel, say) would leave TCP in plain text, and ipykernel would print
    "Kernel is running over TCP without encryption" for every kernel: there,
    on POSIX, the kernel uses IPC sockets in Jupyter's runtime folder, which
    only the user can open, under a name of its own per call. (On Windows TCP
    stays and the kernel's warning is then true.)
    """
    import uuid

    import zmq
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from jupyter_core.paths import jupyter_runtime_dir
    from jupyter_core.utils import ensure_dir_exists

    try:
        declared = (
            KernelSpecManager().get_kernel_spec("python3").metadata.get("supported_encryption")
        )
    except NoSuchKernel:
        declared = None
    if isinstance(declared, str):
        declared = [declared]
    curve = zmq.has("curve") and "curve" in [str(x).strip().lower() for x in declared or ()]
    if curve:
        return {"transport_encryption": "auto"}
    if os.name != "posix":
        return {}
    runtime = jupyter_runtime_dir()
    ensure_dir_exists(runtime, mode=0o700)
    return {"transport": "ipc", "ip": os.path.join(runtime, f"bup-batch-{uuid.uuid4().hex[:12]}")}


def _execute(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    title: str,
    lang: str,
    kept_kernel: bool = False,
) -> tuple[str, str | None]:
    """Execute one notebook and write its HTML next to it; returns (status, message).

    ``kept_kernel``: run in this process's kept-alive kernel
    (:mod:`toolkit.batch_kernel`) instead of a new kernel.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    html_path = output.with_suffix(".html")
    # the kernel is local: encrypted, or on IPC sockets (kernel_settings)
    config = Config({"KernelManager": kernel_settings()})
    try:
        if kept_kernel:
            from toolkit import batch_kernel

            batch_kernel.execute(notebook, output, parameters, config)
        else:
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                kernel_name="python3",
                language="python",
                cwd=str(notebook.parent),
                progress_bar=False,
                log_output=False,
                config=config,
            )
    except PapermillExecutionError as err:
        message = t("batch.execution_failed", lang, error=f"{err.ename}: {err.evalue}")
        html_path.write_text(_error_page(title, message, lang), encoding="utf-8")
        return "failed", message
    executed = nbformat.read(str(output), as_version=4)
    html_path.write_text(notebook_html(executed, title, lang), encoding="utf-8")
    error = _report_error(executed)
    return ("failed", error) if error else ("ok", None)


def _run_unit(job: dict[str, Any]) -> UnitResult:
    """Worker: check, execute and export one unit (runs in a worker process)."""
    started = time.perf_counter()
    out = Path(job["out"])
    lang = job["lang"]
    html_path = out / UNITS_DIR / f"{job['id']}.html"
    nb_path = out / UNITS_DIR / f"{job['id']}.ipynb"
    problems = list(job["problems"])
    if not problems and not Path(job["data_path"]).exists():
        problems.append(
            DataError("io.path_not_found", file=str(job["data_path"]), lang=lang).message(lang)
        )
    if problems:
        message = " ".join(problems)
        html_path.write_text(_error_page(job["name"], message, lang), encoding="utf-8")
        status, nb_written = "failed", None
    else:
        try:
            status, message_or_none = _execute(
                Path(job["notebook"]),
                nb_path,
                job["parameters"],
                job["name"],
                lang,
                kept_kernel=not job.get("fresh_kernels", True),
            )
        except Exception as exc:  # a kernel that died, a disk that is full: one unit fails
            status, message_or_none = "failed", f"{type(exc).__name__}: {exc}"
            html_path.write_text(_error_page(job["name"], message_or_none, lang), encoding="utf-8")
        message = message_or_none or ""
        nb_written = nb_path if nb_path.exists() else None
    return UnitResult(
        id=job["id"],
        name=job["name"],
        status=status,
        seconds=time.perf_counter() - started,
        html=html_path,
        notebook=nb_written,
        message=message or None,
    )


def _relative(page: Path, out: Path) -> str:
    """The link from the index to ``page``: a relative URL with every part percent-encoded."""
    from urllib.parse import quote

    try:
        parts = page.resolve().relative_to(out.resolve()).parts
    except ValueError:
        parts = (page.name,)
    return "/".join(quote(p) for p in parts)


def _index_page(result: BatchResult, title: str, lang: str) -> str:
    rows = []
    for u in result.units:
        status = t(f"batch.status.{u.status}", lang)
        message = f"<br><small>{html.escape(u.message)}</small>" if u.message else ""
        rows.append(
            f'<tr><td><a href="{html.escape(_relative(u.html, result.out))}">'
            f"{html.escape(u.name)}</a></td>"
            f"<td>{html.escape(u.id)}</td>"
            f'<td class="{u.status}">{html.escape(status)}{message}</td>'
            f"<td>{u.seconds:.1f}</td></tr>"
        )
    region = (
        f'<p><a href="{html.escape(_relative(result.region, result.out))}">{html.escape(t("batch.region_link", lang))}</a></p>'
        if result.region is not None
        else ""
    )
    head = "".join(
        f"<th>{html.escape(t(f'batch.col.{c}', lang))}</th>"
        for c in ("unit", "id", "status", "seconds")
    )
    body = (
        f"<h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(result.summary(lang).split(';')[0])}</p>{region}"
        f'<table class="bup-table"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
        f"<p>{html.escape(t('batch.version', lang, version=__version__))}</p>"
    )
    return _page(title, body, lang)


def write_index(result: BatchResult, lang: str = "sv") -> Path:
    """(Re)write ``index.html`` of a batch."""
    result.index.write_text(
        _index_page(result, t("batch.index_title", lang), lang), encoding="utf-8"
    )
    return result.index


def run_batch(
    manifest: str | Path,
    *,
    out: str | Path = "output/reports",
    notebook: str = "unit_report",
    workers: int | None = None,
    share: bool = False,
    threshold: int = 5,
    lang: str | None = None,
    progress: bool = True,
    data_roots: tuple[str | Path, ...] = (),
    fresh_kernels: bool = False,
) -> BatchResult:
    """Run a report notebook for every unit of a manifest, in parallel worker processes.

    Parameters
    ----------
    manifest : str or Path
        The ``units.yaml`` (see :mod:`toolkit.manifest`).
    out : str or Path
        Output folder (created; git-ignored under ``output/``).
    notebook : str
        A notebook name in ``notebooks/reports`` (``unit_report``), or a path.
    workers : int, optional
        Worker processes; default the number of cores.
    share : bool
        Share mode: every count rounded to a multiple of 5 so that none can be
        worked out from the others, small ones shown as ``<threshold``
        (``docs/disclosure.md``); a unit's parameters cannot weaken it.
    threshold : int
        Share mode's smallest count shown.
    lang : {"sv", "en"}, optional
        Language of every report; default each unit's own (``language``).
    progress : bool
        Show a progress bar on standard error.
    data_roots : tuple of str or Path
        Folders besides the manifest's own that units' data may lie in
        (``--data-root``); any other data path is refused.
    fresh_kernels : bool
        Start a new kernel for every unit (slower). By default each worker
        keeps one kernel and runs unit after unit in it, cleaned between
        units (:mod:`toolkit.batch_kernel`); the reports are the same.

    Returns
    -------
    BatchResult
        Per unit its status, time and files; ``failed`` counts the failures.

    Raises
    ------
    DataError
        When the manifest itself cannot be read (no unit can run then), a
        data path leads outside the allowed folders, or a unit's parameters
        weaken ``share``/``threshold``.
    """
    from tqdm import tqdm

    out = Path(out).resolve()
    roots = tuple(Path(r).expanduser().resolve() for r in data_roots)
    entries = read_manifest(manifest, lang=lang, data_roots=roots)
    path = Path(notebook) if notebook.endswith(".ipynb") else REPORTS_DIR / f"{notebook}.ipynb"
    declared = notebook_parameters(path)
    jobs: list[dict[str, Any]] = []
    for entry in entries:
        unit_lang = check_language(lang or entry.language)
        params = _unit_parameters(
            entry, declared, unit_lang, share, threshold, Path(manifest).resolve().parent, roots
        )
        jobs.append(
            {
                "id": entry.id,
                "name": entry.name,
                "lang": unit_lang,
                "out": str(out),
                "notebook": str(path),
                "data_path": str(entry.path),
                "parameters": params,
                "problems": check_parameters(params, declared, lang=unit_lang),
                "fresh_kernels": fresh_kernels,
            }
        )
    (out / UNITS_DIR).mkdir(parents=True, exist_ok=True)
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    results: dict[str, UnitResult] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_run_unit, job) for job in jobs]
        bar = tqdm(
            total=len(jobs),
            desc=t("batch.progress", lang or "sv"),
            unit="unit",
            file=sys.stderr,
            disable=not progress,
        )
        for future in as_completed(futures):
            unit = future.result()
            results[unit.id] = unit
            bar.update(1)
        bar.close()
    result = BatchResult(out=out, index=out / "index.html", units=[results[j["id"]] for j in jobs])
    region = out / "region_overview.html"
    if region.exists():
        result.region = region
    write_index(result, lang or "sv")
    return result


def run_region(
    manifest: str | Path,
    *,
    out: str | Path = "output/reports",
    share: bool = False,
    threshold: int = 5,
    lang: str = "sv",
    data_roots: tuple[str | Path, ...] = (),
    who_by: str = "question",
    measure: str = "waiting_first",
) -> UnitResult:
    """Execute ``region_overview.ipynb`` for the whole manifest into ``out/region_overview.*``.

    ``data_roots`` as in :func:`run_batch`. ``who_by`` (the grouping of *Who
    waits, unit by unit*) and ``measure`` (of the SPC small multiples) are the
    notebook's parameters, as in :func:`toolkit.report.region_overview`, which
    checks them: a value not offered makes the page an error page naming it.
    """
    started = time.perf_counter()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    lang = check_language(lang)
    notebook = REPORTS_DIR / "region_overview.ipynb"
    output = out / "region_overview.ipynb"
    title = t("report.region_title", lang)
    params = {
        "manifest": str(Path(manifest).resolve()),
        "lang": lang,
        "share": share,
        "threshold": threshold,
        "data_roots": os.pathsep.join(str(Path(r).expanduser().resolve()) for r in data_roots),
        "who_by": who_by,
        "measure": measure,
    }
    status, message = _execute(notebook, output, params, title, lang)
    return UnitResult(
        id="region_overview",
        name=title,
        status=status,
        seconds=time.perf_counter() - started,
        html=output.with_suffix(".html"),
        notebook=output,
        message=message,
    )
