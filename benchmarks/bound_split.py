"""How much of the lower 48's gap is the plan and how much the bound (issue 24; a diagnosis, not a suite row).

    nice -n 10 python benchmarks/bound_split.py                         # the bench's row (continuity 0.2), ~30 min
    nice -n 10 python benchmarks/bound_split.py --continuity 0          # the same counties, pure distance
    nice -n 10 python benchmarks/bound_split.py --plan-s 0 --exact-s 2100 --mip-s 0   # the exact one-piece MIP
    python benchmarks/bound_split.py --plan-s 0 --cut-s 1 --mip-s 0 --save-run /tmp/run.pkl   # cpsat_probe's input
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

``--exact-s``: before the bound, the best plan handed to an exact one-piece MIP (:func:`exact_plan`: a flow for every
book, so every incumbent HiGHS finds is one piece by construction) for that long; its plan replaces the best plan
when cheaper.
"""
from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from optimizers.carve import CarveSettings  # noqa: E402
from optimizers.carve.budget import Budget  # noqa: E402
from optimizers.carve.model import (  # noqa: E402
    assignment_from_x,
    build_matrix,
    is_feasible,
    objective_of,
    x_from_assignment,
)
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
    for k, (hops, cap) in enumerate(PHASES):
        left = t_end - time.perf_counter()
        plan, _ = window_moves.window_moves(p, plan, Budget(left / (len(PHASES) - k)), hops=hops, cap_s=cap,
                                            gap=1e-4)
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


def exact_plan(p, plan: np.ndarray, seconds: float, cut_s: float, log_file: str | None = None,
               heuristics: float = 0.3, hops: int | None = None) -> dict:
    """The cheapest one-piece plan HiGHS finds in ``seconds`` over an exact model warm-started from ``plan``:
    the part's rows, every territory one piece by a single-commodity flow from an anchor (with_flows, every
    territory), the anchors fixed and degree cuts (strengthened), and the cut LP's cuts (``cut_s`` of the cut loop
    on the same anchors).  Each book's anchor is its root where ``plan`` holds it, else its heaviest unit in
    ``plan``, so ``plan`` is feasible and every incumbent is one piece by construction; the MIP's dual bound is a
    bound over plans with those anchors only.  ``hops``: only the pairs of a unit within that many steps of a unit
    the territory holds in ``plan``, or in the cut LP's support, stay open (a neighbourhood of ``plan``, all books at
    once; its dual bound is the neighbourhood's).  Returns the plan, its objective, the dual bound, the model's
    size."""
    import highspy

    t0 = time.perf_counter()
    mx, cc, loop = exact_model(p, plan, cut_s, hops)
    hi = mx.col_hi
    is_int = np.zeros(mx.A.shape[1], dtype=bool)
    is_int[: mx.n_pairs] = True
    h = new_highs()
    for k, v in (("mip_rel_gap", 1e-4), ("time_limit", float(seconds)), ("mip_heuristic_effort", heuristics)):
        h.setOptionValue(k, v)
    if log_file:
        for k, v in (("output_flag", True), ("log_to_console", False), ("log_file", log_file)):
            h.setOptionValue(k, v)
    h.passModel(highs_lp(mx.c, mx.A, mx.col_lo, mx.col_hi, mx.row_lo, mx.row_hi, is_int))
    sol = highspy.HighsSolution()
    sol.col_value = list(map(float, _start_flows(cc, x_from_assignment(p, mx, plan))))
    sol.value_valid = True
    h.setSolution(sol)
    t_mip = time.perf_counter()
    h.run()
    info = h.getInfo()
    base = build_matrix(p)
    out = {"cut_lp": float(loop.objective), "cut_rounds": loop.rounds, "cuts": len(loop.cuts),
           "rows": mx.A.shape[0], "cols": mx.A.shape[1], "int_cols": int(is_int.sum()), "nnz": mx.A.nnz,
           "dual_bound": float(info.mip_dual_bound), "setup_s": t_mip - t0, "mip_s": time.perf_counter() - t_mip,
           "plan": plan, "open_pairs": int((hi[: mx.n_pairs] > 0).sum())}
    if info.primal_solution_status == 2:
        out["plan"] = assignment_from_x(p, np.asarray(h.getSolution().col_value))
    out.update(checked(p, base, connectivity.CutContext.of(p, p.conn), out["plan"], x_from_assignment(p, mx,
                                                                                                       out["plan"])))
    return out


def checked(p, base, whole, plan: np.ndarray, x: np.ndarray) -> dict:
    """``plan`` (its columns ``x``) priced and checked: objective (real units), the most pieces of any book (around
    anchors as :func:`_anchored` picks them from ``plan``), every band held.  ``base``: the part's plain matrix;
    ``whole``: its cut context with the rep roots.  Used for the exact MIP's plan and by ``cpsat_probe.py`` for
    every CP-SAT incumbent."""
    pieces = connectivity.pieces_of(_anchored(p, whole, plan), x)
    return {"objective": objective_of(p, base, plan), "pieces_max": int(pieces.max()),
            "feasible": bool(is_feasible(p, base, plan))}


def exact_model(p, plan: np.ndarray, cut_s: float, hops: int | None = None):
    """(the exact one-piece model of :func:`exact_plan`, its cut context with the anchors, the cut loop): the pair
    columns a ``hops`` neighbourhood leaves closed have an upper bound of 0.  Also the model
    ``cpsat_probe.py`` hands to CP-SAT."""
    import dataclasses

    from optimizers.contiguity.one_piece import with_flows

    cc = _anchored(p, connectivity.CutContext.of(p, p.conn), plan)
    base = build_matrix(p)
    lp = solve_lp(base, 120)
    loop = connectivity.cut_loop(lp.highs, cc, Budget(cut_s), x0=lp.x, max_rounds=100_000, stall_rel=1e-7,
                                 stall_rounds=10)
    x0 = x_from_assignment(p, base, plan)
    mx = with_flows(strengthened(p, cc, connectivity.with_cuts(base, loop.cuts)), cc, np.arange(p.n_terr), x0)
    hi = mx.col_hi.copy()
    if hops is not None:
        hi[: mx.n_pairs] = np.where(_near(p, plan, hops) | (loop.x[: mx.n_pairs] > 1e-6), hi[: mx.n_pairs], 0.0)
    return dataclasses.replace(mx, col_lo=np.maximum(mx.col_lo, 0.0), col_hi=hi), cc, loop


def _near(p, plan: np.ndarray, hops: int) -> np.ndarray:
    """Per pair: its unit lies within ``hops`` steps of a unit its territory holds in ``plan``."""
    reach = np.zeros((p.n_units, p.n_terr), dtype=bool)
    reach[np.arange(p.n_units), plan] = True
    adj = p.conn.adj.tocsr().astype(np.int32)
    for _ in range(hops):
        reach |= (adj @ reach.astype(np.int32)) > 0
    return reach[p.cand.unit, p.cand.terr]


def _anchored(p, cc, plan: np.ndarray):
    """``cc`` with each territory's root its root where ``plan`` holds it, else its heaviest unit in ``plan``."""
    import dataclasses

    terrs = []
    for t, tg in enumerate(cc.terrs):
        mine = np.flatnonzero(plan[tg.units] == t)
        root = tg.root
        if len(mine) and (root < 0 or plan[tg.units[root]] != t):
            root = int(mine[np.argmax(p.unit_metrics[tg.units[mine], 0])])
        terrs.append(dataclasses.replace(tg, root=root))
    return connectivity.CutContext(cc.n_pairs, terrs)


def _start_flows(cc, x: np.ndarray) -> np.ndarray:
    """``x`` (pair columns set, flow columns after the model's other columns as with_flows lays them out, zero) with
    each territory's flow along a breadth-first tree from its root, each arc carrying the units below it."""
    from scipy.sparse.csgraph import breadth_first_order

    n_flow = sum(len(tg.ei) for tg in cc.terrs if tg.n >= 2)
    c0 = len(x) - n_flow
    for tg in cc.terrs:
        if tg.n < 2:
            continue
        keep = x[tg.cols] >= 0.5
        order, pred = breadth_first_order(tg.graph(keep), tg.root, directed=False)
        below = np.ones(tg.n)
        arc = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(tg.ei, tg.ej))}
        for node in order[::-1][:-1]:
            below[pred[node]] += below[node]
            x[c0 + arc[(int(pred[node]), int(node))]] = below[node]
        c0 += len(tg.ei)
    return x


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--continuity", type=float, default=0.2, help="continuity weight (the bench's row: 0.2)")
    ap.add_argument("--territories", type=int, default=50)
    ap.add_argument("--states", nargs="*", default=None, help="only these states' counties (default: the lower 48)")
    ap.add_argument("--time-limit", type=float, default=60.0, help="the carve's limit (the bench's: 60 s)")
    ap.add_argument("--plan-s", type=float, default=1000.0, help="seconds of windows after the carve")
    ap.add_argument("--cut-s", type=float, default=120.0, help="seconds of the long cut LP")
    ap.add_argument("--mip-s", type=float, default=540.0, help="seconds of the MIP over the cuts")
    ap.add_argument("--exact-s", type=float, default=0.0,
                    help="seconds of the exact one-piece MIP (flows for every book) from the best plan; 0: none")
    ap.add_argument("--exact-hops", type=int, default=None,
                    help="the exact MIP only over pairs within this many steps of the plan's books (a neighbourhood)")
    ap.add_argument("--exact-log", default=None, help="HiGHS's log of the exact MIP (its incumbents against time)")
    ap.add_argument("--save-run", default=None,
                    help="pickle the part's problem and the best plan (after --plan-s of windows) here, for "
                         "cpsat_probe.py")
    args = ap.parse_args(argv)
    states = tuple(args.states) if args.states else None
    run = carve_60(args.territories, args.continuity, states, args.time_limit)
    p, plan60 = run["p"], run["plan"]
    plan = best_plan(p, plan60, args.plan_s)
    if args.save_run:  # the input of cpsat_probe.py: the part's problem and this one-piece plan
        with open(args.save_run, "wb") as fh:
            pickle.dump({"p": p, "plan": plan}, fh)
    if args.exact_s > 0:
        ex = exact_plan(p, plan, args.exact_s, min(args.cut_s, 30.0), args.exact_log, hops=args.exact_hops)
        print(f"exact MIP: {ex['rows']:,} rows × {ex['cols']:,} columns ({ex['int_cols']:,} 0/1, {ex['nnz']:,} "
              f"nonzeros), its cut LP {ex['cut_lp']:,.1f}; after {ex['mip_s']:.0f} s plan {ex['objective']:,.1f} "
              f"(one piece: {ex['pieces_max'] == 1}, bands: {ex['feasible']}), dual bound {ex['dual_bound']:,.1f}")
        plan = ex["plan"] if ex["feasible"] and ex["pieces_max"] == 1 else plan
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
