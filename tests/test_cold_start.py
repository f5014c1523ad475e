"""Cold start: what the Data page needs loads without the heavy libraries other pages and commands use.

Each check runs in a fresh interpreter, because this test process has long since imported everything.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from planning.data import load_sample
from planning.data.dataset import SAMPLE_DIR, _read_sample
from planning.data.sample_cache import cache_path, sample_key

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["pandera", "sqlalchemy", "highspy", "openpyxl", "geopandas", "pulp", "scipy", "altair"]

# The Data page's imports and the work it does before its first chart, as app.py + pages/1_Data.py run them.
DATA_PAGE = """
import json, sys
from ui import state
from ui.charts import accounts_map, book_bars
from ui.format import usd
from ui.widgets import download_csv, money_config
from planning.data import load_dataset, health_report, FileError, read_table, suggest_mapping, COLUMNS, breakdown
from planning.data import load_sample
from planning.plans import BALANCE_METRICS, METRIC_LABELS, balance_table, metrics, productivity_variance, rollup
ds = load_sample()
acc = ds.accounts
breakdown(acc, ds.reps, "segment")
ds.report.counts(); ds.report.issues_frame(); ds.report.rejects_frame()
book = metrics(ds.current_plan(), ds.accounts, ds.reps, ds.plan_year, ds.settings)
balance_table(book); productivity_variance(book)
print(json.dumps({m: m in sys.modules for m in %r}))
"""


def _loaded(code: str) -> dict[str, bool]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_data_page_needs_none_of_the_heavy_libraries():
    load_sample()  # the first run in a fresh cache folder validates and writes the cache; the page then reads it
    loaded = _loaded(DATA_PAGE % HEAVY)
    assert not any(loaded.values()), f"the Data page imported {[m for m, v in loaded.items() if v]}"


def test_cached_sample_equals_a_fresh_validation():
    cached, fresh = load_sample(), _read_sample(None)
    for table in ("accounts", "reps", "targets", "history"):
        pd.testing.assert_frame_equal(getattr(cached, table), getattr(fresh, table))
    pd.testing.assert_frame_equal(cached.report.counts(), fresh.report.counts())
    pd.testing.assert_frame_equal(cached.report.issues_frame(), fresh.report.issues_frame())
    assert (cached.as_of, cached.plan_year, cached.name) == (fresh.as_of, fresh.plan_year, fresh.name)


def test_the_cache_key_follows_the_sample_files(tmp_path):
    for f in list(SAMPLE_DIR.glob("*.csv")) + [SAMPLE_DIR / "meta.json"]:
        (tmp_path / f.name).write_bytes(f.read_bytes())
    before = sample_key(tmp_path)
    assert before == sample_key(SAMPLE_DIR)
    with (tmp_path / "reps.csv").open("a") as f:
        f.write("\n")
    assert sample_key(tmp_path) != before
    assert cache_path(SAMPLE_DIR).name == f"sample-{sample_key(SAMPLE_DIR)}.pickle"


def test_the_pandera_schemas_are_still_importable_from_schema():
    from planning.data import SCHEMAS, checks, schema

    assert schema.SCHEMAS is checks.SCHEMAS is SCHEMAS
    assert set(SCHEMAS) == {"accounts", "reps", "targets", "history", "territories"}


def test_the_cli_loads_heavy_libraries_only_in_the_commands_that_use_them():
    loaded = _loaded("import json, sys\nimport cli\nprint(json.dumps({m: m in sys.modules for m in %r}))" % HEAVY)
    assert not any(loaded.values()), f"`python -m planning` imported {[m for m, v in loaded.items() if v]}"
