"""The Data page's owner map stays cheap to draw and readable: at most MAX_DOTS dots whatever the number of
accounts, sums that add up, a legend of at most ten owners (planning.reporting.map_dots, ui.data_page)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from planning.reporting.map_dots import DOT_COLUMNS, MAX_DOTS, TOP_OWNERS, colour_groups, map_dots


def _accounts(n: int, owners: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"name": [f"Acc {i}" for i in range(n)], "owner": [f"Rep {i % owners}" for i in range(n)],
                         "lat": rng.uniform(25, 49, n), "lon": rng.uniform(-124, -67, n),
                         "arr_usd": rng.integers(0, 100, n) * 1000.0, "potential_usd": rng.integers(1, 100, n) * 1e4,
                         "city": "Austin", "state": "TX", "country": "US"})


def test_hand_worked_cell_merges_one_owners_accounts():
    # two accounts of Ann in one 1° cell, one of Ann elsewhere, one of Bob in the same cell as Ann's pair
    pts = pd.DataFrame({"name": ["A", "B", "C", "D"], "owner": ["Ann", "Ann", "Ann", "Bob"],
                        "lat": [30.2, 30.6, 40.5, 30.4], "lon": [-97.8, -97.2, -74.5, -97.5],
                        "arr_usd": [10.0, 30.0, 5.0, 7.0], "potential_usd": [100.0, 300.0, 50.0, 70.0],
                        "city": ["Austin", "Round Rock", "Newark", "Austin"], "state": "TX"})
    dots, cell = map_dots(pts, max_dots=3)
    assert cell == 1.0  # ¼° and ½° keep A and B apart (30.2 and 30.6 fall in different cells)
    assert len(dots) == 3 and list(dots.columns) == DOT_COLUMNS
    pair = dots.loc[(dots["owner"] == "Ann") & (dots["accounts"] == 2)].iloc[0]
    assert pair["arr_usd"] == 40.0 and pair["potential_usd"] == 400.0
    assert pair["lat"] == pytest.approx(30.4) and pair["lon"] == pytest.approx(-97.5)
    assert pair["largest_account"] == "B" and pair["place"] == "Round Rock, TX"  # the one with the most potential
    assert dots["accounts"].sum() == 4 and dots["potential_usd"].sum() == 520.0


def test_few_accounts_are_one_dot_each_and_unplaced_ones_are_left_out():
    pts = _accounts(50, 5)
    pts.loc[0, "lat"] = np.nan
    dots, cell = map_dots(pts)
    assert cell is None and len(dots) == 49 and (dots["accounts"] == 1).all()


@pytest.mark.parametrize("n", [6_009, 60_000])
def test_payload_is_bounded_and_totals_kept(n):
    pts = _accounts(n, 40)
    dots, cell = map_dots(pts)
    assert len(dots) <= MAX_DOTS and cell is not None
    assert dots["accounts"].sum() == n
    assert dots["potential_usd"].sum() == pytest.approx(pts["potential_usd"].sum())
    assert dots["arr_usd"].sum() == pytest.approx(pts["arr_usd"].sum())


def test_legend_keeps_the_top_owners_by_potential_and_groups_the_rest():
    dots = pd.DataFrame({"owner": [f"Rep {i}" for i in range(15)], "potential_usd": [float(i) for i in range(15)]})
    groups, order = colour_groups(dots)
    assert len(order) == TOP_OWNERS + 1 and order[0] == "Rep 14" and order[-1] == "Other owners (6)"
    assert (groups == "Other owners (6)").sum() == 6 and groups.iloc[14] == "Rep 14"
    few = dots.head(TOP_OWNERS + 1)
    groups, order = colour_groups(few)
    assert len(order) == TOP_OWNERS + 1 and not any(o.startswith("Other") for o in order)


def test_data_page_map_of_the_sample_is_bounded_and_drawn_on_a_canvas():
    from planning.access import ScopedView, local_user
    from ui import data_page, sample_entries, state

    sample_entries.enabled = False
    try:
        view = ScopedView(local_user(), state.shared_sample(), None)
        drawn = data_page._map_chart("sample", data_page.scope_of(view.user), view, "All")
    finally:
        sample_entries.enabled = True
    assert drawn.placed == len(view.dataset.accounts) and drawn.dots <= MAX_DOTS and drawn.cell_deg is not None
    spec = drawn.spec
    assert spec["usermeta"]["embedOptions"]["renderer"] == "canvas"
    dots = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    assert dots["mark"].get("aria") is False and "stroke" not in dots["mark"]
    assert len(dots["encoding"]["color"]["scale"]["domain"]) <= TOP_OWNERS + 1
    # the tooltip one expression of plain reads (ui.charts.tooltip_expr), with the same six rows as before
    tip = dots["mark"]["tooltip"]["expr"]
    assert re.findall(r'"([^"]+)": datum', tip) == ["Owner", "Accounts", "Potential", "Current ARR", "Largest account",
                                                    "Place"]
    assert "isValid" not in tip and "tooltip" not in dots["encoding"]
    sent = [v for v in spec["datasets"].values() if isinstance(v, (bytes, bytearray))]
    assert sum(map(len, sent)) < 130_000  # 274 KB before ui.charts.lean_columns, 202 KB before the dictionaries
    import pyarrow as pa

    schema = pa.ipc.open_stream(sent[0]).schema
    # plain strings and 32-bit floats, and only the columns the map reads (country chose the projection); text that
    # repeats (the owner, the colour group) as dictionaries, each owner's name sent once
    assert {str(t) for t in schema.types if not pa.types.is_dictionary(t)} == {"string", "float"}
    assert "country" not in schema.names
    assert pa.types.is_dictionary(schema.field("owner").type) and pa.types.is_dictionary(schema.field("owner_group").type)
    assert "Shown as" in data_page.map_note(drawn)
