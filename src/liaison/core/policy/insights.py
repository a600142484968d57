"""Who may read which dashboards: liaisons their caseload, site leaders their sites, admins the district."""

from typing import Any

from django.db.models import Q, QuerySet

from liaison.core.policy.lookup import Person, model
from liaison.core.policy.roles import AssignmentRole, Dimension, Scope
from liaison.core.policy.scopes import Access, access_for, household_filter


def can_view_insights(user: Person) -> bool:
    access = access_for(user)
    return access.is_admin or bool(access.leader_site_ids) or access.is_liaison


def default_scope(user: Person) -> tuple[str, int] | None:
    access = access_for(user)
    if access.is_admin:
        district = next(iter(sorted(access.admin_district_ids)), None)
        if district is None:  # a superuser without a membership
            district = (
                model("people.District").objects.order_by("pk").values_list("pk", flat=True).first()
            )
        return (Scope.DISTRICT, district) if district else None
    if access.leader_site_ids:
        return Scope.SITE, min(access.leader_site_ids)
    if access.is_liaison:
        return Scope.CASELOAD, user.pk
    return None


def may_view_scope(user: Person, scope: str, scope_id: int) -> bool:
    access = access_for(user)
    if scope == Scope.DISTRICT:
        return access.superuser or scope_id in access.admin_district_ids
    if scope == Scope.SITE:
        if access.superuser or scope_id in access.leader_site_ids:
            return True
        return bool(
            model("people.Site")
            .objects.filter(pk=scope_id, district_id__in=access.admin_district_ids)
            .exists()
        )
    if scope == Scope.CASELOAD:
        if scope_id == user.pk or access.superuser:
            return True
        if not (access.is_admin or access.leader_site_ids):
            return False
        return _caseload_wholly_visible(user, access, scope_id)
    return False


def _caseload_wholly_visible(user: Person, access: Access, liaison_id: int) -> bool:
    """A caseload's figures count every family on it: another person reads them only when each of
    those families is one they may open, and the liaison works in one of their districts.

    The families counted are the caseload's rows in the rollups (what the figures were built from)
    and its current assignments (what the next rebuild will count), so neither a stale rollup nor a
    fresh assignment lets a figure about a family outside the reader's scope through."""
    if (
        not model("people.Membership")
        .objects.filter(user_id=liaison_id, district_id__in=access.district_ids, is_active=True)
        .exists()
    ):
        return False
    counted = (
        model("insights.HouseholdDimension")
        .objects.filter(
            dimension=Dimension.LIAISON, value=str(liaison_id), engagement__is_active=True
        )
        .values("engagement_id")
    )
    assigned = (
        model("people.HouseholdAssignment")
        .objects.current()
        .filter(staff_id=liaison_id, role=AssignmentRole.LIAISON)
        .values("household_id")
    )
    on_caseload = model("people.Household").objects.filter(Q(pk__in=counted) | Q(pk__in=assigned))
    return not on_caseload.exclude(household_filter(user)).exists()


def can_tune_rules(user: Person, district_id: int) -> bool:
    """Change a district's at-risk rules: its admins."""
    access = access_for(user)
    return access.superuser or district_id in access.admin_district_ids


def advocacy_scope(user: Person) -> tuple[int, QuerySet[Any], bool] | None:
    """What this person's advocacy summary covers: (district, the sites they read, whether the
    district's own figures show); None for those who read none (or when there is no district).

    Admins: their first district (a superuser without one: the first district) and all its sites;
    site leaders: their sites, without the district's figures."""
    access = access_for(user)
    Site = model("people.Site")
    if access.is_admin:
        district_id = next(iter(sorted(access.admin_district_ids)), None)
        if district_id is None:
            district_id = (
                model("people.District").objects.order_by("pk").values_list("pk", flat=True).first()
            )
        if district_id is None:
            return None
        return district_id, Site.objects.filter(district_id=district_id), True
    if access.leader_site_ids:
        # A leader's sites are rows of their memberships (a site's district is never empty).
        district_id = (
            Site.objects.filter(pk__in=access.leader_site_ids)
            .values_list("district_id", flat=True)
            .first()
        )
        return district_id, Site.objects.filter(pk__in=access.leader_site_ids), False
    return None
