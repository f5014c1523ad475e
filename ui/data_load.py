"""The Data page's upload and review: column mapping, title → role map, rate table, potential factors,
and after a load, what the loader did (detected CRM, titles, currency conversions, estimates, placing).

Only a user who may change data (sales ops, admins) sees the upload; each file is held to the size and row
limits of :class:`planning.data.uploads.UploadLimits` before it is parsed, read for the review and loaded in a
separate process (so a big file does not slow anyone else's page), and a load is shared by every session that
uploads the same files (:func:`ui.state.load_upload`)."""
from __future__ import annotations

import dataclasses
import os

import pandas as pd
import streamlit as st

from planning.access import AccessDenied, Permission, User, roles_with
from planning.data import (COLUMNS, ROLES, SEGMENTS, FileError, PotentialFactors, RateTable, Settings, SegmentPotential,
                           detect_source, dump_mapping, parse_mapping, potential_note, suggest_mapping,
                           suggest_title_map, title_map_dict)
from planning.data.uploads import FilePreview, UploadLimits
from planning.reporting import label
from ui import state
from ui.plain import md_escape
from ui.tables import column_config, show_table
from ui.widgets import download_file

TABLES = ("accounts", "reps", "targets", "history", "territories")
_SHARES = ("seat_share", "wallet_share")  # fractions in the settings, edited as percentages


def _pct_column(col: str):
    return st.column_config.NumberColumn(f"{label(col)} (%)", min_value=0.0, max_value=100.0, format="%.2f%%")


def _settings_editors() -> Settings:
    """Rate table and potential factors, editable; returns the settings the next load uses."""
    base = Settings()
    with st.popover("Currency rates and potential factors"):
        st.caption("Amounts in other currencies are converted to USD with these dated rates (USD for one unit). "
                   "A currency with no rate rejects the row, never a guess.")
        rates_in = base.currency.frame()
        rates = st.data_editor(rates_in, num_rows="dynamic", hide_index=True, key="rates_editor", placeholder="",
                               column_config=column_config(rates_in, {"usd_per_unit": st.column_config.NumberColumn(
                                   label("usd_per_unit"), format="%.5f"),
                                   "source": st.column_config.TextColumn("Rate source")}))
        st.caption("Potential where the export has none: employees × seat share × seat price, or revenue × "
                   "IT-spend share × wallet share (industry rules of thumb; edit them to match your market). An "
                   "uploaded potential always wins.")
        seg_in = pd.DataFrame([{"segment": k, **dataclasses.asdict(v)} for k, v in base.potential.segments.items()])
        seg_in[list(_SHARES)] = seg_in[list(_SHARES)] * 100
        seg = st.data_editor(seg_in, hide_index=True, disabled=["segment"], key="potential_segments", placeholder="",
                             column_config=column_config(seg_in, {c: _pct_column(c) for c in _SHARES}))
        it_in = pd.DataFrame({"industry": list(base.potential.it_spend_share),
                              "it_spend_share": [v * 100 for v in base.potential.it_spend_share.values()]})
        it = st.data_editor(it_in, num_rows="dynamic", hide_index=True, key="potential_it", placeholder="",
                            column_config=column_config(it_in, {"it_spend_share": _pct_column("it_spend_share")}))
    try:
        table = RateTable.from_records(rates.dropna(subset=["currency", "usd_per_unit"]).to_dict("records"))
        factors = PotentialFactors(
            segments={r["segment"]: SegmentPotential(float(r["seat_price_usd"]), float(r["seat_share"]) / 100,
                                                     float(r["wallet_share"]) / 100) for _, r in seg.iterrows()},
            it_spend_share={str(r["industry"]): float(r["it_spend_share"]) / 100 for _, r in it.dropna().iterrows()})
    except (TypeError, ValueError, KeyError) as exc:
        st.error(f"Rates or potential factors not usable ({md_escape(exc)}); the defaults are used.")
        return base
    return dataclasses.replace(base, currency=table, potential=factors)


def _review_columns(table: str, raw: FilePreview, saved: dict) -> dict[str, str]:
    src = list(raw.columns)
    auto = suggest_mapping(table, src)
    auto.update({k: v for k, v in saved.get(table, {}).items() if k in src})
    source = detect_source(src)
    st.markdown(f"**{table.capitalize()}** · {md_escape(raw.file)} · {raw.rows:,} rows · "
                f"detected source: **{source or 'generic CSV'}**")
    edited = st.data_editor(
        pd.DataFrame({"source column": src, "maps to": [auto.get(c, "") for c in src]}),
        column_config={"maps to": st.column_config.SelectboxColumn(options=[""] + [c.name for c in COLUMNS[table]])},
        disabled=["source column"], hide_index=True, key=f"map_{table}", placeholder="")
    return dict(zip(edited["source column"], edited["maps to"].fillna("")))


def _review_titles(raw: FilePreview, mapping: dict[str, str], saved: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(the whole title map, for the mapping file; the entries the user set, for the load).

    Only the user's own entries go to the loader, so titles it had to guess still get their warning.
    """
    role_src = next((k for k, v in mapping.items() if v == "role"), None)
    if role_src is None:
        return {}, {}
    titles = raw.column(role_src)
    if titles is None:
        st.caption(f"*{md_escape(role_src)}* has too many different values to review as job titles here; each is "
                   "read as a role by the loader's rules, and any it cannot read is reported after the load.")
        return {}, {}
    table = suggest_title_map(titles, saved.get("titles"))
    st.markdown(f"**Title → role map** (from *{md_escape(role_src)}*; edit a row to change how that title loads)")
    edited = st.data_editor(
        table, hide_index=True, key="title_map", placeholder="",
        disabled=["title", "how", "closest_known_title", "rows"],
        column_config=column_config(table, {
            "role": st.column_config.SelectboxColumn(label("role"), options=list(ROLES)),
            "segment": st.column_config.SelectboxColumn(label("segment"), options=list(SEGMENTS))}))
    full, suggested = title_map_dict(edited), title_map_dict(table)
    changed = {k: v for k, v in full.items() if suggested.get(k) != v or k in (saved.get("titles") or {})}
    return full, changed


def upload_limits() -> UploadLimits:
    """This server's per-file limits (settings defaults, or $PLANNER_UPLOAD_MAX_MB / $PLANNER_UPLOAD_MAX_ROWS)."""
    return UploadLimits.from_settings(Settings(), os.environ)


_PREVIEWS = "_upload_previews"  # this session's files → their preview or refusal, so a rerun reads nothing


def _checked_read(f, limits: UploadLimits, memo: dict) -> FilePreview | None:
    """The uploaded file as the review needs it, or None after saying which limit it breaks or why it is
    unreadable.  Checked against the limits on its bytes first; read in the upload worker process."""
    key = (f.file_id, f.name, limits)
    if key not in memo:
        try:
            with st.spinner(f"Reading {f.name} in the background…", show_time=True):
                memo[key] = state.preview_upload(f.name, f.getvalue(), limits)
        except (FileError, ValueError) as exc:  # unreadable, over a limit, or the worker's own message
            memo[key] = f"Not used — {exc}"
    found = memo[key]
    if isinstance(found, str):
        st.error(found)
        return None
    return found


def upload_section(user: User) -> None:
    """Upload, review the mapping and the title map, edit rates and factors, load (for those who may)."""
    if not user.can(Permission.EDIT_PLANS):
        who = ", ".join(r.title for r in roles_with(Permission.EDIT_PLANS))
        st.caption(f"Loading a CRM export replaces the data everyone plans on, so it is for {who}; you "
                   f"({user.role.title}) see the data loaded for you.")
        return
    limits = upload_limits()
    with st.expander("Load your own CRM export (replaces the sample company for this session)"):
        st.caption(f"Each file may be up to {limits.max_mb:,g} MB and {limits.max_rows:,} rows.")
        up = {t: st.file_uploader(f"{t.capitalize()} file{' (required)' if t in ('accounts', 'reps') else ''}",
                                  type=["csv", "txt", "xlsx", "xls", "parquet"], key=f"upload_{t}",
                                  max_upload_size=limits.uploader_mb) for t in TABLES}
        map_file = st.file_uploader("Saved mapping file (optional; YAML or JSON)", type=["yaml", "yml", "json"],
                                    key="upload_mapping", max_upload_size=1)
        saved: dict = {}
        if map_file is not None:
            try:
                saved = parse_mapping(map_file.getvalue().decode("utf-8-sig"), map_file.name)
            except Exception as exc:  # noqa: BLE001 - bad encoding, JSON or YAML: say so, keep the page
                st.error(f"Mapping file not used: {md_escape(exc)}")
        settings = _settings_editors()
        mappings: dict[str, dict[str, str]] = {}
        full_titles: dict[str, str] = {}
        refused = False
        kept = st.session_state.get(_PREVIEWS, {})
        memo = {k: v for k, v in kept.items() if any(f is not None and k[0] == f.file_id for f in up.values())}
        st.session_state[_PREVIEWS] = memo
        for table, f in up.items():
            raw = _checked_read(f, limits, memo) if f is not None else None
            if raw is None:
                refused = refused or f is not None
                continue
            mappings[table] = _review_columns(table, raw, saved)
            if table == "reps":
                full_titles, mappings["titles"] = _review_titles(raw, mappings[table], saved)
        if mappings:
            download_file("Download this mapping (YAML)", dump_mapping({**mappings, "titles": full_titles}),
                          "mapping.yaml", "application/x-yaml", key="mapping_download",
                          help="Reuse it here or in the CLI: python -m planning validate --mapping mapping.yaml")
        c1, c2 = st.columns(2)
        if c1.button("Load these files", type="primary", disabled=refused or not (up["accounts"] and up["reps"])):
            _load(user, up, mappings, settings, limits)
        if c2.button("Back to the sample company"):
            state.use_sample()
            st.rerun()


def _load(user: User, up: dict, mappings: dict, settings: Settings, limits: UploadLimits) -> None:
    files = {t: (f.name, f.getvalue()) for t, f in up.items() if f is not None}
    rows = sum(r.rows for k, r in st.session_state.get(_PREVIEWS, {}).items() if isinstance(r, FilePreview))
    try:
        with st.spinner(f"Loading and validating {rows:,} rows in the background; other users' pages are not "
                        "slowed…", show_time=True):
            state.load_upload(user, files, mappings, settings, limits)
    except AccessDenied as exc:
        st.error(str(exc))
        return
    except (FileError, ValueError) as exc:  # unreadable, a required column missing, over a limit (UploadTooLarge),
        st.error(f"Not loaded — {md_escape(exc)}. The data in use is unchanged.")  # or the worker's own message (UploadFailed)
        return
    st.rerun()


def loader_report(ds) -> None:
    """What the loader did with this export: source, titles, currencies, estimates, placing."""
    rep = ds.report
    sources = rep.sources()
    if sources:
        st.markdown("**Detected source:** " + " · ".join(f"{t}: **{s}**" for t, s in sources.items()))
    titles = rep.tables["reps"].titles if "reps" in rep.tables else None
    conv = rep.conversions_frame()
    acc = ds.accounts
    note = potential_note(acc)
    if note:
        st.info(note)
    if titles is not None and len(titles) and not (titles["how"] == "exact").all():
        st.markdown("**Job titles read as roles** (edit the title map in the upload section to change them)")
        st.caption(" · ".join(f"{md_escape(r['title'])} → {r['role'] if isinstance(r['role'], str) else 'unknown'}"
                              + (f" ({r['segment']})" if isinstance(r["segment"], str) else "")
                              + (" (guess)" if r["how"] == "guess" else "") for _, r in titles.iterrows()))
        show_table(titles, key="loader_titles")
    if len(conv):
        st.markdown("**Currency conversions** (the original amount and its currency are kept beside each "
                    "converted amount)")
        st.caption(" · ".join(f"{r['currency']} → USD at {r['usd_per_unit']:g} ({r['rate_date']}): "
                              f"{r['rows']:,} row(s) of {label(r['column'])}" for _, r in conv.iterrows()))
        show_table(conv.assign(column=conv["column"].map(label)), key="loader_conversions")
    if "geo_precision" in acc and "country" in acc and (acc["country"] != "US").any():
        prec = acc.groupby(["country", "geo_precision"]).size().rename("accounts").reset_index()
        st.markdown("**Where accounts are placed** (how precisely each account was located: postal code, "
                    "coordinates, city, region or country)")
        show_table(prec, key="loader_placing")
