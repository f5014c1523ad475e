"""The unit graph for contiguity: which carving units of one segment are neighbours.

Accounts sit in counties (point in polygon, :mod:`planning.data.boundaries`).  Two geographic units (ZIP,
ZIP3, county or state) of one segment are neighbours when they share a county or hold accounts in
neighbouring counties, also across up to ``bridge_hops`` counties that hold no unit of their segment, within
the states where the segment has units (a Mid-market book may span a county without Mid-market accounts; it
is still one region).  Units left with no neighbour, and groups cut off by water or by wide empty land, are
joined to their nearest unit by centre distance (the same "water link" rule as for islands in the county
graph), so the graph of each segment is connected and every carve can be made contiguous.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

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
        reach, step = I + A, A
        for _ in range(bridge_hops):  # paths through counties with no unit of this segment
            step = step @ E @ A
            reach = reach + step
        adj_s = (Bs @ reach @ Bs.T) > 0
        adj_s.setdiag(False)
        adj_s.eliminate_zeros()
        has = np.asarray(Bs.sum(axis=1)).ravel() > 0
        placed = us[has]
        sub = adj_s[has][:, has]
        if len(placed) > 1:
            sub, _ = link_islands(sub, unit_lat[placed], unit_lon[placed])
        coo = sp.coo_matrix(sub)
        out = out + sp.csr_matrix((np.ones(coo.nnz, dtype=bool), (placed[coo.row], placed[coo.col])), shape=(U, U))
    return out.tocsr()


def pieces(adj: sp.csr_matrix, members: np.ndarray) -> np.ndarray:
    """Component label of each unit in ``members`` within the graph restricted to them."""
    if len(members) == 0:
        return np.zeros(0, dtype=int)
    _, lab = connected_components(adj[members][:, members], directed=False)
    return lab


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
