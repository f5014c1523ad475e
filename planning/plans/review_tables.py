"""The review tables people read, built once for the Review page, the panels other pages embed and the CLI:
the inbox, a version's decisions and comments, the audit log, and the one-line status.  Canonical column names
(their headers come from planning.reporting.labels); times kept as UTC timestamps, which read as "2 Mar 14:05 UTC"
(:func:`planning.reporting.formats.moment`, on the page's grid and in the CLI alike); people as their label
("Boss (admin) for manager M-03").  User text (notes, comments, plan names) stays as written: shells show it as
plain text."""
from __future__ import annotations

import pandas as pd

from planning.plans.review_view import ReviewStatus, manager_statuses
from planning.reporting.formats import moment, person

STATE_WORDS = {"draft": "draft", "in_review": "in review", "changes_requested": "changes requested",
               "approved": "approved", "published": "published"}
_STATE_EVENTS = {"in_review": "submitted for review", "draft": "withdrawn to draft",
                 "changes_requested": "changes requested", "approved": "approved (final)",
                 "published": "published to the CRM"}
_DECISIONS = {"approve": "approved", "request_changes": "requested changes"}


def _utc(times: pd.Series) -> pd.Series:
    """A TIME column as the tables keep it: timestamps in UTC (tz-aware), NaT for none, so a grid sorts by time."""
    return pd.to_datetime(times, utc=True)


def managers_table(st: ReviewStatus, managers: pd.DataFrame) -> pd.DataFrame:
    """Each manager's row of a version's review as shown (manager, status, by, at, on_version, open_comments): the
    manager and who decided as "Fatima Green (M-03)", the time as "3 Dec 14:05 UTC", so every cell reads whole in a
    1,280 px window.  ``managers``: manager_id, name (:func:`planning.plans.teams.plan_managers`)."""
    m = manager_statuses(st, managers)
    cols = ["manager", "status", "by", "at", "on_version", "open_comments"]
    return pd.DataFrame({"manager": [person(n, i) for n, i in zip(m["manager_name"], m["manager_id"])],
                         "status": m["status"], "by": m["by"], "at": _utc(m["at"]),
                         "on_version": m["on_version"].astype("Int64"),
                         "open_comments": m["open_comments"].astype(int)}, columns=cols)


def reviewer_words(scope) -> str:
    """``team:M-03`` → "team M-03"; ``finance`` → "finance (quota sign-off)"; ``leadership`` → "leadership (final)"."""
    s = "" if scope is None or pd.isna(scope) else str(scope)
    if s.startswith("team:"):
        return f"team {s[5:]}"
    return {"finance": "finance (quota sign-off)", "leadership": "leadership (final approval)"}.get(s, s)


def target_words(target_type, target_id) -> str:
    """What a comment is on: "the plan", "account 0012…", "rep R-010"."""
    if target_type in (None, "plan") or pd.isna(target_type):
        return "the plan"
    return f"{target_type} {target_id}"


def inbox_table(box: pd.DataFrame) -> pd.DataFrame:
    """:func:`planning.plans.review.inbox` as shown: plan, version, review_state, since, action."""
    return pd.DataFrame({"plan": box["plan"], "version": box["version"],
                         "review_state": box["state"].map(STATE_WORDS), "since": _utc(box["since"]),
                         "action": box["action"]}).reset_index(drop=True)


def decisions_table(st: ReviewStatus) -> pd.DataFrame:
    """A version's decisions (latest per reviewer) as shown: reviewer, decision, by, at, on_version, stale, note."""
    d = st.decisions
    cols = ["reviewer", "decision", "by", "at", "on_version", "stale", "note"]
    if d.empty:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame({"reviewer": d["scope"].map(reviewer_words), "decision": d["decision"].map(_DECISIONS),
                         "by": d["by_label"], "at": _utc(d["at"]), "on_version": d["version"].astype(int),
                         "stale": d["stale"].astype(bool), "note": d["note"]})[cols].reset_index(drop=True)


def comments_table(st: ReviewStatus, open_only: bool = False) -> pd.DataFrame:
    """A plan's comments as shown: comment_id, version, comment_on, text, by, at, resolved, resolution."""
    c = st.open_comments if open_only else st.comments
    cols = ["comment_id", "version", "comment_on", "text", "by", "at", "resolved", "resolution"]
    if c.empty:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame({
        "comment_id": c["id"].astype(int), "version": c["version"].astype(int),
        "comment_on": [target_words(t, i) for t, i in zip(c["target_type"], c["target_id"])], "text": c["text"],
        "by": c["by_label"], "at": _utc(c["at"]), "resolved": c["resolved"].astype(bool),
        "resolution": c["resolution"].fillna(""),
    })[cols].reset_index(drop=True)


def event_words(row) -> str:
    """One audit log row in words: "submitted for review", "approved: team M-03", "comment #4 on rep R-010"."""
    kind = row["kind"]
    if kind == "state":
        return _STATE_EVENTS.get(row["state"], str(row["state"]))
    if kind == "decision":
        return f"{_DECISIONS.get(row['decision'], row['decision'])}: {reviewer_words(row['scope'])}"
    if kind == "comment":
        return f"comment #{int(row['id'])} on {target_words(row['target_type'], row['target_id'])}"
    if kind == "resolve":
        return f"resolved comment #{int(row['ref_id'])}"
    return str(kind)


def log_table(log: pd.DataFrame) -> pd.DataFrame:
    """The audit log (:func:`planning.plans.review.history`) as shown: at, version, by, event, note."""
    cols = ["at", "version", "by", "event", "note"]
    if log.empty:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame({"at": _utc(log["at"]), "version": log["version"].astype(int), "by": log["by"],
                         "event": [event_words(r) for _, r in log.iterrows()], "note": log["note"]})[cols] \
        .reset_index(drop=True)


def status_text(st: ReviewStatus) -> str:
    """The one-line status in plain text: "FY27 v2: in review · by Olive Ops (sales ops), 2 Mar 14:05 UTC ·
    1 open comment · 1 stale decision (made on an older version)"; counts over what the user sees."""
    line = f"{st.name} v{st.version}: {st.label()}"
    if st.state_by_label:
        line += f" · by {st.state_by_label}" + (f", {moment(st.state_at)}" if st.state_at is not None else "")
    n_open = len(st.open_comments)
    if n_open:
        line += f" · {n_open} open comment{'s' if n_open != 1 else ''}"
    n_stale = len(st.stale_decisions)
    if n_stale:
        line += f" · {n_stale} stale decision{'s' if n_stale != 1 else ''} (made on an older version)"
    return line
