"""Accounts as map dots a browser draws quickly and a person can read: one dot per account while there are few,
else one dot per owner and grid cell, and the owners' colours grouped to a short legend.

A national map of the sample's 6,009 accounts drew 6,009 outlined circles in 31 owners' colours (a 60-entry legend,
colours repeating after 20): the browser painted it seconds after the page's script had finished, and no one could
tell two owners apart.  :func:`map_dots` merges the accounts of one owner that lie in one grid cell into a dot at
their mean position, sized by their summed potential, carrying what its tooltip says (how many accounts, their ARR
and potential, the largest account and where it is); the cell grows (¼°, ½°, 1°, … of latitude and longitude) until
at most ``max_dots`` dots remain, so the map's payload stays bounded whatever the upload's size.
:func:`colour_groups` keeps the owners with the most potential as their own colour and the rest as "other owners".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MAX_DOTS = 2_000  # the sample's 6,009 accounts → ~1,700 dots at 1°; a 250,000-account upload stays at this
CELLS_DEG = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)  # grid cells tried in turn (degrees of latitude and longitude)
TOP_OWNERS = 9  # owners with a colour of their own: with "other owners" ten colours, which stay distinguishable
DOT_COLUMNS = ["lat", "lon", "owner", "accounts", "arr_usd", "potential_usd", "largest_account", "place", "country"]


def _place(city: pd.Series, state: pd.Series) -> pd.Series:
    """"Austin, TX" (the city, the state, or both, as known)."""
    city = city.fillna("").astype(str).str.strip()
    state = state.fillna("").astype(str).str.strip()
    both = city.ne("") & state.ne("")
    return (city + np.where(both, ", ", "") + state).where(city.ne("") | state.ne(""), "")


def map_dots(points: pd.DataFrame, max_dots: int = MAX_DOTS) -> tuple[pd.DataFrame, float | None]:
    """``points``: accounts with ``lat``, ``lon``, ``owner`` (as people read it), ``name``, ``arr_usd``,
    ``potential_usd`` and, when known, ``city``, ``state``, ``country``; unplaced accounts are left out.

    Returns (dots with :data:`DOT_COLUMNS`, the grid cell in degrees or None when each dot is one account).  A
    dot's ``lat``/``lon`` is its accounts' mean, ``arr_usd``/``potential_usd`` their sums (USD a year),
    ``largest_account`` the name of the one with the most potential and ``place``/``country`` where that one is."""
    p = points.dropna(subset=["lat", "lon"])
    p = p.assign(owner=p["owner"].fillna("No owner").astype(str),
                 arr_usd=pd.to_numeric(p["arr_usd"], errors="coerce").fillna(0.0),
                 potential_usd=pd.to_numeric(p["potential_usd"], errors="coerce").fillna(0.0),
                 place=_place(p.get("city", pd.Series("", index=p.index)),
                              p.get("state", pd.Series("", index=p.index))),
                 country=p.get("country", pd.Series("US", index=p.index)))
    p = p.sort_values("potential_usd", ascending=False, kind="stable")  # "first" in a group = its largest account
    if len(p) <= max_dots:
        out = p.assign(accounts=1, largest_account=p["name"].astype(str))
        return out[DOT_COLUMNS].reset_index(drop=True), None
    for cell in CELLS_DEG:
        keys = [p["owner"], np.floor(p["lat"] / cell), np.floor(p["lon"] / cell)]
        if p.groupby(keys, sort=False).ngroups <= max_dots or cell == CELLS_DEG[-1]:
            break
    dots = p.groupby(keys, sort=False).agg(
        lat=("lat", "mean"), lon=("lon", "mean"), owner=("owner", "first"), accounts=("lat", "size"),
        arr_usd=("arr_usd", "sum"), potential_usd=("potential_usd", "sum"), largest_account=("name", "first"),
        place=("place", "first"), country=("country", "first"))
    return dots.reset_index(drop=True)[DOT_COLUMNS], cell


def colour_groups(dots: pd.DataFrame, top: int = TOP_OWNERS, column: str = "owner") -> tuple[pd.Series, list[str]]:
    """Each dot's colour group, and the groups in legend order: the ``top`` owners by summed potential keep their
    name, the others read "Other owners (n)".  With at most ``top + 1`` owners every owner keeps their name."""
    potential = dots.groupby(column, sort=False)["potential_usd"].sum().sort_values(ascending=False, kind="stable")
    if len(potential) <= top + 1:
        return dots[column], list(potential.index)
    kept = list(potential.index[:top])
    other = f"Other owners ({len(potential) - top})"
    return dots[column].where(dots[column].isin(kept), other), kept + [other]
