"""The demo district's events: an upcoming workshop with answers, and a past one with check-ins."""

import datetime as dt

from django.utils import timezone

from liaison.events import services
from liaison.events.choices import Answer, EventKind
from liaison.people.models import Household


def _caseload(district, liaison):

    return list(
        Household.objects.filter(
            district=district, assignments__staff=liaison, assignments__ended_on__isnull=True
        )
        .distinct()
        .order_by("pk")
    )


def _at(site, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=site.zone)


def add_demo_activity(district, staff):
    """Invite the demo liaison's caseload to a workshop next week; some families have answered."""
    liaison = staff["liaison"]
    site = district.sites.get(name="Riverside Elementary School")
    households = _caseload(district, liaison)
    today = timezone.now().astimezone(site.zone).date()

    workshop = services.create_event(
        district=district,
        by=liaison,
        site=site,
        kind=EventKind.WORKSHOP,
        title="Family literacy night: reading together at home",
        description=(
            "Bring your family for stories, games and free books to take home. "
            "Interpreters and childcare are there for you."
        ),
        starts_at=_at(site, today + dt.timedelta(days=7), 18),
        ends_at=_at(site, today + dt.timedelta(days=7), 19, 30),
        place="Library",
        capacity=40,
        interpretation=["es", "ar"],
        childcare_offered=True,
    )[0]
    invitations = services.invite_households(
        event=workshop, households=households, by=liaison, send=False
    )
    invitations.sort(key=lambda i: i.household_id)
    by_household = {h.pk: h for h in households}
    for n, invitation in enumerate(invitations[:6]):
        language = by_household[invitation.household_id].primary_language
        services.respond(
            invitation=invitation,
            answer=Answer.MAYBE if n == 5 else Answer.YES,
            party_size=2 + n % 3,
            interpreter_language=language if language in ("es", "ar") else "",
            childcare_ages=[4, 7] if n % 2 == 0 else [],
            by=liaison,
        )

    past_day = today - dt.timedelta(days=14)
    coffee = services.create_event(
        district=district,
        by=liaison,
        site=site,
        kind=EventKind.MEETING,
        title="Coffee with the principal",
        starts_at=_at(site, past_day, 8, 30),
        ends_at=_at(site, past_day, 9, 30),
        place="Cafeteria",
        interpretation=["es"],
    )[0]
    past = services.invite_households(
        event=coffee, households=households[:8], by=liaison, send=False
    )
    past.sort(key=lambda i: i.household_id)
    for n, invitation in enumerate(past[:5]):
        invitation = services.respond(invitation=invitation, answer=Answer.YES, by=liaison)
        if n < 3:  # two who said yes did not come
            services.check_in(event=coffee, invitation=invitation, by=liaison)
    return workshop
