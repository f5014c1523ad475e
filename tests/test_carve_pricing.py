"""Column generation (soft mode's widened lists): the LP started from each unit's cheapest pairs, the others priced
in, equals the LP over every pair and never leaves a pair that would pay; a hard carve never prices."""
import numpy as np
import pytest

from optimizers.carve import CarveSettings
from optimizers.territory_carve import TerritoryCarver
from optimizers.carve.budget import Budget
from optimizers.instances.companies import make_instance
from optimizers.carve.model import build_matrix
from optimizers.carve.pricing import priced_lp, start_mask
from optimizers.carve.solvers import solve_lp


def _problem(mode="hard", tol=0.05, k=12, seed=7, reverse=2.0):
    acc, reps = make_instance(1500, 12, seed=seed)
    metrics = ("potential_usd", "arr_usd", "accounts")
    cs = CarveSettings(metrics=metrics, tolerance=dict.fromkeys(metrics, tol), mode=mode, candidates=2,
                       reverse_candidates=reverse)
    p, _ = TerritoryCarver(cs).prepare(acc, reps, 2027, np.datetime64("2026-11-01"), k)
    return p


def test_start_mask_keeps_each_units_cheapest_pairs():
    p = _problem()
    mask = start_mask(p, 2)
    c = p.cand
    for u in (0, 17, 999):
        sl = slice(c.ptr[u], c.ptr[u + 1])
        cost = p.pair_cost[sl]
        kept = np.flatnonzero(mask[sl])
        assert len(kept) == min(2, len(cost))
        assert cost[kept].max() <= np.sort(cost)[len(kept) - 1] + 1e-12


def test_priced_lp_equals_the_lp_over_every_pair():
    p = _problem("soft")
    mx = build_matrix(p)
    full = solve_lp(mx, 60)
    stats = {}
    priced = priced_lp(p, mx, start_mask(p, 2), 60, stats=stats)
    assert full.status == priced.status == "optimal"
    assert priced.objective == pytest.approx(full.objective, rel=1e-7)
    assert stats["pairs_priced_in"] > 0 and stats["pairs_in_lp"] < len(p.cand.unit)
    # the priced solution is an LP solution of the full model: rows held, same cost
    x = priced.x
    act = mx.A @ x
    assert (act >= mx.row_lo - 1e-6 * (1 + np.abs(mx.row_lo))).all()
    assert (act <= mx.row_hi + 1e-6 * (1 + np.abs(mx.row_hi))).all()
    assert mx.c @ x == pytest.approx(full.objective, rel=1e-7)


def test_only_soft_mode_prices_its_widened_lists():
    """Hard mode's widened lists are solved whole (pricing from the cheapest pairs was measured slower there)."""
    acc, reps = make_instance(300, 4, seed=1)
    for mode, priced in (("hard", False), ("soft", True)):
        cs = CarveSettings(metrics=("accounts",), mode=mode, candidates=2)
        p, _ = TerritoryCarver(cs).prepare(acc, reps, 2027, np.datetime64("2026-11-01"), 4)
        assert (p.lp_start is not None) == priced


def test_pricing_stopped_by_the_clock_keeps_its_lp_and_a_valid_bound(monkeypatch):
    import time as real_time

    import optimizers.carve.pricing as pricing

    p = _problem("soft")
    mx = build_matrix(p)
    full = solve_lp(mx, 60)
    calls = []

    class Clock:  # the clock runs out right after the first round
        @staticmethod
        def perf_counter():
            calls.append(1)
            return real_time.perf_counter() + (1e6 if len(calls) >= 3 else 0.0)

    monkeypatch.setattr(pricing, "time", Clock)
    stats = {}
    lp = priced_lp(p, mx, start_mask(p, 2), 60, stats=stats)
    assert lp.status == "optimal" and stats["pricing_rounds"] == 1 and stats["pairs_priced_in"] == 0
    restricted = mx.c @ lp.x
    # the LP over the start pairs costs more than the full LP; Lasdon's bound lies below it
    assert restricted > full.objective + 1e-6 and lp.objective <= full.objective + 1e-6 * abs(full.objective)


def test_a_part_widened_from_a_plan_starts_with_every_pair_of_its_over_full_books_units(monkeypatch):
    import dataclasses
    import time

    import optimizers.carve.repair as repair

    p = _problem("soft")
    p = dataclasses.replace(p, lp_start=start_mask(p, 2))
    warm = repair.today_plan(p).copy()
    crowd = np.arange(0, p.n_units, 3)
    c = p.cand
    # a third of the units in the book of unit 0's cheapest territory, where each of them may go: over-full
    t0 = c.terr[c.ptr[0]]
    may = np.array([t0 in c.terr[c.ptr[u]:c.ptr[u + 1]] for u in crowd])
    warm[crowd[may]] = t0
    starts = []

    def spy(p_, mx_, start, *a, **kw):
        starts.append(start.copy())
        return priced_lp(p_, mx_, start, *a, **kw)
    monkeypatch.setattr(repair, "priced_lp", spy)
    status, assign, obj, bound = repair.solve_one(CarveSettings(mode="soft", full_mip_max_pairs=10), p,
                                                  lambda f, m: None, lambda: False, Budget(60), {}, warm=warm)
    in_book = np.isin(c.unit, np.flatnonzero(warm == t0))
    assert starts[0][in_book].all()  # every pair of the over-full book's units, from the start
    # the others: their cheapest pairs and the start plan's own (the first LP holds the start plan)
    own = c.terr == warm[c.unit]
    assert (starts[0][~in_book] == (p.lp_start | own)[~in_book]).all() and not (p.lp_start | in_book).all()
    assert bound == pytest.approx(solve_lp(build_matrix(p), 60).objective, rel=1e-7)  # the LP over every pair
    assert assign is not None and obj >= bound - 1e-6 * abs(obj)
    # the pairs it stopped with go back with the part (a second try starts from them): its start and those priced in
    again = repair.solve_one(CarveSettings(mode="soft", full_mip_max_pairs=10), p, lambda f, m: None, lambda: False,
                             Budget(60), {}, warm=warm)
    assert again.lp_pairs is not None and again.lp_pairs.shape == p.lp_start.shape
    assert again.lp_pairs[starts[0]].all() and again.lp_pairs.sum() >= starts[0].sum()
