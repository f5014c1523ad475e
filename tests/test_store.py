"""The plan store on SQLite and on the real PostgreSQL server: round trips, versions, crash safety, concurrency."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planning.plans.plan import Plan
from planning.plans.store import SCHEMA_VERSION, PlanStore, StoreError, meta_table
from tests.test_store_support import store_url  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent


def small_plan(name="P", moved=False) -> Plan:
    terr = pd.DataFrame({"territory_id": ["T-1", "T-2", "T-OPEN"], "name": ["East", "West", "Open"],
                         "region": ["East", "West", "West"], "area": ["A", "B", None],
                         "segment": ["SMB", "SMB", "SMB"], "owner_rep_id": ["R1", "R2", np.nan]}).set_index("territory_id")
    a = pd.Series(["T-1", "T-2" if moved else "T-1", "T-2", np.nan], index=["a1", "a2", "a3", "a4"])
    return Plan(name=name, assignment=a, territories=terr, kind="proposal", settings={"alpha": 0.5, "tuple": (1, 2)},
                note="hand built")


def same_plan(p: Plan, q: Plan) -> None:
    assert list(p.assignment.index) == list(q.assignment.index)
    assert p.assignment.fillna("<na>").tolist() == q.assignment.fillna("<na>").tolist()
    pd.testing.assert_frame_equal(p.territories.astype(object), q.territories.astype(object))
    assert q.kind == p.kind and q.note == p.note


def test_round_trip_sample(store_url, sample):
    store = PlanStore(store_url)
    cur = sample.current_plan()
    v = store.save_plan(cur, author="ana", note="baseline", summary={"arr_usd": float(sample.accounts.arr_usd.sum())})
    assert (v.name, v.version, v.author, v.note) == (cur.name, 1, "ana", "baseline")
    back = store.load_plan(cur.name)
    same_plan(cur, back)
    lst = store.list_plans()
    assert lst.loc[0, "name"] == cur.name and lst.loc[0, "version"] == 1 and lst.loc[0, "kind"] == "current"
    assert lst.loc[0, "accounts"] == int(cur.assignment.notna().sum())
    assert lst.loc[0, "territories"] == len(cur.territories)
    assert lst.loc[0, "arr_usd"] == pytest.approx(sample.accounts.arr_usd.sum())
    assert lst.loc[0, "created_at"].tzinfo is not None
    store.dispose()


def test_versions_append_only_and_crud(store_url):
    store = PlanStore(store_url)
    store.save_plan(small_plan(), author="a", note="first")
    v2 = store.save_plan(small_plan(moved=True), author="b", note="second")
    assert v2.version == 2
    vers = store.versions("P")
    assert vers["version"].tolist() == [1, 2] and vers["author"].tolist() == ["a", "b"]
    assert store.load_plan("P").assignment["a2"] == "T-2"
    assert store.load_plan("P", version=1).assignment["a2"] == "T-1"
    same_plan(small_plan(moved=True), store.load_plan("P"))
    with pytest.raises(StoreError, match="no version 7"):
        store.load_plan("P", version=7)

    store.rename_plan("P", "Q")
    assert store.plan_names() == ["Q"]
    assert store.versions("Q")["version"].tolist() == [1, 2]
    with pytest.raises(StoreError, match="no saved plan named 'P'"):
        store.load_plan("P")

    c = store.clone_plan("Q", "Q copy", version=1, author="c")
    assert c.version == 1 and c.note == "clone of Q v1"
    assert store.load_plan("Q copy").assignment["a2"] == "T-1"
    with pytest.raises(StoreError, match="exists"):
        store.clone_plan("Q", "Q copy")
    with pytest.raises(StoreError, match="exists"):
        store.rename_plan("Q", "Q copy")

    store.delete_plan("Q")
    assert store.plan_names() == ["Q copy"]
    with pytest.raises(StoreError):
        store.load_plan("Q")
    # the name is free again and starts a fresh history; the deleted versions stay in the database
    assert store.save_plan(small_plan("Q")).version == 1
    with pytest.raises(StoreError, match="exists"):
        store.restore_plan("Q")
    store.rename_plan("Q", "Q new")
    store.restore_plan("Q")
    assert store.versions("Q")["version"].tolist() == [1, 2]
    store.dispose()


def test_scenarios(store_url):
    store = PlanStore(store_url)
    payload = {"segment": "SMB", "hires": {"2027-01": 2}, "attainment": np.float64(0.85), "nan": float("nan")}
    store.save_scenario("capacity", "Base", payload, author="fin", note="v1", summary={"cost_usd": 1e6})
    store.save_scenario("capacity", "Base", {**payload, "hires": {"2027-01": 3}})
    store.save_scenario("quota", "Base", {"method": "blend"})
    assert store.load_scenario("capacity", "Base")["hires"] == {"2027-01": 3}
    first = store.load_scenario("capacity", "Base", version=1)
    assert first == {"segment": "SMB", "hires": {"2027-01": 2}, "attainment": 0.85, "nan": None}
    lst = store.list_scenarios()
    assert sorted(zip(lst["kind"], lst["name"], lst["version"])) == [("capacity", "Base", 2), ("quota", "Base", 1)]
    assert store.list_scenarios("quota")["name"].tolist() == ["Base"]
    assert store.list_plans().empty
    assert store.versions_scenario("capacity", "Base")["version"].tolist() == [1, 2]
    store.clone_scenario("capacity", "Base", "Hire more", version=1)
    assert store.load_scenario("capacity", "Hire more")["hires"] == {"2027-01": 2}
    store.rename_scenario("capacity", "Hire more", "Aggressive")
    store.delete_scenario("quota", "Base")
    assert sorted(store.list_scenarios()["name"]) == ["Aggressive", "Base"]
    with pytest.raises(StoreError, match="scenario kind"):
        store.save_scenario("plan", "x", {})
    store.dispose()


def test_failed_save_loses_nothing(store_url):
    """An exception after the version header is inserted rolls the whole save back."""
    store = PlanStore(store_url)
    store.save_plan(small_plan(), note="good")

    def boom():
        raise RuntimeError("disk on fire")

    store._after_header = boom
    with pytest.raises(RuntimeError):
        store.save_plan(small_plan(moved=True), note="bad")
    with pytest.raises(RuntimeError):
        store.save_plan(small_plan("New"), note="bad")
    store._after_header = None
    assert store.versions("P")["version"].tolist() == [1]
    assert store.plan_names() == ["P"]
    same_plan(small_plan(), store.load_plan("P"))
    assert store.save_plan(small_plan(moved=True)).version == 2
    store.dispose()


def test_killed_process_mid_save_loses_nothing(store_url, tmp_path):
    """A real crash: a subprocess dies (os._exit, no rollback, no cleanup) inside the save transaction."""
    store = PlanStore(store_url)
    store.save_plan(small_plan(), note="good")
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.test_store import small_plan
        from planning.plans.store import PlanStore
        s = PlanStore({store_url!r})
        def die():
            print("header written", flush=True)
            os._exit(9)
        s._after_header = die
        s.save_plan(small_plan(moved=True), note="never lands")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 9, proc.stderr
    assert "header written" in proc.stdout
    fresh = PlanStore(store_url)
    assert fresh.versions("P")["version"].tolist() == [1]
    same_plan(small_plan(), fresh.load_plan("P"))
    assert fresh.save_plan(small_plan(moved=True)).version == 2
    fresh.dispose()
    store.dispose()


def test_concurrent_saves_all_persist(store_url):
    """Threads saving the same name at once: every save lands with its own version number."""
    PlanStore(store_url).dispose()  # create the schema once
    n = 6
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker(i):
        s = PlanStore(store_url)
        try:
            barrier.wait()
            results.append(s.save_plan(small_plan(moved=bool(i % 2)), author=f"w{i}").version)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            s.dispose()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(results) == list(range(1, n + 1))
    store = PlanStore(store_url)
    vers = store.versions("P")
    assert vers["version"].tolist() == list(range(1, n + 1))
    assert sorted(vers["author"]) == sorted(f"w{i}" for i in range(n))
    store.dispose()


def test_concurrent_processes_both_persist(store_url):
    """Two processes open a fresh store (both migrate it) and save the same name at the same moment; both persist."""
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from tests.test_store import small_plan
        from planning.plans.store import PlanStore
        s = PlanStore({store_url!r})
        start = float(sys.argv[1])
        while time.time() < start:
            time.sleep(0.001)
        print(s.save_plan(small_plan(), author=sys.argv[2]).version)
    """)
    import time

    start = time.time() + 2.0
    procs = [subprocess.Popen([sys.executable, "-c", script, str(start), f"p{i}"], stdout=subprocess.PIPE, text=True)
             for i in range(2)]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(int(o) for o in outs) == [1, 2]
    store = PlanStore(store_url)
    assert sorted(store.versions("P")["author"]) == ["p0", "p1"]
    store.dispose()


def test_schema_version_and_newer_schema_refused(store_url):
    store = PlanStore(store_url)
    assert store.schema_version() == SCHEMA_VERSION
    PlanStore(store_url).dispose()  # reopening is a no-op
    with store.engine.begin() as c:
        c.execute(meta_table.update().values(value=str(SCHEMA_VERSION + 1)))
    store.dispose()
    with pytest.raises(StoreError, match="newer than this program"):
        PlanStore(store_url)


def test_appended_migration_runs_once(store_url, monkeypatch):
    """The versioned scheme: a migration appended to MIGRATIONS runs on the next open, and only once."""
    import sqlalchemy as sa

    import planning.plans.store as store_mod

    s = PlanStore(store_url)
    s.save_plan(small_plan())
    s.dispose()
    runs = []

    def add_tag_column(conn):
        runs.append(1)
        conn.execute(sa.text("ALTER TABLE store_versions ADD COLUMN tag VARCHAR(32)"))

    nxt = store_mod.SCHEMA_VERSION + 1
    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, (nxt, "version tags", add_tag_column)])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", nxt)
    s2 = PlanStore(store_url)
    PlanStore(store_url).dispose()
    assert runs == [1] and s2.schema_version() == nxt
    cols = {c["name"] for c in sa.inspect(s2.engine).get_columns("store_versions")}
    assert "tag" in cols
    same_plan(small_plan(), s2.load_plan("P"))  # data from before the migration is intact
    s2.dispose()


def test_default_url_uses_database_url(monkeypatch, tmp_path):
    from planning.plans.store import default_url

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    assert default_url() == f"sqlite:///{tmp_path}/x.sqlite"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url = default_url()
    assert url.startswith("sqlite:///") and url.endswith("territory-planner/plans.sqlite")


def test_empty_name_refused(tmp_path):
    store = PlanStore(f"sqlite:///{tmp_path}/s.sqlite")
    with pytest.raises(StoreError, match="needs a name"):
        store.save_plan(small_plan(""))
    assert os.path.exists(tmp_path / "s.sqlite")
