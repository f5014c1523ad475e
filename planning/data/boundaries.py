"""US county and state boundaries, offline: county placement, county adjacency, equal-area measures.

The shapes are the US Census cartographic boundaries (1:10,000,000) as packaged by the ``us-atlas`` npm
project, version 3.0.1 (public domain data, ISC-licensed packaging), vendored in
``data/boundaries/counties-10m.json`` (one TopoJSON file holding the counties, states and nation objects).
Nothing is fetched at run time.

geopandas is imported only inside the functions here, never at module import, so pages that draw no
shapes start as fast as before.  Reading the TopoJSON through GDAL takes a few seconds, so the county and
state frames are cached as GeoParquet in the user's cache folder (keyed on the file's hash), like the ZIP
table in :mod:`planning.data.geo`.

Adjacency comes from the topology itself: two counties are neighbours when their outlines share an arc,
which is exact (no floating-point "touches" tests).  Counties with no land neighbour (islands such as
Nantucket or San Juan County, WA) and land masses with no land link to the rest (Alaska, Hawaii) are joined
to their nearest county by centroid distance, so every county can belong to a connected territory: a
territory holding such a county and its nearest neighbour counts as one piece (a "water link").
"""
from __future__ import annotations

import hashlib
import json
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from planning.data.disk_cache import through_cache

BOUNDARIES_DIR = Path(__file__).resolve().parents[2] / "data" / "boundaries"
COUNTIES_TOPOJSON = BOUNDARIES_DIR / "counties-10m.json"
SQ_M_PER_SQ_MI = 2_589_988.110336
# Equal-area projections per area (EPSG codes): CONUS Albers, Alaska Albers, Hawaii Albers; others use CONUS
_EQUAL_AREA = {"AK": 3338, "HI": 102007}
CONUS_ALBERS = 5070
# States and territories outside the lower 48 + DC
NON_CONUS = ("AK", "HI", "PR", "VI", "GU", "AS", "MP")

STATE_POSTAL = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE", "11": "DC",
    "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA", "20": "KS", "21": "KY",
    "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT",
    "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND", "39": "OH",
    "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT",
    "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP",
    "72": "PR", "78": "VI",
}


def _file_tag() -> str:
    return hashlib.sha1(COUNTIES_TOPOJSON.read_bytes()).hexdigest()[:12]


def _through_cache(name: str, read, build, write):
    """``build()`` once per boundaries file (its hash is in the cached file's name); later processes ``read`` it."""
    stem, _, suffix = name.partition(".")
    return through_cache(f"{stem}-{_file_tag()}.{suffix}", read, build, write)


def _cached_frame(layer: str, build):
    """GeoParquet cache of one layer."""
    import geopandas as gpd

    return _through_cache(f"{layer}.parquet", gpd.read_parquet, build, lambda frame, tmp: frame.to_parquet(tmp))


def _read_layer(layer: str):
    import geopandas as gpd
    import shapely

    g = gpd.read_file(COUNTIES_TOPOJSON, layer=layer)
    g = g.set_crs(4326, allow_override=True)
    g["geometry"] = shapely.make_valid(g.geometry.values)
    # make_valid may return collections with stray lines: keep the polygonal part only
    g["geometry"] = [_polygonal(geom) for geom in g.geometry]
    # at 1:10M a few tiny independent cities (Falls Church, VA) have no area left: their neighbours hold them
    return g.loc[~g.geometry.is_empty].reset_index(drop=True)


def _polygonal(geom):
    from shapely.geometry import GeometryCollection, MultiPolygon, Polygon

    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    if isinstance(geom, GeometryCollection):
        polys = [p for g in geom.geoms for p in (g.geoms if isinstance(g, MultiPolygon) else [g]) if isinstance(p, Polygon)]
        return MultiPolygon(polys) if len(polys) > 1 else (polys[0] if polys else Polygon())
    return Polygon()


def _with_measures(g, key: str):
    """Add lat/lon of a point inside each shape, area (sq mi) and Polsby–Popper compactness."""
    pts = g.geometry.representative_point()
    g["lat"], g["lon"] = pts.y.to_numpy(), pts.x.to_numpy()
    area, perim = equal_area_measures(g)
    g["area_sq_mi"] = area
    g["polsby_popper"] = np.where(perim > 0, 4 * np.pi * area / np.maximum(perim, 1e-12) ** 2, np.nan)
    return g.sort_values(key).reset_index(drop=True)


def equal_area_measures(g) -> tuple[np.ndarray, np.ndarray]:
    """Area (sq mi) and perimeter (mi) of each shape of a WGS84 GeoDataFrame, in an equal-area projection.

    Alaska and Hawaii use their own Albers projections (CONUS Albers distorts them); ``state`` decides where
    present, else the whole frame uses CONUS Albers.
    """
    area = np.zeros(len(g))
    perim = np.zeros(len(g))
    state = g["state"].to_numpy() if "state" in g else np.array([""] * len(g))
    for epsg in {CONUS_ALBERS, *_EQUAL_AREA.values()}:
        mask = np.isin(state, [s for s, e in _EQUAL_AREA.items() if e == epsg]) if epsg != CONUS_ALBERS else \
            ~np.isin(state, list(_EQUAL_AREA))
        if not mask.any():
            continue
        crs = f"ESRI:{epsg}" if epsg == 102007 else epsg
        proj = g.loc[mask].to_crs(crs)
        area[mask] = proj.area.to_numpy() / SQ_M_PER_SQ_MI
        perim[mask] = proj.length.to_numpy() / 1609.344
    return area, perim


@lru_cache(maxsize=1)
def counties():
    """Every US county (3,231 incl. Puerto Rico) as a GeoDataFrame in WGS84.

    Columns: county_fips (5-char), name, state_fips, state (postal), geometry, lat/lon (a point inside),
    area_sq_mi, polsby_popper.
    """
    def build():
        g = _read_layer("counties").rename(columns={"id": "county_fips"})
        g["state_fips"] = g["county_fips"].str[:2]
        g["state"] = g["state_fips"].map(STATE_POSTAL).fillna("")
        return _with_measures(g[["county_fips", "name", "state_fips", "state", "geometry"]], "county_fips")

    return _cached_frame("counties", build)


@lru_cache(maxsize=1)
def states():
    """US states (and DC, territories) as a GeoDataFrame: state_fips, state (postal), name, geometry, ..."""
    def build():
        g = _read_layer("states").rename(columns={"id": "state_fips"})
        g["state"] = g["state_fips"].map(STATE_POSTAL).fillna("")
        return _with_measures(g[["state_fips", "state", "name", "geometry"]], "state_fips")

    return _cached_frame("states", build)


@lru_cache(maxsize=1)
def _topology() -> dict:
    return json.loads(COUNTIES_TOPOJSON.read_text())


def _arc_adjacency(layer: str, key_order: list[str]):
    """Sparse symmetric adjacency (CSR, bool) of a TopoJSON layer from shared arcs, in ``key_order``."""
    import scipy.sparse as sp

    pos = {k: i for i, k in enumerate(key_order)}
    rows, arcs = [], []

    def walk(obj, i):
        if isinstance(obj, list):
            for o in obj:
                walk(o, i)
        else:
            rows.append(i)
            arcs.append(obj if obj >= 0 else ~obj)  # ~i is arc i reversed

    for geom in _topology()["objects"][layer]["geometries"]:
        i = pos.get(geom.get("id"))
        if i is not None and "arcs" in geom:
            walk(geom["arcs"], i)
    inc = sp.csr_matrix((np.ones(len(rows)), (rows, arcs)), shape=(len(key_order), len(_topology()["arcs"])))
    adj = (inc @ inc.T).tocsr()
    adj.setdiag(0)
    adj.eliminate_zeros()
    return adj > 0


def link_islands(adj, lat: np.ndarray, lon: np.ndarray):
    """Join every connected component of ``adj`` to its nearest other component (by centroid distance).

    The documented rule for islands and water-separated land: the link goes from the component's county
    nearest to any county outside it.  Repeats until one component remains, so any territory can be drawn
    as one piece.  Returns the new adjacency (CSR bool) and the list of added (i, j) links.
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    from planning.data.geo import distance_matrix_mi

    adj = sp.csr_matrix(adj, dtype=bool)
    links: list[tuple[int, int]] = []
    while True:
        n, lab = connected_components(adj, directed=False)
        if n <= 1:
            return adj, links
        sizes = np.bincount(lab)
        small = int(np.argmin(sizes))
        inside, outside = np.flatnonzero(lab == small), np.flatnonzero(lab != small)
        d = distance_matrix_mi(lat[inside], lon[inside], lat[outside], lon[outside])
        a, b = np.unravel_index(int(np.argmin(d)), d.shape)
        i, j = int(inside[a]), int(outside[b])
        links.append((i, j))
        adj = (adj + sp.csr_matrix(([True, True], ([i, j], [j, i])), shape=adj.shape, dtype=bool)).tocsr()


@lru_cache(maxsize=1)
def county_adjacency():
    """(county_fips array in :func:`counties` order, adjacency CSR bool, water links [(fips, fips)])."""
    import scipy.sparse as sp

    c = counties()
    fips = c["county_fips"].tolist()

    def read(path):
        with np.load(path) as z:
            return z["indices"], z["indptr"], z["links"]

    def build():
        adj = _arc_adjacency("counties", fips)
        adj, links = link_islands(adj, c["lat"].to_numpy(), c["lon"].to_numpy())
        adj.sort_indices()
        return adj.indices, adj.indptr, np.array(links, dtype=np.int64).reshape(-1, 2)

    def write(value, tmp):
        with open(tmp, "wb") as f:
            np.savez(f, indices=value[0], indptr=value[1], links=value[2])

    indices, indptr, links = _through_cache("adjacency.npz", read, build, write)
    adj = sp.csr_matrix((np.ones(len(indices), dtype=bool), indices, indptr), shape=(len(fips), len(fips)))
    return np.array(fips), adj, [(fips[i], fips[j]) for i, j in links]


_PLACED: dict[bytes, pd.Series] = {}  # the last few point sets placed (a county carve placed the same 6,009 twice)
_PLACED_LOCK = threading.Lock()  # pages and a carve's parts place points from several threads
PLACED_KEEP = 8


def place_counties(lat, lon, snap_mi: float = 15.0) -> pd.Series:
    """County FIPS of each point (point in polygon); ``<NA>`` for missing or far-offshore coordinates.

    Points just outside every county (coastal ZIP centroids fall in the sea at 1:10M) snap to the
    nearest county within ``snap_mi`` miles.  The last :data:`PLACED_KEEP` answers are kept (keyed by the points'
    digest): one carve asks for the same accounts' counties for its units and again for its unit graph (~0.07 s
    each for the demo's 6,009 accounts once the county shapes are loaded).
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    key = hashlib.blake2b(lat.tobytes() + b"|" + lon.tobytes() + repr(snap_mi).encode(), digest_size=16).digest()
    with _PLACED_LOCK:
        hit = _PLACED.get(key)
    if hit is None:
        hit = _place_counties(lat, lon, snap_mi)
        with _PLACED_LOCK:
            while len(_PLACED) >= PLACED_KEEP:
                _PLACED.pop(next(iter(_PLACED)))
            _PLACED[key] = hit
    return hit.copy()


def _place_counties(lat: np.ndarray, lon: np.ndarray, snap_mi: float) -> pd.Series:
    import shapely

    out = np.full(len(lat), None, dtype=object)
    ok = ~(np.isnan(lat) | np.isnan(lon))
    if not ok.any():
        return pd.Series(out, dtype="string")
    c = counties()
    tree = shapely.STRtree(c.geometry.values)
    pts = shapely.points(lon[ok], lat[ok])
    fips = c["county_fips"].to_numpy()
    found = np.full(len(pts), -1)
    pi, gi = tree.query(pts, predicate="intersects")
    found[pi] = gi  # a point on a shared border goes to one of the two counties
    miss = np.flatnonzero(found < 0)
    if len(miss):
        # degrees of longitude shrink with latitude: a generous search radius, then a real distance check
        ni, ng = tree.query_nearest(pts[miss], max_distance=snap_mi / 40.0, all_matches=False)
        from planning.data.geo import haversine_mi

        near = shapely.get_coordinates(shapely.shortest_line(c.geometry.values[ng], pts[miss[ni]]))[::2]
        close = haversine_mi(near[:, 1], near[:, 0], lat[ok][miss[ni]], lon[ok][miss[ni]]) <= snap_mi
        found[miss[ni[close]]] = ng[close]
    res = np.where(found >= 0, fips[np.maximum(found, 0)], None)
    out[ok] = res
    return pd.Series(out, dtype="string")


def county_labels(fips) -> pd.Series:
    """'Middlesex, MA' for each county FIPS (unknown → the FIPS itself)."""
    c = counties().set_index("county_fips")
    label = c["name"] + ", " + c["state"]
    s = pd.Series(fips, dtype="string")
    return s.map(label).fillna(s)


def account_counties(accounts: pd.DataFrame) -> pd.Series:
    """County FIPS per account: the ``county_fips`` column where filled, else placed from lat/lon."""
    have = accounts["county_fips"].astype("string") if "county_fips" in accounts else \
        pd.Series(pd.NA, index=accounts.index, dtype="string")
    miss = have.isna().to_numpy()
    if miss.any():
        have = have.copy()
        have.iloc[np.flatnonzero(miss)] = place_counties(accounts["lat"].to_numpy(float)[miss],
                                                         accounts["lon"].to_numpy(float)[miss]).to_numpy()
    return have
