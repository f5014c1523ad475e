"""The browser loads and runs the chart library while it is idle after a session's first page, so the first chart a
person opens draws as fast as any later one.

Streamlit loads its chart library (Vega: ~790 KB of JavaScript in ~15 files) only when a page first shows a chart,
then compiles and runs that code for the first time on that chart: the Data page's owner map took 0.81 s the first
time in a session and about 0.4 s after another chart (issue 26).  :func:`warm_charts` adds, at the end of the
sidebar, a script that waits until the browser has nothing else to do, then imports Streamlit's own chart loader
and its chart element (the same module files the charts use, so they are fetched, compiled and run once, and a
chart's message finds its code there), fetches the maps' basemap file into the browser's cache, and draws a tiny map
off screen with the same options Streamlit draws with (a canvas, its CSP-safe expression interpreter), which is
thrown away.
Nothing is shown and the page's own drawing is never delayed: the work starts only when the browser is idle, once
per browser tab.  A Streamlit without that loader file sends no script, and any failure in the browser is ignored:
the first chart then simply loads the library itself, as before."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import streamlit as st

from ui.charts import STATES_PROJECTED_URL

LOADER_GLOB = "loadVegaEmbed.*.js"  # Streamlit's chart-library loader chunk (its hash changes with each build)
# Streamlit's chart element itself (the code that reads a chart's Arrow data and calls the library), which the browser
# otherwise fetches and compiles only once the first chart's message has arrived: in page_bench that fetch started
# 0.3-0.5 s after the click on the Data page's map tab and took 13-118 ms more on its path (load 6-10, 2026-12-03)
CHART_GLOB = "ArrowVegaLiteChart.*.js"

# A tiny layered map like the app's (projected outline, dots coloured, sized and with a tooltip), so the code paths
# the maps and charts take are compiled and run once
_SPEC = {
    "$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": 120, "height": 80,
    "layer": [
        {"data": {"values": [{"type": "Feature", "properties": {}, "geometry": {
            "type": "Polygon", "coordinates": [[[0, 0], [100, 0], [100, 60], [0, 60], [0, 0]]]}}]},
         "mark": {"type": "geoshape", "fill": "#eef0f3", "stroke": "#ffffff"}, "projection": {"type": "identity"}},
        {"data": {"values": [{"x": 20, "y": 20, "who": "a", "usd": 1.0}, {"x": 70, "y": 40, "who": "b", "usd": 2.0}]},
         # the tooltip as the maps write it (ui.charts.tooltip_expr): one expression on the mark
         "mark": {"type": "circle", "aria": False,
                  "tooltip": {"expr": '{"Owner": datum["who"], "ARR": format(datum["usd"], "$,.0f")}'}},
         "projection": {"type": "identity"},
         "encoding": {"longitude": {"field": "x", "type": "quantitative"},
                      "latitude": {"field": "y", "type": "quantitative"},
                      "color": {"field": "who", "type": "nominal"},
                      "size": {"field": "usd", "type": "quantitative", "legend": None}}},
    ],
}

_SCRIPT = """<script type="module">
if (!window.plannerChartsWarm) {
  window.plannerChartsWarm = true;
  const app = document.querySelector('script[type="module"][src*="static/js/index."]');
  const base = app ? app.src : new URL('static/js/', document.baseURI);
  const url = new URL(__LOADER__, base);
  const chart = __CHART__;
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 300));
  idle(async () => {
    try {
      // the maps' basemap file into the browser's cache (a fetch, not a drawing): the first map then finds it there
      // instead of asking the server once its spec is parsed
      fetch(__BASEMAP__).catch(() => {});
      if (chart) import(new URL(chart, base).href).catch(() => {});  // the module the first chart then finds loaded
      const loader = await import(url.href);
      const load = Object.values(loader).find((v) => typeof v === 'function');
      const {embed, expressionInterpreter} = await load();
      const el = document.createElement('div');
      el.setAttribute('aria-hidden', 'true');
      el.style.cssText = 'position:fixed;left:-10000px;top:0;width:120px;height:80px;visibility:hidden';
      document.body.appendChild(el);
      const drawn = await embed(el, __SPEC__, {ast: true, expr: expressionInterpreter, renderer: 'canvas',
                                               actions: false, tooltip: false});
      drawn.finalize();
      el.remove();
      window.plannerChartsWarm = 'drawn';  // read by the browser tests
    } catch (e) { /* a warm-up only: the first chart loads the library itself */ }
  }, {timeout: 2000});
}
</script>"""


@cache
def _chunk(glob: str) -> str | None:
    """The file name in this Streamlit build's JavaScript that matches ``glob``, or None when not exactly one."""
    import streamlit

    found = sorted((Path(streamlit.__file__).parent / "static" / "static" / "js").glob(glob))
    return found[0].name if len(found) == 1 else None


def loader_chunk() -> str | None:
    """The file name of Streamlit's chart-library loader in this Streamlit build, or None when there is not exactly
    one (another build that loads its charts differently: no warm-up)."""
    return _chunk(LOADER_GLOB)


def chart_chunk() -> str | None:
    """The file name of Streamlit's chart element (:data:`CHART_GLOB`), or None: the warm-up then skips it."""
    return _chunk(CHART_GLOB)


def script() -> str | None:
    """The warm-up's HTML (a module script), or None when this Streamlit has no loader to warm."""
    name = loader_chunk()
    if name is None:
        return None
    chart = chart_chunk()
    return (_SCRIPT.replace("__LOADER__", json.dumps("./" + name)).replace("__SPEC__", json.dumps(_SPEC))
            .replace("__CHART__", json.dumps("./" + chart if chart else None))
            .replace("__BASEMAP__", json.dumps(STATES_PROJECTED_URL)))


def warm_charts() -> None:
    """Send the warm-up script to the end of the sidebar (drawn after everything else the run sends)."""
    if (html := script()) is not None:
        with st.sidebar:
            st.html(html, unsafe_allow_javascript=True)
