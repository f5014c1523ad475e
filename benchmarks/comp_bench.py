"""Quota and comp benchmarks: quota recompute after an input change (< 200 ms), Monte Carlo 10,000 × 60 (< 2 s).

Run: `python benchmarks/comp_bench.py` (prints a table; `--write` also writes benchmarks/results_comp.md).
Quota timings change the over-assignment every repeat, so nothing is served from a cache: it is the pure work
the page does on a rerun.  The simulation uses 60 quota reps (the sample's 31 territories doubled) and the
default plans; "end to end" adds the summary, P10/P50/P90 and the accelerator sensitivity the pages show.
"""
from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import timeit
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planning.compensation.comp_plan import default_plans  # noqa: E402
from planning.compensation.cost_sim import simulate_cost  # noqa: E402
from planning.data.dataset import load_sample  # noqa: E402
from planning.compensation.quota import QuotaSettings, quota_for_plan  # noqa: E402

QUOTA_BUDGET_MS, SIM_BUDGET_MS = 200.0, 2000.0


def timed(fn, repeats: int) -> list[float]:
    """Milliseconds of ``fn(i)`` for i = 0..repeats-1 (each call gets a new input)."""
    calls = itertools.count()
    return [1000 * t for t in timeit.repeat(lambda: fn(next(calls)), number=1, repeat=repeats)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--write", action="store_true", help="also write benchmarks/results_comp.md")
    args = ap.parse_args()

    ds = load_sample()
    plan = ds.current_plan()

    def quota(method: str):
        def run(i: int):
            s = QuotaSettings(method=method, over_assignment=0.10 + 0.01 * (i % 10),
                              rep_overrides={"R-001": 1_500_000.0} if method == "blend" else {})
            return quota_for_plan(plan, ds.accounts, ds.reps, ds.targets, ds.history, s, ds.plan_year, ds.settings)
        return run

    result = quota("potential")(0)
    doubled = pd.concat([result.table, result.table.rename(index=lambda t: t + "-b")])
    sixty = doubled.loc[doubled["quota_usd"] > 0].head(60)
    plans = default_plans(defaults=ds.settings)

    def sim(distribution: str, full: bool = False):
        def run(i: int):
            r = simulate_cost(plans, sixty, n_draws=10_000, seed=7 + i, distribution=distribution,
                              history=ds.history, target_usd=result.total_target_usd * 2, defaults=ds.settings)
            if full:
                r.summary(), r.bookings_vs_target(), r.accelerator_sensitivity()
            return r
        return run

    rows = []
    for name, fn, budget in [
        ("quota recompute: potential", quota("potential"), QUOTA_BUDGET_MS),
        ("quota recompute: blend + override", quota("blend"), QUOTA_BUDGET_MS),
        ("quota recompute: history", quota("history"), QUOTA_BUDGET_MS),
        ("comp sim 10,000 × 60: normal", sim("normal"), SIM_BUDGET_MS),
        ("comp sim 10,000 × 60: beta", sim("beta"), SIM_BUDGET_MS),
        ("comp sim 10,000 × 60: history", sim("history"), SIM_BUDGET_MS),
        ("comp sim 10,000 × 60 + summary + sensitivity", sim("normal", full=True), SIM_BUDGET_MS),
    ]:
        fn(0)  # warm imports / first-touch allocations
        t = timed(fn, args.repeats)
        rows.append({"benchmark": name, "median_ms": statistics.median(t), "max_ms": max(t), "budget_ms": budget,
                     "ok": "yes" if statistics.median(t) < budget else "NO"})
    df = pd.DataFrame(rows)
    header = (f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}; {args.repeats} repeats; sample company "
              f"({len(ds.accounts):,} accounts, {len(result.table)} territories; simulation on {len(sixty)} reps)")
    print(header)
    print(df.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    if args.write:
        md = ["# Quota and comp benchmarks", "", "`python benchmarks/comp_bench.py --write`", "", header, "",
              "| benchmark | median ms | max ms | budget ms | ok |", "|---|---:|---:|---:|---|"]
        md += [f"| {r.benchmark} | {r.median_ms:,.1f} | {r.max_ms:,.1f} | {r.budget_ms:,.0f} | {r.ok} |"
               for r in df.itertuples()]
        (ROOT / "benchmarks" / "results_comp.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        print("wrote benchmarks/results_comp.md")


if __name__ == "__main__":
    main()
