"""Data benchmarks: load + validate a 100,000-row CRM export; app cold start to first rendered page.

Run: `python benchmarks/data_bench.py` (prints a table; add `--no-browser` to skip the Chromium timing,
`--cold-only --repeats 3` to time only the cold start, three fresh servers, median reported; `--floor` adds the
same start of a one-metric app, Streamlit's own floor on this machine).
Budgets (shared/architecture.md): load+validate 100k rows < 10 s; cold start < 3 s.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planning.data.dataset import SAMPLE_DIR, load_dataset  # noqa: E402


def make_export(n: int, path: Path) -> Path:
    """A Salesforce-style export of n accounts: CRM headers, '$' money, a few bad rows."""
    base = pd.read_csv(SAMPLE_DIR / "accounts.csv", dtype=str, keep_default_na=False)
    base = base.loc[~base["account_id"].str.startswith("001BAD")]
    rng = np.random.default_rng(1)
    df = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    df["account_id"] = [f"001X{i:08d}" for i in range(n)]
    df["arr_usd"] = "$" + pd.to_numeric(df["arr_usd"]).map("{:,.0f}".format)
    df.loc[df.sample(frac=0.001, random_state=2).index, "arr_usd"] = "-100"
    df = df.rename(columns={"account_id": "Account ID", "name": "Account Name", "postal_code": "Billing Zip/Postal Code",
                            "owner_rep_id": "Account Owner", "employees": "Employees", "arr_usd": "ARR"})
    df.to_csv(path, index=False)
    return path


def bench_load(n: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        path = make_export(n, Path(d) / "export.csv")
        t = time.perf_counter()
        ds = load_dataset(path, SAMPLE_DIR / "reps.csv", as_of="2026-11-30")
        secs = time.perf_counter() - t
    t = ds.report.tables["accounts"]
    return {"case": f"load + validate {n:,} accounts", "seconds": secs, "budget_s": 10.0,
            "detail": f"{len(t.clean):,} loaded, {len(t.rejects):,} rejected"}


def bench_live_balancer(repeats: int = 15) -> dict:
    """One manual move on today's plan → edited plan, per-territory books and balance table (the Carve page's path)."""
    from planning.plans.edits import live_balance
    from planning.data.dataset import load_sample

    ds = load_sample()
    plan = ds.current_plan()
    ids = ds.accounts["account_id"].to_numpy()
    terrs = plan.territories.index.to_numpy()
    times = []
    for i in range(repeats):
        t = time.perf_counter()
        live_balance(plan, {str(ids[i * 7]): str(terrs[i % len(terrs)])}, ds.accounts, ds.reps, ds.plan_year,
                     ds.settings, ("potential_usd", "arr_usd", "workload_hours", "accounts"), True)
        times.append(time.perf_counter() - t)
    return {"case": "live balancer after a manual move (median)", "seconds": float(np.median(times)),
            "budget_s": 0.3, "detail": f"max {max(times) * 1000:.0f} ms over {repeats}"}


def bench_apptest() -> dict:
    from streamlit.testing.v1 import AppTest

    t = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "navigation.py"), default_timeout=120).run()
    secs = time.perf_counter() - t
    return {"case": "Data page script run (AppTest, cold)", "seconds": secs, "budget_s": 5.0,
            "detail": "ok" if not at.exception else "exception"}


FLOOR_APP = 'import streamlit as st\n\nst.metric("Accounts", "6,008")\n'


def bench_browser(floor: bool = False) -> dict:
    """From `streamlit run` to the Data page's figures on screen, in a browser that is already open.

    "Rendered" = the headline metrics (account count) are drawn; the validation report's first grid (the last
    section of the first paint: the charts and the map sit in tabs opened later) is reported too.
    ``floor``: the same start of a one-line app that shows only that metric (no pages, no pandas): what Streamlit
    itself costs on this machine, the floor under any app's cold start.
    """
    from playwright.sync_api import sync_playwright

    from tests.e2e import conftest as e2e

    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        pg = b.new_page()
        pg.set_default_timeout(120_000)  # a loaded machine must give a slow number, not a timeout
        if floor:
            (Path(tmp) / "app.py").write_text(FLOOR_APP)
        t = time.perf_counter()
        server = e2e.serve(Path(tmp)) if floor else e2e.serve()
        url = next(server)
        grid = float("nan")
        try:
            up = time.perf_counter() - t
            pg.goto(url)
            pg.locator('[data-testid="stMetric"]').filter(has_text="Accounts").first.wait_for()
            first = time.perf_counter() - t
            cpu = _server_cpu_seconds()
            if not floor:
                pg.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first.locator("canvas").first.wait_for()
                grid = time.perf_counter() - t
        finally:
            next(server, None)
            b.close()
    if floor:
        return {"case": "floor: `streamlit run` of a one-metric app → metric rendered", "seconds": first,
                "budget_s": 3.0, "cpu_s": cpu, "detail": f"server up {up:.1f} s; server CPU {cpu:.1f} s"}
    return {"case": "cold start: `streamlit run` → Data page figures rendered", "seconds": first, "budget_s": 3.0,
            "cpu_s": cpu, "detail": f"server up {up:.1f} s; validation report drawn at {grid:.1f} s; server CPU {cpu:.1f} s"}


def _server_cpu_seconds() -> float:
    """CPU seconds the `streamlit run` child has used so far: unlike wall time, barely moved by other load."""
    try:
        import psutil
    except ImportError:  # optional: only this figure needs it
        return float("nan")

    for child in psutil.Process().children(recursive=True):
        try:
            if "streamlit" in " ".join(child.cmdline()):
                t = child.cpu_times()
                return t.user + t.system
        except psutil.Error:
            continue
    return float("nan")


def bench_cold_start(repeats: int, floor: bool = False) -> list[dict]:
    """The median of ``repeats`` cold starts, each a fresh `streamlit run` (a shared machine is noisy); with
    ``floor``, a second row for the one-metric app, its starts interleaved with the app's so both see the same load."""
    kinds = (False, True) if floor else (False,)
    runs = {f: [] for f in kinds}
    for _ in range(repeats):
        for f in kinds:
            runs[f].append(bench_browser(f))
    return [_median_row(runs[f]) for f in kinds]


def _median_row(runs: list[dict]) -> dict:
    if len(runs) == 1:
        return runs[0]
    secs = sorted(r["seconds"] for r in runs)
    row = dict(runs[0], seconds=float(np.median(secs)))
    row["case"] += f" (median of {len(runs)})"
    cpu = float(np.median([r["cpu_s"] for r in runs]))
    row["detail"] = ("runs " + ", ".join(f"{s:.1f}" for s in secs) + f" s; server CPU median {cpu:.1f} s; "
                     f"load average {os.getloadavg()[0]:.1f}")
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--cold-only", action="store_true", help="time only the browser cold start")
    ap.add_argument("--repeats", type=int, default=1, help="cold starts to run; the median is reported")
    ap.add_argument("--floor", action="store_true", help="also time a one-metric Streamlit app the same way "
                    "(what Streamlit alone costs here), its starts interleaved with the app's")
    ap.add_argument("--write", action="store_true", help="also write benchmarks/results_data.md")
    args = ap.parse_args()
    rows = [] if args.cold_only else [bench_load(args.rows), bench_live_balancer(), bench_apptest()]
    if not args.no_browser:
        rows += bench_cold_start(args.repeats, args.floor)
    df = pd.DataFrame(rows)
    df["within_budget"] = df["seconds"] <= df["budget_s"]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}")
    print(df.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    if args.write:
        md = ["# Data and app benchmarks", "",
              f"`python benchmarks/data_bench.py --write` — {machine}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
              "| case | seconds | budget s | within budget | detail |", "|---|---:|---:|---|---|"]
        md += [f"| {r.case} | {r.seconds:.2f} | {r.budget_s:g} | {'yes' if r.within_budget else 'NO'} | {r.detail} |"
               for r in df.itertuples()]
        (ROOT / "benchmarks" / "results_data.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
