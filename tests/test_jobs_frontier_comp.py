"""The moves-vs-travel curve and large comp simulations as jobs, on a real local Dask cluster (2 worker
processes, no mocks): the same numbers as in this process, progress per point / chunk, results in the store,
cancel stops them."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

pytestmark = pytest.mark.xdist_group("dask_cluster")  # one worker process of pytest owns the cluster


@pytest.fixture(scope="module")
def client():
    from jobs.engine import LOCAL, EngineSettings, client_for, shutdown

    c = client_for(LOCAL, EngineSettings(workers=2))
    yield c
    shutdown()


def _comp_inputs(n_reps: int = 40):
    from planning.compensation.comp_plan import default_plans
    from planning.data.defaults import Settings

    d = Settings()
    seg = np.array(["SMB", "Mid-market"])[np.arange(n_reps) % 2]
    q = pd.DataFrame({"segment": seg, "quota_usd": np.linspace(400_000, 900_000, n_reps),
                      "months_in_seat": np.where(np.arange(n_reps) % 7 == 0, 6.0, 12.0)},
                     index=[f"T-R-{i:04d}" for i in range(n_reps)])
    plans = default_plans(("SMB", "Mid-market"), d)
    return plans, q, d


def test_comp_simulation_in_chunks_is_the_same_on_any_number_of_workers(client):
    from jobs.comp_job import simulate_on
    from jobs.runner import DaskRunner
    from planning.compensation import simulate_cost

    plans, q, d = _comp_inputs()
    kw = dict(n_draws=5_500, seed=11, distribution="beta", defaults=d, target_usd=20e6, chunk_draws=1_000)
    here = simulate_cost(plans, q, **kw)
    seen = []
    inner = DaskRunner(client, label="t-comp")
    there = simulate_on(plans, q, runner=lambda fn, items, on_done: inner(
        fn, items, lambda i, r: (seen.append(items[i].name), on_done(i, r))), **kw)
    assert np.array_equal(here.total_variable_cost, there.total_variable_cost)
    assert np.array_equal(here.bookings, there.bookings)
    pd.testing.assert_frame_equal(here.reps, there.reps)
    assert sorted(seen) == sorted(f"draws {i * 1000 + 1:,}–{min((i + 1) * 1000, 5500):,}" for i in range(6))
    # up to one chunk, the numbers are the unchunked simulation's (same seed, same stream)
    one = simulate_cost(plans, q, **{**kw, "n_draws": 1_000})
    assert np.array_equal(one.total_variable_cost, here.total_variable_cost[:1_000])
    # a chunk's stream is its own: the later chunks are not the first one again
    assert not np.array_equal(here.total_variable_cost[:1_000], here.total_variable_cost[1_000:2_000])


def test_comp_job_on_the_cluster_records_its_result_and_cancel_stops_it(client, tmp_path):
    from jobs.comp_job import submit_comp_sim
    from jobs.manager import manager
    from planning.plans.jobs_table import JobRecords
    from planning.plans.store import PlanStore

    store = PlanStore(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    rec = JobRecords(store.engine)
    plans, q, d = _comp_inputs()
    jid = submit_comp_sim(store, plans, q, user="fin", cluster="local", n_draws=4_000, seed=3, defaults=d,
                          target_usd=20e6, chunk_draws=1_000)
    assert manager().wait(jid, 120)
    job = rec.get(jid)
    assert job["status"] == "succeeded" and job["parts_done"] == job["parts_total"] == 4
    assert job["result"]["draws"] == 4_000 and job["kind"] == "comp_sim"
    res = manager().result(jid)
    assert job["result"]["probability_of_target"] == pytest.approx(res.probability_of_target())
    # cancel: a long run of many chunks stops, and its tasks leave the workers
    big = submit_comp_sim(store, plans, _comp_inputs(400)[1], user="fin", cluster="local", n_draws=2_000_000,
                          seed=3, defaults=d, chunk_draws=20_000)
    for _ in range(400):
        if any(client.processing().values()):
            break
        time.sleep(0.05)
    assert manager().cancel(rec, big)
    assert manager().wait(big, 60)
    assert rec.get(big)["status"] == "cancelled"
    for _ in range(100):
        if not any(client.processing().values()):
            break
        time.sleep(0.1)
    assert not any(client.processing().values())


@pytest.fixture(scope="module")
def small_company():
    from optimizers.carve import CarveSettings
    from optimizers.instances.companies import make_instance

    acc, reps = make_instance(500, 6, seed=6)
    return acc, reps, CarveSettings(time_limit=30)


def test_frontier_points_on_the_cluster_equal_the_in_process_curve(client, small_company):
    from jobs.frontier_job import frontier_on
    from jobs.runner import DaskRunner

    acc, reps, cs = small_company
    here = frontier_on(acc, reps, 2027, cs, points=4, as_of="2026-11-01")
    names = []
    inner = DaskRunner(client, label="t-front")
    there = frontier_on(acc, reps, 2027, cs, points=4, as_of="2026-11-01", runner=lambda fn, items, on_done=None:
                        inner(fn, items, lambda i, r: (names.append(r.name), on_done and on_done(i, r))))
    assert names == ["fewest moves"] + sorted(names[1:], key=names[1:].index)  # the exact end first
    assert set(names) == {"fewest moves", "balanced", "shortest travel"} or len(names) == 4
    a, b = here.table(), there.table()
    pd.testing.assert_frame_equal(a.drop(columns="seconds"), b.drop(columns="seconds"))
    for p, q in zip(here.points, there.points):
        assert (p.result.plan.assignment.sort_index() == q.result.plan.assignment.sort_index()).all()
    assert here.bound == there.bound and here.bound <= here.points[0].moves
    moves, travel = a["accounts_moved"].to_numpy(), a["travel_mi"].to_numpy()
    assert (np.diff(moves) >= 0).all() and (np.diff(travel) < 0).all()  # monotone


def test_frontier_job_saves_no_plan_and_names_its_points(client, small_company, tmp_path):
    from jobs.frontier_job import submit_frontier
    from jobs.manager import manager
    from planning.plans.jobs_table import JobRecords
    from planning.plans.store import PlanStore

    acc, reps, cs = small_company
    store = PlanStore(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    rec = JobRecords(store.engine)
    jid = submit_frontier(store, acc, reps, 2027, "2026-11-01", cs, points=3, user="ana", title="Curve",
                          cluster="local")
    assert manager().wait(jid, 180)
    job = rec.get(jid)
    assert job["status"] == "succeeded", job["error"]
    offered = [r["proposal"] for r in job["result"]["table"]]  # the names a Save would offer; nothing saved
    assert offered[0] == "Curve · fewest moves" and offered[-1] == "Curve · shortest travel"
    assert store.plan_names() == []
    # one record per point: the exact end, then the others as tasks (progress per point on the page)
    assert job["parts_total"] == job["parts_done"] == 3 and job["parts"][0]["name"] == "fewest moves"
    stop = submit_frontier(store, acc, reps, 2027, "2026-11-01", cs, points=6, user="ana", title="Stopped",
                           cluster="local")
    time.sleep(0.5)
    assert manager().cancel(rec, stop)
    assert manager().wait(stop, 60)
    assert rec.get(stop)["status"] == "cancelled"
    assert not [n for n in store.plan_names() if n.startswith("Stopped")]
