"""The printable one-page disruption summary of a manager's team (self-contained HTML; print it to PDF from a
browser): the Disruption page's download and ``disruption --manager M --html``."""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from planning.plans.disruption_report import DisruptionReport
from planning.reporting.formats import cell

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d2330;margin:24px;font-size:13px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:22px 0 6px;border-bottom:1px solid #ccd;padding-bottom:3px}
.sub{color:#5a6275;margin-bottom:14px} .kpis{display:flex;gap:12px;flex-wrap:wrap}
.kpi{border:1px solid #d5d9e2;border-radius:6px;padding:8px 12px;min-width:120px}
.kpi b{display:block;font-size:18px} table{border-collapse:collapse;width:100%;margin-top:4px}
th,td{border-bottom:1px solid #e3e6ec;padding:4px 6px;text-align:left} td.n,th.n{text-align:right}
th{background:#f3f5f9} .warn{color:#b3261e;font-weight:600}
@media print{body{margin:10mm} .kpi{break-inside:avoid} tr{break-inside:avoid} @page{size:A4 landscape}}
"""


_SHARED_KINDS = {"usd": "money", "pct": "pct", "int": "count"}  # read as on the pages (planning.reporting.formats)


def _fmt(v, kind: str) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return "–"
    if kind in _SHARED_KINDS:
        return cell(v, _SHARED_KINDS[kind])
    if kind == "date":
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if kind == "bool":
        return "yes" if bool(v) else ""
    if kind == "num":
        return f"{v:,.0f}"
    return html.escape(str(v))


def _table(df: pd.DataFrame, cols: list[tuple[str, str, str]]) -> str:
    if df.empty:
        return "<p>None.</p>"
    head = "".join(f'<th class="{"n" if k not in ("text", "date") else ""}">{html.escape(t)}</th>' for _, t, k in cols)
    body = "".join("<tr>" + "".join(
        f'<td class="{"n" if k not in ("text", "date") else ""}">{_fmt(r[c], k)}</td>' for c, _, k in cols) + "</tr>"
        for _, r in df.iterrows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def manager_summary_html(report: DisruptionReport, manager_id: str) -> str:
    """A self-contained, printable HTML summary of one manager's team (print it to PDF from a browser)."""
    team = report.for_manager(manager_id)
    m = team.managers.iloc[0].to_dict() if len(team.managers) else {"manager_name": manager_id}
    kpis = [("Accounts before", _fmt(m.get("accounts_before"), "int")), ("Kept", _fmt(m.get("kept"), "int")),
            ("Lost", _fmt(m.get("lost"), "int")), ("Gained", _fmt(m.get("gained"), "int")),
            ("ARR out", _fmt(m.get("arr_out_usd"), "usd")), ("ARR in", _fmt(m.get("arr_in_usd"), "usd")),
            ("ARR retained", _fmt(m.get("pct_arr_retained"), "pct")),
            ("Relationships broken", _fmt(m.get("relationships_broken"), "int"))]
    kpi_html = "".join(f'<div class="kpi">{html.escape(k)}<b>{v}</b></div>' for k, v in kpis)
    rep_cols = [("name", "Rep", "text"), ("accounts_before", "Before", "int"), ("kept", "Kept", "int"),
                ("lost", "Lost", "int"), ("gained", "Gained", "int"), ("accounts_after", "After", "int"),
                ("arr_out_usd", "ARR out", "usd"), ("arr_in_usd", "ARR in", "usd"),
                ("pct_arr_retained", "ARR retained", "pct"), ("relationships_broken", "Broken", "int"),
                ("potential_change_usd", "Δ potential", "usd"), ("workload_change_hours", "Δ workload h", "num"),
                ("distance_change_mi", "Δ distance mi", "num")]
    acc = team.accounts.loc[~team.accounts["change"].isin(["kept", "unassigned both"])].sort_values(
        ["relationship_broken", "arr_usd"], ascending=False)
    acc_cols = [("name", "Account", "text"), ("segment", "Segment", "text"), ("from_owner_name", "From", "text"),
                ("to_owner_name", "To", "text"), ("arr_usd", "ARR", "usd"), ("open_pipeline_usd", "Pipeline", "usd"),
                ("next_renewal_date", "Renewal", "date"), ("relationship_broken", "Broken", "bool")]
    broken = int(acc["relationship_broken"].sum())
    warn = (f'<p class="warn">{broken} moved account(s) have open pipeline or renew within '
            f'{report.renewal_window_days} days: plan the hand-over.</p>' if broken else "")
    title = f"Disruption summary – {m.get('manager_name', manager_id)}"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
<div class="sub">{html.escape(report.a_name)} → {html.escape(report.b_name)} · as of {report.as_of.date()} ·
renewal window {report.renewal_window_days} days</div>
<div class="kpis">{kpi_html}</div>{warn}
<h2>Reps</h2>{_table(team.reps, rep_cols)}
<h2>Accounts leaving or joining the team ({len(acc)})</h2>{_table(acc, acc_cols)}
</body></html>"""
