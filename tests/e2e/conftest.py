"""End-to-end fixtures: `streamlit run app.py` on a free port, and a real headless Chromium.

Each e2e module is its own xdist group (``pytest_collection_modifyitems`` below): a module's tests, and the
module-scoped fixtures they share (a sign-in server, a seeded store), stay on one pytest worker, while the modules
spread over both workers.  Each worker starts its own app server and browser once (session scope, ~3 s); one group
for all e2e tests made them a single ~10-minute lane that the rest of the suite could not share.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cwd: Path = ROOT, script: str = "app.py", output=subprocess.PIPE) -> tuple[subprocess.Popen, str]:
    """``streamlit run script`` in ``cwd`` on a free port → (its process, its URL) once the health check answers.
    ``output``: where the server's log goes (a pipe, read when it fails to start; DEVNULL for a long benchmark run,
    whose log nobody reads and which must not fill the pipe)."""
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.05)  # fine-grained: the data benchmark times the start
    proc.kill()
    log = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    raise RuntimeError("streamlit did not start:\n" + log)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def serve(cwd: Path = ROOT, script: str = "app.py"):
    """``streamlit run script`` in ``cwd`` on a free port: yields its URL once the health check answers, then stops
    it (a generator, so the data benchmark times the same start as the tests)."""
    proc, url = start_server(cwd, script)
    yield url
    stop_server(proc)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the marks into the node id's "@group"
def pytest_collection_modifyitems(config, items):
    """Split the modules' ``xdist_group("e2e")`` into one group per module: "e2e_test_carve_page"."""
    for item in items:
        if item.get_closest_marker("e2e") and [m.args[:1] for m in item.iter_markers("xdist_group")] == [("e2e",)]:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


@pytest.fixture(scope="session")
def app_db_url() -> str:
    """The plan store the e2e server opens (the suite's private one, tests/conftest.py): its jobs table too."""
    return os.environ["DATABASE_URL"]


@pytest.fixture(scope="session")
def app_url(app_db_url):
    yield from serve()


@pytest.fixture()
def fresh_local_jobs(app_db_url):
    """Forget the local user's jobs in the e2e server's store before a test.

    With sign-in off every browser session is the same local user, and a fresh session shows that user's last
    carve and curve again (a reload, a new browser): without this, a Carve test opened on the previous test's
    result, whose reruns could close the curve expander or stand in for the grid this test waits for.  A job
    still running from an earlier test is asked to stop first (its thread's later writes miss the deleted row)."""
    from jobs.user import current_user
    from planning.plans import PlanStore
    from planning.plans.jobs_table import JOB_ACTIVE, JobRecords, store_jobs

    store = PlanStore(app_db_url)
    try:
        records, me = JobRecords(store.engine), current_user()  # the server's user: the same env and OS login
        for job_id in records.list(user=me, status=JOB_ACTIVE, limit=1000)["id"]:
            records.request_cancel(int(job_id))
        with store.engine.begin() as conn:
            conn.execute(store_jobs.delete().where(store_jobs.c.user_name == me))
    finally:
        store.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    exe = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(90_000)
    yield pg
    ctx.close()


IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def wait_idle(page, timeout: float | None = None) -> None:
    """Wait until Streamlit's script run has finished (the running indicator is gone)."""
    page.wait_for_function(IDLE, timeout=timeout)


def open_app(page, app_url: str, path: str = "", wait_text: str | None = None):
    """Open a page of the app and wait until Streamlit has rendered it (not just the shell)."""
    page.goto(f"{app_url}/{path}")
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1')
    if wait_text:
        page.get_by_text(wait_text).first.wait_for()
    # Wait for the script run to finish (the running indicator disappears).
    wait_idle(page, timeout=120_000)
    return page


def attach_upload(page, table: str, path: Path, tries: int = 3) -> None:
    """Choose ``path`` in the Data page's file picker for ``table`` (accounts, reps, ...) and wait until that
    picker shows it.

    The picker is found by its key (``.st-key-upload_<table>``), never by position: right after the upload
    expander opens, its pickers are mounted one by one, and for a moment the only file input on the page can be
    another table's (seen: the History picker alone).  A file set on ``input[type=file]`` number 0 then landed on
    History, the accounts picker stayed empty and "Load these files" stayed disabled (the upload e2e flake)."""
    box = page.locator(f".st-key-upload_{table}")
    # by its title: the chip's text is cut in the middle ("hubspot...panies.csv")
    chip = box.locator(f'[data-testid="stFileChipName"][title="{path.name}"]')
    box.locator("input[type=file]").wait_for(state="attached")
    for _ in range(tries):
        wait_idle(page, timeout=120_000)  # not during a rerun that replaces the pickers (the previous file's)
        box.locator("input[type=file]").set_input_files(str(path))
        try:
            chip.first.wait_for(timeout=30_000)
            return
        except Exception:  # noqa: BLE001 - a Playwright timeout: the upload did not start; set it again
            continue
    raise AssertionError(f"the {table} picker did not take {path.name}")


def assert_chart_drawn(page, index: int = 0, min_width: int = 300, min_height: int = 200):
    """Scroll to the index-th Vega chart a person can see, wait until it has drawn, and check it has a real size.

    Only charts in the open tab or expander count: one in a closed tab is never visible, so it cannot be scrolled to
    (a hidden balance chart ahead of the curve in page order made this wait 90 s and fail)."""
    chart = page.locator('[data-testid="stVegaLiteChart"]').filter(visible=True).nth(index)
    chart.scroll_into_view_if_needed()
    chart.locator("canvas, svg").first.wait_for()
    box = chart.bounding_box()
    assert box and box["width"] > min_width and box["height"] > min_height
    return chart


BUSY = '[data-testid="stStatusWidget"], [data-testid="stSpinner"], [data-testid="stSkeleton"]'
# A chart is drawn when its canvas has been painted: Vega sizes its canvas first and paints it once its data is in
# (a 6,000-point map was blank for seconds after the page's script had finished); the pixels are read from a 16×16
# copy.  A deck.gl map (WebGL, whose pixels cannot be read back) counts once its canvas has a size.
_CHARTS_PAINTED_JS = """() => [...document.querySelectorAll(
    '[data-testid="stMainBlockContainer"] [data-testid="stVegaLiteChart"],' +
    '[data-testid="stMainBlockContainer"] [data-testid="stDeckGlJsonChart"]')]
  .filter(el => el.getClientRects().length)  // in the open tab or expander: a hidden one is never painted
  .every(el => {
    const k = el.querySelector('canvas');
    if (!k) return !!el.querySelector('svg.marks');
    if (!k.width || !k.height) return false;
    if (el.dataset.testid === 'stDeckGlJsonChart' || k.dataset.painted) return true;
    const s = document.createElement('canvas'); s.width = s.height = 16;
    const g = s.getContext('2d'); g.drawImage(k, 0, 0, 16, 16);
    const px = g.getImageData(0, 0, 16, 16).data;
    for (let i = 3; i < px.length; i += 4) if (px[i]) { k.dataset.painted = '1'; return true; }
    return false;
  })"""
_DRAWN_JS = """([busy, needTitle, needCharts]) => {
  const ok = !document.querySelector(busy) &&
    (!needTitle || !!document.querySelector('[data-testid="stMainBlockContainer"] h1')) &&
    (!needCharts || (""" + _CHARTS_PAINTED_JS + """)());
  window.__drawnFrames = ok ? (window.__drawnFrames || 0) + 1 : 0;
  return window.__drawnFrames >= 2;
}"""


def wait_run_then_drawn(page, finished: Callable[[], int], seen: int, need_title: bool, timeout: float,
                        need_charts: bool = False) -> None:
    """Wait until ``finished()`` (script runs seen to finish) passes ``seen``, then until two animation frames in a
    row show no running indicator, spinner or skeleton (and, with ``need_title``, the main block's title; with
    ``need_charts``, every shown chart and map painted)."""
    end = time.monotonic() + timeout
    while finished() <= seen:
        if time.monotonic() > end:
            raise TimeoutError(f"no script run finished within {timeout:.0f} s")
        page.wait_for_timeout(10)
    page.evaluate("() => { window.__drawnFrames = 0; }")
    # polled on each animation frame: drawn when two frames in a row show nothing busy
    page.wait_for_function(_DRAWN_JS, arg=[BUSY, need_title, need_charts], polling="raf", timeout=timeout * 1000)


class ScriptRuns:
    """Counts the script runs the server reports finished on a page's websocket (Streamlit's ``script_finished``;
    a run cut short for a rerun does not count), so "drawn" never means "the old page, before the run started":
    the running indicator appears only a moment after a run starts, and a page's title is drawn before its body.

    ``charts``: "drawn" also waits until every shown chart and map is painted (the benchmarks; a test that checks a
    chart waits for it itself).  :meth:`timed` keeps in ``server_s`` the seconds from the action until the run's
    ``script_finished`` arrived: the server's share of the time (the script run and its messages), the rest is the
    browser's."""

    def __init__(self, page, charts: bool = False):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.done = 0
        self.charts = charts
        self.finished_at: float | None = None  # perf_counter when the last counted run's end arrived
        self.server_s: float | None = None
        early = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN

        def on_frame(payload):
            if not isinstance(payload, (bytes, bytearray)):
                return
            try:
                msg = ForwardMsg.FromString(bytes(payload))
            except Exception:  # noqa: BLE001 - not a ForwardMsg
                return
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished != early:
                self.finished_at = time.perf_counter()
                self.done += 1

        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))

    def wait_drawn(self, page, seen: int, need_title: bool = True, timeout: float = 300) -> None:
        """After more than ``seen`` finished runs: no running indicator, spinner or skeleton and the main block's
        title present, on two animation frames in a row."""
        wait_run_then_drawn(page, lambda: self.done, seen, need_title, timeout, self.charts)

    def timed(self, page, act, need_title: bool = True) -> float:
        """Seconds from ``act()`` (a navigation or a widget change) until the page is drawn again."""
        seen = self.done
        t = time.perf_counter()
        act()
        self.wait_drawn(page, seen, need_title)
        self.server_s = self.finished_at - t
        return time.perf_counter() - t


@pytest.fixture()
def script_runs(page):
    """A :class:`ScriptRuns` listening on the test's page (attach before the first navigation)."""
    return ScriptRuns(page)


def page_link(slug: str) -> str:
    """The path that opens the page ``slug``: the first page is the app's root ("/"; Streamlit gives the default
    page no path of its own, and navigation.py sends a typed "/data" there), every other page its slug."""
    return "" if slug == page_slugs()[0][0] else slug


def page_slugs() -> list[tuple[str, str]]:
    """(slug, title) of every page under pages/, by navigation.py's rule (the first page is also the root): a new page is
    in every test that walks them."""
    from tests.access_scope import PAGES

    titles = [re.sub(r"^\d+_", "", p.stem).replace("_", " ") for p in PAGES]
    return [(t.lower().replace(" ", "-").replace("&", "and"), t) for t in titles]


# ---------------------------------------------------------------------------------------------------- sign-in
@pytest.fixture(scope="module")
def oidc_provider():
    """A real OIDC provider on a loopback port, in this process (a werkzeug thread): tests/e2e/signin.py."""
    from oidc_provider_mock import run_server_in_thread

    from tests.e2e.signin import provider_users

    with run_server_in_thread(port=0, user_claims=provider_users()) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def auth_store(tmp_path_factory, sample) -> str:
    """The sign-in server's own plan store (its URL): the staff users and today's plan saved as a baseline."""
    from planning.access import Role, User
    from planning.access.directory import add_user
    from planning.plans import PlanStore
    from tests.e2e.signin import STAFF

    url = f"sqlite:///{tmp_path_factory.mktemp('auth_store') / 'plans.sqlite'}"
    store = PlanStore(url)
    local = User("root@localhost", role=Role.ADMIN, source="local")
    for u in STAFF.values():
        add_user(store, local, u.email, u.role.value, name=u.name, manager_id=u.manager_id)
    store.save_plan(sample.current_plan(), author="ops", note="baseline")
    store.dispose()
    return url


@pytest.fixture(scope="module")
def auth_seed(auth_store):
    """What a test module puts in the sign-in server's store before the server starts: nothing here; a module
    overrides this fixture (tests/e2e/test_every_page_per_role.py saves a plan under review)."""
    return None


@pytest.fixture(scope="module")
def auth_app(oidc_provider, auth_store, auth_seed, tmp_path_factory):
    """``streamlit run app.py`` with sign-in on (tests/e2e/signin.py): one per test module that uses it."""
    from tests.e2e.signin import serve_with_sign_in

    yield from serve_with_sign_in(tmp_path_factory.mktemp("auth_app"), auth_store, oidc_provider)

