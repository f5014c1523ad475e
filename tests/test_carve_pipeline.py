"""The carve as one pipeline (optimizers.carve.pipeline): its stages run in the listed order, each filed as a typed
StageStats by the pipeline; control flow never travels in the stats; a carve prepared again with longer lists shows
it as a second pass; the flat stats every page reads are merged from the stages in one place."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import optimizers.carve as carve_package

from optimizers.carve import CarveSettings
from optimizers.territory_carve import carve
from optimizers.carve.pipeline import STAGES, StageStats, merged_stats
from optimizers.instances.companies import make_instance

NAMES = [name for name, _, _ in STAGES]


def test_the_whole_carve_reads_top_down_in_one_list():
    assert NAMES == ["prepare", "precheck", "decompose", "solve", "widen", "tighten", "mend", "merge", "contiguity",
                     "proof", "diagnose", "assemble"]
    assert {which for *_, which in STAGES} == {"solve", "closing"}  # the solve's budget, or the limit + grace


def test_the_package_docstring_and_the_readme_name_every_module_and_every_stage():
    """Issue 23 item 8: a reader finds the real modules in the package docstring and the README's architecture."""
    root = Path(carve_package.__file__).parent
    modules = sorted(f.stem for f in root.glob("*.py") if f.stem != "__init__")
    readme = (root.parents[1] / "README.md").read_text(encoding="utf-8")
    entry = readme[readme.index("  carve/ "):readme.index("  instances/ ")]
    for text in (carve_package.__doc__, entry):
        words = set(re.findall(r"[a-z_]+", text))
        assert [m for m in modules if m not in words] == []
        assert " → ".join(NAMES[:3]) in text and "contiguity → proof → diagnose → assemble" in " ".join(text.split())


def test_every_stage_is_filed_once_in_order_with_typed_stats():
    acc, reps = make_instance(1200, 18, seed=3, segments=("Enterprise", "Mid-market", "SMB"))
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.1, "accounts": 0.15},
                       time_limit=120)
    res = carve(acc, reps, 2027, cs, as_of="2026-11-01")
    stages = res.stats["stages"]
    assert res.ok and [s.name for s in stages] == NAMES
    assert all(isinstance(s, StageStats) and s.seconds >= 0 for s in stages)
    by = {s.name: s.counters for s in stages}
    assert by["prepare"]["units"] == 1200 and by["decompose"]["parts"] == res.stats["parts"] == 3
    assert by["solve"]["seconds_lp"] > 0 and by["merge"]["plan_from"] == res.plan_from
    # the parts' own figures, one per part, sum to the merged plan's objective and bound (where the gap sits)
    parts = res.stats["part_figures"]
    assert len(parts) == 3 and all(q["objective"] >= q["bound"] - 1e-6 and q["plan_from"] for q in parts)
    assert sum(q["objective"] for q in parts) == pytest.approx(res.objective)
    assert sum(q["bound"] for q in parts) == pytest.approx(res.bound)
    assert "lp_infeasible" not in res.stats and not any("lp_infeasible" in s.counters for s in stages)


def test_a_carve_prepared_again_with_longer_lists_shows_two_passes():
    # one candidate per unit cannot hold ±5%: the precheck finds it without an LP and asks for twice the lists
    acc, reps = make_instance(1500, 12, seed=5)
    cs = CarveSettings(metrics=("potential_usd", "accounts"), tolerance={"potential_usd": 0.05, "accounts": 0.05},
                       candidates=1, reverse_candidates=0.0, time_limit=60)
    res = carve(acc, reps, 2027, cs, as_of="2026-11-01")
    names = [s.name for s in res.stats["stages"]]
    assert res.ok and names[:4] == ["prepare", "precheck", "prepare", "precheck"] and names[4:] == NAMES[2:]
    k = [s.counters["candidates_k"] for s in res.stats["stages"] if s.name == "prepare"]
    assert k == [1, 2] and res.stats["candidates_k"] >= 2 and res.stats["pairs"] > 0


def test_stats_are_merged_counters_summed_sizes_largest_words_last():
    stages = [StageStats("prepare", 0.1, {"pairs": 100, "candidates_k": 10}),
              StageStats("solve", 1.0, {"seconds_lp": 0.5, "parts_widened": 1}),
              StageStats("widen", 2.0, {"seconds_lp": 0.25, "parts_widened": 2, "candidates_k": 20}),
              StageStats("merge", 0.0, {"plan_from": "mended rounding"})]
    out = merged_stats(stages)
    assert out["seconds_lp"] == pytest.approx(0.75) and out["parts_widened"] == 3
    assert out["candidates_k"] == 20 and out["pairs"] == 100 and out["plan_from"] == "mended rounding"
    assert out["stages"] == stages and dataclasses.is_dataclass(out["stages"][0])
