"""Who may see and run events, built on the core scopes.

- district admins: every event of their districts;
- site leaders and liaisons: events at their sites, and district-wide events of their district;
- teachers: conference nights at their schools (to publish and print their own slots);
- interpreters and anyone else: none.
A family's invitation and answers follow the household policy (core.policy): whoever may open
the household may see them, whoever may edit it may answer for the family.
"""

from typing import Any

from django.db.models import Q, QuerySet

from liaison.core.policy.lookup import Person, Record, model
from liaison.core.policy.roles import EventKind
from liaison.core.policy.scopes import NOTHING, access_for


def _teacher_site_ids(user: Person) -> set[int]:
    return set(
        model("people.ClassSection")
        .objects.filter(teachers=user, is_active=True)
        .values_list("site_id", flat=True)
    )


def event_filter(user: Person) -> Q:
    access = access_for(user)
    if access.superuser:
        return Q()
    q = NOTHING
    if access.admin_district_ids:
        q |= Q(district_id__in=access.admin_district_ids)
    if access.site_ids:
        q |= Q(site_id__in=access.site_ids)
    if access.site_ids or access.is_liaison:
        q |= Q(site__isnull=True, district_id__in=access.district_ids)
    if access.is_teacher:
        q |= Q(kind=EventKind.CONFERENCE, site_id__in=_teacher_site_ids(user))
    return q


def can_run_events(user: Person) -> bool:
    """Create events, invite, check people in: admins, site leaders and liaisons."""
    access = access_for(user)
    return access.is_admin or bool(access.site_ids)


def can_manage(user: Person, event: Record) -> bool:
    access = access_for(user)
    if access.superuser or event.district_id in access.admin_district_ids:
        return True
    if event.site_id is None:
        return bool(access.site_ids) and event.district_id in access.district_ids
    return event.site_id in access.site_ids


def can_publish_slots(user: Person, event: Record) -> bool:
    return can_manage(user, event) or (
        access_for(user).is_teacher and event.site_id in _teacher_site_ids(user)
    )


def can_see_groups(user: Person) -> bool:
    return can_run_events(user)


def home_district(user: Person) -> Record | None:
    """The district whose events this person creates by default: the first they administer, else
    the first they work in (a superuser without a membership: the first district)."""
    access = access_for(user)
    District = model("people.District")
    ids = access.admin_district_ids or access.district_ids
    district = District.objects.filter(pk__in=ids).order_by("pk").first()
    if district is None and access.superuser:
        district = District.objects.order_by("pk").first()
    return district


def event_sites(user: Person) -> QuerySet[Any]:
    """The active sites this person may hold events at: their districts' (admins), their own."""
    access = access_for(user)
    sites: QuerySet[Any] = model("people.Site").objects.active()
    if access.superuser:
        return sites
    return sites.filter(Q(district_id__in=access.admin_district_ids) | Q(pk__in=access.site_ids))


def group_filter(user: Person) -> Q:
    """A filter on Group: a district's groups for its admins, a site's for its leaders and
    liaisons, and district-wide groups for those who work at one of the district's sites."""
    access = access_for(user)
    if access.superuser:
        return Q()
    return (
        Q(district_id__in=access.admin_district_ids)
        | Q(site_id__in=access.site_ids)
        | Q(site__isnull=True, district_id__in=access.district_ids if access.site_ids else [])
    )
