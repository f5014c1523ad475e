"""A segment's land: every county of the states where it has accounts, which territory each empty county goes to,
and the one rule that counts a territory's pieces.

A territory carved from counties is drawn as a region of whole counties, so the carve's result and the map must
agree on which counties it holds, empty ones included, and on when two of them touch.  Both read this module:

- :func:`land_graph`: the counties of some states and their adjacency, the county graph's own (shared borders,
  and its water links for islands, :func:`planning.data.boundaries.county_adjacency`), restricted to those
  states; where that leaves the land in pieces (states with no land path between them), each piece is joined to
  its nearest by the same water-link rule.
- :func:`cells`, :func:`fill_land`: each county with none of the segment's accounts is in the cell of the nearest
  county that has some (breadth first from all of them at once) and goes to that county's territory.  The carve's
  unit graph joins two counties when their cells touch (:func:`cell_adjacency`), so a territory one piece there is
  one piece on the map: a book of Dayton and Toledo takes the empty counties of their cells.
- :func:`territory_pieces`: how many pieces each territory's counties make on that graph, counties of one carving
  unit (a parent family spanning counties) counted as joined, as the carve counts units.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import numpy as np
import pandas as pd


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


def fill_land(owner: pd.Series) -> pd.Series:
    """``owner`` (county FIPS → territory_id: the counties holding the segment's accounts) with every other
    county of its :func:`land_graph` given to the territory of the county whose cell it is in (:func:`cells`).
    FIPS ascending."""
    from planning.data.boundaries import county_adjacency

    owner = owner.dropna()
    if owner.empty:
        return owner
    fips = county_adjacency()[0]
    idx, adj = land_graph({str(f)[:2] for f in owner.index})
    at = pd.Series(np.arange(len(idx)), index=fips[idx]).reindex(owner.index.astype(str)).to_numpy()
    ok = ~np.isnan(at)
    terr = np.full(len(idx), None, dtype=object)
    terr[at[ok].astype(np.int64)] = owner.astype(str).to_numpy()[ok]
    src = cells(terr != None, adj)  # noqa: E711 - elementwise
    has = src >= 0
    return pd.Series(terr[src[has]], index=fips[idx][has], name="territory_id")


def cells(held: np.ndarray, adj) -> np.ndarray:
    """Per county of a land graph (``adj``, CSR), the held county (``held``: bool per county) whose cell it is in:
    itself when held, else the nearest held county by breadth-first search from all of them at once (the lowest
    index first at equal distance); −1 where none is reachable.  Each cell is connected (a search tree)."""
    from collections import deque

    src = np.where(held, np.arange(len(held)), -1)
    ptr, ind = adj.indptr, adj.indices
    queue = deque(np.flatnonzero(held).tolist())
    while queue:
        i = queue.popleft()
        for j in ind[ptr[i]:ptr[i + 1]]:
            if src[j] < 0:
                src[j] = src[i]
                queue.append(j)
    return src


def cell_adjacency(held: np.ndarray, adj):
    """(cells, held × held adjacency as CSR bool over the land's counties): two held counties touch when their
    cells (:func:`cells`) share a border.  A region of held counties connected here, each with its cell, is one
    piece on the land graph; the carve's unit graph is this one, so the map draws its one-piece territories as
    one piece."""
    import scipy.sparse as sp

    src = cells(held, adj)
    coo = sp.coo_matrix(adj)
    a, b = src[coo.row], src[coo.col]
    keep = (a >= 0) & (b >= 0) & (a != b)
    n = len(held)
    return src, sp.csr_matrix((np.ones(int(keep.sum()), dtype=bool), (a[keep], b[keep])), shape=(n, n))


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


def territory_pieces(owner: pd.Series) -> pd.Series:
    """territory_id → number of pieces of its counties (``owner``: county FIPS → territory_id, one segment), on
    the :func:`land_graph` of the owner's states.  An island joined by a water link is no extra piece."""
    from scipy.sparse.csgraph import connected_components

    from planning.data.boundaries import county_adjacency

    owner = owner.dropna()
    if owner.empty:
        return pd.Series(dtype=int)
    fips = county_adjacency()[0]
    idx, adj = land_graph({str(f)[:2] for f in owner.index})
    pos = pd.Series(np.arange(len(idx)), index=fips[idx])
    at = pos.reindex(owner.index.astype(str)).to_numpy()
    out = {}
    for tid, where in pd.Series(at, index=owner.to_numpy()).dropna().groupby(level=0):
        members = where.to_numpy(np.int64)
        out[tid] = int(connected_components(adj[members][:, members], directed=False)[0])
    return pd.Series(out, dtype=int, name="pieces")
