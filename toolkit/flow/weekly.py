"""Flow per period and stage: the DCAQ table (:func:`weekly_flow`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.flow._days import DateLike, _check_window, _date, _to_day
from toolkit.flow.counts import _counts_flow
from toolkit.flow.events import _assemble, _empty_flow, _groups, _stage_table, _stages
from toolkit.flow.periods import (
    _NEVER,
    BREAKDOWNS,
    FLOW_STAGES,
    FREQS,
    _calendar,
    _int_days,
    _period_last_day,
    _resolve_profile,
    _unit_tables,
)
from toolkit.i18n import check_language, t


def weekly_flow(
    unit: Any,
    freq: str = "W",
    *,
    profile: Any = None,
    by: str | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """Demand, activity, removals, queue and waits per period and stage.

    The weekly table of Scotland's DCAQ (demand, capacity, activity, queue),
    per stage of the pathway, with the waits the national follow-up reports:
    those completed in the period (mean, median, 90th percentile, share within
    the target) and the oldest still waiting at the period's end.

    Parameters
    ----------
    unit : toolkit.io.UnitData or pandas.DataFrame
        A loaded unit. With referrals, the flow is counted from the event
        dates; with ``period_counts`` only, from the counts (see Notes). A
        DataFrame is taken as a referrals table (it has ``received``) or a
        period-counts table (it has ``period``, ``stage``, ``arrived``,
        ``completed``, ``waiting_end``). Rows may come in any order.
    freq : {"W", "D", "MS"}, default "W"
        Period: weeks starting on Monday, days, or calendar months. Each
        period is labelled by its first day.
    profile : toolkit.targets.TargetProfile or str, optional
        Waiting-time targets and the dates each stage's wait runs between;
        a profile name (``"bup_30_30"``, the default, or
        ``"general_0_3_90_90"``), or a profile with a unit's own overrides
        (``load_profile().with_overrides(...)``).
    by : {"priority", "question", "sex", "age_band"}, optional
        Break every row down by this referral attribute (the same columns per
        group). ``age_band`` groups ``age`` into 0-5, 6-12, 13-17 and 18+
        years. Referrals without a value form the group ``unknown``.
        Event data only.
    start, end : date-like, optional
        First and last day counted. Default: the first referral received (for
        counts, the first period) and the unit's extract date (for a bare
        table, the last date in it). ``start`` is moved back to the first day
        of its period; the last period is cut at ``end``.
    lang : {"sv", "en"}, optional
        Language of the notes and errors.

    Returns
    -------
    pandas.DataFrame
        One row per period and stage (and group), ordered by period, stage
        and group, with columns:

        ``period``, ``period_end``
            first and last day counted in the period (datetime64).
        ``stage``
            ``first_assessment`` or ``deep_start`` (categorical).
        the ``by`` column (when given)
            the group (categorical).
        ``arrivals``, ``completions``, ``removals``
            joined the stage's queue, completed the stage, and left it
            otherwise, in the period (int).
        ``waiting_start``, ``waiting_end``
            number waiting at the end of the day before the period and at
            the end of its last day (int).
        ``mean_wait_days``, ``median_wait_days``, ``p90_wait_days``
            waits of those completed in the period, PVV excluded (days; NaN
            when none completed).
        ``oldest_waiting_days``
            wait so far of the one waiting longest at the period's end, PVV
            excluded (days; NaN when nobody waits).
        ``share_within_target``
            share of those completed whose wait is at most ``target_days``
            (NaN when none completed).
        ``target_days``
            the stage's target in the profile (int).

        ``attrs`` holds ``freq``, ``by``, ``profile`` (id), ``kind``
        (``"events"`` or ``"counts"``), ``start``, ``end``, ``wait_method``
        (``"events"`` or ``"littles_law"``) and ``notes`` (texts in ``lang``
        on empty periods, estimates and the rows treated specially).

    Raises
    ------
    toolkit.errors.ParameterError
        ``freq``, ``by`` or ``profile`` not one of the choices, a date that is
        not a date, ``end`` before ``start``, ``by`` with counts-only data, a
        period finer than the counts given.
    toolkit.errors.DataError
        Referrals that complete a stage before joining it.

    Notes
    -----
    **Stages (event data).** A referral joins a stage's queue on the stage's
    start date in the profile and completes it on the end date:

    * ``first_assessment``: joins at ``received``, completes at
      ``first_assessment``; it is removed (without a visit) when its
      ``decision`` is rejected, redirected or closed_no_visit, on ``decided``
      (or ``closed`` when that is missing), or when it is ``closed`` without
      a first assessment. A removal decision with neither date counts as
      removed on the day it arrived (it never waits; a note says how many).
    * ``deep_start``: joins at ``deep_decision``, completes at
      ``deep_start``; removed when ``closed`` without a start.

    A patient leaving on day :math:`d` is no longer waiting at the end of
    :math:`d` (as in :func:`queue_size`). Events after ``end`` have not
    happened yet. For stage :math:`s` and period :math:`k` with last day
    :math:`e_k`:

    .. math::

        Q_k = Q_{k-1} + A_k - C_k - R_k

    with :math:`A_k` arrivals, :math:`C_k` completions, :math:`R_k` removals
    (patients) and :math:`Q_k` the number waiting at the end of :math:`e_k`;
    :math:`Q` before the first period counts those who joined earlier (zero
    by default). The wait of a completion is

    .. math:: w_i = \\max(0,\\; c_i - j_i - p_i)

    with :math:`j_i`, :math:`c_i` the join and completion days and
    :math:`p_i` the patient-chosen wait (PVV, days) charged to the stage:
    ``pvv_days`` is one number per referral, so it is charged to the first
    stage up to that stage's length and the rest to the second, and no day
    is subtracted twice. The oldest waiting is
    :math:`\\max_i (e_k - j_i - p_i)` over those waiting at the end of
    :math:`e_k`. Percentiles interpolate linearly between order statistics
    (numpy's default). The share within target is
    :math:`\\#\\{w_i \\le T\\} / C_k` with :math:`T` the stage's
    ``target_days``.

    **Counts only.** Arrivals, completions, removals and the number waiting
    are the unit's counts (missing removals are inferred from the balance).
    The mean wait is estimated with Little's law, :math:`L = \\lambda W`:

    .. math:: \\hat W_k = \\frac{\\bar Q_k \\, D_k}{C_k + R_k}

    with :math:`\\bar Q_k = (Q_{k-1} + Q_k)/2` the mean number waiting
    (patients), :math:`D_k` the days in the period and :math:`C_k + R_k` the
    patients leaving the queue. It is the mean time in the queue of all who
    leave it and holds in a steady state; a note says so. Median, 90th
    percentile and oldest need event data and are NaN; the share within
    target is :math:`\\sum x_k / \\sum C_k` when the counts give
    ``completed_within_target`` (:math:`x_k`, as the national waiting-time
    statistics report it; see :mod:`toolkit.national`), else NaN.
    Weekly counts are summed to months by the month of each week's Monday.

    Computed with ``numpy.bincount`` and cumulative sums over periods, and
    the oldest waiting with one sort and a running maximum, so the time grows
    with rows plus periods, not rows times periods. Checked against
    :func:`queue_size` (the number waiting at each period's end),
    Little's law on generated events, and a hand-worked unit
    (tests/test_flow_handworked.py).

    References
    ----------
    .. [1] Little J.D.C. (1961), "A proof for the queuing formula L = λW",
       Operations Research 9(3): 383–387.
    .. [2] Kim S.-H., Whitt W. (2013), "Statistical analysis with Little's
       law", Operations Research 61(4): 1030–1045 (the finite-window form
       used in the tests).
    .. [3] NHS Scotland, "Demand, capacity, activity and queue (DCAQ)"
       improvement guidance (the weekly four-quantity table).
    .. [4] SKR, Väntetider i vården (vantetider.se): the national waiting-time
       follow-up per stage, which leaves out patient-chosen waits (PVV).

    Examples
    --------
    >>> import pandas as pd
    >>> refs = pd.DataFrame({
    ...     "received": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-09"]),
    ...     "first_assessment": pd.to_datetime(["2024-01-10", None, None]),
    ... })
    >>> f = weekly_flow(refs, end="2024-01-14", lang="en")
    >>> f[f.stage == "first_assessment"][["period", "arrivals", "completions",
    ...     "waiting_end", "mean_wait_days", "oldest_waiting_days"]].to_string(index=False)
    '    period  arrivals  completions  waiting_end  mean_wait_days  oldest_waiting_days\\n2024-01-01         2            0            2             NaN                  6.0\\n2024-01-08         1            1            2             9.0                 11.0'
    """
    lang = check_language(lang)
    checks.one_of("freq", freq, FREQS, lang)
    if by is not None:
        checks.one_of("by", by, BREAKDOWNS, lang)
    prof = _resolve_profile(profile, lang)
    kind, table, extract = _unit_tables(unit, lang)
    if kind == "counts":
        if by is not None:
            raise ParameterError("flow.by_needs_events", argument="by", value=by, lang=lang)
        return _counts_flow(table, freq, prof, start, end, extract, lang)

    notes: list[str] = []
    group, labels = _groups(table, by, lang)
    n_groups = max(len(labels), 1)
    received = _int_days(table["received"], "received", lang)
    known = received[received < _NEVER]
    if known.size < received.size:
        notes.append(
            t(
                "waitlist.note.arrival_missing",
                lang,
                count=received.size - known.size,
                arrival="received",
            )
        )
    first_day = _to_day(start, "start", lang) if start is not None else None
    if end is not None:
        last_day: int | None = _to_day(end, "end", lang)
    elif extract is not None:
        last_day = _to_day(extract, "end", lang)
    else:
        last_day = _last_date(table, lang)
    if first_day is None:
        first_day = int(known.min()) if known.size else last_day
    if first_day is None or last_day is None:
        notes.append(t("flow.note.no_rows", lang))
        return _empty_flow(by, labels, prof, freq, notes)
    _check_window(first_day, last_day, lang)
    cal = _calendar(freq, first_day, last_day)
    stages = _stages(table, prof, last_day, group, lang, notes)
    tables = {
        name: _stage_table(stages[name], cal, n_groups, prof.stages[name].target_days)
        for name in FLOW_STAGES
    }
    out = _assemble(cal, tables, by, labels)
    _completion_notes(tables, notes, lang)
    if cal.ends[-1] < _period_last_day(int(cal.starts[-1]), freq):
        notes.append(t("flow.note.last_period_cut", lang, end=_date(last_day).isoformat()))
    if int(np.sum(stages["first_assessment"].pvv > 0)):
        notes.append(t("flow.note.pvv", lang))
    out.attrs.update(
        {
            "freq": freq,
            "by": by,
            "profile": prof.id,
            "kind": "events",
            "start": pd.Timestamp(_date(cal.first_day)),
            "end": pd.Timestamp(_date(last_day)),
            "wait_method": "events",
            "notes": notes,
        }
    )
    return out


def _last_date(refs: pd.DataFrame, lang: str) -> int | None:
    """The last date in any of the referral date columns (for a bare table)."""
    last: int | None = None
    for name in (
        "received",
        "decided",
        "first_assessment",
        "deep_decision",
        "deep_start",
        "closed",
    ):
        if name in refs.columns:
            d = _int_days(refs[name], name, lang)
            d = d[d < _NEVER]
            if d.size:
                last = max(last if last is not None else int(d.max()), int(d.max()))
    return last


def _completion_notes(tables: dict[str, dict[str, Any]], notes: list[str], lang: str) -> None:
    """Append to ``notes`` where a stage has no completions, or periods without any."""
    for name in FLOW_STAGES:
        done = int(tables[name]["completions"].sum())
        if done == 0:
            notes.append(t("flow.note.no_completions", lang, stage=t(f"flow.stage.{name}", lang)))
        else:
            empty = int((tables[name]["completions"] == 0).sum())
            if empty:
                notes.append(
                    t(
                        "flow.note.periods_without_completions",
                        lang,
                        count=empty,
                        stage=t(f"flow.stage.{name}", lang),
                    )
                )
