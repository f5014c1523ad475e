"""Settings files and export sheets for quota and comp (shared by the CLI and the pages).

A quota settings file (YAML/TOML) has a ``quota`` section with :class:`~planning.compensation.quota.QuotaSettings`
fields.  A comp settings file adds ``plans`` (segment → :class:`~planning.compensation.comp_plan.CompPlan` fields) and
``simulation`` (draws, seed, distribution, correlation, early_churn_share, attainment overrides).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from planning.compensation.comp_plan import CompPlan, CompPlanError, default_plans, per_rep_plans, plan_table, plans_from_dict, plans_to_dict
from planning.compensation.cost_sim import DISTRIBUTIONS, CompSimResult
from planning.data.defaults import Settings, read_settings_file
from planning.compensation.coverage import QuotaResult, quota_export
from planning.compensation.quota_settings import QuotaError, QuotaSettings, settings_in_words

SIM_KEYS = {"draws", "seed", "distribution", "correlation", "early_churn_share", "attainment"}


def quota_template(defaults: Settings | None = None) -> dict[str, Any]:
    return {"quota": QuotaSettings().resolved(defaults).to_dict()}


def comp_template(defaults: Settings | None = None) -> dict[str, Any]:
    d = defaults or Settings()
    return {**quota_template(d), **plans_to_dict(default_plans(defaults=d)),
            "simulation": {"draws": d.planning.comp_simulation_draws, "seed": 7, "distribution": "normal",
                           "correlation": d.planning.attainment_correlation, "early_churn_share": 0.0,
                           "attainment": {}}}


def write_template(data: dict[str, Any], path: str | Path, header: str) -> Path:
    path = Path(path)
    text = "# " + header.replace("\n", "\n# ") + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def read_config(path: str | Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = read_settings_file(path)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise QuotaError(f"{path}: cannot read settings file ({exc})") from exc
    if not isinstance(data, dict):
        raise QuotaError(f"{path}: a settings file must be a mapping of sections (quota, plans, simulation)")
    return data


def quota_settings_from(config: dict[str, Any]) -> QuotaSettings:
    return QuotaSettings.from_dict(config.get("quota") or {})


def plans_from(config: dict[str, Any], defaults: Settings | None = None) -> dict[str, CompPlan]:
    """Plans of the config, falling back to the default plan for any segment not given."""
    plans = default_plans(defaults=defaults)
    if config.get("plans"):
        plans.update(plans_from_dict({"plans": config["plans"]}))
    return plans


def simulation_from(config: dict[str, Any]) -> dict[str, Any]:
    sim = dict(config.get("simulation") or {})
    unknown = set(sim) - SIM_KEYS
    if unknown:
        raise CompPlanError(f"simulation: unknown setting(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(SIM_KEYS))})")
    if sim.get("distribution", "normal") not in DISTRIBUTIONS:
        raise CompPlanError(f"simulation.distribution: {sim['distribution']!r} is not one of {', '.join(DISTRIBUTIONS)}")
    return sim


QUOTA_COLUMNS = ["territory_id", "name", "owner_rep_id", "rep_name", "status", "segment", "region", "manager_name",
                 "potential_usd", "capacity_factor", "full_year_quota_usd", "override_usd", "quota_usd", "share",
                 "quota_pct_potential", "flags"]


def quota_sheets(result: QuotaResult) -> dict[str, pd.DataFrame]:
    """Workbook sheets: quotas (with Q1–Q4), coverage by segment/region/manager/quarter, pools, settings."""
    sheets = {"Quotas": quota_export(result)}
    for by in ("segment", "region", "manager", "quarter"):
        sheets[f"Coverage by {by}"] = result.coverage(by)
    sheets["Pools"] = result.gaps
    sheets["Settings"] = settings_in_words(result.settings)
    return sheets


def comp_sheets(plans: dict[str, CompPlan], result: QuotaResult, sim: CompSimResult | None = None) -> dict[str, pd.DataFrame]:
    """Workbook sheets: plans, per-rep plan summaries, payout curves, and the simulation when given."""
    sheets = {"Comp plans": plan_table(plans), "Per-rep plans": per_rep_plans(plans, result.table),
              # a curve's attainment is the rep's, not the capacity plan's expected attainment the label registry
              # names "attainment"
              "Payout curves": pd.concat([p.payout_curve() for p in plans.values()], ignore_index=True).rename(
                  columns={"attainment": "rep_attainment"})}
    if sim is not None:
        sheets["Cost simulation"] = sim.summary()
        sheets["Bookings vs target"] = sim.bookings_vs_target()
        sheets["Per-rep payouts"] = sim.reps
        sheets["Accelerator sensitivity"] = sim.accelerator_sensitivity()
    return sheets


def labelled_sheets(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The sheets of an Excel export with labelled headers (planning.reporting.present); CSVs meant for re-import
    keep the canonical names."""
    from planning.reporting import present

    return {name: present(df) for name, df in sheets.items()}


def summary_for_display(sim: CompSimResult) -> pd.DataFrame:
    """The simulation summary for a person (the page and the CLI): each row's figures in its unit, money as $1.85M
    and fractions as % (display only; exports keep the numbers)."""
    from planning.reporting.formats import pct, usd

    df = sim.summary()
    out = df[["metric"]].copy()
    for src, col in (("mean", "average"), ("P10", "P10"), ("P50", "P50"), ("P90", "P90")):
        out[col] = [usd(v) if u == "USD" else pct(v, 1) for v, u in zip(df[src], df["unit"])]
    return out


def attainment_assumed(params: pd.DataFrame) -> pd.DataFrame:
    """The attainment spread the simulation assumed per segment (CompSimResult.params: mean, sd, source) under
    the registry's names, so it reads as percentages with its source."""
    return params.rename(columns={"mean": "mean_attainment", "sd": "attainment_sd", "source": "attainment_source"})
