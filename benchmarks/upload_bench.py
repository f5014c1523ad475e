"""Upload benchmark in a real Chromium: does user A's big upload slow user B's pages, and what does it cost the
server's memory?  (issue 27: "a 300,000-row upload must not slow another user's page").

Run: `python benchmarks/upload_bench.py` (prints a table; `--opens 10` sets B's page opens per phase,
`--rows 250000 --over 300000` the two file sizes).  The app runs on the demo company with a temporary plan store;
the two CRM exports are generated from the demo's accounts (Salesforce-style headers, as benchmarks/data_bench.py
makes them) in a temporary folder, so nothing of yours is read or written.

Two browser sessions on one server:
* B opens the app's pages from the sidebar in turn, each timed until drawn (as benchmarks/page_bench.py does:
  the server's ``script_finished``, then nothing busy on two animation frames), first with nothing else going on
  (idle), then while A uploads;
* A, an admin on the Data page, uploads first an export over the row limit (refused from a count on its bytes
  before it is parsed; a few columns are left out so it stays under the size limit and reaches the row check), then
  one at the limit with the sample's reps file and presses "Load these files" (read, mapped and validated in the
  upload worker process); B keeps opening pages until A's load has finished.

`--a-nice 19` runs A's browser as its own Chromium at that nice level: on this 2-core box both browsers share the
server's cores, which A's browser (on A's own computer) does not in a deployment; at a low priority it stands in for
"elsewhere", so the table shows what the server and its upload worker do to B.  The default (0) keeps one Chromium
for both, as the tables in benchmarks/RESULTS.md were taken.

Printed per phase: B's opens (median and worst), what A saw and how long it took, the server process's RSS at the
end of the phase and the largest RSS of its child processes (the upload worker) while it ran; then which of B's
pages was the worst open of each phase, when it started (seconds since A's click; since the phase's start when
idle) and how much of it was the server's script run (the rest is the browser drawing it).  ``--log`` lists every
open so; ``--spy FILE`` records the server with py-spy (speedscope JSON, every thread, idle ones too) and prints
where each phase starts on its timeline, to see what the server did during the worst open.  Times on a busy
machine are noisy; compare the phases of one run, and record figures from a quiet machine only.
"""
from __future__ import annotations

import argparse
import os
import shutil
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.data_bench import make_export  # noqa: E402 - the demo's accounts as a Salesforce-style export
from benchmarks.page_bench import _nav, pages  # noqa: E402 - the same sidebar navigation and page list
from tests.e2e import conftest as e2e  # noqa: E402 - the server start, and "drawn" as the browser tests define it
from typing import NamedTuple  # noqa: E402

MB = 1024 * 1024
_LEAVE_OUT = ["annual_revenue_usd", "next_renewal_date", "parent_account_id", "last_modified_date", "domain"]


def make_files(folder: Path, rows: int, over: int) -> dict[str, Path]:
    """The export at the limit (every column) and the one over it (a few optional columns left out)."""
    import pandas as pd

    at = make_export(rows, folder / f"accounts_{rows}.csv")
    big = make_export(over, folder / "tmp.csv")
    frame = pd.read_csv(big, dtype=str, keep_default_na=False)
    over_path = folder / f"accounts_{over}.csv"
    frame.drop(columns=[c for c in _LEAVE_OUT if c in frame]).to_csv(over_path, index=False)
    big.unlink()
    return {"at": at, "over": over_path, "reps": ROOT / "sample_data" / "reps.csv"}


class Memory:
    """The server's RSS, and the largest RSS its child processes (the upload worker) reached while sampled."""

    def __init__(self, pid: int):
        import psutil

        self.proc = psutil.Process(pid)
        self.children_peak = 0

    def server_mb(self) -> float:
        return self.proc.memory_info().rss / MB

    def sample(self) -> None:
        total = 0
        for child in self.proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except Exception:  # noqa: BLE001 - a worker that just exited
                continue
        self.children_peak = max(self.children_peak, total)

    def take_peak(self) -> float:
        peak, self.children_peak = self.children_peak, 0
        return peak / MB


class UserA:
    """Admin on the Data page: picks files in the upload section, presses Load, and reports when it is done."""

    def __init__(self, browser, url: str):
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(300_000)
        self.runs = e2e.ScriptRuns(self.page)
        self.page.goto(url)  # the app opens on the Data page
        self.runs.wait_drawn(self.page, 0)
        self.page.get_by_text("Load your own CRM export").first.click()
        self.started = 0.0
        self.outcome = ""

    def pick(self, table: str, path: Path) -> None:
        """Choose ``path`` in the table's file picker, found by its key, and wait until it lists it."""
        e2e.attach_upload(self.page, table, path, tries=5)

    def start(self, files: dict[str, Path]) -> None:
        self.started = time.perf_counter()
        self.outcome = ""
        for table, path in files.items():
            self.pick(table, path)

    def _text(self) -> str:
        return self.page.locator('[data-testid="stMainBlockContainer"]').inner_text(timeout=5_000)

    def refused(self) -> str | None:
        """The refusal message once A's page shows one (and its run has finished)."""
        if self.page.locator(e2e.BUSY).count():
            return None
        m = re.search(r"Not (?:used|loaded) — [^\n]+", self._text())
        return m.group(0) if m else None

    def press_load_when_ready(self) -> bool:
        """Press "Load these files" once the files are read for review (the button is enabled); True once pressed."""
        button = self.page.get_by_role("button", name="Load these files")
        if self.page.locator(e2e.BUSY).count() or not button.count() or not button.first.is_enabled():
            return False
        button.first.click()
        return True

    def loaded(self, name: str) -> bool:
        return not self.page.locator(e2e.BUSY).count() and f"{name} · as of" in self._text()

    def close(self) -> None:
        self.ctx.close()


class Open(NamedTuple):
    """One of B's page opens: which page, when it started (``time.perf_counter()``), seconds until drawn, and of
    those the seconds until the server's script run finished (the rest is the browser drawing it)."""

    title: str
    start: float
    s: float
    server_s: float


class UserB:
    """Opens the app's pages in turn from the sidebar, each timed until drawn."""

    def __init__(self, browser, url: str):
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.ctx.new_page()
        self.page.set_default_timeout(300_000)
        self.runs = e2e.ScriptRuns(self.page)
        self.page.goto(url)
        self.runs.wait_drawn(self.page, 0)
        self.titles = [title for _, title in pages()]
        self.i = 1  # the app opens on the first page: its own link would start no run

    def open_next(self) -> Open:
        title = self.titles[self.i % len(self.titles)]
        self.i += 1
        start = time.perf_counter()
        s = self.runs.timed(self.page, _nav(self.page, title))
        return Open(title, start, s, self.runs.server_s)

    def close(self) -> None:
        self.ctx.close()


def _row(phase: str, opens: list[Open], a_note: str, mem: Memory, since: float) -> dict:
    """One phase's line; ``since``: the moment its "worst" is timed from (A's click, or the phase's start)."""
    times = [o.s for o in opens]
    worst = max(opens, key=lambda o: o.s, default=None)
    where = "" if worst is None else (f"{worst.title} at +{worst.start - since:.1f} s "
                                      f"(server {worst.server_s:.2f} s)")
    return {"phase": phase, "opens": len(times), "median_s": statistics.median(times) if times else None,
            "worst_s": max(times) if times else None, "worst_at": where, "a": a_note, "server_mb": mem.server_mb(),
            "worker_peak_mb": mem.take_peak(), "since": since, "log": [(o.title, round(o.start - since, 2), round(o.s, 2),
                                                        round(o.server_s, 2)) for o in opens]}


def _while(b: UserB, mem: Memory, done, least: int, limit_s: float) -> list[Open]:
    """B's page opens until ``done()`` (polled between opens) and at least ``least`` of them, for at most
    ``limit_s`` seconds (B goes on opening while A waits)."""
    times: list[Open] = []
    end = time.perf_counter() + limit_s
    while time.perf_counter() < end and (len(times) < least or not done()):
        times.append(b.open_next())
        mem.sample()
    return times


def run(browser, files: dict[str, Path], opens: int, browser_a=None, spy: Path | None = None) -> list[dict]:
    proc, url = e2e.start_server(output=subprocess.DEVNULL)  # the tests' server start; a log nobody reads
    mem = Memory(proc.pid)
    rows: list[dict] = []
    spying = None
    try:
        b, a = UserB(browser, url), UserA(browser_a or browser, url)
        for _ in b.titles:  # every page once, so the idle opens are second opens (caches warm)
            b.open_next()
        mem.take_peak()
        if spy is not None:
            spying = _spy(proc.pid, spy)
        t0 = time.perf_counter()
        rows.append(_row("idle (before)", [_sample(b, mem) for _ in range(opens)], "-", mem, t0))

        a.start({"accounts": files["over"]})
        seen: dict[str, str] = {}

        def over_done() -> bool:
            msg = a.refused()
            if msg and "msg" not in seen:
                seen["msg"], seen["s"] = msg, f"{time.perf_counter() - a.started:.1f}"
            return bool(msg)

        times = _while(b, mem, over_done, least=3, limit_s=300)
        rows.append(_row(f"A uploads {files['over'].name} ({files['over'].stat().st_size / MB:.0f} MB)", times,
                         f"{seen.get('msg', 'no answer')[:60]}… after {seen.get('s', '?')} s", mem, a.started))

        a.pick("accounts", files["at"])
        a.pick("reps", files["reps"])
        a.started = time.perf_counter()
        state = {"pressed": False, "done": ""}

        def load_done() -> bool:
            if not state["pressed"]:
                msg = a.refused()
                if msg and files["over"].name not in msg:  # the file at the limit refused or unreadable
                    state["done"] = msg
                    return True
                state["pressed"] = a.press_load_when_ready()
                return False
            if state["done"]:
                return True
            msg = a.refused()
            if msg or a.loaded(files["at"].name):
                state["done"] = msg or f"loaded after {time.perf_counter() - a.started:.1f} s"
            return bool(state["done"])

        times = _while(b, mem, load_done, least=3, limit_s=900)
        rows.append(_row(f"A uploads {files['at'].name} ({files['at'].stat().st_size / MB:.0f} MB) and loads it",
                         times, state["done"][:70] or "not finished", mem, a.started))
        t0 = time.perf_counter()
        rows.append(_row("idle (after)", [_sample(b, mem) for _ in range(opens)], "-", mem, t0))
        if spying is not None:
            rows[0]["spy_t0"] = spying[1]
        a.close()
        b.close()
    finally:
        if spying is not None:
            _stop_spy(spying[0])
        e2e.stop_server(proc)
    return rows


def _spy(pid: int, out: Path) -> tuple[subprocess.Popen, float]:
    """py-spy sampling every thread of the server (idle ones too, so a sample's place is its time) into a
    speedscope file; → the process and the ``perf_counter`` at its start, to put B's worst open on its timeline."""
    exe = shutil.which("py-spy")
    if exe is None:
        raise SystemExit("--spy needs py-spy on the PATH")
    started = time.perf_counter()
    return subprocess.Popen([exe, "record", "--format", "speedscope", "--threads", "--idle", "--rate", "100",
                             "--pid", str(pid), "--output", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL), started


def _stop_spy(spying: subprocess.Popen) -> None:
    import signal

    spying.send_signal(signal.SIGINT)  # py-spy writes its file on an interrupt
    try:
        spying.wait(30)
    except subprocess.TimeoutExpired:
        spying.kill()


def _niced(exe: str, level: int, folder: Path) -> str:
    """A launcher that starts Chromium at nice ``level`` (Playwright passes its arguments and pipes through)."""
    path = folder / "chromium-niced"
    path.write_text(f'#!/bin/sh\nexec nice -n {int(level)} "{exe}" "$@"\n')
    path.chmod(0o755)
    return str(path)


def _sample(b: UserB, mem: Memory) -> Open:
    t = b.open_next()
    mem.sample()
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--opens", type=int, default=10, help="B's page opens in each idle phase (default 10)")
    ap.add_argument("--rows", type=int, default=250_000, help="rows of the export at the limit")
    ap.add_argument("--over", type=int, default=300_000, help="rows of the export over the limit")
    ap.add_argument("--a-nice", type=int, default=0,
                    help="run A's browser as its own Chromium at this nice level (default 0: one Chromium for both)")
    ap.add_argument("--log", action="store_true", help="also print every one of B's opens (page, +s, s, server s)")
    ap.add_argument("--spy", type=Path, default=None,
                    help="record the server with py-spy (speedscope JSON) to this file from the idle phase on")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        folder = Path(tmp)
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'plans.sqlite'}"
        os.environ["PLANNER_SAMPLE_PROPOSAL"] = "1"  # the demo as a first visitor sees it
        print("generating the exports…", file=sys.stderr)
        files = make_files(folder, args.rows, args.over)
        exe = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
        flags = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        browser = p.chromium.launch(executable_path=exe, args=flags)
        browser_a = p.chromium.launch(executable_path=_niced(exe, args.a_nice, folder), args=flags) \
            if args.a_nice else None
        try:
            rows = run(browser, files, args.opens, browser_a, args.spy)
        finally:
            browser.close()
            if browser_a is not None:
                browser_a.close()
    where = f"A's browser a separate Chromium at nice {args.a_nice}" if args.a_nice else "one Chromium for A and B"
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; B's page opens from the sidebar; {where}")
    width = max(len(r["phase"]) for r in rows)
    print(f"{'phase':<{width}}  {'opens':>5}  {'median s':>8}  {'worst s':>7}  {'server MB':>9}  "
          f"{'worker peak MB':>14}  what A saw")
    for r in rows:
        med = "" if r["median_s"] is None else f"{r['median_s']:.2f}"
        worst = "" if r["worst_s"] is None else f"{r['worst_s']:.2f}"
        print(f"{r['phase']:<{width}}  {r['opens']:>5}  {med:>8}  {worst:>7}  {r['server_mb']:>9.0f}  "
              f"{r['worker_peak_mb']:>14.0f}  {r['a']}")
    print("\nB's worst open per phase (+s: from A's click in A's phases, from the phase's start when idle):")
    for r in rows:
        print(f"  {r['phase']:<{width}}  {r['worst_at']}")
    if args.log:
        for r in rows:
            print(f"\n{r['phase']} (+0 s: {r['since']:.2f} on time.monotonic()): page, +s, s, server s")
            for title, at, s, server_s in r["log"]:
                print(f"  {title:<20} {at:>7.2f} {s:>6.2f} {server_s:>6.2f}")
    if args.spy is not None:
        print(f"\npy-spy: {args.spy}; each phase's +0 s on its timeline:")
        for r in rows:
            print(f"  {r['phase']:<{width}}  {r['since'] - rows[0]['spy_t0']:.1f} s")


if __name__ == "__main__":
    main()
