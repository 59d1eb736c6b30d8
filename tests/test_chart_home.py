"""Every chart is built in toolkit/charts/ (docs/architecture.md, "Charts in one home").

A scan of the syntax tree of every module under toolkit/ outside
toolkit/charts/ for the ways a chart is built: a call of an Altair chart
maker (``alt.Chart(...)``, ``alt.layer(...)``, ``alt.vconcat(...)``, ...,
whatever name altair or the maker is imported as) and a Vega-Lite
specification written by hand (a ``"$schema"`` key or a Vega-Lite schema
address). Showing a chart that toolkit.charts built (``alt.JupyterChart``,
rendering to SVG/PNG, a projector's font sizes) is not building one.
"""

from __future__ import annotations

import ast
from pathlib import Path

TOOLKIT = Path(__file__).resolve().parents[1] / "toolkit"

#: The Altair functions and classes that make a chart.
MAKERS = frozenset(
    {
        "Chart",
        "layer",
        "vconcat",
        "hconcat",
        "concat",
        "repeat",
        "LayerChart",
        "VConcatChart",
        "HConcatChart",
        "ConcatChart",
        "FacetChart",
        "RepeatChart",
        "TopLevelUnitSpec",
        "TopLevelLayerSpec",
    }
)

#: Modules outside toolkit/charts/ allowed to build a chart, each with its reason.
EXCEPTIONS: dict[str, str] = {}


def chart_builds(source: str) -> list[str]:
    """Where ``source`` builds a chart: ``line N: what``, one per place."""
    tree = ast.parse(source)
    modules: set[str] = set()  # names altair is imported as
    makers: set[str] = set()  # names a maker is imported as
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "altair"}
        elif isinstance(node, ast.ImportFrom) and node.module == "altair":
            makers |= {a.asname or a.name for a in node.names if a.name in MAKERS}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in modules
                and func.attr in MAKERS
            ):
                found.append(f"line {node.lineno}: {func.value.id}.{func.attr}(")
            elif isinstance(func, ast.Name) and func.id in makers:
                found.append(f"line {node.lineno}: {func.id}(")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (node.value == "$schema" or "schema/vega-lite" in node.value)
        ):
            found.append(f"line {node.lineno}: Vega-Lite specification ({node.value[:40]!r})")
    return found


def test_no_module_outside_toolkit_charts_builds_a_chart() -> None:
    builds = {}
    for path in sorted(TOOLKIT.rglob("*.py")):
        name = path.relative_to(TOOLKIT).as_posix()
        if name.startswith("charts/") or name in EXCEPTIONS:
            continue
        found = chart_builds(path.read_text("utf-8"))
        if found:
            builds[name] = found
    assert builds == {}, "build these charts in toolkit/charts/ and call them from there"


def test_the_scan_finds_each_way_of_building_a_chart() -> None:
    source = """
import altair as alt
import altair as A
from altair import Chart as C, JupyterChart

a = alt.Chart(df).mark_line()
b = A.layer(a, a)
c = C(df)
d = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json"}
e = alt.vconcat(a, b)
shown = JupyterChart(a)
also_shown = alt.JupyterChart(a)
"""
    found = chart_builds(source)
    assert [f.split(":")[0] for f in found].count("line 6") == 1
    assert any(f.startswith("line 7: A.layer(") for f in found)
    assert any(f.startswith("line 8: C(") for f in found)
    assert sum(f.startswith("line 9:") for f in found) == 2
    assert any(f.startswith("line 10: alt.vconcat(") for f in found)
    assert not any(f.startswith(("line 11", "line 12")) for f in found)


def test_every_exception_gives_its_reason() -> None:
    assert all(len(reason) > 20 for reason in EXCEPTIONS.values())
