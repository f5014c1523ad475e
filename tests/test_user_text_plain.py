"""User-written text is plain text on every page that puts it in a sentence (issue 27): a plan name and a dataset
name written as a markdown link show as their characters in every markdown element (markdown, captions, alerts,
headers), never as a link.  The dataset's name comes from the upload; a plan's from whoever saved it.

Each page runs as the admin on a store whose one saved plan is named as a link, with the session's dataset renamed
so too; the plan is picked wherever a plan is picked."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Role, User
from tests.conftest import proposal, store_with_users

ROOT = Path(__file__).resolve().parents[1]
ADMIN = User("boss@acme.test", "Boss", Role.ADMIN, source="oidc")
LINK = "[Your session expired - sign in again](http://x)"
PAGES = [p.stem for p in sorted((ROOT / "pages").glob("[0-9]*_*.py"), key=lambda p: int(p.stem.split("_")[0]))]
# pages that put the plan's or the dataset's name in a sentence: the name must be seen there (so the check bites)
SHOWN = {"1_Data", "3_Capacity_Scenarios", "4_Quota_and_Comp", "5_Finance", "6_Disruption", "7_Compare", "8_Plans",
         "9_Review"}
MARKDOWN = ("markdown", "caption", "success", "info", "error", "warning", "title", "header", "subheader")
RAW = re.compile(r"(?<!\\)\]\(http")  # "](http" not escaped: a live link in markdown


@pytest.fixture()
def linked(tmp_path, monkeypatch, sample):
    store = store_with_users(tmp_path, monkeypatch, ADMIN)
    store.save_plan(proposal(sample, name=LINK), author="ops", note=LINK)
    return dataclasses.replace(sample, name=LINK)


def _pick_the_link(at: AppTest) -> bool:
    """Pick the saved plan (its label starts with its name) wherever a plan is picked; True if anything changed."""
    changed = False
    for box in list(at.selectbox) + list(at.multiselect):
        labels = [str(o) for o in box.options]
        hit = next((i for i, o in enumerate(labels) if o.startswith(LINK)), None)
        if hit is None:
            continue
        chosen = box.indices if box.type == "multiselect" else [box.index]
        if hit not in chosen:
            box.select(labels[hit]) if box.type == "multiselect" else box.select_index(hit)
            changed = True
    return changed


def _markdown(at: AppTest) -> list[str]:
    return [str(e.value) for kind in MARKDOWN for e in at.get(kind)]


@pytest.mark.parametrize("stem", PAGES)
def test_plan_and_dataset_names_written_as_links_stay_plain(stem, linked):
    at = AppTest.from_file(str(ROOT / "pages" / f"{stem}.py"), default_timeout=180)
    at.session_state["_access_user"] = ADMIN
    at.session_state["dataset"] = linked
    at.session_state["dataset_version"] = "linked"
    at.run()
    seen = _markdown(at)
    if _pick_the_link(at):
        at.run()
        seen += _markdown(at)
    assert not at.exception, at.exception
    shown = any("Your session expired" in m for m in seen)
    assert shown or stem not in SHOWN, f"{stem}: the name is in no sentence; the test sees nothing"
    raw = [m for m in seen if RAW.search(m)]
    assert not raw, f"{stem}: user text rendered as markdown:\n  " + "\n  ".join(raw)
