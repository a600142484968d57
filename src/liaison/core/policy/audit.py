"""Who may see the access log, produce a family's record and erase it (built on core.policy)."""

from typing import Any

from django.db.models import Q, QuerySet

from liaison.core.policy.lookup import Person, Record, model
from liaison.core.policy.scopes import NOTHING, access_for, full_view, site_households


def can_export_household(user: Person, household: Record) -> bool:
    """Staff who see the whole family: admins, its site leaders, its liaison (caseload)."""
    return full_view(user, household)


def can_erase_household(user: Person, household: Record) -> bool:
    access = access_for(user)
    return access.superuser or household.district_id in access.admin_district_ids


def can_see_access_log(user: Person) -> bool:
    return access_for(user).is_leader


def access_log_households(user: Person) -> QuerySet[Any]:
    """Households whose access-log entries this person (an admin or site leader) may read."""
    households: QuerySet[Any] = model("people.Household").objects.all()
    access = access_for(user)
    if access.superuser:
        return households
    q = NOTHING
    if access.admin_district_ids:
        q |= Q(district_id__in=access.admin_district_ids)
    if access.leader_site_ids:
        q |= site_households(access.leader_site_ids)
    return households.filter(q)


def tombstone_filter(user: Person) -> Q:
    """A filter on ErasureTombstone: the erasures of the districts this person administers."""
    return Q(district_id__in=access_for(user).admin_district_ids)
