"""No name, header, file name, sheet name or cell can add markup to a report or a workbook page.

Markup payloads (a script, an event handler, a ``javascript:`` link in
Markdown syntax, an image fetched from the network) are fed through every
field that reaches an output: the unit's name in the manifest, an ignored
column header, an ignored file name in the unit's folder, an ignored sheet
name of a workbook, staff category values, a PDSA cycle's title, and a data
path that does not exist (its error page). A real batch writes the unit
reports, the region overview and the index; each HTML file and executed
notebook is parsed with ``html.parser`` and must hold no live tag, no event
handler, no ``javascript:`` URL and no external reference, while the payload
text itself is there to read (shown, not dropped). The workbooks' HTML
widgets are checked in the kernel's process the same way.
"""

from __future__ import annotations

import html
import shutil
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as w
import nbformat
import pandas as pd
import pytest
import yaml

from toolkit import pdsa
from toolkit.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
LITEN = ROOT / "sample_data" / "liten"

PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    '<img src="https://example.org/x.png">',
)
NAME = " ".join(PAYLOADS)
#: Tags that run code, fetch something, or leave the page.
LIVE_TAGS = {
    "script", "img", "image", "iframe", "frame", "object", "embed", "link", "base", "form",
    "audio", "video", "source", "foreignobject", "use", "animate", "set", "a",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction", "srcset", "poster", "data"}


class _Live(HTMLParser):
    """Every live tag, handler, script URL or external reference of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.text: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.in_style = tag == "style"
        if tag in LIVE_TAGS and not (tag == "a" and self._local_link(attrs)):
            self.found.append(f"<{tag}>")
        if tag == "meta" and any(name != "charset" for name, _ in attrs):
            self.found.append("<meta …>")
        for name, value in attrs:
            text = "".join((value or "").split()).lower()
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if text.startswith(("javascript:", "vbscript:")):
                self.found.append(f"{tag} {name}={text}")
            if name in URL_ATTRIBUTES and text.startswith(("http:", "https:", "//", "data:")):
                self.found.append(f"{tag} {name}={text}")
            if "url(" in text:
                self.found.append(f"{tag} {name} url(")

    handle_startendtag = handle_starttag

    @staticmethod
    def _local_link(attrs) -> bool:
        # the index links its own pages by a relative address; nothing else is a link
        href = dict(attrs).get("href") or ""
        return href.endswith(".html") and ":" not in href and not href.startswith("//")

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style and ("url(" in data or "@import" in data):
            self.found.append("style url(")
        self.text.append(data)


def live_markup(page: str) -> tuple[list[str], str]:
    """(the live things found, the page's text as a reader sees it)."""
    parser = _Live()
    parser.feed(page)
    parser.close()
    return parser.found, "".join(parser.text)


def notebook_html(path: Path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    return "\n".join(
        "".join(out.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        for out in cell.get("outputs", [])
    )


# --------------------------------------------------------------------------- the batch


def _csv_unit(folder: Path) -> None:
    shutil.copytree(LITEN, folder)
    refs = pd.read_csv(folder / "referrals.csv", dtype=str)
    for payload in PAYLOADS:
        refs[payload] = "1"  # an ignored column header
    refs.to_csv(folder / "referrals.csv", index=False)
    staff = pd.read_csv(folder / "staff.csv", dtype=str)
    for i, payload in enumerate(PAYLOADS):
        staff.loc[i, "category"] = payload  # staff category values
    staff.to_csv(folder / "staff.csv", index=False)
    for payload in PAYLOADS:
        if "/" not in payload:  # a file name cannot hold a slash
            (folder / f"{payload}.csv").write_text("a\n1\n", encoding="utf-8")


def _workbook_unit(path: Path) -> None:
    with pd.ExcelWriter(path) as book:
        for table in ("referrals", "visits", "staff", "time_use"):
            pd.read_csv(LITEN / f"{table}.csv", dtype=str).to_excel(
                book, sheet_name=table, index=False
            )
        for payload in PAYLOADS:
            if not set(payload) & set("[]:*?/\\") and len(payload) <= 31:
                pd.DataFrame({"a": [1]}).to_excel(book, sheet_name=payload, index=False)


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("payloads")
    _csv_unit(folder / "csvenhet")
    _workbook_unit(folder / "bokenhet.xlsx")
    log = pdsa.new_log()
    for i, payload in enumerate(PAYLOADS, start=1):
        log = pdsa.update_cycle(
            log, f"PDSA-{i}", unit="csv", title=payload, start_date=f"2024-0{i}-06"
        )
    pdsa.save_log(log, folder / "pdsa.csv")
    common = {"extract_date": "2024-12-29", "period_start": "2024-01-01", "language": "en"}
    units = [
        {"id": "csv", "name": NAME, "path": "csvenhet", "pdsa_log": "pdsa.csv", **common},
        {"id": "xlsx", "name": NAME, "path": "bokenhet.xlsx", **common},
        {
            "id": "missing",
            "name": NAME,
            "path": "saknas <img src=x onerror=alert(1)>",
            "language": "en",
        },
    ]
    manifest = folder / "units.yaml"
    manifest.write_text(yaml.safe_dump({"units": units}), encoding="utf-8")
    out = folder / "out"
    status = main(["--lang", "en", "reports", str(manifest), "--out", str(out), "--workers", "2"])
    assert status == 1  # only the unit whose data path does not exist fails
    return out


def _pages(out: Path) -> dict[str, str]:
    pages = {
        p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*.html")
    }
    pages |= {p.relative_to(out).as_posix(): notebook_html(p) for p in out.rglob("*.ipynb")}
    return pages


@pytest.mark.slow
def test_no_payload_is_live_in_any_page_of_the_batch(batch_out):
    pages = _pages(batch_out)
    assert {"index.html", "region_overview.html", "units/csv.html", "units/xlsx.html"} <= set(pages)
    assert "units/missing.html" in pages and "units/csv.ipynb" in pages
    for name, page in pages.items():
        found, _ = live_markup(page)
        assert found == [], name


@pytest.mark.slow
def test_every_payload_is_shown_as_text(batch_out):
    pages = _pages(batch_out)
    for name in ("index.html", "units/csv.html", "units/xlsx.html", "units/missing.html"):
        _, text = live_markup(pages[name])
        assert NAME in text, name  # the unit name, character for character
    _, csv_text = live_markup(pages["units/csv.html"])
    for payload in PAYLOADS:
        assert f"column {payload}" in csv_text  # the ignored column header
        if "/" not in payload:
            assert f"file {payload}.csv" in csv_text  # the ignored file name
        assert payload in csv_text  # the PDSA cycle's title in the cycles table
    _, xlsx_text = live_markup(pages["units/xlsx.html"])
    assert "sheet <img src=x onerror=alert(1)>" in xlsx_text
    assert "sheet <svg onload=alert(1)>" in xlsx_text
    _, region_text = live_markup(pages["region_overview.html"])
    assert NAME in region_text
    _, missing_text = live_markup(pages["units/missing.html"])
    assert "does not exist" in missing_text


def test_the_checker_finds_live_markup():
    # the check above must be able to fail: the same payloads unescaped are found
    found, _ = live_markup(
        "<p>" + "".join(PAYLOADS) + '</p><a href="javascript:alert(1)">x</a>'
        '<p style="background:url(https://example.org/y.png)">y</p>'
    )
    assert {"<img>", "<script>", "svg onload=", "img onerror=", "p style url("} <= set(found)
    assert any("javascript:" in f for f in found) and any("https:" in f for f in found)
    assert live_markup(html.escape("".join(PAYLOADS)))[0] == []


# --------------------------------------------------------------------------- workbooks


def _html_values(widget) -> list[str]:
    """The value of every HTML widget inside ``widget``."""
    out = []
    if isinstance(widget, w.HTML | w.HTMLMath):
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        out += _html_values(child)
    return out


def test_pdsa_workbook_shows_typed_and_imported_text_as_text(tmp_path):
    from toolkit.widgets.pdsa import OTHER, PdsaApp

    app = PdsaApp(lang="en", folder=tmp_path)
    app.unit.value = OTHER
    app.unit_name.value = NAME
    app.new_button.click()
    app.fields["title"].value = NAME
    app.fields["aim"].value = NAME
    # an import of another unit's log, with a payload file name: its error names both
    other = pdsa.update_cycle(pdsa.new_log(), "PDSA-5", unit=PAYLOADS[0], title=PAYLOADS[1])
    app._merge(f"{PAYLOADS[2]}.csv", other)
    values = _html_values(app.container)
    assert any(PAYLOADS[2] in html.unescape(v) for v in values)  # the message is there
    for value in values:
        assert live_markup(value)[0] == [], value


@pytest.mark.parametrize("kind", ["PksApp", "KvipsApp"])
def test_selfassess_workbook_shows_unit_and_round_names_as_text(tmp_path, kind):
    from toolkit.widgets import selfassess

    app = getattr(selfassess, kind)(lang="en", save_folder=tmp_path)
    app.unit.value = NAME
    app.round.value = NAME
    question = next(iter(app.questions)) if hasattr(app, "questions") else None
    if question is not None and hasattr(question, "id"):
        app._answered(question.id, 3)
    values = _html_values(app.container)
    assert values
    for value in values:
        assert live_markup(value)[0] == [], value


def test_an_uploaded_units_names_and_headers_stay_text_in_a_workbook(tmp_path):
    # the SPC workbook with an upload: a payload column header and a payload file name
    from toolkit.widgets.spc import SpcApp

    refs = pd.read_csv(LITEN / "referrals.csv", dtype=str)
    for payload in PAYLOADS:
        refs[payload] = "1"
    files = [
        {"name": "referrals.csv", "content": refs.to_csv(index=False).encode("utf-8")},
        {"name": f"{PAYLOADS[0]}.csv", "content": b"a\n1\n"},
    ]
    app = SpcApp(lang="en")
    app.source._uploaded({"new": files})
    assert app.source.uploaded is not None  # the upload was read
    values = _html_values(app.container)
    for value in values:
        assert live_markup(value)[0] == [], value
    # and a file that cannot be read shows its name and the message as text
    app.source._uploaded({"new": [{"name": f"{PAYLOADS[2]}.xlsx", "content": b"not a workbook"}]})
    values = _html_values(app.container)
    assert any(PAYLOADS[2] in html.unescape(v) for v in values)
    for value in values:
        assert live_markup(value)[0] == [], value
