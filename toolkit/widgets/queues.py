"""Why queues grow (Varför växer köer?)."""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as w
import pandas as pd

from toolkit import charts
from toolkit.queueing import (
    FormulaCheck,
    formula_check,
    simulate_queue,
    typical_week,
    waiting_time_vs_utilisation,
    workshop_mean_wait,
    workshop_scenario,
)
from toolkit.widgets.base import LiveChart, _App, _esc, format_number

#: Week-to-week variation beyond Poisson per level (the gamma factor's
#: coefficient of variation in :class:`toolkit.simulate.Scenario`).
VARIATION_LEVELS: dict[str, float] = {"low": 0.0, "medium": 0.15, "high": 0.3}
#: Replications per control change: the kernel's work stays well under 150 ms.
REPLICATIONS = 100
#: The same random numbers for every setting (common random numbers).
SEED = 0
#: Utilisation bands of the plain-language sentence: below 0.8, below 0.9, below 1.
_BANDS = ((0.8, "low"), (0.9, "mid"), (1.0, "high"))

_CSS = """<style>
.tk-app .tk-small { font-size: 16px !important; color: #444; }
.tk-queue-figures .tk-fig { margin: 0 0 10px 0; font-size: 18px; }
.tk-queue-figures .tk-fig b { font-size: 30px; }
.tk-queue-sentence .tk-sentence { font-size: 21px; margin: 6px 0; }
</style>"""


class QueueApp(_App):
    """Why queues grow (Varför växer köer?).

    Demand, capacity and their variation drive the single-stage workshop
    queue (:func:`toolkit.queueing.simulate_queue`, 100 replications with a
    fixed seed). Shows the queue and the waits week by week, the curve of the
    mean wait against utilisation (the weekly-slot queue's long-run formula,
    :func:`toolkit.queueing.waiting_time_vs_utilisation`) with the current
    setting and earlier tries at the same capacity marked, the figures with
    one plain-language sentence, and one sentence comparing the formula with
    the simulation (:func:`toolkit.queueing.formula_check`: they agree, or
    which of the formula's assumptions the setting breaks).
    """

    title_key = "widgets.queues.title"
    intro_key = "widgets.queues.intro"

    def __init__(self, lang: str = "sv") -> None:
        super().__init__(lang)
        self._build_controls()
        self._build_outputs()
        #: Simulated mean waits (days) of earlier tries, by the other settings, then demand.
        self.tried: dict[tuple[Any, ...], dict[int, float]] = {}
        self.result: pd.DataFrame | None = None
        self._guarded(self.update)()
        self._watch(
            self.demand,
            self.capacity,
            self.demand_var,
            self.capacity_var,
            self.weeks,
            self.start_queue,
        )
        self.container = self._layout()

    def _build_controls(self) -> None:
        """Demand, capacity, their variation, the weeks simulated and the starting queue."""
        style = {"description_width": "330px"}
        wide = w.Layout(width="650px")

        def slider(value: int, low: int, high: int, step: int, css: str, key: str) -> w.IntSlider:
            s = w.IntSlider(
                value=value,
                min=low,
                max=high,
                step=step,
                continuous_update=False,
                style=style,
                layout=wide,
            )
            s.add_class(css)
            self._label(s, key)
            return s

        self.demand = slider(14, 1, 60, 1, "tk-demand", "widgets.queues.demand")
        self.capacity = slider(20, 1, 60, 1, "tk-capacity", "widgets.queues.capacity")
        toggles = {"button_width": "96px", "description_width": "330px"}
        self.demand_var = w.ToggleButtons(style=toggles, layout=wide)
        self.capacity_var = w.ToggleButtons(style=toggles, layout=wide)
        for widget, css, key in (
            (self.demand_var, "tk-demand-var", "widgets.queues.demand_var"),
            (self.capacity_var, "tk-capacity-var", "widgets.queues.capacity_var"),
        ):
            self._options(widget, list(VARIATION_LEVELS), "widgets.queues.var")
            widget.value = "medium"
            widget.add_class(css)
            self._label(widget, key)
        self.var_help = w.HTML()
        self.var_help.add_class("tk-var-help")
        self._label(
            self.var_help,
            lambda: (
                f"<div class='tk-small'><b>{_esc(self._t('widgets.queues.var'))}:</b> "
                f"{_esc(self._t('widgets.queues.var_help'))}</div>"
            ),
            "value",
        )
        self.var_range = w.HTML()
        self.var_range.add_class("tk-var-range")
        self.weeks = slider(104, 13, 104, 13, "tk-weeks", "widgets.queues.weeks")
        self.start_queue = slider(0, 0, 200, 10, "tk-start-queue", "widgets.queues.start_queue")

    def _build_outputs(self) -> None:
        """The figures, the sentence, the formula check, the chart and the formula note."""
        self.figures = w.HTML()
        self.figures.add_class("tk-queue-figures")
        self.sentence = w.HTML()
        self.sentence.add_class("tk-queue-sentence")
        self.check = w.HTML()
        self.check.add_class("tk-formula-check")
        #: The comparison of formula and simulation for the current setting.
        self.formula_check: FormulaCheck | None = None
        self.chart = LiveChart()
        self.chart.add_class("tk-main-chart")
        self.note = w.HTML()
        self.note.add_class("tk-formula-note")
        self._label(
            self.note,
            lambda: f"<div class='tk-intro'>{_esc(self._t('widgets.queues.formula_note'))}</div>",
            "value",
        )

    def _layout(self) -> w.VBox:
        """The page: the controls beside the figures, then the sentence, the check and the chart."""
        controls = w.VBox(
            [
                w.HTML(_CSS),
                self.demand,
                self.capacity,
                self.demand_var,
                self.capacity_var,
                self.var_help,
                self.var_range,
                self.weeks,
                self.start_queue,
            ]
        )
        controls.layout.width = "660px"
        self.figures.layout.width = "430px"
        top = w.HBox([controls, self.figures], layout=w.Layout(align_items="flex-start"))
        return self._frame(top, self.sentence, self.check, self.chart, self.note)

    # ---- settings
    def settings(self) -> dict[str, Any]:
        """The current settings as the calculation functions take them."""
        return {
            "demand_per_week": int(self.demand.value),
            "capacity_per_week": int(self.capacity.value),
            "cv_demand": VARIATION_LEVELS[str(self.demand_var.value)],
            "cv_capacity": VARIATION_LEVELS[str(self.capacity_var.value)],
            "weeks": int(self.weeks.value),
            "start_queue": int(self.start_queue.value),
        }

    def update(self) -> None:
        """Simulate the current setting and refresh figures, sentence and chart."""
        s = self.settings()
        lam, mu = s["demand_per_week"], s["capacity_per_week"]
        scenario = workshop_scenario(lam, mu, s["cv_demand"], s["cv_capacity"], s["start_queue"])
        result = simulate_queue(scenario, s["weeks"], REPLICATIONS, SEED)
        self.result = result
        theory = 7 * workshop_mean_wait(lam, mu, s["cv_demand"], s["cv_capacity"])  # days
        key = (mu, s["cv_demand"], s["cv_capacity"], s["weeks"], s["start_queue"])
        self.tried.setdefault(key, {})[lam] = float(result.attrs["wait_mean_days"])
        self.formula_check = formula_check(
            theory / 7,
            result.attrs["wait_mean_days"] / 7,
            result.attrs["wait_mean_se_days"] / 7,
            demand_per_week=lam,
            capacity_per_week=mu,
            warm_up_weeks=result.attrs["warm_up_weeks"],
            start_queue=s["start_queue"],
            extra_cv_demand=s["cv_demand"],
            extra_cv_capacity=s["cv_capacity"],
        )
        self._show_range(s)
        self._show_figures(s, result, theory)
        check = self.formula_check
        self.check.value = (
            f"<p class='tk-note tk-check' data-reason='{check.reason}'>"
            f"{_esc(check.message(self.lang))}</p>"
        )
        # the synced spec is set directly: a rebuilt Altair chart would cost ~1 s a change
        self.chart.spec = self._spec(s, result, theory)

    # ---- texts
    def _show_range(self, s: dict[str, Any]) -> None:
        d_lo, d_hi = typical_week(s["demand_per_week"], s["cv_demand"])
        c_lo, c_hi = typical_week(s["capacity_per_week"], s["cv_capacity"])
        text = self._t(
            "widgets.queues.var_range",
            demand_low=d_lo,
            demand_high=d_hi,
            capacity_low=c_lo,
            capacity_high=c_hi,
        )
        self.var_range.value = f"<div class='tk-small'>{_esc(text)}</div>"

    def _days(self, value: float) -> str:
        if not math.isfinite(value):
            return self._t("widgets.queues.no_limit")
        return self._t("widgets.queues.days", value=format_number(value, self.lang, 1))

    def _show_figures(self, s: dict[str, Any], result: pd.DataFrame, theory: float) -> None:
        n = self.lang
        lam, mu = s["demand_per_week"], s["capacity_per_week"]
        rho = lam / mu
        attrs = result.attrs
        queue = format_number(attrs["queue_end_median"], n, 0)
        band = self._t(
            "widgets.queues.band",
            lo=format_number(attrs["queue_end_lo"], n, 0),
            hi=format_number(attrs["queue_end_hi"], n, 0),
        )
        items = [
            ("utilisation", format_number(100 * rho, n, 0) + " %", "tk-utilisation", ""),
            ("theory_wait", self._days(theory), "tk-theory-wait", ""),
            (
                "sim_wait",
                self._days(attrs["wait_mean_days"]),
                "tk-sim-wait",
                self._t("widgets.queues.sim_wait_note"),
            ),
            ("sim_queue", queue, "tk-sim-queue", band),
        ]
        rows = "".join(
            f"<div class='tk-fig'><div>{_esc(self._t('widgets.queues.fig.' + key))}</div>"
            f"<div><b class='{cls}'>{_esc(text)}</b> <span class='tk-small'>{_esc(extra)}</span>"
            "</div></div>"
            for key, text, cls, extra in items
        )
        fields = {
            "spare": format_number(mu - lam, n, 0),
            "growth": format_number(lam - mu, n, 0),
            "wait": format_number(attrs["wait_mean_days"], n, 1),
            "queue": queue,
            "weeks": s["weeks"],
        }
        band_key = next((b for limit, b in _BANDS if rho < limit), None)
        if band_key is None:
            band_key = "equal" if lam == mu else "over"
        sentence = self._t(f"widgets.queues.sentence.{band_key}", **fields)
        self.figures.value = f"<div class='tk-figures'>{rows}</div>"
        self.sentence.value = (
            f"<p class='tk-note tk-sentence' data-band='{band_key}'>{_esc(sentence)}</p>"
        )

    # ---- chart
    def _spec(self, s: dict[str, Any], result: pd.DataFrame, theory: float) -> dict[str, Any]:
        """The Vega-Lite spec: the language's template with this setting's data filled in."""
        lam, mu = s["demand_per_week"], s["capacity_per_week"]
        rho = lam / mu
        key = (mu, s["cv_demand"], s["cv_capacity"], s["weeks"], s["start_queue"])
        tried = self.tried[key]
        curve = waiting_time_vs_utilisation(mu, s["cv_demand"], s["cv_capacity"])
        now_sim = tried.get(lam, math.nan)
        earlier = [(d / mu, v) for d, v in tried.items() if d != lam and d < mu]
        points = [{"utilisation": u, "wait_days": v, "series": "earlier"} for u, v in earlier]
        if 0.3 <= rho < 1:
            points.append({"utilisation": rho, "wait_days": theory, "series": "now_formula"})
            if math.isfinite(now_sim):
                points.append({"utilisation": rho, "wait_days": now_sim, "series": "now_sim"})
        shown = [p["wait_days"] for p in points if math.isfinite(p["wait_days"])]
        # the curve explodes at 100 %: show up to a bit above the highest marked point
        y_max = float(max([14.0, *(1.2 * v for v in shown)]))
        for p in points:
            p["label"] = self._t(f"widgets.queues.chart.{p['series']}")
        formula = self._t("widgets.queues.chart.formula")
        datasets = {
            "weekly": _records(result),
            "curve": _records(curve.assign(label=formula)[["utilisation", "wait_days", "label"]]),
            "points": _records(
                pd.DataFrame(points, columns=["utilisation", "wait_days", "series", "label"])
            ),
        }
        spec = charts.queues_spec(self.lang, round(y_max, 3))
        spec["datasets"] = datasets
        return spec


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe records (NaN and infinity become null)."""
    columns = []
    for name in frame.columns:
        values = frame[name].to_numpy()
        if values.dtype.kind == "f":
            columns.append([v if math.isfinite(v) else None for v in values.tolist()])
        else:
            columns.append(values.tolist())
    names = [str(c) for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
