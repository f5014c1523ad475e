"""Several users at once (issue 23, step 7): a carve that starts while another job is active runs as one task in a
worker process of the real local Dask cluster (recorded on its job row) with the same plan as in this process; a
user's second Run carve while their carve runs re-attaches to it, in the core and on the page."""
from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def _blocking_job(records, user: str, release: threading.Event, kind: str = "carve") -> int:
    """A job of ``user`` that stays running until ``release`` is set (what another user's carve looks like),
    returned once its thread has marked it running: before that it is queued, without a start time, and what
    a re-attach says of it ("started at") would be its creation time — on a loaded machine a race."""
    import time

    from jobs.manager import manager

    def work(ctx):
        release.wait(120)
        return {"status": "succeeded", "summary": "done"}

    job_id = manager().submit(records, kind, "held open", user, {"dataset": "sample"}, work)
    for _ in range(300):
        if records.get(job_id)["status"] == "running":
            break
        time.sleep(0.1)
    return job_id


def test_engine_under_load_is_the_cluster_only_for_auto():
    from jobs.engine import INPROCESS, LOCAL, EngineSettings, resolve

    small = 1000
    assert resolve(None, small) == INPROCESS  # alone: in this process, as fast as before
    assert resolve(None, small, busy=True) == LOCAL
    assert resolve(None, small, EngineSettings(concurrent_jobs_to_cluster=False), busy=True) == INPROCESS
    assert resolve("inprocess", small, busy=True) == INPROCESS  # an explicit choice stands


ONE_WORKER = {"workers": 1}  # one worker process is enough here (2 cores shared by everyone)


@pytest.fixture(scope="module")
def local_cluster():
    """The real local Dask cluster (one worker process), closed after this module's tests."""
    pytest.importorskip("distributed")
    from jobs.engine import LOCAL, EngineSettings, client_for, shutdown

    yield client_for(LOCAL, EngineSettings(**ONE_WORKER))
    shutdown()


@pytest.mark.xdist_group("dask_cluster")
def test_second_carve_at_once_runs_whole_in_a_worker_process_with_the_same_plan(local_cluster, sample, tmp_path):
    from jobs.carve_job import carve_on, submit_carve
    from jobs.engine import EngineSettings
    from jobs.manager import manager
    from optimizers.carve import CarveSettings
    from planning.plans import JobRecords, PlanStore

    store = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    records = JobRecords(store.engine)
    cs = CarveSettings(time_limit=60)
    release = threading.Event()
    first = _blocking_job(records, "ana", release, kind="sweep")
    try:
        jid = submit_carve(store, sample.accounts, sample.reps, sample.plan_year, sample.as_of, cs, sample.settings,
                           user="ben", title="FY27 under load", dataset="sample",
                           engine_settings=EngineSettings(**ONE_WORKER))
        seen = set()  # the job row's messages while it runs: the worker's progress reaches it
        while not manager().wait(jid, 0.2):
            seen.add(records.get(jid)["message"])
    finally:
        release.set()
        manager().wait(first, 30)
    job = records.get(jid)
    assert job["status"] == "succeeded", job["error"]
    assert job["engine"].startswith("local Dask cluster (1 worker processes)")
    assert "the whole carve in one" in job["engine"]
    assert [p["name"] for p in job["parts"]] == ["whole carve (one worker process)"]
    assert job["parts_done"] == job["parts_total"] == 1
    assert job["message"].startswith("Balanced plan found — within ")
    said_here = {"queued", "starting", "other carves are running: this one runs in a worker process of its own"}
    assert seen - said_here, seen  # progress from the carve in the worker process
    res = manager().result(jid, records)
    here = carve_on(sample.accounts, sample.reps, sample.plan_year, cs, sample.settings, sample.as_of,
                    cluster="inprocess", name="FY27 under load")
    assert res.ok and here.ok and res.status == here.status
    assert res.objective == pytest.approx(here.objective, rel=1e-6)
    assert len(res.moves) == len(here.moves)
    assert res.plan.name == "FY27 under load"
    # the page's tables came back with the result, computed in the worker process (not by the web server)
    assert len(res.views.moves) == len(res.moves) and len(res.views.crm) == len(sample.accounts)
    assert len(res.views.books) == len(res.after)


@pytest.mark.xdist_group("dask_cluster")
def test_cancel_stops_a_carve_running_whole_in_a_worker_process(local_cluster, sample, tmp_path):
    from jobs.carve_job import submit_carve
    from jobs.engine import EngineSettings
    from jobs.manager import manager
    from optimizers.carve import CarveSettings
    from planning.plans import JobRecords, PlanStore

    store = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    records = JobRecords(store.engine)
    release = threading.Event()
    first = _blocking_job(records, "ana", release, kind="sweep")
    try:
        jid = submit_carve(store, sample.accounts, sample.reps, sample.plan_year, sample.as_of,
                           CarveSettings(time_limit=60), sample.settings, user="ben", save_as="FY27 never",
                           engine_settings=EngineSettings(**ONE_WORKER))
        for _ in range(300):  # until the whole carve is on the worker
            if "the whole carve in one" in records.get(jid)["engine"]:
                break
            manager().wait(jid, 0.1)
        assert manager().cancel(records, jid)
        assert manager().wait(jid, 120)
    finally:
        release.set()
        manager().wait(first, 30)
    job = records.get(jid)
    assert "the whole carve in one" in job["engine"]  # it was cancelled while on the worker
    assert job["status"] == "cancelled" and job["message"] == "cancelled by the user"
    assert store.plan_names() == []  # nothing saved from a cancelled job, though it was asked to save


def test_a_second_run_by_the_same_user_reattaches_to_their_running_carve(sample, tmp_path):
    from jobs.carve_job import running_carve, start_carve
    from jobs.manager import manager
    from optimizers.carve import CarveSettings
    from planning.plans import JobRecords, PlanStore

    store = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    records = JobRecords(store.engine)
    release = threading.Event()
    held = _blocking_job(records, "ana", release)
    try:
        begun = start_carve(store, sample.accounts, sample.reps, sample.plan_year, sample.as_of,
                            CarveSettings(time_limit=60), sample.settings, user="ana", dataset="sample")
        assert begun.reattached and begun.job_id == held
        started = records.get(held)["started_at"]
        assert begun.started_at == started
        assert begun.message() == (f"Your carve started at {started:%H:%M} UTC is still running — showing it "
                                   f"(job #{held}). Cancel it to start another.")
        assert running_carve(records, "ben") is None  # another user's carve is theirs: ben would start his own
        assert len(records.list(kind="carve")) == 1  # no second job was created
    finally:
        release.set()
        manager().wait(held, 30)
    assert running_carve(records, "ana") is None


@pytest.mark.parametrize("solved_before", [False, True], ids=["new settings", "settings solved before"])
def test_the_page_says_it_reattached_instead_of_starting_another(sample, tmp_path, monkeypatch, solved_before):
    """Also when this server already holds a solve of the same data and settings (the solve cache is shared by
    every session, so an earlier test or user puts it there): the running carve comes first, nothing is recorded."""
    from types import SimpleNamespace

    import ui.carve_runs
    from jobs.manager import manager
    from planning.plans import JobRecords, PlanStore

    if solved_before:
        monkeypatch.setattr(ui.carve_runs, "recall", lambda key: SimpleNamespace(status="optimal") if key else None)
    url = f"sqlite:///{tmp_path / 'plans.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_USER", "ana")
    records = JobRecords(PlanStore(url).engine)
    at = AppTest.from_file(str(ROOT / "pages" / "2_Carve.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    release = threading.Event()
    held = _blocking_job(records, "ana", release)  # e.g. started from another tab a moment ago
    timer = threading.Timer(10.0, release.set)  # the page follows the job until it ends: 10 s is long enough
    # for the click's rerun on a loaded machine
    timer.start()
    try:
        next(b for b in at.button if b.label == "Run carve").click().run()
    finally:
        timer.cancel()
        release.set()
        manager().wait(held, 30)
    assert not at.exception, [e.value for e in at.exception]
    started = records.get(held)["started_at"]
    said = [i.value for i in at.info if "is still running — showing it" in i.value]
    assert said == [f"Your carve started at {started:%H:%M} UTC is still running — showing it (job #{held}). "
                    f"Cancel it to start another."]
    assert any(f"Carve #{held}" in s.label for s in at.status)  # the page followed that job
    assert len(records.list(kind="carve")) == 1  # and started none
    assert isinstance(started, pd.Timestamp)


def test_a_running_local_cluster_takes_a_small_carve_alone_unless_switched_off(monkeypatch):
    from jobs.engine import ENV_WARM_FIRST, INPROCESS, LOCAL, EngineSettings, resolve

    small = 1000
    monkeypatch.delenv(ENV_WARM_FIRST, raising=False)
    # by default the cluster, once running, takes a lone carve too, so the server's interpreter stays free
    assert resolve(None, small, warm=True) == LOCAL
    assert resolve(None, small, EngineSettings(warm_cluster_first=False), warm=True) == INPROCESS
    assert resolve(None, small) == INPROCESS  # the cluster not running yet: nobody waits for it to start
    assert resolve("inprocess", small, warm=True) == INPROCESS  # an explicit choice stands
    monkeypatch.setenv(ENV_WARM_FIRST, "0")  # a benchmark comparing both ways
    assert resolve(None, small, warm=True) == INPROCESS


@pytest.mark.xdist_group("dask_cluster")
def test_workers_run_at_a_lower_priority_than_the_server(local_cluster):
    """The workers carve at the niceness of the settings (default 10) so the web server keeps its core for page
    opens; the scheduler, which only dispatches, keeps the server's."""
    import os

    from jobs.engine import EngineSettings

    server = os.nice(0)
    want = EngineSettings().worker_niceness()
    assert want == 10
    workers = local_cluster.run(os.nice, 0)
    assert workers and all(n == max(want, server) for n in workers.values()), workers
    assert local_cluster.run_on_scheduler(os.nice, 0) == server


@pytest.mark.parametrize("others_active, threads", [(True, 1), (False, None)])
def test_a_carve_sent_whole_while_others_run_takes_one_thread_on_its_worker(sample, tmp_path, monkeypatch,
                                                                           others_active, threads):
    """Under load a whole carve's parts run on one thread of its worker (two threads of one small carve only contend
    for the worker's interpreter: jobs.carve_job.WholeCarve.threads); alone it may use the worker's cores."""
    import jobs.carve_job as cj
    from jobs.carve_inputs import InputsRef
    from jobs.manager import JobContext
    from optimizers.carve import CarveSettings
    from planning.plans import JobRecords, PlanStore

    sent = []

    class Sent(Exception):
        pass

    def elsewhere(ctx, engine, accounts, reps, item):
        sent.append(item(InputsRef("data")))
        raise Sent()

    monkeypatch.setattr(cj, "offload_whole", lambda ctx, cluster, size: "local")
    monkeypatch.setattr(cj, "_carve_elsewhere", elsewhere)
    store = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    work = cj.carve_work(sample.accounts, sample.reps, sample.plan_year, sample.as_of, CarveSettings(),
                         sample.settings, store, "eve", None, None, "FY27")
    ctx = JobContext(1, JobRecords(store.engine), threading.Event(), others_active=lambda: others_active)
    with pytest.raises(Sent):
        work(ctx)
    assert [w.threads for w in sent] == [threads]


def test_worker_niceness_from_the_environment_is_kept_in_range(monkeypatch):
    from jobs.engine import ENV_WORKER_NICE, EngineSettings

    monkeypatch.setenv(ENV_WORKER_NICE, "0")
    assert EngineSettings().worker_niceness() == 0
    monkeypatch.setenv(ENV_WORKER_NICE, "40")
    assert EngineSettings().worker_niceness() == 19
    monkeypatch.delenv(ENV_WORKER_NICE)
    assert EngineSettings(worker_nice=-5).worker_niceness() == 0


def test_a_page_following_a_job_wakes_when_it_ends_not_at_its_next_poll(tmp_path):
    """JobManager.wait_a_while (ui.jobs.follow's wait between polls) returns as the job's thread ends; for a job
    driven elsewhere it waits the whole while."""
    import time

    from jobs.manager import manager
    from planning.plans import JobRecords, PlanStore

    records = JobRecords(PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}").engine)
    release = threading.Event()
    job_id = _blocking_job(records, "dan", release)
    threading.Timer(0.2, release.set).start()
    t = time.perf_counter()
    manager().wait_a_while(job_id, 30.0)
    assert time.perf_counter() - t < 10.0  # woken by the end (0.2 s), far before the 30 s poll
    assert records.get(job_id)["status"] == "succeeded"  # the final status is written before the thread ends
    t = time.perf_counter()
    manager().wait_a_while(10**9, 0.3)  # not driven here: a plain wait
    assert time.perf_counter() - t >= 0.29


def test_prestart_is_off_when_the_environment_says_so(monkeypatch):
    from jobs import engine

    monkeypatch.setenv(engine.ENV_PRESTART, "0")
    assert engine.prestart_local() is False
    assert engine.prestart_local(engine.EngineSettings(prestart=False)) is False


@pytest.mark.xdist_group("dask_cluster")
def test_workers_start_warm_and_take_a_carve_alone_with_the_same_plan(local_cluster, sample, tmp_path, monkeypatch):
    """With the local cluster running, one user's carve (no other job) runs whole in a worker process that had
    already imported what it needs (jobs.worker_warm), and finds the same plan as in this process."""
    from jobs import engine
    from jobs.carve_job import carve_on, submit_carve
    from jobs.manager import manager
    from optimizers.carve import CarveSettings
    from planning.plans import JobRecords, PlanStore

    warmed = local_cluster.run(lambda: __import__("jobs.worker_warm", fromlist=["WARMED"]).WARMED)
    # imported, HiGHS loaded and a small carve run (no "carve_failed"): a user's first carve there pays none of it
    assert warmed and all(set(w) == {"nice", "imports_s", "highs_s", "carve_s"} for w in warmed.values()), warmed
    monkeypatch.setenv(engine.ENV_PRESTART, "1")
    assert engine.local_ready() and engine.prestart_local()  # running already: nothing more to start

    store = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    records = JobRecords(store.engine)
    cs = CarveSettings(time_limit=60)
    jid = submit_carve(store, sample.accounts, sample.reps, sample.plan_year, sample.as_of, cs, sample.settings,
                       user="cat", title="FY27 alone", dataset="sample",
                       engine_settings=engine.EngineSettings(**ONE_WORKER, warm_cluster_first=True))
    assert manager().wait(jid, 180)
    job = records.get(jid)
    assert job["status"] == "succeeded", job["error"]
    assert job["engine"] == "local Dask cluster (1 worker processes), the whole carve in one (kept off the web server)"
    res = manager().result(jid, records)
    here = carve_on(sample.accounts, sample.reps, sample.plan_year, cs, sample.settings, sample.as_of,
                    cluster="inprocess", name="FY27 alone")
    assert res.status == here.status and res.objective == pytest.approx(here.objective, rel=1e-6)
    assert len(res.moves) == len(here.moves)


@pytest.mark.xdist_group("dask_cluster")
def test_a_second_carve_on_the_same_data_sends_the_workers_only_its_settings(local_cluster, sample, tmp_path):
    """The data goes to the workers once per dataset (jobs.carve_inputs): a second carve's task carries a key and
    its settings (a few KB, not the frames' 1.7 MB), and finds the same plan as the first; other frames ship."""
    import pickle

    from jobs import carve_inputs
    from jobs.carve_job import WholeCarve, submit_carve
    from jobs.engine import EngineSettings
    from jobs.manager import manager
    from optimizers.carve import CarveSettings
    from planning.plans import JobRecords, PlanStore

    store = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    records = JobRecords(store.engine)
    cs, es = CarveSettings(time_limit=60), EngineSettings(**ONE_WORKER, warm_cluster_first=True)
    shipped, results = [], []
    for who in ("dee", "eve"):
        before = carve_inputs.SCATTERS["count"]
        jid = submit_carve(store, sample.accounts, sample.reps, sample.plan_year, sample.as_of, cs, sample.settings,
                           user=who, title="FY27 shared data", engine_settings=es)
        assert manager().wait(jid, 180)
        job = records.get(jid)
        assert job["status"] == "succeeded" and "the whole carve in one" in job["engine"], job
        shipped.append(carve_inputs.SCATTERS["count"] - before)
        results.append(manager().result(jid, records))
    assert shipped[1] == 0 and shipped[0] <= 1, shipped  # the first ships it (unless an earlier test did)
    assert results[0].objective == pytest.approx(results[1].objective, rel=1e-9)

    ref = carve_inputs.InputsRef(carve_inputs.share_inputs(local_cluster, sample.accounts, sample.reps).key)
    task = WholeCarve(ref, sample.plan_year, sample.as_of, cs, sample.settings, "FY27", "carve-progress-x")
    whole = WholeCarve((sample.accounts, sample.reps), sample.plan_year, sample.as_of, cs, sample.settings, "FY27",
                       "carve-progress-x")
    assert len(pickle.dumps(task)) < 20_000 < 1_000_000 < len(pickle.dumps(whole))
    before = carve_inputs.SCATTERS["count"]
    other = carve_inputs.share_inputs(local_cluster, sample.accounts.copy(), sample.reps)  # other frames: shipped
    assert other.key != ref.key and carve_inputs.SCATTERS["count"] == before + 1


@pytest.mark.xdist_group("dask_cluster")
def test_a_carve_whose_scattered_data_was_lost_runs_again_with_its_data_inside(local_cluster, sample, tmp_path,
                                                                               monkeypatch):
    """Scattered data dies with the workers that held it (Dask does not recompute it): the carve's task fails on
    its lost dependency, and the carve runs once more with the frames inside the task."""
    from jobs import carve_job
    from jobs.engine import EngineSettings
    from jobs.manager import manager
    from optimizers.carve import CarveSettings
    from planning.plans import JobRecords, PlanStore

    lost = []

    def scattered_then_lost(client, accounts, reps):
        [future] = client.scatter([(accounts, reps)], hash=False)
        client.cancel(future)  # what the scheduler reports once no worker holds it
        lost.append(future)
        return future

    monkeypatch.setattr(carve_job, "share_inputs", scattered_then_lost)
    tries, on_worker = [], carve_job._carve_on_worker

    def counted(ctx, engine, client, item, shared):
        tries.append(type(item.inputs).__name__)
        return on_worker(ctx, engine, client, item, shared)

    monkeypatch.setattr(carve_job, "_carve_on_worker", counted)
    store = PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    records = JobRecords(store.engine)
    jid = carve_job.submit_carve(store, sample.accounts, sample.reps, sample.plan_year, sample.as_of,
                                 CarveSettings(time_limit=60), sample.settings, user="fay", title="FY27 lost data",
                                 engine_settings=EngineSettings(**ONE_WORKER, warm_cluster_first=True))
    assert manager().wait(jid, 180)
    job = records.get(jid)
    assert lost and lost[0].status != "finished"
    assert tries == ["InputsRef", "tuple"]  # by reference, then once more with the frames inside
    assert job["status"] == "succeeded" and "the whole carve in one" in job["engine"], job
    assert manager().result(jid, records).ok
