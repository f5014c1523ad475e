"""Review widgets shared by the Disruption, Compare, Plans and Review pages: a version's status line, the
comment and decision box, and the managers' table.  Every act goes through planning.plans.review."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from planning.access import AccessDenied, Permission, User, require_account, require_rep
from planning.plans import ReviewError, review

STATE_ICONS = {"draft": "📝", "in_review": "🔎", "changes_requested": "↩️", "approved": "✅", "published": "📤"}


def _ts(t) -> str:
    return "" if t is None or pd.isna(t) else f"{t:%Y-%m-%d %H:%M} UTC"


def status_of(store, name: str, version: int | None = None) -> review.ReviewStatus | None:
    try:
        return review.status(store, name, version)
    except ReviewError:
        return None


def status_line(st_: review.ReviewStatus) -> str:
    line = f"{STATE_ICONS.get(st_.state, '')} **{st_.name} v{st_.version}**: {st_.label()}"
    if st_.state_by:
        line += f" · by {st_.state_by}, {_ts(st_.state_at)}"
    n_open = len(st_.open_comments)
    if n_open:
        line += f" · {n_open} open comment{'s' if n_open != 1 else ''}"
    stale = st_.decisions.loc[st_.decisions["stale"]] if len(st_.decisions) else st_.decisions
    if len(stale):
        line += f" · {len(stale)} stale decision{'s' if len(stale) != 1 else ''} (made on an older version)"
    return line


def show_status(store, ref) -> review.ReviewStatus | None:
    """A caption with the review status of a picked plan (saved versions only)."""
    if getattr(ref, "source", "saved") != "saved":
        st.caption(f"**{ref.name}** is not saved, so it has no review status. Save it on the Plans page to put it "
                   "through review.")
        return None
    s = status_of(store, ref.name, ref.version)
    if s is not None:
        st.markdown(status_line(s))
    return s


def visible_comments(user: User, s: review.ReviewStatus) -> pd.DataFrame:
    """A manager sees their own comments; everyone else sees all."""
    c = s.comments
    return c.loc[c["by"] == user.email] if user.scoped and len(c) else c


def comments_table(user: User, s: review.ReviewStatus, open_only: bool = False) -> None:
    c = visible_comments(user, s)
    if open_only and len(c):
        c = c.loc[~c["resolved"]]
    if c.empty:
        st.caption("No comments." if not open_only else "No open comments.")
        return
    shown = c.assign(at=c["at"].map(_ts))[["id", "version", "target_type", "target_id", "text", "by", "at", "resolved",
                                             "resolution"]]
    st.dataframe(shown, hide_index=True, width="stretch")


def managers_table(s: review.ReviewStatus, reps: pd.DataFrame, user: User) -> None:
    mgrs = review.managers_of(reps)
    if user.scoped:
        mgrs = mgrs.loc[mgrs["manager_id"] == user.manager_id]
    t = review.manager_statuses(s, mgrs)
    st.dataframe(t.assign(at=t["at"].map(_ts)), hide_index=True, width="stretch")


def act(fn, ok: str) -> None:
    """Run a review act; on success flash ``ok`` and rerun, else show the refusal."""
    try:
        fn()
        st.session_state["review_flash"] = ok
        st.rerun()
    except (ReviewError, AccessDenied) as exc:
        st.error(str(exc))


def review_box(store, user: User, name: str, version: int, ds, *, accounts: pd.DataFrame | None = None,
               reps: pd.DataFrame | None = None, plans=(), key: str = "rb") -> None:
    """Comment on the version (or an account or rep in it) and decide on it, as this user may."""
    if msg := st.session_state.pop("review_flash", None):
        st.success(msg)
    s = status_of(store, name, version)
    if s is None:
        return
    can_comment = user.can(Permission.REVIEW_COMMENT)
    if can_comment:
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
            if t == "account":
                require_account(user, ds.reps, i, ds.accounts, plans)
            elif t == "rep":
                require_rep(user, ds.reps, i)
        if st.button("Add comment", key=f"{key}_add", disabled=not text.strip()):
            act(lambda: review.comment(store, user, name, version, text, kind, target, check=check),
                 f"Comment added to {name} v{version}.")
    decider = user.can(Permission.REVIEW_TEAM) or user.can(Permission.SIGN_OFF_QUOTA) or user.can(Permission.APPROVE)
    if decider and s.state == "in_review" and not s.superseded:
        options = [o for o, p in (("team", Permission.REVIEW_TEAM), ("finance", Permission.SIGN_OFF_QUOTA),
                                  ("leadership", Permission.APPROVE)) if user.can(p)]
        if options and "team" in options and not user.manager_id:
            options.remove("team")
        if options:
            d1, d2 = st.columns([1, 2])
            as_ = d1.selectbox("Decide as", options, key=f"{key}_as",
                               format_func={"team": f"manager of {user.manager_id}", "finance": "finance (quota sign-off)",
                                            "leadership": "leadership (final approval)"}.get)
            note = d2.text_input("Note (required to request changes)", key=f"{key}_note")
            b1, b2 = st.columns(2)
            if b1.button("Approve", type="primary", key=f"{key}_approve"):
                act(lambda: review.decide(store, user, name, version, "approve", note, as_=as_),
                     f"Approved {name} v{version} as {as_}.")
            if b2.button("Request changes", key=f"{key}_changes"):
                act(lambda: review.decide(store, user, name, version, "request_changes", note, as_=as_),
                     f"Requested changes on {name} v{version}.")
    elif decider and s.state != "in_review":
        st.caption(f"Decisions open once sales ops submit this version for review (it is {s.label()}).")
