"""A plan label in a chart field: Vega-Lite reads ':' as a type and '.' as nesting, so a saved plan named with a
time ("Carve 2026-11-25 22:35:05 v1 (saved)") once broke the Compare page's map."""
import json

import pandas as pd

from ui.charts import accounts_map, field_safe


def test_a_plan_label_with_a_time_and_a_dot_draws_on_the_map():
    col = "owner in Carve 2026-11-25 22:35:05 v1.2 (saved)"
    pts = pd.DataFrame({"name": ["Acme"], "lat": [40.7], "lon": [-74.0], "moved_in": ["B"], "arr_usd": [1000.0],
                        col: ["Dana"]})
    safe = field_safe(col)
    assert ":" not in safe and "." not in safe and safe.startswith("owner in Carve 2026-11-25 22")
    spec = accounts_map(pts.rename(columns={col: safe}), "moved_in", tooltip=["name", safe, "arr_usd"],
                        size="arr_usd").to_dict()
    tip = spec["layer"][1]["mark"]["tooltip"]["expr"]
    assert f'datum[{json.dumps(safe)}]' in tip


def test_map_tooltips_carry_the_numbers_as_the_tables_write_them():
    """The browser formats no number per dot: money, counts and shares arrive as text (ui.charts.shown_tips)."""
    pts = pd.DataFrame({"name": ["Acme", "Beta"], "lat": [40.7, 41.0], "lon": [-74.0, -87.6], "owner": ["A", "B"],
                        "arr_usd": [1234.4, -5.0], "potential_usd": [2e6, 1e5], "accounts": [3, 1]})
    spec = accounts_map(pts, "owner", tooltip=["owner", "accounts", "arr_usd", "potential_usd"],
                        size="potential_usd").to_dict()
    dots = spec["layer"][1]
    # one expression builds the tooltip's title → text object from plain reads (no isValid(...) ? ... per field)
    assert "tooltip" not in dots["encoding"]
    assert dots["mark"]["tooltip"]["expr"] == ('{"Owner": datum["owner"], "Accounts": datum["accounts__shown"], '
                                               '"Current ARR": datum["arr_usd__shown"], '
                                               '"Potential": datum["potential_usd__shown"]}')
    rows = spec["datasets"][dots["data"]["name"]]
    assert [(r["accounts__shown"], r["arr_usd__shown"]) for r in rows] == [("3", "$1,234"), ("1", "-$5")]
    assert "arr_usd" not in rows[0] and rows[0]["potential_usd"] == 2e6  # the size still reads the number


def test_a_tooltip_with_a_format_or_no_title_reads_as_vega_lite_would_write_it():
    from ui.charts import altair_module, tooltip_expr

    alt = altair_module()
    tips = [alt.Tooltip("miles:Q", title="Distance", format=",.1f"), alt.Tooltip("name"),
            alt.Tooltip(field='say "hi"', type="nominal", title="Quote")]
    assert tooltip_expr(tips) == ('{"Distance": format(datum["miles"], ",.1f"), "name": datum["name"], '
                                  '"Quote": datum["say \\"hi\\""]}')
