"""What a workbook kernel does first: a faster start, offline charts.

Imported by :mod:`toolkit.widgets` before anything imports Altair. Two costs
of every kernel start are avoided here; ``import toolkit.widgets`` took 7.0 s
before and 2.2 s after on a 2-core machine (``/usr/bin/time python -c
"import toolkit.widgets"``, the second run; ``python -X importtime`` shows
the parts):

- jsonschema compiles a Lark grammar for the RFC 3987 ``iri`` format when
  ``rfc3987_syntax`` is installed (2.7 s); Altair never uses that format;
- :meth:`altair.JupyterChart.enable_offline` bundles Vega's JavaScript with
  vl-convert in every kernel (2.3 s); the bundle depends only on the
  versions, so it is cached on disk.

And one cost of every control change: Altair validates each chart object
against the Vega-Lite schema as it is built ("debug mode"), then the whole
specification again when the chart is sent. :func:`fast_charts` turns the
first off in workbook kernels (10-15 % of a change in the SPC workbook);
the specification is still validated when sent, and the tests validate
every chart the toolkit draws.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["chart_bundle_path", "enable_offline_charts", "fast_charts", "skip_iri_grammar"]


def skip_iri_grammar() -> None:
    """Import :mod:`jsonschema` without its RFC 3987 ``iri`` format checker.

    jsonschema builds that checker, when the optional ``rfc3987_syntax`` is
    installed (Jupyter Server's dependencies bring it), by compiling a Lark
    grammar at import: 1.7 s of every kernel start on an idle 2-core machine,
    3-5 s on a busy one. Altair validates chart specifications with jsonschema
    but never uses the ``iri`` format. Call this before Altair is first
    imported in a kernel; afterwards ``rfc3987_syntax`` imports normally for
    anyone else. Does nothing when jsonschema is already imported.

    >>> skip_iri_grammar()
    >>> import jsonschema
    >>> "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None
    False
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]


def chart_bundle_path(cache_dir: str | Path | None = None) -> Path:
    """Where the offline JavaScript of :class:`altair.JupyterChart` is cached.

    One file per Altair, vl-convert and Vega-Lite version, under
    ``$XDG_CACHE_HOME/bup-toolkit`` (``~/.cache/bup-toolkit``) unless
    ``cache_dir`` is given.

    >>> chart_bundle_path("/tmp/c").name.startswith("jupyterchart-altair")
    True
    """
    from importlib.metadata import version

    from altair.utils._importers import vl_version_for_vl_convert

    if cache_dir is None:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        cache_dir = Path(base) / "bup-toolkit"
    name = (
        f"jupyterchart-altair{version('altair')}-vlc{version('vl-convert-python')}"
        f"-vl{vl_version_for_vl_convert()}.js"
    )
    return Path(cache_dir) / name


def enable_offline_charts(cache_dir: str | Path | None = None) -> bool:
    """:meth:`altair.JupyterChart.enable_offline`, with its bundle cached on disk.

    ``enable_offline`` bundles Vega, Vega-Lite and vega-embed with vl-convert
    (about 0.9 MB of JavaScript) in every kernel: 2-4 s of each kernel start.
    The bundle depends only on the versions, so the first kernel writes it to
    :func:`chart_bundle_path` and the next ones read it. Any problem with the
    cache (read-only home, a missing private attribute in another Altair)
    falls back to ``enable_offline`` itself. Returns whether the cache was
    used.
    """
    import altair as alt

    chart_class: Any = alt.JupyterChart
    if getattr(chart_class, "_is_offline", False):
        return False
    try:
        path = chart_bundle_path(cache_dir)
        bundle = path.read_text(encoding="utf-8") if path.is_file() else ""
    except (OSError, ValueError, ImportError):
        path, bundle = None, ""
    if bundle and hasattr(chart_class, "_esm"):
        chart_class._esm = bundle
        chart_class._is_offline = True
        return True
    chart_class.enable_offline()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(chart_class._esm, encoding="utf-8")
            partial.replace(path)  # atomic: a kernel never reads half a bundle
        except OSError:
            pass
    return False


def fast_charts() -> None:
    """Build Altair charts without validating each part as it is made (see the module's notes)."""
    from altair.utils import schemapi

    schemapi.disable_debug_mode()


skip_iri_grammar()
