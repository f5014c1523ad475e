"""A carve in the planner's words: the headline a run gets, the trade-off settings by name, and the solver's
terms kept for the "Solver details" (status, bound, gap, timings), never for the headline.

The numbers in a headline (accounts moved, ARR moved) come from :mod:`planning.reporting.figures`, so Carve says
what Disruption and Compare say; this module only words them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from planning.reporting.formats import count, pct
from planning.reporting.labels import label

# "Keep relationships ←→ shorter travel": the continuity cost of a moved account (per account, before its ARR,
# pipeline and renewal raise it), named for what it does.  "Balanced" is CarveSettings' default weight.
TRADE_OFF: tuple[tuple[str, float], ...] = (
    ("Keep relationships", 30.0), ("Lean to keeping relationships", 12.0), ("Balanced", 5.0),
    ("Lean to shorter travel", 1.5), ("Shortest travel", 0.0))
TRADE_OFF_LABEL = "Keep relationships ←→ shorter travel"
TRADE_OFF_HELP = ("How much an account's current owner is worth against travel. Left: accounts stay with their "
                  "owner unless a band forces a move. Right: every account goes to the nearest territory with "
                  "room, however many move. Balanced is the default.")

# Solver statuses, for the Solver details only.
STATUS_WORDS = {"optimal": "proven within the gap target", "feasible": "found; the time limit stopped the proof",
                "time_limit": "found when the time limit stopped the search", "infeasible": "no plan exists",
                "cancelled": "cancelled"}
GOOD_GAP = 0.01  # within 1% of the best possible reads as a success

# The repair ladder's steps (optimizers.carve.ladder: a CarveResult's ``plan_from``), for the Solver details only.
# A step named here later than this table reads as its own name: the words follow the ladder, never block it.
PLAN_FROM_WORDS = {
    "mended rounding": "rounding of the LP, mended by single moves and swaps",
    "warm start": "the starting plan given (a warm start)", "today's plan": "today's plan as it stands",
    "fractional repair": "integer repair of the LP's fractional units",
    "neighbourhood repair": "integer repair of the LP's fractional units and their books' cheapest movers",
    "LP rounding": "rounding of the LP", "LP rounding (bands narrowed)": "rounding of the LP with narrowed bands",
    "integer repair": "integer repair of the LP", "greedy": "nearest territory with room (greedy)"}
_REBALANCED = ", rebalanced"  # a start the LP had no time for, then moved account by account (soft bands)
_ONE_PIECE = ", one-piece repair"  # the ladder's plan then made one piece by contiguity cuts in the repair MIP
_PER_PART = re.compile(r"(?<=\d part\)), |(?<=\d parts\)), ")  # "a (5 parts), b (1 part)": the ladder's list


def trade_off_weight(step: str) -> float:
    """The continuity weight of a named trade-off step."""
    return dict(TRADE_OFF)[step]


def trade_off_step(weight: float) -> str:
    """The named step nearest to a continuity weight (a saved setting shown on the slider)."""
    return min(TRADE_OFF, key=lambda s: abs(math.log1p(s[1]) - math.log1p(max(float(weight), 0.0))))[0]


def point_title(label: str) -> str:
    """A curve point's name as people read it: "fewest moves" → "Fewest moves"."""
    return label[:1].upper() + label[1:]


def bands_held(balance: pd.DataFrame, slack: float = 1e-6) -> bool:
    """Whether every balance metric's worst book sits within its band after the carve (a carve's balance table:
    ``band`` and ``worst_dev_after`` per metric)."""
    if balance is None or balance.empty or "band" not in balance or "worst_dev_after" not in balance:
        return True
    return bool((balance["worst_dev_after"].fillna(0.0) <= balance["band"].fillna(math.inf) + slack).all())


@dataclass(frozen=True)
class Headline:
    """What a run's headline says: ``tone`` is success | warning | error."""

    tone: str
    text: str


def _moved_clause(accounts_moved: int | None, newly_assigned: int = 0) -> str:
    if accounts_moved is None:
        return ""
    verb = "account moves" if accounts_moved == 1 else "accounts move"
    out = f"; {count(accounts_moved)} {verb}"
    if newly_assigned:
        out += f" and {count(newly_assigned)} unowned account{'s' if newly_assigned != 1 else ''} get an owner"
    return out


def one_piece_words(gap: float | None) -> str:
    """A contiguous carve's gap in words: "1.2% above the best possible one-piece plan" (against the bound that
    knows about contiguity: the LP with the contiguity cuts); "" when unknown."""
    if gap is None or (isinstance(gap, float) and math.isnan(gap)):
        return ""
    return f"{pct(max(gap, 0.0), 1)} above the best possible one-piece plan"


def carve_headline(status: str, gap: float | None, accounts_moved: int | None = None, *, held: bool = True,
                   newly_assigned: int = 0, one_piece: bool = False) -> Headline:
    """The headline of a carve: "Balanced plan found — within 0.13% of the best possible; 1,388 accounts move".

    ``gap``: how far the plan's cost may be from the best possible (the solver's bound); ``held``: every book
    within its band (see :func:`bands_held`); ``accounts_moved`` / ``newly_assigned``: the figures of
    :func:`planning.reporting.figures.moved_between` against today's plan (left out when None); ``one_piece``: the
    gap is against the best possible one-piece plan (contiguity cuts in the model, see :func:`one_piece_words`)."""
    if status == "cancelled":
        return Headline("warning", "Carve cancelled; nothing changed")
    if status not in ("optimal", "feasible", "time_limit"):
        return Headline("error", "No plan meets these bands and rules")
    known = gap is not None and not (isinstance(gap, float) and math.isnan(gap))
    within = f" — within {pct(gap, 2)} of the best possible" if known else ""
    if one_piece and known:
        within = f" — {one_piece_words(gap)}"
    what = "Balanced plan found" if held else "Plan found, but some books stay outside their bands"
    if status != "optimal":
        what += " in the time allowed"
    tone = "success" if held and (status == "optimal" or (known and gap <= GOOD_GAP)) else "warning"
    return Headline(tone, what + within + _moved_clause(accounts_moved, newly_assigned))


def _one_source(source: str) -> str:
    if source.endswith(_ONE_PIECE):
        return (_one_source(source[:-len(_ONE_PIECE)]) if len(source) > len(_ONE_PIECE) else "the LP") + \
            ", then made one piece per territory by contiguity cuts in the integer repair"
    base = source[:-len(_REBALANCED)] if source.endswith(_REBALANCED) else source
    words = PLAN_FROM_WORDS.get(base, base)
    return words + (", rebalanced account by account (the LP ran out of time)" if base != source else "")


def plan_from_words(plan_from: str) -> str:
    """Which step of the repair ladder produced the plan, in words: "integer repair" → "integer repair of the LP";
    per part when the parts differ ("rounding of the LP (5 parts); integer repair of the LP (1 part)")."""
    out = []
    for piece in _PER_PART.split(plan_from.strip()) if plan_from.strip() else []:
        m = re.fullmatch(r"(.+) \((\d+ parts?)\)", piece)
        source, parts = m.groups() if m else (piece, "")
        out.append(_one_source(source) + (f" ({parts})" if parts else ""))
    return "; ".join(out)


def solver_details(status: str, gap: float | None, objective: float | None, bound: float | None,
                   seconds_build: float | None, seconds_solve: float | None, plan_from: str = "",
                   bound_plain: float | None = None) -> pd.DataFrame:
    """The solver's own terms for the "Solver details" expander: one row per item (``item``, ``value``);
    ``plan_from`` is the result's repair-ladder step (a row only when there is a plan); ``bound_plain``: with
    contiguity cuts, the LP bound without them (``bound`` is then the one-piece bound): both bounds and both gaps."""
    def num(v, fmt):
        return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)

    source = [(label("plan_from"), plan_from_words(plan_from))] if plan_from else []
    rows = [("Solver status", f"{status} ({STATUS_WORDS.get(status, status)})"), *source,
            ("Gap to the LP bound", pct(gap, 2) if gap is not None else "–"),
            ("Objective (model units)", num(objective, ",.1f")), ("LP bound (model units)", num(bound, ",.1f")),
            ("Model build", f"{num(seconds_build, '.1f')} s"), ("Solve", f"{num(seconds_solve, '.1f')} s")]
    if bound_plain is not None and not math.isnan(bound_plain):
        plain_gap = (objective - bound_plain) / abs(objective) if objective else None
        rows[len(source) + 1:len(source) + 4] = [
            ("Gap to the best possible one-piece plan", pct(gap, 2) if gap is not None else "–"),
            ("Gap to the LP bound without contiguity", pct(plain_gap, 2) if plain_gap is not None else "–"),
            ("Objective (model units)", num(objective, ",.1f")),
            ("One-piece bound (model units)", num(bound, ",.1f")),
            ("LP bound without contiguity (model units)", num(bound_plain, ",.1f"))]
    return pd.DataFrame(rows, columns=["item", "solver_value"])
