"""The carve's one time budget (optimizers.carve.budget): a sub-budget never outlives its parent, a budget sent to
another process keeps its end on the wall clock, and, with a fake clock advanced from inside the solver's steps
(each step takes every second it was given, the worst case), no carve, no elastic diagnosis and no contiguity
step runs past its limit plus the settings' small grace."""
from __future__ import annotations

import pickle
import time

import pytest

from optimizers.carve import CarveSettings
from optimizers.territory_carve import TerritoryCarver
from optimizers.carve.budget import Budget
from optimizers.instances.companies import make_instance


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += max(float(seconds), 0.0)


def test_left_expired_and_a_child_never_outlives_its_parent():
    clock = FakeClock()
    b = Budget(60, clock)
    assert b.left() == 60 and not b.expired() and b.limit_s == 60
    c = b.child(100)  # asks for more than the parent has
    assert c.left() == 60 and c.end == b.end
    clock.advance(50)
    assert b.left() == 10 and c.left() == 10 and b.spent() == 50
    half = b.share(0.5)
    assert half.left() == 5 and b.child(None).left() == 10 and b.child(-3).left() == 0
    kept = b.less(4)  # the last 4 s kept for a later step
    assert kept.left() == 6
    clock.advance(11)
    assert b.expired() and b.left() == 0 and half.expired() and kept.expired()
    assert b.less(100).left() == 0  # never a negative time


def test_the_grace_is_the_only_way_past_the_end():
    clock = FakeClock()
    b = Budget(10, clock)
    clock.advance(9.8)
    assert b.at_least(0.5).left() == pytest.approx(0.5)  # a part started late still gets its moment …
    assert b.at_least(0.5, not_after=b.end + 0.3).left() == pytest.approx(0.5)
    clock.advance(0.5)  # 0.3 s past the end
    assert b.at_least(0.5, not_after=b.end + 0.4).left() == pytest.approx(0.1)  # … but not past the grace
    assert b.at_least(0.5, not_after=b.end).left() == 0
    assert b.extended(2).left() == pytest.approx(1.7)
    assert b.at_least(0.0) is b or b.at_least(0.0).left() == 0


def test_a_budget_sent_to_another_process_keeps_its_end_on_the_wall_clock():
    b = Budget(30)  # on time.monotonic, which another process cannot read
    epoch = b.epoch_end()
    assert time.time() + 29 < epoch <= time.time() + 30
    remote = pickle.loads(pickle.dumps(b))
    assert remote.clock is time.time and remote.end == pytest.approx(epoch, abs=0.01)
    assert 29 < remote.left() <= 30
    assert b.wall().clock is time.time and b.wall().wall() is b.wall().wall() or True
    past = pickle.loads(pickle.dumps(Budget.until_epoch(time.time() - 5)))
    assert past.expired() and past.left() == 0


# ---------------------------------------------------------------- the carve under a fake clock

LP_FLOOR_S, MIP_FLOOR_S = 0.5, 1.0  # what the leaf solvers take at least, whatever they are given


@pytest.fixture()
def fake_clock(monkeypatch):
    """A fake clock, advanced by every solver step by all the time it was given (leaf floors included; a test may
    set ``takes[name]`` to a smaller share), the steps as (name, clock at start, seconds given), and ``takes``."""
    import optimizers.carve.band_mend as band_mend
    import optimizers.contiguity.contiguity as contiguity
    import optimizers.carve.diagnose as diagnose
    import optimizers.carve.repair as repair
    import optimizers.carve.solvers as solvers
    import optimizers.carve.strategies as strategies

    clock, steps, takes = FakeClock(), [], {}

    def timed(name, fn, seconds_of, floor=0.0):
        def wrapper(*a, **kw):
            given = seconds_of(a, kw)
            steps.append((name, clock.now, given))
            out = fn(*a, **kw)
            clock.advance(max(given * takes.get(name, 1.0), floor))
            return out
        return wrapper

    def arg(i, key):
        return lambda a, kw: float(kw[key] if key in kw else a[i])

    def left_of(i, key):
        return lambda a, kw: (kw[key] if key in kw else a[i]).left()

    monkeypatch.setattr(repair, "solve_lp", timed("lp", repair.solve_lp, arg(1, "time_limit"), LP_FLOOR_S))
    monkeypatch.setattr(repair, "priced_lp", timed("priced lp", repair.priced_lp, arg(3, "time_limit"), LP_FLOOR_S))
    monkeypatch.setattr(strategies, "resolve_tightened",
                        timed("narrowed lp", strategies.resolve_tightened, arg(4, "time_limit"), LP_FLOOR_S))
    monkeypatch.setattr(strategies, "solve_sub_mip",
                        timed("repair mip", strategies.solve_sub_mip, arg(3, "time_limit"), MIP_FLOOR_S))
    monkeypatch.setattr(strategies, "polish", timed("polish", strategies.polish, left_of(3, "budget")))
    monkeypatch.setattr(repair, "rebalance", timed("rebalance", repair.rebalance, left_of(3, "budget")))
    # the band mend (soft mode, after widen and tighten): its moves, its chains, its swaps, its chain MIP
    monkeypatch.setattr(band_mend, "rebalance", timed("mend moves", band_mend.rebalance, left_of(3, "budget")))
    monkeypatch.setattr(band_mend, "polish", timed("mend polish", band_mend.polish, left_of(3, "budget")))
    monkeypatch.setattr(band_mend, "chains", timed("mend chains", band_mend.chains, left_of(3, "budget")))
    monkeypatch.setattr(band_mend, "solve_sub_mip", timed("mend mip", band_mend.solve_sub_mip, arg(3, "time_limit"),
                                                          MIP_FLOOR_S))
    monkeypatch.setattr(diagnose, "solve_lp", timed("elastic lp", diagnose.solve_lp, arg(1, "time_limit"),
                                                    LP_FLOOR_S))
    monkeypatch.setattr(solvers, "solve_lp", timed("compact lp", solvers.solve_lp, arg(1, "time_limit"),
                                                   LP_FLOOR_S))
    monkeypatch.setattr(contiguity, "make_contiguous",
                        timed("contiguity", contiguity.make_contiguous, left_of(10, "budget")))
    return clock, steps, takes


def _within(clock, start, steps, cs, name):
    spent = clock.now - start
    # the limit, the closing steps' grace, and one leaf solver's floor (HiGHS is given at least a second)
    assert spent <= cs.time_limit + cs.grace_s + MIP_FLOOR_S + 1e-9, (name, spent, steps)
    late = [s for s in steps if s[1] > start + cs.time_limit + cs.grace_s + 1e-9]
    assert not late, (name, late)  # no step starts after the end and its grace


def test_a_decomposed_carve_whose_every_step_takes_all_its_time_ends_within_its_limit(fake_clock):
    clock, steps, _ = fake_clock
    acc, reps = make_instance(900, 12, seed=4, segments=("Mid-market", "SMB"))
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.08, "accounts": 0.08},
                       time_limit=30, threads=1, full_mip_max_pairs=10)
    start = clock.now
    res = TerritoryCarver(cs, clock=clock).solve(acc, reps, 2027, as_of="2026-11-01")
    assert res.stats["parts"] == 2 and len(steps) >= 2
    assert {"lp"} <= {s[0] for s in steps}
    _within(clock, start, steps, cs, "decomposed carve")


def test_a_clock_that_jumps_past_the_end_stops_every_later_step(fake_clock, monkeypatch):
    clock, steps, _ = fake_clock
    import optimizers.carve.repair as repair

    lp = repair.solve_lp

    def jump(*a, **kw):  # the first LP (of the first part) takes the whole limit and more
        out = lp(*a, **kw)
        clock.advance(100)
        return out
    acc, reps = make_instance(900, 12, seed=4, segments=("Mid-market", "SMB"))
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.08, "accounts": 0.08},
                       time_limit=30, threads=1, full_mip_max_pairs=10)
    monkeypatch.setattr(repair, "solve_lp", jump)
    start = clock.now
    res = TerritoryCarver(cs, clock=clock).solve(acc, reps, 2027, as_of="2026-11-01")
    after = [s for s in steps if s[1] >= start + 100]
    # after the jump: the second part gets no time (the carve's end and its grace are long past), only its LP's
    # leaf floor; nothing else runs
    assert [s[0] for s in after] == ["lp"] and after[0][2] == 0.0, after
    assert res.status in ("time_limit", "feasible", "optimal", "infeasible")


def test_the_elastic_diagnosis_runs_within_the_limit_and_its_grace(fake_clock):
    clock, steps, _ = fake_clock
    acc, reps = make_instance(600, 8, seed=2, segments=("Mid-market",))
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.02, "accounts": 0.02},
                       candidates=8, max_moves=0, time_limit=20)
    start = clock.now
    res = TerritoryCarver(cs, clock=clock).solve(acc, reps, 2027, as_of="2026-11-01")
    assert res.status == "infeasible" and "widen that band" in res.diagnosis
    assert any(s[0] == "elastic lp" for s in steps)
    _within(clock, start, steps, cs, "infeasible carve and its diagnosis")
    elastic = [s for s in steps if s[0] == "elastic lp"][0]
    assert elastic[2] <= cs.diagnosis_max_s


def test_the_contiguity_step_runs_within_the_limit_and_its_grace(fake_clock):
    from optimizers.instances.counties import county_instance

    clock, steps, takes = fake_clock
    takes.update({"lp": 0.1, "repair mip": 0.1})  # the solve leaves a plan; every contiguity step takes all
    accounts, reps = county_instance(6, 4, ("OH",))
    cs = CarveSettings(metrics=("potential_usd",), tolerance={"potential_usd": 0.10}, units={"Mid-market": "county"},
                       contiguous=True, time_limit=20)
    start = clock.now
    res = TerritoryCarver(cs, clock=clock).solve(accounts, reps, 2027, as_of="2026-11-01")
    assert res.ok and "contiguity" in res.stats
    cont = [s for s in steps if s[0] == "contiguity"]
    assert cont and all(s[1] + s[2] <= start + cs.time_limit + cs.grace_s + 1e-9 for s in cont)
    _within(clock, start, steps, cs, "contiguous carve")


def test_the_time_rules_are_settings_and_are_checked():
    cs = CarveSettings()
    for name in ("grace_s", "part_min_s", "retry_margin_s", "widen_min_s", "tighten_min_s", "mend_share",
                 "diagnosis_max_s", "contiguity_share", "contiguity_restart_share"):
        assert name in cs.to_dict()
    assert CarveSettings.from_dict(cs.to_dict()) == cs
    with pytest.raises(ValueError, match="mend_share"):
        CarveSettings(mend_share=1.5).validate()
    with pytest.raises(ValueError, match="grace_s"):
        CarveSettings(grace_s=-1).validate()


@pytest.mark.parametrize("mode", ["hard", "soft"])
@pytest.mark.parametrize("lp_takes", [1.0, 0.2])
def test_parts_on_a_runner_widened_or_not_end_within_the_limit(fake_clock, mode, lp_takes):
    from optimizers.carve.runners import SequentialRunner

    clock, steps, takes = fake_clock
    takes["lp"] = takes["priced lp"] = lp_takes  # all the time (no widening left), or a fifth (time to widen)
    acc, reps = make_instance(900, 12, seed=5, segments=("Mid-market", "SMB"))
    # one candidate per unit: hard parts' LPs are infeasible and widen on their worker (an in-process runner)
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.05, "accounts": 0.05},
                       candidates=1, reverse_candidates=0.0, mode=mode, time_limit=40, full_mip_max_pairs=10)
    start = clock.now
    res = TerritoryCarver(cs, clock=clock).solve(acc, reps, 2027, as_of="2026-11-01", runner=SequentialRunner())
    assert len(steps) >= 2
    if lp_takes < 1:
        assert res.ok  # with time to spare, a plan …
        if mode == "hard":
            assert res.stats["candidates_k"] >= 2 and res.stats["parts_widened"] >= 1  # … widened within the budget
    _within(clock, start, steps, cs, f"{mode} carve on a runner")


def test_the_band_mend_of_each_part_ends_within_its_cap(fake_clock, monkeypatch):
    """Soft parts left outside their bands (the LP's rounding kept as a capped part keeps it) are mended after the
    solve, each for at most ``band_mend_max_s``.  Its moves, chains and swaps here find nothing and take all they are
    given (so the chain MIP runs too, and takes all of its time): no part's mend runs past its cap (plus one MIP's
    floor), and the carve ends within its limit."""
    import optimizers.carve.band_mend as band_mend
    from optimizers.carve.runners import SequentialRunner
    from tests.test_carve_band_mend import CappedRounding

    clock, steps, takes = fake_clock
    takes.update({"lp": 0.05, "priced lp": 0.05})  # the parts solve quickly: the mend has the time it may take

    def idle(name):
        def step(p, mx, plan, budget, *a, **kw):
            steps.append((name, clock.now, budget.left()))
            clock.advance(budget.left())
            return plan
        return step
    for name in ("rebalance", "chains", "polish"):
        monkeypatch.setattr(band_mend, name, idle(f"mend {name}"))
    acc, reps = make_instance(4000, 16, seed=1, locked_share=0.05, segments=("Mid-market", "SMB"))
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.05, "accounts": 0.05},
                       mode="soft", time_limit=200, band_mend_max_s=12.0, ladder=(CappedRounding(),))
    start = clock.now
    res = TerritoryCarver(cs, clock=clock).solve(acc, reps, 2027, as_of="2026-11-01", runner=SequentialRunner())
    assert res.stats.get("parts_mended", 0) >= 1
    mends = [s for s in steps if s[0].startswith("mend ")]
    assert {"mend rebalance", "mend chains", "mend polish", "mend mip"} <= {s[0] for s in mends}
    firsts = [i for i, s in enumerate(mends) if s[0] == "mend rebalance"]  # each part's mend starts with its moves
    assert len(firsts) == res.stats["parts_mended"]
    for a, b in zip(firsts, firsts[1:] + [len(mends)]):
        part = mends[a:b]
        end = max(s[1] + max(s[2], MIP_FLOOR_S if s[0] == "mend mip" else 0.0) for s in part)
        assert end - part[0][1] <= cs.band_mend_max_s + MIP_FLOOR_S + 1e-9, part
    _within(clock, start, steps, cs, "soft carve and its band mend")


class _FarAbove:
    """A ladder's one rung: each unit in its dearest candidate territory, as a capped part far above its bound
    returns it ("time_limit")."""

    name, needs_time = "far above", False

    def applies(self, s):
        return True

    def run(self, s, budget):
        import numpy as np

        from optimizers.carve.ladder import Candidate

        c = s.p.cand
        order = np.lexsort((-s.p.pair_cost, c.unit))
        plan = c.terr[order[c.ptr[:-1]]]
        return Candidate(plan, s.objective(plan), status="time_limit")


def test_parts_solved_again_past_their_first_cap_end_within_the_limit(fake_clock):
    """Parts whose plans end far above their bound within their first cap (``part_max_s``) are solved again with
    what is left, past that cap; every step of theirs takes all it is given, and the carve still ends within its
    limit, leaving the assembly its share."""
    from optimizers.carve.runners import SequentialRunner

    clock, steps, takes = fake_clock
    given = []

    class Recording(SequentialRunner):
        def map(self, fn, items, on_done=None):
            given.extend((q.again, q.time_cap_s, clock.now) for q in items)
            return super().map(fn, items, on_done)

    acc, reps = make_instance(900, 12, seed=4, segments=("Mid-market", "SMB"))
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.3, "accounts": 0.3},
                       mode="soft", time_limit=120, part_max_s=10, ladder=(_FarAbove(),))
    start = clock.now
    res = TerritoryCarver(cs, clock=clock).solve(acc, reps, 2027, as_of="2026-11-01", runner=Recording())
    assert res.stats["parts"] == 2 and res.stats["parts_tightened"] >= 1
    firsts = [g for g in given if not g[0]]
    again = [g for g in given if g[0] == "tightened"]
    assert len(firsts) == 2 and all(cap <= 10 for _, cap, _ in firsts)
    assert again and all(cap > 10 for _, cap, _ in again)  # past the first cap …
    # … sharing (one after another on one worker) what was left less the closing share and, books being outside
    # their bands, the band mend's time, which the mend then has
    end = start + cs.time_limit - cs.closing_share * cs.time_limit
    assert sum(cap for _, cap, _ in again) == pytest.approx(end - cs.band_mend_max_s - again[0][2])
    mended = [g for g in given if g[0] == "mended"]
    assert res.stats["parts_mended"] >= 1 and mended[0][2] <= end - cs.band_mend_max_s + MIP_FLOOR_S + 1e-9
    assert max(s[1] + s[2] for s in steps) <= end + MIP_FLOOR_S + 1e-9
    _within(clock, start, steps, cs, "soft carve with parts solved again")
