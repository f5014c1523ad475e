"""Review workflow and users in the plan store, on SQLite and PostgreSQL: the full state machine, concurrent
approvals, stale approvals on a superseded version, the append-only audit log, and the users table."""
from __future__ import annotations

import threading

import pandas as pd
import pytest

from planning.access import AccessDenied, Role, User
from planning.access import directory
from planning.plans import review
from planning.plans.review import ReviewError
from planning.plans import PlanStore
from tests.test_store import small_plan
from tests.test_store_support import store_url  # noqa: F401  (fixture)

OPS = User("ops@acme.test", "Olive Ops", Role.SALES_OPS)
FIN = User("fin@acme.test", "Finn Ance", Role.FINANCE)
LEAD = User("cro@acme.test", "Cleo Ro", Role.LEADERSHIP)
M1 = User("m1@acme.test", "Dana Manager", Role.MANAGER, manager_id="M-01")
M2 = User("m2@acme.test", "Eli Manager", Role.MANAGER, manager_id="M-02")
VIEW = User("view@acme.test", "Vic Viewer", Role.VIEWER)


@pytest.fixture()
def store(store_url):
    s = PlanStore(store_url)
    s.save_plan(small_plan("FY27"), author="ops", note="v1")
    yield s
    s.dispose()


def test_full_state_machine_and_audit_log(store):
    assert review.status(store, "FY27").state == "draft"
    with pytest.raises(ReviewError, match="draft"):
        review.decide(store, M1, "FY27", None, "approve")
    with pytest.raises(AccessDenied, match="manager.*submit"):
        review.submit(store, M1, "FY27")
    review.submit(store, OPS, "FY27", note="please review by Friday")
    assert review.status(store, "FY27").state == "in_review"
    with pytest.raises(ReviewError, match="in review"):
        review.submit(store, OPS, "FY27")

    # a manager asks for changes: the version goes back to ops
    review.comment(store, M1, "FY27", None, "keep Acme with Dana", "account", "a2")
    with pytest.raises(ReviewError, match="note is required"):
        review.decide(store, M1, "FY27", None, "request_changes")
    review.decide(store, M1, "FY27", None, "request_changes", "Acme must stay")
    st = review.status(store, "FY27")
    assert st.state == "changes_requested" and st.state_by == M1.email
    assert st.decision("team:M-01")["decision"] == "request_changes"
    assert len(st.open_comments) == 1 and st.open_comments.iloc[0]["target_id"] == "a2"

    # ops fix it in a new version, resolve the comment and resubmit
    store.save_plan(small_plan("FY27", moved=True), author="ops", note="Acme back with Dana")
    st2 = review.status(store, "FY27")
    assert (st2.version, st2.state) == (2, "draft")
    assert bool(st2.decision("team:M-01")["stale"]) is True  # made on v1
    cid = int(st.open_comments.iloc[0]["id"])
    review.resolve(store, OPS, "FY27", cid, "fixed in v2")
    with pytest.raises(ReviewError, match="already resolved"):
        review.resolve(store, OPS, "FY27", cid)
    with pytest.raises(ReviewError, match="supersedes"):
        review.submit(store, OPS, "FY27", 1)
    review.submit(store, OPS, "FY27")

    # leadership cannot approve before finance signs off
    review.decide(store, M1, "FY27", None, "approve", "fine now")
    with pytest.raises(ReviewError, match="finance has not signed off"):
        review.decide(store, LEAD, "FY27", None, "approve")
    with pytest.raises(AccessDenied, match="sign off quotas"):
        review.decide(store, M1, "FY27", None, "approve", as_="finance")
    review.decide(store, FIN, "FY27", None, "approve", "quotas at 114% coverage")
    with pytest.raises(ReviewError, match="approved"):
        review.record_publication(store, OPS, "FY27")  # not yet approved
    review.decide(store, LEAD, "FY27", None, "approve", "go")
    st3 = review.status(store, "FY27")
    assert st3.state == "approved" and st3.state_by == LEAD.email
    assert st3.open_comments.empty and st3.comments.iloc[0]["resolution"] == "fixed in v2"

    with pytest.raises(AccessDenied):
        review.record_publication(store, LEAD, "FY27")
    manifest = review.record_publication(store, OPS, "FY27")
    assert manifest["approved_by"] == LEAD.email and manifest["quotas_signed_off_by"] == FIN.email
    assert manifest["version"] == 2 and manifest["published_by"] == OPS.email
    assert review.status(store, "FY27").state == "published"

    log = review.history(store, "FY27")
    states = log.loc[log["kind"] == "state", "state"].tolist()
    assert states == ["in_review", "changes_requested", "in_review", "approved", "published"]
    assert log["at"].is_monotonic_increasing and (log["actor"] != "").all()
    # the version 1 events are all still there: nothing overwritten
    assert (log["version"] == 1).sum() == 4  # submit, comment, request changes, its state


def test_concurrent_approvals_both_recorded(store):
    review.submit(store, OPS, "FY27")
    barrier = threading.Barrier(2)
    errors = []

    def approve(user):
        try:
            barrier.wait()
            review.decide(store, user, "FY27", None, "approve", f"ok from {user.manager_id}")
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(u,)) for u in (M1, M2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    st = review.status(store, "FY27")
    assert st.state == "in_review"
    assert set(st.decisions["scope"]) == {"team:M-01", "team:M-02"}
    assert st.history["seq"].tolist() == [1, 2, 3]
    mgrs = review.manager_statuses(st, pd.DataFrame({"manager_id": ["M-01", "M-02", "M-03"],
                                                     "name": ["Dana", "Eli", "Flo"]}))
    assert mgrs["status"].tolist() == ["approved", "approved", "pending"]


def test_approval_on_superseded_version_is_stale(store):
    review.submit(store, OPS, "FY27")
    review.decide(store, M1, "FY27", None, "approve")
    assert not review.status(store, "FY27").decision("team:M-01")["stale"]
    store.save_plan(small_plan("FY27", moved=True), author="ops", note="v2")
    old = review.status(store, "FY27", 1)
    assert old.superseded and old.state == "in_review" and bool(old.decision("team:M-01")["stale"])
    new = review.status(store, "FY27")
    mgr = review.manager_statuses(new, pd.DataFrame({"manager_id": ["M-01"], "name": ["Dana"]}))
    assert mgr.loc[0, "status"] == "approved (stale: on v1)"
    assert "review your team's changes" not in review.inbox(store, M1, ["FY27"])["action"].str.cat()
    review.submit(store, OPS, "FY27")
    assert "review your team's changes" in review.inbox(store, M1, ["FY27"])["action"].iloc[0]
    # a rename keeps the history
    store.rename_plan("FY27", "FY27 final")
    assert len(review.history(store, "FY27 final")) == 3


def test_viewer_and_manager_limits(store):
    review.submit(store, OPS, "FY27")
    with pytest.raises(AccessDenied, match="viewer.*comment"):
        review.comment(store, VIEW, "FY27", None, "hi")
    with pytest.raises(AccessDenied, match="approve a plan"):
        review.decide(store, M1, "FY27", None, "approve", as_="leadership")
    def outside(t, i):
        raise AccessDenied(f"{i} is not in your team")
    with pytest.raises(AccessDenied, match="not in your team"):
        review.comment(store, M1, "FY27", None, "mine now", "account", "a3", check=outside)
    assert review.status(store, "FY27").comments.empty


def test_users_append_only(store):
    admin = User("root@localhost", "root", Role.ADMIN, source="local")
    assert not directory.has_users(store)
    directory.add_user(store, admin, "Boss@Acme.test", "admin", name="Boss")
    with pytest.raises(directory.UserError, match="--manager-id"):
        directory.add_user(store, admin, "m1@acme.test", "manager")
    directory.add_user(store, admin, "m1@acme.test", "manager", manager_id="M-01", os_login="dana")
    with pytest.raises(directory.UserError, match="already a user"):
        directory.add_user(store, admin, "m1@acme.test", "viewer")
    with pytest.raises(directory.UserError, match="already mapped"):
        directory.add_user(store, admin, "x@acme.test", "viewer", os_login="dana")
    with pytest.raises(AccessDenied, match="manage users"):
        directory.set_user(store, M1, "m1@acme.test", role="admin")
    boss = directory.get_user(store, "boss@acme.test")
    with pytest.raises(directory.UserError, match="last admin"):
        directory.set_user(store, boss, "boss@acme.test", role="viewer")
    directory.set_user(store, boss, "m1@acme.test", role="sales ops", note="promoted")
    u = directory.get_user(store, "M1@acme.test")
    assert u.role == Role.SALES_OPS and u.manager_id == "M-01"
    assert directory.user_by_os_login(store, "dana").email == "m1@acme.test"
    assert directory.cli_user(store, os_login="dana").role == Role.SALES_OPS
    assert directory.cli_user(store, os_login="nobody").role == Role.ADMIN  # the local user
    with pytest.raises(AccessDenied, match="no active user"):
        directory.cli_user(store, "ghost@acme.test")
    directory.set_user(store, boss, "m1@acme.test", active=False)
    assert directory.get_user(store, "m1@acme.test") is None
    with pytest.raises(AccessDenied, match="no access"):
        directory.signed_in_user(store, "m1@acme.test")
    hist = directory.user_history(store, "m1@acme.test")
    assert hist["role"].tolist() == ["manager", "sales_ops", "sales_ops"]
    assert hist["changed_by"].tolist() == ["root@localhost", "boss@acme.test", "boss@acme.test"]
    assert list(directory.list_users(store)["email"]) == ["boss@acme.test"]
