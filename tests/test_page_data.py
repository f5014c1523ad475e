"""AppTest of the app shell and the Data page on the sample company."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.data_sections import SECTIONS, every_section, frames, open_section

ROOT = Path(__file__).resolve().parents[1]


def test_app_opens_on_the_sample_company():
    at = AppTest.from_file(str(ROOT / "navigation.py"), default_timeout=120).run()
    assert not at.exception
    values = {m.label: m.value for m in at.metric}
    assert values["Accounts"] == "6,009" and values["ARR"] == "$40.00M" and values["Rejected rows"] == "5"
    open_section(at, "Current plan health")
    assert not at.exception
    assert any("Enterprise" in w.value and "Above 2×" in w.value for w in at.warning)


def test_the_first_run_draws_the_figures_and_the_open_tab_only():
    """The cold start (issue 26): the first run carries the headline figures and the validation report (the first
    tab); the account base, the map, today's plan health and data health run only when their tab opens, each one
    click away."""
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=120).run()
    assert not at.exception
    assert [t.label for t in at.tabs] == list(SECTIONS)
    assert [m.label for m in at.metric][:2] == ["Accounts", "Customers"]
    assert any("rows_read" in d.value.columns for d in at.dataframe)  # the validation report
    assert len(at.get("vega_lite_chart")) == 0  # no chart, no map on the first paint
    assert not at.warning and not any("check" in d.value.columns for d in at.dataframe)
    shown = every_section(at)
    assert not at.exception
    assert any("accounts on the map" in c for c in shown["Accounts by owner"]["captions"])
    assert any("Above 2×" in w for w in shown["Current plan health"]["warnings"])
    assert any("check" in t for t in shown["Data health"]["tables"])
    assert any("segment" in t and "arr_usd" in t for t in shown["Account base"]["tables"])
    assert any("rows_read" in t for t in shown["Validation report"]["tables"])


def test_data_page_breakdowns_and_metric_switch():
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=120).run()
    assert not at.exception
    open_section(at, "Current plan health").selectbox(key="health_metric").select("arr_usd").run()
    assert not at.exception
    open_section(at, "Accounts by owner").selectbox(key="map_segment").select("Enterprise").run()
    assert not at.exception


def test_plan_read_by_area():
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=120).run()
    open_section(at, "Current plan health").segmented_control(key="health_level").set_value("area").run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    by_area = next(f for f in frames if "open_territories" in f.columns)
    assert by_area["accounts"].sum() == 6009 - 37  # every owned account rolls up once


def test_data_page_speaks_words_not_field_names():
    """Issue 26: every table on the page has registry labels, the balance table shows its average book in the
    measure's unit and an empty book in words (not "inf" or 8235561.5385), people read "Name (R-010)", and no
    caption names an internal file."""
    from planning.reporting import labels

    labels.UNLABELLED.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=120).run()
    assert not at.exception
    tables = frames(at)
    assert labels.UNLABELLED == set()

    def table(*cols):
        return next(f for f in tables if set(cols) <= set(f.columns))

    counts = table("rows_read", "rows_loaded")
    assert counts.loc[counts["table"] == "accounts", "rows_read"].item() == 6014
    bal = table("metric", "max_min", "mean")
    mid = bal.loc[(bal["segment"] == "Mid-market") & (bal["metric"] == "Potential")].iloc[0]
    assert mid["mean"] == "$8,235,562" and mid["max_min"] == "∞ (an empty book)"
    ent = bal.loc[(bal["segment"] == "Enterprise") & (bal["metric"] == "Accounts")].iloc[0]
    assert ent["mean"] == "25" and ent["max_min"] == "13.64×"
    assert bal.loc[bal["metric"] == "Workload (hours/year)", "mean"].iloc[0] == "2,706 h"
    books = table("territory_id", "owner", "mean_distance_mi")
    assert "owner_rep_id" not in books and "owner_name" not in books
    assert books.loc[books["territory_id"] == "T-R-010", "owner"].item() == "Liam Turner (R-010)"
    health = table("check", "result").set_index("check")["result"]
    assert health["Accounts without an owner"] == "37" and health["Mean record completeness"].endswith("%")
    texts = ""
    for name in SECTIONS:
        open_section(at, name)
        texts += " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert ".md" not in texts and "shared/" not in texts
    stale = table("owner", "days_since_update")
    person = stale["owner"].str.match(r"^[A-Z][a-z]+ [A-Z][a-z]+ \(R-\d{3}\)$")
    assert (person | (stale["owner"] == "No owner")).all() and person.sum() > 900


def test_a_choice_inside_a_tab_outlives_closing_the_tab():
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=120).run()
    open_section(at, "Accounts by owner").selectbox(key="map_segment").select("Enterprise").run()
    open_section(at, "Data health")
    assert open_section(at, "Accounts by owner").selectbox(key="map_segment").value == "Enterprise"
    assert not at.exception
