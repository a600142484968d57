"""Test data for concerns, made through the app's own services."""

from liaison.concerns import services
from liaison.concerns.choices import Source, Urgency
from liaison.people.choices import Role
from tests import factories as f


def colleague(district, username="colleague"):
    """A liaison of the district with no school and no caseload: sees nothing by scope alone."""
    user = f.UserFactory(username=f"{username}-{district.slug}")
    f.MembershipFactory(user=user, district=district, site=None, role=Role.LIAISON)
    return user


def concern(household, *, assignee=None, category="bullying_safety", urgency=Urgency.NORMAL, **kw):
    kw.setdefault("description", "Mi hijo tiene miedo de ir al recreo.")
    kw.setdefault("source", Source.PHONE)
    kw.setdefault("language", "es")
    made = services.raise_concern(
        household=household,
        category=category,
        students=list(household.students.all()),
        urgency=urgency,
        **kw,
    )
    if assignee is not None:
        services.assign_concern(concern=made, assignee=assignee, by=None)
        made.refresh_from_db()
    return made


def meeting(concern_, **kw):
    import datetime as dt

    from django.utils import timezone

    return services.plan_meeting(
        concern=concern_,
        by=None,
        starts_at=kw.pop("starts_at", timezone.now() + dt.timedelta(days=2)),
        place=kw.pop("place", "Alder Elementary, room 12"),
        guardians=list(concern_.household.guardians.all()),
        **kw,
    )
