"""Scale-out benchmark: a 500,000-account × 2,500-rep company carved in this process and on a local Dask cluster.

    python benchmarks/scale_bench.py                         # 500,000 × 2,500, in-process then 2 workers
    python benchmarks/scale_bench.py --accounts 100000 --reps 500 --modes local --workers 2
    python benchmarks/scale_bench.py --write                 # also writes benchmarks/results_scale.md

The company: accounts around 40 US metros in three segments; eight regions (longitude bands of equal account
count), and accounts stay in their region, so the carve falls apart into segment × region = 24 independent parts.
Each mode runs in its own subprocess so its peak memory (max RSS of the driver, and of each worker) is its own.
From the measured per-part solve times the script projects the wall time on N workers: the parts are dealt
largest first to the least-loaded worker (LPT); the critical path is the largest part, so no number of workers
gets below build + largest part + assembly.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEGMENTS = ("Enterprise", "Mid-market", "SMB")


def make_company(n_accounts: int, n_reps: int, regions: int = 8, seed: int = 11):
    """(accounts, reps): :func:`make_instance` with ``regions`` longitude bands of equal account count."""
    import numpy as np

    from optimizers.carve.instances import make_instance

    acc, reps = make_instance(n_accounts, n_reps, seed=seed, segments=SEGMENTS)
    edges = np.quantile(acc["lon"], np.linspace(0, 1, regions + 1)[1:-1])
    names = np.array([f"R{i + 1}" for i in range(regions)])
    acc["region"] = names[np.searchsorted(edges, acc["lon"].to_numpy())]
    reps["region"] = names[np.searchsorted(edges, reps["lon"].to_numpy())]
    return acc, reps


def company(n_accounts: int, n_reps: int, regions_subset: list[str] | None = None, cache: Path | None = None):
    """The company, read from ``cache`` when it holds this size (generating 500,000 accounts takes minutes and
    ~4.5 GB), optionally cut to some regions: parts are segment × region, so a region's parts are exactly the
    parts of the whole company, and measuring them measures those parts at full scale."""
    import pandas as pd

    acc = reps = None
    if cache is not None:
        fa, fr = cache / f"accounts_{n_accounts}_{n_reps}.pkl", cache / f"reps_{n_accounts}_{n_reps}.pkl"
        if fa.exists() and fr.exists():
            acc, reps = pd.read_pickle(fa), pd.read_pickle(fr)
    if acc is None:
        acc, reps = make_company(n_accounts, n_reps)
        if cache is not None:
            cache.mkdir(parents=True, exist_ok=True)
            acc.to_pickle(fa)
            reps.to_pickle(fr)
    if regions_subset:
        acc = acc.loc[acc["region"].isin(regions_subset)].reset_index(drop=True)
        reps = reps.loc[reps["region"].isin(regions_subset)].reset_index(drop=True)
    return acc, reps


def settings(time_limit: float):
    from optimizers.carve import CarveSettings

    # potential and account count ±10% (the CLI's default bands), accounts kept in their region
    return CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.10, "accounts": 0.10},
                         match_region=True, time_limit=time_limit)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _worker_peak_mb() -> float:
    import resource as r

    return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024


def run_one(n_accounts: int, n_reps: int, mode: str, workers: int, time_limit: float,
            parts_log: Path | None = None, regions_subset: list[str] | None = None, cache: Path | None = None) -> dict:
    """One carve in this process; returns a JSON-able row with per-part times (also appended to ``parts_log``
    as each part finishes, so a run stopped early still leaves its measured parts)."""
    from jobs.carve_job import carve_on
    from jobs.engine import EngineSettings, client_for
    from jobs.runner import DaskRunner, InProcessRunner

    t0 = time.perf_counter()
    acc, reps = company(n_accounts, n_reps, regions_subset, cache)
    seconds_generate = time.perf_counter() - t0
    log = parts_log.open("a") if parts_log else None

    def note(**kw):
        if log is not None:
            log.write(json.dumps({"mode": mode, "t": time.perf_counter() - t0, "rss_mb": peak_rss_mb(), **kw}) + "\n")
            log.flush()

    note(event="generated", seconds=seconds_generate, accounts=n_accounts, reps=n_reps,
         subset=regions_subset or None, subset_accounts=len(acc), subset_reps=len(reps))
    parts: list[dict] = []
    seconds_cluster = 0.0
    client = None
    if mode == "inprocess":
        inner = InProcessRunner()
    else:
        t1 = time.perf_counter()
        client = client_for("local", EngineSettings(workers=workers))
        client.wait_for_workers(workers, timeout=120)
        seconds_cluster = time.perf_counter() - t1
        inner = DaskRunner(client, label="scale")

    def runner(fn, items, on_done):
        def done(i, r):
            parts.append({"name": items[i].name, "status": r.status, "seconds": r.seconds,
                          "pairs": int(len(items[i].problem.cand.unit))})
            note(event="part", **parts[-1], gap=(r.objective - r.bound) / r.objective if r.objective else 0.0)
            on_done(i, r)
        note(event="parts submitted", parts=len(items), names=[it.name for it in items],
             pairs=[int(len(it.problem.cand.unit)) for it in items])
        return inner(fn, items, done)

    t2 = time.perf_counter()
    res = carve_on(acc, reps, 2027, settings(time_limit), as_of="2026-11-01", runner=runner)
    wall = time.perf_counter() - t2
    row = {"accounts": len(acc), "reps": len(reps), "of_company": f"{n_accounts:,}×{n_reps:,}",
           "regions": regions_subset or "all", "mode": mode, "workers": workers if client else 1,
           "status": res.status, "gap": res.gap, "objective": res.objective, "bound": res.bound,
           "seconds_generate": seconds_generate, "seconds_cluster_start": seconds_cluster,
           "seconds_carve": wall, "seconds_build": res.seconds_build, "seconds_solve": res.seconds_solve,
           "parts": parts, "pairs": res.stats.get("pairs"), "moves": int(len(res.moves)) if res.ok else None,
           "peak_rss_mb_driver": peak_rss_mb()}
    if client is not None:
        row["peak_rss_mb_workers"] = sorted(client.run(_worker_peak_mb).values())
    note(event="done", **{k: v for k, v in row.items() if k != "parts"})
    return row


def lpt_makespan(times: list[float], n: int) -> float:
    """Wall time of ``times`` on ``n`` workers, largest first to the least-loaded worker."""
    load = [0.0] * n
    for t in sorted(times, reverse=True):
        load[load.index(min(load))] += t
    return max(load) if load else 0.0


def projection(row: dict, ns=(1, 2, 4, 8, 16, 24, 48)) -> list[dict]:
    """Projected carve wall time on N workers from the measured parts (driver work stays serial)."""
    times = [p["seconds"] for p in row["parts"]]
    serial = max(row["seconds_carve"] - sum(times), 0.0)  # build, decomposition, assembly, reasons
    out = []
    for n in ns:
        out.append({"workers": n, "parts_s": lpt_makespan(times, n), "driver_s": serial,
                    "total_s": serial + lpt_makespan(times, n)})
    return out


def table(rows: list[dict]) -> str:
    lines = ["| size | mode | status | gap | parts | largest part s | sum of parts s | carve s | cluster start s | "
             "peak RSS driver MB | peak RSS per worker MB |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        ts = [p["seconds"] for p in r["parts"]]
        lines.append(
            f"| {r['accounts']:,}×{r['reps']:,}{_subset(r)} | {r['mode']} ({r['workers']} worker{'s' if r['workers'] > 1 else ''}) "
            f"| {r['status']} | {r['gap']:.2%} | {len(ts)} | {max(ts, default=0):,.1f} | {sum(ts):,.1f} "
            f"| {r['seconds_carve']:,.1f} | {r['seconds_cluster_start']:,.1f} | {r['peak_rss_mb_driver']:,.0f} "
            f"| {', '.join(f'{m:,.0f}' for m in r.get('peak_rss_mb_workers', [])) or '–'} |")
    return "\n".join(lines)


def _subset(r: dict) -> str:
    return "" if r.get("regions", "all") == "all" else f" (region {', '.join(r['regions'])} of {r['of_company']})"


def projection_table(row: dict) -> str:
    lines = ["| workers | parts (LPT) s | driver (serial) s | projected carve s |", "|---:|---:|---:|---:|"]
    for p in projection(row):
        lines.append(f"| {p['workers']} | {p['parts_s']:,.1f} | {p['driver_s']:,.1f} | {p['total_s']:,.1f} |")
    return "\n".join(lines)


def from_log(path: Path) -> str:
    """A report from a parts log, also for a run stopped before the end: the parts it measured, and for the rest an
    estimate at the measured seconds per candidate pair (said as such)."""
    events = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    out = []
    for mode in dict.fromkeys(e["mode"] for e in events):
        ev = [e for e in events if e["mode"] == mode]
        gen = next(e for e in ev if e["event"] == "generated")
        sub = next((e for e in ev if e["event"] == "parts submitted"), None)
        parts = [e for e in ev if e["event"] == "part"]
        done = next((e for e in ev if e["event"] == "done"), None)
        size = f"{gen['accounts']:,}×{gen['reps']:,}"
        if gen.get("subset"):
            size = f"{gen['subset_accounts']:,}×{gen['subset_reps']:,} (region {', '.join(gen['subset'])} of {size})"
        if sub is None:
            out.append(f"{size} {mode}: stopped while building the model ({ev[-1]['t'] - gen['t']:,.0f} s after "
                       f"generating; peak RSS {ev[-1]['rss_mb']:,.0f} MB)")
            continue
        build = sub["t"] - gen["t"]
        measured = {p["name"]: p for p in parts}
        rate = sum(p["seconds"] for p in parts) / max(sum(p["pairs"] for p in parts), 1)
        times, est = [], 0
        for name, pairs in zip(sub["names"], sub["pairs"]):
            if name in measured:
                times.append(measured[name]["seconds"])
            else:
                times.append(rate * pairs)
                est += 1
        lines = [f"**{size}, {mode}**: generated in {gen['seconds']:,.0f} s; model built in {build:,.0f} s "
                 f"({sum(sub['pairs']):,} candidate pairs, {sub['parts']} parts); {len(parts)} of {sub['parts']} parts "
                 f"solved" + (f" (status {', '.join(sorted({p['status'] for p in parts}))}, worst part gap "
                              f"{max(p['gap'] for p in parts):.2%})" if parts else "")
                 + f"; peak RSS so far {ev[-1]['rss_mb']:,.0f} MB."]
        if done:
            lines.append(f"Finished: {done['status']}, gap {done['gap']:.2%}, carve {done['seconds_carve']:,.0f} s.")
        if est:
            lines.append(f"{est} part(s) not reached: estimated at the measured {rate * 1e6:,.1f} s per million pairs.")
        lines.append("")
        lines.append("| part | pairs | seconds | measured |")
        lines.append("|---|---:|---:|---|")
        for name, pairs, t in sorted(zip(sub["names"], sub["pairs"], times), key=lambda x: -x[1]):
            lines.append(f"| {name} | {pairs:,} | {t:,.1f} | {'yes' if name in measured else 'estimate'} |")
        lines.append("")
        lines.append("| workers | parts (LPT) s | build s | projected carve s (build + parts) |")
        lines.append("|---:|---:|---:|---:|")
        for n in (1, 2, 4, 8, 16, 24, 48):
            lines.append(f"| {n} | {lpt_makespan(times, n):,.0f} | {build:,.0f} | {build + lpt_makespan(times, n):,.0f} |")
        lines.append(f"\nCritical path: the largest part, {max(times):,.0f} s; from {sub['parts']} workers on, the carve "
                     f"takes build + {max(times):,.0f} s.")
        out.append("\n".join(lines))
    return "\n\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=500_000)
    ap.add_argument("--reps", type=int, default=2_500)
    ap.add_argument("--modes", default="inprocess,local", help="comma separated: inprocess, local")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=7200)
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one mode here, print its JSON row
    ap.add_argument("--json-out", type=Path, default=None, help="also keep the raw rows (with per-part times)")
    ap.add_argument("--parts-log", type=Path, default=None, help="append each finished part here (JSON lines)")
    ap.add_argument("--write", action="store_true", help="write benchmarks/results_scale.md")
    ap.add_argument("--regions", default="", help="carve only these regions of the company (comma separated, "
                    "e.g. R3): their segment × region parts are the whole company's parts, at full size")
    ap.add_argument("--cache", type=Path, default=None, help="keep the generated company here (pickles)")
    ap.add_argument("--from-log", type=Path, default=None, help="report from a parts log (a run stopped early too)")
    a = ap.parse_args()
    if a.from_log:
        print(from_log(a.from_log))
        return
    if a.one:
        subset = [r for r in a.regions.split(",") if r] or None
        print("ROW " + json.dumps(run_one(a.accounts, a.reps, a.one, a.workers, a.time_limit, a.parts_log, subset,
                                          a.cache)), flush=True)
        return
    rows = []
    for mode in a.modes.split(","):
        cmd = [sys.executable, __file__, "--one", mode, "--accounts", str(a.accounts), "--reps", str(a.reps),
               "--workers", str(a.workers), "--time-limit", str(a.time_limit)]
        if a.parts_log:
            cmd += ["--parts-log", str(a.parts_log)]
        if a.regions:
            cmd += ["--regions", a.regions]
        if a.cache:
            cmd += ["--cache", str(a.cache)]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        line = next((x for x in out.stdout.splitlines() if x.startswith("ROW ")), None)
        if line is None:
            sys.stderr.write(out.stderr[-4000:])
            raise SystemExit(f"{mode} run failed")
        rows.append(json.loads(line[4:]))
        print(table(rows[-1:]), flush=True)
    text = (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Command: `python benchmarks/scale_bench.py "
            f"--accounts {a.accounts} --reps {a.reps} --modes {a.modes} --workers {a.workers}`.\n\n"
            + table(rows) + "\n\nProjected carve time on N workers from the measured per-part times of the "
            f"{rows[0]['mode']} run (parts dealt largest first; the critical path is the largest part):\n\n"
            + projection_table(rows[0]) + "\n")
    print("\n" + text)
    if a.json_out:
        a.json_out.write_text(json.dumps(rows, indent=1))
    if a.write:
        (ROOT / "benchmarks" / "results_scale.md").write_text("## Scale-out benchmark\n\n" + text)


if __name__ == "__main__":
    main()
