"""Reporting: what users read — one label registry for every column, axis and export header, the number
formats, and the headline figures defined once for every page, the CLI and every export.

Public names, by module (import them from this package; they load on first use):
- ``formats``: count, pct, people, person, person_of, ratio, usd, usd_whole
- ``labels``: humanise, kinds, Label, label, label_of, LABELS, present, UNLABELLED
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "LABELS": "labels",
    "Label": "labels",
    "UNLABELLED": "labels",
    "count": "formats",
    "humanise": "labels",
    "kinds": "labels",
    "label": "labels",
    "label_of": "labels",
    "pct": "formats",
    "people": "formats",
    "person": "formats",
    "person_of": "formats",
    "present": "labels",
    "ratio": "formats",
    "usd": "formats",
    "usd_whole": "formats",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
