"""``python -m jobs.local_cluster --workers N --parent PID``: a Dask LocalCluster in a process of its own.

Why a process of its own: Dask starts worker processes with multiprocessing's *spawn*, which re-runs the
parent's ``__main__`` module in each new worker.  Inside Streamlit (or AppTest) ``__main__`` is the page script
being run, so workers started from the server process would execute the Carve page.  Here ``__main__`` is this
small module, so the workers start clean, and so do the ones the nannies restart after a worker dies.
The workers (not the scheduler) run at a lower OS priority than the web server (``--worker-nice``, the setting
:attr:`jobs.engine.EngineSettings.worker_nice`), so pages stay quick while carves run.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--threads-per-worker", type=int, default=1)
    ap.add_argument("--memory-limit", default="auto")
    ap.add_argument("--worker-nice", type=int, default=0, help="the workers' OS niceness (jobs.worker_warm)")
    ap.add_argument("--parent", type=int, required=True, help="stop when this process ends")
    a = ap.parse_args()
    # read by each worker's preload (jobs.worker_warm.lower_priority); the scheduler and the nannies, which only
    # dispatch, keep the server's priority so a task is handed out at once
    os.environ[WORKER_NICE_ENV] = str(max(a.worker_nice, 0))
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
