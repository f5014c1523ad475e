"""Store URLs for tests: a temp SQLite file, and a private schema on the real PostgreSQL (TEST_POSTGRES_URL).

Each PostgreSQL test gets its own schema (``search_path`` set through the URL) that is dropped afterwards, so
parallel workers never see each other's tables.
"""
from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest

PG_URL = os.environ.get("TEST_POSTGRES_URL", "")
postgres = pytest.mark.postgres
needs_pg = pytest.mark.skipif(not PG_URL, reason="TEST_POSTGRES_URL is not set (scripts/test.sh sets it)")


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'plans.sqlite'}"


def pg_schema_url():
    """Create a fresh schema; return (url, drop) where drop() removes it."""
    import sqlalchemy as sa

    schema = "t_" + uuid.uuid4().hex[:12]
    eng = sa.create_engine(PG_URL)
    with eng.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"

    def drop():
        with eng.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        eng.dispose()

    return url, drop


BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=[postgres, needs_pg])]


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    """A store URL on each backend (SQLite always; PostgreSQL when TEST_POSTGRES_URL is set)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    url, drop = pg_schema_url()
    try:
        yield url
    finally:
        drop()
