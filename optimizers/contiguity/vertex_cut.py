"""The exact check of the separation (:mod:`optimizers.contiguity.connectivity`): the minimum-weight set of units
separating two units of a territory's candidate subgraph, by max-flow on its split graph (unit j: an arc
j → j + n of capacity w[j]; each edge j + n → k of unbounded capacity).

The split graph's structure depends on the territory only, so it is built once per territory (:func:`split_graph`,
kept on the territory) and each check only fills in the capacities: rebuilding it from coordinates was a third of
each check on the demo company's counties (~2,000 checks a carve).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

__all__ = ["FLOW_SCALE", "split_graph", "min_vertex_cut"]

FLOW_SCALE = 1_000_000  # vertex weights x(·,t) as integer capacities for scipy's max-flow


def split_graph(tg) -> tuple[sp.csr_matrix, np.ndarray]:
    """Territory ``tg``'s split graph (a ``connectivity._Terr``: ``n``, local edges ``ei``/``ej``): its CSR (2n
    nodes) and, per stored arc, its index in [vertex arcs j → j + n, then edge arcs j + n → k]; built once."""
    if tg._split is None:
        n = tg.n
        rows, cols = np.r_[np.arange(n), tg.ei + n], np.r_[np.arange(n) + n, tg.ej]
        G = sp.csr_matrix((np.arange(1, len(rows) + 1, dtype=np.int64), (rows, cols)), shape=(2 * n, 2 * n))
        tg._split = (G, G.data - 1)
    return tg._split


def min_vertex_cut(tg, w: np.ndarray, s: int, d: int) -> tuple[float, np.ndarray]:
    """Minimum-weight set of units (weights ``w``; s and d not removable) separating s from d in ``tg``'s
    subgraph: (weight, local units of the set)."""
    n = tg.n
    big = FLOW_SCALE * (n + 1)
    cap_v = np.round(np.clip(w, 0, 1) * FLOW_SCALE).astype(np.int64)
    cap_v[[s, d]] = big
    G0, arc = split_graph(tg)
    caps = np.r_[cap_v, np.full(len(tg.ei), big)][arc].astype(np.int32)
    G = sp.csr_matrix((caps, G0.indices, G0.indptr), shape=G0.shape)
    res = maximum_flow(G, s + n, d, method="dinic")
    R = (G - res.flow).tocsr()  # residual capacities (reverse arcs carry the flow back)
    R.data = (R.data > 0).astype(np.int8)
    R.eliminate_zeros()
    reach = np.zeros(2 * n, dtype=bool)
    reach[breadth_first_order(R, s + n, directed=True, return_predecessors=False)] = True
    return res.flow_value / FLOW_SCALE, np.flatnonzero(reach[:n] & ~reach[n:])
