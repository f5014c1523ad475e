"""Profile a page's script work under AppTest + cProfile: what a page open, a rerun or a widget change costs the
server, function by function, without a browser (no websocket, no drawing).

Run under the shared lock, one at a time.  Named interactions (the demo company and its shipped draft proposal in a
temporary plan store, the local user, an admin, as page_bench.py opens them; the page is opened first, unprofiled):

    flock /tmp/heavy.lock python benchmarks/rerun_profile.py disruption-manager review-comment
    (disruption-open, disruption-manager, review-comment, compare-open, compare-metric)

Any page, its first run, reruns with unchanged inputs, widget changes and another session's first run, each
profiled (``--page``; a change is ``kind|key|value`` with kind radio, slider, number, select (keyed widgets) or
label (a selectbox by its label), and a fourth field ``|fragment-key`` when the widget sits in that fragment):

    python benchmarks/rerun_profile.py --page pages/5_Finance.py --dump /tmp/fin
    python benchmarks/rerun_profile.py --page pages/4_Quota_and_Comp.py --change "radio|qw_method|even" \\
        --change "slider|qw_over|10"
    python benchmarks/rerun_profile.py --page pages/3_Capacity_Scenarios.py --root /tmp/old_checkout   # before

A change to a widget inside a fragment runs as the browser asks for it, a rerun of that fragment alone (AppTest by
itself reruns the whole page).  The profiler runs in the script thread (cProfile on the main thread sees only
AppTest waiting): ``exec_func_with_error_handling``, what Streamlit's script runner calls for a whole run and a
fragment rerun alike, is wrapped, so a fragment rerun is profiled as what it is.  Printed per step: its runs (a
whole page, or the fragments it reran), their summed script seconds (profiler included) and the top functions by
``--sort`` (cumulative), then the checkout's own (ui, pages, planning); ``--dump PREFIX`` also writes each step's
profile to ``PREFIX.<n>.prof`` for pstats or snakeviz.  Seconds under load are noisy: compare two profiles taken
in one session (a before with ``--root`` and an after, at the same load) as ratios, never as absolute budgets.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]  # the checkout profiled (``--root`` replaces it before any import)


class Profiled:
    """Wraps Streamlit's script-run entry point: every run (whole or fragment) while ``on`` is profiled."""

    def __init__(self) -> None:
        from streamlit.runtime.scriptrunner import script_runner

        self.module, self.original = script_runner, script_runner.exec_func_with_error_handling
        self.prof, self.on, self.seconds, self.runs = cProfile.Profile(), False, 0.0, []
        script_runner.exec_func_with_error_handling = self._wrapped

    def _wrapped(self, func, ctx):
        if not self.on:
            return self.original(func, ctx)
        t = time.perf_counter()
        self.prof.enable()
        try:
            return self.original(func, ctx)
        finally:
            self.prof.disable()
            self.seconds += time.perf_counter() - t
            self.runs.append("fragments " + ",".join(ctx.fragment_ids_this_run) if ctx.fragment_ids_this_run
                             else "whole page")

    def measure(self, act):
        self.prof, self.seconds, self.runs, self.on = cProfile.Profile(), 0.0, [], True
        try:
            return act()
        finally:
            self.on = False

    def report(self, title: str, top: int, sort: str) -> str:
        out = io.StringIO()
        pstats.Stats(self.prof, stream=out).sort_stats(sort).print_stats(top)
        own = re.escape(str(ROOT)) + "/(ui|pages|planning)"
        pstats.Stats(self.prof, stream=out).sort_stats(sort).print_stats(own, top)
        return f"== {title}: {self.seconds:.3f} s script time in {len(self.runs)} run(s): {self.runs}\n" + \
            out.getvalue()

    def close(self) -> None:
        self.module.exec_func_with_error_handling = self.original


def browser_run(at, fragment: str | None):
    """``at.run()`` as the browser asks for it after a change to a widget in the fragment keyed ``fragment``: that
    fragment's rerun (AppTest itself always reruns the whole page); a whole run without a fragment, or where no
    such fragment is drawn (an older version of the page)."""
    from streamlit.testing.v1 import local_script_runner

    if not fragment:
        return at.run()
    try:
        ids = at._fragment_storage.resolve_target(fragment)
    except Exception:  # noqa: BLE001 - not a fragment on this version of the page
        return at.run()
    real = local_script_runner.RerunData
    with mock.patch.object(local_script_runner, "RerunData", lambda **kw: real(fragment_id=ids[0], **kw)):
        return at.run()


def _page(name: str):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / name), default_timeout=600)


def change(at, spec: str) -> str | None:
    """Apply one ``kind|key|value[|fragment]`` change; returns the fragment to rerun (None: the whole page)."""
    kind, key, value, *fragment = spec.split("|")
    if kind == "label":
        next(s for s in at.selectbox if s.label == key).set_value(value)
    elif kind == "select":
        at.selectbox(key=key).set_value(value)
    elif kind == "radio":
        at.radio(key=key).set_value(value)
    elif kind == "slider":
        at.slider(key=key).set_value(float(value) if "." in value else int(value))
    elif kind == "number":
        at.number_input(key=key).set_value(float(value))
    else:
        raise SystemExit(f"unknown change kind {kind!r} (radio, slider, number, select, label)")
    return fragment[0] if fragment else None


def named(name: str, p: Profiled) -> list[str]:
    """A named interaction: open its page (not profiled), then profile the interaction → the steps' titles."""
    steps = []
    if name.startswith("disruption"):
        at = _page("pages/6_Disruption.py").run()
        if name == "disruption-open":
            p.measure(at.run)
            steps.append("Disruption, second run")
        else:
            for i in (1, 2):
                at.selectbox(key="dis_manager").select_index(i)
                p.measure(lambda: browser_run(at, "dis_team"))
                steps.append(f"Disruption, manager switch {i}")
    elif name == "review-comment":
        at = _page("pages/9_Review.py").run()
        for i in (1, 2):
            at.text_input(key="rv_box_text").input(f"profile comment {i}")
            p.measure(lambda: browser_run(at, "rv_box"))
            steps.append(f"Review, comment typed {i}")
            p.measure(lambda: at.button(key="rv_box_add").click().run())
            steps.append(f"Review, comment added {i}")
    elif name.startswith("compare"):
        at = _page("pages/7_Compare.py").run()
        if name == "compare-open":
            p.measure(at.run)
            steps.append("Compare, second run")
        else:
            at.selectbox(key="cmp_metric").set_value("arr_usd")
            p.measure(lambda: browser_run(at, "cmp_balance_part"))
            steps.append("Compare, balance metric changed")
    else:
        raise SystemExit(f"unknown interaction {name}")
    assert not at.exception, at.exception
    return steps


def any_page(page: str, reruns: int, changes: list[str], p: Profiled) -> list[str]:
    """``page``'s first run, ``reruns`` reruns, each change, then another session's first run, each profiled."""
    at, steps = _page(page), []
    for i in range(1 + reruns):
        p.measure(at.run)
        steps.append(f"{page}, {'first run' if i == 0 else f'rerun {i}'}")
    for spec in changes:
        fragment = change(at, spec)
        p.measure(lambda: browser_run(at, fragment))
        steps.append(f"{page}, change {spec}")
    assert not at.exception, at.exception
    other = _page(page)
    p.measure(other.run)
    steps.append(f"{page}, another session's first run")
    return steps


def main() -> None:
    global ROOT
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("interactions", nargs="*", help="named interactions (see above)")
    ap.add_argument("--page", help="any page, relative to the checkout (pages/5_Finance.py)")
    ap.add_argument("--reruns", type=int, default=2, help="with --page: reruns with unchanged inputs")
    ap.add_argument("--change", action="append", default=[], help="with --page: kind|key|value[|fragment]")
    ap.add_argument("--root", default=str(ROOT), help="the checkout to profile (a before, e.g. a worktree of main)")
    ap.add_argument("--dump", help="also write each step's profile to DUMP.<n>.prof")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--sort", default="cumulative")
    args = ap.parse_args()
    if not args.interactions and not args.page:
        ap.error("name an interaction or give --page")
    ROOT = Path(args.root).resolve()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as store_dir:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(store_dir) / 'plans.sqlite'}"
        os.environ["PLANNER_SAMPLE_PROPOSAL"] = "1"  # the demo as a first visitor sees it
        print(f"{ROOT}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        jobs = [(lambda p, n=n: named(n, p)) for n in args.interactions]
        if args.page:
            jobs.append(lambda p: any_page(args.page, args.reruns, args.change, p))
        n = 0
        for job in jobs:
            p, reports = Profiled(), []
            measure = p.measure

            def measured(act, _measure=measure, _p=p, _reports=reports):
                try:
                    return _measure(act)
                finally:
                    _reports.append((_p.prof, _p.report("{title}", args.top, args.sort)))

            p.measure = measured
            try:
                titles = job(p)
            finally:
                p.close()
            for title, (prof, rep) in zip(titles, reports):
                n += 1
                print(rep.replace("== {title}:", f"== {title}:", 1))
                if args.dump:
                    prof.dump_stats(f"{args.dump}.{n}.prof")
                    print(f"(written to {args.dump}.{n}.prof)")


if __name__ == "__main__":
    main()
