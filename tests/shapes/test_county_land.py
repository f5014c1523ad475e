"""One rule for a county territory's pieces, in the carve's result and on the map (issue 24).

The carve's unit graph joins two counties of a segment across counties with none of its accounts; the map draws
whole counties.  So the map fills the empty counties (the runs that join a territory's pieces first, then the
nearest territory) and counts pieces on the county graph, and the carve's result reports that same count: a
territory is never "one piece" in the result and in pieces on the map.  Delaware by hand: New Castle – Kent –
Sussex, north to south; New Castle and Sussex touch only through Kent."""
from __future__ import annotations

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


def test_a_family_spanning_counties_and_an_island_on_its_water_link_are_one_piece():
    # a parent family keeps New Castle and Sussex in one carving unit: the carve counts them as one piece
    assert territory_pieces(pd.Series({NEW_CASTLE: "T-1", SUSSEX: "T-1"}), [(NEW_CASTLE, SUSSEX)]).to_dict() == \
        {"T-1": 1}
    # Nantucket has no land border; its water link joins it to Dukes (Martha's Vineyard)
    assert territory_pieces(pd.Series({"25019": "T-1", "25007": "T-1"})).to_dict() == {"T-1": 1}


def test_the_nearest_fill_never_splits_a_region_and_covers_the_states_land():
    owner = pd.Series({"39049": "T-1", "39035": "T-2", "39061": "T-3"})  # Columbus, Cleveland, Cincinnati
    filled = fill_land(owner)
    assert len(filled) == len(land_graph({"39"})[0]) == 88  # every Ohio county
    assert set(territory_pieces(filled)) == {1}


@pytest.fixture(scope="module")
def sparse_ohio():
    """Ohio with accounts in every third county only, five reps: a carve whose unit graph joins counties across
    empty ones (its territories one piece there), some of which the map cannot draw as one piece."""
    from optimizers.carve import CarveSettings, TerritoryCarver
    from optimizers.instances.counties import county_instance

    acc, reps = county_instance(5, 0, ("OH",))
    acc = acc.loc[acc["county_fips"].isin(sorted(acc["county_fips"].unique())[::3])].reset_index(drop=True)
    cs = CarveSettings(metrics=("potential_usd",), tolerance={"potential_usd": 0.10}, units={"Mid-market": "county"},
                       contiguous=True, time_limit=20)
    return acc, TerritoryCarver(cs).solve(acc, reps, 2027, as_of="2026-11-01")


def test_the_carves_piece_count_is_the_maps(sparse_ohio):
    from planning.plans import shapes_summary, territory_pieces_of, territory_shapes

    acc, res = sparse_ohio
    assert res.ok
    shapes = territory_shapes(res.plan.assignment, acc)
    drawn = shapes.set_index("territory_id")["pieces"]
    assert drawn.to_dict() == territory_pieces_of(res.plan.assignment, acc).to_dict()
    cont = res.stats["contiguity"]
    # the unit graph calls every territory one piece; two of them the map cannot draw as one (hand-checked map)
    assert cont["split_before"] == 0 and sorted(drawn) == [1, 1, 1, 2, 3]
    assert cont["split_after"] == int((drawn > 1).sum()) == 2
    assert shapes_summary(shapes) == "2 of 5 territory shapes are in more than one piece"
    assert cont["summary"].startswith("contiguity: 2 of 5 territories in more than one piece")
    # never "optimal", its gap against the plain LP bound, and the result says which ones and why
    assert res.status != "optimal" and res.stats["one_piece"] is False
    assert res.bound == pytest.approx(res.stats["bound_plain"])
    split = [w for w in res.warnings if "is drawn in" in w]
    assert len(split) == 2 and all("needed by a neighbouring territory's region too" in w for w in split)
