"""Review widgets shared by the Disruption, Compare, Plans and Review pages: a version's status line, the
comment and decision box, and the review tables.  Every act goes through planning.plans.review, and every read
is the signed-in user's view of the log (the store carries the user, so a manager sees their own team's
decisions and comments only); the box reads the data (teams, who may be commented on) through the scoped
accessor (planning.access.ScopedView).  User text (plan names, notes, comments) is shown as plain text."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.access import AccessDenied, Permission, Role, User
from planning.plans import ReviewError, review, review_tables
from ui.plain import md_escape
from ui.tables import show_table

STATE_ICONS = {"draft": "📝", "in_review": "🔎", "changes_requested": "↩️", "approved": "✅", "published": "📤"}


def _ts(t) -> str:
    return review_tables.review_time(t)


def status_of(store, name: str, version: int | None = None) -> review.ReviewStatus | None:
    """The user's view of a version's review (None when the plan is gone)."""
    try:
        return review.status(store, name, version)
    except ReviewError:
        return None


def status_line(st_: review.ReviewStatus) -> str:
    """The status line as markdown: the icon, then :func:`review_tables.status_text` with every user-written word
    escaped (a plan named like a link reads as its characters)."""
    return f"{STATE_ICONS.get(st_.state, '')} {md_escape(review_tables.status_text(st_))}"


def show_line(st_: review.ReviewStatus) -> None:
    """The status line, and the note of the last state change as plain text."""
    st.markdown(status_line(st_))
    if st_.state_note:
        st.text(f"Note: {st_.state_note}")


def show_status(store, ref) -> review.ReviewStatus | None:
    """The review status of a picked plan (saved versions only)."""
    if getattr(ref, "source", "saved") != "saved":
        st.caption(f"{md_escape(ref.name)} is not saved, so it has no review status. Save it on the Plans page to "
                   "put it through review.")
        return None
    s = status_of(store, ref.name, ref.version)
    if s is not None:
        st.markdown(status_line(s))
    return s


def comments_table(user: User, s: review.ReviewStatus, open_only: bool = False, key: str | None = None) -> None:
    t = review_tables.comments_table(s, open_only)
    if t.empty:
        st.caption("No comments." if not open_only else "No open comments.")
        return
    show_table(t, key=key or f"rp_comments_{s.name}_{s.version}_{int(open_only)}")


def managers_table(s: review.ReviewStatus, managers: pd.DataFrame, user: User, key: str = "rp_managers") -> None:
    """Each listed manager's decision on this version and the open comments on their team (a manager: own row)."""
    if user.scoped:
        own = managers.loc[managers["manager_id"] == user.manager_id]
        managers = own if len(own) else pd.DataFrame({"manager_id": [user.manager_id], "name": [user.name]})
    show_table(review.manager_statuses(s, managers).assign(at=lambda d: d["at"].map(_ts)), key=key)


def act(fn, ok: str) -> None:
    """Run a review act; on success flash ``ok`` and rerun, else show the refusal."""
    try:
        fn()
        st.session_state["review_flash"] = ok
        st.rerun()
    except (ReviewError, AccessDenied) as exc:
        st.error(md_escape(exc))


def decide_options(user: User, managers: pd.DataFrame) -> dict[str, str]:
    """``as_`` value → what the "Decide as" menu reads: a manager's team, every listed team for an admin, finance
    and leadership for those who may."""
    out: dict[str, str] = {}
    if user.can(Permission.REVIEW_TEAM):
        if user.role == Role.ADMIN:
            for mid, lab in zip(managers["manager_id"], managers["label"]):
                out[f"team:{mid}"] = f"for manager {lab}"
        elif user.manager_id:
            out["team"] = f"manager of {user.manager_id}"
    if user.can(Permission.SIGN_OFF_QUOTA):
        out["finance"] = "finance (quota sign-off)"
    if user.can(Permission.APPROVE):
        out["leadership"] = "leadership (final approval)"
    return out


def _comment_form(view, name: str, version: int, accounts, reps, plans, key: str) -> None:
    c1, c2 = st.columns([1, 2])
    kinds = ["plan"] + (["account"] if accounts is not None and len(accounts) else []) + \
            (["rep"] if reps is not None and len(reps) else [])
    kind = c1.selectbox("Comment on", kinds, key=f"{key}_kind")
    target = None
    if kind == "account":
        opts = accounts.drop_duplicates("account_id")
        labels = dict(zip(opts["account_id"].astype(str), opts["name"].astype(str)))
        target = c2.selectbox("Account", list(labels), format_func=lambda a: f"{labels[a]} ({a})", key=f"{key}_acc")
    elif kind == "rep":
        opts = reps.dropna(subset=["rep_id"]).drop_duplicates("rep_id")
        labels = dict(zip(opts["rep_id"].astype(str), opts["name"].astype(str)))
        target = c2.selectbox("Rep", list(labels), format_func=lambda r: f"{labels[r]} ({r})", key=f"{key}_rep")
    text = st.text_input("Comment", key=f"{key}_text", placeholder="e.g. keep Acme with Dana")

    def check(t, i):
        view.check_target(t, i, plans)
    if st.button("Add comment", key=f"{key}_add", disabled=not text.strip()):
        teams = view.comment_teams(kind, target, plans)
        act(lambda: review.comment(view.store, view.user, name, version, text, kind, target, check=check,
                                   teams=teams),
            f"Comment added to {name} v{version}.")


def review_box(view, name: str, version: int, *, accounts: pd.DataFrame | None = None,
               reps: pd.DataFrame | None = None, plans=(), key: str = "rb") -> None:
    """Comment on the version (or an account or rep in it) and decide on it, as ``view``'s user may (``view``: the
    page's :class:`planning.access.ScopedView`, whose store carries the user).  ``plans``: the plans in view
    (today's and this version), which name the teams a comment's account belongs to and the teams an admin may
    decide for (:meth:`ScopedView.managers`)."""
    store, user = view.store, view.user
    if msg := st.session_state.pop("review_flash", None):
        st.success(md_escape(msg))
    s = status_of(store, name, version)
    if s is None:
        return
    plans = list(plans)
    if user.can(Permission.REVIEW_COMMENT):
        _comment_form(view, name, version, accounts, reps, plans, key)
    managers = view.managers(plans)
    options = decide_options(user, managers)
    if options and s.state == "in_review" and not s.superseded:
        d1, d2 = st.columns([1, 2])
        as_ = d1.selectbox("Decide as", list(options), key=f"{key}_as", format_func=options.get)
        note = d2.text_input("Note (required to request changes)", key=f"{key}_note")
        b1, b2 = st.columns(2)
        teams = list(managers["manager_id"])
        if b1.button("Approve", type="primary", key=f"{key}_approve"):
            act(lambda: review.decide(store, user, name, version, "approve", note, as_=as_, teams=teams),
                f"Approved {name} v{version} ({options[as_]}).")
        if b2.button("Request changes", key=f"{key}_changes"):
            act(lambda: review.decide(store, user, name, version, "request_changes", note, as_=as_, teams=teams),
                f"Requested changes on {name} v{version}.")
    elif options and s.state != "in_review":
        st.caption(f"Decisions open once sales ops submit this version for review (it is {s.label()}).")
