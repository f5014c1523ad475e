"""The Carve page in a real headless Chromium: run a carve, see the map, balance and moves."""
import pytest

from tests.e2e.conftest import assert_chart_drawn, open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_carve_page_runs_a_solve(page, app_url, tmp_path):
    open_app(page, app_url, "carve", wait_text="Run carve")
    page.get_by_role("button", name="Run carve").click()
    page.get_by_text("optimal").first.wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    status = page.locator('[data-testid="stMetric"]').filter(has_text="Status").first
    assert status.locator('[data-testid="stMetricValue"]').inner_text() == "optimal"
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for()  # the map of proposed territories
    page.screenshot(path=str(tmp_path / "carve.png"), full_page=True)
    page.get_by_role("tab", name="Balance").click()
    page.get_by_text("worst_dev = max").first.wait_for()
    assert_chart_drawn(page, index=0)  # before/after bars
    page.screenshot(path=str(tmp_path / "carve_balance.png"), full_page=True)
    page.get_by_role("tab", name="Moved accounts").click()
    page.get_by_text("Pin selected").first.wait_for()
