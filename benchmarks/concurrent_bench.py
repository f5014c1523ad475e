"""Concurrent demo carves in a real Chromium: N = 1, 2 and 4 users, each in a browser session of their own, press
Run carve within a second of each other, while another user opens a page.

Run: `flock /tmp/heavy.lock python benchmarks/concurrent_bench.py` (`--rounds 1,2,4`, `--page Disruption`; `--write`
also writes the table to benchmarks/results_concurrent.md, the section run_all.py puts in RESULTS.md).  One
``streamlit run app.py`` serves every round, with sign-in on through a local OIDC provider (tests/e2e/signin.py's
mock), so each session is a different user (one user's second click re-attaches to their running carve instead of
starting another: jobs.carve_job.start_carve).  The app uses a temporary plan store holding the users and today's
plan, so nothing is written to your own store.  Each carve has its own band (potential ± a few hundredths of a
percent apart), so no session gets another's result from the page's cache.  Each carver's page stamps the moment it
shows its job finished itself (WATCH_DONE), so the benchmark asks it cheaply.  The server and its workers run exactly
as deployed.

The browsers' priority (see niced()): in use each browser runs on its user's own computer; here all share the
server's two cores, so the rig decides who waits for whom, and it is set so the rows measure the server:
* the carvers' browsers are one Chromium with a context (cookies, storage) per user, animations off, at niceness 19
  (``--browser-nice``, their session group too): they draw mostly with what the server and the carves (the
  server's group) leave, so they take little of the carves' CPU.  At the carves' own niceness they took half:
  drawing the finished carves' results, 22 CPU s of the 4-carve round's 48, and the last carve ended 5x the single
  one (2026-12-03 21:00);
* the watcher has a Chromium of its own at niceness 0 (``--watcher-nice``), like a person's idle computer: its page
  draws as soon as the server has sent it (one page open, a few tenths of a CPU second), so "drawn" is the server's
  time plus an unloaded browser's, not the carvers' browsers' queue.  Behind the carves (niceness 10, 2026-12-03
  20:58) it drew Disruption in 4.0 s while the server had received the click 0.55 s after it and run the page in
  0.11 s;
* and the server's own share is printed apart from the browser's: its own clock of the watcher's run
  (benchmarks/server_clock.py), besides the time until the run's end reached the browser.

Printed per round, in one run of the same server:
* each carver's time from pressing Run carve until the page shows its job finished ("click → done", the browser
  included) and until the server's page script saw it finished ("click → seen", the jobs table's ``seen_at``: the
  same script run sends the finished label next; it leaves out the browsers, which are on this machine only for the
  benchmark), each against the single carve's;
* where each carver's time went, from the jobs table's stamps (concurrent_tables.stages): the page's rerun until
  the job was created, the job's thread starting, the job itself (started → finished) with the engine it ran on (in
  this process, or the whole carve in a worker process of the local cluster), the page noticing the finish, and the
  browser showing it;
* the watcher's page open (from the sidebar until drawn, tests/e2e/conftest.ScriptRuns) once before the carves
  (idle) and once while they run;
* where the CPU went from the first click until the last page showed its job done: the web server, the local
  cluster's processes, Chromium, and the rest of the machine (other people's work on a shared machine, and this
  benchmark's own Playwright);
* a warm-up carve first (``--no-warmup``: none), not compared: the server's first carve, which runs in the server:
  the local cluster the Carve page asks for (jobs.engine.prestart_local) starts in the background only once the
  server has been quiet for a second (ui.server_quiet), so between the warm-up and the next round; the
  single-user round is a warm server's (it ran on a warm worker, 2026-12-03 18:39).
Targets (issue 23): with 4 carves at once each finishes within 2x the single-user time; the watcher's page opens in
<= 2 s while they run.  Times on a shared machine are noisy: compare rows of one run, note the load average printed.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.concurrent_tables import CPU_GROUPS, markdown, report  # noqa: E402 - the printed tables
from benchmarks import server_clock  # noqa: E402 - the server's own clock of the watcher's runs
from tests.e2e import conftest as e2e  # noqa: E402 - ScriptRuns, wait_idle: the browser tests' own drawn rule

DONE = re.compile(r"Carve #(\d+) (succeeded|failed|cancelled|interrupted)")
WATCHER = "watcher@acme.test"
# how often each carver's page is asked whether its job is done (one evaluate of a stamp the page keeps itself:
# WATCH_DONE), so click → done is exact, not known to within this
POLL_S = 0.25
BROWSER_NICE = 19  # the carvers' Chromium's niceness by default: see the module doc and niced()
WATCHER_NICE = 0  # the watcher's own Chromium: see the module doc


def carver(tag: int | str, i: int) -> str:
    """The ``i``-th carver of a round (``tag``: the round's carver count, or 0 for the warm-up; see round_tags)."""
    return f"ops{tag}-{i + 1}@acme.test"


def round_tags(counts: list[int]) -> list[str]:
    """Each round's tag: its carver count, with a letter when a count repeats (``--rounds 4,4``: "4", "4b"), so every
    round has users of its own (one user's second carve would re-attach to their first)."""
    seen: dict[int, int] = {}
    tags = []
    for n in counts:
        seen[n] = seen.get(n, 0) + 1
        tags.append(str(n) if seen[n] == 1 else f"{n}{chr(ord('a') + seen[n] - 1)}")
    return tags


def make_store(url: str, emails: list[str]) -> None:
    """The server's store: the carvers (sales ops: they may carve), the watcher (admin) and today's plan."""
    from planning.access import Role, User
    from planning.access.directory import add_user
    from planning.data.dataset import load_sample
    from planning.plans import PlanStore

    store = PlanStore(url)
    root = User("root@localhost", role=Role.ADMIN, source="local")
    for e in emails:
        add_user(store, root, e, Role.SALES_OPS.value, name=e.split("@")[0])
    add_user(store, root, WATCHER, Role.ADMIN.value, name="Watcher")
    store.save_plan(load_sample().current_plan(), author="ops", note="baseline")
    store.dispose()


def sign_in(browser, app_url: str, email: str):
    """A fresh browser session signed in as ``email`` → (context, page, ScriptRuns) on the first page, drawn."""
    # animations off: a spinner or a progress bar's transitions are the browser's work, not the server's
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, reduced_motion="reduce")
    page = ctx.new_page()
    page.set_default_timeout(180_000)
    runs = e2e.ScriptRuns(page)  # before the first navigation: it listens on the page's websocket
    page.goto(app_url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("input[name=sub]")
    page.fill("input[name=sub]", email)
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text("Signed in as").first.wait_for()
    e2e.wait_idle(page, timeout=180_000)
    return ctx, page, runs


def nav(page, title: str):
    """A click on the sidebar's link to ``title``, the link found now, before it is timed, and clicked with one
    message: a locator's click first waits for the link to be stable and hit-testable, round trips to a renderer
    that, niced behind four carves' worker processes, took 4-5 s before the server even heard of the click (the
    watcher's Disruption script then ran 0.11 s, 2026-12-03 18:49); as the carvers' Run carve clicks (run_round)."""
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=re.compile(rf"^{re.escape(title)}$"))
    handle = link.first.element_handle()
    return lambda: handle.dispatch_event("click")


def ready_to_carve(page, runs, band: float) -> None:
    """Open Carve and type this session's own potential band (inside the form: no rerun until Run carve)."""
    runs.timed(page, nav(page, "Carve"))
    page.get_by_role("button", name="Run carve").wait_for()
    box = page.locator(".st-key-carve_tol_potential_usd input").first
    box.fill(f"{band:.2f}")
    box.press("Tab")


# Installed in each carver's page before the click: stamps the wall-clock time (ms since the epoch) at which the job
# box's label first reads finished.  The browser tells us itself, so the benchmark's asking costs one evaluate, not a
# DOM-wide text search per carver every poll (Playwright's text selectors walk the whole page: with four carvers at
# 4 Hz that was the browsers' own CPU on the machine being measured).
WATCH_DONE = r"""() => {
  window.__carveDone = null;
  const done = /Carve #\d+ (succeeded|failed|cancelled|interrupted)/;
  const seen = (node) => node && done.test(node.textContent || "");
  new MutationObserver((muts, obs) => {
    for (const m of muts) {
      const nodes = m.type === "characterData" ? [m.target] : Array.from(m.addedNodes);
      if (nodes.some(seen)) { window.__carveDone = Date.now(); obs.disconnect(); return; }
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


# Installed on each carver's Run carve button: the page clicks it itself at the agreed wall-clock moment (ms since the
# epoch) and stamps when it did, so the clicks are as close together as the renderers' timers, whoever waits on whom
CLICK_AT = r"""(button, at) => {
  window.__clickedAt = null;
  setTimeout(() => { window.__clickedAt = Date.now(); button.click(); }, Math.max(0, at - Date.now()));
}"""
CLICK_LEAD_S = 0.5  # how far ahead the clicks are agreed: time to install CLICK_AT in every page first


def clicked_at(page, timeout_s: float = 120.0) -> float:
    """Wall-clock seconds (epoch) at which ``page`` clicked its Run carve (:data:`CLICK_AT`)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        ms = page.evaluate("window.__clickedAt")
        if ms is not None:
            return ms / 1000.0
        time.sleep(0.05)
    raise TimeoutError("a carver's page never clicked Run carve")


def watch_done(page) -> None:
    """Start :data:`WATCH_DONE` in ``page`` (before its Run carve click)."""
    page.evaluate(WATCH_DONE)


def shown_at(page) -> float | None:
    """Wall-clock seconds (epoch) at which ``page`` first showed its job finished, or None while it runs."""
    try:
        ms = page.evaluate("window.__carveDone")
    except Exception:  # noqa: BLE001 - the page is busy: ask again on the next poll
        return None
    return None if ms is None else ms / 1000.0


def _group(proc) -> str | None:
    """Which of :data:`CPU_GROUPS` a descendant of this benchmark belongs to (None: this benchmark itself)."""
    try:
        line = " ".join(proc.cmdline())
    except Exception:  # noqa: BLE001 - ended meanwhile
        return None
    if "chrom" in proc.name().lower() or "chrom" in line.lower():
        return "Chromium"
    if "jobs.local_cluster" in line or "multiprocessing" in line or "distributed" in line:
        return "Dask workers"  # the cluster's process, its nannies and workers (spawned: multiprocessing)
    if "streamlit" in line:
        return "web server"
    return None


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far (user + system) by the web server, the local cluster's processes and Chromium (this
    benchmark's descendants), and by everything else on the machine (other users' work, this script)."""
    import psutil

    out = dict.fromkeys(CPU_GROUPS, 0.0)
    for proc in psutil.Process().children(recursive=True):
        group = _group(proc)
        try:
            t = proc.cpu_times()
        except Exception:  # noqa: BLE001 - ended meanwhile
            continue
        if group is not None:
            out[group] += t.user + t.system
    m = psutil.cpu_times()
    total = m.user + m.system + m.nice + getattr(m, "irq", 0.0) + getattr(m, "softirq", 0.0)
    out["rest of the machine"] = total - sum(out[g] for g in CPU_GROUPS[:3])
    return out


def job_rows(url: str, users: list[str]) -> dict[str, dict]:
    """Each user's newest carve job from the store: solve seconds (started → finished), engine, status."""
    from planning.plans import JobRecords, PlanStore

    store = PlanStore(url)
    rec = JobRecords(store.engine)
    out = {}
    for u in users:
        jobs = rec.list(user=u, kind="carve", limit=1)
        if len(jobs):
            r = jobs.iloc[0]
            out[u] = {"job": int(r["id"]), "seconds": float(r["seconds"]), "engine": str(r["engine"]),
                      "status": str(r["status"]),
                      **{k: _epoch(r[k]) for k in ("created_at", "started_at", "finished_at", "seen_at")}}
    store.dispose()
    return out


def _epoch(ts) -> float | None:
    """A jobs-table timestamp as wall-clock seconds (epoch), None when not set."""
    import pandas as pd

    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).timestamp()


def watcher_open(wruns, wpage, page_title: str, clock: Path | None):
    """The watcher opens ``page_title`` → (drawn s, browser-side server s, the server's own clock: (click →
    received s, received → finished s) or None; see benchmarks/server_clock.py)."""
    act = nav(wpage, page_title)
    at = time.time()
    drawn = wruns.timed(wpage, act)
    return drawn, wruns.server_s, None if clock is None else server_clock.run_after(clock, at)


def run_round(browser, app_url: str, store_url: str, n: int, watcher, page_title: str, tag: int | str | None = None,
              bands_from: int = 0, clock: Path | None = None) -> dict:
    """N carvers press Run carve within a second; the watcher opens ``page_title`` idle, then while they run.
    ``tag``: names the round's users (default ``n``; 0 for the warm-up round); ``bands_from``: the first of the round's
    potential bands (hundredths of a percent above 10%), so no carve repeats another's."""
    wctx, wpage, wruns = watcher
    tag = n if tag is None else tag
    sessions = []
    for i in range(n):
        ctx, page, runs = sign_in(browser, app_url, carver(tag, i))
        ready_to_carve(page, runs, 10.0 + 0.01 * (bands_from + i + 1))
        sessions.append((ctx, page, runs))
    wruns.timed(wpage, nav(wpage, "Plans"))
    idle, idle_server, idle_own = watcher_open(wruns, wpage, page_title, clock)
    wruns.timed(wpage, nav(wpage, "Plans"))
    # found before the clicks, then each page clicks its own at one agreed moment (CLICK_AT): a locator's click first
    # waits for the button to be stable and hit-testable, several round trips to a renderer that, niced on a loaded
    # machine, spread four clicks over 15 s (2026-12-02 19:36); one dispatched click after another still waited on
    # each renderer in turn, behind the carves the earlier clicks had started (17.7 s at niceness 19, 21:03)
    buttons = [page.get_by_role("button", name="Run carve").element_handle() for _, page, _ in sessions]
    for _, page, _ in sessions:
        watch_done(page)
    cpu_at_click = cpu_seconds()
    at, perf_at = time.time() + CLICK_LEAD_S, time.perf_counter() + CLICK_LEAD_S
    for button in buttons:
        button.evaluate(CLICK_AT, at * 1000.0)
    time.sleep(max(0.0, at + 1.0 - time.time()))
    # loaded_server: until the run's end reached the browser (no drawing); loaded_own: the server's own clock
    loaded, loaded_server, loaded_own = watcher_open(wruns, wpage, page_title, clock)
    opened = time.time()
    wall_clicked = [clicked_at(page) for _, page, _ in sessions]
    clicked = [perf_at + (t - at) for t in wall_clicked]
    spread = max(wall_clicked) - min(wall_clicked)
    shown: dict[int, float] = {}
    end = time.monotonic() + 600
    while len(shown) < n and time.monotonic() < end:
        for i, (_, page, _) in enumerate(sessions):
            at = shown_at(page) if i not in shown else None
            if at is not None:
                shown[i] = at
        time.sleep(POLL_S)
    cpu_used = {g: t - cpu_at_click[g] for g, t in cpu_seconds().items()}
    wall = time.perf_counter() - min(clicked)
    # carves still running when the watcher's page was drawn
    running_at_open = sum(1 for i in range(n) if shown.get(i, 1e18) > opened)
    jobs = job_rows(store_url, [carver(tag, i) for i in range(n)])
    for ctx, _, _ in sessions:
        ctx.close()
    carvers = []
    for i in range(n):
        c = {"user": carver(tag, i), "clicked_at": wall_clicked[i], "shown_at": shown.get(i),
             **jobs.get(carver(tag, i), {})}
        c["click_done"] = None if c["shown_at"] is None else c["shown_at"] - c["clicked_at"]
        c["click_seen"] = None if c.get("seen_at") is None else c["seen_at"] - c["clicked_at"]
        carvers.append(c)
    return {"n": n, "warmup": tag in (0, "0"), "spread": spread, "idle": idle, "loaded": loaded, "cpu": cpu_used,
            "idle_server": idle_server, "loaded_server": loaded_server, "idle_own": idle_own, "loaded_own": loaded_own,
            "wall": wall, "running_at_open": running_at_open, "carvers": carvers}


def niced(exe: str, nice: int, tmp: Path) -> str:
    """A launcher that runs the browser ``exe`` at niceness ``nice`` (its renderers inherit it); 0: ``exe`` as is.

    In use, each person's browser runs on their own computer; here five share the server's two cores, and in the
    4-carve round Chromium took over half the machine's CPU (14.2 of 23.7 CPU s, 2026-12-02 17:44), so the round
    measured the browsers as much as the server.  At the carvers' niceness (:data:`BROWSER_NICE`) the server's and
    the workers' work goes first, as it would with the browsers elsewhere; the browsers still get every idle cycle,
    and click → done still includes drawing the page.  ``--browser-nice 0`` runs them as the server (the rows before
    2026-12-02 19:45); the rows of 2026-12-02 19:45 to 2026-12-03 20:58 ran every browser, the watcher's too, at 10."""
    if nice <= 0:
        return exe
    launcher = tmp / f"chromium-nice{int(nice)}"
    # Playwright starts the browser in a session of its own, and with the kernel's autogroup scheduling a session
    # shares the cores with the server's as an equal, whatever its processes' niceness: lower the group's too
    launcher.write_text(f'#!/bin/sh\necho {int(nice)} > /proc/$$/autogroup 2>/dev/null\n'
                        f'exec nice -n {int(nice)} "{exe}" "$@"\n')
    launcher.chmod(0o755)
    return str(launcher)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", default="1,2,4", help="carvers per round, in order")
    ap.add_argument("--page", default="Disruption", help="the page the watcher opens while they carve")
    ap.add_argument("--write", action="store_true", help="also write benchmarks/results_concurrent.md")
    ap.add_argument("--browser-nice", type=int, default=BROWSER_NICE,
                    help=f"run the carvers' Chromium at this niceness (default {BROWSER_NICE}; 0: as the server); "
                         "see niced()")
    ap.add_argument("--watcher-nice", type=int, default=WATCHER_NICE,
                    help=f"run the watcher's own Chromium at this niceness (default {WATCHER_NICE}: as the server)")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false",
                    help="skip the warm-up carve (the server's first, before the local cluster is up)")
    args = ap.parse_args()
    load_start, started = os.getloadavg()[0], time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    counts = [int(x) for x in args.rounds.split(",") if x.strip()]
    from oidc_provider_mock import User as ProviderUser
    from oidc_provider_mock import run_server_in_thread
    from playwright.sync_api import sync_playwright

    from tests.e2e.signin import serve_with_sign_in

    tags = round_tags(counts)
    emails = [carver(t, i) for n, t in zip(counts, tags) for i in range(n)] + ([carver(0, 0)] if args.warmup else [])
    claims = [ProviderUser(sub=e, claims={"email": e, "email_verified": True}) for e in emails + [WATCHER]]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, run_server_in_thread(port=0, user_claims=claims) as oidc, \
            sync_playwright() as p:
        store_url = f"sqlite:///{Path(tmp) / 'plans.sqlite'}"
        make_store(store_url, emails)
        clock = server_clock.server_env(Path(tmp), ROOT)
        server = serve_with_sign_in(Path(tmp), store_url, f"http://localhost:{oidc.server_port}")
        app_url = next(server)
        chromium = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
        flags = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        browser = p.chromium.launch(executable_path=niced(chromium, args.browser_nice, Path(tmp)), args=flags)
        own = p.chromium.launch(executable_path=niced(chromium, args.watcher_nice, Path(tmp)), args=flags)
        try:
            watcher = sign_in(own, app_url, WATCHER)
            watcher[2].timed(watcher[1], nav(watcher[1], args.page))  # its first open: every round's is a second
            if args.warmup:  # the server's first carve, before the local cluster is up: not a user's steady state
                rows.append(run_round(browser, app_url, store_url, 1, watcher, args.page, tag=0, clock=clock))
            bands = 1  # the warm-up's is 0
            for n, tag in zip(counts, tags):
                rows.append(run_round(browser, app_url, store_url, n, watcher, args.page, tag, bands, clock))
                bands += n
            watcher[0].close()
        finally:
            browser.close()
            own.close()
            next(server, None)
    report(rows, args.page)
    if args.write:
        text = markdown(rows, args.page, (load_start, os.getloadavg()[0]), started, args.browser_nice,
                        args.watcher_nice)
        (ROOT / "benchmarks" / "results_concurrent.md").write_text(text)
        print(f"wrote {ROOT / 'benchmarks' / 'results_concurrent.md'}")


if __name__ == "__main__":
    main()
