"""The greedy baseline: nearest territory with room left.

What a careful analyst does in a spreadsheet: take accounts from the largest
down, give each to the nearest eligible territory that still has room under
every balance band (and the accounts cap), or to the least-full one when none
has room.  It ignores current owners.  Used as the benchmark baseline and as
the warm start / fallback incumbent of the model.
"""
from __future__ import annotations

import numpy as np

from optimizers.carve.model import Problem


def greedy_assign(p: Problem, order_metric: int = 0) -> np.ndarray:
    """Territory index per unit (fixed units keep their single candidate)."""
    c = p.cand
    U, T = p.n_units, p.n_terr
    n_c = np.diff(c.ptr)
    assign = np.full(U, -1, dtype=np.int64)
    fixed = np.flatnonzero(n_c == 1)
    assign[fixed] = c.terr[c.ptr[fixed]]
    M = p.unit_metrics.shape[1]
    loads = np.zeros((T, M))
    counts = np.zeros(T)
    if len(fixed):
        for m in range(M):
            loads[:, m] = np.bincount(assign[fixed], weights=p.unit_metrics[fixed, m], minlength=T)
        counts = np.bincount(assign[fixed], weights=p.unit_accounts[fixed], minlength=T).astype(float)
    free = np.flatnonzero(n_c > 1)
    key = p.unit_metrics[free, order_metric] if M else p.unit_accounts[free]
    free = free[np.argsort(-key, kind="stable")]
    hi = np.where(p.hi > 0, p.hi, 0.0)
    cap = p.max_accounts
    for u in free:
        a, b = c.ptr[u], c.ptr[u + 1]
        ts = c.terr[a:b]
        order = np.argsort(c.dist_mi[a:b] + np.where(c.rule_break[a:b], 1e9, 0), kind="stable")
        ts = ts[order]
        v = p.unit_metrics[u]
        fits = np.all(loads[ts] + v <= hi[ts] + 1e-9, axis=1) & (counts[ts] + p.unit_accounts[u] <= cap[ts])
        if fits.any():
            t = ts[np.argmax(fits)]
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                fill = np.nan_to_num((loads[ts] + v) / np.where(hi[ts] > 0, hi[ts], np.nan), nan=np.inf).max(axis=1) \
                    if M else counts[ts]
            t = ts[np.argmin(fill)]
        assign[u] = t
        loads[t] += v
        counts[t] += p.unit_accounts[u]
    return assign
