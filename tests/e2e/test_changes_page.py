"""The Changes page in a real headless Chromium: a leaver's two options side by side, then the split saved as a
change version and submitted for review."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.carve_steps import choose
from tests.e2e.conftest import open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e"), pytest.mark.usefixtures("fresh_local_jobs")]


def _pick(page, label: str, text: str) -> None:
    choose(page, page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.get_by_role("combobox"), text)


def test_a_leaver_is_split_saved_and_submitted(page, app_url, tmp_path):
    open_app(page, app_url, "changes", wait_text="Show the options")
    _pick(page, "Leaving rep", "R-010")
    page.get_by_role("button", name="Show the options").click()
    page.get_by_text("Change #").first.wait_for(timeout=60_000)  # the job's progress box, with Cancel
    page.get_by_role("heading", name="Side by side").wait_for(timeout=240_000)
    wait_idle(page, timeout=120_000)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("tab", name="Split the book over neighbouring territories")).to_be_visible()
    expect(main.get_by_text(re.compile(r"pro-rated from 2027-04-01 \(9\.0 months left")).first).to_be_visible()
    page.screenshot(path=str(tmp_path / "changes_options.png"), full_page=True)
    page.get_by_role("radiogroup").filter(has_text="Split the book").get_by_text("Split the book").click()
    page.get_by_text("Submit for review").click()
    page.get_by_role("button", name="Save", exact=True).click()
    done = main.get_by_text(re.compile(r"Saved as .+ v\d+, effective 2027-04-01 — submitted for review\."))
    done.wait_for(timeout=60_000)
    wait_idle(page, timeout=60_000)
    expect(main.get_by_text("Traceback")).to_have_count(0)
