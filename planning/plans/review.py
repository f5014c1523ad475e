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

* An admin may act for any role: decide for a named team (``as_="team:M-03"``), sign off as finance, approve as
  leadership; the log keeps their own role and the scope they acted for ("Boss (admin) for manager M-03").

Every act appends rows to the audit log (planning.plans.review_log); nothing is updated or deleted.  Reading it
(status, history, inbox: planning.plans.review_view, re-exported here) shows each user what they may see.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from planning.access.roles import Permission, Role
from planning.access.users import AccessDenied, User, require
from planning.plans.review_log import (DECISIONS, EVENT_COLUMNS, RETRIES, STATES, ReviewError,  # noqa: F401
                                       _append, _events, _item, _need, _now, _state_of, create_tables, events)
from planning.plans.review_view import (ReviewStatus, Viewer, history, inbox, manager_statuses,  # noqa: F401
                                        opening_plan, status, statuses, viewer_of, visible_events)


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
    """Which decision a user makes: ``team:<manager id>`` (manager), ``finance`` or ``leadership``.

    ``as_`` is ``team`` (a manager's own team), ``team:<manager id>`` (a named team: the admin, or a manager
    naming their own), ``finance`` or ``leadership``; by default the user's role decides."""
    as_ = (as_ or "").strip() or {Role.MANAGER: "team", Role.FINANCE: "finance"}.get(user.role, "leadership")
    kind, _, team = as_.partition(":")
    kind, team = kind.strip().lower(), team.strip()
    if kind in ("team", "manager"):
        require(user, Permission.REVIEW_TEAM)
        if team and team != user.manager_id:
            if user.role != Role.ADMIN:
                raise AccessDenied(f"{user.display} may decide only for their own team"
                                   f"{f' ({user.manager_id})' if user.manager_id else ''}, not {team}'s; "
                                   "an admin may act for any team.")
            return f"team:{team}"
        if not user.manager_id:
            raise AccessDenied(f"{user.display} has no team to review: " + (
                "name the team to decide for (team:M-03)" if user.role == Role.ADMIN else
                "an admin must map them to a manager rep id"))
        return f"team:{user.manager_id}"
    if kind == "finance":
        require(user, Permission.SIGN_OFF_QUOTA)
        return "finance"
    if kind in ("leadership", "final"):
        require(user, Permission.APPROVE)
        return "leadership"
    raise ReviewError(f"unknown reviewer {as_!r}: use team, team:<manager id>, finance or leadership")


def decide(store, user: User, name: str, version: int | None, decision: str, note: str = "",
           as_: str | None = None, teams: Iterable[str] | None = None) -> int:
    """Approve or request changes on a version in review, as a team's manager, as finance or as leadership.

    Leadership's approval moves the version to ``approved`` and needs finance's sign-off on that version first;
    any request for changes moves it to ``changes_requested`` (a note saying what to change is required).
    ``teams`` (the plan's managers, :func:`planning.plans.teams.plan_managers`) refuses a decision for a team
    the plan does not have, e.g. an admin's typo.
    """
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}")
    scope = reviewer_scope(user, as_)
    if teams is not None and scope.startswith("team:") and scope[5:] != user.manager_id and \
            scope[5:] not in set(map(str, teams)):
        raise ReviewError(f"{name} has no team {scope[5:]!r} to decide for: use one of "
                          f"{', '.join(sorted(map(str, teams))) or '(none)'}")
    if decision == "request_changes" and not note.strip():
        raise ReviewError("say what should change (a note is required when requesting changes)")

    def plan(ev, v, latest):
        _need(_state_of(ev), ("in_review",), "approve or request changes on" if decision == "approve" else
              "request changes on", name, v)
        rows = [{"kind": "decision", "decision": decision, "scope": scope, "note": note}]
        if decision == "request_changes":
            rows.append({"kind": "state", "state": "changes_requested", "scope": scope, "note": note})
        elif scope == "leadership":
            fin = ev.loc[(ev["kind"] == "decision") & (ev["scope"] == "finance")]
            if fin.empty or fin.iloc[-1]["decision"] != "approve":
                raise ReviewError(f"cannot approve {name} v{v} yet: finance has not signed off its quotas")
            rows.append({"kind": "state", "state": "approved", "scope": scope, "note": note})
        return rows
    return _append(store, user, name, version, plan)[0]


def comment(store, user: User, name: str, version: int | None, text: str, target_type: str = "plan",
            target_id: str | None = None, check: Callable[[str, str | None], None] | None = None,
            teams: Iterable[str] | None = None) -> int:
    """A comment on a version, or on one account or rep in it ("keep Acme with Dana"); returns its id.

    ``check(target_type, target_id)`` raises :class:`AccessDenied` when the target is outside the user's scope
    (shells pass :func:`planning.access.require_account` / ``require_rep`` bound to the data in use).
    ``teams``: the managers whose team the target belongs to (:func:`planning.plans.teams.target_teams`); they,
    and the commenting manager's own team, are kept with the comment, so each manager sees (and counts) the
    comments on their team and no other team's.
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
    scope = _teams_scope(list(teams or ()) + ([user.manager_id] if user.role == Role.MANAGER and user.manager_id
                                               else []))
    _, ids = _append(store, user, name, version, lambda ev, v, latest: [
        {"kind": "comment", "target_type": target_type, "target_id": None if target_type == "plan" else str(target_id),
         "scope": scope, "note": str(text).strip()}])
    return ids[0]


def _teams_scope(teams: list[str]) -> str | None:
    """``team:M-01 team:M-03`` (the column holds 96 characters: an account has a team or two)."""
    out = ""
    for t in sorted({str(t) for t in teams if t}):
        item = f"team:{t}"
        if len(out) + len(item) + 1 > 96:
            break
        out = f"{out} {item}".strip()
    return out or None


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
