"""Publishing: the CRM export of an approved plan version, with who approved it in the export's manifest.

The one code path the Plans page and ``python -m planning export-crm`` share: check the version is approved,
build the files, record the publication in the review log, and attach the manifest.
"""
from __future__ import annotations

from planning.access import Permission, User, require
from planning.plans.crm import CrmExport, crm_export
from planning.plans import review


def publish_plan(store, user: User, name: str, version: int | None, ds, *, changed_only: bool = False,
                 with_quotas: bool = True, segment_field: str | None = None,
                 model_id: str = "") -> tuple[CrmExport, list[str]]:
    """(the export with its manifest, warnings).  Raises AccessDenied or ReviewError when it may not be published.
    ``segment_field`` / ``model_id``: the org's Account segment field and Territory2Model Id for the ETM rules."""
    require(user, Permission.PUBLISH)
    st = review.status(store, name, version)
    if st.state not in ("approved", "published"):
        raise review.ReviewError(f"{name} v{st.version} is {st.state.replace('_', ' ')}: only an approved version "
                                 "can be published to the CRM (Review page, or `python -m planning review`)")
    plan = store.load_plan(name, st.version)
    plan.name = f"{name} v{st.version}"
    warnings: list[str] = []
    q = None
    if with_quotas and len(ds.targets):
        from planning.compensation.quota import QuotaError, quota_for_plan

        try:
            q = quota_for_plan(plan, ds.accounts, ds.reps, ds.targets, ds.history, plan_year=ds.plan_year,
                               defaults=ds.settings)
        except QuotaError as exc:
            warnings.append(f"no quotas written ({exc})")
    export = crm_export(plan, ds.reps, before=ds.current_plan(), changed_only=changed_only, quotas=q,
                        plan_year=ds.plan_year, accounts=ds.accounts, segment_field=segment_field,
                        model_id=model_id)
    warnings += export.rules.problems if export.rules is not None else []
    export.manifest = {**review.record_publication(store, user, name, st.version),
                       "files": {k: int(v) for k, v in export.counts().items()}, "changed_only": changed_only}
    return export, warnings
