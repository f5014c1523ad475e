"""County-like grids for the contiguity tests: an n × n grid of units (rook adjacency), T territories with homes
on random cells, a potential per unit, bands ±tol around an even split, travel cost = potential × squared
distance to the home (cells), each unit a candidate of its k nearest homes."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optimizers.carve.candidates import Candidates
from optimizers.carve.model import Problem, build_matrix

def grid_problem(n: int, T: int, tol: float = 0.1, seed: int = 0, k: int | None = None, soft: bool = False):
    """(Problem, adjacency CSR, home unit per territory)."""
    rng = np.random.default_rng(seed)
    U = n*n
    xy = np.array([(i, j) for i in range(n) for j in range(n)], float)
    e = [(i*n+j, i*n+j+1) for i in range(n) for j in range(n-1)] + [(i*n+j, (i+1)*n+j) for i in range(n-1) for j in range(n)]
    r, c = np.array(e).T
    adj = sp.csr_matrix((np.ones(2*len(e), bool), (np.r_[r, c], np.r_[c, r])), shape=(U, U))
    homes = rng.choice(U, T, replace=False)
    d = np.linalg.norm(xy[:, None, :] - xy[homes][None], axis=2)
    k = k or T
    near = np.argsort(d, axis=1)[:, :k]
    unit = np.repeat(np.arange(U), k); terr = near.reshape(-1)
    order = np.lexsort((terr, unit)); unit, terr = unit[order], terr[order]
    ptr = np.r_[0, np.cumsum(np.bincount(unit, minlength=U))]
    cand = Candidates(unit, terr, d[unit, terr], np.zeros(len(unit), bool), ptr, np.zeros(0, int))
    w = rng.uniform(1, 3, U)
    tgt = np.full((T, 1), w.sum()/T)
    p = Problem(cand, ["potential"], w[:, None], np.ones(U, int), tgt*(1-tol), tgt*(1+tol), tgt,
                d[unit, terr]**2 * w[unit], np.zeros(len(unit)), np.zeros(len(unit)), soft, np.ones((T, 1)),
                np.full(T, np.inf))
    return p, adj, homes
