"""Territory maps as PNG or PDF for a manager's deck (matplotlib, drawn offline on county and state lines).

matplotlib and geopandas load only when a map is drawn.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from planning.data.boundaries import NON_CONUS, states

# 20 distinct, print-friendly colours (Tableau 20), reused in order of territory id
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
           "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2",
           "#d7b5a6", "#79706e"]


def colour_of(ids) -> dict[str, str]:
    """A stable colour per territory id (sorted), shared by the web map and the exported map."""
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(sorted({str(x) for x in ids}))}


def render_map(shapes, out: str | Path | None = None, segment: str | None = None, title: str = "",
               fmt: str | None = None, lower48: bool = True) -> Path | bytes:
    """Draw the shapes (one panel per segment, or only ``segment``) with labels at each territory's centre.

    Writes ``out`` (format from its suffix: .png or .pdf) and returns its path, or returns the bytes
    (``fmt`` png or pdf) when ``out`` is None.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fmt = (fmt or (Path(out).suffix.lstrip(".") if out else "png")).lower()
    if fmt not in ("png", "pdf"):
        raise ValueError(f"map format must be png or pdf, not {fmt!r}")
    g = shapes if segment in (None, "All") else shapes.loc[shapes["segment"] == segment]
    segs = sorted(g["segment"].unique()) or [segment or ""]
    st_ = states()
    if lower48:
        st_ = st_.loc[~st_["state"].isin(NON_CONUS)]
    fig, axes = plt.subplots(len(segs), 1, figsize=(11, 6.5 * len(segs)), squeeze=False)
    for ax, seg in zip(axes[:, 0], segs):
        part = g.loc[g["segment"] == seg]
        if lower48:
            part = part.cx[-125:-66, 24:50]
        colours = colour_of(part["territory_id"])
        part.plot(ax=ax, color=[colours[str(t)] for t in part["territory_id"]], edgecolor="white", linewidth=0.6)
        st_.boundary.plot(ax=ax, color="#333333", linewidth=0.5)
        for row in part.itertuples():
            pt = row.geometry.representative_point()
            label = getattr(row, "owner", None) or row.territory_id
            ax.annotate(str(label), (pt.x, pt.y), ha="center", fontsize=6, color="#111111")
        ax.set_title(f"{title} — {seg}".strip(" —"), fontsize=11)
        ax.set_axis_off()
        if lower48:
            ax.set_xlim(-125, -66)
            ax.set_ylim(24, 50)
        ax.set_aspect(1 / np.cos(np.radians(37)))  # equirectangular at mid-latitude: shapes look right
    fig.tight_layout()
    if out is None:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=150)
        plt.close(fig)
        return buf.getvalue()
    path = Path(out)
    fig.savefig(path, format=fmt, dpi=150)
    plt.close(fig)
    return path
