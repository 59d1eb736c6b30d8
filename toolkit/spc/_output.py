"""The tidy table :func:`toolkit.spc.spc` returns, and its runs analysis (``attrs``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit.spc._anhoej import Runs
from toolkit.spc._limits import Limits
from toolkit.spc._options import SpcOptions
from toolkit.spc._points import Points
from toolkit.spc._rules import POINT_TYPES, RULE_COLUMNS, Signals

SHORT_PART_POINTS = 12  # NHSRplotthedots warns below 12 points per part


@dataclass(frozen=True, eq=False)
class RunsAnalysis:
    """The runs analysis per series and part, kept in ``table.attrs["runs_analysis"]``.

    Immutable: ``pandas`` copies ``attrs`` on every operation, so this object
    returns itself when copied and compares by value; call :meth:`to_frame`
    for a table with the columns ``group`` (when grouped), ``part``,
    ``n_useful``, ``longest_run``, ``longest_run_max``, ``crossings``,
    ``crossings_min``, ``signal``.
    """

    columns: tuple[tuple[str, np.ndarray], ...]

    def to_frame(self) -> pd.DataFrame:
        """The runs analysis as a DataFrame, one row per series and part."""
        return pd.DataFrame({name: values.copy() for name, values in self.columns})

    def __deepcopy__(self, memo: dict[int, Any]) -> RunsAnalysis:
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunsAnalysis):
            return NotImplemented
        return len(self.columns) == len(other.columns) and all(
            a == b and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
            for (a, x), (b, y) in zip(self.columns, other.columns, strict=True)
        )

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.columns[0][1]) if self.columns else 0


def runs_table(pts: Points, runs: Runs, opts: SpcOptions) -> RunsAnalysis:
    """The runs analysis of every series and part, read-only."""
    first = pts.seg_first
    cols: list[tuple[str, np.ndarray]] = []
    if opts.group is not None:
        cols.append(("group", np.asarray(pts.guniques.take(pts.g[first]))))
    cols += [
        ("part", pts.part[first]),
        ("n_useful", runs.n_useful),
        ("longest_run", runs.longest),
        ("longest_run_max", runs.longest_max),
        ("crossings", runs.crossings),
        ("crossings_min", runs.crossings_min),
        ("signal", runs.long_seg | runs.few_seg),
    ]
    for _, arr in cols:
        arr.flags.writeable = False
    return RunsAnalysis(tuple(cols))


def table(
    pts: Points,
    lim: Limits,
    sig: Signals,
    special: np.ndarray,
    ptype: np.ndarray,
    runs: Runs,
    opts: SpcOptions,
) -> pd.DataFrame:
    """One row per point with the plotted value, limits, rules, point type; options in attrs.

    The float columns share one block, built without a consolidating copy
    (the 100 000-series benchmark depends on it).
    """
    n = pts.n
    float_names = ("value", "centre", "lower", "upper", "near_lower", "near_upper")
    floats = np.empty((len(float_names), n))
    arrays = (pts.y, lim.centre, lim.lower, lim.upper, lim.near_lower, lim.near_upper)
    for row, arr in enumerate(arrays):
        floats[row] = arr
    out = pd.DataFrame(floats.T, columns=list(float_names), copy=False)
    front: list[tuple[str, Any]] = []
    if opts.group is not None:
        front.append(("group", pts.guniques.take(pts.g)))
    front += [("period", pts.puniques.take(pts.p)), ("part", pts.part)]
    for loc, (name, col) in enumerate(front):
        out.insert(loc, name, col)
    no_mask = np.zeros(n, dtype=bool)
    for name in RULE_COLUMNS:
        mask = sig.rule[name]
        out[name] = (
            pd.arrays.BooleanArray(mask, no_mask)
            if mask is not None
            else pd.arrays.BooleanArray(no_mask, np.ones(n, dtype=bool))
        )
    out["special_cause"] = special
    out["point_type"] = pd.Categorical.from_codes(ptype, categories=pd.Index(POINT_TYPES))
    out["short_part"] = pts.seg_len[pts.seg] < SHORT_PART_POINTS
    out.attrs["spc"] = {
        "value": opts.value,
        "date": opts.date,
        "group": opts.group,
        "denominator": opts.denominator,
        "chart": opts.chart,
        "rules": opts.rules,
        "rules_applied": tuple(k for k, v in sig.rule.items() if v is not None),
        "improvement": opts.improvement,
        "target": None if opts.target is None else float(opts.target),
        "rebase": pts.rebase_values,
        "fix_after_n_points": opts.fix_after_n_points,
        "screen_outliers": bool(opts.screen_outliers) and opts.chart == "xmr",
        "run_length": opts.run_length,
        "trend_length": opts.trend_length,
    }
    out.attrs["runs_analysis"] = runs_table(pts, runs, opts)
    return out
