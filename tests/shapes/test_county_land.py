"""One rule for a county territory's pieces, in the carve's result and on the map (issue 24).

The map draws whole counties: each county with none of the segment's accounts goes with the nearest county that
has some (its cell), and pieces are counted on the county graph.  The carve's unit graph joins two counties when
their cells touch, and its result reports the map's count: a territory is never "one piece" in the result and in
pieces on the map.  Delaware by hand: New Castle – Kent –
Sussex, north to south; New Castle and Sussex touch only through Kent."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning.data.county_land import fill_land, land_graph, territory_pieces

NEW_CASTLE, KENT, SUSSEX = "10003", "10001", "10005"


def test_delaware_by_hand_two_counties_touch_only_through_the_empty_one():
    idx, adj = land_graph({"10"})
    assert len(idx) == 3 and adj.nnz == 4  # New Castle – Kent – Sussex: two borders, both ways
    apart = pd.Series({NEW_CASTLE: "T-1", SUSSEX: "T-1"})
    assert territory_pieces(apart).to_dict() == {"T-1": 2}
    # Kent holds no account: the territory takes it, and is one piece
    filled = fill_land(apart)
    assert filled.to_dict() == {KENT: "T-1", NEW_CASTLE: "T-1", SUSSEX: "T-1"}
    assert territory_pieces(filled).to_dict() == {"T-1": 1}
    # Kent held by another territory: T-1 cannot cross it and stays in two pieces
    blocked = pd.Series({NEW_CASTLE: "T-1", SUSSEX: "T-1", KENT: "T-2"})
    assert fill_land(blocked).equals(blocked.sort_index())
    assert territory_pieces(blocked).to_dict() == {"T-1": 2, "T-2": 1}


def test_an_island_on_its_water_link_is_one_piece():
    # Nantucket has no land border; its water link joins it to Dukes (Martha's Vineyard)
    assert territory_pieces(pd.Series({"25019": "T-1", "25007": "T-1"})).to_dict() == {"T-1": 1}


def test_the_nearest_fill_never_splits_a_region_and_covers_the_states_land():
    owner = pd.Series({"39049": "T-1", "39035": "T-2", "39061": "T-3"})  # Columbus, Cleveland, Cincinnati
    filled = fill_land(owner)
    assert len(filled) == len(land_graph({"39"})[0]) == 88  # every Ohio county
    assert set(territory_pieces(filled)) == {1}


@pytest.fixture(scope="module")
def sparse_ohio():
    """Ohio with accounts in every third county only, five reps: territories that must cross empty counties."""
    from optimizers.carve import CarveSettings
    from optimizers.territory_carve import TerritoryCarver
    from optimizers.instances.counties import county_instance

    acc, reps = county_instance(5, 0, ("OH",))
    acc = acc.loc[acc["county_fips"].isin(sorted(acc["county_fips"].unique())[::3])].reset_index(drop=True)
    cs = CarveSettings(metrics=("potential_usd",), tolerance={"potential_usd": 0.10}, units={"Mid-market": "county"},
                       contiguous=True, time_limit=20)
    return acc, TerritoryCarver(cs).solve(acc, reps, 2027, as_of="2026-11-01")


def test_delaware_by_hand_the_carves_graph_joins_new_castle_and_sussex_through_kent():
    from optimizers.contiguity.contiguity_graph import count_pieces, unit_graph

    # units: New Castle and Sussex hold accounts, Kent none; then Kent held by a third unit
    for held, expect in (([NEW_CASTLE, SUSSEX], [[0, 1]]), ([NEW_CASTLE, SUSSEX, KENT], [[0, 2], [1, 2]])):
        n = len(held)
        adj = unit_graph(np.arange(n), pd.Series(held), np.array(["Mid-market"] * n), np.ones(n, dtype=bool))
        assert sorted(map(list, zip(*adj.nonzero()))) == sorted(expect + [e[::-1] for e in expect])
        # one territory holding New Castle and Sussex: one piece on the carve's graph exactly when on the map
        assign = np.array([0, 0] + [1] * (n - 2))
        carve = count_pieces(adj, assign, 2, np.ones(n, dtype=bool))
        drawn = territory_pieces(fill_land(pd.Series(dict(zip(held, ["T-0", "T-0", "T-1"][:n])))))
        assert carve[0] == drawn["T-0"] == (1 if n == 2 else 2)


def test_the_carves_piece_count_is_the_maps(sparse_ohio):
    from planning.plans import shapes_summary, territory_pieces_of, territory_shapes

    acc, res = sparse_ohio
    assert res.ok
    shapes = territory_shapes(res.plan.assignment, acc)
    drawn = shapes.set_index("territory_id")["pieces"]
    assert drawn.to_dict() == territory_pieces_of(res.plan.assignment, acc).to_dict()
    cont = res.stats["contiguity"]
    # 30 of Ohio's 88 counties hold accounts; every territory one piece in the result and on the map, which
    # draws all 88 counties (the unit graph of bridges said "one piece" for plans drawn with 2 and 3 pieces)
    assert shapes["counties"].sum() == 88 and set(drawn) == {1}
    assert cont["split_after"] == int((drawn > 1).sum()) == 0
    assert shapes_summary(shapes) == "all 5 territory shapes are one piece"
    assert cont["summary"] == "All 5 territories are one piece."  # the polish's figures: Solver details only
    assert res.balance["worst_dev_after"].max() <= 0.10 + 1e-6


def _delaware_accounts(parent_of_c: str | None) -> pd.DataFrame:
    """Three Mid-market accounts: A and B in New Castle, C in Sussex (C's parent: ``parent_of_c``)."""
    return pd.DataFrame({
        "account_id": ["A", "B", "C"], "name": ["A", "B", "C"], "segment": "Mid-market", "region": "East",
        "industry": "Tech", "employees": 100, "workload_hours": 10.0, "potential_usd": [5.0, 1.0, 3.0],
        "postal_code": ["19801", "19802", "19947"], "state": "DE", "lat": [39.7, 39.7, 38.7],
        "lon": [-75.6, -75.6, -75.4], "county_fips": [NEW_CASTLE, NEW_CASTLE, SUSSEX],
        "parent_account_id": [None, "A", parent_of_c]})


def test_a_family_spanning_counties_rides_with_its_main_county_and_draws_no_other():
    from planning.plans.carving_units import build_units
    from planning.plans.shapes import county_owners, territory_pieces_of

    # B's family (parent A) sits in New Castle only: it stays in New Castle's county unit
    u = build_units(_delaware_accounts(None), {"Mid-market": "county"})
    assert list(u.frame["key"]) == [f"Mid-market | county {NEW_CASTLE}", f"Mid-market | county {SUSSEX}"]
    # C joins A's family, whose main county is New Castle (2 of its 3 accounts): C rides in New Castle's unit, and
    # Sussex is no longer glued to New Castle across Kent (it has no account of its own left)
    acc = _delaware_accounts("A")
    u = build_units(acc, {"Mid-market": "county"})
    assert list(u.frame["key"]) == [f"Mid-market | county {NEW_CASTLE}"] and u.frame["accounts"].tolist() == [3]
    # the map draws C's county for nobody: New Castle's territory, filled over the empty land, is one piece
    assignment = pd.Series({"A": "T-1", "B": "T-1", "C": "T-1"})
    assert county_owners(assignment, acc, fill=False).to_dict() == {NEW_CASTLE: "T-1"}
    assert territory_pieces_of(assignment, acc).to_dict() == {"T-1": 1}
    # a Sussex account of the segment in another territory: T-1 stays one piece (C shapes nothing), T-2 holds Sussex
    d = pd.concat([acc, _delaware_accounts(None).iloc[[2]].assign(account_id="D", parent_account_id=None)])
    two = pd.Series({"A": "T-1", "B": "T-1", "C": "T-1", "D": "T-2"})
    assert county_owners(two, d, fill=False).to_dict() == {NEW_CASTLE: "T-1", SUSSEX: "T-2"}
    assert territory_pieces_of(two, d).to_dict() == {"T-1": 1, "T-2": 1}
