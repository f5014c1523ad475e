"""Quota and Comp and Finance pages in a real headless Chromium: metrics, charts, a live edit.

The metrics are found by their exact label (the core's figure labels, planning.reporting.figures), and the numbers
they show are checked against the core computed here for the same plan, settings and simulation: today's plan (the
e2e store holds no working plan and nothing in review), the default quota settings and comp plans, the page's
default simulation (10,000 draws, seed 7, normal attainment)."""
import re

import pytest

from tests.e2e.conftest import open_app, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

# text cut off on screen (overflow hidden, an ellipsis): a label read "P50 bookings vs ta…", a value "99% of…"
_FITS = """el => [el, ...el.querySelectorAll('*')].every(e => {
  const s = getComputedStyle(e);
  return (s.overflowX === 'visible' && s.textOverflow !== 'ellipsis') || e.scrollWidth <= e.clientWidth + 1;
})"""


@pytest.fixture(scope="module")
def core(sample):
    """The figures the pages must show, from the core: quota coverage, quota reps, comp cost, median bookings."""
    from planning.access import local_user
    from planning.compensation import QuotaSettings, default_plans, quota_for_plan, simulate_cost
    from planning.reporting import count, pct, usd
    from planning.reporting import figures as F

    plan, p = sample.current_plan(), sample.settings.planning

    def quotas(**settings):
        return quota_for_plan(plan, sample.accounts, sample.reps, sample.targets, sample.history,
                              QuotaSettings.from_dict(settings).resolved(sample.settings), plan_year=sample.plan_year,
                              defaults=sample.settings)

    q = quotas()
    sim = simulate_cost(default_plans(defaults=sample.settings), q, n_draws=p.comp_simulation_draws, seed=7,
                        distribution="normal", history=sample.history, defaults=sample.settings,
                        correlation=p.attainment_correlation, early_churn_share=0.0, user=local_user())
    bvt = sim.bookings_vs_target().set_index("percentile")
    return {"coverage": pct(q.summary()["coverage_ratio"], 1),
            "coverage_even": pct(quotas(method="even").summary()["coverage_ratio"], 1),
            "quota_reps": count(F.quota_reps(plan)),
            "comp_cost": usd(F.comp_cost(sim)),
            "median_bookings": pct(bvt.loc["P50", "bookings_vs_target"]) + " of target"}


def _metric(page, label):
    """The value of the metric labelled exactly ``label``, after checking neither is cut off on screen."""
    name = page.get_by_test_id("stMetricLabel").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    m = page.get_by_test_id("stMetric").filter(has=name)
    m.first.wait_for(timeout=60_000)  # the headline may be drawn a moment after the text the page was opened on
    assert m.count() == 1, f"{m.count()} metrics labelled {label!r}"
    m.scroll_into_view_if_needed()
    for part in ("stMetricLabel", "stMetricValue"):
        assert m.get_by_test_id(part).evaluate(_FITS), f"{part} of {label!r} is cut off"
    return m.get_by_test_id("stMetricValue").inner_text()


def _no_metric_cut_off(page):
    """Every metric on the page reads in full: no label or value ends in an ellipsis."""
    cut = [m.inner_text().replace("\n", " ") for m in page.get_by_test_id("stMetric").all()
           if not all(m.get_by_test_id(part).evaluate(_FITS) for part in ("stMetricLabel", "stMetricValue"))]
    assert not cut, f"metrics cut off on screen: {cut}"


def _charts_drawn(page, at_least):
    charts = page.locator('[data-testid="stVegaLiteChart"]:visible')  # charts in hidden tabs do not count
    charts.nth(at_least - 1).wait_for()
    for i in range(at_least):
        c = charts.nth(i)
        c.scroll_into_view_if_needed()
        c.locator("canvas, svg").first.wait_for()
        box = c.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100


def _open_section(page, name: str) -> None:
    """Click one of the page's section tabs (lazy: its content is drawn once it opens) and wait for the rerun."""
    page.get_by_role("tab", name=name).first.click()
    wait_idle(page, timeout=120_000)


def test_quota_and_comp_page(page, app_url, tmp_path, core):
    open_app(page, app_url, "quota-and-comp", wait_text="Per-rep quotas")
    assert core["coverage"] == "115.0%"  # the default over-assignment, 15%
    assert _metric(page, "Quota coverage") == core["coverage"]
    assert _metric(page, "Quota reps") == core["quota_reps"]
    page.get_by_test_id("stDataFrame").first.wait_for()  # the open section: the per-rep quotas' editor
    # the sections are lazy tabs: each chart is drawn once its tab opens (coverage and fairness, the payout
    # curves, the cost's distribution and sensitivity)
    for section, charts in (("Coverage", 2), ("Comp plans", 1), ("Cost simulation", 2)):
        _open_section(page, section)
        _charts_drawn(page, charts)
    page.get_by_test_id("stMetric").filter(has_text="Comp cost (variable pay)").first.wait_for()
    value = _metric(page, "Comp cost (variable pay)")
    assert value.startswith("$") and value == core["comp_cost"]
    # a live edit: the even split keeps coverage at the over-assignment
    page.get_by_text("Even split").first.click()
    wait_idle(page, timeout=120_000)
    assert core["coverage_even"] == "115.0%"
    assert _metric(page, "Quota coverage") == core["coverage_even"]
    _no_metric_cut_off(page)
    page.screenshot(path=str(tmp_path / "quota_and_comp.png"), full_page=True)


# an editor wider than its box scrolls sideways, and its last headers are cut at the box's right edge
_SCROLLS_SIDEWAYS = "el => { const s = el.querySelector('.dvn-scroller'); return s.scrollWidth > s.clientWidth + 1 }"


@pytest.mark.parametrize("width", [1400, 1280])
def test_comp_plan_editors_read_whole_without_scrolling_sideways(browser, app_url, tmp_path, width):
    """At a 1,400 and a 1,280 px window every header of the comp plan's editors reads whole: the credit rules' row
    was cut at the right edge ("Expansion cr…") and had to be scrolled sideways to read."""
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = ctx.new_page()
        page.set_default_timeout(90_000)
        open_app(page, app_url, "quota-and-comp", wait_text="Per-rep quotas")
        _open_section(page, "Comp plans")
        editors = page.locator('[data-testid="stDataFrame"]:visible')
        editors.nth(3).wait_for()  # pay, credit rules, tiers, SPIFFs
        editors.nth(1).scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / f"comp_plans_{width}.png"))
        wide = [i for i in range(4) if editors.nth(i).evaluate(_SCROLLS_SIDEWAYS)]
        assert not wide, f"at {width} px the comp plan editors {wide} (0 pay, 1 credit rules) scroll sideways"
    finally:
        ctx.close()


def test_finance_page(page, app_url, tmp_path, core):
    open_app(page, app_url, "finance", wait_text="What the comp plans cost")
    assert _metric(page, "Quota coverage") == core["coverage"] == "115.0%"
    assert _metric(page, "Quota reps") == core["quota_reps"]
    assert _metric(page, "Comp cost (variable pay)") == core["comp_cost"]  # the same figure as on Quota and Comp
    median = _metric(page, "Median bookings")
    assert median.endswith("% of target") and median == core["median_bookings"]
    _charts_drawn(page, 8)
    _no_metric_cut_off(page)
    page.screenshot(path=str(tmp_path / "finance.png"), full_page=True)
