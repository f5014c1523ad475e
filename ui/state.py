"""Session state: the dataset in use (the sample company until an upload replaces it) and session plans.

The sample company and each distinct upload are loaded once per server process and shared by every session as
one read-only :class:`~planning.data.read_only.SharedDataset` (its frames refuse in-place changes, so no page can
change another user's data).  A session holds a reference, not a copy.  An upload is read and validated in a
separate process (:mod:`jobs.upload_worker`), so a big file does not slow the pages of other users."""
from __future__ import annotations

import hashlib
import os

import streamlit as st

from planning.access import Permission
from planning.data import Dataset, load_sample
from planning.data.read_only import read_only
from planning.plans import Plan
from ui.plain import md_escape

_DATASET, _VERSION, _PLANS = "dataset", "dataset_version", "session_plans"
_CURRENT_OF = "session_plans_current_of"  # the dataset version whose current plan is in the session's plans


@st.cache_resource(show_spinner="Loading the sample company…")
def shared_sample() -> Dataset:
    """The sample company every session starts from: loaded once per process and shared read-only by every
    session (the server's warm-up loads it before the first one)."""
    return read_only(load_sample())


def dataset() -> Dataset:
    """The dataset for this session (shared, read-only: derive new frames, never change it in place); loads the
    sample company on first use."""
    if _DATASET not in st.session_state:
        st.session_state[_DATASET] = shared_sample()
        st.session_state[_VERSION] = "sample"
    return st.session_state[_DATASET]


def dataset_version() -> str:
    """A key that changes whenever the dataset is replaced; use it to key caches."""
    dataset()
    return st.session_state[_VERSION]


SHARED_UPLOADS = 4  # loaded uploads kept for every session to share (a few hundred MB each at the row limit)
SHARED_PREVIEWS = 16  # files read for the mapping review (columns, row count, short value lists: small)


@st.cache_resource(max_entries=SHARED_UPLOADS, show_spinner=False)
def _shared_upload(key: str, _user, _files, _mappings, _settings, _limits, as_of: str) -> Dataset:
    """One loaded Dataset per distinct upload (``key`` hashes the bytes, mapping, settings and date), shared by
    every session: the same files in several tabs are held in memory once.  Loaded in the upload worker
    process; a failure raises (:class:`jobs.upload_worker.UploadFailed`) and caches nothing."""
    from jobs import upload_worker

    return read_only(upload_worker.load(_user, _files, _mappings, _settings, _limits, as_of))


@st.cache_resource(max_entries=SHARED_PREVIEWS, show_spinner=False)
def _shared_preview(digest: str, name: str, max_mb: float, max_rows: int, _data: bytes, _limits):
    """A file read for the mapping review in the upload worker process, shared by reruns and sessions (keyed by
    a hash of its bytes, its name and the limits it was checked against)."""
    from jobs import upload_worker

    return upload_worker.preview(name, _data, _limits)


def preview_upload(name: str, data: bytes, limits):
    """What the mapping review needs of one uploaded file (:class:`planning.data.uploads.FilePreview`).

    The size and the row count are checked here on the raw bytes first (a tenth of a second for 50 MB), so a
    file over a limit is refused at once and never parsed; the read itself runs in the upload worker."""
    from planning.data.uploads import precheck

    precheck(name, data, limits)
    digest = hashlib.sha256(data).hexdigest()
    return _shared_preview(digest, name, limits.max_mb, limits.max_rows, data, limits)


def load_upload(user, files: dict[str, tuple[str, bytes]], mappings: dict, settings, limits) -> Dataset:
    """Load uploaded files as this session's dataset (shared with any session that uploaded the same).

    The permission is checked before the shared cache is consulted, so a user who may not change data cannot
    pick up a dataset someone else loaded; a refusal or a file over a limit raises and caches nothing.  The
    read, mapping and validation run in the upload worker process."""
    import pandas as pd

    from planning.access import require
    from planning.data.uploads import precheck, upload_key

    require(user, Permission.EDIT_PLANS)
    for name, data in files.values():
        precheck(name, data, limits)
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
    version = dataset_version()
    # today's plan is rebuilt from the reps only once per dataset (40-90 ms that every page's rerun paid)
    if st.session_state.get(_CURRENT_OF) == version and plans:
        return plans
    current = dataset().current_plan()
    if current.name not in plans:
        st.session_state[_PLANS] = {current.name: current, **plans}
    st.session_state[_CURRENT_OF] = version
    return st.session_state[_PLANS]


def add_plan(plan: Plan) -> None:
    session_plans()[plan.name] = plan


def sidebar_summary() -> None:
    """The dataset's name, dates and counts in the sidebar, as the user may see it (a manager: their team's)."""
    from ui import scoped

    ds = scoped.view(store=False).dataset
    with st.sidebar:
        st.caption(f"**{md_escape(ds.name)}**  \nas of {ds.as_of.date()} · planning {ds.plan_year}  \n"
                   f"{len(ds.accounts):,} accounts · {len(ds.reps):,} people")


@st.cache_resource(show_spinner=False)
def _store(url: str):
    from planning.plans import PlanStore

    return PlanStore(url)


def raw_store():
    """The plan store itself (``DATABASE_URL`` when set, else a SQLite file in the user's data directory).

    On the sample company's first open an empty store gets the shipped draft proposal, so Disruption and Compare
    show a real report at once (``PLANNER_SAMPLE_PROPOSAL=0`` turns this off; the test suite does)."""
    s = shared_store()
    if "sample_seeded" not in st.session_state and dataset_version() == "sample":
        st.session_state["sample_seeded"] = True
        seed_sample(s, dataset())
    return s


def shared_store():
    """The plan store every session shares (``DATABASE_URL``, else the user's SQLite file), opened once per
    process; :func:`raw_store` is the one pages use (it also seeds the sample's draft for the session)."""
    from planning.plans import default_url

    return _store(default_url())


def seed_sample(s, sample: Dataset) -> None:
    """Save the shipped draft proposal into an empty store ``s`` (unless ``PLANNER_SAMPLE_PROPOSAL=0``)."""
    if os.environ.get("PLANNER_SAMPLE_PROPOSAL", "1") == "0":
        return
    from planning.plans import seed_store

    try:
        seed_store(s, sample)
    except Exception:  # noqa: BLE001 - a store that cannot be written still serves every page
        pass


def store():
    """The plan store as the signed-in user sees it: saves, deletes and scenarios check their permissions."""
    from planning.access import UserStore
    from ui import access

    return UserStore(raw_store(), access.user())
