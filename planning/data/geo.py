"""Offline geography: ZIP → coordinates, distances, state outlines, territory shapes.

ZIP centroids come from the ``zipcodes`` package (about 42,800 US ZIPs with
state and county), so nothing is fetched at run time.  State outlines are
US Census cartographic boundaries via the ``us-atlas`` project (ISC licence),
committed in ``static/us_states.geojson`` (simplified to ~85 KB; plenty at national scale).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from planning.data.disk_cache import through_cache

EARTH_RADIUS_MI = 3958.8
# The basemap lives in ./static so the Streamlit server can also serve it to the browser by URL.
STATES_GEOJSON = Path(__file__).resolve().parents[2] / "static" / "us_states.geojson"


@lru_cache(maxsize=1)
def zip_table() -> pd.DataFrame:
    """All known US ZIPs: index zip (5-char str), columns lat, lon, state, city, county.

    Building it from the package's JSON takes about a second, so the frame is kept as a Parquet file in the
    user's cache folder (keyed on the zipcodes version) and read back in milliseconds by later processes.
    """
    import zipcodes

    return cached_frame(f"zips-{getattr(zipcodes, '__version__', 'unknown')}", lambda: _build_zip_table(zipcodes))


def cached_frame(name: str, build) -> pd.DataFrame:
    """``build()`` once, kept as ``<name>.parquet`` in the user's cache folder and read back by later processes.

    The name carries the version of the package the frame comes from, so an upgrade builds a new file.
    """
    return through_cache(f"{name}.parquet", pd.read_parquet, build, lambda table, tmp: table.to_parquet(tmp))


def _build_zip_table(zipcodes) -> pd.DataFrame:
    rows = [
        (z["zip_code"], float(z["lat"]), float(z["long"]), z["state"], z["city"], z.get("county") or "")
        for z in zipcodes.list_all()
        if z.get("lat") and z.get("long") and (float(z["lat"]), float(z["long"])) != (0.0, 0.0)
    ]
    df = pd.DataFrame(rows, columns=["zip", "lat", "lon", "state", "city", "county"])
    return df.drop_duplicates("zip").set_index("zip")


_ZIP_RE = re.compile(r"^\s*(\d{3,5})(?:[-\s]?\d{4})?\s*$")


def normalise_zip(value) -> str | None:
    """'2139' → '02139' (Excel drops leading zeros), '02139-4307' → '02139'; None if not a ZIP."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    m = _ZIP_RE.match(text)
    return m.group(1).zfill(5) if m else None


def locate_zips(zips: pd.Series) -> pd.DataFrame:
    """Look up normalised ZIPs; returns lat, lon, state aligned to ``zips`` (NaN where unknown)."""
    table = zip_table()
    found = table.reindex(zips.astype("string").fillna("").to_numpy())
    found.index = zips.index
    return found[["lat", "lon", "state"]]


def haversine_mi(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in miles; broadcasts over numpy arrays."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_MI * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def distance_matrix_mi(a_lat, a_lon, b_lat, b_lon) -> np.ndarray:
    """Distances (miles) between every point of A (rows) and every point of B (columns)."""
    return haversine_mi(np.asarray(a_lat)[:, None], np.asarray(a_lon)[:, None],
                        np.asarray(b_lat)[None, :], np.asarray(b_lon)[None, :])


@lru_cache(maxsize=1)
def us_states_geojson() -> dict:
    """US state outlines as a GeoJSON FeatureCollection (offline basemap)."""
    return json.loads(STATES_GEOJSON.read_text())


def territory_hulls(points: pd.DataFrame, group: str = "territory_id", buffer_deg: float = 0.15) -> dict:
    """A GeoJSON FeatureCollection with one convex hull per territory.

    Hulls are drawn around each territory's accounts; a small buffer gives
    single accounts and lines a visible area.  Overlaps are expected where
    territories are not geographic (named accounts).
    """
    from shapely.geometry import MultiPoint, mapping

    feats = []
    pts = points.dropna(subset=["lat", "lon"])
    for key, g in pts.groupby(group, sort=True):
        hull = MultiPoint(list(zip(g["lon"], g["lat"]))).convex_hull.buffer(buffer_deg)
        feats.append({"type": "Feature", "properties": {group: str(key), "accounts": int(len(g))},
                      "geometry": mapping(hull.simplify(0.05))})
    return {"type": "FeatureCollection", "features": feats}


def compactness_mi(points: pd.DataFrame, group: str = "territory_id", weight: str | None = None) -> pd.Series:
    """Mean (optionally weighted) distance in miles from a territory's accounts to its centre."""
    out = {}
    pts = points.dropna(subset=["lat", "lon"])
    for key, g in pts.groupby(group, sort=True):
        w = g[weight].to_numpy(float) if weight else np.ones(len(g))
        w = np.where(w > 0, w, 1e-9)
        clat, clon = np.average(g["lat"], weights=w), np.average(g["lon"], weights=w)
        out[key] = float(np.average(haversine_mi(g["lat"], g["lon"], clat, clon), weights=w))
    return pd.Series(out, name="mean_distance_to_centre_mi", dtype=float)
