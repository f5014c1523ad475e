"""Contiguous county carve: counties as units, N territories, potential in a ±band, contiguity cuts in the model.

    python benchmarks/contiguity_bench.py                       # Georgia's 159 counties × 10 and 3,108 × 50, ±5%
    python benchmarks/contiguity_bench.py --rows us --seeds 1 2 --time-limit 60
    python benchmarks/contiguity_bench.py --rows GA --out /tmp/x.md
    python benchmarks/contiguity_bench.py --rows demo --out /tmp/x.md  # the demo company by county, its bands

Rows: ``GA`` (one state's counties, 10 territories: target ≤ 10 s) and ``us`` (every county of the lower 48,
``--territories``, 50 by default: target ≤ 60 s); ``demo`` (the demo company with its own settings and default
bands, Mid-market and SMB by county, one piece each: its "counties" column counts every carving unit, the
Enterprise named accounts too; its time limit is ``--time-limit``).  Each county gets one to four accounts at its centre
with log-normal potential (so county sizes vary by ~3× between the 10th and 90th percentile); reps live in counties
drawn in proportion to potential; today's owner of a county is one of its three nearest reps.  The table (time,
the LP bound without and with the contiguity cuts, the gap to each, worst deviation, territories in more than one
piece in the solver's plan and after the polish, units the polish moved, which strategy gave each part's plan, the
seconds of the plan grown from the roots and the units its pair re-carves moved, the rounds and seconds of the MIP
over the cuts on small parts: :mod:`optimizers.contiguity.one_piece_mip`; the windows re-carved after the polish:
:mod:`optimizers.contiguity.window_moves`; with several parts, each part's gap to its own bound and its share of the
whole's) goes to stdout and to ``--out`` (default ``benchmarks/results_contiguity.md``).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizers.carve import CarveSettings  # noqa: E402
from optimizers.territory_carve import TerritoryCarver  # noqa: E402
from optimizers.instances.counties import county_instance  # noqa: E402


def run(n_terr: int, tol: float, time_limit: float, seed: int, states: tuple[str, ...] | None = None) -> dict:
    accounts, reps = county_instance(n_terr, seed, states)
    cs = CarveSettings(metrics=("potential_usd",), tolerance={"potential_usd": tol}, units={"Mid-market": "county"},
                       contiguous=True, time_limit=time_limit, continuity_weight=0.2)
    t0 = time.perf_counter()
    res = TerritoryCarver(cs).solve(accounts, reps, 2027, as_of="2026-11-01")
    return _row(res, time.perf_counter() - t0, n_terr, f"±{tol:.0%}", seed)


def run_demo(time_limit: float) -> dict:
    """The demo company with its own settings and default bands, Mid-market and SMB by county, one piece each
    (what `carve --units Mid-market=county --units SMB=county --contiguous` does)."""
    from optimizers.carve import company_carve_defaults
    from planning.data import load_sample

    ds = load_sample()
    d = company_carve_defaults(ds.settings)
    d.update(units={**d["units"], "Mid-market": "county", "SMB": "county"}, contiguous=True, time_limit=time_limit)
    cs = CarveSettings.from_dict(d)
    t0 = time.perf_counter()
    res = TerritoryCarver(cs, ds.settings).solve(ds.accounts, ds.reps, ds.plan_year, as_of=ds.as_of)
    # its "counties" column counts every carving unit (Enterprise's named accounts too)
    books = int(res.stats.get("contiguity", {}).get("territories", 0))
    return _row(res, time.perf_counter() - t0, books, "demo (default bands)", 0)


def _row(res, wall: float, n_terr: int, band: str, seed: int) -> dict:
    cont = res.stats.get("contiguity", {})
    plain = res.stats.get("bound_plain", np.nan)
    gap_plain = (res.objective - plain) / abs(res.objective) if res.ok and res.objective else np.nan
    return {"counties": res.stats.get("units", 0), "territories": n_terr, "band": band, "seed": seed,
            "status": res.status, "seconds": round(wall, 1), "seconds_cuts": round(res.stats.get("seconds_cuts", 0), 1),
            "seconds_polish": round(cont.get("seconds", 0.0), 1),
            "lp_bound": f"{plain:,.1f}", "one_piece_bound": f"{res.bound:,.1f}" if res.ok else "-",
            # the one-piece bound's kind: the rooted cuts' (every book keeps its root), else the bound on every
            # one-piece plan, with the rooted one it replaced and its seconds
            "rooted": "yes" if res.stats.get("bound_rooted") else
            f"no ({res.stats.get('bound_one_piece', np.nan):,.1f}; {res.stats.get('seconds_rootless_bound', 0):.1f} s)",
            "gap_to_lp_bound": f"{gap_plain:.2%}" if res.ok else "-",
            "gap_to_one_piece_bound": f"{res.gap:.2%}" if res.ok else "-", "cut_rounds": res.stats.get("cut_rounds", 0),
            "worst_dev_solver": f"{cont.get('worst_dev_before', np.nan):.1%}",
            "worst_dev_final": f"{res.balance['worst_dev_after'].max():.1%}" if res.ok else "-",
            "split_solver": cont.get("split_before", "-"), "split_final": cont.get("split_after", "-"),
            "units_moved_by_repair": cont.get("units_moved", "-"),
            "plan_from": str(res.stats.get("plan_from", "")),
            "s_grown": round(res.stats.get("seconds_one_piece", 0.0), 1),
            "mip_rounds": int(res.stats.get("one_piece_mip_rounds", 0)),
            "s_mip": round(res.stats.get("seconds_one_piece_mip", 0.0), 1),
            "units_moved_by_pairs": int(res.stats.get("one_piece_pair_moved", 0)
                                        + res.stats.get("window_pair_moved", 0)),
            "pairs_saved": (f"{res.stats.get('window_pair_gain', 0.0) / res.objective:.2%}"
                            if res.ok and res.objective else "-"),
            "windows_taken": f"{int(res.stats.get('window_taken', 0))}/{int(res.stats.get('window_mips', 0))}",
            "units_moved_by_windows": int(res.stats.get("window_moved", 0)),
            "windows_saved": (f"{res.stats.get('window_gain', 0.0) / res.objective:.2%}"
                              if res.ok and res.objective else "-"),
            "s_windows": round(res.stats.get("seconds_windows", 0.0), 1),
            "gap_by_part": _gap_by_part(res.stats.get("part_figures", []))}


def _gap_by_part(parts: list[dict]) -> str:
    """Each part's gap to its own (one-piece) bound and its share of the whole's objective above the bound, as
    the merge saw them (the polish may move units after it): where the gap sits."""
    total = sum(q["objective"] - q["bound"] for q in parts)
    return "; ".join(f"{q['part']}: {(q['objective'] - q['bound']) / abs(q['objective']):.2%} of {q['objective']:,.0f}"
                     f" ({(q['objective'] - q['bound']) / total:.0%} of the gap)" for q in parts
                     if len(parts) > 1 and total > 0 and q["objective"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--territories", type=int, default=50)
    ap.add_argument("--tolerance", type=float, default=0.05)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--rows", nargs="+", default=["GA", "us"],
                    help="GA (or any state code: its counties × 10 territories), us (the lower 48 × --territories) "
                         "and/or demo (the demo company, Mid-market and SMB by county, its own bands)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results_contiguity.md"))
    args = ap.parse_args(argv)
    rows = [run_demo(args.time_limit) if row == "demo" else
            run(10, args.tolerance, min(args.time_limit, 8.0), s, (row,)) if row != "us" else
            run(args.territories, args.tolerance, args.time_limit, s) for row in args.rows for s in args.seeds]
    frame = pd.DataFrame(rows)
    table = frame.to_markdown(index=False) if _has_tabulate() else frame.to_string(index=False)
    head = (f"# Contiguous county carve\n\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {pd.Timestamp.now():%Y-%m-%d %H:%M}. "
            f"`python benchmarks/contiguity_bench.py` (time limit {args.time_limit:.0f} s; a state's row 8 s).\n\n")
    print(table)
    Path(args.out).write_text(head + table + "\n")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    main()
