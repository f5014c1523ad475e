"""Job titles → planning role (AE, SDR, SE, CSM, Manager, Channel) and, where the title names one, a segment.

CRM user exports carry titles ("Enterprise AE", "Sr. Account Executive", "BDR", "RVP Sales"), not roles.
The map from title to role is data: :func:`suggest_title_map` proposes one from :data:`TITLE_RULES` for the
distinct titles in a file, the user edits it (Data page, or the ``titles`` section of the ``--mapping`` file),
and :func:`apply_title_map` applies it to a column, one look-up per distinct title (never per row).
A title no rule recognises gets the closest known title as a *guess*, reported once per distinct title.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning.data.defaults import ROLES, SEGMENTS

# (pattern on the normalised title, role).  First match wins, so specific phrases come before generic words:
# "Customer Success Manager" is a CSM and "Partner Manager" works the channel, but "Sales Manager" manages.
TITLE_RULES: tuple[tuple[str, str], ...] = (
    (r"\b(customer success|csm|account manager|client success)\b", "CSM"),
    (r"\b(partner|channel|alliances?)\b", "Channel"),
    (r"\b(sales development|business development|sdr|bdr|lead development)\b", "SDR"),
    (r"\b(director|rvp|avp|vp|vice president|head of|chief|cro|manager|mgr|team lead)\b", "Manager"),
    (r"\b(se|solutions? engineer|sales engineer|solutions? consultant|solutions? architect|pre ?sales)\b", "SE"),
    (r"\b(ae|account executive|sales executive|account rep|sales rep|sales representative|territory rep)\b", "AE"),
)
SEGMENT_RULES: tuple[tuple[str, str], ...] = (
    (r"\b(enterprise|ent|strategic|major|global|key accounts?)\b", "Enterprise"),
    (r"\b(mid ?market|mm|commercial|corporate)\b", "Mid-market"),
    (r"\b(smb|small business|small|emerging|velocity)\b", "SMB"),
)
# Plain role words map to themselves (files that already carry roles).
_EXACT = {r.lower(): r for r in ROLES}


@dataclass(frozen=True)
class TitleRole:
    role: str | None  # None: not recognised
    segment: str | None
    rule: str  # "exact", "rule", "map" (the user's map), or "guess"
    guess_from: str = ""  # the known title a guess came from


def normalise_title(title: str) -> str:
    text = str(title).lower().replace("&", " and ")
    text = re.sub(r"\bsr\b\.?|\bsenior\b|\bjr\b\.?|\bjunior\b|\bprincipal\b|\blead\b(?! development)", " ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def classify_title(title: str) -> TitleRole:
    """The role and segment a title names by :data:`TITLE_RULES`, or ``role=None``."""
    norm = normalise_title(title)
    if norm in _EXACT:
        return TitleRole(_EXACT[norm], None, "exact")
    role = next((r for pat, r in TITLE_RULES if re.search(pat, norm)), None)
    segment = next((s for pat, s in SEGMENT_RULES if re.search(pat, norm)), None)
    if role not in (None, "AE", "Channel"):
        segment = None  # managers and support roles span segments unless the reps file says otherwise
    return TitleRole(role, segment, "rule" if role else "none")


# Known titles a guess is measured against (the words the rules above were written from).
KNOWN_TITLES: dict[str, str] = {
    "account executive": "AE", "enterprise ae": "AE", "mid market ae": "AE", "smb ae": "AE", "sales executive": "AE",
    "sales representative": "AE", "sdr": "SDR", "bdr": "SDR", "sales development representative": "SDR",
    "solutions engineer": "SE", "sales engineer": "SE", "solutions consultant": "SE", "presales": "SE",
    "customer success manager": "CSM", "account manager": "CSM", "sales manager": "Manager", "director": "Manager",
    "vp sales": "Manager", "rvp": "Manager", "partner manager": "Channel", "channel manager": "Channel",
}


def guess_title(title: str) -> TitleRole:
    """The closest known title (by spelling) for a title no rule matched; role None when nothing is close."""
    norm = normalise_title(title)
    close = difflib.get_close_matches(norm, list(KNOWN_TITLES), n=1, cutoff=0.6)
    if not close:
        return TitleRole(None, None, "none")
    return TitleRole(KNOWN_TITLES[close[0]], None, "guess", close[0])


def _entry(value) -> tuple[str | None, str | None]:
    """A user's map entry: "AE", "AE/Enterprise" or {role: AE, segment: Enterprise}."""
    if isinstance(value, dict):
        role, seg = value.get("role"), value.get("segment")
    else:
        role, _, seg = str(value).partition("/")
    role = _EXACT.get(str(role or "").strip().lower())
    seg = next((s for s in SEGMENTS if s.lower() == str(seg or "").strip().lower()), None)
    return role, seg


def suggest_title_map(titles: pd.Series, user_map: dict | None = None) -> pd.DataFrame:
    """One row per distinct non-blank title: title, role, segment, how (exact/rule/map/guess/none), rows.

    ``user_map`` entries (title → "AE/Enterprise" or {role, segment}) win over the rules.
    """
    text = titles.dropna().astype(str).str.strip()
    counts = text[text != ""].value_counts(sort=False)
    user = {normalise_title(k): _entry(v) for k, v in (user_map or {}).items()}
    rows = []
    for title, n in counts.items():
        if normalise_title(title) in user:
            role, seg = user[normalise_title(title)]
            tr = TitleRole(role, seg, "map")
        else:
            tr = classify_title(title)
            if tr.role is None:
                tr = guess_title(title)
        rows.append({"title": title, "role": tr.role, "segment": tr.segment, "how": tr.rule,
                     "closest_known_title": tr.guess_from, "rows": int(n)})
    cols = ["title", "role", "segment", "how", "closest_known_title", "rows"]
    return pd.DataFrame(rows, columns=cols).sort_values("title", kind="stable").reset_index(drop=True)


def title_map_dict(table: pd.DataFrame) -> dict[str, str]:
    """The map as saved in a mapping file: title → "Role" or "Role/Segment" (blank roles left out)."""
    out = {}
    for _, r in table.iterrows():
        role = r.get("role")
        if isinstance(role, str) and role:
            seg = r.get("segment")
            out[str(r["title"])] = f"{role}/{seg}" if isinstance(seg, str) and seg else role
    return out


def apply_title_map(titles: pd.Series, table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(role, segment) per row from a title map table; NaN where the title is blank or unmapped."""
    key = titles.astype(object).where(titles.notna(), "").astype(str).str.strip()
    by_title = table.set_index("title")
    role = key.map(by_title["role"]) if len(by_title) else pd.Series(np.nan, index=titles.index)
    seg = key.map(by_title["segment"]) if len(by_title) else pd.Series(np.nan, index=titles.index)
    return role.astype(object).where(role.notna(), np.nan), seg.astype(object).where(seg.notna(), np.nan)
