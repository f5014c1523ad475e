"""The polish's border swaps (issue 24): two border units of neighbouring territories trade places when that is
cheaper and no single move could do it within the bands; both territories stay one piece.  Worked by hand."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optimizers.carve.budget import Budget
from optimizers.contiguity.contiguity import make_contiguous
from optimizers.contiguity.contiguity_graph import count_pieces


def _grid(rows: int, cols: int) -> sp.csr_matrix:
    e = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)] + \
        [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    i, j = np.array(e).T
    return sp.csr_matrix((np.ones(2 * len(e), bool), (np.r_[i, j], np.r_[j, i])), shape=(rows * cols,) * 2)


def _polish(assign, cost, tol=0.05):
    """Units of load 1 on the 2 × 3 grid (0 1 2 / 3 4 5), two books of target 3 (±5%: any single move breaks one)."""
    U, T = len(assign), cost.shape[1]
    target = np.full((T, 1), 3.0)
    return make_contiguous(_grid(2, 3), np.array(assign), np.ones((U, T), bool), np.full(U, -1), np.ones(U, bool),
                           np.ones((U, 1)), target * (1 - tol), target * (1 + tol), target, cost, Budget(10))


def test_two_border_units_trade_places_when_cheaper_and_both_books_stay_one_piece():
    # A = {0, 1, 3}, B = {2, 4, 5}.  Unit 1 costs 1 with A and 0 with B, unit 4 the reverse: moving either alone
    # puts one book at 2 of 3 (outside ±5%); the swap gives A = {0, 3, 4}, B = {1, 2, 5}, both one piece, cost −2
    cost = np.zeros((6, 2))
    cost[1, 0] = cost[4, 1] = 1.0
    new, rep = _polish([0, 0, 1, 0, 1, 1], cost)
    assert new.tolist() == [0, 1, 1, 0, 0, 1]
    assert sorted(rep.moved_units.tolist()) == [1, 4] and rep.split_after == 0
    assert "in a swap with" in rep.reasons[1] and rep.worst_dev_after == 0.0
    assert (count_pieces(_grid(2, 3), new, 2, np.ones(6, bool)) == 1).all()


def test_no_swap_that_would_cut_a_book_in_two():
    # A = {0, 1, 2} (top row), B = {3, 4, 5}.  Unit 1 is cheaper with B and 4 with A, but trading them leaves
    # A = {0, 2, 4} and B = {1, 3, 5}, each in pieces: the plan stays as it is
    cost = np.zeros((6, 2))
    cost[1, 0] = cost[4, 1] = 1.0
    new, rep = _polish([0, 0, 0, 1, 1, 1], cost)
    assert new.tolist() == [0, 0, 0, 1, 1, 1] and len(rep.moved_units) == 0
