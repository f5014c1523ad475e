"""The review log as one user may see it: a version's status, the audit log, the inbox and the managers' table.

Every reading function takes the user (by default the store's: a :class:`planning.access.UserStore` carries it),
so the Review page, the panels other pages embed and the CLI all show the same thing.  What a manager sees:

* the plan-level state (draft, in review, changes requested, approved, published), who submitted, withdrew or
  published it and their notes, finance's and leadership's decisions and notes;
* their own team's decision and note; another team's decision is left out, and a state change another team's
  decision caused shows as "by a manager of another team", without its note;
* the comments they wrote, the comments on their team's accounts and reps (whoever wrote them), and comments on
  the whole plan from sales ops, finance, leadership or an admin; another team's comments are left out, and so
  are their resolutions.

Counts (open comments, stale decisions) are counted over what the user sees.  Every other role sees everything.
An act by someone for another role reads as such: "Boss (admin) for manager M-03", "Boss (admin) as finance".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from planning.access.roles import Permission, Role
from planning.access.users import User
from planning.plans.review_log import ReviewError, _events, _item, _latest_version, _state_of, _version

OTHER_TEAM = "a manager of another team"
_LEGACY_NOTE = re.compile(r"^(team:\S+?|finance|leadership): ")  # before scopes: the state note named its scope


@dataclass(frozen=True)
class Viewer:
    """Whose eyes read the log: ``teams`` the manager ids whose team's notes they see (None: every team)."""

    teams: frozenset[str] | None = None
    email: str = ""


def viewer_of(store=None, user: User | None = None) -> Viewer:
    """The viewer for ``user`` (default: the user a :class:`UserStore` carries; none: the trusted caller)."""
    user = user if user is not None else getattr(store, "user", None)
    if user is None or not user.scoped:
        return Viewer()
    return Viewer(frozenset({str(user.manager_id)}) if user.manager_id else frozenset(), user.email)


def _teams(scope) -> tuple[str, ...]:
    if scope is None or pd.isna(scope):
        return ()
    return tuple(p[5:] for p in str(scope).split() if p.startswith("team:"))


def _role_title(role: str) -> str:
    try:
        return Role(role).title
    except ValueError:
        return str(role)


def _acting(kind: str, role: str, scope) -> str:
    """For whom an act was done: "manager M-03", "finance", "leadership", "sales ops", or the actor's role."""
    s = "" if scope is None or pd.isna(scope) else str(scope)
    if kind in ("decision", "state") and s.startswith("team:"):
        return f"manager {s[5:]}"
    if kind in ("decision", "state") and s in ("finance", "leadership"):
        return s
    if kind in ("state", "resolve"):
        return "sales ops"
    return _role_title(role)


def actor_label(name: str, email: str, role: str, acting: str) -> str:
    """"Dana Manager (manager M-01)", "Finn Ance (finance)", "Boss (admin) for manager M-03"."""
    who = name or email
    title = _role_title(role)
    if acting.startswith("manager "):
        return f"{who} ({acting})" if role == Role.MANAGER else f"{who} ({title}) for {acting}"
    if acting == title:
        return f"{who} ({title})"
    return f"{who} ({title}) as {acting}"


def _normalise(allev: pd.DataFrame) -> pd.DataFrame:
    """Events with ``teams``, ``acting_as`` and ``by`` (the actor's label); an old state note's scope prefix split."""
    ev = allev.copy()
    legacy = (ev["kind"] == "state") & ev["scope"].isna() & ev["note"].astype(str).str.match(_LEGACY_NOTE)
    if legacy.any():
        parts = ev.loc[legacy, "note"].astype(str).str.extract(r"^(\S+?): (.*)$", expand=True)
        ev.loc[legacy, "scope"] = parts[0]
        ev.loc[legacy, "note"] = parts[1].fillna("")
    ev["teams"] = ev["scope"].map(_teams)
    ev["acting_as"] = [_acting(k, r, s) for k, r, s in zip(ev["kind"], ev["actor_role"], ev["scope"])]
    ev["by"] = [actor_label(n, e, r, a) for n, e, r, a in
                zip(ev["actor_name"], ev["actor"], ev["actor_role"], ev["acting_as"])]
    return ev


def visible_events(allev: pd.DataFrame, viewer: Viewer) -> pd.DataFrame:
    """The events ``viewer`` may see (see the module doc), oldest first, with teams, acting_as and by."""
    ev = _normalise(allev)
    if viewer.teams is None or ev.empty:
        return ev
    mine = viewer.teams
    team_ok = ev["teams"].map(lambda ts: bool(set(ts) & mine))
    no_team = ev["teams"].map(len) == 0
    decision_ok = (ev["kind"] == "decision") & (ev["scope"].isin(["finance", "leadership"]) | team_ok)
    comment_ok = (ev["kind"] == "comment") & (
        (ev["actor"] == viewer.email) | team_ok
        | ((ev["target_type"] == "plan") & no_team & (ev["actor_role"] != Role.MANAGER.value)))
    resolve_ok = (ev["kind"] == "resolve") & ev["ref_id"].isin(set(ev.loc[comment_ok, "id"]))
    state = ev["kind"] == "state"
    out = ev.loc[decision_ok | comment_ok | resolve_ok | state].copy()
    hide = (out["kind"] == "state") & ~no_team.loc[out.index] & ~team_ok.loc[out.index]
    if hide.any():
        out.loc[hide, ["actor", "actor_name", "note", "acting_as"]] = ["", "", "", "another team"]
        out.loc[hide, "by"] = OTHER_TEAM
        out.loc[hide, "scope"] = None
        out.loc[hide, "teams"] = pd.Series([()] * int(hide.sum()), index=out.index[hide], dtype=object)
    return out


# ---------------------------------------------------------------------------------------------------- status
@dataclass
class ReviewStatus:
    """Where one version stands, as one user sees it: state, who decided what (stale when made on an older
    version), the comments with their teams, and this version's events."""

    name: str
    version: int
    latest_version: int
    state: str
    state_by: str = ""
    state_at: pd.Timestamp | None = None
    state_note: str = ""
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)  # latest per scope: scope, decision, by, at, ...
    comments: pd.DataFrame = field(default_factory=pd.DataFrame)  # every visible comment on the plan, resolution
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # this version's visible events, oldest first
    state_by_label: str = ""  # "Olive Ops (sales ops)", "a manager of another team"

    @property
    def superseded(self) -> bool:
        return self.version < self.latest_version

    @property
    def open_comments(self) -> pd.DataFrame:
        return self.comments.loc[~self.comments["resolved"]] if len(self.comments) else self.comments

    @property
    def stale_decisions(self) -> pd.DataFrame:
        return self.decisions.loc[self.decisions["stale"]] if len(self.decisions) else self.decisions

    def open_comments_of(self, manager_id: str) -> int:
        """Open comments on ``manager_id``'s team (its accounts and reps, and its manager's plan comments)."""
        oc = self.open_comments
        return int(oc["teams"].map(lambda ts: str(manager_id) in ts).sum()) if len(oc) else 0

    def decision(self, scope: str) -> pd.Series | None:
        d = self.decisions.loc[self.decisions["scope"] == scope] if len(self.decisions) else self.decisions
        return d.iloc[0] if len(d) else None

    def label(self) -> str:
        s = f"{self.state.replace('_', ' ')}"
        return s + (f" (superseded by v{self.latest_version})" if self.superseded else "")


def status(store, name: str, version: int | None = None, user: User | None = None) -> ReviewStatus:
    """The review status of ``name`` v``version`` (latest by default) as ``user`` (default the store's) sees it."""
    with store.engine.connect() as conn:
        item_id = _item(conn, name)
        v = _version(conn, item_id, name, version)
        latest = _latest_version(conn, item_id)
        allev = _events(conn, item_id)
    return _status(name, v, latest, visible_events(allev, viewer_of(store, user)))


def _status(name: str, v: int, latest: int, allev: pd.DataFrame) -> ReviewStatus:
    ev = allev.loc[allev["version"] == v]
    st = ev.loc[ev["kind"] == "state"]
    last = st.iloc[-1] if len(st) else None
    dec = allev.loc[(allev["kind"] == "decision") & (allev["version"] <= v)]
    dec = dec.groupby("scope", sort=True).tail(1)
    decisions = pd.DataFrame({"scope": dec["scope"], "decision": dec["decision"], "by": dec["actor"],
                              "by_name": dec["actor_name"], "by_role": dec["actor_role"], "by_label": dec["by"],
                              "at": dec["at"],
                              "version": dec["version"], "stale": dec["version"] < latest,
                              "note": dec["note"]}).reset_index(drop=True)
    com = allev.loc[allev["kind"] == "comment"]
    res = allev.loc[allev["kind"] == "resolve"].drop_duplicates("ref_id").set_index("ref_id")
    comments = pd.DataFrame({
        "id": com["id"], "version": com["version"], "target_type": com["target_type"], "target_id": com["target_id"],
        "text": com["note"], "by": com["actor"], "by_name": com["actor_name"], "by_role": com["actor_role"],
        "by_label": com["by"], "at": com["at"], "resolved": com["id"].isin(res.index), "teams": com["teams"],
        "resolved_by": com["id"].map(res["actor"]) if len(res) else None,
        "resolution": com["id"].map(res["note"]) if len(res) else None,
        "resolved_in": com["id"].map(res["version"]) if len(res) else None,
    }).reset_index(drop=True)
    return ReviewStatus(name, v, latest, _state_of(ev), last["actor"] if last is not None else "",
                        last["at"] if last is not None else None, last["note"] if last is not None else "",
                        decisions, comments, ev.reset_index(drop=True),
                        last["by"] if last is not None else "")


def history(store, name: str, user: User | None = None) -> pd.DataFrame:
    """Every review event of a plan that ``user`` (default the store's) may see, all versions, oldest first."""
    with store.engine.connect() as conn:
        allev = _events(conn, _item(conn, name))
    return visible_events(allev, viewer_of(store, user)).drop(columns="seq").reset_index(drop=True)


def statuses(store, names: list[str], user: User | None = None) -> dict[str, ReviewStatus]:
    """The status of the latest version of each plan (one query per plan; the library is small)."""
    out = {}
    for n in names:
        try:
            out[n] = status(store, n, user=user)
        except ReviewError:
            continue  # deleted meanwhile
    return out


# ---------------------------------------------------------------------------------------------------- per manager
MANAGER_STATUS_COLUMNS = ["manager_id", "manager_name", "status", "by", "at", "on_version", "open_comments"]


def _decider(d, manager_id: str) -> str:
    """Who decided for a manager's team, in that team's row: "Fatima Green (M-03)" when the manager did, "Boss
    (admin)" when someone acted for them (the row already names the team, which the full label repeats)."""
    who = d["by_name"] or d["by"]
    if d.get("by_role") == Role.MANAGER.value:
        return f"{who} ({manager_id})"
    return f"{who} ({_role_title(d.get('by_role', ''))})"


def manager_statuses(st: ReviewStatus, managers: pd.DataFrame) -> pd.DataFrame:
    """One row per manager (``managers``: manager_id, name, from :func:`planning.plans.teams.plan_managers`):
    their team's decision on this version (stale or pending) and the open comments on their team, counted as
    :meth:`ReviewStatus.open_comments_of` counts them (so the rows and the status line agree)."""
    rows = []
    for _, m in managers.iterrows():
        d = st.decision(f"team:{m['manager_id']}")
        if d is None:
            label, by, at, ver = "pending", "", None, None
        else:
            label = ("approved" if d["decision"] == "approve" else "changes requested") + \
                    (f" (stale: on v{int(d['version'])})" if d["stale"] else "")
            by, at, ver = _decider(d, m["manager_id"]), d["at"], int(d["version"])
        rows.append({"manager_id": m["manager_id"], "manager_name": m.get("name", ""), "status": label, "by": by,
                     "at": at, "on_version": ver, "open_comments": st.open_comments_of(m["manager_id"])})
    return pd.DataFrame(rows, columns=MANAGER_STATUS_COLUMNS)


# ---------------------------------------------------------------------------------------------------- inbox
INBOX_COLUMNS = ["plan", "version", "state", "since", "action"]
_DECIDE = ("review your team's changes", "sign off quotas", "final approval")


def _actions(user: User, st: ReviewStatus) -> list[tuple[int, str]]:
    """(priority, action) pairs: 0 a decision the user owes, 1 changes to address, 2 publish, 3 comments, 4 submit."""
    acts = []
    if st.state == "in_review":
        if user.can(Permission.REVIEW_TEAM) and user.manager_id:
            d = st.decision(f"team:{user.manager_id}")
            if d is None or d["stale"]:
                acts.append((0, _DECIDE[0]))
        if user.can(Permission.SIGN_OFF_QUOTA):
            d = st.decision("finance")
            if d is None or d["stale"]:
                acts.append((0, _DECIDE[1]))
        if user.can(Permission.APPROVE):
            fin = st.decision("finance")
            if fin is not None and not fin["stale"] and fin["decision"] == "approve":
                acts.append((0, _DECIDE[2]))
    if user.can(Permission.REVIEW_SUBMIT):
        if st.state == "draft":
            acts.append((4, "submit for review"))
        if st.state == "changes_requested":
            acts.append((1, "address requested changes"))
        if len(st.open_comments):
            n = len(st.open_comments)
            acts.append((3, f"{n} open comment{'s' if n != 1 else ''}"))
    if user.can(Permission.PUBLISH) and st.state == "approved":
        acts.append((2, "publish to the CRM"))
    return acts


def inbox(store, user: User, names: list[str], sts: dict[str, ReviewStatus] | None = None) -> pd.DataFrame:
    """What waits for ``user`` across the latest versions of ``names``: plan, version, state, since, action.

    Most urgent first: a decision the user owes (a version in review), then requested changes to address, an
    approved version to publish, open comments, drafts to submit; newest first within each.  ``sts``: the
    statuses when the caller has them already (:func:`statuses` as this user)."""
    sts = statuses(store, names, user) if sts is None else sts
    rows = []
    for n, st in sts.items():
        acts = _actions(user, st)
        if acts:
            rows.append({"plan": n, "version": st.version, "state": st.state, "since": st.state_at,
                         "action": "; ".join(a for _, a in sorted(acts, key=lambda x: x[0])),
                         "_rank": min(p for p, _ in acts),
                         "_t": st.state_at.timestamp() if st.state_at is not None and not pd.isna(st.state_at) else 0.0})
    box = pd.DataFrame(rows, columns=INBOX_COLUMNS + ["_rank", "_t"])
    box = box.sort_values(["_rank", "_t"], ascending=[True, False], kind="stable")
    return box[INBOX_COLUMNS].reset_index(drop=True)


def opening_plan(box: pd.DataFrame, sts: dict[str, ReviewStatus], names: list[str]) -> tuple[str | None, int | None]:
    """(plan, version) the Review page opens on: the first thing waiting for the user; else a version under review
    (in review, then changes requested, then approved); else the first plan (None when there is none)."""
    if len(box):
        return str(box["plan"].iloc[0]), int(box["version"].iloc[0])
    for state in ("in_review", "changes_requested", "approved"):
        for n in names:
            s = sts.get(n)
            if s is not None and s.state == state:
                return n, s.version
    return (names[0], None) if names else (None, None)
