"""The Carve page in a real headless Chromium: run a carve, see the map, balance and moves."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.carve_steps import by_account, choose, headline, open_expander, run_carve, solver_status
from tests.e2e.conftest import assert_chart_drawn, open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e"),
              pytest.mark.usefixtures("fresh_local_jobs")]  # no earlier test's carve shown again


def test_carve_page_runs_a_solve(page, app_url, tmp_path):
    open_app(page, app_url, "carve", wait_text="Run carve")
    run_carve(page, timeout=120_000)
    # the default carve (issue 24: Mid-market and SMB by county, one piece each) in words: "Balanced plan found —
    # within 6.0% of the best possible one-piece plan; 3,614 accounts move" ("in the time allowed" if the clock hit)
    words = re.fullmatch(r"Balanced plan found( in the time allowed)? — within [\d.]+% of the best possible "
                         r"one-piece plan; ([\d,]+) accounts? moves?", headline(page).inner_text().strip())
    assert words, headline(page).inner_text()
    assert solver_status(page) in ("optimal", "feasible")  # the solver's own terms sit in "Solver details"
    moved = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts moved").first
    n_moved = int(moved.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))
    assert n_moved > 0 and n_moved == int(words.group(2).replace(",", ""))  # one figure, headline and metric
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
    # the picker is a combobox whose list closes when the page scrolls: bring it into view, then type to open it
    choose(page, page.locator('[data-testid="stSelectbox"]').filter(has_text="Point").first.get_by_role("combobox"),
           text)
    page.get_by_role("button", name="Make this point the proposal").first.click()  # a rerun may briefly show two
    page.get_by_text(f"Showing point").first.wait_for()
    wait_idle(page, timeout=120_000)


def test_carve_page_frontier_pick_changes_the_proposal(page, app_url, tmp_path):
    open_app(page, app_url, "carve", wait_text="Run carve")
    wait_idle(page)
    by_account(page)  # the curve's page flow, not geography: each point a 0.9 s carve, not a county one
    run_carve(page, timeout=120_000)  # the form's units apply once it is submitted
    wait_idle(page, timeout=120_000)
    page.wait_for_timeout(2_000)  # the result's map and tabs finish drawing before the curve's slider is used
    wait_idle(page, timeout=120_000)
    # the curve's default 5 points (by account, ~1 s each): a key press on its "Points" slider reran the page
    # under the press and left the test waiting 90 s on a detached slider (CI, loaded machine)
    for attempt in range(4):  # a rerun can redraw the expander closed
        open_expander(page, "Moves vs travel: the trade-off curve")
        try:
            page.get_by_role("button", name="Solve the curve").click(timeout=20_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: open it again and retry
            if attempt == 3:
                raise
            wait_idle(page)
    # the curve runs as a job: its progress box shows the points as they finish, then the curve's headline
    # (the box, collapsed once the job ends, keeps the same words in its last progress text: look past it)
    # (wait for this job to end before reading the headline)
    # attached, not visible: a quick curve's box may have collapsed before this looks (seen with 5 points)
    page.get_by_text("Moves-vs-travel curve #").first.wait_for(state="attached", timeout=60_000)
    wait_idle(page, timeout=400_000)
    page.get_by_text("moves fewer than").filter(visible=True).first.wait_for(timeout=60_000)
    assert_chart_drawn(page)  # the curve
    _use_point(page, "Shortest travel")
    far = int(_metric(page, "Accounts moved").replace(",", ""))
    page.screenshot(path=str(tmp_path / "carve_frontier.png"), full_page=True)
    _use_point(page, "Fewest moves")
    # "Showing point" is already on the page from the first pick: wait for the rerun to replace the figure
    value = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts moved").first.locator(
        '[data-testid="stMetricValue"]')
    expect(value).not_to_have_text(f"{far:,}", timeout=120_000)
    few = int(value.inner_text().replace(",", ""))
    assert few < far  # the proposal changed with the point picked
    page.get_by_text(re.compile(r"Showing point \d+ of the moves-vs-travel curve: Fewest moves")).first.wait_for()
