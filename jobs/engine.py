"""Where job tasks run: a Dask cluster (a local one started on demand, or a remote scheduler), or this process.

Choosing the engine (``cluster`` argument, the CLI's ``--cluster``, else the environment):

* ``"inprocess"`` — no engine: parts run one after another in this process (works without Dask installed).
* ``"local"`` — a Dask ``LocalCluster`` of worker *processes* on this machine, started on first use and shared
  by every job in this process (the Streamlit server keeps it for its lifetime, so jobs outlive the page).
* ``"tcp://host:8786"`` (any address) — a remote Dask scheduler; its workers need this code importable
  (the same checkout or ``pip install`` of it) and the same requirements.
* ``"auto"`` (the default) — ``DASK_SCHEDULER_ADDRESS`` (Dask's own variable) when set, else
  ``PLANNER_CLUSTER`` when set, else ``local`` for work big enough to gain from it and ``inprocess`` below
  that (see :class:`EngineSettings.min_pairs_local`): on a small carve, starting worker processes (~3 s on
  this machine) costs more than the parallel parts save.  *Under load* (another job already active in this
  process, :attr:`EngineSettings.concurrent_jobs_to_cluster`) ``auto`` picks ``local`` whatever the size: jobs
  that share the server's threads contend for one interpreter (three demo carves at once took 5× one alone), while
  worker processes each have their own.  *Warm* (``warm=True``, asked by a small carve only: see
  :func:`jobs.carve_job.offload_whole`): with :attr:`EngineSettings.warm_cluster_first` on, once the local cluster
  is running ``auto`` sends that carve there even when it is the only job, so the server's interpreter stays free
  for pages and the carves that follow find the first already off it.  On by default (see the setting for the
  figures): a lone demo carve's job takes as long on a warm worker as on the server's threads, and its page shows
  the finish sooner.  Before the cluster runs, a single carve runs here either way: nobody waits for worker
  processes to start.

The Carve page asks for the local cluster on its first open (:func:`prestart_local`); it starts in the background
once the web server has been quiet for a second (ui.server_quiet), so it is warm (imports preloaded in each worker:
:mod:`jobs.worker_warm`) by the time several people press Run carve, without taking the cores from the next pages'
opens.
``PLANNER_PRESTART_CLUSTER=0`` turns that off (the test suite does: each test process would start worker
processes of its own).
"""
from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

INPROCESS, LOCAL, AUTO = "inprocess", "local", "auto"
ENV_CLUSTER = "PLANNER_CLUSTER"
ENV_DASK_ADDRESS = "DASK_SCHEDULER_ADDRESS"
ENV_PRESTART = "PLANNER_PRESTART_CLUSTER"
ENV_WORKER_NICE = "PLANNER_WORKER_NICE"
ENV_WARM_FIRST = "PLANNER_WARM_CLUSTER_FIRST"


@dataclass(frozen=True)
class EngineSettings:
    """How jobs are run.  Environment: PLANNER_CLUSTER, PLANNER_WORKERS, DASK_SCHEDULER_ADDRESS, PLANNER_WORKER_NICE,
    PLANNER_WARM_CLUSTER_FIRST."""

    cluster: str = AUTO  # auto | local | inprocess | scheduler address (tcp://host:8786)
    workers: int = 0  # local cluster: worker processes (0 = PLANNER_WORKERS, else the machine's CPU count)
    threads_per_worker: int = 1  # HiGHS is single-threaded here: one part per process at a time
    memory_limit: str = "auto"  # per local worker; "auto" = machine memory ÷ workers
    retries: int = 2  # a part whose task raised is retried this often (a lost worker is retried by Dask anyway)
    min_pairs_local: int = 150_000  # auto: total candidate pairs from which a local cluster pays for its start
    # auto, while another job is active in this process: the new job's work goes to the local cluster's worker
    # processes (a small carve as one task: see jobs.carve_job), so the server's threads only coordinate
    concurrent_jobs_to_cluster: bool = True
    # auto, a small carve alone: to a worker process too once the local cluster runs (see the module doc).  On:
    # the demo carve alone took 0.76-0.82 s of job on a warm worker against 0.83-1.02 s on the server's threads, and
    # click -> the page saw it done 0.8-0.9 s against 1.0-1.2 s, click -> the browser showed it 0.8-0.9 s against
    # 1.5-2.0 s (concurrent_bench, three paired runs 2026-12-03 05:34-06:07, load 2.8-5.7: indicative only); with 4
    # at once neither was consistently ahead (worst 4.2-6.5 s against 5.0-7.8 s), and the server's interpreter
    # stays free for pages.  Off was chosen on 2026-12-02 20:14 (0.65 s here against 0.78-0.93 s as a worker task),
    # before the worker's task ran at a lower priority and on one thread under load.  Env PLANNER_WARM_CLUSTER_FIRST
    # (1/0) overrides it
    warm_cluster_first: bool = True
    # the Carve page starts the local cluster in the background after its first open, once the server is quiet (env
    # PLANNER_PRESTART_CLUSTER=0: not); only where auto would use it (no PLANNER_CLUSTER=inprocess, no remote
    # scheduler, Dask installed)
    prestart: bool = True
    # the local cluster's worker processes run at this OS niceness (0: as the web server), so a page open or a
    # finished job's relay in the server gets a core at once while carves fill the rest: at equal priority, two
    # workers carving and the server shared the two cores three ways, and the watcher's page open while 4 demo carves
    # ran took 2.8-4.2 s (target <= 2 s; 2026-12-03 02:31 and 05:18).  Work on the workers loses nothing when the
    # server is idle (niceness only orders who runs first).  Env PLANNER_WORKER_NICE overrides it.
    worker_nice: int = 10

    def warm_first(self) -> bool:
        """:attr:`warm_cluster_first`, or env PLANNER_WARM_CLUSTER_FIRST (1/0) when set (benchmarks compare both)."""
        env = os.environ.get(ENV_WARM_FIRST, "").strip().lower()
        return env in ("1", "true", "yes", "on") if env else self.warm_cluster_first

    def worker_niceness(self) -> int:
        """The workers' niceness: PLANNER_WORKER_NICE when set (0-19), else :attr:`worker_nice`."""
        env = os.environ.get(ENV_WORKER_NICE, "").strip()
        return min(max(int(env), 0), 19) if env.isdigit() else min(max(self.worker_nice, 0), 19)

    def worker_count(self) -> int:
        if self.workers > 0:
            return self.workers
        env = os.environ.get("PLANNER_WORKERS", "").strip()
        if env.isdigit() and int(env) > 0:
            return int(env)
        return max(1, os.cpu_count() or 1)


def dask_available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def resolve(cluster: str | None, size: int | None = None, settings: EngineSettings | None = None,
            busy: bool = False, warm: bool = False) -> str:
    """The engine a job of ``size`` candidate pairs runs on: ``inprocess``, ``local`` or a scheduler address.
    ``busy``: another job is active in this process (see :attr:`EngineSettings.concurrent_jobs_to_cluster`);
    ``warm``: the local cluster is already running and the job may go there alone (see
    :attr:`EngineSettings.warm_cluster_first`)."""
    es = settings or EngineSettings()
    choice = (cluster or es.cluster or AUTO).strip()
    if choice == AUTO:
        choice = (os.environ.get(ENV_DASK_ADDRESS, "").strip() or os.environ.get(ENV_CLUSTER, "").strip()
                  or AUTO)
    if choice == AUTO:
        big = size is not None and size >= es.min_pairs_local
        offload = (busy and es.concurrent_jobs_to_cluster) or (warm and es.warm_first())
        choice = LOCAL if big or offload else INPROCESS
    if choice != INPROCESS and not dask_available():
        if choice == LOCAL and (cluster or AUTO) == AUTO:
            return INPROCESS  # no engine installed: the default quietly runs here
        raise RuntimeError(f"cluster {choice!r} needs Dask: pip install 'distributed' (see requirements.txt)")
    return choice


_lock = threading.Lock()
_local: dict = {}  # "proc" (python -m jobs.local_cluster), "client", "workers"
_remote: dict = {}  # address → Client


def client_for(engine: str, settings: EngineSettings | None = None):
    """A connected ``distributed.Client`` for ``local`` or a scheduler address (process-wide, made once)."""
    es = settings or EngineSettings()
    if engine == INPROCESS:
        raise ValueError("the in-process engine has no client")
    from distributed import Client

    with _lock:
        if engine == LOCAL:
            client = _local.get("client")
            if client is not None and client.status == "running":
                return client
            n = es.worker_count()
            address, proc = _start_local(n, es)
            client = Client(address, set_as_default=False, timeout="30s")
            _local.update(proc=proc, client=client, workers=n)
            return client
        client = _remote.get(engine)
        if client is None or client.status != "running":
            try:
                client = Client(engine, set_as_default=False, timeout="15s")
            except OSError as exc:
                raise RuntimeError(f"cannot reach the Dask scheduler at {engine}: {exc}") from exc
            _remote[engine] = client
        return client


def local_ready() -> bool:
    """The local cluster is running (started and connected); never waits for it."""
    client = _local.get("client")
    return client is not None and client.status == "running"


_prestart = threading.Event()  # set once a background start was asked for in this process


def prestart_local(settings: EngineSettings | None = None, wait: Callable[[], None] | None = None) -> bool:
    """Start the local cluster in a background thread, once per process, when ``auto`` would use it under load
    (see the module doc) → whether it was asked for now or before.  Returns at once (even Dask is imported in the
    thread, not on the page's time); a failed start is left to the first job that needs the cluster, which
    reports it.  ``wait``: called in that thread first, to hold the start until it suits the caller (the web server
    passes its idle rule, ui.server_quiet: the start's processes would take the cores from page opens); no start
    once it returns if the cluster is running by then (a job started it) or :func:`shutdown` came meanwhile."""
    es = settings or EngineSettings()
    if not es.prestart or os.environ.get(ENV_PRESTART, "").strip().lower() in ("0", "false", "no", "off"):
        return False
    if local_ready() or _prestart.is_set():
        return True
    _prestart.set()

    def start() -> None:
        try:
            if wait is not None:
                wait()
            if not _prestart.is_set() or local_ready():
                return
            if resolve(None, 0, es, busy=True) == LOCAL:  # not in-process by choice, remote, or without Dask
                client_for(LOCAL, es)
        except Exception:  # noqa: BLE001 - see the docstring: the job that needs the cluster says why it failed
            _prestart.clear()

    threading.Thread(target=start, name="local-cluster-prestart", daemon=True).start()
    return True


def _start_local(n: int, es: EngineSettings):
    """Start ``python -m jobs.local_cluster`` (see there why a process of its own) → (scheduler address, process)."""
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.Popen([sys.executable, "-m", "jobs.local_cluster", "--workers", str(n), "--threads-per-worker",
                             str(es.threads_per_worker), "--memory-limit", str(es.memory_limit),
                             "--worker-nice", str(es.worker_niceness()), "--parent", str(os.getpid())],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:  # blocks until the workers are up (or the process ends)
        if line.startswith("ADDRESS "):
            return line.split(" ", 1)[1].strip(), proc
    proc.wait()
    raise RuntimeError(f"the local Dask cluster did not start (exit status {proc.returncode})")


def describe(engine: str) -> str:
    """A short, human description of an engine for progress messages and the jobs table."""
    if engine == INPROCESS:
        return "in this process"
    if engine == LOCAL:
        n = _local.get("workers") or EngineSettings().worker_count()
        return f"local Dask cluster ({n} worker processes)"
    return f"Dask cluster at {engine}"


def shutdown() -> None:
    """Close the local cluster and remote connections (tests; at interpreter exit)."""
    with _lock:
        for c in list(_remote.values()):
            c.close()
        _remote.clear()
        client, proc = _local.pop("client", None), _local.pop("proc", None)
        _local.clear()
        if client is not None:
            client.close()
        _prestart.clear()
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except Exception:  # noqa: BLE001 - it ends with its parent anyway
                proc.kill()


atexit.register(shutdown)
