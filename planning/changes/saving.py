"""Where a change starts and ends in the store: the plan it derives from, and its option saved as a change
version (then, if asked, submitted for review).  Both go through the user's :class:`planning.access.ScopedView`,
so the role rules are the store's: only a role that may edit plans saves, only one that may submit submits."""
from __future__ import annotations

from planning.changes.options import ChangeOption
from planning.changes.spec import ChangeError
from planning.plans.plan import Plan

CRM_PLAN = "Current CRM ownership"


def split_ref(ref: str) -> tuple[str, int | None]:
    """``"FY27@3"`` → ("FY27", 3); ``"FY27"`` → ("FY27", None) (the latest version)."""
    name, _, v = ref.rpartition("@")
    return (name, int(v)) if name and v.isdigit() else (ref, None)


def base_plan(sview, ref: str | None) -> tuple[Plan, int | None]:
    """The plan a change derives from: a saved plan (``name`` or ``name@version``) and its version, or today's CRM
    ownership (version None) when ``ref`` is empty or names it."""
    if not ref or ref == CRM_PLAN:
        return sview.current_plan(), None
    name, version = split_ref(ref)
    if sview.store is None:
        raise ChangeError("no plan store: only today's CRM ownership can be changed")
    plan = sview.load_plan(name, version)
    fit = sview.fit_check.plan(plan)  # a change to another dataset's plan would mix its accounts with these
    if not fit.usable:
        raise ChangeError(fit.message(repr(ref)))
    if version is None:
        version = int(sview.versions(name)["version"].max())
    return plan, version


def save_option(sview, option: ChangeOption, name: str, *, author: str = "", submit: bool = False,
                note: str = "") -> tuple[str, int]:
    """Save ``option``'s plan as a new version of ``name`` (a change version: kind, effective date and the rest in
    its settings) and, with ``submit``, put that version up for review → (name, version)."""
    if not option.ok:
        raise ChangeError(f"the option {option.title!r} has no plan to save")
    plan = option.plan
    v = sview.save_plan(plan, note=note or plan.note, name=name, author=author)
    version = int(getattr(v, "version", 0))
    if submit:
        from planning.plans.review import submit as submit_review

        submit_review(sview.store, sview.user, name, version, note=review_note(plan))
    return name, version


def review_note(plan) -> str:
    """The plan-level note a change version goes into review with. Every manager reads plan-level notes, so it names
    no person (the leaver may be in another team): "mid-year change effective 2027-04-01: a leaver's book, split
    over neighbours"."""
    from planning.changes.spec import ChangeSpec

    spec = ChangeSpec.from_dict((plan.settings or {}).get("change") or {})
    eff = spec.effective_date.strftime("%Y-%m-%d")
    if spec.kind == "leave":
        how = {"placeholder": "kept whole as an open territory", "split": "split over neighbours"}.get(spec.option, "")
        return f"mid-year change effective {eff}: a leaver's book" + (f", {how}" if how else "")
    return f"mid-year change effective {eff}: a new {spec.segment} territory in {spec.region}"
