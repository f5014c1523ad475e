"""Territory carving: assign every account to exactly one territory, balanced, close to home, with few moves.

Model (see :mod:`optimizers.model` for the matrix form), for units u (accounts
or geographic units) and territories t:

    minimise  Σ x[u,t] · ( distance_weight · workload[u]/w̄ · miles(u, home t)/100
                         + continuity_weight · Σ_{accounts a in u not now in t} move_cost[a] )
              + soft mode: Σ penalty[t,m] · (deviation of metric m outside its band)
    s.t.      Σ_t x[u,t] = 1                                  every unit once
              (1 − tol_m)·target[t,m] ≤ Σ_u metric[u,m]·x[u,t] ≤ (1 + tol_m)·target[t,m]   (hard mode)
              accounts in t ≤ accounts_per_rep_max × capacity_share[t]                        (optional)
              accounts moved ≤ max_moves,  ARR moved ≤ max_arr_moved                           (optional)

    move_cost[a] = 1 + w_arr · ARR[a]/mean ARR + w_pipe · pipeline[a]/mean pipeline
                     + w_renewal · max(0, 1 − days to renewal / 365)

target[t,m] is the segment's total split evenly ("mean") or in proportion to
each rep's capacity share for the plan year ("capacity": ramping reps,
leavers and open requisitions get less).  Only pairs allowed by the rules
(segment, region, industry, employee bands) and among each unit's k nearest
territories (plus its current one) are variables; locked and pinned units
have exactly one.  Solved as LP relaxation (highspy), a warm re-solve with
slightly narrowed bands, and a small integer repair (highspy, or PuLP with
HiGHS or CBC); the LP value is the reported bound.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimizers.candidates import eligibility, prune
from optimizers.diagnose import diagnosis_text, elastic, prechecks
from optimizers.explain import move_reasons
from optimizers.greedy import greedy_assign
from optimizers.model import (Cancelled, Problem, assignment_from_x, build_matrix, columns_of_units, is_feasible,
                              objective_of, repair_pool, resolve_tightened, solve_lp, solve_sub_mip,
                              x_from_assignment)
from optimizers.units import UNIT_KINDS, build_units
from planning.defaults import Settings
from planning.geo import haversine_mi
from planning.people import capacity_share
from planning.plan import BALANCE_METRICS, Plan, balance_table, metrics, territories_from_reps

STATUSES = ("optimal", "feasible", "time_limit", "infeasible", "cancelled")
SOLVERS = ("highs", "pulp-highs", "cbc")
DEFAULT_TOLERANCE = {"potential_usd": 0.10, "arr_usd": 0.15, "workload_hours": 0.10, "accounts": 0.10}


@dataclass
class CarveSettings:
    """Everything a carve run depends on.  Fractions are fractions (0.05 = ±5%); times in seconds."""

    metrics: tuple[str, ...] = ("potential_usd", "accounts")  # subset of BALANCE_METRICS
    tolerance: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TOLERANCE))
    weights: dict[str, float] = field(default_factory=dict)  # soft-mode penalty weight per metric (default 1)
    mode: str = "hard"  # hard: bands are constraints | soft: weighted penalties, never infeasible
    target: str = "capacity"  # capacity: proportional to capacity share | mean: equal books
    distance_weight: float = 1.0  # cost of 100 mi for an account of average workload
    distance_to: str = "home"  # home: rep's home | centre: centre of the rep's current book
    # Cost of moving one plain account (scaled by move_cost).  Raise it for fewer moves: on the sample company
    # 1 moves 47% of accounts, 5 moves 24% within the same bands.  But higher weights make large tight carves
    # much harder: at 10,000×50 with ±5% on four metrics 5 takes ~3× longer, and at 50,000×250 weight 3 left
    # one part without a plan in 300 s (benchmarks/RESULTS.md uses 1).
    continuity_weight: float = 1.0
    continuity_arr: float = 1.0  # extra move cost per mean-ARR of the account
    continuity_pipeline: float = 1.0  # extra move cost per mean open pipeline
    continuity_renewal: float = 1.0  # extra move cost for a renewal due now (falls to 0 at a year)
    max_moves: int | None = None  # disruption budget: accounts moved (forced moves and pins not counted)
    max_arr_moved: float | None = None  # disruption budget: ARR moved, annual USD
    match_segment: bool = True
    match_region: bool = False
    industry_rules: dict[str, list[str]] = field(default_factory=dict)  # territory_id → industries it takes
    employee_bands: dict[str, list] = field(default_factory=dict)  # territory_id → [min, max] employees
    respect_locks: bool = True
    pins: dict[str, str] = field(default_factory=dict)  # account_id → territory_id (or rep_id)
    excluded_reps: tuple[str, ...] = ()
    extra_territories: tuple[dict, ...] = ()  # {segment, region, start_month (1–12), name?, lat?, lon?}
    account_capacity: bool = False  # cap accounts per territory at the coverage model's maximum × capacity
    keep_families: bool = True  # accounts of one parent stay together
    units: dict[str, str] = field(default_factory=dict)  # segment → account | zip | zip3 | state
    candidates: int = 10  # k nearest eligible territories per unit (plus its current one)
    reverse_candidates: float = 2.0  # each territory also considers its nearest this-many books of units
    time_limit: float = 60.0
    mip_gap: float = 0.01
    solver: str = "highs"  # highs (highspy) | pulp-highs (PuLP's HiGHS API) | cbc (PuLP CBC)
    full_mip_max_pairs: int = 6000  # below this many pairs the whole problem is one MIP
    repair_pool: int = 12  # units freed per touched territory in the integer repair
    band_margin: float = 0.4  # large runs: at most LP re-solved with bands narrowed by this share, so rounding fits
    decompose: bool = True  # solve independent segments separately (not with a budget)

    def validate(self) -> None:
        bad = set(self.metrics) - set(BALANCE_METRICS)
        if bad:
            raise ValueError(f"unknown balance metric(s): {', '.join(sorted(bad))} (known: {', '.join(BALANCE_METRICS)})")
        if self.mode not in ("hard", "soft"):
            raise ValueError(f"mode must be 'hard' or 'soft', not {self.mode!r}")
        if self.target not in ("capacity", "mean"):
            raise ValueError(f"target must be 'capacity' or 'mean', not {self.target!r}")
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, not {self.solver!r}")
        if self.distance_to not in ("home", "centre"):
            raise ValueError(f"distance_to must be 'home' or 'centre', not {self.distance_to!r}")
        for m in self.metrics:
            if self.tol(m) < 0:
                raise ValueError(f"tolerance for {m} must be ≥ 0")
        bad_units = set(self.units.values()) - set(UNIT_KINDS)
        if bad_units:
            raise ValueError(f"unknown carving unit(s): {', '.join(sorted(bad_units))} (known: {', '.join(UNIT_KINDS)})")
        if self.candidates < 1:
            raise ValueError("candidates must be at least 1")

    def tol(self, metric: str) -> float:
        return float(self.tolerance.get(metric, DEFAULT_TOLERANCE.get(metric, 0.1)))

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["metrics"] = list(self.metrics)
        d["excluded_reps"] = list(self.excluded_reps)
        d["extra_territories"] = [dict(e) for e in self.extra_territories]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CarveSettings":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown carve setting(s): {', '.join(sorted(unknown))}")
        d = dict(data)
        for k in ("metrics", "excluded_reps"):
            if k in d and d[k] is not None:
                d[k] = tuple(d[k])
        if "extra_territories" in d and d["extra_territories"] is not None:
            d["extra_territories"] = tuple(dict(e) for e in d["extra_territories"])
        out = cls(**d)
        out.validate()
        return out


@dataclass
class CarveResult:
    """Outcome of a carve.  ``plan`` is None unless a whole assignment was found."""

    status: str  # optimal | feasible | time_limit | infeasible | cancelled
    plan: Plan | None
    objective: float  # total cost of the returned plan (model units)
    bound: float  # lower bound (LP relaxation or MIP bound); objective ≥ bound
    gap: float  # (objective − bound) / objective
    seconds_build: float
    seconds_solve: float
    before: pd.DataFrame  # per-territory book before (planning.plan.metrics + target columns)
    after: pd.DataFrame | None
    balance: pd.DataFrame  # per metric: band, worst_dev and max_min (of book ÷ target) before and after
    moves: pd.DataFrame  # one row per moved account with its reason
    reasons: pd.Series  # account_id → reason (moved accounts)
    diagnosis: str = ""
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    settings: CarveSettings | None = None

    @property
    def ok(self) -> bool:
        return self.plan is not None and self.status in ("optimal", "feasible", "time_limit")

    def summary(self) -> str:
        if not self.ok:
            return f"{self.status}: {self.diagnosis or 'no plan found'}"
        worst = ", ".join(f"{r.metric} ±{r.worst_dev_after:.1%}" for r in self.balance.itertuples())
        return (f"{self.status}: gap {self.gap:.2%}, {len(self.moves):,} accounts moved, worst deviation {worst}; "
                f"build {self.seconds_build:.1f}s, solve {self.seconds_solve:.1f}s")

    def crm_export(self, reps: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
        """CRM-ready assignment: account_id, name, new owner id/name, old owner id/name, territory, reason."""
        return crm_frame(self.plan, reps, accounts, self.reasons)


def crm_frame(plan: Plan, reps: pd.DataFrame, accounts: pd.DataFrame, reasons: pd.Series | None = None) -> pd.DataFrame:
    names = reps.set_index("rep_id")["name"]
    crm = reps.set_index("rep_id")["crm_user_id"] if "crm_user_id" in reps else pd.Series(dtype=object)
    acc = accounts.set_index("account_id")
    new_owner = plan.owners().reindex(acc.index)
    out = pd.DataFrame({
        "account_id": acc.index,
        "account_name": acc["name"].to_numpy(),
        "new_owner_id": new_owner.to_numpy(),
        "new_owner_name": new_owner.map(names).to_numpy(),
        "new_owner_crm_user_id": new_owner.map(crm).to_numpy(),
        "old_owner_id": acc["owner_rep_id"].to_numpy(),
        "old_owner_name": acc["owner_rep_id"].map(names).to_numpy(),
        "territory_id": plan.assignment.reindex(acc.index).to_numpy(),
        "territory_name": plan.assignment.reindex(acc.index).map(plan.territories["name"]).to_numpy(),
    })
    out["moved"] = out["new_owner_id"].astype(object).fillna("") != out["old_owner_id"].astype(object).fillna("")
    out["reason"] = out["account_id"].map(reasons) if reasons is not None else ""
    out["reason"] = out["reason"].fillna("")
    return out


def extra_capacity(extra: dict, plan_year: int, settings: Settings) -> float:
    """Capacity share of a planned hire starting in ``start_month`` (1–12) of the plan year."""
    month = int(extra.get("start_month", 1))
    if not 1 <= month <= 12:
        raise ValueError(f"start_month of an extra territory must be 1–12, not {month}")
    rep = pd.DataFrame({"segment": [extra["segment"]], "start_date": [pd.Timestamp(plan_year, month, 1)],
                        "end_date": [pd.NaT]})
    return float(capacity_share(rep, plan_year, settings).iat[0])


def build_territories(reps: pd.DataFrame, cs: CarveSettings, plan_year: int, settings: Settings) -> pd.DataFrame:
    """Territories in the plan: one per quota rep not excluded, plus over-carved open ones."""
    terr = territories_from_reps(reps)
    terr = terr.loc[~terr["owner_rep_id"].isin(cs.excluded_reps)].copy()
    r = reps.set_index("rep_id")
    share = capacity_share(reps, plan_year, settings)
    share.index = reps["rep_id"].to_numpy()
    terr["capacity_share"] = terr["owner_rep_id"].map(share).astype(float)
    terr["home_lat"] = terr["owner_rep_id"].map(r["lat"]).astype(float)
    terr["home_lon"] = terr["owner_rep_id"].map(r["lon"]).astype(float)
    rows = []
    for i, e in enumerate(cs.extra_territories, start=1):
        if e.get("segment") not in settings.segments:
            raise ValueError(f"extra territory {i}: unknown segment {e.get('segment')!r}")
        tid = e.get("territory_id") or f"T-NEW-{i:02d}"
        rows.append({"territory_id": tid, "name": e.get("name") or f"{e['segment']} {e.get('region', '')} – open (new hire)",
                     "region": e.get("region"), "area": e.get("area"), "segment": e["segment"], "owner_rep_id": np.nan,
                     "capacity_share": extra_capacity(e, plan_year, settings),
                     "home_lat": e.get("lat", np.nan), "home_lon": e.get("lon", np.nan)})
    if rows:
        terr = pd.concat([terr, pd.DataFrame(rows).set_index("territory_id")])
    names = r["name"]
    owner = terr["owner_rep_id"]
    terr["label"] = (owner.map(names) + " (" + owner.astype("string") + ")").fillna(terr["name"]).astype(str)
    return terr


ProgressFn = Callable[[float, str], None]


class TerritoryCarver:
    """``TerritoryCarver(settings).solve(accounts, reps, plan_year=..., as_of=...) -> CarveResult``."""

    def __init__(self, settings: CarveSettings | None = None, defaults: Settings | None = None):
        self.cs = settings or CarveSettings()
        self.cs.validate()
        self.defaults = defaults or Settings()

    # ---------------------------------------------------------------- preparation
    def prepare(self, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of: pd.Timestamp,
                k: int | None = None):
        """Units, territories, candidates, targets and costs as a :class:`Problem` (+ context for reporting)."""
        cs, d = self.cs, self.defaults
        acc = accounts.reset_index(drop=True)
        terr = build_territories(reps, cs, plan_year, d)
        if terr.empty:
            raise ValueError("no territories to carve into: every quota-carrying rep is excluded")
        tids = list(terr.index)
        t_of = {t: i for i, t in enumerate(tids)}
        T = len(tids)
        units = build_units(acc, cs.units or "account", cs.keep_families)
        U = len(units)
        ua = units.of_account
        # current territory of each account (−1: no owner, or owner excluded / not a quota rep)
        owner_t = "T-" + acc["owner_rep_id"].astype("string")
        cur = owner_t.map(t_of).fillna(-1).astype(int).to_numpy()
        warnings: list[str] = []
        # homes: rep's home, else centre of the current book, else centre of its segment+region accounts
        w = acc["workload_hours"].fillna(0).to_numpy(float) + 1e-6
        lat, lon = acc["lat"].to_numpy(float), acc["lon"].to_numpy(float)
        has = ~(np.isnan(lat) | np.isnan(lon)) & (cur >= 0)
        book_w = np.bincount(cur[has], weights=w[has], minlength=T)
        with np.errstate(invalid="ignore", divide="ignore"):
            book_lat = np.bincount(cur[has], weights=(lat * w)[has], minlength=T) / book_w
            book_lon = np.bincount(cur[has], weights=(lon * w)[has], minlength=T) / book_w
        home_lat, home_lon = terr["home_lat"].to_numpy(float).copy(), terr["home_lon"].to_numpy(float).copy()
        if cs.distance_to == "centre":
            home_lat = np.where(np.isnan(book_lat), home_lat, book_lat)
            home_lon = np.where(np.isnan(book_lon), home_lon, book_lon)
        for i in np.flatnonzero(np.isnan(home_lat) | np.isnan(home_lon)):
            if not np.isnan(book_lat[i]):
                home_lat[i], home_lon[i] = book_lat[i], book_lon[i]
                continue
            same = (acc["segment"] == terr["segment"].iat[i]).to_numpy()
            if isinstance(terr["region"].iat[i], str):
                same = same & (acc["region"] == terr["region"].iat[i]).to_numpy()
            ok = same & ~np.isnan(lat)
            if ok.any():
                home_lat[i], home_lon[i] = np.average(lat[ok], weights=w[ok]), np.average(lon[ok], weights=w[ok])
        terr["home_lat"], terr["home_lon"] = home_lat, home_lon
        # locks and pins → fixed territory per unit
        fixed = np.full(U, -1, dtype=np.int64)
        if cs.respect_locks and "locked" in acc:
            locked = acc["locked"].fillna(False).astype(bool).to_numpy()
            lost = locked & (cur < 0)
            if lost.any():
                warnings.append(f"{int(lost.sum())} locked account(s) have no owner in this plan (owner excluded or "
                                f"not a quota rep); they are treated as unlocked")
            lk = np.flatnonzero(locked & (cur >= 0))
            fixed[ua[lk]] = cur[lk]
        pinned_acc = np.zeros(len(acc), dtype=bool)
        if cs.pins:
            idx = pd.Series(np.arange(len(acc)), index=acc["account_id"].astype(str))
            bad_t = []
            for aid, target in cs.pins.items():
                tid = target if target in t_of else f"T-{target}"
                if str(aid) not in idx.index:
                    warnings.append(f"pin ignored: unknown account {aid}")
                    continue
                if tid not in t_of:
                    bad_t.append(str(target))
                    continue
                i = idx[str(aid)]
                fixed[ua[i]] = t_of[tid]
                pinned_acc[i] = True
            if bad_t:
                warnings.append(f"pin(s) to unknown or excluded territory ignored: {', '.join(sorted(set(bad_t))[:5])}")
        # rules → eligibility, then prune
        elig = eligibility(units.frame, ua, acc, terr, cs.match_segment, cs.match_region, cs.industry_rules,
                           {k: tuple(v) if v else v for k, v in cs.employee_bands.items()})
        cur_ok = cur >= 0
        keep = sp.coo_matrix((np.ones(int(cur_ok.sum())), (ua[cur_ok], cur[cur_ok])), shape=(U, T)).toarray() > 0
        fallback = None
        if cs.mode == "soft":
            fallback = (units.frame["segment"].astype(str).to_numpy()[:, None] == terr["segment"].astype(str).to_numpy()[None, :])
            no_seg = ~fallback.any(axis=1)
            fallback[no_seg] = True
        cand = prune(elig, units.frame["lat"].to_numpy(), units.frame["lon"].to_numpy(), home_lat, home_lon,
                     k or cs.candidates, keep, fixed, fallback, cs.reverse_candidates)
        if cs.mode == "soft" and len(cand.orphans):
            warnings.append(f"{len(cand.orphans)} unit(s) had no territory under the rules; they went to the nearest "
                            f"territory of their segment anyway (rule broken, see warnings in the moves list)")
        # unit metrics
        metric_cols = {"potential_usd": acc["potential_usd"], "arr_usd": acc["arr_usd"],
                       "workload_hours": acc["workload_hours"], "accounts": pd.Series(1.0, index=acc.index)}
        mnames = list(cs.metrics)
        um = np.stack([units.sum(metric_cols[m].fillna(0).to_numpy(float)) for m in mnames], axis=1) if mnames \
            else np.zeros((U, 0))
        n_acc = units.sum(np.ones(len(acc)))
        # targets per territory and metric within comparable groups (segment, or all when segments mix)
        # comparable territories: same segment, and same region when accounts must stay in their region
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
        tol = np.array([cs.tol(m) for m in mnames])
        lo, hi = target * (1 - tol), target * (1 + tol)
        wts = np.array([float(cs.weights.get(m, 1.0)) for m in mnames])
        # costs per pair
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
        # soft penalty per percentage point outside the band: 50× what moving 1% of an average book costs
        # (its accounts' mean move cost plus ~300 mi of travel), so balance wins unless the weight is lowered
        # (at 10× the sample company's Enterprise books stayed 32% off: their accounts carry big ARR)
        ref = np.maximum(target, 0.05 * np.maximum(target.mean(axis=0, keepdims=True), 1e-9))
        mean_mc = np.ones(T)
        for g in np.unique(group):
            ug = np.isin(ua, np.flatnonzero(ugroup == g))
            mean_mc[group == g] = mc[ug].mean() if ug.any() else 1.0
        per_pp = 0.5 * avg_acc * (cs.continuity_weight * mean_mc + 3.0 * cs.distance_weight)
        penalty = wts[None, :] * per_pp[:, None] * 100.0 / ref
        movable = cur_ok & ~pinned_acc
        acc_cnt = movable.astype(float)
        acc_arr = arr * movable

        def per_pair(values: np.ndarray) -> np.ndarray:
            """Σ over the unit's accounts of ``values`` minus those already in the pair's territory."""
            tot = units.sum(values)
            here = sp.csr_matrix((values[cur_ok], (ua[cur_ok], cur[cur_ok])), shape=(U, T))
            return tot[cand.unit] - np.asarray(here[cand.unit, cand.terr]).ravel()

        moved_cnt = per_pair(acc_cnt)
        moved_arr = per_pair(acc_arr)
        moved_mc = per_pair(mc * movable)
        n_c = np.diff(cand.ptr)
        fixed_pair = n_c[cand.unit] == 1
        moved_cnt[fixed_pair] = 0
        moved_arr[fixed_pair] = 0
        uwl = units.sum(acc["workload_hours"].fillna(0).to_numpy(float))
        wl_mean = uwl.sum() / max(n_acc.sum(), 1)
        wl_factor = uwl / wl_mean if wl_mean > 0 else n_acc
        dist_cost = cs.distance_weight * wl_factor[cand.unit] * cand.dist_mi / 100.0
        pair_cost = dist_cost + cs.continuity_weight * moved_mc
        max_acc = np.full(T, np.inf)
        if cs.account_capacity:
            segs = terr["segment"].astype(str).to_numpy()
            share = terr["capacity_share"].fillna(1.0).to_numpy(float)
            for i in range(T):
                if segs[i] in d.segments:
                    max_acc[i] = d.segments[segs[i]].accounts_per_rep[1] * share[i]
        p = Problem(cand=cand, metric_names=mnames, unit_metrics=um, unit_accounts=n_acc, lo=lo, hi=hi, target=target,
                    pair_cost=pair_cost, pair_moves=moved_cnt, pair_arr_moved=moved_arr, soft=cs.mode == "soft",
                    penalty=penalty, max_accounts=max_acc, max_moves=cs.max_moves, max_arr_moved=cs.max_arr_moved)
        ctx = dict(acc=acc, terr=terr, units=units, cur=cur, pinned_acc=pinned_acc, warnings=warnings,
                   elig=elig, tol={m: cs.tol(m) for m in mnames})
        return p, ctx

    # ---------------------------------------------------------------- solve
    def solve(self, accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, as_of: pd.Timestamp | str | None = None,
              progress: ProgressFn | None = None, should_stop: Callable[[], bool] | None = None,
              name: str | None = None) -> CarveResult:
        cs = self.cs
        progress = progress or (lambda f, m: None)
        stop = should_stop or (lambda: False)
        as_of = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
        t0 = time.perf_counter()
        k = cs.candidates
        seconds_build = 0.0
        deadline = t0 + cs.time_limit
        while True:
            tb = time.perf_counter()
            progress(0.02, f"Building carving units and candidates ({k} nearest territories per unit)")
            p, ctx = self.prepare(accounts, reps, plan_year, as_of, k)
            terr, units, acc = ctx["terr"], ctx["units"], ctx["acc"]
            seconds_build += time.perf_counter() - tb
            stats: dict[str, Any] = {"units": len(units), "accounts": len(acc), "territories": p.n_terr,
                                     "pairs": len(p.cand.unit), "candidates_k": k,
                                     "fixed_units": int((np.diff(p.cand.ptr) == 1).sum())}
            empty = self._empty_result(p, ctx, seconds_build, stats)
            if stop():
                return dataclasses.replace(empty, status="cancelled", diagnosis="cancelled by the user")
            if not cs.mode == "soft":
                findings = prechecks(p, terr, units.frame, ctx["tol"])
                pruning_only = all("can reach at most" in f for f in findings)
                if findings and (k >= p.n_terr or not pruning_only):
                    return dataclasses.replace(empty, status="infeasible", diagnosis=diagnosis_text(findings),
                                               seconds_solve=time.perf_counter() - t0 - seconds_build)
                if findings:
                    k = min(p.n_terr, k * 2)  # pruning too tight for these bands: widen the candidate lists
                    continue
            try:
                expanded: dict[int, Problem] = {}

                def expand(k2: int, _k=k) -> Problem:
                    """The same instance with longer candidate lists (for a part whose LP is infeasible)."""
                    if k2 not in expanded:
                        tb2 = time.perf_counter()
                        expanded[k2] = self.prepare(accounts, reps, plan_year, as_of, k2)[0]
                        stats["seconds_components_build"] = (stats.get("seconds_components_build", 0.0)
                                                             + time.perf_counter() - tb2)
                    return expanded[k2]

                out = self._solve_components(p, progress, stop, deadline, stats, expand, k)
            except Cancelled:
                return dataclasses.replace(empty, status="cancelled", diagnosis="cancelled by the user",
                                           seconds_solve=time.perf_counter() - t0 - seconds_build)
            more = int(np.diff(p.cand.ptr).max(initial=0)) < p.n_terr and k < p.n_terr
            if out[0] == "infeasible" and more and stats.get("lp_infeasible") and time.perf_counter() < deadline - 2:
                # the LP over the pruned pairs is infeasible: it may be the pruning, not the bands
                k = min(p.n_terr, k * 2)
                continue
            break
        seconds_build += stats.get("seconds_components_build", 0.0)
        seconds_solve = time.perf_counter() - t0 - seconds_build
        stats.pop("seconds_components_build", None)
        status, assign, objective, bound = out
        if assign is None:
            diag = ""
            if status == "infeasible":
                progress(0.9, "Diagnosing why no plan fits")
                diag = diagnosis_text(elastic(p, terr, time_limit=min(20.0, max(5.0, deadline - time.perf_counter()))))
            else:
                diag = (f"no whole-account plan found within the {cs.time_limit:.0f} s time limit; raise the time "
                        f"limit, widen the bands or use soft mode")
            return dataclasses.replace(empty, status=status, diagnosis=diag, seconds_solve=seconds_solve)
        progress(0.95, "Explaining moves")
        res = self._assemble(p, ctx, assign, status, objective, bound, seconds_build, seconds_solve, stats,
                             plan_year, as_of, reps, name)
        progress(1.0, res.summary())
        return res

    def _solve_components(self, p: Problem, progress, stop, deadline, stats, expand=None, k_used: int = 0):
        """Decompose into independent groups of territories, solve each; returns status, assign, obj, bound."""
        cs = self.cs
        c = p.cand
        comps = [np.arange(p.n_terr)]
        if cs.decompose and cs.max_moves is None and cs.max_arr_moved is None:
            # territories linked by a shared candidate unit belong to one component
            link = sp.coo_matrix((np.ones(len(c.unit)), (c.unit, c.terr)), shape=(p.n_units, p.n_terr)).tocsc()
            adj = (link.T @ link) > 0
            n, lab = sp.csgraph.connected_components(adj, directed=False)
            comps = [np.flatnonzero(lab == k) for k in range(n)]
        assign = np.full(p.n_units, -1, dtype=np.int64)
        statuses, objective, bound = [], 0.0, 0.0
        total_pairs = max(len(c.unit), 1)
        done_pairs = 0
        for k, terrs in enumerate(comps):
            sub, uidx = subproblem(p, terrs)
            share = len(sub.cand.unit) / total_pairs
            left_pairs = max(total_pairs - done_pairs, 1)
            remaining = max(deadline - time.perf_counter(), 1.0)
            # each part gets its share of the time still left (by size among the parts still to solve), so time
            # a quick part saves goes to the later ones instead of being lost
            budget = remaining * min(1.0, max(len(sub.cand.unit) / left_pairs, 0.1)) if len(comps) > 1 else remaining
            base = done_pairs / total_pairs

            def prog(f, msg, base=base, share=share):
                progress(0.05 + 0.85 * (base + share * f), msg)

            st, a, obj, bnd = self._solve_one(sub, prog, stop, time.perf_counter() + budget, stats, k, len(comps))
            k2 = k_used
            while (st == "infeasible" and stats.pop("lp_infeasible", False) and expand is not None
                   and k2 < p.n_terr and time.perf_counter() < deadline - 2):
                # this part's LP is infeasible over the pruned pairs: retry it with longer candidate lists
                k2 = min(p.n_terr, 2 * k2)
                prog(0.0, f"part {k + 1}/{len(comps)}: widening to {k2} candidate territories per unit")
                sub2, uidx2 = subproblem(expand(k2), terrs)
                if len(uidx2) != len(uidx) or (uidx2 != uidx).any():
                    stats["lp_infeasible"] = True  # the parts changed shape: let the caller restart whole
                    break
                grown = len(sub2.cand.unit) - len(sub.cand.unit)
                sub = sub2
                stats["candidates_k"] = max(stats.get("candidates_k", 0), k2)
                remaining = max(deadline - time.perf_counter(), 1.0)
                part = min(1.0, max(len(sub.cand.unit) / max(left_pairs + grown, 1), 0.1))
                st, a, obj, bnd = self._solve_one(sub, prog, stop, time.perf_counter() + remaining * part,
                                                  stats, k, len(comps))
            if a is None and st == "time_limit" and len(comps) > 1 and deadline - time.perf_counter() > 5:
                # no plan for this part within its share: give it most of what is left rather than fail the carve
                prog(0.0, f"part {k + 1}/{len(comps)}: no plan within its share of the time; retrying with more")
                st, a, obj, bnd = self._solve_one(sub, prog, stop,
                                                  time.perf_counter() + 0.8 * (deadline - time.perf_counter()),
                                                  stats, k, len(comps))
            done_pairs += len(sub.cand.unit)
            statuses.append(st)
            if a is None:
                return st, None, np.nan, np.nan
            assign[uidx] = terrs[a]
            objective += obj
            bound += bnd
        order = ["infeasible", "time_limit", "feasible", "optimal"]
        status = min(statuses, key=order.index) if statuses else "optimal"
        gap = (objective - bound) / abs(objective) if objective else 0.0
        if status == "optimal" and gap > cs.mip_gap + 1e-9:
            status = "feasible"
        elif status in ("feasible", "time_limit") and gap <= cs.mip_gap + 1e-9:
            # "optimal" means proven within the gap target; the parts' summed bound proves it for the whole
            # even when one part ran out of its share of the time a hair above the target on its own
            status = "optimal"
        return status, assign, objective, bound

    def _solve_one(self, p: Problem, progress, stop, deadline, stats, k, n):
        cs = self.cs
        tb = time.perf_counter()
        mx = build_matrix(p)
        stats["seconds_components_build"] = stats.get("seconds_components_build", 0.0) + time.perf_counter() - tb
        tag = f"part {k + 1}/{n}: " if n > 1 else ""
        progress(0.05, f"{tag}greedy start")
        greedy = greedy_assign(p)
        greedy_ok = is_feasible(p, mx, greedy)  # soft bands are elastic; budget rows are not
        if stop():
            raise Cancelled()
        progress(0.15, f"{tag}LP relaxation ({mx.A.shape[1]:,} columns, {mx.A.shape[0]:,} rows)")
        lp = solve_lp(mx, deadline - time.perf_counter(), stop)
        stats["seconds_lp"] = stats.get("seconds_lp", 0.0) + lp.seconds
        if lp.status == "infeasible":
            stats["lp_infeasible"] = True
            return "infeasible", None, np.nan, np.nan
        if lp.x is None:
            if greedy_ok:
                return "time_limit", greedy, objective_of(p, mx, greedy), -np.inf
            return lp.status if lp.status != "error" else "infeasible", None, np.nan, np.nan
        if stop():
            raise Cancelled()
        bound = lp.objective
        x_lp = lp.x
        if not p.soft and not mx.n_pairs <= cs.full_mip_max_pairs and cs.band_margin > 0:
            # narrow the bands a little, then more, until rounding the fractional units fits the real bands
            for margin in (cs.band_margin / 4, cs.band_margin / 2, cs.band_margin):
                if time.perf_counter() > deadline - 1 or stop():
                    break
                progress(0.4, f"{tag}LP with bands narrowed by {margin:.0%} (room for rounding)")
                tight = resolve_tightened(lp, p, mx, 1 - margin, deadline - time.perf_counter())
                stats["seconds_lp"] += tight.seconds
                if tight.x is None:
                    break
                x_lp = tight.x
                stats["band_margin_used"] = margin
                if is_feasible(p, mx, assignment_from_x(p, x_lp)):
                    break
        xp = x_lp[: mx.n_pairs]
        assign = assignment_from_x(p, x_lp)
        frac_pairs = (xp > 1e-6) & (xp < 1 - 1e-6)
        frac_units = np.unique(p.cand.unit[frac_pairs])
        stats["fractional_units"] = stats.get("fractional_units", 0) + len(frac_units)
        small = mx.n_pairs <= cs.full_mip_max_pairs
        if not small and is_feasible(p, mx, assign):
            # rounding already fits every band: done, the LP bound gives the gap
            obj = objective_of(p, mx, assign)
            gap = (obj - bound) / abs(obj) if obj else 0.0
            if gap <= cs.mip_gap + 1e-9 or not len(frac_units):
                return "optimal" if gap <= cs.mip_gap + 1e-9 else "feasible", assign, obj, min(bound, obj)
        touched = np.unique(p.cand.terr[frac_pairs])
        pool = cs.repair_pool
        free_all = np.flatnonzero(np.diff(p.cand.ptr) > 1)
        best, best_obj, status = (greedy, objective_of(p, mx, greedy), "time_limit") if greedy_ok else (None, np.inf, "infeasible")
        for attempt in range(6):
            if small or attempt == 5:
                free = free_all
            else:
                free = np.union1d(frac_units, repair_pool(p, assign, touched, pool))
            remaining = deadline - time.perf_counter()
            if remaining < 0.5 and best is not None:
                break
            progress(0.5 + 0.08 * attempt, f"{tag}integer repair of {len(free):,} units (attempt {attempt + 1})")
            cols = columns_of_units(p, mx, free)
            gap_abs = None if small else 0.5 * cs.mip_gap * abs(lp.objective)
            # warm start: the greedy plan when it is feasible (whole MIP), else the LP rounding (elastic repair)
            warm = x_from_assignment(p, mx, best if small and best is not None else assign)
            # an incumbent within the gap target of the whole problem's LP bound is good enough
            good = None if small or bound <= 0 else bound / (1 - 0.9 * cs.mip_gap)
            sub = solve_sub_mip(mx, cols, x_from_assignment(p, mx, assign), remaining, cs.mip_gap, cs.solver,
                                warm, gap_abs, should_stop=stop, good_enough=good)
            stats["repair_units"] = len(free)
            stats["seconds_repair"] = stats.get("seconds_repair", 0.0) + sub.seconds
            if stop():
                raise Cancelled()
            if sub.x is not None:
                a = assignment_from_x(p, sub.x)
                obj = objective_of(p, mx, a)
                if obj < best_obj:
                    best, best_obj = a, obj
                if np.isfinite(sub.bound) and len(free) == len(free_all):
                    bound = max(bound, sub.bound)
                gap = (best_obj - bound) / abs(best_obj) if best_obj else 0.0
                status = "optimal" if gap <= cs.mip_gap + 1e-9 else ("time_limit" if sub.status == "time_limit" else "feasible")
                if gap <= cs.mip_gap + 1e-9 or len(free) == len(free_all) or sub.status == "time_limit":
                    break
                # a better solution may exist with a bigger neighbourhood: widen once more
                touched = np.unique(np.concatenate([touched, np.unique(p.cand.terr[np.isin(p.cand.unit, free)])]))
                pool *= 3
                continue
            if len(free) == len(free_all):
                if sub.status == "infeasible" and best is None:
                    return "infeasible", None, np.nan, np.nan
                break
            # infeasible neighbourhood: free more units around more territories
            touched = np.unique(np.concatenate([touched, np.unique(p.cand.terr[np.isin(p.cand.unit, free)])]))
            pool *= 3
        if best is None:
            return ("time_limit" if time.perf_counter() >= deadline else "infeasible"), None, np.nan, np.nan
        return status, best, best_obj, min(bound, best_obj)

    # ---------------------------------------------------------------- results
    def _empty_result(self, p: Problem, ctx, seconds_build, stats) -> CarveResult:
        return CarveResult(status="infeasible", plan=None, objective=np.nan, bound=np.nan, gap=np.nan,
                           seconds_build=seconds_build, seconds_solve=0.0, before=pd.DataFrame(), after=None,
                           balance=pd.DataFrame(), moves=pd.DataFrame(columns=["account_id", "reason"]),
                           reasons=pd.Series(dtype=object), warnings=list(ctx["warnings"]), stats=stats, settings=self.cs)

    def _assemble(self, p, ctx, assign, status, objective, bound, seconds_build, seconds_solve, stats,
                  plan_year, as_of, reps, name) -> CarveResult:
        cs = self.cs
        acc, terr, units, cur = ctx["acc"], ctx["terr"], ctx["units"], ctx["cur"]
        tids = np.array(terr.index)
        acc_t = assign[units.of_account]
        plan = Plan(name=name or f"Carve {pd.Timestamp.now():%Y-%m-%d %H:%M}",
                    assignment=pd.Series(tids[acc_t], index=acc["account_id"].astype(str).to_numpy()),
                    territories=terr[["name", "region", "area", "segment", "owner_rep_id"]].copy(),
                    kind="proposal", settings=cs.to_dict(),
                    note=f"{status}; gap {((objective - bound) / objective if objective else 0):.2%}")
        caps = terr["capacity_share"]
        before_plan = Plan(name="before", assignment=pd.Series(np.where(cur >= 0, tids[np.maximum(cur, 0)], None),
                                                               index=plan.assignment.index),
                           territories=plan.territories, kind="current")
        before = metrics(before_plan, acc, reps, plan_year, self.defaults)
        after = metrics(plan, acc, reps, plan_year, self.defaults)
        for book in (before, after):
            book["capacity_share"] = caps.reindex(book.index).astype(float)
            for m, metric in enumerate(p.metric_names):
                book[f"target_{metric}"] = p.target[:, m]
        # balance per metric, measured against the model's own targets
        rows = []
        acc_mode = cs.target == "capacity"
        for m, metric in enumerate(p.metric_names):
            tgt = pd.Series(p.target[:, m], index=tids)
            active = tgt > 0
            dev_b = (before[metric] / tgt - 1).abs()[active]
            dev_a = (after[metric] / tgt - 1).abs()[active]
            rows.append({"metric": metric, "band": cs.tol(metric), "worst_dev_before": float(dev_b.max()),
                         "worst_dev_after": float(dev_a.max()),
                         "max_min_before": float(_max_min((before[metric] / tgt)[active], after["segment"][active])),
                         "max_min_after": float(_max_min((after[metric] / tgt)[active], after["segment"][active]))})
        balance = pd.DataFrame(rows)
        stats["balance_table_before"] = balance_table(before, tuple(p.metric_names), capacity_weighted=acc_mode)
        stats["balance_table_after"] = balance_table(after, tuple(p.metric_names), capacity_weighted=acc_mode)
        # moves
        moved = acc_t != cur
        idx = np.flatnonzero(moved)
        lat, lon = acc["lat"].to_numpy(float), acc["lon"].to_numpy(float)
        hl, hn = terr["home_lat"].to_numpy(float), terr["home_lon"].to_numpy(float)
        d_to = haversine_mi(lat[idx], lon[idx], hl[acc_t[idx]], hn[acc_t[idx]])
        cf = np.maximum(cur[idx], 0)
        d_from = np.where(cur[idx] >= 0, haversine_mi(lat[idx], lon[idx], hl[cf], hn[cf]), np.nan)
        ukey = units.frame["key"].to_numpy()[units.of_account[idx]]
        ukey = np.where(np.char.find(ukey.astype(str), "| acct ") >= 0, "| parent family", ukey)
        moves = pd.DataFrame({
            "account_id": acc["account_id"].astype(str).to_numpy()[idx],
            "account_name": acc["name"].to_numpy()[idx],
            "segment": acc["segment"].to_numpy()[idx],
            "from_territory": np.where(cur[idx] >= 0, tids[cf], None),
            "to_territory": tids[acc_t[idx]],
            "from_owner": acc["owner_rep_id"].to_numpy()[idx],
            "to_owner": terr["owner_rep_id"].to_numpy()[acc_t[idx]],
            "arr_usd": acc["arr_usd"].to_numpy()[idx],
            "potential_usd": acc["potential_usd"].to_numpy()[idx],
            "distance_to_mi": d_to, "distance_from_mi": d_from,
            "unit_key": ukey, "unit_accounts": units.frame["accounts"].to_numpy()[units.of_account[idx]],
            "pinned": ctx["pinned_acc"][idx],
        })
        share_before = pd.DataFrame({m: before[m] / before[f"target_{m}"].replace(0, np.nan) for m in p.metric_names})
        forced = {}
        owners = acc["owner_rep_id"].to_numpy()[idx]
        for a, o, c0 in zip(moves["account_id"], owners, cur[idx]):
            if c0 < 0:
                forced[a] = (f"owner {o} is not in this plan (excluded or not a quota rep)" if isinstance(o, str)
                             else "had no owner")
        elig = ctx["elig"]
        u_idx = units.of_account[idx]
        ineligible = (cur[idx] >= 0) & ~elig[u_idx, cf]
        for a, bad in zip(moves["account_id"], ineligible):
            if bad and a not in forced:
                forced[a] = "the rules no longer allow its current territory"
        reasons = move_reasons(moves, share_before, terr["label"], pd.Series(forced, dtype=object))
        moves["reason"] = moves["account_id"].map(reasons)
        moves = moves.drop(columns=["unit_key", "unit_accounts"])
        stats["moves"] = int(len(moves))
        stats["moves_counted"] = int(((cur[idx] >= 0) & ~ctx["pinned_acc"][idx]).sum())
        stats["arr_moved_counted"] = float(moves.loc[(cur[idx] >= 0) & ~ctx["pinned_acc"][idx], "arr_usd"].sum())
        stats["total_distance_mi"] = float(np.nansum(haversine_mi(lat, lon, hl[acc_t], hn[acc_t])))
        gap = (objective - bound) / abs(objective) if objective else 0.0
        return CarveResult(status=status, plan=plan, objective=float(objective), bound=float(bound), gap=float(max(gap, 0.0)),
                           seconds_build=seconds_build, seconds_solve=seconds_solve, before=before, after=after,
                           balance=balance, moves=moves, reasons=reasons, warnings=ctx["warnings"], stats=stats,
                           settings=cs)


def _max_min(values: pd.Series, groups: pd.Series) -> float:
    """Worst best/worst ratio across comparable groups (segments)."""
    out = 1.0
    for _, v in values.groupby(groups):
        if len(v) > 1:
            out = max(out, v.max() / v.min() if v.min() > 0 else np.inf)
    return out


def subproblem(p: Problem, terrs: np.ndarray) -> tuple[Problem, np.ndarray]:
    """The part of ``p`` on territories ``terrs`` and the units whose candidates all lie there."""
    c = p.cand
    in_t = np.zeros(p.n_terr, dtype=bool)
    in_t[terrs] = True
    if in_t.all():
        return p, np.arange(p.n_units)
    units = np.unique(c.unit[in_t[c.terr]])
    umap = np.full(p.n_units, -1)
    umap[units] = np.arange(len(units))
    tmap = np.full(p.n_terr, -1)
    tmap[terrs] = np.arange(len(terrs))
    keep = (umap[c.unit] >= 0) & in_t[c.terr]
    nu = umap[c.unit[keep]]
    ptr = np.zeros(len(units) + 1, dtype=np.int64)
    np.cumsum(np.bincount(nu, minlength=len(units)), out=ptr[1:])
    orphans = umap[np.intersect1d(c.orphans, units)] if len(c.orphans) else c.orphans
    cand = dataclasses.replace(c, unit=nu, terr=tmap[c.terr[keep]], dist_mi=c.dist_mi[keep],
                               rule_break=c.rule_break[keep], ptr=ptr, orphans=orphans)
    q = dataclasses.replace(p, cand=cand, unit_metrics=p.unit_metrics[units], unit_accounts=p.unit_accounts[units],
                            lo=p.lo[terrs], hi=p.hi[terrs], target=p.target[terrs], pair_cost=p.pair_cost[keep],
                            pair_moves=p.pair_moves[keep], pair_arr_moved=p.pair_arr_moved[keep],
                            penalty=p.penalty[terrs], max_accounts=p.max_accounts[terrs])
    return q, units


def carve(accounts: pd.DataFrame, reps: pd.DataFrame, plan_year: int, settings: CarveSettings | None = None,
          defaults: Settings | None = None, as_of=None, **kw) -> CarveResult:
    """Shortcut: ``TerritoryCarver(settings, defaults).solve(...)``."""
    return TerritoryCarver(settings, defaults).solve(accounts, reps, plan_year, as_of=as_of, **kw)
