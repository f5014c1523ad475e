"""The territory map: geographic territories as county-dissolved shapes, named-account territories as their
accounts in the territory's colour, on state and county lines (pydeck / deck.gl, no tiles).

Hover a territory for its book (owner as "Liam Turner (R-010)", potential, ARR, accounts, deviation from target,
compactness as a %), a named account for its owner's book, an account dot for its name, owner and whether it
moved.  Zoom and pan with the mouse.  pydeck's tooltip reads top-level fields of
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


def _book_lines(r) -> str:
    """Potential vs target, ARR and accounts of a territory's book (hover text)."""
    return (f"Potential {usd(getattr(r, 'potential_usd', np.nan))} "
            f"({_pct(getattr(r, 'potential_usd_vs_target', np.nan))} vs target)\n"
            f"ARR {usd(getattr(r, 'arr_usd', np.nan))} · {int(getattr(r, 'accounts', 0) or 0):,} accounts")


def _share(v) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.0%}"


def shape_rows(shapes) -> pd.DataFrame:
    """One row per polygon ring set: polygon (lon/lat rings), territory_id, colour and the hover text."""
    colours = colour_of(shapes["territory_id"])
    rows = []
    for r in shapes.itertuples():
        tip = (f"{getattr(r, 'owner', r.territory_id)} · {r.segment} ({r.territory_id})\n{_book_lines(r)}\n"
               f"{r.counties:,} counties · {r.area_sq_mi:,.0f} sq mi · "
               f"{'one piece' if r.pieces == 1 else f'{r.pieces} pieces'} · "
               f"compactness {_share(r.polsby_popper)} (Polsby–Popper; 100% = circle)")
        geoms = r.geometry.geoms if r.geometry.geom_type == "MultiPolygon" else [r.geometry]
        for g in geoms:
            rings = [np.asarray(g.exterior.coords)[:, :2].round(4).tolist()] + \
                    [np.asarray(i.coords)[:, :2].round(4).tolist() for i in g.interiors]
            rows.append({"polygon": rings, "territory_id": r.territory_id, "tip": tip,
                         "fill": _rgb(colours[str(r.territory_id)], 150)})
    return pd.DataFrame(rows)


def named_rows(named: pd.DataFrame) -> pd.DataFrame:
    """Account-level territories (planning.plans.account_territories): each account a dot in its territory's
    colour; hover says the account, its owner and the owner's book."""
    if named.empty:
        return pd.DataFrame(columns=["lon", "lat", "tip", "fill"])
    colours = colour_of(named["territory_id"])
    fills = {t: _rgb(c, 230) for t, c in colours.items()}  # once per territory, not per account
    tips = [f"{r.name}\nOwner {getattr(r, 'owner', r.territory_id)} · {r.segment} (named accounts)\n{_book_lines(r)}"
            for r in named.itertuples()]
    return pd.DataFrame({"lon": named["lon"].to_numpy(float), "lat": named["lat"].to_numpy(float), "tip": tips,
                         "fill": named["territory_id"].astype(str).map(fills).tolist()})


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


def _bounds(shapes, named: pd.DataFrame | None) -> np.ndarray:
    """[min lon, min lat, max lon, max lat] of what is drawn (the lower 48 when nothing is)."""
    boxes = [shapes.total_bounds] if len(shapes) else []
    if named is not None and len(named):
        boxes.append(np.array([named["lon"].min(), named["lat"].min(), named["lon"].max(), named["lat"].max()]))
    if not boxes:
        return np.array([-125, 24, -66, 50])
    b = np.array(boxes, dtype=float)
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()])


def territory_deck(shapes, points: pd.DataFrame | None = None, states_url: str | None = None,
                   county_lines: dict | None = None, height: int = 560, named: pd.DataFrame | None = None):
    """A pydeck Deck: territory polygons, county lines, state lines, named-account territories as coloured
    accounts (``named``, planning.plans.account_territories), accounts (optional)."""
    import pydeck as pdk

    layers = []
    if len(shapes):
        layers.append(pdk.Layer("PolygonLayer", shape_rows(shapes), get_polygon="polygon", get_fill_color="fill",
                                get_line_color=[255, 255, 255, 220], line_width_min_pixels=1, pickable=True,
                                auto_highlight=True, highlight_color=[255, 255, 255, 90], id="territories"))
    if county_lines is not None:
        layers.append(pdk.Layer("GeoJsonLayer", county_lines, stroked=True, filled=False,
                                get_line_color=[120, 120, 120, 60], line_width_min_pixels=0.3, id="counties"))
    if states_url is not None:
        layers.append(pdk.Layer("GeoJsonLayer", states_url, stroked=True, filled=False,
                                get_line_color=[40, 40, 40, 220], line_width_min_pixels=1.2, id="states"))
    if named is not None and len(named):
        layers.append(pdk.Layer("ScatterplotLayer", named_rows(named), get_position=["lon", "lat"],
                                get_fill_color="fill", get_line_color=[255, 255, 255, 200], stroked=True,
                                line_width_min_pixels=0.5, get_radius=1500, radius_min_pixels=3, radius_max_pixels=9,
                                pickable=True, auto_highlight=True, id="named_accounts"))
    if points is not None and len(points):
        pts = point_rows(points)
        for moved, px in ((False, 2), (True, 3)):  # moved accounts drawn last, a little larger
            part = pts.loc[pts["moved"] == moved]
            if len(part):
                layers.append(pdk.Layer("ScatterplotLayer", part, get_position=["lon", "lat"], get_fill_color="fill",
                                        get_radius=100, radius_min_pixels=px, radius_max_pixels=px + 3,
                                        pickable=True, id=f"accounts_{'moved' if moved else 'kept'}"))
    b = _bounds(shapes, named)
    # frame the lower 48 (Alaska, Hawaii and Puerto Rico stay reachable by panning)
    b = np.array([max(b[0], -125), max(b[1], 24), min(b[2], -66), min(b[3], 50)])
    span = max(b[2] - b[0], (b[3] - b[1]) * 1.6, 0.5)
    zoom = float(np.clip(np.log2(900 * 360 / (span * 512)) - 0.1, 2.5, 10))
    view = pdk.ViewState(longitude=float((b[0] + b[2]) / 2), latitude=float((b[1] + b[3]) / 2), zoom=zoom)
    return pdk.Deck(layers=layers, initial_view_state=view, map_style=None, height=height,
                    tooltip={"text": "{tip}", "style": {"fontSize": "12px", "whiteSpace": "pre-line"}})
