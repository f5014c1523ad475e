"""The one rule for when a part's plan over longer candidate lists replaces its plan over the shorter ones
(:func:`optimizers.carve.widen.wider_wins`), each case it decides with two hand-built part results.  At 500,000 ×
2,500 under load, Mid-market and Enterprise · R2 ended 56-69% off their targets after wider plans, cheaper by their
objective, replaced narrower ones: a wider plan never wins on its objective alone."""
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
