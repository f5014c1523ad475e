"""Golden rows of the carve: today's results, which a rewrite of optimizers/carve must match or beat.

    python benchmarks/carve_golden.py --record          # every row → benchmarks/golden_carve.json (long: run niced)
    python benchmarks/carve_golden.py --check           # rerun every golden row, compare, exit 1 if one is worse
    python benchmarks/carve_golden.py --check --only zips,scale   # the rows whose key contains one of these words
    python benchmarks/carve_golden.py --table           # print the golden rows

The rows are (1) every section of ``carve_bench.py --suite`` (issue 15's metros rows and issue 23's rows for the
zips, uneven_reps and smb families), in this process, and (2) a region subset of ``scale_bench.py`` in soft mode,
each both in-process and on a local Dask cluster of 2 workers (``scale_bench.py`` runs every mode in its own
subprocess).  Each row keeps: status, objective, LP bound, gap, worst deviation per balanced metric, share of
accounts moved, parts, parts widened, candidate k, seconds (with greedy's seconds of the same run for suite rows)
and the load average.

``--check`` calls a row worse than its golden row when any of these holds (tolerances are options):

- its status ranks below the golden's (optimal > feasible > time_limit > infeasible/cancelled/missing);
- its objective is more than ``--objective-tol`` (0.5%) above the golden objective;
- its gap is more than ``--gap-tol`` (0.25 percentage points) above the golden gap;
- a metric's worst deviation is above both its band and the golden row's deviation (by more than 0.01 points).

Seconds, moves, k and parts widened are printed beside the golden values but never fail a row: timings on this
shared 2-core machine move with the load (compare ``seconds ÷ greedy seconds`` of the same run instead).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import carve_bench as cb  # noqa: E402

GOLDEN = ROOT / "benchmarks" / "golden_carve.json"
SUITE_TIME_LIMIT = 300.0  # carve_bench.py --suite's own default
SUITE_TOLERANCE = 0.05
# scale_bench.py region subsets (company accounts, reps, regions): the first is small enough that its parts solve to
# the gap target; the second is one region of the 500,000 × 2,500 company, whose three parts hit their 45 s cap
SCALE_SUBSETS = ((100_000, 500, "R3"), (500_000, 2_500, "R3"))
SCALE_MODES = ("inprocess", "local")
STATUS_RANK = {"optimal": 3, "feasible": 2, "time_limit": 1}  # anything else (infeasible, cancelled, missing): 0


def metric_label(metrics) -> str:
    return "4 metrics" if tuple(metrics) == cb.METRICS else " + ".join(cb.SHORT[m] for m in metrics)


def jobs() -> list[dict]:
    """Every golden job in recording order: the metros suite sections, the small scale subset, the family
    sections, the large scale subset (the slowest last, so a recording cut short keeps the most rows)."""
    suite = [{"kind": "suite", "section": s} for s in cb.SUITE]
    metros = [j for j in suite if j["section"].family == "metros"]
    families = [j for j in suite if j["section"].family != "metros"]
    scale = [{"kind": "scale", "accounts": a, "reps": r, "regions": g} for a, r, g in SCALE_SUBSETS]
    return metros + scale[:1] + families + scale[1:]


def job_name(job: dict) -> str:
    if job["kind"] == "scale":
        return f"scale {job['accounts']:,}×{job['reps']:,} region {job['regions']}"
    s = job["section"]
    return f"{s.family} {s.sizes} {metric_label(s.metrics)} weights {s.weights or '-'}" + (
        f" frontier {s.frontier}" if s.frontier else "")


def stable_run(label: str) -> str:
    """A row's run label without what the solver decides: "frontier 4 pts: fewest moves ≥ 60" → "frontier",
    "defaults (continuity 5)" → "defaults"."""
    return label.split(" ")[0] if label.startswith(("frontier", "defaults")) else label


def run_suite_section(sec) -> list[dict]:
    df, _ = cb.section(sec.sizes, sec.metrics, SUITE_TOLERANCE, SUITE_TIME_LIMIT, 1, sec.weights, sec.frontier,
                       sec.defaults, sec.gap, sec.family)
    rows = []
    for r in df.to_dict("records"):
        dev = {m: _num(r.get(f"dev_{cb.SHORT[m]}")) for m in sec.metrics}
        rows.append({
            "key": f"{r['family']} · {r['size']} · {metric_label(sec.metrics)} · {stable_run(r['run'])}", "kind": "suite",
            "section": sec.title, "family": r["family"], "size": r["size"], "run": r["run"], "rules": r["rules"],
            "metrics": list(sec.metrics), "band": SUITE_TOLERANCE, "mode": "hard", "gap_target": sec.gap,
            "status": r["status"], "objective": _num(r["objective"]), "bound": _num(r["bound"]), "gap": _num(r["gap"]),
            "dev": dev, "moved": _num(r["moved"]), "parts": _int(r.get("parts")),
            "parts_widened": _int(r.get("parts_widened")), "k": _int(r.get("k")), "seconds": _num(r["seconds"]),
            "greedy_seconds": _num(r["greedy_s"]), "load": _num(r["load"])})
    return rows


def run_scale_subset(accounts: int, reps: int, regions: str) -> list[dict]:
    """``scale_bench.py`` on one region subset, every mode in its own subprocess (as that script runs them)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        cmd = [sys.executable, str(ROOT / "benchmarks" / "scale_bench.py"), "--accounts", str(accounts), "--reps",
               str(reps), "--regions", regions, "--modes", ",".join(SCALE_MODES), "--workers", "2",
               "--json-out", str(out), "--cache", str(Path(tmp) / "company")]  # generated once for both modes
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0 or not out.exists():
            sys.stderr.write(proc.stderr[-3000:])
            return []
        raw = json.loads(out.read_text())
    rows = []
    for r in raw:
        rows.append({
            "key": f"scale {accounts:,}×{reps:,} region {regions} · {r['mode']} ({r['workers']} worker"
                   f"{'s' if r['workers'] > 1 else ''})", "kind": "scale",
            "section": f"scale_bench.py region {regions} of {accounts:,}×{reps:,}, soft mode",
            "family": "metros", "size": f"{r['accounts']:,}×{r['reps']:,}", "run": r["mode"], "rules": "3 segments + region",
            "metrics": list(r.get("dev", {})), "band": r["tolerance"], "mode": r["carve_mode"], "gap_target": None,
            "status": r["status"], "objective": _num(r["objective"]), "bound": _num(r["bound"]), "gap": _num(r["gap"]),
            "dev": {m: _num(v) for m, v in r.get("dev", {}).items()},
            "moved": (r["moves"] / r["accounts"]) if r.get("moves") is not None else None, "parts": len(r["parts"]),
            "parts_widened": _int(r.get("parts_widened")), "k": _int(r.get("k")), "seconds": _num(r["seconds_carve"]),
            "greedy_seconds": None, "load": _num(r.get("load_mean")), "peak_rss_mb_driver": _num(r["peak_rss_mb_driver"]),
            "part_status": sorted(p["status"] for p in r["parts"]), "part_limit_s": r.get("part_limit_s")})
    return rows


def run_job(job: dict) -> list[dict]:
    if job["kind"] == "scale":
        return run_scale_subset(job["accounts"], job["reps"], job["regions"])
    return run_suite_section(job["section"])


def _num(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def _int(v):
    v = _num(v)
    return None if v is None else int(v)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"


def commit() -> str:
    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "optimizers", "jobs", "planning"],
                           capture_output=True, text=True).stdout.strip()
    return out.stdout.strip() + (" (with uncommitted changes in optimizers/jobs/planning)" if dirty else "")


def selected(only: str) -> list[dict]:
    words = [w.strip().lower() for w in only.split(",") if w.strip()]
    return [j for j in jobs() if not words or any(w in job_name(j).lower() for w in words)]


def record(path: Path, only: str, max_minutes: float) -> int:
    """Run the jobs in order, writing the file after each (a long recording keeps what it measured); once
    ``max_minutes`` have passed no new job starts, and the ones left are listed as missing."""
    t0 = time.perf_counter()
    todo = selected(only)
    doc = {"recorded": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": commit(),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
           "uptime_start": uptime(), "suite_time_limit_s": SUITE_TIME_LIMIT, "rows": [], "missing": [],
           "note": "Recorded with nice -n 10 on a machine shared with other engineers: seconds are inflated by the "
                   "load (see each row's load and uptime); compare quality, and seconds only against greedy's."}
    for i, job in enumerate(todo):
        if (time.perf_counter() - t0) / 60 > max_minutes:
            doc["missing"] = [job_name(j) for j in todo[i:]]
            break
        print(f"[{(time.perf_counter() - t0) / 60:5.1f} min] {job_name(job)}", file=sys.stderr, flush=True)
        rows = run_job(job)
        if not rows:
            doc["missing"].append(f"{job_name(job)} (the run failed)")
        doc["rows"] += rows
        doc["uptime_end"], doc["minutes"] = uptime(), round((time.perf_counter() - t0) / 60, 1)
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(doc['rows'])} rows to {path} in {doc['minutes']} min", file=sys.stderr)
    return 0


def verdict(new: dict | None, gold: dict, objective_tol: float, gap_tol: float) -> list[str]:
    """Why ``new`` is worse than ``gold`` (empty: as good or better)."""
    if new is None:
        return ["missing (the run failed)"]
    why = []
    if STATUS_RANK.get(new["status"], 0) < STATUS_RANK.get(gold["status"], 0):
        why.append(f"status {new['status']} < {gold['status']}")
    if gold["objective"] is not None:
        if new["objective"] is None:
            why.append("no objective")
        elif new["objective"] > gold["objective"] + objective_tol * abs(gold["objective"]):
            why.append(f"objective {new['objective'] / gold['objective'] - 1:+.2%}")
    if gold["gap"] is not None and (new["gap"] is None or new["gap"] > gold["gap"] + gap_tol):
        why.append(f"gap {_pct(new['gap'])} > {_pct(gold['gap'])}")
    for m, g in gold["dev"].items():
        d = new["dev"].get(m)
        if d is None or d > max(gold["band"], g if g is not None else 0.0) + 1e-4:
            why.append(f"{cb.SHORT.get(m, m)} dev {_pct(d)} (band {gold['band']:.0%}, golden {_pct(g)})")
    return why


def _pct(v) -> str:
    return "–" if v is None else f"{v:.2%}"


def _num_text(v, digits: int = 0) -> str:
    return "–" if v is None else f"{v:,.{digits}f}"


def _secs(r: dict | None) -> str:
    if r is None or r.get("seconds") is None:
        return "–"
    s = f"{r['seconds']:,.1f}"
    return s + (f" ({r['seconds'] / r['greedy_seconds']:.1f}× greedy)" if r.get("greedy_seconds") else "")


def compare_table(new_rows: list[dict], gold_rows: list[dict], objective_tol: float, gap_tol: float) -> tuple[str, int]:
    by_key = {r["key"]: r for r in new_rows}
    lines = ["| row | status (golden) | objective vs golden | gap (golden) | worst dev (golden) | moved (golden) "
             "| k · widened (golden) | seconds (golden) | verdict |", "|---|---|---:|---|---|---|---|---|---|"]
    worse = 0
    for g in gold_rows:
        n = by_key.get(g["key"])
        why = verdict(n, g, objective_tol, gap_tol)
        worse += bool(why)
        if n is None:
            lines.append(f"| {g['key']} | – ({g['status']}) | – | – | – | – | – | – ({_secs(g)}) | WORSE: {why[0]} |")
            continue
        obj = (f"{n['objective'] / g['objective'] - 1:+.3%}" if n["objective"] is not None and g["objective"] else "–")
        wd = max((v for v in n["dev"].values() if v is not None), default=None)
        gd = max((v for v in g["dev"].values() if v is not None), default=None)
        lines.append(f"| {g['key']} | {n['status']} ({g['status']}) | {obj} | {_pct(n['gap'])} ({_pct(g['gap'])}) "
                     f"| {_pct(wd)} ({_pct(gd)}) | {_pct(n['moved'])} ({_pct(g['moved'])}) "
                     f"| {n['k']} · {n['parts_widened']} ({g['k']} · {g['parts_widened']}) "
                     f"| {_secs(n)} ({_secs(g)}) | {'WORSE: ' + '; '.join(why) if why else 'ok'} |")
    return "\n".join(lines), worse


def check(path: Path, only: str, objective_tol: float, gap_tol: float) -> int:
    gold = json.loads(path.read_text())
    todo = selected(only)
    gold_rows = [g for g in gold["rows"] if any(g["key"] in _keys_of(j, gold["rows"]) for j in todo)]
    print(f"checking {len(gold_rows)} golden rows ({gold['recorded']}, {gold['commit']}); now: {uptime()}",
          file=sys.stderr)
    new_rows = []
    for job in todo:
        if not _keys_of(job, gold["rows"]):
            continue  # not in the golden file (a recording cut short): nothing to compare with
        print(f"running {job_name(job)}", file=sys.stderr, flush=True)
        new_rows += run_job(job)
    table, worse = compare_table(new_rows, gold_rows, objective_tol, gap_tol)
    print(table)
    print(f"\n{worse} of {len(gold_rows)} rows worse than golden (objective tolerance {objective_tol:.1%}, gap "
          f"tolerance {gap_tol * 100:.2f} points, deviations within max(band, golden)); load now {uptime()}")
    return 1 if worse else 0


def _keys_of(job: dict, rows: list[dict]) -> set[str]:
    """The golden keys a job produces, found by its section (suite) or subset (scale)."""
    if job["kind"] == "scale":
        prefix = f"scale {job['accounts']:,}×{job['reps']:,} region {job['regions']} · "
        return {r["key"] for r in rows if r["key"].startswith(prefix)}
    return {r["key"] for r in rows if r["kind"] == "suite" and r["section"] == job["section"].title}


def show(path: Path) -> int:
    gold = json.loads(path.read_text())
    print(f"Golden carve rows, recorded {gold['recorded']} at {gold['commit']} ({gold['machine']}); "
          f"{gold['uptime_start']}\n")
    print("| row | status | objective | LP bound | gap | worst dev | moved | parts · widened · k | seconds | load |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for r in gold["rows"]:
        wd = max((v for v in r["dev"].values() if v is not None), default=None)
        print(f"| {r['key']} | {r['status']} | {_num_text(r['objective'])} | {_num_text(r['bound'])} "
              f"| {_pct(r['gap'])} | {_pct(wd)} | {_pct(r['moved'])} | {r['parts']} · {r['parts_widened']} · {r['k']} "
              f"| {_secs(r)} | {_num_text(r['load'], 1)} |")
    if gold.get("missing"):
        print("\nNot recorded: " + "; ".join(gold["missing"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--record", action="store_true", help="run every row and write the golden file")
    what.add_argument("--check", action="store_true", help="rerun the golden rows and compare; exit 1 if one is worse")
    what.add_argument("--table", action="store_true", help="print the golden rows")
    ap.add_argument("--golden", type=Path, default=GOLDEN)
    ap.add_argument("--only", default="", help="only the jobs whose name contains one of these words (comma "
                    "separated), e.g. zips, metros, scale, 10000x50")
    ap.add_argument("--max-minutes", type=float, default=35.0, help="--record: start no new job after this long")
    ap.add_argument("--objective-tol", type=float, default=0.005, help="relative objective tolerance (0.005 = 0.5%%)")
    ap.add_argument("--gap-tol", type=float, default=0.0025, help="gap tolerance, absolute (0.0025 = 0.25 points)")
    a = ap.parse_args(argv)
    if a.record:
        return record(a.golden, a.only, a.max_minutes)
    if a.check:
        return check(a.golden, a.only, a.objective_tol, a.gap_tol)
    return show(a.golden)


if __name__ == "__main__":
    raise SystemExit(main())
