"""A carve in the planner's words: headlines for each outcome, the named trade-off, the curve's point names."""
from __future__ import annotations

import math

import pandas as pd

from jobs.frontier_job import point_names
from planning.reporting.carve_words import (PLAN_FROM_WORDS, bands_held, carve_headline, plan_from_words,
                                            solver_details, trade_off_step, trade_off_weight)


def test_headline_of_a_proven_balanced_plan():
    h = carve_headline("optimal", 0.001324, 1388)
    assert h.tone == "success"
    assert h.text == "Balanced plan found — within 0.13% of the best possible; 1,388 accounts move"
    assert carve_headline("optimal", 0.0, 1).text == "Balanced plan found — within 0.00% of the best possible; " \
                                                     "1 account moves"


def test_headline_when_time_ran_out_or_bands_bent():
    h = carve_headline("time_limit", 0.034, 2000)
    assert h.tone == "warning"
    assert h.text == "Balanced plan found in the time allowed — within 3.40% of the best possible; 2,000 accounts move"
    assert carve_headline("feasible", 0.004, 10).tone == "success"  # within 1%: a success even when stopped
    # "feasible": a plan the search stopped short of proving on its own rules (no clock hit): no "time allowed"
    unproven = carve_headline("feasible", 0.06, 3651, one_piece=True)
    assert unproven.tone == "warning"
    assert unproven.text == ("Balanced plan found — within 6.0% of the best possible one-piece plan; "
                             "3,651 accounts move")
    bent = carve_headline("optimal", 0.002, 12, held=False)
    assert bent.tone == "warning" and bent.text.startswith("Plan found, but some books stay outside their bands")
    assert carve_headline("optimal", math.nan, None).text == "Balanced plan found"


def test_headline_without_a_plan():
    assert carve_headline("infeasible", math.nan).tone == "error"
    assert carve_headline("infeasible", math.nan).text == "No plan meets these bands and rules"
    assert carve_headline("cancelled", math.nan).text == "Carve cancelled; nothing changed"


def test_no_solver_words_in_a_headline():
    for status in ("optimal", "feasible", "time_limit", "infeasible", "cancelled"):
        text = carve_headline(status, 0.01, 5).text.lower()
        assert "optimal" not in text and "lp" not in text and "gap" not in text
        assert status == "cancelled" or status not in text  # "cancelled" is the user's own word


def test_bands_held_reads_the_balance_table():
    ok = pd.DataFrame({"metric": ["potential_usd", "accounts"], "band": [0.10, 0.10],
                       "worst_dev_after": [0.10, 0.0999]})
    assert bands_held(ok)
    assert not bands_held(ok.assign(worst_dev_after=[0.10, 0.1001]))


def test_solver_details_keep_the_solver_terms():
    d = solver_details("optimal", 0.0013, 1234.5, 1232.9, 1.04, 0.5).set_index("item")["solver_value"]
    assert d["Solver status"].startswith("optimal") and d["Gap to the LP bound"] == "0.13%"
    assert d["Objective (model units)"] == "1,234.5" and d["Model build"] == "1.0 s"
    assert "Plan from" not in d  # no step named: no row (a run without a plan)


def test_solver_details_say_which_ladder_step_produced_the_plan():
    d = solver_details("optimal", 0.0013, 1234.5, 1232.9, 1.04, 0.5, "integer repair").set_index("item")
    assert d.loc["Plan from", "solver_value"] == "integer repair of the LP"
    assert list(d.index[:2]) == ["Solver status", "Plan from"]


def test_plan_from_in_words_per_part_and_rebalanced():
    """The strings optimizers.carve.ladder.describe_sources writes, read as words."""
    assert plan_from_words("mended rounding") == "rounding of the LP, mended by single moves and swaps"
    assert plan_from_words("LP rounding (bands narrowed)") == "rounding of the LP with narrowed bands"
    assert plan_from_words("mended rounding (5 parts), integer repair (1 part)") == \
        "rounding of the LP, mended by single moves and swaps (5 parts); integer repair of the LP (1 part)"
    assert plan_from_words("greedy, rebalanced (2 parts), LP rounding (bands narrowed) (1 part)") == \
        ("nearest territory with room (greedy), rebalanced account by account (the LP ran out of time) (2 parts); "
         "rounding of the LP with narrowed bands (1 part)")
    assert plan_from_words("a step added later") == "a step added later"  # its own name, never an error
    assert plan_from_words("") == ""


def test_every_step_of_the_default_ladder_has_words():
    from optimizers.carve.strategies import DEFAULT_LADDER

    for step in DEFAULT_LADDER:
        if step.name != "narrowed bands":  # it re-solves the LP and offers no plan of its own
            assert step.name in PLAN_FROM_WORDS or step.name == "starting plan", step.name


def test_trade_off_steps_map_to_continuity_weights():
    assert trade_off_weight("Balanced") == 5.0 and trade_off_weight("Shortest travel") == 0.0
    assert trade_off_step(5) == "Balanced" and trade_off_step(0) == "Shortest travel"
    assert trade_off_step(40) == "Keep relationships" and trade_off_step(1) == "Lean to shorter travel"


def test_curve_points_are_named_for_the_trade_off():
    assert point_names([5.0], 5.0) == ["balanced"]
    # 8 points: six between the ends, the user's weight 5 among them
    assert point_names([30.0, 12.0, 5.0, 1.9, 0.75, 0.3], 5.0) == [
        "leaning to fewer moves 2", "leaning to fewer moves 1", "balanced", "leaning to shorter travel 1",
        "leaning to shorter travel 2", "leaning to shorter travel 3"]
    assert point_names([30.0, 0.3], 0.0) == ["leaning to fewer moves 2", "leaning to fewer moves 1"]


def test_a_contiguous_carve_reads_its_gap_against_the_best_one_piece_plan_with_both_bounds_in_the_details():
    from planning.reporting.carve_words import one_piece_words

    assert one_piece_words(0.0123) == "within 1.2% of the best possible one-piece plan"
    assert one_piece_words(float("nan")) == ""
    h = carve_headline("feasible", 0.0123, 30, one_piece=True)
    assert "within 1.2% of the best possible one-piece plan" in h.text and "30 accounts move" in h.text
    d = solver_details("feasible", 0.02, 100.0, 98.0, 1.0, 2.0, "integer repair, one-piece repair", 95.0)
    rows = dict(zip(d["item"], d["solver_value"]))
    assert rows["Gap to the best possible one-piece plan"] == "2.00%"
    assert rows["Gap to the LP bound without contiguity"] == "5.00%"
    assert rows["One-piece bound (model units)"] == "98.0" and rows["LP bound without contiguity (model units)"] == "95.0"
    assert "contiguity cuts" in rows["Plan from"] and "LP bound (model units)" not in rows


def test_one_piece_in_the_planners_words_and_the_polish_in_the_solvers():
    from planning.reporting import contiguity_details, contiguity_words

    assert contiguity_words(23, 0) == "All 23 territories are one piece."
    assert contiguity_words(23, 1) == "1 of 23 territories is in more than one piece."
    assert contiguity_words(23, 3) == "3 of 23 territories are in more than one piece."
    assert contiguity_words(1, 0) == "The territory is one piece."
    assert "solver" not in contiguity_words(0, 0) and "polish" not in contiguity_words(23, 3)
    rows = dict(contiguity_details({"territories": 23, "split_before": 2, "split_after": 0, "units_moved": 1234,
                                    "worst_dev_before": 0.153, "worst_dev_after": 0.1}))
    assert rows == {"Territories in pieces in the solver's plan (before the polish)": "2",
                    "Units the one-piece polish moved": "1,234",
                    "Worst deviation from target, before → after the polish": "15.3% → 10.0%"}
    assert contiguity_details(None) == [] == contiguity_details({"territories": 0})
