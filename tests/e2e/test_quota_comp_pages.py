"""Quota and Comp and Finance pages in a real headless Chromium: metrics, charts, a live edit."""
import pytest

from tests.e2e.conftest import open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _metric(page, label):
    m = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return m.locator('[data-testid="stMetricValue"]').inner_text()


def _charts_drawn(page, at_least):
    charts = page.locator('[data-testid="stVegaLiteChart"]:visible')  # charts in hidden tabs do not count
    charts.nth(at_least - 1).wait_for()
    for i in range(at_least):
        c = charts.nth(i)
        c.scroll_into_view_if_needed()
        c.locator("canvas, svg").first.wait_for()
        box = c.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100


def test_quota_and_comp_page(page, app_url, tmp_path):
    open_app(page, app_url, "quota-and-comp", wait_text="Per-rep quotas")
    assert _metric(page, "Coverage") == "115.0%"
    page.get_by_text("Cost simulation").first.wait_for()
    _charts_drawn(page, 4)
    assert _metric(page, "Mean variable cost").startswith("$")
    # a live edit: the even split keeps coverage at the over-assignment
    page.get_by_text("Even split").first.click()
    wait_idle(page, timeout=120_000)
    assert _metric(page, "Coverage") == "115.0%"
    page.screenshot(path=str(tmp_path / "quota_and_comp.png"), full_page=True)


def test_finance_page(page, app_url, tmp_path):
    open_app(page, app_url, "finance", wait_text="What the comp plans cost")
    assert _metric(page, "Coverage") == "115.0%"
    assert _metric(page, "P50 bookings vs target").endswith("%")
    _charts_drawn(page, 8)
    page.screenshot(path=str(tmp_path / "finance.png"), full_page=True)
