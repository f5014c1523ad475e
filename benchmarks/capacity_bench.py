"""Capacity benchmarks: recomputing a scenario after an input changes (budget < 200 ms), the tornado, the LP.

Run: `python benchmarks/capacity_bench.py` (prints a table; `--write` also writes benchmarks/results_capacity.md).
Each "after an input change" timing edits an assumption first (a new attainment every repeat), so nothing is
served from a cache: it is the pure work the page does on a rerun (tables → scenario → simulation → tornado).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizers.headcount import optimize_hiring  # noqa: E402
from planning.capacity import default_scenario, run_scenario, tornado  # noqa: E402
from planning.capacity.tables import scenario_from_tables, scenario_tables  # noqa: E402
from planning.data.dataset import load_sample  # noqa: E402

BUDGET_MS = 200.0


def timed(fn, repeats: int) -> list[float]:
    out = []
    for i in range(repeats):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=30, help="Repeats per timing (median and max are reported).")
    ap.add_argument("--write", action="store_true", help="Also write benchmarks/results_capacity.md.")
    args = ap.parse_args()
    ds = load_sample()
    sc = default_scenario(ds)
    tables = scenario_tables(sc)
    base_cost = run_scenario(sc).summary()["cost_usd"]

    def edit(i: int, field: str = "attainment"):
        t = {k: v.copy() for k, v in tables.items()}
        if field == "attainment":
            t["assumptions"].loc["SMB", "attainment"] = 0.70 + 0.001 * i  # a fresh input every time
        else:  # attrition changes every cohort's survival: the per-cohort cache cannot help
            for seg in t["assumptions"].index:
                t["assumptions"].loc[seg, "annual_attrition"] = 0.10 + 0.0007 * i + 0.01 * len(seg)
        t["hiring"].loc["Mid-market", "Mar"] = i % 4
        return scenario_from_tables(sc, t)

    rows = [
        ("default_scenario(sample) — pre-fill from the data", timed(lambda i: default_scenario(ds), 5), None),
        ("run_scenario after an input change (edit → simulate)", timed(lambda i: run_scenario(edit(i)), args.repeats),
         BUDGET_MS),
        ("tornado (9 simulations) after an input change", timed(lambda i: tornado(edit(i)), args.repeats), None),
        ("page recompute: edit → run_scenario + summary + tornado",
         timed(lambda i: (run_scenario(edit(i)).summary(), tornado(edit(i))), args.repeats), BUDGET_MS),
        ("page recompute after an attrition edit (no cohort cache hits)",
         timed(lambda i: (run_scenario(edit(i, "attrition")).summary(), tornado(edit(i, "attrition"))), args.repeats),
         BUDGET_MS),
        ("optimize_hiring max bookings, budget +$3M (LP + MIP)",
         timed(lambda i: optimize_hiring(sc, budget_usd=base_cost + 3e6), 5), None),
        ("optimize_hiring min cost of meeting target (LP + MIP)",
         timed(lambda i: optimize_hiring(sc, objective="min_cost"), 5), None),
    ]
    table = pd.DataFrame([{"interaction": name, "median_ms": statistics.median(ms), "max_ms": max(ms),
                           "repeats": len(ms), "budget_ms": budget or float("nan"),
                           "ok": "" if budget is None else ("yes" if statistics.median(ms) < budget else "NO")}
                          for name, ms, budget in rows])
    env = f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, {ds.name}: " \
          f"{len(sc.segments)} segments, {len(sc.people)} quota carriers, 12 months"
    shown = table.assign(median_ms=table["median_ms"].map("{:,.1f}".format), max_ms=table["max_ms"].map("{:,.1f}".format),
                         budget_ms=table["budget_ms"].map(lambda v: "" if pd.isna(v) else f"< {v:.0f}"))
    print(env)
    print(shown.to_string(index=False))
    if args.write:
        md = ["# Capacity benchmarks", "", f"`python benchmarks/capacity_bench.py --write` — {env}.",
              f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
              "| interaction | median ms | max ms | repeats | budget | ok |", "|---|---:|---:|---:|---|---|"]
        md += [f"| {r.interaction} | {r.median_ms} | {r.max_ms} | {r.repeats} | {r.budget_ms} | {r.ok} |"
               for r in shown.itertuples()]
        md += ["", "The page caches each result with `st.cache_data` keyed on the scenario's JSON, so a rerun that "
               "does not change an input costs nothing; the figures above are the uncached work after a change."]
        (ROOT / "benchmarks" / "results_capacity.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        print("wrote benchmarks/results_capacity.md")


if __name__ == "__main__":
    main()
