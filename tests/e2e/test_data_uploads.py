"""Uploads in a real Chromium: degenerate files never show a traceback on any page; a Salesforce pair shows what
the loader did (source, title map, conversions, estimated potential, a map with the accounts outside the US)."""
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.conftest import open_app, wait_idle

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


def _attach(page, index: int, path: Path) -> None:
    """Give the index-th uploader ``path`` and wait until it shows the file as its own.  Setting a file while the
    previous file's rerun redraws the uploaders can land on an input that is about to be replaced, and the file is
    then never sent (seen twice in CI as "Load these files" left disabled): set it again until the chip shows."""
    uploader = page.locator('[data-testid="stFileUploader"]').nth(index)
    chip = uploader.locator('[data-testid="stFileChipName"]').filter(has_text=path.name)
    for _ in range(3):
        wait_idle(page)
        uploader.locator("input[type=file]").set_input_files(str(path))
        try:
            chip.first.wait_for(timeout=15_000)
            break
        except PlaywrightError:
            continue
    wait_idle(page)


def _upload(page, accounts: Path, reps: Path) -> None:
    page.get_by_text("Load your own CRM export").click()
    _attach(page, 0, accounts)
    _attach(page, 1, reps)
    button = page.get_by_role("button", name="Load these files")
    try:
        expect(button).to_be_enabled(timeout=90_000)
    except AssertionError:  # say what the page says (a refused file's message) rather than only "disabled"
        said = page.locator('[data-testid="stAlert"], [data-testid="stFileChip"]').all_inner_texts()
        raise AssertionError(f"'Load these files' stays disabled; the page says: {said}") from None
    button.click()
    expect(page.locator('[data-testid="stCaptionContainer"]').filter(has_text=accounts.name).first).to_be_visible(timeout=90_000)
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


def test_salesforce_pair_shows_what_the_loader_did(page, app_url):
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
