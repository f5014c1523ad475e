"""Mid-year changes on the sample company: how long a leaver's two options and a hire's carve take.

Run ``python benchmarks/change_bench.py [--repeats 3] [--write]``: prints a table of median wall seconds per case
(on the shipped draft plan, the way a published plan is changed; and on today's CRM ownership, whose unbalanced
books make the split fall back to soft bands), with the moves and the solver's mode; ``--write`` also writes
benchmarks/results_changes.md.  Run it under the shared lock (``flock /tmp/heavy.lock``) and note the load.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _cases(ds):
    from jobs.change_job import hire_options, leaver_options
    from planning.changes import hire, leaver
    from planning.plans import load_sample_proposal

    draft, crm = load_sample_proposal(ds.reps), ds.current_plan()
    for base, where in ((draft, "draft plan"), (crm, "CRM ownership")):
        yield (f"leaver R-010, both options ({where})",
               lambda b=base: leaver_options(ds, b, leaver("R-010", "2027-03-31", ds.plan_year, b.name)))
        yield (f"hire Mid-market West, budget 40 ({where})",
               lambda b=base: hire_options(ds, b, hire("Mid-market", "West", "2027-05-01", ds.plan_year, b.name,
                                                       max_moves=40)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    from planning.data import load_sample

    ds = load_sample()
    load = os.getloadavg()[0]
    rows = ["| case | median s | runs s | accounts moved per option | bands |", "|---|---:|---|---|---|"]
    for name, run in _cases(ds):
        times, options = [], None
        for _ in range(args.repeats):
            t = time.perf_counter()
            options = run()
            times.append(time.perf_counter() - t)
        moved = ", ".join(f"{o.option} {o.figures().get('accounts_moved', '–')}" for o in options)
        mode = ", ".join(o.solver.get("mode", "") for o in options if o.solver)
        rows.append(f"| {name} | {statistics.median(times):.2f} | {', '.join(f'{x:.2f}' for x in times)} | {moved} | "
                    f"{mode} |")
    head = (f"`python benchmarks/change_bench.py --repeats {args.repeats}` — {platform.machine()}, {os.cpu_count()} "
            f"cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
            f"load average {load:.1f} at the start.")
    text = "\n".join(["# Mid-year changes", "", head, "", *rows, ""])
    print(text)
    if args.write:
        (ROOT / "benchmarks" / "results_changes.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
