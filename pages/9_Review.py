"""Review: the signed-in user's inbox, and the review of a saved plan version (submit, decide, comment, resolve,
audit log).  draft → in review → approved → published, with "changes requested" as the way back."""
from __future__ import annotations

import streamlit as st

from planning.access import Permission
from planning.plans import StoreError, review
from ui import access, review_panel, state

user = access.page_user(Permission.VIEW_PLANS)
ds = state.dataset()
st.title("Review")
st.caption("Sales ops submit a saved version; each manager approves or requests changes for their team; finance "
           "signs off quotas; leadership approves; then sales ops publish it to the CRM (Plans page). Every act is "
           "kept in the audit log.")
store = state.store()
try:
    names = list(store.list_plans()["name"])
except StoreError as exc:
    st.error(f"The plan store cannot be read: {exc}")
    st.stop()
if msg := st.session_state.pop("review_flash", None):
    st.success(msg)

st.subheader(f"Your inbox ({user.role.title})")
box = review.inbox(store, user, names)
if box.empty:
    st.caption("Nothing waits for you.")
else:
    st.dataframe(box.assign(since=box["since"].map(review_panel._ts)), hide_index=True, width="stretch")

if not names:
    st.info("No saved plans yet: save one on the Plans page to start a review.")
    st.stop()

st.subheader("A plan version")
first = names.index(box["plan"].iloc[0]) if len(box) else 0
c1, c2 = st.columns([3, 1])
name = c1.selectbox("Plan", names, index=first, key="rv_plan")
versions = list(store.versions(name)["version"])[::-1]
version = c2.selectbox("Version", versions, key="rv_version")
s = review_panel.status_of(store, name, version)
if s is None:
    st.error(f"{name!r} is gone (deleted meanwhile).")
    st.stop()
st.markdown(review_panel.status_line(s))
if s.state_note:
    st.caption(f"Note: {s.state_note}")
if s.superseded:
    st.warning(f"v{s.latest_version} supersedes this version: decisions made on v{version} are stale.")


_act = review_panel.act


if user.can(Permission.REVIEW_SUBMIT):
    o1, o2, o3 = st.columns([2, 1, 1])
    ops_note = o1.text_input("Note for reviewers", key="rv_ops_note")
    if o2.button("Submit for review", type="primary", key="rv_submit",
                 disabled=s.state not in ("draft", "changes_requested") or s.superseded):
        _act(lambda: review.submit(store, user, name, version, ops_note), f"{name} v{version} is in review.")
    if o3.button("Withdraw to draft", key="rv_withdraw", disabled=s.state not in ("in_review", "changes_requested",
                                                                                    "approved")):
        _act(lambda: review.withdraw(store, user, name, version, ops_note), f"{name} v{version} is a draft again.")

t_mgr, t_dec, t_com, t_log = st.tabs(["Managers", "Decisions", "Comments", "Audit log"])
with t_mgr:
    st.caption("Each first-line manager's decision on this version (stale: made on an older version).")
    review_panel.managers_table(s, ds.reps, user)
with t_dec:
    if len(s.decisions):
        st.dataframe(s.decisions.assign(at=s.decisions["at"].map(review_panel._ts)) if not user.scoped else
                     s.decisions.loc[s.decisions["scope"].isin([f"team:{user.manager_id}", "finance", "leadership"])]
                     .assign(at=lambda d: d["at"].map(review_panel._ts)), hide_index=True, width="stretch")
    else:
        st.caption("No decisions yet.")
    st.markdown("**Decide or comment on the whole version**")
    review_panel.review_box(store, user, name, version, ds, key="rv_box")
    st.caption("To comment on one account or rep, open the Disruption page with this version as plan B.")
with t_com:
    review_panel.comments_table(user, s)
    open_c = review_panel.visible_comments(user, s)
    open_c = open_c.loc[~open_c["resolved"]] if len(open_c) else open_c
    if user.can(Permission.REVIEW_SUBMIT) and len(open_c):
        r1, r2, r3 = st.columns([1, 2, 1])
        cid = r1.selectbox("Comment", list(open_c["id"]), key="rv_cid",
                           format_func=lambda i: f"#{i}: {open_c.set_index('id').at[i, 'text'][:40]}")
        res_note = r2.text_input("Resolution", value=f"resolved in v{s.latest_version}", key="rv_res_note")
        if r3.button("Resolve", key="rv_resolve"):
            _act(lambda: review.resolve(store, user, name, int(cid), res_note), f"Comment #{cid} resolved.")
with t_log:
    log = review.history(store, name)
    if user.scoped and len(log):
        log = log.loc[(log["kind"] != "comment") | (log["actor"] == user.email)]
    st.dataframe(log.assign(at=log["at"].map(review_panel._ts)) if len(log) else log, hide_index=True,
                 width="stretch")
