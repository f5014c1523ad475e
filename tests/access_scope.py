"""What each role may see, and the judge of what a page showed them: shared by the AppTest matrix
(tests/test_every_page_every_role.py) and the Chromium one with the real sign-in (tests/e2e/test_every_page_per_role.py).

The world: one store holding a saved plan "Prop" under review, with another manager's decision note and account
comment in it.  The manager of team M-03 may see the accounts a team rep owns in today's plan or in "Prop", and the
people on the other side of those accounts' moves (their owner in the other plan), as the Disruption page says ("the
accounts leaving or joining it"); no other account id, rep id or rep name, and no other manager's review notes.
A role without VIEW_QUOTA sees no quota figure, one without VIEW_COMP no comp or cost figure: a figure is a table or
download column named for it with a value in it, or a sentence, metric or input naming it next to a number.  Nobody
sees a traceback, "DeltaGenerator" or "object at 0x".

What a page showed is gathered in a :class:`Seen`: strings and tables read from Streamlit's element protos (the
AppTest tree, or the ForwardMsgs on the browser's websocket) and from the files behind download buttons.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planning.access import Permission, Role, User, team_account_ids, team_rep_ids

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


# ---------------------------------------------------------------------------------------------------- the world
@dataclass
class World:
    store: object
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


def build_world(store, sample) -> World:
    """Save "Prop" in ``store``, submit it for review with the other managers' notes and comment, and work out what
    lies outside team M-03's scope."""
    from planning.plans import review

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
    return World(store, frozenset(out_acc), frozenset(out_reps), frozenset(out_names), export.encode())


# ---------------------------------------------------------------------------------------------------- collecting
@dataclass
class Seen:
    """What one page run put on the screen: strings, tables (rendered and downloaded), and any exception."""

    texts: list[tuple[str, str]] = field(default_factory=list)  # (where, text)
    frames: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    downloads: bool = True  # read the files behind download buttons (only where a scope check applies: slow)


def checked(user: User) -> bool:
    """True when a scope, quota or comp check applies to ``user`` (the downloads are worth reading)."""
    return user.scoped or not (user.can(Permission.VIEW_QUOTA) and user.can(Permission.VIEW_COMP))


def _repeated(fd) -> bool:
    rep = getattr(fd, "is_repeated", None)
    return rep if rep is not None else fd.label == fd.LABEL_REPEATED


def _arrow_frame(data: bytes) -> pd.DataFrame | None:
    import pyarrow as pa

    try:
        return pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pandas()
    except Exception:  # noqa: BLE001 - not Arrow (an image, a file): nothing to read as a table
        return None


def read_proto(msg, seen: Seen, where: str, known: set | None = None) -> None:
    """Every string of a protobuf message (an element, or a whole ForwardMsg) and every Arrow table in its bytes;
    with ``known``, each value only the first time (a rerun sends a page's elements again)."""
    for fd, val in msg.ListFields():
        for v in (val if _repeated(fd) else [val]):
            if fd.type == fd.TYPE_MESSAGE:
                read_proto(v, seen, where, known)
                continue
            if fd.type not in (fd.TYPE_STRING, fd.TYPE_BYTES) or (known is not None and hash(v) in known):
                continue
            if known is not None:
                known.add(hash(v))
            if fd.type == fd.TYPE_STRING:
                seen.texts.append((where, v))
            elif (df := _arrow_frame(v)) is not None:
                seen.frames.append((where, df))


def read_download(data: bytes, name: str, mime: str, seen: Seen) -> None:
    """A downloaded file: an Excel workbook's sheets, a zip's members, a CSV's table, any text as text."""
    if data[:2] == b"PK":
        z = zipfile.ZipFile(io.BytesIO(data))
        if any(n.startswith("xl/") for n in z.namelist()):
            for sheet, df in pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str).items():
                seen.frames.append((f"download {name}:{sheet}", df))
            return
        for member in z.namelist():
            read_download(z.read(member), f"{name}/{member}", "", seen)
        return
    text = data.decode("utf-8", errors="replace")
    seen.texts.append((f"download {name}", text))
    if "csv" in mime or name.lower().endswith(".csv"):
        try:
            seen.frames.append((f"download {name}", pd.read_csv(io.StringIO(text), dtype=str)))
        except Exception:  # noqa: BLE001 - kept as text above
            pass


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


def _naming_rows(df: pd.DataFrame, pattern: re.Pattern) -> list[str]:
    """The rows of ``df`` with a cell naming ``pattern`` that is not itself a figure, each as "a | b | c" (cell by
    cell, column-wise: a 6,000-row report is read in well under a second)."""
    text = df.astype(str).fillna("nan")  # as str() reads a missing cell
    hit = pd.Series(False, index=range(len(text)))
    for j in range(text.shape[1]):
        col = text.iloc[:, j].reset_index(drop=True)
        hit |= col.str.contains(pattern) & ~col.str.fullmatch(FIGURE)
    return [" | ".join(r) for r in text.loc[hit.to_numpy()].itertuples(index=False)]


def _figures(seen: Seen, pattern: re.Pattern, what: str) -> list[str]:
    found = [f"{what} column {c!r} in {where}" for where, df in seen.frames for c in _figure_columns(df, pattern)]
    rows = [(where, r) for where, df in seen.frames for r in _naming_rows(df, pattern)]
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
    """Everything ``seen`` shows that ``user`` may not see, or that no one should (each a line saying where)."""
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
