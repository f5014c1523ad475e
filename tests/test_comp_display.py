"""What the Quota and Comp page shows of comp plans, worked by hand: the payout table in whole dollars rounded,
never cut."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from planning.compensation import CompPlan
from planning.compensation.comp_plan import Tier

ROOT = Path(__file__).resolve().parent.parent


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


def test_plan_editor_tables_read_percentages_as_typed():
    from planning.compensation.plan_edits import apply_plan_tables, plan_tables

    plan = _mid_market()
    tables = plan_tables(plan)
    assert tables["plan"].loc[0, ["ote_usd", "base_share", "reference_quota_usd", "threshold"]].tolist() == \
        [200_000, 55, 900_000, 0]  # money in dollars, the base share as 55 (%), not 0.55
    assert tables["tiers"]["to_attainment"].isna().tolist() == [False, True]  # the open band: blank, "and above"
    same, problems = apply_plan_tables(plan, tables)
    assert same == plan and not problems  # shown as is: every exact value kept (0.44999999999999996 too)
    tables["plan"].loc[0, "base_share"] = 50  # typed 50: 50%, so $100,000 variable
    tables["tiers"].loc[1, "from_attainment"] = tables["tiers"].loc[0, "to_attainment"] = 120
    edited, problems = apply_plan_tables(plan, tables)
    assert not problems and edited.pay_mix == (0.5, 0.5) and edited.variable_usd == 100_000
    assert [(t.start, t.end) for t in edited.tiers] == [(0.0, 1.2), (1.2, None)]
    # by hand: at 130%, 1.2 × $100,000 + 0.1 × 1.5 × $100,000 = $135,000
    assert round(float(edited.payout(1.3)), 6) == 135_000


def test_plan_editor_names_each_bad_value_and_keeps_nothing_half_applied():
    from planning.compensation.plan_edits import apply_plan_tables, plan_tables

    plan = _mid_market()
    tables = plan_tables(plan)
    tables["plan"].loc[0, "base_share"] = 5_000  # 5,000%
    tables["plan"].loc[0, "ote_usd"] = -1
    tables["tiers"].loc[0, "multiplier"] = None
    edited, problems = apply_plan_tables(plan, tables)
    assert edited is None
    assert [(p.table, p.text) for p in problems] == [
        ("plan", "OTE: must be between $1 and $5,000,000 (got -$1)"),
        ("plan", "Base share of OTE: must be between 0% and 100% (got 5,000%)"),
        ("tiers", "Tier 1 · × rate: empty; enter a value")]
    tables = plan_tables(plan)
    tables["tiers"].loc[1, "to_attainment"] = 150
    _, problems = apply_plan_tables(plan, tables)
    assert [p.table for p in problems] == ["tiers"] and "and above" in problems[0].text


@pytest.fixture()
def comp_plans_tab(tmp_path, monkeypatch):
    """The Quota and Comp page on its Comp plans tab, on a plan store of its own."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import test_store
    from tests.quota_sections import open_section

    test_store(tmp_path, monkeypatch)
    at = AppTest.from_file(str(ROOT / "pages/4_Quota_and_Comp.py"), default_timeout=180)
    at.run()
    at = open_section(at, "Comp plans")
    assert not at.exception, at.exception
    return at


def _plan(at, segment: str) -> dict:
    return at.session_state["comp.plans"]["plans"][segment]


def test_comp_plan_editor_shows_money_and_percentages(comp_plans_tab):
    import json

    at = comp_plans_tab
    pay = at.session_state["cp_base_pay_Enterprise"]
    assert pay.loc[0, ["ote_usd", "base_share", "reference_quota_usd", "threshold"]].tolist() == \
        [300_000, 50, 1_200_000, 0]  # $300,000 · 50% · $1,200,000 · 0%: never 0.5 or "300000.00"
    tiers = at.session_state["cp_base_tiers_Enterprise"]
    assert tiers["from_attainment"].tolist() == [0, 80] and tiers["to_attainment"].isna().tolist() == [False, True]
    columns = {}
    for table in at.dataframe[:4]:  # the editors: pay, credit rules, tiers, SPIFFs
        columns.update(json.loads(table.proto.columns))
    shown = {c["label"]: c.get("type_config", {}).get("format") for name, c in columns.items() if "label" in c}
    assert {k: shown[k] for k in ("OTE", "Base share of OTE", "Reference quota", "Threshold", "From attainment",
                                  "Up to", "Amount", "Lowest attainment", "Clawback (months)")} == {
        "OTE": "dollar", "Base share of OTE": "%g%%", "Reference quota": "dollar", "Threshold": "%g%%",
        "From attainment": "%g%%", "Up to": "%g%%", "Amount": "dollar", "Lowest attainment": "%g%%",
        "Clawback (months)": "%d"}
    # an empty cell reads blank, the tiers' open end "and above", a read-only table's gap "–": never "None"
    assert [t.proto.placeholder for t in at.dataframe] == ["", "", "and above", "", "–", "–"]
    plans_table = at.dataframe[-1].value
    assert plans_table.loc[0, "tiers"] == "0%–80% ×0.875; 80% and above ×1.5"  # no "∞", no "None"


def test_typing_50_in_a_percentage_means_50_percent(comp_plans_tab):
    from tests.quota_sections import edit_plan

    at = edit_plan(comp_plans_tab, "Enterprise", base_share=60, threshold=50)
    assert not at.exception and not at.error
    plan = _plan(at, "Enterprise")
    assert plan["pay_mix"] == [0.6, 0.4] and plan["threshold"] == 0.5
    # by hand: variable 40% of $300,000 = $120,000 over a $1,200,000 reference quota: 10.00% at target
    assert next(m.value for m in at.metric if m.label == "Rate at target") == "10.00%"


def test_a_bad_value_says_so_beside_its_table_and_the_page_stays(comp_plans_tab):
    from tests.quota_sections import edit_plan

    at = edit_plan(comp_plans_tab, "Enterprise", base_share=5_000)  # 5,000%
    assert not at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [  # as read: the markdown escapes of plain text off
        "Plan not updated; fix this value:  \n• Base share of OTE: must be between 0% and 100% (got 5,000%)"]
    assert _plan(at, "Enterprise")["pay_mix"] == [0.5, 0.5]  # the last valid plan is kept
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # the payout curves are still drawn
    assert len(at.dataframe) == 6  # the four editors, the payout table, the plans' table
    assert next(m.value for m in at.metric if m.label == "Rate at target") == "12.50%"
    assert next(m.value for m in at.metric if m.label == "Quota coverage") == "115.0%"  # the headline above
