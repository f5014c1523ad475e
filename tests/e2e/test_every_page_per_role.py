"""Every page as each role, in a real Chromium signed in through the real OIDC provider (tests/e2e/signin.py): what
the browser received is checked for scope with the same judge as the AppTest matrix (tests/access_scope.py).

The sign-in server's store holds the world of tests/test_every_page_every_role.py: "Prop" under review with other
managers' notes.  For the admin, the manager of team M-03, finance and the viewer, one browser context each signs in
at the provider and opens every page (enumerated from pages/, so a new page is covered) in turn, through the sidebar
as a user does (a page the role's sidebar does not list, by its URL), waits until it is drawn, and opens each tab.
Collected per page:
* every ForwardMsg the server sent on the websocket: each string of it and each Arrow table (tables in hidden tabs
  and closed expanders, chart data, the map's JSON), read as the AppTest matrix reads element protos;
* the text on the screen, after each tab is opened;
* the bytes of every download button the page offers (opening the expander it sits in), for the roles a scope,
  quota or comp check applies to (the manager and the viewer), as the AppTest matrix does; map images excepted.
Asserted: no exception, traceback, "DeltaGenerator" or "object at 0x"; for the manager no out-of-team account id,
rep id or rep name and no other team's review note; no quota figure without view_quota, no comp or cost figure
without view_comp; every download button gives its file.
"""
from __future__ import annotations

import time

import pytest

from tests.access_scope import PAGES, Seen, build_world, checked, problems
from tests.e2e.conftest import page_slugs
from tests.e2e.page_walk import Wire, context, visit
from tests.e2e.signin import FINANCE, MANAGER, STAFF, VERIFIED_ADMIN, VIEWER, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ROLE_SUBS = {"admin": VERIFIED_ADMIN, "manager": MANAGER, "finance": FINANCE, "viewer": VIEWER}


@pytest.fixture(scope="module")
def auth_seed(auth_store, sample):
    """The AppTest matrix's world, in the sign-in server's store before the server starts."""
    from planning.plans import PlanStore

    store = PlanStore(auth_store)
    try:
        return build_world(store, sample)
    finally:
        store.dispose()


@pytest.mark.parametrize("role", list(ROLE_SUBS))
def test_every_page_shows_the_role_only_its_scope(browser, auth_app, auth_seed, role):
    user = STAFF[ROLE_SUBS[role]]
    ctx, page = sign_in(browser, auth_app, ROLE_SUBS[role])
    found, timings, everything = [], [], Seen()
    try:
        wire = Wire(page)
        for n, (slug, _) in enumerate(page_slugs()):
            t = time.perf_counter()
            seen, failed = visit(page, wire, auth_app, slug, downloads=checked(user), first=n == 0)
            bad = problems(seen, user, auth_seed) + failed
            found += [f"{slug}: {p}" for p in bad] + ([f"{slug}: {c}" for c in context(seen)] if bad else [])
            if role == "admin":  # kept for the check of the collection below
                everything.texts += seen.texts
                everything.frames += seen.frames
            timings.append(f"{slug} {time.perf_counter() - t:.1f} s")
        assert wire.frames, f"{role}: nothing received"
    finally:
        ctx.close()
        print(f"\n{role}: " + ", ".join(timings))
    assert len(page_slugs()) == len(PAGES) >= 10
    assert not found, f"as {role} ({user.email}):\n  " + "\n  ".join(found)
    if role == "admin":  # the collection itself: what the admin received would be caught for the manager and viewer
        as_manager = "\n".join(problems(everything, STAFF[MANAGER], auth_seed))
        assert all(f"out-of-team {w}" in as_manager for w in ("account ids", "rep ids", "names")), as_manager
        as_viewer = "\n".join(problems(everything, STAFF[VIEWER], auth_seed))
        assert "quota column" in as_viewer and "comp/cost column" in as_viewer, as_viewer
