"""The review CLI shows each user the same view of the review log as the Review page (the core filters it): a
manager's `review status` and `review log` leave out another team's decisions and notes; an admin decides for a
manager's team with `--for team:M-03` (a team the plan does not have is refused) and the log says so; a comment
on a team's account counts in that manager's row."""
from __future__ import annotations

import pytest

from planning.access import Role, User, local_user
from planning.plans import PlanStore, review
from tests.conftest import store_with_users

M1, M2 = "dana@acme.test", "eli@acme.test"
LINK = "[Your session expired - sign in again](http://x)"


@pytest.fixture()
def db(tmp_path, monkeypatch, sample):
    s = store_with_users(tmp_path, monkeypatch, User(M1, "Dana", Role.MANAGER, "M-01"),
                         User(M2, "Eli", Role.MANAGER, "M-02"))
    cur = sample.current_plan()
    s.save_plan(cur.with_moves({cur.assignment.dropna().index[0]: list(cur.territories.index)[1]}, name="Prop"),
                author="ops")
    s.dispose()
    return s.url


def test_managers_read_their_own_team_and_the_admin_acts_for_a_team(cli, db, sample):
    assert cli(["review", "submit", "Prop", "-m", "FY27 draft"]).exit_code == 0
    assert cli(["--as", M2, "review", "request-changes", "Prop", "-m", LINK]).exit_code == 0
    own = sample.accounts.loc[sample.accounts["owner_rep_id"].isin(
        sample.reps.loc[sample.reps["manager_id"] == "M-01", "rep_id"]), "account_id"].iloc[5]
    assert cli(["review", "comment", "Prop", "ops: this stays", "--account", own]).exit_code == 0

    out = cli(["--as", M1, "review", "status", "Prop"]).output
    assert "changes requested" in out and "by a manager of another team" in out
    assert "sign in again" not in out and "Eli" not in out and "M-02" not in out
    assert "Open comments: 1" in out and "ops: this stays" in out
    log = cli(["--as", M1, "review", "log", "Prop"]).output
    assert "submitted for review" in log and "sign in again" not in log and "Eli" not in log
    out = cli(["--as", M2, "review", "status", "Prop"]).output
    assert LINK in out and "Open comments: 0" in out and "ops: this stays" not in out

    # the admin (the local user) decides for M-03 after ops resubmit; M-09 is no team of this plan
    assert cli(["review", "submit", "Prop"]).exit_code == 0
    r = cli(["review", "approve", "Prop", "--for", "team:M-09"])
    assert r.exit_code == 2 and "no team 'M-09'" in r.output
    r = cli(["review", "approve", "Prop", "--for", "team:M-03", "-m", "Fatima is away"])
    assert r.exit_code == 0 and "as team M-03" in r.output
    me = f"{local_user().name} (admin) for manager M-03"
    log = cli(["review", "log", "Prop"]).output
    assert me in log and "approved: team M-03" in log
    s = PlanStore(db)
    assert review.status(s, "Prop").decision("team:M-03")["by_label"] == me
    out = cli(["review", "status", "Prop"]).output
    m01 = next(line for line in out.splitlines() if "(M-01)" in line)  # "Ava Harris (M-01)"
    assert m01.split()[-1] == "1"  # ops' comment on an M-01 account: that manager's open comments
    s.dispose()
