"""A unit's export of 50 MB uploads and loads in a workbook page.

Voilà's websocket takes at most 10 MB in one message by Tornado's default,
and an upload arrives in one message: the server of ``bup-toolkit serve``
(:class:`toolkit.voila_server.GuardedVoila`) raises that limit and the HTTP
buffer to :data:`toolkit.voila_server.UPLOAD_LIMIT_MB`. The export is made
here (``toolkit.synth.generate_large``, a referrals table of a little over
50 MB), uploaded from Chromium into the SPC workbook, and must be loaded:
the page names the file as loaded (the catalogue's own sentence), shows no
error and does not lose its kernel. Before it, a file over the page's limit
(:data:`toolkit.widgets.base.UPLOAD_FILES_MB`; a sparse file, never read) is
refused in the page with the catalogue's message, and nothing is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from toolkit.i18n import t


@pytest.mark.slow
def test_a_50_mb_export_uploads_and_loads(open_workbook: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from toolkit.synth import generate_large
    from toolkit.voila_server import UPLOAD_LIMIT_MB
    from toolkit.widgets.base import UPLOAD_FILES_MB

    export = tmp_path / "referrals.csv"
    generate_large(500_000, 0, seed=3)["referrals"].to_csv(export, index=False)
    size_mb = export.stat().st_size / 2**20
    assert 50 <= size_mb < UPLOAD_LIMIT_MB, size_mb
    book = open_workbook("styrdiagram", ".tk-figures")
    # over the limit: the message in the page, nothing sent
    too_large = tmp_path / "stor.csv"
    with open(too_large, "wb") as sparse:
        sparse.truncate((UPLOAD_FILES_MB + 1) * 2**20)
    book.upload(too_large)
    book.expect_text(
        ".tk-error",
        t("widgets.upload_too_large", "sv", name="stor.csv", size_mb=UPLOAD_FILES_MB + 1,
          limit_mb=UPLOAD_FILES_MB),
    )  # fmt: skip
    # the export of 50 MB: loaded
    book.upload(export)
    expect(book.page.locator(".tk-unit-text").first).to_have_text(
        t("widgets.upload_ok", "sv", name="referrals.csv"), timeout=300_000
    )
    expect(book.page.locator(".tk-error")).to_have_count(0)
    expect(book.page.locator(".tk-lost").first).to_be_hidden()
    book.assert_clean()


def test_the_page_limit_is_below_the_server_limits() -> None:
    import json

    from toolkit.voila_server import UPLOAD_LIMIT_MB
    from toolkit.widgets.base import UPLOAD_FILES_MB

    root = Path(__file__).resolve().parent.parent
    binder = json.loads(
        (root / "binder" / "jupyter_config" / "jupyter_server_config.json").read_text("utf-8")
    )["ServerApp"]
    assert 100 <= UPLOAD_FILES_MB < UPLOAD_LIMIT_MB
    for size in (
        binder["max_buffer_size"],
        binder["max_body_size"],
        binder["tornado_settings"]["websocket_max_message_size"],
    ):
        assert size == UPLOAD_LIMIT_MB * 2**20
