"""planning.reporting.text_tables: a frame with canonical columns as the text a person reads (the CLI's tables),
worked by hand."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planning.reporting import render, row_labels, text_cell, text_frame, text_rows


def test_cells_read_in_their_kind():
    assert text_cell(18_565_489.4, "money") == "$18,565,489"  # a table amount: whole dollars
    assert text_cell(0.2343, "pct") == "23.4%" and text_cell(1.0, "pct") == "100.0%"  # never "0" or "1"
    assert text_cell(6009, "count") == "6,009" and text_cell(1.2163, "ratio") == "1.22×"
    assert text_cell(math.inf, "ratio") == "∞ (an empty book)" and text_cell(np.nan, "money") == "–"
    assert text_cell(21624.0, "hours") == "21,624 h" and text_cell(2_505_647.84, "miles") == "2,505,647.8"
    assert text_cell(True, "text") == "yes" and text_cell(np.bool_(False), "count") == "no"
    assert text_cell(pd.Timestamp("2026-12-03 05:18"), "date") == "2026-12-03 05:18"
    assert text_cell(pd.Timestamp("2026-11-30"), "date") == "2026-11-30"
    assert text_cell(7, "text") == "7" and text_cell(None, "text") == ""
    assert text_cell(2027, "text") == "2027" and text_cell(np.int64(6009), "count") == "6,009"  # a year; a count


def test_a_frame_gets_labels_and_formats_and_keeps_its_data():
    frame = pd.DataFrame({"segment": ["Mid-market", "SMB"], "arr_usd": [18_565_489.0, 4_544_576.0],
                          "arr_share": [0.4641, 0.1136], "accounts": [1802, 4027], "Jan": [8.0, 7.9]})
    out = text_frame(frame)
    assert list(out.columns) == ["Segment", "Current ARR", "Share of ARR", "Accounts", "Jan"]
    assert out.iloc[0].tolist() == ["Mid-market", "$18,565,489", "46.4%", "1,802", "8.0"]
    assert out.iloc[1].tolist() == ["SMB", "$4,544,576", "11.4%", "4,027", "7.9"]  # one decimal: what 7.9 needs
    assert frame["arr_usd"].iat[0] == 18_565_489.0  # the data is untouched
    indexed = text_frame(frame.set_index("segment"))  # a named index is a column
    assert list(indexed.columns)[0] == "Segment"


def test_unlabelled_numbers_show_at_most_two_decimals():
    out = text_frame(pd.DataFrame({"Feb": [11.8, 12.0], "Mar": [0.12345, 2.0], "Apr": [3.0, 4.0]}))
    assert out["Feb"].tolist() == ["11.8", "12.0"] and out["Mar"].tolist() == ["0.12", "2.00"]
    assert out["Apr"].tolist() == ["3", "4"]


def test_figure_rows_read_in_each_figure_s_kind():
    wide = pd.DataFrame({"Today": [0, 0.0, 0.0, math.inf], "Prop": [1408, 0.2343, 5_958_645.0, 1.2163]},
                        index=["accounts_moved", "pct_accounts_moved", "arr_moved_usd", "potential_max_min"])
    out = text_rows(wide, name="Figure")
    assert out["Figure"].tolist() == row_labels(wide.index) == [
        "Accounts moved", "Share of accounts moved", "ARR moved", "Potential: largest ÷ smallest"]
    assert out["Prop"].tolist() == ["1,408", "23.4%", "$5,958,645", "1.22×"]
    assert out["Today"].tolist() == ["0", "0.0%", "$0", "∞ (an empty book)"]


def test_render_counts_the_rows_left_out():
    frame = pd.DataFrame({"accounts": range(5)})
    text = render(frame, max_rows=2)
    assert text.splitlines()[0].strip() == "Accounts" and text.endswith("... 3 more rows")
    assert render(frame.iloc[0:0]) == "(none)"


def test_render_reads_words_from_the_left_and_figures_from_the_right():
    frame = pd.DataFrame({"territory_id": ["T-1", "T-REQ-01"], "rep_name": ["Ann Lee (R-1)", "Open requisition (REQ)"],
                          "quota_usd": [1_852_204.0, 0.0], "flags": ["", "open requisition"]})
    lines = render(frame).splitlines()
    assert lines[0].startswith("Territory Rep                    ")
    assert lines[1] == "T-1       Ann Lee (R-1)          $1,852,204                 "
    assert lines[2] == "T-REQ-01  Open requisition (REQ)         $0 open requisition"
    # a figures column with a word or two in it ("high" risk) stays right-aligned
    mixed = render(pd.DataFrame({"Base": ["30", "$4,851,624", "54.5%", "high"]}), as_text=True).splitlines()
    assert mixed == ["      Base", "        30", "$4,851,624", "     54.5%", "      high"]
    # an id with no separators is a word, not a figure: account ids print from the left
    from planning.reporting import mostly_figures

    assert not mostly_figures(["0012027005652", "0012027005653"]) and mostly_figures(["-$5K", "2,706 h", "–"])



def test_the_grid_reads_figures_written_as_text_from_the_right():
    """A figures × options table on a page (text cells: "$3.97M", "35") right-aligns its figure columns, as the
    printed table does; names and ids stay left."""
    from ui.tables import column_config

    frame = pd.DataFrame({"Figure": ["Accounts moved", "ARR moved"], "Keep the book": ["35", "$3.97M"],
                          "account_id": ["0012027005652", "0012027005653"]})
    cfg = column_config(frame)
    assert cfg["Keep the book"]["alignment"] == "right"
    assert cfg["Figure"].get("alignment") is None and cfg["account_id"].get("alignment") is None
