"""The jobs table (SQLite and PostgreSQL), the job manager's bookkeeping, the in-process runner and sweeps."""
from __future__ import annotations

import subprocess
import sys
import time

import pandas as pd
import pytest

from tests.test_store_support import store_url  # noqa: F401  (fixture)


def test_job_rows_record_who_what_status_and_timings(store_url):  # noqa: F811
    from planning.plans.jobs_table import JobRecords
    from planning.plans.store import PlanStore

    rec = JobRecords(PlanStore(store_url).engine)
    a = rec.create("carve", "FY27 carve", "ana", {"carve": {"tolerance": {"accounts": 0.1}}})
    b = rec.create("sweep", "Mid-market 40/45/50", "ben", {})
    assert rec.get(a)["status"] == "queued" and rec.get(a)["settings"]["carve"]["tolerance"]["accounts"] == 0.1
    rec.update(a, status="running", engine="local Dask cluster (2 worker processes)")
    rec.update(a, parts=[{"name": "SMB", "status": "optimal", "seconds": 1.5}], parts_done=1, parts_total=3,
               progress=1.7)
    row = rec.get(a)
    assert row["parts"][0]["name"] == "SMB" and row["progress"] == 1.0 and not pd.isna(row["started_at"])
    assert rec.request_cancel(a) and rec.cancel_requested(a)
    rec.update(a, status="succeeded", result={"plan": "FY27 carve", "version": 1})
    assert not rec.request_cancel(a)  # a finished job cannot be cancelled
    row = rec.get(a)
    assert row["finished_at"] >= row["started_at"] and row["result"]["plan"] == "FY27 carve"
    assert list(rec.list(user="ana")["id"]) == [a]
    assert list(rec.list()["id"]) == [b, a]  # newest first
    assert list(rec.list(status=("queued",))["id"]) == [b]


def test_job_of_a_dead_process_shows_as_interrupted(tmp_path):
    from planning.plans.jobs_table import JobRecords
    from planning.plans.store import PlanStore

    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    rec = JobRecords(PlanStore(url).engine)
    code = ("from planning.plans.store import PlanStore; from planning.plans.jobs_table import JobRecords; "
            f"r = JobRecords(PlanStore({url!r}).engine); j = r.create('carve', 'x', 'ana', {{}}); "
            "r.update(j, status='running'); print(j)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    dead = int(out.stdout.strip())
    mine = rec.create("carve", "mine", "ana", {})
    rec.update(mine, status="running")
    assert rec.mark_orphans() == 1
    assert rec.get(dead)["status"] == "interrupted" and "stopped before it finished" in rec.get(dead)["error"]
    assert rec.get(mine)["status"] == "running"  # this process's own jobs are left to their thread


def test_manager_records_failures_and_cancels_without_a_cluster(tmp_path):
    from jobs.manager import manager
    from jobs.runner import InProcessRunner, PartFailed
    from planning.plans.jobs_table import JobRecords
    from planning.plans.store import PlanStore

    rec = JobRecords(PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}").engine)

    def failing(ctx):
        return ctx.runner("inprocess", None)(_boom, [1, 2, 3])

    j = manager().submit(rec, "carve", "fails", "ana", {}, failing)
    assert manager().wait(j, 30)
    row = rec.get(j)
    # parts run on this process's cores at once: part 1 may or may not have finished before part 2 failed
    assert row["status"] == "failed" and "part 2/3" in row["error"] and row["parts_done"] <= 1
    assert {p["name"] for p in row["parts"]} <= {"1/3"}

    def slow(ctx):
        while True:
            if ctx.should_stop():
                from optimizers.carve.model import Cancelled

                raise Cancelled()
            time.sleep(0.05)

    j2 = manager().submit(rec, "carve", "slow", "ana", {}, slow)
    assert manager().cancel(rec, j2) and manager().wait(j2, 30)
    assert rec.get(j2)["status"] == "cancelled"
    with pytest.raises(PartFailed, match="part 2/2"):
        InProcessRunner()(_boom, [1, 2])


def _boom(x: int) -> int:
    if x == 2:
        raise ValueError("bad part")
    return x


def test_engine_choice():
    from jobs.engine import EngineSettings, resolve

    es = EngineSettings(min_pairs_local=1000)
    assert resolve("inprocess", 10**9, es) == "inprocess"
    assert resolve("auto", 10, es) == "inprocess"
    assert resolve("auto", 10**6, es) == "local"
    assert resolve("tcp://10.0.0.5:8786", 10, es) == "tcp://10.0.0.5:8786"


def test_headcount_sweep_adds_and_removes_territories():
    from jobs.runner import InProcessRunner
    from jobs.sweep import current_heads, headcount_items, region_split, run_sweep
    from optimizers.carve import CarveSettings
    from optimizers.instances.companies import make_instance
    from planning.data.defaults import Settings

    acc, reps = make_instance(600, 8, seed=2, segments=("Mid-market",))
    base = CarveSettings(tolerance={"potential_usd": 0.2, "accounts": 0.2}, time_limit=30)
    assert current_heads(reps, base) == {"Mid-market": 8}
    split = region_split(acc, "Mid-market", 5)
    assert len(split) == 5 and set(split) <= set(acc["region"])
    items = headcount_items(base, acc, reps, 2027, "2026-11-01", Settings(), "Mid-market", [6, 10])
    assert [i.heads["Mid-market"] for i in items] == [6, 10]
    assert len(items[0].settings.excluded_reps) == 2 and len(items[1].settings.extra_territories) == 2
    points, table = run_sweep(items, InProcessRunner())
    assert list(table["territories Mid-market"]) == [6, 10]
    assert all(p.result.ok for p in points)
    assert points[0].result.plan.territories.shape[0] == 6 and points[1].result.plan.territories.shape[0] == 10
    # every account once in every scenario
    assert all(p.result.plan.assignment.notna().all() and len(p.result.plan.assignment) == 600 for p in points)
    # accounts and ARR moved are the core's figures against today's ownership, as Carve and Compare show them
    from planning.plans.plan import current_plan
    from planning.reporting.figures import moved_between

    for p, (_, row) in zip(points, table.iterrows()):
        want = moved_between(current_plan(acc, reps), p.result.plan, acc)
        assert row["accounts_moved"] == want["accounts_moved"] and row["arr_moved_usd"] == want["arr_moved_usd"]
