"""A plan label in a chart field: Vega-Lite reads ':' as a type and '.' as nesting, so a saved plan named with a
time ("Carve 2026-11-25 22:35:05 v1 (saved)") once broke the Compare page's map."""
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
    tips = [t["field"] for layer in spec["layer"] if "encoding" in layer for t in layer["encoding"].get("tooltip", [])]
    assert safe in tips
