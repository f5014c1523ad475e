"""Sign-in through a real OIDC provider, for the browser tests: the provider's users, a ``streamlit run app.py``
with an ``[auth]`` section pointing at it, and the clicks of signing in (tests/e2e/conftest.py holds the fixtures).

The provider (``oidc-provider-mock``: discovery, JWKS, authorization-code flow, signed ID tokens) knows each test
user's claims: the three staff have ``email_verified: true``; the admin signs in as the subject VERIFIED_ADMIN; two
impostors claim the admin's address, one with ``email_verified: false`` and one with no email at all and the admin's
address as its ``sub``.  The app's store holds the staff as users (the manager leads team M-03, the team of the
every-page access tests, tests/access_scope.py).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

from planning.access import Role, User
from tests.access_scope import TEAM
from tests.e2e.conftest import ROOT, _free_port, wait_idle

MANAGER, FINANCE, VIEWER = "dana.manager@acme.test", "finn.finance@acme.test", "vic.viewer@acme.test"
ADMIN = "ada.admin@acme.test"
UNVERIFIED, NO_EMAIL, VERIFIED_ADMIN = "mallory-unverified", ADMIN, "ada-verified"  # provider subjects
STAFF = {  # provider subject → the user the store knows
    VERIFIED_ADMIN: User(ADMIN, "Ada Admin", Role.ADMIN, source="oidc"),
    MANAGER: User(MANAGER, "Dana Manager", Role.MANAGER, manager_id=TEAM, source="oidc"),
    FINANCE: User(FINANCE, "Finn Finance", Role.FINANCE, source="oidc"),
    VIEWER: User(VIEWER, "Vic Viewer", Role.VIEWER, source="oidc"),
}


def provider_users():
    from oidc_provider_mock import User as ProviderUser

    staff = [ProviderUser(sub=e, claims={"email": e, "email_verified": True}) for e in (MANAGER, FINANCE, VIEWER)]
    return staff + [
        ProviderUser(sub=VERIFIED_ADMIN, claims={"email": ADMIN, "email_verified": True, "name": "Ada Admin"}),
        ProviderUser(sub=UNVERIFIED, claims={"email": ADMIN, "email_verified": False, "name": "Ada Admin"}),
        ProviderUser(sub=NO_EMAIL, claims={"name": "Ada Admin"}),  # no email claim; sub looks like the admin's
    ]


def serve_with_sign_in(tmp: Path, db_url: str, provider: str):
    """``streamlit run app.py`` with its own secrets.toml ([auth] → ``provider``) and plan store ``db_url``: yields
    its URL (by the redirect URI's host name, so the auth cookie comes back to the same origin), then stops it."""
    port = _free_port()
    secrets = tmp / "secrets.toml"
    secrets.write_text(textwrap.dedent(f"""
        [auth]
        redirect_uri = "http://localhost:{port}/oauth2callback"
        cookie_secret = "e2e-cookie-secret-{os.getpid()}"
        client_id = "territory-planner"
        client_secret = "e2e-client-secret"
        server_metadata_url = "{provider}/.well-known/openid-configuration"
    """))
    env = {**os.environ, "DATABASE_URL": db_url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
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


def sign_in(browser, app_url: str, sub: str):
    """Sign in as the provider subject ``sub`` → (context, page) on the app's first page, drawn."""
    ctx, page = authorize(browser, app_url, sub)
    page.get_by_text("Signed in as").first.wait_for()
    wait_idle(page, timeout=120_000)
    return ctx, page


def goto(page, app_url: str, path: str, wait_text: str):
    page.goto(f"{app_url}/{path}")
    page.get_by_text(wait_text).first.wait_for()
    wait_idle(page, timeout=120_000)
