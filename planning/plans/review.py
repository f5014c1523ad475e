"""Review and approval of a saved plan version, kept as an append-only audit log in the plan store.

States of a version (no event yet: ``draft``)::

    draft ──submit──▶ in_review ──approve (leadership, after finance sign-off)──▶ approved ──publish──▶ published
      ▲                 │  ▲
      │   request changes│  │submit again
      │                 ▼  │
      └────withdraw── changes_requested

* ``submit`` / ``withdraw`` / ``resolve`` a comment: sales ops (and admin).
* A manager approves or requests changes *for their team*; finance signs off (or rejects) the quotas;
  leadership gives the final approval, which needs finance's sign-off on the same version.  Any request for
  changes sends the version to ``changes_requested``.
* ``record_publication`` (the CRM export, see planning.plans.publish) only from ``approved`` (or again from ``published``); it returns the manifest
  that goes into the export, naming the approver.
* Ops resolve comments by saving a new version.  Decisions are per version: a decision on an older version than
  the plan's latest is *stale* and shown so; a new version starts again as ``draft``.

Every act appends one row to ``store_review_events`` (who, role, when, note) and nothing is updated or deleted.
Rows carry a per-version sequence number, unique with (item, version): two concurrent acts on the same version
collide on it, the loser re-reads the state, re-checks its transition and appends after the winner, so
concurrent approvals are all recorded and an invalid transition is never written.
Events are keyed by the plan's store item id, so a rename keeps its history.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from planning.access.roles import Permission, Role
from planning.access.users import AccessDenied, User, require

STATES = ("draft", "in_review", "changes_requested", "approved", "published")
DECISIONS = ("approve", "request_changes")
RETRIES = 30

_metadata = sa.MetaData()
events = sa.Table(
    "store_review_events", _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.Integer, nullable=False),  # store_items.id of the plan
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("actor_name", sa.String(255), nullable=False, default=""),
    sa.Column("actor_role", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # state | decision | comment | resolve
    sa.Column("state", sa.String(32), nullable=True),  # kind=state: the new state
    sa.Column("decision", sa.String(32), nullable=True),  # kind=decision: approve | request_changes
    sa.Column("scope", sa.String(96), nullable=True),  # decision: team:<manager_id> | finance | leadership
    sa.Column("target_type", sa.String(16), nullable=True),  # comment: plan | account | rep
    sa.Column("target_id", sa.String(128), nullable=True),
    sa.Column("ref_id", sa.Integer, nullable=True),  # resolve: the comment's event id
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.UniqueConstraint("item_id", "version", "seq", name="uq_review_events_seq"),
)
sa.Index("ix_review_events_item", events.c.item_id, events.c.version)
# the store's own tables, referenced by name only so this module does not import the store
_items = sa.table("store_items", sa.column("id"), sa.column("kind"), sa.column("name"), sa.column("deleted_at"))
_versions = sa.table("store_versions", sa.column("item_id"), sa.column("version"), sa.column("author"),
                     sa.column("created_at"))
EVENT_COLUMNS = ["id", "version", "seq", "at", "actor", "actor_name", "actor_role", "kind", "state", "decision",
                 "scope", "target_type", "target_id", "ref_id", "note"]


class ReviewError(ValueError):
    """A review act that is not allowed in the version's state (the message says the state and what to do)."""


def create_tables(conn: Connection) -> None:
    """Store migration: the review audit log."""
    events.create(conn, checkfirst=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _item(conn: Connection, name: str) -> int:
    row = conn.execute(sa.select(_items.c.id).where(_items.c.kind == "plan", _items.c.name == name,
                                                    _items.c.deleted_at.is_(None))).first()
    if row is None:
        raise ReviewError(f"no saved plan named {name!r}")
    return int(row[0])


def _latest_version(conn: Connection, item_id: int) -> int:
    return int(conn.execute(sa.select(sa.func.max(_versions.c.version)).where(_versions.c.item_id == item_id))
               .scalar() or 0)


def _version(conn: Connection, item_id: int, name: str, version: int | None) -> int:
    latest = _latest_version(conn, item_id)
    if version is None:
        return latest
    ok = conn.execute(sa.select(sa.func.count()).select_from(_versions).where(
        _versions.c.item_id == item_id, _versions.c.version == int(version))).scalar_one()
    if not ok:
        raise ReviewError(f"{name!r} has no version {version} (latest is {latest})")
    return int(version)


def _events(conn: Connection, item_id: int, version: int | None = None) -> pd.DataFrame:
    q = sa.select(*[events.c[c] for c in EVENT_COLUMNS]).where(events.c.item_id == item_id)
    if version is not None:
        q = q.where(events.c.version == version)
    rows = conn.execute(q.order_by(events.c.version, events.c.seq)).mappings().all()
    df = pd.DataFrame([dict(r) for r in rows], columns=EVENT_COLUMNS)
    if len(df):
        t = pd.to_datetime(df["at"])
        df["at"] = t.dt.tz_localize("UTC") if t.dt.tz is None else t.dt.tz_convert("UTC")
    return df


def _state_of(ev: pd.DataFrame) -> str:
    st = ev.loc[ev["kind"] == "state", "state"]
    return str(st.iloc[-1]) if len(st) else "draft"


def _append(store, user: User, name: str, version: int | None,
            plan: Callable[[pd.DataFrame, int, int], list[dict]]) -> tuple[int, list[int]]:
    """Append the rows ``plan(events_of_version, version, latest)`` returns, atomically; retry on a collision."""
    last: Exception | None = None
    for attempt in range(RETRIES):
        try:
            with store.engine.begin() as conn:
                item_id = _item(conn, name)
                v = _version(conn, item_id, name, version)
                latest = _latest_version(conn, item_id)
                ev = _events(conn, item_id, v)
                rows = plan(ev, v, latest)
                seq = int(ev["seq"].max()) + 1 if len(ev) else 1
                ids = []
                for i, r in enumerate(rows):
                    ids.append(conn.execute(events.insert().values(
                        item_id=item_id, version=v, seq=seq + i, at=_now(), actor=user.email,
                        actor_name=user.name or "", actor_role=user.role.value, note=r.pop("note", "") or "", **r,
                    )).inserted_primary_key[0])
            return v, [int(i) for i in ids]
        except (IntegrityError, OperationalError) as exc:
            last = exc  # someone else appended to this version first: re-read its state and re-check
            time.sleep(0.005 * (attempt + 1))
    raise ReviewError(f"could not record the review of {name!r}: the store stayed busy ({last})") from last


def _need(state: str, allowed: tuple[str, ...], act: str, name: str, v: int) -> None:
    if state not in allowed:
        raise ReviewError(f"cannot {act} {name} v{v}: it is {state.replace('_', ' ')} (needs "
                          f"{' or '.join(s.replace('_', ' ') for s in allowed)})")


# ---------------------------------------------------------------------------------------------------- acts
def submit(store, user: User, name: str, version: int | None = None, note: str = "") -> int:
    """Sales ops put a version up for review (from draft, or again after changes were requested)."""
    require(user, Permission.REVIEW_SUBMIT)

    def plan(ev, v, latest):
        _need(_state_of(ev), ("draft", "changes_requested"), "submit", name, v)
        if v < latest:
            raise ReviewError(f"cannot submit {name} v{v}: v{latest} supersedes it; submit the latest version")
        return [{"kind": "state", "state": "in_review", "note": note}]
    return _append(store, user, name, version, plan)[0]


def withdraw(store, user: User, name: str, version: int | None = None, note: str = "") -> int:
    """Sales ops take a version back to draft (from in review, changes requested or approved)."""
    require(user, Permission.REVIEW_SUBMIT)

    def plan(ev, v, latest):
        _need(_state_of(ev), ("in_review", "changes_requested", "approved"), "withdraw", name, v)
        return [{"kind": "state", "state": "draft", "note": note}]
    return _append(store, user, name, version, plan)[0]


def reviewer_scope(user: User, as_: str | None = None) -> str:
    """Which decision a user makes: ``team:<manager id>`` (manager), ``finance`` or ``leadership``."""
    as_ = (as_ or "").strip().lower() or {Role.MANAGER: "team", Role.FINANCE: "finance"}.get(user.role, "leadership")
    if as_ == "team":
        require(user, Permission.REVIEW_TEAM)
        if not user.manager_id:
            raise AccessDenied(f"{user.display} has no team to review: an admin must map them to a manager rep id")
        return f"team:{user.manager_id}"
    if as_ == "finance":
        require(user, Permission.SIGN_OFF_QUOTA)
        return "finance"
    if as_ in ("leadership", "final"):
        require(user, Permission.APPROVE)
        return "leadership"
    raise ReviewError(f"unknown reviewer {as_!r}: use team, finance or leadership")


def decide(store, user: User, name: str, version: int | None, decision: str, note: str = "",
           as_: str | None = None) -> int:
    """Approve or request changes on a version in review, as a team's manager, as finance or as leadership.

    Leadership's approval moves the version to ``approved`` and needs finance's sign-off on that version first;
    any request for changes moves it to ``changes_requested`` (a note saying what to change is required).
    """
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}")
    scope = reviewer_scope(user, as_)
    if decision == "request_changes" and not note.strip():
        raise ReviewError("say what should change (a note is required when requesting changes)")

    def plan(ev, v, latest):
        _need(_state_of(ev), ("in_review",), "approve or request changes on" if decision == "approve" else
              "request changes on", name, v)
        rows = [{"kind": "decision", "decision": decision, "scope": scope, "note": note}]
        if decision == "request_changes":
            rows.append({"kind": "state", "state": "changes_requested", "note": f"{scope}: {note}"})
        elif scope == "leadership":
            fin = ev.loc[(ev["kind"] == "decision") & (ev["scope"] == "finance")]
            if fin.empty or fin.iloc[-1]["decision"] != "approve":
                raise ReviewError(f"cannot approve {name} v{v} yet: finance has not signed off its quotas")
            rows.append({"kind": "state", "state": "approved", "note": note})
        return rows
    return _append(store, user, name, version, plan)[0]


def comment(store, user: User, name: str, version: int | None, text: str, target_type: str = "plan",
            target_id: str | None = None, check: Callable[[str, str | None], None] | None = None) -> int:
    """A comment on a version, or on one account or rep in it ("keep Acme with Dana"); returns its id.

    ``check(target_type, target_id)`` raises :class:`AccessDenied` when the target is outside the user's scope
    (shells pass :func:`planning.access.require_account` / ``require_rep`` bound to the data in use).
    """
    require(user, Permission.REVIEW_COMMENT)
    if target_type not in ("plan", "account", "rep"):
        raise ReviewError("a comment is on the plan, an account or a rep")
    if not str(text or "").strip():
        raise ReviewError("the comment is empty")
    if target_type != "plan" and not target_id:
        raise ReviewError(f"which {target_type}? give its id")
    if check is not None:
        check(target_type, target_id)
    _, ids = _append(store, user, name, version, lambda ev, v, latest: [
        {"kind": "comment", "target_type": target_type, "target_id": None if target_type == "plan" else str(target_id),
         "note": str(text).strip()}])
    return ids[0]


def resolve(store, user: User, name: str, comment_id: int, note: str = "", version: int | None = None) -> int:
    """Sales ops mark a comment resolved, normally naming the version that resolves it (default: the latest)."""
    require(user, Permission.REVIEW_SUBMIT)
    with store.engine.connect() as conn:
        item_id = _item(conn, name)
        allev = _events(conn, item_id)
    c = allev.loc[(allev["id"] == int(comment_id)) & (allev["kind"] == "comment")]
    if c.empty:
        raise ReviewError(f"{name!r} has no comment #{comment_id}")
    if ((allev["kind"] == "resolve") & (allev["ref_id"] == int(comment_id))).any():
        raise ReviewError(f"comment #{comment_id} is already resolved")

    def plan(ev, v, latest):
        return [{"kind": "resolve", "ref_id": int(comment_id), "note": note or f"resolved in v{v}"}]
    return _append(store, user, name, version, plan)[0]


def record_publication(store, user: User, name: str, version: int | None = None, note: str = "") -> dict:
    """Record the CRM export of an approved version and return the manifest that goes into the export."""
    require(user, Permission.PUBLISH)
    out: dict = {}

    def plan(ev, v, latest):
        state = _state_of(ev)
        _need(state, ("approved", "published"), "publish", name, v)
        appr = ev.loc[(ev["kind"] == "state") & (ev["state"] == "approved")].iloc[-1]
        fin = ev.loc[(ev["kind"] == "decision") & (ev["scope"] == "finance") & (ev["decision"] == "approve")]
        out.update({"plan": name, "version": v, "latest_version": latest, "state_before": state,
                    "approved_by": appr["actor"], "approved_by_name": appr["actor_name"],
                    "approved_at": appr["at"].isoformat(), "approval_note": appr["note"],
                    "quotas_signed_off_by": fin.iloc[-1]["actor"] if len(fin) else None,
                    "published_by": user.email, "published_by_name": user.name,
                    "published_at": _now().isoformat(), "note": note})
        return [{"kind": "state", "state": "published", "note": note or "exported to the CRM"}]
    _append(store, user, name, version, plan)
    return out


# ---------------------------------------------------------------------------------------------------- reading
@dataclass
class ReviewStatus:
    """Where one version stands: state, who decided what (stale when made on an older version), open comments."""

    name: str
    version: int
    latest_version: int
    state: str
    state_by: str = ""
    state_at: pd.Timestamp | None = None
    state_note: str = ""
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)  # latest per scope: scope, decision, by, at, version, stale
    comments: pd.DataFrame = field(default_factory=pd.DataFrame)  # every comment on the plan, with resolution
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # this version's events, oldest first

    @property
    def superseded(self) -> bool:
        return self.version < self.latest_version

    @property
    def open_comments(self) -> pd.DataFrame:
        return self.comments.loc[~self.comments["resolved"]] if len(self.comments) else self.comments

    def decision(self, scope: str) -> pd.Series | None:
        d = self.decisions.loc[self.decisions["scope"] == scope] if len(self.decisions) else self.decisions
        return d.iloc[0] if len(d) else None

    def label(self) -> str:
        s = f"{self.state.replace('_', ' ')}"
        return s + (f" (superseded by v{self.latest_version})" if self.superseded else "")


def status(store, name: str, version: int | None = None) -> ReviewStatus:
    """The review status of ``name`` v``version`` (latest by default)."""
    with store.engine.connect() as conn:
        item_id = _item(conn, name)
        v = _version(conn, item_id, name, version)
        latest = _latest_version(conn, item_id)
        allev = _events(conn, item_id)
    return _status(name, v, latest, allev)


def _status(name: str, v: int, latest: int, allev: pd.DataFrame) -> ReviewStatus:
    ev = allev.loc[allev["version"] == v]
    st = ev.loc[ev["kind"] == "state"]
    last = st.iloc[-1] if len(st) else None
    dec = allev.loc[(allev["kind"] == "decision") & (allev["version"] <= v)]
    dec = dec.groupby("scope", sort=True).tail(1)
    decisions = pd.DataFrame({"scope": dec["scope"], "decision": dec["decision"], "by": dec["actor"],
                              "by_name": dec["actor_name"], "at": dec["at"], "version": dec["version"],
                              "stale": dec["version"] < latest, "note": dec["note"]}).reset_index(drop=True)
    com = allev.loc[allev["kind"] == "comment"]
    res = allev.loc[allev["kind"] == "resolve"].drop_duplicates("ref_id").set_index("ref_id")
    comments = pd.DataFrame({
        "id": com["id"], "version": com["version"], "target_type": com["target_type"], "target_id": com["target_id"],
        "text": com["note"], "by": com["actor"], "by_name": com["actor_name"], "by_role": com["actor_role"],
        "at": com["at"], "resolved": com["id"].isin(res.index),
        "resolved_by": com["id"].map(res["actor"]) if len(res) else None,
        "resolution": com["id"].map(res["note"]) if len(res) else None,
        "resolved_in": com["id"].map(res["version"]) if len(res) else None,
    }).reset_index(drop=True)
    return ReviewStatus(name, v, latest, _state_of(ev), last["actor"] if last is not None else "",
                        last["at"] if last is not None else None, last["note"] if last is not None else "",
                        decisions, comments, ev.reset_index(drop=True))


def history(store, name: str) -> pd.DataFrame:
    """Every review event of a plan (all versions), oldest first: the audit log."""
    with store.engine.connect() as conn:
        return _events(conn, _item(conn, name)).drop(columns="seq")


def manager_statuses(st: ReviewStatus, managers: pd.DataFrame) -> pd.DataFrame:
    """One row per manager (``managers``: manager_id, name): their decision on this version, stale or pending."""
    rows = []
    for _, m in managers.iterrows():
        d = st.decision(f"team:{m['manager_id']}")
        if d is None:
            label, by, at, ver = "pending", "", None, None
        else:
            label = ("approved" if d["decision"] == "approve" else "changes requested") + \
                    (f" (stale: on v{int(d['version'])})" if d["stale"] else "")
            by, at, ver = d["by"], d["at"], int(d["version"])
        open_c = st.open_comments
        n_open = int((open_c["by"] == by).sum()) if by and len(open_c) else 0
        rows.append({"manager_id": m["manager_id"], "manager_name": m.get("name", ""), "status": label, "by": by,
                     "at": at, "on_version": ver, "open_comments": n_open})
    return pd.DataFrame(rows, columns=["manager_id", "manager_name", "status", "by", "at", "on_version",
                                       "open_comments"])


def managers_of(reps: pd.DataFrame) -> pd.DataFrame:
    """The managers in a reps table (every rep someone reports to): manager_id, name."""
    ids = reps["manager_id"].dropna().astype(str).unique() if "manager_id" in reps else []
    names = reps.set_index(reps["rep_id"].astype(str))["name"]
    return pd.DataFrame({"manager_id": sorted(ids), "name": [names.get(i, i) for i in sorted(ids)]})


def statuses(store, names: list[str]) -> dict[str, ReviewStatus]:
    """The status of the latest version of each plan (one query per plan; the library is small)."""
    out = {}
    for n in names:
        try:
            out[n] = status(store, n)
        except ReviewError:
            continue  # deleted meanwhile
    return out


def inbox(store, user: User, names: list[str]) -> pd.DataFrame:
    """What waits for ``user`` across the latest versions of ``names``: plan, version, state, action."""
    rows = []
    for n, st in statuses(store, names).items():
        acts = []
        if st.state == "in_review":
            if user.can(Permission.REVIEW_TEAM) and user.manager_id:
                d = st.decision(f"team:{user.manager_id}")
                if d is None or d["stale"]:
                    acts.append("review your team's changes")
            if user.can(Permission.SIGN_OFF_QUOTA):
                d = st.decision("finance")
                if d is None or d["stale"]:
                    acts.append("sign off quotas")
            if user.can(Permission.APPROVE):
                fin = st.decision("finance")
                if fin is not None and not fin["stale"] and fin["decision"] == "approve":
                    acts.append("final approval")
        if user.can(Permission.REVIEW_SUBMIT):
            if st.state == "draft":
                acts.append("submit for review")
            if st.state == "changes_requested":
                acts.append("address requested changes")
            if len(st.open_comments):
                acts.append(f"{len(st.open_comments)} open comment(s)")
        if user.can(Permission.PUBLISH) and st.state == "approved":
            acts.append("publish to the CRM")
        if acts:
            rows.append({"plan": n, "version": st.version, "state": st.state, "since": st.state_at,
                         "action": "; ".join(acts)})
    return pd.DataFrame(rows, columns=["plan", "version", "state", "since", "action"])
