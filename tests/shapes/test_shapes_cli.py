"""`carve --units ... --contiguous --shapes-out --map-out`: territory polygons with their metrics, and a map."""
from __future__ import annotations

import json


def test_carve_cli_writes_contiguous_shapes_and_a_map(cli, tmp_path, sample):
    import geopandas as gpd
    import shapely

    shapes, png = tmp_path / "territories.geojson", tmp_path / "map.png"
    r = cli(["carve", "--units", "Mid-market=zip3", "--units", "SMB=state", "--mode", "soft", "--metrics", "potential_usd",
             "--tolerance", "0.2", "--time-limit", "30", "--contiguous", "--shapes-out", shapes, "--map-out", png,
             "--map-segment", "Mid-market", "--out", tmp_path / "a.csv", "--summary-out", tmp_path / "t.csv"])
    assert r.exit_code == 0, r.output
    assert "one piece." in r.output and "territory shapes" in r.output  # the plan's one-piece line
    data = json.loads(shapes.read_text())
    assert data["type"] == "FeatureCollection" and data["features"]
    g = gpd.GeoDataFrame.from_features(data["features"], crs=4326)
    assert {"territory_id", "segment", "owner", "area_sq_mi", "polsby_popper", "pieces", "potential_usd",
            "potential_usd_vs_target", "accounts"} <= set(g.columns)
    assert ((g["polsby_popper"] > 0) & (g["polsby_popper"] <= 1)).all()
    # within a segment the shapes tile without overlap
    for _, part in g.to_crs(5070).groupby("segment"):
        assert abs(part.area.sum() / shapely.union_all(part.geometry.values).area - 1) < 1e-3
    # every account's potential is in exactly one shape of its segment (fill adds only empty counties)
    mm = g.loc[g["segment"] == "Mid-market"]
    want = sample.accounts.loc[sample.accounts["segment"] == "Mid-market", "potential_usd"].sum()
    assert abs(mm["potential_usd"].sum() / want - 1) < 1e-9
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
