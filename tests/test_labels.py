"""The label registry and number formats: one word per canonical column, hand-checked formats."""
from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pandas as pd

from planning.reporting import LABELS, UNLABELLED, count, label, pct, person, present, ratio, usd, usd_whole
from planning.reporting.formats import people

ROOT = Path(__file__).resolve().parents[1]


def test_no_column_is_registered_twice():
    """A key written twice in the LABELS literal silently keeps the later label (it once made flows read 'Source')."""
    tree = ast.parse((ROOT / "planning" / "reporting" / "labels.py").read_text(encoding="utf-8"))
    registry = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "LABELS")
    keys = [k.value for k in registry.keys if isinstance(k, ast.Constant)]
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def test_formats_by_hand():
    assert usd(1_849_165.38) == "$1.85M" and usd(456_000) == "$456K" and usd(789) == "$789"
    assert usd_whole(1_849_165.38) == "$1,849,165" and usd_whole(-1200.4) == "-$1,200"
    # a negative amount carries its sign before the $, and a float sum's -1e-9 is $0, not "$-0"
    assert (usd(-5_000), usd(-1_850_000), usd(-0.6)) == ("-$5K", "-$1.85M", "-$1")
    assert {usd(-1e-9), usd(-0.0), usd_whole(-1e-9), usd_whole(-0.4)} == {"$0"}
    assert pct(0.2345) == "23%" and pct(0.2345, 1) == "23.4%"
    assert count(6007) == "6,007" and ratio(1.218) == "1.22×" and ratio(float("inf")).startswith("∞")
    assert person("Liam Turner", "R-010") == "Liam Turner (R-010)" and person(None, None) == "Open territory"
    from planning.reporting.formats import counted
    assert counted(1, "field") == "1 field" and counted(2400, "row") == "2,400 rows"  # the Data page's "1 fields"
    assert counted(0, "territory", "territories") == "0 territories"
    reps = pd.DataFrame({"rep_id": ["R-010", "R-011"], "name": ["Liam Turner", "R-011"]})
    assert people(reps).to_dict() == {"R-010": "Liam Turner (R-010)", "R-011": "R-011"}


def test_a_table_cell_reads_by_its_kind():
    """formats.cell: what Compare's tables (and the Data page's mixed-unit column) write per row kind."""
    from planning.reporting.formats import cell

    assert cell(-1200.4, "money") == "-$1,200" and cell(0.2345, "pct") == "23.4%" and cell(6007.0, "count") == "6,007"
    assert cell(float("inf"), "ratio") == "∞ (an empty book)" and cell(1.218, "ratio") == "1.22×"
    assert cell(1234.4, "hours") == "1,234 h" and cell(float("nan"), "money") == "–" and cell(3.0, "text") is None
    from planning.reporting.data_views import amount  # the Data page's mixed-unit column: the same words, one decimal otherwise

    assert amount(1234.4, "hours") == "1,234 h" and amount(0.2345, "pct") == "23.4%" and amount(2.345, "number") == "2.3"


def test_present_renames_headers_and_remembers_the_unregistered():
    df = pd.DataFrame({"arr_usd": [1.0], "pct_accounts_moved": [0.23], "brand_new_field": [1]})
    assert list(present(df).columns) == [LABELS["arr_usd"].text, LABELS["pct_accounts_moved"].text, "Brand new field"]
    assert "brand_new_field" in UNLABELLED and label("open_territories") == "Open territories"


def test_a_figures_own_column_reads_as_the_figure():
    """capacity_target_usd (what a capacity scenario plans against, derived from today's team when no targets file
    sets it) is labelled by its figure, as its headline metric is; target_usd (quota coverage's finance target)
    keeps "Bookings target"."""
    from planning.reporting import figure, label_of

    fig, lab = figure("capacity_target_usd"), label_of("capacity_target_usd")
    assert (lab.text, lab.kind, lab.help) == (fig.label, "money", fig.help) and "capacity_target_usd" not in UNLABELLED
    assert label("target_usd") == label("bookings_target_usd") == "Bookings target" != lab.text
