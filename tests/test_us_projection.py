"""The server-side albersUsa (planning.data.us_projection) draws the maps exactly where d3's would, and the projected
basemap the browser loads is the one the generator makes from the committed state outlines."""
import json

import numpy as np
import pandas as pd

from planning.data.us_projection import albers_usa, clip_box, state_outlines, write_state_outlines
from ui.charts import PROJECTED, STATES_PROJECTED_URL, accounts_map

# d3-geo 3.1's geoAlbersUsa() of each point (node, default scale and translate), to the third decimal
D3 = {"lower 48's centre": ((-96.6, 38.7), (480.0, 250.0)),  # the lower 48's centre lands on the translate
      "San Francisco": ((-122.4194, 37.7749), (107.427, 214.143)),
      "Portland, Maine": ((-70.0, 43.9), (832.847, 104.806)),
      "Anchorage": ((-149.9, 61.2), (171.171, 447.063)),
      "Adak, west of 180° in the Aleutians": ((-176.6, 51.9), (68.467, 492.87)),
      "Attu, east of 180° (wraps around)": ((179.5, 51.5), (52.719, 489.555)),
      "Hilo": ((-155.5, 19.6), (339.982, 482.657))}


def test_points_land_where_d3_puts_them():
    lon, lat = np.array([p for p, _ in D3.values()]).T
    x, y = albers_usa(lon, lat)
    want = np.array([xy for _, xy in D3.values()])
    np.testing.assert_allclose(np.c_[x, y], want, atol=1e-3)


def test_a_point_in_no_inset_is_left_out_as_d3_leaves_it():
    # San Juan (albersUsa has no Puerto Rico inset), Paris, the middle of the Pacific
    x, y = albers_usa([-66.1, 2.35, -140.0], [18.4, 48.85, 30.0])
    assert np.isnan(x).all() and np.isnan(y).all()


def test_each_state_is_drawn_in_its_own_inset():
    outlines = state_outlines({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name},
         "geometry": {"type": "Polygon", "coordinates": [[[lo - 1, la - 1], [lo + 1, la - 1], [lo + 1, la + 1],
                                                          [lo - 1, la + 1], [lo - 1, la - 1]]]}}
        for name, (lo, la) in {"Kansas": (-98, 38.5), "Alaska": (-150, 62), "Hawaii": (-155.5, 19.6),
                               "Puerto Rico": (-66.5, 18.2)}.items()]})
    drawn = {f["properties"]["name"]: np.array(f["geometry"]["coordinates"][0]) for f in outlines["features"]}
    assert set(drawn) == {"Kansas", "Alaska", "Hawaii"}  # Puerto Rico: no inset, as in d3
    for name, inset in {"Kansas": "lower48", "Alaska": "alaska", "Hawaii": "hawaii"}.items():
        x0, y0, x1, y1 = clip_box(inset)
        ring = drawn[name]
        assert (ring[:, 0] >= x0 - 0.1).all() and (ring[:, 0] <= x1 + 0.1).all()
        assert (ring[:, 1] >= y0 - 0.1).all() and (ring[:, 1] <= y1 + 0.1).all()


def test_the_committed_projected_basemap_is_the_generators(tmp_path):
    from planning.data.geo import STATES_GEOJSON

    target = tmp_path / "projected.geojson"
    write_state_outlines(STATES_GEOJSON, target)
    committed = STATES_GEOJSON.with_name("us_states_albers_usa.geojson")
    assert json.loads(committed.read_text()) == json.loads(target.read_text()), \
        "rerun planning.data.us_projection.write_state_outlines after changing static/us_states.geojson"


def test_a_us_map_sends_projected_points_and_the_projected_basemap():
    pts = pd.DataFrame({"name": ["Acme", "Aloha", "Abroad"], "lat": [37.7749, 19.6, 48.85],
                        "lon": [-122.4194, -155.5, 2.35], "owner": ["A", "B", "C"], "country": ["US", "US", "US"]})
    spec = accounts_map(pts.iloc[:2], "owner").to_dict()
    base, dots = spec["layer"]
    assert base["data"]["url"] == STATES_PROJECTED_URL and base["projection"]["type"] == PROJECTED
    assert dots["projection"]["type"] == PROJECTED
    assert dots["encoding"]["longitude"]["field"] == "map_x" and dots["encoding"]["latitude"]["field"] == "map_y"
    values = spec["datasets"][dots["data"]["name"]]
    assert [round(v["map_x"], 3) for v in values] == [107.427, 339.982]
    # an account abroad switches the map to the world's projection, worked out here too (tests/test_world_projection)
    world = accounts_map(pts.assign(country=["US", "US", "FR"]), "owner").to_dict()
    assert world["layer"][1]["projection"]["type"] == PROJECTED
    assert world["layer"][1]["encoding"]["longitude"]["field"] == "map_x"
    assert len(world["datasets"][world["layer"][1]["data"]["name"]]) == 3  # Paris too
