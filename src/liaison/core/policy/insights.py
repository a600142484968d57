"""Who may read which dashboards: liaisons their caseload, site leaders their sites, admins the district."""

from liaison.core.policy import access_for
from liaison.insights.choices import Scope


def can_view_insights(user) -> bool:
    access = access_for(user)
    return access.is_admin or bool(access.leader_site_ids) or access.is_liaison


def default_scope(user) -> tuple[str, int] | None:
    access = access_for(user)
    if access.is_admin:
        district = next(iter(sorted(access.admin_district_ids)), None)
        if district is None:  # a superuser without a membership
            from liaison.people.models import District

            district = District.objects.order_by("pk").values_list("pk", flat=True).first()
        return (Scope.DISTRICT, district) if district else None
    if access.leader_site_ids:
        return Scope.SITE, min(access.leader_site_ids)
    if access.is_liaison:
        return Scope.CASELOAD, user.pk
    return None


def may_view_scope(user, scope: str, scope_id: int) -> bool:
    access = access_for(user)
    if scope == Scope.DISTRICT:
        return access.superuser or scope_id in access.admin_district_ids
    if scope == Scope.SITE:
        if access.superuser or scope_id in access.leader_site_ids:
            return True
        from liaison.people.models import Site

        return Site.objects.filter(pk=scope_id, district_id__in=access.admin_district_ids).exists()
    if scope == Scope.CASELOAD:
        return scope_id == user.pk or access.is_admin or bool(access.leader_site_ids)
    return False
