"""Who an OIDC sign-in may act as, decided from the ID token's claims alone (no Streamlit, no provider).

Only the ``email`` claim counts, only when the provider says it verified it (``email_verified`` true, or the
claim an admin configured), and never ``sub``.  The browser run of the same rules against a real provider is
tests/e2e/test_sign_in.py."""
from __future__ import annotations

import pytest

from planning.access import AccessDenied, Role, User
from planning.access.directory import (add_user, user_from_claims, verified_claims, verified_email)
from planning.plans import PlanStore

ADMIN = "admin@acme.test"


@pytest.fixture()
def store(tmp_path):
    s = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    root = User("root@localhost", role=Role.ADMIN, source="local")
    add_user(s, root, ADMIN, "admin", name="Ada Admin")
    add_user(s, root, "vic@acme.test", "viewer", name="Vic Viewer")
    yield s
    s.dispose()


def test_a_verified_email_signs_in_as_its_user(store):
    u = user_from_claims(store, {"sub": "g-123", "email": "Admin@Acme.test", "email_verified": True})
    assert (u.email, u.role, u.source) == (ADMIN, Role.ADMIN, "oidc")
    # some providers send the flag as a string
    assert user_from_claims(store, {"sub": "x", "email": "vic@acme.test", "email_verified": "true"}).role == Role.VIEWER


@pytest.mark.parametrize("flag", [False, "false", None, 1, "yes"])
def test_an_unverified_email_is_refused_even_for_the_admin(store, flag):
    claims = {"sub": "mallory", "email": ADMIN, **({} if flag is None else {"email_verified": flag})}
    with pytest.raises(AccessDenied) as exc:
        user_from_claims(store, claims)
    msg = str(exc.value)
    assert msg.startswith(f"{ADMIN} is not a verified address at your sign-in provider")
    assert '"email_verified" claim is not true' in msg and "does not sign you in" in msg


@pytest.mark.parametrize("email", [None, "", "   ", 42])
def test_no_email_claim_never_falls_back_to_sub(store, email):
    claims = {"sub": ADMIN, "name": "Ada Admin", "email_verified": True}
    if email is not None:
        claims["email"] = email
    with pytest.raises(AccessDenied, match="did not send an email address"):
        user_from_claims(store, claims)


def test_a_verified_email_nobody_added_is_refused(store):
    with pytest.raises(AccessDenied, match="stranger@acme.test is signed in but has no access"):
        user_from_claims(store, {"sub": "s", "email": "stranger@acme.test", "email_verified": True})


def test_the_verified_claim_is_a_setting():
    assert verified_claims() == ("email_verified",)
    assert verified_claims({"verified_claim": "xms_edov"}) == ("xms_edov",)
    assert verified_claims({"verified_claim": ["email_verified", "xms_edov"]}) == ("email_verified", "xms_edov")
    # the environment wins over secrets.toml
    assert verified_claims({"verified_claim": "xms_edov"}, {"PLANNER_VERIFIED_CLAIM": "a, b"}) == ("a", "b")
    assert verified_claims({"verified_claim": ""}, {"PLANNER_VERIFIED_CLAIM": " "}) == ("email_verified",)


def test_a_configured_claim_replaces_email_verified(store):
    entra = {"sub": "oid-1", "email": ADMIN, "xms_edov": True}  # Entra ID: no email_verified, its own claim
    assert verified_email(entra, ("xms_edov",)) == ADMIN
    with pytest.raises(AccessDenied, match='"xms_edov" claim is not true'):
        verified_email({**entra, "xms_edov": False, "email_verified": True}, "xms_edov")
    with pytest.raises(AccessDenied, match="not a verified address"):
        verified_email(entra)  # with the default setting the same token is refused
    assert user_from_claims(store, entra, ("email_verified", "xms_edov")).role == Role.ADMIN
