"""Quota reporting: the result of quota setting, coverage against the finance target, fairness flags, exports.

* **Coverage** = Σ quotas ÷ finance target per segment, region, manager or quarter, flagged outside the band.
  Managers have no finance target of their own: theirs is the target share of their territories.
* **Fairness**: quota as a % of territory potential; the ramp-normalised ratio is compared with the segment
  median and flagged beyond the tolerance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.compensation.quota_settings import COVERAGE_BY, QUARTERS, QuotaError, QuotaSettings
from planning.reporting.formats import missing, pct, usd


@dataclass
class QuotaResult:
    """Quotas for one plan.  ``table`` has one row per territory (index territory_id).

    ``quarterly`` holds territory_id × quarter quotas; ``targets`` the plan-year
    finance targets (segment, region, quarter, bookings_target_usd); ``gaps`` the
    planned vs allocated amount per pool.
    """

    plan_name: str
    plan_year: int
    settings: QuotaSettings
    table: pd.DataFrame
    quarterly: pd.DataFrame
    targets: pd.DataFrame
    gaps: pd.DataFrame
    seconds: float = 0.0

    def for_user(self, user, reps: pd.DataFrame) -> pd.DataFrame:
        """The per-territory quota rows ``user`` may see: all, or (a manager) their team's; quotas need view_quota."""
        from planning.access import Permission, require, scope_rows

        require(user, Permission.VIEW_QUOTA)
        return scope_rows(user, self.table, reps, "owner_rep_id")

    @property
    def total_quota_usd(self) -> float:
        return float(self.table["quota_usd"].sum())

    @property
    def total_target_usd(self) -> float:
        return float(self.targets["bookings_target_usd"].sum())

    @property
    def unallocated_usd(self) -> float:
        return float(self.gaps["unallocated_usd"].sum())

    def coverage(self, by: str = "segment") -> pd.DataFrame:
        """Σ quotas vs the finance target per group: quota_usd, target_usd, coverage_ratio, flag."""
        if by not in COVERAGE_BY:
            raise QuotaError(f"coverage by {by!r}: use one of {', '.join(COVERAGE_BY)}")
        t = self.table
        if by == "quarter":
            q = self.quarterly.groupby("quarter")["quota_usd"].sum()
            tgt = self.targets.groupby("quarter")["bookings_target_usd"].sum()
        elif by == "manager":
            q = t.groupby("manager_id", dropna=False)["quota_usd"].sum()
            tgt = t.groupby("manager_id", dropna=False)["target_share_usd"].sum()
        else:
            q = t.groupby(by)["quota_usd"].sum()
            tgt = self.targets.groupby(by)["bookings_target_usd"].sum()
        out = pd.DataFrame({"quota_usd": q, "target_usd": tgt}).fillna(0.0)
        out.index.name = "manager_id" if by == "manager" else by
        out = out.reset_index()
        if by == "manager":
            names = t.drop_duplicates("manager_id").set_index("manager_id")["manager_name"]
            out.insert(1, "manager_name", out["manager_id"].map(names))
        with np.errstate(divide="ignore", invalid="ignore"):
            out["coverage_ratio"] = np.where(out["target_usd"] > 0, out["quota_usd"] / out["target_usd"], np.nan)
        lo, hi = self.settings.coverage_band
        out["flag"] = np.select([out["coverage_ratio"] < lo, out["coverage_ratio"] > hi, out["coverage_ratio"].isna()],
                                ["below band", "above band", "no target"], "")
        total = {out.columns[0]: "Total", "quota_usd": out["quota_usd"].sum(), "target_usd": out["target_usd"].sum()}
        total["coverage_ratio"] = total["quota_usd"] / total["target_usd"] if total["target_usd"] else np.nan
        total["flag"] = ("below band" if total["coverage_ratio"] < lo else "above band" if total["coverage_ratio"] > hi
                         else "")
        out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
        # A table shows ratios to one decimal, so 109.95% reads "110.0%" beside "below band": such a flag carries
        # the figure that puts it outside ("below band (109.95%)").
        words = [coverage_words(r, (lo, hi)) for r in out["coverage_ratio"]]
        out["flag"] = [f"{f} ({w})" if f in ("below band", "above band") and w != pct(r, 1) else f
                       for f, w, r in zip(out["flag"], words, out["coverage_ratio"])]
        return out

    def band_words(self) -> str:
        """The coverage band as read: "110%–120%" (a decimal where an edge has one: "115.1%")."""
        return "–".join(pct(b, 0 if abs(b * 100 - round(b * 100)) < 1e-9 else 1) for b in self.settings.coverage_band)

    def outside_band(self, coverage: dict[str, pd.DataFrame] | None = None) -> list[str]:
        """Each group whose coverage is outside the band (:meth:`band_words`), in words: "region Northeast: 109.6%
        (below)".  One decimal, two where one would round onto the band's edge, so a ratio just under the edge never
        reads as the edge itself ("110% (below band)" against 110%–120%).  ``coverage``: {by: :meth:`coverage`
        (by)} as the caller already has it (default: by segment, region and quarter)."""
        if coverage is None:
            coverage = {by: self.coverage(by) for by in ("segment", "region", "quarter")}
        lo, hi = self.settings.coverage_band
        out = []
        for by, cov in coverage.items():
            key = cov.columns[0]  # the group's column: manager_id for managers
            for _, row in cov[(cov[key] != "Total") & (cov["flag"] != "")].iterrows():
                who = f"{row['manager_name']} ({row[key]})" if by == "manager" else row[key]
                if row["flag"] == "no target":
                    out.append(f"{by} {who}: quotas of {usd(row['quota_usd'])} and no finance target")
                    continue
                side = "below" if row["flag"].startswith("below band") else "above"
                out.append(f"{by} {who}: {coverage_words(row['coverage_ratio'], (lo, hi))} ({side})")
        return out

    def summary(self) -> dict[str, float]:
        ratio = self.total_quota_usd / self.total_target_usd if self.total_target_usd else float("nan")
        return {"quota_usd": self.total_quota_usd, "target_usd": self.total_target_usd, "coverage_ratio": ratio,
                "unallocated_usd": self.unallocated_usd, "territories": len(self.table),
                "flagged": int((self.table["flags"] != "").sum())}

    def quarterly_wide(self) -> pd.DataFrame:
        """territory_id × Q1..Q4 quota (for exports)."""
        w = self.quarterly.pivot_table(index="territory_id", columns="quarter", values="quota_usd", aggfunc="sum")
        return w.reindex(index=self.table.index, columns=list(QUARTERS)).fillna(0.0).add_suffix("_quota_usd")


def fairness_flags(terr: pd.DataFrame, tolerance: float) -> None:
    """``fairness_ratio`` = ramp-normalised quota/potential ÷ segment median; flags outliers and ramp/override."""
    norm = terr["quota_pct_potential"] / terr["capacity_factor"].replace(0, np.nan)
    med = norm.groupby(terr["segment"]).transform("median")
    terr["fairness_ratio"] = norm / med
    flags = []
    for t, r in terr.iterrows():
        f = []
        if r["status"] == "open_req":
            f.append("open requisition")
        elif r["status"] == "open territory":
            f.append("open territory (planned hire)")
        elif r["status"] == "leaving":
            f.append("leaving")
        if r["capacity_factor"] < 0.999:
            f.append(f"ramp/pro-rated to {r['capacity_factor']:.0%}")
        if pd.notna(r["override_usd"]):
            f.append("override")
        if r["potential_usd"] <= 0 and r["quota_usd"] > 0:
            f.append("quota with no potential")
        elif pd.notna(r["fairness_ratio"]) and abs(r["fairness_ratio"] - 1) > tolerance:
            f.append("quota high vs potential" if r["fairness_ratio"] > 1 else "quota low vs potential")
        flags.append("; ".join(f))
    terr["flags"] = flags


def quota_export(result: QuotaResult) -> pd.DataFrame:
    """The per-territory quota table with quarterly quotas, ready for CSV/Excel."""
    return result.table.join(result.quarterly_wide()).reset_index()


def coverage_words(ratio: float, band: tuple[float, float], digits: int = 1) -> str:
    """A coverage ratio as read beside its band: ``digits`` decimals, up to two more where fewer would show a ratio
    outside the band as the band's edge ("109.97%" against 110%–120%, not "110.0%" or "110%")."""
    lo, hi = band
    if missing(ratio):
        return "–"
    d = digits
    while (ratio < lo or ratio > hi) and d < digits + 2 and pct(ratio, d) in (pct(lo, d), pct(hi, d)):
        d += 1
    return pct(ratio, d)
