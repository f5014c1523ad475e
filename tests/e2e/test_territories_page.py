"""The Territories page in a real Chromium: the definitions in words, both rule downloads, and the routing flow
(upload new accounts → each account's territory and reason, the flagged one, the balance impact → save as a new
version in review)."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "accounts.csv"
NAME = "E2E routed territories"


def _new_accounts(tmp_path) -> Path:
    import pandas as pd

    new = pd.read_csv(SAMPLE, dtype=str).head(12)[["account_id", "name", "segment", "industry", "postal_code", "state",
                                                   "potential_usd", "employees"]]
    new["account_id"] = "E2E" + new["account_id"]
    new.iloc[0, new.columns.get_loc("postal_code")] = "99501"  # Anchorage: no rule matches it
    new.iloc[0, new.columns.get_loc("state")] = "AK"
    path = tmp_path / "new_accounts.csv"
    new.to_csv(path, index=False)
    return path


def test_definitions_downloads_and_routing_into_review(page, app_url, app_db_url, tmp_path):
    from planning.plans import PlanStore, review

    open_app(page, app_url, "territories", wait_text="Definitions")
    main = page.locator('[data-testid="stMainBlockContainer"]')
    expect(main.get_by_text("Enterprise West – George Adams: Enterprise accounts in").first).to_be_visible()
    expect(main.get_by_role("button", name="Download Salesforce ETM rules (zip)")).to_be_visible()
    with page.expect_download() as dl:
        main.get_by_role("button", name="Download territory_rules.csv (HubSpot, Dynamics)").click()
    assert dl.value.suggested_filename == "territory_rules.csv"
    main.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(_new_accounts(tmp_path)))
    wait_idle(page)
    expect(main.get_by_text("Accounts routed")).to_be_visible(timeout=90_000)
    expect(main.get_by_text("Balance impact on the touched books")).to_be_visible()
    expect(main.get_by_text("Flagged: no rule matched")).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    name = main.get_by_role("textbox", name="Save as")
    name.fill(NAME)
    name.press("Enter")
    wait_idle(page)
    main.get_by_role("button", name="Save the routed plan").click()
    expect(main.get_by_text(f"Saved {NAME} version 1 and submitted it for review.")).to_be_visible(timeout=90_000)
    store = PlanStore(app_db_url)
    try:
        assert review.status(store, NAME).state == "in_review"
        assert store.load_plan(NAME).assignment.index.str.startswith("E2E").sum() == 12
        store.delete_plan(NAME)  # out of the library again, so later tests' plan pickers are as they were
    finally:
        store.dispose()
