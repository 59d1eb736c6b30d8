"""Saving at once from several processes: PDSA cycles and PKS answers (issue 14).

Each process stands for a workbook page (a kernel of its own) saving to the
same file as fast as it can: ``--pages`` processes each add ``--cycles``
PDSA cycles with a text field (:func:`toolkit.pdsa.add_cycle`,
:func:`toolkit.pdsa.save_change`) and answer every PKS question of one
respondent (:func:`toolkit.autosave.save_answer`). Reports the time per save
(wall clock over all saves) and how many cycles and answers the files keep
(all of them must be kept).

Run::

    .venv/bin/python benchmarks/bench_saving.py
    .venv/bin/python benchmarks/bench_saving.py --pages 4 --cycles 50
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from typing import Any


def _pdsa_page(folder: str, page: int, cycles: int, start: Any) -> None:
    from toolkit import pdsa

    path = pdsa.log_path("BUP Öst", folder)
    start.wait()
    for k in range(cycles):
        _log, cycle_id = pdsa.add_cycle(path, unit="BUP Öst")
        pdsa.save_change(path, cycle_id, aim=f"page {page} cycle {k}")


def _pks_page(folder: str, respondent: str, start: Any) -> None:
    from toolkit import autosave
    from toolkit.selfassess import load_questionnaire

    q = load_questionnaire("pks")
    start.wait()
    for i, question in enumerate(q.questions_for(respondent)):
        autosave.save_answer(
            q, "BUP Öst", "2025", respondent, question.id, 1 + i % 5, folder=folder
        )


def _run(target: Any, args: list[tuple[Any, ...]]) -> float:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(args) + 1)
    workers = [ctx.Process(target=target, args=(*a, start)) for a in args]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    if any(w.exitcode != 0 for w in workers):
        raise RuntimeError("a page failed")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--cycles", type=int, default=30)
    args = parser.parse_args()
    from toolkit import autosave, pdsa
    from toolkit.selfassess import answers_from_records, load_questionnaire

    q = load_questionnaire("pks")
    levels = [r.id for r in q.respondents][: args.pages]
    with tempfile.TemporaryDirectory() as folder:
        pdsa_s = _run(_pdsa_page, [(folder, p, args.cycles) for p in range(args.pages)])
        kept = len(pdsa.read_log(pdsa.log_path("BUP Öst", folder)))
        pks_s = _run(_pks_page, [(folder, level) for level in levels])
        record = autosave.load_session(
            autosave.session_path(f"{q.id}-v{q.version}", "BUP Öst", "2025", folder=folder)
        )
        answers = len(answers_from_records(record["answers"], q))
    asked = sum(len(q.questions_for(level)) for level in levels)
    pdsa_saves = 2 * args.pages * args.cycles
    print(
        json.dumps(
            {
                "pages": args.pages,
                "pdsa_cycles_added": args.pages * args.cycles,
                "pdsa_cycles_kept": kept,
                "pdsa_ms_per_save": round(1000 * pdsa_s / pdsa_saves, 2),
                "pks_answers_given": asked,
                "pks_answers_kept": answers,
                "pks_ms_per_save": round(1000 * pks_s / asked, 2),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
