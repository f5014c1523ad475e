"""Territory shapes: each territory drawn as one region of whole counties, never as overlapping hulls.

A county belongs to the territory holding most of its potential (of the segment drawn; ties → most
accounts).  Counties with no account of the segment go with the nearest county that has some (its cell,
:func:`planning.data.county_land.fill_land`, within the states where the segment has accounts), so the shapes tile
the map the way a manager expects, and a territory the carve made one piece is drawn as one (the carve's unit
graph joins counties whose cells touch).
A territory's shape is the union (dissolve) of its counties.

Per territory: area (sq mi, equal-area projection), Polsby–Popper compactness 4πA/P² (1 = a circle, a
long thin shape → 0) and the number of pieces, counted as the carve counts them
(:func:`planning.data.county_land.territory_pieces`: an island joined by its water link, or the counties of one
parent family, are no extra piece).

Territories of different segments overlap by nature (a Mid-market and an SMB rep may cover one county);
within one segment the shapes never overlap.  geopandas loads only when a shape is asked for.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planning.data.boundaries import (
    account_counties,
    counties,
    equal_area_measures,
)


def county_owners(assignment: pd.Series, accounts: pd.DataFrame, weight: str = "potential_usd",
                  fill: bool = True) -> pd.Series:
    """county_fips → territory_id: the territory holding most of the county's ``weight``; with ``fill``, the
    counties with no account of the segment too (:func:`planning.data.county_land.fill_land`: the territory of the
    nearest county that has some).  ``accounts``: one segment's.  A parent family's accounts outside its main county
    ride with it (:func:`planning.plans.carving_units.outlying_family_accounts`): they draw no county, as they
    count for no piece in the carve."""
    from planning.plans.carving_units import outlying_family_accounts

    county = pd.Series(account_counties(accounts).to_numpy(), index=accounts.index, dtype="string")
    keep = ~outlying_family_accounts(accounts, county)
    acc = accounts.loc[keep].assign(territory_id=accounts.loc[keep, "account_id"].astype(str).map(assignment),
                                    county_fips=county.loc[keep].to_numpy())
    acc = acc.dropna(subset=["territory_id", "county_fips"])
    if acc.empty:
        return pd.Series(dtype=object)
    w = acc[weight].fillna(0).astype(float) if weight in acc else pd.Series(0.0, index=acc.index)
    held = acc.assign(w=w, n=1).groupby(["county_fips", "territory_id"])[["w", "n"]].sum().reset_index()
    held = held.sort_values(["county_fips", "w", "n", "territory_id"], ascending=[True, False, False, True])
    owner = held.drop_duplicates("county_fips").set_index("county_fips")["territory_id"]
    if not fill:
        return owner
    from planning.data.county_land import fill_land

    return fill_land(owner)


def territory_pieces_of(assignment: pd.Series, accounts: pd.DataFrame, weight: str = "potential_usd") -> pd.Series:
    """territory_id → pieces of its region of whole counties (the map's shape, :func:`county_owners` filled), per
    segment of ``accounts``: the count the carve's result and the map both report."""
    from planning.data.county_land import territory_pieces

    parts = [territory_pieces(county_owners(assignment, acc_s, weight))
             for _, acc_s in accounts.groupby(accounts["segment"].astype(str))]
    return pd.concat(parts) if parts else pd.Series(dtype=int, name="pieces")


def territory_shapes(assignment: pd.Series, accounts: pd.DataFrame, weight: str = "potential_usd",
                     fill: bool = True, book: pd.DataFrame | None = None):
    """GeoDataFrame, one row per (segment, territory): geometry, counties, area_sq_mi, polsby_popper, pieces.

    ``assignment`` is account_id → territory_id (a Plan's assignment).  Each segment is drawn on its own, so
    shapes of one segment never overlap.  ``book`` (indexed by territory_id) adds its columns (owner,
    potential, ARR, accounts, deviation from target) to each shape.
    """
    import geopandas as gpd
    import shapely

    from planning.data.county_land import territory_pieces

    c = counties().set_index("county_fips")
    rows, pieces = [], {}
    for seg, acc_s in accounts.groupby(accounts["segment"].astype(str)):
        owner = county_owners(assignment, acc_s, weight, fill)
        pieces[seg] = territory_pieces(owner)
        for tid, fips in owner.groupby(owner):
            geoms = c.geometry.reindex(fips.index).dropna().values
            if not len(geoms):
                continue
            try:
                shape = shapely.coverage_union_all(geoms)  # counties tile the land: the fast exact union
            except Exception:  # noqa: BLE001 - not a clean coverage after make_valid: the general union
                shape = shapely.union_all(geoms)
            rows.append({"segment": seg, "territory_id": tid, "counties": len(geoms), "geometry": shape})
    g = gpd.GeoDataFrame(rows, columns=["segment", "territory_id", "counties", "geometry"], geometry="geometry",
                         crs=4326)
    if g.empty:
        return g.assign(area_sq_mi=[], polsby_popper=[], pieces=[])
    area, perim = equal_area_measures(g)
    g["area_sq_mi"] = area
    g["polsby_popper"] = np.where(perim > 0, 4 * np.pi * area / np.maximum(perim, 1e-12) ** 2, np.nan)
    g["pieces"] = [int(pieces[s].get(t, 1)) for s, t in zip(g["segment"], g["territory_id"])]
    if book is not None:
        extra = book.drop(columns=[c_ for c_ in book.columns if c_ in g.columns and c_ != "territory_id"],
                          errors="ignore")
        g = g.merge(extra, left_on="territory_id", right_index=True, how="left")
    return g


def territory_book(book: pd.DataFrame, names: pd.Series | dict | None = None) -> pd.DataFrame:
    """The per-territory columns a shape carries: name, owner, accounts, potential, ARR, and each balanced
    metric's deviation from its target (``book`` is :func:`planning.plans.plan.metrics` output, with the
    ``target_<metric>`` columns a carve adds).  ``names`` (rep_id → "Liam Turner (R-010)",
    planning.reporting.people) names the owners; without it, the book's owner name."""
    out = pd.DataFrame(index=book.index)
    out["name"] = book["name"] if "name" in book else book.index
    owner = book["owner_rep_id"] if "owner_rep_id" in book else pd.Series(pd.NA, index=book.index)
    label = owner.map(pd.Series(names, dtype=object)) if names is not None else pd.Series(pd.NA, index=book.index)
    if "owner_name" in book:
        label = label.fillna(book["owner_name"])
    out["owner"] = label.fillna(owner).fillna("open (to hire)").astype(str)
    out["owner_rep_id"] = owner
    for c in ("accounts", "potential_usd", "arr_usd", "workload_hours"):
        if c in book:
            out[c] = book[c]
    for c in [c for c in book.columns if c.startswith("target_")]:
        metric = c[len("target_"):]
        if metric in book:
            out[f"{metric}_vs_target"] = book[metric] / book[c].where(book[c] > 0) - 1
    return out


def with_equal_targets(book: pd.DataFrame) -> pd.DataFrame:
    """``book`` with equal-split targets per segment where it has none (saved plans carry no carve targets)."""
    if any(c.startswith("target_") for c in book.columns):
        return book
    out = book.copy()
    for m in ("potential_usd", "arr_usd", "accounts"):
        if m in out:
            out[f"target_{m}"] = out.groupby("segment")[m].transform("mean")
    return out


def default_map_segment(segments) -> str:
    """The segment a territory map opens on: Mid-market when there is one (the segment carved by geography in the
    demo's coverage models), else every segment ("All")."""
    return "Mid-market" if "Mid-market" in [str(s) for s in segments] else "All"


@dataclass
class MapLayers:
    """What one view of a territory map draws (``segment``: one segment's, or "All"): the shapes of its geographic
    segments (:func:`territory_shapes`) and the accounts of its named-account segments (:func:`account_territories`),
    each with its territory's book (:func:`territory_book`)."""

    segment: str
    geo_segments: tuple[str, ...]  # drawn as county shapes, sorted
    named_segments: tuple[str, ...]  # drawn as their accounts, sorted
    shapes: object  # GeoDataFrame
    named: pd.DataFrame

    def draws(self, segment: str, geo_segments, named_segments) -> bool:
        """Whether this is the view of ``segment`` with these segments drawn as shapes and as accounts."""
        return (segment, tuple(sorted(geo_segments)), tuple(sorted(named_segments))) == \
            (self.segment, self.geo_segments, self.named_segments)


def map_layers(assignment: pd.Series, accounts: pd.DataFrame, book: pd.DataFrame, names, segment: str,
               geo_segments, named_segments) -> MapLayers:
    """The layers of a territory map of ``segment`` ("All": every segment): ``assignment`` is a Plan's, ``book`` its
    per-territory book (equal-split targets added where it has none), ``names`` rep_id → "Name (R-010)"."""
    tb = territory_book(with_equal_targets(book), names)
    acc = accounts if segment == "All" else accounts.loc[accounts["segment"] == segment]
    kind = acc["segment"].astype(str)
    geo, named = {str(s) for s in geo_segments}, {str(s) for s in named_segments}
    return MapLayers(segment, tuple(sorted(geo)), tuple(sorted(named)),
                     territory_shapes(assignment, acc.loc[kind.isin(geo)], book=tb),
                     account_territories(assignment, acc.loc[kind.isin(named)], tb))


def map_kinds(segments, units: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(segments drawn as county shapes, segments drawn as their accounts), each sorted: a segment carved by
    account (named accounts, :func:`map_units`) is drawn as its accounts."""
    named = sorted(str(s) for s in segments if units.get(s, "account") == "account")
    return tuple(sorted(str(s) for s in segments if str(s) not in named)), tuple(named)


def map_units(plans, company: dict[str, str]) -> dict[str, str]:
    """Segment → carving unit a map draws by (account | zip | zip3 | county | state): the units of the first of
    ``plans`` the optimizer carved (its saved settings say; segments it did not name were carved by account), else
    ``company`` (planning.data.carve_by: the company's settings)."""
    for plan in plans:
        settings = getattr(plan, "settings", None) or {}
        if "units" in settings:
            return {**dict.fromkeys(company, "account"), **(settings.get("units") or {})}
    return dict(company)


def account_territories(assignment: pd.Series, accounts: pd.DataFrame, book: pd.DataFrame | None = None) -> pd.DataFrame:
    """Account-level territories (named accounts) as points: one row per located account with account_id, name,
    segment, lat, lon, territory_id and the territory's book columns (owner, accounts, …, :func:`territory_book`)."""
    cols = [c for c in ("account_id", "name", "segment", "lat", "lon") if c in accounts]
    pts = accounts[cols].dropna(subset=["lat", "lon"]).copy()
    pts["territory_id"] = assignment.reindex(pts["account_id"].astype(str)).to_numpy()
    pts = pts.dropna(subset=["territory_id"])
    if book is not None:
        extra = book.drop(columns=[c for c in book.columns if c in pts.columns], errors="ignore")
        pts = pts.merge(extra, left_on="territory_id", right_index=True, how="left")
    return pts.reset_index(drop=True)


def shapes_summary(shapes) -> str:
    """'2 of 50 territories are in more than one piece' (or all in one piece), per the shapes' counts."""
    split = int((shapes["pieces"] > 1).sum()) if len(shapes) else 0
    if not split:
        return f"all {len(shapes)} territory shapes are one piece"
    return f"{split} of {len(shapes)} territory shapes are in more than one piece"


def to_geojson(shapes, simplify_deg: float = 0.0) -> dict:
    """A GeoJSON FeatureCollection (WGS84 lon/lat, RFC 7946) of the shapes with every column as a property."""
    g = shapes.copy()
    if simplify_deg > 0:
        g["geometry"] = g.geometry.simplify(simplify_deg, preserve_topology=True)
    # a GIS tool (and a union of the shapes) rejects self-touching rings that dissolving counties can leave
    g["geometry"] = g.geometry.make_valid()
    feats = json.loads(g.to_json(na="null", drop_id=True))
    return feats


def write_geojson(shapes, path: str | Path) -> Path:
    """Write the shapes with their metrics to a .geojson file (opens in QGIS or geojson.io)."""
    path = Path(path)
    path.write_text(json.dumps(to_geojson(shapes)))
    return path
