"""Issue 24: a polished plan improved window by window (optimizers.contiguity.window_moves): a book and the books it
touches re-carved together.  A hand-worked ring where only three books moving at once lowers the cost; then
properties on random grids from a one-piece start within the bands: every book stays one piece, every band holds,
every root held stays held, the cost never rises and never passes the exact one-piece optimum."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimizers.carve.budget import Budget
from optimizers.carve.model import build_matrix, is_feasible, objective_of, x_from_assignment
from optimizers.contiguity.connectivity import CutContext, pieces_of
from optimizers.contiguity.window_moves import applies, window_moves
from tests.test_one_piece_mip import _exact_one_piece
from tests.test_one_piece_rounding import _graph, _pair_carve, _problem, random_grid


def test_three_books_rotate_round_a_ring_in_one_window():
    # ring 0-1-2-3-4-5-0, potential 1 each, three books of exactly 2 rooted at 1, 3 and 5, holding {0,1} {2,3}
    # {4,5} at cost 1 + 1 + 1.  Rotated, {1,2} {3,4} {5,0}, every unit costs 0.  No pair re-carve finds it (a
    # band of exactly 2 breaks); book 0's window holds all three books, units 0, 2 and 4 free, so its MIP does.
    cost = np.full((6, 3), 10.0)
    cost[[1, 3, 5], [0, 1, 2]] = 0.0
    cost[[0, 2, 4], [0, 1, 2]] = 1.0
    cost[[2, 4, 0], [0, 1, 2]] = 0.0
    p = _problem([1] * 6, cost, [2, 2, 2], 0.0, _graph([(k, (k + 1) % 6) for k in range(6)], 6), [1, 3, 5])
    plan = np.array([0, 0, 1, 1, 2, 2])
    assert _pair_carve(p, plan).improve(Budget(5)) == 0
    new, stats = window_moves(p, plan, Budget(5))
    assert new.tolist() == [2, 0, 0, 1, 1, 2] and objective_of(p, build_matrix(p), new) == pytest.approx(0.0)
    assert stats["window_taken"] == 1 and stats["window_moved"] == 3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_on_random_grids_windows_keep_books_whole_bands_held_and_never_cost_more(seed):
    p = random_grid(seed, 5, 5, 3, 0.1, power=2.0, noise=1.0)
    # a one-piece start within the bands that is not the optimum: the exact optimum of other costs (the same roots
    # and potential, the plain distance)
    other = random_grid(seed, 5, 5, 3, 0.1, power=1.0, noise=0.0)
    _, start = _exact_one_piece(other, plan=True)
    mx, cc = build_matrix(p), CutContext.of(p, p.conn)
    assert (pieces_of(cc, x_from_assignment(p, mx, start)) == 1).all() and is_feasible(p, mx, start)
    exact = _exact_one_piece(p)
    new, stats = window_moves(p, start, Budget(2))
    assert (pieces_of(cc, x_from_assignment(p, mx, new)) == 1).all()  # one piece around its root, each book
    assert is_feasible(p, mx, new)  # every band held
    before, after = objective_of(p, mx, start), objective_of(p, mx, new)
    assert exact - 1e-6 * abs(exact) <= after <= before + 1e-9
    assert stats["window_mips"] >= 1 and (stats["window_taken"] > 0) == (after < before - 1e-9)


def test_soft_bands_are_left_to_the_polish():
    p = random_grid(0, 4, 4, 2, 0.1)
    assert applies(p) and not applies(dataclasses.replace(p, soft=True))
