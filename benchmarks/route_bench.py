"""Routing new accounts by a published plan's territory rules (budget: 10,000 accounts in < 2 s).

    python benchmarks/route_bench.py                 # 10,000 new accounts on the demo company's draft, 3 runs
    python benchmarks/route_bench.py --accounts 20000 --repeats 5

Cases: the shipped draft (carved account by account, so its rules are mixed state / ZIP3 / ZIP pieces) and the same
draft read as a county carve of Mid-market (county rules: each new account's county is placed from its coordinates,
point in polygon).  New accounts are the demo's accounts redrawn with new ids; 30% get a random US ZIP (and its
coordinates), so some match no rule and take the nearest eligible territory with room.  ``route s`` is
:func:`planning.territories.route` alone (matching, the nearest-with-room pass, the new version and the balance
impact), the median of the runs; the definitions are derived once per plan (``derive s``).  The load average is
printed with the table: a timing taken at load > 3 is not a result.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planning.data import load_sample  # noqa: E402
from planning.data.geo import zip_table  # noqa: E402
from planning.plans import load_sample_proposal  # noqa: E402
from planning.territories import derive_definitions, route  # noqa: E402

BUDGET_S = 2.0


def new_accounts(ds, n: int, seed: int = 2027):
    rng = np.random.default_rng(seed)
    new = ds.accounts.sample(n, replace=True, random_state=seed).reset_index(drop=True)
    new["account_id"] = [f"NEW{i:07d}" for i in range(n)]
    z = zip_table()
    pick = rng.random(n) < 0.3
    zips = z.sample(int(pick.sum()), replace=True, random_state=seed)
    new.loc[pick, "postal_code"] = zips.index.to_numpy()
    new.loc[pick, "state"] = zips["state"].to_numpy()
    new.loc[pick, "lat"] = zips["lat"].to_numpy()
    new.loc[pick, "lon"] = zips["lon"].to_numpy()
    new = new.drop(columns=[c for c in ("county_fips",) if c in new])
    return new


def case(name: str, plan, ds, new, repeats: int) -> dict:
    t0 = time.perf_counter()
    defs = derive_definitions(plan, ds.accounts)
    derive_s = time.perf_counter() - t0
    times, res = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = route(plan, defs, new, ds.reps, ds.accounts, plan_year=ds.plan_year, settings=ds.settings)
        times.append(time.perf_counter() - t0)
    c = res.counts()
    med = statistics.median(times)
    return {"case": name, "new accounts": f"{len(new):,}", "rules": f"{len(defs.rules):,}",
            "named": f"{len(defs.named):,}", "derive s": f"{derive_s:.2f}", "route s": f"{med:.2f}",
            "runs s": ", ".join(f"{t:.2f}" for t in times), "by rules": f"{c['named'] + c['by_rules']:,}",
            "flagged": f"{c['flagged']:,}", "within 2 s": "yes" if med < BUDGET_S else "no"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    ds = load_sample()
    draft = load_sample_proposal(ds.reps)
    new = new_accounts(ds, a.accounts)
    county = type(draft)(**{**draft.__dict__, "settings": {**draft.settings, "units": {"Mid-market": "county"}}})
    rows = [case("demo draft (account carve: state / ZIP3 / ZIP rules)", draft, ds, new, a.repeats),
            case("demo draft, Mid-market as a county carve", county, ds, new, a.repeats)]
    load = os.getloadavg()
    cols = list(rows[0])
    print(f"Routing benchmark — {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
