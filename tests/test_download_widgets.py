"""Download buttons: every one is drawn by ui/widgets.py, written on click and never reruns the page.

Why it matters (issue 27): a deferred button's click in Streamlit 1.67 sends a rerun before the file request; the
rerun draws the button under a new file id and drops the old id's callable when it finishes, so a request that
arrives after that finds no callable ("Deferred file … not found") and the user gets no file."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
SHELLS = [ROOT / "app.py", ROOT / "navigation.py", *sorted((ROOT / "pages").glob("*.py")),
          *sorted((ROOT / "ui").glob("*.py"))]

SCRIPT = """
import pandas as pd
import streamlit as st
from ui.widgets import download_csv, download_excel, download_file

df = pd.DataFrame({"name": ["=1+2 Will", "Ann"], "arr_usd": [1.0, 2.0]})
download_csv(df, "CSV", "a.csv")
download_excel({"Sheet": df}, "Excel", "a.xlsx")
download_file("Text", "plain text", "a.txt", "text/plain", key="txt")
"""


def test_every_download_button_of_the_app_is_drawn_by_the_widget():
    calls = {p.relative_to(ROOT).as_posix() for p in SHELLS if re.search(r"\.download_button\(", p.read_text())}
    assert calls == {"ui/widgets.py"}, f"draw downloads with ui.widgets.download_file, not directly: {calls}"


def _buttons(at: AppTest) -> list:
    return [n.proto for n in at.get("download_button")]


def test_a_download_click_does_not_rerun_and_its_file_survives_a_rerun(monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    managers = []

    class Recording(MediaFileManager):  # AppTest makes its own manager: keep it to execute the deferred files
        def __init__(self, storage):
            super().__init__(storage)
            managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)
    at = AppTest.from_string(SCRIPT, default_timeout=30).run()
    assert not at.exception
    buttons = _buttons(at)
    assert [b.label for b in buttons] == ["CSV", "Excel", "Text"]
    assert all(b.ignore_rerun for b in buttons), "a download click must not rerun the page"
    csv, excel = buttons[0], buttons[1]
    assert csv.deferred_file_id and excel.deferred_file_id and not csv.url  # written on click, not on each run

    mgr = managers[-1]
    url = mgr.execute_deferred(csv.deferred_file_id)
    data = mgr._storage.get_file(url.rsplit("/", 1)[-1]).content
    assert b"'=1+2 Will" in data  # neutralised, as every download of the app

    # a click without a rerun: the button the browser holds keeps its callable, a second click works too
    assert mgr.execute_deferred(csv.deferred_file_id)
    # (what on_click="rerun" would do: the rerun draws the button under a new id and drops the one the browser holds)
    at.run()
    assert _buttons(at)[0].deferred_file_id != csv.deferred_file_id
    with pytest.raises(MediaFileStorageError, match="not found"):
        managers[-1].execute_deferred(csv.deferred_file_id)
