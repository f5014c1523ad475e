"""The territory map: county-dissolved territory shapes on state and county lines (pydeck / deck.gl, no tiles).

Hover a territory for its book (owner, potential, ARR, accounts, deviation from target), an account for its
name, owner and whether it moved.  Zoom and pan with the mouse.  pydeck's tooltip reads top-level fields of
the hovered object, so shapes go in as one row per polygon (PolygonLayer) with a ready ``tip`` text.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from planning.plans import colour_of
from planning.reporting import usd


def _rgb(hex_colour: str, alpha: int) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]


def _pct(v) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:+.1%}"


def shape_rows(shapes) -> pd.DataFrame:
    """One row per polygon ring set: polygon (lon/lat rings), territory_id, colour and the hover text."""
    colours = colour_of(shapes["territory_id"])
    rows = []
    for r in shapes.itertuples():
        tip = (f"{getattr(r, 'owner', r.territory_id)} ({r.territory_id}, {r.segment})\n"
               f"Potential {usd(getattr(r, 'potential_usd', np.nan))} "
               f"({_pct(getattr(r, 'potential_usd_vs_target', np.nan))} vs target)\n"
               f"ARR {usd(getattr(r, 'arr_usd', np.nan))} · {int(getattr(r, 'accounts', 0) or 0):,} accounts\n"
               f"{r.counties:,} counties · {r.area_sq_mi:,.0f} sq mi · {r.pieces} piece(s) · "
               f"compactness {r.polsby_popper:.2f}")
        geoms = r.geometry.geoms if r.geometry.geom_type == "MultiPolygon" else [r.geometry]
        for g in geoms:
            rings = [np.asarray(g.exterior.coords)[:, :2].round(4).tolist()] + \
                    [np.asarray(i.coords)[:, :2].round(4).tolist() for i in g.interiors]
            rows.append({"polygon": rings, "territory_id": r.territory_id, "tip": tip,
                         "fill": _rgb(colours[str(r.territory_id)], 150)})
    return pd.DataFrame(rows)


def point_rows(points: pd.DataFrame) -> pd.DataFrame:
    """Accounts with lat/lon, name, owner, moved (bool): hover text and a highlight for moved accounts."""
    p = points.dropna(subset=["lat", "lon"]).copy()
    moved = p["moved"].fillna(False).astype(bool) if "moved" in p else pd.Series(False, index=p.index)
    p["tip"] = (p["name"].astype(str) + "\nOwner " + p["owner"].astype(str)
                + np.where(moved, "\nMoves from " + p.get("owner_before", pd.Series("", index=p.index))
                           .astype(str), "\nstays with its owner"))
    p["fill"] = [[220, 20, 60, 230] if m else [30, 30, 30, 150] for m in moved]
    p["moved"] = moved.to_numpy()
    return p[["lon", "lat", "tip", "fill", "moved"]]


def territory_deck(shapes, points: pd.DataFrame | None = None, states_url: str | None = None,
                   county_lines: dict | None = None, height: int = 560):
    """A pydeck Deck: territory polygons, county lines, state lines, accounts (optional)."""
    import pydeck as pdk

    layers = [pdk.Layer("PolygonLayer", shape_rows(shapes), get_polygon="polygon", get_fill_color="fill",
                        get_line_color=[255, 255, 255, 220], line_width_min_pixels=1, pickable=True,
                        auto_highlight=True, highlight_color=[255, 255, 255, 90], id="territories")]
    if county_lines is not None:
        layers.append(pdk.Layer("GeoJsonLayer", county_lines, stroked=True, filled=False,
                                get_line_color=[120, 120, 120, 60], line_width_min_pixels=0.3, id="counties"))
    if states_url is not None:
        layers.append(pdk.Layer("GeoJsonLayer", states_url, stroked=True, filled=False,
                                get_line_color=[40, 40, 40, 220], line_width_min_pixels=1.2, id="states"))
    if points is not None and len(points):
        pts = point_rows(points)
        for moved, px in ((False, 2), (True, 3)):  # moved accounts drawn last, a little larger
            part = pts.loc[pts["moved"] == moved]
            if len(part):
                layers.append(pdk.Layer("ScatterplotLayer", part, get_position=["lon", "lat"], get_fill_color="fill",
                                        get_radius=100, radius_min_pixels=px, radius_max_pixels=px + 3,
                                        pickable=True, id=f"accounts_{'moved' if moved else 'kept'}"))
    b = shapes.total_bounds if len(shapes) else np.array([-125, 24, -66, 50])
    # frame the lower 48 (Alaska, Hawaii and Puerto Rico stay reachable by panning)
    b = np.array([max(b[0], -125), max(b[1], 24), min(b[2], -66), min(b[3], 50)])
    span = max(b[2] - b[0], (b[3] - b[1]) * 1.6, 0.5)
    zoom = float(np.clip(np.log2(900 * 360 / (span * 512)) - 0.1, 2.5, 10))
    view = pdk.ViewState(longitude=float((b[0] + b[2]) / 2), latitude=float((b[1] + b[3]) / 2), zoom=zoom)
    return pdk.Deck(layers=layers, initial_view_state=view, map_style=None, height=height,
                    tooltip={"text": "{tip}", "style": {"fontSize": "12px", "whiteSpace": "pre-line"}})
