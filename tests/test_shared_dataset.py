"""The sample company (and each upload) is loaded once per process and shared read-only by every session
(issues 26 and 27): two sessions hold the very same object, its frames refuse in-place changes, and a run of every
page leaves it exactly as it was."""
from __future__ import annotations

import dataclasses
import pickle
import warnings
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User
from planning.data import load_sample
from planning.data.read_only import ReadOnlyFrame, SharedDataChanged, SharedDataset, is_read_only, read_only

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "pages").glob("*.py"))
ADMIN = User("boss@acme.test", "Boss", Role.ADMIN, source="oidc")
MGR = User("dana@acme.test", "Dana", Role.MANAGER, manager_id="M-01", source="oidc")
FIN = User("finn@acme.test", "Finn", Role.FINANCE, source="oidc")
FRAMES = ("accounts", "reps", "targets", "history")


@pytest.fixture()
def shared():
    return read_only(load_sample())


def _refusals(ds, a):
    first = a.index[0]
    return {
        "setitem": lambda: a.__setitem__("x", 1), "loc": lambda: a.loc.__setitem__((first, "arr_usd"), 5.0),
        "iloc": lambda: a.iloc.__setitem__((0, 0), "Z"), "at": lambda: a.at.__setitem__((first, "arr_usd"), 1.0),
        "iat": lambda: a.iat.__setitem__((0, 0), "Z"), "new row": lambda: a.loc.__setitem__(10**7, a.iloc[0]),
        "del": lambda: a.__delitem__("arr_usd"), "insert": lambda: a.insert(0, "z", 1),
        "pop": lambda: a.pop("arr_usd"), "update": lambda: a.update(a),
        "columns": lambda: setattr(a, "columns", [c.upper() for c in a.columns]),
        "index": lambda: setattr(a, "index", range(len(a))), "column attribute": lambda: setattr(a, "arr_usd", 0),
        "sort inplace": lambda: a.sort_values("arr_usd", inplace=True),
        "fillna inplace": lambda: a.fillna({"arr_usd": 0.0}, inplace=True),
        "replace inplace": lambda: a.replace({"segment": {"SMB": "X"}}, inplace=True),
        "drop inplace": lambda: a.drop(columns=["arr_usd"], inplace=True),
        "dataset field": lambda: setattr(ds, "accounts", a.iloc[:1]),
    }


def test_the_shared_frames_refuse_every_in_place_change(shared):
    a = shared.accounts
    before = pd.DataFrame(a).copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3.1 deprecates inplace=True; still refused before it runs
        for name, change in _refusals(shared, a).items():
            with pytest.raises(SharedDataChanged, match="would change the dataset every session shares"):
                change()
    pd.testing.assert_frame_equal(pd.DataFrame(a), before)
    assert shared.accounts is a


def test_reading_and_deriving_work_and_give_ordinary_frames(shared, sample):
    a = shared.accounts
    assert isinstance(a, ReadOnlyFrame) and is_read_only(shared.reps) and not is_read_only(sample.accounts)
    derived = [a.copy(), a.assign(q=1), a[a["arr_usd"] > 0], a[["account_id"]], a.sort_values("arr_usd"),
               a.set_index("account_id"), a.drop(columns=["arr_usd"]), a.rename(columns={"arr_usd": "q"}),
               a.merge(shared.reps, left_on="owner_rep_id", right_on="rep_id"), pd.concat([a, a]), a.head()]
    assert all(type(d) is pd.DataFrame for d in derived)
    c = a.copy()
    c.loc[c.index[0], "arr_usd"] = -1.0
    c["new"] = 1
    s = a["arr_usd"]
    s.iloc[0] = -2.0  # copy-on-write: the shared frame keeps its value
    assert a["arr_usd"].iloc[0] == sample.accounts["arr_usd"].iloc[0] != -1.0 and "new" not in a
    assert a.loc[a.index[0], "account_id"] == sample.accounts["account_id"].iloc[0]
    assert (a.groupby("segment")["arr_usd"].sum() == sample.accounts.groupby("segment")["arr_usd"].sum()).all()
    assert shared.current_plan().assignment.equals(sample.current_plan().assignment)


def test_a_team_cut_and_a_pickled_copy_stay_guarded(shared):
    team = dataclasses.replace(shared, accounts=shared.accounts.iloc[:10])
    assert isinstance(team, SharedDataset) and is_read_only(team.accounts) and len(team.accounts) == 10
    back = pickle.loads(pickle.dumps(shared))
    assert back.accounts.equals(shared.accounts) and is_read_only(back.accounts)
    with pytest.raises(SharedDataChanged):
        back.accounts.fillna({"arr_usd": 0.0}, inplace=True)
    assert read_only(shared) is shared


def _snapshot(ds) -> dict[str, pd.DataFrame]:
    return {f: pd.DataFrame(getattr(ds, f)).copy(deep=True) for f in FRAMES}


def test_two_sessions_share_one_sample_and_every_page_leaves_it_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.sqlite'}")
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "1")  # Disruption and Compare get a real proposal to report
    sessions = []
    for user in (ADMIN, MGR):
        at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=180)
        at.session_state["_access_user"] = user
        sessions.append(at.run())
    first, second = (at.session_state["dataset"] for at in sessions)
    assert first is second and isinstance(first, SharedDataset)
    assert all(is_read_only(getattr(first, f)) for f in FRAMES)
    before = _snapshot(first)
    failed = []
    for page in PAGES:
        for user in (ADMIN, MGR, FIN):
            at = AppTest.from_file(str(page), default_timeout=180)
            at.session_state["_access_user"] = user
            at.run()
            if "dataset" in at.session_state:  # a page this role may not open stops before reading data
                assert at.session_state["dataset"] is first, page.name
            else:
                assert user is not ADMIN, page.name
            if at.exception:
                failed.append(f"{page.name} as {user.role.value}: {at.exception[0].message}")
    assert not failed, "\n".join(failed)
    for f in FRAMES:
        pd.testing.assert_frame_equal(pd.DataFrame(getattr(first, f)), before[f], obj=f)
