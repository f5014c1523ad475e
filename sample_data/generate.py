"""Generate the demo company: `python sample_data/generate.py` (deterministic, seed 2027).

Lumen Ridge Software is a fictional US B2B SaaS company with about $40M ARR,
6,000 accounts placed at real ZIP-code locations, and 60 people in four
regions.  Today's ownership is deliberately uneven (senior reps hoard
accounts, new hires got scraps) so territory balance has something to fix.
A handful of rows are broken on purpose, the way CRM exports are, so the
validation report has something to show.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from planning.data import geo# noqa: E402
from planning.data.defaults import INDUSTRIES, STATE_REGION  # noqa: E402

SEED = 2027
AS_OF = "2026-11-30"
PLAN_YEAR = 2027
COMPANY = "Lumen Ridge Software (demo)"
N_ACCOUNTS = {"Enterprise": 180, "Mid-market": 1800, "SMB": 4020}
TARGET_ARR_USD = 40_000_000
SAMPLE_DIR_FILES = ("accounts.csv", "reps.csv", "targets.csv", "history.csv", "meta.json")

# Metro hubs: (ZIP, weight). Accounts cluster around them, as real customers do.
METROS = [
    ("10001", 10), ("94105", 8), ("60601", 7), ("02110", 6), ("75201", 6), ("77002", 5), ("90012", 8),
    ("98101", 5), ("30303", 5), ("33131", 4), ("80202", 4), ("85004", 3), ("19103", 4), ("20001", 4),
    ("55401", 3), ("48226", 3), ("63101", 2), ("78701", 4), ("92101", 3), ("97204", 3), ("28202", 3),
    ("37203", 3), ("64105", 2), ("43215", 2), ("46204", 2), ("53202", 2), ("84101", 2), ("15222", 2),
    ("44113", 2), ("32801", 2), ("27601", 2), ("21202", 2), ("89101", 2), ("73102", 1), ("70112", 1),
]

ADJ = ["Blue", "Summit", "North", "Bright", "Iron", "Silver", "Granite", "Harbor", "Pioneer", "Cedar", "Maple",
       "Red", "Golden", "Clear", "Prime", "Vertex", "Atlas", "Beacon", "Crescent", "Evergreen", "Falcon", "Liberty",
       "Meridian", "Orchid", "Quantum", "Riverbend", "Sterling", "Tidal", "Union", "Willow", "Apex", "Coastal"]
NOUN = ["Ridge", "Point", "Valley", "Labs", "Works", "Systems", "Partners", "Health", "Logistics", "Foods",
        "Dynamics", "Analytics", "Networks", "Capital", "Energy", "Media", "Supply", "Motors", "Retail", "Bio",
        "Robotics", "Learning", "Freight", "Clinics", "Holdings", "Digital", "Industries", "Solutions"]
SUFFIX = ["Inc", "LLC", "Corp", "Co", "Group", "Ltd", ""]
FIRST = ["Ava", "Ben", "Carla", "Dev", "Elena", "Frank", "Grace", "Hugo", "Iris", "Jamal", "Kira", "Liam", "Maya",
         "Noah", "Olivia", "Priya", "Quinn", "Raj", "Sofia", "Tom", "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoe",
         "Aaron", "Bella", "Chris", "Dana", "Eli", "Fatima", "Gabe", "Hana", "Ivan", "Julia", "Kofi", "Lena",
         "Marco", "Nina", "Owen", "Paula", "Ravi", "Sara", "Theo", "Val", "Will", "Ximena", "Yusuf", "Zara",
         "Alan", "Beth", "Carlos", "Diane", "Erik", "Fiona", "George", "Holly", "Isaac", "Jade", "Kyle"]
LAST = ["Nguyen", "Smith", "Garcia", "Patel", "Johnson", "Kim", "Brown", "Lopez", "Chen", "Davis", "Miller",
        "Wilson", "Moore", "Taylor", "Anderson", "Thomas", "Jackson", "White", "Harris", "Martin", "Thompson",
        "Martinez", "Robinson", "Clark", "Rodriguez", "Lewis", "Lee", "Walker", "Hall", "Allen", "Young", "King",
        "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter",
        "Phillips", "Evans", "Turner", "Torres", "Parker", "Collins", "Edwards", "Stewart", "Flores", "Morris",
        "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper", "Reed", "Bailey"]


def _zip_pools(rng):
    z = geo.zip_table()
    z = z.loc[z["state"].isin(STATE_REGION) & ~z["state"].isin(["PR", "AK", "HI"])]
    pools = []
    for code, _ in METROS:
        c = z.loc[code]
        d = geo.haversine_mi(z["lat"], z["lon"], c["lat"], c["lon"])
        pools.append(z.index[d < 60].to_numpy())
    return z, pools


def _people(rng, z) -> pd.DataFrame:
    names = iter(f"{f} {l}" for f, l in zip(rng.permutation(FIRST), rng.permutation(LAST)))
    metro_by_region: dict[str, list[str]] = {}
    for code, _ in METROS:
        metro_by_region.setdefault(STATE_REGION[z.loc[code, "state"]], []).append(code)
    rows = []

    def add(rep_id, role, segment, manager, region, start, status="active", end=None, quota=None, area=None):
        home = metro_by_region[region][len(rows) % len(metro_by_region[region])]
        name = "Open requisition – " + f"{segment} {region}" if status == "open_req" else next(names)
        rows.append(dict(rep_id=rep_id, name=name, role=role, segment=segment, manager_id=manager, region=region,
                         area=area, postal_code=home, start_date=start, end_date=end, status=status, quota_usd=quota,
                         crm_user_id=None if status == "open_req" else f"0058a00000{rep_id.replace('-', '')[-5:]:0>5}A"))

    managers = [("M-01", "Enterprise", "West", "Enterprise West & Central"), ("M-02", "Enterprise", "Northeast", "Enterprise East"),
                ("M-03", "Mid-market", "West", "Mid-market West"), ("M-04", "Mid-market", "Central", "Mid-market Central"),
                ("M-05", "Mid-market", "Northeast", "Mid-market Northeast"), ("M-06", "Mid-market", "Southeast", "Mid-market Southeast"),
                ("M-07", "SMB", "Central", "SMB (national)"), ("M-08", None, "Central", "Solutions & Development")]
    for mid, seg, region, area in managers:
        add(mid, "Manager", seg, None, region, f"{2016 + int(mid[-1]) % 5}-0{1 + int(mid[-1]) % 9}-01", area=area)
    area_of = {m[0]: m[3] for m in managers}
    n = 0

    def ae(seg, mgr, region, start, quota, **kw):
        nonlocal n
        n += 1
        add(f"R-{n:03d}", "AE", seg, mgr, region, start, quota=quota, area=area_of[mgr], **kw)

    for region, mgr in [("West", "M-01"), ("West", "M-01"), ("Central", "M-01"), ("Central", "M-01"),
                        ("Northeast", "M-02"), ("Northeast", "M-02"), ("Southeast", "M-02")]:
        ae("Enterprise", mgr, region, f"20{18 + n % 5}-0{1 + n % 9}-15", 1_200_000)
    ae("Enterprise", "M-02", "Southeast", "2026-09-01", 1_200_000)  # ramping new hire
    for region, mgr in [("West", "M-03"), ("Central", "M-04"), ("Northeast", "M-05"), ("Southeast", "M-06")]:
        for k in range(3):
            start = "2026-08-03" if (region, k) == ("West", 2) else f"20{19 + (n + k) % 5}-{1 + (n * 7 + k) % 12:02d}-01"
            end = "2027-02-26" if (region, k) == ("Northeast", 1) else None
            ae("Mid-market", mgr, region, start, 800_000, status="leaving" if end else "active", end=end)
    for region in ["West", "West", "West", "Central", "Central", "Northeast", "Northeast", "Northeast", "Southeast", "Southeast"]:
        start = "2026-10-05" if n == 29 else f"20{20 + n % 5}-{1 + (n * 5) % 12:02d}-01"
        ae("SMB", "M-07", region, start, 500_000)
    add("REQ-01", "AE", "Mid-market", "M-04", "Central", "2027-03-01", status="open_req", quota=800_000, area=area_of["M-04"])
    k = 0
    for role, count in [("SDR", 10), ("SE", 6), ("CSM", 6)]:
        for i in range(count):
            k += 1
            region = ["West", "Central", "Northeast", "Southeast"][i % 4]
            add(f"S-{k:03d}", role, None, "M-08", region, f"20{21 + i % 5}-{1 + (i * 3) % 12:02d}-01", area=area_of["M-08"])
    df = pd.DataFrame(rows)
    home = z.loc[df["postal_code"]]
    df.insert(df.columns.get_loc("postal_code") + 1, "lat", home["lat"].to_numpy())
    df.insert(df.columns.get_loc("postal_code") + 2, "lon", home["lon"].to_numpy())
    return df


def _accounts(rng, z, pools, reps) -> pd.DataFrame:
    """Every account row.  The steps draw from ``rng`` in this order; another order gives another company."""
    acc = _firmographics(rng, z, pools)
    _name_and_describe(rng, z, acc)
    _owners_today(rng, acc, reps)
    acc = pd.concat([acc, _duplicate_records(acc)], ignore_index=True)
    placed = z.loc[acc["postal_code"]]
    acc["lat"], acc["lon"] = placed["lat"].to_numpy(), placed["lon"].to_numpy()
    cols = ["account_id", "name", "segment", "industry", "postal_code", "state", "lat", "lon", "region", "arr_usd", "potential_usd",
            "employees", "annual_revenue_usd", "next_renewal_date", "open_pipeline_usd", "owner_rep_id", "locked",
            "parent_account_id", "domain", "last_modified_date"]
    acc = acc[cols]
    return pd.concat([acc, _broken_rows(acc)], ignore_index=True)


def _firmographics(rng, z, pools) -> pd.DataFrame:
    """Per segment: where the accounts are (mostly around the metros), size, revenue, ARR and potential."""
    weights = np.array([w for _, w in METROS], float)
    weights /= weights.sum()
    all_zips = z.index.to_numpy()
    frames = []
    for seg, n in N_ACCOUNTS.items():
        metro_share = {"Enterprise": 0.9, "Mid-market": 0.75, "SMB": 0.6}[seg]
        in_metro = rng.random(n) < metro_share
        metro = rng.choice(len(METROS), size=n, p=weights)
        zips = np.where(in_metro, [rng.choice(pools[m]) for m in metro], rng.choice(all_zips, size=n))
        emp = {"Enterprise": lambda k: np.round(1000 + rng.lognormal(7.6, 0.9, k)),
               "Mid-market": lambda k: rng.integers(100, 1000, k),
               "SMB": lambda k: rng.integers(5, 100, k)}[seg](n)
        cust_rate, arr_mu, pot_mu, sigma = {"Enterprise": (0.70, 11.75, 12.6, 0.8), "Mid-market": (0.42, 9.95, 10.75, 0.7),
                                            "SMB": (0.30, 8.1, 9.05, 0.6)}[seg]
        customer = rng.random(n) < cust_rate
        frames.append(pd.DataFrame({
            "segment": seg, "postal_code": zips, "employees": emp.astype(int),
            "annual_revenue_usd": np.round(emp * rng.lognormal(np.log(180_000), 0.5, n), -3),
            "arr_usd": np.where(customer, rng.lognormal(arr_mu, sigma, n), 0.0),
            "potential_usd": rng.lognormal(pot_mu, sigma, n),
            "customer": customer,
        }))
    acc = pd.concat(frames, ignore_index=True)
    acc = acc.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    acc["arr_usd"] = (acc["arr_usd"] * TARGET_ARR_USD / acc["arr_usd"].sum()).round(0)
    acc["potential_usd"] = acc["potential_usd"].round(-2)
    return acc


def _name_and_describe(rng, z, acc: pd.DataFrame) -> None:
    """Ids, unique company names and domains, industry, state and region, renewal, pipeline and last edit."""
    n = len(acc)
    acc.insert(0, "account_id", [f"001{SEED}{i:06d}" for i in range(n)])
    names = [f"{ADJ[rng.integers(len(ADJ))]} {NOUN[rng.integers(len(NOUN))]}" for _ in range(n)]
    seen: dict[str, int] = {}
    for i, nm in enumerate(names):  # keep names unique; true duplicates are injected below
        seen[nm] = seen.get(nm, 0) + 1
        if seen[nm] > 1:
            names[i] = f"{nm} {['North', 'South', 'East', 'West', 'Central', 'Pacific', 'Atlantic'][seen[nm] % 7]} {seen[nm]}"
    suffix = rng.choice(SUFFIX, size=n)
    acc.insert(1, "name", [f"{nm} {s}".strip() for nm, s in zip(names, suffix)])
    acc["domain"] = [nm.lower().replace(" ", "") + ".com" for nm in names]
    ind_p = np.array([14, 12, 11, 10, 9, 7, 6, 6, 8, 5, 4, 4], float)
    acc["industry"] = rng.choice(INDUSTRIES, size=n, p=ind_p / ind_p.sum())
    loc = z.loc[acc["postal_code"]]
    acc["state"] = loc["state"].to_numpy()
    acc["region"] = acc["state"].map(STATE_REGION)
    as_of = pd.Timestamp(AS_OF)
    renew = as_of + pd.to_timedelta(rng.integers(1, 366, n), unit="D")
    acc["next_renewal_date"] = np.where(acc["customer"], renew.strftime("%Y-%m-%d"), "")
    acv = acc["segment"].map({"Enterprise": 180_000, "Mid-market": 45_000, "SMB": 9_000})
    has_pipe = rng.random(n) < 0.28
    acc["open_pipeline_usd"] = np.where(has_pipe, (acv * rng.lognormal(0, 0.6, n)).round(-2), 0.0)
    acc["last_modified_date"] = (as_of - pd.to_timedelta(rng.gamma(1.5, 140, n).astype(int), unit="D")).strftime("%Y-%m-%d")


def _owners_today(rng, acc: pd.DataFrame, reps: pd.DataFrame) -> None:
    """Today's ownership: senior reps hoard, new hires got scraps; a few accounts in the wrong segment, some with no
    owner, some locked, and Enterprise parents with Mid-market and SMB subsidiaries."""
    n = len(acc)
    as_of = pd.Timestamp(AS_OF)
    aes = reps.loc[(reps["role"] == "AE") & (reps["status"] != "open_req")].copy()
    tenure = (as_of - pd.to_datetime(aes["start_date"])).dt.days / 365
    aes["pull"] = np.clip(tenure, 1.0, 5) ** 0.7 * rng.lognormal(0, 0.3, len(aes))
    ent_region = {"West": ["West"], "Central": ["Central", "West"], "Northeast": ["Northeast"], "Southeast": ["Southeast", "Northeast"]}
    owner = []
    for seg, region in zip(acc["segment"], acc["region"]):
        if seg == "Enterprise":
            cand = aes.loc[(aes["segment"] == seg) & aes["region"].isin(ent_region[region])]
        else:
            cand = aes.loc[(aes["segment"] == seg) & (aes["region"] == region)]
        if cand.empty:
            cand = aes.loc[aes["segment"] == seg]
        p = cand["pull"].to_numpy() / cand["pull"].sum()
        owner.append(cand["rep_id"].to_numpy()[rng.choice(len(cand), p=p)])
    acc["owner_rep_id"] = owner
    wrong = rng.choice(acc.index[acc["segment"] == "Mid-market"], size=25, replace=False)
    ent_reps = aes.loc[aes["segment"] == "Enterprise", "rep_id"].to_numpy()
    acc.loc[wrong, "owner_rep_id"] = rng.choice(ent_reps, size=len(wrong))
    orphan = rng.choice(acc.index, size=36, replace=False)
    acc.loc[orphan, "owner_rep_id"] = ""
    acc["locked"] = np.where((acc["segment"] == "Enterprise") & acc["customer"] & (rng.random(n) < 0.2), "TRUE", "FALSE")
    acc.loc[orphan, "locked"] = "FALSE"
    # Parent/child families: some MM/SMB accounts are subsidiaries of an Enterprise parent.
    parents = acc.index[(acc["segment"] == "Enterprise")][:12]
    kids = rng.choice(acc.index[acc["segment"] != "Enterprise"], size=30, replace=False)
    acc["parent_account_id"] = ""
    acc.loc[kids, "parent_account_id"] = acc.loc[rng.choice(parents, size=len(kids)), "account_id"].to_numpy()


def _duplicate_records(acc: pd.DataFrame) -> pd.DataFrame:
    """Duplicate records of the same company, as CRMs accumulate them."""
    dupes = acc.sample(n=8, random_state=SEED + 1).copy()
    dupes["account_id"] = [f"001{SEED}9{i:05d}" for i in range(len(dupes))]
    dupes["name"] = dupes["name"].str.upper() + "."
    dupes["arr_usd"] = 0.0
    dupes["locked"] = "FALSE"
    dupes["parent_account_id"] = ""
    return dupes


def _broken_rows(acc: pd.DataFrame) -> pd.DataFrame:
    """Broken rows, the way real exports have them; the Data page reports each one."""
    return pd.DataFrame([
        {**acc.iloc[10].to_dict(), "account_id": "001BAD000001", "name": "Negative Revenue Test Co", "arr_usd": "-12000"},
        {**acc.iloc[11].to_dict(), "account_id": "001BAD000002", "name": "Nowhere Freight", "postal_code": "00000",
         "lat": "", "lon": ""},
        {**acc.iloc[12].to_dict(), "account_id": "001BAD000003", "name": "Orphaned Owner Labs", "owner_rep_id": "R-999"},
        {**acc.iloc[13].to_dict(), "name": "Duplicate Id Holdings"},
        {**acc.iloc[14].to_dict(), "account_id": "001BAD000005", "name": "Pending Finance Corp", "arr_usd": "n/a pending"},
        {**acc.iloc[15].to_dict(), "account_id": "001BAD000006", "name": "Strategic Partner Co", "segment": "Strategic Alliance"},
    ])


def _targets(acc: pd.DataFrame) -> pd.DataFrame:
    totals = {"Enterprise": 9_000_000, "Mid-market": 10_500_000, "SMB": 5_000_000}
    quarter_share = {"Q1": 0.22, "Q2": 0.24, "Q3": 0.25, "Q4": 0.29}
    good = acc.loc[~acc["account_id"].str.startswith("001BAD")]
    pot = pd.to_numeric(good["potential_usd"]).groupby([good["segment"], good["region"]]).sum()
    rows = []
    for seg, total in totals.items():
        share = pot[seg] / pot[seg].sum()
        for q, qs in quarter_share.items():
            # whole $1,000s that add up: each segment's quarter is exactly its share of the year (Enterprise's Q1 is
            # $1.98M, the year $9M), split over the regions by largest remainder
            thousands = _largest_remainder(share * round(total * qs / 1_000))
            for region, k in thousands.items():
                rows.append({"segment": seg, "region": region, "period": f"{PLAN_YEAR}-{q}",
                             "bookings_target_usd": float(k * 1_000)})
    return pd.DataFrame(rows).sort_values(["segment", "region", "period"], ignore_index=True)


def _largest_remainder(parts: pd.Series) -> pd.Series:
    """Whole numbers that sum to round(parts.sum()): floor each, then one more to the largest remainders."""
    floor = np.floor(parts).astype(int)
    extra = int(round(parts.sum())) - int(floor.sum())
    order = (parts - floor).sort_values(ascending=False, kind="stable").index[:extra]
    floor.loc[order] += 1
    return floor


def _history(rng, reps: pd.DataFrame, acc: pd.DataFrame) -> pd.DataFrame:
    good = acc.loc[~acc["account_id"].str.startswith("001BAD")]
    pot = pd.to_numeric(good["potential_usd"]).groupby(good["owner_rep_id"]).sum()
    rows = []
    quarters = pd.period_range("2025Q2", "2026Q3", freq="Q")
    for _, r in reps.loc[(reps["role"] == "AE") & (reps["status"] != "open_req")].iterrows():
        seg_pot = pot.reindex(reps.loc[reps["segment"] == r["segment"], "rep_id"]).median()
        edge = float(np.clip(pot.get(r["rep_id"], 0) / seg_pot, 0.3, 2.5)) ** 0.35  # better books, better attainment
        for q in quarters:
            if pd.Timestamp(r["start_date"]) > q.start_time:
                continue
            quota = r["quota_usd"] / 4
            att = max(0.0, rng.normal(0.82 * edge, 0.22))
            rows.append({"rep_id": r["rep_id"], "period": f"{q.year}-Q{q.quarter}", "quota_usd": quota,
                         "bookings_usd": round(quota * att, -2)})
    return pd.DataFrame(rows)


def generate(out: Path = ROOT) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    z, pools = _zip_pools(rng)
    reps = _people(rng, z)
    acc = _accounts(rng, z, pools, reps)
    tables = {"reps": reps, "accounts": acc, "targets": _targets(acc), "history": _history(rng, reps, acc)}
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv", index=False)
    (out / "meta.json").write_text(json.dumps({"company": COMPANY, "as_of": AS_OF, "plan_year": PLAN_YEAR,
                                               "seed": SEED}, indent=2) + "\n")
    return tables


if __name__ == "__main__":
    t = generate()
    print({k: len(v) for k, v in t.items()})
