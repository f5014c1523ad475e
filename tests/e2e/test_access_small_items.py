"""Issue 27's small items, in a real Chromium, signed in through the real provider as each role:

* the plan store's URL is shown to admins only (Plans);
* a save the store refuses says so (Capacity Scenarios as the viewer: "Not saved", never "Saved" or "Kept");
* the printable-summary preview is a ``data:`` document whose inner frame is sandboxed with no permissions
  (Disruption, for a manager's team, as the admin and as that manager);
* a note and a comment written as a markdown link show as plain text on Plans and Review (every tab): no anchor to
  the link's address, its words shown with their brackets.
"""
from __future__ import annotations

import re

import pytest

from tests.access_scope import build_world
from tests.e2e.conftest import page_slugs
from tests.e2e.page_walk import MAIN, Wire, visit
from tests.e2e.signin import FINANCE, MANAGER, STAFF, VERIFIED_ADMIN, VIEWER, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ROLE_SUBS = {"admin": VERIFIED_ADMIN, "manager": MANAGER, "finance": FINANCE, "viewer": VIEWER}
LINK_WORDS = "Your session expired - sign in again"
LINK = f"[{LINK_WORDS}](http://evil.example)"
SLUGS = dict((title, slug) for slug, title in page_slugs())


@pytest.fixture(scope="module")
def auth_seed(auth_store, sample):
    """The access world ("Prop" under review), a plan-level comment by the signed-in manager and a saved plan whose
    note are both a markdown link."""
    from planning.plans import PlanStore, review

    store = PlanStore(auth_store)
    try:
        world = build_world(store, sample)
        review.comment(store, STAFF[MANAGER], "Prop", None, LINK)
        store.save_plan(sample.current_plan().with_moves({}, name="Linked"), author="ops", note=LINK)
        return world
    finally:
        store.dispose()


def _plain(page, where: str) -> list[str]:
    bad = []
    if n := page.locator('a[href*="evil.example"]').count():
        bad.append(f"{where}: {n} live link(s) to the note's address")
    text = page.locator('[data-testid="stApp"]').inner_text()
    bad += [f"{where}: the link's words without their brackets: …{text[max(0, m.start() - 30):m.end() + 30]!r}"
            for m in re.finditer(re.escape(LINK_WORDS), text) if text[max(0, m.start() - 1):m.start()] != "["][:1]
    return bad


def _preview(page, wire: Wire, url: str) -> list[str]:
    """Disruption with a manager's team picked: the preview expander opened → what is wrong with its frame."""
    visit(page, wire, url, SLUGS["Disruption"], downloads=False, first=False)
    main = page.locator(MAIN)
    if not main.get_by_text("Printable team summary").count():  # the admin's view starts on "All": pick a team
        mark = wire.started
        main.locator('[data-testid="stSelectbox"]').filter(has_text="Manager view").click()
        page.locator('[role="option"]').nth(1).click()
        wire.wait_drawn(page, mark)
    mark = wire.started
    main.get_by_text("Preview the printable summary").click()
    wire.wait_drawn(page, mark)
    outer = main.locator('iframe[data-testid="stIFrame"], [data-testid="stIFrame"] iframe, iframe').first
    outer.wait_for(timeout=60_000)
    src = outer.get_attribute("src") or ""
    inner = page.frame_locator('iframe[src^="data:text/html"]').first.locator("iframe").first
    inner.wait_for(state="attached", timeout=30_000)
    sandbox = inner.get_attribute("sandbox")
    bad = [] if src.startswith("data:text/html") else [f"preview: the frame's source is {src[:60]!r}, not a data: URL"]
    return bad + ([] if sandbox == "" else [f"preview: the inner frame's sandbox is {sandbox!r}, not empty"])


def _refused_save(page, wire: Wire, url: str) -> list[str]:
    visit(page, wire, url, SLUGS["Capacity Scenarios"], downloads=False, first=False)
    main = page.locator(MAIN)
    mark = wire.started
    main.get_by_role("button", name="Save scenario").click()
    wire.wait_drawn(page, mark)
    text = main.inner_text()
    bad = [] if "Not saved" in text else ["capacity: the viewer's refused save does not say 'Not saved'"]
    return bad + [f"capacity: the refused save claims {w!r}" for w in ("Saved '", "Kept '") if w in text]


@pytest.mark.parametrize("role", list(ROLE_SUBS))
def test_small_access_items_hold_for_each_role(browser, auth_app, auth_seed, role):
    ctx, page = sign_in(browser, auth_app, ROLE_SUBS[role])
    bad: list[str] = []
    try:
        wire = Wire(page)
        seen, _ = visit(page, wire, auth_app, SLUGS["Plans"], downloads=False, first=True,
                        on_view=lambda where: bad.extend(_plain(page, where)))
        store_shown = any("sqlite" in t for w, t in seen.texts if w.startswith("screen"))
        if store_shown != (role == "admin"):
            bad.append(f"plans: the store's URL {'shown' if store_shown else 'not shown'} to the {role}")
        seen, _ = visit(page, wire, auth_app, SLUGS["Review"], downloads=False, first=False,
                        on_view=lambda where: bad.extend(_plain(page, where)))
        if role in ("admin", "manager"):  # the manager's own comment, in the comments grid (drawn on a canvas)
            sent = any(LINK in t for _, t in seen.texts) or any(df.astype(str).eq(LINK).any().any()
                                                                for _, df in seen.frames)
            if not sent:
                bad.append(f"review: the comment {LINK!r} was not sent as written")
        if role in ("admin", "manager"):
            bad += _preview(page, wire, auth_app)
        if role == "viewer":
            bad += _refused_save(page, wire, auth_app)
    finally:
        ctx.close()
    assert not bad, f"as {role} ({STAFF[ROLE_SUBS[role]].email}):\n  " + "\n  ".join(bad)

