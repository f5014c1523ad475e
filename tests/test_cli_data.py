"""`validate` and `summary` work on the same files as the UI, with the same errors."""


def test_summary_on_sample(cli):
    r = cli(["summary"])
    assert r.exit_code == 0
    assert "6,009 accounts" in r.output
    # the Data page's words for an unbalanced segment, without its markdown
    assert "Enterprise: the most loaded territory holds 13.0× the potential of the least loaded" in r.output


def test_validate_reports_rows_and_writes_rejects(cli, tmp_path):
    out = tmp_path / "rejects.csv"
    r = cli(["validate", "--rejects-out", out])
    assert r.exit_code == 0
    # R-999 is in no file: the account loads unassigned, listed under the warnings, not the rejects
    assert "WARNING accounts.csv, row 6012, column 'owner_rep_id': unknown owner" in r.output
    assert r.output.index("Rejected: 5 row(s)") < r.output.index("Warnings: 1, on 1 loaded row(s)")
    assert out.read_text(encoding="utf-8-sig").count("\n") == 6  # header + 5 rejected rows
    assert cli(["validate", "--strict"]).exit_code == 1  # rows were rejected; the warning alone would not fail


def test_validate_fatal_error_exits_2(cli, tmp_path):
    acc = tmp_path / "acc.csv"
    acc.write_text("Company,Zip\nAcme,10001\n")
    reps = tmp_path / "reps.csv"
    reps.write_text("rep_id,name,role\nR1,Ann,AE\n")
    r = cli(["validate", "--accounts", acc, "--reps", reps])
    assert r.exit_code == 2


def test_columns_lists_the_dictionary(cli):
    r = cli(["columns", "accounts"])
    assert "potential_usd" in r.output and "Billing Zip/Postal Code" in r.output
