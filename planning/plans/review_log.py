"""The review audit log's table and its low-level reads and appends (planning.plans.review acts on it,
planning.plans.review_view reads it as one user may see it).

Every act appends rows to ``store_review_events`` (who, role, when, note) and nothing is updated or deleted.
Rows carry a per-version sequence number, unique with (item, version): two concurrent acts on the same version
collide on it, the loser re-reads the state, re-checks its transition and appends after the winner, so
concurrent approvals are all recorded and an invalid transition is never written.  Events are keyed by the
plan's store item id, so a rename keeps its history.

``scope`` says for whom an act was done: a decision's ``team:<manager id>`` / ``finance`` / ``leadership`` (and
the state change a decision causes carries its decision's scope), and a comment's teams (``team:M-01 team:M-03``:
the managers whose team holds its account or rep, or the commenting manager's team for a plan comment).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from planning.access.users import User

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
    sa.Column("scope", sa.String(96), nullable=True),  # for whom: see the module doc
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
