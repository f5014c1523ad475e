"""The polish's rebalance (issue 24): a book walled in by a neighbour whose every border unit is a cut vertex grows
by a move that carries the piece it cuts off (optimizers.contiguity.contiguity_rebalance).  Worked by hand, then grids
where the growth from the roots walled a book in and single border moves could not bring it into its band."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.contiguity.contiguity import make_contiguous
from optimizers.contiguity.contiguity_graph import count_pieces
from optimizers.contiguity.contiguity_rebalance import deltas
from tests.test_one_piece_rounding import grown_and_checked, random_grid


def _graph(edges: list[tuple[int, int]], n: int) -> sp.csr_matrix:
    i, j = np.array(edges).T
    return sp.csr_matrix((np.ones(2 * len(edges), dtype=bool), (np.r_[i, j], np.r_[j, i])), shape=(n, n))


# Unit 0 (book B's root) touches only unit 2.  Book A holds 1–2–3–4–5 with its root at 5 and unit 1 a dead end
# hanging off 2:
#
#     0
#     |
# 1 — 2 — 3 — 4 — 5
#
# B can only grow through 2, and 2 is a cut vertex of A (without it, 1 is cut off).
POCKET = _graph([(0, 2), (1, 2), (2, 3), (3, 4), (4, 5)], 6)


def _polish(fixed, tol=0.0):
    """Potential 1 per unit, book A (0) and book B (1) of target 3 each (±tol), A = {1, …, 5}, B = {0}."""
    U, T = 6, 2
    target = np.full((T, 1), 3.0)
    return make_contiguous(POCKET, np.array([1, 0, 0, 0, 0, 0]), np.ones((U, T), bool), np.asarray(fixed),
                           np.ones(U, bool), np.ones((U, 1)), target * (1 - tol), target * (1 + tol), target,
                           np.zeros((U, T)), Budget(10))


def test_a_walled_in_book_grows_by_a_move_that_carries_the_piece_it_cuts_off():
    # moving 2 alone would leave A in two pieces ({1} and {3, 4, 5}); carrying 1 along gives A = {3, 4, 5},
    # B = {0, 1, 2}: both books at their target of 3, both one piece
    new, rep = _polish([1, -1, -1, -1, -1, 0])
    assert new.tolist() == [1, 1, 1, 0, 0, 0]
    assert rep.split_after == 0 and rep.worst_dev_after == 0.0
    assert sorted(rep.moved_units.tolist()) == [1, 2] and "to rebalance" in rep.reasons[1]
    assert (count_pieces(POCKET, new, 2, np.ones(6, bool)) == 1).all()


def test_a_move_never_carries_a_locked_unit():
    # unit 1 locked in A: taking 2 would cut it off from A's root, and it may not go: B stays at 1 of 3
    new, rep = _polish([1, 0, -1, -1, -1, 0])
    assert new.tolist() == [1, 0, 0, 0, 0, 0]
    assert len(rep.moved_units) == 0 and rep.worst_dev_after == pytest.approx(2 / 3)


def test_the_vectorised_score_change_matches_one_move_at_a_time():
    from optimizers.contiguity.contiguity import _Balance

    rng = np.random.default_rng(3)
    metrics = rng.uniform(0, 2, (12, 2))
    target = np.full((3, 2), metrics.sum(axis=0) / 3)
    bal = _Balance(metrics, target * 0.9, target * 1.1, target, rng.integers(0, 3, 12))
    u, a, b = np.arange(12), np.array([0, 1, 2] * 4), np.array([1, 2, 0] * 4)
    got = deltas(bal, metrics[u], a, b)
    assert got == pytest.approx([bal.delta(int(k), int(s), int(t)) for k, s, t in zip(u, a, b)])


@pytest.mark.parametrize("seed", [28, 45, 183, 190])
def test_grids_where_single_moves_left_a_book_walled_in_now_get_a_one_piece_plan_within_the_bands(seed):
    # 8 × 6 cells, 5 books at ±10%: on these seeds the grown plan's polish by single border moves left a book
    # outside its band (one_piece_plan returned None and the part fell back to the integer repair)
    assert grown_and_checked(random_grid(seed, 8, 6, 5, 0.1), 0.0) is not None
