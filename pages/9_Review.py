"""Review: the signed-in user's inbox, and the review of a saved plan version (submit, decide, comment, resolve,
audit log).  draft → in review → approved → published, with "changes requested" as the way back.

Everything read here is the user's view of the review log (planning.plans.review_view): a manager sees their
own team's decisions, notes and comments and the plan-level state, never another team's.  The data and the plans
come through the scoped accessor (ui.scoped.view()).  The page opens on what waits for the user.

What reruns: the comment box is a fragment, so typing in it reruns the box alone; adding a comment reruns the box
and the fragments whose figures it changes (the status line's "N open comments", the managers' rows, the comments,
the audit log and, for sales ops, the inbox), which read the log once between them, so their counts agree.  A
decision, a submit or a resolution changes the version's state and reruns the page."""
from __future__ import annotations

import streamlit as st

from planning.access import Permission
from planning.plans import StoreError, review, review_tables
from ui import access, review_panel, scoped, state
from ui.plain import md_escape
from ui.tables import show_table

user = access.page_user(Permission.VIEW_PLANS)
view = scoped.view()
st.title("Review")
st.caption("Sales ops submit a saved version; each manager approves or requests changes for their team; finance "
           "signs off quotas; leadership approves; then sales ops publish it to the CRM (Plans page). Every act is "
           "kept in the audit log.")
store = view.store
try:
    names = list(store.list_plans()["name"])
except StoreError as exc:
    st.error(f"The plan store cannot be read: {md_escape(exc)}")
    st.stop()
if msg := st.session_state.pop("review_flash", None):
    st.success(md_escape(msg))

INBOX, STATUS, MANAGERS, COMMENTS, LOG = "rv_inbox_part", "rv_status", "rv_managers_part", "rv_comments_part", \
    "rv_log_part"  # the fragments' keys


@st.fragment(key=INBOX)
def inbox(names: list[str]) -> None:
    st.subheader(f"Your inbox ({user.role.title})")
    box = review.inbox(store, user, names, review_panel.statuses(store, names))
    if box.empty:
        st.caption("Nothing waits for you.")
    else:
        show_table(review_tables.inbox_table(box), key="rv_inbox")


inbox(names)

if not names:
    st.info("No saved plans yet: save one on the Plans page to start a review.")
    st.stop()

st.subheader("A plan version")
sts = review_panel.statuses(store, names)
open_name, open_version = review.opening_plan(review.inbox(store, user, names, sts), sts, names)
c1, c2 = st.columns([3, 1])
name = c1.selectbox("Plan", names, index=names.index(open_name) if open_name in names else 0, key="rv_plan")
versions = [int(v) for v in store.versions(name)["version"]][::-1]  # newest first
v_index = versions.index(open_version) if name == open_name and open_version in versions else 0
version = c2.selectbox("Version", versions, index=v_index, key="rv_version")
s = review_panel.status_of(store, name, version)
if s is None:
    st.error(f"{md_escape(name)} is gone (deleted meanwhile).")
    st.stop()


@st.fragment(key=STATUS)
def status_line(name: str, version: int) -> None:
    s = review_panel.status_of(store, name, version)
    if s is None:
        return
    review_panel.show_line(s)
    if s.superseded:
        st.warning(f"v{s.latest_version} supersedes this version: decisions made on v{version} are stale.")


status_line(name, version)

@st.cache_data(show_spinner=False, max_entries=8)
def _plans(data_version: str, url: str, name: str, version: int, saved_at: str, _view):
    """Today's plan and the version under review (a saved version never changes: keyed on when it was saved),
    whole: they name the teams a comment concerns and the managers listed."""
    return [_view.current_plan(), _view.load_plan(name, version)]


try:
    vs = store.versions(name)
    saved_at = str(vs.loc[vs["version"] == version, "created_at"].iloc[0]) if "created_at" in vs else ""
    plans = _plans(state.dataset_version(), str(getattr(store, "url", "")), name, int(version), saved_at, view)
except StoreError as exc:
    st.error(f"Could not load the plan: {md_escape(exc)}")
    st.stop()
fit = view.fit_check.plan(plans[1])  # a version made on another dataset is said so, not mixed in silently
if fit.status != "same":
    (st.warning if fit.usable else st.error)(md_escape(
        fit.message(f"{name!r} v{version}") + ("" if fit.usable else " The managers listed are today's and the "
                                               "plan's; review it on the data it was made on.")))
managers = view.managers(plans)  # every manager whose team holds a book today or in this version (a manager: own)

if user.can(Permission.REVIEW_SUBMIT):
    o1, o2, o3 = st.columns([2, 1, 1])
    ops_note = o1.text_input("Note for reviewers", key="rv_ops_note")
    if o2.button("Submit for review", type="primary", key="rv_submit",
                 disabled=s.state not in ("draft", "changes_requested") or s.superseded):
        review_panel.act(lambda: review.submit(store, user, name, version, ops_note),
                         f"{name} v{version} is in review.")
    if o3.button("Withdraw to draft", key="rv_withdraw",
                 disabled=s.state not in ("in_review", "changes_requested", "approved")):
        review_panel.act(lambda: review.withdraw(store, user, name, version, ops_note),
                         f"{name} v{version} is a draft again.")



@st.fragment(key=MANAGERS)
def managers_part(name: str, version: int, managers) -> None:
    if (s := review_panel.status_of(store, name, version)) is not None:
        review_panel.managers_table(s, managers, user, key="rv_managers")


@st.fragment(key=COMMENTS)
def comments_part(name: str, version: int) -> None:
    s = review_panel.status_of(store, name, version)
    if s is None:
        return
    review_panel.comments_table(user, s, key="rv_comments")
    open_c = s.open_comments
    if user.can(Permission.REVIEW_SUBMIT) and len(open_c):
        texts = dict(zip(open_c["id"].astype(int), open_c["text"].astype(str)))
        r1, r2, r3 = st.columns([1, 2, 1])
        cid = r1.selectbox("Comment", list(texts), key="rv_cid", format_func=lambda i: f"#{i}: {texts[i][:40]}")
        res_note = r2.text_input("Resolution", value=f"resolved in v{s.latest_version}", key="rv_res_note")
        if r3.button("Resolve", key="rv_resolve"):
            review_panel.act(lambda: review.resolve(store, user, name, int(cid), res_note), f"Comment #{cid} resolved.")


@st.fragment(key=LOG)
def log_part(name: str) -> None:
    log = review_tables.log_table(review.history(store, name))
    if len(log):
        show_table(log, key="rv_log")
    else:
        st.caption("Nothing recorded yet.")


t_mgr, t_dec, t_com, t_log = st.tabs(["Managers", "Decisions", "Comments", "Audit log"])
with t_mgr:
    st.caption("Each manager whose team holds accounts today or in this version: their decision on it (stale: "
               "made on an older version) and the open comments on their team.")
    managers_part(name, version, managers)
with t_dec:
    dec = review_tables.decisions_table(s)
    if len(dec):
        show_table(dec, key="rv_decisions")
    else:
        st.caption("No decisions yet.")
    st.markdown("**Decide or comment on the whole version**")
    refresh = [STATUS, MANAGERS, COMMENTS, LOG] + ([INBOX] if user.can(Permission.REVIEW_SUBMIT) else [])
    review_panel.review_box(view, name, version, plans=plans, managers=managers, key="rv_box", refresh=refresh)
    st.caption("To comment on one account or rep, open the Disruption page with this version as plan B.")
with t_com:
    comments_part(name, version)
with t_log:
    log_part(name)
