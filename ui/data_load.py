"""The Data page's upload and review: column mapping, title → role map, rate table, potential factors,
and after a load, what the loader did (detected CRM, titles, currency conversions, estimates, placing)."""
from __future__ import annotations

import dataclasses
import hashlib

import pandas as pd
import streamlit as st

from planning.data import (COLUMNS, ROLES, SEGMENTS, FileError, PotentialFactors, RateTable, Settings, SegmentPotential,
                           detect_source, dump_mapping, load_dataset, parse_mapping, potential_note, read_table,
                           suggest_mapping, suggest_title_map, title_map_dict)
from ui import state

TABLES = ("accounts", "reps", "targets", "history", "territories")


def _settings_editors() -> Settings:
    """Rate table and potential factors, editable; returns the settings the next load uses."""
    base = Settings()
    with st.popover("Currency rates and potential factors"):
        st.caption("Amounts in other currencies are converted to USD with these dated rates (USD for one unit). "
                   "A currency with no rate rejects the row, never a guess.")
        rates = st.data_editor(base.currency.frame(), num_rows="dynamic", hide_index=True, key="rates_editor",
                               column_config={"usd_per_unit": st.column_config.NumberColumn(format="%.5f")})
        st.caption("Potential where the export has none: employees × seat share × seat price, or revenue × "
                   "IT-spend share × wallet share (shared/domain.md). An uploaded potential always wins.")
        seg = pd.DataFrame([{"segment": k, **dataclasses.asdict(v)} for k, v in base.potential.segments.items()])
        seg = st.data_editor(seg, hide_index=True, disabled=["segment"], key="potential_segments")
        it = st.data_editor(pd.DataFrame({"industry": list(base.potential.it_spend_share),
                                          "it_spend_share": list(base.potential.it_spend_share.values())}),
                            num_rows="dynamic", hide_index=True, key="potential_it")
    try:
        table = RateTable.from_records(rates.dropna(subset=["currency", "usd_per_unit"]).to_dict("records"))
        factors = PotentialFactors(
            segments={r["segment"]: SegmentPotential(float(r["seat_price_usd"]), float(r["seat_share"]),
                                                     float(r["wallet_share"])) for _, r in seg.iterrows()},
            it_spend_share={str(r["industry"]): float(r["it_spend_share"]) for _, r in it.dropna().iterrows()})
    except (TypeError, ValueError, KeyError) as exc:
        st.error(f"Rates or potential factors not usable ({exc}); the defaults are used.")
        return base
    return dataclasses.replace(base, currency=table, potential=factors)


def _review_columns(table: str, raw, saved: dict) -> dict[str, str]:
    auto = suggest_mapping(table, list(raw.frame.columns))
    auto.update({k: v for k, v in saved.get(table, {}).items() if k in raw.frame.columns})
    src = [c for c in raw.frame.columns if c != "source_row"]
    source = detect_source(src)
    st.markdown(f"**{table.capitalize()}** · {raw.file} · {len(raw.frame):,} rows · "
                f"detected source: **{source or 'generic CSV'}**")
    edited = st.data_editor(
        pd.DataFrame({"source column": src, "maps to": [auto.get(c, "") for c in src]}),
        column_config={"maps to": st.column_config.SelectboxColumn(options=[""] + [c.name for c in COLUMNS[table]])},
        disabled=["source column"], hide_index=True, key=f"map_{table}")
    return dict(zip(edited["source column"], edited["maps to"].fillna("")))


def _review_titles(raw, mapping: dict[str, str], saved: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(the whole title map, for the mapping file; the entries the user set, for the load).

    Only the user's own entries go to the loader, so titles it had to guess still get their warning.
    """
    role_src = next((k for k, v in mapping.items() if v == "role"), None)
    if role_src is None:
        return {}, {}
    table = suggest_title_map(raw.frame[role_src], saved.get("titles"))
    st.markdown(f"**Title → role map** (from *{role_src}*; edit a row to change how that title loads)")
    edited = st.data_editor(
        table, hide_index=True, key="title_map", disabled=["title", "how", "closest_known_title", "rows"],
        column_config={"role": st.column_config.SelectboxColumn(options=list(ROLES)),
                       "segment": st.column_config.SelectboxColumn(options=list(SEGMENTS))})
    full, suggested = title_map_dict(edited), title_map_dict(table)
    changed = {k: v for k, v in full.items() if suggested.get(k) != v or k in (saved.get("titles") or {})}
    return full, changed


def upload_section() -> None:
    """Upload, review the mapping and the title map, edit rates and factors, load."""
    with st.expander("Load your own CRM export (replaces the sample company for this session)"):
        up = {t: st.file_uploader(f"{t.capitalize()} file{' (required)' if t in ('accounts', 'reps') else ''}",
                                  type=["csv", "txt", "xlsx", "xls", "parquet"], key=f"upload_{t}") for t in TABLES}
        map_file = st.file_uploader("Saved mapping file (optional; YAML or JSON)", type=["yaml", "yml", "json"],
                                    key="upload_mapping")
        saved: dict = {}
        if map_file is not None:
            try:
                saved = parse_mapping(map_file.getvalue().decode("utf-8-sig"), map_file.name)
            except (ValueError, UnicodeDecodeError) as exc:
                st.error(f"Mapping file not used: {exc}")
            except Exception as exc:  # noqa: BLE001 - a YAML syntax error: say so, keep the page
                st.error(f"Mapping file not used: {exc}")
        settings = _settings_editors()
        mappings: dict[str, dict[str, str]] = {}
        full_titles: dict[str, str] = {}
        for table, f in up.items():
            if f is None:
                continue
            try:
                raw = read_table(f.getvalue(), f.name)
            except FileError as exc:
                st.error(str(exc))
                continue
            mappings[table] = _review_columns(table, raw, saved)
            if table == "reps":
                full_titles, mappings["titles"] = _review_titles(raw, mappings[table], saved)
        if mappings:
            st.download_button("Download this mapping (YAML)", dump_mapping({**mappings, "titles": full_titles}),
                               "mapping.yaml",
                               mime="application/x-yaml", key="mapping_download",
                               help="Reuse it here or in the CLI: python -m planning validate --mapping mapping.yaml")
        c1, c2 = st.columns(2)
        if c1.button("Load these files", type="primary", disabled=not (up["accounts"] and up["reps"])):
            try:
                files = {t: f.getvalue() for t, f in up.items() if f is not None}
                new = load_dataset(**files, mappings=mappings, settings=settings,
                                   filenames={t: f.name for t, f in up.items() if f},
                                   as_of=pd.Timestamp.today().normalize(), name=up["accounts"].name)
                digest = hashlib.sha1(b"".join(files.values()) + repr(mappings).encode()).hexdigest()[:12]
                state.set_dataset(new, digest)
                st.rerun()
            except (FileError, ValueError) as exc:
                st.error(f"Not loaded — {exc}. The data in use is unchanged.")
        if c2.button("Back to the sample company"):
            st.session_state.pop("dataset", None)
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
        st.caption(" · ".join(f"{r['title']} → {r['role'] if isinstance(r['role'], str) else 'unknown'}"
                              + (f" ({r['segment']})" if isinstance(r["segment"], str) else "")
                              + (" (guess)" if r["how"] == "guess" else "") for _, r in titles.iterrows()))
        st.dataframe(titles, hide_index=True, width="stretch")
    if len(conv):
        st.markdown("**Currency conversions** (original amounts are kept in `<column>_original` / `_currency`)")
        st.caption(" · ".join(f"{r['currency']} → USD at {r['usd_per_unit']:g} ({r['rate_date']}): {r['rows']} row(s) "
                              f"of {r['column']}" for _, r in conv.iterrows()))
        st.dataframe(conv, hide_index=True, width="stretch",
                     column_config={"original_total": st.column_config.NumberColumn(format="%,.0f"),
                                    "usd_total": st.column_config.NumberColumn(format="dollar")})
    if "geo_precision" in acc and "country" in acc and (acc["country"] != "US").any():
        prec = acc.groupby(["country", "geo_precision"]).size().rename("accounts").reset_index()
        st.markdown("**Where accounts are placed** (precision: zip, coordinates, city, region, country)")
        st.dataframe(prec, hide_index=True, width="stretch")
