"""Table downloads are neutralised both ways (issue 27): Streamlit's own "Download as CSV" on a table is switched
off for every session, so the app's own download buttons (formula-safe, tests/test_download_widgets.py) are the only
way to a file; and what a table draws is neutralised too, so even a copy out of the grid is safe.  The browser
pass of the first is tests/e2e/test_table_toolbar.py."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
FORMULAS = ["=1+2 Will", "+SUM(A1:A9)", "-2+3", "@cmd", "\t=tab", "Ann"]


def test_the_builtin_table_download_is_off_for_every_session():
    """Set in the project's config, a real Streamlit option, and what a new session's config message carries (the
    browser hides the toolbar's download when it is set)."""
    from streamlit import config
    from streamlit.proto.NewSession_pb2 import Config
    from streamlit.runtime.app_session import _populate_config_msg

    assert tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["client"]["disableDataExport"] is True
    assert "client.disableDataExport" in config._config_options_template  # a misspelt key would be ignored
    old = config.get_option("client.disableDataExport")
    try:
        config.set_option("client.disableDataExport", True)
        msg = Config()
        _populate_config_msg(msg)
        assert msg.disable_data_export
    finally:
        config.set_option("client.disableDataExport", old)


SCRIPT = """
import pandas as pd
from ui.tables import show_table

show_table(pd.DataFrame({"name": %r, "arr_usd": [1.0] * %d}), key="t")
"""


def test_a_table_draws_its_text_cells_neutralised_and_its_numbers_as_numbers():
    at = AppTest.from_string(SCRIPT % (FORMULAS, len(FORMULAS)), default_timeout=60).run()
    assert not at.exception
    drawn = at.dataframe[0].value
    names = list(drawn["name"])
    assert all(not str(n).startswith(("=", "+", "-", "@", "\t")) for n in names), names
    assert "'=1+2 Will" in names and "Ann" in names  # the words are kept, behind a quote
    assert pd.api.types.is_numeric_dtype(drawn["arr_usd"]) and list(drawn["arr_usd"]) == [1.0] * len(FORMULAS)
