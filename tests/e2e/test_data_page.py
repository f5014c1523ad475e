"""The Data page in a real headless Chromium: the sample company's counts first, then each section's tab (the map
among them) drawn when it is opened."""
import pytest

from tests.e2e.conftest import attach_upload, open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_data_page_shows_accounts_and_map(page, script_runs, app_url, sample, tmp_path):
    open_app(page, app_url, "", wait_text="Validation report")
    accounts = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts").first
    assert accounts.locator('[data-testid="stMetricValue"]').inner_text() == f"{len(sample.accounts):,}"
    main = page.locator('[data-testid="stMain"]')
    # the first paint: the figures and the validation report, no chart (the sections' tabs are lazy)
    main.locator('[data-testid="stDataFrame"]').first.wait_for()  # the validation report's counts
    assert main.locator('[data-testid="stVegaLiteChart"]').count() == 0
    # once the page is drawn and the browser idle, the chart library is loaded and has drawn its off-screen warm-up
    # (ui.chart_warm_up), so the first chart opened draws as fast as a later one; nothing of it shows
    page.wait_for_function("() => window.plannerChartsWarm === 'drawn'", timeout=30_000)
    loaded = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name.split('/').pop())")
    assert any(n.startswith("embed.") for n in loaded)
    assert any(n.startswith("ArrowVegaLiteChart.") for n in loaded)  # the chart element's code too, before any chart
    assert "us_states_albers_usa.geojson" in loaded  # and the maps' basemap file, in the cache for the first map
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 0

    def open_tab(name: str) -> None:
        script_runs.timed(page, page.get_by_role("tab", name=name).first.click)

    # The account map is a Vega chart drawn offline (basemap + dots); wait for its canvas/svg.
    open_tab("Accounts by owner")
    chart = main.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    chart.locator("canvas, svg").first.wait_for()
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 200
    # waited for, not read at once (is_visible): a tab's text can land a beat after the click's rerun
    main.get_by_text("accounts on the map").first.wait_for(state="visible", timeout=30_000)
    page.screenshot(path=str(tmp_path / "data.png"), full_page=True)
    open_tab("Current plan health")
    main.get_by_text("Above 2×").first.wait_for(state="visible", timeout=30_000)
    open_tab("Data health")
    main.get_by_text("Likely duplicates").first.wait_for(state="visible", timeout=30_000)
    open_tab("Account base")
    main.locator('[data-testid="stVegaLiteChart"]').first.locator("canvas, svg").first.wait_for()


def test_upload_replaces_the_sample_and_reports_rejects(page, app_url, tmp_path):
    acc = tmp_path / "hubspot_companies.csv"
    acc.write_text("\ufeffRecord ID;Company name;Postal Code;ARR;Company owner;Segment\n"
                   "C1;Acme Inc;02139;$1.200;Ada Lovelace;SMB\n"
                   "C2;Beta LLC;94105;-5;Ada Lovelace;SMB\n"
                   "C3;Gamma Co;10001;$300;R-1;SMB\n", encoding="utf-8")
    reps = tmp_path / "reps.csv"
    reps.write_text("rep_id,name,role,segment,region\nR-1,Ada Lovelace,AE,SMB,Northeast\n")
    open_app(page, app_url, "", wait_text="Validation report")
    page.get_by_text("Load your own CRM export").click()
    attach_upload(page, "accounts", acc)
    attach_upload(page, "reps", reps)
    page.get_by_role("button", name="Load these files").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="Load these files").click()
    page.get_by_text("hubspot_companies.csv").first.wait_for()
    wait_idle(page)
    from playwright.sync_api import expect

    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts").first
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("2", timeout=60_000)
    rejected = page.locator('[data-testid="stMetric"]').filter(has_text="Rejected rows").first
    expect(rejected.locator('[data-testid="stMetricValue"]')).to_have_text("1", timeout=60_000)
