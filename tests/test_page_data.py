"""AppTest of the app shell and the Data page on the sample company."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def test_app_opens_on_the_sample_company():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    values = {m.label: m.value for m in at.metric}
    assert values["Accounts"] == "6,009" and values["ARR"] == "$40.00M" and values["Rejected rows"] == "5"
    assert any("Enterprise" in w.value and "Above 2×" in w.value for w in at.warning)


def test_data_page_breakdowns_and_metric_switch():
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=120).run()
    assert not at.exception
    at.selectbox(key="health_metric").select("arr_usd").run()
    assert not at.exception
    at.selectbox(key="map_segment").select("Enterprise").run()
    assert not at.exception


def test_plan_read_by_area():
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=120).run()
    at.segmented_control(key="health_level").set_value("area").run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    by_area = next(f for f in frames if "open_territories" in f.columns)
    assert by_area["accounts"].sum() == 6009 - 37  # every owned account rolls up once
