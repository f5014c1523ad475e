"""The Capacity Scenarios page's reports, computed once per (dataset version, scenario, user) and shared by every
session: the scenario's run and sensitivity, the headline, the tables, the export and the charts' Vega-Lite specs.
A rerun with the same inputs reads them from the cache; nothing here draws.

Every cached function takes the user: what the core's views cut (costs, quotas) differs by role, so one user's
figures never reach another's page.  A scenario is keyed by its JSON (``json.dumps(sc.to_dict(), sort_keys=True)``)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from optimizers.headcount import optimize_hiring, proportional_allocation
from planning.capacity import (CapacityScenario, ScenarioError, capacity_targets, compare_amounts, compare_table,
                               derived_target_note, export_sheets, left_out_note,
                               headline, hiring_export, monthly_view, people_view, run_scenario, segment_view,
                               support_view, tornado, tornado_view)
from ui import capacity_charts as charts
from ui import sample_entries
from ui.tables import prepare_table


def scenario_json(sc: CapacityScenario) -> str:
    """The cache key of a scenario."""
    return json.dumps(sc.to_dict(), sort_keys=True)


def _kept(name: str, ver: str, user, choice: tuple, build):
    """``build()``, kept across server processes on the sample (ui.sample_entries) for the user's scope (None: the
    same for every user) and ``choice`` (a scenario's JSON is named by its digest)."""
    scope = sample_entries.scope_of(user) if user is not None else ()
    named = tuple(hashlib.sha1(c.encode()).hexdigest()[:16] if isinstance(c, str) and len(c) > 40 else c
                  for c in choice)
    return sample_entries.kept("capacity", name, ver, scope, named, build)


@st.cache_data(show_spinner=False, max_entries=16)
def default_scenario(ver: str, user, _view) -> dict:
    """The scenario a session starts from (``_view.capacity_scenario()``, pre-filled from the whole company's
    data), as a dict; company-wide, so only for a user who may see the company (the view refuses the others)."""
    return _kept("default scenario", ver, user, (), lambda: _view.capacity_scenario().to_dict())


@st.cache_data(show_spinner=False, max_entries=16)
def target_note(sc_json: str, ver: str, user, _dataset) -> str:
    """The sentence saying which of the scenario's segment targets are derived from today's team, and how (empty
    when the targets file sets them or the user typed them).  ``_dataset``: the user's scoped data of ``ver``."""
    return _kept("target note", ver, user, (sc_json,), lambda: derived_target_note(
        capacity_targets(_dataset), CapacityScenario.from_dict(json.loads(sc_json))))


@st.cache_data(show_spinner=False, max_entries=16)
def scope_note(ver: str, user, _dataset) -> str:
    """The quota carriers the capacity plan cannot count, named (planning.capacity.left_out_note); empty if none."""
    return left_out_note(_dataset)


@st.cache_data(show_spinner=False, max_entries=64)
def run(sc_json: str, ver: str):
    """The scenario's month-by-month run (planning.capacity.run_scenario)."""
    return run_scenario(CapacityScenario.from_dict(json.loads(sc_json)))


@st.cache_data(show_spinner=False, max_entries=64)
def sensitivity(sc_json: str, ver: str) -> pd.DataFrame:
    """The tornado: expected bookings with each driver 10% lower and higher."""
    return tornado(CapacityScenario.from_dict(json.loads(sc_json)))


@st.cache_data(show_spinner=False, max_entries=64)
def people(sc_json: str, ver: str) -> tuple:
    """The quota carriers at the start of the plan (planning.capacity.people_view), prepared for show_prepared."""
    return _kept("people", ver, None, (sc_json,),
                 lambda: prepare_table(people_view(CapacityScenario.from_dict(json.loads(sc_json)))))


@dataclass(frozen=True)
class Overview:
    """Everything the page shows of one scenario, as ``user`` may see it (except the monthly charts); the tables
    prepared for ui.tables.show_prepared."""
    metrics: list
    notes: list[str]
    summary: dict
    segments: tuple
    support: tuple
    lenses: dict
    tornado: dict
    hiring: pd.DataFrame
    sheets: dict[str, pd.DataFrame]


@st.cache_data(show_spinner=False, max_entries=64)
def overview(sc_json: str, ver: str, user) -> Overview:
    """What the page shows of the scenario (but the monthly charts), as ``user`` may see it."""
    return _kept("overview", ver, user, (sc_json,), lambda: _overview(sc_json, ver, user))


def _overview(sc_json: str, ver: str, user) -> Overview:
    res = run(sc_json, ver)
    seg = segment_view(res, user)
    tor = tornado_view(sensitivity(sc_json, ver), user)
    return Overview(metrics=headline(res, user), notes=list(res.notes), summary=dict(res.summary()),
                    segments=prepare_table(seg), support=prepare_table(support_view(res, user)),
                    lenses=charts.lenses(seg), tornado=charts.tornado(tor),
                    hiring=hiring_export(res, user), sheets=export_sheets(res, tor, user))


@st.cache_data(show_spinner=False, max_entries=128)
def monthly(sc_json: str, ver: str, user, view: str | None, show_cost: bool) -> dict[str, dict]:
    """The monthly charts' specs for all segments (``view`` None) or one: capacity, cumulative, hires, headcount
    and (for those who may see costs) cost."""
    return _kept("monthly", ver, user, (sc_json, view, show_cost),
                 lambda: _monthly(sc_json, ver, user, view, show_cost))


def _monthly(sc_json: str, ver: str, user, view: str | None, show_cost: bool) -> dict[str, dict]:
    res = run(sc_json, ver)
    mon = monthly_view(res, user, view)
    title = view or "All segments"
    out = {"capacity": charts.capacity_vs_target(mon, title), "cumulative": charts.cumulative(mon),
           "hires": charts.hires(mon), "headcount": charts.headcount(res.monthly)}
    if show_cost:
        out["cost"] = charts.cost_by_month(mon, title)
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def comparison(payloads: tuple[tuple[str, str], ...], ver: str, user) -> tuple[tuple, dict, list]:
    """Scenarios side by side: (the table as people read it, prepared for ui.tables.show_prepared, the chart's
    spec, (name, problem) per unusable scenario); ``payloads`` is (name, scenario JSON) in the order chosen."""
    summaries, problems = {}, []
    for name, sc_json in payloads:
        try:
            summaries[name] = run(sc_json, ver).summary()
        except ScenarioError as exc:
            problems.append((name, str(exc)))
    table = prepare_table(compare_table(summaries, user), {n: st.column_config.Column(n) for n in summaries})
    return table, charts.compare(compare_amounts(summaries, user)), problems


@st.cache_data(show_spinner=False, max_entries=16)
def optimize(sc_json: str, ver: str, objective: str, budget, cap, pipeline_cap: bool):
    """The optimal hiring plan (optimizers.headcount) and, when maximising bookings, what a split proportional to
    targets books within the same limits."""
    sc = CapacityScenario.from_dict(json.loads(sc_json))
    res = optimize_hiring(sc, objective=objective, budget_usd=budget, max_headcount=cap,
                          cap_at_pipeline=pipeline_cap, time_limit=20)
    prop = None
    if res.ok and objective == "max_bookings":
        prop = proportional_allocation(sc, budget_usd=budget, max_headcount=cap, cap_at_pipeline=pipeline_cap)[1]
    return res, prop
