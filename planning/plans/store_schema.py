"""The plan store's tables and its migrations.

Schema migrations (a simple documented scheme, no Alembic)
    ``store_meta`` holds ``schema_version``.  :data:`MIGRATIONS` is an ordered list of
    ``(version, description, function(connection))``; on open, every migration above the stored
    version runs in one transaction (serialised by an advisory lock on PostgreSQL and the write
    lock on SQLite) and the version is bumped.  To change the schema, append a migration; never
    edit a released one.  A database newer than this code is refused with a clear error.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from planning.plans.store_errors import StoreError  # noqa: F401 - its home before store_errors

PLAN_KIND = "plan"
SCENARIO_KINDS = ("capacity", "quota", "comp")

metadata = sa.MetaData()
meta_table = sa.Table(
    "store_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
)
items = sa.Table(
    "store_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),  # "plan" or a scenario kind
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
)
# one live item per (kind, name); soft-deleted items may share a name with a live one
sa.Index("ux_store_items_live_name", items.c.kind, items.c.name, unique=True,
         sqlite_where=items.c.deleted_at.is_(None), postgresql_where=items.c.deleted_at.is_(None))
versions_table = sa.Table(
    "store_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("store_items.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("author", sa.String(255), nullable=False, default=""),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("plan_kind", sa.String(32), nullable=True),  # Plan.kind (current/proposal/edited/...)
    sa.Column("accounts", sa.Integer, nullable=True),
    sa.Column("territories", sa.Integer, nullable=True),
    sa.Column("summary", sa.Text, nullable=False, default="{}"),  # JSON dict of headline figures
    sa.UniqueConstraint("item_id", "version", name="uq_store_versions_item_version"),
)
payloads = sa.Table(
    "store_payloads", metadata,
    sa.Column("version_id", sa.Integer, sa.ForeignKey("store_versions.id"), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),  # JSON
)


def _migration_1(conn: Connection) -> None:
    """Initial schema: items, versions, payloads."""
    for t in (items, versions_table, payloads):
        t.create(conn, checkfirst=True)


def _migration_users(conn: Connection) -> None:
    """Users and roles (issue 13): planning.access.directory."""
    from planning.access.directory import create_tables

    create_tables(conn)


def _migration_review(conn: Connection) -> None:
    """The review audit log (issue 13): planning.plans.review."""
    from planning.plans.review import create_tables

    create_tables(conn)


def _migration_jobs(conn: Connection) -> None:
    """The jobs table (planning.plans.jobs_table): who started which long solve, status, parts, timings."""
    from planning.plans.jobs_table import migrate_jobs

    migrate_jobs(conn)


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "items, versions and payloads", _migration_1),
    (2, "users and roles", _migration_users),
    (3, "review and approval audit log", _migration_review),
    (4, "jobs table", _migration_jobs),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


@dataclass(frozen=True)
class StoredVersion:
    """The header of one saved version."""

    kind: str
    name: str
    version: int
    created_at: pd.Timestamp
    author: str
    note: str
    item_id: int
    version_id: int
