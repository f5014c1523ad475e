"""The neighbourhood (Hall) precheck: a group of territories that cannot fill their bands from the accounts they may
take is found without solving, the LP agrees, and the carve widens the candidate lists instead of failing."""
import pandas as pd

from optimizers.carve import CarveSettings, TerritoryCarver
from optimizers.carve.diagnose import neighbourhood_reach, prechecks
from optimizers.instances.companies import make_instance
from optimizers.carve.model import build_matrix
from optimizers.carve.solvers import solve_lp

METRICS = ("potential_usd", "accounts")


def settings(k: int) -> CarveSettings:
    return CarveSettings(metrics=METRICS, tolerance=dict.fromkeys(METRICS, 0.05), candidates=k,
                         reverse_candidates=0.5, time_limit=60)


def test_a_group_that_cannot_fill_its_bands_is_found_and_the_lp_agrees():
    acc, reps = make_instance(2000, 20, seed=1)
    p, ctx = TerritoryCarver(settings(2)).prepare(acc, reps, 2027, pd.Timestamp("2026-11-01"), 2)
    found = neighbourhood_reach(p, ctx["terr"])
    assert found and all("can reach at most" in f for f in found)
    # every single territory can reach its own band: only the group view sees the problem
    assert prechecks(p, ctx["terr"], ctx["units"].frame, ctx["tol"]) == found
    assert solve_lp(build_matrix(p), 30).status == "infeasible"  # a necessary condition: the LP must agree
    # with longer candidate lists the group check is silent
    p4, ctx4 = TerritoryCarver(settings(4)).prepare(acc, reps, 2027, pd.Timestamp("2026-11-01"), 4)
    assert neighbourhood_reach(p4, ctx4["terr"]) == []


def test_the_carve_widens_instead_of_failing():
    acc, reps = make_instance(2000, 20, seed=1)
    res = TerritoryCarver(settings(2)).solve(acc, reps, 2027, as_of="2026-11-01")
    assert res.ok and res.stats["candidates_k"] >= 4
    assert (res.balance["worst_dev_after"] <= 0.05 + 1e-6).all()
    assert res.plan.assignment.notna().all() and len(res.plan.assignment) == len(acc)
