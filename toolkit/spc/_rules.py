"""Special-cause rules: outside the limits, Making Data Count's three, Anhøj's two; point type."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from toolkit.spc._anhoej import Runs, anhoej_rules, run_lengths
from toolkit.spc._limits import Limits
from toolkit.spc._options import SpcOptions
from toolkit.spc._points import Points

RULE_COLUMNS = (
    "rule_outside_limits",
    "rule_run",
    "rule_trend",
    "rule_two_of_three",
    "rule_long_run",
    "rule_few_crossings",
)
#: Point type codes, in the order of their integer codes. ``neutral_high`` and
#: ``neutral_low`` are the special causes of a measure without an improvement
#: direction (NHSRplotthedots' ``special_cause_neutral_high``/``_low``);
#: ``neither`` a special cause without a direction (Anhøj's too few crossings).
POINT_TYPES = ("common_cause", "improvement", "concern", "neither", "neutral_high", "neutral_low")
_COMMON, _IMPROVEMENT, _CONCERN, _NEITHER, _NEUTRAL_HIGH, _NEUTRAL_LOW = range(6)


@dataclass(eq=False)
class Signals:
    """The rules that fired and, per point, the direction of the first rule that decided it.

    ``rule`` holds a boolean array per rule applied (None for a rule not
    used); :meth:`settle` records a rule in the order NHSRplotthedots
    gives precedence to: a point's direction is that of the first rule
    settled that flags it.
    """

    n: int
    rule: dict[str, np.ndarray | None] = field(init=False)
    direction: np.ndarray = field(init=False)
    decided: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.rule = dict.fromkeys(RULE_COLUMNS)
        self.direction = np.zeros(self.n, dtype=np.int64)
        self.decided = np.zeros(self.n, dtype=bool)

    def settle(self, name: str, mask: np.ndarray, sign: np.ndarray) -> None:
        """Record rule ``name``; undecided points it flags take the direction ``sign``."""
        self.rule[name] = mask
        new = mask & ~self.decided
        self.direction[new] = sign[new]
        self.decided[new] = True

    @property
    def special(self) -> np.ndarray:
        """True where any rule fired."""
        special = np.zeros(self.n, dtype=bool)
        for mask in self.rule.values():
            if mask is not None:
                special |= mask
        return special


def outside_limits(pts: Points, lim: Limits) -> np.ndarray:
    """Points above the upper or below the lower process limit (none on run charts)."""
    return (pts.y > lim.upper) | (pts.y < lim.lower)


def trend(y: np.ndarray, start: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Points in ``length`` or more points each strictly above (below) the one before.

    ``start`` marks the first point of each segment (trends do not cross
    segments). Returns the flags and the trend's direction per point (+1
    rising, −1 falling); a point shared by two trends takes the one it starts.

    >>> y = np.array([2, 1, 2, 3, 4, 5, 6, 7, 3])
    >>> flags, way = trend(y, np.array([True] + [False] * 8), 7)
    >>> flags.astype(int).tolist()  # NHSRplotthedots: ptd_seven_point_trend(c(2, 1:7, 3))
    [0, 1, 1, 1, 1, 1, 1, 1, 0]
    """
    n = len(y)
    d = np.zeros(n, dtype=np.int64)
    d[1:] = np.sign(np.diff(y)).astype(np.int64)
    d[start] = 0
    in_trend_d = (d != 0) & (run_lengths(d, start) >= length - 1)
    next_in = np.zeros(n, dtype=bool)
    next_in[:-1] = in_trend_d[1:]
    flags = in_trend_d | next_in
    d_next = np.zeros(n, dtype=np.int64)
    d_next[:-1] = d[1:]
    return flags, np.where(next_in, d_next, d)


def near_limits(pts: Points, lim: Limits, outside: np.ndarray) -> np.ndarray:
    """Points beyond a near limit but inside the process limits ("close to limits")."""
    y = pts.y
    return ~outside & ((y > lim.near_upper) | (y < lim.near_lower))


def two_of_three(close: np.ndarray, side: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Close points that are two of three in a row, all three on one side, in one segment.

    >>> ones = np.ones(7, dtype=np.int64)
    >>> close = np.array([0, 0, 1, 1, 0, 0, 0], dtype=bool)
    >>> two_of_three(close, ones, np.zeros(7, dtype=np.int64)).astype(int).tolist()
    [0, 0, 1, 1, 0, 0, 0]
    """
    n = len(close)
    win = np.zeros(n, dtype=bool)  # window of points i, i+1, i+2
    if n >= 3:
        same_seg = seg[:-2] == seg[2:]
        same_side = (side[:-2] == side[1:-1]) & (side[1:-1] == side[2:]) & (side[:-2] != 0)
        n_close = close[:-2].astype(int) + close[1:-1] + close[2:]
        win[:-2] = same_seg & same_side & (n_close >= 2)
    in_win = win.copy()
    in_win[1:] |= win[:-1]
    in_win[2:] |= win[:-2]
    return close & in_win


def shift(side: np.ndarray, start: np.ndarray, length: int) -> np.ndarray:
    """Points in a run of ``length`` or more on one side of the centre line (``side`` ±1).

    >>> side = np.array([1] * 8 + [-1])
    >>> shift(side, np.array([True] + [False] * 8), 7).astype(int).tolist()
    [1, 1, 1, 1, 1, 1, 1, 1, 0]
    """
    return (side != 0) & (run_lengths(side, start) >= length)


def signals(pts: Points, lim: Limits, side: np.ndarray, runs: Runs, opts: SpcOptions) -> Signals:
    """Apply the rule set of ``opts`` in NHSRplotthedots' order of precedence.

    Outside the limits (control charts), then with ``"mdc"`` trend, 2 of 3
    and run; with ``"anhoej"`` long run and too few crossings (no direction).
    """
    out = Signals(pts.n)
    outside = outside_limits(pts, lim)
    if opts.has_limits:
        out.settle("rule_outside_limits", outside, side)
    if opts.rules == "mdc":
        flags, way = trend(pts.y, pts.start, opts.trend_length)
        out.settle("rule_trend", flags, way)
        if opts.has_limits:
            close = near_limits(pts, lim, outside)
            out.settle("rule_two_of_three", two_of_three(close, side, pts.seg), side)
        out.settle("rule_run", shift(side, pts.start, opts.run_length), side)
    else:
        long_run, few = anhoej_rules(pts, runs)
        out.settle("rule_long_run", long_run, side)
        out.settle("rule_few_crossings", few, np.zeros(pts.n, dtype=np.int64))
    return out


def point_type(special: np.ndarray, direction: np.ndarray, improvement: str | None) -> np.ndarray:
    """Codes into :data:`POINT_TYPES` from each point's special cause and direction.

    >>> special = np.array([False, True, True, True])
    >>> direction = np.array([0, 1, -1, 0])
    >>> [POINT_TYPES[c] for c in point_type(special, direction, "decrease")]
    ['common_cause', 'concern', 'improvement', 'neither']
    >>> [POINT_TYPES[c] for c in point_type(special, direction, None)]
    ['common_cause', 'neutral_high', 'neutral_low', 'neither']
    """
    ptype = np.full(len(special), _COMMON, dtype=np.int8)
    if improvement is None:
        ptype[special & (direction > 0)] = _NEUTRAL_HIGH
        ptype[special & (direction < 0)] = _NEUTRAL_LOW
        ptype[special & (direction == 0)] = _NEITHER
    else:
        signed = direction * (1 if improvement == "increase" else -1)
        ptype[special & (signed > 0)] = _IMPROVEMENT
        ptype[special & (signed < 0)] = _CONCERN
        ptype[special & (signed == 0)] = _NEITHER
    return ptype
