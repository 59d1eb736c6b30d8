"""The options of one :func:`toolkit.spc.spc` call, validated once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from toolkit import _checks as checks
from toolkit.errors import ParameterError

CHARTS = ("xmr", "run", "p", "c", "u")
RULE_SETS = ("mdc", "anhoej")
IMPROVEMENTS = ("increase", "decrease")
#: Charts whose plotted value is ``value / denominator`` (a run chart optionally).
RATIO_CHARTS = ("p", "u")
MIN_POINTS = 2  # fewest points a part may have


def _check_column(data: pd.DataFrame, name: str, column: Any) -> None:
    if not isinstance(column, str) or column not in data.columns:
        raise ParameterError(
            "spc.missing_column",
            argument=name,
            column=column,
            columns=", ".join(map(str, data.columns)),
        )


@dataclass(frozen=True)
class SpcOptions:
    """The arguments of :func:`toolkit.spc.spc` after :meth:`validated` has checked them.

    Every later step reads its settings here and checks nothing about them
    again (the data's values are checked by the step that reads them).

    Examples
    --------
    >>> df = pd.DataFrame({"d": [1, 2, 3], "n": [4, 5, 6]})
    >>> SpcOptions.validated(df, value="n", date="d", chart="run").chart
    'run'
    >>> try:
    ...     SpcOptions.validated(df, value="n", date="d", chart="xbar")
    ... except ParameterError as err:
    ...     print(err.message("en"))
    chart = 'xbar' is not a valid choice; choose one of: xmr, run, p, c, u.
    """

    value: str
    date: str
    chart: str = "xmr"
    rules: str = "mdc"
    improvement: str | None = None
    target: float | None = None
    rebase: Sequence[Any] | None = None
    fix_after_n_points: int | None = None
    screen_outliers: bool = True
    denominator: str | None = None
    group: str | None = None
    run_length: int = 7
    trend_length: int = 7

    @classmethod
    def validated(cls, data: Any, **kwargs: Any) -> SpcOptions:
        """Check the arguments against ``data`` (a DataFrame) and return them as options.

        Raises
        ------
        ParameterError
            Naming the argument: ``data`` not a DataFrame; unknown chart, rule
            set, improvement, run or trend length; a column not in ``data``; a
            denominator missing for p and u or given for xmr and c; a target
            that is not a finite number; ``fix_after_n_points`` not an integer
            of at least 2.
        """
        opts = cls(**kwargs)
        if not isinstance(data, pd.DataFrame):
            raise checks.type_error("data", "pandas.DataFrame", type(data).__name__)
        checks.one_of("chart", opts.chart, CHARTS)
        checks.one_of("rules", opts.rules, RULE_SETS)
        checks.one_of("improvement", opts.improvement, (None, *IMPROVEMENTS))
        checks.one_of("run_length", opts.run_length, (6, 7))
        checks.one_of("trend_length", opts.trend_length, (6, 7))
        _check_column(data, "value", opts.value)
        _check_column(data, "date", opts.date)
        if opts.group is not None:
            _check_column(data, "group", opts.group)
        if opts.chart in RATIO_CHARTS and opts.denominator is None:
            raise ParameterError(
                "spc.denominator_required", argument="denominator", chart=opts.chart
            )
        if opts.chart in (*RATIO_CHARTS, "run"):
            if opts.denominator is not None:
                _check_column(data, "denominator", opts.denominator)
        elif opts.denominator is not None:
            raise ParameterError("spc.denominator_unused", argument="denominator", chart=opts.chart)
        target = opts.target
        if target is not None and (
            isinstance(target, bool)
            or not isinstance(target, int | float | np.number)
            or not np.isfinite(target)
        ):
            raise checks.type_error("target", "a finite number", target)
        fix = opts.fix_after_n_points
        if fix is not None and (
            isinstance(fix, bool) or not isinstance(fix, int | np.integer) or fix < MIN_POINTS
        ):
            raise checks.range_error(
                "fix_after_n_points",
                fix,
                {"sv": f"ett heltal ≥ {MIN_POINTS}", "en": f"an integer ≥ {MIN_POINTS}"},
            )
        return opts

    @property
    def has_limits(self) -> bool:
        """Every chart but the run chart has process limits."""
        return self.chart != "run"
