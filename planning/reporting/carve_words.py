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

# "Compact shapes ←→ balance first": the weight of the potential-weighted distance to a territory's centre
# (CarveSettings.compactness; 0 = off, the default).  It shortens the reach of heavy units at some cost in travel
# and moves; the bands hold either way.
COMPACTNESS: tuple[tuple[str, float], ...] = (
    ("Compact shapes", 2.0), ("Lean to compact shapes", 0.5), ("Balance first", 0.0))
COMPACTNESS_LABEL = "Compact shapes ←→ balance first"
COMPACTNESS_HELP = ("For geographic territories. Left: units with much potential are drawn towards the territory's "
                    "centre (the rep's home), so shapes come out rounder. Right (the default): balance, relationships "
                    "and travel alone decide. The bands hold either way.")

# What a segment is carved from, as a sentence part (SegmentDefaults.carve_by / CarveSettings.units)
CARVE_BY_WORDS = {"account": "named accounts", "zip": "territories of whole ZIP codes",
                  "zip3": "territories of whole 3-digit ZIP areas", "county": "territories of whole counties",
                  "state": "territories of whole states"}


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def carve_by_words(units: dict[str, str], one_piece: bool) -> str:
    """"Mid-market and SMB: territories of whole counties, one piece each; Enterprise: named accounts": segments
    grouped by what they are carved from, geographic ones first (segments not named carve single accounts)."""
    kinds: dict[str, list[str]] = {}
    for seg, kind in units.items():
        kinds.setdefault(kind or "account", []).append(str(seg))
    parts = []
    for kind in sorted(kinds, key=lambda k: k == "account"):  # segments' order, named accounts last
        words = CARVE_BY_WORDS.get(kind, kind)
        if kind != "account":
            words += ", one piece each" if one_piece else " (may be in several pieces)"
        parts.append(f"{_and(kinds[kind])}: {words}")
    return "; ".join(parts) if parts else "every segment: named accounts"


def carving_words(plan_settings: dict | None, company) -> str:
    """How a plan's territories are made, for the Territories and Plans pages: the units it was carved from (its
    saved carve settings), or, for a plan the optimizer did not carve (today's CRM plan, an upload), what the next
    carve starts from (``company``: planning.data.defaults.Settings, its carve_by and carve_one_piece)."""
    from planning.data.defaults import carve_by

    settings = plan_settings or {}
    if "units" in settings:
        units = {**dict.fromkeys(company.segments, "account"), **(settings.get("units") or {})}
        return "Carved as " + carve_by_words(units, bool(settings.get("contiguous", True))) + "."
    return ("Not carved by the optimizer. The next carve starts from the company's settings: "
            + carve_by_words(carve_by(company), company.planning.carve_one_piece) + ".")


def compactness_step(weight: float) -> str:
    """The named compactness step nearest to a weight (a saved setting shown on the slider)."""
    return min(COMPACTNESS, key=lambda s: abs(math.log1p(s[1]) - math.log1p(max(float(weight), 0.0))))[0]


# Solver statuses, for the Solver details only.
STATUS_WORDS = {"optimal": "proven within the gap target", "feasible": "found; not proven within the gap target",
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


def curve_points(table: pd.DataFrame, moved: pd.DataFrame) -> pd.DataFrame:
    """The moves-vs-travel curve as people read it (the Carve page and the CLI): a frontier's ``table()`` with
    accounts and ARR moved replaced by ``moved`` (the core's figures per point, :func:`planning.reporting.figures.
    moved_between` against today's plan), the worst band deviation over the metrics as ``worst_dev``, and each
    point's label titled.  Canonical columns: point, label, accounts_moved, arr_moved_usd, travel_mi, worst_dev,
    status, gap, seconds."""
    out = table.copy()
    out["accounts_moved"] = moved["accounts_moved"].to_numpy()
    out["arr_moved_usd"] = moved["arr_moved_usd"].to_numpy()
    dev = [c for c in out if c.startswith("worst_dev_")]
    out["worst_dev"] = out[dev].max(axis=1) if dev else float("nan")
    out["label"] = out["label"].map(point_title)
    return out


def bands_held(balance: pd.DataFrame, slack: float = 1e-6) -> bool:
    """Whether every balance metric's worst book sits within its band after the carve (a carve's balance table:
    ``band`` and ``worst_dev_after`` per metric)."""
    if balance is None or balance.empty or "band" not in balance or "worst_dev_after" not in balance:
        return True
    return bool((balance["worst_dev_after"].fillna(0.0) <= balance["band"].fillna(math.inf) + slack).all())


def worst_book(balance: pd.DataFrame) -> tuple[float, float]:
    """(after, before): the figure "Worst book off target" (planning.reporting.figures) of a carve's balance table,
    and the same figure for today's plan (NaN when unknown)."""
    if balance is None or balance.empty:
        return math.nan, math.nan
    return float(balance["worst_dev_after"].max()), float(balance["worst_dev_before"].max())


def worst_book_today(before: float) -> str | None:
    """Today's worst book beside the carve's, as a person reads the comparison: "532% in today's plan" (not a
    "−522 pts" change); None when today's plan has no comparable book."""
    return f"{pct(before, 0 if before >= 1 else 1)} in today's plan" if math.isfinite(before) else None


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
    """A contiguous carve's gap in words: "within 1.2% of the best possible one-piece plan" (against the bound that
    knows about contiguity: the LP with the contiguity cuts, on small parts the MIP over them); "" when unknown.
    "Within", as every carve's gap: the bound is a floor under the best one-piece plan, not that plan, so the gap
    says how far the plan may be from the best, never that it is that far (Georgia's plan is the proved optimum
    and still reads 0.8%)."""
    if gap is None or (isinstance(gap, float) and math.isnan(gap)):
        return ""
    return f"within {pct(max(gap, 0.0), 1)} of the best possible one-piece plan"


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
    if status == "time_limit":  # "feasible": the search ended on its own rules, short of a proof; no clock was hit
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


def contiguity_words(territories: int, split: int) -> str:
    """Whether a carve's geographic territories are one piece, as a planner reads it: "All 23 territories are one
    piece." / "3 of 23 territories are in more than one piece."  The solver's side of it (the plan before the
    polish, the units the polish moved) is :func:`contiguity_details`, for the Solver details only."""
    if not territories:
        return "No territory is carved from geographic units, so none has a shape to keep in one piece."
    if not split:
        return "The territory is one piece." if territories == 1 else \
            f"All {count(territories)} territories are one piece."
    verb = "is" if split == 1 else "are"
    return f"{count(split)} of {count(territories)} territories {verb} in more than one piece."


def contiguity_details(cont: dict | None) -> list[tuple[str, str]]:
    """The contiguity polish in the solver's terms (a result's ``stats["contiguity"]``), rows for the Solver
    details: territories split in the solver's plan before the polish, units the polish moved, and the worst
    deviation from target before and after it.  [] for a carve without geographic territories."""
    if not cont or not cont.get("territories"):
        return []
    return [("Territories in pieces in the solver's plan (before the polish)", count(cont["split_before"])),
            ("Units the one-piece polish moved", count(cont["units_moved"])),
            ("Worst deviation from target, before → after the polish",
             f"{pct(cont['worst_dev_before'], 1)} → {pct(cont['worst_dev_after'], 1)}")]


def solver_details(status: str, gap: float | None, objective: float | None, bound: float | None,
                   seconds_build: float | None, seconds_solve: float | None, plan_from: str = "",
                   bound_plain: float | None = None, contiguity: dict | None = None) -> pd.DataFrame:
    """The solver's own terms for the "Solver details" expander: one row per item (``item``, ``value``);
    ``plan_from`` is the result's repair-ladder step (a row only when there is a plan); ``bound_plain``: with
    contiguity cuts, the LP bound without them (``bound`` is then the one-piece bound): both bounds and both gaps;
    ``contiguity``: the result's ``stats["contiguity"]``, the one-piece polish's rows (:func:`contiguity_details`)."""
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
    return pd.DataFrame(rows + contiguity_details(contiguity), columns=["item", "solver_value"])


def one_piece_proof(proof: dict | None) -> Headline | None:
    """Hard mode's word on a plan still in pieces (a result's ``stats["contiguity_proof"]``): proven impossible,
    with the territory, the units in its way and the remedy; or not proven, and why.  None: nothing to say."""
    if not proof or not proof.get("text"):
        return None
    head = label("one_piece_proof")
    if proof.get("status") == "proven":
        return Headline("error", f"{head}: proven impossible — {proof['text']}")
    return Headline("warning", f"{head}: {proof['text']}")
