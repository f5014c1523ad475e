"""Territories: each territory's definition in words (segment, geography, named accounts), its rule rows, the CRM
rule exports (Salesforce ETM zip, flat territory_rules.csv), and routing new accounts by those rules.

Everything reads through the scoped accessor (ui.scoped.view()): a manager sees their team's territories only.
Routing changes a plan, so it is for the roles that may edit plans; its result is saved as a new version and can
be put straight into review.  The rules and the routing are the core's (planning.territories); this page draws them."""
from __future__ import annotations

import hashlib

import streamlit as st

from planning.access import AccessDenied, Permission
from planning.data import FileError
from planning.plans import ReviewError, StoreError
from planning.reporting import count, pct
from planning.reporting.carve_words import carving_words
from planning.reporting.formats import people
from ui import access, scoped
from ui.guards import require_data
from ui.plain import md_escape
from ui.plan_picker import check_fit, plan_page_header
from ui.sample_entries import scope_of
from ui.tables import show_table
from ui.territory_reports import definitions
from ui.widgets import download_csv, download_file

user = access.page_user(Permission.VIEW_PLANS)
view = scoped.view()
can_edit = user.can(Permission.EDIT_PLANS)
pc = plan_page_header("Territories", "Each territory's definition: its segment, the geography it holds and its "
                      "named accounts. New accounts route by them: a named account first, then the most specific "
                      "geography (ZIP, ZIP3, county, state, country), then the segment default.")
require_data(pc.ds)
if not pc.refs:
    st.info("No plan to read yet: carve one on the Carve page or load a saved one on the Plans page.")
    st.stop()
default = pc.working if pc.working is not None else 0
pick = st.selectbox("Plan", range(len(pc.refs)), index=default, format_func=lambda i: pc.labels[i], key="terr_plan")
ref = pc.refs[pick]
check_fit([ref])  # a plan made on another dataset stops here, saying which accounts do not match
try:
    plan = ref.load(pc.session, pc.store)
except StoreError as exc:
    st.error(md_escape(f"The plan cannot be loaded: {exc}"))
    st.stop()
rk = (scoped.data_key(view), ref.key(pc.session), *scope_of(user))
st.caption(md_escape(carving_words(plan.settings, pc.ds.settings)))  # which segments are geographic (issue 24)


@st.cache_data(show_spinner=False, max_entries=16)
def _etm_zip(rk: tuple, segment_field: str, _defs) -> bytes:
    from planning.territories import etm_export

    return etm_export(_defs, segment_field=segment_field).to_zip()


defs, words, rows, agree = definitions(rk, plan, view)  # kept across sessions (ui.territory_reports)
if words.empty:
    st.info("None of your team's territories is in this plan." if user.scoped else "This plan has no territories.")
    st.stop()
k = st.columns(4)
k[0].metric("Territories", count(len(words)))
k[1].metric("Geography rules", count(int((rows["rule_level"] != "named account").sum())))
k[2].metric("Named accounts", count(len(defs.named)))
if agree is not None:
    k[3].metric("Rules alone re-route", pct(agree["by_rules"], 1),
                help=f"Share of the plan's {agree['accounts']:,} accounts the segment and geography rules send to "
                     f"their own territory; with the named accounts: {pct(agree['with_named'], 1)}.")
if user.scoped:
    st.caption("Your team's territories only.")

st.subheader("Definitions")
for line in words["definition"]:
    st.text(line)  # names are people's words: plain text, never markdown
show_table(words[["territory_id", "owner", "segment", "rules", "named_accounts", "accounts"]], key="terr_words")

st.subheader("Rule rows")
st.caption("Named accounts first (they win), then each geography piece; the pieces never overlap.")
show_table(rows, key="terr_rules", height=320)

st.subheader("Export the rules")
c1, c2 = st.columns([1, 2])
seg_field = c1.text_input("Salesforce field holding the segment", value="Segment__c", key="terr_segfield")
c2.caption("The ETM zip holds ObjectTerritory2AssignmentRule, its rule items (split to Salesforce's limits: 10 "
           "items a rule, 1,000 characters a value, 15 rules a territory), RuleTerritory2Association, the named "
           "accounts as manual associations and a README with the load order.")
d1, d2 = st.columns(2)
with d1:
    download_file("Download Salesforce ETM rules (zip)", lambda: _etm_zip(rk, seg_field, defs), "etm_rules.zip",
                  "application/zip", key="terr_etm")
with d2:
    from planning.territories import flat_rules

    download_csv(flat_rules(defs), "Download territory_rules.csv (HubSpot, Dynamics)", "territory_rules.csv",
                 key="terr_flat")


# --- route new accounts ----------------------------------------------------------------------------------------
st.subheader("Route new accounts")
if not can_edit:
    st.caption(md_escape(f"You are {user.display}: routing new accounts into a plan is for the roles that may "
                         "change plans (sales ops)."))
    st.stop()
st.write("Upload new or changed accounts (the accounts columns; the owner may be blank). Each gets a territory by "
         "the rules above, with the reason; one that no rule matches goes to the nearest territory of its segment "
         "with room in its band, and is flagged for review.")
up = st.file_uploader("New accounts", type=["csv", "txt", "xlsx", "xls", "parquet"], key="terr_upload")
if up is None:
    st.stop()
data = up.getvalue()
run_key = (rk, hashlib.sha1(data).hexdigest())
memo = st.session_state.get("terr_routed")
if memo is None or memo[0] != run_key:
    try:
        res = view.load_crm_export(data, up.name)
    except FileError as exc:
        st.error(md_escape(f"{up.name} cannot be used: {exc}"))
        st.stop()
    errors = [str(i) for i in res.issues if getattr(i, "severity", "") == "error"]
    routed = view.route_accounts(plan, res, source=up.name) if len(res.clean) else None
    memo = (run_key, res, errors, routed)
    st.session_state["terr_routed"] = memo
_, res, errors, routed = memo
if errors:
    st.warning(md_escape(f"{len(res.rejects):,} rows of {up.name} were rejected and are not routed:"))
    for e in errors[:10]:
        st.text(e)
if routed is None:
    st.info("No usable account rows in the file.")
    st.stop()
names = people(view.reps)
c = routed.counts()
m = st.columns(4)
m[0].metric("Accounts routed", count(c["accounts"]))
m[1].metric("By the rules", count(c["named"] + c["by_rules"]), f"{count(c['named'])} named", delta_color="off",
            delta_arrow="off")
m[2].metric("Flagged for review", count(c["flagged"]))
m[3].metric("Books touched", count(len(routed.impact)))
shown = routed.routed.assign(owner=routed.routed["owner_rep_id"].map(names))
cols = ["account_id", "name", "segment", "territory_name", "owner", "reason", "flagged", "distance_mi"]
show_table(shown[cols], key="terr_routed_table", height=300)
if c["flagged"]:
    st.markdown("**Flagged: no rule matched**")
    show_table(shown.loc[shown["flagged"], cols], key="terr_flagged")
st.markdown("**Balance impact on the touched books**")
imp = routed.impact.assign(owner=routed.impact["owner_rep_id"].map(names))
show_table(imp[["name", "owner", "routed_accounts", "accounts_before", "accounts_after", "book_before", "book_after",
                "book_target", "load_before", "load_after", "in_band_before", "in_band_after"]], key="terr_impact")
with st.expander("How the balance is measured"):
    st.caption(f"Books are measured on {routed.metric} with a band of ±{routed.tolerance:.0%} around a "
               "capacity-proportional target (the plan's own carve settings, else potential ±10%). The balance "
               "figures of the touched segments, before and after:")
    keep = ["segment", "territories", "max_mean", "min_mean", "cv", "worst_dev"]
    show_table(routed.balance_before[keep], key="terr_bal_before")
    show_table(routed.balance_after[keep], key="terr_bal_after")


def _loader_zip() -> bytes:
    import io
    import zipfile

    from planning.data import to_safe_csv
    from planning.territories import routing_files

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for fname, df in routing_files(routed, view.reps, plan).items():
            z.writestr(fname, to_safe_csv(df))
    return buf.getvalue()


download_file("Download the Data Loader files (zip)", _loader_zip, "routed_accounts.zip", "application/zip",
              key="terr_loader")
default_name = ref.name if ref.source == "saved" else f"{ref.name} (routed)"
s1, s2 = st.columns([2, 1])
save_as = s1.text_input("Save as", value=default_name, key="terr_save_name",
                        help="A saved plan's name adds a version; the new version goes through review like any other.")
submit = s2.checkbox("Submit for review", value=True, key="terr_submit")
if st.button("Save the routed plan", type="primary", key="terr_save", disabled=not save_as.strip()):
    try:
        v, in_review = view.save_routed(routed, name=save_as.strip(), submit=submit)
        st.success(md_escape(f"Saved {v.name} version {v.version}" + (" and submitted it for review." if in_review
                                                                         else ".")))
    except (StoreError, AccessDenied) as exc:
        st.error(md_escape(f"Not saved: {exc}"))
    except ReviewError as exc:  # a review refusal after the save: the version itself is saved
        st.warning(md_escape(f"Saved, but not submitted for review: {exc}"))
