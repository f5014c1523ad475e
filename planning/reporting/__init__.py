"""Reporting: what users read — one label registry for every column, axis and export header, the number
formats, and the headline figures defined once for every page, the CLI and every export.

Public names, by module (import them from this package; they load on first use):
- ``carve_words``: bands_held, CARVE_BY_WORDS, carve_by_words, carve_headline, carving_words, COMPACTNESS,
  COMPACTNESS_HELP, COMPACTNESS_LABEL, compactness_step, GOOD_GAP, Headline, PLAN_FROM_WORDS, plan_from_words,
  point_title, solver_details, STATUS_WORDS, TRADE_OFF, TRADE_OFF_HELP, TRADE_OFF_LABEL, trade_off_step,
  trade_off_weight
- ``figures``: accounts_moved, ae_cost, arr_moved, balance, book_balance, bookings_target, changes, comp_cost,
  Costs, Figure, figure, figure_help, FIGURES, holders, moved_between, movement, no_target_message,
  open_territories, plan_year_target_rows, quota_reps, scenario_costs, seat_cost, segment_targets, unpriced_note,
  unpriced_seats, worst_segment
- ``formats``: cell, count, pct, people, person, person_of, ratio, TABLE_FORMATS, usd, usd_whole
- ``labels``: humanise, kinds, Label, label, label_of, LABELS, present, UNLABELLED
"""
from __future__ import annotations

from planning.lazy import lazy_exports

_PUBLIC = {
    "CARVE_BY_WORDS": "carve_words",
    "COMPACTNESS": "carve_words",
    "COMPACTNESS_HELP": "carve_words",
    "COMPACTNESS_LABEL": "carve_words",
    "Costs": "figures",
    "FIGURES": "figures",
    "Figure": "figures",
    "GOOD_GAP": "carve_words",
    "Headline": "carve_words",
    "LABELS": "labels",
    "Label": "labels",
    "PLAN_FROM_WORDS": "carve_words",
    "STATUS_WORDS": "carve_words",
    "TABLE_FORMATS": "formats",
    "TRADE_OFF": "carve_words",
    "TRADE_OFF_HELP": "carve_words",
    "TRADE_OFF_LABEL": "carve_words",
    "UNLABELLED": "labels",
    "accounts_moved": "figures",
    "ae_cost": "figures",
    "arr_moved": "figures",
    "balance": "figures",
    "bands_held": "carve_words",
    "book_balance": "figures",
    "bookings_target": "figures",
    "carve_by_words": "carve_words",
    "carve_headline": "carve_words",
    "carving_words": "carve_words",
    "cell": "formats",
    "changes": "figures",
    "comp_cost": "figures",
    "compactness_step": "carve_words",
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
    "no_target_message": "figures",
    "open_territories": "figures",
    "pct": "formats",
    "people": "formats",
    "person": "formats",
    "person_of": "formats",
    "plan_from_words": "carve_words",
    "plan_year_target_rows": "figures",
    "point_title": "carve_words",
    "present": "labels",
    "quota_reps": "figures",
    "ratio": "formats",
    "scenario_costs": "figures",
    "seat_cost": "figures",
    "segment_targets": "figures",
    "solver_details": "carve_words",
    "trade_off_step": "carve_words",
    "trade_off_weight": "carve_words",
    "unpriced_note": "figures",
    "unpriced_seats": "figures",
    "usd": "formats",
    "usd_whole": "formats",
    "worst_segment": "figures",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
