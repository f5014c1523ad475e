"""Write the demo company's draft proposal (``proposal.csv`` + ``proposal.json``): the default carve.

    python sample_data/make_proposal.py

Run it again after changing the sample data or the carve defaults; the app never solves at start-up.  It carves
with the company's settings (which segments are carved by county, one piece each), as the Carve page and the CLI's
``carve`` start from them, so the first map a user sees is the plan those would give.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    from optimizers.carve import CarveSettings, company_carve_defaults
    from optimizers.territory_carve import TerritoryCarver
    from planning.data import load_sample

    ds = load_sample()
    cs = CarveSettings.from_dict(company_carve_defaults(ds.settings))
    res = TerritoryCarver(cs, ds.settings).solve(ds.accounts, ds.reps, ds.plan_year, as_of=ds.as_of,
                                                 name="FY27 draft (default carve)")
    if not res.ok:
        print(res.summary(), file=sys.stderr)
        return 1
    a = res.plan.assignment
    a.rename("territory_id").rename_axis("account_id").reset_index().to_csv(HERE / "proposal.csv", index=False)
    meta = {"name": res.plan.name, "settings": cs.to_dict(),
            "note": (f"Default carve of the demo company: {res.stats['moves']:,} accounts move, gap {res.gap:.2%}, "
                     f"{res.stats['total_distance_mi']:,.0f} mi total travel")}
    (HERE / "proposal.json").write_text(json.dumps(meta, indent=1, default=str) + "\n")
    print(meta["note"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
