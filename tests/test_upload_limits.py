"""Replacing the dataset (issue 27): only roles that may change data, per-file size and row limits with a message
naming the file and the limit, and one loaded dataset shared by every session that uploads the same bytes.

The core rules are checked on :mod:`planning.data.uploads` directly; the page through AppTest (two sessions in
this process share Streamlit's resource cache exactly as two browser tabs on one server do)."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import AccessDenied, Role, User
from planning.data import Settings
from planning.data.uploads import UploadLimits, UploadTooLarge, check_rows, check_size, load_upload, upload_key

ROOT = Path(__file__).resolve().parents[1]
OPS = User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc")
VIEW = User("vic@acme.test", "Vic", Role.VIEWER, source="oidc")
MGR = User("dana@acme.test", "Dana", Role.MANAGER, manager_id="M-01", source="oidc")


def _head(name: str, rows: int) -> bytes:
    lines = (ROOT / "sample_data" / name).read_bytes().splitlines(keepends=True)
    return b"".join(lines[: rows + 1])


ACCOUNTS, REPS = _head("accounts.csv", 120), _head("reps.csv", 61)  # 120 accounts, every rep
FILES = {"accounts": ("accounts.csv", ACCOUNTS), "reps": ("reps.csv", REPS)}


def test_the_limits_are_settings_and_match_streamlits_upload_limit():
    lim = UploadLimits.from_settings(Settings(), {})
    assert (lim.max_mb, lim.max_rows, lim.max_bytes) == (50.0, 250_000, 50 * 1024 * 1024)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == lim.uploader_mb == 50
    env = {"PLANNER_UPLOAD_MAX_MB": "5", "PLANNER_UPLOAD_MAX_ROWS": "1e4"}
    assert UploadLimits.from_settings(Settings(), env) == UploadLimits(5.0, 10_000)
    with pytest.raises(ValueError, match="positive"):
        UploadLimits.from_settings(Settings(), {"PLANNER_UPLOAD_MAX_ROWS": "-1"})


def test_a_file_over_a_limit_is_refused_naming_the_file_and_the_limit():
    lim = UploadLimits(max_mb=50, max_rows=250_000)
    check_size("accounts.csv", 50 * 1024 * 1024, lim)  # exactly at the limit is fine
    with pytest.raises(UploadTooLarge) as exc:
        check_size("accounts.csv", 55_000_000, lim)
    assert str(exc.value).startswith("accounts.csv: the file is 52.5 MB; an upload may be at most 50 MB per file")
    check_rows("big.xlsx", 250_000, lim)
    with pytest.raises(UploadTooLarge, match=r"^big.xlsx: the file has 300,000 rows; an upload may have at most "
                                             r"250,000 rows per file"):
        check_rows("big.xlsx", 300_000, lim)


def test_only_roles_that_may_change_data_may_load():
    for who in (VIEW, MGR, User("f@x", role=Role.FINANCE), User("l@x", role=Role.LEADERSHIP)):
        with pytest.raises(AccessDenied, match="may not change plans"):
            load_upload(who, FILES)
    ds = load_upload(OPS, FILES, limits=UploadLimits(1, 1000))
    assert len(ds.accounts) == 120 and len(ds.reps) == 61 and ds.name == "accounts.csv"
    with pytest.raises(UploadTooLarge, match=r"accounts.csv: the file has 120 rows; .* at most 100 rows"):
        load_upload(OPS, FILES, limits=UploadLimits(1, 100))


def test_the_apps_load_refuses_before_looking_in_the_shared_cache():
    from ui import state

    with pytest.raises(AccessDenied, match="Vic <vic@acme.test> \\(viewer\\) may not change plans"):
        state.load_upload(VIEW, FILES, {}, Settings(), UploadLimits())


def test_the_upload_key_changes_with_anything_the_load_depends_on():
    k = upload_key(FILES, {"accounts": {"a": "b"}}, Settings(), "2026-12-01")
    assert k == upload_key(dict(FILES), {"accounts": {"a": "b"}}, Settings(), "2026-12-01 15:00")
    assert k != upload_key({**FILES, "reps": ("reps.csv", REPS + b"\n")}, {"accounts": {"a": "b"}}, Settings(),
                           "2026-12-01")
    assert k != upload_key(FILES, {"accounts": {"a": "c"}}, Settings(), "2026-12-01")
    assert k != upload_key(FILES, {"accounts": {"a": "b"}}, Settings(), "2026-12-02")


def _data_page(user: User | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=180)
    if user is not None:
        at.session_state["_access_user"] = user
    return at.run()


def _upload(at: AppTest, accounts: bytes = ACCOUNTS, reps: bytes = REPS) -> AppTest:
    at.file_uploader(key="upload_accounts").upload("accounts.csv", accounts, "text/csv")
    at.file_uploader(key="upload_reps").upload("reps.csv", reps, "text/csv")
    at.run()
    next(b for b in at.button if b.label == "Load these files").click().run()
    return at


def test_a_viewer_and_a_manager_see_no_upload(monkeypatch):
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "0")
    for who in (VIEW, MGR):
        at = _data_page(who)
        assert not at.exception
        assert len(at.file_uploader) == 0
        assert not [b for b in at.button if b.label == "Load these files"]
        assert any("it is for admin, sales ops" in c.value for c in at.caption)


def test_two_sessions_uploading_the_same_bytes_share_one_dataset(monkeypatch):
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "0")
    first, second = _upload(_data_page(OPS)), _upload(_data_page(OPS))
    for at in (first, second):
        assert not at.exception and not at.error
        assert {m.label: m.value for m in at.metric}["Accounts"] == "120"
    assert first.session_state["dataset"] is second.session_state["dataset"]
    assert first.session_state["dataset_version"] == second.session_state["dataset_version"]
    other = _upload(_data_page(OPS), accounts=_head("accounts.csv", 100))
    assert {m.label: m.value for m in other.metric}["Accounts"] == "100"
    assert other.session_state["dataset"] is not first.session_state["dataset"]


def _pick(at: AppTest) -> AppTest:
    at.file_uploader(key="upload_accounts").upload("accounts.csv", ACCOUNTS, "text/csv")
    at.file_uploader(key="upload_reps").upload("reps.csv", REPS, "text/csv")
    return at.run()


def test_an_oversize_upload_gets_the_message_and_keeps_the_data(monkeypatch):
    monkeypatch.setenv("PLANNER_SAMPLE_PROPOSAL", "0")
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_ROWS", "100")
    at = _pick(_data_page(OPS))
    assert not at.exception
    assert any("Each file may be up to 50 MB and 100 rows." in c.value for c in at.caption)
    msg = " ".join(e.value for e in at.error)
    assert "Not used — accounts.csv: the file has 120 rows; an upload may have at most 100 rows per file" in msg
    assert "reps.csv" not in msg  # 61 rows: within the limit
    assert next(b for b in at.button if b.label == "Load these files").disabled  # nothing to load
    assert {m.label: m.value for m in at.metric}["Accounts"] != "120"  # still the sample company
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_ROWS", "250000")
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "0.01")  # 10 KB: the reps file (8 KB) fits, accounts (20 KB) not
    at = _pick(_data_page(OPS))
    msg = " ".join(e.value for e in at.error)
    assert "accounts.csv: the file is 20 KB; an upload may be at most 0.01 MB per file" in msg
    assert "reps.csv" not in msg
    assert next(b for b in at.button if b.label == "Load these files").disabled
