"""Proof, from the cut system, that the bands and one piece per territory cannot both hold — in words a planner
reads, with a remedy computed rather than guessed.

The elastic LP: every candidate pair x(u,t) in [0, 1], each unit assigned once, the side rows (capacity, the
disruption budget) as they are, each band row given an over- and an under-slack priced at 1 / target (a share of
the target), the pair costs zero; the connectivity cuts of :mod:`optimizers.contiguity.connectivity` (rooted at the
rep's home unit, else the a–b form) added by its cut loop.  Every cut is valid for every plan in which each
geographic territory is one piece (around its rep's home unit, where it has one), so this LP is a relaxation of
"one piece and the least total band violation": a positive optimum proves that no one-piece plan within the bands
exists.  Any round's optimum is such a bound, so a proof needs no converged loop; "not proven" does.

Read from the optimum: the territory and band with the largest relative slack, the cuts that bind for it (row
duals), and the units that stand in its way (another territory's home unit on a binding separator, or a unit next
to the cut-off side that the territory may not take).  The remedies are LPs too:

* loosen: one extra width ``e`` (share of target) for every band of the metrics that needed slack, minimised over
  the same cut system: no one-piece plan holds a band narrower than tol + e ("at least": the LP's answer is
  necessary, an integer plan may need a little more);
* release: the same elastic LP with one blocking unit given to the territory (a pair added, the other territory's
  root dropped when it is that one's home): named only when its converged loop then holds every band.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse.csgraph import connected_components

from optimizers.carve.budget import Budget
from optimizers.carve.candidates import Candidates
from optimizers.contiguity.connectivity import ConnGraph, unit_conn_graph
from optimizers.carve.model import Problem
from optimizers.contiguity.proof_lp import PROOF_MIN, Elastic, least_widening, solve_elastic

__all__ = ["ContiguityProof", "Names", "prove", "explain", "names_of", "PROOF_MIN"]

RELEASE_TRIES = 4  # blocking units tried as a release remedy (each one more elastic LP with its cut loop)
DUAL_EPS = 1e-9


@dataclass
class Names:
    """How the words name things: per territory its label ("Maria Lopez (R-019)"), its short name ("R-019") and
    its id ("T-R-019"); per unit its name ("Fresno, CA"); the kind of unit ("county"); per metric its word and band
    (± share of target)."""

    terr_label: list[str]
    terr_short: list[str]
    terr_id: list[str]
    unit_name: np.ndarray
    unit_kind: str
    metric_word: dict[str, str]
    tol: dict[str, float]


@dataclass
class ContiguityProof:
    """What the elastic LP over the cuts says.  ``status``: "proven" (no one-piece plan within the bands exists),
    "lp_feasible" (the LP with every violated cut added holds the bands: not proven impossible), "open" (the cut
    loop ran out of time with a zero optimum: nothing proven either way) or "no_lp" (no LP answer in time)."""

    status: str
    slack: float = 0.0  # least total band violation of a one-piece plan, shares of a target (an LP bound)
    territory: int = -1
    metric: str = ""
    side: str = ""  # "under" | "over"
    band_level: float = 0.0  # the band edge it cannot reach, share of target (0.9 for −10%)
    loosen: dict[str, float] = field(default_factory=dict)  # metric → the narrowest band a one-piece plan may hold
    release: tuple[int, int] | None = None  # (unit, territory): giving it the unit makes the LP feasible
    blockers: list[tuple[int, int]] = field(default_factory=list)  # (unit, territory whose home it is, −1: none)
    binding_cuts: int = 0
    cuts: int = 0
    rounds: int = 0
    seconds: float = 0.0
    text: str = ""

    @property
    def proven(self) -> bool:
        return self.status == "proven"

    def as_stats(self) -> dict:
        """The figures a result's stats keep (pages, the CLI and benchmarks read these)."""
        return {"status": self.status, "slack": self.slack, "territory": self.territory, "metric": self.metric,
                "loosen": dict(self.loosen), "release": list(self.release) if self.release else None,
                "binding_cuts": self.binding_cuts, "cuts": self.cuts, "rounds": self.rounds,
                "seconds": self.seconds, "text": self.text}


# --------------------------------------------------------------------------------------- reading the optimum
def _binding(p: Problem, g: ConnGraph, el: Elastic, t: int) -> tuple[int, list[tuple[int, int]]]:
    """(binding cuts of territory t, the units in its way: (unit, territory whose home it is or −1)), the most
    binding first.  A binding cut x(i,t) ≤ x(C,t) splits t's candidate units less C into the side S holding i and
    the side R holding t's home; in the way are the units touching R (its home's side) that t cannot have: C's
    units that are another territory's home and the units t may not take, those touching S too first."""
    cuts = el.loop.cuts
    if not len(cuts):
        return 0, []
    n_rows = el.mx.A.shape[0]
    duals = np.asarray(el.h.getSolution().row_dual)[n_rows:n_rows + len(cuts)]
    mine = np.flatnonzero((cuts.terr == t) & (np.abs(duals) > DUAL_EPS))
    c = p.cand
    is_cand = np.zeros(p.n_units, dtype=bool)
    is_cand[c.unit[c.terr == t]] = True
    home_of = {int(u): int(s) for s, u in enumerate(g.root) if u >= 0 and s != t}
    weight: dict[tuple[int, int], float] = {}
    for k in mine:
        row = cuts.A.getrow(k)
        plus, sep = c.unit[row.indices[row.data > 0]], c.unit[row.indices[row.data < 0]]
        side, home_side = _sides(g, is_cand, plus, sep, int(g.root[t]))
        touch_s, touch_r = _touching(g, side), _touching(g, home_side)
        way = [u for u in sep if int(u) in home_of] + list(np.flatnonzero(~is_cand & g.geo & touch_s))
        for u in way:
            if g.root[t] >= 0 and not touch_r[u]:
                continue  # not next to the home's side: taking it would not join S to the home
            key = (int(u), home_of.get(int(u), -1))
            weight[key] = weight.get(key, 0.0) + abs(duals[k]) * (2.0 if touch_s[u] else 1.0)
    return len(mine), sorted(weight, key=lambda key: (-weight[key], key))


def _touching(g: ConnGraph, units: np.ndarray) -> np.ndarray:
    """Per unit: whether it is one of ``units`` or next to one."""
    out = np.zeros(len(g.geo), dtype=bool)
    if len(units):
        out[units] = True
        out[g.adj[units].indices] = True
    return out


def _sides(g: ConnGraph, is_cand: np.ndarray, plus: np.ndarray, sep: np.ndarray, root: int):
    """(S, R): t's candidate units less the separator connected to the cut's +1 units (not the root), and those
    connected to the root (empty for a rootless territory)."""
    keep = is_cand & g.geo
    keep[sep] = False
    idx = np.flatnonzero(keep)
    empty = np.zeros(0, dtype=np.int64)
    if not len(idx):
        return empty, empty
    _, lab = connected_components(g.adj[idx][:, idx], directed=False)
    pos = {int(u): j for j, u in enumerate(idx)}
    hit = [lab[pos[int(u)]] for u in plus if int(u) in pos and int(u) != root]
    side = idx[np.isin(lab, hit)] if hit else empty
    home = idx[lab == lab[pos[root]]] if root in pos else empty
    return side, home


def _with_pair(p: Problem, u: int, t: int) -> Problem:
    """``p`` with territory t allowed to take unit u (a pair at the unit's dearest moves, zero cost and distance)."""
    c = p.cand
    at = int(c.ptr[u + 1])
    ins = lambda a, v: np.insert(a, at, v)  # noqa: E731 - one insert rule for every per-pair array
    lo, hi = int(c.ptr[u]), at
    moves = float(p.pair_moves[lo:hi].max(initial=0.0))
    arr = float(p.pair_arr_moved[lo:hi].max(initial=0.0))
    cand = Candidates(unit=ins(c.unit, u), terr=ins(c.terr, t), dist_mi=ins(c.dist_mi, 0.0),
                      rule_break=ins(c.rule_break, False), ptr=np.r_[c.ptr[:u + 1], c.ptr[u + 1:] + 1],
                      orphans=c.orphans)
    start = None if p.lp_start is None else ins(p.lp_start, True)
    return dataclasses.replace(p, cand=cand, pair_cost=ins(p.pair_cost, 0.0), pair_moves=ins(p.pair_moves, moves),
                               pair_arr_moved=ins(p.pair_arr_moved, arr), lp_start=start)


def _release(p: Problem, g: ConnGraph, t: int, blockers: list[tuple[int, int]], budget: Budget) -> int | None:
    """The first blocking unit whose release lets the LP hold every band with every violated cut added (a converged
    loop): the proof's obstacle gone, not yet a plan (None: none of those tried, or no time)."""
    c = p.cand
    for u, owner in blockers[:RELEASE_TRIES]:
        if budget.expired():
            return None
        has = bool((c.terr[c.ptr[u]:c.ptr[u + 1]] == t).any())
        q = p if has else _with_pair(p, u, t)
        root = g.root.copy()
        if owner >= 0:
            root[owner] = -1  # no longer that territory's home: it keeps the a–b cuts only
        el = solve_elastic(q, ConnGraph(g.adj, g.geo, root), budget.share(0.5))
        if el is not None and el.loop.converged and el.bound <= PROOF_MIN:  # every cut held, every band too
            return u
    return None


# --------------------------------------------------------------------------------------------------- words
def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _band_pct(x: float) -> str:
    """A band rounded up to the whole percent (a rounded-down band would be one the proof rules out)."""
    return f"±{math.ceil(x * 100 - 1e-6):.0f}%"


def words(pr: ContiguityProof, nm: Names, p: Problem) -> str:
    """The proof in a planner's words (see the module docstring for what each part means)."""
    t, kind = pr.territory, nm.unit_kind
    metric = nm.metric_word.get(pr.metric, pr.metric)
    reach = (f"cannot reach {_pct(pr.band_level)} of its {metric} target" if pr.side == "under"
             else f"cannot stay under {_pct(pr.band_level)} of its {metric} target")
    way = []
    for u, owner in pr.blockers[:2]:
        way.append(f"{nm.terr_id[owner]}'s home {kind} ({nm.unit_name[u]})" if owner >= 0
                   else f"{nm.unit_name[u]}, which it may not take")
    head = f"{nm.terr_label[t]}'s {kind} region {reach} " + (f"without crossing {' or '.join(way)}" if way
                                                            else "in one piece")
    fixes = []
    if pr.loosen:
        fixes.append("loosen " + " and ".join(f"{nm.metric_word.get(m, m)} to at least {_band_pct(v)}"
                                              for m, v in pr.loosen.items()))
    if pr.release is not None:
        fixes.append(f"let {nm.terr_short[t]} take {nm.unit_name[pr.release[0]]}")
    return head + ("; " + ", or ".join(fixes) if fixes else "") + "."


def not_proven_words(pr: ContiguityProof) -> str:
    """Why the result is no proof: the LP holds the bands, or the loop or the clock stopped first."""
    if pr.status == "lp_feasible":
        return (f"not proven impossible: with {pr.cuts:,} connectivity cuts the LP still holds every band, so a "
                f"one-piece plan within the bands may exist")
    if pr.status == "open":
        return (f"not proven impossible: with the {pr.cuts:,} connectivity cuts found in the time (the loop had not "
                f"converged) the LP still holds every band")
    return "not proven either way: the proof's LP found no answer in the time"


# ---------------------------------------------------------------------------------------------- the entry
def prove(p: Problem, g: ConnGraph, names: Names, budget: Budget) -> ContiguityProof:
    """Whether the bands and one piece per geographic territory can both hold, with the reason and the remedies
    when they cannot (see the module docstring).  ``budget``: all of it (the remedies get what the proof leaves)."""
    t0 = time.perf_counter()
    el = solve_elastic(p, g, budget)
    if el is None:
        return ContiguityProof("no_lp", seconds=time.perf_counter() - t0)
    loop = el.loop
    base = dict(cuts=len(loop.cuts), rounds=loop.rounds)
    if loop.status == "infeasible":  # the side rules and the cuts alone: no plan at all, the bands aside
        pr = ContiguityProof("proven", slack=math.inf, **base)
        pr.text = ("no plan keeps every geographic territory in one piece within the capacity and disruption rules, "
                   "whatever the bands; relax the accounts cap or the disruption budget")
        pr.seconds = time.perf_counter() - t0
        return pr
    if el.bound <= PROOF_MIN:
        pr = ContiguityProof("lp_feasible" if loop.converged else "open", slack=el.bound, **base)
        pr.text, pr.seconds = not_proven_words(pr), time.perf_counter() - t0
        return pr
    over, under = el.slacks(p)
    scale = np.where(p.target > 0, p.target, 1.0)
    rel = (over + under) / scale
    t, m = (int(i) for i in np.unravel_index(np.argmax(rel), rel.shape))
    side = "under" if under[t, m] >= over[t, m] else "over"
    level = (p.lo[t, m] if side == "under" else p.hi[t, m]) / scale[t, m]
    n_bind, blockers = _binding(p, g, el, t)
    pr = ContiguityProof("proven", slack=el.bound, territory=t, metric=p.metric_names[m], side=side,
                         band_level=float(level), blockers=blockers, binding_cuts=n_bind, **base)
    need = [k for k in range(len(p.metric_names)) if rel[:, k].sum() > PROOF_MIN / 10]
    e = least_widening(p, g, el, need, budget.share(0.5))
    if e is not None:
        pr.loosen = {p.metric_names[k]: names.tol.get(p.metric_names[k], 0.0) + e for k in need}
    u = _release(p, g, t, blockers, budget)
    pr.release = (u, t) if u is not None else None
    pr.text, pr.seconds = words(pr, names, p), time.perf_counter() - t0
    return pr


# ------------------------------------------------------------------------------------------- the carve's hook
def names_of(ctx: dict) -> Names:
    """The words for a prepared carve's territories, units and metrics."""
    from optimizers.contiguity.contiguity_graph import GEO_KINDS, unit_kinds, unit_names
    from planning.plans import METRIC_LABELS

    terr, frame = ctx["terr"], ctx["units"].frame
    kinds = unit_kinds(frame)
    geo_kinds = kinds[kinds.isin(GEO_KINDS)]
    kind = {"zip": "ZIP", "zip3": "ZIP3"}.get(str(geo_kinds.mode().iat[0]), str(geo_kinds.mode().iat[0])) \
        if len(geo_kinds) else "unit"
    words_of = {m: METRIC_LABELS.get(m, m).split(" (")[0].lower() for m in ctx["tol"]}
    return Names(terr_label=terr["label"].astype(str).tolist(),
                 terr_short=[str(o) if isinstance(o, str) and o else str(t)  # an open territory: its id
                             for o, t in zip(terr["owner_rep_id"], terr.index)],
                 terr_id=terr.index.astype(str).tolist(), unit_name=unit_names(frame), unit_kind=kind,
                 metric_word=words_of, tol=dict(ctx["tol"]))


def explain(p: Problem, ctx: dict, budget: Budget, split: tuple[int, int] = (0, 0)) -> ContiguityProof | None:
    """Hard mode's answer when its plan is not one piece per territory within the bands: the proof that none exists,
    or why there is none and what the plan reached (``split``: its territories in more than one piece, of its
    geographic territories); None: no geographic unit.  The graph and roots are the problem's own (``p.conn``, set
    when contiguity puts cuts in the model), else the unit graph with no roots (the a–b cuts only)."""
    g = p.conn if p.conn is not None else unit_conn_graph(ctx, p.n_terr)
    if g is None:
        return None
    pr = prove(p, g, names_of(ctx), budget)
    if not pr.proven and split[0]:
        pr.text += (f"; no one-piece plan within the bands was found in the time: the plan kept has {split[0]} of "
                    f"{split[1]} territories in more than one piece")
    return pr
