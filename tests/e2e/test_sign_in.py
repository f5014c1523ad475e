"""Sign-in through a real OIDC provider in a real Chromium: roles and team scope end to end.

The fixtures start an OpenID Connect provider on a loopback port (``oidc-provider-mock``: discovery, JWKS,
authorization-code flow, signed ID tokens) and a second ``streamlit run app.py`` whose own secrets.toml has an
``[auth]`` section pointing at it, with its own plan store holding the users.  Chromium clicks "Sign in", types
the email on the provider's authorization page, comes back through /oauth2callback with Streamlit's auth
cookie, and the app looks the email up in the users table.  Nothing patches st.user.

The provider knows each test user's claims: the three staff have ``email_verified: true``; two impostors claim the
admin's address, one with ``email_verified: false`` and one with no email at all and the admin's address as its
``sub``.  Both must be refused (tests/test_sign_in_claims.py checks the same decision without a browser).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from planning.access import Role, User, team_rep_ids
from planning.access.directory import add_user
from planning.plans import PlanStore
from tests.e2e.conftest import _free_port, dismiss_page_not_found, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
ROOT = Path(__file__).resolve().parents[2]
MANAGER, FINANCE, VIEWER = "dana.manager@acme.test", "finn.finance@acme.test", "vic.viewer@acme.test"
ADMIN = "ada.admin@acme.test"
UNVERIFIED, NO_EMAIL, VERIFIED_ADMIN = "mallory-unverified", ADMIN, "ada-verified"  # provider subjects


def _provider_users():
    from oidc_provider_mock import User as ProviderUser

    staff = [ProviderUser(sub=e, claims={"email": e, "email_verified": True}) for e in (MANAGER, FINANCE, VIEWER)]
    return staff + [
        ProviderUser(sub=VERIFIED_ADMIN, claims={"email": ADMIN, "email_verified": True, "name": "Ada Admin"}),
        ProviderUser(sub=UNVERIFIED, claims={"email": ADMIN, "email_verified": False, "name": "Ada Admin"}),
        ProviderUser(sub=NO_EMAIL, claims={"name": "Ada Admin"}),  # no email claim; sub looks like the admin's
    ]


@pytest.fixture(scope="module")
def oidc_provider():
    """A real OIDC provider on a loopback port, in this process (a werkzeug thread)."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=0, user_claims=_provider_users()) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def auth_app(oidc_provider, tmp_path_factory, sample):
    """``streamlit run app.py`` with sign-in on: its own secrets.toml and its own plan store with three users."""
    tmp = tmp_path_factory.mktemp("auth_app")
    url = f"sqlite:///{tmp / 'plans.sqlite'}"
    store = PlanStore(url)
    local = User("root@localhost", role=Role.ADMIN, source="local")
    add_user(store, local, MANAGER, "manager", name="Dana Manager", manager_id="M-01")
    add_user(store, local, FINANCE, "finance", name="Finn Finance")
    add_user(store, local, VIEWER, "viewer", name="Vic Viewer")
    add_user(store, local, ADMIN, "admin", name="Ada Admin")
    store.save_plan(sample.current_plan(), author="ops", note="baseline")
    store.dispose()
    port = _free_port()
    secrets = tmp / "secrets.toml"
    secrets.write_text(textwrap.dedent(f"""
        [auth]
        redirect_uri = "http://localhost:{port}/oauth2callback"
        cookie_secret = "e2e-cookie-secret-{os.getpid()}"
        client_id = "territory-planner"
        client_secret = "e2e-client-secret"
        server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"
    """))
    env = {**os.environ, "DATABASE_URL": url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = open(tmp / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.fileWatcherType", "none", "--secrets.files", str(secrets)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start:\n" + (tmp / "streamlit.log").read_text())
    # the browser uses the host name of the redirect URI, so the auth cookie comes back to the same origin
    yield f"http://localhost:{port}"
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def authorize(browser, app_url: str, sub: str):
    """Click "Sign in" and authorize as the provider subject ``sub``; returns once the app is back."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(90_000)
    page.goto(app_url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("input[name=sub]")  # the provider's authorization page
    assert page.url.startswith("http://localhost:") and "/oauth2/authorize" in page.url
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    return ctx, page


def sign_in(browser, app_url: str, email: str):
    ctx, page = authorize(browser, app_url, email)
    page.get_by_text("Signed in as").first.wait_for()
    wait_idle(page, timeout=120_000)
    dismiss_page_not_found(page)
    return ctx, page


def goto(page, app_url: str, path: str, wait_text: str):
    page.goto(f"{app_url}/{path}")
    page.get_by_text(wait_text).first.wait_for()
    wait_idle(page, timeout=120_000)
    dismiss_page_not_found(page)


def test_nobody_sees_a_page_before_signing_in(browser, auth_app):
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{auth_app}/disruption")
    page.get_by_role("button", name="Sign in").wait_for(timeout=90_000)
    wait_idle(page)
    assert page.get_by_text("Accounts moved").count() == 0
    dismiss_page_not_found(page)  # streamlit#9992 on a first deep link; the sign-in screen is under it
    ctx.close()


def test_manager_sees_exactly_their_team_and_no_comp(browser, auth_app, sample):
    ctx, page = sign_in(browser, auth_app, MANAGER)
    assert page.get_by_text("role: manager · team M-01").first.is_visible()
    team = team_rep_ids(User(MANAGER, role=Role.MANAGER, manager_id="M-01"), sample.reps)
    n_team = int(sample.accounts["owner_rep_id"].isin(team).sum())
    accounts = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts").first
    assert accounts.locator('[data-testid="stMetricValue"]').inner_text().strip() == f"{n_team:,}"
    assert n_team < len(sample.accounts)
    goto(page, auth_app, "disruption", "You see your own team (M-01)")
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
    assert page.get_by_text("role: admin").first.is_visible()
    ctx.close()


def _refused(browser, auth_app, sub: str, says: str):
    ctx, page = authorize(browser, auth_app, sub)
    page.get_by_text(says).first.wait_for()
    wait_idle(page, timeout=120_000)
    dismiss_page_not_found(page)
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
