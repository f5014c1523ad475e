"""How much of the lower 48's gap is the plan and how much the bound (issue 24; a diagnosis, not a suite row).

    nice -n 10 python benchmarks/bound_split.py                         # the bench's row (continuity 0.2), ~30 min
    nice -n 10 python benchmarks/bound_split.py --continuity 0          # the same counties, pure distance
    python benchmarks/bound_split.py --states GA --territories 10 --plan-s 20 --cut-s 5 --mip-s 10   # a smoke run

One row: the 60 s carve of ``contiguity_bench.py --rows us`` (its plan, its one-piece bound: the cut LP of its part),
then the best plan found (that plan improved by windows, :mod:`~optimizers.contiguity.window_moves`, with larger
windows and caps for ``--plan-s``) and the best bound found (the cut LP again from the plain LP, run ``--cut-s``
without its stall stop, then HiGHS's MIP over every cut found, roots fixed and degree cuts
(:func:`~optimizers.contiguity.one_piece_mip.strengthened`), for ``--mip-s``, warm-started from the best plan: its dual
bound is a one-piece bound, every one-piece plan being feasible in it).  The one-piece optimum lies between the
best bound and the best plan: what the 60 s plan has above the best plan is the plan's, what the best plan has
above the 60 s bound is at most the bound's.  Each plan's cost is also split into distance and continuity (its cost
at the continuity weight less its cost at 0).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizers.carve import CarveSettings  # noqa: E402
from optimizers.carve.budget import Budget  # noqa: E402
from optimizers.carve.model import build_matrix, objective_of, x_from_assignment  # noqa: E402
from optimizers.carve.solvers import highs_lp, new_highs, solve_lp  # noqa: E402
from optimizers.contiguity import connectivity, stage, window_moves  # noqa: E402
from optimizers.contiguity.one_piece_mip import strengthened  # noqa: E402
from optimizers.instances.counties import county_instance  # noqa: E402
from optimizers.territory_carve import TerritoryCarver  # noqa: E402

PHASES = ((1, 4.0), (2, 10.0), (3, 20.0))  # windows: (border hops, seconds a window) one after another


def carve_60(n_terr: int, continuity: float, states, time_limit: float) -> dict:
    """The bench's carve, with its part's problem and cut LP bound and its final plan (after the polish and the
    windows)."""
    seen: dict = {}
    real_cut_lp, real_polish = stage.cut_lp, stage.OnePiece.polish

    def cut_lp(s, budget):
        st = real_cut_lp(s, budget)
        seen["cut_lp"] = float(s.lp.objective) if st is not None else np.nan
        seen["p_cut"] = s.p
        return st

    def polish(self, s, budget):
        s = real_polish(self, s, budget)
        seen["p"], seen["plan"] = s.problem, s.assign.copy()
        return s

    stage.cut_lp, stage.OnePiece.polish = cut_lp, polish
    try:
        accounts, reps = county_instance(n_terr, 0, states)
        cs = CarveSettings(metrics=("potential_usd",), tolerance={"potential_usd": 0.05},
                           units={"Mid-market": "county"}, contiguous=True, time_limit=time_limit,
                           continuity_weight=continuity)
        res = TerritoryCarver(cs).solve(accounts, reps, 2027, as_of="2026-11-01")
    finally:
        stage.cut_lp, stage.OnePiece.polish = real_cut_lp, real_polish
    seen.update(objective=res.objective, bound=res.bound, bound_plain=res.stats.get("bound_plain", np.nan))
    return seen


def best_plan(p, plan: np.ndarray, seconds: float) -> np.ndarray:
    """``plan`` improved by windows, each phase of :data:`PHASES` with its share of ``seconds``."""
    t_end = time.perf_counter() + seconds
    saved = window_moves.BORDER_HOPS, window_moves.WINDOW_MAX_S, window_moves.WINDOW_GAP
    try:
        for k, (hops, cap) in enumerate(PHASES):
            left = t_end - time.perf_counter()
            window_moves.BORDER_HOPS, window_moves.WINDOW_MAX_S, window_moves.WINDOW_GAP = hops, cap, 1e-4
            plan, _ = window_moves.window_moves(p, plan, Budget(left / (len(PHASES) - k)))
    finally:
        window_moves.BORDER_HOPS, window_moves.WINDOW_MAX_S, window_moves.WINDOW_GAP = saved
    return plan


def best_bound(p, plan: np.ndarray, cut_s: float, mip_s: float) -> tuple[float, float]:
    """(the cut LP run ``cut_s`` to its end or stall of 1e-7 over 10 rounds, the MIP's dual bound after ``mip_s``)."""
    import highspy

    cc = connectivity.CutContext.of(p, p.conn)
    mx = build_matrix(p)
    lp = solve_lp(mx, 120)
    loop = connectivity.cut_loop(lp.highs, cc, Budget(cut_s), x0=lp.x, max_rounds=100_000, stall_rel=1e-7,
                                 stall_rounds=10)
    sm = strengthened(p, cc, connectivity.with_cuts(mx, loop.cuts))
    is_int = np.zeros(sm.A.shape[1], dtype=bool)
    is_int[: sm.n_pairs] = True
    h = new_highs()
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("time_limit", float(mip_s))
    h.passModel(highs_lp(sm.c, sm.A, sm.col_lo, sm.col_hi, sm.row_lo, sm.row_hi, is_int))
    sol = highspy.HighsSolution()
    sol.col_value = list(map(float, x_from_assignment(p, sm, plan)))
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    return float(loop.objective), float(h.getInfo().mip_dual_bound)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--continuity", type=float, default=0.2, help="continuity weight (the bench's row: 0.2)")
    ap.add_argument("--territories", type=int, default=50)
    ap.add_argument("--states", nargs="*", default=None, help="only these states' counties (default: the lower 48)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="the carve's limit (the bench's: 60 s)")
    ap.add_argument("--plan-s", type=float, default=1000.0, help="seconds of windows after the carve")
    ap.add_argument("--cut-s", type=float, default=120.0, help="seconds of the long cut LP")
    ap.add_argument("--mip-s", type=float, default=540.0, help="seconds of the MIP over the cuts")
    args = ap.parse_args(argv)
    states = tuple(args.states) if args.states else None
    run = carve_60(args.territories, args.continuity, states, args.time_limit)
    p, plan60 = run["p"], run["plan"]
    plan = best_plan(p, plan60, args.plan_s)
    cut_long, mip_bound = best_bound(p, plan, args.cut_s, args.mip_s)
    mx = build_matrix(p)
    dist = build_matrix(_at_zero_continuity(p, args.continuity, states, args.territories))
    bound = max(run["bound"], cut_long, mip_bound)
    print(f"continuity {args.continuity}: plain LP {run['bound_plain']:,.1f} · cut LP (the carve's) "
          f"{run['cut_lp']:,.1f} · cut LP long {cut_long:,.1f} · MIP dual bound {mip_bound:,.1f} · best plan "
          f"{objective_of(p, mx, plan):,.1f} · 60 s plan {objective_of(p, mx, plan60):,.1f}")
    for name, x in (("60 s plan", plan60), ("best plan", plan)):
        total, d = objective_of(p, mx, x), float(dist.c[: mx.n_pairs] @ x_from_assignment(p, mx, x)[: mx.n_pairs])
        print(f"{name}: distance {d:,.1f}, continuity {total - d:,.1f}, {(total - bound) / total:.2%} above the best "
              f"bound")


def _at_zero_continuity(p, continuity: float, states, n_terr: int):
    """``p``'s pairs priced by distance alone (the same problem carved at continuity 0)."""
    if continuity == 0:
        return p
    q = carve_60(n_terr, 0.0, states, 5.0)["p_cut"]  # one part: its problem is the whole's
    assert np.array_equal(q.cand.unit, p.cand.unit) and np.array_equal(q.cand.terr, p.cand.terr)
    return q


if __name__ == "__main__":
    main()
