"""The world map of a book with accounts abroad (planning.data.world_projection): d3's equal-earth projection worked
out on the server, the land wound as a plane expects and cut to the accounts' part of the world.  The map was one
grey box: the US state outlines drawn on Vega's spherical equalEarth read as "the globe minus each state"."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box, shape

from planning.data.world_projection import (EQUAL_EARTH_SCALE as SCALE, EQUAL_EARTH_TRANSLATE as TRANSLATE,
                                            WORLD_OUTLINES, equal_earth, land_within, view_box,
                                            write_world_outlines)
from ui.charts import PROJECTED, accounts_map

NATURAL_EARTH = Path(__import__("pyogrio").__file__).parent / "tests" / "fixtures" / "naturalearth_lowres" / \
    "naturalearth_lowres.shp"
CITIES = {"San Francisco": (-122.42, 37.77, "California"), "Toronto": (-79.38, 43.65, "Canada"),
          "London": (-0.13, 51.51, "United Kingdom"), "Manchester": (-2.24, 53.48, "United Kingdom")}


def test_equal_earth_by_hand():
    # the equator's ends: λ / (M·A1) with M = √3/2, A1 = 1.340264 → π / 1.160702 = 2.706630 scale units
    x, y = equal_earth([0, 180, -180], [0, 0, 0])
    np.testing.assert_allclose(x, [480, 480 + SCALE * 2.706630, 480 - SCALE * 2.706630], atol=1e-3)
    np.testing.assert_allclose(y, [250, 250, 250])
    # the pole: θ = asin(M) = π/3, y = θ·(A1 + A2θ² + θ⁶(A3 + A4θ²)) = 1.317363 (north is up: smaller y)
    _, y_pole = equal_earth([0], [90])
    np.testing.assert_allclose(y_pole, [TRANSLATE[1] - SCALE * 1.317363], atol=1e-3)
    # equal-earth's width : height is 2.0546 (Šavrič et al.)
    assert 2.706630 / 1.317363 == pytest.approx(2.0546, abs=1e-4)


def test_every_outline_is_wound_as_a_plane_reads_it():
    """Shells counter-clockwise, holes clockwise (screen units): a nonzero fill draws land as land, a hole as a
    hole, never the whole frame around a country."""
    features = json.loads(WORLD_OUTLINES.read_text())["features"]
    assert len(features) > 200  # ~175 countries and the 51 US states in place of the US
    for f in features:
        for poly in shape(f["geometry"]).geoms:
            assert poly.exterior.is_ccw, f["properties"]["name"]
            assert not any(r.is_ccw for r in poly.interiors), f["properties"]["name"]


@pytest.mark.skipif(not NATURAL_EARTH.exists(), reason="Natural Earth's countries come with pyogrio's test data")
def test_the_committed_world_basemap_is_the_generators(tmp_path):
    from planning.data.geo import STATES_GEOJSON

    target = tmp_path / "world.geojson"
    write_world_outlines(NATURAL_EARTH, STATES_GEOJSON, target)
    assert json.loads(WORLD_OUTLINES.read_text()) == json.loads(target.read_text()), \
        "rerun planning.data.world_projection.write_world_outlines after changing the outlines"


def test_a_book_in_the_us_canada_and_the_uk_draws_land_around_its_accounts():
    lon, lat, _ = zip(*CITIES.values())
    x, y = equal_earth(lon, lat)
    frame = view_box(x, y)
    land = {f["properties"]["name"]: shape(f["geometry"]) for f in land_within(frame)}
    for city, (lo, la, where) in CITIES.items():  # each dot on its own land
        px, py = equal_earth([lo], [la])
        assert land[where].contains(Point(px[0], py[0])), city
    share = sum(g.area for g in land.values()) / box(*frame).area
    assert 0.2 < share < 0.8, f"land covers {share:.0%} of the map"  # land and sea, not one grey box
    assert {"Canada", "United Kingdom", "Ireland", "France", "New York"} <= set(land)


def test_a_map_with_accounts_abroad_sends_projected_points_and_the_land_around_them():
    pts = pd.DataFrame({"name": list(CITIES), "lon": [c[0] for c in CITIES.values()],
                        "lat": [c[1] for c in CITIES.values()], "owner": ["A", "B", "C", "C"],
                        "country": ["US", "CA", "GB", "GB"]})
    spec = accounts_map(pts, "owner").to_dict()
    base, dots = spec["layer"]
    assert base["projection"]["type"] == dots["projection"]["type"] == PROJECTED
    assert dots["encoding"]["longitude"]["field"] == "map_x" and dots["encoding"]["latitude"]["field"] == "map_y"
    x, _ = equal_earth(pts["lon"], pts["lat"])
    assert [round(v["map_x"], 3) for v in spec["datasets"][dots["data"]["name"]]] == [round(v, 3) for v in x]
    names = {f["properties"]["name"] for f in base["data"]["values"]}
    assert {"Canada", "United Kingdom", "California"} <= names and "Australia" not in names
