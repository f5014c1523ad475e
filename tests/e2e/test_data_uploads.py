"""Uploads in a real Chromium: degenerate files never show a traceback on any page; a Salesforce pair shows what
the loader did (source, title map, conversions, estimated potential, a map with the accounts outside the US)."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import attach_upload, open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

DATA = Path(__file__).resolve().parents[1] / "data"
DEG = DATA / "degenerate"
PAGES = ["Carve", "Capacity Scenarios", "Quota and Comp", "Finance", "Disruption", "Compare", "Plans"]  # + Data, after each upload
CASES = [  # (accounts, reps, what the Data page must say)
    ("headers_only_accounts.csv", "headers_only_users.csv", "no accounts and no people"),
    ("accounts_two.csv", "no_valid_users.csv", "no people (reps)"),
    ("no_valid_accounts.csv", "one_user.csv", "no accounts"),
    ("one_account.csv", "one_user.csv", None),
    ("no_valid_accounts.csv", "no_valid_users.csv", "no accounts and no people"),
]


def _upload(page, accounts: Path, reps: Path) -> None:
    page.get_by_text("Load your own CRM export").click()
    attach_upload(page, "accounts", accounts)
    attach_upload(page, "reps", reps)
    wait_idle(page)
    button = page.get_by_role("button", name="Load these files")
    try:
        expect(button).to_be_enabled(timeout=90_000)
    except AssertionError:  # say what the page says (a refused file's message) rather than only "disabled"
        said = page.locator('[data-testid="stAlert"], [data-testid="stFileChip"]').all_inner_texts()
        raise AssertionError(f"'Load these files' stays disabled; the page says: {said}") from None
    loaded = page.locator('[data-testid="stCaptionContainer"]').filter(has_text=accounts.name).first
    button.click()
    try:
        expect(loaded).to_be_visible(timeout=30_000)
    except AssertionError:
        # Seen once in a clean-clone CI at load ~4 (2026-12-03): 90 s after the click the page still showed the
        # previous dataset, no spinner, no message, Load enabled, as if the click never reached the server; the
        # same test passes alone in ~20 s.  A person clicks again; so does the test, once, and says so.
        wait_idle(page)
        if page.get_by_text("Loading and validating").count() == 0 and button.is_enabled():
            print(f"Load click for {accounts.name} not answered in 30 s; clicking again")
            button.click()
        expect(loaded).to_be_visible(timeout=90_000)
    wait_idle(page)


def _no_traceback(page, where: str) -> None:
    wait_idle(page)
    exc = page.locator('[data-testid="stException"]')
    assert exc.count() == 0, f"traceback on {where}: {exc.first.inner_text()[:2000]}"


def _goto(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    expect(page.locator('[data-testid="stMainBlockContainer"] h1').first).to_have_text(title, timeout=90_000)
    wait_idle(page)


def test_degenerate_uploads_never_show_a_traceback(page, app_url):
    open_app(page, app_url, "", wait_text="Validation report")
    for accounts, reps, says in CASES:
        _goto(page, "Data")
        _upload(page, DEG / accounts, DEG / reps)
        _no_traceback(page, f"Data after {accounts} + {reps}")
        if says:
            expect(page.get_by_text(says).first).to_be_visible()
        for title in PAGES:
            _goto(page, title)
            _no_traceback(page, f"{title} after {accounts} + {reps}")
            if says and title in ("Carve", "Quota and Comp", "Finance", "Disruption", "Compare"):
                expect(page.get_by_text("passed validation").first).to_be_visible()


def test_each_file_lands_on_its_own_picker_right_after_the_section_opens(page, app_url):
    """The upload flake's cause: just after the section opens its pickers are mounted one by one, and the first
    file input on the page can be History's.  Files chosen at once, by picker, each land where they were chosen
    (the server reviews them under their own table) and Load is enabled; a few fresh openings cover the window."""
    for _ in range(3):
        open_app(page, app_url, "", wait_text="Validation report")
        page.get_by_text("Load your own CRM export").click()
        attach_upload(page, "accounts", DEG / "one_account.csv")
        attach_upload(page, "reps", DEG / "one_user.csv")
        for table, name in (("accounts", "one_account.csv"), ("reps", "one_user.csv"), ("history", None)):
            chips = page.locator(f'.st-key-upload_{table} [data-testid="stFileChipName"]')
            expect(chips).to_have_count(1 if name else 0)
            if name:
                expect(chips).to_have_attribute("title", name)
        expect(page.get_by_role("button", name="Load these files")).to_be_enabled(timeout=60_000)
        main = page.locator('[data-testid="stMainBlockContainer"]')
        expect(main.get_by_text("Accounts · one_account.csv")).to_be_visible()
        expect(main.get_by_text("Reps · one_user.csv")).to_be_visible()


def test_salesforce_pair_shows_what_the_loader_did(page, app_url, tmp_path):
    open_app(page, app_url, "", wait_text="Validation report")
    _upload(page, DATA / "salesforce_accounts.csv", DATA / "salesforce_users.csv")
    _no_traceback(page, "Data after the Salesforce pair")
    main = page.locator('[data-testid="stMainBlockContainer"]')
    expect(main.locator("p", has_text="Detected source: reps: Salesforce · accounts: Salesforce").first).to_be_visible()
    expect(main.get_by_text("Job titles read as roles")).to_be_visible()
    expect(main.get_by_text("Enterprise AE → AE (Enterprise)")).to_contain_text("Acount Exec → AE (guess)")
    expect(main.get_by_text("Currency conversions")).to_be_visible()
    expect(main.get_by_text("EUR → USD at 1.17")).to_contain_text("GBP → USD at 1.36")
    expect(main.get_by_text("8 of 8 accounts carry an")).to_be_visible()  # 2 load with a field blanked and a warning
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Accounts").first
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text("8")
    page.get_by_role("tab", name="Accounts by owner").first.click()  # the map is a lazy tab of the Data page
    expect(main.get_by_text("8 accounts on the map (3 outside the US)")).to_be_visible(timeout=30_000)
    chart = main.locator('[data-testid="stVegaLiteChart"]').first
    chart.scroll_into_view_if_needed()
    chart.locator("canvas, svg").first.wait_for()
    # the map around accounts in the US and Europe shows land and sea with the dots on it: it was one grey box (the
    # US state outlines on the browser's spherical projection read as "the globe minus each state")
    page.wait_for_timeout(500)  # the canvas paints once its data is in
    land, gap, dots = _map_pixels(chart.screenshot(path=str(tmp_path / "salesforce_map.png")))
    # the old map: one grey globe, 72% of its box (widest sea 24%, beside it); now 28%, the Atlantic half the width
    assert 0.1 < land < 0.6 and gap > 0.35, f"land {land:.0%} of the map's box, widest sea {gap:.0%} ({tmp_path})"
    assert dots >= 30, f"{dots} dot pixels on the map"


LAND = (0xee, 0xf0, 0xf3)  # ui.charts: the basemap's fill


def _map_pixels(png: bytes) -> tuple[float, float, int]:
    """On a map's screenshot, within the box the land spans: the land's share, the widest stretch of sea between
    land on one row (a share of the box's width), and the coloured (dot) pixels."""
    import io

    import numpy as np
    from PIL import Image

    px = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    land = (np.abs(px - LAND).max(axis=2) <= 2)
    rows, cols = np.nonzero(land)
    frame = (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))
    gap = 0
    for row in land[frame]:
        at = np.flatnonzero(row)
        gap = max(gap, int(np.diff(at).max()) - 1 if len(at) > 1 else 0)
    coloured = (px.max(axis=2) - px.min(axis=2)) > 60
    return float(land[frame].mean()), gap / land[frame].shape[1], int(coloured[frame].sum())
