"""Who may read the attendance at-risk list, and which of its rows."""

from django.db.models import Q

from liaison.core.policy.insights import can_view_insights
from liaison.core.policy.lookup import Person
from liaison.core.policy.scopes import access_for, household_filter, prefixed


def can_see_at_risk(user: Person) -> bool:
    """The at-risk list is a report: for those who read insights (admins, leaders, liaisons)."""
    return can_view_insights(user)


def at_risk_filter(user: Person) -> Q:
    """A filter on rows that carry `district_id` and `household_id` (the at-risk scores): the
    students of the families this person may open. An admin with no other role reads their
    districts by the district alone, so the list's first page stays an index read."""
    access = access_for(user)
    if access.superuser:
        return Q()
    others = access.site_ids or access.is_liaison or access.is_teacher or access.is_interpreter
    if access.admin_district_ids and not others:
        return Q(district_id__in=access.admin_district_ids)
    return prefixed(household_filter(user), "household_id")
