"""Every notebook of the repository runs as committed, once per test run.

A report, a lesson or a workbook opened in JupyterLab runs with its default
parameters in a kernel started in its folder. Each notebook is executed once
for that by papermill (:func:`tests.notebook_runs.execute`, which fails when
a code cell did not run or left an error, what ``pytest --nbval-lax`` checked
before in a second execution):

* workbooks: ``tests/test_workbook_notebooks.py``;
* lessons: the Swedish run of ``tests/test_lessons_1_3.py`` and
  ``tests/test_lessons_4_6.py`` (Swedish is the default; nothing injected);
* reports: here, checked for their own error heading too.

The first test fails when a notebook is added that none of them executes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebook_runs import ROOT, committed_notebooks, execute
from toolkit.i18n import t

REPORTS = sorted((ROOT / "notebooks" / "reports").glob("*.ipynb"))
#: A heading each report shows when it ran as committed (Swedish, the default; the unit's
#: name is the notebook's default ``unit_name``).
HEADINGS = {
    "capacity_plan": t("report.plan.h.simulated", "sv"),
    "region_overview": t("report.region_title", "sv"),
    "unit_report": t("report.unit_title", "sv", name="BUP Exempelstad (syntetisk)"),
}


def test_every_notebook_is_executed_as_committed_by_a_test() -> None:
    from tests import test_lessons_1_3, test_lessons_4_6, test_workbook_notebooks

    executed = {
        *test_workbook_notebooks.WORKBOOKS,
        *test_lessons_1_3.NOTEBOOKS.values(),
        *test_lessons_4_6.NOTEBOOKS.values(),
        *REPORTS,
    }
    notebooks = committed_notebooks()
    assert {p.parent.name for p in notebooks} == {"reports", "lessons", "workbooks"}
    missing = [str(p.relative_to(ROOT)) for p in notebooks if p not in executed]
    assert not missing, f"no test executes {missing}: add them to a test that calls execute()"
    assert set(HEADINGS) == {p.stem for p in REPORTS}


@pytest.mark.slow
@pytest.mark.parametrize("path", REPORTS, ids=[p.stem for p in REPORTS])
def test_report_runs_as_committed(path: Path, tmp_path: Path) -> None:
    book = execute(path, tmp_path / path.name)
    text = "\n".join(
        str(value)
        for cell in book.cells
        for output in cell.get("outputs", [])
        for value in output.get("data", {}).values()
    )
    assert HEADINGS[path.stem] in text
    assert t("report.error_heading", "sv") not in text
