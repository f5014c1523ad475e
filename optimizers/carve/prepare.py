"""From accounts and reps to a :class:`~optimizers.carve.model.Problem`: territories and their homes, units, locks and
pins, rules and candidates (the domain's own parts in :mod:`planning.plans`: ``carve_territories``,
``carving_units``, ``eligibility``), targets and bands, and the cost of every unit–territory pair."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimizers.carve.band_cost import SOFT_TIERS
from optimizers.carve.candidates import prune
from optimizers.carve.contiguity_stage import NO_CONTIGUITY, ContiguityStage
from optimizers.carve.model import Problem
from optimizers.carve.pricing import start_mask
from optimizers.carve.settings import CarveSettings
from planning.data import Settings
from planning.plans.carve_territories import build_territories, fixed_units, territory_homes
from planning.plans.carving_units import build_units
from planning.plans.eligibility import eligibility, segment_fallback


def prepared(cs: CarveSettings, inputs, k: int | None, contiguity: ContiguityStage = NO_CONTIGUITY):
    """Units, territories, candidates, targets and costs as a :class:`Problem` (+ context).  Soft mode over
    lists widened past the settings' own: the LP starts from each unit's ``candidates`` cheapest pairs and prices
    the others in as they pay (:mod:`optimizers.carve.pricing` says why not in hard mode)."""
    p, ctx = prepare(cs, inputs.defaults, inputs.accounts, inputs.reps, inputs.plan_year, inputs.as_of, k)
    return _with_graph_and_start(cs, p, ctx, k, contiguity), ctx


def _with_graph_and_start(cs: CarveSettings, p: Problem, ctx: dict, k: int | None,
                          contiguity: ContiguityStage) -> Problem:
    """``p`` with the contiguity stage's unit graph, and in soft mode over lists longer than the settings' own the
    pricing's start; the cuts name pair columns of the whole model: no pricing (a model of some columns only) under
    them."""
    p = contiguity.with_graph(cs, p, ctx)
    if cs.column_generation and cs.mode == "soft" and k is not None and k > cs.candidates and p.conn is None:
        p = dataclasses.replace(p, lp_start=start_mask(p, cs.candidates))
    return p


def part_prepared(cs: CarveSettings, inputs, ctx: dict, p: Problem, k: int, terrs: np.ndarray,
                  units: np.ndarray, contiguity: ContiguityStage = NO_CONTIGUITY) -> Problem | None:
    """``p`` (prepared at fewer candidates) with ``k`` candidates per unit for the units ``units`` of the part on
    territories ``terrs`` and every other unit those territories may take (so a caller sees whether the part would
    take units of another over the longer lists), the pairs of every other unit left out: the pairs, their costs and
    the pricing start exactly as :func:`prepared` at ``k`` gives them, in memory of the part's size (the whole at
    160 candidates was 80 M pairs and 8.4 GB in the driver at 500,000 × 2,500, for one part of 2.7 M pairs).
    None when only the whole can be built again: a fewest-moves objective scales travel by all units' pairs."""
    if cs.objective != "cost":
        return None
    elig, ufr, terr = ctx["elig"], ctx["units"].frame, ctx["terr"]
    rows = np.unique(np.concatenate([units, *(elig.units_of(int(t)) for t in terrs)]))
    cur, ua = ctx["cur"], ctx["units"].of_account
    cand = prune(elig, ufr["lat"].to_numpy(), ufr["lon"].to_numpy(), terr["home_lat"].to_numpy(float),
                 terr["home_lon"].to_numpy(float), k, (ua[cur >= 0], cur[cur >= 0]), ctx["fixed"], ctx["fallback"],
                 cs.reverse_candidates, rows=rows, terrs=np.asarray(terrs))
    c = pair_costs(cs, ctx["acc"], ctx["units"], cand, cur, ctx["pinned_acc"], inputs.as_of, p.n_terr)
    q = dataclasses.replace(p, cand=cand, pair_cost=c["pair_cost"], pair_moves=c["moved_cnt"],
                            pair_arr_moved=c["moved_arr"], lp_start=None, conn=None)
    return _with_graph_and_start(cs, q, ctx, k, contiguity)


def prepare(cs: CarveSettings, d: Settings, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of: pd.Timestamp,
            k: int | None = None):
    """Units, territories, candidates, targets and costs as a :class:`Problem` (+ context for reporting)."""
    acc = accounts.reset_index(drop=True)
    terr = build_territories(reps, cs.excluded_reps, cs.extra_territories, plan_year, d)
    if terr.empty:
        raise ValueError("no territories to carve into: every quota-carrying rep is excluded")
    t_of = {t: i for i, t in enumerate(terr.index)}
    units = build_units(acc, cs.units or "account", cs.keep_families)
    ua = units.of_account
    # current territory of each account (−1: no owner, or owner excluded / not a quota rep)
    cur = ("T-" + acc["owner_rep_id"].astype("string")).map(t_of).fillna(-1).astype(int).to_numpy()
    warnings: list[str] = []
    if unknown := sorted(set(map(str, cs.excluded_reps)) - set(reps["rep_id"].astype(str))):
        warnings.append(f"exclude ignored: unknown rep(s) {', '.join(unknown[:5])}")
    terr["home_lat"], terr["home_lon"] = territory_homes(cs.distance_to, acc, terr, cur)
    fixed, pinned_acc = fixed_units(cs.respect_locks, cs.pins, acc, ua, cur, t_of, len(units), warnings)
    # rules → eligibility, then prune
    elig = eligibility(units.frame, ua, acc, terr, cs.match_segment, cs.match_region, cs.industry_rules,
                       {k: tuple(v) if v else v for k, v in cs.employee_bands.items()})
    keep = (ua[cur >= 0], cur[cur >= 0])  # current owners' pairs (never a dense units × territories matrix)
    fallback = segment_fallback(units.frame, terr) if cs.mode == "soft" else None
    cand = prune(elig, units.frame["lat"].to_numpy(), units.frame["lon"].to_numpy(), terr["home_lat"].to_numpy(float),
                 terr["home_lon"].to_numpy(float), k or cs.candidates, keep, fixed, fallback, cs.reverse_candidates)
    if cs.mode == "soft" and len(cand.orphans):
        warnings.append(f"{len(cand.orphans)} unit(s) had no territory under the rules; they went to the nearest "
                        f"territory of their segment anyway (rule broken, see warnings in the moves list)")
    mnames = list(cs.metrics)
    um, n_acc, target, groups, avg_acc = targets(cs, acc, terr, units, mnames)
    tol = np.array([cs.tol(m) for m in mnames])
    c = pair_costs(cs, acc, units, cand, cur, pinned_acc, as_of, len(terr))
    p = Problem(cand=cand, metric_names=mnames, unit_metrics=um, unit_accounts=n_acc, lo=target * (1 - tol),
                hi=target * (1 + tol), target=target, pair_cost=c["pair_cost"], pair_moves=c["moved_cnt"],
                pair_arr_moved=c["moved_arr"], soft=cs.mode == "soft", soft_tiers=SOFT_TIERS if cs.mode == "soft" else (),
                penalty=penalties(cs, target, groups, ua, c["move_cost"], avg_acc, mnames),
                max_accounts=account_caps(cs, terr, d), max_moves=cs.max_moves, max_arr_moved=cs.max_arr_moved)
    ctx = dict(acc=acc, terr=terr, units=units, cur=cur, pinned_acc=pinned_acc, warnings=warnings,
               elig=elig, fixed=fixed, fallback=fallback, tol={m: cs.tol(m) for m in mnames},
               objective_scale=(c["mean_arr"] if cs.objective == "arr_moved" else 1.0), tiebreak=c["tiebreak"])
    return p, ctx


def targets(cs: CarveSettings, acc: pd.DataFrame, terr: pd.DataFrame, units, mnames: list[str]):
    """Unit metrics, accounts per unit, and each territory's target per metric within its comparable group (same
    segment, and same region when accounts stay in their region; all when segments mix), split by capacity share
    or evenly.  Returns (unit metrics, accounts per unit, targets, (territory groups, unit groups), average
    accounts per territory of the group)."""
    T, U = len(terr), len(units)
    metric_cols = {"potential_usd": acc["potential_usd"], "arr_usd": acc["arr_usd"],
                   "workload_hours": acc["workload_hours"], "accounts": pd.Series(1.0, index=acc.index)}
    um = np.stack([units.sum(metric_cols[m].fillna(0).to_numpy(float)) for m in mnames], axis=1) if mnames \
        else np.zeros((U, 0))
    n_acc = units.sum(np.ones(len(acc)))
    group = terr["segment"].astype(str).to_numpy() if cs.match_segment else np.array(["All"] * T)
    ugroup = units.frame["segment"].astype(str).to_numpy() if cs.match_segment else np.array(["All"] * U)
    if cs.match_region:
        group = group + " | " + terr["region"].astype("string").fillna("").to_numpy().astype(str)
        ugroup = ugroup + " | " + units.frame["region"].astype("string").fillna("").to_numpy().astype(str)
    cap = terr["capacity_share"].fillna(1.0).to_numpy(float) if cs.target == "capacity" else np.ones(T)
    target = np.zeros((T, len(mnames)))
    avg_acc = np.ones(T)
    for g in np.unique(group):
        tg = group == g
        ug = ugroup == g
        capg = cap[tg]
        share = capg / capg.sum() if capg.sum() > 0 else np.full(tg.sum(), 1 / tg.sum())
        target[tg] = share[:, None] * um[ug].sum(axis=0)[None, :]
        avg_acc[tg] = n_acc[ug].sum() / tg.sum()
    return um, n_acc, target, (group, ugroup), avg_acc


def pair_costs(cs: CarveSettings, acc: pd.DataFrame, units, cand, cur: np.ndarray, pinned_acc: np.ndarray,
               as_of: pd.Timestamp, n_terr: int) -> dict:
    """The cost of every candidate pair (travel + continuity, or fewest moves / ARR moved with travel breaking
    ties), the accounts and ARR it moves, and each account's move cost (``move_cost``)."""
    U, T = len(units), n_terr
    ua, cur_ok = units.of_account, cur >= 0
    arr = acc["arr_usd"].fillna(0).to_numpy(float)
    pipe = acc["open_pipeline_usd"].fillna(0).to_numpy(float) if "open_pipeline_usd" in acc else np.zeros(len(acc))
    mean_arr = arr[arr > 0].mean() if (arr > 0).any() else 1.0
    mean_pipe = pipe[pipe > 0].mean() if (pipe > 0).any() else 1.0
    if "next_renewal_date" in acc:
        days = (pd.to_datetime(acc["next_renewal_date"]) - pd.Timestamp(as_of)).dt.days.to_numpy(float)
        prox = np.clip(1 - np.nan_to_num(days, nan=1e9) / 365.0, 0, 1) * (np.nan_to_num(days, nan=-1) >= 0)
    else:
        prox = np.zeros(len(acc))
    mc = 1 + cs.continuity_arr * arr / mean_arr + cs.continuity_pipeline * pipe / mean_pipe + cs.continuity_renewal * prox
    movable = cur_ok & ~pinned_acc

    def per_pair(values: np.ndarray) -> np.ndarray:
        """Σ over the unit's accounts of ``values`` minus those already in the pair's territory."""
        tot = units.sum(values)
        here = sp.csr_matrix((values[cur_ok], (ua[cur_ok], cur[cur_ok])), shape=(U, T))
        return tot[cand.unit] - np.asarray(here[cand.unit, cand.terr]).ravel()

    moved_cnt, moved_arr, moved_mc = per_pair(movable.astype(float)), per_pair(arr * movable), per_pair(mc * movable)
    fixed_pair = np.diff(cand.ptr)[cand.unit] == 1
    moved_cnt[fixed_pair] = 0
    moved_arr[fixed_pair] = 0
    n_acc = units.sum(np.ones(len(acc)))
    uwl = units.sum(acc["workload_hours"].fillna(0).to_numpy(float))
    wl_mean = uwl.sum() / max(n_acc.sum(), 1)
    wl_factor = uwl / wl_mean if wl_mean > 0 else n_acc
    dist_cost = cs.distance_weight * wl_factor[cand.unit] * cand.dist_mi / 100.0
    if cs.compactness > 0:  # compact shapes: potential-weighted distance to the territory's centre (its home)
        dist_cost = dist_cost + cs.compactness * potential_factor(acc, units)[cand.unit] * cand.dist_mi / 100.0
    pair_cost = dist_cost + cs.continuity_weight * moved_mc
    tiebreak = 0.0
    if cs.objective in ("moves", "arr_moved"):
        # fewest moves (or ARR moved) first; travel only breaks ties, scaled so that all of it is worth less than
        # 0.4 of one move: the LP bound minus that slack is then a bound on moves alone
        per_unit_max = np.zeros(U)
        np.maximum.at(per_unit_max, cand.unit, dist_cost)
        eps = 0.4 / max(float(per_unit_max.sum()), 1e-9)
        main = moved_cnt if cs.objective == "moves" else moved_arr / mean_arr
        pair_cost = main + eps * dist_cost
        tiebreak = 0.4 * (1.0 if cs.objective == "moves" else mean_arr)
    return dict(pair_cost=pair_cost, moved_cnt=moved_cnt, moved_arr=moved_arr, move_cost=mc, mean_arr=mean_arr,
                tiebreak=tiebreak)


def potential_factor(acc: pd.DataFrame, units) -> np.ndarray:
    """Each unit's potential in mean accounts' potential (a unit of 30 average accounts weighs 30), so the
    compactness term is on the scale of travel (workload per mean account); accounts without potential weigh 0."""
    pot = units.sum(acc["potential_usd"].fillna(0).clip(lower=0).to_numpy(float))
    mean = pot.sum() / max(len(acc), 1)
    return pot / mean if mean > 0 else np.zeros(len(pot))


def penalties(cs: CarveSettings, target: np.ndarray, groups, ua: np.ndarray, mc: np.ndarray, avg_acc: np.ndarray,
              mnames: list[str]) -> np.ndarray:
    """Soft mode's penalty per territory and metric per percentage point outside the band: 50× what moving 1% of
    an average book costs (its accounts' mean move cost plus ~300 mi of travel), so balance wins unless the weight
    is lowered (at 10× the sample company's Enterprise books stayed 32% off: their accounts carry big ARR)."""
    group, ugroup = groups
    wts = np.array([float(cs.weights.get(m, 1.0)) for m in mnames])
    ref = np.maximum(target, 0.05 * np.maximum(target.mean(axis=0, keepdims=True), 1e-9))
    mean_mc = np.ones(len(target))
    for g in np.unique(group):
        ug = np.isin(ua, np.flatnonzero(ugroup == g))
        mean_mc[group == g] = mc[ug].mean() if ug.any() else 1.0
    per_pp = 0.5 * avg_acc * (cs.continuity_weight * mean_mc + 3.0 * cs.distance_weight)
    return wts[None, :] * per_pp[:, None] * 100.0 / ref


def account_caps(cs: CarveSettings, terr: pd.DataFrame, d: Settings) -> np.ndarray:
    """Accounts per territory at most (``account_capacity``: the coverage model's maximum × capacity share)."""
    max_acc = np.full(len(terr), np.inf)
    if cs.account_capacity:
        segs = terr["segment"].astype(str).to_numpy()
        share = terr["capacity_share"].fillna(1.0).to_numpy(float)
        for i in range(len(terr)):
            if segs[i] in d.segments:
                max_acc[i] = d.segments[segs[i]].accounts_per_rep[1] * share[i]
    return max_acc
