"""Compare says what the other pages say: no targets file means the one "no bookings targets" sentence
(planning.reporting.figures.no_target_message), and AE cost names the seats it cannot price
(figures.unpriced_note) — on the page, in the core and in the CLI's ``compare`` (issue 26's leftovers)."""
from __future__ import annotations

import pytest

from planning.plans import PlanStore, compare_plans, dataset_stamp
from planning.reporting import figures as F
from tests.test_dataset_fit import _page, db  # noqa: F401  (fixture: a plan store per test)
from tests.test_figures_consistency import MESSY, messy  # noqa: F401  (fixture: the messy upload)
from ui.plain import md_escape

# the messy upload's six territories: five priced by their segment's OTE, "=1+2 Will" (T-005M6) with no segment
UNPRICED = ("AE cost leaves out 1 seat with no segment, so no OTE prices it (=1+2 Will (T-005M6)); it is still "
            "counted among the quota reps.")


def test_the_sentences_by_hand(messy):  # noqa: F811
    plan = messy.current_plan()
    assert F.unpriced_note(plan, messy.settings) == UNPRICED
    assert F.unpriced_note(plan) == UNPRICED  # the default segments are the messy upload's too
    copy = messy.current_plan()
    copy.name = "Copy"
    cmp = compare_plans([plan, copy], messy.accounts, messy.reps, messy.as_of, messy.plan_year,
                        targets=messy.targets, settings=messy.settings)
    assert cmp.quota is None and cmp.quota_note == F.no_target_message(2027)
    assert cmp.notes == [f"{plan.name}, Copy: {UNPRICED}"]  # said once for the plans that share the seat
    # AE cost: the five priced seats at loaded OTE (tests/test_figures_consistency.py), the same for both plans
    assert cmp.headline.loc["ae_cost_usd"].tolist() == pytest.approx([1_200_000.0, 1_200_000.0])


def test_a_role_without_cost_is_not_told_about_cost(messy):  # noqa: F811
    from planning.access import Role, User

    plan, copy = messy.current_plan(), messy.current_plan()
    copy.name = "Copy"
    viewer = User("v@x.test", "Viewer", Role.VIEWER)
    cmp = compare_plans([plan, copy], messy.accounts, messy.reps, messy.as_of, messy.plan_year,
                        targets=messy.targets, settings=messy.settings, user=viewer)
    assert "ae_cost_usd" not in cmp.headline.index and not any("AE cost" in n for n in cmp.notes)
    assert cmp.quota_note in (F.no_target_message(2027), "Quota coverage is not shown to your role.")


@pytest.fixture()
def saved_copy(db, messy):  # noqa: F811
    copy = messy.current_plan()
    copy.name = "Messy copy"
    PlanStore(db).save_plan(copy, made_on=dataset_stamp(messy.name, messy.accounts, messy.reps))
    return messy


def test_compare_page_says_no_targets_and_names_the_unpriced_seat(saved_copy):
    at = _page("7_Compare.py", saved_copy).run()
    assert not at.exception
    assert at.multiselect(key="cmp_plans").value == [0, 1]
    assert [i.value for i in at.info if "bookings targets" in i.value] == [md_escape(F.no_target_message(2027))]
    notes = [c.value for c in at.caption if c.value.startswith("Note")]
    assert notes == [md_escape(f"Note: Current CRM ownership, Messy copy v1 (saved): {UNPRICED}")]


def test_cli_compare_says_the_same(saved_copy, cli):
    data = ["--accounts", MESSY / "crm_accounts.csv", "--reps", MESSY / "crm_users.csv", "--as-of", "2026-11-30"]
    r = cli(["compare", "current", "Messy copy", *data])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert f"Quota coverage: {F.no_target_message(2027)}" in out
    assert f"note: Current CRM ownership, Messy copy: {UNPRICED}" in out
