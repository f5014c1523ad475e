"""The server-start warm-up (ui/warm_up.py, app.py's ``st.App`` lifespan): it fills what the first page reads, and a
failure inside it never stops the server nor shows on a page."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.e2e import conftest as e2e
from ui import warm_up

ROOT = Path(__file__).resolve().parents[1]

# In a fresh interpreter (this one has imported everything long ago): run the warm-up, then report what it left.
FRESH = """
import json, sys
from ui import warm_up
warm_up.start().join(300)
from planning.plans import PlanStore, default_url
from ui import state
names = list(PlanStore(default_url()).list_plans()["name"])
print(json.dumps({"report": sorted(warm_up.report), "done": warm_up.done.is_set(),
                  "modules": {m: m in sys.modules for m in ("pandas", "sqlalchemy", "ui.data_page")},
                  "sample_kept": state.shared_sample() is state.shared_sample(), "plans": names,
                  "frozen": __import__("gc").get_freeze_count()}))
"""


def test_the_warm_up_loads_the_first_pages_modules_sample_and_seeded_store(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'plans.sqlite'}", "PLANNER_SAMPLE_PROPOSAL": "1"}
    out = subprocess.run([sys.executable, "-c", FRESH], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # every step ran, none failed
    assert got["report"] == ["data page", "first element", "gc freeze", "imports", "plan store", "sample"]
    assert got["frozen"] > 50_000  # what lives for the server's life is out of the per-run collection's way
    assert got["done"] and all(got["modules"].values()) and got["sample_kept"]
    assert len(got["plans"]) == 1  # the shipped draft proposal, as a first visitor's store gets it
    assert "missing ScriptRunContext" not in out.stderr  # filling shared caches outside a session is the point


# In a fresh interpreter: the first page's imports, plainly ("cold") or as the warm-up's steps run them in its own
# thread ("warm": the first-element check, then the imports, each followed by the check; "half": stopped after half
# of them, as when the first session's run draws its title while the warm-up still imports), then how many module
# files a first ``inspect.stack()`` in another thread (the script thread's first element: Streamlit's REPL check)
# resolves.
STACK = """
import importlib, inspect, json, sys, threading
from ui import warm_up
mode = sys.argv[1]
if mode == "cold":
    for name in warm_up.FIRST_PAGE_MODULES:
        importlib.import_module(name)
else:
    if mode == "half":
        warm_up.FIRST_PAGE_MODULES = warm_up.FIRST_PAGE_MODULES[:len(warm_up.FIRST_PAGE_MODULES) // 2]
    steps = dict(warm_up._steps())
    t = threading.Thread(target=lambda: (steps["first element"](), steps["imports"]())); t.start(); t.join()
calls = 0
real = inspect.getabsfile
def counted(*a, **k):
    global calls
    calls += 1
    return real(*a, **k)
inspect.getabsfile = counted
# from a script's frame, as Streamlit runs a page: its file is no module's, so inspect looks at every module new
# since its last look (a frame of a known module's file would stop it early and resolve nothing)
page = compile("import inspect; inspect.stack()", "pages/1_Data.py", "exec")
t = threading.Thread(target=exec, args=(page, {})); t.start(); t.join()
print(json.dumps({"resolved": calls, "modules": len(sys.modules)}))
"""


def _resolved(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", STACK, mode], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_first_element_check_is_made_cheap_with_the_standard_library_alone():
    """Streamlit's REPL check on the first element (``inspect.stack()``) resolves every loaded module's file once:
    after the warm-up's step only the modules new since are left, with no private Streamlit name involved."""
    cold, warm, half = _resolved("cold"), _resolved("warm"), _resolved("half")
    assert cold["resolved"] > 1000  # without it: every module of pandas, SQLAlchemy, the planner (some have no file)
    assert warm["resolved"] < 20, warm
    assert half["resolved"] < 20, half  # what the warm-up has imported so far is resolved already
    assert list(dict(warm_up._steps()))[:2] == ["first element", "imports"]  # Streamlit's modules before pandas
    assert "_maybe_print_use_warning" not in (ROOT / "ui" / "warm_up.py").read_text()


def _boom():
    raise RuntimeError("the warm-up broke")


def test_a_failing_step_ends_the_warm_up_quietly_and_the_page_still_draws(monkeypatch):
    monkeypatch.setattr(warm_up, "report", {})
    monkeypatch.setattr(warm_up, "done", type(warm_up.done)())
    monkeypatch.setattr(warm_up, "_steps", lambda: [("imports", lambda: None), ("sample", _boom)])
    warm_up.start().join(60)  # raises nothing, in its thread or here
    assert warm_up.done.is_set()
    assert "imports" in warm_up.report and isinstance(warm_up.report["error"], RuntimeError)
    at = AppTest.from_file(str(ROOT / "navigation.py"), default_timeout=180).run()
    assert not at.exception
    assert at.title[0].value == "Data"
    assert {m.label for m in at.metric} >= {"Accounts", "ARR", "Quota reps"}
    shown = " ".join(str(e.value) for e in [*at.error, *at.warning, *at.markdown, *at.caption])
    assert "warm-up" not in shown and "broke" not in shown


BROKEN_APP = """
import streamlit as st
from ui import warm_up

def boom():
    raise RuntimeError("the warm-up broke")

warm_up._steps = lambda: [("boom", boom)]
app = st.App({script!r}, lifespan=warm_up.lifespan)
"""


def test_the_server_keeps_serving_when_its_warm_up_fails(tmp_path, monkeypatch):
    """``streamlit run`` of app.py's shape with a warm-up that fails: the failure is one line in the server's log,
    and the server answers (health check, the page's shell) well after it."""
    app = tmp_path / "app.py"
    app.write_text(BROKEN_APP.format(script=str(ROOT / "navigation.py")))
    log = tmp_path / "server.log"
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with log.open("wb") as out:
        proc, url = e2e.start_server(ROOT, str(app), output=out)
    try:
        deadline = time.time() + 60
        while "warm-up stopped early" not in log.read_text() and time.time() < deadline:
            time.sleep(0.1)
        assert "RuntimeError('the warm-up broke')" in log.read_text()
        assert proc.poll() is None
        assert urllib.request.urlopen(url + "/_stcore/health", timeout=5).read() == b"ok"
        assert b"<html" in urllib.request.urlopen(url + "/", timeout=5).read().lower()
    finally:
        e2e.stop_server(proc)
