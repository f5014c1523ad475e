"""What lives as long as the server is kept out of the full collection Streamlit runs after every script run
(ui/long_lived.py): frozen after each page's first run in a server process, once per page, never in a process
that is not a server (AppTest, the CLI: their objects are not the server's to freeze)."""
from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

from ui import long_lived

ROOT = Path(__file__).resolve().parents[1]


def _fake_gc(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(long_lived, "gc", SimpleNamespace(collect=lambda: calls.append("collect"),
                                                          freeze=lambda: calls.append("freeze")))
    monkeypatch.setattr(long_lived, "_frozen_after", set())
    return calls


def test_each_pages_first_run_in_a_server_ends_with_a_collection_then_a_freeze(monkeypatch):
    from streamlit import runtime

    calls = _fake_gc(monkeypatch)
    monkeypatch.setattr(runtime, "exists", lambda: True)
    assert long_lived.freeze_after_first_run("data")
    assert calls == ["collect", "freeze"]  # collected first: nothing already dead is frozen
    assert not long_lived.freeze_after_first_run("data")  # the page's later runs import nothing new
    assert long_lived.freeze_after_first_run("carve")
    assert calls == ["collect", "freeze"] * 2


def test_no_server_no_freeze(monkeypatch):
    calls = _fake_gc(monkeypatch)  # this test process has no Streamlit runtime, as under AppTest
    assert not long_lived.freeze_after_first_run("data")
    assert calls == []


def test_the_navigation_script_freezes_after_the_page_and_the_sidebar():
    """The call is the script's last statement, so what the sidebar imports is frozen too."""
    last = ast.parse((ROOT / "navigation.py").read_text(encoding="utf-8")).body[-1]
    assert isinstance(last, ast.Expr) and ast.unparse(last.value) == "long_lived.freeze_after_first_run(nav.url_path)"
