"""The demo district's concerns and contact log, on the demo liaison's caseload."""

import datetime as dt

from django.utils import timezone

from liaison.concerns import services
from liaison.concerns.choices import ContactKind, Source, Status, Urgency
from liaison.people.models import Household


def add_demo_activity(district, staff):
    """A few concerns across statuses (one with a confidential note) and two logged contacts."""

    liaison = staff["liaison"]
    households = list(
        Household.objects.filter(district=district, assignments__staff=liaison)
        .distinct()
        .order_by("-pk")[:4]
    )
    if len(households) < 4:
        return []
    services.ensure_district_defaults(district)
    first, second, third, fourth = households

    def guardian_of(household):
        return household.guardians.order_by("pk").first()

    new = services.raise_concern(
        household=first,
        guardian=guardian_of(first),
        category="transport",
        description="The bus leaves before my son is at the stop; he missed school twice this week.",
        source=Source.PORTAL,
    )
    working = services.raise_concern(
        household=second,
        guardian=guardian_of(second),
        category="academic",
        description="My daughter's reading is behind and we would like help at home.",
        source=Source.PHONE,
        raised_by=liaison,
        assignee=liaison,
    )
    services.change_status(concern=working, status=Status.IN_PROGRESS, by=liaison)
    services.add_note(
        concern=working,
        body="Asked the classroom teacher for the latest reading assessment.",
        by=liaison,
    )
    services.log_contact(
        household=second,
        guardian=guardian_of(second),
        concern=working,
        by=liaison,
        kind=ContactKind.CALL,
        purpose="Talked through the reading plan",
        duration_minutes=15,
        outcome="Mother will read with her 20 minutes a night; invited to literacy night.",
        at=timezone.now() - dt.timedelta(days=2),
    )
    sensitive = services.raise_concern(
        household=third,
        guardian=guardian_of(third),
        category="basic_needs",
        description="The family is staying with relatives since the fire and needs school supplies.",
        source=Source.WALK_IN,
        urgency=Urgency.HIGH,
        raised_by=liaison,
        assignee=liaison,
    )
    services.add_note(
        concern=sensitive,
        body="Housing situation shared in confidence; McKinney-Vento eligibility to be checked.",
        by=liaison,
        restricted=True,
    )
    services.log_contact(
        household=third,
        guardian=guardian_of(third),
        concern=sensitive,
        by=liaison,
        kind=ContactKind.HOME_VISIT,
        purpose="Brought school supplies and the free-meals form",
        duration_minutes=40,
        outcome="Form filled in together.",
        at=timezone.now() - dt.timedelta(days=1),
        next_step="Check the meals form was processed",
        follow_up_on=timezone.localdate() + dt.timedelta(days=3),
    )
    resolved = services.raise_concern(
        household=fourth,
        guardian=guardian_of(fourth),
        category="attendance",
        description="Absence letters arrive only in English.",
        source=Source.MESSAGE,
        raised_by=liaison,
        assignee=liaison,
    )
    services.change_status(
        concern=resolved,
        status=Status.RESOLVED,
        by=liaison,
        outcome="Letters now go out in the family's language",
        resolution_summary="The office set the family's language; the next letter came in their language.",
    )
    return [new, working, sensitive, resolved]
