"""Does OR-Tools CP-SAT find cheaper one-piece plans than HiGHS on the exact model's neighbourhood? (issue 24; a
probe, not a suite row; docs/carving.md, "Does a one-piece plan near 13,610 exist?").

ortools is not a project dependency (its protobuf may clash with Streamlit's), so run it in a throwaway venv:

    python -m venv --system-site-packages /tmp/cpsat-venv && /tmp/cpsat-venv/bin/pip install ortools==9.12.4544
    nice -n 10 /tmp/cpsat-venv/bin/python benchmarks/cpsat_probe.py /tmp/exact48/run.pkl --hops 1 --seconds 600

``run.pkl``: a pickle with the part's problem ``p`` and a one-piece plan ``plan``, as ``bound_split.py`` writes it
(the 60 s carve's part and final plan):

    python benchmarks/bound_split.py --plan-s 0 --cut-s 1 --mip-s 0 --save-run /tmp/exact48/run.pkl
  The model is :func:`bound_split.exact_model`'s (a single-commodity flow per book, anchors fixed, degree cuts,
the cut LP's cuts, only the pairs within ``--hops`` of the plan open), handed to CP-SAT as is: pairs as booleans,
flows as integers (flow counts are integral), rows with fractional coefficients (the bands) scaled by 1e6 / their
largest coefficient and widened by their worst rounding error, costs scaled by 1e5 / the largest cost.  ``plan`` is
the hint.  Every incumbent is re-priced in real units (``objective_of``) and checked: pieces per book, bands held.
Not imported by tests.
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bound_split  # noqa: E402
from optimizers.carve.model import assignment_from_x, build_matrix, objective_of  # noqa: E402
from optimizers.contiguity import connectivity  # noqa: E402

ROW_SCALE, COST_SCALE = 1e6, 1e5  # a fractional row's largest coefficient, the largest cost, as integers


def fix_by_singletons(mx, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds tightened by rows left with one free column (closed pairs → their flows 0), to a fixed point;
    every column is integral."""
    A = mx.A.tocsr()
    lo, hi = lo.copy(), hi.copy()
    while True:
        fixed = lo == hi
        act = A @ np.where(fixed, lo, 0.0)
        free = A.multiply(~fixed[None, :]).tocsr()
        free.eliminate_zeros()
        n_free = np.diff(free.indptr)
        rows = np.flatnonzero(n_free == 1)
        if not len(rows):
            return lo, hi
        j = free.indices[free.indptr[rows]]
        a = free.data[free.indptr[rows]]
        r_lo, r_hi = (mx.row_lo[rows] - act[rows]) / a, (mx.row_hi[rows] - act[rows]) / a
        new_lo, new_hi = np.where(a > 0, r_lo, r_hi), np.where(a > 0, r_hi, r_lo)
        np.maximum.at(lo, j, np.ceil(np.nan_to_num(new_lo, nan=-np.inf) - 1e-9))
        np.minimum.at(hi, j, np.floor(np.nan_to_num(new_hi, nan=np.inf) + 1e-9))
        if np.any(lo > hi):
            raise ValueError("the model is infeasible after bound tightening")
        if not np.any(lo[j] == hi[j]):
            return lo, hi


def int_rows(A: sp.csr_matrix, row_lo: np.ndarray, row_hi: np.ndarray):
    """Per row (integer coefficients, integer lo, integer hi): integral rows as they are; a fractional row scaled by
    ROW_SCALE / its largest coefficient and widened by the sum of its rounding errors (any point feasible before
    stays feasible).  Infinite bounds stay infinite (None)."""
    for r in range(A.shape[0]):
        s, e = A.indptr[r], A.indptr[r + 1]
        a = A.data[s:e]
        if np.all(np.abs(a - np.round(a)) < 1e-9):
            scale, slack = 1.0, 1e-9
        else:
            scale = ROW_SCALE / np.abs(a).max()
            slack = np.abs(np.round(a * scale) - a * scale).sum() + 1e-6
        lo = None if not np.isfinite(row_lo[r]) else int(np.ceil(row_lo[r] * scale - slack))
        hi = None if not np.isfinite(row_hi[r]) else int(np.floor(row_hi[r] * scale + slack))
        yield A.indices[s:e], np.round(a * scale).astype(np.int64), lo, hi


def cp_model_of(mx, lo: np.ndarray, hi: np.ndarray, hint: np.ndarray):
    """(the CP-SAT model over the free columns, its variables, the free columns, the fixed columns' values, its size
    and how many of its rows ``hint`` (all columns) breaks: 0, or the start is not feasible after scaling)."""
    from ortools.sat.python import cp_model

    free = np.flatnonzero(lo < hi)
    fixed_x = np.where(lo < hi, 0.0, lo)
    A = mx.A.tocsc()[:, free].tocsr()
    A.eliminate_zeros()
    act = mx.A @ fixed_x
    keep = np.diff(A.indptr) > 0
    model = cp_model.CpModel()
    v = [model.NewIntVar(int(lo[j]), int(min(hi[j], 10**7)), f"c{j}") for j in free]
    proto = model.Proto()
    h = np.round(hint[free]).astype(np.int64)
    broken = 0
    for idx, coef, r_lo, r_hi in int_rows(A[keep], (mx.row_lo - act)[keep], (mx.row_hi - act)[keep]):
        a = int(coef @ h[idx])
        broken += (r_lo is not None and a < r_lo) or (r_hi is not None and a > r_hi)
        ct = proto.constraints.add()
        ct.linear.vars.extend(int(v[k].Index()) for k in idx)
        ct.linear.coeffs.extend(int(c) for c in coef)
        ct.linear.domain.extend([cp_model.INT_MIN if r_lo is None else r_lo,
                                 cp_model.INT_MAX if r_hi is None else r_hi])
    scale = COST_SCALE / np.abs(mx.c).max()
    cost = np.round(mx.c[free] * scale).astype(np.int64)
    nz = np.flatnonzero(cost)
    model.Minimize(sum(int(cost[k]) * v[k] for k in nz))
    stats = {"cp_vars": len(free), "cp_rows": int(keep.sum()), "cp_nnz": int(A[keep].nnz),
             "free_pairs": int((free < mx.n_pairs).sum()), "hint_rows_broken": int(broken),
             "cost_scale": float(scale), "fixed_cost": float(mx.c @ fixed_x)}
    return model, v, free, fixed_x, stats


def probe(run: dict, hops: int, seconds: float, cut_s: float, out_dir: Path, tag: str) -> dict:
    """CP-SAT on the ``hops`` neighbourhood of ``run["plan"]``, hinted with it; every incumbent re-priced and
    checked, the best saved to ``out_dir``/``tag``.best.npy, CP-SAT's log to ``tag``.cpsat.log."""
    from ortools.sat.python import cp_model

    p, plan = run["p"], run["plan"]
    base = build_matrix(p)
    t0 = time.perf_counter()
    mx, cc, _ = bound_split.exact_model(p, plan, cut_s, hops)
    lo, hi = fix_by_singletons(mx, mx.col_lo, np.minimum(mx.col_hi, p.n_units))
    start = bound_split._start_flows(cc, bound_split.x_from_assignment(p, mx, plan))
    model, v, free, fixed_x, stats = cp_model_of(mx, lo, hi, start)
    assert np.all(start[lo == hi] == lo[lo == hi]), "the start leaves a fixed column"
    for k, j in enumerate(free):
        model.AddHint(v[k], int(round(start[j])))
    stats.update(rows=mx.A.shape[0], cols=mx.A.shape[1], setup_s=time.perf_counter() - t0,
                 start=objective_of(p, base, plan))
    whole = connectivity.CutContext.of(p, p.conn)
    seen, best = [], {"objective": np.inf}

    class Incumbents(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self):
            x = fixed_x.copy()
            x[free] = [self.Value(var) for var in v]
            assign = assignment_from_x(p, x)
            row = {"t_s": round(self.WallTime(), 1), "cp_obj": self.ObjectiveValue(),
                   **bound_split.checked(p, base, whole, assign, x)}
            seen.append(row)
            print(json.dumps(row), flush=True)
            if row["objective"] < best["objective"] and row["pieces_max"] == 1 and row["feasible"]:
                best.update(objective=row["objective"], plan=assign)
                np.save(out_dir / f"{tag}.best.npy", assign)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = float(seconds)
    solver.parameters.log_search_progress = True
    solver.parameters.log_to_stdout = False
    with open(out_dir / f"{tag}.cpsat.log", "w") as fh:
        solver.log_callback = lambda line: fh.write(line + "\n")
        print(json.dumps(stats), flush=True)
        status = solver.Solve(model, Incumbents())
    bound = solver.BestObjectiveBound() / stats["cost_scale"] + stats["fixed_cost"]  # real units, ± rounding
    stats.update(status=solver.StatusName(status), cp_bound=bound, incumbents=seen,
                 best=best["objective"], wall_s=solver.WallTime())
    return stats


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="a pickle with the part's problem p and a one-piece plan")
    ap.add_argument("--hops", type=int, default=1, help="pairs within this many steps of the plan's books stay open")
    ap.add_argument("--seconds", type=float, default=600.0, help="CP-SAT's time limit")
    ap.add_argument("--cut-s", type=float, default=30.0, help="seconds of the cut loop whose cuts join the model")
    ap.add_argument("--start", default=None, help="a saved plan (.npy) to hint and centre on instead of run's")
    ap.add_argument("--tag", default=None, help="the name of the outputs (default: hops<N>)")
    ap.add_argument("--out", default="/tmp/cpsat48", help="where the best plan and CP-SAT's log go")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(args.run, "rb") as fh:
        run = pickle.load(fh)
    if args.start:
        run["plan"] = np.load(args.start)
    tag = args.tag or f"hops{args.hops}"
    res = probe(run, args.hops, args.seconds, args.cut_s, out, tag)
    print(json.dumps({k: v for k, v in res.items() if k != "incumbents"}, default=float), flush=True)


if __name__ == "__main__":
    main()
