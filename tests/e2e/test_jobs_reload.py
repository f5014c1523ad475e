"""Jobs outlive the page, in a real headless Chromium: start a carve, reload the browser mid-run, and the page
re-attaches to the job and shows its result."""
import re

import pytest

from tests.e2e.carve_steps import open_expander, solver_status
from tests.e2e.conftest import open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e"),
              pytest.mark.usefixtures("fresh_local_jobs")]  # no earlier test's carve shown again


def test_carve_survives_a_reload(page, app_url):
    open_app(page, app_url, "carve", wait_text="Run carve")
    # settings no other test uses, so the solve is not served from the cache
    band = page.get_by_label("Band ± % — Potential")
    band.fill("12")
    band.press("Tab")  # not Enter: Enter in the settings form submits it, starting a carve before Run carve's
    page.get_by_role("button", name="Run carve").click()
    box = page.get_by_text(re.compile(r"Carve #\d+")).filter(visible=True).first  # the job's progress box
    box.wait_for(timeout=60_000)
    started = re.search(r"#(\d+)", box.inner_text()).group(1)
    page.reload()
    page.wait_for_selector('[data-testid="stApp"]')
    # either still running (re-attached: progress, then the result) or just finished (shown again: "while you
    # were away", or "Your last carve" when the page left behind saw it end): either way the job started before
    # the reload, by its number
    job = page.get_by_text(re.compile(r"Carve #\d+|while you were away|Your last carve: job #\d+")).filter(
        visible=True).first
    job.wait_for(timeout=60_000)
    number = re.search(r"#(\d+)", job.inner_text()).group(1)
    assert number == started, (started, job.inner_text())
    wait_idle(page, timeout=180_000)
    # the result, shown again: "Balanced plan found — …" (or "Plan found, but some books stay outside their bands")
    page.get_by_text(re.compile("plan found", re.I)).filter(visible=True).first.wait_for(timeout=30_000)
    assert solver_status(page) in ("optimal", "feasible")
    jobs = open_expander(page, "Your carve jobs")
    # the jobs list is a grid drawn on a canvas: its cells are in the grid's accessibility table, never "visible"
    # (nor always exposed to get_by_role): the started job's row, by its number, says it succeeded
    row = jobs.locator('[role="row"]').filter(has=page.locator('[role="gridcell"]').filter(
        has_text=re.compile(rf"^{started}$"))).filter(has_text="succeeded")
    row.first.wait_for(state="attached", timeout=30_000)
