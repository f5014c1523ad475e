"""A carve as a job: its independent parts (segment × region) run on the engine.

``carve_on(...)`` solves now (the CLI, benchmarks, sweeps); ``submit_carve(...)`` starts a job that outlives
the page and records it in the store's jobs table (the Carve page).

A carve is a *run* until someone saves it: the job keeps its record (status, headline figures, the name its
proposal would be saved under) and the full result stays with the job manager for the user's sessions, but no plan
is written to the store unless the caller asks (``save_as``, as the CLI's ``--save``) or a person presses Save.
A failed or cancelled run never saves anything, so it can never replace a saved plan.

Several users at once: a small carve that starts while another job is active in the server runs as *one task* on
a worker process of the local cluster (:func:`whole_carve_task`), prepare to assemble, so the server's thread only
waits, relays progress and cancels.  Once that cluster runs (the Carve page starts it in the background once the
server is quiet: :func:`jobs.engine.prestart_local`), a carve goes there even alone, so the first of several
users' carves does not share the server's interpreter with the pages and the carves after it; before, it runs in the server as it always
did (no waiting for worker processes).  A user's second Run while their carve runs re-attaches to it
(:func:`start_carve`) instead of starting another.
"""
from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from jobs.carve_inputs import InputsRef, share_inputs
from jobs.engine import INPROCESS, EngineSettings, client_for, describe, resolve
from jobs.manager import JobContext, RecordingRunner, manager
from jobs.runner import DaskRunner, InProcessRunner, PartFailed, make_runner
from optimizers.carve import CarveResult, CarveSettings
from optimizers.territory_carve import TerritoryCarver
from optimizers.carve.model import Cancelled
from planning.data.defaults import Settings
from planning.plans.jobs_table import JOB_ACTIVE, JobRecords
from planning.reporting.carve_words import bands_held, carve_headline

log = logging.getLogger(__name__)


def takes_runner() -> bool:
    """Whether this carve accepts a part runner (the decomposed carve's ``runner=`` hook)."""
    return "runner" in inspect.signature(TerritoryCarver.solve).parameters


def work_size(accounts: pd.DataFrame, cs: CarveSettings) -> int:
    """Candidate pairs the carve will roughly have (each account's k nearest territories plus its own)."""
    return len(accounts) * (cs.candidates + 1)


def carve_on(accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, cs: CarveSettings,
             defaults: Settings | None = None, as_of=None, cluster: str | None = None, runner=None,
             progress: Callable[[float, str], None] | None = None, should_stop: Callable[[], bool] | None = None,
             name: str | None = None, engine_settings: EngineSettings | None = None) -> CarveResult:
    """The carve with its parts on ``cluster`` (auto | local | inprocess | scheduler address), or on ``runner``."""
    kw = {}
    if takes_runner():
        if runner is None:
            engine = resolve(cluster, work_size(accounts, cs), engine_settings)
            if progress is not None:
                progress(0.0, f"parts run {describe(engine)}")
            runner = make_runner(engine, should_stop, (engine_settings or EngineSettings()).retries, "carve",
                                 engine_settings)
        kw["runner"] = runner
    return TerritoryCarver(cs, defaults).solve(accounts, reps, plan_year, as_of=as_of, progress=progress,
                                               should_stop=should_stop, name=name, **kw)


def result_summary(res: CarveResult) -> dict:
    """Headline figures of a carve for the job's result reference (JSON-safe)."""
    out = {"carve_status": res.status, "gap": res.gap, "objective": res.objective, "bound": res.bound,
           "seconds_build": res.seconds_build, "seconds_solve": res.seconds_solve}
    if res.ok:
        out.update(moves=int(len(res.moves)), arr_moved_usd=float(res.moves["arr_usd"].sum()),
                   worst_dev_after=float(res.balance["worst_dev_after"].max()),
                   total_distance_mi=res.stats.get("total_distance_mi"), territories=int(len(res.plan.territories)))
    return out


def save_result(store, res: CarveResult, name: str, author: str, data, note: str = "") -> dict:
    """Save a successful carve as a plan made on ``data`` (a Dataset or a :class:`planning.plans.MadeOn`: the
    data it was carved on), with the library's headline figures and the carve's status, gap and moves, as the
    page, the CLI and the jobs all save it; returns its reference.  Never called for a failed or cancelled
    carve."""
    from planning.plans import save_made_on

    v = save_made_on(store, res.plan, data, name=name, author=author, note=note or res.summary(),
                     extra_summary={"status": res.status, "gap": res.gap, "moves": len(res.moves)})
    return {"plan": name, "version": int(getattr(v, "version", 1))}


@dataclass
class WholeCarve:
    """A whole carve's inputs, sent to a worker process as one task (``name`` names the job's one part).
    ``inputs``: the (accounts, reps) themselves, or where they wait on the workers (:mod:`jobs.carve_inputs`: the
    data goes to the cluster once per dataset, a task carries the settings)."""

    inputs: tuple[pd.DataFrame, pd.DataFrame] | InputsRef
    plan_year: int
    as_of: object
    cs: CarveSettings
    defaults: Settings | None
    proposal: str | None
    progress_key: str
    name: str = "whole carve (one worker process)"
    # its parts' threads on the worker (None: one per core).  One when other jobs were active as it started: the
    # cores are taken anyway, and two threads of one small carve contend for the worker's interpreter (the demo carve
    # on a warm worker, 2026-12-03 05:54, load 3.1: 1.10-1.36 CPU s and 1.25-1.48 s on two threads, 0.80-1.12 CPU s
    # and 0.89-1.26 s on one), so four at once need a fifth less CPU
    threads: int | None = None


class _Relay:
    """Progress of a carve on a worker, handed to the job's driver through a Dask ``Variable`` (latest only, at
    most twice a second); both sides swallow a scheduler hiccup, progress is never worth failing a carve over."""

    def __init__(self, key: str, every_s: float = 0.5):
        self.key, self.every_s, self._last = key, every_s, 0.0

    def put(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self._last = now
            try:
                from distributed import Variable

                Variable(self.key).set([float(fraction), str(message)[:500]])
            except Exception:  # noqa: BLE001 - see the class doc
                pass

    def get(self, client) -> tuple[float, str] | None:
        now = time.monotonic()
        if now - self._last < self.every_s:
            return None
        self._last = now
        try:
            from distributed import Variable

            f, m = Variable(self.key, client=client).get(timeout=0)
            return float(f), str(m)
        except Exception:  # noqa: BLE001 - not set yet, or no answer: try again next time
            return None


def whole_carve_task(item: WholeCarve, should_stop=None, shared: dict | None = None) -> CarveResult:
    """The task body on a worker process: the carve, its parts on that process's threads (module level, so it
    pickles by reference); the data from ``shared`` (the runner's, resolved on the worker) when ``item`` carries
    an :class:`InputsRef`."""
    relay = _Relay(item.progress_key)
    accounts, reps = shared[item.inputs.key] if isinstance(item.inputs, InputsRef) else item.inputs
    # its parts on this process's threads, as in the server (HiGHS solves without the GIL): alone on the cluster a
    # carve may use both cores; with others, one (WholeCarve.threads)
    runner = InProcessRunner(should_stop, workers=item.threads) if takes_runner() else None
    res = carve_on(accounts, reps, item.plan_year, item.cs, item.defaults, item.as_of, runner=runner,
                   progress=relay.put, should_stop=should_stop, name=item.proposal)
    return with_views(res, accounts, reps, item.plan_year, item.defaults)


def with_views(res: CarveResult, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int,
               defaults: Settings | None) -> CarveResult:
    """``res`` with the tables the Carve page shows (planning.reporting.carve_views), computed here, where the carve
    ran: on a worker process they cost the web server nothing, and in any case they are computed once per job, not
    on every rerun of the page that shows it.  A failure leaves them to the page (which computes them itself)."""
    from planning.reporting import carve_views

    try:
        res.views = carve_views.compute_views(res, accounts, reps, plan_year, defaults)
    except Exception:  # noqa: BLE001 - the tables are a convenience for the page; never fail a carve over them
        log.warning("carve tables not computed with the result; the page computes them", exc_info=True)
    return res


def offload_whole(ctx: JobContext, cluster: str | None, size: int) -> str | None:
    """The engine to send the whole carve to as one task, or None to run it here: only when load, or the local
    cluster already running (``warm``), moved a carve that would run in this process alone onto a cluster (a big
    carve spreads its parts as before)."""
    engine = ctx.engine(cluster, size, warm=True)
    alone = resolve(cluster, size, ctx.engine_settings, busy=False)
    return engine if engine != INPROCESS and alone == INPROCESS else None


def _carve_on_worker(ctx: JobContext, engine: str, client, item: WholeCarve, shared: dict) -> CarveResult:
    """Run ``item`` as one task on ``engine`` (through its ``client``; ``shared``: its data already on the cluster,
    key → future); this thread relays its progress to the job's row and cancels it."""
    busy = ctx.busy()
    why = "other jobs running" if busy else "kept off the web server"
    ctx.records.update(ctx.job_id, engine=f"{describe(engine)}, the whole carve in one ({why})")
    ctx.progress(0.0, "other carves are running: this one runs in a worker process of its own" if busy
                 else "runs in a worker process of its own, so the web server stays quick", force=True)
    relay = _Relay(item.progress_key)

    def stop_or_relay() -> bool:  # DaskRunner asks this every poll while it waits
        got = relay.get(client)
        if got is not None:
            ctx.progress(*got)
        return ctx.should_stop()

    inner = DaskRunner(client, stop_or_relay, retries=ctx.engine_settings.retries, label=f"carve-{ctx.job_id}",
                       shared=shared)
    return RecordingRunner(inner, ctx).map(whole_carve_task, [item])[0]


def _carve_elsewhere(ctx: JobContext, engine: str, accounts, reps,
                     item: Callable[[object], WholeCarve]) -> CarveResult:
    """The whole carve as one task on ``engine``, its data scattered there once per dataset (``item(inputs)``
    makes the task's item).  Scattered data is not recomputed when the workers holding it die, so a task that failed
    after its data was lost runs once more with the frames inside it, as task arguments, which the scheduler keeps."""
    client = client_for(engine, ctx.engine_settings)
    data = share_inputs(client, accounts, reps)
    try:
        return _carve_on_worker(ctx, engine, client, item(InputsRef(data.key)), {data.key: data})
    except (PartFailed, Cancelled):
        if data.status == "finished" or ctx.should_stop():
            raise
    return _carve_on_worker(ctx, engine, client, item((accounts, reps)), {})


def carve_work(accounts, reps, plan_year, as_of, cs: CarveSettings, defaults: Settings | None, store, user: str,
               save_as: str | None, cluster: str | None, name: str | None = None,
               dataset_name: str = "") -> Callable[[JobContext], dict]:
    """The work function of a carve job: the proposal is named ``save_as or name`` and saved only with
    ``save_as`` (an explicit request), stamped as made on ``dataset_name``; otherwise it stays a run (see the
    module doc)."""

    def work(ctx: JobContext) -> dict:
        size = work_size(accounts, cs)
        elsewhere = offload_whole(ctx, cluster, size)
        if elsewhere is not None:
            threads = 1 if ctx.busy() else None  # see WholeCarve.threads
            res = _carve_elsewhere(ctx, elsewhere, accounts, reps, lambda inputs: WholeCarve(
                inputs, plan_year, as_of, cs, defaults, save_as or name,
                f"carve-progress-{ctx.job_id}-{time.time_ns()}", threads=threads))
        else:
            runner = ctx.runner(cluster, size, "carve") if takes_runner() else None
            res = carve_on(accounts, reps, plan_year, cs, defaults, as_of, runner=runner,
                           progress=lambda f, m: ctx.progress(f, m), should_stop=ctx.should_stop,
                           name=save_as or name, engine_settings=ctx.engine_settings)
            res = with_views(res, accounts, reps, plan_year, defaults)
        out = result_summary(res)
        out["result_object"] = res
        if res.status == "cancelled":
            out.update(status="cancelled", summary="cancelled by the user")
            return out
        if not res.ok:
            out.update(status="failed", summary=carve_headline(res.status, res.gap).text,
                       error=res.diagnosis or res.status)
            return out
        out["proposal"] = res.plan.name  # what Save offers as its name
        if save_as:
            from planning.plans.saving import MadeOn

            data = MadeOn(dataset_name, accounts, reps, plan_year, defaults)
            out.update(save_result(store, res, save_as, user, data))
        out.update(status="succeeded", summary=carve_headline(res.status, res.gap, held=bands_held(res.balance)).text)
        return out

    return work


def submit_carve(store, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of, cs: CarveSettings,
                 defaults: Settings | None = None, user: str = "", title: str = "", save_as: str | None = None,
                 cluster: str | None = None, engine_settings: EngineSettings | None = None,
                 dataset: str | None = None, dataset_name: str = "") -> int:
    """Start a carve job (returns its id).  Its proposal is a run named ``title`` (default "Carve <time>");
    with ``save_as`` it is also saved as that plan, only if it succeeds.

    ``dataset`` names the data the job ran on (the page's dataset version), so a page that re-attaches on
    other data does not show the result against the wrong accounts; ``dataset_name`` (the Dataset's name) is what
    a plan saved with ``save_as`` records it was made on."""
    cs.validate()
    name = save_as or title or f"Carve {pd.Timestamp.now():%Y-%m-%d %H:%M:%S}"
    records = JobRecords(store.engine)
    settings = {"carve": cs.to_dict(), "accounts": int(len(accounts)), "reps": int(len(reps)),
                "plan_year": int(plan_year), "cluster": cluster or "auto", "save_as": save_as,
                "proposal": name, "dataset": dataset}
    work = carve_work(accounts, reps, plan_year, as_of, cs, defaults, store, user, save_as, cluster, name,
                      dataset_name)
    return manager().submit(records, "carve", title or name, user, settings, work, engine_settings)


@dataclass(frozen=True)
class CarveStart:
    """What a press of Run carve did: started job ``job_id``, or re-attached to the user's carve still running."""

    job_id: int
    reattached: bool = False
    started_at: pd.Timestamp | None = None  # the running job's start (UTC), when re-attached

    def message(self) -> str:
        """The words the page shows for a re-attach ("" for a new job)."""
        if not self.reattached:
            return ""
        at = f" started at {self.started_at:%H:%M} UTC" if self.started_at is not None else ""
        return f"Your carve{at} is still running — showing it (job #{self.job_id}). Cancel it to start another."


def running_carve(records: JobRecords, user: str) -> dict | None:
    """The user's carve job still running (the newest), or None.  Jobs of a process that died are not running
    once :meth:`JobRecords.mark_orphans` has run (the page calls it first)."""
    active = records.list(user=user, status=JOB_ACTIVE, kind="carve", limit=1)
    return records.get(int(active["id"].iat[0])) if len(active) else None


def start_carve(store, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of, cs: CarveSettings,
                defaults: Settings | None = None, user: str = "", **kw) -> CarveStart:
    """Run carve pressed by ``user``: when their carve is still running, re-attach to it (one carve per user at a
    time: a second click, a second tab or a reload never starts a second solve); else :func:`submit_carve`."""
    job = running_carve(JobRecords(store.engine), user)
    if job is not None:
        at = next((t for t in (job.get("started_at"), job.get("created_at")) if t is not None and not pd.isna(t)),
                  None)
        return CarveStart(int(job["id"]), True, None if at is None else pd.Timestamp(at))
    return CarveStart(submit_carve(store, accounts, reps, plan_year, as_of, cs, defaults, user=user, **kw))


def record_known(store, res: CarveResult, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int,
                 user: str = "", dataset: str | None = None) -> int:
    """Record a carve whose result is already known (the same data and settings were solved before, e.g. by
    another session) as this user's job, succeeded at once, so their later sessions find it like any run.
    Nothing is solved and nothing is saved; returns the job id."""
    settings = {"carve": res.settings.to_dict() if res.settings is not None else {}, "accounts": int(len(accounts)),
                "reps": int(len(reps)), "plan_year": int(plan_year), "cluster": "cached", "save_as": None,
                "proposal": res.plan.name if res.plan is not None else None, "dataset": dataset}
    out = result_summary(res)
    out.update(status="succeeded" if res.ok else "failed", proposal=settings["proposal"], result_object=res,
               summary=carve_headline(res.status, res.gap, held=bands_held(res.balance)).text,
               error="" if res.ok else (res.diagnosis or res.status))
    return manager().submit(JobRecords(store.engine), "carve", settings["proposal"] or "Carve", user, settings,
                            lambda ctx: dict(out))
