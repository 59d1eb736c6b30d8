"""An uploaded export counts "now" as its last date, on every surface (UnitSource._load_files).

The fixture is a referrals file written here whose last date lies six weeks
before today, uploaded as a unit manager does (the file's bytes through
``UnitSource._load_files``). The expected figures are computed below with
plain pandas from the CSV text, without the toolkit: the last date is the
latest date in the file; the 26-week window ends on the Sunday on or before
it (``pandas.offsets.Week(weekday=6).rollback``); a wait is completed in the
window when its first assessment falls in it, and a referral waits at the
window's end when it was received by then and not yet assessed. The page
(Vem väntar?), its label, the demand workbook and the meeting material
downloaded from the page must all use that date.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
import zipfile
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

from toolkit.i18n import format_number, t

#: Days between the file's last date and today: the export was taken six weeks ago.
AGE_DAYS = 43


def _csv() -> bytes:
    """120 referrals received over the 400 days before the last date, some still waiting."""
    last = pd.Timestamp(dt.date.today()) - pd.Timedelta(days=AGE_DAYS)
    rng = np.random.default_rng(7)
    rows = []
    for i in range(120):
        received = last - pd.Timedelta(days=int(rng.integers(0, 400)))
        first = received + pd.Timedelta(days=int(rng.integers(3, 90)))
        rows.append(
            {
                "referral_id": f"R{i:04d}",
                "received": received.date().isoformat(),
                "first_assessment": first.date().isoformat() if first <= last else "",
                "sex": "female" if i % 2 else "male",
                "age": 12,
            }
        )
    # the last date of the file: a referral received that day
    rows.append({"referral_id": "R9999", "received": last.date().isoformat(), "sex": "female"})
    return pd.DataFrame(rows).to_csv(index=False).encode()


CSV = _csv()


def _expected() -> dict[str, Any]:
    """The file's last date, window and per-sex figures, by plain pandas on the CSV."""
    refs = pd.read_csv(io.BytesIO(CSV), parse_dates=["received", "first_assessment"])
    last = max(refs["received"].max(), refs["first_assessment"].max())
    end = pd.offsets.Week(weekday=6).rollback(last)  # the Sunday on or before the last date
    start = end - pd.Timedelta(days=26 * 7 - 1)
    assert refs["received"].min() < start  # the window is not cut by the first referral
    out: dict[str, Any] = {"last": last, "start": start, "end": end}
    for sex in ("female", "male"):
        mine = refs[refs["sex"] == sex]
        done = mine[(mine["first_assessment"] >= start) & (mine["first_assessment"] <= end)]
        waits = (done["first_assessment"] - done["received"]).dt.days
        waiting = mine[
            (mine["received"] <= end)
            & (mine["first_assessment"].isna() | (mine["first_assessment"] > end))
        ]
        out[sex] = {
            "completed": len(done),
            "median": float(waits.median()),
            "waiting": len(waiting),
        }
    waiting = refs[
        (refs["received"] <= end)
        & (refs["first_assessment"].isna() | (refs["first_assessment"] > end))
    ]
    out["waiting"] = len(waiting)
    out["oldest_days"] = int((end - waiting["received"]).dt.days.max())
    return out


def _upload(app: Any) -> None:
    app._guarded(app.source._load_files)([{"name": "referrals.csv", "content": CSV}])
    assert app.error.value == ""


def _rows(table_html: str) -> dict[str, list[str]]:
    """The body rows of an HTML table by their first cell."""
    body = table_html.split("<tbody>", 1)[1]
    rows = [
        [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>.*?</td>", tr)]
        for tr in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]
    return {r[0]: r for r in rows}


@pytest.fixture(scope="module")
def who_page() -> Any:
    from toolkit.widgets.who import WhoApp

    app = WhoApp(lang="en")
    _upload(app)
    app.grouping.value = "sex"
    app.stage.value = "first_assessment"
    assert app.error.value == ""
    return app


def test_the_upload_counts_now_as_its_last_date(who_page: Any) -> None:
    expected = _expected()
    assert expected["last"] < pd.Timestamp(dt.date.today())  # an old export
    _name, entry, unit = who_page.source.current()
    assert entry is None
    assert unit.extract_date == expected["last"]
    window = f"{expected['start'].date().isoformat()}–{expected['end'].date().isoformat()}"
    assert window in who_page.figures.value


def test_the_who_table_is_the_plain_pandas_count_at_that_date(who_page: Any) -> None:
    expected = _expected()
    rows = _rows(who_page.table_html.value)
    for sex, label in (("female", "girls"), ("male", "boys")):
        row = rows[label]
        assert row[1] == str(expected[sex]["completed"]), sex
        assert row[2].split(" (")[0] == format_number(expected[sex]["median"], "en"), sex
        assert row[4] == str(expected[sex]["waiting"]), sex


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_label_says_which_day_counts_as_now(who_page: Any, lang: str) -> None:
    who_page.lang_switch.value = lang
    try:
        day = _expected()["last"].date().isoformat()
        status = html.unescape(re.sub(r"<[^>]+>", " ", who_page.source.status.value))
        assert t("widgets.upload_data_end", lang, date=day) in status
        assert {"sv": "uppgifter till och med", "en": "data up to"}[lang] in status
        assert t("widgets.upload_ok", lang, name="referrals.csv") in status
    finally:
        who_page.lang_switch.value = "en"


def test_the_meeting_material_uses_the_same_date(who_page: Any) -> None:
    expected = _expected()
    who_page.source.material.button.click()
    assert who_page.error.value == ""
    match = re.search(
        r'href="data:application/zip;base64,([A-Za-z0-9+/=]+)"', who_page.source.material.link.value
    )
    assert match is not None
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(match.group(1)))) as archive:
        book = openpyxl.load_workbook(io.BytesIO(archive.read("tables.xlsx")))
    rows = [
        [c for c in row if c is not None]
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    about = {str(r[0]): str(r[1]) for r in rows if len(r) == 2}
    assert about[t("report.meta.extract_date", "en")] == expected["last"].date().isoformat()
    assert expected["end"].date().isoformat() in about["Window"]
    # the waits sheet: waiting at the window's end and the longest wait so far
    (header,) = [r for r in rows if "Longest waiting (days)" in r]
    first = t("flow.stage.first_assessment", "en")
    (line,) = [r for r in rows if r and r[0] == first and len(r) == len(header)]
    cells = dict(zip(header, line, strict=True))
    assert cells["Waiting at the window's end"] == expected["waiting"]
    assert cells["Longest waiting (days)"] == expected["oldest_days"]


def test_the_demand_workbook_sees_the_same_date() -> None:
    from toolkit.widgets.demand import DemandCapacityApp

    app = DemandCapacityApp("en")
    _upload(app)
    _key, unit, _profile, on, _start = app._current_unit()
    assert on == unit.extract_date == _expected()["last"]
