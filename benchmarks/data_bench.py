"""Data benchmarks: load + validate a 100,000-row CRM export; app cold start to first rendered page.

Run: `python benchmarks/data_bench.py` (prints a table; add `--no-browser` to skip the Chromium timing).
Budgets (shared/architecture.md): load+validate 100k rows < 10 s; cold start < 5 s.
"""
from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planning.dataset import SAMPLE_DIR, load_dataset  # noqa: E402


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


def bench_apptest() -> dict:
    from streamlit.testing.v1 import AppTest

    t = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    secs = time.perf_counter() - t
    return {"case": "Data page script run (AppTest, cold)", "seconds": secs, "budget_s": 5.0,
            "detail": "ok" if not at.exception else "exception"}


def bench_browser() -> dict:
    from playwright.sync_api import sync_playwright

    from tests.e2e import conftest as e2e

    t = time.perf_counter()
    server = e2e.app_url.__wrapped__()
    url = next(server)
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            pg = b.new_page()
            e2e.open_app(pg, url, "", "Validation report")
            pg.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first.wait_for()
            secs = time.perf_counter() - t
            b.close()
    finally:
        next(server, None)
    return {"case": "cold start: `streamlit run` → Data page rendered in Chromium", "seconds": secs, "budget_s": 5.0,
            "detail": "server start + first render"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    rows = [bench_load(args.rows), bench_apptest()]
    if not args.no_browser:
        rows.append(bench_browser())
    df = pd.DataFrame(rows)
    df["within_budget"] = df["seconds"] <= df["budget_s"]
    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}")
    print(df.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
