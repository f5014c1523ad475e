"""Profile a page's reruns and widget changes under AppTest, the script's own work only (no browser, no websocket).

The page runs through ``runpy`` inside a small AppTest script that turns cProfile on in the script thread (cProfile
on the main thread sees only AppTest waiting).  Each run's profile is written to ``<out>.<n>.prof`` (n from 1; a
second session's first run to ``<out>.101.prof``); the times
printed are the script's, profiler included, so compare them as ratios within one run (before/after a change, on
the same load), never as absolute budgets.

    python scripts/profile_page.py pages/5_Finance.py /tmp/fin
    python scripts/profile_page.py pages/4_Quota_and_Comp.py /tmp/qc --change "radio|qw_method|even" \\
        --change "number|cp_ote_Enterprise|320000"
    python scripts/profile_page.py pages/3_Capacity_Scenarios.py /tmp/cap --root /tmp/old_checkout   # before

Then e.g. ``python -c "import pstats; pstats.Stats('/tmp/fin.3.prof').sort_stats('cumulative').print_stats(40)"``.
A change is ``kind|key-or-label|value`` with kind radio, slider, number (keyed widgets) or select (by label).
Run it under the shared lock on a busy machine: ``flock /tmp/heavy.lock python scripts/profile_page.py …``.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

WRAPPER = '''
import cProfile, runpy, sys, time
sys.path.insert(0, {root!r})
import streamlit as st
profile = cProfile.Profile()
start = time.perf_counter()
profile.enable()
try:
    runpy.run_path({page!r}, run_name="__main__")
finally:
    profile.disable()
    st.session_state["_profile_n"] = st.session_state.get("_profile_n", 0) + 1
    profile.dump_stats(f"{out}.{{st.session_state['_profile_n']}}.prof")
    st.session_state["_profile_s"] = time.perf_counter() - start
'''


def _change(at, spec: str) -> None:
    kind, key, value = spec.split("|", 2)
    if kind == "select":
        next(s for s in at.selectbox if s.label == key).set_value(value)
    elif kind == "radio":
        at.radio(key=key).set_value(value)
    elif kind == "slider":
        at.slider(key=key).set_value(float(value) if "." in value else int(value))
    elif kind == "number":
        at.number_input(key=key).set_value(float(value))
    else:
        raise SystemExit(f"unknown change kind {kind!r} (radio, slider, number, select)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("page", help="the page, relative to the checkout (pages/5_Finance.py)")
    ap.add_argument("out", help="prefix of the profiles written (<out>.<n>.prof) and of a scratch plan store")
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[1]), help="the checkout to profile")
    ap.add_argument("--reruns", type=int, default=3, help="runs with unchanged inputs (the first is cold)")
    ap.add_argument("--change", action="append", default=[], help="a widget change after the reruns (repeatable)")
    args = ap.parse_args()
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    os.chdir(root)
    os.environ.setdefault("PLANNER_SAMPLE_PROPOSAL", "0")
    os.environ["DATABASE_URL"] = f"sqlite:///{args.out}_store.sqlite"
    from streamlit.testing.v1 import AppTest

    wrapper = Path(f"{args.out}_wrapper.py")
    wrapper.write_text(WRAPPER.format(root=str(root), page=str(root / args.page), out=args.out))
    at = AppTest.from_file(str(wrapper), default_timeout=600)
    for i in range(args.reruns):
        at.run()
        print(f"run {i + 1}{' (cold)' if i == 0 else ''}: {at.session_state['_profile_s']:.3f} s"
              f"{'  EXCEPTION ' + str(at.exception) if at.exception else ''}")
    for spec in args.change:
        _change(at, spec)
        at.run()
        print(f"change {spec}: {at.session_state['_profile_s']:.3f} s"
              f"{'  EXCEPTION ' + str(at.exception) if at.exception else ''}")
    fresh = AppTest.from_file(str(wrapper), default_timeout=600)
    fresh.session_state["_profile_n"] = 100  # its profile is <out>.101.prof
    fresh.run()
    print(f"another session, first run: {fresh.session_state['_profile_s']:.3f} s ({args.out}.101.prof)")


if __name__ == "__main__":
    main()
