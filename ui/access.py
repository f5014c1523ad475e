"""Who is using the app, and the one call every page makes: ``user = access.page_user(Permission.X)``.

Sign-in is Streamlit's OIDC (``st.login`` / ``st.user``), on when ``.streamlit/secrets.toml`` has an ``[auth]``
section; the signed-in email is looked up in the plan store's users, and only an email the provider verified
counts (``email_verified``, or the claim set as ``verified_claim`` in ``[auth]`` / ``$PLANNER_VERIFIED_CLAIM``).
Without ``[auth]`` the app runs for one local user, an admin, as it always did, and says so in the sidebar.
"""
from __future__ import annotations

import os
import re

import streamlit as st

from planning.access import AccessDenied, Permission, User, denial, local_user
from ui.plain import md_escape

_KEY = "_access_user"
_PAGE = "_access_page_title"


def plain(text: str) -> str:
    """``text`` with markdown's special characters escaped, for st.error/st.caption of text someone else wrote."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~$:])", r"\\\1", str(text))


def auth_configured() -> bool:
    """True when secrets.toml has an [auth] section (sign-in on)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: sign-in is off
        return False


def _providers() -> list[str]:
    """Named providers ([auth.google], [auth.okta], ...); empty when [auth] itself holds the provider."""
    auth = st.secrets["auth"]
    return [k for k, v in auth.items() if hasattr(v, "keys")] if "client_id" not in auth else []


def current_user() -> User | None:
    """The user of this session (None: sign-in is on and nobody is signed in).  Raises AccessDenied for a
    signed-in email no admin has added."""
    if not auth_configured():
        return local_user()
    if not st.user.is_logged_in:
        return None
    from planning.access.directory import user_from_claims, verified_claims  # SQLAlchemy: only when sign-in is on
    from ui import state

    # Only a verified email claim signs someone in (never `sub`): see directory.verified_email.
    return user_from_claims(state.raw_store(), st.user.to_dict(), verified_claims(st.secrets["auth"], os.environ))


def gate(before_stop=None) -> User:
    """Resolve the user for this run, or draw the sign-in screen (or the refusal) and stop.

    ``before_stop`` runs just before stopping (app.py registers the pages there, hidden, so a deep link such as
    /disruption is known and lands on that page after sign-in instead of raising "Page not found")."""
    try:
        user = current_user()
    except AccessDenied as exc:
        st.title("Territory & Capacity Planner")
        st.error(plain(str(exc)))  # the email in it comes from the provider: never read as markdown
        st.button("Sign out", on_click=st.logout, key="access_logout_denied")
        if before_stop:
            before_stop()
        st.stop()
    if user is None:
        st.title("Territory & Capacity Planner")
        st.write("Sign in with your company account to see the plans you are entitled to.")
        providers = _providers()
        if providers:
            for p in providers:
                st.button(f"Sign in with {p.capitalize()}", on_click=st.login, args=(p,), key=f"access_login_{p}")
        else:
            st.button("Sign in", type="primary", on_click=st.login, key="access_login")
        if before_stop:
            before_stop()
        st.stop()
    st.session_state[_KEY] = user
    return user


def user() -> User:
    """The user resolved by :func:`gate` in app.py this run (resolving it here when a page runs on its own)."""
    u = st.session_state.get(_KEY)
    return u if u is not None else gate()


def note_page(title: str) -> None:
    """The title of the page this run draws (navigation.py), for :func:`page_user`'s refusal."""
    st.session_state[_PAGE] = title


def page_user(*permissions: Permission) -> User:
    """The one call every page makes first: the user, after checking they hold ``permissions``.

    A missing permission draws a clear message (who, what, which role may) and stops the page, so a page never
    shows an empty table in place of a refusal.
    """
    from ui import page_preload

    page_preload.start_once()  # the other pages' code, loaded once this run has ended (a no-op after the first)
    u = user()
    for p in permissions:
        if not u.can(p):
            if title := st.session_state.get(_PAGE):  # a deep link to the page shows the page's name and why not
                st.title(title)
            st.error(denial(u, p))
            st.stop()
    return u


def show_denied(exc: AccessDenied) -> None:
    """Draw a refusal raised by the core (e.g. another team's data) and stop the page."""
    st.error(str(exc))
    st.stop()


def sidebar(u: User) -> None:
    with st.sidebar:
        if u.source == "local":
            st.caption(f"Sign-in is off: you are the local user **{u.name}** (admin). Add an `[auth]` section to "
                       "`.streamlit/secrets.toml` to turn sign-in on (see the README).")
        else:
            team = f" · team {u.manager_id}" if u.manager_id and u.scoped else ""
            # the name and email are text an admin typed: escaped, and "@" too so the email is no mailto link
            who = md_escape(u.label).replace("@", "\\@")
            st.caption(f"Signed in as **{who}**  \nrole: {u.role.title}{team}")
            st.button("Sign out", on_click=st.logout, key="access_logout")
