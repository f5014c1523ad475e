"""Plain-words diagnosis of an infeasible carve (hard mode).

Checks run from the most specific cause to the most general, and each
finding says what to change:

1. accounts no territory may take under the rules;
2. locked / pinned accounts alone overfilling a territory's band;
3. a territory that cannot reach its band from everything it may take;
4. a single unit bigger than a territory's whole band;
5. the accounts cap of the coverage model below the accounts to cover;
6. otherwise an elastic LP: the least band violation, priced by the one
   band-cost model, shows which band, of which territory, has to give and
   by how much.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimizers.carve.band_cost import SOFT_TIERS, outside
from optimizers.carve.model import Problem, build_matrix, lp_loads
from optimizers.carve.solvers import solve_lp
from planning.data import distance_matrix_mi
from planning.plans import METRIC_LABELS


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric).split(" (")[0].lower()


def _unit_name(key: str) -> str:
    """'Mid-market | acct A1' → 'account A1 (Mid-market)'; 'SMB | zip3 941' → 'ZIP3 941 (SMB)'."""
    seg, _, rest = str(key).partition(" | ")
    kind, _, value = rest.partition(" ")
    kind = {"acct": "account", "zip": "ZIP", "zip3": "ZIP3", "state": "state"}.get(kind, kind)
    return f"{kind} {value} ({seg})"


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def prechecks(p: Problem, terr: pd.DataFrame, units: pd.DataFrame, tol: dict[str, float]) -> list[str]:
    """Cheap causes of infeasibility, found without solving anything."""
    out: list[str] = []
    c = p.cand
    names = terr["label"].tolist()
    if len(c.orphans):
        ex = units.iloc[c.orphans[:3]]
        seg = ", ".join(sorted(ex["segment"].astype(str).unique()))
        out.append(f"{len(c.orphans)} unit(s) have no territory they may go to under the rules "
                   f"(e.g. {', '.join(map(_unit_name, ex['key']))}; segment {seg}). Relax the region / industry / "
                   f"employee rules, add a territory for them, or use soft mode.")
    n_c = np.diff(c.ptr)
    fixed = np.flatnonzero(n_c == 1)
    ft = c.terr[c.ptr[fixed]]
    T = p.n_terr
    for m, metric in enumerate(p.metric_names):
        fixed_load = np.bincount(ft, weights=p.unit_metrics[fixed, m], minlength=T)
        over = np.flatnonzero(fixed_load > p.hi[:, m] * (1 + 1e-9))
        for t in over[:3]:
            share = fixed_load[t] / p.target[t, m] if p.target[t, m] > 0 else np.inf
            mine = fixed[ft == t]
            vals = np.sort(p.unit_metrics[mine, m])[::-1]
            need = int(np.searchsorted(np.cumsum(vals), fixed_load[t] - p.hi[t, m]) + 1)
            tol_needed = share - 1
            out.append(f"locked and pinned accounts alone give {names[t]} {_pct(share)} of target {_label(metric)} "
                       f"(band ±{_pct(tol.get(metric, 0))}); loosen the band to ±{_pct(np.ceil(tol_needed * 20) / 20)} "
                       f"or unlock {need} account(s)" if np.isfinite(share) else
                       f"locked and pinned accounts give {names[t]} {_label(metric)} although its target is zero "
                       f"(no capacity in the plan year); unlock or re-pin {len(mine)} account(s) or exclude the rep")
        # the most a territory can get: its fixed load plus every free unit that may go there
        free_pairs = n_c[c.unit] > 1
        reach = fixed_load + np.bincount(c.terr[free_pairs], weights=p.unit_metrics[c.unit[free_pairs], m], minlength=T)
        under = np.flatnonzero(reach < p.lo[:, m] * (1 - 1e-9))
        for t in under[:3]:
            out.append(f"{names[t]} can reach at most {_pct(reach[t] / p.target[t, m])} of its target {_label(metric)} "
                       f"from the accounts it may take (nearest {int(np.median(n_c[n_c > 1])) if (n_c > 1).any() else 0} "
                       f"territories per account); widen the band to ±{_pct(np.ceil((1 - reach[t] / p.target[t, m]) * 20) / 20)}, "
                       f"consider more candidates per account, or relax the rules")
        # one unit larger than a whole band: it fits nowhere it is allowed
        big = p.unit_metrics[c.unit, m] > p.hi[c.terr, m] * (1 + 1e-9)
        bad_units = [u for u in np.unique(c.unit[big]) if big[c.ptr[u]:c.ptr[u + 1]].all()]
        for u in bad_units[:2]:
            t = c.terr[c.ptr[u]]
            out.append(f"{_unit_name(units['key'].iat[u])} alone holds {_pct(p.unit_metrics[u, m] / p.target[t, m])} of a "
                       f"target {_label(metric)} book; widen the {_label(metric)} band or carve smaller units")
    out += neighbourhood_reach(p, terr)
    caps = np.isfinite(p.max_accounts)
    if caps.any():
        for seg, g in terr.assign(cap=p.max_accounts).groupby("segment"):
            idx = [terr.index.get_loc(i) for i in g.index]
            need = units.loc[units["segment"] == seg, "accounts"].sum()
            have = np.nansum(np.where(np.isfinite(p.max_accounts[idx]), p.max_accounts[idx], np.nan))
            if np.all(np.isfinite(p.max_accounts[idx])) and need > have + 1e-9:
                out.append(f"{seg}: {int(need):,} accounts to cover but the coverage model allows only {have:,.0f} "
                           f"across {len(idx)} territories (accounts per rep × capacity); add territories "
                           f"(over-carve), raise accounts per rep, or turn off the accounts cap")
    return out


def neighbourhood_reach(p: Problem, terr: pd.DataFrame, sizes=(4, 12, 20, 30), max_cells: float = 2e6) -> list[str]:
    """Groups of neighbouring territories that cannot hold their bands together (Hall's condition): the ``j``
    territories nearest each home need Σ lo, and only the units with a candidate among them can give it; the units
    whose every candidate is among them must fit under Σ hi.  Either failing proves the LP over these pairs
    infeasible without solving it.  Found at 10,000×50 (four metrics, ±5%): seven San Francisco reps share the
    same nearest accounts, so with 10 or 15 candidates per account the 20 around them cannot fill their books;
    this check catches it in ~0.5 s where the LP took 2–4 s to say so.  Skipped above ``max_cells`` units ×
    territories (8 s at 50,000×250): large carves decompose, and a part's own LP infeasibility widens that part."""
    c = p.cand
    U, T = p.n_units, p.n_terr
    vals = p.unit_metrics
    if T < 3 or not len(c.unit) or (vals < 0).any() or U * T > max_cells:
        return []
    home = terr[["home_lat", "home_lon"]].to_numpy(float)
    d = np.nan_to_num(distance_matrix_mi(home[:, 0], home[:, 1], home[:, 0], home[:, 1]), nan=np.inf)
    near = np.argsort(d, axis=1, kind="stable")
    B = sp.csr_matrix((np.ones(len(c.unit), dtype=np.float32), (c.unit, c.terr)), shape=(U, T))
    deg = np.diff(c.ptr).astype(np.float32)
    names = terr["label"].tolist()
    chunk = max(1, int(2e7 // max(U, 1)))  # sets per product: U × chunk floats at a time (memory at 500,000 units)
    out: list[str] = []
    for j in sizes:
        if j >= T:
            break
        for a in range(0, T, chunk):
            ts = np.arange(a, min(T, a + chunk))
            S = sp.csr_matrix((np.ones(len(ts) * j, dtype=np.float32),
                               (near[ts, :j].ravel(), np.repeat(np.arange(len(ts)), j))), shape=(T, len(ts)))
            hits = np.asarray((B @ S).todense())  # units × sets: candidates inside each set
            reach = (hits > 0).T.astype(float) @ vals
            inside = ((hits >= deg[:, None] - 0.5) & (deg[:, None] > 0)).T.astype(float) @ vals
            need, room = S.T @ p.lo, S.T @ p.hi
            for i, m in np.argwhere(reach < need * (1 - 1e-9))[:2]:
                out.append(f"the {j} territories nearest {names[ts[i]]} can reach at most "
                           f"{_pct(reach[i, m] / need[i, m])} of their combined lower band of {_label(p.metric_names[m])} "
                           f"from the accounts they may take; consider more candidates per account, widen the band "
                           f"or relax the rules")
            for i, m in np.argwhere(inside > room * (1 + 1e-9))[:2]:
                out.append(f"the accounts that can reach at most the {j} territories nearest {names[ts[i]]} (no "
                           f"other candidate) hold {_pct(inside[i, m] / room[i, m])} of their combined upper band of "
                           f"{_label(p.metric_names[m])}; consider more candidates per account, widen the band or "
                           f"relax the rules")
            if out:
                return out[:3]
    return out


def elastic(p: Problem, terr: pd.DataFrame, time_limit: float = 20.0) -> list[str]:
    """The least band-breaking that places every unit, and the bands it breaks, worst first, in words.

    The soft LP of ``p`` with travel and moves all but free and every book's breach priced as every band is
    (:class:`~optimizers.carve.band_cost.BandCost`, soft mode's rising tiers), per share of the book's target so
    that no book counts more than another: one linear price would dump the whole excess on one book (an LP vertex)
    and ask to widen its band far more than the bands need together."""
    q = dataclasses.replace(p, soft=True, soft_tiers=SOFT_TIERS, penalty=1.0 / np.maximum(p.target, 1e-9))
    mx = build_matrix(q)
    mx.c[: mx.n_pairs] *= 1e-6  # balance is all that matters
    res = solve_lp(mx, time_limit)
    if res.x is None:
        return ["the rules, locks and budget leave no way to assign every account (check the disruption budget)"]
    load = lp_loads(p, res.x)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.nan_to_num(outside(load, p.lo, p.hi) / p.target)
        level = np.nan_to_num(load / p.target)
    out = []
    names = terr["label"].tolist()
    for t, m in np.dstack(np.unravel_index(np.argsort(-rel, axis=None, kind="stable")[:3], rel.shape))[0]:
        if rel[t, m] <= 1e-6:
            continue
        out.append(f"even at best {names[t]} ends at {_pct(level[t, m])} of its target {_label(p.metric_names[m])}; "
                   f"widen that band to ±{_pct(np.ceil(abs(level[t, m] - 1) * 100) / 100)} or use soft mode")
    if out and (p.max_moves is not None or p.max_arr_moved is not None):
        out.append("the disruption budget may be what holds the bands back: raise it or remove it")
    if not out:
        out.append("no balanced split exists with whole accounts (the bands are tighter than single accounts); "
                   "widen the bands slightly, carve smaller units, or use soft mode")
    return out


def diagnosis_text(findings: list[str]) -> str:
    return "No plan fits the hard bands and rules: " + "; ".join(findings[:4]) + "." if findings else ""
