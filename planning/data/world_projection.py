"""The world map for a book with accounts abroad, projected on the server: d3's ``geoEqualEarth`` in numpy, and the
land (countries, the US by state) cut to the accounts' own part of the world.

Why: a map whose accounts all lie in the US draws on albersUsa, projected here (planning.data.us_projection).  One
account abroad used to switch the map to Vega's equalEarth over the US state outlines, whose rings d3 reads on the
sphere: wound the other way round, each state is "the globe minus the state", and the map was one grey box with no
land and no country but the US.  Here the outlines are projected once (``static/world_equal_earth.geojson``, from
Natural Earth's public-domain 1:110m countries and the committed US states), rings wound as a plane expects (shells
one way, holes the other), and drawn on Vega's identity projection like the US map: no spherical winding to read.
Coordinates are d3's at its default scale (177.158) and translate (480, 250), y growing downwards.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

EQUAL_EARTH_SCALE = 177.158  # d3's default geoEqualEarth scale
EQUAL_EARTH_TRANSLATE = (480.0, 250.0)
# Šavrič, Patterson and Jenny's polynomial (d3-geo src/projection/equalEarth.js)
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = np.sqrt(3) / 2
WORLD_OUTLINES = Path(__file__).resolve().parents[2] / "static" / "world_equal_earth.geojson"
_NOT_DRAWN = {"Antarctica", "Fr. S. Antarctic Lands"}  # no sales territory; half the map's height for nothing


def equal_earth(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """d3's ``geoEqualEarth()`` of degrees ``lon``/``lat``: x, y in screen units (every point on Earth lands)."""
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.asarray(lat, dtype=float))
    t = np.arcsin(_M * np.sin(phi))
    t2 = t * t
    t6 = t2 * t2 * t2
    x = lam * np.cos(t) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = t * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return EQUAL_EARTH_TRANSLATE[0] + EQUAL_EARTH_SCALE * x, EQUAL_EARTH_TRANSLATE[1] - EQUAL_EARTH_SCALE * y


def _planar(geom):
    """``geom`` (lon/lat) projected and made valid, in screen units."""
    from shapely.ops import transform

    return transform(lambda lon, lat, z=None: equal_earth(lon, lat), geom).buffer(0)


def world_outlines(countries: list[tuple[str, dict]], us_states: dict, tolerance: float = 0.15,
                   digits: int = 1) -> dict:
    """The land as the world map draws it: ``countries`` ((name, GeoJSON geometry) in lon/lat) but the United
    States, then ``us_states`` (a FeatureCollection) in its place, each projected, simplified to ``tolerance``
    screen units and rounded to ``digits`` decimals (a GeoJSON FeatureCollection, ``name`` in the properties)."""
    from shapely.geometry import mapping, shape

    named = [(n, g) for n, g in countries if n not in _NOT_DRAWN and n != "United States of America"]
    named += [(f["properties"].get("name", ""), f["geometry"]) for f in us_states["features"]]
    features = []
    for name, geometry in named:
        geom = _gridded(_planar(shape(geometry)).simplify(tolerance), digits)
        if geom.is_empty:
            continue
        features.append({"type": "Feature", "properties": {"name": name}, "geometry": _rounded(mapping(geom), digits)})
    return {"type": "FeatureCollection", "features": features}


def _oriented(geom):
    """The polygons of ``geom`` as one MultiPolygon, shells counter-clockwise and holes clockwise: a plane's
    nonzero fill then draws each hole (a lake, an enclave) as a hole, never the whole frame minus a country."""
    from shapely.geometry import MultiPolygon
    from shapely.geometry.polygon import orient

    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and not g.is_empty]
    return MultiPolygon([orient(p, 1.0) for p in parts])


def _gridded(geom, digits: int):
    """``geom`` snapped to ``digits`` decimals, kept valid (a sliver that collapses is dropped) and wound."""
    import shapely

    return _oriented(shapely.set_precision(geom, 10.0 ** -digits))


def _rounded(geometry: dict, digits: int) -> dict:
    def ring(coords):
        return [[round(float(x), digits), round(float(y), digits)] for x, y in coords]

    return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]]}


def write_world_outlines(countries_file: Path, us_states_file: Path, target: Path) -> None:
    """Project ``countries_file`` (Natural Earth's countries, any format GDAL reads, ``name`` per country) and
    ``us_states_file`` (GeoJSON) into ``target``, the committed world basemap."""
    import pyogrio
    from shapely.geometry import mapping

    df = pyogrio.read_dataframe(countries_file)
    countries = [(n, mapping(g)) for n, g in zip(df["name"], df.geometry)]
    outlines = world_outlines(countries, json.loads(us_states_file.read_text()))
    target.write_text(json.dumps(outlines, separators=(",", ":")))


@lru_cache(maxsize=1)
def _land():
    from shapely.geometry import shape
    from shapely.strtree import STRtree

    features = json.loads(WORLD_OUTLINES.read_text())["features"]
    geoms = [shape(f["geometry"]) for f in features]
    return [f["properties"]["name"] for f in features], geoms, STRtree(geoms)


def view_box(x, y, margin: float = 0.08, least: float = 12.0) -> tuple[float, float, float, float]:
    """The part of the world map to draw for points ``x``/``y`` (screen units): their extent, widened by
    ``margin`` of its larger side on each side and to at least ``least`` units (about 4° of longitude) across."""
    x0, x1, y0, y1 = np.nanmin(x), np.nanmax(x), np.nanmin(y), np.nanmax(y)
    pad = max(x1 - x0, y1 - y0) * margin
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = max((x1 - x0) / 2 + pad, least / 2)
    half_h = max((y1 - y0) / 2 + pad, least / 2)
    return (float(cx - half_w), float(cy - half_h), float(cx + half_w), float(cy + half_h))


@lru_cache(maxsize=32)
def land_within(box: tuple[float, float, float, float], digits: int = 1) -> tuple[dict, ...]:
    """The land inside ``box`` (x0, y0, x1, y1, screen units) as GeoJSON features, each cut to the box and wound
    as a plane expects, so the map around a book's accounts fits the accounts, not the whole world."""
    from shapely.geometry import box as make_box
    from shapely.geometry import mapping

    names, geoms, tree = _land()
    frame = make_box(*box)
    out = []
    for i in sorted(tree.query(frame, predicate="intersects")):
        cut = _gridded(geoms[i].intersection(frame), digits)
        if not cut.is_empty:
            out.append({"type": "Feature", "properties": {"name": names[i]},
                        "geometry": _rounded(mapping(cut), digits)})
    return tuple(out)
