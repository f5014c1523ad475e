"""Session state and caches shared by the Quota and Comp page and the Finance page.

Quota settings and comp plans live in session state (as dicts, so they can be saved to the
plan store as they are).  Quotas are cached on (dataset version, user, plan fingerprint, settings);
a simulation is kept with the hash of its inputs and only re-run when they change.

Data, plans, quotas and the cost simulation come through the scoped accessor (:func:`view`): a manager's quotas
are their team's, and the simulation needs view_comp.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable

import pandas as pd
import streamlit as st

from planning.compensation import (CompPlan, CompSimResult, QuotaResult, QuotaSettings, default_plans, plans_from_dict,
                                   plans_to_dict)
from planning.plans import Plan
from ui import sample_entries, scoped, state
from ui.plain import md_escape

_SETTINGS, _PLANS, _PLAN_NAME, _SIM, _SIMCFG, _VARIANTS = (
    "quota.settings", "comp.plans", "quota.plan_name", "comp.sim", "comp.sim_config", "comp.variants")


def view():
    """The scoped accessor for these pages (:func:`ui.scoped.view`); without a plan store the pages still work,
    keeping their scenarios in the session."""
    return scoped.view(store_optional=True)


def _digest(obj) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


_FINGERPRINTS: dict[int, tuple[Plan, str]] = {}  # id(plan) → (plan, fingerprint): a plan hashed once, not per call


def plan_fingerprint(plan: Plan) -> str:
    """Changes whenever the plan's assignment or territories change (plans are not changed in place)."""
    kept = _FINGERPRINTS.get(id(plan))
    if kept is not None and kept[0] is plan:
        return kept[1]
    h = pd.util.hash_pandas_object(plan.assignment, index=True).sum()
    t = pd.util.hash_pandas_object(plan.territories.astype(str), index=True).sum()
    fp = f"{plan.name}:{int(h)}:{int(t)}"
    if len(_FINGERPRINTS) >= 64:
        _FINGERPRINTS.clear()
    _FINGERPRINTS[id(plan)] = (plan, fp)
    return fp


def _in_review(store, refs) -> int | None:
    """Index of the first saved plan whose latest version waits in review (None when none does)."""
    from planning.plans import statuses

    saved = [r.name for r in refs if r.source == "saved"]
    try:
        st_ = statuses(store, saved) if saved and store is not None else {}
    except Exception:  # the review tables cannot be read: no default from them
        return None
    return next((i for i, r in enumerate(refs) if r.source == "saved" and r.name in st_
                 and st_[r.name].state == "in_review"), None)


def _options(session: dict) -> tuple[list, int | None, object]:
    """(plans on offer, the working plan's index or None, the store)."""
    from planning.plans import PlanRef, available_plans
    from ui import working_plan

    try:
        store = scoped.view().store  # raises when the store cannot be opened
        # plans made on another dataset are left out: quotas are set on this data's accounts
        refs, _problem = available_plans(session, store, scoped.view().fit_check)
        refs = [r for r in refs if r.usable]
    except Exception:  # no store: this session's plans only
        store, refs = None, [PlanRef("session", n) for n in session]
    refs, working = working_plan.first_working(refs)
    return refs, working, store


def plan_options() -> tuple[list, int, object]:
    """(plans on offer, the default's index, the store): today's plan, this session's runs and the saved plans the
    user may see; the default is the working plan (sidebar), else the plan waiting in review, else today's."""
    refs, working, store = _options(state.session_plans())
    default = working if working is not None else _in_review(store, refs)
    return refs, default or 0, store


def selected_plan() -> Plan:
    """The plan chosen for quotas, shared by both pages: finance sets quotas on the plan under review.  The review
    states are read only to choose the first default, not on every rerun."""
    session = state.session_plans()
    refs, working, store = _options(session)
    labels = [r.label for r in refs]
    if st.session_state.get(_PLAN_NAME) not in labels:
        default = working if working is not None else _in_review(store, refs)
        st.session_state[_PLAN_NAME] = labels[default or 0]
    label = st.selectbox("Plan to set quotas on", labels, key=_PLAN_NAME,
                         help="Today's CRM ownership, a run of this session, or a saved plan. It starts on the "
                              "working plan (sidebar), else on the plan waiting in review.")
    ref = refs[labels.index(label)]
    try:
        return ref.load(session, store)
    except Exception as exc:  # a saved plan that cannot be read: say so and use today's plan
        st.error(f"Could not load {label}: {md_escape(exc)}. Showing today's plan.")
        return session[refs[0].name]


def quota_settings() -> QuotaSettings:
    return QuotaSettings.from_dict(st.session_state.get(_SETTINGS) or {})


def set_quota_settings(settings: QuotaSettings) -> None:
    st.session_state[_SETTINGS] = settings.to_dict()


def comp_plans() -> dict[str, CompPlan]:
    ds = view().dataset
    if _PLANS not in st.session_state:
        st.session_state[_PLANS] = plans_to_dict(default_plans(defaults=ds.settings))
    return plans_from_dict(st.session_state[_PLANS])


def set_comp_plans(plans: dict[str, CompPlan]) -> None:
    st.session_state[_PLANS] = plans_to_dict(plans)


def variants() -> dict[str, dict]:
    """Named comp-plan sets saved in this session for side-by-side comparison (name → plans dict)."""
    return st.session_state.setdefault(_VARIANTS, {})


@st.cache_data(show_spinner="Setting quotas…", max_entries=32)
def _quota(version: str, who, fingerprint: str, settings_json: str, _plan: Plan, _view) -> QuotaResult:
    # ``who`` (the user) is part of the cache key: a manager's result holds their team's territories only; on the
    # sample the result is kept on disk for that scope (ui.sample_entries), for a later server process
    return sample_entries.kept("quota", "quotas", version, sample_entries.scope_of(who),
                               (_digest([fingerprint, settings_json]),),
                               lambda: _view.quota(_plan, QuotaSettings.from_dict(json.loads(settings_json))))


def key_version(key: str) -> str:
    """The dataset version a :func:`sim_key` or ui.quota_reports.quota_key names (what ui.sample_entries keeps)."""
    return key.split("|", 1)[0]


def quota_result(plan: Plan, settings: QuotaSettings | None = None) -> QuotaResult:
    """Quotas for ``plan`` as the user may see them (cached on the data version, the user, the plan and the
    settings)."""
    s = settings or quota_settings()
    v = view()
    return _quota(state.dataset_version(), v.user, plan_fingerprint(plan), json.dumps(s.to_dict(), sort_keys=True),
                  plan, v)


def sim_config_default(settings=None) -> dict:
    """The cost simulation's settings until the user changes them (``settings``: the dataset's, default the
    session's)."""
    p = (settings or view().dataset.settings).planning
    return {"n_draws": p.comp_simulation_draws, "seed": 7, "distribution": "normal",
            "correlation": p.attainment_correlation, "early_churn_share": 0.0}


def sim_config() -> dict:
    return {**sim_config_default(), **st.session_state.get(_SIMCFG, {})}


def set_sim_config(cfg: dict) -> None:
    st.session_state[_SIMCFG] = dict(cfg)


def sim_key(result: QuotaResult, plans: dict[str, CompPlan], cfg: dict, version: str | None = None) -> str:
    """What a simulation depends on (data (``version``, default the session's), quotas, plans, settings)."""
    version = version or state.dataset_version()
    return f"{version}|" + _digest([version, result.plan_name, result.table["quota_usd"].round(2).tolist(),
                                    plans_to_dict(plans), cfg])


# Simulations shared by every session, keyed on (sim_key, user): a second session opening Finance on the same
# inputs reads the draws instead of drawing them again.  Read-only once made; the last few are kept.
_SHARED_SIMS: OrderedDict[tuple, CompSimResult] = OrderedDict()
_SHARED_MAX = 8
_SHARED_LOCK = threading.Lock()


def _shared(key: tuple, sim: CompSimResult | None = None) -> CompSimResult | None:
    with _SHARED_LOCK:
        if sim is not None:
            _SHARED_SIMS[key] = sim
            while len(_SHARED_SIMS) > _SHARED_MAX:
                _SHARED_SIMS.popitem(last=False)
        elif key in _SHARED_SIMS:
            _SHARED_SIMS.move_to_end(key)
        return _SHARED_SIMS.get(key)


def keep_simulation(result: QuotaResult, plans: dict[str, CompPlan], cfg: dict, sim: CompSimResult) -> None:
    """Keep a simulation run elsewhere (a job) as this session's result for these inputs."""
    key = sim_key(result, plans, cfg)
    st.session_state[_SIM] = (key, sim)
    _shared((key, view().user), sim)


def simulation(result: QuotaResult, plans: dict[str, CompPlan], cfg: dict | None = None, run: bool = True,
               progress: Callable[[float], None] | None = None) -> CompSimResult | None:
    """The simulation for these inputs: the kept one if the inputs are unchanged (this session's, else one another
    session of the same user made), else a new run (when ``run``)."""
    cfg = cfg or sim_config()
    key = sim_key(result, plans, cfg)
    kept = st.session_state.get(_SIM)
    if kept and kept[0] == key:
        return kept[1]
    sim = shared_simulation(key, view(), result, plans, cfg, progress, run)
    if sim is not None:
        st.session_state[_SIM] = (key, sim)
    return sim


_SIM_ENTRY = ("quota", "simulation")  # (page, name) of the simulations kept on disk (ui.sample_entries)


def shared_simulation(key: str, v, result: QuotaResult, plans: dict[str, CompPlan], cfg: dict,
                      progress: Callable[[float], None] | None = None, run: bool = True) -> CompSimResult | None:
    """The simulation named ``key`` (:func:`sim_key`) as ``v.user`` may see it, shared by every session: kept in
    this process, else (the sample) kept on disk for the user's scope by an earlier process, else run here when
    ``run`` and then kept in both."""
    sim = _shared((key, v.user))
    if sim is None:
        sim = sample_entries.peek(*_SIM_ENTRY, key_version(key), sample_entries.scope_of(v.user), (key,))
        if sim is not None:
            _shared((key, v.user), sim)
    if sim is not None or not run:
        return sim
    sim = v.comp_cost(plans, result, progress=progress, **cfg)
    _shared((key, v.user), sim)
    sample_entries.keep(*_SIM_ENTRY, key_version(key), sample_entries.scope_of(v.user), (key,), sim)
    return sim


def run_simulation_with_progress(result: QuotaResult, plans: dict[str, CompPlan], cfg: dict | None = None) -> CompSimResult:
    """Run (or reuse) the simulation, showing a progress bar while it runs."""
    cached = simulation(result, plans, cfg, run=False)
    if cached is not None:
        return cached
    bar = st.progress(0.0, text="Simulating plan years…")
    res = simulation(result, plans, cfg, progress=lambda f: bar.progress(min(f, 1.0), text=f"Simulating plan years… {f:.0%}"))
    bar.empty()
    return res


def store_or_none():
    """The plan store as the user sees it, or None when it cannot be opened (the page then keeps scenarios in
    session only)."""
    try:
        return scoped.view().store
    except Exception as exc:  # any driver/config problem: saving is optional, the page must still work
        st.caption(f"Plan store unavailable ({md_escape(exc)}); settings are kept for this session only.")
        return None


def rep_overrides_by_territory(result: QuotaResult) -> dict[str, float]:
    """The settings' rep-level overrides keyed by territory id (settings may key them by rep id)."""
    terr_of = {r: t for t, r in result.table["owner_rep_id"].dropna().items()}
    return {(k if k in result.table.index else terr_of.get(k, k)): float(v)
            for k, v in result.settings.rep_overrides.items()}


def widget_value(key: str, value):
    """Initialise a keyed widget from the settings once (so later reruns keep the user's value)."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def reset_widgets(prefix: str) -> None:
    """Forget keyed widgets (after loading a scenario or resetting) so they re-read the settings."""
    for k in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[k]
