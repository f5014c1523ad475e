"""Demo carves sent whole to the local cluster's worker processes, without browsers: one alone, then N at once.

Run: `flock /tmp/heavy.lock python benchmarks/worker_carve_bench.py` (`--workers 2 --at-once 4 --repeats 3`).
The path a carve takes when other jobs are active in the web server (jobs.carve_job: the data scattered to the
workers once per dataset, jobs.carve_inputs; each task carries its settings), timed from submit until its result is
back in this process.  concurrent_bench.py measures the same with the users' pages around it; this one separates the
workers' capacity from the server's page work and the browsers.  Each carve has its own potential band, so none is a
repeat.  Printed: each repeat's lone carve in this process (as the web server runs a carve alone), the same carve
alone on a worker, and when each of the N finished (the last is the worst user's wait).  The workers run at the
jobs layer's niceness (EngineSettings.worker_nice), as deployed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def carve_settings(n: int) -> list:
    """``n`` demo settings, each with its own potential band (hundredths of a percent apart)."""
    from optimizers.carve import CarveSettings

    base = CarveSettings().tolerance
    return [CarveSettings(time_limit=60, tolerance={**base, "potential_usd": 0.10 + 0.0001 * (i + 1)})
            for i in range(n)]


def _process_cpu_s() -> float:
    """CPU seconds (user + system) of the process it runs in (sent to each worker: ``client.run``)."""
    t = os.times()
    return t.user + t.system


def workers_cpu_s(client) -> float:
    """CPU seconds used so far by all the cluster's worker processes together."""
    return sum(client.run(_process_cpu_s).values())


def run_at_once(client, ds, n: int) -> list[float]:
    """``n`` whole carves submitted together → the seconds at which each came back, in finishing order."""
    from jobs.carve_inputs import InputsRef, share_inputs
    from jobs.carve_job import WholeCarve, whole_carve_task
    from jobs.runner import DaskRunner

    t0 = time.perf_counter()
    data = share_inputs(client, ds.accounts, ds.reps)
    items = [WholeCarve(InputsRef(data.key), ds.plan_year, ds.as_of, cs, ds.settings, f"bench {i}", f"bench-{i}")
             for i, cs in enumerate(carve_settings(n))]
    ends: list[float] = []
    DaskRunner(client, shared={data.key: data}).map(whole_carve_task, items,
                                                     on_done=lambda i, _: ends.append(time.perf_counter() - t0))
    return ends


def in_server(ds) -> float:
    """One demo carve in this process, its parts on this process's threads, as the web server runs a lone carve →
    seconds (the reference a worker task is weighed against: jobs.engine.EngineSettings.warm_cluster_first)."""
    from jobs.carve_job import carve_on
    from jobs.runner import InProcessRunner

    cs = carve_settings(1)[0]
    t0 = time.perf_counter()
    carve_on(ds.accounts, ds.reps, ds.plan_year, cs, ds.settings, ds.as_of, runner=InProcessRunner(None))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=0, help="worker processes (default: the jobs layer's, one a core)")
    ap.add_argument("--at-once", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from jobs import engine
    from planning.data.dataset import load_sample

    ds = load_sample()
    es = engine.EngineSettings(workers=args.workers)
    load0 = os.getloadavg()[0]
    client = engine.client_for(engine.LOCAL, es)
    print(f"{os.cpu_count()} cores, {es.worker_count()} worker processes, load average {load0:.1f} at the start")
    print(f"{'repeat':>6} {'in server (s)':>13} {'alone (s)':>10}  {args.at_once} at once: each back at (s)   "
          f"worst / alone   workers' CPU s: alone, {args.at_once} at once (of their cores' time)")
    try:
        for r in range(args.repeats):
            here = in_server(ds)
            cpu0 = workers_cpu_s(client)
            alone = run_at_once(client, ds, 1)[0]
            cpu1 = workers_cpu_s(client)
            ends = run_at_once(client, ds, args.at_once)
            cpu2 = workers_cpu_s(client)
            busy = (cpu2 - cpu1) / (ends[-1] * es.worker_count())
            print(f"{r + 1:>6} {here:>13.2f} {alone:>10.2f}  {', '.join(f'{e:.2f}' for e in ends):<30} "
                  f"{ends[-1] / alone:.2f}x   {cpu1 - cpu0:>5.2f} {cpu2 - cpu1:>6.2f} ({busy:.0%})")
    finally:
        engine.shutdown()
    print(f"load average {os.getloadavg()[0]:.1f} at the end (the first repeat's lone carve is the cluster's first)")


if __name__ == "__main__":
    main()
