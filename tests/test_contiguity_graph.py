"""The unit graph of a sparse segment (issue 24): units whose counties are joined only through empty counties are
neighbours through more of them while that still joins the segment's land, so a territory is never walled in
behind a single nearest-unit link.  Counties on a line, worked by hand."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from optimizers.carve.contiguity_graph import MAX_BRIDGE_HOPS, _bridged


def _line(n: int, cut: tuple[int, ...] = ()) -> sp.csr_matrix:
    """Counties 0 – 1 – … – n−1 on a line; an edge (i, i+1) is missing for i in ``cut`` (water)."""
    i = np.array([k for k in range(n - 1) if k not in cut])
    return sp.csr_matrix((np.ones(2 * len(i)), (np.r_[i, i + 1], np.r_[i + 1, i])), shape=(n, n))


def _graph(n: int, at: list[int], hops: int = 2, cut: tuple[int, ...] = ()) -> sp.csr_matrix:
    """Units × units of one unit per county in ``at``, the other counties empty."""
    A = _line(n, cut)
    Bs = sp.csr_matrix((np.ones(len(at)), (np.arange(len(at)), at)), shape=(len(at), n))
    empty = np.ones(n)
    empty[at] = 0
    return _bridged(Bs, A, sp.identity(n, format="csr"), sp.diags(empty), hops)


def test_two_empty_counties_are_bridged_as_before():
    adj = _graph(8, [0, 3, 7])  # 0 and 3: two empty counties between; 3 and 7: three
    assert adj[0, 1] and not adj[0, 2]
    assert adj[1, 2]  # the segment was in two clusters at two hops: one hop more joins them
    assert connected_components(adj, directed=False)[0] == 1


def test_a_sparse_segment_is_bridged_further_until_its_land_is_one_piece():
    adj = _graph(12, [0, 5, 11])  # four then five empty counties: joined at five hops, not at two
    assert connected_components(adj, directed=False)[0] == 1
    assert adj[0, 1] and adj[1, 2] and not adj[0, 2]  # neighbours along the land only, never across a unit


def test_water_stops_the_search_and_the_hops_stay_within_the_cap():
    # 0 and 2 on one shore, 9 beyond water: more hops join nothing, so the graph stays in two (the water-link rule
    # of link_islands joins it afterwards); a unit further than the cap is never a neighbour
    adj = _graph(12, [0, 2, 9], cut=(5,))
    assert connected_components(adj, directed=False)[0] == 2 and adj[0, 1]
    far = _graph(2 * MAX_BRIDGE_HOPS + 4, [0, MAX_BRIDGE_HOPS + 2])  # MAX + 1 empty counties between
    assert not far[0, 1]


def _random_graph(rng, n: int) -> sp.csr_matrix:
    a, b = rng.integers(0, n, 2 * n), rng.integers(0, n, 2 * n)
    keep = a != b
    A = sp.coo_matrix((np.ones(keep.sum()), (a[keep], b[keep])), shape=(n, n))
    return ((A + A.T) > 0).tocsr()


def test_the_polish_walk_agrees_with_connected_components_and_one_line_by_hand():
    from optimizers.carve.contiguity_graph import neighbour_lists, one_piece, pieces

    line = _line(5, cut=(2,))  # 0 – 1 – 2    3 – 4
    nbrs = neighbour_lists(line)
    assert nbrs == [[1], [0, 2], [1], [4], [3]]
    assert one_piece(nbrs, [0, 1, 2]) and one_piece(nbrs, [3]) and one_piece(nbrs, [])
    assert not one_piece(nbrs, [0, 2]) and not one_piece(nbrs, [2, 3])
    rng = np.random.default_rng(7)
    for _ in range(200):  # the walk (the polish's check) against scipy on random members of random graphs
        n = int(rng.integers(2, 40))
        adj = _random_graph(rng, n)
        members = np.flatnonzero(rng.random(n) < 0.5)
        expect = len(members) == 0 or int(pieces(adj, members).max()) == 0
        assert one_piece(neighbour_lists(adj), members.tolist()) == expect
