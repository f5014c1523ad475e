"""Profile one page interaction's script work (AppTest + cProfile): what a widget change or a page open costs the
server, function by function, without a browser.

Run under the shared lock, one at a time: `flock /tmp/heavy.lock python benchmarks/rerun_profile.py disruption-manager`
(scenarios: disruption-open, disruption-manager, review-comment, compare-open, compare-metric; `--top 25` rows,
`--sort tottime`).  A change to a widget inside a fragment is run as the browser asks for it, a rerun of that
fragment alone (AppTest by itself reruns the whole page).  The demo company and its shipped draft proposal in a temporary plan store, the local user (an
admin), as page_bench.py opens them.

The profiler runs in the script thread: ``exec_func_with_error_handling`` (what Streamlit's script runner calls
for a whole run and for a fragment rerun alike) is wrapped, so a fragment rerun is profiled as what it is, not
as a whole-page run.  What is printed: the interaction's runs (a full run, or the fragments it reran), their
summed script seconds and the top functions by cumulative time.  Seconds under load are noisy: compare two
profiles of one run of this script (a before and an after on the same machine at the same load), as ratios.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


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
        pstats.Stats(self.prof, stream=out).sort_stats(sort).print_stats("/work/main/(ui|pages|planning)", top)
        return f"== {title}: {self.seconds:.3f} s script time in {len(self.runs)} run(s): {self.runs}\n" + \
            out.getvalue()

    def close(self) -> None:
        self.module.exec_func_with_error_handling = self.original


def _browser_run(at, fragment: str):
    """``at.run()`` as the browser asks for it after a change to a widget in the fragment keyed ``fragment``: that
    fragment's rerun (AppTest itself always reruns the whole page); a whole run where no such fragment is drawn."""
    from unittest import mock

    from streamlit.testing.v1 import local_script_runner

    try:
        ids = at._fragment_storage.resolve_target(fragment)
    except Exception:  # noqa: BLE001 - not a fragment on this version of the page
        return at.run()
    real = local_script_runner.RerunData
    with mock.patch.object(local_script_runner, "RerunData", lambda **kw: real(fragment_id=ids[0], **kw)):
        return at.run()


def _page(name: str):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "pages" / name), default_timeout=600)


def scenario(name: str, p: Profiled) -> list[tuple[str, str]]:
    """Open the page (not profiled), then profile the interaction; returns (title, report) pairs."""
    out = []
    if name.startswith("disruption"):
        at = _page("6_Disruption.py").run()
        if name == "disruption-open":
            p.measure(at.run)
            out.append(("Disruption, second run", None))
        else:
            for i in (1, 2):
                at.selectbox(key="dis_manager").select_index(i)
                p.measure(lambda: _browser_run(at, "dis_team"))
                out.append((f"Disruption, manager switch {i}", None))
    elif name == "review-comment":
        at = _page("9_Review.py").run()
        for i in (1, 2):
            at.text_input(key="rv_box_text").input(f"profile comment {i}")
            p.measure(lambda: _browser_run(at, "rv_box"))
            out.append((f"Review, comment typed {i}", None))
            p.measure(lambda: at.button(key="rv_box_add").click().run())
            out.append((f"Review, comment added {i}", None))
    elif name.startswith("compare"):
        at = _page("7_Compare.py").run()
        if name == "compare-open":
            p.measure(at.run)
            out.append(("Compare, second run", None))
        else:
            at.selectbox(key="cmp_metric").set_value("arr_usd")
            p.measure(lambda: _browser_run(at, "cmp_balance_part"))
            out.append(("Compare, balance metric changed", None))
    else:
        raise SystemExit(f"unknown scenario {name}")
    assert not at.exception, at.exception
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="+")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--sort", default="cumulative")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as store_dir:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(store_dir) / 'plans.sqlite'}"
        os.environ["PLANNER_SAMPLE_PROPOSAL"] = "1"  # the demo as a first visitor sees it
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        for name in args.scenarios:
            p = Profiled()
            reports = []

            orig = p.measure

            def measure(act, _orig=orig):
                r = _orig(act)
                reports.append(p.report(name, args.top, args.sort))
                return r

            p.measure = measure
            try:
                titles = scenario(name, p)
            finally:
                p.close()
            for (title, _), rep in zip(titles, reports):
                print(rep.replace(f"== {name}:", f"== {title}:", 1))


if __name__ == "__main__":
    main()
