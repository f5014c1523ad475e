"""In a real Chromium: a table's toolbar offers no "Download as CSV" (the app's own formula-safe buttons are the only
way to a file, issue 27), while the toolbar itself is there (its search), so the check looks at a drawn toolbar.
With ``client.disableDataExport`` off the same check lists 'Download as CSV' and fails (tried 2026-12-03)."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

TOOLBAR = '[data-testid="stElementToolbar"]'


def test_a_tables_toolbar_has_search_but_no_csv_download(page, app_url):
    open_app(page, app_url, "", wait_text="Validation report")
    wait_idle(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.scroll_into_view_if_needed()
    table.hover()
    box = table.locator("xpath=ancestor::*[.//*[@data-testid='stElementToolbar']][1]")  # the table's own toolbar
    toolbar = box.locator(TOOLBAR).first
    toolbar.wait_for(state="visible", timeout=30_000)
    buttons = toolbar.locator("button")
    labels = [(buttons.nth(i).get_attribute("aria-label") or buttons.nth(i).inner_text()).strip()
              for i in range(buttons.count())]
    assert any("Search" in lab for lab in labels), labels
    assert not any("Download" in lab for lab in labels), labels
