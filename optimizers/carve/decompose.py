"""Decomposition: territories linked by a shared candidate unit form one part; parts are solved independently and
their bounds summed, so the reported gap is against the whole problem's LP bound."""
from __future__ import annotations

import dataclasses
import time

import numpy as np
import scipy.sparse as sp

from optimizers.carve.model import Problem
from optimizers.carve.repair import solve_one
from optimizers.carve.settings import CarveSettings

def solve_components(cs: CarveSettings, p: Problem, progress, stop, deadline, stats, expand=None, k_used: int = 0):
    """Decompose into independent groups of territories, solve each; returns status, assign, obj, bound."""
    c = p.cand
    comps = [np.arange(p.n_terr)]
    if cs.decompose and cs.max_moves is None and cs.max_arr_moved is None:
        # territories linked by a shared candidate unit belong to one component
        link = sp.coo_matrix((np.ones(len(c.unit)), (c.unit, c.terr)), shape=(p.n_units, p.n_terr)).tocsc()
        adj = (link.T @ link) > 0
        n, lab = sp.csgraph.connected_components(adj, directed=False)
        comps = [np.flatnonzero(lab == k) for k in range(n)]
    assign = np.full(p.n_units, -1, dtype=np.int64)
    statuses, objective, bound = [], 0.0, 0.0
    total_pairs = max(len(c.unit), 1)
    done_pairs = 0
    for k, terrs in enumerate(comps):
        sub, uidx = subproblem(p, terrs)
        share = len(sub.cand.unit) / total_pairs
        left_pairs = max(total_pairs - done_pairs, 1)
        remaining = max(deadline - time.perf_counter(), 1.0)
        # each part gets its share of the time still left (by size among the parts still to solve), so time
        # a quick part saves goes to the later ones instead of being lost
        budget = remaining * min(1.0, max(len(sub.cand.unit) / left_pairs, 0.1)) if len(comps) > 1 else remaining
        base = done_pairs / total_pairs

        def prog(f, msg, base=base, share=share):
            progress(0.05 + 0.85 * (base + share * f), msg)

        st, a, obj, bnd = solve_one(cs, sub, prog, stop, time.perf_counter() + budget, stats, k, len(comps))
        k2 = k_used
        while (st == "infeasible" and stats.pop("lp_infeasible", False) and expand is not None
               and k2 < p.n_terr and time.perf_counter() < deadline - 2):
            # this part's LP is infeasible over the pruned pairs: retry it with longer candidate lists
            k2 = min(p.n_terr, 2 * k2)
            prog(0.0, f"part {k + 1}/{len(comps)}: widening to {k2} candidate territories per unit")
            sub2, uidx2 = subproblem(expand(k2), terrs)
            if len(uidx2) != len(uidx) or (uidx2 != uidx).any():
                stats["lp_infeasible"] = True  # the parts changed shape: let the caller restart whole
                break
            grown = len(sub2.cand.unit) - len(sub.cand.unit)
            sub = sub2
            stats["candidates_k"] = max(stats.get("candidates_k", 0), k2)
            remaining = max(deadline - time.perf_counter(), 1.0)
            part = min(1.0, max(len(sub.cand.unit) / max(left_pairs + grown, 1), 0.1))
            st, a, obj, bnd = solve_one(cs, sub, prog, stop, time.perf_counter() + remaining * part,
                                              stats, k, len(comps))
        if a is None and st == "time_limit" and len(comps) > 1 and deadline - time.perf_counter() > 5:
            # no plan for this part within its share: give it most of what is left rather than fail the carve
            prog(0.0, f"part {k + 1}/{len(comps)}: no plan within its share of the time; retrying with more")
            st, a, obj, bnd = solve_one(cs, sub, prog, stop,
                                              time.perf_counter() + 0.8 * (deadline - time.perf_counter()),
                                              stats, k, len(comps))
        done_pairs += len(sub.cand.unit)
        statuses.append(st)
        if a is None:
            return st, None, np.nan, np.nan
        assign[uidx] = terrs[a]
        objective += obj
        bound += bnd
    order = ["infeasible", "time_limit", "feasible", "optimal"]
    status = min(statuses, key=order.index) if statuses else "optimal"
    gap = (objective - bound) / abs(objective) if objective else 0.0
    if status == "optimal" and gap > cs.mip_gap + 1e-9:
        status = "feasible"
    elif status in ("feasible", "time_limit") and gap <= cs.mip_gap + 1e-9:
        # "optimal" means proven within the gap target; the parts' summed bound proves it for the whole
        # even when one part ran out of its share of the time a hair above the target on its own
        status = "optimal"
    return status, assign, objective, bound


def subproblem(p: Problem, terrs: np.ndarray) -> tuple[Problem, np.ndarray]:
    """The part of ``p`` on territories ``terrs`` and the units whose candidates all lie there."""
    c = p.cand
    in_t = np.zeros(p.n_terr, dtype=bool)
    in_t[terrs] = True
    if in_t.all():
        return p, np.arange(p.n_units)
    units = np.unique(c.unit[in_t[c.terr]])
    umap = np.full(p.n_units, -1)
    umap[units] = np.arange(len(units))
    tmap = np.full(p.n_terr, -1)
    tmap[terrs] = np.arange(len(terrs))
    keep = (umap[c.unit] >= 0) & in_t[c.terr]
    nu = umap[c.unit[keep]]
    ptr = np.zeros(len(units) + 1, dtype=np.int64)
    np.cumsum(np.bincount(nu, minlength=len(units)), out=ptr[1:])
    orphans = umap[np.intersect1d(c.orphans, units)] if len(c.orphans) else c.orphans
    cand = dataclasses.replace(c, unit=nu, terr=tmap[c.terr[keep]], dist_mi=c.dist_mi[keep],
                               rule_break=c.rule_break[keep], ptr=ptr, orphans=orphans)
    q = dataclasses.replace(p, cand=cand, unit_metrics=p.unit_metrics[units], unit_accounts=p.unit_accounts[units],
                            lo=p.lo[terrs], hi=p.hi[terrs], target=p.target[terrs], pair_cost=p.pair_cost[keep],
                            pair_moves=p.pair_moves[keep], pair_arr_moved=p.pair_arr_moved[keep],
                            penalty=p.penalty[terrs], max_accounts=p.max_accounts[terrs])
    return q, units

