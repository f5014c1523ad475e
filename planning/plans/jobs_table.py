"""The jobs table of the plan store: who started which long solve, with what settings, and how it went.

One row per job (a carve, a scenario sweep, a comp simulation): kind, title, user, settings (JSON), status,
parts done of total with per-part timings (JSON), the engine it ran on, created / started / finished times
(UTC), the result reference (JSON: the saved plan(s) and headline figures), the error, and the process that
drives it (host and pid), so a job whose process died is shown as *interrupted* instead of running forever.

Statuses: queued → running → succeeded | failed | cancelled | interrupted.  ``cancel_requested`` lets any
process (another browser session, the CLI) ask the driving process to stop a job.
"""
from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from planning.plans.serialize import jsonable, utc_timestamp

JOB_ACTIVE = ("queued", "running")
JOB_FINISHED = ("succeeded", "failed", "cancelled", "interrupted")
JOB_STATUSES = JOB_ACTIVE + JOB_FINISHED

jobs_metadata = sa.MetaData()
store_jobs = sa.Table(
    "store_jobs", jobs_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),  # carve | sweep | comp-sim | frontier
    sa.Column("title", sa.String(255), nullable=False, default=""),
    sa.Column("user_name", sa.String(255), nullable=False, default=""),
    sa.Column("settings", sa.Text, nullable=False, default="{}"),  # JSON
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("engine", sa.String(255), nullable=False, default=""),
    sa.Column("parts_total", sa.Integer, nullable=False, default=0),
    sa.Column("parts_done", sa.Integer, nullable=False, default=0),
    sa.Column("parts", sa.Text, nullable=False, default="[]"),  # JSON list of {name, status, seconds}
    sa.Column("progress", sa.Float, nullable=False, default=0.0),  # fraction 0–1
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("result", sa.Text, nullable=False, default="{}"),  # JSON: saved plan name/version, headline figures
    sa.Column("error", sa.Text, nullable=False, default=""),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),  # a page showed its outcome (no second show)
    sa.Column("host", sa.String(255), nullable=False, default=""),
    sa.Column("pid", sa.Integer, nullable=True),
)
sa.Index("ix_store_jobs_user_status", store_jobs.c.user_name, store_jobs.c.status)


def migrate_jobs(conn: Connection) -> None:
    """Store migration: the jobs table."""
    store_jobs.create(conn, checkfirst=True)  # with its index


def _now() -> datetime:
    return datetime.now(UTC)


def _json(x: Any) -> str:
    return json.dumps(jsonable(x), allow_nan=False, separators=(",", ":"))


class JobRecords:
    """Reads and writes the jobs table through a store's SQLAlchemy engine (``JobRecords(store.engine)``)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def create(self, kind: str, title: str, user: str, settings: dict, parts_total: int = 0) -> int:
        with self.engine.begin() as conn:
            return int(conn.execute(store_jobs.insert().values(
                kind=kind, title=title, user_name=user or "", settings=_json(settings), status="queued", engine="",
                parts_total=parts_total, parts_done=0, parts="[]", progress=0.0, message="queued",
                created_at=_now(), result="{}", error="", cancel_requested=False, host=socket.gethostname(),
                pid=os.getpid())).inserted_primary_key[0])

    def update(self, job_id: int, **values) -> None:
        """Set columns; ``parts`` and ``result`` may be given as Python objects, ``progress`` is clipped to 0–1."""
        for k in ("parts", "result"):
            if k in values and not isinstance(values[k], str):
                values[k] = _json(values[k])
        if "progress" in values:
            values["progress"] = float(min(max(values["progress"], 0.0), 1.0))
        if values.get("status") == "running" and "started_at" not in values:
            values["started_at"] = _now()
        if values.get("status") in JOB_FINISHED and "finished_at" not in values:
            values["finished_at"] = _now()
        with self.engine.begin() as conn:
            conn.execute(store_jobs.update().where(store_jobs.c.id == job_id).values(**values))

    def request_cancel(self, job_id: int) -> bool:
        """Ask the driving process to stop the job; False when it has already finished."""
        with self.engine.begin() as conn:
            n = conn.execute(store_jobs.update()
                             .where(store_jobs.c.id == job_id, store_jobs.c.status.in_(JOB_ACTIVE))
                             .values(cancel_requested=True)).rowcount
        return bool(n)

    def mark_seen(self, job_id: int) -> None:
        """A page has shown this finished job's outcome, so a later visit does not show it again by itself."""
        with self.engine.begin() as conn:
            conn.execute(store_jobs.update().where(store_jobs.c.id == job_id, store_jobs.c.seen_at.is_(None))
                         .values(seen_at=_now()))

    def cancel_requested(self, job_id: int) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(sa.select(store_jobs.c.cancel_requested)
                                     .where(store_jobs.c.id == job_id)).scalar())

    def get(self, job_id: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(store_jobs).where(store_jobs.c.id == job_id)).mappings().first()
        return _row(row) if row is not None else None

    def list(self, user: str | None = None, status: tuple[str, ...] | None = None, kind: str | None = None,
             limit: int = 50, unseen: bool = False) -> pd.DataFrame:
        """Newest first (``unseen``: only jobs whose outcome no page has shown yet)."""
        q = sa.select(store_jobs).order_by(store_jobs.c.id.desc()).limit(limit)
        if unseen:
            q = q.where(store_jobs.c.seen_at.is_(None))
        if user is not None:
            q = q.where(store_jobs.c.user_name == user)
        if status:
            q = q.where(store_jobs.c.status.in_(status))
        if kind:
            q = q.where(store_jobs.c.kind == kind)
        with self.engine.connect() as conn:
            rows = [_row(r) for r in conn.execute(q).mappings()]
        cols = [c.name for c in store_jobs.columns] + ["seconds"]
        return pd.DataFrame(rows, columns=cols)

    def mark_orphans(self) -> int:
        """Active jobs of this host whose driving process is gone (a server restart) → interrupted.

        Jobs of this very process are left alone: their thread always writes the final status itself."""
        host, n = socket.gethostname(), 0
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(store_jobs.c.id, store_jobs.c.pid).where(store_jobs.c.status.in_(JOB_ACTIVE),
                                                                       store_jobs.c.host == host)).all()
            for job_id, pid in rows:
                if pid != os.getpid() and not _pid_alive(pid):
                    n += conn.execute(store_jobs.update().where(store_jobs.c.id == job_id).values(
                        status="interrupted", finished_at=_now(),
                        error="the process running this job stopped before it finished (server restart?)")).rowcount
        return n


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _row(r) -> dict:
    d = dict(r)
    for k in ("settings", "parts", "result"):
        try:
            d[k] = json.loads(d[k] or ("[]" if k == "parts" else "{}"))
        except (TypeError, ValueError):
            d[k] = {} if k != "parts" else []
    for k in ("created_at", "started_at", "finished_at", "seen_at"):
        d[k] = utc_timestamp(d[k])
    end = d["finished_at"] if not pd.isna(d["finished_at"]) else pd.Timestamp.now(tz="UTC")
    d["seconds"] = (end - d["started_at"]).total_seconds() if not pd.isna(d["started_at"]) else 0.0
    d["cancel_requested"] = bool(d["cancel_requested"])
    return d
