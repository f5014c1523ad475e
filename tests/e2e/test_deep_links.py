"""Every page of the app in a real headless Chromium, on the demo company, each opened as a browser's first page
(a bookmark, a typed address): it opens as that page, with no "Page not found" dialog, to real content (its title
and main block drawn, the script run over, no spinner left), and nothing of the machinery leaks onto the screen: no
traceback, no "DeltaGenerator", no "object at 0x", no Streamlit API docs ("Creator of Delta protobuf"), no
Streamlit "Deploy" button, no table header in snake_case (headers come from the label registry), and at 1,280 px
wide no metric and no widget label cut off ("$28.1…").  Each tab of a page is opened, so the tables drawn in it are
read too.  The pages are enumerated from pages/, as app.py does, so a new page is covered.  A screenshot of each
page is kept in a temporary directory (its path is printed).

The dialog came on the server's first session only: navigation.py sits beside pages/, which Streamlit reads as an
old-style multipage app until some script in the process has called st.navigation, so the first run looked the path
up among the old-style pages first (app.py now sets Streamlit's flag at server start).  Hence a server of this
module's own, whose first session is the first deep link, and a fresh browser context (a new session) per page.
The first page (Data) is served at "/", and /data, its own name, opens it too.
The dialog is judged from the wire: the server's ``page_not_found`` message, whatever the screen shows when.
(One walk does both: a page opened as a session's first page is the heavier open, and each page's checks once.)

With sign-in on, a page the role may not open (Users, for a manager) deep-links to that page's refusal in words.
"""
from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import ScriptRuns, page_link, page_slugs, start_server, stop_server, wait_idle
from tests.e2e.signin import MANAGER, goto, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
H1 = '[data-testid="stMainBlockContainer"] h1'
LEAKS = ("Traceback", "DeltaGenerator", "object at 0x", "Creator of Delta protobuf")
SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
WIDTH = 1280  # the narrowest laptop screen planners use (issue 26): every label and headline figure fits it
# A metric's value, label or delta, a widget's label or a button's, cut off by Streamlit ("$28.1…"): its text, or an
# element inside it, is wider than the box that clips it.  What a closed tab holds has no size and is left out; a
# closed expander's widgets are laid out all the same, so they count.
CUT_JS = """() => {
  const kinds = ['stMetricValue', 'stMetricLabel', 'stMetricDelta', 'stWidgetLabel', 'stButton', 'stDownloadButton',
                 'stFormSubmitButton'];
  const boxes = document.querySelectorAll(kinds.map(k => `[data-testid="stMain"] [data-testid="${k}"]`).join(','));
  const cut = [];
  for (const box of boxes) {
    if (!box.getClientRects().length) continue;
    const clipped = [box, ...box.querySelectorAll('*')].some(el => {
      const css = getComputedStyle(el);
      return el.scrollWidth > el.clientWidth + 1 && (css.textOverflow === 'ellipsis' || css.overflowX !== 'visible');
    });
    if (clipped) cut.push(`${box.dataset.testid} ${JSON.stringify(box.textContent.trim())}`);
  }
  return cut;
}"""


@pytest.fixture(scope="module")
def demo(sample):
    """The demo as a first visitor sees it: the shipped draft proposal in the store, so Disruption, Compare, Plans
    and Review draw real reports (the e2e servers' store starts empty: the suite turns the seeding off)."""
    from planning.plans import PlanStore, load_sample_proposal

    store = PlanStore(os.environ["DATABASE_URL"])
    plan = load_sample_proposal(sample.reps)
    if plan is not None and plan.name not in store.plan_names():
        store.save_plan(plan, author="sample", note=plan.note)


@pytest.fixture(scope="module")
def fresh_app(demo):
    """A server nobody has opened yet: its first session is this module's first deep link."""
    proc, url = start_server()
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def auth_seed():
    """The sign-in server (conftest's auth_app) with its staff and baseline only."""
    return None


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = tmp_path_factory.mktemp("every_page_screens")
    print(f"\nscreenshots: {d}")
    return d


def _wire_kinds(page) -> list[str]:
    """The kind of every ForwardMsg the server sends ``page`` (filled as they arrive)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    kinds: list[str] = []

    def on_ws(ws):
        def on_frame(payload):
            if isinstance(payload, (bytes, bytearray)):
                kinds.append(ForwardMsg.FromString(bytes(payload)).WhichOneof("type"))
        ws.on("framereceived", on_frame)
    page.on("websocket", on_ws)
    return kinds


def headers(page) -> list[str]:
    """The header cells of every table on view (a grid draws its header row once scrolled into view)."""
    out = []
    grids = page.locator('[data-testid="stDataFrame"]:visible, [data-testid="stTable"]:visible')
    for i in range(grids.count()):
        grid = grids.nth(i)
        grid.scroll_into_view_if_needed()
        cells = grid.locator('[role="columnheader"], th')
        try:
            cells.first.wait_for(state="attached", timeout=5_000)
        except Exception:  # noqa: BLE001 - a grid with no header row drawn: nothing to read
            continue
        out += [h.strip() for h in cells.all_inner_texts() if h.strip()]
    return out


def check(page, where: str) -> list[str]:
    text = page.locator('[data-testid="stApp"]').inner_text()
    bad = [f"{where}: shows {w!r}" for w in LEAKS if w in text]
    bad += [f"{where}: snake_case table header {h!r}" for h in headers(page) if SNAKE.match(h)]
    # Streamlit's developer tools (its "Deploy" button) are not for planners: client.toolbarMode = "viewer"
    bad += [f"{where}: shows Streamlit's Deploy button"] * page.locator('[data-testid="stAppDeployButton"]').count()
    bad += [f"{where}: cut off at {WIDTH} px: {c}" for c in page.evaluate(CUT_JS)]
    return bad


def _tabs(page, runs, where: str) -> list[str]:
    """Open each tab of the page in turn (a table in a hidden tab is drawn only once shown) and check it."""
    bad = []
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        name = tab.inner_text().strip()
        tab.scroll_into_view_if_needed()
        tab.click()
        # most tabs rerun nothing (their content is already sent); a map tab reruns the page to draw its map
        page.wait_for_timeout(500)
        runs.wait_drawn(page, runs.done - 1)
        bad += check(page, f"{where} › {name}")
    return bad


def _first_open(browser, url: str, link: str, title: str, shots=None) -> list[str]:
    """Open ``url/link`` in a new browser context (a new session) → what is wrong with it: Streamlit's "Page not
    found", another page's title, nothing but a title, and (with ``shots``, where a screenshot goes) leaked
    internals and field names on the page and in each of its tabs."""
    ctx = browser.new_context(viewport={"width": WIDTH, "height": 1000})
    try:
        page = ctx.new_page()
        page.set_default_timeout(90_000)
        kinds, runs = _wire_kinds(page), ScriptRuns(page)
        page.goto(f"{url}/{link}")
        runs.wait_drawn(page, 0, timeout=180)
        wait_idle(page, timeout=120_000)
        h1 = page.locator(H1).first.inner_text().strip()
        found = [] if "new_session" in kinds else [f"/{link}: no script run"]
        if "page_not_found" in kinds:
            found.append(f"/{link}: Streamlit's 'Page not found'")
        if title.lower() not in h1.lower():  # "Changes" draws "Mid-year changes"
            found.append(f"/{link}: drew {h1!r}, not {title!r}")
        if shots is None:
            return found
        main = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
        if len(main) <= len(h1) + 20:
            found.append(f"/{link}: only a title drawn")
        page.screenshot(path=str(shots / f"{link or 'root'}.png"), full_page=True)
        return found + check(page, f"/{link}") + _tabs(page, runs, f"/{link}")
    finally:
        ctx.close()


def test_every_page_opens_as_a_sessions_first_page_to_real_content_without_leaked_internals(browser, fresh_app,
                                                                                             shots):
    slugs = page_slugs()
    first = [s for s in slugs if s[1] == "Carve"] + [s for s in slugs if s[1] != "Carve"]  # the lead's example first
    found = []
    for n, (slug, title) in enumerate(first):
        found += [f"{p} (session {n + 1} of this server)" for p in
                  _first_open(browser, fresh_app, page_link(slug), title, shots)]
    # the first page is the app's root, and also its own name: a bookmarked or typed /data opens Data, no dialog
    found += _first_open(browser, fresh_app, slugs[0][0], slugs[0][1])
    assert not found, "\n".join(dict.fromkeys(found))


def test_a_page_the_role_may_not_open_says_so_in_words(browser, auth_app):
    ctx, page = sign_in(browser, auth_app, MANAGER)
    try:
        kinds = _wire_kinds(page)
        goto(page, auth_app, "users", "may not manage users and roles")
        assert "page_not_found" not in kinds
        assert page.get_by_text("That needs the role admin").count() == 1
        assert page.locator('[role="dialog"]').count() == 0
        assert page.get_by_role("button", name="Save user").count() == 0
    finally:
        ctx.close()
