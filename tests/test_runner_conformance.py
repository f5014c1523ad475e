"""Every runner follows the one runner protocol (optimizers.carve.runners), like sklearn's check_estimator: the
same small carve on the sequential, thread, job-recorded and Dask runners gives the same plan with every account
assigned once; cancel() stops a map early; the job recorder keeps the inner runner's abilities, so a carve started
from the page widens its parts in-thread like the CLI's."""
from __future__ import annotations

import functools
import threading
import time

import pytest

from optimizers.carve import CarveSettings
from optimizers.territory_carve import carve
from optimizers.instances.companies import make_instance
from optimizers.carve.model import Cancelled
from optimizers.carve.parallel import ThreadRunner
from optimizers.carve.runners import FunctionRunner, Runner, SequentialRunner, as_runner
from tests.dask_cluster import dask_client, slow_item, three_part_instance  # noqa: F401 - dask_client: a fixture

pytestmark = pytest.mark.xdist_group("dask_cluster")  # one pytest worker owns the cluster


def _recorded(inner, tmp_path):
    """``inner`` wrapped by the jobs layer's recorder, writing to a job row of a fresh store."""
    from jobs.manager import JobContext, RecordingRunner
    from planning.plans.jobs_table import JobRecords
    from planning.plans.store import PlanStore

    rec = JobRecords(PlanStore(f"sqlite:///{tmp_path / 'plans.sqlite'}").engine)
    job = rec.create("carve", "conformance", "ana", {})
    return RecordingRunner(inner, JobContext(job, rec, threading.Event())), rec, job


@pytest.fixture(scope="module")
def instance():
    return three_part_instance()


@pytest.fixture(scope="module")
def reference(instance):
    acc, reps, cs = instance
    res = carve(acc, reps, 2027, cs, as_of="2026-11-01", runner=SequentialRunner())
    assert res.ok and res.stats["parts"] == 3
    return res


def _runner(kind: str, tmp_path, dask_client=None):
    from jobs.runner import DaskRunner, InProcessRunner

    if kind == "sequential":
        return SequentialRunner()
    if kind == "threads":
        return ThreadRunner(2)
    if kind == "recorded":
        return _recorded(InProcessRunner(workers=2), tmp_path)[0]
    if kind == "dask":
        return DaskRunner(dask_client, label="conformance")
    if kind == "recorded-dask":
        return _recorded(DaskRunner(dask_client, label="conformance-rec"), tmp_path)[0]
    raise ValueError(kind)


KINDS = ["sequential", "threads", "recorded", "dask", "recorded-dask"]
IN_PROCESS = {"sequential": True, "threads": True, "recorded": True, "dask": False, "recorded-dask": False}


def _needs_dask(kind, request):
    return request.getfixturevalue("dask_client") if "dask" in kind else None


@pytest.mark.parametrize("kind", KINDS)
def test_every_runner_has_the_protocol(kind, tmp_path, request):
    r = _runner(kind, tmp_path, _needs_dask(kind, request))
    assert isinstance(r, Runner) and as_runner(r) is r
    assert isinstance(r.workers, int) and r.workers >= 1
    assert r.in_process is IN_PROCESS[kind]
    assert r.map(abs, [3, -1, 0, -7]) == [3, 1, 0, 7]
    assert r.map(abs, []) == []
    seen = []
    assert r.map(abs, [-2, 5], lambda i, x: seen.append((i, x))) == [2, 5] and sorted(seen) == [(0, 2), (1, 5)]
    assert r(abs, [-4]) == [4]  # the older call form


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_carve_gives_the_same_plan_on_every_runner(kind, instance, reference, tmp_path, request):
    acc, reps, cs = instance
    r = _runner(kind, tmp_path, _needs_dask(kind, request))
    finished = []
    res = carve(acc, reps, 2027, cs, as_of="2026-11-01", runner=r,
                progress=lambda f, m: finished.append(m) if m.endswith(("optimal", "feasible")) else None)
    assert res.ok and res.status == reference.status
    a = res.plan.assignment
    assert a.index.is_unique and set(a.index) == set(acc["account_id"].astype(str)) and a.notna().all()
    assert (a.sort_index() == reference.plan.assignment.sort_index()).all()
    assert res.objective == pytest.approx(reference.objective, rel=1e-9)
    assert res.bound == pytest.approx(reference.bound, rel=1e-9)
    assert len(finished) == 3  # on_done reached the carve once per part, whatever the runner


def test_the_recorder_writes_each_part_to_the_job(instance, reference, tmp_path):
    from jobs.runner import InProcessRunner

    acc, reps, cs = instance
    r, rec, job = _recorded(InProcessRunner(workers=2), tmp_path)
    carve(acc, reps, 2027, cs, as_of="2026-11-01", runner=r)
    row = rec.get(job)
    assert row["parts_done"] == row["parts_total"] == 3
    assert sorted(p["name"] for p in row["parts"]) == ["Enterprise", "Mid-market", "SMB"]


@pytest.mark.parametrize("kind", KINDS)
def test_cancel_stops_a_map_early(kind, tmp_path, request):
    r = _runner(kind, tmp_path, _needs_dask(kind, request))
    done = []
    (started := tmp_path / "started").mkdir()
    slow = functools.partial(slow_item, started_dir=str(started))

    def on_done(i, x):
        done.append(i)
        r.cancel()
    with pytest.raises(Cancelled):
        r.map(slow, list(range(40)), on_done)
    time.sleep(0.5)  # a queued item that was going to start would have by now
    # the first finished item cancels the rest: the ones running stop, the queued ones never start
    n_started = len(list(started.iterdir()))
    assert 1 <= len(done) <= 4 and n_started <= 20, (done, n_started)  # of 40: Dask may have dispatched more
    with pytest.raises(Cancelled):  # a cancelled runner stays cancelled
        r.map(slow, [1])


def test_cancel_from_another_thread_stops_the_running_items():
    r = ThreadRunner(2, poll_s=0.02)
    started = []

    def forever(x, should_stop=None):
        started.append(x)
        while not should_stop():
            time.sleep(0.01)
        raise Cancelled()
    threading.Timer(0.2, r.cancel).start()
    with pytest.raises(Cancelled):
        r.map(forever, list(range(10)))
    assert len(started) <= 3


def test_a_bare_function_is_adapted():
    calls = []

    def runner(fn, items, on_done):
        calls.append(len(items))
        out = [fn(x) for x in items]
        for i, x in enumerate(out):
            on_done(i, x)
        return out
    runner.workers = 3
    r = as_runner(runner)
    assert isinstance(r, FunctionRunner) and r.workers == 3 and r.in_process is False
    assert r.map(abs, [-1, -2]) == [1, 2] and calls == [2]
    r2 = as_runner(runner)
    with pytest.raises(Cancelled):
        r2.map(abs, [1, 2, 3], lambda i, x: r2.cancel())


def test_a_page_carve_widens_through_its_runner_like_the_cli(tmp_path):
    """The one widening: a part whose LP is infeasible over one candidate per unit is solved again through the
    runner the carve was given, the job recorder's (the page) as the bare in-process runner (the CLI): every
    part, first solve and widened, is a task of that runner, and both give the same plan."""
    from jobs.runner import InProcessRunner

    mapped = []

    class Spy(InProcessRunner):
        def map(self, fn, items, on_done=None):
            mapped.append([q.name for q in items])
            return super().map(fn, items, on_done)

    acc, reps = make_instance(1500, 12, seed=5)
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.05, "accounts": 0.05},
                       candidates=1, reverse_candidates=0.0, time_limit=60)
    recorded, rec, job = _recorded(Spy(workers=2), tmp_path)
    page = carve(acc, reps, 2027, cs, as_of="2026-11-01", runner=recorded)
    on_page, mapped[:] = list(mapped), []
    # the job's record lists the first solve and then the widened solves, not only the last map's parts
    row = rec.get(job)
    assert row["parts_done"] == row["parts_total"] == sum(len(names) for names in on_page) >= 2
    cli = carve(acc, reps, 2027, cs, as_of="2026-11-01", runner=Spy(workers=2))
    for maps in (on_page, mapped):  # the first solve, then the widened parts (named with their k), as tasks
        assert len(maps) >= 2 and not any(" · k=" in n for n in maps[0])
        assert all(" · k=" in n for names in maps[1:] for n in names)
    assert page.ok and cli.ok and page.stats["parts_widened"] >= 1 and page.stats["candidates_k"] >= 2
    assert (page.plan.assignment.sort_index() == cli.plan.assignment.sort_index()).all()
    assert page.objective == pytest.approx(cli.objective, rel=1e-9)


@pytest.fixture(scope="module")
def widened_reference():
    acc, reps = make_instance(1500, 12, seed=5)
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.05, "accounts": 0.05},
                       candidates=1, reverse_candidates=0.0, time_limit=120)
    return acc, reps, cs, carve(acc, reps, 2027, cs, as_of="2026-11-01", runner=SequentialRunner())


@pytest.mark.parametrize("kind", ["threads", "dask"])
def test_hard_parts_widen_on_every_runner_to_the_same_plan(kind, widened_reference, tmp_path, request):
    """Hard mode, one candidate per unit (then two, by the precheck): the part's LP is infeasible and widens; on Dask the widened solves run on
    the workers too (the driver only builds the wider lists), and the plan is the sequential runner's."""
    acc, reps, cs, ref = widened_reference
    res = carve(acc, reps, 2027, cs, as_of="2026-11-01", runner=_runner(kind, tmp_path, _needs_dask(kind, request)))
    assert ref.ok and res.ok and res.stats["parts_widened"] == ref.stats["parts_widened"] >= 1
    assert (res.plan.assignment.sort_index() == ref.plan.assignment.sort_index()).all()
    assert res.objective == pytest.approx(ref.objective, rel=1e-9) and res.bound == pytest.approx(ref.bound, rel=1e-9)
