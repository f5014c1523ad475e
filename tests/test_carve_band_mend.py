"""Soft mode: a part whose LP holds every band but whose plan leaves a book outside one (a part stopped by its time
cap returns its repair's plan unpolished; at 500,000 × 2,500 three such parts left books 10.2-10.5% off at ±10%) has
its books brought inside the bands once widening and tightening are done, through the runner (at most ``band_mend_max_s`` a part)."""
import numpy as np
import pytest

from optimizers.carve import CarveSettings
from optimizers.territory_carve import TerritoryCarver
from optimizers.carve.ladder import Candidate
from optimizers.instances.companies import make_instance

METRICS = ("potential_usd", "accounts")
TOL = 0.05


class CappedRounding:
    """What a part stopped by its cap returns: the LP's rounding, unrepaired, "time_limit"."""

    name, needs_time = "capped rounding", False

    def applies(self, s):
        return True

    def run(self, s, budget):
        a = s.rounded()[0]
        return Candidate(a, s.objective(a), status="time_limit")


def _carve(seed: int, **kw):
    acc, reps = make_instance(4000, 16, seed=seed, locked_share=0.05)
    cs = CarveSettings(metrics=METRICS, tolerance=dict.fromkeys(METRICS, TOL), mode="soft", time_limit=60,
                       ladder=(CappedRounding(),), **kw)
    return acc, TerritoryCarver(cs).solve(acc, reps, 2027, as_of="2026-11-01")


@pytest.mark.parametrize("seed", [1, 2])
def test_a_capped_parts_books_are_brought_inside_their_bands(seed):
    acc, off = _carve(seed, band_mend_max_s=0.0)  # the mend turned off: the capped plan as it was
    assert off.balance["worst_dev_after"].max() > TOL + 1e-3  # a book outside its ±5% band
    acc, res = _carve(seed)
    assert (res.balance["worst_dev_after"] <= TOL + 1e-9).all()  # every book inside
    a = res.plan.assignment
    assert a.index.is_unique and len(a) == len(acc) and a.notna().all()  # every account exactly once
    owners = res.plan.owners()
    locked = acc.loc[acc["locked"]]
    assert len(locked) and (owners.loc[locked["account_id"]].to_numpy() == locked["owner_rep_id"].to_numpy()).all()
    assert res.objective >= res.bound - 1e-6 * abs(res.objective)
    assert res.objective < off.objective  # the capped plan's breaches cost more than the moves that mend them
    assert res.stats["books_mended"] >= 1 and "bands mended" in res.stats["plan_from"]


def _chain_problem(n_books: int):
    """Books 0 … n-1 of target 10 at ±5% (so exactly 10): book 0 holds 11, the last 9, the others 10.  A unit of
    book i may go to book i + 1 (cost 1) or stay (cost 0); the last book's units stay.  Any single move puts
    another book out and a swap changes no count: only the chain 0 → 1 → … → n-1 brings every book in."""
    from tests.test_jobs_soft_bands import _books

    home = np.repeat(np.arange(n_books), [11] + [10] * (n_books - 2) + [9])
    movable = home < n_books - 1
    pairs_u = np.concatenate([np.repeat(np.flatnonzero(movable), 2), np.flatnonzero(~movable)])
    pairs_t = np.concatenate([np.repeat(home[movable], 2) + np.tile([0, 1], movable.sum()), home[~movable]])
    order = np.argsort(pairs_u, kind="stable")
    cost = np.concatenate([np.tile([0.0, 1.0], movable.sum()), np.zeros((~movable).sum())])
    return _books(pairs_u[order], pairs_t[order], cost[order], n_books, 10, 0.05, True), home


@pytest.mark.parametrize("n_books", [3, 4])
def test_a_chain_no_single_move_or_swap_makes_is_found(n_books):
    """Three books: a chain of two moves (:func:`~optimizers.carve.rebalance.chains`); four: three moves, which
    the integer repair over the moves of the shortest chains to a book with room finds."""
    from optimizers.carve.budget import Budget
    from optimizers.carve.model import loads_of
    from optimizers.carve.rebalance import bands_first, polish
    from optimizers.carve.repair import mend_part

    p, home = _chain_problem(n_books)
    q, qmx = bands_first(p)
    assert (polish(q, qmx, home, Budget(20)) == home).all()  # moves and swaps alone find nothing
    stats = {}
    r = mend_part(CarveSettings(mode="soft"), p, home, Budget(20), stats, lambda: False)
    assert r.assign is not None and list(loads_of(p, r.assign)[:, 0]) == [10.0] * n_books
    assert r.objective == n_books - 1 and stats["books_mended"] == 2
    assert len(r.assign) == len(home) and (r.assign[home == n_books - 1] == n_books - 1).all()


def test_a_count_only_breach_beside_books_at_their_potential_edges_is_mended_by_a_small_account():
    """Potential (target 100, ±10%: 90-110) and accounts (target 10, ±5%: exactly 10).  Book H: 11 accounts of
    potential 10 (110, at its upper edge; one over on count), its units may go to X.  X: 10 accounts, 90 (its lower
    potential edge): potentials 13, 12, 10, 5, 5 and 9 × 5; its units may go to L.  L: 9 accounts of 11 (99: inside on
    potential, 0.5 under on count).  One H unit is locked (no other candidate).  The only mend: H gives X a
    unit of 10 and X gives L one of at most 10 (X's potential may not fall): of X's moves to L the cheapest (13,
    12) do not fit; one of at most 10 does (cost 1.5).  Every book inside, at cost 1 + 1.5, the whole MIP's optimum."""
    from optimizers.carve.budget import Budget
    from optimizers.carve.candidates import Candidates
    from optimizers.carve.model import Problem, loads_of
    from optimizers.carve.repair import mend_part
    from tests.test_jobs_soft_bands import _solve

    x_pot = [13.0, 12.0, 10.0, 5.0, 5.0] + [9.0] * 5
    pot = np.array([10.0] * 11 + x_pot + [11.0] * 9)
    home = np.repeat([0, 1, 2], [11, 10, 9])
    u, t, c = [0], [0], [0.0]  # unit 0: locked in H
    for i in range(1, 11):
        u += [i, i]; t += [0, 1]; c += [0.0, 1.0]
    for i in range(11, 21):
        u += [i, i]; t += [1, 2]; c += [0.0, 1.0 if pot[i] > 10 else 1.5]
    for i in range(21, 30):
        u += [i]; t += [2]; c += [0.0]
    u, t = np.array(u), np.array(t)
    ptr = np.concatenate([[0], np.cumsum(np.bincount(u, minlength=30))])
    cand = Candidates(unit=u, terr=t, dist_mi=np.zeros(len(u)), rule_break=np.zeros(len(u), dtype=bool), ptr=ptr,
                      orphans=np.array([], dtype=np.int64))
    tgt = np.tile([100.0, 10.0], (3, 1))
    p = Problem(cand=cand, metric_names=["potential_usd", "accounts"], unit_metrics=np.c_[pot, np.ones(30)],
                unit_accounts=np.ones(30), lo=tgt * [0.9, 0.95], hi=tgt * [1.1, 1.05], target=tgt,
                pair_cost=np.array(c), pair_moves=np.zeros(len(u)), pair_arr_moved=np.zeros(len(u)), soft=True,
                penalty=np.tile([1.0, 100.0], (3, 1)), max_accounts=np.full(3, np.inf))
    before = loads_of(p, home)
    assert before[:, 1].tolist() == [11.0, 10.0, 9.0] and before[:, 0].tolist() == [110.0, 90.0, 99.0]
    stats = {}
    r = mend_part(CarveSettings(mode="soft", metrics=("potential_usd", "accounts")), p, home, Budget(20), stats,
                  lambda: False)
    assert r.assign is not None and stats["books_mended"] == 2
    after = loads_of(p, r.assign)
    assert (after >= p.lo - 1e-9).all() and (after <= p.hi + 1e-9).all()  # every book inside on both metrics
    assert len(r.assign) == 30 and r.assign[0] == 0  # each unit placed once, the locked one where it was
    assert r.objective == pytest.approx(2.5)
    assert r.objective >= p_optimum(p, _solve) - 1e-9  # no plan is cheaper: the objective is at the bound


def p_optimum(p, solve) -> float:
    """The whole problem's optimum (one MIP): the bound no plan beats."""
    from optimizers.carve.model import build_matrix, objective_of

    return objective_of(p, build_matrix(p), solve(p))


@pytest.mark.parametrize("most", [1, 5, 50, 10**6])
def test_the_chains_are_joined_in_slices_that_hold_every_pair_once(most):
    from optimizers.carve.rebalance import _joins

    rng = np.random.default_rng(0)
    into, out_of = rng.integers(0, 7, 200), rng.integers(0, 7, 200)
    first, second = np.arange(0, 120), np.arange(60, 200)
    want = {(i, j) for i in first.tolist() for j in second.tolist() if into[i] == out_of[j]}
    slices = list(_joins(into, out_of, first, second, most))
    got = [(int(i), int(j)) for a, b in slices for i, j in zip(a, b)]
    assert len(got) == len(set(got)) and set(got) == want
    assert all(len(a) <= most + 200 for a, _ in slices)  # a slice: about ``most`` (one move's pairs at most more)


def _one_over():
    """Books A, B, C of 32 accounts (target 10.67 each, band 10-11 accounts): A holds 12, B and C 10.  An A unit
    may move to B at 50; penalty 100 per account outside a band, one linear tier."""
    home = np.repeat([0, 1, 2], [12, 10, 10])
    pairs_u = np.concatenate([np.repeat(np.arange(12), 2), np.arange(12, 32)])
    pairs_t = np.concatenate([np.tile([0, 1], 12), home[12:]])
    cost = np.concatenate([np.tile([0.0, 50.0], 12), np.zeros(20)])
    from tests.test_jobs_soft_bands import _books

    p = _books(pairs_u, pairs_t, cost, 3, 32 / 3, 0.1, True)
    import dataclasses

    return dataclasses.replace(p, lo=np.full((3, 1), 10.0), hi=np.full((3, 1), 11.0)), home


def test_the_one_rule_for_a_mended_plan():
    """:func:`~optimizers.carve.repair.mend_wins`: the mended plan of :func:`_one_over` (A's unit moved to B: every
    book in, 50 of moves for 100 of breach at these prices) replaces the unmended one; at a tenth of the penalty
    (10: the moves cost 40 more than the breach they save) only while ``band_mend_extra_share`` allows 40 more."""
    import dataclasses

    from optimizers.carve.model import build_matrix, objective_of
    from optimizers.carve.repair import mend_wins

    p, home = _one_over()
    mended = home.copy()
    mended[0] = 1
    cs = CarveSettings(mode="soft")
    assert cs.band_mend_extra_share == 0.05

    def both(q):
        mx = build_matrix(q)
        return (mended, objective_of(q, mx, mended)), (home, objective_of(q, mx, home))
    (_, obj), (_, obj0) = both(p)
    assert (obj, obj0) == (50.0, 100.0) and mend_wins(cs, p, *both(p))
    cheap = dataclasses.replace(p, penalty=p.penalty / 10)  # the user lowered the weight of account count
    (_, obj), (_, obj0) = both(cheap)
    assert (obj, obj0) == (50.0, 10.0)
    assert not mend_wins(cs, cheap, *both(cheap))  # 400% dearer
    assert mend_wins(dataclasses.replace(cs, band_mend_extra_share=4.0), cheap, *both(cheap))  # allowed: kept
    assert mend_wins(dataclasses.replace(cs, band_mend_extra_share=np.inf), cheap, *both(cheap))
    # a "mend" that takes A in by pushing B further out than A was is refused at any price
    worse = home.copy()
    worse[[0, 1]] = 1  # A 10, B 12: B as far out as A was, so no less out in all (and cheaper)
    assert not mend_wins(dataclasses.replace(cs, band_mend_extra_share=np.inf), p, (worse, 0.0), (home, 1.0))


def test_a_part_never_widened_is_mended_over_its_next_lists_through_the_runner():
    """The mend stage sends a part solved over its first lists to the runner over the next k's (its books' room may
    lie beyond the first: SMB · R3 at 500,000 × 2,500), and the part is then known by those lists."""
    import dataclasses

    from optimizers.carve.budget import Budget
    from optimizers.carve.rebalance import broken_territories
    from optimizers.carve.widen import holds, mend, wider_k
    from tests.carve_state import solved_state
    from tests.test_carve_parallel import _Spy

    acc, reps = make_instance(1500, 12, seed=5)
    cs = CarveSettings(metrics=METRICS, tolerance=dict.fromkeys(METRICS, TOL), mode="soft", candidates=1,
                       reverse_candidates=0.0, time_limit=60)
    s = solved_state(cs, acc, reps, runner=(spy := _Spy()))
    for i, part in enumerate(s.parts):  # each unit in its nearest book: books far outside their bands
        c = part.problem.cand
        s.results[i] = dataclasses.replace(s.results[i], assign=c.terr[c.ptr[:-1]])
    out = [i for i, r in enumerate(s.results) if len(broken_territories(s.parts[i].problem, r.assign))]
    assert out
    before = [len(broken_territories(s.parts[i].problem, s.results[i].assign)) for i in out]
    spy.seen, k2 = [], wider_k(cs, s.problem, s.k)
    s = mend(s, Budget(60))
    assert spy.seen == [f"{s.parts[i].name} · k={k2}" for i in out]  # through the runner, over the next lists
    for i, n in zip(out, before):
        q = s.solved_as[i].problem
        assert len(q.cand.unit) > len(s.parts[i].problem.cand.unit) and holds(q, s.results[i].assign)
        assert len(broken_territories(q, s.results[i].assign)) < n
