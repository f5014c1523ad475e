"""The unit graph of a sparse segment (issue 24): each county with none of its accounts is in the cell of the nearest
county that has some, and two counties are neighbours when their cells touch, so a territory crosses the empty
land of its cells and is one piece on the map when it is one piece here.  Counties on a line, worked by hand; the
Delaware and Ohio cases on real counties are in tests/shapes/test_county_land.py."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from planning.data.county_land import cell_adjacency, cells


def _line(n: int, cut: tuple[int, ...] = ()) -> sp.csr_matrix:
    """Counties 0 – 1 – … – n−1 on a line; an edge (i, i+1) is missing for i in ``cut`` (water)."""
    i = np.array([k for k in range(n - 1) if k not in cut])
    return sp.csr_matrix((np.ones(2 * len(i)), (np.r_[i, i + 1], np.r_[i + 1, i])), shape=(n, n))


def _held(n: int, at: list[int]) -> np.ndarray:
    held = np.zeros(n, dtype=bool)
    held[at] = True
    return held


def test_each_empty_county_is_in_the_cell_of_the_nearest_held_one_lowest_first_on_a_tie():
    # 0 . . 3 . . . 7: county 1 is nearest 0; 2 and 5 are tied (one from 3, …), the lowest held county wins
    assert cells(_held(8, [0, 3, 7]), _line(8)).tolist() == [0, 0, 3, 3, 3, 3, 7, 7]


def test_held_counties_touch_when_their_cells_do_never_across_a_third_cell():
    src, touch = cell_adjacency(_held(8, [0, 3, 7]), _line(8))
    assert touch[0, 3] and touch[3, 7] and not touch[0, 7]  # 0 and 7 only through 3's cell
    assert (touch != touch.T).nnz == 0
    held = np.flatnonzero(_held(8, [0, 3, 7]))
    assert connected_components(touch[held][:, held], directed=False)[0] == 1
    # water between 5 and 6: 9's cell never touches 2's (the land graph joins such shores first, land_graph)
    src, touch = cell_adjacency(_held(12, [0, 2, 9]), _line(12, cut=(5,)))
    assert touch[0, 2] and not touch[2, 9] and src[6] == 9


def _random_graph(rng, n: int) -> sp.csr_matrix:
    a, b = rng.integers(0, n, 2 * n), rng.integers(0, n, 2 * n)
    keep = a != b
    A = sp.coo_matrix((np.ones(keep.sum()), (a[keep], b[keep])), shape=(n, n))
    return ((A + A.T) > 0).tocsr()


def test_the_polish_walk_agrees_with_connected_components_and_one_line_by_hand():
    from optimizers.contiguity.contiguity_graph import neighbour_lists, one_piece, pieces

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


def test_cut_vertices_by_hand_and_against_removing_each_member_and_walking():
    """The swaps' shortcut (a unit that is no cut vertex may leave without a walk) must say exactly what removing
    each member and walking the rest says; None for members already in pieces."""
    from optimizers.contiguity.contiguity_graph import cut_vertices, neighbour_lists, one_piece

    line = neighbour_lists(_line(5))  # 0 – 1 – 2 – 3 – 4: the inner three cut it
    assert cut_vertices(line, range(5)) == {1, 2, 3}
    assert cut_vertices(line, [0, 1]) == set() and cut_vertices(line, [2]) == set()
    assert cut_vertices(line, [0, 2]) is None
    ring = neighbour_lists(_line(4) + sp.csr_matrix(([1, 1], ([0, 3], [3, 0])), shape=(4, 4)))
    assert cut_vertices(ring, range(4)) == set()  # a ring has none
    rng = np.random.default_rng(11)
    for _ in range(300):
        n = int(rng.integers(2, 30))
        nbrs = neighbour_lists(_random_graph(rng, n))
        members = np.flatnonzero(rng.random(n) < 0.7).tolist()
        got = cut_vertices(nbrs, members)
        if not one_piece(nbrs, members):
            assert got is None
            continue
        assert got == {u for u in members if not one_piece(nbrs, [w for w in members if w != u])}
