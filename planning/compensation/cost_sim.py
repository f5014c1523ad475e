"""Monte Carlo cost of a set of comp plans over the spread of quota attainment.

Each draw is one possible plan year: every quota rep gets an annual attainment
(fraction of quota) from their segment's distribution, and the year's variable
cost, bookings and the share of reps at quota follow.  Attainment is a normal
fit (clipped at 0), a beta fit on [0, upper], or the history itself (the
empirical distribution of rep-level attainment over the last quarters).
Reps share a company-wide factor (``correlation`` of the variance) so good and
bad years move everyone, which is what makes the P10/P50/P90 bookings honest.
Defaults: mean = segment expected attainment, sd and correlation from
:class:`~planning.data.defaults.PlanningDefaults`; with history, mean and sd are fit
from it (segments with under 3 reps of history keep the defaults).

Variable pay per rep = plan payout at the attainment with the target variable
pro-rated by months in seat; bookings = Σ attainment × quota.  Cost of sales =
comp cost ÷ bookings.  A fixed ``seed`` gives the same numbers every run.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning.compensation.comp_plan import CompPlan, CompPlanError
from planning.data.defaults import Settings

DISTRIBUTIONS = ("normal", "beta", "history")
DISTRIBUTION_WORDS = {"normal": "Normal curve", "beta": "Beta curve (bounded)",
                      "history": "Reps' past attainment"}  # how the pages name each attainment model
PERCENTILES = (10, 50, 90)


def rep_attainment(history: pd.DataFrame | None, quarters: int) -> pd.Series:
    """rep_id → Σ bookings ÷ Σ quota over the last ``quarters`` periods of history."""
    if history is None or history.empty:
        return pd.Series(dtype=float)
    periods = sorted(history["period"].astype(str).unique())[-quarters:]
    h = history.loc[history["period"].astype(str).isin(periods)]
    g = h.groupby("rep_id")[["bookings_usd", "quota_usd"]].sum()
    g = g.loc[g["quota_usd"] > 0]
    return (g["bookings_usd"] / g["quota_usd"]).rename("attainment")


def attainment_params(quotas: pd.DataFrame, history: pd.DataFrame | None = None, defaults: Settings | None = None,
                      overrides: dict[str, dict[str, float]] | None = None) -> pd.DataFrame:
    """Per segment: mean and sd of annual attainment, and where they came from."""
    d = defaults or Settings()
    hist = rep_attainment(history, d.planning.attainment_history_quarters)
    seg_of = quotas.dropna(subset=["owner_rep_id"]).set_index("owner_rep_id")["segment"] if "owner_rep_id" in quotas else pd.Series(dtype=object)
    rows = []
    for seg in sorted(quotas["segment"].dropna().unique()):
        mean = d.segments[seg].expected_attainment if seg in d.segments else 1.0
        sd, source, sample = d.planning.attainment_sd, "defaults", np.array([])
        vals = hist.reindex(seg_of.index[seg_of == seg]).dropna().to_numpy()
        if len(vals) >= 3:
            mean, sd, source, sample = float(vals.mean()), float(vals.std(ddof=1)), f"history ({len(vals)} reps)", np.sort(vals)
        over = (overrides or {}).get(seg, {})
        mean, sd = float(over.get("mean", mean)), float(over.get("sd", sd))
        if over:
            source = "user"
        if mean <= 0 or sd <= 0:
            raise CompPlanError(f"attainment[{seg}]: mean and sd must be positive (got {mean}, {sd})")
        rows.append({"segment": seg, "mean": mean, "sd": sd, "source": source, "sample": sample})
    return pd.DataFrame(rows).set_index("segment")


def _draw(params: pd.DataFrame, segs: np.ndarray, n_draws: int, rng: np.random.Generator, distribution: str,
          correlation: float) -> np.ndarray:
    """(n_draws × reps) attainment matrix via a one-factor Gaussian copula."""
    # scipy loads here, not with the module: every CLI command imports this package, few of them simulate
    from scipy.special import betaincinv, ndtr

    n = len(segs)
    zc = rng.standard_normal((n_draws, 1))
    z = np.sqrt(correlation) * zc + np.sqrt(1 - correlation) * rng.standard_normal((n_draws, n))
    out = np.empty((n_draws, n))
    for seg in np.unique(segs):
        cols = np.flatnonzero(segs == seg)
        p = params.loc[seg]
        zz = z[:, cols]
        if distribution == "normal" or (distribution == "history" and len(p["sample"]) < 3):
            out[:, cols] = np.maximum(p["mean"] + p["sd"] * zz, 0.0)
        elif distribution == "beta":
            upper = max(2.0, p["mean"] + 4 * p["sd"])
            m, v = p["mean"] / upper, (p["sd"] / upper) ** 2
            k = m * (1 - m) / v - 1
            if k <= 0:
                raise CompPlanError(f"attainment[{seg}]: sd {p['sd']:.2f} is too wide for a beta fit")
            out[:, cols] = upper * betaincinv(m * k, (1 - m) * k, ndtr(zz))
        else:  # history: empirical quantiles of rep-level attainment (interpolated)
            sample = p["sample"]
            pos = (np.arange(len(sample)) + 0.5) / len(sample)
            out[:, cols] = np.interp(ndtr(zz), pos, sample)
    return out


@dataclass
class CompSimResult:
    """Draws of one simulation (arrays have one value per draw) plus per-rep and per-segment tables."""

    n_draws: int
    seed: int
    distribution: str
    target_usd: float
    total_variable_cost: np.ndarray
    base_cost_usd: float
    bookings: np.ndarray
    pct_at_quota: np.ndarray
    reps: pd.DataFrame
    params: pd.DataFrame
    attainment: np.ndarray = field(repr=False)
    plans: dict[str, CompPlan] = field(repr=False)
    quotas: pd.DataFrame = field(repr=False)
    early_churn_share: float = 0.0
    seconds: float = 0.0

    @property
    def total_comp_cost(self) -> np.ndarray:
        return self.total_variable_cost + self.base_cost_usd

    @property
    def cost_of_sales(self) -> np.ndarray:
        """Variable cost ÷ bookings per draw."""
        return self.total_variable_cost / np.where(self.bookings > 0, self.bookings, np.nan)

    @property
    def total_cost_of_sales(self) -> np.ndarray:
        """(Base + variable) ÷ bookings per draw."""
        return self.total_comp_cost / np.where(self.bookings > 0, self.bookings, np.nan)

    def summary(self) -> pd.DataFrame:
        """metric, unit, mean, P10, P50, P90."""
        rows = [("Total variable cost", "USD", self.total_variable_cost),
                ("Total comp cost (base + variable)", "USD", self.total_comp_cost),
                ("Cost of sales (variable ÷ bookings)", "fraction", self.cost_of_sales),
                ("Cost of sales (total comp ÷ bookings)", "fraction", self.total_cost_of_sales),
                ("Company bookings", "USD", self.bookings),
                ("Bookings ÷ target", "fraction", self.bookings / self.target_usd if self.target_usd else self.bookings * np.nan),
                ("Reps at or above quota", "fraction", self.pct_at_quota)]
        out = []
        for name, unit, arr in rows:
            p = np.nanpercentile(arr, PERCENTILES)
            out.append({"metric": name, "unit": unit, "mean": float(np.nanmean(arr)), "P10": p[0], "P50": p[1], "P90": p[2]})
        return pd.DataFrame(out)

    def bookings_vs_target(self) -> pd.DataFrame:
        """P10/P50/P90 company bookings against the finance target."""
        p = np.percentile(self.bookings, PERCENTILES)
        return pd.DataFrame({"percentile": [f"P{x}" for x in PERCENTILES], "bookings_usd": p,
                             "target_usd": self.target_usd,
                             "bookings_vs_target": p / self.target_usd if self.target_usd else np.nan})

    def probability_of_target(self) -> float:
        return float((self.bookings >= self.target_usd).mean()) if self.target_usd else float("nan")

    def accelerator_sensitivity(self, multipliers=(1.0, 1.25, 1.5, 2.0, 2.5, 3.0)) -> pd.DataFrame:
        """Cost with every plan's accelerator band set to each multiplier, on the same draws."""
        rows = []
        for m in multipliers:
            plans = {k: p.with_accelerator(m) for k, p in self.plans.items()}
            cost = _variable_cost(plans, self.quotas, self.attainment, self.early_churn_share)
            cos = cost / np.where(self.bookings > 0, self.bookings, np.nan)
            rows.append({"accelerator_multiplier": m, "mean_variable_cost_usd": cost.mean(),
                         "p90_variable_cost_usd": np.percentile(cost, 90), "mean_cost_of_sales": np.nanmean(cos)})
        return pd.DataFrame(rows)


def _variable_cost(plans: dict[str, CompPlan], quotas: pd.DataFrame, att: np.ndarray, early_churn_share: float,
                   progress: Callable[[float], None] | None = None, chunk: int = 2_000,
                   per_rep: bool = False):
    """Total variable cost per draw (and the per-rep payout matrix when ``per_rep``)."""
    segs = quotas["segment"].to_numpy()
    var_scale = quotas["months_in_seat"].to_numpy(float) / 12 if "months_in_seat" in quotas else np.ones(len(quotas))
    pay = np.empty_like(att) if per_rep else None
    total = np.zeros(att.shape[0])
    for lo in range(0, att.shape[0], chunk):
        hi = min(lo + chunk, att.shape[0])
        for seg in np.unique(segs):
            plan = plans[seg]
            cols = np.flatnonzero(segs == seg)
            a = att[lo:hi, cols]
            if plan.clawback_months > 0 and early_churn_share > 0:
                a = a * (1 - early_churn_share)  # commission on churned bookings is clawed back
            p = plan.payout(a, variable_usd=plan.variable_usd * var_scale[cols])
            total[lo:hi] += p.sum(axis=1)
            if per_rep:
                pay[lo:hi, cols] = p
        if progress:
            progress(hi / att.shape[0])
    return (total, pay) if per_rep else total


CHUNK_DRAWS = 10_000  # draws per chunk (the default run is one chunk, as before chunking)


def chunk_rng(seed: int, index: int) -> np.random.Generator:
    """The random stream of chunk ``index``: the first chunk is the seed's own stream (so a run of up to
    :data:`CHUNK_DRAWS` draws gives the numbers it always gave), later chunks a stream of their own from
    (seed, index).  Chunks never depend on each other or on who computes them, so the result is the same on
    one process or on any number of workers."""
    return np.random.default_rng(seed if index == 0 else [seed, index])


@dataclass
class SimulationSpec:
    """A validated simulation, ready to be drawn chunk by chunk (picklable: plans, quota frame, parameters)."""

    plans: dict[str, CompPlan]
    quotas: pd.DataFrame
    params: pd.DataFrame
    n_draws: int
    seed: int
    distribution: str
    correlation: float
    early_churn_share: float
    target_usd: float
    chunk_draws: int = CHUNK_DRAWS

    @property
    def n_chunks(self) -> int:
        return -(-self.n_draws // self.chunk_draws)

    def chunks(self) -> list["SimChunk"]:
        """The chunks to draw, each with its draw range and a name for progress ("draws 1–10,000")."""
        out = []
        for i in range(self.n_chunks):
            lo, hi = i * self.chunk_draws, min((i + 1) * self.chunk_draws, self.n_draws)
            out.append(SimChunk(f"draws {lo + 1:,}–{hi:,}", i, hi - lo, self))
        return out


@dataclass
class SimChunk:
    name: str
    index: int
    draws: int
    spec: SimulationSpec


@dataclass
class ChunkResult:
    """One chunk's draws: attainment and payout per draw × rep, variable cost per draw."""

    index: int
    attainment: np.ndarray
    payout: np.ndarray
    total_variable_cost: np.ndarray
    seconds: float
    status: str = "done"


def simulate_chunk(chunk: SimChunk, progress: Callable[[float], None] | None = None) -> ChunkResult:
    """Draw one chunk (module level, so a worker process can run it)."""
    t0 = time.perf_counter()
    sp = chunk.spec
    att = _draw(sp.params, sp.quotas["segment"].to_numpy(), chunk.draws, chunk_rng(sp.seed, chunk.index),
                sp.distribution, sp.correlation)
    total, pay = _variable_cost(sp.plans, sp.quotas, att, sp.early_churn_share, progress, per_rep=True)
    return ChunkResult(chunk.index, att, pay, total, time.perf_counter() - t0)


def simulation_spec(plans: dict[str, CompPlan], quotas, n_draws: int | None = None, seed: int = 7,
                    distribution: str = "normal", history: pd.DataFrame | None = None,
                    target_usd: float | None = None, defaults: Settings | None = None,
                    attainment: dict[str, dict[str, float]] | None = None, correlation: float | None = None,
                    early_churn_share: float = 0.0, user=None, chunk_draws: int = CHUNK_DRAWS) -> SimulationSpec:
    """Check the inputs of :func:`simulate_cost` and fit the attainment parameters (see there)."""
    if user is not None:
        from planning.access import Permission, require

        require(user, Permission.VIEW_COMP)
    d = defaults or Settings()
    if hasattr(quotas, "table"):
        target_usd = quotas.total_target_usd if target_usd is None else target_usd
        quotas = quotas.table
    q = quotas.loc[quotas["quota_usd"] > 0].copy()
    if q.empty:
        raise CompPlanError("quotas: no rep has a quota above 0 to simulate")
    if distribution not in DISTRIBUTIONS:
        raise CompPlanError(f"distribution: {distribution!r} is not one of {', '.join(DISTRIBUTIONS)}")
    n_draws = int(n_draws or d.planning.comp_simulation_draws)
    if n_draws < 1:
        raise CompPlanError(f"n_draws: must be at least 1, got {n_draws}")
    if int(chunk_draws) < 1:
        raise CompPlanError(f"chunk_draws: must be at least 1, got {chunk_draws}")
    missing = sorted(set(q["segment"]) - set(plans))
    if missing:
        raise CompPlanError(f"plans: no comp plan for segment(s) {', '.join(missing)}")
    rho = d.planning.attainment_correlation if correlation is None else float(correlation)
    if not 0 <= rho < 1:
        raise CompPlanError(f"correlation: must be in [0, 1), got {rho}")
    if not 0 <= early_churn_share <= 1:
        raise CompPlanError(f"early_churn_share: must be a fraction 0–1, got {early_churn_share}")
    if distribution == "history" and (history is None or history.empty):
        raise CompPlanError("distribution: 'history' needs an attainment history table")
    params = attainment_params(q, history, d, attainment)
    return SimulationSpec(dict(plans), q, params, n_draws, int(seed), distribution, rho, float(early_churn_share),
                          float(target_usd or 0.0), int(chunk_draws))


def merge_chunks(spec: SimulationSpec, chunks: list[ChunkResult], seconds: float = 0.0) -> CompSimResult:
    """The whole simulation from its chunks (in chunk order, whatever order they finished in)."""
    chunks = sorted(chunks, key=lambda c: c.index)
    att = np.concatenate([c.attainment for c in chunks]) if len(chunks) > 1 else chunks[0].attainment
    pay = np.concatenate([c.payout for c in chunks]) if len(chunks) > 1 else chunks[0].payout
    total = np.concatenate([c.total_variable_cost for c in chunks])
    q, plans = spec.quotas, spec.plans
    segs = q["segment"].to_numpy()
    quota = q["quota_usd"].to_numpy(float)
    bookings = att @ quota
    at_quota = (att >= 1.0).mean(axis=1)
    var_scale = q["months_in_seat"].to_numpy(float) / 12 if "months_in_seat" in q else np.ones(len(q))
    base = float(sum(plans[s].base_usd * v for s, v in zip(segs, var_scale)))
    pcts = np.percentile(pay, PERCENTILES, axis=0)
    reps = pd.DataFrame({
        "territory_id": q.index, "rep_id": q.get("owner_rep_id", pd.Series(index=q.index)).to_numpy(),
        "rep_name": q.get("rep_name", pd.Series(index=q.index)).to_numpy(), "segment": segs,
        "quota_usd": quota, "mean_attainment": att.mean(axis=0), "p_at_or_above_quota": (att >= 1).mean(axis=0),
        "mean_payout_usd": pay.mean(axis=0), "p10_payout_usd": pcts[0], "p50_payout_usd": pcts[1],
        "p90_payout_usd": pcts[2]})
    return CompSimResult(spec.n_draws, spec.seed, spec.distribution, spec.target_usd, total, base, bookings, at_quota,
                         reps, spec.params.drop(columns="sample"), att, dict(plans), q, spec.early_churn_share,
                         seconds=seconds)


def simulate_cost(plans: dict[str, CompPlan], quotas, n_draws: int | None = None, seed: int = 7,
                  distribution: str = "normal", history: pd.DataFrame | None = None,
                  target_usd: float | None = None, defaults: Settings | None = None,
                  attainment: dict[str, dict[str, float]] | None = None, correlation: float | None = None,
                  early_churn_share: float = 0.0, progress: Callable[[float], None] | None = None,
                  user=None, runner=None, chunk_draws: int = CHUNK_DRAWS) -> CompSimResult:
    """Simulate the cost of ``plans`` (segment → CompPlan) over the reps of ``quotas``.

    ``user`` (a :class:`planning.access.User`) must be allowed to see comp (finance, leadership, sales ops, admin).

    ``quotas`` is a :class:`~planning.compensation.quota.QuotaResult` or a frame with segment and quota_usd
    (optional months_in_seat, owner_rep_id, rep_name).  Reps with zero quota are left out.
    ``attainment`` overrides mean/sd per segment; ``early_churn_share`` is the share of bookings
    churning inside the clawback window (clawed back on plans with clawback_months > 0).

    The draws are made in chunks of ``chunk_draws`` with a stream of their own each (:func:`chunk_rng`);
    ``runner`` (the jobs layer's ``runner(fn, items, on_done)``) may draw them on other processes, and the
    numbers are the same however many there are.  Default: one chunk after another, here.
    """
    t0 = time.perf_counter()
    spec = simulation_spec(plans, quotas, n_draws, seed, distribution, history, target_usd, defaults, attainment,
                           correlation, early_churn_share, user, chunk_draws)
    items = spec.chunks()
    n = len(items)
    if runner is None:
        out = []
        for i, item in enumerate(items):
            inner = (lambda f, i=i: progress((i + f) / n)) if progress else None
            out.append(simulate_chunk(item, inner))
    else:
        finished = [0]

        def done(_i, _r):
            finished[0] += 1
            if progress:
                progress(finished[0] / n)
        out = runner(simulate_chunk, items, done)
    return merge_chunks(spec, out, seconds=time.perf_counter() - t0)


def compare_variants(variants: dict[str, dict[str, CompPlan]], quotas, **kwargs) -> pd.DataFrame:
    """The same draws (same seed) under each named set of plans, side by side."""
    rows = []
    for name, plans in variants.items():
        r = simulate_cost(plans, quotas, **kwargs)
        s = r.summary().set_index("metric")
        rows.append({"variant": name,
                     "mean_variable_cost_usd": s.loc["Total variable cost", "mean"],
                     "p90_variable_cost_usd": s.loc["Total variable cost", "P90"],
                     "mean_cost_of_sales": s.loc["Cost of sales (variable ÷ bookings)", "mean"],
                     "mean_total_cost_of_sales": s.loc["Cost of sales (total comp ÷ bookings)", "mean"],
                     "mean_pct_reps_at_quota": s.loc["Reps at or above quota", "mean"],
                     "p50_bookings_usd": s.loc["Company bookings", "P50"]})
    return pd.DataFrame(rows)
