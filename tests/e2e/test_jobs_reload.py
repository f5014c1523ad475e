"""Jobs outlive the page, in a real headless Chromium: start a carve, reload the browser mid-run, and the page
re-attaches to the job and shows its result."""
import pytest

from tests.e2e.conftest import open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_carve_survives_a_reload(page, app_url):
    open_app(page, app_url, "carve", wait_text="Run carve")
    # settings no other test uses, so the solve is not served from the cache
    band = page.get_by_label("Band ± % — Potential")
    band.fill("12")
    band.press("Enter")
    wait_idle(page, timeout=60_000)
    page.get_by_role("button", name="Run carve").click()
    page.get_by_text("Carve #").first.wait_for(timeout=60_000)  # the job's progress box
    page.reload()
    page.wait_for_selector('[data-testid="stApp"]')
    # either still running (re-attached: progress, then the result) or just finished (shown once)
    page.get_by_text("Carve #").or_(page.get_by_text("while you were away")).first.wait_for(timeout=60_000)
    status = page.locator('[data-testid="stMetric"]').filter(has_text="Status").first
    status.wait_for(timeout=180_000)
    assert status.locator('[data-testid="stMetricValue"]').inner_text() in ("optimal", "feasible")
    page.get_by_text("Your carve jobs").first.click()
    page.get_by_text("succeeded").first.wait_for(timeout=30_000)
