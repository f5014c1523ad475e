"""The Carve page in a real headless Chromium: run a carve, see the map, balance and moves."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_chart_drawn, open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_carve_page_runs_a_solve(page, app_url, tmp_path):
    open_app(page, app_url, "carve", wait_text="Run carve")
    page.get_by_role("button", name="Run carve").click()
    page.get_by_text("Balanced plan found").first.wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    moved = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts moved").first
    assert int(moved.locator('[data-testid="stMetricValue"]').inner_text().replace(",", "")) > 0
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for()  # the map of proposed territories
    page.screenshot(path=str(tmp_path / "carve.png"), full_page=True)
    page.get_by_role("tab", name="Balance").click()
    page.get_by_text("worst book's deviation from its target").first.wait_for()
    assert_chart_drawn(page, index=0)  # before/after bars
    page.screenshot(path=str(tmp_path / "carve_balance.png"), full_page=True)
    page.get_by_role("tab", name="Moved accounts").click()
    page.get_by_text("Pin selected").first.wait_for()


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def _use_point(page, text: str) -> None:
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Point").first.click()
    page.get_by_role("option").filter(has_text=text).first.click()
    wait_idle(page)
    page.get_by_role("button", name="Make this point the proposal").first.click()  # a rerun may briefly show two
    page.get_by_text(f"Showing point").first.wait_for()
    wait_idle(page, timeout=120_000)


def test_carve_page_frontier_pick_changes_the_proposal(page, app_url, tmp_path):
    open_app(page, app_url, "carve", wait_text="Run carve")
    page.get_by_text("Moves vs travel: the trade-off curve").click()
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Points").get_by_role("slider")
    slider.focus()
    slider.press("ArrowLeft")
    slider.press("ArrowLeft")  # 5 → 3 points: keep the browser test short
    wait_idle(page)
    page.get_by_role("button", name="Solve the curve").click()
    # the curve runs as a job: its progress box shows the points as they finish, then the curve's headline
    # (the box, collapsed once the job ends, keeps the same words in its last progress text: look past it)
    page.get_by_text("Moves-vs-travel curve #").first.wait_for(timeout=60_000)
    page.get_by_text("moves fewer than").filter(visible=True).first.wait_for(timeout=400_000)
    wait_idle(page, timeout=120_000)
    assert_chart_drawn(page)  # the curve
    _use_point(page, "shortest travel")
    far = int(_metric(page, "Accounts moved").replace(",", ""))
    page.screenshot(path=str(tmp_path / "carve_frontier.png"), full_page=True)
    _use_point(page, "fewest moves")
    # "Showing point" is already on the page from the first pick: wait for the rerun to replace the figure
    value = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts moved").first.locator(
        '[data-testid="stMetricValue"]')
    expect(value).not_to_have_text(f"{far:,}", timeout=120_000)
    few = int(value.inner_text().replace(",", ""))
    assert few < far  # the proposal changed with the point picked
    page.get_by_text("fewest moves").first.wait_for()
