"""The unit graph for contiguity: which carving units of one segment are neighbours.

Accounts sit in counties (point in polygon, :mod:`planning.data.boundaries`).  Two geographic units (ZIP,
ZIP3, county or state) of one segment are neighbours when they share a county or hold accounts in
neighbouring counties, also across up to ``bridge_hops`` counties that hold no unit of their segment, within
the states where the segment has units (a Mid-market book may span a county without Mid-market accounts; it
is still one region).  A sparse segment (the demo's Mid-market: 644 of 3,107 counties hold an account) is in
many clusters at two hops (14, joined only by single nearest-unit links, so a territory behind such a link had
one neighbour and one piece within the bands was out of reach); its bridges then reach further, a hop at a time
up to :data:`MAX_BRIDGE_HOPS` empty counties, until the segment's land is one piece (4 hops for the demo), as a
sales-ops user draws it: the empty counties between two of a territory's counties belong to it.  Units left with
no neighbour, and groups cut off by water or by wide empty land, are then joined to their nearest unit by centre
distance (the same "water link" rule as for islands in the county graph), so the graph of each segment is
connected and every carve can be made contiguous.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from planning.data.county_land import MAX_EMPTY_RUN as MAX_BRIDGE_HOPS  # the map joins pieces over as many
from planning.data.county_land import walk_labels  # noqa: F401 - the polish and the cuts label pieces with it

GEO_KINDS = ("zip", "zip3", "county", "state")


def unit_graph(of_account: np.ndarray, county_fips: pd.Series, unit_segment: np.ndarray, geo_unit: np.ndarray,
               unit_lat: np.ndarray, unit_lon: np.ndarray, bridge_hops: int = 2) -> sp.csr_matrix:
    """Symmetric adjacency (CSR bool) between geographic units of the same segment (see module docstring)."""
    from planning.data.boundaries import county_adjacency, link_islands

    fips, cadj, _ = county_adjacency()
    C, U = len(fips), len(unit_segment)
    pos = pd.Series(np.arange(C), index=fips)
    cidx = pos.reindex(county_fips.to_numpy()).to_numpy()
    ok = ~np.isnan(cidx) & geo_unit[of_account]
    rows, cols = of_account[ok], cidx[ok].astype(np.int64)
    B = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(U, C))
    B.data[:] = 1.0
    A = sp.csr_matrix(cadj, dtype=float)
    I = sp.identity(C, format="csr")
    state_of = np.array([f[:2] for f in fips])
    out = sp.csr_matrix((U, U), dtype=bool)
    for seg in np.unique(unit_segment[geo_unit]):
        us = np.flatnonzero((unit_segment == seg) & geo_unit)
        Bs = B[us]
        covered = np.asarray(Bs.sum(axis=0)).ravel() > 0
        in_states = np.isin(state_of, np.unique(state_of[covered]))
        E = sp.diags((~covered & in_states).astype(float))  # bridge only through empty counties of its states
        has = np.asarray(Bs.sum(axis=1)).ravel() > 0
        placed = us[has]
        sub = _bridged(Bs[has], A, I, E, bridge_hops)
        if len(placed) > 1:
            sub, _ = link_islands(sub, unit_lat[placed], unit_lon[placed])
        coo = sp.coo_matrix(sub)
        out = out + sp.csr_matrix((np.ones(coo.nnz, dtype=bool), (placed[coo.row], placed[coo.col])), shape=(U, U))
    return out.tocsr()


def _bridged(Bs: sp.csr_matrix, A: sp.csr_matrix, I: sp.csr_matrix, E: sp.dia_matrix, hops: int) -> sp.csr_matrix:
    """Units × units adjacency of one segment's placed units (``Bs``: units × counties): sharing or touching a
    county, or joined by a path through at most ``hops`` empty counties (``E``: the empty ones), more hops (up to
    :data:`MAX_BRIDGE_HOPS`) while that still joins clusters and the segment is in more than one."""
    reach, step, comps = I + A, A, []
    for k in range(max(hops, MAX_BRIDGE_HOPS) + 1):
        if k >= hops:
            adj = (Bs @ reach @ Bs.T) > 0
            comps.append(connected_components(adj, directed=False)[0])
            # one piece, or two more hops joined nothing (what is left is cut off by water or wide empty land)
            if comps[-1] <= 1 or (len(comps) > 2 and comps[-1] >= comps[-3]):
                break
        step = step @ E @ A  # paths through one more county with no unit of this segment
        reach = reach + step
    adj.setdiag(False)
    adj.eliminate_zeros()
    return adj


def pieces(adj: sp.csr_matrix, members: np.ndarray) -> np.ndarray:
    """Component label of each unit in ``members`` within the graph restricted to them."""
    if len(members) == 0:
        return np.zeros(0, dtype=int)
    _, lab = connected_components(adj[members][:, members], directed=False)
    return lab


def neighbour_lists(adj: sp.csr_matrix) -> list[list[int]]:
    """Per unit, its neighbours as a Python list: the polish walks them in pure-Python loops, where slicing the
    sparse matrix for every check (:func:`pieces`) cost ~0.5 ms a check, most of the demo's county polish."""
    ptr, idx = adj.indptr, adj.indices.tolist()
    return [idx[ptr[i]:ptr[i + 1]] for i in range(adj.shape[0])]


def one_piece(nbrs: list[list[int]], members) -> bool:
    """Whether ``members`` (unit indices) are one piece in the graph of :func:`neighbour_lists` (none: True); a
    walk over the members only, ~20× faster than :func:`pieces` on a territory of ~100 counties."""
    left = set(members)
    if len(left) <= 1:
        return True
    stack = [left.pop()]
    while stack and left:
        for w in nbrs[stack.pop()]:
            if w in left:
                left.remove(w)
                stack.append(w)
    return not left


def count_pieces(adj: sp.csr_matrix, assign: np.ndarray, n_terr: int, geo_unit: np.ndarray) -> np.ndarray:
    """Pieces per territory (connected components of its geographic units)."""
    out = np.zeros(n_terr, dtype=int)
    for t in range(n_terr):
        members = np.flatnonzero((assign == t) & geo_unit)
        if len(members):
            out[t] = int(pieces(adj, members).max()) + 1
    return out


def unit_kinds(units_frame: pd.DataFrame) -> pd.Series:
    """Kind of each unit from its key ('Mid-market | county 25017' → 'county'; accounts → 'acct')."""
    geo = units_frame["key"].astype(str).str.split(" | ", n=1, regex=False).str[1]
    return geo.str.split(" ", n=1, regex=False).str[0]



def unit_names(units_frame: pd.DataFrame) -> np.ndarray:
    """Readable unit names for messages: 'Middlesex, MA', 'ZIP 02139', 'ZIP3 021', 'MA'."""
    geo = units_frame["key"].astype(str).str.split(" | ", n=1, regex=False).str[1]
    kind, code = geo.str.split(" ", n=1, regex=False).str[0], geo.str.split(" ", n=1, regex=False).str[1]
    out = np.where(kind == "zip", "ZIP " + code, np.where(kind == "zip3", "ZIP3 " + code, code)).astype(object)
    cty = (kind == "county").to_numpy()
    if cty.any():
        from planning.data.boundaries import county_labels

        out[cty] = county_labels(code[cty].to_numpy()).to_numpy()
    return out



def unit_graph_of(ctx: dict, geo: np.ndarray, bridge_hops: int = 2) -> sp.csr_matrix:
    """:func:`unit_graph` of a prepared carve (kept on ``ctx`` so the check and the repair share it)."""
    if "unit_graph" not in ctx:
        from planning.data.boundaries import account_counties

        units = ctx["units"]
        ctx["unit_graph"] = unit_graph(units.of_account, account_counties(ctx["acc"]),
                                       units.frame["segment"].astype(str).to_numpy(), geo,
                                       units.frame["lat"].to_numpy(float), units.frame["lon"].to_numpy(float),
                                       bridge_hops)
    return ctx["unit_graph"]


def drawn_pieces(ctx: dict, assign: np.ndarray, units: dict[str, str]) -> np.ndarray:
    """Per territory, the pieces of its region as the map draws it (:func:`planning.plans.shapes.territory_pieces_of`:
    whole counties, empty ones filled); 0 for a territory of no segment carved by county or state.  The unit graph
    lets a territory reach across empty counties another may need too, so a plan one piece on it can still be drawn
    in pieces: the result reports this count, the map's."""
    from planning.plans.shapes import territory_pieces_of

    acc, terr = ctx["acc"], ctx["terr"]
    drawn = [s for s, kind in units.items() if kind in ("county", "state")]
    out = np.zeros(len(terr), dtype=int)
    mine = acc["segment"].astype(str).isin(drawn).to_numpy()
    if not mine.any():
        return out
    tids = np.asarray(terr.index)
    assignment = pd.Series(tids[assign[ctx["units"].of_account]], index=acc["account_id"].astype(str).to_numpy())
    counted = territory_pieces_of(assignment, acc.loc[mine])
    pos = pd.Series(np.arange(len(tids)), index=tids.astype(str))
    at = pos.reindex(counted.index.astype(str)).to_numpy()
    ok = ~np.isnan(at)
    out[at[ok].astype(np.int64)] = counted.to_numpy()[ok]
    return out
