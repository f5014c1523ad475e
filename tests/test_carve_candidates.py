"""Candidate pruning per segment × region block equals the dense units × territories computation it replaced
(kept here as the reference), on instances with regions, soft-mode orphans, industry and employee rules,
locks, territories without a region and accounts without coordinates."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizers.carve import CarveSettings
from optimizers.territory_carve import TerritoryCarver
from optimizers.instances.companies import make_instance
from planning.data import distance_matrix_mi


def dense_prune(mask, ulat, ulon, hlat, hlon, k, keep, fixed, fallback=None, reverse=2.0):
    """The dense implementation (before the blocks): (unit, terr, dist, rule_break) of the kept pairs."""
    U, T = mask.shape
    dist = np.nan_to_num(distance_matrix_mi(ulat, ulon, hlat, hlon).astype(np.float32), nan=0.0)
    n_elig = mask.sum(axis=1)
    orphans = np.flatnonzero((n_elig == 0) & (fixed < 0))
    kk, big = min(k, T), np.float32(1e12)
    d_elig = np.where(mask, dist, big)
    near = np.argpartition(d_elig, kk - 1, axis=1)[:, :kk] if kk < T else np.broadcast_to(np.arange(T), (U, T))
    sel = np.zeros((U, T), dtype=bool)
    np.put_along_axis(sel, near, True, axis=1)
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
        nf = np.argpartition(d_fb, kk - 1, axis=1)[:, :kk] if kk < T else np.broadcast_to(np.arange(T), d_fb.shape)
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
    u, t = np.nonzero(sel)
    return u, t, dist[u, t].astype(float), rule_break[u, t]


CASES = {
    "region": (1500, 15, ("Mid-market", "SMB"), {"match_region": True}),
    "soft orphans": (900, 9, ("Mid-market", "SMB"), {"mode": "soft", "match_region": True}),
    "rules": (700, 7, ("Mid-market",), {"industry_rules": {"T-R-0001": ["Retail"], "T-R-0002": ["Software"]},
                                        "employee_bands": {"T-R-0003": [300, 700]}}),
    "k3, no-region reps, no coordinates": (600, 12, ("Mid-market", "Enterprise"), {"candidates": 3,
                                                                                    "match_region": True}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_block_pruning_equals_the_dense_reference(case, monkeypatch):
    import optimizers.carve.candidates as cand_mod

    monkeypatch.setattr(cand_mod, "CHUNK_CELLS", 50)  # many row chunks per block
    n, r, segs, kw = CASES[case]
    acc, reps = make_instance(n, r, seed=len(case), segments=segs, locked_share=0.05)
    if "soft" in case:
        acc.loc[acc.index[:40], "region"] = "Nowhere"  # no territory under the rules: soft mode's fallback
    if "k3" in case:
        reps.loc[reps.index[:2], "region"] = np.nan  # territories that take any region
        acc.loc[acc.index[:30], ["lat", "lon"]] = np.nan
    cs = CarveSettings(**kw)
    p, ctx = TerritoryCarver(cs).prepare(acc, reps, 2027, pd.Timestamp("2026-11-01"))
    c, elig = p.cand, ctx["elig"]
    mask = elig.toarray()
    U, T = mask.shape
    assert np.array_equal(elig[np.repeat(np.arange(U), T), np.tile(np.arange(T), U)].reshape(U, T), mask)
    terr, units, cur, ua = ctx["terr"], ctx["units"].frame, ctx["cur"], ctx["units"].of_account
    keep = np.zeros((U, T), dtype=bool)
    keep[ua[cur >= 0], cur[cur >= 0]] = True
    fixed = np.full(U, -1)
    fixed[np.diff(c.ptr) == 1] = c.terr[c.ptr[:-1][np.diff(c.ptr) == 1]]
    fallback = None
    if cs.mode == "soft":
        fallback = units["segment"].astype(str).to_numpy()[:, None] == terr["segment"].astype(str).to_numpy()[None, :]
        fallback[~fallback.any(axis=1)] = True
    u, t, d, rb = dense_prune(mask, units["lat"].to_numpy(), units["lon"].to_numpy(), terr["home_lat"].to_numpy(),
                              terr["home_lon"].to_numpy(), cs.candidates, keep, fixed, fallback,
                              cs.reverse_candidates)
    # units fixed by locks keep one pair either way; compare the free ones pair for pair
    assert np.array_equal(c.unit, u) and np.array_equal(c.terr, t)
    assert np.array_equal(c.dist_mi, d) and np.array_equal(c.rule_break, rb)
    if "soft" in case:
        assert len(c.orphans) and c.rule_break.any()
