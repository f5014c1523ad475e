"""Every page × every role (AppTest): what each role's browser would receive, checked for scope.

The pages are enumerated from pages/*.py, so a new page is covered without touching this file.  Each page runs as
each of the six roles against one store holding a saved plan "Prop" under review (another manager's decision note
and account comment in it).  Every rendered string is collected: markdown, captions, alerts, metrics, widget labels,
values and options, table cells and column names (and their labels), chart data, and the bytes of every download
button (CSV, Excel, zip).  A second pass picks "Prop" wherever a plan is picked, the account and rep pickers of the
comment box, and uploads a one-row CRM export where a page takes one.  Streamlit renders every tab and expander's
content on each run, so AppTest sees them without clicking.

Asserted, per page and role:
* no exception, "Traceback", "DeltaGenerator" or "object at 0x";
* the manager (team M-03) sees no account id, rep id or rep name outside their team.  The team's accounts are those a
  team rep owns in today's plan or in "Prop"; the people on the other side of those accounts' moves (their owner in
  the other plan) may be named, as the Disruption page says ("the accounts leaving or joining it"); other managers'
  review notes and comments never show;
* a role without VIEW_QUOTA sees no quota figure, a role without VIEW_COMP no comp or cost figure.  A figure is a
  table or download column named for it with a value in it, or a sentence, metric or input naming it next to a
  number.

A page that still leaks is marked ``xfail(strict=True)`` in KNOWN with what leaks, so the suite stays green and the
mark must go when the page is fixed.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from planning.access import Permission, Role, User, team_account_ids, team_rep_ids
from planning.plans import PlanStore, review

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "pages").glob("[0-9]*_*.py"), key=lambda p: int(p.stem.split("_")[0]))
TEAM = "M-03"
ROLES = {
    "admin": User("boss@acme.test", "Boss", Role.ADMIN, source="oidc"),
    "sales_ops": User("olive@acme.test", "Olive", Role.SALES_OPS, source="oidc"),
    "finance": User("finn@acme.test", "Finn", Role.FINANCE, source="oidc"),
    "leadership": User("lee@acme.test", "Lee", Role.LEADERSHIP, source="oidc"),
    "manager": User("fatima@acme.test", "Fatima", Role.MANAGER, manager_id=TEAM, source="oidc"),
    "viewer": User("vic@acme.test", "Vic", Role.VIEWER, source="oidc"),
}
OTHER_MGR = User("ava@acme.test", "Ava", Role.MANAGER, manager_id="M-01", source="oidc")
THIRD_MGR = User("isaac@acme.test", "Isaac", Role.MANAGER, manager_id="M-02", source="oidc")
OTHER_TEXTS = ("Zebra note from team M-01", "Zebra comment on an M-01 account", "Zebra changes for team M-02")
BROKEN = ("Traceback", "DeltaGenerator", "object at 0x")
QUOTA = re.compile(r"quota", re.I)
COMP = re.compile(r"cost|payout|salary|commission|variable|\bote\b|_ote\b|\bote_|pay[ _]mix|\bcomp\b|comp_|\bpay\b",
                  re.I)
FIGURE = re.compile(r"\$\s?-?\d|\d\s?%|\d{1,3}(?:,\d{3})+|\b\d{5,}\b|\b\d+\.\d+\b")
SENTENCES = re.compile(r"(?<=[.!?])\s+|\n|·|;|\|")

# (page stem, role) → what it leaks today.  strict: the mark fails the suite once the page is fixed; remove it then.
KNOWN: dict[tuple[str, str], str] = {}


# ---------------------------------------------------------------------------------------------------- the world
@dataclass
class World:
    store: PlanStore
    out_accounts: frozenset[str]
    out_rep_ids: frozenset[str]
    out_names: frozenset[str]
    crm_export: bytes
    rep_pattern: re.Pattern = field(init=False)
    name_pattern: re.Pattern = field(init=False)

    def __post_init__(self):
        self.rep_pattern = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, sorted(self.out_rep_ids)))
                                      + r")(?![A-Za-z0-9])")
        self.name_pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(self.out_names, key=len,
                                                                                reverse=True))) + r")\b")


def _proposal(cur, team):
    """400 moves among the other teams (as tests/test_access_pages.py makes "Prop"), plus 3 of the team's accounts
    to Hugo Chen (R-012) and 2 of Marco Wilson's (R-013) into the team: the team's only counterparts are R-012 and
    R-013, so every other rep is out of its scope."""
    owner = cur.territories["owner_rep_id"].astype(str)
    terrs = list(cur.territories.index)
    others = [t for t in terrs if owner[t] not in team]
    a = cur.assignment.dropna()
    outside = a.index[~a.isin(owner.index[owner.isin(team)]).to_numpy()]
    outside = [x for x in outside if owner[a[x]] not in ("R-012", "R-013")]
    moves = {x: others[(i * 7) % len(others)] for i, x in enumerate(outside[:400])}
    into = owner.index[(owner == "R-012").to_numpy()][0]
    mine = owner.index[owner.isin(team).to_numpy()][0]
    moves |= {x: into for x in a.index[a.isin(owner.index[owner.isin(team)]).to_numpy()][:3]}
    moves |= {x: mine for x in a.index[(a.map(owner) == "R-013").to_numpy()][:2]}
    return cur.with_moves(moves, name="Prop")


@pytest.fixture(scope="module")
def world(sample, tmp_path_factory):
    import os

    old = os.environ.get("DATABASE_URL")
    url = f"sqlite:///{tmp_path_factory.mktemp('every_page') / 'plans.sqlite'}"
    os.environ["DATABASE_URL"] = url
    store = PlanStore(url)
    reps = sample.reps
    cur = sample.current_plan()
    store.save_plan(_proposal(cur, team_rep_ids(ROLES["manager"], reps)), author="ops")
    prop = store.load_plan("Prop")
    review.submit(store, ROLES["sales_ops"], "Prop", note="please review")
    review.decide(store, OTHER_MGR, "Prop", None, "approve", note=OTHER_TEXTS[0])
    m1 = sorted(team_account_ids(OTHER_MGR, reps, sample.accounts, [cur, prop]))[0]
    review.comment(store, OTHER_MGR, "Prop", None, OTHER_TEXTS[1], "account", m1)
    review.decide(store, THIRD_MGR, "Prop", None, "request_changes", note=OTHER_TEXTS[2])

    mgr = ROLES["manager"]
    team = team_rep_ids(mgr, reps)
    mine = set(team_account_ids(mgr, reps, sample.accounts, [cur, prop]))
    # the other side of the team's moves: who owns the team's accounts in either plan (named on Disruption)
    owners = pd.concat([cur.owners(), prop.owners()])
    sides = set(owners.loc[owners.index.astype(str).isin(mine)].dropna().astype(str))
    out_reps = set(reps["rep_id"].astype(str)) - set(team) - sides
    out_names = set(reps.loc[reps["rep_id"].astype(str).isin(out_reps), "name"].dropna().astype(str))
    out_acc = set(sample.accounts["account_id"].astype(str)) - mine
    one = sample.accounts.loc[sample.accounts["owner_rep_id"].astype(str).isin(team)].head(1)
    export = one[["account_id", "name", "postal_code", "arr_usd", "owner_rep_id", "segment"]].to_csv(index=False)
    yield World(store, frozenset(out_acc), frozenset(out_reps), frozenset(out_names), export.encode())
    if old is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = old


# ---------------------------------------------------------------------------------------------------- collecting
@dataclass
class Seen:
    """What one page run put on the screen: strings, tables (rendered and downloaded), and any exception."""

    texts: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    frames: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    downloads: bool = True  # read the files behind download buttons (only where a scope check applies: slow)


class _Recorder:
    """Keeps the media file manager of each AppTest run, so a download button's bytes can be read back."""

    managers: list = []


def _install_recorder(monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import app_test

    class Recording(MediaFileManager):
        def __init__(self, storage):
            super().__init__(storage)
            _Recorder.managers.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Recording)


def _repeated(fd) -> bool:
    rep = getattr(fd, "is_repeated", None)
    return rep if rep is not None else fd.label == fd.LABEL_REPEATED


def _arrow_frame(data: bytes) -> pd.DataFrame | None:
    import pyarrow as pa

    try:
        return pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pandas()
    except Exception:  # noqa: BLE001 - not Arrow (an image, a file): nothing to read as a table
        return None


def _proto(msg, seen: Seen, where: str) -> None:
    for fd, val in msg.ListFields():
        for v in (val if _repeated(fd) else [val]):
            if fd.type == fd.TYPE_MESSAGE:
                _proto(v, seen, where)
            elif fd.type == fd.TYPE_STRING:
                seen.texts.append((where, v))
            elif fd.type == fd.TYPE_BYTES and (df := _arrow_frame(v)) is not None:
                seen.frames.append((where, df))


def _download(data: bytes, name: str, mime: str, seen: Seen) -> None:
    if data[:2] == b"PK":
        z = zipfile.ZipFile(io.BytesIO(data))
        if any(n.startswith("xl/") for n in z.namelist()):
            for sheet, df in pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str).items():
                seen.frames.append((f"download {name}:{sheet}", df))
            return
        for member in z.namelist():
            _download(z.read(member), f"{name}/{member}", "", seen)
        return
    text = data.decode("utf-8", errors="replace")
    seen.texts.append((f"download {name}", text))
    if "csv" in mime or name.lower().endswith(".csv"):
        try:
            seen.frames.append((f"download {name}", pd.read_csv(io.StringIO(text), dtype=str)))
        except Exception:  # noqa: BLE001 - kept as text above
            pass


def _download_file(proto):
    """The file behind a download button (executing a deferred one, as a click would), or None."""
    mgr = _Recorder.managers[-1] if _Recorder.managers else None
    if mgr is None:
        return None
    url = proto.url
    if not url and proto.deferred_file_id:
        url = mgr.execute_deferred(proto.deferred_file_id)
    if not url:
        return None
    return mgr._storage.get_file(url.rsplit("/", 1)[-1])


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def collect(at: AppTest, seen: Seen, downloads: bool = True) -> None:
    """Every string, table and exception of the run into ``seen``; with ``downloads``, the files behind the
    download buttons too (read as a click would fetch them)."""
    for node in _walk(at._tree):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind == "exception":
            seen.exceptions.append(f"{node.value}")
        if proto is not None:
            _proto(proto, seen, kind)
        if kind == "metric":
            seen.texts.append((kind, f"{node.label}: {node.value}"))
        elif kind in ("number_input", "slider", "text_input", "selectbox", "radio", "select_slider"):
            try:
                seen.texts.append((kind, f"{node.label}: {node.value}"))
            except Exception:  # noqa: BLE001 - a widget without a readable value still gave its proto strings
                pass
        elif kind == "download_button" and downloads and (f := _download_file(proto)) is not None:
            _download(f.content, f.filename or proto.label, f.mimetype or "", seen)


# ---------------------------------------------------------------------------------------------------- driving
def _run(at: AppTest, seen: Seen) -> AppTest:
    at.run()
    collect(at, seen, seen.downloads)
    return at


def _explore(at: AppTest, world: World, seen: Seen) -> None:
    """Pick the saved plan wherever a plan is picked, comment on an account then a rep, upload a CRM export."""
    changed = False
    for sb in at.selectbox:
        opts = list(sb.options)
        want = next((i for i, o in enumerate(opts) if re.match(r"^Prop\b", str(o))), None)
        if want is None and "account" in opts:
            want = opts.index("account")
        if want is not None and sb.index != want:
            sb.select_index(want)
            changed = True
    for up in at.get("file_uploader"):
        if up.key == "chg_file":
            up.set_value(("crm_export.csv", world.crm_export, "text/csv"))
            changed = True
    if not changed:
        return
    _run(at, seen)
    reps = [sb for sb in at.selectbox if "rep" in list(sb.options) and "account" in list(sb.options)]
    for sb in reps:
        sb.select_index(list(sb.options).index("rep"))
    if reps:
        _run(at, seen)


def render(page: Path, user: User, world: World) -> Seen:
    seen = Seen(downloads=user.scoped or not (user.can(Permission.VIEW_QUOTA) and user.can(Permission.VIEW_COMP)))
    at = AppTest.from_file(str(page), default_timeout=180)
    at.session_state["_access_user"] = user
    _run(at, seen)
    if not at.exception:
        _explore(at, world, seen)
    return seen


# ---------------------------------------------------------------------------------------------------- judging
def _frame_text(df: pd.DataFrame) -> str:
    cols = " ".join(map(str, df.columns))
    return cols + "\n" + "\n".join(" ".join(map(str, row)) for row in df.astype(str).itertuples(index=False))


def _figure_columns(df: pd.DataFrame, pattern: re.Pattern) -> list[str]:
    out = []
    for c in df.columns:
        if pattern.search(str(c)):
            vals = df[c].dropna().astype(str).str.strip()
            if (vals.str.contains(r"\d") & ~vals.isin(["", "nan", "None", "–"])).any():
                out.append(str(c))
    return out


def _figure_sentences(texts: list[tuple[str, str]], pattern: re.Pattern) -> list[str]:
    hits = []
    for where, t in texts:
        for s in SENTENCES.split(t):
            if pattern.search(s) and FIGURE.search(s):
                hits.append(f"{s.strip()[:100]!r} ({where})")
    return hits


def _figures(seen: Seen, pattern: re.Pattern, what: str) -> list[str]:
    found = [f"{what} column {c!r} in {where}" for where, df in seen.frames for c in _figure_columns(df, pattern)]
    rows = [(where, " | ".join(map(str, r))) for where, df in seen.frames for r in df.astype(str).itertuples(index=False)
            if any(pattern.search(str(v)) for v in r if not FIGURE.fullmatch(str(v)))]
    found += [f"{what} figure {s}" for s in _figure_sentences(seen.texts + rows, pattern)]
    return sorted(set(found))


def _hits(chunks: list[tuple[str, str]], find) -> dict[str, set[str]]:
    """match → where it was seen, over every chunk."""
    out: dict[str, set[str]] = {}
    for where, text in chunks:
        for m in find(text):
            out.setdefault(m, set()).add(where)
    return out


def _describe(hits: dict[str, set[str]], what: str, n: int = 4) -> str:
    items = sorted(hits)
    where = sorted(set().union(*hits.values()))
    more = f" (+{len(items) - n} more)" if len(items) > n else ""
    return f"{len(items):,} {what}: {', '.join(items[:n])}{more} in {', '.join(where[:6])}"


def problems(seen: Seen, user: User, world: World) -> list[str]:
    chunks = seen.texts + [(where, _frame_text(df)) for where, df in seen.frames]
    out = [f"exception: {e[:200]}" for e in seen.exceptions]
    out += [f"shows {w!r} in {where}" for w in BROKEN for where, t in chunks if w in t][:6]
    if user.scoped:
        checks = {"out-of-team account ids": lambda t: set(re.findall(r"[0-9A-Za-z]{13}", t)) & world.out_accounts,
                  "out-of-team rep ids": lambda t: set(world.rep_pattern.findall(t)),
                  "out-of-team names": lambda t: set(world.name_pattern.findall(t)),
                  "other teams' review notes": lambda t: {x for x in OTHER_TEXTS if x in t}}
        out += [_describe(h, what) for what, find in checks.items() if (h := _hits(chunks, find))]
    if not user.can(Permission.VIEW_QUOTA):
        out += _figures(seen, QUOTA, "quota")[:6]
    if not user.can(Permission.VIEW_COMP):
        out += _figures(seen, COMP, "comp/cost")[:6]
    return out


def _cases():
    for page in PAGES:
        for role in ROLES:
            reason = KNOWN.get((page.stem, role))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(page, role, id=f"{page.stem}-{role}", marks=marks)


@pytest.mark.parametrize(("page", "role"), list(_cases()))
def test_page_shows_only_what_the_role_may_see(page, role, world, monkeypatch):
    _install_recorder(monkeypatch)
    user = ROLES[role]
    seen = render(page, user, world)
    assert seen.texts, f"{page.name} as {role} drew nothing"
    found = problems(seen, user, world)
    assert not found, f"{page.name} as {role}:\n  " + "\n  ".join(found)


def test_every_page_is_covered():
    """A page added under pages/ is in the matrix; KNOWN names only pages and roles that exist."""
    assert len(PAGES) >= 10 and all(p.stem.split("_")[0].isdigit() for p in PAGES)
    stems = {p.stem for p in PAGES}
    assert all(s in stems and r in ROLES for s, r in KNOWN)


LEAKY = """
import pandas as pd
import streamlit as st

st.title("Leaky")
st.dataframe(pd.DataFrame({"account_id": ["{acc}"], "owner": ["{name}"]}))
st.metric("Quota coverage", "112%")
st.caption("AE cost $1.20M this year")
st.download_button("Costs", data="rep_id,comp_cost_usd\\n{rep},1000\\n", file_name="costs.csv", mime="text/csv")
st.markdown(str(object()))
"""


def test_the_checker_sees_each_kind_of_leak(world, monkeypatch):
    """The judge itself: a page drawing one of each leak (an out-of-team account in a table, a name, a rep id in a
    download, quota and cost figures, an object repr) is caught on each count, and names where it saw it."""
    _install_recorder(monkeypatch)
    acc, rep, name = sorted(world.out_accounts)[0], sorted(world.out_rep_ids)[0], sorted(world.out_names)[0]
    at = AppTest.from_string(LEAKY.replace("{acc}", acc).replace("{rep}", rep).replace("{name}", name),
                             default_timeout=60)
    seen = Seen()
    collect(at.run(), seen)
    found = "\n".join(problems(seen, ROLES["viewer"], world) + problems(seen, ROLES["manager"], world))
    assert f"1 out-of-team account ids: {acc} in dataframe" in found
    assert f"out-of-team names: {name}" in found
    assert f"out-of-team rep ids: {rep} in download costs.csv" in found
    assert "'Quota coverage: 112%' (metric)" in found
    assert "comp/cost column 'comp_cost_usd' in download costs.csv" in found
    assert "comp/cost figure 'AE cost $1.20M this year'" in found
    assert "shows 'object at 0x' in markdown" in found
