"""The one rule for when a part's plan over longer candidate lists replaces its plan over the shorter ones
(:func:`optimizers.carve.widen.wider_wins`), each case it decides with two hand-built part results.  At 500,000 ×
2,500 under load, Mid-market and Enterprise · R2 ended 56-69% off their targets after wider plans, cheaper by their
objective, replaced narrower ones: a wider plan never wins on its objective alone."""
import dataclasses

import numpy as np
import pytest

from optimizers.carve import CarveSettings
from optimizers.carve.parts import PartResult
from optimizers.carve.widen import wider_wins

CS = CarveSettings(mode="soft")


def res(obj, bound, assign=True, status="optimal", excess=0.0, price=0.0):
    """A part's result: ``excess`` its plan's worst book outside its band (share of target), ``price`` what all its
    books outside cost."""
    return PartResult(index=0, status=status, assign=np.zeros(3, dtype=int) if assign else None, objective=obj,
                      bound=bound, seconds=1.0, plan_excess=excess, plan_band_price=price)


NARROW = res(100.0, 99.9)  # 0.1% from its bound, every book inside


def test_a_part_without_a_narrow_plan_takes_whatever_the_wider_solve_gave():
    none = res(np.nan, np.nan, assign=False, status="time_limit")
    assert wider_wins(CS, res(90.0, 80.0, excess=0.5, price=40.0), none)
    assert wider_wins(CS, res(np.nan, np.nan, assign=False, status="infeasible"), none)  # why not: kept too


@pytest.mark.parametrize("wider", [res(np.nan, np.nan, assign=False), res(90.0, -np.inf, status="time_limit")],
                         ids=["no plan", "its LP stopped by the clock"])
def test_a_wider_solve_without_a_plan_or_a_bound_never_wins(wider):
    assert not wider_wins(CS, wider, NARROW)


@pytest.mark.parametrize("excess, price", [(0.56, 0.0), (0.0, 5.0), (0.02, 1.0)],
                         ids=["worse worst book", "dearer breaches", "both"])
def test_a_wider_plan_whose_books_lie_further_out_never_wins_on_its_objective(excess, price):
    """Half the narrow objective and proven optimal, but a book further outside its band than any narrow book (or
    its breaches dearer): the narrow plan stays."""
    narrow = res(100.0, 99.9, excess=0.01, price=1.0)
    assert not wider_wins(CS, res(50.0, 49.99, excess=excess + 0.01, price=price + 1.0), narrow)
    # the same plan with its books no further out wins: only the bands decided
    assert wider_wins(CS, res(50.0, 49.99, excess=0.01, price=1.0), narrow)


def test_a_wider_plan_with_books_further_in_wins_when_cheaper_and_proven():
    narrow = res(100.0, 99.9, excess=0.3, price=20.0)
    assert wider_wins(CS, res(95.0, 94.9, excess=0.0, price=0.0), narrow)


@pytest.mark.parametrize("obj", [100.0, 100.0 - 1e-8, 101.0], ids=["the narrow plan back", "rounding", "dearer"])
def test_a_wider_solve_stopped_by_its_cap_with_no_better_plan_never_wins(obj):
    """Stopped by its cap, a wider solve's best may be its warm start, the narrow plan itself (the same cost, or
    a rounding below it): no integer plan better than the narrow one."""
    assert not wider_wins(CS, res(obj, 99.95, status="time_limit"), NARROW)


def test_a_cheaper_wider_plan_wins_only_under_the_narrow_bound_or_as_well_proven():
    cs = CarveSettings()
    assert wider_wins(cs, res(90.0, 80.0), NARROW)  # below anything the narrow lists allow: kept, weak bound
    assert not wider_wins(cs, res(99.95, 50.0), NARROW)  # a hair cheaper, its bound far weaker: not kept
    assert wider_wins(cs, res(99.95, 99.5), NARROW)  # a hair cheaper, within the gap target: kept
    assert wider_wins(cs, res(99.95, 99.5, status="time_limit"), NARROW)  # capped, yet cheaper and proven: kept


def test_further_out_weighs_the_worst_book_and_the_band_price_and_nothing_in_hard_mode():
    """The band test wider_wins and tighten share (a tightened plan, too, never replaces one whose books lie
    further in)."""
    from optimizers.carve.widen import further_out

    base = res(100.0, 99.9, excess=0.01, price=2.0)
    assert further_out(res(1.0, 1.0, excess=0.02, price=2.0), base)
    assert further_out(res(1.0, 1.0, excess=0.01, price=2.5), base)
    assert not further_out(res(1.0, 1.0, excess=0.01, price=2.0), base)
    assert not further_out(res(1.0, 1.0), res(2.0, 1.0))  # hard mode: no plan is priced outside a band


# ------------------------------------------------- a part solved again (tighten): which plan is kept, who, how long

def test_a_part_solved_again_replaces_its_kept_plan_only_cheaper_with_a_bound_and_no_further_out():
    """Enterprise · R2 at 500,000 × 2,500: its widened plan kept 56% above its bound (136,700 against 59,600)."""
    from optimizers.carve.widen import again_wins

    kept = res(136.7, 59.6, status="time_limit")
    assert again_wins(res(60.0, 59.8), kept)
    assert not again_wins(res(np.nan, np.nan, assign=False, status="time_limit"), kept)  # no plan
    assert not again_wins(res(60.0, -np.inf, status="time_limit"), kept)  # its LP stopped by the clock
    assert not again_wins(res(136.7, 59.8, status="time_limit"), kept)  # its warm start back: the kept plan
    assert not again_wins(res(60.0, 59.8, excess=0.02, price=1.0), kept)  # cheaper, but a book further out


def test_the_parts_furthest_above_their_bound_are_chosen_until_the_whole_would_meet_its_target():
    from optimizers.carve.widen import tighten_choice

    # one part 56% above its bound (77.1 over), twenty within 0.2%: the whole is 3.2% above its bound; the first
    # alone, brought to 1%, brings the whole within 1%
    parts = [res(100.0, 99.8)] * 10 + [res(136.7, 59.6)] + [res(100.0, 99.8)] * 10
    assert tighten_choice(CS, parts) == [10]
    # four more at 8%: 87.7 over the whole's 1% (25.4), the first takes 75.7 of it, each of the others 7
    parts = parts[:11] + [res(100.0, 92.0)] * 4 + parts[11:]
    assert tighten_choice(CS, parts) == [10, 11, 12]
    assert tighten_choice(CS, [res(100.0, 99.8)] * 3) == []  # the whole within its target: none
    # the one-piece stage's plan grown from the roots is what solving again gives again: the next part is chosen
    from optimizers.contiguity.one_piece import GROWN
    from optimizers.contiguity.stage import ONE_PIECE

    grown = parts[:10] + [dataclasses.replace(parts[10], strategy=GROWN)] + parts[11:]
    assert tighten_choice(CS, grown) == [10, 11, 12]  # no contiguity stage: any plan may be solved again
    assert tighten_choice(CS, grown, ONE_PIECE) == [11, 12, 13, 14]


def test_the_parts_solved_again_share_the_time_left_past_their_first_cap_from_their_kept_plan():
    """A part whose capped solve ended far above its bound gets what the carve has left, less the mend's and the
    assembly's, shared by the runner's workers: not its first cap (``part_max_s``) again, as 500,000 × 2,500's
    Enterprise · R2 did (90 s, twice, 56% above its bound, with ~170 s of the carve unused)."""
    import dataclasses

    from optimizers.carve.budget import Budget
    from optimizers.carve.runners import FunctionRunner
    from optimizers.carve.widen import tighten, tighten_budget
    from optimizers.instances.companies import make_instance
    from tests.carve_state import solved_state
    from tests.test_carve_budget import FakeClock

    acc, reps = make_instance(600, 6, seed=6, segments=("Mid-market", "SMB"))
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.2, "accounts": 0.2},
                       mode="soft", time_limit=300, part_max_s=20)
    seen = []

    def runner(fn, items, on_done):  # first solves solved; a part solved again: its kept plan, a tenth cheaper
        if not items[0].again:
            return [fn(q) for q in items]
        seen.extend(items)
        return [dataclasses.replace(s.results[q.index], assign=q.warm, objective=0.9 * s.results[q.index].objective,
                                    bound=0.9 * s.results[q.index].objective) for q in items]
    runner.workers = 2
    s = solved_state(cs, acc, reps, runner=FunctionRunner(runner))
    assert len(s.parts) == 2 and all(q.time_cap_s <= 20 for q in s.parts)  # every book inside its band
    kept = [dataclasses.replace(r, objective=3 * r.bound) for r in s.results]  # both 200% above their bound
    s.results = list(kept)
    clock = FakeClock()
    budget = Budget(200, clock)
    s = tighten(s, budget)
    # both chosen; two workers: each gets all of the 200 s left (the closing share is kept from the solving stages'
    # budget by pipeline.run), far past its 20 s cap
    assert s.tally["parts_tightened"] == 2 and [q.again for q in seen] == ["tightened"] * 2
    assert [q.time_cap_s for q in seen] == [pytest.approx(200.0)] * 2
    assert all(q.budget.end == pytest.approx(clock.now + 200.0) for q in seen)
    assert all((q.warm == r.assign).all() for q, r in zip(seen, kept))  # from its kept plan
    assert [r.objective for r in s.results] == pytest.approx([0.9 * r.objective for r in kept])
    # one worker: half each; a kept plan with a book outside its band: the mend's 25 s kept too
    seen.clear()
    runner.workers = 1
    s.runner = FunctionRunner(runner)
    s.results = list(kept)
    s = tighten(s, budget)
    assert [q.time_cap_s for q in seen] == [pytest.approx(100.0)] * 2
    crowded = np.zeros_like(kept[1].assign)  # every unit in the first book: far over its band
    s.results = [kept[0], dataclasses.replace(kept[1], assign=crowded)]
    assert tighten_budget(s, budget).left() == pytest.approx(200 - cs.band_mend_max_s)


def test_a_mended_plan_below_its_parts_bound_leaves_the_bound_unknown():
    """A band mend over the next lists may leave the lists the part's bound was solved over: a mended plan that
    costs less than that bound shows it is none for it (500,000×2,500 under load: books 7-9× their target read
    "optimal, gap 0.00%")."""
    from optimizers.carve.widen import _bound_after_mend

    part = res(120.0, 100.0, excess=6.0, price=20.0)
    assert _bound_after_mend(part, 110.0) == 100.0  # still above it: the part's own bound stays
    assert _bound_after_mend(part, 100.0 - 1e-12) == 100.0  # rounding
    assert np.isnan(_bound_after_mend(part, 78.0))


def test_the_whole_is_never_optimal_without_a_bound():
    """merge_stage: parts each "optimal" by their own status, one bound unknown → the whole is "feasible"."""
    import types

    from optimizers.carve.pipeline import merge_stage

    parts = [types.SimpleNamespace(units=np.arange(3), terrs=np.arange(3), name="A"),
             types.SimpleNamespace(units=np.arange(3, 6), terrs=np.arange(3), name="B")]
    for bounds, status in (((99.9, 99.9), "optimal"), ((99.9, np.nan), "feasible")):
        results = [res(100.0, b) for b in bounds]
        s = types.SimpleNamespace(parts=parts, results=results, problem=types.SimpleNamespace(n_units=6), cs=CS,
                                  tally={}, status=None, bound_plain=np.nan)
        assert merge_stage(s, None).status == status
