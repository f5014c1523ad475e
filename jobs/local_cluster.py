"""``python -m jobs.local_cluster --workers N --parent PID``: a Dask LocalCluster in a process of its own.

Why a process of its own: Dask starts worker processes with multiprocessing's *spawn*, which re-runs the
parent's ``__main__`` module in each new worker.  Inside Streamlit (or AppTest) ``__main__`` is the page script
being run, so workers started from the server process would execute the Carve page.  Here ``__main__`` is this
small module, so the workers start clean, and so do the ones the nannies restart after a worker dies.
The workers (not the scheduler) run at a lower OS priority than the web server (``--worker-nice``, the setting
:attr:`jobs.engine.EngineSettings.worker_nice`), so pages stay quick while carves run.  The process runs in a session
of its own (the server starts it so), and where the kernel groups processes by session for the CPU (Linux's
autogroup, on by default for a server run from a shell) that group gets the same niceness: a niceness only ranks
threads within their group, and in the server's group the workers' two cores of carving weighed as much against
every other session on the machine as the server's page runs did (see :func:`lower_group_priority`).
The process prints ``ADDRESS tcp://…`` once the workers are up — each has already imported what a carve needs
(:mod:`jobs.worker_warm`, Dask's ``preload``) — and ends when its parent process does.
"""
from __future__ import annotations

import argparse
import os
import time

WORKER_NICE_ENV = "PLANNER_WORKER_NICE"  # what the spawned workers inherit (jobs.engine.ENV_WORKER_NICE)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lower_group_priority(nice: int, autogroup: str = "/proc/self/autogroup") -> bool:
    """Give this process's session group (Linux's autogroup) niceness ``nice`` → whether it was set.  Only in a
    session of its own: writing it from the server's session would lower the server's pages with it.  Without
    autogroups (another OS, a kernel without them, or the server in a cgroup of its own, as under systemd or in a
    container, where the workers' niceness already ranks them below the server) nothing changes.

    Why: the kernel shares the cores between session groups first, by the group's niceness, and only then between
    the threads of a group by theirs.  In the server's group, two workers carving held their share against every
    other session: the benchmark's browsers, a niced session of their own, drew the watcher's Disruption page in
    4.0 s while two demo carves ran, though the server had received the click 0.55 s after it and run the page in
    0.11 s (benchmarks/concurrent_bench.py, 2026-12-03 20:58)."""
    if nice <= 0 or os.getsid(0) != os.getpid():
        return False
    try:
        with open(autogroup, "w") as f:
            f.write(str(min(int(nice), 19)))
    except OSError:  # no autogroups here, or not permitted: the workers' own niceness still ranks them
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--threads-per-worker", type=int, default=1)
    ap.add_argument("--memory-limit", default="auto")
    ap.add_argument("--worker-nice", type=int, default=0, help="the workers' OS niceness (jobs.worker_warm)")
    ap.add_argument("--parent", type=int, required=True, help="stop when this process ends")
    a = ap.parse_args()
    # read by each worker's preload (jobs.worker_warm.lower_priority); the scheduler and the nannies, which only
    # dispatch, keep niceness 0, so within the cluster's group a task is handed out ahead of the carving
    os.environ[WORKER_NICE_ENV] = str(max(a.worker_nice, 0))
    lower_group_priority(a.worker_nice)  # the whole group below the server's: see there
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=a.workers, threads_per_worker=a.threads_per_worker, processes=True,
                           memory_limit=a.memory_limit, dashboard_address=None, silence_logs=50,
                           host="127.0.0.1", preload=["jobs.worker_warm"])
    with Client(cluster) as client:
        client.wait_for_workers(a.workers, timeout=300)
    print(f"ADDRESS {cluster.scheduler_address}", flush=True)
    try:
        while _alive(a.parent):
            time.sleep(1.0)
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
