"""Disruption, Compare and Plans pages in a real headless Chromium, on a plan saved into the test's temp store."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from planning.plans.disruption_report import disruption
from planning.plans.store import PlanStore
from tests.e2e.carve_steps import choose
from tests.e2e.conftest import open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

@pytest.fixture(scope="module")
def saved_proposal(sample):
    """A proposal moving 150 accounts, saved in the store the e2e server uses (the session's DATABASE_URL)."""
    cur = sample.current_plan()
    ids = cur.assignment.dropna().index[:150]
    terrs = list(cur.territories.index)
    prop = cur.with_moves({x: terrs[(i * 7) % len(terrs)] for i, x in enumerate(ids)}, name="E2E proposal")
    store = PlanStore(os.environ["DATABASE_URL"])
    # carves run by earlier browser tests are saved as plans too (jobs save their result); the pages here default
    # to the newest saved plan, so leave this proposal the only one (a soft delete: nothing is lost)
    for other in set(store.plan_names()) - {"E2E proposal"}:
        store.delete_plan(other)
    if "E2E proposal" not in store.plan_names():
        store.save_plan(prop, author="e2e", note="for the browser test")
    return prop


def _chart_drawn(page):
    """The first chart on the visible tab is drawn (charts on hidden tabs have no size)."""
    chart = page.locator('[data-testid="stVegaLiteChart"]:visible').first
    chart.scroll_into_view_if_needed()
    chart.locator("canvas, svg").first.wait_for()
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150


def test_disruption_page(page, app_url, sample, saved_proposal, tmp_path):
    want = disruption(sample.current_plan(), saved_proposal, sample.accounts, sample.reps, sample.as_of).company
    open_app(page, app_url, "disruption", wait_text="From → to flow")
    moved = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts moved").first
    expect(moved.locator('[data-testid="stMetricValue"]')).to_have_text(f"{want['accounts_moved']:,}", timeout=60_000)
    broken = page.locator('[data-testid="stMetric"]').filter(has_text="Relationships broken").first
    expect(broken.locator('[data-testid="stMetricValue"]')).to_have_text(f"{want['relationships_broken']:,}")
    _chart_drawn(page)  # the from → to heatmap
    page.screenshot(path=str(tmp_path / "disruption.png"), full_page=True)
    # the Excel export is built when clicked and holds every moved account
    with page.expect_download(timeout=90_000) as dl:
        page.get_by_role("button", name="Download the whole report (Excel)").click()
    import pandas as pd

    sheets = pd.read_excel(dl.value.path(), sheet_name=None)
    assert len(sheets["Moved accounts"]) == want["accounts_moved"]
    # the map of moved accounts
    page.get_by_role("tab", name="Map").click()
    wait_idle(page)
    page.get_by_text("Moved accounts by impact (relationship broken or not)").first.wait_for(timeout=60_000)
    _chart_drawn(page)
    # manager view: pick a manager from the selectbox
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Manager view").first
    box.scroll_into_view_if_needed()
    box.locator('[role="combobox"], input').first.click()
    page.get_by_role("option").filter(has_text="M-07").first.click()
    page.get_by_text("Team accounts before").first.wait_for()
    wait_idle(page)
    expect(page.get_by_role("button", name="Printable team summary")).to_be_visible(timeout=60_000)
    page.screenshot(path=str(tmp_path / "disruption_manager.png"), full_page=True)


def test_compare_page(page, app_url, saved_proposal, tmp_path):
    open_app(page, app_url, "compare", wait_text="Headline")
    wait_idle(page)
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    page.get_by_role("tab", name="Map of moves").click()
    wait_idle(page)
    page.get_by_text("accounts sit with a different owner").first.wait_for()
    _chart_drawn(page)
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)


def test_plans_page(page, app_url, saved_proposal, tmp_path):
    open_app(page, app_url, "plans", wait_text="Plan library")
    # the library grid is a canvas; the "Work with" picker shows the saved plan's name
    expect(page.get_by_role("combobox", name="Work with")).to_have_value("E2E proposal")
    page.get_by_role("button", name="Save version").click()
    page.get_by_text("version 1").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.screenshot(path=str(tmp_path / "plans.png"), full_page=True)
    assert "Current CRM ownership" in PlanStore(os.environ["DATABASE_URL"]).plan_names()


def test_plans_page_crm_changes(page, app_url, saved_proposal, tmp_path):
    """Upload a newer CRM export on the Plans page, keep every change, and save it as a new version."""
    import pandas as pd

    from planning.data.dataset import SAMPLE_DIR

    raw = pd.read_csv(SAMPLE_DIR / "accounts.csv", dtype=str, keep_default_na=False).iloc[1:]  # one account deleted
    newer = tmp_path / "crm_newer.csv"
    raw.to_csv(newer, index=False)
    store = PlanStore(os.environ["DATABASE_URL"])
    before = store.versions("E2E proposal")["version"].max()
    open_app(page, app_url, "plans", wait_text="Plan library")
    # through the retrying picker: a click while the page still reran once left the list closed (clean-clone CI)
    choose(page, page.get_by_role("combobox", name="Work with"), "E2E proposal")
    page.get_by_role("tab", name="CRM changes").click()
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(newer))
    apply = page.get_by_role("button", name="Apply")
    apply.wait_for(timeout=90_000)
    wait_idle(page)
    deleted = page.locator('[data-testid="stMetric"]').filter(has_text="Deleted account").first
    expect(deleted.locator('[data-testid="stMetricValue"]')).to_have_text("1")
    page.screenshot(path=str(tmp_path / "crm_changes.png"), full_page=True)
    apply.click()
    page.get_by_text("with the accepted CRM changes").first.wait_for(timeout=90_000)
    assert store.versions("E2E proposal")["version"].max() == before + 1
