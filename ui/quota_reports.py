"""What the Quota and Comp and Finance pages draw, computed once per input and shared by every session: the
quota tables and coverage, the payout curves, the simulation's figures, the export sheets and every chart's
Vega-Lite spec (ui.charts.spec).  A rerun with the same inputs reads them from the cache; nothing here draws.

Each function is keyed on strings that name its inputs completely (:func:`quota_key`, ``ui.quota_state.sim_key``,
the comp plans' JSON) and on the user: a manager's quota result holds their team only, so one user's figures never
reach another's page.  The objects behind the keys (the result, the simulation) are passed unhashed (``_`` names)."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from planning.compensation import (comp_sheets, labelled_sheets, summary_for_display, per_rep_plans, plan_table, plans_from_dict,
                                   plans_to_dict, quota_sheets)
from planning.reporting import figures as F
from ui import quota_charts as qc
from ui import quota_state as qs
from ui import sample_entries
from ui.tables import prepare_table

COVERAGE_BY = ("segment", "region", "manager", "quarter")
REP_COLUMNS = ["territory_id", "rep_name", "status", "segment", "region", "manager", "potential_usd",
               "capacity_factor", "full_year_quota_usd", "quota_usd", "quota_pct_potential", "flags"]


def quota_key(plan, settings, version: str | None = None) -> str:
    """Names a quota result: the dataset (``version``, default the session's), the plan's content and the settings
    (overrides included)."""
    from ui import state

    version = version or state.dataset_version()
    return f"{version}|" + qs._digest([version, qs.plan_fingerprint(plan), json.dumps(settings.to_dict(), sort_keys=True)])


def _kept(name: str, keys: tuple[str, ...], user, build):
    """``build()``, kept across server processes on the sample (ui.sample_entries) for the user's scope, named by the
    entry's keys (the first a :func:`quota_key` or ``sim_key``, which start with the dataset version)."""
    return sample_entries.kept("quota", name, qs.key_version(keys[0]), sample_entries.scope_of(user),
                               (qs._digest(keys),), build)


def plans_json(plans: dict) -> str:
    return json.dumps(plans_to_dict(plans), sort_keys=True, default=str)


@st.cache_data(show_spinner=False, max_entries=32)
def quota_view(qkey: str, user, _plan, _result) -> dict:
    """The Quota and Comp page's quota part: the summary, the per-rep editor frame (overrides as typed), the
    managers' frame, coverage by segment, region, manager and quarter with their charts, the gaps, the fairness
    chart."""
    return _kept("quota view", (qkey,), user, lambda: _quota_view(_plan, _result))


def _quota_view(plan, result) -> dict:
    reps = result.table.reset_index()[REP_COLUMNS]
    reps.insert(reps.columns.get_loc("quota_usd"), "override_usd",
                reps["territory_id"].map(qs.rep_overrides_by_territory(result)))
    mgr = result.table.groupby("manager_id").agg(manager_name=("manager_name", "first"),
                                                 quota_usd=("quota_usd", "sum")).reset_index()
    mgr["override_usd"] = mgr["manager_id"].map(result.settings.manager_overrides)
    band = result.settings.coverage_band
    coverage = {by: result.coverage(by) for by in COVERAGE_BY}
    return {"summary": dict(result.summary()), "quota_reps": F.quota_reps(plan), "reps": reps, "managers": mgr,
            "coverage": {by: prepare_table(cov) for by, cov in coverage.items()},
            "coverage_specs": {by: qc.spec(qc.coverage_bars(cov, by, band)) for by, cov in coverage.items()},
            "gaps": prepare_table(result.gaps) if result.unallocated_usd and abs(result.unallocated_usd) > 1 else None,
            "fairness": qc.spec(qc.fairness_scatter(result.table))}


@st.cache_data(show_spinner=False, max_entries=64)
def payout_view(plans_key: str, version: str) -> dict:
    """The comp plans' payout curves (spec), their payout at 50–200% attainment (wide) and the plans' table, both
    prepared for ui.tables.show_prepared.  The same for every user; kept on disk when ``version`` is the sample's
    (the plans a session starts from are the sample's planning defaults)."""
    return sample_entries.kept("quota", "payouts", version, (), (qs._digest(plans_key),),
                               lambda: _payout_view(plans_key))


def _payout_view(plans_key: str) -> dict:
    plans = plans_from_dict(json.loads(plans_key))
    curves = pd.concat([pl.payout_curve(max_attainment=2.0, step=0.05) for pl in plans.values()], ignore_index=True)
    points = curves.loc[curves["attainment"].round(2).isin([0.5, 0.8, 1.0, 1.2, 1.5, 2.0])]
    wide = points.pivot_table(index="attainment", columns="plan", values="payout_usd").reset_index()
    points_config = {"attainment": st.column_config.NumberColumn("Attainment", format="percent"),
                     **{pl.name: st.column_config.NumberColumn(f"{pl.name} payout", format="dollar", step=1)
                        for pl in plans.values()}}
    return {"curves": qc.spec(qc.payout_curves(curves)), "points": prepare_table(wide, points_config),
            "table": prepare_table(plan_table(plans))}


def _sim_figures(sim) -> dict:
    ss = sim.summary().set_index("metric")
    sens, bvt = sim.accelerator_sensitivity(), sim.bookings_vs_target()
    return {"summary": ss, "display": prepare_table(summary_for_display(sim)),
            "probability": sim.probability_of_target(), "comp_cost": F.comp_cost(sim), "bvt": bvt,
            "bvt_table": prepare_table(bvt), "n_draws": sim.n_draws, "seed": sim.seed,
            "distribution": sim.distribution, "seconds": sim.seconds, "params": sim.params,
            "reps_simulated": len(sim.reps), "sensitivity": sens, "sensitivity_table": prepare_table(sens)}


@st.cache_data(show_spinner=False, max_entries=32)
def sim_view(skey: str, user, _sim) -> dict:
    """The Quota and Comp page's simulation part: figures, the summary, the cost histogram and the accelerator
    sensitivity (specs)."""
    return _kept("simulation view", (skey,), user, lambda: _sim_view(_sim))


def _sim_view(sim) -> dict:
    out = _sim_figures(sim)
    out["variable_cost"] = qc.spec(qc.distribution(sim.total_variable_cost, "Total variable cost",
                                                   "Variable cost (USD)"))
    out["sensitivity_chart"] = qc.spec(qc.sensitivity(out["sensitivity"]))
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def finance_view(qkey: str, skey: str, user, _plan, _result, _sim) -> dict:
    """The Finance page: quota figures, coverage and its problems, the simulation's figures and every chart."""
    return _kept("finance view", (qkey, skey), user, lambda: _finance_view(_plan, _result, _sim))


def _finance_view(plan, result, sim) -> dict:
    band = result.settings.coverage_band
    coverage = {by: result.coverage(by) for by in ("segment", "region", "quarter")}
    problems = result.outside_band(coverage)  # the page names the band: result.band_words()
    out = _sim_figures(sim)
    out.update(quota=dict(result.summary()), quota_reps=F.quota_reps(plan), problems=problems,
               coverage={by: prepare_table(cov) for by, cov in coverage.items()},
               quota_vs_target={by: qc.spec(qc.quota_vs_target(cov, by)) for by, cov in coverage.items()},
               coverage_specs={by: qc.spec(qc.coverage_bars(cov, by, band)) for by, cov in coverage.items()})
    out["charts"] = {
        "variable_cost": qc.spec(qc.distribution(sim.total_variable_cost, "Payout cost (total variable comp)",
                                                 "Variable comp (USD)")),
        "cost_of_sales": qc.spec(qc.distribution(sim.total_cost_of_sales, "Cost of sales (total comp ÷ bookings)",
                                                 "Cost of sales", fmt=".1%")),
        "bvt": qc.spec(qc.bookings_percentiles(out["bvt"])),
        "bookings": qc.spec(qc.distribution(sim.bookings, "Company bookings", "Bookings (USD)",
                                            reference=sim.target_usd)),
        "sensitivity": qc.spec(qc.sensitivity(out["sensitivity"]))}
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def export_sheets(qkey: str, skey: str, user, _result, _plans, _sim) -> dict:
    """The downloads: the quota table (CSV), per-rep plan summaries (CSV), and the labelled workbook's sheets."""
    return _kept("export sheets", (qkey, skey), user, lambda: _export_sheets(_result, _plans, _sim))


def _export_sheets(result, plans, sim) -> dict:
    quotas = quota_sheets(result)
    return {"quotas": quotas["Quotas"], "rep_plans": per_rep_plans(plans, result.table),
            "workbook": labelled_sheets({**quotas, **comp_sheets(plans, result, sim)})}


@st.cache_data(show_spinner=False, max_entries=16)
def variants(skey: str, variants_key: str, user, _view, _result, _sets, cfg_json: str) -> pd.DataFrame:
    """Comp-plan variants simulated on the same draws (ScopedView.compare_variants)."""
    return _view.compare_variants(_sets, _result, **json.loads(cfg_json))
