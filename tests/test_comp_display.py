"""What the Quota and Comp page shows of comp plans, worked by hand: the payout table in whole dollars rounded,
never cut."""
from __future__ import annotations

import math

from planning.compensation import CompPlan
from planning.compensation.comp_plan import Tier


def _mid_market() -> CompPlan:
    """OTE $200,000 at 55/45: the variable is 45% of it, $90,000.  In floating point the variable share 1 − 0.55 is
    0.44999999999999996, so the variable computes to 89,999.99999999999 and each payout a hair under its dollar."""
    return CompPlan(name="Mid-market AE", role="AE", segment="Mid-market", ote_usd=200_000.0, pay_mix=(0.55, 1 - 0.55),
                    quota_usd=900_000.0, tiers=(Tier(0.0, 1.0, 1.0), Tier(1.0, None, 1.5)))


def _as_the_browser_draws(value: float, config: dict) -> float:
    """Streamlit's NumberColumn cuts a value to its step's decimals (Math.trunc in its grid), it does not round."""
    step = config["type_config"]["step"]
    digits = max(0, -int(math.floor(math.log10(step)))) if step else None
    return value if digits is None else math.trunc(value * 10 ** digits) / 10 ** digits


def test_payout_table_reads_the_curves_dollars():
    from ui import quota_reports as qr

    # by hand: ×1 up to 100% of quota, ×1.5 above; the variable is $90,000
    #   50%: 0.5 × 90,000 = $45,000 · 80%: $72,000 · 100%: $90,000 · 120%: 90,000 + 0.2 × 1.5 × 90,000 = $117,000
    #   150%: 90,000 + 0.5 × 1.5 × 90,000 = $157,500 · 200%: 90,000 + 1.0 × 1.5 × 90,000 = $225,000
    plan = _mid_market()
    assert plan.payout(0.5) < 45_000  # the hair under: what the table used to cut to $44,999
    shown, config = qr._payout_view(qr.plans_json({"Mid-market": plan}))["points"]
    drawn = {round(a, 2): _as_the_browser_draws(v, config["Mid-market AE"])
             for a, v in zip(shown["attainment"], shown["Mid-market AE"])}
    assert drawn == {0.5: 45_000, 0.8: 72_000, 1.0: 90_000, 1.2: 117_000, 1.5: 157_500, 2.0: 225_000}


def test_tables_round_what_a_step_would_cut():
    import pandas as pd
    import streamlit as st

    from ui.tables import prepare_table

    frame = pd.DataFrame({"plan": ["A", "B"], "paid": [44_999.99999999999, 89_999.5], "share": [0.23449999, 0.5]})
    shown, config = prepare_table(frame, {"paid": st.column_config.NumberColumn("Paid", format="dollar", step=1),
                                          "share": st.column_config.NumberColumn("Share", format="percent",
                                                                                 step=0.001)})
    assert shown["paid"].tolist() == [45_000, 90_000]  # rounded half to even like pandas: 89,999.5 → 90,000
    assert shown["share"].tolist() == [0.234, 0.5]
    assert frame["paid"].iloc[0] == 44_999.99999999999  # the data keeps its value: rounding is for display only
