"""A messy real-world CRM export (tests/data/messy, its figures hand-worked in tests/test_messy_export.py) uploaded by
the admin, signed in through the real provider, in a real Chromium; then every page (enumerated from pages/) and
every tab, through the sidebar in the same session, with every download button clicked.

The export: amounts in five currencies with an ISO column (one unknown code), Excel serial dates and US dates with a
time, negative employee counts, a revenue of "about ten million", a ZIP that cannot be placed with a good city and
state, an owner in no file, two people named Lena Ortiz, a name "=1+2 Will", a markdown link as an account's and a
person's name, and accounts in Germany, the UK, Canada, Japan, France, Sweden and Australia.

Asserted on every page and tab: no exception, traceback, "DeltaGenerator", "object at 0x" or Streamlit API text in
what the browser received or on the screen; the markdown link never becomes a link (no anchor to its address, and
wherever its words are on the screen they show with their brackets); no blank cell shown as "nan"; no downloaded
cell starts with "=" (every file neutralised).  On the Data page: for each file, rows read = rows loaded + rows rejected, with the hand-worked
figures, and every warning names its file, row and column.  A screenshot of each page and tab is kept (path printed).
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.access_scope import BROKEN, Seen
from tests.e2e.conftest import attach_upload, page_slugs
from tests.e2e.page_walk import MAIN, Wire, context, visit
from tests.e2e.signin import VERIFIED_ADMIN, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

MESSY = Path(__file__).resolve().parents[1] / "data" / "messy"
ACCOUNTS, REPS = MESSY / "crm_accounts.csv", MESSY / "crm_users.csv"
LINK_WORDS = "Your session expired - sign in again"
LINK = f"[{LINK_WORDS}](http://evil.example)"
LEAKS = BROKEN + ("Creator of Delta protobuf",)
COUNTS = {"crm_accounts.csv": (20, 19, 1), "crm_users.csv": (8, 8, 0)}  # rows read, loaded, rejected
N_WARNINGS = 12  # 11 on accounts, 1 on people: tests/test_messy_export.py


def _after(page, wire: Wire, act, timeout_s: float = 60) -> None:
    """Do ``act`` (a file chosen, a button clicked), wait for the browser to ask for the rerun it causes (a file is
    uploaded over HTTP first), then for that run to be drawn."""
    mark, asked = wire.started, wire.asked
    act()
    end = time.monotonic() + timeout_s
    while wire.asked <= asked:
        assert time.monotonic() < end, "the browser asked for no rerun"
        page.wait_for_timeout(20)
    wire.wait_drawn(page, mark)


def _upload(page, wire: Wire, shoot) -> None:
    """Choose the two files in the Data page's upload section and press Load; once the sidebar names the upload
    (it named the demo company before), the session plans on it.  ``shoot(step)`` keeps a screenshot of each step."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "(demo)" in sidebar.inner_text()  # the demo company before the upload
    page.get_by_text("Load your own CRM export").click()
    _after(page, wire, lambda: attach_upload(page, "accounts", ACCOUNTS))
    _after(page, wire, lambda: attach_upload(page, "reps", REPS))
    shoot("upload 1 files chosen")
    load = page.get_by_role("button", name="Load these files")
    expect(load).to_be_enabled(timeout=60_000)
    _after(page, wire, load.click)
    wire.settle(page, wire.started, wire.asked, grace_s=0)
    shoot("upload 2 loaded")
    main = page.locator(MAIN).inner_text()
    errors = page.locator(f'{MAIN} [data-testid="stAlertContentError"]')
    assert not errors.count(), f"the load was refused: {errors.first.inner_text()}"
    assert "(demo)" not in sidebar.inner_text(), f"still the demo after Load:\n{main[:3000]}"


def _frame(seen: Seen, *columns: str) -> pd.DataFrame:
    """The last table the page sent with all of ``columns`` (the newest run's)."""
    found = [df for _, df in seen.frames if all(c in df.columns for c in columns)]
    assert found, f"no table with {columns}; tables: {[list(df.columns)[:6] for _, df in seen.frames][:12]}"
    return found[-1]


def _data_page_checks(seen: Seen) -> list[str]:
    """The validation tables as the page sent them (canonical columns; the grid shows their labels)."""
    screen = "\n".join(t for w, t in seen.texts if w.startswith("screen"))
    bad = [] if re.search(r"Accounts\s+19\b", screen) else ["data: the headline does not show the 19 loaded accounts"]
    counts = _frame(seen, "file", "rows_read", "rows_loaded", "rows_rejected").set_index("file")
    for f, want in COUNTS.items():
        got = tuple(int(counts.at[f, c]) for c in ("rows_read", "rows_loaded", "rows_rejected")) if f in counts.index \
            else None
        if got != want or got[0] != got[1] + got[2]:
            bad.append(f"data: {f} rows read, loaded, rejected {got}, expected {want}")
    issues = [df for _, df in seen.frames if {"severity", "file", "row", "column"} <= set(df.columns)]
    warnings = next((df for df in reversed(issues) if len(df) and (df["severity"] == "warning").all()), None)
    if warnings is None or len(warnings) != N_WARNINGS:
        bad.append(f"data: {0 if warnings is None else len(warnings)} warnings shown, expected {N_WARNINGS}")
        return bad
    unnamed = warnings.loc[~warnings["file"].isin(COUNTS) | warnings["row"].isna()
                           | warnings["column"].astype(str).str.strip().isin(["", "None", "nan"])]
    bad += [f"data: a warning without its file, row or column: {r}" for r in unnamed.to_dict("records")]
    return bad


def _leaks(seen: Seen, where: str) -> list[str]:
    chunks = seen.texts + [(w, " ".join(map(str, df.columns)) + " " + df.astype(str).to_string())
                           for w, df in seen.frames]
    bad = [f"{where}: exception {e[:300]}" for e in seen.exceptions]
    bad += [f"{w}: shows {leak!r}" for leak in LEAKS for w, t in chunks if leak in t]
    for w, df in seen.frames:
        if w.startswith("download"):
            cells = df.astype(str).stack()
            bad += [f"{w}: formula cell {c!r}" for c in cells[cells.str.startswith("=")].head(3)]
    for w, t in seen.texts:
        if w.startswith("download") and re.search(r"(^|[,\n\"])=1\+2", t):
            bad.append(f"{w}: formula cell '=1+2 …' written raw")
    return bad


def _plain_text_checks(page, where: str) -> list[str]:
    """The markdown link is shown as text: no anchor to its address; its words, where shown, with the brackets."""
    bad = []
    if (n := page.locator('a[href*="evil.example"]').count()):
        bad.append(f"{where}: {n} live link(s) to the markdown link's address")
    text = page.locator('[data-testid="stApp"]').inner_text()
    if m := re.search(r"\bnan\b", text):  # a blank cell of the upload printed as Python writes it
        bad.append(f"{where}: shows 'nan': …{text[max(0, m.start() - 60):m.end() + 20]!r}")
    for m in re.finditer(re.escape(LINK_WORDS), text):
        if text[max(0, m.start() - 1):m.start()] != "[":
            around = text[max(0, m.start() - 40):m.end() + 40]
            bad.append(f"{where}: the link's words shown without their brackets: …{around!r}")
            break
    return bad


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = tmp_path_factory.mktemp("messy_screens")
    print(f"\nscreenshots: {d}")
    return d


def test_a_messy_export_goes_through_every_page(browser, auth_app, shots):
    ctx, page = sign_in(browser, auth_app, VERIFIED_ADMIN)
    found, timings, dom = [], [], []

    def on_view(where: str) -> None:
        page.screenshot(path=str(shots / f"{re.sub(r'[^a-z0-9]+', '_', where.lower()).strip('_')}.png"),
                        full_page=True)
        dom.extend(_plain_text_checks(page, where))

    try:
        wire = Wire(page)
        visit(page, wire, auth_app, "data", downloads=False, first=True)  # a new session, on the wire
        _upload(page, wire, on_view)
        visit(page, wire, auth_app, page_slugs()[-1][0], downloads=False, first=False)  # away, so Data reruns
        for slug, _ in page_slugs():  # through the sidebar: the same session, the upload in use
            t = time.perf_counter()
            seen, failed = visit(page, wire, auth_app, slug, downloads=True, first=False, on_view=on_view)
            bad = _leaks(seen, slug) + failed + (_data_page_checks(seen) if slug == "data" else [])
            found += bad + ([f"{slug}: {c}" for c in context(seen, LEAKS)] if bad else [])
            timings.append(f"{slug} {time.perf_counter() - t:.1f} s")
    finally:
        ctx.close()
        print("\nmessy upload: " + ", ".join(timings))
    found += dom
    assert not found, "\n  ".join(["a messy export through every page:"] + list(dict.fromkeys(found)))
