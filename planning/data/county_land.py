"""A segment's land: every county of the states where it has accounts, how a territory's counties and the empty
counties between them make one region, and the one rule that counts its pieces.

A territory carved from counties is drawn as a region of whole counties, so the carve's result and the map must
agree on which counties it holds, empty ones included, and on when two of them touch.  Both read this module:

- :func:`land_graph`: the counties of some states and their adjacency, the county graph's own (shared borders,
  and its water links for islands, :func:`planning.data.boundaries.county_adjacency`), restricted to those
  states; where that leaves the land in pieces (states with no land path between them), each piece is joined to
  its nearest by the same water-link rule.
- :func:`fill_land`: the empty counties (no account of the segment) given to territories: first the shortest
  runs of empty counties that join a territory's pieces (a book of Dayton and Toledo takes the empty counties between
  them, as a manager draws it), then every other empty county to its nearest territory (breadth first), which
  never splits a region.
- :func:`territory_pieces`: how many pieces each territory's counties make on that graph, counties of one carving
  unit (a parent family spanning counties) counted as joined, as the carve counts units.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import numpy as np
import pandas as pd

# The longest run of empty counties a territory's region takes to join its pieces, and the farthest the carve's
# unit graph joins two counties of a segment across (optimizers.carve.contiguity_graph): ~180 mi, 6 counties ~30 mi
# across.  Longer runs drawn for one territory walled in its neighbours (no fewer territories in pieces on the demo).
MAX_EMPTY_RUN = 6


@lru_cache(maxsize=16)
def _land(states: tuple[str, ...]):
    import scipy.sparse as sp

    from planning.data.boundaries import counties, county_adjacency, link_islands

    fips, adj, _ = county_adjacency()
    idx = np.flatnonzero(np.isin(np.array([f[:2] for f in fips]), states))
    sub = sp.csr_matrix(adj[idx][:, idx], dtype=bool)
    c = counties()  # same order as county_adjacency's fips
    if len(idx) > 1:
        sub, _ = link_islands(sub, c["lat"].to_numpy(float)[idx], c["lon"].to_numpy(float)[idx])
    sub = sp.csr_matrix(sub, dtype=bool)
    sub.sort_indices()
    return idx, sub


def land_graph(state_fips: Iterable[str]):
    """(positions of the land's counties in :func:`~planning.data.boundaries.county_adjacency`'s order, their
    adjacency as CSR bool, connected): the counties of ``state_fips`` (2-digit state codes)."""
    return _land(tuple(sorted(set(map(str, state_fips)))))


def fill_land(owner: pd.Series, joins: Iterable[tuple[str, str]] = (), max_run: int = MAX_EMPTY_RUN) -> pd.Series:
    """``owner`` (county FIPS → territory_id: the counties holding the segment's accounts) with every other
    county of its :func:`land_graph` given to a territory: the runs of empty counties that join a territory's
    pieces (shortest from its largest piece, territories in the order of their ids; a run never crosses another
    territory, nor more than ``max_run`` empty counties), then the rest to the nearest territory by breadth-first
    search.  FIPS ascending."""
    from planning.data.boundaries import county_adjacency

    owner = owner.dropna()
    if owner.empty:
        return owner
    fips = county_adjacency()[0]
    idx, adj = land_graph({str(f)[:2] for f in owner.index})
    nbrs = _neighbours(adj, idx, fips, joins)
    tids = np.array(sorted(set(map(str, owner))), dtype=object)
    label = np.full(len(idx), -1, dtype=np.int64)
    at = pd.Series(np.arange(len(idx)), index=fips[idx]).reindex(owner.index.astype(str)).to_numpy()
    ok = ~np.isnan(at)
    label[at[ok].astype(np.int64)] = np.searchsorted(tids, owner.astype(str).to_numpy()[ok])
    for t in range(len(tids)):
        _join_pieces(label, nbrs, t, max_run)
    _nearest_fill(label, nbrs)
    has = label >= 0
    return pd.Series(tids[label[has]], index=fips[idx][has], name="territory_id")


def _neighbours(adj, idx: np.ndarray, fips: np.ndarray, joins) -> list[list[int]]:
    """Per land county (local index), its neighbours: the land graph's, and counties of one carving unit."""
    ptr, ind = adj.indptr, adj.indices.tolist()
    nbrs = [ind[ptr[i]:ptr[i + 1]] for i in range(len(idx))]
    pos = {f: i for i, f in enumerate(fips[idx])}
    for a, b in joins:
        if a in pos and b in pos:
            nbrs[pos[a]].append(pos[b])
            nbrs[pos[b]].append(pos[a])
    return nbrs


def _join_pieces(label: np.ndarray, nbrs: list[list[int]], t: int, max_run: int) -> None:
    """Territory ``t``'s pieces joined through empty counties (label −1), in place: breadth first from its largest
    piece over empty counties and its own; each other piece reached is joined by the run that reached it (the
    shortest), and the search goes on from it.  (Routing the shortest run any territory needs first, as for
    disjoint paths, left more territories in pieces: 17 of 23 on the demo company's county plan, against 14.)"""
    from collections import deque

    members = np.flatnonzero(label == t)
    if len(members) < 2:
        return
    piece = dict(zip(members.tolist(), walk_labels(nbrs, members.tolist())))
    main = int(np.argmax(np.bincount(list(piece.values()))))
    parent = {u: -1 for u, k in piece.items() if k == main}
    depth = dict.fromkeys(parent, 0)  # empty counties on the run so far
    queue = deque(parent)
    while queue:
        u = queue.popleft()
        for w in nbrs[u]:
            if w in parent or label[w] not in (-1, t):
                continue
            if label[w] == t:  # another piece: the empty run from the main region to it becomes t's
                parent[w] = u
                v = u
                while v != -1 and label[v] == -1:
                    label[v] = t
                    depth[v] = 0
                    v = parent[v]
                rest = [x for x, k in piece.items() if k == piece[w] and x != w]
                parent.update({x: w for x in rest})
                depth.update(dict.fromkeys([w, *rest], 0))
                queue.extend([w, *rest])
            elif depth[u] < max_run:
                parent[w], depth[w] = u, depth[u] + 1
                queue.append(w)


def walk_labels(nbrs: list[list[int]], units: list[int]) -> list[int]:
    """Piece label of each of ``units`` in the graph of neighbour lists ``nbrs`` restricted to them, pieces numbered
    in the order of their lowest unit (as scipy's connected_components numbers them on the subgraph)."""
    inside, lab, k = set(units), {}, -1
    for s in sorted(units):
        if s in lab:
            continue
        k, stack = k + 1, [s]
        lab[s] = k
        while stack:
            for w in nbrs[stack.pop()]:
                if w in inside and w not in lab:
                    lab[w] = k
                    stack.append(w)
    return [lab[u] for u in units]


def _nearest_fill(label: np.ndarray, nbrs: list[list[int]]) -> None:
    """Every county still empty to its nearest territory, breadth first from all of them at once (in place)."""
    from collections import deque

    queue = deque(np.flatnonzero(label >= 0).tolist())
    while queue:
        i = queue.popleft()
        for j in nbrs[i]:
            if label[j] < 0:
                label[j] = label[i]
                queue.append(j)


def territory_pieces(owner: pd.Series, joins: Iterable[tuple[str, str]] = ()) -> pd.Series:
    """territory_id → number of pieces of its counties (``owner``: county FIPS → territory_id, one segment), on
    the :func:`land_graph` of the owner's states with ``joins`` (pairs of county FIPS held by one carving unit)
    counted as touching.  An island joined by a water link is no extra piece."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from planning.data.boundaries import county_adjacency

    owner = owner.dropna()
    if owner.empty:
        return pd.Series(dtype=int)
    fips = county_adjacency()[0]
    idx, adj = land_graph({str(f)[:2] for f in owner.index})
    pos = pd.Series(np.arange(len(idx)), index=fips[idx])
    pairs = [(pos[a], pos[b]) for a, b in joins if a in pos.index and b in pos.index]
    if pairs:
        r, c = np.array(pairs).T
        extra = sp.csr_matrix((np.ones(2 * len(r), dtype=bool), (np.r_[r, c], np.r_[c, r])), shape=adj.shape)
        adj = (adj + extra).tocsr()
    at = pos.reindex(owner.index.astype(str)).to_numpy()
    out = {}
    for tid, where in pd.Series(at, index=owner.to_numpy()).dropna().groupby(level=0):
        members = where.to_numpy(np.int64)
        out[tid] = int(connected_components(adj[members][:, members], directed=False)[0])
    return pd.Series(out, dtype=int, name="pieces")
