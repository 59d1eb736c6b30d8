"""The region overview's section *Who waits, unit by unit*: each unit's groups against a funnel.

For one grouping of :mod:`toolkit.equity` (referral question by default;
sex, age band or need class), per stage, group and unit: the waits
completed in the unit's window and the share of them within target with
its 95 % Wilson interval. These are the unit report's own figures: both
call :func:`toolkit.report.who.who_waits_table` with the same window,
targets and share mode, and format them the same way, so a cell here reads
as the same cell of the unit's report.

Units are compared within a group by a funnel plot
(:func:`toolkit.national.funnel_table`, Spiegelhalter 2005), not ranked:
the centre is the units' pooled share :math:`\\bar p = \\sum x_i / \\sum n_i`
and the limits at volume :math:`n` are
:math:`\\bar p \\pm z \\sqrt{\\bar p (1 - \\bar p) / n}` with
:math:`z` = 1.96 (95 %) and 3.09 (99.8 %). A unit outside the 99.8 %
limits differs from the region's other units by more than chance would
make likely; inside them, differences may be chance.

Share mode: counts are rounded to a multiple of 5 and a group resting on
fewer than ``threshold`` completed waits shows no share (its cells read
``<threshold``), as in the unit report. Such a group is left out of the
funnel, and the funnel is computed from the numbers shown only (rounded
counts, shares shown), so it reveals nothing the table does not.

References
----------
Spiegelhalter DJ (2005). Funnel plots for comparing institutional
performance. Statistics in Medicine 24(8):1185–1202.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from toolkit import equity, flow, national
from toolkit.i18n import t
from toolkit.io import UnitData
from toolkit.report import _html
from toolkit.report._format import _pct
from toolkit.report._html import Section, html_table
from toolkit.report.who import who_waits_shown, who_waits_table
from toolkit.targets import TargetProfile

__all__ = ["DEFAULT_GROUPING", "group_funnel", "region_who_section", "unit_who"]

#: The grouping the region overview compares units by unless told otherwise.
DEFAULT_GROUPING = "question"


def unit_who(
    unit: UnitData,
    profile: TargetProfile,
    period_start: Any,
    window_weeks: int,
    *,
    by: str,
    share: bool,
    threshold: int,
    lang: str,
) -> pd.DataFrame | None:
    """One unit's who-waits table for grouping ``by``, as its unit report computes it.

    None for a unit with counts per period only (no referrals to group).
    """
    if unit.kind != "events":
        return None
    return who_waits_table(
        unit,
        profile,
        period_start,
        window_weeks,
        share=share,
        threshold=threshold,
        lang=lang,
        groupings=(by,),
    )


def group_funnel(rows: pd.DataFrame, stage: str, *, share: bool, lang: str) -> pd.DataFrame:
    """The funnel of one group and stage: each unit's share against the units' pooled share.

    Parameters
    ----------
    rows : pandas.DataFrame
        One row per unit: ``unit_id``, ``completed``, ``share_within_target``
        and ``hidden`` (as :func:`unit_who` gives them).
    stage : str
        The stage (passed on to :func:`toolkit.national.funnel_table`).
    share : bool
        Share mode: the counts are already rounded; the number within target
        is then the shown share times the shown count, so the centre and
        the limits rest on shown numbers only.

    Returns
    -------
    pandas.DataFrame
        :func:`toolkit.national.funnel_table` with ``unit`` the unit's id;
        units hidden or without completed waits are left out.
    """
    shown = rows[~rows["hidden"].astype(bool) & (rows["completed"] > 0)]
    n = shown["completed"].to_numpy(dtype=float)
    p = shown["share_within_target"].to_numpy(dtype=float)
    within = p * n if share else np.rint(p * n)
    frame = pd.DataFrame(
        {
            "unit": shown["unit_id"].astype(str).to_numpy(),
            "stage": stage,
            "month": pd.NaT,
            "completed": n,
            "completed_within_target": within,
            "waiting": 0,
            "waiting_within_target": 0,
        }
    )
    return national.funnel_table(frame, stage=stage, measure="completed")


def _group_order(by: str, groups: Sequence[str]) -> list[str]:
    """The groups of all units in the grouping's natural order (as each unit report orders them)."""
    return equity._order(by, sorted(set(groups)))


def region_who_section(
    units: Sequence[tuple[str, str, pd.DataFrame | None]],
    by: str,
    *,
    charts: bool,
    share: bool,
    threshold: int,
    lang: str,
) -> tuple[Section, dict[str, Any]]:
    """The section, and its numbers (per stage and group: centre, each unit's share and signal).

    ``units`` holds, in the manifest's order, each unit's id, name and
    :func:`unit_who` table (None for a unit with counts only; units that
    failed are not passed).
    """
    grouping = t(f"equity.grouping.{by}", lang)
    section = Section("who", t("region_who.h", lang, grouping=grouping))
    section.text(t("region_who.intro", lang, grouping=grouping))
    if share:
        section.text(t("region_who.hidden", lang, threshold=threshold))
    without = [name for _, name, table in units if table is None]
    if without:
        section.text(t("region_who.counts_only", lang, units=", ".join(without)))
    parts = []
    for unit_id, name, table in units:
        if table is not None and not table.empty:
            part = table.assign(unit_id=unit_id, unit_name=name)
            parts.append(part)
    numbers: dict[str, Any] = {"by": by}
    if not parts:
        section.text(t("region_who.none", lang))
        return section, numbers
    long = pd.concat(parts, ignore_index=True)
    order = _group_order(by, list(long["group"]))
    for stage in flow.FLOW_STAGES:
        stage_rows = long[long["stage"] == stage]
        if stage_rows.empty:
            continue
        stage_name = t(f"flow.stage.{stage}", lang)
        section.text(f"**{stage_name[:1].upper()}{stage_name[1:]}**")
        shown_rows, multiples, lonely = [], [], []
        numbers[stage] = {}
        for group in order:
            rows = stage_rows[stage_rows["group"] == group]
            if rows.empty:
                continue
            label = str(rows["group_label"].iloc[0])
            funnel = group_funnel(rows, stage, share=share, lang=lang)
            signal = dict(zip(funnel["unit"], funnel["signal"], strict=True))
            centre = float(funnel.attrs["centre"]) if not funnel.empty else math.nan
            numbers[stage][group] = {
                "centre": centre,
                "share": dict(zip(funnel["unit"], funnel["share"], strict=True)),
                "signal": signal,
            }
            shown_rows.append(_rows_shown(rows, label, signal, lang))
            if len(funnel) < 2:
                lonely.append(label)
            elif charts:
                multiples.append(_funnel_svg(funnel, rows, label, stage_name, centre, lang))
        section.html(
            "table", _table(pd.concat(shown_rows, ignore_index=True), share, threshold, lang)
        )
        if lonely:
            section.text(t("region_who.lonely", lang, groups=", ".join(lonely)))
        if multiples:
            section.html("svg", '<div class="bup-multiples">' + "".join(multiples) + "</div>")
    return section, numbers


def _rows_shown(rows: pd.DataFrame, label: str, signal: dict[str, str], lang: str) -> pd.DataFrame:
    """A group's rows as the table shows them (unit order as in the manifest).

    The share and its interval are written by the unit report's own
    :func:`toolkit.report.who.who_waits_shown`, so the cell reads the same.
    """
    shown = who_waits_shown(rows.reset_index(drop=True), lang)
    return pd.DataFrame(
        {
            "group": label,
            "unit": rows["unit_name"].astype(str).to_numpy(),
            "completed": shown["completed"].to_numpy(),
            "share": shown["share"].to_numpy(),
            "signal": [
                t(f"national.signal.{signal[u]}", lang) if u in signal else "–"
                for u in rows["unit_id"]
            ],
        }
    )


def _table(shown: pd.DataFrame, share: bool, threshold: int, lang: str) -> str:
    return html_table(
        shown,
        lang=lang,
        labels={c: t(f"region_who.col.{c}", lang) for c in shown.columns},
        counts=["completed"],
        depends={"share": "completed", "signal": "completed"},
        share=share,
        threshold=threshold,
    )


def _funnel_svg(
    funnel: pd.DataFrame,
    rows: pd.DataFrame,
    label: str,
    stage_name: str,
    centre: float,
    lang: str,
) -> str:
    """A group's small funnel plot, the units named as readers know them."""
    from toolkit.charts import funnel_chart

    names = dict(zip(rows["unit_id"].astype(str), rows["unit_name"].astype(str), strict=True))
    named = funnel.assign(unit=[names[u] for u in funnel["unit"]])
    curve = national.funnel_curve(
        centre, float(funnel["n"].max()), n_min=float(funnel["n"].min()) / 2
    )
    title = [label, t("region_who.chart_centre", lang, stage=stage_name, centre=_pct(centre, lang))]
    chart = funnel_chart(named, curve, lang, title=title, width=300, height=200)
    return _html.svg(chart)
