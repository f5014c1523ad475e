"""The plan store: named, versioned, append-only storage for plans and scenarios (SQLAlchemy 2 Core).

Where it lives
    ``PlanStore(url)``; with no url the ``DATABASE_URL`` environment variable is used when set
    (e.g. ``postgresql+psycopg://user:pw@host/db``), else a SQLite file ``plans.sqlite`` under
    ``platformdirs.user_data_dir("territory-planner")``.

Model
    An *item* is a named plan (``kind = "plan"``) or scenario (``kind`` = "capacity", "quota", "comp", ...).
    Every save appends a new *version* ``(item, version)`` with created_at (UTC), author and note;
    nothing is ever overwritten.  The body (the plan's assignment, territories and settings, or the
    scenario's dict) sits in ``store_payloads`` next to its version header.

    * rename changes the item's name; all its versions follow.
    * clone copies one version (latest by default) into a new item as its version 1.
    * delete is a *soft* delete: the item gets ``deleted_at`` and disappears from lists and loads,
      its versions stay in the database (``restore_plan`` / ``restore_scenario`` bring it back).
      A new item may then reuse the name and starts again at version 1.

Safety
    Each save is one transaction: header and payload land together or not at all, so a crash or an
    exception mid-save leaves every earlier version intact.  ``(item_id, version)`` is unique; two
    concurrent saves that pick the same next version collide on it and the loser retries with the
    next number, so both persist.  SQLite writers take the write lock up front (``BEGIN IMMEDIATE``)
    and wait up to 30 s for each other.


Schema and migrations: :mod:`planning.plans.store_schema`.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from planning.plans.plan import Plan
from planning.data.disk_cache import APP_NAME
from planning.plans.serialize import jsonable, plan_from_dict, plan_to_dict, utc_timestamp
from planning.plans.store_schema import (MIGRATIONS, PLAN_KIND, SCENARIO_KINDS, SCHEMA_VERSION, StoredVersion, StoreError,
                                         items, meta_table, payloads, versions_table)

SAVE_RETRIES = 20


def default_url() -> str:
    """``DATABASE_URL`` when set, else a SQLite file in the user's data directory."""
    env = os.environ.get("DATABASE_URL", "").strip()
    if env:
        return env
    import platformdirs

    path = Path(platformdirs.user_data_dir(APP_NAME)) / "plans.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _now() -> datetime:
    return datetime.now(UTC)


class PlanStore:
    """Versioned, append-only plan and scenario store (see module docstring)."""

    def __init__(self, url: str | None = None, *, engine: Engine | None = None):
        self.url = url or default_url()
        self.engine = engine or self._make_engine(self.url)
        # test hook: called inside the save transaction right after the version header is inserted,
        # to simulate a crash mid-save (raise, or os._exit in a subprocess)
        self._after_header: Callable[[], None] | None = None
        self._migrate()

    # ------------------------------------------------------------------ engine & schema
    @staticmethod
    def _make_engine(url: str) -> Engine:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:" and not path.startswith("file:"):
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            eng = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

            @event.listens_for(eng, "connect")
            def _connect(dbapi_conn, _record):
                # let SQLAlchemy issue BEGIN itself so we can make it IMMEDIATE (take the write lock first)
                dbapi_conn.isolation_level = None
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

            @event.listens_for(eng, "begin")
            def _begin(conn):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

            return eng
        return sa.create_engine(url, pool_pre_ping=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def _lock(self, conn: Connection) -> None:
        """Serialise schema changes between processes (SQLite is already locked by BEGIN IMMEDIATE)."""
        if self.engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(724201)"))

    def _migrate(self) -> None:
        with self.engine.begin() as conn:
            self._lock(conn)
            meta_table.create(conn, checkfirst=True)
            row = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")).first()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise StoreError(f"the plan store at {self.safe_url} has schema version {current}, newer than this "
                                 f"program understands ({SCHEMA_VERSION}); upgrade territory-planner")
            for version, _desc, fn in MIGRATIONS:
                if version > current:
                    fn(conn)
            if current < SCHEMA_VERSION:
                if row:
                    conn.execute(meta_table.update().where(meta_table.c.key == "schema_version")
                                 .values(value=str(SCHEMA_VERSION)))
                else:
                    conn.execute(meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(meta_table.c.value)
                                    .where(meta_table.c.key == "schema_version")).scalar_one())

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden (for messages)."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ generic items
    @staticmethod
    def _live_item(conn: Connection, kind: str, name: str):
        return conn.execute(sa.select(items).where(items.c.kind == kind, items.c.name == name,
                                                   items.c.deleted_at.is_(None))).first()

    def _require_item(self, conn: Connection, kind: str, name: str):
        row = self._live_item(conn, kind, name)
        if row is None:
            what = "plan" if kind == PLAN_KIND else f"{kind} scenario"
            raise StoreError(f"no saved {what} named {name!r}")
        return row

    def _save(self, kind: str, name: str, body: dict, *, author: str, note: str, plan_kind: str | None = None,
              accounts: int | None = None, territories: int | None = None,
              summary: dict | None = None) -> StoredVersion:
        name = (name or "").strip()
        if not name:
            raise StoreError("a saved plan or scenario needs a name")
        text = json.dumps(body, allow_nan=False, separators=(",", ":"))
        summary_text = json.dumps(jsonable(summary or {}), allow_nan=False)
        last_exc: Exception | None = None
        for attempt in range(SAVE_RETRIES):
            try:
                with self.engine.begin() as conn:
                    now = _now()
                    item = self._live_item(conn, kind, name)
                    if item is None:
                        item_id = conn.execute(items.insert().values(kind=kind, name=name, created_at=now)
                                               ).inserted_primary_key[0]
                    else:
                        item_id = item.id
                    latest = conn.execute(sa.select(sa.func.max(versions_table.c.version))
                                          .where(versions_table.c.item_id == item_id)).scalar()
                    version = int(latest or 0) + 1
                    version_id = conn.execute(versions_table.insert().values(
                        item_id=item_id, version=version, created_at=now, author=author or "", note=note or "",
                        plan_kind=plan_kind, accounts=accounts, territories=territories, summary=summary_text,
                    )).inserted_primary_key[0]
                    if self._after_header is not None:
                        self._after_header()
                    conn.execute(payloads.insert().values(version_id=version_id, body=text))
                return StoredVersion(kind, name, version, utc_timestamp(now), author or "", note or "", int(item_id),
                                     int(version_id))
            except (IntegrityError, OperationalError) as exc:
                # a concurrent save took this version number (or created the item) first, or SQLite was
                # busy: nothing of ours was written, so try again with fresh numbers
                last_exc = exc
                time.sleep(0.01 * (attempt + 1))
        raise StoreError(f"could not save {name!r} after {SAVE_RETRIES} attempts: {last_exc}") from last_exc

    def _list(self, kinds: tuple[str, ...] | None) -> pd.DataFrame:
        """Latest version per live item of the given kinds (None: every scenario kind)."""
        v = versions_table
        latest = (sa.select(v.c.item_id, sa.func.max(v.c.version).label("latest"), sa.func.count().label("n"),
                            sa.func.min(v.c.created_at).label("first_created_at"))
                  .group_by(v.c.item_id).subquery())
        q = (sa.select(items.c.kind, items.c.name, latest.c.latest.label("version"), latest.c.n.label("versions"),
                       v.c.created_at, latest.c.first_created_at, v.c.author, v.c.note, v.c.plan_kind,
                       v.c.accounts, v.c.territories, v.c.summary)
             .join(latest, latest.c.item_id == items.c.id)
             .join(v, (v.c.item_id == items.c.id) & (v.c.version == latest.c.latest))
             .where(items.c.deleted_at.is_(None)).order_by(items.c.kind, items.c.name))
        q = q.where(items.c.kind.in_(kinds)) if kinds is not None else q.where(items.c.kind != PLAN_KIND)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        cols = ["kind", "name", "version", "versions", "created_at", "first_created_at", "author", "note",
                "plan_kind", "accounts", "territories"]
        if not rows:
            return pd.DataFrame(columns=cols)
        df = pd.DataFrame([dict(r) for r in rows])
        for c in ("created_at", "first_created_at"):
            df[c] = df[c].map(utc_timestamp)
        summ = pd.DataFrame([json.loads(s or "{}") for s in df.pop("summary")], index=df.index)
        summ = summ[[c for c in summ.columns if c not in df.columns]]
        return pd.concat([df[cols], summ], axis=1)

    def _versions(self, kind: str, name: str) -> pd.DataFrame:
        v = versions_table
        with self.engine.connect() as conn:
            item = self._require_item(conn, kind, name)
            rows = conn.execute(sa.select(v.c.version, v.c.created_at, v.c.author, v.c.note, v.c.plan_kind,
                                          v.c.accounts, v.c.territories, v.c.summary)
                                .where(v.c.item_id == item.id).order_by(v.c.version)).mappings().all()
        df = pd.DataFrame([dict(r) for r in rows])
        df.insert(0, "name", name)
        df["created_at"] = df["created_at"].map(utc_timestamp)
        summ = pd.DataFrame([json.loads(s or "{}") for s in df.pop("summary")], index=df.index)
        summ = summ[[c for c in summ.columns if c not in df.columns]]
        return pd.concat([df, summ], axis=1)

    def _load(self, kind: str, name: str, version: int | None) -> tuple[dict, StoredVersion]:
        v = versions_table
        with self.engine.connect() as conn:
            item = self._require_item(conn, kind, name)
            q = sa.select(v, payloads.c.body).join(payloads, payloads.c.version_id == v.c.id).where(
                v.c.item_id == item.id)
            q = q.where(v.c.version == int(version)) if version is not None else q.order_by(v.c.version.desc()).limit(1)
            row = conn.execute(q).mappings().first()
        if row is None:
            raise StoreError(f"{name!r} has no version {version}")
        header = StoredVersion(kind, name, int(row["version"]), utc_timestamp(row["created_at"]), row["author"], row["note"],
                               int(item.id), int(row["id"]))
        return json.loads(row["body"]), header

    def _rename(self, kind: str, old: str, new: str) -> None:
        new = (new or "").strip()
        if not new:
            raise StoreError("the new name is empty")
        try:
            with self.engine.begin() as conn:
                item = self._require_item(conn, kind, old)
                if self._live_item(conn, kind, new) is not None:
                    raise StoreError(f"a {'plan' if kind == PLAN_KIND else kind + ' scenario'} named {new!r} exists")
                conn.execute(items.update().where(items.c.id == item.id).values(name=new))
        except IntegrityError as exc:
            raise StoreError(f"{new!r} was taken by a concurrent save") from exc

    def _delete(self, kind: str, name: str) -> None:
        with self.engine.begin() as conn:
            item = self._require_item(conn, kind, name)
            conn.execute(items.update().where(items.c.id == item.id).values(deleted_at=_now()))

    def _restore(self, kind: str, name: str) -> None:
        with self.engine.begin() as conn:
            if self._live_item(conn, kind, name) is not None:
                raise StoreError(f"{name!r} exists; rename it before restoring the deleted one")
            row = conn.execute(sa.select(items.c.id).where(items.c.kind == kind, items.c.name == name,
                                                           items.c.deleted_at.is_not(None))
                               .order_by(items.c.deleted_at.desc()).limit(1)).first()
            if row is None:
                raise StoreError(f"no deleted item named {name!r}")
            conn.execute(items.update().where(items.c.id == row.id).values(deleted_at=None))

    def _header_summary(self, kind: str, name: str, version: int) -> dict:
        with self.engine.connect() as conn:
            item = self._require_item(conn, kind, name)
            s = conn.execute(sa.select(versions_table.c.summary).where(
                versions_table.c.item_id == item.id, versions_table.c.version == version)).scalar()
        return json.loads(s or "{}")

    # ------------------------------------------------------------------ plans
    def save_plan(self, plan: Plan, *, author: str = "", note: str = "", summary: dict | None = None,
                  name: str | None = None, made_on: dict | None = None) -> StoredVersion:
        """Append a new version of ``plan`` under ``name`` (default ``plan.name``); never overwrites.

        ``made_on`` (:func:`planning.plans.dataset_fit.dataset_stamp`) records the dataset the plan was made on in
        the version's settings; without it a stamp the plan already carries is kept (a saved plan saved again)."""
        body = plan_to_dict(plan)
        if made_on is not None:
            body["settings"] = {**body["settings"], "made_on": jsonable(made_on)}
        return self._save(PLAN_KIND, name or plan.name, body, author=author, note=note or plan.note,
                          plan_kind=plan.kind, accounts=int(plan.assignment.notna().sum()),
                          territories=len(plan.territories), summary=summary)

    def list_plans(self) -> pd.DataFrame:
        """One row per live plan: name, version (latest), versions, created_at (of the latest), first_created_at,
        author, note, kind (the Plan's kind: current/proposal/edited...), accounts (assigned), territories, plus the
        latest version's summary figures."""
        return self._list((PLAN_KIND,)).drop(columns="kind").rename(columns={"plan_kind": "kind"})

    def versions(self, name: str) -> pd.DataFrame:
        """Every version of a plan, oldest first (``kind`` is the Plan's kind)."""
        return self._versions(PLAN_KIND, name).rename(columns={"plan_kind": "kind"})

    def load_plan(self, name: str, version: int | None = None) -> Plan:
        """A saved plan (latest version by default); its name is the store name."""
        body, _ = self._load(PLAN_KIND, name, version)
        return plan_from_dict(body, name=name)

    def plan_header(self, name: str, version: int | None = None) -> StoredVersion:
        return self._load(PLAN_KIND, name, version)[1]

    def plan_summary(self, name: str, version: int) -> dict:
        return self._header_summary(PLAN_KIND, name, version)

    def rename_plan(self, old: str, new: str) -> None:
        self._rename(PLAN_KIND, old, new)

    def clone_plan(self, name: str, new_name: str, version: int | None = None, *, author: str = "",
                   note: str | None = None) -> StoredVersion:
        """Copy one version (latest by default) of ``name`` into a new plan ``new_name`` (its version 1)."""
        body, header = self._load(PLAN_KIND, name, version)
        with self.engine.connect() as conn:
            if self._live_item(conn, PLAN_KIND, new_name) is not None:
                raise StoreError(f"a plan named {new_name!r} exists")
        plan = plan_from_dict(body, name=new_name)
        return self.save_plan(plan, author=author, note=note if note is not None else
                              f"clone of {name} v{header.version}",
                              summary=self._header_summary(PLAN_KIND, name, header.version))

    def delete_plan(self, name: str) -> None:
        """Soft delete: the plan leaves lists and loads; its versions stay in the database."""
        self._delete(PLAN_KIND, name)

    def restore_plan(self, name: str) -> None:
        self._restore(PLAN_KIND, name)

    def plan_names(self) -> list[str]:
        return list(self.list_plans()["name"])

    # ------------------------------------------------------------------ scenarios
    @staticmethod
    def _check_kind(kind: str) -> str:
        kind = (kind or "").strip().lower()
        if not kind or kind == PLAN_KIND:
            raise StoreError(f"scenario kind must be a name such as {', '.join(SCENARIO_KINDS)}")
        return kind

    def save_scenario(self, kind: str, name: str, payload: dict, *, author: str = "", note: str = "",
                      summary: dict | None = None) -> StoredVersion:
        """Append a new version of a capacity/quota/comp (or other) scenario dict."""
        return self._save(self._check_kind(kind), name, jsonable(payload), author=author, note=note,
                          summary=summary)

    def list_scenarios(self, kind: str | None = None) -> pd.DataFrame:
        kinds = (self._check_kind(kind),) if kind else None
        return self._list(kinds).drop(columns=["plan_kind", "accounts", "territories"])

    def load_scenario(self, kind: str, name: str, version: int | None = None) -> dict:
        return self._load(self._check_kind(kind), name, version)[0]

    def versions_scenario(self, kind: str, name: str) -> pd.DataFrame:
        return self._versions(self._check_kind(kind), name).drop(columns=["plan_kind", "accounts", "territories"])

    def rename_scenario(self, kind: str, old: str, new: str) -> None:
        self._rename(self._check_kind(kind), old, new)

    def clone_scenario(self, kind: str, name: str, new_name: str, version: int | None = None, *,
                       author: str = "", note: str | None = None) -> StoredVersion:
        kind = self._check_kind(kind)
        body, header = self._load(kind, name, version)
        with self.engine.connect() as conn:
            if self._live_item(conn, kind, new_name) is not None:
                raise StoreError(f"a {kind} scenario named {new_name!r} exists")
        return self.save_scenario(kind, new_name, body, author=author,
                                  note=note if note is not None else f"clone of {name} v{header.version}",
                                  summary=self._header_summary(kind, name, header.version))

    def delete_scenario(self, kind: str, name: str) -> None:
        self._delete(self._check_kind(kind), name)

    def restore_scenario(self, kind: str, name: str) -> None:
        self._restore(self._check_kind(kind), name)
