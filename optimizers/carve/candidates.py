"""Candidate pruning: among the territories the rules allow (:mod:`planning.plans.eligibility`), each unit keeps
only its ``k`` nearest plus its current owner's territory.  The optimizer never sees a pair the rules forbid, and
the model stays small: about ``k`` columns per unit instead of one per territory.

Memory is O(pairs kept): distances are computed block by block of the rules, in row chunks (500,000 accounts ×
2,500 territories would be a 10 GB dense matrix).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planning.data import distance_matrix_mi, haversine_mi
from planning.plans.eligibility import Block, Eligibility


# distances computed at a time in prune: 4 M cells of float32 (16 MB) per chunk
CHUNK_CELLS = 4_000_000


@dataclass
class Candidates:
    """Candidate pairs (unit, territory), sorted by unit; ``ptr`` delimits each unit's pairs."""

    unit: np.ndarray  # int64, pair → unit index
    terr: np.ndarray  # int64, pair → territory index
    dist_mi: np.ndarray  # float, unit centre → territory home, miles (0 where unknown)
    rule_break: np.ndarray  # bool, pair only allowed as a soft-mode fallback (no eligible territory)
    ptr: np.ndarray  # int64, len U + 1
    orphans: np.ndarray  # units with no eligible territory under the rules


def _distances(lat: np.ndarray, lon: np.ndarray, hlat: np.ndarray, hlon: np.ndarray) -> np.ndarray:
    """Miles as float32, 0 where a point is unknown (as the model uses them)."""
    return np.nan_to_num(distance_matrix_mi(lat, lon, hlat, hlon).astype(np.float32), nan=0.0)


def _nearest(elig: Eligibility, rows: np.ndarray | None, k: int, lat, lon, hlat, hlon):
    """Each unit's ``k`` nearest allowed territories, block by block in row chunks of all territories; ``rows``:
    only these units (None: all).  Yields (units, territories) of the pairs."""
    big = np.float32(1e12)
    T = elig.shape[1]
    for blk in elig.blocks:
        units, mask = blk.units, blk
        if rows is not None:
            pick = np.isin(units, rows)
            units = units[pick]
            mask = Block(units, blk.terrs, None if blk.mask is None else blk.mask[pick])
        Tb = len(blk.terrs)
        if not len(units) or not Tb:
            continue
        kk = min(k, T)
        step = max(1, CHUNK_CELLS // T)
        for s in range(0, len(units), step):
            uu, mm = units[s:s + step], mask.rows(slice(s, s + step))
            if kk < Tb:
                # the row over all territories (ineligible ones at ``big``), as the dense computation had it: the
                # same array gives argpartition the same ties (accounts sharing a ZIP centroid tie often)
                full = np.full((len(uu), T), big, dtype=np.float32)
                full[:, blk.terrs] = np.where(mm, _distances(lat[uu], lon[uu], hlat[blk.terrs], hlon[blk.terrs]), big)
                near = np.argpartition(full, kk - 1, axis=1)[:, :kk] if kk < T else \
                    np.broadcast_to(np.arange(T), full.shape)
                r, j = np.nonzero(np.take_along_axis(full, near, axis=1) < big)
                yield uu[r], near[r, j]
            else:
                r, j = np.nonzero(mm)
                yield uu[r], blk.terrs[j]


def prune(elig: Eligibility, unit_lat: np.ndarray, unit_lon: np.ndarray, home_lat: np.ndarray, home_lon: np.ndarray,
          k: int, keep: tuple[np.ndarray, np.ndarray], fixed: np.ndarray, fallback: Eligibility | None = None,
          reverse: float = 2.0, rows: np.ndarray | None = None, terrs: np.ndarray | None = None) -> Candidates:
    """Keep each unit's ``k`` nearest eligible territories, each territory's nearest ``reverse`` books of
    units, plus the pairs in ``keep``.

    ``keep`` is a pair of index arrays (units, territories): current owners, kept when eligible.
    ``fixed[u] >= 0`` pins unit u to that territory alone (locks and manual pins win over the rules).  Units with
    no eligible territory get ``fallback``'s k nearest territories marked as rule breaks (soft mode) when
    ``fallback`` is given, and no candidates otherwise.  Memory: the pairs kept plus one chunk of distances.

    ``rows`` (ascending unit indices): only these units' pairs, exactly those the whole would give them, so long
    as ``terrs`` (the territories whose reverse neighbours are looked for; None: all) holds every territory they
    may take that the caller reads: one part's longer lists without the whole problem's (500,000 × 2,500 at 160
    candidates is 80 M pairs, 4 GB in the driver, for one part of 2.7 M).
    """
    U, T = elig.shape
    lat, lon = np.asarray(unit_lat, dtype=float), np.asarray(unit_lon, dtype=float)
    hlat, hlon = np.asarray(home_lat, dtype=float), np.asarray(home_lon, dtype=float)
    n_elig = elig.count()
    orphans = np.flatnonzero((n_elig == 0) & (fixed < 0))
    if rows is not None:
        orphans = np.intersect1d(orphans, rows)
    us, ts = [], []
    for u, t in _nearest(elig, rows, k, lat, lon, hlat, hlon):
        us.append(u)
        ts.append(t)
    # reverse neighbours: each territory also sees the units nearest to it, about two books' worth, so a
    # territory in a thin area can still fill its band and units in a crowded area can reach further
    n_elig_f = np.maximum(n_elig, 1).astype(float)
    for t in (range(T) if terrs is None else terrs.tolist()):
        el = elig.units_of(t)
        if not len(el):
            continue
        r = int(np.ceil(reverse * len(el) / n_elig_f[el].mean()))
        if r >= len(el):
            us.append(el)
        elif r > 0:
            d = _distances(lat[el], lon[el], hlat[t:t + 1], hlon[t:t + 1])[:, 0]
            us.append(el[np.argpartition(d, r - 1)[:r]])
        else:
            continue
        if rows is not None:
            us[-1] = np.intersect1d(us[-1], rows)
        ts.append(np.full(len(us[-1]), t, dtype=np.int64))
    ku, kt = (np.asarray(x, dtype=np.int64) for x in keep)
    ok = elig[ku, kt] & (True if rows is None else np.isin(ku, rows))
    us.append(ku[ok])
    ts.append(kt[ok])
    if fallback is not None and len(orphans):
        for u, t in _nearest(fallback, orphans, k, lat, lon, hlat, hlon):
            us.append(u)
            ts.append(t)
    u = np.concatenate(us) if us else np.zeros(0, dtype=np.int64)
    t = np.concatenate(ts) if ts else np.zeros(0, dtype=np.int64)
    # a fixed unit has exactly its one territory
    fx = np.flatnonzero(fixed >= 0)
    if rows is not None:
        fx = np.intersect1d(fx, rows)
    free = fixed[u] < 0
    u = np.concatenate([u[free], fx])
    t = np.concatenate([t[free], fixed[fx]])
    key = np.unique(u.astype(np.int64) * T + t)  # row-major order, duplicates dropped
    u, t = key // T, key % T
    ptr = np.zeros(U + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=U), out=ptr[1:])
    is_orphan = np.zeros(U, dtype=bool)
    is_orphan[orphans] = True
    dist = np.nan_to_num(haversine_mi(lat[u], lon[u], hlat[t], hlon[t]).astype(np.float32), nan=0.0)
    return Candidates(unit=u, terr=t, dist_mi=dist.astype(float), rule_break=is_orphan[u] & (fixed[u] < 0), ptr=ptr,
                      orphans=orphans)
