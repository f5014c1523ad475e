"""Rules-first eligibility and candidate pruning.

Rules (segment, region, industry / vertical, employee bands) decide which
territories may take a unit; among those, each unit keeps only its ``k``
nearest territories plus its current owner's territory.  The optimizer
never sees a pair the rules forbid, and the model stays small: about
``k`` columns per unit instead of one per territory.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.data import distance_matrix_mi


@dataclass
class Candidates:
    """Candidate pairs (unit, territory), sorted by unit; ``ptr`` delimits each unit's pairs."""

    unit: np.ndarray  # int64, pair → unit index
    terr: np.ndarray  # int64, pair → territory index
    dist_mi: np.ndarray  # float, unit centre → territory home, miles (0 where unknown)
    rule_break: np.ndarray  # bool, pair only allowed as a soft-mode fallback (no eligible territory)
    ptr: np.ndarray  # int64, len U + 1
    orphans: np.ndarray  # units with no eligible territory under the rules


def _allowed_by_account(acc_values: np.ndarray, of_account: np.ndarray, n_units: int, ok: np.ndarray) -> np.ndarray:
    """A unit passes an account-level rule only if every one of its accounts passes."""
    bad = np.bincount(of_account, weights=(~ok).astype(float), minlength=n_units)
    return bad == 0


def eligibility(units_frame: pd.DataFrame, of_account: np.ndarray, accounts: pd.DataFrame, terr: pd.DataFrame,
                match_segment: bool, match_region: bool, industry_rules: dict[str, list[str]],
                employee_bands: dict[str, tuple[float | None, float | None]]) -> np.ndarray:
    """Boolean matrix units × territories: which territory may take which unit under the rules."""
    U, T = len(units_frame), len(terr)
    mask = np.ones((U, T), dtype=bool)
    if match_segment:
        mask &= units_frame["segment"].astype(str).to_numpy()[:, None] == terr["segment"].astype(str).to_numpy()[None, :]
    if match_region:
        ur = units_frame["region"].astype("string").fillna("").to_numpy()
        tr = terr["region"].astype("string").fillna("").to_numpy()
        # a territory without a region (e.g. national named accounts) takes any region
        mask &= (ur[:, None] == tr[None, :]) | (tr[None, :] == "")
    tids = list(terr.index)
    industry = accounts["industry"].astype("string").fillna("").to_numpy()
    for tid, allowed in (industry_rules or {}).items():
        if tid in tids and allowed:
            ok = np.isin(industry, [str(a) for a in allowed])
            mask[:, tids.index(tid)] &= _allowed_by_account(industry, of_account, U, ok)
    emp = accounts["employees"].to_numpy(float) if "employees" in accounts else np.full(len(accounts), np.nan)
    for tid, band in (employee_bands or {}).items():
        if tid in tids and band:
            lo, hi = band
            ok = np.ones(len(emp), dtype=bool)
            if lo is not None:
                ok &= np.nan_to_num(emp, nan=-np.inf) >= lo
            if hi is not None:
                ok &= np.nan_to_num(emp, nan=np.inf) <= hi
            mask[:, tids.index(tid)] &= _allowed_by_account(emp, of_account, U, ok)
    return mask


def prune(mask: np.ndarray, unit_lat: np.ndarray, unit_lon: np.ndarray, home_lat: np.ndarray, home_lon: np.ndarray,
          k: int, keep: np.ndarray, fixed: np.ndarray, fallback: np.ndarray | None = None,
          reverse: float = 2.0) -> Candidates:
    """Keep each unit's ``k`` nearest eligible territories, each territory's nearest ``reverse`` books of
    units, plus the pairs in ``keep``.

    ``keep`` is a boolean units × territories matrix (current owners) kept when
    eligible.  ``fixed[u] >= 0`` pins unit u to that territory alone (locks and
    manual pins win over the rules).  Units with no eligible territory get
    ``fallback``'s k nearest territories marked as rule breaks (soft mode)
    when ``fallback`` is given, and no candidates otherwise.
    """
    U, T = mask.shape
    dist = distance_matrix_mi(unit_lat, unit_lon, home_lat, home_lon).astype(np.float32)
    dist = np.nan_to_num(dist, nan=0.0)
    n_elig = mask.sum(axis=1)
    orphans = np.flatnonzero((n_elig == 0) & (fixed < 0))
    kk = min(k, T)
    big = np.float32(1e12)
    d_elig = np.where(mask, dist, big)
    if kk < T:
        near = np.argpartition(d_elig, kk - 1, axis=1)[:, :kk]
    else:
        near = np.broadcast_to(np.arange(T), (U, T))
    sel = np.zeros((U, T), dtype=bool)
    np.put_along_axis(sel, near, True, axis=1)
    # reverse neighbours: each territory also sees the units nearest to it, about two books' worth, so a
    # territory in a thin area can still fill its band and units in a crowded area can reach further
    n_elig_f = np.maximum(n_elig, 1).astype(float)
    for t in range(T):
        el = np.flatnonzero(mask[:, t])
        if not len(el):
            continue
        r = int(np.ceil(reverse * len(el) / n_elig_f[el].mean()))
        if r >= len(el):
            sel[el, t] = True
        elif r > 0:
            sel[el[np.argpartition(dist[el, t], r - 1)[:r]], t] = True
    sel &= mask
    sel |= keep & mask
    if fallback is not None and len(orphans):
        d_fb = np.where(fallback[orphans], dist[orphans], big)
        kf = min(k, T)
        nf = np.argpartition(d_fb, kf - 1, axis=1)[:, :kf] if kf < T else np.broadcast_to(np.arange(T), (len(orphans), T))
        fb = np.zeros((len(orphans), T), dtype=bool)
        np.put_along_axis(fb, nf, True, axis=1)
        sel[orphans] = fb & fallback[orphans]
    rule_break = np.zeros((U, T), dtype=bool)
    if fallback is not None and len(orphans):
        rule_break[orphans] = sel[orphans]
    fx = np.flatnonzero(fixed >= 0)
    sel[fx] = False
    sel[fx, fixed[fx]] = True
    rule_break[fx] = False
    u, t = np.nonzero(sel)  # row-major: sorted by unit
    ptr = np.zeros(U + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=U), out=ptr[1:])
    return Candidates(unit=u.astype(np.int64), terr=t.astype(np.int64), dist_mi=dist[u, t].astype(float),
                      rule_break=rule_break[u, t], ptr=ptr, orphans=orphans)
