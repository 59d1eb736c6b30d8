"""Capacity need (PKS element 1): referrals a week forecast 26–52 weeks ahead.

The model is a negative binomial regression of the weekly referral counts
(statsmodels) on

* a trend (log-linear in years; only with two years of history or more,
  since one year cannot tell a trend from the season),
* the month of the year (the school-year pattern: the autumn peak, the
  summer trough),
* the school holidays that move the counts within a month: the summer break
  (ISO weeks 26–32), Christmas and New Year (weeks 52, 53 and 1), the sports
  break (weeks 8–9), the autumn break (week 44) and Easter (the week of Good
  Friday or Easter Monday, which moves between March and April), and
* the working days of the week (weekdays less Swedish public holidays and the
  eves that are kept as holidays: midsummer, Christmas and New Year's eve),
  as an offset: referrals are taken to arrive on working days, so a week
  with three working days expects 3/5 of a full week's referrals before
  the holiday terms.

Prediction intervals come from simulation: coefficients drawn from their
estimated sampling distribution, counts from the negative binomial with the
drawn mean (a fixed seed, so the same data give the same intervals).

Why not exponential smoothing with a 52-week season: a unit's export
usually holds two to three years of weekly counts, too few for 52 seasonal
states; on the sample units such a model (STL + ETS) did no better than the
seasonal-naive forecast and its 80 % intervals covered 1–36 % of the weeks
(docs/forecast.md). The regression needs 12 month terms and five holiday
terms instead of 52, and its intervals keep their nominal share.

With less than :data:`MIN_HISTORY_WEEKS` weeks of history no model is fitted:
:func:`forecast_referrals` returns a message and no forecast, and the coach
may choose ``method="recent_mean"`` (the mean of the last weeks, flat).

The module is pure: counts in, tables out.

Examples
--------
>>> import numpy as np, pandas as pd
>>> weeks = pd.date_range("2022-01-03", periods=156, freq="W-MON")
>>> counts = pd.Series(np.random.default_rng(1).poisson(20, 156), index=weeks, dtype=float)
>>> f = forecast_referrals(counts, horizon_weeks=26)
>>> f.method, f.table["kind"].value_counts()["forecast"]
('regression', np.int64(26))
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from dateutil.easter import easter

from toolkit import _checks as checks
from toolkit.errors import ParameterError
from toolkit.i18n import check_language, t

__all__ = [
    "FORECAST_COLUMNS",
    "METHODS",
    "MIN_HISTORY_WEEKS",
    "Forecast",
    "backtest",
    "calendar_terms",
    "forecast_by",
    "forecast_referrals",
    "history_start",
    "public_holidays",
    "seasonal_naive",
    "weekly_counts",
    "working_days",
]

#: Fewest weeks of history for a model forecast (a whole school year).
MIN_HISTORY_WEEKS = 52
#: Forecast methods: ``auto`` (the regression when there is history enough),
#: ``regression`` and ``recent_mean`` (the coach's fallback).
METHODS: tuple[str, ...] = ("auto", "regression", "recent_mean")
#: Weeks averaged by the ``recent_mean`` fallback unless asked otherwise.
DEFAULT_RECENT_WEEKS = 8
#: Draws for the prediction intervals.
_DRAWS = 2000
#: Seed of the interval simulation (same data, same intervals).
_SEED = 20240917
#: Leading weeks below this share of the median weekly count are not history
#: (an export's start: only referrals still open from before it began).
_START_SHARE = 0.25
#: Weeks in a year, named where used.
WEEKS_PER_YEAR = 52.1775
#: School holidays by ISO week (Swedish school calendar; Easter moves, see public_holidays).
_HOLIDAY_WEEKS: dict[str, tuple[int, ...]] = {
    "summer_break": (26, 27, 28, 29, 30, 31, 32),
    "christmas_break": (52, 53, 1),
    "sports_break": (8, 9),
    "autumn_break": (44,),
}

#: Columns of :attr:`Forecast.table`.
FORECAST_COLUMNS: tuple[str, ...] = (
    "week_start",
    "kind",
    "referrals",
    "forecast",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
)


@dataclass(frozen=True)
class Forecast:
    """A forecast of referrals a week.

    ``table`` has the columns :data:`FORECAST_COLUMNS`, one row per week:
    ``kind`` is ``"history"`` (``referrals`` observed, ``forecast`` the
    model's fit) or ``"forecast"``. ``method`` is ``"regression"``,
    ``"recent_mean"`` or ``"none"`` (too little history: no forecast rows,
    see ``messages``). ``messages`` are in the language asked for.
    """

    table: pd.DataFrame
    method: str
    history_weeks: int
    history_start: pd.Timestamp | None
    messages: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when there are forecast rows."""
        return self.method != "none"

    @property
    def future(self) -> pd.DataFrame:
        """The forecast rows only."""
        return self.table[self.table["kind"] == "forecast"].reset_index(drop=True)


# --------------------------------------------------------------------------- calendar


def public_holidays(years: Any) -> pd.DatetimeIndex:
    """Swedish public holidays and the eves kept as holidays, for the given years.

    New Year's Day, Epiphany, Good Friday, Easter Monday, 1 May, Ascension
    Day, National Day (6 June), Midsummer Eve (the Friday 19–25 June),
    Christmas Eve, Christmas Day, Boxing Day and New Year's Eve.

    References
    ----------
    Lag (1989:253) om allmänna helgdagar; the eves are days off under most
    collective agreements in the regions.

    >>> [d.date().isoformat() for d in public_holidays([2024])][:4]
    ['2024-01-01', '2024-01-06', '2024-03-29', '2024-04-01']
    """
    days: list[pd.Timestamp] = []
    for year in sorted({int(y) for y in years}):
        e = pd.Timestamp(easter(year))
        midsummer_eve = next(
            d for d in pd.date_range(f"{year}-06-19", f"{year}-06-25") if d.weekday() == 4
        )
        days += [
            pd.Timestamp(f"{year}-01-01"),
            pd.Timestamp(f"{year}-01-06"),
            e - pd.Timedelta(days=2),
            e + pd.Timedelta(days=1),
            pd.Timestamp(f"{year}-05-01"),
            e + pd.Timedelta(days=39),
            pd.Timestamp(f"{year}-06-06"),
            midsummer_eve,
            pd.Timestamp(f"{year}-12-24"),
            pd.Timestamp(f"{year}-12-25"),
            pd.Timestamp(f"{year}-12-26"),
            pd.Timestamp(f"{year}-12-31"),
        ]
    return pd.DatetimeIndex(sorted(days))


def working_days(week_starts: pd.DatetimeIndex) -> npt.NDArray[np.float64]:
    """Working days (Monday–Friday less :func:`public_holidays`) of each week.

    >>> working_days(pd.DatetimeIndex(["2024-12-23", "2024-07-01"])).tolist()
    [2.0, 5.0]
    """
    weeks = pd.DatetimeIndex(week_starts).normalize()
    if len(weeks) == 0:
        return np.zeros(0)
    days = weeks.repeat(5) + pd.to_timedelta(np.tile(np.arange(5), len(weeks)), unit="D")
    holidays = public_holidays(range(weeks.min().year, weeks.max().year + 2))
    off = np.asarray(days.isin(holidays)).reshape(-1, 5)
    return (5 - off.sum(axis=1)).astype(float)


def calendar_terms(week_starts: pd.DatetimeIndex, origin: pd.Timestamp) -> pd.DataFrame:
    """The regression's terms for each week (Monday): constant, trend, month, holidays, working days.

    Columns: ``const``, ``trend_years`` (years since ``origin``),
    ``month_2`` … ``month_12`` (January is the reference), one 0/1 column per
    school holiday (``summer_break``, ``christmas_break``, ``sports_break``,
    ``autumn_break``, ``easter``) and ``log_working_share`` (log of working
    days / 5, with at least half a day).
    """
    weeks = pd.DatetimeIndex(week_starts).normalize()
    thursday = weeks + pd.Timedelta(days=3)  # the ISO week's month and year
    iso = np.asarray(weeks.isocalendar().week, dtype=np.int64)
    out = pd.DataFrame(index=weeks)
    out["const"] = 1.0
    out["trend_years"] = (weeks - origin).days.to_numpy() / (7.0 * WEEKS_PER_YEAR)
    month = np.asarray(thursday.month)
    for m in range(2, 13):
        out[f"month_{m}"] = (month == m).astype(float)
    for name, iso_weeks in _HOLIDAY_WEEKS.items():
        out[name] = np.isin(iso, iso_weeks).astype(float)
    years = range(weeks.min().year - 1, weeks.max().year + 2) if len(weeks) else []
    easter_days = pd.DatetimeIndex(
        [pd.Timestamp(easter(y)) + pd.Timedelta(days=d) for y in years for d in (-2, 1)]
    )
    easter_mondays = easter_days - pd.to_timedelta(easter_days.day_of_week, unit="D")
    out["easter"] = np.asarray(weeks.isin(easter_mondays), dtype=float)
    out["log_working_share"] = np.log(np.maximum(working_days(weeks), 0.5) / 5.0)
    return out


# --------------------------------------------------------------------------- counts


def weekly_counts(
    referrals: pd.DataFrame,
    *,
    by: str | None = None,
    start: Any = None,
    end: Any = None,
) -> pd.DataFrame:
    """Referrals received a week (Monday–Sunday), whole weeks only.

    Parameters
    ----------
    referrals : pandas.DataFrame
        The ``referrals`` table (``received``; ``by`` if given).
    by : str, optional
        A column to count per value of (``question``, ``priority``).
    start : date-like, optional
        First day counted (the series starts on the Monday of its week or
        the next): use the unit's period start when the export's first
        months hold only some of the referrals.
    end : date-like, optional
        Last day counted (default: the last referral); the series ends on
        the last Sunday on or before it.

    Returns
    -------
    pandas.DataFrame
        Index ``week_start`` (Mondays, no gaps), a column ``all`` and, with
        ``by``, one column per value (zeros in weeks without referrals).

    >>> r = pd.DataFrame({"received": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-15"])})
    >>> weekly_counts(r, end="2024-01-21")["all"].tolist()
    [2.0, 0.0, 1.0]
    """
    columns = ["received"] + ([by] if by else [])
    missing = [c for c in columns if c not in getattr(referrals, "columns", [])]
    if missing:
        raise ParameterError("forecast.missing_column", argument="referrals", column=missing[0])
    received = pd.to_datetime(referrals["received"]).dt.normalize()
    keep = received.notna()
    if start is not None:
        keep &= received >= pd.Timestamp(start).normalize()
    received = received[keep]
    if received.empty:
        return pd.DataFrame(
            {"all": pd.Series(dtype=float)}, index=pd.DatetimeIndex([], name="week_start")
        )
    last = pd.Timestamp(end).normalize() if end is not None else received.max()
    last_sunday = last - pd.Timedelta(days=(last.weekday() + 1) % 7)
    week = received - pd.to_timedelta(received.dt.day_of_week, unit="D")
    first_monday = received.min() + pd.Timedelta(days=(7 - received.min().weekday()) % 7)
    keep_week = week >= (first_monday if start is not None else week.min())
    received, week = received[keep_week], week[keep_week]
    keep = keep & keep.index.isin(received.index)
    index = pd.date_range(
        week.min(), last_sunday - pd.Timedelta(days=6), freq="W-MON", name="week_start"
    )
    out = pd.DataFrame({"all": week.value_counts().reindex(index, fill_value=0).astype(float)})
    if by:
        groups = referrals.loc[keep, by].astype("string").fillna("?")
        table = pd.crosstab(week, groups).reindex(index, fill_value=0).astype(float)
        for column in table.columns:
            out[str(column)] = table[column]
    return out


def history_start(counts: pd.Series) -> int:
    """Position of the first week that counts as history.

    Leading weeks are left out until four weeks in a row have at least a
    quarter of the median weekly count: an export's first weeks often hold
    only the referrals still open from before it began.

    >>> history_start(pd.Series([1.0, 0.0, 20, 18, 22, 19, 21]))
    2
    """
    values = np.asarray(counts, dtype=float)
    if values.size < 4:
        return 0
    ok = values >= _START_SHARE * float(np.median(values))
    runs = np.lib.stride_tricks.sliding_window_view(ok, 4).all(axis=1)
    return int(np.argmax(runs)) if runs.any() else 0


# --------------------------------------------------------------------------- forecasts


def _check(horizon_weeks: Any, method: str, recent_weeks: Any, lang: str) -> None:
    checks.whole("horizon_weeks", horizon_weeks, lang, low=1, high=104)
    checks.one_of("method", method, METHODS, lang)
    checks.whole("recent_weeks", recent_weeks, lang, low=1, high=52)


def _fit_regression(
    y: npt.NDArray[np.float64], terms: pd.DataFrame
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str]]:
    """Negative binomial coefficients (and their covariance) on the terms that vary."""
    from statsmodels.discrete.discrete_model import NegativeBinomial, Poisson

    used = [
        c
        for c in terms.columns
        if c == "const" or (c != "log_working_share" and terms[c].std() > 0)
    ]
    x = terms[used].to_numpy()
    offset = terms["log_working_share"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = np.asarray(
            Poisson(y, x, offset=offset).fit(disp=0, maxiter=100).params, dtype=float
        )
        model = NegativeBinomial(y, x, offset=offset)
        try:
            result = model.fit(start_params=np.append(start, 0.05), disp=0, maxiter=200)
            params = np.asarray(result.params, dtype=float)
            cov = np.asarray(result.cov_params(), dtype=float)
        except (ValueError, np.linalg.LinAlgError):
            params = np.append(start, 1e-8)
            cov = np.full((x.shape[1] + 1,) * 2, np.nan)
    if not np.all(np.isfinite(cov)):
        cov = np.zeros_like(cov)
    return params, cov, used


def _simulate(
    params: npt.NDArray[np.float64],
    cov: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    offset: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Counts drawn for each week: coefficients from N(params, cov), then negative binomial."""
    rng = np.random.default_rng(_SEED)
    cov = (cov + cov.T) / 2.0
    draws = rng.multivariate_normal(params, cov, size=_DRAWS, method="eigh")
    beta, log_alpha = draws[:, :-1], np.log(np.maximum(draws[:, -1], 1e-8))
    mu = np.exp(np.clip(beta @ x.T + offset, -20, 20))
    n = 1.0 / np.exp(log_alpha)[:, None]
    return rng.negative_binomial(np.broadcast_to(n, mu.shape), n / (n + mu)).astype(float)


def forecast_referrals(
    counts: pd.Series,
    *,
    horizon_weeks: int = 52,
    method: str = "auto",
    recent_weeks: int = DEFAULT_RECENT_WEEKS,
    lang: str | None = None,
) -> Forecast:
    """Referrals a week for the next ``horizon_weeks`` weeks, with 80 % and 95 % prediction intervals.

    Parameters
    ----------
    counts : pandas.Series
        Referrals a week indexed by the weeks' Mondays, no gaps (a column of
        :func:`weekly_counts`).
    horizon_weeks : int, default 52
        Weeks ahead (1–104).
    method : {"auto", "regression", "recent_mean"}, default "auto"
        ``auto`` and ``regression``: the negative binomial regression (see
        the module notes) when there are at least :data:`MIN_HISTORY_WEEKS`
        weeks of history, else no forecast and a message. ``recent_mean``:
        the mean of the last ``recent_weeks`` weeks, flat, with intervals
        from their spread (the coach's fallback; no pattern, no trend).
    recent_weeks : int, default 8
        Weeks averaged by ``recent_mean`` (1–52).
    lang : {"sv", "en"}, optional

    Returns
    -------
    Forecast

    Notes
    -----
    Regression: :math:`Y_w \\sim \\mathrm{NB}(\\mu_w, \\alpha)`,
    :math:`\\log \\mu_w = \\beta_0 + \\beta_1 t_w + \\sum_m \\gamma_m M_{wm}
    + \\sum_h \\delta_h H_{wh} + \\log(d_w / 5)` with :math:`t_w` years
    since the first week, :math:`M` month and :math:`H` holiday indicators
    and :math:`d_w` working days; variance :math:`\\mu + \\alpha\\mu^2`
    (NB2). Recent mean: :math:`\\bar y \\pm z\\,s\\sqrt{1 + 1/n}` over the
    last :math:`n` weeks, :math:`z` the normal quantile, floored at 0.

    References
    ----------
    Cameron & Trivedi (2013), *Regression Analysis of Count Data*, 2nd ed.,
    ch. 3 (NB2); Hyndman & Athanasopoulos (2021), *Forecasting: Principles
    and Practice*, 3rd ed., §5.2 (seasonal naive), §5.5 (prediction
    intervals), §7.4 (seasonal dummies and holiday terms).
    """
    lang = check_language(lang)
    _check(horizon_weeks, method, recent_weeks, lang)
    series = pd.Series(counts, dtype=float).dropna()
    index = pd.DatetimeIndex(series.index)
    start = history_start(series)
    series, index = series.iloc[start:], index[start:]
    n = len(series)
    messages: list[str] = []
    first = index[0] if n else None
    future = (
        pd.date_range(index[-1] + pd.Timedelta(days=7), periods=horizon_weeks, freq="W-MON")
        if n
        else pd.DatetimeIndex([])
    )
    history = pd.DataFrame({"week_start": index, "kind": "history", "referrals": series.to_numpy()})
    if method == "recent_mean":
        if n == 0:
            return _none(history, n, first, [t("forecast.no_history", lang)])
        last = series.to_numpy()[-recent_weeks:]
        mean = float(last.mean())
        sd = float(last.std(ddof=1)) if last.size > 1 else math.sqrt(mean)
        spread = sd * math.sqrt(1.0 + 1.0 / last.size)
        rows = pd.DataFrame({"week_start": future, "kind": "forecast", "forecast": mean})
        for level, z in ((80, 1.281552), (95, 1.959964)):
            rows[f"lower_{level}"] = max(mean - z * spread, 0.0)
            rows[f"upper_{level}"] = mean + z * spread
        history["forecast"] = np.nan
        messages.append(t("forecast.recent_mean_used", lang, weeks=last.size, mean=float(mean)))
        return _done(history, rows, "recent_mean", n, first, messages)
    if n < MIN_HISTORY_WEEKS:
        return _none(
            history,
            n,
            first,
            [t("forecast.too_short", lang, weeks=n, least=MIN_HISTORY_WEEKS, recent=recent_weeks)],
        )
    terms = calendar_terms(pd.DatetimeIndex(index.append(future)), origin=index[0])
    if n < 2 * MIN_HISTORY_WEEKS:  # one year cannot tell a trend from the season
        terms = terms.drop(columns="trend_years")
    params, cov, used = _fit_regression(series.to_numpy(), terms.iloc[:n])
    x_all = terms[used].to_numpy()
    offset = terms["log_working_share"].to_numpy()
    history["forecast"] = np.exp(x_all[:n] @ params[:-1] + offset[:n])
    draws = _simulate(params, cov, x_all[n:], offset[n:])
    rows = pd.DataFrame(
        {
            "week_start": future,
            "kind": "forecast",
            "forecast": np.exp(x_all[n:] @ params[:-1] + offset[n:]),
            "lower_80": np.quantile(draws, 0.10, axis=0),
            "upper_80": np.quantile(draws, 0.90, axis=0),
            "lower_95": np.quantile(draws, 0.025, axis=0),
            "upper_95": np.quantile(draws, 0.975, axis=0),
        }
    )
    if n < 2 * MIN_HISTORY_WEEKS:
        messages.append(t("forecast.one_year", lang, weeks=n))
    if start and first is not None:
        messages.append(
            t("forecast.left_out_start", lang, weeks=start, first=first.date().isoformat())
        )
    return _done(history, rows, "regression", n, first, messages)


def forecast_by(
    counts: pd.DataFrame,
    *,
    horizon_weeks: int = 52,
    method: str = "auto",
    recent_weeks: int = DEFAULT_RECENT_WEEKS,
    lang: str | None = None,
) -> pd.DataFrame:
    """Each column of :func:`weekly_counts` (``all`` and each need class or question) forecast on its own.

    Returns the forecast rows of :func:`forecast_referrals` for every column,
    long: ``group`` first, then :data:`FORECAST_COLUMNS`, and ``method``.
    ``attrs["messages"]`` holds each group's messages. The classes'
    forecasts are separate models, so they need not add up to ``all``
    exactly (the difference is shown in ``attrs["sum_of_groups_vs_all"]``:
    the mean weekly sum of the groups' forecasts ÷ the mean of ``all``).
    """
    frames = []
    messages: dict[str, tuple[str, ...]] = {}
    for column in counts.columns:
        f = forecast_referrals(
            counts[column], horizon_weeks=horizon_weeks, method=method,
            recent_weeks=recent_weeks, lang=lang,
        )  # fmt: skip
        part = f.future.assign(group=str(column), method=f.method)
        frames.append(part[["group", *FORECAST_COLUMNS, "method"]])
        messages[str(column)] = f.messages
    out = pd.concat(frames, ignore_index=True)
    out.attrs["messages"] = messages
    groups = out[(out["group"] != "all") & (out["method"] != "none")]
    total = out.loc[out["group"] == "all", "forecast"]
    out.attrs["sum_of_groups_vs_all"] = (
        float(groups.groupby("week_start")["forecast"].sum().mean() / total.mean())
        if len(groups) and len(total) and total.mean() > 0
        else math.nan
    )
    return out


def _none(history: pd.DataFrame, n: int, first: Any, messages: list[str]) -> Forecast:
    history = history.assign(forecast=np.nan)
    return Forecast(_columns(history), "none", n, first, tuple(messages))


def _done(
    history: pd.DataFrame, rows: pd.DataFrame, method: str, n: int, first: Any, messages: list[str]
) -> Forecast:
    table = pd.concat([history, rows], ignore_index=True)
    return Forecast(_columns(table), method, n, first, tuple(messages))


def _columns(table: pd.DataFrame) -> pd.DataFrame:
    for column in FORECAST_COLUMNS:
        if column not in table:
            table[column] = np.nan
    return table[list(FORECAST_COLUMNS)].reset_index(drop=True)


def seasonal_naive(counts: pd.Series, horizon_weeks: int) -> npt.NDArray[np.float64]:
    """The seasonal-naive forecast: each week ahead is the count of the same week a year (52 weeks) before.

    Weeks more than 52 ahead repeat the last year again (Hyndman &
    Athanasopoulos 2021, §5.2).

    >>> seasonal_naive(pd.Series(np.arange(60.0)), 3).tolist()
    [8.0, 9.0, 10.0]
    """
    values = np.asarray(counts, dtype=float)
    last_year = values[-52:]
    return np.resize(last_year, horizon_weeks)


def backtest(
    counts: pd.Series,
    *,
    horizon_weeks: int = 26,
    step_weeks: int = 4,
    min_history_weeks: int = MIN_HISTORY_WEEKS,
) -> pd.DataFrame:
    """Forecasts made at past dates against what came, and against the seasonal-naive forecast.

    Origins every ``step_weeks`` weeks from ``min_history_weeks`` weeks of
    history (after :func:`history_start`) until ``horizon_weeks`` before
    the end (the last origin's horizon may be cut short when data end).

    Returns
    -------
    pandas.DataFrame
        One row per origin: origin (first week forecast), weeks (scored),
        mae (mean absolute error of the forecast), mae_seasonal_naive,
        coverage_80, coverage_95 (share of weeks inside the interval).
        ``attrs["summary"]`` holds the means over origins.
    """
    series = pd.Series(counts, dtype=float).dropna()
    series = series.iloc[history_start(series) :]
    rows = []
    for origin in range(max(min_history_weeks, 52), len(series) - 4 + 1, step_weeks):
        weeks = min(horizon_weeks, len(series) - origin)
        f = forecast_referrals(series.iloc[:origin], horizon_weeks=weeks).future
        actual = series.to_numpy()[origin : origin + weeks]
        naive = seasonal_naive(series.iloc[:origin], weeks)
        rows.append(
            {
                "origin": series.index[origin],
                "weeks": weeks,
                "mae": float(np.abs(f["forecast"].to_numpy() - actual).mean()),
                "mae_seasonal_naive": float(np.abs(naive - actual).mean()),
                "coverage_80": float(
                    ((actual >= f["lower_80"]) & (actual <= f["upper_80"])).mean()
                ),
                "coverage_95": float(
                    ((actual >= f["lower_95"]) & (actual <= f["upper_95"])).mean()
                ),
            }
        )
    out = pd.DataFrame(
        rows, columns=["origin", "weeks", "mae", "mae_seasonal_naive", "coverage_80", "coverage_95"]
    )
    out.attrs["summary"] = {
        c: float(out[c].mean()) if len(out) else math.nan
        for c in ("mae", "mae_seasonal_naive", "coverage_80", "coverage_95")
    }
    return out
