"""The unit report's section *Waits per stage* over the now window."""

from __future__ import annotations

from toolkit import unit_now
from toolkit.i18n import t
from toolkit.report._figures import _STAGES, UnitFigures
from toolkit.report._format import _num, _pct
from toolkit.report._html import Section, html_table

__all__ = ["waits_section"]


def waits_section(f: UnitFigures) -> Section:
    """Completed waits, share within target, the number waiting and the oldest wait, per stage."""
    lang, now, stage_labels = f.lang, f.now, f.stage_labels
    waits_section = Section("waits", t("report.h.waits", lang))
    waits_kind = f.unit.kind
    within = f.unit.period_counts.get("completed_within_target")
    if waits_kind == "counts" and within is not None and bool(within.notna().any()):
        waits_kind = "counts_within"  # the counts give the share within target (national)
    waits_section.text(
        t(f"report.waits_text.{waits_kind}", lang, window=unit_now.window_text(now.window, lang))
    )
    shown = f.waits.copy()
    shown["stage"] = [stage_labels[str(s)] for s in shown["stage"]]
    wait_cols = list(shown.columns)
    for stage in _STAGES:
        for note in now.problems.get(stage, ()):
            if note == t("now.no_completions", lang):
                waits_section.text(f"{stage_labels[stage]}: {note}")
    if not now.ok:
        waits_section.text(now.problems["unit"][0])
        return waits_section
    waits_section.html(
        "table",
        html_table(
            shown,
            labels={c: t(f"report.col.{c}", lang) for c in wait_cols},
            wide=True,
            formats={
                "share_within_target": lambda v: _pct(v, lang),
                "target_share": lambda v: _pct(v, lang),
                "median_wait_days": lambda v: _num(v, lang),
                "mean_wait_days": lambda v: _num(v, lang),
                "p90_wait_days": lambda v: _num(v, lang),
                "oldest_waiting_days": lambda v: _num(v, lang),
            },
            counts=["completed", "waiting_now"],
            depends={
                "mean_wait_days": "completed",
                "median_wait_days": "completed",
                "p90_wait_days": "completed",
                "share_within_target": "completed",
                "oldest_waiting_days": "waiting_now",
            },
            **f.opts,
        ),
    )
    return waits_section
