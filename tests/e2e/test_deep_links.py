"""Deep links: a bookmarked page opens as that page, with no "Page not found" dialog, as a browser's first page.

The dialog came on the server's first session only: navigation.py sits beside pages/, which Streamlit reads as an
old-style multipage app until some script in the process has called st.navigation, so the first run looked the path
up among the old-style pages first (app.py now sets Streamlit's flag at server start).  Hence a server of this
module's own, whose first session is the first deep link, and a fresh browser context (a new session) per page.
The first page (Data) is served at "/", and /data, its own name, opens it too.
The dialog is judged from the wire: the server's ``page_not_found`` message, whatever the screen shows when.

With sign-in on, a page the role may not open (Users, for a manager) deep-links to that page's refusal in words.
"""
from __future__ import annotations

import pytest

from tests.e2e.conftest import page_link, page_slugs, start_server, stop_server, wait_idle
from tests.e2e.signin import MANAGER, goto, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
H1 = '[data-testid="stMainBlockContainer"] h1'


@pytest.fixture(scope="module")
def fresh_app():
    """A server nobody has opened yet: its first session is this module's first deep link."""
    proc, url = start_server()
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def auth_seed():
    """The sign-in server (conftest's auth_app) with its staff and baseline only."""
    return None


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


def _first_open(browser, url: str, slug: str) -> tuple[list[str], str]:
    """Open ``url/slug`` in a new browser context → (the server's message kinds, the page's title)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        page.set_default_timeout(90_000)
        kinds = _wire_kinds(page)
        page.goto(f"{url}/{slug}")
        page.wait_for_selector(H1)
        wait_idle(page, timeout=120_000)
        return kinds, page.locator(H1).first.inner_text().strip()
    finally:
        ctx.close()


def test_every_page_deep_links_as_a_sessions_first_page(browser, fresh_app):
    slugs = page_slugs()
    first = [s for s in slugs if s[1] == "Carve"] + [s for s in slugs if s[1] != "Carve"]  # the lead's example first
    # the first page is the app's root, and also its own name: a bookmarked or typed /data opens Data, no dialog
    links = [(page_link(slug), title) for slug, title in first] + [(slugs[0][0], slugs[0][1])]
    found = []
    for n, (link, title) in enumerate(links):
        kinds, h1 = _first_open(browser, fresh_app, link)
        assert "new_session" in kinds, f"/{link}: no script run"
        if "page_not_found" in kinds:
            found.append(f"/{link}: Streamlit's 'Page not found' (session {n + 1} of this server)")
        if title.lower() not in h1.lower():  # "Changes" draws "Mid-year changes"
            found.append(f"/{link}: drew {h1!r}, not {title!r}")
    assert not found, "\n".join(found)


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
