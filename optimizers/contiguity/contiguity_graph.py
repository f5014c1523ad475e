"""The unit graph for contiguity: which carving units of one segment are neighbours.

Accounts sit in counties (point in polygon, :mod:`planning.data.boundaries`).  A segment's land is every county
of the states where it has units (:func:`planning.data.county_land.land_graph`: the county graph there, its water
links, joined where the states themselves are apart); each county with none of its accounts is in the cell of the
nearest county that has some (:func:`planning.data.county_land.cells`, the same cells the map fills them by).  Two
geographic units (ZIP, ZIP3, county or state) of one segment are neighbours when they share a county or hold
counties whose cells share a border.  So the graph of each segment is connected, a sparse segment's territory
crosses the empty land between its counties (the demo's Mid-market: 650 of 3,107 counties hold an account), and a
territory one piece here is one piece on the map.

(It used to join counties across up to 6 empty counties, and across nearest-unit links: two territories could
then cross each other's empty land, and the demo's county plan, "all 23 territories in one piece" here, was drawn
with 14 of them in pieces.)
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

GEO_KINDS = ("zip", "zip3", "county", "state")


def unit_graph(of_account: np.ndarray, county_fips: pd.Series, unit_segment: np.ndarray,
               geo_unit: np.ndarray) -> sp.csr_matrix:
    """Symmetric adjacency (CSR bool) between geographic units of the same segment (see module docstring)."""
    from planning.data.boundaries import county_adjacency

    fips = county_adjacency()[0]
    C, U = len(fips), len(unit_segment)
    pos = pd.Series(np.arange(C), index=fips)
    cidx = pos.reindex(county_fips.to_numpy()).to_numpy()
    ok = ~np.isnan(cidx) & geo_unit[of_account]
    rows, cols = of_account[ok], cidx[ok].astype(np.int64)
    B = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(U, C))
    B.data[:] = 1.0
    state_of = np.array([f[:2] for f in fips])
    out = sp.csr_matrix((U, U), dtype=bool)
    for seg in np.unique(unit_segment[geo_unit]):
        us = np.flatnonzero((unit_segment == seg) & geo_unit)
        sub = segment_graph(B[us], state_of)
        coo = sp.coo_matrix(sub)
        out = out + sp.csr_matrix((np.ones(coo.nnz, dtype=bool), (us[coo.row], us[coo.col])), shape=(U, U))
    return out.tocsr()


def segment_graph(Bs: sp.csr_matrix, state_of: np.ndarray) -> sp.csr_matrix:
    """Units × units adjacency of one segment (``Bs``: its units × every county; ``state_of``: each county's state
    code): sharing a county, or holding counties whose cells touch on the segment's land."""
    from planning.data.county_land import cell_adjacency, land_graph

    held = np.asarray(Bs.sum(axis=0)).ravel() > 0
    if not held.any():
        return sp.csr_matrix((Bs.shape[0], Bs.shape[0]), dtype=bool)
    idx, A = land_graph(np.unique(state_of[held]))
    _, touch = cell_adjacency(held[idx], A)
    Bl = sp.csr_matrix(Bs[:, idx])
    adj = (Bl @ (sp.identity(len(idx), format="csr") + touch.astype(float)) @ Bl.T) > 0
    adj.setdiag(False)
    adj.eliminate_zeros()
    return adj.tocsr()


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


def cut_vertices(nbrs: list[list[int]], members) -> set[int] | None:
    """The cut vertices of ``members`` (unit indices) in the graph of :func:`neighbour_lists`: the units whose
    removal splits them (iterative Tarjan, one walk); None when they are not one piece to start with.  A unit not
    among them can leave, and a unit touching the rest can join, without a walk per candidate (the polish's swaps
    checked ~9,000 candidates a demo carve with :func:`one_piece`, a third of its county carve's Python time)."""
    inside = set(members)
    if len(inside) <= 2:
        return set() if len(inside) < 2 or one_piece(nbrs, list(inside)) else None
    root = next(iter(inside))
    depth, low, cut = {root: 0}, {root: 0}, set()
    stack, root_children = [(root, -1, iter(nbrs[root]))], 0
    while stack:
        u, parent, it = stack[-1]
        for w in it:
            if w not in inside:
                continue
            if w not in depth:
                depth[w] = low[w] = depth[u] + 1
                stack.append((w, u, iter(nbrs[w])))
                break
            if w != parent:
                low[u] = min(low[u], depth[w])
        else:
            stack.pop()
            if parent < 0:
                continue
            low[parent] = min(low[parent], low[u])
            if parent == root:
                root_children += 1
            elif low[u] >= depth[parent]:
                cut.add(parent)
    if len(depth) < len(inside):
        return None
    if root_children > 1:
        cut.add(root)
    return cut


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



def unit_graph_of(ctx: dict, geo: np.ndarray) -> sp.csr_matrix:
    """:func:`unit_graph` of a prepared carve (kept on ``ctx`` so the check and the repair share it)."""
    if "unit_graph" not in ctx:
        from planning.data.boundaries import account_counties
        from planning.plans.carving_units import outlying_family_accounts

        units, acc = ctx["units"], ctx["acc"]
        county = pd.Series(account_counties(acc).to_numpy(), index=acc.index, dtype="string")
        # a family's accounts outside its main county ride with its unit and touch nothing there (as on the map)
        county = county.mask(outlying_family_accounts(acc, county))
        ctx["unit_graph"] = unit_graph(units.of_account, county,
                                       units.frame["segment"].astype(str).to_numpy(), geo)
    return ctx["unit_graph"]


def drawn_pieces(ctx: dict, assign: np.ndarray, units: dict[str, str]) -> np.ndarray:
    """Per territory, the pieces of its region as the map draws it (:func:`planning.plans.shapes.territory_pieces_of`:
    whole counties, empty ones filled); 0 for a territory of no segment carved by county or state.  The result
    reports this count, the map's: for county units the unit graph counts the same way (cells that touch), so it
    only tells more where a county holds accounts of several territories (a pin, a family across segments' rules)."""
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
