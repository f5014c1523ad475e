"""Walking a page in a real Chromium as a user does, and gathering what the browser received: every ForwardMsg on
the websocket (strings and Arrow tables, read as the AppTest matrix reads element protos), the text on the screen
after each tab is opened, and the files behind the download buttons.  Shared by the per-role access pass
(test_every_page_per_role.py) and the messy-upload pass (test_messy_upload_every_page.py)."""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.access_scope import BROKEN, Seen, read_download, read_proto
from tests.e2e.conftest import page_link, page_slugs, wait_run_then_drawn

MAIN = '[data-testid="stMain"]'
IMAGES = re.compile(r"\b(PNG|PDF)\b")
DOWNLOAD_S = 120  # the viewer's whole-company disruption workbook is built on click: ~7 s idle, far more under load


class Wire:
    """Every ForwardMsg the server sends this browser, read into the :class:`Seen` of the page on view (an exception
    element into its exceptions), the script runs started and finished on the newest websocket, and the reruns the
    browser asked for on it: "drawn" waits for a run that started after the click to finish, so a rerun still in
    flight from an earlier click (a tab's) or a page left behind never passes for this page's run."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.seen, self.frames, self._ws = Seen(), 0, None
        self.known: set[int] = set()  # what this page has sent already (reset with ``seen`` per page)
        self.started = self.finished = 0  # runs started (new_session), and the number of the last one finished
        self.asked = 0  # rerun requests the browser sent (a widget's click or change)
        early = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN

        def on_frame(ws, payload):
            if not isinstance(payload, (bytes, bytearray)):
                return
            try:
                msg = ForwardMsg.FromString(bytes(payload))
            except Exception:  # noqa: BLE001 - not a ForwardMsg
                return
            self.frames += 1
            kind = msg.WhichOneof("type")
            if kind == "new_session" and ws is self._ws:
                self.started += 1
            elif kind == "script_finished" and msg.script_finished != early and ws is self._ws:
                self.finished = self.started
            elif kind == "delta" and msg.delta.new_element.WhichOneof("type") == "exception":
                self.seen.exceptions.append(msg.delta.new_element.exception.message)
            read_proto(msg, self.seen, f"sent {kind}", self.known)

        def on_sent(ws, payload):
            from streamlit.proto.BackMsg_pb2 import BackMsg

            if ws is self._ws and isinstance(payload, (bytes, bytearray)):
                try:
                    self.asked += BackMsg.FromString(bytes(payload)).WhichOneof("type") == "rerun_script"
                except Exception:  # noqa: BLE001 - not a BackMsg
                    pass

        def on_ws(ws):
            self._ws = ws
            ws.on("framereceived", lambda payload: on_frame(ws, payload))
            ws.on("framesent", lambda payload: on_sent(ws, payload))

        page.on("websocket", on_ws)

    def wait_drawn(self, page, mark: int, timeout: float = 180) -> None:
        """Once a run started after ``mark`` (``self.started`` before the click) has finished: nothing busy on two
        animation frames and the main block drawn."""
        wait_run_then_drawn(page, lambda: self.finished, mark, False, timeout)
        page.wait_for_function(f"() => document.querySelector('{MAIN}')?.innerText.trim().length > 0",
                               timeout=timeout * 1000)

    def settle(self, page, mark: int, asked: int, grace_s: float = 0.5) -> None:
        """After a click that may rerun the page (a tab drawn only while open): when the browser asked for a rerun
        (``asked``: ``self.asked`` before the click) within ``grace_s``, wait for a run started after ``mark`` to
        finish; then until nothing is busy.  The browser sends the request from the click's handler, so the grace
        covers the browser only, not a loaded server's delay in starting the run."""
        end = time.monotonic() + grace_s
        while self.asked <= asked and time.monotonic() < end:
            page.wait_for_timeout(20)
        self.wait_drawn(page, mark if self.asked > asked else min(mark, self.finished - 1))


def _button_id(box) -> str:
    key = next((c for c in (box.get_attribute("class") or "").split() if c.startswith("st-key-")), None)
    return key or box.inner_text().strip()  # by its label: a rerun (a map tab) may draw another button before it


def _reveal(box) -> bool:
    """Make a download button visible: open the closed expander it sits in (one in a hidden tab stays hidden)."""
    if box.is_visible():
        return True
    exp = box.locator('xpath=ancestor::*[@data-testid="stExpander"][1]')
    if exp.count() and exp.locator("summary").first.is_visible():
        exp.locator("summary").first.click()
        box.wait_for(state="visible", timeout=5_000)
    return box.is_visible()


def _downloads(page, wire: Wire, done: set[str], where: str) -> list[str]:
    """Click each download button on view not clicked yet, reading the file it gives → the buttons that gave none.
    Map images (PNG, PDF) are left out: no text to read in them (the map's shapes are read as GeoJSON)."""
    failed = []
    boxes = page.locator(f'{MAIN} [data-testid="stDownloadButton"]')
    for i in range(boxes.count()):
        box = boxes.nth(i)
        ident = _button_id(box)
        if ident in done or not _reveal(box):
            continue
        done.add(ident)
        button = box.locator("button").first
        label = button.inner_text().strip()
        if button.is_disabled() or IMAGES.search(label):
            continue
        mark, asked, t = wire.started, wire.asked, time.perf_counter()
        try:
            with page.expect_download(timeout=DOWNLOAD_S * 1000) as dl:
                button.click()
            data = Path(dl.value.path()).read_bytes()
        except PlaywrightTimeout:
            error = box.locator('[data-testid="stDownloadButtonError"]')
            why = f" ({error.first.inner_text()})" if error.count() else ""
            failed.append(f"{where}: the download button {label!r} gave no file within {DOWNLOAD_S} s{why}")
            continue
        finally:
            wire.settle(page, mark, asked, grace_s=0)  # the file came (or the wait ran out) long after the click
        if wire.asked > asked:  # the cause of the lost files: a rerun drops the callable the click asks for
            failed.append(f"{where}: the download button {label!r} reran the page (ui/widgets.py: on_click='ignore')")
        read_download(data, f"{dl.value.suggested_filename} ({where})", "", wire.seen)
        print(f"  download {label!r} ({where}): {time.perf_counter() - t:.1f} s")
    return failed


def _screen(page, seen: Seen, where: str) -> None:
    seen.texts.append((f"screen {where}", page.locator('[data-testid="stApp"]').inner_text()))


def _open(page, wire: Wire, url: str, slug: str, first: bool) -> None:
    """Switch to a page through the sidebar (the session goes on, as a user's does), or open its URL in a new
    session when it is the first page or not in the role's sidebar (a deep link: the app shows its own answer)."""
    title = dict(page_slugs()).get(slug, slug)  # the default page's link is the app's root, not /<slug>: by its label
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=re.compile(rf"^\s*{re.escape(title)}\s*$"))
    mark = wire.started
    if not first and link.count() and link.first.is_visible():
        link.first.click()
    else:
        page.goto(f"{url}/{page_link(slug)}")
    wire.wait_drawn(page, mark)


def _next_tab(tabs, opened: set[str]):
    """The first visible tab whose name is not in ``opened`` (None when every one has been)."""
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        if tab.is_visible() and tab.inner_text().strip() not in opened:
            return tab
    return None


def visit(page, wire: Wire, url: str, slug: str, downloads: bool, first: bool,
          on_view: Callable[[str], None] | None = None) -> tuple[Seen, list[str]]:
    """Open one page, every tab in turn, and (with ``downloads``) every download button → what the browser
    received, and the download buttons that gave no file.  ``on_view(where)`` runs once the page is drawn and once
    each tab is (a screenshot, a look at the DOM)."""
    wire.seen, wire.known = (seen := Seen()), set()
    _open(page, wire, url, slug, first)
    done: set[str] = set()
    _screen(page, seen, slug)
    if on_view:
        on_view(slug)
    failed = _downloads(page, wire, done, slug) if downloads else []
    tabs, opened = page.locator(f'{MAIN} [role="tab"]'), set()
    # by name, the first not yet opened each time: a lazy tab opened may hold tabs of its own (Quota and Comp's
    # coverage by segment, region...), which appear only then and shift the others' places
    while (tab := _next_tab(tabs, opened)) is not None:
        name = tab.inner_text().strip()
        opened.add(name)
        mark, asked = wire.started, wire.asked
        tab.scroll_into_view_if_needed()
        tab.click()
        wire.settle(page, mark, asked)  # a map tab reruns the page to draw its map; most rerun nothing
        _screen(page, seen, f"{slug} › {name}")
        if on_view:
            on_view(f"{slug} › {name}")
        if downloads:
            failed += _downloads(page, wire, done, f"{slug} › {name}")
    return seen, failed


def context(seen: Seen, words=BROKEN, width: int = 300) -> list[str]:
    """The text around each traceback or repr the page showed (so a failure says what broke)."""
    out = [f"exception: {e[:width]}" for e in seen.exceptions]
    for where, text in seen.texts:
        for w in words:
            if (i := text.find(w)) >= 0:
                out.append(f"{where}: …{text[max(0, i - 50):i + width]!r}")
    return out[:4]
