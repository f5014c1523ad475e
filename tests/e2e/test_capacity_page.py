"""The Capacity Scenarios page in a real headless Chromium: numbers, charts, the optimizer."""
import pytest

from planning.capacity import default_scenario, run_scenario
from planning.reporting import scenario_costs
from tests.e2e.conftest import open_app
from ui.format import usd

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def metric_value(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_capacity_page_numbers_charts_and_optimizer(page, app_url, sample, tmp_path):
    open_app(page, app_url, "capacity-scenarios", wait_text="Plan-year results")
    s = run_scenario(default_scenario(sample)).summary()
    assert metric_value(page, "Expected bookings") == usd(s["expected_bookings_usd"])
    assert metric_value(page, "Gap to target") == usd(s["gap_usd"])
    cost = scenario_costs(run_scenario(default_scenario(sample))).ae_support_cost_usd
    assert metric_value(page, "AE and support cost") == usd(cost)
    # The monthly capacity chart and the tornado are Vega charts. They arrive one by one, and the later ones
    # (below the fold) can land after the first is drawn: wait for the fifth rather than counting at once.
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.locator("canvas, svg").first.wait_for()
    charts.nth(4).wait_for(state="attached", timeout=30_000)
    assert charts.count() >= 5
    box = charts.first.bounding_box()
    assert box and box["width"] > 400 and box["height"] > 200
    tornado = page.get_by_text("Tornado: expected bookings").first
    tornado.scroll_into_view_if_needed()
    page.get_by_role("button", name="Solve").click()
    page.get_by_text("each extra $100K of budget is worth").first.wait_for(timeout=120_000)
    page.get_by_text("proportional to targets").first.wait_for(timeout=30_000)
    page.get_by_text("Solver details").first.wait_for(timeout=30_000)  # the LP gap and shadow prices, out of the way
    assert page.get_by_text("Gap to LP bound").count() == 0
    page.screenshot(path=str(tmp_path / "capacity.png"), full_page=True)

