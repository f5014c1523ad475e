"""The Plans page and the plans CLI through the scoped accessor (issue 27).

* CRM changes: a manager of M-03 uploads a one-row export of one of their accounts.  The page and
  ``--as manager crm-changes`` must count only the team's other accounts as deleted (not 6,007) and must show no
  account id, rep name or ARR of another team anywhere: rendered text, tables, metrics or the download.
* The store's URL is an admin's to see; a manager's plan library carries no company-wide counts.
* A refused save says it was refused (page and CLI); ``--as admin plans save`` records the admin as the author.
* A note written as a markdown link is shown as its characters, never as a link.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User, team_account_ids, team_rep_ids
from planning.plans import PlanStore
from tests.conftest import store_with_users

ROOT = Path(__file__).resolve().parents[1]
MGR = User("fay@acme.test", "Fay", Role.MANAGER, manager_id="M-03", source="oidc")
ADMIN = User("boss@acme.test", "Boss", Role.ADMIN, source="oidc")
VIEWER = User("vic@acme.test", "Vic", Role.VIEWER, source="oidc")
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")
LINK_NOTE = "[Your session expired - sign in again](http://x)"
ACCOUNT_ID = re.compile(r"001\d{10}")
EXPORT_COLUMNS = ["account_id", "name", "segment", "industry", "postal_code", "state", "city", "country", "arr_usd",
                  "potential_usd", "employees", "annual_revenue_usd", "next_renewal_date", "open_pipeline_usd",
                  "owner_rep_id"]


@pytest.fixture()
def db(tmp_path, monkeypatch, sample):
    s = store_with_users(tmp_path, monkeypatch, ADMIN, MGR, VIEWER)
    cur = sample.current_plan()
    terrs = list(cur.territories.index)
    ids = cur.assignment.dropna().index[:400]
    s.save_plan(cur.with_moves({x: terrs[(i * 7) % len(terrs)] for i, x in enumerate(ids)}, name="Prop"),
                author="ops", note=LINK_NOTE)
    return s


@pytest.fixture()
def one_row(sample, db):
    """One of the manager's accounts, exactly as in the data (so it is neither new nor changed)."""
    team = team_rep_ids(MGR, sample.reps)
    mine = sample.accounts.loc[sample.accounts["owner_rep_id"].isin(team)
                               & sample.accounts["account_id"].isin(db.load_plan("Prop").assignment.index)]
    row = mine.iloc[[0]][[c for c in EXPORT_COLUMNS if c in mine]]
    return row, row.to_csv(index=False).encode()


def scope(sample, db):
    """(account ids the manager may see, names of every rep outside their team)."""
    team = team_rep_ids(MGR, sample.reps)
    allowed = set(team_account_ids(MGR, sample.reps, sample.accounts, [db.load_plan("Prop")]))
    others = set(sample.reps.loc[~sample.reps["rep_id"].isin(team), "name"])
    return allowed, others


# ------------------------------------------------------------------------------------------ reading a run
class _Recorder:
    managers: list = []


@pytest.fixture()
def downloads(monkeypatch):
    """Keep each AppTest run's media file manager, so a download button's bytes can be read back."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    class Recording(MediaFileManager):
        def __init__(self, storage):
            super().__init__(storage)
            _Recorder.managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)
    return _Recorder


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _proto_text(msg, out: list[str]) -> None:
    import pyarrow as pa

    for fd, val in msg.ListFields():
        repeated = getattr(fd, "is_repeated", None)
        repeated = repeated if repeated is not None else fd.label == fd.LABEL_REPEATED
        for v in (val if repeated else [val]):
            if fd.type == fd.TYPE_MESSAGE:
                _proto_text(v, out)
            elif fd.type == fd.TYPE_STRING:
                out.append(v)
            elif fd.type == fd.TYPE_BYTES:
                try:
                    out.append(pa.ipc.open_stream(pa.py_buffer(v)).read_all().to_pandas().to_csv())
                except Exception:  # noqa: BLE001 - not a table
                    pass


def everything(at: AppTest, recorder) -> str:
    """Every string the run sent to the browser (elements, table cells and headers) and every download's bytes."""
    out: list[str] = []
    mgr = recorder.managers[-1]
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        _proto_text(proto, out)
        if getattr(node, "type", "") == "download_button":
            url = proto.url or (mgr.execute_deferred(proto.deferred_file_id) if proto.deferred_file_id else "")
            out.append(mgr._storage.get_file(url.rsplit("/", 1)[-1]).content.decode("utf-8-sig", errors="replace"))
    return "\n".join(out)


def page(user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "8_Plans.py"), default_timeout=180)
    at.session_state["_access_user"] = user
    return at


def _upload(at: AppTest, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value(("one_row.csv", data, "text/csv"))
    return at.run()


# ------------------------------------------------------------------------------------------ CRM changes
def test_manager_crm_changes_show_their_team_only(db, sample, one_row, downloads):
    row, data = one_row
    allowed, others = scope(sample, db)
    at = _upload(page(MGR).run(), data)
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Deleted accounts"] == f"{len(allowed) - 1:,}" != "6,007"
    assert metrics["New accounts"] == metrics["Owner changes"] == metrics["ARR changes"] == "0"
    assert "chg_apply" not in [b.key for b in at.button]  # a manager previews; applying is for sales ops
    seen = everything(at, downloads)
    assert "Download the change list" in seen  # the download was read back
    ids = set(ACCOUNT_ID.findall(seen))
    assert len(ids) >= len(allowed) - 1 and ids <= allowed, sorted(ids - allowed)[:5]
    leaked = sorted(n for n in others if n in seen)
    assert not leaked, leaked
    other_arr = sample.accounts.loc[~sample.accounts["account_id"].isin(allowed), "arr_usd"].sum()
    assert f"{other_arr:,.0f}" not in seen
    assert "sqlite" not in seen  # the store URL is an admin's


def test_admin_sees_every_change_and_the_store_url(db, sample, one_row, downloads):
    row, data = one_row
    at = _upload(page(ADMIN).run(), data)
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Deleted accounts"] == f"{len(sample.accounts) - 1:,}"
    assert "chg_apply" in [b.key for b in at.button]
    assert any("sqlite:///" in c.value for c in at.caption)


def test_cli_manager_crm_changes_are_their_team_only(cli, db, sample, one_row, tmp_path):
    row, data = one_row
    allowed, others = scope(sample, db)
    export = tmp_path / "one_row.csv"
    export.write_bytes(data)
    out = tmp_path / "changes.csv"
    r = cli(["--as", MGR.email, "crm-changes", "Prop", "--new-accounts", export, "--out", out])
    assert r.exit_code == 0, r.output
    assert f"{len(allowed) - 1} deleted account" in r.output and "(team M-03)" in r.output
    written = out.read_text(encoding="utf-8-sig")
    assert len(pd.read_csv(io.StringIO(written), dtype=str)) == len(allowed) - 1
    ids = set(ACCOUNT_ID.findall(r.output + written))
    assert ids and ids <= allowed
    assert not [n for n in others if n in r.output + written]
    r = cli(["--as", MGR.email, "crm-changes", "Prop", "--new-accounts", export, "--apply"])
    assert r.exit_code == 3 and "denied: not saved" in r.output and "may not change plans" in r.output


# ------------------------------------------------------------------------------------------ library and saving
def test_manager_library_has_no_company_counts(db):
    at = page(MGR).run()
    assert not at.exception
    lib = at.dataframe[0].value
    assert "Prop" in set(lib["name"]) and not {"accounts", "territories", "arr_usd"} & set(lib.columns)


def test_refused_save_says_it_was_refused(db, monkeypatch):
    """A viewer's save button is disabled; when the store refuses a save anyway (say the role changed after the
    page was drawn), the page says it was refused and not 'Saved'."""
    assert page(VIEWER).run().button(key="save_btn").disabled
    from planning.access import Permission, StoreAccessDenied, denial
    from planning.access import view as view_module

    def refuse(user, permission, detail=""):
        raise StoreAccessDenied(denial(VIEWER, Permission.EDIT_PLANS, detail))

    monkeypatch.setattr(view_module, "require_store", refuse)
    at = page(OPS).run()
    at.text_input(key="save_name").input("RefusedPlan")
    at.button(key="save_btn").click().run()
    assert not at.exception
    errs = " ".join(e.value for e in at.error).replace("\\", "")
    assert errs.startswith("Refused, not saved:") and "may not change plans" in errs, errs
    assert not at.success
    assert "RefusedPlan" not in set(db.list_plans()["name"])


def test_cli_refused_save_and_author_is_the_acting_user(cli, db):
    r = cli(["--as", VIEWER.email, "plans", "save", "current", "--name", "ViewerPlan"])
    assert r.exit_code == 3 and "denied: not saved ('ViewerPlan')" in r.output
    r = cli(["--as", ADMIN.email, "plans", "save", "current", "--name", "ByBoss"])
    assert r.exit_code == 0 and f"by {ADMIN.email}" in r.output, r.output
    assert db.plan_header("ByBoss").author == ADMIN.email
    r = cli(["--as", ADMIN.email, "plans", "save", "current", "--name", "ByAna", "--author", "ana"])
    assert r.exit_code == 0 and db.plan_header("ByAna").author == "ana"


def test_page_save_records_the_signed_in_user(db):
    at = page(OPS).run()
    assert at.text_input(key="save_author").value == OPS.email
    at.text_input(key="save_name").input("OpsPlan")
    at.button(key="save_btn").click().run()
    assert not at.exception
    assert db.plan_header("OpsPlan").author == OPS.email
    assert any("Saved OpsPlan version 1" in s.value.replace("\\", "") for s in at.success)


def test_a_note_written_as_a_link_is_plain_text(db):
    s = PlanStore(db.engine.url.render_as_string(hide_password=False))
    s.save_plan(s.load_plan("Prop"), author="ops", note=LINK_NOTE, name="[Click me](http://x)")
    at = page(ADMIN).run()
    assert not at.exception
    at.selectbox(key="lib_sel").select("[Click me](http://x)").run()
    at.checkbox(key="lib_del_sure").check().run()
    assert any(LINK_NOTE in set(d.value.get("note", [])) for d in at.dataframe)  # shown, as its characters
    markdown = [e.value for kind in ("markdown", "caption", "success", "info", "error", "warning")
                for e in at.get(kind)] + [c.label for c in at.checkbox]
    assert not [m for m in markdown if "](http" in m], [m for m in markdown if "](http" in m]
    at.button(key="lib_delete").click().run()
    assert any("Deleted" in s.value and "\\[Click me\\]" in s.value for s in at.success)


# ------------------------------------------------------------------------------------------ Users page
def test_users_page_tables_are_labelled_and_typed_text_is_plain(db):
    at = AppTest.from_file(str(ROOT / "pages" / "10_Users.py"), default_timeout=180)
    at.session_state["_access_user"] = ADMIN
    at.run()
    assert not at.exception
    at.text_input(key="users_email").input("[Click](http://x)@acme.test")
    at.selectbox(key="users_role").select("viewer")
    at.text_input(key="users_note").input(LINK_NOTE)
    at.button[0].click().run()
    assert not at.exception
    msgs = [e.value for e in [*at.success, *at.error]]
    assert msgs and not [m for m in msgs if "](http" in m], msgs
    users = at.dataframe[0]
    assert users.value["role"].tolist().count("admin") == 1 and "Fay" in set(users.value["name"])
    assert "manager" in set(users.value["role"])  # role titles, not enum values ("sales_ops")
    import json

    headers = {c: cfg.get("label") for c, cfg in json.loads(users.proto.columns).items()}
    assert headers["changed_at"] == "Changed" and headers["os_login"] == "OS login (CLI)"
    assert not [h for h in headers.values() if h and "_" in h], headers
    mgr = at.selectbox(key="users_mgr")
    assert "Fatima Green (M-03)" in mgr.options  # people as "Name (M-03)"


def test_crm_export_has_the_upload_limits(db, sample, one_row, monkeypatch, tmp_path, cli):
    """The CRM-changes upload is held to the same per-file row limit as a data upload, with a message naming it."""
    row, _ = one_row
    two = pd.concat([row, sample.accounts.loc[sample.accounts["account_id"] != row["account_id"].iloc[0],
                                              row.columns].iloc[[0]]])
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_ROWS", "1")
    at = _upload(page(ADMIN).run(), two.to_csv(index=False).encode())
    assert not at.exception
    errs = " ".join(e.value for e in at.error).replace("\\", "")
    assert "Not loaded" in errs and "one_row.csv" in errs and "at most 1 rows" in errs, errs
    assert not at.metric
    export = tmp_path / "two.csv"
    two.to_csv(export, index=False)
    r = cli(["--as", ADMIN.email, "crm-changes", "Prop", "--new-accounts", export])
    assert r.exit_code == 2 and "at most 1 rows" in r.output
