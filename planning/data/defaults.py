"""The numbers of ``shared/domain.md`` as editable defaults.

Every figure here is a *default*: the UI pre-fills its widgets from these
objects and the CLI accepts a YAML/TOML settings file that overrides any of
them (see :func:`load_settings`).  Code elsewhere must take these values as
parameters instead of repeating the numbers.

Units: money is annual USD, durations are months, rates are fractions.
"""
from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planning.data.currency import RateTable
from planning.data.potential import PotentialFactors, SegmentPotential

SOURCE = "shared/domain.md (industry rules of thumb; edit to match your company)"

SEGMENTS = ("Enterprise", "Mid-market", "SMB")
# What a segment's territories are carved from (SegmentDefaults.carve_by): single accounts (named accounts) or a
# geography whose accounts always move together (planning.plans.carving_units builds them)
CARVE_BY = ("account", "zip", "zip3", "county", "state")
ROLES = ("AE", "SDR", "SE", "CSM", "Manager", "Channel")
QUOTA_ROLES = ("AE", "Channel")
REP_STATUSES = ("active", "open_req", "leaving")

INDUSTRIES = (
    "Software",
    "Healthcare",
    "Financial Services",
    "Manufacturing",
    "Retail",
    "Education",
    "Media",
    "Logistics",
    "Professional Services",
    "Energy",
    "Government",
    "Telecommunications",
)


@dataclass(frozen=True)
class SegmentDefaults:
    """Coverage and capacity defaults for one segment."""

    name: str
    typical_acv_usd: tuple[float, float]
    coverage_model: str
    accounts_per_rep: tuple[int, int]
    workload_hours_per_account: float  # hours per year to cover one account
    ramp_months: int
    ramp_curve: tuple[float, ...]  # monthly % of full productivity, ends at 1.0
    quota_usd: float  # annual quota of a fully ramped AE
    expected_attainment: float
    pay_mix_base: float  # share of OTE paid as base
    ote_usd: float
    annual_attrition: float
    time_to_hire_months: int
    loaded_cost_extra: float  # benefits + tools as a share of OTE
    accelerator_from: float  # attainment where accelerators start
    # what the segment's territories are carved from: account (named accounts) | zip | zip3 | county | state
    # (geographic territories); the Carve page, the CLI's `carve`, the jobs and the seeded draft proposal start from
    # it (planning.plans.carving_units).  By the coverage model: Enterprise's named accounts by account, the demo's
    # Mid-market and SMB geographic territories by county (issue 24: 23 of 23 one piece within the bands, 6.0% from
    # the one-piece bound, ~4-5 s against ~0.9 s by account; the field's own default is account, as for any segment
    # a settings file adds).
    carve_by: str = "account"


SEGMENT_DEFAULTS: dict[str, SegmentDefaults] = {
    "Enterprise": SegmentDefaults(
        name="Enterprise",
        typical_acv_usd=(100_000, 500_000),
        coverage_model="named accounts",
        accounts_per_rep=(10, 15),
        workload_hours_per_account=120.0,
        ramp_months=7,
        ramp_curve=(0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0),
        quota_usd=1_200_000,
        expected_attainment=0.80,
        pay_mix_base=0.50,
        ote_usd=300_000,
        annual_attrition=0.15,
        time_to_hire_months=3,
        loaded_cost_extra=0.25,
        accelerator_from=0.80,
        carve_by="account",
    ),
    "Mid-market": SegmentDefaults(
        name="Mid-market",
        typical_acv_usd=(25_000, 75_000),
        coverage_model="geographic territories",
        accounts_per_rep=(100, 150),
        workload_hours_per_account=12.0,
        ramp_months=5,
        ramp_curve=(0.0, 0.25, 0.5, 0.75, 0.9, 1.0),
        quota_usd=800_000,
        expected_attainment=0.85,
        pay_mix_base=0.55,
        ote_usd=200_000,
        annual_attrition=0.20,
        time_to_hire_months=2,
        loaded_cost_extra=0.25,
        accelerator_from=1.00,
        carve_by="county",
    ),
    "SMB": SegmentDefaults(
        name="SMB",
        typical_acv_usd=(5_000, 15_000),
        coverage_model="pooled / round-robin",
        accounts_per_rep=(300, 450),
        workload_hours_per_account=4.0,
        ramp_months=3,
        ramp_curve=(0.25, 0.5, 0.75, 1.0),
        quota_usd=500_000,
        expected_attainment=0.85,
        pay_mix_base=0.60,
        ote_usd=130_000,
        annual_attrition=0.30,
        time_to_hire_months=2,
        loaded_cost_extra=0.25,
        accelerator_from=1.00,
        carve_by="county",
    ),
}


@dataclass(frozen=True)
class RoleDefaults:
    """Pay mix ranges (base share of OTE) and support ratios per role."""

    role: str
    pay_mix_base_range: tuple[float, float]
    ote_usd: float
    per_ae: float | None = None  # support heads per AE, None for quota roles


ROLE_DEFAULTS: dict[str, RoleDefaults] = {
    "Enterprise AE": RoleDefaults("Enterprise AE", (0.50, 0.55), 300_000),
    "Mid-market AE": RoleDefaults("Mid-market AE", (0.55, 0.60), 200_000),
    "SMB AE": RoleDefaults("SMB AE", (0.60, 0.65), 130_000),
    "SDR": RoleDefaults("SDR", (0.70, 0.80), 90_000, per_ae=1 / 3),
    "SE": RoleDefaults("SE", (0.80, 0.90), 220_000, per_ae=1 / 4),
    "CSM": RoleDefaults("CSM", (0.70, 0.80), 140_000),
    "Channel": RoleDefaults("Channel", (0.60, 0.60), 200_000),
}


@dataclass(frozen=True)
class SegmentBands:
    """Derive a segment from employee count when an account has none.

    An account with ``employees >= enterprise_min_employees`` is Enterprise,
    ``>= midmarket_min_employees`` Mid-market, otherwise SMB.  Revenue bands
    are used when employees are missing.
    """

    enterprise_min_employees: int = 1000
    midmarket_min_employees: int = 100
    enterprise_min_revenue_usd: float = 250_000_000
    midmarket_min_revenue_usd: float = 20_000_000


@dataclass(frozen=True)
class PlanningDefaults:
    """Thresholds used across pages (health flags, windows, ratios)."""

    productivity_variance_flag: float = 2.0  # best/worst comparable territory
    pipeline_coverage_target: float = 3.0  # qualified pipeline ÷ period target
    renewal_window_days: int = 90  # a renewal this close makes a move "break" a relationship
    # Mid-year changes (issue 25): open opportunities on a moved account stay credited to the previous owner for
    # this many days from the change's effective date (90 is common; domain.md "During the year")
    holdover_days: int = 90
    quota_over_assignment: float = 0.15  # default, typical range 0.10–0.20
    quota_over_assignment_range: tuple[float, float] = (0.10, 0.20)
    utilisation: float = 0.80  # share of time spent selling
    crm_annual_decay: float = 0.225  # share of CRM records going stale per year
    stale_after_days: int = 365
    bdr_qualified_opps_per_month: float = 20.0
    csm_book_usd: float = 2_500_000  # ARR one CSM can cover
    attainment_history_quarters: int = 6
    # Quota & comp (issue 6).  Not in domain.md: common practice, edit to match your company.
    attainment_sd: float = 0.25  # spread (std) of annual quota attainment across reps, fraction of quota
    attainment_correlation: float = 0.20  # share of attainment variance that is company-wide (good/bad year)
    comp_accelerator_multiplier: float = 1.5  # commission rate multiplier in the accelerator band
    comp_simulation_draws: int = 10_000  # Monte Carlo draws of a comp cost simulation
    quota_fairness_tolerance: float = 0.25  # flag quota/potential more than this far from the segment median
    # Uploads (issue 27), per file; sized for a 2-core / 24 GB server (a 250,000-row export takes ~1.3 GB loaded).
    upload_max_mb: float = 50.0
    upload_max_rows: int = 250_000
    # Geographic territories (issue 24): segments carved by ZIP, ZIP3, county or state get one connected piece
    # each, the shape a first-line manager can draw on a map (SegmentDefaults.carve_by says which segments)
    carve_one_piece: bool = True


@dataclass
class Settings:
    """All editable defaults in one object, as loaded from a settings file."""

    segments: dict[str, SegmentDefaults] = field(default_factory=lambda: dict(SEGMENT_DEFAULTS))
    roles: dict[str, RoleDefaults] = field(default_factory=lambda: dict(ROLE_DEFAULTS))
    bands: SegmentBands = field(default_factory=SegmentBands)
    planning: PlanningDefaults = field(default_factory=PlanningDefaults)
    industries: tuple[str, ...] = INDUSTRIES
    regions: dict[str, str] = field(default_factory=lambda: dict(STATE_REGION))
    # Accounts outside the US: ISO country → sales region (others get "International").
    country_regions: dict[str, str] = field(default_factory=lambda: dict(COUNTRY_REGION))
    currency: RateTable = field(default_factory=RateTable)  # dated rates to USD for non-USD amounts
    potential: PotentialFactors = field(default_factory=PotentialFactors)  # the estimate where no potential is uploaded


def carve_by(settings: Settings | None = None) -> dict[str, str]:
    """Segment → what its territories are carved from (account | zip | zip3 | county | state), as set."""
    return {name: seg.carve_by for name, seg in (settings or Settings()).segments.items()}


def workload_hours(segment: str, settings: Settings | None = None) -> float:
    """Default hours per year to cover one account of ``segment``."""
    s = (settings or Settings()).segments
    return s[segment].workload_hours_per_account if segment in s else float("nan")


def _merge(obj: Any, overrides: dict[str, Any]) -> Any:
    """Return a copy of dataclass ``obj`` with ``overrides`` applied (recursively)."""
    if not dataclasses.is_dataclass(obj):
        return overrides
    known = {f.name for f in dataclasses.fields(obj)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"unknown setting(s) for {type(obj).__name__}: {', '.join(sorted(unknown))}")
    changes = {}
    for key, value in overrides.items():
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current) and isinstance(value, dict):
            changes[key] = _merge(current, value)
        elif isinstance(current, tuple) and isinstance(value, list):
            changes[key] = tuple(value)
        else:
            changes[key] = value
    return dataclasses.replace(obj, **changes)


def settings_from_dict(data: dict[str, Any]) -> Settings:
    """Build :class:`Settings` from a nested dict (as read from YAML/TOML)."""
    base = Settings()
    data = dict(data or {})
    segments = dict(base.segments)
    for name, over in (data.pop("segments", None) or {}).items():
        if name not in segments:
            raise ValueError(f"unknown segment in settings: {name!r} (known: {', '.join(segments)})")
        segments[name] = _merge(segments[name], over)
    roles = dict(base.roles)
    for name, over in (data.pop("roles", None) or {}).items():
        roles[name] = _merge(roles[name], over) if name in roles else RoleDefaults(role=name, **over)
    for name, seg in segments.items():
        if seg.carve_by not in CARVE_BY:
            raise ValueError(f"segments.{name}.carve_by must be one of {', '.join(CARVE_BY)}, not {seg.carve_by!r}")
    out = Settings(segments=segments, roles=roles)
    if "bands" in data:
        out.bands = _merge(out.bands, data.pop("bands"))
    if "planning" in data:
        out.planning = _merge(out.planning, data.pop("planning"))
    if "industries" in data:
        out.industries = tuple(data.pop("industries"))
    if "regions" in data:
        out.regions = {**out.regions, **data.pop("regions")}
    if "country_regions" in data:
        out.country_regions = {**out.country_regions, **data.pop("country_regions")}
    if "currency" in data:  # {rates: [{currency: EUR, usd_per_unit: 1.08, as_of: 2026-10-01}, ...]}
        out.currency = RateTable.from_records((data.pop("currency") or {}).get("rates", []))
    if "potential" in data:
        out.potential = potential_from_dict(data.pop("potential") or {})
    if data:
        raise ValueError(f"unknown settings section(s): {', '.join(sorted(data))}")
    return out


def potential_from_dict(data: dict[str, Any]) -> PotentialFactors:
    """Potential factors from a settings section; segments and industries not named keep their defaults."""
    base = PotentialFactors()
    data = dict(data)
    segs = dict(base.segments)
    for name, over in (data.pop("segments", None) or {}).items():
        segs[name] = _merge(segs[name], over) if name in segs else SegmentPotential(**over)
    out = dataclasses.replace(base, segments=segs)
    if "it_spend_share" in data:
        out = dataclasses.replace(out, it_spend_share={**out.it_spend_share, **data.pop("it_spend_share")})
    return _merge(out, data) if data else out


def read_settings_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or TOML settings file into a dict."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".toml":
        return tomllib.loads(text)
    return yaml.safe_load(text) or {}


def load_settings(path: str | Path | None = None) -> Settings:
    """Defaults, overridden by the ``defaults`` section (or whole file) at ``path``."""
    if path is None:
        return Settings()
    data = read_settings_file(path)
    return settings_from_dict(data.get("defaults", data) if isinstance(data, dict) else {})


# US state → sales region.  Four regions, the usual split for a US sales org.
STATE_REGION: dict[str, str] = {
    **dict.fromkeys(["WA", "OR", "CA", "NV", "AZ", "UT", "ID", "MT", "WY", "CO", "NM", "AK", "HI"], "West"),
    **dict.fromkeys(["ND", "SD", "NE", "KS", "MN", "IA", "MO", "WI", "IL", "IN", "MI", "OH", "TX", "OK"], "Central"),
    **dict.fromkeys(["ME", "NH", "VT", "MA", "RI", "CT", "NY", "NJ", "PA", "DE", "MD", "DC"], "Northeast"),
    **dict.fromkeys(["VA", "WV", "KY", "TN", "NC", "SC", "GA", "FL", "AL", "MS", "LA", "AR", "PR"], "Southeast"),
}
REGIONS = ("West", "Central", "Northeast", "Southeast")
COUNTRY_REGION: dict[str, str] = {
    "CA": "Canada", **dict.fromkeys(["GB", "IE", "DE", "FR", "NL", "BE", "LU", "ES", "PT", "IT", "CH", "AT", "SE", "NO",
                                     "DK", "FI", "PL", "CZ", "IL", "AE", "ZA"], "EMEA"),
    **dict.fromkeys(["AU", "NZ", "JP", "SG", "IN", "HK", "KR", "CN"], "APAC"), **dict.fromkeys(["MX", "BR"], "LATAM"),
}
