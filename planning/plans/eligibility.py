"""Which territory may take which unit under the rules (segment, region, industry / vertical, employee bands).

The rules are kept per block (the units of one segment × region group and the territories that group may reach),
so memory is O(eligible pairs of one group), never units × territories (500,000 accounts × 2,500 territories would
be a 10 GB dense matrix).  Locks and pins are not rules: they win over them (the carve's candidates,
:mod:`optimizers.carve.candidates`, fix such units to their one territory).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Block:
    """Units of one rules group and the territories the group may reach: ``mask[i, j]`` says whether territory
    ``terrs[j]`` may take unit ``units[i]`` (both index arrays ascending)."""

    units: np.ndarray
    terrs: np.ndarray
    mask: np.ndarray | None  # None: every pair of the block is allowed (no rule narrows it; no memory)

    def rows(self, sel=slice(None)) -> np.ndarray:
        """The mask's rows ``sel`` (made on the fly when every pair is allowed)."""
        if self.mask is not None:
            return self.mask[sel]
        n = len(self.units[sel])
        return np.ones((n, len(self.terrs)), dtype=bool)

    def restrict(self, col: int, unit_ok: np.ndarray) -> None:
        """Only the units with ``unit_ok`` may go to the block's territory ``col``."""
        if self.mask is None:
            self.mask = np.ones((len(self.units), len(self.terrs)), dtype=bool)
        self.mask[:, col] &= unit_ok


class Eligibility:
    """Which territory may take which unit, units × territories, stored per :class:`Block` (each unit in exactly
    one block; everything outside the blocks is not allowed).  Indexing ``elig[u, t]`` with index arrays looks
    pairs up; a territory index < 0 reads as not allowed."""

    def __init__(self, n_units: int, n_terr: int, blocks: list[Block]):
        self.shape = (n_units, n_terr)
        self.blocks = blocks
        self.block_of = np.full(n_units, -1, dtype=np.int64)
        self.row_of = np.zeros(n_units, dtype=np.int64)
        self.col_of = np.full((len(blocks), n_terr), -1, dtype=np.int64)
        for b, blk in enumerate(blocks):
            self.block_of[blk.units] = b
            self.row_of[blk.units] = np.arange(len(blk.units))
            self.col_of[b, blk.terrs] = np.arange(len(blk.terrs))

    def __getitem__(self, key) -> np.ndarray:
        u, t = (np.atleast_1d(np.asarray(x, dtype=np.int64)) for x in key)
        u, t = np.broadcast_arrays(u, t)
        out = np.zeros(u.shape, dtype=bool)
        ok = (t >= 0) & (self.block_of[u] >= 0)
        b = np.where(ok, self.block_of[u], 0)
        col = np.where(ok, self.col_of[b, np.where(ok, t, 0)], -1)
        ok &= col >= 0
        for k in np.unique(b[ok]):
            sel = ok & (b == k)
            m = self.blocks[k].mask
            out[sel] = True if m is None else m[self.row_of[u[sel]], col[sel]]
        return out

    def count(self) -> np.ndarray:
        """Eligible territories per unit."""
        n = np.zeros(self.shape[0], dtype=np.int64)
        for blk in self.blocks:
            n[blk.units] = len(blk.terrs) if blk.mask is None else blk.mask.sum(axis=1)
        return n

    def units_of(self, t: int) -> np.ndarray:
        """Units territory ``t`` may take, ascending."""
        parts = [blk.units if blk.mask is None else blk.units[blk.mask[:, self.col_of[b, t]]]
                 for b, blk in enumerate(self.blocks) if self.col_of[b, t] >= 0]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def toarray(self) -> np.ndarray:
        """The dense units × territories matrix (small instances and tests only)."""
        out = np.zeros(self.shape, dtype=bool)
        for blk in self.blocks:
            out[np.ix_(blk.units, blk.terrs)] = blk.rows()
        return out


def _allowed_by_account(of_account: np.ndarray, n_units: int, ok: np.ndarray) -> np.ndarray:
    """A unit passes an account-level rule only if every one of its accounts passes."""
    bad = np.bincount(of_account, weights=(~ok).astype(float), minlength=n_units)
    return bad == 0


def group_blocks(unit_seg: np.ndarray | None, unit_reg: np.ndarray | None, terr_seg: np.ndarray | None,
                 terr_reg: np.ndarray | None, n_units: int, n_terr: int) -> list[Block]:
    """One block per group of units (same segment when ``unit_seg`` is given, same region when ``unit_reg`` is):
    the territories of the same segment and of the same region or of none (a territory without a region, e.g.
    national named accounts, takes any region).  A group whose segment has no territory at all reaches every
    territory when ``terr_seg`` is None for it (see :func:`segment_fallback`)."""
    keys = np.zeros(n_units, dtype=np.int64)
    parts = [x for x in (unit_seg, unit_reg) if x is not None]
    if parts:
        frame = pd.DataFrame({i: p for i, p in enumerate(parts)})
        keys = frame.groupby(list(frame.columns), sort=True, dropna=False).ngroup().to_numpy()
    blocks = []
    order = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    for units in np.split(order, bounds):
        if not len(units):
            continue
        u0 = units[0]
        cols = np.ones(n_terr, dtype=bool)
        if unit_seg is not None:
            cols &= terr_seg == unit_seg[u0]
        if unit_reg is not None:
            cols &= (terr_reg == unit_reg[u0]) | (terr_reg == "")
        terrs = np.flatnonzero(cols)
        blocks.append(Block(units=np.sort(units), terrs=terrs, mask=None))
    return blocks


def eligibility(units_frame: pd.DataFrame, of_account: np.ndarray, accounts: pd.DataFrame, terr: pd.DataFrame,
                match_segment: bool, match_region: bool, industry_rules: dict[str, list[str]],
                employee_bands: dict[str, tuple[float | None, float | None]]) -> Eligibility:
    """Which territory may take which unit under the rules, per segment × region block."""
    U, T = len(units_frame), len(terr)
    useg = units_frame["segment"].astype(str).to_numpy() if match_segment else None
    tseg = terr["segment"].astype(str).to_numpy() if match_segment else None
    ureg = units_frame["region"].astype("string").fillna("").to_numpy().astype(str) if match_region else None
    treg = terr["region"].astype("string").fillna("").to_numpy().astype(str) if match_region else None
    blocks = group_blocks(useg, ureg, tseg, treg, U, T)
    tids = list(terr.index)

    def restrict(tid: str, unit_ok: np.ndarray) -> None:
        t = tids.index(tid)
        for blk in blocks:
            j = np.searchsorted(blk.terrs, t)
            if j < len(blk.terrs) and blk.terrs[j] == t:
                blk.restrict(j, unit_ok[blk.units])

    industry = accounts["industry"].astype("string").fillna("").to_numpy()
    for tid, allowed in (industry_rules or {}).items():
        if tid in tids and allowed:
            ok = np.isin(industry, [str(a) for a in allowed])
            restrict(tid, _allowed_by_account(of_account, U, ok))
    emp = accounts["employees"].to_numpy(float) if "employees" in accounts else np.full(len(accounts), np.nan)
    for tid, band in (employee_bands or {}).items():
        if tid in tids and band:
            lo, hi = band
            ok = np.ones(len(emp), dtype=bool)
            if lo is not None:
                ok &= np.nan_to_num(emp, nan=-np.inf) >= lo
            if hi is not None:
                ok &= np.nan_to_num(emp, nan=np.inf) <= hi
            restrict(tid, _allowed_by_account(of_account, U, ok))
    return Eligibility(U, T, blocks)


def segment_fallback(units_frame: pd.DataFrame, terr: pd.DataFrame) -> Eligibility:
    """Soft mode's fallback for units no territory may take under the rules: any territory of the unit's segment
    (any territory at all when its segment has none)."""
    U, T = len(units_frame), len(terr)
    useg = units_frame["segment"].astype(str).to_numpy()
    tseg = terr["segment"].astype(str).to_numpy()
    blocks = group_blocks(useg, None, tseg, None, U, T)
    for blk in blocks:
        if not len(blk.terrs):  # no territory of this segment: every territory
            blk.terrs = np.arange(T)
    return Eligibility(U, T, blocks)
