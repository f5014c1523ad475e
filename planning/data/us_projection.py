"""The United States map projection worked out once on the server: d3's ``geoAlbersUsa`` (the lower 48 on an Albers
equal-area conic, Alaska and Hawaii as insets), in numpy.

Why: a Vega-Lite map on ``albersUsa`` projects every account and every state outline in the browser, through d3's
spherical clipping and adaptive resampling, on each draw: most of the chart library's ~240 ms drawing task for the
Data page's owner map (issue 26).  Points and outlines projected here draw on Vega's ``identity`` projection (a
scale and a shift), the same picture at a fraction of the work.  Coordinates are d3's at its default scale (1070)
and translate (480, 250), in screen units (y grows downwards); any fitted albersUsa is this picture scaled and
shifted, so the chart's own fit gives the same map.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_RAD = np.pi / 180
SCALE = 1070.0  # d3's default albersUsa scale; Alaska's inset is drawn at 0.35 of it
TRANSLATE = (480.0, 250.0)
_EPS = 1e-6  # d3 shrinks the insets' clip boxes by this much

# (rotate λ°, centre (λ°, φ°), standard parallels (φ°, φ°), scale factor, translate offset and clip box in units of
# the scale, relative to TRANSLATE): d3-geo's src/projection/albersUsa.js
INSETS = {
    "lower48": (96.0, (-0.6, 38.7), (29.5, 45.5), 1.0, (0.0, 0.0), (-0.455, -0.238, 0.455, 0.238)),
    "alaska": (154.0, (-2.0, 58.5), (55.0, 65.0), 0.35, (-0.307, 0.201), (-0.425, 0.120, -0.214, 0.234)),
    "hawaii": (157.0, (-3.0, 19.9), (8.0, 18.0), 1.0, (-0.205, 0.212), (-0.214, 0.166, -0.115, 0.234)),
}
STATE_INSET = {"Alaska": "alaska", "Hawaii": "hawaii"}  # every other state (and DC) on the lower 48's projection
NOT_DRAWN = {"American Samoa", "Guam", "Commonwealth of the Northern Mariana Islands", "Puerto Rico",
             "United States Virgin Islands"}  # outside every inset of albersUsa: d3 draws none of them


def _conic(inset: str, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """One inset's conic equal-area projection of degrees ``lon``/``lat`` (no clipping)."""
    rotate, (c_lon, c_lat), (p0, p1), factor, (dx, dy), _ = INSETS[inset]
    sy0 = np.sin(p0 * _RAD)
    n = (sy0 + np.sin(p1 * _RAD)) / 2
    c = 1 + sy0 * (2 * n - sy0)
    r0 = np.sqrt(c) / n

    def raw(lam, phi):
        r = np.sqrt(c - 2 * n * np.sin(phi)) / n
        return r * np.sin(lam * n), r0 - r * np.cos(lam * n)

    lam = (np.asarray(lon, dtype=float) + rotate) * _RAD
    lam = np.where(lam > np.pi, lam - 2 * np.pi, np.where(lam < -np.pi, lam + 2 * np.pi, lam))
    x, y = raw(lam, np.asarray(lat, dtype=float) * _RAD)
    cx, cy = raw(c_lon * _RAD, c_lat * _RAD)
    k = SCALE * factor
    tx, ty = TRANSLATE[0] + dx * SCALE, TRANSLATE[1] + dy * SCALE
    return tx + k * (x - cx), ty - k * (y - cy)


def clip_box(inset: str) -> tuple[float, float, float, float]:
    """The inset's clip box (x0, y0, x1, y1) in screen units; the insets' own are shrunk by d3's epsilon."""
    box = np.array(INSETS[inset][5]) * SCALE + np.array(TRANSLATE * 2)
    if inset == "lower48":
        return tuple(box)
    return (box[0] + _EPS, box[1] + _EPS, box[2] - _EPS, box[3] - _EPS)


def albers_usa(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """d3's ``geoAlbersUsa()`` of degrees ``lon``/``lat``: x, y in screen units; NaN where a point falls in no inset
    (d3 returns null: Puerto Rico, Guam, anywhere abroad), as the lower 48, then Alaska, then Hawaii are tried."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x = np.full(lon.shape, np.nan)
    y = np.full(lon.shape, np.nan)
    for inset in INSETS:
        px, py = _conic(inset, lon, lat)
        x0, y0, x1, y1 = clip_box(inset)
        take = np.isnan(x) & (px >= x0) & (px <= x1) & (py >= y0) & (py <= y1)
        x[take], y[take] = px[take], py[take]
    return x, y


def _project_geometry(geom: dict, inset: str):
    """A GeoJSON (Multi)Polygon projected on one inset and clipped to its box (a shapely geometry)."""
    from shapely.geometry import box, shape
    from shapely.ops import transform

    projected = transform(lambda lon, lat, z=None: _conic(inset, lon, lat), shape(geom))
    return projected.buffer(0).intersection(box(*clip_box(inset)))


def state_outlines(states: dict, tolerance: float = 0.3, digits: int = 1) -> dict:
    """The state outlines (a GeoJSON FeatureCollection, ``name`` in each feature's properties) as d3's albersUsa
    draws them, projected here: each state on its inset, clipped to the inset's box, simplified to ``tolerance``
    screen units (about a third of a pixel on the Data page's map) and rounded to ``digits`` decimals."""
    from shapely.geometry import mapping

    features = []
    for f in states["features"]:
        name = f["properties"].get("name", "")
        if name in NOT_DRAWN:
            continue
        geom = _project_geometry(f["geometry"], STATE_INSET.get(name, "lower48")).simplify(tolerance)
        if geom.is_empty:
            continue
        features.append({"type": "Feature", "properties": {"name": name},
                         "geometry": _rounded(mapping(geom), digits)})
    return {"type": "FeatureCollection", "features": features}


def _rounded(geometry: dict, digits: int) -> dict:
    def ring(coords):
        return [[round(float(x), digits), round(float(y), digits)] for x, y in coords]

    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in geometry["coordinates"]]}
    return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in geometry["coordinates"]]}


def write_state_outlines(source: Path, target: Path) -> None:
    """Project ``source`` (lon/lat state outlines) into ``target`` (the committed, projected basemap)."""
    target.write_text(json.dumps(state_outlines(json.loads(source.read_text())), separators=(",", ":")))
