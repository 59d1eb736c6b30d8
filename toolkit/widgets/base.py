"""The common frame of the workbook applications: styles, the language switch,
the error box, the kernel watch and the unit picker with upload."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as w
import numpy as np
import pandas as pd
import traitlets

from toolkit.charts import empty_chart, for_workbook
from toolkit.errors import DataError, ParameterError
from toolkit.i18n import check_language, parse_number, t
from toolkit.i18n import format_number as i18n_format_number
from toolkit.privacy import DEFAULT_THRESHOLD
from toolkit.resources import locate
from toolkit.widgets.kernel_start import enable_offline_charts, fast_charts

enable_offline_charts()
fast_charts()

#: Folder of the synthetic sample units (``sample_data``, bundled in the wheel or the repository's).
SAMPLE_DATA = locate("sample_data")

#: Style for projector legibility: large type on every control and text.
_CSS = """
<style>
.tk-app { font-size: 18px; max-width: 1100px; }
.tk-app .widget-label, .tk-app .widget-readout, .tk-app .widget-html-content,
.tk-app .widget-dropdown select, .tk-app .widget-toggle-button, .tk-app button,
.tk-app input, .tk-app .widget-checkbox label { font-size: 18px !important; }
.tk-app .widget-html-content { line-height: 1.4; }
.tk-app h1 { font-size: 32px; margin: 4px 0 8px 0; }
.tk-app .tk-intro { font-size: 18px; color: #333; }
.tk-app .tk-figures { font-size: 22px; }
.tk-app .tk-figures b { font-size: 26px; }
.tk-app .tk-error { background: #fde8e8; border-left: 6px solid #c81e1e; padding: 8px 12px;
  font-size: 20px; white-space: pre-wrap; }
.tk-app .tk-note { background: #fff8e1; border-left: 6px solid #e6a700; padding: 8px 12px; }
.tk-app .tk-icon { display: inline-block; padding: 6px 14px; border-radius: 20px; color: white;
  font-weight: bold; margin: 4px 8px 4px 0; }
.tk-app .tk-rule { margin: 4px 0; }
.tk-app table.tk-table { border-collapse: collapse; font-size: 18px; }
.tk-app table.tk-table td, .tk-app table.tk-table th { border-bottom: 1px solid #ccc;
  padding: 4px 12px; text-align: right; }
.tk-app table.tk-table th:first-child, .tk-app table.tk-table td:first-child { text-align: left; }
/* fit the page from 1 024 px wide to 150 % zoom at 1 280 px (853 px of page):
   side-by-side boxes wrap, no widget is wider than its box, labels wrap, and a
   chart drawn wider than its box is scaled down to it (its SVG has a viewBox) */
.tk-app .widget-hbox { flex-wrap: wrap; }
.tk-app .widget-box, .tk-app .widget-inline-hbox, .tk-app .widget-html,
.tk-app .widget-dropdown, .tk-app .widget-text, .tk-app .widget-textarea { max-width: 100%; }
.tk-app .widget-inline-hbox .widget-label { white-space: normal; min-width: 0; flex-shrink: 1;
  overflow-wrap: anywhere; line-height: 1.2; height: auto; }
.tk-app .widget-inline-hbox { height: auto; min-height: 32px; align-items: center; }
.tk-app .widget-slider .slider-container { flex: 1 1 140px; min-width: 140px; }
.tk-app .widget-slider .noUi-target { background: #d0d0d0; height: 8px; border-radius: 4px; }
.tk-app .widget-slider .noUi-connect { background: #5a8fd0; }
.tk-app .widget-readout { flex-shrink: 0; min-width: 64px; }
.tk-app .vega-embed, .tk-app .tk-main-chart, .tk-app .tk-chart { max-width: 100%; }
.tk-app .vega-embed svg.marks { max-width: 100%; height: auto; }
.tk-app select { max-width: 100%; }
.tk-app .tk-number-row { flex-wrap: nowrap; }
.tk-app .tk-number { flex-shrink: 0; }
.tk-app .tk-number input { font-size: 20px !important; text-align: right; font-weight: bold; }
.tk-app .tk-number-note { font-size: 16px; color: #555; min-height: 0; }
.tk-app .tk-reset { margin-right: 16px; }
.tk-lost { position: fixed; top: 0; left: 0; right: 0; z-index: 1000; background: #c81e1e;
  color: white; font-size: 22px; padding: 14px 20px; }
</style>
"""


#: An absolute path (POSIX ``/a/b/c``, ``~/a/b``, Windows ``C:\\a\\b`` or ``\\\\server\\share\\b``)
#: with at least one folder before its last part.
_PATH = re.compile(
    r"(?:(?<![\w.~/\\])(?:~?/)(?:[^\s/\\'\"<>:;,()]+/)+"
    r"|(?<![\w])(?:[A-Za-z]:|\\\\[^\s\\'\"<>]+)\\(?:[^\s\\'\"<>:;,()]+\\)*)"
    r"(?=[^\s/\\'\"<>:;,()])"
)


def file_names_only(text: str) -> str:
    """``text`` with every absolute path cut to its last part (a file's name).

    A page's error box never shows where the server keeps files (upload
    folders under the server's temporary directory, the user's home).

    >>> file_names_only("kan inte läsa /tmp/tmpa1b2/remisser.csv (rad 3)")
    'kan inte läsa remisser.csv (rad 3)'
    >>> file_names_only(r"C:\\Users\\anna\\AppData\\Local\\Temp\\x\\besok.csv: fel")
    'besok.csv: fel'
    >>> file_names_only("1/2 av 3, kvot 0.5/v, ~/bup-toolkit/pdsa.csv")
    '1/2 av 3, kvot 0.5/v, pdsa.csv'
    """
    return _PATH.sub("", str(text))


def _esc(text: Any) -> str:
    return html.escape(str(text))


def format_number(value: float, lang: str, digits: int = 1) -> str:
    """A number as users read it: decimal comma and thin space in Swedish.

    >>> format_number(1234.56, "sv")
    '1\\xa0234,6'
    >>> format_number(1234.56, "en", 0)
    '1,235'
    >>> format_number(float("nan"), "en")
    '–'
    """
    if value is None or not np.isfinite(value):
        return "–"
    return i18n_format_number(value, lang, digits)


# --------------------------------------------------------------------------- sample units


def sample_units() -> list[Any]:
    """The synthetic sample units of ``sample_data/units.yaml`` (empty when absent)."""
    from toolkit.manifest import read_manifest

    path = SAMPLE_DATA / "units.yaml"
    if not path.exists():
        return []
    return read_manifest(path)


@functools.cache
def _load_sample(unit_id: str) -> tuple[Any, Any]:
    """Load a sample unit once per kernel (the same data for every control change)."""
    from toolkit.io import load_unit

    entry = next(e for e in sample_units() if e.id == unit_id)
    return entry, load_unit(entry.path, extract_date=entry.extract_date)


def last_date(unit: Any) -> pd.Timestamp | None:
    """The latest date in an uploaded unit's tables: its flow ends there, not today.

    >>> class U:
    ...     tables = {"referrals": pd.DataFrame({"received": pd.to_datetime(["2024-03-01"]),
    ...                                          "closed": pd.to_datetime(["2024-05-02"])})}
    >>> last_date(U())
    Timestamp('2024-05-02 00:00:00')
    """
    latest: list[pd.Timestamp] = []
    for table in unit.tables.values():
        for column in table.columns:
            if pd.api.types.is_datetime64_any_dtype(table[column]) and table[column].notna().any():
                latest.append(pd.Timestamp(table[column].max()))
    return max(latest) if latest else None


# --------------------------------------------------------------------------- kernel watch

_HEARTBEAT_ESM = """
export default {
  render({ model, el }) {
    const start = Date.now();
    let last = 0;
    el.className = "tk-lost";
    el.innerHTML = model.get("message");
    el.style.display = "none";
    el.setAttribute("role", "alert");
    model.on("msg:custom", (msg) => {
      if (msg && msg.type === "pong") {
        last = Date.now();
        el.style.display = "none";
        el.dataset.answered = "1";  // the kernel has answered at least once
      }
    });
    const ping = () => { try { model.send({ type: "ping" }); } catch (e) { /* connection closed */ } };
    ping();  // at once: a live kernel answers within a moment of the page showing
    const timer = setInterval(() => {
      ping();
      const now = Date.now();
      const lost = last > 0 ? now - last > model.get("timeout_ms") : now - start > 8 * model.get("timeout_ms");
      if (lost) { el.style.display = "block"; }
    }, model.get("interval_ms"));
    return () => clearInterval(timer);
  }
};
"""


#: Largest total size, in MB, of the files of one upload. The files travel to
#: the kernel in one websocket message, which the server takes up to 250 MB
#: (``toolkit.voila_server.UPLOAD_LIMIT_MB``, ``binder/jupyter_config``); this
#: leaves room for the message's own envelope.
UPLOAD_FILES_MB = 200

#: Checks an upload's size in the page before anything is sent. ipywidgets'
#: FileUpload reads each chosen file with ``FileReader.readAsArrayBuffer`` and
#: sends them all in one message: above the limit that message would be
#: refused by the server and the page would wait for ever. The check wraps
#: ``readAsArrayBuffer`` once per page: the files of one choice (read in the
#: same turn of the event loop) are summed, and when the sum is over the limit
#: none is read and the widget tells the kernel (``refused``), which shows
#: the message in the page's error box.
_UPLOAD_LIMIT_ESM = """
function render({ model }) {
  const proto = FileReader.prototype;
  if (!proto.__tkLimit) {
    const read = proto.readAsArrayBuffer;
    let total = 0, names = [], refusedTurn = false;
    proto.readAsArrayBuffer = function (blob) {
      if (total === 0) {
        setTimeout(() => {
          if (refusedTurn) {
            window.dispatchEvent(new CustomEvent("tk-upload-too-large",
              { detail: { names: names.join(", "), bytes: total } }));
          }
          total = 0; names = []; refusedTurn = false;
        }, 0);
      }
      total += blob.size; names.push(blob.name || "");
      if (total > proto.__tkLimit()) { refusedTurn = true; }
      if (refusedTurn) { return; }  // nothing read: nothing sent
      return read.call(this, blob);
    };
  }
  proto.__tkLimit = () => model.get("limit_bytes");
  const refused = (event) => {
    model.set("refused", JSON.stringify([event.detail.names, event.detail.bytes, Date.now()]));
    model.save_changes();
  };
  window.addEventListener("tk-upload-too-large", refused);
  return () => window.removeEventListener("tk-upload-too-large", refused);
}
export default { render };
"""


class UploadLimit(anywidget.AnyWidget):
    """A hidden widget that refuses, in the page, an upload above ``limit_bytes`` (see above)."""

    _esm = _UPLOAD_LIMIT_ESM
    limit_bytes = traitlets.Int(UPLOAD_FILES_MB * 2**20).tag(sync=True)
    refused = traitlets.Unicode("").tag(sync=True)


class Heartbeat(anywidget.AnyWidget):
    """A hidden widget that pings the kernel and shows a banner when it stops answering.

    A killed or restarted kernel no longer knows the page's widgets, so the
    pings go unanswered and after ``timeout_ms`` the page shows, in both
    languages, that the workbook must be reloaded. Before the first answer a
    page waits ``8 × timeout_ms`` (64 s), so that a slow start on a busy
    laptop does not flash the banner.
    """

    _esm = _HEARTBEAT_ESM
    message = traitlets.Unicode("").tag(sync=True)
    timeout_ms = traitlets.Int(8000).tag(sync=True)
    interval_ms = traitlets.Int(2000).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = (
            f"{_esc(t('widgets.kernel_lost', 'sv'))}<br>{_esc(t('widgets.kernel_lost', 'en'))}"
        )
        self.on_msg(self._answer)

    def _answer(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            self.send({"type": "pong"})


# --------------------------------------------------------------------------- number box


def _slider_kind(slider: Any) -> tuple[bool, bool, int]:
    """(percent, signed, decimals) of a slider from its readout format."""
    fmt = str(getattr(slider, "readout_format", "d"))
    percent = fmt.endswith("%")
    digits = re.search(r"\.(\d+)", fmt)
    decimals = int(digits.group(1)) if digits else 0
    return percent, fmt.startswith("+"), decimals


def format_slider_value(slider: Any, value: float, lang: str) -> str:
    """A slider's value as the page shows it (Swedish decimal comma; ``40 %``; ``+10 %``).

    >>> s = w.FloatSlider(value=0.4, readout_format=".0%")
    >>> format_slider_value(s, 0.4, "sv"), format_slider_value(s, 0.4, "en")
    ('40\xa0%', '40%')
    >>> format_slider_value(w.FloatSlider(readout_format=".2f"), 4.5, "sv")
    '4,50'
    """
    percent, signed, decimals = _slider_kind(slider)
    shown = 100.0 * value if percent else value
    text = format_number(shown, lang, decimals)
    if signed and shown > 0:
        text = "+" + text
    if percent:
        text += "\u00a0%" if lang == "sv" else "%"
    return text


class NumberBox:
    """A slider with a box beside it that shows its value and takes a typed one.

    The box reads Swedish and English forms (``0,4``, ``0.4``, ``40 %``,
    ``40``; on a percent slider a number below 1 is a share, 1 and above
    per cent), puts the value on the slider's step within its range, and
    says below what it did with the input: read as, limited to the range, or
    not a number (the value then stays).
    """

    def __init__(self, app: _App, slider: Any) -> None:
        self.app = app
        self.slider = slider
        slider.readout = False
        self.box = w.Text(continuous_update=False, layout=w.Layout(width="110px"))
        self.box.add_class("tk-number")
        self.note = w.HTML()
        self.note.add_class("tk-number-note")
        app._label(self.box, "widgets.number.box", "placeholder")
        # the row takes the slider's width; the slider shares it with the box
        width = slider.layout.width or "100%"
        slider.layout.width = "auto"
        slider.layout.flex = "1 1 auto"
        self.row = w.HBox([slider, self.box], layout=w.Layout(align_items="center", width=width))
        self.row.add_class("tk-number-row")
        self.widget = w.VBox([self.row, self.note])
        self.widget.add_class("tk-number-control")
        slider.observe(self._shown, names="value")
        self.box.observe(self._typed, names="value")
        self._show()

    def _text(self, value: float) -> str:
        return format_slider_value(self.slider, value, self.app.lang)

    def _show(self) -> None:
        self.box.unobserve(self._typed, names="value")
        try:
            self.box.value = self._text(float(self.slider.value))
        finally:
            self.box.observe(self._typed, names="value")

    def _shown(self, _change: Any) -> None:
        self._show()

    def refresh(self) -> None:
        """Show the value again (after a change of language) and forget the last note."""
        self.note.value = ""
        self._show()

    def _say(self, key: str, **fields: Any) -> None:
        self.note.value = f"<span class='tk-number-said'>{_esc(self.app._t(key, **fields))}</span>"

    def _typed(self, change: Any) -> None:
        text = str(change["new"]).strip()
        if text == self._text(float(self.slider.value)) or not text:
            self._show()
            return
        slider = self.slider
        percent, _signed, _decimals = _slider_kind(slider)
        low, high = float(slider.min), float(slider.max)
        try:
            number, has_sign = parse_number(text)
        except ValueError:
            example = self._text(low + (high - low) / 2)
            self._say(
                "widgets.number.unreadable",
                text=text,
                example=example,
                value=self._text(float(slider.value)),
            )
            self._show()
            return
        value = number / 100.0 if percent and (has_sign or abs(number) >= 1) else number
        step = float(getattr(slider, "step", 1) or 1)
        snapped = low + round((value - low) / step) * step
        clamped: float = round(min(max(snapped, low), high), 10)
        if isinstance(slider, w.IntSlider):
            clamped = round(clamped)
        if value < low - 1e-12 or value > high + 1e-12:
            self._say(
                "widgets.number.clamped",
                text=text,
                low=self._text(low),
                high=self._text(high),
                value=self._text(clamped),
            )
        elif abs(clamped - value) > 1e-9:
            self._say(
                "widgets.number.rounded",
                text=text,
                read=self._text(value),
                value=self._text(clamped),
            )
        else:
            key = (
                "widgets.number.read_percent" if percent and not has_sign else "widgets.number.read"
            )
            self._say(key, text=text, value=self._text(clamped))
        if clamped == slider.value:
            self._show()
        else:
            slider.value = clamped


def step_buttons(app: _App, slider: Any) -> w.VBox:
    """``slider`` (a :class:`ipywidgets.SelectionSlider`) with buttons one option back and forward.

    For fine choices such as a date among a year of weeks, where a slider
    moves a few pixels per option: the buttons, and a line saying that the
    arrow keys work too.
    """
    back = w.Button(layout=w.Layout(width="auto"))
    forward = w.Button(layout=w.Layout(width="auto"))
    back.add_class("tk-step-back")
    forward.add_class("tk-step-forward")
    app._label(back, "widgets.step.back")
    app._label(forward, "widgets.step.forward")
    help_text = w.HTML()
    help_text.add_class("tk-number-note")
    app._label(help_text, lambda: f"<i>{_esc(app._t('widgets.step.help'))}</i>", "value")

    def move(by: int) -> None:
        values = [v for _, v in slider.options]
        if not values:
            return
        index = values.index(slider.value) if slider.value in values else 0
        slider.value = values[min(max(index + by, 0), len(values) - 1)]

    back.on_click(lambda _b: app._guarded(move)(-1))
    forward.on_click(lambda _b: app._guarded(move)(1))
    return w.VBox(
        [w.HBox([slider, back, forward], layout=w.Layout(align_items="center")), help_text]
    )


def _sliders_in(widget: Any) -> list[Any]:
    """Number sliders anywhere under ``widget`` not yet given a box."""
    found: list[Any] = []
    if isinstance(widget, w.FloatSlider | w.IntSlider) and not getattr(widget, "_tk_boxed", False):
        found.append(widget)
    for child in getattr(widget, "children", ()) or ():
        found.extend(_sliders_in(child))
    return found


# --------------------------------------------------------------------------- base application


class _App:
    """Common frame: title, language switch, error box, relabelling, guarded callbacks."""

    title_key = "widgets.title"
    intro_key = "widgets.intro"
    #: A reset button puts the settings back at their start. Forms whose
    #: answers are saved as typed (PDSA log, self-assessments) have none: a
    #: reset there would erase what the room has written.
    has_reset = True
    #: The tables of a unit's data the page uses; a unit without one of them gets,
    #: under its name, what is missing and what it would add (toolkit.missing).
    uses_tables: tuple[str, ...] = ()

    def __init__(self, lang: str = "sv") -> None:
        self.lang = check_language(lang)
        self._labels: list[tuple[Any, str, Callable[[], Any]]] = []
        self._busy = False
        self.lang_switch = w.ToggleButtons(
            options=[("Svenska", "sv"), ("English", "en")],
            value=self.lang,
            layout=w.Layout(width="auto"),
            style={"button_width": "120px"},
        )
        self.lang_switch.add_class("tk-lang")
        self.title = w.HTML()
        self.intro = w.HTML()
        self.error = w.HTML()
        self.error.add_class("tk-error-box")
        self.error.add_class("tk-message")
        self.details_text = w.HTML()
        self.details = w.Accordion(children=[self.details_text])
        self.details.selected_index = None
        self.details.layout.display = "none"
        self.heartbeat = Heartbeat()
        self.number_boxes: list[NumberBox] = []
        self.reset_button = w.Button(icon="undo", layout=w.Layout(width="auto"))
        self.reset_button.add_class("tk-reset")
        self._label(self.reset_button, "widgets.reset")
        self.reset_button.on_click(lambda _b: self._guarded(self.reset)())
        self._start_values: list[tuple[Any, Any]] = []
        self._settings_roots: tuple[Any, ...] = ()
        self._label(self.title, lambda: f"<h1>{_esc(self._t(self.title_key))}</h1>", "value")
        self._label(
            self.intro,
            lambda: f"<div class='tk-intro'>{_esc(self._t(self.intro_key))}</div>",
            "value",
        )
        self.lang_switch.observe(self._on_lang, names="value")

    # ---- texts
    def _t(self, key: str, **fields: Any) -> str:
        return t(key, self.lang, **fields)

    def _label(self, widget: Any, text: str | Callable[[], Any], attr: str = "description") -> None:
        """Register a text of a widget attribute; it follows the language switch."""
        getter: Callable[[], Any] = (lambda: self._t(text)) if isinstance(text, str) else text
        self._labels.append((widget, attr, getter))
        if attr == "options":
            self._set_options(widget, getter())
        else:
            setattr(widget, attr, getter())

    @staticmethod
    def _set_options(widget: Any, options: list[tuple[str, Any]]) -> None:
        """New option labels; keep the value when still offered, else take the first."""
        value = widget.value
        widget.options = options
        codes = [code for _, code in options]
        if codes:
            widget.value = value if value in codes else codes[0]

    def _options(self, widget: Any, codes: Sequence[Any], prefix: str) -> None:
        """Dropdown/toggle options labelled from the catalogue, relabelled with the language."""
        self._label(widget, lambda: [(self._t(f"{prefix}.{c}"), c) for c in codes], "options")

    def _relabel(self) -> None:
        self._busy = True
        try:
            for widget, attr, getter in self._labels:
                if attr == "options":
                    self._set_options(widget, getter())
                else:
                    setattr(widget, attr, getter())
        finally:
            self._busy = False

    def _on_lang(self, change: Any) -> None:
        self.lang = change["new"]
        self._guarded(self._relabel)()
        for number in self.number_boxes:
            number.refresh()
        self._guarded(self.update)()

    # ---- errors
    def _show_error(self, text: str, details: str | None = None) -> None:
        """Show ``text`` (and ``details`` behind a fold); a path in them shows as its file's name."""
        self.error.value = f"<div class='tk-error' role='alert'>{_esc(file_names_only(text))}</div>"
        self._show_results(False)
        if details:
            self.details_text.value = f"<pre>{_esc(file_names_only(details))}</pre>"
            self.details.set_title(0, self._t("widgets.details"))
            self.details.selected_index = None
            self.details.layout.display = ""
        else:
            self.details.layout.display = "none"

    def _clear_error(self) -> None:
        self.error.value = ""
        self.details.layout.display = "none"
        self._show_results(True)

    def _results(self, *widgets: Any) -> None:
        """Register the widgets that show a unit's numbers.

        They are hidden while the page shows an error (a unit or upload that
        cannot be used, a refused setting), so that no numbers of another
        unit or setting stand under the message; the next successful update
        shows them again.
        """
        self._result_widgets = list(widgets)

    def _show_results(self, shown: bool) -> None:
        for widget in getattr(self, "_result_widgets", ()):
            widget.layout.display = "" if shown else "none"

    def _guarded(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` with every exception turned into a message in the page."""

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                result = fn(*args, **kwargs)
            except (DataError, ParameterError) as exc:
                self._show_error(exc.message(self.lang))
                return None
            except Exception as exc:
                self._show_error(self._t("widgets.unexpected"), f"{type(exc).__name__}: {exc}")
                return None
            return result

        return run

    def _watch(self, *widgets: Any) -> None:
        """Run :meth:`update` (guarded) when any of ``widgets`` changes value."""

        def changed(_change: Any) -> None:
            if not self._busy:
                self._guarded(self._update_and_clear)()

        for widget in widgets:
            widget.observe(changed, names="value")

    def _update_and_clear(self) -> None:
        self.update()
        self._clear_error()

    def unit_changed(self) -> None:
        """A new unit was picked or uploaded (override to reset data-dependent controls)."""
        self.update()

    def update(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    # ---- sliders with a number box, reset
    def _box_sliders(self, widget: Any) -> Any:
        """``widget`` with every number slider in it given a :class:`NumberBox`.

        Boxes that get new children later (sliders built per unit) are
        watched, so their sliders get a number box too.
        """
        if isinstance(widget, w.FloatSlider | w.IntSlider):
            widget._tk_boxed = True
            number = NumberBox(self, widget)
            self.number_boxes.append(number)
            return number.widget
        if isinstance(widget, w.Box) and not getattr(widget, "_tk_watched", False):
            widget._tk_watched = True
            widget.children = tuple(self._box_sliders(c) for c in widget.children)

            def rebox(change: Any) -> None:
                if _sliders_in(widget):
                    self.number_boxes = [
                        n for n in self.number_boxes if n.widget not in change["old"]
                    ]
                    widget.children = tuple(self._box_sliders(c) for c in change["new"])

            widget.observe(rebox, names="children")
        return widget

    def _settings_widgets(self) -> list[Any]:
        """The controls :meth:`reset` puts back: sliders, dropdowns, toggles and checkboxes
        of the page's settings (not the language, the unit, uploads or typed answers)."""
        kinds = (
            w.FloatSlider,
            w.IntSlider,
            w.SelectionSlider,
            w.ToggleButtons,
            w.Dropdown,
            w.Checkbox,
            w.FloatText,
        )
        skip = {"tk-lang", "tk-unit"}
        found: list[Any] = []

        def walk(widget: Any) -> None:
            if isinstance(widget, kinds) and not skip & set(widget._dom_classes):
                found.append(widget)
            for child in getattr(widget, "children", ()) or ():
                walk(child)

        for child in self._settings_roots:
            walk(child)
        return found

    def reset(self) -> None:
        """Put every setting back at its start and start again from the current unit."""
        self._busy = True
        try:
            for widget, value in self._start_values:
                options = getattr(widget, "options", None)
                codes = None
                if options is not None:
                    codes = [o[1] if isinstance(o, tuple) else o for o in options]
                if codes is None or value in codes:
                    widget.value = value
        finally:
            self._busy = False
        self.unit_changed()
        self._clear_error()
        for number in self.number_boxes:
            number.refresh()

    def _frame(self, *children: Any) -> w.VBox:
        """The page: style, kernel watch, language switch (and reset), title, messages, ``children``.

        Every number slider in ``children`` gets a :class:`NumberBox`; with
        :attr:`has_reset` the page has a reset button that puts the settings
        back at the values they have now (call ``_frame`` once they are set).
        """
        reset = self.has_reset
        children = tuple(self._box_sliders(c) for c in children)
        self._settings_roots = children
        self._start_values = [(x, x.value) for x in self._settings_widgets()] if reset else []
        top = [self.reset_button, self.lang_switch] if reset else [self.lang_switch]
        box = w.VBox(
            [
                w.HTML(_CSS),
                self.heartbeat,
                w.HBox(top, layout=w.Layout(justify_content="flex-end", align_items="center")),
                self.title,
                self.intro,
                self.error,
                self.details,
                *children,
            ]
        )
        box.add_class("tk-app")
        return box

    def _chart_style(self, chart: Any) -> Any:
        """Large fonts for a projector (:func:`toolkit.charts.for_workbook`)."""
        return for_workbook(chart)


# --------------------------------------------------------------------------- live chart

#: The smallest chart a JupyterChart is created with before its real spec is set.
_EMPTY_CHART: Any = None


class LiveChart(w.Box):
    """A workbook's main chart that takes new numbers without being drawn anew.

    Set :attr:`spec` (a Vega-Lite specification whose numbers are in named
    ``datasets``) at every update. :class:`altair.JupyterChart` draws the
    whole chart again whenever its specification changes (Vega-Lite compiled,
    the view built: 50-200 ms in the page). Here, when only the datasets
    differ from the last specification, they go to the drawn view through
    JupyterChart's own data channel (``_py_to_js_updates``), which redraws
    only the marks. Anything else (labels, language, layout) puts a new
    JupyterChart in place of the old one, so a view never outlives its chart.
    Drawn as SVG: the marks, with their values, are in the page.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.view: Any = None
        self._shape: dict[str, Any] | None = None
        self._data: dict[str, Any] = {}

    @property
    def spec(self) -> dict[str, Any] | None:
        """The specification drawn now, with its current datasets."""
        if self._shape is None:
            return None
        return {**self._shape, "datasets": dict(self._data)} if self._data else dict(self._shape)

    @spec.setter
    def spec(self, spec: dict[str, Any]) -> None:
        import altair as alt

        global _EMPTY_CHART
        datasets = dict(spec.get("datasets") or {})
        shape = {k: v for k, v in spec.items() if k != "datasets"}
        if self.view is not None and shape == self._shape and datasets.keys() == self._data.keys():
            updates = [
                {"namespace": "data", "name": name, "scope": [], "value": rows}
                for name, rows in datasets.items()
                if rows != self._data[name]
            ]
            self._data = datasets
            if updates:
                # kept without being sent (that would draw anew): a page that
                # draws the widget later starts from the current numbers
                self.view._trait_values["spec"] = spec
                self.view._py_to_js_updates = updates
            return
        if _EMPTY_CHART is None:
            _EMPTY_CHART = empty_chart()
        view = alt.JupyterChart(_EMPTY_CHART, embed_options={"renderer": "svg"})
        view.spec = spec
        old, self.view = self.view, view
        self.children = (view,)
        if old is not None:
            old.close()
        self._shape, self._data = shape, datasets


# --------------------------------------------------------------------------- unit source


class UnitSource:
    """Pick a sample unit or upload a unit's own export; loaded by :func:`toolkit.io.load_unit`.

    An upload that the loader refuses shows the loader's message through
    ``on_error`` and leaves the previous unit in use. An upload is read with
    today's date (later dates are excluded as future dates); its extract
    date is then its :func:`last_date` when earlier, the "now" of every
    page and of the meeting material, and the page says so ("data up to").
    """

    def __init__(self, app: _App, on_change: Callable[[], None]) -> None:
        self.app = app
        self.on_change = on_change
        self.entries = sample_units()
        self.uploaded: tuple[str, Any] | None = None
        style = {"description_width": "initial"}
        self.choice = w.Dropdown(style=style, layout=w.Layout(width="620px"))
        self.choice.add_class("tk-unit")
        self.upload = w.FileUpload(
            accept=".csv,.txt,.xlsx,.xlsm", multiple=True, layout=w.Layout(width="auto")
        )
        self.upload.add_class("tk-upload")
        self.upload_label = w.HTML()
        self.status = w.HTML()
        app._label(self.choice, "widgets.unit")
        app._label(self.upload, "widgets.upload_button")
        app._label(
            self.upload_label, lambda: f"<i>{_esc(app._t('widgets.upload_help'))}</i>", "value"
        )
        self._options()
        self.choice.observe(self._picked, names="value")
        self.upload.observe(self._uploaded, names="value")
        self.limit = UploadLimit(layout=w.Layout(display="none"))
        self.limit.observe(self._too_large, names="refused")
        self.material = MeetingDownload(app, self)
        self.box = w.VBox(
            [
                self.choice,
                self.status,
                w.HBox([self.upload, self.upload_label]),
                self.limit,
                self.material.box,
            ]
        )
        app._label(self.status, self._description, "value")

    def _options(self) -> None:
        def opts() -> list[tuple[str, str]]:
            out = [(e.name, e.id) for e in self.entries]
            if self.uploaded is not None:
                out.append((self.app._t("widgets.own_unit", name=self.uploaded[0]), "__upload__"))
            return out

        self.app._label(self.choice, opts, "options")

    def current(self) -> tuple[str, Any, Any]:
        """(display name, entry or None, UnitData) of the chosen unit."""
        if self.choice.value == "__upload__" and self.uploaded is not None:
            return self.uploaded[0], None, self.uploaded[1]
        entry, unit = _load_sample(str(self.choice.value))
        return entry.name, entry, unit

    def _picked(self, _change: Any) -> None:
        if not self.app._busy:
            self.app._guarded(self._changed)()

    def _changed(self) -> None:
        self.status.value = ""
        self.material.link.value = ""  # never another unit's material
        self._describe()  # the new unit and what its data lack, also when the page refuses it
        self.app.unit_changed()
        self.app._clear_error()

    def _describe(self) -> None:
        self.status.value = self._description()

    def _description(self) -> str:
        after = ""
        if self.choice.value == "__upload__" and self.uploaded is not None:
            text = self.app._t("widgets.upload_ok", name=self.uploaded[0])
            unit = self.uploaded[1]
            if last_date(unit) is not None:  # the day that counts as "now" for this upload
                day = pd.Timestamp(unit.extract_date).date().isoformat()
                end = self.app._t("widgets.upload_data_end", date=day)
                after = f" <i class='tk-upload-end'>{_esc(end)}</i>"
        else:
            entry = next((e for e in self.entries if e.id == self.choice.value), None)
            text = "" if entry is None else str(entry.extra.get(f"description_{self.app.lang}", ""))
        return f"<i class='tk-unit-text'>{_esc(text)}</i>{after}" + self._missing()

    def _missing(self) -> str:
        """What the current unit's data lack for this page and what each table would add."""
        from toolkit.missing import missing_lines

        try:
            _name, _entry, unit = self.current()
        except Exception:  # a unit that cannot be loaded says so in the error box
            return ""
        lines = missing_lines(unit, self.app.uses_tables, self.app.lang)
        if not lines:
            return ""
        items = "".join(f"<li>{_esc(line)}</li>" for line in lines)
        return (
            f"<div class='tk-note tk-missing'>{_esc(self.app._t('missing.heading'))}"
            f"<ul>{items}</ul></div>"
        )

    def _too_large(self, change: Any) -> None:
        import json

        names, size, _ = json.loads(change["new"])
        self.app._guarded(self._refuse)(str(names), float(size))

    def _refuse(self, names: str, size: float) -> None:
        raise ParameterError(
            "widgets.upload_too_large",
            name=names,
            size_mb=f"{size / 2**20:.0f}",
            limit_mb=UPLOAD_FILES_MB,
            lang=self.app.lang,
        )

    def _uploaded(self, change: Any) -> None:
        files = change["new"]
        if not files:
            return
        try:
            self.app._guarded(self._load_files)(files)
        finally:
            self.upload.unobserve(self._uploaded, names="value")
            self.upload.value = ()
            self.upload.observe(self._uploaded, names="value")

    def _load_files(self, files: Sequence[Any]) -> None:
        from toolkit.io import load_unit

        with tempfile.TemporaryDirectory(prefix="tk-upload-") as temp:
            # a message about the folder names it as the user knows it, never the server's path
            folder = Path(temp) / self.app._t("widgets.upload_folder")
            folder.mkdir()
            paths = []
            for item in files:
                name = Path(str(item["name"])).name
                path = Path(folder) / name
                path.write_bytes(bytes(item["content"]))
                paths.append(path)
            source = (
                paths[0] if len(paths) == 1 and paths[0].suffix in {".xlsx", ".xlsm"} else folder
            )
            # today's date excludes future dates; the unit's "now" is then its last date
            unit = load_unit(source, lang=self.app.lang, extract_date=dt.date.today())
        end = last_date(unit)
        if end is not None and end < unit.extract_date:
            unit = dataclasses.replace(unit, extract_date=end)
        names = ", ".join(p.name for p in paths)
        self.uploaded = (names, unit)
        self.app._busy = True
        try:
            self.app._relabel()
            self.app._busy = True
            self.choice.value = "__upload__"
        finally:
            self.app._busy = False
        self._changed()


class MeetingDownload:
    """A button that writes the chosen unit's meeting material and offers it as one zip file.

    The material is :func:`toolkit.meeting.write_material` of the unit's
    report (:func:`toolkit.report.unit_report_for`), in the page's language,
    in share mode when the box is ticked, with the share-mode ``threshold``
    (the reports' default unless the page sets it). The file goes to the browser as a
    link (a data address): nothing is kept on the server.
    """

    def __init__(self, app: _App, source: UnitSource) -> None:
        self.app, self.source = app, source
        self.button = w.Button(layout=w.Layout(width="auto"))
        self.button.add_class("tk-material")
        self.share = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"))
        self.share.add_class("tk-material-share")
        #: Share mode's threshold for the material (a page with a threshold control sets it).
        self.threshold = DEFAULT_THRESHOLD
        self.link = w.HTML()
        self.link.add_class("tk-material-link")
        app._label(self.button, "widgets.material_button")
        app._label(self.share, "widgets.material_share")
        self.button.on_click(lambda _button: app._guarded(self._make)())
        self.box = w.HBox(
            [self.button, self.share, self.link],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )

    def _make(self) -> None:
        import base64
        import io
        import zipfile

        from toolkit import meeting, report

        name, entry, unit = self.source.current()
        self.link.value = f"<i>{_esc(self.app._t('widgets.material_working'))}</i>"
        self.button.disabled = True
        try:
            options: dict[str, Any] = {}
            if entry is not None:
                options["target_profile"] = entry.target_profile
                options["period_start"] = entry.extra.get("period_start")
            computed = report.unit_report_for(
                unit,
                lang=self.app.lang,
                unit_name=name,
                share=bool(self.share.value),
                threshold=self.threshold,
                **options,
            )
            buffer = io.BytesIO()
            with tempfile.TemporaryDirectory(prefix="tk-material-") as temp:
                material = meeting.write_material(computed, temp)
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    for path in sorted(Path(temp).iterdir()):
                        archive.write(path, path.name)
            file_name = self.app._t("widgets.material_file")
            text = self.app._t(
                "widgets.material_ready",
                file=file_name,
                slides=material.slides,
                tables=material.tables,
                charts=len(material.charts) // 2,
            )
            data = base64.b64encode(buffer.getvalue()).decode("ascii")
            error = "" if computed.error is None else f"<br><i>{_esc(computed.error)}</i>"
            self.link.value = (
                f'<a class="tk-material-download" download="{_esc(file_name)}" '
                f'href="data:application/zip;base64,{data}">{_esc(text)}</a>{error}'
            )
        except BaseException:
            self.link.value = ""
            raise
        finally:
            self.button.disabled = False
