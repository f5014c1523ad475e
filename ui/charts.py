"""Altair charts used across pages.  Maps draw offline: a committed US-states basemap, no tiles."""
from __future__ import annotations

import hashlib
import json
import re
import threading
from contextlib import nullcontext
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from planning.reporting import label, label_of

if TYPE_CHECKING:
    import altair as alt


@cache
def altair_module():
    """altair, imported on first use and set up once for this process (use it instead of ``import altair``)."""
    return _altair()


# A money axis reads as the app's money does ($500K, $1.5M, $0); d3's "$,.2s" read "$500k", "$1.5M" and "$0.0".
def money_expr(field: str = "value") -> str:
    """A Vega expression writing ``datum[field]`` (USD) as :func:`planning.reporting.formats.usd` does."""
    v = f"datum[{field!r}]"
    return " : ".join(f"abs({v}) >= {x} ? format({v} / {x}, '$,.3~') + '{u}'"
                      for x, u in (("1e9", "B"), ("1e6", "M"), ("1e3", "K"))) + f" : format({v}, '$,.3~')"


def money_axis(**kwargs):
    """An altair Axis whose labels read like :func:`planning.reporting.formats.usd`."""
    return altair_module().Axis(labelExpr=money_expr(), **kwargs)


@cache
def _altair():
    # imported on first draw, not with the page: altair takes about a second, and the Data page's headline
    # figures are on screen before its first chart
    import altair
    import altair.utils.schemapi

    altair.data_transformers.disable_max_rows()
    # Altair validates every channel object against the Vega-Lite schema as it is built (DEBUG_MODE): ~0.8 s of a
    # Finance rerun for 11 charts.  The whole spec is still validated once when Streamlit serialises it.
    altair.utils.schemapi.DEBUG_MODE = False
    _reuse_class_tables(altair.utils.schemapi)
    return altair


def _reuse_class_tables(schemapi) -> None:
    """Altair turns each shorthand channel ("x:Q", a tooltip's field name, ``alt.value``) into its class through
    ``SchemaBase.from_dict``, which first hashes every schema of Vega-Lite (~570, as JSON) into a table: ~20 ms per
    channel, most of a chart's build.  The table depends only on the wrapper classes: build it once per set."""
    if getattr(schemapi.SchemaBase.from_dict, "planner_reuses_tables", False):
        return
    tables: dict = {}

    def from_dict(cls, dct, validate=True):
        if validate:
            cls.validate(dct)
        # keyed on the method that lists the classes (Vega-Lite's: every subclass of its schema, fixed at import)
        which = getattr(cls._default_wrapper_classes, "__func__", cls)
        converter = tables.get(which)
        if converter is None:
            converter = tables[which] = schemapi._FromDict(tuple(cls._default_wrapper_classes()))
        return converter.from_dict(dct, cls)

    from_dict.__doc__ = schemapi.SchemaBase.from_dict.__doc__
    from_dict.planner_reuses_tables = True
    schemapi.SchemaBase.from_dict = classmethod(from_dict)


def spec(chart) -> dict:
    """The Vega-Lite spec Streamlit draws for an Altair ``chart``, with its data as Arrow bytes: build it once, cache
    it (st.cache_data keyed on the chart's inputs) and draw it with :func:`draw`.  Built without the schema
    validation ``st.altair_chart`` runs on every draw (~25 ms a chart); the charts are fixed code, checked by tests."""
    alt = _altair()
    datasets: dict = {}
    alt.data_transformers.register("planner_arrow", _arrow_dataset)
    with _GLOBALS_LOCK:  # the theme and the data transformer are process-wide: one conversion at a time
        theme = alt.theme.enable("none") if alt.theme.active == "default" else nullcontext()
        with theme, alt.data_transformers.enable("planner_arrow", datasets=datasets):
            out = chart.to_dict(validate=False)
    out["datasets"] = {**(out.get("datasets") or {}), **datasets}
    return out


def draw(chart_spec: dict, where=None, width="stretch") -> None:
    """Draw a cached :func:`spec` (``where``: a column or container; default the page)."""
    (where or st).vega_lite_chart(chart_spec, width=width)


def _arrow_dataset(data, datasets: dict) -> dict:
    """Altair data transformer: the frame as Arrow IPC bytes under a content-hash name (as Streamlit's own)."""
    from streamlit import dataframe_util

    if isinstance(data, dict) and data.get("type") in ("FeatureCollection", "Feature", "Topology"):
        name = hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:20]
        datasets[name] = data
    else:
        raw = dataframe_util.convert_anything_to_arrow_bytes(data)
        name = hashlib.sha1(raw).hexdigest()[:20]
        datasets[name] = raw
    return {"name": name}


def _globals_lock():
    try:  # share Streamlit's lock, so st.altair_chart on another page never sees our theme switched off
        from streamlit.elements.vega_charts import _altair_globals_lock
        return _altair_globals_lock
    except ImportError:  # pragma: no cover — a Streamlit without it
        return threading.Lock()


_GLOBALS_LOCK = _globals_lock()

PROJECTION = "albersUsa"

# Vega-Lite number formats per registry kind, for tooltips (display only)
_TIP_FORMATS = {"money": "$,.0f", "pct": ".1%", "count": ",.0f", "hours": ",.0f", "miles": ",.1f", "ratio": ".2f"}


def tip(field):
    """A tooltip that reads as words: the registry's label as its title and the format of the field's kind.
    Anything that is not a plain field name (an alt.Tooltip already) passes through."""
    if not isinstance(field, str):
        return field
    alt = _altair()
    lab = label_of(field)
    fmt = _TIP_FORMATS.get(lab.kind)
    return alt.Tooltip(field, title=lab.text, format=fmt) if fmt else alt.Tooltip(field, title=lab.text)


# US state outlines as d3's albersUsa draws them, projected once (planning.data.us_projection.write_state_outlines),
# served by Streamlit's static serving (.streamlit/config.toml)
STATES_PROJECTED_URL = "app/static/us_states_albers_usa.geojson"
# Points and outlines projected on the server (albersUsa) are drawn on Vega's identity projection: a scale and a
# shift, instead of d3's spherical clipping and resampling of every outline and dot on each draw
PROJECTED = "identity"


def basemap() -> alt.Chart:
    """US state outlines, already projected for :data:`PROJECTED`, loaded by the browser from the app's own static
    folder (offline, cached)."""
    alt = _altair()
    states = alt.Data(url=STATES_PROJECTED_URL, format=alt.DataFormat(type="json", property="features"))
    return alt.Chart(states).mark_geoshape(fill="#eef0f3", stroke="#ffffff", strokeWidth=0.8).project(PROJECTED)


def projected_points(pts: pd.DataFrame, projection: str) -> pd.DataFrame:
    """``pts`` with their lon/lat replaced by ``map_x``/``map_y``: US books (albersUsa) and books abroad
    (:data:`WORLD`) projected here, as d3 would in the browser (planning.data.us_projection, world_projection), to
    draw on :data:`PROJECTED`; a point in no inset of albersUsa is left out, as d3 leaves it out."""
    from planning.data.us_projection import albers_usa
    from planning.data.world_projection import equal_earth

    x, y = (albers_usa if projection == PROJECTION else equal_earth)(pts["lon"].to_numpy(float),
                                                                      pts["lat"].to_numpy(float))
    out = pts.drop(columns=["lon", "lat"]).assign(map_x=x, map_y=y)
    return out.loc[~np.isnan(x)]


WORLD = "equalEarth"  # a book with any account abroad: the land around its accounts, on d3's equal-earth projection


def map_projection(points: pd.DataFrame) -> str:
    """albersUsa for US books; :data:`WORLD` when any account lies outside the US (albersUsa would drop it)."""
    if points.empty:
        return PROJECTION
    outside = ~(points["lat"].between(17, 72) & points["lon"].between(-180, -60))
    if "country" in points:
        outside |= points["country"].fillna("US").ne("US")
    return WORLD if outside.any() else PROJECTION


def world_basemap(x: pd.Series, y: pd.Series) -> alt.Chart:
    """The land (countries, the US by state) around points at ``x``/``y`` (projected on :data:`WORLD`), cut to
    their extent on the server and sent with the chart (planning.data.world_projection.land_within)."""
    from planning.data.world_projection import land_within, view_box

    alt = _altair()
    box = tuple(round(v, 1) for v in view_box(x.to_numpy(float), y.to_numpy(float)))  # a cache key per extent
    land = alt.Data(values=list(land_within(box)))
    return alt.Chart(land).mark_geoshape(fill="#eef0f3", stroke="#ffffff", strokeWidth=0.8).project(PROJECTED)


def field_safe(name: str) -> str:
    """A column name Vega-Lite reads as one plain field: ':' is a type suffix, '.' and '[ ]' are nested access, and a
    plan label carries them ("Carve 2026-11-25 22:35:05 v1").  Look-alike characters keep the label readable."""
    return name.replace(":", "\u2236").replace(".", "\u2024").replace("[", "(").replace("]", ")")


def shown_tips(pts: pd.DataFrame, tooltip: list, keep: tuple = ()) -> tuple[pd.DataFrame, list]:
    """(points, tooltips): each tooltip field of a number kind (money, count, %) sent as the text a table shows it
    in (planning.reporting.formats.cell, in a column ``<field>__shown``, the number itself dropped unless in
    ``keep``), so the browser reads a string per dot instead of formatting each number of each dot in Streamlit's
    expression interpreter (a map of ~1,700 dots)."""
    from planning.reporting.formats import cell

    alt = _altair()
    tips, shown = [], {}
    for t in tooltip:
        lab = label_of(t) if isinstance(t, str) and t in pts else None
        if lab is None or cell(0, lab.kind) is None:
            tips.append(tip(t))
            continue
        shown[f"{t}__shown"] = [cell(v, lab.kind) for v in pts[t].tolist()]
        tips.append(alt.Tooltip(f"{t}__shown:N", title=lab.text))
    if not shown:
        return pts, tips
    numbers = [c.removesuffix("__shown") for c in shown]
    return pts.assign(**shown).drop(columns=[c for c in numbers if c not in keep]), tips


def tooltip_expr(tips: list) -> str:
    """The tooltip as one Vega expression that builds the same title → value object Vega-Lite's tooltip encoding
    builds, from plain field reads: Vega-Lite writes ``isValid(datum.f) ? datum.f : "" + datum.f`` per field, which
    Streamlit's expression interpreter walks for each dot (six fields over a ~1,700-dot map were ~40 ms of its first
    draw).  ``tips``: alt.Tooltip objects (:func:`shown_tips`), each a field with a title and perhaps a format."""
    parts = []
    for t in tips:
        kw = t._kwds
        field = kw.get("field") if isinstance(kw.get("field"), str) else kw.get("shorthand")
        field = re.sub(r":[NOQTG]$", "", field)
        title = kw.get("title") if isinstance(kw.get("title"), str) else field
        value = f"datum[{json.dumps(field)}]"
        if isinstance(kw.get("format"), str):
            value = f"format({value}, {json.dumps(kw['format'])})"
        parts.append(f"{json.dumps(title)}: {value}")
    return "{" + ", ".join(parts) + "}"


def lean_columns(pts: pd.DataFrame, keep: set) -> pd.DataFrame:
    """The map's dots as the browser reads them fastest: ``country`` (read to choose the projection) dropped unless
    ``keep`` names it; numbers as 32-bit floats (7 digits: a thousandth of a pixel on the projected picture);
    repeating text as dictionaries; other text as Arrow's plain strings, not pandas' default large strings, whose
    64-bit offsets the browser's Arrow reader turns into numbers one cell at a time (and which carry 4 more bytes
    per cell)."""
    if "country" in pts and "country" not in keep:
        pts = pts.drop(columns="country")
    cast = {c: ("float32" if pd.api.types.is_float_dtype(t) else object) for c, t in pts.dtypes.items()
            if pd.api.types.is_float_dtype(t) or pd.api.types.is_string_dtype(t)}
    pts = pts.astype(cast) if cast else pts
    # text that repeats (owners, colour groups, places, counts: a value per four dots or fewer) as Arrow dictionaries:
    # each value sent once (the sample's map 202 KB -> 117 KB), which the browser reads back per dot
    repeats = {c: "category" for c in pts.columns if pts[c].dtype == object and pts[c].nunique() * 4 < len(pts)}
    return pts.astype(repeats) if repeats else pts


OTHER_COLOUR = "#b8b8b8"  # "Other owners" in a grouped legend: grey, behind the named colours


def accounts_map(points: pd.DataFrame, color: str, title: str = "", tooltip: list[str] | None = None,
                 size: str | None = None, height: int = 460, colour_order: list[str] | None = None,
                 canvas: bool = False) -> alt.LayerChart:
    """Accounts as dots on a US basemap, coloured by ``color`` (owner, territory, segment…).

    ``colour_order``: the colour groups in legend order, at most ten (planning.reporting.map_dots.colour_groups), the
    last one grey when it is "Other …"; the legend then lists just those, in one column.  US books are projected here
    (:func:`projected_points`).  Dots have no outline: thousands of outlined circles took the browser seconds
    to paint.  ``canvas``: draw on a canvas rather than SVG (for maps of thousands of dots).
    """
    alt = _altair()
    tooltip = tooltip or ["name", color]
    # Send only the columns the chart uses: the spec carries its data, and 6,000 wide rows were most of its weight.
    used = list(dict.fromkeys(["lat", "lon", color, *([size] if size else []), *(["country"] if "country" in points else []),
                               *[t for t in tooltip if isinstance(t, str)]]))
    pts = points.dropna(subset=["lat", "lon"])[[c for c in used if c in points.columns]]
    projection = map_projection(pts)
    pts = projected_points(pts, projection)
    pts, tips = shown_tips(pts, tooltip, keep=(color, size))
    pts = lean_columns(pts, keep={color, size, *(t for t in tooltip if isinstance(t, str))})
    if colour_order:
        palette = list(_TABLEAU10[:len(colour_order)])
        if colour_order[-1].startswith("Other"):
            palette[-1] = OTHER_COLOUR
        scale = alt.Scale(domain=colour_order, range=palette)
        legend = alt.Legend(title=label(color), orient="right", columns=1, symbolLimit=len(colour_order),
                            labelLimit=200)
    else:
        scale = alt.Scale(scheme="tableau20")
        legend = alt.Legend(title=label(color), orient="right", columns=2, symbolLimit=60, labelLimit=150)
    # no per-dot description for screen readers (Streamlit drops them past 5,000 marks; the legend and the caption
    # say what the map shows), which Vega otherwise writes into every one of up to 2,000 SVG circles
    dots = alt.Chart(pts).mark_circle(opacity=0.75, aria=False, tooltip={"expr": tooltip_expr(tips)}).encode(
        longitude="map_x:Q", latitude="map_y:Q",
        color=alt.Color(f"{color}:N", scale=scale, legend=legend),
        size=(alt.Size(f"{size}:Q", legend=None, scale=alt.Scale(range=[8, 160])) if size else alt.value(14)),
    ).project(PROJECTED)
    land = world_basemap(pts["map_x"], pts["map_y"]) if projection == WORLD else basemap()
    chart = alt.layer(land, dots).properties(title=title, height=height, width="container")
    if canvas:  # Streamlit picks SVG below 2,000 marks: a map of ~1,700 dots is then ~1,700 SVG nodes to paint
        chart = chart.properties(usermeta={"embedOptions": {"renderer": "canvas"}})
    # (off by default: on a canvas the title and legend are pixels, not text a reader or a test can find)
    return chart


# Vega's "tableau10", spelled out so the last colour of a grouped legend can be grey
_TABLEAU10 = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
              "#bab0ac")


def book_bars(book: pd.DataFrame, metric: str, label_col: str = "owner_name", group: str = "segment",
              reference: float | None = None, title: str = "") -> alt.Chart:
    """One bar per territory for a metric, grouped by segment, with an optional mean line."""
    alt = _altair()
    df = book.reset_index()
    df["label"] = df[label_col].fillna(df["territory_id"]) if label_col in df else df["territory_id"]
    bars = alt.Chart(df).mark_bar().encode(
        x=alt.X("label:N", sort="-y", title=None),
        y=alt.Y(f"{metric}:Q", title=label(metric)),
        color=alt.Color(f"{group}:N", legend=alt.Legend(orient="top", title=label(group))),
        tooltip=[tip("territory_id"), alt.Tooltip("label", title="Owner"), tip(group), tip(metric)],
    )
    chart = bars
    if reference is not None:
        chart = bars + alt.Chart(pd.DataFrame({"y": [reference]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    return chart.properties(title=title, height=300)


def before_after_bars(before: pd.DataFrame, after: pd.DataFrame, metric: str, label_col: str = "owner_name") -> alt.Chart:
    """Per-territory metric before and after a change, side by side."""
    alt = _altair()

    def prep(df, tag):
        d = df.reset_index()
        d["label"] = d[label_col].fillna(d["territory_id"]) if label_col in d else d["territory_id"]
        d["plan"] = tag
        return d[["territory_id", "label", "segment", metric, "plan"]]
    df = pd.concat([prep(before, "before"), prep(after, "after")], ignore_index=True)
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("label:N", title=None, sort=alt.EncodingSortField(metric, op="max", order="descending")),
        xOffset=alt.XOffset("plan:N", sort=["before", "after"]),
        y=alt.Y(f"{metric}:Q", title=label(metric)),
        color=alt.Color("plan:N", scale=alt.Scale(domain=["before", "after"], range=["#c9ced6", "#2f6fdf"]),
                        legend=alt.Legend(orient="top", title="Plan")),
        tooltip=[alt.Tooltip("label", title="Owner"), alt.Tooltip("plan", title="Plan"), tip(metric)],
    ).properties(height=300)


def flow_heatmap(flows: pd.DataFrame, value: str = "accounts", title: str = "") -> alt.Chart:
    """From → to heatmap of moved accounts (``flows``: source, target, accounts, arr_usd, open_pipeline_usd)."""
    alt = _altair()
    base = alt.Chart(flows).encode(
        x=alt.X("target:N", title="To", sort="ascending", axis=alt.Axis(labelAngle=-60, labelLimit=160, labelOverlap=False)),
        y=alt.Y("source:N", title="From", sort="ascending", axis=alt.Axis(labelLimit=160, labelOverlap=False)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="oranges"), title=label(value)),
        tooltip=[alt.Tooltip("source", title="From"), alt.Tooltip("target", title="To"), tip("accounts"),
                 tip("arr_usd"), tip("open_pipeline_usd")],
    )
    n = flows["source"].nunique() if len(flows) else 1
    if value == "accounts":
        text = base.mark_text(fontSize=9).encode(text=alt.Text(f"{value}:Q", format=",.0f"))
    else:  # money as the app writes it ($450K, not d3's "$450k")
        text = base.transform_calculate(cell_usd=money_expr(value)).mark_text(fontSize=9).encode(text="cell_usd:N")
    # Streamlit fits axes and labels inside the height: leave ~200 px for the rotated owner names
    return (cells + text).properties(title=title, height=max(320, 22 * n + 200), width="container")
