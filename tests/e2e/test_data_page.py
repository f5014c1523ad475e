"""The Data page in a real headless Chromium: the sample company's counts and the map render."""
import pytest

from tests.e2e.conftest import open_app

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_data_page_shows_accounts_and_map(page, app_url, sample, tmp_path):
    open_app(page, app_url, "", wait_text="Validation report")
    accounts = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts").first
    assert accounts.locator('[data-testid="stMetricValue"]').inner_text() == f"{len(sample.accounts):,}"
    # The account map is a Vega chart drawn offline (basemap + dots); wait for its canvas/svg.
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    chart.locator("canvas, svg").first.wait_for()
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 200
    page.screenshot(path=str(tmp_path / "data.png"), full_page=True)
