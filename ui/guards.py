"""Guards for pages against data they can't work on (an upload where nothing, or no rep, loaded)."""
from __future__ import annotations

import streamlit as st


def data_problem(ds, accounts: bool = True, reps: bool = True) -> str | None:
    """A plain sentence saying what is missing from the dataset, or None when the page can run."""
    missing = []
    if accounts and ds.accounts.empty:
        missing.append("no accounts")
    if reps and ds.reps.empty:
        missing.append("no people (reps)")
    if not missing:
        return None
    rejected = len(ds.report.rejects_frame())
    return (f"**{ds.name}** has {' and '.join(missing)} that passed validation"
            + (f" ({rejected:,} rows were rejected)" if rejected else "") +
            ". This page needs both. Open the **Data** page to see every rejected row with its reason, "
            "fix the files or the column and title mapping, and load them again — or go back to the sample company.")


def require_data(ds, accounts: bool = True, reps: bool = True) -> None:
    """Show a clear message and stop the page when the dataset lacks what it needs."""
    problem = data_problem(ds, accounts, reps)
    if problem:
        st.info(problem)
        st.stop()
