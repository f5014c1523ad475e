"""Sign-in through a real OIDC provider in a real Chromium: roles and team scope end to end.

The fixtures (tests/e2e/conftest.py, tests/e2e/signin.py) start an OpenID Connect provider on a loopback port
(``oidc-provider-mock``: discovery, JWKS, authorization-code flow, signed ID tokens) and a second ``streamlit run
app.py`` whose own secrets.toml has an ``[auth]`` section pointing at it, with its own plan store holding the
users.  Chromium clicks "Sign in", types the email on the provider's authorization page, comes back through
/oauth2callback with Streamlit's auth cookie, and the app looks the email up in the users table.  Nothing patches
st.user.

The provider knows each test user's claims: the three staff have ``email_verified: true``; two impostors claim the
admin's address, one with ``email_verified: false`` and one with no email at all and the admin's address as its
``sub``.  Both must be refused (tests/test_sign_in_claims.py checks the same decision without a browser).
"""
from __future__ import annotations

import pytest

from planning.access import team_rep_ids
from tests.access_scope import TEAM
from tests.e2e.conftest import wait_idle
from tests.e2e.signin import (ADMIN, FINANCE, MANAGER, NO_EMAIL, STAFF, UNVERIFIED, VERIFIED_ADMIN, VIEWER, authorize,
                              goto, sign_in)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_nobody_sees_a_page_before_signing_in(browser, auth_app):
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{auth_app}/disruption")
    page.get_by_role("button", name="Sign in").wait_for(timeout=90_000)
    wait_idle(page)
    assert page.get_by_text("Accounts moved").count() == 0
    ctx.close()


def test_manager_sees_exactly_their_team_and_no_comp(browser, auth_app, sample):
    ctx, page = sign_in(browser, auth_app, MANAGER)
    page.get_by_text(f"role: manager · team {TEAM}").first.wait_for(state="visible", timeout=30_000)
    team = team_rep_ids(STAFF[MANAGER], sample.reps)
    n_team = int(sample.accounts["owner_rep_id"].isin(team).sum())
    accounts = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts").first
    assert accounts.locator('[data-testid="stMetricValue"]').inner_text().strip() == f"{n_team:,}"
    assert n_team < len(sample.accounts)
    from planning.reporting import person_of  # the team by its manager's name: "Fatima Green (M-03)"

    goto(page, auth_app, "disruption", f"You see your own team, {person_of(TEAM, sample.reps)}")
    before = page.locator('[data-testid="stMetric"]').filter(has_text="Team accounts before").first
    assert before.locator('[data-testid="stMetricValue"]').inner_text().strip() == f"{n_team:,}"
    assert page.get_by_text("All managers").count() == 0  # no way to pick another team
    goto(page, auth_app, "finance", "Finance")
    page.get_by_text("may not see comp plans").first.wait_for()
    assert page.get_by_text("Bookings target").count() == 0
    # the Users page is not even listed for a manager
    assert page.locator('[data-testid="stSidebarNav"]').get_by_text("Users").count() == 0
    ctx.close()


def test_finance_sees_comp(browser, auth_app):
    ctx, page = sign_in(browser, auth_app, FINANCE)
    goto(page, auth_app, "finance", "Finance")
    page.get_by_text("Bookings target").first.wait_for()
    assert page.get_by_text("may not see comp").count() == 0
    ctx.close()


def test_viewer_cannot_save(browser, auth_app):
    ctx, page = sign_in(browser, auth_app, VIEWER)
    goto(page, auth_app, "plans", "Plans")
    page.get_by_text("Plan library").first.wait_for()
    page.get_by_text("Save a plan from this session").first.click()
    assert page.get_by_role("button", name="Save version").is_disabled()
    page.get_by_text("saving, renaming, cloning, deleting and publishing are for sales ops").first.wait_for()
    ctx.close()


def test_a_verified_admin_signs_in_as_admin(browser, auth_app):
    ctx, page = sign_in(browser, auth_app, VERIFIED_ADMIN)
    page.get_by_text("role: admin").first.wait_for(state="visible", timeout=30_000)
    ctx.close()


def _refused(browser, auth_app, sub: str, says: str):
    ctx, page = authorize(browser, auth_app, sub)
    page.get_by_text(says).first.wait_for()
    wait_idle(page, timeout=120_000)
    assert page.get_by_text("Signed in as").count() == 0
    assert page.locator('[data-testid="stMetric"]').count() == 0  # no page behind the refusal
    # the button is drawn just after the message: wait for it rather than count it at once (it raced in CI)
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Sign out").count() == 1
    ctx.close()


def test_an_unverified_email_is_not_signed_in_as_the_admin(browser, auth_app):
    _refused(browser, auth_app, UNVERIFIED, f"{ADMIN} is not a verified address at your sign-in provider")


def test_no_email_claim_never_falls_back_to_sub(browser, auth_app):
    _refused(browser, auth_app, NO_EMAIL, "did not send an email address")
