"""A part's longer candidate lists are built for that part alone (the whole problem at 160 candidates was 8.4 GB in
the driver at 500,000 × 2,500), and give exactly the pairs, costs and pricing start the whole problem's would."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

from optimizers.carve import CarveSettings
from optimizers.carve.parts import make_parts, group_labels, widened
from optimizers.carve.pipeline import CarveInputs
from optimizers.carve.prepare import part_prepared, prepared
from optimizers.instances.companies import make_instance
from planning.data import Settings


def _company(regions: int = 3):
    acc, reps = make_instance(2400, 24, seed=5, segments=("Mid-market", "SMB"))
    edges = np.quantile(acc["lon"], np.linspace(0, 1, regions + 1)[1:-1])
    names = np.array([f"R{i + 1}" for i in range(regions)])
    acc["region"] = names[np.searchsorted(edges, acc["lon"].to_numpy())]
    reps["region"] = names[np.searchsorted(edges, reps["lon"].to_numpy())]
    return acc, reps


def _same(a, b):
    assert a is not None and b is not None
    for f in ("unit", "terr", "dist_mi", "rule_break", "ptr", "orphans"):
        np.testing.assert_array_equal(getattr(a.cand, f), getattr(b.cand, f), err_msg=f)
    for f in ("pair_cost", "pair_moves", "pair_arr_moved", "lo", "hi", "target", "penalty", "unit_metrics"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    assert (a.lp_start is None) == (b.lp_start is None)
    if a.lp_start is not None:
        np.testing.assert_array_equal(a.lp_start, b.lp_start)


@pytest.mark.parametrize("mode", ["soft", "hard"])
def test_a_parts_longer_lists_equal_the_whole_problems_sub_problem(mode):
    acc, reps = _company()
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.1, "accounts": 0.1},
                       match_region=True, mode=mode, candidates=3)
    inputs = CarveInputs(acc, reps, 2027, pd.Timestamp("2026-11-01"), Settings())
    p, ctx = prepared(cs, inputs, cs.candidates)
    parts = make_parts(cs, p, group_labels(cs, ctx["terr"]))
    assert len(parts) == 6  # segment × region
    for k2 in (6, 12):
        whole = prepared(cs, inputs, k2)[0]
        for part in parts:
            own = part_prepared(cs, inputs, ctx, p, k2, part.terrs, part.units)
            # only the part's units (and any other its territories may take) have pairs: a part's size, not the whole's
            assert len(own.cand.unit) < 0.5 * len(whole.cand.unit)
            _same(widened(part, own), widened(part, whole))


def test_a_part_that_would_take_another_parts_units_is_seen_as_such():
    """Without a region rule the territories of a segment may take every unit of it: a part of the narrow lists
    (each territory's nearest units, no owners to link them) would grow over longer ones, and the part-only build
    says so as the whole does."""
    acc, reps = _company()
    acc["owner_rep_id"] = None
    cs = CarveSettings(metrics=("accounts",), tolerance={"accounts": 0.2}, match_region=False, mode="soft",
                       candidates=1, reverse_candidates=0.0)
    inputs = CarveInputs(acc, reps, 2027, pd.Timestamp("2026-11-01"), Settings())
    p, ctx = prepared(cs, inputs, cs.candidates)
    parts = make_parts(cs, p)
    whole = prepared(cs, inputs, 8)[0]
    seen = []
    for part in parts:
        own = widened(part, part_prepared(cs, inputs, ctx, p, 8, part.terrs, part.units))
        theirs = widened(part, whole)
        assert (own is None) == (theirs is None)
        if own is not None:
            _same(own, theirs)
        seen.append(own is None)
    assert len(parts) > 2 and any(seen)


def test_a_fewest_moves_objective_is_left_to_the_whole_build():
    acc, reps = _company()
    cs = CarveSettings(metrics=("accounts",), match_region=True, objective="moves", candidates=3)
    inputs = CarveInputs(acc, reps, 2027, pd.Timestamp("2026-11-01"), Settings())
    p, ctx = prepared(cs, inputs, cs.candidates)
    part = make_parts(cs, p)[0]
    assert part_prepared(cs, inputs, ctx, p, 6, part.terrs, part.units) is None


def test_a_part_whose_lists_cannot_hold_its_bands_is_widened_without_its_lp(monkeypatch):
    # a third of the reps in three metros, 3 candidates per unit: both Northeast parts fail the neighbouring-
    # territories check (a proof that their LP is infeasible); they go straight to the widening, and the carve
    # ends with the same plan as when their doomed LPs were solved first.  The whole problem's own check is off, as
    # above 2 M units × territories (50,000×250), else it would lengthen every list first
    import optimizers.carve.parts as parts_mod
    import optimizers.carve.pipeline as pipeline
    from optimizers.territory_carve import TerritoryCarver

    acc, reps = make_instance(2000, 30, seed=1, segments=("Mid-market", "SMB"), family="uneven_reps")
    m = ("potential_usd", "accounts")
    cs = CarveSettings(metrics=m, tolerance=dict.fromkeys(m, 0.05), match_region=True, time_limit=120,
                       candidates=3, reverse_candidates=0.5, threads=1)
    narrow_solves: list[str] = []
    solve_part = parts_mod.solve_part

    def counted(part, *a, **kw):
        if not part.again:
            narrow_solves.append(part.name)
        return solve_part(part, *a, **kw)
    monkeypatch.setattr(pipeline, "solve_part", counted)
    monkeypatch.setattr(pipeline, "prechecks", lambda *a: [])
    res = TerritoryCarver(cs).solve(acc, reps, 2027, as_of="2026-11-01")
    assert res.ok and res.stats["parts"] == 8 and res.stats["parts_prechecked_out"] == 2
    assert res.stats["parts_widened"] >= 2 and len(narrow_solves) == 6
    assert not any("Northeast" in name for name in narrow_solves)
    assert (res.balance["worst_dev_after"] <= 0.05 + 1e-6).all()
    assert len(res.plan.assignment) == len(acc) and res.plan.assignment.notna().all()

    narrow_solves.clear()
    monkeypatch.setattr(pipeline, "neighbourhood_reach", lambda *a: [])
    slow = TerritoryCarver(cs).solve(acc, reps, 2027, as_of="2026-11-01")
    assert len(narrow_solves) == 8 and "parts_prechecked_out" not in slow.stats
    assert slow.stats["parts_widened"] == res.stats["parts_widened"]
    assert res.objective == pytest.approx(slow.objective, rel=1e-9)
    assert (res.plan.assignment.sort_index() == slow.plan.assignment.sort_index()).all()
