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

_MEMO = "_review_run_memo"
# Streamlit's own icon font (Material Symbols, served with the app): an emoji needs a colour-emoji font that many
# machines lack (this Chromium drew "▯ FY27 draft").  The state itself is in words right after the icon.
STATE_ICONS = {"draft": ":material/edit_note:", "in_review": ":material/rate_review:",
               "changes_requested": ":material/undo:", "approved": ":material/check_circle:",
               "published": ":material/publish:"}


def _run_memo() -> dict:
    """Review reads kept from one whole-page run through the fragment reruns that follow it: a manager switch or a
    comment being typed reads the log no more, and what a fragment shows agrees with the status line drawn by the
    whole run.  A whole run starts afresh, and a write clears it (:func:`_forget`), so after a comment the
    fragments rerun together read the log once and agree.  Outside a Streamlit run nothing is kept."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    run = getattr(ctx, "parallel_coordinator", None)  # one object per run (ScriptRunContext.reset makes it)
    if run is None:
        return {}
    kept = st.session_state.get(_MEMO)
    if kept is not None and (kept[0] is run or ctx.fragment_ids_this_run):
        return kept[1]
    kept = (run, {})
    st.session_state[_MEMO] = kept
    return kept[1]


def _forget() -> None:
    kept = st.session_state.get(_MEMO)
    if kept is not None:
        kept[1].clear()


def _memo(key: tuple, read):
    memo = _run_memo()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def _who(store) -> tuple:
    """The store and the user it reads as (a review read is the user's view of the log)."""
    return getattr(store, "url", None) or id(store), getattr(store, "user", None)


def status_of(store, name: str, version: int | None = None) -> review.ReviewStatus | None:
    """The user's view of a version's review (None when the plan is gone); read from the store once per run."""
    def read():
        try:
            return review.status(store, name, version)
        except ReviewError:
            return None
    return _memo(("status", *_who(store), name, version), read)


def statuses(store, names: list[str]) -> dict[str, review.ReviewStatus]:
    """The latest version's status of each plan (:func:`planning.plans.review.statuses`), read once per run."""
    return _memo(("statuses", *_who(store), tuple(names)), lambda: review.statuses(store, list(names)))


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
    show_table(review_tables.managers_table(s, managers), key=key)


def act(fn, ok: str) -> None:
    """Run a review act; on success flash ``ok`` and rerun, else show the refusal."""
    try:
        fn()
        _forget()
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


def _add_comment(view, name: str, version: int, plans: list, key: str, refresh: tuple[str, ...]) -> None:
    """The Add comment button's callback: write the comment, then rerun only the comment panel and the fragments
    ``refresh`` names (the counts that must agree with it: the status line, the managers' rows, the comments);
    on a refusal, say why in the panel and keep the text."""
    ss = st.session_state
    text, kind = str(ss.get(f"{key}_text") or ""), ss.get(f"{key}_kind") or "plan"
    target = ss.get(f"{key}_acc") if kind == "account" else ss.get(f"{key}_rep") if kind == "rep" else None
    try:
        review.comment(view.store, view.user, name, version, text, kind, target,
                       check=lambda t, i: view.check_target(t, i, plans),
                       teams=view.comment_teams(kind, target, plans))
    except (ReviewError, AccessDenied) as exc:
        ss[f"{key}_error"] = str(exc)
        return  # the panel reruns (its button's own rerun) and shows why
    _forget()
    ss[f"{key}_flash"] = f"Comment added to {name} v{version}."
    ss[f"{key}_text"] = ""
    st.rerun(scope=[key, *refresh])


COMMENT_ON = {"plan": "the whole plan", "account": "an account", "rep": "a rep"}


def _comment_form(view, name: str, version: int, accounts, reps, plans, key: str, refresh) -> None:
    c1, c2 = st.columns([1, 2])
    kinds = ["plan"] + (["account"] if accounts is not None and len(accounts) else []) + \
            (["rep"] if reps is not None and len(reps) else [])
    kind = c1.selectbox("Comment on", kinds, key=f"{key}_kind", format_func=COMMENT_ON.get)
    if kind == "account":
        opts = accounts.drop_duplicates("account_id")
        labels = dict(zip(opts["account_id"].astype(str), opts["name"].astype(str)))
        c2.selectbox("Account", list(labels), format_func=lambda a: f"{labels[a]} ({a})", key=f"{key}_acc")
    elif kind == "rep":
        opts = reps.dropna(subset=["rep_id"]).drop_duplicates("rep_id")
        labels = dict(zip(opts["rep_id"].astype(str), opts["name"].astype(str)))
        c2.selectbox("Rep", list(labels), format_func=lambda r: f"{labels[r]} ({r})", key=f"{key}_rep")
    text = st.text_input("Comment", key=f"{key}_text", placeholder="e.g. keep Acme with Dana")
    if err := st.session_state.pop(f"{key}_error", None):
        st.error(md_escape(err))
    st.button("Add comment", key=f"{key}_add", disabled=not str(text or "").strip(), on_click=_add_comment,
              args=(view, name, version, plans, key, tuple(refresh)))


def review_box(view, name: str, version: int, *, accounts: pd.DataFrame | None = None,
               reps: pd.DataFrame | None = None, plans=(), managers: pd.DataFrame | None = None, key: str = "rb",
               refresh=(), then=None) -> None:
    """Comment on the version (or an account or rep in it) and decide on it, as ``view``'s user may (``view``: the
    page's :class:`planning.access.ScopedView`, whose store carries the user).  ``plans``: the plans in view
    (today's and this version), which name the teams a comment's account belongs to and the teams an admin may
    decide for (:meth:`ScopedView.managers`; ``managers`` when the page has them already).

    The box is a fragment keyed ``key``: typing or picking in it reruns the box alone, and adding a comment
    reruns the box and the fragments keyed in ``refresh`` (the page's status line and counts), never the page's
    reports.  ``then(status)``: drawn at the end of the box on each of its runs (Disruption's comments table).
    A decision changes the version's state, so it reruns the whole page."""
    plans = list(plans)
    managers = view.managers(plans) if managers is None else managers
    st.fragment(_box, key=key)(view, name, version, accounts, reps, plans, managers, key, tuple(refresh), then)


def _box(view, name, version, accounts, reps, plans, managers, key, refresh, then) -> None:
    store, user = view.store, view.user
    if msg := st.session_state.pop("review_flash", None):
        st.success(md_escape(msg))
    if msg := st.session_state.pop(f"{key}_flash", None):
        st.success(md_escape(msg))
    s = status_of(store, name, version)
    if s is None:
        return
    if user.can(Permission.REVIEW_COMMENT):
        _comment_form(view, name, version, accounts, reps, plans, key, refresh)
    _decide(view, s, name, version, managers, key)
    if then is not None:
        then(s)


def _decide(view, s: review.ReviewStatus, name: str, version: int, managers: pd.DataFrame, key: str) -> None:
    store, user = view.store, view.user
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
