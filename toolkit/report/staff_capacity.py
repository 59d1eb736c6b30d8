"""The unit report's section *Capacity per staff category*: clinician hours against demand."""

from __future__ import annotations

import math

import pandas as pd

from toolkit import capacity, unit_now
from toolkit.i18n import t
from toolkit.io import UnitData
from toolkit.report._figures import UnitFigures, _by_stage
from toolkit.report._format import _num, _pct
from toolkit.report._html import Section, html_table

__all__ = ["capacity_section"]


def capacity_section(f: UnitFigures) -> Section:
    """Capacity per staff category (or why there is none), then administrative time by level."""
    section = _capacity_core(f)
    if f.unit.has("time_use"):  # administrative time by level (clinical, organisational, national)
        _levels(section, f)
    return section


def _levels(cap_section: Section, f: UnitFigures) -> None:
    """The time study's share of time and of administration per level, all staff."""
    from toolkit.admin_inventory import time_by_level

    lang = f.lang
    levels = time_by_level(capacity.time_use_shares(f.unit.time_use, lang=lang))
    levels = levels[levels["staff_category"] == "total"][
        ["level", "share_of_time", "share_of_admin"]
    ]
    levels["level"] = [t(f"admin.level.{v}", lang) for v in levels["level"]]
    cap_section.text(t("admin.levels_text", lang))
    cap_section.html(
        "table",
        html_table(
            levels,
            labels={
                "level": t("admin.col.level", lang),
                "share_of_time": t("admin.levels_share_of_time", lang),
                "share_of_admin": t("admin.levels_share_of_admin", lang),
            },
            formats={c: (lambda v: _pct(v, lang)) for c in ("share_of_time", "share_of_admin")},
            **f.opts,
        ),
    )


def _capacity_core(f: UnitFigures) -> Section:
    """Capacity, demand and balance in hours a week per staff category (or why there is none)."""
    lang, now, share = f.lang, f.now, f.share
    cap_section = Section("capacity", t("report.h.capacity", lang))
    demand_first = float(_by_stage(f.queue)["first_assessment"]["demand_per_week"])
    cap = (
        _capacity_table(f.unit, demand_first, now.window, lang)
        if f.unit.kind == "events" and now.ok
        else None
    )
    if cap is None:
        cap_section.text(t("report.capacity_none", lang))
        return cap_section
    window_words = unit_now.window_text(now.window, lang)
    cap_section.text(
        t(
            f"report.capacity_text.{cap.attrs['non_clinical_source']}",
            lang,
            per_week=_num(demand_first, lang, 1),
            window=window_words,
        )
        + " "
        + t(f"report.capacity_hours.{cap.attrs['hours_source']}", lang, window=window_words)
    )
    cols = [
        "staff_category",
        "headcount",
        "fte",
        "capacity_hours_per_week",
        "demand_hours_per_week",
        "balance_hours_per_week",
        "load",
    ]
    shown = cap[cols].copy()
    shown["headcount"] = shown["headcount"].astype("Float64")
    shown.loc[shown["staff_category"] == "total", ["headcount", "fte"]] = [
        # share mode: no total headcount beside its rounded parts (no equation to solve)
        math.nan if share else float(shown["headcount"].sum()),
        float(shown["fte"].sum()),
    ]
    shown = capacity.readable(shown, lang)
    labels = dict(zip(shown.columns, shown.columns, strict=True))
    labels[shown.columns[1]] = t("report.col.headcount", lang)
    labels[shown.columns[2]] = t("report.col.fte", lang)
    fmt = {c: (lambda v: _num(v, lang, 1)) for c in shown.columns[2:]}
    fmt[shown.columns[-1]] = lambda v: _num(v, lang, 2)
    cap_section.html(
        "table",
        html_table(
            shown, labels=labels, formats=fmt, counts=[shown.columns[1]], wide=True, **f.opts
        ),
    )
    return cap_section


def _capacity_table(
    unit: UnitData, arrivals_per_week: float, window: unit_now.Window, lang: str
) -> pd.DataFrame | None:
    """Capacity against demand per staff category in clinician hours a week (None without staff).

    Staff hours (:func:`toolkit.capacity.staff_hours`) less absence and the
    non-clinical share measured in the time-use study when there is one
    (:func:`toolkit.capacity.time_use_shares`), turned into appointments with
    the unit's own visit mix (:func:`toolkit.capacity.appointments_per_week`),
    against the demand of the accepted referrals with the unit's staff mix
    (:func:`toolkit.capacity.demand_hours`), balanced by
    :func:`toolkit.capacity.balance`. The hours per episode are the unit's
    own, measured from its visits over ``window``
    (:func:`toolkit.capacity.hours_per_episode_from_visits`) when the visits
    cover the window; otherwise CAPA's defaults. ``attrs["hours_source"]``
    says which ("visits" or "default").
    """
    if not unit.has("staff"):
        return None
    hours = capacity.staff_hours(unit.staff, on=unit.extract_date, lang=lang)
    non_clinical = (
        capacity.time_use_shares(unit.time_use, lang=lang) if unit.has("time_use") else None
    )
    clinical = capacity.clinical_hours(hours, non_clinical_share=non_clinical, lang=lang)
    visits = unit.visits if unit.has("visits") else None
    appointments = capacity.appointments_per_week(clinical, visits, lang=lang)
    mix = capacity.staff_mix_from_visits(visits) if visits is not None else None
    per_episode = None
    if visits is not None and "referral_id" in visits.columns:
        dates = pd.to_datetime(visits["date"], errors="coerce")
        if dates.min() <= window.start and dates.max() >= window.end - pd.Timedelta(days=6):
            per_episode = capacity.hours_per_episode_from_visits(visits, window.start, window.end)
    demand = capacity.demand_hours(
        arrivals_per_week, hours_per_episode=per_episode, staff_mix=mix, lang=lang
    )
    out = capacity.balance(appointments, demand, lang=lang)
    out = out.merge(hours[["staff_category", "headcount", "fte"]], on="staff_category", how="left")
    out.attrs["non_clinical_source"] = "time_use" if non_clinical is not None else "default"
    out.attrs["hours_source"] = "visits" if per_episode is not None else "default"
    return out
