"""The demo company's draft proposal, shipped in ``sample_data/proposal.csv`` (made by the default carve with
``python sample_data/make_proposal.py``), so every page shows a real before/after report on first open without a
solve at start-up.  It is seeded into an empty plan store the first time the sample company is opened."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from planning.plans.plan import Plan, territories_from_reps

_SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
_PROPOSAL_FILE = _SAMPLE_DIR / "proposal.csv"
_PROPOSAL_META = _SAMPLE_DIR / "proposal.json"


def load_sample_proposal(reps: pd.DataFrame) -> Plan | None:
    """The shipped draft as a proposal on the sample's territories (None when the file is missing)."""
    if not _PROPOSAL_FILE.exists():
        return None
    meta = json.loads(_PROPOSAL_META.read_text()) if _PROPOSAL_META.exists() else {}
    frame = pd.read_csv(_PROPOSAL_FILE, dtype=str)
    assignment = pd.Series(frame["territory_id"].to_numpy(), index=frame["account_id"].to_numpy())
    return Plan(name=meta.get("name", "FY27 draft (default carve)"), assignment=assignment,
                territories=territories_from_reps(reps), kind="proposal", settings=meta.get("settings", {}),
                note=meta.get("note", "the default carve of the demo company"))


def seed_store(store, data) -> str | None:
    """Save the sample draft into ``store`` when it holds no plan at all, made on ``data`` (the sample Dataset);
    returns the name saved, else None.  A draft that no longer covers exactly the data's accounts (the sample was
    regenerated without ``make_proposal.py``) is not seeded rather than seeded wrong."""
    if not store.list_plans().empty:
        return None
    plan = load_sample_proposal(data.reps)
    if plan is None:
        return None
    if set(plan.assignment.index) != set(data.accounts["account_id"].astype(str)):
        return None
    from planning.plans.saving import save_made_on

    save_made_on(store, plan, data, author="sample", note=plan.note)
    return plan.name
