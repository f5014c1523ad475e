"""Session state: the dataset in use (the sample company until an upload replaces it) and session plans."""
from __future__ import annotations

import os

import streamlit as st

from planning.access import Permission
from planning.data import Dataset, load_sample
from planning.plans import Plan

_DATASET, _VERSION, _PLANS = "dataset", "dataset_version", "session_plans"


@st.cache_data(show_spinner="Loading the sample company…")
def _sample() -> Dataset:
    return load_sample()


def dataset() -> Dataset:
    """The dataset for this session; loads the sample company on first use."""
    if _DATASET not in st.session_state:
        st.session_state[_DATASET] = _sample()
        st.session_state[_VERSION] = "sample"
    return st.session_state[_DATASET]


def dataset_version() -> str:
    """A key that changes whenever the dataset is replaced; use it to key caches."""
    dataset()
    return st.session_state[_VERSION]


SHARED_UPLOADS = 4  # loaded uploads kept for every session to share (~1.3 GB each at the row limit)


@st.cache_resource(max_entries=SHARED_UPLOADS, show_spinner="Loading and validating the files…")
def _shared_upload(key: str, _user, _files, _mappings, _settings, _limits, as_of: str) -> Dataset:
    """One loaded Dataset per distinct upload (``key`` hashes the bytes, mapping, settings and date), shared by
    every session: the same files in several tabs are held in memory once.  Treat it as read-only."""
    from planning.data.uploads import load_upload

    return load_upload(_user, _files, mappings=_mappings, settings=_settings, limits=_limits, as_of=as_of)


def load_upload(user, files: dict[str, tuple[str, bytes]], mappings: dict, settings, limits) -> Dataset:
    """Load uploaded files as this session's dataset (shared with any session that uploaded the same).

    The permission is checked before the shared cache is consulted, so a user who may not change data cannot
    pick up a dataset someone else loaded; a refusal or a file over a limit raises and caches nothing."""
    import pandas as pd

    from planning.access import require
    from planning.data.uploads import upload_key

    require(user, Permission.EDIT_PLANS)
    as_of = pd.Timestamp.today().normalize()
    key = upload_key(files, mappings, settings, as_of)
    ds = _shared_upload(key, user, files, mappings, settings, limits, str(as_of.date()))
    set_dataset(ds, f"upload:{key}")
    return ds


def use_sample() -> None:
    """Back to the sample company for this session."""
    for k in (_DATASET, _VERSION, _PLANS):
        st.session_state.pop(k, None)


def set_dataset(ds: Dataset, version: str) -> None:
    """Replace the session's dataset (an upload).  Session plans made on the old data are dropped."""
    st.session_state[_DATASET] = ds
    st.session_state[_VERSION] = version
    st.session_state[_PLANS] = {}


def session_plans() -> dict[str, Plan]:
    """Plans made in this session (proposals, edits), by name; the current plan is always first."""
    plans = st.session_state.setdefault(_PLANS, {})
    ds = dataset()
    current = ds.current_plan()
    if current.name not in plans:
        st.session_state[_PLANS] = {current.name: current, **plans}
    return st.session_state[_PLANS]


def add_plan(plan: Plan) -> None:
    session_plans()[plan.name] = plan


def sidebar_summary() -> None:
    """The dataset's name, dates and counts in the sidebar, as the user may see it (a manager: their team's)."""
    from ui import scoped

    ds = scoped.view(store_optional=True).dataset
    with st.sidebar:
        st.caption(f"**{ds.name}**  \nas of {ds.as_of.date()} · planning {ds.plan_year}  \n"
                   f"{len(ds.accounts):,} accounts · {len(ds.reps):,} people")


@st.cache_resource(show_spinner=False)
def _store(url: str):
    from planning.plans import PlanStore

    return PlanStore(url)


def raw_store():
    """The plan store itself (``DATABASE_URL`` when set, else a SQLite file in the user's data directory).

    On the sample company's first open an empty store gets the shipped draft proposal, so Disruption and Compare
    show a real report at once (``PLANNER_SAMPLE_PROPOSAL=0`` turns this off; the test suite does)."""
    from planning.plans import default_url

    s = _store(default_url())
    if "sample_seeded" not in st.session_state and dataset_version() == "sample":
        st.session_state["sample_seeded"] = True
        if os.environ.get("PLANNER_SAMPLE_PROPOSAL", "1") != "0":
            from planning.plans import seed_store

            try:
                seed_store(s, dataset().reps, dataset().accounts)
            except Exception:  # noqa: BLE001 - a store that cannot be written still serves every page
                pass
    return s


def store():
    """The plan store as the signed-in user sees it: saves, deletes and scenarios check their permissions."""
    from planning.access import UserStore
    from ui import access

    return UserStore(raw_store(), access.user())
