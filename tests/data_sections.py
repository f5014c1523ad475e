"""The Data page's heavy sections sit in lazy tabs (only the open one runs, pages/1_Data.py): tests open each one
the way a click does, by setting the tabs' state, and read what it drew."""
from __future__ import annotations

SECTIONS = ("Validation report", "Account base", "Accounts by owner", "Current plan health", "Data health")
TABS = "data_section"  # the tabs' key


def open_section(at, name: str):
    """``at`` rerun with the tab ``name`` open."""
    at.session_state[TABS] = name
    return at.run()


def screen(at) -> dict:
    """What the open page shows: the headline metrics, the warnings and infos, every table's values, the captions."""
    return {"metrics": [(m.label, m.value) for m in at.metric], "warnings": [w.value for w in at.warning],
            "infos": [i.value for i in at.info], "tables": [d.value.astype(str).to_dict("list") for d in at.dataframe],
            "captions": [c.value for c in at.caption]}


def every_section(at) -> dict[str, dict]:
    """Each tab opened in turn: its name → the page's screen with it open (the first tab open again at the end)."""
    out = {name: screen(open_section(at, name)) for name in SECTIONS}
    open_section(at, SECTIONS[0])
    return out


def frames(at) -> list:
    """Every table of every section (and of the page above the tabs), as DataFrames."""
    out = []
    for name in SECTIONS:
        out += [d.value for d in open_section(at, name).dataframe]
    return out
