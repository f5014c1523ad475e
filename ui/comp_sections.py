"""The Quota and Comp page's comp sections, each drawn only while its tab is open (pages/4_Quota_and_Comp.py):
the comp plans' design with their payout curves, the cost simulation with plan variants side by side, and saving
and exporting.  The page's quota result comes in as a :class:`QuotaContext`; the comp plans, the simulation's
settings and the variants live in the session (ui.quota_state), so a section opened later sees the edits made in
another."""
from __future__ import annotations

import dataclasses
import json

import pandas as pd
import streamlit as st

from jobs import current_user
from planning.compensation import (CHUNK_DRAWS, DISTRIBUTION_WORDS, DISTRIBUTIONS, CompPlan, CompPlanError,
                                   CompSimResult, PLAN_PERCENT_COLUMNS, PLAN_WHOLE_COLUMNS, QuotaError, QuotaResult,
                                   QuotaSettings, apply_plan_tables, plan_tables, plans_from_dict, plans_to_dict)
from planning.reporting import figure, figure_help, pct, usd
from ui import quota_reports as qr
from ui import quota_state as qs
from ui import state
from ui.charts import draw
from ui.editors import typed_config
from ui.jobs import comp_sim_job
from ui.plain import md_escape
from ui.tables import show_prepared, show_table
from ui.widgets import download_csv, download_excel


@dataclasses.dataclass(frozen=True)
class QuotaContext:
    """What the sections need from the page's quota part: the user and their view, the plan quotas are set on,
    the quota result, its cache key (ui.quota_reports.quota_key) and its tables and charts
    (ui.quota_reports.quota_view)."""
    user: object
    view: object
    plan: object
    result: QuotaResult
    qkey: str
    quota_view: dict


# ---------------------------------------------------------------------------------------------------- comp plans
def comp_plans_section(ctx: QuotaContext) -> None:
    """The plan editor (one plan at a time), its payout curves and the plans' table."""
    plans = qs.comp_plans()
    _plan_editor(plans)
    _payouts(plans)


def _plan_editor(plans: dict) -> None:
    """One comp plan's settings, tiers and SPIFFs as tables typed in dollars and percentages (50 means 50%); a valid
    edit replaces the plan in the session, a bad value shows its message under its table and the page keeps the
    last valid plan."""
    seg = st.radio("Plan to edit", list(plans), horizontal=True, format_func=lambda s: plans[s].name)
    p = plans[seg]
    base = _editor_bases(p, seg)
    with st.container(border=True):
        st.caption("Pay and credit rules: money in dollars, rates as percentages (type 50 for 50%). Leave the cap "
                   "empty for no cap.")
        pay = _editor(base["pay"], f"cp_pay_{seg}")
        credit = _editor(base["credit"], f"cp_credit_{seg}")
        slots = {"plan": st.empty()}
        g1, g2 = st.columns(2)
        g1.caption("Tiers: attainment bands with a multiplier on the rate at target; leave the last band's end "
                   "empty (and above).")
        tiers = _editor(base["tiers"], f"cp_tiers_{seg}", g1, num_rows="dynamic", placeholder="and above")
        slots["tiers"] = g1.empty()
        g2.caption("SPIFFs: a fixed bonus to each rep at or above the attainment.")
        spiffs = _editor(base["spiffs"], f"cp_spiffs_{seg}", g2, num_rows="dynamic")
        slots["spiffs"] = g2.empty()
        edited, problems = apply_plan_tables(p, {"plan": pd.concat([pay, credit], axis=1), "tiers": tiers,
                                                 "spiffs": spiffs})
        for table, slot in slots.items():  # each message under the table it belongs to
            if mine := [pr.text for pr in problems if pr.table == table]:
                slot.error("Plan not updated; fix this value:  \n" + "  \n".join(f"• {md_escape(t)}" for t in mine))
        shown = edited or p
        st.metric("Rate at target", pct(shown.rate_at_target, 2), help="Target variable ÷ reference quota: "
                  "commission per dollar booked at 100% attainment.")
        if edited is not None and edited != p:
            plans[seg] = edited
            qs.set_comp_plans(plans)


PAY_COLUMNS = ["ote_usd", "base_share", "reference_quota_usd", "threshold", "cap_multiple"]


def _editor_bases(p: CompPlan, seg: str) -> dict[str, pd.DataFrame]:
    """The editors' frames: kept as the base each editor's changes apply to, and taken afresh from the plan only
    when the editor has no state yet (first open, after a reset or a load)."""
    tables = plan_tables(p)
    fresh = {"pay": tables["plan"][PAY_COLUMNS], "credit": tables["plan"].drop(columns=PAY_COLUMNS),
             "tiers": tables["tiers"], "spiffs": tables["spiffs"]}
    for part, frame in fresh.items():
        if f"cp_{part}_{seg}" not in st.session_state or f"cp_base_{part}_{seg}" not in st.session_state:
            st.session_state[f"cp_base_{part}_{seg}"] = frame
    return {part: st.session_state[f"cp_base_{part}_{seg}"] for part in fresh}


def _editor(frame: pd.DataFrame, key: str, where=st, **kwargs) -> pd.DataFrame:
    """An editor of one of the plan's tables; an empty cell is blank (the tiers' open end reads "and above")."""
    kwargs.setdefault("placeholder", "")
    return where.data_editor(frame, key=key, hide_index=True, width="stretch", column_config=typed_config(
        frame, PLAN_PERCENT_COLUMNS, PLAN_WHOLE_COLUMNS), **kwargs)


def _payouts(plans: dict) -> None:
    """The payout curves, their payout at set attainments, the plans' table and the reset button."""
    pv = qr.payout_view(qr.plans_json(plans), state.dataset_version())
    c1, c2 = st.columns([3, 2])
    draw(pv["curves"], c1)
    with c2:
        show_prepared(pv["points"], key="q_points")
    show_prepared(pv["table"], key="q_plan_table")
    if st.button("Reset plans to defaults"):
        st.session_state.pop(qs._PLANS, None)
        qs.reset_widgets("cp_")
        st.rerun()


# ---------------------------------------------------------------------------------------------- cost simulation
def cost_section(ctx: QuotaContext) -> None:
    """The cost simulation's settings, figures and charts, then the plan variants simulated on the same draws."""
    plans = qs.comp_plans()
    cost = _cost(ctx, plans)
    if cost is not None:
        _variants(ctx, plans, cost[1], cost[2])


def _sim_settings() -> dict:
    cfg = qs.sim_config()
    s1, s2, s3, s4, s5 = st.columns(5)
    cfg["n_draws"] = int(s1.number_input("Draws", 1_000, 200_000, int(cfg["n_draws"]), 1_000))
    cfg["seed"] = int(s2.number_input("Seed", 0, 2**31 - 1, int(cfg["seed"]), 1, help="Same seed → same numbers."))
    cfg["distribution"] = s3.selectbox("Attainment", DISTRIBUTIONS, index=DISTRIBUTIONS.index(cfg["distribution"]),
                                       format_func=DISTRIBUTION_WORDS.get,
                                       help="A normal or beta curve: fitted to the history when loaded, else the "
                                            "segment defaults; reps' past attainment: drawn from the history itself.")
    cfg["correlation"] = s4.slider("Company-wide share of variance", 0.0, 0.9, float(cfg["correlation"]), 0.05,
                                   format="percent",
                                   help="How much good and bad years move every rep together.")
    cfg["early_churn_share"] = s5.slider("Bookings churning in the clawback window", 0.0, 0.5,
                                         float(cfg["early_churn_share"]), 0.01, format="percent")
    qs.set_sim_config(cfg)
    return cfg


def _simulate(ctx: QuotaContext, plans: dict, cfg: dict) -> CompSimResult | None:
    """The simulation for these inputs (kept, shared, run here, or as a job for a large one); None while a job
    has not finished or when the plans cannot be simulated (the message is shown)."""
    result, user = ctx.result, ctx.user
    try:
        sim = qs.simulation(result, plans, cfg, run=False)
        store_ = qs.store_or_none() if sim is None and cfg["n_draws"] > CHUNK_DRAWS else None
        if store_ is not None:  # large: a job in chunks (ui.jobs.comp_sim_job), kept for these inputs when done
            sim = comp_sim_job(store_, result, plans, cfg, ctx.view.dataset,
                               current_user(user.email if user.source == "oidc" else None), as_user=user)
            if not isinstance(sim, CompSimResult):
                return None
            qs.keep_simulation(result, plans, cfg, sim)
        return sim or qs.run_simulation_with_progress(result, plans, cfg)
    except CompPlanError as exc:
        st.error(f"Simulation not run: {md_escape(exc)}")
        return None


def simulation_for_export(ctx: QuotaContext) -> tuple[CompSimResult, str] | None:
    """The simulation the exports carry (the session's plans and simulation settings) and its key, run here when
    none is kept; None when it cannot run here (a large one runs as a job on the cost section)."""
    plans, cfg = qs.comp_plans(), qs.sim_config()
    try:
        sim = qs.simulation(ctx.result, plans, cfg, run=cfg["n_draws"] <= CHUNK_DRAWS)
    except CompPlanError as exc:
        st.error(f"Simulation not run: {md_escape(exc)}")
        return None
    return (sim, qs.sim_key(ctx.result, plans, cfg)) if sim is not None else None


def _cost(ctx: QuotaContext, plans: dict) -> tuple[CompSimResult, dict, str] | None:
    """The cost simulation's settings, figures and charts → (simulation, its settings, its key) or None."""
    cfg = _sim_settings()
    sim = _simulate(ctx, plans, cfg)
    if sim is None:
        return None
    skey = qs.sim_key(ctx.result, plans, cfg)
    sv = qr.sim_view(skey, ctx.user, sim)
    ss = sv["summary"]
    k = st.columns(3) + st.columns(3)  # two rows: five in one cut "Comp cost (variab…" at 1,280 px
    k[0].metric(figure("comp_cost_usd").label, usd(sv["comp_cost"]),
                help=f"{figure_help('comp_cost_usd')} 1 in 10 years below {usd(ss.loc['Total variable cost', 'P10'])}, "
                     f"1 in 10 above {usd(ss.loc['Total variable cost', 'P90'])}.")
    k[1].metric("Cost of sales (variable)", pct(ss.loc["Cost of sales (variable ÷ bookings)", "mean"], 1))
    k[2].metric("Cost of sales (total comp)", pct(ss.loc["Cost of sales (total comp ÷ bookings)", "mean"], 1))
    k[3].metric("Reps at or above quota", pct(ss.loc["Reps at or above quota", "mean"]))
    k[4].metric("Chance of reaching target", pct(sv["probability"]),
                help="Share of the simulated years whose bookings reach the finance bookings target.")
    h1, h2 = st.columns(2)
    draw(sv["variable_cost"], h1)
    draw(sv["sensitivity_chart"], h2)
    show_prepared(sv["display"], key="q_summary")
    model = DISTRIBUTION_WORDS[sv["distribution"]].lower()
    st.caption(f"{sv['n_draws']:,} draws · seed {sv['seed']} · {model} · {sv['seconds']:.2f} s · "
               "attainment: " + "; ".join(f"{s} mean {r['mean']:.0%} sd {r['sd']:.0%} ({r['source']})"
                                          for s, r in sv["params"].iterrows()))
    return sim, cfg, skey


def _variants(ctx: QuotaContext, plans: dict, cfg: dict, skey: str) -> None:
    st.subheader("Compare plan variants")
    vs = qs.variants()
    v1, v2 = st.columns([2, 1])  # the button's label fits beside the name at 1,280 px
    vname = v1.text_input("Variant name", value=f"Variant {len(vs) + 1}")
    if v2.button("Keep current plans as a variant"):
        vs[vname] = plans_to_dict(plans)
    if not vs:
        st.caption("Keep the current plans as a variant, change them on the comp plans tab, and the variants "
                   "appear here side by side.")
        return
    variant_sets = {"Current plans": plans, **{name: plans_from_dict(d) for name, d in vs.items()}}
    key = qs._digest({name: plans_to_dict(p) for name, p in variant_sets.items()})
    with st.spinner("Simulating each variant on the same draws…"):
        cmp_ = qr.variants(skey, key, ctx.user, ctx.view, ctx.result, variant_sets, json.dumps(cfg, sort_keys=True))
    show_table(cmp_, key="q_variants")
    if st.button("Clear variants"):
        vs.clear()
        st.rerun(scope="fragment")


# ------------------------------------------------------------------------------------------- save and export
def save_and_export_section(ctx: QuotaContext) -> None:
    """Saving and loading quota settings and comp plans (with a plan store), and the downloads."""
    settings, plans = ctx.result.settings, qs.comp_plans()
    store = qs.store_or_none()
    if store is not None:
        l1, l2 = st.columns(2)
        with l1:
            name = st.text_input("Scenario name", value=f"{ctx.plan.name} – {settings.method}")
            note = st.text_input("Note", value="")
            b1, b2 = st.columns(2)
            if b1.button("Save quota settings"):
                v = store.save_scenario("quota", name, settings.to_dict(), note=note)
                st.success(f"Saved quota settings '{md_escape(name)}' (version {v.version}).")
            if b2.button("Save comp plans"):
                v = store.save_scenario("comp", name, plans_to_dict(plans), note=note)
                st.success(f"Saved comp plans '{md_escape(name)}' (version {v.version}).")
        with l2:
            _load(store)
    kept = simulation_for_export(ctx)
    if kept is None:
        st.info("The workbook carries the cost simulation: run it on the cost simulation tab first.")
        return
    sim, skey = kept
    sheets = qr.export_sheets(ctx.qkey, skey, ctx.user, ctx.result, plans, sim)
    x1, x2, x3 = st.columns(3)
    with x1:
        download_csv(sheets["quotas"], "Quota table (CSV)", "quotas.csv")
    with x2:
        download_csv(sheets["rep_plans"], "Per-rep plan summaries (CSV)", "rep_plans.csv")
    with x3:
        download_excel(sheets["workbook"], "Quota and comp workbook (Excel)", "quota_and_comp.xlsx")


def _load(store) -> None:
    for kind in ("quota", "comp"):
        saved = store.list_scenarios(kind)
        if len(saved):
            pick = st.selectbox(f"Saved {kind} scenarios", saved["name"].tolist(), key=f"load_{kind}")
            if st.button(f"Load {kind} scenario"):
                data = store.load_scenario(kind, pick)
                try:
                    if kind == "quota":
                        qs.set_quota_settings(QuotaSettings.from_dict(data))
                        qs.reset_widgets("qw_")
                    else:
                        qs.set_comp_plans(plans_from_dict(data))
                        qs.reset_widgets("cp_")
                    st.rerun()
                except (QuotaError, CompPlanError) as exc:
                    st.error(f"Not loaded: {md_escape(exc)}")
