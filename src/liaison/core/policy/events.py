"""Who may see and run events, built on the core scopes.

- district admins: every event of their districts;
- site leaders and liaisons: events at their sites, and district-wide events of their district;
- teachers: conference nights at their schools (to publish and print their own slots);
- interpreters and anyone else: none.
A family's invitation and answers follow the household policy (core.policy): whoever may open
the household may see them, whoever may edit it may answer for the family.
"""

from django.db.models import Q

from liaison.core.policy import NOTHING, access_for


def _teacher_site_ids(user):
    from liaison.people.models import ClassSection

    return set(
        ClassSection.objects.filter(teachers=user, is_active=True).values_list("site_id", flat=True)
    )


def event_filter(user) -> Q:
    from liaison.events.choices import EventKind

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


def can_run_events(user) -> bool:
    """Create events, invite, check people in: admins, site leaders and liaisons."""
    access = access_for(user)
    return access.is_admin or bool(access.site_ids)


def can_manage(user, event) -> bool:
    access = access_for(user)
    if access.superuser or event.district_id in access.admin_district_ids:
        return True
    if event.site_id is None:
        return bool(access.site_ids) and event.district_id in access.district_ids
    return event.site_id in access.site_ids


def can_publish_slots(user, event) -> bool:
    return can_manage(user, event) or (
        access_for(user).is_teacher and event.site_id in _teacher_site_ids(user)
    )


def can_see_groups(user) -> bool:
    return can_run_events(user)
