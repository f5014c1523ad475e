"""The chart library's warm-up (ui.chart_warm_up): it names a loader this Streamlit build ships, draws a valid
Vega-Lite map, and the app sends it once per run at the end of the sidebar (the browser side is checked in
tests/e2e/test_data_page.py: the library is loaded and the warm-up drawn before any chart is opened)."""
import json
import re
from pathlib import Path

import streamlit
from streamlit.testing.v1 import AppTest

from ui import chart_warm_up

ROOT = Path(__file__).resolve().parents[1]


def test_the_loader_is_a_file_of_this_streamlit_build():
    name = chart_warm_up.loader_chunk()
    assert name and re.fullmatch(r"loadVegaEmbed\.[\w-]+\.js", name)
    chunk = (Path(streamlit.__file__).parent / "static" / "static" / "js" / name).read_text()
    # the loader hands back the embed function and Streamlit's CSP-safe expression interpreter, which the script uses
    assert "embed:" in chunk and "expressionInterpreter:" in chunk
    assert json.dumps("./" + name) in chart_warm_up.script()
    # and the chart element, so the first chart's message finds its code loaded (ui.chart_warm_up.CHART_GLOB)
    chart = chart_warm_up.chart_chunk()
    assert chart and json.dumps("./" + chart) in chart_warm_up.script()


def test_the_warm_up_map_is_valid_vega_lite():
    import altair as alt

    spec = json.loads(re.search(r"embed\(el, (\{.*?\}), \{ast", chart_warm_up.script(), re.S).group(1))
    alt.LayerChart.from_dict({k: v for k, v in spec.items() if k != "$schema"})  # validates against the schema
    assert spec["$schema"].endswith(f"/v{alt.SCHEMA_VERSION.split('.')[0].lstrip('v')}.json")


def test_no_loader_no_script(monkeypatch):
    monkeypatch.setattr(chart_warm_up, "chart_chunk", lambda: None)
    assert "const chart = null;" in chart_warm_up.script()  # another build: the loader alone is warmed
    monkeypatch.setattr(chart_warm_up, "loader_chunk", lambda: None)
    assert chart_warm_up.script() is None


def test_the_app_sends_the_warm_up_in_the_sidebar():
    at = AppTest.from_file(str(ROOT / "navigation.py"), default_timeout=120).run()
    assert not at.exception
    html = [e for e in at.sidebar if getattr(e, "proto", None) is not None and hasattr(e.proto, "body")
            and "plannerChartsWarm" in e.proto.body]
    assert len(html) == 1
    assert not any("plannerChartsWarm" in getattr(getattr(e, "proto", None), "body", "") for e in at.main)


def test_the_warm_up_fetches_the_basemap_before_any_map_asks_for_it():
    """The maps' basemap file is fetched (not drawn) first, so the first map finds it in the browser's cache instead
    of asking the server once its spec is parsed (a 25-50 ms round trip before Vega's data flow, traced)."""
    from ui.charts import STATES_PROJECTED_URL

    script = chart_warm_up.script()
    fetch = script.index(f"fetch({json.dumps(STATES_PROJECTED_URL)})")
    assert fetch < script.index("await import(") < script.index("await embed(")
