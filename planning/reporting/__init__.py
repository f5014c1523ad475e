"""Reporting: what users read — one label registry for every column, axis and export header, the number
formats, and the headline figures defined once for every page, the CLI and every export.

Public names, by module (import them from this package; they load on first use):
- ``figures``: accounts_moved, ae_cost, arr_moved, balance, book_balance, changes, comp_cost, Costs, Figure, figure,
  figure_help, FIGURES, holders, moved_between, movement, open_territories, quota_reps, scenario_costs, seat_cost,
  worst_segment
- ``formats``: count, pct, people, person, person_of, ratio, usd, usd_whole
- ``labels``: humanise, kinds, Label, label, label_of, LABELS, present, UNLABELLED
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "Costs": "figures",
    "FIGURES": "figures",
    "Figure": "figures",
    "LABELS": "labels",
    "Label": "labels",
    "UNLABELLED": "labels",
    "accounts_moved": "figures",
    "ae_cost": "figures",
    "arr_moved": "figures",
    "balance": "figures",
    "book_balance": "figures",
    "changes": "figures",
    "comp_cost": "figures",
    "count": "formats",
    "figure": "figures",
    "figure_help": "figures",
    "holders": "figures",
    "humanise": "labels",
    "kinds": "labels",
    "label": "labels",
    "label_of": "labels",
    "moved_between": "figures",
    "movement": "figures",
    "open_territories": "figures",
    "pct": "formats",
    "people": "formats",
    "person": "formats",
    "person_of": "formats",
    "present": "labels",
    "quota_reps": "figures",
    "ratio": "formats",
    "scenario_costs": "figures",
    "seat_cost": "figures",
    "usd": "formats",
    "usd_whole": "formats",
    "worst_segment": "figures",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
